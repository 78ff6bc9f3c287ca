//! Count series from elsewhere, as text: CSV of `timestamp,value` (a header optional), or the
//! trend explorer's CSV export as it is (`bucket_start,<series>[,<series>]`). Pure: the
//! caller reads the file and reports the problems.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

use crate::series::CountSeries;

/// A line that could not be read, with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineProblem {
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What [`read_count_csv`] made of a text.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvCounts {
    /// The samples in file order (instants in UTC). A row with an empty value is no sample.
    pub points: Vec<(DateTime<Utc>, f64)>,
    /// The name of the value column read (`None` without a header).
    pub column: Option<String>,
    /// Lines that were skipped, each with why.
    pub problems: Vec<LineProblem>,
}

/// Why a text cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsvError {
    #[error("there is no column `{0}` in the header (columns: {1})")]
    NoSuchColumn(String, String),
    #[error("`--column` names a column, but the first line is no header")]
    NoHeader,
}

/// Read a count series from CSV text. The first column is the time, the value is the
/// column named `column` (else the second). Times are ISO 8601 / RFC 3339 (`2024-03-31T01:55:00Z`,
/// `...+02:00`, with or without fractions of a second) or `YYYY-MM-DD HH:MM[:SS]` with or
/// without an offset, or a bare date; a time without an offset is local time in `zone`
/// (of the two instants of a repeated hour when clocks go back, the one not before the
/// previous row; an hour skipped when clocks go forward is an error). The first line is a
/// header when its first field is no time.
pub fn read_count_csv(text: &str, zone: Tz, column: Option<&str>) -> Result<CsvCounts, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut value_col = 1;
    let mut name = None;
    let mut points = Vec::new();
    let mut problems = Vec::new();
    let mut previous: Option<DateTime<Utc>> = None;
    let mut first = true;
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(LineProblem {
                    line,
                    message: format!("not CSV: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let time_field = record.get(0).unwrap_or("");
        if first {
            first = false;
            // A first field that starts with a digit is a time, well written or not.
            let header = parse_time(time_field, zone, None).is_err()
                && !time_field.starts_with(|c: char| c.is_ascii_digit());
            if header {
                // The Room's export guards cells against spreadsheet formulas with a `'`.
                let names: Vec<String> = record
                    .iter()
                    .map(|h| h.trim_start_matches('\'').to_string())
                    .collect();
                if let Some(wanted) = column {
                    value_col = names
                        .iter()
                        .skip(1)
                        .position(|h| h == wanted)
                        .map(|i| i + 1)
                        .ok_or_else(|| {
                            CsvError::NoSuchColumn(wanted.to_string(), names[1..].join(", "))
                        })?;
                }
                name = names.get(value_col).cloned();
                continue;
            } else if column.is_some() {
                return Err(CsvError::NoHeader);
            }
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let at = match parse_time(time_field, zone, previous) {
            Ok(at) => at,
            Err(message) => {
                problems.push(LineProblem { line, message });
                continue;
            }
        };
        previous = Some(at);
        let Some(value) = record.get(value_col) else {
            problems.push(LineProblem {
                line,
                message: format!("no value (column {} is missing)", value_col + 1),
            });
            continue;
        };
        if value.is_empty() {
            continue;
        }
        match value.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => points.push((at, v)),
            _ => problems.push(LineProblem {
                line,
                message: format!("the value `{value}` is no count (a number, 0 or more)"),
            }),
        }
    }
    Ok(CsvCounts {
        points,
        column: name,
        problems,
    })
}

/// One time field as an instant. `previous` (the row before) picks which of the two
/// instants of a repeated local hour is meant.
pub fn parse_time(
    s: &str,
    zone: Tz,
    previous: Option<DateTime<Utc>>,
) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // `YYYY-MM-DD HH:MM:SS` with an offset: RFC 3339 but for the space.
    if s.len() > 10 && s.as_bytes()[10] == b' ' {
        let t = format!("{}T{}", &s[..10], &s[11..]);
        if let Ok(t) = DateTime::parse_from_rfc3339(&t) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    let naive = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    });
    let Some(naive) = naive else {
        return Err(format!(
            "cannot read the time `{s}` (ISO 8601, or YYYY-MM-DD HH:MM:SS with or without an offset)"
        ));
    };
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(early, late) => {
            let (early, late) = (early.with_timezone(&Utc), late.with_timezone(&Utc));
            Ok(if previous.is_some_and(|p| early < p) {
                late
            } else {
                early
            })
        }
        LocalResult::None => Err(format!(
            "the local time `{s}` does not exist in {zone} (clocks went forward)"
        )),
    }
}

/// The bucket length that fits samples best: the median step between consecutive distinct
/// times, rounded to the nearest of 5 minutes, 15 minutes, an hour and a day (in log scale).
pub fn guess_bucket(points: &[(DateTime<Utc>, f64)]) -> i64 {
    const SIZES: [i64; 4] = [300, 900, 3600, 86_400];
    let mut times: Vec<i64> = points.iter().map(|(t, _)| t.timestamp()).collect();
    times.sort_unstable();
    times.dedup();
    let mut steps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.is_empty() {
        return 3600;
    }
    let mid = steps.len() / 2;
    let step = *steps.select_nth_unstable(mid).1 as f64;
    SIZES
        .into_iter()
        .min_by(|a, b| {
            let d = |s: i64| (step.ln() - (s as f64).ln()).abs();
            d(*a).total_cmp(&d(*b))
        })
        .unwrap_or(3600)
}

/// Give `series` the UTC offsets of `zone` at each bucket, so its daily cycle is read in
/// local time (nothing to do for UTC).
pub fn set_zone(series: &mut CountSeries, zone: Tz) {
    if zone == Tz::UTC {
        series.utc_offsets.clear();
        return;
    }
    series.utc_offsets = (0..series.values.len())
        .map(|i| {
            zone.offset_from_utc_datetime(&series.at(i).naive_utc())
                .fix()
                .local_minus_utc()
        })
        .collect();
}
