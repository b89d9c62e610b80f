//! The organisation as Roster sees it.

mod change;
mod email;
mod ids;
mod organisation;
mod scim_user;
mod user;

pub use change::{Change, NewUser};
pub use email::{Email, InvalidEmail};
pub use ids::{GroupId, LicenseId, UserId};
pub use organisation::{Group, License, Organisation};
pub(crate) use scim_user::ScimUser;
pub use scim_user::UserReply;
pub use user::{InvitationStatus, LAST_MODIFIED_GUARD, LicenseGrant, LicenseOrigin, Unknown, User};
