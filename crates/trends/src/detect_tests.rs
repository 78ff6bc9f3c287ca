//! Unit tests of the spike detector (`detect.rs`).

use super::*;
use crate::baseline::median;
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
    // 14 alone is rare enough under the count model to alert (its tail score is 4.7; 12's
    // is 4.1, under the single-bucket score of 4.5).
    values.push(14.0);
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
fn short_history_falls_back_to_the_time_of_day_then_to_a_day_or_two_of_it() {
    let mut values = vec![40.0; 5 * 24];
    values.push(120.0);
    let found = spikes(&values);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].detected_at, hour(120));
    assert_eq!(found[0].history, History::Daily);
    // Two days: the same time of day on them stands in, with a widened scale, and says so.
    let mut young = vec![40.0; 2 * 24];
    young.push(400.0);
    let found = spikes(&young);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].detected_at, hour(48));
    assert_eq!(found[0].history, History::Short);
    // Widened: 70 is 4.7 Poisson standard deviations over 40, but not two of them.
    let mut young = vec![40.0; 2 * 24];
    young.push(70.0);
    assert!(spikes(&young).is_empty(), "{:?}", spikes(&young));
    // Under a day there is no baseline at all.
    let mut newborn = vec![40.0; 23];
    newborn.push(400.0);
    assert!(spikes(&newborn).is_empty());
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
