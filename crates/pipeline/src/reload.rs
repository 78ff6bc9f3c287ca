//! Lexicon hot reload: the lexicon directory is checked every few seconds and on SIGHUP; a
//! changed directory is loaded, compiled and swapped into the running [`MatcherHandle`].
//!
//! Each batch takes the matcher once, so a batch is scored by exactly one version and items
//! after the swap carry the new `lexicon_version`. A directory with errors is refused as a
//! whole and the running version stays: a curator saving a file halfway, or a typo, must not
//! silently drop terms from a running series. (At startup there is no running version, so
//! there, like `websense match`, bad lines are reported and skipped.)
//!
//! A check reads the directory's files (`categories.toml`, `*.lex`) and hashes them; only a
//! changed hash loads anything. A change that leaves the set's meaning alone (comments,
//! layout) keeps the version and the matcher.

use crate::metrics::Metrics;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;
use websense_announce::{Announcer, Cues};
use websense_gazetteer::Gazetteer;
use websense_lexicon::{Category, LexiconSet, Problem};
use websense_matcher::{Matcher, MatcherHandle, MatcherOptions, Places};

/// The lexicons could not be loaded or compiled.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LexiconError(pub String);

/// What a check found.
#[derive(Clone, Debug, PartialEq)]
pub enum Reload {
    /// Nothing changed (or nothing that changes the set's meaning).
    Unchanged,
    /// The new version is in use.
    Reloaded { version: String },
    /// The directory has errors (each logged with its file and line); the old version stays.
    Rejected { reason: String },
}

/// The lexicon directory behind a running matcher.
pub struct Lexicons {
    dir: PathBuf,
    /// The attribution every compiled version gets.
    places: Option<Places>,
    /// The announcement detector every compiled version gets.
    announcer: Option<Arc<Announcer>>,
    handle: Arc<MatcherHandle>,
    /// Hash of the files last looked at, and the categories of the version in use.
    state: Mutex<(Fingerprint, Vec<Category>)>,
    metrics: Arc<Metrics>,
}

type Fingerprint = [u8; 32];

impl Lexicons {
    /// Load and compile `dir`. Problems are logged with file and line; lines with errors are
    /// skipped. Only an unreadable directory or a set that does not compile fails.
    /// `places`: the gazetteer attribution each version is compiled with ([`load_places`]).
    pub fn load(
        dir: &Path,
        places: Option<Places>,
        metrics: Arc<Metrics>,
    ) -> Result<Lexicons, LexiconError> {
        Lexicons::load_with(dir, places, None, metrics)
    }

    /// [`Lexicons::load`], every version also compiled with `announcer`
    /// ([`load_announcer`]).
    pub fn load_with(
        dir: &Path,
        places: Option<Places>,
        announcer: Option<Arc<Announcer>>,
        metrics: Arc<Metrics>,
    ) -> Result<Lexicons, LexiconError> {
        let fingerprint = fingerprint(dir)?;
        let (set, problems) = LexiconSet::load_dir(dir).map_err(|e| LexiconError(e.to_string()))?;
        log_problems(&problems);
        let errors = problems.iter().filter(|p| p.is_error()).count();
        if errors > 0 {
            tracing::error!(
                dir = %dir.display(),
                errors,
                "lexicon lines with errors are skipped (see `websense lexicon check`)"
            );
        }
        let matcher = compile(&set, places.as_ref(), announcer.as_ref())?;
        tracing::info!(dir = %dir.display(), version = %set.version, terms = set.terms().count(), "lexicons loaded");
        metrics.set_lexicon_version(&set.version);
        Ok(Lexicons {
            dir: dir.to_path_buf(),
            places,
            announcer,
            handle: Arc::new(MatcherHandle::new(matcher)),
            state: Mutex::new((fingerprint, set.categories)),
            metrics,
        })
    }

    pub fn handle(&self) -> Arc<MatcherHandle> {
        self.handle.clone()
    }

    /// The version in use.
    pub fn version(&self) -> String {
        self.handle.current().version().to_string()
    }

    /// The categories of the version in use.
    pub fn categories(&self) -> Vec<Category> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .clone()
    }

    /// Look at the directory and reload it if it changed. Blocking (reads files, compiles).
    pub fn check(&self) -> Reload {
        let reject = |reason: String| {
            tracing::error!(dir = %self.dir.display(), %reason, version = %self.version(),
                "lexicon reload refused; the running version stays");
            self.metrics.reload(false);
            Reload::Rejected { reason }
        };
        let fingerprint = match fingerprint(&self.dir) {
            Ok(f) => f,
            Err(e) => return reject(e.0),
        };
        if self.state.lock().unwrap_or_else(PoisonError::into_inner).0 == fingerprint {
            return Reload::Unchanged;
        }
        // Remembered before loading: a failed load is reported once, not on every check, and
        // a file changed while loading gives another fingerprint and another load.
        self.state.lock().unwrap_or_else(PoisonError::into_inner).0 = fingerprint;
        let (set, problems) = match LexiconSet::load_dir(&self.dir) {
            Ok(loaded) => loaded,
            Err(e) => return reject(e.to_string()),
        };
        log_problems(&problems);
        let errors = problems.iter().filter(|p| p.is_error()).count();
        if errors > 0 {
            return reject(format!("{errors} error(s) in the lexicon files"));
        }
        if set.version == self.version() {
            return Reload::Unchanged;
        }
        let matcher = match compile(&set, self.places.as_ref(), self.announcer.as_ref()) {
            Ok(m) => m,
            Err(e) => return reject(e.0),
        };
        let old = self.handle.swap(matcher);
        tracing::info!(dir = %self.dir.display(), old = %old.version(), new = %set.version,
            terms = set.terms().count(), "lexicons reloaded");
        self.metrics.set_lexicon_version(&set.version);
        self.metrics.reload(true);
        self.state.lock().unwrap_or_else(PoisonError::into_inner).1 = set.categories;
        Reload::Reloaded {
            version: set.version,
        }
    }

    /// Check every `interval` and on SIGHUP, until `stop` turns true.
    pub fn watch(
        self: Arc<Self>,
        interval: Duration,
        mut stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut hangup = Hangup::new();
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = hangup.recv() => tracing::info!("SIGHUP: checking the lexicons"),
                    _ = stop.wait_for(|s| *s) => return,
                }
                let me = self.clone();
                if let Err(e) = tokio::task::spawn_blocking(move || me.check()).await {
                    tracing::error!(error = %e, "the lexicon check failed");
                }
            }
        })
    }
}

/// SIGHUP where there is one.
struct Hangup {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangup {
    fn new() -> Hangup {
        #[cfg(unix)]
        {
            let signal =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            Hangup { signal }
        }
        #[cfg(not(unix))]
        Hangup {}
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.signal {
            signal.recv().await;
            return;
        }
        std::future::pending::<()>().await
    }
}

/// The gazetteer attribution `[matcher]` asks for: the shipped gazetteer or a curator's
/// directory (each bad line logged with its file and line, and left out), or none.
pub fn load_places(enabled: bool, dir: Option<&Path>, region: &[String]) -> Option<Places> {
    if !enabled {
        return None;
    }
    let gazetteer = match dir {
        None => Gazetteer::shipped(),
        Some(dir) => {
            let (gazetteer, problems) = Gazetteer::load_dir(dir);
            for problem in &problems {
                if problem.is_error() {
                    tracing::error!("{problem}");
                } else {
                    tracing::warn!("{problem}");
                }
            }
            gazetteer
        }
    };
    Some(Places::new(Arc::new(gazetteer), region))
}

/// The announcement detector `[matcher]` asks for: the lexicon of `dir`, else of
/// `announce/` inside the lexicon directory `lexicons` when it exists, else the shipped one
/// (each bad line logged with its file and line, and left out), or none.
pub fn load_announcer(
    enabled: bool,
    dir: Option<&Path>,
    lexicons: &Path,
) -> Result<Option<Arc<Announcer>>, LexiconError> {
    if !enabled {
        return Ok(None);
    }
    let beside = lexicons.join("announce");
    let dir = dir.or_else(|| beside.is_dir().then_some(beside.as_path()));
    let cues = match dir {
        None => Cues::shipped(),
        Some(dir) => {
            let (cues, problems) = Cues::load_dir(dir).map_err(|e| {
                LexiconError(format!(
                    "cannot read announcement lexicon {}: {e}",
                    dir.display()
                ))
            })?;
            log_problems(&problems);
            cues
        }
    };
    Ok(Some(Arc::new(Announcer::new(cues))))
}

fn compile(
    set: &LexiconSet,
    places: Option<&Places>,
    announcer: Option<&Arc<Announcer>>,
) -> Result<Matcher, LexiconError> {
    Matcher::with_extras(
        set,
        MatcherOptions::default(),
        places.cloned(),
        announcer.cloned(),
    )
    .map_err(|e| {
        LexiconError(format!(
            "cannot compile lexicon version {}: {e}",
            set.version
        ))
    })
}

fn log_problems(problems: &[Problem]) {
    for problem in problems {
        if problem.is_error() {
            tracing::error!("{problem}");
        } else {
            tracing::warn!("{problem}");
        }
    }
}

/// A hash over the names and contents of the files a lexicon directory is loaded from.
fn fingerprint(dir: &Path) -> Result<Fingerprint, LexiconError> {
    let unreadable = |e: std::io::Error| {
        LexiconError(format!(
            "cannot read lexicon directory {}: {e}",
            dir.display()
        ))
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if (name == "categories.toml" || name.ends_with(".lex")) && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut hash = Sha256::new();
    for path in files {
        let bytes = std::fs::read(&path)
            .map_err(|e| LexiconError(format!("cannot read {}: {e}", path.display())))?;
        hash.update(path.file_name().unwrap_or_default().as_encoded_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hash.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use websense_model::{Item, ItemId, SourceRef};

    const CATEGORIES: &str = "[onrust]\nlabel = \"Onrust\"\nthreshold = 2.0\n";

    fn write(dir: &Path, terms: &str) {
        std::fs::write(dir.join("categories.toml"), CATEGORIES).unwrap();
        std::fs::write(
            dir.join("test.lex"),
            format!("# test\nname: test\nlanguages: nl\n\n[onrust]\n{terms}"),
        )
        .unwrap();
    }

    fn categories_hit(lexicons: &Lexicons, text: &str) -> Vec<String> {
        let item = Item::new(ItemId("x".into()), SourceRef::unknown(), text);
        let scored = lexicons.handle().current().score(&item);
        scored.matches.into_iter().map(|h| h.term).collect()
    }

    #[test]
    fn a_changed_directory_is_swapped_in_and_a_broken_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "oproer | 2\n");
        let metrics = Metrics::new();
        let lexicons = Lexicons::load(dir.path(), None, metrics.clone()).unwrap();
        let v1 = lexicons.version();
        assert_eq!(metrics.lexicon_version(), v1);
        assert_eq!(categories_hit(&lexicons, "oproer en rellen"), ["oproer"]);
        assert_eq!(lexicons.check(), Reload::Unchanged);

        // A comment changes the files, not the meaning.
        std::fs::write(
            dir.path().join("test.lex"),
            "# another comment\nname: test\nlanguages: nl\n\n[onrust]\noproer | 2\n",
        )
        .unwrap();
        assert_eq!(lexicons.check(), Reload::Unchanged);
        assert_eq!(lexicons.version(), v1);

        write(dir.path(), "oproer | 2\nrellen | 2\n");
        let Reload::Reloaded { version: v2 } = lexicons.check() else {
            panic!("not reloaded")
        };
        assert_ne!(v2, v1);
        assert_eq!(lexicons.version(), v2);
        assert_eq!(metrics.lexicon_version(), v2);
        assert_eq!(
            categories_hit(&lexicons, "oproer en rellen"),
            ["oproer", "rellen"]
        );

        // A term in an undeclared category is an error: the whole reload is refused.
        write(dir.path(), "oproer | 2\n[bestaat_niet]\nrellen | 2\n");
        assert!(matches!(lexicons.check(), Reload::Rejected { .. }));
        assert_eq!(lexicons.version(), v2);
        assert_eq!(metrics.reloads(), (1, 1));
        // Reported once, not at every check.
        assert_eq!(lexicons.check(), Reload::Unchanged);

        // A missing directory is refused too.
        let gone = dir.path().join("categories.toml");
        std::fs::remove_file(&gone).unwrap();
        assert!(matches!(lexicons.check(), Reload::Rejected { .. }));
        assert_eq!(lexicons.version(), v2);
    }
}
