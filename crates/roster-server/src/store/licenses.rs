//! Licenses: lookup, seat counting and the `/Licenses` resources.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};

/// A license of the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct License {
    pub id: String,
    pub name: String,
    pub seats: u64,
}

/// Adds a license (seeding and tests).
pub fn insert(conn: &Connection, license: &License, now: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO licenses (id, name, seats, created, last_modified) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![license.id, license.name, license.seats, now],
    )?;
    Ok(())
}

/// The license whose id, or name (case-insensitive), is `value`.
pub fn resolve(conn: &Connection, value: &str) -> ApiResult<License> {
    let found = conn
        .query_row(
            "SELECT id, name, seats FROM licenses WHERE id = ?1 OR casefold(name) = casefold(?1)
             ORDER BY id = ?1 DESC LIMIT 1",
            [value.trim()],
            |r| {
                Ok(License {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    seats: r.get(2)?,
                })
            },
        )
        .optional()?;
    match found {
        Some(license) => Ok(license),
        None => {
            let known: Vec<String> = all(conn)?.into_iter().map(|l| l.id).collect();
            Err(ApiError::invalid_value(format!(
                "unknown license {value:?}; the organisation's licenses are: {}",
                known.join(", ")
            )))
        }
    }
}

/// Every license, in creation order.
pub fn all(conn: &Connection) -> ApiResult<Vec<License>> {
    let mut stmt = conn.prepare_cached("SELECT id, name, seats FROM licenses ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok(License {
            id: r.get(0)?,
            name: r.get(1)?,
            seats: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Users holding `license_id`, directly or through a group.
pub fn assigned(conn: &Connection, license_id: &str) -> ApiResult<u64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM (
            SELECT user_id FROM user_licenses WHERE license_id = ?1
            UNION
            SELECT m.member_id FROM members m JOIN group_licenses gl ON gl.group_id = m.group_id
            WHERE gl.license_id = ?1 AND m.member_type = 'User')",
        [license_id],
        |r| r.get(0),
    )?)
}

/// Seat counts within one write transaction, so that a bulk of a thousand creates
/// counts each license once instead of once per user.
#[derive(Debug, Default)]
pub struct SeatLedger {
    counts: HashMap<String, u64>,
}

impl SeatLedger {
    /// Records that one more user holds `license`, refusing when no seat is left.
    pub fn take(&mut self, conn: &Connection, license: &License) -> ApiResult<()> {
        let count = match self.counts.get(&license.id) {
            Some(n) => *n,
            None => assigned(conn, &license.id)?,
        };
        if count >= license.seats {
            return Err(no_seat(license, count));
        }
        self.counts.insert(license.id.clone(), count + 1);
        Ok(())
    }

    /// Forgets the cached count of `license_id` (after a change that moves many seats).
    pub fn forget(&mut self, license_id: &str) {
        self.counts.remove(license_id);
    }

    /// Refuses when `license` is now held by more users than it has seats and the
    /// change raised the count from `before`.
    pub fn check_after(
        &mut self,
        conn: &Connection,
        license: &License,
        before: u64,
    ) -> ApiResult<()> {
        self.forget(&license.id);
        let now = assigned(conn, &license.id)?;
        if now > license.seats && now > before {
            return Err(no_seat(license, before));
        }
        Ok(())
    }

    /// Records that one user no longer holds `license_id`.
    pub fn release(&mut self, license_id: &str) {
        if let Some(n) = self.counts.get_mut(license_id) {
            *n = n.saturating_sub(1);
        }
    }
}

fn no_seat(license: &License, used: u64) -> ApiError {
    ApiError::invalid_value(format!(
        "license {} ({}) has no seat left: {used} of {} seats are assigned",
        license.id, license.name, license.seats
    ))
}

/// The `/Licenses` resource of `license`.
pub fn render(conn: &Connection, license: &License, base: &str) -> ApiResult<Value> {
    let (created, modified): (String, String) = conn.query_row(
        "SELECT created, last_modified FROM licenses WHERE id = ?1",
        [&license.id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(json!({
        "schemas": [roster_proto::urn::LICENSE],
        "id": license.id,
        "name": license.name,
        "seats": license.seats,
        "seatsAssigned": assigned(conn, &license.id)?,
        "meta": {
            "resourceType": "License",
            "created": created,
            "lastModified": modified,
            "location": format!("{base}/Licenses/{}", license.id),
        }
    }))
}

/// The license with id `id`.
pub fn get(conn: &Connection, id: &str) -> ApiResult<License> {
    conn.query_row(
        "SELECT id, name, seats FROM licenses WHERE id = ?1",
        [id],
        |r| {
            Ok(License {
                id: r.get(0)?,
                name: r.get(1)?,
                seats: r.get(2)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found(format!("no license with id {id}")))
}
