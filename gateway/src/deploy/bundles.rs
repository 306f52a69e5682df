//! Bundles in the store, content-addressed: `bundles/<sha256>/` holds the bundle's files as
//! a `.tar.gz` cut into chunks that fit etcd's value limit, then a description naming how
//! many. Chunks are written before the description, and the description before any version
//! naming the bundle, so a crash mid-upload leaves at most unreferenced chunks; a bundle
//! already stored (the same files uploaded again) is not written twice. A version's commit
//! is conditioned on its bundle's keys and writes the description again, and a bundle no
//! version names any more is deleted under conditions on the same keys, so the two never
//! cross: a version never names a bundle that is gone.

use std::sync::Arc;

use bytes::Bytes;
use isogate_runtime::Bundle;
use isogate_runtime::BundleLimits;
use isogate_store::Revision;
use isogate_store::Store;
use isogate_store::StoreError;
use isogate_store::Transaction;

use super::archive;
use super::records::bundle_chunk_key;
use super::records::bundle_meta_key;
use super::records::BundleMeta;

/// Bytes per chunk: under etcd's default request limit (1.5 MiB) with room to spare.
const CHUNK: usize = 1 << 20;

/// A stored bundle as an upload found or wrote it: what its version's commit holds it by.
#[derive(Debug)]
pub(super) struct Held {
    meta_key: String,
    meta: Bytes,
    /// Each key of the bundle (its chunks, then its description) and its revision then.
    revisions: Vec<(String, Revision)>,
}

impl Held {
    /// `transaction`, conditioned on the bundle being as found and writing its description
    /// again: a collection that read the bundle before then conflicts, and one after sees
    /// the version that names it.
    pub(super) fn hold(&self, transaction: Transaction) -> Transaction {
        let transaction = self
            .revisions
            .iter()
            .fold(transaction, |transaction, (key, revision)| {
                transaction.when_modified_at(key, *revision)
            });
        transaction.put(&self.meta_key, self.meta.clone())
    }
}

/// Stores the bundle `digest` (`files`, packed), unless it is stored whole already.
pub(super) async fn save(
    store: &dyn Store,
    digest: &str,
    files: &[(String, Bytes)],
) -> Result<Held, StoreError> {
    if let Some(held) = stored(store, digest).await? {
        return Ok(held);
    }
    let packed = archive::pack(
        files
            .iter()
            .map(|(name, contents)| (name.as_str(), contents.as_ref())),
        None,
    )
    .map_err(|error| StoreError::Unavailable(format!("packing the bundle: {error}")))?;
    let packed = Bytes::from(packed);
    let chunks = packed.len().div_ceil(CHUNK).max(1);
    let mut revisions = Vec::with_capacity(chunks + 1);
    for index in 0..chunks {
        let start = index * CHUNK;
        let end = (start + CHUNK).min(packed.len());
        let key = bundle_chunk_key(digest, index);
        let revision = store
            .commit(Transaction::new().put(&key, packed.slice(start..end)))
            .await?;
        revisions.push((key, revision));
    }
    let meta = BundleMeta {
        chunks,
        bytes: packed.len() as u64,
    };
    let meta = Bytes::from(
        serde_json::to_vec(&meta)
            .map_err(|error| StoreError::Unavailable(format!("encoding: {error}")))?,
    );
    let meta_key = bundle_meta_key(digest);
    let revision = store
        .commit(Transaction::new().put(&meta_key, meta.clone()))
        .await?;
    revisions.push((meta_key.clone(), revision));
    Ok(Held {
        meta_key,
        meta,
        revisions,
    })
}

/// The bundle `digest`, when its description and every chunk it names are stored.
async fn stored(store: &dyn Store, digest: &str) -> Result<Option<Held>, StoreError> {
    let meta_key = bundle_meta_key(digest);
    let Some(meta) = store.get(&meta_key).await? else {
        return Ok(None);
    };
    let Ok(described) = serde_json::from_slice::<BundleMeta>(&meta.value) else {
        return Ok(None);
    };
    let mut revisions = Vec::with_capacity(described.chunks + 1);
    for index in 0..described.chunks {
        let key = bundle_chunk_key(digest, index);
        let Some(chunk) = store.get(&key).await? else {
            return Ok(None);
        };
        revisions.push((key, chunk.modified));
    }
    revisions.push((meta_key.clone(), meta.modified));
    Ok(Some(Held {
        meta_key,
        meta: meta.value,
        revisions,
    }))
}

/// Deletes the bundle `digest`, which no version of the state as of `as_of` names: its
/// description and chunks in one transaction conditioned on each being as read here, and
/// only if nothing wrote the description after `as_of` (a version naming it since would
/// have). Whether it went; `false` when something holds it now or it was gone.
pub(super) async fn collect(
    store: &dyn Store,
    digest: &str,
    as_of: Revision,
) -> Result<bool, StoreError> {
    let meta_key = bundle_meta_key(digest);
    let Some(meta) = store.get(&meta_key).await? else {
        return Ok(false);
    };
    if meta.modified > as_of {
        return Ok(false);
    }
    let chunks =
        serde_json::from_slice::<BundleMeta>(&meta.value).map_or(0, |described| described.chunks);
    let mut transaction = Transaction::new()
        .when_modified_at(&meta_key, meta.modified)
        .delete(&meta_key);
    for index in 0..chunks {
        let key = bundle_chunk_key(digest, index);
        if let Some(chunk) = store.get(&key).await? {
            transaction = transaction
                .when_modified_at(&key, chunk.modified)
                .delete(key);
        }
    }
    match store.commit(transaction).await {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Why a stored bundle cannot be used.
#[derive(Debug, thiserror::Error)]
pub(super) enum LoadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A part is missing.
    #[error("{0} is missing")]
    Missing(String),
    /// The stored bytes are not the bundle.
    #[error("damaged: {0}")]
    Damaged(String),
}

/// Reads the bundle `digest` from the store, checks it is the one named, and mounts it.
pub(super) async fn load(store: &dyn Store, digest: &str) -> Result<Arc<Bundle>, LoadError> {
    let meta_key = bundle_meta_key(digest);
    let meta = store
        .get(&meta_key)
        .await?
        .ok_or_else(|| LoadError::Missing(meta_key.clone()))?;
    let meta: BundleMeta = serde_json::from_slice(&meta.value)
        .map_err(|error| LoadError::Damaged(error.to_string()))?;
    let mut packed = Vec::with_capacity(usize::try_from(meta.bytes).unwrap_or(0));
    for index in 0..meta.chunks {
        let key = bundle_chunk_key(digest, index);
        let chunk = store
            .get(&key)
            .await?
            .ok_or_else(|| LoadError::Missing(key.clone()))?;
        packed.extend_from_slice(&chunk.value);
    }
    let limits = BundleLimits::default();
    let unpacked =
        archive::unpack(&packed, &limits).map_err(|error| LoadError::Damaged(error.to_string()))?;
    let bundle = Bundle::new(unpacked.files, &limits)
        .map_err(|error| LoadError::Damaged(error.to_string()))?;
    if bundle.digest() != digest {
        return Err(LoadError::Damaged(format!(
            "its contents hash to {}",
            bundle.digest()
        )));
    }
    Ok(isogate_runtime::mount_bundle(bundle))
}

#[cfg(test)]
mod tests {
    use isogate_store::SqliteStore;

    use super::*;

    fn files(text: &str) -> Vec<(String, Bytes)> {
        vec![("index.js".to_owned(), Bytes::from(text.to_owned()))]
    }

    #[tokio::test]
    async fn a_collection_and_a_version_naming_the_bundle_never_both_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("store.sqlite")).unwrap();
        let version = |id: u64| Transaction::new().put(format!("state/versions/t/{id}"), "{}");

        // Collected after the upload found it: the version's commit conflicts, and the next
        // try stores the bundle again.
        let held = save(&store, "d", &files("one")).await.unwrap();
        let as_of = store.list("state/").await.unwrap().1;
        assert!(collect(&store, "d", as_of).await.unwrap());
        assert!(matches!(
            store.commit(held.hold(version(1))).await,
            Err(StoreError::Conflict(_))
        ));
        let held = save(&store, "d", &files("one")).await.unwrap();
        let committed = store.commit(held.hold(version(1))).await.unwrap();

        // A version committed after the state a collection judged by: the bundle stays.
        assert!(!collect(&store, "d", committed - 1).await.unwrap());
        assert!(stored(&store, "d").await.unwrap().is_some());

        // A chunk lost under its description: the next upload writes it again.
        store
            .commit(Transaction::new().delete(bundle_chunk_key("d", 0)))
            .await
            .unwrap();
        assert!(stored(&store, "d").await.unwrap().is_none());
        save(&store, "d", &files("one")).await.unwrap();
        assert!(stored(&store, "d").await.unwrap().is_some());
    }
}
