//! `websense match` as a pipeline: the output does not depend on `--threads` or on the chunk
//! size (`--batch`), rejected lines keep their numbers across chunks, and `--fields` /
//! `--aggregate-hits` write what they say. Through the real binary.

use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use websense_matcher::{Matcher, MatcherOptions};
use websense_model::Item;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_websense"))
        .current_dir(repo_root())
        .arg("match")
        .args(["--lexicons", "lexicons"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin_pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || stdin_pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    // A run refused at the start (a bad flag) exits before reading its input: the pipe then
    // breaks under the feeder, which is no failure of the run.
    match feeder.join().unwrap() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe && !out.status.success() => {}
        written => written.unwrap(),
    }
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

const TEXTS: &[&str] = &[
    "Die volksverraders in Den Haag! Volksverraders, allemaal.",
    "Mooie dag in het park.",
    "Traitors and tyrants, traitors everywhere: a police state.",
    "Het is walgelijk dat mensen anderen ongedierte noemen.",
    "Niets aan de hand.",
    "De grote vervanging, zeggen ze. Grote vervanging!",
];

/// Good lines with a fixed `fetched_at` (else the output holds the time of the run), every
/// seventh line blank, and the line numbers of the bad lines put in between.
fn input(lines: usize) -> (Vec<u8>, Vec<u64>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for k in 0..lines {
        let line_no = k as u64 + 1;
        if k % 7 == 6 {
            out.extend_from_slice(b"   \n");
        } else if k % 29 == 11 {
            out.extend_from_slice(b"{\"id\":\"broken\",\"text\":\n");
            bad.push(line_no);
        } else if k % 31 == 20 {
            out.extend_from_slice(b"{\"id\":\"u\",\"text\":\"\xff\xfe kapot\"}\n");
            bad.push(line_no);
        } else {
            let title = if k % 5 == 0 {
                format!(",\"title\":\"Titel {k}: volksverrader\"")
            } else {
                String::new()
            };
            writeln!(
                out,
                "{{\"id\":\"item-{k}\",\"fetched_at\":\"2025-02-03T04:05:06Z\",\"text\":{}{title}}}",
                serde_json::to_string(TEXTS[k % TEXTS.len()]).unwrap()
            )
            .unwrap();
        }
    }
    (out, bad)
}

/// What the output must be: each good line scored by the matcher, as JSON, in input order.
fn expected(input: &[u8]) -> Vec<u8> {
    let (set, _) = websense_lexicon::LexiconSet::load_dir(repo_root().join("lexicons")).unwrap();
    // `websense match` attributes places with the shipped gazetteer unless told not to
    let gazetteer = std::sync::Arc::new(websense_gazetteer::Gazetteer::shipped());
    let places = websense_matcher::Places::new(gazetteer, &[]);
    let matcher = Matcher::with_places(&set, MatcherOptions::default(), places).unwrap();
    let mut out = Vec::new();
    for line in input.split(|&b| b == b'\n') {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if let Ok(item) = serde_json::from_str::<Item>(text) {
            serde_json::to_writer(&mut out, &matcher.score(&item)).unwrap();
            out.push(b'\n');
        }
    }
    out
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    std::str::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn output_is_the_same_bytes_on_any_number_of_threads_and_chunks() {
    let (input, bad) = input(400);
    let want = expected(&input);
    assert!(lines(&want).len() > 300);
    let mut outputs = Vec::new();
    for args in [
        &["--threads", "1"][..],
        &["--threads", "1", "--batch", "3"],
        &["--threads", "4", "--batch", "3"],
        &["--threads", "4", "--batch", "1"],
        &["--threads", "2", "--batch", "17"],
        &[],
    ] {
        let r = run(args, &input);
        assert_eq!(r.code, 3, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{} rejected", bad.len())),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stdout == want, "{args:?}: output differs from expected");
        outputs.push(r.stdout);
    }
    // order kept across chunks
    let ids: Vec<String> = lines(&outputs[2])
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    let numbers: Vec<usize> = ids
        .iter()
        .map(|id| id.trim_start_matches("item-").parse().unwrap())
        .collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}

#[test]
fn rejected_lines_keep_their_numbers_across_chunks() {
    let (input, bad) = input(300);
    assert!(bad.len() >= 15, "{bad:?}");
    let r = run(&["--threads", "4", "--batch", "3"], &input);
    assert_eq!(r.code, 3);
    let listed: Vec<u64> = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("-:"))
        .map(|l| l.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(listed, bad, "{}", r.stderr);

    let dir = tempfile::tempdir().unwrap();
    let errors = dir.path().join("errors.jsonl");
    let r = run(
        &[
            "--threads",
            "3",
            "--batch",
            "2",
            "--errors",
            errors.to_str().unwrap(),
        ],
        &input,
    );
    assert_eq!(r.code, 3);
    let records = lines(&std::fs::read(&errors).unwrap());
    let numbers: Vec<u64> = records
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, bad);
    let utf8 = records
        .iter()
        .find(|r| r["raw"].as_str().unwrap().contains("kapot"))
        .expect("the invalid UTF-8 line is reported");
    assert!(utf8["raw"].as_str().unwrap().starts_with('\u{FFFD}'));
    assert!(utf8["error"].as_str().unwrap().starts_with("invalid item"));
}

#[test]
fn only_hits_across_chunks() {
    let (input, _) = input(120);
    let all = lines(&run(&["--threads", "4", "--batch", "5"], &input).stdout);
    let hits = lines(&run(&["--threads", "4", "--batch", "5", "--only-hits"], &input).stdout);
    let with_hits: Vec<&Value> = all
        .iter()
        .filter(|v| !v["matches"].as_array().unwrap().is_empty())
        .collect();
    assert!(!with_hits.is_empty() && with_hits.len() < all.len());
    assert_eq!(hits.iter().collect::<Vec<_>>(), with_hits);
}

#[test]
fn fields_write_only_those_fields() {
    let (input, _) = input(60);
    let all = lines(&run(&["--threads", "2"], &input).stdout);
    let r = run(
        &[
            "--threads",
            "2",
            "--batch",
            "4",
            "--fields",
            "matches,id,flagged",
        ],
        &input,
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let some = lines(&r.stdout);
    assert_eq!(some.len(), all.len());
    for (full, part) in all.iter().zip(&some) {
        let keys: Vec<&String> = part.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["flagged", "id", "matches"].iter().collect::<Vec<_>>()
        );
        assert_eq!(part["id"], full["id"]);
        assert_eq!(part["matches"], full["matches"]);
        let flagged: Vec<&str> = full["scores"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["flagged"] == true)
            .map(|s| s["category"].as_str().unwrap())
            .collect();
        let listed: Vec<&str> = part["flagged"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(listed, flagged);
    }
    // keys come in the default output's order, whatever order they were asked in
    let raw = String::from_utf8(r.stdout).unwrap();
    assert!(raw.starts_with("{\"id\":"), "{raw}");

    let r = run(&["--fields", "id,score"], &input);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("\"score\"") && r.stderr.contains("known fields"),
        "{}",
        r.stderr
    );
}

#[test]
fn aggregated_hits_count_every_hit_with_its_span() {
    let (input, _) = input(90);
    let all = lines(&run(&["--threads", "3", "--batch", "7"], &input).stdout);
    let agg = lines(
        &run(
            &["--threads", "3", "--batch", "7", "--aggregate-hits"],
            &input,
        )
        .stdout,
    );
    assert_eq!(all.len(), agg.len());
    let mut repeated = 0;
    for (full, part) in all.iter().zip(&agg) {
        let hits = full["matches"].as_array().unwrap();
        let groups = part["matches"].as_array().unwrap();
        let counted: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
        assert_eq!(counted as usize, hits.len());
        for g in groups {
            let spans = g["spans"].as_array().unwrap();
            assert_eq!(spans.len() as u64, g["count"].as_u64().unwrap());
            repeated += usize::from(spans.len() > 1);
            for span in spans {
                // every span is one of the raw hits of that term
                assert!(hits.iter().any(|h| h["term"] == g["term"]
                    && h["field"] == g["field"]
                    && h["start"] == span[0]
                    && h["end"] == span[1]));
            }
        }
        assert_eq!(part["scores"], full["scores"]);
    }
    assert!(repeated > 0, "some term repeats within an item");
}

#[test]
fn empty_input_writes_nothing_and_succeeds() {
    for input in [&b""[..], b"\n\n   \n"] {
        for threads in ["1", "4"] {
            let r = run(&["--threads", threads, "--batch", "2"], input);
            assert_eq!(r.code, 0, "{}", r.stderr);
            assert!(r.stdout.is_empty());
            assert!(r.stderr.contains("0 read"), "{}", r.stderr);
        }
    }
}
