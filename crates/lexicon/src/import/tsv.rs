//! TSV tables with a header row (see [`super::table`] for the columns).

use super::table::read_table;
use super::Builder;

pub(super) fn read_tsv(
    input: &str,
    default_category: Option<&str>,
    mapping: &[(String, String)],
    builder: &mut Builder<'_>,
) {
    let rows = input
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.split('\t').map(unquote).collect()));
    read_table(rows, default_category, mapping, builder);
}

/// A TSV cell, trimmed, without the double quotes spreadsheets put around some cells.
fn unquote(cell: &str) -> String {
    let cell = cell.trim();
    match cell.strip_prefix('"').and_then(|c| c.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\"").trim().to_string(),
        None => cell.to_string(),
    }
}
