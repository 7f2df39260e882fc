"""Who may put an in-flight message back in the queue: only the process that sends, and only
rows of a process that is provably gone. An operator running `tipgate enrol`, `campaign report`,
`agency list`, `deadlines list` or `tipgate chat` during a broadcast, or a second `tipgate serve`
started by mistake on the same database, must never make a resident receive the broadcast
twice; a `serve` killed with SIGKILL mid-broadcast and started again delivers to everyone, and
twice only to the few whose message was on the wire when it died (the documented window).

The fake Telegram answers every sendMessage after SLOW seconds, so many sends are in flight at
any moment, as with a slow API in production; once the commands have run it answers at once,
so the rest of the broadcast does not keep the test waiting."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402

TG = "telegram"
NO_LIMITS = {"global_per_sec": 0, "per_chat_per_sec": 0, "per_group_per_min": 0}
N = 1500  # at SLOW s a send and 32 in flight: 47 s, longer than the commands take
SLOW = 1.0
BASE = 710000000
TEXT = "Tin thử chủ sở hữu"


def seed_residents(db_path, n):
    con = sqlite3.connect(db_path)
    with con:
        con.executemany("INSERT INTO people (platform, platform_user_id, created_at, updated_at) "
                        "VALUES ('telegram', ?, 1, 1)", [(str(BASE + i),) for i in range(n)])
        con.execute("INSERT INTO chats (platform, chat_id, kind, created_at, updated_at) "
                    "SELECT 'telegram', platform_user_id, 'private', 1, 1 FROM people "
                    "WHERE platform = 'telegram'")
        con.execute("INSERT INTO subscriptions (platform, chat_id, person_id, status, "
                    "created_at, updated_at) SELECT 'telegram', platform_user_id, id, "
                    "'subscribed', 1, 1 FROM people WHERE platform = 'telegram'")
    con.close()


def per_chat(fake):
    counts = {}
    with fake.cond:
        for s in fake.sent:
            if s["text"].startswith(TEXT):
                counts[s["chat_id"]] = counts.get(s["chat_id"], 0) + 1
    return counts


def run(tg, *args, stdin=None):
    """One operator command against tipgate's configuration; returns its exit status."""
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", tg.config_path],
                       input=stdin, capture_output=True, timeout=60, env=tg.env)
    return p.returncode


OPERATOR_COMMANDS = (
    ("enrol", "--role", "police", "--area", "TDP5"),
    ("campaign", "report"),
    ("agency", "list"),
    ("deadlines", "list"),
    ("chat",),
)


class Operator(threading.Thread):
    """Runs the operator's commands one after the other until told to stop."""

    def __init__(self, tg):
        super().__init__(daemon=True)
        self.tg = tg
        self.stop = threading.Event()
        self.runs = 0
        self.failures = []

    def run(self):
        while not self.stop.is_set():
            args = OPERATOR_COMMANDS[self.runs % len(OPERATOR_COMMANDS)]
            rc = run(self.tg, *args, stdin=b"/start\n" if args == ("chat",) else b"")
            if rc != 0:
                self.failures.append((args, rc))
            self.runs += 1


def broadcast_setup():
    """A Telegram setup with N subscribed residents, a campaign due now and a slow API."""
    cfg = {"areas": [{"code": "TDP5", "name": "Tổ dân phố 5"}],
           "campaigns": {"enabled": False, "batch": 500}}
    s = apitest.Setup(TG, config=cfg, rate_limit=NO_LIMITS)
    try:
        apitest.migrate(s.tg)
        seed_residents(s.tg.db_path, N)
        assert run(s.tg, "campaign", "create", "--code", "OWN", "--text", TEXT, "--at",
                   "now") == 0
    except BaseException:
        s.__exit__(None, None, None)
        raise
    s.fake.slow_seconds = SLOW
    s.fake.fail_next(10 ** 6, "slow", methods=["sendMessage"])
    return s


def wait_everyone(s, timeout=120):
    s.fake.slow_seconds = 0.0
    apitest.wait_until(lambda: len(per_chat(s.fake)) >= N, timeout=timeout,
                       what="every recipient reached")
    apitest.wait_settled(s.tg, TG, timeout=60)


def duplicates(fake):
    return {c: k for c, k in per_chat(fake).items() if k > 1}


def test_operator_commands_during_a_broadcast_cause_no_duplicate():
    with broadcast_setup() as s:
        s.tg.start()
        apitest.wait_until(lambda: len(per_chat(s.fake)) >= 1, timeout=30, what="first send")
        op = Operator(s.tg)
        op.start()
        try:
            # at least one of each command while sends are in flight
            apitest.wait_until(lambda: op.runs >= 2 * len(OPERATOR_COMMANDS) or
                               len(per_chat(s.fake)) >= N, timeout=120, what="operator runs")
            assert len(per_chat(s.fake)) < N, "the broadcast ended before the commands ran"
        finally:
            op.stop.set()
            op.join(timeout=90)
        assert not op.failures, op.failures
        wait_everyone(s)
        assert duplicates(s.fake) == {}, (op.runs, sorted(duplicates(s.fake).items())[:10])
        s.tg.assert_clean_exit()


def test_second_serve_on_the_same_database_requeues_nothing_of_the_first():
    with broadcast_setup() as s:
        s.tg.start()
        apitest.wait_until(lambda: len(per_chat(s.fake)) >= 1, timeout=30, what="first send")
        # A second service on the same database, by mistake (its own HTTP port, same token).
        other = tglib.Tipgate()
        with open(s.tg.config_path) as f:
            cfg = json.load(f)
        cfg["http"]["port"] = other.port
        cfg["storage"]["path"] = s.tg.db_path
        with open(other.config_path, "w") as f:
            json.dump(cfg, f, ensure_ascii=False)
        try:
            for _ in range(3):  # each start is one chance to requeue the first one's rows
                other.start()
                apitest.wait_until(lambda: apitest.log_lines(other, "ready"), timeout=20,
                                   what="second serve ready")
                other.assert_clean_exit()
            assert len(per_chat(s.fake)) < N, "the broadcast ended before the second serve ran"
        finally:
            other.cleanup()
        wait_everyone(s)
        assert duplicates(s.fake) == {}, sorted(duplicates(s.fake).items())[:10]
        s.tg.assert_clean_exit()


def test_sigkill_mid_broadcast_then_restart_reaches_everyone_once_but_the_window():
    with broadcast_setup() as s:
        s.tg.start()
        apitest.wait_until(lambda: len(per_chat(s.fake)) >= 300, timeout=60,
                           what="300 delivered")
        s.tg.proc.send_signal(signal.SIGKILL)
        s.tg.proc.wait()
        s.tg.err.close()
        apitest.close_connection(s.tg)
        con = sqlite3.connect(s.tg.db_path)
        in_flight = {c for (c,) in con.execute(
            "SELECT chat_id FROM outbox WHERE status = 'sending'")}
        con.close()
        assert in_flight, "nothing was in flight at the kill"
        # The operator's commands leave the dead service's rows alone: only a sender may
        # requeue them. (Before, any command requeued them; either way nothing was lost.)
        assert run(s.tg, "campaign", "report") == 0
        assert run(s.tg, "enrol", "--role", "police", "--area", "TDP5") == 0
        con = sqlite3.connect(s.tg.db_path)
        still = {c for (c,) in con.execute(
            "SELECT chat_id FROM outbox WHERE status = 'sending'")}
        con.close()
        assert still == in_flight, (len(still), len(in_flight))
        s.tg.start()
        wait_everyone(s)
        apitest.wait_db(s.tg, "SELECT status FROM campaigns WHERE code = 'OWN'",
                        lambda r: r == [("done",)])
        counts = per_chat(s.fake)
        assert len(counts) == N
        dup = set(duplicates(s.fake))
        assert dup <= in_flight, sorted(dup - in_flight)[:10]
        assert all(k <= 2 for k in counts.values())
        assert apitest.q1(s.tg, "SELECT count(*) FROM outbox WHERE status = 'sending'") == 0
        s.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
