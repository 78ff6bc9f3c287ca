//! The cost of each matching option against all off (what `websense bench match` prints
//! first), without building the whole CLI:
//! `cargo run --release -p websense-matcher --example match_options -- [MB] [TERMS] [RUNS]`.

use websense_matcher::option_bench::{run_option_bench, OptionBenchOptions};

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let options = OptionBenchOptions {
        corpus_mb: arg(1, 20),
        terms: arg(2, 10_000),
        runs: arg(3, 3),
        ..OptionBenchOptions::default()
    };
    println!("{}", run_option_bench(&options));
}
