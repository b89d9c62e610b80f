//! Filtering, sorting, paging and projection of listings over real HTTP.

mod common;

use common::{TestServer, urlencode};
use serde_json::{Value, json};

async fn seeded() -> TestServer {
    let t = TestServer::empty(&["corp.example", "other.example"]).await;
    let people = [
        ("ann.smith@corp.example", "Ann", "Smith", true, "Engineer"),
        ("bob.jones@corp.example", "Bob", "Jones", false, "Designer"),
        (
            "Élodie.Martin@other.example",
            "Élodie",
            "Martin",
            false,
            "Engineer",
        ),
        ("dan.brown@corp.example", "Dan", "Brown", true, "Manager"),
    ];
    for (email, given, family, local, title) in people {
        let body = json!({
            "userName": email,
            "name": {"givenName": given, "familyName": family},
            "title": title,
            "emails": [{"value": email, "type": "work", "primary": true}],
            "urn:roster:params:scim:schemas:extension:organisation:2.0:User": {"localLogin": local},
        });
        t.post("/Users", &body).await.expect(201);
    }
    t
}

fn names(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn filter_operators() {
    let t = seeded().await;
    let cases: &[(&str, &[&str])] = &[
        (
            r#"userName eq "ANN.SMITH@corp.example""#,
            &["ann.smith@corp.example"],
        ),
        (
            r#"name.familyName co "o""#,
            &[
                "admin@corp.example",
                "bob.jones@corp.example",
                "dan.brown@corp.example",
            ],
        ),
        (r#"userName sw "él""#, &["Élodie.Martin@other.example"]),
        (
            r#"userName ew "other.example""#,
            &["Élodie.Martin@other.example"],
        ),
        (
            r#"title eq "Engineer" and name.givenName ne "Ann""#,
            &["Élodie.Martin@other.example"],
        ),
        (
            r#"title eq "Manager" or title eq "Designer""#,
            &["bob.jones@corp.example", "dan.brown@corp.example"],
        ),
        (
            r#"not (userName co "corp")"#,
            &["Élodie.Martin@other.example"],
        ),
        (
            r#"urn:roster:params:scim:schemas:extension:organisation:2.0:User:localLogin eq true"#,
            &[
                "admin@corp.example",
                "ann.smith@corp.example",
                "dan.brown@corp.example",
            ],
        ),
        (
            r#"emails[type eq "work" and value co "brown"]"#,
            &["dan.brown@corp.example"],
        ),
        (r#"emails.value sw "bob""#, &["bob.jones@corp.example"]),
        (
            r#"title pr and (title eq "Designer" or name.givenName eq "Dan")"#,
            &["bob.jones@corp.example", "dan.brown@corp.example"],
        ),
        (r#"userName eq "x\" OR 1=1 --""#, &[]),
    ];
    for (filter, expected) in cases {
        let got = names(t.user_names(filter).await);
        let want = names(expected.iter().map(|s| s.to_string()).collect());
        assert_eq!(got, want, "filter {filter}");
    }
}

#[tokio::test]
async fn bad_filters_are_invalid_filter() {
    let t = seeded().await;
    for bad in [
        r#"userName eq"#,
        r#"userName xx "a""#,
        r#"shoeSize eq 4"#,
        r#"active gt true"#,
        "(((",
    ] {
        t.get(&format!("/Users?filter={}", urlencode(bad)))
            .await
            .expect_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn last_modified_gt_finds_only_later_changes() {
    let t = seeded().await;
    let all = t.get("/Users?count=1000").await.expect(200).body;
    let latest = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["lastModified"].as_str().unwrap().to_owned())
        .max()
        .unwrap();
    assert!(
        t.user_names(&format!(r#"meta.lastModified gt "{latest}""#))
            .await
            .is_empty()
    );
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let id = all["Resources"][1]["id"].as_str().unwrap();
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Changed"}]});
    t.patch(&format!("/Users/{id}"), &ops).await.expect(200);
    let changed = t
        .user_names(&format!(r#"meta.lastModified gt "{latest}""#))
        .await;
    assert_eq!(changed.len(), 1);
}

#[tokio::test]
async fn paging_covers_everything_once() {
    let t = seeded().await;
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let page = t
            .get(&format!(
                "/Users?startIndex={start}&count=2&sortBy=userName"
            ))
            .await
            .expect(200)
            .body;
        assert_eq!(page["totalResults"], 5);
        assert_eq!(page["startIndex"], start);
        let resources = page["Resources"].as_array().unwrap();
        assert_eq!(page["itemsPerPage"], resources.len());
        if resources.is_empty() {
            break;
        }
        seen.extend(
            resources
                .iter()
                .map(|r| r["userName"].as_str().unwrap().to_owned()),
        );
        start += resources.len();
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|s| s.to_lowercase());
    assert_eq!(
        seen, sorted,
        "sortBy userName is case-insensitive ascending"
    );
    // count=0 gives only the total; startIndex below 1 reads as 1.
    let page = t.get("/Users?count=0").await.expect(200).body;
    assert_eq!(page["totalResults"], 5);
    assert_eq!(page["Resources"].as_array().map_or(0, Vec::len), 0);
    let page = t.get("/Users?startIndex=-3&count=1").await.expect(200).body;
    assert_eq!(page["startIndex"], 1);
    // count is capped at the advertised maximum.
    let page = t.get("/Users?count=5000").await.expect(200).body;
    assert_eq!(page["itemsPerPage"], 5);
    t.get("/Users?count=abc")
        .await
        .expect_error(400, Some("invalidValue"));
}

/// Every id of an unsorted, unfiltered listing, page by page (`count` a page), and
/// the totalResults every page gave.
async fn unsorted_ids(t: &TestServer, count: usize) -> (Vec<String>, Vec<u64>) {
    let (mut ids, mut totals) = (Vec::new(), Vec::new());
    let mut start = 1;
    loop {
        let page = t
            .get(&format!("/Users?startIndex={start}&count={count}"))
            .await
            .expect(200)
            .body;
        totals.push(page["totalResults"].as_u64().unwrap());
        assert_eq!(page["startIndex"], start);
        let resources = page["Resources"].as_array().unwrap();
        assert_eq!(page["itemsPerPage"], resources.len());
        if resources.is_empty() {
            return (ids, totals);
        }
        ids.extend(
            resources
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        start += resources.len();
    }
}

/// Unfiltered, unsorted pages are found by position while no user was deleted, and
/// by stepping over earlier rows after deletions: both must give every user once,
/// in creation order, with the right total.
#[tokio::test]
async fn unsorted_paging_stays_exact_across_deletions_and_new_users() {
    let t = seeded().await;
    for i in 0..7 {
        t.create_user(
            &format!("extra{i}@corp.example"),
            "Extra",
            &format!("No {i}"),
        )
        .await;
    }
    let (before, totals) = unsorted_ids(&t, 3).await;
    assert_eq!(before.len(), 12);
    assert!(totals.iter().all(|n| *n == 12), "{totals:?}");
    // Creation order is what a filter-free `userName pr` listing (the general path)
    // gives too.
    let reference = t
        .get(&format!(
            "/Users?count=100&filter={}",
            urlencode("userName pr")
        ))
        .await
        .expect(200)
        .body;
    let reference: Vec<&str> = reference["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(before, reference);

    // A hole in the middle, and the last user (whose position a new user reuses).
    for gone in [&before[2], &before[6], &before[11]] {
        t.delete(&format!("/Users/{gone}")).await.expect(204);
    }
    let (after, totals) = unsorted_ids(&t, 3).await;
    let expected: Vec<String> = before
        .iter()
        .enumerate()
        .filter(|(i, _)| ![2, 6, 11].contains(i))
        .map(|(_, id)| id.clone())
        .collect();
    assert_eq!(after, expected);
    assert!(totals.iter().all(|n| *n == 9), "{totals:?}");

    let new = t.create_user("late@corp.example", "Late", "Comer").await;
    let (last, totals) = unsorted_ids(&t, 4).await;
    assert_eq!(last.len(), 10);
    assert_eq!(last[..9], expected[..]);
    assert_eq!(last[9], new["id"].as_str().unwrap());
    assert!(totals.iter().all(|n| *n == 10), "{totals:?}");
    assert_eq!(
        t.get("/Users?count=0").await.expect(200).body["totalResults"],
        10
    );
    let beyond = t.get("/Users?startIndex=11&count=5").await.expect(200).body;
    assert_eq!(beyond["itemsPerPage"], 0);
    assert_eq!(beyond["totalResults"], 10);
}

#[tokio::test]
async fn sort_descending_and_by_extension_attribute() {
    let t = seeded().await;
    let page = t
        .get("/Users?sortBy=name.givenName&sortOrder=descending&count=10")
        .await
        .expect(200)
        .body;
    let given: Vec<&str> = page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"]["givenName"].as_str())
        .collect();
    assert_eq!(given, ["Élodie", "Organisation", "Dan", "Bob", "Ann"]);
    t.get("/Users?sortBy=shoeSize").await.expect(400);
}

#[tokio::test]
async fn search_endpoint_and_projection_on_lists() {
    let t = seeded().await;
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "title eq \"Engineer\"", "attributes": ["userName"], "count": 10});
    let r = t.post("/Users/.search", &body).await.expect(200).body;
    assert_eq!(r["totalResults"], 2);
    for res in r["Resources"].as_array().unwrap() {
        assert!(res.get("title").is_none(), "{res:#}");
        assert!(res.get("id").is_some());
    }
    let ids_only = t
        .get("/Users?attributes=id&count=100")
        .await
        .expect(200)
        .body;
    for res in ids_only["Resources"].as_array().unwrap() {
        let keys: Vec<&String> = res.as_object().unwrap().keys().collect();
        assert!(
            keys.iter().all(|k| *k == "id" || *k == "schemas"),
            "{res:#}"
        );
    }
}

#[tokio::test]
async fn group_filters() {
    let t = TestServer::demo().await;
    let r = t
        .get(&format!(
            "/Groups?filter={}",
            urlencode(r#"displayName sw "S""#)
        ))
        .await
        .expect(200)
        .body;
    let mut names: Vec<&str> = r["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Sales", "Support"]);
    let sales = &r["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["displayName"] == "Sales")
        .unwrap();
    let member: &Value = &sales["members"][0];
    let id = member["value"].as_str().unwrap();
    let r = t
        .get(&format!(
            "/Groups?filter={}",
            urlencode(&format!(r#"members.value eq "{id}""#))
        ))
        .await
        .expect(200)
        .body;
    assert_eq!(r["totalResults"], 1);
    let by_group = t
        .get(&format!(
            "/Users?filter={}&count=1000",
            urlencode(&format!(
                r#"groups.value eq "{}""#,
                sales["id"].as_str().unwrap()
            ))
        ))
        .await
        .expect(200)
        .body;
    assert_eq!(
        by_group["totalResults"].as_u64(),
        Some(sales["members"].as_array().unwrap().len() as u64)
    );
    let excluded = t
        .get("/Groups?excludedAttributes=members")
        .await
        .expect(200)
        .body;
    assert!(
        excluded["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g.get("members").is_none())
    );
}

#[tokio::test]
async fn default_listing_equals_the_projected_rendering() {
    // The default listing is built from the stored text; it must say exactly what
    // the general (parse, compute, project) rendering says.
    let t = TestServer::demo().await;
    let fast = t.get("/Users?count=1000").await.expect(200).body;
    let slow = t
        .get("/Users?count=1000&excludedAttributes=noSuchAttribute")
        .await
        .expect(200)
        .body;
    assert_eq!(fast["totalResults"], 300);
    assert_eq!(fast["Resources"], slow["Resources"]);
    let with_groups = fast["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("groups").is_some())
        .count();
    assert!(with_groups > 100, "{with_groups}");
    let one = &fast["Resources"][0];
    let id = one["id"].as_str().unwrap();
    assert_eq!(&t.get(&format!("/Users/{id}")).await.expect(200).body, one);
}
