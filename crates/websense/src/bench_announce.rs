//! `websense bench announcements`: our labelled sets of announced gatherings through the
//! matcher as `websense match` runs it (shipped gazetteer, the announcement lexicon):
//! detection precision and recall, exact `starts_at` accuracy, per kind, and every case
//! that fails with why (`websense_announce::eval`).

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use websense_announce::eval::{
    evaluate, parse_cases, Case, Report, FRESH_SET, HOLDOUT_SET, SHIPPED_SET,
};
use websense_announce::{Announcer, Outcome, Post};
use websense_lexicon::LexiconSet;
use websense_matcher::{Matcher, MatcherOptions};
use websense_model::{Item, ItemId, SourceRef};

/// Run the sets (the shipped ones when `sets` is empty) and render their reports.
pub fn run(sets: &[PathBuf], announce: Option<&Path>, lexicons: &Path) -> Result<String> {
    let announcer = crate::load_announcer(announce, lexicons)?;
    let matcher = Matcher::with_extras(
        &LexiconSet::new(Vec::new(), Vec::new()),
        MatcherOptions::default(),
        Some(crate::load_places(None, &[])),
        Some(announcer.clone()),
    )?;
    let mut named: Vec<(String, String)> = Vec::new();
    if sets.is_empty() {
        named.push((
            "labelled set (written beside the rules)".into(),
            SHIPPED_SET.into(),
        ));
        named.push((
            "second set (written with the rules frozen at 87ba6d3, then used to fix them)".into(),
            HOLDOUT_SET.into(),
        ));
        named.push((
            "third set (written with the rules frozen at 09a8be0, never tuned on)".into(),
            FRESH_SET.into(),
        ));
    }
    for path in sets {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        named.push((path.display().to_string(), text));
    }
    let mut out = String::new();
    for (name, text) in named {
        let cases = parse_cases(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let started = Instant::now();
        let report = run_set(&matcher, &announcer, &cases);
        let took = started.elapsed();
        out += &format!(
            "{name}: {:.0} µs per post (matcher, gazetteer and detector, debug builds slower)\n{}\n",
            took.as_secs_f64() * 1e6 / cases.len().max(1) as f64,
            report.render()
        );
    }
    Ok(out)
}

/// Each case scored by the matcher; a case it finds nothing in is explained by the
/// detector alone (the same rules), so a miss says why.
fn run_set(matcher: &Matcher, announcer: &Arc<Announcer>, cases: &[Case]) -> Report {
    evaluate(cases, |case| {
        let mut item = Item::new(
            ItemId(format!("line-{}", case.line)),
            SourceRef::unknown(),
            &case.text,
        );
        item.published_at = Some(case.published_at);
        let scored = matcher.score(&item);
        if !scored.announcements.is_empty() {
            return scored
                .announcements
                .into_iter()
                .map(Outcome::Announced)
                .collect();
        }
        let post = Post::of(&scored.item);
        let cues = announcer.find_cues(&post);
        announcer.explain(&post, &cues, &scored.places, &scored.municipalities)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_sets_run_through_the_matcher() {
        let out = run(&[], None, Path::new("../../lexicons")).unwrap();
        assert!(
            out.contains("labelled set") && out.contains("third set"),
            "{out}"
        );
        assert!(out.contains("precision"), "{out}");
    }
}
