"""apitest — what the Telegram and Zalo integration tests share: tipgate started against a
fake bot API (fakebot), database polling instead of blind sleeps, raw webhook POSTs, process CPU
time, and replacement message files.

    with apitest.Setup("telegram") as s:     # a FakeTelegram and a tipgate pointed at it
        s.tg.start()
        s.fake.push_message(1001, "/start")
        s.fake.wait_sent(1)
"""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebot  # noqa: E402
import tglib  # noqa: E402


class LiveTexts:
    """The shipped texts, read again at each lookup: tipgate reads the file when it starts, and
    the file may be edited while a long test run goes on."""

    def __getitem__(self, name):
        return tglib.texts()[name]


TEXTS = LiveTexts()
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def platform_config(fake, name, **options):
    """The config fragment enabling platform `name` against `fake`; options are merged into
    platforms.<name> (nested dicts such as rate_limit are merged too)."""
    pc = {"enabled": True, "token": fake.token, "api_base_url": fake.base_url}
    tglib.deep_merge(pc, options)
    return {"platforms": {name: pc}}


class Setup:
    """A fake platform API and a tipgate (not yet started) configured for it. Both are cleaned
    up on exit; the tipgate's logs are printed when the block raises, to explain a failure."""

    def __init__(self, name, config=None, fake=None, **options):
        self.name = name
        self.fake = fake or (fakebot.FakeTelegram() if name == "telegram"
                             else fakebot.FakeZalo())
        self.fake.start()
        cfg = platform_config(self.fake, name, **options)
        tglib.deep_merge(cfg, config or {})
        self.tg = tglib.Tipgate(config=cfg)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                logs = self.tg.read_logs()
                sys.stderr.write("---- tipgate log (last 6000 chars) ----\n%s\n"
                                 "---- fake: %s\n" % (logs[-6000:], self.fake._summary(30)))
        finally:
            if self.tg.proc and self.tg.proc.poll() is None:
                self.tg.kill()
            close_connection(self.tg)
            self.tg.cleanup()
            self.fake.stop()
        return False

    def rewrite_config(self, top=None, **options):
        """Rewrites the config file for the next start: `top` is merged at the top level,
        options into platforms.<name> (None removes a key)."""
        with open(self.tg.config_path) as f:
            cfg = json.load(f)
        tglib.deep_merge(cfg, top or {})
        tglib.deep_merge(cfg["platforms"][self.name], options)
        for k, v in list(cfg["platforms"][self.name].items()):
            if v is None:
                del cfg["platforms"][self.name][k]
        with open(self.tg.config_path, "w") as f:
            json.dump(cfg, f, ensure_ascii=False, indent=1)


# ---- the database ------------------------------------------------------------------------

def connection(tg):
    """The test's one connection to tipgate's database, kept open until Setup ends.

    Opening and closing a connection per query would be what an operator's sqlite3 does, and
    a closing connection that believes it is the last one checkpoints and deletes the WAL; see
    test_database_read_by_another_process_loses_nothing in test_telegram.py for why that
    matters here. One long-lived connection keeps the tests about the adapters."""
    con = getattr(tg, "_apitest_con", None)
    if con is None:
        con = tg.db()
        con.row_factory = None
        tg._apitest_con = con
    return con


def close_connection(tg):
    con = getattr(tg, "_apitest_con", None)
    if con is not None:
        con.close()
        tg._apitest_con = None


def q(tg, sql, *args):
    """All rows of a query on tipgate's database."""
    return [tuple(r) for r in connection(tg).execute(sql, args).fetchall()]


def q1(tg, sql, *args):
    rows = q(tg, sql, *args)
    return rows[0][0] if rows else None


def execute(tg, sql, rows):
    con = connection(tg)
    with con:
        con.executemany(sql, rows)


def wait_db(tg, sql, pred, *args, timeout=10, what=None):
    """Polls a query until pred(rows) is true; returns the rows."""
    deadline = time.monotonic() + timeout
    rows = None
    while True:
        try:
            rows = q(tg, sql, *args)
            if pred(rows):
                return rows
        except Exception as e:  # the schema may not exist yet, or the database is busy
            rows = repr(e)
        if time.monotonic() > deadline:
            raise AssertionError("database: %s not reached within %ss; last: %r\n%s" % (
                what or sql, timeout, rows, tg.read_logs()[-3000:]))
        time.sleep(0.05)


def wait_settled(tg, platform, inbox=None, timeout=15):
    """Waits until every inbox row is processed (at least `inbox` of them exist) and nothing
    for `platform` is queued or being sent: whatever tipgate will do about them is done."""
    def ok(rows):
        n, pending, busy = rows[0]
        return (inbox is None or n >= inbox) and not pending and not busy
    return wait_db(tg, "SELECT (SELECT count(*) FROM inbox WHERE platform = ?1),"
                       " (SELECT count(*) FROM inbox WHERE processed_at IS NULL),"
                       " (SELECT count(*) FROM outbox WHERE platform = ?1"
                       "  AND status IN ('queued', 'sending'))", ok, platform,
                   timeout=timeout, what="settled (%s inbox rows, nothing pending)" % inbox)


def migrate(tg):
    """Creates tipgate's schema without starting the service."""
    p = subprocess.run([tglib.BINARY, "migrate", "--config", tg.config_path],
                       capture_output=True, timeout=60, env=tg.env)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)


def insert_outbox(tg, platform, rows):
    """rows: (chat_id, text, priority). Inserted queued and due now, in order."""
    now = int(time.time() * 1000)
    execute(tg, "INSERT INTO outbox (platform, chat_id, text, priority, next_attempt_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(platform, str(c), t, p, now, now) for c, t, p in rows])


# ---- the fake --------------------------------------------------------------------------

def sent_to(fake, chat):
    with fake.cond:
        return [s["text"] for s in fake.sent if s["chat_id"] == str(chat)]


def wait_until(pred, timeout=10, what="condition"):
    """Polls pred() every 50 ms until it is true; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("%s not met within %ss" % (what, timeout))
        time.sleep(0.05)


def wait_replies(fake, chat, n, timeout=10):
    """Waits until n messages were sent to chat; returns their texts."""
    fake.wait_until(lambda: len(sent_to(fake, chat)) >= n, timeout=timeout)
    return sent_to(fake, chat)


def wait_poll_held(fake, timeout=10):
    """Waits until the latest getUpdates is being held open by the fake (a long poll in
    progress with nothing to answer; on Telegram, one that confirmed every update pushed)."""
    def held():
        polls = [c for c in fake.calls if c["method"] == "getUpdates"]
        if not polls or polls[-1]["status"] is not None or polls[-1]["fault"]:
            return False
        nxt = getattr(fake, "next_update_id", None)
        return nxt is None or int(polls[-1]["params"].get("offset") or 0) >= nxt
    fake.wait_until(held, timeout=timeout)


def calls_to(fake, method, chat=None):
    """Calls of `method` (to `chat` if given) recorded so far."""
    with fake.cond:
        return [c for c in fake.calls if c["method"] == method and
                (chat is None or str(c["params"].get("chat_id")) == str(chat))]


def call_count_between(fake, method, t0, t1):
    with fake.cond:
        return sum(1 for c in fake.calls if c["method"] == method and t0 <= c["time"] <= t1)


# ---- HTTP ------------------------------------------------------------------------------

def post(url, body, headers=None, timeout=10):
    """(status, body bytes) of a POST; body is bytes, a str or a JSON-able object."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode("utf-8")
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(url, data=body, headers=h, method="POST")
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def api(fake, method, params=None):
    """Calls the fake's API directly, as another program holding the token would."""
    status, body = post(fake.url(method), params or {})
    return status, json.loads(body.decode())


# ---- the process -----------------------------------------------------------------------

def cpu_seconds(pid):
    """utime + stime of a process, in seconds (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = os.sysconf(os.sysconf_names["SC_CLK_TCK"])
    return (int(fields[11]) + int(fields[12])) / ticks


def messages_file(directory, **overrides):
    """Writes a complete messages file (the shipped texts with some replaced); returns its
    absolute path."""
    with open(os.path.join(tglib.REPO, "config", "messages.vi.json"), encoding="utf-8") as f:
        raw = json.load(f)
    raw.update(overrides)
    path = os.path.join(directory, "messages.test.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(raw, f, ensure_ascii=False, indent=1)
    return path


def log_lines(tg, *needles):
    """Log lines containing every needle."""
    return [l for l in tg.read_logs().splitlines() if all(n in l for n in needles)]
