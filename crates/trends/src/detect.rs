//! Spike detection over one regular series: seasonal robust baseline, two windows,
//! confirmation, episodes. See the crate documentation for the method.

use crate::baseline::{median, ratio, Baseline};
pub use crate::series::fill_series;
use crate::series::{regular, time_at};
use crate::SpikeParams;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use websense_model::BucketSize;

/// The window that found a spike.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Single buckets against the same slot of the seasonal cycle in earlier weeks.
    Short,
    /// The last `long_window` against the windows of the same length before them.
    Long,
}

/// Where a spike stands at the end of the series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpikeState {
    /// Confirmed in the last bucket: new.
    Open,
    /// Confirmed earlier and not closed yet.
    Ongoing,
    /// `close_after` quiet buckets have passed since its last active bucket.
    Closed,
}

/// What one window saw of a spike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowHit {
    pub window: Window,
    /// Short: from the first to the end of the last hot bucket. Long: the window of the
    /// strongest test.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Short: summed over the hot buckets. Long: the window's total and the median of the
    /// earlier windows' totals.
    pub observed: f64,
    pub expected: f64,
    /// `observed / max(expected, 1)`.
    pub ratio: f64,
    /// The highest score the window reached.
    pub score: f64,
}

/// A spike in a series, without what it is a series of.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeriesSpike {
    /// The first active bucket's start.
    pub start: DateTime<Utc>,
    /// The end of the last active bucket.
    pub end: DateTime<Utc>,
    /// The start of the bucket in which the spike was confirmed (an alert would go out then).
    pub detected_at: DateTime<Utc>,
    /// The start of the bucket with the highest short-window score.
    pub peak: DateTime<Utc>,
    /// Items in `start..end`, and what the seasonal baseline expected there.
    pub observed: f64,
    pub expected: f64,
    /// `observed / max(expected, 1)`.
    pub ratio: f64,
    /// The highest score of any window.
    pub score: f64,
    pub windows: Vec<WindowHit>,
    pub state: SpikeState,
}

impl SeriesSpike {
    pub fn fired(&self, window: Window) -> bool {
        self.windows.iter().any(|w| w.window == window)
    }
}

/// Find the spikes of a series, oldest first.
///
/// `series` is read as a regular series of `bucket`: each point is floored onto its bucket,
/// buckets between the first and the last point that are missing count 0, and points on the
/// same bucket are summed (so the series may come in any order). Give the series from the
/// start of its history (see [`fill_series`]): leading empty buckets are history too.
pub fn detect(
    series: &[(DateTime<Utc>, f64)],
    bucket: BucketSize,
    params: &SpikeParams,
) -> Vec<SeriesSpike> {
    match regular(series, bucket) {
        Some((values, origin)) => Detector::new(bucket, params).run(&values, origin),
        None => Vec::new(),
    }
}

/// One bucket of a series as the short window sees it: for drawing the expected band
/// under a trend chart, and for explaining a spike.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BucketScore {
    pub at: DateTime<Utc>,
    pub observed: f64,
    /// `None` while the history is too short for a baseline.
    pub expected: Option<f64>,
    /// The standard deviation the score divides by.
    pub scale: Option<f64>,
    pub score: Option<f64>,
    /// Score, ratio and volume all passed their thresholds.
    pub hot: bool,
}

/// Every bucket of a series (read as by [`detect`]) with its expectation and score.
pub fn score_series(
    series: &[(DateTime<Utc>, f64)],
    bucket: BucketSize,
    params: &SpikeParams,
) -> Vec<BucketScore> {
    let Some((values, origin)) = regular(series, bucket) else {
        return Vec::new();
    };
    let detector = Detector::new(bucket, params);
    detector
        .evaluate(&values)
        .into_iter()
        .zip(&values)
        .enumerate()
        .map(|(i, (e, &observed))| BucketScore {
            at: time_at(origin + i as i64 * bucket.seconds()),
            observed,
            expected: e.map(|e| e.expected),
            scale: e.map(|e| e.scale),
            score: e.map(|e| e.score),
            hot: e.is_some_and(|e| e.hot),
        })
        .collect()
}

/// One bucket as the short window sees it.
#[derive(Clone, Copy, Debug)]
struct BucketEval {
    expected: f64,
    scale: f64,
    score: f64,
    hot: bool,
    very_hot: bool,
}

struct Detector<'p> {
    params: &'p SpikeParams,
    size: i64,
    /// Buckets per week and per day (at least 1).
    week: usize,
    day: usize,
    long_len: usize,
}

/// A spike being followed.
struct Episode {
    start: usize,
    end: usize,
    detected: usize,
    quiet: u32,
    peak: usize,
    peak_score: f64,
    short: Option<(usize, usize, f64, f64, f64)>,
    long: Option<(usize, f64, f64, f64)>,
}

impl<'p> Detector<'p> {
    fn new(bucket: BucketSize, params: &'p SpikeParams) -> Self {
        let size = bucket.seconds();
        let per = |secs: i64| ((secs / size).max(1)) as usize;
        Detector {
            params,
            size,
            week: per(7 * 86_400),
            day: per(86_400),
            long_len: per(i64::from(crate::params::whole_hours(params.long_window)) * 3600),
        }
    }

    /// The same slot in up to `cycles` earlier periods, `slot_spread` buckets either side;
    /// `None` when fewer than `min_cycles` periods lie before `t`.
    fn slot_baseline(
        &self,
        values: &[f64],
        t: usize,
        period: usize,
        cycles: u32,
        min_cycles: u32,
    ) -> Option<Baseline> {
        let available = (t / period).min(cycles as usize);
        if available < min_cycles.max(1) as usize {
            return None;
        }
        // Neighbours that would reach into the next period are left out: they would be
        // the same buckets again.
        let spread = if period > 2 * self.params.slot_spread as usize {
            self.params.slot_spread as usize
        } else {
            0
        };
        let mut samples = Vec::with_capacity(available * (2 * spread + 1));
        for k in 1..=available {
            let centre = t - k * period;
            let lo = centre.saturating_sub(spread);
            let hi = (centre + spread).min(t - 1);
            samples.extend_from_slice(&values[lo..=hi]);
        }
        Some(Baseline::of(&mut samples))
    }

    fn baseline(&self, values: &[f64], t: usize) -> Option<Baseline> {
        let p = self.params;
        self.slot_baseline(values, t, self.week, p.baseline_weeks, p.min_baseline_weeks)
            .or_else(|| {
                self.slot_baseline(values, t, self.day, p.fallback_days, p.min_fallback_days)
            })
    }

    /// Every bucket as the short window sees it (`None`: too little history).
    fn evaluate(&self, values: &[f64]) -> Vec<Option<BucketEval>> {
        let p = self.params;
        let baselines: Vec<Option<Baseline>> = (0..values.len())
            .map(|t| self.baseline(values, t))
            .collect();
        let mut dispersion = None;
        (0..values.len())
            .map(|t| {
                if t % self.day == 0 {
                    dispersion = self.dispersion(values, &baselines, t);
                }
                let b = baselines[t]?;
                let observed = values[t];
                let scale = match dispersion {
                    Some(d) => b.model_variance(d).sqrt(),
                    None => b.scale,
                };
                let score = (observed - b.expected) / scale;
                let hot = score >= p.score
                    && observed >= p.min_ratio * b.expected
                    && observed >= p.min_volume;
                Some(BucketEval {
                    expected: b.expected,
                    scale,
                    score,
                    hot,
                    very_hot: hot && score >= p.single_bucket_score,
                })
            })
            .collect()
    }

    /// The over-dispersion `φ` of the series, from the residuals of the `baseline_weeks`
    /// before `t`: the value at which the squared residuals divided by their model
    /// variance have the median of a squared standard normal, `m`. Each ratio falls as `φ`
    /// grows, and residual `i` stays above `m` exactly while `φ` is below
    /// `φ_i = (r_i / (c_i·e_i·m) − 1) / e_i` (`r_i` the squared residual, `e_i` the expected
    /// count, `c_i` the median-error factor), so the answer is the median of the `φ_i`,
    /// never below 0. A median, so the spikes among the residuals do not count; pooled over
    /// weeks of buckets, so it is steadier than the MAD of one slot's dozen samples. `None`
    /// while fewer than two days of residuals exist.
    fn dispersion(&self, values: &[f64], baselines: &[Option<Baseline>], t: usize) -> Option<f64> {
        const CHI2_1_MEDIAN: f64 = 0.454_936;
        let from = t.saturating_sub(self.week * self.params.baseline_weeks.max(1) as usize);
        let mut per_bucket: Vec<f64> = (from..t)
            .filter_map(|i| {
                let b = baselines[i]?;
                let squared = (values[i] - b.expected).powi(2);
                let mean = b.expected.max(1.0);
                let poisson = b.model_variance(0.0);
                Some((squared / (poisson * CHI2_1_MEDIAN) - 1.0) / mean)
            })
            .collect();
        if per_bucket.len() < (2 * self.day).max(14) {
            return None;
        }
        Some(median(&mut per_bucket).max(0.0))
    }

    /// The long window ending with bucket `t`, over `prefix` sums of the cleaned series:
    /// `(baseline, observed)` when enough earlier windows exist.
    fn long_window(&self, prefix: &[f64], t: usize) -> Option<(Baseline, f64)> {
        let p = self.params;
        let len = self.long_len;
        let end = t + 1;
        let windows = (end / len).saturating_sub(1).min(p.long_history as usize);
        if windows < p.min_long_history.max(1) as usize {
            return None;
        }
        let sum = |hi: usize| prefix[hi] - prefix[hi - len];
        let mut totals: Vec<f64> = (1..=windows).map(|j| sum(end - j * len)).collect();
        Some((Baseline::of(&mut totals), sum(end)))
    }

    fn run(&self, values: &[f64], origin: i64) -> Vec<SeriesSpike> {
        let p = self.params;
        let n = values.len();
        let at = |i: usize| time_at(origin + i as i64 * self.size);
        let evals = self.evaluate(values);
        let hot = |i: usize| evals[i].is_some_and(|e| e.hot);
        // The long window looks for excess the short window has not explained: buckets of
        // a spike it found count as their expected value there.
        let mut cleaned = values.to_vec();
        let mut prefix = vec![0.0; n + 1];
        let confirm_window = p.confirm_window.max(1) as usize;
        let mut spikes = Vec::new();
        let mut episode: Option<Episode> = None;

        for t in 0..n {
            let window_lo = (t + 1).saturating_sub(confirm_window);
            let recent_hot = (window_lo..=t).filter(|&i| hot(i)).count();
            let short_fires = evals[t].is_some_and(|e| {
                e.very_hot || (e.hot && recent_hot >= p.confirm_hits.max(1) as usize)
            });
            let opening_short = short_fires && episode.is_none();
            // The hot buckets this spike explains: on opening, those of the confirmation
            // window; later, each hot bucket.
            let explained_from = if opening_short { window_lo } else { t };
            if episode.is_some() || short_fires {
                for i in explained_from..=t {
                    if let Some(e) = evals[i].filter(|e| e.hot) {
                        cleaned[i] = e.expected;
                    }
                }
            }
            // `prefix` is exact up to `explained_from`; refresh the rest.
            for i in explained_from.min(t)..=t {
                prefix[i + 1] = prefix[i] + cleaned[i];
            }
            let long = self.long_window(&prefix, t).filter(|(b, observed)| {
                b.score(*observed) >= p.long_score
                    && *observed >= p.long_min_ratio * b.expected
                    && *observed >= p.long_min_volume
            });

            let active = short_fires || hot(t) || long.is_some();
            if episode.is_none() && (short_fires || long.is_some()) {
                let start = if short_fires {
                    (window_lo..=t).find(|&i| hot(i)).unwrap_or(t)
                } else {
                    t
                };
                episode = Some(Episode {
                    start,
                    end: t,
                    detected: t,
                    quiet: 0,
                    peak: t,
                    peak_score: f64::NEG_INFINITY,
                    short: None,
                    long: None,
                });
                if let Some(ep) = episode.as_mut() {
                    for i in start..t {
                        if hot(i) {
                            ep.note_short(i, values[i], evals[i]);
                        }
                    }
                }
            }
            let Some(ep) = episode.as_mut() else { continue };
            if active {
                ep.end = t;
                ep.quiet = 0;
                if hot(t) {
                    ep.note_short(t, values[t], evals[t]);
                }
                if let Some((b, observed)) = long {
                    let score = b.score(observed);
                    if ep.long.is_none_or(|(_, _, _, s)| score > s) {
                        ep.long = Some((t, observed, b.expected, score));
                    }
                }
            } else {
                ep.quiet += 1;
                if ep.quiet >= p.close_after.max(1) {
                    let ep = episode.take().expect("episode is open");
                    spikes.push(self.finish(ep, values, &evals, &at, SpikeState::Closed));
                }
            }
        }
        if let Some(ep) = episode {
            let state = if ep.detected + 1 == n && ep.quiet == 0 {
                SpikeState::Open
            } else {
                SpikeState::Ongoing
            };
            spikes.push(self.finish(ep, values, &evals, &at, state));
        }
        spikes
    }

    fn finish(
        &self,
        ep: Episode,
        values: &[f64],
        evals: &[Option<BucketEval>],
        at: &impl Fn(usize) -> DateTime<Utc>,
        state: SpikeState,
    ) -> SeriesSpike {
        let observed: f64 = values[ep.start..=ep.end].iter().sum();
        let expected: f64 = evals[ep.start..=ep.end]
            .iter()
            .map(|e| e.map_or(0.0, |e| e.expected))
            .sum();
        let mut windows = Vec::new();
        if let Some((first, last, obs, exp, score)) = ep.short {
            windows.push(WindowHit {
                window: Window::Short,
                start: at(first),
                end: at(last + 1),
                observed: obs,
                expected: exp,
                ratio: ratio(obs, exp),
                score,
            });
        }
        if let Some((t, obs, exp, score)) = ep.long {
            windows.push(WindowHit {
                window: Window::Long,
                start: at(t + 1 - self.long_len),
                end: at(t + 1),
                observed: obs,
                expected: exp,
                ratio: ratio(obs, exp),
                score,
            });
        }
        let score = windows
            .iter()
            .map(|w| w.score)
            .fold(f64::NEG_INFINITY, f64::max);
        SeriesSpike {
            start: at(ep.start),
            end: at(ep.end + 1),
            detected_at: at(ep.detected),
            peak: at(ep.peak),
            observed,
            expected,
            ratio: ratio(observed, expected),
            score,
            windows,
            state,
        }
    }
}

impl Episode {
    fn note_short(&mut self, i: usize, observed: f64, eval: Option<BucketEval>) {
        let Some(e) = eval else { return };
        if e.score > self.peak_score {
            self.peak = i;
            self.peak_score = e.score;
        }
        self.short = Some(match self.short {
            None => (i, i, observed, e.expected, e.score),
            Some((first, _, obs, exp, score)) => (
                first,
                i,
                obs + observed,
                exp + e.expected,
                score.max(e.score),
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Poisson};

    /// Monday 1 January 2024.
    fn monday() -> DateTime<Utc> {
        DateTime::from_timestamp(1_704_067_200, 0).unwrap()
    }

    fn hourly(values: &[f64]) -> Vec<(DateTime<Utc>, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (monday() + chrono::Duration::hours(i as i64), *v))
            .collect()
    }

    fn hour(i: usize) -> DateTime<Utc> {
        monday() + chrono::Duration::hours(i as i64)
    }

    fn spikes(values: &[f64]) -> Vec<SeriesSpike> {
        detect(&hourly(values), BucketSize::Hour, &SpikeParams::default())
    }

    fn noisy(rates: impl Iterator<Item = f64>, seed: u64) -> Vec<f64> {
        let mut rng = StdRng::seed_from_u64(seed);
        rates
            .map(|r| Poisson::new(r).unwrap().sample(&mut rng))
            .collect()
    }

    #[test]
    fn fill_series_floors_sums_and_fills_gaps() {
        let t = |h: i64, m: i64| monday() + chrono::Duration::minutes(h * 60 + m);
        let filled = fill_series(
            [
                (t(1, 10), 2.0),
                (t(1, 50), 3.0),
                (t(3, 0), 4.0),
                (t(9, 0), 7.0),
            ],
            BucketSize::Hour,
            t(0, 30),
            t(4, 0),
        );
        assert_eq!(
            filled,
            vec![(t(1, 0), 5.0), (t(2, 0), 0.0), (t(3, 0), 4.0)],
            "buckets start in [00:30, 04:00): 01, 02, 03"
        );
    }

    #[test]
    fn medians_of_odd_and_even_samples() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn a_tripled_bucket_opens_a_spike_that_closes_after_quiet_buckets() {
        let mut values = vec![40.0; 3 * 168];
        assert!(spikes(&values).is_empty(), "a flat series has no spikes");
        values.push(120.0);
        let found = spikes(&values);
        assert_eq!(found.len(), 1);
        let s = &found[0];
        assert_eq!(
            (s.start, s.end, s.detected_at, s.peak),
            (hour(504), hour(505), hour(504), hour(504))
        );
        assert_eq!((s.observed, s.expected, s.ratio), (120.0, 40.0, 3.0));
        assert_eq!(s.state, SpikeState::Open);
        assert!(s.fired(Window::Short) && !s.fired(Window::Long));
        assert!(s.score > 10.0, "{}", s.score);

        values.push(40.0);
        assert_eq!(spikes(&values)[0].state, SpikeState::Ongoing);
        values.push(40.0);
        let closed = spikes(&values);
        assert_eq!(closed[0].state, SpikeState::Closed);
        assert_eq!(closed[0].end, hour(505));
    }

    #[test]
    fn one_bucket_just_over_the_threshold_does_not_alert_but_two_of_three_do() {
        // At 40 an hour the scale is sqrt(40 * (1 + pi/24)) = 6.75: 61 scores 3.1.
        let base = vec![40.0; 3 * 168];
        let with = |tail: &[f64]| spikes(&[base.as_slice(), tail].concat());
        assert!(with(&[61.0, 40.0, 40.0, 40.0]).is_empty());
        let two = with(&[61.0, 40.0, 61.0, 40.0, 40.0]);
        assert_eq!(two.len(), 1);
        assert_eq!((two[0].start, two[0].detected_at), (hour(504), hour(506)));
        assert_eq!(two[0].windows[0].observed, 122.0);
        assert!(
            with(&[61.0, 40.0, 40.0, 61.0]).is_empty(),
            "two hot buckets, but not within three"
        );
    }

    #[test]
    fn buckets_under_the_volume_floor_do_not_alert() {
        let mut values = vec![2.0; 3 * 168];
        values.push(9.0);
        assert!(
            spikes(&values).is_empty(),
            "4.5x, but 9 is under the floor of 10"
        );
        values.push(12.0);
        assert_eq!(spikes(&values).len(), 1);
    }

    #[test]
    fn daily_and_weekly_cycles_are_expected_and_a_spike_at_night_is_found() {
        let rate = |i: usize| {
            let day = 1.0 + 0.8 * (2.0 * std::f64::consts::PI * (i % 24) as f64 / 24.0).cos();
            let weekend = if (i / 24) % 7 >= 5 { 0.5 } else { 1.0 };
            60.0 * day * weekend
        };
        let values = noisy((0..6 * 168).map(rate), 7);
        let found = spikes(&values);
        assert!(found.is_empty(), "a regular cycle is no spike: {found:?}");
        // The night's low (12 an hour at 12:00 UTC) tripled is below the day's peak.
        let night = 5 * 168 + 2 * 24 + 12;
        let mut spiked = values.clone();
        spiked[night] = 3.0 * rate(night);
        assert!(spiked[night] < rate(0));
        let found = spikes(&spiked);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].detected_at, hour(night));
    }

    #[test]
    fn the_long_window_catches_a_slow_surge_no_bucket_shows() {
        // 1.6x for a day: each bucket scores (32 - 20) / 4.75 = 2.5, under the threshold.
        let mut values = vec![20.0; 3 * 168];
        values.extend([32.0; 24]);
        let found = spikes(&values);
        assert_eq!(found.len(), 1, "{found:?}");
        let s = &found[0];
        assert!(s.fired(Window::Long) && !s.fired(Window::Short));
        let long = &s.windows[0];
        assert_eq!((long.observed, long.expected), (768.0, 480.0));
        assert_eq!(s.state, SpikeState::Ongoing);
        // It fires once the excess makes the day 1.5 times its usual total: after 20 hours.
        assert_eq!(s.detected_at, hour(3 * 168 + 19));
    }

    #[test]
    fn a_burst_does_not_fire_the_long_window_for_the_day_after() {
        let mut values = vec![40.0; 3 * 168];
        values.extend([160.0; 6]);
        values.extend([40.0; 30]);
        let found = spikes(&values);
        assert_eq!(found.len(), 1, "{found:?}");
        let s = &found[0];
        assert!(s.fired(Window::Short) && !s.fired(Window::Long));
        assert_eq!(
            (s.start, s.end, s.state),
            (hour(504), hour(510), SpikeState::Closed)
        );
        assert_eq!((s.observed, s.expected), (960.0, 240.0));
    }

    #[test]
    fn short_history_falls_back_to_the_time_of_day_then_to_nothing() {
        let mut values = vec![40.0; 5 * 24];
        values.push(120.0);
        let found = spikes(&values);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].detected_at, hour(120));
        let mut young = vec![40.0; 2 * 24];
        young.push(400.0);
        assert!(spikes(&young).is_empty(), "two days are too little history");
    }

    #[test]
    fn over_dispersion_widens_the_scale() {
        let scale_at_end = |values: &[f64]| {
            let scored = score_series(&hourly(values), BucketSize::Hour, &SpikeParams::default());
            scored.last().unwrap().scale.unwrap()
        };
        let calm = noisy((0..5 * 168).map(|_| 100.0), 3);
        let mut rng = StdRng::seed_from_u64(3);
        let gamma = rand_distr::Gamma::new(10.0, 10.0).unwrap();
        let wild: Vec<f64> = (0..5 * 168)
            .map(|_| {
                Poisson::new(gamma.sample(&mut rng))
                    .unwrap()
                    .sample(&mut rng)
            })
            .collect();
        let (calm, wild) = (scale_at_end(&calm), scale_at_end(&wild));
        // Poisson: sqrt(100 * 1.13) = 10.6; dispersion 1/10: sqrt(1100 * 1.13) = 35.
        assert!((9.0..13.0).contains(&calm), "{calm}");
        assert!((28.0..42.0).contains(&wild), "{wild}");
    }
}
