//! Problems found in lexicon files, and the few failures that stop a load altogether.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::Location;

/// How bad a problem is. Errors make `websense lexicon check` fail; the line in error is
/// skipped. Warnings point at something a curator probably wants to fix; what the warning
/// is about still loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong. The crate doc lists the rules behind each kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A file could not be read.
    Unreadable,
    /// A line is not valid UTF-8.
    NotUtf8,
    /// `categories.toml` is not valid TOML.
    TomlSyntax,
    /// A top-level entry of `categories.toml` is not a table (`[name]`).
    NotATable,
    /// A category name is not an identifier (`[a-z][a-z0-9_]*`).
    BadCategoryName,
    /// A category has no (or an empty) `label`.
    MissingLabel,
    /// A category has no (or an empty) `description` (warning).
    MissingDescription,
    /// A category has no `threshold`.
    MissingThreshold,
    /// A category's `threshold` is not a number above zero.
    BadThreshold,
    /// A category field has the wrong type (e.g. `label = 3`).
    BadCategoryField,
    /// A category has a field websense does not know (warning; often a typo).
    UnknownCategoryField,
    /// A `.lex` header line is malformed, unknown, repeated, or has a bad value.
    BadHeader,
    /// A `.lex` file has no `name:` header.
    MissingName,
    /// Two `.lex` files have the same name.
    DuplicateLexiconName,
    /// A `.lex` file has no `languages:` header (warning).
    MissingLanguages,
    /// A `[section]` line is malformed.
    BadSection,
    /// A section names a category `categories.toml` does not declare.
    UnknownCategory,
    /// A term line has more than five `|`-separated fields.
    TooManyFields,
    /// A term is empty (or only stars).
    EmptyTerm,
    /// A term normalises to nothing (only punctuation, symbols or emoji).
    TermNormalizesToNothing,
    /// A glob star is inside the term, or separated from it by spaces.
    BadStars,
    /// A weight is not a number in (0, 10].
    BadWeight,
    /// A kind is not one of word, prefix, suffix, infix, phrase.
    UnknownKind,
    /// An explicit kind contradicts the term's stars or its number of words.
    KindContradictsStars,
    /// An exclusion normalises to nothing.
    ExclusionNormalizesToNothing,
    /// An exclusion does not contain the term, so it could never apply.
    ExclusionWithoutTerm,
    /// An exclusion equals the term, so it would cancel every hit.
    ExclusionCancelsTerm,
    /// The same term (normalised text, kind, category) twice with the same weight (warning;
    /// merged).
    DuplicateTerm,
    /// The same term (normalised text, kind, category) twice with different weights; the
    /// later line is skipped.
    ConflictingWeight,
    /// The same normalised text in one category under two kinds (warning; one word can then
    /// count twice).
    OverlappingTerms,
    /// A lexicon directory has no `.lex` files (warning).
    NoLexicons,
    /// A declared category has no terms (warning).
    UnusedCategory,
    /// An import input line does not follow its format.
    ImportSyntax,
    /// A `.dic` term refers to a category id the `.dic` header does not declare.
    UnknownCategoryId,
    /// A matching option (`+fuzzy`, `-squeeze`) that websense does not know.
    UnknownMatchingOption,
    /// An import input line that will import, but probably not as its author meant (a comma,
    /// regex syntax, many words); a warning.
    Suspicious,
}

/// One problem, where it is, and what to do about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    pub kind: ProblemKind,
    /// Line 0 means the file as a whole.
    pub location: Location,
    pub message: String,
}

impl Problem {
    pub fn error(kind: ProblemKind, file: &Path, line: usize, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, kind, file, line, message)
    }

    pub fn warning(
        kind: ProblemKind,
        file: &Path,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, kind, file, line, message)
    }

    fn new(
        severity: Severity,
        kind: ProblemKind,
        file: &Path,
        line: usize,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            severity,
            kind,
            location: Location {
                file: file.to_path_buf(),
                line,
            },
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    /// `file:line: error: message`, or `file: error: message` for a whole file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.line == 0 {
            write!(f, "{}: ", self.location.file.display())?;
        } else {
            write!(f, "{}: ", self.location)?;
        }
        write!(f, "{}: {}", self.severity, self.message)
    }
}

/// Whether any of `problems` is an error.
pub fn has_errors(problems: &[Problem]) -> bool {
    problems.iter().any(Problem::is_error)
}

/// Why a lexicon directory could not be loaded at all. Everything else is a [`Problem`].
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read lexicon directory {}: {source}", path.display())]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} has no categories.toml (a lexicon directory declares its categories there)", path.display())]
    NoCategories { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    ReadCategories {
        path: PathBuf,
        source: std::io::Error,
    },
}
