use crate::Item;
use serde::{Deserialize, Serialize};

/// How a term matches (see the matcher crate for the exact semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    /// A whole word: word boundaries on both sides.
    Word,
    /// The start of a word: `volksverrader*` hits `volksverraders`.
    Prefix,
    /// The end of a word: `*moslim` hits `haatmoslim`.
    Suffix,
    /// Anywhere inside a word: `*terrorist*` hits `klimaatterroristen`.
    Infix,
    /// Several words, with any run of spaces or punctuation between them.
    Phrase,
}

impl TermKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Word => "word",
            TermKind::Prefix => "prefix",
            TermKind::Suffix => "suffix",
            TermKind::Infix => "infix",
            TermKind::Phrase => "phrase",
        }
    }

    pub fn parse(s: &str) -> Option<TermKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "word" => TermKind::Word,
            "prefix" => TermKind::Prefix,
            "suffix" => TermKind::Suffix,
            "infix" => TermKind::Infix,
            "phrase" => TermKind::Phrase,
            _ => return None,
        })
    }
}

/// Which text of an item a hit is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
}

/// One hit of one lexicon term in an item.
///
/// `start..end` is a byte range in the *original* field text (not the normalised one), on
/// UTF-8 character boundaries, so a dashboard can highlight `&text[start..end]` directly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The term as the curator wrote it (without glob stars).
    pub term: String,
    pub category: String,
    pub kind: TermKind,
    pub weight: f64,
    #[serde(default = "default_field", skip_serializing_if = "is_text")]
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

fn default_field() -> Field {
    Field::Text
}

fn is_text(f: &Field) -> bool {
    *f == Field::Text
}

/// A category's score in one item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub category: String,
    pub score: f64,
    /// Number of hits counted (after exclusions).
    pub hits: u32,
    /// Score reached the category's flag threshold.
    pub flagged: bool,
}

/// An item with what the matcher found in it, and which lexicon version found it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredItem {
    #[serde(flatten)]
    pub item: Item,
    pub lexicon_version: String,
    pub matches: Vec<Hit>,
    pub scores: Vec<CategoryScore>,
}

impl ScoredItem {
    /// Categories this item is flagged for.
    pub fn flagged(&self) -> impl Iterator<Item = &str> {
        self.scores
            .iter()
            .filter(|s| s.flagged)
            .map(|s| s.category.as_str())
    }
}
