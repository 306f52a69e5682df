// `node:events` for `nodejs_compat` handlers: unenv's EventEmitter (a port of Node's), made
// callable as Node's is, so that a package subclassing it the old way
// (`EventEmitter.call(this)` with `util.inherits`) works as well as `class extends
// EventEmitter`; both make instances of the one class, so `instanceof` holds either way.
import * as unenv from "isogate-node:/unenv/node/events.mjs";

export * from "isogate-node:/unenv/node/events.mjs";

const Base = unenv.EventEmitter;

/** Node's `EventEmitter`: a constructor that may also be called on an instance being made. */
export function EventEmitter(options) {
  if (new.target === undefined) {
    EventEmitter.init.call(this, options);
    return undefined;
  }
  return Reflect.construct(Base, [options], new.target);
}

EventEmitter.prototype = Base.prototype;
// As in Node, `on` and `off` are `addListener` and `removeListener` themselves (unenv's call
// them), so a subclass that overrides `on` and aliases `addListener` to it (readable-stream
// does) does not call itself.
Base.prototype.on = Base.prototype.addListener;
Base.prototype.off = Base.prototype.removeListener;
Object.setPrototypeOf(EventEmitter, Base);
Object.defineProperty(EventEmitter, "EventEmitter", { value: EventEmitter, enumerable: true });
/** Sets up `this` as an emitter, as the constructor does (Node's `EventEmitter.init`). */
Object.defineProperty(EventEmitter, "init", {
  value: function init(options) {
    Object.assign(this, new Base(options));
  },
});

export default EventEmitter;
