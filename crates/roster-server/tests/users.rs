//! /Users over real HTTP: create, read, replace, patch, delete, and their errors.

mod common;

use common::{DOMAIN, TestServer, new_user};
use serde_json::json;

const EXT: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:User";

#[tokio::test]
async fn create_returns_201_location_etag_and_records_invitation() {
    let t = TestServer::demo().await;
    let email = format!("new.person@{DOMAIN}");
    let r = t
        .post("/Users", &new_user(&email, "New", "Person"))
        .await
        .expect(201);
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert_eq!(r.header("location"), r.body["meta"]["location"].as_str());
    assert!(
        r.header("location")
            .expect("location")
            .ends_with(&format!("/Users/{id}"))
    );
    assert_eq!(r.header("etag"), Some("W/\"1\""));
    assert_eq!(r.header("content-type"), Some("application/scim+json"));
    assert_eq!(r.body["meta"]["version"], "W/\"1\"");
    assert_eq!(r.body["meta"]["resourceType"], "User");
    // Computed attributes are returned on request (`returned: request`).
    assert!(r.body[EXT].get("invitation").is_none(), "{:#}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    let asked = t
        .get(&format!(
            "/Users/{id}?attributes=userName,{EXT}:invitation,{EXT}:lastConnection"
        ))
        .await
        .expect(200);
    assert_eq!(asked.body[EXT]["invitation"]["status"], "pending");
    assert!(asked.body[EXT]["invitation"]["sentAt"].is_string());
    assert!(asked.body[EXT].get("lastConnection").is_none());

    let invitations = t
        .get(&format!("/Invitations?filter=userId%20eq%20%22{id}%22"))
        .await
        .expect(200);
    assert_eq!(invitations.body["totalResults"], 1);
    let inv = &invitations.body["Resources"][0];
    assert_eq!(inv["recipient"], email.as_str());
    assert_eq!(inv["kind"], "invitation");

    let got = t.get(&format!("/Users/{id}")).await.expect(200);
    assert_eq!(got.body["userName"], email.as_str());
    assert_eq!(got.body["name"]["givenName"], "New");
    assert_eq!(got.header("etag"), Some("W/\"1\""));
}

#[tokio::test]
async fn unauthorized_domain_is_refused_on_create_and_on_change() {
    let t = TestServer::demo().await;
    let r = t
        .post("/Users", &new_user("eve@elsewhere.test", "Eve", "Out"))
        .await;
    let r = r.expect_error(400, Some("invalidValue"));
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("elsewhere.test")
    );

    let user = t
        .create_user(&format!("ok.user@{DOMAIN}"), "Ok", "User")
        .await;
    let id = user["id"].as_str().unwrap();
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "emails", "value": [{"value": "ok@elsewhere.test", "type": "home"}]}]});
    t.patch(&format!("/Users/{id}"), &patch)
        .await
        .expect_error(400, Some("invalidValue"));
    // A userName that is not an email address is allowed (SCIM allows any string).
    t.post("/Users", &json!({"userName": "7a1c8f2e-uuid-like"}))
        .await
        .expect(201);
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let t = TestServer::demo().await;
    let email = format!("twin@{DOMAIN}");
    t.create_user(&email, "Twin", "One").await;
    let r = t
        .post("/Users", &new_user(&email.to_uppercase(), "Twin", "Two"))
        .await;
    r.expect_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn malformed_json_wrong_types_and_unknown_attributes_are_400() {
    let t = TestServer::demo().await;
    let raw = t
        .client
        .post(t.url("/Users"))
        .bearer_auth(&t.token)
        .header("content-type", "application/scim+json")
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    TestServer::reply(raw)
        .await
        .expect_error(400, Some("invalidSyntax"));

    let wrong_type = json!({"userName": format!("a@{DOMAIN}"), "active": 42});
    t.post("/Users", &wrong_type)
        .await
        .expect_error(400, Some("invalidValue"));
    let wrong_type = json!({"userName": format!("a@{DOMAIN}"), "name": "just a string"});
    t.post("/Users", &wrong_type)
        .await
        .expect_error(400, Some("invalidValue"));
    let unknown = json!({"userName": format!("a@{DOMAIN}"), "shoeSize": 44});
    let r = t.post("/Users", &unknown).await.expect(400);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("shoeSize"),
        "{:#}",
        r.body
    );
    let missing = json!({"name": {"givenName": "No"}});
    t.post("/Users", &missing)
        .await
        .expect_error(400, Some("invalidValue"));
    let not_object = json!(["a"]);
    t.post("/Users", &not_object)
        .await
        .expect_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn entitlements_must_name_existing_licenses_and_are_canonicalised() {
    let t = TestServer::demo().await;
    let mut body = new_user(&format!("lic@{DOMAIN}"), "Lic", "Holder");
    body["entitlements"] = json!([{"value": "Office Suite"}, {"value": "design"}]);
    let r = t.post("/Users", &body).await.expect(201);
    let values: Vec<&str> = r.body["entitlements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["office", "design"]);
    assert_eq!(r.body["entitlements"][0]["display"], "Office Suite");

    body["userName"] = json!(format!("lic2@{DOMAIN}"));
    body["emails"] = json!([]);
    body["entitlements"] = json!([{"value": "no-such-license"}]);
    let r = t
        .post("/Users", &body)
        .await
        .expect_error(400, Some("invalidValue"));
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("no-such-license")
    );
}

#[tokio::test]
async fn put_replaces_and_keeps_id_and_bumps_version() {
    let t = TestServer::demo().await;
    let email = format!("put.me@{DOMAIN}");
    let user = t.create_user(&email, "Put", "Me").await;
    let id = user["id"].as_str().unwrap();
    let mut body = new_user(&email, "Putty", "Me");
    body["title"] = json!("Analyst");
    body["id"] = json!("ignored-readonly");
    let r = t.put(&format!("/Users/{id}"), &body).await.expect(200);
    assert_eq!(r.body["id"], id);
    assert_eq!(r.body["name"]["givenName"], "Putty");
    assert_eq!(r.body["title"], "Analyst");
    assert_eq!(r.header("etag"), Some("W/\"2\""));
    t.put("/Users/does-not-exist", &body)
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn patch_answers_200_with_full_resource_and_accepts_liberal_forms() {
    let t = TestServer::demo().await;
    let user = t
        .create_user(&format!("patchy@{DOMAIN}"), "Patchy", "User")
        .await;
    let id = user["id"].as_str().unwrap();
    let path = format!("/Users/{id}");
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "replace", "path": "name.givenName", "value": "Patched"},
        {"op": "add", "path": format!("{EXT}:organisationAdministrator"), "value": true},
    ]});
    let r = t.patch(&path, &ops).await.expect(200);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["name"]["givenName"], "Patched");
    assert_eq!(r.body["name"]["familyName"], "User");
    assert_eq!(r.body[EXT]["organisationAdministrator"], true);
    assert_eq!(r.body["userName"], format!("patchy@{DOMAIN}"));

    // Value path on a multi-valued attribute.
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": format!("patchy2@{DOMAIN}")},
    ]});
    let r = t.patch(&path, &ops).await.expect(200);
    assert_eq!(r.body["emails"][0]["value"], format!("patchy2@{DOMAIN}"));

    let bad = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": "emails[type eq ", "value": "x"}]});
    t.patch(&path, &bad)
        .await
        .expect_error(400, Some("invalidPath"));
    let read_only = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": "groups", "value": []}]});
    t.patch(&path, &read_only)
        .await
        .expect_error(400, Some("mutability"));
    let no_path_remove = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "remove"}]});
    t.patch(&path, &no_path_remove)
        .await
        .expect_error(400, Some("noTarget"));
}

#[tokio::test]
async fn enabling_local_login_records_a_set_password_email() {
    let t = TestServer::demo().await;
    let user = t.create_user(&format!("local@{DOMAIN}"), "Lo", "Cal").await;
    let id = user["id"].as_str().unwrap();
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": format!("{EXT}:localLogin"), "value": true}]});
    t.patch(&format!("/Users/{id}"), &ops).await.expect(200);
    // Setting it again does not send a second email.
    t.patch(&format!("/Users/{id}"), &ops).await.expect(200);
    let list = t
        .get(&format!("/Invitations?filter=userId%20eq%20%22{id}%22"))
        .await
        .expect(200);
    let kinds: Vec<&str> = list.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["invitation", "setPassword"]);
}

#[tokio::test]
async fn resend_invitation_records_a_new_email() {
    let t = TestServer::demo().await;
    let user = t
        .create_user(&format!("again@{DOMAIN}"), "Again", "Please")
        .await;
    let id = user["id"].as_str().unwrap();
    let r = t
        .post("/Invitations", &json!({"userId": id}))
        .await
        .expect(201);
    assert_eq!(r.body["kind"], "invitation");
    assert!(r.header("location").is_some());
    let list = t
        .get(&format!("/Invitations?filter=userId%20eq%20%22{id}%22"))
        .await
        .expect(200);
    assert_eq!(list.body["totalResults"], 2);
    t.post("/Invitations", &json!({"userId": "nobody"}))
        .await
        .expect_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn delete_removes_user_and_all_its_data() {
    let t = TestServer::demo().await;
    let email = format!("gone@{DOMAIN}");
    let mut body = new_user(&email, "Soon", "Gone");
    body["entitlements"] = json!([{"value": "office"}]);
    let user = t.post("/Users", &body).await.expect(201).body;
    let id = user["id"].as_str().unwrap();
    let groups = t
        .get("/Groups?filter=displayName%20eq%20%22Finance%22")
        .await
        .expect(200);
    let gid = groups.body["Resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let add = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": id}]}]});
    t.patch(&format!("/Groups/{gid}"), &add).await.expect(200);

    let r = t.delete(&format!("/Users/{id}")).await.expect(204);
    assert_eq!(r.body, serde_json::Value::Null);
    t.get(&format!("/Users/{id}")).await.expect_error(404, None);
    t.delete(&format!("/Users/{id}"))
        .await
        .expect_error(404, None);
    let group = t.get(&format!("/Groups/{gid}")).await.expect(200);
    let still_member = group.body["members"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["value"] == id);
    assert!(!still_member);
    let inv = t
        .get(&format!("/Invitations?filter=userId%20eq%20%22{id}%22"))
        .await
        .expect(200);
    assert_eq!(inv.body["totalResults"], 0);
    // The name is free again.
    t.create_user(&email, "Back", "Again").await;
}

#[tokio::test]
async fn if_match_guards_put_patch_and_delete() {
    let t = TestServer::demo().await;
    let user = t.create_user(&format!("etag@{DOMAIN}"), "E", "Tag").await;
    let id = user["id"].as_str().unwrap();
    let path = format!("/Users/{id}");
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": "title", "value": "One"}]});
    let r = t
        .call_as(
            &t.token,
            reqwest::Method::PATCH,
            &path,
            Some(&ops),
            &[("If-Match", "W/\"1\"")],
        )
        .await
        .expect(200);
    assert_eq!(r.header("etag"), Some("W/\"2\""));
    t.call_as(
        &t.token,
        reqwest::Method::PATCH,
        &path,
        Some(&ops),
        &[("If-Match", "W/\"1\"")],
    )
    .await
    .expect_error(412, None);
    let body = new_user(&format!("etag@{DOMAIN}"), "E", "Tag");
    t.call_as(
        &t.token,
        reqwest::Method::PUT,
        &path,
        Some(&body),
        &[("If-Match", "W/\"1\"")],
    )
    .await
    .expect_error(412, None);
    t.call_as(
        &t.token,
        reqwest::Method::DELETE,
        &path,
        None,
        &[("If-Match", "W/\"1\"")],
    )
    .await
    .expect_error(412, None);
    t.call_as(
        &t.token,
        reqwest::Method::DELETE,
        &path,
        None,
        &[("If-Match", "W/\"2\"")],
    )
    .await
    .expect(204);
}

#[tokio::test]
async fn concurrent_conflicting_patches_one_wins_one_gets_412() {
    let t = TestServer::demo().await;
    let user = t
        .create_user(&format!("race@{DOMAIN}"), "Race", "Condition")
        .await;
    let id = user["id"].as_str().unwrap();
    let path = format!("/Users/{id}");
    let op = |title: &str| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
        {"op": "replace", "path": "title", "value": title}]})
    };
    let (a, b) = (op("A"), op("B"));
    let headers = [("If-Match", "W/\"1\"")];
    let (ra, rb) = tokio::join!(
        t.call_as(&t.token, reqwest::Method::PATCH, &path, Some(&a), &headers),
        t.call_as(&t.token, reqwest::Method::PATCH, &path, Some(&b), &headers),
    );
    let mut statuses = [ra.status.as_u16(), rb.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412]);
    let winner = if ra.status == 200 { "A" } else { "B" };
    assert_eq!(t.get(&path).await.expect(200).body["title"], winner);
}

#[tokio::test]
async fn me_returns_the_caller() {
    let t = TestServer::demo().await;
    let r = t.get("/Me").await.expect(200);
    assert_eq!(
        r.body["userName"],
        "camille.laurent@lumen-analytics.example"
    );
    assert_eq!(r.body[EXT]["organisationAdministrator"], true);
}

#[tokio::test]
async fn attributes_and_excluded_attributes_on_get() {
    let t = TestServer::demo().await;
    let user = t
        .create_user(&format!("proj@{DOMAIN}"), "Pro", "Jection")
        .await;
    let id = user["id"].as_str().unwrap();
    let r = t
        .get(&format!("/Users/{id}?attributes=userName"))
        .await
        .expect(200);
    assert_eq!(r.body["id"], id);
    assert!(r.body.get("userName").is_some());
    assert!(r.body.get("name").is_none(), "{:#}", r.body);
    assert!(r.body.get("emails").is_none());
    let r = t
        .get(&format!("/Users/{id}?excludedAttributes=emails,name"))
        .await
        .expect(200);
    assert!(r.body.get("emails").is_none());
    assert!(r.body.get("name").is_none());
    assert!(r.body.get("userName").is_some());
}
