//! `[[tenants]]`: who a tenant is (name, hosts), what runs (routes → handler modules), with
//! what (env, secrets, certificate) and under which limits.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::path::PathBuf;
use std::time::Duration;

use http::Method;
use isogate_runtime::Limits;
use isogate_runtime::LogLevel;
use serde::Deserialize;
use serde::Serialize;
use toml::Spanned;

use super::Problems;
use crate::routing::TenantRoutes;

/// One tenant as configured.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// Unique name; appears in logs and metrics.
    pub name: Spanned<String>,
    /// Host names served: exact (`acme.test`) or one-label wildcards (`*.acme.test`).
    pub hosts: Spanned<Vec<Spanned<String>>>,
    /// Plain variables in the handler's `env`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Secret variables in the handler's `env`, read from the host's environment or a file.
    #[serde(default)]
    pub secrets: BTreeMap<String, Spanned<SecretSource>>,
    /// The tenant's certificate for the HTTPS listener.
    #[serde(default)]
    pub tls: Option<TlsFilesConfig>,
    /// Answer plain-HTTP requests with a 308 redirect to the same URL over HTTPS.
    #[serde(default)]
    pub https_only: bool,
    /// `Strict-Transport-Security` on the tenant's HTTPS answers.
    #[serde(default)]
    pub hsts: Option<HstsConfig>,
    /// Resource limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Let handlers fetch loopback and private-network addresses.
    #[serde(default)]
    pub allow_private_net: bool,
    /// The least severe `console` level of the tenant's handlers that reaches the log.
    #[serde(default)]
    pub log_level: LogLevelConfig,
    /// Isolates a handler may spread over when busy, each on a worker of its own (default:
    /// every worker); a quiet handler keeps to one.
    #[serde(default = "every_worker")]
    pub max_isolates: Spanned<usize>,
    /// The tenant's share of the response cache.
    #[serde(default)]
    pub cache: TenantCacheConfig,
    /// Routes, matched in matchit's priority order (static beats parameter beats catch-all).
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
    /// A wrangler project folder: its `main` serves every path when no routes are given,
    /// and its `vars` join `env` (where `env` does not set them) and its
    /// `compatibility_flags` these.
    #[serde(default)]
    pub project: Option<Spanned<PathBuf>>,
    /// Workers compatibility flags: `nodejs_compat` lets handlers import Node.js built-ins.
    #[serde(default)]
    pub compatibility_flags: Vec<Spanned<String>>,
    /// Where the tenant's table is in the file.
    #[serde(skip)]
    pub span: Range<usize>,
    /// For a tenant of the API: which of its deployed versions this entry serves, and its
    /// share (entries of one tenant's versions follow each other).
    #[serde(skip)]
    pub version: Option<VersionShare>,
    /// For a tenant of the API with several versions deployed: what keeps one client on
    /// one version.
    #[serde(skip)]
    pub stickiness: Stickiness,
}

/// One deployed version's share of its tenant's requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionShare {
    /// The version's id.
    pub id: u64,
    /// Its share, in percent.
    pub percentage: u8,
    /// The deployment giving it the share.
    pub deployment: u64,
}

/// What a request's version is chosen by when a deployment splits traffic: a hash of it, so
/// that one client stays on one version.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Stickiness {
    /// The client's address (behind trusted proxies, the address they report).
    #[default]
    Client,
    /// A request header's value (the client address when it is absent).
    Header(String),
    /// A cookie's value (the client address when it is absent).
    Cookie(String),
}

/// No cap of its own: the pool's worker count bounds it.
fn every_worker() -> Spanned<usize> {
    Spanned::new(0..0, usize::MAX)
}

/// A tenant's `hsts`: how long browsers keep to HTTPS for its hosts (RFC 6797).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HstsConfig {
    /// `max-age`, in seconds.
    pub max_age_s: u64,
    /// `includeSubDomains`.
    #[serde(default)]
    pub include_subdomains: bool,
    /// `preload`.
    #[serde(default)]
    pub preload: bool,
}

impl HstsConfig {
    /// The header value.
    pub fn value(&self) -> String {
        let mut value = format!("max-age={}", self.max_age_s);
        if self.include_subdomains {
            value.push_str("; includeSubDomains");
        }
        if self.preload {
            value.push_str("; preload");
        }
        value
    }
}

/// A tenant's `cache`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TenantCacheConfig {
    /// Whether its responses are cached at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Bytes its entries take at most (default: the whole cache's `max_bytes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<u64>,
    /// Whether a client's `Cache-Control: no-cache` (or `Pragma: no-cache`) sends the
    /// request to the handler instead of the cache.
    #[serde(default)]
    pub honor_client_no_cache: bool,
}

fn yes() -> bool {
    true
}

impl Default for TenantCacheConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_bytes: None,
            honor_client_no_cache: false,
        }
    }
}

/// A route's `cache`: overrides of what the handler's headers say.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteCacheConfig {
    /// Freshness of every storable response of the route, in seconds, whatever its
    /// `Cache-Control` says (`no-store` and `private` are still honoured).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_s: Option<u64>,
    /// Neither look up nor store the route's responses.
    #[serde(default)]
    pub bypass: bool,
    /// Sort the query parameters in the cache key.
    #[serde(default)]
    pub sort_query: bool,
}

impl RouteCacheConfig {
    /// The policy the cache applies.
    pub fn policy(&self) -> crate::cache::RoutePolicy {
        crate::cache::RoutePolicy {
            ttl: self.ttl_s.map(Duration::from_secs),
            bypass: self.bypass,
            sort_query: self.sort_query,
        }
    }
}

/// A tenant's `log_level`.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogLevelConfig {
    /// Everything.
    #[default]
    Debug,
    /// `console.log` / `console.info` and up.
    Info,
    /// Warnings and errors.
    Warn,
    /// Errors only.
    Error,
    /// Nothing.
    Off,
}

impl From<LogLevelConfig> for LogLevel {
    fn from(level: LogLevelConfig) -> Self {
        match level {
            LogLevelConfig::Debug => Self::Debug,
            LogLevelConfig::Info => Self::Info,
            LogLevelConfig::Warn => Self::Warn,
            LogLevelConfig::Error => Self::Error,
            LogLevelConfig::Off => Self::Off,
        }
    }
}

/// Where a secret's value comes from.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum SecretSource {
    /// A variable of isogate's own environment.
    Env(String),
    /// A file's contents (trailing newline removed); relative to the config file.
    File(PathBuf),
}

/// A certificate chain and its private key, PEM files.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFilesConfig {
    /// The certificate chain, leaf first.
    pub cert: Spanned<PathBuf>,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Spanned<PathBuf>,
}

/// CPU time per request when neither the tenant nor `[limits]` sets `cpu_ms`.
pub const DEFAULT_CPU_MS: u64 = 1_000;
/// Memory of an isolate when neither the tenant nor `[limits]` sets `memory_mb`.
pub const DEFAULT_MEMORY_MB: u64 = 128;
/// Whole-request deadline when neither the tenant nor `[limits]` sets `wall_ms`.
pub const DEFAULT_WALL_MS: u64 = 30_000;
/// The smallest `memory_mb` accepted: V8 cannot restore an isolate from the snapshot in a
/// heap under 8 MiB (measured), and a handler needs some room of its own.
pub const MIN_MEMORY_MB: u64 = 10;

/// Per-tenant limits (each unset key falls back to the top-level `[limits]`, then to the
/// defaults above; `0` for `cpu_ms`, `memory_mb` or `wall_ms` is no limit at all).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// CPU time a request's JS may use, per uninterrupted run and over all its runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<u64>,
    /// Memory of the tenant's isolate: its heap, and its ArrayBuffer and Wasm memory.
    #[serde(
        default,
        deserialize_with = "memory_mb",
        skip_serializing_if = "Option::is_none"
    )]
    pub memory_mb: Option<u64>,
    /// Whole-request deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<u64>,
    /// Requests in flight at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// Outbound fetches per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_subrequests: Option<u32>,
    /// Largest request body accepted (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_mb: Option<u64>,
}

impl LimitsConfig {
    /// These limits, with every unset key taken from `defaults`.
    pub fn or(&self, defaults: &Self) -> Self {
        Self {
            cpu_ms: self.cpu_ms.or(defaults.cpu_ms),
            memory_mb: self.memory_mb.or(defaults.memory_mb),
            wall_ms: self.wall_ms.or(defaults.wall_ms),
            max_concurrency: self.max_concurrency.or(defaults.max_concurrency),
            max_subrequests: self.max_subrequests.or(defaults.max_subrequests),
            body_mb: self.body_mb.or(defaults.body_mb),
        }
    }

    /// The limits the runtime enforces: the defaults where unset, none where `0`.
    pub fn runtime(&self) -> Limits {
        Limits {
            cpu: finite(self.cpu_ms, DEFAULT_CPU_MS).map(Duration::from_millis),
            memory: finite(self.memory_mb, DEFAULT_MEMORY_MB).map(|mb| mb.saturating_mul(1 << 20)),
            wall: self.wall(),
            subrequests: self.max_subrequests,
        }
    }

    /// Largest request body in bytes.
    pub fn max_body_bytes(&self) -> u64 {
        self.body_mb.unwrap_or(100).saturating_mul(1024 * 1024)
    }

    /// The wall-clock limit: the default where unset, none where `0`.
    pub fn wall(&self) -> Option<Duration> {
        finite(self.wall_ms, DEFAULT_WALL_MS).map(Duration::from_millis)
    }
}

/// `value`, or `default` when unset; `None` (no limit) when it is `0`.
fn finite(value: Option<u64>, default: u64) -> Option<u64> {
    Some(value.unwrap_or(default)).filter(|limit| *limit > 0)
}

/// `memory_mb`, refused below the smallest heap an isolate starts in.
fn memory_mb<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    let value = u64::deserialize(deserializer)?;
    if value != 0 && value < MIN_MEMORY_MB {
        return Err(serde::de::Error::custom(format!(
            "memory_mb = {value} is below {MIN_MEMORY_MB}, the smallest memory an isolate starts \
             in (0: no limit)"
        )));
    }
    Ok(Some(value))
}

/// One route: a path pattern, optionally some methods, and the module that serves them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// matchit pattern: `/users/{id}`, `/static/{*rest}`.
    pub path: Spanned<String>,
    /// Methods served (default: all).
    #[serde(default)]
    pub methods: Option<Vec<Spanned<String>>>,
    /// Handler module, relative to the config file.
    pub handler: Spanned<PathBuf>,
    /// How the route's responses are cached.
    #[serde(default)]
    pub cache: RouteCacheConfig,
}

impl RouteConfig {
    /// The methods as `http::Method`s (invalid ones were rejected at load).
    pub fn method_list(&self) -> Option<Vec<Method>> {
        self.methods.as_ref().map(|methods| {
            methods
                .iter()
                .filter_map(|method| Method::from_bytes(method.get_ref().as_bytes()).ok())
                .collect()
        })
    }
}

impl TenantConfig {
    pub(super) fn with_span(mut self, span: Range<usize>) -> Self {
        self.span = span;
        self
    }

    /// Takes what the tenant's wrangler `project` says: a catch-all route to its `main`
    /// when the tenant has no routes, and its `vars`; what isogate does not act on is a
    /// warning. (Paths are already absolute.)
    pub(super) fn apply_project(&mut self, problems: &mut Problems<'_>) {
        let Some(folder) = &self.project else {
            return;
        };
        let span = folder.span();
        let project = match crate::wrangler::load(folder.get_ref()) {
            Ok(project) => project,
            Err(error) => {
                problems.at(span, error);
                return;
            }
        };
        for line in &project.unsupported {
            problems.warn_at(
                span.clone(),
                format!("{}: {line}", project.config.display()),
            );
        }
        for (name, value) in project.vars {
            self.env.entry(name).or_insert(value);
        }
        for flag in project.compatibility_flags {
            if !self
                .compatibility_flags
                .iter()
                .any(|own| *own.get_ref() == flag)
            {
                self.compatibility_flags
                    .push(Spanned::new(span.clone(), flag));
            }
        }
        if self.routes.is_empty() {
            self.routes.push(RouteConfig {
                path: Spanned::new(span.clone(), "/{*rest}".to_owned()),
                methods: None,
                handler: Spanned::new(span, project.main),
                cache: RouteCacheConfig::default(),
            });
        }
    }

    /// Whether its handlers may import Node.js built-ins.
    pub fn node_compat(&self) -> bool {
        self.compatibility_flags
            .iter()
            .any(|flag| NODE_FLAGS.contains(&flag.get_ref().as_str()))
    }

    /// Makes the handler, certificate, secret and project paths absolute against `base`.
    pub(super) fn resolve_paths(&mut self, base: &Path) {
        let resolve = |path: &mut PathBuf| {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        };
        for route in &mut self.routes {
            resolve(route.handler.get_mut());
        }
        if let Some(project) = &mut self.project {
            resolve(project.get_mut());
        }
        if let Some(tls) = &mut self.tls {
            resolve(tls.cert.get_mut());
            resolve(tls.key.get_mut());
        }
        for secret in self.secrets.values_mut() {
            if let SecretSource::File(path) = secret.get_mut() {
                resolve(path);
            }
        }
    }
}

/// The compatibility flags that turn Node.js built-ins on.
pub(crate) const NODE_FLAGS: &[&str] = &["nodejs_compat", "nodejs_compat_v2"];

/// Handler module extensions the loader understands.
const HANDLER_EXTENSIONS: &[&str] = &["js", "mjs", "ts", "mts", "jsx", "tsx"];

/// Checks names, hosts and routes across all tenants.
pub(super) fn validate(problems: &mut Problems<'_>, tenants: &[TenantConfig]) {
    let mut names: HashMap<&str, ()> = HashMap::new();
    let mut hosts: HashMap<String, &str> = HashMap::new();
    for tenant in tenants {
        let name = tenant.name.get_ref();
        if let Err(reason) = check_name(name) {
            problems.at(tenant.name.span(), reason);
        } else if names.insert(name, ()).is_some() {
            problems.at(
                tenant.name.span(),
                format!("duplicate tenant name {name:?}"),
            );
        }

        if tenant.hosts.get_ref().is_empty() {
            problems.at(tenant.hosts.span(), "a tenant needs at least one host");
        }
        for host in tenant.hosts.get_ref() {
            let normalized = host.get_ref().to_ascii_lowercase();
            if let Err(reason) = check_host(&normalized) {
                problems.at(
                    host.span(),
                    format!("invalid host {:?}: {reason}", host.get_ref()),
                );
            } else if let Some(owner) = hosts.insert(normalized, name) {
                problems.at(
                    host.span(),
                    format!(
                        "duplicate host {:?} (also served by tenant {owner:?})",
                        host.get_ref()
                    ),
                );
            }
        }

        for flag in &tenant.compatibility_flags {
            if let Err(warning) = check_flag(flag.get_ref()) {
                problems.warn_at(flag.span(), warning);
            }
        }

        if *tenant.max_isolates.get_ref() == 0 {
            problems.at(tenant.max_isolates.span(), "max_isolates is at least 1");
        }

        if tenant.routes.is_empty() {
            problems.at(
                tenant.span.clone(),
                "a tenant needs at least one [[tenants.routes]]",
            );
        }
        validate_routes(problems, &tenant.routes);
    }
}

fn validate_routes(problems: &mut Problems<'_>, routes: &[RouteConfig]) {
    let mut table = TenantRoutes::default();
    for route in routes {
        let mut methods_ok = true;
        for method in route.methods.iter().flatten() {
            if let Err(reason) = check_method(method.get_ref()) {
                methods_ok = false;
                problems.at(method.span(), reason);
            }
        }
        if route.methods.as_ref().is_some_and(Vec::is_empty) {
            methods_ok = false;
            if let Some(first) = route.methods.as_ref().and_then(|m| m.first()) {
                problems.at(first.span(), "an empty method list routes nothing");
            } else {
                problems.at(
                    route.path.span(),
                    "`methods` is empty; omit it to allow all",
                );
            }
        }
        if let Err(reason) = check_handler(route.handler.get_ref()) {
            problems.at(route.handler.span(), reason);
        }
        if let Err(reason) = check_route_path(route.path.get_ref()) {
            problems.at(route.path.span(), reason);
        }
        if methods_ok {
            let methods = route.method_list();
            if let Err(conflict) = table.add(route.path.get_ref(), methods.as_deref(), ()) {
                problems.at(route.path.span(), conflict.to_string());
            }
        }
    }
}

/// Whether `name` is 1 to 64 letters, digits, `-` or `_` (tenants, tokens, secrets).
pub(crate) fn is_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a tenant name: 1 to 64 letters, digits, `-` or `_`.
pub(crate) fn check_name(name: &str) -> Result<(), &'static str> {
    if is_label(name) {
        Ok(())
    } else {
        Err("a tenant name is 1 to 64 letters, digits, '-' or '_'")
    }
}

/// A warning for a compatibility flag isogate does not act on.
pub(crate) fn check_flag(flag: &str) -> Result<(), String> {
    if crate::wrangler::FLAGS.contains(&flag) {
        Ok(())
    } else {
        Err(format!(
            "compatibility flag `{flag}` is not supported by isogate"
        ))
    }
}

/// Checks a route's method: an upper-case HTTP token.
pub(crate) fn check_method(text: &str) -> Result<(), String> {
    let valid = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_uppercase())
        && Method::from_bytes(text.as_bytes()).is_ok();
    if valid {
        Ok(())
    } else {
        Err(format!(
            "invalid method {text:?} (use upper case, e.g. \"GET\")"
        ))
    }
}

/// Checks that a route's handler is a module the loader understands.
pub(crate) fn check_handler(handler: &Path) -> Result<(), String> {
    let extension = handler
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or("");
    if HANDLER_EXTENSIONS.contains(&extension) {
        Ok(())
    } else {
        Err(format!(
            "handler {} must be a .js, .mjs, .ts, .mts, .jsx or .tsx module",
            handler.display()
        ))
    }
}

/// Checks a route's path pattern for Express-style parameters, which would match literally.
pub(crate) fn check_route_path(path: &str) -> Result<(), String> {
    match express_parameter(path) {
        Some(segment) => Err(format!(
            "`{segment}` would match the text {segment:?} only: route parameters are written \
             `{{{}}}`",
            &segment[1..]
        )),
        None => Ok(()),
    }
}

/// The first segment of `path` written as an Express-style parameter (`:id`), which the
/// router would match literally. A colon inside a segment (`/items:batchGet`) is left alone.
fn express_parameter(path: &str) -> Option<&str> {
    path.split('/').find(|segment| {
        segment.len() > 1
            && segment.starts_with(':')
            && segment[1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// A host name as configured: DNS labels, optionally one leading `*.`, no port.
pub(crate) fn check_host(host: &str) -> Result<(), &'static str> {
    let name = host.strip_prefix("*.").unwrap_or(host);
    if name.is_empty() || name.len() > 253 {
        return Err("empty or too long");
    }
    if name.contains(':') {
        return Err("hosts carry no port");
    }
    for label in name.split('.') {
        let valid = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !valid {
            return Err("each label is 1 to 63 letters, digits or '-'; only a leading '*.' may be a wildcard");
        }
    }
    Ok(())
}
