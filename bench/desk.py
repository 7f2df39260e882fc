#!/usr/bin/env python3
"""bench/desk.py — what the web desk's reads cost (issue 14): the queue's pages, the summary and
the tip page over HTTP against the real Release binary, on an empty database and on databases
of 100,000 (and 1,000,000) tips made by bench/fill.py. Target: p99 under 50 ms at 100,000.

For each size: bench/fill.py makes build/bench/desk/<size>.db once (kept while it is younger
than --max-age hours and from the same fill.py and migrations); each run works on a copy of it
with two desk sessions written straight into desk_sessions (the SHA-256 of a 64-hex secret, as
the sign-in stores it; the browser's cookie `tipgate_desk=<secret>`): the bench's officer
(people 1, area TDP1) and a commander added for the run (no area: the whole ward). Then
`tipgate serve` (web chat's HTTP server only, log level warn) and, on one keep-alive
connection, --requests GETs of each of

  tips                  /api/desk/tips, commander (the whole ward) and officer (TDP1)
  tips status=received  area=TDP2  urgent=1  overdue=1  sort=urgent        commander
  tips category=weapons_explosives  from=&to= a week 5 months ago                  commander
  tips mine=1           the officer's assigned tips
  tips q=xe             a word without diacritics (in about 40 % of the tips)
  tips q=<phone>        a phone of a filled tip written "0912 345 678"
  tips page 2           the cursor of the first page (commander, no filter)
  summary               commander and officer
  tip page              /api/desk/tips/<code>, a different tip each time (writes an audit row)

It prints, per size and endpoint, p50 and p99 in ms (nearest rank over the requests of a run;
medians over --runs runs) and the rows of the answer, so an empty page is seen.

Usage:
  python3 bench/desk.py [--sizes 0,100k] [--runs 3] [--requests 400] [--no-build]
      [--binary build/bench-release/tipgate [--binary OLD/tipgate]] [--fill-binary OLD/tipgate]
      [--max-age 24]
The Release build is made in build/bench-release as the other benches do unless --no-build or
--binary. Nothing leaves the machine: everything listens on 127.0.0.1.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import benchlib  # noqa: E402
from fill import parse_count, sources_hash  # noqa: E402

OUT = os.path.join(benchlib.OUT, "desk")


def filled(size, binary, max_age_h):
    """build/bench/desk/<size>.db, made by fill.py unless a recent one from the same sources is
    there."""
    db = os.path.join(OUT, "%s.db" % size)
    side = db + ".json"
    if os.path.exists(db) and os.path.exists(side):
        f = json.load(open(side, encoding="utf-8"))["fill"]
        age_h = (time.time() * 1000 - f["now_ms"]) / 3.6e6
        if f["sources"] == sources_hash() and age_h < max_age_h and f["rows"] == parse_count(size):
            return db
    benchlib.log("desk", "filling %s (%s rows)" % (db, size))
    t0 = time.time()
    subprocess.run([sys.executable, os.path.join(HERE, "fill.py"), "--binary", binary, "--rows",
                    size, "--out", db, "--force", "--no-due"], check=True)
    benchlib.log("desk", "filled %s in %.0f s" % (size, time.time() - t0))
    return db


def session(con, person_id, now):
    secret = os.urandom(32).hex()
    con.execute("INSERT INTO desk_sessions (token_hash, person_id, csrf, created_at,"
                " last_seen_at) VALUES (?, ?, ?, ?, ?)",
                (hashlib.sha256(secret.encode()).hexdigest(), person_id, os.urandom(16).hex(),
                 now, now))
    return secret


def prepare(db, binary):
    """Migrates the copy, adds the commander and both sessions; (cookies, tip codes, phone)."""
    subprocess.run([binary, "migrate", "--config", db + ".cfg"], check=True, capture_output=True)
    con = sqlite3.connect(db)
    now = int(time.time() * 1000)
    cur = con.execute("INSERT INTO people (platform, platform_user_id, display_name, role,"
                      " created_at, updated_at) VALUES ('telegram', '7300000001',"
                      " 'Thiếu tá Chỉ huy', 'commander', ?, ?)", (now, now))
    officer = con.execute("SELECT id FROM people WHERE role = 'police' ORDER BY id").fetchone()[0]
    cookies = {"commander": session(con, cur.lastrowid, now), "officer": session(con, officer, now)}
    codes = [r[0] for r in con.execute("SELECT code FROM tips WHERE kind = 'tip' "
                                       "ORDER BY random() LIMIT 1000")]
    phone = None
    for (ent,) in con.execute("SELECT entities FROM tips WHERE kind = 'tip' AND entities LIKE "
                              "'%\"phones\":[\"0%' ORDER BY id DESC LIMIT 1"):
        p = json.loads(ent)["phones"][0]
        phone = "%s %s %s" % (p[:4], p[4:7], p[7:])
    con.commit()
    con.close()
    return cookies, codes, phone


def write_config(db, side):
    port = benchlib.free_port()
    cfg = {"log": {"level": "warn"}, "storage": {"path": db},
           "http": {"listen": "127.0.0.1", "port": port}}
    cfg.update(side.get("config", {}))
    with open(db + ".cfg", "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    return port


def serve(binary, work, db, port):
    errlog = os.path.join(work, "stderr.log")
    p = benchlib.spawn([binary, "serve", "--config", db + ".cfg"], stdout=subprocess.DEVNULL,
                       stderr=open(errlog, "w"))
    benchlib.wait_healthy(p, port, 300, errlog)
    time.sleep(1)  # start-up work passes
    return p


def get(conn, path, cookie):
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": "tipgate_desk=" + cookie})
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t0) * 1000
    if r.status != 200:
        raise RuntimeError("%s: %d %s" % (path, r.status, body[:200]))
    return ms, json.loads(body)


def rows_of(answer):
    return len(answer["tips"]) if "tips" in answer else 1


def measure(port, cookies, codes, phone, requests):
    """{name: (times, rows)}."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    q = urllib.parse.quote
    lists = [
        ("tips (commander)", "commander", "/api/desk/tips"),
        ("tips (officer)", "officer", "/api/desk/tips"),
        ("tips status=received", "commander", "/api/desk/tips?status=received"),
        ("tips area=TDP2", "commander", "/api/desk/tips?area=TDP2"),
        ("tips urgent=1", "commander", "/api/desk/tips?urgent=1"),
        ("tips overdue=1", "commander", "/api/desk/tips?overdue=1"),
        ("tips mine=1 (officer)", "officer", "/api/desk/tips?mine=1"),
        ("tips q=xe", "commander", "/api/desk/tips?q=xe"),
        ("tips q=<phone with spaces>", "commander",
         "/api/desk/tips?q=" + q(phone or "0912 345 678")),
        ("tips sort=urgent", "commander", "/api/desk/tips?sort=urgent"),
        ("tips category=weapons_explosives", "commander", "/api/desk/tips?category=weapons_explosives"),
        ("tips from/to a week 5 months ago", "commander", "/api/desk/tips?from=%s&to=%s" % (
            time.strftime("%Y-%m-%d", time.gmtime(time.time() - 150 * 86400)),
            time.strftime("%Y-%m-%d", time.gmtime(time.time() - 144 * 86400)))),
    ]
    _, first = get(conn, "/api/desk/tips", cookies["commander"])
    if first["next"]:
        lists.append(("tips page 2 (cursor)", "commander",
                      "/api/desk/tips?cursor=" + q(first["next"])))
    lists += [("summary (commander)", "commander", "/api/desk/summary"),
              ("summary (officer)", "officer", "/api/desk/summary")]
    out = {}
    for name, who, path in lists:
        for _ in range(10):  # warm up
            get(conn, path, cookies[who])
        times, rows = [], 0
        for _ in range(requests):
            ms, ans = get(conn, path, cookies[who])
            times.append(ms)
            rows = rows_of(ans)
        out[name] = (times, rows)
    if codes:
        r = random.Random(1)
        times = [get(conn, "/api/desk/tips/" + r.choice(codes), cookies["commander"])[0]
                 for _ in range(requests)]
        out["tip page (audited)"] = (times, 1)
    conn.close()
    return out


def one_run(binary, src, requests):
    work = tempfile.mkdtemp(prefix="tg-bench-desk-")
    p = None
    try:
        db = os.path.join(work, "tipgate.db")
        benchlib.copy_db(src, db)
        side = json.load(open(src + ".json", encoding="utf-8"))
        port = write_config(db, side)
        cookies, codes, phone = prepare(db, binary)
        p = serve(binary, work, db, port)
        return measure(port, cookies, codes, phone, requests)
    finally:
        if p:
            benchlib.stop(p)
        shutil.rmtree(work, ignore_errors=True)


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(-(-p * len(s) // 100)) - 1))]  # nearest rank


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="0,100k")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--binary", action="append",
                    help="default: build/bench-release/tipgate, built first; repeat it to "
                         "measure binaries side by side (they take turns, run by run)")
    ap.add_argument("--fill-binary", help="whose migrations make the filled database (default: "
                                          "the first --binary; each run migrates its copy)")
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--max-age", type=float, default=24)
    a = ap.parse_args()
    benchlib.on_signals()
    if not a.binary and not a.no_build:
        benchlib.build("desk")
    binaries = [os.path.abspath(b) for b in (a.binary or [benchlib.TIPGATE])]
    fill_binary = os.path.abspath(a.fill_binary) if a.fill_binary else binaries[0]
    os.makedirs(OUT, exist_ok=True)
    print("| tips | binary | request | rows | p50 ms | p99 ms | p99 of each run |")
    print("|---|---|---|---|---|---|---|")
    try:
        for size in a.sizes.split(","):
            src = filled(size, fill_binary, a.max_age)
            res = {b: [] for b in binaries}
            for _ in range(a.runs):
                for b in binaries:
                    res[b].append(one_run(b, src, a.requests))
            for name in res[binaries[0]][0]:
                for b in binaries:
                    runs = res[b]
                    p50 = statistics.median(pct(r[name][0], 50) for r in runs)
                    p99s = [pct(r[name][0], 99) for r in runs]
                    print("| %s | %s | %s | %d | %.2f | **%.2f** | %s |" % (
                        "{:,}".format(parse_count(size)), os.path.relpath(b), name,
                        runs[0][name][1], p50, statistics.median(p99s),
                        " · ".join("%.1f" % x for x in p99s)), flush=True)
    finally:
        benchlib.stop_all()


if __name__ == "__main__":
    main()
