//! The same scenario against the embedded store and ClickHouse: both must agree with the
//! oracle, and so with each other, answer for answer.

mod common;

use common::*;
use websense_store::*;
use websense_testkit::services::{clickhouse_url, unique};

#[tokio::test]
async fn embedded_and_clickhouse_give_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = SqliteStore::open(dir.path().join("ws.db")).await.unwrap();
    let embedded_answers = scenario(&embedded).await;
    assert!(
        embedded_answers.len() > 1000,
        "{} answers",
        embedded_answers.len()
    );

    let Some(url) = clickhouse_url() else { return };
    let db = unique("equality");
    let clickhouse = ClickhouseStore::connect(clickhouse_config(&url, &db))
        .await
        .unwrap();
    let clickhouse_answers = scenario(&clickhouse).await;
    assert_eq!(embedded_answers.len(), clickhouse_answers.len());
    for (e, c) in embedded_answers.iter().zip(&clickhouse_answers) {
        assert_eq!(e, c, "embedded and clickhouse differ");
    }
    drop_database(&url, &db).await;
}
