//! `[server]`: listeners, connection protection, TLS defaults and the admin token.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;

use super::SecretSource;

/// What a client that sends no SNI, or a name no tenant has, gets from the TLS listener.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownSni {
    /// The default certificate (`server.default_cert`, else the first tenant's).
    #[default]
    Default,
    /// A handshake failure (`unrecognized_name`).
    Reject,
}

/// `[server]`: listeners and the protections every connection gets.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Plain HTTP listener (HTTP/1.1 and h2c with prior knowledge).
    #[serde(default)]
    pub http: Option<SocketAddr>,
    /// TLS listener (HTTP/1.1 and HTTP/2 by ALPN).
    #[serde(default)]
    pub https: Option<SocketAddr>,
    /// Admin listener: health, readiness, and later metrics and the admin API.
    #[serde(default = "default_admin")]
    pub admin: Option<SocketAddr>,
    /// The tenant whose certificate is served when SNI names no tenant.
    #[serde(default)]
    pub default_cert: Option<Spanned<String>>,
    /// What a client without SNI, or with an unknown name, gets.
    #[serde(default)]
    pub unknown_sni: UnknownSni,
    /// Open connections at most, across listeners; beyond it new ones are closed at once.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Requests served on one connection before it is closed (0: no limit).
    #[serde(default = "default_max_requests_per_connection")]
    pub max_requests_per_connection: u64,
    /// Time a client has to send a complete request head.
    #[serde(default = "default_header_timeout_ms")]
    pub header_timeout_ms: u64,
    /// Time a client has to finish the TLS handshake.
    #[serde(default = "default_handshake_timeout_ms")]
    pub handshake_timeout_ms: u64,
    /// Time an idle keep-alive connection stays open.
    #[serde(default = "default_idle_timeout_s")]
    pub idle_timeout_s: u64,
    /// Largest request head (request line and headers) accepted, in bytes.
    #[serde(default = "default_max_header_bytes")]
    pub max_header_bytes: usize,
    /// Time in-flight requests get to finish on shutdown.
    #[serde(default = "default_shutdown_timeout_s")]
    pub shutdown_timeout_s: u64,
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers are believed (CIDRs).
    #[serde(default)]
    pub trusted_proxies: Vec<Spanned<String>>,
    /// Put handler stacks and load errors in 500 bodies (development only).
    #[serde(default)]
    pub expose_errors: bool,
    /// Bearer token the admin API's write endpoints (cache purge) require, from the
    /// environment or a file; without it they are refused.
    #[serde(default)]
    pub admin_token: Option<Spanned<SecretSource>>,
    /// MaxMind-format databases `request.cf`'s geolocation comes from (relative to the
    /// config's folder).
    #[serde(default)]
    pub geoip: Vec<Spanned<PathBuf>>,
}

fn default_admin() -> Option<SocketAddr> {
    Some(SocketAddr::from(([127, 0, 0, 1], 9901)))
}
fn default_max_connections() -> usize {
    10_000
}
fn default_max_requests_per_connection() -> u64 {
    10_000
}
fn default_header_timeout_ms() -> u64 {
    10_000
}
fn default_handshake_timeout_ms() -> u64 {
    10_000
}
fn default_idle_timeout_s() -> u64 {
    60
}
fn default_max_header_bytes() -> usize {
    32 * 1024
}
fn default_shutdown_timeout_s() -> u64 {
    30
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            http: None,
            https: None,
            admin: default_admin(),
            default_cert: None,
            unknown_sni: UnknownSni::Default,
            max_connections: default_max_connections(),
            max_requests_per_connection: default_max_requests_per_connection(),
            header_timeout_ms: default_header_timeout_ms(),
            handshake_timeout_ms: default_handshake_timeout_ms(),
            idle_timeout_s: default_idle_timeout_s(),
            max_header_bytes: default_max_header_bytes(),
            shutdown_timeout_s: default_shutdown_timeout_s(),
            trusted_proxies: Vec::new(),
            expose_errors: false,
            admin_token: None,
            geoip: Vec::new(),
        }
    }
}

impl ServerConfig {
    /// `header_timeout_ms` as a duration.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms)
    }

    /// `handshake_timeout_ms` as a duration.
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake_timeout_ms)
    }

    /// `idle_timeout_s` as a duration.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_s)
    }

    /// `shutdown_timeout_s` as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_s)
    }

    /// The geolocation databases, in config order.
    pub fn geoip_paths(&self) -> Vec<PathBuf> {
        self.geoip
            .iter()
            .map(|path| path.get_ref().clone())
            .collect()
    }

    /// The trusted proxy ranges (validated at load).
    pub fn trusted_proxy_nets(&self) -> Vec<IpNet> {
        self.trusted_proxies
            .iter()
            .filter_map(|net| parse_net(net.get_ref()))
            .collect()
    }
}

/// Parses a CIDR, or a bare address as a one-address range.
pub(super) fn parse_net(text: &str) -> Option<IpNet> {
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}
