//! The local picture over the API: the map's figures per municipality of the region, and one
//! municipality's overview, checked against counts computed from the items written.

mod common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{Options, TestRoom};
use serde_json::{json, Value};
use websense_model::ScoredItem;
use websense_room::Role;

/// `n` items about `code`, one every `step` from `start`, seeded by `seed`.
fn about(
    t: &TestRoom,
    code: &str,
    seed: u64,
    n: usize,
    start: DateTime<Utc>,
    step: Duration,
) -> Vec<ScoredItem> {
    let mut items = common::score(&t.lexicons, common::items(seed, n, start, step));
    for s in &mut items {
        s.municipalities = vec![code.to_string()];
    }
    items
}

/// The room of these tests: Noord-Holland as its region; around `now`, Zaanstad with 30 posts
/// in the last 24 hours against 2 a day in the week before (rising), Haarlem with 7 a day
/// throughout (steady), and Rotterdam (outside the region) with posts too.
async fn local_room(now: DateTime<Utc>) -> (TestRoom, Vec<ScoredItem>) {
    let t = TestRoom::with(Options {
        room: |c| c.region.province = Some("Noord-Holland".into()),
        ..Options::default()
    })
    .await;
    let mut written = Vec::new();
    written.extend(about(
        &t,
        "GM0479",
        10,
        30,
        now - Duration::hours(23),
        Duration::minutes(40),
    ));
    written.extend(about(
        &t,
        "GM0479",
        11,
        14,
        now - Duration::days(8) + Duration::hours(1),
        Duration::hours(12),
    ));
    written.extend(about(
        &t,
        "GM0392",
        12,
        56,
        now - Duration::days(8) + Duration::minutes(30),
        Duration::hours(3) + Duration::minutes(25),
    ));
    written.extend(about(
        &t,
        "GM0599",
        13,
        20,
        now - Duration::hours(20),
        Duration::minutes(30),
    ));
    // Unique ids per batch: the common generator names items by seed.
    t.store.write(written.clone()).await.unwrap();
    (t, written)
}

fn count(written: &[ScoredItem], code: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> (u64, u64) {
    let mine = written.iter().filter(|s| {
        let at = s.item.event_time();
        s.municipalities.iter().any(|m| m == code) && at >= from && at < to
    });
    mine.fold((0, 0), |(n, f), s| {
        (n + 1, f + u64::from(s.flagged().next().is_some()))
    })
}

fn row<'a>(list: &'a Value, code: &str) -> &'a Value {
    list["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["code"] == code)
        .unwrap_or_else(|| panic!("{code} is not listed"))
}

#[tokio::test]
async fn the_map_figures_are_the_counts_of_the_items_per_municipality_of_the_region() {
    let now = Utc::now();
    let (t, written) = local_room(now).await;
    let analyst = t.login("analyst").await;
    let at = urlencode(&now.to_rfc3339());
    let map = t
        .get(&format!("/api/municipalities?now={at}"), &analyst)
        .await;
    assert_eq!(map.status, StatusCode::OK, "{}", map.text);
    let list = &map.json;
    assert_eq!(list["region"], "Noord-Holland");
    let codes: Vec<&str> = list["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes.len(),
        44,
        "Noord-Holland's 44 municipalities: {codes:?}"
    );
    assert!(
        !codes.contains(&"GM0599"),
        "Rotterdam is outside the region"
    );
    for code in ["GM0479", "GM0392"] {
        let (items, _) = count(&written, code, now - Duration::hours(24), now);
        let (before, _) = count(
            &written,
            code,
            now - Duration::days(8),
            now - Duration::hours(24),
        );
        let r = row(list, code);
        assert_eq!(r["items"], items, "{code}: {r}");
        assert_eq!(
            r["baseline_per_day"],
            json!(before as f64 / 7.0),
            "{code}: {r}"
        );
    }
    assert_eq!(row(list, "GM0479")["rise"], "rising");
    assert_eq!(row(list, "GM0392")["rise"], "steady");
    assert_eq!(row(list, "GM0361")["rise"], "quiet", "Alkmaar has no posts");
    assert_eq!(row(list, "GM0479")["name"], "Zaanstad");
    // The overview page's filter: its totals are the municipality's.
    let (items, flagged) = count(&written, "GM0479", now - Duration::hours(24), now);
    let o = t
        .get(
            &format!("/api/overview?municipality=GM0479&now={at}"),
            &analyst,
        )
        .await;
    assert_eq!(o.status, StatusCode::OK, "{}", o.text);
    assert_eq!(o.json["totals"]["items"], items, "{}", o.json["totals"]);
    assert_eq!(o.json["totals"]["flagged_items"], flagged);
    let whole = t
        .get(&format!("/api/overview?now={at}"), &analyst)
        .await
        .json;
    assert!(whole["totals"]["items"].as_u64().unwrap() > items);
    assert!(row(list, "GM0479")["lat"].as_f64().unwrap() > 52.0);
}

#[tokio::test]
async fn a_municipality_overview_counts_its_categories_and_shows_its_flagged_posts_to_readers_only()
{
    let now = Utc::now();
    let (t, written) = local_room(now).await;
    common::add_user(&t.room, "haarlem", &[Role::Analyst]);
    let analyst = t.login("analyst").await;
    let admin = t.login("admin").await;
    let at = urlencode(&now.to_rfc3339());
    let uri = format!("/api/municipalities/gm0479?now={at}");
    let o = t.get(&uri, &analyst).await;
    assert_eq!(o.status, StatusCode::OK, "{}", o.text);
    let o = o.json;
    let (items, flagged) = count(&written, "GM0479", now - Duration::hours(24), now);
    assert_eq!(
        o["municipality"],
        json!({"code": "GM0479", "name": "Zaanstad", "province": "Noord-Holland"})
    );
    assert_eq!(
        (o["items"].clone(), o["flagged_items"].clone()),
        (json!(items), json!(flagged))
    );
    assert_eq!(o["rise"], "rising", "{o}");
    assert!(o["categories"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["category"] == "anti_overheid"));
    assert!(
        !o["rising_categories"].as_array().unwrap().is_empty(),
        "{o}"
    );
    let posts = o["posts"].as_array().unwrap();
    assert!(!posts.is_empty() && posts.len() <= 10, "{o}");
    let zaanstad_ids: Vec<String> = written
        .iter()
        .filter(|s| s.municipalities == ["GM0479"] && s.flagged().next().is_some())
        .map(|s| s.item.id.0.clone())
        .collect();
    let mut last = None;
    for p in posts {
        assert!(
            zaanstad_ids.contains(&p["id"].as_str().unwrap().to_string()),
            "{p}"
        );
        let t = p["event_time"].as_str().unwrap().to_string();
        assert!(
            last.as_ref().is_none_or(|l: &String| *l >= t),
            "newest first"
        );
        last = Some(t);
    }
    // The read of post text is audited with the ids shown.
    let reads = t.audit_of("read_items");
    let read = reads.last().unwrap();
    assert_eq!(read.target.as_deref(), Some("municipality GM0479"));
    assert_eq!(
        read.detail["item_ids"].as_array().unwrap().len(),
        posts.len()
    );

    // Admins read no post text; the counts they do see.
    let o = t.get(&uri, &admin).await.json;
    assert_eq!(o["posts"], json!([]));
    assert_eq!(o["posts_withheld"], "role");
    assert_eq!(o["items"], items);
    // Nor does an analyst scoped to another municipality.
    t.post(
        "/api/accounts/haarlem/municipalities",
        &admin,
        json!({"municipalities": ["GM0392"], "reason": "Haarlem"}),
    )
    .await;
    let haarlem = t.login("haarlem").await;
    let o = t.get(&uri, &haarlem).await.json;
    assert_eq!(
        (o["posts"].clone(), o["posts_withheld"].clone()),
        (json!([]), json!("scope"))
    );
    assert_eq!(o["items"], items, "aggregate counts stay visible");
    t.get("/api/municipalities/GM9999", &analyst)
        .await
        .assert_error(StatusCode::NOT_FOUND);
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
