//! `/Organisation`, `/Licenses`, `/Me` and `/Invitations`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use roster_proto::ListResponse;
use roster_proto::resources::InvitationKind;
use serde_json::Value;

use super::AppState;
use super::extract::{Base, ProjectionParams, ScimBody, ScimQuery};
use crate::error::{ApiError, ApiResult};
use crate::http::scim_json;
use crate::store::tokens::Caller;
use crate::store::{Kind, emails, licenses, organisation, users};

async fn get_organisation(State(s): State<AppState>, Base(base): Base) -> ApiResult<Response> {
    let body = s.db.read(move |c| organisation::render(c, &base)).await?;
    Ok(scim_json(StatusCode::OK, &body))
}

async fn list_licenses(State(s): State<AppState>, Base(base): Base) -> ApiResult<Response> {
    let list =
        s.db.read(move |c| {
            licenses::all(c)?
                .iter()
                .map(|l| licenses::render(c, l, &base))
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    let total = list.len() as u64;
    Ok(scim_json(
        StatusCode::OK,
        &ListResponse::new(list, total, 1),
    ))
}

async fn get_license(
    State(s): State<AppState>,
    Base(base): Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let body =
        s.db.read(move |c| licenses::render(c, &licenses::get(c, &id)?, &base))
            .await?;
    Ok(scim_json(StatusCode::OK, &body))
}

async fn me(
    State(s): State<AppState>,
    Base(base): Base,
    Extension(caller): Extension<Caller>,
    ScimQuery(p): ScimQuery<ProjectionParams>,
) -> ApiResult<Response> {
    let projection = p.projection(Kind::User.def())?;
    let (body, _) =
        s.db.read(move |c| Kind::User.render_one(c, &caller.user_id, &base, &projection))
            .await?;
    Ok(scim_json(StatusCode::OK, &body))
}

#[derive(Debug, serde::Deserialize)]
struct InvitationQuery {
    filter: Option<String>,
}

/// Only `userId eq "ID"` is supported as a filter of `/Invitations`.
fn user_filter(filter: Option<&str>) -> ApiResult<Option<String>> {
    use roster_proto::filter::{AttrExp, CompValue, CompareOp, Filter};
    let Some(text) = filter.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let parsed: Filter = text
        .parse()
        .map_err(|e| ApiError::invalid_filter(format!("the filter {text:?} is not valid: {e}")))?;
    match parsed {
        Filter::Attr(AttrExp::Comparison(path, CompareOp::Eq, CompValue::Str(id)))
            if path.name.eq_ignore_ascii_case("userId") && path.sub_attr.is_none() =>
        {
            Ok(Some(id))
        }
        _ => Err(ApiError::invalid_filter(
            "Invitations can only be filtered by userId eq \"ID\"",
        )),
    }
}

async fn list_invitations(
    State(s): State<AppState>,
    Base(base): Base,
    ScimQuery(q): ScimQuery<InvitationQuery>,
) -> ApiResult<Response> {
    let user = user_filter(q.filter.as_deref())?;
    let list =
        s.db.read(move |c| emails::list(c, user.as_deref(), &base))
            .await?;
    let total = list.len() as u64;
    Ok(scim_json(
        StatusCode::OK,
        &ListResponse::new(list, total, 1),
    ))
}

async fn get_invitation(
    State(s): State<AppState>,
    Base(base): Base,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let body =
        s.db.read(move |c| {
            emails::get(c, &id, &base)?
                .ok_or_else(|| ApiError::not_found(format!("no invitation with id {id}")))
        })
        .await?;
    Ok(scim_json(StatusCode::OK, &body))
}

/// POST `/Invitations` `{"userId": ID}`: records a new invitation email (resend).
async fn resend_invitation(
    State(s): State<AppState>,
    Base(base): Base,
    ScimBody(body): ScimBody,
) -> ApiResult<Response> {
    let user_id = body
        .get("userId")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_value("userId is required"))?
        .to_owned();
    let kind = match body.get("kind").and_then(Value::as_str) {
        None | Some("invitation") => InvitationKind::Invitation,
        Some("setPassword") => InvitationKind::SetPassword,
        Some(other) => {
            return Err(ApiError::invalid_value(format!(
                "kind {other:?}: expected invitation or setPassword"
            )));
        }
    };
    let resource =
        s.db.write(move |c| {
            let user = users::load(c, &user_id).map_err(|_| {
                ApiError::invalid_value(format!("userId {user_id}: no user has this id"))
            })?;
            let id = emails::record(
                c,
                &user.id,
                &emails::recipient_of(&user.doc),
                kind,
                &crate::time::now(),
            )?;
            emails::get(c, &id, &base)?.ok_or_else(|| ApiError::internal("email vanished"))
        })
        .await?;
    s.mail.notify_one();
    let mut response = scim_json(StatusCode::CREATED, &resource);
    if let Some(loc) = resource["meta"]["location"]
        .as_str()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(response)
}

/// The routes; `/Licenses` and `/Invitations` only with the Roster extension.
pub fn routes(roster_extension: bool) -> Router<AppState> {
    let common = Router::new()
        .route("/Organisation", get(get_organisation))
        .route("/Me", get(me));
    if !roster_extension {
        return common;
    }
    common
        .route("/Licenses", get(list_licenses))
        .route("/Licenses/{id}", get(get_license))
        .route(
            "/Invitations",
            get(list_invitations).post(resend_invitation),
        )
        .route("/Invitations/{id}", get(get_invitation))
}
