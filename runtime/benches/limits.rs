//! CPU-limit overshoot: how far past `cpu_ms` a runaway loop gets before the watchdog stops
//! it (the target is 5 ms at most).
//!
//!     cargo bench -p isogate-runtime --bench limits

#![allow(clippy::print_stdout, reason = "the figures are the bench's output")]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use isogate_runtime::FetchPolicy;
use isogate_runtime::HandlerRequest;
use isogate_runtime::HandlerSpec;
use isogate_runtime::Limits;
use isogate_runtime::LogLevel;
use isogate_runtime::RequestId;
use isogate_runtime::RuntimeError;
use isogate_runtime::WorkerHandle;

const SAMPLES: usize = 100;
const CPU_LIMIT: Duration = Duration::from_millis(50);

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let spec = HandlerSpec {
        label: "loop".into(),
        entry: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/infinite_loop/handler.js"),
        env: BTreeMap::new(),
        fetch: FetchPolicy::default(),
        drain: Duration::from_millis(10),
        limits: Limits {
            cpu: Some(CPU_LIMIT),
            ..Limits::default()
        },
        log_level: LogLevel::default(),
        cache: None,
        node_compat: false,
    };
    let worker = WorkerHandle::spawn(&spec).unwrap();
    let mut overshoot: Vec<Duration> = runtime.block_on(async {
        let mut samples = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let request = HandlerRequest {
                id: RequestId("loop".into()),
                method: "GET".into(),
                url: "http://bench.test/loop".into(),
                headers: vec![(
                    Bytes::from_static(b"host"),
                    Bytes::from_static(b"bench.test"),
                )],
                body: None,
                route: String::new(),
                params: Vec::new(),
                cf: String::new(),
            };
            match worker.dispatch(request).await {
                Err(RuntimeError::LimitExceeded(breach)) => {
                    samples.push(breach.cpu.saturating_sub(CPU_LIMIT));
                }
                Err(other) => panic!("expected a cpu stop, got {other}"),
                Ok(response) => panic!("expected a cpu stop, got status {}", response.status),
            }
        }
        samples
    });
    overshoot.sort();
    let at = |p: f64| {
        let index = ((overshoot.len() as f64 - 1.0) * p).round() as usize;
        overshoot[index].as_secs_f64() * 1000.0
    };
    println!(
        "cpu-limit overshoot past {} ms  n={SAMPLES}  p50={:.3} ms  p99={:.3} ms  max={:.3} ms",
        CPU_LIMIT.as_millis(),
        at(0.50),
        at(0.99),
        at(1.0)
    );
}
