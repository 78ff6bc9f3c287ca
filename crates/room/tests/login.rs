//! Logins under attack: parallel guesses for one name, floods of unknown names, a third
//! party failing on purpose from another address, and a failed-login flood against the
//! audit log. The address tests go over real TCP from distinct loopback addresses, so the
//! server's own view of the peer is what is tested.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use websense_room::audit::action;
use websense_room::LoginConfig;

/// A login for `user` from `address`, as the server sees a connection from there.
fn login_request(user: &str, password: &str, address: &str) -> Request<Body> {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({ "user": user, "password": password }).to_string(),
        ))
        .unwrap();
    let peer: SocketAddr = format!("{address}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

/// Send all `requests` at once; their statuses.
async fn all_at_once(t: &Arc<TestRoom>, requests: Vec<Request<Body>>) -> Vec<StatusCode> {
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|r| {
            let t = t.clone();
            tokio::spawn(async move { t.send(r).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Failed-login rows are written off the answer's path: wait until `n` are there (and a
/// moment longer, to see that no more come).
async fn failed_login_rows(t: &TestRoom, n: usize) -> Vec<websense_room::audit::AuditEntry> {
    for _ in 0..200 {
        if t.audit_of(action::LOGIN_FAILED).len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    t.audit_of(action::LOGIN_FAILED)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_for_one_name_get_only_the_free_tries() {
    let t = Arc::new(TestRoom::new().await);
    let guesses = (0..100)
        .map(|n| login_request("analyst", &format!("guess number {n}"), "10.0.0.9"))
        .collect();
    let statuses = all_at_once(&t, guesses).await;
    let free = LoginConfig::default().free_failures as usize;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        free,
        "{statuses:?}"
    );
    assert_eq!(
        count(&statuses, StatusCode::TOO_MANY_REQUESTS),
        100 - free,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_unknown_names_from_one_address_is_slowed_too() {
    let t = Arc::new(TestRoom::new().await);
    let mut rng = Rng::new(7);
    let guesses = (0..100)
        .map(|_| login_request(&format!("name{}", rng.next_u64()), PASSWORD, "10.0.0.8"))
        .collect();
    let statuses = all_at_once(&t, guesses).await;
    let free = LoginConfig::default().address_free_failures as usize;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        free,
        "{statuses:?}"
    );
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 100 - free);
    // Another address is not slowed by it.
    let other = t.send(login_request("analyst", PASSWORD, "10.0.0.7")).await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
}

#[tokio::test]
async fn a_slowed_name_says_how_long_to_wait_and_is_let_in_after_it() {
    let t = TestRoom::new().await;
    let free = LoginConfig::default().free_failures;
    for _ in 0..free {
        t.send(login_request("analyst", "wrong password!!", "10.0.0.6"))
            .await
            .assert_error(StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now, for this name at this address only.
    let slowed = t.send(login_request("analyst", PASSWORD, "10.0.0.6")).await;
    slowed.assert_error(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(slowed.headers["retry-after"], "1");
    assert_eq!(slowed.json["retry_after_secs"], 1);
    let curator = t.send(login_request("curator", PASSWORD, "10.0.0.6")).await;
    assert_eq!(curator.status, StatusCode::OK, "{}", curator.text);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let after = t.send(login_request("analyst", PASSWORD, "10.0.0.6")).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.text);
    // The success cleared the name: the free tries are back.
    for _ in 0..free {
        t.send(login_request("analyst", "wrong password!!", "10.0.0.6"))
            .await
            .assert_error(StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_third_party_failing_on_purpose_from_elsewhere_does_not_keep_the_owner_out() {
    let t = TestRoom::new().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(websense_room::serve(t.room.clone(), listener, async {
        let _ = stopped.await;
    }));
    let client_from = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let url = format!("http://127.0.0.1:{port}/api/login");
    let (attacker, owner) = (client_from("127.0.0.3"), client_from("127.0.0.2"));
    let flood: Vec<_> = (0..60)
        .map(|n| {
            let (attacker, url) = (attacker.clone(), url.clone());
            tokio::spawn(async move {
                attacker
                    .post(&url)
                    .json(&json!({"user": "i2o_liaison", "password": format!("guess {n}")}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut flooded = Vec::new();
    for f in flood {
        flooded.push(f.await.unwrap());
    }
    assert_eq!(
        count(&flooded, StatusCode::TOO_MANY_REQUESTS),
        60 - LoginConfig::default().free_failures as usize,
        "{flooded:?}"
    );
    // The attacker is slowed still; the owner, from their own address, is let in.
    let again = attacker
        .post(&url)
        .json(&json!({"user": "i2o_liaison", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(again.headers().contains_key("retry-after"));
    let owned = owner
        .post(&url)
        .json(&json!({"user": "i2o_liaison", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(owned.status(), StatusCode::OK);
    // The admin sees the failures against the account, with the address they came from.
    let rows = failed_login_rows(&t, 3).await;
    assert!(
        rows.iter().all(|r| r.actor == "i2o_liaison"
            && r.detail["address"] == "127.0.0.3"
            && r.detail["failures"]
                .as_u64()
                .is_some_and(|n| n.is_power_of_two())),
        "{rows:?}"
    );
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_failed_login_flood_adds_few_audit_rows_and_names_no_unknown_name() {
    // A throttle that lets everything through, so that the log's own bound is what is seen.
    let t = TestRoom::with(Options {
        login: LoginConfig {
            free_failures: 10_000,
            address_free_failures: 10_000,
            ..LoginConfig::default()
        },
        ..Options::default()
    })
    .await;
    let mut rng = Rng::new(11);
    let mut names = Vec::new();
    for address in ["10.0.1.1", "10.0.1.2", "10.0.1.3"] {
        for _ in 0..100 {
            let name = format!("flood{:x}", rng.next_u64());
            t.send(login_request(&name, PASSWORD, address))
                .await
                .assert_error(StatusCode::UNAUTHORIZED);
            names.push(name);
        }
    }
    for _ in 0..3 {
        t.send(login_request("analyst", "wrong password!!", "10.0.1.4"))
            .await
            .assert_error(StatusCode::UNAUTHORIZED);
    }
    // 303 failed logins: per address the 1st, 2nd, 4th, ... 64th unknown name, and the
    // account's 1st and 2nd failure.
    let rows = failed_login_rows(&t, 3 * 7 + 2).await;
    assert_eq!(rows.len(), 3 * 7 + 2, "{rows:?}");
    let unknown: Vec<_> = rows.iter().filter(|r| r.actor != "analyst").collect();
    assert!(
        unknown.iter().all(|r| r.actor == "(unknown account)"),
        "{unknown:?}"
    );
    let text = serde_json::to_string(&rows).unwrap();
    assert!(names.iter().all(|n| !text.contains(n.as_str())));
    let mut last = unknown
        .iter()
        .filter(|r| r.detail["address"] == "10.0.1.1")
        .map(|r| r.detail["failures"].as_u64().unwrap())
        .collect::<Vec<_>>();
    last.sort();
    assert_eq!(last, vec![1, 2, 4, 8, 16, 32, 64]);
    let account: Vec<_> = rows
        .iter()
        .filter(|r| r.actor == "analyst")
        .map(|r| {
            (
                r.detail["address"].as_str().unwrap(),
                r.detail["failures"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(account, vec![("10.0.1.4", 1), ("10.0.1.4", 2)]);
}
