//! Distribution functions the detectors need: the normal and Student t quantiles, and the
//! upper tail of the negative binomial (gamma-Poisson) count model.

/// The Student t quantile with upper tail `q` and `df` degrees of freedom, from the normal
/// quantile with the Cornish-Fisher terms (the ESD's `df` is in the thousands here).
pub(crate) fn student_t_upper(q: f64, df: f64) -> f64 {
    let z = normal_upper(q);
    let df = df.max(1.0);
    z + (z.powi(3) + z) / (4.0 * df)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * df * df)
}

/// The standard normal quantile with upper tail `q` (Acklam's rational approximation,
/// relative error under 1.2e-9).
pub(crate) fn normal_upper(q: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let q = q.clamp(1e-300, 1.0 - 1e-16);
    let p = 1.0 - q;
    if q < 0.02425 {
        // Acklam's lower tail, mirrored.
        let r = (-2.0 * q.ln()).sqrt();
        -(((((C[0] * r + C[1]) * r + C[2]) * r + C[3]) * r + C[4]) * r + C[5])
            / ((((D[0] * r + D[1]) * r + D[2]) * r + D[3]) * r + 1.0)
    } else if p < 0.02425 {
        -normal_upper(p)
    } else {
        let x = p - 0.5;
        let r = x * x;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * x
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, nine terms: about 15 significant digits).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `P(X >= x)` for a count `X` with mean `mean` and variance `variance` (at least the
/// mean): negative binomial, Poisson when the variance is the mean. Summed from `x` up
/// until the terms no longer count.
pub(crate) fn count_upper_tail(x: f64, mean: f64, variance: f64) -> f64 {
    let mean = mean.max(1e-9);
    let x = x.ceil().max(0.0);
    if x <= 0.0 {
        return 1.0;
    }
    let excess = (variance - mean).max(0.0);
    // Log pmf at x and the ratio pmf(k + 1) / pmf(k).
    let (mut log_pmf, ratio): (f64, Box<dyn Fn(f64) -> f64>) = if excess <= 1e-9 * mean {
        (
            x * mean.ln() - mean - ln_gamma(x + 1.0),
            Box::new(move |k| mean / (k + 1.0)),
        )
    } else {
        let r = mean * mean / excess;
        let p = r / (r + mean);
        (
            ln_gamma(x + r) - ln_gamma(r) - ln_gamma(x + 1.0) + r * p.ln() + x * (1.0 - p).ln(),
            Box::new(move |k| (k + r) / (k + 1.0) * (1.0 - p)),
        )
    };
    let mut total = 0.0;
    let mut k = x;
    for _ in 0..100_000 {
        let pmf = log_pmf.exp();
        total += pmf;
        if pmf < total * 1e-12 || (pmf == 0.0 && k > mean) {
            break;
        }
        log_pmf += ratio(k).ln();
        k += 1.0;
    }
    total.min(1.0)
}

/// The count's upper tail as a normal score: how many standard deviations a normal value
/// as rare lies above its mean (at most 40).
pub(crate) fn tail_score(x: f64, mean: f64, variance: f64) -> f64 {
    let p = count_upper_tail(x, mean, variance);
    if p <= 0.0 {
        return 40.0;
    }
    normal_upper(p).min(40.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_and_tails_match_tables() {
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-12);
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
        // Poisson(2): P(X >= 12) = 1.364615e-6 (the pmf summed from 12 in Python's
        // math.lgamma).
        let p = count_upper_tail(12.0, 2.0, 2.0);
        assert!((p / 1.364_615e-6 - 1.0).abs() < 1e-6, "{p}");
        // Negative binomial, size 4, mean 40 (variance 440): P(X >= 100) = 0.0131219 (same).
        let p = count_upper_tail(100.0, 40.0, 440.0);
        assert!((p / 0.013_121_9 - 1.0).abs() < 1e-5, "{p}");
        assert_eq!(count_upper_tail(0.0, 3.0, 3.0), 1.0);
    }
}
