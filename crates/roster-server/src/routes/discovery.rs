//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` (RFC 7644 §4): public.

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use roster_proto::ListResponse;
use serde_json::{Value, json};

use super::AppState;
use super::extract::{Base, MAX_PAGE};
use crate::error::ApiError;
use crate::http::scim_json;
use crate::schema::{RESOURCE_TYPES, SCHEMAS};

/// Most operations in one `/Bulk` request.
pub const BULK_MAX_OPERATIONS: usize = 1000;
/// Largest `/Bulk` body in bytes.
pub const BULK_MAX_PAYLOAD: usize = 8 * 1024 * 1024;
/// Largest body of any other request in bytes.
pub const MAX_PAYLOAD: usize = 1024 * 1024;

fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": [roster_proto::urn::SERVICE_PROVIDER_CONFIG],
        "documentationUri": "https://example.invalid/roster/docs/api.md",
        "patch": {"supported": true},
        "bulk": {
            "supported": true,
            "maxOperations": BULK_MAX_OPERATIONS,
            "maxPayloadSize": BULK_MAX_PAYLOAD,
        },
        "filter": {"supported": true, "maxResults": MAX_PAGE},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with an API token in the Authorization header: Bearer TOKEN",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig"),
        }
    })
}

fn list(resources: Vec<Value>) -> Response {
    let total = resources.len() as u64;
    scim_json(StatusCode::OK, &ListResponse::new(resources, total, 1))
}

/// The discovery routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/ServiceProviderConfig",
            get(|Base(base): Base| async move {
                scim_json(StatusCode::OK, &service_provider_config(&base))
            }),
        )
        .route(
            "/ResourceTypes",
            get(|Base(base): Base| async move {
                list(RESOURCE_TYPES.iter().map(|r| r.to_json(&base)).collect())
            }),
        )
        .route(
            "/ResourceTypes/{name}",
            get(|Base(base): Base, Path(name): Path<String>| async move {
                RESOURCE_TYPES
                    .iter()
                    .find(|r| r.name == name)
                    .map(|r| scim_json(StatusCode::OK, &r.to_json(&base)))
                    .ok_or_else(|| ApiError::not_found(format!("no resource type {name}")))
            }),
        )
        .route(
            "/Schemas",
            get(|Base(base): Base| async move {
                list(SCHEMAS.iter().map(|s| s.to_json(&base)).collect())
            }),
        )
        .route(
            "/Schemas/{id}",
            get(|Base(base): Base, Path(id): Path<String>| async move {
                SCHEMAS
                    .iter()
                    .find(|s| s.id == id)
                    .map(|s| scim_json(StatusCode::OK, &s.to_json(&base)))
                    .ok_or_else(|| ApiError::not_found(format!("no schema {id}")))
            }),
        )
}

