//! Municipality scopes: which municipalities' posts an account may read, and what each person
//! chose to look at.
//!
//! An admin scopes an account to one or more municipalities (`POST
//! /api/accounts/{name}/municipalities`, audited as `scope_account`). A scoped account reads
//! the posts of its municipalities only, through every endpoint that returns posts, items,
//! signals or exports: its scope is a forced filter, intersected with what it asks for
//! ([`forced`]). Asking for a municipality outside the scope is refused with **403**
//! (`out_of_scope`), not answered with an empty list: an analyst who mistypes a code learns
//! why nothing comes back, and nothing about that municipality's posts leaks either way. The
//! region's aggregate counts (trend series, totals, the map's figures, spikes) stay visible
//! to a scoped account: they carry no post text.
//!
//! An account without a scope reads what its roles allow. Scopes are stored in the room
//! database (`accounts.municipalities`); the choice a person made in a page's municipality
//! filter is kept per account in `account_settings` ([`setting`], [`set_setting`]), so it is
//! the same on every page and every device.

use crate::accounts::{AccountError, Caller};
use crate::error::{ApiError, ErrorCode};
use rusqlite::{params, Connection, OptionalExtension};

/// The settings key of the municipality filter a person chose.
pub const MUNICIPALITY_SETTING: &str = "municipalities";

/// CBS codes stored comma-separated (`GM0479,GM0453`): the well-formed ones, in order.
pub fn parse_codes(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| websense_model::place::is_municipality_code(c))
        .map(str::to_string)
        .collect()
}

fn codes_text(codes: &[String]) -> String {
    codes.join(",")
}

/// Whether the caller reads the posts of some municipalities only.
pub fn is_scoped(caller: &Caller) -> bool {
    !caller.municipalities.is_empty()
}

/// The municipalities a read of posts is limited to, for `caller` asking for `asked` (empty:
/// none named). Unscoped callers get what they asked for; a scoped caller gets its scope when
/// it names none, and what it names when all of it lies inside its scope. A code outside the
/// scope is 403 (`out_of_scope`).
pub fn forced(caller: &Caller, asked: &[String]) -> Result<Vec<String>, ApiError> {
    if !is_scoped(caller) {
        return Ok(asked.to_vec());
    }
    if asked.is_empty() {
        return Ok(caller.municipalities.clone());
    }
    if let Some(outside) = asked.iter().find(|c| !caller.municipalities.contains(c)) {
        return Err(ApiError::forbidden(format!(
            "your account reads the posts of {} only; {outside} is outside its scope",
            caller.municipalities.join(", ")
        ))
        .coded(ErrorCode::new("out_of_scope").with("municipality", outside.clone())));
    }
    Ok(asked.to_vec())
}

/// Whether `caller` may read the posts of an item attributed to `municipalities`: always
/// when unscoped; when scoped, only items of at least one of its municipalities.
pub fn may_read(caller: &Caller, municipalities: &[String]) -> bool {
    !is_scoped(caller)
        || municipalities
            .iter()
            .any(|m| caller.municipalities.contains(m))
}

/// An account's scope (empty: none).
pub fn scope_of(conn: &Connection, name: &str) -> Result<Vec<String>, AccountError> {
    conn.query_row(
        "SELECT municipalities FROM accounts WHERE name = ?1",
        [name],
        |r| r.get::<_, String>(0),
    )
    .optional()?
    .map(|text| parse_codes(&text))
    .ok_or_else(|| AccountError::NotFound(name.to_string()))
}

/// Set an account's scope (empty: remove it). The codes must be checked already.
pub fn set_scope(conn: &Connection, name: &str, codes: &[String]) -> Result<(), AccountError> {
    let n = conn.execute(
        "UPDATE accounts SET municipalities = ?2 WHERE name = ?1",
        params![name, codes_text(codes)],
    )?;
    if n == 0 {
        return Err(AccountError::NotFound(name.to_string()));
    }
    Ok(())
}

/// One of an account's settings.
pub fn setting(
    conn: &Connection,
    account: &str,
    key: &str,
) -> Result<Option<String>, AccountError> {
    Ok(conn
        .query_row(
            "SELECT value FROM account_settings WHERE account = ?1 AND key = ?2",
            [account, key],
            |r| r.get(0),
        )
        .optional()?)
}

/// Keep one of an account's settings.
pub fn set_setting(
    conn: &Connection,
    account: &str,
    key: &str,
    value: &str,
) -> Result<(), AccountError> {
    conn.execute(
        "INSERT INTO account_settings (account, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (account, key) DO UPDATE SET value = excluded.value",
        params![account, key, value],
    )?;
    Ok(())
}

/// Accounts with their roles, whether disabled, and their scope, by name.
pub fn accounts_with_scopes(conn: &Connection) -> Result<Vec<AccountRow>, AccountError> {
    let mut stmt =
        conn.prepare("SELECT name, roles, disabled, municipalities FROM accounts ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok(AccountRow {
            name: r.get(0)?,
            roles: r
                .get::<_, String>(1)?
                .split(',')
                .filter_map(crate::accounts::Role::parse)
                .collect(),
            disabled: r.get(2)?,
            municipalities: parse_codes(&r.get::<_, String>(3)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An account as the accounts page lists it (no password hash).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccountRow {
    pub name: String,
    pub roles: Vec<crate::accounts::Role>,
    pub disabled: bool,
    pub municipalities: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    fn caller(scope: &[&str]) -> Caller {
        Caller {
            name: "a".into(),
            roles: vec![Role::Analyst],
            municipalities: scope.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_scope_is_a_forced_filter_and_outside_it_is_refused() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(forced(&caller(&[]), &[]).unwrap(), Vec::<String>::new());
        assert_eq!(
            forced(&caller(&[]), &codes(&["GM0363"])).unwrap(),
            ["GM0363"]
        );
        let zaan = caller(&["GM0479", "GM0453"]);
        assert_eq!(forced(&zaan, &[]).unwrap(), ["GM0479", "GM0453"]);
        assert_eq!(forced(&zaan, &codes(&["GM0453"])).unwrap(), ["GM0453"]);
        let e = forced(&zaan, &codes(&["GM0479", "GM0363"])).unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::FORBIDDEN);
        assert!(may_read(&zaan, &codes(&["GM0363", "GM0479"])));
        assert!(!may_read(&zaan, &codes(&["GM0363"])));
        assert!(
            !may_read(&zaan, &[]),
            "an item of no municipality is outside every scope"
        );
        assert!(may_read(&caller(&[]), &[]));
    }

    #[test]
    fn stored_codes_keep_only_well_formed_ones() {
        assert_eq!(parse_codes(""), Vec::<String>::new());
        assert_eq!(parse_codes("GM0479, GM0453,x,GM12"), ["GM0479", "GM0453"]);
    }
}
