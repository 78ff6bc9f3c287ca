//! Telegram discovery in the Room: the proposals (channels that collected channels forward
//! from or link to) are the admin's only, with their counts; adding one writes it into the
//! collector's `telegram_channels.json` (so the collector collects it from its next round on)
//! and the audit log; dismissing one stops proposing it, also audited.

mod common;

use axum::http::StatusCode;
use common::{write_mentions, TestRoom};
use serde_json::{json, Value};
use websense_model::telegram::{ChannelDecisions, CHANNELS_FILE};

fn channels(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["channel"].as_str().unwrap().to_string())
        .collect()
}

fn decisions(t: &TestRoom) -> ChannelDecisions {
    ChannelDecisions::read(&t.dir.path().join("state").join(CHANNELS_FILE)).unwrap()
}

async fn audit_of(t: &TestRoom, admin: &str, action: &str) -> Vec<Value> {
    t.get(&format!("/api/audit?action={action}"), admin)
        .await
        .json["entries"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn admins_see_the_proposals_with_their_counts_and_no_one_else_does() {
    let t = TestRoom::new().await;
    let admin = t.login("admin").await;
    // Nothing mentioned yet: no proposals, not an error.
    let r = t.get("/api/telegram/proposals", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["proposals"], json!([]));

    write_mentions(t.dir.path());
    let r = t.get("/api/telegram/proposals", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Most mentioned first; not the collected channel, not a name that is markup.
    assert_eq!(
        channels(&r.json["proposals"]),
        ["BronKanaal", "andere_bron"]
    );
    let bron = &r.json["proposals"][0];
    assert_eq!(
        (bron["forwards"].as_u64(), bron["links"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        bron["mentioned_by"],
        json!([{"source": "tg", "count": 3}, {"source": "ander", "count": 1}])
    );
    assert_eq!(bron["last_seen"], "2026-10-05T12:00:00Z");
    assert!(!r.text.contains("<img"), "{}", r.text);
    for role in ["analyst", "curator", "i2o_liaison"] {
        let token = t.login(role).await;
        t.get("/api/telegram/proposals", &token)
            .await
            .assert_error(StatusCode::FORBIDDEN);
        t.post("/api/telegram/proposals/BronKanaal/add", &token, json!({}))
            .await
            .assert_error(StatusCode::FORBIDDEN);
    }
    assert_eq!(decisions(&t), ChannelDecisions::default());
}

#[tokio::test]
async fn adding_a_proposal_makes_it_a_source_and_is_audited() {
    let t = TestRoom::new().await;
    write_mentions(t.dir.path());
    let admin = t.login("admin").await;
    let r = t
        .post(
            "/api/telegram/proposals/bronkanaal/add",
            &admin,
            json!({"reason": "veel doorgestuurd"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"channel": "BronKanaal", "decision": "added", "source": "telegram-bronkanaal"})
    );
    // The collector's file: the name as proposed, who, why, and the source whose settings
    // the new one takes (the one that mentioned it most).
    let d = decisions(&t);
    let added = &d.added["bronkanaal"];
    assert_eq!(
        (
            added.name.as_str(),
            added.by.as_str(),
            added.reason.as_deref(),
            added.via.as_deref()
        ),
        ("BronKanaal", "admin", Some("veel doorgestuurd"), Some("tg"))
    );
    let rows = audit_of(&t, &admin, "add_source").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["actor"], "admin");
    assert_eq!(rows[0]["target"], "telegram-bronkanaal");
    assert_eq!(rows[0]["reason"], "veel doorgestuurd");
    assert_eq!(rows[0]["detail"]["forwards"], 3);

    let r = t.get("/api/telegram/proposals", &admin).await;
    assert_eq!(channels(&r.json["proposals"]), ["andere_bron"]);
    assert_eq!(channels(&r.json["added"]), ["BronKanaal"]);
    assert_eq!(r.json["added"][0]["source"], "telegram-bronkanaal");

    // Once only; the collected channel and channels nobody mentioned are not proposals.
    for (uri, status) in [
        (
            "/api/telegram/proposals/BronKanaal/add",
            StatusCode::CONFLICT,
        ),
        (
            "/api/telegram/proposals/kanaal_een/add",
            StatusCode::CONFLICT,
        ),
        (
            "/api/telegram/proposals/onbekend_kanaal/add",
            StatusCode::NOT_FOUND,
        ),
    ] {
        t.post(uri, &admin, json!({})).await.assert_error(status);
    }
    assert_eq!(audit_of(&t, &admin, "add_source").await.len(), 1);
}

#[tokio::test]
async fn dismissing_a_proposal_hides_it_until_an_admin_adds_it_after_all() {
    let t = TestRoom::new().await;
    write_mentions(t.dir.path());
    let admin = t.login("admin").await;
    let r = t
        .post(
            "/api/telegram/proposals/andere_bron/dismiss",
            &admin,
            json!({"reason": "spam"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"channel": "andere_bron", "decision": "dismissed"})
    );
    let r = t.get("/api/telegram/proposals", &admin).await;
    assert_eq!(channels(&r.json["proposals"]), ["BronKanaal"]);
    assert_eq!(channels(&r.json["dismissed"]), ["andere_bron"]);
    assert_eq!(r.json["dismissed"][0]["reason"], "spam");
    let rows = audit_of(&t, &admin, "dismiss_proposal").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["target"], "telegram:andere_bron");
    assert_eq!(rows[0]["reason"], "spam");
    assert!(decisions(&t).added.is_empty(), "dismissing adds nothing");
    t.post(
        "/api/telegram/proposals/andere_bron/dismiss",
        &admin,
        json!({}),
    )
    .await
    .assert_error(StatusCode::CONFLICT);
    // Reconsidered: a dismissed channel can still be added.
    let r = t
        .post("/api/telegram/proposals/andere_bron/add", &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = decisions(&t);
    assert!(d.added.contains_key("andere_bron") && d.dismissed.is_empty());
}

#[tokio::test]
async fn names_that_are_not_public_channels_are_refused() {
    let t = TestRoom::new().await;
    write_mentions(t.dir.path());
    let admin = t.login("admin").await;
    for name in [
        "%2BAbCdEfGh",
        "joinchat",
        "NieuwsBot",
        "ab",
        "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
        "kanaal__x",
        &"a".repeat(40),
    ] {
        for decision in ["add", "dismiss"] {
            let r = t
                .post(
                    &format!("/api/telegram/proposals/{name}/{decision}"),
                    &admin,
                    json!({}),
                )
                .await;
            r.assert_error(StatusCode::BAD_REQUEST);
            assert!(!r.text.contains("<img"), "{}", r.text);
        }
    }
    assert_eq!(decisions(&t), ChannelDecisions::default());
}
