#!/usr/bin/env python3
"""bench/healthz.py — how long GET /healthz takes at 0 and 1,000,000 outbox rows, and what four
clients polling it do to the web chat.

For each row count: a fresh database (`tipgate migrate`), the outbox filled with that many rows
(90 % sent, 9 % failed, 1 % queued for a platform that is not started, so nothing is sent
during the run), `tipgate serve` started (web chat only, log level warn), then:

  healthz   REQUESTS sequential GETs on one keep-alive connection: median and p90 (ms)
  metrics   the same for GET /metrics (absent in builds without it)
  web chat  a WebSocket ping → pong round trip, REQUESTS times, alone and while POLLERS
            threads call /healthz in a loop: median and p90 (ms)

Usage (release build, as bench/run makes it):
  cmake -S . -B build/bench-release -DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF
  cmake --build build/bench-release
  python3 bench/healthz.py --binary build/bench-release/tipgate [--rows 0 1000000]
      [--requests 300] [--pollers 4]
To compare with an older revision, build it elsewhere (git archive REV | tar -x -C DIR) and
pass its binary. Nothing leaves the machine: everything listens on 127.0.0.1.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import tglib  # noqa: E402  (the WebSocket client)

NOW = 1767225600000


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fill(db_path, rows):
    """rows outbox rows: 90 % sent, 9 % failed, 1 % queued for zalo (not started)."""
    con = sqlite3.connect(db_path)

    def gen():
        for i in range(rows):
            k = i % 100
            status = "queued" if k == 0 else "failed" if k < 10 else "sent"
            platform = "zalo" if status == "queued" else "telegram"
            yield (platform, str(100000 + i % 50000), "Tin nhắn thử số %d" % i, status,
                   NOW, NOW, NOW if status == "sent" else None)
    with con:
        con.executemany("INSERT INTO outbox (platform, chat_id, text, status, next_attempt_at,"
                        " created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)", gen())
    con.close()


def timed_gets(port, path, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        out.append((time.perf_counter() - t0) * 1000)
        if r.status == 404:
            conn.close()
            return None
        assert r.status in (200, 503), (path, r.status, body[:200])
    conn.close()
    return out


def ws_pings(port, n):
    ws = tglib.WebSocket("127.0.0.1", port, "/ws", "tipgate-chat")
    ws.hello()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        ws.send_json({"type": "ping"})
        ws.recv_until(lambda m: m.get("type") == "pong")
        out.append((time.perf_counter() - t0) * 1000)
    ws.close()
    return out


def summary(ms):
    if not ms:
        return "-"
    q = statistics.quantiles(ms, n=10)
    return "median %.2f ms, p90 %.2f ms" % (statistics.median(ms), q[8])


def with_pollers(port, pollers, fn):
    stop = threading.Event()

    def poll():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        conn.close()
    threads = [threading.Thread(target=poll, daemon=True) for _ in range(pollers)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    try:
        return fn()
    finally:
        stop.set()
        for t in threads:
            t.join()


def run(binary, rows, requests, pollers):
    d = tempfile.mkdtemp(prefix="tg-bench-healthz-")
    port = free_port()
    cfg = os.path.join(d, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump({"log": {"level": "warn"}, "storage": {"path": "tipgate.db"},
                   "http": {"listen": "127.0.0.1", "port": port}}, f)
    subprocess.run([binary, "migrate", "--config", cfg], check=True, capture_output=True)
    t0 = time.time()
    fill(os.path.join(d, "tipgate.db"), rows)
    fill_s = time.time() - t0
    proc = subprocess.Popen([binary, "serve", "--config", cfg], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "stderr.log"), "w"))
    try:
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise SystemExit("tipgate did not start; see %s" % d)
                time.sleep(0.05)
        time.sleep(2)  # let start-up work (the first count, the scheduler's first ticks) pass
        timed_gets(port, "/healthz", 20)  # warm up
        res = {"rows": rows, "fill_s": fill_s}
        res["healthz"] = timed_gets(port, "/healthz", requests)
        res["metrics"] = timed_gets(port, "/metrics", requests)
        res["ws_alone"] = ws_pings(port, requests)
        res["ws_polled"] = with_pollers(port, pollers, lambda: ws_pings(port, requests))
        return res
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--rows", type=int, nargs="+", default=[0, 1000000])
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--pollers", type=int, default=4)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
    print("%s\n" % version)
    for rows in a.rows:
        r = run(binary, rows, a.requests, a.pollers)
        print("outbox rows %d (filled in %.1f s)" % (rows, r["fill_s"]))
        print("  /healthz                    %s" % summary(r["healthz"]))
        print("  /metrics                    %s" % (summary(r["metrics"]) if r["metrics"]
                                                      else "not served"))
        print("  web chat ping, alone        %s" % summary(r["ws_alone"]))
        print("  web chat ping, %d pollers    %s" % (a.pollers, summary(r["ws_polled"])))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
