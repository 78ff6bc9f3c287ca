//! Time expressions in Dutch and English, resolved against a post's publication time in
//! Europe/Amsterdam (daylight saving included).
//!
//! A field's tokens are read left to right into *parts* (`words.rs` knows the words):
//!
//! * a **day**: `vandaag`, `vanavond`, `morgen`, `overmorgen`, `today`, `tonight`,
//!   `tomorrow`, a weekday (`zaterdag`, `zaterdagavond`, `saturday`), `komend weekend`, a
//!   date (`5 december`, `december 5`, `5/12`, `5-12-2026`), or a past day (`gisteren`,
//!   `vorige week`, `afgelopen zaterdag`, `yesterday`, `last night`);
//! * a **clock time**: `20:00`, `20.00u`, `21u`, `om 8 uur`, `om 8`, `half negen`,
//!   `kwart over acht`, `acht uur`, `8pm`, `8:30 am`;
//! * a **day part**: `'s avonds`, `avond`, `'s middags`, `'s nachts`, `evening`, ...;
//! * a **delay**: `over een uur`, `over 20 minuten`, `over een kwartier`, `in an hour`.
//!
//! Parts close together (at most four tokens apart, or a day and a clock time in the same
//! sentence) make one [`TimeExpr`], resolved so:
//!
//! * a delay is the publication time plus the delay;
//! * a weekday is its next date from the publication day on; the publication day itself
//!   only while the time given (or, without one, 18:00) is still ahead: published on a
//!   Saturday night, `zaterdag` is the next Saturday;
//! * a date without a year is in the publication's year, or the next year when it has
//!   passed more than two months ago (a date less than that ago is a past date);
//! * an hour from 1 to 11 written without a leading zero, `am` or `pm` (`8 uur`, `8:30`,
//!   `half negen`) is read by its day part (`'s avonds`: +12); without a day part, with a
//!   day, an hour said (`8 uur`, `om 8`, `half 9`) from 1 to 10 is in the afternoon or
//!   evening (`zaterdag 3 uur` is 15:00, `morgen half 9` 20:30) and 11 in the morning, an
//!   hour in digits (`8:30`) from 7 as written and below 7 in the afternoon; without a day,
//!   its next occurrence (either reading) after publication;
//! * a clock time without a day is its next occurrence after publication;
//! * `'s nachts`/`nacht` with an hour before 6 is the next morning (`zaterdagnacht 2 uur`
//!   is Sunday 02:00);
//! * the local time is turned into its offset by the Amsterdam zone of that date (`+01:00`
//!   in winter, `+02:00` in summer; in the hour that repeats in October the earlier one);
//! * a clock time that does not exist (`25:00`, `20:75`) is no clock time.
//!
//! `starts_at` is set only with both a day (or a bare clock time's next occurrence) and a
//! clock time: a day alone, `komend weekend`, or a day part alone give `None`.

use crate::tokens::{Kind, Token};
use crate::words::{self, DayPart};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc, Weekday,
};
use chrono_tz::Europe::Amsterdam;

/// A day as written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Day {
    /// Days after the publication day (0: today).
    Offset(i64),
    Weekday(Weekday),
    Date {
        day: u32,
        month: u32,
        year: Option<i32>,
    },
    Weekend,
    /// A day before publication.
    Past,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Part {
    Day(Day),
    Clock {
        hour: u32,
        minute: u32,
        /// Written as an hour 1 to 11 that may mean the afternoon or evening too.
        twelve: bool,
        /// Written as spoken (`8 uur`, `om 8`, `half negen`), not as digits (`8:30`).
        spoken: bool,
        pm: Option<bool>,
    },
    DayPart(DayPart),
    /// Minutes after publication.
    In(i64),
}

/// One time expression of a field, resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeExpr {
    /// Byte span in the original text.
    pub start: usize,
    pub end: usize,
    /// Token range.
    pub first: usize,
    pub last: usize,
    pub starts_at: Option<DateTime<FixedOffset>>,
    /// The day, when one is known.
    pub day: Option<NaiveDate>,
    /// It names a time before publication (`gisteren`, a date just passed, a clock time
    /// today that has passed).
    pub past: bool,
    /// What it was made of, for the explanation record: the kind of day (`relative day`,
    /// `weekday`, `date`, `weekend`, `past day`, `delay`, or empty) and of time (`clock`,
    /// `day part`, or empty). [`TimeExpr::shape_text`] joins them.
    pub shape: (&'static str, &'static str),
}

impl TimeExpr {
    /// What it was made of: `relative day+clock`, `weekday`, `delay`, `clock`, ...
    pub fn shape_text(&self) -> String {
        match self.shape {
            (a, "") => a.to_string(),
            ("", b) => b.to_string(),
            (a, b) => format!("{a}+{b}"),
        }
    }
}

/// The time expressions of a field's tokens, in order.
pub fn find_times(tokens: &[Token], published: DateTime<Utc>) -> Vec<TimeExpr> {
    let mut parts: Vec<(Part, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match words::parts_at(tokens, i) {
            Some((found, end)) => {
                parts.extend(found.into_iter().map(|p| (p, i, end)));
                i = end.max(i + 1);
            }
            None => i += 1,
        }
    }
    let mut clusters: Vec<Vec<(Part, usize, usize)>> = Vec::new();
    for part in parts {
        let join = clusters.last().is_some_and(|c| {
            let last = c.last().expect("clusters are never empty");
            let near = part.1 <= last.2 + 4;
            let same_sentence = tokens[part.1].sentence == tokens[last.1].sentence;
            let has_day = c.iter().any(|p| matches!(p.0, Part::Day(_)));
            let has_clock = c.iter().any(|p| matches!(p.0, Part::Clock { .. }));
            let complements = match part.0 {
                Part::Day(_) => !has_day && has_clock,
                Part::Clock { .. } => !has_clock && has_day,
                _ => false,
            };
            // `Morgen! 12 uur!`, `Morgen. 20:00.`: only punctuation between a day and a time
            let only_marks = part.1 <= last.2 + 3
                && tokens
                    .get(last.2..part.1)
                    .is_some_and(|between| between.iter().all(|t| t.kind == Kind::Punct));
            (same_sentence && (near || complements)) || (complements && only_marks)
        });
        if join {
            clusters.last_mut().expect("checked").push(part);
        } else {
            clusters.push(vec![part]);
        }
    }
    clusters
        .iter()
        .map(|c| resolve(c, tokens, published))
        .collect()
}

/// The first time expression of `text`, resolved against `published`: for tests and tools.
pub fn first_time(text: &str, published: DateTime<Utc>) -> Option<TimeExpr> {
    let tokens = crate::tokens::Tokens::new(text);
    find_times(&tokens.tokens, published).into_iter().next()
}

fn resolve(parts: &[(Part, usize, usize)], tokens: &[Token], published: DateTime<Utc>) -> TimeExpr {
    let first = parts.iter().map(|p| p.1).min().unwrap_or(0);
    let last = parts.iter().map(|p| p.2).max().unwrap_or(0);
    let local = published.with_timezone(&Amsterdam);
    let now = local.naive_local();
    let today = now.date();
    let mut expr = TimeExpr {
        start: tokens[first].start,
        end: tokens[last - 1].end,
        first,
        last,
        starts_at: None,
        day: None,
        past: false,
        shape: ("", ""),
    };
    // Of several days, a past one rules (`vorige week zaterdag`), then the most precise
    // (`zaterdag 12 december` is the 12th, whatever the weekday says).
    let days = || {
        parts.iter().filter_map(|p| match p.0 {
            Part::Day(d) => Some(d),
            _ => None,
        })
    };
    let day = days().min_by_key(|d| match d {
        Day::Past => 0,
        Day::Date { .. } => 1,
        Day::Offset(_) => 2,
        Day::Weekday(_) => 3,
        Day::Weekend => 4,
    });
    let clock = parts.iter().find_map(|p| match p.0 {
        Part::Clock {
            hour,
            minute,
            twelve,
            spoken,
            pm,
        } => Some((hour, minute, twelve && !spoken, twelve && spoken, pm)),
        _ => None,
    });
    let day_part = parts.iter().find_map(|p| match p.0 {
        Part::DayPart(d) => Some(d),
        _ => None,
    });
    let mut shape: (&'static str, &'static str) = ("", "");
    if let Some(minutes) = parts.iter().find_map(|p| match p.0 {
        Part::In(m) => Some(m),
        _ => None,
    }) {
        let at = published + Duration::minutes(minutes);
        expr.starts_at = Some(at.with_timezone(&Amsterdam).fixed_offset());
        expr.day = Some(at.with_timezone(&Amsterdam).date_naive());
        expr.shape = ("delay", "");
        return expr;
    }
    // the hour the clock means, given the day part (and, where it is still open, the day)
    // the hour the clock means, given the day part and whether a day is given; `digits`:
    // an hour 1 to 11 written as digits with minutes (`8:30`), `spoken`: as said (`8 uur`)
    let hour_of = |hour: u32, digits: bool, spoken: bool, pm: Option<bool>, with_day: bool| {
        let twelve = digits || spoken;
        match (pm, day_part) {
            (Some(true), _) => vec![if hour < 12 { hour + 12 } else { hour }],
            (Some(false), _) => vec![if hour == 12 { 0 } else { hour }],
            (None, Some(DayPart::Afternoon | DayPart::Evening)) if hour < 12 => vec![hour + 12],
            (None, Some(DayPart::Night)) if hour == 12 => vec![0],
            (None, Some(DayPart::Night)) if twelve && hour >= 7 => vec![hour + 12],
            (None, Some(_)) => vec![hour],
            // a gathering is more often in the afternoon or evening than at night or dawn
            (None, None) if spoken && with_day => {
                vec![if hour <= 10 { hour + 12 } else { hour }]
            }
            (None, None) if digits && with_day => {
                vec![if hour >= 7 { hour } else { hour + 12 }]
            }
            (None, None) if twelve => vec![hour, hour + 12],
            (None, None) => vec![hour],
        }
    };
    let mut date = match day {
        Some(Day::Offset(n)) => {
            shape.0 = "relative day";
            Some(today + Duration::days(n))
        }
        Some(Day::Weekday(w)) => {
            shape.0 = "weekday";
            let ahead = (7 + w.num_days_from_monday() as i64
                - today.weekday().num_days_from_monday() as i64)
                % 7;
            let mut date = today + Duration::days(ahead);
            if ahead == 0 {
                let still_ahead = match clock {
                    Some((hour, minute, digits, spoken, pm)) => {
                        hour_of(hour, digits, spoken, pm, true).iter().any(|&h| {
                            NaiveTime::from_hms_opt(h, minute, 0)
                                .is_some_and(|t| today.and_time(t) > now)
                        })
                    }
                    None => now.hour() < 18,
                };
                if !still_ahead {
                    date += Duration::days(7);
                }
            }
            Some(date)
        }
        Some(Day::Date { day, month, year }) => {
            shape.0 = "date";
            match year {
                Some(y) => NaiveDate::from_ymd_opt(y, month, day),
                None => NaiveDate::from_ymd_opt(today.year(), month, day).and_then(|d| {
                    if d >= today || (today - d).num_days() <= 62 {
                        Some(d)
                    } else {
                        NaiveDate::from_ymd_opt(today.year() + 1, month, day)
                    }
                }),
            }
        }
        Some(Day::Weekend) => {
            shape.0 = "weekend";
            None
        }
        Some(Day::Past) => {
            shape.0 = "past day";
            expr.past = true;
            None
        }
        None => None,
    };
    if let (Some(d), Some(DayPart::Night), Some((hour, ..))) = (date, day_part, clock) {
        if hour < 6 {
            date = Some(d + Duration::days(1));
        }
    }
    if let Some(d) = date {
        expr.past |= d < today;
    }
    expr.day = date;
    if let Some((hour, minute, digits, spoken, pm)) = clock {
        shape.1 = "clock";
        let readings = hour_of(hour, digits, spoken, pm, date.is_some());
        let at = match (date, day) {
            (Some(d), _) => NaiveTime::from_hms_opt(readings[0], minute, 0).map(|t| d.and_time(t)),
            (None, None) => readings
                .iter()
                .filter_map(|&h| NaiveTime::from_hms_opt(h, minute, 0))
                .map(|t| {
                    let at = today.and_time(t);
                    if at > now {
                        at
                    } else {
                        at + Duration::days(1)
                    }
                })
                .min(),
            // a weekend or a past day with a clock time: the day is not known
            (None, Some(_)) => None,
        };
        expr.starts_at = at.and_then(amsterdam);
        if let Some(at) = expr.starts_at {
            expr.day = Some(at.date_naive());
            expr.past |= at < published - Duration::minutes(30);
        }
    } else if day_part.is_some() {
        shape.1 = "day part";
    }
    expr.shape = shape;
    expr
}

/// A local Amsterdam time with its offset; in the hour that repeats the earlier, and a time
/// in the hour skipped in spring does not exist.
fn amsterdam(local: NaiveDateTime) -> Option<DateTime<FixedOffset>> {
    Amsterdam
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.fixed_offset())
}

/// A clock time, if it exists (`25:00` does not). `spoken`: written as said (`8 uur`).
pub(crate) fn clock(
    hour: u32,
    minute: u32,
    twelve: bool,
    spoken: bool,
    pm: Option<bool>,
) -> Option<Part> {
    let valid = hour <= 23 && minute <= 59 && (pm.is_none() || (1..=12).contains(&hour));
    valid.then_some(Part::Clock {
        hour,
        minute,
        twelve,
        spoken,
        pm,
    })
}

/// Whether token `i` is a number written with a leading zero (`08`).
pub(crate) fn leading_zero(t: &Token) -> bool {
    t.kind == Kind::Number && t.text.len() > 1 && t.text.starts_with('0')
}

#[cfg(test)]
#[path = "time_tests.rs"]
mod tests;
