//! The `[trends]` section of the configuration: every number the detectors use.

use serde::{Deserialize, Serialize};
use std::time::Duration;
use websense_model::{legacy_duration, BucketSize};

const HOUR: Duration = Duration::from_secs(3600);

// Windows are durations (`"24h"`, `"14d"`); the old `*_hours`/`*_days` keys are read for one
// release, in their unit, with a deprecation notice.
legacy_duration!(
    long_window,
    "trends.spikes",
    "long_window",
    "long_window_hours",
    Hours
);
legacy_duration!(
    report_window,
    "trends",
    "report_window",
    "report_hours",
    Hours
);
legacy_duration!(
    emerging_window,
    "trends",
    "emerging_window",
    "emerging_hours",
    Hours
);
legacy_duration!(
    background_window,
    "trends",
    "background_window",
    "background_days",
    Days
);

/// Whole hours in `d`, at least one (the detectors count in hours).
pub fn whole_hours(d: Duration) -> u32 {
    u32::try_from(d.as_secs() / HOUR.as_secs())
        .unwrap_or(u32::MAX)
        .max(1)
}

/// Parameters of spike detection ([`crate::detect`]). Counts are per bucket of the series
/// (the defaults are meant for hourly buckets).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpikeParams {
    /// Weeks of the same slot (hour of the week for hourly buckets) the baseline is built from.
    pub baseline_weeks: u32,
    /// Fewer weeks of history than this: the daily fallback baseline is used instead.
    pub min_baseline_weeks: u32,
    /// Neighbouring buckets on each side of the slot that join the baseline sample in every
    /// past week (or day): more samples for the median, and slack for a cycle that shifts.
    pub slot_spread: u32,
    /// Days of the same time of day the fallback baseline is built from.
    pub fallback_days: u32,
    /// Fewer days than this: no baseline, no detection.
    pub min_fallback_days: u32,
    /// A bucket is *hot* when its score reaches this (and the ratio and volume below hold).
    pub score: f64,
    /// A hot bucket whose score reaches this opens a spike on its own, when its count is
    /// also as rare under the count model itself as a normal value `single_bucket_tail`
    /// standard deviations up (the normal approximation's tail is too light for
    /// over-dispersed counts).
    pub single_bucket_score: f64,
    pub single_bucket_tail: f64,
    /// Otherwise `confirm_hits` hot buckets among the last `confirm_window` open one.
    pub confirm_hits: u32,
    pub confirm_window: u32,
    /// A hot bucket holds at least this many times its expected count.
    pub min_ratio: f64,
    /// A hot bucket holds at least this many items (the minimum-volume floor).
    pub min_volume: f64,
    /// This many buckets in a row neither hot nor firing the long window close a spike.
    pub close_after: u32,
    /// The long window: the last `long_window` (whole hours, `"24h"`) against the
    /// `long_history` windows of the same length before it.
    #[serde(
        alias = "long_window_hours",
        deserialize_with = "long_window",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub long_window: Duration,
    pub long_history: u32,
    /// Fewer earlier windows than this: the long window is not tested.
    pub min_long_history: u32,
    pub long_score: f64,
    pub long_min_ratio: f64,
    pub long_min_volume: f64,
    /// The mid window (`"2h"`): its buckets summed against their summed expectation, at
    /// `mid_score` (on its own past's median and spread), `mid_min_ratio` and
    /// `long_min_volume`. Only where it spans at least four buckets (at hourly buckets the
    /// confirmation rule covers it).
    #[serde(with = "websense_model::duration::text")]
    pub mid_window: Duration,
    pub mid_score: f64,
    pub mid_min_ratio: f64,
    /// With at least one but fewer than `min_fallback_days` days of history the same time
    /// of day on those days stands in, with the scale widened by this factor.
    pub short_history_widen: f64,
    /// With fewer than `min_baseline_weeks` weeks (the time of day stands in), the scale
    /// is widened by this factor: the weekday is not known yet.
    pub daily_widen: f64,
    /// A spike that has lasted `level_shift_after` (`"36h"`, longer than a day so that a day-long surge stays a spike) and whose last
    /// `level_shift_after` holds at least `level_shift_ratio` times the expected count, with
    /// at least `level_shift_share` of its buckets above expected, is a level shift: it is
    /// reported once and the history before it is rescaled to the new level. The same
    /// holds downwards (at most `1 / level_shift_ratio`, that share below expected).
    #[serde(with = "websense_model::duration::text")]
    pub level_shift_after: Duration,
    pub level_shift_ratio: f64,
    pub level_shift_share: f64,
}

impl Default for SpikeParams {
    fn default() -> Self {
        SpikeParams {
            baseline_weeks: 4,
            min_baseline_weeks: 2,
            slot_spread: 1,
            fallback_days: 7,
            min_fallback_days: 3,
            score: 3.0,
            single_bucket_score: 4.5,
            single_bucket_tail: 4.0,
            confirm_hits: 2,
            confirm_window: 3,
            min_ratio: 1.5,
            min_volume: 10.0,
            close_after: 2,
            long_window: 24 * HOUR,
            long_history: 14,
            min_long_history: 7,
            long_score: 4.0,
            long_min_ratio: 1.5,
            long_min_volume: 50.0,
            mid_window: 2 * HOUR,
            mid_score: 3.0,
            mid_min_ratio: 1.3,
            short_history_widen: 2.0,
            daily_widen: 1.15,
            level_shift_after: 36 * HOUR,
            level_shift_ratio: 1.5,
            level_shift_share: 0.75,
        }
    }
}

/// Parameters of emerging-term suggestions ([`crate::emerging_terms`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmergingParams {
    /// Tokens shorter than this (in characters) are skipped.
    pub min_token_chars: usize,
    /// Candidates in fewer foreground items than this are not suggested.
    pub min_items: usize,
    /// ... nor those written by fewer distinct authors (items without an author count as
    /// authors of their own).
    pub min_authors: usize,
    /// The smoothing count added to a term's background items (so a term absent there
    /// has a share above zero).
    pub prior: f64,
    /// The smallest log-likelihood ratio `G²` against all older items that is suggested
    /// (15.1: a chance of 1 in 10,000 under one shared rate).
    pub min_score: f64,
    /// With at least `min_flagged_background` older flagged items, the smallest `G²`
    /// against them (10.8: 1 in 1,000).
    pub min_flagged_background: usize,
    pub min_rise_score: f64,
    /// A candidate needs at least this many times its reference share.
    pub min_ratio: f64,
    /// Of a suggested phrase and a suggested word in it, the phrase is kept when it is in
    /// at least this share of the word's items, else the word.
    pub phrase_share: f64,
    pub max_suggestions: usize,
    pub examples: usize,
}

impl Default for EmergingParams {
    fn default() -> Self {
        EmergingParams {
            min_token_chars: 3,
            min_items: 5,
            min_authors: 3,
            prior: 0.5,
            min_score: 15.1,
            min_flagged_background: 100,
            min_rise_score: 10.8,
            min_ratio: 5.0,
            phrase_share: 0.8,
            max_suggestions: 50,
            examples: 5,
        }
    }
}

/// The most municipalities `[trends] municipalities` may list (the Netherlands has 342).
pub const MAX_MUNICIPALITIES: usize = 400;

/// `[trends] municipalities`: CBS codes, each `GM` and four digits, at most
/// [`MAX_MUNICIPALITIES`].
fn municipality_codes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let codes = Vec::<String>::deserialize(d)?;
    if let Some(bad) = codes
        .iter()
        .find(|c| !websense_model::place::is_municipality_code(c))
    {
        return Err(serde::de::Error::custom(format!(
            "`{bad}` is not a municipality code: GM and four digits, like GM0479 (Zaanstad)"
        )));
    }
    if codes.len() > MAX_MUNICIPALITIES {
        return Err(serde::de::Error::custom(format!(
            "{} municipalities listed; at most {MAX_MUNICIPALITIES}",
            codes.len()
        )));
    }
    Ok(codes)
}

/// What the series of a category count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryMeasure {
    /// Items with a counted hit in the category.
    Items,
    /// Items flagged for the category.
    Flagged,
    /// Counted hits.
    Hits,
}

/// The `[trends]` section: what to scan and with which parameters.
///
/// ```toml
/// [trends]
/// bucket = "1h"
/// top_terms = 50
/// tags = ["gemeente:utrecht"]
/// languages = ["nld", "eng"]
///
/// [trends.spikes]
/// min_volume = 10
///
/// [trends.emerging]
/// min_items = 5
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrendsConfig {
    pub bucket: BucketSize,
    pub category_measure: CategoryMeasure,
    /// Categories scanned besides those the store's term counts show.
    pub categories: Vec<String>,
    /// Terms always scanned, as `[category, term]` pairs, besides the busiest and most risen.
    pub terms: Vec<(String, String)>,
    /// Terms scanned: this many with the most items in the last long window, and this many
    /// that rose most in it.
    pub top_terms: usize,
    /// Each series is also scanned per source tag and per language listed here.
    pub tags: Vec<String>,
    pub languages: Vec<String>,
    /// Each category's series is also scanned per municipality: these (CBS codes such as
    /// `GM0479`: the region watched), or, when none are listed, the `top_municipalities`
    /// with most items in the last long window. Bounded either way: at most
    /// 400 listed.
    #[serde(deserialize_with = "municipality_codes")]
    pub municipalities: Vec<String>,
    pub top_municipalities: usize,
    /// Spikes that ended longer ago than this (whole hours, `"24h"`) are not reported.
    #[serde(
        alias = "report_hours",
        deserialize_with = "report_window",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub report_window: Duration,
    /// Items and terms attached to each spike.
    pub top_items: usize,
    pub top_spike_terms: usize,
    /// Emerging terms: flagged and spiking items of the last `emerging_window` (whole
    /// hours, `"24h"`) against a background of at most `background_items` items of the
    /// `background_window` (whole hours, `"14d"`) before.
    #[serde(
        alias = "emerging_hours",
        deserialize_with = "emerging_window",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub emerging_window: Duration,
    #[serde(
        alias = "background_days",
        deserialize_with = "background_window",
        serialize_with = "websense_model::duration::text::serialize"
    )]
    pub background_window: Duration,
    pub background_items: usize,
    pub spikes: SpikeParams,
    pub emerging: EmergingParams,
}

impl Default for TrendsConfig {
    fn default() -> Self {
        TrendsConfig {
            bucket: BucketSize::Hour,
            category_measure: CategoryMeasure::Items,
            categories: Vec::new(),
            terms: Vec::new(),
            top_terms: 30,
            tags: Vec::new(),
            languages: Vec::new(),
            municipalities: Vec::new(),
            top_municipalities: 20,
            report_window: 24 * HOUR,
            top_items: 5,
            top_spike_terms: 10,
            emerging_window: 24 * HOUR,
            background_window: 14 * 24 * HOUR,
            background_items: 20_000,
            spikes: SpikeParams::default(),
            emerging: EmergingParams::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct File {
        #[serde(default)]
        trends: TrendsConfig,
    }

    #[test]
    fn the_trends_section_defaults_every_field_and_rejects_typos() {
        let f: File = toml::from_str("").unwrap();
        assert_eq!(f.trends, TrendsConfig::default());
        let f: File = toml::from_str(
            "[trends]\nbucket = \"5m\"\ntags = [\"gemeente:utrecht\"]\n\
             [trends.spikes]\nmin_volume = 25\nlong_window = \"1h\"\nlong_history = 12\n\
             [trends.emerging]\nmin_items = 8\n",
        )
        .unwrap();
        assert_eq!(f.trends.bucket, BucketSize::FiveMinutes);
        assert_eq!(f.trends.tags, vec!["gemeente:utrecht".to_string()]);
        assert_eq!(f.trends.spikes.min_volume, 25.0);
        assert_eq!(f.trends.spikes.long_history, 12);
        assert_eq!(f.trends.spikes.baseline_weeks, 4);
        assert_eq!(f.trends.emerging.min_items, 8);
        assert_eq!(f.trends.emerging.min_authors, 3);
        let f: File =
            toml::from_str("[trends]\nmunicipalities = [\"GM0479\", \"GM0363\"]\n").unwrap();
        assert_eq!(f.trends.municipalities, ["GM0479", "GM0363"]);
        assert_eq!(f.trends.top_municipalities, 20);
        let bad = toml::from_str::<File>("[trends]\nmunicipalities = [\"Zaanstad\"]\n");
        assert!(bad
            .err()
            .unwrap()
            .to_string()
            .contains("`Zaanstad` is not a municipality code"));
        for typo in [
            "[trends]\ntop_term = 5\n",
            "[trends.spikes]\nmin_volum = 5\n",
        ] {
            assert!(toml::from_str::<File>(typo).is_err(), "{typo}");
        }
    }

    /// The windows read as durations; the old `*_hours`/`*_days` keys in their unit with a
    /// notice; both spellings at once are an error.
    #[test]
    fn windows_read_new_and_old_keys() {
        use websense_model::duration::take_deprecations;
        type Get = fn(&TrendsConfig) -> Duration;
        let cases: [(&str, &str, &str, Get, Duration); 4] = [
            (
                "[trends]",
                "report_hours = 6",
                "report_window = \"6h\"",
                |t| t.report_window,
                6 * HOUR,
            ),
            (
                "[trends]",
                "emerging_hours = 48",
                "emerging_window = \"2d\"",
                |t| t.emerging_window,
                48 * HOUR,
            ),
            (
                "[trends]",
                "background_days = 7",
                "background_window = \"7d\"",
                |t| t.background_window,
                168 * HOUR,
            ),
            (
                "[trends.spikes]",
                "long_window_hours = 12",
                "long_window = \"12h\"",
                |t| t.spikes.long_window,
                12 * HOUR,
            ),
        ];
        let read = |text: String| {
            toml::from_str::<File>(&text)
                .map(|f| f.trends)
                .map_err(|e| e.to_string())
        };
        for (table, old, new, get, want) in cases {
            take_deprecations();
            assert_eq!(
                get(&read(format!("{table}\n{new}\n")).unwrap()),
                want,
                "{new}"
            );
            assert!(take_deprecations().is_empty(), "{new}");
            assert_eq!(
                get(&read(format!("{table}\n{old}\n")).unwrap()),
                want,
                "{old}"
            );
            let notices = take_deprecations();
            assert!(
                notices.len() == 1
                    && notices[0].contains(&format!("{table} `{old}`"))
                    && notices[0].contains(&format!("write `{new}`")),
                "{notices:?}"
            );
            let e = read(format!("{table}\n{new}\n{old}\n")).unwrap_err();
            assert!(e.contains("duplicate field"), "{e}");
        }
        assert_eq!(whole_hours(Duration::from_secs(90 * 60)), 1);
        assert_eq!(whole_hours(Duration::ZERO), 1);
        assert_eq!(whole_hours(14 * 24 * HOUR), 336);
    }
}
