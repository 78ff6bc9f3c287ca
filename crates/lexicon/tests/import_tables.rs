//! Issue 12 point 3 for tables: CSV (a header row, or one category per row), and the
//! `--column` mapping of TSV and CSV headers.

mod common;

use std::path::Path;

use websense_lexicon::{
    import, parse_column, ImportError, ImportFormat, ImportOptions, Imported, ProblemKind,
    Severity, TermKind,
};

fn options(format: ImportFormat, category: Option<&str>, columns: &[&str]) -> ImportOptions {
    ImportOptions {
        category: category.map(str::to_string),
        languages: vec!["nl".into()],
        columns: columns.iter().map(|c| parse_column(c).unwrap()).collect(),
        ..ImportOptions::new(format, "tabel")
    }
}

fn run(input: &str, options: &ImportOptions) -> Imported {
    import(input, Path::new("tabel.csv"), options).unwrap()
}

use common::found;

fn terms(imported: &Imported) -> Vec<(String, String, TermKind, f64, Vec<String>)> {
    common::load(imported, "tabel.lex")
        .terms()
        .map(|t| {
            (
                t.category.clone(),
                t.normalized.clone(),
                t.kind,
                t.weight,
                t.exclusions_normalized.clone(),
            )
        })
        .collect()
}

#[test]
fn csv_with_a_header_and_proper_quoting() {
    let input = "Term,Category,Weight,Exclusions,Bron\n\
                 volksverrader*,Anti-Overheid,3,,krant\n\
                 \"kill\",dreiging,,\"kill time; kill switch\",x\n\
                 \"landverraders, allemaal\",anti overheid,2,,\"met \"\"quotes\"\"\"\n\
                 \"over\ntwee regels\",complot,,,\n\
                 \n\
                 +moslim,haat,,,\n\
                 gedrocht,haat,\"2,5\",,\n";
    let imported = run(input, &options(ImportFormat::Csv, None, &[]));
    assert_eq!(
        found(&imported.problems, ProblemKind::BadWeight),
        vec![(Severity::Error, 9)],
        "the row after a quoted line break starts on line 9: {:#?}",
        imported.problems
    );
    assert_eq!(imported.problems.len(), 1, "{:#?}", imported.problems);
    let t = |c: &str, n: &str, k, w, x: &[&str]| {
        (
            c.to_string(),
            n.to_string(),
            k,
            w,
            x.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        terms(&imported),
        vec![
            t("anti_overheid", "volksverrader", TermKind::Prefix, 3.0, &[]),
            t(
                "anti_overheid",
                "landverraders allemaal",
                TermKind::Phrase,
                2.0,
                &[]
            ),
            t(
                "dreiging",
                "kill",
                TermKind::Word,
                1.0,
                &["kill time", "kill switch"]
            ),
            t("complot", "over twee regels", TermKind::Phrase, 1.0, &[]),
            t("haat", "moslim", TermKind::Suffix, 1.0, &["moslim"]),
        ]
    );
    assert!(
        imported
            .text
            .contains("*moslim | | | moslim  # tabel.csv:8 +moslim\n"),
        "{}",
        imported.text
    );
}

#[test]
fn csv_with_one_category_per_row() {
    let input = "Anti-Overheid,volksverrader*,\"kartel, partij\",elite\n\
                 complot,plandemie,,wappie\n\
                 ,weesje\n\
                 Leeg\n\
                 complot,Plandemie\n";
    let imported = run(input, &options(ImportFormat::Csv, None, &[]));
    let p = &imported.problems;
    assert_eq!(
        found(p, ProblemKind::BadCategoryName),
        vec![(Severity::Error, 3)]
    );
    assert_eq!(
        found(p, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 4)]
    );
    assert_eq!(
        found(p, ProblemKind::DuplicateTerm),
        vec![(Severity::Warning, 5)]
    );
    assert_eq!(p.len(), 3, "{p:#?}");
    let normalized: Vec<(String, String)> = terms(&imported)
        .into_iter()
        .map(|(c, n, ..)| (c, n))
        .collect();
    let t = |c: &str, n: &str| (c.to_string(), n.to_string());
    assert_eq!(
        normalized,
        vec![
            t("anti_overheid", "volksverrader"),
            t("anti_overheid", "kartel partij"),
            t("anti_overheid", "elite"),
            t("complot", "plandemie"),
            t("complot", "wappie"),
        ]
    );
    // Rows that name their category leave no room for --category.
    let imported = run(
        "complot,plandemie\n",
        &options(ImportFormat::Csv, Some("haat"), &[]),
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 1)]
    );
    assert!(imported.problems[0]
        .message
        .contains("--category haat does not apply"));
}

#[test]
fn csv_from_a_dutch_spreadsheet_uses_semicolons() {
    let input = "term;categorie;weight\r\nvolksverrader;Anti-Overheid;2.5\r\n";
    let imported = run(
        input,
        &options(ImportFormat::Csv, None, &["category=categorie"]),
    );
    assert!(imported.problems.is_empty(), "{:#?}", imported.problems);
    assert_eq!(terms(&imported)[0].3, 2.5);
}

/// A term column called `lemma` was refused with a message that did not mention it.
#[test]
fn a_header_without_a_term_column_names_its_columns_and_the_mapping() {
    for format in [ImportFormat::Tsv, ImportFormat::Csv] {
        let input = match format {
            ImportFormat::Tsv => "lemma\tcategory\nvolksverrader\tcomplot\n",
            _ => "lemma,category\nvolksverrader,complot\n",
        };
        let imported = run(input, &options(format, None, &[]));
        assert_eq!(
            found(&imported.problems, ProblemKind::ImportSyntax),
            vec![(Severity::Error, 1)],
            "{format:?}"
        );
        let message = &imported.problems[0].message;
        assert!(message.contains("columns `lemma`, `category`"), "{message}");
        assert!(message.contains("--column term=lemma"), "{message}");
        assert_eq!(imported.terms, 0);

        let imported = run(input, &options(format, None, &["term=lemma"]));
        assert!(imported.problems.is_empty(), "{:#?}", imported.problems);
        assert_eq!(terms(&imported)[0].1, "volksverrader");
    }
}

#[test]
fn column_mappings_are_checked() {
    let imported = run(
        "lemma\tcategory\nx\ty\n",
        &options(ImportFormat::Tsv, None, &["term=Woord"]),
    );
    assert_eq!(
        found(&imported.problems, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 1)]
    );
    assert!(imported.problems[0]
        .message
        .contains("--column term=woord: the header has no column `woord`"));
    // Mapped names are case-insensitive and the mapping is the column's only name.
    let imported = run(
        "Lemma\tTerm\tcategory\nvolk\tnee\tc\n",
        &options(ImportFormat::Tsv, None, &["term=LEMMA"]),
    );
    assert_eq!(terms(&imported)[0].1, "volk");
    for bad in ["lemma", "woord=lemma", "term=", "=lemma"] {
        assert!(
            matches!(parse_column(bad), Err(ImportError::BadColumn(_))),
            "{bad}"
        );
    }
    let mut plain = options(ImportFormat::Plain, Some("c"), &["term=lemma"]);
    assert!(matches!(
        import("x\n", Path::new("x"), &plain),
        Err(ImportError::ColumnsNotApplicable(ImportFormat::Plain))
    ));
    plain.columns.clear();
    assert!(import("x\n", Path::new("x"), &plain).is_ok());
}
