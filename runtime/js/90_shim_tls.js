// Stands in for ext:deno_net/02_tls.js, which deno_fetch's HTTP-client module imports for
// `Deno.createHttpClient` client certificates. Handlers have no `Deno` namespace, so custom
// clients do not exist here.
(function () {
function loadTlsKeyPair() {
  throw new TypeError("custom HTTP clients are not available in isogate handlers");
}
return { loadTlsKeyPair };
})();
