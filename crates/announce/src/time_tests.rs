use super::*;

/// Friday 4 December 2026, 18:00 in Amsterdam (17:00 UTC, winter time).
const FRIDAY_EVENING: &str = "2026-12-04T17:00:00Z";

fn at(published: &str, text: &str) -> Option<String> {
    let published = DateTime::parse_from_rfc3339(published).unwrap().to_utc();
    let expr = first_time(text, published).unwrap_or_else(|| panic!("no time in {text:?}"));
    expr.starts_at.map(|t| t.to_rfc3339())
}

fn friday(text: &str) -> Option<String> {
    at(FRIDAY_EVENING, text)
}

fn expect(text: &str, want: &str) {
    assert_eq!(friday(text).as_deref(), Some(want), "{text}");
}

#[test]
fn clock_times_in_every_spelling() {
    // a bare clock time is its next occurrence after publication (18:00 on Friday)
    expect("20:00", "2026-12-04T20:00:00+01:00");
    expect("20.00u", "2026-12-04T20:00:00+01:00");
    expect("20.00 uur", "2026-12-04T20:00:00+01:00");
    expect("21u", "2026-12-04T21:00:00+01:00");
    expect("om 8 uur 's avonds", "2026-12-04T20:00:00+01:00");
    expect("om 8 ’s avonds", "2026-12-04T20:00:00+01:00");
    expect("om acht uur 's avonds", "2026-12-04T20:00:00+01:00");
    expect("half negen", "2026-12-04T20:30:00+01:00");
    expect("kwart over negen", "2026-12-04T21:15:00+01:00");
    expect("kwart voor tien", "2026-12-04T21:45:00+01:00");
    expect("19u30", "2026-12-04T19:30:00+01:00");
    expect("8pm", "2026-12-04T20:00:00+01:00");
    expect("8:30 pm", "2026-12-04T20:30:00+01:00");
    // 17:00 has passed at 18:00: tomorrow
    expect("17:00", "2026-12-05T17:00:00+01:00");
    // 08:00 with its leading zero is the morning
    expect("08:00", "2026-12-05T08:00:00+01:00");
    // `om 7 uur` at 18:00 is 19:00 today, the next of 7:00 and 19:00
    expect("om 7 uur", "2026-12-04T19:00:00+01:00");
}

#[test]
fn relative_days() {
    expect("vanavond 21:00", "2026-12-04T21:00:00+01:00");
    expect("vanavond om 9 uur", "2026-12-04T21:00:00+01:00");
    expect("morgen 20:00", "2026-12-05T20:00:00+01:00");
    expect("morgenavond om 8", "2026-12-05T20:00:00+01:00");
    expect("overmorgen 14:00", "2026-12-06T14:00:00+01:00");
    expect("tonight at 9pm", "2026-12-04T21:00:00+01:00");
    expect("tomorrow 8pm", "2026-12-05T20:00:00+01:00");
    expect("zaterdag 20:00", "2026-12-05T20:00:00+01:00");
    expect("zaterdagavond 8 uur", "2026-12-05T20:00:00+01:00");
    expect("zondag om 14.00u", "2026-12-06T14:00:00+01:00");
    expect("dinsdag 19:30", "2026-12-08T19:30:00+01:00");
    expect("saturday 3pm", "2026-12-05T15:00:00+01:00");
    // with a day, an hour 1 to 6 without day part is in the afternoon
    expect("zaterdag 3 uur", "2026-12-05T15:00:00+01:00");
    // an hour said, with a day: afternoon or evening up to 10, 11 in the morning; in digits
    // from 7 as written
    expect("morgen half 9", "2026-12-05T20:30:00+01:00");
    expect("zondag 11 uur", "2026-12-06T11:00:00+01:00");
    expect("morgen 8:00", "2026-12-05T08:00:00+01:00");
    expect("tomorrow noon", "2026-12-05T12:00:00+01:00");
    // a day and a time split by punctuation only
    expect("Morgen. 20:00.", "2026-12-05T20:00:00+01:00");
    expect("Morgen! 12 uur!", "2026-12-05T12:00:00+01:00");
    // the night after Saturday
    expect("zaterdagnacht 2 uur", "2026-12-06T02:00:00+01:00");
    expect("over een uur", "2026-12-04T19:00:00+01:00");
    expect("over een half uur", "2026-12-04T18:30:00+01:00");
    expect("over 20 minuten", "2026-12-04T18:20:00+01:00");
    expect("in an hour", "2026-12-04T19:00:00+01:00");
}

#[test]
fn a_day_without_a_time_has_no_start() {
    for text in [
        "morgen",
        "zaterdag",
        "vanavond",
        "komend weekend",
        "komend weekend 20:00",
        "5 december",
    ] {
        let published = DateTime::parse_from_rfc3339(FRIDAY_EVENING)
            .unwrap()
            .to_utc();
        let expr = first_time(text, published).unwrap();
        assert_eq!(expr.starts_at, None, "{text}");
        assert!(!expr.past, "{text}");
    }
    let published = DateTime::parse_from_rfc3339(FRIDAY_EVENING)
        .unwrap()
        .to_utc();
    assert_eq!(
        first_time("zaterdag", published).unwrap().day,
        NaiveDate::from_ymd_opt(2026, 12, 5)
    );
}

#[test]
fn dates() {
    expect("5 december 20:00", "2026-12-05T20:00:00+01:00");
    expect("5 dec om 20.00", "2026-12-05T20:00:00+01:00");
    expect("5/12 20:00", "2026-12-05T20:00:00+01:00");
    expect("5-12-2026 om 20:00", "2026-12-05T20:00:00+01:00");
    expect("december 12 at 8pm", "2026-12-12T20:00:00+01:00");
    // a date is more precise than the weekday beside it
    expect("Saturday 12 December, 14:00", "2026-12-12T14:00:00+01:00");
    // a date well past is next year's, in summer time there
    expect("12 juni 15:00", "2027-06-12T15:00:00+02:00");
    // a date just past is in the past
    let published = DateTime::parse_from_rfc3339(FRIDAY_EVENING)
        .unwrap()
        .to_utc();
    assert!(first_time("1 december 20:00", published).unwrap().past);
    // no 31 November
    assert_eq!(first_time("31/11", published), None);
}

#[test]
fn daylight_saving_changes_the_offset() {
    // Saturday 24 October 2026, 21:00 summer time; summer time ends that night
    let published = "2026-10-24T19:00:00Z";
    assert_eq!(
        at(published, "morgen 20:00").as_deref(),
        Some("2026-10-25T20:00:00+01:00")
    );
    assert_eq!(
        at(published, "vanavond 23:00").as_deref(),
        Some("2026-10-24T23:00:00+02:00")
    );
    // in spring, the day after the change is summer time
    assert_eq!(
        at("2026-03-28T12:00:00Z", "morgen 14:00").as_deref(),
        Some("2026-03-29T14:00:00+02:00")
    );
}

#[test]
fn a_weekday_on_its_own_evening_is_next_week() {
    // Saturday 5 December 2026, 22:30: `zaterdag` is the 12th
    let late = "2026-12-05T21:30:00Z";
    assert_eq!(
        at(late, "zaterdag 20:00").as_deref(),
        Some("2026-12-12T20:00:00+01:00")
    );
    let published = DateTime::parse_from_rfc3339(late).unwrap().to_utc();
    assert_eq!(
        first_time("zaterdag", published).unwrap().day,
        NaiveDate::from_ymd_opt(2026, 12, 12)
    );
    // the same Saturday, in the morning: still today
    assert_eq!(
        at("2026-12-05T09:00:00Z", "zaterdag 20:00").as_deref(),
        Some("2026-12-05T20:00:00+01:00")
    );
}

#[test]
fn invalid_times_are_no_times() {
    let published = DateTime::parse_from_rfc3339(FRIDAY_EVENING)
        .unwrap()
        .to_utc();
    for text in ["25:00", "20:75", "24:00", "om 25 uur"] {
        assert_eq!(first_time(text, published), None, "{text}");
    }
    // the day stays, the clock time goes
    let expr = first_time("morgen 25:00", published).unwrap();
    assert_eq!(expr.starts_at, None);
    assert_eq!(expr.day, NaiveDate::from_ymd_opt(2026, 12, 5));
}

#[test]
fn past_days_are_marked() {
    let published = DateTime::parse_from_rfc3339(FRIDAY_EVENING)
        .unwrap()
        .to_utc();
    for text in [
        "gisteren om 20:00",
        "vorige week zaterdag",
        "afgelopen zaterdag",
        "yesterday at 8pm",
        "last night",
    ] {
        assert!(first_time(text, published).unwrap().past, "{text}");
    }
    // today's 14:00 has passed at 18:00
    assert!(first_time("vandaag 14:00", published).unwrap().past);
}

#[test]
fn money_and_other_numbers_are_no_times() {
    let published = DateTime::parse_from_rfc3339(FRIDAY_EVENING)
        .unwrap()
        .to_utc();
    for text in [
        "€20.00",
        "versie 1.12.3",
        "12:30:15",
        "scoorde 45%",
        "A12 dicht",
    ] {
        assert_eq!(first_time(text, published), None, "{text}");
    }
}
