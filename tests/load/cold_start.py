#!/usr/bin/env python3
"""Tenant cold start in a worker process, added to a warm request (run by
tests/load/cold_start.sh, which builds the binary): TENANTS tenants are deployed over /v1
(each version's isolate starts on the tenant's first request, from a warm spare), then each
tenant gets two requests in a row; the first one's latency minus the second's is what the
cold start added. Requests to successive tenants are PAUSE_MS apart, so that the worker
processes refill their spares between them (a burst of new tenants would measure isolate
creation instead). Half the tenants get their warm request right after the first; the other
half get it after the same pause, so that it too finds the server idle (threads parked,
caches cold) and the difference is the cold start alone. BURST=1 gives a third of them to
each of those and a third to tenants back to back. ISOLATION=thread runs the same
in-process; RAW=1 also prints the first and warm requests' medians; NODEJS_COMPAT=1 deploys
every version with `nodejs_compat` and a handler that imports `node:buffer` and `node:crypto`.
"""

import http.client
import json
import os
import statistics
import sys
import tempfile
import shutil
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy as d  # noqa: E402

TENANTS = int(os.environ.get("TENANTS", "200"))
PAUSE = float(os.environ.get("PAUSE_MS", "100")) / 1000


def timed_get(node, host):
    connection = http.client.HTTPConnection(node.http, timeout=30)
    connection.connect()
    started = time.perf_counter()
    connection.request("GET", "/", headers={"host": host})
    response = connection.getresponse()
    response.read()
    took = time.perf_counter() - started
    connection.close()
    assert response.status == 200, (host, response.status)
    return took * 1000


def measure(node, names, pause, idle_warm=False):
    """The first request's latency less a warm one's, per tenant: the warm request comes right
    after the first, or (idle_warm) after the same pause, so that both wake an idle server."""
    added, firsts, warms = [], [], []
    for name in names:
        first = timed_get(node, f"{name}.test")
        if idle_warm:
            time.sleep(pause)
        warm = timed_get(node, f"{name}.test")
        added.append(first - warm)
        firsts.append(first)
        warms.append(warm)
        time.sleep(pause)
    if os.environ.get("RAW"):
        print(f"first p50 {statistics.median(firsts):.2f} ms, warm p50 {statistics.median(warms):.2f} ms")
    added.sort()
    p99 = added[min(len(added) - 1, int(len(added) * 0.99))]
    return statistics.median(added), p99, added[-1]


def main():
    work = tempfile.mkdtemp()
    try:
        # ISOLATION=thread: the same in-process, for comparison.
        thread = os.environ.get("ISOLATION") == "thread"
        node = d.Node(f"{work}/one", 'isolation = "thread"\nworkers = 2\n' if thread else "")
        if os.environ.get("NODEJS_COMPAT"):
            handler = ('import { Buffer } from "node:buffer";\n'
                       'import { createHash } from "node:crypto";\n'
                       'export default { fetch() { return new Response('
                       'createHash("sha256").update(Buffer.from("cold")).digest("hex")); } };\n')
            payload = d.bundle("", handler, compatibility_flags=["nodejs_compat"])
        else:
            payload = d.bundle("cold")
        names = [f"c{n}" for n in range(TENANTS)]
        for name in names:
            node.api("PUT", f"/v1/tenants/{name}", json.dumps({"hosts": [f"{name}.test"]}).encode())
            version = node.api("POST", f"/v1/tenants/{name}/versions", payload)
            node.api("POST", f"/v1/tenants/{name}/deployments",
                     json.dumps({"versions": [{"id": version["id"], "percentage": 100}]}).encode())
        where = "in-process isolates" if thread else "worker processes"
        if os.environ.get("NODEJS_COMPAT"):
            where += ", nodejs_compat"
        runs = [("the warm request right after it", PAUSE, False),
                (f"the warm request also after {PAUSE * 1000:.0f} ms idle", PAUSE, True)]
        if os.environ.get("BURST"):
            runs.append(("tenants back to back", 0, False))
        share = len(names) // len(runs)
        for n, (how, pause, idle_warm) in enumerate(runs):
            group = names[n * share:(n + 1) * share]
            p50, p99, worst = measure(node, group, pause, idle_warm)
            print(f"tenant cold start added to a warm request, {where}, {len(group)} tenants "
                  f"{pause * 1000:.0f} ms apart, {how}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
                  f"max {worst:.2f} ms", flush=True)
        node.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
