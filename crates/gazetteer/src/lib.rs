//! The gazetteer: the Dutch municipalities and places we ship, and finding them in a post.
//!
//! It owns the gazetteer data (`crates/gazetteer/data/*.tsv`, also reached as `gazetteer/` at
//! the repository root; embedded in the binary and loadable from a curator's directory), its
//! checks, and the attribution rules
//! that turn a post's text into the municipalities it names. It must not know about lexicons,
//! items, stores or the Room: it is a pure, read-only function from text (and a [`Context`]:
//! the source's municipality and the configured region) to [`Place`]s, which any number of
//! threads may share. Adding the places to matcher output, stores and filters is the caller's.
//!
//! # The data
//!
//! Six tab-separated files a curator can edit (see `docs/gazetteer.md` for the yearly update):
//! `municipalities.tsv` (CBS code, official name, province, approximate location: the 342
//! municipalities of 1 January 2025), `places.tsv` (woonplaatsen, villages and city districts
//! -> municipality code), `former.tsv` (municipalities merged since 2015 -> successor),
//! `variants.tsv` (Den Haag, Den Bosch, Mokum, amsterdamse, ...), `ambiguous.tsv` (names that
//! are also ordinary words: Best, Goes, Sluis, ...) and `provinces.tsv` (province names, so a
//! province is not taken for a municipality). [`check`] reports every bad line as
//! `FILE:line N: why`; bad lines are left out, the rest is used.
//!
//! # Attribution rules
//!
//! Text and names meet in the normal form of `websense-normalize`, the lexicons' own (case,
//! diacritics and punctuation do not matter: `'s-Hertogenbosch`, `s-Hertogenbosch` and
//! `'S HERTOGENBOSCH` are one name), as whole words or phrases, leftmost-longest: `Den Haag`
//! beats `Haag`, `Amsterdam-Noord` beats `Amsterdam`, `Bergen op Zoom` beats `Bergen`.
//!
//! * **Hashtags** count like words (`#Zaandam`); a multi-word name also matches written
//!   together, but only as a hashtag (`#denhaag`, `#amsterdamnoord`).
//! * **Ordinary words** (`ambiguous.tsv`: `Best`, `Goes`, `Sluis`, `Echt`, `Putten`, ...) count
//!   only with evidence: a capital in the text where no sentence starts (a word in capitals
//!   throughout is shouting, not evidence), a hashtag, a preposition of place or a word like
//!   `gemeente` right before it (`in`, `uit`, `naar`, `bij`, `rond`, `te`, `vanuit`,
//!   `richting`, `nabij`; not for a name that starts with an article: `in de wijk` is no
//!   place), or another place of the same province in the same post (a place that needed no
//!   evidence, or a province name).
//! * **Shared names** (a name that the data gives to several municipalities: `Bergen` NH/L,
//!   `Rijswijk` ZH and a village in Altena, `Hengelo` and a village in Bronckhorst) are
//!   resolved by, in this order, the provinces of the post's other places (and of province
//!   names in it), the source's configured municipality (itself, or its province), and the
//!   configured region (its municipalities, then its provinces). A name still shared after
//!   that is left unattributed: never guessed.
//! * **People** are not places: a name right after a title (`de heer`, `mevrouw`, `dhr.`,
//!   `burgemeester` is *not* one: the mayor *of* a town) or after a surname particle written
//!   with a capital where no sentence starts (`Van Haarlem`, `Van der Goes`) is dropped.
//! * **Provinces** (`Noord-Holland`, `Brabant`, `provincie Utrecht`) are reported apart in
//!   [`Attribution::provinces`], never as a municipality. The bare names `Groningen` and
//!   `Utrecht` mean the city.
//! * **The source** may be a municipality's own (`municipality = "GM0479"` in its
//!   configuration): [`Context::municipality`] counts as an attribution of every post
//!   ([`Attribution::municipalities`]), without a span.
//!
//! Every [`Place`] carries its byte span in the *original* text (`&text[start..end]` is the
//! name as written, on character boundaries, whatever came before it: emoji, diacritics) and
//! the [`Basis`] it was attributed on.
//!
//! # Design and costs
//!
//! All names (about 2,800, with the hashtag forms) are one Aho–Corasick automaton, built once
//! per [`Gazetteer`] in milliseconds. Each pattern is the name with a space on each side, and
//! the post's normal form is searched with a space added at each end, so the automaton only
//! reports whole words; it reports overlapping matches (a name directly after another shares
//! the space between them) and the rules pick the leftmost-longest. A post costs one
//! normalisation (into reusable buffers: [`Gazetteer::attribute_into`] with a [`Scratch`]),
//! one pass of the automaton, and per name found a few comparisons of the words around it.
//! `cargo run --release -p websense-gazetteer --example gazetteer_bench` prints the
//! throughput on generated post-like text.
//!
//! # Known limits
//!
//! See `docs/gazetteer.md`: a preposition before an ordinary word is evidence even where the
//! word is not a place (`in best veel gevallen`); a surname after a first name without a
//! capital particle (`Ellen van Haarlem`) counts as a place; a title-case headline
//! (`Nieuws Van Amsterdam`) loses its place; villages that share a name with a much larger
//! town elsewhere are left out of the data on purpose (`Hoorn` on Terschelling) so the town
//! is found; foreign places of the same name (`Hasselt`, `Aalst` in Belgium) are not known.

mod attribute;
mod data;
mod index;

use std::collections::HashMap;
use std::path::Path;

pub use attribute::{
    municipalities, Attribution, Basis, Context, FieldNames, Place, ProvinceMention, Scratch,
};
pub use data::{
    Counts, Municipality, NameKind, Problem, Severity, AMBIGUOUS, FILES, FORMER, MUNICIPALITIES,
    PLACES, PROVINCES, PROVINCES_FILE, VARIANTS,
};

use index::Index;

/// The compiled gazetteer: the municipalities, every name, and the automaton over them.
pub struct Gazetteer {
    municipalities: Vec<Municipality>,
    by_code: HashMap<String, usize>,
    index: Index,
    counts: Counts,
}

impl std::fmt::Debug for Gazetteer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gazetteer")
            .field("municipalities", &self.municipalities.len())
            .field("names", &self.index.entries.len())
            .finish()
    }
}

/// What [`check`] found: the problems and how many good rows each file had.
#[derive(Clone, Debug)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub counts: Counts,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.problems.len() - self.errors()
    }
}

/// Check a gazetteer directory (the six files of [`FILES`]); `None` checks the shipped data.
pub fn check(dir: Option<&Path>) -> Report {
    let (problems, counts) = match dir {
        None => {
            let (data, problems) = data::parse(&data::SHIPPED);
            (problems, data.counts)
        }
        Some(dir) => {
            let (files, mut problems) = data::read_dir(dir);
            let sources: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
            let (data, more) = data::parse(&sources);
            problems.extend(more);
            (problems, data.counts)
        }
    };
    Report { problems, counts }
}

impl Gazetteer {
    /// The gazetteer we ship (embedded in the binary). Its data is checked by this crate's tests.
    pub fn shipped() -> Gazetteer {
        let (gazetteer, problems) = Gazetteer::from_files(&data::SHIPPED);
        debug_assert!(problems.is_empty(), "shipped gazetteer: {problems:?}");
        gazetteer
    }

    /// Load a curator's directory. Bad lines are left out and returned as problems; a missing
    /// file is a problem too (its names are then missing).
    pub fn load_dir(dir: &Path) -> (Gazetteer, Vec<Problem>) {
        let (files, mut problems) = data::read_dir(dir);
        let sources: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
        let (gazetteer, more) = Gazetteer::from_files(&sources);
        problems.extend(more);
        (gazetteer, problems)
    }

    /// Build from (file name, text) pairs named as in [`FILES`].
    pub fn from_files(files: &[(&str, &str)]) -> (Gazetteer, Vec<Problem>) {
        let (data, mut problems) = data::parse(files);
        let index = Index::build(&data).unwrap_or_else(|e| {
            problems.push(Problem {
                file: String::new(),
                line: 0,
                message: format!("the names do not fit in one automaton: {e}"),
                severity: Severity::Error,
            });
            Index::build(&data::Data::default()).expect("an empty automaton builds")
        });
        let by_code = data
            .municipalities
            .iter()
            .enumerate()
            .map(|(i, m)| (m.code.clone(), i))
            .collect();
        let gazetteer = Gazetteer {
            municipalities: data.municipalities,
            by_code,
            index,
            counts: data.counts,
        };
        (gazetteer, problems)
    }

    /// Every municipality, in file order.
    /// Every name searched for, in the normal form of `websense-normalize`, with its number
    /// (each once): a matcher may search for them in its own walk and hand what it found to
    /// [`Gazetteer::attribute_found`].
    pub fn name_forms(&self) -> impl Iterator<Item = (&str, usize)> {
        self.index
            .by_name
            .iter()
            .map(|(name, &i)| (name.as_str(), i))
    }

    pub fn municipalities(&self) -> &[Municipality] {
        &self.municipalities
    }

    /// The municipality with this CBS code (`GM0479`).
    pub fn municipality(&self, code: &str) -> Option<&Municipality> {
        self.by_code.get(code).map(|&i| &self.municipalities[i])
    }

    /// The municipalities a name may mean, in any spelling the data knows (a municipality,
    /// place, district, former municipality or variant; case and diacritics do not matter):
    /// `Zaandam` -> Zaanstad, `Den Bosch` -> 's-Hertogenbosch, `Bergen` -> both Bergens.
    pub fn lookup(&self, name: &str) -> Vec<&Municipality> {
        let normal = websense_normalize::normalize(name);
        match self.index.by_name.get(&normal) {
            Some(&i) => self.index.entries[i]
                .municipalities
                .iter()
                .map(|&m| &self.municipalities[m as usize])
                .collect(),
            None => Vec::new(),
        }
    }

    /// The municipalities of a province (`Noord-Holland`; as in [`PROVINCES`]).
    pub fn in_province<'g>(&'g self, province: &'g str) -> impl Iterator<Item = &'g Municipality> {
        self.municipalities
            .iter()
            .filter(move |m| m.province == province)
    }

    /// How many good rows each file had.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// How many names (normal forms, with the hashtag forms) the automaton holds.
    pub fn name_count(&self) -> usize {
        self.index.entries.len()
    }

    pub(crate) fn index(&self) -> &Index {
        &self.index
    }

    pub(crate) fn municipality_at(&self, i: u16) -> &Municipality {
        &self.municipalities[i as usize]
    }

    pub(crate) fn index_of(&self, code: &str) -> Option<u16> {
        self.by_code.get(code).and_then(|&i| u16::try_from(i).ok())
    }
}
