//! The width of a trend bucket, shared by the store (roll-ups), trend analysis and the Room.

use serde::{Deserialize, Serialize};

/// The width of a trend bucket. Buckets start at multiples of their width since the Unix
/// epoch, in UTC (a day bucket starts at 00:00 UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BucketSize {
    #[serde(rename = "5m")]
    FiveMinutes,
    #[serde(rename = "1h")]
    Hour,
    #[serde(rename = "1d")]
    Day,
}

impl BucketSize {
    pub fn seconds(self) -> i64 {
        match self {
            BucketSize::FiveMinutes => 300,
            BucketSize::Hour => 3600,
            BucketSize::Day => 86_400,
        }
    }
}
