//! Every route of the router x every method x every kind of caller, generated from the
//! table the router is built from (`routes::ENDPOINTS`, `pages::PAGES`): a route added to
//! the Room is in this matrix without anyone writing a case for it.
//!
//! The expectation is worked out here from the table alone (HEAD follows the route's GET
//! entry; a method no entry names is 405), and a refused request must not reach a handler:
//! the Room's count of handled requests and its audit log stay as they were.

mod common;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use common::*;
use serde_json::json;
use std::collections::BTreeSet;
use websense_room::accounts::{self, Role};
use websense_room::pages::PAGES;
use websense_room::routes::{Access, Endpoint, ENDPOINTS};

const METHODS: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::OPTIONS,
];

#[derive(Clone, Copy, Debug)]
enum Who {
    Nobody,
    BadToken,
    Holder(Role),
}

fn callers() -> Vec<Who> {
    let mut all = vec![Who::Nobody, Who::BadToken];
    all.extend(Role::ALL.iter().map(|r| Who::Holder(*r)));
    all
}

/// A concrete URI for a route.
fn concrete(path: &str) -> String {
    path.replace("{category}", "anti_overheid")
        .replace("{term}", "volksverrader")
        .replace("{id}", "sig_000000000000000000000000")
        .replace("{version}", "1")
        .replace("{channel}", "kanaal_een")
}

/// The table's entry for `method` on `path`: HEAD is the GET entry's.
fn entry(path: &str, method: &Method) -> Option<&'static Endpoint> {
    let wanted = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ENDPOINTS
        .iter()
        .find(|e| e.path == path && e.method == wanted)
}

/// A fresh session for the account named after `role` (a logout in the matrix ends only
/// its own session).
fn session(t: &TestRoom, role: Role) -> String {
    t.room.db().blocking(|c| {
        accounts::create_session(c, role.as_str(), Duration::hours(1), Utc::now())
            .unwrap()
            .0
    })
}

fn audit_rows(t: &TestRoom) -> i64 {
    t.room.db().blocking(|c| {
        c.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
            .unwrap()
    })
}

#[tokio::test]
async fn every_api_route_and_method_meets_its_rule_for_every_caller() {
    let t = TestRoom::new().await;
    let paths: BTreeSet<&str> = ENDPOINTS.iter().map(|e| e.path).collect();
    let mut checked = 0;
    let mut refused = 0;
    for path in &paths {
        let uri = concrete(path);
        for method in &METHODS {
            let expected = entry(path, method);
            for who in callers() {
                let token = match who {
                    Who::Nobody => None,
                    Who::BadToken => Some("not-a-real-token".to_string()),
                    Who::Holder(role) => Some(session(&t, role)),
                };
                let (handled, audited) = (t.room.handled_requests(), audit_rows(&t));
                let r = t
                    .call(method.clone(), &uri, token.as_deref(), Some(json!({})))
                    .await;
                let what = format!("{method} {uri} as {who:?}: {} {}", r.status, r.text);
                let refusal = match (expected.map(|e| e.access), who) {
                    (None, _) => Some(StatusCode::METHOD_NOT_ALLOWED),
                    (Some(Access::Public), _) => None,
                    (Some(_), Who::Nobody | Who::BadToken) => Some(StatusCode::UNAUTHORIZED),
                    (Some(Access::SignedIn), Who::Holder(_)) => None,
                    (Some(Access::Roles(allowed)), Who::Holder(role)) => {
                        (!allowed.contains(&role)).then_some(StatusCode::FORBIDDEN)
                    }
                };
                match refusal {
                    Some(status) => {
                        assert_eq!(r.status, status, "{what}");
                        assert_eq!(t.room.handled_requests(), handled, "a handler ran: {what}");
                        assert_eq!(audit_rows(&t), audited, "audited: {what}");
                        if *method == Method::HEAD {
                            assert!(r.text.is_empty(), "HEAD with a body: {what}");
                        } else {
                            r.assert_error(status);
                        }
                        if status == StatusCode::UNAUTHORIZED {
                            assert!(r.headers.contains_key("www-authenticate"), "{what}");
                        }
                        if status == StatusCode::METHOD_NOT_ALLOWED {
                            let allow = r.headers["allow"].to_str().unwrap().to_string();
                            let named: Vec<&str> = ENDPOINTS
                                .iter()
                                .filter(|e| e.path == *path)
                                .map(|e| e.method)
                                .collect();
                            for m in &named {
                                assert!(allow.contains(m), "Allow: {allow} lacks {m}: {what}");
                            }
                        }
                        refused += 1;
                    }
                    None => {
                        assert!(
                            ![
                                StatusCode::UNAUTHORIZED,
                                StatusCode::FORBIDDEN,
                                StatusCode::METHOD_NOT_ALLOWED,
                                StatusCode::INTERNAL_SERVER_ERROR,
                            ]
                            .contains(&r.status)
                                || (path == &"/api/login" && r.status == StatusCode::UNAUTHORIZED),
                            "{what}"
                        );
                        assert_eq!(
                            t.room.handled_requests(),
                            handled + 1,
                            "the handler did not run: {what}"
                        );
                        if *method == Method::HEAD {
                            assert!(r.text.is_empty(), "HEAD with a body: {what}");
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, paths.len() * METHODS.len() * (2 + Role::ALL.len()));
    assert!(refused > checked / 2, "only {refused} of {checked} refused");
}

/// The findings' own requests, named, so a regression reads plainly.
#[tokio::test]
async fn head_and_options_do_not_bypass_the_login() {
    let t = TestRoom::new().await;
    for uri in [
        "/api/audit?actor=admin&action=login",
        "/api/signals/sig_000000000000000000000000",
        "/api/terms/emerging",
        "/api/overview",
        "/api/items",
    ] {
        let r = t.call(Method::HEAD, uri, None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "HEAD {uri}");
        assert!(r.text.is_empty());
    }
    assert_eq!(t.room.handled_requests(), 0);
    // The wrong role is refused on HEAD as on GET.
    let analyst = t.login("analyst").await;
    let handled = t.room.handled_requests();
    let r = t
        .call(Method::HEAD, "/api/audit", Some(&analyst), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.room.handled_requests(), handled);
    // OPTIONS is refused for everybody, naming what is allowed.
    let admin = t.login("admin").await;
    for token in [None, Some(admin.as_str())] {
        let r = t.call(Method::OPTIONS, "/api/audit", token, None).await;
        r.assert_error(StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers["allow"], "GET,HEAD");
    }
    // HEAD answers as GET does for the right role, without the body.
    let get = t.get("/api/audit", &admin).await;
    let head = t.call(Method::HEAD, "/api/audit", Some(&admin), None).await;
    assert_eq!((get.status, head.status), (StatusCode::OK, StatusCode::OK));
    assert!(head.text.is_empty() && !get.text.is_empty());
}

/// The pages check their caller themselves (they are shells; the data comes from the API):
/// HEAD meets the same check as GET, and every other method is 405.
#[tokio::test]
async fn every_page_and_method_meets_its_rule_for_every_caller() {
    let t = TestRoom::new().await;
    for page in PAGES {
        for method in &METHODS {
            for who in callers() {
                let token = match who {
                    Who::Nobody => None,
                    Who::BadToken => Some("not-a-real-token".to_string()),
                    Who::Holder(role) => Some(session(&t, role)),
                };
                let r = t
                    .call(method.clone(), page.path, token.as_deref(), None)
                    .await;
                let expected = match (method, who) {
                    (&Method::GET | &Method::HEAD, Who::Nobody | Who::BadToken) => {
                        StatusCode::UNAUTHORIZED
                    }
                    (&Method::GET | &Method::HEAD, Who::Holder(role)) => {
                        if page.roles.contains(&role) {
                            StatusCode::OK
                        } else {
                            StatusCode::FORBIDDEN
                        }
                    }
                    _ => StatusCode::METHOD_NOT_ALLOWED,
                };
                assert_eq!(r.status, expected, "{method} {} as {who:?}", page.path);
                if *method == Method::HEAD {
                    assert!(r.text.is_empty());
                }
            }
        }
    }
    for uri in ["/", "/login", "/taal/en", "/static/app.js"] {
        for method in &METHODS[2..] {
            let r = t.call(method.clone(), uri, None, None).await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}");
        }
    }
}
