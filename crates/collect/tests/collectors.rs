//! Every collector against a local server serving the fixtures.

mod common;

use common::*;
use std::collections::HashSet;
use websense_model::{ItemId, PseudonymKey, SourceId};

#[tokio::test]
async fn every_source_kind_is_collected_with_paging() {
    let server = TestServer::start().await;
    serve_all_kinds(&server);
    let dir = tempfile::tempdir().unwrap();
    let (sources, counts) = all_kinds_sources(&server, "");
    let config = config_text(&dir.path().join("state"), "", &sources);
    let out = dir.path().join("items.jsonl");

    let summary = collect_once(&config, &out).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    assert_eq!(summary.sources_ok, counts.len());
    let items = read_items(&out);
    for (id, n) in &counts {
        assert_eq!(items_of(&items, id).len(), *n, "items of {id}");
    }
    assert_eq!(summary.items as usize, items.len());
    let ids: HashSet<&ItemId> = items.iter().map(|i| &i.id).collect();
    assert_eq!(ids.len(), items.len(), "no item twice");

    // Feeds: HTML stripped, scripts dropped, relative links resolved, ids from guids.
    let rss = items_of(&items, "rss20");
    let plan = rss
        .iter()
        .find(|i| i.title.as_deref() == Some("Raad stemt in met nieuw woningbouwplan"))
        .unwrap();
    assert_eq!(
        plan.id,
        ItemId::derive(&SourceId::new("rss20"), "vbs-2024-0301")
    );
    assert_eq!(
        plan.text,
        "De gemeenteraad heeft gisteravond ingestemd met het woningbouwplan voor de wijk Oost."
    );
    assert!(
        plan.links
            .contains(&"https://voorbeeldstad.example/plannen/woningbouw".to_string()),
        "{:?}",
        plan.links
    );
    assert_eq!(
        plan.published_at.unwrap().to_rfc3339(),
        "2024-03-01T09:00:00+00:00"
    );
    assert_eq!(plan.language.as_ref().unwrap().code, "nld");
    assert_eq!(plan.source.kind.as_str(), "feed");
    let wind = rss
        .iter()
        .find(|i| i.title.as_deref() == Some("Inspraakavond over windmolens"))
        .unwrap();
    assert!(
        wind.text.contains("12 maart")
            && wind
                .links
                .contains(&"https://voorbeeldstad.example/wind".to_string())
    );

    let atom = items_of(&items, "atom");
    let subsidy = atom
        .iter()
        .find(|i| i.title.as_deref() == Some("Subsidie voor dorpshuizen"))
        .unwrap();
    assert_eq!(
        subsidy.url.as_deref(),
        Some("https://provincie.example/nieuws/subsidie-dorpshuizen")
    );
    assert!(
        subsidy
            .links
            .contains(&"https://provincie.example/nieuws/regeling".to_string()),
        "{:?}",
        subsidy.links
    );
    let yt = items_of(&items, "youtube");
    assert!(yt
        .iter()
        .any(|i| i.text.contains("komst van een asielzoekerscentrum")));
    assert!(items_of(&items, "rss10")
        .iter()
        .any(|i| i.title.as_deref() == Some("Coalitie onder druk")));
    assert!(items_of(&items, "jsonfeed")
        .iter()
        .any(|i| i.text == "Vanaf juli betaalt u meer voor parkeren in het centrum."));

    // Mastodon: both pages; authors pseudonymised with their instance; no handles kept.
    let key = PseudonymKey::from_file(&key_file(&dir.path().join("state"))).unwrap();
    let masto = items_of(&items, "mastodon-local");
    let anna = masto
        .iter()
        .find(|i| i.url.as_deref() == Some("https://mastodon.example/@anna/110003"))
        .unwrap();
    assert_eq!(
        anna.author.as_ref().unwrap().pseudonym,
        key.pseudonymise("mastodon", "anna@mastodon.example")
    );
    assert!(anna.author.as_ref().unwrap().handle.is_none());
    assert!(
        masto.iter().any(|i| i.text.contains("petitie")),
        "page 2 collected"
    );
    let local_query = &server.hits("/api/v1/timelines/public")[0].query;
    assert!(
        local_query.contains("local=true") && local_query.contains("limit=40"),
        "{local_query}"
    );
    assert!(!server.hits("/api/v1/timelines/tag/gemeenteraad").is_empty());

    // Reddit, Bluesky, Telegram, JSON API.
    let reddit = items_of(&items, "reddit");
    let bus = reddit
        .iter()
        .find(|i| i.id == ItemId::derive(&SourceId::new("reddit"), "t3_r0001"))
        .unwrap();
    assert_eq!(
        bus.title.as_deref(),
        Some("Bus 12 rijdt niet meer & niemand zegt iets")
    );
    assert_eq!(
        bus.url.as_deref(),
        Some(&*server.url("/r/voorbeeldstad/comments/r0001/bus_12_rijdt_niet_meer/"))
    );
    assert!(
        reddit.iter().any(|i| i.title.as_deref() == Some("Optocht")),
        "page 2 collected"
    );
    let bsky = items_of(&items, "bluesky");
    assert!(bsky.iter().any(|i| i
        .links
        .contains(&"https://raad.example/zwembad".to_string())));
    assert!(server.hits("/xrpc/app.bsky.feed.searchPosts")[0]
        .query
        .contains("lang=nl"));
    let tg = items_of(&items, "telegram");
    let post = tg
        .iter()
        .find(|i| i.url.as_deref() == Some("https://t.me/voorbeeldkanaal/102"))
        .unwrap();
    assert_eq!(
        post.text,
        "Update: morgen protest bij het gemeentehuis, 19:00 uur."
    );
    assert!(
        tg.iter().any(|i| i.text.contains("burgemeester")),
        "older page collected"
    );
    let tg_queries: Vec<String> = server
        .hits("/s/voorbeeldkanaal")
        .iter()
        .map(|h| h.query.clone())
        .collect();
    assert_eq!(tg_queries, vec!["", "before=101", "before=99"]);
    let meldingen = items_of(&items, "meldingen");
    assert!(meldingen
        .iter()
        .any(|i| i.url.as_deref() == Some(&*server.url("/meldingen/503"))));

    // Every request said who we are.
    assert!(server
        .all_hits()
        .iter()
        .all(|h| h.header("user-agent") == Some("websense-test/1 (+mailto:test@example.org)")));
    // Status is on disk for the dashboard.
    let status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("state/status.json")).unwrap())
            .unwrap();
    assert_eq!(status.as_array().unwrap().len(), counts.len());
    assert_eq!(status[0]["consecutive_failures"], 0);
}

#[tokio::test]
async fn a_second_run_re_emits_nothing_and_uses_the_cursors() {
    let server = TestServer::start().await;
    serve_all_kinds(&server);
    let dir = tempfile::tempdir().unwrap();
    let (sources, counts) = all_kinds_sources(&server, "");
    let config = config_text(&dir.path().join("state"), "", &sources);
    let out = dir.path().join("items.jsonl");
    let first = collect_once(&config, &out).await;
    let n = read_items(&out).len();
    assert_eq!(n, counts.iter().map(|c| c.1).sum::<usize>());
    assert_eq!(first.items as usize, n);

    let second = collect_once(&config, &out).await;
    assert_eq!(second.sources_failed, 0, "{:?}", second.failures);
    assert_eq!(second.items, 0);
    assert_eq!(read_items(&out).len(), n);
    // Feeds came back 304; paged sources were de-duplicated by id and stopped after one page.
    let rss = server.hits("/rss20.xml");
    assert_eq!(rss.len(), 2);
    assert!(
        rss[1].header("if-none-match").is_some() && rss[1].header("if-modified-since").is_some()
    );
    assert!(second.duplicates > 0);
    let masto = server.hits("/api/v1/timelines/public");
    assert_eq!(masto.len(), 3, "second round: one page");
    assert!(
        masto[2].query.contains("since_id=110003"),
        "{}",
        masto[2].query
    );
    let reddit = server.hits("/r/voorbeeldstad/new.json");
    assert_eq!(
        reddit.len(),
        3,
        "second round stops at a page with nothing new"
    );
}

#[tokio::test]
async fn disabled_sources_are_skipped() {
    let server = TestServer::start().await;
    serve_all_kinds(&server);
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "on",
        "feed",
        &format!("url = \"{}\"", server.url("/rss20.xml")),
    ) + &source(
        "off",
        "feed",
        &format!("url = \"{}\"\nenabled = false", server.url("/atom.xml")),
    );
    let out = dir.path().join("items.jsonl");
    let summary = collect_once(&config_text(&dir.path().join("state"), "", &sources), &out).await;
    assert_eq!(summary.sources, 1);
    assert!(server.hits("/atom.xml").is_empty());
    assert_eq!(read_items(&out).len(), 3);
}

#[tokio::test]
async fn author_handles_only_when_configured() {
    let server = TestServer::start().await;
    serve_all_kinds(&server);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("my.key");
    std::fs::write(&key_file, "0123456789abcdef0123456789abcdef\n").unwrap();
    let sources = format!(
        "[privacy]\nkeep_author_handles = true\npseudonym_key_file = \"{}\"\n{}",
        key_file.display(),
        source(
            "m",
            "mastodon",
            &format!("instance = \"{}\"", server.url(""))
        )
    );
    let out = dir.path().join("items.jsonl");
    collect_once(&config_text(&dir.path().join("state"), "", &sources), &out).await;
    let items = read_items(&out);
    let key = PseudonymKey::from_file(&key_file).unwrap();
    let bram = items
        .iter()
        .find(|i| i.text.contains("inspraak was te kort"))
        .unwrap();
    let author = bram.author.as_ref().unwrap();
    assert_eq!(author.handle.as_deref(), Some("bram@andere.example"));
    assert_eq!(
        author.pseudonym,
        key.pseudonymise("mastodon", "bram@andere.example")
    );
    assert!(
        !dir.path().join("state/pseudonym.key").exists(),
        "the configured key is used, none generated"
    );
}

/// A sink that refuses every batch, as a broker that is down would.
struct RefusingSink;

impl websense_model::ItemSink for RefusingSink {
    fn send(
        &self,
        _items: Vec<websense_model::Item>,
    ) -> websense_model::BoxFuture<'_, Result<(), websense_model::SinkError>> {
        Box::pin(async { Err(websense_model::SinkError::new("test", "broker down")) })
    }
}

#[tokio::test]
async fn cursors_advance_only_after_the_sink_accepted() {
    use std::sync::Arc;
    use websense_collect::{Collector, Config, FileCursorStore};
    let server = TestServer::start().await;
    serve_all_kinds(&server);
    let dir = tempfile::tempdir().unwrap();
    let sources = source(
        "f",
        "feed",
        &format!("url = \"{}\"", server.url("/rss20.xml")),
    ) + &source(
        "m",
        "mastodon",
        &format!("instance = \"{}\"", server.url("")),
    );
    let text = config_text(&dir.path().join("state"), "", &sources);
    let config = Config::from_toml(&text).unwrap();
    let cursors = Arc::new(FileCursorStore::new(&config.collect.state_dir).unwrap());
    let refused = Collector::new(&config, Arc::new(RefusingSink), cursors)
        .unwrap()
        .run_once()
        .await;
    assert_eq!(refused.sources_failed, 2);
    assert!(
        refused
            .failures
            .iter()
            .all(|f| f.message.contains("broker down")),
        "{:?}",
        refused.failures
    );
    assert!(
        !dir.path().join("state/cursors/f.json").exists(),
        "no cursor saved for refused items"
    );

    // With a working sink the same items come out, fetched in full again (no 304, no since_id).
    let out = dir.path().join("items.jsonl");
    let summary = collect_once(&text, &out).await;
    assert_eq!((summary.sources_failed, summary.items), (0, 8));
    let rss = server.hits("/rss20.xml");
    assert!(rss[1].header("if-none-match").is_none());
    assert!(!server
        .hits("/api/v1/timelines/public")
        .iter()
        .any(|h| h.query.contains("since_id")));
}

/// An author vault stand-in that remembers what it was told and refuses one handle, as a
/// vault whose disk is full would.
#[derive(Debug, Default)]
struct Handles {
    told: std::sync::Mutex<Vec<(SourceId, websense_model::Pseudonym, String)>>,
}

const UNRECORDABLE: &str = "bram@andere.example";

impl websense_model::HandleRecorder for Handles {
    fn record(
        &self,
        source: &SourceId,
        pseudonym: &websense_model::Pseudonym,
        handle: &str,
        _event_time: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), String> {
        self.told
            .lock()
            .unwrap()
            .push((source.clone(), pseudonym.clone(), handle.to_string()));
        if handle == UNRECORDABLE {
            return Err("disk full".into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn handles_go_to_the_recorder_and_nowhere_else() {
    use std::sync::Arc;
    use websense_collect::{Collector, Config, FileCursorStore, JsonlSink};
    let server = TestServer::start().await;
    serve_all_kinds(&server);
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("my.key");
    std::fs::write(&key_file, "0123456789abcdef0123456789abcdef\n").unwrap();
    let sources = format!(
        "[privacy]\npseudonym_key_file = \"{}\"\n{}{}",
        key_file.display(),
        source(
            "m",
            "mastodon",
            &format!("instance = \"{}\"", server.url(""))
        ),
        source(
            "f",
            "feed",
            &format!("url = \"{}\"", server.url("/rss20.xml"))
        ),
    );
    let collect = |name: &str, handles: Option<Arc<Handles>>| {
        let config = Config::from_toml(&config_text(&dir.path().join(name), "", &sources)).unwrap();
        let out = dir.path().join(format!("{name}.jsonl"));
        let sink = Arc::new(JsonlSink::append_to(&out).unwrap());
        let cursors = Arc::new(FileCursorStore::new(&config.collect.state_dir).unwrap());
        let collector = match handles {
            Some(h) => Collector::recording_handles(&config, sink, cursors, h),
            None => Collector::new(&config, sink, cursors),
        }
        .unwrap();
        async move {
            let summary = collector.run_once().await;
            assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
            let mut items = read_items(&out);
            for item in &mut items {
                item.fetched_at = chrono::DateTime::UNIX_EPOCH;
            }
            items.sort_by(|a, b| a.id.0.cmp(&b.id.0));
            items
        }
    };
    let handles = Arc::new(Handles::default());
    let recorded = collect("with", Some(handles.clone())).await;
    let plain = collect("without", None).await;

    // The recorder changes nothing about the items: same items, still no handles, and the
    // one whose handle the recorder refused is handed on all the same.
    assert_eq!(recorded, plain);
    assert!(recorded
        .iter()
        .all(|i| i.author.as_ref().is_none_or(|a| a.handle.is_none())));
    assert!(recorded
        .iter()
        .any(|i| i.text.contains("inspraak was te kort")));

    // One record per item with an author, with that item's source and pseudonym, and the
    // handle the pseudonym was made from.
    let key = PseudonymKey::from_file(&key_file).unwrap();
    let told = handles.told.lock().unwrap().clone();
    let authored: Vec<_> = recorded.iter().filter(|i| i.author.is_some()).collect();
    assert!(
        authored.len() >= 3,
        "fixtures have authors: {}",
        authored.len()
    );
    assert_eq!(told.len(), authored.len());
    for item in authored {
        let pseudonym = &item.author.as_ref().unwrap().pseudonym;
        let (source, _, handle) = told
            .iter()
            .find(|(s, p, _)| s == &item.source.id && p == pseudonym)
            .unwrap_or_else(|| panic!("no record for {}", item.id.0));
        let namespace = if source.0 == "m" { "mastodon" } else { "f" };
        assert_eq!(&key.pseudonymise(namespace, handle), pseudonym, "{handle}");
    }
    assert!(told.iter().any(|(_, _, h)| h == UNRECORDABLE));
}
