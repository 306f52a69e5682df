//! Outbound fetch policy: which hosts a handler may reach, enforced by deno_fetch's own
//! permission checks (before the connection, and again on every resolved address).

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use deno_core::op2;
use deno_core::OpState;
use deno_permissions::Permissions;
use deno_permissions::PermissionsContainer;
use deno_permissions::PermissionsOptions;
use deno_permissions::RuntimePermissionDescriptorParser;

/// Addresses a handler may not reach unless private networks are allowed: loopback, RFC 1918,
/// carrier-grade NAT, link-local (cloud metadata) and unspecified. deno_permissions takes IPv6
/// only as single bracketed addresses, so the IPv6 entries are the loopback and unspecified
/// addresses.
const PRIVATE_RANGES: &[&str] = &[
    "localhost",
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "[::]",
    "[::1]",
];

/// What outbound requests a handler may make.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Allow loopback and private addresses (development, tests, trusted internal upstreams).
    pub allow_private_net: bool,
}

/// Builds the permission set deno_fetch consults: network only, minus private ranges unless
/// allowed; no file, env, run, ffi or sys access of any kind.
pub(crate) fn permissions(
    policy: FetchPolicy,
) -> Result<PermissionsContainer, deno_permissions::PermissionsFromOptionsError> {
    let parser = Arc::new(RuntimePermissionDescriptorParser::new(
        sys_traits::impls::RealSys,
    ));
    let deny_net = (!policy.allow_private_net).then(|| {
        PRIVATE_RANGES
            .iter()
            .map(|range| (*range).to_owned())
            .collect()
    });
    let options = PermissionsOptions {
        allow_net: Some(Vec::new()),
        deny_net,
        prompt: false,
        ..Default::default()
    };
    let permissions = Permissions::from_options(parser.as_ref(), &options)?;
    Ok(PermissionsContainer::new(parser, permissions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_permissions_parse_with_and_without_private_net() {
        assert!(permissions(FetchPolicy::default()).is_ok());
        assert!(permissions(FetchPolicy {
            allow_private_net: true
        })
        .is_ok());
    }
}

/// What a handler's isolates used, counted as they run and read by the gateway.
#[derive(Debug, Default)]
pub(crate) struct Meters {
    /// CPU nanoseconds of JavaScript, when metered.
    pub(crate) cpu: AtomicU64,
    /// Outbound http(s) fetches.
    pub(crate) subrequests: AtomicU64,
}

/// Counts one outbound http(s) fetch of the handler.
#[op2(fast)]
pub(crate) fn op_isogate_subrequest(state: &mut OpState) {
    if let Some(meters) = state.try_borrow::<Arc<Meters>>() {
        meters.subrequests.fetch_add(1, Ordering::Relaxed);
    }
}
