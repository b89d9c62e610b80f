//! Users: create, replace, patch, delete, and rendering as SCIM resources.

use std::collections::{HashMap, HashSet};

use roster_proto::PatchOp;
use roster_proto::resources::InvitationKind;
use roster_proto::urn::ROSTER_USER;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use super::licenses::{self, License};
use super::{WriteCtx, emails, etag, placeholders, tokens};
use crate::error::{ApiError, ApiResult};
use crate::filter_sql::SqlFilter;
use crate::projection::Projection;
use crate::schema::USER;
use crate::validate::{self, Mode};

/// A stored user as read, its document still as text (listings copy it into the
/// response without parsing it).
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: String,
    pub doc_text: String,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
    pub last_connection: Option<String>,
    pub invited_at: Option<String>,
}

/// A stored user with its document parsed, for changes.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: String,
    pub doc: Value,
    pub version: i64,
}

const COLUMNS: &str =
    "u.id, u.doc, u.created, u.last_modified, u.version, u.last_connection, u.invited_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: r.get(0)?,
        doc_text: r.get(1)?,
        created: r.get(2)?,
        last_modified: r.get(3)?,
        version: r.get(4)?,
        last_connection: r.get(5)?,
        invited_at: r.get(6)?,
    })
}

/// The user with id `id` as stored, or 404.
pub fn load_record(conn: &Connection, id: &str) -> ApiResult<UserRecord> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no user with id {id}")))
}

/// The user with id `id`, its document parsed, or 404.
pub fn load(conn: &Connection, id: &str) -> ApiResult<UserRow> {
    let record = load_record(conn, id)?;
    let doc = serde_json::from_str(&record.doc_text)
        .map_err(|e| ApiError::internal(format!("user {id}: stored document unreadable: {e}")))?;
    Ok(UserRow {
        id: record.id,
        doc,
        version: record.version,
    })
}

/// The id of the user whose userName is `user_name` (case-insensitive).
pub fn id_by_user_name(conn: &Connection, user_name: &str) -> ApiResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT id FROM users WHERE user_name_key = casefold(?1)")?
        .query_row([user_name.trim()], |r| r.get(0))
        .optional()?)
}

/// A page of users matching `filter`, in `order`, and the total number of matches.
pub fn list(
    conn: &Connection,
    filter: Option<&SqlFilter>,
    order: Option<&str>,
    offset: u64,
    count: u64,
) -> ApiResult<(u64, Vec<UserRecord>)> {
    super::page(
        conn,
        super::Table {
            name: "users",
            alias: "u",
            columns: COLUMNS,
        },
        filter,
        order,
        offset,
        count,
        from_row,
    )
}

/// Creates a user from a client's JSON body.
pub fn create(conn: &Connection, ctx: &mut WriteCtx, input: &Value) -> ApiResult<UserRow> {
    let mut doc = validate::normalize(&USER, input, Mode::Create)?;
    let added = prepare(conn, ctx, &mut doc, None)?;
    let id = uuid::Uuid::new_v4().to_string();
    let user_name = doc["userName"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    conn.prepare_cached(
        "INSERT INTO users (id, user_name, user_name_key, doc, created, last_modified, version)
         VALUES (?1, ?2, casefold(?2), ?3, ?4, ?4, 1)",
    )?
    .execute(params![id, user_name, doc.to_string(), ctx.now])?;
    // Seats are counted before this user's licenses are written.
    take_seats(conn, ctx, &id, &added)?;
    sync_licenses(conn, &id, &doc)?;
    emails::record(
        conn,
        &id,
        &emails::recipient_of(&doc),
        InvitationKind::Invitation,
        &ctx.now,
    )?;
    load(conn, &id)
}

/// Replaces a user (PUT).
pub fn replace(
    conn: &Connection,
    ctx: &mut WriteCtx,
    id: &str,
    input: &Value,
    if_match: Option<&str>,
) -> ApiResult<UserRow> {
    let old = load(conn, id)?;
    etag::check_if_match(if_match, old.version)?;
    let mut doc = validate::normalize(&USER, input, Mode::Replace)?;
    super::keep_hidden_extension(ctx, &old.doc, &mut doc, ROSTER_USER);
    store_change(conn, ctx, old, doc)
}

/// Sets `active: false` (what DELETE does with `--delete-deactivates`).
pub fn deactivate(
    conn: &Connection,
    ctx: &mut WriteCtx,
    id: &str,
    if_match: Option<&str>,
) -> ApiResult<UserRow> {
    let old = load(conn, id)?;
    etag::check_if_match(if_match, old.version)?;
    let mut doc = old.doc.clone();
    doc["active"] = Value::Bool(false);
    store_change(conn, ctx, old, doc)
}

/// Applies PATCH operations to a user.
pub fn patch(
    conn: &Connection,
    ctx: &mut WriteCtx,
    id: &str,
    ops: &[PatchOp],
    if_match: Option<&str>,
) -> ApiResult<UserRow> {
    let old = load(conn, id)?;
    etag::check_if_match(if_match, old.version)?;
    let mut doc = old.doc.clone();
    crate::patch::apply(&USER, &mut doc, ops)?;
    // The patched document must still be a valid user as a whole.
    let doc = validate::normalize(&USER, &doc, Mode::Replace)?;
    store_change(conn, ctx, old, doc)
}

fn store_change(
    conn: &Connection,
    ctx: &mut WriteCtx,
    old: UserRow,
    mut doc: Value,
) -> ApiResult<UserRow> {
    validate::check_immutable(&USER, &old.doc, &doc)?;
    if is_active_admin(&old.doc) && !is_active_admin(&doc) {
        let change = if doc["active"] == Value::Bool(false) {
            "deactivating them"
        } else {
            "removing their organisationAdministrator role"
        };
        keep_an_admin(conn, &old, change)?;
    }
    let added = prepare(conn, ctx, &mut doc, Some(&old))?;
    if doc == old.doc {
        return Ok(old);
    }
    let user_name = doc["userName"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    conn.prepare_cached(
        "UPDATE users SET user_name = ?2, user_name_key = casefold(?2), doc = ?3,
             last_modified = ?4, version = version + 1 WHERE id = ?1",
    )?
    .execute(params![old.id, user_name, doc.to_string(), ctx.now])?;
    for removed in direct_license_ids(&old.doc).difference(&direct_license_ids(&doc)) {
        ctx.seats.release(removed);
    }
    take_seats(conn, ctx, &old.id, &added)?;
    sync_licenses(conn, &old.id, &doc)?;
    if local_login(&doc) && !local_login(&old.doc) {
        emails::record(
            conn,
            &old.id,
            &emails::recipient_of(&doc),
            InvitationKind::SetPassword,
            &ctx.now,
        )?;
    }
    load(conn, &old.id)
}

/// Deletes a user and all its data: memberships, licenses, emails, tokens.
pub fn delete(conn: &Connection, id: &str, if_match: Option<&str>, now: &str) -> ApiResult<()> {
    let old = load(conn, id)?;
    etag::check_if_match(if_match, old.version)?;
    if is_active_admin(&old.doc) {
        keep_an_admin(conn, &old, "deleting them")?;
    }
    let groups: Vec<String> = conn
        .prepare_cached("SELECT group_id FROM members WHERE member_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    conn.execute("DELETE FROM members WHERE member_id = ?1", [id])?;
    super::groups::touch(conn, &groups, now)?;
    conn.execute("DELETE FROM user_licenses WHERE user_id = ?1", [id])?;
    conn.execute("DELETE FROM emails WHERE user_id = ?1", [id])?;
    tokens::revoke_all(conn, id)?;
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}

/// Whether `doc` is an Organisation Administrator who can sign in (`active` absent
/// counts as active).
pub(crate) fn is_active_admin(doc: &Value) -> bool {
    doc[ROSTER_USER]["organisationAdministrator"] == Value::Bool(true)
        && doc["active"] != Value::Bool(false)
}

/// SQL condition on `doc` of an active Organisation Administrator (as
/// [`is_active_admin`]).
pub(crate) const ACTIVE_ADMIN_SQL: &str = "json_extract(doc, '$.\"urn:roster:params:scim:schemas:extension:organisation:2.0:User\".organisationAdministrator') = 1
     AND coalesce(json_extract(doc, '$.active'), 1) = 1";

/// Refuses (409) a change that would leave the organisation without an active
/// administrator: nobody could then manage it through the API.
fn keep_an_admin(conn: &Connection, old: &UserRow, change: &str) -> ApiResult<()> {
    let others: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM users WHERE id != ?1 AND {ACTIVE_ADMIN_SQL}"
        ))?
        .query_row([&old.id], |r| r.get(0))?;
    if others > 0 {
        return Ok(());
    }
    let name = old.doc["userName"].as_str().unwrap_or_default();
    Err(ApiError::new(
        axum::http::StatusCode::CONFLICT,
        None,
        format!(
            "{name:?} is the last active Organisation Administrator: {change} would leave \
             nobody able to manage the organisation; make another user an administrator first"
        ),
    ))
}

/// Marks users changed (their groups or inherited licenses changed), so that delta
/// sync by `meta.lastModified` sees them.
pub fn touch(conn: &Connection, ids: &[String], now: &str) -> ApiResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE users SET last_modified = ?2, version = version + 1 WHERE id = ?1",
    )?;
    for id in ids {
        stmt.execute(params![id, now])?;
    }
    Ok(())
}

/// Refuses (400 invalidValue) a user name or name part holding a control character:
/// a line break in one would split a log line, a mail header or an exported CSV
/// row, wherever the value is written.
fn check_one_line(doc: &Value) -> ApiResult<()> {
    let name = &doc["name"];
    let texts = [
        ("userName", &doc["userName"]),
        ("displayName", &doc["displayName"]),
        ("name.givenName", &name["givenName"]),
        ("name.familyName", &name["familyName"]),
        ("name.formatted", &name["formatted"]),
    ];
    for (attr, value) in texts {
        if let Some(text) = value.as_str()
            && text.chars().any(char::is_control)
        {
            // `{:?}` keeps what the client sent on one line of the answer.
            return Err(ApiError::invalid_value(format!(
                "{attr} {text:?} holds a control character (a line break, a tab or \
                 the like); it must be one line of printable text"
            )));
        }
    }
    Ok(())
}

/// Checks the organisation's rules on `doc` and puts its licenses in canonical form.
/// Returns the licenses newly assigned directly.
fn prepare(
    conn: &Connection,
    ctx: &WriteCtx,
    doc: &mut Value,
    old: Option<&UserRow>,
) -> ApiResult<Vec<License>> {
    ctx.org.check_user_domains(doc)?;
    check_one_line(doc)?;
    let user_name = doc["userName"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if let Some(existing) = id_by_user_name(conn, &user_name)?
        && old.is_none_or(|o| o.id != existing)
    {
        return Err(ApiError::uniqueness(format!(
            "a user with userName {user_name} already exists"
        )));
    }
    let before = old.map(|o| direct_license_ids(&o.doc)).unwrap_or_default();
    let mut added = Vec::new();
    if let Some(entitlements) = doc.get_mut("entitlements").and_then(Value::as_array_mut) {
        let mut seen = HashSet::new();
        let mut canonical = Vec::with_capacity(entitlements.len());
        for e in entitlements.iter() {
            let value = e["value"].as_str().unwrap_or_default();
            let license = licenses::resolve(conn, value)?;
            if !seen.insert(license.id.clone()) {
                continue;
            }
            // The value becomes the license id; what the client sent besides stays as
            // sent (clients compare what they get back), filled in only when absent.
            let mut entry = e.clone();
            entry["value"] = json!(license.id);
            if entry.get("display").is_none() {
                entry["display"] = json!(license.name);
            }
            if entry.get("type").is_none() {
                entry["type"] = json!("license");
            }
            canonical.push(entry);
            if !before.contains(&license.id) {
                added.push(license);
            }
        }
        *entitlements = canonical;
    }
    Ok(added)
}

/// Takes a seat of each newly assigned license the user did not already hold
/// through a group.
fn take_seats(
    conn: &Connection,
    ctx: &mut WriteCtx,
    user_id: &str,
    added: &[License],
) -> ApiResult<()> {
    if added.is_empty() {
        return Ok(());
    }
    let inherited: HashSet<String> = conn
        .prepare_cached(
            "SELECT gl.license_id FROM members m JOIN group_licenses gl ON gl.group_id = m.group_id
             WHERE m.member_id = ?1",
        )?
        .query_map([user_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for license in added.iter().filter(|l| !inherited.contains(&l.id)) {
        ctx.seats.take(conn, license)?;
    }
    Ok(())
}

fn direct_license_ids(doc: &Value) -> HashSet<String> {
    doc["entitlements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["value"].as_str().map(str::to_owned))
        .collect()
}

fn local_login(doc: &Value) -> bool {
    doc[ROSTER_USER]["localLogin"] == Value::Bool(true)
}

fn sync_licenses(conn: &Connection, user_id: &str, doc: &Value) -> ApiResult<()> {
    conn.prepare_cached("DELETE FROM user_licenses WHERE user_id = ?1")?
        .execute([user_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO user_licenses (user_id, license_id) VALUES (?1, ?2)",
    )?;
    for license in direct_license_ids(doc) {
        insert.execute(params![user_id, license])?;
    }
    Ok(())
}

/// Groups and their licenses, loaded once per rendering.
pub struct GroupIndex {
    groups: HashMap<String, (String, Vec<(String, String)>)>,
}

impl GroupIndex {
    /// Loads every group's name and licenses.
    pub fn load(conn: &Connection) -> ApiResult<Self> {
        let mut groups: HashMap<String, (String, Vec<(String, String)>)> = HashMap::new();
        let mut stmt = conn.prepare_cached("SELECT id, display_name FROM groups")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))? {
            let (id, name) = row?;
            groups.insert(id, (name, Vec::new()));
        }
        let mut stmt = conn.prepare_cached(
            "SELECT gl.group_id, l.id, l.name FROM group_licenses gl JOIN licenses l ON l.id = gl.license_id
             ORDER BY l.seq",
        )?;
        for row in stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })? {
            let (group, license, name) = row?;
            if let Some(entry) = groups.get_mut(&group) {
                entry.1.push((license, name));
            }
        }
        Ok(Self { groups })
    }
}

/// Renders users as SCIM resources, with their computed attributes, as JSON text.
pub fn render(
    conn: &Connection,
    records: Vec<UserRecord>,
    base: &str,
    projection: &Projection,
) -> ApiResult<Vec<Box<RawValue>>> {
    render_texts(conn, records, base, projection)?
        .into_iter()
        .map(|text| RawValue::from_string(text).map_err(ApiError::internal))
        .collect()
}

/// [`render`] as plain strings, for listings: the text is built from stored
/// documents and printed members, so it is not parsed again to be checked.
pub fn render_texts(
    conn: &Connection,
    records: Vec<UserRecord>,
    base: &str,
    projection: &Projection,
) -> ApiResult<Vec<String>> {
    let needs_groups = projection.wants("groups") || projection.wants("inheritedLicenses");
    let memberships = if needs_groups && !records.is_empty() {
        memberships(conn, &records)?
    } else {
        HashMap::new()
    };
    let index = if needs_groups {
        Some(GroupIndex::load(conn)?)
    } else {
        None
    };
    let mut out = Vec::with_capacity(records.len());
    for record in records {
        let groups = memberships
            .get(&record.id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let text = match projection
            .is_default()
            .then(|| render_default(&record, base, groups, index.as_ref()))
        {
            Some(Some(text)) => text,
            _ => {
                let mut resource = render_full(record, base, groups, index.as_ref())?;
                projection.apply(&USER, &mut resource);
                resource.to_string()
            }
        };
        out.push(text);
    }
    Ok(out)
}

fn memberships(conn: &Connection, rows: &[UserRecord]) -> ApiResult<HashMap<String, Vec<String>>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in rows.chunks(500) {
        let sql = format!(
            "SELECT member_id, group_id FROM members WHERE member_id IN ({})",
            placeholders(chunk.len())
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let found = stmt.query_map(params_from_iter(chunk.iter().map(|r| &r.id)), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        for pair in found {
            let (user, group) = pair?;
            map.entry(user).or_default().push(group);
        }
    }
    Ok(map)
}

fn group_refs(groups: &[String], index: &GroupIndex, base: &str) -> Vec<Value> {
    groups
        .iter()
        .filter_map(|gid| {
            let (name, _) = index.groups.get(gid)?;
            Some(json!({
                "value": gid, "display": name, "type": "direct",
                "$ref": format!("{base}/Groups/{gid}"),
            }))
        })
        .collect()
}

fn meta(record: &UserRecord, base: &str) -> Value {
    json!({
        "resourceType": "User",
        "created": record.created,
        "lastModified": record.last_modified,
        "location": format!("{base}/Users/{}", record.id),
        "version": etag::of(record.version),
    })
}

/// The resource as every attribute's default `returned` has it, built by appending
/// the computed members to the stored document's text: a listing of 100k users
/// spends its time here, and parsing and re-printing each document would double it.
/// The members are printed straight into the text, as `serde_json` prints them
/// (keys in order, the same escapes), without building `Value`s first (at 1M
/// users that was about half of a 1000-user page's time). `None` when the document
/// is not in the shape this relies on.
fn render_default(
    record: &UserRecord,
    base: &str,
    groups: &[String],
    index: Option<&GroupIndex>,
) -> Option<String> {
    let body = record.doc_text.trim_end().strip_suffix('}')?;
    // Printed keys of the stored document are exact (`"key":`), so a string value
    // that merely contains the URN cannot match (its quotes would be escaped).
    let ext_key = ext_key();
    let rest = record.doc_text.split_once(ext_key.as_str()).map(|(_, r)| r);
    if rest.is_some_and(|r| r.starts_with("{}")) {
        return None;
    }
    let has_ext = rest.is_some();
    let mut out = String::with_capacity(record.doc_text.len() + 512);
    out.push_str(body);
    let mut sep = if body.trim_end().ends_with('{') {
        ""
    } else {
        ","
    };
    let mut key = |out: &mut String, key: &str| {
        out.push_str(sep);
        out.push('"');
        out.push_str(key);
        out.push_str("\":");
        sep = ",";
    };
    if let Some(index) = index {
        let mut refs = groups
            .iter()
            .filter_map(|gid| index.groups.get(gid).map(|(name, _)| (gid, name)))
            .peekable();
        if refs.peek().is_some() {
            key(&mut out, "groups");
            out.push('[');
            for (i, (gid, name)) in refs.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"$ref\":");
                crate::json_text::push_str(&mut out, &format!("{base}/Groups/{gid}"));
                out.push_str(",\"display\":");
                crate::json_text::push_str(&mut out, name);
                out.push_str(",\"type\":\"direct\",\"value\":");
                crate::json_text::push_str(&mut out, gid);
                out.push('}');
            }
            out.push(']');
        }
    }
    key(&mut out, "id");
    crate::json_text::push_str(&mut out, &record.id);
    key(&mut out, "schemas");
    out.push('[');
    crate::json_text::push_str(&mut out, roster_proto::urn::USER);
    if has_ext {
        out.push(',');
        crate::json_text::push_str(&mut out, ROSTER_USER);
    }
    out.push(']');
    key(&mut out, "meta");
    out.push_str("{\"created\":");
    crate::json_text::push_str(&mut out, &record.created);
    out.push_str(",\"lastModified\":");
    crate::json_text::push_str(&mut out, &record.last_modified);
    out.push_str(",\"location\":");
    crate::json_text::push_str(&mut out, &format!("{base}/Users/{}", record.id));
    out.push_str(",\"resourceType\":\"User\",\"version\":");
    crate::json_text::push_str(&mut out, &etag::of(record.version));
    out.push_str("}}");
    Some(out)
}

/// `"urn:…:User":`, the Roster extension's key as the stored documents print it.
fn ext_key() -> &'static String {
    static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    KEY.get_or_init(|| format!("\"{ROSTER_USER}\":"))
}

/// Every attribute, computed ones included, before projection.
fn render_full(
    record: UserRecord,
    base: &str,
    groups: &[String],
    index: Option<&GroupIndex>,
) -> ApiResult<Value> {
    let mut resource = match serde_json::from_str(&record.doc_text) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(ApiError::internal(format!(
                "user {}: stored document unreadable",
                record.id
            )));
        }
    };
    let mut ext = resource
        .remove(ROSTER_USER)
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    if let Some(index) = index {
        let refs = group_refs(groups, index, base);
        if !refs.is_empty() {
            resource.insert("groups".into(), Value::Array(refs));
        }
        let inherited: Vec<Value> = groups
            .iter()
            .filter_map(|gid| index.groups.get(gid).map(|g| (gid, g)))
            .flat_map(|(gid, (name, licenses))| {
                licenses.iter().map(move |(license, license_name)| {
                    json!({
                        "value": license, "display": license_name,
                        "group": {"value": gid, "display": name},
                    })
                })
            })
            .collect();
        if !inherited.is_empty() {
            ext.insert("inheritedLicenses".into(), Value::Array(inherited));
        }
    }
    if let Some(last) = &record.last_connection {
        ext.insert("lastConnection".into(), json!(last));
    }
    let mut invitation = Map::new();
    invitation.insert(
        "status".into(),
        json!(if record.last_connection.is_some() {
            "accepted"
        } else {
            "pending"
        }),
    );
    if let Some(sent) = &record.invited_at {
        invitation.insert("sentAt".into(), json!(sent));
    }
    ext.insert("invitation".into(), Value::Object(invitation));
    resource.insert(ROSTER_USER.into(), Value::Object(ext));
    resource.insert("id".into(), json!(record.id));
    resource.insert(
        "schemas".into(),
        json!([roster_proto::urn::USER, ROSTER_USER]),
    );
    resource.insert("meta".into(), meta(&record, base));
    Ok(Value::Object(resource))
}

/// Sets a user's last connection (seeding, and the `/Me` of a user who signs in).
pub fn set_last_connection(conn: &Connection, id: &str, at: Option<&str>) -> ApiResult<()> {
    conn.execute(
        "UPDATE users SET last_connection = ?2 WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How the default rendering was printed before it wrote its members directly
    /// (through `Value`s): the new one must print the same bytes.
    fn old_render_default(
        record: &UserRecord,
        base: &str,
        groups: &[String],
        index: Option<&GroupIndex>,
    ) -> Option<String> {
        let body = record.doc_text.trim_end().strip_suffix('}')?;
        // Printed keys of the stored document are exact (`"key":`), so a string value
        // that merely contains the URN cannot match (its quotes would be escaped).
        let ext_key = format!("\"{ROSTER_USER}\":");
        if record.doc_text.contains(&format!("{ext_key}{{}}")) {
            return None;
        }
        let has_ext = record.doc_text.contains(&ext_key);
        let mut out = String::with_capacity(record.doc_text.len() + 512);
        out.push_str(body);
        let mut sep = if body.trim_end().ends_with('{') {
            ""
        } else {
            ","
        };
        let mut field = |out: &mut String, key: &str, value: &Value| {
            out.push_str(sep);
            out.push('"');
            out.push_str(key);
            out.push_str("\":");
            out.push_str(&value.to_string());
            sep = ",";
        };
        if let Some(index) = index {
            let refs = group_refs(groups, index, base);
            if !refs.is_empty() {
                field(&mut out, "groups", &Value::Array(refs));
            }
        }
        field(&mut out, "id", &json!(record.id));
        let schemas = if has_ext {
            json!([roster_proto::urn::USER, ROSTER_USER])
        } else {
            json!([roster_proto::urn::USER])
        };
        field(&mut out, "schemas", &schemas);
        field(&mut out, "meta", &meta(record, base));
        out.push('}');
        Some(out)
    }

    #[test]
    fn default_rendering_prints_what_values_printed() {
        let index = GroupIndex {
            groups: HashMap::from([
                (
                    "g-1".to_owned(),
                    ("Sales \"EMEA\" \\ ops".to_owned(), Vec::new()),
                ),
                (
                    "g-2".to_owned(),
                    ("Line\nbreak é 🚀".to_owned(), Vec::new()),
                ),
            ]),
        };
        let docs = [
            json!({"userName": "a@x.example", "name": {"givenName": "A\"b"}}).to_string(),
            json!({"userName": "b@x.example", ROSTER_USER: {"localLogin": true}}).to_string(),
            json!({}).to_string(),
        ];
        let groups: [&[String]; 3] = [
            &[],
            &["g-1".to_owned(), "missing".to_owned()],
            &["g-2".to_owned(), "g-1".to_owned()],
        ];
        for doc in &docs {
            for member_of in groups {
                for index in [None, Some(&index)] {
                    let record = UserRecord {
                        id: "7f0c\u{1}id".into(),
                        doc_text: doc.clone(),
                        created: "2026-01-02T03:04:05.678Z".into(),
                        last_modified: "2026-01-02T03:04:06Z".into(),
                        version: 7,
                        last_connection: None,
                        invited_at: None,
                    };
                    let base = "http://127.0.0.1:1/scim/v2";
                    assert_eq!(
                        render_default(&record, base, member_of, index),
                        old_render_default(&record, base, member_of, index),
                        "{doc} {member_of:?}"
                    );
                }
            }
        }
    }
}
