//! The SCIM 2.0 API client: discovery, paging, mutations, retries.
//!
//! [`ApiClient`] talks to one organisation's server (a [`Profile`]). Every call:
//! - has a connect timeout and a per-request timeout ([`ClientOptions`]);
//! - is retried on transient failures as [`retry`] explains (POST only when the
//!   server surely did not act on it);
//! - ends in a [`CoreError`](crate::CoreError) whose `Display` is the message to show;
//! - is logged with `tracing` at debug level (method, path, status, duration,
//!   attempt), never with the token, a query string or a body.
//!
//! Call [`ApiClient::connect`] first: it discovers what the server supports
//! ([`Capabilities`]) and the client adapts (which attributes it asks for, whether
//! it uses `/Bulk`). A plain SCIM server without the Roster extension works too, with
//! fewer features.

mod bulk;
mod discovery;
mod errors;
mod features;
mod groups;
mod listing;
mod load;
mod pace;
mod paging;
mod profile;
pub mod retry;
mod transport;
mod users;
mod writes;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{self, HeaderMap, HeaderValue};

pub use bulk::bulk_error;
pub use discovery::{Capabilities, ServerInfo};
pub use features::{Downgrades, Feature, FeatureState, FeatureStatus};
pub use listing::{ListWarning, MAX_ATTRIBUTE_BYTES};
pub use load::UserListing;
pub use paging::{Expected, MAX_LISTED, MAX_PAGES};
pub use profile::{Profile, Token};
pub use retry::RetryPolicy;

use crate::CoreError;

/// Tunables of the client. `ClientOptions::default()` suits a desktop on an office
/// network.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Longest wait for a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Longest wait for a whole request and its answer (except `/Bulk`).
    pub request_timeout: Duration,
    /// Longest wait for one `/Bulk` request and its answer.
    pub bulk_timeout: Duration,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// Page size of listings; `None` uses the server's maximum (at most 1000).
    pub page_size: Option<usize>,
    /// Pages of a listing fetched at the same time.
    pub pages_in_flight: usize,
    /// Concurrent creates in [`ApiClient::create_users`] when `/Bulk` is not available,
    /// and concurrent requests of other fan-outs. Without `/Bulk` this is where the
    /// creates start: halved on 5xx/429, grown back slowly on success.
    pub requests_in_flight: usize,
    /// Largest answer read, in bytes (a page of a listing, a `/Bulk` result): a
    /// larger one fails as soon as it is seen to be larger, without being held.
    pub max_response_bytes: usize,
    /// Longest time an answer may stall (no byte arriving) before the call counts
    /// as failed; a warning is logged every `slow_notice` of waiting.
    pub read_timeout: Duration,
    /// How long an answer may take to arrive before it is reported as slow to
    /// [`ApiClient::on_slow_answer`] (and again after each further `slow_notice`);
    /// [`STALL_NOTICE`] by default. Tests shorten it.
    pub slow_notice: Duration,
}

/// By default, how often a stalled answer is said in the log while the client
/// waits for it, and how often a slow answer is reported to
/// [`ApiClient::on_slow_answer`] (see [`ClientOptions::slow_notice`]).
pub const STALL_NOTICE: Duration = Duration::from_secs(10);

/// An answer that is slow to arrive: reported every [`ClientOptions::slow_notice`]
/// while it is read, whether nothing comes (stalled) or a little at a time (a
/// trickle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlowAnswer {
    /// The request, as method and path ("GET /scim/v2/Users"; no query, no body).
    pub request: String,
    /// How long its answer has been read so far.
    pub waited: Duration,
    /// Bytes of the answer received so far.
    pub bytes: usize,
    /// Whether nothing at all came in the last [`ClientOptions::slow_notice`] (else it
    /// trickles).
    pub stalled: bool,
}

/// Told about slow answers (see [`ApiClient::on_slow_answer`]).
pub type SlowAnswerObserver = Arc<dyn Fn(&SlowAnswer) + Send + Sync>;

impl Default for ClientOptions {
    /// 10 s to connect, 60 s per request, 5 min per `/Bulk` batch, default retries,
    /// server-maximum pages, 4 pages and 4 creates in flight, answers up to 64 MiB,
    /// 60 s without a byte, slow answers reported after 10 s.
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            bulk_timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            page_size: None,
            pages_in_flight: 4,
            requests_in_flight: 4,
            max_response_bytes: 64 << 20,
            read_timeout: Duration::from_secs(60),
            slow_notice: STALL_NOTICE,
        }
    }
}

/// The environment variable that sets [`ClientOptions::max_response_bytes`], in
/// MiB, for the window and the command line (see [`ClientOptions::from_env`]).
pub const MAX_RESPONSE_ENV: &str = "ROSTER_MAX_RESPONSE_MB";

impl ClientOptions {
    /// The defaults, with the answer limit taken from [`MAX_RESPONSE_ENV`] when it is
    /// set: a server whose pages are larger than 64 MiB (very large groups, say) can
    /// still be read, without rebuilding Roster.
    pub fn from_env() -> Result<Self, CoreError> {
        let mut options = Self::default();
        if let Some(value) = std::env::var_os(MAX_RESPONSE_ENV) {
            options.max_response_bytes = parse_mib(&value.to_string_lossy())?;
        }
        Ok(options)
    }
}

/// A size in MiB as [`MAX_RESPONSE_ENV`] gives it: a whole number from 1 to 4096.
fn parse_mib(text: &str) -> Result<usize, CoreError> {
    match text.trim().parse::<usize>() {
        Ok(mib @ 1..=4096) => Ok(mib << 20),
        _ => Err(CoreError::Config {
            detail: format!(
                "{MAX_RESPONSE_ENV}={text:?} is not a size Roster can use: give the largest \
                 answer to read in MiB, a whole number from 1 to 4096 (the default is 64)"
            ),
        }),
    }
}

/// A client of one organisation's SCIM server. Cheap to clone (one `Arc`); clones
/// share the connection pool and the discovered capabilities.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// The API root, without a trailing slash.
    base: Url,
    /// `Bearer TOKEN`, marked sensitive.
    auth: HeaderValue,
    profile_name: String,
    options: ClientOptions,
    /// What [`ApiClient::connect`] found; `None` before it ran.
    capabilities: RwLock<Option<Capabilities>>,
    /// What the server's answers downgraded; kept apart so that a new discovery does
    /// not forget it.
    downgrades: RwLock<Downgrades>,
    /// Told about answers slow to arrive.
    slow: RwLock<Option<SlowAnswerObserver>>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("profile", &self.inner.profile_name)
            .field("base_url", &self.inner.base.as_str())
            .field("token", &"Token(****)")
            .finish_non_exhaustive()
    }
}

impl ApiClient {
    /// A client for `profile` with [`ClientOptions::default`].
    ///
    /// Fails with `CoreError::Config` when the address is not an `http(s)` URL (or
    /// carries a user name or password), the token is empty or not sendable, or the
    /// CA certificate is not PEM. Nothing is sent yet.
    pub fn new(profile: &Profile) -> Result<Self, CoreError> {
        Self::with_options(profile, ClientOptions::default())
    }

    /// A client for `profile` with `options`.
    ///
    /// TLS is always verified (rustls, against the system's roots plus the profile's
    /// CA certificate, if any).
    pub fn with_options(profile: &Profile, options: ClientOptions) -> Result<Self, CoreError> {
        let config = |detail: String| CoreError::Config { detail };
        let base = parse_base_url(&profile.base_url)?;
        if profile.token.is_empty() {
            return Err(config("no API token is set".to_owned()));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", profile.token.expose()))
            .map_err(|_| {
                config("the API token contains characters that cannot be sent".to_owned())
            })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/scim+json, application/json;q=0.9"),
        );
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_rustls();
        if let Some(pem) = &profile.ca_certificate_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|_| {
                config("the CA certificate is not a readable PEM certificate".to_owned())
            })?;
            if certs.is_empty() {
                return Err(config(
                    "the CA certificate file holds no PEM certificate".to_owned(),
                ));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| config(format!("the HTTP client could not be set up: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                auth,
                profile_name: profile.name.clone(),
                options,
                capabilities: RwLock::new(None),
                downgrades: RwLock::new(Downgrades::new()),
                slow: RwLock::new(None),
            }),
        })
    }

    /// The API root this client talks to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// What the last [`connect`](Self::connect) discovered, if it ran, with the
    /// downgrades the server's answers caused.
    pub fn capabilities(&self) -> Option<Capabilities> {
        let mut caps = self
            .inner
            .capabilities
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())?;
        caps.downgrades = self.downgrades();
        Some(caps)
    }

    /// The features downgraded so far (remembered ones included).
    pub fn downgrades(&self) -> Downgrades {
        self.inner
            .downgrades
            .read()
            .map(|d| d.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Replaces the downgrades, e.g. with those the store remembers for the profile
    /// (before [`connect`](Self::connect)), or with none for a re-check.
    pub fn set_downgrades(&self, downgrades: Downgrades) {
        match self.inner.downgrades.write() {
            Ok(mut d) => *d = downgrades,
            Err(poisoned) => *poisoned.into_inner() = downgrades,
        }
    }

    /// Downgrades `feature` because of `reason` (what the server answered). Logged
    /// once: returns whether it is new.
    pub fn downgrade(&self, feature: Feature, reason: impl Into<String>) -> bool {
        let reason = reason.into();
        let mut map = match self.inner.downgrades.write() {
            Ok(d) => d,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.contains_key(&feature) {
            return false;
        }
        tracing::warn!(
            feature = feature.label(),
            %reason,
            "the server does not support this as advertised; Roster {} from now on",
            feature.without()
        );
        map.insert(feature, reason);
        true
    }

    /// Whether Roster uses `feature` with this server (before discovery: assumed).
    pub fn has(&self, feature: Feature) -> bool {
        match self.capabilities() {
            Some(c) => c.has(feature),
            None => !self.downgrades().contains_key(&feature),
        }
    }

    /// Sets the capabilities the client adapts to, e.g. from the local cache when
    /// the app starts offline, without calling [`connect`](Self::connect).
    pub fn set_capabilities(&self, capabilities: Capabilities) {
        match self.inner.capabilities.write() {
            Ok(mut c) => *c = Some(capabilities),
            Err(poisoned) => *poisoned.into_inner() = Some(capabilities),
        }
    }

    /// Calls `observer` every [`ClientOptions::slow_notice`] while an answer is slow to arrive
    /// (the engine turns it into `Event::Slow`); replaces an earlier observer.
    pub fn on_slow_answer(&self, observer: SlowAnswerObserver) {
        match self.inner.slow.write() {
            Ok(mut o) => *o = Some(observer),
            Err(poisoned) => *poisoned.into_inner() = Some(observer),
        }
    }

    /// Reports a slow answer to the observer, if any.
    fn slow(&self, answer: SlowAnswer) {
        let observer = match self.inner.slow.read() {
            Ok(o) => o.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(observer) = observer {
            observer(&answer);
        }
    }

    /// Whether the server has the Roster extension (assumed until discovery says
    /// otherwise).
    fn roster_extension(&self) -> bool {
        self.has(Feature::RosterExtension)
    }

    /// The page size of listings.
    fn page_size(&self) -> usize {
        let server_max = self.capabilities().map_or(1000, |c| c.max_page);
        self.inner
            .options
            .page_size
            .unwrap_or(server_max)
            .min(server_max)
            .max(1)
    }

    /// The URL of `segments` under the API root (each segment percent-encoded) with
    /// `query` pairs (percent-encoded, spaces as `%20`).
    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.inner.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            let text = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            url.set_query(Some(&text));
        }
        url
    }
}

/// Checks and normalises the API root.
fn parse_base_url(text: &str) -> Result<Url, CoreError> {
    let config = |detail: &str| CoreError::Config {
        detail: detail.to_owned(),
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(config("no server address is set"));
    }
    // The parse error names what is wrong without quoting the address.
    let mut url = Url::parse(text).map_err(|e| CoreError::Config {
        detail: format!("the server address is not a valid URL ({e})"),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(config(
            "the server address must start with https:// (or http:// for a local server)",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config(
            "the server address contains a user name or password; remove it and put the \
             API token in the token field",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(config("the server address has no host name"));
    }
    url.set_query(None);
    url.set_fragment(None);
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

/// Percent-encodes a query component (RFC 3986 unreserved characters stay).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A SCIM string literal for a filter: quoted, with `"` and `\` escaped (RFC 7644
/// §3.4.2.2 uses JSON string syntax).
fn filter_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(url: &str, token: &str) -> Profile {
        Profile {
            name: "t".into(),
            base_url: url.into(),
            token: Token::new(token),
            ca_certificate_pem: None,
        }
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        let c = ApiClient::new(&profile("http://127.0.0.1:9/scim/v2/", "tok")).unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9/scim/v2");
        let u = c.url(&["Users", "a b/c"], &[("filter", "userName eq \"x\"")]);
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:9/scim/v2/Users/a%20b%2Fc?filter=userName%20eq%20%22x%22"
        );
        for bad in [
            "",
            "ftp://x.example",
            "not a url",
            "https://user:secret-token@x.example/scim",
        ] {
            let err = ApiClient::new(&profile(bad, "secret-token")).unwrap_err();
            assert!(matches!(err, CoreError::Config { .. }), "{bad}: {err:?}");
            assert!(!err.to_string().contains("secret-token"), "{err}");
        }
        assert!(matches!(
            ApiClient::new(&profile("https://x.example", "  ")),
            Err(CoreError::Config { .. })
        ));
        assert!(matches!(
            ApiClient::new(&profile("https://x.example", "a\nb")),
            Err(CoreError::Config { .. })
        ));
        let mut p = profile("https://x.example", "t");
        p.ca_certificate_pem = Some(b"not pem".to_vec());
        assert!(matches!(ApiClient::new(&p), Err(CoreError::Config { .. })));
    }

    #[test]
    fn filter_strings_are_escaped() {
        assert_eq!(filter_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}

#[cfg(test)]
mod send_tests {
    use super::*;
    use crate::model::{GroupId, NewUser, UserId};

    fn assert_send<T: Send>(_: &T) {}

    /// The engine spawns these futures on a multi-threaded runtime.
    #[test]
    fn futures_are_send() {
        let c = ApiClient::new(&Profile {
            name: "t".into(),
            base_url: "http://127.0.0.1:9".into(),
            token: Token::new("t"),
            ca_certificate_pem: None,
        })
        .unwrap();
        let id = UserId::from("u");
        let users: Vec<NewUser> = Vec::new();
        assert_send(&c.connect());
        assert_send(&c.load_users(|_, _| {}));
        assert_send(&c.load_users_checked(|_, _| {}));
        assert_send(&c.load_groups());
        assert_send(&c.licenses());
        assert_send(&c.users_changed_since(chrono::Utc::now()));
        assert_send(&c.user_ids());
        assert_send(&c.patch_user(&id, &[], None));
        assert_send(&c.delete_user(&id, None));
        assert_send(&c.set_group_members(&GroupId::from("g"), &[], &[]));
        assert_send(&c.resend_invitation(&id));
        assert_send(&c.find_user_by_user_name("x"));
        assert_send(&c.bulk(Vec::new()));
        assert_send(&c.create_users(&users));
        let one = NewUser {
            email: crate::model::Email::parse("a@b.example").unwrap(),
            given_name: "A".into(),
            family_name: "B".into(),
            admin: false,
            local_login: false,
            licenses: Vec::new(),
            groups: Vec::new(),
        };
        assert_send(&c.create_user(&one));
        assert_send(&c.get_user(&id));
        assert_send(&c.get_group(&GroupId::from("g")));
        assert_send(&c.organisation());
    }
}
