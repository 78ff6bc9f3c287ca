//! Signals as JSON and CSV for the case table's own systems.
//!
//! CSV follows RFC 4180 (comma separated, CRLF line ends, a cell with a comma, quote or line
//! break quoted, quotes doubled), and guards against formula injection: a spreadsheet runs a
//! cell starting with `=`, `+`, `-`, `@`, tab or carriage return as a formula, and exported
//! values (links, terms, reasons) come from posts and people, so such a cell gets a leading
//! `'` (OWASP's advice), which spreadsheets show as text.

use crate::signal::{bucket_label, web_link, Signal};

/// One CSV cell, guarded and quoted as needed.
pub fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// One CSV record with its CRLF.
pub fn csv_row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells
        .iter()
        .map(|c| csv_cell(c.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

/// The signals as a JSON array (pretty printed: people read these files too), each as it
/// may leave websense ([`Signal::outbound`]: http(s) links only).
pub fn signals_json(signals: &[Signal]) -> String {
    let outbound: Vec<Signal> = signals.iter().map(Signal::outbound).collect();
    serde_json::to_string_pretty(&outbound).unwrap_or_else(|_| "[]".into())
}

pub const CSV_COLUMNS: &[&str] = &[
    "id",
    "state",
    "origin",
    "item_id",
    "event_time",
    "published_at",
    "fetched_at",
    "source",
    "source_kind",
    "source_tags",
    "link",
    "author_pseudonym",
    "lexicon_version",
    "categories",
    "flagged_categories",
    "terms",
    "spike_category",
    "spike_term",
    "spike_scope",
    "spike_bucket",
    "spike_items",
    "spike_expected",
    "spike_score",
    "municipalities",
    "created_at",
    "decided_by",
    "decided_at",
    "reason",
];

/// The signals as CSV, one row each under [`CSV_COLUMNS`]. Lists inside a cell are joined
/// with `; ` (`category=score`, `category/term=hits`).
pub fn signals_csv(signals: &[Signal]) -> String {
    let mut out = csv_row(CSV_COLUMNS);
    for s in signals {
        let e = &s.explanation;
        let item_id = match &s.origin {
            crate::Origin::FlaggedItem { item_id } => item_id.0.clone(),
            crate::Origin::Spike { .. } => String::new(),
        };
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.to_rfc3339()).unwrap_or_default()
        };
        let categories = e
            .categories
            .iter()
            .map(|c| format!("{}={}", c.category, c.score))
            .collect::<Vec<_>>()
            .join("; ");
        let flagged = e
            .categories
            .iter()
            .filter(|c| c.flagged)
            .map(|c| c.category.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let terms = e.terms.iter().map(term_cell).collect::<Vec<_>>().join("; ");
        let spike = e.spike.as_ref();
        let decision = s.decision.as_ref();
        out.push_str(&csv_row(&[
            s.id.0.clone(),
            s.state.as_str().to_string(),
            s.origin.kind().to_string(),
            item_id,
            e.event_time.to_rfc3339(),
            time(e.published_at),
            time(e.fetched_at),
            e.source.as_ref().map(|x| x.id.clone()).unwrap_or_default(),
            e.source
                .as_ref()
                .map(|x| x.kind.as_str().to_string())
                .unwrap_or_default(),
            e.source
                .as_ref()
                .map(|x| x.tags.join("; "))
                .unwrap_or_default(),
            e.link.as_deref().and_then(web_link).unwrap_or_default(),
            e.author.as_ref().map(|a| a.0.clone()).unwrap_or_default(),
            e.lexicon_version.clone(),
            categories,
            flagged,
            terms,
            spike.map(|x| x.category.clone()).unwrap_or_default(),
            spike.and_then(|x| x.term.clone()).unwrap_or_default(),
            spike
                .map(|x| crate::signal::scope(&x.filter))
                .unwrap_or_default(),
            spike
                .map(|x| format!("{} {}", bucket_label(x.bucket), x.bucket_start.to_rfc3339()))
                .unwrap_or_default(),
            spike.map(|x| x.items.to_string()).unwrap_or_default(),
            spike.map(|x| x.expected.to_string()).unwrap_or_default(),
            spike.map(|x| x.score.to_string()).unwrap_or_default(),
            e.municipalities
                .iter()
                .map(|m| format!("{} {}", m.code, m.name))
                .collect::<Vec<_>>()
                .join("; "),
            s.created_at.to_rfc3339(),
            decision.map(|d| d.by.clone()).unwrap_or_default(),
            time(decision.map(|d| d.at)),
            decision.and_then(|d| d.reason.clone()).unwrap_or_default(),
        ]));
    }
    out
}

/// `category/term=hits`, with how many were disguised or tagged when any were:
/// `ontmenselijking/ongedierte=3 (fuzzy 1, negated 2)`.
fn term_cell(t: &crate::TermHits) -> String {
    let notes: Vec<String> = t
        .disguised
        .iter()
        .map(|(method, n)| format!("{} {n}", method.as_str()))
        .chain(
            t.context
                .iter()
                .map(|(tag, n)| format!("{} {n}", tag.as_str())),
        )
        .collect();
    if notes.is_empty() {
        format!("{}/{}={}", t.category, t.term, t.hits)
    } else {
        format!(
            "{}/{}={} ({})",
            t.category,
            t.term,
            t.hits,
            notes.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_guarded() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+31 6"), "'+31 6");
        assert_eq!(csv_cell("-2+3"), "'-2+3");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_row(&["a", "b,c", ""]), "a,\"b,c\",\r\n");
    }
}
