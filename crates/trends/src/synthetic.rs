//! Synthetic hourly series with known injected spikes, and the evaluation of the detector
//! on them: recall within a delay and false alarms per series per week.

use crate::{detect, SeriesSpike, SpikeParams};
use chrono::{DateTime, Datelike, Timelike, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};
use serde::{Deserialize, Serialize};
use std::fmt;
use websense_model::BucketSize;

/// The noise on the expected hourly counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Noise {
    Poisson,
    /// Gamma-Poisson: variance `mean + mean² / dispersion` (smaller is noisier).
    NegativeBinomial {
        dispersion: f64,
    },
}

/// How the synthetic series are made and judged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalParams {
    pub series: usize,
    pub weeks: u32,
    pub seed: u64,
    /// Each series' mean hourly count is drawn log-uniformly from this range.
    pub min_base: f64,
    pub max_base: f64,
    pub noise: Noise,
    /// The first weeks are history only: no spikes are injected and no alarms counted there.
    pub warmup_weeks: u32,
    pub spikes_per_series: usize,
    /// Spikes multiply the expected count by this, for 1 to `max_spike_buckets` buckets.
    pub spike_factor: f64,
    pub max_spike_buckets: usize,
    /// A spike is found when it is detected at most this many buckets after its first.
    pub max_delay_buckets: usize,
    /// Spikes whose expected count before the spike is at least this are *eligible*:
    /// the target is that every one of them is found. Below about 30 a single tripled
    /// bucket is not rare enough under Poisson noise to tell from noise at a false-alarm
    /// rate anyone would accept.
    pub eligible_volume: f64,
}

impl Default for EvalParams {
    fn default() -> Self {
        EvalParams {
            series: 200,
            weeks: 8,
            seed: 1,
            min_base: 5.0,
            max_base: 200.0,
            noise: Noise::Poisson,
            warmup_weeks: 2,
            spikes_per_series: 4,
            spike_factor: 3.0,
            max_spike_buckets: 6,
            max_delay_buckets: 1,
            eligible_volume: 30.0,
        }
    }
}

/// One generated series with its injected spikes.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticSeries {
    pub points: Vec<(DateTime<Utc>, f64)>,
    /// The expected count of each bucket without spikes.
    pub baseline: Vec<f64>,
    pub spikes: Vec<Injected>,
}

/// A spike put into a series: buckets `start..end` (indices).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Injected {
    pub start: usize,
    pub end: usize,
    /// The expected count of the first bucket without the spike.
    pub base: f64,
}

/// Monday 1 January 2024, 00:00 UTC: where synthetic series start.
fn origin() -> DateTime<Utc> {
    DateTime::from_timestamp(1_704_067_200, 0).unwrap_or_default()
}

/// An hourly series with daily and weekly seasonality, a slow drift and noise, with
/// `spikes_per_series` spikes injected after the warm-up, at least two days apart.
pub fn generate(params: &EvalParams, rng: &mut StdRng) -> SyntheticSeries {
    let n = params.weeks as usize * 168;
    let base = (rng.random_range(params.min_base.ln()..=params.max_base.ln())).exp();
    let daily_amplitude = rng.random_range(0.3..0.8);
    let daily_peak = rng.random_range(10.0..22.0);
    let weekend = rng.random_range(0.6..1.0);
    let drift = rng.random_range(0.8..1.25);
    let baseline: Vec<f64> = (0..n)
        .map(|i| {
            let at = origin() + chrono::Duration::hours(i as i64);
            let hour = at.hour() as f64;
            let phase = 2.0 * std::f64::consts::PI * (hour - daily_peak) / 24.0;
            let day = 1.0 + daily_amplitude * phase.cos();
            let week = if at.weekday().number_from_monday() >= 6 {
                weekend
            } else {
                1.0
            };
            let trend = 1.0 + (drift - 1.0) * i as f64 / n as f64;
            base * day * week * trend
        })
        .collect();

    let mut spikes: Vec<Injected> = Vec::new();
    let first = params.warmup_weeks as usize * 168;
    let max_len = params.max_spike_buckets.max(1);
    for _ in 0..params.spikes_per_series * 20 {
        if spikes.len() == params.spikes_per_series || first + max_len + 48 >= n {
            break;
        }
        let start = rng.random_range(first..n - max_len);
        let len = rng.random_range(1..=max_len);
        if spikes
            .iter()
            .all(|s| start + len + 48 <= s.start || s.end + 48 <= start)
        {
            spikes.push(Injected {
                start,
                end: start + len,
                base: baseline[start],
            });
        }
    }
    spikes.sort_by_key(|s| s.start);

    let points = (0..n)
        .map(|i| {
            let factor = if spikes.iter().any(|s| (s.start..s.end).contains(&i)) {
                params.spike_factor
            } else {
                1.0
            };
            let at = origin() + chrono::Duration::hours(i as i64);
            (at, sample(params.noise, baseline[i] * factor, rng))
        })
        .collect();
    SyntheticSeries {
        points,
        baseline,
        spikes,
    }
}

fn sample(noise: Noise, mean: f64, rng: &mut StdRng) -> f64 {
    let mean = match noise {
        Noise::Poisson => mean,
        Noise::NegativeBinomial { dispersion } => match Gamma::new(dispersion, mean / dispersion) {
            Ok(g) => g.sample(rng),
            Err(_) => mean,
        },
    };
    match Poisson::new(mean) {
        Ok(p) => p.sample(rng),
        Err(_) => 0.0,
    }
}

/// Found and missed spikes of one group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RecallCount {
    pub injected: usize,
    /// Detected within `max_delay_buckets` of the start.
    pub found: usize,
    /// Detected, but later.
    pub late: usize,
}

impl RecallCount {
    pub fn recall(&self) -> f64 {
        if self.injected == 0 {
            1.0
        } else {
            self.found as f64 / self.injected as f64
        }
    }
}

/// What [`evaluate`] measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    pub params: EvalParams,
    pub series: usize,
    /// Weeks per series after the warm-up.
    pub weeks_evaluated: f64,
    pub all: RecallCount,
    /// Spikes whose expected count before the spike was at least `eligible_volume`.
    pub eligible: RecallCount,
    /// By expected count before the spike: `[lo, hi)` and the count.
    pub by_volume: Vec<(f64, f64, RecallCount)>,
    /// By spike length in buckets.
    pub by_length: Vec<(usize, RecallCount)>,
    /// Detected spikes overlapping no injected spike (nor the bucket after one).
    pub false_alarms: usize,
    pub false_alarms_per_series_week: f64,
    /// The most false alarms in one series.
    pub max_false_alarms_in_a_series: usize,
    /// Detected spikes the long window took part in.
    pub long_window_spikes: usize,
}

impl EvalReport {
    /// The target: every eligible spike found in time, under one false alarm per series-week.
    pub fn meets_target(&self) -> bool {
        self.eligible.found == self.eligible.injected && self.false_alarms_per_series_week < 1.0
    }
}

/// Generate `params.series` seeded series, detect, and count.
pub fn evaluate(params: &EvalParams, spike_params: &SpikeParams) -> EvalReport {
    let mut rng = StdRng::seed_from_u64(params.seed);
    let bands = [5.0, 10.0, 20.0, 30.0, 50.0, 100.0, f64::INFINITY];
    let mut report = EvalReport {
        params: params.clone(),
        series: params.series,
        weeks_evaluated: params.weeks.saturating_sub(params.warmup_weeks) as f64,
        all: RecallCount::default(),
        eligible: RecallCount::default(),
        by_volume: bands
            .windows(2)
            .map(|w| (w[0], w[1], RecallCount::default()))
            .collect(),
        by_length: (1..=params.max_spike_buckets.max(1))
            .map(|l| (l, RecallCount::default()))
            .collect(),
        false_alarms: 0,
        false_alarms_per_series_week: 0.0,
        max_false_alarms_in_a_series: 0,
        long_window_spikes: 0,
    };
    let warmup_end = params.warmup_weeks as usize * 168;
    for _ in 0..params.series {
        let series = generate(params, &mut rng);
        let detected = detect(&series.points, BucketSize::Hour, spike_params);
        let index = |t: DateTime<Utc>| ((t - origin()).num_hours()) as usize;
        let spans: Vec<(usize, usize, usize)> = detected
            .iter()
            .map(|s: &SeriesSpike| (index(s.start), index(s.end), index(s.detected_at)))
            .collect();
        report.long_window_spikes += detected
            .iter()
            .filter(|s| s.fired(crate::Window::Long))
            .count();
        for inj in &series.spikes {
            let hit = spans
                .iter()
                .filter(|(start, end, _)| *start < inj.end && inj.start < *end)
                .map(|&(_, _, detected)| detected)
                .min();
            let found = hit.is_some_and(|d| d <= inj.start + params.max_delay_buckets);
            let late = hit.is_some() && !found;
            let count = |c: &mut RecallCount| {
                c.injected += 1;
                c.found += found as usize;
                c.late += late as usize;
            };
            count(&mut report.all);
            if inj.base >= params.eligible_volume {
                count(&mut report.eligible);
            }
            if let Some((_, _, c)) = report
                .by_volume
                .iter_mut()
                .find(|(lo, hi, _)| (*lo..*hi).contains(&inj.base))
            {
                count(c);
            }
            if let Some((_, c)) = report
                .by_length
                .iter_mut()
                .find(|(l, _)| *l == inj.end - inj.start)
            {
                count(c);
            }
        }
        let false_alarms = spans
            .iter()
            .filter(|(start, end, _)| {
                *end > warmup_end
                    && !series
                        .spikes
                        .iter()
                        .any(|inj| *start < inj.end + 1 && inj.start < *end)
            })
            .count();
        report.false_alarms += false_alarms;
        report.max_false_alarms_in_a_series = report.max_false_alarms_in_a_series.max(false_alarms);
    }
    let series_weeks = params.series as f64 * report.weeks_evaluated;
    report.false_alarms_per_series_week = if series_weeks > 0.0 {
        report.false_alarms as f64 / series_weeks
    } else {
        0.0
    };
    report
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.params;
        let pct = |c: &RecallCount| 100.0 * c.recall();
        writeln!(
            f,
            "{} hourly series x {} weeks ({} evaluated), mean {}-{}/h, noise {:?}, seed {}",
            self.series, p.weeks, self.weeks_evaluated, p.min_base, p.max_base, p.noise, p.seed
        )?;
        writeln!(
            f,
            "spikes: {}x for 1-{} buckets; found = detected within {} bucket(s) of the start",
            p.spike_factor, p.max_spike_buckets, p.max_delay_buckets
        )?;
        writeln!(
            f,
            "recall, eligible (expected >= {}/bucket): {}/{} = {:.2}% ({} late)",
            p.eligible_volume,
            self.eligible.found,
            self.eligible.injected,
            pct(&self.eligible),
            self.eligible.late
        )?;
        writeln!(
            f,
            "recall, all: {}/{} = {:.2}% ({} late)",
            self.all.found,
            self.all.injected,
            pct(&self.all),
            self.all.late
        )?;
        for (lo, hi, c) in &self.by_volume {
            writeln!(
                f,
                "  expected {lo:>4}-{hi:<4}: {:>4}/{:<4} = {:6.2}% ({} late)",
                c.found,
                c.injected,
                pct(c),
                c.late
            )?;
        }
        for (len, c) in &self.by_length {
            writeln!(
                f,
                "  {len} bucket(s): {:>4}/{:<4} = {:6.2}% ({} late)",
                c.found,
                c.injected,
                pct(c),
                c.late
            )?;
        }
        write!(
            f,
            "false alarms: {} = {:.3} per series per week (at most {} in one series); {} spikes fired the long window",
            self.false_alarms,
            self.false_alarms_per_series_week,
            self.max_false_alarms_in_a_series,
            self.long_window_spikes
        )
    }
}
