//! The client through a proxy that fails 20% of requests (503, 429 with
//! `Retry-After: 0`, connection resets before and after the server acted): loads
//! come out complete and in order, creates all land exactly once.

mod support;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, stream};
use roster_core::CoreError;
use roster_core::client::{ApiClient, ClientOptions, RetryPolicy};
use roster_core::model::{NewUser, User};
use support::proxy::{Fault, FaultProxy};
use support::{TestServer, fast_options, new_user, profile};

/// The client under test: fast backoff and enough attempts that a retried call
/// practically never fails five times in a row at a 20% fault rate.
fn client_through(proxy: &FaultProxy, token: &str, page_size: Option<usize>) -> ApiClient {
    let options = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 10,
            ..fast_options().retry
        },
        page_size,
        ..fast_options()
    };
    ApiClient::with_options(&profile(&proxy.base_url(), token), options).expect("client")
}

/// What the sync engine does with a failure that may pass: try again later.
async fn until_ok<T, F, Fut>(mut call: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CoreError>>,
{
    for _ in 0..30 {
        match call().await {
            Ok(v) => return v,
            Err(e) if e.is_transient() => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(e) => panic!("not transient: {e:?}"),
        }
    }
    panic!("still failing after 30 tries");
}

/// Creates `new` as the engine replays a create: transient failures are tried
/// again; `AlreadyExists` means an earlier attempt landed, so the user is looked up
/// by userName and its group memberships are made sure of.
async fn create_like_the_engine(client: &ApiClient, new: &NewUser, replays: &AtomicUsize) -> User {
    for _ in 0..30 {
        match client.create_user(new).await {
            Ok(user) => return user,
            Err(CoreError::AlreadyExists { .. }) => {
                replays.fetch_add(1, Ordering::Relaxed);
                let user = until_ok(|| client.find_user_by_user_name(new.email.as_str()))
                    .await
                    .expect("the earlier attempt created it");
                for group in &new.groups {
                    until_ok(|| {
                        client.set_group_members(group, std::slice::from_ref(&user.id), &[])
                    })
                    .await;
                }
                return until_ok(|| client.get_user(&user.id)).await;
            }
            Err(e) if e.is_transient() => tokio::time::sleep(Duration::from_millis(5)).await,
            Err(e) => panic!("{}: not transient: {e:?}", new.email),
        }
    }
    panic!("{}: still failing after 30 tries", new.email);
}

/// userId → number of invitation emails the server recorded.
async fn invitations_per_user(t: &TestServer) -> HashMap<String, usize> {
    let body = t.get("/Invitations").await;
    let mut out = HashMap::new();
    for r in body["Resources"].as_array().expect("Resources") {
        if r["kind"] == "invitation" {
            *out.entry(r["userId"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_load_and_200_creates_through_a_faulty_proxy() {
    let t = TestServer::demo().await;
    let reference = t
        .connected()
        .await
        .load_users(|_, _| {})
        .await
        .expect("direct load");
    let proxy = FaultProxy::start(t.server.addr(), 20, 0x5EED).await;
    let client = client_through(&proxy, &t.token, Some(20));

    let info = until_ok(|| client.connect()).await;
    assert!(info.capabilities.roster_extension);
    let users = until_ok(|| client.load_users(|_, _| {})).await;
    assert_eq!(users, reference, "complete, in server order, nothing twice");
    let groups = until_ok(|| client.load_groups()).await;
    assert_eq!(groups.len(), 6);
    assert_eq!(until_ok(|| client.licenses()).await.len(), 5);
    let ids = until_ok(|| client.user_ids()).await;
    assert_eq!(ids.len(), 300);

    let support_group = groups
        .iter()
        .find(|g| g.name == "Support")
        .map(|g| g.id.clone())
        .expect("Support");
    let wanted: Vec<NewUser> = (0..200)
        .map(|i| {
            let mut u = new_user(
                &format!("fault.{i:03}@lumen.example"),
                "Fault",
                &format!("Tolerant {i}"),
            );
            if i % 4 == 0 {
                u.groups = vec![support_group.clone()];
            }
            u
        })
        .collect();
    let replays = AtomicUsize::new(0);
    let created: Vec<User> = stream::iter(&wanted)
        .map(|new| create_like_the_engine(&client, new, &replays))
        .buffer_unordered(8)
        .collect()
        .await;
    assert_eq!(created.len(), 200);

    // Nothing twice: 200 new users, each with one invitation email.
    assert_eq!(t.user_count().await, 500);
    let names: HashSet<String> = t
        .user_names("userName sw \"fault.\"")
        .await
        .into_iter()
        .collect();
    let expected: HashSet<String> = wanted.iter().map(|u| u.email.as_str().to_owned()).collect();
    assert_eq!(names, expected);
    let invitations = invitations_per_user(&t).await;
    for user in &created {
        assert_eq!(
            invitations.get(user.id.as_str()),
            Some(&1),
            "{}",
            user.user_name
        );
    }
    // Group memberships all made it, once.
    let group = t.get(&format!("/Groups/{support_group}")).await;
    let members: Vec<&str> = group["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["value"].as_str())
        .collect();
    for (new, user) in wanted.iter().filter(|u| !u.groups.is_empty()).map(|new| {
        let user = created
            .iter()
            .find(|u| u.user_name == new.email.as_str())
            .expect("created");
        (new, user)
    }) {
        assert_eq!(
            members.iter().filter(|m| **m == user.id.as_str()).count(),
            1,
            "{}",
            new.email
        );
        assert!(user.groups.contains(&support_group));
    }

    let stats = proxy.stats();
    eprintln!(
        "proxy: {} forwarded, {} × 503, {} × 429, {} resets before, {} resets after; \
         {} creates recognised after a lost answer",
        stats.forwarded.load(Ordering::Relaxed),
        stats.unavailable_503.load(Ordering::Relaxed),
        stats.too_many_429.load(Ordering::Relaxed),
        stats.reset_before_forwarding.load(Ordering::Relaxed),
        stats.reset_after_forwarding.load(Ordering::Relaxed),
        replays.load(Ordering::Relaxed),
    );
    for (kind, n) in [
        ("503", &stats.unavailable_503),
        ("429", &stats.too_many_429),
        ("reset before", &stats.reset_before_forwarding),
        ("reset after", &stats.reset_after_forwarding),
    ] {
        assert!(n.load(Ordering::Relaxed) > 0, "no {kind} fault injected");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_creates_through_a_faulty_proxy_land_once() {
    let t = TestServer::empty().await;
    let proxy = FaultProxy::start(t.server.addr(), 20, 0xB01C).await;
    let client = client_through(&proxy, &t.token, None);
    until_ok(|| client.connect()).await;
    // Small batches, so that faults hit several of them.
    let mut caps = client.capabilities().expect("connected");
    caps.bulk = Some((10, 1 << 20));
    client.set_capabilities(caps);

    let wanted: Vec<NewUser> = (0..150)
        .map(|i| {
            new_user(
                &format!("bulk{i:03}@{}", support::EMPTY_DOMAIN),
                "Bulk",
                "User",
            )
        })
        .collect();
    let mut pending: Vec<&NewUser> = wanted.iter().collect();
    let mut done: HashMap<String, User> = HashMap::new();
    for _ in 0..30 {
        if pending.is_empty() {
            break;
        }
        let batch: Vec<NewUser> = pending.iter().map(|u| (*u).clone()).collect();
        let results = client.create_users(&batch).await;
        assert_eq!(results.len(), batch.len());
        let mut still = Vec::new();
        for (new, result) in pending.into_iter().zip(results) {
            match result {
                Ok(user) => {
                    done.insert(new.email.key().to_owned(), user);
                }
                Err(CoreError::AlreadyExists { .. }) => {
                    let user = until_ok(|| client.find_user_by_user_name(new.email.as_str()))
                        .await
                        .expect("landed earlier");
                    done.insert(new.email.key().to_owned(), user);
                }
                Err(e) if e.is_transient() => still.push(new),
                Err(e) => panic!("{}: {e:?}", new.email),
            }
        }
        pending = still;
    }
    assert!(pending.is_empty(), "{} never created", pending.len());
    assert_eq!(done.len(), 150);
    assert_eq!(t.user_count().await, 151);
    let invitations = invitations_per_user(&t).await;
    for user in done.values() {
        assert_eq!(
            invitations.get(user.id.as_str()),
            Some(&1),
            "{}",
            user.user_name
        );
    }
    assert!(proxy.stats().faults() > 0);
}

#[tokio::test]
async fn persistent_faults_end_in_server_or_offline_errors_and_post_is_not_resent() {
    let t = TestServer::demo().await;
    let proxy = FaultProxy::start(t.server.addr(), 0, 3).await;
    // Default attempts (5), fast backoff.
    let client = ApiClient::with_options(&profile(&proxy.base_url(), &t.token), fast_options())
        .expect("client");
    client.connect().await.expect("connects");
    let stats = proxy.stats();
    let count = |c: &AtomicUsize| c.load(Ordering::Relaxed);
    proxy.set_fault_percent(100);

    // 503 and 429 are retried (GET and POST alike), then reported as Server.
    proxy.set_fault_kinds(&[Fault::Unavailable]);
    let before = count(&stats.unavailable_503);
    assert!(matches!(
        client.user_ids().await,
        Err(CoreError::Server { status: 503, .. })
    ));
    assert_eq!(count(&stats.unavailable_503) - before, 5, "5 attempts");
    let before = count(&stats.unavailable_503);
    assert!(matches!(
        client
            .create_user(&new_user("busy@lumen.example", "Busy", "Server"))
            .await,
        Err(CoreError::Server { status: 503, .. })
    ));
    assert_eq!(
        count(&stats.unavailable_503) - before,
        5,
        "a refused POST is resent"
    );
    proxy.set_fault_kinds(&[Fault::TooMany]);
    assert!(matches!(
        client.load_groups().await,
        Err(CoreError::Server { status: 429, .. })
    ));

    // A reset after sending: GET is retried, POST is not (it may have landed).
    proxy.set_fault_kinds(&[Fault::ResetBefore]);
    let before = count(&stats.reset_before_forwarding);
    assert!(client.licenses().await.expect_err("reset").is_offline());
    assert_eq!(count(&stats.reset_before_forwarding) - before, 5);
    proxy.set_fault_kinds(&[Fault::ResetAfter]);
    let before = count(&stats.reset_after_forwarding);
    let new = new_user("lost.answer@lumen.example", "Lost", "Answer");
    assert!(
        client
            .create_user(&new)
            .await
            .expect_err("reset")
            .is_offline()
    );
    assert_eq!(
        count(&stats.reset_after_forwarding) - before,
        1,
        "POST sent once"
    );
    // It did land, once; the replay meets it.
    proxy.set_fault_percent(0);
    assert_eq!(
        t.user_names("userName eq \"lost.answer@lumen.example\"")
            .await
            .len(),
        1
    );
    assert!(matches!(
        client.create_user(&new).await,
        Err(CoreError::AlreadyExists { .. })
    ));
    assert_eq!(
        t.user_names("userName sw \"busy@\"").await.len(),
        0,
        "a 503 means not done"
    );
}
