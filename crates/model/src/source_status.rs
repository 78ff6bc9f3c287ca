//! What the collector knows about each source, as it writes it to `STATE_DIR/status.json`
//! ([`STATUS_FILE`]) and the Room reads it back: a shared file format, so both ends use this
//! one type. Unknown fields are ignored and missing ones take their defaults, so a file from an
//! older or newer collector still reads.

use crate::{SourceId, SourceKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The status file's name in the collector's state directory.
pub const STATUS_FILE: &str = "status.json";

/// The last error of a source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastError {
    pub at: DateTime<Utc>,
    pub url: String,
    pub message: String,
}

/// What is known about one source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    pub id: SourceId,
    pub kind: SourceKind,
    pub url: String,
    #[serde(default)]
    pub last_fetch: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_success: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_error: Option<LastError>,
    /// Items handed on, over all runs.
    #[serde(default)]
    pub items_total: u64,
    /// Items fetched again and skipped because they were handed on before, over all runs.
    #[serde(default)]
    pub duplicates_total: u64,
    #[serde(default)]
    pub consecutive_failures: u32,
    /// Odd but survivable things about the last fetch (bad dates, bad bytes, skipped records).
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub next_fetch: Option<DateTime<Utc>>,
    /// Items handed on by the last successful round.
    #[serde(default)]
    pub last_round_items: u64,
    /// The body's encoding as `chardetng` guessed it in the last round, when nothing
    /// declared one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_guess: Option<String>,
}

impl SourceStatus {
    pub fn new(id: SourceId, kind: SourceKind, url: String) -> SourceStatus {
        SourceStatus {
            id,
            kind,
            url,
            last_fetch: None,
            last_success: None,
            last_error: None,
            items_total: 0,
            duplicates_total: 0,
            consecutive_failures: 0,
            warnings: Vec::new(),
            next_fetch: None,
            last_round_items: 0,
            encoding_guess: None,
        }
    }

    /// Failing now: the last fetch ended in an error.
    pub fn is_failing(&self) -> bool {
        self.consecutive_failures > 0
    }
}
