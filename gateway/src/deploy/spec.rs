//! What the API is given, span-free: a tenant ([`TenantSpec`], the fields of a `[[tenants]]`
//! entry that do not name files on the gateway's disk) and a version's manifest
//! ([`Manifest`]). Parsed from JSON with the path of the field at fault, checked without
//! I/O by the same checks as `isogate.toml`, and turned into the [`TenantConfig`] the
//! routing table is built from.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde::Serialize;
use toml::Spanned;

use crate::config;
use crate::config::HstsConfig;
use crate::config::LimitsConfig;
use crate::config::LogLevelConfig;
use crate::config::RouteCacheConfig;
use crate::config::RouteConfig;
use crate::config::Stickiness;
use crate::config::TenantCacheConfig;
use crate::config::TenantConfig;
use crate::config::VersionShare;
use crate::routing::TenantRoutes;

/// What is wrong with a field of a request body: its path (`hosts[1]`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where in the body, as `a.b[2]` (empty: the body as a whole).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Parses a JSON body, naming the field at fault.
pub fn from_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, FieldError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let parsed: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let path = if path == "." { String::new() } else { path };
        FieldError::new(path, error.into_inner().to_string())
    })?;
    deserializer
        .end()
        .map_err(|error| FieldError::new("", error.to_string()))?;
    Ok(parsed)
}

/// A tenant given over the API.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TenantSpec {
    /// Host names served: exact or one-label wildcards (`*.acme.test`).
    pub hosts: Vec<String>,
    /// Resource limits (unset keys fall back to `[limits]`).
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Its share of the response cache.
    #[serde(default)]
    pub cache: TenantCacheConfig,
    /// Redirect plain-HTTP requests to HTTPS.
    #[serde(default)]
    pub https_only: bool,
    /// `Strict-Transport-Security` on its HTTPS answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hsts: Option<HstsConfig>,
    /// Let its handlers fetch loopback and private-network addresses.
    #[serde(default)]
    pub allow_private_net: bool,
    /// The least severe `console` level that reaches the log.
    #[serde(default)]
    pub log_level: LogLevelConfig,
    /// Isolates a handler may spread over when busy (default: every worker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_isolates: Option<usize>,
    /// Workers compatibility flags for every version (a version's manifest may add more).
    #[serde(default)]
    pub compatibility_flags: Vec<String>,
    /// Largest version upload, compressed, in MiB (default: `[store] max_version_mb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_version_mb: Option<u64>,
    /// What keeps one client on one version while a deployment splits traffic: `"client"`
    /// (its address, the default), `{ "header": NAME }` or `{ "cookie": NAME }`.
    #[serde(default)]
    pub stickiness: Stickiness,
}

impl TenantSpec {
    /// Checks the spec of tenant `name`; the warnings (flags isogate does not act on) when
    /// it is valid.
    pub fn check(&self, name: &str) -> Result<Vec<String>, FieldError> {
        config::check_name(name).map_err(|reason| FieldError::new("name", reason))?;
        if self.hosts.is_empty() {
            return Err(FieldError::new("hosts", "a tenant needs at least one host"));
        }
        let mut seen = BTreeSet::new();
        for (index, host) in self.hosts.iter().enumerate() {
            let normalized = host.to_ascii_lowercase();
            config::check_host(&normalized).map_err(|reason| {
                FieldError::new(
                    format!("hosts[{index}]"),
                    format!("invalid host {host:?}: {reason}"),
                )
            })?;
            if !seen.insert(normalized) {
                return Err(FieldError::new(
                    format!("hosts[{index}]"),
                    format!("duplicate host {host:?}"),
                ));
            }
        }
        if let Some(memory) = self.limits.memory_mb {
            if memory != 0 && memory < config::MIN_MEMORY_MB {
                return Err(FieldError::new(
                    "limits.memory_mb",
                    format!(
                        "below {}, the smallest memory an isolate starts in (0: no limit)",
                        config::MIN_MEMORY_MB
                    ),
                ));
            }
        }
        if self.max_isolates == Some(0) {
            return Err(FieldError::new(
                "max_isolates",
                "max_isolates is at least 1",
            ));
        }
        match &self.stickiness {
            Stickiness::Client => {}
            Stickiness::Header(name) => {
                if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return Err(FieldError::new(
                        "stickiness.header",
                        format!("{name:?} is not a header name"),
                    ));
                }
            }
            Stickiness::Cookie(name) => {
                let valid = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
                if !valid {
                    return Err(FieldError::new(
                        "stickiness.cookie",
                        format!("{name:?} is not a cookie name"),
                    ));
                }
            }
        }
        if self.max_version_mb == Some(0) {
            return Err(FieldError::new(
                "max_version_mb",
                "max_version_mb is at least 1",
            ));
        }
        Ok(self
            .compatibility_flags
            .iter()
            .filter_map(|flag| config::check_flag(flag).err())
            .collect())
    }

    /// The hosts, lower-cased as the router keeps them.
    pub fn normalized_hosts(&self) -> impl Iterator<Item = String> + '_ {
        self.hosts.iter().map(|host| host.to_ascii_lowercase())
    }
}

/// A version's manifest: what of its bundle serves which paths, with what.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The module serving every path when no routes are given, and routes without a
    /// handler of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<String>,
    /// Routes within the tenant, in matchit's pattern syntax.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteSpec>,
    /// Plain variables in the handler's `env`.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Workers compatibility flags of this version (added to the tenant's).
    #[serde(default)]
    pub compatibility_flags: Vec<String>,
    /// What the version is, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// A short label (a release number, a commit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// One route of a version.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// matchit pattern: `/users/{id}`, `/static/{*rest}`.
    pub path: String,
    /// Methods served (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// The module serving it, relative to the bundle's root (default: `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// How its responses are cached.
    #[serde(default)]
    pub cache: RouteCacheConfig,
}

/// Longest `message` or `tag`, in bytes.
const MOST_LABEL_BYTES: usize = 1024;

impl Manifest {
    /// Checks the manifest against the files its bundle has (`has`), and gives the routes
    /// it serves, each with its handler set. What is wrong names the manifest field.
    pub fn routes(&self, has: impl Fn(&str) -> bool) -> Result<Vec<RouteSpec>, FieldError> {
        for (field, text) in [("message", &self.message), ("tag", &self.tag)] {
            if text
                .as_ref()
                .is_some_and(|text| text.len() > MOST_LABEL_BYTES)
            {
                return Err(FieldError::new(field, "longer than 1024 bytes"));
            }
        }
        if let Some(main) = &self.main {
            check_module("main", main, &has)?;
        }
        let routes = if self.routes.is_empty() {
            let Some(main) = &self.main else {
                return Err(FieldError::new(
                    "routes",
                    "a version needs `main` or at least one route",
                ));
            };
            vec![RouteSpec {
                path: "/{*rest}".to_owned(),
                methods: None,
                handler: Some(main.clone()),
                cache: RouteCacheConfig::default(),
            }]
        } else {
            self.routes.clone()
        };
        let mut table = TenantRoutes::default();
        let mut resolved = Vec::with_capacity(routes.len());
        for (index, mut route) in routes.into_iter().enumerate() {
            let at = |field: &str| format!("routes[{index}].{field}");
            config::check_route_path(&route.path)
                .map_err(|reason| FieldError::new(at("path"), reason))?;
            if !route.path.starts_with('/') {
                return Err(FieldError::new(at("path"), "a route path starts with '/'"));
            }
            if let Some(methods) = &route.methods {
                if methods.is_empty() {
                    return Err(FieldError::new(
                        at("methods"),
                        "`methods` is empty; omit it to allow all",
                    ));
                }
                for (slot, method) in methods.iter().enumerate() {
                    config::check_method(method).map_err(|reason| {
                        FieldError::new(format!("{}[{slot}]", at("methods")), reason)
                    })?;
                }
            }
            let handler = match route.handler.take().or_else(|| self.main.clone()) {
                Some(handler) => handler,
                None => return Err(FieldError::new(at("handler"), "no handler, and no `main`")),
            };
            check_module(&at("handler"), &handler, &has)?;
            let methods = route_methods(&route);
            table
                .add(&route.path, methods.as_deref(), ())
                .map_err(|conflict| FieldError::new(at("path"), conflict.to_string()))?;
            route.handler = Some(handler);
            resolved.push(route);
        }
        if self.vars.contains_key("") {
            return Err(FieldError::new("vars", "a variable with an empty name"));
        }
        Ok(resolved)
    }
}

/// Checks that `module` is a handler module the bundle has.
fn check_module(field: &str, module: &str, has: &impl Fn(&str) -> bool) -> Result<(), FieldError> {
    let module = module.strip_prefix("./").unwrap_or(module);
    config::check_handler(Path::new(module)).map_err(|reason| FieldError::new(field, reason))?;
    if !has(module) {
        return Err(FieldError::new(
            field,
            format!("{module:?} is not in the bundle"),
        ));
    }
    Ok(())
}

fn route_methods(route: &RouteSpec) -> Option<Vec<http::Method>> {
    route.methods.as_ref().map(|methods| {
        methods
            .iter()
            .filter_map(|method| http::Method::from_bytes(method.as_bytes()).ok())
            .collect()
    })
}

/// What a tenant of the API runs: its spec, and the version serving it now.
#[derive(Debug, Clone)]
pub struct Served<'a> {
    /// The tenant's name.
    pub name: &'a str,
    /// Its spec.
    pub spec: &'a TenantSpec,
    /// The routes of the version, each handler relative to `root`.
    pub routes: &'a [RouteSpec],
    /// The version's variables.
    pub vars: &'a BTreeMap<String, String>,
    /// The version's own compatibility flags.
    pub flags: &'a [String],
    /// Where the version's bundle is mounted.
    pub root: &'a Path,
    /// The version's share of the live deployment (none while it is load-checked).
    pub share: Option<VersionShare>,
}

impl Served<'_> {
    /// The tenant as the routing table takes it.
    pub fn config(&self) -> TenantConfig {
        let unspanned = |text: &str| Spanned::new(0..0, text.to_owned());
        let mut flags: Vec<Spanned<String>> = self
            .spec
            .compatibility_flags
            .iter()
            .map(|flag| unspanned(flag))
            .collect();
        for flag in self.flags {
            if !self.spec.compatibility_flags.contains(flag) {
                flags.push(unspanned(flag));
            }
        }
        TenantConfig {
            name: unspanned(self.name),
            hosts: Spanned::new(
                0..0,
                self.spec
                    .normalized_hosts()
                    .map(|host| Spanned::new(0..0, host))
                    .collect(),
            ),
            env: self.vars.clone(),
            secrets: BTreeMap::new(),
            tls: None,
            https_only: self.spec.https_only,
            hsts: self.spec.hsts.clone(),
            limits: self.spec.limits.clone(),
            allow_private_net: self.spec.allow_private_net,
            log_level: self.spec.log_level,
            max_isolates: Spanned::new(0..0, self.spec.max_isolates.unwrap_or(usize::MAX)),
            cache: self.spec.cache.clone(),
            routes: self
                .routes
                .iter()
                .map(|route| RouteConfig {
                    path: unspanned(&route.path),
                    methods: route
                        .methods
                        .as_ref()
                        .map(|methods| methods.iter().map(|method| unspanned(method)).collect()),
                    handler: Spanned::new(
                        0..0,
                        self.root.join(route.handler.as_deref().unwrap_or_default()),
                    ),
                    cache: route.cache.clone(),
                })
                .collect(),
            project: None,
            compatibility_flags: flags,
            span: 0..0,
            version: self.share.clone(),
            stickiness: self.spec.stickiness.clone(),
        }
    }
}
