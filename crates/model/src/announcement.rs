//! An announced gathering found in a post: a call to come together, with when and where.
//! `websense-announce` finds them; the matcher puts them on its scored items, `websense
//! match` writes them, and later stages (stores, signals, the Room) carry them as they are.

use crate::scored::Field;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// One announcement in a post's title or text.
///
/// `start..end` is the byte range of the evidence (call, time and place together) in the
/// *original* field text, on character boundaries, like a [`crate::Hit`]'s span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    /// When it starts, in Europe/Amsterdam time with its offset
    /// (`2026-10-25T20:00:00+01:00`); null when the post gives only a day, or no time.
    pub starts_at: Option<DateTime<FixedOffset>>,
    /// The CBS code of the municipality it is in (`GM0599`), from the post's places; null
    /// when none was attributed.
    pub municipality_code: Option<String>,
    /// A square, street or landmark as written (`Coolsingel`, `het Malieveld`); null when
    /// the post names none.
    pub place: Option<String>,
    /// The call as written (`kom allemaal`, `deel dit massaal`).
    pub call: String,
    pub start: usize,
    pub end: usize,
    #[serde(default = "text_field", skip_serializing_if = "is_text")]
    pub field: Field,
    /// The explanation record: which rule fired on which words.
    pub rule: String,
}

fn text_field() -> Field {
    Field::Text
}

fn is_text(f: &Field) -> bool {
    *f == Field::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_nulls_written_and_the_text_field_left_out() {
        let a = Announcement {
            starts_at: None,
            municipality_code: None,
            place: Some("Coolsingel".into()),
            call: "kom allemaal".into(),
            start: 0,
            end: 30,
            field: Field::Text,
            rule: "call+place".into(),
        };
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"starts_at\":null"), "{json}");
        assert!(!json.contains("field"), "{json}");
        assert_eq!(serde_json::from_str::<Announcement>(&json).unwrap(), a);
        let with_time = Announcement {
            starts_at: Some(DateTime::parse_from_rfc3339("2026-10-25T20:00:00+01:00").unwrap()),
            ..a
        };
        let json = serde_json::to_string(&with_time).unwrap();
        assert!(json.contains("\"2026-10-25T20:00:00+01:00\""), "{json}");
    }
}
