//! Plain lists: one term per line.

use super::Builder;
use crate::lexfile::strip_comment;
use crate::ProblemKind;

pub(super) fn read_plain(input: &str, category: &str, builder: &mut Builder<'_>) {
    for (index, raw) in input.lines().enumerate() {
        let line = index + 1;
        let content = strip_comment(raw).trim();
        if content.is_empty() {
            continue;
        }
        if content.contains('|') {
            builder.error(
                ProblemKind::ImportSyntax,
                line,
                "a plain list has one term per line and no `|` fields; import a table as TSV",
            );
            continue;
        }
        builder.add(line, category, &[content]);
    }
}
