//! `websense bench lang`: language detection on our own labelled sample
//! (`samples/languages.jsonl`: posts written for websense in 14 languages, short, long,
//! emoji-, link- and language-mixed ones), per detector: right answers per language and per
//! kind of post, and CPU time per post. The detectors are those of
//! [`websense_model::language::Detector`]: what websense does now, `whatlang` and `whichlang`
//! alone on the same sample, and `whatlang` on the raw text as websense did before.

use crate::bench_match::thread_time;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use websense_model::language::{detect_language_with, Detector};

#[derive(Deserialize)]
struct Sample {
    lang: String,
    kind: String,
    text: String,
}

const DETECTORS: [(Detector, &str); 4] = [
    (Detector::WhatlangRaw, "whatlang (before)"),
    (Detector::Whatlang, "whatlang"),
    (Detector::Whichlang, "whichlang"),
    (Detector::Combined, "websense (now)"),
];

/// Read the sample at `path`, run every detector over it, and return the report.
pub fn run_lang_bench(path: &Path, runs: usize) -> Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let samples = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, l)| serde_json::from_str::<Sample>(l).with_context(|| format!("line {}", n + 1)))
        .collect::<Result<Vec<_>>>()?;
    anyhow::ensure!(!samples.is_empty(), "{} has no samples", path.display());

    // rows: "lang:nld" / "kind:short" / "all" -> per detector (right, total)
    let mut rows: BTreeMap<String, [(usize, usize); 4]> = BTreeMap::new();
    let mut misses = String::new();
    for s in &samples {
        for (d, (detector, name)) in DETECTORS.iter().enumerate() {
            let got = detect_language_with(&s.text, *detector).map(|l| l.code);
            let right = got.as_deref() == Some(s.lang.as_str());
            for key in [s.lang.clone(), format!("~{}", s.kind), "all".into()] {
                let cell = &mut rows.entry(key).or_default()[d];
                cell.1 += 1;
                cell.0 += usize::from(right);
            }
            if !right && *detector == Detector::Combined {
                let mut end = s.text.len().min(60);
                while !s.text.is_char_boundary(end) {
                    end -= 1;
                }
                let _ = writeln!(
                    misses,
                    "  {name} missed {} ({}): {:?} for {:?}",
                    s.lang,
                    s.kind,
                    got.unwrap_or_else(|| "none".into()),
                    &s.text[..end]
                );
            }
        }
    }

    let mut out = format!(
        "language detection on {} ({} posts): right answers per language, per kind of post (~)\n\n",
        path.display(),
        samples.len()
    );
    let _ = write!(out, "{:<12}", "");
    for (_, name) in DETECTORS {
        let _ = write!(out, "{name:>19}");
    }
    out.push('\n');
    let ordered = rows
        .iter()
        .filter(|(k, _)| !k.starts_with('~') && *k != "all")
        .chain(rows.iter().filter(|(k, _)| k.starts_with('~')))
        .chain(rows.iter().filter(|(k, _)| *k == "all"));
    for (key, cells) in ordered {
        let _ = write!(out, "{key:<12}");
        for (right, total) in cells {
            let _ = write!(out, "{:>19}", format!("{right}/{total}"));
        }
        out.push('\n');
    }
    out.push_str(&misses);

    out.push_str("\nCPU time per post (best of runs, one thread)\n");
    for (detector, name) in DETECTORS {
        let mut best = f64::INFINITY;
        for _ in 0..runs.max(1) {
            let (found, took) = thread_time(|| {
                let mut found = 0usize;
                for _ in 0..20 {
                    for s in &samples {
                        found += usize::from(detect_language_with(&s.text, detector).is_some());
                    }
                }
                found
            });
            std::hint::black_box(found);
            best = best.min(took.as_secs_f64() / (20 * samples.len()) as f64);
        }
        let _ = writeln!(out, "  {name:<19} {:>8.1} µs", best * 1e6);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_counts_every_post_for_every_detector() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.jsonl");
        std::fs::write(
            &path,
            "{\"lang\":\"nld\",\"kind\":\"post\",\"text\":\"De gemeenteraad heeft gisteravond besloten dat het zwembad open blijft.\"}\n\
             {\"lang\":\"pol\",\"kind\":\"post\",\"text\":\"Rada miasta w końcu zdecydowała o naprawie dróg na osiedlu.\"}\n",
        )
        .unwrap();
        let report = run_lang_bench(&path, 1).unwrap();
        assert!(report.contains("(2 posts)"), "{report}");
        let all = report.lines().find(|l| l.starts_with("all")).unwrap();
        assert_eq!(all.split_whitespace().count(), 5, "{all}");
        assert!(all.ends_with("2/2"), "{all}");
    }
}
