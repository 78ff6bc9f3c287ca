//! The thin async layer of trend analysis: read series and items from a [`Store`], run
//! `websense-trends`' pure detectors, and attach what lies behind each spike. It lives in the
//! room (not in `websense-trends`) so the detectors stay free of any store.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use websense_model::{ItemId, SourceId};
use websense_store::{
    rank_rising, BucketSize, Filter, ItemsQuery, RangeQuery, RangeReader, Store, StoreError,
    StoredItem, Subject, TermCountsQuery, TimeRange, TrendQuery,
};
use websense_trends::{
    detect, emerging_terms, fill_series, whole_hours, CategoryMeasure, Doc, KnownTerms,
    SeriesSpike, SpikeState, Suggestion, TrendsConfig,
};

/// A spike of one series: what it is about, and what lies behind it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spike {
    pub subject: Subject,
    pub filter: Filter,
    pub bucket: BucketSize,
    #[serde(flatten)]
    pub detection: SeriesSpike,
    /// The items of the spike that weigh most for its subject.
    pub top_items: Vec<SpikeItem>,
    /// For a category: its terms that rose most in the spike. For a term: the terms found
    /// most often beside it in the spike's items.
    pub top_terms: Vec<SpikeTerm>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeItem {
    pub id: ItemId,
    pub source: SourceId,
    pub event_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The item's score for the spike's category (for a term: the term's hits in it).
    pub weight: f64,
    /// Categories the item is flagged for.
    pub flagged: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeTerm {
    pub category: String,
    pub term: String,
    /// Items with the term in the spike.
    pub items: u64,
    /// For a category spike: items with the term in the same length of time right before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_items: Option<u64>,
}

/// Everything one scan found.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub until: DateTime<Utc>,
    /// Highest score first.
    pub spikes: Vec<Spike>,
    pub suggestions: Vec<Suggestion>,
    /// Foreground and background items the suggestions were counted over.
    pub foreground_items: usize,
    pub background_items: usize,
}

/// The most buckets whose items are read to find a spike's top items (a long-window spike
/// can span a day).
const MAX_ITEM_BUCKETS: usize = 24;
/// Items read per bucket of a spike.
const ITEMS_PER_BUCKET: usize = 200;
/// Items read per query when reading whole windows.
const PAGE: usize = 1000;

/// Spikes over the history before `until`, then emerging terms in the items of the last
/// `emerging_window` that are flagged or in a spike.
pub async fn scan(
    store: &dyn Store,
    config: &TrendsConfig,
    known: &KnownTerms,
    until: DateTime<Utc>,
) -> Result<ScanReport, StoreError> {
    let spikes = scan_spikes(store, config, until).await?;
    let (suggestions, foreground_items, background_items) =
        scan_emerging(store, config, known, &spikes, until, &Filter::default()).await?;
    Ok(ScanReport {
        until,
        spikes,
        suggestions,
        foreground_items,
        background_items,
    })
}

/// The filters every series is scanned under: all items, then each configured tag and
/// language (category series also per watched municipality: [`watched_municipalities`]).
fn filters(config: &TrendsConfig) -> Vec<Filter> {
    let mut filters = vec![Filter::default()];
    filters.extend(config.tags.iter().map(|t| Filter {
        tag: Some(t.clone()),
        ..Filter::default()
    }));
    filters.extend(config.languages.iter().map(|l| Filter {
        language: Some(l.clone()),
        ..Filter::default()
    }));
    filters
}

/// The municipalities whose category series a scan up to `until` watches: the configured
/// ones (`[trends] municipalities`, the region), else the `top_municipalities` with most
/// items in the last long window (most first, then by code). Bounded either way, since each
/// adds a series per category.
pub async fn watched_municipalities(
    store: &dyn Store,
    config: &TrendsConfig,
    until: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    if !config.municipalities.is_empty() {
        return Ok(config.municipalities.clone());
    }
    if config.top_municipalities == 0 {
        return Ok(Vec::new());
    }
    let window = Duration::hours(i64::from(whole_hours(config.spikes.long_window)));
    let mut counts = store
        .municipality_counts(TimeRange::new(until - window, until), &Filter::default())
        .await?;
    counts.sort_by(|a, b| {
        b.items
            .cmp(&a.items)
            .then_with(|| a.municipality.cmp(&b.municipality))
    });
    Ok(counts
        .into_iter()
        .take(config.top_municipalities)
        .map(|c| c.municipality)
        .collect())
}

/// The range of buckets a scan up to `until` reads each series over (and detects in): what
/// an analyst exports from the trend explorer to check a spike with `websense trends detect`.
pub fn scan_range(config: &TrendsConfig, until: DateTime<Utc>) -> TimeRange {
    TimeRange::new(until - history(config), until)
}

/// How far back the detector needs to look.
fn history(config: &TrendsConfig) -> Duration {
    let p = &config.spikes;
    let short = Duration::weeks(p.baseline_weeks as i64) + Duration::days(1);
    let long = Duration::hours((p.long_history as i64 + 1) * i64::from(whole_hours(p.long_window)));
    short.max(long)
}

/// The categories and terms to scan: configured categories and terms, every category the
/// term counts of the last long window show, and the `top_terms` terms with most items and
/// the `top_terms` that rose most there.
async fn subjects(
    store: &dyn Store,
    config: &TrendsConfig,
    until: DateTime<Utc>,
) -> Result<Vec<Subject>, StoreError> {
    let window = Duration::hours(i64::from(whole_hours(config.spikes.long_window)));
    let counts = store
        .term_counts(&TermCountsQuery {
            current: TimeRange::new(until - window, until),
            category: None,
            filter: Filter::default(),
        })
        .await?;
    let categories: BTreeSet<String> = config
        .categories
        .iter()
        .cloned()
        .chain(counts.iter().map(|c| c.category.clone()))
        .collect();
    let mut busiest = counts.clone();
    busiest.retain(|c| c.current_items > 0);
    busiest.sort_by(|a, b| {
        b.current_items
            .cmp(&a.current_items)
            .then_with(|| (&a.category, &a.term).cmp(&(&b.category, &b.term)))
    });
    let terms: BTreeSet<(String, String)> = busiest
        .into_iter()
        .take(config.top_terms)
        .map(|c| (c.category, c.term))
        .chain(
            rank_rising(counts, 1, config.top_terms)
                .into_iter()
                .map(|r| (r.category, r.term)),
        )
        .chain(config.terms.iter().cloned())
        .collect();
    Ok(categories
        .into_iter()
        .map(Subject::Category)
        .chain(
            terms
                .into_iter()
                .map(|(category, term)| Subject::Term { category, term }),
        )
        .collect())
}

/// Detect spikes in every scanned series; report those not closed or ended within the last
/// `report_window`, with their top items and terms, highest score first.
pub async fn scan_spikes(
    store: &dyn Store,
    config: &TrendsConfig,
    until: DateTime<Utc>,
) -> Result<Vec<Spike>, StoreError> {
    let range = scan_range(config, until);
    let report_from = until - Duration::hours(i64::from(whole_hours(config.report_window)));
    let mut spikes = Vec::new();
    let municipalities = watched_municipalities(store, config, until).await?;
    for subject in subjects(store, config, until).await? {
        let mut scanned = filters(config);
        // Each watched municipality's category series; terms stay region-wide (they would
        // multiply the series by the terms scanned).
        if matches!(subject, Subject::Category(_)) {
            scanned.extend(
                municipalities
                    .iter()
                    .map(|m| Filter::municipalities([m.clone()])),
            );
        }
        for filter in scanned {
            let query = TrendQuery {
                bucket: config.bucket,
                range,
                filter: filter.clone(),
            };
            let points = series(store, config.category_measure, &subject, &query).await?;
            let series = fill_series(points, config.bucket, range.from, range.to);
            for detection in detect(&series, config.bucket, &config.spikes) {
                if detection.state == SpikeState::Closed && detection.end <= report_from {
                    continue;
                }
                let (top_items, top_terms) =
                    behind(store, config, &subject, &filter, &detection).await?;
                spikes.push(Spike {
                    subject: subject.clone(),
                    filter: filter.clone(),
                    bucket: config.bucket,
                    detection,
                    top_items,
                    top_terms,
                });
            }
        }
    }
    spikes.sort_by(|a, b| b.detection.score.total_cmp(&a.detection.score));
    Ok(spikes)
}

async fn series(
    store: &dyn Store,
    measure: CategoryMeasure,
    subject: &Subject,
    query: &TrendQuery,
) -> Result<Vec<(DateTime<Utc>, f64)>, StoreError> {
    Ok(match subject {
        Subject::Category(category) => store
            .category_trend(category, query)
            .await?
            .into_iter()
            .map(|p| {
                let value = match measure {
                    CategoryMeasure::Items => p.items,
                    CategoryMeasure::Flagged => p.flagged,
                    CategoryMeasure::Hits => p.hits,
                };
                (p.bucket_start, value as f64)
            })
            .collect(),
        Subject::Term { category, term } => store
            .term_trend(category, term, query)
            .await?
            .into_iter()
            .map(|p| (p.bucket_start, p.items as f64))
            .collect(),
    })
}

/// The top items and terms behind a spike.
async fn behind(
    store: &dyn Store,
    config: &TrendsConfig,
    subject: &Subject,
    filter: &Filter,
    spike: &SeriesSpike,
) -> Result<(Vec<SpikeItem>, Vec<SpikeTerm>), StoreError> {
    let size = Duration::seconds(config.bucket.seconds());
    // The peak bucket first, then the rest of the spike in order.
    let mut buckets = vec![spike.peak];
    let mut at = spike.start;
    while at < spike.end && buckets.len() < MAX_ITEM_BUCKETS {
        if at != spike.peak {
            buckets.push(at);
        }
        at += size;
    }
    let mut items: Vec<StoredItem> = Vec::new();
    for at in buckets {
        items.extend(
            store
                .bucket_items(&ItemsQuery {
                    bucket: config.bucket,
                    at,
                    subject: Some(subject.clone()),
                    filter: filter.clone(),
                    limit: ITEMS_PER_BUCKET,
                    offset: 0,
                })
                .await?,
        );
    }
    let weight = |item: &StoredItem| match subject {
        Subject::Category(category) => item
            .scores
            .iter()
            .filter(|s| &s.category == category)
            .map(|s| s.score)
            .sum(),
        Subject::Term { category, term } => item
            .matches
            .iter()
            .filter(|h| &h.category == category && &h.term == term)
            .count() as f64,
    };
    let mut ranked: Vec<(f64, &StoredItem)> = items.iter().map(|i| (weight(i), i)).collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.item.event_time().cmp(&b.1.item.event_time()))
            .then_with(|| a.1.item.id.cmp(&b.1.item.id))
    });
    let top_items = ranked
        .iter()
        .take(config.top_items)
        .map(|(weight, stored)| SpikeItem {
            id: stored.item.id.clone(),
            source: stored.item.source.id.clone(),
            event_time: stored.item.event_time(),
            title: stored.item.title.clone(),
            weight: *weight,
            flagged: stored
                .scores
                .iter()
                .filter(|s| s.flagged)
                .map(|s| s.category.clone())
                .collect(),
        })
        .collect();

    let top_terms = match subject {
        Subject::Category(category) => {
            let counts = store
                .term_counts(&TermCountsQuery {
                    current: TimeRange::new(spike.start, spike.end),
                    category: Some(category.clone()),
                    filter: filter.clone(),
                })
                .await?;
            rank_rising(counts, 1, config.top_spike_terms)
                .into_iter()
                .map(|r| SpikeTerm {
                    category: r.category,
                    term: r.term,
                    items: r.current_items,
                    baseline_items: Some(r.baseline_items),
                })
                .collect()
        }
        Subject::Term { category, term } => {
            let mut beside: HashMap<(&str, &str), u64> = HashMap::new();
            for stored in &items {
                let terms: BTreeSet<(&str, &str)> = stored
                    .matches
                    .iter()
                    .map(|h| (h.category.as_str(), h.term.as_str()))
                    .filter(|&(c, t)| (c, t) != (category.as_str(), term.as_str()))
                    .collect();
                for key in terms {
                    *beside.entry(key).or_default() += 1;
                }
            }
            let mut beside: Vec<((&str, &str), u64)> = beside.into_iter().collect();
            beside.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            beside
                .into_iter()
                .take(config.top_spike_terms)
                .map(|((category, term), items)| SpikeTerm {
                    category: category.to_string(),
                    term: term.to_string(),
                    items,
                    baseline_items: None,
                })
                .collect()
        }
    };
    Ok((top_items, top_terms))
}

/// Whether a stored item counts under `filter` (as the store's own filters count it).
fn admits(filter: &Filter, stored: &StoredItem) -> bool {
    let item = &stored.item;
    filter
        .source
        .as_deref()
        .is_none_or(|s| item.source.id.as_str() == s)
        && filter
            .tag
            .as_deref()
            .filter(|t| !t.is_empty())
            .is_none_or(|t| item.source.tags.iter().any(|x| x == t))
        && filter
            .language
            .as_deref()
            .is_none_or(|l| item.language.as_ref().map_or("", |lang| lang.code.as_str()) == l)
        && (filter.municipalities.is_empty()
            || stored
                .municipalities
                .iter()
                .any(|m| filter.municipalities.contains(m)))
}

/// The categories a spike puts `stored` in: the spike's category (or its term's), when the
/// item is in the spike's time, counts under its filter, and has a hit of its subject.
fn spiking_categories<'s>(spikes: &'s [Spike], stored: &StoredItem) -> Vec<&'s str> {
    let at = stored.item.event_time();
    spikes
        .iter()
        .filter(|s| s.detection.start <= at && at < s.detection.end && admits(&s.filter, stored))
        .filter_map(|s| match &s.subject {
            Subject::Category(c) => stored
                .matches
                .iter()
                .any(|h| &h.category == c)
                .then_some(c.as_str()),
            Subject::Term { category, term } => stored
                .matches
                .iter()
                .any(|h| &h.category == category && &h.term == term)
                .then_some(category.as_str()),
        })
        .collect()
}

/// Every item with text in `range` (and `filter`), at most the first `per_hour` (in event
/// time, id order) of each clock hour, read with the store's range read: one keyset-paged
/// read per hour, so an hour past its cap is skipped rather than paged through.
async fn items_in(
    store: &dyn Store,
    range: TimeRange,
    filter: &Filter,
    per_hour: usize,
) -> Result<Vec<StoredItem>, StoreError> {
    let mut items = Vec::new();
    let hour_secs = BucketSize::Hour.seconds();
    let mut from = range.from;
    while from < range.to && per_hour > 0 {
        let next_hour = (from.timestamp().div_euclid(hour_secs) + 1) * hour_secs;
        let to = DateTime::from_timestamp(next_hour, 0)
            .unwrap_or(range.to)
            .min(range.to);
        let hour = RangeQuery::new(TimeRange::new(from, to), filter.clone(), PAGE.min(per_hour));
        let mut reader = RangeReader::new(store, hour);
        let mut read = 0;
        while read < per_hour {
            let Some(page) = reader.next_page().await? else {
                break;
            };
            let take = page.len().min(per_hour - read);
            read += take;
            items.extend(page.into_iter().take(take).filter(|s| !s.text_purged));
        }
        from = to;
    }
    Ok(items)
}

/// Emerging terms of the flagged and spiking items of the last `emerging_window` (those of
/// `foreground`'s items only: one municipality's, say) against a background sample of all
/// items of the `background_window` before; with the number of foreground and background
/// items.
pub async fn scan_emerging(
    store: &dyn Store,
    config: &TrendsConfig,
    known: &KnownTerms,
    spikes: &[Spike],
    until: DateTime<Utc>,
    foreground: &Filter,
) -> Result<(Vec<Suggestion>, usize, usize), StoreError> {
    let hours = i64::from(whole_hours(config.emerging_window));
    let recent_from = until - Duration::hours(hours);
    let recent = items_in(
        store,
        TimeRange::new(recent_from, until),
        foreground,
        usize::MAX,
    )
    .await?;
    let background_hours = whole_hours(config.background_window) as usize;
    let background = items_in(
        store,
        TimeRange::new(
            recent_from - Duration::hours(background_hours as i64),
            recent_from,
        ),
        &Filter::default(),
        config.background_items.div_ceil(background_hours).max(1),
    )
    .await?;

    let mut foreground: Vec<(&StoredItem, Vec<String>)> = Vec::new();
    for stored in &recent {
        let mut categories: BTreeMap<&str, ()> = BTreeMap::new();
        for s in stored.scores.iter().filter(|s| s.flagged) {
            categories.insert(&s.category, ());
        }
        for c in spiking_categories(spikes, stored) {
            categories.insert(c, ());
        }
        if !categories.is_empty() {
            let categories = categories.into_keys().map(str::to_string).collect();
            foreground.push((stored, categories));
        }
    }
    fn doc(stored: &StoredItem) -> (&ItemId, Option<&str>, String) {
        (
            &stored.item.id,
            stored.item.author.as_ref().map(|a| a.pseudonym.0.as_str()),
            text_of(stored),
        )
    }
    let texts: Vec<(&ItemId, Option<&str>, String)> =
        foreground.iter().map(|(s, _)| doc(s)).collect();
    let fg: Vec<Doc> = texts
        .iter()
        .zip(&foreground)
        .map(|((id, author, text), (_, categories))| Doc {
            id,
            author: *author,
            text,
            categories,
        })
        .collect();
    let background_texts: Vec<(&ItemId, Option<&str>, String)> =
        background.iter().map(doc).collect();
    let bg: Vec<Doc> = background_texts
        .iter()
        .map(|(id, author, text)| Doc {
            id,
            author: *author,
            text,
            categories: &[],
        })
        .collect();
    Ok((
        emerging_terms(&fg, &bg, known, &config.emerging),
        fg.len(),
        bg.len(),
    ))
}

/// Title and text, as the matcher reads them.
fn text_of(stored: &StoredItem) -> String {
    match &stored.item.title {
        Some(title) if !title.is_empty() => format!("{title}\n{}", stored.item.text),
        _ => stored.item.text.clone(),
    }
}
