//! The fast matcher against a slow, obviously correct reference, on random text.

mod common;

use common::{set, term_excluding};
use proptest::prelude::*;
use std::ops::Range;
use websense_lexicon::LexiconSet;
use websense_matcher::{Engine, Matcher, MatcherOptions};
use websense_model::{CategoryScore, Field, Hit, Item, ItemId, SourceRef, TermKind};
use websense_normalize::{fold_char, CharClass};

const CAP: u32 = 2;

/// Normalise one character at a time, recording for every normal-form byte the original
/// range it stands for (a letter: its character plus the ignored characters right after
/// it; a space: its whole separator run).
fn dense(text: &str) -> (Vec<u8>, Vec<Range<usize>>) {
    let mut out = String::new();
    let mut origin: Vec<Range<usize>> = Vec::new();
    let mut separator_run: Option<usize> = None;
    let mut last_letter: Option<Range<usize>> = None;
    for (at, c) in text.char_indices() {
        let end = at + c.len_utf8();
        let mut folded = String::new();
        match fold_char(c, &mut folded) {
            CharClass::Emitted => {
                if let Some(run_start) = separator_run.take() {
                    if !out.is_empty() {
                        out.push(' ');
                        origin.push(run_start..at);
                    }
                }
                last_letter = Some(out.len()..out.len() + folded.len());
                out.push_str(&folded);
                origin.resize(origin.len() + folded.len(), at..end);
            }
            CharClass::Separator => {
                separator_run.get_or_insert(at);
            }
            CharClass::Ignored => {
                if let (None, Some(letter)) = (separator_run, &last_letter) {
                    for o in &mut origin[letter.clone()] {
                        o.end = end;
                    }
                }
            }
        }
    }
    (out.into_bytes(), origin)
}

/// Every start offset of `needle` in `hay`, overlapping ones included.
fn occurrences<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    (0..hay.len()).filter(move |&p| hay[p..].starts_with(needle))
}

type RefHit = (String, String, TermKind, Field, usize, usize);

fn reference_hits(lex: &LexiconSet, field: Field, text: &str, hits: &mut Vec<(usize, RefHit)>) {
    let (norm, origin) = dense(text);
    let boundary_before = |s: usize| s == 0 || norm[s - 1] == b' ';
    let boundary_after = |e: usize| e == norm.len() || norm[e] == b' ';
    for (index, term) in lex.terms().enumerate() {
        let needle = term.normalized.as_bytes();
        for start in occurrences(&norm, needle) {
            let end = start + needle.len();
            let wanted = match term.kind {
                TermKind::Word | TermKind::Phrase => boundary_before(start) && boundary_after(end),
                TermKind::Prefix => boundary_before(start),
                TermKind::Suffix => boundary_after(end),
                TermKind::Infix => true,
            };
            let excluded = term.exclusions_normalized.iter().any(|x| {
                occurrences(&norm, x.as_bytes()).any(|xs| {
                    let xe = xs + x.len();
                    boundary_before(xs) && boundary_after(xe) && xs <= start && end <= xe
                })
            });
            if wanted && !excluded {
                let span = origin[start].start..origin[end - 1].end;
                let hit = (
                    term.text.clone(),
                    term.category.clone(),
                    term.kind,
                    field,
                    span.start,
                    span.end,
                );
                hits.push((index, hit));
            }
        }
    }
}

fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a",
        "b",
        "i",
        "s",
        "n",
        "z",
        "e",
        "f",
        "nazi",
        "een",
        "strasse",
        "Nazi",
        "ab",
        " ",
        "  ",
        "\n",
        ",",
        "!",
        "-",
        "'",
        "9",
        "2",
        "🙄",
        "👍🏽",
        "ß",
        "İ",
        "é",
        "e\u{301}",
        "\u{301}",
        "\u{AD}",
        "ﬁ",
        "Ｎ",
        "ＡＺＩ",
        "grammar ",
        "…",
    ])
}

fn term_text() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "nazi", "een", "één", "ss", "Straße", "is", "i", "fi", "fin", "e", "ab", "a b", "een nazi",
        "ssi", "9", "a9", "zi", "İs", "b",
    ])
}

fn kind() -> impl Strategy<Value = TermKind> {
    prop::sample::select(vec![
        TermKind::Word,
        TermKind::Prefix,
        TermKind::Suffix,
        TermKind::Infix,
        TermKind::Phrase,
    ])
}

fn lexicon() -> impl Strategy<Value = LexiconSet> {
    let one_term = (
        term_text(),
        prop::sample::select(vec!["x", "y"]),
        kind(),
        prop::sample::select(vec![0.5, 1.0, 2.0]),
        prop::collection::vec(
            prop::sample::select(vec!["grammar nazi", "een nazi", "ss", "nazi een", "a b"]),
            0..2,
        ),
    );
    prop::collection::vec(one_term, 1..8).prop_map(|terms| {
        let terms = terms
            .into_iter()
            .map(|(text, category, kind, weight, exclusions)| {
                term_excluding(text, category, kind, weight, &exclusions)
            })
            .collect();
        set(&[("x", 2.0), ("y", 1.0)], terms)
    })
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..30).prop_map(|p| p.concat())
}

/// Texts long enough (up to a few KB) to be cut into pieces that lanes walk separately.
fn long_text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..600).prop_map(|p| p.concat())
}

/// What the reference says an item gets: its hits (sorted) and its scores.
type Expected = (Vec<RefHit>, Vec<(String, f64, u32)>);

fn expected(lex: &LexiconSet, title: Option<&str>, body: &str) -> Expected {
    let mut hits = Vec::new();
    if let Some(title) = title {
        reference_hits(lex, Field::Title, title, &mut hits);
    }
    reference_hits(lex, Field::Text, body, &mut hits);

    // each term counts at most CAP hits, per category in declaration order
    let mut per_term = vec![0u32; lex.terms().count()];
    let mut scores: Vec<(String, f64, u32)> = Vec::new();
    for (index, hit) in &hits {
        per_term[*index] += 1;
        if per_term[*index] > CAP {
            continue;
        }
        let weight = lex.terms().nth(*index).unwrap().weight;
        match scores.iter_mut().find(|(c, _, _)| *c == hit.1) {
            Some((_, score, count)) => {
                *score += weight;
                *count += 1;
            }
            None => scores.push((hit.1.clone(), weight, 1)),
        }
    }
    scores.sort_by_key(|(c, _, _)| lex.categories.iter().position(|d| &d.name == c));
    let mut hits: Vec<RefHit> = hits.into_iter().map(|(_, hit)| hit).collect();
    hits.sort_by_key(|h| format!("{h:?}"));
    (hits, scores)
}

fn check(
    lex: &LexiconSet,
    got: &[Hit],
    scores: &[CategoryScore],
    want: &Expected,
) -> Result<(), TestCaseError> {
    let mut got: Vec<RefHit> = got
        .iter()
        .map(|h| {
            (
                h.term.clone(),
                h.category.clone(),
                h.kind,
                h.field,
                h.start,
                h.end,
            )
        })
        .collect();
    got.sort_by_key(|h| format!("{h:?}"));
    prop_assert_eq!(&got, &want.0);
    prop_assert_eq!(scores.len(), want.1.len());
    for (score, (category, points, hits)) in scores.iter().zip(&want.1) {
        prop_assert_eq!(&score.category, category);
        prop_assert_eq!(score.hits, *hits);
        prop_assert!((score.score - points).abs() < 1e-9);
        let threshold = lex.category(category).unwrap().threshold;
        prop_assert_eq!(
            score.flagged,
            *points >= threshold,
            "weights are exact in binary"
        );
    }
    Ok(())
}

fn matcher(lex: &LexiconSet, engine: Engine) -> Matcher {
    Matcher::new(
        lex,
        MatcherOptions {
            engine,
            max_hits_per_term: CAP,
            ..MatcherOptions::plain()
        },
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn fast_matcher_agrees_with_the_reference(lex in lexicon(), title in prop::option::of(text()), body in text()) {
        let want = expected(&lex, title.as_deref(), &body);
        for engine in [Engine::Dfa, Engine::ContiguousNfa] {
            let found = matcher(&lex, engine).find(title.as_deref(), &body);
            check(&lex, &found.matches, &found.scores, &want)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Batches walk several fields in lockstep and cut long fields into pieces.
    #[test]
    fn batches_agree_with_the_reference(
        lex in lexicon(),
        items in prop::collection::vec((prop::option::of(text()), prop_oneof![text(), long_text()]), 0..40),
    ) {
        let batch: Vec<Item> = items
            .iter()
            .enumerate()
            .map(|(k, (title, body))| {
                let mut item = Item::new(ItemId(k.to_string()), SourceRef::unknown(), body.clone());
                item.title = title.clone();
                item
            })
            .collect();
        for engine in [Engine::Dfa, Engine::ContiguousNfa] {
            let scored = matcher(&lex, engine).score_batch(batch.clone());
            prop_assert_eq!(scored.len(), items.len());
            for (s, (title, body)) in scored.iter().zip(&items) {
                prop_assert_eq!(&s.item.text, body);
                check(&lex, &s.matches, &s.scores, &expected(&lex, title.as_deref(), body))?;
            }
        }
    }
}
