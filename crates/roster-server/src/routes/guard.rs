//! Protocol answers in SCIM form: request lines and headers beyond what the server
//! reads (414, 431), and bare error answers of the HTTP layer (405 and the like)
//! given a SCIM error body (RFC 7644 §3.12).

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Longest request target (path and query) served. hyper itself refuses beyond
/// 64 KiB without a body; below that, the answer is a SCIM error.
pub const MAX_URI: usize = 8 * 1024;
/// Largest total of header names and values served (hyper's own limit is its
/// ~400 KiB read buffer and 100 headers).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Most headers served.
pub const MAX_HEADERS: usize = 64;

/// Refuses an overlong target (414) or oversized headers (431) with a SCIM body, and
/// gives a SCIM body to any error answer that has none.
pub async fn guard(req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            None,
            format!(
                "the request target is {target} bytes; this server reads at most {MAX_URI} \
                 (send a long filter with POST /.search)"
            ),
        )
        .into_response();
    }
    let headers = req.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            None,
            format!(
                "the request has {} headers of {header_bytes} bytes; this server reads at most \
                 {MAX_HEADERS} headers of {MAX_HEADER_BYTES} bytes",
                headers.len()
            ),
        )
        .into_response();
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.headers().contains_key(header::CONTENT_TYPE)
    {
        return response;
    }
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = response
                .headers()
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            format!("{method} is not allowed on {path:?}; allowed: {allowed}")
        }
        other => other
            .canonical_reason()
            .unwrap_or("request refused")
            .to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    let scim = ApiError::new(status, None, detail).into_response();
    let (scim_parts, body) = scim.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(scim_parts.headers);
    Response::from_parts(parts, body)
}
