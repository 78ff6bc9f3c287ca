//! The compiled gazetteer: every name in normal form, what it means, and one automaton over
//! all of them. Built once from [`Data`]; read-only afterwards.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::sync::OnceLock;
use websense_normalize::normalize;

use crate::data::{Data, NameKind};

/// What one normal-form name means.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The municipalities it may mean (indices, sorted, distinct); empty for a province name.
    pub municipalities: Vec<u16>,
    /// The province it names, for a province name.
    pub province: Option<u8>,
    /// The strongest kind among the rows that gave this name (municipality before variant,
    /// former, place, district).
    pub kind: NameKind,
    /// Also an ordinary word, a person or a thing: counts only with evidence.
    pub word: bool,
    /// A space-less form of a multi-word name (`denhaag`): counts only as a hashtag, where
    /// people write it; elsewhere such a run of letters is too often part of something else.
    pub hashtag_only: bool,
}

/// The names and the automaton.
pub(crate) struct Index {
    pub entries: Vec<Entry>,
    /// Normal form -> entry.
    pub by_name: HashMap<String, usize>,
    /// Pattern `i` is `" " + name of entry i + " "`, searched in the normal form padded with a
    /// space at each end, so every match is a whole word or phrase.
    patterns: Vec<String>,
    /// Built at the first search: a matcher that finds the names in its own walk
    /// ([`crate::Gazetteer::attribute_found`]) never pays for it.
    automaton: OnceLock<AhoCorasick>,
}

impl Index {
    pub fn build(data: &Data) -> Result<Index, aho_corasick::BuildError> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for row in &data.names {
            let normal = normalize(&row.name);
            if normal.is_empty() {
                continue;
            }
            // A table of more than 65 536 municipalities is no Dutch one; such rows are skipped.
            let Ok(municipality) = u16::try_from(row.municipality) else {
                continue;
            };
            let entry = entry_for(&mut entries, &mut by_name, normal, row.kind);
            if let Err(at) = entry.municipalities.binary_search(&municipality) {
                entry.municipalities.insert(at, municipality);
            }
            entry.kind = entry.kind.min(row.kind);
            entry.hashtag_only = false;
        }
        for (name, province) in &data.provinces {
            let normal = normalize(name);
            if normal.is_empty() || by_name.contains_key(&normal) {
                continue;
            }
            let entry = entry_for(&mut entries, &mut by_name, normal, NameKind::Municipality);
            entry.province = Some(*province as u8);
        }
        for name in &data.ambiguous {
            if let Some(&i) = by_name.get(&normalize(name)) {
                entries[i].word = true;
            }
        }
        // Space-less forms of multi-word names, for hashtags: `#denhaag`, `#amsterdamnoord`.
        // Not for names that need evidence anyway (A'dam -> `adam` is a first name).
        let multi_word: Vec<(String, usize)> = by_name
            .iter()
            .filter(|(name, &i)| name.contains(' ') && !entries[i].word)
            .map(|(name, &i)| (name.replace(' ', ""), i))
            .collect();
        for (joined, from) in multi_word {
            if by_name.contains_key(&joined) {
                continue;
            }
            let mut entry = entries[from].clone();
            entry.hashtag_only = true;
            by_name.insert(joined, entries.len());
            entries.push(entry);
        }
        let mut patterns = vec![String::new(); entries.len()];
        for (name, &i) in &by_name {
            patterns[i] = format!(" {name} ");
        }
        Ok(Index {
            entries,
            by_name,
            patterns,
            automaton: OnceLock::new(),
        })
    }

    /// The automaton over every name (built once, at the first call).
    pub fn automaton(&self) -> &AhoCorasick {
        self.automaton.get_or_init(|| {
            // Standard semantics: the search reports overlapping matches and `attribute`
            // picks the leftmost-longest whole-word ones itself, so a name followed directly
            // by another (sharing the space between them) is still found.
            let mut builder = AhoCorasickBuilder::new();
            builder.match_kind(MatchKind::Standard);
            // A full DFA: a few megabytes for these patterns, and the fastest search per
            // byte; should a curator's data ever not fit one, the builder's own choice.
            builder
                .clone()
                .kind(Some(AhoCorasickKind::DFA))
                .build(&self.patterns)
                .or_else(|_| builder.build(&self.patterns))
                .expect("names that fit in memory make an automaton")
        })
    }
}

fn entry_for<'e>(
    entries: &'e mut Vec<Entry>,
    by_name: &mut HashMap<String, usize>,
    normal: String,
    kind: NameKind,
) -> &'e mut Entry {
    let next = entries.len();
    let i = *by_name.entry(normal).or_insert(next);
    if i == next {
        entries.push(Entry {
            municipalities: Vec::new(),
            province: None,
            kind,
            word: false,
            hashtag_only: false,
        });
    }
    &mut entries[i]
}
