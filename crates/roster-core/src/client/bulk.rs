//! `/Bulk`, and creating many users at once (imports).

use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::stream::FuturesUnordered;
use futures_util::{StreamExt, stream};
use reqwest::Method;
use roster_proto::{BulkOperation, BulkOperationResponse, BulkRequest, BulkResponse, urn};

use super::pace::Pace;
use super::transport::Call;
use super::users::unsupported;
use super::{ApiClient, errors, filter_string};
use crate::CoreError;
use crate::model::{GroupId, NewUser, User, UserId, UserReply};

/// Share of the server's `/Bulk` payload limit a batch may fill (room for the
/// envelope and for misestimates).
const PAYLOAD_SHARE: f64 = 0.9;
/// Users fetched by one `id eq … or …` listing after a bulk create.
const IDS_PER_LOOKUP: usize = 50;

impl ApiClient {
    /// Sends `operations` in one `/Bulk` request and returns one result per processed
    /// operation, in order. Each result has its own status: a failed operation does
    /// not fail the call (read it with [`bulk_error`]).
    ///
    /// `Rejected` (501) when the server does not advertise `/Bulk` or answers it
    /// with 404, 405 or 501 (then the client stops using `/Bulk` until the next
    /// [`connect`](Self::connect)); (413) when there are more operations than it
    /// accepts. Like any POST, the request is resent only when it surely did not
    /// reach the server.
    pub async fn bulk(
        &self,
        operations: Vec<BulkOperation>,
    ) -> Result<Vec<BulkOperationResponse>, CoreError> {
        self.try_bulk(operations)
            .await?
            .ok_or_else(|| unsupported("/Bulk"))
    }

    /// [`bulk`](Self::bulk), with `None` for a server that has no `/Bulk` after all.
    async fn try_bulk(
        &self,
        operations: Vec<BulkOperation>,
    ) -> Result<Option<Vec<BulkOperationResponse>>, CoreError> {
        let caps = self.capabilities();
        if caps.as_ref().is_some_and(|c| c.bulk.is_none()) {
            return Ok(None);
        }
        if let Some((max_operations, _)) = caps.and_then(|c| c.bulk)
            && operations.len() > max_operations
        {
            return Err(CoreError::Rejected {
                status: 413,
                scim_type: None,
                detail: format!(
                    "{} operations in one /Bulk request; the server accepts at most {max_operations}",
                    operations.len()
                ),
            });
        }
        let request = BulkRequest {
            schemas: vec![urn::BULK_REQUEST.to_owned()],
            fail_on_errors: None,
            operations,
        };
        let call = Call::new(Method::POST, self.url(&["Bulk"], &[]))
            .json(&request)?
            .timeout(self.inner.options.bulk_timeout);
        let reply = self.send(&call).await?;
        let status = reply.status.as_u16();
        // Advertised but absent (seen in the wild): nothing was carried out.
        if matches!(status, 404 | 405 | 501) {
            tracing::info!(
                status,
                "the server has no /Bulk after all; creating one by one"
            );
            if let Some(mut caps) = self.capabilities() {
                caps.bulk = None;
                self.set_capabilities(caps);
            }
            return Ok(None);
        }
        let response: BulkResponse = reply.success()?.json()?;
        Ok(Some(response.operations))
    }

    /// Creates every user of `users` and returns one result per user, in order.
    ///
    /// When the server advertises `/Bulk` (known after [`connect`](Self::connect)),
    /// users go in batches of at most `maxOperations` (and within `maxPayloadSize`),
    /// one batch after the other, then each user is added to its groups (one PATCH
    /// per group) and read back. Otherwise, or when `/Bulk` answers 404, 405 or 501,
    /// users are created with [`create_user`](Self::create_user), starting with
    /// `ClientOptions::requests_in_flight` at a time: halved on 5xx/429 (down to
    /// one), one more after each round of successes.
    ///
    /// Results: `Ok(user)` when created with its memberships; `AlreadyExists` for a
    /// userName already taken; `Offline`/`Server` for a whole batch whose answer did
    /// not come (some of it may have been created: replaying gives `AlreadyExists`
    /// for those); the group or read-back error for a user that was created but not
    /// finished (replaying gives `AlreadyExists`, then the engine sets the groups).
    pub async fn create_users(&self, users: &[NewUser]) -> Vec<Result<User, CoreError>> {
        match self.capabilities().and_then(|c| c.bulk) {
            Some((max_operations, max_payload)) => {
                self.create_users_in_bulk(users, max_operations, max_payload)
                    .await
            }
            None => self.create_users_one_by_one(users).await,
        }
    }

    /// Creates `users` with single POSTs at an adaptive concurrency ([`Pace`]).
    async fn create_users_one_by_one(&self, users: &[NewUser]) -> Vec<Result<User, CoreError>> {
        let mut pace = Pace::new(self.inner.options.requests_in_flight);
        let mut results: Vec<Option<Result<User, CoreError>>> =
            (0..users.len()).map(|_| None).collect();
        let mut running = FuturesUnordered::new();
        let mut next = 0;
        loop {
            while running.len() < pace.current() && next < users.len() {
                let i = next;
                // An index, not a reference, keeps the future `Send` (a closure over
                // `&NewUser` trips rustc's higher-ranked lifetime inference).
                running.push(async move { (i, self.create_user(&users[i]).await) });
                next += 1;
            }
            let Some((i, result)) = running.next().await else {
                break;
            };
            match &result {
                Ok(_) => pace.succeeded(),
                Err(CoreError::Server { status, .. }) if *status == 429 || *status >= 500 => {
                    pace.overloaded();
                    tracing::debug!(in_flight = pace.current(), "the server is overloaded");
                }
                Err(_) => {}
            }
            results[i] = Some(result);
        }
        results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(CoreError::Protocol {
                        detail: "a create was not carried out".to_owned(),
                    })
                })
            })
            .collect()
    }

    async fn create_users_in_bulk(
        &self,
        users: &[NewUser],
        max_operations: usize,
        max_payload: usize,
    ) -> Vec<Result<User, CoreError>> {
        let mut results: Vec<Result<UserId, CoreError>> = Vec::with_capacity(users.len());
        let operations: Vec<BulkOperation> = users
            .iter()
            .enumerate()
            .map(|(i, u)| BulkOperation {
                method: "POST".to_owned(),
                bulk_id: Some(format!("user{i}")),
                version: None,
                path: "/Users".to_owned(),
                data: Some(self.new_user_body(u)),
            })
            .collect();
        let mut without_bulk = None;
        for batch in batches(operations, max_operations, max_payload) {
            let n = batch.len();
            let ids: Vec<Option<String>> = batch.iter().map(|op| op.bulk_id.clone()).collect();
            match self.try_bulk(batch).await {
                Err(e) => results.extend(std::iter::repeat_n(Err(e), n)),
                Ok(None) => {
                    // No /Bulk after all: this batch and the rest go one by one.
                    without_bulk = Some(results.len());
                    break;
                }
                Ok(Some(responses)) => {
                    let mut by_bulk_id: HashMap<Option<String>, BulkOperationResponse> = responses
                        .into_iter()
                        .map(|r| (r.bulk_id.clone(), r))
                        .collect();
                    for bulk_id in ids {
                        results.push(match by_bulk_id.remove(&bulk_id) {
                            Some(r) => created_id(&r),
                            None => Err(CoreError::Protocol {
                                detail: "the server's /Bulk answer has no result for this user"
                                    .to_owned(),
                            }),
                        });
                    }
                }
            }
        }

        let users_in_bulk = &users[..results.len()];
        let mut done = self.finish_bulk_creates(users_in_bulk, results).await;
        if let Some(from) = without_bulk {
            done.extend(self.create_users_one_by_one(&users[from..]).await);
        }
        done
    }

    /// After `/Bulk` created `users` (their ids in `results`): puts them in their
    /// groups and reads them back.
    async fn finish_bulk_creates(
        &self,
        users: &[NewUser],
        mut results: Vec<Result<UserId, CoreError>>,
    ) -> Vec<Result<User, CoreError>> {
        // Group memberships: one PATCH per group for all its new members.
        let mut by_group: BTreeMap<&GroupId, Vec<(usize, UserId)>> = BTreeMap::new();
        for (i, (new, result)) in users.iter().zip(&results).enumerate() {
            if let Ok(id) = result {
                for g in &new.groups {
                    by_group.entry(g).or_default().push((i, id.clone()));
                }
            }
        }
        for (group, members) in by_group {
            let ids: Vec<UserId> = members.iter().map(|(_, id)| id.clone()).collect();
            if let Err(e) = self.set_group_members(group, &ids, &[]).await {
                for (i, _) in members {
                    results[i] = Err(e.clone());
                }
            }
        }

        // Read the new users back (groups and inherited licenses are computed).
        let created: Vec<UserId> = results.iter().filter_map(|r| r.clone().ok()).collect();
        let mut fetched = self.users_by_id(&created).await;
        results
            .into_iter()
            .map(|r| {
                let id = r?;
                fetched.remove(&id).unwrap_or_else(|| {
                    Err(CoreError::Protocol {
                        detail: format!("the created user {id} could not be read back"),
                    })
                })
            })
            .collect()
    }

    /// The users whose userName is one of `user_names`, found with one listing
    /// (`userName eq "a" or userName eq "b" …`; keep it to a few dozen names), keyed
    /// by the lowercased userName. Names not on the server are absent.
    ///
    /// A server without filtering, or refusing such a filter (400, 501), is asked
    /// one name at a time with [`find_user_by_user_name`](Self::find_user_by_user_name).
    /// Only exact (case-insensitive) userName matches count, so a server that
    /// ignores the filter and lists other users finds nobody by mistake.
    pub async fn find_users_by_user_names(
        &self,
        user_names: &[String],
    ) -> Result<HashMap<String, User>, CoreError> {
        let wanted: HashSet<String> = user_names.iter().map(|n| n.to_lowercase()).collect();
        let filters = self.capabilities().is_none_or(|c| c.filter);
        if filters && user_names.len() > 1 {
            // Never more names than a page holds: a server with a small maximum
            // would leave the rest out, and they would look absent.
            let mut found = HashMap::new();
            let mut refused = false;
            for chunk in user_names.chunks(self.page_size()) {
                let filter = chunk
                    .iter()
                    .map(|n| format!("userName eq {}", filter_string(n)))
                    .collect::<Vec<_>>()
                    .join(" or ");
                let count = chunk.len().to_string();
                let attributes = self.user_attributes();
                let url = self.url(
                    &["Users"],
                    &[
                        ("filter", &filter),
                        ("attributes", &attributes),
                        ("count", &count),
                    ],
                );
                match self
                    .get_json::<roster_proto::ListResponse<UserReply>>(url)
                    .await
                {
                    Ok(list) => found.extend(
                        list.resources
                            .into_iter()
                            .map(|r| r.0)
                            .map(|u| (u.user_name.to_lowercase(), u))
                            .filter(|(name, _)| wanted.contains(name)),
                    ),
                    Err(CoreError::Rejected { .. }) => {
                        refused = true;
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
            if !refused {
                return Ok(found);
            }
        }
        let mut found = HashMap::new();
        for name in user_names {
            if let Some(user) = self.find_user_by_user_name(name).await? {
                found.insert(name.to_lowercase(), user);
            }
        }
        Ok(found)
    }

    /// Reads the users `ids` a few dozen per listing (`id eq … or …`), falling back
    /// to one GET per user when the server refuses such a filter.
    async fn users_by_id(&self, ids: &[UserId]) -> HashMap<UserId, Result<User, CoreError>> {
        let in_flight = self.inner.options.requests_in_flight.max(1);
        let attributes = self.user_attributes();
        let chunks: Vec<Vec<UserId>> = ids.chunks(IDS_PER_LOOKUP).map(<[UserId]>::to_vec).collect();
        let found: Vec<Vec<(UserId, Result<User, CoreError>)>> = stream::iter(chunks)
            .map(|chunk| self.users_by_id_chunk(chunk, &attributes))
            .buffer_unordered(in_flight)
            .collect()
            .await;
        found.into_iter().flatten().collect()
    }

    async fn users_by_id_chunk(
        &self,
        chunk: Vec<UserId>,
        attributes: &str,
    ) -> Vec<(UserId, Result<User, CoreError>)> {
        let filter = chunk
            .iter()
            .map(|id| format!("id eq {}", filter_string(id.as_str())))
            .collect::<Vec<_>>()
            .join(" or ");
        let count = chunk.len().to_string();
        let url = self.url(
            &["Users"],
            &[
                ("filter", &filter),
                ("attributes", attributes),
                ("count", &count),
            ],
        );
        let listed = self
            .get_json::<roster_proto::ListResponse<UserReply>>(url)
            .await;
        let mut found: HashMap<UserId, User> = match listed {
            Ok(list) => list
                .resources
                .into_iter()
                .map(|UserReply(u)| (u.id.clone(), u))
                .collect(),
            Err(CoreError::Rejected { .. }) => HashMap::new(),
            Err(e) => return chunk.into_iter().map(|id| (id, Err(e.clone()))).collect(),
        };
        let mut out = Vec::with_capacity(chunk.len());
        for id in chunk {
            let user = match found.remove(&id) {
                Some(u) => Ok(u),
                None => self.get_user(&id).await,
            };
            out.push((id, user));
        }
        out
    }
}

/// The error of a failed bulk operation, or `None` when it succeeded.
pub fn bulk_error(response: &BulkOperationResponse) -> Option<CoreError> {
    let status = response.status_code();
    if (200..300).contains(&status) {
        return None;
    }
    let body = response
        .response
        .as_ref()
        .map(|v| v.to_string().into_bytes())
        .unwrap_or_default();
    Some(errors::from_status(status, &body, None))
}

/// The id a successful bulk POST created, from its `location`.
fn created_id(response: &BulkOperationResponse) -> Result<UserId, CoreError> {
    if let Some(e) = bulk_error(response) {
        return Err(e);
    }
    response
        .location
        .as_deref()
        .map(|l| l.trim_end_matches('/'))
        .and_then(|l| l.rsplit('/').next())
        .filter(|id| !id.is_empty())
        .map(|id| UserId::from(id.to_owned()))
        .ok_or_else(|| CoreError::Protocol {
            detail: "the server's /Bulk answer gives no location for a created user".to_owned(),
        })
}

/// Splits `operations` into requests of at most `max_operations` whose bodies stay
/// within `max_payload` bytes.
fn batches(
    operations: Vec<BulkOperation>,
    max_operations: usize,
    max_payload: usize,
) -> Vec<Vec<BulkOperation>> {
    let budget = ((max_payload as f64) * PAYLOAD_SHARE) as usize;
    let max_operations = max_operations.max(1);
    let mut out: Vec<Vec<BulkOperation>> = Vec::new();
    let mut current: Vec<BulkOperation> = Vec::new();
    let mut bytes = 0usize;
    for op in operations {
        let size = serde_json::to_vec(&op).map_or(0, |v| v.len()) + 1;
        if !current.is_empty() && (current.len() >= max_operations || bytes + size > budget) {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(op);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(i: usize, pad: usize) -> BulkOperation {
        BulkOperation {
            method: "POST".into(),
            bulk_id: Some(format!("user{i}")),
            version: None,
            path: "/Users".into(),
            data: Some(json!({"userName": "x".repeat(pad)})),
        }
    }

    #[test]
    fn batches_respect_operation_and_payload_limits() {
        let ops: Vec<_> = (0..2500).map(|i| op(i, 10)).collect();
        let sizes: Vec<usize> = batches(ops, 1000, 8 << 20).iter().map(Vec::len).collect();
        assert_eq!(sizes, [1000, 1000, 500]);
        let ops: Vec<_> = (0..10).map(|i| op(i, 1000)).collect();
        let b = batches(ops, 1000, 4000);
        assert!(b.len() >= 3 && b.iter().all(|b| !b.is_empty()));
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), 10);
    }

    #[test]
    fn bulk_results_read_as_ids_or_errors() {
        let ok = BulkOperationResponse {
            method: "POST".into(),
            bulk_id: Some("user1".into()),
            version: None,
            location: Some("http://h/scim/v2/Users/abc".into()),
            status: "201".into(),
            response: None,
        };
        assert_eq!(created_id(&ok).unwrap(), UserId::from("abc"));
        let taken = BulkOperationResponse {
            status: "409".into(),
            location: None,
            response: Some(json!({"schemas": [urn::ERROR], "status": "409",
                                  "scimType": "uniqueness", "detail": "taken"})),
            ..ok
        };
        assert!(matches!(
            created_id(&taken),
            Err(CoreError::AlreadyExists { .. })
        ));
    }
}
