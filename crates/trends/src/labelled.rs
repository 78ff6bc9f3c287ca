//! Our own labelled series: twelve 5-minute series of 2 to 8 weeks, each written out by
//! hand to look like one kind of real volume (a town's council topic, a bot-ridden hashtag,
//! a topic that grew for good, a slow outrage, a series over the change to summer time, a
//! collector with outages, ...), with the events an analyst would want to hear about. The
//! labels were written before any detector was tuned on them and are not to be changed to
//! suit one.

use crate::scenario::{EventKind, EventSpec, Spec};
use chrono::{Duration, TimeZone, Utc};

fn ev(kind: EventKind, day: f64, hours: f64, factor: f64) -> EventSpec {
    EventSpec {
        kind,
        day,
        hours,
        factor,
    }
}

/// The labelled set.
pub fn labelled_set() -> Vec<Spec> {
    use EventKind::*;
    let monday = |y, m, d| {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let plain = Spec {
        name: String::new(),
        start: monday(2024, 1, 8),
        days: 28,
        base: 8.0,
        amplitude: 0.8,
        evening: 0.15,
        peak_hour: 14.0,
        weekend: 0.8,
        drift: 1.0,
        shape: 12.0,
        outliers: 0.0005,
        offset_s: 0,
        jitter_s: 0,
        drift_s: 0,
        gaps: Vec::new(),
        events: Vec::new(),
        seed: 0,
    };
    vec![
        Spec {
            name: "council-topic".into(),
            events: vec![
                ev(Spike, 9.55, 2.0, 3.0),
                ev(Burst, 15.4, 0.17, 6.0),
                ev(Spike, 22.8, 1.0, 2.5),
            ],
            seed: 101,
            ..plain.clone()
        },
        Spec {
            name: "bot-hashtag".into(),
            days: 21,
            base: 3.0,
            shape: 6.0,
            outliers: 0.002,
            events: vec![
                ev(Burst, 6.3, 0.08, 10.0),
                ev(Burst, 11.9, 0.25, 8.0),
                ev(Burst, 17.45, 0.17, 7.0),
            ],
            seed: 102,
            ..plain.clone()
        },
        Spec {
            name: "topic-grows-for-good".into(),
            days: 42,
            base: 5.0,
            events: vec![
                ev(Spike, 8.6, 1.5, 3.0),
                ev(LevelShift, 20.4, 24.0, 2.5),
                ev(Spike, 31.55, 2.0, 2.5),
            ],
            seed: 103,
            ..plain.clone()
        },
        Spec {
            name: "slow-outrage".into(),
            base: 15.0,
            shape: 15.0,
            events: vec![
                ev(BuildUp, 10.3, 6.0, 2.2),
                ev(BuildUp, 19.25, 10.0, 2.0),
                ev(Spike, 24.6, 1.0, 2.5),
            ],
            seed: 104,
            ..plain.clone()
        },
        Spec {
            name: "summer-time".into(),
            start: monday(2024, 3, 4),
            days: 35,
            base: 10.0,
            events: vec![
                ev(Spike, 12.45, 1.5, 3.0),
                ev(Spike, 28.3, 2.0, 2.5),
                ev(Burst, 30.6, 0.17, 6.0),
            ],
            seed: 105,
            ..plain.clone()
        },
        Spec {
            name: "collector-outages".into(),
            base: 6.0,
            gaps: vec![(8.2, 6.0), (14.5, 12.0), (21.1, 2.0)],
            events: vec![
                ev(Spike, 9.5, 2.0, 3.0),
                ev(Spike, 16.5, 1.0, 3.0),
                ev(Spike, 21.3, 1.5, 2.5),
            ],
            seed: 106,
            ..plain.clone()
        },
        Spec {
            name: "growing-platform".into(),
            days: 56,
            base: 4.0,
            drift: 1.8,
            events: vec![
                ev(Spike, 12.6, 2.0, 3.0),
                ev(BuildUp, 30.35, 8.0, 2.5),
                ev(Spike, 47.5, 1.0, 3.0),
            ],
            seed: 107,
            ..plain.clone()
        },
        Spec {
            name: "new-topic".into(),
            days: 14,
            base: 10.0,
            events: vec![ev(Spike, 4.45, 2.0, 3.0), ev(Burst, 9.6, 0.17, 6.0)],
            seed: 108,
            ..plain.clone()
        },
        Spec {
            name: "big-city".into(),
            days: 21,
            base: 200.0,
            shape: 10.0,
            events: vec![
                ev(Spike, 7.5, 1.0, 1.8),
                ev(BuildUp, 12.3, 8.0, 1.8),
                ev(Burst, 16.45, 0.17, 3.0),
            ],
            seed: 109,
            ..plain.clone()
        },
        Spec {
            name: "quiet-nights".into(),
            base: 1.5,
            amplitude: 0.95,
            evening: 0.25,
            events: vec![
                ev(Burst, 8.4, 0.17, 10.0),
                ev(Spike, 15.55, 3.0, 3.0),
                ev(Burst, 23.1, 0.25, 8.0),
            ],
            seed: 110,
            ..plain.clone()
        },
        Spec {
            name: "irregular-clock".into(),
            days: 21,
            base: 12.0,
            offset_s: 53,
            jitter_s: 90,
            drift_s: -120,
            events: vec![ev(Spike, 7.5, 2.0, 2.5), ev(BuildUp, 14.4, 5.0, 2.5)],
            seed: 111,
            ..plain.clone()
        },
        Spec {
            name: "two-shifts".into(),
            start: monday(2024, 9, 2),
            days: 56,
            base: 3.0,
            shape: 20.0,
            events: vec![
                ev(LevelShift, 15.4, 24.0, 3.0),
                ev(Spike, 27.5, 2.0, 2.5),
                ev(LevelShift, 40.45, 24.0, 2.0),
                ev(Spike, 50.6, 1.5, 3.0),
            ],
            seed: 112,
            ..plain.clone()
        },
    ]
    .into_iter()
    .map(|s| Spec {
        // Every series starts on a Monday at midnight, Amsterdam time.
        start: s.start - Duration::hours(1),
        ..s
    })
    .collect()
}
