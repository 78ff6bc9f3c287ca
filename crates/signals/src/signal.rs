//! What a signal is: its origin, its explanation, its state, and how candidates are made.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use websense_model::{CategoryScore, ContextTag, Hit, ItemId, MatchMethod, Pseudonym, SourceKind};
use websense_store::{BucketSize, Filter, StoredItem};

/// A signal's id: `sig_` and 24 hex digits of SHA-256 over its origin.
///
/// Derived, not random, so finding the same flagged item or the same spike again makes no
/// second candidate, and a dismissed candidate does not come back. The id is also the
/// webhook's idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SignalId(pub String);

impl SignalId {
    pub fn of(origin: &Origin) -> SignalId {
        let mut h = Sha256::new();
        match origin {
            Origin::FlaggedItem { item_id } => {
                h.update(b"item\0");
                h.update(item_id.as_str().as_bytes());
            }
            Origin::Spike {
                category,
                term,
                filter,
                bucket,
                bucket_start,
            } => {
                h.update(b"spike\0");
                for part in [
                    category.as_str(),
                    term.as_deref().unwrap_or(""),
                    bucket_label(*bucket),
                    &bucket_start.timestamp().to_string(),
                    &scope(filter),
                ] {
                    h.update(part.as_bytes());
                    h.update([0]);
                }
            }
        }
        SignalId(format!("sig_{}", hex::encode(&h.finalize()[..12])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `s` has the shape of a signal id (so a malformed id in a URL is a clear 4xx).
    pub fn is_well_formed(s: &str) -> bool {
        s.len() == 28
            && s.starts_with("sig_")
            && s[4..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

impl fmt::Display for SignalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A filter as one readable string (`source=nos tag=social municipality=GM0479`); empty
/// for all items. A filter without municipalities reads as it did before they came, so the
/// ids of signals made before stay what they were.
pub fn scope(filter: &Filter) -> String {
    let municipalities =
        (!filter.municipalities.is_empty()).then(|| filter.municipalities.join(","));
    [
        ("source", &filter.source),
        ("tag", &filter.tag),
        ("language", &filter.language),
        ("municipality", &municipalities),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
    .collect::<Vec<_>>()
    .join(" ")
}

/// A municipality a spike is about: its CBS code and its name, for the case table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedMunicipality {
    /// `GM0479`.
    pub code: String,
    /// `Zaanstad`; the code again when the gazetteer does not know it.
    pub name: String,
}

fn is_all(filter: &Filter) -> bool {
    filter == &Filter::default()
}

pub(crate) fn bucket_label(b: BucketSize) -> &'static str {
    match b {
        BucketSize::FiveMinutes => "5m",
        BucketSize::Hour => "1h",
        BucketSize::Day => "1d",
    }
}

/// What made a candidate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// One item, flagged by the matcher (or over the configured score).
    FlaggedItem { item_id: ItemId },
    /// A bucket of a category's (or a term's) series that rose well above its baseline.
    Spike {
        category: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        term: Option<String>,
        /// The items the series counts (all of them, or one source, tag or language).
        #[serde(default, skip_serializing_if = "is_all")]
        filter: Filter,
        bucket: BucketSize,
        bucket_start: DateTime<Utc>,
    },
}

impl Origin {
    pub fn kind(&self) -> &'static str {
        match self {
            Origin::FlaggedItem { .. } => "flagged_item",
            Origin::Spike { .. } => "spike",
        }
    }
}

/// Where a candidate is in its life. A decision is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalState {
    Candidate,
    Confirmed,
    Dismissed,
}

impl SignalState {
    pub fn as_str(self) -> &'static str {
        match self {
            SignalState::Candidate => "candidate",
            SignalState::Confirmed => "confirmed",
            SignalState::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Option<SignalState> {
        Some(match s {
            "candidate" => SignalState::Candidate,
            "confirmed" => SignalState::Confirmed,
            "dismissed" => SignalState::Dismissed,
            _ => return None,
        })
    }
}

/// An analyst's decision on a candidate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The account that decided.
    pub by: String,
    pub at: DateTime<Utc>,
    /// Why. Required to confirm; optional to dismiss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How often a lexicon term hit the item, and how many of those hits were disguised or
/// stood in a context that weakens them, so the case table can weigh them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermHits {
    pub category: String,
    pub term: String,
    pub hits: u32,
    /// Hits found through a disguise, by how (`folded`, `joined`, `squeezed`, `fuzzy`);
    /// absent when every hit was written as the term.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub disguised: BTreeMap<MatchMethod, u32>,
    /// Hits with a context tag, by tag (`negated`, `quoted`, `counter_speech`); absent when
    /// none had one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub context: BTreeMap<ContextTag, u32>,
}

impl TermHits {
    /// The hits of `category`/`term` among `hits`.
    pub fn of<'a>(category: &str, term: &str, hits: impl IntoIterator<Item = &'a Hit>) -> TermHits {
        let mut counted = TermHits {
            category: category.to_string(),
            term: term.to_string(),
            ..TermHits::default()
        };
        for hit in hits
            .into_iter()
            .filter(|h| h.category == category && h.term == term)
        {
            counted.hits += 1;
            if !hit.method.is_exact() {
                *counted.disguised.entry(hit.method).or_default() += 1;
            }
            for tag in &hit.context {
                *counted.context.entry(*tag).or_default() += 1;
            }
        }
        counted
    }
}

/// The source of an item, as far as a signal tells it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSummary {
    pub id: String,
    pub kind: SourceKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// What a spike detector saw in a bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpikeEvidence {
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term: Option<String>,
    #[serde(default, skip_serializing_if = "is_all")]
    pub filter: Filter,
    /// The municipalities of the filter, named: a spike in one municipality's series says
    /// where, in words a case table (and a webhook's receiver) reads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<NamedMunicipality>,
    pub bucket: BucketSize,
    /// The spike's first bucket.
    pub bucket_start: DateTime<Utc>,
    /// Items counted in the bucket.
    pub items: u64,
    /// Items the baseline expected in it.
    pub expected: f64,
    /// The detector's own measure of how unusual the bucket is (higher is more).
    pub score: f64,
    /// Which detector (and version of its settings) found it.
    pub detector: String,
    /// The terms that rose most in it (for a term's spike: the terms beside it), with the
    /// items holding each.
    #[serde(default)]
    pub top_terms: Vec<TermHits>,
    /// A few of its items (ids only).
    #[serde(default)]
    pub example_items: Vec<ItemId>,
}

/// Why a signal exists, in terms an i2o case table can check: which terms and categories
/// hit, with which lexicon version and scores, from which source, when, where to find it,
/// and the (pseudonymised) author. Never the post's text, never a raw handle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub lexicon_version: String,
    /// Category scores; for a spike, empty.
    #[serde(default)]
    pub categories: Vec<CategoryScore>,
    /// Terms hit, with their counts, sorted by category and term; for a spike, the terms
    /// behind it with the items holding each.
    #[serde(default)]
    pub terms: Vec<TermHits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceSummary>,
    /// Where it happens: the municipalities the post is attributed to, or those of the
    /// spike's series, by code and name (empty: none, or all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<NamedMunicipality>,
    /// The post's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Pseudonym>,
    /// The time the signal speaks for: the post's event time, or the spike's bucket start.
    pub event_time: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spike: Option<SpikeEvidence>,
}

/// A signal: a candidate, or a confirmed or dismissed one, with its explanation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub id: SignalId,
    pub origin: Origin,
    pub state: SignalState,
    pub explanation: Explanation,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// When a flagged item becomes a candidate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CandidateRules {
    /// Besides items the matcher flagged (a category's score reached its threshold), items
    /// with a category score at least this high. None: flagged items only.
    #[serde(default)]
    pub min_score: Option<f64>,
}

impl CandidateRules {
    pub fn selects(&self, scores: &[CategoryScore]) -> bool {
        scores
            .iter()
            .any(|s| s.flagged || self.min_score.is_some_and(|min| s.score >= min))
    }
}

/// The candidate an item makes under `rules`, if it makes one. The explanation keeps the
/// pseudonym only: a raw handle the store may hold (when a deployment keeps them) is left out.
pub fn candidate_from_item(
    stored: &StoredItem,
    rules: &CandidateRules,
    now: DateTime<Utc>,
) -> Option<Signal> {
    if !rules.selects(&stored.scores) {
        return None;
    }
    let item = &stored.item;
    let terms: BTreeSet<(&str, &str)> = stored
        .matches
        .iter()
        .map(|h| (h.category.as_str(), h.term.as_str()))
        .collect();
    let origin = Origin::FlaggedItem {
        item_id: item.id.clone(),
    };
    Some(Signal {
        id: SignalId::of(&origin),
        origin,
        state: SignalState::Candidate,
        explanation: Explanation {
            lexicon_version: stored.lexicon_version.clone(),
            categories: stored.scores.clone(),
            terms: terms
                .into_iter()
                .map(|(category, term)| TermHits::of(category, term, &stored.matches))
                .collect(),
            source: Some(SourceSummary {
                id: item.source.id.0.clone(),
                kind: item.source.kind,
                tags: item.source.tags.clone(),
            }),
            municipalities: stored
                .municipalities
                .iter()
                .map(|code| NamedMunicipality {
                    code: code.clone(),
                    // The name the gazetteer gave a place of it; the code for a source's
                    // configured municipality, which names no place.
                    name: stored
                        .places
                        .iter()
                        .find(|p| &p.municipality_code == code)
                        .map_or_else(|| code.clone(), |p| p.municipality.clone()),
                })
                .collect(),
            link: item.url.as_deref().and_then(web_link),
            author: item.author.as_ref().map(|a| a.pseudonym.clone()),
            event_time: item.event_time(),
            published_at: item.published_at,
            fetched_at: Some(item.fetched_at),
            spike: None,
        },
        created_at: now,
        decision: None,
    })
}

/// The candidate a spike makes. `lexicon_version` is the version the series was counted
/// with (the current one, at detection).
pub fn candidate_from_spike(
    spike: SpikeEvidence,
    lexicon_version: &str,
    now: DateTime<Utc>,
) -> Signal {
    let origin = Origin::Spike {
        category: spike.category.clone(),
        term: spike.term.clone(),
        filter: spike.filter.clone(),
        bucket: spike.bucket,
        bucket_start: spike.bucket_start,
    };
    Signal {
        id: SignalId::of(&origin),
        origin,
        state: SignalState::Candidate,
        explanation: Explanation {
            lexicon_version: lexicon_version.to_string(),
            categories: Vec::new(),
            terms: spike.top_terms.clone(),
            source: None,
            municipalities: spike.municipalities.clone(),
            link: None,
            author: None,
            event_time: spike.bucket_start,
            published_at: None,
            fetched_at: None,
            spike: Some(spike),
        },
        created_at: now,
        decision: None,
    }
}

/// A link that may leave websense (exports, webhooks, the Room): an `http` or `https` URL, as
/// written but trimmed. The scheme is judged as a browser would (case-folded by the URL
/// parser), so `JavaScript:`, `data:` or `vbscript:` links are dropped, and so is any link
/// with a control character inside (browsers skip tabs and line breaks in a scheme, which
/// hides `java\tscript:` from a plain prefix check).
pub fn web_link(raw: &str) -> Option<String> {
    let link = raw.trim();
    if link.chars().any(char::is_control) {
        return None;
    }
    let url = reqwest::Url::parse(link).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| link.to_string())
}

impl Signal {
    /// The signal as it leaves websense: a link that is not [`web_link`] is left out (signals
    /// stored before links were checked may hold one).
    pub fn outbound(&self) -> Signal {
        let mut s = self.clone();
        s.explanation.link = s.explanation.link.as_deref().and_then(web_link);
        s
    }
}

#[cfg(test)]
mod link_tests {
    use super::web_link;

    #[test]
    fn only_http_and_https_links_leave() {
        for ok in [
            "https://example.org/a?b=c",
            "http://example.org",
            "  HTTPS://Example.org/x  ",
        ] {
            assert_eq!(web_link(ok).as_deref(), Some(ok.trim()), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            " JavaScript:alert(document.cookie)",
            "java\tscript:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "DATA:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "\u{0}https://example.org",
            "https://example.org/\nx",
            "//example.org/x",
            "/relative",
            "mailto:a@example.org",
            "",
        ] {
            assert_eq!(web_link(bad), None, "{bad:?}");
        }
    }
}
