//! Bad input: odd encodings, broken XML, wrong content, missing fields. Each odd source
//! either yields its items or fails alone with a clear error; every other source goes on.

mod common;

use common::*;
use websense_collect::Summary;

struct Case {
    id: String,
    path: String,
    reply: Reply,
}

fn case(id: &str, reply: Reply) -> Case {
    Case {
        id: id.into(),
        path: format!("/{id}"),
        reply,
    }
}

async fn run(cases: Vec<Case>) -> (Summary, Vec<websense_model::Item>, tempfile::TempDir) {
    let server = TestServer::start().await;
    let mut sources = String::new();
    for c in cases {
        sources += &source(&c.id, "feed", &format!("url = \"{}\"", server.url(&c.path)));
        server.fixed(&c.path, c.reply);
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    let summary = collect_once(
        &config_text(&dir.path().join("state"), "max_retries = 0", &sources),
        &out,
    )
    .await;
    let items = read_items(&out);
    (summary, items, dir)
}

fn failure_of<'a>(summary: &'a Summary, id: &str) -> &'a websense_collect::SourceFailure {
    summary
        .failures
        .iter()
        .find(|f| f.source.as_str() == id)
        .unwrap_or_else(|| panic!("{id} should fail: {:?}", summary.failures))
}

#[tokio::test]
async fn legacy_and_odd_encodings_are_decoded() {
    let feeds = encoded_feeds();
    let cases = feeds
        .iter()
        .enumerate()
        .map(|(i, (_, body, ct, _))| case(&format!("enc{i}"), Reply::ok(body.clone(), ct)))
        .collect();
    let (summary, items, _dir) = run(cases).await;
    assert_eq!(summary.sources_failed, 0, "{:?}", summary.failures);
    for (i, (name, _, _, phrase)) in feeds.iter().enumerate() {
        let got = items_of(&items, &format!("enc{i}"));
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(got[0].title.as_deref(), Some(*phrase), "{name}");
        assert!(
            got[0].text.contains(phrase) && !got[0].text.contains('\u{FFFD}'),
            "{name}: {}",
            got[0].text
        );
    }
}

#[tokio::test]
async fn broken_feeds_fail_alone_with_clear_errors() {
    let mut garbage = vec![0u8; 2048];
    let mut x: u32 = 12345;
    for b in garbage.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let xml = "application/rss+xml";
    let cases = vec![
        case("good", Reply::ok(fixture("rss20.xml"), xml)),
        case("truncated", Reply::ok(fixture("truncated.xml"), xml)),
        case("dates", Reply::ok(fixture("invalid_dates.xml"), xml)),
        case("entities", Reply::ok(fixture("entities.xml"), xml)),
        case("missing", Reply::ok(fixture("missing_fields.xml"), xml)),
        case("html", Reply::ok(fixture("html_instead.html"), "text/html")),
        case("empty", Reply::ok(Vec::new(), xml)),
        case("blank", Reply::ok(b"  \r\n\t ".to_vec(), xml)),
        case("garbage", Reply::ok(garbage, "application/octet-stream")),
        case(
            "brokenjson",
            Reply::ok(fixture("broken_json_feed.json"), "application/feed+json"),
        ),
        case("notfound", Reply::status(404)),
        case("gone", Reply::status(410)),
        case(
            "wrongtype",
            Reply::ok(fixture("atom.xml"), "application/octet-stream"),
        ),
        case(
            "nul",
            Reply::ok(
                b"<rss version=\"2.0\"><channel><item><title>a\0b</title></item></channel></rss>"
                    .to_vec(),
                xml,
            ),
        ),
    ];
    let (summary, items, dir) = run(cases).await;

    // The good ones (and the survivable odd ones) deliver.
    assert_eq!(items_of(&items, "good").len(), 3);
    assert_eq!(items_of(&items, "wrongtype").len(), 2);

    // Clear, per-source errors, each naming the source, the URL and what was wrong.
    for (id, says) in [
        ("html", "HTML page"),
        ("empty", "empty body"),
        ("blank", "empty body"),
        ("garbage", "not a feed"),
        ("brokenjson", "not a feed"),
        ("notfound", "HTTP 404"),
        ("gone", "HTTP 410"),
    ] {
        let f = failure_of(&summary, id).to_string();
        assert!(
            f.contains(&format!("source `{id}`"))
                && f.contains(&format!("/{id}"))
                && f.contains(says),
            "{f}"
        );
    }

    // A truncated document: the complete entries before the break are kept, with a warning.
    let truncated = items_of(&items, "truncated");
    assert_eq!(truncated.len(), 1);
    assert_eq!(truncated[0].text, "Dit bericht is compleet.");

    // Unparseable dates: items kept without a date, and the oddity recorded in the status.
    let dated = items_of(&items, "dates");
    assert_eq!(dated.len(), 4);
    assert_eq!(dated.iter().filter(|i| i.published_at.is_none()).count(), 3);
    let cet = dated
        .iter()
        .find(|i| i.title.as_deref() == Some("Tijdzone als naam"))
        .unwrap();
    assert_eq!(
        cet.published_at.unwrap().to_rfc3339(),
        "2024-03-12T09:00:00+00:00"
    );
    let status: Vec<websense_collect::SourceStatus> =
        serde_json::from_slice(&std::fs::read(dir.path().join("state/status.json")).unwrap())
            .unwrap();
    let dates_status = status.iter().find(|s| s.id.as_str() == "dates").unwrap();
    assert!(
        dates_status
            .warnings
            .iter()
            .any(|w| w.contains("unparseable dates") && w.contains("gisteren")),
        "{:?}",
        dates_status.warnings
    );
    let truncated_status = status
        .iter()
        .find(|s| s.id.as_str() == "truncated")
        .unwrap();
    assert!(
        truncated_status
            .warnings
            .iter()
            .any(|w| w.contains("truncated document")),
        "{:?}",
        truncated_status.warnings
    );
    let html_status = status.iter().find(|s| s.id.as_str() == "html").unwrap();
    assert!(html_status
        .last_error
        .as_ref()
        .unwrap()
        .message
        .contains("HTML page"));
    assert_eq!(html_status.consecutive_failures, 1);

    // Entities, defined in XML or only in HTML, escaped once or twice, in CDATA.
    let titles: Vec<String> = items_of(&items, "entities")
        .iter()
        .filter_map(|i| i.title.clone())
        .collect();
    for want in [
        "Café & terras: \"open\"",
        "Dubbel geëscaped: & en é",
        "HTML-entiteit in XML: één keer",
        "CDATA titel met opmaak & entiteit",
    ] {
        assert!(
            titles.iter().any(|t| t == want),
            "{want:?} not in {titles:?}"
        );
    }
    let euro = items_of(&items, "entities")
        .into_iter()
        .find(|i| i.text.starts_with("Numerieke"))
        .unwrap();
    assert_eq!(euro.text, "Numerieke € en € tekens.");

    // Entries missing guid, link or title still become items, with stable distinct ids; an
    // entry with nothing in it is no item, and the status says which one was skipped.
    let missing = items_of(&items, "missing");
    assert_eq!(missing.len(), 3);
    assert!(missing
        .iter()
        .any(|i| i.url.as_deref() == Some("https://ontbreekt.example/alleen-link")));
    let missing_status = status.iter().find(|s| s.id.as_str() == "missing").unwrap();
    assert!(
        missing_status
            .warnings
            .iter()
            .any(|w| w.contains("entry 4 skipped")),
        "{:?}",
        missing_status.warnings
    );

    // A NUL byte in a title: the item survives or the source fails alone.
    assert!(
        items_of(&items, "nul").len() == 1
            || summary.failures.iter().any(|f| f.source.as_str() == "nul")
    );
}
