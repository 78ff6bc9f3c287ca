//! Our labelled evaluation set (`tests/data/announcements.txt`) and the figures it gives:
//! detection precision and recall, and exact `starts_at` accuracy among the announcements
//! found. The crate's test runs it as a regression floor; `websense bench announcements`
//! prints the figures and every failing case.
//!
//! File format, one case a line (`#` starts a comment line):
//!
//! ```text
//! published (RFC 3339) | expected | kind | text
//! 2026-12-04T17:00:00Z | 2026-12-05T20:00:00+01:00 | pos:relative | Morgen 20:00 coolsingel, kom allemaal
//! 2026-12-04T17:00:00Z | day | pos:day-only | Zaterdag demo op het Malieveld!
//! 2026-12-04T17:00:00Z | - | neg:past | Gisteren om 20:00 verzamelden honderden mensen zich op de Dam
//! ```
//!
//! `expected` is the `starts_at` an announcement must have, `day` for an announcement with
//! no start time (`null`), or `-` for no announcement. `kind` groups the cases in the
//! report. In `text`, `\n` is a line break.

use crate::detect::Outcome;
use chrono::{DateTime, FixedOffset, Utc};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The labelled set shipped with the crate, written beside the rules (in-sample).
pub const SHIPPED_SET: &str = include_str!("../tests/data/announcements.txt");

/// A second set, written after the rules were frozen; its failures were then used to fix
/// rules, so it is in-sample now too.
pub const HOLDOUT_SET: &str = include_str!("../tests/data/announcements_holdout.txt");

/// A third set, written with the rules frozen again and never tuned on: its figures are the
/// fairer estimate.
pub const FRESH_SET: &str = include_str!("../tests/data/announcements_fresh.txt");

/// What a case expects.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// No announcement.
    Nothing,
    /// An announcement with this `starts_at` (`None`: a day or no time only).
    Announcement(Option<DateTime<FixedOffset>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub line: usize,
    pub published_at: DateTime<Utc>,
    pub expected: Expected,
    pub kind: String,
    pub text: String,
}

/// Parse a labelled set; an error names the line.
pub fn parse_cases(text: &str) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (k, raw) in text.lines().enumerate() {
        let line = k + 1;
        let content = raw.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let mut fields = content.splitn(4, '|').map(str::trim);
        let (Some(published), Some(expected), Some(kind), Some(body)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(format!(
                "line {line}: expected `published | expected | kind | text`"
            ));
        };
        let published_at = DateTime::parse_from_rfc3339(published)
            .map_err(|e| format!("line {line}: published {published:?}: {e}"))?
            .to_utc();
        let expected = match expected {
            "-" => Expected::Nothing,
            "day" => Expected::Announcement(None),
            at => Expected::Announcement(Some(
                DateTime::parse_from_rfc3339(at)
                    .map_err(|e| format!("line {line}: expected {at:?}: {e}"))?,
            )),
        };
        cases.push(Case {
            line,
            published_at,
            expected,
            kind: kind.to_string(),
            text: body.replace("\\n", "\n"),
        });
    }
    Ok(cases)
}

/// The figures of one run over a labelled set.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub cases: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    /// True positives whose first announcement has exactly the expected `starts_at`.
    pub times_right: usize,
    /// Per kind: (cases, right).
    pub per_kind: BTreeMap<String, (usize, usize)>,
    /// One line per case that went wrong: its line, kind, what happened, the text.
    pub failures: Vec<String>,
}

impl Report {
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    /// Exact `starts_at` among the announcements found that should be.
    pub fn time_accuracy(&self) -> f64 {
        ratio(self.times_right, self.true_positives)
    }

    /// The figures, the kinds and the failures, as `websense bench announcements` prints
    /// them.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} cases: precision {:.3}, recall {:.3}, time accuracy {:.3} \
             ({} true positives, {} false positives, {} false negatives, {} exact times)",
            self.cases,
            self.precision(),
            self.recall(),
            self.time_accuracy(),
            self.true_positives,
            self.false_positives,
            self.false_negatives,
            self.times_right
        );
        for (kind, (n, right)) in &self.per_kind {
            let _ = writeln!(out, "  {kind:<28} {right:>3}/{n:<3}");
        }
        if !self.failures.is_empty() {
            let _ = writeln!(out, "failing cases:");
            for f in &self.failures {
                let _ = writeln!(out, "  {f}");
            }
        }
        out
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Run `detect` over every case and count.
pub fn evaluate(cases: &[Case], mut detect: impl FnMut(&Case) -> Vec<Outcome>) -> Report {
    let mut report = Report {
        cases: cases.len(),
        ..Report::default()
    };
    for case in cases {
        let outcomes = detect(case);
        let found = outcomes.iter().find_map(|o| match o {
            Outcome::Announced(a) => Some(a),
            Outcome::Rejected { .. } => None,
        });
        let rejected = outcomes.iter().find_map(|o| match o {
            Outcome::Rejected { reason, call, .. } => {
                Some(format!("{call:?} rejected: {}", reason.as_str()))
            }
            Outcome::Announced(_) => None,
        });
        let short: String = case
            .text
            .chars()
            .take(90)
            .collect::<String>()
            .replace('\n', " / ");
        let right = match (&case.expected, found) {
            (Expected::Nothing, None) => true,
            (Expected::Nothing, Some(a)) => {
                report.false_positives += 1;
                report.failures.push(format!(
                    "line {} [{}] false positive: {} | {short}",
                    case.line, case.kind, a.rule
                ));
                false
            }
            (Expected::Announcement(_), None) => {
                report.false_negatives += 1;
                let why = rejected.unwrap_or_else(|| "no call found".into());
                report.failures.push(format!(
                    "line {} [{}] missed: {why} | {short}",
                    case.line, case.kind
                ));
                false
            }
            (Expected::Announcement(at), Some(a)) => {
                report.true_positives += 1;
                if a.starts_at == *at {
                    report.times_right += 1;
                    true
                } else {
                    let show = |t: Option<DateTime<FixedOffset>>| {
                        t.map_or("null".to_string(), |t| t.to_rfc3339())
                    };
                    report.failures.push(format!(
                        "line {} [{}] time {} instead of {}: {} | {short}",
                        case.line,
                        case.kind,
                        show(a.starts_at),
                        show(*at),
                        a.rule
                    ));
                    false
                }
            }
        };
        let entry = report.per_kind.entry(case.kind.clone()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(right);
    }
    report
}
