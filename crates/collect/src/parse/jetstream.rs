//! Bluesky's Jetstream (the firehose as JSON, one event a websocket message) and the cheap
//! filter that decides which posts a `jetstream` source keeps.
//!
//! An event is `{"did":..,"time_us":..,"kind":"commit"|"identity"|"account","commit":{..}}`;
//! a new post is a commit with `operation = "create"` in `app.bsky.feed.post`, its record as
//! the search API has it ([`super::bluesky`]), so both sources make the same items. Everything
//! else (identity and account events, likes, updates, deletes) is told apart and not kept.
//!
//! [`Prefilter`] is what keeps the firehose (hundreds of posts a second) down to the posts
//! that could matter: a language the post declares, and one Aho-Corasick pass over its
//! normalised text for the keywords (the lexicons' terms in normal form, the matcher's own
//! form). It only has to keep every post the matcher could hit, not decide hits.

use super::bluesky::{post_url, record_links};
use super::{str_field, ItemContext, ParseError};
use aho_corasick::AhoCorasick;
use serde_json::{json, Value};
use websense_model::Item;

const POST_COLLECTION: &str = "app.bsky.feed.post";

/// One Jetstream event, as far as a collector cares.
#[derive(Debug)]
pub struct Event {
    /// The event's time in microseconds: the cursor to resume from.
    pub time_us: u64,
    pub what: EventKind,
}

#[derive(Debug)]
pub enum EventKind {
    /// A new post.
    Post(Box<Post>),
    /// A post deleted (counted; the store keeps what was public when collected).
    Deleted,
    /// Identity and account events, likes, follows, edits: nothing to collect.
    Other,
}

/// A new post from the firehose.
#[derive(Debug)]
pub struct Post {
    pub did: String,
    pub rkey: String,
    pub cid: Option<String>,
    pub text: String,
    /// Declared languages, lower case.
    pub langs: Vec<String>,
    pub record: Value,
}

/// Read one websocket message. A message that is not an event (not JSON, no `time_us`, a
/// post commit without `did`, `rkey` or record) is an error to report and skip.
pub fn parse_event(message: &str) -> Result<Event, ParseError> {
    let value: Value =
        serde_json::from_str(message).map_err(|e| ParseError::new(format!("not JSON: {e}")))?;
    let time_us = value
        .get("time_us")
        .and_then(Value::as_u64)
        .ok_or_else(|| ParseError::new("an event without a numeric `time_us`"))?;
    let what = match value.get("kind").and_then(Value::as_str) {
        Some("commit") => commit(&value)?,
        Some(_) => EventKind::Other,
        None => return Err(ParseError::new("an event without `kind`")),
    };
    Ok(Event { time_us, what })
}

fn commit(value: &Value) -> Result<EventKind, ParseError> {
    let commit = value
        .get("commit")
        .ok_or_else(|| ParseError::new("a commit event without `commit`"))?;
    if commit.get("collection").and_then(Value::as_str) != Some(POST_COLLECTION) {
        return Ok(EventKind::Other);
    }
    match commit.get("operation").and_then(Value::as_str) {
        Some("create") => {}
        Some("delete") => return Ok(EventKind::Deleted),
        _ => return Ok(EventKind::Other),
    }
    let did = str_field(value, "did").unwrap_or_default();
    let rkey = str_field(commit, "rkey").unwrap_or_default();
    let record = commit.get("record").filter(|r| r.is_object());
    let (false, false, Some(record)) = (did.trim().is_empty(), rkey.trim().is_empty(), record)
    else {
        return Err(ParseError::new(
            "a post commit without `did`, `commit.rkey` or `commit.record`",
        ));
    };
    if did.contains('/') || rkey.contains('/') {
        return Err(ParseError::new(format!(
            "a post commit with a `/` in its did or rkey ({did} {rkey})"
        )));
    }
    let langs = record
        .get("langs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_ascii_lowercase)
        .collect();
    Ok(EventKind::Post(Box::new(Post {
        did: did.into_owned(),
        rkey: rkey.into_owned(),
        cid: str_field(commit, "cid").map(|c| c.into_owned()),
        text: str_field(record, "text").unwrap_or_default().into_owned(),
        langs,
        record: record.clone(),
    })))
}

impl Post {
    /// The post's `at://` URI: the same guid, so the same item id, as the search API's.
    pub fn uri(&self) -> String {
        format!("at://{}/{POST_COLLECTION}/{}", self.did, self.rkey)
    }

    /// The post as an item. The author is the account's DID, pseudonymised like every
    /// Bluesky author (the firehose carries no handle; the DID stands in for one only when
    /// the configuration keeps handles).
    pub fn into_item(self, ctx: &ItemContext) -> Item {
        let mut item = ctx.item(&self.uri());
        item.author = ctx.author_with_identity("bluesky", &self.did, &self.did);
        item.url = Some(post_url(&self.did, &self.rkey));
        item.links = record_links(&self.record, &self.text);
        item.published_at =
            str_field(&self.record, "createdAt").and_then(|t| super::parse_time(&t));
        item.raw = json!({
            "cid": self.cid,
            "langs": self.record.get("langs"),
            "reply": self.record.get("reply").is_some(),
        });
        item.text = self.text;
        ctx.finish(item)
    }
}

/// Which posts a `jetstream` source keeps.
#[derive(Debug, Default)]
pub struct Prefilter {
    /// Primary language tags (`nl`); empty keeps every language.
    languages: Vec<String>,
    /// Over normalised text; `None` keeps every text.
    keywords: Option<AhoCorasick>,
}

impl Prefilter {
    /// A filter for `languages` and `keywords`, both as written (keywords are normalised here;
    /// a phrase is looked for by its longest word, which every hit of it contains).
    pub fn new(languages: &[String], keywords: &[String]) -> Result<Prefilter, String> {
        let mut needles: Vec<String> = keywords
            .iter()
            .filter_map(|k| {
                let n = websense_normalize::normalize(k);
                n.split_whitespace()
                    .max_by_key(|w| w.len())
                    .map(str::to_string)
            })
            .collect();
        needles.sort();
        needles.dedup();
        let keywords = if keywords.is_empty() {
            None
        } else if needles.is_empty() {
            return Err("no keyword is left after normalising (punctuation only?)".into());
        } else {
            Some(
                AhoCorasick::new(&needles)
                    .map_err(|e| format!("cannot build the keyword filter: {e}"))?,
            )
        };
        Ok(Prefilter {
            languages: languages.to_vec(),
            keywords,
        })
    }

    /// Whether a post's declared language is wanted: one of its languages' primary tags is
    /// (`nl-BE` counts as `nl`); a post that declares none is let through for the keywords
    /// and the language detection downstream to decide.
    pub fn language_ok(&self, post: &Post) -> bool {
        self.languages.is_empty()
            || post.langs.is_empty()
            || post.langs.iter().any(|l| {
                let primary = l.split(['-', '_']).next().unwrap_or(l);
                self.languages.iter().any(|w| w == primary)
            })
    }

    /// Whether the post's normalised text contains a keyword.
    pub fn keywords_ok(&self, post: &Post) -> bool {
        match &self.keywords {
            None => true,
            Some(ac) => ac.is_match(&websense_normalize::normalize(&post.text)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::testing::ctx;
    use websense_model::SourceKind;

    fn post_event(time: u64, did: &str, rkey: &str, text: &str, langs: &str) -> String {
        format!(
            r#"{{"did":"{did}","time_us":{time},"kind":"commit","commit":{{"rev":"r","operation":"create","collection":"app.bsky.feed.post","rkey":"{rkey}","record":{{"$type":"app.bsky.feed.post","createdAt":"2024-09-09T19:46:02.102Z","langs":{langs},"text":"{text}"}},"cid":"bafy"}}}}"#
        )
    }

    #[test]
    fn a_new_post_becomes_the_same_item_the_search_api_gives() {
        let e = parse_event(&post_event(
            1725911162329308,
            "did:plc:abc",
            "3kx",
            "Raad besluit https://raad.example/b",
            r#"["nl"]"#,
        ))
        .unwrap();
        assert_eq!(e.time_us, 1725911162329308);
        let EventKind::Post(post) = e.what else {
            panic!("a post")
        };
        let c = ctx(SourceKind::Bluesky);
        let item = post.into_item(&c);
        assert_eq!(
            item.id,
            c.item("at://did:plc:abc/app.bsky.feed.post/3kx").id
        );
        assert_eq!(
            item.url.as_deref(),
            Some("https://bsky.app/profile/did:plc:abc/post/3kx")
        );
        assert_eq!(item.links, vec!["https://raad.example/b"]);
        let author = item.author.unwrap();
        assert_eq!(
            author.pseudonym,
            c.key.pseudonymise("bluesky", "did:plc:abc")
        );
        assert_eq!(author.handle, None, "the DID is not kept unless configured");
        assert!(item.published_at.is_some());
    }

    #[test]
    fn deletes_and_other_events_are_told_apart() {
        let delete = r#"{"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"operation":"delete","collection":"app.bsky.feed.post","rkey":"x"}}"#;
        assert!(matches!(
            parse_event(delete).unwrap().what,
            EventKind::Deleted
        ));
        let like = r#"{"did":"did:plc:a","time_us":6,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.like","rkey":"x","record":{}}}"#;
        assert!(matches!(parse_event(like).unwrap().what, EventKind::Other));
        let identity = r#"{"did":"did:plc:a","time_us":7,"kind":"identity","identity":{}}"#;
        assert!(matches!(
            parse_event(identity).unwrap().what,
            EventKind::Other
        ));
    }

    #[test]
    fn malformed_messages_are_errors_not_panics() {
        for bad in [
            "",
            "not json",
            "[1,2]",
            r#"{"kind":"commit"}"#,
            r#"{"time_us":"soon","kind":"commit"}"#,
            r#"{"time_us":1}"#,
            r#"{"time_us":1,"kind":"commit"}"#,
            r#"{"time_us":1,"kind":"commit","did":"d","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r"}}"#,
            r#"{"time_us":1,"kind":"commit","did":"d/x","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{}}}"#,
        ] {
            assert!(parse_event(bad).is_err(), "{bad}");
        }
    }

    fn post(text: &str, langs: &str) -> Post {
        match parse_event(&post_event(1, "did:plc:a", "r", text, langs))
            .unwrap()
            .what
        {
            EventKind::Post(p) => *p,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn languages_filter_by_primary_tag_and_let_undeclared_through() {
        let f = Prefilter::new(&["nl".into()], &[]).unwrap();
        assert!(f.language_ok(&post("x", r#"["nl"]"#)));
        assert!(f.language_ok(&post("x", r#"["en","NL-be"]"#)));
        assert!(!f.language_ok(&post("x", r#"["en"]"#)));
        assert!(f.language_ok(&post("x", "[]")));
        assert!(f.keywords_ok(&post("x", "[]")), "no keywords keep all");
    }

    #[test]
    fn keywords_match_the_normalised_text() {
        let f = Prefilter::new(&[], &["Stikstof".into(), "boze boeren".into()]).unwrap();
        assert!(f.keywords_ok(&post("STIKSTOFbeleid faalt", "[]")));
        assert!(
            f.keywords_ok(&post("de Boeren zijn boos", "[]")),
            "longest word of a phrase"
        );
        assert!(!f.keywords_ok(&post("het weer is mooi", "[]")));
        assert!(Prefilter::new(&[], &["!!".into()]).is_err());
    }
}
