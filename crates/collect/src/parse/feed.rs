//! RSS 0.9x/1.0/2.0, Atom (also YouTube channel feeds) and JSON Feed, through `feed-rs`.
//!
//! The body is decoded to UTF-8 first ([`crate::encoding`]) and its XML declaration removed,
//! so `feed-rs` never decodes a second time by a declaration that was wrong. Entries without a
//! guid get one from their link, or else from a digest of their title and text: ids must be
//! stable, and `feed-rs`'s fallback is a random UUID.

use super::{excerpt, parse_time, ItemContext, Page, ParseError};
use crate::encoding::{decode, strip_xml_declaration, DocKind};
use crate::html::html_to_text;
use feed_rs::model::{Entry, Text};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use url::Url;

/// Parse a feed body. `base` resolves relative links (the URL the feed came from).
pub fn parse_feed(
    body: &[u8],
    content_type: Option<&str>,
    base: Option<&Url>,
    ctx: &ItemContext,
) -> Result<Page, ParseError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let kind = if first == Some(b'{') {
        DocKind::Json
    } else {
        DocKind::Xml
    };
    let decoded = decode(body, content_type, kind);
    let mut warnings = Vec::new();
    if decoded.had_errors {
        warnings.push(format!(
            "bytes invalid in {} were replaced",
            decoded.encoding.name()
        ));
    }
    let text = strip_xml_declaration(&decoded.text);
    if text.trim().is_empty() {
        return Err(ParseError::new("empty body"));
    }
    if looks_like_html(text) {
        return Err(ParseError::new(format!(
            "got an HTML page, not a feed (content-type {}): {}",
            content_type.unwrap_or("none"),
            excerpt(text)
        )));
    }
    let bad_dates = Arc::new(Mutex::new(Vec::<String>::new()));
    let parser = {
        let bad_dates = bad_dates.clone();
        feed_rs::parser::Builder::new()
            .base_uri(base.map(Url::as_str))
            .id_generator(|_, _, _| String::new())
            .timestamp_parser(move |s| {
                let t = parse_time(s);
                if t.is_none() {
                    if let Ok(mut bad) = bad_dates.lock() {
                        bad.push(excerpt(s));
                    }
                }
                t
            })
            .build()
    };
    let feed = match parser.parse(text.as_bytes()) {
        Ok(feed) => feed,
        Err(e) => {
            // A body cut off mid-transfer still holds complete entries; keep those.
            let salvaged = truncated_prefix(text).and_then(|t| parser.parse(t.as_bytes()).ok());
            match salvaged {
                Some(feed) if !feed.entries.is_empty() => {
                    warnings.push(format!(
                        "truncated document ({e}); kept the {} complete entries before the break",
                        feed.entries.len()
                    ));
                    feed
                }
                _ => {
                    return Err(ParseError::new(format!(
                        "not a feed: {e} (starts with: {})",
                        excerpt(text)
                    )))
                }
            }
        }
    };
    if let Ok(bad) = bad_dates.lock() {
        if !bad.is_empty() {
            warnings.push(format!("unparseable dates left empty: {}", bad.join(" | ")));
        }
    }
    let items = feed
        .entries
        .into_iter()
        .map(|e| entry_item(e, base, ctx))
        .collect();
    Ok(Page {
        items,
        warnings,
        ..Page::default()
    })
}

/// The document up to its last complete entry, with the root closed again.
fn truncated_prefix(text: &str) -> Option<String> {
    let (cut, closing) = if text.contains("<feed") {
        (text.rfind("</entry>")? + "</entry>".len(), "</feed>")
    } else if text.contains("<rdf:RDF") {
        (text.rfind("</item>")? + "</item>".len(), "</rdf:RDF>")
    } else if text.contains("<rss") {
        (text.rfind("</item>")? + "</item>".len(), "</channel></rss>")
    } else {
        return None;
    };
    Some(format!("{}{closing}", &text[..cut]))
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.starts_with("<head")
        || head.starts_with("<body")
}

fn entry_item(entry: Entry, base: Option<&Url>, ctx: &ItemContext) -> websense_model::Item {
    let url = entry
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(entry.links.first())
        .map(|l| l.href.clone());
    // Relative links in an entry are relative to the entry's own page, when it has one.
    let entry_base = url.as_deref().and_then(|u| Url::parse(u).ok());
    let base = entry_base.as_ref().or(base);
    let title = entry
        .title
        .as_ref()
        .map(|t| html_to_text(&t.content, base).text)
        .filter(|t| !t.is_empty());
    let html = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
        .or_else(|| {
            entry
                .media
                .iter()
                .find_map(|m| m.description.as_ref().map(|d: &Text| d.content.clone()))
        })
        .unwrap_or_default();
    let body = html_to_text(&html, base);
    let guid = if !entry.id.trim().is_empty() {
        entry.id.clone()
    } else if let Some(u) = &url {
        u.clone()
    } else {
        let mut h = Sha256::new();
        h.update(title.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(body.text.as_bytes());
        format!("digest:{}", hex::encode(&h.finalize()[..16]))
    };
    let mut item = ctx.item(&guid);
    item.author = entry
        .authors
        .first()
        .and_then(|a| ctx.author(ctx.source.id.as_str(), &a.name));
    item.published_at = entry.published.or(entry.updated);
    let mut links: Vec<String> = url.iter().cloned().collect();
    for l in body.links {
        if !links.contains(&l) {
            links.push(l);
        }
    }
    item.url = url;
    item.title = title;
    item.text = body.text;
    item.links = links;
    let categories: Vec<&str> = entry
        .categories
        .iter()
        .map(|c| c.term.as_str())
        .take(20)
        .collect();
    item.raw = if categories.is_empty() {
        json!({ "guid": guid })
    } else {
        json!({ "guid": guid, "categories": categories })
    };
    ctx.finish(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    fn parse(body: &[u8], ct: Option<&str>) -> Result<Page, ParseError> {
        parse_feed(
            body,
            ct,
            Some(&Url::parse("https://site.example/feed").unwrap()),
            &ctx(SourceKind::Feed),
        )
    }

    #[test]
    fn rss2_entry_becomes_an_item() {
        let page = parse(
            br#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>Raad &amp; burgers</title><link>https://site.example/a</link><guid>g-1</guid>
            <description>&lt;p&gt;De raad vergaderde over &lt;a href="/plan"&gt;het plan&lt;/a&gt;.&lt;/p&gt;</description>
            <pubDate>Fri, 01 Mar 2024 10:00:00 +0100</pubDate><author>jan@site.example (Jan)</author>
            <category>politiek</category></item></channel></rss>"#,
            None,
        )
        .unwrap();
        assert_eq!(page.items.len(), 1);
        let item = &page.items[0];
        assert_eq!(item.title.as_deref(), Some("Raad & burgers"));
        assert_eq!(item.text, "De raad vergaderde over het plan.");
        assert_eq!(
            item.links,
            vec!["https://site.example/a", "https://site.example/plan"]
        );
        assert_eq!(item.id, ctx(SourceKind::Feed).item("g-1").id);
        assert_eq!(
            item.published_at.unwrap().to_rfc3339(),
            "2024-03-01T09:00:00+00:00"
        );
        assert_eq!(item.raw["categories"][0], "politiek");
        assert!(item.author.as_ref().unwrap().handle.is_none());
    }

    #[test]
    fn missing_guid_falls_back_to_link_then_digest_stably() {
        let body = br#"<rss version="2.0"><channel><item><title>A</title><link>https://site.example/x</link></item>
            <item><title>Zonder link</title><description>tekst</description></item></channel></rss>"#;
        let a = parse(body, None).unwrap();
        let b = parse(body, None).unwrap();
        assert_eq!(
            a.items[0].id,
            ctx(SourceKind::Feed).item("https://site.example/x").id
        );
        assert_eq!(a.items[1].id, b.items[1].id);
        assert_ne!(a.items[0].id, a.items[1].id);
    }

    #[test]
    fn html_and_empty_bodies_are_clear_errors() {
        let e = parse(
            b"<!DOCTYPE html><html><body>Not found</body></html>",
            Some("text/html"),
        )
        .unwrap_err();
        assert!(e.0.contains("HTML page"), "{e}");
        assert!(parse(b"  \n", None).unwrap_err().0.contains("empty"));
        assert!(parse(b"garbage \x00\x01", None).is_err());
    }
}
