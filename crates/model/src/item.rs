use crate::{ItemId, Language, Pseudonym, SourceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of source a post came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Feed,
    Mastodon,
    Reddit,
    Bluesky,
    Telegram,
    /// A JSON API declared in configuration.
    JsonApi,
    /// Public web pages and forums, read by CSS selectors declared in configuration.
    Html,
    /// Items read from a file (JSON Lines), e.g. the bundled samples.
    File,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Mastodon => "mastodon",
            SourceKind::Reddit => "reddit",
            SourceKind::Bluesky => "bluesky",
            SourceKind::Telegram => "telegram",
            SourceKind::JsonApi => "json_api",
            SourceKind::Html => "html",
            SourceKind::File => "file",
        }
    }
}

/// Where an item came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub id: SourceId,
    pub kind: SourceKind,
    /// Tags from the source's configuration (municipality, theme, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The author of a post, as websense keeps it.
///
/// By default only the keyed [`Pseudonym`] is kept. `handle` is filled only when a
/// deployment explicitly switches raw handles on (`privacy.keep_author_handles`), which
/// the default configuration never does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub pseudonym: Pseudonym,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

/// One public post.
///
/// Serialised as JSON (one object per line in streams). Only `id` and `text` are
/// required when reading; everything else has a default, so hand-written JSON Lines
/// such as `{"id":"1","text":"..."}` are valid items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    #[serde(default = "SourceRef::unknown")]
    pub source: SourceRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Author>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default = "Utc::now")]
    pub fetched_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Plain text: HTML already stripped by the collector.
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    /// Source-specific metadata kept as it came (never used for matching).
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub raw: serde_json::Value,
}

impl SourceRef {
    pub fn unknown() -> SourceRef {
        SourceRef {
            id: SourceId::new("unknown"),
            kind: SourceKind::File,
            tags: Vec::new(),
        }
    }
}

impl Item {
    /// A minimal item: id and text, everything else empty, fetched now.
    pub fn new(id: ItemId, source: SourceRef, text: impl Into<String>) -> Item {
        Item {
            id,
            source,
            url: None,
            author: None,
            published_at: None,
            fetched_at: Utc::now(),
            language: None,
            title: None,
            text: text.into(),
            links: Vec::new(),
            raw: serde_json::Value::Null,
        }
    }

    /// The time the post speaks for: its publication time, or when it was fetched.
    pub fn event_time(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.fetched_at)
    }

    /// Fill `language` from title and text when it is not known yet (a bounded sample of
    /// them: [`crate::detect_language`]).
    pub fn detect_language(&mut self) {
        if self.language.is_none() {
            self.language = match &self.title {
                Some(t) if !t.is_empty() => crate::language::detect_language_of(t, &self.text),
                _ => crate::detect_language(&self.text),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_json_is_an_item_and_round_trips() {
        let item: Item = serde_json::from_str(r#"{"id":"x1","text":"Hallo wereld"}"#).unwrap();
        assert_eq!(item.id.as_str(), "x1");
        assert_eq!(item.source.id.as_str(), "unknown");
        let back: Item = serde_json::from_str(&serde_json::to_string(&item).unwrap()).unwrap();
        assert_eq!(back, item);
    }

    #[test]
    fn missing_text_is_an_error() {
        assert!(serde_json::from_str::<Item>(r#"{"id":"x1"}"#).is_err());
    }
}
