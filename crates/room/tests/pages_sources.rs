//! The sources page in a real headless Chromium, with the steps issue 17 gives: as `beheer`,
//! the sources holding posts in the store but absent from the collector's status file (the
//! demo history) are listed with their post counts, every reported source shows what the
//! store holds from it, and switching a source off asks for a confirmation and a reason.

mod common;

use common::browser::{Browser, WAIT};
use common::pages_fixture::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreported_sources_are_listed_with_their_posts_and_switching_off_needs_a_reason() {
    let f = fixture().await;
    let counts = f.store.source_counts().await.unwrap();
    let history = counts
        .iter()
        .max_by_key(|c| c.items)
        .expect("the demo history holds posts");
    assert!(history.items > 1000, "{counts:?}");
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "beheer").await;
    b.goto(&format!("{}/bronnen", f.base)).await;
    b.wait_for("main table", WAIT).await;

    // The history source, not in the status file, with its posts.
    let row = b
        .exec(
            "const cell = document.querySelector(`main table .unreported[data-source='${arguments[0]}']`); \
             return cell ? [...cell.closest('tr').cells].map(c => c.textContent) : null;",
            vec![json!(history.source)],
        )
        .await;
    let row: Vec<String> = serde_json::from_value(row).expect("a row for the history source");
    let shown: String = row[5].chars().filter(char::is_ascii_digit).collect();
    assert_eq!(shown, history.items.to_string(), "{row:?}");
    assert!(row[1].contains("niet in de status"), "{row:?}");
    // A reported source shows what the store holds from it (the hostile posts: 4).
    let forum = b
        .exec(
            "const b = document.querySelector(`button[data-source='forum-<b>x</b>']`); \
             return [...b.closest('tr').cells].map(c => c.textContent);",
            vec![],
        )
        .await;
    assert_eq!(forum[5], "4", "{forum}");
    assert_accessible(&b, "bronnen").await;
    assert_nothing_ran(&b, "bronnen").await;

    // Switching off: a confirmation with a required reason, kept with the switch.
    b.click("button[data-source='gemeente-nieuws']").await;
    b.wait_for("form.switch-off input.off-reason", WAIT).await;
    b.click("form.switch-off button.confirm-off").await;
    b.wait_for_text("form.switch-off .error", "reden").await;
    b.fill(
        "form.switch-off input.off-reason",
        "Levert alleen dubbele berichten",
    )
    .await;
    b.click("form.switch-off button.confirm-off").await;
    b.wait_for_text("main table", "uitgeschakeld").await;
    let switches = websense_model::Switches::read(
        &f._dir
            .path()
            .join("state")
            .join(websense_model::SWITCHES_FILE),
    )
    .unwrap();
    let off = &switches.disabled["gemeente-nieuws"];
    assert_eq!(off.by, "beheer");
    assert_eq!(
        off.reason.as_deref(),
        Some("Levert alleen dubbele berichten")
    );
    assert_accessible(&b, "bronnen (uitgeschakeld)").await;
    shot(&b, "12-bronnen").await;
}

/// Issue 17's steps for English leaking into the Dutch pages: a malformed address on the
/// posts page, and the audit log's actions and roles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_actions_and_roles_read_in_dutch() {
    let f = fixture().await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "analist").await;
    b.goto(&format!("{}/berichten?bucket=1h&at=gisteren", f.base))
        .await;
    let shown = b
        .wait_for_text("#items-result .error", "Er ging iets mis")
        .await;
    assert!(shown.contains("Een filter of instelling"), "{shown}");
    assert!(!shown.contains("Failed to deserialize"), "{shown}");
    assert_accessible(&b, "berichten (fout)").await;

    log_in(&b, &f.base, "beheer").await;
    b.goto(&format!("{}/bronnen", f.base)).await;
    b.click("button[data-source='gemeente-nieuws']").await;
    b.fill(
        "form.switch-off input.off-reason",
        "Onderhoud bij de gemeente",
    )
    .await;
    b.click("form.switch-off button.confirm-off").await;
    b.wait_for_text("main table", "uitgeschakeld").await;
    b.goto(&format!("{}/audit", f.base)).await;
    b.wait_for("#audit-result table", WAIT).await;
    let table = b
        .wait_for_text("#audit-result table", "bron uit- of aangezet")
        .await;
    assert!(table.contains("beheerder"), "{table:.600}");
    assert!(!table.contains("switch_source") && !table.contains("i2o_liaison"));
    assert_accessible(&b, "audit").await;
}
