//! The ordered extension list, declared in one place: Deno's Web API crates, then isogate's
//! own ops and bootstrap JS. `build.rs` builds the startup snapshot from the same list.

pub(crate) mod blobs;
pub(crate) mod cache;
pub(crate) mod compression;
pub(crate) mod console;
pub(crate) mod counter;
pub(crate) mod digest;
pub(crate) mod fetch;
pub(crate) mod helpers;
pub(crate) mod html;
pub(crate) mod http;
pub(crate) mod offload;

use std::sync::Arc;

use deno_core::Extension;

deno_core::extension!(
    isogate,
    deps = [deno_webidl, deno_web, deno_crypto, deno_fetch],
    ops = [
        cache::op_isogate_cache_delete,
        cache::op_isogate_cache_match,
        cache::op_isogate_cache_put,
        console::op_isogate_console,
        console::op_isogate_env,
        digest::op_isogate_digest,
        fetch::op_isogate_egress_tenant,
        fetch::op_isogate_subrequest,
        html::op_isogate_html_end,
        html::op_isogate_html_new,
        html::op_isogate_html_reply,
        html::op_isogate_html_write,
        http::op_isogate_pending_work,
        http::op_isogate_req_gone,
        http::op_isogate_req_next,
        http::op_isogate_resp_body_done,
        http::op_isogate_resp_send,
        http::op_isogate_resp_send_text,
        http::op_isogate_resp_error,
        http::op_isogate_resp_limit,
        offload::op_isogate_offload_enter,
        offload::op_isogate_offload_leave,
    ],
    esm_entry_point = "ext:isogate/99_main.js",
    esm = [dir "js", "00_scope.js", "01_globals.js", "02_subtle.js", "03_workers.js", "05_cache.js", "06_html_rewriter.js", "10_serve.js", "99_main.js"],
    // deno_fetch's JS imports these from crates isogate does not use (Deno's TLS client
    // certificates and OpenTelemetry); small stand-ins keep fetch working without them.
    lazy_loaded_js = [
        dir "js",
        "ext:deno_net/02_tls.js" = "90_shim_tls.js",
        "ext:deno_telemetry/telemetry.ts" = "90_shim_telemetry.js",
        "ext:deno_telemetry/util.ts" = "90_shim_telemetry_util.js",
    ],
    // deno_web's compression ops, swapped for ones that count their memory.
    middleware = compression::replace,
);

/// Extensions with their per-isolate state (`blobs`: the isolate's Blob store): for an
/// isolate restored from the snapshot, and for `build.rs`, which builds the snapshot with
/// them (the Node.js built-ins evaluated into it call ops).
pub(crate) fn for_isolate(blobs: Arc<blobs::CountedBlobStore>) -> Vec<Extension> {
    vec![
        deno_webidl::deno_webidl::init(),
        deno_web::deno_web::init(
            blobs,
            None,
            false,
            deno_web::InMemoryBroadcastChannel::default(),
        ),
        deno_crypto::deno_crypto::init(None),
        deno_fetch::deno_fetch::init(deno_fetch::Options {
            user_agent: "isogate".to_owned(),
            // In a worker process, through the gateway's egress socket.
            proxy: fetch::egress().map(|socket| deno_tls::Proxy::Unix {
                path: socket.to_string_lossy().into_owned(),
            }),
            ..Default::default()
        }),
        isogate::init(),
    ]
}
