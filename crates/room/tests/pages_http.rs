//! The Room's pages over HTTP, without a browser: who gets which page, the headers every page
//! carries, the language switch, the assets, and redirects that stay on this server.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestRoom;
use websense_room::pages::PAGES;
use websense_room::Role;

fn page(uri: &str, cookies: &[String]) -> Request<Body> {
    let mut r = Request::get(uri);
    if !cookies.is_empty() {
        r = r.header("cookie", cookies.join("; "));
    }
    r.body(Body::empty()).unwrap()
}

fn session(token: &str) -> String {
    format!("websense_session={token}")
}

#[tokio::test]
async fn every_page_is_for_its_roles_only_with_a_clear_401_and_403() {
    let t = TestRoom::new().await;
    for p in PAGES {
        let r = t.send(page(p.path, &[])).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", p.path);
        assert!(
            r.text.contains("id=\"login\""),
            "{}: the login form",
            p.path
        );
        assert!(
            r.text.contains("Log in om deze pagina te zien"),
            "{}",
            p.path
        );
    }
    for role in Role::ALL {
        let cookie = session(&t.login(role.as_str()).await);
        for p in PAGES {
            let r = t.send(page(p.path, std::slice::from_ref(&cookie))).await;
            if p.roles.contains(&role) {
                assert_eq!(r.status, StatusCode::OK, "{} as {role:?}", p.path);
                assert!(r.text.contains(&format!("/static/{}", p.script)));
                assert!(r.text.contains("aria-current=\"page\""));
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{} as {role:?}", p.path);
                assert!(r.text.contains("id=\"forbidden\""), "{}", p.path);
            }
            // The navigation offers exactly the pages of the role.
            for other in PAGES {
                let link = format!("<li><a href=\"{}\"", other.path);
                assert_eq!(
                    r.text.contains(&link),
                    other.roles.contains(&role),
                    "{} as {role:?}: link to {}",
                    p.path,
                    other.path
                );
            }
        }
    }
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_the_start_page_sends_each_role_to_its_first_page() {
    let t = TestRoom::new().await;
    let cookie = session(&t.login("i2o_liaison").await);
    let r = t
        .send(page("/signalen", std::slice::from_ref(&cookie)))
        .await;
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(r.headers["x-frame-options"], "DENY");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    let home = t.send(page("/", std::slice::from_ref(&cookie))).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers["location"], "/signalen");
    let anonymous = t.send(page("/", &[])).await;
    assert_eq!(anonymous.headers["location"], "/login");
}

#[tokio::test]
async fn english_on_request_and_dutch_by_default() {
    let t = TestRoom::new().await;
    let cookie = session(&t.login("analyst").await);
    let nl = t
        .send(page("/overzicht", std::slice::from_ref(&cookie)))
        .await;
    assert!(nl.text.contains("<html lang=\"nl\">") && nl.text.contains(">Overzicht</a>"));
    let switch = t.send(page("/taal/en?next=/trends", &[])).await;
    assert_eq!(switch.status, StatusCode::SEE_OTHER);
    assert_eq!(switch.headers["location"], "/trends");
    let lang = switch.headers["set-cookie"].to_str().unwrap().to_string();
    assert!(lang.starts_with("websense_lang=en;"), "{lang}");
    let en = t
        .send(page("/overzicht", &[cookie, "websense_lang=en".into()]))
        .await;
    assert!(en.text.contains("<html lang=\"en\">") && en.text.contains(">Overview</a>"));
    assert!(en.text.contains("\"Log out\"") || en.text.contains(">Log out<"));
}

#[tokio::test]
async fn redirects_stay_on_this_server() {
    let t = TestRoom::new().await;
    for next in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let r = t.send(page(&format!("/taal/nl?next={next}"), &[])).await;
        assert_eq!(r.headers["location"], "/", "{next}");
        let login = t.send(page(&format!("/login?next={next}"), &[])).await;
        assert!(login.text.contains("\"next\":\"/\""), "{next}");
    }
}

#[tokio::test]
async fn assets_are_served_from_the_binary_and_unknown_paths_are_404_pages() {
    let t = TestRoom::new().await;
    for (name, kind) in [
        ("app.js", "text/javascript"),
        ("overview.js", "text/javascript"),
        ("app.css", "text/css"),
    ] {
        let r = t.send(page(&format!("/static/{name}"), &[])).await;
        assert_eq!(r.status, StatusCode::OK, "{name}");
        assert!(r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with(kind));
        assert!(r.text.len() > 500);
    }
    for missing in ["/static/nope.js", "/static/..%2Fsrc%2Flib.rs"] {
        assert_eq!(
            t.send(page(missing, &[])).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let r = t.send(page("/no-such-page", &[])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("Pagina niet gevonden"));
    let api = t.send(page("/api/no-such-endpoint", &[])).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.json["error"].is_string(), "the API keeps JSON errors");
}
