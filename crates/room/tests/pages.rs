//! The Web Sense Room's pages in a real headless Chromium: the analyst's and the curator's
//! work from login to export, roles refused, hostile posts that must not run, and axe-core's
//! WCAG 2.1 AA checks on every main page.
//!
//! The room serves a real embedded store filled with four weeks of demo history (the shipped
//! sample posts through the shipped lexicons, with a rising theme in the last hours, from
//! `websense_pipeline::demo_history`) and posts carrying XSS payloads in that rising hour.

mod common;

use chrono::{Duration, Utc};
use common::browser::{Browser, WAIT};
use common::pages_fixture::*;
use serde_json::{json, Value};
use websense_model::{Item, ItemId, SourceId, SourceKind, SourceRef};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_sees_the_spike_opens_its_posts_and_confirms_a_signal() {
    let f = fixture().await;
    let b = Browser::start(&f.downloads).await;

    // Not signed in: the login page, with a 401 behind it, and back to the page after login.
    b.goto(&format!("{}/overzicht", f.base)).await;
    b.wait_for("#login", WAIT).await;
    log_in(&b, &f.base, "analist").await;
    assert!(b.current_url().await.ends_with("/overzicht"));

    // The seeded spike on the overview, with its size.
    let spike = b
        .wait_for_text(
            "#spikes li.spike[data-category='anti_overheid']",
            "Anti-institutioneel",
        )
        .await;
    assert!(spike.contains('×'), "{spike}");
    shot(&b, "1-overzicht").await;
    assert_nothing_ran(&b, "overzicht").await;

    // Its trend, with the spike marked on the chart.
    b.click("#spikes li.spike[data-category='anti_overheid'] a.spike-trend")
        .await;
    b.wait_for("#trend-result svg.chart path.series-0", WAIT)
        .await;
    b.wait_for("#trend-result svg.chart .spike-marker", WAIT)
        .await;
    b.wait_for("#trend-spikes li", WAIT).await;
    shot(&b, "2-trends").await;
    // The series as CSV.
    b.click("#download-csv").await;
    let csv = b.wait_for_download(&f.downloads, WAIT).await;
    let csv_text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        csv_text.starts_with("bucket_start,anti_overheid"),
        "{csv_text:.200}"
    );
    let total: u64 = csv_text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1)?.trim().parse::<u64>().ok())
        .sum();
    assert!(total > 40, "the CSV holds the series: {total}");
    std::fs::remove_file(&csv).unwrap();

    // The posts behind the spike, with their hits highlighted.
    b.goto(&format!("{}/overzicht", f.base)).await;
    b.click("#spikes li.spike[data-category='anti_overheid'] a.spike-items")
        .await;
    b.wait_for("#items-result article.item mark", WAIT).await;
    let marked = b
        .exec(
            "return [...document.querySelectorAll('article.item mark')].map(m => m.textContent.toLowerCase());",
            vec![],
        )
        .await;
    let marked: Vec<String> = serde_json::from_value(marked).unwrap();
    assert!(
        marked
            .iter()
            .any(|m| m.contains("volksverrader") || m.contains("tribunaal")),
        "{marked:?}"
    );
    // A disguised, negated hit is labelled so in the page's language (Dutch first).
    let label = b
        .exec(
            "const hit = {start: 5, end: 14, category: 'anti_overheid', term: 'dictatuur', \
             method: 'folded', context: ['negated']}; \
             const mark = Room.highlight('geen d1ctatuur', [hit]).querySelector('mark'); \
             return [mark.textContent, mark.title];",
            vec![],
        )
        .await;
    assert_eq!(
        label,
        json!([
            "d1ctatuur",
            "anti_overheid: dictatuur (vermomd: lettervervanging, ontkend)"
        ])
    );
    assert_nothing_ran(&b, "berichten").await;
    shot(&b, "3-berichten").await;

    // The signal queue: scan, open a flagged post, confirm it with a reason, export.
    b.goto(&format!("{}/signalen", f.base)).await;
    b.click("#scan").await;
    b.wait_for("#signals-candidate article.signal form.decision", WAIT)
        .await;
    let id = b
        .exec(
            "return document.querySelector('#signals-candidate article.signal').dataset.id;",
            vec![],
        )
        .await;
    let id = id.as_str().unwrap().to_string();
    let card = format!("#signals-candidate article.signal[data-id='{id}']");
    // Confirming without a reason is refused in the page.
    b.click(&format!("{card} button.confirm")).await;
    b.wait_for_text(&format!("{card} .error"), "reden").await;
    b.fill(
        &format!("{card} textarea"),
        "Oproep tot tribunaal; voor de casustafel",
    )
    .await;
    b.click(&format!("{card} button.confirm")).await;
    b.wait_for_text("#tab-confirmed", "(1)").await;
    b.click("#tab-confirmed").await;
    b.wait_for(
        &format!("#signals-confirmed article.signal[data-id='{id}']"),
        WAIT,
    )
    .await;
    b.wait_for_text(
        &format!("#signals-confirmed article.signal[data-id='{id}'] .decision-made"),
        "casustafel",
    )
    .await;
    assert_nothing_ran(&b, "signalen").await;
    shot(&b, "4-signalen").await;
    b.click("#export-json").await;
    let export = b.wait_for_download(&f.downloads, WAIT).await;
    let exported: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let text = exported.to_string();
    assert!(
        text.contains(&id),
        "the export holds the signal: {text:.300}"
    );
    assert!(text.contains("casustafel"), "and its reason");

    // The audit page is not the analyst's: a clear 403 page.
    b.goto(&format!("{}/audit", f.base)).await;
    b.wait_for_text("#forbidden", "rol").await;
    shot(&b, "5-geen-toegang").await;
    assert!(!b.text("nav").await.contains("Audit"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curator_tests_a_draft_term_sees_its_hits_and_saves_a_version() {
    let f = fixture().await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "curator").await;
    b.goto(&format!("{}/lexicons", f.base)).await;
    b.wait_for("#lex-file option[value='nl-kern.lex']", WAIT)
        .await;
    b.exec(
        "const s = document.getElementById('lex-file'); s.value = 'nl-kern.lex'; s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await;
    // A word of the sample posts that no lexicon holds.
    b.exec(
        "const e = document.getElementById('lex-editor');
         e.value = e.value.replace('[anti_overheid]', '[anti_overheid]\\nfietsplan | 1');
         e.dispatchEvent(new Event('input'));",
        vec![],
    )
    .await;
    b.wait_for_text("#draft-status", "1").await;
    b.fill("#lex-days", "30").await;
    b.click("#evaluate").await;
    b.wait_for("#eval-summary", std::time::Duration::from_secs(120))
        .await;
    let added = b.wait_for_text("#term-changes", "fietsplan").await;
    assert!(added.contains("fietsplan (anti_overheid)"), "{added}");
    let example = b.text("#term-changes .added li.example mark").await;
    assert!(example.to_lowercase().contains("fietsplan"), "{example}");
    assert_nothing_ran(&b, "lexicons evaluation").await;
    shot(&b, "6-lexicon-concept").await;

    // Saving needs a reason, then makes a new version with its diff in the history.
    b.fill("#lex-reason", "Fietsplan als test").await;
    b.click("#save").await;
    b.wait_for("#saved", WAIT).await;
    b.wait_for_text("#history", "Fietsplan als test").await;
    b.click("#history .version button").await;
    b.wait_for_text("#history pre.diff .diff-add", "fietsplan")
        .await;
    shot(&b, "7-lexicon-geschiedenis").await;
}

/// A long test shows a real progress bar that moves (posts read of the range, and the time
/// left, in words for screen readers too), passes axe while it runs, and stops on
/// "Annuleren".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_draft_test_shows_its_progress_and_can_be_cancelled() {
    // The test pace: pages of ten posts, 200 ms each, so the seeded month takes minutes.
    let f = fixture_with(|c| c.evaluate_test_pace_ms = 200).await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "curator").await;
    b.goto(&format!("{}/lexicons", f.base)).await;
    b.wait_for("#lex-file option[value='nl-kern.lex']", WAIT)
        .await;
    b.exec(
        "const s = document.getElementById('lex-file'); s.value = 'nl-kern.lex'; s.dispatchEvent(new Event('change'));
         const e = document.getElementById('lex-editor');
         e.value = e.value.replace('[anti_overheid]', '[anti_overheid]\\nfietsplan | 1');
         e.dispatchEvent(new Event('input'));",
        vec![],
    )
    .await;
    b.wait_for_text("#draft-status", "1").await;
    b.fill("#lex-days", "30").await;
    b.click("#evaluate").await;
    b.wait_for("#eval-progress:not([hidden]) progress#eval-bar", WAIT)
        .await;
    let said = b.wait_for_text("#eval-progress-text", "nog ongeveer").await;
    assert!(
        said.contains(" van ") && said.contains("berichten"),
        "{said}"
    );
    let bar = "const p = document.getElementById('eval-bar'); return [p.value, p.max];";
    let first = b.exec(bar, vec![]).await;
    assert!(
        first[1].as_f64().unwrap() > 1000.0,
        "the month's posts: {first}"
    );
    let start = std::time::Instant::now();
    let moved = loop {
        let now = b.exec(bar, vec![]).await;
        if now[0].as_f64() > first[0].as_f64() {
            break now;
        }
        assert!(start.elapsed() < WAIT, "the bar did not move from {first}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(moved[0].as_f64() < moved[1].as_f64(), "{moved}");
    assert_accessible(&b, "lexicons, a test running").await;
    shot(&b, "6b-lexicon-test-loopt").await;

    b.click("#eval-cancel").await;
    let cancelled = b.wait_for_text("#eval-cancelled", "geannuleerd").await;
    assert!(cancelled.contains(" van "), "{cancelled}");
    let state = b
        .exec(
            "return [document.getElementById('eval-progress').hidden, document.getElementById('evaluate').disabled];",
            vec![],
        )
        .await;
    assert_eq!(
        state,
        json!([true, false]),
        "the bar goes, the test button is back"
    );
    assert_nothing_ran(&b, "lexicons, a test cancelled").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_posts_never_run_and_every_page_passes_axe() {
    let f = fixture().await;
    let b = Browser::start(&f.downloads).await;
    b.goto(&format!("{}/login", f.base)).await;
    b.wait_for("#login", WAIT).await;
    assert_accessible(&b, "login").await;

    log_in(&b, &f.base, "analist").await;
    let at = f.hostile_hour.to_rfc3339();
    let pages = [
        ("/overzicht", "#spikes li.spike"),
        ("/trends?category=anti_overheid", "#trend-result svg.chart"),
        (
            "/berichten?category=anti_overheid&bucket=1h&at=AT",
            "#items-result article.item",
        ),
        ("/berichten?bucket=1h&at=AT", "#items-result article.item"),
        ("/bronnen", "table"),
    ];
    for (path, ready) in pages {
        let url = format!("{}{}", f.base, path.replace("AT", &urlencode(&at)));
        b.goto(&url).await;
        b.wait_for(ready, WAIT).await;
        assert_nothing_ran(&b, path).await;
        assert_accessible(&b, path).await;
    }
    // The hostile posts were shown, as text (their source only: the hour holds more posts
    // than one page).
    b.goto(&format!(
        "{}/berichten?bucket=1h&at={}&source=forum-%3Cb%3Ex%3C%2Fb%3E",
        f.base,
        urlencode(&at)
    ))
    .await;
    let text = b.wait_for_text("#items-result", "onerror").await;
    assert!(text.contains("<img src=x onerror="), "{text:.400}");
    assert!(text.contains("<script>window.__xss=1</script>"));
    // Bidi controls are shown as U+FFFD, in text and in tooltips, so nothing is reordered.
    let shown = b
        .exec(
            "const r = document.querySelector('#items-result'); \
             return r.textContent + [...r.querySelectorAll('[title], [aria-label]')] \
               .map((e) => (e.getAttribute('title') || '') + (e.getAttribute('aria-label') || '')).join(' ');",
            vec![],
        )
        .await;
    let shown = shown.as_str().unwrap_or_default();
    assert!(shown.contains("rapport\u{FFFD}gpj.exe"), "{shown:.600}");
    assert!(
        !has_bidi_control(shown),
        "a bidi control reached the page: {shown:?}"
    );
    shot(&b, "8-vijandige-berichten").await;
    // Their javascript: and data: links are not links.
    assert_nothing_ran(&b, "berichten (hostile)").await;

    // Signals, with a hostile post opened.
    b.goto(&format!("{}/signalen", f.base)).await;
    b.click("#scan").await;
    b.wait_for("#signals-candidate article.signal", WAIT).await;
    b.exec(
        "for (const b of document.querySelectorAll('#signals-candidate article.signal button[aria-expanded]')) b.click();",
        vec![],
    )
    .await;
    b.wait_for("#signals-candidate .item-holder .item", WAIT)
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_nothing_ran(&b, "signalen").await;
    assert_accessible(&b, "signalen").await;
    b.goto(&format!("{}/audit", f.base)).await;
    b.wait_for("#forbidden", WAIT).await;
    assert_accessible(&b, "403").await;

    // The curator's page shows hostile words as emerging terms and examples.
    log_in(&b, &f.base, "curator").await;
    b.goto(&format!("{}/lexicons", f.base)).await;
    b.wait_for("#lex-editor", WAIT).await;
    b.wait_for("#emerging .suggestion, #emerging p", WAIT).await;
    assert_nothing_ran(&b, "lexicons").await;
    assert_accessible(&b, "lexicons").await;

    // The admin's pages: sources (a hostile error message) and the audit log.
    log_in(&b, &f.base, "beheer").await;
    for (path, ready) in [("/bronnen", "table"), ("/audit", "#audit-result table")] {
        b.goto(&format!("{}{}", f.base, path)).await;
        b.wait_for(ready, WAIT).await;
        assert_nothing_ran(&b, path).await;
        assert_accessible(&b, path).await;
    }
    b.goto(&format!("{}/bronnen", f.base)).await;
    b.wait_for_text("main table", "onerror").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_add_or_dismiss_proposed_telegram_channels_on_the_sources_page() {
    let f = fixture().await;
    let b = Browser::start(&f.downloads).await;
    // Analysts see the sources, not the proposals.
    log_in(&b, &f.base, "analist").await;
    b.goto(&format!("{}/bronnen", f.base)).await;
    b.wait_for("main table", WAIT).await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let none = b
        .exec(
            "return document.querySelector('#proposals') === null;",
            vec![],
        )
        .await;
    assert_eq!(none, json!(true));

    log_in(&b, &f.base, "beheer").await;
    b.goto(&format!("{}/bronnen", f.base)).await;
    b.wait_for("#proposals table", WAIT).await;
    let text = b.wait_for_text("#proposals", "t.me/BronKanaal").await;
    assert!(text.contains("t.me/andere_bron"), "{text:.600}");
    assert!(!text.contains("onerror"), "{text:.600}");
    assert_nothing_ran(&b, "bronnen (voorstellen)").await;
    assert_accessible(&b, "bronnen (voorstellen)").await;
    shot(&b, "9-telegram-voorstellen").await;

    b.click("#proposals button[data-add='BronKanaal']").await;
    b.wait_for_text("#proposals details", "Toegevoegd (1)")
        .await;
    b.click("#proposals button[data-dismiss='andere_bron']")
        .await;
    b.wait_for_text("#proposals", "Genegeerd (1)").await;
    // What is left to decide on: the third proposal (this fixture collects no Telegram).
    let left = b
        .exec(
            "return [...document.querySelectorAll('#proposals button[data-add]')].map(b => b.dataset.add);",
            vec![],
        )
        .await;
    assert_eq!(left, json!(["kanaal_een"]));
    let decisions = websense_model::telegram::ChannelDecisions::read(
        &f._dir
            .path()
            .join("state")
            .join(websense_model::telegram::CHANNELS_FILE),
    )
    .unwrap();
    assert_eq!(decisions.added["bronkanaal"].by, "beheer");
    assert!(decisions.dismissed.contains_key("andere_bron"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_spike_appears_on_the_open_overview_without_a_reload() {
    let f = fixture().await;
    let b = Browser::start(&f.downloads).await;
    log_in(&b, &f.base, "analist").await;
    b.wait_for("#spikes li.spike[data-category='anti_overheid']", WAIT)
        .await;
    // Let the event stream deliver what is known already.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let shown = b
        .exec(
            "return [...document.querySelectorAll('#spikes li.spike')].map(li => li.dataset.category);",
            vec![],
        )
        .await;
    let shown: Vec<String> = serde_json::from_value(shown).unwrap();
    // A category with flagged sample posts and no spike shown yet.
    let (category, flagged) = ["dreiging", "complot", "mediawantrouwen", "uitsluiting"]
        .into_iter()
        .filter(|c| !shown.iter().any(|s| s == c))
        .map(|c| {
            let posts: Vec<&Item> = f
                .templates
                .iter()
                .filter(|t| f.matcher.score(t).flagged().any(|x| x == c))
                .collect();
            (c, posts)
        })
        .find(|(_, posts)| !posts.is_empty())
        .expect("a quiet category with flagged sample posts");
    let selector = format!("#spikes li.spike[data-category='{category}']");
    let now = Utc::now();
    let source = SourceRef {
        id: SourceId::new("burst"),
        kind: SourceKind::Feed,
        tags: vec![],
    };
    let burst: Vec<_> = (0..60)
        .map(|i| {
            let t = flagged[i % flagged.len()];
            let mut item = Item::new(
                ItemId::derive(&source.id, &format!("burst-{i}")),
                source.clone(),
                t.text.clone(),
            );
            item.published_at = Some(now - Duration::seconds(30 + i as i64));
            item.fetched_at = now;
            f.matcher.score_item(item)
        })
        .collect();
    f.store.write(burst).await.unwrap();
    let row = b
        .wait_for(
            &format!("{selector}.new"),
            std::time::Duration::from_secs(60),
        )
        .await;
    let text = row.text().await.unwrap();
    assert!(text.contains('×'), "the new spike with its size: {text}");
    assert!(b.current_url().await.ends_with("/overzicht"), "no reload");
}
