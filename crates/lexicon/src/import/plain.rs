//! Plain lists: one term per line.

use super::Builder;
use crate::lexfile::strip_comment;
use crate::ProblemKind;

/// More words than this on one line of a plain list is more likely a sentence, or several
/// terms on one line, than one term.
const MAX_PLAIN_WORDS: usize = 6;

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
        let reasons = suspicious(content);
        if !reasons.is_empty() {
            builder.warning(
                ProblemKind::Suspicious,
                line,
                format!(
                    "`{content}` holds {}; imported as one term as written",
                    reasons.join(", ")
                ),
            );
        }
        builder.add(line, category, &[content]);
    }
}

/// Why a line of a plain list is probably not one term as its author meant it: the marks of
/// a CSV or TSV row, a JSON array, a regular expression, a list bullet or a sentence. Empty when
/// none. (A `+` at either end is the required-affix convention, and `*` the glob stars.)
fn suspicious(content: &str) -> Vec<String> {
    let mut reasons = Vec::new();
    if content.contains(',') {
        reasons.push("a comma (a CSV row? use --format csv)".to_string());
    }
    if content.contains(';') {
        reasons.push("a semicolon (a CSV row? use --format csv)".to_string());
    }
    if content.contains('\t') {
        reasons.push("a tab (a TSV row? use --format tsv)".to_string());
    }
    if content.contains(['[', ']', '(', ')', '{', '}', '<', '>']) {
        reasons.push("brackets".to_string());
    }
    let inner = content.trim_start_matches('+').trim_end_matches('+');
    if content.contains(['\\', '^', '$', '?'])
        || inner.contains('+')
        || [".*", ".+", ".?"].iter().any(|s| content.contains(s))
    {
        reasons.push("regular expression syntax (use --format regex)".to_string());
    }
    let single_quoted = content.len() > 1 && content.starts_with('\'') && content.ends_with('\'');
    if content.contains(['"', '“', '”', '„']) || single_quoted {
        reasons.push("quotes (a JSON array? use --format json)".to_string());
    }
    if content.starts_with('-') || content.ends_with('-') {
        reasons.push("a leading or trailing `-` (a list bullet, or half a compound?)".to_string());
    }
    let words = content.split_whitespace().count();
    if words > MAX_PLAIN_WORDS {
        reasons.push(format!(
            "{words} words (more than {MAX_PLAIN_WORDS}: a sentence, or several terms on one line?)"
        ));
    }
    reasons
}
