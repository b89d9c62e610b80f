//! A database written by an earlier version is upgraded in place: its data kept,
//! and what the new version adds (here the row counts behind `totalResults`) worked
//! out from what is there.

mod common;

use roster_server::{Server, ServerConfig};
use serde_json::{Value, json};

async fn total(client: &reqwest::Client, url: &str, token: &str, filter: Option<&str>) -> u64 {
    let query = match filter {
        Some(filter) => format!("count=1&filter={}", common::urlencode(filter)),
        None => "count=1".to_owned(),
    };
    let body: Value = client
        .get(format!("{url}/Users?{query}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("listing")
        .json()
        .await
        .expect("a SCIM list");
    body["totalResults"].as_u64().expect("totalResults")
}

#[tokio::test]
async fn a_database_from_before_the_row_counts_gets_them_counted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("roster.db");
    let mut config = ServerConfig::local(&db);
    config.seed_demo = true;
    Server::start(config)
        .await
        .expect("first start")
        .stop()
        .await;

    // As version 2 left it: no count table, no triggers.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(
            "DROP TRIGGER users_counted; DROP TRIGGER users_uncounted;
             DROP TRIGGER groups_counted; DROP TRIGGER groups_uncounted;
             DROP TABLE row_counts; PRAGMA user_version = 2;",
        )
        .unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2);
    }

    let server = Server::start(ServerConfig::local(&db))
        .await
        .expect("the upgraded start");
    let token = server.issue_admin_token("upgrade").await.unwrap();
    let url = server.base_url();
    let client = reqwest::Client::new();
    // The unfiltered total comes from the counts; a filter counts the rows.
    let counted = total(&client, &url, &token, Some("userName pr")).await;
    assert!(counted >= 300, "the demo's users are kept: {counted}");
    assert_eq!(total(&client, &url, &token, None).await, counted);

    // The triggers came with the table: a new user and a deleted one are counted.
    let created: Value = client
        .post(format!("{url}/Users"))
        .bearer_auth(&token)
        .header("content-type", "application/scim+json")
        .json(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "new.one@lumen-analytics.example",
            "name": {"givenName": "New", "familyName": "One"},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().expect("created");
    assert_eq!(total(&client, &url, &token, None).await, counted + 1);
    let deleted = client
        .delete(format!("{url}/Users/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success());
    assert_eq!(total(&client, &url, &token, None).await, counted);
    server.stop().await;
}
