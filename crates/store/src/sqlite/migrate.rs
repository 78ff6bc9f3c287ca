//! The one migration runner for every websense SQLite file: the embedded store
//! (`websense.db`) and the room database (`room.db`, shared by the signals and the room).
//!
//! A schema is a list of `(version, name, sql)` steps. [`apply`] runs the steps whose version
//! is above the highest one recorded, in order, each recorded with its name and the time, all
//! in one `IMMEDIATE` transaction: two processes migrating the same file at once wait for each
//! other, and a step that fails leaves the file as it was. It is idempotent: run it at every
//! open.
//!
//! Where the applied versions are recorded is the [`Ledger`]; the two kinds are the two that
//! files in the field already have, so existing files keep migrating from where they are:
//!
//! * [`Ledger::Schema`]: `schema_migrations (version, name, applied_at)`, for a file with one
//!   schema (the embedded store).
//! * [`Ledger::Component`]: `migrations (component, version, name, applied_at)`, for a file
//!   that several components share, each with its own versions (the room database: `signals`
//!   and `room`).
//!
//! What a file needs around its migrations stays with its owner: the embedded store refuses
//! pre-release files ([`apply_checked`]), and both rebuild old files for incremental
//! auto-vacuum afterwards ([`super::file::enable_auto_vacuum`]).

use chrono::Utc;
use rusqlite::{params, Connection, TransactionBehavior};

/// One step of a schema: its version (from 1, ascending), a name for the ledger, and the SQL
/// (any number of statements).
pub type Migration<'a> = (u32, &'a str, &'a str);

/// Where a file records the versions applied (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ledger<'a> {
    /// `schema_migrations (version, name, applied_at)`: the file has one schema.
    Schema,
    /// `migrations (component, version, name, applied_at)`, the rows of this component: the
    /// file holds the schemas of several components.
    Component(&'a str),
}

impl Ledger<'_> {
    fn create(&self) -> &'static str {
        match self {
            Ledger::Schema => {
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            }
            Ledger::Component(_) => {
                "CREATE TABLE IF NOT EXISTS migrations (
                     component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
                     applied_at TEXT NOT NULL, PRIMARY KEY (component, version))"
            }
        }
    }

    /// The highest version recorded (0: none).
    fn current(&self, conn: &Connection) -> rusqlite::Result<u32> {
        match self {
            Ledger::Schema => conn.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            ),
            Ledger::Component(component) => conn.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM migrations WHERE component = ?1",
                [component],
                |r| r.get(0),
            ),
        }
    }

    fn record(&self, conn: &Connection, version: u32, name: &str) -> rusqlite::Result<()> {
        let at = Utc::now().to_rfc3339();
        match self {
            Ledger::Schema => conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![version, name, at],
            ),
            Ledger::Component(component) => conn.execute(
                "INSERT INTO migrations (component, version, name, applied_at) VALUES (?1, ?2, ?3, ?4)",
                params![component, version, name, at],
            ),
        }
        .map(|_| ())
    }
}

/// Apply the steps of `migrations` not applied yet; returns the schema version now (the
/// highest applied, 0 for an empty list on a new file). See the module documentation.
pub fn apply(
    conn: &mut Connection,
    ledger: Ledger<'_>,
    migrations: &[Migration<'_>],
) -> rusqlite::Result<u32> {
    apply_checked(conn, ledger, migrations, |_| Ok(()))
}

/// As [`apply`], with `check` run first inside the same transaction: an error from it (a file
/// this code must not touch) is returned and nothing is changed.
pub fn apply_checked(
    conn: &mut Connection,
    ledger: Ledger<'_>,
    migrations: &[Migration<'_>],
    check: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> rusqlite::Result<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    check(&tx)?;
    tx.execute_batch(ledger.create())?;
    let current = ledger.current(&tx)?;
    let mut version = current;
    for &(v, name, sql) in migrations.iter().filter(|(v, _, _)| *v > current) {
        tx.execute_batch(sql)?;
        ledger.record(&tx, v, name)?;
        version = v;
    }
    tx.commit()?;
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &[Migration<'static>] = &[
        (1, "a", "CREATE TABLE a (x INTEGER);"),
        (
            2,
            "b",
            "CREATE TABLE b (y INTEGER); INSERT INTO b VALUES (1);",
        ),
    ];

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn steps_run_once_in_order_and_are_recorded() {
        for ledger in [Ledger::Schema, Ledger::Component("x")] {
            let mut conn = Connection::open_in_memory().unwrap();
            assert_eq!(apply(&mut conn, ledger, &STEPS[..1]).unwrap(), 1);
            assert_eq!(apply(&mut conn, ledger, STEPS).unwrap(), 2);
            assert_eq!(apply(&mut conn, ledger, STEPS).unwrap(), 2, "{ledger:?}");
            let rows: i64 = conn
                .query_row("SELECT COUNT(*) FROM b", [], |r| r.get(0))
                .unwrap();
            assert_eq!(rows, 1, "step 2 ran once ({ledger:?})");
            let table = match ledger {
                Ledger::Schema => "schema_migrations",
                Ledger::Component(_) => "migrations",
            };
            let names: String = conn
                .query_row(
                    &format!("SELECT group_concat(name, ',') FROM (SELECT name FROM {table} ORDER BY version)"),
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(names, "a,b");
        }
    }

    #[test]
    fn components_keep_their_own_versions_in_one_table() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(
            apply(&mut conn, Ledger::Component("one"), &STEPS[..1]).unwrap(),
            1
        );
        let other: &[Migration<'_>] = &[(1, "c", "CREATE TABLE c (z INTEGER);")];
        assert_eq!(
            apply(&mut conn, Ledger::Component("two"), other).unwrap(),
            1
        );
        assert_eq!(
            apply(&mut conn, Ledger::Component("one"), STEPS).unwrap(),
            2
        );
        assert_eq!(tables(&conn), ["a", "b", "c", "migrations"]);
    }

    #[test]
    fn a_failing_step_or_check_changes_nothing() {
        let mut conn = Connection::open_in_memory().unwrap();
        let broken: &[Migration<'_>] = &[STEPS[0], (2, "broken", "CREATE TABLE b (; ")];
        assert!(apply(&mut conn, Ledger::Schema, broken).is_err());
        assert!(tables(&conn).is_empty(), "{:?}", tables(&conn));
        let refused = apply_checked(&mut conn, Ledger::Schema, STEPS, |_| {
            Err(rusqlite::Error::InvalidQuery)
        });
        assert!(refused.is_err());
        assert!(tables(&conn).is_empty());
        assert_eq!(apply(&mut conn, Ledger::Schema, STEPS).unwrap(), 2);
    }

    #[test]
    fn an_empty_schema_is_version_zero() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(apply(&mut conn, Ledger::Component("none"), &[]).unwrap(), 0);
    }
}
