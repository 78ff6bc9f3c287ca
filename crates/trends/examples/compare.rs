//! The evaluation against published detectors, as `websense bench detect` prints it:
//! `cargo run --release -p websense-trends --example compare -- [series] [seed]`.

use websense_trends::{compare, extended_set, generate_spec, labelled_set, SpikeParams};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args.first().and_then(|a| a.parse().ok()).unwrap_or(40);
    let seed = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(19);
    let params = SpikeParams::default();
    let generated: Vec<_> = extended_set(n, seed).iter().map(generate_spec).collect();
    println!(
        "{}",
        compare(
            &format!("extended generator, seed {seed}"),
            &generated,
            &params
        )
    );
    let labelled: Vec<_> = labelled_set().iter().map(generate_spec).collect();
    println!("{}", compare("labelled set", &labelled, &params));
}
