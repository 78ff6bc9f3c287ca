//! End-to-end tests of `websense match` through the real binary.

mod cli_common;

use cli_common::{repo_root, run_with_stdin, websense};

#[test]
fn scores_the_bundled_samples() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("scored.jsonl");
    let status = websense()
        .args([
            "match",
            "--lexicons",
            "lexicons",
            "--input",
            "samples/posts.jsonl",
            "--output",
        ])
        .arg(&out_path)
        .status()
        .unwrap();
    assert!(status.success());
    let input_lines = std::fs::read_to_string(repo_root().join("samples/posts.jsonl"))
        .unwrap()
        .lines()
        .count();
    let scored: Vec<serde_json::Value> = std::fs::read_to_string(&out_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(scored.len(), input_lines, "every item is written back");
    let version = scored[0]["lexicon_version"].as_str().unwrap().to_string();
    assert!(version.starts_with("lx-"));
    // sample-002 speaks of "volksverraders": the prefix term must hit, with a span on the original text.
    let item = scored.iter().find(|v| v["id"] == "sample-002").unwrap();
    let text = item["text"].as_str().unwrap();
    let hit = item["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["term"] == "volksverrader")
        .expect("volksverrader hit");
    let (s, e) = (
        hit["start"].as_u64().unwrap() as usize,
        hit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "volksverrader");
    assert_eq!(hit["kind"], "prefix");
    // a plainly harmless post has no hits
    let benign = scored.iter().find(|v| v["id"] == "sample-001").unwrap();
    assert!(benign["matches"].as_array().unwrap().is_empty());
}

#[test]
fn malformed_lines_are_reported_with_their_number_and_never_dropped_silently() {
    let input = concat!(
        "{\"id\":\"a\",\"text\":\"Die volksverraders!\"}\n",
        "this is not json\n",
        "\n",
        "{\"id\":\"b\"}\n",
        "{\"id\":\"c\",\"text\":\"Mooie dag\"}\n",
        "{\"id\":\"d\",\"text\":\"unterminated\n",
    );
    // without an errors file: stderr names each rejected line, exit code 3, good items still written
    let (code, stdout, stderr) = run_with_stdin(&["match", "--lexicons", "lexicons"], input);
    assert_eq!(code, 3, "stderr: {stderr}");
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["a", "c"]);
    for line in ["-:2:", "-:4:", "-:6:"] {
        assert!(stderr.contains(line), "{line} missing in {stderr}");
    }
    assert!(stderr.contains("3 rejected"), "{stderr}");

    // with an errors file: one JSON record per rejected line, with the raw line kept
    let dir = tempfile::tempdir().unwrap();
    let errors = dir.path().join("errors.jsonl");
    let (code, _, _) = run_with_stdin(
        &[
            "match",
            "--lexicons",
            "lexicons",
            "--errors",
            errors.to_str().unwrap(),
        ],
        input,
    );
    assert_eq!(code, 3);
    let rejected: Vec<serde_json::Value> = std::fs::read_to_string(&errors)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<u64> = rejected
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 4, 6]);
    assert_eq!(rejected[0]["raw"], "this is not json");
    assert!(rejected[1]["error"].as_str().unwrap().contains("text"));
}

#[test]
fn invalid_utf8_line_is_rejected_not_fatal() {
    let (code, stdout, stderr) = run_with_stdin(
        &["match", "--lexicons", "lexicons"],
        b"{\"id\":\"x\",\"text\":\"\xff\xfe\"}\n{\"id\":\"y\",\"text\":\"ok\"}\n",
    );
    assert_eq!(code, 3);
    assert_eq!(stdout.lines().count(), 1);
    assert!(stderr.contains("-:1:"), "{stderr}");
}

#[test]
fn missing_lexicon_directory_is_a_clear_error() {
    let (code, _, stderr) = run_with_stdin(&["match", "--lexicons", "no/such/dir"], "");
    assert_eq!(code, 1);
    assert!(stderr.contains("no/such/dir"), "{stderr}");
}

#[test]
fn items_are_attributed_to_municipalities_unless_told_not_to() {
    let input = concat!(
        "{\"id\":\"a\",\"title\":\"Onrust\",\"text\":\"Vanavond weer rellen in #Zaandam en IJmuiden.\"}\n",
        "{\"id\":\"b\",\"text\":\"Demonstratie in Bergen morgen.\"}\n",
        "{\"id\":\"c\",\"text\":\"Niets hier.\",\"source\":{\"id\":\"zaanstad-nieuws\",\"kind\":\"feed\",\"tags\":[\"gemeente:GM0479\"]}}\n",
    );
    let parse = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (code, out, err) = run_with_stdin(&["match", "--lexicons", "lexicons"], input);
    assert_eq!(code, 0, "{err}");
    let items = parse(&out);
    let a = &items[0];
    assert_eq!(a["municipalities"], serde_json::json!(["GM0479", "GM0453"]));
    let place = &a["places"][0];
    let text = a["text"].as_str().unwrap();
    let (s, e) = (
        place["start"].as_u64().unwrap() as usize,
        place["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "Zaandam");
    assert_eq!(place["municipality"], "Zaanstad");
    assert_eq!(place["basis"], "name");
    // `Bergen` is two municipalities: without a region it is left unattributed, never guessed
    assert!(items[1].get("places").is_none(), "{}", items[1]);
    // the source's configured municipality counts, without a span
    assert_eq!(items[2]["municipalities"], serde_json::json!(["GM0479"]));
    assert!(
        err.contains("items attributed to 2 municipalities"),
        "{err}"
    );

    let (_, out, _) = run_with_stdin(
        &[
            "match",
            "--lexicons",
            "lexicons",
            "--region",
            "Noord-Holland",
        ],
        input,
    );
    let b = &parse(&out)[1];
    assert_eq!(b["municipalities"], serde_json::json!(["GM0373"]), "{b}");
    assert_eq!(b["places"][0]["basis"], "region");

    let (_, out, _) = run_with_stdin(&["match", "--lexicons", "lexicons", "--no-places"], input);
    assert!(parse(&out)
        .iter()
        .all(|v| v.get("places").is_none() && v.get("municipalities").is_none()));
}

#[test]
fn announcements_are_written_when_found_and_left_out_otherwise() {
    let input = concat!(
        "{\"id\":\"a\",\"published_at\":\"2026-10-24T19:00:00Z\",\"text\":\"Morgen 20:00 kom allemaal naar de Coolsingel in Rotterdam!\"}\n",
        "{\"id\":\"b\",\"published_at\":\"2026-10-24T19:00:00Z\",\"text\":\"Gisteren om 20:00 verzamelden honderden mensen zich op de Coolsingel\"}\n",
        "{\"id\":\"c\",\"text\":\"Niets hier.\"}\n",
    );
    let parse = |out: &str| -> Vec<serde_json::Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (code, out, err) = run_with_stdin(&["match", "--lexicons", "lexicons"], input);
    assert_eq!(code, 0, "{err}");
    let items = parse(&out);
    let a = &items[0]["announcements"][0];
    assert_eq!(a["starts_at"], "2026-10-25T20:00:00+01:00", "{a}");
    assert_eq!(a["municipality_code"], "GM0599");
    assert_eq!(a["place"], "de Coolsingel");
    assert_eq!(a["call"], "kom allemaal");
    let text = items[0]["text"].as_str().unwrap();
    let (s, e) = (
        a["start"].as_u64().unwrap() as usize,
        a["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&text[s..e], "Morgen 20:00 kom allemaal naar de Coolsingel");
    assert!(a["rule"].as_str().unwrap().contains("kom allemaal"), "{a}");
    // a report of the past is none, and an item without one has no key at all
    assert!(items[1].get("announcements").is_none(), "{}", items[1]);
    assert!(items[2].get("announcements").is_none(), "{}", items[2]);
    assert!(err.contains("1 announcements"), "{err}");

    let (_, out, _) = run_with_stdin(
        &["match", "--lexicons", "lexicons", "--no-announcements"],
        input,
    );
    assert!(parse(&out).iter().all(|v| v.get("announcements").is_none()));
    // a curator's copy of the lexicon without the call finds nothing
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("categories.toml"),
        std::fs::read_to_string(repo_root().join("lexicons/announce/categories.toml")).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("oproepen.lex"),
        "name: eigen\n\n[oproep]\nverzamelen\n",
    )
    .unwrap();
    let announce = dir.path().to_str().unwrap();
    let (code, out, err) = run_with_stdin(
        &["match", "--lexicons", "lexicons", "--announce", announce],
        input,
    );
    assert_eq!(code, 0, "{err}");
    assert!(parse(&out).iter().all(|v| v.get("announcements").is_none()));
}
