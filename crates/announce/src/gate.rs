//! The cheap tests that keep most text from being read word by word: whether a field can
//! hold a time expression at all, and whether a word can start one.

/// Every word a part of a time expression can start with, for the quick test before the
/// word is compared with each (a post has a hundred words, a few of them about time).
const STARTERS: &[&str] = &[
    "acht",
    "afgelopen",
    "after",
    "afternoon",
    "am",
    "an",
    "anderhalf",
    "apr",
    "april",
    "around",
    "at",
    "aug",
    "august",
    "augustus",
    "avond",
    "avonds",
    "day",
    "dec",
    "december",
    "dinsdag",
    "donderdag",
    "drie",
    "een",
    "eergisteren",
    "eight",
    "eleven",
    "elf",
    "evening",
    "eén",
    "feb",
    "februari",
    "february",
    "five",
    "four",
    "friday",
    "from",
    "gister",
    "gisteravond",
    "gisteren",
    "gistermiddag",
    "gisternacht",
    "half",
    "hour",
    "hours",
    "hr",
    "hrs",
    "in",
    "jaar",
    "jan",
    "januari",
    "january",
    "jul",
    "juli",
    "july",
    "jun",
    "june",
    "juni",
    "keer",
    "kwart",
    "kwartier",
    "last",
    "maand",
    "maandag",
    "maart",
    "march",
    "may",
    "mei",
    "middag",
    "middags",
    "midday",
    "min",
    "mins",
    "minuten",
    "minutes",
    "minuutjes",
    "monday",
    "month",
    "morgen",
    "morgens",
    "morgenvroeg",
    "morning",
    "mrgn",
    "mrt",
    "nacht",
    "nachts",
    "negen",
    "night",
    "nine",
    "noon",
    "nov",
    "november",
    "ochtend",
    "ochtends",
    "oct",
    "october",
    "okt",
    "oktober",
    "om",
    "one",
    "over",
    "overmorgen",
    "past",
    "pm",
    "rond",
    "s",
    "saturday",
    "savonds",
    "sep",
    "sept",
    "september",
    "seven",
    "six",
    "smiddags",
    "smorgens",
    "snachts",
    "sochtends",
    "straks",
    "sunday",
    "tegen",
    "ten",
    "the",
    "three",
    "thursday",
    "tien",
    "time",
    "tmrw",
    "today",
    "tomorrow",
    "tonight",
    "tonite",
    "tuesday",
    "twaalf",
    "twee",
    "twelve",
    "two",
    "uhr",
    "uur",
    "uurtje",
    "vanaf",
    "vanavond",
    "vandaag",
    "vanmiddag",
    "vanmorgen",
    "vannacht",
    "vanochtend",
    "vier",
    "vijf",
    "voor",
    "vorig",
    "vorige",
    "vrijdag",
    "vroeg",
    "wednesday",
    "week",
    "weekeinde",
    "weekend",
    "woensdag",
    "year",
    "yesterday",
    "zaterdag",
    "zes",
    "zeven",
    "zondag",
    "één",
    "a",
];

/// Whether a part can start at word `w`: one of [`STARTERS`], or a compound of a weekday or
/// `morgen` with a day part (`zaterdagavond`, `morgenavond`).
pub(crate) fn may_start(w: &str) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static SET: OnceLock<HashSet<&'static str, crate::FastHash>> = OnceLock::new();
    SET.get_or_init(|| STARTERS.iter().copied().collect())
        .contains(w)
        || (w.len() > 6
            && std::iter::once(&"morgen")
                .chain(&crate::words::DUTCH_WEEKDAYS)
                .any(|p| w.starts_with(p)))
}

/// Word parts without which a field (with no number of one or two digits) holds no time
/// expression that could make an announcement: the cheap test before a field is read for
/// times. A date has digits, so it needs no word here; a past day is here because it
/// rejects a call that has a place.
/// It may say yes too often (`uur` is in `buurt`), never no too often: every day, clock
/// time, day part or delay that gives an announcement its time has one of these inside it,
/// case aside.
const TIME_STEMS: &[&str] = &[
    "vandaag",
    "vanavond",
    "vannacht",
    "vanmiddag",
    "vanochtend",
    "vanmorgen",
    "morgen",
    "mrgn",
    "straks",
    "today",
    "tonight",
    "tonite",
    "tomorrow",
    "tmrw",
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekend",
    "weekeinde",
    "half",
    "kwart",
    "uur",
    "hour",
    "noon",
    "midday",
    "avond",
    "nacht",
    "middag",
    "ochtend",
    "evening",
    "night",
    "morning",
    "afternoon",
    "gister",
    "yesterday",
    "vorig",
    "afgelopen",
    "last",
];

/// Whether `text` may hold a time expression: a number of one or two digits, or a
/// [`TIME_STEMS`] word part.
pub(crate) fn may_hold_time(text: &str) -> bool {
    use std::sync::OnceLock;
    static STEMS: OnceLock<aho_corasick::AhoCorasick> = OnceLock::new();
    let bytes = text.as_bytes();
    let mut run = 0;
    for (k, b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
        } else {
            if (1..=2).contains(&run) {
                return true;
            }
            run = 0;
        }
        if k + 1 == bytes.len() && (1..=2).contains(&run) {
            return true;
        }
    }
    STEMS
        .get_or_init(|| {
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(TIME_STEMS)
                .expect("a few dozen short words always compile")
        })
        .is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_gate_lets_every_kind_through_and_stops_plain_text() {
        for text in [
            "20:00",
            "om 8",
            "half negen",
            "acht uur",
            "Morgen",
            "ZATERDAGAVOND",
            "5/12",
            "5 december",
            "over een kwartier",
            "in an hour",
            "tonight",
            "noon",
            "vorige week",
            "gisteren",
            "komend weekend",
            "'s avonds",
            "8pm",
            "21u",
        ] {
            assert!(may_hold_time(text), "{text}");
        }
        for text in ["kom allemaal naar het plein", "688 mensen", "protest!", ""] {
            assert!(!may_hold_time(text), "{text}");
        }
    }
}
