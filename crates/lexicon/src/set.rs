//! Loading a lexicon directory into a [`LexiconSet`]: files, duplicates, version.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use websense_model::TermKind;

use crate::categories::parse_categories;
use crate::lexfile::parse_lexicon;
use crate::text_file::decode_utf8_lines;
use crate::{Category, LexiconSet, LoadError, MatchOptions, Problem, ProblemKind};
use crate::{Lexicon, Severity};

/// The file a lexicon directory declares its categories in.
pub const CATEGORIES_FILE: &str = "categories.toml";
/// The extension of lexicon files.
pub const LEXICON_EXTENSION: &str = "lex";

impl LexiconSet {
    /// A set of already built parts, with its version computed.
    pub fn new(categories: Vec<Category>, lexicons: Vec<Lexicon>) -> Self {
        let version = version_of(&categories, &lexicons);
        LexiconSet {
            categories,
            lexicons,
            version,
        }
    }

    /// Load `categories.toml` and every `*.lex` file directly in `dir` (not in
    /// subdirectories), in file-name order. Problems are returned, not raised: every bad
    /// line is reported and skipped, the rest loads. Only an unreadable directory or a
    /// missing `categories.toml` fails the load.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<(LexiconSet, Vec<Problem>), LoadError> {
        let dir = dir.as_ref();
        let read_dir = |source| LoadError::ReadDir {
            path: dir.to_path_buf(),
            source,
        };
        let mut lex_paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_dir)? {
            let path = entry.map_err(read_dir)?.path();
            if path.extension().is_some_and(|e| e == LEXICON_EXTENSION) && path.is_file() {
                lex_paths.push(path);
            }
        }
        lex_paths.sort();

        let categories_path = dir.join(CATEGORIES_FILE);
        let categories_bytes = std::fs::read(&categories_path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                LoadError::NoCategories {
                    path: dir.to_path_buf(),
                }
            } else {
                LoadError::ReadCategories {
                    path: categories_path.clone(),
                    source,
                }
            }
        })?;
        let mut problems = Vec::new();
        let categories_text = decode_utf8_lines(&categories_path, &categories_bytes, &mut problems);
        let mut lexicon_texts = Vec::new();
        for path in lex_paths {
            match std::fs::read(&path) {
                Ok(bytes) => {
                    let text = decode_utf8_lines(&path, &bytes, &mut problems);
                    lexicon_texts.push((path, text));
                }
                Err(e) => problems.push(Problem::error(
                    ProblemKind::Unreadable,
                    &path,
                    0,
                    format!("cannot read: {e}"),
                )),
            }
        }
        let sources: Vec<(&Path, &str)> = lexicon_texts
            .iter()
            .map(|(p, t)| (p.as_path(), t.as_str()))
            .collect();
        let (set, more) = Self::from_sources(&categories_path, &categories_text, &sources);
        problems.extend(more);
        sort_problems(&mut problems);
        Ok((set, problems))
    }

    /// Build a set from file contents (`categories.toml` and `.lex` files with the paths to
    /// report them under), with the same checks as [`LexiconSet::load_dir`].
    pub fn from_sources(
        categories_file: &Path,
        categories_toml: &str,
        lexicon_files: &[(&Path, &str)],
    ) -> (LexiconSet, Vec<Problem>) {
        let (categories, mut problems) = parse_categories(categories_file, categories_toml);
        let mut lexicons: Vec<Lexicon> = lexicon_files
            .iter()
            .map(|(file, text)| parse_lexicon(file, text, &categories, &mut problems))
            .collect();
        if lexicons.is_empty() {
            problems.push(Problem::warning(
                ProblemKind::NoLexicons,
                categories_file.parent().unwrap_or(categories_file),
                0,
                "no .lex files next to categories.toml",
            ));
        }
        report_duplicate_names(&lexicons, &mut problems);
        merge_duplicate_terms(&mut lexicons, &mut problems);
        for category in &categories.valid {
            let used = lexicons
                .iter()
                .flat_map(|l| &l.terms)
                .any(|t| t.category == category.name);
            if !used && !lexicons.is_empty() {
                problems.push(Problem::warning(
                    ProblemKind::UnusedCategory,
                    categories_file,
                    0,
                    format!("category `{}` has no terms in any .lex file", category.name),
                ));
            }
        }
        sort_problems(&mut problems);
        (LexiconSet::new(categories.valid, lexicons), problems)
    }
}

/// Check a lexicon directory: every problem, including one for a directory that cannot be
/// loaded at all. What `websense lexicon check DIR` prints.
pub fn check_dir(dir: impl AsRef<Path>) -> Vec<Problem> {
    let dir = dir.as_ref();
    match LexiconSet::load_dir(dir) {
        Ok((_, problems)) => problems,
        Err(e) => vec![Problem::error(
            ProblemKind::Unreadable,
            dir,
            0,
            e.to_string(),
        )],
    }
}

/// Stable sort by file and line, keeping each line's problems in the order found.
fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by(|a, b| a.location.cmp(&b.location));
}

fn report_duplicate_names(lexicons: &[Lexicon], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<&str, &PathBuf> = HashMap::new();
    for lexicon in lexicons {
        if let Some(first) = seen.insert(&lexicon.name, &lexicon.file) {
            problems.push(Problem::error(
                ProblemKind::DuplicateLexiconName,
                &lexicon.file,
                0,
                format!(
                    "lexicon name `{}` is also the name of {}",
                    lexicon.name,
                    first.display()
                ),
            ));
            seen.insert(&lexicon.name, first);
        }
    }
}

/// Across the whole set, in file and line order: the same (category, normalised text,
/// kind) again with the same weight is merged into the first (exclusions joined) with a
/// warning; with another weight it is an error and dropped. The same (category, text)
/// under another kind is a warning.
fn merge_duplicate_terms(lexicons: &mut [Lexicon], problems: &mut Vec<Problem>) {
    type Position = (usize, usize);
    let mut first_of: HashMap<(String, String), Vec<(TermKind, Position)>> = HashMap::new();
    let mut merges: Vec<(Position, Position)> = Vec::new();
    let mut dropped: Vec<Position> = Vec::new();
    for (li, lexicon) in lexicons.iter().enumerate() {
        for (ti, term) in lexicon.terms.iter().enumerate() {
            let key = (term.category.clone(), term.normalized.clone());
            let earlier = first_of.entry(key).or_default();
            let term_at = |(l, t): Position| &lexicons[l].terms[t];
            let same_kind = earlier.iter().find(|(k, _)| *k == term.kind).map(|e| e.1);
            let (severity, kind, message) = match same_kind {
                Some(first) if term_at(first).weight == term.weight => {
                    merges.push((first, (li, ti)));
                    (
                        Severity::Warning,
                        ProblemKind::DuplicateTerm,
                        format!(
                            "`{}` is already in [{}] at {}; merged",
                            term.text,
                            term.category,
                            term_at(first).location
                        ),
                    )
                }
                Some(first) => {
                    dropped.push((li, ti));
                    (
                        Severity::Error,
                        ProblemKind::ConflictingWeight,
                        format!(
                            "`{}` is already in [{}] at {} with weight {}; this line (weight {}) is skipped",
                            term.text,
                            term.category,
                            term_at(first).location,
                            term_at(first).weight,
                            term.weight
                        ),
                    )
                }
                None => {
                    let overlap = earlier
                        .first()
                        .map(|&(k, p)| (k, term_at(p).location.clone()));
                    earlier.push((term.kind, (li, ti)));
                    let Some((other_kind, other_location)) = overlap else {
                        continue;
                    };
                    (
                        Severity::Warning,
                        ProblemKind::OverlappingTerms,
                        format!(
                            "`{}` is also in [{}] as a {} at {}; one word can count for both",
                            term.text,
                            term.category,
                            other_kind.as_str(),
                            other_location
                        ),
                    )
                }
            };
            problems.push(Problem {
                severity,
                kind,
                location: term.location.clone(),
                message,
            });
        }
    }
    for ((fl, ft), (dl, dt)) in merges.iter().copied() {
        let duplicate = lexicons[dl].terms[dt].clone();
        let first = &mut lexicons[fl].terms[ft];
        for (text, normalized) in duplicate
            .exclusions
            .into_iter()
            .zip(duplicate.exclusions_normalized)
        {
            if !first.exclusions_normalized.contains(&normalized) {
                first.exclusions.push(text);
                first.exclusions_normalized.push(normalized);
            }
        }
    }
    dropped.extend(merges.into_iter().map(|(_, duplicate)| duplicate));
    dropped.sort_unstable();
    for (li, ti) in dropped.into_iter().rev() {
        lexicons[li].terms.remove(ti);
    }
}

/// `"lx-"` and 12 hex digits of the SHA-256 of the set's canonical form: categories
/// (name, threshold) and terms (category, kind, normalised text, weight, normalised
/// exclusions), each sorted. Labels, descriptions, lexicon names, file layout, comments
/// and the spelling of a term (case, diacritics, punctuation) do not change it.
pub fn version_of(categories: &[Category], lexicons: &[Lexicon]) -> String {
    let mut category_lines: Vec<String> = categories
        .iter()
        .map(|c| {
            let mut line = format!("category\t{}\t{:?}", c.name, c.threshold);
            // Options at their defaults leave the version of sets written before them alone.
            if c.matching != MatchOptions::DEFAULT
                || c.fuzzy_weight != Category::FUZZY_WEIGHT
                || c.context_weight != Category::CONTEXT_WEIGHT
            {
                line.push_str(&format!(
                    "\t{}\t{:?}\t{:?}",
                    c.matching.bits(),
                    c.fuzzy_weight,
                    c.context_weight
                ));
            }
            line.push('\n');
            line
        })
        .collect();
    category_lines.sort();
    let mut term_lines: Vec<String> = lexicons
        .iter()
        .flat_map(|l| &l.terms)
        .map(|t| {
            let mut exclusions = t.exclusions_normalized.clone();
            exclusions.sort();
            exclusions.dedup();
            let mut line = format!(
                "term\t{}\t{}\t{}\t{:?}\t{}",
                t.category,
                t.kind.as_str(),
                t.normalized,
                t.weight,
                exclusions.join(";")
            );
            let inherited = categories
                .iter()
                .find(|c| c.name == t.category)
                .map_or(MatchOptions::DEFAULT, |c| c.matching);
            if t.matching != inherited {
                line.push_str(&format!("\t{}", t.matching.bits()));
            }
            line.push('\n');
            line
        })
        .collect();
    term_lines.sort();
    let mut hasher = Sha256::new();
    hasher.update(b"websense-lexicon-set 1\n");
    for line in category_lines.iter().chain(&term_lines) {
        hasher.update(line.as_bytes());
    }
    format!("lx-{}", hex::encode(&hasher.finalize()[..6]))
}
