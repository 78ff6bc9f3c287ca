//! The forgiving feed reader, the encoding detection and repair, the Markdown reader and the
//! lone-surrogate repair, fed generated feeds in every dialect (random roots, versions,
//! namespaces, entry fields, text types, hostile links, entities, truncation, encodings) and
//! arbitrary text. None may panic, every case must finish within a time bound (enforced: the
//! case runs on its own thread and the test fails when it does not answer in time), and no
//! link that is not http(s) may come out.
//!
//! Cases per property: `WEBSENSE_FUZZ_CASES` (default 200).

use proptest::prelude::*;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use url::Url;
use websense_collect::encoding::{decode, repair_text, DocKind};
use websense_collect::markdown::markdown_to_text;
use websense_collect::parse::{self, ItemContext};
use websense_model::{PseudonymKey, SourceId, SourceKind, SourceRef};

/// Far above what any case takes (milliseconds); a case past it is a hang.
const CASE_LIMIT: Duration = Duration::from_secs(20);

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

/// Run `f` on its own thread; fail when it panics or takes longer than [`CASE_LIMIT`].
fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(CASE_LIMIT) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no answer within {CASE_LIMIT:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: panicked"),
    }
}

const ROOTS: &[&str] = &[
    "<rss version=\"2.0\"><channel>",
    "<rss>",
    "<rss version=\"0.94\">",
    "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\"><channel>",
    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\">",
    "<rdf:rdf xmlns:rdf=\"x\">",
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
    "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\">",
    "<CHANNEL HREF=\"https://c.example/\">",
    "<html>",
    "<a:b:c>",
    "",
];

const TEXTS: &[&str] = &[
    "tekst",
    "I &lt;3 &lt;b&gt;vet&lt;/b&gt;",
    "&amp;amp; &#146; &#0; &#xD800; &nbsp; &bogus;",
    "<![CDATA[<p>cdata <a href=\"javascript:x\">x</a></p>]]>",
    "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>x<a href=\"/rel\">r</a></p></div>",
    "CafÃ© â€¦ \u{92}",
    "AAECAwQF",
    "",
    "<",
    "&",
];

const TYPES: &[&str] = &[
    "",
    " type=\"text\"",
    " type=\"html\"",
    " type=\"xhtml\"",
    " type=\"application/octet-stream\"",
    " type=\"text/html\" mode=\"escaped\"",
    " type=\"text/plain\" mode=\"base64\"",
    " type=\"application/xhtml+xml\"",
    " type=\"\u{0}\"",
];

const LINKS: &[&str] = &[
    "https://a.example/1",
    " JavaScript:alert(1)",
    "data:text/html,x",
    "/relatief",
    "relatief.html",
    "//proto.example/x",
    "http://[::1",
    "mailto:a@b",
    "",
];

const FIELDS: &[&str] = &[
    "title",
    "description",
    "content",
    "content:encoded",
    "summary",
    "ABSTRACT",
    "guid",
    "id",
    "pubDate",
    "dc:date",
    "issued",
    "author",
    "category",
];

#[derive(Debug, Clone)]
enum Part {
    Field(usize, usize, usize),
    Link(usize, bool),
    Nested,
    Garbage(Vec<u8>),
}

fn part() -> impl Strategy<Value = Part> {
    prop_oneof![
        (0..FIELDS.len(), 0..TYPES.len(), 0..TEXTS.len())
            .prop_map(|(f, t, x)| Part::Field(f, t, x)),
        (0..LINKS.len(), any::<bool>()).prop_map(|(l, a)| Part::Link(l, a)),
        Just(Part::Nested),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Part::Garbage),
    ]
}

fn entry() -> impl Strategy<Value = (bool, Vec<Part>)> {
    (any::<bool>(), proptest::collection::vec(part(), 0..8))
}

fn render(root: usize, entries: &[(bool, Vec<Part>)]) -> Vec<u8> {
    let mut doc = b"<?xml version=\"1.0\"?>".to_vec();
    doc.extend_from_slice(ROOTS[root].as_bytes());
    for (atom, parts) in entries {
        let name = if *atom { "entry" } else { "item" };
        doc.extend_from_slice(format!("<{name}>").as_bytes());
        for p in parts {
            match p {
                Part::Field(f, t, x) => doc.extend_from_slice(
                    format!("<{0}{1}>{2}</{0}>", FIELDS[*f], TYPES[*t], TEXTS[*x]).as_bytes(),
                ),
                Part::Link(l, true) => doc.extend_from_slice(
                    format!("<link rel=\"alternate\" href=\"{}\"/>", LINKS[*l]).as_bytes(),
                ),
                Part::Link(l, false) => {
                    doc.extend_from_slice(format!("<link>{}</link>", LINKS[*l]).as_bytes())
                }
                Part::Nested => doc.extend_from_slice(b"<item><title>binnen</title></item>"),
                Part::Garbage(g) => doc.extend_from_slice(g),
            }
        }
        doc.extend_from_slice(format!("</{name}>").as_bytes());
    }
    doc.extend_from_slice(b"</channel></rss></feed>");
    doc
}

/// The document in one of the encodings feeds come in.
fn encode(text: &[u8], how: u8) -> (Vec<u8>, Option<&'static str>) {
    let s = String::from_utf8_lossy(text);
    match how % 7 {
        0 => (text.to_vec(), None),
        1 => {
            let mut out = vec![0xFF, 0xFE, 0, 0];
            out.extend(s.chars().flat_map(|c| (c as u32).to_le_bytes()));
            (out, None)
        }
        2 => (
            s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect(),
            None,
        ),
        3 => (
            s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
            Some("application/xml; charset=utf-16le"),
        ),
        4 => (encoding_rs::SHIFT_JIS.encode(&s).0.into_owned(), None),
        5 => (
            encoding_rs::WINDOWS_1252.encode(&s).0.into_owned(),
            Some("text/xml; charset=iso-8859-1"),
        ),
        _ => (
            encoding_rs::KOI8_R.encode(&s).0.into_owned(),
            Some("text/xml"),
        ),
    }
}

fn check_feed(body: Vec<u8>, ct: Option<&'static str>) {
    let base = Url::parse("https://fuzz.example/feed").unwrap();
    let page = within("parse_feed", move || {
        parse::feed::parse_feed(&body, ct, Some(&base), &ctx())
    });
    if let Ok(page) = page {
        for item in &page.items {
            for link in item.url.iter().chain(&item.links) {
                assert!(
                    link.starts_with("http://") || link.starts_with("https://"),
                    "{link}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_dialects_parse_safely(
        root in 0..ROOTS.len(),
        entries in proptest::collection::vec(entry(), 0..12),
        cut in proptest::option::of(any::<prop::sample::Index>()),
        how in any::<u8>(),
    ) {
        let mut doc = render(root, &entries);
        if let Some(cut) = cut {
            doc.truncate(cut.index(doc.len() + 1));
        }
        let (body, ct) = encode(&doc, how);
        check_feed(body, ct);
    }

    #[test]
    fn text_repairs_and_markdown_survive_anything(text in any::<String>(), bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let t = text.clone();
        let (repaired, md) = within("repair/markdown", move || {
            (repair_text(&t).into_owned(), markdown_to_text(&t))
        });
        prop_assert!(repaired.chars().count() <= text.chars().count());
        for l in md.links {
            prop_assert!(l.starts_with("http://") || l.starts_with("https://"), "{}", l);
        }
        within("decode", move || {
            for kind in [DocKind::Xml, DocKind::Html, DocKind::Json] {
                let _ = decode(&bytes, None, kind);
                let _ = decode(&bytes, Some("text/xml; charset=utf-32"), kind);
            }
        });
    }
}

#[test]
fn many_entries_stay_bounded() {
    let mut many = String::from("<rss><channel>");
    // Per item, language detection dominates (milliseconds in a debug build), linearly.
    for i in 0..2_000 {
        many += &format!("<item><title>t{i}</title><link>/a/{i}</link></item>");
    }
    check_feed(many.into_bytes(), None);
}

#[test]
fn deep_documents_stay_bounded() {
    let deep = "<rss>".to_string() + &"<item>".repeat(100_000) + &"<x>".repeat(100_000);
    check_feed(deep.into_bytes(), None);
}

#[test]
fn hostile_markdown_and_json_stay_bounded() {
    let md = "> ".repeat(50_000) + &"*".repeat(50_000) + &"[".repeat(50_000);
    within("markdown", move || markdown_to_text(&md));
    let json = format!("[\"{}\"]", "\\ud83d".repeat(100_000));
    let page = within("surrogates", move || {
        parse::mastodon::parse_statuses(json.as_bytes(), None, None, &ctx())
    });
    assert!(page.is_ok_and(|p| p.warnings.iter().any(|w| w.contains("surrogate"))));
}
