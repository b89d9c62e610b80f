//! Groups and licenses.

use std::collections::HashSet;

use reqwest::Method;
use roster_proto::resources::{GroupResource, LicenseResource};
use roster_proto::{PatchOp, PatchRequest, urn};
use serde_json::{Value, json};

use super::ApiClient;
use super::features::Feature;
use super::listing::Listed;
use super::transport::Call;
use crate::CoreError;
use crate::actions::paths;
use crate::model::{Group, GroupId, License, UserId};

impl Listed for GroupResource {}
impl Listed for LicenseResource {}

/// Most member changes sent in one group PATCH (keeps bodies far below 1 MiB).
const MEMBERS_PER_PATCH: usize = 1000;

impl ApiClient {
    /// The `attributes=` list for one group. `members.display` (`returned: request`)
    /// is not asked for: [`Group`] keeps member ids only, the names come from the users.
    fn group_attributes(&self) -> String {
        self.group_list_attributes(true)
    }

    /// The `attributes=` list for groups, with or without their members.
    fn group_list_attributes(&self, members: bool) -> String {
        let mut list = vec![paths::DISPLAY_NAME.to_owned(), paths::META.to_owned()];
        if members {
            list.push(paths::MEMBERS.to_owned());
        }
        if self.roster_extension() {
            list.push(format!(
                "{}:{}",
                urn::ROSTER_GROUP,
                paths::EXT_GROUP_LICENSES
            ));
        }
        list.join(",")
    }

    /// Every group with the licenses members inherit, in server order. Members are
    /// left out (`Group::members` is empty): every user's `groups` already says it,
    /// and listing the members of large groups is most of a refresh's cost.
    /// [`get_group`](Self::get_group) reads one group with its members.
    pub async fn load_groups(&self) -> Result<Vec<Group>, CoreError> {
        self.list_groups(false).await
    }

    /// Every group with its members (paged, `attributes=members,displayName,…`): where
    /// users do not carry `groups`, memberships come from here. A server that leaves
    /// members out of listings (every group empty) is asked group by group.
    pub async fn load_groups_with_members(&self) -> Result<Vec<Group>, CoreError> {
        let mut groups = self.list_groups(true).await?;
        if groups.iter().all(|g| g.members.is_empty()) {
            for group in &mut groups {
                group.members = self.get_group(&group.id).await?.members;
            }
        }
        Ok(groups)
    }

    async fn list_groups(&self, members: bool) -> Result<Vec<Group>, CoreError> {
        let query = [("attributes", self.group_list_attributes(members))];
        let resources: Vec<GroupResource> = self.list_all("Groups", &query, &|_, _| {}).await?;
        let mut seen = HashSet::with_capacity(resources.len());
        Ok(resources
            .into_iter()
            .filter(|r| seen.insert(r.id.clone()))
            .map(Group::from_resource)
            .collect())
    }

    /// One group.
    pub async fn get_group(&self, id: &GroupId) -> Result<Group, CoreError> {
        let url = self.url(
            &["Groups", id.as_str()],
            &[("attributes", &self.group_attributes())],
        );
        Ok(Group::from_resource(self.get_json(url).await?))
    }

    /// The organisation's licenses (`/Licenses`); empty on a server without them.
    pub async fn licenses(&self) -> Result<Vec<License>, CoreError> {
        if self.capabilities().is_some_and(|c| !c.licenses) {
            return Ok(Vec::new());
        }
        let result: Result<Vec<LicenseResource>, CoreError> =
            self.list_all("Licenses", &[], &|_, _| {}).await;
        match result {
            Ok(list) => Ok(list.into_iter().map(License::from_resource).collect()),
            Err(CoreError::NotFound { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Adds `add` to and removes `remove` from the group's members, and returns the
    /// group as the server now has it. Adding a member already there or removing one
    /// that is not changes nothing, so a replay is harmless. More than 1000 changes are
    /// sent in several requests.
    ///
    /// Removal uses `remove members[value eq "ID"]`; a server that refuses that form
    /// (400 or 501: downgraded) gets `remove members` with a value list. Without PATCH
    /// the group is read and PUT back with its new members. No `attributes=` on writes.
    pub async fn set_group_members(
        &self,
        group: &GroupId,
        add: &[UserId],
        remove: &[UserId],
    ) -> Result<Group, CoreError> {
        if add.is_empty() && remove.is_empty() {
            return self.get_group(group).await;
        }
        if !self.has(Feature::Patch) {
            return self.put_group_members(group, add, remove).await;
        }
        for chunk in add.chunks(MEMBERS_PER_PATCH) {
            let members: Vec<_> = chunk.iter().map(member_value).collect();
            let ops = vec![PatchOp::add(paths::MEMBERS, json!(members))];
            if !self.patch_group(group, ops, &[405, 501]).await? {
                return self.put_group_members(group, add, remove).await;
            }
        }
        for chunk in remove.chunks(MEMBERS_PER_PATCH) {
            if self.has(Feature::PatchMemberFilter) {
                let ops = chunk
                    .iter()
                    .map(|id| PatchOp::remove(paths::member(id.as_str())))
                    .collect();
                // 501 here is about the value-path form, not PATCH itself.
                match self.patch_group(group, ops, &[405]).await {
                    Ok(true) => continue,
                    Ok(false) => return self.put_group_members(group, &[], remove).await,
                    Err(CoreError::Rejected {
                        status: status @ (400 | 501),
                        detail,
                        ..
                    }) => {
                        self.downgrade(
                            Feature::PatchMemberFilter,
                            format!(
                                "PATCH remove members[value eq …] answered HTTP {status}: {detail}"
                            ),
                        );
                    }
                    Err(e) => return Err(e),
                }
            }
            let values: Vec<_> = chunk
                .iter()
                .map(|id| json!({"value": id.as_str()}))
                .collect();
            let ops = vec![PatchOp {
                op: roster_proto::PatchOpKind::Remove,
                path: Some(paths::MEMBERS.to_owned()),
                value: Some(json!(values)),
            }];
            if !self.patch_group(group, ops, &[405, 501]).await? {
                return self.put_group_members(group, &[], remove).await;
            }
        }
        self.get_group(group).await
    }

    /// One group PATCH. `Ok(false)`: PATCH itself is not supported (answered one of
    /// `no_patch`, now downgraded); the caller falls back to PUT.
    async fn patch_group(
        &self,
        group: &GroupId,
        ops: Vec<PatchOp>,
        no_patch: &[u16],
    ) -> Result<bool, CoreError> {
        let url = self.url(&["Groups", group.as_str()], &[]);
        let call = Call::new(Method::PATCH, url).json(&PatchRequest::new(ops))?;
        match self.send_ok(&call).await {
            Ok(_) => Ok(true),
            Err(CoreError::Rejected { status, detail, .. }) if no_patch.contains(&status) => {
                self.downgrade(
                    Feature::Patch,
                    format!("PATCH of a group answered HTTP {status}: {detail}"),
                );
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The group read whole, its members changed, and PUT back.
    async fn put_group_members(
        &self,
        group: &GroupId,
        add: &[UserId],
        remove: &[UserId],
    ) -> Result<Group, CoreError> {
        let url = self.url(&["Groups", group.as_str()], &[]);
        let mut current: Value = self.get_json(url.clone()).await?;
        let mut members: Vec<Value> = current[paths::MEMBERS]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let gone: HashSet<&str> = remove.iter().map(UserId::as_str).collect();
        members.retain(|m| m["value"].as_str().is_none_or(|v| !gone.contains(v)));
        for id in add {
            if !members
                .iter()
                .any(|m| m["value"].as_str() == Some(id.as_str()))
            {
                members.push(member_value(id));
            }
        }
        if let Some(root) = current.as_object_mut() {
            root.insert(paths::MEMBERS.to_owned(), Value::Array(members));
            root.remove(paths::META);
        }
        let call = Call::new(Method::PUT, url).json(&current)?;
        self.send_ok(&call).await?;
        self.get_group(group).await
    }
}

/// A member entry of a user.
fn member_value(id: &UserId) -> Value {
    json!({"value": id.as_str(), "type": "User"})
}
