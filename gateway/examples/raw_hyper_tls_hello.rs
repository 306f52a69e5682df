//! Baseline for the HTTPS load benchmark: a bare hyper HTTP/1.1 hello server behind rustls
//! on one thread, the ceiling `isogate serve`'s HTTPS hello is compared against.
//!
//!     raw_hyper_tls_hello CERT.pem KEY.pem [PORT]
//!
//! Prints its address on stdout.

use std::convert::Infallible;
use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::PrivateKeyDer;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

#[allow(clippy::print_stdout, reason = "the address is the program's output")]
fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let cert = args
        .next()
        .context("usage: raw_hyper_tls_hello CERT KEY [PORT]")?;
    let key = args
        .next()
        .context("usage: raw_hyper_tls_hello CERT KEY [PORT]")?;
    let port = args.next().unwrap_or_else(|| "0".to_owned());
    let chain = CertificateDer::pem_file_iter(&cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(&key)?;
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(format!("127.0.0.1:{port}")).await?;
        println!(
            "raw hyper+rustls hello on https://{}",
            listener.local_addr()?
        );
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(|_request| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        b"Hello from isogate! You asked for /\n",
                    ))))
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
