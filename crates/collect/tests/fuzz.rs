//! Every parser is fed arbitrary bodies: random bytes, mutated fixtures, and random JSON in
//! the shapes the APIs send. None may panic (or hang: each case runs in a bounded time).
//!
//! Cases per property: `WEBSENSE_FUZZ_CASES` (default 200). A long run:
//!
//!     WEBSENSE_FUZZ_CASES=20000 cargo test --release -p websense-collect --test fuzz

mod common;

use common::{encoded_feeds, fixture, fixtures_dir};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::{Arc, OnceLock};
use url::Url;
use websense_collect::config::{HtmlSelectors, HtmlSelectorsConfig, JsonFields};
use websense_collect::encoding::{decode, DocKind};
use websense_collect::html::{html_to_text, links_in_text};
use websense_collect::parse::html_page::PageRole;
use websense_collect::parse::{self, ItemContext};
use websense_model::{PseudonymKey, SourceId, SourceKind, SourceRef};

fn cases() -> u32 {
    std::env::var("WEBSENSE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

fn ctx() -> ItemContext {
    ItemContext {
        source: SourceRef {
            id: SourceId::new("fuzz"),
            kind: SourceKind::Feed,
            tags: vec![],
        },
        key: Arc::new(PseudonymKey::from_bytes(b"fuzz-key-0123456789").unwrap()),
        keep_author_handles: true,
        fetched_at: chrono::Utc::now(),
    }
}

/// Every fixture and generated odd feed, as seeds for mutation.
fn seeds() -> &'static Vec<Vec<u8>> {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let mut seeds: Vec<Vec<u8>> = names.iter().map(|n| fixture(n)).collect();
        seeds.extend(encoded_feeds().into_iter().map(|(_, body, _, _)| body));
        seeds
    })
}

const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"&",
    b";",
    b"&amp;",
    b"&#",
    b"&#x110000;",
    b"&#0;",
    b"&eacute",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    b"<?xml encoding='x-unknown'?>",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\0",
    b"</item>",
    b"<item>",
    b"</entry>",
    b"<entry>",
    b"<rss version=\"2.0\">",
    b"<feed>",
    b"<script>",
    b"</script>",
    b"<div class=\"tgme_widget_message\" data-post=\"x/9\">",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\u0000",
    b"\\ud800",
    b"\xC3",
    b"\xE2\x82",
    b"\r\n",
    b"<pubDate>",
    b"</pubDate>",
    b"<a href=\"javascript:x\">",
    b"<a href=\"//\">",
];

#[derive(Clone, Debug)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, usize),
    Delete(usize, usize),
    Repeat(usize, usize, u8),
}

fn mutate(mut body: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = body.len().max(1);
        match *m {
            Mutation::Truncate(at) => body.truncate(at % len),
            Mutation::Flip(at, bits) => {
                if !body.is_empty() {
                    body[at % len] ^= bits;
                }
            }
            Mutation::Insert(at, token) => {
                let at = at % (body.len() + 1);
                let t = TOKENS[token % TOKENS.len()];
                body.splice(at..at, t.iter().copied());
            }
            Mutation::Delete(at, n) => {
                let at = at % len;
                let end = (at + n % 64).min(body.len());
                if at < end {
                    body.drain(at..end);
                }
            }
            Mutation::Repeat(at, n, times) => {
                let at = at % len;
                let end = (at + n % 256).min(body.len());
                if at < end && body.len() < 1 << 20 {
                    let slice = body[at..end].to_vec();
                    for _ in 0..times % 16 {
                        body.splice(at..at, slice.iter().copied());
                    }
                }
            }
        }
    }
    body
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1u8..).prop_map(|(a, b)| Mutation::Flip(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, t)| Mutation::Insert(a, t)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), any::<usize>(), any::<u8>())
            .prop_map(|(a, n, t)| Mutation::Repeat(a, n, t)),
    ]
}

fn mutated_fixture() -> impl Strategy<Value = Vec<u8>> {
    (any::<usize>(), proptest::collection::vec(mutation(), 1..8))
        .prop_map(|(seed, muts)| mutate(seeds()[seed % seeds().len()].clone(), &muts))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        mutated_fixture()
    ]
}

fn content_type() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        Just("text/xml; charset=utf-8".to_string()),
        Just("application/rss+xml; charset=ISO-8859-1".to_string()),
        Just("text/html; charset=\"windows-1252\"".to_string()),
        Just("application/json; charset=utf-16".to_string()),
        Just("text/plain; charset=x-bogus".to_string()),
        "[ -~]{0,40}",
    ])
}

/// JSON in roughly the shape an API sends, with values of any type where a field goes.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,30}".prop_map(Value::String),
        prop_oneof![
            Just("2024-03-01T10:00:00Z"),
            Just("Fri, 01 Mar 2024 10:00:00 +0100"),
            Just("at://did:plc:x/app.bsky.feed.post/1"),
            Just("https://x.example/a"),
            Just("/relative/path"),
            Just("t3_abc"),
            Just("<p>html &amp; <a href=\"/x\">link</a></p>"),
            Just("99999999999999999999999"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    const KEYS: &[&str] = &[
        "id",
        "uri",
        "url",
        "content",
        "created_at",
        "account",
        "acct",
        "reblog",
        "tags",
        "name",
        "kind",
        "data",
        "children",
        "after",
        "title",
        "selftext",
        "author",
        "created_utc",
        "permalink",
        "is_self",
        "posts",
        "record",
        "text",
        "createdAt",
        "facets",
        "features",
        "embed",
        "external",
        "cursor",
        "did",
        "handle",
        "items",
        "body",
        "user",
        "links",
        "self",
        "next",
        "spoiler_text",
        "Listing",
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((0..KEYS.len(), inner), 0..8).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (KEYS[k].to_string(), v))
                        .collect(),
                )
            }),
        ]
    })
}

/// Selectors of an `html` source that reach into every part of a page (the Telegram
/// fixture's posts among them, so mutated fixtures give posts to read).
fn html_selectors() -> &'static HtmlSelectors {
    static SELECTORS: OnceLock<HtmlSelectors> = OnceLock::new();
    SELECTORS.get_or_init(|| {
        HtmlSelectorsConfig {
            thread_link: Some("a".into()),
            post: "div, article, .tgme_widget_message".into(),
            text: "p, .tgme_widget_message_text".into(),
            author: Some("span, .author".into()),
            time: Some("time".into()),
            time_attr: None,
            title: Some("h1, title".into()),
            permalink: Some("a".into()),
            next_page: Some("a[rel=next], link[rel=prev]".into()),
        }
        .check()
        .unwrap()
    })
}

fn all_parsers(body: &[u8], ct: Option<&str>) {
    let c = ctx();
    let base = Url::parse("https://fuzz.example/feed").unwrap();
    let _ = parse::feed::parse_feed(body, ct, Some(&base), &c);
    let _ = parse::mastodon::parse_statuses(body, ct, std::str::from_utf8(body).ok(), &c);
    let _ = parse::reddit::parse_listing(body, ct, &base, &c);
    let _ = parse::bluesky::parse_search(body, ct, &c);
    if let Ok(parse::jetstream::Event {
        what: parse::jetstream::EventKind::Post(post),
        ..
    }) = parse::jetstream::parse_event(&String::from_utf8_lossy(body))
    {
        let _ = post.into_item(&c);
    }
    let _ = parse::telegram::parse_preview(body, ct, "kanaal", &base, &c);
    let selectors = html_selectors();
    for role in [PageRole::Listing, PageRole::Posts { thread: &base }] {
        let _ = parse::html_page::parse_page(body, ct, &base, selectors, role, &c);
    }
    let fields = JsonFields {
        id: "id".into(),
        text: "body".into(),
        title: Some("title".into()),
        author: Some("user.name".into()),
        time: Some("created_at".into()),
        url: Some("links.self".into()),
    };
    let _ = parse::json_api::parse_json_api(
        body,
        ct,
        "data.items",
        Some("data.next"),
        &fields,
        &base,
        &c,
    );
    let _ = parse::json_api::parse_json_api(body, ct, "", None, &fields, &base, &c);
    for kind in [DocKind::Xml, DocKind::Html, DocKind::Json] {
        let _ = decode(body, ct, kind);
    }
    let text = String::from_utf8_lossy(body);
    let _ = html_to_text(&text, Some(&base));
    let _ = links_in_text(&text);
    let _ = parse::parse_time(&text);
    let _ = parse::parse_page_time(&text);
    let _ = parse::mastodon::link_rel(&text, "next");
    let _ = websense_collect::Config::from_toml(&text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parsers_survive_any_body(body in body(), ct in content_type()) {
        all_parsers(&body, ct.as_deref());
    }

    #[test]
    fn parsers_survive_any_json_shape(value in json_value()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        all_parsers(&bytes, Some("application/json"));
        // The same value wrapped where each API keeps its items.
        for wrapped in [
            json!([value.clone()]),
            json!({"kind": "Listing", "data": {"children": [{"data": value.clone()}], "after": value.clone()}}),
            json!({"posts": [value.clone()], "cursor": value.clone()}),
            json!({"did": "did:plc:f", "time_us": 1, "kind": "commit", "commit": {"operation": "create", "collection": "app.bsky.feed.post", "rkey": "r", "record": value.clone()}}),
            json!({"data": {"items": [value.clone()], "next": value.clone()}}),
        ] {
            all_parsers(&serde_json::to_vec(&wrapped).unwrap(), None);
        }
    }
}
