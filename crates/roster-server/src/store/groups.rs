//! Groups: members live in the `members` table, licenses in the doc (and mirrored in
//! `group_licenses` for seat counting and inherited licenses).

use std::collections::{BTreeMap, HashSet};

use roster_proto::PatchOp;
use roster_proto::urn::ROSTER_GROUP;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value, json};

use super::licenses::{self, License};
use super::{WriteCtx, etag, users};
use crate::error::{ApiError, ApiResult};
use crate::filter_sql::SqlFilter;
use crate::projection::Projection;
use crate::schema::GROUP;
use crate::validate::{self, Mode};

/// A stored group.
#[derive(Debug, Clone)]
pub struct GroupRow {
    pub id: String,
    pub doc: Value,
    pub created: String,
    pub last_modified: String,
    pub version: i64,
}

const COLUMNS: &str = "g.id, g.doc, g.created, g.last_modified, g.version";

fn from_row(r: &Row<'_>) -> rusqlite::Result<GroupRow> {
    let doc: String = r.get(1)?;
    Ok(GroupRow {
        id: r.get(0)?,
        doc: serde_json::from_str(&doc).unwrap_or(Value::Null),
        created: r.get(2)?,
        last_modified: r.get(3)?,
        version: r.get(4)?,
    })
}

/// The group with id `id`, or 404.
pub fn load(conn: &Connection, id: &str) -> ApiResult<GroupRow> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM groups g WHERE g.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no group with id {id}")))
}

/// A page of groups matching `filter`, and the total number of matches.
pub fn list(
    conn: &Connection,
    filter: Option<&SqlFilter>,
    order: Option<&str>,
    offset: u64,
    count: u64,
) -> ApiResult<(u64, Vec<GroupRow>)> {
    super::page(
        conn,
        super::Table {
            name: "groups",
            alias: "g",
            columns: COLUMNS,
        },
        filter,
        order,
        offset,
        count,
        from_row,
    )
}

/// Member ids and types of a group, in a stable order.
fn members(conn: &Connection, group_id: &str) -> ApiResult<BTreeMap<String, String>> {
    let mut stmt =
        conn.prepare_cached("SELECT member_id, member_type FROM members WHERE group_id = ?1")?;
    let rows = stmt.query_map([group_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Creates a group.
pub fn create(conn: &Connection, ctx: &mut WriteCtx, input: &Value) -> ApiResult<GroupRow> {
    let doc = validate::normalize(&GROUP, input, Mode::Create)?;
    let id = uuid::Uuid::new_v4().to_string();
    let (doc, wanted) = split_members(conn, &id, doc)?;
    let (doc, group_licenses) = prepare(conn, &id, doc)?;
    let before = seat_counts(conn, &group_licenses)?;
    let name = display_name(&doc);
    conn.prepare_cached(
        "INSERT INTO groups (id, display_name, display_name_key, doc, created, last_modified, version)
         VALUES (?1, ?2, casefold(?2), ?3, ?4, ?4, 1)",
    )?
    .execute(params![id, name, doc.to_string(), ctx.now])?;
    write_members(conn, ctx, &id, &BTreeMap::new(), &wanted)?;
    write_licenses(conn, ctx, &id, &group_licenses, &before)?;
    load(conn, &id)
}

/// Replaces a group (PUT), members included.
pub fn replace(
    conn: &Connection,
    ctx: &mut WriteCtx,
    id: &str,
    input: &Value,
    if_match: Option<&str>,
) -> ApiResult<GroupRow> {
    let old = load(conn, id)?;
    etag::check_if_match(if_match, old.version)?;
    let mut doc = validate::normalize(&GROUP, input, Mode::Replace)?;
    super::keep_hidden_extension(ctx, &old.doc, &mut doc, roster_proto::urn::ROSTER_GROUP);
    store_change(conn, ctx, old, doc)
}

/// Applies PATCH operations to a group (members included).
pub fn patch(
    conn: &Connection,
    ctx: &mut WriteCtx,
    id: &str,
    ops: &[PatchOp],
    if_match: Option<&str>,
) -> ApiResult<GroupRow> {
    let old = load(conn, id)?;
    etag::check_if_match(if_match, old.version)?;
    let mut view = old.doc.clone();
    let current = members(conn, id)?;
    if !current.is_empty()
        && let Value::Object(map) = &mut view
    {
        let list = current
            .iter()
            .map(|(value, kind)| json!({"value": value, "type": kind}))
            .collect();
        map.insert("members".into(), Value::Array(list));
    }
    crate::patch::apply(&GROUP, &mut view, ops)?;
    let doc = validate::normalize(&GROUP, &view, Mode::Replace)?;
    store_change(conn, ctx, old, doc)
}

fn store_change(
    conn: &Connection,
    ctx: &mut WriteCtx,
    old: GroupRow,
    doc: Value,
) -> ApiResult<GroupRow> {
    validate::check_immutable(&GROUP, &old.doc, &doc)?;
    let (doc, wanted) = split_members(conn, &old.id, doc)?;
    let (doc, group_licenses) = prepare(conn, &old.id, doc)?;
    let current = members(conn, &old.id)?;
    if doc == old.doc && wanted == current {
        return Ok(old);
    }
    let old_licenses = license_ids(&old.doc);
    let all_licenses: Vec<License> = group_licenses
        .iter()
        .cloned()
        .chain(
            old_licenses
                .iter()
                .filter_map(|id| licenses::get(conn, id).ok()),
        )
        .collect();
    let before = seat_counts(conn, &all_licenses)?;
    let name = display_name(&doc);
    conn.prepare_cached(
        "UPDATE groups SET display_name = ?2, display_name_key = casefold(?2), doc = ?3,
             last_modified = ?4, version = version + 1 WHERE id = ?1",
    )?
    .execute(params![old.id, name, doc.to_string(), ctx.now])?;
    write_members(conn, ctx, &old.id, &current, &wanted)?;
    let new_licenses = license_ids(&doc);
    if new_licenses != old_licenses || name != display_name(&old.doc) {
        // Every member's inherited licenses (and group display) changed.
        let ids: Vec<String> = wanted.keys().cloned().collect();
        users::touch(conn, &ids, &ctx.now)?;
    }
    write_licenses(conn, ctx, &old.id, &group_licenses, &before)?;
    load(conn, &old.id)
}

/// Deletes a group; its members stay, without the group's licenses.
pub fn delete(conn: &Connection, id: &str, if_match: Option<&str>, now: &str) -> ApiResult<()> {
    let old = load(conn, id)?;
    etag::check_if_match(if_match, old.version)?;
    let member_ids: Vec<String> = members(conn, id)?.into_keys().collect();
    users::touch(conn, &member_ids, now)?;
    conn.execute(
        "DELETE FROM members WHERE group_id = ?1 OR member_id = ?1",
        [id],
    )?;
    conn.execute("DELETE FROM group_licenses WHERE group_id = ?1", [id])?;
    conn.execute("DELETE FROM groups WHERE id = ?1", [id])?;
    Ok(())
}

/// Marks groups changed (their member list changed).
pub fn touch(conn: &Connection, ids: &[String], now: &str) -> ApiResult<()> {
    let mut stmt = conn.prepare_cached(
        "UPDATE groups SET last_modified = ?2, version = version + 1 WHERE id = ?1",
    )?;
    for id in ids {
        stmt.execute(params![id, now])?;
    }
    Ok(())
}

fn display_name(doc: &Value) -> String {
    doc["displayName"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Takes `members` out of the doc and checks each names an existing user or group.
fn split_members(
    conn: &Connection,
    group_id: &str,
    mut doc: Value,
) -> ApiResult<(Value, BTreeMap<String, String>)> {
    let list = doc
        .as_object_mut()
        .and_then(|m| m.remove("members"))
        .unwrap_or(Value::Null);
    let mut wanted = BTreeMap::new();
    for member in list.as_array().into_iter().flatten() {
        let Some(id) = member["value"].as_str() else {
            return Err(ApiError::invalid_value("a member has no value (id)"));
        };
        if id == group_id {
            return Err(ApiError::invalid_value(
                "a group cannot be a member of itself",
            ));
        }
        // Provisioning clients send members the server does not know (yet); like
        // other SCIM services, accept the request and leave those out.
        match member_type(conn, id)? {
            Some(kind) => {
                wanted.insert(id.to_owned(), kind.to_owned());
            }
            None => tracing::warn!(group = ?group_id, member = ?id, "unknown member ignored"),
        }
    }
    Ok((doc, wanted))
}

fn member_type(conn: &Connection, id: &str) -> ApiResult<Option<&'static str>> {
    let kind = conn
        .prepare_cached(
            "SELECT 'User' FROM users WHERE id = ?1 UNION ALL SELECT 'Group' FROM groups WHERE id = ?1",
        )?
        .query_row([id], |r| r.get::<_, String>(0))
        .optional()?;
    Ok(kind.map(|k| if k == "User" { "User" } else { "Group" }))
}

/// Checks the name is free and puts licenses in canonical form.
fn prepare(conn: &Connection, id: &str, mut doc: Value) -> ApiResult<(Value, Vec<License>)> {
    let name = display_name(&doc);
    let taken: Option<String> = conn
        .prepare_cached("SELECT id FROM groups WHERE display_name_key = casefold(?1)")?
        .query_row([&name], |r| r.get(0))
        .optional()?;
    if taken.is_some_and(|other| other != id) {
        return Err(ApiError::uniqueness(format!(
            "a group named {name} already exists"
        )));
    }
    let mut resolved = Vec::new();
    if let Some(list) = doc
        .get_mut(ROSTER_GROUP)
        .and_then(|e| e.get_mut("licenses"))
        .and_then(Value::as_array_mut)
    {
        let mut seen = HashSet::new();
        let mut canonical = Vec::new();
        for entry in list.iter() {
            let license = licenses::resolve(conn, entry["value"].as_str().unwrap_or_default())?;
            if seen.insert(license.id.clone()) {
                let mut entry = entry.clone();
                entry["value"] = json!(license.id);
                if entry.get("display").is_none() {
                    entry["display"] = json!(license.name);
                }
                canonical.push(entry);
                resolved.push(license);
            }
        }
        *list = canonical;
    }
    Ok((doc, resolved))
}

fn license_ids(doc: &Value) -> Vec<String> {
    doc[ROSTER_GROUP]["licenses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["value"].as_str().map(str::to_owned))
        .collect()
}

fn seat_counts(conn: &Connection, list: &[License]) -> ApiResult<Vec<(License, u64)>> {
    list.iter()
        .map(|l| Ok((l.clone(), licenses::assigned(conn, &l.id)?)))
        .collect()
}

fn write_members(
    conn: &Connection,
    ctx: &WriteCtx,
    group_id: &str,
    current: &BTreeMap<String, String>,
    wanted: &BTreeMap<String, String>,
) -> ApiResult<()> {
    let mut changed = Vec::new();
    let mut remove =
        conn.prepare_cached("DELETE FROM members WHERE group_id = ?1 AND member_id = ?2")?;
    for id in current.keys().filter(|id| !wanted.contains_key(*id)) {
        remove.execute(params![group_id, id])?;
        changed.push(id.clone());
    }
    let mut add = conn.prepare_cached(
        "INSERT INTO members (group_id, member_id, member_type) VALUES (?1, ?2, ?3)",
    )?;
    for (id, kind) in wanted.iter().filter(|(id, _)| !current.contains_key(*id)) {
        add.execute(params![group_id, id, kind])?;
        changed.push(id.clone());
    }
    users::touch(conn, &changed, &ctx.now)
}

fn write_licenses(
    conn: &Connection,
    ctx: &mut WriteCtx,
    group_id: &str,
    list: &[License],
    before: &[(License, u64)],
) -> ApiResult<()> {
    conn.execute("DELETE FROM group_licenses WHERE group_id = ?1", [group_id])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO group_licenses (group_id, license_id) VALUES (?1, ?2)")?;
    for license in list {
        insert.execute(params![group_id, license.id])?;
    }
    for (license, count) in before {
        ctx.seats.check_after(conn, license, *count)?;
    }
    Ok(())
}

/// Renders groups as SCIM resources.
pub fn render(
    conn: &Connection,
    rows: Vec<GroupRow>,
    base: &str,
    projection: &Projection,
) -> ApiResult<Vec<Value>> {
    let with_members = projection.wants("members");
    let mut out = Vec::with_capacity(rows.len());
    let mut stmt = conn.prepare_cached(
        "SELECT m.member_id, m.member_type,
                COALESCE(json_extract(u.doc, '$.displayName'), u.user_name, g2.display_name)
         FROM members m
         LEFT JOIN users u ON u.id = m.member_id
         LEFT JOIN groups g2 ON g2.id = m.member_id
         WHERE m.group_id = ?1 ORDER BY m.member_id",
    )?;
    for row in rows {
        let mut resource = match row.doc {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        if with_members {
            let list = stmt
                .query_map([&row.id], |r| {
                    let id: String = r.get(0)?;
                    let kind: String = r.get(1)?;
                    let display: Option<String> = r.get(2)?;
                    let path = if kind == "Group" { "Groups" } else { "Users" };
                    Ok(json!({
                        "value": id, "type": kind, "display": display,
                        "$ref": format!("{base}/{path}/{id}"),
                    }))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            if !list.is_empty() {
                resource.insert("members".into(), Value::Array(list));
            }
        }
        let mut schemas = vec![json!(roster_proto::urn::GROUP)];
        if resource.contains_key(ROSTER_GROUP) {
            schemas.push(json!(ROSTER_GROUP));
        }
        resource.insert("id".into(), json!(row.id));
        resource.insert("schemas".into(), Value::Array(schemas));
        resource.insert(
            "meta".into(),
            json!({
                "resourceType": "Group",
                "created": row.created,
                "lastModified": row.last_modified,
                "location": format!("{base}/Groups/{}", row.id),
                "version": etag::of(row.version),
            }),
        );
        let mut resource = Value::Object(resource);
        projection.apply(&GROUP, &mut resource);
        out.push(resource);
    }
    Ok(out)
}
