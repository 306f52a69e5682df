//! The etcd store against a real etcd (Debian's `etcd-server`), started by each test on
//! free loopback ports with a data folder of its own and stopped by its PID: conditions,
//! watches in order across nodes, compaction, namespaces, and etcd going away.

use std::process::Child;
use std::process::Command;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use futures::StreamExt;
use isogate_store::EtcdStore;
use isogate_store::Event;
use isogate_store::Store;
use isogate_store::StoreError;
use isogate_store::Transaction;

/// One etcd server; killed when dropped.
struct Etcd {
    child: Child,
    endpoint: String,
    _data: tempfile::TempDir,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl Etcd {
    async fn start() -> Self {
        let data = tempfile::tempdir().expect("tempdir");
        let (client, peer) = (free_port(), free_port());
        let endpoint = format!("http://127.0.0.1:{client}");
        let peer_url = format!("http://127.0.0.1:{peer}");
        let child = Command::new("etcd")
            .args(["--name", "test", "--data-dir"])
            .arg(data.path())
            .args([
                "--listen-client-urls",
                &endpoint,
                "--advertise-client-urls",
                &endpoint,
            ])
            .args([
                "--listen-peer-urls",
                &peer_url,
                "--initial-advertise-peer-urls",
                &peer_url,
            ])
            .args(["--initial-cluster", &format!("test={peer_url}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("etcd is missing: install Debian's etcd-server (`make test` does)");
        let etcd = Self {
            child,
            endpoint,
            _data: data,
        };
        let started = Instant::now();
        while EtcdStore::connect(std::slice::from_ref(&etcd.endpoint), "probe/")
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "etcd did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        etcd
    }

    async fn store(&self, namespace: &str) -> EtcdStore {
        EtcdStore::connect(std::slice::from_ref(&self.endpoint), namespace)
            .await
            .expect("connect")
    }
}

async fn put(store: &EtcdStore, key: &str, value: &str) -> u64 {
    store
        .commit(Transaction::new().put(key, value.as_bytes().to_vec()))
        .await
        .expect("commit")
}

async fn next(watch: &mut futures::stream::BoxStream<'static, Result<Event, StoreError>>) -> Event {
    tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .expect("in time")
        .expect("an event")
        .expect("not an error")
}

#[tokio::test]
async fn etcd_store_commits_under_conditions_and_two_nodes_watch_in_order() {
    let etcd = Etcd::start().await;
    let node = Arc::new(etcd.store("isogate/").await);
    let other_node = etcd.store("isogate/").await;
    let stranger = etcd.store("someone-else/").await;

    let first = put(&node, "tenants/a", "1").await;
    let second = put(&node, "tenants/a", "2").await;
    assert_eq!(second, first + 1);
    let a = other_node.get("tenants/a").await.expect("get").expect("a");
    assert_eq!(
        (a.created, a.modified, &a.value[..]),
        (first, second, &b"2"[..])
    );
    assert_eq!(stranger.get("tenants/a").await.expect("get"), None);

    let refused = node
        .commit(
            Transaction::new()
                .when_absent("tenants/a")
                .put("tenants/b", b"x".to_vec()),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let stale = node
        .commit(
            Transaction::new()
                .when_modified_at("tenants/a", first)
                .delete("tenants/a"),
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let (listed, revision) = node.list("tenants/").await.expect("list");
    assert_eq!(
        (listed.len(), revision),
        (1, second),
        "a refusal changes nothing"
    );
    let twice = node
        .commit(
            Transaction::new()
                .put("k", b"1".to_vec())
                .put("k", b"2".to_vec()),
        )
        .await;
    assert!(
        matches!(twice, Err(StoreError::InvalidKey(..))),
        "{twice:?}"
    );

    let both = node
        .commit(
            Transaction::new()
                .when_modified_at("tenants/a", second)
                .when_absent("tenants/b")
                .put("tenants/b", b"b".to_vec())
                .delete("tenants/a"),
        )
        .await
        .expect("commit");
    assert_eq!(both, second + 1);

    // The other node watches from the first write: the history, then what either node
    // commits, in order, once each.
    let mut watch = other_node.watch("tenants/", first);
    let event = next(&mut watch).await;
    assert!(matches!(&event, Event::Put(entry) if entry.modified == second));
    let mut at_both = Vec::new();
    for _ in 0..2 {
        at_both.push(next(&mut watch).await);
    }
    assert!(
        at_both.iter().all(|event| event.revision() == both),
        "{at_both:?}"
    );
    assert!(at_both.contains(&Event::Delete {
        key: "tenants/a".to_owned(),
        revision: both
    }));
    let mut writers = Vec::new();
    for task in 0..4 {
        let node = node.clone();
        writers.push(tokio::spawn(async move {
            for n in 0..50 {
                put(&node, &format!("tenants/{task}/{n}"), "x").await;
            }
        }));
    }
    put(&stranger, "tenants/unseen", "another namespace").await;
    let mut last = both;
    for _ in 0..200 {
        let event = next(&mut watch).await;
        assert!(event.revision() > last, "{event:?} after {last}");
        assert!(event.key().starts_with("tenants/") && event.key() != "tenants/unseen");
        last = event.revision();
    }
    for writer in writers {
        writer.await.expect("writer");
    }
}

#[tokio::test]
async fn etcd_store_tells_a_watch_from_compacted_history_to_list_again() {
    let etcd = Etcd::start().await;
    let node = etcd.store("isogate/").await;
    let early = put(&node, "k/1", "a").await;
    for n in 0..5 {
        put(&node, &format!("k/{n}"), "b").await;
    }
    let current = put(&node, "k/last", "c").await;
    let mut client = etcd_client::Client::connect([etcd.endpoint.as_str()], None)
        .await
        .expect("client");
    client
        .compact(i64::try_from(current).unwrap_or(i64::MAX), None)
        .await
        .expect("compact");
    let mut old = node.watch("k/", early);
    let refused = old.next().await.expect("an answer");
    assert!(
        matches!(refused, Err(StoreError::Compacted(at)) if at == current - 1),
        "{refused:?}"
    );
    assert!(old.next().await.is_none());
    let (listed, revision) = node.list("k/").await.expect("list");
    assert_eq!((listed.len(), revision), (6, current));
    let mut fresh = node.watch("k/", revision);
    put(&node, "k/new", "d").await;
    assert_eq!(next(&mut fresh).await.revision(), current + 1);
}

#[tokio::test]
async fn with_etcd_gone_calls_fail_as_unavailable_and_change_nothing() {
    let mut etcd = Etcd::start().await;
    let node = etcd.store("isogate/").await;
    let kept = put(&node, "kept", "v").await;
    let mut watch = node.watch("", kept);
    let _ = etcd.child.kill();
    let _ = etcd.child.wait();
    let started = Instant::now();
    let refused = node
        .commit(Transaction::new().put("lost", b"x".to_vec()))
        .await;
    assert!(
        matches!(refused, Err(StoreError::Unavailable(_))),
        "{refused:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let ended = tokio::time::timeout(Duration::from_secs(15), watch.next())
        .await
        .expect("the watch ends in time");
    assert!(
        matches!(ended, Some(Err(StoreError::Unavailable(_)))),
        "{ended:?}"
    );
    assert!(matches!(
        EtcdStore::connect(std::slice::from_ref(&etcd.endpoint), "isogate/").await,
        Err(StoreError::Unavailable(_))
    ));
}
