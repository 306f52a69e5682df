#!/usr/bin/env python3
"""Deploys over /v1, measured (run by tests/load/deploy.sh, which builds the binary):

  - deploy-to-served: from sending a deployment to the first answer of the new version, on
    the node deployed to (alone, and holding N stored tenants) and on a second node following
    the same etcd; p50 and max;
  - ready time and resident memory of a node restarted with N stored tenants, each with a
    deployed version (gateway and worker processes together), for each N in TENANTS;
  - a file tenant's p99 under wrk while 100 deployments follow each other, against the same
    load without deployments, and the non-2xx answers during the storm.
"""

import http.client
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

BIN = sys.argv[1]
TENANTS = [int(n) for n in os.environ.get("TENANTS", "1000 10000").split()]
TOKEN = "bench-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bundle(text, handler=None, **manifest):
    """A version's bundle: a manifest (`main` plus any other keys given) and `index.js`, by
    default a handler answering `text`."""
    manifest = json.dumps({"main": "index.js", **manifest}).encode()
    if handler is None:
        handler = f"export default {{ fetch() {{ return new Response({json.dumps(text)}); }} }};\n"
    handler = handler.encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, data in [("isogate.manifest.json", manifest), ("index.js", handler)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


class Node:
    def __init__(self, folder, store="", processes=2):
        os.makedirs(f"{folder}/site", exist_ok=True)
        with open(f"{folder}/site/handler.js", "w") as f:
            f.write("export default { fetch() { return new Response('file'); } };\n")
        with open(f"{folder}/isogate.toml", "w") as f:
            f.write(f'[server]\nhttp = "127.0.0.1:0"\nadmin = "127.0.0.1:0"\nadmin_token = {{ env = "BENCH_TOKEN" }}\n'
                    f'[pool]\nprocesses = {processes}\n{store}\n'
                    '[[tenants]]\nname = "filed"\nhosts = ["filed.test"]\n'
                    '[[tenants.routes]]\npath = "/{*rest}"\nhandler = "site/handler.js"\n')
        self.folder = folder
        self.start()

    def start(self):
        self.started = time.monotonic()
        self.process = subprocess.Popen([BIN, "serve", "--no-watch", "--config", f"{self.folder}/isogate.toml"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                        env={**os.environ, "BENCH_TOKEN": TOKEN, "RUST_LOG": "warn"})
        lines = [self.process.stdout.readline() for _ in range(2)]
        self.http, self.admin = [re.search(r"http://([0-9.:]+)", line).group(1) for line in lines]

    def stop(self):
        self.process.kill()
        self.process.wait()

    def api(self, method, path, body=b""):
        connection = http.client.HTTPConnection(self.admin, timeout=600)
        connection.request(method, path, body, {"authorization": f"Bearer {TOKEN}"})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def get(self, host):
        connection = http.client.HTTPConnection(self.http, timeout=30)
        connection.request("GET", "/", headers={"host": host})
        response = connection.getresponse()
        data = response.read().decode()
        connection.close()
        return response.status, data

    def ready(self):
        while True:
            connection = http.client.HTTPConnection(self.admin, timeout=30)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return time.monotonic() - self.started
            time.sleep(0.02)

    def rss_mb(self):
        pids = [self.process.pid]
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        pids += [int(pid) for pid in children.split()]
        total = 0
        for pid in pids:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return total / 1024


def deploy(node, tenant, text):
    version = node.api("POST", f"/v1/tenants/{tenant}/versions", bundle(text))
    sent = time.monotonic()
    node.api("POST", f"/v1/tenants/{tenant}/deployments",
             json.dumps({"versions": [{"id": version["id"], "percentage": 100}]}).encode())
    return sent


def until(node, host, text, since):
    while True:
        status, body = node.get(host)
        if status == 200 and body == text:
            return (time.monotonic() - since) * 1000
        time.sleep(0.001)


def latency(one, other, rounds=20, label="one node"):
    one.api("PUT", "/v1/tenants/lat", json.dumps({"hosts": ["lat.test"]}).encode())
    local, remote = [], []
    for n in range(rounds):
        text = f"v{n}"
        sent = deploy(one, "lat", text)
        local.append(until(one, "lat.test", text, sent))
        if other:
            remote.append(until(other, "lat.test", text, sent))
    line = f"deploy-to-served, {label}: p50 {statistics.median(local):.1f} ms, max {max(local):.1f} ms"
    if other:
        line += f"; second node through etcd: p50 {statistics.median(remote):.1f} ms, max {max(remote):.1f} ms"
    print(line, flush=True)


def wrk(node, seconds):
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-H", "Host: filed.test",
                          f"http://{node.http}/"], capture_output=True, text=True).stdout
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return p99, int(bad.group(1)) if bad else 0, errors.group(1) if errors else "none"


def storm(node):
    node.api("PUT", "/v1/tenants/storm", json.dumps({"hosts": ["storm.test"]}).encode())
    quiet = wrk(node, 8)
    done = []

    def deploys():
        for n in range(100):
            deploy(node, "storm", f"s{n}")
        done.append(True)

    started = time.monotonic()
    thread = threading.Thread(target=deploys)
    thread.start()
    stormy = wrk(node, 8)
    thread.join()
    took = time.monotonic() - started
    print(f"a file tenant's p99 under wrk -c16: {quiet[0]} without deployments, {stormy[0]} during 100 "
          f"back-to-back deployments (all done in {took:.1f} s); non-2xx: {quiet[1]} without, {stormy[1]} "
          f"during the storm; socket errors: {quiet[2]} / {stormy[2]}", flush=True)


def populate(node, count, have):
    started = time.monotonic()
    payload = bundle("many")
    for n in range(have, count):
        name = f"t{n}"
        node.api("PUT", f"/v1/tenants/{name}", json.dumps({"hosts": [f"{name}.test"]}).encode())
        version = node.api("POST", f"/v1/tenants/{name}/versions", payload)
        node.api("POST", f"/v1/tenants/{name}/deployments",
                 json.dumps({"versions": [{"id": version["id"], "percentage": 100}]}).encode())
    return time.monotonic() - started


def main():
    work = tempfile.mkdtemp()
    try:
        node = Node(f"{work}/one")
        latency(node, None)
        storm(node)
        have = 0
        for count in TENANTS:
            took = populate(node, count, have)
            print(f"{count - have} tenants created, uploaded and deployed one by one in {took:.0f} s", flush=True)
            have = count
            node.stop()
            node.start()
            ready = node.ready()
            rss = node.rss_mb()
            status, body = node.get(f"t{count - 1}.test")
            assert (status, body) == (200, "many"), (status, body)
            print(f"{count} stored tenants: ready {ready:.2f} s after start, RSS {rss:.0f} MB "
                  f"(gateway and worker processes)", flush=True)
            latency(node, None, label=f"one node holding {count} stored tenants")
        node.stop()

        if shutil.which("etcd"):
            data = f"{work}/etcd"
            client, peer = free_port(), free_port()
            etcd = subprocess.Popen(["etcd", "--name", "bench", "--data-dir", data,
                                     "--listen-client-urls", f"http://127.0.0.1:{client}",
                                     "--advertise-client-urls", f"http://127.0.0.1:{client}",
                                     "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                                     "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                                     "--initial-cluster", f"bench=http://127.0.0.1:{peer}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(2)
            store = f'[store]\netcd = ["http://127.0.0.1:{client}"]\n'
            one, two = Node(f"{work}/a", store, 1), Node(f"{work}/b", store, 1)
            latency(one, two)
            one.stop()
            two.stop()
            etcd.kill()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
