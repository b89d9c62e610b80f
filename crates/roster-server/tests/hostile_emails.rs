//! Addresses that are not one plain addr-spec are refused (400 invalidValue) as
//! `userName` and as `emails[].value`, by POST, PUT, PATCH and Bulk alike, even
//! when the part after the last `@` is an authorized domain.

mod common;

use common::{TestServer, new_user};
use serde_json::{Value, json};

const DOMAIN: &str = "chaos.example";

/// Each ends in the authorized domain, so a check of the text after the last `@`
/// alone would let it through.
const HOSTILE: &[&str] = &[
    "x@evil.example@chaos.example",
    "evil@evil.example, ok@chaos.example",
    "\"evil@evil.example\"@chaos.example",
    "Evil <evil@evil.example>, x@chaos.example",
    "Evil <evil@chaos.example>",
    "ok@chaos.example\r\nBcc: evil@evil.example",
    "ok\0@chaos.example",
];

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

#[track_caller]
fn assert_refused(r: common::Reply, what: &str) {
    assert_eq!(r.status.as_u16(), 400, "{what}: {:#}", r.body);
    assert_eq!(r.body["scimType"], "invalidValue", "{what}: {:#}", r.body);
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(
        !detail.contains('\r') && !detail.contains('\n') && !detail.contains('\0'),
        "{what}: the detail quotes control characters raw: {detail:?}"
    );
}

/// Every write path, with the address as userName and as an email value.
fn writes(id: &str, hostile: &str) -> Vec<(&'static str, reqwest::Method, String, Value)> {
    use reqwest::Method;
    let good = format!("good@{DOMAIN}");
    let mut as_user_name = new_user(hostile, "Hos", "Tile");
    as_user_name["emails"] = json!([{"value": good, "primary": true}]);
    let mut as_email = new_user(&good, "Hos", "Tile");
    as_email["emails"] = json!([{"value": hostile, "primary": true}]);
    let path = format!("/Users/{id}");
    let mut put_user_name = new_user(hostile, "Ann", "Lee");
    put_user_name["emails"] = json!([{"value": format!("ann@{DOMAIN}")}]);
    let mut put_email = new_user(&format!("ann@{DOMAIN}"), "Ann", "Lee");
    put_email["emails"] = json!([{"value": hostile}]);
    let bulk = |method: &str, path: &str, data: &Value| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": [{"method": method, "path": path, "bulkId": "b", "data": data}]})
    };
    let patch_user_name = patch(json!([{"op": "replace", "path": "userName", "value": hostile}]));
    let patch_email_path = patch(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": hostile}]));
    let patch_email_add =
        patch(json!([{"op": "add", "path": "emails", "value": [{"value": hostile}]}]));
    let patch_no_path = patch(json!([{"op": "replace", "value": {"userName": hostile}}]));
    vec![
        (
            "POST userName",
            Method::POST,
            "/Users".into(),
            as_user_name.clone(),
        ),
        (
            "POST emails",
            Method::POST,
            "/Users".into(),
            as_email.clone(),
        ),
        (
            "PUT userName",
            Method::PUT,
            path.clone(),
            put_user_name.clone(),
        ),
        ("PUT emails", Method::PUT, path.clone(), put_email.clone()),
        (
            "PATCH userName",
            Method::PATCH,
            path.clone(),
            patch_user_name.clone(),
        ),
        (
            "PATCH emails[type eq work].value",
            Method::PATCH,
            path.clone(),
            patch_email_path.clone(),
        ),
        (
            "PATCH add emails",
            Method::PATCH,
            path.clone(),
            patch_email_add,
        ),
        (
            "PATCH without path",
            Method::PATCH,
            path.clone(),
            patch_no_path,
        ),
        (
            "Bulk POST userName",
            Method::POST,
            "/Bulk".into(),
            bulk("POST", "/Users", &as_user_name),
        ),
        (
            "Bulk POST emails",
            Method::POST,
            "/Bulk".into(),
            bulk("POST", "/Users", &as_email),
        ),
        (
            "Bulk PUT",
            Method::POST,
            "/Bulk".into(),
            bulk("PUT", &path, &put_email),
        ),
        (
            "Bulk PATCH",
            Method::POST,
            "/Bulk".into(),
            bulk("PATCH", &path, &patch_email_path),
        ),
    ]
}

#[tokio::test]
async fn hostile_addresses_are_refused_on_every_write_path() {
    let t = TestServer::empty(&[DOMAIN]).await;
    let mut ann = new_user(&format!("ann@{DOMAIN}"), "Ann", "Lee");
    ann["emails"] = json!([{"value": format!("ann@{DOMAIN}"), "type": "work", "primary": true}]);
    let ann = t.post("/Users", &ann).await.expect(201).body;
    let id = ann["id"].as_str().unwrap();
    let before = t.get("/Users?count=0").await.expect(200).body["totalResults"].clone();
    for hostile in HOSTILE {
        for (what, method, path, body) in writes(id, hostile) {
            let what = format!("{what} {hostile:?}");
            let r = t.call(method, &path, Some(&body)).await;
            if path == "/Bulk" {
                let r = r.expect(200);
                let op = r.body["Operations"][0].clone();
                assert_eq!(op["status"], "400", "{what}: {op:#}");
                assert_eq!(op["response"]["scimType"], "invalidValue", "{what}: {op:#}");
            } else {
                assert_refused(r, &what);
            }
        }
    }
    let after = t.get(&format!("/Users/{id}")).await.expect(200).body;
    assert_eq!(
        after["meta"]["version"], ann["meta"]["version"],
        "Ann unchanged"
    );
    let total = t.get("/Users?count=0").await.expect(200).body["totalResults"].clone();
    assert_eq!(total, before, "no user created");
}

#[tokio::test]
async fn the_detail_names_the_fault() {
    let t = TestServer::empty(&[DOMAIN]).await;
    let r = t
        .post(
            "/Users",
            &new_user("x@evil.example@chaos.example", "X", "Y"),
        )
        .await
        .expect_error(400, Some("invalidValue"));
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("more than one @"),
        "{:#}",
        r.body
    );
    let r = t
        .post("/Users", &new_user("Evil <evil@chaos.example>", "X", "Y"))
        .await
        .expect_error(400, Some("invalidValue"));
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("only the address") && detail.contains("evil@chaos.example"),
        "{detail}"
    );
    // A plain address of the domain, and a userName that is no address, still work.
    t.create_user(&format!("plain@{DOMAIN}"), "Pl", "Ain").await;
    let mut uuid_name = new_user("3f2c9a1e-uuid", "U", "Id");
    uuid_name["emails"] = json!([{"value": format!("uuid@{DOMAIN}")}]);
    t.post("/Users", &uuid_name).await.expect(201);
}

/// A userName that is no address (some servers use ids or logins) is not parsed as
/// one, but a control character in it is refused all the same on every write path,
/// and so is one in a name: a line break there would split a log line, a mail
/// header or an exported CSV row.
#[tokio::test]
async fn control_characters_in_user_names_and_names_are_refused() {
    let t = TestServer::empty(&[DOMAIN]).await;
    let mut ann = new_user(&format!("ann@{DOMAIN}"), "Ann", "Lee");
    ann["emails"] = json!([{"value": format!("ann@{DOMAIN}"), "type": "work", "primary": true}]);
    let ann = t.post("/Users", &ann).await.expect(201).body;
    let id = ann["id"].as_str().unwrap();
    for name in [
        "x\r\nFORGED mail line",
        "tab\there",
        "nul\0name",
        "bell\u{7}",
    ] {
        for (what, method, path, body) in writes(id, name) {
            if !what.contains("userName") {
                continue;
            }
            let what = format!("{what} {name:?}");
            let r = t.call(method, &path, Some(&body)).await;
            if path == "/Bulk" {
                let op = r.expect(200).body["Operations"][0].clone();
                assert_eq!(op["status"], "400", "{what}: {op:#}");
            } else {
                assert_refused(r, &what);
            }
        }
        let in_name = new_user(&format!("named@{DOMAIN}"), name, "Lee");
        let r = t.post("/Users", &in_name).await;
        assert_refused(r, &format!("POST name.givenName {name:?}"));
    }
    let r = t
        .post("/Users", &new_user("x\r\ny", "X", "Y"))
        .await
        .expect_error(400, Some("invalidValue"));
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("control character"), "{detail}");
    let after = t.get(&format!("/Users/{id}")).await.expect(200).body;
    assert_eq!(after["meta"]["version"], ann["meta"]["version"]);
}
