//! The startup snapshot holds the Node.js built-ins behind a `nodejs_compat` handler's
//! globals, already evaluated: each such isolate must still start with its own state,
//! randomness, clock and env, and an isolate without the flag must neither see their globals
//! nor reach them.

mod common;

use common::*;

/// A handler that reports what a snapshot could get wrong: whether the built-ins it imports
/// are the ones behind its globals, its env, async context across an await, random values,
/// the time origin, and whether another isolate's change to a built-in is visible.
const HANDLER: &[u8] = br#"import { Buffer } from "node:buffer";
import process from "node:process";
import { randomBytes, randomUUID } from "node:crypto";
import { AsyncLocalStorage } from "node:async_hooks";
import { performance } from "node:perf_hooks";
const store = new AsyncLocalStorage();
export default {
  async fetch() {
    const markerBefore = Buffer.prototype.isogateMarker ?? null;
    Buffer.prototype.isogateMarker = "set by another isolate";
    const kept = await store.run("mine", async () => {
      await new Promise((done) => setTimeout(done, 1));
      return store.getStore();
    });
    return Response.json({
      sameBuffer: Buffer === globalThis.Buffer,
      sameProcess: process === globalThis.process,
      greeting: process.env.GREETING ?? null,
      kept,
      markerBefore,
      random: randomBytes(16).toString("hex"),
      uuid: randomUUID(),
      math: Math.random(),
      nodeOriginAge: Date.now() - performance.timeOrigin,
      originAge: Date.now() - globalThis.performance.timeOrigin,
    });
  },
};"#;

#[tokio::test]
async fn each_nodejs_compat_isolate_starts_with_its_own_state_randomness_clock_and_env() {
    let dir = folder(&[
        ("package.json", br#"{"name":"app"}"#),
        ("index.js", HANDLER),
    ]);

    let mut answers = Vec::new();
    for greeting in ["first", "second"] {
        let entry = dir.path().join("index.js");
        let (json, body) = node_json_with(entry, &[("GREETING", greeting)]).await;
        assert_eq!(json["sameBuffer"], true, "{body}");
        assert_eq!(json["sameProcess"], true, "{body}");
        assert_eq!(json["greeting"], greeting, "{body}");
        assert_eq!(json["kept"], "mine", "{body}");
        // The other isolate's change to `Buffer.prototype` is not seen here.
        assert_eq!(json["markerBefore"], serde_json::Value::Null, "{body}");
        for age in ["nodeOriginAge", "originAge"] {
            let age = json[age].as_f64().unwrap();
            assert!((0.0..60_000.0).contains(&age), "{body}");
        }
        answers.push(json);
    }
    for key in ["random", "uuid", "math"] {
        assert_ne!(
            answers[0][key], answers[1][key],
            "{key} repeats across isolates"
        );
    }
}

#[tokio::test]
async fn an_isolate_without_nodejs_compat_has_no_node_globals_and_cannot_reach_the_built_ins() {
    let dir = folder(&[
        ("package.json", br#"{"name":"app"}"#),
        (
            "index.js",
            br#"export default {
  async fetch() {
    const globals = [typeof Buffer, typeof process, typeof AsyncLocalStorage, typeof global];
    if (globals.some((kind) => kind !== "undefined")) {
      return new Response(`node globals: ${globals}`);
    }
    try {
      const { Buffer } = await import("isogate-node:/unenv/node/buffer.mjs");
      return new Response(typeof Buffer);
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
  },
};"#,
        ),
    ]);
    let worker = spawn(dir.path().join("index.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("isogate-node:"), "{body}");
}
