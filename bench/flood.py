#!/usr/bin/env python3
"""bench/flood.py — a webhook flood (issue 17, item 4): N valid Telegram updates POSTed to
/webhook/telegram as fast as they are answered over several keep-alive connections, and
what became of them.

One run: `tipgate serve` (Telegram in webhook mode, the web chat off, storage.synchronous
"full" as in production, log level warn) on its own copy of the database (an empty one made by
`tipgate migrate`, or a copy of --db such as /tmp/fill-1m-024.db: the source is only read),
against bench/fakebot as the Bot API (it answers every sendMessage and counts, per scenario
chat 100000+i, the replies: duplicates and missing). The flood: --updates updates, each
"/help" from its own chat (update_id i, chat 100000+i: one reply each), split over --conns
client threads, each on one keep-alive connection, each posting its next update as soon as
the last was answered. Reported:

  accepted    the share of POSTs answered 200 (any other status, or a connection error, is
              counted in "errors": a platform would resend those)
  rate        updates accepted per second of the flood (first POST to last answer)
  p50 / p99   the webhook's answer time (update checked, stored and committed)
  handled     the seconds from the first POST until every update's inbox row is processed and
              every reply reached fakebot
  lost / dup  inbox rows missing for an accepted update / stored twice (the inbox's unique
              key), and fakebot's missing / duplicate replies: all must be 0

With --websockets N --max-connections M instead: idle web chat browsers past the maximum.
tipgate runs with the web chat only (platforms.webchat.max_connections M, an empty
database) and N browsers connect one after another (handshake, then hello): how many were let
in (the "ready" answer), how many were turned away with the close code 1013, the median and
p99 time from connecting to being turned away, /healthz's answer time while all are held, and
tipgate's RSS.

Usage (release build; bench/run or benchlib builds fakebot into build/bench):
  python3 bench/flood.py --binary build/bench-release/tipgate [--updates 50000]
      [--conns 8] [--db /tmp/fill-1m-024.db] [--runs 1] [--keep]
  python3 bench/flood.py --binary build/bench-release/tipgate --websockets 3000
      --max-connections 2000
Nothing leaves the machine: everything listens on 127.0.0.1.
"""
import argparse
import http.client
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

sys.path.insert(0, os.path.join(benchlib.ROOT, "tests", "integration"))
import tglib  # noqa: E402  (the WebSocket client)

SECRET = "flood_secret_17"
CHAT_BASE = 100000  # fakebot's scenario chats


def update(i):
    chat = CHAT_BASE + i
    return json.dumps({"update_id": i + 1, "message": {
        "message_id": i + 1, "date": int(time.time()), "text": "/help",
        "entities": [{"offset": 0, "length": 5, "type": "bot_command"}],
        "from": {"id": chat, "is_bot": False, "first_name": "Dân"},
        "chat": {"id": chat, "type": "private", "first_name": "Dân"}}}).encode()


def config(db, port, fake_port):
    return {"log": {"level": "warn"}, "data_dir": benchlib.ROOT,
            "storage": {"path": db, "synchronous": "full"},
            "http": {"listen": "127.0.0.1", "port": port},
            "platforms": {"webchat": {"enabled": False}, "telegram": {
                "enabled": True, "token": "bench:TOKEN",
                "api_base_url": "http://127.0.0.1:%d" % fake_port, "mode": "webhook",
                "webhook_url": "http://127.0.0.1:%d/webhook/telegram" % port,
                "webhook_secret": SECRET,
                "rate_limit": {"global_per_sec": 0, "per_chat_per_sec": 0,
                               "per_group_per_min": 0}}}}


class Poster(threading.Thread):
    """Posts updates[k] for k in its share on one keep-alive connection."""

    def __init__(self, port, share):
        super().__init__(daemon=True)
        self.port, self.share = port, share
        self.ok, self.errors, self.times, self.statuses = 0, 0, [], {}

    def run(self):
        con = None
        headers = {"Content-Type": "application/json",
                   "X-Telegram-Bot-Api-Secret-Token": SECRET}
        for i in self.share:
            body = update(i)
            t0 = time.perf_counter()
            try:
                if con is None:
                    con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                con.request("POST", "/webhook/telegram", body, headers)
                r = con.getresponse()
                r.read()
                status = r.status
                if r.getheader("connection", "").lower() == "close":
                    con.close()
                    con = None
            except OSError as e:
                status = type(e).__name__
                con = None
            self.times.append(time.perf_counter() - t0)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 200:
                self.ok += 1
            else:
                self.errors += 1


def counts(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "inbox": q("SELECT count(*) FROM inbox WHERE platform = 'telegram' AND "
                       "CAST(update_key AS INTEGER) BETWEEN 1 AND %d" % ARGS.updates),
            "distinct": q("SELECT count(DISTINCT update_key) FROM inbox WHERE platform = "
                          "'telegram' AND CAST(update_key AS INTEGER) BETWEEN 1 AND %d"
                          % ARGS.updates),
            "pending": q("SELECT count(*) FROM inbox WHERE processed_at IS NULL"),
            "unsent": q("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')"),
        }
    finally:
        con.close()


def one_run(binary, work, src, run):
    db = os.path.join(work, "flood.db")
    benchlib.remove_db(db)
    benchlib.source_db(binary, src, db, work)
    base = counts(db)
    fake, fake_port = benchlib.start_fakebot(work, [
        "--messages", str(ARGS.updates), "--expect", str(ARGS.updates), "--deadline", "3600",
        "--idle-timeout", "600"])
    port = benchlib.free_port()
    cfg = os.path.join(work, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump(config(db, port, fake_port), f)
    errlog = os.path.join(work, "tipgate-%d.log" % run)
    proc = benchlib.spawn([binary, "serve", "--config", cfg], stderr=open(errlog, "w"))
    try:
        benchlib.wait_healthy(proc, port, 300, errlog)
        time.sleep(1)  # setWebhook done: the fake answers it at once
        shares = [range(k, ARGS.updates, ARGS.conns) for k in range(ARGS.conns)]
        posters = [Poster(port, s) for s in shares]
        t0 = time.perf_counter()
        for p in posters:
            p.start()
        for p in posters:
            p.join()
        t_flood = time.perf_counter() - t0
        while True:
            c = counts(db)
            if (c["pending"] <= base["pending"] and c["unsent"] <= base["unsent"] and
                    c["inbox"] >= sum(p.ok for p in posters)):
                break
            if time.perf_counter() - t0 > 3600 or proc.poll() is not None:
                raise SystemExit("not all handled: %r (see %s)" % (c, errlog))
            time.sleep(0.2)
        t_handled = time.perf_counter() - t0
    finally:
        benchlib.stop(proc)
        benchlib.stop(fake)
    with open(os.path.join(work, "fakebot.json")) as f:
        stats = json.load(f)
    ok = sum(p.ok for p in posters)
    times = sorted(t for p in posters for t in p.times)
    statuses = {}
    for p in posters:
        for k, v in p.statuses.items():
            statuses[str(k)] = statuses.get(str(k), 0) + v
    out = {
        "updates": ARGS.updates, "accepted": ok, "errors": ARGS.updates - ok,
        "statuses": statuses, "flood_s": round(t_flood, 2),
        "rate_per_s": round(ok / t_flood, 1),
        "p50_ms": round(times[len(times) // 2] * 1000, 2),
        "p99_ms": round(times[int(len(times) * 0.99)] * 1000, 2),
        "handled_s": round(t_handled, 2),
        "lost": ok - c["inbox"], "duplicated": c["inbox"] - c["distinct"],
        "replies": stats.get("sends"), "reply_missing": stats.get("missing"),
        "reply_duplicates": stats.get("duplicates"),
    }
    if not ARGS.keep:
        benchlib.remove_db(db)
    return out


def ws_run(binary, work):
    """The idle browsers past the maximum (--websockets, --max-connections)."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < ARGS.websockets + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    db = os.path.join(work, "ws.db")
    benchlib.source_db(binary, None, db, work)
    port = benchlib.free_port()
    cfg = os.path.join(work, "tipgate-ws.json")
    with open(cfg, "w") as f:
        json.dump({"log": {"level": os.environ.get("FLOOD_LOG", "warn")},
                   "data_dir": benchlib.ROOT,
                   "storage": {"path": db}, "http": {"listen": "127.0.0.1", "port": port},
                   "platforms": {"webchat": {"max_connections": ARGS.max_connections}}}, f)
    errlog = os.path.join(work, "tipgate-ws.log")
    proc = benchlib.spawn([binary, "serve", "--config", cfg], stderr=open(errlog, "w"))
    held, admitted, refused, other, refuse_ms = [], 0, 0, 0, []
    try:
        benchlib.wait_healthy(proc, port, 120, errlog)
        for _ in range(ARGS.websockets):
            t0 = time.perf_counter()
            try:
                ws = tglib.WebSocket("127.0.0.1", port, "/ws", "tipgate-chat")
                ws.send_json({"type": "hello"})
                ws.sock.settimeout(30)
                _, op, payload = ws.recv_frame()
            except (tglib.WebSocketClosed, OSError) as e:
                other += 1
                print("connection failed: %s" % e, file=sys.stderr)
                continue
            if op == 0x8 and int.from_bytes(payload[:2], "big") == 1013:
                refused += 1
                refuse_ms.append((time.perf_counter() - t0) * 1000)
                ws.sock.close()
            elif op == 0x1 and json.loads(payload).get("type") == "ready":
                admitted += 1
                held.append(ws)
            else:
                other += 1
        t0 = time.perf_counter()
        st = None
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", "/healthz")
        st = c.getresponse().status
        healthz_ms = (time.perf_counter() - t0) * 1000
        rss = benchlib.proc_status(proc.pid, "VmRSS")
    finally:
        for ws in held:
            ws.sock.close()
        benchlib.stop(proc)
    refuse_ms.sort()
    return {"websockets": ARGS.websockets, "max_connections": ARGS.max_connections,
            "admitted": admitted, "refused_1013": refused, "other": other,
            "refusal_p50_ms": round(refuse_ms[len(refuse_ms) // 2], 2) if refuse_ms else None,
            "refusal_p99_ms": round(refuse_ms[int(len(refuse_ms) * 0.99)], 2)
            if refuse_ms else None,
            "healthz_status": st, "healthz_ms": round(healthz_ms, 2), "rss_kb": rss}


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=benchlib.TIPGATE)
    ap.add_argument("--updates", type=int, default=50000)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--db", help="a filled database to copy (only read)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--websockets", type=int, default=0,
                    help="instead of the flood: this many idle web chat browsers")
    ap.add_argument("--max-connections", type=int, default=2000)
    ARGS = ap.parse_args()
    if ARGS.websockets:
        work = tempfile.mkdtemp(prefix="tg-flood-ws-")
        benchlib.on_signals()
        try:
            r = ws_run(os.path.abspath(ARGS.binary), work)
        finally:
            benchlib.stop_all()
            if not ARGS.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(r), flush=True)
        sys.exit(0 if r["admitted"] == min(ARGS.websockets, ARGS.max_connections) and
                 r["refused_1013"] == max(0, ARGS.websockets - ARGS.max_connections) else 1)
    if not os.access(benchlib.FAKEBOT, os.X_OK):
        os.makedirs(benchlib.OUT, exist_ok=True)
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-std=gnu17", "-o", benchlib.FAKEBOT,
                        os.path.join(benchlib.ROOT, "bench", "fakebot.c"), "-ljansson", "-lm"],
                       check=True)
    work = tempfile.mkdtemp(prefix="tg-flood-")
    benchlib.on_signals()
    results = []
    try:
        for run in range(ARGS.runs):
            r = one_run(os.path.abspath(ARGS.binary), work, ARGS.db, run)
            print(json.dumps(r), flush=True)
            results.append(r)
    finally:
        benchlib.stop_all()
        if not ARGS.keep:
            shutil.rmtree(work, ignore_errors=True)
    if len(results) > 1:
        med = {k: statistics.median(r[k] for r in results)
               for k in ("rate_per_s", "p50_ms", "p99_ms", "handled_s", "flood_s")}
        print("medians of %d runs: %s" % (len(results), json.dumps(med)))
    bad = [r for r in results if r["errors"] or r["lost"] or r["duplicated"] or
           r["reply_missing"] or r["reply_duplicates"]]
    sys.exit(1 if bad else 0)


ARGS = None
if __name__ == "__main__":
    main()
