//! Print recall and false alarms of the spike detector on synthetic series.
//!
//! `cargo run --release -p websense-trends --example evaluate -- [series] [seed] [dispersion|poisson]`

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
        Some(d) => {
            if let Ok(dispersion) = d.parse() {
                params.noise = Noise::NegativeBinomial { dispersion };
            }
        }
        None => {}
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
