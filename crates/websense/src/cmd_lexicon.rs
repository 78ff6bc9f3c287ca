//! `websense lexicon check|import`: the curator's tools for lexicon directories (the format
//! and the checks are `websense-lexicon`'s; this only prints and exits).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use websense_lexicon::{
    category_stub, has_errors, import_file, parse_categories, parse_column, Categories,
    ImportFormat, ImportOptions, LexiconSet, Problem, CATEGORIES_FILE, DEFAULT_MAX_LITERALS,
};

#[derive(Args)]
pub struct LexiconArgs {
    #[command(subcommand)]
    command: LexiconCommand,
}

#[derive(Subcommand)]
enum LexiconCommand {
    /// Check a lexicon directory: print every problem as `file:line: severity: message`;
    /// exit code 1 when there are errors.
    Check {
        /// Directory with categories.toml and *.lex files.
        dir: PathBuf,
    },
    /// Turn a plain list, a TSV or CSV table, a LIWC-style .dic file, a JSON list or a file
    /// of regular expressions into a .lex file; exit code 1 when input lines had errors (they
    /// are left out, the rest is written). Every term line written ends in a comment with
    /// the input file and line it came from.
    ///
    /// Formats: plain (one term per line; warns about lines with commas, semicolons, tabs,
    /// brackets, regex syntax, quotes, a leading or trailing `-`, more than 6 words), tsv (header naming
    /// term, category, weight, kind, exclusions), csv (the same header, or rows
    /// `Category,term,term,...` when the first row names no column; `;` when the first line
    /// has no `,`), dic (LIWC), json (an array of strings or of objects with a `term`, or an
    /// object mapping categories to arrays), regex (one bounded expression per line,
    /// expanded into the terms it matches). In every format `+term` means the term needs
    /// something before it (`+moslim` hits `rotmoslim`, not `moslim`) and `term+` something
    /// after it; LF, CRLF and bare CR line endings are read.
    Import(ImportArgs),
}

#[derive(Args)]
struct ImportArgs {
    #[arg(long, value_enum)]
    format: Format,
    /// Category of every term of a plain list or regex file, and of table rows and JSON
    /// terms without one.
    #[arg(long)]
    category: Option<String>,
    /// For tsv, csv and json: the input's name of a column, NAME=HEADER with NAME one of
    /// term, category, weight, kind, exclusions (`--column term=lemma`); repeatable.
    #[arg(long = "column", value_name = "NAME=HEADER")]
    columns: Vec<String>,
    /// For regex: the most terms one expression may expand into.
    #[arg(long, default_value_t = DEFAULT_MAX_LITERALS)]
    max_literals: usize,
    /// The input's encoding when it is not UTF-8 and has no byte order mark (a WHATWG label:
    /// windows-1252, latin1, utf-16le, koi8-r, shift_jis, ...). Without it such a file is
    /// converted from a guessed encoding, with a warning naming it.
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Lexicon name written in the header [default: the input file's name without extension].
    #[arg(long)]
    name: Option<String>,
    /// Languages of the terms, comma-separated ISO 639-1 codes (nl,en).
    #[arg(long, value_delimiter = ',')]
    languages: Vec<String>,
    /// categories.toml to compare the imported categories with [default: the one next to
    /// OUT].
    #[arg(long)]
    categories: Option<PathBuf>,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    force: bool,
    /// The list to import.
    input: PathBuf,
    /// The .lex file to write [default: standard output].
    #[arg(short, long = "output", value_name = "OUT")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Plain,
    Tsv,
    Csv,
    Dic,
    Json,
    Regex,
}

pub fn run(args: LexiconArgs) -> Result<ExitCode> {
    match args.command {
        LexiconCommand::Check { dir } => check(&dir),
        LexiconCommand::Import(args) => import(args),
    }
}

fn check(dir: &Path) -> Result<ExitCode> {
    let (set, problems) = LexiconSet::load_dir(dir)?;
    print_problems(&problems);
    println!(
        "{}: {} lexicon(s), {} categories, {} terms, version {}; {}",
        dir.display(),
        set.lexicons.len(),
        set.categories.len(),
        set.terms().count(),
        set.version,
        tally(&problems)
    );
    Ok(exit_code(&problems))
}

fn import(args: ImportArgs) -> Result<ExitCode> {
    let name = match args.name {
        Some(name) => name,
        None => args
            .input
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .context("give --name: the input path has no file name")?,
    };
    let format = match args.format {
        Format::Plain => ImportFormat::Plain,
        Format::Tsv => ImportFormat::Tsv,
        Format::Csv => ImportFormat::Csv,
        Format::Dic => ImportFormat::Dic,
        Format::Json => ImportFormat::Json,
        Format::Regex => ImportFormat::Regex,
    };
    let columns = args
        .columns
        .iter()
        .map(|c| parse_column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let encoding = match args.encoding.as_deref() {
        Some(label) => Some(websense_lexicon::encoding_for_label(label).with_context(|| {
            format!("--encoding {label:?} is not an encoding name (try windows-1252, latin1, utf-16le)")
        })?),
        None => None,
    };
    let options = ImportOptions {
        category: args.category,
        languages: args.languages,
        columns,
        max_literals: args.max_literals,
        encoding,
        ..ImportOptions::new(format, &name)
    };
    if let Some(out) = args
        .output
        .as_ref()
        .filter(|out| out.exists() && !args.force)
    {
        anyhow::bail!("{} exists; give --force to overwrite it", out.display());
    }
    let imported = import_file(&args.input, &options)?;
    print_problems(&imported.problems);
    for expansion in &imported.expansions {
        eprintln!(
            "{}:{}: note: `{}` expanded into {} term(s)",
            args.input.display(),
            expansion.line,
            expansion.pattern,
            expansion.literals
        );
    }
    match &args.output {
        Some(out) => {
            std::fs::write(out, &imported.text)
                .with_context(|| format!("cannot write {}", out.display()))?;
        }
        None => print!("{}", imported.text),
    }
    eprintln!(
        "imported {} term(s), {} category(ies) from {}; {}",
        imported.terms,
        imported.categories.len(),
        args.input.display(),
        tally(&imported.problems)
    );
    let categories_file = args.categories.or_else(|| {
        let dir = args.output.as_deref()?.parent()?;
        let file = if dir.as_os_str().is_empty() {
            PathBuf::from(CATEGORIES_FILE)
        } else {
            dir.join(CATEGORIES_FILE)
        };
        file.exists().then_some(file)
    });
    match categories_file {
        Some(file) => {
            let missing = undeclared(&imported.categories, &file)?;
            if !missing.is_empty() {
                eprintln!(
                    "not yet declared in {}: {}; add:\n\n{}",
                    file.display(),
                    missing.join(", "),
                    category_stub(&missing)
                );
            }
        }
        None if !imported.categories.is_empty() => eprintln!(
            "declare the categories in the {CATEGORIES_FILE} of the lexicon directory:\n\n{}",
            category_stub(&imported.categories)
        ),
        None => {}
    }
    Ok(exit_code(&imported.problems))
}

/// The `categories` that `categories_file` does not declare (a declaration in error still
/// counts as declared: checking the directory reports it).
fn undeclared(categories: &[String], categories_file: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(categories_file)
        .with_context(|| format!("cannot read {}", categories_file.display()))?;
    let (declared, _) = parse_categories(categories_file, &text);
    Ok(not_in(categories, &declared))
}

fn not_in(categories: &[String], declared: &Categories) -> Vec<String> {
    categories
        .iter()
        .filter(|c| !declared.valid.iter().any(|d| &d.name == *c) && !declared.invalid.contains(*c))
        .cloned()
        .collect()
}

fn print_problems(problems: &[Problem]) {
    for problem in problems {
        eprintln!("{problem}");
    }
}

fn tally(problems: &[Problem]) -> String {
    let errors = problems.iter().filter(|p| p.is_error()).count();
    format!("{errors} error(s), {} warning(s)", problems.len() - errors)
}

fn exit_code(problems: &[Problem]) -> ExitCode {
    if has_errors(problems) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../lexicons")
    }

    fn import_args(input: PathBuf, output: PathBuf, category: &str) -> ImportArgs {
        ImportArgs {
            format: Format::Plain,
            category: Some(category.into()),
            columns: Vec::new(),
            max_literals: DEFAULT_MAX_LITERALS,
            encoding: None,
            name: None,
            languages: vec!["nl".into()],
            categories: None,
            force: false,
            input,
            output: Some(output),
        }
    }

    #[test]
    fn check_fails_only_on_errors() {
        assert_eq!(check(&shipped()).unwrap(), ExitCode::SUCCESS);
        let dir = tempfile::tempdir().unwrap();
        assert!(check(dir.path()).is_err(), "no categories.toml");
        std::fs::copy(
            shipped().join(CATEGORIES_FILE),
            dir.path().join(CATEGORIES_FILE),
        )
        .unwrap();
        std::fs::write(dir.path().join("a.lex"), "name: a\n[complot]\nplandemie\n").unwrap();
        assert_eq!(
            check(dir.path()).unwrap(),
            ExitCode::SUCCESS,
            "warnings only"
        );
        std::fs::write(dir.path().join("b.lex"), "name: b\n[complot]\n!!!\n").unwrap();
        assert_eq!(check(dir.path()).unwrap(), ExitCode::FAILURE);
    }

    #[test]
    fn import_writes_what_loads_and_keeps_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            shipped().join(CATEGORIES_FILE),
            dir.path().join(CATEGORIES_FILE),
        )
        .unwrap();
        let input = dir.path().join("lijst.txt");
        std::fs::write(&input, "# mijn lijst\nnieuwterm*\n!!!\n").unwrap();
        let out = dir.path().join("lijst.lex");
        let code = import(import_args(input.clone(), out.clone(), "complot")).unwrap();
        assert_eq!(code, ExitCode::FAILURE, "one input line in error");
        let (set, problems) = LexiconSet::load_dir(dir.path()).unwrap();
        assert!(!has_errors(&problems), "{problems:?}");
        assert_eq!(set.lexicons[0].name, "lijst");
        assert_eq!(set.terms().count(), 1);

        std::fs::write(&input, "ander\n").unwrap();
        assert!(import(import_args(input.clone(), out.clone(), "complot")).is_err());
        let mut forced = import_args(input, out.clone(), "complot");
        forced.force = true;
        assert_eq!(import(forced).unwrap(), ExitCode::SUCCESS);
        assert!(std::fs::read_to_string(&out)
            .unwrap()
            .contains("\nander  # lijst.txt:1\n"));
    }

    #[test]
    fn import_maps_columns_and_refuses_bad_mappings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            shipped().join(CATEGORIES_FILE),
            dir.path().join(CATEGORIES_FILE),
        )
        .unwrap();
        let input = dir.path().join("tabel.csv");
        std::fs::write(&input, "lemma,category\r\n+moslim,complot\r\n").unwrap();
        let out = dir.path().join("tabel.lex");
        let mut args = import_args(input.clone(), out.clone(), "complot");
        args.format = Format::Csv;
        args.category = None;
        args.columns = vec!["Term=Lemma".into()];
        assert_eq!(import(args).unwrap(), ExitCode::SUCCESS);
        let (set, problems) = LexiconSet::load_dir(dir.path()).unwrap();
        assert!(!has_errors(&problems), "{problems:?}");
        let term = set.terms().next().unwrap();
        assert_eq!(term.kind, websense_lexicon::TermKind::Suffix);
        assert_eq!(term.exclusions_normalized, vec!["moslim"]);

        let mut args = import_args(input, out, "complot");
        args.format = Format::Csv;
        args.force = true;
        args.columns = vec!["lemma".into()];
        let error = import(args).unwrap_err().to_string();
        assert!(error.contains("NAME=HEADER"), "{error}");
    }

    #[test]
    fn only_categories_missing_from_categories_toml_are_undeclared() {
        let toml = "[complot]\nlabel = \"C\"\ndescription = \"d\"\nthreshold = 4\n[kapot]\nlabel = \"K\"\n";
        let (declared, _) = parse_categories(Path::new(CATEGORIES_FILE), toml);
        let imported = vec!["complot".to_string(), "kapot".into(), "nieuw".into()];
        assert_eq!(not_in(&imported, &declared), vec!["nieuw"]);
    }
}
