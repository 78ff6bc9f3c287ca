//! Matching that disguise does not beat, and hits that know their context.

mod common;

use common::{set, term};
use websense_lexicon::{LexiconSet, MatchOptions};
use websense_matcher::{Matcher, MatcherOptions};
use websense_model::{ContextTag, MatchMethod, TermKind::*};

fn lexicon(options: MatchOptions) -> LexiconSet {
    let mut lex = set(
        &[("ontmenselijking", 3.0), ("anti_overheid", 4.0)],
        vec![
            term("ongedierte", "ontmenselijking", Word, 3.0),
            term("uitschot", "ontmenselijking", Word, 3.0),
            term("volksverrader", "anti_overheid", Prefix, 3.0),
            term("cultuurverrijker", "anti_overheid", Prefix, 2.0),
            term("ongeloof", "anti_overheid", Word, 1.0),
            term("vermin", "ontmenselijking", Word, 3.0),
        ],
    );
    for t in &mut lex.lexicons[0].terms {
        t.matching = options;
    }
    lex
}

/// (term, method, the hit as written) of every hit.
fn hits(m: &Matcher, text: &str) -> Vec<(String, MatchMethod, String)> {
    m.find(None, text)
        .matches
        .into_iter()
        .map(|h| (h.term, h.method, text[h.start..h.end].to_string()))
        .collect()
}

fn one(term: &str, method: MatchMethod, written: &str) -> Vec<(String, MatchMethod, String)> {
    vec![(term.to_string(), method, written.to_string())]
}

#[test]
fn disguised_terms_hit_with_their_method_and_span_as_written() {
    let m = Matcher::new(&lexicon(MatchOptions::ALL), MatcherOptions::default()).unwrap();
    use MatchMethod::*;
    let cases: &[(&str, &str, MatchMethod, &str)] = &[
        (
            "Wat een v0lksverr@ders!",
            "volksverrader",
            Folded,
            "v0lksverr@der",
        ),
        (
            "cultuurv3rrijkers overal",
            "cultuurverrijker",
            Folded,
            "cultuurv3rrijker",
        ),
        (
            "die volksverrаder",
            "volksverrader",
            Folded,
            "volksverrаder",
        ),
        (
            "zij zijn u i t s c h o t.",
            "uitschot",
            Joined,
            "u i t s c h o t",
        ),
        (
            "o.n.g.e.d.i.e.r.t.e",
            "ongedierte",
            Joined,
            "o.n.g.e.d.i.e.r.t.e",
        ),
        ("zijnongedierte", "ongedierte", Joined, "ongedierte"),
        (
            "wat een ongedieeeerte",
            "ongedierte",
            Squeezed,
            "ongedieeeerte",
        ),
        ("wat een ongeloooof", "ongeloof", Squeezed, "ongeloooof"),
        ("dat onge🐀dierte", "ongedierte", Joined, "onge🐀dierte"),
        ("dat ongedeirte", "ongedierte", Fuzzy, "ongedeirte"),
        ("de volksveraders", "volksverrader", Fuzzy, "volksverader"),
        (
            "onge\u{202E}dierte",
            "ongedierte",
            Exact,
            "onge\u{202E}dierte",
        ),
        (
            "v\u{E0041}olks\u{3164}verrader",
            "volksverrader",
            Exact,
            "v\u{E0041}olks\u{3164}verrader",
        ),
    ];
    for &(text, term, method, written) in cases {
        assert_eq!(hits(&m, text), one(term, method, written), "{text}");
    }
}

#[test]
fn options_off_find_only_what_is_written() {
    let plain = Matcher::new(&lexicon(MatchOptions::ALL), MatcherOptions::plain()).unwrap();
    let none = Matcher::new(&lexicon(MatchOptions::NONE), MatcherOptions::default()).unwrap();
    for m in [&plain, &none] {
        for text in [
            "v0lksverrader",
            "u i t s c h o t",
            "ongedieeeerte",
            "ongedeirte",
            "zijnongedierte",
        ] {
            assert_eq!(hits(m, text), vec![], "{text}");
        }
    }
    // Each option only does its own job.
    let squeeze_only =
        Matcher::new(&lexicon(MatchOptions::SQUEEZE), MatcherOptions::default()).unwrap();
    assert_eq!(hits(&squeeze_only, "v0lksverrader ongedieeerte").len(), 1);
}

#[test]
fn ordinary_text_gets_no_disguised_hits() {
    let m = Matcher::new(
        &lexicon(MatchOptions::ALL.without(MatchOptions::INFIX)),
        MatcherOptions::default(),
    )
    .unwrap();
    for text in [
        "In 2024 kwam b2b-handel op gang, zie https://example.nl/a1b3 of bel 020-5551234.",
        "De verraden vriend en de vergaderingen van A.B.C. zijn 3 x uitgesteld; zzz.",
        "Het ongedierte-bestrijdingsbedrijf", // a hit, plainly written: not a disguise
        "@volksverrader_1 zei hallo",
        "Путин говорит",
    ] {
        let found = hits(&m, text);
        assert!(
            found
                .iter()
                .all(|(_, method, _)| *method == MatchMethod::Exact),
            "{text}: {found:?}"
        );
    }
}

#[test]
fn a_negated_or_quoted_hit_alone_does_not_flag_and_is_tagged() {
    let m = Matcher::new(&lexicon(MatchOptions::DEFAULT), MatcherOptions::default()).unwrap();
    let flagged = |text: &str| m.find(None, text).scores.iter().any(|s| s.flagged);
    assert!(flagged("Het is ongedierte."));
    for text in [
        "Zij zijn geen ongedierte.",
        "Noem mensen nooit ongedierte!",
        "Hij noemde hen ongedierte, zegt de krant.",
        "Het is walgelijk dat mensen vluchtelingen ongedierte noemen.",
        "They are not vermin",
        "Het woord 'ongedierte' hoort hier niet",
    ] {
        let found = m.find(None, text);
        assert!(!flagged(text), "{text}: {:?}", found.scores);
        let hit = &found.matches[0];
        assert!(!hit.context.is_empty(), "{text}");
        assert_eq!(hit.weight, 1.5, "half of 3");
    }
    let hit = &m.find(None, "Zij zijn geen ongedierte.").matches[0];
    assert_eq!(hit.context, vec![ContextTag::Negated]);
    // Without context the same hit counts in full.
    let without = Matcher::new(
        &lexicon(MatchOptions::DEFAULT),
        MatcherOptions {
            context: false,
            ..MatcherOptions::default()
        },
    )
    .unwrap();
    assert!(without.find(None, "Zij zijn geen ongedierte.").scores[0].flagged);
}

#[test]
fn a_fuzzy_hit_weighs_its_categorys_share() {
    let m = Matcher::new(&lexicon(MatchOptions::ALL), MatcherOptions::default()).unwrap();
    let found = m.find(None, "dat ongedeirte");
    assert_eq!(found.matches[0].weight, 1.5);
    assert!(!found.scores[0].flagged);
}
