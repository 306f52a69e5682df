//! `node:buffer` under `nodejs_compat`: the `base64url` encoding, as Node has it, wherever
//! an encoding is taken.

mod common;

use common::*;

#[tokio::test]
async fn buffer_reads_and_writes_base64url_as_node_does() {
    let dir = folder(&[
        ("package.json", br#"{"name":"app"}"#),
        (
            "index.js",
            br#"import { Buffer } from "node:buffer";
export default {
  fetch() {
    const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x3e]);
    const written = Buffer.alloc(4);
    const count = written.write("-__-Pg", "base64url");
    const text = "base64url";
    return Response.json({
      encoded: bytes.toString("base64url"),
      upper: bytes.toString("BASE64URL"),
      isogate: Buffer.from("isogate").toString("base64url"),
      decoded: [...Buffer.from("-__-Pg", "base64url")],
      padded: [...Buffer.from("-__-Pg==", "base64url")],
      length: Buffer.byteLength("-__-Pg", "base64url"),
      known: Buffer.isEncoding("base64url"),
      written: [count, ...written],
      filled: [...Buffer.alloc(3, "-__-", "base64url")],
      // The data itself may be the encoding's name.
      data: Buffer.from(text).toString(),
      plain: bytes.toString("base64"),
      hex: bytes.toString("hex"),
      unknown: (() => { try { Buffer.from("x", "base65"); } catch (error) { return error.message; } })(),
    });
  },
};"#,
        ),
    ]);
    let (json, body) = node_json(dir.path().join("index.js")).await;
    // What Node 20 answers for each.
    assert_eq!(json["encoded"], "-__-Pg", "{body}");
    assert_eq!(json["upper"], "-__-Pg", "{body}");
    assert_eq!(json["isogate"], "aXNvZ2F0ZQ", "{body}");
    assert_eq!(json["decoded"], serde_json::json!([251, 255, 254, 62]));
    assert_eq!(json["padded"], serde_json::json!([251, 255, 254, 62]));
    assert_eq!(json["length"], 4);
    assert_eq!(json["known"], true);
    assert_eq!(json["written"], serde_json::json!([4, 251, 255, 254, 62]));
    assert_eq!(json["filled"], serde_json::json!([251, 255, 254]));
    assert_eq!(json["data"], "base64url");
    assert_eq!(json["plain"], "+//+Pg==");
    assert_eq!(json["hex"], "fbfffe3e");
    assert_eq!(json["unknown"], "Unknown encoding: base65", "{body}");
}
