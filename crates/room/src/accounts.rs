//! Accounts, roles, password hashes and bearer tokens.

use crate::config::PasswordHashCost;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What an account may do (see the crate documentation for the table per endpoint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Watches trends, reads items behind them, decides on signal candidates.
    Analyst,
    /// Maintains the lexicons: evaluates drafts against stored items.
    Curator,
    /// Liaison with the case table (i2o): receives and exports confirmed signals.
    I2oLiaison,
    /// Runs the room: audit log, delivery status, author resolution.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Analyst, Role::Curator, Role::I2oLiaison, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Curator => "curator",
            Role::I2oLiaison => "i2o_liaison",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_roles(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::parse).collect()
}

/// Who is calling: a signed-in account with its roles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Caller {
    pub name: String,
    pub roles: Vec<Role>,
    /// The municipalities (CBS codes) whose posts this account may read, set by an admin
    /// ([`crate::scope`]); empty: not scoped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub municipalities: Vec<String>,
}

impl Caller {
    pub fn roles_text(&self) -> String {
        roles_text(&self.roles)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    #[error("account name {0:?}: use 1 to 64 lowercase letters, digits, '.', '_' or '-'")]
    BadName(String),
    #[error("an account needs at least one role")]
    NoRoles,
    #[error("account {0:?} exists already")]
    Exists(String),
    #[error("no account {0:?}")]
    NotFound(String),
    #[error("password too short: at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("room database: {0}")]
    Db(String),
}

impl From<rusqlite::Error> for AccountError {
    fn from(e: rusqlite::Error) -> Self {
        AccountError::Db(e.to_string())
    }
}

pub const MIN_PASSWORD_CHARS: usize = 12;

pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn argon2(cost: PasswordHashCost) -> Result<Argon2<'static>, AccountError> {
    let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Argon2's working memory for one hash or check at `cost` (`memory_kib` KiB), written
/// through so that it is resident from the start. A buffer is reused for every check, so a
/// login allocates nothing (see [`verify_password_in`]).
pub fn hash_memory(cost: PasswordHashCost) -> Vec<Block> {
    vec![Block::default(); argon2(cost).map(|a| a.params().block_count()).unwrap_or(0)]
}

/// An Argon2id hash of `password` in PHC string form (it carries its salt and parameters).
pub fn hash_password(password: &str, cost: PasswordHashCost) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(argon2(cost)?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AccountError::Hash(e.to_string()))?
        .to_string())
}

fn grow(memory: &mut Vec<Block>, params: &Params) {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
}

/// Whether `password` matches a PHC hash (with the hash's own parameters).
pub fn verify_password(password: &str, phc: &str) -> bool {
    verify_password_in(password, phc, &mut Vec::new())
}

/// [`verify_password`] in `memory`, which is grown when the hash's parameters need more. The
/// comparison is in constant time, as `argon2`'s own verifier does it.
pub fn verify_password_in(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    grow(memory, &params);
    let argon2 = Argon2::new(algorithm, version, params);
    let mut computed = vec![0u8; expected.len()];
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut computed, &mut memory[..])
        .is_ok()
        && Output::new(&computed).is_ok_and(|c| c == expected)
}

/// Create an account. The password must be hashed already ([`hash_password`]).
pub fn create_account(
    conn: &Connection,
    name: &str,
    roles: &[Role],
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), AccountError> {
    if !is_valid_name(name) {
        return Err(AccountError::BadName(name.to_string()));
    }
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(AccountError::NoRoles);
    }
    let n = conn.execute(
        "INSERT OR IGNORE INTO accounts (name, roles, password_hash, created_ms) VALUES (?1, ?2, ?3, ?4)",
        params![name, roles_text(&roles), password_hash, now.timestamp_millis()],
    )?;
    if n == 0 {
        return Err(AccountError::Exists(name.to_string()));
    }
    Ok(())
}

/// Set an account's password; its sessions end.
pub fn set_password(
    conn: &Connection,
    name: &str,
    password_hash: &str,
) -> Result<(), AccountError> {
    let n = conn.execute(
        "UPDATE accounts SET password_hash = ?2 WHERE name = ?1",
        params![name, password_hash],
    )?;
    if n == 0 {
        return Err(AccountError::NotFound(name.to_string()));
    }
    conn.execute("DELETE FROM sessions WHERE account = ?1", [name])?;
    Ok(())
}

/// Account names with their roles and whether they are disabled.
pub fn list_accounts(conn: &Connection) -> Result<Vec<(String, Vec<Role>, bool)>, AccountError> {
    let mut stmt = conn.prepare("SELECT name, roles, disabled FROM accounts ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            parse_roles(&r.get::<_, String>(1)?),
            r.get::<_, bool>(2)?,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An enabled account's roles and password hash.
pub fn credentials(
    conn: &Connection,
    name: &str,
) -> Result<Option<(Vec<Role>, String)>, AccountError> {
    Ok(conn
        .query_row(
            "SELECT roles, password_hash FROM accounts WHERE name = ?1 AND disabled = 0",
            [name],
            |r| Ok((parse_roles(&r.get::<_, String>(0)?), r.get(1)?)),
        )
        .optional()?)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Start a session: a new random bearer token (returned once, stored only as its SHA-256).
/// Expired sessions are cleared on the way.
pub fn create_session(
    conn: &Connection,
    name: &str,
    ttl: Duration,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), AccountError> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let expires = now + ttl;
    conn.execute(
        "DELETE FROM sessions WHERE expires_ms <= ?1",
        [now.timestamp_millis()],
    )?;
    conn.execute(
        "INSERT INTO sessions (token_hash, account, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4)",
        params![
            token_hash(&token),
            name,
            now.timestamp_millis(),
            expires.timestamp_millis()
        ],
    )?;
    Ok((token, expires))
}

/// The caller behind a token, if the token is known, unexpired and its account enabled.
pub fn session_caller(
    conn: &Connection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Caller>, AccountError> {
    Ok(conn
        .query_row(
            "SELECT a.name, a.roles, a.municipalities FROM sessions s JOIN accounts a ON a.name = s.account
             WHERE s.token_hash = ?1 AND s.expires_ms > ?2 AND a.disabled = 0",
            params![token_hash(token), now.timestamp_millis()],
            |r| {
                Ok(Caller {
                    name: r.get(0)?,
                    roles: parse_roles(&r.get::<_, String>(1)?),
                    municipalities: crate::scope::parse_codes(&r.get::<_, String>(2)?),
                })
            },
        )
        .optional()?)
}

/// End the session of a token. Returns whether there was one.
pub fn end_session(conn: &Connection, token: &str) -> Result<bool, AccountError> {
    Ok(conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [token_hash(token)],
    )? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PasswordHashCost = PasswordHashCost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn hashes_verify_only_their_password_and_carry_their_parameters() {
        let h = hash_password("correct horse battery", CHEAP).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batter", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(h, hash_password("correct horse battery", CHEAP).unwrap());
    }

    #[test]
    fn names_and_roles() {
        assert!(is_valid_name("ana.de-vries_2"));
        assert!(!is_valid_name("Ana"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("a b"));
        assert_eq!(Role::parse("i2o_liaison"), Some(Role::I2oLiaison));
        assert_eq!(Role::parse("root"), None);
        assert_eq!(
            parse_roles("admin,analyst,bogus"),
            vec![Role::Admin, Role::Analyst]
        );
    }
}
