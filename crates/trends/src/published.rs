//! Two published detectors, as yardsticks for ours in the evaluation (`compare.rs`):
//!
//! * a **windowed Gaussian z-score** (as in the Numenta Anomaly Benchmark's baseline): each
//!   bucket against the mean and standard deviation of the known buckets of the day before
//!   it (`Z_WINDOW`), an alarm at `z >= threshold`;
//! * a **seasonal hybrid ESD** in the manner of Twitter's AnomalyDetection
//!   (`AnomalyDetectionTs(direction = "pos", longterm = TRUE)`): the series in pieces of two
//!   weeks; in each piece the daily cycle (the median of each time of day over the piece)
//!   and the piece's median are taken out, and the generalized ESD test with median and MAD
//!   picks the anomalies among the residuals, at most `max_anoms` of the piece, at
//!   significance `alpha`. It reads each piece whole, future included: more than an early
//!   warning can know, which favours it.
//!
//! Both return, per bucket, whether it is anomalous; unknown buckets never are.

use crate::baseline::median;
use crate::stats::student_t_upper;

/// Buckets per day at 5 minutes: the window of the z-score and the period of the ESD.
pub const DAY_5M: usize = 288;

/// The z-score of each known bucket against the known buckets of the `window` before it
/// (`None` while fewer than half of them are known, or they do not vary).
pub fn windowed_z(values: &[Option<f64>], window: usize) -> Vec<Option<f64>> {
    let mut sum = 0.0;
    let mut sq = 0.0;
    let mut k = 0usize;
    let mut out = Vec::with_capacity(values.len());
    for t in 0..values.len() {
        if t >= 1 {
            if let Some(v) = values[t - 1] {
                sum += v;
                sq += v * v;
                k += 1;
            }
        }
        if t > window {
            if let Some(v) = values[t - 1 - window] {
                sum -= v;
                sq -= v * v;
                k -= 1;
            }
        }
        let z = values[t].and_then(|x| {
            if 2 * k < window {
                return None;
            }
            let mean = sum / k as f64;
            let var = (sq / k as f64 - mean * mean).max(0.0);
            (var > 0.0).then(|| (x - mean) / var.sqrt())
        });
        out.push(z);
    }
    out
}

/// One ESD removal: the bucket, its test statistic, and how many values remained.
#[derive(Clone, Copy, Debug)]
pub struct EsdStep {
    pub index: usize,
    pub statistic: f64,
    pub remaining: usize,
}

/// The seasonal hybrid ESD's removals, piece by piece: up to `max_anoms` of each piece of
/// `piece` buckets, in the order the test removes them. [`esd_anomalies`] turns them into
/// anomalies for a significance level; the removals do not depend on it.
pub fn shesd_steps(
    values: &[Option<f64>],
    period: usize,
    piece: usize,
    max_anoms: f64,
) -> Vec<Vec<EsdStep>> {
    let mut pieces = Vec::new();
    let mut from = 0;
    while from < values.len() {
        // A short tail joins the piece before it, as AnomalyDetection's longterm mode does.
        let mut to = (from + piece).min(values.len());
        if values.len() - to < piece / 2 {
            to = values.len();
        }
        pieces.push(piece_steps(values, from, to, period, max_anoms));
        from = to;
    }
    pieces
}

fn piece_steps(
    values: &[Option<f64>],
    from: usize,
    to: usize,
    period: usize,
    max_anoms: f64,
) -> Vec<EsdStep> {
    // Seasonal: the median of each slot of the period; hybrid: the piece's median in place
    // of a trend.
    let mut slots: Vec<Vec<f64>> = vec![Vec::new(); period.max(1)];
    for (i, v) in values.iter().enumerate().take(to).skip(from) {
        if let Some(v) = v {
            slots[i % period.max(1)].push(*v);
        }
    }
    let seasonal: Vec<f64> = slots.iter_mut().map(|s| median(s)).collect();
    let mut all: Vec<f64> = values[from..to].iter().flatten().copied().collect();
    let level = median(&mut all);
    let mut residuals: Vec<(usize, f64)> = (from..to)
        .filter_map(|i| values[i].map(|v| (i, v - seasonal[i % period.max(1)] - level)))
        .collect();
    let k = (max_anoms * residuals.len() as f64).floor() as usize;
    let mut steps = Vec::with_capacity(k);
    let mut scratch = Vec::with_capacity(residuals.len());
    for _ in 0..k {
        if residuals.len() < 3 {
            break;
        }
        scratch.clear();
        scratch.extend(residuals.iter().map(|r| r.1));
        let centre = median(&mut scratch);
        for s in scratch.iter_mut() {
            *s = (*s - centre).abs();
        }
        let mad = median(&mut scratch);
        if mad <= 0.0 {
            break;
        }
        let (pos, &(index, r)) = residuals
            .iter()
            .enumerate()
            .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1))
            .expect("residuals are not empty");
        steps.push(EsdStep {
            index,
            statistic: (r - centre) / mad,
            remaining: residuals.len(),
        });
        residuals.swap_remove(pos);
    }
    steps
}

/// The anomalous buckets of ESD removals at significance `alpha` (one-sided, upwards): the
/// first `m` removals of each piece, `m` the last step whose statistic exceeds its
/// critical value `λ = (n-1)·t / sqrt((n-2+t²)·n)`, `t` the Student t quantile at
/// `1 - alpha/n` with `n-2` degrees of freedom, `n` the values remaining.
pub fn esd_anomalies(pieces: &[Vec<EsdStep>], alpha: f64, len: usize) -> Vec<bool> {
    let mut out = vec![false; len];
    for steps in pieces {
        let m = steps
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                let n = s.remaining as f64;
                let t = student_t_upper(alpha / n, n - 2.0);
                let lambda = (n - 1.0) * t / ((n - 2.0 + t * t) * n).sqrt();
                s.statistic > lambda
            })
            .map(|(i, _)| i + 1)
            .max()
            .unwrap_or(0);
        for s in &steps[..m] {
            out[s.index] = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::normal_upper;

    #[test]
    fn normal_and_t_quantiles_match_tables() {
        assert!((normal_upper(0.025) - 1.959_964).abs() < 1e-5);
        assert!((normal_upper(1e-6) - 4.753_424).abs() < 1e-4);
        assert!((normal_upper(0.5)).abs() < 1e-9);
        // t(0.975, 100) = 1.983972.
        assert!((student_t_upper(0.025, 100.0) - 1.983_972).abs() < 1e-3);
    }

    #[test]
    fn the_z_score_sees_a_jump_and_the_esd_an_outlier_off_the_cycle() {
        let mut values: Vec<Option<f64>> = (0..4 * DAY_5M)
            .map(|i| Some(10.0 + ((i * 37) % 11) as f64 + 20.0 * ((i % DAY_5M) as f64 / 288.0)))
            .collect();
        values[3 * DAY_5M + 10] = Some(80.0);
        let z = windowed_z(&values, DAY_5M);
        assert!(z[3 * DAY_5M + 10].unwrap() > 5.0);
        assert!(z[10].is_none(), "no window yet");
        let steps = shesd_steps(&values, DAY_5M, 14 * DAY_5M, 0.02);
        let anomalies = esd_anomalies(&steps, 0.05, values.len());
        assert!(anomalies[3 * DAY_5M + 10]);
        assert_eq!(
            anomalies.iter().filter(|a| **a).count(),
            1,
            "the cycle is no anomaly"
        );
    }
}
