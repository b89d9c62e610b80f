//! The generated organisation (`--seed-users N`, `--seed-demo`) is the same on every
//! run and every version: benchmarks and demos compare like with like. What a client
//! sees over SCIM (users, groups, licenses, invitations) is reduced to a fingerprint
//! with ids, the port and the seeding clock factored out, and compared with the one
//! the original per-row seeding produced.

mod common;

use std::collections::HashMap;

use chrono::DateTime;
use common::TestServer;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Every attribute a client can ask for, the `returned: request` ones included.
const USER_ATTRIBUTES: &str = "userName,name,displayName,title,emails,active,groups,\
entitlements,meta,urn:roster:params:scim:schemas:extension:organisation:2.0:User";

/// Rewrites what differs between runs: resource ids become `#n` in order of first
/// appearance, the base URL becomes `BASE`, and timestamps become milliseconds
/// before the seeding instant.
struct Normalizer {
    base: String,
    anchor: i64,
    ids: HashMap<String, usize>,
}

impl Normalizer {
    fn value(&mut self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.string(s),
            Value::Array(items) => items.iter_mut().for_each(|i| self.value(i)),
            Value::Object(map) => map.values_mut().for_each(|i| self.value(i)),
            _ => {}
        }
    }

    fn string(&mut self, s: &str) -> String {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return format!("t{}", self.anchor - t.timestamp_millis());
        }
        let s = s.replace(&self.base, "BASE");
        // Ids are UUIDs (36 characters with dashes at 8, 13, 18, 23), alone or in a URL.
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while !rest.is_empty() {
            if is_uuid(rest) {
                let next = self.ids.len();
                let n = *self.ids.entry(rest[..36].to_owned()).or_insert(next);
                out.push_str(&format!("#{n}"));
                rest = &rest[36..];
            } else {
                let c = rest.chars().next().unwrap_or_default();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 36
        && b[..36].iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The fingerprint of what `server` holds, and how many users it listed.
async fn fingerprint(server: &TestServer) -> (String, usize) {
    let licenses = server.get("/Licenses").await.expect(200).body;
    let anchor = licenses["Resources"][0]["meta"]["created"]
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .expect("a seeded license with meta.created")
        .timestamp_millis();
    let mut norm = Normalizer {
        base: server.server.base_url(),
        anchor,
        ids: HashMap::new(),
    };
    let mut hash = Sha256::new();
    let mut feed = |norm: &mut Normalizer, mut v: Value| {
        norm.value(&mut v);
        hash.update(v.to_string().as_bytes());
        hash.update(b"\n");
    };
    let mut users = 0;
    let mut start = 1;
    loop {
        let page = server
            .get(&format!(
                "/Users?startIndex={start}&count=1000&attributes={}",
                common::urlencode(USER_ATTRIBUTES)
            ))
            .await
            .expect(200)
            .body;
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        if resources.is_empty() {
            break;
        }
        start += resources.len();
        users += resources.len();
        for user in resources {
            feed(&mut norm, user);
        }
    }
    let groups = server
        .get("/Groups?count=1000&attributes=displayName,members,meta,urn:roster:params:scim:schemas:extension:organisation:2.0:Group")
        .await
        .expect(200)
        .body;
    let mut groups = groups["Resources"].clone();
    norm.value(&mut groups);
    // Members come in the order of their (random) ids; the set is what was seeded.
    for g in groups.as_array_mut().into_iter().flatten() {
        if let Some(members) = g.get_mut("members").and_then(Value::as_array_mut) {
            members.sort_by_key(|m| m["value"].as_str().unwrap_or_default().to_owned());
        }
    }
    feed(&mut norm, groups);
    feed(&mut norm, licenses["Resources"].clone());
    let mut invitations = server.get("/Invitations").await.expect(200).body["Resources"].clone();
    // Delivery happens in the background; what was seeded is the rest.
    for i in invitations.as_array_mut().into_iter().flatten() {
        if let Some(map) = i.as_object_mut() {
            map.remove("delivered");
        }
        if let Some(meta) = i["meta"].as_object_mut() {
            meta.remove("lastModified");
        }
    }
    feed(&mut norm, invitations);
    let digest = hash.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    (hex, users)
}

#[tokio::test]
async fn generated_organisation_is_unchanged() {
    let server = TestServer::demo_with(|c| {
        c.seed_demo = false;
        c.seed_users = Some(2_500);
    })
    .await;
    let (hash, users) = fingerprint(&server).await;
    assert_eq!(users, 2_500);
    assert_eq!(
        hash,
        "6924849e67e5594c05cdbc96cd06ddc145032316cec15d42daa3c85586d320a7"
    );
}

#[tokio::test]
async fn demo_organisation_is_unchanged() {
    let server = TestServer::demo().await;
    let (hash, users) = fingerprint(&server).await;
    assert_eq!(users, 300);
    assert_eq!(
        hash,
        "49ba4508d7b77a13ffc7d87ea4e3e8df556e4a647477080b83eaeb2a3f539cf2"
    );
}
