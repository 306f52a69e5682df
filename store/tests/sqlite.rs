//! The embedded store against its contract: revisions, conditions, watches (history, live,
//! falling behind, compaction), one process per file, and durability under `kill -9`.

use std::io::BufRead;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;

use futures::StreamExt;
use isogate_store::Event;
use isogate_store::SqliteStore;
use isogate_store::Store;
use isogate_store::StoreError;
use isogate_store::Transaction;

fn store(dir: &tempfile::TempDir) -> SqliteStore {
    SqliteStore::open(&dir.path().join("state/store.db")).expect("open")
}

async fn put(store: &SqliteStore, key: &str, value: &str) -> u64 {
    store
        .commit(Transaction::new().put(key, value.as_bytes().to_vec()))
        .await
        .expect("commit")
}

#[tokio::test]
async fn revisions_count_commits_and_conditions_guard_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    assert_eq!(put(&store, "tenants/a", "1").await, 1);
    assert_eq!(put(&store, "tenants/b", "2").await, 2);
    let a = store.get("tenants/a").await.expect("get").expect("a");
    assert_eq!((a.created, a.modified, &a.value[..]), (1, 1, &b"1"[..]));
    assert_eq!(put(&store, "tenants/a", "3").await, 3);
    let a = store.get("tenants/a").await.expect("get").expect("a");
    assert_eq!((a.created, a.modified, &a.value[..]), (1, 3, &b"3"[..]));

    // A condition that does not hold changes nothing and uses no revision.
    let refused = store
        .commit(
            Transaction::new()
                .when_absent("tenants/a")
                .put("tenants/c", b"x".to_vec()),
        )
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(why)) if why.contains("exists")),
        "{refused:?}"
    );
    let stale = store
        .commit(
            Transaction::new()
                .when_modified_at("tenants/a", 1)
                .delete("tenants/a"),
        )
        .await;
    assert!(
        matches!(&stale, Err(StoreError::Conflict(why)) if why.contains("revision 3, not 1")),
        "{stale:?}"
    );
    assert_eq!(store.get("tenants/c").await.expect("get"), None);

    // Conditions that hold: every change lands under one revision.
    let both = store
        .commit(
            Transaction::new()
                .when_modified_at("tenants/a", 3)
                .when_absent("tenants/c")
                .put("tenants/c", b"c".to_vec())
                .delete("tenants/b"),
        )
        .await
        .expect("commit");
    assert_eq!(both, 4);
    // Deleting what is not there changes nothing.
    assert_eq!(
        store
            .commit(Transaction::new().delete("tenants/none"))
            .await
            .expect("commit"),
        4
    );

    put(&store, "tenantsx", "not under the prefix").await;
    let (listed, revision) = store.list("tenants/").await.expect("list");
    let keys: Vec<&str> = listed.iter().map(|entry| entry.key.as_str()).collect();
    assert_eq!(keys, ["tenants/a", "tenants/c"]);
    assert_eq!(revision, 5);

    for key in ["", "a\0b"] {
        let refused = store
            .commit(Transaction::new().put(key, b"x".to_vec()))
            .await;
        assert!(
            matches!(refused, Err(StoreError::InvalidKey(..))),
            "{key:?}"
        );
    }
    let long = "k".repeat(1025);
    let refused = store
        .commit(Transaction::new().put(long, b"x".to_vec()))
        .await;
    assert!(matches!(refused, Err(StoreError::InvalidKey(..))));
}

#[tokio::test]
async fn watches_replay_the_history_then_follow_commits_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = std::sync::Arc::new(store(&dir));
    put(&store, "v/1", "one").await;
    put(&store, "other/1", "not watched").await;
    put(&store, "v/2", "two").await;
    store
        .commit(Transaction::new().delete("v/1"))
        .await
        .expect("delete");

    let mut watch = store.watch("v/", 1);
    let first = watch.next().await.expect("event").expect("ok");
    assert!(matches!(&first, Event::Put(entry) if entry.key == "v/2" && entry.modified == 3));
    let second = watch.next().await.expect("event").expect("ok");
    assert_eq!(
        second,
        Event::Delete {
            key: "v/1".to_owned(),
            revision: 4
        }
    );

    // Commits from several tasks at once, and more of them than a live watch holds while
    // it is not read: every one comes, once, in revision order.
    let mut writers = Vec::new();
    for task in 0..4 {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for n in 0..150 {
                put(&store, &format!("v/{task}/{n}"), "x").await;
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let mut seen = 0;
    let mut last = 4;
    while seen < 600 {
        let event = tokio::time::timeout(Duration::from_secs(10), watch.next())
            .await
            .expect("in time")
            .expect("event")
            .expect("ok");
        assert!(event.revision() > last, "{event:?} after {last}");
        assert!(event.key().starts_with("v/"));
        last = event.revision();
        seen += 1;
    }
    assert_eq!(last, 604);
    put(&store, "v/after", "live").await;
    let live = watch.next().await.expect("event").expect("ok");
    assert_eq!((live.key(), live.revision()), ("v/after", 605));
}

#[tokio::test]
async fn a_watch_from_before_the_kept_history_is_told_to_list_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = store(&dir);
    for n in 0..1100 {
        put(&store, &format!("k/{}", n % 10), "x").await;
    }
    let mut old = store.watch("k/", 0);
    let refused = old.next().await.expect("an answer");
    assert!(
        matches!(refused, Err(StoreError::Compacted(at)) if at > 0 && at <= 100),
        "{refused:?}"
    );
    assert!(old.next().await.is_none());
    let (listed, revision) = store.list("k/").await.expect("list");
    assert_eq!((listed.len(), revision), (10, 1100));
    let mut fresh = store.watch("k/", revision);
    put(&store, "k/new", "y").await;
    let event = fresh.next().await.expect("event").expect("ok");
    assert_eq!(event.revision(), 1101);
}

#[tokio::test]
async fn one_process_holds_a_store_file_and_what_it_wrote_is_there_after_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state/store.db");
    let first = SqliteStore::open(&path).expect("open");
    put(&first, "kept", "value").await;
    let second = SqliteStore::open(&path);
    assert!(
        matches!(&second, Err(StoreError::Unavailable(why)) if why.contains("in use by another process")),
        "{second:?}"
    );
    drop(first);
    let reopened = SqliteStore::open(&path).expect("reopen");
    let kept = reopened.get("kept").await.expect("get").expect("kept");
    assert_eq!(&kept.value[..], b"value");
    assert_eq!(put(&reopened, "next", "v").await, 2);
}

/// Set to a store path, [`writer`] commits until it is killed, printing each acknowledged
/// revision.
const WRITER: &str = "ISOGATE_STORE_TEST_WRITER";

#[tokio::test]
async fn writer() {
    let Ok(path) = std::env::var(WRITER) else {
        return;
    };
    let store = SqliteStore::open(std::path::Path::new(&path)).expect("open");
    let (_, mut revision) = store.list("").await.expect("list");
    let payload = vec![7u8; 64 * 1024];
    loop {
        let key = format!("w/{}", revision + 1);
        revision = store
            .commit(
                Transaction::new()
                    .put(key.clone(), payload.clone())
                    .put("w/last", key.clone().into_bytes()),
            )
            .await
            .expect("commit");
        println!("ack {revision} {key}");
    }
}

#[tokio::test]
async fn kill_9_during_commits_loses_no_acknowledged_write_and_leaves_no_half_of_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("store.db");
    let mut acknowledged = Vec::new();
    for round in 0..8 {
        let mut child = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "writer", "--nocapture", "--test-threads=1"])
            .env(WRITER, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the writer");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = std::io::BufReader::new(stdout).lines();
        // Killed after a varying number of acknowledged commits, mid-write most likely.
        let wanted = 20 + round * 7;
        let mut this_round = 0;
        while this_round < wanted {
            let line = lines.next().expect("a line").expect("text");
            if let Some(ack) = line.strip_prefix("ack ") {
                let (revision, key) = ack.split_once(' ').expect("revision and key");
                acknowledged.push((revision.parse::<u64>().expect("revision"), key.to_owned()));
                this_round += 1;
            }
        }
        child.kill().expect("kill -9");
        child.wait().expect("reaped");

        let store = SqliteStore::open(&path).expect("reopen after kill -9");
        let (entries, revision) = store.list("w/").await.expect("list");
        let last = acknowledged.last().map_or(0, |(revision, _)| *revision);
        assert!(
            revision >= last,
            "revision {revision} < acknowledged {last}"
        );
        for (_, key) in &acknowledged {
            let entry = store.get(key).await.expect("get");
            assert!(
                entry.is_some_and(|entry| entry.value.len() == 64 * 1024),
                "acknowledged {key} lost after kill -9"
            );
        }
        // Each commit wrote its key and w/last together: never one without the other.
        let last_key = store.get("w/last").await.expect("get").expect("w/last");
        let named = String::from_utf8(last_key.value.to_vec()).expect("utf-8");
        assert_eq!(
            last_key.modified,
            store
                .get(&named)
                .await
                .expect("get")
                .expect("named")
                .modified
        );
        assert_eq!(
            entries.len() as u64,
            revision + 1,
            "one key per commit and w/last"
        );
    }
}
