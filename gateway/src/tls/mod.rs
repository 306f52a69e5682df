//! TLS termination: rustls with ALPN `h2` and `http/1.1`, TLS 1.2 and 1.3, certificates
//! chosen per SNI (`sni.rs`), handshakes under a timeout.

pub mod sni;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::PrivateKeyDer;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::error::SetupError;
use sni::SniResolver;

/// The crypto provider isogate uses (aws-lc-rs, rustls' default).
fn provider() -> Arc<CryptoProvider> {
    CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

/// Loads a PEM certificate chain and its private key, checking that they belong together.
pub fn load_certified_key(cert: &Path, key: &Path) -> Result<Arc<CertifiedKey>, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|error| format!("reading certificates from {}: {error}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no PEM certificate", cert.display()));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|error| format!("reading the private key from {}: {error}", key.display()))?;
    CertifiedKey::from_der(chain, private, &provider())
        .map(Arc::new)
        .map_err(|error| {
            format!(
                "{} and {} do not make a usable certificate: {error}",
                cert.display(),
                key.display()
            )
        })
}

/// A rustls server configuration that asks `resolver` for certificates and offers h2 first.
pub fn acceptor(resolver: Arc<SniResolver>) -> Result<TlsAcceptor, SetupError> {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(SetupError::Tls)?
        .with_no_client_auth()
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Runs the server side of a handshake; `None` when it fails or takes longer than `timeout`.
pub async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    timeout: Duration,
) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(error)) => {
            tracing::debug!(%error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!("TLS handshake timed out");
            None
        }
    }
}
