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
    mid: Option<(usize, f64, f64, f64)>,
}

type Evals = Vec<Option<BucketEval>>;

/// Below this level against the expectation a fall is taken for an outage, not a shift.
const OUTAGE_LEVEL: f64 = 0.1;

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
    let mut mid_scores = vec![f64::NAN; n];
    let mut mid_calibration: Option<(f64, f64)> = None;

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

        // The mid window's score, calibrated on its own past: the expectations of
        // neighbouring buckets share their errors (the same weeks' samples), so summed
        // variances understate the spread of a sum; its median and MAD over the last weeks
        // say how wide it really is.
        let raw_mid = d.mid_window(&cleaned, &evals, t);
        mid_scores[t] = raw_mid.map_or(f64::NAN, |m| m.2);
        if t % d.day == 0 {
            mid_calibration = calibrate(&mid_scores, t, d);
        }
        let mid = raw_mid
            .zip(mid_calibration)
            .and_then(|((o, e, z), (centre, spread))| {
                let score = (z - centre) / spread;
                (score >= p.mid_score && o >= p.mid_min_ratio * e && o >= p.long_min_volume)
                    .then_some((o, e, score))
            });
        let active = short_fires || hot(&evals, t) || long.is_some() || mid.is_some();
        if episode.is_none() && (short_fires || long.is_some() || mid.is_some()) {
            let start = if short_fires {
                (window_lo..=t).find(|&i| hot(&evals, i)).unwrap_or(t)
            } else {
                // The wider windows fire late by design: the onset is where the excess
                // they saw began.
                let back = if long.is_some() {
                    d.long_len
                } else {
                    3 * d.mid_len
                };
                // Not into the spike before it.
                let after_last = spikes.last().map_or(0, |s: &SeriesSpike| {
                    ((s.end.timestamp() - origin) / d.size).max(0) as usize
                });
                let from = (t + 1).saturating_sub(back).max(after_last).min(t);
                onset(&values, &evals, from, t, 1.0)
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
                mid: None,
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
                if let Some((observed, expected, score)) = mid {
                    if ep.mid.is_none_or(|(_, _, _, s)| score > s) {
                        ep.mid = Some((t, observed, expected, score));
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
        if t + 1 - start < d.shift_len {
            // Not yet: the new level has to have lasted `level_shift_after` (a day-long
            // surge and the day before it is no new level).
            continue;
        }
        // The new level: that of the last `level_shift_after`, all of it after the onset.
        let factor = level(
            &values,
            &evals,
            t + 1 - d.shift_len,
            t,
            least_history(direction),
        );
        // The spikes the shift began with are the shift: one event, alerted when the
        // first of them was.
        // The spikes the shift began with are the shift: one event, alerted when the
        // first of them was, starting where the first of them started (the alerts know
        // the onset better than the sum of scores, which noise before it can stretch).
        let mut first_alert = at(t);
        let mut first_start: Option<usize> = None;
        if let Some(ep) = episode.take() {
            first_alert = at(ep.detected);
            first_start = Some(ep.start);
        }
        let onset_at = at(start);
        spikes.retain(|s: &SeriesSpike| {
            let merged = s.end > onset_at;
            if merged {
                first_alert = first_alert.min(s.detected_at);
                let i = ((s.start.timestamp() - origin) / d.size) as usize;
                first_start = Some(first_start.map_or(i, |f| f.min(i)));
            }
            !merged
        });
        if let Some(first) = first_start {
            start = first;
        }
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

/// The median and the spread (1.4826 MAD, at least 1) of the mid window's scores over the
/// `baseline_weeks` before `t`; `None` under two days of them.
fn calibrate(scores: &[f64], t: usize, d: &Detector) -> Option<(f64, f64)> {
    let from = t.saturating_sub(d.week * d.params.baseline_weeks.max(1) as usize);
    let mut past: Vec<f64> = scores[from..t]
        .iter()
        .copied()
        .filter(|z| !z.is_nan())
        .collect();
    if past.len() < 2 * d.day {
        return None;
    }
    let centre = crate::baseline::median(&mut past);
    for z in past.iter_mut() {
        *z = (*z - centre).abs();
    }
    Some((
        centre,
        (1.4826 * crate::baseline::median(&mut past)).max(1.0),
    ))
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
/// `(observed, expected)`. A young series' day or two says little about its level, and the
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
/// `direction` 1 for up, -1 for down. Returns its level against the expectation.
fn level_shift(
    d: &Detector,
    values: &[f64],
    evals: &Evals,
    t: usize,
    direction: f64,
) -> Option<f64> {
    let p = d.params;
    let from = (t + 1).checked_sub(d.shift_len)?;
    let least = least_history(direction);
    // Still there now (a build-up of a few hours that has passed is no new level): the
    // last quarter first, without allocating, as nearly every bucket stops here.
    let (mut recent, mut recent_beyond) = (0usize, 0usize);
    for i in t + 1 - d.shift_len / 4..=t {
        if let Some(e) = evals[i].filter(|e| e.history >= least && !values[i].is_nan()) {
            recent += 1;
            recent_beyond += usize::from(direction * (values[i] - e.expected) > 0.0);
        }
    }
    if recent == 0 || (recent_beyond as f64) < p.level_shift_share * recent as f64 {
        return None;
    }
    let buckets = seasonal(values, evals, from, t, least);
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
    let r = median_ratio(&buckets);
    let far = if direction > 0.0 {
        r >= p.level_shift_ratio && observed >= p.long_min_volume
    } else {
        // A fall to under a tenth is an outage (a collector down, zeros from the store),
        // not a new level to rescale the history to.
        r * p.level_shift_ratio <= 1.0 && r >= OUTAGE_LEVEL && expected >= p.long_min_volume
    };
    (far && share >= p.level_shift_share).then_some(r)
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

/// The level of `start..=t` against its expectation.
fn level(values: &[f64], evals: &Evals, start: usize, t: usize, least: History) -> f64 {
    median_ratio(&seasonal(values, evals, start, t, least))
}

/// The level of a stretch of buckets against their expectation: the median of
/// `observed / expected` weighted by the expected count, so that quiet night buckets (whose
/// ratios are noise) weigh little and a spike inside the stretch does not move it (a total
/// would: a tripled afternoon on a drifting series looked like a new level).
fn median_ratio(buckets: &[(f64, f64)]) -> f64 {
    let mut ratios: Vec<(f64, f64)> = buckets
        .iter()
        .map(|(o, e)| (o / e.max(0.1), e.max(0.1)))
        .collect();
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = ratios.iter().map(|r| r.1).sum::<f64>() / 2.0;
    let mut below = 0.0;
    for (ratio, weight) in &ratios {
        below += weight;
        if below >= half {
            return *ratio;
        }
    }
    1.0
}

/// Where a change that is visible at `t` began: the bucket from which the summed scores
/// up to `t` (`direction` 1: excess, -1: shortfall), each less a slack of half a standard
/// deviation and clipped at 4, are largest. The slack keeps ordinary noise before the
/// change from being counted in; the clip keeps one outlier from pulling the onset to it.
fn onset(values: &[f64], evals: &Evals, from: usize, t: usize, direction: f64) -> usize {
    let mut best = (f64::NEG_INFINITY, t);
    let mut sum = 0.0;
    for i in (from..=t).rev() {
        if let Some(e) = evals[i] {
            if !values[i].is_nan() {
                sum += (direction * e.score).clamp(-4.0, 4.0) - 0.5;
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
    if let Some((t, obs, exp, score)) = ep.mid {
        windows.push(WindowHit {
            window: Window::Mid,
            start: at(t + 1 - d.mid_len),
            end: at(t + 1),
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
