//! The gateway's declarative configuration: `isogate.toml` read, parsed and validated.
//!
//! Parsing is done part by part (`[server]`, then each `[[tenants]]` entry) so that one bad
//! tenant does not hide the errors of the next: `isogate check` reports them all. Every
//! error names the file, line, column and key (`tenants[1].routes[0].path`).
//!
//! - `mod.rs`: [`GatewayConfig`], loading and the error types.
//! - `server.rs`: [`ServerConfig`] (`[server]`).
//! - `store.rs`: [`StoreConfig`] (`[store]`).
//! - `tenant.rs`: [`TenantConfig`], [`RouteConfig`], [`LimitsConfig`] and their checks.
//! - `files.rs`: the files a config names (handlers, certificates, secrets) are really there.

mod files;
mod server;
mod store;
mod tenant;

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::path::PathBuf;

use serde::de::IntoDeserializer;
use serde::Deserialize;
use toml::de::DeTable;
use toml::de::DeValue;
use toml::Spanned;

pub use files::admin_token;
pub use files::read_secret;
pub use files::resolve_secrets;
use server::parse_net;
pub use server::ServerConfig;
pub use server::UnknownSni;
pub use store::StoreConfig;
pub(crate) use tenant::check_flag;
pub(crate) use tenant::check_handler;
pub(crate) use tenant::check_host;
pub(crate) use tenant::check_method;
pub(crate) use tenant::check_name;
pub(crate) use tenant::check_route_path;
pub(crate) use tenant::is_label;
pub use tenant::HstsConfig;
pub use tenant::LimitsConfig;
pub use tenant::LogLevelConfig;
pub use tenant::RouteCacheConfig;
pub use tenant::RouteConfig;
pub use tenant::SecretSource;
pub use tenant::Stickiness;
pub use tenant::TenantCacheConfig;
pub use tenant::TenantConfig;
pub use tenant::TlsFilesConfig;
pub use tenant::VersionShare;
pub use tenant::DEFAULT_CPU_MS;
pub use tenant::DEFAULT_MEMORY_MB;
pub use tenant::DEFAULT_WALL_MS;
pub use tenant::MIN_MEMORY_MB;
pub(crate) use tenant::NODE_FLAGS;

/// The whole configuration file, parsed and validated.
#[derive(Clone, Debug)]
pub struct GatewayConfig {
    /// The file it was read from.
    pub file: PathBuf,
    /// Listeners, connection protection and TLS defaults.
    pub server: ServerConfig,
    /// Limits of every tenant that does not set its own (`[limits]`).
    pub limits: LimitsConfig,
    /// The isolate pool (`[pool]`).
    pub pool: PoolConfig,
    /// The response cache (`[cache]`).
    pub cache: CacheConfig,
    /// Where the API's state is kept (`[store]`).
    pub store: StoreConfig,
    /// The tenants, in file order.
    pub tenants: Vec<TenantConfig>,
}

/// `[pool]`: the worker threads that host isolates, and when isolates are retired.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PoolConfig {
    /// Worker threads (default: one per core; `--workers` overrides).
    #[serde(default)]
    pub workers: Option<usize>,
    /// Warm spare isolates each worker keeps ready (`--spares` overrides).
    #[serde(default = "default_spares")]
    pub spares: usize,
    /// Live isolates one worker keeps at most; past it the least recently used idle one is
    /// evicted (default: no cap).
    #[serde(default)]
    pub isolates_per_worker: Option<usize>,
    /// An isolate with no request for this long is discarded until the next one (0: never).
    #[serde(default = "default_isolate_idle_s")]
    pub idle_timeout_s: u64,
    /// An isolate is replaced by a fresh one after serving this many requests.
    #[serde(default)]
    pub recycle_after_requests: Option<u64>,
    /// An idle isolate whose heap has grown past this is replaced by a fresh one.
    #[serde(default)]
    pub recycle_heap_mb: Option<u64>,
    /// Meter every tenant's CPU time for usage figures (two clock reads per event-loop turn).
    #[serde(default = "yes")]
    pub meter_cpu: bool,
    /// Where tenants' isolates run: sandboxed worker processes, or threads of the gateway.
    #[serde(default)]
    pub isolation: Isolation,
    /// Worker processes (default: one per core; `--workers` overrides).
    #[serde(default)]
    pub processes: Option<usize>,
    /// Resident memory one worker process may reach before it is ended and restarted
    /// (default: 4096).
    #[serde(default = "default_process_rss_mb")]
    pub process_rss_mb: u64,
    /// Whether worker processes enter their sandbox (seccomp, no_new_privs, Landlock).
    #[serde(default = "yes")]
    pub sandbox: bool,
    /// Seconds a cordoned tenant must go without a crash or a CPU-limit stop to be let
    /// back among its neighbours (default 600; `0`: never).
    #[serde(default = "default_cordon_parole_s")]
    pub cordon_parole_s: u64,
}

fn default_cordon_parole_s() -> u64 {
    600
}

/// Where tenants' isolates run.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Isolation {
    /// In sandboxed worker processes: a crash or abort ends one process, not the gateway.
    #[default]
    Process,
    /// On worker threads of the gateway process: faster to reach, but a V8 abort (some
    /// out-of-memory paths) ends the whole gateway. For trusted, single-tenant use.
    Thread,
}

fn default_process_rss_mb() -> u64 {
    4096
}

fn yes() -> bool {
    true
}

fn default_spares() -> usize {
    2
}
fn default_isolate_idle_s() -> u64 {
    300
}

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            workers: None,
            spares: default_spares(),
            isolates_per_worker: None,
            idle_timeout_s: default_isolate_idle_s(),
            recycle_after_requests: None,
            recycle_heap_mb: None,
            meter_cpu: true,
            isolation: Isolation::default(),
            processes: None,
            process_rss_mb: default_process_rss_mb(),
            sandbox: true,
            cordon_parole_s: default_cordon_parole_s(),
        }
    }
}

/// `[cache]`: the response cache shared by every tenant.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Bytes the cache holds at most, over all tenants (responses, headers and keys).
    #[serde(default = "default_cache_bytes")]
    pub max_bytes: u64,
    /// Largest response stored, in bytes; larger ones are passed through.
    #[serde(default = "default_cache_object_bytes")]
    pub max_object_bytes: u64,
}

fn default_cache_bytes() -> u64 {
    256 * 1024 * 1024
}
fn default_cache_object_bytes() -> u64 {
    8 * 1024 * 1024
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            max_bytes: default_cache_bytes(),
            max_object_bytes: default_cache_object_bytes(),
        }
    }
}

/// One problem in a configuration file, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when the problem has no place in the file).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The dotted key path, e.g. `tenants[0].routes[1].path` (empty for the whole file).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a configuration file, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Collects located errors against one file's text.
pub(crate) struct Problems<'a> {
    file: &'a Path,
    text: &'a str,
    root: Option<&'a DeTable<'a>>,
    found: Vec<(usize, ConfigError)>,
    /// Secrets that cannot be read are warnings, not errors (checking a config on a machine
    /// without the production secrets).
    lenient_secrets: bool,
    warnings: Vec<ConfigError>,
}

impl<'a> Problems<'a> {
    fn new(file: &'a Path, text: &'a str) -> Self {
        Self {
            file,
            text,
            root: None,
            found: Vec::new(),
            lenient_secrets: false,
            warnings: Vec::new(),
        }
    }

    /// Records `message` about the value at `span` as a warning: the file is still taken.
    pub(crate) fn warn_at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let key = self
            .root
            .map(|root| key_path(root, &span))
            .unwrap_or_default();
        let (line, column) = line_column(self.text, span.start);
        self.warnings.push(ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            key,
            message: message.into(),
        });
    }

    /// Records that a secret at `span` cannot be read: an error, or a warning when secrets
    /// are checked leniently.
    pub(crate) fn secret_at(&mut self, span: Range<usize>, message: impl Into<String>) {
        if self.lenient_secrets {
            self.warn_at(span, message);
        } else {
            self.at(span, message);
        }
    }

    /// Records `message` about the value at `span`; the key path is found from the span.
    pub(crate) fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let key = self
            .root
            .map(|root| key_path(root, &span))
            .unwrap_or_default();
        self.at_key(span, key, message);
    }

    /// Records `message` about `key` at `span`.
    pub(crate) fn at_key(&mut self, span: Range<usize>, key: String, message: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.found.push((
            span.start,
            ConfigError {
                file: self.file.to_path_buf(),
                line,
                column,
                key,
                message: message.into(),
            },
        ));
    }

    fn into_result<T>(mut self, value: T) -> Result<T, ConfigErrors> {
        if self.found.is_empty() {
            return Ok(value);
        }
        self.found.sort_by_key(|(start, _)| *start);
        Err(ConfigErrors(
            self.found.into_iter().map(|(_, error)| error).collect(),
        ))
    }
}

/// Reads, parses and validates the configuration at `file`, including the files it names.
pub fn load(file: &Path) -> Result<GatewayConfig, ConfigErrors> {
    load_with(file, false).map(|(config, warnings)| {
        for warning in warnings {
            tracing::warn!("{warning}");
        }
        config
    })
}

/// As [`load`]; with `lenient_secrets`, secrets that cannot be read are returned as
/// warnings instead of failing the file.
pub fn load_with(
    file: &Path,
    lenient_secrets: bool,
) -> Result<(GatewayConfig, Vec<ConfigError>), ConfigErrors> {
    let text = std::fs::read_to_string(file).map_err(|error| {
        ConfigErrors(vec![ConfigError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read the file: {error}"),
        }])
    })?;
    parse_with(file, &text, lenient_secrets)
}

/// Parses and validates configuration `text` read from `file`; relative paths in it resolve
/// against the file's folder.
pub fn parse(file: &Path, text: &str) -> Result<GatewayConfig, ConfigErrors> {
    parse_with(file, text, false).map(|(config, _)| config)
}

fn parse_with(
    file: &Path,
    text: &str,
    lenient_secrets: bool,
) -> Result<(GatewayConfig, Vec<ConfigError>), ConfigErrors> {
    let root = match DeTable::parse(text) {
        Ok(root) => root.into_inner(),
        Err(error) => {
            let mut problems = Problems::new(file, text);
            problems.at(error.span().unwrap_or(0..0), error.message());
            return problems
                .into_result(GatewayConfig {
                    file: file.to_path_buf(),
                    server: ServerConfig::default(),
                    limits: LimitsConfig::default(),
                    pool: PoolConfig::default(),
                    cache: CacheConfig::default(),
                    store: StoreConfig::default(),
                    tenants: Vec::new(),
                })
                .map(|config| (config, Vec::new()));
        }
    };
    let mut problems = Problems::new(file, text);
    problems.root = Some(&root);
    problems.lenient_secrets = lenient_secrets;

    let mut server = ServerConfig::default();
    let mut limits = LimitsConfig::default();
    let mut pool = PoolConfig::default();
    let mut cache = CacheConfig::default();
    let mut store = StoreConfig::default();
    let mut tenants = Vec::new();
    for (key, value) in root.iter() {
        match key.get_ref().as_ref() {
            "server" => {
                if let Some(parsed) = deserialize::<ServerConfig>(&mut problems, value) {
                    server = parsed;
                }
            }
            "limits" => {
                if let Some(parsed) = deserialize::<LimitsConfig>(&mut problems, value) {
                    limits = parsed;
                }
            }
            "pool" => {
                if let Some(parsed) = deserialize::<PoolConfig>(&mut problems, value) {
                    pool = parsed;
                }
            }
            "cache" => {
                if let Some(parsed) = deserialize::<CacheConfig>(&mut problems, value) {
                    cache = parsed;
                }
            }
            "store" => {
                if let Some(parsed) = deserialize::<StoreConfig>(&mut problems, value) {
                    store = parsed;
                }
            }
            "tenants" => match value.get_ref() {
                DeValue::Array(entries) => {
                    for entry in entries.iter() {
                        if let Some(tenant) = deserialize::<TenantConfig>(&mut problems, entry) {
                            tenants.push(tenant.with_span(entry.span()));
                        }
                    }
                }
                _ => problems.at(value.span(), "expected an array of tables ([[tenants]])"),
            },
            other => problems.at_key(
                key.span(),
                other.to_owned(),
                "unknown key, expected `server`, `limits`, `pool`, `cache`, `store` or `tenants`",
            ),
        }
    }

    let base = file
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    // Canonical, so that file-change events (which carry canonical paths) match handlers.
    let base = base.canonicalize().unwrap_or(base);
    for tenant in &mut tenants {
        tenant.resolve_paths(&base);
        tenant.apply_project(&mut problems);
    }
    if let Some(token) = &mut server.admin_token {
        if let SecretSource::File(path) = token.get_mut() {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }
    for database in &mut server.geoip {
        if database.get_ref().is_relative() {
            *database.get_mut() = base.join(database.get_ref());
        }
    }
    if let Some(key) = &mut store.secret_key {
        if let SecretSource::File(path) = key.get_mut() {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }
    for (span, message) in store.problems() {
        problems.at(span, message);
    }
    if let (Some(key), Err(message)) = (&store.secret_key, store.secret_key_bytes()) {
        problems.secret_at(key.span(), message);
    }
    validate_server(&mut problems, &server, &tenants);
    tenant::validate(&mut problems, &tenants);
    files::check(&mut problems, &server, &tenants);
    let warnings = std::mem::take(&mut problems.warnings);
    problems
        .into_result(GatewayConfig {
            file: file.to_path_buf(),
            server,
            limits,
            pool,
            cache,
            store,
            tenants,
        })
        .map(|config| (config, warnings))
}

/// Deserializes one part of the file, reporting every problem in it: serde stops at the first
/// one, so after each the offending entry is dropped and the rest is tried again. What remains
/// is returned (the file is rejected anyway) so that the checks across parts still run.
fn deserialize<T: for<'de> Deserialize<'de>>(
    problems: &mut Problems<'_>,
    value: &Spanned<DeValue<'_>>,
) -> Option<T> {
    const MOST_PROBLEMS_PER_PART: usize = 32;
    let whole = value.span();
    let mut value = value.clone();
    for _ in 0..MOST_PROBLEMS_PER_PART {
        match T::deserialize(value.clone().into_deserializer()) {
            Ok(parsed) => return Some(parsed),
            Err(error) => {
                let span = error.span().unwrap_or_else(|| whole.clone());
                problems.at(span.clone(), error.message());
                if !drop_entry(&mut value, &span) {
                    return None;
                }
            }
        }
    }
    None
}

/// Removes the (deepest) table entry the problem at `span` is about; false if there is none.
fn drop_entry(value: &mut Spanned<DeValue<'_>>, span: &Range<usize>) -> bool {
    match value.get_mut() {
        DeValue::Table(table) => {
            let mut hit = None;
            for (key, child) in table.iter() {
                if contains(&key.span(), span) {
                    hit = Some((key.get_ref().to_string(), false));
                    break;
                }
                if search_value(child, span).is_some() {
                    hit = Some((key.get_ref().to_string(), true));
                    break;
                }
            }
            let Some((key, descend)) = hit else {
                return false;
            };
            if descend {
                if let Some(child) = table.get_mut(key.as_str()) {
                    if drop_entry(child, span) {
                        return true;
                    }
                }
            }
            table.remove(key.as_str()).is_some()
        }
        DeValue::Array(items) => items.iter_mut().any(|item| drop_entry(item, span)),
        _ => false,
    }
}

fn validate_server(problems: &mut Problems<'_>, server: &ServerConfig, tenants: &[TenantConfig]) {
    if server.http.is_none() && server.https.is_none() {
        problems.at_key(
            0..0,
            "server".to_owned(),
            "no listener: set `http`, `https` or both",
        );
    }
    for net in &server.trusted_proxies {
        if parse_net(net.get_ref()).is_none() {
            problems.at(
                net.span(),
                format!("{:?} is not an IP address or CIDR", net.get_ref()),
            );
        }
    }
    if server.https.is_some() && !tenants.iter().any(|tenant| tenant.tls.is_some()) {
        problems.at_key(
            0..0,
            "server.https".to_owned(),
            "an HTTPS listener needs at least one tenant with `tls`",
        );
    }
    for (index, tenant) in tenants.iter().enumerate() {
        let wants_https = tenant.https_only || tenant.hsts.is_some();
        if wants_https && (server.https.is_none() || tenant.tls.is_none()) {
            let key = if tenant.https_only {
                "https_only"
            } else {
                "hsts"
            };
            problems.at_key(
                tenant.span.clone(),
                format!("tenants[{index}].{key}"),
                format!(
                    "tenant {:?}: `{key}` needs the HTTPS listener (`server.https`) and the \
                     tenant's own `tls` certificate",
                    tenant.name.get_ref()
                ),
            );
        }
    }
    if let Some(name) = &server.default_cert {
        let owner = tenants
            .iter()
            .find(|tenant| tenant.name.get_ref() == name.get_ref());
        match owner {
            None => problems.at(
                name.span(),
                format!("no tenant is named {:?}", name.get_ref()),
            ),
            Some(tenant) if tenant.tls.is_none() => problems.at(
                name.span(),
                format!("tenant {:?} has no `tls` certificate", name.get_ref()),
            ),
            Some(_) => {}
        }
    }
}

/// The 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The dotted path of the deepest key whose key or value contains `span`. Tables from
/// `[[array]]` headers span only their header, so containers are searched regardless.
fn key_path(root: &DeTable<'_>, span: &Range<usize>) -> String {
    search_table(root, span).unwrap_or_default()
}

fn search_table(table: &DeTable<'_>, span: &Range<usize>) -> Option<String> {
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        if contains(&key.span(), span) {
            return Some(name);
        }
        if let Some(inner) = search_value(value, span) {
            let separator = if inner.starts_with('[') || inner.is_empty() {
                ""
            } else {
                "."
            };
            return Some(format!("{name}{separator}{inner}"));
        }
    }
    None
}

fn search_value(value: &Spanned<DeValue<'_>>, span: &Range<usize>) -> Option<String> {
    let nested = match value.get_ref() {
        DeValue::Table(table) => search_table(table, span),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            search_value(item, span).map(|inner| {
                let separator = if inner.starts_with('[') || inner.is_empty() {
                    ""
                } else {
                    "."
                };
                format!("[{index}]{separator}{inner}")
            })
        }),
        _ => None,
    };
    nested.or_else(|| contains(&value.span(), span).then(String::new))
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer.start < outer.end
}

#[cfg(test)]
mod tests;
