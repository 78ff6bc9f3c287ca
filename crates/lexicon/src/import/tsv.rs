//! TSV tables with a header row.

use std::collections::BTreeMap;

use super::{identifier_from, Builder};
use crate::ProblemKind;

const TSV_COLUMNS: [&str; 5] = ["term", "category", "weight", "kind", "exclusions"];

pub(super) fn read_tsv(input: &str, default_category: Option<&str>, builder: &mut Builder<'_>) {
    let mut lines = input
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return;
    };
    let columns: BTreeMap<&str, usize> = header
        .split('\t')
        .map(|c| unquote(c).to_ascii_lowercase())
        .enumerate()
        .filter_map(|(i, name)| TSV_COLUMNS.iter().find(|&&c| c == name).map(|&c| (c, i)))
        .collect();
    let Some(&term_column) = columns.get("term") else {
        builder.error(
            ProblemKind::ImportSyntax,
            header_line,
            "the first line must be a header naming a `term` column (and optionally category, weight, kind, exclusions)",
        );
        return;
    };
    if !columns.contains_key("category") && default_category.is_none() {
        builder.error(
            ProblemKind::ImportSyntax,
            header_line,
            "no `category` column: give one, or give --category for all rows",
        );
        return;
    }
    for (line, row) in lines {
        let cells: Vec<String> = row.split('\t').map(unquote).collect();
        let cell = |column: &str| {
            columns
                .get(column)
                .and_then(|&i| cells.get(i))
                .map_or("", |c| c.as_str())
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
        let term = cells.get(term_column).map_or("", |c| c.as_str());
        let fields = [term, cell("weight"), cell("kind"), cell("exclusions")];
        builder.add(line, &category, &fields);
    }
}

/// A TSV cell, trimmed, without the double quotes spreadsheets put around some cells.
fn unquote(cell: &str) -> String {
    let cell = cell.trim();
    match cell.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\"").trim().to_string(),
        None => cell.to_string(),
    }
}
