//! Typed SCIM resources as the Roster client reads and writes them.
//!
//! Unknown attributes are kept out of these types on purpose: the client works with
//! what it shows. The server handles resources as schema-checked JSON documents.

mod group;
mod invitation;
mod license;
mod meta;
mod organisation;
mod service_provider;
mod user;

pub use group::{GroupResource, Member, RosterGroupExtension};
pub use invitation::{InvitationKind, InvitationResource, InvitationState};
pub use license::LicenseResource;
pub use meta::Meta;
pub use organisation::OrganisationResource;
pub use service_provider::{BulkSupport, FilterSupport, ServiceProviderConfig, Supported};
pub use user::{
    EmailValue, Entitlement, GroupRef, InheritedLicense, Name, RosterUserExtension, UserInvitation,
    UserResource,
};

/// A reference to another resource: its id and what to show for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    /// The id of the resource.
    pub value: String,
    /// A human-readable name of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}
