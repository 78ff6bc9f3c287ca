//! Sources switched off at run time (by an admin in the Room), without editing the
//! configuration: `STATE_DIR/switches.json`. The collector reads it before every round of a
//! source and skips the sources it lists; the Room writes it. The format lives here, so that
//! neither crate depends on the other for it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The file's name in the collector's state directory.
pub const SWITCHES_FILE: &str = "switches.json";

/// Who switched a source off, when and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchedOff {
    pub by: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The sources switched off, by source id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Switches {
    #[serde(default)]
    pub disabled: BTreeMap<String, SwitchedOff>,
}

impl Switches {
    /// Read the file; a missing file means every source is on.
    pub fn read(path: &Path) -> Result<Switches, String> {
        crate::state_file::read_json(path, "switches file")
    }

    /// Write the file whole (a temporary file renamed over it), so a reader never sees half.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        crate::state_file::write_json(path, self)
    }

    pub fn is_off(&self, source: &str) -> bool {
        self.disabled.contains_key(source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_all_on_and_writes_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SWITCHES_FILE);
        assert_eq!(Switches::read(&path).unwrap(), Switches::default());
        let mut s = Switches::default();
        s.disabled.insert(
            "a".into(),
            SwitchedOff {
                by: "beheer".into(),
                at: Utc::now(),
                reason: Some("te veel ruis".into()),
            },
        );
        s.write(&path).unwrap();
        let back = Switches::read(&path).unwrap();
        assert!(back.is_off("a") && !back.is_off("b"));
        std::fs::write(&path, b"{not json").unwrap();
        assert!(Switches::read(&path).unwrap_err().contains("switches.json"));
    }
}
