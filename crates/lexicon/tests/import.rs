//! Importing plain lists, TSV tables and LIWC-style dictionaries, and loading the result.

mod common;

use std::path::Path;

use websense_lexicon::{
    category_stub, has_errors, identifier_from, import, import_file, ImportError, ImportFormat,
    ImportOptions, Imported, LexiconSet, ProblemKind, Severity, TermKind,
};

fn options(format: ImportFormat, category: Option<&str>) -> ImportOptions {
    common::options(format, "geimporteerd", category)
}

fn run(input: &str, options: &ImportOptions) -> Imported {
    import(input, Path::new("input.txt"), options).unwrap()
}

use common::found;

/// Write the import next to a `categories.toml` made from its stub, load the directory,
/// and return the set with the problems (which must hold no errors).
fn round_trip(imported: &Imported) -> LexiconSet {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("categories.toml"),
        category_stub(&imported.categories),
    )
    .unwrap();
    std::fs::write(dir.path().join("imported.lex"), &imported.text).unwrap();
    let (set, problems) = LexiconSet::load_dir(dir.path()).unwrap();
    assert!(problems.is_empty(), "{}\n{problems:#?}", imported.text);
    assert_eq!(set.terms().count(), imported.terms);
    set
}

fn terms(set: &LexiconSet) -> Vec<(String, String, TermKind, f64)> {
    set.terms()
        .map(|t| (t.category.clone(), t.normalized.clone(), t.kind, t.weight))
        .collect()
}

#[test]
fn plain_list_round_trip() {
    let input = "# lijst van een curator\n\nvolksverrader*\n*terrorist*\n  Grote Vervanging  \n\
                 # weg\n🙂\nplandemie # inline\nPlandemie\nvolks*verrader\nc#\n#wappie\n";
    let imported = run(input, &options(ImportFormat::Plain, Some("complot")));
    assert_eq!(
        found(&imported.problems, ProblemKind::TermNormalizesToNothing),
        vec![(Severity::Error, 7)]
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::DuplicateTerm),
        vec![(Severity::Warning, 9)]
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::BadStars),
        vec![(Severity::Error, 10)]
    );
    assert_eq!(
        imported.problems.len(),
        3,
        "#wappie is a comment: {:#?}",
        imported.problems
    );
    assert_eq!(imported.categories, vec!["complot"]);
    let set = round_trip(&imported);
    let c = |t: &str, k, w| ("complot".to_string(), t.to_string(), k, w);
    assert_eq!(
        terms(&set),
        vec![
            c("volksverrader", TermKind::Prefix, 1.0),
            c("terrorist", TermKind::Infix, 1.0),
            c("grote vervanging", TermKind::Phrase, 1.0),
            c("plandemie", TermKind::Word, 1.0),
            c("c", TermKind::Word, 1.0),
        ]
    );
    assert_eq!(set.lexicons[0].name, "geimporteerd");
    assert_eq!(set.lexicons[0].languages, vec!["nl"]);
    assert!(imported
        .text
        .starts_with("# Imported by `websense lexicon import --format plain` from input.txt."));
}

#[test]
fn plain_list_needs_a_category_and_rejects_fields() {
    let err = import("a\n", Path::new("x"), &options(ImportFormat::Plain, None)).unwrap_err();
    assert!(matches!(err, ImportError::CategoryRequired));
    let imported = run("a | 2\nb\n", &options(ImportFormat::Plain, Some("complot")));
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 1)]
    );
    assert_eq!(imported.terms, 1);
}

#[test]
fn bad_options_are_refused() {
    let mut o = options(ImportFormat::Plain, Some("Anti Overheid"));
    assert!(matches!(
        import("", Path::new("x"), &o),
        Err(ImportError::BadCategory(_))
    ));
    o.category = Some("ok".into());
    o.name = "twee woorden".into();
    assert!(matches!(
        import("", Path::new("x"), &o),
        Err(ImportError::BadName(_))
    ));
    o.name = "ok".into();
    o.languages = vec!["dutch".into()];
    assert!(matches!(
        import("", Path::new("x"), &o),
        Err(ImportError::BadLanguage(_))
    ));
    let o = options(ImportFormat::Dic, Some("complot"));
    assert!(matches!(
        import("", Path::new("x"), &o),
        Err(ImportError::CategoryWithDic)
    ));
}

#[test]
fn tsv_any_column_order_extra_columns_and_defaults() {
    let input = "Bron\tWeight\tTERM\tKind\tCategory\tExclusions\n\
                 krant\t3\tvolksverrader\tprefix\tAnti-Overheid\t\n\
                 \t\t\"kill\"\t\tdreiging\tkill time; kill switch\n\
                 x\t2,5\tgedrocht\t\t\t\n\
                 x\t\tfoo\tsoort\t\t\n\
                 x\t\twappie*\tword\t\t\n\
                 \n\
                 x\t2\tdeep state\t\tcomplot\n\
                 x\t\t!!!\t\tcomplot\n\
                 x\t\t\t\tcomplot\n\
                 x\t1.5\tkartel\t\tanti overheid\n\
                 x\t2\tKartel\t\tanti_overheid\n";
    let imported = run(input, &options(ImportFormat::Tsv, Some("ontmenselijking")));
    let p = &imported.problems;
    assert_eq!(found(p, ProblemKind::BadWeight), vec![(Severity::Error, 4)]);
    assert_eq!(
        found(p, ProblemKind::UnknownKind),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(
        found(p, ProblemKind::KindContradictsStars),
        vec![(Severity::Error, 6)]
    );
    assert_eq!(
        found(p, ProblemKind::TermNormalizesToNothing),
        vec![(Severity::Error, 9)]
    );
    assert_eq!(
        found(p, ProblemKind::EmptyTerm),
        vec![(Severity::Error, 10)]
    );
    assert_eq!(
        found(p, ProblemKind::ConflictingWeight),
        vec![(Severity::Error, 12)]
    );
    assert_eq!(p.len(), 6, "{p:#?}");
    assert_eq!(
        imported.categories,
        vec!["anti_overheid", "dreiging", "complot"]
    );
    let set = round_trip(&imported);
    let t = |c: &str, n: &str, k, w| (c.to_string(), n.to_string(), k, w);
    assert_eq!(
        terms(&set),
        vec![
            t("anti_overheid", "volksverrader", TermKind::Prefix, 3.0),
            t("anti_overheid", "kartel", TermKind::Word, 1.5),
            t("dreiging", "kill", TermKind::Word, 1.0),
            t("complot", "deep state", TermKind::Phrase, 2.0),
        ]
    );
    let kill = set.terms().find(|t| t.normalized == "kill").unwrap();
    assert_eq!(kill.exclusions_normalized, vec!["kill time", "kill switch"]);
}

#[test]
fn tsv_header_problems() {
    let imported = run(
        "woord\tcategorie\nx\ty\n",
        &options(ImportFormat::Tsv, None),
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 1)]
    );
    assert_eq!(imported.terms, 0);
    let imported = run(
        "\n\nterm\tweight\nx\t2\n",
        &options(ImportFormat::Tsv, None),
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 3)],
        "no category column and no --category"
    );
    let imported = run("term\tcategory\nx\t\n", &options(ImportFormat::Tsv, None));
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 2)],
        "an empty category cell without --category"
    );
}

const DIC: &str = "%\n\
1\tAnti-Overheid\n\
2\tcomplot\t(extra annotation)\n\
03 Dreiging!\n\
%\n\
volksverrader*\t1\n\
deep state\t2 1\n\
nwo 2\n\
kogel\t3 9\n\
ophangen\n\
*kartel*\t1\n\
\n\
grote vervanging 2\n";

#[test]
fn dic_categories_ids_and_multi_category_terms() {
    let imported = run(DIC, &options(ImportFormat::Dic, None));
    let p = &imported.problems;
    assert_eq!(
        found(p, ProblemKind::UnknownCategoryId),
        vec![(Severity::Error, 9)]
    );
    assert_eq!(
        found(p, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 10)]
    );
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!(
        imported.categories,
        vec!["anti_overheid", "complot", "dreiging"]
    );
    let set = round_trip(&imported);
    let t = |c: &str, n: &str, k| (c.to_string(), n.to_string(), k, 1.0);
    assert_eq!(
        terms(&set),
        vec![
            t("anti_overheid", "volksverrader", TermKind::Prefix),
            t("anti_overheid", "deep state", TermKind::Phrase),
            t("anti_overheid", "kartel", TermKind::Infix),
            t("complot", "deep state", TermKind::Phrase),
            t("complot", "nwo", TermKind::Word),
            t("complot", "grote vervanging", TermKind::Phrase),
            t("dreiging", "kogel", TermKind::Word),
        ]
    );
}

#[test]
fn dic_structure_problems() {
    let imported = run("1\tx\n%\nfoo\t1\n", &options(ImportFormat::Dic, None));
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 1)]
    );
    let imported = run(
        "%\n1\tx\n1\ty\n2\n3\t!!!\nfoo\t1\n",
        &options(ImportFormat::Dic, None),
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![
            (Severity::Error, 3),
            (Severity::Error, 4),
            (Severity::Error, 6)
        ],
        "duplicate id, a line without a name, and no closing %: {:#?}",
        imported.problems
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::BadCategoryName),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(imported.terms, 0);
}

#[test]
fn characters_with_a_meaning_in_lex_lines_are_written_as_spaces() {
    let input = "term\tcategory\texclusions\n[censuur]\tcomplot\t\nwij|zij\tcomplot\t\n\
                 wij zij\tcomplot\t\nstaat\tcomplot\tdiepe [staat]; staat#kunde\n";
    let imported = run(input, &options(ImportFormat::Tsv, None));
    assert_eq!(
        found(&imported.problems, ProblemKind::DuplicateTerm),
        vec![(Severity::Warning, 4)],
        "`wij|zij` and `wij zij` are one phrase"
    );
    let set = round_trip(&imported);
    let normalized: Vec<_> = set.terms().map(|t| t.normalized.as_str()).collect();
    assert_eq!(normalized, vec!["censuur", "wij zij", "staat"]);
    let staat = set.terms().find(|t| t.normalized == "staat").unwrap();
    assert_eq!(
        staat.exclusions_normalized,
        vec!["diepe staat", "staat kunde"]
    );
    assert!(
        imported
            .text
            .contains("staat | | | diepe staat; staat kunde  # input.txt:5\n"),
        "{}",
        imported.text
    );
}

/// A list saved by an older tool in windows-1252 keeps its accents: it is converted, with a
/// warning naming the encoding, rather than losing the lines that are not UTF-8.
#[test]
fn import_file_converts_a_file_that_is_not_utf8_and_names_the_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lijst.txt");
    std::fs::write(
        &path,
        b"goed
l\xfcgenpresse\nna\xefeve burger\nook goed\n",
    )
    .unwrap();
    let imported = import_file(&path, &options(ImportFormat::Plain, Some("complot"))).unwrap();
    assert!(found(&imported.problems, ProblemKind::NotUtf8).is_empty());
    assert_eq!(imported.terms, 4, "{:#?}", imported.problems);
    assert!(
        imported.text.contains("lügenpresse  # lijst.txt:2\n"),
        "{}",
        imported.text
    );
    assert!(
        imported.text.contains("naïeve burger  # lijst.txt:3\n"),
        "{}",
        imported.text
    );
    let warning = imported.problems[0].to_string();
    assert!(
        warning.contains("lijst.txt: warning:") && warning.contains("windows-1252"),
        "{warning}"
    );
    assert!(matches!(
        import_file(
            &dir.path().join("nope"),
            &options(ImportFormat::Plain, Some("complot"))
        ),
        Err(ImportError::Read { .. })
    ));
}

#[test]
fn identifiers_from_foreign_category_names() {
    assert_eq!(
        identifier_from("Anti-Overheid").as_deref(),
        Some("anti_overheid")
    );
    assert_eq!(identifier_from("  Wij / Zij  ").as_deref(), Some("wij_zij"));
    assert_eq!(identifier_from("2 Posemo").as_deref(), Some("c_2_posemo"));
    assert_eq!(
        identifier_from("Ontmenselijking é").as_deref(),
        Some("ontmenselijking_e")
    );
    assert_eq!(identifier_from("!!!"), None);
}

#[test]
fn the_stub_declares_loadable_categories() {
    let stub = category_stub(&["a".into(), "b_c".into()]);
    let (categories, problems) =
        websense_lexicon::parse_categories(Path::new("categories.toml"), &stub);
    assert!(!has_errors(&problems), "{problems:#?}");
    let names: Vec<_> = categories.valid.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["a", "b_c"]);
}
