import * as types from "../internal/util/types.mjs";
export * from "../internal/util/types.mjs";
export default types;
