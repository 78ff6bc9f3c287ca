//! Early warning: spikes in the trend roll-ups, and emerging terms for the lexicons.
//!
//! This crate owns two detectors, pure functions over counts and texts, and their
//! evaluation:
//!
//! * [`detect`] / [`detect_series`]: spikes and level shifts in one regular count series (a
//!   category's or a term's items per bucket, for all items or one source tag or language;
//!   or any count series read by [`read_count_csv`]), each with its onset, size, window,
//!   state and how much history it was judged on;
//! * [`emerging_terms`]: words and two-word phrases that rise sharply in flagged or spiking
//!   items and that no lexicon holds yet, as suggestions for curators;
//! * [`evaluate`]: the detector on synthetic hourly series with known injected spikes, and
//!   [`compare`]: the detector against two published ones ([`published`]) on real-looking
//!   5-minute series with labelled events ([`random_spec`], [`labelled_set`]), for the
//!   figures below and for `websense bench detect` to print.
//!
//! It must not write to the store, match text, or decide how alerts are delivered or shown
//! (that is the Room's), and it does no I/O: the Room's spike scan reads the series and items
//! from the store (ClickHouse or SQLite), runs both detectors, and attaches to each spike the
//! items and terms behind it; `websense trends detect` reads a CSV file and hands its text to
//! [`read_count_csv`]. It does not depend on the store crate. Every number lives in
//! [`TrendsConfig`] (the `[trends]` section of the configuration), with [`SpikeParams`] and
//! [`EmergingParams`] under it.
//!
//! # Spikes
//!
//! A series is read as consecutive buckets. From the store ([`detect`]) a missing bucket
//! is 0; from elsewhere ([`snap_series`], [`detect_series`]) samples go to the nearest
//! bucket start (finer samples are summed into their bucket), several on one bucket are
//! summed, and a bucket without a sample is *unknown*: left out of every baseline, window
//! and fit, never scored. A series may carry the UTC offsets of a zone ([`set_zone`]): the
//! seasonal slots are then matched in local time, so the daily cycle does not move by an
//! hour at a daylight-saving change (at 5-minute buckets the ±1 spread below could not
//! absorb that; the store's series are UTC, where it can).
//!
//! For each bucket `t` the **short window** compares its count with the same slot of the
//! seasonal cycle:
//!
//! 1. *Baseline*: the counts at `t - k·week` for the `baseline_weeks` (4) weeks before,
//!    each with `slot_spread` (1) neighbouring buckets either side, so an hourly bucket is
//!    compared with the same hour of the week (±1 hour) over four weeks: 12 samples. With
//!    fewer than `min_baseline_weeks` (2) weeks of history the same time of day over the
//!    last `fallback_days` (7) days stands in (it ignores the weekly cycle, so its scale is
//!    widened by `daily_widen`, 1.15); with fewer than `min_fallback_days` (3) days, the
//!    same time of day on the one or two days there are, its scale (the larger of the
//!    samples' spread and the count model) widened by `short_history_widen` (2): such
//!    spikes say `history: short`. Under one day there is no baseline. The expected count
//!    is the **median** of the samples.
//! 2. *Scale*: the standard deviation of `observed - expected` under a count model,
//!    `(e + φ·e²)·(1 + π/2n)` with `e = max(expected, 1)`: Poisson noise, over-dispersion
//!    `φ`, and the error of a median of `n` samples. `φ` is fitted once a day per series
//!    over the last `baseline_weeks` of residuals: the value at which the squared
//!    residuals divided by their model variance have the median of a squared standard
//!    normal. A median, so past spikes among the residuals do not move it; pooled over
//!    weeks of buckets, so it is steady. Until two days of residuals exist, the scale is
//!    the samples' MAD × 1.4826, never below `sqrt(expected)` or 1.
//! 3. *Hot bucket*: `score = (observed - expected) / scale ≥ score` (3), `observed ≥
//!    min_ratio` (1.5) `× expected`, and `observed ≥ min_volume` (10), the minimum-volume
//!    floor.
//! 4. *Confirmation*: a spike opens on `confirm_hits` (2) hot buckets among the last
//!    `confirm_window` (3), or on one hot bucket whose score reaches `single_bucket_score`
//!    (4.5) *and* whose count is as rare under the count model itself (negative binomial
//!    with that mean and variance, its upper tail turned into a normal score) as
//!    `single_bucket_tail` (4) standard deviations. The normal approximation's tail is far
//!    too light for over-dispersed counts: with gamma noise of shape 4 a bucket at 2.5
//!    times its mean comes once in 200, and at 5-minute buckets that was most false alarms.
//!
//! The **mid window** (only where `mid_window`, 2h, spans at least four buckets, so not at
//! hourly buckets, where confirmation does its job) sums the last `mid_window` of buckets
//! against their summed expectation, over the square root of their summed variances. The
//! expectations of neighbouring buckets share their errors (the same weeks' samples), so
//! that score is centred and scaled by its own median and MAD over the last
//! `baseline_weeks` (refitted daily) before it is held against `mid_score` (3), with
//! `mid_min_ratio` (1.3) and `long_min_volume`. It catches the build-up over hours that no
//! 5-minute bucket shows in a wild series.
//!
//! The **long window** compares the total of the last `long_window` (24h) with the
//! totals of the `long_history` (14) windows of the same length before it (median and MAD,
//! the same Poisson floor; windows with under three quarters of their buckets known are
//! left out, the others scaled up): a day against the previous fourteen days, tested at
//! every bucket; it fires at `long_score` (4), `long_min_ratio` (1.5) and `long_min_volume`
//! (50), once `min_long_history` (7) earlier windows exist. It catches the slow surge no
//! single bucket shows. Buckets the short window already explained (hot buckets of a
//! spike) count at their expected value in the mid and long windows, so a short burst does
//! not fire them again afterwards.
//!
//! A spike lasts while its buckets are hot or a wider window fires, and closes after
//! `close_after` (2) buckets that are neither. Its start is its **onset**: the first hot
//! bucket, or, when a wider window opened it, the bucket from which the summed scores up
//! to now (each less half a standard deviation, clipped at 4) are largest. Each
//! [`SeriesSpike`] carries its start and end (so its duration), the bucket it was confirmed
//! in (`detected_at`), its peak, observed and expected counts with their ratio, the highest
//! score, what each window that fired saw ([`WindowHit`]), its state at the end of the
//! series (open: confirmed in the last bucket; ongoing; closed), its kind and its history.
//! [`score_series`] gives the expected value and score of every bucket, for drawing the
//! expected band under a trend chart.
//!
//! # Level shifts
//!
//! A topic that becomes permanently bigger (or smaller) is not an endless spike. At every
//! bucket the last `level_shift_after` (36h) is tested: its level, the median of
//! `observed / expected` weighted by the expected count (quiet buckets weigh little, a spike
//! inside does not move it), at least `level_shift_ratio` (1.5) or at most its inverse; at
//! least `level_shift_share` (75%) of its buckets on that side, in the whole stretch and in
//! its last quarter (still there now); enough volume (`long_min_volume`); and its onset at
//! least `level_shift_after` back (a day-long surge and the day before it are no new
//! level). A fall needs the weekly cycle (to the time of day alone a weekend is a fall),
//! and a fall to under a tenth is taken for an outage (a collector down gives the store's
//! series zeros), not a new level.
//! Then one [`SpikeKind::LevelShift`] is reported: the spikes the shift began with merge
//! into it (it is alerted when the first of them was, and starts where it started), its
//! ratio says up or down, and the history before its onset is rescaled by the new level,
//! so that from then on the new level is what is expected and the next spike on it is
//! found. The next shift can come `level_shift_after` later.
//!
//! # How well it works
//!
//! [`evaluate`] generates hourly series over eight weeks: a mean of 5 to 200 an hour (log
//! uniform), a daily cycle (amplitude 0.3-0.8, peak between 10:00 and 22:00), weekends at
//! 0.6-1.0 of weekdays, a drift of -20% to +25% over the series, and Poisson or
//! negative-binomial noise; four spikes per series multiply the mean by 3 for 1 to 6
//! buckets, at least two days apart, after two weeks of history (the first two weeks are
//! not scored). A spike is *found* when the detector confirms a spike overlapping it in its
//! first or second bucket; a *false alarm* is a detected spike that overlaps no injected
//! one (nor the bucket after it). A spike is *eligible* when the mean before it is at least
//! 30 an hour. With the default parameters, 2000 series (12,000 series-weeks) per run:
//!
//! | noise, seed | eligible spikes found | all spikes found | false alarms per series-week |
//! |---|---|---|---|
//! | Poisson, 1 | 3854 / 3854 (100%) | 7230 / 8000 (90.4%) | 0.009 |
//! | Poisson, 2 | 3796 / 3797 (99.97%) | 7266 / 8000 (90.8%) | 0.009 |
//! | negative binomial (dispersion 50), 1 | 3850 / 3885 (99.1%) | 6997 / 8000 (87.5%) | 0.027 |
//! | negative binomial (dispersion 50), 2 | 3876 / 3904 (99.3%) | 6975 / 8000 (87.2%) | 0.022 |
//!
//! (`cargo run --release -p websense-trends --example evaluate -- 2000 1 poisson`, and
//! `... 2000 1 50`; it prints recall by mean and by spike length too; a few seconds a run.)
//! Found in the first *three* buckets instead, all spikes: 92.5% (Poisson, seed 1). The
//! count-model gate on single buckets halved the false alarms here (0.019 and 0.055 before)
//! for two points of recall below the eligible volume.
//!
//! Below a mean of about 30 an hour a single tripled bucket is within the noise: at a mean
//! of 5, 15 in an hour is not rare enough to alert on without alerting on noise as well.
//! Such spikes are found when they last long enough for the confirmation rule (76% at 5-10
//! an hour, 96% at 10-20, 99.5% at 20-30, Poisson). Over-dispersed counts widen that band:
//! a tripled bucket sometimes comes out doubled, which no threshold tells from noise. The
//! tests (`tests/evaluation.rs`) assert the target on Poisson series (every eligible spike
//! found, under one false alarm per series-week), and on negative-binomial series the false
//! alarms and 98% of eligible spikes.
//!
//! # Against published detectors
//!
//! [`compare`] runs websense's detector (default parameters, the cycle in Amsterdam time),
//! a windowed Gaussian z-score (NAB's baseline: each bucket against the previous day's mean
//! and standard deviation) and a seasonal hybrid ESD in the manner of Twitter's
//! AnomalyDetection (two-week pieces, daily median seasonality and the piece's median
//! removed, generalized ESD with median and MAD, at most 10% anomalies, upwards; it reads
//! each piece whole, future included) on the same 5-minute series. The series have a
//! daily cycle in local time (night at 5-20% of the day), weekends, drift, gamma-Poisson
//! noise (shape 4-40) with unlabelled outliers (the rate times 1.5-4 in up to 1 bucket in
//! 500), gaps, samples stamped up to 90 s off and a drifting clock, and four kinds of
//! labelled event: spikes (2-4x for 30 min to 3 h), bursts (4-10x for 5-15 min), build-ups
//! (to 2-3.5x over 3-10 h) and level shifts (1.8-3x for good). An event is found when an
//! alarm starts inside it (a burst: two buckets more; a level shift: its first day); a
//! false alarm starts after the three-day warm-up outside every event and the hour after
//! it; consecutive alarm buckets are one alarm (websense's alarm starts at `detected_at`).
//! The published detectors are swept over their threshold and compared at the point with
//! the fewest false alarms that still has at least websense's. `websense bench detect`
//! (or `cargo run --release -p websense-trends --example compare -- 40 19`) prints:
//!
//! | set | detector | spike | burst | build-up | level shift | found | false alarms / series-week | median delay |
//! |---|---|---|---|---|---|---|---|---|
//! | generated, seed 19 (40 series, 197 series-weeks) | websense | 45/46 | 47/52 | 48/50 | 23/24 | 163/172 (94.8%) | 2.93 | 12 min |
//! | | z-score, z ≥ 4 | 33/46 | 41/52 | 22/50 | 22/24 | 118/172 (68.6%) | 3.18 | 7 min |
//! | | SH-ESD, α = 1e-20 | 37/46 | 46/52 | 30/50 | 16/24 | 129/172 (75.0%) | 7.17 | 8 min |
//! | labelled set (12 series, 49 series-weeks) | websense | 18/18 | 8/9 | 5/5 | 3/3 | 34/35 (97.1%) | 1.86 | 9 min |
//! | | z-score, z ≥ 4 | 18/18 | 8/9 | 4/5 | 3/3 | 33/35 (94.3%) | 2.35 | 5 min |
//! | | SH-ESD, α = 1e-20 | 18/18 | 8/9 | 5/5 | 2/3 | 33/35 (94.3%) | 5.18 | 5 min |
//! | generated, seed 2026 (held out; 40 series, 174 series-weeks) | websense | 49/56 | 45/55 | 49/49 | 26/26 | 169/186 (90.9%) | 3.28 | 14 min |
//! | | z-score, z ≥ 3 | 45/56 | 41/55 | 35/49 | 26/26 | 147/186 (79.0%) | 14.28 | 7 min |
//! | | SH-ESD, α = 1e-20 | 45/56 | 45/55 | 37/49 | 17/26 | 144/186 (77.4%) | 6.47 | 8 min |
//!
//! Where websense still loses: it alerts later (median 9-14 minutes against 5-8: it
//! confirms before it alerts, the others alert on the first odd bucket); on the labelled
//! set it is one event ahead of the z-score only, and the z-score at 3 finds as many at
//! eight times the false alarms; bursts of a few buckets at night in quiet series (a
//! 10x burst of an expected 0.1) are under its volume floor and found by nobody; the
//! false alarms left (about 2-3 per series-week at 5 minutes, mostly single heavy-tailed
//! buckets and mid-window crossings in the first two weeks) are many for an analyst; after
//! a shift by more than an order of magnitude in a sparse series, night slots whose history
//! was mostly zeros stay underestimated until the weekly baseline catches up. Honesty about
//! the tuning: the labels of the labelled set were written before any run, but
//! `daily_widen`, `single_bucket_tail` and `mid_score` were chosen while looking at both
//! sets (`mid_score` 3 rather than 4 wins the labelled set's one high-volume build-up and
//! costs about 0.5 false alarms per series-week); seed 2026 was run once, after tuning.
//!
//! # Emerging terms
//!
//! [`emerging_terms`] counts, per item, the content words of its normalised text
//! (`websense_normalize`: case, diacritics, punctuation folded) and the pairs of content
//! words that stand next to each other. Content words have at least `min_token_chars` (3)
//! characters, are not all digits, and are not in our Dutch, English and link-fragment
//! stopword lists (`src/stopwords/`). Terms a lexicon already holds ([`KnownTerms`], built
//! from a [`websense_lexicon::LexiconSet`]: words and phrases exactly, globs by their kind)
//! are left out, and so is a phrase that holds a known term. The foreground is the flagged
//! or spiking items of the recent window, the background older items, flagged or not. A
//! term is suggested when it is in `min_items` (5) foreground items from `min_authors` (3)
//! authors and its share of foreground items
//!
//! * is higher than its share of all older items with a log-likelihood ratio `G²`
//!   (Dunning) of at least `min_score` (15.1, a chance of 1 in 10,000): specific, and not
//!   by chance;
//! * is higher than its share of the *older flagged* items with a `G²` of at least
//!   `min_rise_score` (10.8), when there are `min_flagged_background` (100) of them: new
//!   to flagged posts, not the heated vocabulary they always use;
//! * is at least `min_ratio` (5) times its share of the older flagged items (else of all
//!   older items).
//!
//! Of a suggested phrase and a suggested word in it, the phrase stays when it covers
//! `phrase_share` (80%) of the word's items, else the word does. Each suggestion has its
//! counts, the categories of its items and example item ids from distinct authors.
//!
//! # Costs
//!
//! Detection is linear in the series length with a small constant per bucket (a dozen
//! samples' median, a long-window sum from prefix sums, a mid-window sum of its buckets, a
//! level test over `level_shift_after`) plus one dispersion fit and one mid-window
//! calibration per day (medians over four weeks), and one re-evaluation of the series per
//! level shift: a few ms for eight weeks of hourly buckets and about 60 ms for eight weeks
//! of 5-minute buckets in a release build, so a scan's time goes into its store queries:
//! per scanned series one trend query, per spike a few item and term queries. Emerging
//! terms are linear in the text of the foreground and background items (one normalisation
//! and a hash-map entry per word); the Room's scan reads the recent window's items and at
//! most `background_items` older ones, hour by hour. Items whose raw text has expired are
//! skipped, so the background reaches back no further than the text retention. The
//! evaluation's seasonal hybrid ESD is the costly one (up to 10% of a piece removed one by
//! one, a median each): `websense bench detect` takes a few seconds in a release build.

mod baseline;
mod compare;
mod detect;
mod emerging;
mod episode;
mod expect;
mod input;
mod labelled;
mod params;
pub mod published;
mod scenario;
mod series;
mod stats;
mod synthetic;

pub use compare::{compare, Comparison, Score, ALPHA_SWEEP, MAX_ANOMS, Z_SWEEP};
pub use detect::{
    detect, detect_series, fill_series, score_series, BucketScore, History, SeriesSpike, SpikeKind,
    SpikeState, Window, WindowHit,
};
pub use emerging::{emerging_terms, Doc, KnownTerms, Suggestion};
pub use input::{
    guess_bucket, parse_time, read_count_csv, set_zone, CsvCounts, CsvError, LineProblem,
};
pub use labelled::labelled_set;
pub use params::{whole_hours, CategoryMeasure, EmergingParams, SpikeParams, TrendsConfig};
pub use scenario::{
    extended_set, generate_spec, random_spec, EventKind, EventSpec, Labelled, ScenarioSeries, Spec,
    BUCKET_5M, WARMUP_DAYS,
};
pub use series::{snap_series, CountSeries, Gaps, Snapped};
pub use synthetic::{
    evaluate, generate, EvalParams, EvalReport, Injected, Noise, RecallCount, SyntheticSeries,
};
