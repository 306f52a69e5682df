// Stands in for ext:deno_telemetry/util.ts (span helpers; tracing is off, see the telemetry shim).
(function () {
const { internals } = __bootstrap;
internals.__telemetryUtil = {
  updateSpanFromClientResponse: () => {},
  updateSpanFromError: () => {},
  updateSpanFromRequest: () => {},
};
return internals.__telemetryUtil;
})();
