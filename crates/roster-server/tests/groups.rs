//! /Groups over real HTTP: members, group licenses, inherited licenses and seats.

mod common;

use common::{DOMAIN, TestServer, new_user};
use serde_json::{Value, json};

const EXT_USER: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:User";
const EXT_GROUP: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:Group";

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

#[tokio::test]
async fn group_lifecycle_with_members_and_inherited_licenses() {
    let t = TestServer::demo().await;
    let a = t.create_user(&format!("ga@{DOMAIN}"), "Group", "A").await;
    let b = t.create_user(&format!("gb@{DOMAIN}"), "Group", "B").await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", EXT_GROUP],
        "displayName": "Auditors",
        "members": [{"value": a_id}],
        EXT_GROUP: {"licenses": [{"value": "Analytics Pro"}]},
    });
    let r = t.post("/Groups", &body).await.expect(201);
    let gid = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["members"][0]["value"], a_id);
    assert_eq!(r.body["members"][0]["type"], "User");
    assert!(
        r.body["members"][0].get("display").is_none(),
        "display is returned on request"
    );
    assert_eq!(r.body[EXT_GROUP]["licenses"][0]["value"], "analytics");

    // The member sees the group and the inherited license.
    let user = t.get(&format!("/Users/{a_id}")).await.expect(200).body;
    assert_eq!(user["groups"][0]["value"], gid.as_str());
    assert_eq!(user["groups"][0]["display"], "Auditors");
    assert!(
        user[EXT_USER].get("inheritedLicenses").is_none(),
        "returned on request only"
    );
    let user = t
        .get(&format!(
            "/Users/{a_id}?attributes=groups,{EXT_USER}:inheritedLicenses"
        ))
        .await
        .expect(200)
        .body;
    let inherited = &user[EXT_USER]["inheritedLicenses"][0];
    assert_eq!(inherited["value"], "analytics");
    assert_eq!(inherited["group"]["value"], gid.as_str());

    // Add and remove members, in every form clients send.
    let path = format!("/Groups/{gid}");
    t.patch(
        &path,
        &patch(json!([{"op": "add", "path": "members", "value": [{"value": b_id}]}])),
    )
    .await
    .expect(200);
    let r = t
        .patch(
            &path,
            &patch(json!([{"op": "remove", "path": format!("members[value eq \"{a_id}\"]")}])),
        )
        .await
        .expect(200);
    let members: Vec<&str> = r.body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(members, [b_id]);
    let r = t
        .patch(
            &path,
            &patch(json!([{"op": "Remove", "path": "members", "value": [{"value": b_id}]}])),
        )
        .await
        .expect(200);
    assert!(r.body.get("members").is_none(), "{:#}", r.body);
    let user = t.get(&format!("/Users/{a_id}")).await.expect(200).body;
    assert!(user.get("groups").is_none());

    // Unknown members are left out (as provisioning clients expect); a duplicate name
    // is a conflict.
    let r = t
        .patch(
            &path,
            &patch(json!([{"op": "add", "path": "members", "value": [{"value": "nobody"}]}])),
        )
        .await
        .expect(200);
    assert!(r.body.get("members").is_none(), "{:#}", r.body);
    t.post("/Groups", &json!({"displayName": "auditors"}))
        .await
        .expect_error(409, Some("uniqueness"));

    t.delete(&path).await.expect(204);
    t.get(&path).await.expect_error(404, None);
}

#[tokio::test]
async fn licenses_report_seats_and_refuse_beyond_them() {
    let t = TestServer::demo().await;
    let list = t.get("/Licenses").await.expect(200).body;
    assert_eq!(list["totalResults"], 5);
    let design = t.get("/Licenses/design").await.expect(200).body;
    let seats = design["seats"].as_u64().unwrap();
    let used = design["seatsAssigned"].as_u64().unwrap();
    assert!(used <= seats && used > 0, "{design:#}");
    // Fill the remaining seats, then one more is refused.
    for i in 0..(seats - used) {
        let mut body = new_user(&format!("seat{i}@{DOMAIN}"), "Seat", "Taker");
        body["entitlements"] = json!([{"value": "design"}]);
        t.post("/Users", &body).await.expect(201);
    }
    let mut body = new_user(&format!("one.too.many@{DOMAIN}"), "One", "TooMany");
    body["entitlements"] = json!([{"value": "design"}]);
    let r = t
        .post("/Users", &body)
        .await
        .expect_error(400, Some("invalidValue"));
    assert!(
        r.body["detail"].as_str().unwrap().contains("no seat left"),
        "{:#}",
        r.body
    );
    let design = t.get("/Licenses/design").await.expect(200).body;
    assert_eq!(design["seatsAssigned"], seats);
    t.get("/Licenses/nope").await.expect_error(404, None);
}

#[tokio::test]
async fn organisation_is_readable() {
    let t = TestServer::demo().await;
    let org = t.get("/Organisation").await.expect(200).body;
    assert_eq!(org["name"], "Lumen Analytics");
    assert_eq!(
        org["authorizedDomains"],
        json!(["lumen-analytics.example", "lumen.example"])
    );
    assert_eq!(org["identityProviderConfigured"], false);
}

#[tokio::test]
async fn put_replaces_members_and_licenses_and_touches_affected_users() {
    let t = TestServer::demo().await;
    let a = t.create_user(&format!("pa@{DOMAIN}"), "Put", "A").await;
    let b = t.create_user(&format!("pb@{DOMAIN}"), "Put", "B").await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    let created = t
        .post(
            "/Groups",
            &json!({"displayName": "Reviewers", "members": [{"value": a_id}]}),
        )
        .await
        .expect(201)
        .body;
    let gid = created["id"].as_str().unwrap();
    let b_before = t.get(&format!("/Users/{b_id}")).await.expect(200).body;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Reviewers",
        "members": [{"value": b_id, "type": "User"}],
        EXT_GROUP: {"licenses": [{"value": "crm"}]},
    });
    let r = t
        .put(&format!("/Groups/{gid}"), &body)
        .await
        .expect(200)
        .body;
    let members: Vec<&str> = r["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(members, [b_id]);
    assert_eq!(r[EXT_GROUP]["licenses"][0]["value"], "crm");
    assert_eq!(r["meta"]["version"], "W/\"2\"");
    // B joined: its groups changed, so delta sync must see it as modified.
    let b_after = t.get(&format!("/Users/{b_id}")).await.expect(200).body;
    assert_ne!(
        b_after["meta"]["lastModified"],
        b_before["meta"]["lastModified"]
    );
    assert_ne!(b_after["meta"]["version"], b_before["meta"]["version"]);
    assert_eq!(b_after["groups"][0]["value"], gid);
    // Replace all members through PATCH.
    let r = t
        .patch(&format!("/Groups/{gid}"), &patch(json!([{"op": "replace", "path": "members", "value": [{"value": a_id}, {"value": b_id}]}])))
        .await
        .expect(200)
        .body;
    assert_eq!(r["members"].as_array().unwrap().len(), 2);
    // Removing the whole members attribute empties the group.
    let r = t
        .patch(
            &format!("/Groups/{gid}"),
            &patch(json!([{"op": "remove", "path": "members"}])),
        )
        .await
        .expect(200)
        .body;
    assert!(r.get("members").is_none());
}

#[tokio::test]
async fn group_licenses_beyond_seats_are_refused() {
    let t = TestServer::demo().await;
    let design = t.get("/Licenses/design").await.expect(200).body;
    let free = design["seats"].as_u64().unwrap() - design["seatsAssigned"].as_u64().unwrap();
    // A group of more users than there are free seats cannot get the license.
    let mut members = Vec::new();
    for i in 0..=free {
        let u = t
            .create_user(&format!("big{i}@{DOMAIN}"), "Big", "Group")
            .await;
        members.push(json!({"value": u["id"]}));
    }
    let body = json!({"displayName": "Too Big", "members": members, EXT_GROUP: {"licenses": [{"value": "design"}]}});
    let r = t
        .post("/Groups", &body)
        .await
        .expect_error(400, Some("invalidValue"));
    assert!(
        r.body["detail"].as_str().unwrap().contains("no seat left"),
        "{:#}",
        r.body
    );
    assert!(
        t.get("/Groups?filter=displayName%20eq%20%22Too%20Big%22")
            .await
            .expect(200)
            .body["totalResults"]
            == 0
    );
}
