//! The files and variables a config names: handler modules, certificates, secrets, geoip
//! databases. Checked
//! at load so that `isogate check` and a reload catch a missing file before anything swaps.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;

use super::Problems;
use super::SecretSource;
use super::ServerConfig;
use super::TenantConfig;
use crate::tls;

/// Reports handler modules, certificates and secrets that cannot be read.
pub(super) fn check(problems: &mut Problems<'_>, server: &ServerConfig, tenants: &[TenantConfig]) {
    if let Some(token) = &server.admin_token {
        if let Err(message) = read_secret("admin_token", token.get_ref()) {
            problems.secret_at(token.span(), message);
        }
    }
    for database in &server.geoip {
        if let Err(message) = crate::geo::open_database(database.get_ref()) {
            problems.at(database.span(), message);
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
                problems.secret_at(source.span(), message);
            }
        }
    }
    check_code_folders(problems, tenants);
}

/// Reports tenants whose code folders overlap. A handler's module graph may reach every file
/// under the handler's own folder, so a tenant whose folder holds (or is) another tenant's
/// could import that tenant's modules: each tenant needs a folder of its own.
fn check_code_folders(problems: &mut Problems<'_>, tenants: &[TenantConfig]) {
    let mut claimed: Vec<(PathBuf, &str)> = Vec::new();
    for tenant in tenants {
        let name = tenant.name.get_ref().as_str();
        let mut own: Vec<PathBuf> = Vec::new();
        for route in &tenant.routes {
            let Some(folder) = code_folder(route.handler.get_ref()) else {
                continue;
            };
            let overlap = claimed
                .iter()
                .find(|(other, _)| folder.starts_with(other) || other.starts_with(&folder));
            if let Some((other, owner)) = overlap {
                problems.at(
                    route.handler.span(),
                    format!(
                        "handler folder {} overlaps tenant {owner:?}'s code folder {}: a \
                         handler can import any file under its folder, so each tenant needs \
                         a folder of its own",
                        folder.display(),
                        other.display()
                    ),
                );
            } else if !own.contains(&folder) {
                own.push(folder);
            }
        }
        claimed.extend(own.into_iter().map(|folder| (folder, name)));
    }
}

/// The folder a handler's loader is confined to, its project root as the runtime finds it
/// (symlinks followed); `None` when the handler does not exist, which is reported on its
/// own.
fn code_folder(handler: &Path) -> Option<PathBuf> {
    let real = handler.canonicalize().ok()?;
    Some(isogate_runtime::project_root(&real))
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

/// A secret's value, read now (never logged); the error names the secret and the source.
pub fn read_secret(name: &str, source: &SecretSource) -> Result<String, String> {
    match source {
        SecretSource::Env(variable) => std::env::var(variable)
            .map_err(|_| format!("secret {name}: environment variable {variable} is not set")),
        SecretSource::File(path) => std::fs::read_to_string(path)
            .map(|text| text.trim_end_matches(['\r', '\n']).to_owned())
            .map_err(|error| format!("secret {name}: reading {}: {error}", path.display())),
    }
}
