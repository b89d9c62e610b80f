//! Answers rewritten for the interoperability switches that hide something from
//! every resource (`meta.version`, the Roster extension, `User.groups`): done once
//! here, on the JSON on its way out, rather than in every renderer.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::ApiError;

/// Largest answer rewritten (a full page of users is far below).
const MAX_ANSWER: usize = 256 * 1024 * 1024;

/// Rewrites SCIM JSON answers as [`crate::switches::Switches::adjust_resource`] says,
/// and drops the `ETag` header when ETags are off.
pub async fn rewrite_answers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let switches = state.switches;
    let response = next.run(req).await;
    if !switches.rewrites_answers() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if switches.no_etag {
        parts.headers.remove(header::ETAG);
    }
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        return Response::from_parts(parts, body);
    }
    let bytes = match to_bytes(body, MAX_ANSWER).await {
        Ok(bytes) => bytes,
        Err(e) => return ApiError::internal(format!("reading an answer: {e}")).into_response(),
    };
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    switches.adjust_resource(&mut value);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(value.to_string()))
}
