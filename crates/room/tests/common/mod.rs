//! A room over a real embedded store in a temporary directory, seeded with items scored by
//! the real matcher against a small test lexicon, and one account per role.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod browser;
pub mod pages_fixture;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, Duration, DurationRound, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;
use websense_lexicon::LexiconSet;
use websense_matcher::{Matcher, MatcherOptions};
pub use websense_model::rng::Rng;
use websense_model::{
    Author, Item, ItemId, PseudonymKey, ScoredItem, SourceId, SourceKind, SourceRef,
};
use websense_room::accounts::{self, Role};
use websense_room::{LoginConfig, PasswordHashCost, PrivacyConfig, Room, RoomConfig};
use websense_signals::WebhookConfig;
use websense_store::{SqliteStore, Store};

pub const PASSWORD: &str = "correct horse battery staple";

/// Cheap hashes: the tests check behaviour, not the cost.
pub const CHEAP: PasswordHashCost = PasswordHashCost {
    memory_kib: 64,
    iterations: 1,
    parallelism: 1,
};

pub const CATEGORIES: &str = r#"
[anti_overheid]
label = "Anti-overheid"
description = "Vijandigheid tegen overheid en instituties."
threshold = 4.0

[complot]
label = "Complot"
description = "Complotdenken."
threshold = 3.0
"#;

pub const LEXICON: &str = "name: test
languages: nl

[anti_overheid]
volksverrader* | 3
nepparlement   | 2
dictatuur      | 2

[complot]
plandemie      | 3
great reset    | 2
";

/// Words the texts are made of: lexicon terms and harmless filler.
const WORDS: &[&str] = &[
    "volksverraders",
    "nepparlement",
    "dictatuur",
    "plandemie",
    "great reset",
    "gemeente",
    "fiets",
    "markt",
    "regen",
    "buurthuis",
];

pub const SOURCES: &[(&str, SourceKind, &[&str])] = &[
    ("nos", SourceKind::Feed, &["nieuws"]),
    ("mastodon-nl", SourceKind::Mastodon, &["social"]),
    ("reddit-nl", SourceKind::Reddit, &["social", "forum"]),
];

pub fn pseudonym_key() -> PseudonymKey {
    PseudonymKey::from_bytes(b"test-key-0123456789abcdef").unwrap()
}

/// The raw handle of author `n`: distinctive, so a search of the database finds any copy.
pub fn handle(n: u64) -> String {
    format!("@rawhandle_{n}_zq")
}

/// The hour the seeded "recent" items fall in: two hours ago, on the hour.
pub fn recent_hour() -> DateTime<Utc> {
    (Utc::now() - Duration::hours(2))
        .duration_trunc(Duration::hours(1))
        .unwrap()
}

/// `n` items at `start + i * step`, with texts of 3 to 8 words, authors pseudonymised as the
/// collector does by default (no handle kept).
pub fn items(seed: u64, n: usize, start: DateTime<Utc>, step: Duration) -> Vec<Item> {
    items_keeping_handles(seed, n, start, step, false)
}

/// As [`items`]; with `keep_handles`, as a collector with `keep_author_handles` on.
pub fn items_keeping_handles(
    seed: u64,
    n: usize,
    start: DateTime<Utc>,
    step: Duration,
    keep_handles: bool,
) -> Vec<Item> {
    let mut rng = Rng::new(seed);
    let key = pseudonym_key();
    (0..n)
        .map(|i| {
            let (source, kind, tags) = SOURCES[rng.below(SOURCES.len())];
            let words = 3 + rng.below(6);
            let text: Vec<&str> = (0..words).map(|_| WORDS[rng.below(WORDS.len())]).collect();
            let mut item = Item::new(
                ItemId(format!("it-{seed}-{i}")),
                SourceRef {
                    id: SourceId::new(source),
                    kind,
                    tags: tags.iter().map(|t| t.to_string()).collect(),
                },
                text.join(" "),
            );
            let t = start + step * i as i32;
            item.published_at = Some(t);
            item.fetched_at = t + Duration::minutes(1);
            item.url = Some(format!("https://example.org/{source}/posts/{seed}-{i}"));
            let author = rng.below(7) as u64;
            item.author = Some(Author {
                pseudonym: key.pseudonymise(source, &handle(author)),
                handle: keep_handles.then(|| handle(author)),
            });
            item
        })
        .collect()
}

pub fn write_lexicons(dir: &Path) -> LexiconSet {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("categories.toml"), CATEGORIES).unwrap();
    std::fs::write(dir.join("test.lex"), LEXICON).unwrap();
    let (set, problems) = LexiconSet::load_dir(dir).unwrap();
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    set
}

pub fn score(set: &LexiconSet, items: Vec<Item>) -> Vec<ScoredItem> {
    Matcher::new(set, MatcherOptions::default())
        .unwrap()
        .score_batch(items)
}

pub struct Options {
    pub webhook: Option<WebhookConfig>,
    pub vault: bool,
    pub status_file: bool,
    /// Seed items as a collector with `privacy.keep_author_handles` on would make them.
    pub keep_handles: bool,
    /// Plug in `websense-trends` (default settings).
    pub trends: bool,
    /// `[room.login]`: the password checker's bounds and the failed-login throttle.
    pub login: LoginConfig,
    /// Changes to the test's `[room]` settings.
    pub room: fn(&mut RoomConfig),
}

impl Default for Options {
    fn default() -> Self {
        Options {
            webhook: None,
            vault: false,
            status_file: true,
            keep_handles: false,
            trends: false,
            login: LoginConfig::default(),
            room: |_| {},
        }
    }
}

pub struct TestRoom {
    pub dir: tempfile::TempDir,
    pub room: Arc<Room>,
    pub router: Router,
    pub store: Arc<dyn Store>,
    pub lexicons: LexiconSet,
    pub recent: Vec<ScoredItem>,
    pub old: Vec<ScoredItem>,
}

pub fn lexicon_dir(dir: &Path) -> PathBuf {
    dir.join("lexicons")
}

impl TestRoom {
    pub async fn new() -> TestRoom {
        TestRoom::with(Options::default()).await
    }

    /// 120 recent items (every minute of `recent_hour` and the hour after) and 40 items 40
    /// days old (older than the 30-day raw-text retention).
    pub async fn with(options: Options) -> TestRoom {
        let dir = tempfile::tempdir().unwrap();
        let lexicons = write_lexicons(&lexicon_dir(dir.path()));
        let store = SqliteStore::open(dir.path().join("store/ws.db"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let store: Arc<dyn Store> = Arc::new(store);
        let recent = score(
            &lexicons,
            items_keeping_handles(
                1,
                120,
                recent_hour(),
                Duration::minutes(1),
                options.keep_handles,
            ),
        );
        let old = score(
            &lexicons,
            items_keeping_handles(
                2,
                40,
                recent_hour() - Duration::days(40),
                Duration::minutes(1),
                options.keep_handles,
            ),
        );
        store.write(recent.clone()).await.unwrap();
        store.write(old.clone()).await.unwrap();
        let status_file = dir.path().join("state/status.json");
        if options.status_file {
            std::fs::create_dir_all(status_file.parent().unwrap()).unwrap();
            std::fs::write(&status_file, STATUS_JSON).unwrap();
        }
        let mut config = RoomConfig {
            database: dir.path().join("room/room.db"),
            cookie_secure: false,
            source_status_file: Some(status_file),
            webhook: options.webhook,
            scan_interval: std::time::Duration::ZERO,
            password_hash: CHEAP,
            login: options.login,
            ..RoomConfig::default()
        };
        (options.room)(&mut config);
        let privacy = PrivacyConfig {
            author_vault: options.vault.then(|| dir.path().join("vault/authors.db")),
            ..PrivacyConfig::default()
        };
        let room = Room::new(config, privacy, store.clone(), lexicon_dir(dir.path())).unwrap();
        let room = if options.trends {
            room.with_trends(Arc::new(websense_room::SeasonalTrends::new(
                Default::default(),
                lexicon_dir(dir.path()),
            )))
        } else {
            room
        };
        let room = Arc::new(room);
        for role in Role::ALL {
            add_user(&room, role.as_str(), &[role]);
        }
        let router = room.router();
        TestRoom {
            dir,
            room,
            router,
            store,
            lexicons,
            recent,
            old,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let request = match body {
            Some(b) => request
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> Response {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let streaming = headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        // An event stream never ends: its status and headers are the answer.
        let bytes = if streaming {
            Default::default()
        } else {
            response.into_body().collect().await.unwrap().to_bytes()
        };
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, uri: &str, token: &str) -> Response {
        self.call(Method::GET, uri, Some(token), None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> Response {
        self.call(Method::POST, uri, Some(token), Some(body)).await
    }

    /// Start a draft evaluation (`POST /api/lexicons/evaluate`, a job) and wait for it:
    /// the finished job's result as a 200; a refused start (422, 409) as it came.
    pub async fn evaluate(&self, token: &str, draft: Value) -> Response {
        let r = self.post("/api/lexicons/evaluate", token, draft).await;
        if r.status != StatusCode::ACCEPTED {
            return r;
        }
        let id = r.json["id"].as_str().expect("a job id").to_string();
        loop {
            let j = self
                .get(&format!("/api/lexicons/evaluate/{id}"), token)
                .await;
            assert_eq!(j.status, StatusCode::OK, "{}", j.text);
            match j.json["state"].as_str() {
                Some("running") => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
                Some("finished") => {
                    return Response {
                        status: StatusCode::OK,
                        headers: j.headers,
                        text: j.json["result"].to_string(),
                        json: j.json["result"].clone(),
                    }
                }
                _ => panic!("the evaluation did not finish: {}", j.text),
            }
        }
    }

    pub async fn login(&self, user: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/api/login",
                None,
                Some(serde_json::json!({ "user": user, "password": PASSWORD })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json["token"].as_str().unwrap().to_string()
    }

    /// Audit rows, oldest first.
    pub fn audit(&self) -> Vec<websense_room::audit::AuditEntry> {
        let mut rows = self.room.db().blocking(|c| {
            websense_room::audit::query(
                c,
                &websense_room::audit::AuditFilter {
                    limit: 100_000,
                    ..Default::default()
                },
            )
            .unwrap()
        });
        rows.reverse();
        rows
    }

    pub fn audit_of(&self, action: &str) -> Vec<websense_room::audit::AuditEntry> {
        self.audit()
            .into_iter()
            .filter(|e| e.action == action)
            .collect()
    }
}

pub fn add_user(room: &Room, name: &str, roles: &[Role]) {
    let hash = accounts::hash_password(PASSWORD, CHEAP).unwrap();
    room.db()
        .blocking(|c| accounts::create_account(c, name, roles, &hash, Utc::now()))
        .unwrap();
}

#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Response {
    /// A JSON error body with a message.
    pub fn assert_error(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.text);
        assert!(
            self.json["error"].as_str().is_some_and(|m| !m.is_empty()),
            "not a JSON error: {}",
            self.text
        );
    }
}

/// What the collector writes (the shape of websense-collect's `status.json`).
pub const STATUS_JSON: &str = r#"[
  {"id": "nos", "kind": "feed", "url": "https://example.org/nos.xml",
   "last_fetch": "2024-05-01T10:00:00Z", "last_success": "2024-05-01T10:00:00Z",
   "last_error": null, "items_total": 120, "duplicates_total": 3, "consecutive_failures": 0,
   "warnings": [], "next_fetch": "2024-05-01T10:15:00Z"},
  {"id": "reddit-nl", "kind": "reddit", "url": "https://example.org/r/nl.json",
   "last_fetch": "2024-05-01T10:00:00Z", "last_success": "2024-04-30T08:00:00Z",
   "last_error": {"at": "2024-05-01T10:00:00Z", "url": "https://example.org/r/nl.json", "message": "HTTP 503"},
   "items_total": 40, "duplicates_total": 0, "consecutive_failures": 4,
   "warnings": [], "next_fetch": "2024-05-01T10:30:00Z"}
]"#;

/// What a collector that collects `kanaal_een` (a Telegram source in the status file, added
/// by [`write_mentions`]) wrote into `state/telegram_mentions.json`: two proposals
/// (`BronKanaal`: 3 forwards and a link, `andere_bron`: 2 links), the collected channel itself
/// and an entry whose name is markup (neither ever proposed).
pub fn write_mentions(dir: &Path) {
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    let mut statuses: Value = serde_json::from_str(STATUS_JSON).unwrap();
    statuses.as_array_mut().unwrap().push(serde_json::json!({
        "id": "tg", "kind": "telegram", "url": "https://t.me/s/Kanaal_Een",
        "last_fetch": "2026-10-05T12:00:00Z", "last_success": "2026-10-05T12:00:00Z",
        "next_fetch": "2026-10-05T12:15:00Z", "items_total": 4, "consecutive_failures": 0
    }));
    std::fs::write(state.join("status.json"), statuses.to_string()).unwrap();
    write_mentions_file(&state);
}

/// The mentions of [`write_mentions`] alone, into `state/telegram_mentions.json`.
pub fn write_mentions_file(state: &Path) {
    std::fs::create_dir_all(state).unwrap();
    let mention = |name: &str, forwards: u64, links: u64, by: Value| {
        serde_json::json!({
            "name": name, "forwards": forwards, "links": links,
            "first_seen": "2026-10-05T10:00:00Z", "last_seen": "2026-10-05T12:00:00Z",
            "by": by,
        })
    };
    let mentions = serde_json::json!({ "channels": {
        "bronkanaal": mention("BronKanaal", 3, 1, serde_json::json!({"tg": 3, "ander": 1})),
        "andere_bron": mention("andere_bron", 0, 2, serde_json::json!({"tg": 2})),
        "kanaal_een": mention("kanaal_een", 1, 0, serde_json::json!({"ander": 1})),
        "<img src=x onerror=alert(1)>": mention("<img src=x onerror=alert(1)>", 9, 9, serde_json::json!({"tg": 18})),
    }});
    std::fs::write(
        state.join(websense_model::telegram::MENTIONS_FILE),
        mentions.to_string(),
    )
    .unwrap();
}
