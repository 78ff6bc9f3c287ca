//! Municipality scopes: an admin scopes an account (audited as its own action), and each
//! person's remembered municipality filter.

mod common;

use axum::http::StatusCode;
use common::TestRoom;
use serde_json::json;
use websense_room::Role;

#[tokio::test]
async fn an_admin_scopes_an_account_and_the_audit_log_records_before_and_after() {
    let t = TestRoom::new().await;
    common::add_user(&t.room, "zaanstad", &[Role::Analyst]);
    let admin = t.login("admin").await;
    let analyst = t.login("analyst").await;

    // Only admins scope accounts.
    let body = json!({"municipalities": ["GM0479"], "reason": "analist van Zaanstad"});
    t.post(
        "/api/accounts/zaanstad/municipalities",
        &analyst,
        body.clone(),
    )
    .await
    .assert_error(StatusCode::FORBIDDEN);
    // A reason is required, the codes must be municipalities, the account must exist.
    t.post(
        "/api/accounts/zaanstad/municipalities",
        &admin,
        json!({"municipalities": ["GM0479"]}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    let bad = t
        .post(
            "/api/accounts/zaanstad/municipalities",
            &admin,
            json!({"municipalities": ["GM9999"], "reason": "x"}),
        )
        .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json["code"], "unknown_municipality", "{}", bad.json);
    t.post("/api/accounts/nobody/municipalities", &admin, body.clone())
        .await
        .assert_error(StatusCode::NOT_FOUND);

    let set = t
        .post("/api/accounts/zaanstad/municipalities", &admin, body)
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.json);
    assert_eq!(set.json["municipalities"], json!(["GM0479"]));
    let listed = t.get("/api/accounts", &admin).await.json;
    let row = listed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "zaanstad")
        .unwrap()
        .clone();
    assert_eq!(row["municipalities"], json!(["GM0479"]), "{listed}");
    // The account knows its scope at its next request.
    let zaanstad = t.login("zaanstad").await;
    let me = t.get("/api/me", &zaanstad).await.json;
    assert_eq!(me["municipalities"], json!(["GM0479"]), "{me}");

    // Lifting the scope is recorded too.
    t.post(
        "/api/accounts/zaanstad/municipalities",
        &admin,
        json!({"municipalities": [], "reason": "nu regio-analist"}),
    )
    .await;
    let rows = t.audit_of("scope_account");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].actor, "admin");
    assert_eq!(rows[0].target.as_deref(), Some("zaanstad"));
    assert_eq!(rows[0].reason.as_deref(), Some("analist van Zaanstad"));
    assert_eq!(rows[0].detail, json!({"before": [], "after": ["GM0479"]}));
    assert_eq!(rows[1].detail, json!({"before": ["GM0479"], "after": []}));
    let me = t.get("/api/me", &zaanstad).await.json;
    assert!(me.get("municipalities").is_none(), "{me}");
}

#[tokio::test]
async fn the_municipality_filter_is_remembered_per_account_and_kept_within_a_scope() {
    let t = TestRoom::new().await;
    common::add_user(&t.room, "zaanstad", &[Role::Analyst]);
    let admin = t.login("admin").await;
    let analyst = t.login("analyst").await;
    let curator = t.login("curator").await;

    let empty = t.get("/api/settings", &analyst).await.json;
    assert_eq!(empty, json!({"municipalities": [], "scope": []}));
    let saved = t
        .post(
            "/api/settings",
            &analyst,
            json!({"municipalities": ["gm0479", "GM0453", "GM0479"]}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json);
    assert_eq!(
        t.get("/api/settings", &analyst).await.json["municipalities"],
        json!(["GM0479", "GM0453"]),
        "upper case, each once, in order"
    );
    assert_eq!(
        t.get("/api/settings", &curator).await.json["municipalities"],
        json!([]),
        "per account"
    );
    t.post(
        "/api/settings",
        &analyst,
        json!({"municipalities": ["Zaanstad"]}),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY);

    t.post(
        "/api/accounts/zaanstad/municipalities",
        &admin,
        json!({"municipalities": ["GM0479"], "reason": "Zaanstad"}),
    )
    .await;
    let zaanstad = t.login("zaanstad").await;
    let outside = t
        .post(
            "/api/settings",
            &zaanstad,
            json!({"municipalities": ["GM0363"]}),
        )
        .await;
    outside.assert_error(StatusCode::FORBIDDEN);
    assert_eq!(outside.json["code"], "out_of_scope", "{}", outside.json);
    let inside = t
        .post(
            "/api/settings",
            &zaanstad,
            json!({"municipalities": ["GM0479"]}),
        )
        .await;
    assert_eq!(inside.json["scope"], json!(["GM0479"]), "{}", inside.json);
}
