//! The robust seasonal expectation of one bucket: median and scaled MAD of its samples.

/// A robust expectation for one value: the median of the samples, and the MAD scaled to a
/// normal standard deviation (never below the Poisson `sqrt(expected)`, nor below 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Baseline {
    pub(crate) expected: f64,
    pub(crate) scale: f64,
    pub(crate) samples: usize,
}

impl Baseline {
    pub(crate) fn of(samples: &mut [f64]) -> Baseline {
        let expected = median(samples);
        for s in samples.iter_mut() {
            *s = (*s - expected).abs();
        }
        let mad = median(samples);
        Baseline {
            expected,
            scale: (1.4826 * mad).max(expected.max(1.0).sqrt()),
            samples: samples.len(),
        }
    }

    pub(crate) fn score(&self, observed: f64) -> f64 {
        (observed - self.expected) / self.scale
    }

    /// The variance of `observed - expected` under the count model with `dispersion`:
    /// `mean + dispersion * mean²` for the count, times `1 + pi / 2n` for the error of a
    /// median of `n` samples.
    pub(crate) fn model_variance(&self, dispersion: f64) -> f64 {
        let mean = self.expected.max(1.0);
        (mean + dispersion * mean * mean)
            * (1.0 + std::f64::consts::FRAC_PI_2 / self.samples.max(1) as f64)
    }
}

/// The median, reordering `xs` (linear time: it runs thousands of times per series).
pub(crate) fn median(xs: &mut [f64]) -> f64 {
    let n = xs.len();
    if n == 0 {
        return 0.0;
    }
    let (below, upper, _) = xs.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        let lower = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

pub(crate) fn ratio(observed: f64, expected: f64) -> f64 {
    observed / expected.max(1.0)
}
