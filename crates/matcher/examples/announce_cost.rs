//! What announcement detection costs the matcher, on one thread, in one run (interleaved,
//! best of five, thread CPU time): the generated sparse corpus of `websense-testkit` with a
//! generated 10,000-term lexicon and the shipped gazetteer, with and without the shipped
//! announcement detector; and the worst case, a corpus made only of our labelled set's posts
//! (every post has a call, most a time and a place).
//!
//! `cargo run --release -p websense-matcher --example announce_cost [MB [sparse|calls]]`
//! (`websense bench match` has the same row, `def+ctx+places+announce`, beside the rest.)

use std::sync::Arc;
use std::time::{Duration, Instant};
use websense_announce::eval::{parse_cases, SHIPPED_SET};
use websense_announce::Announcer;
use websense_gazetteer::Gazetteer;
use websense_matcher::{Matcher, MatcherOptions, Places};
use websense_model::{Item, ItemId, SourceRef};
use websense_testkit::{generate_corpus, generate_lexicon};

fn cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_else(|| Instant::now().elapsed())
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let set = generate_lexicon(10_000, 0x5EED);
    let set_for_terms = |_: &websense_lexicon::LexiconSet| set.clone();
    let places = || Some(Places::new(Arc::new(Gazetteer::shipped()), &[]));
    let without = Matcher::with_extras(&set, MatcherOptions::default(), places(), None).unwrap();
    let with = Matcher::with_extras(
        &set,
        MatcherOptions::default(),
        places(),
        Some(Arc::new(Announcer::shipped())),
    )
    .unwrap();
    // the same words in the automaton, none of them a call: what the walk alone costs
    let walk_only = {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lexicons/announce");
        let (mut set, _) = websense_lexicon::LexiconSet::load_dir(&dir).unwrap();
        for l in &mut set.lexicons {
            for t in &mut l.terms {
                t.category = "plek".into();
            }
        }
        let cues = websense_announce::Cues::from_set(&set);
        Matcher::with_extras(
            &set_for_terms(&set),
            MatcherOptions::default(),
            places(),
            Some(Arc::new(Announcer::new(cues))),
        )
        .unwrap()
    };
    let sparse = generate_corpus(mb * 1_000_000, 0x5EED);
    let cases = parse_cases(SHIPPED_SET).unwrap();
    let mut calls = Vec::new();
    let mut bytes = 0;
    while bytes < mb * 1_000_000 / 4 {
        for c in &cases {
            let mut item = Item::new(
                ItemId(calls.len().to_string()),
                SourceRef::unknown(),
                &c.text,
            );
            item.published_at = Some(c.published_at);
            bytes += c.text.len();
            calls.push(item);
        }
    }
    // a second argument `sparse` or `calls` runs that corpus alone (for a profiler)
    let only = std::env::args().nth(2);
    for (name, corpus) in [
        ("sparse (generated)", &sparse),
        ("calls only (labelled set)", &calls),
    ] {
        if only.as_deref().is_some_and(|o| !name.starts_with(o)) {
            continue;
        }
        let size: usize = corpus
            .iter()
            .map(|i| i.text.len() + i.title.as_ref().map_or(0, |t| t.len()))
            .sum();
        let mut best = [Duration::MAX; 3];
        let mut found = 0;
        for _ in 0..5 {
            for (k, m) in [&without, &with, &walk_only].into_iter().enumerate() {
                let items = corpus.clone();
                let before = cpu();
                let scored = m.score_sequential(items);
                best[k] = best[k].min(cpu() - before);
                if k == 1 {
                    found = scored
                        .iter()
                        .filter(|s| !s.announcements.is_empty())
                        .count();
                }
            }
        }
        let mbs = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
        let extra = |d: Duration| 100.0 * (d.as_secs_f64() / best[0].as_secs_f64() - 1.0);
        println!(
            "{name}: {:.1} MB, {} posts, {found} with an announcement: without {:.1} MB/s, \
             with {:.1} MB/s ({:+.1} %), of which the walk alone {:+.1} %",
            size as f64 / 1e6,
            corpus.len(),
            mbs(best[0]),
            mbs(best[1]),
            extra(best[1]),
            extra(best[2]),
        );
    }
}
