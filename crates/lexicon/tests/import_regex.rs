//! Issue 12 point 3 for regex dictionaries: bounded expressions expanded into literal terms
//! (with the count per line), unbounded ones refused naming the construct, and the cap.

use std::path::Path;

use websense_lexicon::{
    category_stub, import, ImportFormat, ImportOptions, Imported, LexiconSet, ProblemKind,
    Severity, TermKind, DEFAULT_MAX_LITERALS,
};

fn options() -> ImportOptions {
    ImportOptions {
        category: Some("haat".into()),
        languages: vec!["nl".into()],
        ..ImportOptions::new(ImportFormat::Regex, "regels")
    }
}

fn run(input: &str) -> Imported {
    import(input, Path::new("regels.txt"), &options()).unwrap()
}

/// The loaded terms as globs (`*moslim`), each with its exclusions.
fn globs(imported: &Imported) -> Vec<String> {
    let (set, problems) = LexiconSet::from_sources(
        Path::new("categories.toml"),
        &category_stub(&imported.categories),
        &[(Path::new("regels.lex"), &imported.text)],
    );
    assert!(problems.is_empty(), "{}\n{problems:#?}", imported.text);
    set.terms()
        .map(|t| {
            let glob = websense_lexicon::render_glob(&t.normalized, t.kind);
            match t.exclusions_normalized.as_slice() {
                [] => glob,
                x => format!("{glob} -{}", x.join(",")),
            }
        })
        .collect()
}

/// (line, literals) of each expanded line.
fn counts(imported: &Imported) -> Vec<(usize, usize)> {
    imported
        .expansions
        .iter()
        .map(|e| (e.line, e.literals))
        .collect()
}

#[test]
fn bounded_expressions_expand_into_their_terms() {
    let input = "# een regex per regel\n\
                 volksverrader(s)?\n\
                 (landver|volksver)rader\n\
                 omvolk(ing|en)\n\
                 ge[wv]eld\n\
                 \n\
                 l[aeo]{1,2}f\n\
                 (?i)Kartel\n\
                 hel{2}\n\
                 grote (vervanging|omvolking)\n";
    let imported = run(input);
    let problems: Vec<_> = imported
        .problems
        .iter()
        .map(|p| (p.severity, p.kind, p.location.line))
        .collect();
    assert_eq!(
        problems,
        vec![(Severity::Warning, ProblemKind::DuplicateTerm, 3)],
        "`volksverrader` of line 3 is line 2's"
    );
    assert_eq!(
        counts(&imported),
        vec![
            (2, 2),
            (3, 2),
            (4, 2),
            (5, 2),
            (7, 12),
            (8, 1),
            (9, 1),
            (10, 2)
        ]
    );
    assert_eq!(imported.terms, 23);
    let globs = globs(&imported);
    assert_eq!(
        globs[..8],
        [
            "volksverrader",
            "volksverraders",
            "landverrader",
            "omvolking",
            "omvolken",
            "geveld",
            "geweld",
            "laf"
        ]
    );
    assert!(globs.contains(&"kartel".to_string()));
    assert!(globs.contains(&"hell".to_string()));
    assert!(globs.contains(&"grote omvolking".to_string()));
    assert!(imported
        .text
        .contains("volksverraders  # regels.txt:2 volksverrader(s)?\n"));
}

#[test]
fn anchors_at_the_ends_are_dropped_and_word_runs_at_the_ends_are_globs() {
    let imported = run("^islam$\n\\bhaat\\w*\n\\w*terrorist\\w*\n\\w+moslim\\b\nrot\\w+\n");
    assert!(imported.problems.is_empty(), "{:#?}", imported.problems);
    assert_eq!(
        globs(&imported),
        vec![
            "islam",
            "haat*",
            "*terrorist*",
            "*moslim -moslim",
            "rot* -rot"
        ]
    );
}

#[test]
fn unbounded_and_meaningless_constructs_are_refused_naming_them() {
    let input = "haat.*\n\
                 ha+t\n\
                 volk{2,}\n\
                 [^a]eld\n\
                 \\d{4}\n\
                 a\\bb\n\
                 moslim\\w*haat\n\
                 (a|b\n\
                 \\Bhaat\n\
                 goed\n\
                 hel\\w\n";
    let imported = run(input);
    let errors: Vec<(usize, &str)> = imported
        .problems
        .iter()
        .map(|p| {
            assert_eq!(
                (p.severity, p.kind),
                (Severity::Error, ProblemKind::ImportSyntax)
            );
            (p.location.line, p.message.as_str())
        })
        .collect();
    let message = |line: usize| errors.iter().find(|(l, _)| *l == line).unwrap().1;
    assert_eq!(errors.len(), 10, "{errors:#?}");
    assert!(message(1).contains("`.*` at column 5"), "{}", message(1));
    assert!(message(2).contains("`a+` at column 2: `+` repeats without bound"));
    assert!(message(3).contains("`k{2,}` at column 4"));
    assert!(message(4).contains("`[^a]` at column 1: the class stands for"));
    assert!(message(5).contains("`\\d` at column 1"), "{}", message(5));
    assert!(message(6).contains("anchor or word boundary"));
    assert!(message(7).contains("inside the expression"));
    assert!(message(8).contains("not a regular expression"));
    assert!(message(9).contains("`\\B` at column 1"));
    assert!(message(11).contains("`\\w` at column 4"));
    assert!(message(1).starts_with("regex `haat.*`:"));
    assert_eq!(counts(&imported), vec![(10, 1)]);
    assert_eq!(imported.terms, 1);
}

#[test]
fn expansion_is_capped_per_line() {
    // 3^7 = 2187 literals, over the default cap of 1,000.
    let input = "[abc][abc][abc][abc][abc][abc][abc]\n[ab]{3}\n";
    assert_eq!(DEFAULT_MAX_LITERALS, 1000);
    let imported = run(input);
    assert_eq!(imported.problems.len(), 1, "{:#?}", imported.problems);
    assert_eq!(imported.problems[0].location.line, 1);
    assert!(imported.problems[0]
        .message
        .contains("expands to more than 1000 terms (raise the limit with --max-literals"));
    assert_eq!(counts(&imported), vec![(2, 8)]);

    let mut raised = options();
    raised.max_literals = 3000;
    let imported = import(input, Path::new("regels.txt"), &raised).unwrap();
    assert!(imported.problems.is_empty(), "{:#?}", imported.problems);
    assert_eq!(counts(&imported), vec![(1, 2187), (2, 8)]);
    assert_eq!(imported.terms, 2187 + 8);
}

#[test]
fn a_regex_dictionary_needs_a_category() {
    let mut o = options();
    o.category = None;
    assert!(import("a\n", Path::new("x"), &o).is_err());
}

#[test]
fn regex_terms_keep_their_kind() {
    let imported = run("haat\\w*\n");
    let (set, _) = LexiconSet::from_sources(
        Path::new("categories.toml"),
        &category_stub(&imported.categories),
        &[(Path::new("regels.lex"), &imported.text)],
    );
    assert_eq!(set.terms().next().unwrap().kind, TermKind::Prefix);
}

/// Every string over a small alphabet up to a length, for checking an expansion against the
/// `regex` crate.
fn strings(alphabet: &[char], max_len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..max_len {
        last = last
            .iter()
            .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
            .collect();
        all.extend(last.iter().cloned());
    }
    all
}

/// The expansion is exactly the language of the expression: every term the import writes
/// matches it in the `regex` crate, and every string over the alphabet (up to a length
/// longer than any term) that matches it is a term, each once.
#[test]
fn expansions_are_exactly_what_the_regex_crate_matches() {
    let patterns = [
        "a(b|c)?",
        "[ab]{1,3}",
        "(a|ab)(c|bc)?",
        "a?b?c?",
        "(ab|a)b?",
        "(a|b){2}c",
        "[a-c]{0,2}a",
        "a(b(c|a)?)?",
    ];
    let all = strings(&['a', 'b', 'c'], 6);
    for pattern in patterns {
        let imported = run(&format!("{pattern}\n"));
        let mut terms: Vec<String> = imported
            .text
            .lines()
            .skip_while(|l| !l.starts_with('['))
            .skip(1)
            .map(|l| l.split("  #").next().unwrap().to_string())
            .collect();
        terms.sort();
        let whole = regex::Regex::new(&format!("^(?:{pattern})$")).unwrap();
        let mut expected: Vec<String> = all
            .iter()
            .filter(|s| !s.is_empty() && whole.is_match(s))
            .cloned()
            .collect();
        expected.sort();
        assert_eq!(terms, expected, "{pattern}");
        assert_eq!(counts(&imported), vec![(1, expected.len())], "{pattern}");
    }
}
