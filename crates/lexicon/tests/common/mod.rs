//! Helpers the import tests share: problems by kind and line, an import loaded as the loader
//! would read it, and options with the tests' defaults.
#![allow(dead_code)] // each test file uses some of them

use std::path::Path;

use websense_lexicon::{
    category_stub, ImportFormat, ImportOptions, Imported, LexiconSet, Problem, ProblemKind,
    Severity,
};

/// Import options for lexicon `name`, Dutch, with `category`.
pub fn options(format: ImportFormat, name: &str, category: Option<&str>) -> ImportOptions {
    ImportOptions {
        category: category.map(str::to_string),
        languages: vec!["nl".into()],
        ..ImportOptions::new(format, name)
    }
}

/// The (severity, line) of every problem of `kind`.
pub fn found(problems: &[Problem], kind: ProblemKind) -> Vec<(Severity, usize)> {
    problems
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| (p.severity, p.location.line))
        .collect()
}

/// The import loaded as file `lex` beside a `categories.toml` made from its stub; the load
/// must report no problem.
pub fn load(imported: &Imported, lex: &str) -> LexiconSet {
    let (set, problems) = LexiconSet::from_sources(
        Path::new("categories.toml"),
        &category_stub(&imported.categories),
        &[(Path::new(lex), &imported.text)],
    );
    assert!(problems.is_empty(), "{}\n{problems:#?}", imported.text);
    set
}
