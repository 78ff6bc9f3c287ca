//! ClickHouse schema: versioned migrations whose statements are all idempotent.

use crate::StoreError;
use clickhouse::{Client, Row};
use serde::{Deserialize, Serialize};

/// What the server can do beyond ClickHouse 18.16, the oldest release we run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Features {
    /// `LowCardinality(String)` for dimension columns (dictionary-encoded: smaller, faster
    /// group-by). Experimental before 19.x, so only from 20.1 on; plain `String` before.
    pub low_cardinality: bool,
}

impl Features {
    pub fn of_version(version: &str) -> Features {
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let major = parts.next().unwrap_or(0);
        Features {
            low_cardinality: major >= 20,
        }
    }

    fn dim(&self) -> &'static str {
        if self.low_cardinality {
            "LowCardinality(String)"
        } else {
            "String"
        }
    }
}

/// One migration: its version, what it does, and its statements (one per HTTP request).
fn migrations(db: &str, f: Features) -> Vec<(u32, &'static str, Vec<String>)> {
    let dim = f.dim();
    vec![(
        1,
        "items, item ids, matches, scores and trend roll-ups",
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.items (
                    id String, event_time DateTime('UTC'), event_ms Int64, published_ms Nullable(Int64),
                    fetched_ms Int64, source {dim}, source_kind {dim}, tags Array(String), language {dim},
                    language_confidence Float64, language_reliable UInt8, lexicon_version {dim},
                    url Nullable(String), author_pseudonym Nullable(String), author_handle Nullable(String),
                    title Nullable(String), text String, links Array(String), raw String, purged UInt8
                ) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(event_time) ORDER BY (event_time, id)"
            ),
            // Written last for each batch: an id here means the item and all its rows are in.
            // Ordered by id with small granules so the existence check reads little.
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.item_ids (id String, event_time DateTime('UTC'))
                 ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(event_time) ORDER BY id
                 SETTINGS index_granularity = 256"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.matches (
                    item_id String, event_time DateTime('UTC'), event_ms Int64, source {dim}, language {dim},
                    tags Array(String), lexicon_version {dim}, ordinal UInt32, category {dim}, term {dim},
                    kind {dim}, field {dim}, span_start UInt64, span_end UInt64, weight Float64
                ) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(event_time)
                  ORDER BY (event_time, item_id, ordinal)"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.scores (
                    item_id String, event_time DateTime('UTC'), event_ms Int64, source {dim}, language {dim},
                    tags Array(String), lexicon_version {dim}, ordinal UInt32, category {dim},
                    score_micros Int64, hits UInt32, flagged UInt8
                ) ENGINE = ReplacingMergeTree PARTITION BY toYYYYMM(event_time)
                  ORDER BY (event_time, item_id, ordinal)"
            ),
            // Per 5-minute bucket the set of (item id, hits, score, flagged): a set, so rows
            // written twice merge into one and every count stays exact.
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.trend_categories (
                    category {dim}, tag {dim}, bucket DateTime('UTC'), source {dim}, language {dim},
                    per_item AggregateFunction(groupUniqArray, Tuple(String, UInt32, Int64, UInt8))
                ) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(bucket)
                  ORDER BY (category, tag, bucket, source, language)"
            ),
            format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.trend_categories_mv TO {db}.trend_categories AS
                 SELECT category, tag, toDateTime(intDiv(toUInt32(event_time), 300) * 300, 'UTC') AS bucket,
                        source, language,
                        groupUniqArrayState(tuple(item_id, hits, score_micros, flagged)) AS per_item
                 FROM {db}.scores ARRAY JOIN arrayConcat([''], tags) AS tag
                 WHERE hits >= 1 OR flagged = 1
                 GROUP BY category, tag, bucket, source, language"
            ),
            // Per 5-minute bucket the exact sets of item ids and of (item id, hit ordinal).
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.trend_terms (
                    category {dim}, term {dim}, tag {dim}, bucket DateTime('UTC'), source {dim}, language {dim},
                    items AggregateFunction(uniqExact, String),
                    hits AggregateFunction(uniqExact, String, UInt32)
                ) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(bucket)
                  ORDER BY (category, term, tag, bucket, source, language)"
            ),
            format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.trend_terms_mv TO {db}.trend_terms AS
                 SELECT category, term, tag, toDateTime(intDiv(toUInt32(event_time), 300) * 300, 'UTC') AS bucket,
                        source, language, uniqExactState(item_id) AS items, uniqExactState(item_id, ordinal) AS hits
                 FROM {db}.matches ARRAY JOIN arrayConcat([''], tags) AS tag
                 GROUP BY category, term, tag, bucket, source, language"
            ),
        ],
    ),
    (
        2,
        "store identity",
        // One row per generation, each with the store's id (see `StoreIdentity`).
        vec![format!(
            "CREATE TABLE IF NOT EXISTS {db}.store_identity (id String, generation UInt64, at DateTime('UTC'))
             ENGINE = MergeTree ORDER BY generation"
        )],
    ),
    (
        3,
        "how each hit matched and what its context says",
        // Empty: exact, and no context tag (what every hit stored before was). Not `IF NOT
        // EXISTS`, which 18.16 lacks: a rerun after an interruption meets the column and
        // `migrate` takes that as done.
        vec![
            format!("ALTER TABLE {db}.matches ADD COLUMN method {dim} DEFAULT ''"),
            format!("ALTER TABLE {db}.matches ADD COLUMN context Array(String)"),
        ],
    ),
    (
        4,
        "the municipalities each item is about, and roll-ups per municipality",
        vec![
            // `places` is the JSON of the item's places ('' for none).
            format!("ALTER TABLE {db}.items ADD COLUMN municipalities Array(String)"),
            format!("ALTER TABLE {db}.items ADD COLUMN places String"),
            format!("ALTER TABLE {db}.matches ADD COLUMN municipalities Array(String)"),
            format!("ALTER TABLE {db}.scores ADD COLUMN municipalities Array(String)"),
            // The roll-ups again with a municipality dimension: an item counts under each of
            // its municipalities (x its tags, and ''), and not at all without one. Sets, as in
            // the roll-ups without it, so a filter on two municipalities merges the sets of
            // both and counts an item of both once. 18.16 takes one `ARRAY JOIN` per query,
            // so the tags go through `arrayJoin`.
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.trend_municipality_categories (
                    category {dim}, municipality {dim}, tag {dim}, bucket DateTime('UTC'), source {dim},
                    language {dim},
                    per_item AggregateFunction(groupUniqArray, Tuple(String, UInt32, Int64, UInt8))
                ) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(bucket)
                  ORDER BY (category, municipality, tag, bucket, source, language)"
            ),
            format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.trend_municipality_categories_mv
                 TO {db}.trend_municipality_categories AS
                 SELECT category, municipality, arrayJoin(arrayConcat([''], tags)) AS tag,
                        toDateTime(intDiv(toUInt32(event_time), 300) * 300, 'UTC') AS bucket, source, language,
                        groupUniqArrayState(tuple(item_id, hits, score_micros, flagged)) AS per_item
                 FROM {db}.scores ARRAY JOIN municipalities AS municipality
                 WHERE hits >= 1 OR flagged = 1
                 GROUP BY category, municipality, tag, bucket, source, language"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {db}.trend_municipality_terms (
                    municipality {dim}, category {dim}, term {dim}, tag {dim}, bucket DateTime('UTC'),
                    source {dim}, language {dim},
                    items AggregateFunction(uniqExact, String),
                    hits AggregateFunction(uniqExact, String, UInt32)
                ) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(bucket)
                  ORDER BY (municipality, category, term, tag, bucket, source, language)"
            ),
            format!(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.trend_municipality_terms_mv
                 TO {db}.trend_municipality_terms AS
                 SELECT municipality, category, term, arrayJoin(arrayConcat([''], tags)) AS tag,
                        toDateTime(intDiv(toUInt32(event_time), 300) * 300, 'UTC') AS bucket, source, language,
                        uniqExactState(item_id) AS items, uniqExactState(item_id, ordinal) AS hits
                 FROM {db}.matches ARRAY JOIN municipalities AS municipality
                 GROUP BY municipality, category, term, tag, bucket, source, language"
            ),
        ],
    )]
}

/// Every table that holds item data, children first and `item_ids` last (retention drops in
/// this order, so an interrupted run leaves ids that still block re-writes, never rows
/// without their id).
pub(crate) const DATA_TABLES: &[&str] = &[
    "trend_categories",
    "trend_terms",
    "trend_municipality_categories",
    "trend_municipality_terms",
    "matches",
    "scores",
    "items",
    "item_ids",
];

#[derive(Row, Serialize, Deserialize)]
struct MigrationRow {
    version: u32,
    name: String,
    applied_at: u32,
}

/// Create the database and apply the migrations it lacks; returns the schema version.
/// Statements are idempotent, so two processes migrating at once, or a run interrupted
/// half-way, end in the same schema.
pub(crate) async fn migrate(
    root: &Client,
    db: &str,
    features: Features,
) -> Result<u32, StoreError> {
    let err = |what: &str, e: clickhouse::error::Error| {
        StoreError::Clickhouse(format!("migration: {what}: {e}"))
    };
    root.query(&format!("CREATE DATABASE IF NOT EXISTS {db}"))
        .execute()
        .await
        .map_err(|e| err("create database", e))?;
    root.query(&format!(
        "CREATE TABLE IF NOT EXISTS {db}.schema_migrations (version UInt32, name String, applied_at DateTime)
         ENGINE = MergeTree ORDER BY version"
    ))
    .execute()
    .await
    .map_err(|e| err("schema_migrations", e))?;
    let current: u32 = root
        .query(&format!(
            "SELECT toUInt32(max(version)) FROM {db}.schema_migrations"
        ))
        .fetch_one()
        .await
        .map_err(|e| err("read version", e))?;
    let mut version = current;
    for (v, name, statements) in migrations(db, features)
        .into_iter()
        .filter(|(v, _, _)| *v > current)
    {
        for sql in statements {
            match root.query(&sql).execute().await {
                Ok(()) => {}
                Err(e) if is_column_added_before(&sql, &e) => {}
                Err(e) => return Err(err(&format!("version {v}: {sql}"), e)),
            }
        }
        let mut insert = root
            .clone()
            .with_database(db)
            .insert::<MigrationRow>("schema_migrations")
            .await
            .map_err(|e| err("record version", e))?;
        let applied_at = chrono::Utc::now().timestamp() as u32;
        insert
            .write(&MigrationRow {
                version: v,
                name: name.to_string(),
                applied_at,
            })
            .await
            .map_err(|e| err("record version", e))?;
        insert.end().await.map_err(|e| err("record version", e))?;
        version = v;
    }
    Ok(version)
}

/// An `ADD COLUMN` that failed because the column is there: a migration interrupted after
/// it ran (error 15, `DUPLICATE_COLUMN`, on every release we support).
fn is_column_added_before(sql: &str, e: &clickhouse::error::Error) -> bool {
    let message = e.to_string();
    sql.contains(" ADD COLUMN ")
        && (message.contains("Code: 15") || message.contains("DUPLICATE_COLUMN"))
        && message.contains("already exists")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_follow_the_server_version() {
        assert!(!Features::of_version("18.16.1").low_cardinality);
        assert!(!Features::of_version("19.17.4.11").low_cardinality);
        assert!(Features::of_version("24.8.4.13").low_cardinality);
        assert!(!Features::of_version("garbage").low_cardinality);
    }
}
