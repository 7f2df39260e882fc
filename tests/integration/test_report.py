"""The ward's period report (`tipgate report`, issue 15 §1) against a database filled by this
script with known counts: tips of 2026-Q1 and of 2025-Q1 (the year-earlier column) in three
areas, one of them under 3 tips, with every way a tip ends (closed, resolved, rejected,
transferred, duplicate, still open past art. 147's limit, extended), the tipsters' follow-ups
and the outcome told, feedback, group leads, groups bound, scam warnings and items, campaigns
live and archived, subscribers, and agencies' deadlines on time, late and missing. Every figure
of the JSON is asserted, then the CSV (BOM, the same numbers) and the HTML (the same numbers in
its tables, "< 3" in the area breakdown), a report for one area, a year with no year-earlier
data, the refusals of a bad period, area and format, and the HTML printed to PDF in headless
Chromium (tests/browser/report_pdf.mjs) and read back with pdftotext.

    python3 tests/integration/test_report.py --binary build/asan/tipgate
"""
import csv
import datetime
import html.parser
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

VN = datetime.timezone(datetime.timedelta(hours=7))
HOUR, DAY = 3600 * 1000, 86400 * 1000
WARD = "Công an phường Minh Hưng"
AREAS = [{"code": "TDP5", "name": "Tổ dân phố 5", "population": 1000, "households": 400},
         {"code": "TDP6", "name": "Tổ dân phố 6", "population": 500},
         {"code": "TDP7", "name": "Tổ dân phố 7"}]
BROWSER_DIR = os.path.join(tglib.REPO, "tests", "browser")


def local_ms(y, m, d, hh=0, mm=0):
    return int(datetime.datetime(y, m, d, hh, mm, tzinfo=VN).timestamp() * 1000)


def day_number(y, m, d):
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


NOW = local_ms(2026, 7, 15, 10)
MSG = tglib.texts(WARD)

# ---- the database ----------------------------------------------------------------------------

# Tips of kind 'tip': (area, category, platform, urgent, created, acked after h, status, finished
# after days (closed_at for closed/duplicate, else a desk status change in audit_log), told the
# outcome, extensions, deadline after days (None: the 20 days of art. 147)).
Q1 = local_ms(2026, 2, 1, 9)
TIPS_2026 = [
    ("TDP5", "theft", "webchat", 1, Q1, 2, "closed", 5, True, 0, None),
    ("TDP5", "theft", "webchat", 0, Q1 + HOUR, 30, "closed", 10, True, 0, None),
    ("TDP5", "fraud", "telegram", 0, Q1 + 2 * HOUR, 1, "resolved", 15, True, 0, None),
    ("TDP5", "fraud", "telegram", 0, Q1 + 3 * HOUR, 1, "rejected", 3, False, 0, None),
    ("TDP5", "drugs", "zalo", 0, Q1 + 4 * HOUR, 5, "transferred", 2, True, 0, None),
    ("TDP5", "theft", "zalo", 0, Q1 + 5 * HOUR, None, "new", None, False, 0, None),
    ("TDP5", "theft", "webchat", 0, Q1 + 6 * HOUR, 10, "verifying", None, False, 1, 50),
    ("TDP6", "fraud", "webchat", 1, Q1 + 7 * HOUR, 3, "closed", 25, True, 0, None),
    ("TDP6", "fraud", "telegram", 0, Q1 + 8 * HOUR, 20, "closed", 4, False, 0, None),
    ("TDP6", None, "webchat", 0, Q1 + 9 * HOUR, None, "new", None, False, 0, None),
    ("TDP6", "theft", "webchat", 0, Q1 + 10 * HOUR, 2, "duplicate", 1, True, 0, None),
    ("TDP7", "theft", "webchat", 0, Q1 + 11 * HOUR, 1, "closed", 6, False, 2, 80),
    ("TDP7", "drugs", "telegram", 0, Q1 + 12 * HOUR, 48, "received", None, False, 0, None),
    (None, "fraud", "webchat", 0, local_ms(2026, 1, 1), 4, "closed", 2, True, 0, None),
]
P1 = local_ms(2025, 2, 3, 9)
TIPS_2025 = [
    ("TDP5", "theft", "webchat", 0, P1, 1, "closed", 3, True, 0, None),
    ("TDP5", "theft", "webchat", 0, P1 + HOUR, 2, "closed", 5, False, 0, None),
    ("TDP5", "fraud", "telegram", 0, P1 + 2 * HOUR, 30, "resolved", 4, False, 0, None),
    ("TDP5", "drugs", "zalo", 0, P1 + 3 * HOUR, None, "new", None, False, 0, None),
    ("TDP6", "theft", "webchat", 0, P1 + 4 * HOUR, 1, "closed", 30, False, 0, None),
    ("TDP6", "fraud", "webchat", 1, P1 + 5 * HOUR, 5, "closed", 1, True, 0, None),
]
# Just outside 2026-Q1 on either side: counted in no figure.
TIPS_OUTSIDE = [
    ("TDP5", "theft", "webchat", 0, local_ms(2026, 4, 1), 1, "closed", 1, True, 0, None),
    ("TDP5", "theft", "webchat", 0, local_ms(2026, 1, 1) - 60000, 1, "closed", 1, True, 0, None),
]


class Filler:
    def __init__(self, con):
        self.con = con
        self.n = 0

    def tip(self, kind, area, category, platform, urgent, created, status="new"):
        self.n += 1
        cur = self.con.execute(
            "INSERT INTO tips (code, kind, platform, chat_id, category, urgent, area, description,"
            " folded, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("T%07d" % self.n, kind, platform, "chat-%d" % self.n, category, urgent, area,
             "Nội dung tin %d" % self.n, "noi dung tin %d" % self.n, status, created, created))
        return cur.lastrowid

    def message(self, tip, direction, at):
        self.con.execute("INSERT INTO tip_messages (tip_id, direction, text, created_at)"
                         " VALUES (?, ?, ?, ?)", (tip, direction, "…", at))

    def tips(self, rows):
        ids = []
        for (area, cat, plat, urgent, created, ack_h, status, fin_d, told, ext, dl_d) in rows:
            tid = self.tip("tip", area, cat, plat, urgent, created, status)
            ids.append(tid)
            sets = {"updated_at": created + 1000}
            if ack_h is not None:
                sets["acknowledged_at"] = created + ack_h * HOUR
                self.message(tid, "status", created + ack_h * HOUR)  # the ack notice: not the outcome
            if ext:
                sets["extensions"] = ext
                sets["extended_days"] = ext * 10
            if dl_d is not None:
                sets["deadline_at"] = created + dl_d * DAY
            if fin_d is not None:
                fin = created + fin_d * DAY
                if status in ("closed", "duplicate"):
                    sets["closed_at"] = fin
                    sets["outcome"] = "Đã xử lý" if status == "closed" else None
                else:  # set at the desk: the audit log says when; an earlier change before it
                    self.con.execute("INSERT INTO audit_log (at, action, tip_id, detail) VALUES"
                                     " (?, 'status', ?, 'verifying')", (created + HOUR // 2, tid))
                    self.con.execute("INSERT INTO audit_log (at, action, tip_id, detail) VALUES"
                                     " (?, 'status', ?, ?)", (fin, tid, status))
                    sets["updated_at"] = fin + DAY  # a later change that is not the finish
                if told:
                    self.message(tid, "status", fin)
            cols = ", ".join("%s = ?" % k for k in sets)
            self.con.execute("UPDATE tips SET %s WHERE id = ?" % cols, list(sets.values()) + [tid])
        return ids


def fill(path):
    con = sqlite3.connect(path)
    f = Filler(con)
    now_ids = f.tips(TIPS_2026)
    f.tips(TIPS_2025)
    f.tips(TIPS_OUTSIDE)
    # follow-ups: two on the first tip (one answered), one answered on the eighth
    f.message(now_ids[0], "from_tipster", Q1 + 3 * HOUR)
    f.message(now_ids[0], "to_tipster", Q1 + 4 * HOUR)
    f.message(now_ids[0], "from_tipster", Q1 + 5 * HOUR)
    f.message(now_ids[7], "from_tipster", Q1 + 8 * HOUR)
    f.message(now_ids[7], "to_tipster", Q1 + 9 * HOUR)
    for area, at in (("TDP5", Q1), ("TDP5", Q1 + DAY), ("TDP6", Q1 + 2 * DAY)):
        f.tip("group_lead", area, "fraud", "telegram", 0, at)
    for at in (Q1, Q1 + DAY, P1):
        f.tip("feedback", None, None, "webchat", 0, at)
    # groups: g1 bound before both periods, g2 and g3 in 2026-Q1, g4 after it, g5 unbound
    groups = [("g1", "TDP5", local_ms(2024, 11, 1)), ("g2", "TDP5", local_ms(2026, 2, 10)),
              ("g3", "TDP6", local_ms(2026, 3, 5)), ("g4", "TDP7", local_ms(2026, 5, 1)),
              ("g5", None, None)]
    for chat, area, bound in groups:
        con.execute("INSERT INTO chats (platform, chat_id, kind, area, bound_at, created_at,"
                    " updated_at) VALUES ('telegram', ?, 'group', ?, ?, ?, ?)",
                    (chat, area, bound, local_ms(2024, 1, 1), local_ms(2024, 1, 1)))
    con.execute("INSERT INTO chats (platform, chat_id, kind, area, created_at, updated_at)"
                " VALUES ('telegram', 'p1', 'private', 'TDP5', 0, 0)")
    # scams: 2 items flagged in 2026-Q1 and 1 in 2025-Q1; 4 warnings (3 in g1, 1 in g3) and 1
    # a year earlier; a possible new scam told on two days (one item) and another once
    for i, at in enumerate((Q1, Q1 + DAY, P1)):
        con.execute("INSERT INTO scam_items (kind, value, reason, created_at) VALUES"
                    " ('phone', ?, 'lừa đảo', ?)", ("09000000%02d" % i, at))
    for chat, at, day in (("g1", Q1, "a"), ("g1", Q1 + DAY, "b"), ("g1", Q1 + 2 * DAY, "c"),
                          ("g3", Q1, "a"), ("g1", P1, "p")):
        con.execute("INSERT INTO scam_warnings (item_id, platform, chat_id, day, at) VALUES"
                    " (1, 'telegram', ?, ?, ?)", (chat, day, at))
    for kind, value, day, at in (("phone", "0901", "d1", Q1), ("phone", "0901", "d2", Q1 + DAY),
                                 ("link", "x.vn", "d1", Q1)):
        con.execute("INSERT INTO scam_suspects (kind, value, day, reported_at) VALUES"
                    " (?, ?, ?, ?)", (kind, value, day, at))
    # subscribers: r1-r4 (TDP5), r6 (TDP6) subscribed before the period's end; r5 stopped; r7
    # subscribed after it
    subs = [("r1", "TDP5", "subscribed", local_ms(2025, 12, 1)),
            ("r2", "TDP5", "subscribed", local_ms(2025, 12, 1)),
            ("r3", "TDP5", "subscribed", local_ms(2025, 12, 1)),
            ("r4", "TDP5", "subscribed", local_ms(2025, 12, 1)),
            ("r5", "TDP5", "stopped", local_ms(2025, 12, 1)),
            ("r6", "TDP6", "subscribed", local_ms(2026, 2, 1)),
            ("r7", "TDP6", "subscribed", local_ms(2026, 4, 10))]
    for chat, area, status, at in subs:
        con.execute("INSERT INTO subscriptions (platform, chat_id, status, area, created_at,"
                    " updated_at) VALUES ('telegram', ?, ?, ?, ?, ?)", (chat, status, area, at, at))
    # campaigns: A and B live in 2026-Q1 (r1, r2 reached by both), C archived in 2025-Q1
    def campaign(code, started, frozen_sent=None):
        cur = con.execute(
            "INSERT INTO campaigns (code, kind, title, text, audience, priority, status, created_at,"
            " updated_at, started_at, finished_at, totals_at, total_targeted, total_sent)"
            " VALUES (?, 'awareness', 'Phòng chống lừa đảo', '…', 'all', 2, 'done', ?, ?, ?, ?, ?,"
            " ?, ?)", (code, started, started, started, started + HOUR,
                       started + 100 * DAY if frozen_sent is not None else None,
                       frozen_sent + 1 if frozen_sent is not None else None, frozen_sent))
        return cur.lastrowid

    def recipient(cid, chat, audience, state, outbox_status):
        oid = None
        if outbox_status:
            oid = con.execute("INSERT INTO outbox (platform, chat_id, text, status, next_attempt_at,"
                              " created_at, ref_kind, ref_id) VALUES ('telegram', ?, '…', ?, 0, 0,"
                              " 'campaign', ?)", (chat, outbox_status, cid)).lastrowid
        con.execute("INSERT INTO campaign_recipients (campaign_id, platform, chat_id, audience,"
                    " state, outbox_id, updated_at) VALUES (?, 'telegram', ?, ?, ?, ?, 0)",
                    (cid, chat, audience, state, oid))

    a = campaign("A", local_ms(2026, 2, 15, 8))
    for chat, aud, state, ob in (("r1", "resident", "queued", "sent"),
                                 ("r2", "resident", "queued", "sent"),
                                 ("r3", "resident", "queued", "sent"),
                                 ("r4", "resident", "queued", "failed"),
                                 ("r5", "resident", "opted_out", None),
                                 ("g1", "group", "queued", "sent")):
        recipient(a, chat, aud, state, ob)
    b = campaign("B", local_ms(2026, 3, 10, 8))
    for chat, aud in (("r1", "resident"), ("r2", "resident"), ("r6", "resident"), ("g3", "group")):
        recipient(b, chat, aud, "queued", "sent")
    campaign("C", local_ms(2025, 2, 1, 8), frozen_sent=3)
    campaign("D", local_ms(2026, 4, 2, 8), frozen_sent=50)  # after the period
    # agencies: D1 (10/03/2026) CA on time, QS late; D2 (31/03/2026) CA missing, QS late;
    # D0 (10/03/2025) both on time
    for code, name in (("CA", "Công an phường"), ("QS", "Ban Chỉ huy Quân sự phường")):
        con.execute("INSERT INTO agencies (code, name, kind, source, created_day, created_at,"
                    " updated_at) VALUES (?, ?, 'other', 'cli', 0, 0, 0)", (code, name))
    dates = {}
    for code, due in (("D0", day_number(2025, 3, 10)), ("D1", day_number(2026, 3, 10)),
                      ("D2", day_number(2026, 3, 31))):
        dates[code] = con.execute(
            "INSERT INTO deadline_dates (code, base, plan, what, submit_to, due_day, rule_day,"
            " updated_at) VALUES (?, ?, 'KH', 'Báo cáo', 'Công an phường', ?, ?, 0)",
            (code, code, due, due)).lastrowid
    for date, agency, submitted, late in (("D0", "CA", 1, 0), ("D0", "QS", 1, 0),
                                          ("D1", "CA", 1, 0), ("D1", "QS", 1, 2),
                                          ("D2", "CA", None, None), ("D2", "QS", 1, 1)):
        con.execute("INSERT INTO deadline_tasks (date_id, agency, submitted_at, late_days,"
                    " created_at) VALUES (?, ?, ?, ?, 0)", (dates[date], agency, submitted, late))
    con.commit()
    con.close()


# ---- what the report must say ------------------------------------------------------------------

# (section, figure) → (value, year earlier, target)
EXPECTED = {
    "tips": {
        "received": (14, 6, None), "urgent": (2, 1, None),
        "acknowledged_pct": (85.7, 83.3, 100), "ack_24h_pct": (71.4, 66.7, None),
        "resolved": (10, 5, None), "resolved_pct": (71.4, 83.3, 90),
        "rejected": (1, 0, None), "transferred": (1, 0, None), "past_limit": (5, 2, None),
        "extended": (2, 0, None), "extensions": (3, 0, None),
        "median_ack_hours": (3.5, 2.0, None), "median_finish_days": (4.5, 4.0, None),
    },
    "residents": {
        "feedback": (2, 1, None), "follow_ups": (3, 0, None), "follow_ups_answered": (2, 0, None),
        "told": (7, 2, None), "told_pct": (70.0, 40.0, None),
    },
    "groups": {
        "groups_bound": (3, 1, None), "groups_new": (2, 0, None), "leads": (3, 0, None),
        "scam_warnings": (4, 1, None), "scam_suspects": (2, 0, None), "scam_flagged": (2, 1, None),
    },
    "awareness": {
        "campaigns": (2, 1, None), "deliveries": (8, 3, None), "residents_reached": (4, 3, None),
        "groups_reached": (2, 0, None), "subscribers": (5, 0, None),
        "reach_subscribers_pct": (80.0, None, None),
        "reach_residents_pct": (0.3, 0.2, 90), "reach_households_pct": (1.0, 0.8, 90),
    },
    "agencies": {
        "agencies_due": (4, 2, None), "on_time": (1, 2, None), "late": (2, 0, None),
        "missing": (1, 0, None), "pending": (0, 0, None), "on_time_pct": (25.0, 100.0, 100),
    },
}
# table → [(key, value, year earlier)]
TABLES = {
    "by_channel": [("webchat", 8, 4), ("telegram", 4, 1), ("zalo", 2, 1), ("group_lead", 3, 0)],
    "by_category": [("theft", 6, 3), ("fraud", 5, 2), ("drugs", 2, 1), ("", 1, 0)],
    "by_area": [("TDP5", 7, 4), ("TDP6", 4, "< 3"), ("TDP7", "< 3", 0), ("", "< 3", 0)],
    "groups_by_area": [("TDP5", 2, 1), ("TDP6", 1, 0), ("TDP7", 0, 0)],
    "by_agency": [("CA", 50.0, 100.0), ("QS", 0.0, 100.0)],
}


class Env:
    def __init__(self):
        self.dir = tglib.tmpdir("tg-report-")
        self.db = os.path.join(self.dir, "tipgate.db")
        self.config = os.path.join(self.dir, "tipgate.json")
        with open(self.config, "w") as f:
            json.dump({"log": {"level": "warn"}, "storage": {"path": self.db},
                       "data_dir": tglib.REPO, "platforms": {"webchat": {"enabled": False}},
                       "ward": {"police_name": WARD}, "areas": AREAS}, f, ensure_ascii=False)
        clock = os.path.join(self.dir, "clock-offset")
        with open(clock, "w") as f:  # the report is made on 15/07/2026
            f.write(str(NOW - int(time.time() * 1000)))
        self.env = dict(os.environ, TIPGATE_CLOCK_FILE=clock)
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
        self.run("migrate")
        fill(self.db)

    def run(self, *args, check=True):
        p = subprocess.run([tglib.BINARY] + list(args) + ["--config", self.config],
                           capture_output=True, timeout=60, env=self.env)
        if check:
            assert p.returncode == 0, (args, p.returncode, p.stdout[-2000:], p.stderr[-3000:])
        return p

    def report(self, fmt, *args):
        return self.run("report", "--format", fmt, *args).stdout.decode("utf-8")


ENV = None


def env():
    global ENV
    if ENV is None:
        ENV = Env()
    return ENV


def figures(doc):
    return {s["id"]: {f["id"]: f for f in s["figures"]} for s in doc["sections"]}


def tables(doc):
    return {t["id"]: t for s in doc["sections"] for t in s["tables"]}


def close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) < 0.051
    return a == b


# ---- the tests -----------------------------------------------------------------------------------

def test_json_has_every_figure_with_the_year_earlier_and_targets():
    doc = json.loads(env().report("json", "--period", "2026-Q1"))
    assert doc["ward"] == WARD and doc["title"] == MSG["preport_title"], doc["ward"]
    assert doc["period"] == {"code": "2026-Q1", "from": "2026-01-01", "to": "2026-03-31",
                             "label": "Quý I năm 2026"}, doc["period"]
    assert doc["previous"] == {"from": "2025-01-01", "to": "2025-03-31", "has_data": True}
    assert doc["area"] is None and doc["generated_at"].startswith("2026-07-15T10:")
    assert doc["generated_at"].endswith("+07:00"), doc["generated_at"]
    assert doc["targets"] == {"received_pct": 100, "resolved_pct": 90, "reach_pct": 90,
                              "agencies_on_time_pct": 100}
    assert [s["id"] for s in doc["sections"]] == ["tips", "residents", "groups", "awareness",
                                                  "agencies"]
    got = figures(doc)
    for sec, figs in EXPECTED.items():
        assert list(got[sec]) == list(figs), (sec, list(got[sec]))
        assert got[sec][list(figs)[0]]["label"] == MSG["preport_fig_" + list(figs)[0]]
        for fid, (value, previous, target) in figs.items():
            f = got[sec][fid]
            assert close(f["value"], value) and close(f["previous"], previous) and \
                f["target"] == target, (sec, fid, f, (value, previous, target))
    tabs = tables(doc)
    assert list(tabs) == list(TABLES), list(tabs)
    for tid, rows in TABLES.items():
        got_rows = [(r["key"], r["value"], r["previous"]) for r in tabs[tid]["rows"]]
        assert len(got_rows) == len(rows) and all(
            g[0] == e[0] and close(g[1], e[1]) and close(g[2], e[2])
            for g, e in zip(got_rows, rows)), (tid, got_rows)
    area = {r["key"]: r["label"] for r in tabs["by_area"]["rows"]}
    assert area == {"TDP5": "Tổ dân phố 5", "TDP6": "Tổ dân phố 6", "TDP7": "Tổ dân phố 7",
                    "": MSG["preport_area_none"]}, area
    assert tabs["by_area"]["columns"] == [MSG["preport_col_area"], MSG["preport_col_now"],
                                          MSG["preport_col_previous"]]
    assert {r["key"]: r["label"] for r in tabs["by_agency"]["rows"]}["QS"] == \
        "Ban Chỉ huy Quân sự phường"
    # no personal data: no chat, no code, no name of a tipster
    text = json.dumps(doc, ensure_ascii=False)
    for secret in ("chat-1", "T0000001", "r1", "Nội dung tin"):
        assert secret not in text, secret


def test_csv_has_a_bom_and_the_same_numbers():
    raw = env().run("report", "--period", "2026-Q1", "--format", "csv").stdout
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
    doc = json.loads(env().report("json", "--period", "2026-Q1"))
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    assert rows[0] == [MSG[n] for n in ("preport_col_section", "preport_col_figure",
                                        "preport_col_unit", "preport_col_now",
                                        "preport_col_previous", "preport_col_target")], rows[0]
    assert b"\r\n" in raw and all(len(r) == 6 for r in rows), rows[:3]
    by_label = {(r[0], r[1]): r[3:] for r in rows[1:]}
    n = 0

    def num(s):
        return None if s == "" else s if s == "< 3" else float(s)

    for sec in doc["sections"]:
        for f in sec["figures"]:
            v, p, t = by_label[(sec["title"], f["label"])]
            assert close(num(v), f["value"]) and close(num(p), f["previous"]) and \
                close(num(t), f["target"]), (f, v, p, t)
            n += 1
        for tab in sec["tables"]:
            for r in tab["rows"]:
                v, p, _ = by_label[(sec["title"], "%s: %s" % (tab["title"], r["label"]))]
                assert close(num(v), r["value"]) and close(num(p), r["previous"]), (r, v, p)
                n += 1
    assert n == len(rows) - 1 == sum(len(f) for f in EXPECTED.values()) + sum(
        len(t) for t in TABLES.values())
    assert by_label[(MSG["preport_sec_tips"], "%s: %s" % (MSG["preport_tab_by_area"],
                                                          "Tổ dân phố 7"))][0] == "< 3"


class Cells(html.parser.HTMLParser):
    """The text of each table row of the HTML, by the data-id of the row or of its table."""

    def __init__(self):
        super().__init__()
        self.rows, self.table, self.row, self.cell, self.text = [], None, None, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("data-id")
        elif tag == "tr":
            self.row = [a.get("data-id") or self.table]
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell.append(data)


def html_number(s):
    return None if s == MSG["preport_no_data"] else s if s == "< 3" else float(s.replace(",", "."))


def test_html_is_an_administrative_document_with_the_same_numbers():
    page = env().report("html", "--period", "2026-Q1")
    p = Cells()
    p.feed(page)
    text = " ".join("".join(p.text).split())
    for words in (WARD, MSG["preport_html_state"], MSG["preport_html_motto"], MSG["preport_title"],
                  "Quý I năm 2026", "ngày 15 tháng 07 năm 2026",
                  "1. " + MSG["preport_sec_tips"], "2. " + MSG["preport_sec_residents"],
                  "5. " + MSG["preport_sec_agencies"], "1.3. " + MSG["preport_tab_by_area"],
                  "từ ngày 01/01/2025 đến ngày 31/03/2025", MSG["preport_html_signer"],
                  MSG["preport_html_sign_hint"], MSG["preport_html_recipients"]):
        assert words in text, (words, text[:3000])
    assert "@page{size:A4" in page and "@media print" in page
    rows = {r[0]: r[1:] for r in p.rows if r[0] and len(r) == 6}
    for sec, figs in EXPECTED.items():
        for fid, (value, previous, target) in figs.items():
            label, unit, v, pr, t = rows[fid]
            assert label == MSG["preport_fig_" + fid], (fid, label)
            assert close(html_number(v), value) and close(html_number(pr), previous), (fid, v, pr)
            assert (t == "" and target is None) or close(html_number(t), target), (fid, t)
    area_rows = [r for r in p.rows if r[0] == "by_area" and len(r) == 4 and r[1] != MSG[
        "preport_col_area"]]
    assert [r[1:] for r in area_rows] == [["Tổ dân phố 5", "7", "4"], ["Tổ dân phố 6", "4", "< 3"],
                                          ["Tổ dân phố 7", "< 3", "0"],
                                          [MSG["preport_area_none"], "< 3", "0"]], area_rows
    assert "&lt; 3" in page


def test_one_area_and_a_year_with_nothing_a_year_earlier():
    doc = json.loads(env().report("json", "--period", "01/01/2026-31/03/2026", "--area", "tdp5"))
    assert doc["area"] == {"code": "TDP5", "name": "Tổ dân phố 5"}, doc["area"]
    assert doc["period"]["label"] == "Quý I năm 2026" and doc["period"]["code"] == \
        "01/01/2026-31/03/2026"
    got = figures(doc)
    want = {("tips", "received"): (7, 4), ("tips", "urgent"): (1, 0),
            ("tips", "resolved"): (5, 3), ("tips", "past_limit"): (2, 1),
            ("groups", "groups_bound"): (2, 1), ("groups", "leads"): (2, 0),
            ("groups", "scam_warnings"): (3, 1), ("awareness", "subscribers"): (4, 0),
            ("awareness", "residents_reached"): (3, 0), ("awareness", "deliveries"): (6, 0),
            ("awareness", "groups_reached"): (1, 0), ("awareness", "reach_residents_pct"): (0.3, 0.0),
            ("awareness", "reach_households_pct"): (0.8, 0.0)}
    for (sec, fid), (value, previous) in want.items():
        f = got[sec][fid]
        assert close(f["value"], value) and close(f["previous"], previous), (sec, fid, f)
    assert "scam_suspects" not in got["groups"] and "scam_flagged" not in got["groups"]
    assert [(r["key"], r["value"], r["previous"]) for r in tables(doc)["by_area"]["rows"]] == [
        ("TDP5", 7, 4)]
    doc = json.loads(env().report("json", "--period", "2025"))
    assert doc["period"]["label"] == "Năm 2025" and doc["previous"]["has_data"] is False
    for sec in doc["sections"]:
        assert all(f["previous"] is None for f in sec["figures"]), sec["id"]
        assert all(r["previous"] is None for t in sec["tables"] for r in t["rows"]), sec["id"]
    assert figures(doc)["tips"]["received"]["value"] == 6 + 1  # 2025-Q1's and 31/12/2025's
    page = env().report("html", "--period", "2025")
    assert "chưa có số liệu" in page
    assert json.loads(env().report("json", "--period", "2026-H1"))["period"]["label"] == \
        "6 tháng đầu năm 2026"
    assert json.loads(env().report("json", "--period", "2026-03"))["period"]["label"] == \
        "Tháng 3 năm 2026"


def test_bad_period_area_and_format_are_refused():
    for args, words in ((("--period", "2026-Q5"), "--period"), (("--period", "hôm qua"), "--period"),
                        (("--period", "2026", "--area", "TDP99"), "--area"),
                        (("--format", "pdf"), "--format")):
        p = env().run("report", *args, check=False)
        assert p.returncode == 2 and words in p.stderr.decode() and not p.stdout, (args, p)
    out = os.path.join(env().dir, "q1.csv")
    env().run("report", "--period", "2026-Q1", "--format", "csv", "--out", out)
    with open(out, "rb") as f:
        assert f.read(3) == b"\xef\xbb\xbf"


def test_html_printed_to_pdf_reads_back_in_vietnamese():
    for path in ("/usr/bin/chromium", os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        assert os.path.exists(path), "scripts/deps --test installs %s" % path
    assert shutil.which("node") and shutil.which("pdftotext"), "scripts/deps --test (poppler-utils)"
    html_path = os.path.join(env().dir, "report.html")
    pdf_path = os.path.join(env().dir, "report.pdf")
    env().run("report", "--period", "2026-Q1", "--out", html_path)
    p = subprocess.run(["node", os.path.join(BROWSER_DIR, "report_pdf.mjs"), html_path, pdf_path],
                       capture_output=True, timeout=90, cwd=BROWSER_DIR)
    assert p.returncode == 0, (p.stdout[-2000:], p.stderr[-3000:])
    seen = json.loads(p.stdout.decode().strip().splitlines()[-1])
    assert seen["a4"] and seen["fetched"] == [] and seen["page_errors"] == [], seen
    info = subprocess.run(["pdfinfo", pdf_path], capture_output=True, timeout=30).stdout.decode()
    assert "(A4)" in info, info
    text = subprocess.run(["pdftotext", pdf_path, "-"], capture_output=True,
                          timeout=30).stdout.decode("utf-8")
    flat = " ".join(text.split())
    # the heading's two columns and the tables' narrow cells may break lines: short phrases
    for words in ("CÔNG AN PHƯỜNG", "MINH HƯNG", MSG["preport_html_state"], MSG["preport_title"],
                  "Quý I năm 2026", "Tổng số tố giác, tin báo tiếp", MSG["preport_tab_by_area"],
                  "Tổ dân phố 7", MSG["preport_html_signer"], MSG["preport_html_sign_hint"],
                  "từ ngày 01/01/2025 đến ngày 31/03/2025"):
        assert words in flat, (words, flat[:3000])
    assert re.search(r"Tổ dân phố 7 <\s?3 0", flat), flat[:3000]
    assert "% 85,7 83,3" in flat and "% 71,4 83,3" in flat, flat[:3000]


if __name__ == "__main__":
    tglib.main(globals())
