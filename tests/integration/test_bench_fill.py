"""bench/fill.py against the schema of the binary under test: a later migration that renames or
constrains a column fill.py writes breaks the benchmark's filled databases, and this says so
before a 1M-row run does. Checks what the benchmarks rely on: N rows each of tips, inbox and
outbox, consistent foreign keys, every time but the documented due items in the past, the
search index and keys filled by the schema's triggers, the bench officer enrolled, and the
sidecar config (areas with their desk)."""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FILL = os.path.join(ROOT, "bench", "fill.py")
ROWS = 3000


def fill(out, *extra):
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
    p = subprocess.run([sys.executable, FILL, "--binary", tglib.BINARY, "--rows", str(ROWS),
                        "--out", out, "--check"] + list(extra),
                       capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    return p.stderr


def test_fill_makes_a_consistent_database_in_the_binarys_schema():
    with tempfile.TemporaryDirectory(prefix="tg-fill-test-") as d:
        check_filled(os.path.join(d, "f.db"))


def check_filled(db):
    before = int(time.time() * 1000)
    fill(db)
    con = sqlite3.connect(db)
    q = lambda sql, *a: con.execute(sql, a).fetchone()[0]  # noqa: E731
    for table in ("tips", "inbox", "outbox"):
        assert q("SELECT count(*) FROM %s" % table) == ROWS, table
    assert q("PRAGMA journal_mode") == "wal"
    side = json.load(open(db + ".json", encoding="utf-8"))
    now = side["fill"]["now_ms"]
    assert before <= now <= int(time.time() * 1000)
    # Nothing in the future but the one meeting announced for next week.
    for table, col in (("tips", "created_at"), ("tips", "closed_at"), ("inbox", "received_at"),
                       ("inbox", "processed_at"), ("outbox", "created_at"), ("outbox", "sent_at"),
                       ("audit_log", "at"), ("tip_messages", "created_at"),
                       ("callback_payloads", "created_at"), ("people", "updated_at")):
        assert q("SELECT count(*) FROM %s WHERE %s >= ?" % (table, col), now) == 0, (table, col)
    assert q("SELECT count(*) FROM meetings WHERE at >= ?", now) == 1
    # The due items, and only they: 3 unprocessed updates, 5 queued replies.
    assert q("SELECT count(*) FROM inbox WHERE processed_at IS NULL") == 3
    assert q("SELECT count(*) FROM outbox WHERE status = 'queued'") == 5
    # The triggers of the schema did the search index and the keys.
    assert q("SELECT count(*) FROM tips_fts WHERE tips_fts MATCH 'xe'") > ROWS // 10
    assert q("SELECT count(*) FROM tip_keys WHERE key LIKE 'phone:%'") > 0
    assert q("SELECT count(*) FROM tips WHERE folded LIKE '%đ%' OR folded != lower(folded)") == 0
    assert q("SELECT count(DISTINCT code) FROM tips") == ROWS
    assert q("SELECT count(*) FROM tips WHERE kind = 'tip' AND status NOT IN "
             "('resolved', 'rejected', 'duplicate', 'closed')") > 0
    # The officer who types /tim in the desk group, and the desk in the areas' config.
    officer = side["officer"]
    assert q("SELECT role FROM people WHERE platform = 'telegram' AND platform_user_id = ?",
             officer["user_id"]) == "police"
    desks = {a["desk"]["chat_id"] for a in side["config"]["areas"]}
    assert desks == {side["desk_chat"]}
    con.close()


def test_fill_with_no_due_items_leaves_nothing_pending():
    with tempfile.TemporaryDirectory(prefix="tg-fill-test-") as d:
        db = os.path.join(d, "f.db")
        fill(db, "--no-due", "--seed", "7")
        con = sqlite3.connect(db)
        q = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        assert q("SELECT count(*) FROM inbox WHERE processed_at IS NULL") == 0
        assert q("SELECT count(*) FROM outbox WHERE status = 'queued'") == 0
        con.close()


if __name__ == "__main__":
    tglib.main(globals())
