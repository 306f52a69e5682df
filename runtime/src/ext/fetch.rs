//! Outbound fetch policy: which hosts a handler may reach, enforced by deno_fetch's own
//! permission checks (before the connection, and again on every resolved address). In a
//! worker process every http(s) fetch goes through the gateway instead (`route_through`):
//! deno_fetch sends it to the gateway's egress socket, which makes it under the same
//! checks (see `process/egress.rs`), and the worker itself may open no network socket.

use std::net::Ipv6Addr;
use std::path::Path;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::sync::OnceLock;

use deno_core::op2;
use deno_core::OpState;
use deno_permissions::Host;
use deno_permissions::NetDescriptor;
use deno_permissions::PermissionDescriptorParser;
use deno_permissions::Permissions;
use deno_permissions::PermissionsContainer;
use deno_permissions::PermissionsOptions;
use deno_permissions::RuntimePermissionDescriptorParser;
use ipnet::IpNet;
use ipnet::Ipv6Net;

/// Addresses a handler may not reach unless private networks are allowed: loopback, RFC 1918,
/// carrier-grade NAT, link-local (cloud metadata) and unspecified (IPv4-mapped IPv6
/// addresses are checked as the IPv4 address they map).
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

/// IPv6 ranges denied with the above: unique local (`fc00::/7`) and link-local (`fe80::/10`).
/// deno_permissions' option parser takes IPv6 only as single addresses, so these are added
/// as subnets directly (its checks match any subnet).
const PRIVATE_IPV6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
];

/// What outbound requests a handler may make.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchPolicy {
    /// Allow loopback and private addresses (development, tests, trusted internal upstreams).
    pub allow_private_net: bool,
}

/// The gateway's egress socket, when this process's fetches go through it.
static EGRESS: OnceLock<PathBuf> = OnceLock::new();

/// Sends every http(s) fetch of the isolates made from now on through the gateway's egress
/// socket at `socket` (a worker process, before its first isolate).
pub(crate) fn route_through(socket: PathBuf) {
    let _ = EGRESS.set(socket);
}

/// The egress socket fetches go through, if they do.
pub(crate) fn egress() -> Option<&'static Path> {
    EGRESS.get().map(PathBuf::as_path)
}

/// Builds the permission set deno_fetch consults: network only, minus private ranges unless
/// allowed; no file, env, run, ffi or sys access of any kind (but for opening the egress
/// socket, when fetches go through one: deno_fetch checks that as a file).
pub(crate) fn permissions(
    policy: FetchPolicy,
) -> Result<PermissionsContainer, deno_permissions::PermissionsFromOptionsError> {
    let parser = Arc::new(RuntimePermissionDescriptorParser::new(
        sys_traits::impls::RealSys,
    ));
    let socket = egress().map(|socket| vec![socket.to_string_lossy().into_owned()]);
    let options = PermissionsOptions {
        allow_net: Some(Vec::new()),
        allow_read: socket.clone(),
        allow_write: socket,
        prompt: false,
        ..Default::default()
    };
    let mut permissions = Permissions::from_options(parser.as_ref(), &options)?;
    if !policy.allow_private_net {
        let mut deny = PRIVATE_RANGES
            .iter()
            .map(|range| parser.parse_net_descriptor(range))
            .collect::<Result<Vec<_>, _>>()?;
        for (address, prefix) in PRIVATE_IPV6 {
            if let Ok(net) = Ipv6Net::new(*address, *prefix) {
                deny.push(NetDescriptor(Host::IpSubnet(IpNet::V6(net)), None));
            }
        }
        permissions.net = Permissions::new_unary(Some(Vec::new()), Some(deny), false);
    }
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

    #[test]
    fn fetch_permissions_deny_private_ipv6_ranges() {
        let mut denied = permissions(FetchPolicy::default()).unwrap();
        for ip in [
            "fd00::1",
            "fe80::1",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "169.254.169.254",
            "10.1.2.3",
        ] {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            assert!(
                denied.check_net_resolved(&ip, 80, "fetch()").is_err(),
                "{ip} reachable"
            );
        }
        let mut allowed = permissions(FetchPolicy {
            allow_private_net: true,
        })
        .unwrap();
        let ula: std::net::IpAddr = "fd00::1".parse().unwrap();
        assert!(allowed.check_net_resolved(&ula, 80, "fetch()").is_ok());
        let public: std::net::IpAddr = "2606:4700::1".parse().unwrap();
        assert!(denied.check_net_resolved(&public, 443, "fetch()").is_ok());
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

/// The tenant a fetch is made for, as the egress socket is told it (`""` when fetches do
/// not go through one).
#[op2]
#[string]
pub(crate) fn op_isogate_egress_tenant(state: &mut OpState) -> String {
    match (egress(), state.try_borrow::<super::console::HandlerLabel>()) {
        (Some(_), Some(label)) => label.0.clone(),
        _ => String::new(),
    }
}
