#!/usr/bin/env python3
"""bench/report.py — how long the ward's period report takes (`tipgate report --format json`,
issue 15) for a quarter and a year, at an empty database and at a filled one (bench/fill.py).

Each figure is the median wall time of --runs runs of the whole command (start, configuration,
the read transaction, the JSON written to /dev/null), so it is what an operator waits. The
filled database is upgraded by the binary's migrations at its first run (the report's indexes
of migration 023 are then built once, outside the timings): give it a copy you may change.

Usage:
  python3 bench/fill.py --binary build/bench-release/tipgate --rows 1000000 --out /tmp/1m.db
  python3 bench/report.py --db /tmp/1m.db [--quarter 2026-Q3] [--year 2026] [--runs 3]
        [--binary build/bench-release/tipgate]
Prints a Markdown table for bench/results.md. Python 3 standard library only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config(dir_, db, areas):
    path = os.path.join(dir_, "report-%d.json" % len(os.listdir(dir_)))
    with open(path, "w") as f:
        json.dump({"log": {"level": "warn"}, "storage": {"path": db}, "data_dir": ROOT,
                   "platforms": {"webchat": {"enabled": False}}, "areas": areas,
                   "campaigns": {"enabled": False}}, f, ensure_ascii=False)
    return path


def run(binary, cfg, *args):
    t0 = time.monotonic()
    p = subprocess.run([binary] + list(args) + ["--config", cfg], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    took = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit("bench/report: %s failed (%d): %s" % (" ".join(args), p.returncode,
                                                      p.stderr.decode()[-2000:]))
    return took, p.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "bench-release", "tipgate"))
    ap.add_argument("--db", help="a database filled by bench/fill.py (a copy: it is migrated)")
    ap.add_argument("--quarter", default="2026-Q3")
    ap.add_argument("--year", default="2026")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    if not os.path.exists(a.binary):
        sys.exit("bench/report: build the Release binary first: cmake -S . -B build/bench-release "
                 "-DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF && cmake --build "
                 "build/bench-release")
    tmp = tempfile.mkdtemp(prefix="bench-report-")
    areas = []
    if a.db and os.path.exists(a.db + ".json"):
        with open(a.db + ".json") as f:
            areas = json.load(f)["config"]["areas"]
    dbs = [("empty", os.path.join(tmp, "empty.db"))]
    if a.db:
        dbs.append(("%s (%s)" % (os.path.basename(a.db), "filled"), os.path.abspath(a.db)))
    rows = []
    for name, db in dbs:
        cfg = config(tmp, db, areas)
        t0 = time.monotonic()
        run(a.binary, cfg, "migrate")
        migrate = time.monotonic() - t0
        tips = None
        for period in (a.quarter, a.year):
            times = []
            for _ in range(a.runs):
                took, out = run(a.binary, cfg, "report", "--format", "json", "--period", period)
                times.append(took)
            doc = json.loads(out)
            tips = doc["sections"][0]["figures"][0]["value"]
            rows.append((name, period, tips, statistics.median(times), min(times), max(times)))
            print("bench/report: %s %s: %d tips, median %.3f s" % (name, period, tips,
                                                                  statistics.median(times)),
                  file=sys.stderr, flush=True)
        print("bench/report: %s: migrate took %.1f s" % (name, migrate), file=sys.stderr)
    print("| database | period | tips received | median (s) | min | max |")
    print("|---|---|---:|---:|---:|---:|")
    for name, period, tips, med, lo, hi in rows:
        print("| %s | %s | %d | %.3f | %.3f | %.3f |" % (name, period, tips, med, lo, hi))


if __name__ == "__main__":
    main()
