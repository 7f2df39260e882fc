"""The heavy requests — the desk's period report, KPIs and downloads, /api/v1/reports and
/api/v1/kpis — run on a thread of their own (bot/slowreq.h), so the HTTP thread keeps serving
everything else while one takes seconds.

Made deterministic with the database's lock instead of a large database: the test holds the
write lock (an open write transaction) while the commander's session is due for its last-seen
write, so the request's session check waits on the busy timeout (20 s here) until the test lets
go. (A lock on reads cannot be had: in WAL mode every open connection keeps the file shared, so
an EXCLUSIVE locking mode is refused.) While it holds the lock, a report is asked for: /healthz
must still answer — on the old code the HTTP thread sat in the request's busy wait.

The server's debug log says when a heavy request is queued and when it starts running; the
test waits for those lines rather than for time to pass.
"""
import hashlib
import http.client
import json
import os
import secrets
import socket
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402
import tglib  # noqa: E402

QUEUED = "a heavy request queued"
RUNS = "a heavy request runs"
DISCARDED = "closed before its answer: discarded"
DROPPED = "closed while it waited: dropped"
WAITING_MAX = 4  # SLOWREQ_WAITING_MAX
ENV = None


def env():
    """One tipgate for the file: tips in 2025, a commander's desk session made by SQL, a token."""
    global ENV
    if ENV is None:
        ENV = exportlib.Env({"storage": {"busy_timeout_ms": 20000}})
        ENV.fill(12, 2025)
        ENV.token_all = ENV.token("reports", "read:reports")
        ENV.secret = secrets.token_hex(32)
        now = int(time.time() * 1000)
        with ENV.tg.db() as con:
            con.execute("INSERT INTO desk_sessions (token_hash, person_id, csrf, created_at,"
                        " last_seen_at) VALUES (?, ?, ?, ?, ?)",
                        (hashlib.sha256(ENV.secret.encode()).hexdigest(), ENV.commander,
                         secrets.token_hex(16), now, now))
        con.close()
        ENV.tg.start()
    return ENV


def request(e, path, timeout=60, api=False):
    """(status, headers, body bytes) of a GET of the desk's API (with the commander's cookie) or
    of /api/v1 (with the token)."""
    headers = ({"Authorization": "Bearer " + e.token_all} if api else
               {"Cookie": "tipgate_desk=" + e.secret})
    con = http.client.HTTPConnection("127.0.0.1", e.tg.port, timeout=timeout)
    try:
        con.request("GET", path, headers=headers)
        r = con.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        con.close()


def healthz(e):
    """/healthz with a short timeout: answered (any status, a JSON document) or an error."""
    con = http.client.HTTPConnection("127.0.0.1", e.tg.port, timeout=5)
    try:
        con.request("GET", "/healthz")
        r = con.getresponse()
        return r.status, json.loads(r.read())
    finally:
        con.close()


class Background:
    """A request in a thread of its own; result() waits for it."""

    def __init__(self, e, path, api=False):
        self.out = None
        self.err = None
        self.t = threading.Thread(target=self._run, args=(e, path, api), daemon=True)
        self.t.start()

    def _run(self, e, path, api):
        try:
            self.out = request(e, path, api=api)
        except Exception as x:  # noqa: BLE001 - reported by result()
            self.err = x

    def result(self, timeout=60):
        self.t.join(timeout)
        assert not self.t.is_alive(), "no answer"
        assert self.err is None, self.err
        return self.out


class DbLock:
    """Holds the database's write lock (an open write transaction) after making the commander's
    session due for its last-seen write: the next desk request's session check waits on the
    busy timeout until the lock is let go, as a long read would keep it busy. Reads do not wait
    (WAL): /healthz and everything else the HTTP thread does still could answer."""

    def __init__(self, e):
        self.e = e

    def __enter__(self):
        con = sqlite3.connect(self.e.tg.db_path, timeout=10, isolation_level=None)
        stale = int(time.time() * 1000) - 10 * 60 * 1000  # > DESK_SEEN_EVERY_MS ago
        con.execute("UPDATE desk_sessions SET last_seen_at = ?", (stale,))
        con.execute("BEGIN IMMEDIATE")
        con.execute("UPDATE people SET updated_at = updated_at WHERE id = ?", (self.e.commander,))
        self.con = con
        other = sqlite3.connect(self.e.tg.db_path, timeout=0.1, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            raise AssertionError("the test does not hold the database's write lock")
        except sqlite3.OperationalError:
            pass
        finally:
            other.close()
        return self

    def __exit__(self, *exc):
        self.con.execute("ROLLBACK")
        self.con.close()
        return False


def log_count(e, needle):
    return e.tg.read_logs().count(needle)


def wait_log(e, needle, count, timeout=20):
    """Waits until the log holds needle count times."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if log_count(e, needle) >= count:
            return
        time.sleep(0.05)
    raise AssertionError("the log has %d of %r, not %d" % (log_count(e, needle), needle, count))


def test_a_report_waiting_on_the_database_holds_up_nothing_else():
    e = env()
    status, _ = healthz(e)
    assert status in (200, 503)
    queued, runs = log_count(e, QUEUED), log_count(e, RUNS)
    with DbLock(e):
        report = Background(e, "/api/desk/report?period=2025")
        wait_log(e, QUEUED, queued + 1)
        wait_log(e, RUNS, runs + 1)  # it is on its thread, waiting for the database
        status, doc = healthz(e)  # on the HTTP thread: answered at once
        assert status in (200, 503) and doc["version"], doc
        _, _, body = e.tg.get("/api/v1/openapi.json")  # a file, also from the HTTP thread
        assert json.loads(body)["openapi"].startswith("3.1")
        assert report.t.is_alive()  # the report itself still waits for the lock
    status, hdrs, body = report.result()
    assert status == 200, body
    doc = json.loads(body)
    assert doc["period"] and doc["sections"], doc
    assert hdrs["cache-control"] == "no-store"


def test_too_many_waiting_are_answered_busy_then_all_complete():
    e = env()
    queued, runs = log_count(e, QUEUED), log_count(e, RUNS)
    with DbLock(e):
        first = Background(e, "/api/desk/kpi")
        wait_log(e, RUNS, runs + 1)  # running: the next ones wait behind it
        waiting = []
        for i in range(WAITING_MAX):
            api = i % 2 == 1
            waiting.append(Background(e, "/api/v1/reports?period=2025" if api else
                                      "/api/desk/report.csv?period=2025", api=api))
            wait_log(e, QUEUED, queued + 2 + i)
        status, hdrs, body = request(e, "/api/desk/report?period=2025", timeout=10)
        assert status == 503 and hdrs["retry-after"] == "10", (status, hdrs, body)
        err = json.loads(body)["error"]
        assert err["code"] == "busy" and err["message"], err
        status, hdrs, body = request(e, "/api/v1/kpis", timeout=10, api=True)
        assert status == 503 and hdrs["retry-after"] == "10", (status, hdrs, body)
        assert json.loads(body)["error"]["code"] == "busy", body
        status, _ = healthz(e)
        assert status in (200, 503)
    status, _, body = first.result()
    assert status == 200 and json.loads(body)["months"], body
    for w in waiting:
        status, hdrs, body = w.result()
        assert status == 200, body
    csv = waiting[0].out
    assert csv[1]["content-type"].startswith("text/csv"), csv[1]
    assert "attachment" in csv[1]["content-disposition"], csv[1]
    assert json.loads(waiting[1].out[2])["period"], waiting[1].out


def raw_get(e, path):
    """A socket that sent a GET of the desk's path and will not read the answer."""
    s = socket.create_connection(("127.0.0.1", e.tg.port), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: tipgate_desk=%s\r\n\r\n" %
               (path, e.secret)).encode())
    return s


def test_a_client_gone_before_its_answer_is_discarded():
    e = env()
    queued, runs = log_count(e, QUEUED), log_count(e, RUNS)
    discarded, dropped = log_count(e, DISCARDED), log_count(e, DROPPED)
    with DbLock(e):
        running = raw_get(e, "/api/desk/report?period=2025")
        wait_log(e, RUNS, runs + 1)
        waiting = raw_get(e, "/api/desk/export?period=2025")
        wait_log(e, QUEUED, queued + 2)
        running.close()
        waiting.close()
        wait_log(e, DROPPED, dropped + 1)  # never run
        status, _ = healthz(e)
        assert status in (200, 503)
    wait_log(e, DISCARDED, discarded + 1)
    status, _, body = request(e, "/api/desk/report?period=2025")
    assert status == 200 and json.loads(body)["period"], body
    # the export queued behind it never ran: it would have been the next to run
    assert log_count(e, RUNS) == runs + 2, e.tg.read_logs()[-3000:]


def test_zz_clean_exit():
    """Stops cleanly with nothing running (the sanitizers find nothing)."""
    e = env()
    e.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
