//! Every feed a mature reader accepts: the RSS, RDF, Atom and CDF dialects found in the wild,
//! UTF-32 and unlabelled legacy encodings, odd entries and hostile links. The feeds are
//! generated here from templates, served on loopback and collected as a user would; each
//! source must deliver every entry a reader would show, and say what it had to skip.
//!
//! Prints `dialects: feeds read R/F, items I/E, warnings W` before asserting, the figure
//! reported in the issue (run `cargo test -p websense-collect --test dialects -- --nocapture`).

mod common;

use common::*;
use websense_model::Item;

const RSS_ITEMS: &str = r#"<item><title>Eerste bericht</title><link>https://site.example/1</link>
    <description>&lt;p&gt;Tekst een&lt;/p&gt;</description><pubDate>Fri, 01 Mar 2024 10:00:00 +0100</pubDate></item>
  <item><title>Tweede bericht</title><link>https://site.example/2</link><description>Tekst twee</description></item>"#;

/// Items without `<link>`, as RSS 0.90 and 1.0 allow.
const LINKLESS_ITEMS: &str = r#"<item><title>Eerste bericht</title><description>Tekst een</description></item>
  <item><title>Tweede bericht</title><description>Tekst twee</description></item>"#;

struct Case {
    id: String,
    body: Vec<u8>,
    content_type: &'static str,
    /// Items a feed reader shows.
    items: usize,
    check: fn(&[&Item]) -> Result<(), String>,
    /// A title one of the items must have.
    title: Option<String>,
}

fn case(
    id: &str,
    body: impl Into<Vec<u8>>,
    items: usize,
    check: fn(&[&Item]) -> Result<(), String>,
) -> Case {
    Case {
        id: id.into(),
        body: body.into(),
        content_type: "application/xml",
        items,
        check,
        title: None,
    }
}

fn two_titles(items: &[&Item]) -> Result<(), String> {
    let titles: Vec<_> = items.iter().filter_map(|i| i.title.as_deref()).collect();
    if titles.contains(&"Eerste bericht") && titles.contains(&"Tweede bericht") {
        Ok(())
    } else {
        Err(format!("titles {titles:?}"))
    }
}

fn no_check(_: &[&Item]) -> Result<(), String> {
    Ok(())
}

fn utf32(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = (bom.then_some('\u{FEFF}').into_iter()).chain(text.chars());
    for c in units {
        let n = c as u32;
        out.extend(if big_endian {
            n.to_be_bytes()
        } else {
            n.to_le_bytes()
        });
    }
    out
}

fn legacy(label: &str, text: &str) -> Vec<u8> {
    let enc = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
    enc.encode(text).0.into_owned()
}

fn rss_with_title(title: &str) -> String {
    format!(
        "<rss version=\"2.0\"><channel><title>t</title><item><title>{title}</title>\
         <guid>g1</guid><description>{title} {title}</description></item></channel></rss>"
    )
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        case(
            "atom03",
            r#"<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Atom 0.3</title>
<entry><title>Eerste bericht</title><link rel="alternate" type="text/html" href="https://site.example/1"/>
  <id>tag:site.example,2024:1</id><issued>2024-03-01T10:00:00Z</issued><modified>2024-03-01T10:00:00Z</modified>
  <content type="text/html" mode="escaped">&lt;p&gt;Tekst een&lt;/p&gt;</content></entry>
<entry><title>Tweede bericht</title><link rel="alternate" type="text/html" href="https://site.example/2"/>
  <id>tag:site.example,2024:2</id><issued>2024-03-02T10:00:00Z</issued>
  <summary type="text/plain">Tekst twee</summary></entry></feed>"#,
            2,
            |items| {
                two_titles(items)?;
                let one = items
                    .iter()
                    .find(|i| i.title.as_deref() == Some("Eerste bericht"))
                    .unwrap();
                (one.text == "Tekst een"
                    && one.url.as_deref() == Some("https://site.example/1")
                    && one.published_at.is_some())
                .then_some(())
                .ok_or(format!("{one:?}"))
            },
        ),
        case(
            "rss090",
            format!(
                r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>RSS 0.90</title><link>https://site.example/</link></channel>{LINKLESS_ITEMS}</rdf:RDF>"#
            ),
            2,
            two_titles,
        ),
        case(
            "rss10-nolink",
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://site.example/"><title>RSS 1.0</title></channel>
<item rdf:about="https://site.example/1"><title>Eerste bericht</title><description>Tekst een</description><dc:date>2024-03-01T10:00:00Z</dc:date></item>
<item rdf:about="https://site.example/2"><title>Tweede bericht</title></item></rdf:RDF>"#.to_string(),
            2,
            |items| {
                two_titles(items)?;
                items
                    .iter()
                    .any(|i| i.url.as_deref() == Some("https://site.example/1"))
                    .then_some(())
                    .ok_or("rdf:about is the link".into())
            },
        ),
        case(
            "userland",
            format!(
                r#"<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>Userland</title>{RSS_ITEMS}</channel></rss>"#
            ),
            2,
            two_titles,
        ),
        case(
            "item-in-atom",
            format!(
                r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Gemengd</title>{RSS_ITEMS}</feed>"#
            ),
            2,
            two_titles,
        ),
        case(
            "rss-noversion",
            format!("<rss><channel><title>t</title>{RSS_ITEMS}</channel></rss>"),
            2,
            two_titles,
        ),
        case(
            "rss-nochannel",
            format!(r#"<rss version="2.0">{RSS_ITEMS}</rss>"#),
            2,
            two_titles,
        ),
        case(
            "rdf-lowercase",
            format!(
                r#"<rdf:rdf xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel><title>t</title></channel>{LINKLESS_ITEMS}</rdf:rdf>"#
            ),
            2,
            two_titles,
        ),
        case(
            "cdf",
            r#"<?xml version="1.0"?><CHANNEL HREF="https://site.example/" BASE="https://site.example/">
<TITLE>Kanaal</TITLE><ABSTRACT>CDF</ABSTRACT>
<ITEM HREF="https://site.example/1" LASTMOD="2024-03-01T10:00"><TITLE>Eerste bericht</TITLE><ABSTRACT>Tekst een</ABSTRACT></ITEM>
<ITEM HREF="https://site.example/2"><TITLE>Tweede bericht</TITLE><ABSTRACT>Tekst twee</ABSTRACT></ITEM></CHANNEL>"#,
            2,
            |items| {
                two_titles(items)?;
                items
                    .iter()
                    .any(|i| i.url.as_deref() == Some("https://site.example/2"))
                    .then_some(())
                    .ok_or("HREF is the link".into())
            },
        ),
        case(
            "atom-odd-content",
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><id>e1</id><title>Eerste bericht</title><content type="application/octet-stream">AAECAwQF</content></entry>
<entry><id>e2</id><title>Tweede bericht</title><content type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Tekst <a href="https://x.example/a">twee</a></p></div></content></entry>
<entry><id>e3</id><content type="image/png">iVBORw0KGgo=</content></entry></feed>"#,
            2,
            |items| {
                two_titles(items)?;
                items
                    .iter()
                    .any(|i| i.text == "Tekst twee" && i.links == ["https://x.example/a"])
                    .then_some(())
                    .ok_or(format!("{items:?}"))
            },
        ),
        case(
            "atom-text-title",
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><id>t1</id><title type="text">I &lt;3 &lt;b&gt;bold&lt;/b&gt;</title><summary>a &lt; b</summary></entry>
<entry><id>t2</id><title type="html">Echt &lt;b&gt;vet&lt;/b&gt;</title></entry></feed>"#,
            2,
            |items| {
                let titles: Vec<_> = items.iter().filter_map(|i| i.title.as_deref()).collect();
                (titles.contains(&"I <3 <b>bold</b>") && titles.contains(&"Echt vet"))
                    .then_some(())
                    .ok_or(format!("{titles:?}"))
            },
        ),
        case(
            "c1-punctuation",
            rss_with_title("don&#146;t &#147;stop&#148;"),
            1,
            |items| {
                (items[0].title.as_deref() == Some("don’t “stop”"))
                    .then_some(())
                    .ok_or(format!("{:?}", items[0].title))
            },
        ),
        case(
            "double-encoded",
            rss_with_title("CafÃ© in â€˜t centrum â€¦"),
            1,
            |items| {
                (items[0].title.as_deref() == Some("Café in ‘t centrum …"))
                    .then_some(())
                    .ok_or(format!("{:?}", items[0].title))
            },
        ),
        case(
            "unsafe-links",
            r#"<rss version="2.0"><channel><title>t</title>
<item><guid>u1</guid><title>Script</title><link> JavaScript:alert(1)</link></item>
<item><guid>u2</guid><title>Data</title><link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link></item>
<item><guid>u3</guid><title>Relatief</title><link>/nieuws/3</link></item></channel></rss>"#,
            3,
            |items| {
                let urls: Vec<_> = items.iter().map(|i| i.url.as_deref()).collect();
                let links: Vec<_> = items.iter().flat_map(|i| i.links.iter()).collect();
                let bad = links
                    .iter()
                    .any(|l| !l.starts_with("http://") && !l.starts_with("https://"));
                (!bad
                    && urls.iter().flatten().all(|u| u.starts_with("http"))
                    && urls.iter().flatten().any(|u| u.ends_with("/nieuws/3")))
                .then_some(())
                .ok_or(format!("{urls:?} {links:?}"))
            },
        ),
    ];
    // RSS versions that exist only in the wild.
    for version in ["0.93", "0.94", "2.01", "2.1"] {
        cases.push(case(
            &format!("rss-{version}"),
            format!(
                r#"<rss version="{version}"><channel><title>t</title>{RSS_ITEMS}</channel></rss>"#
            ),
            2,
            two_titles,
        ));
    }
    let utf32_doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-32\"?><rss version=\"2.0\"><channel><title>t</title>{}</channel></rss>",
        RSS_ITEMS.replace("Tekst twee", "Zoë en 😀")
    );
    cases.push(case(
        "utf32le-bom",
        utf32(&utf32_doc, false, true),
        2,
        two_titles,
    ));
    cases.push(case(
        "utf32be",
        utf32(&utf32_doc, true, false),
        2,
        two_titles,
    ));
    // Unlabelled legacy encodings: no charset anywhere.
    let legacy_cases: [(&str, &str, &str); 4] = [
        (
            "Shift_JIS",
            "sjis",
            "東京都の議会で新しい予算が承認されました",
        ),
        ("KOI8-R", "koi8r", "Городской совет обсудил новый бюджет"),
        ("windows-1255", "cp1255", "מועצת העיר דנה בתקציב החדש"),
        ("EUC-KR", "euckr", "시의회가 새로운 예산을 논의했습니다"),
    ];
    for (label, id, title) in legacy_cases {
        let mut c = case(id, legacy(label, &rss_with_title(title)), 1, no_check);
        c.content_type = "text/xml";
        c.title = Some(title.into());
        cases.push(c);
    }
    // JSON Feed with a charset that is not UTF-8, and hostile URLs.
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
        {"id":"j1","title":"Caf\u00e9","content_text":"na\u00efef","url":"JaVaScRiPt:alert(1)"},
        {"id":"j2","title":"Twee","content_text":"tekst","url":"/artikel/2"}]}"#;
    let latin1: Vec<u8> = json
        .replace("\\u00e9", "é")
        .replace("\\u00ef", "ï")
        .chars()
        .map(|c| c as u32 as u8)
        .collect();
    cases.push(Case {
        id: "jsonfeed-latin1".into(),
        body: latin1,
        content_type: "application/feed+json; charset=iso-8859-1",
        items: 2,
        title: None,
        check: |items| {
            let ok = items.iter().any(|i| i.title.as_deref() == Some("Café"))
                && items.iter().any(|i| i.text == "naïef")
                && items
                    .iter()
                    .all(|i| i.url.as_deref().is_none_or(|u| u.starts_with("http")))
                && items
                    .iter()
                    .any(|i| i.url.as_deref().is_some_and(|u| u.ends_with("/artikel/2")));
            ok.then_some(()).ok_or(format!("{items:?}"))
        },
    });
    // Entry-like elements, none readable: a warning, never a silent "ok".
    cases.push(case(
        "unreadable",
        "<rss version=\"2.0\"><channel><title>t</title><item></item><item><category>x</category></item></channel></rss>",
        0,
        no_check,
    ));
    cases
}

#[tokio::test]
async fn every_dialect_delivers_its_entries() {
    let server = TestServer::start().await;
    let cases = cases();
    let mut sources = String::new();
    for c in &cases {
        let path = format!("/{}", c.id);
        sources += &source(&c.id, "feed", &format!("url = \"{}\"", server.url(&path)));
        server.fixed(&path, Reply::ok(c.body.clone(), c.content_type));
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("items.jsonl");
    collect_once(
        &config_text(&dir.path().join("state"), "max_retries = 0", &sources),
        &out,
    )
    .await;
    let items = read_items(&out);
    let status: Vec<websense_collect::SourceStatus> =
        serde_json::from_slice(&std::fs::read(dir.path().join("state/status.json")).unwrap())
            .unwrap();
    let mut problems = Vec::new();
    let (mut read, mut got, mut expected, mut warnings) = (0, 0, 0, 0);
    for c in &cases {
        let mine = items_of(&items, &c.id);
        let st = status.iter().find(|s| s.id.as_str() == c.id).unwrap();
        warnings += st.warnings.len();
        got += mine.len().min(c.items);
        expected += c.items;
        let verdict = if mine.len() != c.items {
            Err(format!(
                "{} items, want {} (error {:?}, warnings {:?})",
                mine.len(),
                c.items,
                st.last_error.as_ref().map(|e| &e.message),
                st.warnings
            ))
        } else if let Some(t) = c
            .title
            .as_deref()
            .filter(|t| !mine.iter().any(|i| i.title.as_deref() == Some(*t)))
        {
            Err(format!("no title {t:?} in {mine:?}"))
        } else {
            (c.check)(&mine)
        };
        match verdict {
            Ok(()) => read += 1,
            Err(e) => problems.push(format!("{}: {e}", c.id)),
        }
    }
    println!(
        "dialects: feeds read {read}/{}, items {got}/{expected}, warnings {warnings}",
        cases.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
    let warnings_of = |id: &str| {
        status
            .iter()
            .find(|s| s.id.as_str() == id)
            .unwrap()
            .warnings
            .join(" | ")
    };
    let odd = warnings_of("atom-odd-content");
    assert!(
        odd.contains("entry 1: <content> of type application/octet-stream is not text")
            && odd.contains("entry 3 skipped"),
        "{odd}"
    );
    let unreadable = warnings_of("unreadable");
    assert!(
        unreadable.contains("entry 1 skipped")
            && unreadable.contains("has 2 entries but none could be read"),
        "{unreadable}"
    );
}
