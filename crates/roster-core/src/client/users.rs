//! Users: full load, delta, lookups and mutations.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use roster_proto::resources::{Entitlement, RosterUserExtension, UserResource};
use roster_proto::{PatchOp, PatchRequest, urn};
use serde::Deserialize;
use serde_json::{Value, json};

use super::transport::Call;
use super::{ApiClient, filter_string};
use crate::CoreError;
use crate::model::{NewUser, User, UserId};

/// Core User attributes the client reads (the Roster extension's come on top).
const USER_CORE_ATTRIBUTES: &[&str] = &[
    "userName",
    "name",
    "emails",
    "active",
    "groups",
    "entitlements",
    "meta",
];

/// Roster extension attributes the client reads, the `returned: request` ones
/// included (they only come when named).
const USER_EXTENSION_ATTRIBUTES: &[&str] = &[
    "organisationAdministrator",
    "localLogin",
    "lastConnection",
    "inheritedLicenses",
    "invitation",
];

impl ApiClient {
    /// The `attributes=` list for users: every attribute [`User`] is built from.
    pub(crate) fn user_attributes(&self) -> String {
        let mut list: Vec<String> = USER_CORE_ATTRIBUTES
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        if self.roster_extension() {
            list.extend(
                USER_EXTENSION_ATTRIBUTES
                    .iter()
                    .map(|a| format!("{}:{a}", urn::ROSTER_USER)),
            );
        }
        list.join(",")
    }

    /// Every user of the organisation, in server order, with groups, licenses
    /// (direct and inherited), last connection and invitation state.
    ///
    /// The first page gives the total; the other pages are fetched a few at a time
    /// (`ClientOptions::pages_in_flight`), each as large as the server allows.
    /// `progress(loaded, total)` is called after each page (from the calling task).
    pub async fn load_users(
        &self,
        progress: impl Fn(usize, usize) + Send + Sync,
    ) -> Result<Vec<User>, CoreError> {
        let query = [("attributes", self.user_attributes())];
        let resources: Vec<UserResource> = self.list_all("Users", &query, &progress).await?;
        Ok(dedup_users(resources))
    }

    /// Users changed on the server after `since` (`meta.lastModified gt`), all pages.
    ///
    /// Use a time of the server's clock as `since` (the largest `User::last_modified`
    /// seen so far), never the local clock. The filter is strictly `gt` and stamps
    /// have millisecond precision, and a change committed while the previous delta
    /// ran can carry a stamp just below the largest one seen: ask from a margin
    /// earlier (e.g. 2 s) and ignore users whose `version` the cache already holds.
    /// Deletions do not show up here: compare [`user_ids`](Self::user_ids).
    pub async fn users_changed_since(&self, since: DateTime<Utc>) -> Result<Vec<User>, CoreError> {
        let stamp = since.to_rfc3339_opts(SecondsFormat::Millis, true);
        let query = [
            (
                "filter",
                format!("meta.lastModified gt {}", filter_string(&stamp)),
            ),
            ("attributes", self.user_attributes()),
        ];
        let resources: Vec<UserResource> = self.list_all("Users", &query, &|_, _| {}).await?;
        Ok(dedup_users(resources))
    }

    /// How many users the organisation has (one small request), so that the engine
    /// can tell whether any cached user was deleted without listing every id.
    pub async fn user_count(&self) -> Result<u64, CoreError> {
        self.count("Users").await
    }

    /// The ids of every user (`attributes=id`: a cheap listing), so that the engine
    /// can see which cached users were deleted on the server.
    pub async fn user_ids(&self) -> Result<HashSet<UserId>, CoreError> {
        #[derive(Deserialize)]
        struct IdOnly {
            id: String,
        }
        let query = [("attributes", "id".to_owned())];
        let ids: Vec<IdOnly> = self.list_all("Users", &query, &|_, _| {}).await?;
        Ok(ids.into_iter().map(|r| UserId(r.id)).collect())
    }

    /// One user, with every attribute [`User`] needs.
    pub async fn get_user(&self, id: &UserId) -> Result<User, CoreError> {
        let url = self.url(
            &["Users", id.as_str()],
            &[("attributes", &self.user_attributes())],
        );
        let r: UserResource = self.get_json(url).await?;
        Ok(User::from_resource(r))
    }

    /// The user whose userName is `user_name` (case-insensitive, as SCIM compares
    /// userName), if any: how a replayed create recognises a user it already made.
    pub async fn find_user_by_user_name(&self, user_name: &str) -> Result<Option<User>, CoreError> {
        let filter = format!("userName eq {}", filter_string(user_name));
        let attributes = self.user_attributes();
        let url = self.url(
            &["Users"],
            &[
                ("filter", &filter),
                ("attributes", &attributes),
                ("count", "10"),
            ],
        );
        let list: roster_proto::ListResponse<UserResource> = self.get_json(url).await?;
        let mut users: Vec<User> = list
            .resources
            .into_iter()
            .map(User::from_resource)
            .collect();
        let exact = users
            .iter()
            .position(|u| u.user_name.eq_ignore_ascii_case(user_name))
            .or_else(|| {
                let wanted = user_name.to_lowercase();
                users
                    .iter()
                    .position(|u| u.user_name.to_lowercase() == wanted)
            });
        Ok(exact.map(|i| users.swap_remove(i)))
    }

    /// Creates (invites) a user: POST `/Users` with userName = email, name, primary
    /// work email, the Roster extension's administrator and local-login flags (when
    /// the server has the extension) and the direct licenses as `entitlements`; then
    /// adds it to `new.groups` (group PATCH), and returns the user as the server
    /// now has it.
    ///
    /// A user with that userName already there gives `AlreadyExists`, also when an
    /// earlier attempt of this very create landed but its answer was lost: the engine
    /// treats it as done and makes sure of the group memberships with
    /// [`set_group_members`](Self::set_group_members). When the user was created but
    /// adding it to a group failed, that error is returned (replaying the create gives
    /// `AlreadyExists`, and the engine then adds the memberships).
    pub async fn create_user(&self, new: &NewUser) -> Result<User, CoreError> {
        let url = self.url(&["Users"], &[("attributes", &self.user_attributes())]);
        let call = Call::new(Method::POST, url).json(&self.new_user_body(new))?;
        let created = self.send_ok(&call).await?;
        let user = User::from_resource(created.json::<UserResource>()?);
        if new.groups.is_empty() {
            return Ok(user);
        }
        for group in &new.groups {
            self.set_group_members(group, std::slice::from_ref(&user.id), &[])
                .await?;
        }
        self.get_user(&user.id).await
    }

    /// The POST body of a new user.
    pub(crate) fn new_user_body(&self, new: &NewUser) -> Value {
        let email = new.email.as_str();
        let mut r = UserResource::invite(email, &new.given_name, &new.family_name);
        r.entitlements = new
            .licenses
            .iter()
            .map(|l| Entitlement {
                value: l.as_str().to_owned(),
                display: None,
                kind: Some("license".to_owned()),
            })
            .collect();
        if self.roster_extension() {
            r.roster = Some(RosterUserExtension {
                organisation_administrator: Some(new.admin),
                local_login: Some(new.local_login),
                ..RosterUserExtension::default()
            });
        } else {
            r.schemas.retain(|s| s != urn::ROSTER_USER);
        }
        serde_json::to_value(&r).unwrap_or_else(|_| json!({}))
    }

    /// PATCHes a user with `ops` and returns it as the server now has it. With
    /// `if_match` (the `User::version` the change was made against) the server
    /// refuses when the user changed meanwhile: `Conflict`.
    ///
    /// A PATCH whose answer was lost is sent again; if the first one landed, the
    /// second meets a new version and gives `Conflict` too (reloading shows the
    /// change applied).
    pub async fn patch_user(
        &self,
        id: &UserId,
        ops: &[PatchOp],
        if_match: Option<&str>,
    ) -> Result<User, CoreError> {
        let url = self.url(
            &["Users", id.as_str()],
            &[("attributes", &self.user_attributes())],
        );
        let call = Call::new(Method::PATCH, url)
            .json(&PatchRequest::new(ops.to_vec()))?
            .if_match(if_match)?;
        let reply = self.send_ok(&call).await?;
        if reply.status.as_u16() == 204 || reply.body.is_empty() {
            return self.get_user(id).await;
        }
        Ok(User::from_resource(reply.json::<UserResource>()?))
    }

    /// Deletes a user (with `If-Match` when `if_match` is given: `Conflict` if it
    /// changed meanwhile). A retried DELETE whose first attempt landed meets 404: that
    /// counts as done. A user already gone otherwise gives `NotFound`.
    pub async fn delete_user(&self, id: &UserId, if_match: Option<&str>) -> Result<(), CoreError> {
        let url = self.url(&["Users", id.as_str()], &[]);
        let call = Call::new(Method::DELETE, url).if_match(if_match)?;
        let reply = self.send(&call).await?;
        if reply.status.as_u16() == 404 && reply.earlier_attempt_may_have_landed {
            return Ok(());
        }
        reply.success().map(drop)
    }

    /// Records a new invitation email for the user (POST `/Invitations`).
    /// `Rejected` (501) on a server without invitations.
    pub async fn resend_invitation(&self, id: &UserId) -> Result<(), CoreError> {
        if self.capabilities().is_some_and(|c| !c.invitations) {
            return Err(unsupported("resending invitations"));
        }
        let url = self.url(&["Invitations"], &[]);
        let call = Call::new(Method::POST, url).json(&json!({
            "schemas": [urn::INVITATION],
            "userId": id.as_str(),
        }))?;
        self.send_ok(&call).await.map(drop)
    }
}

/// The error for a feature the server does not advertise.
pub(crate) fn unsupported(what: &str) -> CoreError {
    CoreError::Rejected {
        status: 501,
        scim_type: None,
        detail: format!("this server does not support {what}"),
    }
}

/// Users from resources, each id once (offset paging may repeat one).
fn dedup_users(resources: Vec<UserResource>) -> Vec<User> {
    let mut seen = HashSet::with_capacity(resources.len());
    resources
        .into_iter()
        .filter(|r| seen.insert(r.id.clone()))
        .map(User::from_resource)
        .collect()
}
