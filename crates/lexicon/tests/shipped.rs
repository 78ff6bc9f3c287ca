//! The starter lexicons in `lexicons/` load without problems and cover what they promise.

use std::collections::BTreeMap;
use std::path::PathBuf;

use websense_lexicon::{check_dir, LexiconSet, TermKind};

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../lexicons")
}

fn load() -> LexiconSet {
    let (set, problems) = LexiconSet::load_dir(shipped()).unwrap();
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(shown.is_empty(), "{}", shown.join("\n"));
    set
}

#[test]
fn shipped_lexicons_load_without_errors_or_warnings() {
    assert!(check_dir(shipped()).is_empty());
    load();
}

#[test]
fn shipped_lexicons_are_large_enough_and_described() {
    let set = load();
    let terms = set.terms().count();
    assert!(terms >= 400, "only {terms} terms");
    assert!(set.categories.len() >= 5);
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    for term in set.terms() {
        *per_category.entry(&term.category).or_default() += 1;
    }
    for category in &set.categories {
        assert!(!category.label.is_empty(), "{}", category.name);
        assert!(category.description.len() > 80, "{}", category.name);
        let n = per_category
            .get(category.name.as_str())
            .copied()
            .unwrap_or(0);
        assert!(n >= 30, "{} has only {n} terms", category.name);
    }
    for term in set.terms() {
        assert!((1.0..=3.0).contains(&term.weight), "{term:?}");
    }
    let mut languages: Vec<&str> = set
        .lexicons
        .iter()
        .flat_map(|l| l.languages.iter().map(String::as_str))
        .collect();
    languages.sort_unstable();
    languages.dedup();
    assert_eq!(languages, vec!["en", "nl"]);
}

#[test]
fn shipped_lexicons_hold_the_terms_the_issue_names() {
    let set = load();
    let has = |category: &str, normalized: &str, kind: TermKind| {
        set.terms()
            .any(|t| t.category == category && t.normalized == normalized && t.kind == kind)
    };
    let expected = [
        ("anti_overheid", "volksverrader", TermKind::Prefix),
        ("anti_overheid", "kartel", TermKind::Infix),
        ("anti_overheid", "tribunaal", TermKind::Word),
        ("anti_overheid", "nuremberg 2 0", TermKind::Phrase),
        ("complot", "omvolking", TermKind::Prefix),
        ("complot", "grote vervanging", TermKind::Phrase),
        ("complot", "plandemie", TermKind::Prefix),
        ("complot", "globalist", TermKind::Prefix),
        ("complot", "wef", TermKind::Word),
        ("complot", "agenda 2030", TermKind::Phrase),
        ("complot", "deep state", TermKind::Phrase),
        ("wij_zij", "wappie", TermKind::Prefix),
        ("wij_zij", "zij tegen ons", TermKind::Phrase),
        ("wij_zij", "elite", TermKind::Word),
        ("wij_zij", "terrorist", TermKind::Infix),
        ("dreiging", "ophangen", TermKind::Word),
        ("dreiging", "kogel", TermKind::Word),
        ("dreiging", "weten waar je woont", TermKind::Phrase),
        ("ontmenselijking", "ongedierte", TermKind::Word),
        ("ontmenselijking", "kakkerlak", TermKind::Prefix),
        ("uitsluiting", "gelukszoeker", TermKind::Prefix),
    ];
    for (category, normalized, kind) in expected {
        assert!(
            has(category, normalized, kind),
            "{category}: {normalized} ({kind:?})"
        );
    }
    let nazi = set.terms().find(|t| t.normalized == "nazi").unwrap();
    assert!(nazi
        .exclusions_normalized
        .contains(&"grammar nazi".to_string()));
    let kill = set.terms().find(|t| t.normalized == "kill").unwrap();
    assert!(kill
        .exclusions_normalized
        .contains(&"kill time".to_string()));
}
