//! CSV files: a table with a header row (as TSV, see [`super::table`]), or one category per
//! row, `Category,term,term,...`.

use super::table::{is_column_name, read_table};
use super::{identifier_from, Builder};
use crate::ProblemKind;

/// Read with the `csv` crate (BurntSushi's, the ecosystem's standard and well kept): quoted
/// cells with commas, doubled quotes and line breaks in them are what spreadsheets write and
/// what splitting on commas gets wrong.
///
/// The delimiter is `,`, or `;` when the first non-blank line holds `;` and no `,` (what a
/// spreadsheet set to Dutch writes). The layout is decided by the first row: a header when
/// one of its cells names a column (`term`, `category`, `weight`, `kind`, `exclusions`, or a
/// name given with `--column`), else every row is `Category,term,term,...`.
pub(super) fn read_csv(
    input: &str,
    default_category: Option<&str>,
    mapping: &[(String, String)],
    builder: &mut Builder<'_>,
) {
    let Some(first_line) = input.lines().find(|l| !l.trim().is_empty()) else {
        return;
    };
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(input.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| start_line(input, p));
                let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
                if cells.iter().any(|c| !c.is_empty()) {
                    rows.push((line, cells));
                }
            }
            Err(error) => {
                let line = error.position().map_or(0, |p| p.line() as usize);
                builder.error(ProblemKind::ImportSyntax, line, format!("not CSV: {error}"));
            }
        }
    }
    let Some((_, first)) = rows.first() else {
        return;
    };
    if first.iter().any(|cell| is_column_name(mapping, cell)) {
        read_table(rows.into_iter(), default_category, mapping, builder);
    } else {
        read_category_rows(rows, default_category, builder);
    }
}

/// The line a record starts on: the reader's position is where it began reading the
/// record, before the blank lines it skipped.
fn start_line(input: &str, position: &::csv::Position) -> usize {
    let rest = input.as_bytes().get(position.byte() as usize..);
    let blank = rest
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b'\n')
        .count();
    position.line() as usize + blank
}

/// Rows `Category,term,term,...`.
fn read_category_rows(
    rows: Vec<(usize, Vec<String>)>,
    default_category: Option<&str>,
    builder: &mut Builder<'_>,
) {
    if let (Some(category), Some((line, _))) = (default_category, rows.first()) {
        builder.error(
            ProblemKind::ImportSyntax,
            *line,
            format!(
                "the first row names no column (term, category, weight, kind, exclusions), so \
                 every row is read as `Category,term,term,...` and names its own category; \
                 --category {category} does not apply (give the file a header row naming a \
                 `term` column to use it)"
            ),
        );
        return;
    }
    for (line, cells) in rows {
        let name = cells[0].as_str();
        let Some(category) = identifier_from(name) else {
            builder.error(
                ProblemKind::BadCategoryName,
                line,
                format!(
                    "a row is `Category,term,term,...`; its first cell `{name}` has no letters \
                     or digits"
                ),
            );
            continue;
        };
        let terms: Vec<&str> = cells[1..]
            .iter()
            .map(String::as_str)
            .filter(|c| !c.is_empty())
            .collect();
        if terms.is_empty() {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                format!("a row is `Category,term,term,...`; `{name}` has no terms"),
            );
            continue;
        }
        for term in terms {
            builder.add(line, &category, &[term]);
        }
    }
}
