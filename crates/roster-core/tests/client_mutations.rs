//! Every mutation, and the server's state after it.

mod support;

use roster_core::CoreError;
use roster_core::client::{ApiClient, bulk_error};
use roster_core::model::{GroupId, InvitationStatus, LicenseGrant, LicenseId, LicenseOrigin};
use roster_proto::{BulkOperation, PatchOp};
use serde_json::json;
use support::proxy::FaultProxy;
use support::{EMPTY_DOMAIN, TestServer, fast_options, new_user, profile, urlencode};

const EXT: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:User";

/// Kinds of the emails the server recorded for `user_id`.
async fn emails_of(t: &TestServer, user_id: &str) -> Vec<String> {
    let filter = urlencode(&format!("userId eq \"{user_id}\""));
    let body = t.get(&format!("/Invitations?filter={filter}")).await;
    body["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn create_user_with_flags_licenses_and_groups() {
    let t = TestServer::demo().await;
    let client = t.connected().await;
    let engineering = GroupId::from(t.group_id("Engineering").await);
    let mut new = new_user("Nina.Petrova@lumen.example", "Nina", "Petrova");
    new.admin = true;
    new.local_login = true;
    new.licenses = vec![LicenseId::from("office")];
    new.groups = vec![engineering.clone()];
    let user = client.create_user(&new).await.expect("created");

    assert_eq!(user.user_name, "Nina.Petrova@lumen.example");
    assert_eq!(user.full_name(), "Nina Petrova");
    assert!(user.admin && user.local_login && user.active);
    assert_eq!(user.groups, std::slice::from_ref(&engineering));
    assert!(user.licenses.contains(&LicenseGrant {
        license: LicenseId::from("office"),
        origin: LicenseOrigin::Direct,
    }));
    assert!(user.licenses.contains(&LicenseGrant {
        license: LicenseId::from("analytics"),
        origin: LicenseOrigin::Group(engineering.clone()),
    }));
    assert!(matches!(
        user.invitation,
        InvitationStatus::Pending(Some(_))
    ));

    // What the server holds.
    let doc = t.get(&format!("/Users/{}", user.id)).await;
    assert_eq!(doc["emails"][0]["value"], "Nina.Petrova@lumen.example");
    assert_eq!(doc["emails"][0]["primary"], true);
    assert_eq!(doc[EXT]["organisationAdministrator"], true);
    assert_eq!(doc["entitlements"][0]["value"], "office");
    let group = t.get(&format!("/Groups/{engineering}")).await;
    assert!(
        group["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == user.id.as_str())
    );
    // The invitation email (local login at creation rides on it).
    assert_eq!(emails_of(&t, user.id.as_str()).await, ["invitation"]);

    // The same userName again (any case), and a domain the organisation does not own.
    let again = client
        .create_user(&new_user("nina.petrova@LUMEN.example", "N", "P"))
        .await;
    assert!(
        matches!(again, Err(CoreError::AlreadyExists { .. })),
        "{again:?}"
    );
    let outside = client
        .create_user(&new_user("mallory@evil.example", "Mal", "Lory"))
        .await;
    match outside {
        Err(CoreError::DomainNotAuthorized { detail }) => {
            assert!(detail.contains("evil.example"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    // Licenses beyond what exists are refused as such.
    let mut bad = new_user("bad.license@lumen.example", "Bad", "License");
    bad.licenses = vec![LicenseId::from("no-such-license")];
    assert!(matches!(
        client.create_user(&bad).await,
        Err(CoreError::Rejected { status: 400, .. })
    ));
}

#[tokio::test]
async fn patch_user_with_versions_and_conflicts() {
    let t = TestServer::demo().await;
    let client = t.connected().await;
    let users = client.load_users(|_, _| {}).await.expect("users");
    let target = users.iter().find(|u| !u.admin).expect("a non-admin");
    let v1 = target.version.clone().expect("version");

    let patched = client
        .patch_user(
            &target.id,
            &[
                PatchOp::replace(format!("{EXT}:organisationAdministrator"), json!(true)),
                PatchOp::replace("name.givenName", json!("Renamed")),
            ],
            Some(&v1),
        )
        .await
        .expect("patched");
    assert!(patched.admin);
    assert_eq!(patched.given_name, "Renamed");
    let v2 = patched.version.clone().expect("version");
    assert_ne!(v1, v2);
    assert!(
        patched.last_connection == target.last_connection,
        "computed attributes come back"
    );

    // The administrator's copy is stale: 412 → Conflict, and nothing changes.
    let stale = client
        .patch_user(
            &target.id,
            &[PatchOp::replace("name.givenName", json!("Lost"))],
            Some(&v1),
        )
        .await;
    assert_eq!(stale, Err(CoreError::Conflict));
    assert_eq!(
        t.get(&format!("/Users/{}", target.id)).await["name"]["givenName"],
        "Renamed"
    );
    // Without If-Match the last writer wins.
    let forced = client
        .patch_user(
            &target.id,
            &[PatchOp::add("entitlements", json!([{"value": "design"}]))],
            None,
        )
        .await
        .expect("patched");
    assert!(forced.direct_licenses().any(|l| l.as_str() == "design"));
    assert!(matches!(
        client
            .patch_user(
                &roster_core::model::UserId::from("no-such-user"),
                &[PatchOp::replace("active", json!(false))],
                None
            )
            .await,
        Err(CoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn delete_user_honours_if_match() {
    let t = TestServer::demo().await;
    let client = t.connected().await;
    let user = client
        .create_user(&new_user("leaving@lumen.example", "Leaving", "Soon"))
        .await
        .expect("created");
    let v1 = user.version.clone().expect("version");
    client
        .patch_user(&user.id, &[PatchOp::replace("title", json!("Temp"))], None)
        .await
        .expect("changed by someone");
    assert_eq!(
        client.delete_user(&user.id, Some(&v1)).await,
        Err(CoreError::Conflict)
    );
    let current = client.get_user(&user.id).await.expect("still there");
    client
        .delete_user(&user.id, current.version.as_deref())
        .await
        .expect("deleted");
    let (status, _) = t.raw("GET", &format!("/Users/{}", user.id), None).await;
    assert_eq!(status, 404);
    assert!(matches!(
        client.delete_user(&user.id, None).await,
        Err(CoreError::NotFound { .. })
    ));
}

#[tokio::test]
async fn group_members_invitations_and_lookup_by_user_name() {
    let t = TestServer::demo().await;
    let client = t.connected().await;
    let sales = GroupId::from(t.group_id("Sales").await);
    let a = client
        .create_user(&new_user("ada.member@lumen.example", "Ada", "Member"))
        .await
        .expect("a");
    let b = client
        .create_user(&new_user("bo.member@lumen.example", "Bo", "Member"))
        .await
        .expect("b");
    let group = client
        .set_group_members(&sales, &[a.id.clone(), b.id.clone()], &[])
        .await
        .expect("added");
    assert!(group.members.contains(&a.id) && group.members.contains(&b.id));
    // Replaying the same change is harmless.
    client
        .set_group_members(&sales, std::slice::from_ref(&a.id), &[])
        .await
        .expect("again");
    let a_now = client.get_user(&a.id).await.expect("a");
    assert_eq!(a_now.groups, std::slice::from_ref(&sales));
    assert!(
        a_now
            .licenses
            .iter()
            .any(|g| g.origin == LicenseOrigin::Group(sales.clone()))
    );

    let group = client
        .set_group_members(&sales, &[], std::slice::from_ref(&a.id))
        .await
        .expect("removed");
    assert!(!group.members.contains(&a.id) && group.members.contains(&b.id));
    let on_server = t.get(&format!("/Groups/{sales}")).await;
    let members: Vec<&str> = on_server["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["value"].as_str())
        .collect();
    assert!(!members.contains(&a.id.as_str()) && members.contains(&b.id.as_str()));
    assert!(client.get_user(&a.id).await.expect("a").groups.is_empty());

    // Invitations.
    assert_eq!(emails_of(&t, a.id.as_str()).await, ["invitation"]);
    client.resend_invitation(&a.id).await.expect("resent");
    assert_eq!(
        emails_of(&t, a.id.as_str()).await,
        ["invitation", "invitation"]
    );

    // Lookup by userName, case-insensitively.
    let found = client
        .find_user_by_user_name("ADA.member@lumen.example")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.id, a.id);
    assert!(
        client
            .find_user_by_user_name("nobody@lumen.example")
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        client
            .find_user_by_user_name(r#"quote"and\slash@lumen.example"#)
            .await
            .expect("escaped")
            .is_none()
    );
}

#[tokio::test]
async fn bulk_reports_each_operation() {
    let t = TestServer::demo().await;
    let client = t.connected().await;
    let results = client
        .bulk(vec![
            BulkOperation {
                method: "POST".into(),
                bulk_id: Some("one".into()),
                version: None,
                path: "/Users".into(),
                data: Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "bulk.one@lumen.example",
                })),
            },
            BulkOperation {
                method: "POST".into(),
                bulk_id: Some("two".into()),
                version: None,
                path: "/Users".into(),
                data: Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "bulk.two@elsewhere.example",
                })),
            },
        ])
        .await
        .expect("bulk");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].status_code(), 201);
    assert_eq!(bulk_error(&results[0]), None);
    assert!(matches!(
        bulk_error(&results[1]),
        Some(CoreError::DomainNotAuthorized { .. })
    ));
    let too_many: Vec<BulkOperation> = (0..1001)
        .map(|i| BulkOperation {
            method: "DELETE".into(),
            bulk_id: None,
            version: None,
            path: format!("/Users/x{i}"),
            data: None,
        })
        .collect();
    assert!(matches!(
        client.bulk(too_many).await,
        Err(CoreError::Rejected { status: 413, .. })
    ));
}

#[tokio::test]
async fn create_users_in_bulk_batches() {
    let t = TestServer::empty().await;
    let (status, group) = t
        .raw(
            "POST",
            "/Groups",
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Imported",
            })),
        )
        .await;
    assert_eq!(status, 201);
    let imported = GroupId::from(group["id"].as_str().unwrap().to_owned());
    // Count /Bulk requests on the way (no faults).
    let proxy = FaultProxy::start(t.server.addr(), 0, 7).await;
    let client = ApiClient::with_options(&profile(&proxy.base_url(), &t.token), fast_options())
        .expect("client");
    client.connect().await.expect("connects");
    let existing = t
        .get("/Users?count=1")
        .await
        .get("Resources")
        .and_then(|r| r[0]["userName"].as_str().map(str::to_owned))
        .expect("bootstrap admin");

    let mut users: Vec<_> = (0..2500)
        .map(|i| {
            let mut u = new_user(
                &format!("user{i:04}@{EMPTY_DOMAIN}"),
                "Imported",
                &format!("User {i}"),
            );
            u.local_login = i % 10 == 0;
            if i % 5 == 0 {
                u.groups = vec![imported.clone()];
            }
            u
        })
        .collect();
    users[7] = new_user(&existing, "Already", "There");
    users[8] = new_user("outsider@elsewhere.example", "Out", "Sider");

    let bulk_before = proxy.stats().bulk_requests();
    let results = client.create_users(&users).await;
    assert_eq!(
        proxy.stats().bulk_requests() - bulk_before,
        3,
        "three batches"
    );
    assert_eq!(results.len(), 2500);
    assert!(matches!(results[7], Err(CoreError::AlreadyExists { .. })));
    assert!(matches!(
        results[8],
        Err(CoreError::DomainNotAuthorized { .. })
    ));
    for (i, (new, result)) in users.iter().zip(&results).enumerate() {
        if i == 7 || i == 8 {
            continue;
        }
        let user = result.as_ref().unwrap_or_else(|e| panic!("user {i}: {e}"));
        assert_eq!(user.user_name, new.email.as_str(), "order kept");
        assert_eq!(user.local_login, new.local_login);
        assert_eq!(user.groups, new.groups);
        assert!(matches!(user.invitation, InvitationStatus::Pending(_)));
    }
    // 2498 new users plus the bootstrap administrator.
    assert_eq!(t.user_count().await, 2499);
    let group = t.get(&format!("/Groups/{imported}")).await;
    assert_eq!(group["members"].as_array().map(Vec::len), Some(500));
}

#[tokio::test]
async fn create_users_without_bulk_uses_concurrent_posts() {
    let t = TestServer::empty().await;
    let client = t.connected().await;
    let mut caps = client.capabilities().expect("connected");
    caps.bulk = None;
    client.set_capabilities(caps);
    let users: Vec<_> = (0..30)
        .map(|i| {
            new_user(
                &format!("post{i:02}@{EMPTY_DOMAIN}"),
                "Post",
                &format!("{i}"),
            )
        })
        .collect();
    let results = client.create_users(&users).await;
    assert_eq!(results.len(), 30);
    for (new, result) in users.iter().zip(&results) {
        assert_eq!(
            result.as_ref().expect("created").user_name,
            new.email.as_str()
        );
    }
    assert_eq!(t.user_count().await, 31);
    assert!(matches!(
        client.bulk(Vec::new()).await,
        Err(CoreError::Rejected { status: 501, .. })
    ));
}
