//! The evaluation against published detectors: websense's detector, a windowed Gaussian
//! z-score and a seasonal hybrid ESD (`published.rs`) on the same labelled series
//! (`scenario.rs`, `labelled.rs`), scored the same way:
//!
//! * an alarm is a run of consecutive anomalous buckets (websense: a spike or level shift,
//!   starting when it was confirmed, `detected_at`), counted once;
//! * a labelled event is *found* when an alarm starts inside its window (a spike, burst or
//!   build-up: while it lasts, a burst two buckets more; a level shift: its first day);
//! * a *false alarm* starts after the warm-up and outside every event's window (nor in the
//!   hour after one);
//! * the *delay* is from the event's start to the start of the alarm that found it.
//!
//! The published detectors have a threshold each. They are run over a sweep of it, and
//! compared with websense at the sweep's point with the fewest false alarms that still has
//! at least websense's: the most a detector of that kind finds at no fewer false alarms
//! than ours.

use crate::published::{esd_anomalies, shesd_steps, windowed_z, DAY_5M};
use crate::scenario::{EventKind, ScenarioSeries, BUCKET_5M};
use crate::{detect_series, set_zone, snap_series, Gaps, SpikeParams};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::fmt;

/// The z-score thresholds swept (3 is the textbook three sigma).
pub const Z_SWEEP: [f64; 8] = [3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 25.0];
/// The ESD significance levels swept (0.05 is AnomalyDetection's default).
pub const ALPHA_SWEEP: [f64; 8] = [0.05, 1e-3, 1e-6, 1e-10, 1e-20, 1e-40, 1e-80, 1e-160];
/// AnomalyDetection's default share of anomalies a piece may hold at most.
pub const MAX_ANOMS: f64 = 0.10;

/// One detector's score over a set of series.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Score {
    pub detector: String,
    /// Per event kind: (found, labelled).
    pub by_kind: BTreeMap<EventKind, (usize, usize)>,
    pub false_alarms: usize,
    pub series_weeks: f64,
    /// Minutes from each found event's start to the alarm that found it.
    pub delays: Vec<f64>,
}

impl Score {
    fn new(detector: String) -> Self {
        Score {
            detector,
            by_kind: EventKind::ALL.iter().map(|k| (*k, (0, 0))).collect(),
            ..Score::default()
        }
    }

    pub fn found(&self) -> usize {
        self.by_kind.values().map(|c| c.0).sum()
    }

    pub fn labelled(&self) -> usize {
        self.by_kind.values().map(|c| c.1).sum()
    }

    pub fn false_alarms_per_series_week(&self) -> f64 {
        self.false_alarms as f64 / self.series_weeks.max(1e-9)
    }

    pub fn median_delay(&self) -> Option<f64> {
        let mut d = self.delays.clone();
        (!d.is_empty()).then(|| crate::baseline::median(&mut d))
    }

    /// Score the alarm starts of one series.
    fn add(&mut self, series: &ScenarioSeries, alarms: &[DateTime<Utc>]) {
        for e in &series.events {
            let hit = alarms.iter().find(|a| (e.start..e.window_end).contains(a));
            let c = self.by_kind.entry(e.kind).or_default();
            c.1 += 1;
            if let Some(a) = hit {
                c.0 += 1;
                self.delays.push((*a - e.start).num_seconds() as f64 / 60.0);
            }
        }
        self.false_alarms += alarms
            .iter()
            .filter(|a| {
                **a >= series.scored_from
                    && !series
                        .events
                        .iter()
                        .any(|e| (e.start..e.window_end + Duration::hours(1)).contains(a))
            })
            .count();
        self.series_weeks += (series.end - series.scored_from).num_seconds() as f64 / 604_800.0;
    }
}

/// The scores of the three detectors on one set.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub set: String,
    pub series: usize,
    pub websense: Score,
    /// One score per threshold of [`Z_SWEEP`] and of [`ALPHA_SWEEP`].
    pub zscore: Vec<Score>,
    pub shesd: Vec<Score>,
}

/// The starts of runs of consecutive `true` buckets.
fn run_starts(flags: &[bool], start: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    (0..flags.len())
        .filter(|&i| flags[i] && (i == 0 || !flags[i - 1]))
        .map(|i| start + Duration::seconds(i as i64 * BUCKET_5M))
        .collect()
}

/// Run websense's detector (with `params`, the cycle in Amsterdam time) and both published
/// detectors over their sweeps on every series of a set.
pub fn compare(set: &str, series: &[ScenarioSeries], params: &SpikeParams) -> Comparison {
    let mut websense = Score::new("websense".into());
    let mut zscore: Vec<Score> = Z_SWEEP
        .iter()
        .map(|z| Score::new(format!("z-score, z >= {z}")))
        .collect();
    let mut shesd: Vec<Score> = ALPHA_SWEEP
        .iter()
        .map(|a| Score::new(format!("SH-ESD, alpha {a:e}")))
        .collect();
    for s in series {
        let Some(snapped) = snap_series(&s.points, BUCKET_5M, Gaps::Unknown, false) else {
            continue;
        };
        let mut grid = snapped.series;
        set_zone(&mut grid, chrono_tz::Europe::Amsterdam);
        let alarms: Vec<DateTime<Utc>> = detect_series(&grid, params)
            .iter()
            .map(|spike| spike.detected_at)
            .collect();
        websense.add(s, &alarms);

        let z = windowed_z(&grid.values, DAY_5M);
        for (score, threshold) in zscore.iter_mut().zip(Z_SWEEP) {
            let flags: Vec<bool> = z
                .iter()
                .map(|z| z.is_some_and(|z| z >= threshold))
                .collect();
            score.add(s, &run_starts(&flags, grid.start));
        }
        let steps = shesd_steps(&grid.values, DAY_5M, 14 * DAY_5M, MAX_ANOMS);
        for (score, alpha) in shesd.iter_mut().zip(ALPHA_SWEEP) {
            let flags = esd_anomalies(&steps, alpha, grid.values.len());
            score.add(s, &run_starts(&flags, grid.start));
        }
    }
    Comparison {
        set: set.to_string(),
        series: series.len(),
        websense,
        zscore,
        shesd,
    }
}

impl Comparison {
    /// The point of a sweep websense is compared with: the fewest false alarms that are
    /// still at least websense's (else the sweep's most).
    pub fn matched<'a>(&self, sweep: &'a [Score]) -> &'a Score {
        let ours = self.websense.false_alarms_per_series_week();
        sweep
            .iter()
            .filter(|s| s.false_alarms_per_series_week() >= ours)
            .min_by(|a, b| {
                a.false_alarms_per_series_week()
                    .total_cmp(&b.false_alarms_per_series_week())
            })
            .or_else(|| sweep.iter().max_by_key(|s| s.false_alarms))
            .expect("a sweep has points")
    }

    /// Whether websense finds more events than each published detector at its matched
    /// point, with no more false alarms.
    pub fn websense_wins(&self) -> bool {
        [&self.zscore, &self.shesd].iter().all(|sweep| {
            let other = self.matched(sweep);
            self.websense.found() > other.found()
                && self.websense.false_alarms_per_series_week()
                    <= other.false_alarms_per_series_week()
        })
    }
}

fn row(f: &mut fmt::Formatter<'_>, s: &Score, label: &str) -> fmt::Result {
    write!(f, "| {label} |")?;
    for kind in EventKind::ALL {
        let (found, n) = s.by_kind.get(&kind).copied().unwrap_or_default();
        write!(f, " {found}/{n} |")?;
    }
    let delay = s
        .median_delay()
        .map_or("-".to_string(), |d| format!("{d:.0} min"));
    writeln!(
        f,
        " {}/{} ({:.1}%) | {:.2} | {delay} |",
        s.found(),
        s.labelled(),
        100.0 * s.found() as f64 / s.labelled().max(1) as f64,
        s.false_alarms_per_series_week()
    )
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} series, {:.1} series-weeks scored, {} labelled events",
            self.set,
            self.series,
            self.websense.series_weeks,
            self.websense.labelled()
        )?;
        write!(f, "| detector |")?;
        for kind in EventKind::ALL {
            write!(f, " {} |", kind.name())?;
        }
        writeln!(
            f,
            " all found | false alarms / series-week | median delay |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|---|")?;
        row(f, &self.websense, "**websense**")?;
        let z = self.matched(&self.zscore);
        row(f, z, &format!("{} (matched)", z.detector))?;
        let e = self.matched(&self.shesd);
        row(f, e, &format!("{} (matched)", e.detector))?;
        writeln!(
            f,
            "websense finds more than each at no more false alarms: {}",
            if self.websense_wins() { "yes" } else { "NO" }
        )?;
        writeln!(f, "sweeps:")?;
        for s in self.zscore.iter().chain(&self.shesd) {
            row(f, s, &s.detector)?;
        }
        Ok(())
    }
}
