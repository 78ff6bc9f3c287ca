//! The embedded store's schema: its migrations, and the check that refuses pre-release files.

use super::file;
use super::migrate::{self, Ledger, Migration};
use rusqlite::Connection;
use std::path::PathBuf;

/// Versioned migrations, run by [`migrate::apply`] (ledger `schema_migrations`).
const MIGRATIONS: &[Migration<'static>] = &[
    (
        1,
        "items, matches, scores, names and trend roll-ups",
        r#"
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_ms INTEGER NOT NULL,
    published_ms INTEGER,
    fetched_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    tag_list INTEGER NOT NULL,
    language TEXT NOT NULL,
    language_confidence REAL NOT NULL,
    language_reliable INTEGER NOT NULL,
    lexicon_version TEXT NOT NULL,
    url TEXT,
    author_pseudonym TEXT,
    author_handle TEXT,
    title TEXT,
    text TEXT NOT NULL,
    links TEXT NOT NULL,
    raw TEXT NOT NULL,
    purged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS items_event ON items (event_ms);
CREATE TABLE IF NOT EXISTS matches (
    item_seq INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    category TEXT NOT NULL,
    term TEXT NOT NULL,
    kind TEXT NOT NULL,
    field TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (item_seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scores (
    item_seq INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    category TEXT NOT NULL,
    score_micros INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    PRIMARY KEY (item_seq, ordinal)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS terms (
    id INTEGER PRIMARY KEY,
    category INTEGER NOT NULL,
    term TEXT NOT NULL,
    UNIQUE (category, term)
);
CREATE TABLE IF NOT EXISTS sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS languages (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
-- A source's tags as an item carried them (JSON, as given), and the distinct non-empty tags
-- of each list.
CREATE TABLE IF NOT EXISTS tag_lists (id INTEGER PRIMARY KEY, tags TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS tag_list_tags (
    tag TEXT NOT NULL,
    tag_list INTEGER NOT NULL,
    PRIMARY KEY (tag, tag_list)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trend_categories (
    category INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    source INTEGER NOT NULL,
    language INTEGER NOT NULL,
    tag_list INTEGER NOT NULL,
    items INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    score_micros INTEGER NOT NULL,
    PRIMARY KEY (category, bucket, source, language, tag_list)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trend_terms (
    hour INTEGER NOT NULL,
    term INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    source INTEGER NOT NULL,
    language INTEGER NOT NULL,
    tag_list INTEGER NOT NULL,
    items INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (hour, term, bucket, source, language, tag_list)
) WITHOUT ROWID;
"#,
    ),
    (
        2,
        "unfiltered category roll-up",
        r#"
CREATE TABLE IF NOT EXISTS trend_category_totals (
    category INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    items INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    score_micros INTEGER NOT NULL,
    PRIMARY KEY (category, bucket)
) WITHOUT ROWID;
INSERT OR IGNORE INTO trend_category_totals (category, bucket, items, flagged, hits, score_micros)
SELECT category, bucket, SUM(items), SUM(flagged), SUM(hits), SUM(score_micros)
FROM trend_categories GROUP BY category, bucket;
"#,
    ),
    (
        3,
        "store identity",
        "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);",
    ),
    (
        4,
        "how each hit matched and what its context says",
        // Empty: exact, and no context tag (what every hit stored before was).
        "ALTER TABLE matches ADD COLUMN method TEXT NOT NULL DEFAULT '';
         ALTER TABLE matches ADD COLUMN context TEXT NOT NULL DEFAULT '';",
    ),
    (
        5,
        "the municipalities each item is about, and roll-ups per municipality list",
        r#"
-- 0: no municipality (every item stored before). `places` is the JSON of the item's places
-- ('' for none).
ALTER TABLE items ADD COLUMN municipality_list INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN places TEXT NOT NULL DEFAULT '';
-- An item's municipality codes as written (JSON), and the codes of each list: a filter on
-- codes selects the lists that hold any of them, as a tag filter selects tag lists.
CREATE TABLE IF NOT EXISTS municipality_lists (id INTEGER PRIMARY KEY, codes TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS municipality_list_members (
    municipality TEXT NOT NULL,
    municipality_list INTEGER NOT NULL,
    PRIMARY KEY (municipality, municipality_list)
) WITHOUT ROWID;
-- The roll-ups again, for the items with a municipality only, keyed by their list: led by
-- the category (then the list), so one municipality's series seeks each of its lists.
CREATE TABLE IF NOT EXISTS trend_municipality_categories (
    category INTEGER NOT NULL,
    municipality_list INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    source INTEGER NOT NULL,
    language INTEGER NOT NULL,
    tag_list INTEGER NOT NULL,
    items INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    score_micros INTEGER NOT NULL,
    PRIMARY KEY (category, municipality_list, bucket, source, language, tag_list)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS trend_municipality_terms (
    hour INTEGER NOT NULL,
    municipality_list INTEGER NOT NULL,
    term INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    source INTEGER NOT NULL,
    language INTEGER NOT NULL,
    tag_list INTEGER NOT NULL,
    items INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (hour, municipality_list, term, bucket, source, language, tag_list)
) WITHOUT ROWID;
"#,
    ),
];

pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let version = migrate::apply_checked(conn, Ledger::Schema, MIGRATIONS, refuse_pre_release)?;
    // Files made before purges reclaimed their pages: rebuilt once, so purged text leaves them.
    let path = conn.path().map(PathBuf::from).unwrap_or_default();
    file::enable_auto_vacuum(conn, &path)?;
    Ok(version)
}

/// Pre-release databases have version 1 with per-tag rows and name-keyed roll-ups; this code
/// would fail on them with "no such column" at the first write.
fn refuse_pre_release(conn: &Connection) -> rusqlite::Result<()> {
    let pre_release: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'item_tags')",
        [],
        |r| r.get(0),
    )?;
    if pre_release {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(
                "made by a pre-release of the embedded store (it has an item_tags table); \
                 write its items into a new file"
                    .into(),
            ),
        ));
    }
    Ok(())
}
