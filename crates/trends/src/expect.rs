//! What each bucket of a series is expected to hold: the short window's seasonal baseline
//! (same slot of the week, else of the day, else of the day or two a young series has), its scale under the
//! count model with a fitted over-dispersion, and the long window's totals. See the crate
//! documentation for the method.

use crate::baseline::{median, Baseline};
use crate::SpikeParams;
use serde::{Deserialize, Serialize};

/// Which history a bucket's expectation came from: how far it can be trusted.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum History {
    /// Less than `min_fallback_days` days (at least one): the same time of day on the days
    /// there are, with a widened scale (short history, wider uncertainty).
    Short,
    /// Less than `min_baseline_weeks` weeks: the same time of day over the last days (the
    /// weekly cycle is not known yet).
    Daily,
    /// The same slot of the week over the last weeks.
    #[default]
    Weekly,
}

/// One bucket as the short window sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BucketEval {
    pub(crate) expected: f64,
    pub(crate) scale: f64,
    pub(crate) score: f64,
    pub(crate) hot: bool,
    pub(crate) very_hot: bool,
    pub(crate) history: History,
}

/// The detector's view of a series: bucket arithmetic and the parameters.
pub(crate) struct Detector<'a> {
    pub(crate) params: &'a SpikeParams,
    /// Bucket length in seconds.
    pub(crate) size: i64,
    /// Buckets per week and per day (at least 1).
    pub(crate) week: usize,
    pub(crate) day: usize,
    pub(crate) long_len: usize,
    pub(crate) shift_len: usize,
    /// Buckets of the mid window; 0: off (fewer than 4 buckets).
    pub(crate) mid_len: usize,
    /// The UTC offset (seconds) of each bucket's local time; empty: the cycle is in UTC.
    offsets: &'a [i32],
}

fn buckets_in(d: std::time::Duration, size: i64) -> usize {
    ((d.as_secs() as i64 / size).max(1)) as usize
}

impl<'a> Detector<'a> {
    pub(crate) fn new(size: i64, params: &'a SpikeParams, offsets: &'a [i32]) -> Self {
        let size = size.max(1);
        let per = |secs: i64| ((secs / size).max(1)) as usize;
        Detector {
            params,
            size,
            week: per(7 * 86_400),
            day: per(86_400),
            long_len: per(i64::from(crate::params::whole_hours(params.long_window)) * 3600),
            // A level shift needs a few buckets whatever their size.
            shift_len: buckets_in(params.level_shift_after, size).max(3),
            mid_len: match params.mid_window.as_secs() as i64 / size {
                n if n >= 4 => n as usize,
                _ => 0,
            },
            offsets,
        }
    }

    /// `t - back`, moved by the change of UTC offset between the two buckets so that both
    /// have the same local time of day (a daylight-saving change moves the cycle by an hour
    /// in UTC; at 5-minute buckets the ±1 spread cannot absorb that).
    fn same_local_slot(&self, t: usize, back: usize) -> Option<usize> {
        let centre = t.checked_sub(back)?;
        if self.offsets.is_empty() {
            return Some(centre);
        }
        let shift = i64::from(self.offsets[t] - self.offsets[centre]) / self.size;
        let moved = centre as i64 + shift;
        (0..t as i64).contains(&moved).then_some(moved as usize)
    }

    /// The same slot in up to `cycles` earlier periods, `slot_spread` buckets either side;
    /// `None` when fewer than `min_cycles` periods lie before `t` or none of their samples
    /// is known.
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
            let Some(centre) = self.same_local_slot(t, k * period) else {
                continue;
            };
            let lo = centre.saturating_sub(spread);
            let hi = (centre + spread).min(t - 1);
            samples.extend(values[lo..=hi].iter().filter(|v| !v.is_nan()));
        }
        if samples.len() < min_cycles.max(1) as usize {
            return None;
        }
        Some(Baseline::of(&mut samples))
    }

    pub(crate) fn baseline(&self, values: &[f64], t: usize) -> Option<(Baseline, History)> {
        let p = self.params;
        if let Some(b) =
            self.slot_baseline(values, t, self.week, p.baseline_weeks, p.min_baseline_weeks)
        {
            return Some((b, History::Weekly));
        }
        if let Some(b) =
            self.slot_baseline(values, t, self.day, p.fallback_days, p.min_fallback_days)
        {
            return Some((b, History::Daily));
        }
        // A young series: the same time of day on the day or two it has.
        self.slot_baseline(values, t, self.day, p.fallback_days, 1)
            .map(|b| (b, History::Short))
    }

    /// Every bucket as the short window sees it (`None`: unknown, or too little history).
    pub(crate) fn evaluate(&self, values: &[f64]) -> Vec<Option<BucketEval>> {
        let p = self.params;
        let baselines: Vec<Option<(Baseline, History)>> = (0..values.len())
            .map(|t| self.baseline(values, t))
            .collect();
        let mut dispersion = None;
        (0..values.len())
            .map(|t| {
                if t % self.day == 0 {
                    dispersion = self.dispersion(values, &baselines, t);
                }
                let (b, history) = baselines[t]?;
                let observed = values[t];
                if observed.is_nan() {
                    return None;
                }
                let scale = match (dispersion, history) {
                    // A young series has a handful of samples: their own spread or the
                    // count model, whichever is wider, widened.
                    (d, History::Short) => {
                        b.scale.max(b.model_variance(d.unwrap_or(0.0)).sqrt())
                            * p.short_history_widen.max(1.0)
                    }
                    // The time of day alone does not know the weekday: wider.
                    (Some(d), History::Daily) => {
                        b.model_variance(d).sqrt() * p.daily_widen.max(1.0)
                    }
                    (Some(d), _) => b.model_variance(d).sqrt(),
                    (None, _) => b.scale,
                };
                let score = (observed - b.expected) / scale;
                let hot = score >= p.score
                    && observed >= p.min_ratio * b.expected
                    && observed >= p.min_volume;
                // One bucket alone alerts only when it is that rare under the count model
                // itself: the normal approximation's tail is far too light for
                // over-dispersed counts (a gamma-Poisson count with shape 4 lies 2.5 times
                // over its mean in one bucket of 200).
                let very_hot = hot
                    && score >= p.single_bucket_score
                    && crate::stats::tail_score(
                        observed,
                        b.expected.max(1.0),
                        (scale * scale).max(b.expected.max(1.0)),
                    ) >= p.single_bucket_tail;
                Some(BucketEval {
                    expected: b.expected,
                    scale,
                    score,
                    hot,
                    very_hot,
                    history,
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
    /// while fewer than two days of residuals exist. Only seasonal baselines count: the
    /// day or two of a young series are too few samples to fit on.
    fn dispersion(
        &self,
        values: &[f64],
        baselines: &[Option<(Baseline, History)>],
        t: usize,
    ) -> Option<f64> {
        const CHI2_1_MEDIAN: f64 = 0.454_936;
        let from = t.saturating_sub(self.week * self.params.baseline_weeks.max(1) as usize);
        let mut per_bucket: Vec<f64> = (from..t)
            .filter_map(|i| {
                let (b, history) = baselines[i]?;
                if history == History::Short || values[i].is_nan() {
                    return None;
                }
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

    /// The mid window ending with bucket `t`: its buckets summed, their summed
    /// expectation, and the excess over the square root of their summed variances. At
    /// 5-minute buckets a burst that builds over hours, or any rise in a busy series with
    /// wild buckets, shows in no single bucket and is still too short for the long window.
    pub(crate) fn mid_window(
        &self,
        cleaned: &[f64],
        evals: &[Option<BucketEval>],
        t: usize,
    ) -> Option<(f64, f64, f64)> {
        if self.mid_len == 0 || t + 1 < self.mid_len {
            return None;
        }
        let (mut observed, mut expected, mut variance, mut known) = (0.0, 0.0, 0.0, 0);
        for i in t + 1 - self.mid_len..=t {
            if let (Some(e), false) = (evals[i], cleaned[i].is_nan()) {
                if e.history == History::Short {
                    return None;
                }
                observed += cleaned[i];
                expected += e.expected;
                variance += e.scale * e.scale;
                known += 1;
            }
        }
        if 4 * known < 3 * self.mid_len || variance <= 0.0 {
            return None;
        }
        Some((observed, expected, (observed - expected) / variance.sqrt()))
    }

    /// The long window ending with bucket `t`: `(baseline, observed)` when enough earlier
    /// windows exist. `prefix` sums the cleaned series with unknown buckets as 0, `known`
    /// counts the known buckets: a window with under three quarters of its buckets known
    /// is left out, the others are scaled up to their full length.
    pub(crate) fn long_window(
        &self,
        prefix: &[f64],
        known: &[usize],
        t: usize,
    ) -> Option<(Baseline, f64)> {
        let p = self.params;
        let len = self.long_len;
        let end = t + 1;
        let total = |hi: usize| {
            let k = known[hi] - known[hi - len];
            (4 * k >= 3 * len).then(|| (prefix[hi] - prefix[hi - len]) * len as f64 / k as f64)
        };
        let windows = (end / len).saturating_sub(1).min(p.long_history as usize);
        if windows < p.min_long_history.max(1) as usize {
            return None;
        }
        let observed = total(end)?;
        let mut totals: Vec<f64> = (1..=windows).filter_map(|j| total(end - j * len)).collect();
        if totals.len() < p.min_long_history.max(1) as usize {
            return None;
        }
        Some((Baseline::of(&mut totals), observed))
    }
}
