//! Parsers: one body in, items out. Pure functions over bytes, no I/O, so every one of them
//! can be fed arbitrary input by the fuzz tests.
//!
//! Each parser turns what a service sent into [`Item`]s through an [`ItemContext`], which
//! knows the source, mints stable ids and pseudonymises authors, and returns a [`Page`]:
//! the items, where the next page is (if the service pages), and warnings about what was odd
//! but survivable (an unparseable date, bytes invalid in the declared encoding). Web pages
//! ([`html_page`]) return an [`html_page::HtmlPage`] instead, which also names the threads a
//! listing links to.

pub mod bluesky;
pub mod feed;
pub mod html_page;
pub mod jetstream;
pub mod json_api;
pub mod mastodon;
pub mod reddit;
pub mod telegram;
mod time;
mod tolerant;
mod xml_tree;

pub use time::{parse_page_time, parse_time};

use chrono::{DateTime, Utc};
use std::sync::Arc;
use websense_model::{Author, Item, ItemId, PseudonymKey, SourceRef};

/// Why a body could not be read as what the source should send.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

impl ParseError {
    pub fn new(message: impl Into<String>) -> ParseError {
        ParseError(message.into())
    }
}

/// One page of a source.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Item>,
    /// Where the next (older) page is, for sources that page: a URL or the service's
    /// page token.
    pub next: Option<String>,
    /// The service's own ids of the page's posts, in page order, for cursors and paging.
    pub platform_ids: Vec<String>,
    /// Odd but survivable things about this page, for the log.
    pub warnings: Vec<String>,
    /// Nothing declared the body's encoding: the one `chardetng` guessed.
    pub encoding_guess: Option<String>,
    /// Telegram: the other public channels the page's posts forward from or link to.
    pub mentions: Vec<telegram::mentions::Mention>,
}

/// What every item of one source shares, and the rules for making one.
#[derive(Clone, Debug)]
pub struct ItemContext {
    pub source: SourceRef,
    pub key: Arc<PseudonymKey>,
    pub keep_author_handles: bool,
    pub fetched_at: DateTime<Utc>,
}

impl ItemContext {
    /// A new item of this source with a stable id from its guid (or url).
    pub fn item(&self, guid: &str) -> Item {
        let mut item = Item::new(
            ItemId::derive(&self.source.id, guid),
            self.source.clone(),
            String::new(),
        );
        item.fetched_at = self.fetched_at;
        item
    }

    /// The author as websense keeps it: a pseudonym within `namespace` (a platform such as
    /// `"mastodon"`, where one handle is one person across sources, or the source id for
    /// sites whose author names mean nothing outside them), plus the handle only when the
    /// configuration says so.
    pub fn author(&self, namespace: &str, handle: &str) -> Option<Author> {
        self.author_with_identity(namespace, handle, handle)
    }

    /// As [`ItemContext::author`], for platforms where a stable account id (`identity`, e.g. a
    /// Bluesky DID) differs from the changeable handle: the pseudonym follows the account.
    pub fn author_with_identity(
        &self,
        namespace: &str,
        identity: &str,
        handle: &str,
    ) -> Option<Author> {
        let identity = identity.trim();
        if identity.is_empty() {
            return None;
        }
        Some(Author {
            pseudonym: self.key.pseudonymise(namespace, identity),
            handle: self
                .keep_author_handles
                .then(|| handle.trim().to_string())
                .filter(|h| !h.is_empty()),
        })
    }

    /// Last touches shared by all collectors: text decoded wrongly upstream repaired
    /// ([`crate::encoding::repair_text`]), language detection.
    pub fn finish(&self, mut item: Item) -> Item {
        if let std::borrow::Cow::Owned(text) = crate::encoding::repair_text(&item.text) {
            item.text = text;
        }
        if let Some(title) = &item.title {
            if let std::borrow::Cow::Owned(t) = crate::encoding::repair_text(title) {
                item.title = Some(t);
            }
        }
        item.detect_language();
        item
    }
}

/// A short excerpt of a body for error messages (never the whole thing: bodies are large and
/// hostile).
pub(crate) fn excerpt(text: &str) -> String {
    let t = text.trim();
    let mut end = t.len().min(80);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    let cut: String = t[..end]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if end < t.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// A string field of a JSON object (numbers are written out: ids come as either).
pub(crate) fn str_field<'a>(
    v: &'a serde_json::Value,
    key: &str,
) -> Option<std::borrow::Cow<'a, str>> {
    match v.get(key)? {
        serde_json::Value::String(s) => Some(std::borrow::Cow::Borrowed(s.as_str())),
        serde_json::Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// Read a JSON body (lossily decoded, so one bad byte does not cost the whole page).
pub(crate) fn json_body(
    body: &[u8],
    content_type: Option<&str>,
    warnings: &mut Vec<String>,
) -> Result<serde_json::Value, ParseError> {
    let decoded = crate::encoding::decode(body, content_type, crate::encoding::DocKind::Json);
    if decoded.had_errors {
        warnings.push("body has bytes that are not UTF-8; they were replaced".into());
    }
    let text = decoded.text.trim();
    if text.is_empty() {
        return Err(ParseError::new("empty body"));
    }
    if text.starts_with('<') {
        return Err(ParseError::new(format!(
            "expected JSON, got markup: {}",
            excerpt(text)
        )));
    }
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(e) => {
            // A post cut off mid-emoji leaves half a surrogate pair (`\ud83d`), which serde
            // rejects with the whole page; replace the half, keep the records.
            let Some(repaired) = repair_lone_surrogates(text) else {
                return Err(ParseError::new(format!("invalid JSON: {e}")));
            };
            let value = serde_json::from_str(&repaired)
                .map_err(|e| ParseError::new(format!("invalid JSON: {e}")))?;
            warnings.push("lone UTF-16 surrogate escapes were replaced by U+FFFD".into());
            Ok(value)
        }
    }
}

/// `text` with every `\uD800`-`\uDFFF` escape that is not half of a proper pair replaced by
/// `\uFFFD`; `None` when there is none.
pub(crate) fn repair_lone_surrogates(text: &str) -> Option<String> {
    fn escape_at(b: &[u8], i: usize) -> Option<u16> {
        let hex = b.get(i..i + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        u16::from_str_radix(std::str::from_utf8(&hex[2..]).ok()?, 16).ok()
    }
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let (mut i, mut in_string) = (0, false);
    while i < b.len() {
        match b[i] {
            b'"' => {
                in_string = !in_string;
                i += 1;
            }
            b'\\' if in_string => {
                let Some(unit) = escape_at(b, i) else {
                    i += 2;
                    continue;
                };
                let high = (0xD800..0xDC00).contains(&unit);
                let low = (0xDC00..0xE000).contains(&unit);
                let paired =
                    high && escape_at(b, i + 6).is_some_and(|n| (0xDC00..0xE000).contains(&n));
                if paired {
                    i += 12;
                } else if high || low {
                    let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                    o.push_str(&text[copied..i]);
                    o.push_str("\\uFFFD");
                    i += 6;
                    copied = i;
                } else {
                    i += 6;
                }
            }
            _ => i += 1,
        }
    }
    let mut out = out?;
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use websense_model::{SourceId, SourceKind};

    pub fn ctx(kind: SourceKind) -> ItemContext {
        ItemContext {
            source: SourceRef {
                id: SourceId::new("test-source"),
                kind,
                tags: vec!["t:1".into()],
            },
            key: Arc::new(PseudonymKey::from_bytes(b"0123456789abcdef0123").unwrap()),
            keep_author_handles: false,
            fetched_at: Utc::now(),
        }
    }

    #[test]
    fn lone_surrogates_are_replaced_pairs_kept() {
        let text = r#"{"a":"cut \ud83d","b":"ok \ud83d\ude00","c":"\\ud83d","d":"\udc00x"}"#;
        let fixed = super::repair_lone_surrogates(text).unwrap();
        let v: serde_json::Value = serde_json::from_str(&fixed).unwrap();
        assert_eq!(v["a"], "cut \u{FFFD}");
        assert_eq!(v["b"], "ok 😀");
        assert_eq!(v["c"], "\\ud83d");
        assert_eq!(v["d"], "\u{FFFD}x");
        assert!(super::repair_lone_surrogates(r#"{"a":"\u00e9"}"#).is_none());
        let mut warnings = Vec::new();
        let v = super::json_body(br#"[{"t":"x \ud83d"}]"#, None, &mut warnings).unwrap();
        assert_eq!(v[0]["t"], "x \u{FFFD}");
        assert_eq!(warnings.len(), 1);
    }
}
