#!/usr/bin/env python3
"""bench/api_export.py — what `GET /api/v1/tips` pages and `tipgate export tips` for a year cost,
at an empty database and at a filled one (bench/fill.py --rows 1000000: 550,000 of its rows are
tips, filed over the half year before the fill's clock).

For each database: `tipgate migrate`, a token made with `tipgate token create`, `tipgate serve`
started (web chat only, log level warn), then, each timed RUNS times (median reported, ms):

  tips page 1        GET /api/v1/tips?limit=50
  tips page 2        the same with the first page's cursor
  tips deep page     the page after 20 pages of 50 (the cursor of page 20)
  tips year page 1   GET /api/v1/tips?period=YEAR&limit=50
  tips area+status   GET /api/v1/tips?period=YEAR&area=AREA&status=resolved&limit=50
  export csv/jsonl   `tipgate export tips --period YEAR --format F --out FILE` (the process,
                     start to exit), and the rows it wrote

Usage (release build):
  cmake -S . -B build/bench-release -DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF
  cmake --build build/bench-release --target tipgate
  python3 bench/fill.py --rows 1000000 --out /tmp/fill.db      (once; minutes)
  cp /tmp/fill.db /tmp/mine.db       (this script migrates the file it is given: never a shared one)
  python3 bench/api_export.py --binary build/bench-release/tipgate --db /tmp/mine.db
      [--config /tmp/fill.db.json] [--year 2026] [--runs 3]
Without --db it measures an empty database only.
"""
import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import tglib  # noqa: E402


def run(binary, cfg, *args):
    p = subprocess.run([binary] + list(args) + ["--config", cfg], capture_output=True,
                       timeout=3600)
    if p.returncode != 0:
        raise SystemExit("%s: %s" % (" ".join(args), p.stderr.decode(errors="replace")))
    return p


def get(port, path, token):
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    t0 = time.perf_counter()
    con.request("GET", "/api/v1" + path, headers={"Authorization": "Bearer " + token})
    r = con.getresponse()
    body = r.read()
    took = (time.perf_counter() - t0) * 1000
    con.close()
    assert r.status == 200, (path, r.status, body[:300])
    return took, json.loads(body)


def measure(binary, db, config, year, runs, label):
    work = tempfile.mkdtemp(prefix="bench-api-")
    port = tglib.free_port()
    cfg = dict(config)
    cfg.update({"log": {"level": "warn"}, "storage": {"path": db, "synchronous": "normal"},
                "http": {"listen": "127.0.0.1", "port": port},
                "api": {"rate_limit_per_minute": 100000}})
    path = os.path.join(work, "tipgate.json")
    with open(path, "w") as f:
        json.dump(cfg, f, ensure_ascii=False)
    run(binary, path, "migrate")
    name = "bench-%d" % int(time.time() * 1000)
    token = run(binary, path, "token", "create", "--name", name, "--scope", "read:tips") \
        .stdout.decode().strip()
    err = open(os.path.join(work, "stderr.log"), "w")
    proc = subprocess.Popen([binary, "serve", "--config", path], stdout=subprocess.DEVNULL,
                            stderr=err)
    rows = []
    try:
        deadline = time.time() + 60
        while True:
            try:
                get(port, "/tips?limit=1", token)
                break
            except (OSError, AssertionError):
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        area = (config.get("areas") or [{"code": ""}])[0]["code"]
        _, first = get(port, "/tips?limit=50", token)
        cursor = first["next"]
        deep = cursor
        for _ in range(19):
            if not deep:
                break
            deep = get(port, "/tips?limit=50&cursor=" + deep, token)[1]["next"]
        cases = [("tips page 1", "/tips?limit=50"),
                 ("tips page 2", "/tips?limit=50&cursor=%s" % cursor if cursor else None),
                 ("tips deep page (21st)", "/tips?limit=50&cursor=%s" % deep if deep else None),
                 ("tips year page 1", "/tips?period=%s&limit=50" % year),
                 ("tips year, area + status", "/tips?period=%s&area=%s&status=resolved&limit=50"
                  % (year, area))]
        for what, url in cases:
            if not url:
                rows.append((what, None, ""))
                continue
            times = [get(port, url, token)[0] for _ in range(runs)]
            rows.append((what, statistics.median(times), ""))
        for fmt in ("csv", "jsonl"):
            times, n = [], ""
            out = os.path.join(work, "export." + fmt)
            for _ in range(runs):
                t0 = time.perf_counter()
                p = run(binary, path, "export", "tips", "--period", str(year), "--format", fmt,
                        "--out", out)
                times.append((time.perf_counter() - t0) * 1000)
                m = re.search(rb"(\d+) tips written", p.stderr)
                n = m.group(1).decode() if m else "?"
            rows.append(("export %s, year %s" % (fmt, year), statistics.median(times),
                         "%s rows, %.1f MB" % (n, os.path.getsize(out) / 1e6)))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        err.close()
        run(binary, path, "token", "revoke", "--name", name)
        shutil.rmtree(work, ignore_errors=True)  # the exports are hundreds of MB
    print("\n%s" % label)
    for what, ms, note in rows:
        print("| %s | %s | %s |" % (what, "—" if ms is None else "%.1f" % ms, note))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--db", help="a filled database this script may migrate and write a token to")
    ap.add_argument("--config", help="the fill's JSON (its \"config\" gives the areas)")
    ap.add_argument("--year", type=int, default=2026)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    config = {}
    if a.config:
        with open(a.config) as f:
            config = {"areas": json.load(f)["config"].get("areas", [])}
    empty_dir = tempfile.mkdtemp(prefix="bench-api-empty-")
    measure(os.path.abspath(a.binary), os.path.join(empty_dir, "empty.db"), config, a.year,
            a.runs, "empty database")
    shutil.rmtree(empty_dir, ignore_errors=True)
    if a.db:
        measure(os.path.abspath(a.binary), os.path.abspath(a.db), config, a.year, a.runs,
                "filled database " + a.db)


if __name__ == "__main__":
    main()
