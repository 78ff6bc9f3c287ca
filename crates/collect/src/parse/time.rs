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

/// Parse a time as web pages show it: everything [`parse_time`] reads, and the day-first
/// forms of Dutch and other European sites (`05-12-2026 14:03`, `5/12/2026`, `05.12.2026`),
/// and written-out months in Dutch or English (`5 december 2026 om 14:03`, `za 5 dec. 2026`,
/// `December 5, 2026 14:03`). Times without a zone are read as UTC, as [`parse_time`] does.
pub fn parse_page_time(text: &str) -> Option<DateTime<Utc>> {
    if let Some(t) = parse_time(text) {
        return Some(t);
    }
    let s = text.trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    for fmt in [
        "%d-%m-%Y %H:%M:%S",
        "%d-%m-%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    for fmt in ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
        }
    }
    written_month(s)
}

/// `5 december 2026 14:03`, `December 5, 2026`, with weekday names and filler words
/// (`om`, `at`, `uur`) ignored.
fn written_month(s: &str) -> Option<DateTime<Utc>> {
    let lower = s.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| !w.is_empty() && !matches!(*w, "om" | "at" | "uur" | "h"))
        .collect();
    let (mut day, mut month, mut year, mut time) = (None, None, None, None);
    for w in words {
        if let Some(m) = month_number(w) {
            month = month.or(Some(m));
        } else if w.contains(':') {
            time = time.or(Some(w));
        } else if let Ok(n) = w.parse::<u32>() {
            match (n, day) {
                (1..=31, None) if w.len() <= 2 => day = Some(n),
                (1000..=9999, _) => year = Some(n as i32),
                _ => return None,
            }
        } else if !is_weekday(w) {
            return None;
        }
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    let time = match time {
        None => chrono::NaiveTime::from_hms_opt(0, 0, 0)?,
        Some(t) => chrono::NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| chrono::NaiveTime::parse_from_str(t, "%H:%M"))
            .ok()?,
    };
    Some(Utc.from_utc_datetime(&date.and_time(time)))
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &["jan", "januari", "january"],
        &["feb", "februari", "february"],
        &["mrt", "maa", "mar", "maart", "march"],
        &["apr", "april"],
        &["mei", "may"],
        &["jun", "juni", "june"],
        &["jul", "juli", "july"],
        &["aug", "augustus", "august"],
        &["sep", "sept", "september"],
        &["okt", "oct", "oktober", "october"],
        &["nov", "november"],
        &["dec", "december"],
    ];
    (1..)
        .zip(MONTHS)
        .find_map(|(n, names)| names.contains(&word).then_some(n))
}

fn is_weekday(word: &str) -> bool {
    const DAYS: &[&str] = &[
        "ma",
        "di",
        "wo",
        "do",
        "vr",
        "za",
        "zo",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    DAYS.contains(&word)
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
    fn page_times_day_first_and_written_out() {
        let page = |s: &str| {
            parse_page_time(s)
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "none".into())
        };
        let want = "2026-12-05T14:03:00+00:00";
        for s in [
            "05-12-2026 14:03",
            "5/12/2026 14:03",
            "05.12.2026 14:03:00",
            "5 december 2026 om 14:03",
            "za 5 dec. 2026, 14:03",
            "zaterdag 5 december 2026 14:03 uur",
            "December 5, 2026 14:03",
            "2026-12-05T14:03:00Z",
        ] {
            assert_eq!(page(s), want, "{s}");
        }
        assert_eq!(page("05-12-2026"), "2026-12-05T00:00:00+00:00");
        for s in [
            "gisteren om 14:03",
            "5 december",
            "32 december 2026",
            "5 13 2026",
            "ma",
        ] {
            assert_eq!(page(s), "none", "{s}");
        }
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
