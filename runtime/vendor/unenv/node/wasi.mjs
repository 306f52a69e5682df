import { notImplementedClass } from "../_internal/utils.mjs";
export const WASI = /*@__PURE__*/ notImplementedClass("wasi.WASI");
export default { WASI };
