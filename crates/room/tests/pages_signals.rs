//! The signal queue in a real headless Chromium, with the steps issue 17 gives: an analyst
//! scans (a Dutch sentence with the number found, not JSON), sees counts per state and a
//! total, pages through every candidate (no silent cap at 100), filters and sorts, reads
//! card titles that say what each signal is, and dismisses a selection with one reason; the
//! i2o liaison lands on the confirmed signals; the language switch keeps the filters.

mod common;

use common::browser::{Browser, WAIT};
use common::pages_fixture::*;
use serde_json::{json, Value};

/// The number in "(123)" of a state button's text.
fn count_in(text: &str) -> u64 {
    let inner = text.rsplit('(').next().unwrap_or_default();
    let digits: String = inner.chars().filter(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no count in {text:?}"))
}

async fn card_ids(b: &Browser) -> Vec<String> {
    let ids = b
        .exec(
            "return [...document.querySelectorAll('.signal-list article.signal')].map(a => a.dataset.id);",
            vec![],
        )
        .await;
    serde_json::from_value(ids).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_counts_pages_filters_and_dismisses_and_the_liaison_lands_on_confirmed() {
    let f = fixture().await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "analist").await;
    b.goto(&format!("{}/signalen", f.base)).await;
    b.wait_for("#tab-candidate", WAIT).await;

    // "Zoek nieuwe kandidaten": a Dutch sentence with the number found.
    b.click("#scan").await;
    let said = b.wait_for_text("#scan-status", "gevonden").await;
    assert!(!said.contains('{') && !said.contains("item_"), "{said}");
    let found = count_in(&format!("({})", said.split_whitespace().next().unwrap()));
    assert!(
        found > 100,
        "the demo's week holds more than a page: {said}"
    );

    // The count and the total say how many there are; paging reaches every one.
    let tab = b
        .wait_for_text("#tab-candidate", &format!("({found})"))
        .await;
    assert!(tab.starts_with("Te beoordelen"), "{tab}");
    let summary = b
        .wait_for_text("#signals-summary", &format!("van {found}"))
        .await;
    assert!(summary.starts_with("Signalen 1–50"), "{summary}");
    let mut seen = std::collections::BTreeSet::new();
    loop {
        seen.extend(card_ids(&b).await);
        let last = b
            .exec("return document.getElementById('next').disabled;", vec![])
            .await;
        if last == json!(true) {
            break;
        }
        let before = b.text("#signals-summary").await;
        b.click("#next").await;
        let deadline = std::time::Instant::now() + WAIT;
        while b.text("#signals-summary").await == before {
            assert!(
                std::time::Instant::now() < deadline,
                "the next page never came"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    assert_eq!(seen.len() as u64, found, "every candidate, each once");

    // Card titles say what each signal is: a category label, terms, a source; no raw ids.
    b.goto(&format!("{}/signalen", f.base)).await;
    b.wait_for("#signals-candidate article.signal", WAIT).await;
    let titles = b
        .exec(
            "return [...document.querySelectorAll('article.signal h3')].map(h => h.textContent);",
            vec![],
        )
        .await;
    let titles: Vec<String> = serde_json::from_value(titles).unwrap();
    assert!(titles
        .iter()
        .all(|t| t != "Gemarkeerd bericht" && !t.contains("anti_overheid") && t.contains(" · ")));
    assert!(
        titles.iter().any(|t| t.starts_with("Anti-institutioneel")),
        "{titles:?}"
    );

    // A filter narrows the list, and stays in the address; sorting by score works too.
    b.choose("#filter-category", "complot").await;
    b.wait_for("#signals-candidate article.signal", WAIT).await;
    let narrowed = b.wait_for_text("#tab-candidate", "(").await;
    assert!(count_in(&narrowed) < found, "{narrowed}");
    assert!(b.current_url().await.contains("category=complot"));
    b.choose("#filter-sort", "score").await;
    let deadline = std::time::Instant::now() + WAIT;
    while !b.current_url().await.contains("sort=score") {
        assert!(std::time::Instant::now() < deadline, "sort not applied");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.wait_for("#signals-candidate article.signal", WAIT).await;
    assert_accessible(&b, "signalen (gefilterd)").await;
    shot(&b, "10-signalen-wachtrij").await;

    // The language switch keeps the filters.
    b.click("a.lang").await;
    b.wait_for_text("#tab-candidate", "To review").await;
    let url = b.current_url().await;
    assert!(
        url.contains("category=complot") && url.contains("sort=score"),
        "{url}"
    );
    b.click("a.lang").await;
    b.wait_for_text("#tab-candidate", "Te beoordelen").await;

    // Bulk dismiss: select two, one reason, both dismissed.
    b.choose("#filter-category", "").await;
    b.wait_for_text("#tab-candidate", &format!("({found})"))
        .await;
    let picked = card_ids(&b).await[..2].to_vec();
    for id in &picked {
        b.click(&format!("#select-{id}")).await;
    }
    b.click("#bulk-dismiss").await;
    b.wait_for_text("#bulk-error", "reden").await;
    b.fill("#bulk-reason", "Sportverslagen, geen signaal").await;
    b.click("#bulk-dismiss").await;
    b.wait_for_text("#tab-dismissed", "(2)").await;
    b.wait_for_text("#tab-candidate", &format!("({})", found - 2))
        .await;
    b.click("#tab-dismissed").await;
    for id in &picked {
        b.wait_for_text(
            &format!("#signals-dismissed article.signal[data-id='{id}'] .decision-made"),
            "Sportverslagen",
        )
        .await;
    }

    // One confirmed, for the liaison.
    b.click("#tab-candidate").await;
    b.wait_for("#signals-candidate article.signal form.decision", WAIT)
        .await;
    let id = card_ids(&b).await.remove(0);
    let card = format!("#signals-candidate article.signal[data-id='{id}']");
    b.fill(&format!("{card} textarea"), "Voor de casustafel")
        .await;
    b.click(&format!("{card} button.confirm")).await;
    b.wait_for_text("#tab-confirmed", "(1)").await;

    // The i2o liaison lands on the confirmed signals: no candidates, no other states.
    log_in(&b, &f.base, "liaison").await;
    b.goto(&format!("{}/", f.base)).await;
    b.wait_for(
        &format!("#signals-confirmed article.signal[data-id='{id}']"),
        WAIT,
    )
    .await;
    assert!(b.current_url().await.contains("/signalen"));
    let pressed = b
        .exec(
            "return [document.querySelector('#tab-confirmed').getAttribute('aria-pressed'), \
             document.querySelector('#tab-candidate'), document.querySelectorAll('article.signal').length];",
            vec![],
        )
        .await;
    assert_eq!(pressed, json!(["true", Value::Null, 1]));
    b.wait_for_text("#tab-confirmed", "Bevestigd (1)").await;
    assert_accessible(&b, "signalen (i2o)").await;
    shot(&b, "11-signalen-i2o").await;
}
