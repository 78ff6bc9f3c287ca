//! Tables with a header row naming columns (TSV and CSV), and the `--column` mapping of
//! their headers (also used for the keys of JSON objects).

use std::collections::BTreeMap;

use super::{identifier_from, Builder};
use crate::ProblemKind;

/// The columns a table may have, in the order of a `.lex` term line's fields.
pub(crate) const COLUMNS: [&str; 5] = ["term", "category", "weight", "kind", "exclusions"];

/// The name of `column` in the input: `columns` maps some of [`COLUMNS`] to the input's
/// names (`term` -> `lemma`); the others are called by their own name. Lowercase.
pub(super) fn input_name(columns: &[(String, String)], column: &str) -> String {
    columns
        .iter()
        .rev()
        .find(|(ours, _)| ours == column)
        .map_or(column, |(_, theirs)| theirs.as_str())
        .trim()
        .to_lowercase()
}

/// Whether `cell` (a header cell) names one of the columns, under its own name or mapped.
pub(super) fn is_column_name(columns: &[(String, String)], cell: &str) -> bool {
    let cell = cell.trim().to_lowercase();
    COLUMNS.iter().any(|c| input_name(columns, c) == cell)
}

/// Import the rows of a table: the first of `rows` is the header. Each row is its input
/// line and its cells, unquoted.
pub(super) fn read_table(
    mut rows: impl Iterator<Item = (usize, Vec<String>)>,
    default_category: Option<&str>,
    mapping: &[(String, String)],
    builder: &mut Builder<'_>,
) {
    let Some((header_line, header)) = rows.next() else {
        return;
    };
    let header: Vec<String> = header.iter().map(|c| c.trim().to_lowercase()).collect();
    let mut columns: BTreeMap<&str, usize> = BTreeMap::new();
    for column in COLUMNS {
        let name = input_name(mapping, column);
        match header.iter().position(|h| *h == name) {
            Some(i) => {
                columns.insert(column, i);
            }
            None if name != column => {
                builder.error(
                    ProblemKind::ImportSyntax,
                    header_line,
                    format!(
                        "--column {column}={name}: the header has no column `{name}` (it has {})",
                        listed(&header)
                    ),
                );
                return;
            }
            None => {}
        }
    }
    let Some(&term_column) = columns.get("term") else {
        let suggestion = header
            .iter()
            .find(|h| !h.is_empty() && !columns.values().any(|&i| header[i] == **h))
            .map_or("<name>", String::as_str);
        builder.error(
            ProblemKind::ImportSyntax,
            header_line,
            format!(
                "the first line must be a header naming a `term` column (and optionally \
                 category, weight, kind, exclusions); it has {}: if one of them holds the \
                 terms, say which with --column term=<name> (e.g. --column term={suggestion})",
                listed(&header)
            ),
        );
        return;
    };
    if !columns.contains_key("category") && default_category.is_none() {
        builder.error(
            ProblemKind::ImportSyntax,
            header_line,
            "no `category` column: give one (or map one with --column category=<name>), or \
             give --category for all rows",
        );
        return;
    }
    for (line, cells) in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |column: &str| {
            columns
                .get(column)
                .and_then(|&i| cells.get(i))
                .map_or("", |c| c.trim())
        };
        let category = match cell("category") {
            "" => default_category.map(str::to_string),
            name => match identifier_from(name) {
                Some(id) => Some(id),
                None => {
                    builder.error(
                        ProblemKind::BadCategoryName,
                        line,
                        format!("category `{name}` has no letters or digits"),
                    );
                    continue;
                }
            },
        };
        let Some(category) = category else {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                "row has no category (fill the cell, or give --category)",
            );
            continue;
        };
        let term = cells.get(term_column).map_or("", |c| c.trim());
        let fields = [term, cell("weight"), cell("kind"), cell("exclusions")];
        builder.add(line, &category, &fields);
    }
}

/// `names` as a list for a message: `` `a`, `b` `` (or "no names").
fn listed(names: &[String]) -> String {
    let named: Vec<String> = names
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| format!("`{n}`"))
        .collect();
    if named.is_empty() {
        "no column names".to_string()
    } else {
        format!("columns {}", named.join(", "))
    }
}
