use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parse a timestamp as feeds and APIs write them: RFC 3339, RFC 2822 (also with the zone
/// abbreviations feeds use, `CET`, `EST`, ...), `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD` (read as
/// UTC), a bare year, or Unix seconds or milliseconds (9 digits or more). `None` when it is none of these.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let s = text.trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Some(t) = rfc2822_with_zone_name(s) {
        return Some(t);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    }
    // A bare year (`2024`) is a year, not 2024 seconds after 1970; other bare numbers are
    // Unix time only when they are long enough to be of this era (9 digits: 1973 on).
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::from_ymd_opt(s.parse().ok()?, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t));
    }
    let integer_digits = s.split('.').next().unwrap_or("");
    if integer_digits.len() >= 9 && integer_digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = s.parse::<f64>() {
            return unix_time(n);
        }
    }
    None
}

/// Unix seconds, or milliseconds when the number is too large to be seconds of this era.
pub(crate) fn unix_time(n: f64) -> Option<DateTime<Utc>> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let millis = if n > 1e11 { n } else { n * 1000.0 };
    if millis > 1e14 {
        return None;
    }
    DateTime::from_timestamp_millis(millis as i64)
}

fn rfc2822_with_zone_name(s: &str) -> Option<DateTime<Utc>> {
    let (head, zone) = s.rsplit_once(' ')?;
    let offset_hours = match zone.to_ascii_uppercase().as_str() {
        "UTC" | "UT" | "GMT" | "Z" => 0,
        "CET" | "MET" | "BST" | "WAT" => 1,
        "CEST" | "MEST" | "EET" => 2,
        "EEST" => 3,
        "EST" | "CDT" => -5,
        "EDT" => -4,
        "CST" | "MDT" => -6,
        "MST" | "PDT" => -7,
        "PST" => -8,
        _ => return None,
    };
    let offset = FixedOffset::east_opt(offset_hours * 3600)?;
    // Drop the weekday, which feeds get wrong as often as not.
    let head = head
        .split_once(',')
        .map(|(_, rest)| rest)
        .unwrap_or(head)
        .trim();
    for fmt in ["%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%d %B %Y %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(head, fmt) {
            return offset
                .from_local_datetime(&t)
                .single()
                .map(|t| t.with_timezone(&Utc));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> String {
        parse_time(s)
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn the_formats_feeds_use() {
        assert_eq!(
            iso("2024-03-01T10:00:00+01:00"),
            "2024-03-01T09:00:00+00:00"
        );
        assert_eq!(
            iso("Fri, 01 Mar 2024 10:00:00 +0100"),
            "2024-03-01T09:00:00+00:00"
        );
        assert_eq!(
            iso("Fri, 01 Mar 2024 10:00:00 GMT"),
            "2024-03-01T10:00:00+00:00"
        );
        assert_eq!(
            iso("Mon, 01 Mar 2024 10:00:00 CET"),
            "2024-03-01T09:00:00+00:00"
        );
        assert_eq!(iso("01 Mar 2024 10:00:00 EST"), "2024-03-01T15:00:00+00:00");
        assert_eq!(iso("2024-03-01 10:00:00"), "2024-03-01T10:00:00+00:00");
        assert_eq!(iso("2024-03-01"), "2024-03-01T00:00:00+00:00");
        assert_eq!(iso("1709287200"), "2024-03-01T10:00:00+00:00");
        assert_eq!(iso("1709287200000"), "2024-03-01T10:00:00+00:00");
    }

    #[test]
    fn bare_numbers_are_years_or_unix_time_of_this_era() {
        assert_eq!(iso("2024"), "2024-01-01T00:00:00+00:00");
        assert_eq!(iso("1709287200"), "2024-03-01T10:00:00+00:00");
        assert_eq!(iso("1709287200000"), "2024-03-01T10:00:00+00:00");
        assert_eq!(iso("12345"), "none");
    }

    #[test]
    fn nonsense_is_none() {
        for s in [
            "",
            "gisteren",
            "32 Mar 2024 10:00:00 GMT",
            "2024-13-45",
            "-5",
            "1e300",
            "NaN",
        ] {
            assert_eq!(iso(s), "none", "{s}");
        }
    }
}
