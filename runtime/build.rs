//! Builds the V8 startup snapshot: Deno's Web API extensions plus isogate's bootstrap JS,
//! evaluated once here so that every isolate starts with its global scope ready.

#![allow(
    dead_code,
    unreachable_pub,
    reason = "modules shared with the library; only part is used here"
)]

#[path = "src/error.rs"]
mod error;
#[path = "src/ext/mod.rs"]
mod ext;
#[path = "src/limits/breach.rs"]
mod limits;
#[path = "src/message.rs"]
mod message;

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let output = deno_core::snapshot::create_snapshot(
        deno_core::snapshot::CreateSnapshotOptions {
            cargo_manifest_dir: env!("CARGO_MANIFEST_DIR"),
            startup_snapshot: None,
            skip_op_registration: false,
            extensions: ext::for_snapshot(),
            extension_transpiler: None,
            with_runtime_cb: None,
        },
        None,
    )
    .expect("building the startup snapshot");
    std::fs::write(out.join("ISOGATE_SNAPSHOT.bin"), &output.output).expect("writing snapshot");
    for path in &output.files_loaded_during_snapshot {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rerun-if-changed=js");
    println!("cargo:rerun-if-changed=src/ext");
}
