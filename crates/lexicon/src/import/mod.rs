//! Turning the lists curators already have into a `.lex` file: plain lists, TSV and CSV
//! tables, LIWC-style `.dic` dictionaries, JSON and regex dictionaries (see the crate doc
//! for each format). One module per format; [`Builder`] checks and collects the terms of
//! all of them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use websense_model::TermKind;
use websense_normalize::normalize;

mod csv;
mod dic;
mod json;
mod plain;
mod regex;
mod table;
mod tsv;

use self::csv::read_csv;
use dic::read_dic;
use json::read_json;
use plain::read_plain;
use regex::read_regex;
use tsv::read_tsv;

use crate::lexfile::parse_term_fields;
use crate::term::{is_identifier, is_language_code, is_lexicon_name, render_glob};
use crate::text_file::{bare_cr_warning, decode_import, unify_line_breaks};
use crate::{Location, MatchOptions, Problem, ProblemKind, Term};

/// The input formats `websense lexicon import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    /// One term per line, `#` comments, globs allowed; all terms in one category.
    Plain,
    /// Tab-separated with a header row naming at least `term`.
    Tsv,
    /// LIWC-style dictionary: `%`, category lines, `%`, then `term<TAB>ids`.
    Dic,
    /// Comma-separated: a header row naming columns as TSV, or rows `Category,term,...`.
    Csv,
    /// An array of strings or of objects, or an object mapping categories to arrays.
    Json,
    /// One regular expression per line, expanded into the terms it matches.
    Regex,
}

impl ImportFormat {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "plain" => ImportFormat::Plain,
            "tsv" => ImportFormat::Tsv,
            "dic" => ImportFormat::Dic,
            "csv" => ImportFormat::Csv,
            "json" => ImportFormat::Json,
            "regex" => ImportFormat::Regex,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Plain => "plain",
            ImportFormat::Tsv => "tsv",
            ImportFormat::Dic => "dic",
            ImportFormat::Csv => "csv",
            ImportFormat::Json => "json",
            ImportFormat::Regex => "regex",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    pub format: ImportFormat,
    /// The category of every term of a plain list or regex dictionary, and of table rows
    /// and JSON terms without one.
    pub category: Option<String>,
    /// The `name:` of the lexicon written.
    pub name: String,
    /// The `languages:` of the lexicon written; none leaves the header out (a warning when
    /// loaded).
    pub languages: Vec<String>,
    /// For TSV, CSV and JSON: the input's names of some columns (`("term", "lemma")`: the
    /// terms are in the column, or under the key, `lemma`), from [`parse_column`].
    pub columns: Vec<(String, String)>,
    /// For regex dictionaries: the most terms one line may expand into.
    pub max_literals: usize,
    /// The input file's encoding when it is not UTF-8 (`--encoding`); none: a byte order
    /// mark, UTF-8, or a guess.
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// The default of [`ImportOptions::max_literals`].
pub const DEFAULT_MAX_LITERALS: usize = 1000;

impl ImportOptions {
    /// Options for `format`, writing a lexicon named `name`, with no category and no
    /// languages.
    pub fn new(format: ImportFormat, name: &str) -> ImportOptions {
        ImportOptions {
            format,
            category: None,
            name: name.to_string(),
            languages: Vec::new(),
            columns: Vec::new(),
            max_literals: DEFAULT_MAX_LITERALS,
            encoding: None,
        }
    }
}

/// A `--column` mapping, `NAME=HEADER` (`term=lemma`): the column `NAME` (term, category,
/// weight, kind, exclusions) is called `HEADER` in the input (case does not matter).
pub fn parse_column(spec: &str) -> Result<(String, String), ImportError> {
    let bad = || ImportError::BadColumn(spec.to_string());
    let (ours, theirs) = spec.split_once('=').ok_or_else(bad)?;
    let ours = ours.trim().to_lowercase();
    let theirs = theirs.trim().to_lowercase();
    if !table::COLUMNS.contains(&ours.as_str()) || theirs.is_empty() {
        return Err(bad());
    }
    Ok((ours, theirs))
}

/// What one line of a regex dictionary expanded into.
#[derive(Clone, Debug, PartialEq)]
pub struct Expansion {
    /// Its input line.
    pub line: usize,
    /// The expression.
    pub pattern: String,
    /// The distinct terms (in normal form) it matches, each written as a term line unless
    /// in error or a duplicate.
    pub literals: usize,
}

/// An import's result: the `.lex` text with every term that passed, and the problems of the
/// lines that did not (reported with input line numbers).
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    /// The `.lex` file.
    pub text: String,
    /// Its sections' categories, in the order written.
    pub categories: Vec<String>,
    /// Number of term lines written.
    pub terms: usize,
    pub problems: Vec<Problem>,
    /// For a regex dictionary: each line expanded, with the number of terms it made.
    pub expansions: Vec<Expansion>,
}

/// Options that make an import impossible; problems of input lines are [`Problem`]s.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "a plain list or regex dictionary needs --category: every term goes into that one category"
    )]
    CategoryRequired,
    #[error("a .dic file names its own categories; --category does not apply")]
    CategoryWithDic,
    #[error("category `{0}` must be lowercase letters, digits and _, starting with a letter")]
    BadCategory(String),
    #[error("lexicon name `{0}` must be letters, digits, `-`, `_` or `.` (e.g. `nl-kern`)")]
    BadName(String),
    #[error("language `{0}` is not a two-letter lowercase ISO 639-1 code (nl, en, ...)")]
    BadLanguage(String),
    #[error(
        "--column `{0}`: a mapping is NAME=HEADER, NAME one of term, category, weight, kind, \
         exclusions (e.g. --column term=lemma)"
    )]
    BadColumn(String),
    #[error("--column applies to tsv, csv and json input, not to {}", .0.as_str())]
    ColumnsNotApplicable(ImportFormat),
}

/// Read `path` and import it: UTF-8, or converted from the encoding its byte order mark,
/// `options.encoding` or a guess gives (with a warning naming it; see `text_file`).
pub fn import_file(path: &Path, options: &ImportOptions) -> Result<Imported, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut problems = Vec::new();
    let text = decode_import(path, &bytes, options.encoding, &mut problems);
    let mut imported = import(&text, path, options)?;
    problems.append(&mut imported.problems);
    imported.problems = problems;
    Ok(imported)
}

/// Import `input` (read from `source`, the name problems carry).
pub fn import(
    input: &str,
    source: &Path,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    if !is_lexicon_name(&options.name) {
        return Err(ImportError::BadName(options.name.clone()));
    }
    if let Some(code) = options.languages.iter().find(|c| !is_language_code(c)) {
        return Err(ImportError::BadLanguage(code.clone()));
    }
    if let Some(category) = options.category.as_ref().filter(|c| !is_identifier(c)) {
        return Err(ImportError::BadCategory(category.clone()));
    }
    if let Some((ours, theirs)) = options
        .columns
        .iter()
        .find(|(ours, theirs)| !table::COLUMNS.contains(&ours.as_str()) || theirs.is_empty())
    {
        return Err(ImportError::BadColumn(format!("{ours}={theirs}")));
    }
    let tabular = matches!(
        options.format,
        ImportFormat::Tsv | ImportFormat::Csv | ImportFormat::Json
    );
    if !options.columns.is_empty() && !tabular {
        return Err(ImportError::ColumnsNotApplicable(options.format));
    }
    let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
    let (input, bare_cr) = unify_line_breaks(input);
    let input = input.as_ref();
    let mut builder = Builder {
        source,
        terms: Vec::new(),
        written: Vec::new(),
        first_of: HashMap::new(),
        problems: Vec::new(),
    };
    if bare_cr > 0 {
        builder.problems.push(bare_cr_warning(source, bare_cr));
    }
    let category = options.category.as_deref();
    let columns = &options.columns;
    let mut expansions = Vec::new();
    match options.format {
        ImportFormat::Plain => {
            read_plain(
                input,
                category.ok_or(ImportError::CategoryRequired)?,
                &mut builder,
            );
        }
        ImportFormat::Tsv => read_tsv(input, category, columns, &mut builder),
        ImportFormat::Csv => read_csv(input, category, columns, &mut builder),
        ImportFormat::Json => read_json(input, category, columns, &mut builder),
        ImportFormat::Dic => {
            if category.is_some() {
                return Err(ImportError::CategoryWithDic);
            }
            read_dic(input, &mut builder);
        }
        ImportFormat::Regex => {
            let category = category.ok_or(ImportError::CategoryRequired)?;
            expansions = read_regex(input, category, options.max_literals, &mut builder);
        }
    }
    let mut imported = builder.finish(options);
    imported.expansions = expansions;
    Ok(imported)
}

/// A stub to add to `categories.toml` for each of `names`.
pub fn category_stub(names: &[String]) -> String {
    let mut stub = String::new();
    for name in names {
        stub.push_str(&format!(
            "[{name}]\nlabel = \"{name}\"        # TODO: a short label, Dutch first\n\
             description = \"TODO: what the terms of this category are evidence of.\"\n\
             threshold = 4.0\n\n"
        ));
    }
    stub
}

/// An identifier for a category named `name` in another tool (`Anti-Overheid` ->
/// `anti_overheid`, `2 Posemo` -> `c_2_posemo`), or `None` if it has no letters or digits.
pub fn identifier_from(name: &str) -> Option<String> {
    let mut id = String::new();
    for c in normalize(name).chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            id.push(c);
        } else if !id.ends_with('_') && !id.is_empty() {
            id.push('_');
        }
    }
    let id = id.trim_end_matches('_');
    match id.chars().next() {
        None => None,
        Some(c) if c.is_ascii_digit() => Some(format!("c_{id}")),
        Some(_) => Some(id.to_string()),
    }
}

/// The `+term` / `term+` convention of social-science dictionaries: the term needs
/// something before it (`+moslim` hits `rotmoslim`, not `moslim`) or after it. Returns the
/// glob that says so with the lexicon's kinds (`*moslim`, a suffix, which also hits the bare
/// word) and the bare word to exclude, which takes exactly the bare word back out: an
/// exclusion only counts with word boundaries at both ends. `None` for a term without the
/// convention.
fn required_affix(raw: &str) -> Result<Option<(String, String)>, String> {
    let before = raw.starts_with('+');
    let core = raw.strip_prefix('+').unwrap_or(raw);
    let after = core.ends_with('+');
    let core = core.strip_suffix('+').unwrap_or(core);
    if !(before || after) || core.is_empty() {
        // (a lone `+` is reported as a term without letters)
        return Ok(None);
    }
    if core.contains('*') || core.starts_with('+') || core.ends_with('+') || core.trim() != core {
        return Err(format!(
            "`{raw}`: the required-affix convention is one `+` touching the start (`+moslim`) or \
             the end (`moslim+`) of a term, without stars"
        ));
    }
    if before && after {
        return Err(format!(
            "`{raw}` asks for something both before and after `{core}`; no kind of term says \
             exactly that (`*{core}*` also hits `{core}` followed or preceded by nothing); \
             write `*{core}*` if an infix is meant"
        ));
    }
    let glob = if before {
        format!("*{core}")
    } else {
        format!("{core}*")
    };
    Ok(Some((glob, core.to_string())))
}

struct Builder<'a> {
    source: &'a Path,
    terms: Vec<Term>,
    /// For each of `terms`, the term as the input wrote it where the import translated it
    /// (`+moslim`).
    written: Vec<Option<String>>,
    /// (category, normalised, kind) -> index in `terms`.
    first_of: HashMap<(String, String, TermKind), usize>,
    problems: Vec<Problem>,
}

impl Builder<'_> {
    fn error(&mut self, kind: ProblemKind, line: usize, message: impl Into<String>) {
        self.problems
            .push(Problem::error(kind, self.source, line, message));
    }

    fn warning(&mut self, kind: ProblemKind, line: usize, message: impl Into<String>) {
        self.problems
            .push(Problem::warning(kind, self.source, line, message));
    }

    /// Check one term as the loader would, and keep it unless it is in error or a duplicate.
    fn add(&mut self, line: usize, category: &str, fields: &[&str]) {
        self.add_as(line, category, fields, None);
    }

    /// [`Builder::add`] for a term the import made from what the input wrote (`written`,
    /// which the term line's comment then shows).
    fn add_written(&mut self, line: usize, category: &str, fields: &[&str], written: &str) {
        self.add_as(line, category, fields, Some(written));
    }

    fn add_as(&mut self, line: usize, category: &str, fields: &[&str], written: Option<&str>) {
        let location = Location {
            file: self.source.to_path_buf(),
            line,
        };
        let mut fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        let mut written = written.map(str::to_string);
        let raw = fields.first().map_or("", |f| f.trim());
        match required_affix(raw) {
            Ok(None) => {}
            Ok(Some((glob, bare))) => {
                written.get_or_insert_with(|| raw.to_string());
                fields.resize(fields.len().max(4), String::new());
                fields[0] = glob;
                if !fields[3].trim().is_empty() {
                    fields[3].push_str("; ");
                }
                fields[3].push_str(&bare);
            }
            Err(message) => {
                self.error(ProblemKind::ImportSyntax, line, message);
                return;
            }
        }
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let Some(term) = parse_term_fields(
            &fields,
            category,
            MatchOptions::DEFAULT,
            location,
            &mut self.problems,
        ) else {
            return;
        };
        let key = (term.category.clone(), term.normalized.clone(), term.kind);
        if let Some(&first) = self.first_of.get(&key) {
            let first = &self.terms[first];
            let (severity_is_error, kind, message) = if first.weight == term.weight {
                (
                    false,
                    ProblemKind::DuplicateTerm,
                    format!(
                        "`{}` is already in [{category}] at line {}; left out",
                        term.text, first.location.line
                    ),
                )
            } else {
                (
                    true,
                    ProblemKind::ConflictingWeight,
                    format!(
                        "`{}` is already in [{category}] at line {} with weight {}; this line (weight {}) is left out",
                        term.text, first.location.line, first.weight, term.weight
                    ),
                )
            };
            self.problems.push(if severity_is_error {
                Problem::error(kind, self.source, line, message)
            } else {
                Problem::warning(kind, self.source, line, message)
            });
            return;
        }
        self.first_of.insert(key, self.terms.len());
        self.terms.push(term);
        self.written.push(written);
    }

    fn finish(self, options: &ImportOptions) -> Imported {
        let mut categories: Vec<String> = Vec::new();
        for term in &self.terms {
            if !categories.contains(&term.category) {
                categories.push(term.category.clone());
            }
        }
        let file_name = self
            .source
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let mut text = format!(
            "# Imported by `websense lexicon import --format {}` from {}.\n\
             # Check the directory with `websense lexicon check DIR`.\n\
             name: {}\n",
            options.format.as_str(),
            lex_safe(&file_name),
            options.name
        );
        if !options.languages.is_empty() {
            text.push_str(&format!("languages: {}\n", options.languages.join(", ")));
        }
        for category in &categories {
            text.push_str(&format!("\n[{category}]\n"));
            for (term, written) in self.terms.iter().zip(&self.written) {
                if &term.category != category {
                    continue;
                }
                // The pointer back to the input: file and line, and the term as written
                // where the import translated it.
                text.push_str(&format!(
                    "{}  # {file_name}:{}",
                    term_line(term),
                    term.location.line
                ));
                if let Some(written) = written {
                    text.push_str(&format!(" {written}"));
                }
                text.push('\n');
            }
        }
        Imported {
            text,
            categories,
            terms: self.terms.len(),
            problems: self.problems,
            expansions: Vec::new(),
        }
    }
}

/// A `.lex` term line for `term`, fields left out where they are the default.
fn term_line(term: &Term) -> String {
    let mut fields = vec![render_glob(&lex_safe(&term.text), term.kind)];
    if term.weight != 1.0 {
        fields.push(term.weight.to_string());
    }
    if !term.exclusions.is_empty() {
        fields.resize(3, String::new());
        let exclusions: Vec<String> = term.exclusions.iter().map(|e| lex_safe(e)).collect();
        fields.push(exclusions.join("; "));
    }
    let mut line = String::new();
    for (i, field) in fields.iter().enumerate() {
        match (i, field.is_empty()) {
            (0, _) => line.push_str(field),
            (_, true) => line.push_str(" |"),
            (_, false) => line.push_str(&format!(" | {field}")),
        }
    }
    line
}

/// `text` with the characters a `.lex` line gives a meaning (`|`, `;`, `#`, `[`, `]`)
/// turned into spaces. Normalisation treats them as separators anyway, so the term's
/// normal form, and with it what it matches, stays the same.
fn lex_safe(text: &str) -> String {
    text.replace(['|', ';', '#', '[', ']'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
