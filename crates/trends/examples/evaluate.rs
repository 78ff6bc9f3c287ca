//! Print recall and false alarms of the spike detector on synthetic series.
//!
//! `cargo run --release -p websense-trends --example evaluate -- [series] [seed] [poisson|DISPERSION] [max delay]`
//!
//! DISPERSION is the negative binomial's (variance `mean + mean² / DISPERSION`); the
//! maximum delay is in buckets after a spike's first (default 1: found in its first two).

use websense_trends::{evaluate, EvalParams, Noise, SpikeParams};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut params = EvalParams::default();
    if let Some(n) = args.first().and_then(|a| a.parse().ok()) {
        params.series = n;
    }
    if let Some(seed) = args.get(1).and_then(|a| a.parse().ok()) {
        params.seed = seed;
    }
    match args.get(2).map(String::as_str) {
        Some("poisson") => params.noise = Noise::Poisson,
        Some(d) => match d.parse() {
            Ok(dispersion) => params.noise = Noise::NegativeBinomial { dispersion },
            Err(_) => {
                eprintln!("evaluate: noise is `poisson` or a dispersion (a number), not `{d}`");
                std::process::exit(2);
            }
        },
        None => {}
    }
    if let Some(delay) = args.get(3).and_then(|a| a.parse().ok()) {
        params.max_delay_buckets = delay;
    }
    let started = std::time::Instant::now();
    let report = evaluate(&params, &SpikeParams::default());
    println!("{report}");
    println!(
        "target met: {}; {:.2?}",
        report.meets_target(),
        started.elapsed()
    );
}
