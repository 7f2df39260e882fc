#!/usr/bin/env python3
"""bench/metrics.py — how long GET /metrics takes (issue 15), at an empty database and at a
filled one, and how long the metrics thread's count takes off the request path.

Each run starts `tipgate serve` (web chat only, log level warn) on its own copy of the database
(an empty one made by `tipgate migrate`, or a copy of --db, e.g. a `bench/fill.py --rows
1000000` database: the source is only read), waits for the first count, then makes REQUESTS
sequential GETs of /metrics on one keep-alive connection (the count thread recounts every 10 s
meanwhile, as under a real scraper) and reports the median and p90 in ms, and the
`tipgate_counts_duration_seconds` the service reports. RUNS runs; the medians of the runs.

  python3 bench/metrics.py --binary build/bench-release/tipgate [--db /tmp/fill-1m.db]
      [--runs 5] [--requests 200]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402


def gets(port, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out, body = [], b""
    for _ in range(n):
        t0 = time.perf_counter()
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        body = r.read()
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status == 200, (r.status, body[:200])
    conn.close()
    return out, body.decode()


def figure(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def one_run(binary, db, work, requests):
    port = benchlib.free_port()
    cfg = os.path.join(work, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump({"log": {"level": "warn"}, "storage": {"path": db},
                   "http": {"listen": "127.0.0.1", "port": port}}, f)
    proc = subprocess.Popen([binary, "serve", "--config", cfg], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "stderr.log"), "a"))
    try:
        deadline = time.time() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                _, text = gets(port, 1)
                if figure(text, "tipgate_counts_duration_seconds") is not None:
                    break
            except OSError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("tipgate did not count; see %s" % work)
            time.sleep(0.2)
        ms, text = gets(port, requests)
        ms.sort()
        return {"median": statistics.median(ms), "p90": ms[int(len(ms) * 0.9) - 1],
                "count_s": figure(text, "tipgate_counts_duration_seconds"),
                "bytes": len(text)}
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--db", help="a database to copy (default: an empty one)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--requests", type=int, default=200)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="tg-bench-metrics-", dir="/tmp")
    db = os.path.join(work, "tipgate.db")
    try:
        benchlib.source_db(binary, a.db, db, work)
        runs = [one_run(binary, db, work, a.requests) for _ in range(a.runs)]
        for r in runs:
            print("run: median %.3f ms  p90 %.3f ms  count %.3f s  %d bytes" % (
                r["median"], r["p90"], r["count_s"], r["bytes"]))
        print("medians of %d runs (%s): /metrics %.3f ms (p90 %.3f ms); count %.3f s" % (
            len(runs), a.db or "empty", statistics.median(r["median"] for r in runs),
            statistics.median(r["p90"] for r in runs),
            statistics.median(r["count_s"] for r in runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
