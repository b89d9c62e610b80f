//! The full load of users with what was wrong in the listing, for the engine to
//! show (the plain [`ApiClient::load_users`] only logs it).

use super::{ApiClient, ListWarning};
use crate::CoreError;
use crate::model::User;

/// Every user of the organisation, and the listing's warnings.
#[derive(Debug, Clone)]
pub struct UserListing {
    /// The users, in server order, each id once.
    pub users: Vec<User>,
    /// Repeated ids, shared userNames, users left out for an oversized attribute;
    /// each `Display`s as a sentence for the window (already logged once).
    pub warnings: Vec<ListWarning>,
}

impl ApiClient {
    /// Like [`load_users`](Self::load_users), with the warnings: "the server returned
    /// 4 users twice", a user left out for a 10 MB name, two users sharing a
    /// userName.
    pub async fn load_users_checked(
        &self,
        progress: impl Fn(usize, usize) + Send + Sync,
    ) -> Result<UserListing, CoreError> {
        let query = [("attributes", self.user_attributes())];
        let mut users = Vec::new();
        let warnings = self
            .list_users_each(&query, &progress, |page| {
                users.extend(page);
                Ok(())
            })
            .await?;
        Ok(UserListing { users, warnings })
    }
}
