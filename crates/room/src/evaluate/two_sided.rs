//! The full two-sided evaluation: every item of the range scored by both matchers, one page
//! at a time. The reference for [`super::evaluate`] (tests show they agree on generated
//! stores and drafts) and the baseline its figures are measured against.

use super::tally::Tally;
use super::{
    missing, term_refs, EvaluateError, EvaluateOptions, Evaluation, ExampleItem, ProblemView,
};
use rayon::prelude::*;
use std::sync::Arc;
use websense_lexicon::LexiconSet;
use websense_matcher::{Matcher, MatcherOptions};
use websense_store::{Filter, RangeQuery, RangeReader, Store};

/// Compile both sets and score every stored item of the range with both (no stored hits, no
/// skipping): the evaluation as it was before the stored hits and the prefilter, kept as
/// the reference that [`super::evaluate`] must equal and as the benchmark's baseline.
pub async fn evaluate_two_sided(
    store: &dyn Store,
    current: LexiconSet,
    draft: LexiconSet,
    problems: Vec<ProblemView>,
    options: EvaluateOptions,
) -> Result<Evaluation, EvaluateError> {
    let terms_added = missing(&term_refs(&draft), &term_refs(&current));
    let terms_removed = missing(&term_refs(&current), &term_refs(&draft));
    let (current_version, draft_version) = (current.version.clone(), draft.version.clone());
    let matchers = tokio::task::spawn_blocking(move || {
        let c = Matcher::new(&current, MatcherOptions::default())
            .map_err(|e| EvaluateError::Internal(format!("current lexicons: {e}")))?;
        let d = Matcher::new(&draft, MatcherOptions::default())
            .map_err(|e| EvaluateError::Draft(format!("the draft does not compile: {e}")))?;
        Ok::<_, EvaluateError>(Arc::new((c, d)))
    })
    .await
    .map_err(|e| EvaluateError::Internal(e.to_string()))??;

    const PAGE: usize = 1000;
    let mut tally = Tally::new(options.examples, options.max_example_items);
    let mut truncated = false;
    let (from, to) = (options.range.from, options.range.to);
    let mut reader = RangeReader::new(
        store,
        RangeQuery::new(options.range, Filter::default(), PAGE),
    );
    while let Some(page) = reader.next_page().await? {
        let mut texts = Vec::with_capacity(page.len());
        for s in page {
            let t = s.item.event_time();
            // The store selects by the stored event time, clamped to 1970–2099.
            if t < from || t >= to {
                continue;
            }
            if s.text_purged {
                tally.purged += 1;
                continue;
            }
            if tally.scanned as usize + texts.len() >= options.max_items {
                truncated = true;
                break;
            }
            texts.push((s.item.id, s.item.title, s.item.text, t, s.item.source.id));
        }
        let m = matchers.clone();
        let scored = tokio::task::spawn_blocking(move || {
            texts
                .into_par_iter()
                .map(|(id, title, text, t, source)| {
                    let c = m.0.find(title.as_deref(), &text);
                    let d = m.1.find(title.as_deref(), &text);
                    (id, c, d, (title, text, t, source))
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| EvaluateError::Internal(e.to_string()))?;
        for (id, c, d, (title, text, t, source)) in scored {
            if tally.add(&id, &c, &d) {
                tally.example_items.insert(
                    id,
                    ExampleItem {
                        title,
                        text,
                        event_time: t,
                        source: source.as_str().to_string(),
                        current_hits: c.matches,
                        draft_hits: d.matches,
                    },
                );
            }
        }
        if truncated {
            break;
        }
    }
    Ok(tally.finish(
        current_version,
        draft_version,
        problems,
        options.range,
        truncated,
        (terms_added, terms_removed),
    ))
}
