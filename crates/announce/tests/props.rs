//! Any text, however hostile, goes through the detector without a panic, and every span it
//! reports lies on character boundaries of its field.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use websense_announce::{Announcer, Post};
use websense_model::Field;

const PIECES: &[&str] = &[
    "morgen",
    "vanavond",
    "zaterdag",
    "zaterdagnacht",
    "over",
    "een",
    "uur",
    "half",
    "kwart",
    "voor",
    "om",
    "at",
    "20",
    "8",
    "00",
    "25",
    "31",
    "12",
    "2026",
    ":",
    ".",
    "/",
    "-",
    "!",
    "?",
    "'",
    "’",
    "s",
    "avonds",
    "pm",
    "u",
    "kom allemaal",
    "verzamelen",
    "we gaan",
    "Coolsingel",
    "het",
    "Malieveld",
    "*plein",
    "plein",
    "gisteren",
    "niet",
    "als",
    "politie waarschuwt",
    "livestream",
    "wedstrijd",
    "na de",
    "december",
    "dec",
    "€",
    "😡",
    "é",
    "ß",
    "İ",
    "\u{200B}",
    "\u{AD}",
    "\n",
    " ",
    "  ",
    "a.s.",
    "weekend",
    "in an hour",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(0..PIECES.len(), 0..40).prop_map(|picks| {
        picks
            .into_iter()
            .map(|k| PIECES[k])
            .collect::<Vec<_>>()
            .join(" ")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_panics_and_spans_are_on_boundaries(
        title in prop::option::of(text()),
        body in text(),
        glued in text(),
        at in 0i64..2_000_000_000,
    ) {
        let announcer = Announcer::shipped();
        // the same pieces glued together too (`20:00u`, `kom allemaalCoolsingel`)
        let body = format!("{body}{}", glued.replace(' ', ""));
        let post = Post {
            title: title.as_deref(),
            text: &body,
            published_at: DateTime::<Utc>::from_timestamp(at, 0).unwrap(),
        };
        let cues = announcer.find_cues(&post);
        for a in announcer.detect(&post, &cues, &[], &[]) {
            let field = match a.field {
                Field::Title => title.as_deref().unwrap(),
                Field::Text => body.as_str(),
            };
            prop_assert!(a.start <= a.end && a.end <= field.len());
            prop_assert!(field.is_char_boundary(a.start) && field.is_char_boundary(a.end));
        }
    }
}
