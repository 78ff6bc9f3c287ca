//! One `.lex` file: header, sections, term lines.

use std::path::Path;

use crate::categories::Categories;
use crate::matching::MatchOverrides;
use crate::term::{
    check_exclusion, is_identifier, is_language_code, is_lexicon_name, parse_glob, parse_kind,
    parse_weight, Failure,
};
use crate::{Lexicon, Location, MatchOptions, Problem, ProblemKind, Term};

/// The section a term line is under.
enum Section {
    /// Before the first section: header lines.
    Header,
    /// A valid, declared category, with the options its terms start from here.
    Category(String, MatchOptions),
    /// A malformed, unknown or invalid category: terms are checked, then dropped.
    Dropped,
}

/// Parse one `.lex` file. Lines in error are reported and skipped; duplicates across the
/// set are the caller's business.
pub(crate) fn parse_lexicon(
    file: &Path,
    text: &str,
    categories: &Categories,
    problems: &mut Vec<Problem>,
) -> Lexicon {
    let mut name: Option<String> = None;
    let mut languages: Option<Vec<String>> = None;
    let mut matching: Option<MatchOverrides> = None;
    let mut terms = Vec::new();
    let mut section = Section::Header;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = strip_comment(raw).trim();
        if content.is_empty() {
            continue;
        }
        let mut report = |(kind, message): Failure| {
            problems.push(Problem::error(kind, file, line, message));
        };
        if content.starts_with('[') {
            let lexicon_overrides = matching.unwrap_or_default();
            section =
                parse_section(content, categories, lexicon_overrides).unwrap_or_else(|failure| {
                    report(failure);
                    Section::Dropped
                });
            continue;
        }
        match &section {
            Section::Header => {
                if let Err(failure) =
                    parse_header(content, &mut name, &mut languages, &mut matching)
                {
                    report(failure);
                }
            }
            Section::Category(category, base) => {
                let location = Location {
                    file: file.to_path_buf(),
                    line,
                };
                if let Some(term) = parse_term_line(content, category, *base, location, problems) {
                    terms.push(term);
                }
            }
            Section::Dropped => {
                let location = Location {
                    file: file.to_path_buf(),
                    line,
                };
                parse_term_line(content, "", MatchOptions::DEFAULT, location, problems);
            }
        }
    }
    let name = name.unwrap_or_else(|| {
        problems.push(Problem::error(
            ProblemKind::MissingName,
            file,
            0,
            "no `name:` header line (e.g. `name: nl-kern`) before the first section",
        ));
        file.file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    });
    let languages = languages.unwrap_or_else(|| {
        problems.push(Problem::warning(
            ProblemKind::MissingLanguages,
            file,
            0,
            "no `languages:` header line (e.g. `languages: nl`)",
        ));
        Vec::new()
    });
    Lexicon {
        name,
        languages,
        file: file.to_path_buf(),
        terms,
    }
}

/// The line up to its comment: `#` at the start or after whitespace starts one, so `c#`
/// is a term and `term # note` is a term with a note.
pub(crate) fn strip_comment(line: &str) -> &str {
    let mut previous_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return &line[..i];
        }
        previous_is_space = c.is_whitespace();
    }
    line
}

fn parse_section(
    content: &str,
    categories: &Categories,
    lexicon_overrides: MatchOverrides,
) -> Result<Section, Failure> {
    let bad = |why: String| Err((ProblemKind::BadSection, why));
    let Some(inner) = content.strip_prefix('[').and_then(|c| c.strip_suffix(']')) else {
        return bad(format!("`{content}`: a section line is `[category_name]`"));
    };
    let name = inner.trim();
    if !is_identifier(name) {
        return bad(format!(
            "`{content}`: a category name is lowercase letters, digits and _, starting with a letter"
        ));
    }
    if let Some(category) = categories.valid.iter().find(|c| c.name == name) {
        Ok(Section::Category(
            name.to_string(),
            lexicon_overrides.apply(category.matching),
        ))
    } else if categories.invalid.contains(name) {
        // Its declaration is in error and reported in categories.toml.
        Ok(Section::Dropped)
    } else {
        Err((
            ProblemKind::UnknownCategory,
            format!("category `{name}` is not declared in categories.toml; its terms are skipped"),
        ))
    }
}

fn parse_header(
    content: &str,
    name: &mut Option<String>,
    languages: &mut Option<Vec<String>>,
    matching: &mut Option<MatchOverrides>,
) -> Result<(), Failure> {
    let bad = |why: String| Err((ProblemKind::BadHeader, why));
    let Some((key, value)) = content.split_once(':') else {
        return bad(format!(
            "`{content}`: before the first `[category]` section only header lines \
             `name: ...` and `languages: ...` may stand"
        ));
    };
    let value = value.trim();
    match key.trim().to_ascii_lowercase().as_str() {
        "name" => {
            if name.is_some() {
                return bad("`name:` given twice".into());
            }
            if !is_lexicon_name(value) {
                return bad(format!(
                    "lexicon name `{value}` must be letters, digits, `-`, `_` or `.` (e.g. `nl-kern`)"
                ));
            }
            *name = Some(value.to_string());
        }
        "languages" => {
            if languages.is_some() {
                return bad("`languages:` given twice".into());
            }
            let codes: Vec<String> = value
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if codes.is_empty() {
                return bad("`languages:` needs at least one code (e.g. `languages: nl, en`)".into());
            }
            if let Some(code) = codes.iter().find(|c| !is_language_code(c)) {
                return bad(format!(
                    "language `{code}` is not a two-letter lowercase ISO 639-1 code (nl, en, de, ...)"
                ));
            }
            *languages = Some(codes);
        }
        "matching" => {
            if matching.is_some() {
                return bad("`matching:` given twice".into());
            }
            *matching = Some(MatchOverrides::parse(value)?);
        }
        other => {
            return bad(format!(
                "unknown header `{other}:` (known: name, languages, matching; terms go below a `[category]` section)"
            ))
        }
    }
    Ok(())
}

/// Parse `term | weight | kind | exclusion; exclusion | options`, reporting every problem on
/// the line. Returns the term only if the line has none; its options are `base` changed by
/// the line's.
pub(crate) fn parse_term_line(
    content: &str,
    category: &str,
    base: MatchOptions,
    location: Location,
    problems: &mut Vec<Problem>,
) -> Option<Term> {
    let fields: Vec<&str> = content.split('|').collect();
    if fields.len() > 5 {
        problems.push(Problem::error(
            ProblemKind::TooManyFields,
            &location.file,
            location.line,
            format!(
                "{} fields; a term line is `term | weight | kind | exclusions | matching` (a `|` cannot be part of a term)",
                fields.len()
            ),
        ));
        return None;
    }
    parse_term_fields(&fields, category, base, location, problems)
}

/// The fields of a term line (term, then optional weight, kind, `;`-separated exclusions and
/// matching options; empty means default), with every problem reported. Returns the term
/// only if there is none.
pub(crate) fn parse_term_fields(
    fields: &[&str],
    category: &str,
    base: MatchOptions,
    location: Location,
    problems: &mut Vec<Problem>,
) -> Option<Term> {
    let errors_before = problems.len();
    let mut report = |(kind, message): Failure| {
        problems.push(Problem::error(kind, &location.file, location.line, message));
    };
    let field = |i: usize| fields.get(i).map(|f| f.trim()).filter(|f| !f.is_empty());
    let weight = match field(1).map(parse_weight) {
        None => Some(1.0),
        Some(Ok(w)) => Some(w),
        Some(Err(failure)) => {
            report(failure);
            None
        }
    };
    let explicit_kind = match field(2).map(parse_kind) {
        None => None,
        Some(Ok(kind)) => Some(kind),
        Some(Err(failure)) => {
            report(failure);
            None
        }
    };
    let glob = match parse_glob(fields.first().copied().unwrap_or(""), explicit_kind) {
        Ok(glob) => Some(glob),
        Err(failure) => {
            report(failure);
            None
        }
    };
    let matching = match field(4).map(MatchOverrides::parse) {
        None => base,
        Some(Ok(overrides)) => overrides.apply(base),
        Some(Err(failure)) => {
            report(failure);
            base
        }
    };
    let mut exclusions = Vec::new();
    let mut exclusions_normalized = Vec::new();
    if let (Some(glob), Some(list)) = (&glob, field(3)) {
        for exclusion in list.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            match check_exclusion(glob, exclusion) {
                Ok(normalized) if exclusions_normalized.contains(&normalized) => {}
                Ok(normalized) => {
                    exclusions.push(exclusion.to_string());
                    exclusions_normalized.push(normalized);
                }
                Err(failure) => report(failure),
            }
        }
    }
    if problems.len() > errors_before {
        return None;
    }
    let glob = glob?;
    Some(Term {
        text: glob.text,
        normalized: glob.normalized,
        category: category.to_string(),
        weight: weight?,
        kind: glob.kind,
        exclusions,
        exclusions_normalized,
        matching,
        location,
    })
}

#[cfg(test)]
mod tests {
    use super::strip_comment;

    #[test]
    fn comments_start_at_line_start_or_after_whitespace() {
        assert_eq!(strip_comment("# all"), "");
        assert_eq!(strip_comment("term # note"), "term ");
        assert_eq!(strip_comment("c# | 2"), "c# | 2");
        assert_eq!(strip_comment("a\t#b"), "a\t");
    }
}
