import _punycode from "./internal/punycode/punycode.mjs";
export * from "./internal/punycode/punycode.mjs";
export default _punycode;
