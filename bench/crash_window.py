#!/usr/bin/env python3
"""bench/crash_window.py — how many messages a crash sends twice (issue 17, item 6).

A 2,000-recipient campaign, and a deadline run reminding many agencies, against a fake
Telegram (tests/integration/fakebot.py) whose every send is delivered at once and answered
--latency seconds later (a platform far away), with Telegram's limits enforced (30/s, 1/s per
chat, 20/min per group). tipgate is killed with SIGKILL --kills times at random moments while
it sends, and started again each time. Afterwards the fake's deliveries are counted per chat:

    duplicates  per kill (the chats the killed process had "sending" that the fake had already
                delivered: the next owner queues them again) — mean, most in one kill, total;
    per chat    the most any chat got beyond one, and beyond one per kill;
    lost        recipients who never got it (must be 0);
    on the wire the most sends delivered and not yet answered at once, seen by the fake;
    duration    first start to the last delivery, against a run without kills.

Kill moments come from --seed, so two binaries (the code before and after a change) meet the
same kills: `--binary OLD --binary NEW` runs each in turn and prints them side by side.

usage: bench/crash_window.py [--binary PATH]... [--mode campaign|deadlines|both]
         [--recipients 2000] [--agencies 500] [--kills 10] [--latency 0.2] [--runs 1]
         [--seed 17] [--json FILE]
The default binary is build/bench-release/tipgate (bench/run builds it). Python 3 standard
library only; each run takes the campaign's length (~90 s at 2,000) plus restarts.
"""
import argparse
import datetime
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import apitest  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402

TG = "telegram"
LIMITS = {"global_per_sec": 30, "per_chat_per_sec": 1, "per_group_per_min": 20}
CAMPAIGN_TEXT = "Tin thử cửa sổ sự cố"
BASE = 710000000
VN = datetime.timezone(datetime.timedelta(hours=7))
REMINDER_AT = datetime.datetime(2027, 3, 3, 8, 0, 1, tzinfo=VN)  # BCQ1-2027 due in 7 days


def log(msg):
    print("bench/crash_window: %s" % msg, file=sys.stderr, flush=True)


def cli(tg, *args):
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", tg.config_path],
                       capture_output=True, timeout=120, env=tg.env)
    if p.returncode != 0:
        sys.exit("tipgate %s failed: %s" % (" ".join(args), p.stderr.decode()[-2000:]))
    return p.stdout.decode()


def q(db_path, sql, *args):
    con = sqlite3.connect(db_path, timeout=30)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


# ---- the two workloads -----------------------------------------------------------------------

class Campaign:
    """N Telegram residents subscribed; one campaign to all of them, due at once."""
    name = "campaign"
    kill_gap = (0.5, 6.0)  # seconds between a (re)start and the next kill: ~85 s of sending

    def __init__(self, n):
        self.n = n

    def config(self):
        return {"campaigns": {"enabled": False, "batch": 500}}

    def env(self, workdir):
        return {}

    def prepare(self, tg):
        apitest.migrate(tg)
        con = sqlite3.connect(tg.db_path)
        with con:
            con.executemany("INSERT INTO people (platform, platform_user_id, created_at, "
                            "updated_at) VALUES ('telegram', ?, 1, 1)",
                            [(str(BASE + i),) for i in range(self.n)])
            con.execute("INSERT INTO chats (platform, chat_id, kind, created_at, updated_at) "
                        "SELECT 'telegram', platform_user_id, 'private', 1, 1 FROM people")
            con.execute("INSERT INTO subscriptions (platform, chat_id, person_id, status, "
                        "created_at, updated_at) SELECT 'telegram', platform_user_id, id, "
                        "'subscribed', 1, 1 FROM people")
        con.close()
        cli(tg, "campaign", "create", "--code", "CW", "--text", CAMPAIGN_TEXT, "--at", "now")

    def counted(self, text):
        return text.startswith(CAMPAIGN_TEXT)

    def expected(self):
        return self.n

    def done(self, tg):
        return q(tg.db_path, "SELECT status FROM campaigns WHERE code = 'CW'") == [("done",)]


class Deadlines:
    """N agencies, each with its own Telegram group, all due a reminder at the moment the
    service starts (the clock file puts it at 08:00 seven days before BCQ1-2027). The run
    schedules 32 tasks a tick, so the reminders go out over its first ~20 s."""
    name = "deadlines"
    kill_gap = (0.5, 2.5)

    def __init__(self, n):
        self.n = n

    def config(self):
        agencies = [{"code": "CQ%04d" % i, "name": "Cơ quan %d" % i, "kind": "school",
                     "chats": [{"platform": TG, "chat_id": str(-4000000 - i)}]}
                    for i in range(self.n)]
        return {"agencies": agencies, "campaigns": {"enabled": False},
                "calendar": {"files": [os.path.join(ROOT, "config", "calendars",
                                                    "chonthanh.json")]}}

    def env(self, workdir):
        path = os.path.join(workdir, "clock-offset")
        with open(path, "w") as f:
            f.write("%d\n" % (int(REMINDER_AT.timestamp() * 1000) - int(time.time() * 1000)))
        return {"TIPGATE_CLOCK_FILE": path}

    def prepare(self, tg):
        apitest.migrate(tg)

    def counted(self, text):
        return "BCQ1-2027" in text

    def expected(self):
        return self.n

    def done(self, tg):
        rows = q(tg.db_path, "SELECT count(*) FROM deadline_tasks WHERE next_at IS NOT NULL "
                             "AND next_at <= ?", int(REMINDER_AT.timestamp() * 1000) + 3600000)
        return rows == [(0,)]


# ---- one run -----------------------------------------------------------------------------------

def delivered(fake, work):
    """Deliveries per chat of the workload's messages, as the fake counted them."""
    counts = {}
    with fake.cond:
        for s in fake.sent:
            if work.counted(s["text"]):
                counts[s["chat_id"]] = counts.get(s["chat_id"], 0) + 1
    return counts


def settled(tg, work, fake):
    if len(delivered(fake, work)) < work.expected() or not work.done(tg):
        return False
    return q(tg.db_path, "SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')") \
        == [(0,)]


def run_one(binary, work, kills, latency, seed):
    tglib.BINARY = binary
    fake = fakebot.FakeTelegram()
    fake.answer_delay = latency
    fake.rate_limits(global_per_sec=30, per_chat_per_sec=1, per_group_per_min=20)
    fake.start()
    workdir = tglib.tmpdir("crash-window-")
    cfg = apitest.platform_config(fake, TG, rate_limit=LIMITS)
    tglib.deep_merge(cfg, {"log": {"level": "info"}})
    tglib.deep_merge(cfg, work.config())
    tg = tglib.Tipgate(config=cfg, workdir=workdir, env=work.env(workdir))
    rng = random.Random(seed)
    per_kill = []
    try:
        work.prepare(tg)
        t0 = time.monotonic()
        tg.start()
        for _ in range(kills):
            until = time.monotonic() + rng.uniform(*work.kill_gap)
            while time.monotonic() < until and not settled(tg, work, fake):
                time.sleep(0.02)
            if settled(tg, work, fake):
                log("finished before all the kills: %d done" % len(per_kill))
                break
            tg.kill()
            time.sleep(0.3)  # the fake finishes reading what reached it before the kill
            got = delivered(fake, work)
            sending = {c for (c,) in q(tg.db_path, "SELECT chat_id FROM outbox "
                                                   "WHERE status = 'sending'")}
            per_kill.append({"sending": len(sending),
                             "duplicates": sum(1 for c in sending if got.get(c, 0) > 0)})
            tg.start()
        while not settled(tg, work, fake):
            if time.monotonic() - t0 > 1800:
                sys.exit("bench/crash_window: not finished after 30 minutes")
            time.sleep(0.05)
        duration = time.monotonic() - t0
        with fake.cond:
            last = max(s["time"] for s in fake.sent if work.counted(s["text"]))
            first = min(s["time"] for s in fake.sent if work.counted(s["text"]))
        tg.assert_clean_exit()
        counts = delivered(fake, work)
        throttled = fake.throttled
    finally:
        if tg.proc and tg.proc.poll() is None:
            tg.kill()
        apitest.close_connection(tg)
        tg.cleanup()
        fake.stop()
    extra = [k - 1 for k in counts.values() if k > 1]
    return {
        "kills": len(per_kill),
        "per_kill": [k["duplicates"] for k in per_kill],
        "sending_at_kill": [k["sending"] for k in per_kill],
        "duplicates": sum(extra),
        "max_per_chat": max(extra, default=0),
        "lost": work.expected() - len(counts),
        "max_on_wire": fake.max_on_wire,
        "throttled": throttled,
        "duration_s": round(duration, 1),
        "sending_s": round(last - first, 1),
        "rate_per_s": round((len(counts) - 1) / (last - first), 1) if last > first else None,
    }


def summary(label, res):
    per_kill = [d for r in res for d in r["per_kill"]]
    return {
        "binary": label,
        "runs": len(res),
        "kills": sum(r["kills"] for r in res),
        "dup_per_kill_mean": round(statistics.mean(per_kill), 1) if per_kill else 0,
        "dup_per_kill_max": max(per_kill, default=0),
        "duplicates_total": statistics.median(r["duplicates"] for r in res),
        "max_per_chat": max(r["max_per_chat"] for r in res),
        "lost": max(r["lost"] for r in res),
        "max_on_wire": max(r["max_on_wire"] for r in res),
        "throttled": max(r["throttled"] for r in res),
        "duration_s": statistics.median(r["duration_s"] for r in res),
        "rate_per_s": statistics.median(r["rate_per_s"] or 0 for r in res),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", action="append",
                    help="tipgate to measure (repeat to compare; default the Release build)")
    ap.add_argument("--mode", choices=("campaign", "deadlines", "both"), default="both")
    ap.add_argument("--recipients", type=int, default=2000)
    ap.add_argument("--agencies", type=int, default=500)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--baseline", action="store_true", help="also a run without kills")
    ap.add_argument("--json", help="write every run's figures here")
    a = ap.parse_args()
    binaries = a.binary or [os.path.join(ROOT, "build", "bench-release", "tipgate")]
    works = {"campaign": [Campaign(a.recipients)], "deadlines": [Deadlines(a.agencies)],
             "both": [Campaign(a.recipients), Deadlines(a.agencies)]}[a.mode]
    out = []
    for work in works:
        for b in binaries:
            res = []
            for i in range(a.runs):
                log("%s, %s, run %d: %d kills, %.0f ms latency" %
                    (work.name, b, i + 1, a.kills, a.latency * 1000))
                res.append(run_one(b, work, a.kills, a.latency, a.seed + i))
                log(json.dumps(res[-1]))
            row = {"work": work.name, **summary(b, res), "runs_detail": res}
            if a.baseline:
                log("%s, %s: without kills" % (work.name, b))
                base = run_one(b, work, 0, a.latency, a.seed)
                log(json.dumps(base))
                row["duration_no_kills_s"] = base["duration_s"]
                row["rate_no_kills_per_s"] = base["rate_per_s"]
                row["max_on_wire_no_kills"] = base["max_on_wire"]
            out.append(row)
    cols = ["work", "binary", "kills", "dup_per_kill_mean", "dup_per_kill_max",
            "duplicates_total", "max_per_chat", "lost", "max_on_wire", "throttled",
            "duration_s", "duration_no_kills_s", "rate_per_s", "rate_no_kills_per_s"]
    print("\t".join(cols))
    for r in out:
        print("\t".join(str(r.get(c, "")) for c in cols))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
