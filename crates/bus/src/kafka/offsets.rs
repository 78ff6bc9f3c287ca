//! Which offsets a consumer may store: per partition, the batches handed out and not yet
//! done, so that an offset is stored only when every earlier message of its partition is done.

use std::collections::{BTreeMap, HashMap};

/// A batch's messages in one partition, from `first` to `last` (inclusive), read while the
/// partition was in `generation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    pub partition: i32,
    pub generation: u64,
    pub first: i64,
    pub last: i64,
}

/// Every (re)assignment of a partition to this consumer starts a new generation; spans of an
/// older generation are stale: another consumer (or this one, from the committed offset)
/// reads those messages again, so their acknowledgements are ignored.
#[derive(Debug, Default)]
pub(crate) struct Offsets {
    partitions: HashMap<i32, Partition>,
    generations: u64,
    abandoned: bool,
}

#[derive(Debug)]
struct Partition {
    generation: u64,
    /// Spans handed out and not yet stored, by first offset; `true` once acknowledged.
    pending: BTreeMap<i64, (i64, bool)>,
}

impl Offsets {
    /// The current generation of `partition` (starting one if it has none).
    pub fn generation(&mut self, partition: i32) -> u64 {
        let generations = &mut self.generations;
        self.partitions
            .entry(partition)
            .or_insert_with(|| {
                *generations += 1;
                Partition {
                    generation: *generations,
                    pending: BTreeMap::new(),
                }
            })
            .generation
    }

    fn current(&mut self, span: &Span) -> Option<&mut Partition> {
        self.partitions
            .get_mut(&span.partition)
            .filter(|p| p.generation == span.generation)
    }

    /// Record spans as handed out; returns those of the current generation.
    pub fn track(&mut self, spans: Vec<Span>) -> Vec<Span> {
        spans
            .into_iter()
            .filter(|span| match self.current(span) {
                Some(partition) => {
                    partition.pending.insert(span.first, (span.last, false));
                    true
                }
                None => false,
            })
            .collect()
    }

    /// Mark spans done. Returns, for each partition whose done prefix grew, the offset to
    /// store: the one after the prefix's last message.
    pub fn ack(&mut self, spans: &[Span]) -> Vec<(i32, i64)> {
        let mut store = Vec::new();
        for span in spans {
            let Some(partition) = self.current(span) else {
                continue;
            };
            if let Some((_, done)) = partition.pending.get_mut(&span.first) {
                *done = true;
            }
            let mut next = None;
            while let Some(entry) = partition.pending.first_entry() {
                let (last, done) = *entry.get();
                if !done {
                    break;
                }
                entry.remove();
                next = Some(last + 1);
            }
            if let Some(next) = next {
                store.retain(|&(p, _)| p != span.partition);
                store.push((span.partition, next));
            }
        }
        store
    }

    /// Spans given up without acknowledgement: if any is current, this consumer can never
    /// store past it, so it is done for.
    pub fn abandon(&mut self, spans: &[Span]) {
        if spans.iter().any(|span| self.current(span).is_some()) {
            self.abandoned = true;
        }
    }

    pub fn abandoned(&self) -> bool {
        self.abandoned
    }

    /// Partitions taken away: forget them (their spans become stale).
    pub fn revoke(&mut self, partitions: impl IntoIterator<Item = i32>) {
        for partition in partitions {
            self.partitions.remove(&partition);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(offsets: &mut Offsets, partition: i32, first: i64, last: i64) -> Span {
        let generation = offsets.generation(partition);
        let spans = offsets.track(vec![Span {
            partition,
            generation,
            first,
            last,
        }]);
        assert_eq!(spans.len(), 1);
        spans[0]
    }

    #[test]
    fn stores_only_a_contiguous_done_prefix() {
        let mut o = Offsets::default();
        let a = span(&mut o, 0, 0, 9);
        let b = span(&mut o, 0, 10, 19);
        let c = span(&mut o, 0, 20, 29);
        assert_eq!(
            o.ack(&[b]),
            vec![],
            "b is done but a is not: nothing may be stored"
        );
        assert_eq!(o.ack(&[a]), vec![(0, 20)]);
        assert_eq!(o.ack(&[c]), vec![(0, 30)]);
    }

    #[test]
    fn partitions_are_independent_and_one_ack_may_cover_several() {
        let mut o = Offsets::default();
        let a0 = span(&mut o, 0, 5, 6);
        let a1 = span(&mut o, 1, 100, 140);
        let b0 = span(&mut o, 0, 7, 7);
        let mut stored = o.ack(&[a0, a1]);
        stored.sort();
        assert_eq!(stored, vec![(0, 7), (1, 141)]);
        assert_eq!(o.ack(&[b0]), vec![(0, 8)]);
    }

    #[test]
    fn revoked_partitions_make_old_spans_stale() {
        let mut o = Offsets::default();
        let old = span(&mut o, 3, 0, 9);
        o.revoke([3]);
        let new = span(&mut o, 3, 0, 4);
        assert_ne!(old.generation, new.generation);
        assert_eq!(o.ack(&[old]), vec![], "a stale ack stores nothing");
        o.abandon(&[old]);
        assert!(
            !o.abandoned(),
            "giving up a stale span costs nothing: it is read again anyway"
        );
        assert_eq!(o.ack(&[new]), vec![(3, 5)]);
        let untracked = Span {
            generation: old.generation,
            ..new
        };
        assert!(
            o.track(vec![untracked]).is_empty(),
            "spans read before a revoke are not tracked"
        );
    }

    #[test]
    fn giving_up_a_current_span_abandons_the_consumer() {
        let mut o = Offsets::default();
        let a = span(&mut o, 0, 0, 9);
        let b = span(&mut o, 0, 10, 19);
        o.abandon(&[a]);
        assert!(o.abandoned());
        assert_eq!(
            o.ack(&[b]),
            vec![],
            "nothing is stored past an abandoned span"
        );
    }
}
