#!/usr/bin/env bash
# Rebuilds readable-stream/stream.mjs and string_decoder/string_decoder.mjs: Node's own
# streams (readable-stream) and StringDecoder (string_decoder), bundled by esbuild as ES
# modules whose Node built-ins (`buffer`, `events`, `process`, `string_decoder`,
# `abort-controller`) come from isogate's own `node:` modules.
#
#   runtime/vendor/readable-stream/build.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
echo '{ "name": "vendor-build", "private": true }' >package.json
npm install --silent --no-audit --no-fund readable-stream@4.8.0 string_decoder@1.3.0 \
  esbuild@0.24.2

cat >stream.mjs <<'EOF'
import Stream from "readable-stream/lib/stream.js";
import promises from "readable-stream/lib/stream/promises.js";
export default Stream;
export const {
  Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished, addAbortSignal,
  compose, destroy, isDisturbed, isErrored, isReadable, _isUint8Array, _uint8ArrayToBuffer,
} = Stream;
export { Stream, promises };
EOF
cat >string_decoder.mjs <<'EOF'
import decoder from "string_decoder/lib/string_decoder.js";
export default decoder;
export const StringDecoder = decoder.StringDecoder;
EOF

stream_banner='// readable-stream 4.8.0 (MIT), Node'"'"'s own streams, bundled by esbuild as an ES module for
// isogate'"'"'s `node:stream`; Node built-ins it requires come from isogate'"'"'s own modules.
import * as __isogate_buffer from "node:buffer";
import __isogate_events from "node:events";
import __isogate_process from "node:process";
import * as __isogate_string_decoder from "node:string_decoder";
const require = (name) => {
  switch (name) {
    case "buffer":
      return __isogate_buffer;
    case "events":
      return __isogate_events;
    case "process/":
      return __isogate_process;
    case "string_decoder":
    case "string_decoder/":
      return __isogate_string_decoder;
    case "abort-controller":
      return { AbortController: globalThis.AbortController, AbortSignal: globalThis.AbortSignal };
  }
  throw new Error(`node:stream requires an unknown module ${name}`);
};'
decoder_banner='// string_decoder 1.3.0 (MIT), Node'"'"'s own StringDecoder, bundled by esbuild as an ES module
// for isogate'"'"'s `node:string_decoder`; its Buffer is isogate'"'"'s `node:buffer`.
import * as __isogate_buffer from "node:buffer";
const require = (name) => {
  if (name === "safe-buffer") {
    return __isogate_buffer;
  }
  throw new Error(`node:string_decoder requires an unknown module ${name}`);
};'
common=(--bundle --format=esm --platform=neutral --main-fields=main --target=es2022
  --legal-comments=inline --log-level=warning)
npx esbuild stream.mjs "${common[@]}" --external:buffer --external:events --external:process/ \
  --external:string_decoder --external:string_decoder/ --external:abort-controller --banner:js="$stream_banner" \
  --outfile="$here/stream.mjs"
npx esbuild string_decoder.mjs "${common[@]}" --external:safe-buffer \
  --banner:js="$decoder_banner" --outfile="$here/../string_decoder/string_decoder.mjs"
