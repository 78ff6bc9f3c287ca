//! Print websense's misses and false alarms on a set (a tuning aid):
//! `cargo run --release -p websense-trends --example diagnose -- [series] [seed, 0: the labelled set]`.
use chrono::Duration;
use websense_trends::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n = args.first().and_then(|a| a.parse().ok()).unwrap_or(40);
    let seed = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(19);
    let specs = if seed == 0 {
        labelled_set()
    } else {
        extended_set(n, seed)
    };
    for spec in specs {
        let s = generate_spec(&spec);
        let Some(snapped) = snap_series(&s.points, BUCKET_5M, Gaps::Unknown, false) else {
            continue;
        };
        let mut grid = snapped.series;
        set_zone(&mut grid, chrono_tz::Europe::Amsterdam);
        let spikes = detect_series(&grid, &SpikeParams::default());
        println!(
            "{} base {:.1} shape {:.1} days {}",
            spec.name, spec.base, spec.shape, spec.days
        );
        for e in &s.events {
            if !spikes
                .iter()
                .any(|sp| (e.start..e.window_end).contains(&sp.detected_at))
            {
                let near: Vec<_> = spikes
                    .iter()
                    .filter(|sp| (sp.detected_at - e.start).num_hours().abs() < 30)
                    .map(|sp| (sp.detected_at, sp.kind))
                    .collect();
                println!(
                    "  MISSED {:?} {} .. {} near {:?}",
                    e.kind, e.start, e.window_end, near
                );
            }
        }
        for sp in spikes.iter().filter(|sp| {
            sp.detected_at >= s.scored_from
                && !s
                    .events
                    .iter()
                    .any(|e| (e.start..e.window_end + Duration::hours(1)).contains(&sp.detected_at))
        }) {
            println!("  FA {} start {} dur {}m obs {} exp {:.1} ratio {:.2} score {:.1} {:?} {:?} long={}", sp.detected_at, sp.start, (sp.end - sp.start).num_minutes(), sp.observed, sp.expected, sp.ratio, sp.score, sp.kind, sp.history, sp.fired(Window::Long));
        }
    }
}
