//! The curator's draft evaluation over a big store, as a curator runs it: through the API
//! (`POST /api/lexicons/evaluate`, then `GET /api/lexicons/evaluate/{id}` every 100 ms until
//! it is finished), against the full two-sided re-score (`evaluate_two_sided`, the
//! evaluation before stored hits and skipping) in the same run.
//!
//! `cargo run --release -p websense-room --example evaluate_bench -- [db path] [days] [baseline days] [lexicon dir]`
//! (defaults: `/tmp/websense-overview-bench/ws.db`, 30, 30, `lexicons/`). The store is the
//! one `overview_bench` builds (run it first: `overview_bench 10` writes 10 million items over
//! 100 days, about 3.4 million in the last 30). Three drafts: a new file with two terms (the
//! usual curator's change: every text is searched for them), a category's threshold lowered
//! (every item with a hit of that category must be re-scored), and a file removed (no text
//! needs searching: the cost of reading the range and checking the stored hits). The baseline can be given fewer days
//! than the evaluations (it takes minutes on 30).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;
use websense_room::accounts::{self, Role};
use websense_room::evaluate::{self, DraftRequest, EvaluateOptions};
use websense_room::lexicons::LexiconSources;
use websense_room::{PasswordHashCost, PrivacyConfig, Room, RoomConfig};
use websense_store::{Filter, SqliteStore, Store, TimeRange};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let db: PathBuf = args
        .next()
        .unwrap_or_else(|| "/tmp/websense-overview-bench/ws.db".into())
        .into();
    let days: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(30);
    let baseline_days: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(days);
    let lexicon_dir = PathBuf::from(args.next().unwrap_or_else(|| "lexicons".into()));
    assert!(db.exists(), "{}: run overview_bench first", db.display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).await.expect("open store"));
    let sources = LexiconSources::read(&lexicon_dir).expect("lexicon dir");
    let (set, _) = sources.build();

    let dir = tempfile::tempdir().unwrap();
    let room = Arc::new(
        Room::new(
            RoomConfig {
                database: dir.path().join("room.db"),
                scan_interval: std::time::Duration::ZERO,
                ..RoomConfig::default()
            },
            PrivacyConfig::default(),
            store.clone(),
            &lexicon_dir,
        )
        .unwrap(),
    );
    let cost = PasswordHashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let hash = accounts::hash_password("a benchmark password", cost).unwrap();
    room.db()
        .blocking(|c| accounts::create_account(c, "bench", &[Role::Curator], &hash, Utc::now()))
        .unwrap();
    let router = room.router();
    let (_, login) = call(
        &router,
        "POST",
        "/api/login",
        None,
        Some(json!({"user": "bench", "password": "a benchmark password"})),
    )
    .await;
    let token = login["token"].as_str().expect("token").to_string();

    let category = set.categories[0].name.clone();
    let lowered = lower_threshold(&sources.categories, &category);
    let drafts: Vec<(String, Value)> = vec![
        (
            "a new file with two terms".into(),
            json!({"files": [{"name": "bench-extra.lex",
                "text": format!("name: bench-extra\nlanguages: nl\n\n[{category}]\nregering | 1\nkabinet | 1\n")}]}),
        ),
        (
            format!("the threshold of {category} lowered"),
            json!({"categories": lowered}),
        ),
        // Nothing to look for in the texts: the read and the stored hits alone.
        (
            "a file removed (en-core.lex)".into(),
            json!({"remove": ["en-core.lex"]}),
        ),
    ];
    let now = Utc::now();
    let total = store
        .range_count(
            TimeRange::new(now - Duration::days(i64::from(days)), now),
            &Filter::default(),
        )
        .await
        .unwrap();
    println!(
        "{}: {total} posts in the last {days} days, load average {}",
        db.display(),
        load_average()
    );
    println!(
        "\n| draft ({days} days, through the API) | posts | s | posts/s | polls seen running |"
    );
    println!("|---|---|---|---|---|");
    for (name, body) in &drafts {
        let mut body = body.clone();
        body["days"] = json!(days);
        let t = Instant::now();
        let (status, started) = call(
            &router,
            "POST",
            "/api/lexicons/evaluate",
            Some(&token),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        let uri = format!("/api/lexicons/evaluate/{}", started["id"].as_str().unwrap());
        let mut polls = 0;
        let job = loop {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let (_, job) = call(&router, "GET", &uri, Some(&token), None).await;
            if job["state"] != "running" {
                break job;
            }
            polls += 1;
        };
        let s = t.elapsed().as_secs_f64();
        assert_eq!(job["state"], "finished", "{job}");
        let scanned = job["result"]["items_scanned"].as_u64().unwrap_or(0)
            + job["result"]["items_purged"].as_u64().unwrap_or(0);
        println!(
            "| {name} | {scanned} | {s:.2} | {:.0} | {polls} |",
            scanned as f64 / s
        );
    }

    println!(
        "\nbaseline, the full two-sided re-score over {baseline_days} days (the first draft):"
    );
    let request: DraftRequest = serde_json::from_value(drafts[0].1.clone()).unwrap();
    let (current, draft, problems) = evaluate::prepare(&sources, &request).expect("draft");
    let options = EvaluateOptions {
        range: TimeRange::new(now - Duration::days(i64::from(baseline_days)), now),
        max_items: usize::MAX,
        examples: 5,
        max_example_items: 100,
    };
    let t = Instant::now();
    let e = evaluate::evaluate_two_sided(store.as_ref(), current, draft, problems, options)
        .await
        .unwrap();
    let s = t.elapsed().as_secs_f64();
    println!(
        "  {} posts in {s:.2} s ({:.0} posts/s), load average {}",
        e.items_scanned + e.items_purged,
        (e.items_scanned + e.items_purged) as f64 / s,
        load_average()
    );
}

/// `categories.toml` with `category`'s threshold halved.
fn lower_threshold(categories: &str, category: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in categories.lines() {
        if line.starts_with('[') {
            inside = line.trim() == format!("[{category}]");
        }
        match line.split_once('=') {
            Some((key, value)) if inside && key.trim() == "threshold" => {
                let t: f64 = value.trim().parse().expect("threshold");
                out.push_str(&format!("threshold = {:?}\n", t / 2.0));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

async fn call(
    router: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(b) => request
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
