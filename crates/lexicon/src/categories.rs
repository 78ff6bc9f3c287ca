//! `categories.toml`: one table per category.

use std::collections::BTreeSet;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::matching::MatchOverrides;
use crate::term::is_identifier;
use crate::{Category, MatchOptions, Problem, ProblemKind};

const FIELDS: &str = "label, description, threshold, matching, fuzzy_weight, context_weight";

/// The categories of a `categories.toml`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Categories {
    /// Valid categories, in the order the file declares them.
    pub valid: Vec<Category>,
    /// Names that are declared but in error. Sections naming them are not reported as
    /// unknown; their terms are checked and then dropped.
    pub invalid: BTreeSet<String>,
}

/// Parse `text`, the contents of `file`. Every problem is reported; a category with an
/// error is left out.
pub fn parse_categories(file: &Path, text: &str) -> (Categories, Vec<Problem>) {
    let mut problems = Vec::new();
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let (doc, errors) = DeTable::parse_recoverable(text);
    for e in errors {
        let line = e.span().map_or(0, |s| line_of(s.start));
        let message = format!("TOML: {}", e.message().trim());
        problems.push(Problem::error(ProblemKind::TomlSyntax, file, line, message));
    }
    let mut entries: Vec<_> = doc.get_ref().iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);

    let mut categories = Categories::default();
    for (key, value) in entries {
        let name = key.get_ref().as_ref();
        let line = line_of(key.span().start);
        let mut error = |kind, message: String| {
            problems.push(Problem::error(kind, file, line, message));
        };
        if !is_identifier(name) {
            error(
                ProblemKind::BadCategoryName,
                format!("category name `{name}` must be lowercase letters, digits and _, starting with a letter"),
            );
            continue;
        }
        let DeValue::Table(table) = value.get_ref() else {
            error(
                ProblemKind::NotATable,
                format!("`{name} = ...` is not a category; declare one as a table `[{name}]`"),
            );
            continue;
        };
        match parse_category(name, line, table, file, &line_of, &mut problems) {
            Some(category) => categories.valid.push(category),
            None => {
                categories.invalid.insert(name.to_string());
            }
        }
    }
    (categories, problems)
}

fn parse_category(
    name: &str,
    header_line: usize,
    table: &DeTable<'_>,
    file: &Path,
    line_of: &dyn Fn(usize) -> usize,
    problems: &mut Vec<Problem>,
) -> Option<Category> {
    let errors_before = problems.iter().filter(|p| p.is_error()).count();
    let mut text_field = |field: &str| {
        let value: &Spanned<DeValue<'_>> = table.get(field)?;
        match value.get_ref() {
            DeValue::String(s) => Some(s.trim().to_string()),
            _ => {
                problems.push(Problem::error(
                    ProblemKind::BadCategoryField,
                    file,
                    line_of(value.span().start),
                    format!("`{field}` of category `{name}` must be a string"),
                ));
                None
            }
        }
    };
    let label = text_field("label").unwrap_or_default();
    let description = text_field("description").unwrap_or_default();
    let matching_text = text_field("matching");
    let matching = match matching_text.as_deref().map(MatchOverrides::parse) {
        None => MatchOptions::DEFAULT,
        Some(Ok(overrides)) => overrides.apply(MatchOptions::DEFAULT),
        Some(Err((kind, message))) => {
            let line = table
                .get("matching")
                .map_or(header_line, |v| line_of(v.span().start));
            problems.push(Problem::error(
                kind,
                file,
                line,
                format!("category `{name}`: {message}"),
            ));
            MatchOptions::DEFAULT
        }
    };
    let mut share = |field: &str, default: f64| match table.get(field) {
        None => default,
        Some(value) => match threshold_of(value.get_ref()) {
            Some(s) if s.is_finite() && s > 0.0 && s <= 1.0 => s,
            _ => {
                problems.push(Problem::error(
                    ProblemKind::BadCategoryField,
                    file,
                    line_of(value.span().start),
                    format!("`{field}` of category `{name}` must be a number above 0 and at most 1 (a share of the term's weight, like 0.5)"),
                ));
                default
            }
        },
    };
    let fuzzy_weight = share("fuzzy_weight", Category::FUZZY_WEIGHT);
    let context_weight = share("context_weight", Category::CONTEXT_WEIGHT);
    if label.is_empty() {
        problems.push(Problem::error(
            ProblemKind::MissingLabel,
            file,
            header_line,
            format!("category `{name}` needs a `label` (a short name, Dutch first)"),
        ));
    }
    if description.is_empty() {
        problems.push(Problem::warning(
            ProblemKind::MissingDescription,
            file,
            header_line,
            format!("category `{name}` has no `description`; curators and analysts need one"),
        ));
    }
    let threshold = match table.get("threshold") {
        None => {
            problems.push(Problem::error(
                ProblemKind::MissingThreshold,
                file,
                header_line,
                format!("category `{name}` needs a `threshold` (the score that flags an item)"),
            ));
            None
        }
        Some(value) => match threshold_of(value.get_ref()) {
            Some(t) if t.is_finite() && t > 0.0 => Some(t),
            _ => {
                problems.push(Problem::error(
                    ProblemKind::BadThreshold,
                    file,
                    line_of(value.span().start),
                    format!("`threshold` of category `{name}` must be a number above 0, like 4.0"),
                ));
                None
            }
        },
    };
    for (key, _) in table.iter() {
        let key_name = key.get_ref().as_ref();
        if !matches!(
            key_name,
            "label" | "description" | "threshold" | "matching" | "fuzzy_weight" | "context_weight"
        ) {
            problems.push(Problem::warning(
                ProblemKind::UnknownCategoryField,
                file,
                line_of(key.span().start),
                format!("unknown field `{key_name}` in category `{name}` (known: {FIELDS})"),
            ));
        }
    }
    let errors_after = problems.iter().filter(|p| p.is_error()).count();
    (errors_after == errors_before).then(|| Category {
        name: name.to_string(),
        label,
        description,
        threshold: threshold.unwrap_or_default(),
        matching,
        fuzzy_weight,
        context_weight,
    })
}

fn threshold_of(value: &DeValue<'_>) -> Option<f64> {
    match value {
        DeValue::Float(f) => f.as_str().replace('_', "").parse().ok(),
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .ok()
            .map(|i| i as f64),
        _ => None,
    }
}
