//! The matcher: scores and tags every post against the curated lexicons, in bulk.
//!
//! It owns the matching semantics, the compiled form of a [`LexiconSet`] and the scores it
//! gives an item. It must not read lexicon files (that is `websense-lexicon`), define the
//! normal form (that is `websense-normalize`), or do I/O: it is a pure, read-only function
//! from items to [`ScoredItem`]s that any number of threads may share.
//!
//! # Matching semantics
//!
//! Text and terms are compared in the normal form of `websense-normalize` (NFKD, marks
//! removed, full case folding, every run of separators one space). So in normalised text a
//! *word boundary* is the edge of the text or a space, and a term kind says where it needs
//! one ([`TermKind`]):
//!
//! | kind     | boundary before | boundary after | example                                     |
//! |----------|-----------------|----------------|---------------------------------------------|
//! | `word`   | yes             | yes            | `nazi` hits `🙄Nazi!`, not `nazis`/`nazi2`  |
//! | `prefix` | yes             | no             | `volksverrader` hits `Volksverraders`       |
//! | `suffix` | no              | yes            | `moslim` hits `haatmoslim`                  |
//! | `infix`  | no              | no             | `terrorist` hits `klimaatterroristen`        |
//! | `phrase` | yes             | yes            | `grote vervanging` hits `Grote,\n vervanging` |
//!
//! A phrase is a word whose normal form holds spaces; since any run of separators folded to
//! one space, punctuation and line breaks between its words do not matter.
//!
//! * **Exclusions.** A term may name exclusion phrases (`grammar nazi` for `nazi`). A hit of
//!   the term does not count, and is not reported, when it lies inside an occurrence of one
//!   of its exclusion phrases (with word boundaries at both ends) in the same field.
//! * **Overlaps.** Every hit of every term is reported, overlapping or not: `terrorist`
//!   (infix) and `klimaatterroristen` (word) both hit `klimaatterroristen`; infix `ss` hits
//!   `sss` twice.
//! * **Spans.** [`Hit::start`]`..`[`Hit::end`] is the byte range in the *original* field
//!   text, on character boundaries, so `&text[start..end]` is the hit as written even where
//!   normalisation changed lengths (`ß` -> `ss`, `İ` -> `i`, `ﬁ` -> `fi`, NFD marks, soft
//!   hyphens, full-width letters). A hit starting or ending inside the expansion of one
//!   character covers that whole character, and ignored characters (combining marks, soft
//!   hyphens) right after its last letter belong to it.
//! * **Fields.** The title (if any) and the text are matched separately; [`Hit::field`]
//!   says which.
//! * **Disguise.** Each term carries matching options ([`websense_lexicon::MatchOptions`],
//!   set per category, lexicon file or term line) for reading through disguise:
//!   `confusables` (look-alikes in mixed words: `v0lksverr@der`, a Cyrillic `а`), `joined`
//!   (single letters spread out: `u i t s c h o t`), `squeeze` (a letter three or more
//!   times read once or twice: `ongedieeeerte`, `ongeloooof`), `emoji` (a symbol inside a word: `onge🐀dierte`), `infix` (a `word`
//!   term inside a longer word: `zijnongedierte`) and `fuzzy` (one edit inside a term of
//!   seven or more letters: `ongedeirte`). Every hit says how it was found
//!   ([`Hit::method`]); a disguised hit that repeats or overlaps a plain hit of the same
//!   term is not reported. Its span is the disguised text as written (`v0lksverr@der`,
//!   `u i t s c h o t`). [`MatcherOptions::disguise`] `= false` turns all of it off: then
//!   the hits are exactly those of the matcher before it existed (a property test checks
//!   this against a reference).
//! * **Context.** With [`MatcherOptions::context`] (the default), a hit is tagged
//!   `negated`, `quoted` or `counter_speech` from the words around it (see `context.rs`:
//!   a negation among the four words before it in its clause, quotation marks or a verb of
//!   saying, a condemning word in its sentence); a tagged hit counts its category's
//!   `context_weight` (default half) of its weight, a fuzzy hit its `fuzzy_weight`, so a
//!   negated explicit term alone does not flag. [`Hit::weight`] is what the hit counted.
//! * **Scores.** A category's score is the sum of the weights of its counted hits. A term
//!   counts at most [`MatcherOptions::max_hits_per_term`] hits per item (3 by default,
//!   title and text together): a post that repeats one word fifty times is not fifty times
//!   as strong a signal. All hits are still reported. An item is flagged for a category
//!   when its score reaches the category's threshold. Every category with at least one hit
//!   gets a [`CategoryScore`], in the order the lexicon set declares them.
//!
//! # Design and costs
//!
//! Every distinct normal-form string (term or exclusion) is compiled once into one
//! Aho-Corasick automaton with standard (overlapping) match semantics, and fans out to the
//! terms that use it: the same string may be a `word` in one category and an `infix` or an
//! exclusion in another.
//!
//! Items are matched in groups (one item for [`Matcher::find`], 32 per rayon task in
//! [`Matcher::score_batch`]), in two passes over each field:
//!
//! 1. [`websense_normalize::normalize_into`] writes the normal form and a sparse span map
//!    into reusable per-thread buffers (ASCII eight bytes at a time, other characters
//!    through a precomputed fold table);
//! 2. the automaton, driven by hand through [`aho_corasick::automaton::Automaton`], walks
//!    the normal forms of **four fields at once in lockstep**. One walk is a chain of
//!    dependent table loads, so a single walk waits on memory most of the time; four
//!    independent chains keep four loads in flight. (That is for the DFA; a contiguous
//!    NFA walks one piece at a time, since its steps branch on failure transitions and
//!    interleaved walks make those branches unpredictable.) Long fields are cut into pieces of
//!    about 512 bytes (each walked on past its end by the longest pattern's length, and
//!    reporting only matches that start inside it), longest first, so the lanes stay
//!    evenly loaded. Only positions where the automaton is in a match state are recorded.
//!
//! Disguise costs nothing where no disguise can be: after normalising a field,
//! [`websense_normalize::may_vary`] tests its normal form eight bytes at a time (a digit
//! beside a letter, a letter outside ASCII, three equal letters, two single letters in a
//! row) and its original for an `@`/`$` inside a word. Only a field that passes gets a
//! *variant* form ([`websense_normalize::variant_into`], character by character, with the
//! original range and the readings of every byte), which the lanes walk like any other
//! field, with the same automaton (one variant per reading where `1` may be `i` or `l`, or
//! a stretched letter one or two: rare, so the automaton holds no extra pattern for them).
//! A hit found in a variant
//! counts only where a reading changed a byte it covers and its term allows every reading
//! it covers. Infix reading of `word` terms is a boundary check, free. Fuzzy matching
//! (`fuzzy.rs`) is the one option that looks at every word: a symmetric-deletion hash
//! lookup per word and per term length; it runs only when a category turns it on.
//! Context tagging runs only for hits: the words and punctuation of the text around a
//! run of nearby hits of a field are read once into a table (`tagging.rs`), and each hit
//! asks it with a few binary searches (a hit alone reads its own windows).
//!
//! Boundaries, exclusions, the map back to original offsets and scoring happen afterwards,
//! only for those positions, which are rare. Normalising and matching could be fused into
//! one pass instead, feeding each normal-form byte straight to the automaton; measured,
//! that single walk was slower than the lanes, because it leaves the CPU one chain of
//! loads to wait on. The normal form of a group is a few tens of KB, so the second pass
//! reads it from cache.
//!
//! The automaton is a DFA (one table load per byte) when its transition table is estimated
//! at most [`MatcherOptions::dfa_max_bytes`] (states x alphabet stride x 4 bytes; about
//! 10 MB for 10,000 generated terms, 50 MB for 50,000), else a contiguous NFA (several
//! times smaller, slower by the failure transitions it follows). A compiled [`Matcher`] is
//! immutable, `Send + Sync`, and built once per lexicon version; [`MatcherHandle`] lets a
//! running stream swap to a new version between batches. Groups are independent, so
//! `score_batch` scales with cores until memory bandwidth or the shared cache (where a
//! large automaton lives) limits it.
//!
//! Per hit, nothing is allocated on the way out: [`Matcher::score_sequential_ref`] gives
//! hits and scores whose term and category strings are borrowed from the matcher
//! ([`websense_model::HitRef`], serialised exactly as a [`Hit`]); the owned forms are made
//! only for callers that keep them.
//!
//! Measured in instructions (callgrind, `websense match --threads 1 --no-places`, whole
//! process; the machine was shared, so no seconds), on 2.7 MB of `websense bench corpus
//! --profile dense` (6,793 items, 105,408 hits), against the binary of the old main (one
//! thread): 3.555G Ir there, 2.312G here (1.54x), of which compiling the 15,000-term
//! lexicon is about 1.2G. Per dense hit, what remains is mostly the scan and its
//! resolution with normalising (about 2,800 Ir) and tagging (about 2,400); writing the
//! hit's JSON (`websense match` writes it by hand) and scoring are a few hundred each.
//!
//! With a gazetteer ([`Matcher::with_places`]), its names (about 2,800) are patterns of
//! the same automaton, so places are found in the same walk of the same normal form as the
//! terms; only an item holding a name as a whole word goes on to the gazetteer's rules
//! (`places.rs`). The larger automaton costs compile time and some walking: on the same
//! inputs 2.573G against 2.312G dense, and 1.052G against 0.867G on 2.4 MB of the sparse
//! profile, where four posts in ten name a city.
//!
//! With an announcement detector ([`Matcher::with_extras`], `websense-announce`), the
//! announcement lexicon's words (about 200: calls, squares and streets, ...) are patterns of
//! the same automaton too; only an item whose walk found a word that can be a call has them
//! resolved (`announce.rs`), and only one with a call left is read for times and places
//! when it is scored. `websense bench match` reports the cost.
//!
//! Costs that remain: every byte of every post is normalised and walked (no prefilter can
//! skip text for thousands of patterns); punctuation runs, diacritics and emoji take the
//! normaliser off its eight-byte path (emoji and other characters above U+2FFF pay for a
//! full decomposition); hostile text that repeats a term reports every repetition (the
//! score stays capped). `websense bench match` measures all of this and what each matching
//! option costs against all off, on the corpora `websense-testkit` generates (this crate
//! generates none); [`quality`] holds the disguise test set and `websense bench quality`
//! what each option finds and adds.

mod announce;
mod compile;
mod context;
mod findings;
mod fuzzy;
mod handle;
mod places;
mod scan;
mod tagging;

pub mod quality;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa;
use aho_corasick::nfa::contiguous;
use findings::FindingsRef;
use std::sync::Arc;
use websense_announce::Announcer;
use websense_lexicon::{LexiconSet, Location, MatchOptions};
use websense_model::{CategoryScore, Field, Hit, Item, ScoredItem, ScoredItemRef, TermKind};
use websense_normalize::VariantOptions;

/// Items scored together by one thread: their fields share the automaton walk.
const GROUP: usize = 16;

pub use handle::MatcherHandle;
pub use places::Places;

/// How a [`Matcher`] is built.
#[derive(Clone, Debug, PartialEq)]
pub struct MatcherOptions {
    /// A term counts at most this many hits per item towards its category's score.
    pub max_hits_per_term: u32,
    /// Which automaton to compile.
    pub engine: Engine,
    /// With [`Engine::Auto`], compile a DFA when its transition table is estimated at most
    /// this many bytes, else a contiguous NFA.
    pub dfa_max_bytes: usize,
    /// Apply the terms' matching options against disguise (false: every term matches as
    /// written only, whatever its lexicon says).
    pub disguise: bool,
    /// Tag hits with their context (negated, quoted, counter-speech) and weigh tagged hits
    /// by their category's `context_weight`.
    pub context: bool,
}

impl MatcherOptions {
    /// Matching as written, without context: the matcher before disguise and context
    /// existed.
    pub fn plain() -> MatcherOptions {
        MatcherOptions {
            disguise: false,
            context: false,
            ..MatcherOptions::default()
        }
    }
}

impl Default for MatcherOptions {
    fn default() -> Self {
        MatcherOptions {
            max_hits_per_term: 3,
            engine: Engine::Auto,
            dfa_max_bytes: 160 << 20,
            disguise: true,
            context: true,
        }
    }
}

/// The kind of Aho-Corasick automaton a matcher runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// A DFA if it fits [`MatcherOptions::dfa_max_bytes`], else a contiguous NFA.
    Auto,
    Dfa,
    ContiguousNfa,
}

/// Why a lexicon set could not be compiled.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    #[error("{location}: term {term:?} is empty once normalised")]
    EmptyTerm { term: String, location: Location },
    #[error(
        "{location}: term {term:?}: {normalized:?} is not in normal form (expected {expected:?})"
    )]
    NotNormalized {
        term: String,
        normalized: String,
        expected: String,
        location: Location,
    },
    #[error("{location}: term {term:?} names category {category:?}, which is not declared")]
    UnknownCategory {
        term: String,
        category: String,
        location: Location,
    },
    #[error("{location}: term {term:?} has weight {weight}, which is not a finite number")]
    BadWeight {
        term: String,
        weight: f64,
        location: Location,
    },
    #[error("category {category:?} has threshold {threshold}, which is not a finite number")]
    BadThreshold { category: String, threshold: f64 },
    #[error("building the automaton failed: {0}")]
    Build(#[from] aho_corasick::BuildError),
}

/// A lexicon set compiled for matching. Build once per lexicon version; share freely.
pub struct Matcher {
    version: String,
    options: MatcherOptions,
    automaton: Compiled,
    start: StateID,
    /// Indexed by the automaton's pattern id.
    patterns: Vec<Pattern>,
    /// The uses of all patterns, each pattern's a contiguous run.
    uses: Vec<Use>,
    terms: Vec<CompiledTerm>,
    categories: Vec<CompiledCategory>,
    /// The readings the variant form applies: those some term asks for.
    variants: VariantOptions,
    /// Words read around a disguised word: enough for the longest phrase (at most 8).
    variant_context_words: usize,
    /// Terms matched one edit away, when some category asks for it.
    fuzzy: Option<fuzzy::FuzzyIndex>,
    /// The gazetteer that attributes items to municipalities, when one is set.
    places: Option<Places>,
    /// The announcement detector, when one is set.
    announcer: Option<Arc<Announcer>>,
}

enum Compiled {
    Dfa(dfa::DFA),
    Nfa(contiguous::NFA),
}

struct Pattern {
    len: usize,
    uses_start: u32,
    uses_end: u32,
}

/// What a found pattern means for one term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    Term(u32),
    Exclusion(u32),
    /// A gazetteer name ([`Places`]), by its number: found in the same walk as the terms.
    Place(u32),
    /// A pattern of the announcement lexicon ([`Announcer`]), by its number.
    Cue(u32),
}

struct CompiledTerm {
    text: String,
    category: u32,
    weight: f64,
    kind: TermKind,
    matching: MatchOptions,
}

struct CompiledCategory {
    name: String,
    threshold: f64,
    fuzzy_weight: f64,
    context_weight: f64,
}

/// What the matcher found in one item: its hits and category scores.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Findings {
    /// Ordered by field (title first), start, end.
    pub matches: Vec<Hit>,
    pub scores: Vec<CategoryScore>,
}

impl Matcher {
    /// Compile `set`. Fails with the term's location when a term is empty, not in normal
    /// form, names an undeclared category, or has a weight that is not a number.
    pub fn new(set: &LexiconSet, options: MatcherOptions) -> Result<Matcher, MatcherError> {
        Matcher::build(set, options, None, None)
    }

    /// [`Matcher::new`], attributing every scored item to the municipalities it names with
    /// `places` (see `places.rs`): the gazetteer's names join the terms in the automaton.
    pub fn with_places(
        set: &LexiconSet,
        options: MatcherOptions,
        places: Places,
    ) -> Result<Matcher, MatcherError> {
        Matcher::build(set, options, Some(places), None)
    }

    /// [`Matcher::new`] with a gazetteer attribution and an announcement detector, each
    /// when given: the announcement lexicon's words join the automaton too, and an item
    /// holding a call goes on to the detector (after its places are attributed, which it
    /// reads) and gets its [`websense_model::Announcement`]s.
    pub fn with_extras(
        set: &LexiconSet,
        options: MatcherOptions,
        places: Option<Places>,
        announcer: Option<Arc<Announcer>>,
    ) -> Result<Matcher, MatcherError> {
        Matcher::build(set, options, places, announcer)
    }

    /// The lexicon version this matcher was compiled from.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn options(&self) -> &MatcherOptions {
        &self.options
    }

    /// The automaton actually compiled ([`Engine::Dfa`] or [`Engine::ContiguousNfa`]).
    pub fn engine(&self) -> Engine {
        match self.automaton {
            Compiled::Dfa(_) => Engine::Dfa,
            Compiled::Nfa(_) => Engine::ContiguousNfa,
        }
    }

    /// Distinct strings (terms and exclusions) in the automaton.
    pub fn patterns_len(&self) -> usize {
        self.patterns.len()
    }

    /// Heap memory of the compiled matcher: automaton, pattern and term tables.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let automaton = match &self.automaton {
            Compiled::Dfa(a) => a.memory_usage(),
            Compiled::Nfa(a) => a.memory_usage(),
        };
        let terms: usize = self
            .terms
            .iter()
            .map(|t| size_of::<CompiledTerm>() + t.text.capacity())
            .sum();
        let categories: usize = self
            .categories
            .iter()
            .map(|c| size_of::<CompiledCategory>() + c.name.capacity())
            .sum();
        automaton
            + self.fuzzy.as_ref().map_or(0, |f| f.heap_bytes())
            + self.patterns.capacity() * size_of::<Pattern>()
            + self.uses.capacity() * size_of::<Use>()
            + terms
            + categories
            + self.version.capacity()
    }

    /// Hits and scores of an item with this title and text.
    pub fn find(&self, title: Option<&str>, text: &str) -> Findings {
        let found = self
            .find_group(&[(title, text)], &[None])
            .pop()
            .unwrap_or_default();
        Findings {
            matches: found.matches.iter().map(|h| h.to_hit()).collect(),
            scores: found.scores.iter().map(|s| s.to_score()).collect(),
        }
    }

    /// `item` with its hits, scores and this matcher's lexicon version.
    pub fn score(&self, item: &Item) -> ScoredItem {
        self.score_item(item.clone())
    }

    /// Like [`Matcher::score`], taking the item by value (no copy).
    pub fn score_item(&self, item: Item) -> ScoredItem {
        let found = self
            .find_group(
                &[(item.title.as_deref(), &item.text)],
                &[places::source_municipality(&item)],
            )
            .pop()
            .unwrap_or_default();
        self.scored(item, found).into_owned()
    }

    /// Score many items on all cores (rayon's pool), keeping their order.
    pub fn score_batch(&self, items: Vec<Item>) -> Vec<ScoredItem> {
        use rayon::prelude::*;
        let findings: Vec<FindingsRef> = items
            .par_chunks(GROUP)
            .flat_map_iter(|group| {
                let fields: Vec<_> = group
                    .iter()
                    .map(|i| (i.title.as_deref(), i.text.as_str()))
                    .collect();
                let sources: Vec<_> = group.iter().map(places::source_municipality).collect();
                self.find_group(&fields, &sources)
            })
            .collect();
        // Items (a few hundred bytes each) move once, straight into their place in the result.
        items
            .into_par_iter()
            .zip(findings)
            .map(|(item, findings)| self.scored(item, findings).into_owned())
            .collect()
    }

    /// Score many items on the calling thread only, keeping their order: the same results
    /// as [`Matcher::score_batch`], for callers that run their own threads (one chunk of a
    /// stream per thread). Items are matched in groups, as `score_batch` does.
    pub fn score_sequential(&self, items: Vec<Item>) -> Vec<ScoredItem> {
        self.score_sequential_ref(items)
            .into_iter()
            .map(ScoredItemRef::into_owned)
            .collect()
    }

    /// Like [`Matcher::score_sequential`], with the hits' and scores' strings borrowed from
    /// this matcher: the same JSON, and no allocation per hit, for callers that only write
    /// the results out.
    pub fn score_sequential_ref(&self, items: Vec<Item>) -> Vec<ScoredItemRef<'_>> {
        let mut findings = Vec::with_capacity(items.len());
        let mut fields = Vec::with_capacity(GROUP);
        let mut sources = Vec::with_capacity(GROUP);
        for group in items.chunks(GROUP) {
            fields.clear();
            fields.extend(group.iter().map(|i| (i.title.as_deref(), i.text.as_str())));
            sources.clear();
            sources.extend(group.iter().map(places::source_municipality));
            findings.extend(self.find_group(&fields, &sources));
        }
        items
            .into_iter()
            .zip(findings)
            .map(|(item, findings)| self.scored(item, findings))
            .collect()
    }

    /// The gazetteer attribution in use, if any.
    pub fn places(&self) -> Option<&Places> {
        self.places.as_ref()
    }

    /// The announcement detector in use, if any.
    pub fn announcer(&self) -> Option<&Announcer> {
        self.announcer.as_deref()
    }

    fn scored<'m>(&'m self, item: Item, found: FindingsRef<'m>) -> ScoredItemRef<'m> {
        let municipalities = match &self.places {
            Some(p) => p.municipalities(&item, &found.places),
            None => Vec::new(),
        };
        let places = found.places;
        let announcements = match &self.announcer {
            Some(announcer) if !found.cues.is_empty() => announcer.detect(
                &websense_announce::Post::of(&item),
                &found.cues,
                &places,
                &municipalities,
            ),
            _ => Vec::new(),
        };
        ScoredItemRef {
            item,
            lexicon_version: &self.version,
            matches: found.matches,
            scores: found.scores,
            places,
            municipalities,
            announcements,
        }
    }

    /// Findings of each (title, text), in order; `sources`: each item's source municipality.
    fn find_group(
        &self,
        items: &[(Option<&str>, &str)],
        sources: &[Option<&str>],
    ) -> Vec<FindingsRef<'_>> {
        scan::with_scratch(|scratch| {
            match &self.automaton {
                Compiled::Dfa(a) => scratch.find::<_, { scan::DFA_LANES }>(self, a, items),
                Compiled::Nfa(a) => scratch.find::<_, { scan::NFA_LANES }>(self, a, items),
            }
            let mut findings = vec![FindingsRef::default(); items.len()];
            let found = &mut scratch.found;
            if self.options.context {
                // The hits of each field together, in text order, tagged field by field.
                // (`findings` sorts the hits of an item itself, so this order is free.)
                found.sort_unstable_by_key(|f| (f.item, f.field == Field::Text, f.start));
                for of_field in found.chunk_by_mut(|a, b| a.item == b.item && a.field == b.field) {
                    let (title, text) = items[of_field[0].item as usize];
                    let text = match of_field[0].field {
                        Field::Title => title.unwrap_or_default(),
                        Field::Text => text,
                    };
                    tagging::tag_field(&mut scratch.table, text, of_field);
                }
            } else {
                found.sort_unstable_by_key(|f| f.item);
            }
            for of_item in found.chunk_by_mut(|a, b| a.item == b.item) {
                findings[of_item[0].item as usize] = self.findings(of_item);
            }
            if let Some(places) = &self.places {
                places.attribute_group(scratch, sources, items, &mut findings);
            }
            if let Some(announcer) = &self.announcer {
                announce::cues_of_group(announcer, scratch, items, &mut findings);
            }
            findings
        })
    }
}
