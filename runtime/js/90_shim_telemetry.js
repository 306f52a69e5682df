// Stands in for ext:deno_telemetry/telemetry.ts, which deno_fetch consults for OpenTelemetry
// spans. isogate does not trace from inside isolates, so tracing is off.
(function () {
const { internals } = __bootstrap;
const DID_NOT_ENTER = {};
internals.__telemetry = {
  TRACING_ENABLED: false,
  PROPAGATORS: [],
  DID_NOT_ENTER,
  builtinTracer() {
    throw new TypeError("tracing is disabled");
  },
  ContextManager: { active: () => undefined },
  enterSpan: () => DID_NOT_ENTER,
  exitSpan: () => {},
};
return internals.__telemetry;
})();
