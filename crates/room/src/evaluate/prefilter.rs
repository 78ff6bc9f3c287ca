//! Which items a draft cannot change, so that the evaluation skips the draft matcher for
//! them.
//!
//! The matcher treats every term on its own: a term's hits in an item depend only on the
//! term's definition (normal form, kind, exclusions, matching options) and the text; its
//! category's `fuzzy_weight` and `context_weight` set what a hit counts for, and the
//! category's threshold whether the sum flags. Overlapping hits of other terms are all
//! reported, and a per-term cap counts per term (see the matcher's crate doc). So a term is
//! identified here by its key (category, text): a key is *changed* when the definitions
//! under it differ between the sets (added, removed, or any of those fields), and a category
//! is *changed* when its threshold, weights or options differ or it exists in one set only.
//!
//! An item can then come out differently under the draft only if
//! 1. one of its current hits is of a changed key or in a changed category (the hit may go,
//!    count differently, or the category's score may flag differently), or
//! 2. the draft finds a hit of a changed key in it (a new hit, or a changed one).
//!
//! Otherwise every hit the draft finds is of an unchanged term in an unchanged category,
//! found exactly as now, so the draft's findings equal the current ones. (2) is decided by
//! the draft matcher *restricted to the draft's changed keys*: the same definitions,
//! disguise options (confusables, fuzzy, ...) included, so it finds what the full draft
//! finds of them, at the cost of one more pass over the item's normal form. With no changed
//! key on the draft's side (only removals or category changes) there is nothing to look
//! for and (1) alone decides.

use std::collections::{BTreeMap, HashSet};
use websense_lexicon::{Category, LexiconSet, MatchOptions, Term};
use websense_matcher::{Findings, Matcher, MatcherError, MatcherOptions};
use websense_model::TermKind;

/// What decides how a term matches and counts, without where it was written.
#[derive(Clone, Debug, PartialEq)]
struct Definition {
    normalized: String,
    weight: f64,
    kind: TermKind,
    exclusions_normalized: Vec<String>,
    matching: MatchOptions,
}

impl Definition {
    fn of(t: &Term) -> Definition {
        Definition {
            normalized: t.normalized.clone(),
            weight: t.weight,
            kind: t.kind,
            exclusions_normalized: t.exclusions_normalized.clone(),
            matching: t.matching,
        }
    }
}

type Key = (String, String);

/// Every key of a set with its definitions, in a stable order (so that the same terms
/// written in another file order compare equal).
fn definitions(set: &LexiconSet) -> BTreeMap<Key, Vec<Definition>> {
    let mut out: BTreeMap<Key, Vec<Definition>> = BTreeMap::new();
    for t in set.terms() {
        out.entry((t.category.clone(), t.text.clone()))
            .or_default()
            .push(Definition::of(t));
    }
    for defs in out.values_mut() {
        defs.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    }
    out
}

/// What decides a category's scores: not its label or description.
fn scoring(c: &Category) -> (u64, MatchOptions, u64, u64) {
    (
        c.threshold.to_bits(),
        c.matching,
        c.fuzzy_weight.to_bits(),
        c.context_weight.to_bits(),
    )
}

/// The difference between the current set and a draft, as the evaluation needs it.
pub struct DraftChanges {
    changed_keys: HashSet<Key>,
    changed_categories: HashSet<String>,
    /// The draft restricted to its changed keys; `None` when the draft has none.
    restricted: Option<Matcher>,
}

impl DraftChanges {
    /// Compare the sets and compile the restricted draft matcher (with `options`, the ones
    /// the draft is scored with).
    pub fn new(
        current: &LexiconSet,
        draft: &LexiconSet,
        options: MatcherOptions,
    ) -> Result<DraftChanges, MatcherError> {
        let (c, d) = (definitions(current), definitions(draft));
        let mut changed_keys = HashSet::new();
        for (key, defs) in &c {
            if d.get(key) != Some(defs) {
                changed_keys.insert(key.clone());
            }
        }
        for (key, defs) in &d {
            if c.get(key) != Some(defs) {
                changed_keys.insert(key.clone());
            }
        }
        let scoring_of = |set: &LexiconSet| -> BTreeMap<String, _> {
            set.categories
                .iter()
                .map(|c| (c.name.clone(), scoring(c)))
                .collect()
        };
        let (cs, ds) = (scoring_of(current), scoring_of(draft));
        let changed_categories: HashSet<String> = cs
            .keys()
            .chain(ds.keys())
            .filter(|name| cs.get(*name) != ds.get(*name))
            .cloned()
            .collect();
        let mut restricted_set = draft.clone();
        for lexicon in &mut restricted_set.lexicons {
            lexicon
                .terms
                .retain(|t| changed_keys.contains(&(t.category.clone(), t.text.clone())));
        }
        restricted_set.lexicons.retain(|l| !l.terms.is_empty());
        let restricted = if restricted_set.lexicons.is_empty() {
            None
        } else {
            restricted_set.version = format!("{} (changed terms)", draft.version);
            Some(Matcher::new(&restricted_set, options)?)
        };
        Ok(DraftChanges {
            changed_keys,
            changed_categories,
            restricted,
        })
    }

    /// The draft changes nothing a matcher sees (only labels, descriptions, comments).
    pub fn is_empty(&self) -> bool {
        self.changed_keys.is_empty() && self.changed_categories.is_empty()
    }

    /// Whether the draft may score an item with these current findings differently: false
    /// means its draft findings are the current ones (see the module doc).
    pub fn could_change(&self, current: &Findings, title: Option<&str>, text: &str) -> bool {
        if self.is_empty() {
            return false;
        }
        let touched = current.matches.iter().any(|h| {
            self.changed_categories.contains(&h.category)
                || self
                    .changed_keys
                    .contains(&(h.category.clone(), h.term.clone()))
        }) || current
            .scores
            .iter()
            .any(|s| self.changed_categories.contains(&s.category));
        if touched {
            return true;
        }
        match &self.restricted {
            Some(m) => !m.find(title, text).matches.is_empty(),
            None => false,
        }
    }
}
