//! The gazetteer's files: the shipped copies, reading a curator's directory, parsing every line
//! and checking it. What a line *means* for matching is `index.rs`'s business.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;

/// The twelve provinces, as CBS writes them. They do not change with a yearly update, so a
/// province column is checked against this list, not against the data.
pub const PROVINCES: [&str; 12] = [
    "Groningen",
    "Fryslân",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
];

/// The file names of a gazetteer directory, in the order they are read.
pub const FILES: [&str; 6] = [
    MUNICIPALITIES,
    PLACES,
    FORMER,
    VARIANTS,
    AMBIGUOUS,
    PROVINCES_FILE,
];
pub const MUNICIPALITIES: &str = "municipalities.tsv";
pub const PLACES: &str = "places.tsv";
pub const FORMER: &str = "former.tsv";
pub const VARIANTS: &str = "variants.tsv";
pub const AMBIGUOUS: &str = "ambiguous.tsv";
pub const PROVINCES_FILE: &str = "provinces.tsv";

/// The shipped files, embedded so that the binary needs no data directory. They live inside
/// the package (`gazetteer/` at the repository root is a link to them): cargo records files
/// outside a package by absolute path, and then worktrees sharing one target directory would
/// take each other's embedded data for fresh.
pub(crate) const SHIPPED: [(&str, &str); 6] = [
    (MUNICIPALITIES, include_str!("../data/municipalities.tsv")),
    (PLACES, include_str!("../data/places.tsv")),
    (FORMER, include_str!("../data/former.tsv")),
    (VARIANTS, include_str!("../data/variants.tsv")),
    (AMBIGUOUS, include_str!("../data/ambiguous.tsv")),
    (PROVINCES_FILE, include_str!("../data/provinces.tsv")),
];

/// One problem in a gazetteer file: `FILE:line N: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole (missing, unreadable).
    pub line: usize,
    pub message: String,
    pub severity: Severity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The line is skipped.
    Error,
    /// The line is used, but a curator should look at it.
    Warning,
}

impl Problem {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {severity}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:line {}: {severity}: {}",
                self.file, self.line, self.message
            )
        }
    }
}

/// A municipality as of the data's reference date.
#[derive(Clone, Debug, PartialEq)]
pub struct Municipality {
    /// CBS code, `GM0363`.
    pub code: String,
    /// The official name as CBS writes it (`'s-Gravenhage`, `Bergen (NH.)`).
    pub name: String,
    /// One of [`PROVINCES`].
    pub province: String,
    /// Approximate location of the main place (WGS84), for a dot on a map.
    pub lat: f64,
    pub lon: f64,
}

/// What kind of name a row of the data gives (the model's type: every stage after the
/// matcher carries it).
pub use websense_model::PlaceKind as NameKind;

/// One name row: a name and the municipality (by index into [`Data::municipalities`]) it means.
#[derive(Clone, Debug)]
pub(crate) struct NameRow {
    pub name: String,
    pub municipality: usize,
    pub kind: NameKind,
}

/// Everything the files say, with bad lines left out.
#[derive(Clone, Debug, Default)]
pub(crate) struct Data {
    pub municipalities: Vec<Municipality>,
    pub names: Vec<NameRow>,
    /// Names flagged as ordinary words (or people, or things).
    pub ambiguous: Vec<String>,
    /// Province names and variants -> index into [`PROVINCES`].
    pub provinces: Vec<(String, usize)>,
    /// Counts per file, for the summary.
    pub counts: Counts,
}

/// How many good rows each file had.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub municipalities: usize,
    pub places: usize,
    pub districts: usize,
    pub former: usize,
    pub variants: usize,
    pub ambiguous: usize,
    pub province_names: usize,
}

/// The files of a gazetteer: (file name, text) pairs.
pub(crate) type Sources<'a> = [(&'a str, &'a str)];

/// Read the six files of `dir`. A missing file is a problem (and an empty file), not an I/O error.
pub(crate) fn read_dir(dir: &Path) -> (Vec<(&'static str, String)>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for name in FILES {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(text) => files.push((name, text)),
            Err(e) => {
                problems.push(Problem {
                    file: name.to_string(),
                    line: 0,
                    message: format!("cannot read {}: {e}", dir.join(name).display()),
                    severity: Severity::Error,
                });
                files.push((name, String::new()));
            }
        }
    }
    (files, problems)
}

/// The data lines of one file: (1-based line number, columns), after its header line.
/// Comment (`#`) and blank lines are skipped; a wrong or missing header is a problem.
fn rows<'t>(
    file: &str,
    text: &'t str,
    header: &[&str],
    problems: &mut Vec<Problem>,
) -> Vec<(usize, Vec<&'t str>)> {
    let mut out = Vec::new();
    let mut seen_header = false;
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').map(str::trim).collect();
        if !seen_header {
            seen_header = true;
            if columns != header {
                problems.push(error(
                    file,
                    number,
                    format!("the header must be `{}`", header.join("\\t")),
                ));
            }
            continue;
        }
        if columns.len() != header.len() {
            problems.push(error(
                file,
                number,
                format!(
                    "{} columns, expected {} ({}), separated by tabs",
                    columns.len(),
                    header.len(),
                    header.join(", ")
                ),
            ));
            continue;
        }
        // Only a former municipality's code may be left blank.
        if let Some((_, column)) = columns
            .iter()
            .zip(header)
            .find(|(c, h)| c.is_empty() && **h != "former_code")
        {
            problems.push(error(file, number, format!("empty {column}")));
            continue;
        }
        out.push((number, columns));
    }
    if !seen_header && !text.is_empty() {
        problems.push(error(file, 0, "no header line".to_string()));
    }
    out
}

fn error(file: &str, line: usize, message: String) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        message,
        severity: Severity::Error,
    }
}

fn warning(file: &str, line: usize, message: String) -> Problem {
    Problem {
        severity: Severity::Warning,
        ..error(file, line, message)
    }
}

fn text_of<'a>(sources: &'a Sources<'a>, file: &str) -> &'a str {
    sources
        .iter()
        .find(|(name, _)| *name == file)
        .map_or("", |(_, text)| text)
}

/// `GM` and four digits.
fn is_code(code: &str) -> bool {
    code.len() == 6 && code.starts_with("GM") && code[2..].bytes().all(|b| b.is_ascii_digit())
}

/// A name with something to match: its normal form is not empty.
fn has_letters(name: &str) -> bool {
    !websense_normalize::normalize(name).is_empty()
}

/// Parse and check every file. Bad lines are reported and left out; the rest is returned.
pub(crate) fn parse(sources: &Sources<'_>) -> (Data, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut data = Data::default();
    let mut by_code: HashMap<String, usize> = HashMap::new();

    // municipalities.tsv
    let file = MUNICIPALITIES;
    let mut names_seen: HashMap<String, usize> = HashMap::new();
    for (n, c) in rows(
        file,
        text_of(sources, file),
        &["code", "name", "province", "lat", "lon"],
        &mut problems,
    ) {
        let (code, name, province) = (c[0], c[1], c[2]);
        if !is_code(code) {
            problems.push(error(
                file,
                n,
                format!("`{code}` is not a CBS code (GM and four digits)"),
            ));
            continue;
        }
        if let Some(first) = by_code.get(code) {
            let line = names_seen
                .get(&data.municipalities[*first].name)
                .copied()
                .unwrap_or(0);
            problems.push(error(
                file,
                n,
                format!("duplicate code {code} (first on line {line})"),
            ));
            continue;
        }
        if let Some(line) = names_seen.get(name) {
            problems.push(error(
                file,
                n,
                format!("duplicate name `{name}` (first on line {line})"),
            ));
            continue;
        }
        if !PROVINCES.contains(&province) {
            problems.push(error(
                file,
                n,
                format!(
                    "unknown province `{province}` (one of: {})",
                    PROVINCES.join(", ")
                ),
            ));
            continue;
        }
        if !has_letters(name) {
            problems.push(error(file, n, format!("the name `{name}` has no letters")));
            continue;
        }
        let (Ok(lat), Ok(lon)) = (c[3].parse::<f64>(), c[4].parse::<f64>()) else {
            problems.push(error(
                file,
                n,
                format!("lat/lon `{}` `{}` are not numbers", c[3], c[4]),
            ));
            continue;
        };
        // The Netherlands' European part lies within these bounds; a swapped pair does not.
        if !(50.7..=53.7).contains(&lat) || !(3.3..=7.3).contains(&lon) {
            problems.push(error(
                file,
                n,
                format!("lat/lon {lat}, {lon} lie outside the Netherlands (swapped?)"),
            ));
            continue;
        }
        names_seen.insert(name.to_string(), n);
        by_code.insert(code.to_string(), data.municipalities.len());
        data.municipalities.push(Municipality {
            code: code.to_string(),
            name: name.to_string(),
            province: province.to_string(),
            lat,
            lon,
        });
    }
    data.counts.municipalities = data.municipalities.len();
    for (i, m) in data.municipalities.iter().enumerate() {
        data.names.push(NameRow {
            name: search_name(&m.name).to_string(),
            municipality: i,
            kind: NameKind::Municipality,
        });
    }

    // former.tsv first: places must not point to a former code.
    let file = FORMER;
    let mut former_codes: HashMap<String, (String, String)> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, c) in rows(
        file,
        text_of(sources, file),
        &["name", "former_code", "successor", "year"],
        &mut problems,
    ) {
        let (name, former, successor, year) = (c[0], c[1], c[2], c[3]);
        if let Some(line) = seen.get(name) {
            problems.push(error(
                file,
                n,
                format!("duplicate `{name}` (first on line {line})"),
            ));
            continue;
        }
        let Some(&target) = by_code.get(successor) else {
            problems.push(error(
                file,
                n,
                format!("unknown successor code `{successor}`"),
            ));
            continue;
        };
        if !former.is_empty() && (!is_code(former) || by_code.contains_key(former)) {
            let why = if is_code(former) {
                "is a current municipality"
            } else {
                "is not a CBS code"
            };
            problems.push(error(file, n, format!("former code `{former}` {why}")));
            continue;
        }
        if !matches!(year.parse::<u16>(), Ok(1800..=2100)) {
            problems.push(error(file, n, format!("`{year}` is not a year")));
            continue;
        }
        if !has_letters(name) {
            problems.push(error(file, n, format!("the name `{name}` has no letters")));
            continue;
        }
        seen.insert(name.to_string(), n);
        if !former.is_empty() {
            former_codes.insert(
                former.to_string(),
                (name.to_string(), successor.to_string()),
            );
        }
        data.names.push(NameRow {
            name: name.to_string(),
            municipality: target,
            kind: NameKind::Former,
        });
        data.counts.former += 1;
    }

    // places.tsv
    let file = PLACES;
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (n, c) in rows(
        file,
        text_of(sources, file),
        &["name", "code", "kind"],
        &mut problems,
    ) {
        let (name, code, kind) = (c[0], c[1], c[2]);
        let kind = match kind {
            "place" => NameKind::Place,
            "district" => NameKind::District,
            other => {
                problems.push(error(
                    file,
                    n,
                    format!("unknown kind `{other}` (place or district)"),
                ));
                continue;
            }
        };
        let Some(&target) = by_code.get(code) else {
            let message = match former_codes.get(code) {
                Some((former, successor)) => format!(
                    "{code} is the former municipality {former}, now part of {successor}: use {successor}"
                ),
                None => format!("unknown municipality code `{code}`"),
            };
            problems.push(error(file, n, message));
            continue;
        };
        if let Some(line) = seen.get(&(name.to_string(), code.to_string())) {
            problems.push(error(
                file,
                n,
                format!("duplicate `{name}` in {code} (first on line {line})"),
            ));
            continue;
        }
        if !has_letters(name) {
            problems.push(error(file, n, format!("the name `{name}` has no letters")));
            continue;
        }
        seen.insert((name.to_string(), code.to_string()), n);
        data.names.push(NameRow {
            name: name.to_string(),
            municipality: target,
            kind,
        });
        match kind {
            NameKind::District => data.counts.districts += 1,
            _ => data.counts.places += 1,
        }
    }

    // variants.tsv
    let file = VARIANTS;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, c) in rows(
        file,
        text_of(sources, file),
        &["name", "code"],
        &mut problems,
    ) {
        let (name, code) = (c[0], c[1]);
        let Some(&target) = by_code.get(code) else {
            problems.push(error(
                file,
                n,
                format!("unknown municipality code `{code}`"),
            ));
            continue;
        };
        if let Some(line) = seen.get(name) {
            problems.push(error(
                file,
                n,
                format!("duplicate `{name}` (first on line {line})"),
            ));
            continue;
        }
        if !has_letters(name) {
            problems.push(error(file, n, format!("the name `{name}` has no letters")));
            continue;
        }
        seen.insert(name.to_string(), n);
        data.names.push(NameRow {
            name: name.to_string(),
            municipality: target,
            kind: NameKind::Variant,
        });
        data.counts.variants += 1;
    }

    let known: HashSet<String> = data
        .names
        .iter()
        .map(|r| websense_normalize::normalize(&r.name))
        .collect();

    // provinces.tsv: a province name must not hide a municipality or place of the same name.
    let file = PROVINCES_FILE;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, c) in rows(
        file,
        text_of(sources, file),
        &["name", "province"],
        &mut problems,
    ) {
        let (name, province) = (c[0], c[1]);
        let Some(index) = PROVINCES.iter().position(|p| *p == province) else {
            problems.push(error(
                file,
                n,
                format!(
                    "unknown province `{province}` (one of: {})",
                    PROVINCES.join(", ")
                ),
            ));
            continue;
        };
        let normal = websense_normalize::normalize(name);
        if normal.is_empty() {
            problems.push(error(file, n, format!("the name `{name}` has no letters")));
            continue;
        }
        if let Some(line) = seen.get(&normal) {
            problems.push(error(
                file,
                n,
                format!("duplicate `{name}` (first on line {line})"),
            ));
            continue;
        }
        if known.contains(&normal) {
            problems.push(error(
                file,
                n,
                format!(
                    "`{name}` is also a municipality or place: as a province name it would hide it"
                ),
            ));
            continue;
        }
        seen.insert(normal, n);
        data.provinces.push((name.to_string(), index));
        data.counts.province_names += 1;
    }

    // ambiguous.tsv
    let file = AMBIGUOUS;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (n, c) in rows(
        file,
        text_of(sources, file),
        &["name", "why"],
        &mut problems,
    ) {
        let (name, why) = (c[0], c[1]);
        if !matches!(why, "word" | "person" | "thing") {
            problems.push(error(
                file,
                n,
                format!("unknown why `{why}` (word, person or thing)"),
            ));
            continue;
        }
        let normal = websense_normalize::normalize(name);
        if let Some(line) = seen.get(&normal) {
            problems.push(error(
                file,
                n,
                format!("duplicate `{name}` (first on line {line})"),
            ));
            continue;
        }
        if !known.contains(&normal) {
            problems.push(warning(
                file,
                n,
                format!("`{name}` is no municipality, place, former municipality or variant in the other files"),
            ));
        }
        seen.insert(normal, n);
        data.ambiguous.push(name.to_string());
        data.counts.ambiguous += 1;
    }

    (data, problems)
}

/// The name a municipality is written with in posts: CBS's disambiguating suffix dropped
/// (`Bergen (NH.)` -> `Bergen`), so the two Bergens share a name and context decides.
pub(crate) fn search_name(official: &str) -> &str {
    match official.find(" (") {
        Some(i) if official.ends_with(')') => &official[..i],
        _ => official,
    }
}
