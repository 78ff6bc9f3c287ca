//! The words of time expressions, Dutch and English, and the reading of the parts of a
//! time expression at one token (see `time.rs` for what they mean together).

use crate::gate::may_start;
use crate::time::{clock, leading_zero, Day, Part};
use crate::tokens::{Kind, Token};
use chrono::Weekday;

/// A part of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayPart {
    Morning,
    Afternoon,
    Evening,
    Night,
}

fn day_part(word: &str) -> Option<DayPart> {
    Some(match word {
        "ochtend" | "ochtends" | "sochtends" | "morgens" | "smorgens" | "morning" | "vroeg" => {
            DayPart::Morning
        }
        "middag" | "middags" | "smiddags" | "afternoon" => DayPart::Afternoon,
        "avond" | "avonds" | "savonds" | "evening" => DayPart::Evening,
        "nacht" | "nachts" | "snachts" | "night" => DayPart::Night,
        _ => return None,
    })
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "maandag" | "monday" => Weekday::Mon,
        "dinsdag" | "tuesday" => Weekday::Tue,
        "woensdag" | "wednesday" => Weekday::Wed,
        "donderdag" | "thursday" => Weekday::Thu,
        "vrijdag" | "friday" => Weekday::Fri,
        "zaterdag" | "saturday" => Weekday::Sat,
        "zondag" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// The Dutch weekdays, which (unlike English ones) take a day part glued on.
pub(crate) const DUTCH_WEEKDAYS: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];

/// A weekday, alone or with its day part glued on (`zaterdagavond`).
fn weekday_compound(word: &str) -> Option<(Weekday, Option<DayPart>)> {
    if let Some(w) = weekday(word) {
        return Some((w, None));
    }
    // only Dutch weekdays glue their day part on
    let (w, rest) = DUTCH_WEEKDAYS
        .iter()
        .find_map(|d| Some((*d, word.strip_prefix(d)?)))?;
    Some((weekday(w)?, Some(day_part(rest)?)))
}

fn month(word: &str) -> Option<u32> {
    Some(match word {
        "januari" | "jan" | "january" => 1,
        "februari" | "feb" | "february" => 2,
        "maart" | "mrt" | "march" => 3,
        "april" | "apr" => 4,
        "mei" | "may" => 5,
        "juni" | "jun" | "june" => 6,
        "juli" | "jul" | "july" => 7,
        "augustus" | "aug" | "august" => 8,
        "september" | "sep" | "sept" => 9,
        "oktober" | "okt" | "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// An hour written as a word (`acht`, `eight`).
fn hour_word(word: &str) -> Option<u32> {
    Some(match word {
        "een" | "één" | "eén" | "one" => 1,
        "twee" | "two" => 2,
        "drie" | "three" => 3,
        "vier" | "four" => 4,
        "vijf" | "five" => 5,
        "zes" | "six" => 6,
        "zeven" | "seven" => 7,
        "acht" | "eight" => 8,
        "negen" | "nine" => 9,
        "tien" | "ten" => 10,
        "elf" | "eleven" => 11,
        "twaalf" | "twelve" => 12,
        _ => return None,
    })
}

/// Words that put a day in the past when they stand before it.
const PAST_BEFORE: &[&str] = &["vorige", "vorig", "afgelopen", "last", "past"];
/// Words that may follow [`PAST_BEFORE`] to make a past day.
fn past_after(word: &str) -> bool {
    matches!(
        word,
        "week"
            | "weekend"
            | "nacht"
            | "night"
            | "avond"
            | "evening"
            | "maand"
            | "month"
            | "jaar"
            | "year"
            | "keer"
            | "time"
    ) || weekday_compound(word).is_some()
}

fn word<'t>(tokens: &'t [Token], i: usize) -> Option<&'t str> {
    tokens
        .get(i)
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text.as_ref())
}

fn number(tokens: &[Token], i: usize) -> Option<u32> {
    tokens.get(i).and_then(Token::number)
}

/// An hour as a number up to 24 or as a word, at token `i`.
fn hour_at(tokens: &[Token], i: usize) -> Option<u32> {
    number(tokens, i)
        .filter(|&h| h <= 24 && tokens[i].text.len() <= 2)
        .or_else(|| word(tokens, i).and_then(hour_word))
}

/// Token `i` is punctuation `c` glued to the token before it and the one after.
fn glued(tokens: &[Token], i: usize, chars: &[char]) -> bool {
    tokens.get(i).is_some_and(|t| t.is_punct(chars) && !t.gap)
        && tokens.get(i + 1).is_some_and(|t| !t.gap)
}

/// The parts of a time expression that start at token `i`, and the token after them.
pub(crate) fn parts_at(tokens: &[Token], i: usize) -> Option<(Vec<Part>, usize)> {
    let t = &tokens[i];
    match t.kind {
        Kind::Number => number_at(tokens, i),
        Kind::Word => word_at(tokens, i),
        Kind::Punct => None,
    }
}

fn number_at(tokens: &[Token], i: usize) -> Option<(Vec<Part>, usize)> {
    let n = number(tokens, i)?;
    let digits = tokens[i].text.len();
    // not an amount of money, nor a part of a longer number
    let before = i.checked_sub(1).map(|k| &tokens[k]);
    if before.is_some_and(|b| {
        !tokens[i].gap && (b.is_punct(&['€', '$', '£', ',']) || b.kind == Kind::Word)
    }) {
        return None;
    }
    // 20:00, 20.00u, 8:30pm
    if digits <= 2
        && glued(tokens, i + 1, &[':', '.'])
        && tokens
            .get(i + 2)
            .is_some_and(|t| t.kind == Kind::Number && t.text.len() == 2)
    {
        let minute = number(tokens, i + 2)?;
        let mut end = i + 3;
        // a third group (`1.12.2026`, `12:30:15`) is no clock time of ours
        if glued(tokens, end, &['.', ':'])
            && tokens.get(end + 1).is_some_and(|t| t.kind == Kind::Number)
        {
            return None;
        }
        if tokens.get(end).is_some_and(|t| t.is_punct(&['%'])) {
            return None;
        }
        let mut pm = None;
        match word(tokens, end) {
            Some("u" | "uur" | "h" | "hr" | "hrs" | "uhr") => end += 1,
            Some("pm") => (pm, end) = (Some(true), end + 1),
            Some("am") => (pm, end) = (Some(false), end + 1),
            _ => {}
        }
        let twelve = (1..=11).contains(&n) && !leading_zero(&tokens[i]) && pm.is_none();
        return Some((
            clock(n, minute, twelve, false, pm).into_iter().collect(),
            end,
        ));
    }
    // 5/12, 5-12-2026
    if digits <= 2
        && glued(tokens, i + 1, &['/', '-'])
        && tokens
            .get(i + 2)
            .is_some_and(|t| t.kind == Kind::Number && t.text.len() <= 2)
    {
        let month = number(tokens, i + 2)?;
        let mut end = i + 3;
        let mut year = None;
        if glued(tokens, end, &['/', '-']) {
            if let Some(y) = tokens
                .get(end + 1)
                .filter(|t| t.kind == Kind::Number)
                .and_then(Token::number)
            {
                year = Some(if y < 100 { 2000 + y as i32 } else { y as i32 });
                end += 2;
            }
        }
        return valid_date(n, month).then(|| {
            (
                vec![Part::Day(Day::Date {
                    day: n,
                    month,
                    year,
                })],
                end,
            )
        });
    }
    // 5 december (2026)
    if let Some(m) = word(tokens, i + 1).and_then(month) {
        let mut end = i + 2;
        let year = number(tokens, end)
            .filter(|y| (2000..2100).contains(y))
            .map(|y| y as i32);
        if year.is_some() {
            end += 1;
        }
        return valid_date(n, m).then(|| {
            (
                vec![Part::Day(Day::Date {
                    day: n,
                    month: m,
                    year,
                })],
                end,
            )
        });
    }
    if digits > 2 {
        return None;
    }
    // 19u30
    if word(tokens, i + 1) == Some("u")
        && !tokens[i + 1].gap
        && tokens
            .get(i + 2)
            .is_some_and(|t| t.kind == Kind::Number && t.text.len() == 2 && !t.gap)
    {
        let minute = number(tokens, i + 2)?;
        let twelve = (1..=11).contains(&n) && !leading_zero(&tokens[i]);
        return Some((
            clock(n, minute, twelve, false, None).into_iter().collect(),
            i + 3,
        ));
    }
    // 21u, 8 uur, 8pm, 8 am
    match word(tokens, i + 1) {
        Some("u" | "uur" | "h" | "uhr") => {
            let twelve = (1..=11).contains(&n) && !leading_zero(&tokens[i]);
            return Some((clock(n, 0, twelve, true, None).into_iter().collect(), i + 2));
        }
        Some("pm") => {
            return Some((
                clock(n, 0, false, false, Some(true)).into_iter().collect(),
                i + 2,
            ))
        }
        Some("am") => {
            return Some((
                clock(n, 0, false, false, Some(false)).into_iter().collect(),
                i + 2,
            ))
        }
        _ => {}
    }
    None
}

fn word_at(tokens: &[Token], i: usize) -> Option<(Vec<Part>, usize)> {
    let w = word(tokens, i)?;
    if !may_start(w) {
        return None;
    }
    let next = word(tokens, i + 1);
    let day = |d: Day| Part::Day(d);
    let single = |p: Part| Some((vec![p], i + 1));
    match w {
        "vandaag" | "today" | "straks" => return single(day(Day::Offset(0))),
        "vanavond" | "tonight" | "tonite" => {
            return Some((
                vec![day(Day::Offset(0)), Part::DayPart(DayPart::Evening)],
                i + 1,
            ))
        }
        "vanmiddag" => {
            return Some((
                vec![day(Day::Offset(0)), Part::DayPart(DayPart::Afternoon)],
                i + 1,
            ))
        }
        "vanochtend" | "vanmorgen" => {
            return Some((
                vec![day(Day::Offset(0)), Part::DayPart(DayPart::Morning)],
                i + 1,
            ))
        }
        "vannacht" => {
            return Some((
                vec![day(Day::Offset(0)), Part::DayPart(DayPart::Night)],
                i + 1,
            ))
        }
        "morgen" | "morgenvroeg" | "tomorrow" | "tmrw" | "mrgn" => {
            // `morgen` after `'s` is a day part (`'s morgen`), not tomorrow
            if i > 0 && tokens[i - 1].is("s") {
                return single(Part::DayPart(DayPart::Morning));
            }
            let mut parts = vec![day(Day::Offset(1))];
            if w == "morgenvroeg" {
                parts.push(Part::DayPart(DayPart::Morning));
            }
            return Some((parts, i + 1));
        }
        "overmorgen" => return single(day(Day::Offset(2))),
        "gisteren" | "gister" | "gisteravond" | "gisternacht" | "gistermiddag" | "eergisteren"
        | "yesterday" => return single(day(Day::Past)),
        "weekend" | "weekeinde" => return single(day(Day::Weekend)),
        _ => {}
    }
    if let Some(rest) = w.strip_prefix("morgen").and_then(day_part) {
        return Some((vec![day(Day::Offset(1)), Part::DayPart(rest)], i + 1));
    }
    if PAST_BEFORE.contains(&w) && next.is_some_and(past_after) {
        return Some((vec![day(Day::Past)], i + 2));
    }
    if let Some((weekday, part)) = weekday_compound(w) {
        let mut parts = vec![day(Day::Weekday(weekday))];
        parts.extend(part.map(Part::DayPart));
        return Some((parts, i + 1));
    }
    if w == "the"
        && next == Some("day")
        && word(tokens, i + 2) == Some("after")
        && word(tokens, i + 3) == Some("tomorrow")
    {
        return Some((vec![day(Day::Offset(2))], i + 4));
    }
    // 's avonds, s avonds, savonds, avond
    if w == "s" {
        if let Some(p) = next.and_then(day_part) {
            return Some((vec![Part::DayPart(p)], i + 2));
        }
    }
    if let Some(p) = day_part(w) {
        // `vroeg` alone is no day part (`te vroeg`)
        return (w != "vroeg").then(|| (vec![Part::DayPart(p)], i + 1));
    }
    // december 5
    if let Some(m) = month(w) {
        if let Some(d) =
            number(tokens, i + 1).filter(|&d| valid_date(d, m) && tokens[i + 1].text.len() <= 2)
        {
            // not `mei 2026` alone, and not `5 december` read twice
            return Some((
                vec![day(Day::Date {
                    day: d,
                    month: m,
                    year: None,
                })],
                i + 2,
            ));
        }
        return None;
    }
    // over een uur, over 20 minuten, over een kwartier, in an hour, in 2 hours
    if matches!(w, "over" | "in") {
        return delay_at(tokens, i + 1).map(|(minutes, end)| (vec![Part::In(minutes)], end));
    }
    // half negen, kwart over acht, kwart voor negen
    if w == "half" {
        let h = hour_at(tokens, i + 1).filter(|h| *h >= 1)?;
        let hour = if h == 1 { 12 } else { h - 1 };
        return Some((
            clock(hour % 24, 30, (1..=11).contains(&hour), true, None)
                .into_iter()
                .collect(),
            i + 2,
        ));
    }
    if w == "kwart" && matches!(next, Some("over" | "voor")) {
        let h = hour_at(tokens, i + 2).filter(|h| *h >= 1)?;
        let (hour, minute) = if next == Some("over") {
            (h, 15)
        } else {
            (if h == 1 { 12 } else { h - 1 }, 45)
        };
        return Some((
            clock(hour % 24, minute, (1..=11).contains(&hour), true, None)
                .into_iter()
                .collect(),
            i + 3,
        ));
    }
    // om 8, om acht, at 8, acht uur
    if matches!(
        w,
        "om" | "at" | "vanaf" | "from" | "rond" | "around" | "tegen"
    ) {
        let h = hour_at(tokens, i + 1)?;
        let after = tokens.get(i + 2);
        // `om 20:00` and `om 8 uur` are read at the number
        if after.is_some_and(|t| {
            (t.is_punct(&[':', '.']) && !t.gap)
                || matches!(t.text.as_ref(), "u" | "uur" | "h" | "pm" | "am")
        }) {
            return None;
        }
        // a word hour only with its day part after it (`om acht 's avonds`, not `om een
        // of andere reden`)
        if tokens[i + 1].kind == Kind::Word
            && !(matches!(w, "om" | "at")
                && after.is_some_and(|t| {
                    t.is_punct(&['\'', '’']) || t.is("s") || day_part(&t.text).is_some()
                }))
        {
            return None;
        }
        let twelve = (1..=11).contains(&h) && !leading_zero(&tokens[i + 1]);
        return Some((clock(h, 0, twelve, true, None).into_iter().collect(), i + 2));
    }
    if let Some(h) = hour_word(w) {
        if next == Some("uur") {
            return Some((
                clock(h, 0, h != 12, true, None).into_iter().collect(),
                i + 2,
            ));
        }
        if matches!(next, Some("pm" | "am")) {
            return Some((
                clock(h, 0, false, false, Some(next == Some("pm")))
                    .into_iter()
                    .collect(),
                i + 2,
            ));
        }
    }
    if matches!(w, "noon" | "midday") {
        return Some((
            clock(12, 0, false, false, None).into_iter().collect(),
            i + 1,
        ));
    }
    None
}

/// `een uur`, `20 minuten`, `een half uur`, `an hour`, `2 hours` at token `i`: minutes.
fn delay_at(tokens: &[Token], i: usize) -> Option<(i64, usize)> {
    let mut k = i;
    let mut count: f64 = match word(tokens, k) {
        Some("een" | "één" | "an" | "a" | "one") => 1.0,
        Some("anderhalf") => 1.5,
        Some("half") if word(tokens, k + 1) == Some("an") => {
            k += 1;
            0.5
        }
        Some(w) => hour_word(w)? as f64,
        None => number(tokens, k).filter(|n| *n <= 600)? as f64,
    };
    k += 1;
    if word(tokens, k) == Some("half") {
        count *= 0.5;
        k += 1;
    }
    let unit = match word(tokens, k)? {
        "uur" | "uurtje" | "hour" | "hours" | "hr" | "hrs" => 60.0,
        "minuten" | "minuutjes" | "min" | "minutes" | "mins" => 1.0,
        "kwartier" => 15.0,
        _ => return None,
    };
    Some(((count * unit).round() as i64, k + 1))
}

/// A day and month that exist in some year (29 February included).
fn valid_date(day: u32, month: u32) -> bool {
    chrono::NaiveDate::from_ymd_opt(2024, month, day).is_some()
}
