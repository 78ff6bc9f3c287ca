//! `websense gazetteer check` through the real binary: the shipped data, a curator's good copy,
//! and a bad copy whose problems come out with their file and line.

mod cli_common;
use cli_common::{repo_root, run_with_stdin};

const FILES: [&str; 6] = [
    "municipalities.tsv",
    "places.tsv",
    "former.tsv",
    "variants.tsv",
    "ambiguous.tsv",
    "provinces.tsv",
];

/// A copy of the shipped `gazetteer/` directory with `edit` applied to `file`.
fn copy_with(file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in FILES {
        let text = std::fs::read_to_string(repo_root().join("gazetteer").join(name)).unwrap();
        let text = if name == file { edit(&text) } else { text };
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn the_shipped_data_checks_clean() {
    let (code, stdout, _) = run_with_stdin(&["gazetteer", "check"], "");
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("342 municipalities"), "{stdout}");
    assert!(stdout.contains("0 error(s), 0 warning(s)"), "{stdout}");
}

#[test]
fn a_good_copy_checks_clean() {
    let dir = copy_with("variants.tsv", |t| format!("{t}Zaanstêd\tGM0479\n"));
    let path = dir.path().to_str().unwrap();
    let (code, stdout, _) = run_with_stdin(&["gazetteer", "check", "--dir", path], "");
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 error(s)"), "{stdout}");
}

#[test]
fn a_bad_copy_fails_with_file_and_line() {
    let dir = copy_with("variants.tsv", |t| {
        format!("{t}Zaankant\tGM4790\nMokum\tGM0363\nDen Haag GM0518\n")
    });
    let shipped_lines = std::fs::read_to_string(repo_root().join("gazetteer/variants.tsv"))
        .unwrap()
        .lines()
        .count();
    let mokum = std::fs::read_to_string(repo_root().join("gazetteer/variants.tsv"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("Mokum\t"))
        .unwrap()
        + 1;
    let path = dir.path().to_str().unwrap();
    let (code, stdout, _) = run_with_stdin(&["gazetteer", "check", "--dir", path], "");
    assert_eq!(code, 1, "{stdout}");
    let expected = [
        format!(
            "variants.tsv:line {}: error: unknown municipality code `GM4790`",
            shipped_lines + 1
        ),
        format!(
            "variants.tsv:line {}: error: duplicate `Mokum` (first on line {mokum})",
            shipped_lines + 2
        ),
        format!(
            "variants.tsv:line {}: error: 1 columns, expected 2 (name, code), separated by tabs",
            shipped_lines + 3
        ),
    ];
    for line in expected {
        assert!(stdout.contains(&line), "{line} not in {stdout}");
    }
    assert!(stdout.contains("3 error(s)"), "{stdout}");
}
