//! Counting what changes between the current and the draft findings of each item.

use super::{CategoryChange, Evaluation, ExampleItem, ProblemView, TermChange, TermRef};
use std::collections::{BTreeMap, BTreeSet};
use websense_matcher::Findings;
use websense_model::ItemId;
use websense_store::TimeRange;

pub(crate) struct Tally {
    pub(crate) examples: usize,
    pub(crate) max_example_items: usize,
    pub(crate) capped: bool,
    pub(crate) scanned: u64,
    pub(crate) purged: u64,
    categories: BTreeMap<String, CategoryChange>,
    terms: BTreeMap<(String, String), TermChange>,
    pub(crate) example_items: BTreeMap<ItemId, ExampleItem>,
}

impl Tally {
    pub(crate) fn new(examples: usize, max_example_items: usize) -> Tally {
        Tally {
            examples,
            max_example_items,
            capped: false,
            scanned: 0,
            purged: 0,
            categories: BTreeMap::new(),
            terms: BTreeMap::new(),
            example_items: BTreeMap::new(),
        }
    }

    /// Count one item; true when it is an example of some change.
    pub(crate) fn add(&mut self, id: &ItemId, current: &Findings, draft: &Findings) -> bool {
        self.scanned += 1;
        let mut example = false;
        // Once the answer holds the most example texts it may, items are only counted.
        let per_change = if self.example_items.len() < self.max_example_items {
            self.examples
        } else {
            0
        };
        let full = per_change < self.examples;
        let state = |f: &Findings| -> BTreeMap<String, (bool, bool)> {
            f.scores
                .iter()
                .map(|s| (s.category.clone(), (s.hits >= 1, s.flagged)))
                .collect()
        };
        let (c, d) = (state(current), state(draft));
        let names: BTreeSet<&String> = c.keys().chain(d.keys()).collect();
        for name in names {
            let (cm, cf) = c.get(name).copied().unwrap_or_default();
            let (dm, df) = d.get(name).copied().unwrap_or_default();
            if (cm, cf) == (dm, df) {
                continue;
            }
            let entry = self
                .categories
                .entry(name.clone())
                .or_insert_with(|| CategoryChange {
                    category: name.clone(),
                    ..Default::default()
                });
            let n = per_change;
            self.capped |= full;
            example |= match (cm, dm) {
                (false, true) => entry.newly_matched.add(id, n),
                (true, false) => entry.no_longer_matched.add(id, n),
                _ => false,
            };
            example |= match (cf, df) {
                (false, true) => entry.newly_flagged.add(id, n),
                (true, false) => entry.no_longer_flagged.add(id, n),
                _ => false,
            };
        }
        let hit_terms = |f: &Findings| -> BTreeSet<(String, String)> {
            f.matches
                .iter()
                .map(|h| (h.category.clone(), h.term.clone()))
                .collect()
        };
        let (ct, dt) = (hit_terms(current), hit_terms(draft));
        for key in ct.symmetric_difference(&dt) {
            let entry = self.terms.entry(key.clone()).or_insert_with(|| TermChange {
                category: key.0.clone(),
                term: key.1.clone(),
                ..Default::default()
            });
            self.capped |= full;
            example |= if dt.contains(key) {
                entry.newly_matched.add(id, per_change)
            } else {
                entry.no_longer_matched.add(id, per_change)
            };
        }
        example
    }

    /// The evaluation's answer from the counts.
    pub(crate) fn finish(
        mut self,
        current_version: String,
        draft_version: String,
        problems: Vec<ProblemView>,
        range: TimeRange,
        truncated: bool,
        (terms_added, terms_removed): (Vec<TermRef>, Vec<TermRef>),
    ) -> Evaluation {
        let (scanned, purged, examples_capped) = (self.scanned, self.purged, self.capped);
        let examples = std::mem::take(&mut self.example_items);
        let (categories, terms) = self.changes();
        Evaluation {
            current_version,
            draft_version,
            problems,
            range,
            items_scanned: scanned,
            items_purged: purged,
            truncated,
            categories,
            terms,
            terms_added,
            terms_removed,
            examples,
            examples_capped,
        }
    }

    fn changes(self) -> (Vec<CategoryChange>, Vec<TermChange>) {
        let categories = self
            .categories
            .into_values()
            .filter(|c| {
                !(c.newly_matched.is_empty()
                    && c.no_longer_matched.is_empty()
                    && c.newly_flagged.is_empty()
                    && c.no_longer_flagged.is_empty())
            })
            .collect();
        (categories, self.terms.into_values().collect())
    }
}
