//! Changes an administrator makes, as the outbox keeps them until the server confirms.

use roster_proto::PatchOp;
use serde::{Deserialize, Serialize};

use super::{Email, GroupId, LicenseId, UserId};

/// A user to invite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewUser {
    /// Email, used as userName and primary work email.
    pub email: Email,
    /// First name.
    pub given_name: String,
    /// Last name.
    pub family_name: String,
    /// Organisation Administrator role.
    pub admin: bool,
    /// Local authentication.
    pub local_login: bool,
    /// Licenses to assign directly.
    pub licenses: Vec<LicenseId>,
    /// Groups to add the user to once created.
    pub groups: Vec<GroupId>,
}

/// One change to send to the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    /// Create (invite) a user. Replayed safely: a user with the same userName that
    /// already exists counts as done.
    CreateUser(NewUser),
    /// PATCH a user; `if_match` is the version the change was made against.
    PatchUser {
        /// The user.
        id: UserId,
        /// The operations (only what changed).
        ops: Vec<PatchOp>,
        /// Version the administrator saw, for `If-Match`.
        if_match: Option<String>,
    },
    /// Delete a user.
    DeleteUser {
        /// The user.
        id: UserId,
        /// Version the administrator saw, for `If-Match`.
        if_match: Option<String>,
    },
    /// Add users to and remove users from a group.
    GroupMembers {
        /// The group.
        group: GroupId,
        /// Users to add.
        add: Vec<UserId>,
        /// Users to remove.
        remove: Vec<UserId>,
    },
    /// Send the invitation email again.
    ResendInvitation {
        /// The user.
        id: UserId,
    },
}

impl Change {
    /// The existing users the change is about (none for a create).
    pub fn users(&self) -> Vec<&UserId> {
        match self {
            Self::CreateUser(_) => Vec::new(),
            Self::PatchUser { id, .. }
            | Self::DeleteUser { id, .. }
            | Self::ResendInvitation { id } => vec![id],
            Self::GroupMembers { add, remove, .. } => add.iter().chain(remove).collect(),
        }
    }

    /// A short description for the pending-changes list and the log window.
    pub fn describe(&self) -> String {
        match self {
            Self::CreateUser(u) => format!("Invite {}", u.email),
            Self::PatchUser { id, ops, .. } => format!(
                "Edit user {id} ({})",
                crate::words::count(ops.len() as u64, "change", "changes")
            ),
            Self::DeleteUser { id, .. } => format!("Delete user {id}"),
            Self::GroupMembers { group, add, remove } => {
                format!("Group {group}: add {}, remove {}", add.len(), remove.len())
            }
            Self::ResendInvitation { id } => format!("Resend invitation to user {id}"),
        }
    }
}
