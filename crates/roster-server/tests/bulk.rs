//! /Bulk over real HTTP.

mod common;

use common::{DOMAIN, TestServer, new_user};
use serde_json::{Value, json};

fn bulk(ops: Value, fail_on_errors: Option<u32>) -> Value {
    let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops});
    if let Some(n) = fail_on_errors {
        body["failOnErrors"] = json!(n);
    }
    body
}

#[tokio::test]
async fn bulk_creates_with_bulk_id_references_and_reports_each_operation() {
    let t = TestServer::demo().await;
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "u1", "data": new_user(&format!("bulk1@{DOMAIN}"), "Bulk", "One")},
        {"method": "POST", "path": "/Users", "bulkId": "u2", "data": new_user(&format!("bulk2@{DOMAIN}"), "Bulk", "Two")},
        {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": {"displayName": "Bulk Group", "members": [{"value": "bulkId:u1"}, {"value": "bulkId:u2"}]}},
        {"method": "PATCH", "path": "/Users/bulkId:u2", "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "title", "value": "Patched in bulk"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "dup", "data": new_user(&format!("BULK1@{DOMAIN}"), "Dup", "Licate")},
        {"method": "POST", "path": "/Users", "bulkId": "bad", "data": new_user("x@outside.test", "Out", "Side")},
    ]);
    let r = t.post("/Bulk", &bulk(ops, None)).await.expect(200).body;
    assert_eq!(
        r["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    let results = r["Operations"].as_array().unwrap();
    let statuses: Vec<&str> = results
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "201", "201", "200", "409", "400"]);
    assert_eq!(results[4]["response"]["scimType"], "uniqueness");
    assert_eq!(results[5]["response"]["scimType"], "invalidValue");
    assert_eq!(results[0]["bulkId"], "u1");
    assert_eq!(results[0]["version"], "W/\"1\"");
    let group_location = results[2]["location"].as_str().unwrap();
    let gid = group_location.rsplit('/').next().unwrap();
    let group = t.get(&format!("/Groups/{gid}")).await.expect(200).body;
    assert_eq!(group["members"].as_array().unwrap().len(), 2);
    let u2 = results[1]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    assert_eq!(
        t.get(&format!("/Users/{u2}")).await.expect(200).body["title"],
        "Patched in bulk"
    );
    // Failed operations left nothing behind.
    assert!(
        t.user_names("userName eq \"x@outside.test\"")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn fail_on_errors_stops_processing() {
    let t = TestServer::demo().await;
    let ops = json!([
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": new_user("a@outside.test", "A", "A")},
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": new_user(&format!("b.fine@{DOMAIN}"), "B", "B")},
        {"method": "POST", "path": "/Users", "bulkId": "c", "data": new_user(&format!("c.never@{DOMAIN}"), "C", "C")},
    ]);
    let r = t
        .post("/Bulk", &bulk(ops.clone(), Some(1)))
        .await
        .expect(200)
        .body;
    assert_eq!(r["Operations"].as_array().unwrap().len(), 1);
    assert!(
        t.user_names(&format!("userName eq \"b.fine@{DOMAIN}\""))
            .await
            .is_empty()
    );
    let r = t.post("/Bulk", &bulk(ops, None)).await.expect(200).body;
    assert_eq!(r["Operations"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bulk_errors_are_reported_per_operation() {
    let t = TestServer::demo().await;
    let ops = json!([
        {"method": "POST", "path": "/Users", "data": new_user(&format!("nobulkid@{DOMAIN}"), "No", "Id")},
        {"method": "PATCH", "path": "/Users/bulkId:unknown", "data": {}},
        {"method": "DELETE", "path": "/Users/does-not-exist"},
        {"method": "GET", "path": "/Users"},
        {"method": "POST", "path": "/Licenses", "bulkId": "l", "data": {}},
        {"method": "DELETE", "path": "/Users/whatever", "version": "W/\"9\""},
    ]);
    let r = t.post("/Bulk", &bulk(ops, None)).await.expect(200).body;
    let statuses: Vec<&str> = r["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["400", "409", "404", "400", "400", "404"]);
    t.post("/Bulk", &json!({"Operations": "nope"}))
        .await
        .expect_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn bulk_versions_guard_changes() {
    let t = TestServer::demo().await;
    let user = t.create_user(&format!("ver@{DOMAIN}"), "Ver", "Sion").await;
    let id = user["id"].as_str().unwrap();
    let ops = json!([{"method": "DELETE", "path": format!("/Users/{id}"), "version": "W/\"7\""}]);
    let r = t.post("/Bulk", &bulk(ops, None)).await.expect(200).body;
    assert_eq!(r["Operations"][0]["status"], "412");
    t.get(&format!("/Users/{id}")).await.expect(200);
}
