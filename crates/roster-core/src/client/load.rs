//! The full load of users with what was wrong in the listing, for the engine to
//! show (the plain [`ApiClient::load_users`] only logs it).

use super::{ApiClient, Expected, ListWarning};
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
        self.load_users_expecting(Expected::Unknown, progress).await
    }

    /// Like [`load_users_checked`](Self::load_users_checked), knowing about how many
    /// users there are (or asking): the first few pages are then asked for at once,
    /// which saves a page's round trip before the rest (see [`Expected`]).
    pub async fn load_users_expecting(
        &self,
        expected: Expected,
        progress: impl Fn(usize, usize) + Send + Sync,
    ) -> Result<UserListing, CoreError> {
        let query = [("attributes", self.user_attributes())];
        let mut users = Vec::new();
        let warnings = self
            .list_users_each(&query, expected, &progress, |page| {
                users.extend(page);
                Ok(())
            })
            .await?;
        Ok(UserListing { users, warnings })
    }
}
