//! Connecting: discovery, roles, unreachable servers, plain SCIM servers, and the
//! token never showing up in messages or logs.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use roster_core::CoreError;
use roster_core::client::{ApiClient, Capabilities};
use roster_core::model::InvitationStatus;
use support::proxy::FaultProxy;
use support::{DEMO_DOMAIN, TestServer, fast_options, new_user, profile};

#[tokio::test]
async fn connect_discovers_capabilities_me_and_the_organisation() {
    let t = TestServer::demo().await;
    let client = t.client();
    assert_eq!(client.capabilities(), None);
    let info = client.connect().await.expect("connects");
    assert_eq!(
        info.capabilities,
        Capabilities {
            bulk: Some((1000, 8 * 1024 * 1024)),
            etag: true,
            filter: true,
            sort: true,
            patch: true,
            max_page: 1000,
            roster_extension: true,
            licenses: true,
            invitations: true,
            me: true,
            downgrades: Default::default(),
        }
    );
    assert_eq!(client.capabilities(), Some(info.capabilities.clone()));
    let me = info.me.expect("/Me");
    assert_eq!(me.user_name, roster_server::seed::DEMO_ADMIN);
    assert!(me.admin && me.local_login);
    assert_eq!(me.full_name(), "Camille Laurent");
    assert!(me.last_connection.is_some(), "lastConnection is asked for");
    let org = info.organisation.expect("/Organisation");
    assert_eq!(org.name, "Lumen Analytics");
    assert_eq!(
        org.authorized_domains,
        ["lumen-analytics.example", "lumen.example"]
    );
    assert!(!org.identity_provider);
    // A clone shares what was discovered.
    assert_eq!(client.clone().capabilities(), Some(info.capabilities));
}

#[tokio::test]
async fn a_token_without_the_administrator_role_gets_not_administrator() {
    let t = TestServer::demo().await;
    let token = t.non_admin_token(DEMO_DOMAIN).await;
    let client = ApiClient::with_options(&profile(&t.server.base_url(), &token), fast_options())
        .expect("client");
    assert_eq!(client.connect().await, Err(CoreError::NotAdministrator));
    assert_eq!(
        client.load_users(|_, _| {}).await.err(),
        Some(CoreError::NotAdministrator)
    );
    assert_eq!(
        client
            .create_user(&new_user("x@lumen.example", "X", "Y"))
            .await
            .err(),
        Some(CoreError::NotAdministrator)
    );
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let t = TestServer::demo().await;
    let client = ApiClient::with_options(
        &profile(&t.server.base_url(), "not-a-real-token"),
        fast_options(),
    )
    .expect("client");
    assert_eq!(client.connect().await, Err(CoreError::Unauthorized));
    assert_eq!(client.user_ids().await.err(), Some(CoreError::Unauthorized));
}

#[tokio::test]
async fn a_stopped_server_is_offline() {
    let t = TestServer::demo().await;
    let client = t.client();
    client.connect().await.expect("connects while running");
    let TestServer { server, dir, .. } = t;
    server.stop().await;
    let err = client.connect().await.expect_err("server is gone");
    assert!(err.is_offline(), "{err:?}");
    let err = client.load_users(|_, _| {}).await.expect_err("offline");
    assert!(err.is_offline(), "{err:?}");
    let err = client
        .create_user(&new_user("late@lumen.example", "Late", "Comer"))
        .await
        .expect_err("offline");
    assert!(err.is_offline() && err.is_transient(), "{err:?}");
    drop(dir);

    // A name that does not resolve is offline too.
    let nowhere = ApiClient::with_options(
        &profile("http://roster-test.invalid/scim/v2", "t"),
        fast_options(),
    )
    .expect("client");
    assert!(nowhere.connect().await.expect_err("no DNS").is_offline());
}

#[tokio::test]
async fn a_plain_scim_server_works_with_fewer_features() {
    let t = TestServer::demo().await;
    let proxy = FaultProxy::start(t.server.addr(), 0, 1).await;
    proxy.set_plain_scim(true);
    let client = ApiClient::with_options(&profile(&proxy.base_url(), &t.token), fast_options())
        .expect("client");
    let info = client.connect().await.expect("connects");
    let caps = info.capabilities;
    assert!(!caps.roster_extension && !caps.licenses && !caps.invitations);
    assert!(caps.filter && caps.patch && caps.bulk.is_some());
    assert_eq!(info.me, None);
    assert_eq!(info.organisation, None);

    let users = client.load_users(|_, _| {}).await.expect("users");
    assert_eq!(users.len(), 300);
    assert!(
        users
            .iter()
            .all(|u| u.invitation == InvitationStatus::Unknown)
    );
    assert!(
        users
            .iter()
            .all(|u| !u.admin && u.last_connection.is_none())
    );
    assert!(users.iter().any(|u| !u.groups.is_empty()));
    assert!(client.licenses().await.expect("licenses").is_empty());
    assert_eq!(client.organisation().await.expect("organisation"), None);

    let created = client
        .create_user(&new_user("plain.scim@lumen.example", "Plain", "Scim"))
        .await
        .expect("created without the extension");
    assert_eq!(created.user_name, "plain.scim@lumen.example");
    assert!(matches!(
        client.resend_invitation(&created.id).await,
        Err(CoreError::Rejected { status: 501, .. })
    ));
}

/// A writer into a shared buffer, for capturing every log line.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn the_token_never_appears_in_debug_display_errors_or_logs() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    // The test runtime is single-threaded: every task logs through this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);

    let t = TestServer::demo().await;
    let secret = "SeCrEt-0123456789-token";
    let mut texts: Vec<String> = Vec::new();
    let mut errors: Vec<CoreError> = Vec::new();

    // A wrong token, against a live server.
    let p = profile(&t.server.base_url(), secret);
    texts.push(format!("{p:?}"));
    texts.push(format!("{p}"));
    texts.push(format!("{:?} {}", p.token, p.token));
    let client = ApiClient::with_options(&p, fast_options()).expect("client");
    texts.push(format!("{client:?}"));
    errors.push(client.connect().await.expect_err("unauthorized"));
    errors.push(
        client
            .create_user(&new_user("a@lumen.example", "A", "B"))
            .await
            .expect_err("unauthorized"),
    );

    // Bad addresses, one of which carries the token itself.
    for url in [
        format!("https://{secret}@scim.example/scim/v2"),
        format!("https://user:{secret}@scim.example/"),
        "not a url".to_owned(),
        "ftp://scim.example/".to_owned(),
    ] {
        let p = profile(&url, secret);
        texts.push(format!("{p:?}"));
        texts.push(format!("{p}"));
        errors.push(ApiClient::new(&p).expect_err("bad address"));
    }

    // The right token for a while, then an unreachable server.
    let good = profile(&t.server.base_url(), &t.token);
    let client = ApiClient::with_options(&good, fast_options()).expect("client");
    client.connect().await.expect("connects");
    client.load_users(|_, _| {}).await.expect("loads");
    texts.push(format!("{good:?} {good} {client:?}"));
    let TestServer { server, .. } = t;
    server.stop().await;
    errors.push(client.connect().await.expect_err("offline"));
    let offline = ApiClient::with_options(
        &profile("http://127.0.0.1:9/scim/v2", secret),
        fast_options(),
    )
    .expect("client");
    errors.push(offline.user_ids().await.expect_err("offline"));

    for e in &errors {
        texts.push(format!("{e:?}"));
        texts.push(format!("{e}"));
    }
    assert!(
        errors.contains(&CoreError::Unauthorized)
            && errors.iter().any(CoreError::is_offline)
            && errors.iter().any(|e| matches!(e, CoreError::Config { .. })),
        "{errors:?}"
    );
    for text in &texts {
        assert!(!text.contains(secret), "token printed: {text}");
        assert!(!text.contains(good.token.expose()), "token printed: {text}");
    }
    let logs = String::from_utf8(captured.0.lock().expect("logs").clone()).expect("utf-8");
    assert!(logs.contains("scim call"), "the client logs its calls");
    assert!(!logs.contains(secret), "token in the logs");
    assert!(!logs.contains(good.token.expose()), "token in the logs");
}

#[tokio::test]
async fn https_is_verified_and_an_extra_ca_can_be_trusted() {
    let t = TestServer::demo().await;
    let front = support::tls::TlsFront::start(t.server.addr()).await;

    // The private CA is not trusted by default: a clear settings error, not "offline".
    let untrusted = ApiClient::with_options(&profile(&front.base_url(), &t.token), fast_options())
        .expect("client");
    match untrusted.connect().await {
        Err(CoreError::Config { detail }) => {
            assert!(detail.contains("not trusted"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    // An address the certificate does not name is refused the same way (where
    // 127.0.0.2 can be bound, as on Linux).
    if let Some(other) = support::tls::TlsFront::start_on("127.0.0.2", t.server.addr()).await {
        let mut wrong_name = profile(&other.base_url(), &t.token);
        wrong_name.ca_certificate_pem = Some(support::tls::CA_PEM.to_vec());
        let client = ApiClient::with_options(&wrong_name, fast_options()).expect("client");
        assert!(
            matches!(client.connect().await, Err(CoreError::Config { .. })),
            "a certificate for another address is refused"
        );
    }

    for url in [front.base_url(), front.base_url_by_name()] {
        let mut p = profile(&url, &t.token);
        p.ca_certificate_pem = Some(support::tls::CA_PEM.to_vec());
        let client = ApiClient::with_options(&p, fast_options()).expect("client");
        let info = client
            .connect()
            .await
            .expect("trusted through the extra CA");
        assert!(info.capabilities.roster_extension);
        assert_eq!(client.user_ids().await.expect("ids").len(), 300);
    }
}
