//! The cluster store: etcd (v3 API, through `etcd-client`), where every node of a cluster
//! reads, commits and watches the same keys. The store's keys live under a namespace prefix
//! of their own (`isogate/` unless told), so one etcd may serve other users too. Revisions,
//! conditions and watches are etcd's own; with etcd unreachable every call fails with
//! [`StoreError::Unavailable`] and nothing is changed.

use std::time::Duration;

use bytes::Bytes;
use etcd_client::Client;
use etcd_client::Compare;
use etcd_client::CompareOp;
use etcd_client::ConnectOptions;
use etcd_client::EventType;
use etcd_client::GetOptions;
use etcd_client::KeyValue;
use etcd_client::Txn;
use etcd_client::TxnOp;
use etcd_client::WatchOptions;
use etcd_client::WatchStream;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use futures::StreamExt;

use crate::check_transaction;
use crate::Change;
use crate::Condition;
use crate::Entry;
use crate::Event;
use crate::Revision;
use crate::Store;
use crate::StoreError;
use crate::Transaction;

/// How long a call to etcd may take before it is `Unavailable`.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// The store on an etcd cluster (see the module's documentation).
#[derive(Clone)]
pub struct EtcdStore {
    client: Client,
    namespace: String,
}

impl std::fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStore")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("etcd: {error}"))
}

fn revision_of(value: i64) -> Revision {
    Revision::try_from(value).unwrap_or_default()
}

fn stamp(revision: Revision) -> i64 {
    i64::try_from(revision).unwrap_or(i64::MAX)
}

impl EtcdStore {
    /// Connects to the etcd cluster at `endpoints` (`http://127.0.0.1:2379`, …), keeping the
    /// store's keys under `namespace`.
    pub async fn connect(endpoints: &[String], namespace: &str) -> Result<Self, StoreError> {
        let options = ConnectOptions::new()
            .with_connect_timeout(CALL_TIMEOUT)
            .with_timeout(CALL_TIMEOUT);
        let client = Client::connect(endpoints, Some(options))
            .await
            .map_err(unavailable)?;
        let store = Self {
            client,
            namespace: namespace.to_owned(),
        };
        // The client connects lazily: one read says whether etcd answers at all.
        store.get("\u{1}probe").await?;
        Ok(store)
    }

    fn full(&self, key: &str) -> String {
        format!("{}{key}", self.namespace)
    }

    /// The store's key of etcd's `kv`, if it is in the namespace and text.
    fn entry(&self, kv: &KeyValue) -> Option<Entry> {
        let key = kv.key_str().ok()?.strip_prefix(&self.namespace)?.to_owned();
        Some(Entry {
            key,
            value: Bytes::copy_from_slice(kv.value()),
            created: revision_of(kv.create_revision()),
            modified: revision_of(kv.mod_revision()),
        })
    }

    async fn read(
        &self,
        key: String,
        options: Option<GetOptions>,
    ) -> Result<(Vec<Entry>, Revision), StoreError> {
        let mut kv = self.client.kv_client();
        let response = kv.get(key, options).await.map_err(unavailable)?;
        let revision = response.header().map_or(0, |header| header.revision());
        let entries = response
            .kvs()
            .iter()
            .filter_map(|kv| self.entry(kv))
            .collect();
        Ok((entries, revision_of(revision)))
    }

    async fn apply(&self, transaction: Transaction) -> Result<Revision, StoreError> {
        check_transaction(&transaction)?;
        let compares: Vec<Compare> = transaction
            .conditions
            .iter()
            .map(|condition| match condition {
                Condition::Absent(key) => {
                    Compare::create_revision(self.full(key), CompareOp::Equal, 0)
                }
                Condition::ModifiedAt(key, revision) => {
                    Compare::mod_revision(self.full(key), CompareOp::Equal, stamp(*revision))
                }
            })
            .collect();
        let operations: Vec<TxnOp> = transaction
            .changes
            .iter()
            .map(|change| match change {
                Change::Put(key, value) => TxnOp::put(self.full(key), value.to_vec(), None),
                Change::Delete(key) => TxnOp::delete(self.full(key), None),
            })
            .collect();
        let mut kv = self.client.kv_client();
        let response = kv
            .txn(Txn::new().when(compares).and_then(operations))
            .await
            .map_err(unavailable)?;
        if !response.succeeded() {
            let wanted: Vec<String> = transaction
                .conditions
                .iter()
                .map(|condition| match condition {
                    Condition::Absent(key) => format!("{key:?} absent"),
                    Condition::ModifiedAt(key, revision) => {
                        format!("{key:?} written at revision {revision}")
                    }
                })
                .collect();
            return Err(StoreError::Conflict(format!(
                "not every condition holds ({})",
                wanted.join(", ")
            )));
        }
        Ok(revision_of(
            response.header().map_or(0, |header| header.revision()),
        ))
    }
}

/// A watch's place: etcd's stream of responses, and the events of the last one not yet
/// yielded.
struct Watching {
    store: EtcdStore,
    stream: Option<WatchStream>,
    prefix: String,
    after: Revision,
    pending: std::collections::VecDeque<Event>,
    ended: bool,
}

impl Watching {
    async fn next(mut self) -> Option<(Result<Event, StoreError>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            if self.ended {
                return None;
            }
            let stream = match self.stream.as_mut() {
                Some(stream) => stream,
                None => {
                    let options = WatchOptions::new()
                        .with_prefix()
                        .with_start_revision(stamp(self.after + 1));
                    let mut watch = self.store.client.watch_client();
                    match watch
                        .watch(self.store.full(&self.prefix), Some(options))
                        .await
                    {
                        Ok(stream) => self.stream.insert(stream),
                        Err(error) => {
                            self.ended = true;
                            return Some((Err(unavailable(error)), self));
                        }
                    }
                }
            };
            let response = match stream.message().await {
                Ok(Some(response)) => response,
                Ok(None) => {
                    self.ended = true;
                    return Some((Err(unavailable("the watch ended")), self));
                }
                Err(error) => {
                    self.ended = true;
                    return Some((Err(unavailable(error)), self));
                }
            };
            if response.compact_revision() > 0 {
                self.ended = true;
                return Some((
                    Err(StoreError::Compacted(revision_of(
                        response.compact_revision() - 1,
                    ))),
                    self,
                ));
            }
            if response.canceled() {
                self.ended = true;
                let reason = response.cancel_reason().to_owned();
                return Some((Err(unavailable(format!("watch canceled: {reason}"))), self));
            }
            for event in response.events() {
                let Some(kv) = event.kv() else { continue };
                let Some(entry) = self.store.entry(kv) else {
                    continue;
                };
                self.after = self.after.max(entry.modified);
                self.pending.push_back(match event.event_type() {
                    EventType::Put => Event::Put(entry),
                    EventType::Delete => Event::Delete {
                        revision: entry.modified,
                        key: entry.key,
                    },
                });
            }
        }
    }
}

impl Store for EtcdStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Entry>, StoreError>> {
        async move {
            let (entries, _) = self.read(self.full(key), None).await?;
            Ok(entries.into_iter().next())
        }
        .boxed()
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<(Vec<Entry>, Revision), StoreError>> {
        async move {
            let options = GetOptions::new().with_prefix();
            self.read(self.full(prefix), Some(options)).await
        }
        .boxed()
    }

    fn commit(&self, transaction: Transaction) -> BoxFuture<'_, Result<Revision, StoreError>> {
        self.apply(transaction).boxed()
    }

    fn watch(
        &self,
        prefix: &str,
        after: Revision,
    ) -> BoxStream<'static, Result<Event, StoreError>> {
        let watching = Watching {
            store: self.clone(),
            stream: None,
            prefix: prefix.to_owned(),
            after,
            pending: std::collections::VecDeque::new(),
            ended: false,
        };
        futures::stream::unfold(watching, Watching::next).boxed()
    }
}
