//! Series that look like real social-media volume, with labelled events, for the
//! evaluation against published detectors (`compare.rs`): 5-minute counts with a daily
//! cycle in Amsterdam time (so it moves in UTC when the clocks change) and a weekly one,
//! drift, heavy-tailed noise with unlabelled outliers, gaps, irregular sampling times, and
//! four kinds of event: spikes, short (bot) bursts, slow build-ups and level shifts.
//!
//! A [`Spec`] says everything about one series; [`random_spec`] draws one (the extended
//! generator) and [`labelled_set`] is our own set, written out by hand before any tuning.

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use chrono_tz::Europe::Amsterdam;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, Normal, Poisson};
use serde::Serialize;

/// The bucket of every scenario: 5 minutes.
pub const BUCKET_5M: i64 = 300;

/// What a labelled event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The rate times `factor` for `hours`.
    Spike,
    /// The rate times `factor` for `hours` (5 to 15 minutes): a bot or a single viral post.
    Burst,
    /// The rate rising linearly to `factor` times over 70% of `hours`, falling back over the rest.
    BuildUp,
    /// The rate times `factor` from then on.
    LevelShift,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Spike,
        EventKind::Burst,
        EventKind::BuildUp,
        EventKind::LevelShift,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::Spike => "spike",
            EventKind::Burst => "burst",
            EventKind::BuildUp => "build-up",
            EventKind::LevelShift => "level shift",
        }
    }
}

/// An event of a [`Spec`], placed in days from the series' start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EventSpec {
    pub kind: EventKind,
    pub day: f64,
    pub hours: f64,
    pub factor: f64,
}

/// Everything about one scenario series.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    pub name: String,
    pub start: DateTime<Utc>,
    pub days: u32,
    /// The mean count per 5 minutes over a weekday.
    pub base: f64,
    /// The daily cycle: `1 + amplitude·cos(h - peak_hour) + evening·cos(2(h - peak_hour - 3))`
    /// (local hours, in radians of the day), at least 0.03.
    pub amplitude: f64,
    pub evening: f64,
    pub peak_hour: f64,
    /// Saturdays and Sundays are this times a weekday.
    pub weekend: f64,
    /// The rate at the end over the rate at the start (linear in between).
    pub drift: f64,
    /// Gamma-Poisson noise: the gamma's shape (variance `mean + mean²/shape`).
    pub shape: f64,
    /// The chance per bucket of an unlabelled outlier (the rate times 1.5 to 4): heavy tails.
    pub outliers: f64,
    /// Sampling: each sample is stamped this many seconds after its bucket start, plus a
    /// uniform jitter of ± `jitter_s`, plus a clock drifting by `drift_s` over the series.
    pub offset_s: i64,
    pub jitter_s: i64,
    pub drift_s: i64,
    /// Gaps: (day, hours) without samples.
    pub gaps: Vec<(f64, f64)>,
    pub events: Vec<EventSpec>,
    pub seed: u64,
}

/// A labelled event: an alarm must start in `start..window_end` to find it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Labelled {
    pub kind: EventKind,
    pub start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
}

/// A generated series: its samples (irregular times, gaps left out) and its labels.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioSeries {
    pub name: String,
    pub points: Vec<(DateTime<Utc>, f64)>,
    pub events: Vec<Labelled>,
    /// Alarms before this are not counted: the first three days are history.
    pub scored_from: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The days no detector is judged on: history to learn from.
pub const WARMUP_DAYS: i64 = 3;

fn daily(spec: &Spec, at: DateTime<Utc>) -> f64 {
    let local = Amsterdam.from_utc_datetime(&at.naive_utc());
    let h = local.hour() as f64 + local.minute() as f64 / 60.0;
    let rad = |x: f64| 2.0 * std::f64::consts::PI * x / 24.0;
    let day = 1.0
        + spec.amplitude * rad(h - spec.peak_hour).cos()
        + spec.evening * (2.0 * rad(h - spec.peak_hour - 3.0)).cos();
    let week = if local.weekday().number_from_monday() >= 6 {
        spec.weekend
    } else {
        1.0
    };
    day.max(0.03) * week
}

/// The event factor of bucket time `at`.
fn event_factor(spec: &Spec, at: DateTime<Utc>) -> f64 {
    let mut factor = 1.0;
    for e in &spec.events {
        let start = spec.start + Duration::seconds((e.day * 86_400.0) as i64);
        let hours = (at - start).num_seconds() as f64 / 3600.0;
        if hours < 0.0 {
            continue;
        }
        factor *= match e.kind {
            EventKind::Spike | EventKind::Burst if hours < e.hours => e.factor,
            EventKind::LevelShift => e.factor,
            EventKind::BuildUp => {
                let up = 0.7 * e.hours;
                if hours < up {
                    1.0 + (e.factor - 1.0) * hours / up
                } else if hours < e.hours {
                    1.0 + (e.factor - 1.0) * (e.hours - hours) / (e.hours - up)
                } else {
                    1.0
                }
            }
            _ => 1.0,
        };
    }
    factor
}

/// The series a spec describes.
pub fn generate_spec(spec: &Spec) -> ScenarioSeries {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let n = spec.days as usize * 288;
    let bucket = Duration::seconds(BUCKET_5M);
    let mut points = Vec::with_capacity(n);
    let gamma = Gamma::new(spec.shape.max(0.1), 1.0 / spec.shape.max(0.1)).ok();
    let jitter = spec.jitter_s.max(0);
    for i in 0..n {
        let at = spec.start + bucket * i as i32;
        let day = i as f64 / 288.0;
        if spec
            .gaps
            .iter()
            .any(|&(d, h)| day >= d && day < d + h / 24.0)
        {
            continue;
        }
        let trend = 1.0 + (spec.drift - 1.0) * i as f64 / n as f64;
        let mut rate = spec.base * daily(spec, at) * trend * event_factor(spec, at);
        if rng.random_bool(spec.outliers.clamp(0.0, 1.0)) {
            rate *= rng.random_range(1.5..4.0);
        }
        let mixed = gamma.map_or(rate, |g| rate * g.sample(&mut rng));
        let count = Poisson::new(mixed.max(1e-9)).map_or(0.0, |p| p.sample(&mut rng));
        let clock = spec.offset_s
            + rng.random_range(-jitter..=jitter)
            + (spec.drift_s as f64 * i as f64 / n as f64) as i64;
        points.push((at + Duration::seconds(clock), count));
    }
    let events = spec
        .events
        .iter()
        .map(|e| {
            let start = spec.start + Duration::seconds((e.day * 86_400.0) as i64);
            let window = match e.kind {
                EventKind::Spike | EventKind::BuildUp => {
                    Duration::seconds((e.hours * 3600.0) as i64)
                }
                EventKind::Burst => Duration::seconds((e.hours * 3600.0) as i64) + bucket * 2,
                EventKind::LevelShift => Duration::hours(24),
            };
            Labelled {
                kind: e.kind,
                start,
                window_end: start + window,
            }
        })
        .collect();
    ScenarioSeries {
        name: spec.name.clone(),
        points,
        events,
        scored_from: spec.start + Duration::days(WARMUP_DAYS),
        end: spec.start + bucket * n as i32,
    }
}

/// A random spec for the extended generator: 2 to 8 weeks from a random Monday in 2024,
/// 2 to 60 per 5 minutes, a strong daily cycle, gamma shape 4 to 40, 0 to 3 gaps, sampling
/// offsets and jitter, and 3 to 6 events of every kind, a day apart, after the warm-up.
pub fn random_spec(rng: &mut StdRng, name: String) -> Spec {
    let days = 7 * rng.random_range(2..=8u32);
    let monday = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let start = monday + Duration::weeks(rng.random_range(0..44));
    let log = |rng: &mut StdRng, lo: f64, hi: f64| rng.random_range(lo.ln()..hi.ln()).exp();
    let mut events: Vec<EventSpec> = Vec::new();
    let wanted = rng.random_range(3..=6usize);
    for _ in 0..wanted * 20 {
        if events.len() == wanted {
            break;
        }
        let kind = EventKind::ALL[rng.random_range(0..4)];
        let day = rng.random_range(WARMUP_DAYS as f64 + 0.5..days as f64 - 1.5);
        let (hours, factor) = match kind {
            EventKind::Spike => (rng.random_range(0.5..3.0), rng.random_range(2.0..4.0)),
            EventKind::Burst => (
                rng.random_range(1..=3) as f64 / 12.0,
                rng.random_range(4.0..10.0),
            ),
            EventKind::BuildUp => (rng.random_range(3.0..10.0), rng.random_range(2.0..3.5)),
            EventKind::LevelShift => (24.0, rng.random_range(1.8..3.0)),
        };
        // A day apart, and a level shift at most once, a week after the last event.
        let clear = events
            .iter()
            .all(|e| (e.day - day).abs() >= 1.0 + e.hours / 24.0);
        let shifts = events.iter().any(|e| e.kind == EventKind::LevelShift);
        if clear && !(kind == EventKind::LevelShift && (shifts || day > days as f64 - 7.0)) {
            events.push(EventSpec {
                kind,
                day,
                hours,
                factor,
            });
        }
    }
    events.sort_by(|a, b| a.day.total_cmp(&b.day));
    let gaps = (0..rng.random_range(0..=3))
        .map(|_| {
            (
                rng.random_range(1.0..days as f64 - 1.0),
                rng.random_range(0.5..12.0),
            )
        })
        .filter(|&(d, h)| {
            events
                .iter()
                .all(|e| d + h / 24.0 < e.day - 0.1 || d > e.day + e.hours.max(24.0) / 24.0)
        })
        .collect();
    let normal = Normal::new(0.0, 1.0).ok();
    let wobble = normal.map_or(0.0, |n| n.sample(rng));
    Spec {
        name,
        start,
        days,
        base: log(rng, 2.0, 60.0),
        amplitude: rng.random_range(0.5..0.9),
        evening: rng.random_range(0.0..0.3),
        peak_hour: 14.0 + 2.0 * wobble,
        weekend: rng.random_range(0.6..1.1),
        drift: rng.random_range(0.75..1.4),
        shape: log(rng, 4.0, 40.0),
        outliers: rng.random_range(0.0..0.002),
        offset_s: rng.random_range(0..60),
        jitter_s: rng.random_range(0..90),
        drift_s: rng.random_range(-100..100),
        gaps,
        events,
        seed: rng.random(),
    }
}

/// The extended generator's set: `series` random specs from `seed`.
pub fn extended_set(series: usize, seed: u64) -> Vec<Spec> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..series)
        .map(|i| random_spec(&mut rng, format!("generated-{seed}-{i}")))
        .collect()
}
