//! `[store]`: where the state given over the `/v1` API is kept (tenants, code versions,
//! deployments): an embedded SQLite store in a folder beside the config (the default), or
//! an etcd cluster shared by several gateways.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::SecretSource;

/// `[store]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The embedded store's folder (default `.isogate` beside the config file); relative to
    /// the config's folder.
    #[serde(default)]
    pub path: Option<Spanned<PathBuf>>,
    /// etcd endpoints (`http://host:port`); when given, the store is etcd's and `path` is
    /// not used.
    #[serde(default)]
    pub etcd: Vec<Spanned<String>>,
    /// The prefix of every key the gateway keeps in etcd.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Code versions kept per tenant; older ones (never a deployed one) are deleted.
    #[serde(default = "default_keep_versions")]
    pub keep_versions: Spanned<usize>,
    /// Largest version upload, compressed, in MiB (a tenant may set its own).
    #[serde(default = "default_max_version_mb")]
    pub max_version_mb: Spanned<u64>,
    /// The key tenants' secrets are sealed with (AES-256-GCM): 64 hex digits, from the
    /// environment or a file. Without it the secrets API refuses to store any.
    #[serde(default)]
    pub secret_key: Option<Spanned<SecretSource>>,
}

fn default_namespace() -> String {
    "isogate/".to_owned()
}
fn default_keep_versions() -> Spanned<usize> {
    Spanned::new(0..0, 100)
}
fn default_max_version_mb() -> Spanned<u64> {
    Spanned::new(0..0, 10)
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            path: None,
            etcd: Vec::new(),
            namespace: default_namespace(),
            keep_versions: default_keep_versions(),
            max_version_mb: default_max_version_mb(),
            secret_key: None,
        }
    }
}

impl StoreConfig {
    /// The embedded store's folder, `.isogate` in `base` (the config's folder) unless set.
    pub fn folder(&self, base: &std::path::Path) -> PathBuf {
        match &self.path {
            Some(path) if path.get_ref().is_absolute() => path.get_ref().clone(),
            Some(path) => base.join(path.get_ref()),
            None => base.join(".isogate"),
        }
    }

    /// The secret key's 32 bytes, read from its source; `None` when none is set.
    pub fn secret_key_bytes(&self) -> Result<Option<[u8; 32]>, String> {
        let Some(source) = &self.secret_key else {
            return Ok(None);
        };
        let text = super::read_secret("secret_key", source.get_ref())?;
        parse_key(text.trim()).map(Some)
    }

    /// The problems of the section, as (span, message).
    pub(super) fn problems(&self) -> Vec<(std::ops::Range<usize>, String)> {
        let mut found = Vec::new();
        for endpoint in &self.etcd {
            let text = endpoint.get_ref();
            let valid = url::Url::parse(text).is_ok_and(|url| {
                matches!(url.scheme(), "http" | "https") && url.host_str().is_some()
            });
            if !valid {
                found.push((
                    endpoint.span(),
                    format!("etcd endpoint {text:?} is not an http(s)://host:port URL"),
                ));
            }
        }
        if *self.keep_versions.get_ref() == 0 {
            found.push((
                self.keep_versions.span(),
                "keep_versions is at least 1".to_owned(),
            ));
        }
        if *self.max_version_mb.get_ref() == 0 {
            found.push((
                self.max_version_mb.span(),
                "max_version_mb is at least 1".to_owned(),
            ));
        }
        found
    }
}

/// 64 hex digits as 32 bytes.
fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let refuse = || {
        Err("secret_key is 64 hex digits (32 bytes; `openssl rand -hex 32` makes one)".to_owned())
    };
    if text.len() != 64 {
        return refuse();
    }
    let mut key = [0u8; 32];
    for (index, byte) in key.iter_mut().enumerate() {
        match u8::from_str_radix(&text[index * 2..index * 2 + 2], 16) {
            Ok(value) => *byte = value,
            Err(_) => return refuse(),
        }
    }
    Ok(key)
}
