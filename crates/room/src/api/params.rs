//! The parameters handlers share, each checked in one place so that no request can ask for
//! unbounded work or overflow date arithmetic: moments (`from`, `to`, `at`, `now`) within
//! [`EARLIEST`]..[`LATEST`], ranges in order and, for the store's analyses, at most
//! `[room] max_range` long, page sizes and offsets, and reasons.

use crate::config::whole_days;
use crate::error::{ApiError, ErrorCode};
use crate::Room;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer};
use websense_store::{Filter, TimeRange};

/// The earliest moment a request may name: nothing the Room holds is older.
pub(crate) const EARLIEST: &str = "1970-01-01T00:00:00Z";
/// The latest moment a request may name: far enough for any plan, near enough that adding a
/// year of hours, weeks or seasons to it cannot overflow.
pub(crate) const LATEST: &str = "2200-01-01T00:00:00Z";

fn bound(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// A moment in a request: RFC 3339, between [`EARLIEST`] and [`LATEST`].
pub(crate) fn moment(text: &str) -> Result<DateTime<Utc>, String> {
    let t: DateTime<Utc> = text
        .parse()
        .map_err(|e| format!("`{text}` is not an RFC 3339 time like 2024-05-01T12:00:00Z: {e}"))?;
    if t < bound(EARLIEST) || t > bound(LATEST) {
        return Err(format!(
            "`{text}` is out of range: times lie between {EARLIEST} and {LATEST}"
        ));
    }
    Ok(t)
}

/// `#[serde(deserialize_with = "at")]`: a required moment (see [`moment`]).
pub(crate) fn at<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    moment(&text).map_err(serde::de::Error::custom)
}

/// `#[serde(default, deserialize_with = "maybe_at")]`: an optional moment.
pub(crate) fn maybe_at<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    at(d).map(Some)
}

/// `from` and `to`: a range `[from, to)` with `from` before `to`.
pub(crate) fn range(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<TimeRange, ApiError> {
    if from >= to {
        return Err(ApiError::bad_request(format!(
            "`from` ({}) must be before `to` ({})",
            from.to_rfc3339(),
            to.to_rfc3339()
        ))
        .coded(ErrorCode::new("range_order")));
    }
    Ok(TimeRange::new(from, to))
}

/// A range the store analyses (series, totals, rising and emerging terms, spikes): as
/// [`range`], and at most `[room] max_range` long (in whole days), since the work grows with it.
pub(crate) fn store_range(
    room: &Room,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<TimeRange, ApiError> {
    let range = range(from, to)?;
    let max = i64::try_from(whole_days(room.config.max_range)).unwrap_or(i64::MAX);
    if range.to - range.from > Duration::try_days(max).unwrap_or(Duration::MAX) {
        return Err(ApiError::bad_request(format!(
            "the range from `from` to `to` is {} days long; at most {max} days \
             (`[room] max_range`): ask for a shorter range",
            (range.to - range.from).num_days()
        ))
        .coded(
            ErrorCode::new("range_too_long")
                .with("days", (range.to - range.from).num_days())
                .with("max", max),
        ));
    }
    Ok(range)
}

/// The store filter from the `source`, `tag`, `language` and `municipality` query
/// parameters; a malformed municipality code is a 400 (see [`municipalities`]).
pub(crate) fn filter(
    source: &Option<String>,
    tag: &Option<String>,
    language: &Option<String>,
    municipality: &Option<String>,
) -> Result<Filter, ApiError> {
    Ok(Filter {
        source: source.clone(),
        tag: tag.clone(),
        language: language.clone(),
        municipalities: municipalities(municipality.as_deref())?,
    })
}

/// The query parameter that names municipalities: repeatable, and comma-separated.
pub(crate) const MUNICIPALITY: &str = "municipality";

/// The most municipality codes one request may name (the Netherlands has 342).
pub(crate) const MAX_MUNICIPALITIES: usize = 400;

/// The codes of the `municipality` parameter (after [`join_repeated`]): comma-separated CBS
/// codes (`GM0479`, any case), distinct, in the order given; none when absent or empty.
/// Anything else is a 400 `bad_municipality` naming the value.
pub(crate) fn municipalities(text: Option<&str>) -> Result<Vec<String>, ApiError> {
    let mut codes: Vec<String> = Vec::new();
    for value in text.unwrap_or("").split(',').map(str::trim) {
        if value.is_empty() {
            continue;
        }
        let code = value.to_ascii_uppercase();
        if !websense_model::place::is_municipality_code(&code) {
            return Err(ApiError::bad_request(format!(
                "`municipality`: `{value}` is not a municipality code: GM and four digits, \
                 like GM0479 (Zaanstad)"
            ))
            .coded(ErrorCode::new("bad_municipality").with("value", value)));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.len() > MAX_MUNICIPALITIES {
        return Err(ApiError::bad_request(format!(
            "`municipality` names {} municipalities; at most {MAX_MUNICIPALITIES}",
            codes.len()
        ))
        .coded(ErrorCode::new("bad_municipality").with("value", codes.len())));
    }
    Ok(codes)
}

/// `query` with the values of a repeated `municipality` parameter joined into one,
/// comma-separated, so serde (which refuses a field given twice) reads them as one value;
/// `None` when nothing is repeated. [`crate::error::ApiQuery`] applies it to every query.
pub(crate) fn join_repeated(query: &str) -> Option<String> {
    let is_list = |pair: &&str| pair.split('=').next() == Some(MUNICIPALITY);
    if query.split('&').filter(is_list).count() < 2 {
        return None;
    }
    let values: Vec<&str> = query
        .split('&')
        .filter(is_list)
        .map(|pair| pair.split_once('=').map_or("", |(_, v)| v))
        .collect();
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !is_list(pair))
        .map(String::from)
        .collect();
    pairs.push(format!("{MUNICIPALITY}={}", values.join(",")));
    Some(pairs.join("&"))
}

/// A page size: `default` when absent, at most `max`, at least 1.
pub(crate) fn limit(asked: Option<usize>, default: usize, max: usize) -> Result<usize, ApiError> {
    match asked {
        None => Ok(default),
        Some(0) => Err(ApiError::bad_request("`limit` must be at least 1")
            .coded(ErrorCode::new("bad_limit").with("max", max))),
        Some(n) if n > max => Err(
            ApiError::bad_request(format!("`limit` must be at most {max}"))
                .coded(ErrorCode::new("bad_limit").with("max", max)),
        ),
        Some(n) => Ok(n),
    }
}

/// The furthest a listing pages: a million rows skipped is already more than anyone reads.
pub(crate) const MAX_OFFSET: usize = 1_000_000;

/// An `offset` into a listing: 0 when absent, at most [`MAX_OFFSET`].
pub(crate) fn offset(asked: Option<usize>) -> Result<usize, ApiError> {
    match asked.unwrap_or(0) {
        n if n > MAX_OFFSET => Err(ApiError::bad_request(format!(
            "`offset` must be at most {MAX_OFFSET}"
        ))
        .coded(ErrorCode::new("bad_offset").with("max", MAX_OFFSET))),
        n => Ok(n),
    }
}

/// The longest reason kept with a decision (it goes into the audit log with it).
pub(crate) const MAX_REASON_CHARS: usize = 2000;

/// A required reason: trimmed, not empty, at most [`MAX_REASON_CHARS`] characters.
pub(crate) fn reason(text: Option<&str>, what: &str) -> Result<String, ApiError> {
    let r = text.map(str::trim).unwrap_or("");
    if r.is_empty() {
        return Err(
            ApiError::unprocessable(format!("`reason` is required to {what}"))
                .coded(ErrorCode::new("reason_required")),
        );
    }
    optional_reason(Some(r)).map(|r| r.unwrap_or_default())
}

/// An optional reason: trimmed, empty is none, at most [`MAX_REASON_CHARS`] characters.
pub(crate) fn optional_reason(text: Option<&str>) -> Result<Option<String>, ApiError> {
    let r = text.map(str::trim).unwrap_or("");
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(ApiError::unprocessable(format!(
            "`reason` is longer than {MAX_REASON_CHARS} characters"
        ))
        .coded(ErrorCode::new("reason_too_long").with("max", MAX_REASON_CHARS)));
    }
    Ok((!r.is_empty()).then(|| r.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn municipalities_are_repeatable_and_comma_separated() {
        assert_eq!(join_repeated("municipality=GM0479&from=x"), None);
        assert_eq!(
            join_repeated("municipality=GM0479&from=x&municipality=gm0363%2CGM0453").as_deref(),
            Some("from=x&municipality=GM0479,gm0363%2CGM0453")
        );
        assert_eq!(
            municipalities(Some("GM0479, gm0363,,GM0479")).unwrap(),
            ["GM0479", "GM0363"]
        );
        assert!(municipalities(None).unwrap().is_empty());
        for bad in ["Zaanstad", "GM047", "GM04790", "0479", "GM0479,XX"] {
            assert!(municipalities(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn moments_beyond_the_bounds_are_refused_with_the_bounds() {
        for text in [
            "-262143-01-01T00:00:00Z",
            "+262142-12-31T23:59:59Z",
            "1969-12-31T23:59:59Z",
            "2200-01-01T00:00:01Z",
        ] {
            let e = moment(text).unwrap_err();
            assert!(e.contains(EARLIEST) && e.contains(LATEST), "{e}");
        }
        assert!(moment("2026-13-01T00:00:00Z").is_err());
        assert_eq!(moment(EARLIEST).unwrap(), bound(EARLIEST));
        assert_eq!(
            moment("2024-05-01T14:00:00+02:00").unwrap().to_rfc3339(),
            "2024-05-01T12:00:00+00:00"
        );
    }
}
