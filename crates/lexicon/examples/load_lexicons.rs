//! Time loading a lexicon directory: `cargo run --release -p websense-lexicon --example
//! load_lexicons -- lexicons`. Prints the size of the set and the best and median time of
//! 50 loads (files read from the page cache, parsed, checked, hashed).

use std::time::{Duration, Instant};

use websense_lexicon::LexiconSet;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "lexicons".into());
    let mut times: Vec<Duration> = Vec::new();
    let mut summary = String::new();
    for _ in 0..50 {
        let start = Instant::now();
        let (set, problems) = match LexiconSet::load_dir(&dir) {
            Ok(loaded) => loaded,
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        };
        times.push(start.elapsed());
        summary = format!(
            "{dir}: {} lexicons, {} categories, {} terms, {} problems, version {}",
            set.lexicons.len(),
            set.categories.len(),
            set.terms().count(),
            problems.len(),
            set.version
        );
    }
    times.sort();
    println!("{summary}");
    println!(
        "load_dir: best {:.3} ms, median {:.3} ms over {} loads",
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times.len()
    );
}
