#!/usr/bin/env python3
"""bench/full_disk.py — a full disk, measured (issue 17, item 3).

Each run mounts an 8 MB tmpfs, puts a migrated database on it and starts `tipgate serve` with
Telegram in webhook mode (tests/integration/fakebot.py's FakeTelegram, which sends an update
again 0.5 s after any answer that is not 2xx) and a web chat client. It fills the filesystem,
pushes UPDATES `/start` updates (one chat each) spread over FULL_S seconds while the web chat
client sends one message and sends it again whenever it is told `not_saved` (as web/app.js
does), then deletes the filler and measures: the writes refused (the webhook's 503s, the web
chat's not_saved, and tipgate's own count from its "writes accepted again" line), the seconds
from the deletion to the last reply and to /healthz 200 (the episode ends after 10 s without
a refusal), the replies per chat (lost: none,
twice: more than one) and the log lines at ERROR during the episode.

Then the -shm boundary (a separate probe with Python's sqlite3, the same libsqlite3 tipgate
links): a WAL grown to ~4,000 frames on a 20 MB tmpfs left with a little space, written until
it fails: the write that needs the WAL index's second 32 KiB region fails with
SQLITE_IOERR_SHMSIZE ("disk I/O error"), never a SIGBUS.

  sudo python3 bench/full_disk.py [--binary build/bench-release/tipgate] [--runs 3]
      [--updates 20] [--full-s 10]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import apitest  # noqa: E402
import tglib  # noqa: E402
from test_health import Tmpfs, healthy, wait_health  # noqa: E402

SECRET = "s3cret_Tipgate-42"
RECOVERED = "writes accepted again after "


def chat_answer(ws, mid, text):
    ws.send_json({"type": "message", "id": mid, "text": text})
    m, _ = ws.recv_until(lambda m: m.get("type") in ("ack", "error") and m.get("id") == mid)
    return m


def one_run(n_updates, full_s):
    fs = Tmpfs(size="8m")
    if not fs.ok:
        sys.exit("cannot mount a tmpfs (%s): run as root" % fs.why)
    try:
        with apitest.Setup("telegram", config={
                "storage": {"path": os.path.join(fs.dir, "t.db")}, "log": {"level": "info"}}) as s:
            s.rewrite_config(mode="webhook", webhook_secret=SECRET,
                             webhook_url="http://127.0.0.1:%d/webhook/telegram" % s.tg.port)
            apitest.migrate(s.tg)
            s.tg.start()
            s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
            ws = s.tg.ws()
            ws.hello()
            chat_answer(ws, "first", "/start")
            wait_health(s.tg, healthy, "healthy at start")
            logs_before = len(s.tg.read_logs().splitlines())

            fs.fill()
            chats = [5000 + i for i in range(n_updates)]
            t0, not_saved, pushed = time.monotonic(), 0, 0
            while time.monotonic() - t0 < full_s:
                due = int((time.monotonic() - t0) / full_s * n_updates) + 1
                while pushed < min(due, n_updates):
                    s.fake.push_message(chats[pushed], "/start")
                    pushed += 1
                a = chat_answer(ws, "during", "/help")
                assert a["type"] == "error" and a["code"] == "not_saved", a
                not_saved += 1
                time.sleep(a["retry_ms"] / 1000.0)
            for chat in chats[pushed:]:
                s.fake.push_message(chat, "/start")
            with s.fake.cond:
                refused_hooks = sum(1 for _, st in s.fake.webhook_deliveries if st == 503)
                other = sorted({st for _, st in s.fake.webhook_deliveries if st not in (200, 503)})
            assert s.tg.proc.poll() is None and not other, other

            t_free = time.monotonic()
            fs.empty()
            for chat in chats:
                apitest.wait_replies(s.fake, chat, 1, timeout=60)
            t_all = time.monotonic() - t_free
            while chat_answer(ws, "during", "/help")["type"] != "ack":
                time.sleep(1)
            wait_health(s.tg, healthy, "healthy again", timeout=60)
            t_health = time.monotonic() - t_free
            apitest.wait_settled(s.tg, "telegram", inbox=n_updates, timeout=60)
            per_chat = [len(apitest.sent_to(s.fake, c)) for c in chats]
            logs = s.tg.read_logs().splitlines()
            errors = [line for line in logs[logs_before:] if " ERROR " in line]
            ended = [line for line in logs if RECOVERED in line]
            counted = int(ended[0].split(RECOVERED)[1].split(", ")[1].split()[0]) if ended else -1
            ws.close()
            s.tg.assert_clean_exit()
            return {"refused_webhook": refused_hooks, "refused_webchat": not_saved,
                    "refusals_logged": counted, "health_s": t_health, "all_replies_s": t_all,
                    "lost": per_chat.count(0), "twice": sum(1 for n in per_chat if n > 1),
                    "error_lines": len(errors)}
    finally:
        fs.close()


PROBE = r'''
import os, sqlite3, sys
d, free = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(os.path.join(d, "t.db"), isolation_level=None)
con.execute("PRAGMA journal_mode=WAL"); con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE t (b BLOB)"); con.execute("BEGIN")
for i in range(4000):
    con.execute("INSERT INTO t VALUES (zeroblob(3000))")
con.execute("COMMIT")
st = os.statvfs(d)
with open(os.path.join(d, "filler"), "wb") as f:
    f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - free))
for i in range(200):
    try:
        con.execute("INSERT INTO t VALUES (zeroblob(3000))")
    except sqlite3.Error as e:
        print(e.sqlite_errorname, os.path.getsize(os.path.join(d, "t.db-shm")))
        break
'''


def shm_probe():
    """The first failure at each free space around the -shm's growth: its name and the -shm's
    size; a SIGBUS would show as the probe's exit status -7."""
    seen = []
    for free in range(192512, 241665, 8192):
        fs = Tmpfs(size="20m")
        try:
            p = subprocess.run([sys.executable, "-c", PROBE, fs.dir, str(free)],
                               capture_output=True, text=True, timeout=120)
            seen.append((free, p.returncode, p.stdout.strip()))
        finally:
            fs.close()
    return seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(HERE, "..", "build", "bench-release",
                                                     "tipgate"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--updates", type=int, default=20)
    ap.add_argument("--full-s", type=float, default=10.0)
    a = ap.parse_args()
    tglib.BINARY = os.path.abspath(a.binary)
    runs = []
    for i in range(a.runs):
        r = one_run(a.updates, a.full_s)
        print("run %d: %s" % (i + 1, " ".join("%s=%s" % (k, round(v, 2) if isinstance(v, float)
                                                          else v) for k, v in r.items())),
              flush=True)
        runs.append(r)
    print("medians of %d runs: %s" % (a.runs, " ".join(
        "%s=%s" % (k, round(statistics.median(r[k] for r in runs), 2)) for k in runs[0])))
    for free, rc, out in shm_probe():
        print("shm probe: %d bytes free: exit %d, first failure %s" % (free, rc, out))


if __name__ == "__main__":
    main()
