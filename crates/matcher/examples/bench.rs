//! Run the matcher benchmark:
//! `cargo run --release -p websense-matcher --example bench -- [--mb 100] [--terms 10000,50000]
//! [--threads 0] [--runs 3] [--engine auto|dfa|nfa]`

use websense_matcher::bench::{run_match_bench, BenchOptions};
use websense_matcher::Engine;

fn main() {
    let mut options = BenchOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let number = |v: &str| {
            v.parse::<usize>()
                .unwrap_or_else(|_| usage(&format!("{flag}: not a number: {v}")))
        };
        match flag.as_str() {
            "--mb" => options.corpus_mb = number(&value),
            "--threads" => options.threads = number(&value),
            "--runs" => options.runs = number(&value),
            "--terms" => options.terms = value.split(',').map(number).collect(),
            "--engine" => {
                options.matcher.engine = match value.as_str() {
                    "auto" => Engine::Auto,
                    "dfa" => Engine::Dfa,
                    "nfa" => Engine::ContiguousNfa,
                    other => usage(&format!("unknown engine {other}")),
                }
            }
            other => usage(&format!("unknown flag {other}")),
        }
    }
    print!("{}", run_match_bench(&options));
}

fn usage(problem: &str) -> ! {
    eprintln!("{problem}\nusage: bench [--mb N] [--terms N,N] [--threads N] [--runs N] [--engine auto|dfa|nfa]");
    std::process::exit(2)
}
