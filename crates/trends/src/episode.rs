//! Following a series bucket by bucket: confirming spikes, keeping them open while they
//! last, closing them, and telling a level shift from a spike (then rescaling the history to
//! the new level, so it is normal from there on).

use crate::baseline::ratio;
use crate::expect::{BucketEval, Detector};
use crate::series::time_at;
use crate::{History, SeriesSpike, SpikeKind, SpikeState, Window, WindowHit};
use chrono::{DateTime, Utc};

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

type Evals = Vec<Option<BucketEval>>;

fn hot(evals: &Evals, i: usize) -> bool {
    evals[i].is_some_and(|e| e.hot)
}

/// The spikes and level shifts of `raw` (unknown buckets NaN), oldest first.
pub(crate) fn run(d: &Detector, raw: &[f64], origin: i64) -> Vec<SeriesSpike> {
    let p = d.params;
    let n = raw.len();
    let at = |i: usize| time_at(origin + i as i64 * d.size);
    // The series as the baselines read it: after a level shift the history before its
    // onset is rescaled to the new level.
    let mut values = raw.to_vec();
    let mut evals = d.evaluate(&values);
    // The long window looks for excess the short window has not explained: buckets of
    // a spike it found count as their expected value there.
    let mut cleaned = values.clone();
    let mut prefix = vec![0.0; n + 1];
    let mut known = vec![0usize; n + 1];
    let confirm_window = p.confirm_window.max(1) as usize;
    let mut spikes = Vec::new();
    let mut episode: Option<Episode> = None;
    let mut last_shift: Option<usize> = None;

    for t in 0..n {
        let window_lo = (t + 1).saturating_sub(confirm_window);
        let recent_hot = (window_lo..=t).filter(|&i| hot(&evals, i)).count();
        let short_fires = evals[t]
            .is_some_and(|e| e.very_hot || (e.hot && recent_hot >= p.confirm_hits.max(1) as usize));
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
        refresh_prefix(&cleaned, &mut prefix, &mut known, explained_from.min(t), t);
        let long = d.long_window(&prefix, &known, t).filter(|(b, observed)| {
            b.score(*observed) >= p.long_score
                && *observed >= p.long_min_ratio * b.expected
                && *observed >= p.long_min_volume
        });

        let active = short_fires || hot(&evals, t) || long.is_some();
        if episode.is_none() && (short_fires || long.is_some()) {
            let start = if short_fires {
                (window_lo..=t).find(|&i| hot(&evals, i)).unwrap_or(t)
            } else {
                // The long window fires late by design: its onset is where the excess
                // it saw began.
                onset(&values, &evals, (t + 1).saturating_sub(d.long_len), t, 1.0)
            };
            let mut ep = Episode {
                start,
                end: t,
                detected: t,
                quiet: 0,
                peak: t,
                peak_score: f64::NEG_INFINITY,
                short: None,
                long: None,
            };
            for i in start..t {
                if hot(&evals, i) {
                    ep.note_short(i, values[i], evals[i]);
                }
            }
            episode = Some(ep);
        }
        if let Some(ep) = episode.as_mut() {
            if active {
                ep.end = t;
                ep.quiet = 0;
                if hot(&evals, t) {
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
                    let spike = finish(d, ep, raw, &evals, &at, SpikeState::Closed);
                    spikes.push(spike);
                }
            }
        }

        // A level shift: the last `level_shift_after` stayed at another level. Tested at
        // every bucket, spike or not: at 5-minute buckets a shifted series flickers in and
        // out of spikes.
        let after_last_shift = last_shift.is_none_or(|s| t >= s + d.shift_len);
        let direction = if after_last_shift && t + 1 >= d.shift_len {
            [1.0, -1.0]
                .into_iter()
                .find(|&dir| level_shift(d, &values, &evals, t, dir).is_some())
        } else {
            None
        };
        let Some(direction) = direction else {
            continue;
        };
        let from = (t + 1).saturating_sub(2 * d.shift_len);
        let from = last_shift.map_or(from, |s| from.max(s + 1));
        let mut start = onset(&values, &evals, from, t, direction);
        let factor = level(&values, &evals, start, t, least_history(direction));
        // The spikes the shift began with are the shift: one event, alerted when the
        // first of them was.
        let mut first_alert = at(t);
        if let Some(ep) = episode.take() {
            start = start.min(ep.start);
            first_alert = at(ep.detected);
        }
        let onset_at = at(start);
        spikes.retain(|s: &SeriesSpike| {
            let merged = s.start >= onset_at;
            if merged {
                first_alert = first_alert.min(s.detected_at);
            }
            !merged
        });
        let state = if t + 1 == n {
            SpikeState::Open
        } else {
            SpikeState::Closed
        };
        let mut event = shift_event(start, t, raw, &evals, &at, state, direction);
        event.detected_at = first_alert;
        spikes.push(event);
        // The new level is normal from here on: the history before the onset is rescaled
        // to it, and the shift's own buckets count as they are.
        for v in &mut values[..start] {
            *v *= factor;
        }
        for v in &mut cleaned[..start] {
            *v *= factor;
        }
        cleaned[start..=t].copy_from_slice(&values[start..=t]);
        refresh_prefix(&cleaned, &mut prefix, &mut known, 0, t);
        evals = d.evaluate(&values);
        last_shift = Some(t);
    }
    if let Some(ep) = episode {
        let state = if ep.detected + 1 == n && ep.quiet == 0 {
            SpikeState::Open
        } else {
            SpikeState::Ongoing
        };
        spikes.push(finish(d, ep, raw, &evals, &at, state));
    }
    spikes
}

/// Recompute `prefix` (sums, unknown as 0) and `known` (counts of known buckets) for
/// buckets `from..=t`.
fn refresh_prefix(cleaned: &[f64], prefix: &mut [f64], known: &mut [usize], from: usize, t: usize) {
    for i in from..=t {
        let v = cleaned[i];
        prefix[i + 1] = prefix[i] + if v.is_nan() { 0.0 } else { v };
        known[i + 1] = known[i] + usize::from(!v.is_nan());
    }
}

/// The known buckets of `from..=t` evaluated against at least `least` history, as
/// `(observed, expected)`. A young series' recent level has the daily cycle in it, and the
/// time of day alone has the weekly one (a weekend looks like a drop).
fn seasonal(
    values: &[f64],
    evals: &Evals,
    from: usize,
    t: usize,
    least: History,
) -> Vec<(f64, f64)> {
    (from..=t)
        .filter_map(|i| {
            let e = evals[i]?;
            (e.history >= least).then_some((values[i], e.expected))
        })
        .collect()
}

/// Whether the last `level_shift_after` before `t` (inclusive) stayed at another level:
/// `direction` 1 for up, -1 for down. Returns the ratio of its total to the expected total.
fn level_shift(
    d: &Detector,
    values: &[f64],
    evals: &Evals,
    t: usize,
    direction: f64,
) -> Option<f64> {
    let p = d.params;
    let from = (t + 1).checked_sub(d.shift_len)?;
    let buckets = seasonal(values, evals, from, t, least_history(direction));
    if 2 * buckets.len() < d.shift_len {
        return None;
    }
    let observed: f64 = buckets.iter().map(|b| b.0).sum();
    let expected: f64 = buckets.iter().map(|b| b.1).sum();
    let beyond = buckets
        .iter()
        .filter(|(o, e)| direction * (o - e) > 0.0)
        .count();
    let share = beyond as f64 / buckets.len() as f64;
    // Still there now: a build-up of a few hours that has passed is no new level.
    let recent = &buckets[buckets.len() - buckets.len() / 4..];
    let recent_beyond = recent
        .iter()
        .filter(|(o, e)| direction * (o - e) > 0.0)
        .count();
    let recent_share = recent_beyond as f64 / recent.len().max(1) as f64;
    let r = observed / expected.max(1.0);
    let far = if direction > 0.0 {
        r >= p.level_shift_ratio && observed >= p.long_min_volume
    } else {
        r * p.level_shift_ratio <= 1.0 && expected >= p.long_min_volume
    };
    (far && share >= p.level_shift_share && recent_share >= p.level_shift_share).then_some(r)
}

/// A rise above the time of day is one whatever the weekday; a fall below it may be the
/// weekend, so it needs the weekly cycle.
fn least_history(direction: f64) -> History {
    if direction > 0.0 {
        History::Daily
    } else {
        History::Weekly
    }
}

/// The total of `start..=t` against its expected total.
fn level(values: &[f64], evals: &Evals, start: usize, t: usize, least: History) -> f64 {
    let buckets = seasonal(values, evals, start, t, least);
    let observed: f64 = buckets.iter().map(|b| b.0).sum();
    let expected: f64 = buckets.iter().map(|b| b.1).sum();
    observed / expected.max(1.0)
}

/// Where a change that is visible at `t` began: the bucket from which the summed excess
/// (`direction` 1) or shortfall (-1) over the expected count up to `t` is largest.
fn onset(values: &[f64], evals: &Evals, from: usize, t: usize, direction: f64) -> usize {
    let mut best = (f64::NEG_INFINITY, t);
    let mut sum = 0.0;
    for i in (from..=t).rev() {
        if let Some(e) = evals[i] {
            if !values[i].is_nan() {
                sum += direction * (values[i] - e.expected);
            }
        }
        if sum > best.0 {
            best = (sum, i);
        }
    }
    best.1
}

/// A level shift confirmed at `t` with its onset `start`, up (`direction` 1) or down (-1).
/// Its score is that of its total against the expected total.
fn shift_event(
    start: usize,
    t: usize,
    raw: &[f64],
    evals: &Evals,
    at: &impl Fn(usize) -> DateTime<Utc>,
    state: SpikeState,
    direction: f64,
) -> SeriesSpike {
    let mut observed = 0.0;
    let mut expected = 0.0;
    let mut variance = 0.0;
    let mut peak = (f64::NEG_INFINITY, start);
    for i in start..=t {
        if let (Some(e), false) = (evals[i], raw[i].is_nan()) {
            observed += raw[i];
            expected += e.expected;
            variance += e.scale * e.scale;
            if direction * e.score > peak.0 {
                peak = (direction * e.score, i);
            }
        }
    }
    SeriesSpike {
        start: at(start),
        end: at(t + 1),
        detected_at: at(t),
        peak: at(peak.1),
        observed,
        expected,
        ratio: ratio(observed, expected),
        score: (observed - expected) / variance.sqrt().max(1.0),
        windows: Vec::new(),
        state,
        kind: SpikeKind::LevelShift,
        history: evals[t].map(|e| e.history).unwrap_or_default(),
    }
}

fn finish(
    d: &Detector,
    ep: Episode,
    raw: &[f64],
    evals: &Evals,
    at: &impl Fn(usize) -> DateTime<Utc>,
    state: SpikeState,
) -> SeriesSpike {
    let known = |i: &usize| !raw[*i].is_nan();
    let observed: f64 = (ep.start..=ep.end).filter(known).map(|i| raw[i]).sum();
    let expected: f64 = (ep.start..=ep.end)
        .filter(known)
        .map(|i| evals[i].map_or(0.0, |e| e.expected))
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
            start: at(t + 1 - d.long_len),
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
        kind: SpikeKind::Spike,
        history: evals[ep.detected].map(|e| e.history).unwrap_or_default(),
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
