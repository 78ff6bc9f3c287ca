use crate::{Announcement, Item, Place};
use serde::{Deserialize, Serialize};

/// How a term matches (see the matcher crate for the exact semantics).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TermKind {
    /// A whole word: word boundaries on both sides.
    Word,
    /// The start of a word: `volksverrader*` hits `volksverraders`.
    Prefix,
    /// The end of a word: `*moslim` hits `haatmoslim`.
    Suffix,
    /// Anywhere inside a word: `*terrorist*` hits `klimaatterroristen`.
    Infix,
    /// Several words, with any run of spaces or punctuation between them.
    Phrase,
}

impl TermKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Word => "word",
            TermKind::Prefix => "prefix",
            TermKind::Suffix => "suffix",
            TermKind::Infix => "infix",
            TermKind::Phrase => "phrase",
        }
    }

    pub fn parse(s: &str) -> Option<TermKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "word" => TermKind::Word,
            "prefix" => TermKind::Prefix,
            "suffix" => TermKind::Suffix,
            "infix" => TermKind::Infix,
            "phrase" => TermKind::Phrase,
            _ => return None,
        })
    }
}

/// Which text of an item a hit is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
}

/// How a hit was found: as written, or through one of the matcher's options against
/// disguise (see the matcher crate). Serialised lowercase; absent means `exact`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MatchMethod {
    /// The term's normal form, as it stands in the text's normal form.
    #[default]
    Exact,
    /// After folding look-alikes (`v0lksverrader`, Cyrillic `а` in a Latin word).
    Folded,
    /// After joining what was split (`u i t s c h o t`, `onge🐀dierte`, `zijnongedierte`).
    Joined,
    /// After squeezing a letter repeated three or more times (`ongedieeeerte`).
    Squeezed,
    /// One edit away from the term (`ongedeirte`), for categories that allow it.
    Fuzzy,
}

impl MatchMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMethod::Exact => "exact",
            MatchMethod::Folded => "folded",
            MatchMethod::Joined => "joined",
            MatchMethod::Squeezed => "squeezed",
            MatchMethod::Fuzzy => "fuzzy",
        }
    }

    pub fn is_exact(&self) -> bool {
        *self == MatchMethod::Exact
    }

    /// The method [`MatchMethod::as_str`] names; `exact` for anything else (a stored value
    /// from a newer release reads as the plain case rather than failing the read).
    pub fn parse(name: &str) -> MatchMethod {
        [
            MatchMethod::Folded,
            MatchMethod::Joined,
            MatchMethod::Squeezed,
            MatchMethod::Fuzzy,
        ]
        .into_iter()
        .find(|m| m.as_str() == name)
        .unwrap_or(MatchMethod::Exact)
    }
}

/// What the words around a hit say about it; a tagged hit weighs less (its category says
/// how much), so a negated or quoted term alone does not flag a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextTag {
    /// Inside the scope of a negation (`zij zijn geen ongedierte`, `never call them vermin`).
    Negated,
    /// Inside quotation marks, or reported speech (`hij noemde hen ongedierte`).
    Quoted,
    /// In a sentence that condemns the use of the word (`het is walgelijk dat mensen ...`).
    CounterSpeech,
}

impl ContextTag {
    pub fn as_str(self) -> &'static str {
        match self {
            ContextTag::Negated => "negated",
            ContextTag::Quoted => "quoted",
            ContextTag::CounterSpeech => "counter_speech",
        }
    }

    /// The tag [`ContextTag::as_str`] names.
    pub fn parse(name: &str) -> Option<ContextTag> {
        [
            ContextTag::Negated,
            ContextTag::Quoted,
            ContextTag::CounterSpeech,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }

    /// Tags as stored in one text column: names joined by `,` (empty: none).
    pub fn join(tags: &[ContextTag]) -> String {
        tags.iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The tags of [`ContextTag::join`]'s text, unknown names skipped.
    pub fn split(text: &str) -> Vec<ContextTag> {
        text.split(',').filter_map(ContextTag::parse).collect()
    }
}

/// One hit of one lexicon term in an item.
///
/// `start..end` is a byte range in the *original* field text (not the normalised one), on
/// UTF-8 character boundaries, so a dashboard can highlight `&text[start..end]` directly,
/// also when the hit was disguised (`v0lks\u{202E}verrrader`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// The term as the curator wrote it (without glob stars).
    pub term: String,
    pub category: String,
    pub kind: TermKind,
    /// What the hit counts for: the term's weight, times its category's factor for a fuzzy
    /// hit and for a hit with a context tag.
    pub weight: f64,
    #[serde(default = "default_field", skip_serializing_if = "is_text")]
    pub field: Field,
    pub start: usize,
    pub end: usize,
    /// How it was found (absent in JSON: exact, as in records written before it existed).
    #[serde(default, skip_serializing_if = "MatchMethod::is_exact")]
    pub method: MatchMethod,
    /// What its context says (absent in JSON: nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<ContextTag>,
}

fn default_field() -> Field {
    Field::Text
}

fn is_text(f: &Field) -> bool {
    *f == Field::Text
}

/// A category's score in one item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub category: String,
    pub score: f64,
    /// Number of hits counted (after exclusions).
    pub hits: u32,
    /// Score reached the category's flag threshold.
    pub flagged: bool,
}

/// An item with what the matcher found in it, and which lexicon version found it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoredItem {
    #[serde(flatten)]
    pub item: Item,
    pub lexicon_version: String,
    pub matches: Vec<Hit>,
    pub scores: Vec<CategoryScore>,
    /// The places the item names, with their municipalities (absent in JSON: none, or no
    /// gazetteer was used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    /// The distinct municipality codes the item is attributed to: its source's configured
    /// municipality first, then those of `places` in order of appearance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
    /// Gatherings the item announces (absent in JSON: none, or no announcement detector
    /// was used).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announcements: Vec<Announcement>,
}

impl ScoredItem {
    /// Categories this item is flagged for.
    pub fn flagged(&self) -> impl Iterator<Item = &str> {
        self.scores
            .iter()
            .filter(|s| s.flagged)
            .map(|s| s.category.as_str())
    }
}

/// A [`Hit`] whose strings are borrowed (from the matcher's term table): what the matcher
/// makes of a hit before it is owned, so that writing hits out allocates nothing per hit.
/// Serialised exactly as the [`Hit`] it stands for.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HitRef<'a> {
    pub term: &'a str,
    pub category: &'a str,
    pub kind: TermKind,
    pub weight: f64,
    #[serde(skip_serializing_if = "is_text")]
    pub field: Field,
    pub start: usize,
    pub end: usize,
    #[serde(skip_serializing_if = "MatchMethod::is_exact")]
    pub method: MatchMethod,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub context: &'a [ContextTag],
}

impl HitRef<'_> {
    pub fn to_hit(&self) -> Hit {
        Hit {
            term: self.term.to_string(),
            category: self.category.to_string(),
            kind: self.kind,
            weight: self.weight,
            field: self.field,
            start: self.start,
            end: self.end,
            method: self.method,
            context: self.context.to_vec(),
        }
    }
}

/// A [`CategoryScore`] whose category name is borrowed; serialised exactly as it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CategoryScoreRef<'a> {
    pub category: &'a str,
    pub score: f64,
    pub hits: u32,
    pub flagged: bool,
}

impl CategoryScoreRef<'_> {
    pub fn to_score(&self) -> CategoryScore {
        CategoryScore {
            category: self.category.to_string(),
            score: self.score,
            hits: self.hits,
            flagged: self.flagged,
        }
    }
}

/// A [`ScoredItem`] whose hits and scores borrow their strings; serialised exactly as the
/// [`ScoredItem`] of [`ScoredItemRef::into_owned`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoredItemRef<'a> {
    #[serde(flatten)]
    pub item: Item,
    pub lexicon_version: &'a str,
    pub matches: Vec<HitRef<'a>>,
    pub scores: Vec<CategoryScoreRef<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Place>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub announcements: Vec<Announcement>,
}

impl ScoredItemRef<'_> {
    /// Categories this item is flagged for.
    pub fn flagged(&self) -> impl Iterator<Item = &str> {
        self.scores.iter().filter(|s| s.flagged).map(|s| s.category)
    }

    /// The owned [`ScoredItem`].
    pub fn into_owned(self) -> ScoredItem {
        ScoredItem {
            item: self.item,
            lexicon_version: self.lexicon_version.to_string(),
            matches: self.matches.iter().map(HitRef::to_hit).collect(),
            scores: self.scores.iter().map(CategoryScoreRef::to_score).collect(),
            places: self.places,
            municipalities: self.municipalities,
            announcements: self.announcements,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ItemId, SourceRef};

    #[test]
    fn borrowed_forms_serialise_as_the_owned_ones() {
        let contexts: [&[ContextTag]; 3] = [
            &[],
            &[ContextTag::Quoted],
            &[ContextTag::Negated, ContextTag::CounterSpeech],
        ];
        let mut matches = Vec::new();
        for (k, context) in contexts.iter().enumerate() {
            for field in [Field::Title, Field::Text] {
                for method in [MatchMethod::Exact, MatchMethod::Fuzzy, MatchMethod::Joined] {
                    matches.push(HitRef {
                        term: "ra\"t \u{1F621} é\\",
                        category: "c\n1",
                        kind: [TermKind::Word, TermKind::Infix, TermKind::Phrase][k],
                        weight: [1.0, 0.5, 1.0 / 3.0][k],
                        field,
                        start: 3,
                        end: 17 + k,
                        method,
                        context,
                    });
                }
            }
        }
        let scores = vec![
            CategoryScoreRef {
                category: "c\n1",
                score: 2.5,
                hits: 3,
                flagged: true,
            },
            CategoryScoreRef {
                category: "d",
                score: 0.1 + 0.2,
                hits: 1,
                flagged: false,
            },
        ];
        let mut item = Item::new(ItemId("x".into()), SourceRef::unknown(), "a \"b\" c");
        item.title = Some("t".into());
        item.url = Some("https://example.org/x".into());
        for (matches, scores) in [(matches, scores), (Vec::new(), Vec::new())] {
            let borrowed = ScoredItemRef {
                item: item.clone(),
                lexicon_version: "v1",
                matches,
                scores,
                places: Vec::new(),
                municipalities: Vec::new(),
                announcements: Vec::new(),
            };
            let owned = borrowed.clone().into_owned();
            assert_eq!(
                serde_json::to_string(&borrowed).unwrap(),
                serde_json::to_string(&owned).unwrap()
            );
            assert!(borrowed.flagged().eq(owned.flagged()));
        }
    }
}
