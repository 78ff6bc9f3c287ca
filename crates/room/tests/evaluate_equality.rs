//! The draft evaluation with stored hits and skipping (`evaluate::evaluate`) gives exactly
//! the answer of the full two-sided re-score (`evaluate::evaluate_two_sided`): on generated
//! stores (items stored under the current version, under an older one, and purged; texts
//! with plain, disguised, negated and misspelt terms) and generated drafts (terms added,
//! removed, re-weighted, re-kinded, given exclusions or matching options; categories with a
//! new threshold, weights or options; files added and removed; labels only).

use chrono::{Duration, Utc};
use std::path::Path;
use websense_lexicon::LexiconSet;
use websense_matcher::{Matcher, MatcherOptions};
use websense_model::rng::Rng;
use websense_model::{Item, ItemId, SourceId, SourceKind, SourceRef};
use websense_room::evaluate::{self, EvaluateOptions, Progress, RunControl};
use websense_store::{ClickhouseConfig, ClickhouseStore, SqliteStore, Store, TimeRange};
use websense_testkit::services::{clickhouse_url, unique};

/// Terms the sets draw from, and words the texts are made of (each term also disguised).
const TERMS: &[&str] = &[
    "volksverrader",
    "nepparlement",
    "dictatuur",
    "plandemie",
    "great reset",
    "ongedierte",
    "landverraad",
    "marionet",
    "tribunaal",
    "kartel",
];
const FILLER: &[&str] = &[
    "gemeente", "fiets", "markt", "regen", "geen", "niet", "zegt", "\"", "de", "het",
];

fn disguised(rng: &mut Rng, term: &str) -> String {
    match rng.below(8) {
        0 => term.replacen('e', "3", 1),                      // confusables
        1 => term.replacen('e', "eeee", 1),                   // squeeze
        2 => term.chars().map(|c| format!("{c} ")).collect(), // joined
        3 => {
            // One edit: fuzzy
            let mut chars: Vec<char> = term.chars().collect();
            let at = 1 + rng.below(chars.len() - 2);
            chars.swap(at, at + 1);
            chars.into_iter().collect()
        }
        4 => format!("{term}s"),
        5 => format!("x{term}"),
        6 => term.to_uppercase(),
        _ => term.to_string(),
    }
}

fn text(rng: &mut Rng) -> String {
    let words = 2 + rng.below(10);
    (0..words)
        .map(|_| {
            if rng.chance(0.35) {
                let term = TERMS[rng.below(TERMS.len())];
                disguised(rng, term)
            } else {
                FILLER[rng.below(FILLER.len())].to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A set's files: `categories.toml` and `.lex` files, as text.
#[derive(Clone, Debug)]
struct Files {
    categories: Vec<(String, f64, String, f64, f64)>,
    lexicons: Vec<(String, Vec<(String, String)>)>,
    label: String,
}

const OPTIONS: &[&str] = &[
    "",
    "+fuzzy",
    "+emoji",
    "-confusables",
    "+infix",
    "-squeeze +fuzzy",
];
const WEIGHTS: &[f64] = &[0.5, 1.0, 1.5, 2.0, 3.0];
const CATEGORY_NAMES: &[&str] = &["anti_overheid", "complot", "ontmenselijking"];

fn term_line(rng: &mut Rng, term: &str) -> String {
    let glob = match rng.below(5) {
        0 => format!("{term}*"),
        1 => format!("*{term}"),
        _ => term.to_string(),
    };
    let weight = WEIGHTS[rng.below(WEIGHTS.len())];
    let exclusion = if rng.chance(0.15) {
        format!("geen {term}")
    } else {
        String::new()
    };
    let options = if rng.chance(0.3) {
        OPTIONS[rng.below(OPTIONS.len())]
    } else {
        ""
    };
    format!("{glob} | {weight} | | {exclusion} | {options}")
}

fn term_of(line: &str) -> &str {
    line.split('|')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('*')
}

impl Files {
    /// A category holds a term once (a second line is a lexicon error).
    fn has(&self, category: &str, term: &str) -> bool {
        self.lexicons
            .iter()
            .flat_map(|(_, lines)| lines)
            .any(|(c, line)| c == category && term_of(line) == term)
    }

    fn random(rng: &mut Rng) -> Files {
        let categories = CATEGORY_NAMES
            .iter()
            .map(|c| {
                (
                    c.to_string(),
                    [2.0, 3.0, 4.0][rng.below(3)],
                    if rng.chance(0.5) { "+fuzzy" } else { "" }.to_string(),
                    0.5,
                    0.5,
                )
            })
            .collect();
        let mut files = Files {
            categories,
            lexicons: vec![("f0.lex".into(), Vec::new()), ("f1.lex".into(), Vec::new())],
            label: "Label".into(),
        };
        for f in 0..2 {
            for term in TERMS {
                let c = CATEGORY_NAMES[rng.below(CATEGORY_NAMES.len())];
                if rng.chance(0.4) && !files.has(c, term) {
                    let line = term_line(rng, term);
                    files.lexicons[f].1.push((c.to_string(), line));
                }
            }
        }
        files
    }

    /// One random change (of the kinds a curator makes).
    fn mutate(&mut self, rng: &mut Rng) {
        let file = rng.below(self.lexicons.len());
        let term = TERMS[rng.below(TERMS.len())];
        let c = CATEGORY_NAMES[rng.below(CATEGORY_NAMES.len())];
        let fresh = !self.has(c, term);
        let lines = &mut self.lexicons[file].1;
        match rng.below(10) {
            0 | 1 if fresh => lines.push((c.to_string(), term_line(rng, term))),
            2 if !lines.is_empty() => {
                let at = rng.below(lines.len());
                lines.remove(at);
            }
            3 if !lines.is_empty() => {
                // Same term, another weight, kind, exclusion or options.
                let at = rng.below(lines.len());
                let term = term_of(&lines[at].1).to_string();
                lines[at].1 = term_line(rng, &term);
            }
            4 => {
                let c = rng.below(self.categories.len());
                self.categories[c].1 = [1.0, 2.5, 3.0, 5.0][rng.below(4)];
            }
            5 => {
                let c = rng.below(self.categories.len());
                self.categories[c].2 = OPTIONS[rng.below(OPTIONS.len())].to_string();
            }
            6 => {
                let c = rng.below(self.categories.len());
                self.categories[c].3 = [0.25, 1.0][rng.below(2)];
                self.categories[c].4 = [0.25, 1.0][rng.below(2)];
            }
            7 if fresh => {
                let new = vec![(c.to_string(), term_line(rng, term))];
                self.lexicons
                    .push((format!("extra{}.lex", rng.below(1000)), new));
            }
            8 if self.lexicons.len() > 1 => {
                self.lexicons.remove(file);
            }
            _ => self.label = format!("Label {}", rng.below(100)),
        }
    }

    fn write(&self, dir: &Path) -> LexiconSet {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let mut categories = String::new();
        for (name, threshold, matching, fuzzy, context) in &self.categories {
            categories.push_str(&format!(
                "[{name}]\nlabel = \"{} {name}\"\nthreshold = {threshold:?}\nmatching = \"{matching}\"\n\
                 fuzzy_weight = {fuzzy:?}\ncontext_weight = {context:?}\n\n",
                self.label
            ));
        }
        std::fs::write(dir.join("categories.toml"), categories).unwrap();
        for (name, lines) in &self.lexicons {
            let mut text = format!("name: {}\nlanguages: nl\n\n", name.trim_end_matches(".lex"));
            for c in CATEGORY_NAMES {
                let of: Vec<&String> = lines.iter().filter(|l| l.0 == *c).map(|l| &l.1).collect();
                if !of.is_empty() {
                    text.push_str(&format!("[{c}]\n"));
                    for l in of {
                        text.push_str(l);
                        text.push('\n');
                    }
                }
            }
            std::fs::write(dir.join(name), text).unwrap();
        }
        let (set, problems) = LexiconSet::load_dir(dir).unwrap();
        assert!(
            problems.iter().all(|p| !p.is_error()),
            "{problems:?}\n{self:?}"
        );
        set
    }
}

/// Write `n` items over the last five days: most scored by `current` (as the pipeline stores
/// them), some by `older` (another version), the oldest ones purged.
async fn seed_store(
    store: &dyn Store,
    rng: &mut Rng,
    n: usize,
    current: &LexiconSet,
    older: &LexiconSet,
) {
    store.migrate().await.unwrap();
    let now = Utc::now();
    let (c, o) = (
        Matcher::new(current, MatcherOptions::default()).unwrap(),
        Matcher::new(older, MatcherOptions::default()).unwrap(),
    );
    let mut scored = Vec::new();
    for i in 0..n {
        let mut item = Item::new(
            ItemId(format!("it-{i:04}")),
            SourceRef {
                id: SourceId::new("bron"),
                kind: SourceKind::Feed,
                tags: Vec::new(),
            },
            text(rng),
        );
        if rng.chance(0.2) {
            item.title = Some(text(rng));
        }
        item.published_at = Some(now - Duration::minutes(1 + rng.below(5 * 24 * 60) as i64));
        let matcher = if rng.chance(0.8) { &c } else { &o };
        scored.push(matcher.score(&item));
    }
    store.write(scored).await.unwrap();
    store.purge_raw_text(now - Duration::days(4)).await.unwrap();
}

/// `stores` fresh stores, each seeded and evaluated with `drafts` drafts both ways.
async fn agree(
    seed: u64,
    stores: usize,
    drafts: usize,
    mut store_for: impl AsyncFnMut(usize) -> Box<dyn Store>,
) {
    let root = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(seed);
    let (mut rescored, mut read, mut changed) = (0, 0, 0);
    for seed in 0..stores {
        let base = Files::random(&mut rng);
        let current = base.write(&root.path().join("current"));
        let mut other = base.clone();
        other.mutate(&mut rng);
        other.mutate(&mut rng);
        let older = other.write(&root.path().join("older"));
        let store = store_for(seed).await;
        seed_store(store.as_ref(), &mut rng, 400, &current, &older).await;
        for d in 0..drafts {
            let mut files = base.clone();
            for _ in 0..1 + rng.below(3) {
                files.mutate(&mut rng);
            }
            let draft = files.write(&root.path().join("draft"));
            let now = Utc::now();
            let options = EvaluateOptions {
                range: TimeRange::new(now - Duration::days(7), now),
                max_items: if d == 2 { 150 } else { 100_000 },
                examples: 3,
                max_example_items: 10,
            };
            let full = evaluate::evaluate_two_sided(
                store.as_ref(),
                current.clone(),
                draft.clone(),
                Vec::new(),
                options.clone(),
            )
            .await
            .unwrap();
            let control = RunControl {
                page_items: [7, 64, 4096][rng.below(3)],
                ..RunControl::default()
            };
            let fast = evaluate::evaluate_with(
                store.as_ref(),
                current.clone(),
                draft.clone(),
                Vec::new(),
                options,
                &control,
            )
            .await
            .unwrap();
            assert_eq!(fast, full, "seed {seed}, draft {d}: {files:?}");
            let p: &Progress = &control.progress;
            assert_eq!(p.done(), p.total().min(p.done()));
            rescored += p.rescored();
            read += p.done();
            changed += full.terms.len() + full.categories.len();
        }
    }
    // The cases are not trivial: drafts changed things, and items were skipped as well as
    // re-scored.
    assert!(changed > 3 * stores, "{changed} changes");
    assert!(
        rescored > 0 && rescored < read / 2,
        "{rescored} of {read} re-scored"
    );
}

#[tokio::test]
async fn the_skipping_evaluation_equals_the_full_two_sided_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    agree(2024, 6, 6, async |i| {
        let store = SqliteStore::open(path.join(format!("ws{i}.db")))
            .await
            .unwrap();
        Box::new(store) as Box<dyn Store>
    })
    .await;
}

/// The same against ClickHouse (the lean read from its full range read).
#[tokio::test]
async fn the_skipping_evaluation_equals_the_full_one_on_clickhouse() {
    let Some(url) = clickhouse_url() else {
        return;
    };
    let mut databases = Vec::new();
    agree(7, 2, 4, async |_| {
        let database = unique("evaluate_equality");
        databases.push(database.clone());
        let config = ClickhouseConfig {
            url: url.clone(),
            database,
            batch_wait: std::time::Duration::from_millis(20),
            ..ClickhouseConfig::default()
        };
        let store = ClickhouseStore::connect(config).await.unwrap();
        Box::new(store) as Box<dyn Store>
    })
    .await;
    let client = reqwest::Client::new();
    for database in databases {
        client
            .post(&url)
            .body(format!("DROP DATABASE IF EXISTS {database}"))
            .send()
            .await
            .unwrap();
    }
}
