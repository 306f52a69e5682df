//! Isolate start-up figures, printed as p50/p99 over repeated runs:
//! - `isolate from snapshot`: restoring a blank isolate (Web APIs ready, no tenant code);
//! - `first request (fresh handler)`: new worker thread + isolate + module load + one request;
//! - `warm request`: one more request to an already loaded handler, the baseline.
//!
//! Run: `cargo bench -p isogate-runtime --bench isolate_boot`.

#![allow(clippy::print_stdout, clippy::unwrap_used, reason = "benchmark output")]

use std::path::PathBuf;
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerRequest;
use isogate_runtime::HandlerSpec;
use isogate_runtime::Isolate;
use isogate_runtime::IsolatePool;
use isogate_runtime::Limits;
use isogate_runtime::LogLevel;
use isogate_runtime::PoolOptions;
use isogate_runtime::RequestId;
use isogate_runtime::Retirement;
use isogate_runtime::WorkerHandle;

const SAMPLES: usize = 200;
const HANDLER_SAMPLES: usize = 50;

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

fn report(name: &str, samples: &mut [Duration]) {
    println!(
        "{name:<52} n={:<4} p50={:>8.3} ms  p99={:>8.3} ms",
        samples.len(),
        percentile(samples, 0.50),
        percentile(samples, 0.99)
    );
}

fn request() -> HandlerRequest {
    HandlerRequest {
        id: RequestId("bench".into()),
        method: "GET".into(),
        url: "http://bench.test/".into(),
        headers: vec![(
            Bytes::from_static(b"host"),
            Bytes::from_static(b"bench.test"),
        )],
        body: None,
        route: String::new(),
        params: Vec::new(),
        cf: String::new(),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();

    // Warm V8 itself (platform, ICU) once, outside the measurement.
    drop(Isolate::new("warmup", FetchPolicy::default(), Limits::default()).unwrap());
    let mut boot = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let isolate = Isolate::new("bench", FetchPolicy::default(), Limits::default()).unwrap();
        boot.push(started.elapsed());
        drop(isolate);
    }
    report("isolate from snapshot", &mut boot);

    let entry = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/hello/handler.js");
    let spec = HandlerSpec {
        label: "bench".into(),
        entry,
        env: Default::default(),
        fetch: FetchPolicy::default(),
        drain: Duration::from_millis(10),
        limits: Limits::default(),
        log_level: LogLevel::default(),
        cache: None,
        node_compat: false,
    };
    let mut first = Vec::with_capacity(HANDLER_SAMPLES);
    let mut warm = Vec::with_capacity(HANDLER_SAMPLES);
    runtime.block_on(async {
        for _ in 0..HANDLER_SAMPLES {
            let started = Instant::now();
            let worker = WorkerHandle::spawn(&spec).unwrap();
            let response = worker.dispatch(request()).await.unwrap();
            first.push(started.elapsed());
            assert_eq!(response.status, 200);
            let started = Instant::now();
            let response = worker.dispatch(request()).await.unwrap();
            warm.push(started.elapsed());
            assert_eq!(response.status, 200);
        }
    });
    report("first request (fresh handler)", &mut first);
    report("warm request", &mut warm);

    // Tenant cold start with spares warm: a never-seen handler placed on a pool worker that
    // has spare isolates ready, first request latency minus a warm request's.
    let pool = IsolatePool::new(PoolOptions {
        workers: 1,
        spares: 4,
        spare_memory: None,
        isolates_per_worker: None,
        retirement: Retirement::default(),
        meter_cpu: false,
    })
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut cold = Vec::with_capacity(HANDLER_SAMPLES);
    let mut warm = Vec::with_capacity(HANDLER_SAMPLES);
    runtime.block_on(async {
        for index in 0..HANDLER_SAMPLES {
            let spec = HandlerSpec {
                label: format!("tenant{index}"),
                ..spec.clone()
            };
            let started = Instant::now();
            let handler = pool.spawn(&spec).unwrap();
            let response = handler.dispatch(request()).await.unwrap();
            cold.push(started.elapsed());
            assert_eq!(response.status, 200);
            // Let the worker replace the spare it gave away (3-4 ms on its thread) before
            // measuring a warm request and before the next tenant arrives.
            tokio::time::sleep(Duration::from_millis(20)).await;
            let started = Instant::now();
            let response = handler.dispatch(request()).await.unwrap();
            warm.push(started.elapsed());
            assert_eq!(response.status, 200);
        }
    });
    report(
        "tenant cold start (spares warm), first request",
        &mut cold.clone(),
    );
    report("tenant cold start (spares warm), warm request", &mut warm);
    let warm_p50 = Duration::from_secs_f64(percentile(&mut warm, 0.50) / 1000.0);
    let mut added: Vec<Duration> = cold.iter().map(|c| c.saturating_sub(warm_p50)).collect();
    report(
        "tenant cold start (spares warm), minus warm request",
        &mut added,
    );
}
