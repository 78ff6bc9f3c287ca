//! The curator's draft evaluation shows post text: every post it shows is named in its audit
//! row, and one answer shows a bounded number of posts however many changes the draft makes.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::*;
use serde_json::json;
use std::collections::BTreeSet;
use websense_lexicon::LexiconSet;
use websense_room::audit::action;
use websense_room::evaluate::{self, EvaluateOptions};
use websense_store::TimeRange;

/// Every filler word of the seeded texts as a term of its own: many changes at once.
const COMMON_WORDS: &str = "name: veel\nlanguages: nl\n\n[complot]\ngemeente | 1\nfiets | 1\n\
                            markt | 1\nregen | 1\nbuurthuis | 1\n\n[anti_overheid]\n\
                            gemeente | 1\nfiets | 1\nmarkt | 1\nregen | 1\nbuurthuis | 1\n";

#[tokio::test]
async fn every_post_an_evaluation_shows_is_named_in_its_audit_row() {
    let t = TestRoom::new().await;
    let curator = t.login("curator").await;
    let draft = json!({
        "files": [{"name": "veel.lex", "text": COMMON_WORDS}],
        "days": 7,
        "examples": 20,
    });
    let r = t.evaluate(&curator, draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let shown: BTreeSet<String> = r.json["examples"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert!(shown.len() > 20, "{} posts shown", shown.len());
    for (_, example) in r.json["examples"].as_object().unwrap() {
        assert!(!example["text"].as_str().unwrap().is_empty());
    }
    let rows = t.audit_of(action::EVALUATE_LEXICON);
    assert_eq!(rows.len(), 1);
    let audited: BTreeSet<String> = rows[0].detail["item_ids"]
        .as_array()
        .unwrap_or_else(|| panic!("no item ids in {}", rows[0].detail))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(audited, shown);
}

#[tokio::test]
async fn one_answer_shows_at_most_the_example_cap_and_says_so() {
    let t = TestRoom::new().await;
    let dir = t.dir.path().join("draft");
    let current = write_lexicons(&dir);
    std::fs::write(dir.join("veel.lex"), COMMON_WORDS).unwrap();
    let (draft, problems) = LexiconSet::load_dir(&dir).unwrap();
    assert!(problems.iter().all(|p| !p.is_error()), "{problems:?}");
    let now = Utc::now();
    let run = |cap: usize| {
        evaluate::evaluate(
            t.store.as_ref(),
            current.clone(),
            draft.clone(),
            Vec::new(),
            EvaluateOptions {
                range: TimeRange::new(now - Duration::days(7), now),
                max_items: 100_000,
                examples: 20,
                max_example_items: cap,
            },
        )
    };
    let all = run(1000).await.unwrap();
    assert!(!all.examples_capped);
    assert!(all.examples.len() > 12, "{}", all.examples.len());
    let capped = run(12).await.unwrap();
    assert_eq!(capped.examples.len(), 12);
    assert!(capped.examples_capped);
    // Counts stay complete; the ids of the changes are all shown posts.
    assert_eq!(capped.items_scanned, all.items_scanned);
    for (a, b) in capped.terms.iter().zip(&all.terms) {
        assert_eq!(a.newly_matched.count, b.newly_matched.count);
        for id in &a.newly_matched.examples {
            assert!(capped.examples.contains_key(id), "{id} has no text");
        }
    }
}
