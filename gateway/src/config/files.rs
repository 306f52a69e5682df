//! The files and variables a config names: handler modules, certificates, secrets. Checked
//! at load so that `isogate check` and a reload catch a missing file before anything swaps.

use std::collections::BTreeMap;

use super::Problems;
use super::SecretSource;
use super::ServerConfig;
use super::TenantConfig;
use crate::tls;

/// Reports handler modules, certificates and secrets that cannot be read.
pub(super) fn check(problems: &mut Problems<'_>, server: &ServerConfig, tenants: &[TenantConfig]) {
    if let Some(token) = &server.admin_token {
        if let Err(message) = read_secret("admin_token", token.get_ref()) {
            problems.at(token.span(), message);
        }
    }
    for tenant in tenants {
        for route in &tenant.routes {
            let handler = route.handler.get_ref();
            if !handler.is_file() {
                problems.at(
                    route.handler.span(),
                    format!("handler module {} does not exist", handler.display()),
                );
            }
        }
        if let (Some(files), Some(_)) = (&tenant.tls, server.https) {
            if let Err(message) = tls::load_certified_key(files.cert.get_ref(), files.key.get_ref())
            {
                problems.at(files.cert.span(), message);
            }
        }
        for (name, source) in &tenant.secrets {
            if let Err(message) = read_secret(name, source.get_ref()) {
                problems.at(source.span(), message);
            }
        }
    }
}

/// The tenant's secrets, read now; never logged.
pub fn resolve_secrets(tenant: &TenantConfig) -> Result<BTreeMap<String, String>, String> {
    tenant
        .secrets
        .iter()
        .map(|(name, source)| Ok((name.clone(), read_secret(name, source.get_ref())?)))
        .collect()
}

/// The admin token, read now, when one is configured.
pub fn admin_token(server: &ServerConfig) -> Result<Option<String>, String> {
    server
        .admin_token
        .as_ref()
        .map(|token| read_secret("admin_token", token.get_ref()))
        .transpose()
}

fn read_secret(name: &str, source: &SecretSource) -> Result<String, String> {
    match source {
        SecretSource::Env(variable) => std::env::var(variable)
            .map_err(|_| format!("secret {name}: environment variable {variable} is not set")),
        SecretSource::File(path) => std::fs::read_to_string(path)
            .map(|text| text.trim_end_matches(['\r', '\n']).to_owned())
            .map_err(|error| format!("secret {name}: reading {}: {error}", path.display())),
    }
}
