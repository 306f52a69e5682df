//! Test PKI (an rcgen CA and leaf certificates) and a rustls client speaking h1 or h2.

use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use http::Request;
use http::StatusCode;
use http_body_util::BodyExt;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioIo;
use rcgen::BasicConstraints;
use rcgen::CertificateParams;
use rcgen::DnType;
use rcgen::IsCa;
use rcgen::Issuer;
use rcgen::KeyPair;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use super::TestBody;

/// A throwaway certificate authority.
pub(crate) struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pub(crate) root: CertificateDer<'static>,
}

impl TestCa {
    pub(crate) fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "isogate test CA");
        let root = params.self_signed(&key).unwrap().der().clone();
        Self {
            issuer: Issuer::new(params, key),
            root,
        }
    }

    /// Writes `<stem>.pem` and `<stem>.key` for `names` into `dir`; returns the paths and
    /// the leaf certificate.
    pub(crate) fn leaf(
        &self,
        dir: &Path,
        stem: &str,
        names: &[&str],
    ) -> (PathBuf, PathBuf, CertificateDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let cert = CertificateParams::new(names)
            .unwrap()
            .signed_by(&key, &self.issuer)
            .unwrap();
        let cert_path = dir.join(format!("{stem}.pem"));
        let key_path = dir.join(format!("{stem}.key"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (cert_path, key_path, cert.der().clone())
    }
}

/// What an HTTPS exchange produced.
pub(crate) struct TlsExchange {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
    pub(crate) alpn: Option<Vec<u8>>,
    pub(crate) peer_cert: CertificateDer<'static>,
    pub(crate) version: http::Version,
}

/// Connects to `addr` naming `sni`, trusting only `root`, offering `alpn`.
pub(crate) async fn connect(
    root: &CertificateDer<'static>,
    addr: &str,
    sni: &str,
    alpn: &[&[u8]],
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await?;
    connector
        .connect(ServerName::try_from(sni.to_owned()).unwrap(), tcp)
        .await
}

/// Sends `request` over a fresh TLS connection to `addr` with SNI `sni`; h2 when `h2`.
pub(crate) async fn https(
    root: &CertificateDer<'static>,
    addr: &str,
    sni: &str,
    h2: bool,
    request: Request<TestBody>,
) -> std::io::Result<TlsExchange> {
    let alpn: &[&[u8]] = if h2 { &[b"h2"] } else { &[b"http/1.1"] };
    let stream = connect(root, addr, sni, alpn).await?;
    let (_, session) = stream.get_ref();
    let alpn = session.alpn_protocol().map(<[u8]>::to_vec);
    let peer_cert = session.peer_certificates().unwrap()[0].clone().into_owned();
    let io = TokioIo::new(stream);
    let response = if h2 {
        let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        sender.send_request(request).await
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        sender.send_request(request).await
    }
    .map_err(std::io::Error::other)?;
    let (parts, body) = response.into_parts();
    let bytes: Bytes = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    Ok(TlsExchange {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        alpn,
        peer_cert,
        version: parts.version,
    })
}
