//! Figures for the room's heavier paths: the curator's draft evaluation, a candidate scan,
//! a bucket read, and one login's password check at the default Argon2id cost.
//!
//! `cargo run --release -p websense-room --example room_bench -- [MB of posts] [lexicon dir]`
//! (defaults: 50 MB, `lexicons/`). Posts are the matcher benchmark's generated corpus, spread
//! over the last three days and stored in an embedded store in a temporary directory.

use chrono::{Duration, Utc};
use std::sync::Arc;
use std::time::Instant;
use websense_matcher::{Matcher, MatcherOptions};
use websense_room::evaluate::{self, DraftFile, DraftRequest, EvaluateOptions};
use websense_room::lexicons::LexiconSources;
use websense_room::{accounts, PasswordHashCost, PrivacyConfig, Room, RoomConfig};
use websense_store::{BucketSize, ItemsQuery, SqliteStore, Store, TimeRange};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let lexicon_dir = args.next().unwrap_or_else(|| "lexicons".into());
    let sources = LexiconSources::read(std::path::Path::new(&lexicon_dir)).expect("lexicon dir");
    let (set, _) = sources.build();

    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
    store.migrate().await.unwrap();
    let mut items = websense_testkit::generate_corpus(mb << 20, 7);
    let n = items.len();
    let now = Utc::now();
    for (i, item) in items.iter_mut().enumerate() {
        item.published_at = Some(now - Duration::seconds((i as i64 * 3 * 86_400) / n as i64 + 1));
    }
    let matcher = Matcher::new(&set, MatcherOptions::default()).unwrap();
    let t = Instant::now();
    for chunk in items.chunks(5000) {
        store
            .write(matcher.score_batch(chunk.to_vec()))
            .await
            .unwrap();
    }
    println!(
        "seeded {n} posts ({mb} MB) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let store: Arc<dyn Store> = Arc::new(store);

    let draft = DraftRequest {
        files: vec![DraftFile {
            name: "bench-extra.lex".into(),
            text:
                "name: bench-extra\nlanguages: nl\n\n[anti_overheid]\nregering | 1\nkabinet | 1\n"
                    .into(),
        }],
        ..Default::default()
    };
    let (current, draft_set, problems) = evaluate::prepare(&sources, &draft).expect("draft");
    let options = EvaluateOptions {
        range: TimeRange::new(now - Duration::days(4), now),
        max_items: usize::MAX,
        examples: 5,
        max_example_items: 100,
    };
    let t = Instant::now();
    let control = evaluate::RunControl::default();
    let e = evaluate::evaluate_with(
        store.as_ref(),
        current.clone(),
        draft_set.clone(),
        problems.clone(),
        options.clone(),
        &control,
    )
    .await
    .unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "draft evaluation: {} posts in {s:.2} s ({:.0} posts/s; {} re-scored with the draft), {} categories and {} terms changed",
        e.items_scanned,
        e.items_scanned as f64 / s,
        control.progress.rescored(),
        e.categories.len(),
        e.terms.len()
    );
    let t = Instant::now();
    let full = evaluate::evaluate_two_sided(store.as_ref(), current, draft_set, problems, options)
        .await
        .unwrap();
    let s2 = t.elapsed().as_secs_f64();
    assert_eq!(full, e, "the same answer");
    println!(
        "  the full two-sided re-score: {s2:.2} s ({:.0} posts/s), {:.1}x the time",
        full.items_scanned as f64 / s2,
        s2 / s
    );

    let room = Room::new(
        RoomConfig {
            database: dir.path().join("room.db"),
            scan_interval: std::time::Duration::ZERO,
            ..RoomConfig::default()
        },
        PrivacyConfig::default(),
        store.clone(),
        &lexicon_dir,
    )
    .unwrap();
    let t = Instant::now();
    let summary = websense_room::scan::scan(&room, TimeRange::new(now - Duration::days(4), now))
        .await
        .unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "candidate scan: {} posts in {s:.2} s ({:.0} posts/s), {} candidates",
        summary.items_examined,
        summary.items_examined as f64 / s,
        summary.item_candidates
    );

    let t = Instant::now();
    let page = store
        .bucket_items(&ItemsQuery {
            bucket: BucketSize::Hour,
            at: now - Duration::hours(12),
            subject: None,
            filter: Default::default(),
            limit: 500,
            offset: 0,
        })
        .await
        .unwrap();
    println!(
        "bucket read: {} posts in {:.1} ms",
        page.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    let hash =
        accounts::hash_password("a benchmark password", PasswordHashCost::default()).unwrap();
    let t = Instant::now();
    assert!(accounts::verify_password("a benchmark password", &hash));
    println!(
        "password check at the default cost (19 MiB, 2 passes): {:.0} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}
