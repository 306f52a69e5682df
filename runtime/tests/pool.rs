//! The isolate pool: many handlers share a few worker threads, a stopped isolate does not
//! disturb its neighbours on the same thread, and warm spares serve new handlers.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use common::*;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerSpec;
use isogate_runtime::IsolatePool;
use isogate_runtime::LimitKind;
use isogate_runtime::Limits;
use isogate_runtime::LogLevel;
use isogate_runtime::PoolOptions;
use isogate_runtime::Retirement;
use isogate_runtime::RuntimeError;

fn options(workers: usize, spares: usize, spare_memory: Option<u64>) -> PoolOptions {
    PoolOptions {
        workers,
        spares,
        spare_memory,
        isolates_per_worker: None,
        retirement: Retirement::default(),
        meter_cpu: false,
    }
}

fn spec(label: &str, entry: PathBuf, limits: Limits) -> HandlerSpec {
    HandlerSpec {
        label: label.to_owned(),
        entry,
        env: BTreeMap::from([("GREETING".to_owned(), label.to_owned())]),
        fetch: FetchPolicy::default(),
        drain: Duration::from_secs(1),
        limits,
        log_level: LogLevel::default(),
        cache: None,
        node_compat: false,
    }
}

#[tokio::test]
async fn pool_hosts_many_handlers_on_few_threads() {
    let pool = IsolatePool::new(options(2, 1, None)).unwrap();
    assert_eq!(pool.workers(), 2);
    let handlers: Vec<_> = (0..12)
        .map(|i| {
            let label = format!("tenant{i}");
            pool.spawn(&spec(
                &label,
                fixture("hello", "handler.ts"),
                Limits::default(),
            ))
            .unwrap()
        })
        .collect();
    for (i, handler) in handlers.iter().enumerate() {
        let (status, body) = call(handler, get("http://t.test/x")).await.unwrap();
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["greeting"], format!("tenant{i}, world"));
    }
}

#[tokio::test]
async fn pool_neighbours_survive_an_isolate_stopped_on_their_thread() {
    let pool = IsolatePool::new(options(1, 1, None)).unwrap();
    let limits = Limits {
        cpu: Some(Duration::from_millis(50)),
        ..Limits::default()
    };
    let looping = pool
        .spawn(&spec(
            "looping",
            fixture("infinite_loop", "handler.js"),
            limits,
        ))
        .unwrap();
    let neighbour = pool
        .spawn(&spec(
            "neighbour",
            fixture("hello", "handler.ts"),
            Limits::default(),
        ))
        .unwrap();
    let stopped = {
        let looping = looping.clone();
        tokio::spawn(async move { call(&looping, get("http://t.test/loop")).await })
    };
    for _ in 0..10 {
        let (status, _) = call(&neighbour, get("http://t.test/")).await.unwrap();
        assert_eq!(status, 200);
    }
    match stopped.await.unwrap() {
        Err(RuntimeError::LimitExceeded(breach)) => assert_eq!(breach.kind, LimitKind::Cpu),
        other => panic!("expected a cpu stop, got {other:?}"),
    }
    let (status, body) = call(&looping, get("http://t.test/ok")).await.unwrap();
    assert_eq!((status, body.as_str()), (200, "ok"));
}

#[tokio::test]
async fn pool_spare_with_matching_heap_limit_serves_a_new_handler() {
    let memory = Some(64 * 1024 * 1024);
    let pool = IsolatePool::new(options(1, 2, memory)).unwrap();
    let limits = Limits {
        memory,
        ..Limits::default()
    };
    // One from a spare, one that does not fit the spares' heap limit.
    let spared = pool
        .spawn(&spec("spared", fixture("heap_limit", "handler.js"), limits))
        .unwrap();
    let fresh = pool
        .spawn(&spec(
            "fresh",
            fixture("hello", "handler.ts"),
            Limits::default(),
        ))
        .unwrap();
    match call(&spared, get("http://t.test/bomb")).await {
        Err(RuntimeError::LimitExceeded(breach)) => {
            assert_eq!(breach.kind, LimitKind::Memory);
            assert_eq!(breach.limit, 64 << 20);
        }
        other => panic!("expected a memory stop, got {other:?}"),
    }
    assert_eq!(call(&fresh, get("http://t.test/")).await.unwrap().0, 200);
}

#[tokio::test]
async fn pool_spreads_a_busy_handler_over_isolates_on_several_workers_and_a_quiet_one_keeps_to_one()
{
    let pool = IsolatePool::new(options(2, 0, None)).unwrap();
    let handler = pool
        .spawn_replicated(
            &spec("busy", fixture("counter", "handler.js"), Limits::default()),
            2,
        )
        .unwrap();
    // It starts on one isolate; the second starts when the first is busy.
    assert_eq!(handler.isolates(), 1);
    let mut counts = Vec::new();
    for _ in 0..6 {
        let (status, body) = call(&handler, get("http://t.test/")).await.unwrap();
        assert_eq!(status, 200);
        counts.push(body);
    }
    // One request at a time keeps to the first isolate (the other stays idle, to be retired).
    assert_eq!(counts, ["1", "2", "3", "4", "5", "6"]);
    // Many at once spill over to the second.
    let handler = std::sync::Arc::new(handler);
    let calls = (0..8).map(|_| {
        let handler = handler.clone();
        tokio::spawn(async move { call(&handler, get("http://t.test/?wait=100")).await })
    });
    let isolates: std::collections::BTreeSet<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|answer| answer.unwrap().unwrap().1)
        .collect();
    assert_eq!(isolates.len(), 2, "{isolates:?}");
    assert_eq!(handler.isolates(), 2);
}

async fn count(handler: &isogate_runtime::WorkerHandle) -> String {
    let (status, body) = call(handler, get("http://t.test/")).await.unwrap();
    assert_eq!(status, 200);
    body
}

#[tokio::test]
async fn pool_discards_idle_isolates_and_recycles_busy_ones() {
    let idle = PoolOptions {
        retirement: Retirement {
            idle: Some(Duration::from_millis(300)),
            ..Retirement::default()
        },
        ..options(1, 0, None)
    };
    let pool = IsolatePool::new(idle).unwrap();
    let handler = pool
        .spawn(&spec(
            "idle",
            fixture("counter", "handler.js"),
            Limits::default(),
        ))
        .unwrap();
    assert_eq!(count(&handler).await, "1");
    assert_eq!(count(&handler).await, "2");
    // Idle past the timeout (and a retirement check): the next request meets a fresh isolate.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(count(&handler).await, "1");

    let recycled = PoolOptions {
        retirement: Retirement {
            after_requests: Some(3),
            ..Retirement::default()
        },
        ..options(1, 0, None)
    };
    let pool = IsolatePool::new(recycled).unwrap();
    let handler = pool
        .spawn(&spec(
            "recycled",
            fixture("counter", "handler.js"),
            Limits::default(),
        ))
        .unwrap();
    for expected in ["1", "2", "3"] {
        assert_eq!(count(&handler).await, expected);
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(count(&handler).await, "1");
}

#[tokio::test]
async fn pool_evicts_least_recently_used_isolate_past_the_worker_cap() {
    let capped = PoolOptions {
        isolates_per_worker: Some(1),
        ..options(1, 0, None)
    };
    let pool = IsolatePool::new(capped).unwrap();
    let first = pool
        .spawn(&spec(
            "first",
            fixture("counter", "handler.js"),
            Limits::default(),
        ))
        .unwrap();
    assert_eq!(count(&first).await, "1");
    let second = pool
        .spawn(&spec(
            "second",
            fixture("counter", "handler.js"),
            Limits::default(),
        ))
        .unwrap();
    assert_eq!(count(&second).await, "1");
    // Starting the second isolate asked the first, idle, to go.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(count(&first).await, "1");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(count(&second).await, "1");
}
