//! Loading lexicon directories: formats, defaults, every problem kind, versions.

use std::path::Path;

use websense_lexicon::{
    check_dir, has_errors, LexiconSet, LoadError, MatchOptions, Problem, ProblemKind, Severity,
    TermKind,
};

const CATEGORIES: &str = r#"
[anti_overheid]
label = "Anti-overheid"
description = "Wantrouwen van de overheid."
threshold = 4.0

[complot]
label = "Complot"
description = "Complotdenken."
threshold = 3
"#;

fn write_dir(categories: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("categories.toml"), categories).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn load(categories: &str, files: &[(&str, &str)]) -> (LexiconSet, Vec<Problem>) {
    let dir = write_dir(categories, files);
    LexiconSet::load_dir(dir.path()).unwrap()
}

/// Load one `.lex` file with the standard categories; problems other than the warning for
/// a category left without terms (tested on its own).
fn load_lex(text: &str) -> (LexiconSet, Vec<Problem>) {
    let (set, mut problems) = load(CATEGORIES, &[("test.lex", text)]);
    problems.retain(|p| p.kind != ProblemKind::UnusedCategory);
    (set, problems)
}

fn lex(body: &str) -> String {
    format!("name: test\nlanguages: nl\n\n{body}")
}

/// The problems of `kind`, as (severity, line).
fn found(problems: &[Problem], kind: ProblemKind) -> Vec<(Severity, usize)> {
    problems
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| (p.severity, p.location.line))
        .collect()
}

fn terms(set: &LexiconSet) -> Vec<(&str, TermKind, f64)> {
    set.terms()
        .map(|t| (t.normalized.as_str(), t.kind, t.weight))
        .collect()
}

#[test]
fn loads_terms_with_glob_kinds_and_defaults() {
    let (set, problems) = load_lex(&lex("[anti_overheid]\n\
         Volksverrader*  | 3   # prefix\n\
         *terrorist*     | 2.5\n\
         *moslim\n\
         elite\n\
         Grote  Vervanging!\n\
         covid-19\n\
         kartel          | 2 | prefix\n\
         grote vervang*\n"));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        terms(&set),
        vec![
            ("volksverrader", TermKind::Prefix, 3.0),
            ("terrorist", TermKind::Infix, 2.5),
            ("moslim", TermKind::Suffix, 1.0),
            ("elite", TermKind::Word, 1.0),
            ("grote vervanging", TermKind::Phrase, 1.0),
            ("covid 19", TermKind::Phrase, 1.0),
            ("kartel", TermKind::Prefix, 2.0),
            ("grote vervang", TermKind::Prefix, 1.0),
        ]
    );
    let first = set.terms().next().unwrap();
    assert_eq!(first.text, "Volksverrader");
    assert_eq!(first.category, "anti_overheid");
    assert_eq!(first.location.line, 5);
    assert!(first.location.file.ends_with("test.lex"));
    let lexicon = &set.lexicons[0];
    assert_eq!(lexicon.name, "test");
    assert_eq!(lexicon.languages, vec!["nl"]);
    assert_eq!(set.category("complot").unwrap().threshold, 3.0);
    assert_eq!(
        set.categories[0].name, "anti_overheid",
        "declaration order kept"
    );
    assert!(set.version.starts_with("lx-") && set.version.len() == 15);
}

#[test]
fn exclusions_are_kept_as_written_and_normalised() {
    let (set, problems) = load_lex(&lex(
        "[anti_overheid]\nkill | 1 | | Kill time; kill switch ;\nnazi* | 2 | | Grammar-Nazi's\n",
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    let kill = set.terms().next().unwrap();
    assert_eq!(kill.exclusions, vec!["Kill time", "kill switch"]);
    assert_eq!(kill.exclusions_normalized, vec!["kill time", "kill switch"]);
    let nazi = set.terms().nth(1).unwrap();
    assert_eq!(nazi.exclusions_normalized, vec!["grammar nazi s"]);
}

#[test]
fn comments_blank_lines_and_hash_inside_words() {
    let (set, problems) = load_lex(
        "# a file comment\n\nname: test # trailing\nlanguages: nl, en\n[complot] # section note\n\
         c# | 2\n   # indented comment\nplandemie\t# tab before comment\n",
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        terms(&set),
        vec![
            ("c", TermKind::Word, 2.0),
            ("plandemie", TermKind::Word, 1.0)
        ]
    );
    assert_eq!(set.lexicons[0].languages, vec!["nl", "en"]);
}

#[test]
fn problem_display_is_file_line_severity_message() {
    let (_, problems) = load_lex(&lex("[anti_overheid]\n!!!\n"));
    assert_eq!(problems.len(), 1);
    let shown = problems[0].to_string();
    assert!(
        shown.ends_with("test.lex:5: error: `!!!` has no letters or digits, so it can never match"),
        "{shown}"
    );
}

#[test]
fn empty_term() {
    let (set, problems) = load_lex(&lex("[complot]\n | 2\n*\n**\nok\n"));
    assert_eq!(
        found(&problems, ProblemKind::EmptyTerm),
        vec![
            (Severity::Error, 5),
            (Severity::Error, 6),
            (Severity::Error, 7)
        ]
    );
    assert_eq!(
        terms(&set),
        vec![("ok", TermKind::Word, 1.0)],
        "the rest loads"
    );
}

#[test]
fn term_that_normalises_to_nothing() {
    let (set, problems) = load_lex(&lex("[complot]\n🙂🙂\n?!*\nok\n"));
    assert_eq!(
        found(&problems, ProblemKind::TermNormalizesToNothing),
        vec![(Severity::Error, 5), (Severity::Error, 6)]
    );
    assert_eq!(set.terms().count(), 1);
}

#[test]
fn stars_inside_or_detached() {
    let (set, problems) = load_lex(&lex("[complot]\nvolks*verrader\n***x\n* los\nok*\n"));
    assert_eq!(
        found(&problems, ProblemKind::BadStars),
        vec![
            (Severity::Error, 5),
            (Severity::Error, 6),
            (Severity::Error, 7)
        ]
    );
    assert_eq!(terms(&set), vec![("ok", TermKind::Prefix, 1.0)]);
}

#[test]
fn bad_weights() {
    let (set, problems) = load_lex(&lex(
        "[complot]\na | 1,5\nb | veel\nc | -1\nd | 0\ne | 11\nf | NaN\ng | inf\nh | 10\n",
    ));
    assert_eq!(
        found(&problems, ProblemKind::BadWeight),
        (5..=11).map(|l| (Severity::Error, l)).collect::<Vec<_>>()
    );
    assert!(problems[0].message.contains("decimal point"));
    assert_eq!(terms(&set), vec![("h", TermKind::Word, 10.0)]);
}

#[test]
fn unknown_kind() {
    let (set, problems) = load_lex(&lex("[complot]\na | 1 | wildcard\nb | 1 | Prefix\n"));
    assert_eq!(
        found(&problems, ProblemKind::UnknownKind),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(terms(&set), vec![("b", TermKind::Prefix, 1.0)]);
}

#[test]
fn kind_contradicting_stars_or_words() {
    let (set, problems) = load_lex(&lex(
        "[complot]\nvolksverrader* | 2 | word\n*kartel* | 1 | prefix\ngrote vervanging | 1 | word\n\
         elite | 1 | phrase\n*moslim | 1 | suffix\ndeep state | 1 | phrase\n",
    ));
    assert_eq!(
        found(&problems, ProblemKind::KindContradictsStars),
        (5..=8).map(|l| (Severity::Error, l)).collect::<Vec<_>>()
    );
    assert_eq!(
        terms(&set),
        vec![
            ("moslim", TermKind::Suffix, 1.0),
            ("deep state", TermKind::Phrase, 1.0)
        ]
    );
}

#[test]
fn every_problem_of_one_line_is_reported() {
    let (set, problems) = load_lex(&lex("[complot]\nvolks*verrader | zwaar | soort\n"));
    let kinds: Vec<ProblemKind> = problems.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ProblemKind::BadWeight,
            ProblemKind::UnknownKind,
            ProblemKind::BadStars
        ]
    );
    assert!(problems.iter().all(|p| p.location.line == 5));
    assert_eq!(set.terms().count(), 0);
}

#[test]
fn too_many_fields() {
    let (set, problems) = load_lex(&lex("[complot]\na | 1 | word | a b | +fuzzy | extra\nb\n"));
    assert_eq!(
        found(&problems, ProblemKind::TooManyFields),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(set.terms().count(), 1);
}

#[test]
fn exclusion_problems() {
    let (set, problems) = load_lex(&lex(
        "[complot]\nkill | 1 | | !!!\nkill | 1 | | skill set\nelite | 1 | | ELITE\n\
         nazi* | 1 | | nazi\nterror* | 1 | | kill time\n*nazi* | 1 | | feminazi\n",
    ));
    assert_eq!(
        found(&problems, ProblemKind::ExclusionNormalizesToNothing),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(
        found(&problems, ProblemKind::ExclusionWithoutTerm),
        vec![(Severity::Error, 6), (Severity::Error, 9)]
    );
    assert_eq!(
        found(&problems, ProblemKind::ExclusionCancelsTerm),
        vec![(Severity::Error, 7)]
    );
    assert_eq!(
        terms(&set),
        vec![
            ("nazi", TermKind::Prefix, 1.0),
            ("nazi", TermKind::Infix, 1.0)
        ],
        "a prefix may exclude its bare word; an infix may exclude a longer word"
    );
}

#[test]
fn duplicates_merge_conflicts_error_overlaps_warn() {
    let (set, problems) = load(
        CATEGORIES,
        &[
            (
                "a.lex",
                &lex("[complot]\nplandemie | 2 | | plandemie film\nelite\n"),
            ),
            (
                "b.lex",
                "name: b\nlanguages: nl\n[complot]\nPlandemie | 2 | | plandemie boek\n\
                 plandemie | 3\nelite*\n[anti_overheid]\nelite\n",
            ),
        ],
    );
    assert_eq!(
        found(&problems, ProblemKind::DuplicateTerm),
        vec![(Severity::Warning, 4)]
    );
    assert_eq!(
        found(&problems, ProblemKind::ConflictingWeight),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(
        found(&problems, ProblemKind::OverlappingTerms),
        vec![(Severity::Warning, 6)]
    );
    let conflict = problems
        .iter()
        .find(|p| p.kind == ProblemKind::ConflictingWeight)
        .unwrap();
    assert!(conflict.location.file.ends_with("b.lex"));
    assert!(conflict.message.contains("a.lex:5"), "{}", conflict.message);
    let plandemie: Vec<_> = set
        .terms()
        .filter(|t| t.normalized == "plandemie")
        .collect();
    assert_eq!(plandemie.len(), 1, "merged and dropped");
    assert_eq!(plandemie[0].weight, 2.0);
    assert_eq!(
        plandemie[0].exclusions_normalized,
        vec!["plandemie film", "plandemie boek"]
    );
    assert_eq!(
        set.terms().filter(|t| t.normalized == "elite").count(),
        3,
        "the overlap loads; the same term in another category is no duplicate"
    );
}

#[test]
fn unknown_category() {
    let (set, problems) = load_lex(&lex("[complot]\na\n[vreemd]\nb\n!!!\n[anti_overheid]\nc\n"));
    assert_eq!(
        found(&problems, ProblemKind::UnknownCategory),
        vec![(Severity::Error, 6)]
    );
    assert_eq!(
        found(&problems, ProblemKind::TermNormalizesToNothing),
        vec![(Severity::Error, 8)],
        "terms under an unknown section are still checked"
    );
    assert_eq!(
        set.terms()
            .map(|t| t.normalized.as_str())
            .collect::<Vec<_>>(),
        vec!["a", "c"]
    );
}

#[test]
fn malformed_section_lines() {
    let (set, problems) = load_lex(&lex("[complot\nx\n[Complot]\ny\n[]\n[complot]\nz\n"));
    assert_eq!(
        found(&problems, ProblemKind::BadSection),
        vec![
            (Severity::Error, 4),
            (Severity::Error, 6),
            (Severity::Error, 8)
        ]
    );
    assert_eq!(terms(&set), vec![("z", TermKind::Word, 1.0)]);
}

#[test]
fn malformed_headers() {
    let (set, problems) = load_lex(
        "name: test\nname: again\nlanguages: nl, Dutch\nauthor: me\nvolksverrader | 2\n\
         languages:\nname: twee woorden\n[complot]\nok\n",
    );
    assert_eq!(
        found(&problems, ProblemKind::BadHeader),
        (2..=7).map(|l| (Severity::Error, l)).collect::<Vec<_>>()
    );
    assert_eq!(set.lexicons[0].name, "test");
    assert_eq!(set.terms().count(), 1);
}

#[test]
fn missing_name_and_languages() {
    let (set, problems) = load_lex("[complot]\nok\n");
    assert_eq!(
        found(&problems, ProblemKind::MissingName),
        vec![(Severity::Error, 0)]
    );
    assert_eq!(
        found(&problems, ProblemKind::MissingLanguages),
        vec![(Severity::Warning, 0)]
    );
    assert!(problems[0]
        .to_string()
        .contains("test.lex: error: no `name:`"));
    assert_eq!(
        set.lexicons[0].name, "test",
        "named after the file meanwhile"
    );
    assert_eq!(set.terms().count(), 1);
}

#[test]
fn duplicate_lexicon_names() {
    let (set, problems) = load(
        CATEGORIES,
        &[
            ("a.lex", &lex("[complot]\na\n")),
            ("b.lex", &lex("[complot]\nb\n")),
        ],
    );
    assert_eq!(
        found(&problems, ProblemKind::DuplicateLexiconName),
        vec![(Severity::Error, 0)]
    );
    let duplicate = problems
        .iter()
        .find(|p| p.kind == ProblemKind::DuplicateLexiconName)
        .unwrap();
    assert!(duplicate.location.file.ends_with("b.lex"));
    assert_eq!(set.terms().count(), 2);
}

#[test]
fn lines_that_are_not_utf8() {
    let dir = write_dir(CATEGORIES, &[]);
    let mut bytes = lex("[complot]\n").into_bytes();
    bytes.extend_from_slice(b"caf\xe9\nok\n");
    std::fs::write(dir.path().join("x.lex"), bytes).unwrap();
    let (set, problems) = LexiconSet::load_dir(dir.path()).unwrap();
    assert_eq!(
        found(&problems, ProblemKind::NotUtf8),
        vec![(Severity::Error, 5)]
    );
    assert_eq!(terms(&set), vec![("ok", TermKind::Word, 1.0)]);
}

#[test]
fn toml_syntax_error_has_its_line() {
    let (_, problems) = load(
        "[a]\nlabel = \"A\"\ndescription = \"d\"\nthreshold = 1\n\n[b]\nlabel = \"B\nthreshold = 2\n",
        &[],
    );
    let syntax = found(&problems, ProblemKind::TomlSyntax);
    assert!(!syntax.is_empty());
    assert!(
        syntax.iter().all(|&(s, l)| s == Severity::Error && l >= 7),
        "{problems:#?}"
    );
}

#[test]
fn category_declaration_problems() {
    let (set, problems) = load(
        "top = 1\n\
         [Hoofdletter]\nlabel = \"x\"\ndescription = \"d\"\nthreshold = 1\n\
         [zonder_drempel]\nlabel = \"x\"\ndescription = \"d\"\n\
         [slechte_drempel]\nlabel = \"x\"\ndescription = \"d\"\nthreshold = -2\n\
         [tekst_drempel]\nlabel = \"x\"\ndescription = \"d\"\nthreshold = \"4\"\n\
         [zonder_label]\ndescription = \"d\"\nthreshold = 1\n\
         [label_getal]\nlabel = 3\ndescription = \"d\"\nthreshold = 1\n\
         [zonder_beschrijving]\nlabel = \"x\"\nthreshold = 1\n\
         [tikfout]\nlabel = \"x\"\ndescription = \"d\"\nthreshold = 1\ntreshold = 2\n",
        &[(
            "t.lex",
            "name: t\nlanguages: nl\n[zonder_drempel]\nvolksverrader\n[zonder_beschrijving]\nelite\n[tikfout]\nwef\n",
        )],
    );
    let expect = |kind, lines: Vec<(Severity, usize)>| {
        assert_eq!(found(&problems, kind), lines, "{kind:?}: {problems:#?}");
    };
    use Severity::{Error, Warning};
    expect(ProblemKind::NotATable, vec![(Error, 1)]);
    expect(ProblemKind::BadCategoryName, vec![(Error, 2)]);
    expect(ProblemKind::MissingThreshold, vec![(Error, 6)]);
    expect(ProblemKind::BadThreshold, vec![(Error, 12), (Error, 16)]);
    expect(ProblemKind::MissingLabel, vec![(Error, 17), (Error, 20)]);
    expect(ProblemKind::BadCategoryField, vec![(Error, 21)]);
    expect(ProblemKind::MissingDescription, vec![(Warning, 24)]);
    expect(ProblemKind::UnknownCategoryField, vec![(Warning, 31)]);
    assert!(
        found(&problems, ProblemKind::UnknownCategory).is_empty(),
        "a section of a declared category in error is not reported again"
    );
    let names: Vec<_> = set.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["zonder_beschrijving", "tikfout"]);
    assert_eq!(
        set.terms()
            .map(|t| t.normalized.as_str())
            .collect::<Vec<_>>(),
        vec!["elite", "wef"]
    );
}

#[test]
fn empty_directory_and_unused_categories_warn() {
    let (_, problems) = load(CATEGORIES, &[]);
    assert_eq!(
        found(&problems, ProblemKind::NoLexicons),
        vec![(Severity::Warning, 0)]
    );
    let (_, problems) = load(CATEGORIES, &[("test.lex", &lex("[complot]\na\n"))]);
    assert_eq!(
        found(&problems, ProblemKind::UnusedCategory),
        vec![(Severity::Warning, 0)]
    );
    assert!(problems[0].message.contains("anti_overheid"));
    assert!(!has_errors(&problems));
}

#[test]
fn load_errors_only_for_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        LexiconSet::load_dir(dir.path()),
        Err(LoadError::NoCategories { .. })
    ));
    let missing = dir.path().join("nope");
    assert!(matches!(
        LexiconSet::load_dir(&missing),
        Err(LoadError::ReadDir { .. })
    ));
    let problems = check_dir(&missing);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::Unreadable);
    assert!(has_errors(&problems));
}

#[test]
fn only_lex_files_directly_in_the_directory_are_read() {
    let dir = write_dir(
        CATEGORIES,
        &[
            ("a.lex", &lex("[complot]\na\n")),
            ("notes.txt", "[complot]\nb\n"),
        ],
    );
    std::fs::create_dir(dir.path().join("old.lex")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/c.lex"), lex("[complot]\nc\n")).unwrap();
    let (set, _) = LexiconSet::load_dir(dir.path()).unwrap();
    assert_eq!(set.lexicons.len(), 1);
    assert_eq!(set.terms().count(), 1);
}

fn version(categories: &str, text: &str) -> String {
    load(categories, &[("v.lex", text)]).0.version
}

#[test]
fn version_follows_meaning_not_layout() {
    let base = version(
        CATEGORIES,
        &lex("[complot]\nplandemie | 2\nwappie\n[anti_overheid]\nkartel*\n"),
    );
    let same = [
        // comments, blank lines, spacing, spelling that normalises alike, order, default fields
        version(
            CATEGORIES,
            "# new comment\nname: test\nlanguages: nl\n[anti_overheid]\n  kartel*  # x\n\n[complot]\nWAPPIE | 1\nPlandemie | 2.0 | word\n",
        ),
        // a different lexicon name and language, or another file split
        version(CATEGORIES, "name: other\nlanguages: en\n[complot]\nplandemie | 2\nwappie\n[anti_overheid]\nkartel*\n"),
        // label and description
        version(
            &CATEGORIES.replace("Complotdenken.", "Iets anders.").replace("\"Complot\"", "\"Samenzwering\""),
            &lex("[complot]\nplandemie | 2\nwappie\n[anti_overheid]\nkartel*\n"),
        ),
    ];
    for v in same {
        assert_eq!(v, base);
    }
    let different = [
        version(
            CATEGORIES,
            &lex("[complot]\nplandemie | 2.5\nwappie\n[anti_overheid]\nkartel*\n"),
        ),
        version(
            CATEGORIES,
            &lex("[complot]\nplandemie | 2\nwappie*\n[anti_overheid]\nkartel*\n"),
        ),
        version(
            CATEGORIES,
            &lex("[complot]\nplandemie | 2\nwappie | | | wappie vrij\n[anti_overheid]\nkartel*\n"),
        ),
        version(
            CATEGORIES,
            &lex("[complot]\nplandemie | 2\nwappie\n[complot]\nkartel*\n"),
        ),
        version(
            CATEGORIES,
            &lex("[complot]\nplandemie | 2\n[anti_overheid]\nkartel*\n"),
        ),
        version(
            &CATEGORIES.replace("threshold = 3", "threshold = 3.5"),
            &lex("[complot]\nplandemie | 2\nwappie\n[anti_overheid]\nkartel*\n"),
        ),
    ];
    for v in different {
        assert_ne!(v, base);
    }
}

#[test]
fn from_sources_reports_under_the_given_paths() {
    let (set, problems) = LexiconSet::from_sources(
        Path::new("mem/categories.toml"),
        CATEGORIES,
        &[(Path::new("mem/x.lex"), &lex("[complot]\nwappie\n???\n"))],
    );
    assert_eq!(set.terms().count(), 1);
    assert!(problems.iter().any(|p| p.to_string()
        == "mem/x.lex:6: error: `???` has no letters or digits, so it can never match"));
}

#[test]
fn matching_options_by_category_lexicon_and_line() {
    let categories =
        "[complot]\nlabel = \"C\"\ndescription = \"d\"\nthreshold = 4\nmatching = \"+fuzzy\"\n\
                      fuzzy_weight = 0.25\ncontext_weight = 0.75\n\
                      [dreiging]\nlabel = \"D\"\ndescription = \"d\"\nthreshold = 3\n";
    let text = "name: a\nmatching: -squeeze\n[complot]\neen\ntwee | | | | -fuzzy +emoji\n[dreiging]\ndrie\nvier | | | | none\n";
    let (set, problems) = load(categories, &[("a.lex", text)]);
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    let c = set.category("complot").unwrap();
    assert_eq!((c.fuzzy_weight, c.context_weight), (0.25, 0.75));
    assert!(c.matching.contains(MatchOptions::FUZZY));
    let of = |t: &str| set.terms().find(|x| x.text == t).unwrap().matching;
    assert_eq!(
        of("een"),
        MatchOptions::DEFAULT
            .union(MatchOptions::FUZZY)
            .without(MatchOptions::SQUEEZE)
    );
    assert_eq!(
        of("twee"),
        MatchOptions::DEFAULT
            .union(MatchOptions::EMOJI)
            .without(MatchOptions::SQUEEZE)
    );
    assert_eq!(
        of("drie"),
        MatchOptions::DEFAULT.without(MatchOptions::SQUEEZE)
    );
    assert_eq!(of("vier"), MatchOptions::NONE);
    // options change the version; defaults leave it alone
    let (plain, _) = load(
        categories.replace("matching = \"+fuzzy\"\n", "").as_str(),
        &[("a.lex", "name: a\n[complot]\neen\n")],
    );
    let (same, _) = load(
        categories
            .replace("matching = \"+fuzzy\"\n", "matching = \"default\"\n")
            .as_str(),
        &[("a.lex", "name: a\n[complot]\neen\n")],
    );
    assert_eq!(plain.version, same.version);
    assert_ne!(plain.version, set.version);

    let bad = "name: a\nmatching: +fuzy\n[complot]\neen | | | | -squeze\n";
    let (_, problems) = load(categories, &[("a.lex", bad)]);
    assert_eq!(found(&problems, ProblemKind::BadHeader), vec![]);
    assert_eq!(
        found(&problems, ProblemKind::UnknownMatchingOption),
        vec![(Severity::Error, 2), (Severity::Error, 4)]
    );
    let (_, problems) = load(&categories.replace("0.25", "2"), &[("a.lex", "name: a\n")]);
    assert_eq!(found(&problems, ProblemKind::BadCategoryField).len(), 1);
}

/// A `.lex` file and `categories.toml` saved with classic Mac OS line endings load line by
/// line (with a warning each), not as one line holding everything.
#[test]
fn bare_cr_files_load_line_by_line_with_a_warning() {
    let categories = CATEGORIES.replace('\n', "\r");
    let text = lex("[complot]\nplandemie | 3\ngreat reset | 2\n\n[anti_overheid]\ndictatuur\n")
        .replace('\n', "\r");
    let (set, mut problems) = load(&categories, &[("test.lex", &text)]);
    problems.retain(|p| p.kind != ProblemKind::UnusedCategory);
    assert_eq!(
        terms(&set),
        vec![
            ("plandemie", TermKind::Word, 3.0),
            ("great reset", TermKind::Phrase, 2.0),
            ("dictatuur", TermKind::Word, 1.0),
        ]
    );
    assert_eq!(set.categories.len(), 2);
    assert_eq!(
        found(&problems, ProblemKind::Suspicious),
        vec![(Severity::Warning, 0), (Severity::Warning, 0)],
        "{problems:#?}"
    );
    assert!(!has_errors(&problems), "{problems:#?}");
    let great_reset = set.terms().find(|t| t.text == "great reset").unwrap();
    assert_eq!(great_reset.location.line, 6);
}
