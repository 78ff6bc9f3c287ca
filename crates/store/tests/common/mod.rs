//! The shared test suite: generated items with known hits (`generate.rs`), an oracle that
//! counts them directly, and one scenario every backend must pass with the same answers.
//! ClickHouse and fresh database names come from `websense-testkit`.
#![allow(dead_code)] // each test binary uses a different part of this module

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};
use websense_model::{CategoryScore, ScoredItem};
use websense_store::*;

mod generate;
pub use generate::*;

/// What the stores should hold: the first version of every id written, minus what was
/// dropped, with purged items marked.
#[derive(Default, Clone)]
pub struct Oracle {
    pub items: BTreeMap<String, ScoredItem>,
    pub purged: BTreeSet<String>,
}

pub fn event_ms(s: &ScoredItem) -> i64 {
    s.item
        .event_time()
        .timestamp_millis()
        .clamp(0, 4_102_444_800_000 - 1)
}

/// Whether an item passes a filter, as the stores must decide it.
pub fn matches_filter(s: &ScoredItem, f: &Filter) -> bool {
    let language = s
        .item
        .language
        .as_ref()
        .map(|l| l.code.as_str())
        .unwrap_or("");
    f.source
        .as_deref()
        .is_none_or(|x| x == s.item.source.id.as_str())
        && f.language.as_deref().is_none_or(|x| x == language)
        && f.tag
            .as_deref()
            .filter(|t| !t.is_empty())
            .is_none_or(|t| s.item.source.tags.iter().any(|x| x == t))
        && (f.municipalities.is_empty()
            || s.municipalities
                .iter()
                .any(|m| f.municipalities.contains(m)))
}

fn micros(score: f64) -> i64 {
    (score * 1e6).round() as i64
}

/// `[lo, hi)` bucket starts (seconds) of the buckets whose start lies in the range.
fn aligned(range: &TimeRange, size: i64) -> (i64, i64) {
    let up = |t: DateTime<Utc>| {
        let ms = t.timestamp_millis();
        let size_ms = size * 1000;
        (ms + size_ms - 1).div_euclid(size_ms) * size
    };
    (up(range.from), up(range.to))
}

impl Oracle {
    /// Record a write: returns the summary the store must report.
    pub fn write(&mut self, batch: &[ScoredItem]) -> WriteSummary {
        let mut summary = WriteSummary::default();
        for s in batch {
            if self.items.contains_key(s.item.id.as_str()) {
                summary.duplicates += 1;
            } else {
                self.items.insert(s.item.id.0.clone(), s.clone());
                summary.written += 1;
            }
        }
        summary
    }

    pub fn purge(&mut self, cutoff: DateTime<Utc>) -> u64 {
        let mut n = 0;
        for (id, s) in &self.items {
            if event_ms(s) < cutoff.timestamp_millis() && self.purged.insert(id.clone()) {
                n += 1;
            }
        }
        n
    }

    /// Drop the months before `cutoff`'s month.
    pub fn drop_older_than(&mut self, cutoff: DateTime<Utc>) -> u64 {
        use chrono::Datelike;
        let boundary = Utc
            .with_ymd_and_hms(cutoff.year(), cutoff.month(), 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        let old: Vec<String> = self
            .items
            .iter()
            .filter(|(_, s)| event_ms(s) < boundary)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &old {
            self.items.remove(id);
            self.purged.remove(id);
        }
        old.len() as u64
    }

    fn selected<'a>(&'a self, f: &'a Filter) -> impl Iterator<Item = &'a ScoredItem> + 'a {
        self.items.values().filter(move |s| matches_filter(s, f))
    }

    pub fn category_trend(&self, category: &str, q: &TrendQuery) -> Vec<CategoryPoint> {
        let size = q.bucket.seconds();
        let (lo, hi) = aligned(&q.range, size);
        let mut points: BTreeMap<i64, CategoryPoint> = BTreeMap::new();
        for s in self.selected(&q.filter) {
            let b = (event_ms(s) / 1000).div_euclid(size) * size;
            if b < lo || b >= hi {
                continue;
            }
            for c in s
                .scores
                .iter()
                .filter(|c| c.category == category && (c.hits >= 1 || c.flagged))
            {
                let p = points.entry(b).or_insert_with(|| CategoryPoint {
                    bucket_start: DateTime::from_timestamp(b, 0).unwrap(),
                    items: 0,
                    flagged: 0,
                    hits: 0,
                    score_micros: 0,
                });
                p.items += u64::from(c.hits >= 1);
                p.flagged += u64::from(c.flagged);
                p.hits += u64::from(c.hits);
                p.score_micros += micros(c.score);
            }
        }
        points.into_values().collect()
    }

    pub fn term_trend(&self, category: &str, term: &str, q: &TrendQuery) -> Vec<TermPoint> {
        let size = q.bucket.seconds();
        let (lo, hi) = aligned(&q.range, size);
        let mut points: BTreeMap<i64, TermPoint> = BTreeMap::new();
        for s in self.selected(&q.filter) {
            let b = (event_ms(s) / 1000).div_euclid(size) * size;
            let hits = s
                .matches
                .iter()
                .filter(|h| h.category == category && h.term == term)
                .count() as u64;
            if b < lo || b >= hi || hits == 0 {
                continue;
            }
            let p = points.entry(b).or_insert_with(|| TermPoint {
                bucket_start: DateTime::from_timestamp(b, 0).unwrap(),
                items: 0,
                hits: 0,
            });
            p.items += 1;
            p.hits += hits;
        }
        points.into_values().collect()
    }

    pub fn term_counts(&self, q: &TermCountsQuery) -> Vec<TermCount> {
        let (lo, hi) = aligned(&q.current, 300);
        let base_lo = lo - (hi - lo);
        let mut counts: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        for s in self.selected(&q.filter) {
            let b = (event_ms(s) / 1000).div_euclid(300) * 300;
            let terms: BTreeSet<(&str, &str)> = s
                .matches
                .iter()
                .filter(|h| q.category.as_deref().is_none_or(|c| c == h.category))
                .map(|h| (h.category.as_str(), h.term.as_str()))
                .collect();
            for (category, term) in terms {
                let c = counts
                    .entry((category.to_string(), term.to_string()))
                    .or_default();
                if b >= lo && b < hi {
                    c.0 += 1;
                } else if b >= base_lo && b < lo {
                    c.1 += 1;
                }
            }
        }
        counts
            .into_iter()
            .filter(|(_, (cur, base))| cur + base > 0)
            .map(
                |((category, term), (current_items, baseline_items))| TermCount {
                    category,
                    term,
                    current_items,
                    baseline_items,
                },
            )
            .collect()
    }

    pub fn expected_stored(&self, s: &ScoredItem) -> StoredItem {
        let purged = self.purged.contains(s.item.id.as_str());
        let mut item = s.item.clone();
        if purged {
            item.title = None;
            item.text = String::new();
            item.author = None;
            item.url = None;
            item.links = Vec::new();
            item.raw = serde_json::Value::Null;
        }
        StoredItem {
            item,
            lexicon_version: s.lexicon_version.clone(),
            matches: s.matches.clone(),
            scores: s
                .scores
                .iter()
                .map(|c| CategoryScore {
                    score: micros(c.score) as f64 / 1e6,
                    ..c.clone()
                })
                .collect(),
            text_purged: purged,
            places: s.places.clone(),
            municipalities: s.municipalities.clone(),
        }
    }

    pub fn bucket_items(&self, q: &ItemsQuery) -> Vec<StoredItem> {
        let size_ms = q.bucket.seconds() * 1000;
        let lo = q.at.timestamp_millis().div_euclid(size_ms) * size_ms;
        let mut selected: Vec<&ScoredItem> = self
            .selected(&q.filter)
            .filter(|s| (lo..lo + size_ms).contains(&event_ms(s)))
            .filter(|s| match &q.subject {
                None => true,
                Some(Subject::Category(c)) => {
                    s.scores.iter().any(|x| &x.category == c && x.hits >= 1)
                }
                Some(Subject::Term { category, term }) => s
                    .matches
                    .iter()
                    .any(|h| &h.category == category && &h.term == term),
            })
            .collect();
        selected.sort_by(|a, b| {
            event_ms(a)
                .cmp(&event_ms(b))
                .then(a.item.id.cmp(&b.item.id))
        });
        selected
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|s| self.expected_stored(s))
            .collect()
    }

    pub fn source_counts(&self) -> Vec<SourceCount> {
        let mut by_source: BTreeMap<String, SourceCount> = BTreeMap::new();
        for s in self.items.values() {
            let newest = s.item.event_time();
            let count = by_source
                .entry(s.item.source.id.0.clone())
                .or_insert_with(|| SourceCount {
                    source: s.item.source.id.0.clone(),
                    items: 0,
                    newest,
                });
            count.items += 1;
            count.newest = count.newest.max(newest);
        }
        by_source.into_values().collect()
    }

    pub fn municipality_counts(&self, range: &TimeRange, f: &Filter) -> Vec<MunicipalityCount> {
        let (lo, hi) = (range.from.timestamp_millis(), range.to.timestamp_millis());
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for s in self.selected(f).filter(|s| (lo..hi).contains(&event_ms(s))) {
            let distinct: BTreeSet<&String> = s.municipalities.iter().collect();
            for m in distinct {
                *counts.entry(m.clone()).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .map(|(municipality, items)| MunicipalityCount {
                municipality,
                items,
            })
            .collect()
    }

    pub fn totals(&self, q: &TotalsQuery) -> Totals {
        let mut t = Totals::default();
        for s in self.selected(&q.filter) {
            let ev = event_ms(s);
            if let Some(r) = &q.range {
                if ev < r.from.timestamp_millis() || ev >= r.to.timestamp_millis() {
                    continue;
                }
            }
            t.items += 1;
            t.matched_items += u64::from(!s.matches.is_empty());
            t.hits += s.matches.len() as u64;
            t.flagged_items += u64::from(s.scores.iter().any(|c| c.flagged));
            t.purged_items += u64::from(self.purged.contains(s.item.id.as_str()));
        }
        t
    }
}

pub fn filters() -> Vec<Filter> {
    let f = |source: Option<&str>, tag: Option<&str>, language: Option<&str>| Filter {
        source: source.map(String::from),
        tag: tag.map(String::from),
        language: language.map(String::from),
        municipalities: Vec::new(),
    };
    let m = |codes: &[&str], filter: Filter| Filter {
        municipalities: codes.iter().map(|c| c.to_string()).collect(),
        ..filter
    };
    vec![
        Filter::default(),
        f(Some("nos"), None, None),
        f(None, Some("social"), None),
        f(None, Some("nieuws"), Some("nld")),
        f(None, None, Some("")),
        f(Some("reddit-nl"), Some("forum"), Some("eng")),
        f(None, Some(""), None),
        // Per municipality: one, two (either of them), and with the other filters.
        m(&["GM0479"], Filter::default()),
        m(&["GM0479", "GM0363"], Filter::default()),
        m(&["GM0363"], f(None, Some("social"), None)),
        m(&["GM0453", "GM0479"], f(Some("nos"), None, Some("nld"))),
        m(&["GM0394"], f(None, Some("nieuws"), Some(""))),
        // A code no item has.
        m(&["GM9999"], Filter::default()),
    ]
}

/// Every question the dashboard asks, answered by the store and by the oracle; panics on
/// the first difference. Returns the answers, so backends can be compared with each other.
pub async fn check_all(store: &dyn Store, oracle: &Oracle, label: &str) -> Vec<String> {
    let mut transcript = Vec::new();
    let mut record = |what: String, answer: String| transcript.push(format!("{what} => {answer}"));
    let whole = TimeRange::new(
        base_time() - Duration::days(40),
        base_time() + Duration::days(40),
    );
    // Unaligned bounds: series keep the buckets whose start lies inside.
    let part = TimeRange::new(
        base_time() + Duration::hours(30) + Duration::minutes(7),
        base_time() + Duration::hours(71) + Duration::seconds(1),
    );
    let sizes = [BucketSize::FiveMinutes, BucketSize::Hour, BucketSize::Day];

    for filter in filters() {
        for bucket in sizes {
            for range in [whole, part] {
                let q = TrendQuery {
                    bucket,
                    range,
                    filter: filter.clone(),
                };
                for (category, terms) in LEXICON {
                    let got = store.category_trend(category, &q).await.unwrap();
                    let want = oracle.category_trend(category, &q);
                    assert_eq!(got, want, "{label}: category trend {category} {q:?}");
                    record(format!("category {category} {q:?}"), format!("{got:?}"));
                    for term in terms.iter().take(2) {
                        let got = store.term_trend(category, term, &q).await.unwrap();
                        let want = oracle.term_trend(category, term, &q);
                        assert_eq!(got, want, "{label}: term trend {category}/{term} {q:?}");
                        record(format!("term {category}/{term} {q:?}"), format!("{got:?}"));
                    }
                }
            }
        }

        for (hours, category) in [
            (24, None),
            (6, Some("complot")),
            (48, Some("anti_overheid")),
        ] {
            let current = TimeRange::new(
                base_time() + Duration::hours(60),
                base_time() + Duration::hours(60 + hours),
            );
            let q = TermCountsQuery {
                current,
                category: category.map(String::from),
                filter: filter.clone(),
            };
            let got = store.term_counts(&q).await.unwrap();
            let want = oracle.term_counts(&q);
            assert_eq!(got, want, "{label}: term counts {q:?}");
            record(format!("term counts {q:?}"), format!("{got:?}"));
            let rq = RisingQuery {
                counts: q,
                min_items: 2,
                limit: 5,
            };
            let rising = store.rising_terms(&rq).await.unwrap();
            assert_eq!(rising, rank_rising(want, 2, 5), "{label}: rising {rq:?}");
            record(format!("rising {rq:?}"), format!("{rising:?}"));
        }

        for range in [None, Some(part), Some(whole)] {
            let q = TotalsQuery {
                range,
                filter: filter.clone(),
            };
            let got = store.totals(&q).await.unwrap();
            assert_eq!(got, oracle.totals(&q), "{label}: totals {q:?}");
            record(format!("totals {q:?}"), format!("{got:?}"));
        }
        for range in [part, whole] {
            let got = store.municipality_counts(range, &filter).await.unwrap();
            let want = oracle.municipality_counts(&range, &filter);
            assert_eq!(
                got, want,
                "{label}: municipality counts {range:?} {filter:?}"
            );
            record(
                format!("municipality counts {range:?} {filter:?}"),
                format!("{got:?}"),
            );
        }
    }

    let sources = store.source_counts().await.unwrap();
    assert_eq!(sources, oracle.source_counts(), "{label}: source counts");
    assert!(sources.len() > 1 && sources.iter().all(|s| s.items > 0));
    record("source counts".into(), format!("{sources:?}"));

    // Items of buckets: a busy day bucket a page at a time, and hour buckets with subjects.
    let day = base_time() + Duration::days(2) + Duration::hours(5);
    let mut paged = Vec::new();
    for page in 0.. {
        let q = ItemsQuery {
            bucket: BucketSize::Day,
            at: day,
            subject: None,
            filter: Filter::default(),
            limit: 40,
            offset: page * 40,
        };
        let got = store.bucket_items(&q).await.unwrap();
        assert_eq!(got, oracle.bucket_items(&q), "{label}: items {q:?}");
        record(format!("items {q:?}"), serde_json::to_string(&got).unwrap());
        if got.is_empty() {
            break;
        }
        paged.extend(got);
    }
    let all_of_day = oracle.bucket_items(&ItemsQuery {
        bucket: BucketSize::Day,
        at: day,
        subject: None,
        filter: Filter::default(),
        limit: usize::MAX,
        offset: 0,
    });
    assert_eq!(
        paged.len(),
        all_of_day.len(),
        "{label}: paging lost or repeated items"
    );
    assert!(!paged.is_empty(), "{label}: the test day has no items");

    let subjects = [
        None,
        Some(Subject::Category("anti_overheid".into())),
        Some(Subject::Term {
            category: "complot".into(),
            term: "gif".into(),
        }),
        Some(Subject::Term {
            category: "polarisatie".into(),
            term: "gif".into(),
        }),
    ];
    for hour in [3, 40, 77, 100] {
        for subject in &subjects {
            for filter in [
                Filter::default(),
                Filter {
                    tag: Some("social".into()),
                    ..Filter::default()
                },
            ] {
                let q = ItemsQuery {
                    bucket: BucketSize::Hour,
                    at: base_time() + Duration::hours(hour) + Duration::minutes(59),
                    subject: subject.clone(),
                    filter,
                    limit: 1000,
                    offset: 0,
                };
                let got = store.bucket_items(&q).await.unwrap();
                assert_eq!(got, oracle.bucket_items(&q), "{label}: items {q:?}");
                record(format!("items {q:?}"), serde_json::to_string(&got).unwrap());
            }
        }
    }
    transcript
}

pub fn batches(items: &[ScoredItem], size: usize) -> Vec<Vec<ScoredItem>> {
    items.chunks(size).map(|c| c.to_vec()).collect()
}

/// The scenario every backend runs: writes with re-deliveries, overlapping batches, changed
/// versions and in-batch repeats; then purge and retention. Every answer is checked against
/// the oracle; the transcript of answers is returned for comparison across backends.
pub async fn scenario(store: &dyn Store) -> Vec<String> {
    let mut transcript = Vec::new();
    // The embedded store's schema 2 added a roll-up, 3 the store identity, 4 each hit's
    // method and context, 5 the municipalities; ClickHouse's 2 the store identity, 3 each
    // hit's method and context, 4 the municipalities.
    let version = if store.backend() == "embedded" { 5 } else { 4 };
    assert_eq!(store.migrate().await.unwrap(), version);
    assert_eq!(
        store.migrate().await.unwrap(),
        version,
        "migrating again changes nothing"
    );

    let items = generate(7, 600);
    let mut oracle = Oracle::default();
    let batches = batches(&items, 50);
    for batch in &batches {
        let want = oracle.write(batch);
        assert_eq!(store.write(batch.clone()).await.unwrap(), want);
        assert_eq!(want.written, 50);
    }
    transcript.extend(check_all(store, &oracle, "after first delivery").await);
    // Municipalities: items with none, one and several; each filter of one or two of them
    // selects some but not all items.
    let attributed = |n: usize| {
        oracle
            .items
            .values()
            .filter(|s| s.municipalities.len() == n)
            .count()
    };
    assert!(attributed(0) > 200 && attributed(1) > 100 && attributed(2) > 20 && attributed(3) > 20);
    for filter in filters().iter().filter(|f| f.municipalities.len() == 1) {
        let whole = TotalsQuery {
            range: None,
            filter: filter.clone(),
        };
        let n = oracle.totals(&whole).items;
        assert!(
            filter.municipalities == ["GM9999"] || (n > 10 && n < 300),
            "{filter:?}: {n}"
        );
    }
    // The data must exercise what is checked: otherwise empty answers would agree trivially.
    let day = TrendQuery {
        bucket: BucketSize::Day,
        range: TimeRange::new(base_time(), base_time() + Duration::days(5)),
        filter: Filter::default(),
    };
    let points = oracle.category_trend("complot", &day);
    assert!(
        points.len() == 5
            && points
                .iter()
                .all(|p| p.items > 3 && p.flagged > 0 && p.items != p.flagged)
    );
    assert!(points.iter().map(|p| p.flagged).sum::<u64>() >= 10);
    assert!(
        transcript
            .iter()
            .filter(|l| l.starts_with("rising") && !l.ends_with("=> []"))
            .count()
            > 5
    );
    assert!(
        transcript
            .iter()
            .filter(|l| l.starts_with("items") && l.contains("\"text_purged\""))
            .count()
            > 20
    );

    // Re-delivery of whole batches, an overlapping batch, and a batch mixing old and new.
    let mut redelivered = vec![batches[0].clone(), batches[3].clone()];
    redelivered.push(items[225..275].to_vec());
    let extra = generate(8, 30);
    let mut mixed = items[590..600].to_vec();
    mixed.extend(extra.iter().cloned());
    mixed.push(extra[0].clone()); // a repeat inside one batch
    redelivered.push(mixed);
    // Changed versions of stored items (re-fetched after an edit, another lexicon): ignored.
    redelivered.push(
        items
            .iter()
            .step_by(37)
            .map(|s| changed_version(s, 99))
            .collect(),
    );
    for batch in &redelivered {
        let want = oracle.write(batch);
        assert_eq!(store.write(batch.clone()).await.unwrap(), want);
    }
    assert_eq!(oracle.items.len(), 630);
    transcript.extend(check_all(store, &oracle, "after re-delivery").await);

    // Purge raw text of everything before 1 Feb 12:00.
    let purge_cutoff = Utc.with_ymd_and_hms(2024, 2, 1, 12, 0, 0).unwrap();
    let want = oracle.purge(purge_cutoff);
    assert!(want > 0);
    assert_eq!(store.purge_raw_text(purge_cutoff).await.unwrap(), want);
    assert_eq!(
        store.purge_raw_text(purge_cutoff).await.unwrap(),
        0,
        "a second purge finds nothing"
    );
    // A purged item delivered again stays purged.
    let again = vec![oracle
        .items
        .values()
        .find(|s| oracle.purged.contains(s.item.id.as_str()))
        .unwrap()
        .clone()];
    assert_eq!(
        store.write(again).await.unwrap(),
        WriteSummary {
            written: 0,
            duplicates: 1
        }
    );
    transcript.extend(check_all(store, &oracle, "after purge").await);

    // Retention with a cutoff in February drops all of January, and nothing of February.
    let cutoff = Utc.with_ymd_and_hms(2024, 2, 20, 0, 0, 0).unwrap();
    let january: Vec<ScoredItem> = oracle
        .items
        .values()
        .filter(|s| {
            event_ms(s)
                < Utc
                    .with_ymd_and_hms(2024, 2, 1, 0, 0, 0)
                    .unwrap()
                    .timestamp_millis()
        })
        .take(3)
        .cloned()
        .collect();
    let want = oracle.drop_older_than(cutoff);
    assert!(want > 0 && !oracle.items.is_empty());
    assert_eq!(store.drop_older_than(cutoff).await.unwrap(), want);
    assert_eq!(store.drop_older_than(cutoff).await.unwrap(), 0);
    transcript.extend(check_all(store, &oracle, "after retention").await);

    // A dropped id written again is stored again.
    let want = oracle.write(&january);
    assert_eq!(want.written, 3);
    assert_eq!(store.write(january).await.unwrap(), want);
    transcript.extend(check_all(store, &oracle, "after re-writing dropped items").await);
    transcript
}

pub fn clickhouse_config(url: &str, database: &str) -> ClickhouseConfig {
    ClickhouseConfig {
        url: url.to_string(),
        database: database.to_string(),
        batch_rows: 2_000,
        batch_wait: std::time::Duration::from_millis(20),
        max_attempts: 3,
        ..ClickhouseConfig::default()
    }
}

/// A client for looking under the store (raw SQL), without a default database.
pub fn raw_client(url: &str) -> clickhouse::Client {
    clickhouse::Client::default()
        .with_url(url)
        .with_validation(false)
}

pub async fn drop_database(url: &str, database: &str) {
    raw_client(url)
        .query(&format!("DROP DATABASE IF EXISTS {database}"))
        .execute()
        .await
        .unwrap();
}
