//! Groups and licenses.

use std::collections::HashSet;

use reqwest::Method;
use roster_proto::resources::{GroupResource, LicenseResource};
use roster_proto::{PatchOp, PatchRequest, urn};
use serde_json::json;

use super::transport::Call;
use super::{ApiClient, filter_string};
use crate::CoreError;
use crate::model::{Group, GroupId, License, UserId};

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
        let mut list = vec!["displayName".to_owned(), "meta".to_owned()];
        if members {
            list.push("members".to_owned());
        }
        if self.roster_extension() {
            list.push(format!("{}:licenses", urn::ROSTER_GROUP));
        }
        list.join(",")
    }

    /// Every group with the licenses members inherit, in server order. Members are
    /// left out (`Group::members` is empty): every user's `groups` already says it,
    /// and listing the members of large groups is most of a refresh's cost.
    /// [`get_group`](Self::get_group) reads one group with its members.
    pub async fn load_groups(&self) -> Result<Vec<Group>, CoreError> {
        let query = [("attributes", self.group_list_attributes(false))];
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

    /// Adds `add` to and removes `remove` from the group's members (PATCH `add
    /// members` and `remove members[value eq "ID"]`), and returns the group as the
    /// server now has it. Adding a member already there or removing one that is not
    /// changes nothing, so a replay is harmless. More than 1000 changes are sent in
    /// several PATCHes.
    pub async fn set_group_members(
        &self,
        group: &GroupId,
        add: &[UserId],
        remove: &[UserId],
    ) -> Result<Group, CoreError> {
        let mut requests: Vec<Vec<PatchOp>> = Vec::new();
        for chunk in add.chunks(MEMBERS_PER_PATCH) {
            let members: Vec<_> = chunk
                .iter()
                .map(|id| json!({"value": id.as_str(), "type": "User"}))
                .collect();
            requests.push(vec![PatchOp::add("members", json!(members))]);
        }
        for chunk in remove.chunks(MEMBERS_PER_PATCH) {
            requests.push(
                chunk
                    .iter()
                    .map(|id| {
                        PatchOp::remove(format!("members[value eq {}]", filter_string(id.as_str())))
                    })
                    .collect(),
            );
        }
        let mut last = None;
        for ops in requests {
            last = Some(self.patch_group(group, ops).await?);
        }
        match last {
            Some(group) => Ok(group),
            None => self.get_group(group).await,
        }
    }

    async fn patch_group(&self, group: &GroupId, ops: Vec<PatchOp>) -> Result<Group, CoreError> {
        let url = self.url(
            &["Groups", group.as_str()],
            &[("attributes", &self.group_attributes())],
        );
        let call = Call::new(Method::PATCH, url).json(&PatchRequest::new(ops))?;
        let reply = self.send_ok(&call).await?;
        if reply.status.as_u16() == 204 || reply.body.is_empty() {
            return self.get_group(group).await;
        }
        Ok(Group::from_resource(reply.json()?))
    }
}
