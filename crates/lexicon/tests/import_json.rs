//! Issue 12 point 3 for JSON: an array of strings, an array of objects, an object mapping
//! categories to arrays; problems with the line and column of the value they are about.

mod common;

use std::path::Path;

use websense_lexicon::{
    import, parse_column, ImportFormat, ImportOptions, Imported, ProblemKind, Severity, TermKind,
};

fn options(category: Option<&str>, columns: &[&str]) -> ImportOptions {
    ImportOptions {
        category: category.map(str::to_string),
        languages: vec!["nl".into()],
        columns: columns.iter().map(|c| parse_column(c).unwrap()).collect(),
        ..ImportOptions::new(ImportFormat::Json, "json")
    }
}

fn run(input: &str, options: &ImportOptions) -> Imported {
    import(input, Path::new("lijst.json"), options).unwrap()
}

use common::found;

fn terms(imported: &Imported) -> Vec<(String, String, TermKind, f64)> {
    common::load(imported, "json.lex")
        .terms()
        .map(|t| (t.category.clone(), t.normalized.clone(), t.kind, t.weight))
        .collect()
}

fn t(c: &str, n: &str, k: TermKind, w: f64) -> (String, String, TermKind, f64) {
    (c.to_string(), n.to_string(), k, w)
}

#[test]
fn an_array_of_strings_takes_the_given_category() {
    let input = "[\n  \"volksverrader*\",\n  \"Grote Vervanging\",\n  \"+moslim\", \"wappie\"\n]\n";
    let imported = run(input, &options(Some("complot"), &[]));
    assert!(imported.problems.is_empty(), "{:#?}", imported.problems);
    assert_eq!(
        terms(&imported),
        vec![
            t("complot", "volksverrader", TermKind::Prefix, 1.0),
            t("complot", "grote vervanging", TermKind::Phrase, 1.0),
            t("complot", "moslim", TermKind::Suffix, 1.0),
            t("complot", "wappie", TermKind::Word, 1.0),
        ]
    );
    assert!(imported.text.contains("wappie  # lijst.json:4\n"));
    // Without --category every string is reported, with its position.
    let imported = run(input, &options(None, &[]));
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![
            (Severity::Error, 2),
            (Severity::Error, 3),
            (Severity::Error, 4),
            (Severity::Error, 4)
        ]
    );
    assert!(imported.problems[3]
        .message
        .contains("element 4 (column 14) `wappie` has no category"));
}

#[test]
fn an_array_of_objects_with_any_columns_and_a_mapping() {
    let input = r#"[
  {"lemma": "volksverrader", "category": "Anti-Overheid", "weight": 3, "kind": "prefix"},
  {"lemma": "kill", "category": "dreiging", "exclusions": ["kill time", "kill switch"]},
  {"lemma": "deep state", "weight": "2", "bron": "krant"},
  {"lemma": "gedrocht", "weight": true},
  {"term": "zonder lemma"},
  42
]"#;
    let imported = run(input, &options(Some("complot"), &["term=lemma"]));
    let p = &imported.problems;
    assert_eq!(
        found(p, ProblemKind::ImportSyntax),
        vec![
            (Severity::Error, 5),
            (Severity::Error, 6),
            (Severity::Error, 7)
        ],
        "{p:#?}"
    );
    assert!(
        p[0].message.contains("`weight` (column 35) is a boolean"),
        "{p:#?}"
    );
    assert!(
        p[1].message.contains("has no `lemma` (it has `term`)"),
        "{p:#?}"
    );
    assert!(
        p[2].message.contains("element 6 (column 3) is a number"),
        "{p:#?}"
    );
    assert_eq!(
        terms(&imported),
        vec![
            t("anti_overheid", "volksverrader", TermKind::Prefix, 3.0),
            t("dreiging", "kill", TermKind::Word, 1.0),
            t("complot", "deep state", TermKind::Phrase, 2.0),
        ]
    );
    assert!(imported
        .text
        .contains("kill | | | kill time; kill switch  # lijst.json:3\n"));
}

#[test]
fn an_object_maps_categories_to_their_terms_in_order() {
    let input = r#"{
  "Complot": ["plandemie", "nwo"],
  "Anti-Overheid": [{"term": "volksverrader*", "weight": 2.5}],
  "!!!": ["x"],
  "leeg": "geen lijst"
}"#;
    let imported = run(input, &options(None, &[]));
    let p = &imported.problems;
    assert_eq!(
        found(p, ProblemKind::BadCategoryName),
        vec![(Severity::Error, 4)]
    );
    assert_eq!(
        found(p, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 5)]
    );
    assert!(p[1]
        .message
        .contains("column 11: the terms of `leeg` are a string"));
    assert_eq!(imported.categories, vec!["complot", "anti_overheid"]);
    assert_eq!(
        terms(&imported),
        vec![
            t("complot", "plandemie", TermKind::Word, 1.0),
            t("complot", "nwo", TermKind::Word, 1.0),
            t("anti_overheid", "volksverrader", TermKind::Prefix, 2.5),
        ]
    );
    let with_category = run(input, &options(Some("complot"), &[]));
    assert!(with_category.problems[0]
        .message
        .contains("--category complot does not apply"));
}

#[test]
fn json_syntax_errors_and_other_values_say_where() {
    let imported = run(
        "[\n  \"a\",\n  \"b\"\n  \"c\"\n]\n",
        &options(Some("c"), &[]),
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 4)]
    );
    let message = &imported.problems[0].message;
    assert!(message.starts_with("not valid JSON:"), "{message}");
    assert!(message.contains("line 4 column 3"), "{message}");
    assert_eq!(imported.terms, 0);

    let imported = run("\n\n  \"volksverrader\"\n", &options(Some("c"), &[]));
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 3)]
    );
    assert!(imported.problems[0]
        .message
        .contains("column 3: the file holds a string"));
}
