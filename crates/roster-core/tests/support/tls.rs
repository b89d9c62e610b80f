//! A TLS front for the test server: terminates HTTPS on 127.0.0.1 with a
//! certificate from a private test CA and passes the bytes on to the server.
//!
//! The certificates in `tls/` were made for these tests only (ECDSA P-256, valid for
//! `127.0.0.1` and `localhost` until 2126); the key protects nothing.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The test CA's certificate (PEM), to trust in a profile.
pub const CA_PEM: &[u8] = include_bytes!("tls/ca.pem");
const SERVER_PEM: &[u8] = include_bytes!("tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("tls/server.key");

/// A running TLS front.
pub struct TlsFront {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TlsFront {
    /// Serves HTTPS on a free port of 127.0.0.1, forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        Self::start_on("127.0.0.1", upstream)
            .await
            .expect("bind 127.0.0.1")
    }

    /// Serves HTTPS on a free port of `ip` (a loopback address), forwarding to
    /// `upstream`; `None` when that address cannot be bound here.
    pub async fn start_on(ip: &str, upstream: SocketAddr) -> Option<Self> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(SERVER_PEM)
            .collect::<Result<_, _>>()
            .expect("server certificate");
        let key = PrivateKeyDer::from_pem_slice(SERVER_KEY).expect("server key");
        let config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("TLS config");
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind((ip, 0)).await.ok()?;
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                });
            }
        });
        Some(Self { addr, task })
    }

    /// The API root over HTTPS, by IP address.
    pub fn base_url(&self) -> String {
        format!("https://{}{}", self.addr, roster_proto::API_PREFIX)
    }

    /// The API root over HTTPS, by the name `localhost`.
    pub fn base_url_by_name(&self) -> String {
        format!(
            "https://localhost:{}{}",
            self.addr.port(),
            roster_proto::API_PREFIX
        )
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}
