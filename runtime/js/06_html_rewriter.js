// `HTMLRewriter` as Workers define it: `on(selector, handlers)`, `onDocument(handlers)` and
// `transform(response)`, over Cloudflare's lol-html (`src/ext/html.rs`). The rewriter runs
// beside the isolate and hands each token a handler registered for to JS, one at a time;
// JS runs the handler (which may be async), records what it did to the token and sends
// that back, and the rewriter applies it before it goes on. A token is valid only while its
// handler runs, as in Workers.

import { core, primordials } from "ext:core/mod.js";
import {
  op_isogate_html_end,
  op_isogate_html_new,
  op_isogate_html_reply,
  op_isogate_html_write,
} from "ext:core/ops";

const {
  ArrayBufferIsView,
  ArrayPrototypeFindIndex,
  ArrayPrototypeIncludes,
  ArrayPrototypeMap,
  ArrayPrototypePush,
  ArrayPrototypeSlice,
  ArrayPrototypeSplice,
  ObjectPrototypeIsPrototypeOf,
  PromisePrototypeThen,
  ReflectApply,
  RegExpPrototypeExec,
  SafeFinalizationRegistry,
  SafeMap,
  SafeRegExp,
  String,
  StringPrototypeToLowerCase,
  Symbol,
  SymbolIterator,
  TypeError,
  TypedArrayPrototypeSubarray,
  Uint8Array,
} = primordials;

const headersMod = core.loadExtScript("ext:deno_fetch/20_headers.js");
const responseMod = core.loadExtScript("ext:deno_fetch/23_response.js");
const streams = core.loadExtScript("ext:deno_web/06_streams.js");

/** Statuses whose responses have no body. */
const NULL_BODY = [101, 103, 204, 205, 304];

/** The most bytes handed to the rewriter at once (a large chunk is fed in slices). */
const SLICE = 64 * 1024;

const CHARSET = new SafeRegExp('charset\\s*=\\s*"?([^";\\s]+)', "i");

const _token = Symbol("[[token]]");

// A transformed body that is dropped unread lets its rewriter go when it is collected.
const ABANDONED = new SafeFinalizationRegistry((rid) => core.tryClose(rid));

function contentOf(content, options) {
  const html = options !== undefined && options !== null && !!options.html;
  if (typeof content === "string") {
    return { content, html };
  }
  if (ObjectPrototypeIsPrototypeOf(responseMod.Response.prototype, content)) {
    return { content: content.text(), html };
  }
  if (ObjectPrototypeIsPrototypeOf(streams.ReadableStream.prototype, content)) {
    return { content: new responseMod.Response(content).text(), html };
  }
  return { content: String(content), html };
}

/** What a handler did to one token, and whether the token may still be used. */
class Token {
  constructor(event, transform) {
    this.event = event;
    this.transform = transform;
    this.mutations = [];
    this.valid = true;
  }

  check() {
    if (!this.valid) {
      throw new TypeError(
        "This content token is no longer valid: it is usable only while its handler runs",
      );
    }
  }

  push(mutation) {
    this.check();
    ArrayPrototypePush(this.mutations, mutation);
  }

  content(op, content, options) {
    const { content: text, html } = contentOf(content, options);
    this.push({ op, content: text, html });
  }

  remove() {
    this.push({ op: "remove" });
    this.event.removed = true;
  }
}

/** Mixes the content methods every token kind shares into `Class`. */
function contentMethods(Class, names) {
  for (const name of names) {
    Class.prototype[name] = function (content, options) {
      this[_token].content(name, content, options);
      return this;
    };
  }
  Class.prototype.remove = function () {
    this[_token].remove();
    return this;
  };
}

class Element {
  constructor(token) {
    this[_token] = token;
  }

  get tagName() {
    return this[_token].event.tagName;
  }

  set tagName(name) {
    const token = this[_token];
    token.push({ op: "setTagName", name: String(name) });
    token.event.tagName = StringPrototypeToLowerCase(String(name));
  }

  get namespaceURI() {
    return this[_token].event.namespaceURI;
  }

  get removed() {
    return this[_token].event.removed;
  }

  get selfClosing() {
    return this[_token].event.selfClosing;
  }

  get canHaveContent() {
    return this[_token].event.canHaveContent;
  }

  get attributes() {
    const pairs = ArrayPrototypeMap(this[_token].event.attributes, (pair) => [pair[0], pair[1]]);
    return pairs[SymbolIterator]();
  }

  #find(name) {
    const lower = StringPrototypeToLowerCase(String(name));
    return ArrayPrototypeFindIndex(this[_token].event.attributes, (pair) => pair[0] === lower);
  }

  getAttribute(name) {
    this[_token].check();
    const at = this.#find(name);
    return at === -1 ? null : this[_token].event.attributes[at][1];
  }

  hasAttribute(name) {
    this[_token].check();
    return this.#find(name) !== -1;
  }

  setAttribute(name, value) {
    const token = this[_token];
    token.push({ op: "setAttribute", name: String(name), value: String(value) });
    const at = this.#find(name);
    if (at === -1) {
      ArrayPrototypePush(token.event.attributes, [StringPrototypeToLowerCase(String(name)), String(value)]);
    } else {
      token.event.attributes[at][1] = String(value);
    }
    return this;
  }

  removeAttribute(name) {
    const token = this[_token];
    token.push({ op: "removeAttribute", name: String(name) });
    const at = this.#find(name);
    if (at !== -1) {
      ArrayPrototypeSplice(token.event.attributes, at, 1);
    }
    return this;
  }

  removeAndKeepContent() {
    this[_token].push({ op: "removeAndKeepContent" });
    this[_token].event.removed = true;
    return this;
  }

  onEndTag(handler) {
    const token = this[_token];
    token.check();
    if (typeof handler !== "function") {
      throw new TypeError("onEndTag takes a function");
    }
    if (!token.event.canHaveContent) {
      throw new TypeError(`<${token.event.tagName}> has no end tag`);
    }
    token.push({ op: "onEndTag", id: token.transform.endTagHandler(handler) });
  }
}
contentMethods(Element, ["before", "after", "prepend", "append", "replace", "setInnerContent"]);

class EndTag {
  constructor(token) {
    this[_token] = token;
  }

  get name() {
    return this[_token].event.name;
  }

  set name(name) {
    this[_token].push({ op: "setTagName", name: String(name) });
    this[_token].event.name = StringPrototypeToLowerCase(String(name));
  }
}
contentMethods(EndTag, ["before", "after", "replace"]);

class Comment {
  constructor(token) {
    this[_token] = token;
  }

  get text() {
    return this[_token].event.text;
  }

  set text(text) {
    this[_token].push({ op: "setText", text: String(text) });
    this[_token].event.text = String(text);
  }

  get removed() {
    return this[_token].event.removed;
  }
}
contentMethods(Comment, ["before", "after", "replace"]);

class Text {
  constructor(token) {
    this[_token] = token;
  }

  get text() {
    return this[_token].event.text;
  }

  get lastInTextNode() {
    return this[_token].event.lastInTextNode;
  }

  get removed() {
    return this[_token].event.removed;
  }
}
contentMethods(Text, ["before", "after", "replace"]);

class Doctype {
  constructor(token) {
    this[_token] = token;
  }

  get name() {
    return this[_token].event.name ?? null;
  }

  get publicId() {
    return this[_token].event.publicId ?? null;
  }

  get systemId() {
    return this[_token].event.systemId ?? null;
  }

  remove() {
    this[_token].remove();
    return this;
  }
}

class DocumentEnd {
  constructor(token) {
    this[_token] = token;
  }

  append(content, options) {
    this[_token].content("append", content, options);
    return this;
  }
}

/** A handler object's methods of the given names, bound to it, as `on` receives them. */
function handlerSet(handlers, names) {
  if (handlers === null || (typeof handlers !== "object" && typeof handlers !== "function")) {
    throw new TypeError("HTMLRewriter handlers must be an object");
  }
  const set = {};
  for (const name of names) {
    const handler = handlers[name];
    if (handler !== undefined && handler !== null) {
      if (typeof handler !== "function") {
        throw new TypeError(`HTMLRewriter: handler "${name}" is not a function`);
      }
      set[name] = { handler, self: handlers };
    }
  }
  return set;
}

/** One `transform`: drives the rewriter with the source body's chunks. */
class Transform {
  #rid;
  #elements;
  #document;
  #reader;
  #endTags = new SafeMap();
  #nextEndTag = 0;
  #finished = false;

  constructor(rid, elements, document, source) {
    this.#rid = rid;
    this.#elements = elements;
    this.#document = document;
    this.#reader = source === null ? null : source.getReader();
  }

  endTagHandler(handler) {
    const id = this.#nextEndTag++;
    this.#endTags.set(id, handler);
    return id;
  }

  /** Runs the rewriter until it has output or the document is done. */
  async pull(controller) {
    try {
      for (;;) {
        const read = this.#reader === null ? { done: true } : await this.#reader.read();
        if (read.done) {
          await this.#settle(await op_isogate_html_end(this.#rid), controller);
          this.#finish();
          controller.close();
          return;
        }
        if (await this.#write(chunkOf(read.value), controller)) {
          return;
        }
      }
    } catch (error) {
      this.cancel(error);
      throw error;
    }
  }

  /** Feeds `chunk` in slices of at most `SLICE` bytes; whether any output came. */
  async #write(chunk, controller) {
    let wrote = false;
    let at = 0;
    do {
      const slice = TypedArrayPrototypeSubarray(chunk, at, at + SLICE);
      const step = await op_isogate_html_write(this.#rid, slice);
      wrote = (await this.#settle(step, controller)) || wrote;
      at += SLICE;
    } while (at < chunk.length);
    return wrote;
  }

  /** Answers the handlers a step waits on and passes its output on; whether there was any. */
  async #settle(step, controller) {
    let wrote = false;
    for (;;) {
      if (step.output) {
        controller.enqueue(step.output);
        wrote = true;
      }
      if (!step.event) {
        return wrote;
      }
      step = await op_isogate_html_reply(this.#rid, await this.#run(step.event));
    }
  }

  cancel(reason) {
    this.#finish();
    if (this.#reader !== null) {
      PromisePrototypeThen(this.#reader.cancel(reason), undefined, () => {});
    }
  }

  #finish() {
    if (!this.#finished) {
      this.#finished = true;
      ABANDONED.unregister(this);
      core.tryClose(this.#rid);
    }
  }

  /** Runs the handler a token is for; what it did to the token. */
  async #run(event) {
    let entry;
    let Kind;
    switch (event.kind) {
      case "element":
        entry = this.#elements[event.handler].element;
        Kind = Element;
        break;
      case "comments":
        entry = (event.document ? this.#document : this.#elements)[event.handler].comments;
        Kind = Comment;
        break;
      case "text":
        entry = (event.document ? this.#document : this.#elements)[event.handler].text;
        Kind = Text;
        break;
      case "doctype":
        entry = this.#document[event.handler].doctype;
        Kind = Doctype;
        break;
      case "end":
        entry = this.#document[event.handler].end;
        Kind = DocumentEnd;
        break;
      default: {
        const handler = this.#endTags.get(event.handler);
        this.#endTags.delete(event.handler);
        entry = { handler, self: undefined };
        Kind = EndTag;
      }
    }
    const token = new Token(event, this);
    try {
      const result = ReflectApply(entry.handler, entry.self, [new Kind(token)]);
      if (result !== null && typeof result === "object" && typeof result.then === "function") {
        await result;
      }
    } finally {
      token.valid = false;
    }
    const mutations = token.mutations;
    for (let i = 0; i < mutations.length; i++) {
      const content = mutations[i].content;
      if (content !== undefined && typeof content !== "string") {
        mutations[i].content = await content;
      }
    }
    return mutations;
  }
}

function chunkOf(value) {
  if (ObjectPrototypeIsPrototypeOf(Uint8Array.prototype, value)) {
    return value;
  }
  if (ArrayBufferIsView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  throw new TypeError("HTMLRewriter: the response body yielded a chunk that is not bytes");
}

class HTMLRewriter {
  #elements = [];
  #document = [];

  on(selector, handlers) {
    ArrayPrototypePush(this.#elements, {
      selector: String(selector),
      handlers: handlerSet(handlers, ["element", "comments", "text"]),
    });
    return this;
  }

  onDocument(handlers) {
    ArrayPrototypePush(this.#document, handlerSet(handlers, ["doctype", "comments", "text", "end"]));
    return this;
  }

  transform(response) {
    if (!ObjectPrototypeIsPrototypeOf(responseMod.Response.prototype, response)) {
      throw new TypeError("HTMLRewriter.transform takes a Response");
    }
    const contentType = response.headers.get("content-type");
    const charset = contentType === null ? null : RegExpPrototypeExec(CHARSET, contentType);
    const elements = ArrayPrototypeMap(this.#elements, (entry) => entry.handlers);
    const document = ArrayPrototypeSlice(this.#document);
    const rid = op_isogate_html_new({
      elements: ArrayPrototypeMap(this.#elements, (entry) => ({
        selector: entry.selector,
        element: entry.handlers.element !== undefined,
        comments: entry.handlers.comments !== undefined,
        text: entry.handlers.text !== undefined,
      })),
      document: ArrayPrototypeMap(document, (set) => ({
        doctype: set.doctype !== undefined,
        comments: set.comments !== undefined,
        text: set.text !== undefined,
        end: set.end !== undefined,
      })),
      charset: charset === null ? null : charset[1],
    });
    const headers = new headersMod.Headers(response.headers);
    headers.delete("content-length");
    const init = { status: response.status, statusText: response.statusText, headers };
    if (ArrayPrototypeIncludes(NULL_BODY, response.status)) {
      core.tryClose(rid);
      return new responseMod.Response(null, init);
    }
    const run = new Transform(rid, elements, document, response.body);
    const body = new streams.ReadableStream(
      {
        pull: (controller) => run.pull(controller),
        cancel: (reason) => run.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    ABANDONED.register(body, rid, run);
    return new responseMod.Response(body, init);
  }
}

export { HTMLRewriter };
