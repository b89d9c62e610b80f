//! Discovery at connect: what the server supports, who the caller is, which
//! organisation it is.

use reqwest::Method;
use roster_proto::resources::ServiceProviderConfig;
use roster_proto::urn;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ApiClient;
use super::features::{Downgrades, Feature};
use super::transport::Call;
use crate::CoreError;
use crate::model::{Organisation, User, UserReply};

/// What the server supports, as discovered at connect and corrected by its answers;
/// the UI hides what is missing. The flags say what discovery advertised; use
/// [`Capabilities::has`] for what Roster uses (advertised and not downgraded) and
/// [`Capabilities::features`] for the list "What this server supports".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// `/Bulk` limits when supported: (most operations per request, largest request
    /// body in bytes).
    pub bulk: Option<(usize, usize)>,
    /// ETags and `If-Match`.
    pub etag: bool,
    /// Filtering of listings (needed for delta sync and `find_user_by_user_name`).
    pub filter: bool,
    /// `sortBy`.
    pub sort: bool,
    /// PATCH.
    pub patch: bool,
    /// Largest page the client asks for (the server's `filter.maxResults`, at most
    /// 1000; 100 when the server does not say).
    pub max_page: usize,
    /// The Roster organisation extension of User (administrator, local login, last
    /// connection, inherited licenses, invitation state).
    pub roster_extension: bool,
    /// The `/Licenses` resource type.
    pub licenses: bool,
    /// The `/Invitations` resource type (resending invitations).
    pub invitations: bool,
    /// `/Me` answered.
    #[serde(default)]
    pub me: bool,
    /// Features the server's answers downgraded (remembered per profile), with why.
    #[serde(default)]
    pub downgrades: Downgrades,
}

impl Capabilities {
    /// What a bare SCIM server is assumed to support when it tells nothing.
    pub fn minimal() -> Self {
        Self {
            bulk: None,
            etag: false,
            filter: false,
            sort: false,
            patch: false,
            max_page: DEFAULT_PAGE,
            roster_extension: false,
            licenses: false,
            invitations: false,
            me: false,
            downgrades: Downgrades::new(),
        }
    }
}

/// Page size assumed when the server does not advertise `filter.maxResults`.
const DEFAULT_PAGE: usize = 100;
/// The client never asks for more than this many resources in one page.
const MAX_PAGE: usize = 1000;
/// `/Bulk` body limit assumed when the server advertises bulk without one.
const DEFAULT_BULK_PAYLOAD: usize = 1024 * 1024;

/// What [`ApiClient::connect`] learnt.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerInfo {
    /// What the server supports.
    pub capabilities: Capabilities,
    /// The caller (`/Me`); `None` on a server without `/Me` (it is optional in SCIM).
    pub me: Option<User>,
    /// The organisation (`/Organisation`); `None` on a plain SCIM server.
    pub organisation: Option<Organisation>,
}

/// A listing of discovery resources: a SCIM ListResponse or, from lenient servers, a
/// bare array.
#[derive(Deserialize)]
#[serde(untagged)]
enum Listing {
    List {
        #[serde(default, rename = "Resources", alias = "resources")]
        resources: Vec<Value>,
    },
    Bare(Vec<Value>),
}

impl Listing {
    fn into_vec(self) -> Vec<Value> {
        match self {
            Self::List { resources } | Self::Bare(resources) => resources,
        }
    }
}

impl ApiClient {
    /// Connects: reads `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`, `/Me`
    /// and `/Organisation` (at the same time), remembers the capabilities for later
    /// calls, and checks the caller's role.
    ///
    /// Errors: `Unauthorized` (token refused), `NotAdministrator` (403 anywhere, or a
    /// `/Me` without the Organisation Administrator role), `Offline` (connection
    /// refused, timeout, DNS), `Protocol` (not a SCIM server).
    pub async fn connect(&self) -> Result<ServerInfo, CoreError> {
        let me_attributes = self.user_attributes();
        let me_query = [("attributes", me_attributes.as_str())];
        // A server that answered /Me with 404 or 501 is not asked again until a
        // re-check (the downgrade is remembered).
        let ask_me = !self.downgrades().contains_key(&Feature::Me);
        let me_call = async {
            if ask_me {
                self.optional_json::<UserReply>(&["Me"], &me_query).await
            } else {
                Ok(None)
            }
        };
        let (spc, types, schemas, me, org) = tokio::join!(
            self.optional_json::<ServiceProviderConfig>(&["ServiceProviderConfig"], &[]),
            self.optional_json::<Listing>(&["ResourceTypes"], &[]),
            self.optional_json::<Listing>(&["Schemas"], &[]),
            me_call,
            self.organisation(),
        );
        // The most telling failure first: a refused token explains every other one.
        let failures = [
            spc.as_ref().err(),
            types.as_ref().err(),
            schemas.as_ref().err(),
            me.as_ref().err(),
            org.as_ref().err(),
        ];
        for wanted in [CoreError::Unauthorized, CoreError::NotAdministrator] {
            if failures.iter().flatten().any(|e| **e == wanted) {
                return Err(wanted);
            }
        }
        let spc = spc?;
        let types = types?.map(Listing::into_vec).unwrap_or_default();
        let schemas = schemas?.map(Listing::into_vec).unwrap_or_default();
        let me = me?;
        let organisation = org?;
        if ask_me && me.is_none() {
            self.downgrade(Feature::Me, "/Me answered 404 or 501 (not implemented)");
        }
        if spc.is_none() && types.is_empty() && me.is_none() && ask_me {
            return Err(CoreError::Protocol {
                detail: "this address does not answer like a SCIM 2.0 server (no \
                         /ServiceProviderConfig, /ResourceTypes or /Me); check that it ends \
                         with the API root, e.g. /scim/v2"
                    .to_owned(),
            });
        }
        let mut capabilities = capabilities(spc.unwrap_or_default(), &types, &schemas);
        // /Me is advertised by answering; a remembered refusal stays a downgrade.
        capabilities.me = me.is_some() || !ask_me;
        let me = me.map(|UserReply(u)| u);
        if capabilities.roster_extension && me.as_ref().is_some_and(|m| !m.admin) {
            return Err(CoreError::NotAdministrator);
        }
        self.set_capabilities(capabilities);
        let capabilities = self.capabilities().unwrap_or_else(Capabilities::minimal);
        tracing::debug!(?capabilities, "connected");
        Ok(ServerInfo {
            capabilities,
            me,
            organisation,
        })
    }

    /// The organisation (`/Organisation`), or `None` when the server has none (a
    /// plain SCIM server).
    pub async fn organisation(&self) -> Result<Option<Organisation>, CoreError> {
        Ok(self
            .optional_json(&["Organisation"], &[])
            .await?
            .map(Organisation::from_resource))
    }

    /// GET an endpoint that a server may lack: 404 and 501 give `None`.
    pub(crate) async fn optional_json<T: serde::de::DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Option<T>, CoreError> {
        let reply = self
            .send(&Call::new(Method::GET, self.url(segments, query)))
            .await?;
        if matches!(reply.status.as_u16(), 404 | 501) {
            return Ok(None);
        }
        reply.success()?.json().map(Some)
    }
}

/// Reads the capabilities from the three discovery documents.
fn capabilities(spc: ServiceProviderConfig, types: &[Value], schemas: &[Value]) -> Capabilities {
    let type_named = |name: &str| {
        types.iter().find(|t| {
            t["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                || t["id"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    };
    let user_has_extension = type_named("User").is_some_and(|t| {
        t["schemaExtensions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["schema"].as_str() == Some(urn::ROSTER_USER))
    });
    let schema_listed = schemas
        .iter()
        .any(|s| s["id"].as_str() == Some(urn::ROSTER_USER));
    let bulk = (spc.bulk.supported && spc.bulk.max_operations > 0).then(|| {
        let payload = match spc.bulk.max_payload_size {
            0 => DEFAULT_BULK_PAYLOAD,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        (
            usize::try_from(spc.bulk.max_operations).unwrap_or(usize::MAX),
            payload,
        )
    });
    let max_page = match spc.filter.max_results {
        0 => DEFAULT_PAGE,
        n => usize::try_from(n).unwrap_or(MAX_PAGE).min(MAX_PAGE),
    };
    Capabilities {
        bulk,
        etag: spc.etag.supported,
        filter: spc.filter.supported,
        sort: spc.sort.supported,
        patch: spc.patch.supported,
        max_page,
        roster_extension: user_has_extension || schema_listed,
        licenses: type_named("License").is_some(),
        invitations: type_named("Invitation").is_some(),
        me: false,
        downgrades: Downgrades::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bare_server_gets_minimal_capabilities() {
        let caps = capabilities(ServiceProviderConfig::default(), &[], &[]);
        assert_eq!(caps, Capabilities::minimal());
        let spc: ServiceProviderConfig = serde_json::from_value(json!({
            "bulk": {"supported": true, "maxOperations": 50, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 5000},
        }))
        .unwrap();
        let types = [json!({"name": "User", "schemaExtensions": [
            {"schema": urn::ROSTER_USER, "required": false}]})];
        let caps = capabilities(spc, &types, &[]);
        assert_eq!(caps.bulk, Some((50, DEFAULT_BULK_PAYLOAD)));
        assert_eq!(caps.max_page, MAX_PAGE);
        assert!(caps.roster_extension && caps.filter && !caps.licenses);
    }
}
