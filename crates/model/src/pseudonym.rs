use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;

/// A keyed pseudonym of an author: `"p_"` followed by 20 hex digits of
/// HMAC-SHA256(key, source id, handle).
///
/// The same handle on the same source always gets the same pseudonym under one key, so
/// analysts can see that several posts share an author without learning who it is. Without
/// the key (kept outside the database) the handle cannot be recovered by hashing guesses.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pseudonym(pub String);

impl fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret key behind pseudonyms. Its `Debug` output never shows the key.
#[derive(Clone)]
pub struct PseudonymKey(Vec<u8>);

#[derive(Debug, thiserror::Error)]
pub enum PseudonymKeyError {
    #[error("pseudonym key is too short: {0} bytes, at least 16 needed")]
    TooShort(usize),
    #[error("cannot read pseudonym key file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PseudonymKey(<secret>)")
    }
}

impl PseudonymKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<PseudonymKey, PseudonymKeyError> {
        if bytes.len() < 16 {
            return Err(PseudonymKeyError::TooShort(bytes.len()));
        }
        Ok(PseudonymKey(bytes.to_vec()))
    }

    /// Read a key file (its bytes, trailing newline ignored).
    pub fn from_file(path: &std::path::Path) -> Result<PseudonymKey, PseudonymKeyError> {
        let bytes = std::fs::read(path).map_err(|source| PseudonymKeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let trimmed = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        PseudonymKey::from_bytes(trimmed)
    }

    /// Pseudonymise `handle` as seen on `source`. Handles are compared case-insensitively
    /// (`@Jan` and `@jan` are one account on every platform we read) and without a leading `@`.
    pub fn pseudonymise(&self, source: &str, handle: &str) -> Pseudonym {
        let canonical = handle.trim().trim_start_matches('@').to_lowercase();
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(source.as_bytes());
        mac.update(&[0]);
        mac.update(canonical.as_bytes());
        let out = mac.finalize().into_bytes();
        Pseudonym(format!("p_{}", hex::encode(&out[..10])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_keyed_and_stable() {
        let k1 = PseudonymKey::from_bytes(b"0123456789abcdef-one").unwrap();
        let k2 = PseudonymKey::from_bytes(b"0123456789abcdef-two").unwrap();
        let p = k1.pseudonymise("mastodon", "@Jan");
        assert_eq!(p, k1.pseudonymise("mastodon", "jan"));
        assert_ne!(p, k2.pseudonymise("mastodon", "jan"));
        assert_ne!(p, k1.pseudonymise("reddit", "jan"));
        assert!(!p.0.contains("jan"));
        assert_eq!(p.0.len(), 22);
        assert!(PseudonymKey::from_bytes(b"short").is_err());
        assert_eq!(format!("{k1:?}"), "PseudonymKey(<secret>)");
    }
}
