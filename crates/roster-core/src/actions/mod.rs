//! What an administrator does to users, turned into outbox [`Change`]s and checked
//! before anything is sent: invitations, edits, and actions on many users at once.
//!
//! Nothing here talks to the network; the checks read the cached organisation, so
//! they also work offline.
//!
//! [`Change`]: crate::model::Change

pub mod bulk;
pub mod edit;
pub mod invite;
pub mod lockout;
pub mod paths;

pub use bulk::{BulkError, LocalLoginPlan, SeatShortage};
pub use edit::{FieldChange, UserEdit};
pub use invite::{InviteContext, InviteDraft, InviteProblems};
pub use lockout::Lockout;
