//! The local picture in a real headless Chromium (axe for WCAG 2.1 AA), over the demo's four
//! weeks of history, whose posts are about five municipalities of Noord-Holland with Zaanstad
//! rising: the map (reached and opened with the keyboard, with its table), a municipality's
//! overview, the municipality filter remembered across pages, and an account an admin scopes
//! to Zaanstad on the accounts page.

mod common;

use common::browser::{Browser, WAIT};
use common::pages_fixture::*;
use serde_json::{json, Value};

const ZAANSTAD: &str = "GM0479";
const AMSTERDAM: &str = "GM0363";

async fn noord_holland() -> Fixture {
    fixture_with(|c| c.region.province = Some("Noord-Holland".into())).await
}

/// Presses a key in the focused element (WebDriver key codes: Tab U+E004, Enter U+E007).
async fn press(b: &Browser, key: &str) {
    let active = b.client().active_element().await.unwrap();
    active.send_keys(key).await.unwrap();
}

/// What the page's script fetches, as the page would (its session cookie, its origin).
async fn fetch(b: &Browser, path: &str) -> Value {
    b.exec(
        "return fetch(arguments[0], { credentials: 'same-origin' }) \
           .then(r => r.json().then(body => ({ status: r.status, body: body })));",
        vec![json!(path)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_shows_the_region_is_keyboard_reachable_and_opens_a_municipalitys_overview() {
    let f = noord_holland().await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "analist").await;
    b.goto(&format!("{}/kaart", f.base)).await;
    b.wait_for("#map", WAIT).await;
    assert_accessible(&b, "/kaart").await;
    shot(&b, "kaart").await;

    // Every municipality of Noord-Holland is on it, five with posts, Zaanstad rising.
    let dots = b
        .exec(
            "return [...document.querySelectorAll('#map a.dot-link')].map(a => \
             [a.dataset.code, a.getAttribute('aria-label'), a.querySelector('circle').getAttribute('class')]);",
            vec![],
        )
        .await;
    let dots: Vec<(String, String, String)> = serde_json::from_value(dots).unwrap();
    assert!(
        dots.len() >= 3,
        "at least three municipalities with posts: {dots:?}"
    );
    let zaanstad = dots.iter().find(|d| d.0 == ZAANSTAD).expect("Zaanstad");
    assert!(
        zaanstad.1.starts_with("Zaanstad: ") && zaanstad.1.ends_with("berichten, stijgend"),
        "{zaanstad:?}"
    );
    assert_eq!(zaanstad.2, "dot rising");
    let rows = b
        .exec(
            "return document.querySelectorAll('#map-table tbody tr').length;",
            vec![],
        )
        .await;
    assert_eq!(
        rows,
        json!(44),
        "the table lists the region's 44 municipalities"
    );
    let row = b
        .text(&format!("#map-table tr[data-code='{ZAANSTAD}']"))
        .await;
    assert!(
        row.contains("Zaanstad") && row.contains("stijgend"),
        "{row}"
    );

    // Tab reaches Zaanstad's dot; Enter opens its overview.
    b.exec(
        "document.activeElement.blur(); window.scrollTo(0, 0);",
        vec![],
    )
    .await;
    let mut reached = false;
    for _ in 0..80 {
        press(&b, "\u{E004}").await;
        let at = b
            .exec(
                "const a = document.activeElement; return a && a.closest('#map') ? a.getAttribute('data-code') : null;",
                vec![],
            )
            .await;
        if at == json!(ZAANSTAD) {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab never reached Zaanstad's dot");
    press(&b, "\u{E007}").await;
    b.wait_for("#m-summary", WAIT).await;
    assert!(
        b.current_url()
            .await
            .ends_with(&format!("/gemeente?code={ZAANSTAD}")),
        "{}",
        b.current_url().await
    );
    let title = b.text("h1").await;
    assert_eq!(title, "Zaanstad: laatste 24 uur");
    b.wait_for("#m-rising li", WAIT).await;
    b.wait_for("#m-posts article.item", WAIT).await;
    assert_accessible(&b, "/gemeente").await;
    assert_nothing_ran(&b, "/gemeente").await;
    shot(&b, "gemeente").await;
    // Its links narrow the other pages to it.
    let href = b
        .exec(
            "return document.querySelector('#m-items').getAttribute('href');",
            vec![],
        )
        .await;
    assert_eq!(href, json!(format!("/berichten?municipality={ZAANSTAD}")));

    // In English, the same map with English names for screen readers.
    b.goto(&format!("{}/taal/en?next=/kaart", f.base)).await;
    b.wait_for("#map", WAIT).await;
    let label = b
        .exec(
            "return document.querySelector(\"#map a[data-code='GM0479']\").getAttribute('aria-label');",
            vec![],
        )
        .await;
    assert!(
        label.as_str().unwrap().ends_with("posts, rising"),
        "{label}"
    );
    assert_eq!(b.text("h1").await, "Map");
    assert_accessible(&b, "/kaart (en)").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_municipality_filter_narrows_each_page_and_is_remembered_for_the_account() {
    let f = noord_holland().await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "analist").await;

    // Posts: choose Zaanstad, show; the address and the API call carry it.
    let at = chrono::Utc::now().to_rfc3339();
    b.goto(&format!(
        "{}/berichten?bucket=1d&at={}",
        f.base,
        urlencode(&at)
    ))
    .await;
    b.wait_for("#items-heading", WAIT).await;
    let options = b
        .exec(
            "return [...document.querySelectorAll('#i-municipality option')].map(o => o.value);",
            vec![],
        )
        .await;
    assert_eq!(
        options.as_array().unwrap().len(),
        45,
        "whole region + 44: {options}"
    );
    b.choose("#i-municipality", ZAANSTAD).await;
    b.click("#items-form button[type=submit]").await;
    b.wait_for_text("#items-heading", "").await;
    let deadline = std::time::Instant::now() + WAIT;
    while !b.current_url().await.contains("municipality=GM0479") {
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            b.current_url().await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.wait_for("#items-result article.item", WAIT).await;
    let shown = b
        .exec(
            "return [...document.querySelectorAll('#items-result article.item')].map(a => a.dataset.id);",
            vec![],
        )
        .await;
    let all = fetch(
        &b,
        &format!("/api/items?bucket=1d&at={}&limit=500", urlencode(&at)),
    )
    .await;
    let zaan = fetch(
        &b,
        &format!(
            "/api/items?bucket=1d&at={}&limit=500&municipality={ZAANSTAD}",
            urlencode(&at)
        ),
    )
    .await;
    let zaan_ids: Vec<&str> = zaan["body"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(zaan_ids.len() < all["body"]["items"].as_array().unwrap().len());
    for id in shown.as_array().unwrap() {
        assert!(
            zaan_ids.contains(&id.as_str().unwrap()),
            "{id} is not Zaanstad's"
        );
    }
    let named = b
        .text("#items-result article.item .meta.municipalities")
        .await;
    assert!(
        named.starts_with("Gemeenten: ") && named.contains("Zaanstad"),
        "{named}"
    );
    assert_accessible(&b, "/berichten").await;

    // Remembered for the account: every other page opens on Zaanstad.
    for (path, select, ready) in [
        ("/trends", "#f-municipality", "#trend-form"),
        ("/signalen", "#filter-municipality", "#tab-candidate"),
        ("/overzicht", "#o-municipality", ".summary"),
    ] {
        b.goto(&format!("{}{path}", f.base)).await;
        b.wait_for(ready, WAIT).await;
        let value = b
            .exec(
                "return document.querySelector(arguments[0]).value;",
                vec![json!(select)],
            )
            .await;
        assert_eq!(value, json!(ZAANSTAD), "{path}");
        assert_accessible(&b, path).await;
    }
    // The overview's counts are Zaanstad's.
    let whole = fetch(&b, "/api/overview").await;
    let narrowed = fetch(&b, &format!("/api/overview?municipality={ZAANSTAD}")).await;
    let summary = b.text(".summary").await;
    let items = narrowed["body"]["totals"]["items"].as_u64().unwrap();
    assert!(items < whole["body"]["totals"]["items"].as_u64().unwrap());
    assert!(summary.contains(&items.to_string()), "{summary} / {items}");
    // Back to the whole region, remembered too.
    b.choose("#o-municipality", "").await;
    b.wait_for(".summary", WAIT).await;
    let settings = fetch(&b, "/api/settings").await;
    let deadline = std::time::Instant::now() + WAIT;
    let mut settings = settings;
    while settings["body"]["municipalities"] != json!([]) {
        assert!(std::time::Instant::now() < deadline, "{settings}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        settings = fetch(&b, "/api/settings").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_scopes_an_analyst_to_zaanstad_who_then_reads_zaanstads_posts_only() {
    let f = noord_holland().await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "beheer").await;
    b.goto(&format!("{}/accounts", f.base)).await;
    b.wait_for("#accounts-list table", WAIT).await;
    assert_accessible(&b, "/accounts").await;
    b.exec(
        "document.querySelector(\"form[data-account='analist']\").closest('details').open = true;",
        vec![],
    )
    .await;
    b.exec(
        "const s = document.querySelector('#scope-analist-m'); \
         for (const o of s.options) o.selected = o.value === arguments[0];",
        vec![json!(ZAANSTAD)],
    )
    .await;
    b.fill("#scope-analist-r", "analist van de gemeente Zaanstad")
        .await;
    b.click("#scope-analist button[type=submit]").await;
    b.wait_for_text("span.scope[data-account='analist']", "Zaanstad")
        .await;
    assert_accessible(&b, "/accounts (scoped)").await;
    let audit = fetch(&b, "/api/audit?action=scope_account").await;
    let entry = &audit["body"]["entries"][0];
    assert_eq!(entry["target"], "analist", "{audit}");
    assert_eq!(entry["detail"]["after"], json!([ZAANSTAD]));
    b.click("#logout").await;
    b.wait_for("#login", WAIT).await;

    // The analyst: its own municipality only, in the filter and through the API.
    log_in(&b, &f.base, "analist").await;
    let at = urlencode(&chrono::Utc::now().to_rfc3339());
    b.goto(&format!("{}/berichten?bucket=1d&at={at}", f.base))
        .await;
    b.wait_for("#items-result article.item", WAIT).await;
    let options = b
        .exec(
            "return [...document.querySelectorAll('#i-municipality option')].map(o => [o.value, o.textContent]);",
            vec![],
        )
        .await;
    assert_eq!(
        options,
        json!([["", "Al mijn gemeenten"], [ZAANSTAD, "Zaanstad"]])
    );
    let own = fetch(&b, &format!("/api/items?bucket=1d&at={at}&limit=500")).await;
    let ids: Vec<&str> = own["body"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(!ids.is_empty());
    let zaan = fetch(
        &b,
        &format!("/api/items?bucket=1d&at={at}&limit=500&municipality={ZAANSTAD}"),
    )
    .await;
    assert_eq!(zaan["body"]["items"].as_array().unwrap().len(), ids.len());
    let other = fetch(
        &b,
        &format!("/api/items?bucket=1d&at={at}&municipality={AMSTERDAM}"),
    )
    .await;
    assert_eq!(other["status"], 403, "{other}");
    assert_eq!(other["body"]["code"], "out_of_scope");
    assert!(
        other["body"]["message"]
            .as_str()
            .unwrap()
            .contains("eigen gemeenten"),
        "the refusal is in Dutch: {other}"
    );
    // Amsterdam's overview: its counts, not its posts.
    b.goto(&format!("{}/gemeente?code={AMSTERDAM}", f.base))
        .await;
    let withheld = b.text("#m-posts-withheld").await;
    assert!(withheld.contains("eigen gemeenten"), "{withheld}");
    assert_accessible(&b, "/gemeente (outside the scope)").await;
    // The map still shows the region's counts.
    b.goto(&format!("{}/kaart", f.base)).await;
    b.wait_for(&format!("#map a[data-code='{AMSTERDAM}']"), WAIT)
        .await;
}
