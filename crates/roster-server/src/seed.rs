//! First-start setup: the organisation, the demo organisation's people, generated
//! users for benchmarks, and admin tokens.

use chrono::{Duration, Utc};
use roster_proto::urn::ROSTER_USER;
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
pub fn setup(
    conn: &Connection,
    org: Option<&OrgSettings>,
    demo: bool,
    generated: Option<usize>,
) -> ApiResult<()> {
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
        let org = organisation::load(conn)?.unwrap_or_default();
        seed(conn, &org, generated.unwrap_or(300))?;
    }
    Ok(())
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
    let mut taken = std::collections::HashSet::new();
    let mut member = conn.prepare_cached(
        "INSERT INTO members (group_id, member_id, member_type) VALUES (?1, ?2, 'User')",
    )?;
    let mut email = conn.prepare_cached(
        "INSERT INTO emails (id, user_id, recipient, kind, created) VALUES (?1, ?2, ?3, 'invitation', ?4)",
    )?;
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
            let mut candidate = format!("{base}@{domain}");
            let mut n = 2;
            while taken.contains(&candidate) {
                candidate = format!("{base}{n}@{domain}");
                n += 1;
            }
            (given, family, candidate)
        };
        taken.insert(user_name.clone());
        let admin = i == 0 || rng.chance(3);
        let local_login = admin || rng.chance(22);
        let mut entitlements = Vec::new();
        if rng.chance(70) {
            entitlements
                .push(json!({"value": "office", "display": "Office Suite", "type": "license"}));
        }
        if rng.chance(35) {
            entitlements.push(
                json!({"value": "security", "display": "Security Awareness", "type": "license"}),
            );
        }
        if rng.chance(4) {
            entitlements
                .push(json!({"value": "design", "display": "Design Studio", "type": "license"}));
        }
        let doc = json!({
            "userName": user_name,
            "name": {"givenName": given, "familyName": family, "formatted": format!("{given} {family}")},
            "displayName": format!("{given} {family}"),
            "title": rng.pick(TITLES),
            "emails": [{"value": user_name, "type": "work", "primary": true}],
            "active": true,
            "entitlements": entitlements,
            ROSTER_USER: {"organisationAdministrator": admin, "localLogin": local_login},
        });
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
        let id = insert_user(conn, &doc, &created, last.as_deref())?;
        let mut in_group = false;
        for (gid, (_, _, share)) in group_ids.iter().zip(GROUPS) {
            if rng.below(100) < *share && !in_group {
                member.execute(params![gid, id])?;
                in_group = true;
            }
        }
        if never {
            email.execute(params![
                uuid::Uuid::new_v4().to_string(),
                id,
                user_name,
                created
            ])?;
        }
    }
    Ok(())
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
    fn rng_is_deterministic() {
        let mut a = Rng(7);
        let mut b = Rng(7);
        assert_eq!((a.next(), a.next()), (b.next(), b.next()));
    }
}
