//! End-to-end tests of `websense trends detect` through the real binary: every way a count
//! series can come in (time formats, zones and daylight saving, the trend explorer's
//! export, irregular sampling, gaps, duplicates, bad lines, bucket sizes) and what comes out.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use serde_json::Value;

mod cli_common;
use cli_common::run_with_stdin;

/// Exit status, stdout, stderr.
fn detect(args: &[&str], stdin: &str) -> (i32, String, String) {
    let args: Vec<&str> = ["trends", "detect", "--input", "-"]
        .iter()
        .chain(args)
        .copied()
        .collect();
    run_with_stdin(&args, stdin)
}

fn spikes(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Monday 1 January 2024, 00:00 UTC.
fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// A small deterministic wobble in -3..=3, so the series is not flat.
fn wobble(i: usize) -> f64 {
    ((i * 7919 + 13) % 7) as f64 - 3.0
}

/// Three weeks of hourly counts with a daily cycle, tripled at hours 430 and 470.
fn hourly() -> Vec<(DateTime<Utc>, f64)> {
    (0..3 * 168 + 24)
        .map(|i| {
            let day = 1.0 + 0.5 * (2.0 * std::f64::consts::PI * (i % 24) as f64 / 24.0).sin();
            let mut v = (40.0 * day + wobble(i)).round();
            if i == 430 || i == 470 {
                v *= 3.0;
            }
            (monday() + Duration::hours(i as i64), v)
        })
        .collect()
}

fn csv(points: &[(DateTime<Utc>, f64)], time: impl Fn(DateTime<Utc>) -> String) -> String {
    let mut out = String::from("timestamp,value\n");
    for (at, v) in points {
        out.push_str(&format!("{},{v}\n", time(*at)));
    }
    out
}

fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn a_timestamp_value_series_gives_its_spikes_as_json_lines_in_time_order() {
    let (code, out, err) = detect(&[], &csv(&hourly(), iso));
    assert_eq!(code, 0, "{err}");
    let found = spikes(&out);
    assert_eq!(found.len(), 2, "{out}");
    for (spike, hour) in found.iter().zip([430, 470]) {
        let at = iso(monday() + Duration::hours(hour));
        assert_eq!(spike["start"], at);
        assert_eq!(spike["peak_at"], at);
        assert_eq!(spike["state"], "closed");
        assert_eq!(spike["kind"], "spike");
        assert_eq!(spike["history"], "weekly");
        for key in ["end", "observed", "expected", "ratio", "score"] {
            assert!(spike.get(key).is_some(), "{key} in {spike}");
        }
        assert!(spike["ratio"].as_f64().unwrap() > 2.5, "{spike}");
    }
    assert!(err.contains("of 3600 s"), "the bucket is guessed: {err}");
    // Without a header: the same.
    let bare = csv(&hourly(), iso).replacen("timestamp,value\n", "", 1);
    assert_eq!(detect(&[], &bare).1, out);
}

#[test]
fn every_way_of_writing_the_time_gives_the_same_spikes() {
    let points = hourly();
    let (_, reference, _) = detect(&[], &csv(&points, iso));
    let forms: Vec<(Vec<&str>, String)> = vec![
        (
            vec![],
            csv(&points, |t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        ),
        (
            vec![],
            csv(&points, |t| t.with_timezone(&Amsterdam).to_rfc3339()),
        ),
        (
            vec![],
            csv(&points, |t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        ),
        (
            vec![],
            csv(&points, |t| {
                t.with_timezone(&Amsterdam)
                    .format("%Y-%m-%d %H:%M:%S%:z")
                    .to_string()
            }),
        ),
        (
            vec![],
            csv(&points, |t| {
                t.with_timezone(&Amsterdam)
                    .format("%Y-%m-%d %H:%M:%S%z")
                    .to_string()
            }),
        ),
        (
            vec!["--zone", "UTC"],
            csv(&points, |t| t.format("%Y-%m-%d %H:%M").to_string()),
        ),
        (
            vec!["--zone", "Europe/Amsterdam"],
            csv(&points, |t| {
                t.with_timezone(&Amsterdam)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string()
            }),
        ),
    ];
    for (args, text) in forms {
        let (code, out, err) = detect(&args, &text);
        assert_eq!(code, 0, "{err}");
        // A zoned series reads its daily cycle in local time: in winter that is the
        // same hour every day, so the same spikes.
        assert_eq!(out, reference, "{args:?}\n{}", &text[..80]);
    }
}

/// Five-minute counts whose daily cycle follows Amsterdam time (night 2, day 60, ramps of
/// an hour), from Monday 4 March to Friday 12 April 2024, across the change to summer time
/// on 31 March; one tripled hour on Monday 8 April at 14:00 local time.
fn local_cycle() -> Vec<(DateTime<Utc>, f64)> {
    let start = Utc.with_ymd_and_hms(2024, 3, 3, 23, 0, 0).unwrap();
    let spike = Amsterdam.with_ymd_and_hms(2024, 4, 8, 14, 0, 0).unwrap();
    (0..(5 * 7 + 5) * 288)
        .map(|i| {
            let at = start + Duration::minutes(5 * i as i64);
            let local = at.with_timezone(&Amsterdam);
            let h = local.format("%H").to_string().parse::<f64>().unwrap()
                + local.format("%M").to_string().parse::<f64>().unwrap() / 60.0;
            let level = if !(7.0..23.0).contains(&h) {
                2.0
            } else if h < 8.0 {
                2.0 + 58.0 * (h - 7.0)
            } else if h >= 22.0 {
                60.0 - 58.0 * (h - 22.0)
            } else {
                60.0
            };
            let mut v = (level + wobble(i) * level / 60.0).round();
            let since = at.signed_duration_since(spike.with_timezone(&Utc));
            if since >= Duration::zero() && since < Duration::hours(1) {
                v *= 3.0;
            }
            (at, v)
        })
        .collect()
}

#[test]
fn a_zoned_series_keeps_its_daily_cycle_across_the_change_to_summer_time() {
    let points = local_cycle();
    let local = csv(&points, |t| {
        t.with_timezone(&Amsterdam)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    });
    let (code, out, err) = detect(&["--zone", "Europe/Amsterdam"], &local);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("of 300 s") && err.contains("(0 unknown)"),
        "{err}"
    );
    let found = spikes(&out);
    assert_eq!(found.len(), 1, "only the tripled hour: {out}");
    assert_eq!(
        found[0]["start"], "2024-04-08T12:00:00Z",
        "14:00 summer time"
    );
    // The same instants in UTC, read with the cycle in UTC: after the change every morning
    // and evening ramp comes an hour early against the weeks before, and alerts.
    let utc = csv(&points, iso);
    assert_eq!(detect(&["--zone", "Europe/Amsterdam"], &utc).1, out);
    let (_, in_utc, _) = detect(&["--zone", "UTC"], &utc);
    assert!(
        spikes(&in_utc).len() > 3,
        "a UTC cycle is wrong after the change: {in_utc}"
    );
}

#[test]
fn local_times_around_the_clock_changes_are_read_as_they_happened() {
    // The night clocks go back: 02:00-02:55 comes twice, each read once.
    let start = Utc.with_ymd_and_hms(2024, 10, 26, 22, 0, 0).unwrap();
    let points: Vec<_> = (0..7 * 12)
        .map(|i| (start + Duration::minutes(5 * i), 10.0))
        .collect();
    let text = csv(&points, |t| {
        t.with_timezone(&Amsterdam)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    });
    assert_eq!(text.matches(" 02:30:00").count(), 2, "the repeated hour");
    let (code, _, err) = detect(&["--zone", "Europe/Amsterdam"], &text);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("summed"), "no two rows on one bucket: {err}");
    assert!(err.contains("84 samples, 84 buckets"), "{err}");
    // The night clocks go forward there is no 02:30.
    let text =
        "timestamp,value\n2024-03-31 01:55:00,10\n2024-03-31 02:30:00,10\n2024-03-31 03:00:00,10\n";
    let (code, _, err) = detect(&["--zone", "Europe/Amsterdam"], text);
    assert_eq!(code, 3);
    assert!(
        err.contains("line 3") && err.contains("does not exist in Europe/Amsterdam"),
        "{err}"
    );
}

#[test]
fn the_trend_explorers_csv_export_is_read_as_it_is() {
    // As trends.js writes it: a `bucket_start` column, one column per compared series
    // (`category/term` or `category`), ISO times with milliseconds, CRLF lines.
    let points = hourly();
    let mut export = String::from("bucket_start,anti_overheid/nepparlement,anti_overheid\r\n");
    for (i, (at, v)) in points.iter().enumerate() {
        let calm = 40.0 + wobble(i);
        export.push_str(&format!(
            "{},{v},{calm}\r\n",
            at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ));
    }
    let (code, out, err) = detect(&[], &export);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, detect(&[], &csv(&points, iso)).1, "the first series");
    let (code, calm, err) = detect(&["--column", "anti_overheid"], &export);
    assert_eq!(code, 0, "{err}");
    assert_eq!(calm, "", "the second series has no spike");
    let (code, _, err) = detect(&["--column", "nope"], &export);
    assert_eq!(code, 1);
    assert!(err.contains("no column `nope`"), "{err}");
}

#[test]
fn irregular_sampling_times_snap_to_the_bucket_grid() {
    let points = local_cycle();
    let (_, reference, _) = detect(&[], &csv(&points, iso));
    // Sampled 53 seconds after each bucket start; and a clock drifting up to ±2 minutes.
    let late: Vec<_> = points
        .iter()
        .map(|(t, v)| (*t + Duration::seconds(53), *v))
        .collect();
    let drifting: Vec<_> = points
        .iter()
        .enumerate()
        .map(|(i, (t, v))| (*t + Duration::seconds((i % 241) as i64 - 120), *v))
        .collect();
    for (name, series) in [("late", late), ("drifting", drifting)] {
        let (code, out, err) = detect(&[], &csv(&series, iso));
        assert_eq!(code, 0, "{name}: {err}");
        assert!(
            err.contains("of 300 s") && !err.contains("summed"),
            "{name}: {err}"
        );
        assert_eq!(out, reference, "{name}");
    }
}

#[test]
fn gaps_are_unknown_unless_told_they_are_zero() {
    // Three days without rows (an outage of the collector) in the third week.
    let points = hourly();
    let gappy: Vec<_> = points
        .iter()
        .enumerate()
        .filter(|(i, _)| !(340..412).contains(i))
        .map(|(_, p)| *p)
        .collect();
    let (code, out, err) = detect(&[], &csv(&gappy, iso));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("(72 unknown)"), "{err}");
    assert_eq!(out, detect(&[], &csv(&points, iso)).1, "a gap is no news");
    // As zeros, three days of an outage are no news either (a fall to nothing is no new
    // level) ...
    let (_, zero, err) = detect(&["--gaps", "zero"], &csv(&gappy, iso));
    assert!(err.contains("(0 unknown)"), "{err}");
    assert!(spikes(&zero).iter().all(|s| s["kind"] == "spike"), "{zero}");
    // ... but they are counts: a week later the same hours are expected lower, and the
    // ordinary hours there look like a spike. Here the gap holds the slots a week before
    // the first tripled hour (hour 430): unknown, that hour alone is a spike.
    let before_spike: Vec<_> = points
        .iter()
        .enumerate()
        .filter(|(i, _)| !(250..300).contains(i))
        .map(|(_, p)| *p)
        .collect();
    let first = |args: &[&str]| {
        let (_, out, _) = detect(args, &csv(&before_spike, iso));
        spikes(&out)[0]["duration_s"].as_i64().unwrap()
    };
    assert_eq!(first(&[]), 3600);
    assert!(first(&["--gaps", "zero"]) >= 24 * 3600);
}

#[test]
fn duplicate_timestamps_are_summed_with_a_warning() {
    let points = hourly();
    let (_, reference, _) = detect(&[], &csv(&points, iso));
    let mut split = Vec::new();
    for (i, (at, v)) in points.iter().enumerate() {
        if i == 430 {
            split.push((*at, v - 50.0));
            split.push((*at + Duration::minutes(10), 50.0));
        } else {
            split.push((*at, *v));
        }
    }
    let (code, out, err) = detect(&["--bucket", "1h"], &csv(&split, iso));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1 bucket(s) of 3600 s had more than one sample, summed"),
        "{err}"
    );
    assert_eq!(out, reference);
}

#[test]
fn bad_lines_are_reported_with_their_number_skipped_and_the_exit_code_says_so() {
    let points = hourly();
    let (_, reference, _) = detect(&[], &csv(&points, iso));
    let mut text = csv(&points, iso);
    // Lines 2 + 600.. of the file: extra rows, so the good rows are all still there.
    text.push_str("yesterday,5\n2024-01-10T10:00:00Z,many\n2024-01-10T11:00:00Z,-3\n2024-01-10T12:00:00Z\n2024-13-01T00:00:00Z,4\n");
    let first_bad = points.len() + 2;
    let (code, out, err) = detect(&[], &text);
    assert_eq!(code, 3, "{err}");
    for (offset, what) in [
        (0, "cannot read the time `yesterday`"),
        (1, "the value `many` is no count"),
        (2, "the value `-3` is no count"),
        (3, "no value"),
        (4, "cannot read the time `2024-13-01T00:00:00Z`"),
    ] {
        let line = format!("-:line {}: {what}", first_bad + offset);
        assert!(
            err.contains(&line.replace("-:", "stdin:")),
            "{line} in {err}"
        );
    }
    assert!(err.contains("5 line(s) skipped"), "{err}");
    assert_eq!(out, reference, "the good lines are used");
}

#[test]
fn the_bucket_is_guessed_or_given() {
    // Quarter-hourly samples: guessed as 15 minutes; read as hours they are summed by four.
    let start = monday();
    let points: Vec<_> = (0..3 * 7 * 96)
        .map(|i| (start + Duration::minutes(15 * i as i64), 10.0 + wobble(i)))
        .collect();
    let text = csv(&points, iso);
    let (code, _, err) = detect(&[], &text);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("buckets of 900 s"), "{err}");
    let (_, _, err) = detect(&["--bucket", "1h"], &text);
    assert!(err.contains("504 buckets of 3600 s"), "{err}");
    let (_, _, err) = detect(&["--bucket", "1d"], &text);
    assert!(err.contains("buckets of 86400 s"), "{err}");
}

#[test]
fn output_goes_to_a_file_and_parameters_can_be_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spikes.jsonl");
    let text = csv(&hourly(), iso);
    let (code, stdout, err) = detect(&["--output", path.to_str().unwrap()], &text);
    assert_eq!((code, stdout.as_str()), (0, ""), "{err}");
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, detect(&[], &text).1);
    assert_eq!(spikes(&written).len(), 2);
    // A volume floor above the tripled hours: nothing; an unknown key: an error.
    let (code, out, _) = detect(&["--param", "min_volume=1000"], &text);
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, _, err) = detect(&["--param", "min_volum=1000"], &text);
    assert_eq!(code, 1);
    assert!(err.contains("min_volum"), "{err}");
}
