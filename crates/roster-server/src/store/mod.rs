//! Resource storage: SQLite rows in, SCIM JSON out.
//!
//! Every function takes a `&Connection` so that a single request and every
//! operation of a `/Bulk` request (each in its own savepoint) share the same code.

pub mod emails;
pub mod etag;
pub mod groups;
pub mod licenses;
pub mod organisation;
pub mod tokens;
pub mod users;

use rusqlite::Connection;
use serde_json::value::RawValue;

use crate::error::ApiResult;
use crate::switches::Switches;
use licenses::SeatLedger;
use organisation::OrgSettings;

/// What a write needs besides its input: the time, the organisation's rules and the
/// seat counts of this transaction.
#[derive(Debug)]
pub struct WriteCtx {
    /// The time of this write, in the stored format.
    pub now: String,
    /// The organisation's settings (authorized domains).
    pub org: OrgSettings,
    /// Seat counts seen so far in this transaction.
    pub seats: SeatLedger,
    /// Features turned off for interoperability tests.
    pub switches: Switches,
}

impl WriteCtx {
    /// A context for a write starting now.
    pub fn new(conn: &Connection, switches: Switches) -> ApiResult<Self> {
        Ok(Self {
            now: crate::time::now(),
            org: organisation::load(conn)?.unwrap_or_default(),
            seats: SeatLedger::default(),
            switches,
        })
    }
}

/// With the Roster extension hidden, a replacement cannot mention it, so it keeps
/// what is stored (licenses, the administrator flag) instead of erasing it.
pub(crate) fn keep_hidden_extension(
    ctx: &WriteCtx,
    old: &serde_json::Value,
    new: &mut serde_json::Value,
    urn: &str,
) {
    if !ctx.switches.no_roster_extension {
        return;
    }
    if let (Some(ext), serde_json::Value::Object(map)) = (old.get(urn), new) {
        map.insert(urn.to_owned(), ext.clone());
    }
}

/// Resources as JSON text, for responses.
fn raw(values: Vec<serde_json::Value>) -> ApiResult<Vec<Box<RawValue>>> {
    values
        .into_iter()
        .map(|v| serde_json::value::to_raw_value(&v).map_err(crate::error::ApiError::internal))
        .collect()
}

/// A table listed by [`page`]: its name, the alias its columns and filters use, and
/// the columns a row is read from.
pub(crate) struct Table {
    pub name: &'static str,
    pub alias: &'static str,
    pub columns: &'static str,
}

/// A page of `table`'s rows matching `filter`, in `order` (then insertion order),
/// and the total number of matches.
#[allow(clippy::too_many_arguments)]
pub(crate) fn page<T>(
    conn: &Connection,
    table: Table,
    filter: Option<&crate::filter_sql::SqlFilter>,
    order: Option<&str>,
    offset: u64,
    count: u64,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> ApiResult<(u64, Vec<T>)> {
    let (where_sql, params): (&str, &[rusqlite::types::Value]) = match filter {
        Some(f) => (&f.sql, &f.params),
        None => ("1", &[]),
    };
    let Table {
        name,
        alias: a,
        columns,
    } = &table;
    if filter.is_none() && order.is_none() {
        return unfiltered_page(conn, &table, offset, count, from_row);
    }
    let total: u64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM {name} {a} WHERE {where_sql}"
        ))?
        .query_row(rusqlite::params_from_iter(params), |r| r.get(0))?;
    if count == 0 {
        return Ok((total, Vec::new()));
    }
    let order = order.map(|o| format!("{o}, ")).unwrap_or_default();
    // The page is chosen on narrow rows first (a covering index when unfiltered), so
    // skipping to a late page does not read the documents of every earlier row.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {columns} FROM {name} {a} WHERE {a}.seq IN (
             SELECT {a}.seq FROM {name} {a} WHERE {where_sql}
             ORDER BY {order}{a}.seq LIMIT {count} OFFSET {offset})
         ORDER BY {order}{a}.seq"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), from_row)?;
    Ok((total, rows.collect::<Result<_, _>>()?))
}

/// A page of every row of `table` in insertion order: the total from `row_counts`,
/// and, while no row was deleted (the `seq` values from the first to the last are
/// all there), the page as a range of `seq`, found in the index instead of
/// stepping over `offset` earlier rows. Otherwise the narrow index is stepped over.
fn unfiltered_page<T>(
    conn: &Connection,
    table: &Table,
    offset: u64,
    count: u64,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> ApiResult<(u64, Vec<T>)> {
    let Table {
        name,
        alias: a,
        columns,
    } = table;
    let total: u64 = conn
        .prepare_cached("SELECT n FROM row_counts WHERE name = ?1")?
        .query_row([name], |r| r.get(0))?;
    if count == 0 || offset >= total {
        return Ok((total, Vec::new()));
    }
    // Two subqueries: SQLite answers a lone min() or max() from the index end, but
    // both in one SELECT with a scan.
    let (first, last): (Option<i64>, Option<i64>) = conn
        .prepare_cached(&format!(
            "SELECT (SELECT min(seq) FROM {name}), (SELECT max(seq) FROM {name})"
        ))?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let dense = matches!((first, last), (Some(f), Some(l)) if l - f + 1 == total as i64);
    let sql = if dense {
        format!("SELECT {columns} FROM {name} {a} WHERE {a}.seq >= ?1 ORDER BY {a}.seq LIMIT ?2")
    } else {
        format!(
            "SELECT {columns} FROM {name} {a} WHERE {a}.seq IN (
                 SELECT seq FROM {name} ORDER BY seq LIMIT ?2 OFFSET ?1)
             ORDER BY {a}.seq"
        )
    };
    let start = if dense {
        first.unwrap_or(0) + offset as i64
    } else {
        offset as i64
    };
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params![start, count as i64], from_row)?;
    Ok((total, rows.collect::<Result<_, _>>()?))
}

/// Builds `?, ?, ?` for `n` placeholders.
pub(crate) fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

/// The two writable resource types, for code that handles both alike (routes, bulk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

/// A resource just written: enough to answer with its location and version.
#[derive(Debug, Clone)]
pub struct Written {
    /// The resource id.
    pub id: String,
    /// Its version after the write.
    pub version: i64,
}

impl From<users::UserRow> for Written {
    fn from(r: users::UserRow) -> Self {
        Self {
            id: r.id,
            version: r.version,
        }
    }
}

impl From<groups::GroupRow> for Written {
    fn from(r: groups::GroupRow) -> Self {
        Self {
            id: r.id,
            version: r.version,
        }
    }
}

impl Kind {
    /// The resource type named by the first segment of an API path (`Users`, `Groups`).
    pub fn from_endpoint(segment: &str) -> Option<Self> {
        match segment {
            "Users" => Some(Self::User),
            "Groups" => Some(Self::Group),
            _ => None,
        }
    }

    /// The endpoint segment.
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "Users",
            Self::Group => "Groups",
        }
    }

    /// The schema description.
    pub fn def(self) -> &'static crate::schema::ResourceDef {
        match self {
            Self::User => &crate::schema::USER,
            Self::Group => &crate::schema::GROUP,
        }
    }

    /// POST.
    pub fn create(
        self,
        conn: &Connection,
        ctx: &mut WriteCtx,
        body: &serde_json::Value,
    ) -> ApiResult<Written> {
        ctx.switches.check_body(body)?;
        Ok(match self {
            Self::User => users::create(conn, ctx, body).map(Written::from)?,
            Self::Group => groups::create(conn, ctx, body).map(Written::from)?,
        })
    }

    /// PUT.
    pub fn replace(
        self,
        conn: &Connection,
        ctx: &mut WriteCtx,
        id: &str,
        body: &serde_json::Value,
        if_match: Option<&str>,
    ) -> ApiResult<Written> {
        ctx.switches.check_body(body)?;
        let if_match = ctx.switches.if_match(if_match);
        Ok(match self {
            Self::User => users::replace(conn, ctx, id, body, if_match).map(Written::from)?,
            Self::Group => groups::replace(conn, ctx, id, body, if_match).map(Written::from)?,
        })
    }

    /// PATCH.
    pub fn patch(
        self,
        conn: &Connection,
        ctx: &mut WriteCtx,
        id: &str,
        body: &serde_json::Value,
        if_match: Option<&str>,
    ) -> ApiResult<Written> {
        let request: roster_proto::PatchRequest =
            serde_json::from_value(body.clone()).map_err(|e| {
                crate::error::ApiError::invalid_syntax(format!("not a PATCH request: {e}"))
            })?;
        let ops = &request.operations;
        ctx.switches.check_patch(ops)?;
        let if_match = ctx.switches.if_match(if_match);
        Ok(match self {
            Self::User => users::patch(conn, ctx, id, ops, if_match).map(Written::from)?,
            Self::Group => groups::patch(conn, ctx, id, ops, if_match).map(Written::from)?,
        })
    }

    /// DELETE.
    pub fn delete(
        self,
        conn: &Connection,
        ctx: &mut WriteCtx,
        id: &str,
        if_match: Option<&str>,
    ) -> ApiResult<()> {
        let if_match = ctx.switches.if_match(if_match);
        match self {
            Self::User if ctx.switches.delete_deactivates => {
                users::deactivate(conn, ctx, id, if_match).map(|_| ())
            }
            Self::User => users::delete(conn, id, if_match, &ctx.now),
            Self::Group => groups::delete(conn, id, if_match, &ctx.now),
        }
    }

    /// GET of one resource, rendered, and its version.
    pub fn render_one(
        self,
        conn: &Connection,
        id: &str,
        base: &str,
        projection: &crate::projection::Projection,
    ) -> ApiResult<(Box<RawValue>, i64)> {
        let (mut list, version) = match self {
            Self::User => {
                let record = users::load_record(conn, id)?;
                let version = record.version;
                (
                    users::render(conn, vec![record], base, projection)?,
                    version,
                )
            }
            Self::Group => {
                let row = groups::load(conn, id)?;
                let version = row.version;
                (
                    raw(groups::render(conn, vec![row], base, projection)?)?,
                    version,
                )
            }
        };
        let one = list
            .pop()
            .ok_or_else(|| crate::error::ApiError::internal("rendering lost the resource"))?;
        Ok((one, version))
    }

    /// A page of a listing, rendered (each resource as JSON text), with the total
    /// number of matches.
    #[allow(clippy::too_many_arguments)]
    pub fn list(
        self,
        conn: &Connection,
        filter: Option<&roster_proto::filter::Filter>,
        order: Option<&str>,
        offset: u64,
        count: u64,
        base: &str,
        projection: &crate::projection::Projection,
    ) -> ApiResult<(u64, Vec<String>)> {
        match self {
            Self::User => {
                let sql = filter.map(crate::filter_sql::users_where).transpose()?;
                let (total, rows) = users::list(conn, sql.as_ref(), order, offset, count)?;
                Ok((total, users::render_texts(conn, rows, base, projection)?))
            }
            Self::Group => {
                let sql = filter.map(crate::filter_sql::groups_where).transpose()?;
                let (total, rows) = groups::list(conn, sql.as_ref(), order, offset, count)?;
                let rendered = groups::render(conn, rows, base, projection)?;
                Ok((total, rendered.iter().map(|g| g.to_string()).collect()))
            }
        }
    }

    /// The ORDER BY expression for `sortBy`.
    pub fn order_by(self, path: &str) -> ApiResult<String> {
        match self {
            Self::User => crate::filter_sql::users_order_by(path),
            Self::Group => crate::filter_sql::groups_order_by(path),
        }
    }
}
