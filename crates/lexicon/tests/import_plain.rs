//! Issue 12 point 3 for the text formats: line endings, the warnings of a plain list, the
//! `+term` / `term+` required-affix convention, and the pointer from every written term back
//! to its input line.

mod common;

use std::path::Path;

use websense_lexicon::{
    import, import_file, ImportFormat, ImportOptions, Imported, LexiconSet, ProblemKind, Severity,
    TermKind,
};

fn options(format: ImportFormat, category: Option<&str>) -> ImportOptions {
    common::options(format, "lijst", category)
}

fn plain(input: &str) -> Imported {
    import(
        input,
        Path::new("dir/lijst.txt"),
        &options(ImportFormat::Plain, Some("haat")),
    )
    .unwrap()
}

use common::found;

fn load(imported: &Imported) -> LexiconSet {
    common::load(imported, "lijst.lex")
}

/// A list saved with classic Mac OS line endings: 178 words on "one line" that was reported
/// as one imported term with no problem at all.
#[test]
fn bare_cr_line_endings_are_line_breaks_with_a_warning() {
    let words: Vec<String> = (0..178).map(|i| format!("woord{i}")).collect();
    let input = words.join("\r") + "\r";
    let imported = plain(&input);
    assert_eq!(imported.terms, 178);
    assert_eq!(
        found(&imported.problems, ProblemKind::Suspicious),
        vec![(Severity::Warning, 0)]
    );
    assert!(imported.problems[0]
        .message
        .contains("178 line(s) end in a bare CR"));
    let set = load(&imported);
    let last = set.terms().last().unwrap();
    assert_eq!(last.normalized, "woord177");
    assert!(imported.text.contains("woord177  # lijst.txt:178\n"));
}

/// Classic Mac OS files are often not UTF-8 either (Mac Roman or windows-1252): converted,
/// with a warning for the encoding and one for the line endings, and no line lost.
#[test]
fn a_file_with_bare_cr_endings_that_is_not_utf8_is_converted_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oud.txt");
    std::fs::write(&path, b"goed\rcaf\xe9praat\rook goed\r").unwrap();
    let imported = import_file(&path, &options(ImportFormat::Plain, Some("haat"))).unwrap();
    assert!(found(&imported.problems, ProblemKind::NotUtf8).is_empty());
    assert_eq!(
        found(&imported.problems, ProblemKind::Suspicious),
        vec![(Severity::Warning, 0), (Severity::Warning, 0)]
    );
    assert_eq!(imported.problems.len(), 2, "{:#?}", imported.problems);
    assert_eq!(imported.terms, 3);
    assert!(
        imported.text.contains("cafépraat  # oud.txt:2\n"),
        "{}",
        imported.text
    );
    assert!(imported.text.contains("ook goed  # oud.txt:3\n"));
}

#[test]
fn crlf_line_endings_are_read_without_a_warning_and_keep_line_numbers() {
    let imported = plain("een\r\n\r\ntwee\r\n!!!\r\n");
    assert_eq!(imported.terms, 2);
    assert_eq!(
        found(&imported.problems, ProblemKind::TermNormalizesToNothing),
        vec![(Severity::Error, 4)]
    );
    assert_eq!(imported.problems.len(), 1, "{:#?}", imported.problems);
    assert!(!imported.text.contains('\r'));
    let tsv = import(
        "term\tcategory\r\nkartel\tcomplot\r\n",
        Path::new("t.tsv"),
        &options(ImportFormat::Tsv, None),
    )
    .unwrap();
    assert!(tsv.problems.is_empty(), "{:#?}", tsv.problems);
    let dic = import(
        "%\r1\tcomplot\r%\rkartel\t1\r",
        Path::new("t.dic"),
        &options(ImportFormat::Dic, None),
    )
    .unwrap();
    assert_eq!(dic.terms, 1);
    assert!(dic.text.contains("kartel  # t.dic:4\n"), "{}", dic.text);
}

#[test]
fn plain_lines_that_look_like_another_format_are_warned_about_with_their_line() {
    let input = "gewoon\n\
                 moslim, islam\n\
                 [\"wappie\", \"plandemie\"]\n\
                 volksverrader(s)?\n\
                 \\bhaat\\w+\n\
                 \"gelukzoeker\"\n\
                 - omvolking\n\
                 zelf-\n\
                 dit is een hele zin van meer dan zes woorden\n\
                 een twee drie vier vijf zes\n\
                 +moslim\n\
                 kut*\n\
                 auto's\n\
                 volksverrader\tanti_overheid\n\
                 jood;zionist\n";
    let imported = plain(input);
    let warned: Vec<usize> = found(&imported.problems, ProblemKind::Suspicious)
        .into_iter()
        .map(|(severity, line)| {
            assert_eq!(severity, Severity::Warning);
            line
        })
        .collect();
    assert_eq!(warned, vec![2, 3, 4, 5, 6, 7, 8, 9, 14, 15]);
    let message = |line: usize| {
        imported
            .problems
            .iter()
            .find(|p| p.location.line == line)
            .unwrap()
            .to_string()
    };
    assert!(message(2).starts_with("dir/lijst.txt:2: warning:"));
    assert!(message(2).contains("a comma"));
    assert!(message(3).contains("quotes (a JSON array?"));
    assert!(message(3).contains("brackets"));
    assert!(message(4).contains("regular expression syntax"));
    assert!(message(5).contains("regular expression syntax"));
    assert!(message(6).contains("quotes"));
    assert!(message(7).contains("leading or trailing `-`"));
    assert!(message(8).contains("leading or trailing `-`"));
    assert!(message(9).contains("10 words"));
    assert!(message(14).contains("a tab (a TSV row?"));
    assert!(message(15).contains("a semicolon (a CSV row?"));
    // Warned lines still import as written; the rest import quietly.
    assert!(
        imported
            .problems
            .iter()
            .all(|p| p.kind == ProblemKind::Suspicious),
        "{:#?}",
        imported.problems
    );
    assert_eq!(imported.terms, 15);
}

#[test]
fn required_prefix_convention_becomes_a_suffix_without_the_bare_word() {
    let imported = plain("+moslim\nhaat+\n*terrorist\n");
    assert!(imported.problems.is_empty(), "{:#?}", imported.problems);
    assert!(
        imported
            .text
            .contains("*moslim | | | moslim  # lijst.txt:1 +moslim\n"),
        "{}",
        imported.text
    );
    assert!(imported
        .text
        .contains("haat* | | | haat  # lijst.txt:2 haat+\n"));
    let set = load(&imported);
    let terms: Vec<_> = set
        .terms()
        .map(|t| {
            (
                t.normalized.as_str(),
                t.kind,
                t.exclusions_normalized.clone(),
            )
        })
        .collect();
    assert_eq!(
        terms,
        vec![
            ("moslim", TermKind::Suffix, vec!["moslim".to_string()]),
            ("haat", TermKind::Prefix, vec!["haat".to_string()]),
            ("terrorist", TermKind::Suffix, vec![]),
        ]
    );
}

#[test]
fn required_affix_in_tables_keeps_the_other_exclusions_and_refuses_what_it_cannot_say() {
    let input = "term\tcategory\texclusions\tkind\n\
                 +moslim\thaat\tgematigde moslim\t\n\
                 +nazi+\thaat\t\t\n\
                 +volk*\thaat\t\t\n\
                 elite+\thaat\t\tsuffix\n\
                 +\thaat\t\t\n";
    let imported = import(input, Path::new("t.tsv"), &options(ImportFormat::Tsv, None)).unwrap();
    let p = &imported.problems;
    assert_eq!(
        found(p, ProblemKind::ImportSyntax),
        vec![(Severity::Error, 3), (Severity::Error, 4)]
    );
    assert!(p[0].message.contains("both before and after"), "{p:#?}");
    assert_eq!(
        found(p, ProblemKind::KindContradictsStars),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(
        found(p, ProblemKind::TermNormalizesToNothing),
        vec![(Severity::Error, 6)]
    );
    let set = load(&imported);
    let moslim = set.terms().next().unwrap();
    assert_eq!(moslim.kind, TermKind::Suffix);
    assert_eq!(
        moslim.exclusions_normalized,
        vec!["gematigde moslim", "moslim"]
    );
}

#[test]
fn every_written_term_points_at_its_input_line() {
    let imported = plain("# kop\n\nvolksverrader*\n\ngrote vervanging # notitie\n");
    let term_lines: Vec<&str> = imported
        .text
        .lines()
        .skip_while(|l| !l.starts_with('['))
        .skip(1)
        .collect();
    assert_eq!(
        term_lines,
        vec![
            "volksverrader*  # lijst.txt:3",
            "grote vervanging  # lijst.txt:5"
        ]
    );
}
