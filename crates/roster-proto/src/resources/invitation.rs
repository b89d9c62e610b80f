use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An email the server recorded for a user (`/Invitations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationResource {
    /// Schemas of this resource.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Id of this email.
    #[serde(default)]
    pub id: String,
    /// The user it is for.
    pub user_id: String,
    /// The address it goes to.
    #[serde(default)]
    pub recipient: String,
    /// Invitation or set-password email.
    #[serde(default = "InvitationKind::default_kind")]
    pub kind: InvitationKind,
    /// When it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
    /// Whether it was handed to an SMTP server (`false` when none is configured).
    #[serde(default)]
    pub delivered: bool,
}

/// What an email recorded by the server is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InvitationKind {
    /// The invitation to join, sent when a user is created (or re-sent).
    Invitation,
    /// The email to choose a password, sent when local login is enabled.
    SetPassword,
}

impl InvitationKind {
    fn default_kind() -> Self {
        Self::Invitation
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::SetPassword => "setPassword",
        }
    }
}

/// Whether an invited user has joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InvitationState {
    /// Invited, never connected.
    Pending,
    /// Has connected at least once.
    Accepted,
}
