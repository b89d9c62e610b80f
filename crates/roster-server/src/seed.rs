//! First-start setup: the organisation, the demo organisation's people, generated
//! users for benchmarks, and admin tokens.

use chrono::{Duration, Utc};
use roster_proto::urn::ROSTER_USER;
use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::store::licenses::{self, License};
use crate::store::organisation::{self, OrgSettings};
use crate::store::{tokens, users};
use crate::time;

/// The demo organisation's settings.
pub fn demo_organisation() -> OrgSettings {
    OrgSettings {
        name: "Lumen Analytics".to_owned(),
        authorized_domains: vec![
            "lumen-analytics.example".to_owned(),
            "lumen.example".to_owned(),
        ],
        identity_provider: false,
    }
}

/// userName of the demo organisation's administrator (the demo's "you").
pub const DEMO_ADMIN: &str = "camille.laurent@lumen-analytics.example";

/// Stores the organisation settings and seeds users when asked and none exist.
/// Runs before the database serves anyone ([`crate::Db::open_with`]).
pub fn setup(
    conn: &mut Connection,
    org: Option<&OrgSettings>,
    demo: bool,
    generated: Option<usize>,
) -> ApiResult<()> {
    let tx = conn.transaction()?;
    let seed_now = store_organisation(&tx, org, demo, generated)?;
    tx.commit()?;
    let Some(org) = seed_now else {
        return Ok(());
    };
    // Seeding writes a new database of up to a gigabyte in one transaction. In WAL
    // mode every page would be written twice (to the WAL, then checkpointed), so
    // the load uses an in-memory rollback journal (the database was empty: the
    // journal holds a few pages, and an error still rolls back) without syncs, and
    // WAL comes back before anyone is served. A crash in the middle leaves a
    // half-seeded file, which is what a crash while seeding leaves anyway.
    conn.pragma_update(None, "journal_mode", "MEMORY")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    let count = generated.unwrap_or(300);
    let started = std::time::Instant::now();
    let seeded = (|| {
        let tx = conn.transaction()?;
        seed(&tx, &org, count)?;
        tx.commit()?;
        Ok(())
    })();
    tracing::info!(users = count, elapsed = ?started.elapsed(), "seeded");
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    seeded
}

/// Stores the organisation settings; returns them when users must be seeded.
fn store_organisation(
    conn: &Connection,
    org: Option<&OrgSettings>,
    demo: bool,
    generated: Option<usize>,
) -> ApiResult<Option<OrgSettings>> {
    let now = time::now();
    let seeding = demo || generated.is_some();
    let settings = match (org, organisation::load(conn)?) {
        (Some(given), _) => Some(given.clone()),
        (None, None) if seeding => Some(demo_organisation()),
        (None, None) => Some(OrgSettings::default()),
        (None, Some(_)) => None,
    };
    if let Some(settings) = &settings {
        organisation::save(conn, settings, &now)?;
    }
    let count: u64 = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    if count == 0 && seeding {
        return Ok(Some(organisation::load(conn)?.unwrap_or_default()));
    }
    Ok(None)
}

/// A new token for `user_name`.
pub fn token_for(conn: &Connection, user_name: &str, label: &str) -> ApiResult<String> {
    let id = users::id_by_user_name(conn, user_name)?
        .ok_or_else(|| ApiError::not_found(format!("no user {user_name}")))?;
    tokens::issue(conn, &id, label, &time::now())
}

/// The userName of an active administrator. When there is none (an organisation
/// whose last administrator was demoted or deactivated before that was refused),
/// `admin@DOMAIN` is made one again, or created when it does not exist.
pub fn ensure_admin(conn: &Connection) -> ApiResult<String> {
    let found: Option<String> = conn
        .query_row(
            &format!(
                "SELECT user_name FROM users WHERE {} ORDER BY seq LIMIT 1",
                users::ACTIVE_ADMIN_SQL
            ),
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(name) = found {
        return Ok(name);
    }
    let org = organisation::load(conn)?.unwrap_or_default();
    let domain = org
        .authorized_domains
        .iter()
        .find(|d| *d != "*")
        .map_or("example.com", String::as_str);
    let user_name = format!("admin@{domain}");
    if let Some(id) = users::id_by_user_name(conn, &user_name)? {
        // Re-promote rather than insert: the userName is taken.
        let mut doc = users::load(conn, &id)?.doc;
        doc["active"] = json!(true);
        match doc.get_mut(ROSTER_USER).and_then(Value::as_object_mut) {
            Some(ext) => {
                ext.insert("organisationAdministrator".into(), json!(true));
            }
            None => doc[ROSTER_USER] = json!({"organisationAdministrator": true}),
        }
        conn.execute(
            "UPDATE users SET doc = ?2, last_modified = ?3, version = version + 1 WHERE id = ?1",
            params![id, doc.to_string(), time::now()],
        )?;
        tracing::warn!(user = ?user_name, "no active administrator: made this user one again");
        return Ok(user_name);
    }
    let doc = json!({
        "userName": user_name,
        "name": {"givenName": "Organisation", "familyName": "Administrator"},
        "displayName": "Organisation Administrator",
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "active": true,
        ROSTER_USER: {"organisationAdministrator": true, "localLogin": true},
    });
    insert_user(conn, &doc, &time::now(), None)?;
    Ok(user_name)
}

fn insert_user(
    conn: &Connection,
    doc: &Value,
    created: &str,
    last: Option<&str>,
) -> ApiResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let user_name = doc["userName"].as_str().unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO users (id, user_name, user_name_key, doc, created, last_modified, version,
             last_connection, invited_at)
         VALUES (?1, ?2, casefold(?2), ?3, ?4, ?4, 1, ?5, ?4)",
    )?
    .execute(params![id, user_name, doc.to_string(), created, last])?;
    let mut lic =
        conn.prepare_cached("INSERT INTO user_licenses (user_id, license_id) VALUES (?1, ?2)")?;
    for e in doc["entitlements"].as_array().into_iter().flatten() {
        lic.execute(params![id, e["value"].as_str().unwrap_or_default()])?;
    }
    Ok(id)
}

/// Deterministic pseudo-random numbers (SplitMix64): the same seed gives the same
/// organisation on every machine and every version of the dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const GIVEN: &[&str] = &[
    "Amara",
    "Bastien",
    "Chen",
    "Dalia",
    "Emeka",
    "Freya",
    "Gabriel",
    "Hana",
    "Ibrahim",
    "Jonas",
    "Keiko",
    "Léa",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sami",
    "Tomasz",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoé",
    "Aisha",
    "Bruno",
    "Clara",
    "Dmitri",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Inès",
    "Jamal",
    "Kasia",
    "Lucas",
    "Maya",
    "Nils",
    "Olga",
    "Pablo",
    "Rania",
    "Sven",
    "Tariq",
    "Valentina",
    "William",
    "Yara",
    "Zeynep",
    "Anouk",
];
const FAMILY: &[&str] = &[
    "Adeyemi",
    "Bauer",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ishikawa",
    "Jansen",
    "Kowalski",
    "Lefèvre",
    "Moreau",
    "Nakamura",
    "O'Brien",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ulrich",
    "Vasquez",
    "Wagner",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Andersson",
    "Bianchi",
    "Chowdhury",
    "Delacroix",
    "Okafor",
    "Novak",
    "Lindqvist",
    "Mendes",
    "Horvat",
    "Kim",
    "Nguyen",
    "Singh",
    "Mbeki",
    "Fontaine",
];
const TITLES: &[&str] = &[
    "Data Analyst",
    "Software Engineer",
    "Account Executive",
    "Designer",
    "Support Specialist",
    "Financial Controller",
    "Product Manager",
    "Marketing Lead",
    "Engineering Manager",
];

/// Folds a name into the ASCII local part of an address (`Léa O'Brien` → `lea.obrien`).
fn address_part(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'à' | 'á' | 'â' | 'ä' => Some('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' => Some('e'),
            'í' | 'ï' => Some('i'),
            'ó' | 'ö' | 'ô' => Some('o'),
            'ú' | 'ü' => Some('u'),
            'ç' => Some('c'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// (group name, licenses its members inherit, share of users in it in percent).
const GROUPS: &[(&str, &[&str], u64)] = &[
    ("Engineering", &["analytics"], 30),
    ("Sales", &["crm"], 20),
    ("Marketing", &["design"], 12),
    ("Finance", &[], 10),
    ("Support", &["crm"], 18),
    ("Leadership", &["analytics"], 10),
];

fn seed(conn: &Connection, org: &OrgSettings, count: usize) -> ApiResult<()> {
    let now = Utc::now();
    let stamp = time::format(now);
    // An organisation seeded with few users (tests, conformance runs) still has seats
    // to hand out.
    let scale = |share: f64| ((count as f64 * share).ceil() as u64).max(100);
    let catalogue = [
        License {
            id: "office".into(),
            name: "Office Suite".into(),
            seats: scale(0.85),
        },
        License {
            id: "analytics".into(),
            name: "Analytics Pro".into(),
            seats: scale(0.55),
        },
        License {
            id: "crm".into(),
            name: "CRM Enterprise".into(),
            seats: scale(0.5),
        },
        License {
            id: "design".into(),
            name: "Design Studio".into(),
            seats: scale(0.2),
        },
        License {
            id: "security".into(),
            name: "Security Awareness".into(),
            seats: scale(0.6),
        },
    ];
    for license in &catalogue {
        licenses::insert(conn, license, &stamp)?;
    }
    let domains: Vec<&str> = org
        .authorized_domains
        .iter()
        .map(String::as_str)
        .filter(|d| *d != "*")
        .collect();
    let demo = demo_organisation();
    let domains: Vec<&str> = if domains.is_empty() {
        demo.authorized_domains.iter().map(String::as_str).collect()
    } else {
        domains
    };
    let mut group_ids = Vec::new();
    for (name, group_licenses, _) in GROUPS {
        let id = uuid::Uuid::new_v4().to_string();
        let list: Vec<Value> = group_licenses
            .iter()
            .filter_map(|l| catalogue.iter().find(|c| c.id == *l))
            .map(|l| json!({"value": l.id, "display": l.name}))
            .collect();
        let doc = json!({
            "displayName": name,
            roster_proto::urn::ROSTER_GROUP: {"licenses": list},
        });
        conn.execute(
            "INSERT INTO groups (id, display_name, display_name_key, doc, created, last_modified, version)
             VALUES (?1, ?2, casefold(?2), ?3, ?4, ?4, 1)",
            params![id, name, doc.to_string(), stamp],
        )?;
        for l in group_licenses.iter() {
            conn.execute(
                "INSERT INTO group_licenses (group_id, license_id) VALUES (?1, ?2)",
                params![id, l],
            )?;
        }
        group_ids.push(id);
    }

    let mut rng = Rng(0x5EED_2026);
    // How many users already have each `local.part@domain`: the k-th gets suffix k
    // (`lea.kim3@…`). Same addresses as probing `taken` for the first free suffix,
    // which made seeding quadratic (half a million probes per user at 1M users).
    // Equivalent because a generated local part never ends in a digit, so suffixed
    // addresses of different people cannot collide.
    let mut taken: HashMap<String, u32> = HashMap::new();
    let mut bulk = BulkLoad::start(conn)?;
    let group_uuids: Vec<u128> = group_ids
        .iter()
        .map(|g| uuid::Uuid::parse_str(g).map(|u| u.as_u128()))
        .collect::<Result<_, _>>()
        .map_err(ApiError::internal)?;
    for i in 0..count {
        let (given, family, user_name) = if i == 0 {
            ("Camille", "Laurent", DEMO_ADMIN.to_owned())
        } else {
            let given = *rng.pick(GIVEN);
            let family = *rng.pick(FAMILY);
            let domain = if rng.chance(80) {
                domains[0]
            } else {
                *rng.pick(&domains)
            };
            let base = format!("{}.{}", address_part(given), address_part(family));
            let seen = taken.entry(format!("{base}@{domain}")).or_insert(0);
            *seen += 1;
            let user_name = if *seen == 1 {
                format!("{base}@{domain}")
            } else {
                format!("{base}{seen}@{domain}")
            };
            (given, family, user_name)
        };
        let admin = i == 0 || rng.chance(3);
        let local_login = admin || rng.chance(22);
        let held = [rng.chance(70), rng.chance(35), rng.chance(4)];
        let title = *rng.pick(TITLES);
        let doc = SeededUser {
            given,
            family,
            user_name: &user_name,
            title,
            licenses: &held,
            admin,
            local_login,
        }
        .doc();
        let never = i != 0 && rng.chance(12);
        let created_days = if never {
            rng.below(30)
        } else {
            30 + rng.below(700)
        };
        let created =
            now - Duration::days(created_days as i64) - Duration::minutes(rng.below(1440) as i64);
        let last = (!never).then(|| {
            // Most people connected recently; a tail has been away for months.
            let days = if rng.chance(75) {
                rng.below(30)
            } else {
                rng.below(created_days.min(365))
            };
            time::format(
                now - Duration::days(days as i64) - Duration::minutes(rng.below(1440) as i64),
            )
        });
        let created = time::format(created);
        let id = uuid::Uuid::new_v4();
        let id_text = id.hyphenated().to_string();
        bulk.user(&id_text, &user_name, &doc, &created, last.as_deref())?;
        for (l, _) in held.iter().enumerate().filter(|(_, held)| **held) {
            bulk.licenses.push((id.as_u128(), l as u8));
        }
        let mut in_group = false;
        for (g, (_, _, share)) in GROUPS.iter().enumerate() {
            if rng.below(100) < *share && !in_group {
                bulk.members.push((group_uuids[g], id.as_u128()));
                in_group = true;
            }
        }
        if never {
            bulk.email(
                &uuid::Uuid::new_v4().to_string(),
                &id_text,
                &user_name,
                &created,
            )?;
        }
    }
    bulk.finish(&SEEDED_LICENSES.map(|(id, _)| id))
}

/// The licenses a generated user may hold directly: (id, name), in the order of
/// the document's `entitlements`.
const SEEDED_LICENSES: [(&str, &str); 3] = [
    ("office", "Office Suite"),
    ("security", "Security Awareness"),
    ("design", "Design Studio"),
];

/// What a generated user's document says.
struct SeededUser<'a> {
    given: &'a str,
    family: &'a str,
    user_name: &'a str,
    title: &'a str,
    /// Which of [`SEEDED_LICENSES`] the user holds.
    licenses: &'a [bool; 3],
    admin: bool,
    local_login: bool,
}

impl SeededUser<'_> {
    /// The stored document, printed directly: byte for byte what `serde_json`
    /// prints for the same `Value` (keys in order), without building it: a third
    /// of the seeding time went to building and printing a million `Value`s.
    fn doc(&self) -> String {
        use crate::json_text::push_str;
        let display = format!("{} {}", self.given, self.family);
        let mut doc = String::with_capacity(600);
        doc.push_str("{\"active\":true,\"displayName\":");
        push_str(&mut doc, &display);
        doc.push_str(",\"emails\":[{\"primary\":true,\"type\":\"work\",\"value\":");
        push_str(&mut doc, self.user_name);
        doc.push_str("}],\"entitlements\":[");
        let held = SEEDED_LICENSES
            .iter()
            .zip(self.licenses)
            .filter(|(_, held)| **held);
        for (i, ((id, name), _)) in held.enumerate() {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str("{\"display\":");
            push_str(&mut doc, name);
            doc.push_str(",\"type\":\"license\",\"value\":");
            push_str(&mut doc, id);
            doc.push('}');
        }
        doc.push_str("],\"name\":{\"familyName\":");
        push_str(&mut doc, self.family);
        doc.push_str(",\"formatted\":");
        push_str(&mut doc, &display);
        doc.push_str(",\"givenName\":");
        push_str(&mut doc, self.given);
        doc.push_str("},\"title\":");
        push_str(&mut doc, self.title);
        doc.push(',');
        push_str(&mut doc, ROSTER_USER);
        doc.push_str(if self.local_login {
            ":{\"localLogin\":true"
        } else {
            ":{\"localLogin\":false"
        });
        doc.push_str(if self.admin {
            ",\"organisationAdministrator\":true},\"userName\":"
        } else {
            ",\"organisationAdministrator\":false},\"userName\":"
        });
        push_str(&mut doc, self.user_name);
        doc.push('}');
        doc
    }

    /// The same document built as a `Value` (what seeding did before), for the test.
    #[cfg(test)]
    fn value(&self) -> Value {
        let entitlements: Vec<Value> = SEEDED_LICENSES
            .iter()
            .zip(self.licenses)
            .filter(|(_, held)| **held)
            .map(|((id, name), _)| json!({"value": id, "display": name, "type": "license"}))
            .collect();
        let (given, family) = (self.given, self.family);
        json!({
            "userName": self.user_name,
            "name": {"givenName": given, "familyName": family, "formatted": format!("{given} {family}")},
            "displayName": format!("{given} {family}"),
            "title": self.title,
            "emails": [{"value": self.user_name, "type": "work", "primary": true}],
            "active": true,
            "entitlements": entitlements,
            ROSTER_USER: {"organisationAdministrator": self.admin, "localLogin": self.local_login},
        })
    }
}

/// The bulk insert of generated users into an empty organisation, in the seeding
/// transaction. Row by row into SQLite's B-trees, a million users cost random
/// inserts into every index (ids and userName keys are random): most of the time
/// went to index pages falling out of the cache. So the secondary indexes are
/// dropped and built once at the end (a sort), and the rows of the WITHOUT ROWID
/// link tables are kept (as 17 or 32 bytes each) and written in key order.
struct BulkLoad<'c> {
    conn: &'c Connection,
    users: rusqlite::CachedStatement<'c>,
    emails: rusqlite::CachedStatement<'c>,
    /// Indexes dropped for the load, with the SQL that recreates them.
    indexes: Vec<(String, String)>,
    /// The connection's page cache size before the load.
    cache_size: i64,
    /// (user id, index into the licence ids) of `user_licenses`.
    licenses: Vec<(u128, u8)>,
    /// (group id, user id) of `members`.
    members: Vec<(u128, u128)>,
}

/// Page cache of the bulk load (KiB).
const BULK_CACHE_KIB: i64 = 256 * 1024;

/// Tables whose secondary indexes are rebuilt after the load.
const BULK_TABLES: &str = "'users', 'members', 'user_licenses', 'emails'";

impl<'c> BulkLoad<'c> {
    fn start(conn: &'c Connection) -> ApiResult<Self> {
        // The explicit CREATE INDEX ones (`sql` is NULL for UNIQUE and primary keys,
        // which cannot be dropped).
        let indexes: Vec<(String, String)> = conn
            .prepare(&format!(
                "SELECT name, sql FROM sqlite_master
                 WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({BULK_TABLES})"
            ))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (name, _) in &indexes {
            conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        }
        // The unique indexes on ids and userName keys stay, and take random inserts:
        // at 1M users they are about 110 MB. With the usual 32 MB cache most inserts
        // re-read an index page the cache had to write out; this holds them (memory
        // is taken as pages are used, so small loads do not pay it).
        let cache_size: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        conn.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        Ok(Self {
            conn,
            users: conn.prepare_cached(
                "INSERT INTO users (id, user_name, user_name_key, doc, created, last_modified,
                     version, last_connection, invited_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, ?6, ?5)",
            )?,
            emails: conn.prepare_cached(
                "INSERT INTO emails (id, user_id, recipient, kind, created)
                 VALUES (?1, ?2, ?3, 'invitation', ?4)",
            )?,
            indexes,
            cache_size,
            licenses: Vec::new(),
            members: Vec::new(),
        })
    }

    fn user(
        &mut self,
        id: &str,
        user_name: &str,
        doc: &str,
        created: &str,
        last: Option<&str>,
    ) -> ApiResult<()> {
        // What the `casefold` SQL function computes, without a call into Rust per row.
        let key = user_name.to_lowercase();
        self.users
            .execute(params![id, user_name, key, doc, created, last])?;
        Ok(())
    }

    fn email(&mut self, id: &str, user_id: &str, recipient: &str, created: &str) -> ApiResult<()> {
        self.emails
            .execute(params![id, user_id, recipient, created])?;
        Ok(())
    }

    fn finish(mut self, licence_ids: &[&str]) -> ApiResult<()> {
        let text = |id: u128| uuid::Uuid::from_u128(id).hyphenated().to_string();
        // Lowercase hex of fixed width sorts as the numbers do: this is key order.
        self.licenses.sort_unstable();
        let mut insert = self
            .conn
            .prepare_cached("INSERT INTO user_licenses (user_id, license_id) VALUES (?1, ?2)")?;
        for (user, licence) in &self.licenses {
            insert.execute(params![text(*user), licence_ids[usize::from(*licence)]])?;
        }
        self.members.sort_unstable();
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO members (group_id, member_id, member_type) VALUES (?1, ?2, 'User')",
        )?;
        for (group, user) in &self.members {
            insert.execute(params![text(*group), text(*user)])?;
        }
        for (_, sql) in &self.indexes {
            self.conn.execute_batch(sql)?;
        }
        self.conn
            .pragma_update(None, "cache_size", self.cache_size)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_part_folds_accents_and_punctuation() {
        assert_eq!(address_part("Léa"), "lea");
        assert_eq!(address_part("O'Brien"), "obrien");
        assert_eq!(address_part("Zoé"), "zoe");
    }

    #[test]
    fn seeded_documents_print_as_their_values_do() {
        for (given, family, title) in [
            ("Léa", "O'Brien", "Data Analyst"),
            ("Zoé", "García", "Designer"),
            ("Quote\"d", "Back\\slash", "Tab\there\n"),
        ] {
            for licenses in [[false; 3], [true, false, true], [true; 3]] {
                for (admin, local_login) in [(false, false), (true, true), (false, true)] {
                    let user = SeededUser {
                        given,
                        family,
                        user_name: "lea.obrien2@lumen-analytics.example",
                        title,
                        licenses: &licenses,
                        admin,
                        local_login,
                    };
                    assert_eq!(user.doc(), user.value().to_string());
                }
            }
        }
    }

    #[test]
    fn rng_is_deterministic() {
        let mut a = Rng(7);
        let mut b = Rng(7);
        assert_eq!((a.next(), a.next()), (b.next(), b.next()));
    }
}
