// Handler that runs the conformance suites and answers with their results as JSON.
import { runAll } from "./harness.js";
import url from "./url.js";
import encoding from "./encoding.js";
import fetchApi from "./fetch.js";
import streams from "./streams.js";
import abort from "./abort.js";
import cryptoSuite from "./crypto.js";
import timers from "./timers.js";
import events from "./events.js";
import globals from "./globals.js";
import htmlRewriter from "./html_rewriter.js";
import workers from "./workers.js";

export default {
  async fetch() {
    const result = await runAll([url, encoding, fetchApi, streams, abort, cryptoSuite, timers, events, globals, htmlRewriter, workers]);
    return Response.json(result);
  },
};
