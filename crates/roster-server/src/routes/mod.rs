//! The HTTP API: routes, authentication, request logging.

mod bulk;
pub mod discovery;
pub mod extract;
mod guard;
mod organisation;
mod resources;
mod rewrite;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use tokio::sync::Notify;

use crate::db::Db;
use crate::error::ApiError;
use crate::store::{Kind, tokens};
use crate::switches::{self, Switches};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Arc<Db>,
    /// Woken when an email was recorded, for the SMTP sender.
    pub mail: Arc<Notify>,
    /// Features turned off for interoperability tests.
    pub switches: Switches,
}

/// The whole API under `/scim/v2`.
pub fn router(state: AppState) -> Router {
    let switches = state.switches;
    let bulk_route = if switches.no_bulk {
        post(|| async { switches::not_implemented("/Bulk is not supported by this server") })
    } else {
        post(bulk::bulk).layer(DefaultBodyLimit::max(discovery::BULK_MAX_PAYLOAD))
    };
    let protected = Router::new()
        .nest("/Users", resources::routes(Kind::User))
        .nest("/Groups", resources::routes(Kind::Group))
        .merge(organisation::routes(!switches.no_roster_extension))
        .route("/Bulk", bulk_route)
        .route_layer(middleware::from_fn_with_state(state.clone(), require_admin));
    let api = Router::new()
        .merge(discovery::routes())
        .merge(protected)
        .fallback(|| async { ApiError::not_found("no such endpoint") });
    Router::new()
        .nest(roster_proto::API_PREFIX, api)
        .fallback(|| async { ApiError::not_found("no such endpoint; the API is under /scim/v2") })
        .layer(DefaultBodyLimit::max(discovery::MAX_PAYLOAD))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rewrite::rewrite_answers,
        ))
        .layer(middleware::from_fn(guard::guard))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Refuses a request without a valid token (401) or whose user is not an
/// Organisation Administrator (403).
async fn require_admin(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            let (scheme, token) = h.trim().split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    let Some(token) = token else {
        return with_challenge(ApiError::unauthorized(
            "an API token is required: Authorization: Bearer TOKEN",
        ));
    };
    match state
        .db
        .read(move |c| tokens::authenticate(c, &token))
        .await
    {
        Ok(caller) if caller.admin => {
            req.extensions_mut().insert(caller);
            next.run(req).await
        }
        Ok(_) => ApiError::forbidden(
            "the token's user is not an Organisation Administrator; every call needs that role",
        )
        .into_response(),
        Err(e) if e.status.as_u16() == 401 => with_challenge(e),
        Err(e) => e.into_response(),
    }
}

fn with_challenge(e: ApiError) -> Response {
    let mut response = e.into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"roster\""),
    );
    response
}

/// Logs method, path, status and duration of each request (never headers: the token
/// stays out of the log).
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        // Debug-escaped: no raw control character of a client reaches a log line.
        ?path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
