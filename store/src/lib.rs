//! `isogate-store`: where a gateway keeps the state it is given over its API (tenants, code
//! versions, deployments, tokens): keys holding bytes, each change numbered by a store-wide
//! revision, changed only by atomic transactions with conditions, and watched from any
//! revision still in the history, so that every node can follow the store and apply what
//! changed in order.
//!
//! # Layout
//! - this file: the [`Store`] trait and what crosses it ([`Entry`], [`Event`],
//!   [`Transaction`], [`StoreError`]).
//! - `sqlite`: [`SqliteStore`], the embedded default: one SQLite file in WAL mode, every
//!   commit synced before it is acknowledged, a bounded history of events for watches.
//! - `etcd`: [`EtcdStore`], for several nodes: the same keys in an etcd cluster, its
//!   revisions, transactions and watches used as they are.
//!
//! # Model
//! Revisions count commits: a transaction that changes anything gets the next revision and
//! every key it writes or deletes records it. A watch from revision `r` yields the events of
//! every later revision, in order, each revision's events together, for the keys under a
//! prefix; a watch from before the kept history fails with [`StoreError::Compacted`], and
//! its owner lists again. This is etcd's model, so a cluster backend fits the same trait.

#![deny(clippy::unwrap_used, clippy::expect_used)]

mod etcd;
mod sqlite;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;

pub use etcd::EtcdStore;
pub use sqlite::SqliteStore;
pub use sqlite::HISTORY;

/// A store-wide revision: how many committed transactions changed something.
pub type Revision = u64;

/// A key and its value as of some revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Bytes,
    /// The revision that created the key (since it last did not exist).
    pub created: Revision,
    /// The revision that last wrote it.
    pub modified: Revision,
}

/// One change a watch reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A key was written; the entry is as of that revision.
    Put(Entry),
    /// A key was deleted at `revision`.
    Delete {
        /// The key.
        key: String,
        /// The revision that deleted it.
        revision: Revision,
    },
}

impl Event {
    /// The revision of the change.
    pub fn revision(&self) -> Revision {
        match self {
            Self::Put(entry) => entry.modified,
            Self::Delete { revision, .. } => *revision,
        }
    }

    /// The key it changed.
    pub fn key(&self) -> &str {
        match self {
            Self::Put(entry) => &entry.key,
            Self::Delete { key, .. } => key,
        }
    }
}

/// What must hold for a transaction to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The key does not exist.
    Absent(String),
    /// The key exists and was last written at this revision.
    ModifiedAt(String, Revision),
}

/// One change of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Writes a key.
    Put(String, Bytes),
    /// Deletes a key (nothing, when it does not exist).
    Delete(String),
}

/// Changes applied together, under one revision, only when every condition holds. A
/// transaction changes each key at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transaction {
    /// What must hold.
    pub conditions: Vec<Condition>,
    /// What it changes, in order.
    pub changes: Vec<Change>,
}

impl Transaction {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies only if `key` does not exist.
    #[must_use]
    pub fn when_absent(mut self, key: impl Into<String>) -> Self {
        self.conditions.push(Condition::Absent(key.into()));
        self
    }

    /// Applies only if `key` was last written at `revision`.
    #[must_use]
    pub fn when_modified_at(mut self, key: impl Into<String>, revision: Revision) -> Self {
        self.conditions
            .push(Condition::ModifiedAt(key.into(), revision));
        self
    }

    /// Writes `value` to `key`.
    #[must_use]
    pub fn put(mut self, key: impl Into<String>, value: impl Into<Bytes>) -> Self {
        self.changes.push(Change::Put(key.into(), value.into()));
        self
    }

    /// Deletes `key`.
    #[must_use]
    pub fn delete(mut self, key: impl Into<String>) -> Self {
        self.changes.push(Change::Delete(key.into()));
        self
    }
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// A condition of the transaction did not hold; nothing was changed.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A watch asked for revisions the history no longer holds.
    #[error("revisions up to {0} are compacted; list again and watch from the listing")]
    Compacted(Revision),
    /// A key that is not one (empty, too long, or with a NUL byte).
    #[error("invalid key {0:?}: {1}")]
    InvalidKey(String, &'static str),
    /// The store cannot be reached or used now; nothing was changed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// The longest key a store takes, in bytes.
pub const MAX_KEY_BYTES: usize = 1024;

/// Checks that `key` is one a store takes.
pub fn check_key(key: &str) -> Result<(), StoreError> {
    let refuse = |why| Err(StoreError::InvalidKey(key.to_owned(), why));
    if key.is_empty() {
        return refuse("empty");
    }
    if key.len() > MAX_KEY_BYTES {
        return refuse("longer than 1024 bytes");
    }
    if key.contains('\0') {
        return refuse("contains a NUL byte");
    }
    Ok(())
}

/// Checks that every key `transaction` changes is one a store takes, and that none is
/// changed twice.
pub(crate) fn check_transaction(transaction: &Transaction) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    for change in &transaction.changes {
        let (Change::Put(key, _) | Change::Delete(key)) = change;
        check_key(key)?;
        if !seen.insert(key.as_str()) {
            return Err(StoreError::InvalidKey(
                key.clone(),
                "changed twice in one transaction",
            ));
        }
    }
    Ok(())
}

/// A store of keys with revisions and watches.
pub trait Store: Send + Sync + 'static {
    /// The entry at `key`, if there is one.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Entry>, StoreError>>;

    /// Every entry whose key starts with `prefix`, in key order, and the revision the
    /// listing is as of (watch from it to follow on).
    fn list<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<(Vec<Entry>, Revision), StoreError>>;

    /// Applies `transaction` atomically and durably: the revision it committed (the current
    /// one when it changed nothing), or [`StoreError::Conflict`] with nothing changed.
    fn commit(&self, transaction: Transaction) -> BoxFuture<'_, Result<Revision, StoreError>>;

    /// The events of every revision after `after` for keys starting with `prefix`, in
    /// order, as they are committed. It ends when the store is dropped, or after an error
    /// ([`StoreError::Compacted`], [`StoreError::Unavailable`]), after which its owner lists
    /// again and watches from the listing.
    fn watch(&self, prefix: &str, after: Revision)
        -> BoxStream<'static, Result<Event, StoreError>>;
}
