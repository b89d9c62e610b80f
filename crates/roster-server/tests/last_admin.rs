//! The last active Organisation Administrator cannot be demoted, deactivated or
//! deleted, by any write path; `--print-admin-token` recovers an organisation that
//! has no administrator left.

mod common;

use common::{DOMAIN, TestServer, new_user};
use serde_json::{Value, json};

const EXT: &str = "urn:roster:params:scim:schemas:extension:organisation:2.0:User";

fn patch_op(path: &str, value: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": path, "value": value}]})
}

/// The id and resource of the token's user (the only administrator of an empty org).
async fn me(t: &TestServer) -> (String, Value) {
    let me = t.get("/Me").await.expect(200).body;
    (me["id"].as_str().unwrap().to_owned(), me)
}

#[track_caller]
fn assert_last_admin_refusal(r: common::Reply) {
    let r = r.expect_error(409, None);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("last active Organisation Administrator"),
        "{detail}"
    );
}

#[tokio::test]
async fn the_last_admin_is_kept_through_patch_put_delete_and_bulk() {
    let t = TestServer::empty(&[DOMAIN]).await;
    let (id, resource) = me(&t).await;
    let path = format!("/Users/{id}");
    let demote = patch_op(&format!("{EXT}:organisationAdministrator"), json!(false));
    assert_last_admin_refusal(t.patch(&path, &demote).await);
    assert_last_admin_refusal(t.patch(&path, &patch_op("active", json!(false))).await);
    let remove_ext = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": EXT}]});
    assert_last_admin_refusal(t.patch(&path, &remove_ext).await);
    let mut plain = resource.clone();
    plain.as_object_mut().unwrap().remove(EXT);
    assert_last_admin_refusal(t.put(&path, &plain).await);
    let mut inactive = resource.clone();
    inactive["active"] = json!(false);
    assert_last_admin_refusal(t.put(&path, &inactive).await);
    assert_last_admin_refusal(t.delete(&path).await);
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
    "Operations": [
        {"method": "PATCH", "path": path, "data": demote},
        {"method": "PUT", "path": path, "data": inactive},
        {"method": "DELETE", "path": path},
    ]});
    let r = t.post("/Bulk", &bulk).await.expect(200).body;
    for op in r["Operations"].as_array().unwrap() {
        assert_eq!(op["status"], "409", "{op:#}");
        assert!(
            op["response"]["detail"]
                .as_str()
                .unwrap()
                .contains("last active Organisation Administrator"),
            "{op:#}"
        );
    }
    let after = t.get(&path).await.expect(200).body;
    assert_eq!(after[EXT]["organisationAdministrator"], true);
    assert_eq!(after["active"], true);
    assert_eq!(after["meta"]["version"], resource["meta"]["version"]);
}

#[tokio::test]
async fn an_admin_may_step_down_once_another_one_exists() {
    let t = TestServer::empty(&[DOMAIN]).await;
    let (id, _) = me(&t).await;
    let mut second = new_user(&format!("second@{DOMAIN}"), "Sec", "Ond");
    second[EXT] = json!({"organisationAdministrator": true});
    let second = t.post("/Users", &second).await.expect(201).body;
    // A deactivated administrator does not count as one.
    let second_path = format!("/Users/{}", second["id"].as_str().unwrap());
    t.patch(&second_path, &patch_op("active", json!(false)))
        .await
        .expect(200);
    let demote = patch_op(&format!("{EXT}:organisationAdministrator"), json!(false));
    assert_last_admin_refusal(t.patch(&format!("/Users/{id}"), &demote).await);
    t.patch(&second_path, &patch_op("active", json!(true)))
        .await
        .expect(200);
    t.patch(&format!("/Users/{id}"), &demote).await.expect(200);
    // Now the second one is the last.
    let token = t
        .server
        .issue_token(&format!("second@{DOMAIN}"))
        .await
        .unwrap();
    let r = t
        .call_as(&token, reqwest::Method::DELETE, &second_path, None, &[])
        .await;
    assert_last_admin_refusal(r);
}

/// Runs the binary on `db` with `--print-admin-token` and returns the printed token
/// and the base URL it serves, then stops it.
fn print_admin_token(db: &std::path::Path) -> (String, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_roster-server"))
        .args(["--bind", "127.0.0.1:0", "--print-admin-token", "--db"])
        .arg(db)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("roster-server runs");
    let mut token = String::new();
    let read = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut token);
    let mut base = String::new();
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines() {
        let line = line.expect("stderr line");
        if let Some(url) = line.strip_prefix("roster-server: serving ") {
            base = url.to_owned();
            break;
        }
        assert!(!line.starts_with("roster-server: "), "failed: {line}");
    }
    let _ = child.kill();
    let _ = child.wait();
    read.expect("token line");
    (token.trim().to_owned(), base)
}

#[tokio::test]
async fn print_admin_token_recovers_an_organisation_without_admin() {
    let t = TestServer::empty(&[DOMAIN]).await;
    let (id, _) = me(&t).await;
    t.create_user(&format!("other@{DOMAIN}"), "Ot", "Her").await;
    // An organisation locked out before the refusal existed: written behind the API.
    t.server
        .db()
        .write(move |c| {
            c.execute(
                &format!(
                    "UPDATE users SET doc = json_set(doc, '$.\"{EXT}\".organisationAdministrator', json('false'), '$.active', json('false')) WHERE id = ?1"
                ),
                [&id],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let db = t.dir.path().join("roster.db");
    let TestServer { server, dir, .. } = t;
    server.stop().await;
    let (token, base) = tokio::task::spawn_blocking(move || print_admin_token(&db))
        .await
        .unwrap();
    assert!(token.starts_with("rst_"), "{token:?}");
    assert!(!base.is_empty());
    // The recovered admin is the former one, active again; the database is usable.
    let db = dir.path().join("roster.db");
    let t2 = roster_server::Server::start(roster_server::ServerConfig::local(&db))
        .await
        .unwrap();
    let me = reqwest::Client::new()
        .get(format!("{}/Me", t2.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["userName"], format!("admin@{DOMAIN}"));
    assert_eq!(me["active"], true);
    assert_eq!(me[EXT]["organisationAdministrator"], true);
    t2.stop().await;
}
