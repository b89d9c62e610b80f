//! API tokens: stored as SHA-256 hashes, never in clear.

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

/// The caller a token belongs to.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The caller's user id.
    pub user_id: String,
    /// Whether the caller is an Organisation Administrator.
    pub admin: bool,
}

fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates a new token for `user_id` and returns it (the only time it is seen).
pub fn issue(conn: &Connection, user_id: &str, label: &str, now: &str) -> ApiResult<String> {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!(
        "rst_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    conn.execute(
        "INSERT INTO tokens (hash, user_id, label, created) VALUES (?1, ?2, ?3, ?4)",
        params![hash(&token), user_id, label, now],
    )?;
    Ok(token)
}

/// The caller of `token`, or 401.
pub fn authenticate(conn: &Connection, token: &str) -> ApiResult<Caller> {
    // Read on every request, so a deactivation or a lost role counts from the next one.
    let found: Option<(String, Option<bool>, Option<bool>)> = conn
        .prepare_cached(
            "SELECT u.id, json_extract(u.doc,
                '$.\"urn:roster:params:scim:schemas:extension:organisation:2.0:User\".organisationAdministrator'),
                json_extract(u.doc, '$.active')
             FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1",
        )?
        .query_row([hash(token)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match found {
        // `active` absent means active (RFC 7643 gives no default; users are created active).
        Some((_, _, Some(false))) => Err(ApiError::unauthorized(
            "the bearer token's user is deactivated (active: false); an administrator must \
             reactivate the user before this token works again",
        )),
        Some((user_id, admin, _)) => Ok(Caller {
            user_id,
            admin: admin.unwrap_or(false),
        }),
        None => Err(ApiError::unauthorized(
            "the bearer token is not valid for this server",
        )),
    }
}

/// Deletes the tokens of `user_id`.
pub fn revoke_all(conn: &Connection, user_id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM tokens WHERE user_id = ?1", [user_id])?;
    Ok(())
}
