//! The default output of `websense match`, written by hand: byte for byte what
//! `serde_json::to_writer(&ScoredItemRef)` writes, for a fraction of the cost.
//!
//! On hit-dense text an item has dozens of hits and each became about 100 bytes of JSON
//! through serde: every term and category name escaped byte by byte, every weight
//! formatted, a map serialiser per hit (about 2,700 instructions a hit, a third of the
//! command's per-hit work). Yet a hit's first part, `{"term":…,"category":…,"kind":…,
//! "weight":`, is the same for every hit of one term, and weights take a handful of
//! values. So a [`JsonWriter`] (one per worker) keeps that prefix per term, found by the
//! address of the term string the matcher lends ([`HitRef`] borrows it, so one term is
//! one address for the run), and the formatted bytes of the weights it has seen; a hit
//! then costs two copies and two integers. A place is written the same way: its name as
//! written and its span, then the tail from `"municipality_code"` on, kept per
//! municipality, kind and basis (a place's strings were otherwise escaped byte by byte for
//! every place of every item). The item's own fields are still written by serde (they are
//! written once per item, not per hit), the category scores too.
//!
//! The tests compare the two writers on generated items with every optional part.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use websense_model::{Field, HitRef, MatchMethod, Place, ScoredItemRef};

/// Per-worker caches of the hand-written default output, for hits whose strings live for
/// `'m` (the matcher's): the writer cannot outlive them, so an address it keeps can never
/// be reused by another string while it looks it up.
#[derive(Default)]
pub struct JsonWriter<'m> {
    /// The JSON up to and including `"weight":` of each (term, category, kind) seen, keyed
    /// by the addresses of the term and category strings and the kind.
    prefixes: AddressMap<(usize, usize, u8), Box<[u8]>>,
    /// Weights formatted as serde_json formats them: (bits, bytes).
    weights: Vec<(u64, Box<[u8]>)>,
    /// The JSON from `,"municipality_code":` to the closing brace of each place tail seen,
    /// keyed by its code (packed, see [`packed_code`]), kind and basis.
    place_tails: AddressMap<(u64, u8, u8), PlaceTail>,
    strings: std::marker::PhantomData<&'m str>,
}

/// A cached place tail and the strings it was written from: a municipality's name and
/// province come from the gazetteer, so one code has one of each, but the writer checks.
struct PlaceTail {
    municipality: String,
    province: String,
    json: Box<[u8]>,
}

/// Place tails kept at most: a gazetteer has a few hundred municipalities.
const PLACE_TAILS_MAX: usize = 4096;

impl<'m> JsonWriter<'m> {
    /// Append the JSON of `scored` (without line end) to `out`: exactly
    /// `serde_json::to_writer(out, scored)`.
    pub fn write(
        &mut self,
        out: &mut Vec<u8>,
        scored: &ScoredItemRef<'m>,
    ) -> serde_json::Result<()> {
        // `ScoredItemRef` flattens its item: the item's fields first, then its own.
        serde_json::to_writer(&mut *out, &scored.item)?;
        debug_assert_eq!(out.last(), Some(&b'}'));
        out.pop();
        out.extend_from_slice(b",\"lexicon_version\":");
        serde_json::to_writer(&mut *out, scored.lexicon_version)?;
        out.extend_from_slice(b",\"matches\":[");
        for (k, hit) in scored.matches.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            self.write_hit(out, hit)?;
        }
        out.extend_from_slice(b"],\"scores\":");
        serde_json::to_writer(&mut *out, &scored.scores)?;
        if !scored.places.is_empty() {
            out.extend_from_slice(b",\"places\":[");
            for (k, place) in scored.places.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                self.write_place(out, place)?;
            }
            out.push(b']');
        }
        if !scored.municipalities.is_empty() {
            out.extend_from_slice(b",\"municipalities\":");
            serde_json::to_writer(&mut *out, &scored.municipalities)?;
        }
        if !scored.announcements.is_empty() {
            out.extend_from_slice(b",\"announcements\":");
            serde_json::to_writer(&mut *out, &scored.announcements)?;
        }
        out.push(b'}');
        Ok(())
    }

    fn write_hit(&mut self, out: &mut Vec<u8>, hit: &HitRef<'m>) -> serde_json::Result<()> {
        let key = (
            hit.term.as_ptr() as usize ^ (hit.term.len() << 48),
            hit.category.as_ptr() as usize ^ (hit.category.len() << 48),
            hit.kind as u8,
        );
        let prefix = match self.prefixes.get(&key) {
            Some(prefix) => prefix,
            None => {
                let mut prefix = b"{\"term\":".to_vec();
                serde_json::to_writer(&mut prefix, hit.term)?;
                prefix.extend_from_slice(b",\"category\":");
                serde_json::to_writer(&mut prefix, hit.category)?;
                prefix.extend_from_slice(b",\"kind\":");
                serde_json::to_writer(&mut prefix, &hit.kind)?;
                prefix.extend_from_slice(b",\"weight\":");
                self.prefixes.entry(key).or_insert(prefix.into())
            }
        };
        out.extend_from_slice(prefix);
        self.write_weight(out, hit.weight)?;
        if hit.field != Field::Text {
            out.extend_from_slice(b",\"field\":");
            serde_json::to_writer(&mut *out, &hit.field)?;
        }
        let mut digits = itoa::Buffer::new();
        out.extend_from_slice(b",\"start\":");
        out.extend_from_slice(digits.format(hit.start).as_bytes());
        out.extend_from_slice(b",\"end\":");
        out.extend_from_slice(digits.format(hit.end).as_bytes());
        if hit.method != MatchMethod::Exact {
            out.extend_from_slice(b",\"method\":");
            serde_json::to_writer(&mut *out, &hit.method)?;
        }
        if !hit.context.is_empty() {
            out.extend_from_slice(b",\"context\":");
            serde_json::to_writer(&mut *out, hit.context)?;
        }
        out.push(b'}');
        Ok(())
    }

    fn write_place(&mut self, out: &mut Vec<u8>, place: &Place) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"text\":");
        serde_json::to_writer(&mut *out, &place.text)?;
        let mut digits = itoa::Buffer::new();
        out.extend_from_slice(b",\"start\":");
        out.extend_from_slice(digits.format(place.start).as_bytes());
        out.extend_from_slice(b",\"end\":");
        out.extend_from_slice(digits.format(place.end).as_bytes());
        if place.field != Field::Text {
            out.extend_from_slice(b",\"field\":");
            serde_json::to_writer(&mut *out, &place.field)?;
        }
        let Some(code) = packed_code(&place.municipality_code) else {
            return write_place_tail(out, place);
        };
        let key = (code, place.kind as u8, place.basis as u8);
        if let Some(tail) = self.place_tails.get(&key) {
            if tail.municipality == place.municipality && tail.province == place.province {
                out.extend_from_slice(&tail.json);
                return Ok(());
            }
        }
        let start = out.len();
        write_place_tail(out, place)?;
        if self.place_tails.len() < PLACE_TAILS_MAX || self.place_tails.contains_key(&key) {
            let tail = PlaceTail {
                municipality: place.municipality.clone(),
                province: place.province.clone(),
                json: out[start..].into(),
            };
            self.place_tails.insert(key, tail);
        }
        Ok(())
    }

    fn write_weight(&mut self, out: &mut Vec<u8>, weight: f64) -> serde_json::Result<()> {
        let bits = weight.to_bits();
        if let Some((_, bytes)) = self.weights.iter().find(|(b, _)| *b == bits) {
            out.extend_from_slice(bytes);
            return Ok(());
        }
        let start = out.len();
        serde_json::to_writer(&mut *out, &weight)?;
        // Weights are a few values per lexicon; a hostile one cannot grow this without end.
        if self.weights.len() < 64 {
            self.weights.push((bits, out[start..].into()));
        }
        Ok(())
    }
}

/// A place's JSON from `,"municipality_code":` on, as serde writes it.
fn write_place_tail(out: &mut Vec<u8>, place: &Place) -> serde_json::Result<()> {
    out.extend_from_slice(b",\"municipality_code\":");
    serde_json::to_writer(&mut *out, &place.municipality_code)?;
    out.extend_from_slice(b",\"municipality\":");
    serde_json::to_writer(&mut *out, &place.municipality)?;
    out.extend_from_slice(b",\"province\":");
    serde_json::to_writer(&mut *out, &place.province)?;
    out.extend_from_slice(b",\"kind\":");
    serde_json::to_writer(&mut *out, &place.kind)?;
    out.extend_from_slice(b",\"basis\":");
    serde_json::to_writer(&mut *out, &place.basis)?;
    out.push(b'}');
    Ok(())
}

/// A municipality code of at most seven bytes (`GM0479`) as one number, its length in the
/// top byte so that no two codes share one; longer codes are not cached.
fn packed_code(code: &str) -> Option<u64> {
    let bytes = code.as_bytes();
    if bytes.len() > 7 {
        return None;
    }
    let mut word = [0u8; 8];
    word[..bytes.len()].copy_from_slice(bytes);
    word[7] = bytes.len() as u8;
    Some(u64::from_le_bytes(word))
}

/// A hash map keyed by string addresses (and small numbers beside them).
pub type AddressMap<K, V> = HashMap<K, V, BuildHasherDefault<AddressHasher>>;

/// Hashes the address keys of [`JsonWriter::prefixes`]: they are already well spread, so
/// one multiply mixes them (SipHash over them cost more than the hit's JSON).
#[derive(Default)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use websense_model::rng::Rng;
    use websense_model::{
        Announcement, CategoryScoreRef, ContextTag, Item, ItemId, Language, Place, PlaceBasis,
        PlaceKind, SourceRef, TermKind,
    };

    const STRINGS: &[&str] = &[
        "rat",
        "volks\"verrader\"",
        "back\\slash",
        "tab\tand\nline",
        "ctrl\u{1}x",
        "één",
        "مرحبا",
        "😡 emoji",
        "</script>",
    ];
    const CONTEXTS: &[&[ContextTag]] = &[
        &[],
        &[ContextTag::Negated],
        &[ContextTag::Quoted, ContextTag::CounterSpeech],
    ];

    fn generated(rng: &mut Rng) -> ScoredItemRef<'static> {
        let pick = |rng: &mut Rng| STRINGS[rng.below(STRINGS.len())];
        let mut item = Item::new(ItemId(pick(rng).into()), SourceRef::unknown(), pick(rng));
        if rng.chance(0.5) {
            item.title = Some(pick(rng).into());
            item.url = Some(format!("https://example.org/{}", pick(rng)));
            item.language = Some(Language {
                code: "nl".into(),
                confidence: 0.75,
                reliable: true,
            });
            item.links = vec![pick(rng).into()];
            item.raw = serde_json::json!({"k": pick(rng)});
        }
        let kinds = [
            TermKind::Word,
            TermKind::Prefix,
            TermKind::Suffix,
            TermKind::Infix,
            TermKind::Phrase,
        ];
        let methods = [
            MatchMethod::Exact,
            MatchMethod::Folded,
            MatchMethod::Joined,
            MatchMethod::Squeezed,
            MatchMethod::Fuzzy,
        ];
        let weights = [1.0, 0.5, 3.0, 0.1 + 0.2, 1e-7, 12345678.9, 2.0 / 3.0];
        let matches = (0..rng.below(40))
            .map(|_| HitRef {
                term: pick(rng),
                category: pick(rng),
                kind: kinds[rng.below(kinds.len())],
                weight: weights[rng.below(weights.len())],
                field: if rng.chance(0.2) {
                    Field::Title
                } else {
                    Field::Text
                },
                start: rng.below(100_000),
                end: rng.below(100_000) + usize::MAX / 2 * usize::from(rng.chance(0.05)),
                method: methods[rng.below(methods.len())],
                context: CONTEXTS[rng.below(CONTEXTS.len())],
            })
            .collect();
        let scores = (0..rng.below(4))
            .map(|_| CategoryScoreRef {
                category: pick(rng),
                score: weights[rng.below(weights.len())],
                hits: rng.below(9) as u32,
                flagged: rng.chance(0.5),
            })
            .collect();
        let places: Vec<Place> = (0..rng.below(3))
            .map(|k| Place {
                text: pick(rng).into(),
                start: k,
                end: k + 3,
                field: if rng.chance(0.3) {
                    Field::Title
                } else {
                    Field::Text
                },
                municipality_code: ["GM0479", "GM0363", "X\"1", "GM04790000"][rng.below(4)].into(),
                municipality: pick(rng).into(),
                province: ["Noord-Holland", "Fryslân", "a\\b"][rng.below(3)].into(),
                kind: [PlaceKind::Place, PlaceKind::Variant, PlaceKind::District][rng.below(3)],
                basis: [PlaceBasis::Hashtag, PlaceBasis::Name, PlaceBasis::Region][rng.below(3)],
            })
            .collect();
        let municipalities = places.iter().map(|p| p.municipality_code.clone()).collect();
        let announcements = (0..rng.below(3))
            .map(|k| Announcement {
                starts_at: rng.chance(0.6).then(|| {
                    DateTime::parse_from_rfc3339(
                        ["2026-10-25T20:00:00+01:00", "2026-06-12T14:30:00+02:00"][k % 2],
                    )
                    .unwrap()
                }),
                municipality_code: rng.chance(0.5).then(|| "GM0599".to_string()),
                place: rng.chance(0.5).then(|| pick(rng).to_string()),
                call: pick(rng).into(),
                start: k,
                end: k + 10,
                field: if rng.chance(0.3) {
                    Field::Title
                } else {
                    Field::Text
                },
                rule: pick(rng).into(),
            })
            .collect();
        ScoredItemRef {
            item,
            lexicon_version: pick(rng),
            matches,
            scores,
            places,
            municipalities,
            announcements,
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let mut rng = Rng::new(11);
        let mut writer = JsonWriter::default();
        let mut by_hand = Vec::new();
        for _ in 0..2000 {
            let scored = generated(&mut rng);
            by_hand.clear();
            writer.write(&mut by_hand, &scored).unwrap();
            assert_eq!(
                String::from_utf8(by_hand.clone()).unwrap(),
                serde_json::to_string(&scored).unwrap()
            );
        }
        // the caches were used, and stayed bounded
        assert!(writer.prefixes.len() > 100 && writer.weights.len() <= 64);
        assert!(writer.place_tails.len() > 20 && writer.place_tails.len() < PLACE_TAILS_MAX);
    }

    #[test]
    fn equal_strings_at_other_addresses_are_written_alike() {
        let owned: Vec<String> = ["a\"b", "a\"b"].iter().map(|s| s.to_string()).collect();
        let mut writer = JsonWriter::default();
        for term in &owned {
            let scored = ScoredItemRef {
                item: Item::new(ItemId("x".into()), SourceRef::unknown(), "t"),
                lexicon_version: "v",
                matches: vec![HitRef {
                    term,
                    category: "c",
                    kind: TermKind::Word,
                    weight: 1.0,
                    field: Field::Text,
                    start: 0,
                    end: 1,
                    method: MatchMethod::Exact,
                    context: &[],
                }],
                scores: Vec::new(),
                places: Vec::new(),
                municipalities: Vec::new(),
                announcements: Vec::new(),
            };
            let mut out = Vec::new();
            writer.write(&mut out, &scored).unwrap();
            assert_eq!(out, serde_json::to_vec(&scored).unwrap());
        }
    }
}
