//! Tests of the local store, on temporary files unless a test says otherwise.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use roster_proto::PatchOp;
use rusqlite::Connection;
use serde_json::json;
use tempfile::TempDir;

use super::*;
use crate::CoreError;
use crate::model::{
    Change, Email, Group, GroupId, InvitationStatus, License, LicenseGrant, LicenseId,
    LicenseOrigin, NewUser, Organisation, User, UserId,
};

// ---------------------------------------------------------------------------------
// Fixtures

fn t(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_225_600 + secs, 123_456_789)
        .single()
        .expect("valid test time")
}

fn user(id: &str, name: &str) -> User {
    let email = format!("{name}@corp.example");
    User {
        id: UserId::from(id),
        user_name: email.clone(),
        email: Some(Email::parse(&email).expect("test email")),
        given_name: name.to_owned(),
        family_name: "Smith".to_owned(),
        active: true,
        admin: id.ends_with('0'),
        local_login: id.ends_with('1'),
        last_connection: Some(t(5)),
        licenses: vec![
            LicenseGrant {
                license: LicenseId::from("office"),
                origin: LicenseOrigin::Direct,
            },
            LicenseGrant {
                license: LicenseId::from("crm"),
                origin: LicenseOrigin::Group(GroupId::from("g1")),
            },
        ],
        groups: vec![GroupId::from("g1")],
        invitation: InvitationStatus::Pending(Some(t(1))),
        version: Some(format!("W/\"{id}-1\"")),
        last_modified: Some(t(10)),
        unknown: Default::default(),
    }
}

fn group(id: &str, members: &[&str]) -> Group {
    Group {
        id: GroupId::from(id),
        name: format!("Group {id}"),
        members: members.iter().map(|m| UserId::from(*m)).collect(),
        licenses: vec![LicenseId::from("crm")],
        version: Some("W/\"g\"".to_owned()),
    }
}

fn license(id: &str) -> License {
    License {
        id: LicenseId::from(id),
        name: format!("Product {id}"),
        seats: 100,
        seats_assigned: 7,
    }
}

fn organisation(name: &str) -> Organisation {
    Organisation {
        name: name.to_owned(),
        authorized_domains: vec!["corp.example".to_owned()],
        identity_provider: false,
    }
}

fn snapshot(users: Vec<User>) -> Snapshot {
    Snapshot {
        users,
        groups: vec![group("g2", &["u2"]), group("g1", &["u1", "u2"])],
        licenses: vec![license("office"), license("crm")],
        organisation: Some(organisation("Corp")),
        synced_at: t(100),
        max_last_modified: Some(t(10)),
    }
}

fn by_id<T: Clone>(items: &[T], id: impl Fn(&T) -> String) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort_by_key(|x| id(x));
    v
}

/// The snapshot as `load_snapshot` returns it: every list in id order.
fn sorted(s: &Snapshot) -> Snapshot {
    Snapshot {
        users: by_id(&s.users, |u| u.id.as_str().to_owned()),
        groups: by_id(&s.groups, |g| g.id.as_str().to_owned()),
        licenses: by_id(&s.licenses, |l| l.id.as_str().to_owned()),
        ..s.clone()
    }
}

fn new_user(name: &str) -> Change {
    Change::CreateUser(NewUser {
        email: Email::parse(&format!("{name}@corp.example")).expect("test email"),
        given_name: name.to_owned(),
        family_name: "Doe".to_owned(),
        admin: false,
        local_login: true,
        licenses: vec![LicenseId::from("office")],
        groups: vec![GroupId::from("g1")],
    })
}

fn delete(id: &str) -> Change {
    Change::DeleteUser {
        id: UserId::from(id),
        if_match: Some("W/\"1\"".to_owned()),
    }
}

fn temp() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("data").join(DB_FILE_NAME);
    (dir, path)
}

fn open(path: &Path) -> Store {
    Store::open(path).expect("open store")
}

fn states(entries: &[OutboxEntry]) -> Vec<(i64, OutboxState)> {
    entries.iter().map(|e| (e.id.0, e.state.clone())).collect()
}

// ---------------------------------------------------------------------------------
// Opening

#[test]
fn store_is_send_sync_and_shares_through_arc() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
    let store = Arc::new(Store::in_memory().expect("store"));
    let other = Arc::clone(&store);
    std::thread::spawn(move || other.set_setting("k", "from thread"))
        .join()
        .expect("thread")
        .expect("set");
    assert_eq!(
        store.get_setting("k").expect("get").as_deref(),
        Some("from thread")
    );
}

#[test]
fn open_creates_the_directory_uses_wal_and_the_current_schema() {
    let (_dir, path) = temp();
    let store = open(&path);
    assert_eq!(store.path(), Some(path.as_path()));
    let conn = store.lock();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("journal_mode");
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version");
    assert_eq!(version, schema::current_version());
}

#[test]
fn reopening_a_current_store_changes_nothing() {
    let (_dir, path) = temp();
    open(&path).set_setting("a", "1").expect("set");
    let store = open(&path);
    assert_eq!(store.get_setting("a").expect("get").as_deref(), Some("1"));
}

#[test]
fn default_path_is_roster_db_in_a_data_dir() {
    // No HOME means no data directory, which is an error rather than a panic.
    match Store::default_path() {
        Ok(path) => assert!(path.ends_with(DB_FILE_NAME), "{path:?}"),
        Err(e) => assert!(matches!(e, StoreError::NoDataDir), "{e}"),
    }
}

#[test]
fn a_file_that_is_not_a_database_is_an_open_error_naming_it() {
    let (_dir, path) = temp();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &path,
        b"this is a text file, not SQLite, and it is long enough",
    )
    .expect("write");
    let err = Store::open(&path).expect_err("not a database");
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
}

#[test]
fn a_store_from_a_newer_roster_is_refused() {
    let (_dir, path) = temp();
    drop(open(&path));
    let conn = Connection::open(&path).expect("raw open");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    let err = Store::open(&path).expect_err("too new");
    assert!(
        matches!(err, StoreError::TooNew { found: 99, supported } if supported == schema::current_version()),
        "{err:?}"
    );
}

#[test]
fn a_poisoned_lock_does_not_break_the_store() {
    let store = Arc::new(Store::in_memory().expect("store"));
    let other = Arc::clone(&store);
    let panicked = std::thread::spawn(move || {
        let _guard = other.lock();
        panic!("a bug while holding the connection");
    })
    .join();
    assert!(panicked.is_err());
    store
        .set_setting("still", "works")
        .expect("set after poison");
    assert_eq!(
        store.get_setting("still").expect("get").as_deref(),
        Some("works")
    );
}

// ---------------------------------------------------------------------------------
// Migrations

/// A v1 file as Roster 1 wrote it: built from the first migration only, with rows
/// spelled out literally (not produced by today's encoder), then opened by this build.
#[test]
fn a_version_1_store_opens_and_its_data_reads() {
    let (_dir, path) = temp();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    {
        let conn = Connection::open(&path).expect("raw open");
        conn.execute_batch(schema::MIGRATIONS[0])
            .expect("v1 schema");
        conn.pragma_update(None, "user_version", 1)
            .expect("version 1");
        conn.execute_batch(
            r#"
            INSERT INTO snapshot (id, profile, synced_at, max_last_modified, organisation)
            VALUES (7, 'acme', 1767225600000000000, 1767225500000000000,
                    '{"name":"Acme","authorized_domains":["acme.example"],"identity_provider":true}');
            INSERT INTO snapshot_group (snapshot, id, data) VALUES (7, 'g1',
              '{"id":"g1","name":"Sales","members":["u1"],"licenses":["crm"],"version":null}');
            INSERT INTO snapshot_license (snapshot, id, data) VALUES (7, 'crm',
              '{"id":"crm","name":"CRM","seats":10,"seats_assigned":1}');
            INSERT INTO outbox (key, profile, change, state, reason, created, attempts)
            VALUES ('k-1', 'acme', '{"kind":"delete_user","id":"u2","if_match":"W/\"1\""}',
                    'sending', NULL, 1767225600000000000, 1),
                   ('k-2', 'acme', '{"kind":"resend_invitation","id":"u2"}',
                    'failed', 'HTTP 500', 1767225601000000000, 3);
            INSERT INTO setting (key, value) VALUES ('last_profile', 'acme');
            INSERT INTO profile_setting (profile, key, value)
            VALUES ('acme', 'connection', '{"base_url":"https://acme.example/scim/v2"}');
            "#,
        )
        .expect("v1 rows");
        // Users in binary format 1, spelled out field by field (see codec.rs).
        #[rustfmt::skip]
        let ann: Vec<u8> = [
            &[1][..],                                   // format 1
            &[2], b"u1",                                // id
            &[16], b"Ann@Acme.example",                 // user_name
            &[1, 16], b"Ann@Acme.example",              // email: some
            &[3], b"Ann",                               // given_name
            &[5], b"Smith",                             // family_name
            &[0b011],                                   // flags: active, admin
            &[1], &1_767_254_400i64.to_le_bytes(), &0u32.to_le_bytes(), // last_connection
            &[2],                                       // 2 licenses:
            &[6], b"office", &[0],                      //   direct
            &[3], b"crm", &[1, 2], b"g1",               //   from group g1
            &[1, 2], b"g1",                             // groups: [g1]
            &[2],                                       // invitation: accepted
            &[1, 5], b"W/\"3\"",                        // version
            &[1], &1_767_225_500i64.to_le_bytes(), &0u32.to_le_bytes(), // last_modified
        ]
        .concat();
        #[rustfmt::skip]
        let bob: Vec<u8> = [
            &[1][..],                                   // format 1
            &[2], b"u2",                                // id
            &[3], b"bob",                               // user_name
            &[0],                                       // email: none
            &[0],                                       // given_name: ""
            &[0],                                       // family_name: ""
            &[0b100],                                   // flags: local login (inactive)
            &[0],                                       // last_connection: none
            &[0],                                       // licenses: none
            &[0],                                       // groups: none
            &[1], &1_764_583_200i64.to_le_bytes(), &0u32.to_le_bytes(), // invitation pending
            &[0],                                       // version: none
            &[0],                                       // last_modified: none
        ]
        .concat();
        for (id, data) in [("u1", ann), ("u2", bob)] {
            conn.execute(
                "INSERT INTO snapshot_user (snapshot, id, data) VALUES (7, ?1, ?2)",
                rusqlite::params![id, data],
            )
            .expect("v1 user");
        }
    }

    let store = open(&path);

    let s = store
        .load_snapshot("acme")
        .expect("load")
        .expect("snapshot kept");
    assert_eq!(s.synced_at, Utc.timestamp_opt(1_767_225_600, 0).unwrap());
    assert_eq!(
        s.max_last_modified,
        Some(Utc.timestamp_opt(1_767_225_500, 0).unwrap())
    );
    assert_eq!(
        s.organisation.as_ref().map(|o| o.name.as_str()),
        Some("Acme")
    );
    assert_eq!(s.users.len(), 2);
    let ann = &s.users[0];
    assert_eq!(ann.id.as_str(), "u1");
    assert_eq!(ann.email.as_ref().map(Email::key), Some("ann@acme.example"));
    assert!(ann.admin);
    assert_eq!(ann.direct_licenses().count(), 1);
    assert_eq!(ann.effective_licenses().len(), 2);
    assert_eq!(s.users[1].email, None);
    assert!(matches!(
        s.users[1].invitation,
        InvitationStatus::Pending(Some(_))
    ));
    assert_eq!(s.groups[0].name, "Sales");
    assert_eq!(s.licenses[0].seats_left(), 9);

    // The entry a v1 crash left in Sending is pending again, with no delay (the v2
    // column defaults to NULL); the failed one keeps its reason.
    let out = store.outstanding("acme").expect("outstanding");
    assert_eq!(
        states(&out),
        [
            (1, OutboxState::Pending),
            (2, OutboxState::Failed("HTTP 500".to_owned()))
        ]
    );
    assert_eq!(out[0].key, "k-1");
    assert_eq!(out[0].attempts, 1);
    assert_eq!(out[0].not_before, None);
    assert_eq!(out[0].change, delete("u2"));
    assert_eq!(store.pending_due("acme", Utc::now()).expect("due").len(), 1);
    assert_eq!(
        store.get_setting("last_profile").expect("get").as_deref(),
        Some("acme")
    );
    assert!(
        store
            .get_profile_setting("acme", "connection")
            .expect("get")
            .is_some_and(|v| v.contains("acme.example"))
    );
    // And the upgraded file takes new writes of the new version.
    let delayed = store
        .enqueue_delayed("acme", &delete("u1"), t(3600))
        .expect("delayed enqueue after upgrade");
    assert_eq!(delayed.id.0, 3);
    drop(store);
    let conn = Connection::open(&path).expect("raw open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, schema::current_version());
}

#[test]
fn a_failed_migration_step_reports_its_version_and_leaves_the_file_usable() {
    let (_dir, path) = temp();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    {
        // A v1 file in which something already made the column v2 adds.
        let conn = Connection::open(&path).expect("raw open");
        conn.execute_batch(schema::MIGRATIONS[0])
            .expect("v1 schema");
        conn.execute_batch("ALTER TABLE outbox ADD COLUMN not_before INTEGER")
            .expect("clash");
        conn.pragma_update(None, "user_version", 1)
            .expect("version 1");
    }
    let err = Store::open(&path).expect_err("step 2 fails");
    assert!(
        matches!(err, StoreError::Migration { version: 2, .. }),
        "{err:?}"
    );
    let conn = Connection::open(&path).expect("raw open");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, 1, "the failed step was rolled back");
}

// ---------------------------------------------------------------------------------
// Snapshot

#[test]
fn snapshot_round_trips_through_a_cold_reopen() {
    let (_dir, path) = temp();
    // Saved in reverse id order, read back in id order.
    let original = snapshot(
        (0..50)
            .rev()
            .map(|i| user(&format!("u{i:02}"), &format!("user{i}")))
            .collect(),
    );
    open(&path).save_snapshot("acme", &original).expect("save");
    let store = open(&path);
    let loaded = store.load_snapshot("acme").expect("load").expect("present");
    assert_eq!(loaded, sorted(&original));
    // Times are kept to the nanosecond.
    assert_eq!(loaded.synced_at.timestamp_subsec_nanos(), 123_456_789);
}

/// The value of the connection's `PRAGMA name`.
fn pragma(store: &Store, name: &str) -> i64 {
    store
        .lock()
        .pragma_query_value(None, name, |r| r.get(0))
        .expect("pragma")
}

/// Size of `path` plus `suffix` on disk, 0 when absent.
fn file_len(path: &Path, suffix: &str) -> u64 {
    std::fs::metadata(format!("{}{suffix}", path.display())).map_or(0, |m| m.len())
}

#[test]
fn a_large_save_stays_in_the_log_until_the_checkpoint_and_is_whole_either_way() {
    let (_dir, path) = temp();
    let store = open(&path);
    let autocheckpoint = |store: &Store| pragma(store, "wal_autocheckpoint");
    let before = autocheckpoint(&store);
    assert!(before > 0, "SQLite's autocheckpoint is on by default");
    // Well over SQLite's 1000-page autocheckpoint: the commit alone would copy it.
    let original = snapshot(
        (0..12_000)
            .map(|i| user(&format!("u{i:05}"), &format!("user{i}")))
            .collect(),
    );
    store.save_snapshot("acme", &original).expect("save");
    let (db, wal) = (file_len(&path, ""), file_len(&path, "-wal"));
    assert!(
        wal > 4 * db,
        "the copy should wait in the log: database {db} bytes, log {wal} bytes"
    );
    // Readable from the log, by this connection and by a second one.
    let loaded = store.load_snapshot("acme").expect("load").expect("present");
    assert_eq!(loaded.users.len(), 12_000);
    let other = open(&path);
    assert_eq!(
        other
            .snapshot_info("acme")
            .expect("info")
            .map(|i| i.user_count),
        Some(12_000)
    );
    drop(other);

    store.checkpoint().expect("checkpoint");
    let db_after = file_len(&path, "");
    assert!(
        db_after >= wal / 2,
        "the checkpoint should move the copy into the database: {db_after} bytes, log was {wal}"
    );
    // Later commits checkpoint on their own again: the save put the setting back.
    assert_eq!(autocheckpoint(&store), before);
    drop(store);
    let reopened = open(&path)
        .load_snapshot("acme")
        .expect("load")
        .expect("present");
    assert_eq!(reopened, sorted(&original));
}

#[test]
fn an_unknown_profile_has_no_snapshot() {
    let store = Store::in_memory().expect("store");
    assert_eq!(store.load_snapshot("nobody").expect("load"), None);
    assert_eq!(store.snapshot_info("nobody").expect("info"), None);
}

#[test]
fn saving_again_replaces_everything() {
    let store = Store::in_memory().expect("store");
    store
        .save_snapshot(
            "acme",
            &snapshot(vec![user("u1", "ann"), user("u2", "bob")]),
        )
        .expect("first save");
    let second = Snapshot {
        users: vec![user("u3", "cid")],
        groups: vec![],
        licenses: vec![license("new")],
        organisation: None,
        synced_at: t(200),
        max_last_modified: None,
    };
    store.save_snapshot("acme", &second).expect("second save");
    assert_eq!(store.load_snapshot("acme").expect("load"), Some(second));
}

#[test]
fn an_empty_snapshot_is_still_a_snapshot() {
    let store = Store::in_memory().expect("store");
    let empty = Snapshot {
        users: vec![],
        groups: vec![],
        licenses: vec![],
        organisation: None,
        synced_at: t(0),
        max_last_modified: None,
    };
    store.save_snapshot("new-org", &empty).expect("save");
    assert_eq!(store.load_snapshot("new-org").expect("load"), Some(empty));
}

#[test]
fn a_user_listed_twice_is_saved_once_with_the_later_copy() {
    let store = Store::in_memory().expect("store");
    let mut later = user("u1", "ann");
    later.given_name = "Annie".to_owned();
    store
        .save_snapshot("acme", &snapshot(vec![user("u1", "ann"), later.clone()]))
        .expect("save");
    let loaded = store.load_snapshot("acme").expect("load").expect("present");
    assert_eq!(loaded.users, vec![later]);
}

#[test]
fn snapshot_info_and_cached_profiles_read_without_the_users() {
    let store = Store::in_memory().expect("store");
    store
        .save_snapshot("b", &snapshot(vec![user("u1", "ann"), user("u2", "bob")]))
        .expect("save");
    store.save_snapshot("a", &snapshot(vec![])).expect("save");
    assert_eq!(store.cached_profiles().expect("profiles"), ["a", "b"]);
    assert_eq!(
        store.snapshot_info("b").expect("info"),
        Some(SnapshotInfo {
            profile: "b".to_owned(),
            synced_at: t(100),
            max_last_modified: Some(t(10)),
            user_count: 2,
        })
    );
}

#[test]
fn a_delta_changes_adds_and_deletes_users() {
    let store = Store::in_memory().expect("store");
    store
        .save_snapshot(
            "acme",
            &snapshot(vec![
                user("u1", "ann"),
                user("u2", "bob"),
                user("u3", "cid"),
            ]),
        )
        .expect("save");
    let mut ann = user("u1", "ann");
    ann.admin = true;
    ann.version = Some("W/\"u1-2\"".to_owned());
    let dan = user("u4", "dan");
    store
        .apply_delta(
            "acme",
            &Delta {
                changed_users: &[ann.clone(), dan.clone()],
                deleted_users: &[UserId::from("u2"), UserId::from("not-cached")],
                groups: None,
                licenses: None,
                organisation: None,
                synced_at: t(300),
                max_last_modified: Some(t(250)),
            },
        )
        .expect("delta");
    let s = store.load_snapshot("acme").expect("load").expect("present");
    assert_eq!(s.users, vec![ann, user("u3", "cid"), dan]);
    assert_eq!(s.synced_at, t(300));
    assert_eq!(s.max_last_modified, Some(t(250)));
    // What the delta did not carry is kept.
    let before = sorted(&snapshot(vec![]));
    assert_eq!(s.groups, before.groups);
    assert_eq!(s.licenses, before.licenses);
    assert_eq!(s.organisation, before.organisation);
}

#[test]
fn a_delta_can_replace_groups_licenses_and_organisation() {
    let store = Store::in_memory().expect("store");
    store
        .save_snapshot("acme", &snapshot(vec![user("u1", "ann")]))
        .expect("save");
    let groups = [group("g9", &["u1"])];
    let licenses = [license("l9")];
    let org = organisation("Renamed");
    store
        .apply_delta(
            "acme",
            &Delta {
                changed_users: &[],
                deleted_users: &[],
                groups: Some(&groups),
                licenses: Some(&licenses),
                organisation: Some(&org),
                synced_at: t(400),
                max_last_modified: None,
            },
        )
        .expect("delta");
    let s = store.load_snapshot("acme").expect("load").expect("present");
    assert_eq!(s.users.len(), 1);
    assert_eq!(s.groups, groups);
    assert_eq!(s.licenses, licenses);
    assert_eq!(s.organisation, Some(org));
    assert_eq!(s.max_last_modified, None);
}

#[test]
fn a_user_both_changed_and_deleted_in_one_delta_is_deleted() {
    let store = Store::in_memory().expect("store");
    store
        .save_snapshot("acme", &snapshot(vec![user("u1", "ann")]))
        .expect("save");
    store
        .apply_delta(
            "acme",
            &Delta {
                changed_users: &[user("u1", "ann")],
                deleted_users: &[UserId::from("u1")],
                groups: None,
                licenses: None,
                organisation: None,
                synced_at: t(1),
                max_last_modified: None,
            },
        )
        .expect("delta");
    let s = store.load_snapshot("acme").expect("load").expect("present");
    assert!(s.users.is_empty());
}

#[test]
fn a_delta_without_a_snapshot_is_refused_and_writes_nothing() {
    let store = Store::in_memory().expect("store");
    let err = store
        .apply_delta(
            "acme",
            &Delta {
                changed_users: &[user("u1", "ann")],
                deleted_users: &[],
                groups: None,
                licenses: None,
                organisation: None,
                synced_at: t(1),
                max_last_modified: None,
            },
        )
        .expect_err("no snapshot");
    assert!(matches!(err, StoreError::NoSnapshot { ref profile } if profile == "acme"));
    assert_eq!(store.load_snapshot("acme").expect("load"), None);
    let orphans: i64 = store
        .lock()
        .query_row("SELECT count(*) FROM snapshot_user", [], |r| r.get(0))
        .expect("count");
    assert_eq!(orphans, 0);
}

#[test]
fn profiles_are_isolated() {
    let store = Store::in_memory().expect("store");
    // Same user ids on two servers: they must not collide.
    let a = snapshot(vec![user("u1", "ann"), user("u2", "bob")]);
    let mut b = snapshot(vec![user("u1", "zed")]);
    b.organisation = Some(organisation("Other"));
    store.save_snapshot("a", &a).expect("save a");
    store.save_snapshot("b", &b).expect("save b");
    store
        .apply_delta(
            "a",
            &Delta {
                changed_users: &[],
                deleted_users: &[UserId::from("u1")],
                groups: Some(&[]),
                licenses: None,
                organisation: None,
                synced_at: t(500),
                max_last_modified: None,
            },
        )
        .expect("delta a");
    assert_eq!(store.load_snapshot("b").expect("load b"), Some(sorted(&b)));
    assert_eq!(
        store
            .load_snapshot("a")
            .expect("load a")
            .expect("a")
            .users
            .len(),
        1
    );

    store.enqueue("a", &delete("u2")).expect("enqueue a");
    store.enqueue("b", &delete("u1")).expect("enqueue b");
    store
        .set_profile_setting("a", "connection", "A")
        .expect("set");
    store
        .set_profile_setting("b", "connection", "B")
        .expect("set");
    store.set_setting("last_profile", "a").expect("set");

    // Clearing the cache keeps the outbox and settings.
    store.clear_snapshot("a").expect("clear");
    assert_eq!(store.load_snapshot("a").expect("load"), None);
    assert_eq!(store.pending("a").expect("pending").len(), 1);

    store.save_snapshot("a", &a).expect("save a again");
    store.forget_profile("a").expect("forget");
    assert_eq!(store.load_snapshot("a").expect("load"), None);
    assert!(store.outstanding("a").expect("outstanding").is_empty());
    assert_eq!(
        store.get_profile_setting("a", "connection").expect("get"),
        None
    );
    // Profile b and global settings are untouched.
    assert_eq!(store.load_snapshot("b").expect("load b"), Some(sorted(&b)));
    assert_eq!(store.pending("b").expect("pending b").len(), 1);
    assert_eq!(
        store
            .get_profile_setting("b", "connection")
            .expect("get")
            .as_deref(),
        Some("B")
    );
    assert_eq!(
        store.get_setting("last_profile").expect("get").as_deref(),
        Some("a")
    );
    assert_eq!(store.cached_profiles().expect("profiles"), ["b"]);
}

// ---------------------------------------------------------------------------------
// Corrupt rows

fn corrupt_user_row(data: impl rusqlite::ToSql) -> StoreError {
    let store = Store::in_memory().expect("store");
    store
        .save_snapshot(
            "acme",
            &snapshot(vec![user("u1", "ann"), user("u2", "bob")]),
        )
        .expect("save");
    store
        .lock()
        .execute("UPDATE snapshot_user SET data = ?1 WHERE id = 'u2'", [data])
        .expect("damage");
    store.load_snapshot("acme").expect_err("corrupt row")
}

#[test]
fn a_corrupt_user_row_is_an_error_naming_it() {
    // E.g. JSON where the binary form belongs.
    let err = corrupt_user_row(r#"{"id":"u2","user_name": tru"#);
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains(r#"user "u2""#) && text.contains(r#"profile "acme""#),
        "{text}"
    );
    // And the engine's error says the same.
    let core: CoreError = err.into();
    assert!(
        matches!(&core, CoreError::Store { detail } if detail.contains("u2")),
        "{core:?}"
    );
}

fn encoded(u: &User) -> Vec<u8> {
    let mut buf = Vec::new();
    codec::encode_user(u, &mut buf);
    buf
}

#[test]
fn a_truncated_user_row_or_one_with_the_wrong_id_is_corrupt() {
    let mut data = encoded(&user("u2", "bob"));
    data.truncate(data.len() - 3);
    let err = corrupt_user_row(rusqlite::types::Value::Blob(data));
    assert!(
        matches!(&err, StoreError::Corrupt { row, detail }
            if row.contains("\"u2\"") && detail.contains("truncated")),
        "{err:?}"
    );

    // Rows of format 2 (older versions) hold their id too: one that disagrees with
    // its key is corrupt. (Format 3 takes the id from the key alone.)
    let mut old = Vec::new();
    codec::encode_user_format_2(&user("u9", "eve"), &mut old);
    let err = corrupt_user_row(rusqlite::types::Value::Blob(old));
    assert!(
        matches!(&err, StoreError::Corrupt { detail, .. } if detail.contains("u9")),
        "{err:?}"
    );
}

#[test]
fn a_user_row_of_the_wrong_type_is_corrupt_not_a_panic() {
    let err = corrupt_user_row(rusqlite::types::Value::Integer(42));
    assert!(
        matches!(&err, StoreError::Corrupt { row, .. } if row.contains("u2")),
        "{err:?}"
    );
}

#[test]
fn a_corrupt_row_among_many_is_named_when_decoding_in_parallel() {
    let store = Store::in_memory().expect("store");
    let n = snapshot::PARALLEL_MIN_ROWS * 2;
    let users: Vec<User> = (0..n).map(|i| user(&format!("u{i:06}"), "x")).collect();
    store
        .save_snapshot("big", &snapshot(users.clone()))
        .expect("save");
    assert_eq!(
        store
            .load_snapshot("big")
            .expect("load")
            .expect("present")
            .users,
        users,
        "parallel decode keeps the order"
    );
    let bad = format!("u{:06}", n - 10);
    store
        .lock()
        .execute(
            "UPDATE snapshot_user SET data = x'01' WHERE id = ?1",
            [&bad],
        )
        .expect("damage");
    let err = store.load_snapshot("big").expect_err("corrupt");
    assert!(
        matches!(&err, StoreError::Corrupt { row, .. } if row.contains(&bad)),
        "{err:?}"
    );
}

#[test]
fn a_corrupt_organisation_is_an_error_naming_the_profile() {
    let store = Store::in_memory().expect("store");
    store
        .save_snapshot("acme", &snapshot(vec![]))
        .expect("save");
    store
        .lock()
        .execute("UPDATE snapshot SET organisation = '{' ", [])
        .expect("damage");
    let err = store.load_snapshot("acme").expect_err("corrupt");
    assert!(
        err.to_string().contains("organisation of profile \"acme\""),
        "{err}"
    );
}

#[test]
fn corrupt_outbox_rows_are_errors_naming_the_entry() {
    use rusqlite::types::Value;
    for (column, value) in [
        (
            "change",
            Value::Text(r#"{"kind":"launch_rockets"}"#.to_owned()),
        ),
        ("state", Value::Text("exploded".to_owned())),
        ("attempts", Value::Integer(-1)),
        ("created", Value::Text("yesterday".to_owned())),
    ] {
        let store = Store::in_memory().expect("store");
        let entry = store.enqueue("acme", &delete("u1")).expect("enqueue");
        store
            .lock()
            .execute(
                &format!("UPDATE outbox SET {column} = ?1 WHERE id = ?2"),
                rusqlite::params![value, entry.id.0],
            )
            .expect("damage");
        let err = store.outstanding("acme").expect_err(column);
        assert!(
            matches!(&err, StoreError::Corrupt { row, .. } if row == "outbox entry #1"),
            "{column}: {err:?}"
        );
        // The entry can still be discarded, which is the way out for the person.
        store.discard(entry.id).expect("discard the broken entry");
        assert!(store.outstanding("acme").expect("outstanding").is_empty());
    }
}

// ---------------------------------------------------------------------------------
// Outbox

#[test]
fn every_change_kind_round_trips_through_the_outbox() {
    let store = Store::in_memory().expect("store");
    let changes = vec![
        new_user("ann"),
        Change::PatchUser {
            id: UserId::from("u1"),
            ops: vec![
                PatchOp::replace("name.givenName", json!("Ann")),
                PatchOp::add("entitlements", json!([{"value": "office"}])),
            ],
            if_match: None,
        },
        delete("u2"),
        Change::GroupMembers {
            group: GroupId::from("g1"),
            add: vec![UserId::from("u1")],
            remove: vec![UserId::from("u2")],
        },
        Change::ResendInvitation {
            id: UserId::from("u3"),
        },
    ];
    for c in &changes {
        store.enqueue("acme", c).expect("enqueue");
    }
    let read: Vec<Change> = store
        .pending("acme")
        .expect("pending")
        .into_iter()
        .map(|e| e.change)
        .collect();
    assert_eq!(read, changes);
}

#[test]
fn entries_come_back_in_order_with_their_fields() {
    let store = Store::in_memory().expect("store");
    let before = Utc::now();
    let a = store.enqueue("acme", &new_user("ann")).expect("a");
    let b = store.enqueue("acme", &new_user("bob")).expect("b");
    let c = store.enqueue("acme", &delete("u1")).expect("c");
    assert!(a.id < b.id && b.id < c.id);
    assert_eq!(a.state, OutboxState::Pending);
    assert_eq!(a.attempts, 0);
    assert_eq!(a.not_before, None);
    assert_eq!(a.profile, "acme");
    assert!(a.created >= before && a.created <= Utc::now());
    // Idempotency keys are distinct UUIDs.
    for e in [&a, &b, &c] {
        assert!(uuid::Uuid::parse_str(&e.key).is_ok(), "{}", e.key);
    }
    assert_ne!(a.key, b.key);
    // What enqueue returns is what is stored.
    assert_eq!(
        store.pending("acme").expect("pending"),
        vec![a.clone(), b, c]
    );
    assert_eq!(store.entry(a.id).expect("entry"), Some(a));
    assert_eq!(store.entry(OutboxId(999)).expect("entry"), None);
}

#[test]
fn the_life_of_an_entry() {
    let store = Store::in_memory().expect("store");
    let a = store.enqueue("acme", &new_user("ann")).expect("a").id;
    let b = store.enqueue("acme", &new_user("bob")).expect("b").id;
    let c = store.enqueue("acme", &new_user("cid")).expect("c").id;

    store.mark_sending(a).expect("sending a");
    store.mark_sending(b).expect("sending b");
    // Pending lists only what still waits; outstanding shows everything not done.
    assert_eq!(
        states(&store.pending("acme").expect("p")),
        [(c.0, OutboxState::Pending)]
    );
    store.mark_done(a).expect("done a");
    store.mark_done(a).expect("done twice is fine");
    store
        .mark_failed(b, "Already exists: bob@corp.example")
        .expect("failed b");
    let out = store.outstanding("acme").expect("outstanding");
    assert_eq!(
        states(&out),
        [
            (
                b.0,
                OutboxState::Failed("Already exists: bob@corp.example".to_owned())
            ),
            (c.0, OutboxState::Pending)
        ]
    );
    assert_eq!(out[0].attempts, 1);
    // A failed entry is not sent again until retried.
    assert_eq!(
        states(&store.pending_due("acme", Utc::now()).expect("due")),
        [(c.0, OutboxState::Pending)]
    );
    store.retry(b).expect("retry b");
    assert_eq!(
        states(&store.pending("acme").expect("p")),
        [(b.0, OutboxState::Pending), (c.0, OutboxState::Pending)]
    );
    store.mark_sending(b).expect("sending b again");
    assert_eq!(store.entry(b).expect("b").expect("b").attempts, 2);
    store.mark_done(b).expect("done b");
    store.discard(c).expect("discard c");
    assert!(store.outstanding("acme").expect("outstanding").is_empty());
    assert_eq!(
        store
            .recent_done("acme", 10)
            .expect("done")
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [b, a]
    );
}

#[test]
fn steps_the_state_does_not_allow_are_refused_with_a_reason() {
    let store = Store::in_memory().expect("store");
    let a = store.enqueue("acme", &delete("u1")).expect("a").id;
    store.mark_sending(a).expect("sending");

    let err = store.mark_sending(a).expect_err("sending twice");
    assert!(
        matches!(
            err,
            StoreError::WrongState {
                state: "being sent",
                ..
            }
        ),
        "{err:?}"
    );
    let err = store.discard(a).expect_err("discard while sending");
    assert_eq!(
        err.to_string(),
        "outbox entry #1 is being sent, so it cannot be discarded"
    );
    store.mark_done(a).expect("done");
    for (what, result) in [
        ("retry", store.retry(a)),
        ("retry_at", store.retry_at(a, t(0))),
        ("mark_failed", store.mark_failed(a, "late")),
        ("mark_sending", store.mark_sending(a)),
    ] {
        assert!(
            matches!(result, Err(StoreError::WrongState { state: "done", .. })),
            "{what}: {result:?}"
        );
    }
    // A done entry can be removed from the log.
    store.discard(a).expect("discard done");
    let missing = OutboxId(a.0);
    for result in [
        store.mark_sending(missing),
        store.mark_done(missing),
        store.mark_failed(missing, "x"),
        store.retry(missing),
        store.discard(missing),
    ] {
        assert!(matches!(result, Err(StoreError::NoSuchEntry(id)) if id == missing));
    }
}

#[test]
fn a_crash_while_sending_puts_the_entry_back_to_pending_on_reopen() {
    let (_dir, path) = temp();
    let store = open(&path);
    let a = store.enqueue("acme", &new_user("ann")).expect("a");
    let b = store.enqueue("acme", &new_user("bob")).expect("b");
    let c = store.enqueue("acme", &new_user("cid")).expect("c");
    store.mark_sending(a.id).expect("sending a");
    store.mark_sending(b.id).expect("sending b");
    store.mark_done(b.id).expect("done b");
    store.mark_sending(c.id).expect("sending c");
    store.mark_failed(c.id, "HTTP 400").expect("failed c");
    // The process dies here: no mark_done for a.
    drop(store);

    let store = open(&path);
    let pending = store.pending("acme").expect("pending");
    assert_eq!(states(&pending), [(a.id.0, OutboxState::Pending)]);
    assert_eq!(
        pending[0].key, a.key,
        "same key, so the replay is the same change"
    );
    assert_eq!(pending[0].attempts, 1);
    assert_eq!(pending[0].change, a.change);
    assert_eq!(
        store.entry(c.id).expect("c").map(|e| e.state),
        Some(OutboxState::Failed("HTTP 400".to_owned()))
    );
    assert_eq!(
        store.entry(b.id).expect("b").map(|e| e.state),
        Some(OutboxState::Done)
    );
    assert_eq!(store.recover_interrupted().expect("again"), 0);
}

#[test]
fn a_delayed_entry_waits_for_its_time() {
    let store = Store::in_memory().expect("store");
    let now = Utc::now();
    let undo_until = now + Duration::seconds(10);
    let del = store
        .enqueue_delayed("acme", &delete("u1"), undo_until)
        .expect("delayed");
    let edit = store.enqueue("acme", &new_user("ann")).expect("edit");
    assert_eq!(del.not_before, Some(undo_until));

    // Visible (with its time) but not due.
    assert_eq!(store.pending("acme").expect("pending").len(), 2);
    assert_eq!(
        states(&store.pending_due("acme", now).expect("due")),
        [(edit.id.0, OutboxState::Pending)]
    );
    assert_eq!(
        store.next_not_before("acme").expect("next"),
        Some(undo_until)
    );
    assert_eq!(store.next_not_before("other").expect("next"), None);
    let due = store.pending_due("acme", undo_until).expect("due");
    assert_eq!(
        due.iter().map(|e| e.id).collect::<Vec<_>>(),
        [del.id, edit.id]
    );
    // One at a time: the same order.
    assert_eq!(
        store.next_due("acme", now).expect("next").map(|e| e.id),
        Some(edit.id)
    );
    assert_eq!(
        store.next_due("acme", undo_until).expect("next"),
        Some(del.clone())
    );
    assert_eq!(store.next_due("other", undo_until).expect("next"), None);

    // Undo: discard within the window.
    store.discard(del.id).expect("undo");
    assert_eq!(store.pending("acme").expect("pending").len(), 1);
    assert_eq!(store.next_not_before("acme").expect("next"), None);
}

#[test]
fn a_delayed_entry_can_be_sent_at_once_and_survives_a_restart() {
    let (_dir, path) = temp();
    let now = Utc::now();
    let store = open(&path);
    let del = store
        .enqueue_delayed("acme", &delete("u1"), now + Duration::seconds(10))
        .expect("delayed");
    drop(store);
    let store = open(&path);
    assert!(store.pending_due("acme", now).expect("due").is_empty());
    store.retry(del.id).expect("send now");
    assert_eq!(store.pending_due("acme", now).expect("due").len(), 1);
}

#[test]
fn retry_at_backs_off_a_transient_failure() {
    let store = Store::in_memory().expect("store");
    let now = Utc::now();
    let a = store.enqueue("acme", &new_user("ann")).expect("a");
    store.mark_sending(a.id).expect("sending");
    store
        .retry_at(a.id, now + Duration::seconds(30))
        .expect("back off");
    assert!(store.pending_due("acme", now).expect("due").is_empty());
    let due = store
        .pending_due("acme", now + Duration::seconds(30))
        .expect("due");
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 1);
    // Done clears the delay, so the log does not show a stale time.
    store.mark_done(a.id).expect("done");
    assert_eq!(store.entry(a.id).expect("a").expect("a").not_before, None);
}

#[test]
fn enqueue_with_a_key_is_idempotent() {
    let store = Store::in_memory().expect("store");
    let first = store
        .enqueue_with_key("acme", "import-1:row-7", &new_user("ann"), None)
        .expect("first");
    store.mark_sending(first.id).expect("sending");
    // Enqueued again (an interrupted import resumed): the same entry, not a new one.
    let again = store
        .enqueue_with_key("acme", "import-1:row-7", &new_user("ann"), None)
        .expect("again");
    assert_eq!(again.id, first.id);
    assert_eq!(again.state, OutboxState::Sending);
    assert_eq!(store.outstanding("acme").expect("out").len(), 1);
    let err = store
        .enqueue_with_key("other", "import-1:row-7", &new_user("ann"), None)
        .expect_err("key of another profile");
    assert!(matches!(err, StoreError::KeyInUse { ref profile, .. } if profile == "acme"));
}

#[test]
fn enqueue_many_keeps_the_order_given() {
    let store = Store::in_memory().expect("store");
    let changes: Vec<Change> = (0..200).map(|i| new_user(&format!("user{i}"))).collect();
    let entries = store.enqueue_many("acme", &changes).expect("many");
    assert_eq!(entries.len(), 200);
    let pending = store.pending("acme").expect("pending");
    assert_eq!(pending, entries);
    assert_eq!(
        pending.into_iter().map(|e| e.change).collect::<Vec<_>>(),
        changes
    );
}

#[test]
fn enqueue_syncs_fully_and_then_returns_to_normal() {
    let (_dir, path) = temp();
    let store = open(&path);
    let level = |store: &Store| pragma(store, "synchronous");
    assert_eq!(level(&store), 1, "NORMAL");
    store.enqueue("acme", &delete("u1")).expect("enqueue");
    store
        .enqueue_many("acme", &[delete("u2")])
        .expect("enqueue many");
    assert_eq!(level(&store), 1, "back to NORMAL after the durable commit");
}

#[test]
fn ids_are_not_reused_after_a_discard() {
    let (_dir, path) = temp();
    let store = open(&path);
    let a = store.enqueue("acme", &delete("u1")).expect("a");
    store.discard(a.id).expect("discard");
    drop(store);
    let store = open(&path);
    let b = store.enqueue("acme", &delete("u1")).expect("b");
    assert!(b.id > a.id);
}

#[test]
fn old_done_entries_are_pruned_per_profile() {
    let store = Store::in_memory().expect("store");
    let mut done = Vec::new();
    for profile in ["a", "b"] {
        for i in 0..5 {
            let e = store
                .enqueue(profile, &delete(&format!("u{i}")))
                .expect("enqueue");
            store.mark_done(e.id).expect("done");
            done.push(e.id);
        }
    }
    let pending = store.enqueue("a", &delete("keep")).expect("pending");
    let failed = store.enqueue("a", &delete("keep-too")).expect("failed");
    store.mark_failed(failed.id, "no").expect("fail");

    assert_eq!(store.prune_done(2).expect("prune"), 6);
    for profile in ["a", "b"] {
        assert_eq!(store.recent_done(profile, 100).expect("log").len(), 2);
    }
    assert_eq!(
        store
            .recent_done("a", 100)
            .expect("log")
            .iter()
            .map(|e| e.id)
            .collect::<Vec<_>>(),
        [done[4], done[3]],
        "the newest are kept"
    );
    assert_eq!(store.outstanding("a").expect("out").len(), 2);
    assert!(store.entry(pending.id).expect("entry").is_some());
    assert_eq!(store.recent_done("a", 1).expect("log").len(), 1);
}

#[test]
fn open_prunes_the_log_to_the_kept_size() {
    let (_dir, path) = temp();
    let store = open(&path);
    let changes: Vec<Change> = (0..DONE_ENTRIES_KEPT + 5)
        .map(|i| delete(&format!("u{i}")))
        .collect();
    for e in store.enqueue_many("acme", &changes).expect("many") {
        store.mark_done(e.id).expect("done");
    }
    drop(store);
    let store = open(&path);
    assert_eq!(
        store.recent_done("acme", usize::MAX).expect("log").len(),
        DONE_ENTRIES_KEPT
    );
}

#[test]
fn times_outside_the_storable_range_are_errors() {
    let store = Store::in_memory().expect("store");
    let far = Utc.with_ymd_and_hms(2500, 1, 1, 0, 0, 0).unwrap();
    let err = store
        .enqueue_delayed("acme", &delete("u1"), far)
        .expect_err("too far");
    assert!(matches!(err, StoreError::TimeOutOfRange(t) if t == far));
    let mut s = snapshot(vec![]);
    s.max_last_modified = Some(far);
    assert!(matches!(
        store.save_snapshot("acme", &s),
        Err(StoreError::TimeOutOfRange(_))
    ));
}

// ---------------------------------------------------------------------------------
// Settings

#[test]
fn settings_global_and_per_profile() {
    let (_dir, path) = temp();
    let store = open(&path);
    assert_eq!(store.get_setting("last_profile").expect("get"), None);
    store.set_setting("last_profile", "acme").expect("set");
    store.set_setting("last_profile", "demo").expect("replace");
    let conn = r#"{"base_url":"https://acme.example/scim/v2","ca_cert":null}"#;
    store
        .set_profile_setting("acme", "connection", conn)
        .expect("set");
    store
        .set_profile_setting("demo", "connection", "{}")
        .expect("set");
    store
        .set_profile_setting("demo", "theme", "dark")
        .expect("set");
    drop(store);

    let store = open(&path);
    assert_eq!(
        store.get_setting("last_profile").expect("get").as_deref(),
        Some("demo")
    );
    // A profile setting is not a global one, and profiles do not share them.
    assert_eq!(store.get_setting("connection").expect("get"), None);
    assert_eq!(
        store.get_profile_setting("acme", "theme").expect("get"),
        None
    );
    assert_eq!(
        store
            .get_profile_setting("acme", "connection")
            .expect("get")
            .as_deref(),
        Some(conn)
    );
    assert_eq!(
        store.profiles_with_setting("connection").expect("list"),
        [
            ("acme".to_owned(), conn.to_owned()),
            ("demo".to_owned(), "{}".to_owned())
        ]
    );
    store
        .remove_profile_setting("demo", "connection")
        .expect("rm");
    store.remove_setting("last_profile").expect("rm");
    store.remove_setting("never-set").expect("rm nothing");
    assert_eq!(store.get_setting("last_profile").expect("get"), None);
    assert_eq!(
        store
            .profiles_with_setting("connection")
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        store
            .get_profile_setting("demo", "theme")
            .expect("get")
            .as_deref(),
        Some("dark")
    );
}
