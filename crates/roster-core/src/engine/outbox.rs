//! Sending one outbox change, and what it changes locally.

use crate::client::ApiClient;
use crate::error::CoreError;
use crate::model::{Change, User, UserId};

/// What a confirmed change means for the local copy.
#[derive(Debug)]
pub(super) enum Effect {
    /// These users are now as given.
    Users(Vec<User>),
    /// This user no longer exists.
    Deleted(UserId),
    /// A delete the server carried out by deactivating: the user is still there,
    /// inactive, as given.
    Deactivated(Box<User>),
    /// Something changed that a refresh picks up (memberships, invitations).
    Refresh,
}

/// Sends `change`. `previously_sent` says the change may already have reached the
/// server (it was being sent when the app stopped, or an earlier try timed out);
/// then a "conflict" or "already exists" can be our own earlier success, and the
/// change is completed instead of reported:
/// - a create whose userName exists counts as done (the existing user is taken);
/// - a PATCH is sent again without `If-Match`: Roster's PATCH operations (replace,
///   add of licenses and members, remove) give the same result when applied twice;
/// - a delete of a user that is gone counts as done.
pub(super) async fn apply(
    client: &ApiClient,
    change: &Change,
    previously_sent: bool,
) -> Result<Effect, CoreError> {
    match change {
        Change::CreateUser(new) => match client.create_user(new).await {
            Ok(user) => Ok(Effect::Users(vec![user])),
            Err(CoreError::AlreadyExists { .. }) if previously_sent => {
                let Some(user) = client.find_user_by_user_name(new.email.as_str()).await? else {
                    return Err(CoreError::NotFound {
                        detail: format!(
                            "{} was reported as existing but cannot be found",
                            new.email
                        ),
                    });
                };
                // The crash may have come between the create and the memberships.
                for group in &new.groups {
                    client
                        .set_group_members(group, std::slice::from_ref(&user.id), &[])
                        .await?;
                }
                Ok(Effect::Refresh)
            }
            Err(e) => Err(e),
        },
        Change::PatchUser { id, ops, if_match } => {
            let if_match = if previously_sent {
                None
            } else {
                if_match.as_deref()
            };
            Ok(Effect::Users(vec![
                client.patch_user(id, ops, if_match).await?,
            ]))
        }
        Change::DeleteUser { id, if_match } => {
            let if_match = if previously_sent {
                None
            } else {
                if_match.as_deref()
            };
            match client.delete_user(id, if_match).await {
                Ok(()) => {}
                Err(CoreError::NotFound { .. }) => return Ok(Effect::Deleted(id.clone())),
                Err(e) => return Err(e),
            }
            // Some servers answer a DELETE by setting `active: false`: read it back
            // so that the copy does not show a deleted user that is still there.
            match client.get_user(id).await {
                Ok(user) if !user.active => Ok(Effect::Deactivated(Box::new(user))),
                Ok(user) => {
                    tracing::warn!(user = %id, "the server confirmed a delete but still lists the user");
                    Ok(Effect::Users(vec![user]))
                }
                Err(_) => Ok(Effect::Deleted(id.clone())),
            }
        }
        Change::GroupMembers { group, add, remove } => {
            client.set_group_members(group, add, remove).await?;
            Ok(Effect::Refresh)
        }
        Change::ResendInvitation { id } => {
            client.resend_invitation(id).await?;
            Ok(Effect::Refresh)
        }
    }
}
