//! An in-memory SCIM server with only what creating users needs (POST `/Users`,
//! lookups by id or userName, `/Bulk` or a refusal of it), on the hostile server.
//!
//! It exists because roster-server always has `/Bulk` and cannot answer it 404 or
//! 501 as servers in the wild do, nor tell how many operations each `/Bulk`
//! request carried.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::hostile::{HostileServer, Reply, Request, error, list, user};

/// How the server treats `/Bulk`.
#[derive(Debug, Clone, Copy)]
pub enum Bulk {
    /// Carries out the operations.
    Present,
    /// Answers with this status (404, 501) and does nothing.
    Absent(u16),
}

#[derive(Default)]
struct State {
    /// (id, userName) of every user.
    users: Mutex<Vec<(String, String)>>,
    /// (operations, body bytes) of every `/Bulk` request.
    bulk_requests: Mutex<Vec<(usize, usize)>>,
    user_posts: AtomicUsize,
    /// POST `/Bulk` requests, answered or refused.
    bulk_posts: AtomicUsize,
}

/// A running mini SCIM server.
pub struct MiniScim {
    pub server: HostileServer,
    state: Arc<State>,
}

impl MiniScim {
    /// Starts one; each POST `/Users` takes `pause` (so that creates overlap).
    pub async fn start(bulk: Bulk, pause: Duration) -> Self {
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let server = HostileServer::start(move |r| handle(&shared, bulk, pause, r)).await;
        Self { server, state }
    }

    /// The userNames created, in order.
    pub fn user_names(&self) -> Vec<String> {
        let users = self.state.users.lock().expect("users");
        users.iter().map(|(_, n)| n.clone()).collect()
    }

    /// (operations, body bytes) of each `/Bulk` request received.
    pub fn bulk_requests(&self) -> Vec<(usize, usize)> {
        self.state.bulk_requests.lock().expect("bulk").clone()
    }

    /// POST `/Bulk` requests received (also those refused).
    pub fn bulk_posts(&self) -> usize {
        self.state.bulk_posts.load(Ordering::SeqCst)
    }

    /// POST `/Users` requests received.
    pub fn user_posts(&self) -> usize {
        self.state.user_posts.load(Ordering::SeqCst)
    }
}

fn handle(state: &State, bulk: Bulk, pause: Duration, r: &Request) -> Reply {
    if r.is("POST", "/Users") {
        state.user_posts.fetch_add(1, Ordering::SeqCst);
        let (status, body) = create(state, &r.json());
        return Reply::After(pause, Box::new(Reply::Json(status, body)));
    }
    if r.is("POST", "/Bulk") {
        state.bulk_posts.fetch_add(1, Ordering::SeqCst);
        return match bulk {
            Bulk::Absent(status) => error(status, "Bulk is not implemented"),
            Bulk::Present => bulk_answer(state, r),
        };
    }
    if r.is("GET", "/Users") {
        let wanted = quoted(r.param("filter").unwrap_or_default());
        let count = r.number("count", 100) as usize;
        let users = state.users.lock().expect("users");
        let found: Vec<Value> = users
            .iter()
            .filter(|(id, name)| {
                wanted
                    .iter()
                    .any(|w| w == id || w.eq_ignore_ascii_case(name))
            })
            .map(|(id, name)| user(id, name))
            .collect();
        let total = found.len() as u64;
        return list(total, 1, found.into_iter().take(count).collect());
    }
    if r.method == "GET"
        && let Some(id) = r.path.rsplit_once("/Users/").map(|(_, id)| id)
    {
        let users = state.users.lock().expect("users");
        if let Some((id, name)) = users.iter().find(|(i, _)| i == id) {
            return Reply::Json(200, user(id, name));
        }
    }
    error(404, "not found")
}

/// Creates the user of `body`: (201, user) or (409, error).
fn create(state: &State, body: &Value) -> (u16, Value) {
    let name = body["userName"].as_str().unwrap_or_default().to_owned();
    let mut users = state.users.lock().expect("users");
    if users.iter().any(|(_, n)| n.eq_ignore_ascii_case(&name)) {
        let e = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                       "status": "409", "scimType": "uniqueness", "detail": "userName taken"});
        return (409, e);
    }
    let id = format!("u{}", users.len() + 1);
    users.push((id.clone(), name.clone()));
    (201, user(&id, &name))
}

fn bulk_answer(state: &State, r: &Request) -> Reply {
    let request = r.json();
    let operations = request["Operations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    state
        .bulk_requests
        .lock()
        .expect("bulk")
        .push((operations.len(), r.body.len()));
    let results: Vec<Value> = operations
        .iter()
        .map(|op| {
            let (status, body) = create(state, &op["data"]);
            let mut result = json!({
                "method": "POST",
                "bulkId": op["bulkId"],
                "status": status.to_string(),
            });
            if status == 201 {
                result["location"] = json!(format!(
                    "http://x/scim/v2/Users/{}",
                    body["id"].as_str().unwrap_or_default()
                ));
            } else {
                result["response"] = body;
            }
            result
        })
        .collect();
    Reply::Json(
        200,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],
               "Operations": results}),
    )
}

/// The double-quoted strings of a filter (`userName eq "a" or id eq "b"`).
fn quoted(filter: &str) -> Vec<String> {
    filter
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}
