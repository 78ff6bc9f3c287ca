//! The curator's draft evaluation, checked against counts made directly from the seeded texts.

mod common;

use axum::http::StatusCode;
use chrono::Utc;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use websense_model::ScoredItem;
use websense_room::audit::action;

/// Occurrences of the word `w` in a text of space-separated words.
fn count(s: &ScoredItem, w: &str) -> usize {
    s.item.text.split(' ').filter(|x| *x == w).count()
}

fn score(s: &ScoredItem, category: &str) -> f64 {
    s.scores
        .iter()
        .find(|c| c.category == category)
        .map(|c| c.score)
        .unwrap_or(0.0)
}

fn ids<'a>(items: impl Iterator<Item = &'a ScoredItem>) -> BTreeSet<String> {
    items.map(|s| s.item.id.0.clone()).collect()
}

fn change<'a>(v: &'a Value, name: &str, key: &str) -> &'a Value {
    let list = v.as_array().unwrap();
    list.iter()
        .find(|c| {
            c[key] == name
                || format!(
                    "{}/{}",
                    c["category"].as_str().unwrap(),
                    c["term"].as_str().unwrap_or("")
                ) == name
        })
        .unwrap_or_else(|| panic!("no change for {name} in {v}"))
}

fn check(change: &Value, expected: &BTreeSet<String>, examples: usize) {
    assert_eq!(change["count"], json!(expected.len()), "{change}");
    let shown = change["examples"].as_array().unwrap();
    assert_eq!(shown.len(), expected.len().min(examples));
    for id in shown {
        assert!(
            expected.contains(id.as_str().unwrap()),
            "{id} is not an example of this change"
        );
    }
}

#[tokio::test]
async fn an_added_term_reports_the_items_it_would_match_and_flag() {
    let t = TestRoom::new().await;
    let curator = t.login("curator").await;
    let before: Vec<_> = std::fs::read_dir(lexicon_dir(t.dir.path()))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let draft = json!({
        "files": [{"name": "extra.lex", "text": "name: extra\nlanguages: nl\n\n[anti_overheid]\nfiets | 1\n"}],
        "days": 7,
        "examples": 3,
    });
    let r = t.evaluate(&curator, draft).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = &r.json;
    assert_eq!(e["current_version"], json!(t.lexicons.version));
    assert_ne!(e["draft_version"], e["current_version"]);
    assert_eq!(
        e["items_scanned"], 120,
        "the last 7 days hold the recent items only"
    );
    assert_eq!(e["truncated"], false);
    assert_eq!(
        e["terms_added"],
        json!([{"category": "anti_overheid", "term": "fiets", "kind": "word", "weight": 1.0}])
    );
    assert_eq!(e["terms_removed"], json!([]));

    let with_fiets = ids(t.recent.iter().filter(|s| count(s, "fiets") > 0));
    assert!(with_fiets.len() > 10);
    let term = change(&e["terms"], "anti_overheid/fiets", "term");
    check(&term["newly_matched"], &with_fiets, 3);
    check(&term["no_longer_matched"], &BTreeSet::new(), 3);

    let newly_matched = ids(t.recent.iter().filter(|s| {
        count(s, "fiets") > 0
            && !s
                .scores
                .iter()
                .any(|c| c.category == "anti_overheid" && c.hits > 0)
    }));
    let newly_flagged = ids(t.recent.iter().filter(|s| {
        let before = score(s, "anti_overheid");
        before < 4.0 && before + count(s, "fiets").min(3) as f64 >= 4.0
    }));
    assert!(!newly_flagged.is_empty());
    let cat = change(&e["categories"], "anti_overheid", "category");
    check(&cat["newly_matched"], &newly_matched, 3);
    check(&cat["newly_flagged"], &newly_flagged, 3);
    check(&cat["no_longer_flagged"], &BTreeSet::new(), 3);
    assert_eq!(
        e["categories"].as_array().unwrap().len(),
        1,
        "complot does not change"
    );

    // Nothing was saved.
    let after: Vec<_> = std::fs::read_dir(lexicon_dir(t.dir.path()))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
    let versions = t.get("/api/lexicons", &curator).await;
    assert_eq!(
        versions.json["current"]["version"],
        json!(t.lexicons.version)
    );
    let audit = t.audit_of(action::EVALUATE_LEXICON);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail["files"], json!(["extra.lex"]));
    assert_eq!(audit[0].detail["draft_version"], e["draft_version"]);
}

#[tokio::test]
async fn a_removed_term_and_a_lower_threshold() {
    let t = TestRoom::new().await;
    let curator = t.login("curator").await;
    let without = LEXICON.replace("dictatuur      | 2\n", "");
    assert_ne!(without, LEXICON);
    let r = t
        .evaluate(
            &curator,
            json!({"files": [{"name": "test.lex", "text": without}], "examples": 20}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = &r.json;
    assert_eq!(e["terms_removed"][0]["term"], "dictatuur");
    let with_dictatuur = ids(t.recent.iter().filter(|s| count(s, "dictatuur") > 0));
    check(
        &change(&e["terms"], "anti_overheid/dictatuur", "term")["no_longer_matched"],
        &with_dictatuur,
        20,
    );
    let unmatched = ids(t.recent.iter().filter(|s| {
        count(s, "dictatuur") > 0
            && s.matches
                .iter()
                .filter(|h| h.category == "anti_overheid")
                .all(|h| h.term == "dictatuur")
    }));
    let unflagged = ids(t.recent.iter().filter(|s| {
        let before = score(s, "anti_overheid");
        before >= 4.0 && before - 2.0 * (count(s, "dictatuur").min(3) as f64) < 4.0
    }));
    let cat = change(&e["categories"], "anti_overheid", "category");
    check(&cat["no_longer_matched"], &unmatched, 20);
    check(&cat["no_longer_flagged"], &unflagged, 20);
    check(&cat["newly_flagged"], &BTreeSet::new(), 20);

    let lower = CATEGORIES.replace("threshold = 4.0", "threshold = 2.0");
    let r = t
        .evaluate(&curator, json!({"categories": lower, "examples": 0}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["terms_added"],
        json!([]),
        "a threshold is not a term"
    );
    let newly = ids(t.recent.iter().filter(|s| {
        let x = score(s, "anti_overheid");
        (2.0..4.0).contains(&x)
    }));
    let cat = change(&r.json["categories"], "anti_overheid", "category");
    check(&cat["newly_flagged"], &newly, 0);
    check(&cat["newly_matched"], &BTreeSet::new(), 0);
}

#[tokio::test]
async fn drafts_with_errors_are_refused_with_their_problems_and_purged_items_are_counted_apart() {
    let t = TestRoom::new().await;
    let curator = t.login("curator").await;
    let r = t
        .evaluate(
            &curator,
            json!({"files": [{"name": "bad.lex", "text": "name: bad\n\n[anti_overheid]\nkwaad | 1,5\n[onbekend]\nx\n"}]}),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let problems = r.json["problems"].as_array().unwrap();
    assert!(problems.len() >= 2, "{problems:?}");
    assert!(problems
        .iter()
        .all(|p| p["file"] == "bad.lex" && p["severity"] == "error"));
    assert_eq!(problems[0]["line"], 4);
    assert!(t.audit_of(action::EVALUATE_LEXICON).is_empty());

    websense_room::workers::run_retention(&t.room, Utc::now())
        .await
        .unwrap();
    let r = t
        .evaluate(&curator, json!({"remove": ["test.lex"], "days": 60}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["items_scanned"], 120);
    assert_eq!(r.json["items_purged"], 40);
    // Removing the only lexicon unmatches everything that matched.
    let matched = ids(t.recent.iter().filter(|s| !s.matches.is_empty()));
    let terms_total: usize = r.json["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["no_longer_matched"]["count"].as_u64().unwrap() as usize)
        .sum();
    let hits_total: usize = t
        .recent
        .iter()
        .map(|s| {
            s.matches
                .iter()
                .map(|h| (&h.category, &h.term))
                .collect::<BTreeSet<_>>()
                .len()
        })
        .sum();
    assert_eq!(terms_total, hits_total);
    assert!(matched.len() > 50);
    let problems = r.json["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["severity"] == "warning"),
        "no .lex files left is a warning: {problems:?}"
    );
}
