//! The disguise test set against the shipped lexicons: every trick of the issue, the plain
//! form beside it, and ordinary prose in which the options may add (almost) nothing.

use std::path::PathBuf;
use websense_lexicon::{LexiconSet, MatchOptions};
use websense_matcher::quality::{cases, found, run_quality, TRICKS};
use websense_matcher::{Matcher, MatcherOptions};

fn shipped() -> LexiconSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../lexicons");
    LexiconSet::load_dir(dir).unwrap().0
}

#[test]
fn the_set_covers_every_trick_in_both_languages_with_shipped_terms() {
    let set = shipped();
    let cases = cases();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    for (trick, _) in TRICKS {
        for language in ["nl", "en"] {
            assert!(
                cases
                    .iter()
                    .any(|c| c.trick == *trick && c.language == language),
                "{trick} {language}"
            );
        }
    }
    for case in &cases {
        assert!(
            set.terms().any(|t| t.text == case.term),
            "{} is not a shipped term",
            case.term
        );
    }
}

#[test]
fn disguised_recall_is_at_least_nine_tenths_of_plain_and_prose_gains_no_hits() {
    let report = run_quality(&shipped(), 20_000);
    println!("{report}");
    let row = |name: &str| report.rows.iter().find(|r| r.name == name).unwrap();
    let all = row("all");
    assert_eq!(all.plain_recall(), 1.0, "every plain case hits");
    assert!(
        all.disguised_recall() >= 0.9 * all.plain_recall(),
        "{}",
        all.disguised_recall()
    );
    for r in &report.rows {
        if r.name != "infix" && r.name != "all" {
            assert!(
                r.added_per_10k_words() <= 1.0,
                "{}: {} added hits",
                r.name,
                r.added_hits
            );
        }
    }
    assert_eq!(row("none").added_hits, 0);
    // What a user of the shipped files gets: the options categories.toml turns on.
    let configured = row(websense_matcher::quality::CONFIGURED);
    assert!(
        configured.disguised_recall() >= 0.9 * configured.plain_recall(),
        "the shipped lexicons reach {} of plain recall",
        configured.disguised_recall() / configured.plain_recall()
    );
    assert!(
        configured.added_per_10k_words() <= 1.0,
        "{}",
        configured.added_hits
    );
    // Without options only the invisible characters are read through (the normal form).
    let none = row("none");
    for (trick, hits, total) in &none.per_trick {
        let invisible = !matches!(
            *trick,
            "leet digits"
                | "leet symbols"
                | "cyrillic"
                | "greek"
                | "spaced"
                | "dotted"
                | "underscored"
                | "dropped space"
                | "letter dropped"
                | "letter doubled"
                | "letters swapped"
                | "stretched"
                | "emoji inside"
        );
        assert_eq!(
            hits == total,
            invisible,
            "{trick}: {hits}/{total} without options"
        );
    }
}

#[test]
fn disguised_hits_point_at_the_word_as_written() {
    let set = shipped();
    let matcher = Matcher::new(&set, MatcherOptions::default()).unwrap();
    let mut all = set.clone();
    for t in all.lexicons.iter_mut().flat_map(|l| &mut l.terms) {
        t.matching = MatchOptions::ALL;
    }
    let everything = Matcher::new(&all, MatcherOptions::default()).unwrap();
    for case in cases() {
        for m in [&matcher, &everything] {
            for hit in m.find(None, &case.text).matches {
                assert!(
                    case.text.is_char_boundary(hit.start) && case.text.is_char_boundary(hit.end)
                );
                if hit.term == case.term && hit.start < case.word.end && case.word.start < hit.end {
                    assert!(
                        case.word.start <= hit.start && hit.end <= case.word.end,
                        "{}: {:?} of {:?}",
                        case.trick,
                        &case.text[hit.start..hit.end],
                        &case.text[case.word.clone()]
                    );
                }
            }
        }
        let _ = found(&matcher, &case);
    }
}
