//! `/Users` and `/Groups`: list, search, create, read, replace, patch, delete.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

#[cfg(doc)]
use roster_proto::ListResponse;

use super::AppState;
use super::extract::{Base, IfMatch, ListParams, ProjectionParams, ScimBody, ScimQuery};
use crate::error::{ApiError, ApiResult};
use crate::http::{scim_json, scim_json_text};
use crate::store::{Kind, WriteCtx, etag};

/// GET `/{Users|Groups}`.
pub async fn list(
    kind: Kind,
    state: AppState,
    base: Base,
    params: ListParams,
) -> ApiResult<Response> {
    let mut params = params;
    params.filter = state
        .switches
        .filter(params.filter.as_deref())?
        .map(str::to_owned);
    let query = params.check(kind.def(), |p| kind.order_by(p))?;
    let page = state
        .db
        .read(move |conn| {
            kind.list(
                conn,
                query.filter.as_ref(),
                query.sort.as_deref(),
                query.start_index - 1,
                query.count,
                &base.0,
                &query.projection,
            )
            .map(|(total, resources)| list_body(&resources, total, query.start_index))
        })
        .await?;
    Ok(scim_json_text(StatusCode::OK, page))
}

/// A ListResponse around resources already printed, as `serde_json` would print a
/// [`ListResponse`] (same members, same order): the page is written once, straight
/// into the body.
fn list_body(resources: &[String], total: u64, start_index: u64) -> String {
    let mut out = String::with_capacity(resources.iter().map(|r| r.len() + 1).sum::<usize>() + 160);
    let _ = write!(
        out,
        "{{\"schemas\":[\"{}\"],\"totalResults\":{total},\"startIndex\":{start_index},\
         \"itemsPerPage\":{},\"Resources\":[",
        roster_proto::urn::LIST_RESPONSE,
        resources.len()
    );
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r);
    }
    out.push_str("]}");
    out
}

/// A response carrying one resource with its `ETag` (and `Location` when created).
fn resource_response(
    status: StatusCode,
    body: Box<serde_json::value::RawValue>,
    version: i64,
    location: Option<String>,
) -> Response {
    let mut response = scim_json(status, &body);
    if let Ok(tag) = HeaderValue::from_str(&etag::of(version)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    response
}

/// GET `/{Users|Groups}/{id}`.
pub async fn get_one(
    kind: Kind,
    state: AppState,
    base: Base,
    id: String,
    params: ProjectionParams,
) -> ApiResult<Response> {
    let projection = params.projection(kind.def())?;
    let (body, version) = state
        .db
        .read(move |conn| kind.render_one(conn, &id, &base.0, &projection))
        .await?;
    Ok(resource_response(StatusCode::OK, body, version, None))
}

/// What a write does, once the store is reached.
#[derive(Debug, Clone, Copy)]
enum Write {
    Create,
    Replace,
    Patch,
}

/// One write request: which, to what, with what.
struct WriteRequest {
    kind: Kind,
    what: Write,
    id: Option<String>,
    body: serde_json::Value,
    if_match: Option<String>,
    params: ProjectionParams,
}

async fn write(state: &AppState, base: Base, req: WriteRequest) -> ApiResult<Response> {
    let WriteRequest {
        kind,
        what,
        id,
        body,
        if_match,
        params,
    } = req;
    let projection = params.projection(kind.def())?;
    let base_url = base.0.clone();
    let switches = state.switches;
    let (body, version, id) = state
        .db
        .write(move |conn| {
            let mut ctx = WriteCtx::new(conn, switches)?;
            let id = id.unwrap_or_default();
            let written = match what {
                Write::Create => kind.create(conn, &mut ctx, &body)?,
                Write::Replace => kind.replace(conn, &mut ctx, &id, &body, if_match.as_deref())?,
                Write::Patch => kind.patch(conn, &mut ctx, &id, &body, if_match.as_deref())?,
            };
            let (body, version) = kind.render_one(conn, &written.id, &base.0, &projection)?;
            Ok((body, version, written.id))
        })
        .await?;
    state.mail.notify_one();
    let (status, location) = match what {
        Write::Create => (
            StatusCode::CREATED,
            Some(format!("{}/{}/{id}", base_url, kind.endpoint())),
        ),
        _ => (StatusCode::OK, None),
    };
    tracing::debug!(kind = kind.endpoint(), %id, ?what, "written");
    Ok(resource_response(status, body, version, location))
}

/// Routes of one resource type.
pub fn routes(kind: Kind) -> axum::Router<AppState> {
    use axum::routing::{get, post};
    let write_route = move |what: Write| {
        move |State(s): State<AppState>,
              base: Base,
              id: Option<Path<String>>,
              IfMatch(if_match): IfMatch,
              ScimQuery(params): ScimQuery<ProjectionParams>,
              ScimBody(body): ScimBody| async move {
            let req = WriteRequest {
                kind,
                what,
                id: id.map(|p| p.0),
                body,
                if_match,
                params,
            };
            write(&s, base, req).await
        }
    };
    axum::Router::new()
        .route(
            "/",
            get(
                move |State(s): State<AppState>,
                      base: Base,
                      ScimQuery(p): ScimQuery<ListParams>| {
                    list(kind, s, base, p)
                },
            )
            .post(write_route(Write::Create)),
        )
        .route(
            "/.search",
            post(
                move |State(s): State<AppState>, base: Base, body: ScimBody| async move {
                    let params: ListParams = serde_json::from_value(body.0).map_err(|e| {
                        ApiError::invalid_syntax(format!("not a SearchRequest: {e}"))
                    })?;
                    list(kind, s, base, params).await
                },
            ),
        )
        .route(
            "/{id}",
            get(
                move |State(s): State<AppState>,
                      base: Base,
                      Path(id): Path<String>,
                      ScimQuery(p): ScimQuery<ProjectionParams>| {
                    get_one(kind, s, base, id, p)
                },
            )
            .put(write_route(Write::Replace))
            .patch(write_route(Write::Patch))
            .delete(
                move |State(s): State<AppState>, Path(id): Path<String>, if_match: IfMatch| {
                    delete(kind, s, id, if_match)
                },
            ),
        )
}

/// DELETE `/{Users|Groups}/{id}`.
pub async fn delete(
    kind: Kind,
    state: AppState,
    id: String,
    if_match: IfMatch,
) -> ApiResult<Response> {
    let switches = state.switches;
    state
        .db
        .write(move |conn| {
            let mut ctx = WriteCtx::new(conn, switches)?;
            kind.delete(conn, &mut ctx, &id, if_match.0.as_deref())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
