use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The configured id of a source (`"nos-binnenland"`, `"mastodon-social-nl"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceId(pub String);

impl SourceId {
    pub fn new(id: impl Into<String>) -> Self {
        SourceId(id.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stable item id: 32 hex digits of SHA-256 over the source id and the post's own
/// identity (its guid, or else its url).
///
/// The same post fetched again, by another replica or after a crash, gets the same id,
/// which is what makes at-least-once delivery count exactly once downstream. The id is
/// deliberately *not* a hash of the content: an edited post stays the same item.
///
/// Items read from JSON Lines may carry any non-empty id string of their own; only ids
/// minted by websense have this shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub String);

impl ItemId {
    /// Derive the id of a post from its source and its guid (preferred) or url.
    pub fn derive(source: &SourceId, guid_or_url: &str) -> ItemId {
        let mut h = Sha256::new();
        h.update(source.0.as_bytes());
        // A separator that cannot occur in a source id keeps ("a", "bc") and ("ab", "c") apart.
        h.update([0u8]);
        h.update(guid_or_url.trim().as_bytes());
        let digest = h.finalize();
        ItemId(hex::encode(&digest[..16]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_and_separate_sources() {
        let a = SourceId::new("nos");
        let b = SourceId::new("nu");
        let id1 = ItemId::derive(&a, "https://example.org/1");
        assert_eq!(id1, ItemId::derive(&a, " https://example.org/1 "));
        assert_ne!(id1, ItemId::derive(&b, "https://example.org/1"));
        assert_ne!(id1, ItemId::derive(&a, "https://example.org/2"));
        assert_eq!(id1.as_str().len(), 32);
        // boundary between source and guid is unambiguous
        assert_ne!(
            ItemId::derive(&SourceId::new("ab"), "c"),
            ItemId::derive(&SourceId::new("a"), "bc")
        );
    }
}
