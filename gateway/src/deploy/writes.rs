//! The API's writes, each one committed atomically and durably before it is acknowledged:
//! tenants, versions (stored only once their bundle has loaded in a fresh isolate under the
//! tenant's limits) and deployments (acknowledged once this node serves them).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use std::time::SystemTime;

use http::StatusCode;
use isogate_runtime::Bundle;
use isogate_runtime::BundleLimits;
use isogate_runtime::IsolatePool;
use isogate_runtime::LoadState;
use isogate_store::StoreError;
use isogate_store::Transaction;
use serde::Deserialize;
use serde_json::json;
use serde_json::Value;

use super::archive;
use super::archive::ArchiveError;
use super::bundles;
use super::records::deployment_key;
use super::records::deployments_prefix;
use super::records::tenant_key;
use super::records::version_key;
use super::records::versions_prefix;
use super::records::AutoRollback;
use super::records::DeploymentRecord;
use super::records::Share;
use super::records::VersionRecord;
use super::spec::from_json;
use super::spec::FieldError;
use super::spec::Manifest;
use super::spec::Served;
use super::spec::TenantSpec;
use super::Platform;
use crate::routing::table::handler_spec;

/// How long a deployment's answer waits for this node to serve it.
pub(super) const SERVE_WAIT: Duration = Duration::from_secs(10);

/// Deployments kept per tenant.
const KEEP_DEPLOYMENTS: usize = 100;

/// Keys deleted per transaction when a tenant goes (etcd caps operations per transaction).
const DELETES_PER_COMMIT: usize = 100;

/// An API error: the status, a stable code and what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable code.
    pub code: &'static str,
    /// What is wrong, naming the field or file at fault.
    pub message: String,
    /// Seconds to wait before trying again (`Retry-After`), when that is the remedy.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A new error.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    fn invalid(error: &FieldError) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", error.to_string())
    }

    fn no_tenant(name: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no tenant {name:?}"),
        )
    }

    pub(super) fn store(location: &str, error: &StoreError) -> Self {
        match error {
            StoreError::Conflict(what) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("changed meanwhile ({what}); read it again and retry"),
            ),
            other => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                format!("the store at {location} cannot be written: {other}"),
            ),
        }
    }

    /// The body: `{ "error": { "code", "message" } }`.
    pub fn body(&self) -> Value {
        json!({ "error": { "code": self.code, "message": self.message } })
    }
}

/// `POST …/deployments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    /// The versions and their shares.
    pub versions: Vec<Share>,
    /// Why.
    #[serde(default)]
    pub message: Option<String>,
    /// Return to the stable version on its own when the new one fails more.
    #[serde(default)]
    pub auto_rollback: Option<AutoRollback>,
}

pub(super) fn now_unix_s() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

impl Platform {
    /// `PUT /v1/tenants/{name}`: creates or replaces the tenant; whether it was created,
    /// and the warnings.
    pub async fn put_tenant(
        &self,
        name: &str,
        body: &[u8],
    ) -> Result<(bool, Vec<String>), ApiError> {
        let spec: TenantSpec = from_json(body).map_err(|error| ApiError::invalid(&error))?;
        let warnings = spec
            .check(name)
            .map_err(|error| ApiError::invalid(&error))?;
        if let Some(owner) = self.file_owner_of_name(name) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("tenant {name:?} is defined in {owner}; change it there"),
            ));
        }
        let state = self.state();
        for (index, host) in spec.normalized_hosts().enumerate() {
            let owner = self.file_owner_of_host(&host).or_else(|| {
                state
                    .tenants
                    .iter()
                    .find(|(other, other_spec)| {
                        *other != name && other_spec.normalized_hosts().any(|h| h == host)
                    })
                    .map(|(other, _)| format!("tenant {other:?}"))
            });
            if let Some(owner) = owner {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("hosts[{index}]: host {host:?} is served by {owner}"),
                ));
            }
        }
        let key = tenant_key(name);
        let value = serde_json::to_vec(&spec).map_err(|error| internal(&error))?;
        let existing = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.store_error(&e))?;
        let transaction = match &existing {
            Some(entry) => Transaction::new().when_modified_at(&key, entry.modified),
            None => Transaction::new().when_absent(&key),
        };
        let revision = self
            .store
            .commit(transaction.put(&key, value))
            .await
            .map_err(|e| self.store_error(&e))?;
        self.served(revision, SERVE_WAIT).await;
        Ok((existing.is_none(), warnings))
    }

    /// `DELETE /v1/tenants/{name}`: the tenant, its versions, deployments, tokens and
    /// secrets.
    pub async fn delete_tenant(&self, name: &str) -> Result<(), ApiError> {
        let key = tenant_key(name);
        let Some(entry) = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.store_error(&e))?
        else {
            return Err(ApiError::no_tenant(name));
        };
        let revision = self
            .store
            .commit(
                Transaction::new()
                    .when_modified_at(&key, entry.modified)
                    .delete(&key),
            )
            .await
            .map_err(|e| self.store_error(&e))?;
        let tokens = super::records::token_key(name, "");
        let secrets = super::records::secret_key(name, "");
        for prefix in [
            deployments_prefix(name),
            versions_prefix(name),
            tokens,
            secrets,
        ] {
            let (entries, _) = self
                .store
                .list(&prefix)
                .await
                .map_err(|e| self.store_error(&e))?;
            for batch in entries.chunks(DELETES_PER_COMMIT) {
                let mut transaction = Transaction::new();
                for entry in batch {
                    transaction = transaction.delete(&entry.key);
                }
                self.store
                    .commit(transaction)
                    .await
                    .map_err(|e| self.store_error(&e))?;
            }
        }
        self.served(revision, SERVE_WAIT).await;
        Ok(())
    }

    /// The largest upload tenant `name` may make, compressed, in bytes.
    pub fn upload_cap(&self, name: &str) -> u64 {
        self.state()
            .tenants
            .get(name)
            .and_then(|spec| spec.max_version_mb)
            .map_or(self.max_version_bytes, |mb| mb.saturating_mul(1 << 20))
    }

    /// `POST /v1/tenants/{name}/versions`: checks the upload, loads it in a fresh isolate
    /// under the tenant's limits, and stores it; the new version.
    pub async fn create_version(
        &self,
        name: &str,
        upload: &[u8],
        by: &str,
        pool: &IsolatePool,
    ) -> Result<VersionRecord, ApiError> {
        let key = tenant_key(name);
        let Some(tenant) = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.store_error(&e))?
        else {
            return Err(ApiError::no_tenant(name));
        };
        let spec: TenantSpec =
            serde_json::from_slice(&tenant.value).map_err(|error| internal(&error))?;
        let limits = BundleLimits::default();
        let unpacked = archive::unpack(upload, &limits).map_err(|error| refused(&error))?;
        let manifest_bytes = unpacked
            .manifest
            .ok_or_else(|| refused(&ArchiveError::NoManifest))?;
        let manifest: Manifest = from_json(&manifest_bytes).map_err(|error| {
            ApiError::invalid(&FieldError {
                path: join_path(archive::MANIFEST, &error.path),
                message: error.message,
            })
        })?;
        let files = unpacked.files.clone();
        let bundle = Bundle::new(unpacked.files, &limits)
            .map_err(|error| refused(&ArchiveError::Bundle(error)))?;
        let routes = manifest
            .routes(|file| bundle.contains(file))
            .map_err(|error| {
                ApiError::invalid(&FieldError {
                    path: join_path(archive::MANIFEST, &error.path),
                    message: error.message,
                })
            })?;
        let bundle = isogate_runtime::mount_bundle(bundle);
        self.load_check(name, &spec, &manifest, &routes, &bundle, pool)
            .await?;
        for _ in 0..8 {
            // Found again on each try: a collection or another upload may have changed it.
            let held = bundles::save(&*self.store, bundle.digest(), &files)
                .await
                .map_err(|e| self.store_error(&e))?;
            let state = self.state();
            let known = state.versions.get(name);
            let id = known
                .and_then(|versions| versions.keys().next_back())
                .map_or(1, |last| last + 1);
            let record = VersionRecord {
                id,
                sha256: bundle.digest().to_owned(),
                size: upload.len() as u64,
                files: bundle.len(),
                routes: routes.clone(),
                vars: manifest.vars.clone(),
                compatibility_flags: manifest.compatibility_flags.clone(),
                message: manifest.message.clone(),
                tag: manifest.tag.clone(),
                by: by.to_owned(),
                created_unix_s: now_unix_s(),
            };
            let value = serde_json::to_vec(&record).map_err(|error| internal(&error))?;
            let version = version_key(name, id);
            let mut transaction = held.hold(
                Transaction::new()
                    .when_modified_at(&key, tenant.modified)
                    .when_absent(&version)
                    .put(&version, value),
            );
            // Retention: the oldest versions beyond the kept number, never a live one.
            let live: BTreeSet<u64> = state
                .live(name)
                .map(|live| live.versions.iter().map(|share| share.id).collect())
                .unwrap_or_default();
            if let Some(known) = known {
                let excess = (known.len() + 1).saturating_sub(self.keep_versions);
                for old in known.keys().filter(|id| !live.contains(id)).take(excess) {
                    transaction = transaction.delete(version_key(name, *old));
                }
            }
            match self.store.commit(transaction).await {
                Ok(revision) => {
                    self.served(revision, SERVE_WAIT).await;
                    return Ok(record);
                }
                Err(StoreError::Conflict(_)) => {
                    // Another upload took the id, or the tenant changed: follow and retry.
                    self.wait_followed(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(self.store_error(&error)),
            }
        }
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the tenant kept changing during the upload; retry",
        ))
    }

    /// Loads every handler module of a version in a fresh isolate under the tenant's
    /// limits; a module that does not load refuses the version, naming `file:line:col`.
    async fn load_check(
        &self,
        name: &str,
        spec: &TenantSpec,
        manifest: &Manifest,
        routes: &[super::spec::RouteSpec],
        bundle: &Arc<Bundle>,
        pool: &IsolatePool,
    ) -> Result<(), ApiError> {
        let root = bundle.root();
        let served = Served {
            name,
            spec,
            routes,
            vars: &manifest.vars,
            flags: &manifest.compatibility_flags,
            root: &root,
            share: None,
        };
        let tenant = served.config();
        let limits = tenant.limits.or(&self.defaults);
        let mut checked = BTreeSet::new();
        for route in &tenant.routes {
            if !checked.insert(route.handler.get_ref().clone()) {
                continue;
            }
            let spec = handler_spec(&tenant, route, &limits, &tenant.env, None);
            let worker = pool.spawn(&spec).map_err(|error| {
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    format!("no isolate to check the version in: {error}"),
                )
            })?;
            if let LoadState::Failed(error) = worker.loaded().await {
                let shown = root.display().to_string();
                let error = error
                    .replace(&format!("file://{shown}/"), "")
                    .replace(&format!("{shown}/"), "");
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "load_failed",
                    format!("the version does not load: {error}"),
                ));
            }
        }
        Ok(())
    }

    /// `POST /v1/tenants/{name}/deployments`: switches the tenant's traffic to the versions
    /// asked for; the deployment, once this node serves it (`false` when it did not within
    /// a few seconds).
    pub async fn deploy(
        &self,
        name: &str,
        body: &[u8],
        by: &str,
    ) -> Result<(DeploymentRecord, bool), ApiError> {
        let request: DeployRequest = from_json(body).map_err(|error| ApiError::invalid(&error))?;
        let key = tenant_key(name);
        let Some(tenant) = self
            .store
            .get(&key)
            .await
            .map_err(|e| self.store_error(&e))?
        else {
            return Err(ApiError::no_tenant(name));
        };
        check_shares(&request.versions, |id| {
            self.state().version(name, id).is_some()
        })?;
        for _ in 0..8 {
            let state = self.state();
            let known = state.deployments.get(name);
            let id = known
                .and_then(|deployments| deployments.keys().next_back())
                .map_or(1, |last| last + 1);
            let record = DeploymentRecord {
                id,
                versions: request.versions.clone(),
                message: request.message.clone(),
                by: by.to_owned(),
                created_unix_s: now_unix_s(),
                auto_rollback: request.auto_rollback,
            };
            let value = serde_json::to_vec(&record).map_err(|error| internal(&error))?;
            let deployment = deployment_key(name, id);
            let mut transaction = Transaction::new()
                .when_modified_at(&key, tenant.modified)
                .when_absent(&deployment);
            for share in &request.versions {
                let version = version_key(name, share.id);
                let entry = self
                    .store
                    .get(&version)
                    .await
                    .map_err(|e| self.store_error(&e))?;
                let Some(entry) = entry else {
                    return Err(ApiError::invalid(&FieldError {
                        path: "versions".to_owned(),
                        message: format!("tenant {name:?} has no version {}", share.id),
                    }));
                };
                transaction = transaction.when_modified_at(version, entry.modified);
            }
            transaction = transaction.put(&deployment, value);
            if let Some(known) = known {
                let excess = (known.len() + 1).saturating_sub(KEEP_DEPLOYMENTS);
                for old in known.keys().take(excess) {
                    transaction = transaction.delete(deployment_key(name, *old));
                }
            }
            match self.store.commit(transaction).await {
                Ok(revision) => {
                    let served = self.served(revision, SERVE_WAIT).await;
                    return Ok((record, served));
                }
                Err(StoreError::Conflict(_)) => {
                    self.wait_followed(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(self.store_error(&error)),
            }
        }
        Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "the tenant kept changing during the deployment; retry",
        ))
    }

    /// Waits a little for the follower to catch up with the store.
    async fn wait_followed(&self, limit: Duration) {
        let mut followed = self.changes();
        let _ = tokio::time::timeout(limit, followed.changed()).await;
    }
}

/// Checks a deployment's shares: one or more distinct known versions, each a share over
/// zero, summing to 100.
fn check_shares(shares: &[Share], known: impl Fn(u64) -> bool) -> Result<(), ApiError> {
    let refuse =
        |path: String, message: String| Err(ApiError::invalid(&FieldError { path, message }));
    if shares.is_empty() {
        return refuse("versions".to_owned(), "at least one version".to_owned());
    }
    let mut seen = BTreeSet::new();
    let mut total = 0u32;
    for (index, share) in shares.iter().enumerate() {
        if !seen.insert(share.id) {
            return refuse(
                format!("versions[{index}].id"),
                format!("version {} twice", share.id),
            );
        }
        if !known(share.id) {
            return refuse(
                format!("versions[{index}].id"),
                format!("no version {}", share.id),
            );
        }
        if share.percentage == 0 || share.percentage > 100 {
            return refuse(
                format!("versions[{index}].percentage"),
                "from 1 to 100".to_owned(),
            );
        }
        total += u32::from(share.percentage);
    }
    if total != 100 {
        return refuse(
            "versions".to_owned(),
            format!("the percentages sum to {total}, not 100"),
        );
    }
    Ok(())
}

/// An upload refused: 413 past a cap, else 400.
fn refused(error: &ArchiveError) -> ApiError {
    let status = match error {
        ArchiveError::Bomb(_)
        | ArchiveError::Bundle(isogate_runtime::BundleError::TooLarge { .. })
        | ArchiveError::Bundle(isogate_runtime::BundleError::TooManyFiles { .. }) => {
            StatusCode::PAYLOAD_TOO_LARGE
        }
        _ => StatusCode::BAD_REQUEST,
    };
    ApiError::new(status, "invalid_bundle", error.to_string())
}

fn join_path(file: &str, path: &str) -> String {
    if path.is_empty() {
        file.to_owned()
    } else {
        format!("{file}: {path}")
    }
}

pub(super) fn internal(error: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("encoding: {error}"),
    )
}
