//! Lexicon sets written by hand for the tests.

#![allow(dead_code)] // each test binary uses its own part of this

use std::path::PathBuf;
use websense_lexicon::{Category, Lexicon, LexiconSet, Location, MatchOptions, Term};
use websense_model::TermKind;
use websense_normalize::normalize;

pub fn term(text: &str, category: &str, kind: TermKind, weight: f64) -> Term {
    term_excluding(text, category, kind, weight, &[])
}

pub fn term_excluding(
    text: &str,
    category: &str,
    kind: TermKind,
    weight: f64,
    exclusions: &[&str],
) -> Term {
    Term {
        text: text.to_string(),
        normalized: normalize(text),
        category: category.to_string(),
        weight,
        kind,
        exclusions: exclusions.iter().map(|x| x.to_string()).collect(),
        exclusions_normalized: exclusions.iter().map(|x| normalize(x)).collect(),
        matching: MatchOptions::DEFAULT,
        location: Location {
            file: PathBuf::from("test.toml"),
            line: 1,
        },
    }
}

pub fn category(name: &str, threshold: f64) -> Category {
    Category::new(name, name, threshold)
}

/// A set with the given categories (name, threshold) and terms, all in one lexicon.
pub fn set(categories: &[(&str, f64)], terms: Vec<Term>) -> LexiconSet {
    LexiconSet {
        categories: categories
            .iter()
            .map(|&(name, threshold)| category(name, threshold))
            .collect(),
        lexicons: vec![Lexicon {
            name: "test".to_string(),
            languages: vec!["nl".to_string(), "en".to_string()],
            file: PathBuf::from("test.toml"),
            terms,
        }],
        version: "test-version".to_string(),
    }
}
