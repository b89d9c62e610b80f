//! The email outbox: invitation and set-password emails recorded for users.

use roster_proto::resources::InvitationKind;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

use crate::error::ApiResult;

/// Records an email of `kind` for `user_id` and returns its id.
pub fn record(
    conn: &Connection,
    user_id: &str,
    recipient: &str,
    kind: InvitationKind,
    now: &str,
) -> ApiResult<String> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO emails (id, user_id, recipient, kind, created) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, user_id, recipient, kind.as_str(), now],
    )?;
    if kind == InvitationKind::Invitation {
        conn.execute(
            "UPDATE users SET invited_at = ?2 WHERE id = ?1",
            params![user_id, now],
        )?;
    }
    Ok(id)
}

/// The address a user's emails go to: the primary email, else the first, else the
/// userName when it is an address.
pub fn recipient_of(doc: &Value) -> String {
    let emails = doc["emails"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    emails
        .iter()
        .find(|e| e["primary"] == Value::Bool(true))
        .or_else(|| emails.first())
        .and_then(|e| e["value"].as_str())
        .or_else(|| {
            doc["userName"]
                .as_str()
                .map(str::trim)
                .filter(|u| roster_proto::email::is_valid(u))
        })
        .unwrap_or_default()
        .to_owned()
}

/// One `/Invitations` resource.
fn render(row: &rusqlite::Row<'_>, base: &str) -> rusqlite::Result<Value> {
    let id: String = row.get(0)?;
    let delivered: Option<String> = row.get(5)?;
    Ok(json!({
        "schemas": [roster_proto::urn::INVITATION],
        "id": id,
        "userId": row.get::<_, String>(1)?,
        "recipient": row.get::<_, String>(2)?,
        "kind": row.get::<_, String>(3)?,
        "sentAt": row.get::<_, String>(4)?,
        "delivered": delivered.is_some(),
        "meta": {
            "resourceType": "Invitation",
            "created": row.get::<_, String>(4)?,
            "lastModified": delivered.unwrap_or(row.get::<_, String>(4)?),
            "location": format!("{base}/Invitations/{id}"),
        }
    }))
}

const COLUMNS: &str = "id, user_id, recipient, kind, created, delivered_at";

/// Recorded emails, oldest first, optionally only those of `user_id`.
pub fn list(conn: &Connection, user_id: Option<&str>, base: &str) -> ApiResult<Vec<Value>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM emails WHERE ?1 IS NULL OR user_id = ?1 ORDER BY seq"
    ))?;
    let rows = stmt.query_map([user_id], |r| render(r, base))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One recorded email.
pub fn get(conn: &Connection, id: &str, base: &str) -> ApiResult<Option<Value>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM emails WHERE id = ?1"))?;
    let mut rows = stmt.query_map([id], |r| render(r, base))?;
    Ok(rows.next().transpose()?)
}

/// An email waiting for SMTP delivery.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    pub recipient: String,
    pub kind: String,
}

/// Emails not yet delivered over SMTP (at most `limit`).
pub fn undelivered(conn: &Connection, limit: usize) -> ApiResult<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recipient, kind FROM emails WHERE delivered_at IS NULL ORDER BY seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(Pending {
            id: r.get(0)?,
            recipient: r.get(1)?,
            kind: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Marks an email delivered (or records why delivery failed).
pub fn mark(conn: &Connection, id: &str, now: &str, error: Option<&str>) -> ApiResult<()> {
    match error {
        None => conn.execute(
            "UPDATE emails SET delivered_at = ?2, error = NULL WHERE id = ?1",
            params![id, now],
        )?,
        Some(e) => conn.execute("UPDATE emails SET error = ?2 WHERE id = ?1", params![id, e])?,
    };
    Ok(())
}
