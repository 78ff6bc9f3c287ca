//! Feeds: RSS 0.90 to 2.x, RDF, Atom 0.3 and 1.0 (also YouTube channel feeds), CDF and
//! JSON Feed 1.0/1.1.
//!
//! The body is decoded to UTF-8 first ([`crate::encoding`]) and its XML declaration removed,
//! so no parser decodes a second time by a declaration that was wrong. `feed-rs` reads it;
//! when `feed-rs` refuses an XML document, or finds fewer entries than the document has
//! entry-like elements, the forgiving reader of `tolerant` reads it entry by entry
//! instead, so one odd entry or an unusual dialect never costs the feed. A document that has
//! entries of which none could be read is a warning, never a silent "ok, 0 items".
//!
//! Entries without a guid get one from their link, or else from a digest of their title and
//! text: ids must be stable (also between the two readers), and `feed-rs`'s fallback is a
//! random UUID. Links are kept only as absolute http(s) URLs ([`crate::html::safe_url`]).

use super::{excerpt, parse_time, xml_tree, ItemContext, Page, ParseError};
use crate::encoding::{decode, strip_xml_declaration, DocKind};
use crate::html::{html_to_text, plain_text, safe_url, PlainText};
use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, FeedType, Text};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use url::Url;
use websense_model::Item;

/// Parse a feed body. `base` resolves relative links (the URL the feed came from).
pub fn parse_feed(
    body: &[u8],
    content_type: Option<&str>,
    base: Option<&Url>,
    ctx: &ItemContext,
) -> Result<Page, ParseError> {
    let first = body
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0)
        .copied();
    let kind = if first == Some(b'{') {
        DocKind::Json
    } else {
        DocKind::Xml
    };
    let decoded = decode(body, content_type, kind);
    let mut page = Page::default();
    if decoded.had_errors {
        page.warnings.push(format!(
            "bytes invalid in {} were replaced",
            decoded.encoding
        ));
    }
    if decoded.guessed {
        page.encoding_guess = Some(decoded.encoding.to_string());
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
    let by_feed_rs = parser.parse(text.as_bytes());
    if kind == DocKind::Json {
        let feed = by_feed_rs.map_err(|e| {
            ParseError::new(format!("not a feed: {e} (starts with: {})", excerpt(text)))
        })?;
        page.items = feed
            .entries
            .into_iter()
            .map(|e| feed_rs_parts(e, false, base).into_item(ctx))
            .collect();
    } else {
        let tree = xml_tree::parse(text);
        let complete = super::tolerant::entries(&tree)
            .iter()
            .filter(|e| !e.unclosed)
            .count();
        match by_feed_rs {
            Ok(feed) if feed.entries.len() >= complete => {
                let atom = feed.feed_type == FeedType::Atom;
                for (i, entry) in feed.entries.into_iter().enumerate() {
                    let parts = feed_rs_parts(entry, atom, base);
                    if parts.is_empty() {
                        page.warnings.push(format!(
                            "entry {} skipped: no title, text or link in it",
                            i + 1
                        ));
                    } else {
                        page.items.push(parts.into_item(ctx));
                    }
                }
            }
            by_feed_rs => {
                let mut bad = Vec::new();
                let reading = super::tolerant::read(&tree, base, ctx, &mut bad);
                if let Ok(mut b) = bad_dates.lock() {
                    *b = bad;
                }
                let why = match &by_feed_rs {
                    Ok(feed) => format!("feed-rs read {} entries", feed.entries.len()),
                    Err(e) => format!("feed-rs: {e}"),
                };
                if !reading.is_feed() {
                    let cause = tree.error.as_deref().unwrap_or(why.as_str());
                    return Err(ParseError::new(format!(
                        "not a feed: {cause} (starts with: {})",
                        excerpt(text)
                    )));
                }
                tracing::debug!(%why, entries = reading.entries, "read by the forgiving reader");
                if tree.truncated || tree.error.is_some() {
                    page.warnings.push(format!(
                        "truncated document ({}); kept the {} complete entries before the break",
                        tree.error.as_deref().unwrap_or("it ends inside an element"),
                        reading.items.len()
                    ));
                }
                page.warnings.extend(reading.warnings);
                page.items = reading.items;
            }
        }
        if page.items.is_empty() && complete > 0 {
            page.warnings.push(format!(
                "the document has {complete} entries but none could be read"
            ));
        }
    }
    if let Ok(bad) = bad_dates.lock() {
        if !bad.is_empty() {
            page.warnings
                .push(format!("unparseable dates left empty: {}", bad.join(" | ")));
        }
    }
    Ok(page)
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

/// How a text construct's content is to be read, by its declared type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TextKind {
    Text,
    Html,
    Xhtml,
    /// Not text at all (`application/octet-stream`, an image).
    Other,
}

impl TextKind {
    /// `declared` is the `type` attribute; `atom` says whether an absent one means text (Atom)
    /// or HTML (RSS, where titles and descriptions carry escaped HTML).
    pub fn of(declared: Option<&str>, atom: bool) -> TextKind {
        let Some(t) = declared.map(|t| t.trim().to_ascii_lowercase()) else {
            return if atom { TextKind::Text } else { TextKind::Html };
        };
        let essence = t.split(';').next().unwrap_or("").trim();
        match essence {
            "" if atom => TextKind::Text,
            "" => TextKind::Html,
            "text" | "text/plain" => TextKind::Text,
            "html" | "text/html" | "escaped" => TextKind::Html,
            "xhtml" | "application/xhtml+xml" => TextKind::Xhtml,
            t if t.starts_with("text/") || t.ends_with("+xml") || t.ends_with("/xml") => {
                TextKind::Text
            }
            _ => TextKind::Other,
        }
    }
}

/// What one entry says, whichever reader read it.
pub(crate) struct EntryParts {
    pub guid: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
    pub body: PlainText,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub categories: Vec<String>,
}

impl EntryParts {
    /// Nothing to read and nowhere to go: not an item.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.body.text.is_empty() && self.url.is_none()
    }

    pub fn into_item(self, ctx: &ItemContext) -> Item {
        let guid = match (&self.guid, &self.url) {
            (Some(g), _) if !g.trim().is_empty() => g.clone(),
            (_, Some(u)) => u.clone(),
            _ => {
                let mut h = Sha256::new();
                h.update(self.title.as_deref().unwrap_or("").as_bytes());
                h.update([0]);
                h.update(self.body.text.as_bytes());
                format!("digest:{}", hex::encode(&h.finalize()[..16]))
            }
        };
        let mut item = ctx.item(&guid);
        item.author = self
            .author
            .as_deref()
            .and_then(|a| ctx.author(ctx.source.id.as_str(), a));
        item.published_at = self.published;
        let mut links: Vec<String> = self.url.iter().cloned().collect();
        for l in self.body.links {
            if !links.contains(&l) {
                links.push(l);
            }
        }
        item.url = self.url;
        item.title = self.title;
        item.text = self.body.text;
        item.links = links;
        item.raw = if self.categories.is_empty() {
            json!({ "guid": guid })
        } else {
            json!({ "guid": guid, "categories": self.categories })
        };
        ctx.finish(item)
    }
}

/// An entry as `feed-rs` read it. `atom` makes untyped text constructs text, as Atom says.
fn feed_rs_parts(entry: Entry, atom: bool, base: Option<&Url>) -> EntryParts {
    let url = entry
        .links
        .iter()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .chain(entry.links.iter())
        .find_map(|l| safe_url(&l.href, base));
    // Relative links in an entry are relative to the entry's own page, when it has one.
    let entry_base = url.as_deref().and_then(|u| Url::parse(u).ok());
    let base = entry_base.as_ref().or(base);
    let read = |t: &Text| {
        if atom && t.content_type.essence().to_string() == "text/plain" {
            PlainText {
                text: plain_text(&t.content),
                links: Vec::new(),
            }
        } else {
            html_to_text(&t.content, base)
        }
    };
    let title = entry
        .title
        .as_ref()
        .map(|t| read(t).text)
        .filter(|t| !t.is_empty());
    let body = match (&entry.content, &entry.summary) {
        (Some(c), _) if c.body.is_some() => html_to_text(c.body.as_deref().unwrap_or(""), base),
        (_, Some(s)) => read(s),
        _ => entry
            .media
            .iter()
            .find_map(|m| m.description.as_ref().map(read))
            .unwrap_or_default(),
    };
    EntryParts {
        guid: Some(entry.id).filter(|g| !g.trim().is_empty()),
        url,
        title,
        body,
        author: entry.authors.first().map(|a| a.name.clone()),
        published: entry.published.or(entry.updated),
        categories: entry
            .categories
            .iter()
            .map(|c| c.term.clone())
            .take(20)
            .collect(),
    }
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
