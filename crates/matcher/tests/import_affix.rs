//! The `+term` / `term+` required-affix convention of social-science dictionaries, imported
//! by `websense lexicon import` and matched end to end: `+moslim` hits `rotmoslim` and not
//! `moslim`; `haat+` hits `haatzaaiers` and not `haat`.

use std::path::Path;

use websense_lexicon::{category_stub, import, ImportFormat, ImportOptions, LexiconSet};
use websense_matcher::{Matcher, MatcherOptions};

fn matcher(list: &str) -> Matcher {
    let options = ImportOptions {
        category: Some("haat".into()),
        languages: vec!["nl".into()],
        ..ImportOptions::new(ImportFormat::Plain, "lijst")
    };
    let imported = import(list, Path::new("lijst.txt"), &options).unwrap();
    assert!(imported.problems.is_empty(), "{:#?}", imported.problems);
    let (set, problems) = LexiconSet::from_sources(
        Path::new("categories.toml"),
        &category_stub(&imported.categories),
        &[(Path::new("lijst.lex"), &imported.text)],
    );
    assert!(problems.is_empty(), "{problems:#?}");
    Matcher::new(&set, MatcherOptions::default()).unwrap()
}

/// The hits in `text`, as written.
fn hits(m: &Matcher, text: &str) -> Vec<String> {
    m.find(None, text)
        .matches
        .into_iter()
        .map(|h| text[h.start..h.end].to_string())
        .collect()
}

#[test]
fn required_prefix_hits_only_words_with_something_before() {
    let m = matcher("+moslim\n");
    assert_eq!(hits(&m, "die rotmoslim weer"), vec!["moslim"]);
    // Normalisation turns the hyphen into a word break: `haat-moslim` is two words, so its
    // `moslim` is the bare word, as for any suffix term.
    assert!(hits(&m, "Haat-moslim!").is_empty());
    assert!(hits(&m, "een moslim en een Moslim.").is_empty());
    assert!(hits(&m, "moslims").is_empty(), "a suffix must end the word");
    assert!(hits(&m, "moslimhaat").is_empty());
    // The bare word beside a compound does not cancel the compound's hit.
    assert_eq!(hits(&m, "moslim rotmoslim"), vec!["moslim"]);
}

#[test]
fn required_suffix_hits_only_words_with_something_after() {
    let m = matcher("haat+\n");
    assert_eq!(hits(&m, "haatzaaiers"), vec!["haat"]);
    assert_eq!(hits(&m, "haat haatdragend"), vec!["haat"]);
    assert!(hits(&m, "geen haat, wel Haat.").is_empty());
    assert!(
        hits(&m, "jodenhaat").is_empty(),
        "a prefix must start the word"
    );
}
