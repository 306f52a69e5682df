//! Certificate selection by SNI: exact names, then one-label wildcards, then the default (or
//! a refusal). The whole store is swapped at once when the config reloads.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::server::ClientHello;
use rustls::server::ResolvesServerCert;
use rustls::sign::CertifiedKey;

use crate::config::UnknownSni;

/// Certificates by host name.
#[derive(Default)]
pub struct CertStore {
    exact: HashMap<String, Arc<CertifiedKey>>,
    wildcard: HashMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
    unknown: UnknownSni,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore")
            .field("exact", &self.exact.keys().collect::<Vec<_>>())
            .field("wildcard", &self.wildcard.keys().collect::<Vec<_>>())
            .field("default", &self.default.is_some())
            .field("unknown", &self.unknown)
            .finish()
    }
}

impl CertStore {
    /// An empty store answering unknown names as `unknown` says.
    pub fn new(unknown: UnknownSni) -> Self {
        Self {
            unknown,
            ..Self::default()
        }
    }

    /// Serves `key` for `hosts` (exact or `*.suffix`); the first key added is the default
    /// unless `make_default` names another.
    pub fn add<'h>(
        &mut self,
        hosts: impl IntoIterator<Item = &'h str>,
        key: &Arc<CertifiedKey>,
        make_default: bool,
    ) {
        for host in hosts {
            let host = host.to_ascii_lowercase();
            match host.strip_prefix("*.") {
                Some(suffix) => self.wildcard.insert(suffix.to_owned(), key.clone()),
                None => self.exact.insert(host, key.clone()),
            };
        }
        if make_default || self.default.is_none() {
            self.default = Some(key.clone());
        }
    }

    /// The certificate for `name`, if a tenant claims it.
    fn for_name(&self, name: &str) -> Option<&Arc<CertifiedKey>> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.exact.get(&name).or_else(|| {
            name.split_once('.')
                .and_then(|(_, parent)| self.wildcard.get(parent))
        })
    }

    /// What a hello with this SNI (or none) gets.
    fn resolve(&self, name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        if let Some(key) = name.and_then(|name| self.for_name(name)) {
            return Some(key.clone());
        }
        match self.unknown {
            UnknownSni::Default => self.default.clone(),
            UnknownSni::Reject => None,
        }
    }
}

/// The rustls resolver over a swappable [`CertStore`].
#[derive(Debug)]
pub struct SniResolver {
    store: ArcSwap<CertStore>,
}

impl SniResolver {
    /// A resolver serving `store`.
    pub fn new(store: CertStore) -> Self {
        Self {
            store: ArcSwap::from_pointee(store),
        }
    }

    /// Serves `store` from the next handshake on.
    pub fn replace(&self, store: CertStore) {
        self.store.store(Arc::new(store));
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let name = client_hello.server_name();
        let key = self.store.load().resolve(name);
        if key.is_none() {
            tracing::debug!(sni = name.unwrap_or(""), "no certificate for this name");
        }
        key
    }
}
