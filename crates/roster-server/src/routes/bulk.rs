//! `/Bulk` (RFC 7644 §3.7): every operation in one transaction, each in its own
//! savepoint, so that one failing operation does not undo the others.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use roster_proto::{BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse};
use rusqlite::Connection;
use serde_json::Value;

use super::AppState;
use super::discovery::BULK_MAX_OPERATIONS;
use super::extract::{Base, ScimBody};
use crate::error::{ApiError, ApiResult};
use crate::http::scim_json;
use crate::store::{Kind, WriteCtx, etag};

/// POST `/Bulk`.
pub async fn bulk(
    State(s): State<AppState>,
    Base(base): Base,
    ScimBody(body): ScimBody,
) -> ApiResult<Response> {
    let request: BulkRequest = serde_json::from_value(body)
        .map_err(|e| ApiError::invalid_syntax(format!("not a BulkRequest: {e}")))?;
    if request.operations.len() > BULK_MAX_OPERATIONS {
        return Err(ApiError::too_large(format!(
            "{} operations; at most {BULK_MAX_OPERATIONS} are accepted in one request",
            request.operations.len()
        )));
    }
    let switches = s.switches;
    let results =
        s.db.write(move |conn| {
            let mut ctx = WriteCtx::new(conn, switches)?;
            let mut run = Run {
                base: &base,
                bulk_ids: HashMap::new(),
            };
            let mut results = Vec::with_capacity(request.operations.len());
            let mut errors = 0u32;
            for op in &request.operations {
                if request.fail_on_errors.is_some_and(|max| errors >= max) {
                    break;
                }
                let result = run.one(conn, &mut ctx, op);
                if result.status_code() >= 400 {
                    errors += 1;
                }
                results.push(result);
            }
            Ok(results)
        })
        .await?;
    s.mail.notify_one();
    let response = BulkResponse {
        schemas: vec![roster_proto::urn::BULK_RESPONSE.to_owned()],
        operations: results,
    };
    Ok(scim_json(StatusCode::OK, &response))
}

struct Run<'a> {
    base: &'a str,
    /// bulkId → id of the resource that operation created.
    bulk_ids: HashMap<String, String>,
}

impl Run<'_> {
    fn one(
        &mut self,
        conn: &Connection,
        ctx: &mut WriteCtx,
        op: &BulkOperation,
    ) -> BulkOperationResponse {
        let method = op.method.to_ascii_uppercase();
        let mut response = BulkOperationResponse {
            method: method.clone(),
            bulk_id: op.bulk_id.clone(),
            version: None,
            location: None,
            status: String::new(),
            response: None,
        };
        let outcome = conn
            .execute_batch("SAVEPOINT bulk_op")
            .map_err(ApiError::from)
            .and_then(|()| self.apply(conn, ctx, &method, op));
        let finish = match &outcome {
            Ok(_) => "RELEASE bulk_op",
            Err(_) => "ROLLBACK TO bulk_op; RELEASE bulk_op",
        };
        if let Err(e) = conn.execute_batch(finish) {
            tracing::error!(error = %e, "bulk savepoint");
        }
        match outcome {
            Ok((status, written)) => {
                response.status = status.as_u16().to_string();
                if let Some((kind, w)) = written {
                    response.location = Some(format!("{}/{}/{}", self.base, kind.endpoint(), w.id));
                    response.version = Some(etag::of(w.version));
                    if method == "POST"
                        && let Some(bulk_id) = &op.bulk_id
                    {
                        self.bulk_ids.insert(bulk_id.clone(), w.id);
                    }
                }
            }
            Err(e) => {
                response.status = e.status.as_u16().to_string();
                response.response = serde_json::to_value(e.body()).ok();
            }
        }
        response
    }

    fn apply(
        &self,
        conn: &Connection,
        ctx: &mut WriteCtx,
        method: &str,
        op: &BulkOperation,
    ) -> ApiResult<(StatusCode, Option<(Kind, crate::store::Written)>)> {
        let path = self.resolve_path(&op.path)?;
        let mut segments = path.trim_start_matches('/').splitn(2, '/');
        let kind = segments
            .next()
            .and_then(Kind::from_endpoint)
            .ok_or_else(|| ApiError::invalid_path(format!("{}: not /Users or /Groups", op.path)))?;
        let id = segments.next().filter(|s| !s.is_empty());
        let mut data = op.data.clone().unwrap_or(Value::Null);
        self.resolve_refs(&mut data)?;
        let version = op.version.as_deref();
        let need_id = || {
            id.ok_or_else(|| {
                ApiError::invalid_path(format!("{}: the path needs a resource id", op.path))
            })
        };
        match method {
            "POST" => {
                if id.is_some() {
                    return Err(ApiError::invalid_path("POST goes to /Users or /Groups"));
                }
                if op.bulk_id.is_none() {
                    return Err(ApiError::invalid_value("a POST operation needs a bulkId"));
                }
                let w = kind.create(conn, ctx, &data)?;
                Ok((StatusCode::CREATED, Some((kind, w))))
            }
            "PUT" => {
                let w = kind.replace(conn, ctx, need_id()?, &data, version)?;
                Ok((StatusCode::OK, Some((kind, w))))
            }
            "PATCH" => {
                let w = kind.patch(conn, ctx, need_id()?, &data, version)?;
                Ok((StatusCode::OK, Some((kind, w))))
            }
            "DELETE" => {
                kind.delete(conn, ctx, need_id()?, version)?;
                Ok((StatusCode::NO_CONTENT, None))
            }
            other => Err(ApiError::invalid_syntax(format!(
                "method {other}: expected POST, PUT, PATCH or DELETE"
            ))),
        }
    }

    fn lookup(&self, reference: &str) -> ApiResult<String> {
        self.bulk_ids.get(reference).cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                Some(roster_proto::ScimType::InvalidValue),
                format!(
                    "bulkId:{reference} does not name a resource created earlier in this request"
                ),
            )
        })
    }

    fn resolve_path(&self, path: &str) -> ApiResult<String> {
        match path.split_once("bulkId:") {
            Some((head, reference)) => Ok(format!("{head}{}", self.lookup(reference)?)),
            None => Ok(path.to_owned()),
        }
    }

    /// Replaces every string `bulkId:X` in `data` by the id X's operation created.
    fn resolve_refs(&self, data: &mut Value) -> ApiResult<()> {
        match data {
            Value::String(s) => {
                if let Some(reference) = s.strip_prefix("bulkId:") {
                    *s = self.lookup(reference)?;
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.resolve_refs(item)?;
                }
            }
            Value::Object(map) => {
                for item in map.values_mut() {
                    self.resolve_refs(item)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
