// A WebAssembly module imported as Workers allow: `import mod from "./add.wasm"` gives a
// compiled `WebAssembly.Module`; it is instantiated once per isolate.
import addModule from "./add.wasm";

const { exports } = new WebAssembly.Instance(addModule);

export default {
  fetch(request) {
    const url = new URL(request.url);
    const a = Number(url.searchParams.get("a"));
    const b = Number(url.searchParams.get("b"));
    if (!Number.isInteger(a) || !Number.isInteger(b)) {
      return Response.json({ error: "give integers ?a=…&b=…" }, { status: 400 });
    }
    return Response.json({ a, b, sum: exports.add(a, b) });
  },
};
