//! Web Crypto's work off the isolate thread (`ext/offload.rs`, `js/02_subtle.js`): charged
//! to the request that asked for it, capped per call, read once, a bounded number of calls
//! in flight per isolate, the bytes each call was given hashed as they were when it was
//! made; small digests on the isolate thread (`ext/digest.rs`).

mod common;

use std::time::Duration;

use common::*;
use isogate_runtime::LimitKind;
use isogate_runtime::Limits;
use isogate_runtime::RuntimeError;

const PBKDF2_1000: &str = "632c2812e46d4604102ba7618e9d6d7d2f8128f6266b4a03264d2a0460b7dcb3";
const PBKDF2_1: &str = "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b";

fn worker(limits: Limits) -> isogate_runtime::WorkerHandle {
    spawn_limited(fixture("subtle_work", "handler.js"), &[], limits)
}

async fn answer(worker: &isogate_runtime::WorkerHandle, query: &str) -> (u16, String) {
    call(worker, get(&format!("http://t.test/?{query}")))
        .await
        .unwrap()
}

#[tokio::test]
async fn pbkdf2_iterations_and_output_are_capped_per_call() {
    let worker = worker(Limits::default());
    assert_eq!(
        answer(&worker, "op=pbkdf2&iterations=1000").await,
        (200, PBKDF2_1000.to_owned())
    );
    assert_eq!(
        answer(&worker, "op=pbkdf2&iterations=100001").await,
        (
            400,
            "NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported \
             (requested 100001)."
                .to_owned()
        )
    );
    // 32768 SHA-256 blocks (1 MiB of output) at 1000 iterations: 32.8M block iterations.
    let (status, body) = answer(&worker, "op=pbkdf2&iterations=1000&bits=8388608").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.starts_with(
            "NotSupportedError: Pbkdf2 failed: 32768 output blocks at 1000 iterations"
        ),
        "{body}"
    );
    // The same for the length `deriveKey` takes from the key type.
    let (status, body) = answer(&worker, "op=derive-key&iterations=100000&bits=65536").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("256 output blocks at 100000 iterations"),
        "{body}"
    );
    assert_eq!(
        answer(&worker, "op=derive-key&iterations=10&bits=256").await,
        (200, "256".to_owned())
    );
}

#[tokio::test]
async fn a_getter_cannot_show_the_cap_one_value_and_the_work_another() {
    let worker = worker(Limits::default());
    // The getter answers 1 to the first read and 2e9 to any other: read once, it derives
    // with one iteration, and promptly.
    let (status, body) =
        tokio::time::timeout(Duration::from_secs(20), answer(&worker, "op=getter"))
            .await
            .expect("the derivation ran with the later value");
    assert_eq!((status, body), (200, format!("{PBKDF2_1} 1")));
}

#[tokio::test]
async fn rsa_keys_are_made_up_to_4096_bits() {
    let worker = worker(Limits::default());
    assert_eq!(
        answer(&worker, "op=rsa&bits=8192").await,
        (
            400,
            "NotSupportedError: RSA key generation above 4096 bits is not supported (requested \
             8192)."
                .to_owned()
        )
    );
}

#[tokio::test]
async fn web_crypto_work_off_the_isolate_thread_is_charged_to_its_request() {
    // Within its limit, the answer carries the derivation's CPU time, though the isolate
    // thread only waited for it.
    let worker = worker(Limits {
        cpu: Some(Duration::from_secs(20)),
        ..Limits::default()
    });
    let response = worker
        .dispatch(get(
            "http://t.test/?op=pbkdf2&iterations=100000&hash=SHA-512&bits=512",
        ))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let figure = response.cpu.clone();
    body_of(response).await;
    // The figure is completed when the turn that answered ends.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let cpu = figure.read().unwrap();
    assert!(cpu >= Duration::from_millis(10), "charged {cpu:?}");

    // Under a limit below one derivation's cost, eight at once stop the request at the
    // first, with its figure.
    let limited = self::worker(Limits {
        cpu: Some(cpu / 2),
        ..Limits::default()
    });
    let stopped = call(
        &limited,
        get("http://t.test/?op=pbkdf2&iterations=100000&hash=SHA-512&bits=512&calls=8"),
    )
    .await;
    let breach = match stopped {
        Err(RuntimeError::LimitExceeded(breach)) => breach,
        other => panic!("expected a CPU stop, got {other:?}"),
    };
    assert_eq!(breach.kind, LimitKind::Cpu);
    // Its JavaScript alone stays far below the limit: the stop is the derivations'.
    assert!(breach.cpu > cpu / 2, "{breach:?} against {cpu:?} for one");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The digests the fixture's `op=digest` answers: of `calls` buffers of `size` bytes, the
/// i-th all of value i + 1, by `digest`.
fn digests<D: sha2::Digest>(calls: u8, size: usize) -> String {
    (1..=calls)
        .map(|value| hex(&D::digest(vec![value; size])))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn small_digests_are_computed_at_once_by_every_sha() {
    let worker = worker(Limits::default());
    for (hash, expected) in [
        ("SHA-1", digests::<sha1::Sha1>(3, 1024)),
        ("SHA-256", digests::<sha2::Sha256>(3, 1024)),
        ("sha-384", digests::<sha2::Sha384>(3, 1024)),
        ("SHA-512", digests::<sha2::Sha512>(3, 1024)),
    ] {
        let (status, body) = answer(&worker, &format!("op=digest&calls=3&hash={hash}")).await;
        assert_eq!((status, body), (200, expected), "{hash}");
    }
    let (status, body) = answer(&worker, "op=foreign").await;
    assert_eq!(status, 400, "{body}");
    assert!(body.starts_with("TypeError"), "{body}");
}

#[tokio::test]
async fn waiting_calls_use_the_bytes_they_were_given() {
    let worker = worker(Limits::default());
    // Ten digests of 300 kB at once: eight go to the offload threads, two wait their turn,
    // and each hashes the buffer as it was when called, not as it is when its turn comes.
    let (status, body) = answer(&worker, "op=digest&calls=10&size=300000").await;
    assert_eq!((status, body), (200, digests::<sha2::Sha256>(10, 300_000)));
}
