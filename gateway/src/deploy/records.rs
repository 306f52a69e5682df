//! What the store holds, and under which keys. Everything a node follows is under
//! `state/` (tenants, versions, deployments, each a small JSON value); bundles are under
//! `bundles/<sha256>/`, written before the version naming them and never changed after.
//!
//! - `state/tenants/<name>`: the [`TenantSpec`].
//! - `state/versions/<name>/<id>`: a [`VersionRecord`] (ids count up from 1, zero-padded so
//!   that keys sort by id).
//! - `state/deployments/<name>/<id>`: a [`DeploymentRecord`]; the highest id is the live one,
//!   so a deployment is one new key, switched to atomically.
//! - `state/tokens/<name>/<token name>`: a [`TokenRecord`] (the token's hash).
//! - `state/secrets/<name>/<KEY>`: a [`SealedSecret`].
//! - `bundles/<sha256>/meta` and `bundles/<sha256>/<n>`: the bundle as a `.tar.gz`, in chunks
//!   that fit etcd's value limit.

use std::collections::BTreeMap;
use std::sync::Arc;

use isogate_store::Entry;
use isogate_store::Event;
use isogate_store::Revision;
use serde::Deserialize;
use serde::Serialize;

use super::spec::RouteSpec;
use super::spec::TenantSpec;

/// The prefix of everything a node follows.
pub const STATE: &str = "state/";

/// The key of tenant `name`.
pub fn tenant_key(name: &str) -> String {
    format!("{STATE}tenants/{name}")
}

/// The prefix of tenant `name`'s versions.
pub fn versions_prefix(name: &str) -> String {
    format!("{STATE}versions/{name}/")
}

/// The key of version `id` of tenant `name`.
pub fn version_key(name: &str, id: u64) -> String {
    format!("{}{id:010}", versions_prefix(name))
}

/// The prefix of tenant `name`'s deployments.
pub fn deployments_prefix(name: &str) -> String {
    format!("{STATE}deployments/{name}/")
}

/// The key of deployment `id` of tenant `name`.
pub fn deployment_key(name: &str, id: u64) -> String {
    format!("{}{id:010}", deployments_prefix(name))
}

/// The key of bundle `digest`'s description.
pub fn bundle_meta_key(digest: &str) -> String {
    format!("bundles/{digest}/meta")
}

/// The key of chunk `index` of bundle `digest`.
pub fn bundle_chunk_key(digest: &str, index: usize) -> String {
    format!("bundles/{digest}/{index:06}")
}

/// How a stored bundle is cut.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BundleMeta {
    /// Chunks, each under [`bundle_chunk_key`].
    pub chunks: usize,
    /// Bytes of the `.tar.gz`.
    pub bytes: u64,
}

/// One immutable code version of a tenant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct VersionRecord {
    /// Its id within the tenant.
    pub id: u64,
    /// The SHA-256 of its bundle (names and contents), hex.
    pub sha256: String,
    /// Bytes of the upload, compressed.
    pub size: u64,
    /// Files in the bundle.
    pub files: usize,
    /// Routes within the tenant, each with its handler.
    pub routes: Vec<RouteSpec>,
    /// Plain variables.
    pub vars: BTreeMap<String, String>,
    /// Its own compatibility flags.
    pub compatibility_flags: Vec<String>,
    /// What it is, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Its label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Who uploaded it (the token's name).
    pub by: String,
    /// When, in seconds since the Unix epoch.
    pub created_unix_s: u64,
}

/// One version's share of a deployment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Share {
    /// The version.
    pub id: u64,
    /// Its share of requests, in percent.
    pub percentage: u8,
}

/// One deployment: which versions serve the tenant, in which shares.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeploymentRecord {
    /// Its id within the tenant.
    pub id: u64,
    /// The versions and their shares (summing to 100).
    pub versions: Vec<Share>,
    /// Why, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Who made it (the token's name).
    pub by: String,
    /// When, in seconds since the Unix epoch.
    pub created_unix_s: u64,
    /// When to return to the stable version on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_rollback: Option<AutoRollback>,
}

/// A gradual deployment's automatic rollback: when the new versions' share of 5xx answers
/// (limit stops among them) exceeds the stable version's by more than `max_error_ratio`
/// over at least `min_requests` of theirs, the stable version gets 100% again.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AutoRollback {
    /// How much higher, as a fraction of requests (0.05: five points), the new versions'
    /// error ratio may be.
    pub max_error_ratio: f64,
    /// Requests the new versions answer before they are judged.
    pub min_requests: u64,
}

impl Eq for AutoRollback {}

/// Everything under [`STATE`], as of a revision.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// The revision it is as of.
    pub revision: Revision,
    /// Tenants by name.
    pub tenants: BTreeMap<String, Arc<TenantSpec>>,
    /// Each tenant's versions by id.
    pub versions: BTreeMap<String, Arc<BTreeMap<u64, VersionRecord>>>,
    /// Each tenant's deployments by id.
    pub deployments: BTreeMap<String, Arc<BTreeMap<u64, DeploymentRecord>>>,
    /// Each tenant's tokens by name.
    pub tokens: BTreeMap<String, Arc<BTreeMap<String, TokenRecord>>>,
    /// Each tenant's secrets by name, sealed.
    pub secrets: BTreeMap<String, Arc<BTreeMap<String, SealedSecret>>>,
    /// The revision that last changed anything of each tenant (its spec, a version, a
    /// deployment, a token or a secret): what is built from a tenant is kept while this
    /// stays the same.
    pub touched: BTreeMap<String, Revision>,
    /// The bundles of the versions deleted by the changes applied since this was last
    /// taken: those no other version names are collected from the store.
    pub dropped: Vec<String>,
}

/// The key of tenant `name`'s token `token`.
pub fn token_key(name: &str, token: &str) -> String {
    format!("{STATE}tokens/{name}/{token}")
}

/// The key of tenant `name`'s secret `secret`.
pub fn secret_key(name: &str, secret: &str) -> String {
    format!("{STATE}secrets/{name}/{secret}")
}

/// A tenant-scoped API token, as stored: its SHA-256, never the token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenRecord {
    /// The SHA-256 of the token, hex.
    pub sha256: String,
    /// Who created it.
    pub by: String,
    /// When, in seconds since the Unix epoch.
    pub created_unix_s: u64,
}

/// A secret, as stored: sealed with AES-256-GCM under `[store] secret_key`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SealedSecret {
    /// The nonce, hex.
    pub nonce: String,
    /// The ciphertext and tag, hex.
    pub sealed: String,
}

/// What a key under [`STATE`] is.
enum Key<'a> {
    Tenant(&'a str),
    Version(&'a str, u64),
    Deployment(&'a str, u64),
    Token(&'a str, &'a str),
    Secret(&'a str, &'a str),
}

fn parse_key(key: &str) -> Option<Key<'_>> {
    let rest = key.strip_prefix(STATE)?;
    if let Some(name) = rest.strip_prefix("tenants/") {
        return Some(Key::Tenant(name));
    }
    if let Some((name, token)) = rest
        .strip_prefix("tokens/")
        .and_then(|rest| rest.split_once('/'))
    {
        return Some(Key::Token(name, token));
    }
    if let Some((name, secret)) = rest
        .strip_prefix("secrets/")
        .and_then(|rest| rest.split_once('/'))
    {
        return Some(Key::Secret(name, secret));
    }
    if let Some((name, id)) = numbered(rest, "versions/") {
        return Some(Key::Version(name, id));
    }
    numbered(rest, "deployments/").map(|(name, id)| Key::Deployment(name, id))
}

/// `<kind><name>/<id>` as the name and id.
fn numbered<'k>(rest: &'k str, kind: &str) -> Option<(&'k str, u64)> {
    let (name, id) = rest.strip_prefix(kind)?.split_once('/')?;
    Some((name, id.parse().ok()?))
}

impl State {
    /// The state of `entries` (a listing of [`STATE`]) as of `revision`; values that do not
    /// parse are skipped with a warning.
    pub fn from_listing(entries: &[Entry], revision: Revision) -> Self {
        let mut state = Self {
            revision,
            ..Self::default()
        };
        for entry in entries {
            state.put(&entry.key, &entry.value, entry.modified);
        }
        state
    }

    /// Applies one watched change. Cloning a state shares every tenant's records; a change
    /// copies only the changed tenant's.
    pub fn apply(&mut self, event: &Event) {
        let revision = event.revision();
        self.revision = self.revision.max(revision);
        match event {
            Event::Put(entry) => self.put(&entry.key, &entry.value, revision),
            Event::Delete { key, .. } => {
                let name = match parse_key(key) {
                    Some(Key::Tenant(name)) => {
                        self.tenants.remove(name);
                        name
                    }
                    Some(Key::Version(name, id)) => {
                        if let Some(versions) = self.versions.get_mut(name) {
                            if let Some(gone) = Arc::make_mut(versions).remove(&id) {
                                self.dropped.push(gone.sha256);
                            }
                        }
                        name
                    }
                    Some(Key::Deployment(name, id)) => {
                        if let Some(deployments) = self.deployments.get_mut(name) {
                            Arc::make_mut(deployments).remove(&id);
                        }
                        name
                    }
                    Some(Key::Token(name, token)) => {
                        if let Some(tokens) = self.tokens.get_mut(name) {
                            Arc::make_mut(tokens).remove(token);
                        }
                        name
                    }
                    Some(Key::Secret(name, secret)) => {
                        if let Some(secrets) = self.secrets.get_mut(name) {
                            Arc::make_mut(secrets).remove(secret);
                        }
                        name
                    }
                    None => return,
                };
                self.touch(name, revision);
            }
        }
    }

    fn touch(&mut self, name: &str, revision: Revision) {
        match self.touched.get_mut(name) {
            Some(touched) => *touched = (*touched).max(revision),
            None => {
                self.touched.insert(name.to_owned(), revision);
            }
        }
    }

    fn put(&mut self, key: &str, value: &[u8], revision: Revision) {
        fn records<'m, V: Clone + Default>(
            maps: &'m mut BTreeMap<String, Arc<V>>,
            name: &str,
        ) -> &'m mut V {
            Arc::make_mut(maps.entry(name.to_owned()).or_default())
        }
        let (name, parsed) = match parse_key(key) {
            Some(Key::Tenant(name)) => (
                name,
                serde_json::from_slice(value).map(|spec| {
                    self.tenants.insert(name.to_owned(), Arc::new(spec));
                }),
            ),
            Some(Key::Version(name, id)) => (
                name,
                serde_json::from_slice(value).map(|record| {
                    records(&mut self.versions, name).insert(id, record);
                }),
            ),
            Some(Key::Deployment(name, id)) => (
                name,
                serde_json::from_slice(value).map(|record| {
                    records(&mut self.deployments, name).insert(id, record);
                }),
            ),
            Some(Key::Token(name, token)) => (
                name,
                serde_json::from_slice(value).map(|record| {
                    records(&mut self.tokens, name).insert(token.to_owned(), record);
                }),
            ),
            Some(Key::Secret(name, secret)) => (
                name,
                serde_json::from_slice(value).map(|record| {
                    records(&mut self.secrets, name).insert(secret.to_owned(), record);
                }),
            ),
            None => return,
        };
        match parsed {
            Ok(()) => self.touch(name, revision),
            Err(error) => tracing::warn!(
                key,
                "a stored value that does not parse is ignored: {error}"
            ),
        }
    }

    /// Whether any version names the bundle `digest`.
    pub fn names_bundle(&self, digest: &str) -> bool {
        self.versions
            .values()
            .any(|versions| versions.values().any(|version| version.sha256 == digest))
    }

    /// Tenant `name`'s live deployment.
    pub fn live(&self, name: &str) -> Option<&DeploymentRecord> {
        self.deployments
            .get(name)
            .and_then(|deployments| deployments.values().next_back())
    }

    /// Version `id` of tenant `name`.
    pub fn version(&self, name: &str, id: u64) -> Option<&VersionRecord> {
        self.versions
            .get(name)
            .and_then(|versions| versions.get(&id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(key: String, value: &str, revision: Revision) -> Event {
        Event::Put(Entry {
            key,
            value: bytes::Bytes::from(value.to_owned()),
            created: revision,
            modified: revision,
        })
    }

    fn deployment(id: u64) -> String {
        format!(
            r#"{{"id":{id},"versions":[{{"id":1,"percentage":100}}],"by":"t","created_unix_s":0}}"#
        )
    }

    #[test]
    fn a_change_touches_only_its_tenant_and_a_clone_shares_the_others_records() {
        let listing = [
            Entry {
                key: tenant_key("a"),
                value: bytes::Bytes::from_static(br#"{"hosts":["a.test"]}"#),
                created: 3,
                modified: 3,
            },
            Entry {
                key: deployment_key("b", 1),
                value: bytes::Bytes::from(deployment(1)),
                created: 5,
                modified: 5,
            },
        ];
        let before = State::from_listing(&listing, 5);
        assert_eq!(before.touched.get("a"), Some(&3));
        assert_eq!(before.touched.get("b"), Some(&5));

        let mut after = before.clone();
        after.apply(&put(deployment_key("a", 1), &deployment(1), 9));
        assert_eq!(after.revision, 9);
        assert_eq!(after.touched.get("a"), Some(&9));
        assert_eq!(after.touched.get("b"), Some(&5));
        assert_eq!(after.live("a").map(|live| live.id), Some(1));
        assert!(
            before.live("a").is_none(),
            "the earlier state is not changed"
        );
        assert!(Arc::ptr_eq(
            &before.deployments["b"],
            &after.deployments["b"]
        ));
        assert!(Arc::ptr_eq(&before.tenants["a"], &after.tenants["a"]));

        after.apply(&Event::Delete {
            key: deployment_key("b", 1),
            revision: 11,
        });
        assert_eq!(after.touched.get("b"), Some(&11));
        assert!(after.live("b").is_none());
        assert!(before.live("b").is_some());
        // A value that does not parse changes nothing, and touches nothing.
        after.apply(&put(version_key("a", 2), "{", 12));
        assert_eq!(after.touched.get("a"), Some(&9));
    }
}
