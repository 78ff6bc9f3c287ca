//! Early warning: spikes in the trend roll-ups, and emerging terms for the lexicons.
//!
//! This crate owns two detectors, pure functions over counts and texts:
//!
//! * [`detect`]: spikes in one regular count series (a category's or a term's items per
//!   bucket, for all items or one source tag or language), each with its size, its window
//!   and its state;
//! * [`emerging_terms`]: words and two-word phrases that rise sharply in flagged or spiking
//!   items and that no lexicon holds yet, as suggestions for curators;
//! * [`evaluate`]: the detector on synthetic series with known injected spikes, for the
//!   figures below and for `websense` to print.
//!
//! It must not write to the store, match text, or decide how alerts are delivered or shown
//! (that is the Room's), and it does no I/O: the Room's spike scan reads the series and items
//! from the store (ClickHouse or SQLite), runs both detectors, and attaches to each spike the
//! items and terms behind it. It does not depend on the store crate. Every
//! number lives in [`TrendsConfig`] (the `[trends]` section of the configuration), with
//! [`SpikeParams`] and [`EmergingParams`] under it.
//!
//! # Spikes
//!
//! A series is read as consecutive buckets (missing buckets are 0). For each bucket `t` the
//! **short window** compares its count with the same slot of the seasonal cycle:
//!
//! 1. *Baseline*: the counts at `t - k·week` for the `baseline_weeks` (4) weeks before,
//!    each with `slot_spread` (1) neighbouring buckets either side, so an hourly bucket is
//!    compared with the same hour of the week (±1 hour) over four weeks: 12 samples. With
//!    fewer than `min_baseline_weeks` (2) weeks of history the same time of day over the
//!    last `fallback_days` (7) days stands in (it ignores the weekly cycle); with fewer
//!    than `min_fallback_days` (3) days there is no baseline and no detection. The
//!    expected count is the **median** of the samples.
//! 2. *Scale*: the standard deviation of `observed - expected` under a count model,
//!    `(e + φ·e²)·(1 + π/2n)` with `e = max(expected, 1)`: Poisson noise, over-dispersion
//!    `φ`, and the error of a median of `n` samples. `φ` is fitted once a day per series
//!    over the last `baseline_weeks` of residuals: the value at which the squared
//!    residuals divided by their model variance have the median of a squared standard
//!    normal. A median, so past spikes among the residuals do not move it; pooled over
//!    weeks of buckets, so it is steady. Until two days of residuals exist, the scale is
//!    the samples' MAD × 1.4826, never below `sqrt(expected)` or 1. (The MAD of one slot's
//!    dozen samples alone was tried first: it is so noisy that it both let single noisy
//!    buckets through at high volume, 0.3 false alarms per series-week, and hid real
//!    spikes where a slot's neighbours differ, as at the weekend's edges.)
//! 3. *Hot bucket*: `score = (observed - expected) / scale ≥ score` (3), `observed ≥
//!    min_ratio` (1.5) `× expected`, and `observed ≥ min_volume` (10), the minimum-volume
//!    floor.
//! 4. *Confirmation*: a spike opens on a hot bucket whose score reaches
//!    `single_bucket_score` (4.5), or on `confirm_hits` (2) hot buckets among the last
//!    `confirm_window` (3). One noisy bucket just over the threshold does not alert.
//!
//! The **long window** compares the total of the last `long_window` (24h) with the
//! totals of the `long_history` (14) windows of the same length before it (median and MAD,
//! the same Poisson floor): a day against the previous fourteen days, tested at every
//! bucket; it fires at `long_score` (4), `long_min_ratio` (1.5) and `long_min_volume`
//! (50), once `min_long_history` (7) earlier windows exist. It catches the slow surge no
//! single bucket shows. Buckets the short window already explained (hot buckets of a
//! spike) count at their expected value there, so a short burst does not fire the long
//! window again for the next day.
//!
//! A spike lasts while its buckets are hot or the long window fires, and closes after
//! `close_after` (2) buckets that are neither. Each [`SeriesSpike`] carries its start and
//! end, the bucket it was confirmed in (`detected_at`), its peak, observed and expected
//! counts with their ratio, the highest score, what each window that fired saw
//! ([`WindowHit`]), and its state at the end of the series: open (confirmed in the last
//! bucket), ongoing, or closed. [`score_series`] gives the expected value and score of
//! every bucket, for drawing the expected band under a trend chart.
//!
//! Buckets are UTC, so a local daylight-saving change moves the daily cycle by one bucket
//! twice a year; the ±1 spread of the samples absorbs it.
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
//! | Poisson, 1 | 3854 / 3854 (100%) | 7394 / 8000 (92.4%) | 0.019 |
//! | Poisson, 2 | 3796 / 3797 (99.97%) | 7442 / 8000 (93.0%) | 0.019 |
//! | negative binomial (dispersion 50), 1 | 3867 / 3885 (99.5%) | 7271 / 8000 (90.9%) | 0.055 |
//! | negative binomial (dispersion 50), 2 | 3890 / 3904 (99.6%) | 7259 / 8000 (90.7%) | 0.050 |
//!
//! (`cargo run --release -p websense-trends --example evaluate -- 2000 1 poisson`, and
//! `... 2000 1 50`; it prints recall by mean and by spike length too; about 3 s a run.)
//! Found in the first *three* buckets instead, all spikes: 94.2% (Poisson, seed 1).
//!
//! Below a mean of about 30 an hour a single tripled bucket is within the noise: at a mean
//! of 5, 15 in an hour is not rare enough to alert on without alerting on noise as well.
//! Such spikes are found when they last long enough for the confirmation rule (81% at 5-10
//! an hour, 98% at 10-20, 99.7% at 20-30, Poisson). Over-dispersed counts widen that band:
//! a tripled bucket sometimes comes out doubled, which no threshold tells from noise, so
//! there "every spike" becomes 99.5%. The tests (`tests/evaluation.rs`) assert the target on
//! Poisson series (every eligible spike found, under one false alarm per series-week), and
//! on negative-binomial series the false alarms and 98% of eligible spikes.
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
//! samples' median, a long-window sum from prefix sums) plus one dispersion fit per day
//! (a bisection over four weeks of residuals): about 4 ms for eight weeks of hourly
//! buckets in a release build, so a scan's time goes into its store queries: per scanned
//! series one trend query, per spike a few item and term queries. Emerging terms are
//! linear in the text of the foreground and background items (one normalisation and a
//! hash-map entry per word); the Room's scan reads the recent window's items and at most
//! `background_items` older ones, hour by hour. Items whose raw text has expired are
//! skipped, so the background reaches back no further than the text retention.

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
