#!/usr/bin/env python3
"""bench/resident.py — what a resident's web chat costs the service (issue 13): the round trip of
a typed message, the `ready` of a returning identity whose history holds a waiting question (its
buttons come back with it), and a photo sent with `POST /upload`, on an empty database and on a
copy of a filled one (bench/fill.py), each binary given measured side by side on the same files.

For each database and each binary: a copy of the database, `tipgate serve` (web chat only, log
level warn, a Release build), then

  message   ROUNDS round trips "xin chào" → the bot's answer on a fresh identity each 10 (the web
            chat allows 5 messages a second after a burst of 20): median and p90 (ms)
  ready     hello → ready of an identity with 40 lines of history, the last a question with
            buttons: median and p90 (ms) of ROUNDS connections
  upload    a 300 KB JPEG by POST /upload → 200, 10 per identity (the per-chat limit): median and
            p90 (ms); "-" for a binary without uploads

Usage (Release builds; the older one built from a checkout of the revision compared with):
  cmake -S . -B build/bench-release -DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF
  cmake --build build/bench-release
  python3 bench/resident.py --binary build/bench-release/tipgate [--binary OLD/tipgate]
      [--db build/bench/scale/1M.db] [--rounds 200] [--runs 3]
An empty database is always measured; --db adds a copy of that file (migrated by each binary on
its own copy). Figures are the medians over --runs runs. Nothing leaves the machine.
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402  (the WebSocket client)
from benchlib import free_port  # noqa: E402

PER_IDENTITY = 10


def start(binary, d, db_src):
    port = free_port()
    cfg = os.path.join(d, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump({"log": {"level": "warn"}, "storage": {"path": "tipgate.db"},
                   "http": {"listen": "127.0.0.1", "port": port}}, f)
    if db_src:
        shutil.copyfile(db_src, os.path.join(d, "tipgate.db"))
    subprocess.run([binary, "migrate", "--config", cfg], check=True, capture_output=True)
    proc = subprocess.Popen([binary, "serve", "--config", cfg], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "stderr.log"), "w"))
    deadline = time.time() + 300
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("tipgate did not start; see %s" % d)
            time.sleep(0.05)
    time.sleep(2)  # let start-up work pass
    return proc, port


def ws(port):
    return tglib.WebSocket("127.0.0.1", port, "/ws", "tipgate-chat")


def round_trips(port, rounds):
    out, sock, n = [], None, 0
    for i in range(rounds):
        if i % PER_IDENTITY == 0:
            if sock:
                sock.close()
            sock = ws(port)
            sock.hello()
        n += 1
        t0 = time.perf_counter()
        sock.send_json({"type": "message", "id": "m%d" % n, "text": "xin chào"})
        sock.recv_until(lambda m: m.get("type") == "message")
        out.append((time.perf_counter() - t0) * 1000)
    sock.close()
    return out


def readies(port, rounds):
    """An identity with 40 lines, the last the guided report's first question with buttons."""
    sock = ws(port)
    secret = sock.hello()["secret"]
    for i in range(19):
        sock.send_json({"type": "message", "id": "h%d" % i, "text": "xin chào"})
        sock.recv_until(lambda m: m.get("type") == "message")
        time.sleep(0.2)  # under the 5 messages a second
    sock.send_json({"type": "message", "id": "h-report", "text": "/baotin"})
    sock.recv_until(lambda m: m.get("type") == "message")
    sock.close()
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        sock = ws(port)
        ready = sock.hello(secret)
        out.append((time.perf_counter() - t0) * 1000)
        assert len(ready["history"]) >= 40, len(ready["history"])
        sock.close()
    return out


def uploads(port, rounds):
    body = b"\xff\xd8\xff\xe0" + os.urandom(300 * 1024)
    out, secret = [], None
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(rounds):
        if i % PER_IDENTITY == 0:
            sock = ws(port)
            secret = sock.hello()["secret"]
            sock.send_json({"type": "message", "id": "u0", "text": "xin chào"})  # stores it
            sock.recv_until(lambda m: m.get("type") == "ack")
            sock.close()
        t0 = time.perf_counter()
        conn.request("POST", "/upload", body=body, headers={
            "Authorization": "Bearer " + secret, "X-Tipgate-Id": "u%d" % (i + 1),
            "Content-Type": "image/jpeg", "Content-Length": str(len(body))})
        r = conn.getresponse()
        r.read()
        if r.status == 404:
            return None
        assert r.status == 200, r.status
        out.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return out


def run(binary, db_src, rounds):
    d = tempfile.mkdtemp(prefix="tg-bench-resident-")
    proc = None
    try:
        proc, port = start(binary, d, db_src)
        round_trips(port, 20)  # warm up
        return {"message": round_trips(port, rounds), "ready": readies(port, rounds),
                "upload": uploads(port, min(rounds, 100))}
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=60)
        shutil.rmtree(d, ignore_errors=True)


def fmt(runs, key):
    if any(r[key] is None for r in runs):
        return "-"
    med = statistics.median(statistics.median(r[key]) for r in runs)
    p90 = statistics.median(statistics.quantiles(r[key], n=10)[8] for r in runs)
    return "%.2f / %.2f" % (med, p90)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", action="append", required=True)
    ap.add_argument("--db", help="a filled database to measure on a copy of, besides an empty one")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    print("| database | binary | message ms (median / p90) | ready ms | upload 300 KB ms |")
    print("|---|---|---|---|---|")
    for db in [None] + ([a.db] if a.db else []):
        res = {b: [] for b in a.binary}
        for _ in range(a.runs):  # the binaries take turns, so drift hits both alike
            for b in a.binary:
                res[b].append(run(os.path.abspath(b), db, a.rounds))
        for b in a.binary:
            print("| %s | %s | %s | %s | %s |" % (os.path.basename(db) if db else "empty", b,
                                                 fmt(res[b], "message"), fmt(res[b], "ready"),
                                                 fmt(res[b], "upload")))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
