//! The attribution rules: from a post's text to the places it names (see the crate doc).

use std::ops::Range;

use serde::Serialize;
use websense_normalize::{normalize, normalize_into, SpanMap};

use crate::data::{NameKind, PROVINCES};
use crate::index::Entry;
use crate::Gazetteer;

/// What is known about a post's source, for names the text alone cannot settle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// The source's own municipality (`municipality = "GM0479"` in its configuration): every
    /// post of the source is attributed to it, and it settles shared names in its province.
    pub municipality: Option<String>,
    /// The configured region's municipalities (CBS codes): a shared name of which exactly one
    /// meaning lies in the region means that one.
    pub region_municipalities: Vec<String>,
    /// The configured region's provinces (`Noord-Holland`, as in [`PROVINCES`], or a province
    /// name the data knows such as `Friesland`): as `region_municipalities`, province-wide.
    pub region_provinces: Vec<String>,
}

/// How a place was attributed: the evidence or context that settled it (the model's type:
/// every stage after the matcher carries it).
pub use websense_model::PlaceBasis as Basis;

/// A place named in the text and the municipality it lies in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// The name as written: `&text[start..end]`.
    pub text: String,
    /// Byte span in the original text, on character boundaries.
    pub start: usize,
    pub end: usize,
    pub municipality_code: String,
    pub municipality: String,
    pub province: String,
    /// What the name is: the municipality's own, a place, district, former municipality or variant.
    pub kind: NameKind,
    pub basis: Basis,
}

/// A province named in the text; never a municipality.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProvinceMention {
    pub text: String,
    pub start: usize,
    pub end: usize,
    /// As in [`PROVINCES`].
    pub province: String,
}

/// The places and provinces of one text.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Attribution {
    pub places: Vec<Place>,
    pub provinces: Vec<ProvinceMention>,
    /// The source's configured municipality, when the context named a known one.
    pub source_municipality: Option<String>,
}

impl Attribution {
    /// The distinct municipality codes: the source's own first, then in order of appearance.
    pub fn municipalities(&self) -> Vec<String> {
        let mut codes: Vec<String> = self.source_municipality.iter().cloned().collect();
        for code in municipalities(&self.places) {
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }

    fn clear(&mut self) {
        self.places.clear();
        self.provinces.clear();
        self.source_municipality = None;
    }
}

/// The distinct municipality codes of `places`, in order of first appearance.
pub fn municipalities(places: &[Place]) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for place in places {
        if !codes.contains(&place.municipality_code) {
            codes.push(place.municipality_code.clone());
        }
    }
    codes
}

/// One field of a post for [`Gazetteer::attribute_found`]: its text as written, its normal
/// form and span map (from `websense_normalize::normalize_into`), and the names found in the
/// normal form as whole words: (start, end, name), `name` as [`Gazetteer::name_forms`]
/// numbers them.
#[derive(Clone, Copy)]
pub struct FieldNames<'a> {
    pub text: &'a str,
    pub norm: &'a [u8],
    pub map: &'a SpanMap,
    pub names: &'a [(usize, usize, usize)],
}

/// Buffers [`Gazetteer::attribute_into`] reuses from one text to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    norm: Vec<u8>,
    map: SpanMap,
    padded: Vec<u8>,
    found: Vec<Found>,
    anchors: Vec<Anchor>,
}

/// A whole-word match of a name in the normal form.
#[derive(Clone, Debug)]
struct Found {
    /// Byte range in the normal form.
    start: usize,
    end: usize,
    entry: usize,
    /// Byte range in the original text.
    orig: Range<usize>,
    evidence: Option<Basis>,
}

/// A province the post itself vouches for, and which name gave it (a name does not vouch
/// for itself: the `best` in `In Best is het best` stays a word).
#[derive(Clone, Copy, Debug)]
struct Anchor {
    province: usize,
    entry: Option<usize>,
}

/// Words that, right before an ordinary-word name, make it a place: `in Best`, `uit Goes`,
/// `gemeente Sluis`.
const PLACE_WORDS: [&str; 16] = [
    "in", "uit", "naar", "bij", "rond", "rondom", "te", "vanuit", "richting", "nabij", "tussen",
    "gemeente", "dorp", "stad", "regio", "omgeving",
];

/// Titles: a name right after one is a person (`de heer Amsterdam`, `mevrouw Goes`).
const TITLES: [&str; 14] = [
    "heer", "meneer", "mevrouw", "mevr", "dhr", "mw", "mr", "dr", "drs", "ir", "prof", "ing",
    "familie", "fam",
];

/// Surname particles: `Van Haarlem`, `Van der Goes`, `De Bilt` is a name of its own.
const PARTICLES: [&str; 8] = ["van", "de", "der", "den", "ter", "ten", "von", "vd"];

impl Gazetteer {
    /// The places and provinces `text` names (see the crate doc for the rules).
    pub fn attribute(&self, text: &str, context: &Context) -> Attribution {
        let mut out = Attribution::default();
        self.attribute_into(text, context, &mut Scratch::default(), &mut out);
        out
    }

    /// [`attribute`](Self::attribute) into `out`, reusing `scratch`'s buffers: for a stream.
    pub fn attribute_into(
        &self,
        text: &str,
        context: &Context,
        scratch: &mut Scratch,
        out: &mut Attribution,
    ) {
        let Scratch {
            norm,
            map,
            padded,
            found,
            anchors,
        } = scratch;
        normalize_into(text, norm, map);
        padded.clear();
        padded.push(b' ');
        padded.extend_from_slice(norm);
        padded.push(b' ');
        let mut names = Vec::new();
        for m in self
            .index()
            .automaton()
            .find_overlapping_iter(padded.as_slice())
        {
            // The pattern is ` name `; in the unpadded normal form the name is start..end-2.
            names.push((m.start(), m.end() - 2, m.pattern().as_usize()));
        }
        let field = FieldNames {
            text,
            norm,
            map,
            names: &names,
        };
        let mut outs = [std::mem::take(out)];
        self.attribute_fields(&[field], context, found, anchors, &mut outs);
        *out = std::mem::take(&mut outs[0]);
    }

    /// The places of a post made of several fields (a title and a text) whose names a caller
    /// has found itself, as whole words in the normal form of `websense-normalize` (a matcher
    /// that searches for [`Gazetteer::name_forms`] in its own walk): one [`Attribution`] per
    /// field in `outs`, with spans in that field's text. The fields are one post to the rules:
    /// a place in one vouches for an ordinary-word name in another.
    pub fn attribute_found(
        &self,
        fields: &[FieldNames],
        context: &Context,
        scratch: &mut Scratch,
        outs: &mut [Attribution],
    ) {
        self.attribute_fields(
            fields,
            context,
            &mut scratch.found,
            &mut scratch.anchors,
            outs,
        );
    }

    fn attribute_fields(
        &self,
        fields: &[FieldNames],
        context: &Context,
        found_buffer: &mut Vec<Found>,
        anchors: &mut Vec<Anchor>,
        outs: &mut [Attribution],
    ) {
        let source_municipality = context
            .municipality
            .as_ref()
            .filter(|code| self.index_of(code).is_some())
            .cloned();
        anchors.clear();
        let index = self.index();
        // First pass over every field, so that what one field vouches for serves the others.
        let mut kept: Vec<Vec<Found>> = Vec::with_capacity(fields.len());
        for (field, out) in fields.iter().zip(outs.iter_mut()) {
            out.clear();
            out.source_municipality = source_municipality.clone();
            let FieldNames {
                text,
                norm,
                map,
                names,
            } = *field;
            let found = &mut *found_buffer;
            found.clear();
            found.extend(names.iter().map(|&(start, end, entry)| Found {
                start,
                end,
                entry,
                orig: 0..0,
                evidence: None,
            }));
            // Leftmost-longest among whole-word matches.
            found.sort_unstable_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
            let mut next_free = 0;
            found.retain(|f| {
                let keep = f.start >= next_free;
                if keep {
                    next_free = f.end;
                }
                keep
            });

            // First pass: spans, hashtags, people, provinces, direct evidence; what the post vouches for.
            found.retain_mut(|f| {
                let entry = &index.entries[f.entry];
                f.orig = map.original_span(f.start, f.end);
                let hashtag = text[..f.orig.start].ends_with('#');
                if entry.hashtag_only && !hashtag {
                    return false;
                }
                if let Some(province) = entry.province {
                    out.provinces.push(ProvinceMention {
                        text: text[f.orig.clone()].to_string(),
                        start: f.orig.start,
                        end: f.orig.end,
                        province: PROVINCES[province as usize].to_string(),
                    });
                    anchors.push(Anchor {
                        province: province as usize,
                        entry: None,
                    });
                    return false;
                }
                if !hashtag && is_person(text, norm, map, f.start) {
                    return false;
                }
                f.evidence = if hashtag {
                    Some(Basis::Hashtag)
                } else if is_capitalised(&text[f.orig.clone()])
                    && !sentence_starts_at(text, f.orig.start)
                {
                    Some(Basis::Capital)
                } else if !starts_with_article(&norm[f.start..f.end])
                    && previous_word(norm, f.start)
                        .is_some_and(|w| PLACE_WORDS.contains(&word(norm, &w)))
                {
                    Some(Basis::Preposition)
                } else {
                    None
                };
                if let [only] = entry.municipalities[..] {
                    if !entry.word || f.evidence.is_some() {
                        anchors.push(Anchor {
                            province: self.province_of(only),
                            entry: Some(f.entry),
                        });
                    }
                }
                true
            });

            kept.push(found.clone());
        }

        for ((field, out), found) in fields.iter().zip(outs.iter_mut()).zip(&kept) {
            let text = field.text;
            // Second pass: ordinary words without evidence, and shared names.
            for f in found.iter() {
                let entry = &index.entries[f.entry];
                if let Some((municipality, basis)) = self.settle(entry, f, anchors, context) {
                    let m = self.municipality_at(municipality);
                    out.places.push(Place {
                        text: text[f.orig.clone()].to_string(),
                        start: f.orig.start,
                        end: f.orig.end,
                        municipality_code: m.code.clone(),
                        municipality: m.name.clone(),
                        province: m.province.clone(),
                        kind: entry.kind,
                        basis,
                    });
                }
            }
        }
    }

    /// The one municipality a found name means, and on what basis; `None`: not a place here,
    /// or still shared after every rule (never guessed).
    fn settle(
        &self,
        entry: &Entry,
        found: &Found,
        anchors: &[Anchor],
        context: &Context,
    ) -> Option<(u16, Basis)> {
        let vouched = |m: &u16| {
            let province = self.province_of(*m);
            anchors
                .iter()
                .any(|a| a.province == province && a.entry != Some(found.entry))
        };
        let mut candidates: Vec<u16> = entry.municipalities.clone();
        // Evidence is what settled an ordinary word; any other name settled itself.
        let mut basis = match found.evidence {
            Some(evidence) if entry.word => evidence,
            _ => Basis::Name,
        };
        if entry.word && found.evidence.is_none() {
            candidates.retain(vouched);
            basis = Basis::SameProvince;
        }
        if candidates.len() <= 1 {
            return candidates.first().map(|&m| (m, basis));
        }
        // A shared name: the post's other places first, then the source, then the region.
        let in_post: Vec<u16> = candidates.iter().copied().filter(vouched).collect();
        match in_post.len() {
            1 => return Some((in_post[0], Basis::SameProvince)),
            0 => {}
            _ => candidates = in_post,
        }
        if let Some(source) = context
            .municipality
            .as_deref()
            .and_then(|c| self.index_of(c))
        {
            if candidates.contains(&source) {
                return Some((source, Basis::SourceMunicipality));
            }
            let province = self.province_of(source);
            if let Some(m) = single(
                candidates
                    .iter()
                    .filter(|&&m| self.province_of(m) == province),
            ) {
                return Some((m, Basis::SourceMunicipality));
            }
        }
        let region: Vec<u16> = context
            .region_municipalities
            .iter()
            .filter_map(|c| self.index_of(c))
            .collect();
        if let Some(m) = single(candidates.iter().filter(|m| region.contains(m))) {
            return Some((m, Basis::Region));
        }
        let provinces: Vec<usize> = context
            .region_provinces
            .iter()
            .filter_map(|p| self.province_index(p))
            .collect();
        single(
            candidates
                .iter()
                .filter(|&&m| provinces.contains(&self.province_of(m))),
        )
        .map(|m| (m, Basis::Region))
    }

    fn province_of(&self, municipality: u16) -> usize {
        let name = &self.municipality_at(municipality).province;
        // The check admits only the twelve provinces.
        PROVINCES.iter().position(|p| p == name).unwrap_or(0)
    }

    /// A province by its name as in [`PROVINCES`] or any province name the data knows.
    fn province_index(&self, name: &str) -> Option<usize> {
        if let Some(i) = PROVINCES.iter().position(|p| *p == name) {
            return Some(i);
        }
        let normal = normalize(name);
        if let Some(i) = PROVINCES.iter().position(|p| normalize(p) == normal) {
            return Some(i);
        }
        let entry = self.index().by_name.get(&normal)?;
        self.index().entries[*entry].province.map(usize::from)
    }
}

/// The only item, if there is exactly one.
fn single<'a>(mut items: impl Iterator<Item = &'a u16>) -> Option<u16> {
    let first = *items.next()?;
    items.next().is_none().then_some(first)
}

/// The word before normal-form position `start` (which starts a word), as a byte range.
fn previous_word(norm: &[u8], start: usize) -> Option<Range<usize>> {
    // A word before `start` ends at `start - 1`, the space between them.
    let end = start.checked_sub(1)?;
    let begin = norm[..end]
        .iter()
        .rposition(|&b| b == b' ')
        .map_or(0, |i| i + 1);
    (begin < end).then_some(begin..end)
}

fn word<'n>(norm: &'n [u8], range: &Range<usize>) -> &'n str {
    std::str::from_utf8(&norm[range.clone()]).unwrap_or("")
}

/// A name that starts with an article (`De Wijk`, `'t Zand`): after a preposition it is the
/// ordinary phrase (`in de wijk`, `op 't zand`), so a preposition is no evidence for it.
fn starts_with_article(name: &[u8]) -> bool {
    ["de ", "den ", "het ", "t "]
        .iter()
        .any(|a| name.starts_with(a.as_bytes()))
}

/// A person's name rather than a place: right after a title (`de heer Amsterdam`), or after a
/// surname particle written with a capital where no sentence starts (`zei Van Haarlem`,
/// `Jan Van der Goes`).
fn is_person(text: &str, norm: &[u8], map: &SpanMap, start: usize) -> bool {
    let Some(before) = previous_word(norm, start) else {
        return false;
    };
    if TITLES.contains(&word(norm, &before)) {
        return true;
    }
    // Walk back over the particles (`van der`, `van den`), at most three.
    let mut first_particle = None;
    let mut at = Some(before);
    for _ in 0..3 {
        match at {
            Some(w) if PARTICLES.contains(&word(norm, &w)) => {
                at = previous_word(norm, w.start);
                first_particle = Some(w);
            }
            _ => break,
        }
    }
    let Some(particle) = first_particle else {
        return false;
    };
    let written = map.original_span(particle.start, particle.end);
    is_capitalised(&text[written.clone()]) && !sentence_starts_at(text, written.start)
}

/// Starts with a capital letter, and is not written in capitals throughout (`BEST` in a
/// shouted post is no evidence; `IJmuiden` is a capital).
fn is_capitalised(written: &str) -> bool {
    let mut letters = written.chars().filter(|c| c.is_alphabetic());
    let Some(first) = letters.next() else {
        return false;
    };
    if !first.is_uppercase() {
        return false;
    }
    // One capital (`Best`), or a Dutch `IJ` (`IJmuiden`), but not all capitals (`BEST`, `GOES`):
    // a single letter, or a lower-case one among the rest.
    let mut single = true;
    for c in letters {
        if c.is_lowercase() {
            return true;
        }
        single = false;
    }
    single
}

/// Whether a sentence starts at byte `at` of `text`: nothing before it but opening quotes and
/// brackets, or the end of a sentence (`.`, `!`, `?`, `…`, `:`), a line break, or a symbol
/// such as an emoji or a bullet.
fn sentence_starts_at(text: &str, at: usize) -> bool {
    for c in text[..at].chars().rev() {
        match c {
            '\n' | '\r' => return true,
            c if c.is_whitespace() => continue,
            '"' | '\'' | '“' | '‘' | '«' | '(' | '[' | '*' | '_' | '„' => continue,
            '.' | '!' | '?' | '…' | ':' => return true,
            c if c.is_alphanumeric() => return false,
            ',' | ';' | '-' | '–' | '—' | '/' | '&' | ')' | ']' | '+' => return false,
            _ => return true,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_capitalised;

    #[test]
    fn a_capital_is_one_capital_first_not_all_capitals() {
        for written in ["Best", "IJmuiden", "B", "#Goes", "Den Bosch"] {
            assert!(is_capitalised(written), "{written}");
        }
        for written in ["best", "BEST", "GOES", "IJ", "", "123", "bEST"] {
            assert!(!is_capitalised(written), "{written}");
        }
    }
}
