//! HTTP-level behaviour: links do not come from the `Host` header, bodies must be
//! JSON (415), and 405, 414 and 431 answers carry SCIM error bodies.

mod common;

use common::{DOMAIN, TestServer, new_user};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn links_use_the_bound_address_not_the_host_header() {
    let t = TestServer::demo().await;
    let r = t
        .call_as(
            &t.token,
            Method::POST,
            "/Users",
            Some(&new_user(&format!("host@{DOMAIN}"), "Ho", "St")),
            &[("host", "evil.example")],
        )
        .await
        .expect(201);
    let base = t.server.base_url();
    let location = r.header("location").unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{base}/Users/")),
        "{location}"
    );
    assert_eq!(r.body["meta"]["location"], location);
    let listed = t
        .call_as(
            &t.token,
            Method::GET,
            "/Users?count=1",
            None,
            &[("host", "evil.example")],
        )
        .await
        .expect(200);
    let link = listed.body["Resources"][0]["meta"]["location"]
        .as_str()
        .unwrap();
    assert!(link.starts_with(&base), "{link}");
}

#[tokio::test]
async fn links_use_the_configured_public_url() {
    let t =
        TestServer::demo_with(|c| c.public_url = Some("https://roster.example.org/".into())).await;
    let r = t
        .post(
            "/Users",
            &new_user(&format!("public@{DOMAIN}"), "Pub", "Lic"),
        )
        .await
        .expect(201);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with("https://roster.example.org/scim/v2/Users/"),
        "{location}"
    );
    assert_eq!(r.body["meta"]["location"], location);
    let groups = t.get("/Groups?count=1").await.expect(200).body;
    let link = groups["Resources"][0]["meta"]["location"].as_str().unwrap();
    assert!(
        link.starts_with("https://roster.example.org/scim/v2/Groups/"),
        "{link}"
    );
}

#[tokio::test]
async fn writes_declared_as_text_get_415() {
    let t = TestServer::demo().await;
    let user = t.create_user(&format!("media@{DOMAIN}"), "Me", "Dia").await;
    let id = user["id"].as_str().unwrap();
    let body = new_user(&format!("plain.text@{DOMAIN}"), "Pl", "Ain").to_string();
    for (method, path) in [
        (Method::POST, "/Users".to_owned()),
        (Method::PUT, format!("/Users/{id}")),
        (Method::PATCH, format!("/Users/{id}")),
        (Method::POST, "/Users/.search".to_owned()),
        (Method::POST, "/Bulk".to_owned()),
    ] {
        let resp = t
            .client
            .request(method.clone(), t.url(&path))
            .bearer_auth(&t.token)
            .header("content-type", "text/plain")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let r = TestServer::reply(resp).await.expect_error(415, None);
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("application/scim+json"),
            "{method} {path}: {:#}",
            r.body
        );
    }
    assert!(
        t.user_names(&format!("userName eq \"plain.text@{DOMAIN}\""))
            .await
            .is_empty()
    );
    // application/json is accepted too.
    let resp = t
        .client
        .post(t.url("/Users"))
        .bearer_auth(&t.token)
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    TestServer::reply(resp).await.expect(201);
}

#[tokio::test]
async fn protocol_refusals_have_scim_bodies() {
    let t = TestServer::demo().await;
    // 405: a collection cannot be deleted; discovery is read-only.
    let r = t.delete("/Users").await.expect_error(405, None);
    assert!(
        r.header("allow").is_some_and(|a| a.contains("GET")),
        "{:?}",
        r.headers
    );
    assert!(
        r.body["detail"].as_str().unwrap().contains("DELETE"),
        "{:#}",
        r.body
    );
    t.put("/ServiceProviderConfig", &json!({}))
        .await
        .expect_error(405, None);
    // 414: a filter longer than the server reads.
    let long = format!(
        "/Users?filter={}",
        common::urlencode(&format!("userName eq \"{}\"", "a".repeat(9000)))
    );
    let r = t.get(&long).await.expect_error(414, None);
    assert!(
        r.body["detail"].as_str().unwrap().contains(".search"),
        "{:#}",
        r.body
    );
    // 431: headers larger than the server reads.
    let big = "b".repeat(40 * 1024);
    t.call_as(
        &t.token,
        Method::GET,
        "/Users?count=1",
        None,
        &[("x-padding", &big)],
    )
    .await
    .expect_error(431, None);
    // Still fine below the limits.
    t.get("/Users?count=1").await.expect(200);
}
