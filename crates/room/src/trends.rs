//! Trend analysis behind `/api/spikes`, `/api/terms/emerging` and spike candidates.
//!
//! The room asks through [`TrendAnalysis`], so it runs (and its tests run) with or without
//! it: with no analysis plugged in (`Room::with_trends`), those endpoints answer 501 and
//! candidate scans make candidates from flagged items only. [`SeasonalTrends`] is the
//! analysis `websense serve` plugs in: `websense-trends`' seasonal spike detector and
//! emerging-term suggestions over the store.

use crate::lexicons::LexiconSources;
use crate::spike_scan::{scan_emerging, scan_spikes, Spike};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::OnceLock;
use websense_gazetteer::Gazetteer;
use websense_model::BoxFuture;
use websense_signals::{NamedMunicipality, SpikeEvidence, TermHits};
use websense_store::{BucketSize, Filter, Store, Subject, TimeRange};
use websense_trends::{KnownTerms, SpikeState, Suggestion, TrendsConfig};

/// Which spikes to report: those of series of `bucket` that overlap `range`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeQuery {
    pub range: TimeRange,
    pub bucket: BucketSize,
    /// Only this category (and its terms); none: every category.
    pub category: Option<String>,
    /// With `category`: only this term's series, which is then scanned even when it is not
    /// among the busiest or most risen terms.
    #[serde(default)]
    pub term: Option<String>,
    /// Only series of these items; none: every series scanned.
    pub filter: Option<Filter>,
}

/// A spike as the analysis reports it: the evidence a signal keeps, and where the spike
/// stands at the end of the range.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportedSpike {
    #[serde(flatten)]
    pub evidence: SpikeEvidence,
    /// The end of its last active bucket.
    pub end: DateTime<Utc>,
    /// Items over what the baseline expected (`items / max(expected, 1)`).
    pub ratio: f64,
    pub state: SpikeState,
}

/// Which emerging terms to suggest: those of the flagged and spiking items of `range` (of
/// these municipalities only, when any are named; against the background of all items).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmergingQuery {
    pub range: TimeRange,
    pub limit: usize,
    #[serde(default)]
    pub municipalities: Vec<String>,
}

/// Spike detection and emerging-term suggestion over a store.
pub trait TrendAnalysis: Send + Sync {
    fn spikes<'a>(
        &'a self,
        store: &'a dyn Store,
        query: &'a SpikeQuery,
    ) -> BoxFuture<'a, Result<Vec<ReportedSpike>, String>>;

    fn emerging<'a>(
        &'a self,
        store: &'a dyn Store,
        query: &'a EmergingQuery,
    ) -> BoxFuture<'a, Result<Vec<Suggestion>, String>>;
}

/// `websense-trends` over the store, with the `[trends]` settings.
pub struct SeasonalTrends {
    config: TrendsConfig,
    lexicon_dir: PathBuf,
}

impl SeasonalTrends {
    pub fn new(config: TrendsConfig, lexicon_dir: impl Into<PathBuf>) -> SeasonalTrends {
        SeasonalTrends {
            config,
            lexicon_dir: lexicon_dir.into(),
        }
    }

    /// The settings for a range ending at its end: report what overlaps it.
    fn config_for(&self, range: &TimeRange, bucket: BucketSize) -> TrendsConfig {
        let hours = ((range.to - range.from).num_minutes() + 59) / 60;
        TrendsConfig {
            bucket,
            report_window: std::time::Duration::from_secs(
                3600 * hours.clamp(1, u32::MAX as i64) as u64,
            ),
            emerging_window: std::time::Duration::from_secs(
                3600 * hours.clamp(1, u32::MAX as i64) as u64,
            ),
            ..self.config.clone()
        }
    }
}

fn reported(spike: Spike) -> ReportedSpike {
    let (end, ratio, state) = (
        spike.detection.end,
        spike.detection.ratio,
        spike.detection.state,
    );
    ReportedSpike {
        evidence: evidence(spike),
        end,
        ratio,
        state,
    }
}

fn evidence(spike: Spike) -> SpikeEvidence {
    let (category, term) = match spike.subject {
        Subject::Category(c) => (c, None),
        Subject::Term { category, term } => (category, Some(term)),
    };
    let d = spike.detection;
    SpikeEvidence {
        category,
        term,
        municipalities: named(&spike.filter.municipalities),
        filter: spike.filter,
        bucket: spike.bucket,
        bucket_start: d.start,
        items: d.observed.max(0.0).round() as u64,
        expected: d.expected,
        score: d.score,
        detector: "websense-trends seasonal".into(),
        top_terms: spike
            .top_terms
            .into_iter()
            .map(|t| TermHits {
                category: t.category,
                term: t.term,
                hits: t.items.min(u64::from(u32::MAX)) as u32,
                ..TermHits::default()
            })
            .collect(),
        example_items: spike.top_items.into_iter().map(|i| i.id).collect(),
    }
}

/// Municipality codes with their names from the gazetteer we ship (built once); a code it
/// does not know keeps the code as its name.
fn named(codes: &[String]) -> Vec<NamedMunicipality> {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    if codes.is_empty() {
        return Vec::new();
    }
    let gazetteer = GAZETTEER.get_or_init(Gazetteer::shipped);
    codes
        .iter()
        .map(|code| NamedMunicipality {
            code: code.clone(),
            name: gazetteer
                .municipality(code)
                .map_or_else(|| code.clone(), |m| m.name.clone()),
        })
        .collect()
}

fn overlaps(spike: &Spike, range: &TimeRange) -> bool {
    spike.detection.start < range.to && spike.detection.end > range.from
}

/// Scan the municipalities `codes` that a question names: they join a configured list;
/// without one they replace the busiest (which
/// [`crate::spike_scan::watched_municipalities`] would pick), as the answer is about them.
fn watch<'a>(config: &mut TrendsConfig, codes: impl IntoIterator<Item = &'a String>) {
    for code in codes {
        if !config.municipalities.contains(code) {
            config.municipalities.push(code.clone());
        }
    }
}

impl TrendAnalysis for SeasonalTrends {
    fn spikes<'a>(
        &'a self,
        store: &'a dyn Store,
        query: &'a SpikeQuery,
    ) -> BoxFuture<'a, Result<Vec<ReportedSpike>, String>> {
        Box::pin(async move {
            let mut config = self.config_for(&query.range, query.bucket);
            // The scan picks its series from the day before its end: a range reaching into
            // the future would pick none, and one in the past only what was busy at its end,
            // so the end is now at the latest and the asked category is always scanned.
            if let Some(c) = &query.category {
                if !config.categories.contains(c) {
                    config.categories.push(c.clone());
                }
                if let Some(t) = &query.term {
                    config.terms.push((c.clone(), t.clone()));
                }
            }
            // The municipalities asked for are scanned, watched or not.
            watch(
                &mut config,
                query.filter.iter().flat_map(|f| &f.municipalities),
            );
            let spikes = scan_spikes(store, &config, query.range.to.min(Utc::now()))
                .await
                .map_err(|e| e.to_string())?;
            Ok(spikes
                .into_iter()
                .filter(|s| overlaps(s, &query.range))
                .filter(|s| query.filter.as_ref().is_none_or(|f| f == &s.filter))
                .filter(|s| {
                    query.category.as_ref().is_none_or(|c| match &s.subject {
                        Subject::Category(x) => x == c && query.term.is_none(),
                        Subject::Term { category, term } => {
                            category == c && query.term.as_ref().is_none_or(|t| t == term)
                        }
                    })
                })
                .map(reported)
                .collect())
        })
    }

    fn emerging<'a>(
        &'a self,
        store: &'a dyn Store,
        query: &'a EmergingQuery,
    ) -> BoxFuture<'a, Result<Vec<Suggestion>, String>> {
        Box::pin(async move {
            let dir = self.lexicon_dir.clone();
            let known = tokio::task::spawn_blocking(move || {
                LexiconSources::read(&dir).map(|s| KnownTerms::from_lexicons(&s.build().0))
            })
            .await
            .map_err(|e| e.to_string())??;
            let mut config = self.config_for(&query.range, self.config.bucket);
            watch(&mut config, &query.municipalities);
            let until = query.range.to;
            let spikes = scan_spikes(store, &config, until)
                .await
                .map_err(|e| e.to_string())?;
            let foreground = Filter {
                municipalities: query.municipalities.clone(),
                ..Filter::default()
            };
            let (mut suggestions, _, _) =
                scan_emerging(store, &config, &known, &spikes, until, &foreground)
                    .await
                    .map_err(|e| e.to_string())?;
            suggestions.truncate(query.limit);
            Ok(suggestions)
        })
    }
}
