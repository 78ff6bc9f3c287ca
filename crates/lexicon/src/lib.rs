//! Lexicons: the curated term lists websense matches posts against.
//!
//! (The file format, validation rules and import formats are documented here once the
//! loader lands.)

use std::path::PathBuf;
pub use websense_model::TermKind;

/// A declared category: what a group of terms is evidence of.
#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    /// Identifier used in lexicon files and in scores (`anti_overheid`).
    pub name: String,
    /// Short human label (Dutch first), for the Room.
    pub label: String,
    pub description: String,
    /// An item is flagged for this category when its score reaches this.
    pub threshold: f64,
}

/// Where something was written: file and 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One term of a lexicon.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// The term as the curator wrote it, without glob stars.
    pub text: String,
    /// `text` in normal form (`websense_normalize::normalize`), what the matcher searches for.
    pub normalized: String,
    pub category: String,
    pub weight: f64,
    pub kind: TermKind,
    /// Phrases in which a hit of this term does not count, as written.
    pub exclusions: Vec<String>,
    /// `exclusions` in normal form.
    pub exclusions_normalized: Vec<String>,
    pub location: Location,
}

/// One lexicon file.
#[derive(Clone, Debug, PartialEq)]
pub struct Lexicon {
    pub name: String,
    /// ISO 639-1 codes the terms are written in (`nl`, `en`).
    pub languages: Vec<String>,
    pub file: PathBuf,
    pub terms: Vec<Term>,
}

/// All lexicons of a directory, with their categories and one version for the lot.
#[derive(Clone, Debug, PartialEq)]
pub struct LexiconSet {
    pub categories: Vec<Category>,
    pub lexicons: Vec<Lexicon>,
    /// Content hash of the set's meaning (categories and terms, not comments or layout).
    pub version: String,
}

impl LexiconSet {
    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.lexicons.iter().flat_map(|l| l.terms.iter())
    }

    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }
}
