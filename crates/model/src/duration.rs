//! Durations in configuration files: one text form everywhere, `"250ms"`, `"90s"`, `"15m"`,
//! `"2h"`, `"30d"`.
//!
//! Every duration setting of websense's configuration file has a name without a unit
//! (`token_ttl`, `linger`, `raw_text_retention`) and a value with one. [`parse_duration`]
//! reads the value; [`text`] and [`option_text`] are the serde helpers for
//! `std::time::Duration` fields; [`format_duration`] writes a duration back in the largest
//! unit that holds it exactly.
//!
//! Older configuration files spelled durations as integers with the unit in the key
//! (`token_ttl_minutes = 480`, `linger_ms = 5`), or as a bare number of seconds. Those keys
//! are read for one more release: [`legacy_duration!`](crate::legacy_duration) makes the field deserialiser that
//! reads an integer in the old key's unit (the field carries the old name as a serde
//! `alias`, so giving both keys is a duplicate-field error) and records a deprecation
//! notice naming the new key and the value to write. Notices are kept per thread until
//! whoever loads the configuration takes them with [`take_deprecations`] and logs them.

use serde::{Deserialize, Deserializer, Serializer};
use std::cell::RefCell;
use std::time::Duration;

/// The units a duration can be written in, smallest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Millis,
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl Unit {
    /// Every unit, smallest first.
    pub const ALL: [Unit; 5] = [
        Unit::Millis,
        Unit::Seconds,
        Unit::Minutes,
        Unit::Hours,
        Unit::Days,
    ];

    /// The suffix the unit is written with.
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Millis => "ms",
            Unit::Seconds => "s",
            Unit::Minutes => "m",
            Unit::Hours => "h",
            Unit::Days => "d",
        }
    }

    /// The unit's length in milliseconds.
    pub fn millis(self) -> u64 {
        match self {
            Unit::Millis => 1,
            Unit::Seconds => 1_000,
            Unit::Minutes => 60_000,
            Unit::Hours => 3_600_000,
            Unit::Days => 86_400_000,
        }
    }

    /// The word for the unit in messages.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Millis => "milliseconds",
            Unit::Seconds => "seconds",
            Unit::Minutes => "minutes",
            Unit::Hours => "hours",
            Unit::Days => "days",
        }
    }

    /// `n` of this unit, or `None` when that does not fit a [`Duration`].
    pub fn times(self, n: u64) -> Option<Duration> {
        let millis = n.checked_mul(self.millis())?;
        Some(Duration::from_millis(millis))
    }

    fn from_suffix(s: &str) -> Option<Unit> {
        Unit::ALL.into_iter().find(|u| u.suffix() == s)
    }
}

/// Why a text is not a duration; the message quotes the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(String);

const HINT: &str = "a number and a unit: ms, s, m, h or d, like 250ms, 90s, 15m, 2h or 30d";

/// Read `"250ms"`, `"90s"`, `"15m"`, `"2h"` or `"30d"` (a fraction such as `"1.5h"` too, to
/// the millisecond). The unit is required: `"5"` is refused, since it could mean anything.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let unit = unit.trim();
    let bad = |why: &str| DurationError(format!("`{text}` is not a duration: {why}"));
    if number.is_empty() {
        return Err(bad(&format!("write {HINT}")));
    }
    if unit.is_empty() {
        return Err(bad(&format!("it has no unit; write {HINT}")));
    }
    let Some(unit) = Unit::from_suffix(unit) else {
        return Err(bad(&format!("unknown unit `{unit}`; write {HINT}")));
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.contains('.') || (number.contains('.') && fraction.is_empty()) {
        return Err(bad(&format!("write {HINT}")));
    }
    let too_long = || {
        DurationError(format!(
            "`{text}` is too long a duration (at most about 584 million years)"
        ))
    };
    let whole: u64 = whole.parse().map_err(|_| too_long())?;
    let mut millis = whole.checked_mul(unit.millis()).ok_or_else(too_long)?;
    if !fraction.is_empty() {
        // Exact to the millisecond: digits past what a millisecond can hold must be zero.
        let mut part: u64 = 0;
        let mut scale = unit.millis();
        for digit in fraction.bytes().map(|b| u64::from(b - b'0')) {
            if !scale.is_multiple_of(10) {
                if digit != 0 {
                    return Err(bad("it is finer than a millisecond"));
                }
                continue;
            }
            scale /= 10;
            part += digit * scale;
        }
        millis = millis.checked_add(part).ok_or_else(too_long)?;
    }
    Ok(Duration::from_millis(millis))
}

/// Write a duration in the largest unit that holds it exactly (`"12h"`, `"90s"`, `"5ms"`);
/// what [`parse_duration`] reads back. Below a millisecond it is rounded down.
pub fn format_duration(d: Duration) -> String {
    let millis = d.as_millis();
    if millis == 0 {
        return "0s".into();
    }
    let unit = Unit::ALL
        .into_iter()
        .rev()
        .find(|u| millis.is_multiple_of(u128::from(u.millis())))
        .unwrap_or(Unit::Millis);
    format!("{}{}", millis / u128::from(unit.millis()), unit.suffix())
}

/// Serde for a `Duration` field written as text with a unit:
/// `#[serde(with = "websense_model::duration::text")]`.
pub mod text {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s).map_err(serde::de::Error::custom)
    }
}

/// Serde for an `Option<Duration>` field written as text with a unit (absent: `None`); use
/// with `#[serde(default)]`.
pub mod option_text {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&format_duration(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        text::deserialize(d).map(Some)
    }
}

thread_local! {
    static DEPRECATIONS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Record a deprecation notice (kept per thread until [`take_deprecations`]).
pub fn note_deprecation(message: String) {
    DEPRECATIONS.with(|d| d.borrow_mut().push(message));
}

/// The deprecation notices recorded on this thread since the last call, each once, in the
/// order first seen. Whoever loads a configuration logs them.
pub fn take_deprecations() -> Vec<String> {
    let all = DEPRECATIONS.with(|d| std::mem::take(&mut *d.borrow_mut()));
    let mut out: Vec<String> = Vec::with_capacity(all.len());
    for m in all {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// A duration as written under a key that has an old spelling: text with a unit, or (the
/// old spelling) a non-negative integer in the old key's unit.
enum LegacyValue {
    Old(u64),
    New(String),
}

impl<'de> Deserialize<'de> for LegacyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = LegacyValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                write!(f, "a duration like \"90s\", \"15m\" or \"2h\"")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<LegacyValue, E> {
                Ok(LegacyValue::Old(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<LegacyValue, E> {
                u64::try_from(n).map(LegacyValue::Old).map_err(|_| {
                    E::custom(format!("{n} is negative; write a duration like \"90s\""))
                })
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<LegacyValue, E> {
                Ok(LegacyValue::New(s.to_string()))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The deserialiser behind [`legacy_duration!`](crate::legacy_duration): text reads as a duration; an integer (only
/// the old key, or a bare number under a key that never had a unit, takes one) reads in
/// `old_unit` and records a notice naming `section`, `old_key` and the `new_key = "..."` to
/// write instead.
pub fn deserialize_legacy<'de, D: Deserializer<'de>>(
    d: D,
    section: &str,
    new_key: &str,
    old_key: &str,
    old_unit: Unit,
) -> Result<Duration, D::Error> {
    match LegacyValue::deserialize(d)? {
        LegacyValue::New(s) => parse_duration(&s).map_err(serde::de::Error::custom),
        LegacyValue::Old(n) => {
            let value = old_unit.times(n).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "[{section}] {old_key} = {n} ({}) is too long a duration",
                    old_unit.name()
                ))
            })?;
            let written = if old_key == new_key {
                format!("`{new_key} = {n}` (a number of {})", old_unit.name())
            } else {
                format!("`{old_key} = {n}`")
            };
            note_deprecation(format!(
                "[{section}] {written} is deprecated and will stop working in the next \
                 release: write `{new_key} = \"{}\"` instead",
                format_duration(value)
            ));
            Ok(value)
        }
    }
}

/// Define a serde field deserialiser `fn $name` for a duration setting that also reads its
/// old spelling (an integer in `$unit`, under `$old`; give the field
/// `#[serde(alias = $old, deserialize_with = "...")]`). With `option`, it makes an
/// `Option<Duration>` one (for `#[serde(default)]` fields that may be absent).
///
/// ```
/// use std::time::Duration;
/// use websense_model::legacy_duration;
///
/// legacy_duration!(token_ttl, "room", "token_ttl", "token_ttl_minutes", Minutes);
///
/// #[derive(serde::Deserialize)]
/// struct Room {
///     #[serde(alias = "token_ttl_minutes", deserialize_with = "token_ttl")]
///     token_ttl: Duration,
/// }
/// let old: Room = serde_json::from_str(r#"{"token_ttl_minutes": 90}"#).unwrap();
/// let new: Room = serde_json::from_str(r#"{"token_ttl": "90m"}"#).unwrap();
/// assert_eq!(old.token_ttl, new.token_ttl);
/// let notices = websense_model::duration::take_deprecations();
/// assert!(notices[0].contains("token_ttl = \"90m\""), "{notices:?}");
/// ```
#[macro_export]
macro_rules! legacy_duration {
    ($name:ident, $section:literal, $new:literal, $old:literal, $unit:ident) => {
        fn $name<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<::std::time::Duration, D::Error> {
            $crate::duration::deserialize_legacy(
                d,
                $section,
                $new,
                $old,
                $crate::duration::Unit::$unit,
            )
        }
    };
    (option $name:ident, $section:literal, $new:literal, $old:literal, $unit:ident) => {
        fn $name<'de, D: ::serde::Deserializer<'de>>(
            d: D,
        ) -> ::std::result::Result<::std::option::Option<::std::time::Duration>, D::Error> {
            $crate::duration::deserialize_legacy(
                d,
                $section,
                $new,
                $old,
                $crate::duration::Unit::$unit,
            )
            .map(::std::option::Option::Some)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_reads() {
        let cases = [
            ("250ms", Duration::from_millis(250)),
            ("90s", Duration::from_secs(90)),
            ("15m", Duration::from_secs(900)),
            ("2h", Duration::from_secs(7200)),
            ("30d", Duration::from_secs(30 * 86_400)),
            ("0s", Duration::ZERO),
            (" 5 m ", Duration::from_secs(300)),
            ("1.5h", Duration::from_secs(5400)),
            ("0.25s", Duration::from_millis(250)),
            ("1.500s", Duration::from_millis(1500)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn bad_values_are_refused_with_the_value_named() {
        for text in [
            "",
            "5",
            "soon",
            "5 parsecs",
            "m",
            "-5s",
            "1.5.2s",
            "5.s",
            ".5s",
            "5S",
            "1e3s",
            "0.0001s",
            "1.2345s",
            "5 ms ms",
        ] {
            let e = parse_duration(text).unwrap_err().to_string();
            assert!(e.contains(&format!("`{text}`")), "{text}: {e}");
        }
        assert!(parse_duration("5")
            .unwrap_err()
            .to_string()
            .contains("no unit"));
        assert!(parse_duration("5 parsecs")
            .unwrap_err()
            .to_string()
            .contains("unknown unit `parsecs`"));
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        for text in [
            "18446744073709551616ms", // u64::MAX + 1
            "18446744073709551615s",  // fits u64, not as milliseconds
            "213503982335d",          // just over u64::MAX milliseconds
            "18446744073709551.616s", // the fraction tips it over
            "99999999999999999999999999999d",
        ] {
            let e = parse_duration(text).unwrap_err().to_string();
            assert!(e.contains("too long") && e.contains(text), "{text}: {e}");
        }
        assert_eq!(
            parse_duration("213503982334d").unwrap(),
            Duration::from_millis(213_503_982_334 * 86_400_000)
        );
    }

    #[test]
    fn format_reads_back_in_the_largest_exact_unit() {
        let cases = [
            (Duration::from_secs(720 * 60), "12h"),
            (Duration::from_secs(90), "90s"),
            (Duration::from_millis(5), "5ms"),
            (Duration::from_millis(1000), "1s"),
            (Duration::from_secs(30 * 86_400), "30d"),
            (Duration::from_secs(36 * 3600), "36h"),
            (Duration::ZERO, "0s"),
        ];
        for (d, want) in cases {
            assert_eq!(format_duration(d), want);
            assert_eq!(parse_duration(want), Ok(d));
        }
    }

    crate::legacy_duration!(linger, "bus", "linger", "linger_ms", Millis);
    crate::legacy_duration!(option retention, "store", "retention", "retention_days", Days);

    #[derive(Debug, Deserialize, serde::Serialize)]
    #[serde(deny_unknown_fields)]
    struct Section {
        #[serde(
            alias = "linger_ms",
            deserialize_with = "linger",
            serialize_with = "text::serialize"
        )]
        linger: Duration,
        #[serde(
            default,
            alias = "retention_days",
            deserialize_with = "retention",
            serialize_with = "option_text::serialize"
        )]
        retention: Option<Duration>,
    }

    #[test]
    fn old_keys_read_in_their_unit_with_a_notice_and_both_is_an_error() {
        take_deprecations();
        let s: Section = serde_json::from_str(r#"{"linger": "5ms"}"#).unwrap();
        assert_eq!((s.linger, s.retention), (Duration::from_millis(5), None));
        assert!(take_deprecations().is_empty());

        let s: Section =
            serde_json::from_str(r#"{"linger_ms": 1500, "retention_days": 30}"#).unwrap();
        assert_eq!(s.linger, Duration::from_millis(1500));
        assert_eq!(s.retention, Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(
            take_deprecations(),
            [
                "[bus] `linger_ms = 1500` is deprecated and will stop working in the next \
                 release: write `linger = \"1500ms\"` instead",
                "[store] `retention_days = 30` is deprecated and will stop working in the \
                 next release: write `retention = \"30d\"` instead",
            ]
        );
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"linger":"1500ms","retention":"30d"}"#
        );

        let e = serde_json::from_str::<Section>(r#"{"linger": "5ms", "linger_ms": 5}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate field `linger`"), "{e}");
        let e = serde_json::from_str::<Section>(r#"{"linger": "5"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("`5`") && e.contains("no unit"), "{e}");
        let e = serde_json::from_str::<Section>(r#"{"linger_ms": -5}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("-5 is negative"), "{e}");
        let e = serde_json::from_str::<Section>(r#"{"retention_days": 300000000000000}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("retention_days") && e.contains("too long"),
            "{e}"
        );
    }

    #[test]
    fn notices_are_taken_once_each() {
        take_deprecations();
        note_deprecation("a".into());
        note_deprecation("b".into());
        note_deprecation("a".into());
        assert_eq!(take_deprecations(), ["a", "b"]);
        assert!(take_deprecations().is_empty());
    }
}
