//! `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` (RFC 7644 §4): public.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use roster_proto::ListResponse;
use serde_json::{Value, json};

use super::AppState;
use super::extract::{Base, MAX_PAGE};
use crate::error::ApiError;
use crate::http::scim_json;
use crate::schema::{RESOURCE_TYPES, SCHEMAS, SchemaDef};

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

/// The organisation's license ids, which are the only values `entitlements.value` and
/// group `licenses.value` accept: published as their `canonicalValues`.
async fn license_ids(state: &AppState) -> Result<Vec<String>, ApiError> {
    state
        .db
        .read(|c| {
            Ok(crate::store::licenses::all(c)?
                .into_iter()
                .map(|l| l.id)
                .collect())
        })
        .await
}

/// The `/Schemas` document of `schema`, with the license ids filled in.
fn schema_json(schema: &SchemaDef, base: &str, licenses: &[String]) -> Value {
    let mut doc = schema.to_json(base);
    let target = match schema.id {
        roster_proto::urn::USER => "entitlements",
        roster_proto::urn::ROSTER_GROUP => "licenses",
        _ => return doc,
    };
    let attributes = doc["attributes"].as_array_mut().into_iter().flatten();
    for attr in attributes.filter(|a| a["name"] == target) {
        for sub in attr["subAttributes"].as_array_mut().into_iter().flatten() {
            if sub["name"] == "value" {
                sub["canonicalValues"] = json!(licenses);
            }
        }
    }
    doc
}

/// 405 with a SCIM body for methods a discovery endpoint does not take.
async fn read_only() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this endpoint is read-only: use GET",
    )
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
            })
            .fallback(read_only),
        )
        .route(
            "/ResourceTypes",
            get(|Base(base): Base| async move {
                list(RESOURCE_TYPES.iter().map(|r| r.to_json(&base)).collect())
            })
            .fallback(read_only),
        )
        .route(
            "/ResourceTypes/{name}",
            get(|Base(base): Base, Path(name): Path<String>| async move {
                RESOURCE_TYPES
                    .iter()
                    .find(|r| r.name == name)
                    .map(|r| scim_json(StatusCode::OK, &r.to_json(&base)))
                    .ok_or_else(|| ApiError::not_found(format!("no resource type {name}")))
            })
            .fallback(read_only),
        )
        .route(
            "/Schemas",
            get(|State(state): State<AppState>, Base(base): Base| async move {
                let licenses = license_ids(&state).await?;
                Ok::<_, ApiError>(list(
                    SCHEMAS.iter().map(|s| schema_json(s, &base, &licenses)).collect(),
                ))
            })
            .fallback(read_only),
        )
        .route(
            "/.search",
            axum::routing::post(|| async {
                ApiError::new(
                    StatusCode::NOT_IMPLEMENTED,
                    None,
                    "searching across resource types is not supported; use /Users/.search or /Groups/.search",
                )
            }),
        )
        .route(
            "/Schemas/{id}",
            get(
                |State(state): State<AppState>, Base(base): Base, Path(id): Path<String>| async move {
                    let schema = SCHEMAS
                        .iter()
                        .find(|s| s.id == id)
                        .ok_or_else(|| ApiError::not_found(format!("no schema {id}")))?;
                    let licenses = license_ids(&state).await?;
                    Ok::<_, ApiError>(scim_json(
                        StatusCode::OK,
                        &schema_json(schema, &base, &licenses),
                    ))
                },
            )
            .fallback(read_only),
        )
}
