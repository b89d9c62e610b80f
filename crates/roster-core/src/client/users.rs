//! Users: full load, delta, lookups and mutations.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use roster_proto::resources::{Entitlement, RosterUserExtension, UserResource};
use roster_proto::{PatchOp, PatchRequest, urn};
use serde::Deserialize;
use serde_json::{Value, json};

use super::features::Feature;
use super::listing::{Keys, ListWarning, Listed, MAX_ATTRIBUTE_BYTES};
use super::transport::Call;
use super::{ApiClient, Expected, filter_string, writes};
use crate::CoreError;
use crate::actions::paths;
use crate::model::{NewUser, ScimUser, User, UserId, UserReply};

/// Core User attributes the client reads (the Roster extension's come on top).
const USER_CORE_ATTRIBUTES: &[&str] = &[
    paths::USER_NAME,
    paths::NAME,
    paths::DISPLAY_NAME,
    paths::EMAILS,
    paths::ACTIVE,
    paths::GROUPS,
    paths::ENTITLEMENTS,
    paths::META,
];

/// Roster extension attributes the client reads, the `returned: request` ones
/// included (they only come when named).
const USER_EXTENSION_ATTRIBUTES: &[&str] = &[
    paths::EXT_ADMIN,
    paths::EXT_LOCAL_LOGIN,
    paths::EXT_LAST_CONNECTION,
    paths::EXT_INHERITED_LICENSES,
    paths::EXT_INVITATION,
];

/// One user of a listing page, read straight from the JSON into a [`User`]; a
/// resource with an absurdly long name is not turned into one at all.
enum ListedUser {
    User(User),
    /// Over [`MAX_ATTRIBUTE_BYTES`]: the checks leave it out and report it.
    Oversized {
        id: String,
        attribute: &'static str,
        bytes: usize,
    },
}

impl<'de> Deserialize<'de> for ListedUser {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let user = ScimUser::deserialize(d)?;
        Ok(match user.oversized(MAX_ATTRIBUTE_BYTES) {
            Some((attribute, bytes)) => Self::Oversized {
                id: user.id().to_owned(),
                attribute,
                bytes,
            },
            None => Self::User(user.into_user()),
        })
    }
}

/// A user's checked parts come from the decoded user: no second parse of a page.
impl Listed for ListedUser {
    fn keys(&self) -> Option<Keys<'_>> {
        Some(match self {
            Self::User(user) => Keys {
                user_name: Some(&user.user_name),
                ..Keys::of_id(user.id.as_str())
            },
            Self::Oversized {
                id,
                attribute,
                bytes,
            } => Keys {
                oversized: Some(((*attribute).to_owned(), *bytes)),
                ..Keys::of_id(id)
            },
        })
    }
}

impl ApiClient {
    /// The `attributes=` list for users: every attribute [`User`] is built from
    /// (public so that a benchmark can fetch the very pages a sync fetches).
    pub fn user_attributes(&self) -> String {
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
        Ok(self.load_users_checked(progress).await?.users)
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
        let query = [
            ("filter", last_modified_filter(since)),
            ("attributes", self.user_attributes()),
        ];
        let mut users = Vec::new();
        self.list_users_each(&query, Expected::Unknown, &|_, _| {}, |page| {
            users.extend(page);
            Ok(())
        })
        .await?;
        Ok(users)
    }

    /// Users matching `query`, handed to `each` a page at a time as [`User`]s, in
    /// server order, each id once (see `list_each`): the server's JSON of a page is
    /// dropped as soon as the page is read. Returns the listing's warnings.
    pub(crate) async fn list_users_each(
        &self,
        query: &[(&str, String)],
        expected: Expected,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
        mut each: impl FnMut(Vec<User>) -> Result<(), CoreError>,
    ) -> Result<Vec<ListWarning>, CoreError> {
        self.list_each_expecting::<ListedUser>("Users", query, expected, progress, |page| {
            // `Seen::admit` has left out (and reported) the oversized ones.
            each(
                page.into_iter()
                    .filter_map(|listed| match listed {
                        ListedUser::User(user) => Some(user),
                        ListedUser::Oversized { .. } => None,
                    })
                    .collect(),
            )
        })
        .await
    }

    /// Whether the server really filters on `meta.lastModified`: `None` when it does,
    /// else what it did instead (for the downgrade's reason). Two one-result queries:
    /// a filter every user matches must count them all, one none matches must count
    /// none. A server with no users proves nothing (`Some`, not remembered).
    ///
    /// Errors other than a refusal of the filter (transport, role) are returned.
    pub async fn probe_delta(&self, users: u64) -> Result<Option<String>, CoreError> {
        if users == 0 {
            return Ok(Some(String::new()));
        }
        let far_past = DateTime::<Utc>::UNIX_EPOCH;
        let far_future = Utc::now() + chrono::Duration::days(365 * 100);
        let mut matched = [0u64; 2];
        for (i, since) in [far_past, far_future].into_iter().enumerate() {
            let url = self.url(
                &["Users"],
                &[
                    ("filter", &last_modified_filter(since)),
                    ("attributes", paths::ID),
                    ("count", "1"),
                ],
            );
            match self
                .get_json::<roster_proto::ListResponse<Value>>(url)
                .await
            {
                Ok(list) => matched[i] = list.total_results,
                Err(CoreError::Rejected { status, detail, .. }) => {
                    return Ok(Some(format!(
                        "the server refused a {} filter (HTTP {status}: {detail})",
                        paths::LAST_MODIFIED
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(match matched {
            [all, 0] if all == users => None,
            [all, none] => Some(format!(
                "a {} filter matching all {users} users counted {all}, and one matching \
                 none counted {none}: the server does not filter on it",
                paths::LAST_MODIFIED
            )),
        })
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
        impl Listed for IdOnly {
            fn keys(&self) -> Option<Keys<'_>> {
                Some(Keys::of_id(&self.id))
            }
        }
        let query = [("attributes", paths::ID.to_owned())];
        let ids: Vec<IdOnly> = self.list_all("Users", &query, &|_, _| {}).await?;
        Ok(ids.into_iter().map(|r| UserId::from(r.id)).collect())
    }

    /// One user, with every attribute [`User`] needs.
    pub async fn get_user(&self, id: &UserId) -> Result<User, CoreError> {
        let url = self.url(
            &["Users", id.as_str()],
            &[("attributes", &self.user_attributes())],
        );
        Ok(self.get_json::<UserReply>(url).await?.0)
    }

    /// The user whose userName is `user_name` (case-insensitive, as SCIM compares
    /// userName), if any: how a replayed create recognises a user it already made.
    ///
    /// Without filtering (not advertised, or refused: downgraded) every user is
    /// listed and compared here.
    pub async fn find_user_by_user_name(&self, user_name: &str) -> Result<Option<User>, CoreError> {
        let mut users = match self.filter_by_user_name(user_name).await? {
            Some(users) => users,
            None => self.load_users(|_, _| {}).await?,
        };
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

    /// `userName eq` through a filter; `None` when the server cannot filter.
    async fn filter_by_user_name(&self, user_name: &str) -> Result<Option<Vec<User>>, CoreError> {
        if !self.has(Feature::Filter) {
            return Ok(None);
        }
        let filter = format!("{} eq {}", paths::USER_NAME, filter_string(user_name));
        let attributes = self.user_attributes();
        let url = self.url(
            &["Users"],
            &[
                ("filter", &filter),
                ("attributes", &attributes),
                ("count", "10"),
            ],
        );
        match self
            .get_json::<roster_proto::ListResponse<UserReply>>(url)
            .await
        {
            Ok(list) => Ok(Some(list.resources.into_iter().map(|r| r.0).collect())),
            Err(CoreError::Rejected { status, detail, .. }) => {
                self.downgrade(
                    Feature::Filter,
                    format!("a userName filter was refused (HTTP {status}: {detail})"),
                );
                Ok(None)
            }
            Err(e) => Err(e),
        }
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
    ///
    /// No `attributes=` on the write: a server that honours it on a POST keeps only
    /// those attributes. The user is read back whole.
    pub async fn create_user(&self, new: &NewUser) -> Result<User, CoreError> {
        let url = self.url(&["Users"], &[]);
        let call = Call::new(Method::POST, url).json(&self.new_user_body(new))?;
        let created = self.send_ok(&call).await?;
        let UserReply(user) = created.json()?;
        if new.groups.is_empty() {
            return self.get_user(&user.id).await.or(Ok(user));
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

    /// Changes a user with `ops` and returns it as the server now has it.
    ///
    /// The user is read first, as the server has it: with `if_match` (the
    /// `User::version` the change was made against) a different version is a
    /// `Conflict`; on a server with ETags `If-Match` is sent too, so a change between
    /// the read and the write is caught as well (412 → `Conflict`). Without ETags a
    /// conflict is detected only by that re-read. An edited name keeps `displayName`
    /// (and `name.formatted`) in step when the server holds one. Where PATCH is not
    /// supported (or refused with 405/501: downgraded) the read user with the changes
    /// is PUT back, so nothing the server holds is lost. No `attributes=` on writes.
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
        let url = self.url(&["Users", id.as_str()], &[]);
        let current: Value = self.get_json(url.clone()).await?;
        let if_match = self.check_guard(&current, if_match)?;
        let mut ops = ops.to_vec();
        writes::keep_display_name(&current, &mut ops);
        if self.has(Feature::Patch) {
            let call = Call::new(Method::PATCH, url.clone())
                .json(&PatchRequest::new(ops.clone()))?
                .if_match(if_match)?;
            match self.send_ok(&call).await {
                Ok(_) => return self.get_user(id).await,
                Err(CoreError::Rejected {
                    status: status @ (405 | 501),
                    detail,
                    ..
                }) => {
                    self.downgrade(
                        Feature::Patch,
                        format!("PATCH of a user answered HTTP {status}: {detail}"),
                    );
                }
                Err(e) => return Err(e),
            }
        }
        let body = writes::apply(current, &ops)?;
        let call = Call::new(Method::PUT, url)
            .json(&body)?
            .if_match(if_match)?;
        self.send_ok(&call).await?;
        self.get_user(id).await
    }

    /// Deletes a user; with `if_match` (the version the administrator saw) a user
    /// changed meanwhile gives `Conflict`: through `If-Match` where the server has
    /// ETags, else by re-reading its version just before. A retried DELETE whose
    /// first attempt landed meets 404: that counts as done. A user already gone
    /// otherwise gives `NotFound`.
    pub async fn delete_user(&self, id: &UserId, if_match: Option<&str>) -> Result<(), CoreError> {
        let url = self.url(&["Users", id.as_str()], &[]);
        let mut header = if_match;
        if if_match.is_some() && !self.sends_if_match(if_match) {
            let current: Value = self.get_json(url.clone()).await?;
            header = self.check_guard(&current, if_match)?;
        }
        let call = Call::new(Method::DELETE, url).if_match(header)?;
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

impl ApiClient {
    /// Whether `guard` goes out as `If-Match` (a version, to a server with ETags).
    fn sends_if_match(&self, guard: Option<&str>) -> bool {
        guard.is_some_and(|g| !g.starts_with(crate::model::LAST_MODIFIED_GUARD))
            && self.has(Feature::Etag)
    }

    /// Compares `guard` (a `User::write_guard`) with the user as just read:
    /// `Conflict` when it changed. Returns what to send as `If-Match`: the version,
    /// where the server has ETags (which also catches a change between this read and
    /// the write).
    fn check_guard<'a>(
        &self,
        current: &Value,
        guard: Option<&'a str>,
    ) -> Result<Option<&'a str>, CoreError> {
        let Some(expected) = guard else {
            return Ok(None);
        };
        if self.sends_if_match(guard) {
            return Ok(Some(expected));
        }
        let meta = &current[paths::META];
        let changed = match expected.strip_prefix(crate::model::LAST_MODIFIED_GUARD) {
            Some(stamp) => {
                let seen = DateTime::parse_from_rfc3339(stamp).ok();
                let now = meta["lastModified"]
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
                now.is_some() && seen.is_some() && now != seen
            }
            None => meta["version"].as_str().is_some_and(|now| now != expected),
        };
        if changed {
            return Err(CoreError::Conflict);
        }
        Ok(None)
    }
}

/// The filter of users changed after `since` (server clock, millisecond stamps).
fn last_modified_filter(since: DateTime<Utc>) -> String {
    let stamp = since.to_rfc3339_opts(SecondsFormat::Millis, true);
    format!("{} gt {}", paths::LAST_MODIFIED, filter_string(&stamp))
}

/// The error for a feature the server does not advertise.
pub(crate) fn unsupported(what: &str) -> CoreError {
    CoreError::Rejected {
        status: 501,
        scim_type: None,
        detail: format!("this server does not support {what}"),
    }
}
