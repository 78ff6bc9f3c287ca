//! Behaviour of the matcher on hand-written posts.

mod common;

use common::{set, term, term_excluding};
use websense_lexicon::LexiconSet;
use websense_matcher::{Engine, Findings, Matcher, MatcherError, MatcherHandle, MatcherOptions};
use websense_model::{Field, Item, ItemId, SourceRef, TermKind::*};

fn matchers(set: &LexiconSet) -> Vec<Matcher> {
    [Engine::Dfa, Engine::ContiguousNfa]
        .into_iter()
        .map(|engine| {
            Matcher::new(
                set,
                MatcherOptions {
                    engine,
                    ..MatcherOptions::default()
                },
            )
            .unwrap()
        })
        .collect()
}

/// The hits of `text` as (term, original text hit) pairs, the same from every engine.
fn hits(set: &LexiconSet, text: &str) -> Vec<(String, String)> {
    let mut all = matchers(set).into_iter().map(|m| {
        let found = m.find(None, text);
        found
            .matches
            .iter()
            .map(|h| (h.term.clone(), text[h.start..h.end].to_string()))
            .collect::<Vec<_>>()
    });
    let first = all.next().unwrap();
    for other in all {
        assert_eq!(other, first, "engines disagree on {text:?}");
    }
    first
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|&(t, s)| (t.to_string(), s.to_string()))
        .collect()
}

#[test]
fn unicode_case_meets() {
    let lex = set(
        &[("c", 1.0)],
        vec![
            term("istanbul", "c", Word, 1.0),
            term("straße", "c", Word, 1.0),
        ],
    );
    assert_eq!(
        hits(&lex, "Naar İSTANBUL!"),
        pairs(&[("istanbul", "İSTANBUL")])
    );
    assert_eq!(
        hits(&lex, "STRASSE en Straße"),
        pairs(&[("straße", "STRASSE"), ("straße", "Straße")])
    );
}

#[test]
fn diacritics_are_ignored() {
    let lex = set(
        &[("c", 1.0)],
        vec![term("één", "c", Word, 1.0), term("Ärger", "c", Word, 1.0)],
    );
    assert_eq!(
        hits(&lex, "een EEN één Één"),
        pairs(&[
            ("één", "een"),
            ("één", "EEN"),
            ("één", "één"),
            ("één", "Één")
        ])
    );
    assert_eq!(
        hits(&lex, "so ein Arger, ärger"),
        pairs(&[("Ärger", "Arger"), ("Ärger", "ärger")])
    );
    assert!(hits(&lex, "eens, ergernis").is_empty());
}

#[test]
fn word_boundaries_beside_emoji_digits_and_punctuation() {
    let lex = set(&[("c", 1.0)], vec![term("nazi", "c", Word, 1.0)]);
    assert_eq!(hits(&lex, "🙄nazi!"), pairs(&[("nazi", "nazi")]));
    assert_eq!(hits(&lex, "(Nazi)"), pairs(&[("nazi", "Nazi")]));
    assert_eq!(hits(&lex, "nazi's"), pairs(&[("nazi", "nazi")]));
    assert_eq!(
        hits(&lex, "nazi👍🏽nazi"),
        pairs(&[("nazi", "nazi"), ("nazi", "nazi")])
    );
    assert!(hits(&lex, "nazi2 nazis 2nazi anazi").is_empty());
}

#[test]
fn dutch_compounds_through_infix_prefix_and_suffix() {
    let lex = set(
        &[("c", 1.0)],
        vec![
            term("terrorist", "c", Infix, 1.0),
            term("volksverrader", "c", Prefix, 1.0),
            term("moslim", "c", Suffix, 1.0),
        ],
    );
    assert_eq!(
        hits(&lex, "Die klimaatterroristen weer"),
        pairs(&[("terrorist", "terrorist")])
    );
    assert_eq!(
        hits(&lex, "Volksverraders!"),
        pairs(&[("volksverrader", "Volksverrader")])
    );
    assert!(hits(&lex, "antivolksverraders").is_empty());
    assert_eq!(hits(&lex, "haatmoslim."), pairs(&[("moslim", "moslim")]));
    assert!(hits(&lex, "moslims").is_empty());
}

#[test]
fn phrases_span_line_breaks_and_punctuation() {
    let lex = set(
        &[("c", 1.0)],
        vec![term("grote vervanging", "c", Phrase, 1.0)],
    );
    assert_eq!(
        hits(&lex, "De Grote,\n  vervanging!"),
        pairs(&[("grote vervanging", "Grote,\n  vervanging")])
    );
    assert_eq!(
        hits(&lex, "grote — vervanging"),
        pairs(&[("grote vervanging", "grote — vervanging")])
    );
    assert!(hits(
        &lex,
        "grote vervangingen, supergrote vervanging, grotevervanging"
    )
    .is_empty());
}

#[test]
fn exclusions_void_hits_inside_them() {
    let lex = set(
        &[("c", 1.0)],
        vec![
            term_excluding("nazi", "c", Word, 1.0, &["grammar nazi", "Nazi-Duitsland"]),
            term_excluding("terrorist", "c", Infix, 1.0, &["grammar nazi"]),
        ],
    );
    assert!(hits(&lex, "Typical Grammar-Nazi!").is_empty());
    assert!(hits(&lex, "in nazi-Duitsland").is_empty());
    assert_eq!(
        hits(&lex, "grammar nazi, echte nazi"),
        pairs(&[("nazi", "nazi")])
    );
    let found = matchers(&lex)[0].find(None, "grammar nazi, echte nazi");
    assert_eq!(found.matches[0].start, "grammar nazi, echte ".len());
    // an exclusion needs boundaries: "grammar nazis" is no occurrence of "grammar nazi"
    let infix = set(
        &[("c", 1.0)],
        vec![term_excluding("nazi", "c", Infix, 1.0, &["grammar nazi"])],
    );
    assert_eq!(hits(&infix, "grammar nazis"), pairs(&[("nazi", "nazi")]));
    assert!(hits(&infix, "grammar nazi").is_empty());
}

#[test]
fn spans_point_at_the_original_where_lengths_changed() {
    let lex = set(
        &[("c", 1.0)],
        vec![
            term("strasse", "c", Infix, 1.0),
            term("istanbul", "c", Word, 1.0),
            term("financ", "c", Prefix, 1.0),
            term("een", "c", Word, 1.0),
            term("volksverraders", "c", Word, 1.0),
            term("nazi", "c", Word, 1.0),
            term("sse", "c", Infix, 1.0),
        ],
    );
    assert_eq!(
        hits(&lex, "Hauptstraße"),
        pairs(&[("strasse", "straße"), ("sse", "ße")]),
        "a hit starting inside ß covers all of ß"
    );
    assert_eq!(
        hits(&lex, "in İstanbul"),
        pairs(&[("istanbul", "İstanbul")])
    );
    assert_eq!(hits(&lex, "ﬁnanciële"), pairs(&[("financ", "ﬁnanc")]));
    assert_eq!(
        hits(&lex, "e\u{301}e\u{301}n!"),
        pairs(&[("een", "e\u{301}e\u{301}n")])
    );
    assert_eq!(hits(&lex, "éé\u{301}n"), pairs(&[("een", "éé\u{301}n")]));
    assert_eq!(
        hits(&lex, "volks\u{AD}verraders"),
        pairs(&[("volksverraders", "volks\u{AD}verraders")])
    );
    assert_eq!(hits(&lex, "ＮＡＺＩ！"), pairs(&[("nazi", "ＮＡＺＩ")]));
}

#[test]
fn overlapping_hits_are_all_reported() {
    let lex = set(
        &[("extremisme", 1.0), ("klimaat", 1.0)],
        vec![
            term("terrorist", "extremisme", Infix, 1.0),
            term("klimaatterroristen", "klimaat", Word, 2.0),
            // the same string in another category and kind: compiled once, fanned out
            term("terrorist", "klimaat", Infix, 0.5),
            term("ss", "klimaat", Infix, 0.1),
        ],
    );
    let found = matchers(&lex)[0].find(None, "klimaatterroristen");
    let got: Vec<_> = found
        .matches
        .iter()
        .map(|h| (h.term.as_str(), h.category.as_str(), h.start, h.end))
        .collect();
    assert_eq!(
        got,
        vec![
            ("klimaatterroristen", "klimaat", 0, 18),
            ("terrorist", "extremisme", 7, 16),
            ("terrorist", "klimaat", 7, 16),
        ]
    );
    let plain = Matcher::new(&lex, MatcherOptions::plain()).unwrap();
    assert_eq!(plain.patterns_len(), 3);
    assert_eq!(hits(&lex, "sss"), pairs(&[("ss", "ss"), ("ss", "ss")]));
    let found = matchers(&lex)[0].find(None, "sss");
    assert_eq!((found.matches[0].start, found.matches[1].start), (0, 1));
}

#[test]
fn scores_saturate_per_term_and_flag_at_threshold() {
    let lex = set(
        &[("haat", 3.0), ("overheid", 1.0)],
        vec![
            term("tuig", "haat", Word, 1.0),
            term("schorem", "haat", Word, 1.5),
            term("regime", "overheid", Word, 0.5),
        ],
    );
    let m = Matcher::new(&lex, MatcherOptions::default()).unwrap();
    let Findings { matches, scores } = m.find(Some("Tuig!"), "tuig tuig tuig tuig, regime");
    assert_eq!(
        matches.len(),
        6,
        "every hit is reported, beyond the cap too"
    );
    assert_eq!(scores.len(), 2);
    assert_eq!(
        (
            scores[0].category.as_str(),
            scores[0].score,
            scores[0].hits,
            scores[0].flagged
        ),
        ("haat", 3.0, 3, true)
    );
    assert_eq!(
        (
            scores[1].category.as_str(),
            scores[1].score,
            scores[1].hits,
            scores[1].flagged
        ),
        ("overheid", 0.5, 1, false)
    );

    let capped = Matcher::new(
        &lex,
        MatcherOptions {
            max_hits_per_term: 2,
            ..MatcherOptions::default()
        },
    )
    .unwrap();
    let scores = capped.find(None, "tuig tuig tuig tuig").scores;
    assert_eq!(
        (scores[0].score, scores[0].hits, scores[0].flagged),
        (2.0, 2, false)
    );
    let scores = capped.find(None, "tuig tuig tuig schorem").scores;
    assert_eq!(
        (scores[0].score, scores[0].hits, scores[0].flagged),
        (3.5, 3, true)
    );
}

#[test]
fn empty_and_hitless_text_has_no_scores() {
    let lex = set(&[("c", 1.0)], vec![term("nazi", "c", Word, 1.0)]);
    let m = Matcher::new(&lex, MatcherOptions::default()).unwrap();
    for text in ["", "   ", "🙂🙂", "\u{301}\u{AD}", "niets te zien"] {
        assert_eq!(m.find(None, text), Findings::default(), "{text:?}");
    }
}

#[test]
fn titles_are_matched_as_their_own_field() {
    let lex = set(&[("c", 2.0)], vec![term("nazi", "c", Word, 1.0)]);
    let m = Matcher::new(&lex, MatcherOptions::default()).unwrap();
    let found = m.find(Some("Weer een NAZI"), "de nazi");
    let got: Vec<_> = found
        .matches
        .iter()
        .map(|h| (h.field, h.start, h.end))
        .collect();
    assert_eq!(got, vec![(Field::Title, 9, 13), (Field::Text, 3, 7)]);
    assert!(found.scores[0].flagged);
    // a hit does not run from the title into the text
    let lex = set(&[("c", 1.0)], vec![term("a b", "c", Phrase, 1.0)]);
    let m = Matcher::new(&lex, MatcherOptions::default()).unwrap();
    assert!(m.find(Some("a"), "b").matches.is_empty());
}

#[test]
fn scored_items_carry_the_lexicon_version_and_keep_batch_order() {
    let lex = set(&[("c", 1.0)], vec![term("nazi", "c", Word, 1.0)]);
    let m = Matcher::new(&lex, MatcherOptions::default()).unwrap();
    let items: Vec<Item> = (0..500)
        .map(|k| {
            let text = if k % 3 == 0 {
                format!("{k} nazi")
            } else {
                format!("{k} niets")
            };
            Item::new(ItemId(k.to_string()), SourceRef::unknown(), text)
        })
        .collect();
    let scored = m.score_batch(items.clone());
    assert_eq!(scored.len(), 500);
    for (k, (s, item)) in scored.iter().zip(&items).enumerate() {
        assert_eq!(&s.item, item);
        assert_eq!(s.lexicon_version, "test-version");
        assert_eq!(s.matches.len(), usize::from(k % 3 == 0));
        assert_eq!(s, &m.score(item));
    }
}

#[test]
fn a_handle_swaps_versions_between_batches() {
    let mut v1 = set(&[("c", 1.0)], vec![term("nazi", "c", Word, 1.0)]);
    v1.version = "v1".to_string();
    let mut v2 = set(&[("c", 1.0)], vec![term("tuig", "c", Word, 1.0)]);
    v2.version = "v2".to_string();
    let handle = MatcherHandle::new(Matcher::new(&v1, MatcherOptions::default()).unwrap());
    let batch = || {
        vec![Item::new(
            ItemId("1".into()),
            SourceRef::unknown(),
            "nazi tuig",
        )]
    };
    let before = handle.current();
    let first = handle.score_batch(batch());
    let old = handle.swap(Matcher::new(&v2, MatcherOptions::default()).unwrap());
    let second = handle.score_batch(batch());
    assert_eq!(
        (
            first[0].lexicon_version.as_str(),
            first[0].matches[0].term.as_str()
        ),
        ("v1", "nazi")
    );
    assert_eq!(
        (
            second[0].lexicon_version.as_str(),
            second[0].matches[0].term.as_str()
        ),
        ("v2", "tuig")
    );
    // a batch that took the old matcher keeps it until it is done
    assert_eq!(before.version(), "v1");
    assert_eq!(old.version(), "v1");
}

#[test]
fn bad_lexicons_are_clear_errors() {
    let mut unnormalised = term("Nazi", "c", Word, 1.0);
    unnormalised.normalized = "Nazi".to_string();
    let err = Matcher::new(
        &set(&[("c", 1.0)], vec![unnormalised]),
        MatcherOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, MatcherError::NotNormalized { .. }));
    assert!(
        err.to_string().starts_with("test.toml:1: term \"Nazi\""),
        "{err}"
    );

    let err = Matcher::new(
        &set(&[("c", 1.0)], vec![term("🙂", "c", Word, 1.0)]),
        MatcherOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, MatcherError::EmptyTerm { .. }), "{err}");

    let err = Matcher::new(
        &set(&[("c", 1.0)], vec![term("x", "d", Word, 1.0)]),
        MatcherOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, MatcherError::UnknownCategory { .. }), "{err}");

    let err = Matcher::new(
        &set(&[("c", 1.0)], vec![term("x", "c", Word, f64::NAN)]),
        MatcherOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, MatcherError::BadWeight { .. }), "{err}");

    let bad_exclusion = term_excluding("x", "c", Word, 1.0, &["!!"]);
    let err = Matcher::new(
        &set(&[("c", 1.0)], vec![bad_exclusion]),
        MatcherOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, MatcherError::EmptyTerm { .. }), "{err}");
}

#[test]
fn auto_engine_picks_a_dfa_when_it_fits() {
    let lex = set(&[("c", 1.0)], vec![term("nazi", "c", Word, 1.0)]);
    assert_eq!(
        Matcher::new(&lex, MatcherOptions::default())
            .unwrap()
            .engine(),
        Engine::Dfa
    );
    let tiny = MatcherOptions {
        dfa_max_bytes: 16,
        ..MatcherOptions::default()
    };
    let m = Matcher::new(&lex, tiny).unwrap();
    assert_eq!(m.engine(), Engine::ContiguousNfa);
    assert_eq!(m.find(None, "Nazi").matches.len(), 1);
    assert!(m.heap_bytes() > 0);
}

#[test]
fn hits_in_long_texts_are_found_once_wherever_they_lie() {
    // Long fields are walked in pieces; a hit may straddle any piece boundary.
    let lex = set(
        &[("c", 1.0)],
        vec![
            term("grote vervanging", "c", Phrase, 1.0),
            term("vervang", "c", Infix, 1.0),
        ],
    );
    for m in matchers(&lex) {
        let len = 2000;
        let texts: Vec<String> = (0..len - 20)
            .map(|at| {
                format!(
                    "{} Grote vervanging {}",
                    "a".repeat(at),
                    "b".repeat(len - 20 - at)
                )
            })
            .collect();
        let items = texts
            .iter()
            .map(|t| Item::new(ItemId(t.len().to_string()), SourceRef::unknown(), t.clone()));
        let batch = m.score_batch(items.collect());
        for (at, (text, scored)) in texts.iter().zip(&batch).enumerate() {
            let single = m.find(None, text).matches;
            assert_eq!(
                single, scored.matches,
                "batch and single item differ at {at}"
            );
            let got: Vec<_> = single.iter().map(|h| (h.term.as_str(), h.start)).collect();
            assert_eq!(
                got,
                vec![("grote vervanging", at + 1), ("vervang", at + 7)],
                "at {at}"
            );
        }
    }
}

#[test]
fn a_huge_post_is_matched_whole_and_the_next_one_too() {
    let lex = set(&[("c", 1.0)], vec![term("nazi", "c", Word, 1.0)]);
    let m = Matcher::new(&lex, MatcherOptions::default()).unwrap();
    let filler = "woord, ".repeat(400_000);
    let huge = format!("Nazi {filler}nazi");
    let found = m.find(None, &huge);
    let starts: Vec<_> = found.matches.iter().map(|h| h.start).collect();
    assert_eq!(starts, vec![0, huge.len() - 4]);
    assert_eq!(m.find(None, "een nazi").matches.len(), 1);
}
