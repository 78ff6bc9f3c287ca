//! The lexicon directory as the room reads it: its files' text (so a draft can replace some of
//! them) and the versions seen over time.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;
use std::path::{Path, PathBuf};
use websense_lexicon::{LexiconSet, Problem, CATEGORIES_FILE, LEXICON_EXTENSION};

/// The text of a lexicon directory's files.
#[derive(Clone, Debug, PartialEq)]
pub struct LexiconSources {
    pub dir: PathBuf,
    pub categories: String,
    /// `.lex` files by path, in file-name order.
    pub files: Vec<(PathBuf, String)>,
}

impl LexiconSources {
    /// Read `categories.toml` and every `*.lex` file directly in `dir` (what
    /// [`LexiconSet::load_dir`] reads). Invalid UTF-8 is replaced, and then reported by the
    /// lexicon checks as odd characters.
    pub fn read(dir: &Path) -> Result<LexiconSources, String> {
        let fail = |p: &Path, e: std::io::Error| format!("cannot read {}: {e}", p.display());
        let categories_path = dir.join(CATEGORIES_FILE);
        let categories = std::fs::read(&categories_path).map_err(|e| fail(&categories_path, e))?;
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| fail(dir, e))? {
            let path = entry.map_err(|e| fail(dir, e))?.path();
            if path.extension().is_some_and(|e| e == LEXICON_EXTENSION) && path.is_file() {
                let bytes = std::fs::read(&path).map_err(|e| fail(&path, e))?;
                files.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(LexiconSources {
            dir: dir.to_path_buf(),
            categories: String::from_utf8_lossy(&categories).into_owned(),
            files,
        })
    }

    pub fn categories_path(&self) -> PathBuf {
        self.dir.join(CATEGORIES_FILE)
    }

    /// Build the set, with every problem.
    pub fn build(&self) -> (LexiconSet, Vec<Problem>) {
        let files: Vec<(&Path, &str)> = self
            .files
            .iter()
            .map(|(p, t)| (p.as_path(), t.as_str()))
            .collect();
        LexiconSet::from_sources(&self.categories_path(), &self.categories, &files)
    }
}

/// A lexicon version the room has seen in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeenVersion {
    pub version: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub categories: u32,
    pub terms: u32,
}

/// Note that `set` is the version in use now.
pub fn record_version(
    conn: &Connection,
    set: &LexiconSet,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO lexicon_versions (version, first_seen_ms, last_seen_ms, categories, terms)
         VALUES (?1, ?2, ?2, ?3, ?4)
         ON CONFLICT (version) DO UPDATE SET last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms)",
        params![
            set.version,
            now.timestamp_millis(),
            set.categories.len() as i64,
            set.terms().count() as i64
        ],
    )?;
    Ok(())
}

/// Versions seen, newest first.
pub fn seen_versions(conn: &Connection) -> rusqlite::Result<Vec<SeenVersion>> {
    let mut stmt = conn.prepare(
        "SELECT version, first_seen_ms, last_seen_ms, categories, terms FROM lexicon_versions
         ORDER BY first_seen_ms DESC, version",
    )?;
    let time = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap_or_default();
    let rows = stmt.query_map([], |r| {
        Ok(SeenVersion {
            version: r.get(0)?,
            first_seen: time(r.get(1)?),
            last_seen: time(r.get(2)?),
            categories: r.get(3)?,
            terms: r.get(4)?,
        })
    })?;
    rows.collect()
}
