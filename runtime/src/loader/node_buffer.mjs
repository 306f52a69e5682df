// `node:buffer` for `nodejs_compat` handlers: unenv's, with the `base64url` encoding Node
// has (unenv's Buffer refuses it): read as base64, whose decoder takes `-` and `_` too, and
// written as base64 with `+` and `/` made `-` and `_` and the padding dropped.
import unenv, { Buffer } from "isogate-node:/unenv/node/buffer.mjs";

export * from "isogate-node:/unenv/node/buffer.mjs";
export default unenv;

const isUrl = (encoding) => typeof encoding === "string" && encoding.toLowerCase() === "base64url";
const asBase64 = (encoding) => (isUrl(encoding) ? "base64" : encoding);
// The arguments after the first (the data, which may be any string), encodings read as base64.
const decoding = (args) => [args[0], ...Array.prototype.slice.call(args, 1).map(asBase64)];

const { from, byteLength, isEncoding } = Buffer;
const { toString, write, fill } = Buffer.prototype;

Buffer.isEncoding = function (encoding) {
  return isUrl(encoding) || isEncoding.call(this, encoding);
};
Buffer.from = function () {
  return from.apply(this, decoding(arguments));
};
Buffer.byteLength = function () {
  return byteLength.apply(this, decoding(arguments));
};
Buffer.prototype.toString = function (encoding, start, end) {
  if (!isUrl(encoding)) {
    return toString.apply(this, arguments);
  }
  return toString
    .call(this, "base64", start, end)
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
};
Buffer.prototype.toLocaleString = Buffer.prototype.toString;
Buffer.prototype.write = function () {
  return write.apply(this, decoding(arguments));
};
Buffer.prototype.fill = function () {
  return fill.apply(this, decoding(arguments));
};
