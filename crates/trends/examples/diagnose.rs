//! Print websense's false alarms on the extended set (a tuning aid).
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
        let mut grid = snap_series(&s.points, BUCKET_5M, Gaps::Unknown)
            .unwrap()
            .series;
        set_zone(&mut grid, chrono_tz::Europe::Amsterdam);
        let spikes = detect_series(&grid, &SpikeParams::default());
        let fa: Vec<_> = spikes
            .iter()
            .filter(|sp| {
                sp.detected_at >= s.scored_from
                    && !s.events.iter().any(|e| {
                        (e.start..e.window_end + Duration::hours(1)).contains(&sp.detected_at)
                    })
            })
            .collect();
        println!(
            "{} base {:.1} shape {:.1} outl {:.4} days {} events {:?}: {} FA",
            spec.name,
            spec.base,
            spec.shape,
            spec.outliers,
            spec.days,
            spec.events
                .iter()
                .map(|e| (e.kind, (e.day * 10.0).round() / 10.0, e.factor))
                .collect::<Vec<_>>(),
            fa.len()
        );
        for sp in spikes
            .iter()
            .filter(|sp| {
                sp.detected_at
                    > s.events
                        .iter()
                        .find(|e| e.kind == EventKind::LevelShift)
                        .map_or(s.end, |e| e.start)
                        - Duration::hours(2)
            })
            .take(12)
        {
            println!(
                "   {} dur {}m obs {} exp {:.1} ratio {:.2} score {:.1} {:?} {:?} {:?} long={}",
                sp.detected_at,
                (sp.end - sp.start).num_minutes(),
                sp.observed,
                sp.expected,
                sp.ratio,
                sp.score,
                sp.kind,
                sp.history,
                sp.state,
                sp.fired(Window::Long)
            );
        }
    }
}
