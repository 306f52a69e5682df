//! Handlers' imports resolved and loaded as bundlers do: packages in node_modules (their
//! `exports`, `browser`, `module` and `main`), CommonJS, JSON and WebAssembly imports, and
//! the errors that name what could not be loaded.

mod common;

use common::*;

/// The bytes of a WebAssembly module exporting `add(i32, i32) -> i32`.
const ADD_WASM: &[u8] = &[
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type: (i32, i32) -> i32
    0x03, 0x02, 0x01, 0x00, // function 0 has type 0
    0x07, 0x07, 0x01, 0x03, b'a', b'd', b'd', 0x00, 0x00, // export "add"
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, // local.get 0 1; add
];

#[tokio::test]
async fn handler_imports_packages_from_node_modules_and_wasm() {
    let dir = folder(&[
        (
            "handler.js",
            br#"import { greet } from "greeter";
import { shout } from "greeter/loud";
import { version } from "@acme/util";
import add from "./add.wasm";
const { exports } = new WebAssembly.Instance(add);
export default {
  fetch() {
    return Response.json({
      greeting: shout(greet("isogate")),
      version,
      sum: exports.add(2, 40),
      isModule: add instanceof WebAssembly.Module,
    });
  },
};"#,
        ),
        ("add.wasm", ADD_WASM),
        (
            "node_modules/greeter/package.json",
            br#"{"name":"greeter","exports":{".":{"require":"./index.cjs","import":"./esm/index.js"},"./loud":"./esm/loud.mjs"}}"#,
        ),
        ("node_modules/greeter/index.cjs", b"module.exports = {};"),
        (
            "node_modules/greeter/esm/index.js",
            b"export const greet = (name) => `hello, ${name}`;",
        ),
        (
            "node_modules/greeter/esm/loud.mjs",
            b"export const shout = (text) => text.toUpperCase();",
        ),
        (
            "node_modules/@acme/util/package.json",
            br#"{"name":"@acme/util","type":"module","main":"lib/main.js"}"#,
        ),
        (
            "node_modules/@acme/util/lib/main.js",
            b"export { version } from \"./version.js\";",
        ),
        (
            "node_modules/@acme/util/lib/version.js",
            b"export const version = \"1.2.3\";",
        ),
    ]);
    let worker = spawn(dir.path().join("handler.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["greeting"], "HELLO, ISOGATE");
    assert_eq!(json["version"], "1.2.3");
    assert_eq!(json["sum"], 42);
    assert_eq!(json["isModule"], true);
}

#[tokio::test]
async fn handler_resolves_imports_as_bundlers_do_within_its_project() {
    let dir = folder(&[
        ("package.json", br#"{"name":"app","type":"module"}"#),
        (
            "src/index.ts",
            br#"import { route } from "./routes";
import { helper } from "./lib/helper.js";
import { pick } from "dual";
import { legacy } from "remapped";
export default { fetch() { return Response.json({ route, helper, pick, legacy }); } };"#,
        ),
        ("src/routes/index.ts", br#"export const route: string = "index";"#),
        ("src/lib/helper.ts", br#"export const helper: string = "ts";"#),
        (
            "node_modules/dual/package.json",
            br#"{"name":"dual","type":"module","exports":{".":{"browser":"./web.js","default":"./node.js"}}}"#,
        ),
        ("node_modules/dual/web.js", br#"export const pick = "browser";"#),
        ("node_modules/dual/node.js", br#"import "node:crypto"; export const pick = "node";"#),
        (
            "node_modules/remapped/package.json",
            br#"{"name":"remapped","type":"module","main":"./main.js","browser":{"./main.js":"./main.browser.js"}}"#,
        ),
        ("node_modules/remapped/main.js", br#"import "node:fs"; export const legacy = 0;"#),
        ("node_modules/remapped/main.browser.js", br#"export const legacy = "browser field";"#),
    ]);
    let worker = spawn(dir.path().join("src/index.ts"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"route":"index","helper":"ts","pick":"browser","legacy":"browser field"}"#
    );
}

#[tokio::test]
async fn commonjs_packages_load_with_their_default_and_named_exports() {
    let dir = folder(&[
        ("package.json", br#"{"name":"app"}"#),
        (
            "index.js",
            br#"import ms from "ms";
import compiled, { helper, VERSION } from "compiled";
import * as whole from "compiled";
import data from "./local.cjs";
export default {
  fetch() {
    return Response.json({
      ms: ms("1m"),
      compiled: compiled(),
      helper: helper(2),
      version: VERSION,
      hasNamed: "helper" in whole,
      data,
    });
  },
};"#,
        ),
        ("local.cjs", b"module.exports = { local: require(\"./data.json\").answer };"),
        ("data.json", br#"{"answer":42}"#),
        ("node_modules/ms/package.json", br#"{"name":"ms","main":"index"}"#),
        (
            "node_modules/ms/index.js",
            br#"var fs = require("fs");
module.exports = function (text) { return process.env.NODE_ENV === "production" ? parseInt(text) * 60000 : -1; };"#,
        ),
        (
            "node_modules/compiled/package.json",
            br#"{"name":"compiled","exports":{"require":"./dist/index.js"}}"#,
        ),
        (
            "node_modules/compiled/dist/index.js",
            br#""use strict";
Object.defineProperty(exports, "__esModule", { value: true });
module.exports = require("./impl");"#,
        ),
        (
            "node_modules/compiled/dist/impl.js",
            br#""use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.VERSION = exports.helper = void 0;
exports.helper = (n) => n * 21;
exports.VERSION = "1.0";
exports.default = () => "the default";"#,
        ),
    ]);
    let worker = spawn(dir.path().join("index.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"ms":60000,"compiled":"the default","helper":42,"version":"1.0","hasNamed":true,"data":{"local":42}}"#
    );

    // A Node.js built-in loads; using it says which it is.
    let dir = folder(&[
        ("index.js", b"import uses from \"uses-fs\";\nexport default { fetch() { try { uses(); return new Response(\"no\"); } catch (e) { return new Response(e.message); } } };"),
        ("node_modules/uses-fs/package.json", br#"{"name":"uses-fs"}"#),
        (
            "node_modules/uses-fs/index.js",
            br#"const fs = require("node:fs"); module.exports = () => fs.readFileSync("/etc/passwd");"#,
        ),
    ]);
    let worker = spawn(dir.path().join("index.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(
        (status, body.as_str()),
        (
            200,
            "node:fs is not available in isogate (it is a Node.js built-in)"
        )
    );
}

#[tokio::test]
async fn commonjs_modules_run_when_required_in_the_order_node_runs_them() {
    // Node runs a required module when `require` is called: `a` first, then `b`, which
    // sees `a` half-made; two classes that require each other at their ends (as semver's
    // Range and Comparator do) see each other; a module required only on a path not taken
    // never runs.
    let dir = folder(&[
        ("index.js", br#"import cyclic from "cyclic";
export default { fetch() { return Response.json(cyclic); } };"#),
        ("node_modules/cyclic/package.json", br#"{"name":"cyclic","main":"index.js"}"#),
        (
            "node_modules/cyclic/index.js",
            br#"const a = require("./a");
const Range = require("./range");
if (a.value === "never") require("./optional");
module.exports = { value: a.value, order: require("./log").order, cycle: new Range().comparator().range() instanceof Range };"#,
        ),
        ("node_modules/cyclic/log.js", b"exports.order = [];"),
        (
            "node_modules/cyclic/a.js",
            br#"require("./log").order.push("a");
const b = require("./b");
module.exports = { value: b.helper() };"#,
        ),
        (
            "node_modules/cyclic/b.js",
            br#"require("./log").order.push("b");
const a = require("./a");
exports.helper = () => "helped while a was " + JSON.stringify(a);"#,
        ),
        (
            "node_modules/cyclic/range.js",
            br#"class Range { comparator() { return new Comparator(); } }
module.exports = Range;
const Comparator = require("./comparator");"#,
        ),
        (
            "node_modules/cyclic/comparator.js",
            br#"class Comparator { range() { return new Range(); } }
module.exports = Comparator;
const Range = require("./range");"#,
        ),
        ("node_modules/cyclic/optional.js", b"throw new Error(\"a module never required ran\");"),
    ]);
    let worker = spawn(dir.path().join("index.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        r#"{"value":"helped while a was {}","order":["a","b"],"cycle":true}"#
    );
}

#[tokio::test]
async fn handler_import_errors_name_the_package() {
    let cases: [(&str, &[File<'_>], &str); 5] = [
        (
            "import x from \"addon\";",
            &[
                (
                    "node_modules/addon/package.json",
                    br#"{"name":"addon","main":"index.js"}"#,
                ),
                (
                    "node_modules/addon/index.js",
                    br#"module.exports = require("./build/addon.node");"#,
                ),
                ("node_modules/addon/build/addon.node", b"\x7fELF"),
            ],
            "addon.node is a native addon, required by file://",
        ),
        (
            "import x from \"absent\";",
            &[],
            "package \"absent\" is not in node_modules",
        ),
        (
            "import fs from \"node:fs\";",
            &[],
            "\"node:fs\" is not available",
        ),
        (
            "import x from \"./router\";",
            &[("routes/index.ts", b"export default 1;")],
            "cannot find module \"./router\" imported from file://",
        ),
        (
            "import x from \"absent\";",
            &[("package.json", b"{}")],
            "no node_modules folder from ",
        ),
    ];
    for (import, files, expected) in cases {
        let source = format!(
            "{import}\nexport default {{ fetch() {{ return new Response(String(x)); }} }};"
        );
        let mut all: Vec<File<'_>> = files.to_vec();
        all.push(("handler.js", source.as_bytes()));
        let dir = folder(&all);
        let worker = spawn(dir.path().join("handler.js"), &[]);
        match worker.loaded().await {
            isogate_runtime::LoadState::Failed(error) => {
                assert!(error.contains(expected), "{import}: {error}");
                if import.contains("./router") {
                    // What was tried, so the user sees which file it wanted.
                    assert!(error.contains("router.ts, "), "{error}");
                    assert!(error.contains("router/index.ts"), "{error}");
                }
            }
            other => panic!("{import}: loaded as {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_packages_browser_map_swaps_its_own_files_for_imports_and_requires() {
    // As @aws-sdk's packages map `./dist-es/runtimeConfig` to its `.browser` file, and
    // others map a Node-only file to `false`.
    let dir = folder(&[
        (
            "handler.js",
            br#"import { config, helper, required, fetchName, client } from "sdk";
export default {
  fetch() { return Response.json({ config, helper, required, fetchName, client }); },
};"#,
        ),
        (
            "node_modules/sdk/package.json",
            br#"{"name":"sdk","module":"./dist-es/index.js","browser":{
  "./dist-es/runtimeConfig": "./dist-es/runtimeConfig.browser",
  "dist-es/node-helper.js": false,
  "./dist-cjs/fs.js": false,
  "./dist-cjs/platform": "./dist-cjs/platform.web.js",
  "crypto": false,
  "node-fetch": "./dist-es/fetch.web.js",
  "http-client": "web-client"
}}"#,
        ),
        (
            "node_modules/sdk/dist-es/index.js",
            br#"import { config } from "./runtimeConfig";
import helper from "./node-helper.js";
import cjs from "../dist-cjs/index.js";
import fetchName from "node-fetch";
import client from "http-client";
export { config, fetchName, client };
export const required = cjs;
const helperKeys = Object.keys(helper).length;
export { helperKeys as helper };"#,
        ),
        (
            "node_modules/sdk/dist-es/runtimeConfig.js",
            br#"import "node:fs"; export const config = "node";"#,
        ),
        (
            "node_modules/sdk/dist-es/runtimeConfig.browser.js",
            br#"export const config = "browser";"#,
        ),
        (
            "node_modules/sdk/dist-es/node-helper.js",
            br#"import "node:child_process"; export default { spawn: 1 };"#,
        ),
        (
            "node_modules/sdk/dist-cjs/index.js",
            br#"const fs = require("./fs.js");
const crypto = require("crypto");
module.exports = {
  fs: Object.keys(fs).length,
  crypto: Object.keys(crypto).length,
  platform: require("./platform"),
  client: require("http-client"),
};"#,
        ),
        ("node_modules/sdk/dist-es/fetch.web.js", br#"export default "fetch";"#),
        (
            "node_modules/web-client/package.json",
            br#"{"name":"web-client","main":"./index.js","exports":{"import":"./index.mjs","require":"./index.js"}}"#,
        ),
        ("node_modules/web-client/index.mjs", br#"export default "web client (import)";"#),
        ("node_modules/web-client/index.js", br#"module.exports = "web client (require)";"#),
        ("node_modules/sdk/dist-cjs/fs.js", br#"module.exports = require("fs");"#),
        ("node_modules/sdk/dist-cjs/platform.js", br#"module.exports = require("os").platform();"#),
        ("node_modules/sdk/dist-cjs/platform.web.js", br#"module.exports = "web";"#),
    ]);
    let worker = spawn(dir.path().join("handler.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        concat!(
            r#"{"config":"browser","helper":0,"#,
            r#""required":{"fs":0,"crypto":0,"platform":"web","client":"web client (require)"},"#,
            r#""fetchName":"fetch","client":"web client (import)"}"#
        )
    );

    // A map never swaps in a file from outside the project, even one that is there.
    let dir = folder(&[
        ("secret.js", br#"export default "outside";"#),
        ("app/package.json", br#"{"name":"app"}"#),
        (
            "app/handler.js",
            b"import x from \"escape\";\nexport default { fetch() { return new Response(x); } };",
        ),
        (
            "app/node_modules/escape/package.json",
            br#"{"name":"escape","main":"./index.js","browser":{"./lib.js":"../../../secret.js"}}"#,
        ),
        (
            "app/node_modules/escape/index.js",
            br#"export { default } from "./lib.js";"#,
        ),
        (
            "app/node_modules/escape/lib.js",
            br#"export default "inside";"#,
        ),
    ]);
    let worker = spawn(dir.path().join("app/handler.js"), &[]);
    match worker.loaded().await {
        isogate_runtime::LoadState::Failed(error) => {
            assert!(
                error.contains("resolves outside the handler's project"),
                "{error}"
            )
        }
        other => panic!("loaded as {other:?}"),
    }
}

#[tokio::test]
async fn json_imported_without_attributes_is_its_value_and_bad_json_names_its_file() {
    // Package builds import their own package.json as bundlers allow, with no `with`.
    let dir = folder(&[
        (
            "handler.js",
            br#"import { version } from "sdk";
import data from "./data.json";
import typed from "./data.json" with { type: "json" };
export default { fetch() { return Response.json({ version, data, typed }); } };"#,
        ),
        ("data.json", br#"{"answer": 42, "text": "a \"quoted\"\nline"}"#),
        (
            "node_modules/sdk/package.json",
            br#"{"name":"sdk","version":"3.9.1","module":"./dist-es/index.js"}"#,
        ),
        (
            "node_modules/sdk/dist-es/index.js",
            br#"import packageInfo from "../package.json"; export const version = packageInfo.version;"#,
        ),
    ]);
    let worker = spawn(dir.path().join("handler.js"), &[]);
    let (status, body) = call(&worker, get("http://example.test/")).await.unwrap();
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["version"], "3.9.1");
    assert_eq!(json["data"]["answer"], 42);
    assert_eq!(json["data"]["text"], "a \"quoted\"\nline");
    assert_eq!(json["typed"], json["data"]);

    let dir = folder(&[
        ("handler.js", b"import data from \"./broken.json\";\nexport default { fetch() { return Response.json(data); } };"),
        ("broken.json", b"{\"answer\": 42,\n}"),
    ]);
    let worker = spawn(dir.path().join("handler.js"), &[]);
    match worker.loaded().await {
        isogate_runtime::LoadState::Failed(error) => {
            assert!(error.contains("broken.json"), "{error}");
            assert!(error.contains("line 2"), "{error}");
        }
        other => panic!("loaded as {other:?}"),
    }
}
