//! `crypto.subtle.digest` of a small input (`js/02_subtle.js` says how small), computed on
//! the isolate thread: quicker than a trip to an offload thread and back, and its CPU time
//! is the isolate thread's own, held to the limit like the handler's JavaScript.

use deno_core::op2;
use deno_error::JsErrorBox;
use sha1::Sha1;
use sha2::Digest;
use sha2::Sha256;
use sha2::Sha384;
use sha2::Sha512;

/// The digest of `data` by `algorithm`: 1 (SHA-1), 256, 384 or 512 (SHA-2).
#[op2]
#[arraybuffer]
pub(crate) fn op_isogate_digest(
    #[smi] algorithm: u32,
    #[anybuffer] data: &[u8],
) -> Result<Vec<u8>, JsErrorBox> {
    Ok(match algorithm {
        1 => Sha1::digest(data).to_vec(),
        256 => Sha256::digest(data).to_vec(),
        384 => Sha384::digest(data).to_vec(),
        512 => Sha512::digest(data).to_vec(),
        _ => return Err(JsErrorBox::type_error("unknown digest algorithm")),
    })
}
