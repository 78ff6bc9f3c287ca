//! What `websense match` writes of a scored item: everything (the default, exactly the
//! JSON of [`websense_model::ScoredItem`], written from the borrowed [`ScoredItemRef`]), only the fields asked for (`--fields`), and repeated hits of
//! one term as one entry with a count and their spans (`--aggregate-hits`).

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use std::collections::HashMap;
use websense_model::{ContextTag, Field, HitRef, MatchMethod, ScoredItemRef, TermKind};

/// A top-level field of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutField {
    Id,
    Source,
    Url,
    Author,
    PublishedAt,
    FetchedAt,
    Language,
    Title,
    Text,
    Links,
    Raw,
    LexiconVersion,
    Matches,
    Scores,
    Places,
    Municipalities,
    Announcements,
    /// Not in the default output: the names of the categories the item is flagged for.
    Flagged,
}

/// Every field with its name, in the order they are written.
const FIELDS: &[(OutField, &str)] = &[
    (OutField::Id, "id"),
    (OutField::Source, "source"),
    (OutField::Url, "url"),
    (OutField::Author, "author"),
    (OutField::PublishedAt, "published_at"),
    (OutField::FetchedAt, "fetched_at"),
    (OutField::Language, "language"),
    (OutField::Title, "title"),
    (OutField::Text, "text"),
    (OutField::Links, "links"),
    (OutField::Raw, "raw"),
    (OutField::LexiconVersion, "lexicon_version"),
    (OutField::Matches, "matches"),
    (OutField::Scores, "scores"),
    (OutField::Places, "places"),
    (OutField::Municipalities, "municipalities"),
    (OutField::Announcements, "announcements"),
    (OutField::Flagged, "flagged"),
];

/// How each scored item is written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutputShape {
    /// The fields to write, in output order; `None`: those of the default output.
    pub fields: Option<Vec<OutField>>,
    /// Repeated hits of one term (same category, kind, field, method, context and weight)
    /// become one entry with `count` and `spans` (`[start, end]` pairs, in text order).
    pub aggregate_hits: bool,
}

impl OutputShape {
    /// The fields of a `--fields` list (comma separated, any order, written in the output's
    /// own order); an unknown name is an error that lists the known ones.
    pub fn parse_fields(list: &str) -> Result<Vec<OutField>, String> {
        let mut fields = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match FIELDS.iter().find(|(_, n)| *n == name) {
                Some((f, _)) => fields.push(*f),
                None => {
                    let known: Vec<&str> = FIELDS.iter().map(|(_, n)| *n).collect();
                    return Err(format!(
                        "unknown output field {name:?} in --fields; known fields: {}",
                        known.join(", ")
                    ));
                }
            }
        }
        if fields.is_empty() {
            return Err("--fields names no field".to_string());
        }
        fields.sort_unstable();
        fields.dedup();
        Ok(fields)
    }

    /// Append the JSON of `scored` (without line end) to `out`.
    pub fn write(&self, out: &mut Vec<u8>, scored: &ScoredItemRef) -> serde_json::Result<()> {
        if self.fields.is_none() && !self.aggregate_hits {
            return serde_json::to_writer(out, scored);
        }
        serde_json::to_writer(
            out,
            &Shaped {
                scored,
                shape: self,
            },
        )
    }
}

struct Shaped<'a> {
    scored: &'a ScoredItemRef<'a>,
    shape: &'a OutputShape,
}

impl Serialize for Shaped<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = self.scored;
        let i = &s.item;
        let mut map = serializer.serialize_map(None)?;
        let all: Vec<OutField>;
        let fields = match &self.shape.fields {
            Some(f) => f.as_slice(),
            None => {
                all = FIELDS
                    .iter()
                    .map(|(f, _)| *f)
                    .filter(|f| *f != OutField::Flagged)
                    .collect();
                &all
            }
        };
        for field in fields {
            let name = FIELDS[*field as usize].1;
            // The same fields, skipped in the same cases, as the default output.
            match field {
                OutField::Id => map.serialize_entry(name, &i.id)?,
                OutField::Source => map.serialize_entry(name, &i.source)?,
                OutField::Url => opt(&mut map, name, &i.url)?,
                OutField::Author => opt(&mut map, name, &i.author)?,
                OutField::PublishedAt => opt(&mut map, name, &i.published_at)?,
                OutField::FetchedAt => map.serialize_entry(name, &i.fetched_at)?,
                OutField::Language => opt(&mut map, name, &i.language)?,
                OutField::Title => opt(&mut map, name, &i.title)?,
                OutField::Text => map.serialize_entry(name, &i.text)?,
                OutField::Links if i.links.is_empty() => {}
                OutField::Links => map.serialize_entry(name, &i.links)?,
                OutField::Raw if i.raw.is_null() => {}
                OutField::Raw => map.serialize_entry(name, &i.raw)?,
                OutField::LexiconVersion => map.serialize_entry(name, &s.lexicon_version)?,
                OutField::Matches if self.shape.aggregate_hits => {
                    map.serialize_entry(name, &aggregate(&s.matches))?
                }
                OutField::Matches => map.serialize_entry(name, &s.matches)?,
                OutField::Scores => map.serialize_entry(name, &s.scores)?,
                OutField::Places if s.places.is_empty() => {}
                OutField::Places => map.serialize_entry(name, &s.places)?,
                OutField::Municipalities if s.municipalities.is_empty() => {}
                OutField::Municipalities => map.serialize_entry(name, &s.municipalities)?,
                OutField::Announcements if s.announcements.is_empty() => {}
                OutField::Announcements => map.serialize_entry(name, &s.announcements)?,
                OutField::Flagged => {
                    let flagged: Vec<&str> = s.flagged().collect();
                    map.serialize_entry(name, &flagged)?
                }
            }
        }
        map.end()
    }
}

fn opt<M: SerializeMap, T: Serialize>(
    map: &mut M,
    name: &str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => map.serialize_entry(name, v),
        None => Ok(()),
    }
}

/// Repeated hits of one term in one item, as one entry.
#[derive(Serialize, Debug, PartialEq)]
pub struct HitGroup<'a> {
    pub term: &'a str,
    pub category: &'a str,
    pub kind: TermKind,
    pub weight: f64,
    #[serde(skip_serializing_if = "is_text")]
    pub field: Field,
    #[serde(skip_serializing_if = "MatchMethod::is_exact")]
    pub method: MatchMethod,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub context: &'a [ContextTag],
    /// Hits in the group: `spans.len()`.
    pub count: usize,
    /// `[start, end]` of each hit, in the order the hits are reported.
    pub spans: Vec<[usize; 2]>,
}

fn is_text(f: &Field) -> bool {
    *f == Field::Text
}

type GroupKey<'a> = (
    &'a str,
    &'a str,
    TermKind,
    Field,
    MatchMethod,
    &'a [ContextTag],
    u64,
);

/// The hits grouped: one entry per distinct (term, category, kind, field, method, context,
/// weight), in the order of each group's first hit.
pub fn aggregate<'a>(hits: &[HitRef<'a>]) -> Vec<HitGroup<'a>> {
    let mut groups: Vec<HitGroup> = Vec::new();
    let mut index: HashMap<GroupKey, usize> = HashMap::new();
    for h in hits {
        let key = (
            h.term,
            h.category,
            h.kind,
            h.field,
            h.method,
            h.context,
            h.weight.to_bits(),
        );
        let k = *index.entry(key).or_insert_with(|| {
            groups.push(HitGroup {
                term: h.term,
                category: h.category,
                kind: h.kind,
                weight: h.weight,
                field: h.field,
                method: h.method,
                context: h.context,
                count: 0,
                spans: Vec::new(),
            });
            groups.len() - 1
        });
        groups[k].count += 1;
        groups[k].spans.push([h.start, h.end]);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::{Item, ItemId, SourceRef};

    fn hit(term: &str, start: usize) -> HitRef<'_> {
        HitRef {
            term,
            category: "c",
            kind: TermKind::Word,
            weight: 1.0,
            field: Field::Text,
            start,
            end: start + term.len(),
            method: MatchMethod::Exact,
            context: &[],
        }
    }

    fn scored() -> ScoredItemRef<'static> {
        let mut item = Item::new(ItemId("x".into()), SourceRef::unknown(), "rat rat bat rat");
        item.url = Some("https://example.org/x".into());
        ScoredItemRef {
            item,
            lexicon_version: "v1",
            matches: vec![hit("rat", 0), hit("rat", 4), hit("bat", 8), hit("rat", 12)],
            scores: Vec::new(),
            places: Vec::new(),
            municipalities: Vec::new(),
            announcements: Vec::new(),
        }
    }

    #[test]
    fn all_fields_unaggregated_is_the_default_json() {
        let s = scored();
        let mut shaped = Vec::new();
        let all: Vec<OutField> = FIELDS[..FIELDS.len() - 1].iter().map(|f| f.0).collect();
        let shape = OutputShape {
            fields: Some(all),
            aggregate_hits: false,
        };
        serde_json::to_writer(
            &mut shaped,
            &Shaped {
                scored: &s,
                shape: &shape,
            },
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(shaped).unwrap(),
            serde_json::to_string(&s).unwrap()
        );
    }

    #[test]
    fn repeated_hits_become_one_entry_with_count_and_spans() {
        let s = scored();
        let groups = aggregate(&s.matches);
        assert_eq!(groups.len(), 2);
        assert_eq!((groups[0].term, groups[0].count), ("rat", 3));
        assert_eq!(groups[0].spans, [[0, 3], [4, 7], [12, 15]]);
        assert_eq!((groups[1].term, groups[1].count), ("bat", 1));
    }

    #[test]
    fn unknown_fields_are_named() {
        let e = OutputShape::parse_fields("id,score").unwrap_err();
        assert!(
            e.contains("\"score\"") && e.contains("lexicon_version"),
            "{e}"
        );
        assert_eq!(
            OutputShape::parse_fields("matches, id").unwrap(),
            [OutField::Id, OutField::Matches]
        );
    }
}
