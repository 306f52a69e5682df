//! Bundles in the store, content-addressed: `bundles/<sha256>/` holds the bundle's files as
//! a `.tar.gz` cut into chunks that fit etcd's value limit, then a description naming how
//! many. Chunks are written before the description, and the description before any version
//! naming the bundle, so a crash mid-upload leaves at most unreferenced chunks; a bundle
//! already stored (the same files uploaded again) is not written twice.

use std::sync::Arc;

use bytes::Bytes;
use isogate_runtime::Bundle;
use isogate_runtime::BundleLimits;
use isogate_store::Store;
use isogate_store::StoreError;
use isogate_store::Transaction;

use super::archive;
use super::records::bundle_chunk_key;
use super::records::bundle_meta_key;
use super::records::BundleMeta;

/// Bytes per chunk: under etcd's default request limit (1.5 MiB) with room to spare.
const CHUNK: usize = 1 << 20;

/// Stores the bundle `digest` (`files`, packed), unless it is stored already.
pub(super) async fn save(
    store: &dyn Store,
    digest: &str,
    files: &[(String, Bytes)],
) -> Result<(), StoreError> {
    let meta_key = bundle_meta_key(digest);
    if store.get(&meta_key).await?.is_some() {
        return Ok(());
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
    for index in 0..chunks {
        let start = index * CHUNK;
        let end = (start + CHUNK).min(packed.len());
        store
            .commit(
                Transaction::new().put(bundle_chunk_key(digest, index), packed.slice(start..end)),
            )
            .await?;
    }
    let meta = BundleMeta {
        chunks,
        bytes: packed.len() as u64,
    };
    let value = serde_json::to_vec(&meta)
        .map_err(|error| StoreError::Unavailable(format!("encoding: {error}")))?;
    store
        .commit(Transaction::new().put(meta_key, value))
        .await?;
    Ok(())
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
