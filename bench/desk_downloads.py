#!/usr/bin/env python3
"""bench/desk_downloads.py — what the web desk's downloads cost (issue 15): a commander's
period report as CSV and HTML (`/api/desk/report.csv`, `/report.html`) and the export of a
period's tips (`/api/desk/export`, CSV and JSON Lines), over HTTP against the real Release
binary, on an empty database and on one of 1,000,000 tips made by bench/fill.py. An export is
built in memory up to 8 MiB (DESKAPI_DOWNLOAD_MAX); past it the answer is 413 — how fast that
refusal comes matters as much as the export itself.

The database, the sessions and the server are bench/desk.py's (a copy of the filled database
per run, a commander's session written straight into desk_sessions). For each request: the
status, the bytes and the median and worst time over --requests requests of a run, medians
over --runs runs.

Usage:
  python3 bench/desk_downloads.py [--sizes 0,1m] [--runs 3] [--requests 5] [--no-build]
      [--binary build/bench-release/tipgate] [--db FILLED.db (its FILLED.db.json beside it)]
"""
import argparse
import datetime
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
import desk  # noqa: E402
from fill import parse_count  # noqa: E402


def periods():
    """The periods measured, relative to today (the fill spreads tips over the last months)."""
    today = datetime.date.today()
    day = today - datetime.timedelta(days=30)
    week_from = today - datetime.timedelta(days=37)
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    q = (today.month - 1) // 3 + 1
    dmy = lambda d: d.strftime("%d/%m/%Y")  # noqa: E731
    return [
        ("report.csv, this quarter", "/api/desk/report.csv?period=%d-Q%d" % (today.year, q)),
        ("report.html, this quarter", "/api/desk/report.html?period=%d-Q%d" % (today.year, q)),
        ("report.csv, this year", "/api/desk/report.csv?period=%d" % today.year),
        ("export csv, one day", "/api/desk/export?format=csv&period=%s-%s" % (dmy(day), dmy(day))),
        ("export jsonl, one day",
         "/api/desk/export?format=jsonl&period=%s-%s" % (dmy(day), dmy(day))),
        ("export csv, one week", "/api/desk/export?format=csv&period=%s-%s" % (
            dmy(week_from), dmy(week_from + datetime.timedelta(days=6)))),
        ("export csv, last month", "/api/desk/export?format=csv&period=%s" % month.strftime(
            "%Y-%m")),
    ]


def fetch(conn, path, cookie):
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": "tipgate_desk=" + cookie})
    r = conn.getresponse()
    body = r.read()
    return (time.perf_counter() - t0) * 1000, r.status, len(body)


def one_run(binary, src, requests):
    work = tempfile.mkdtemp(prefix="tg-bench-dl-")
    p = None
    try:
        db = os.path.join(work, "tipgate.db")
        benchlib.copy_db(src, db)
        side = json.load(open(src + ".json", encoding="utf-8"))
        port = desk.write_config(db, side)
        cookies, _, _ = desk.prepare(db, binary)
        p = desk.serve(binary, work, db, port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        out = {}
        for name, path in periods():
            fetch(conn, path, cookies["commander"])  # warm up
            runs = [fetch(conn, path, cookies["commander"]) for _ in range(requests)]
            out[name] = ([r[0] for r in runs], runs[-1][1], runs[-1][2])
            benchlib.log("desk_downloads", "%s: %d, %d bytes, %.0f ms" % (
                name, runs[-1][1], runs[-1][2], statistics.median(r[0] for r in runs)))
        conn.close()
        return out
    finally:
        if p:
            benchlib.stop(p)
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="0,1m")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=5)
    ap.add_argument("--binary")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--db", help="a filled database to use for the largest size (fill.py's, "
                                 "with its .json beside it) instead of filling one")
    ap.add_argument("--max-age", type=float, default=24)
    a = ap.parse_args()
    benchlib.on_signals()
    if not a.binary and not a.no_build:
        benchlib.build("desk_downloads")
    binary = os.path.abspath(a.binary or benchlib.TIPGATE)
    os.makedirs(desk.OUT, exist_ok=True)
    print("| tips | request | status | bytes | median ms | worst ms (median of runs) |")
    print("|---|---|---|---|---|---|")
    try:
        sizes = a.sizes.split(",")
        for size in sizes:
            src = a.db if a.db and size == sizes[-1] else desk.filled(size, binary, a.max_age)
            res = [one_run(binary, src, a.requests) for _ in range(a.runs)]
            for name in res[0]:
                print("| %s | %s | %d | %s | %.1f | %.1f |" % (
                    "{:,}".format(parse_count(size)), name, res[0][name][1],
                    "{:,}".format(res[0][name][2]),
                    statistics.median(statistics.median(r[name][0]) for r in res),
                    statistics.median(max(r[name][0]) for r in res)), flush=True)
    finally:
        benchlib.stop_all()


if __name__ == "__main__":
    main()
