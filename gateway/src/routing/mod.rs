//! Host and path routing: host → tenant (exact names beat `*.` wildcards), then path and
//! method → route target through matchit.
//!
//! The router is generic over its target so that config validation can build one to find
//! overlapping routes before any worker exists; `table.rs` builds the live one.

pub mod table;
mod units;
pub mod versions;
mod workers;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use http::Method;

/// The hasher of the router's host maps (keys come from clients: seeded per process).
type HostMap = HashMap<String, usize, ahash::RandomState>;

/// A matched route's parameters, borrowed from the router (names) and the path (values);
/// copied out only for a request that reaches its handler.
pub type RouteParams<'r, 'p> = matchit::Params<'r, 'p>;

/// The parameters as owned `(name, value)` pairs, in pattern order (`ctx.params`).
pub fn owned_params(params: &RouteParams<'_, '_>) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// Why a route cannot be added to a tenant's table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteConflict {
    /// The pattern overlaps another one in a way matchit cannot tell apart.
    #[error("overlaps another route: {0}")]
    Pattern(String),
    /// The same pattern is already routed for one of these methods.
    #[error("{pattern} is already routed for {methods}")]
    Methods {
        /// The pattern.
        pattern: String,
        /// The methods both routes claim, comma separated (`*` for all).
        methods: String,
    },
    /// The pattern is not valid matchit syntax.
    #[error("invalid path pattern: {0}")]
    Invalid(String),
}

/// The routes of one path pattern.
#[derive(Debug)]
struct PathEntry<T> {
    pattern: Arc<str>,
    any: Option<T>,
    methods: Vec<(Method, T)>,
    allow: String,
}

impl<T> PathEntry<T> {
    fn pick(&self, method: &Method) -> Option<&T> {
        let by_method = |wanted: &Method| {
            self.methods
                .iter()
                .find(|(routed, _)| routed == wanted)
                .map(|(_, target)| target)
        };
        by_method(method)
            .or_else(|| {
                (*method == Method::HEAD)
                    .then(|| by_method(&Method::GET))
                    .flatten()
            })
            .or(self.any.as_ref())
    }

    fn refresh_allow(&mut self) {
        let mut names: Vec<&str> = self.methods.iter().map(|(m, _)| m.as_str()).collect();
        if names.contains(&"GET") && !names.contains(&"HEAD") {
            names.push("HEAD");
        }
        names.sort_unstable();
        self.allow = names.join(", ");
    }
}

/// One tenant's path table.
#[derive(Debug)]
pub struct TenantRoutes<T> {
    paths: matchit::Router<usize>,
    entries: Vec<PathEntry<T>>,
    /// Prefixes routed implicitly to a catch-all: `/files/` for `/files/{*rest}`, since
    /// matchit's catch-all needs at least one character. An explicit route replaces them.
    implicit: HashMap<String, usize>,
    fallback: Option<T>,
    /// The route name of the fallback: none.
    unnamed: Arc<str>,
}

impl<T> Default for TenantRoutes<T> {
    fn default() -> Self {
        Self {
            paths: matchit::Router::new(),
            entries: Vec::new(),
            implicit: HashMap::new(),
            fallback: None,
            unnamed: Arc::from(""),
        }
    }
}

impl<T: Clone> TenantRoutes<T> {
    /// Routes `pattern` for `methods` (all methods when `None`) to `target`.
    pub fn add(
        &mut self,
        pattern: &str,
        methods: Option<&[Method]>,
        target: T,
    ) -> Result<(), RouteConflict> {
        let index = match self.entries.iter().position(|e| *e.pattern == *pattern) {
            Some(index) => index,
            None => self.insert_pattern(pattern)?,
        };
        let entry = &mut self.entries[index];
        let conflict = |methods: String| RouteConflict::Methods {
            pattern: pattern.to_owned(),
            methods,
        };
        match methods {
            None => {
                if entry.any.is_some() || !entry.methods.is_empty() {
                    return Err(conflict("*".to_owned()));
                }
                entry.any = Some(target);
            }
            Some(methods) => {
                if entry.any.is_some() {
                    return Err(conflict("*".to_owned()));
                }
                let taken: Vec<&str> = methods
                    .iter()
                    .filter(|m| entry.methods.iter().any(|(routed, _)| routed == *m))
                    .map(Method::as_str)
                    .collect();
                if !taken.is_empty() {
                    return Err(conflict(taken.join(", ")));
                }
                for method in methods {
                    entry.methods.push((method.clone(), target.clone()));
                }
                entry.refresh_allow();
            }
        }
        Ok(())
    }

    fn insert_pattern(&mut self, pattern: &str) -> Result<usize, RouteConflict> {
        if !pattern.starts_with('/') {
            return Err(RouteConflict::Invalid(format!(
                "{pattern:?} does not start with '/'"
            )));
        }
        if self.implicit.remove(pattern).is_some() {
            self.paths.remove(pattern);
        }
        self.paths
            .insert(pattern, self.entries.len())
            .map_err(|error| match error {
                matchit::InsertError::Conflict { with } => {
                    RouteConflict::Pattern(format!("{pattern} conflicts with {with}"))
                }
                other => RouteConflict::Invalid(other.to_string()),
            })?;
        let index = self.entries.len();
        self.entries.push(PathEntry {
            pattern: Arc::from(pattern),
            any: None,
            methods: Vec::new(),
            allow: String::new(),
        });
        if let Some(start) = pattern.rfind("/{*").filter(|_| pattern.ends_with('}')) {
            let prefix = &pattern[..=start];
            if self.paths.insert(prefix, index).is_ok() {
                self.implicit.insert(prefix.to_owned(), index);
            }
        }
        Ok(index)
    }
}

impl<T> TenantRoutes<T> {
    /// Serves every path no pattern matches with `target` (dev mode's single handler).
    pub fn set_fallback(&mut self, target: T) {
        self.fallback = Some(target);
    }

    fn lookup<'r, 'p>(&'r self, method: &Method, path: &'p str) -> PathLookup<'r, 'p, T> {
        let Ok(matched) = self.paths.at(path) else {
            return match &self.fallback {
                Some(target) => PathLookup::Found {
                    route: &self.unnamed,
                    target,
                    params: RouteParams::new(),
                },
                None => PathLookup::NoRoute,
            };
        };
        let Some(entry) = self.entries.get(*matched.value) else {
            return PathLookup::NoRoute;
        };
        match entry.pick(method) {
            Some(target) => PathLookup::Found {
                route: &entry.pattern,
                target,
                params: matched.params,
            },
            None => PathLookup::MethodNotAllowed {
                allow: &entry.allow,
            },
        }
    }
}

enum PathLookup<'r, 'p, T> {
    Found {
        route: &'r Arc<str>,
        target: &'r T,
        params: RouteParams<'r, 'p>,
    },
    NoRoute,
    MethodNotAllowed {
        allow: &'r str,
    },
}

/// The outcome of routing one request.
#[derive(Debug)]
pub enum Lookup<'r, 'p, T> {
    /// No tenant serves this host.
    UnknownHost,
    /// The tenant (by index) serves the host but no route matches the path.
    NoRoute {
        /// The tenant's index.
        tenant: usize,
    },
    /// A route matches the path but not the method.
    MethodNotAllowed {
        /// The tenant's index.
        tenant: usize,
        /// The value of the `Allow` header.
        allow: &'r str,
    },
    /// A route matched.
    Found {
        /// The tenant's index.
        tenant: usize,
        /// The matched pattern (`ctx.route`).
        route: &'r Arc<str>,
        /// What serves it.
        target: &'r T,
        /// Captured parameters in pattern order (`ctx.params`).
        params: RouteParams<'r, 'p>,
    },
}

/// Host → tenant → path → target.
#[derive(Debug)]
pub struct Router<T> {
    exact: HostMap,
    wildcard: HostMap,
    any_host: Option<usize>,
    /// Shared with the tables built before and after this one while unchanged.
    tenants: Vec<Arc<TenantRoutes<T>>>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Self {
            exact: HostMap::default(),
            wildcard: HostMap::default(),
            any_host: None,
            tenants: Vec::new(),
        }
    }
}

impl<T> Router<T> {
    /// Adds a tenant serving `hosts` (exact names or `*.suffix`); returns its index. A host
    /// already claimed is left to its first owner (config validation reports duplicates).
    pub fn add_tenant<'h>(
        &mut self,
        hosts: impl IntoIterator<Item = &'h str>,
        routes: impl Into<Arc<TenantRoutes<T>>>,
    ) -> usize {
        let index = self.tenants.len();
        self.tenants.push(routes.into());
        for host in hosts {
            let host = normalize_host(host);
            match host.strip_prefix("*.") {
                Some(suffix) => self.wildcard.entry(suffix.to_owned()).or_insert(index),
                None => self.exact.entry(host.into_owned()).or_insert(index),
            };
        }
        index
    }

    /// Adds a tenant that serves every host no other tenant claims (dev mode).
    pub fn add_any_host_tenant(&mut self, routes: TenantRoutes<T>) -> usize {
        let index = self.tenants.len();
        self.tenants.push(Arc::new(routes));
        self.any_host = Some(index);
        index
    }

    /// The tenant serving `host` (with or without a port; any case).
    pub fn tenant_for_host(&self, host: &str) -> Option<usize> {
        self.tenant_for_name(&normalize_host(host))
    }

    /// The tenant serving `name`, a host as [`normalize_host`] leaves it.
    pub fn tenant_for_name(&self, name: &str) -> Option<usize> {
        if let Some(index) = self.exact.get(name) {
            return Some(*index);
        }
        name.split_once('.')
            .and_then(|(_, parent)| self.wildcard.get(parent))
            .copied()
            .or(self.any_host)
    }

    /// Routes a request for `host`, `method` and `path`.
    pub fn lookup<'p>(&self, host: &str, method: &Method, path: &'p str) -> Lookup<'_, 'p, T> {
        self.route(self.tenant_for_host(host), method, path)
    }

    /// Routes a request for `method` and `path` to the tenant a host lookup found (`None`:
    /// no tenant serves the host).
    pub fn route<'p>(
        &self,
        tenant: Option<usize>,
        method: &Method,
        path: &'p str,
    ) -> Lookup<'_, 'p, T> {
        let Some(tenant) = tenant else {
            return Lookup::UnknownHost;
        };
        let Some(routes) = self.tenants.get(tenant) else {
            return Lookup::UnknownHost;
        };
        match routes.lookup(method, path) {
            PathLookup::Found {
                route,
                target,
                params,
            } => Lookup::Found {
                tenant,
                route,
                target,
                params,
            },
            PathLookup::NoRoute => Lookup::NoRoute { tenant },
            PathLookup::MethodNotAllowed { allow } => Lookup::MethodNotAllowed { tenant, allow },
        }
    }
}

/// Lower case, without a port or a trailing dot; borrowed when only a port or dot goes.
pub fn normalize_host(host: &str) -> Cow<'_, str> {
    let bytes = host.as_bytes();
    let mut end = bytes.len();
    if bytes.first() == Some(&b'[') {
        // An IPv6 literal: keep the brackets, drop what follows them.
        if let Some(close) = bytes.iter().position(|&b| b == b']') {
            end = close + 1;
        }
    } else {
        let digits = bytes
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits < end && bytes[end - digits - 1] == b':' {
            end -= digits + 1;
        }
    }
    while end > 0 && bytes[end - 1] == b'.' {
        end -= 1;
    }
    let name = &host[..end];
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router<&'static str> {
        let mut router = Router::default();
        let mut acme = TenantRoutes::default();
        acme.add(
            "/api/users/{id}",
            Some(&[Method::GET, Method::POST]),
            "users",
        )
        .unwrap();
        acme.add("/api/users/{id}", Some(&[Method::DELETE]), "delete-user")
            .unwrap();
        acme.add("/static/{*rest}", None, "static").unwrap();
        router.add_tenant(["acme.test", "*.acme.test"], acme);
        let mut api = TenantRoutes::default();
        api.add("/", None, "api-root").unwrap();
        router.add_tenant(["api.acme.test"], api);
        router
    }

    #[test]
    fn routing_prefers_exact_host_over_wildcard() {
        let router = router();
        assert_eq!(router.tenant_for_host("api.acme.test"), Some(1));
        assert_eq!(router.tenant_for_host("www.acme.test:8443"), Some(0));
        assert_eq!(router.tenant_for_host("ACME.test."), Some(0));
        assert_eq!(router.tenant_for_host("a.b.acme.test"), None);
        assert_eq!(router.tenant_for_host("other.test"), None);
    }

    #[test]
    fn routing_captures_params_and_pattern() {
        let router = router();
        let Lookup::Found {
            tenant,
            route,
            target,
            params,
        } = router.lookup("acme.test", &Method::GET, "/api/users/42")
        else {
            panic!("no match");
        };
        assert_eq!((tenant, &**route, *target), (0, "/api/users/{id}", "users"));
        assert_eq!(owned_params(&params), [("id".to_owned(), "42".to_owned())]);
        let Lookup::Found { target, .. } =
            router.lookup("acme.test", &Method::DELETE, "/api/users/42")
        else {
            panic!("no match");
        };
        assert_eq!(*target, "delete-user");
    }

    #[test]
    fn routing_answers_head_from_get_and_lists_allowed_methods() {
        let router = router();
        assert!(matches!(
            router.lookup("acme.test", &Method::HEAD, "/api/users/1"),
            Lookup::Found {
                target: &"users",
                ..
            }
        ));
        match router.lookup("acme.test", &Method::PUT, "/api/users/1") {
            Lookup::MethodNotAllowed { allow, .. } => assert_eq!(allow, "DELETE, GET, HEAD, POST"),
            other => panic!("expected 405, got {other:?}"),
        }
        assert!(matches!(
            router.lookup("acme.test", &Method::GET, "/nothing"),
            Lookup::NoRoute { tenant: 0 }
        ));
        assert!(matches!(
            router.lookup("nobody.test", &Method::GET, "/"),
            Lookup::UnknownHost
        ));
    }

    #[test]
    fn routing_rejects_overlapping_routes() {
        let mut routes = TenantRoutes::default();
        routes.add("/users/{id}", Some(&[Method::GET]), ()).unwrap();
        assert!(matches!(
            routes.add("/users/{name}", None, ()),
            Err(RouteConflict::Pattern(_))
        ));
        assert!(matches!(
            routes.add("/users/{id}", Some(&[Method::POST, Method::GET]), ()),
            Err(RouteConflict::Methods { .. })
        ));
        assert!(matches!(
            routes.add("/users/{id}", None, ()),
            Err(RouteConflict::Methods { .. })
        ));
        assert!(routes.add("/users/new", None, ()).is_ok());
    }

    #[test]
    fn routing_catch_all_matches_its_bare_prefix_until_routed_explicitly() {
        let mut routes = TenantRoutes::default();
        routes.add("/files/{*rest}", None, "files").unwrap();
        let mut router = Router::default();
        router.add_tenant(["a.test"], routes);
        assert!(matches!(
            router.lookup("a.test", &Method::GET, "/files/"),
            Lookup::Found {
                target: &"files",
                ..
            }
        ));
        let mut routes = TenantRoutes::default();
        routes.add("/{*rest}", None, "all").unwrap();
        routes.add("/", None, "root").unwrap();
        let mut router = Router::default();
        router.add_tenant(["a.test"], routes);
        assert!(matches!(
            router.lookup("a.test", &Method::GET, "/"),
            Lookup::Found {
                target: &"root",
                ..
            }
        ));
        assert!(matches!(
            router.lookup("a.test", &Method::GET, "/x"),
            Lookup::Found { target: &"all", .. }
        ));
    }

    #[test]
    fn normalize_host_strips_port_case_and_dot() {
        assert_eq!(normalize_host("Acme.Test:8443"), "acme.test");
        assert_eq!(normalize_host("[::1]:80"), "[::1]");
        assert_eq!(normalize_host("acme.test."), "acme.test");
    }
}
