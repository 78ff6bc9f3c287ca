//! Attribution throughput on generated post-like text: a figure for the docs, not a test.
//!
//! `cargo run --release -p websense-gazetteer --example gazetteer_bench [POSTS]`

use std::time::Instant;

use websense_gazetteer::{Attribution, Context, Gazetteer, Scratch};

/// Words of ordinary posts, and now and then a place, an ordinary-word name or a shared name.
const WORDS: [&str; 40] = [
    "de",
    "het",
    "een",
    "en",
    "van",
    "in",
    "is",
    "dat",
    "op",
    "te",
    "niet",
    "zijn",
    "politie",
    "vannacht",
    "gemeente",
    "brand",
    "onrustig",
    "bij",
    "station",
    "jongeren",
    "demonstratie",
    "burgemeester",
    "wijk",
    "straat",
    "🔥",
    "echt",
    "best",
    "goes",
    "#nieuws",
    "café",
    "gisteren",
    "zei",
    "nog",
    "maar",
    "ook",
    "wel",
    "naar",
    "huis",
    "weer",
    "vandaag",
];
const PLACES: [&str; 12] = [
    "Zaandam",
    "Amsterdam-Noord",
    "Den Haag",
    "Bergen",
    "Putten",
    "Hoofddorp",
    "#denhaag",
    "Rotterdam",
    "IJmuiden",
    "Best",
    "Haarlem",
    "'s-Hertogenbosch",
];

fn main() {
    let posts: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let started = Instant::now();
    let gazetteer = Gazetteer::shipped();
    let built = started.elapsed();

    // A fixed linear congruential sequence: the same text on every run.
    let mut state: u64 = 0x5EED;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    let texts: Vec<String> = (0..posts)
        .map(|_| {
            let words = 8 + next() % 40;
            let mut text = String::new();
            for i in 0..words {
                if i > 0 {
                    text.push(' ');
                }
                if next() % 25 == 0 {
                    text.push_str(PLACES[next() % PLACES.len()]);
                } else {
                    text.push_str(WORDS[next() % WORDS.len()]);
                }
            }
            text.push('.');
            text
        })
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();

    let context = Context::default();
    let mut scratch = Scratch::default();
    let mut out = Attribution::default();
    let mut places = 0usize;
    let started = Instant::now();
    for text in &texts {
        gazetteer.attribute_into(text, &context, &mut scratch, &mut out);
        places += out.places.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "gazetteer: {} names, built in {:.1} ms",
        gazetteer.name_count(),
        built.as_secs_f64() * 1e3
    );
    println!(
        "attribution: {posts} posts, {:.1} MB, {places} places in {seconds:.3} s: {:.0} posts/s, {:.1} MB/s (one thread)",
        bytes as f64 / 1e6,
        posts as f64 / seconds,
        bytes as f64 / 1e6 / seconds
    );
}
