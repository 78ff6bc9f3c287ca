//! The page tests' room: a real embedded store filled with four weeks of demo history (the
//! shipped sample posts through the shipped lexicons, with a rising theme in the last hours,
//! from `websense_pipeline::demo_history`), posts carrying XSS payloads in that rising hour,
//! a collector status file, one account per role, and the helpers every page test uses.

use super::browser::{Browser, WAIT, WCAG21_AA};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use websense_matcher::{Matcher, MatcherOptions};
use websense_model::{Item, ItemId, SourceId, SourceKind, SourceRef};
use websense_room::accounts::{self, Role};
use websense_room::{PrivacyConfig, Room, RoomConfig, SeasonalTrends};
use websense_store::{SqliteStore, Store};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Payloads that set `window.__xss` or open a dialog if anything in them ran. Each carries
/// lexicon terms, so the posts are matched, flagged and highlighted like any other.
pub fn hostile_posts() -> Vec<(Option<String>, String, Option<String>)> {
    let flag = "window.__xss=1";
    vec![
        (
            Some(format!("<script>{flag}</script>volksverraders")),
            format!("Die volksverraders <img src=x onerror=\"{flag}\"> moeten voor het tribunaal"),
            Some(format!("javascript:{flag}")),
        ),
        (
            Some("<svg onload=alert(1)>".into()),
            format!("Tribunaal nu! <svg><script>{flag}</script></svg> volksverrader &lt;script&gt;{flag}&lt;/script&gt;"),
            Some("data:text/html,<script>alert(1)</script>".into()),
        ),
        (
            None,
            format!("\"><iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe> volksverraders verkopen ons land <a href=\"javascript:{flag}\">klik</a> <details open ontoggle=alert(1)>"),
            Some("https://voorbeeld.invalid/post?q=<script>".into()),
        ),
        (
            // Bidi controls: an override that turns "gpj.exe" into "exe.jpg" on screen, an
            // isolate and an embedding.
            Some("rapport\u{202E}gpj.exe volksverraders".into()),
            "De volksverraders \u{2067}\u{5de}\u{5e1}\u{5de}\u{5da}\u{2069} voor het tribunaal \u{202B}nu\u{202C}".into(),
            None,
        ),
    ]
}

/// Bidi embedding, override and isolate controls, which must never reach the screen.
pub fn has_bidi_control(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
}

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub base: String,
    pub downloads: PathBuf,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The start of the hour the hostile posts are in (the rising hour).
    pub hostile_hour: DateTime<Utc>,
    pub store: Arc<dyn Store>,
    pub matcher: Arc<Matcher>,
    pub templates: Vec<Item>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

/// The fixture with changes to its `[room]` settings.
pub async fn fixture_with(adjust: fn(&mut RoomConfig)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let lexicons = dir.path().join("lexicons");
    std::fs::create_dir_all(&lexicons).unwrap();
    for entry in std::fs::read_dir(repo().join("lexicons")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "lex" || e == "toml") {
            std::fs::copy(&path, lexicons.join(path.file_name().unwrap())).unwrap();
        }
    }
    let (set, problems) = websense_lexicon::LexiconSet::load_dir(&lexicons).unwrap();
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    let matcher = Matcher::new(&set, MatcherOptions::default()).unwrap();
    let store = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let now = Utc::now();
    let templates =
        websense_pipeline::demo_history::read_templates(&repo().join("samples/posts.jsonl"))
            .unwrap();
    let seeded = websense_pipeline::demo_history::seed_history(
        store.as_ref(),
        &matcher,
        &templates,
        28,
        now,
    )
    .await
    .unwrap();
    assert!(seeded.stored > 1000, "{seeded:?}");
    let hostile_hour = now - Duration::minutes(30);
    let source = SourceRef {
        id: SourceId::new("forum-<b>x</b>"),
        kind: SourceKind::Feed,
        tags: vec!["type:<script>window.__xss=1</script>".into()],
    };
    let hostile: Vec<_> = hostile_posts()
        .into_iter()
        .enumerate()
        .map(|(i, (title, text, url))| {
            let mut item = Item::new(
                ItemId::derive(&source.id, &format!("hostile-{i}")),
                source.clone(),
                text,
            );
            item.title = title;
            item.url = url;
            item.links = vec![format!("javascript:window.__xss=1//{i}")];
            item.published_at = Some(hostile_hour);
            item.fetched_at = hostile_hour;
            item.detect_language();
            matcher.score_item(item)
        })
        .collect();
    assert!(hostile.iter().all(|s| !s.matches.is_empty()));
    store.write(hostile).await.unwrap();

    let status_file = dir.path().join("state/status.json");
    std::fs::create_dir_all(status_file.parent().unwrap()).unwrap();
    std::fs::write(
        &status_file,
        serde_json::to_vec(&json!([
            {"id": "gemeente-nieuws", "kind": "feed", "url": "https://gemeente.invalid/rss",
             "last_fetch": now, "last_success": now, "items_total": 120, "consecutive_failures": 0},
            {"id": "forum-<b>x</b>", "kind": "feed", "url": "https://forum.invalid/<script>window.__xss=1</script>",
             "last_fetch": now, "items_total": 3, "consecutive_failures": 2,
             "last_error": {"at": now, "url": "https://forum.invalid/", "message": "HTTP 500 <img src=x onerror=\"window.__xss=1\">"}}
        ]))
        .unwrap(),
    )
    .unwrap();
    // Telegram discovery: two proposals, and a mention whose name is markup (never shown).
    super::write_mentions_file(status_file.parent().unwrap());
    let config = RoomConfig {
        database: dir.path().join("room.db"),
        cookie_secure: false,
        source_status_file: Some(status_file),
        scan_interval: std::time::Duration::ZERO,
        live_interval: std::time::Duration::from_secs(1),
        password_hash: super::CHEAP,
        ..RoomConfig::default()
    };
    let mut config = config;
    adjust(&mut config);
    let room = Room::new(config, PrivacyConfig::default(), store.clone(), &lexicons)
        .unwrap()
        .with_trends(Arc::new(SeasonalTrends::new(Default::default(), &lexicons)));
    let hash = accounts::hash_password(super::PASSWORD, super::CHEAP).unwrap();
    room.db().blocking(|c| {
        for (name, role) in [
            ("analist", Role::Analyst),
            ("curator", Role::Curator),
            ("liaison", Role::I2oLiaison),
            ("beheer", Role::Admin),
        ] {
            accounts::create_account(c, name, &[role], &hash, Utc::now()).unwrap();
        }
    });
    let room = Arc::new(room);
    let fixture_store = store.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(websense_room::serve(room, listener, async {
        let _ = stopped.await;
    }));
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    Fixture {
        _dir: dir,
        base,
        downloads,
        stop: Some(stop),
        hostile_hour,
        store: fixture_store,
        matcher: Arc::new(matcher),
        templates,
    }
}

/// With `WEBSENSE_SCREENSHOTS=DIR`, keep a screenshot of the page as `DIR/NAME.png`.
pub async fn shot(b: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("WEBSENSE_SCREENSHOTS") {
        std::fs::create_dir_all(&dir).unwrap();
        b.screenshot(&Path::new(&dir).join(format!("{name}.png")))
            .await;
    }
}

pub async fn log_in(b: &Browser, base: &str, user: &str) {
    b.goto(&format!("{base}/login")).await;
    b.fill("#user", user).await;
    b.fill("#password", super::PASSWORD).await;
    b.click("#login button[type=submit]").await;
    b.wait_for("#logout", WAIT).await;
}

/// Nothing from a post ran, and nothing from a post became an element: no event-handler
/// attributes, no frames, no scripts but ours, no `javascript:`/`data:` links.
pub async fn assert_nothing_ran(b: &Browser, page: &str) {
    assert!(b.dialog_opened().await.is_none(), "{page}: a dialog opened");
    assert!(!b.xss_fired().await, "{page}: a payload set window.__xss");
    let injected = b
        .exec(
            "const bad = [];
             for (const e of document.querySelectorAll('*')) {
               for (const a of e.attributes) if (a.name.startsWith('on')) bad.push(e.tagName + ' ' + a.name);
               if (['IFRAME','OBJECT','EMBED','IMG'].includes(e.tagName)) bad.push(e.tagName);
               if (e.tagName === 'SCRIPT' && !(e.src && new URL(e.src).pathname.startsWith('/static/')) && e.type !== 'application/json') bad.push('inline script');
               if (e.tagName === 'A' && /^(javascript|data):/i.test(e.getAttribute('href') || '')) bad.push('link ' + e.getAttribute('href'));
             }
             return bad;",
            vec![],
        )
        .await;
    assert_eq!(injected, json!([]), "{page}: markup from a post got in");
}

pub async fn assert_accessible(b: &Browser, page: &str) {
    let violations = b.axe_violations(WCAG21_AA).await;
    assert!(
        violations.is_empty(),
        "{page}: WCAG 2.1 AA violations: {violations:#?}"
    );
}

pub fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
