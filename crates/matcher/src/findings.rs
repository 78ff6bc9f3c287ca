//! From the hits a scan found to what an item reports: hits dropped where a disguised or
//! fuzzy one adds nothing, capped counts per term, category scores, and [`Hit`]s.

use crate::{context, scan, Matcher};
use websense_model::{CategoryScoreRef, Field, HitRef, MatchMethod};

/// What the matcher found in one item, its strings borrowed from the matcher.
#[derive(Clone, Debug, Default)]
pub(crate) struct FindingsRef<'m> {
    pub matches: Vec<HitRef<'m>>,
    pub scores: Vec<CategoryScoreRef<'m>>,
    /// The places the item names (when the matcher has a gazetteer).
    pub places: Vec<websense_model::Place>,
    /// The announcement lexicon's words in the item, when it holds a call (when the
    /// matcher has an announcement detector).
    pub cues: Vec<(Field, websense_announce::CueHit)>,
}

impl Matcher {
    /// What a found hit counts for: its term's weight, times its category's factors for a
    /// fuzzy hit and for a hit with a context tag.
    fn weight_of(&self, f: &scan::Found) -> f64 {
        let term = &self.terms[f.term as usize];
        let category = &self.categories[term.category as usize];
        let mut weight = term.weight;
        if f.method == MatchMethod::Fuzzy {
            weight *= category.fuzzy_weight;
        }
        if f.context != 0 {
            weight *= category.context_weight;
        }
        weight
    }

    /// Turn the found hits into reported hits and capped scores.
    pub(crate) fn findings(&self, found: &mut [scan::Found]) -> FindingsRef<'_> {
        // Count per term in reading order: title first, then text, by position.
        found.sort_unstable_by_key(|f| (f.term, field_order(f.field), f.start, f.end, f.method));
        let mut pruned;
        let found = if found.iter().any(|f| f.method != MatchMethod::Exact) {
            pruned = found.to_vec();
            drop_redundant(&mut pruned);
            &mut pruned[..]
        } else {
            found
        };
        let mut per_category: Vec<(u32, f64, u32)> = Vec::new();
        let mut run = 0;
        for (k, f) in found.iter().enumerate() {
            if k == 0 || found[k - 1].term != f.term {
                run = 0;
            }
            run += 1;
            if run > self.options.max_hits_per_term {
                continue;
            }
            let term = &self.terms[f.term as usize];
            let weight = self.weight_of(f);
            match per_category
                .iter_mut()
                .find(|(c, _, _)| *c == term.category)
            {
                Some((_, score, hits)) => {
                    *score += weight;
                    *hits += 1;
                }
                None => per_category.push((term.category, weight, 1)),
            }
        }
        per_category.sort_unstable_by_key(|&(c, _, _)| c);
        let scores = per_category
            .into_iter()
            .map(|(c, score, hits)| {
                let category = &self.categories[c as usize];
                CategoryScoreRef {
                    category: &category.name,
                    score,
                    hits,
                    flagged: score >= category.threshold,
                }
            })
            .collect();

        found.sort_unstable_by_key(|f| (field_order(f.field), f.start, f.end, f.term));
        let matches = found
            .iter()
            .map(|f| {
                let term = &self.terms[f.term as usize];
                HitRef {
                    term: &term.text,
                    category: &self.categories[term.category as usize].name,
                    kind: term.kind,
                    weight: self.weight_of(f),
                    field: f.field,
                    start: f.start,
                    end: f.end,
                    method: f.method,
                    context: context::tags(f.context),
                }
            })
            .collect();
        FindingsRef {
            matches,
            scores,
            places: Vec::new(),
            cues: Vec::new(),
        }
    }
}

/// Drop the disguised and fuzzy hits that add nothing: one with the span of an earlier hit
/// of its term, or one overlapping an exact hit of its term. `found` is sorted by term,
/// field, start, end, method (exact first).
fn drop_redundant(found: &mut Vec<scan::Found>) {
    let mut keep = vec![true; found.len()];
    for group in chunk_ranges(found, |a, b| a.term == b.term && a.field == b.field) {
        let hits = &found[group.clone()];
        // exact hits by start, with the furthest end reached so far
        let mut reach: Vec<(usize, usize)> = Vec::new();
        for f in hits.iter().filter(|f| f.method == MatchMethod::Exact) {
            let furthest = reach.last().map_or(f.end, |&(_, e)| e.max(f.end));
            reach.push((f.start, furthest));
        }
        for (k, f) in hits.iter().enumerate() {
            if f.method == MatchMethod::Exact {
                continue;
            }
            let same_span = k > 0 && hits[k - 1].start == f.start && hits[k - 1].end == f.end;
            let before_end = reach.partition_point(|&(s, _)| s < f.end);
            let overlaps_exact = before_end > 0 && reach[before_end - 1].1 > f.start;
            if same_span || overlaps_exact {
                keep[group.start + k] = false;
            }
        }
    }
    let mut k = 0;
    found.retain(|_| {
        k += 1;
        keep[k - 1]
    });
}

/// The index ranges of the runs of `items` in which `same` holds between neighbours.
fn chunk_ranges<T>(items: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    for k in 1..=items.len() {
        if k == items.len() || !same(&items[k - 1], &items[k]) {
            ranges.push(start..k);
            start = k;
        }
    }
    ranges
}

fn field_order(field: Field) -> u8 {
    match field {
        Field::Title => 0,
        Field::Text => 1,
    }
}
