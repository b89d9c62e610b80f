//! The interoperability switches: each does what it says, and discovery says so.

mod common;

use common::{DOMAIN, TestServer, new_user, urlencode};
use reqwest::Method;
use roster_server::switches::Switches;
use serde_json::{Value, json};

const EXT: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:User";

async fn with(switches: Switches) -> TestServer {
    TestServer::demo_with(|c| c.switches = switches).await
}

async fn spc(t: &TestServer) -> Value {
    t.get("/ServiceProviderConfig").await.expect(200).body
}

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

fn bulk(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops})
}

async fn a_user(t: &TestServer, local: &str) -> String {
    let user = t
        .create_user(&format!("{local}@{DOMAIN}"), "Swi", "Tch")
        .await;
    user["id"].as_str().unwrap().to_owned()
}

/// A group of the demo organisation and the ids of two of its members.
async fn group_with_members(t: &TestServer) -> (String, String, String) {
    let groups = t.get("/Groups?count=100").await.expect(200).body;
    let group = groups["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["members"].as_array().is_some_and(|m| m.len() >= 2))
        .expect("a demo group with two members")
        .clone();
    let member = |i: usize| group["members"][i]["value"].as_str().unwrap().to_owned();
    (
        group["id"].as_str().unwrap().to_owned(),
        member(0),
        member(1),
    )
}

#[tokio::test]
async fn no_filter_ignores_the_filter_and_says_so() {
    let t = with(Switches {
        no_filter: true,
        ..Switches::default()
    })
    .await;
    assert_eq!(spc(&t).await["filter"]["supported"], false);
    let all = t.get("/Users?count=0").await.expect(200).body["totalResults"].clone();
    let filter = urlencode("userName eq \"nobody@nowhere.example\"");
    let filtered = t
        .get(&format!("/Users?count=0&filter={filter}"))
        .await
        .expect(200)
        .body;
    assert_eq!(filtered["totalResults"], all);
    let searched = t
        .post(
            "/Users/.search",
            &json!({"filter": "userName eq \"nobody@nowhere.example\"", "count": 0}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(searched["totalResults"], all);
}

#[tokio::test]
async fn refuse_last_modified_filter_answers_invalid_filter() {
    let t = with(Switches {
        refuse_last_modified_filter: true,
        ..Switches::default()
    })
    .await;
    assert_eq!(spc(&t).await["filter"]["supported"], true);
    for filter in [
        "meta.lastModified gt \"2020-01-01T00:00:00Z\"",
        "userName sw \"a\" and META.LASTMODIFIED ge \"2020-01-01T00:00:00Z\"",
    ] {
        let r = t
            .get(&format!("/Users?filter={}", urlencode(filter)))
            .await
            .expect_error(400, Some("invalidFilter"));
        assert_eq!(r.body["detail"], "Unknown attribute: meta.lastModified");
    }
    // Other filters work, a string that merely mentions it too.
    t.get(&format!("/Users?filter={}", urlencode("userName sw \"a\"")))
        .await
        .expect(200);
    t.get(&format!(
        "/Groups?filter={}",
        urlencode("displayName eq \"meta.lastModified\"")
    ))
    .await
    .expect(200);
}

#[tokio::test]
async fn refuse_value_path_remove_answers_501_for_that_form_only() {
    let t = with(Switches {
        refuse_value_path_remove: true,
        ..Switches::default()
    })
    .await;
    assert_eq!(spc(&t).await["patch"]["supported"], true);
    let (gid, first, second) = group_with_members(&t).await;
    let path = format!("/Groups/{gid}");
    let r = t
        .patch(
            &path,
            &patch(json!([{"op": "remove", "path": format!("members[value eq \"{first}\"]")}])),
        )
        .await
        .expect_error(501, None);
    assert!(
        r.body["detail"].as_str().unwrap().contains("\"value\""),
        "{:#}",
        r.body
    );
    let members = |g: &Value| -> Vec<String> {
        g["members"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| m["value"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        members(&t.get(&path).await.expect(200).body).contains(&first),
        "unchanged"
    );
    let after = t
        .patch(
            &path,
            &patch(json!([{"op": "remove", "path": "members", "value": [{"value": first}]}])),
        )
        .await
        .expect(200)
        .body;
    let left = members(&after);
    assert!(!left.contains(&first) && left.contains(&second), "{left:?}");
}

#[tokio::test]
async fn no_patch_answers_501_and_says_so() {
    let t = with(Switches {
        no_patch: true,
        ..Switches::default()
    })
    .await;
    assert_eq!(spc(&t).await["patch"]["supported"], false);
    let id = a_user(&t, "nopatch").await;
    let ops = patch(json!([{"op": "replace", "path": "title", "value": "x"}]));
    t.patch(&format!("/Users/{id}"), &ops)
        .await
        .expect_error(501, None);
    let r = t
        .post(
            "/Bulk",
            &bulk(json!([{"method": "PATCH", "path": format!("/Users/{id}"), "data": ops}])),
        )
        .await
        .expect(200);
    assert_eq!(r.body["Operations"][0]["status"], "501");
    assert!(
        t.get(&format!("/Users/{id}"))
            .await
            .expect(200)
            .body
            .get("title")
            .is_none()
    );
}

#[tokio::test]
async fn delete_deactivates_keeps_the_user_inactive() {
    let t = with(Switches {
        delete_deactivates: true,
        ..Switches::default()
    })
    .await;
    let id = a_user(&t, "deleted").await;
    t.delete(&format!("/Users/{id}")).await.expect(204);
    let user = t.get(&format!("/Users/{id}")).await.expect(200).body;
    assert_eq!(user["active"], false);
    let other = a_user(&t, "bulkdeleted").await;
    let r = t
        .post(
            "/Bulk",
            &bulk(json!([{"method": "DELETE", "path": format!("/Users/{other}")}])),
        )
        .await
        .expect(200);
    assert_eq!(r.body["Operations"][0]["status"], "204");
    assert_eq!(
        t.get(&format!("/Users/{other}")).await.expect(200).body["active"],
        false
    );
    // Groups are still deleted.
    let (gid, _, _) = group_with_members(&t).await;
    t.delete(&format!("/Groups/{gid}")).await.expect(204);
    t.get(&format!("/Groups/{gid}"))
        .await
        .expect_error(404, None);
}

#[tokio::test]
async fn no_bulk_answers_501_and_says_so() {
    let t = with(Switches {
        no_bulk: true,
        ..Switches::default()
    })
    .await;
    assert_eq!(spc(&t).await["bulk"]["supported"], false);
    let ops = bulk(json!([{"method": "POST", "path": "/Users", "bulkId": "a",
        "data": new_user(&format!("bulk@{DOMAIN}"), "Bu", "Lk")}]));
    t.post("/Bulk", &ops).await.expect_error(501, None);
    assert!(
        t.user_names(&format!("userName eq \"bulk@{DOMAIN}\""))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn no_etag_drops_versions_and_ignores_if_match() {
    let t = with(Switches {
        no_etag: true,
        ..Switches::default()
    })
    .await;
    assert_eq!(spc(&t).await["etag"]["supported"], false);
    let created = t
        .post("/Users", &new_user(&format!("etag@{DOMAIN}"), "E", "Tag"))
        .await
        .expect(201);
    assert!(created.header("etag").is_none());
    assert!(
        created.body["meta"].get("version").is_none(),
        "{:#}",
        created.body
    );
    let id = created.body["id"].as_str().unwrap().to_owned();
    let got = t.get(&format!("/Users/{id}")).await.expect(200);
    assert!(got.header("etag").is_none());
    assert!(got.body["meta"].get("version").is_none());
    assert!(
        got.body["meta"]["location"].is_string(),
        "the rest of meta stays"
    );
    let listed = t.get("/Users?count=5").await.expect(200).body;
    for r in listed["Resources"].as_array().unwrap() {
        assert!(r["meta"].get("version").is_none(), "{r:#}");
    }
    let mut body = new_user(&format!("etag@{DOMAIN}"), "E", "Tagged");
    body["title"] = json!("put");
    t.call_as(
        &t.token,
        Method::PUT,
        &format!("/Users/{id}"),
        Some(&body),
        &[("if-match", "W/\"999\"")],
    )
    .await
    .expect(200);
    let r = t
        .post(
            "/Bulk",
            &bulk(
                json!([{"method": "PATCH", "path": format!("/Users/{id}"), "version": "W/\"999\"",
            "data": patch(json!([{"op": "replace", "path": "title", "value": "bulk"}]))}]),
            ),
        )
        .await
        .expect(200);
    let op = &r.body["Operations"][0];
    assert_eq!(op["status"], "200", "{op:#}");
    assert!(op.get("version").is_none(), "{op:#}");
}

#[tokio::test]
async fn no_roster_extension_hides_it_everywhere() {
    let t = with(Switches {
        no_roster_extension: true,
        ..Switches::default()
    })
    .await;
    let schemas = t.get("/Schemas").await.expect(200).body;
    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| !id.starts_with("urn:roster:")),
        "{ids:?}"
    );
    t.get(&format!("/Schemas/{EXT}"))
        .await
        .expect_error(404, None);
    let types = t.get("/ResourceTypes").await.expect(200).body;
    let names: Vec<&str> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["User", "Group"]);
    for r in types["Resources"].as_array().unwrap() {
        assert_eq!(r["schemaExtensions"], json!([]), "{r:#}");
    }
    let me = t.get("/Me").await.expect(200).body;
    assert!(
        me.get(EXT).is_none() && !me["schemas"].to_string().contains("urn:roster"),
        "{me:#}"
    );
    let listed = t.get("/Users?count=5").await.expect(200).body;
    assert!(!listed.to_string().contains("urn:roster"), "{listed:#}");
    let filter = urlencode("organisationAdministrator eq true");
    let r = t
        .get(&format!("/Users?filter={filter}"))
        .await
        .expect_error(400, Some("invalidFilter"));
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("Unknown attribute"),
        "{:#}",
        r.body
    );
    t.get("/Licenses").await.expect_error(404, None);
    t.get("/Invitations").await.expect_error(404, None);
    let mut with_ext = new_user(&format!("ext@{DOMAIN}"), "E", "Xt");
    with_ext[EXT] = json!({"organisationAdministrator": true});
    t.post("/Users", &with_ext)
        .await
        .expect_error(400, Some("invalidPath"));
    let id = me["id"].as_str().unwrap().to_owned();
    for path in ["organisationAdministrator", &format!("{EXT}:localLogin")] {
        t.patch(
            &format!("/Users/{id}"),
            &patch(json!([{"op": "replace", "path": path, "value": false}])),
        )
        .await
        .expect_error(400, Some("invalidPath"));
    }
    t.patch(
        &format!("/Users/{id}"),
        &patch(json!([{"op": "replace", "value": {EXT: {"localLogin": false}}}])),
    )
    .await
    .expect_error(400, Some("invalidPath"));
    // A PUT cannot name the extension, so it keeps what is stored: the admin stays one.
    let mut replacement = me.clone();
    replacement["title"] = json!("Still admin");
    t.put(&format!("/Users/{id}"), &replacement)
        .await
        .expect(200);
    let me_again = t.get("/Me").await.expect(200).body;
    assert_eq!(me_again["title"], "Still admin");
}

#[tokio::test]
async fn users_without_groups_leave_membership_to_groups() {
    let t = with(Switches {
        users_without_groups: true,
        ..Switches::default()
    })
    .await;
    let (gid, member, _) = group_with_members(&t).await;
    let user = t.get(&format!("/Users/{member}")).await.expect(200).body;
    assert!(user.get("groups").is_none(), "{user:#}");
    let listed = t.get("/Users?count=300").await.expect(200).body;
    assert!(
        listed["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("groups").is_none())
    );
    let group = t.get(&format!("/Groups/{gid}")).await.expect(200).body;
    assert!(
        group["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == member.as_str())
    );
    let schema = t
        .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
        .await
        .expect(200)
        .body;
    assert!(
        schema["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["name"] != "groups"),
        "the User schema does not list groups"
    );
}

#[tokio::test]
async fn by_default_everything_is_on() {
    let t = TestServer::demo().await;
    let spc = spc(&t).await;
    for feature in ["filter", "patch", "bulk", "etag"] {
        assert_eq!(spc[feature]["supported"], true, "{feature}");
    }
    let (_, member, _) = group_with_members(&t).await;
    let user = t.get(&format!("/Users/{member}")).await.expect(200);
    assert!(user.header("etag").is_some());
    assert!(user.body["groups"].is_array() && user.body[EXT].is_object());
}
