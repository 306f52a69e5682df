//! The embedded store: one SQLite file (WAL, `synchronous = FULL`, so a commit is on disk
//! before it is acknowledged and survives `kill -9` and power loss), held by one process
//! (exclusive locking: a second gateway on the same file is refused at open). Entries live
//! in `entries`; each revision's changes are kept in `events` for the last [`HISTORY`]
//! revisions, for watches that start in the past. Live watches are fed from a broadcast
//! sent under the connection's lock, so they see revisions in commit order.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::PoisonError;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::FutureExt;
use futures::StreamExt;
use rusqlite::params;
use rusqlite::Connection;
use rusqlite::OptionalExtension;
use rusqlite::TransactionBehavior;
use tokio::sync::broadcast;

use crate::check_transaction;
use crate::Change;
use crate::Condition;
use crate::Entry;
use crate::Event;
use crate::Revision;
use crate::Store;
use crate::StoreError;
use crate::Transaction;

/// Revisions whose events are kept for watches that start in the past.
pub const HISTORY: Revision = 1000;

/// Revisions between two trims of the history.
const TRIM_EVERY: Revision = 64;

/// Committed revisions not yet taken by the slowest live watch; past it, a watch catches up
/// from the history instead.
const LIVE_BACKLOG: usize = 256;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    created INTEGER NOT NULL,
    modified INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    revision INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    value BLOB,
    created INTEGER,
    PRIMARY KEY (revision, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
";

/// The changes of one revision, as live watches get them.
#[derive(Debug)]
struct Batch {
    revision: Revision,
    events: Vec<Event>,
}

/// The embedded store (see the module's documentation).
#[derive(Debug)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    /// Dropped with the store, which ends its watches.
    live: broadcast::Sender<Arc<Batch>>,
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

impl SqliteStore {
    /// Opens (creating when missing, with its folder) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            if !parent.exists() {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(|error| unavailable(format!("{}: {error}", parent.display())))?;
            }
        }
        let at = |error: rusqlite::Error| {
            let busy = matches!(
                error.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            );
            if busy {
                unavailable(format!(
                    "{}: in use by another process (one gateway per store file)",
                    path.display()
                ))
            } else {
                unavailable(format!("{}: {error}", path.display()))
            }
        };
        let connection = Connection::open(path).map_err(at)?;
        connection
            .pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(at)?;
        let mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(at)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(unavailable(format!(
                "{}: cannot use write-ahead logging (journal mode {mode})",
                path.display()
            )));
        }
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(at)?;
        // Writing the schema takes the exclusive lock, held from now on.
        connection.execute_batch(SCHEMA).map_err(at)?;
        let (live, _) = broadcast::channel(LIVE_BACKLOG);
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            live,
        })
    }

    /// Runs `work` with the connection on a blocking thread.
    fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StoreError>> {
        run(self.connection.clone(), work).boxed()
    }
}

async fn run<T: Send + 'static>(
    connection: Arc<Mutex<Connection>>,
    work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(move || {
        let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut connection)
    })
    .await
    .map_err(unavailable)?
}

fn meta(connection: &Connection, name: &str) -> Result<Revision, StoreError> {
    let value: i64 = connection
        .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| {
            row.get(0)
        })
        .map_err(unavailable)?;
    Ok(Revision::try_from(value).unwrap_or_default())
}

fn revision_value(revision: Revision) -> i64 {
    i64::try_from(revision).unwrap_or(i64::MAX)
}

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let value: Vec<u8> = row.get(1)?;
    let created: i64 = row.get(2)?;
    let modified: i64 = row.get(3)?;
    Ok(Entry {
        key: row.get(0)?,
        value: Bytes::from(value),
        created: Revision::try_from(created).unwrap_or_default(),
        modified: Revision::try_from(modified).unwrap_or_default(),
    })
}

fn get(connection: &Connection, key: &str) -> Result<Option<Entry>, StoreError> {
    connection
        .query_row(
            "SELECT key, value, created, modified FROM entries WHERE key = ?1",
            [key],
            entry,
        )
        .optional()
        .map_err(unavailable)
}

/// Why `condition` does not hold, if it does not.
fn unmet(connection: &Connection, condition: &Condition) -> Result<Option<String>, StoreError> {
    let (key, wanted) = match condition {
        Condition::Absent(key) => (key, None),
        Condition::ModifiedAt(key, revision) => (key, Some(*revision)),
    };
    let modified: Option<i64> = connection
        .query_row(
            "SELECT modified FROM entries WHERE key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    let modified = modified.map(|value| Revision::try_from(value).unwrap_or_default());
    Ok(match (wanted, modified) {
        (None, None) => None,
        (None, Some(at)) => Some(format!("{key:?} exists (written at revision {at})")),
        (Some(wanted), Some(at)) if wanted == at => None,
        (Some(wanted), Some(at)) => Some(format!(
            "{key:?} was written at revision {at}, not {wanted}"
        )),
        (Some(_), None) => Some(format!("{key:?} does not exist")),
    })
}

fn commit(
    connection: &mut Connection,
    transaction: Transaction,
    live: &broadcast::Sender<Arc<Batch>>,
) -> Result<Revision, StoreError> {
    check_transaction(&transaction)?;
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(unavailable)?;
    for condition in &transaction.conditions {
        if let Some(why) = unmet(&tx, condition)? {
            return Err(StoreError::Conflict(why));
        }
    }
    let current = meta(&tx, "revision")?;
    let revision = current + 1;
    let stamp = revision_value(revision);
    let mut events = Vec::new();
    for change in transaction.changes {
        let seq = i64::try_from(events.len()).unwrap_or(i64::MAX);
        match change {
            Change::Put(key, value) => {
                let created = get(&tx, &key)?.map_or(revision, |entry| entry.created);
                let created_value = revision_value(created);
                tx.execute(
                    "INSERT INTO entries (key, value, created, modified) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key) DO UPDATE SET value = ?2, modified = ?4",
                    params![key, value.as_ref(), created_value, stamp],
                )
                .map_err(unavailable)?;
                tx.execute(
                    "INSERT INTO events (revision, seq, key, value, created)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![stamp, seq, key, value.as_ref(), created_value],
                )
                .map_err(unavailable)?;
                events.push(Event::Put(Entry {
                    key,
                    value,
                    created,
                    modified: revision,
                }));
            }
            Change::Delete(key) => {
                let deleted = tx
                    .execute("DELETE FROM entries WHERE key = ?1", [&key])
                    .map_err(unavailable)?;
                if deleted > 0 {
                    tx.execute(
                        "INSERT INTO events (revision, seq, key, value, created)
                         VALUES (?1, ?2, ?3, NULL, NULL)",
                        params![stamp, seq, key],
                    )
                    .map_err(unavailable)?;
                    events.push(Event::Delete { key, revision });
                }
            }
        }
    }
    if events.is_empty() {
        // Nothing changed: no revision is used.
        return Ok(current);
    }
    tx.execute(
        "UPDATE meta SET value = ?1 WHERE name = 'revision'",
        [stamp],
    )
    .map_err(unavailable)?;
    if revision % TRIM_EVERY == 0 && revision > HISTORY {
        let compacted = revision_value(revision - HISTORY);
        tx.execute("DELETE FROM events WHERE revision <= ?1", [compacted])
            .map_err(unavailable)?;
        tx.execute(
            "UPDATE meta SET value = ?1 WHERE name = 'compacted'",
            [compacted],
        )
        .map_err(unavailable)?;
    }
    tx.commit().map_err(unavailable)?;
    // Sent under the connection's lock: live watches get revisions in commit order.
    let _ = live.send(Arc::new(Batch { revision, events }));
    Ok(revision)
}

/// The events after `after` for keys under `prefix`, and the revision they run to.
fn history(
    connection: &mut Connection,
    prefix: &str,
    after: Revision,
) -> Result<(Vec<Event>, Revision), StoreError> {
    let tx = connection.transaction().map_err(unavailable)?;
    let compacted = meta(&tx, "compacted")?;
    if after < compacted {
        return Err(StoreError::Compacted(compacted));
    }
    let current = meta(&tx, "revision")?;
    let mut statement = tx
        .prepare(
            "SELECT revision, key, value, created FROM events WHERE revision > ?1
             ORDER BY revision, seq",
        )
        .map_err(unavailable)?;
    let rows = statement
        .query_map([revision_value(after)], |row| {
            let revision: i64 = row.get(0)?;
            let key: String = row.get(1)?;
            let value: Option<Vec<u8>> = row.get(2)?;
            let created: Option<i64> = row.get(3)?;
            Ok((revision, key, value, created))
        })
        .map_err(unavailable)?;
    let mut events = Vec::new();
    for row in rows {
        let (revision, key, value, created) = row.map_err(unavailable)?;
        if !key.starts_with(prefix) {
            continue;
        }
        let revision = Revision::try_from(revision).unwrap_or_default();
        events.push(match value {
            Some(value) => Event::Put(Entry {
                key,
                value: Bytes::from(value),
                created: created.map_or(revision, |c| Revision::try_from(c).unwrap_or_default()),
                modified: revision,
            }),
            None => Event::Delete { key, revision },
        });
    }
    Ok((events, current))
}

/// A watch's place: what it has yielded up to, and what it has yet to.
struct Watching {
    connection: Arc<Mutex<Connection>>,
    prefix: String,
    last: Revision,
    live: broadcast::Receiver<Arc<Batch>>,
    pending: VecDeque<Event>,
    /// Set when the history must be read (at the start, or after falling behind).
    catch_up: bool,
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
            if std::mem::take(&mut self.catch_up) {
                let prefix = self.prefix.clone();
                let after = self.last;
                let read = run(self.connection.clone(), move |connection| {
                    history(connection, &prefix, after)
                });
                match read.await {
                    Ok((events, current)) => {
                        self.pending.extend(events);
                        self.last = self.last.max(current);
                    }
                    Err(error) => {
                        self.ended = true;
                        return Some((Err(error), self));
                    }
                }
                continue;
            }
            match self.live.recv().await {
                Ok(batch) if batch.revision > self.last => {
                    self.last = batch.revision;
                    let prefix = &self.prefix;
                    self.pending.extend(
                        batch
                            .events
                            .iter()
                            .filter(|event| event.key().starts_with(prefix.as_str()))
                            .cloned(),
                    );
                }
                Ok(_) => {}
                Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up = true,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Store for SqliteStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Entry>, StoreError>> {
        let key = key.to_owned();
        self.with(move |connection| get(connection, &key))
    }

    fn list<'a>(
        &'a self,
        prefix: &'a str,
    ) -> BoxFuture<'a, Result<(Vec<Entry>, Revision), StoreError>> {
        let prefix = prefix.to_owned();
        self.with(move |connection| {
            let tx = connection.transaction().map_err(unavailable)?;
            let current = meta(&tx, "revision")?;
            let mut statement = tx
                .prepare(
                    "SELECT key, value, created, modified FROM entries WHERE key >= ?1
                     ORDER BY key",
                )
                .map_err(unavailable)?;
            let mut entries = Vec::new();
            // Keys with the prefix sort together, from the prefix itself.
            for row in statement.query_map([&prefix], entry).map_err(unavailable)? {
                let entry = row.map_err(unavailable)?;
                if !entry.key.starts_with(&prefix) {
                    break;
                }
                entries.push(entry);
            }
            Ok((entries, current))
        })
    }

    fn commit(&self, transaction: Transaction) -> BoxFuture<'_, Result<Revision, StoreError>> {
        let live = self.live.clone();
        self.with(move |connection| commit(connection, transaction, &live))
    }

    fn watch(
        &self,
        prefix: &str,
        after: Revision,
    ) -> BoxStream<'static, Result<Event, StoreError>> {
        // Subscribed before the history is read: a revision committed meanwhile is in one
        // or the other, and read twice it is yielded once.
        let watching = Watching {
            connection: self.connection.clone(),
            prefix: prefix.to_owned(),
            last: after,
            live: self.live.subscribe(),
            pending: VecDeque::new(),
            catch_up: true,
            ended: false,
        };
        futures::stream::unfold(watching, Watching::next).boxed()
    }
}
