//! The writer's cache of name ids: `categories`, `terms`, `sources`, `languages` and
//! `tag_lists` (and `municipality_lists`) map each name to a small integer id once (see the module documentation of
//! [`super`]).

use crate::rows::rollup_tags;
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// The writer's cache of name ids (see the module documentation). A miss inserts the name if
/// it is new and reads its id, inside the write's transaction.
#[derive(Default)]
pub(super) struct NameIds {
    categories: HashMap<String, i64>,
    /// By category id, then term.
    terms: HashMap<i64, HashMap<String, i64>>,
    sources: HashMap<String, i64>,
    languages: HashMap<String, i64>,
    /// By the JSON of the list.
    tag_lists: HashMap<String, i64>,
    /// By the JSON of the list of codes.
    municipality_lists: HashMap<String, i64>,
}

/// The id of `name` in a table `(id INTEGER PRIMARY KEY, <column> TEXT NOT NULL UNIQUE)`.
fn name_id(
    conn: &Connection,
    cache: &mut HashMap<String, i64>,
    table: &str,
    column: &str,
    name: &str,
) -> rusqlite::Result<i64> {
    if let Some(&id) = cache.get(name) {
        return Ok(id);
    }
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {table} ({column}) VALUES (?1)"
    ))?
    .execute([name])?;
    let id = conn
        .prepare_cached(&format!("SELECT id FROM {table} WHERE {column} = ?1"))?
        .query_row([name], |r| r.get(0))?;
    cache.insert(name.to_string(), id);
    Ok(id)
}

impl NameIds {
    pub(super) fn category(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        name_id(conn, &mut self.categories, "categories", "name", name)
    }

    pub(super) fn source(&mut self, conn: &Connection, name: &str) -> rusqlite::Result<i64> {
        name_id(conn, &mut self.sources, "sources", "name", name)
    }

    pub(super) fn language(&mut self, conn: &Connection, code: &str) -> rusqlite::Result<i64> {
        name_id(conn, &mut self.languages, "languages", "code", code)
    }

    pub(super) fn term(
        &mut self,
        conn: &Connection,
        category: &str,
        term: &str,
    ) -> rusqlite::Result<i64> {
        let category = self.category(conn, category)?;
        let terms = self.terms.entry(category).or_default();
        if let Some(&id) = terms.get(term) {
            return Ok(id);
        }
        conn.prepare_cached("INSERT OR IGNORE INTO terms (category, term) VALUES (?1, ?2)")?
            .execute(params![category, term])?;
        let id = conn
            .prepare_cached("SELECT id FROM terms WHERE category = ?1 AND term = ?2")?
            .query_row(params![category, term], |r| r.get(0))?;
        terms.insert(term.to_string(), id);
        Ok(id)
    }

    /// `json` is `tags` as JSON, the list's key.
    pub(super) fn tag_list(
        &mut self,
        conn: &Connection,
        json: &str,
        tags: &[String],
    ) -> rusqlite::Result<i64> {
        if let Some(&id) = self.tag_lists.get(json) {
            return Ok(id);
        }
        let id = name_id(conn, &mut self.tag_lists, "tag_lists", "tags", json)?;
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO tag_list_tags (tag, tag_list) VALUES (?1, ?2)",
        )?;
        for tag in rollup_tags(tags) {
            insert.execute(params![tag, id])?;
        }
        Ok(id)
    }

    /// The id of an item's list of municipality codes; 0 for none.
    pub(super) fn municipality_list(
        &mut self,
        conn: &Connection,
        codes: &[String],
    ) -> rusqlite::Result<i64> {
        if codes.is_empty() {
            return Ok(0);
        }
        let json = serde_json::to_string(codes).unwrap_or_default();
        if let Some(&id) = self.municipality_lists.get(&json) {
            return Ok(id);
        }
        let id = name_id(
            conn,
            &mut self.municipality_lists,
            "municipality_lists",
            "codes",
            &json,
        )?;
        let mut insert = conn.prepare_cached(
            "INSERT OR IGNORE INTO municipality_list_members (municipality, municipality_list) VALUES (?1, ?2)",
        )?;
        for code in rollup_tags(codes) {
            insert.execute(params![code, id])?;
        }
        Ok(id)
    }
}
