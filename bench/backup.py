#!/usr/bin/env python3
"""bench/backup.py — what `tipgate backup` and `tipgate restore` cost on a big database
(issue 17, item 5): the time of a backup with the service stopped, the time of a backup while
`tipgate serve` stores a steady stream of webhook updates (and what the stream's answers cost
meanwhile), and the time of a restore; for the record, the time of VACUUM INTO (the way
rejected in storage/backup.c) and of the copy's PRAGMA integrity_check alone.

The database is a copy of --db (e.g. /tmp/fill-1m-024.db, only read) in --work; each run
backs it up twice (idle, under load) and restores the copy over it. The load is one client
posting Telegram updates to the webhook back to back (the fake Telegram of the integration
tests answers the replies), as fast as the service answers. RUNS runs; medians.

  python3 bench/backup.py --binary build/bench-release/tipgate --db /tmp/fill-1m-024.db
      [--runs 3] [--work /tmp]
"""
import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "integration"))
import benchlib  # noqa: E402
import apitest  # noqa: E402
import fakebot  # noqa: E402

SECRET = "bench_backup_secret"


def an_update(uid):
    chat = 9100 + uid % 50
    return {"update_id": uid, "message": {
        "message_id": uid % 100000, "date": int(time.time()), "text": "tin thử %d" % uid,
        "from": {"id": chat, "is_bot": False, "first_name": "Lan"},
        "chat": {"id": chat, "type": "private", "first_name": "Lan"}}}


class Stream(threading.Thread):
    """Posts updates back to back; keeps (time sent, seconds to the answer, status)."""

    def __init__(self, port, first):
        super().__init__(daemon=True)
        self.url = "http://127.0.0.1:%d/webhook/telegram" % port
        self.uid = first
        self.stop = threading.Event()
        self.samples = []

    def run(self):
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                st, _ = apitest.post(self.url, an_update(self.uid),
                                     {"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30)
            except OSError:
                st = None
            self.samples.append((t0, time.monotonic() - t0, st))
            self.uid += 1

    def between(self, t0, t1):
        return [d for (t, d, st) in self.samples if t0 <= t < t1 and st == 200]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] if xs else float("nan")


def timed(args):
    t0 = time.monotonic()
    p = subprocess.run(args, capture_output=True, text=True, timeout=3600)
    took = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit("bench/backup: %s failed (%d):\n%s%s" % (args[1], p.returncode, p.stdout,
                                                           p.stderr))
    return took, p.stdout


def write_config(path, db, port, fake):
    cfg = {"log": {"level": "warn"},
           "storage": {"path": db, "synchronous": "full"},
           "http": {"listen": "127.0.0.1", "port": port},
           "platforms": {"webchat": {"enabled": False},
                         "telegram": {"enabled": True, "token": fake.token,
                                      "api_base_url": fake.base_url, "mode": "webhook",
                                      "webhook_url": "http://127.0.0.1:%d/webhook/telegram"
                                      % port, "webhook_secret": SECRET,
                                      "rate_limit": {"global_per_sec": 0,
                                                     "per_chat_per_sec": 0,
                                                     "per_group_per_min": 0}}}}
    with open(path, "w") as f:
        json.dump(cfg, f)


def under_load(binary, cfg, port, work, copy, first_uid):
    """A backup while the service answers a stream: (backup s, stream answers before and
    during: (n/s, p50 ms, p99 ms) each)."""
    errlog = open(os.path.join(work, "serve.log"), "a")
    serve = benchlib.spawn([binary, "serve", "--config", cfg], stderr=errlog)
    try:
        benchlib.wait_healthy(serve, port, 600, errlog.name)
        stream = Stream(port, first_uid)
        stream.start()
        time.sleep(5)  # the stream settles
        t0 = time.monotonic()
        took, _ = timed([binary, "backup", "--to", copy, "--force", "--config", cfg])
        t1 = time.monotonic()
        stream.stop.set()
        stream.join(timeout=60)
        rows = []
        for a, b in ((t0 - 4, t0), (t0, t1)):
            d = stream.between(a, b)
            rows.append((len(d) / (b - a), pct(d, 0.5) * 1e3, pct(d, 0.99) * 1e3))
        return took, rows, stream.uid
    finally:
        benchlib.stop(serve, grace=60)
        errlog.close()


def vacuum_into(src, out):
    if os.path.exists(out):
        os.unlink(out)
    con = sqlite3.connect(src)
    t0 = time.monotonic()
    con.execute("VACUUM INTO ?", (out,))
    took = time.monotonic() - t0
    con.close()
    os.unlink(out)
    return took


def integrity(path):
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    t0 = time.monotonic()
    ok = con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    took = time.monotonic() - t0
    con.close()
    return took if ok else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=benchlib.TIPGATE)
    ap.add_argument("--db", default="/tmp/fill-1m-024.db")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp")
    a = ap.parse_args()
    benchlib.on_signals()
    work = tempfile.mkdtemp(prefix="bench-backup-", dir=a.work)
    db, copy = os.path.join(work, "tipgate.db"), os.path.join(work, "copy.db")
    subprocess.run(["cp", "--reflink=auto", a.db, db], check=True)
    fake = fakebot.FakeTelegram()
    fake.start()
    port = benchlib.free_port()
    cfg = os.path.join(work, "tipgate.json")
    write_config(cfg, db, port, fake)
    res = {k: [] for k in ("idle", "load", "restore", "vacuum", "check")}
    before, during = [], []
    uid = 900000000
    try:
        for run in range(a.runs):
            took, out = timed([a.binary, "backup", "--to", copy, "--force", "--config", cfg])
            res["idle"].append(took)
            benchlib.log("backup", "run %d idle: %.1f s: %s" % (run + 1, took, out.strip()))
            if run == 0:
                res["check"].append(integrity(copy))
                res["vacuum"].append(vacuum_into(db, os.path.join(work, "vacuum.db")))
            took, rows, uid = under_load(a.binary, cfg, port, work, copy, uid)
            res["load"].append(took)
            before.append(rows[0])
            during.append(rows[1])
            benchlib.log("backup", "run %d under load: %.1f s, stream before %s during %s"
                         % (run + 1, took, rows[0], rows[1]))
            took, out = timed([a.binary, "restore", "--from", copy, "--config", cfg])
            res["restore"].append(took)
            benchlib.log("backup", "run %d restore: %.1f s: %s" % (run + 1, took, out.strip()))
            for name in os.listdir(work):
                if ".before-restore-" in name:
                    os.unlink(os.path.join(work, name))
        size = os.path.getsize(copy)
    finally:
        benchlib.stop_all()
        fake.stop()
        for name in os.listdir(work):
            os.unlink(os.path.join(work, name))
        os.rmdir(work)
    med = {k: statistics.median(v) for k, v in res.items() if v}
    col = lambda rows, i: statistics.median(r[i] for r in rows)  # noqa: E731
    print("database %s: %.2f GB; %d runs, medians" % (a.db, size / 1e9, a.runs))
    print("backup, service stopped:      %.1f s" % med["idle"])
    print("backup, service under load:   %.1f s" % med["load"])
    print("restore (copy, check, swap):  %.1f s" % med["restore"])
    print("integrity_check of the copy:  %.1f s (1 run)" % med["check"])
    print("VACUUM INTO, service stopped: %.1f s (1 run)" % med["vacuum"])
    print("stream before the backup: %.0f updates/s, p50 %.1f ms, p99 %.1f ms"
          % (col(before, 0), col(before, 1), col(before, 2)))
    print("stream during the backup: %.0f updates/s, p50 %.1f ms, p99 %.1f ms"
          % (col(during, 0), col(during, 1), col(during, 2)))


if __name__ == "__main__":
    main()
