//! Authentication and the Organisation Administrator role, discovery, and
//! protocol-level errors, over real HTTP.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::json;

/// Every protected endpoint with a method and a body that would otherwise be valid.
fn protected_calls(
    user_id: &str,
    group_id: &str,
) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "x"}]});
    vec![
        (Method::GET, "/Users".into(), None),
        (
            Method::POST,
            "/Users".into(),
            Some(json!({"userName": "x@lumen-analytics.example"})),
        ),
        (Method::POST, "/Users/.search".into(), Some(json!({}))),
        (Method::GET, format!("/Users/{user_id}"), None),
        (
            Method::PUT,
            format!("/Users/{user_id}"),
            Some(json!({"userName": "y@lumen-analytics.example"})),
        ),
        (Method::PATCH, format!("/Users/{user_id}"), Some(patch)),
        (Method::DELETE, format!("/Users/{user_id}"), None),
        (Method::GET, "/Groups".into(), None),
        (
            Method::POST,
            "/Groups".into(),
            Some(json!({"displayName": "X"})),
        ),
        (Method::GET, format!("/Groups/{group_id}"), None),
        (Method::DELETE, format!("/Groups/{group_id}"), None),
        (Method::GET, "/Licenses".into(), None),
        (Method::GET, "/Licenses/office".into(), None),
        (Method::GET, "/Organisation".into(), None),
        (Method::GET, "/Me".into(), None),
        (Method::GET, "/Invitations".into(), None),
        (
            Method::POST,
            "/Invitations".into(),
            Some(json!({"userId": user_id})),
        ),
        (
            Method::POST,
            "/Bulk".into(),
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": []}),
            ),
        ),
    ]
}

#[tokio::test]
async fn non_admin_token_gets_403_everywhere_and_changes_nothing() {
    let t = TestServer::demo().await;
    let token = t.non_admin_token().await;
    let victim = t
        .create_user("victim@lumen-analytics.example", "Vic", "Tim")
        .await;
    let uid = victim["id"].as_str().unwrap();
    let groups = t.get("/Groups").await.expect(200).body;
    let gid = groups["Resources"][0]["id"].as_str().unwrap();
    for (method, path, body) in protected_calls(uid, gid) {
        let r = t
            .call_as(&token, method.clone(), &path, body.as_ref(), &[])
            .await;
        assert_eq!(r.status.as_u16(), 403, "{method} {path}: {:#}", r.body);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("Organisation Administrator")
        );
    }
    t.get(&format!("/Users/{uid}")).await.expect(200);
    t.get(&format!("/Groups/{gid}")).await.expect(200);
}

#[tokio::test]
async fn missing_or_wrong_token_gets_401_everywhere() {
    let t = TestServer::demo().await;
    for (method, path, body) in protected_calls("u", "g") {
        let r = t
            .call_as("not-a-token", method.clone(), &path, body.as_ref(), &[])
            .await;
        assert_eq!(r.status.as_u16(), 401, "{method} {path}");
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer realm=\"roster\"")
        );
        let raw = t
            .client
            .request(method.clone(), t.url(&path))
            .send()
            .await
            .unwrap();
        let r = TestServer::reply(raw).await;
        assert_eq!(r.status.as_u16(), 401, "{method} {path} without token");
        assert_eq!(
            r.body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }
}

#[tokio::test]
async fn discovery_is_public_and_describes_what_is_supported() {
    let t = TestServer::demo().await;
    let get = |path: &'static str| {
        let url = t.url(path);
        let client = t.client.clone();
        async move {
            TestServer::reply(client.get(url).send().await.unwrap())
                .await
                .expect(200)
                .body
        }
    };
    let spc = get("/ServiceProviderConfig").await;
    assert_eq!(spc["bulk"]["supported"], true);
    assert_eq!(spc["bulk"]["maxOperations"], 1000);
    assert_eq!(spc["filter"]["maxResults"], 1000);
    assert_eq!(spc["etag"]["supported"], true);
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["sort"]["supported"], true);
    let types = get("/ResourceTypes").await;
    let user = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "User")
        .unwrap();
    assert_eq!(user["endpoint"], "/Users");
    assert_eq!(
        user["schemaExtensions"][0]["schema"],
        "urn:roster:params:scim:schemas:extension:organisation:2.0:User"
    );
    let schemas = get("/Schemas").await;
    let ext = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "urn:roster:params:scim:schemas:extension:organisation:2.0:User")
        .unwrap();
    let last = ext["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "lastConnection")
        .unwrap();
    assert_eq!(last["mutability"], "readOnly");
    assert_eq!(last["type"], "dateTime");
    let one = get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").await;
    assert_eq!(one["name"], "User");
    let r = TestServer::reply(
        t.client
            .get(t.url("/Schemas/urn:nope"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect_error(404, None);
}

#[tokio::test]
async fn unknown_endpoints_and_huge_bodies() {
    let t = TestServer::demo().await;
    t.get("/Nope").await.expect_error(404, None);
    t.get("/Users/00000000-0000-0000-0000-000000000000")
        .await
        .expect_error(404, None);
    let huge =
        json!({"userName": "big@lumen-analytics.example", "title": "x".repeat(2 * 1024 * 1024)});
    t.post("/Users", &huge).await.expect_error(413, None);
    let ops: Vec<_> = (0..1001)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": i.to_string(),
            "data": {"userName": format!("b{i}@lumen-analytics.example")}})
        })
        .collect();
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops});
    t.post("/Bulk", &bulk).await.expect_error(413, None);
    let users = t.get("/Users?count=0").await.expect(200).body;
    assert_eq!(
        users["totalResults"], 300,
        "nothing of the refused bulk was created"
    );
}

#[tokio::test]
async fn deleted_user_token_stops_working() {
    let t = TestServer::demo().await;
    let email = "temp.admin@lumen-analytics.example";
    let mut body = common::new_user(email, "Temp", "Admin");
    body["urn:roster:params:scim:schemas:extension:organisation:2.0:User"] =
        json!({"organisationAdministrator": true});
    let user = t.post("/Users", &body).await.expect(201).body;
    let token = t.server.issue_token(email).await.unwrap();
    t.call_as(&token, Method::GET, "/Me", None, &[])
        .await
        .expect(200);
    t.delete(&format!("/Users/{}", user["id"].as_str().unwrap()))
        .await
        .expect(204);
    t.call_as(&token, Method::GET, "/Me", None, &[])
        .await
        .expect_error(401, None);
}

#[tokio::test]
async fn deactivated_admin_token_gets_401_from_the_next_request() {
    let t = TestServer::demo().await;
    let email = "second.admin@lumen-analytics.example";
    let mut body = common::new_user(email, "Second", "Admin");
    body["urn:roster:params:scim:schemas:extension:organisation:2.0:User"] =
        json!({"organisationAdministrator": true});
    let user = t.post("/Users", &body).await.expect(201).body;
    let uid = user["id"].as_str().unwrap().to_owned();
    let token = t.server.issue_token(email).await.unwrap();
    t.call_as(&token, Method::GET, "/Users?count=1", None, &[])
        .await
        .expect(200);
    let deactivate = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]});
    t.patch(&format!("/Users/{uid}"), &deactivate)
        .await
        .expect(200);
    for (method, path, body) in protected_calls(&uid, "g") {
        let r = t
            .call_as(&token, method.clone(), &path, body.as_ref(), &[])
            .await
            .expect_error(401, None);
        assert!(
            r.body["detail"].as_str().unwrap().contains("deactivated"),
            "{method} {path}: {:#}",
            r.body
        );
    }
    assert!(
        t.user_names("userName sw \"x@\"").await.is_empty(),
        "the refused POST created nothing"
    );
    // Reactivated, the same token works again.
    let reactivate = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": true}]});
    t.patch(&format!("/Users/{uid}"), &reactivate)
        .await
        .expect(200);
    t.call_as(&token, Method::GET, "/Users?count=1", None, &[])
        .await
        .expect(200);
}
