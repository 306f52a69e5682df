//! Handlers running in real isolates, called through a worker handle (no sockets).

mod common;

use common::*;

#[tokio::test]
async fn handler_ts_with_imports_json_and_env_answers() {
    let worker = spawn(fixture("hello", "handler.ts"), &[("GREETING", "hello")]);
    let (status, body) = call(&worker, get("http://example.test/some/path"))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["path"], "/some/path");
    assert_eq!(json["greeting"], "hello, world");
    assert_eq!(json["data"]["answer"], 42);
    assert_eq!(json["hasDeno"], false);
    assert_eq!(json["ua"], "Cloudflare-Workers");
}

#[tokio::test]
async fn workers_apis_a_class_entrypoint_env_import_and_timing_safe_equal() {
    let dir = folder(&[(
        "index.ts",
        br#"import { WorkerEntrypoint, env, DurableObject } from "cloudflare:workers";
import * as same from "isogate:workers";
const atLoad = env.GREETING;
const bytes = (text: string) => new TextEncoder().encode(text);
export default class extends WorkerEntrypoint<{ GREETING: string }> {
  async fetch(request: Request) {
    let refused = "";
    try { new DurableObject(); } catch (error) { refused = (error as Error).message; }
    let lengths = "";
    try { crypto.subtle.timingSafeEqual(bytes("a"), bytes("ab")); } catch (error) { lengths = (error as Error).name; }
    return Response.json({
      atLoad,
      fromThis: this.env.GREETING,
      hasCtx: typeof this.ctx.waitUntil === "function",
      same: same.WorkerEntrypoint === WorkerEntrypoint,
      equal: crypto.subtle.timingSafeEqual(bytes("secret"), bytes("secret")),
      differ: crypto.subtle.timingSafeEqual(bytes("secret"), bytes("secreT").buffer),
      lengths,
      refused,
    });
  }
}"#,
    )]);
    let worker = spawn(dir.path().join("index.ts"), &[("GREETING", "hi")]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"atLoad":"hi","fromThis":"hi","hasCtx":true,"same":true,"equal":true,"differ":false,"lengths":"TypeError","refused":"DurableObject is not supported by isogate"}"#
    );

    // A service-worker script sees its bindings as globals.
    let dir = folder(&[(
        "sw.js",
        b"addEventListener(\"fetch\", (event) => event.respondWith(new Response(GREETING)));",
    )]);
    let worker = spawn(dir.path().join("sw.js"), &[("GREETING", "hello")]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!((status, body.as_str()), (200, "hello"));
}

#[tokio::test]
async fn process_env_node_env_reads_as_a_bundler_defines_it() {
    // Package ES modules (as React's and Vue's builds) and the project's TypeScript read
    // `process.env.NODE_ENV` with no `process` global, as wrangler's bundle lets them.
    let dir = folder(&[
        ("package.json", br#"{"name":"app"}"#),
        (
            "index.ts",
            br#"import { mode } from "modal";
const own: string = process.env.NODE_ENV;
export default { fetch() { return Response.json({ mode, own, process: typeof process }); } };"#,
        ),
        ("node_modules/modal/package.json", br#"{"name":"modal","type":"module","main":"index.js"}"#),
        (
            "node_modules/modal/index.js",
            br#"export const mode = process.env.NODE_ENV !== "production" ? "development" : "production";"#,
        ),
    ]);
    let worker = spawn(dir.path().join("index.ts"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"mode":"production","own":"production","process":"undefined"}"#
    );
}

#[tokio::test]
async fn nodejs_compat_derives_keys_compares_in_constant_time_and_draws_random_numbers() {
    // Expected values from Node 20's own `node:crypto`.
    let source = br#"import crypto, { pbkdf2, pbkdf2Sync, scryptSync, hkdfSync, timingSafeEqual,
  randomFillSync, randomInt, createSecretKey, createHmac, KeyObject } from "node:crypto";
import { promisify } from "node:util";
export default {
  async fetch() {
    const hex = (bytes) => Buffer.from(bytes).toString("hex");
    const code = (work) => { try { work(); return "none"; } catch (error) { return error.code; } };
    const filled = randomFillSync(new Uint8Array(100000), 10, 70000);
    const draws = Array.from({ length: 200 }, () => randomInt(3, 6));
    return Response.json({
      pbkdf2: pbkdf2Sync("password", "salt", 1000, 32, "sha256").toString("hex"),
      pbkdf2Async: (await promisify(pbkdf2)("password", "salt", 1000, 32, "sha256")).toString("hex"),
      scrypt: scryptSync("password", "salt", 32, { N: 1024, r: 8, p: 1 }).toString("hex"),
      scryptAsync: (await promisify(crypto.scrypt)("password", "salt", 32, { N: 1024 })).toString("hex"),
      hkdf: hex(hkdfSync("sha256", "key", "salt", "info", 42)),
      hkdfType: hkdfSync("sha256", "key", "salt", "info", 8) instanceof ArrayBuffer,
      equal: [timingSafeEqual(Buffer.from("secret"), Buffer.from("secret")),
        timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))],
      lengths: code(() => timingSafeEqual(Buffer.from("a"), Buffer.from("ab"))),
      badScrypt: code(() => scryptSync("p", "s", 32, { N: 3 })),
      filledEdges: [filled.subarray(0, 10).every((b) => b === 0), filled.subarray(70010).every((b) => b === 0),
        filled.subarray(10, 70010).some((b) => b !== 0)],
      draws: [Math.min(...draws), Math.max(...draws), new Set(draws).size],
      badRange: code(() => randomInt(5, 5)),
      secret: (() => {
        const key = createSecretKey(Buffer.from("s3cret"));
        return [createHmac("sha256", key).update("msg").digest("hex"), key.export({ format: "jwk" }),
          key.symmetricKeySize, key.type, key.equals(createSecretKey("s3cret", "utf8")),
          key instanceof KeyObject, key.export().toString(), code(() => new KeyObject("secret", key))];
      })(),
    });
  },
};"#;
    let dir = folder(&[("index.js", source), ("package.json", br#"{"name":"app"}"#)]);
    let (json, body) = node_json(dir.path().join("index.js")).await;
    let pbkdf2 = "632c2812e46d4604102ba7618e9d6d7d2f8128f6266b4a03264d2a0460b7dcb3";
    assert_eq!(json["pbkdf2"], pbkdf2, "{body}");
    assert_eq!(json["pbkdf2Async"], pbkdf2, "{body}");
    let scrypt = "16dbc8906763c7f048977a68f9d305f7710e068ca2cd95dab372125bb3f19608";
    assert_eq!(json["scrypt"], scrypt, "{body}");
    assert_eq!(json["scryptAsync"], scrypt, "{body}");
    assert_eq!(
        json["hkdf"],
        "9ca0d662557439e3b83365f2da4626d35da195c6d9d1779f09838cf9e408966ece99106e2585ace6f083"
    );
    assert_eq!(json["hkdfType"], true);
    assert_eq!(json["equal"], serde_json::json!([true, false]));
    assert_eq!(json["lengths"], "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH");
    assert_eq!(json["badScrypt"], "ERR_CRYPTO_INVALID_SCRYPT_PARAMS");
    assert_eq!(json["filledEdges"], serde_json::json!([true, true, true]));
    assert_eq!(json["draws"], serde_json::json!([3, 5, 3]), "{body}");
    assert_eq!(json["badRange"], "ERR_OUT_OF_RANGE");
    assert_eq!(
        json["secret"],
        serde_json::json!([
            "9edaf20b099b9c0e1b526a75b9d71116f66fe3912ab8a728b0e94a9b5fbd1c0c",
            {"kty": "oct", "k": "czNjcmV0"},
            6,
            "secret",
            true,
            true,
            "s3cret",
            "ERR_INVALID_ARG_VALUE"
        ]),
        "{body}"
    );
}

#[tokio::test]
async fn nodejs_compat_serves_node_built_ins_and_without_it_they_are_refused() {
    let source = br#"import { Buffer } from "node:buffer";
import { EventEmitter } from "events";
import path from "node:path";
import { promisify } from "node:util";
import { randomBytes, createHash, createHmac, generateKeyPairSync } from "node:crypto";
import legacy from "legacy";
export default {
  async fetch() {
    const emitter = new EventEmitter();
    let heard = "";
    emitter.on("say", (word) => { heard = word; });
    emitter.emit("say", "hi");
    const hash = createHash("sha256").update("abc").digest("hex");
    const mac = createHmac("sha256", "key").update("The quick brown fox jumps over the lazy dog").digest("base64");
    let unknown = "";
    try { createHash("whirlpool"); } catch (error) { unknown = error.message; }
    let missing = "";
    try { generateKeyPairSync("rsa"); } catch (error) { missing = error.message; }
    const wait = promisify((ms, done) => setTimeout(() => done(null, ms), ms));
    return Response.json({
      base64: Buffer.from("isogate").toString("base64"),
      heard,
      joined: path.join("/a", "b", "../c"),
      waited: await wait(1),
      random: randomBytes(8).length,
      hash,
      mac,
      unknown,
      missing,
      legacy: legacy("x"),
      globals: [typeof Buffer, typeof process.env, global === globalThis],
    });
  },
};"#;
    let dir = folder(&[
        ("index.js", source),
        ("package.json", br#"{"name":"app"}"#),
        ("node_modules/legacy/package.json", br#"{"name":"legacy"}"#),
        (
            "node_modules/legacy/index.js",
            br#"const { Buffer } = require("buffer"); const EventEmitter = require("events");
module.exports = (text) => Buffer.from(text).toString("hex") + (typeof EventEmitter);"#,
        ),
    ]);
    let (json, body) = node_json(dir.path().join("index.js")).await;
    assert_eq!(json["base64"], "aXNvZ2F0ZQ==", "{body}");
    assert_eq!(json["heard"], "hi");
    assert_eq!(json["joined"], "/a/c");
    assert_eq!(json["waited"], 1);
    assert_eq!(json["random"], 8);
    assert_eq!(
        json["hash"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(json["mac"], "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
    assert_eq!(json["unknown"], "Digest method not supported: whirlpool");
    assert!(
        json["missing"]
            .as_str()
            .unwrap()
            .contains("not implemented"),
        "{body}"
    );
    assert_eq!(json["legacy"], "78function");
    assert_eq!(
        json["globals"],
        serde_json::json!(["function", "object", true])
    );

    // Without the flag, the same module does not load, and says what would let it.
    let worker = spawn(dir.path().join("index.js"), &[]);
    match worker.loaded().await {
        isogate_runtime::LoadState::Failed(error) => assert!(
            error.contains("\"node:buffer\" is not available") && error.contains("nodejs_compat"),
            "{error}"
        ),
        other => panic!("loaded as {other:?}"),
    }
}

#[tokio::test]
async fn node_streams_pipe_transform_and_decode_as_node_does() {
    let source = br#"import { Readable, Transform, Writable, PassThrough, pipeline as pipe } from "node:stream";
import { pipeline, finished } from "node:stream/promises";
import { StringDecoder } from "string_decoder";
import EventEmitter, { once } from "node:events";
import { inherits } from "node:util";
function OldStyle() { EventEmitter.call(this); }
inherits(OldStyle, EventEmitter);
class NewStyle extends EventEmitter {}
const upper = () => new Transform({
  transform(chunk, _encoding, done) { done(null, chunk.toString().toUpperCase()); },
});
export default {
  async fetch() {
    const collected = [];
    await pipeline(
      Readable.from(["a", "b", "c"]),
      upper(),
      new Writable({ write(chunk, _encoding, done) { collected.push(chunk.toString()); done(); } }),
    );
    const through = new PassThrough();
    through.end("piped");
    const read = [];
    for await (const chunk of through) read.push(chunk.toString());
    const viaCallback = await new Promise((resolve, reject) => {
      const out = [];
      pipe(Readable.from(["x", "y"]), upper(), new Writable({
        write(chunk, _e, done) { out.push(chunk.toString()); done(); },
      }), (error) => error ? reject(error) : resolve(out.join("")));
    });
    const failing = new Readable({ read() { this.destroy(new Error("broken source")); } });
    let failure = "";
    try { await pipeline(failing, new PassThrough()); } catch (error) { failure = error.message; }
    const decoder = new StringDecoder("utf8");
    const euro = Buffer.from([0xe2, 0x82, 0xac]);
    const decoded = decoder.write(euro.subarray(0, 1)) + "|" + decoder.write(euro.subarray(1)) + decoder.end();
    const encoded = new Readable({ read() {} });
    encoded.setEncoding("utf8");
    encoded.push(euro.subarray(0, 2));
    encoded.push(euro.subarray(2));
    encoded.push(null);
    let text = "";
    encoded.on("data", (part) => { text += part; });
    await once(encoded, "end");
    const ended = new PassThrough();
    ended.resume();
    ended.end("x");
    await finished(ended);
    const old = new OldStyle();
    let heard = 0;
    old.on("ping", (n) => { heard += n; });
    old.emit("ping", 2);
    new NewStyle().on("ping", () => { heard += 1; }).emit("ping");
    const kinds = [old instanceof EventEmitter, through instanceof EventEmitter, EventEmitter.EventEmitter === EventEmitter];
    return Response.json({ collected, read, viaCallback, failure, decoded, text, heard, kinds });
  },
};"#;
    let dir = folder(&[("index.js", source), ("package.json", br#"{"name":"app"}"#)]);
    let (json, _) = node_json(dir.path().join("index.js")).await;
    assert_eq!(
        json,
        serde_json::json!({
            "collected": ["A", "B", "C"], "read": ["piped"], "viaCallback": "XY",
            "failure": "broken source", "decoded": "|€", "text": "€",
            "heard": 3, "kinds": [true, true, true],
        })
    );
}

#[tokio::test]
async fn node_zlib_reads_what_zlib_wrote_and_bounds_what_it_inflates() {
    // The blobs are Python's zlib output (gzip with mtime 0, zlib, raw deflate) of `text`.
    let source = br#"import zlib from "node:zlib";
import { gunzipSync, inflateSync, inflateRawSync, unzipSync, gzipSync, createGzip, createGunzip } from "zlib";
import { promisify } from "node:util";
import { Buffer } from "node:buffer";
const text = "isogate speaks zlib: ".repeat(20);
const gz = Buffer.from("H4sIAAAAAAACA8sszk9PLElVKC5ITcwuVqjKyUyyUsgcFRxMggCD7gu3pAEAAA==", "base64");
const z = Buffer.from("eJzLLM5PTyxJVSguSE3MLlaoyslMslLIHBUcTIIAwN2a2Q==", "base64");
const raw = Buffer.from("yyzOT08sSVUoLkhNzC5WqMrJTLJSyBwVHEyCAA==", "base64");
const fail = (f) => { try { f(); return "no error"; } catch (e) { return `${e.code}: ${e.message}`; } };
export default {
  async fetch() {
    const big = Buffer.alloc(1 << 20, "abcdefgh");
    const packed = gzipSync(big, { level: 9 });
    const streamed = await new Promise((resolve, reject) => {
      const out = [];
      const gunzip = createGunzip();
      const gzip = createGzip();
      gzip.pipe(gunzip);
      gunzip.on("data", (c) => out.push(c)).on("end", () => resolve(Buffer.concat(out).toString())).on("error", reject);
      for (let i = 0; i < 10; i++) gzip.write(`chunk ${i};`);
      gzip.end();
    });
    const bomb = gzipSync(Buffer.alloc(8 << 20));
    return Response.json({
      gunzip: gunzipSync(gz).toString() === text,
      inflate: inflateSync(z).toString() === text,
      raw: inflateRawSync(raw).toString() === text,
      unzip: unzipSync(gz).toString() === text && unzipSync(z).toString() === text,
      roundTrip: gunzipSync(packed).equals(big),
      header: [...packed.subarray(0, 2)],
      ratio: Math.round(big.length / packed.length),
      promisified: (await promisify(zlib.deflate)("abc")).length > 0 &&
        (await promisify(zlib.inflate)(await promisify(zlib.deflate)("abc"))).toString(),
      streamed,
      garbage: fail(() => gunzipSync(Buffer.from("not gzip at all"))),
      truncated: fail(() => gunzipSync(gz.subarray(0, 20))),
      bomb: fail(() => gunzipSync(bomb, { maxOutputLength: 1 << 20 })),
      brotli: fail(() => zlib.brotliCompressSync("x")),
    });
  },
};"#;
    let dir = folder(&[("index.js", source), ("package.json", br#"{"name":"app"}"#)]);
    let (json, body) = node_json(dir.path().join("index.js")).await;
    for key in ["gunzip", "inflate", "raw", "unzip", "roundTrip"] {
        assert_eq!(json[key], true, "{key}: {body}");
    }
    assert_eq!(json["header"], serde_json::json!([0x1f, 0x8b]));
    assert!(json["ratio"].as_u64().unwrap() > 100, "{body}");
    assert_eq!(json["promisified"], "abc");
    assert_eq!(
        json["streamed"],
        (0..10).map(|i| format!("chunk {i};")).collect::<String>()
    );
    assert_eq!(json["garbage"], "Z_DATA_ERROR: incorrect header check");
    assert_eq!(json["truncated"], "Z_BUF_ERROR: unexpected end of file");
    assert_eq!(
        json["bomb"],
        "ERR_BUFFER_TOO_LARGE: Cannot create a Buffer larger than 1048576 bytes"
    );
    assert!(
        json["brotli"].as_str().unwrap().contains("not implemented"),
        "{body}"
    );
}

#[tokio::test]
async fn async_local_storage_keeps_concurrent_requests_apart() {
    let dir = folder(&[(
        "index.js",
        br#"import { AsyncLocalStorage } from "node:async_hooks";
const storage = new AsyncLocalStorage();
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
export default {
  async fetch(request) {
    const id = new URL(request.url).searchParams.get("id");
    const outside = storage.getStore();
    const seen = await storage.run({ id }, async () => {
      await sleep(40 - Number(id) * 4);
      const inner = await new Promise((done) => setTimeout(() => done(storage.getStore().id), 1));
      return storage.getStore().id + "/" + inner;
    });
    return new Response(`${seen} ${outside === undefined} ${storage.getStore() === undefined}`);
  },
};"#,
    )]);
    let worker = std::sync::Arc::new(spawn_node(dir.path().join("index.js")));
    let calls = (0..10).map(|id| {
        let worker = worker.clone();
        tokio::spawn(
            async move { call(&worker, get(&format!("http://example.test/?id={id}"))).await },
        )
    });
    for (id, answer) in futures::future::join_all(calls)
        .await
        .into_iter()
        .enumerate()
    {
        let (status, body) = answer.unwrap().unwrap();
        assert_eq!((status, body), (200, format!("{id}/{id} true true")));
    }
}

/// ECMAScript's own globals (and WebAssembly's), which the SDK does not list.
const ECMASCRIPT_GLOBALS: &[&str] = &[
    "AggregateError",
    "Array",
    "ArrayBuffer",
    "AsyncDisposableStack",
    "Atomics",
    "BigInt",
    "BigInt64Array",
    "BigUint64Array",
    "Boolean",
    "DataView",
    "Date",
    "DisposableStack",
    "Error",
    "EvalError",
    "FinalizationRegistry",
    "Float16Array",
    "Float32Array",
    "Float64Array",
    "Function",
    "Infinity",
    "Int16Array",
    "Int32Array",
    "Int8Array",
    "Intl",
    "Iterator",
    "JSON",
    "Map",
    "Math",
    "NaN",
    "Number",
    "Object",
    "Promise",
    "Proxy",
    "RangeError",
    "ReferenceError",
    "Reflect",
    "RegExp",
    "Set",
    "SharedArrayBuffer",
    "String",
    "SuppressedError",
    "Symbol",
    "SyntaxError",
    "TypeError",
    "URIError",
    "Uint16Array",
    "Uint32Array",
    "Uint8Array",
    "Uint8ClampedArray",
    "WeakMap",
    "WeakRef",
    "WeakSet",
    "WebAssembly",
    "decodeURI",
    "decodeURIComponent",
    "encodeURI",
    "encodeURIComponent",
    "escape",
    "eval",
    "globalThis",
    "isFinite",
    "isNaN",
    "parseFloat",
    "parseInt",
    "undefined",
    "unescape",
];

#[tokio::test]
async fn handler_globals_match_the_sdk_declarations() {
    let sdk = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk-js/src/globals.ts"),
    )
    .unwrap();
    let list = sdk
        .split_once("ISOGATE_GLOBALS = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .unwrap();
    let declared: std::collections::BTreeSet<String> = list
        .split(',')
        .map(|item| item.trim().trim_matches('"').to_owned())
        .filter(|item| !item.is_empty())
        .collect();

    let dir = folder(&[(
        "handler.js",
        b"export default { fetch() { return Response.json(Object.getOwnPropertyNames(globalThis)); } };",
    )]);
    let worker = spawn(dir.path().join("handler.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let exposed: std::collections::BTreeSet<String> = serde_json::from_str::<Vec<String>>(&body)
        .unwrap()
        .into_iter()
        .filter(|name| !ECMASCRIPT_GLOBALS.contains(&name.as_str()))
        .collect();
    let undeclared: Vec<_> = exposed.difference(&declared).collect();
    let missing: Vec<_> = declared.difference(&exposed).collect();
    assert!(
        undeclared.is_empty() && missing.is_empty(),
        "sdk-js/src/globals.ts is out of step with the runtime: exposed but not declared \
         {undeclared:?}; declared but not exposed {missing:?}"
    );
}

#[tokio::test]
async fn a_handler_runs_from_a_bundle_in_memory_and_stays_inside_it() {
    use bytes::Bytes;
    let file = |name: &str, text: &str| (name.to_owned(), Bytes::from(text.to_owned()));
    let bundle = isogate_runtime::Bundle::new(
        [
            file("package.json", r#"{"name":"bundled","type":"module"}"#),
            file(
                "src/index.ts",
                r#"import { greet } from "./greet";
import { shout } from "shouty";
import data from "../data.json" with { type: "json" };
export default {
  async fetch(_request: Request, env: { NEIGHBOUR: string }): Promise<Response> {
    const outside = await import("file:///etc/hostname").then(() => "read", (e) => String(e.message));
    const neighbour = await import("file://" + env.NEIGHBOUR + "/secret.js")
      .then((m) => m.secret, (e) => String(e.message));
    return Response.json({ text: shout(greet(data.name)), outside, neighbour });
  },
};"#,
            ),
            file(
                "src/greet.ts",
                "export const greet = (name: string): string => `hello, ${name}`;",
            ),
            file("data.json", r#"{"name":"bundle"}"#),
            file(
                "node_modules/shouty/package.json",
                r#"{"name":"shouty","main":"index.js"}"#,
            ),
            file(
                "node_modules/shouty/index.js",
                "export const shout = (text) => text.toUpperCase();",
            ),
        ],
        &isogate_runtime::BundleLimits::default(),
    )
    .unwrap();
    let mounted = isogate_runtime::mount_bundle(bundle);
    assert!(mounted.root().starts_with(isogate_runtime::BUNDLES));
    // Another tenant's bundle, mounted in the same process (as in a worker process that
    // hosts both): its files are outside this handler's project.
    let neighbour = isogate_runtime::mount_bundle(
        isogate_runtime::Bundle::new(
            [file("secret.js", "export const secret = 'read';")],
            &isogate_runtime::BundleLimits::default(),
        )
        .unwrap(),
    );
    let root = neighbour.root().display().to_string();
    let worker = spawn(mounted.root().join("src/index.ts"), &[("NEIGHBOUR", &root)]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["text"], "HELLO, BUNDLE");
    let outside = json["outside"].as_str().unwrap();
    assert!(outside.contains("outside"), "{outside}");
    let neighbour = json["neighbour"].as_str().unwrap();
    assert!(neighbour.contains("outside"), "{neighbour}");
}
