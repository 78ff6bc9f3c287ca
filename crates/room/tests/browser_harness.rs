//! The browser harness checked against pages of its own: axe finds known violations and passes a
//! clean page (also under a strict CSP), a payload that runs is seen and one that CSP blocks is not,
//! clicks and typing reach the page, and a download arrives whole.

mod common;

use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use common::browser::{serve, Browser, WCAG21_AA, XSS_FLAG};
use std::time::Duration;

const STRICT_CSP: &str = "default-src 'self'; script-src 'self'; object-src 'none'";

/// Violates `image-alt` and `label`.
const INACCESSIBLE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inaccessible</title></head>
<body><main><h1>Inaccessible</h1>
<img src="/pixel.svg">
<form><input type="text" name="q"></form>
</main></body></html>"#;

const ACCESSIBLE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Accessible</title></head>
<body><main><h1>Accessible</h1>
<img src="/pixel.svg" alt="A black square">
<form><label for="q">Search</label><input type="text" id="q" name="q"></form>
</main></body></html>"#;

const PIXEL_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         </head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )
}

fn with_csp(html: String) -> impl IntoResponse {
    ([(header::CONTENT_SECURITY_POLICY, STRICT_CSP)], Html(html))
}

/// The CSV the download test fetches: some non-ASCII text to catch re-encoding.
const CSV: &str =
    "term,category,weight\nvolksverrader*,anti_overheid,3\ncafé \u{201c}zó\u{201d},complot,2\n";

fn app() -> Router {
    let flag_script = format!("<script>{XSS_FLAG}</script>");
    let flag_page = page("Flag", &flag_script);
    let flag_page_csp = flag_page.clone();
    Router::new()
        .route(
            "/pixel.svg",
            get(|| async { ([(header::CONTENT_TYPE, "image/svg+xml")], PIXEL_SVG) }),
        )
        .route("/inaccessible", get(|| async { Html(INACCESSIBLE) }))
        .route("/accessible", get(|| async { Html(ACCESSIBLE) }))
        .route(
            "/inaccessible-csp",
            get(|| async { with_csp(INACCESSIBLE.to_string()) }),
        )
        .route(
            "/accessible-csp",
            get(|| async { with_csp(ACCESSIBLE.to_string()) }),
        )
        .route(
            "/alert",
            get(|| async { Html(page("Alert", "<script>alert('payload ran')</script>")) }),
        )
        .route("/flag", get(|| async move { Html(flag_page) }))
        .route("/flag-csp", get(|| async move { with_csp(flag_page_csp) }))
        .route(
            "/inert",
            get(|| async {
                Html(page(
                    "Inert",
                    "<p id=\"__xss\">escaped: &lt;script&gt;window.__xss=1&lt;/script&gt;</p>",
                ))
            }),
        )
        .route(
            "/form",
            get(|| async {
                with_csp(page(
                    "Form",
                    "<label for=\"name\">Name</label><input id=\"name\">\
                     <button id=\"greet\" type=\"button\">Greet</button>\
                     <output id=\"out\"></output><script src=\"/static/form.js\"></script>",
                ))
            }),
        )
        .route(
            "/static/form.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript")],
                    "document.getElementById('greet').addEventListener('click', () => {\n\
                       setTimeout(() => {\n\
                         document.getElementById('out').textContent =\n\
                           'Hallo ' + document.getElementById('name').value;\n\
                       }, 300);\n\
                     });\n",
                )
            }),
        )
        .route(
            "/downloads",
            get(|| async {
                with_csp(page(
                    "Downloads",
                    "<a id=\"export\" href=\"/export.csv\">Export CSV</a>",
                ))
            }),
        )
        .route(
            "/export.csv",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                        (
                            header::CONTENT_DISPOSITION,
                            "attachment; filename=\"lexicon-export.csv\"",
                        ),
                    ],
                    CSV,
                )
            }),
        )
}

fn ids(violations: &[common::browser::Violation]) -> Vec<&str> {
    let mut ids: Vec<&str> = violations.iter().map(|v| v.id.as_str()).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_reports_known_violations_and_passes_a_clean_page_with_and_without_csp() {
    let base = serve(app()).await;
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(downloads.path()).await;

    for path in ["/inaccessible", "/inaccessible-csp"] {
        browser.goto(&format!("{base}{path}")).await;
        let violations = browser.axe_violations(WCAG21_AA).await;
        assert_eq!(
            ids(&violations),
            ["image-alt", "label"],
            "{path}: {violations:?}"
        );
        let image_alt = violations.iter().find(|v| v.id == "image-alt").unwrap();
        assert_eq!(image_alt.nodes, ["img"], "{path}");
        assert_eq!(image_alt.impact.as_deref(), Some("critical"), "{path}");
    }
    for path in ["/accessible", "/accessible-csp"] {
        browser.goto(&format!("{base}{path}")).await;
        let violations = browser.axe_violations(WCAG21_AA).await;
        assert!(violations.is_empty(), "{path}: {violations:?}");
        browser.assert_accessible().await;
    }

    // axe stays loaded within a page: a second run on the same page gives the same answer.
    browser.goto(&format!("{base}/inaccessible-csp")).await;
    let first = browser.axe_violations(WCAG21_AA).await;
    let second = browser.axe_violations(WCAG21_AA).await;
    assert_eq!(ids(&first), ids(&second));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_that_run_are_seen_and_csp_blocked_ones_are_not() {
    let base = serve(app()).await;
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(downloads.path()).await;

    browser.goto(&format!("{base}/alert")).await;
    assert_eq!(
        browser.dialog_opened().await.as_deref(),
        Some("payload ran")
    );
    assert!(browser.xss_fired().await);
    browser.dismiss_dialog().await;
    assert_eq!(browser.dialog_opened().await, None);

    browser.goto(&format!("{base}/flag")).await;
    assert_eq!(browser.dialog_opened().await, None);
    assert!(
        browser.xss_fired().await,
        "the inline script ran, the flag must be seen"
    );

    browser.goto(&format!("{base}/flag-csp")).await;
    assert!(
        !browser.xss_fired().await,
        "CSP script-src 'self' must block the inline script"
    );
    let errors = browser.console_errors().await;
    assert!(
        errors.iter().any(|e| e.contains("Content Security Policy")),
        "the browser reports the blocked script: {errors:?}"
    );

    // Markup that was escaped, or an element named like the flag, is not a payload that ran.
    browser.goto(&format!("{base}/inert")).await;
    assert!(!browser.xss_fired().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_and_clicking_reach_a_page_under_csp() {
    let base = serve(app()).await;
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(downloads.path()).await;

    browser.goto(&format!("{base}/form")).await;
    browser.fill("#name", "wereld").await;
    browser.fill("#name", "Zwolle").await;
    browser.click("#greet").await;
    let text = browser.wait_for_text("#out", "Hallo").await;
    assert_eq!(text, "Hallo Zwolle");
    assert_eq!(browser.text("h1").await, "Form");
    assert_eq!(
        browser
            .exec(
                "return arguments[0] + document.title;",
                vec!["page: ".into()]
            )
            .await,
        "page: Form"
    );

    let png = downloads.path().join("shots/form.png");
    browser.screenshot(&png).await;
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clicked_attachment_downloads_whole() {
    let base = serve(app()).await;
    let downloads = tempfile::tempdir().unwrap();
    let browser = Browser::start(downloads.path()).await;

    browser.goto(&format!("{base}/downloads")).await;
    browser.click("#export").await;
    let file = browser
        .wait_for_download(downloads.path(), Duration::from_secs(30))
        .await;
    assert_eq!(file.file_name().unwrap(), "lexicon-export.csv");
    assert_eq!(std::fs::read(&file).unwrap(), CSV.as_bytes());
    // The page stays where it was: an attachment is not a navigation.
    assert!(browser.current_url().await.ends_with("/downloads"));
}
