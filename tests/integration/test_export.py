"""`tipgate export tips` (issue 15 §3): one row per tip filed in the period, CSV that Excel and
LibreOffice open as UTF-8 (byte order mark, every field quoted, CRLF) with the Vietnamese text
intact, or JSON Lines; never the tipster's identity (their id, chat, name, phone, words); the
contact phone a tipster chose to give only with --with-contacts for a commander's person id,
and that export written to the audit log. The database is filled by SQL; no server runs.

    python3 tests/integration/test_export.py --binary build/asan/tipgate [test_name ...]
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402
import tglib  # noqa: E402
from exportlib import CONTACT_PHONE, TIPSTER_NAME, TIPSTER_PHONE, TIPSTER_USER  # noqa: E402

COLUMNS = ["code", "created_at", "acknowledged_at", "classified_at", "closed_at", "area",
           "area_name", "category", "category_label", "urgent", "status", "status_label",
           "outcome", "deadline_at", "overdue", "extensions", "extended_days", "desk_actions"]
ENV = None


def env():
    """One database for the file: 30 tips in 2025 (10 contactable), 4 in 2024, feedback and
    group leads that are not tips."""
    global ENV
    if ENV is None:
        ENV = exportlib.Env()
        ENV.codes = ENV.fill(20, 2025) + ENV.fill(10, 2025, contact=True)
        ENV.old = ENV.fill(4, 2024)
        ENV.fill(3, 2025, kind="feedback")
        ENV.fill(3, 2025, kind="group_lead")
    return ENV


def assert_no_identity(data, contacts=False):
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    for secret in (TIPSTER_PHONE, TIPSTER_NAME, TIPSTER_USER, "telegram", "person_id",
                   "chat_id", "gặp", "Thêm:"):
        assert secret not in text, "%r leaked into the export" % secret
    assert (CONTACT_PHONE in text) == contacts


def test_csv_bytes_and_rows():
    e = env()
    out = os.path.join(e.tg.dir, "tips-2025.csv")
    p = e.run("export", "tips", "--period", "2025", "--format", "csv", "--out", out, check=True)
    assert b"30 tips" in p.stderr, p.stderr
    data = open(out, "rb").read()
    assert data.startswith(b"\xef\xbb\xbf"), data[:10]
    body = data[3:].decode("utf-8")
    lines = body.split("\r\n")
    assert lines[-1] == "" and all("\n" not in ln for ln in lines), "CRLF line ends"
    # every field quoted: each line is "…","…",…,"…"
    for ln in lines[:-1]:
        assert ln.startswith('"') and ln.endswith('"'), ln
        assert len(next(csv.reader([ln]))) == len(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert list(rows[0].keys()) == COLUMNS
    assert sorted(r["code"] for r in rows) == sorted(exportlib.shown(c) for c in e.codes)
    by = {r["code"]: r for r in rows}
    r = by[exportlib.shown(e.codes[0])]
    assert r["area"] == "TDP5" and r["area_name"] == "Tổ dân phố 5", r
    assert r["created_at"] == "2025-01-02 09:00", r
    assert r["status"] == "new" and r["urgent"] == "1" and r["category"] == "theft", r
    assert r["deadline_at"] == "2025-01-22 09:00", r
    assert "note" in r["desk_actions"] and "file" not in r["desk_actions"], r
    closed = by[exportlib.shown(e.codes[4])]  # resolved
    assert closed["outcome"] == "Đã xác minh, chuyển Công an huyện \"xử lý\"; tạm giữ 1 xe"
    assert closed["closed_at"] == "2025-01-25 09:04", closed
    assert by[exportlib.shown(e.codes[2])]["area"] == ""  # no area found
    assert_no_identity(data)


def test_jsonl_area_and_period():
    e = env()
    out = e.cli("export", "tips", "--period", "2025", "--format", "jsonl", "--area", "tdp5")
    rows = [json.loads(ln) for ln in out.decode("utf-8").splitlines()]
    # each fill cycles TDP5, THONDONG, none from its first tip
    want = [exportlib.shown(c) for i, c in enumerate(e.codes[:20] + e.codes[20:])
            if (i if i < 20 else i - 20) % 3 == 0]
    assert sorted(r["code"] for r in rows) == sorted(want)
    assert all(r["area"] == "TDP5" for r in rows)
    r = rows[-1]
    assert r["created_at"].endswith("+07:00") and "contact_phone" not in r, r
    assert [a["action"] for a in r["desk_actions"]] == ["note"], r
    assert_no_identity(out)
    q1 = e.cli("export", "tips", "--period", "2024-Q1", "--format", "jsonl")
    assert sorted(json.loads(ln)["code"] for ln in q1.decode().splitlines()) == \
        sorted(exportlib.shown(c) for c in e.old)  # one every 5 days from 2 January: Q1


def test_with_contacts_only_for_a_commander():
    e = env()
    for person in (str(e.officer), str(e.tipster), "999999", "x"):
        p = e.run("export", "tips", "--period", "2025", "--format", "csv", "--with-contacts",
                  "--person", person)
        assert p.returncode == 2 and p.stdout == b"", (person, p.returncode, p.stdout[:200])
        assert b"commander" in p.stderr, p.stderr
    p = e.run("export", "tips", "--period", "2025", "--with-contacts")
    assert p.returncode == 2
    with e.tg.db() as con:
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'export_contacts'"
                           ).fetchone()[0] == 0
    out = e.cli("export", "tips", "--period", "2025", "--format", "csv", "--with-contacts",
                "--person", str(e.commander))
    rows = list(csv.DictReader(io.StringIO(out[3:].decode("utf-8"), newline="")))
    assert list(rows[0].keys()) == COLUMNS + ["contact_phone"]
    phones = [r["contact_phone"] for r in rows]
    assert phones.count(CONTACT_PHONE) == 10 and phones.count("") == 20, phones
    assert_no_identity(out.replace(CONTACT_PHONE.encode(), b"@"), contacts=False)
    with e.tg.db() as con:
        audit = con.execute("SELECT actor, detail FROM audit_log WHERE action ="
                            " 'export_contacts'").fetchall()
    assert [tuple(a) for a in audit] == [(e.commander, "01/01/2025-31/12/2025 * csv")], audit


def test_bad_arguments():
    e = env()
    for args in (["--period", "2025-Q5"], ["--format", "xlsx"], ["--area", "NOWHERE"]):
        p = e.run("export", "tips", *args)
        assert p.returncode == 2 and p.stdout == b"", (args, p.stderr)
    p = e.run("export", "groups")
    assert p.returncode == 2 and b"usage" in p.stderr


def test_empty_period_is_a_header():
    e = env()
    out = e.cli("export", "tips", "--period", "2023", "--format", "csv")
    assert out.count(b"\r\n") == 1 and out.startswith(b"\xef\xbb\xbf\"code\",")
    assert e.cli("export", "tips", "--period", "2023", "--format", "jsonl") == b""


if __name__ == "__main__":
    tglib.main(globals())
