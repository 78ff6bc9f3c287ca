//! The pipeline's spike scan and `websense trends detect` find the same spikes in the same
//! series: items are written to an embedded store, the Room's scan detects over the store,
//! and the same category series, exported as the trend explorer exports it, goes through
//! the command.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

mod cli_common;
use cli_common::run_with_stdin;
use websense_model::{
    CategoryScore, Hit, Item, ItemId, Language, ScoredItem, SourceId, SourceKind, SourceRef,
    TermKind,
};
use websense_room::spike_scan::{scan_range, scan_spikes};
use websense_store::{Filter, SqliteStore, Store, Subject, TrendQuery};
use websense_trends::{fill_series, TrendsConfig};

const CATEGORY: &str = "anti_overheid";

/// Monday 4 March 2024, 12:00 UTC: the end of the scan.
fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 12, 0, 0).unwrap()
}

fn item(n: usize, at: DateTime<Utc>) -> ScoredItem {
    let text = format!("bericht {n} over het nepparlement");
    let start = text.find("nepparlement").unwrap();
    let mut item = Item::new(
        ItemId(format!("item-{n}")),
        SourceRef {
            id: SourceId::new("mastodon-nl"),
            kind: SourceKind::Mastodon,
            tags: vec!["social".into()],
        },
        text,
    );
    item.published_at = Some(at);
    item.fetched_at = at;
    item.language = Some(Language {
        code: "nld".into(),
        confidence: 0.9,
        reliable: true,
    });
    ScoredItem {
        item,
        lexicon_version: "lx-test".into(),
        matches: vec![Hit {
            term: "nepparlement".into(),
            category: CATEGORY.into(),
            kind: TermKind::Word,
            weight: 2.0,
            field: websense_model::Field::Text,
            start,
            end: start + "nepparlement".len(),
            method: Default::default(),
            context: Vec::new(),
        }],
        scores: vec![CategoryScore {
            category: CATEGORY.into(),
            score: 2.0,
            hits: 1,
            flagged: false,
        }],
        places: Vec::new(),
        municipalities: Vec::new(),
        announcements: Vec::new(),
    }
}

/// Five weeks of hourly counts with a daily cycle; a tripled afternoon in the fourth week, a
/// slow day-long rise in the fifth, and a burst in the last three hours.
fn counts() -> Vec<(DateTime<Utc>, usize)> {
    let start = until() - Duration::weeks(5);
    (0..5 * 168)
        .map(|h| {
            let day = 1.0 + 0.5 * (2.0 * std::f64::consts::PI * (h % 24) as f64 / 24.0).cos();
            let wobble = ((h * 7919 + 13) % 7) as f64 - 3.0;
            let mut n = 14.0 * day + wobble;
            if (3 * 168 + 14..3 * 168 + 18).contains(&h) {
                n *= 3.0;
            }
            if (4 * 168 + 24..4 * 168 + 48).contains(&h) {
                n *= 1.7;
            }
            if h >= 5 * 168 - 3 {
                n += 40.0;
            }
            (
                start + Duration::hours(h as i64),
                n.round().max(0.0) as usize,
            )
        })
        .collect()
}

#[tokio::test]
async fn the_pipelines_scan_and_the_command_find_the_same_spikes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
    store.migrate().await.unwrap();
    let mut items = Vec::new();
    for (hour, n) in counts() {
        for i in 0..n {
            let at = hour + Duration::seconds((i as i64 * 599) % 3600);
            items.push(item(items.len(), at));
        }
    }
    for batch in items.chunks(2000) {
        store.write(batch.to_vec()).await.unwrap();
    }
    let config = TrendsConfig {
        categories: vec![CATEGORY.into()],
        // Every spike of the scanned range, not only the recent ones.
        report_window: std::time::Duration::from_secs(90 * 86_400),
        ..TrendsConfig::default()
    };
    let scanned: Vec<_> = scan_spikes(&store, &config, until())
        .await
        .unwrap()
        .into_iter()
        .filter(|s| {
            s.subject == Subject::Category(CATEGORY.into()) && s.filter == Filter::default()
        })
        .map(|s| s.detection)
        .collect::<Vec<_>>();
    let mut scanned = scanned;
    scanned.sort_by_key(|s| s.start);
    assert!(scanned.len() >= 3, "{scanned:#?}");
    for s in &scanned {
        println!(
            "{} .. {} {:?} {:?} ratio {:.2}",
            s.start, s.end, s.kind, s.state, s.ratio
        );
    }

    // The same series as the trend explorer exports it: every bucket of the range.
    let range = scan_range(&config, until());
    let points = store
        .category_trend(
            CATEGORY,
            &TrendQuery {
                bucket: config.bucket,
                range,
                filter: Filter::default(),
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.bucket_start, p.items as f64));
    let mut export = format!("bucket_start,{CATEGORY}\r\n");
    for (at, v) in fill_series(points, config.bucket, range.from, range.to) {
        export.push_str(&format!("{},{v}\r\n", at.format("%Y-%m-%dT%H:%M:%S%.3fZ")));
    }
    let (code, stdout, stderr) = run_with_stdin(&["trends", "detect", "--input", "-"], &export);
    assert_eq!(code, 0, "{stderr}");
    let detected: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    assert_eq!(detected.len(), scanned.len(), "{detected:#?}\n{scanned:#?}");
    let time = |v: &Value| v.as_str().unwrap().parse::<DateTime<Utc>>().unwrap();
    // Floats within JSON's parsing (serde_json reads the last bit or so loosely).
    let same = |a: &Value, b: f64| (a.as_f64().unwrap() - b).abs() <= 1e-9 * b.abs().max(1.0);
    for (line, spike) in detected.iter().zip(&scanned) {
        assert_eq!(time(&line["start"]), spike.start, "{line}");
        assert_eq!(time(&line["end"]), spike.end, "{line}");
        assert_eq!(time(&line["peak_at"]), spike.peak, "{line}");
        assert_eq!(time(&line["detected_at"]), spike.detected_at, "{line}");
        for (key, value) in [
            ("observed", spike.observed),
            ("expected", spike.expected),
            ("ratio", spike.ratio),
            ("score", spike.score),
        ] {
            assert!(same(&line[key], value), "{key}: {line} vs {value}");
        }
        assert_eq!(line["state"], serde_json::to_value(spike.state).unwrap());
        assert_eq!(line["kind"], serde_json::to_value(spike.kind).unwrap());
        assert_eq!(
            line["history"],
            serde_json::to_value(spike.history).unwrap()
        );
    }
}
