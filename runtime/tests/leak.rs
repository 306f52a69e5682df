//! Isolates are created from the snapshot and discarded without leaking: after 1,000 cycles
//! the process RSS is within 10% of its steady baseline.
//!
//!     cargo test -p isogate-runtime --test leak -- --nocapture     # prints the figures

use isogate_runtime::FetchPolicy;
use isogate_runtime::Isolate;
use isogate_runtime::Limits;

/// Resident set size of this process, in bytes (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[test]
fn isolate_create_discard_cycles_do_not_grow_rss() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let limits = Limits {
        memory: Some(64 * 1024 * 1024),
        ..Limits::default()
    };
    let cycle = || drop(Isolate::new("leak", FetchPolicy::default(), limits).unwrap());
    // Let allocator arenas and V8's process-wide state reach their steady size first.
    for _ in 0..200 {
        cycle();
    }
    let baseline = rss_bytes();
    for _ in 0..1000 {
        cycle();
    }
    let after = rss_bytes();
    let ratio = after as f64 / baseline as f64;
    println!(
        "RSS after 200 warm-up cycles: {:.1} MiB; after 1,000 more: {:.1} MiB ({:+.1}%)",
        baseline as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (ratio - 1.0) * 100.0
    );
    assert!(ratio <= 1.10, "RSS grew from {baseline} to {after} bytes");
}
