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
use crate::schema::{RESOURCE_TYPES, ResourceDef, SCHEMAS, SchemaDef};
use crate::switches::Switches;

/// Most operations in one `/Bulk` request.
pub const BULK_MAX_OPERATIONS: usize = 1000;
/// Largest `/Bulk` body in bytes.
pub const BULK_MAX_PAYLOAD: usize = 8 * 1024 * 1024;
/// Largest body of any other request in bytes.
pub const MAX_PAYLOAD: usize = 1024 * 1024;

fn service_provider_config(base: &str, switches: Switches) -> Value {
    let bulk = if switches.no_bulk {
        json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0})
    } else {
        json!({
            "supported": true,
            "maxOperations": BULK_MAX_OPERATIONS,
            "maxPayloadSize": BULK_MAX_PAYLOAD,
        })
    };
    json!({
        "schemas": [roster_proto::urn::SERVICE_PROVIDER_CONFIG],
        "documentationUri": "https://example.invalid/roster/docs/api.md",
        "patch": {"supported": !switches.no_patch},
        "bulk": bulk,
        "filter": {"supported": !switches.no_filter, "maxResults": MAX_PAGE},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": !switches.no_etag},
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

/// The schemas advertised: without the Roster ones (the extensions, License,
/// Invitation) when the extension is off.
fn schemas(switches: Switches) -> impl Iterator<Item = &'static &'static SchemaDef> {
    SCHEMAS
        .iter()
        .filter(move |s| !(switches.no_roster_extension && s.id.starts_with("urn:roster:")))
}

/// The resource types advertised: only User and Group when the extension is off.
fn resource_types(switches: Switches) -> impl Iterator<Item = &'static &'static ResourceDef> {
    RESOURCE_TYPES
        .iter()
        .filter(move |r| !(switches.no_roster_extension && r.schema.id.starts_with("urn:roster:")))
}

/// A resource type's document, without the Roster extension when it is off.
fn resource_type_json(r: &ResourceDef, base: &str, switches: Switches) -> Value {
    let mut doc = r.to_json(base);
    if switches.no_roster_extension {
        doc["schemaExtensions"] = json!([]);
    }
    doc
}

/// The `/Schemas` document of `schema`, with the license ids filled in.
fn schema_json(schema: &SchemaDef, base: &str, licenses: &[String], switches: Switches) -> Value {
    let mut doc = schema.to_json(base);
    if switches.users_without_groups
        && schema.id == roster_proto::urn::USER
        && let Some(attrs) = doc["attributes"].as_array_mut()
    {
        attrs.retain(|a| a["name"] != "groups");
    }
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
            get(|State(state): State<AppState>, Base(base): Base| async move {
                scim_json(
                    StatusCode::OK,
                    &service_provider_config(&base, state.switches),
                )
            })
            .fallback(read_only),
        )
        .route(
            "/ResourceTypes",
            get(|State(state): State<AppState>, Base(base): Base| async move {
                list(
                    resource_types(state.switches)
                        .map(|r| resource_type_json(r, &base, state.switches))
                        .collect(),
                )
            })
            .fallback(read_only),
        )
        .route(
            "/ResourceTypes/{name}",
            get(|State(state): State<AppState>, Base(base): Base, Path(name): Path<String>| async move {
                resource_types(state.switches)
                    .find(|r| r.name == name)
                    .map(|r| scim_json(StatusCode::OK, &resource_type_json(r, &base, state.switches)))
                    .ok_or_else(|| ApiError::not_found(format!("no resource type {name}")))
            })
            .fallback(read_only),
        )
        .route(
            "/Schemas",
            get(|State(state): State<AppState>, Base(base): Base| async move {
                let licenses = license_ids(&state).await?;
                Ok::<_, ApiError>(list(
                    schemas(state.switches)
                        .map(|s| schema_json(s, &base, &licenses, state.switches))
                        .collect(),
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
                    let schema = schemas(state.switches)
                        .find(|s| s.id == id)
                        .ok_or_else(|| ApiError::not_found(format!("no schema {id}")))?;
                    let licenses = license_ids(&state).await?;
                    Ok::<_, ApiError>(scim_json(
                        StatusCode::OK,
                        &schema_json(schema, &base, &licenses, state.switches),
                    ))
                },
            )
            .fallback(read_only),
        )
}
