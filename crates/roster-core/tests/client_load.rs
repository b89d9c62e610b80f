//! Full load of the demo organisation, paging, and delta sync.

mod support;

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use roster_core::client::{ApiClient, ClientOptions, Expected};
use roster_core::model::{InvitationStatus, LicenseOrigin, UserId};
use serde_json::json;
use support::{TestServer, fast_options};

#[tokio::test]
async fn full_load_of_the_demo_organisation() {
    let t = TestServer::demo().await;
    let client = t.connected().await;
    let calls = Mutex::new(Vec::new());
    let users = client
        .load_users(|loaded, total| calls.lock().unwrap().push((loaded, total)))
        .await
        .expect("users");
    assert_eq!(users.len(), 300);
    assert_eq!(calls.into_inner().unwrap().last(), Some(&(300, 300)));
    // Server order: the seeded administrator comes first.
    assert_eq!(users[0].user_name, roster_server::seed::DEMO_ADMIN);
    let ids: HashSet<&UserId> = users.iter().map(|u| &u.id).collect();
    assert_eq!(ids.len(), 300);

    // Every attribute the grid shows arrived, the `returned: request` ones included.
    assert!(
        users
            .iter()
            .all(|u| u.email.is_some() && u.version.is_some())
    );
    assert!(users.iter().all(|u| u.last_modified.is_some()));
    assert!(users.iter().all(|u| !u.given_name.is_empty()));
    assert!(users.iter().filter(|u| u.admin).count() >= 2);
    assert!(users.iter().any(|u| u.local_login && !u.admin));
    assert!(users.iter().filter(|u| !u.groups.is_empty()).count() > 100);
    assert!(users.iter().any(|u| u.direct_licenses().next().is_some()));
    let inherited = users
        .iter()
        .flat_map(|u| &u.licenses)
        .filter(|g| matches!(g.origin, LicenseOrigin::Group(_)))
        .count();
    assert!(inherited > 50, "inherited licenses: {inherited}");
    assert!(users.iter().filter(|u| u.last_connection.is_some()).count() > 200);
    let pending = users
        .iter()
        .filter(|u| matches!(u.invitation, InvitationStatus::Pending(Some(_))))
        .count();
    let accepted = users
        .iter()
        .filter(|u| u.invitation == InvitationStatus::Accepted)
        .count();
    assert!(pending > 5 && accepted > 200, "{pending} / {accepted}");
    assert_eq!(pending + accepted, 300);

    // Groups agree with the users' memberships.
    let groups = client.load_groups().await.expect("groups");
    assert_eq!(groups.len(), 6);
    let engineering = groups
        .iter()
        .find(|g| g.name == "Engineering")
        .expect("Engineering");
    assert_eq!(engineering.licenses.len(), 1);
    assert!(engineering.version.is_some());
    // Listings leave members out; read alone, a group's members are exactly the
    // users that name it.
    assert!(groups.iter().all(|g| g.members.is_empty()));
    for g in &groups {
        let full = client.get_group(&g.id).await.expect("group");
        let mut members: Vec<&UserId> = full.members.iter().collect();
        let mut expected: Vec<&UserId> = users
            .iter()
            .filter(|u| u.groups.contains(&g.id))
            .map(|u| &u.id)
            .collect();
        members.sort();
        expected.sort();
        assert_eq!(members, expected, "members of {}", g.name);
    }

    let licenses = client.licenses().await.expect("licenses");
    assert_eq!(licenses.len(), 5);
    assert!(licenses.iter().all(|l| l.seats > 0 && l.seats_assigned > 0));
    let org = client.organisation().await.expect("org").expect("has one");
    assert_eq!(org.name, "Lumen Analytics");
}

#[tokio::test]
async fn small_pages_are_fetched_concurrently_and_keep_server_order() {
    let t = TestServer::demo().await;
    let whole = t
        .connected()
        .await
        .load_users(|_, _| {})
        .await
        .expect("one page");
    let options = ClientOptions {
        page_size: Some(7),
        pages_in_flight: 4,
        ..fast_options()
    };
    let client = ApiClient::with_options(&t.profile(), options).expect("client");
    client.connect().await.expect("connects");
    let progress = Mutex::new(Vec::new());
    let paged = client
        .load_users(|loaded, total| progress.lock().unwrap().push((loaded, total)))
        .await
        .expect("paged");
    let progress = progress.into_inner().unwrap();
    assert_eq!(progress.len(), 300usize.div_ceil(7));
    assert!(
        progress
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[1].1 == 300)
    );
    assert_eq!(progress.last(), Some(&(300, 300)));
    let ids = |users: &[roster_core::model::User]| -> Vec<UserId> {
        users.iter().map(|u| u.id.clone()).collect()
    };
    assert_eq!(ids(&paged), ids(&whole));
    assert_eq!(paged, whole);
    assert_eq!(client.user_ids().await.expect("ids").len(), 300);

    // Knowing the size (a refresh knows its copy's), the first four pages go out
    // together; asking the server for it (a first load) does the same once the
    // count is in. Either way: the same users in the same order.
    for expected in [Expected::About(300), Expected::About(5000), Expected::Ask] {
        let listing = client
            .load_users_expecting(expected, |_, _| {})
            .await
            .expect("paged, expecting");
        assert_eq!(listing.users, whole, "{expected:?}");
        assert!(
            listing.warnings.is_empty(),
            "{expected:?}: {:?}",
            listing.warnings
        );
    }
}

#[tokio::test]
async fn delta_sees_creates_and_changes_and_ids_show_deletions() {
    let t = TestServer::demo().await;
    let client = t.connected().await;
    let users = client.load_users(|_, _| {}).await.expect("users");
    let watermark = users
        .iter()
        .filter_map(|u| u.last_modified)
        .max()
        .expect("lastModified");
    assert!(
        client
            .users_changed_since(watermark)
            .await
            .expect("delta")
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(5)).await;

    // Changes made on the server by someone else.
    let (status, created) = t
        .raw(
            "POST",
            "/Users",
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "delta.new@lumen.example",
                "name": {"givenName": "Delta", "familyName": "New"},
            })),
        )
        .await;
    assert_eq!(status, 201);
    let changed = &users[10];
    let (status, _) = t
        .raw(
            "PATCH",
            &format!("/Users/{}", changed.id),
            Some(&json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "name.familyName", "value": "Renamed"}],
            })),
        )
        .await;
    assert_eq!(status, 200);
    let deleted = &users[20];
    let (status, _) = t
        .raw("DELETE", &format!("/Users/{}", deleted.id), None)
        .await;
    assert_eq!(status, 204);

    let delta = client.users_changed_since(watermark).await.expect("delta");
    let names: HashSet<&str> = delta.iter().map(|u| u.user_name.as_str()).collect();
    assert!(names.contains("delta.new@lumen.example"), "{names:?}");
    let renamed = delta.iter().find(|u| u.id == changed.id).expect("changed");
    assert_eq!(renamed.family_name, "Renamed");
    assert!(renamed.version != changed.version);
    assert!(delta.iter().all(|u| u.id != deleted.id));
    // Members of the deleted user's groups are not touched; only the two changes
    // (plus group-mates whose data did not change) may show up.
    assert!(delta.len() < 10, "{} users in the delta", delta.len());

    let ids = client.user_ids().await.expect("ids");
    assert_eq!(ids.len(), 300);
    assert!(!ids.contains(&deleted.id));
    assert!(ids.contains(&UserId::from(created["id"].as_str().unwrap().to_owned())));
}
