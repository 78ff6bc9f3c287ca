//! Lexicons: the curated term lists websense matches posts against.
//!
//! This crate owns the lexicon *files*: their format, loading them with every problem
//! reported by file and line, the version of a set, and importing the lists curators
//! already have. It does not match text (that is `websense-matcher`, built on the types
//! here) and does not decide what a CLI prints (the `websense lexicon` subcommands do).
//!
//! # A lexicon directory
//!
//! A directory holds one `categories.toml` and any number of `*.lex` files (directly in it;
//! subdirectories are not read). [`LexiconSet::load_dir`] loads them all into one
//! [`LexiconSet`]; [`check_dir`] returns only the problems (`websense lexicon check DIR`).
//!
//! ## `categories.toml`
//!
//! One table per category. The table name is the category's identifier, used in `.lex`
//! sections and in scores: lowercase ASCII letters, digits and `_`, starting with a letter.
//!
//! ```toml
//! [anti_overheid]
//! label = "Anti-institutioneel / anti-overheid"   # short, Dutch first (required)
//! description = "Wantrouwen van en vijandigheid tegen overheid en instituties ..."
//! threshold = 4.0   # an item is flagged when its score for the category reaches this
//! ```
//!
//! Optional, for matching (see *Matching options* below):
//!
//! ```toml
//! matching = "+fuzzy"     # changes to the default options for the category's terms
//! fuzzy_weight = 0.5      # share of a term's weight a fuzzy hit counts for (default 0.5)
//! context_weight = 0.5    # share a negated, quoted or counter-speech hit counts for (0.5)
//! ```
//!
//! `label` (a non-empty string) and `threshold` (a number above 0; `4` and `4.0` both do)
//! are required; a missing `description` is a warning; an unknown field is a warning (it
//! is usually a typo, like `treshold`, that then also shows as a missing threshold). A
//! category in error is left out, and sections naming it are skipped quietly (the error in
//! `categories.toml` already says why).
//!
//! ## `.lex` files
//!
//! Line based, UTF-8. `#` starts a comment when it opens a line or follows whitespace
//! (`term # why`); a `#` inside a word (`c#`) is text. Blank lines are ignored. Leading and
//! trailing whitespace of every line and field is ignored.
//!
//! ```text
//! # Kernlexicon Nederlands
//! name: nl-kern
//! languages: nl, en
//!
//! [anti_overheid]
//! volksverrader*       | 3              # prefix: volksverraders, volksverraderij
//! *kartel*             | 2              # infix: kartelpartijen, partijkartel
//! tribunaal            | 2 | | tribunaal voor de scheepvaart
//! deep state           | 2              # phrase
//! ```
//!
//! **Header.** Before the first section only header lines stand: `name: <lexicon name>`
//! (required; letters, digits, `-`, `_`, `.`; unique in the directory) and
//! `languages: <codes>` (comma-separated ISO 639-1 codes; missing is a warning). Each may
//! appear once.
//!
//! **Sections.** `[category_name]` starts the terms of a category declared in
//! `categories.toml`. A category may have sections in several files, or several sections
//! in one file. A malformed section line or an undeclared category is an error; the terms
//! under it are still checked (so their own problems show) but not loaded.
//!
//! A header line `matching: <changes>` changes the matching options of every term of the
//! file (on top of its category's).
//!
//! **Term lines.** `term | weight | kind | exclusion; exclusion | matching`. Only the term is
//! required; an empty field means its default, so `term | | | exclusion` is fine.
//!
//! * *term*: the glob convention of LIWC-style and populism dictionaries, decided by the
//!   stars: `volksverrader*` is a **prefix** (word start: `volksverraders`), `*moslim` a
//!   **suffix** (word end: `haatmoslim`), `*terrorist*` an **infix** (anywhere inside a
//!   word: `klimaatterroristen`), no stars a **word** (whole word), or a **phrase** when
//!   its normal form has several words (`grote vervanging`, but also `covid-19`). A star may
//!   only open or close the term and must touch it. The term is matched in normal form
//!   (`websense_normalize`: case, diacritics, and any run of spaces or punctuation between
//!   words folded), so `Grote  Vervanging!` meets `grote vervanging`, and `#wappie` meets
//!   `wappie` (write hashtags without `#`: a leading `#` would start a comment). Stars on
//!   a term of several words set its outer boundaries only: `grote vervang*` matches
//!   `grote vervanging`. A term that normalises to nothing (punctuation, emoji) is an
//!   error.
//! * *weight*: a decimal number above 0 and at most 10, with a decimal point (`1,5` is an
//!   error that says so); default 1. Weights are not negative: a harmless context is
//!   written as an exclusion, not as a term that subtracts, because a negative term could
//!   hide a threat that happens to share a post with it. Convention in the shipped lexicons:
//!   1 ambiguous, 2 clear, 3 explicit.
//! * *kind*: `word`, `prefix`, `suffix`, `infix` or `phrase`; default derived as above.
//!   Usually left out. Given with stars it must agree with them (`volksverrader* | 2 |
//!   word` is an error); `word` on several words or `phrase` on one word is an error;
//!   `prefix`/`suffix`/`infix` on a term without stars stand in for the stars (import from
//!   tables with a kind column relies on this).
//! * *exclusions*: `;`-separated phrases in which a hit of the term does not count
//!   (`kill | 1 | | kill time; kill switch`). Each must contain the term with the
//!   term's boundaries (`skill` does not contain the word `kill`), since otherwise it could
//!   never apply; one equal to a word or phrase term would cancel every hit; both are
//!   errors, as is one that normalises to nothing. Empty items (a trailing `;`) are ignored.
//!
//! * *matching*: changes to the term's matching options, on top of its file's and its
//!   category's (`+fuzzy -squeeze`).
//!
//! ## Matching options
//!
//! How far the matcher reads past a disguise, per term ([`MatchOptions`]). Each level — the
//! category's `matching`, the file's `matching:` header, the term line's fifth field —
//! changes only the options it names: `+name` (or `name`) turns one on, `-name` off, and
//! `none`, `all` or `default` start over from that set ([`MatchOverrides`]).
//!
//! | option | default | what it reads |
//! |--------|---------|---------------|
//! | `confusables` | on | leet digits and symbols and Cyrillic/Greek look-alikes as Latin letters, only in words that mix letters with them and hold nothing else (`v0lksverrader`; not `2024`, `b2b`, `covid19`) |
//! | `squeeze` | on | a letter written three or more times as once or twice (`ongedieeeerte`) |
//! | `joined` | on | three or more single letters separated by spaces, dots, dashes or underscores as one word (`u i t s c h o t`) |
//! | `infix` | off | a `word` term also inside a longer word (dropped spaces: `zijnongedierte`) |
//! | `emoji` | off | an emoji or symbol between two letters does not split the word (`onge🐀dierte`) |
//! | `fuzzy` | off | one edit (insert, delete, substitute, swap) away, for terms of 7 or more letters, not on the first letter or the last two; counts `fuzzy_weight` of the term's weight |
//!
//! Each hit records how it matched (`exact`, `folded`, `joined`, `squeezed`, `fuzzy`). The
//! options change the set's version only when they differ from these defaults.
//!
//! There is no escaping: `|` separates fields and `;` exclusions, and neither can be part of
//! a term, which costs nothing since normalisation turns both into word separators anyway
//! (`a|b` would match as the phrase `a b`).
//!
//! **Duplicates**, across the whole directory: the same normalised text, kind and category
//! twice with the same weight is a warning and merged into the first (exclusions joined);
//! with a different weight it is an error and the later line is skipped. The same normalised
//! text in one category under two kinds (`elite` and `elite*`) is a warning, because the
//! word `elite` then counts twice. The same term in two categories is fine: it is evidence
//! for both.
//!
//! # Problems
//!
//! The loader reports *every* problem and keeps loading the rest: a [`Problem`] has a
//! [`Severity`], a [`ProblemKind`], a [`Location`] (file and 1-based line; 0 for a whole
//! file) and a message, and displays as `file:line: error: message`. A line with an error
//! is skipped; a warning's line still loads. Only an unreadable directory or a missing
//! `categories.toml` is a [`LoadError`]. Problems are sorted by file and line.
//!
//! # Version
//!
//! [`LexiconSet::version`] is `"lx-"` and 12 hex digits of the SHA-256 of the set's
//! *meaning* in a sorted canonical form ([`version_of`]): categories with their thresholds
//! (and matching options and weight shares, where not the defaults), and terms with
//! category, kind, normalised text, weight, normalised exclusions (and matching options,
//! where not their category's). Labels,
//! descriptions, comments, layout, file names, lexicon names and the spelling of a term
//! that normalises the same do not change it; every scored item records the version that
//! scored it.
//!
//! # Import
//!
//! [`import`] turns an input into `.lex` text, checking each term like the loader and
//! reporting problems with *input* line numbers; terms in error are left out, and the
//! output loads cleanly once its categories are declared ([`category_stub`] writes the
//! TOML to add). Duplicates within the input are left out (warning, or error when weights
//! differ). Formats ([`ImportFormat`]):
//!
//! * **plain**: one term per line, globs allowed, `#` comments and blank lines as in `.lex`;
//!   every term goes into the one category given. A `|` is an error (a table: import it as
//!   TSV). A line that imports but probably not as its author meant is imported as written
//!   with a warning on its line: one holding a comma or semicolon (a CSV row), a tab (a
//!   TSV row), brackets, regular expression syntax (`\`, `^`, `$`, `?`, `.*`, a `+` inside
//!   the term), quotes (a JSON array), a leading or trailing `-` (a list bullet, half a
//!   compound), or more than 6 words (a sentence).
//! * **tsv**: tab-separated, first non-blank line a header naming at least `term` and
//!   optionally `category`, `weight`, `kind`, `exclusions` (`;`-separated), in any order
//!   and any case; other columns are ignored; cells in double quotes are unquoted. An
//!   empty category cell takes the given default category. Category names become
//!   identifiers ([`identifier_from`]). No comments (a cell may be a hashtag). A column
//!   under another name is mapped with [`ImportOptions::columns`] (`--column
//!   term=lemma`, see [`parse_column`]); a header without a `term` column is an error that
//!   lists the columns it has and suggests the mapping.
//! * **csv**: comma-separated with proper quoting (quoted cells may hold commas, doubled
//!   quotes and line breaks; read with the `csv` crate), or `;`-separated when the first
//!   line holds `;` and no `,` (a spreadsheet set to Dutch). Two layouts, told apart by the
//!   first row: when one of its cells names a column (`term`, `category`, `weight`,
//!   `kind`, `exclusions`, or a name mapped with `--column`) it is a header and the file
//!   reads as the TSV table above; otherwise every row is `Category,term,term,...` (empty
//!   cells skipped) and `--category` does not apply.
//! * **dic**: LIWC style: a `%` line, category lines `id name`, a `%` line, then term lines
//!   `term<TAB>id id ...` (without a tab, the trailing tokens that are declared ids). A term
//!   with several ids appears in each category's section. Category names become
//!   identifiers.
//! * **json**: an array of strings (every term in the given category), an array of
//!   objects `{"term": ..., "category": ..., "weight": ..., "kind": ..., "exclusions":
//!   ...}` (only `term` required; keys as the TSV columns and mapped the same way; a weight
//!   may be a number or a string, exclusions a string or an array of strings; other keys
//!   ignored), or an object mapping each category name to such an array. A syntax error is
//!   reported with its line and column, and so is every value of the wrong kind.
//! * **regex**: one regular expression per line (`regex` crate syntax, parsed with
//!   `regex-syntax`; blank lines and lines starting with `#` skipped), all in the given
//!   category, expanded into the terms it matches when there are few:
//!   alternation, concatenation, groups, `?`, bounded `{m}` / `{m,n}` (up to 20), and
//!   classes of at most 64 characters. Each expression is read as whole words, like every
//!   term, so `^`, `$`, `\A`, `\z` and `\b` at its ends are redundant and dropped; `\w*`
//!   at an end is a glob star (`haat\w*` -> `haat*`) and `\w+` at an end the `+`
//!   convention below (`\w+moslim` -> `+moslim`). Refused, with an error naming the
//!   construct and its column: unbounded repetition (`*`, `+`, `{n,}`), `.`, larger classes
//!   (`\d`, `[^a]`), `\w` elsewhere, anchors inside the expression, `\B`, and an expansion
//!   of more than [`ImportOptions::max_literals`] terms ([`DEFAULT_MAX_LITERALS`]). Each
//!   expanded line is reported with the number of terms it made ([`Imported::expansions`]),
//!   and its terms' comments show the expression.
//!
//! In every format:
//!
//! * **Line endings**: LF, CRLF and bare CR (classic Mac OS) all end a line; a file with bare
//!   CRs is read line by line, with a warning for the file (it used to import as one
//!   "phrase" of every line). A UTF-8 byte order mark is skipped.
//! * **Required affix**: the social-science convention `+term` (the term needs something
//!   before it: `+moslim` hits `rotmoslim`, not `moslim`) is written as the suffix
//!   `*moslim` with the bare word `moslim` as an exclusion, and `term+` (something after
//!   it) as the prefix `term*` excluding the bare `term`. That says it exactly: an exclusion
//!   only counts with word boundaries at both ends, so it takes out the bare word and
//!   nothing else (`moslim rotmoslim` still hits once). As everywhere, a hyphen is a word
//!   break: `haat-moslim` holds the bare word. `+term+` has no exact translation and is
//!   an error, as is a `+` combined with stars.
//! * **Source pointer**: every term line written ends in a comment with the input file's
//!   name and line (`*moslim | | | moslim  # lijst.txt:12 +moslim`), followed by the term
//!   as the input wrote it where the import translated it.
//!
//! Characters with a meaning in `.lex` lines (`|`, `;`, `#`, `[`, `]`) are written as
//! spaces, which leaves every term's normal form unchanged.
//!
//! # Costs
//!
//! Loading is linear in the size of the files, with one normalisation and one hash-map entry
//! per term and exclusion. The shipped lexicons (about 700 terms in three files) load,
//! checked and hashed, in about 1 ms in a release build (`cargo run --release -p
//! websense-lexicon --example load_lexicons -- lexicons`). Nothing here is on the matching
//! path: a set is loaded once and handed to the matcher.

mod categories;
mod import;
mod lexfile;
mod matching;
mod problem;
mod set;
mod term;
mod text_file;

pub use categories::{parse_categories, Categories};
pub use import::{
    category_stub, identifier_from, import, import_file, parse_column, Expansion, ImportError,
    ImportFormat, ImportOptions, Imported, DEFAULT_MAX_LITERALS,
};
pub use matching::{MatchOptions, MatchOverrides};
pub use problem::{has_errors, LoadError, Problem, ProblemKind, Severity};
pub use set::{check_dir, version_of, CATEGORIES_FILE, LEXICON_EXTENSION};
pub use term::{is_identifier, render_glob, MAX_WEIGHT};
pub use text_file::encoding_for_label;

use std::path::PathBuf;
pub use websense_model::TermKind;

/// A declared category: what a group of terms is evidence of.
#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    /// Identifier used in lexicon files and in scores (`anti_overheid`).
    pub name: String,
    /// Short human label (Dutch first), for the Room.
    pub label: String,
    pub description: String,
    /// An item is flagged for this category when its score reaches this.
    pub threshold: f64,
    /// The matching options its terms get unless their lexicon or line says otherwise.
    pub matching: MatchOptions,
    /// What a fuzzy hit counts for, as a share of its term's weight.
    pub fuzzy_weight: f64,
    /// What a hit tagged negated, quoted or counter-speech counts for, as a share of its
    /// term's weight (1 ignores context).
    pub context_weight: f64,
}

impl Category {
    /// The default share of a term's weight that a fuzzy hit counts for.
    pub const FUZZY_WEIGHT: f64 = 0.5;
    /// The default share of a term's weight that a hit with a context tag counts for: half,
    /// so that one negated or quoted explicit term does not reach a threshold on its own.
    pub const CONTEXT_WEIGHT: f64 = 0.5;

    /// A category with the default options.
    pub fn new(name: &str, label: &str, threshold: f64) -> Category {
        Category {
            name: name.to_string(),
            label: label.to_string(),
            description: String::new(),
            threshold,
            matching: MatchOptions::DEFAULT,
            fuzzy_weight: Self::FUZZY_WEIGHT,
            context_weight: Self::CONTEXT_WEIGHT,
        }
    }
}

/// Where something was written: file and 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One term of a lexicon.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    /// The term as the curator wrote it, without glob stars.
    pub text: String,
    /// `text` in normal form (`websense_normalize::normalize`), what the matcher searches for.
    pub normalized: String,
    pub category: String,
    pub weight: f64,
    pub kind: TermKind,
    /// Phrases in which a hit of this term does not count, as written.
    pub exclusions: Vec<String>,
    /// `exclusions` in normal form.
    pub exclusions_normalized: Vec<String>,
    /// The options it is matched with: its category's, changed by its lexicon's `matching:`
    /// header, changed by its own line.
    pub matching: MatchOptions,
    /// Where it was written (for an imported term: the input file and line it came from).
    pub location: Location,
}

/// One lexicon file.
#[derive(Clone, Debug, PartialEq)]
pub struct Lexicon {
    pub name: String,
    /// ISO 639-1 codes the terms are written in (`nl`, `en`).
    pub languages: Vec<String>,
    pub file: PathBuf,
    pub terms: Vec<Term>,
}

/// All lexicons of a directory, with their categories and one version for the lot.
#[derive(Clone, Debug, PartialEq)]
pub struct LexiconSet {
    pub categories: Vec<Category>,
    pub lexicons: Vec<Lexicon>,
    /// Content hash of the set's meaning (categories and terms, not comments or layout).
    pub version: String,
}

impl LexiconSet {
    pub fn terms(&self) -> impl Iterator<Item = &Term> {
        self.lexicons.iter().flat_map(|l| l.terms.iter())
    }

    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.name == name)
    }
}
