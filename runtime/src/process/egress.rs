//! Outbound fetch of the worker processes, made by the gateway. Each slot serves a Unix
//! socket, which its process's deno_fetch sends every http(s) request to (in absolute form,
//! as to a forward proxy). The gateway makes the request with deno_fetch's own client under
//! the fetching tenant's policy: loopback, private and link-local addresses are refused, on
//! the name and on every address it resolves to, unless the tenant allows private networks.
//! So a worker needs no network socket of its own (its seccomp filter refuses them), and
//! the policy is enforced outside the process that runs tenant code.
//!
//! The worker names the tenant in `isogate-egress-tenant`; only tenants placed in the slot
//! are believed, any other name gets the strictest policy. Refusals are answered with a
//! status and `isogate-egress` naming why, which the worker's `fetch` turns into the
//! `TypeError` a handler sees in-process.

use std::convert::Infallible;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use std::sync::Weak;

use bytes::Bytes;
use deno_error::JsErrorBox;
use deno_fetch::Client;
use deno_fetch::CreateHttpClientOptions;
use deno_fetch::ReqBody;
use deno_fetch::ResBody;
use deno_permissions::PermissionCheckError;
use deno_permissions::PermissionsContainer;
use http::HeaderValue;
use http::Request;
use http::Response;
use http::StatusCode;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::UnixListener;

use super::host::Slot;
use crate::ext::fetch::permissions;
use crate::FetchPolicy;

/// The header naming the tenant a fetch is for (taken off before the request goes on).
const TENANT: &str = "isogate-egress-tenant";
/// The header of the gateway's own refusals: `private-network` or `failed`.
const REFUSAL: &str = "isogate-egress";

/// The prefix of the socket folders' names, followed by the gateway's process id.
const FOLDER_PREFIX: &str = "isogate-egress-";

/// Where the sockets are: a folder only this user may enter, made once per gateway (the
/// folders of gateways that are gone, ended by a signal, are removed first).
fn folder() -> std::io::Result<&'static Path> {
    static FOLDER: OnceLock<PathBuf> = OnceLock::new();
    if let Some(folder) = FOLDER.get() {
        return Ok(folder);
    }
    let temp = std::env::temp_dir();
    sweep(&temp);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    let folder = temp.join(format!("{FOLDER_PREFIX}{}-{nanos:x}", std::process::id()));
    std::fs::DirBuilder::new().mode(0o700).create(&folder)?;
    Ok(FOLDER.get_or_init(|| folder))
}

/// Removes the socket folders in `temp` whose gateway process no longer runs.
fn sweep(temp: &Path) {
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(FOLDER_PREFIX))
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Serves a new egress socket for `slot`, until the slot is gone; returns its path.
pub(crate) fn serve(slot: Weak<Slot>) -> std::io::Result<PathBuf> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let path = folder()?.join(format!("{}.sock", NEXT.fetch_add(1, Ordering::Relaxed)));
    let listener = UnixListener::bind(&path)?;
    let clients = Clients::new().map_err(std::io::Error::other)?;
    let socket = path.clone();
    tokio::spawn(async move {
        let clients = std::sync::Arc::new(clients);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                // Out of descriptors, say: try again shortly rather than spin.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            };
            if slot.strong_count() == 0 {
                break;
            }
            let (slot, clients) = (slot.clone(), clients.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let (slot, clients) = (slot.clone(), clients.clone());
                    async move { Ok::<_, Infallible>(forward(&slot, &clients, request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
        let _ = std::fs::remove_file(&socket);
    });
    Ok(path)
}

/// One client per policy, made with deno_fetch as an in-process fetch is.
struct Clients {
    strict: (Client, PermissionsContainer),
    private: (Client, PermissionsContainer),
}

impl Clients {
    fn new() -> Result<Self, String> {
        let client = |policy| {
            let permissions = permissions(policy).map_err(|error| error.to_string())?;
            let options = CreateHttpClientOptions {
                permissions: Some(permissions.clone()),
                ..CreateHttpClientOptions::default()
            };
            let client = deno_fetch::create_http_client("isogate", options)
                .map_err(|error| error.to_string())?;
            Ok::<_, String>((client, permissions))
        };
        Ok(Self {
            strict: client(FetchPolicy::default())?,
            private: client(FetchPolicy {
                allow_private_net: true,
            })?,
        })
    }
}

/// Makes one request for a worker in `slot`.
async fn forward(
    slot: &Weak<Slot>,
    clients: &Clients,
    mut request: Request<Incoming>,
) -> Response<ResBody> {
    let tenant = request.headers_mut().remove(TENANT);
    let policy = tenant
        .as_ref()
        .and_then(|tenant| tenant.to_str().ok())
        .and_then(|tenant| slot.upgrade()?.fetch_policy(tenant))
        .unwrap_or_default();
    let (client, permissions) = if policy.allow_private_net {
        &clients.private
    } else {
        &clients.strict
    };
    let mut permissions = permissions.clone();
    let Ok(url) = url::Url::parse(&request.uri().to_string()) else {
        return refusal(StatusCode::BAD_REQUEST, "failed", "not an absolute URL");
    };
    if !matches!(url.scheme(), "http" | "https") {
        return refusal(StatusCode::BAD_REQUEST, "failed", "only http and https");
    }
    if permissions.check_net_url(&url, "fetch()").is_err() {
        return private_refusal();
    }
    let (parts, body) = request.into_parts();
    let body = ReqBody::streaming(body.map_err(|error| JsErrorBox::generic(error.to_string())));
    match client
        .clone()
        .send_no_decompress(Request::from_parts(parts, body))
        .await
    {
        Ok(mut response) => {
            // Only the gateway says why it refused.
            response.headers_mut().remove(REFUSAL);
            response
        }
        Err(error) if denied(&error) => private_refusal(),
        Err(error) => refusal(StatusCode::BAD_GATEWAY, "failed", &error.to_string()),
    }
}

/// Whether the request failed because an address it resolved to is not allowed.
fn denied(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.downcast_ref::<PermissionCheckError>().is_some() {
            return true;
        }
        cause = error.source();
    }
    false
}

fn private_refusal() -> Response<ResBody> {
    refusal(
        StatusCode::FORBIDDEN,
        "private-network",
        "loopback, private and link-local addresses are not reachable",
    )
}

fn refusal(status: StatusCode, reason: &'static str, message: &str) -> Response<ResBody> {
    let body = Full::new(Bytes::from(message.to_owned()))
        .map_err(|never| match never {})
        .boxed();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(REFUSAL, HeaderValue::from_static(reason));
    response
}
