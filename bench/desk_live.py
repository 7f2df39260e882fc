#!/usr/bin/env python3
"""bench/desk_live.py — the web desk's live alert: the time from a tip's arrival in tipgate's
inbox source (a Telegram update made available by the fake Bot API, which answers the pending
long poll at once) to its {"type":"tip","event":"new"} frame at a desk socket that is open.

One run: `tipgate serve` with Telegram against tests/integration/fakebot.py's FakeTelegram
(the areas and desks of tests/integration/tipstest.py, log level warn), a commander with a
desk session written into desk_sessions (the SHA-256 of the cookie's secret, as the sign-in
stores it), one socket on /desk/live; then --tips tips, one at a time, each from its own
resident ("/baotin …" in a private chat): the time from pushing the update to reading its
frame. Prints p50, p90, p99 and max in ms of each run, and the medians over --runs runs.

Usage (release build):
  cmake -S . -B build/rel -DCMAKE_BUILD_TYPE=Release && cmake --build build/rel --target tipgate
  python3 bench/desk_live.py --binary build/rel/tipgate [--tips 200] [--runs 3]
Nothing leaves the machine: everything listens on 127.0.0.1.
"""
import argparse
import hashlib
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import tglib  # noqa: E402
import tipstest  # noqa: E402

TEXTS = ["Có người lạ cạy khóa xe máy ở tổ 5 tối nay",
         "đang có cướp, cứu với, ở tổ 5 ngay đầu ngõ",
         "Nhóm thanh niên tụ tập đánh bạc ở Thôn Đông"]


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def commander_socket(e):
    con = e.tg.db()
    now = e.now_ms()
    cur = con.execute("INSERT INTO people (platform, platform_user_id, display_name, role,"
                      " created_at, updated_at) VALUES ('telegram', '690001', 'Chỉ huy',"
                      " 'commander', ?, ?)", (now, now))
    secret = os.urandom(32).hex()
    con.execute("INSERT INTO desk_sessions (token_hash, person_id, csrf, created_at,"
                " last_seen_at) VALUES (?, ?, ?, ?, ?)",
                (hashlib.sha256(secret.encode()).hexdigest(), cur.lastrowid,
                 os.urandom(16).hex(), now, now))
    con.commit()
    con.close()
    ws = e.tg.ws(protocol="tipgate-desk", path="/desk/live",
                 headers={"Origin": "http://127.0.0.1:%d" % e.tg.port,
                          "Cookie": "tipgate_desk=" + secret})
    e.ws_clients.append(ws)
    assert ws.recv_json()["type"] == "hello"
    return ws


def one_run(n):
    extra = {"log": {"level": "warn"}}
    with tipstest.Env(tips={"max_per_hour": 1000}, extra=extra) as e:
        e.start()
        ws = commander_socket(e)
        took = []
        for i in range(n):
            t0 = time.perf_counter()
            e.fake.push_message(800000 + i, "/baotin %s (%d)" % (TEXTS[i % len(TEXTS)], i))
            ws.recv_until(lambda m: m.get("type") == "tip" and m.get("event") == "new",
                          timeout=30)
            took.append((time.perf_counter() - t0) * 1000.0)
        e.stop()
        return took


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--tips", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tglib.BINARY = os.path.abspath(args.binary)
    runs = []
    for r in range(args.runs):
        took = one_run(args.tips)
        row = {"p50": statistics.median(took), "p90": pct(took, 90), "p99": pct(took, 99),
               "max": max(took)}
        runs.append(row)
        print("run %d: %d tips  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms" %
              (r + 1, len(took), row["p50"], row["p90"], row["p99"], row["max"]), flush=True)
    med = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
    print("median of %d runs: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms" %
          (len(runs), med["p50"], med["p90"], med["p99"], med["max"]))


if __name__ == "__main__":
    main()
