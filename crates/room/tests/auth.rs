//! Accounts, tokens and the role table: 401 without or with bad credentials, 403 with the
//! wrong role, for every endpoint.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, Utc};
use common::*;
use serde_json::json;
use websense_room::accounts::{self, Role};
use websense_room::audit::action;
use websense_room::routes::{Access, ENDPOINTS};

/// A concrete URI for an endpoint's path.
fn concrete(path: &str) -> String {
    path.replace("{category}", "anti_overheid")
        .replace("{term}", "volksverrader")
        .replace("{id}", "sig_000000000000000000000000")
}

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).unwrap()
}

#[tokio::test]
async fn login_gives_a_token_and_a_strict_cookie_and_is_audited() {
    let t = TestRoom::new().await;
    let r = t
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"user": "analyst", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.json["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert_eq!(r.json["roles"], json!(["analyst"]));
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("websense_session={token};")),
        "{cookie}"
    );
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    let me = t.get("/api/me", &token).await;
    assert_eq!(me.json, json!({"name": "analyst", "roles": ["analyst"]}));

    // The cookie works as well as the header.
    let by_cookie = t
        .send(
            Request::get("/api/me")
                .header("cookie", format!("theme=dark; websense_session={token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(by_cookie.status, StatusCode::OK);

    // Only the token's hash is stored.
    let stored: Vec<String> = t.room.db().blocking(|c| {
        let mut s = c.prepare("SELECT token_hash FROM sessions").unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    });
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    let logins = t.audit_of(action::LOGIN);
    assert_eq!(logins.len(), 1);
    assert_eq!(
        (logins[0].actor.as_str(), logins[0].roles.as_str()),
        ("analyst", "analyst")
    );

    let out = t.post("/api/logout", &token, json!({})).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    t.get("/api/me", &token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
    assert_eq!(t.audit_of(action::LOGOUT).len(), 1);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_users_are_refused_alike_and_audited() {
    let t = TestRoom::new().await;
    for (user, password) in [("analyst", "wrong password!!"), ("nobody", PASSWORD)] {
        let r = t
            .call(
                Method::POST,
                "/api/login",
                None,
                Some(json!({"user": user, "password": password})),
            )
            .await;
        r.assert_error(StatusCode::UNAUTHORIZED);
        assert_eq!(r.json["error"], "wrong user name or password");
    }
    // Written off the answer's path (see tests/login.rs), so wait for them. A name that is
    // no account is not recorded: it may be anything, a password typed in the wrong field.
    let mut failed = Vec::new();
    for _ in 0..200 {
        failed = t.audit_of(action::LOGIN_FAILED);
        if failed.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let mut actors: Vec<&str> = failed.iter().map(|e| e.actor.as_str()).collect();
    actors.sort();
    assert_eq!(actors, vec!["(unknown account)", "analyst"]);
    assert!(t.audit_of(action::LOGIN).is_empty());
}

#[tokio::test]
async fn expired_tokens_and_disabled_accounts_are_refused() {
    let t = TestRoom::new().await;
    let (token, _) = t.room.db().blocking(|c| {
        accounts::create_session(
            c,
            "analyst",
            Duration::hours(1),
            Utc::now() - Duration::hours(2),
        )
        .unwrap()
    });
    t.get("/api/me", &token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);

    let token = t.login("curator").await;
    t.room
        .db()
        .blocking(|c| {
            c.execute(
                "UPDATE accounts SET disabled = 1 WHERE name = 'curator'",
                [],
            )
        })
        .unwrap();
    t.get("/api/me", &token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_endpoint_refuses_missing_and_bad_credentials() {
    let t = TestRoom::new().await;
    for e in ENDPOINTS.iter().filter(|e| e.access != Access::Public) {
        let uri = concrete(e.path);
        let none = t.call(method(e.method), &uri, None, Some(json!({}))).await;
        none.assert_error(StatusCode::UNAUTHORIZED);
        assert!(
            none.headers.contains_key("www-authenticate"),
            "{} {}",
            e.method,
            uri
        );
        let bad = t
            .call(
                method(e.method),
                &uri,
                Some("not-a-real-token"),
                Some(json!({})),
            )
            .await;
        bad.assert_error(StatusCode::UNAUTHORIZED);
        let basic = t
            .send(
                Request::builder()
                    .method(method(e.method))
                    .uri(&uri)
                    .header("authorization", "Basic YW5hbHlzdDpwdw==")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        basic.assert_error(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn every_endpoint_refuses_the_wrong_roles_and_admits_the_right_ones() {
    let t = TestRoom::new().await;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, t.login(role.as_str()).await));
    }
    let mut refused = 0;
    for e in ENDPOINTS {
        let Access::Roles(allowed) = e.access else {
            continue;
        };
        let uri = concrete(e.path);
        for (role, token) in &tokens {
            let r = t
                .call(method(e.method), &uri, Some(token), Some(json!({})))
                .await;
            if allowed.contains(role) {
                assert!(
                    r.status != StatusCode::FORBIDDEN
                        && r.status != StatusCode::UNAUTHORIZED
                        && r.status != StatusCode::INTERNAL_SERVER_ERROR,
                    "{} {} as {role:?}: {} {}",
                    e.method,
                    uri,
                    r.status,
                    r.text
                );
            } else {
                r.assert_error(StatusCode::FORBIDDEN);
                assert!(r.json["error"]
                    .as_str()
                    .unwrap()
                    .contains("needs one of the roles"));
                refused += 1;
            }
        }
    }
    assert!(refused >= 40, "only {refused} refusals checked");
}

#[tokio::test]
async fn login_input_is_checked_before_any_work() {
    let t = TestRoom::new().await;
    let raw = |body: &'static str, content_type: Option<&'static str>| {
        let mut r = Request::post("/api/login");
        if let Some(ct) = content_type {
            r = r.header("content-type", ct);
        }
        r.body(Body::from(body)).unwrap()
    };
    t.send(raw("{\"user\": \"analyst\"", Some("application/json")))
        .await
        .assert_error(StatusCode::BAD_REQUEST);
    t.send(raw("{\"user\": \"analyst\", \"password\": \"x\"}", None))
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    t.send(raw("{\"user\": \"analyst\"}", Some("application/json")))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    t.send(raw("[1, 2]", Some("application/json")))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let long = "x".repeat(5000);
    t.call(
        Method::POST,
        "/api/login",
        None,
        Some(json!({"user": "analyst", "password": long})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    t.call(
        Method::POST,
        "/api/login",
        None,
        Some(json!({"user": "", "password": "x"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_errors() {
    let t = TestRoom::new().await;
    let token = t.login("analyst").await;
    t.get("/api/nothing-here", &token)
        .await
        .assert_error(StatusCode::NOT_FOUND);
    let r = t
        .call(Method::DELETE, "/api/signals", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn accounts_need_valid_names_roles_and_are_unique() {
    let dir = tempfile::tempdir().unwrap();
    let db = websense_room::RoomDb::open(dir.path().join("room.db")).unwrap();
    let hash = accounts::hash_password(PASSWORD, CHEAP).unwrap();
    db.blocking(|c| {
        let now = Utc::now();
        assert!(accounts::create_account(c, "Ana", &[Role::Analyst], &hash, now).is_err());
        assert_eq!(
            accounts::create_account(c, "ana", &[], &hash, now),
            Err(accounts::AccountError::NoRoles)
        );
        accounts::create_account(
            c,
            "ana",
            &[Role::Admin, Role::Analyst, Role::Admin],
            &hash,
            now,
        )
        .unwrap();
        assert_eq!(
            accounts::create_account(c, "ana", &[Role::Analyst], &hash, now),
            Err(accounts::AccountError::Exists("ana".into()))
        );
        let (roles, _) = accounts::credentials(c, "ana").unwrap().unwrap();
        assert_eq!(roles, vec![Role::Analyst, Role::Admin]);
        let (token, _) = accounts::create_session(c, "ana", Duration::hours(1), now).unwrap();
        assert!(accounts::session_caller(c, &token, now).unwrap().is_some());
        let new_hash = accounts::hash_password("another long password", CHEAP).unwrap();
        accounts::set_password(c, "ana", &new_hash).unwrap();
        assert!(
            accounts::session_caller(c, &token, now).unwrap().is_none(),
            "a new password ends the sessions"
        );
    });
}
