"""A commander's period report, KPIs and export on the police web desk in a real browser
(Debian's headless Chromium driven by playwright-core), against the real binary: tips written
into the database with known counts (Q1 of last year, the same quarter a year before it, and
this month and the last one for the KPI trend); a commander and an officer of Tổ dân phố 5
take their sign-in links from /dangnhap. The commander picks the quarter and sees the known
figures in the right sections with the year-earlier column and the "< 3" rule of the area
table; prints it (nav and controls hidden); downloads the CSV (UTF-8 BOM, the known figure),
the HTML and the JSON; exports the quarter's tips as CSV (one row per tip, no tipster
identity); opens the KPI page and sees each target met or not and an inline SVG chart with one
bar per month. The officer's desk shows no such entries and every such route answers 403. Over
HTTP: the downloads' headers (attachment, private no-store), the export with contact numbers
audited, a bad period refused with its code. Screenshots in browser-shots/ next to the binary
(desk-report-NN-*.png).

    python3 tests/integration/test_browser_desk_report.py --binary build/asan/tipgate [name ...]
"""
import csv
import datetime
import io
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import desklib  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T  # noqa: E402

BROWSER_DIR = os.path.join(tglib.REPO, "tests", "browser")
COMMANDER, OFFICER = 620001, 620002
VN = datetime.timezone(datetime.timedelta(hours=7))
HOUR = 3600 * 1000
CONTACT = "0909123456"


def shot_prefix():
    """<dir of the binary>/browser-shots/desk-report-NN-*.png, the previous run's removed."""
    d = os.path.join(os.path.dirname(os.path.abspath(tglib.BINARY)), "browser-shots")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("desk-report-"):
            os.remove(os.path.join(d, f))
    return os.path.join(d, "desk-report")


def ms(y, m, d, hour=10):
    return int(datetime.datetime(y, m, d, hour, tzinfo=VN).timestamp() * 1000)


class Fill:
    """Tips written straight into the database, each with a code of its own."""

    def __init__(self, e):
        self.e = e
        self.n = 0
        self.rows = []

    def tip(self, at, area, category, status="new", urgent=0, platform="telegram", ack_h=None,
            closed_h=None, contact=None):
        self.n += 1
        code = "RP%s" % "".join(tipstest.ALPHABET[(self.n // 31 ** i) % 31] for i in range(6))
        closed = at + closed_h * HOUR if closed_h is not None else None
        self.rows.append((code, platform, "chat-%d" % self.n, 0 if contact else 1, contact,
                          category, urgent, area, "Tin báo thử số %d" % self.n,
                          "tin bao thu so %d" % self.n, status, at, closed or at,
                          at + ack_h * HOUR if ack_h is not None else None, closed,
                          at + 15 * 24 * HOUR))
        return code

    def write(self):
        apitest.execute(self.e.tg, "INSERT INTO tips (code, platform, chat_id, anonymous, "
                        "contact_phone, category, urgent, area, description, folded, status, "
                        "created_at, updated_at, acknowledged_at, closed_at, deadline_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.rows)


def fill(e, year):
    """Known tips: Q1 of year (TDP5: 5, one urgent, 3 resolved; THONDONG: 2 — a small cell),
    Q1 of year - 1 (TDP5: 3, all resolved), and this month and the last one for the KPIs."""
    f = Fill(e)
    q1 = [f.tip(ms(year, 1, 10), "TDP5", "theft", "resolved", ack_h=1, closed_h=48,
                contact=CONTACT),
          f.tip(ms(year, 2, 3), "TDP5", "theft", "resolved", urgent=1, ack_h=1, closed_h=24),
          f.tip(ms(year, 2, 20), "TDP5", "fraud", "resolved", platform="webchat", ack_h=2,
                closed_h=72),
          f.tip(ms(year, 3, 5), "TDP5", "fraud", "received", ack_h=3),
          f.tip(ms(year, 3, 28), "TDP5", "theft"),
          f.tip(ms(year, 1, 15), "THONDONG", "theft", "resolved", ack_h=1, closed_h=24),
          f.tip(ms(year, 3, 15), "THONDONG", "drugs", "received", ack_h=30)]
    for m in (1, 2, 3):
        f.tip(ms(year - 1, m, 12), "TDP5", "theft", "resolved", ack_h=1, closed_h=24)
    now = datetime.datetime.now(VN)
    this_month = ms(now.year, now.month, 1, 8) if now.day > 1 or now.hour >= 9 else None
    last = (now.replace(day=1) - datetime.timedelta(days=1))
    f.tip(ms(last.year, last.month, 10), "TDP5", "theft", "resolved", ack_h=1, closed_h=24)
    f.tip(ms(last.year, last.month, 11), "TDP5", "theft", "resolved", ack_h=1, closed_h=24)
    if this_month:
        f.tip(this_month, "TDP5", "fraud", "received", ack_h=1)
    f.write()
    return q1


def run_report(e, links, period):
    missing = [p for p in ("/usr/bin/chromium", os.path.join(
        BROWSER_DIR, "node_modules", "playwright-core")) if not os.path.exists(p)]
    assert not missing and shutil.which("node"), (
        "browser tests need chromium, node and playwright-core (scripts/deps installs them): "
        "missing %r" % missing)
    env = dict(os.environ, TIPGATE_LINK_COMMANDER=links["commander"],
               TIPGATE_LINK_OFFICER=links["officer"], TIPGATE_PERIOD=period)
    p = subprocess.run(["node", os.path.join(BROWSER_DIR, "desk_report.mjs"),
                        e.tg.url("").rstrip("/"), shot_prefix()],
                       capture_output=True, timeout=120, env=env, cwd=BROWSER_DIR)
    assert p.returncode == 0, (p.returncode, p.stderr.decode(errors="replace")[-3000:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def test_desk_report_kpi_and_export_for_a_commander_and_nothing_for_an_officer():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, COMMANDER, "commander", None, name="Thiếu tá Hùng")
        desklib.enrol(e, OFFICER, "police", "TDP5", name="Trung úy Minh")
        year = datetime.datetime.now(VN).year - 1
        period = "%d-Q1" % year
        q1 = fill(e, year)
        links = {"commander": desklib.link_from_chat(e, COMMANDER)[0],
                 "officer": desklib.link_from_chat(e, OFFICER)[0]}
        seen = run_report(e, links, period)
        assert seen["page_errors"] == [], seen["page_errors"]
        for page, text in seen["texts"].items():   # nothing the pages failed to fill in
            assert "null" not in text and "undefined" not in text and "NaN" not in text, (
                page, text)

        # The commander's nav; the picker offers the plans' periods.
        assert seen["nav_commander"][-2:] == ["report", "kpi"], seen["nav_commander"]
        for p in (period, "%d-Q3" % year, "%d-H1" % year, str(year), "range"):
            assert p in seen["periods"], seen["periods"]

        # The report: the quarter, the year-earlier column, the known figures.
        rep = seen["report"]
        assert rep["title"].startswith("BÁO CÁO KẾT QUẢ"), rep
        assert "Quý I năm %d" % year in rep["period"], rep
        assert "01/01/%d" % year in rep["period"] and "31/03/%d" % year in rep["period"], rep
        assert "01/01/%d" % (year - 1) in rep["previous"], rep
        assert list(rep["sections"]) == ["tips", "residents", "groups", "awareness",
                                         "agencies"], list(rep["sections"])
        tips = rep["sections"]["tips"]
        assert tips["title"] == "1. " + T("preport_sec_tips"), tips["title"]
        figures = tips["figures"]
        assert figures["received"][:2] == ["7", "3"], figures
        assert figures["urgent"][:2] == ["1", "0"], figures
        assert figures["resolved"][:2] == ["4", "3"], figures
        # the plan's target beside the share, marked: 4 of 7 is under 90 %
        assert figures["resolved_pct"] == ["57,1 %", "100 %", "≥ 90 % ✗ Chưa đạt"], figures
        by_channel = {r[0]: r[1:] for r in tips["tables"]["by_channel"]}
        assert by_channel["Telegram"] == ["6", "3"], by_channel
        assert by_channel[T("preport_channel_webchat")] == ["1", "0"], by_channel
        by_area = {r[0]: r[1:] for r in tips["tables"]["by_area"]}
        assert by_area["Tổ dân phố 5"] == ["5", "3"], by_area
        assert by_area["Thôn Đông"] == ["< 3", "0"], by_area

        # Printed: the document alone.
        assert seen["print"] == {"nav": False, "form": False, "tools": False, "export": False,
                                 "doc": True, "sign": True}, seen["print"]

        # The CSV: a BOM, the known figure; the HTML and the JSON downloads.
        rcsv = seen["csv"]
        assert rcsv["bom"] and rcsv["name"] == "bao-cao-%s.csv" % period, rcsv["name"]
        by_label = {r[1]: r[3:5] for r in csv_rows(rcsv["text"])[1:]}
        assert by_label[T("preport_fig_received")] == ["7", "3"], rcsv["text"]
        assert by_label[T("preport_tab_by_area") + ": Thôn Đông"][0] == "< 3", rcsv["text"]
        assert seen["html"]["name"] == "bao-cao-%s.html" % period and seen["html"]["text"] > 500
        assert seen["json"] == {"name": "bao-cao-%s.json" % period, "period": period}

        # The export: the quarter's tips, one row each, never the tipster's identity.
        exp = seen["export"]
        assert exp["bom"] and exp["name"] == "tin-bao-%s.csv" % period, exp["name"]
        rows = csv_rows(exp["text"])
        assert sorted(r[0].replace("-", "") for r in rows[1:]) == sorted(q1), rows
        assert CONTACT not in exp["text"] and "chat-1" not in exp["text"], exp["text"]
        assert seen["export_contacts_offered"] is True
        assert exp["note"] == "Đã tải về tệp %s." % exp["name"], exp

        # KPIs: each target met or not, one bar per month of the chart.
        kpi = seen["kpi"]
        assert kpi["months"] == 12 and len(kpi["bars"]) == 12 and kpi["bars_360"] == 12, kpi
        assert kpi["resolved_bars"] == 12 and kpi["svg_inline"] == 2, kpi
        ids = {t["id"]: t for t in kpi["targets"]}
        for t in kpi["targets"]:
            assert t["met"] in ("met", "unmet", "none"), t
            assert t["mark"] == {"met": "✓ Đạt", "unmet": "✗ Chưa đạt",
                                 "none": "— Chưa có số liệu"}[t["met"]], t
        assert "received" in ids and "resolved" in ids, ids
        now = datetime.datetime.now(VN)
        last = now.replace(day=1) - datetime.timedelta(days=1)
        bars = dict(kpi["bars"])
        assert bars["%04d-%02d" % (last.year, last.month)] == 2, bars
        assert "Tổ dân phố 5" in [r[0] for r in kpi["by_area"]], kpi["by_area"]

        # The officer: no such pages, and the server refuses them.
        assert "report" not in seen["nav_officer"] and "kpi" not in seen["nav_officer"], seen
        assert seen["officer_address"].endswith("#/"), seen["officer_address"]
        assert set(seen["officer_status"].values()) == {403}, seen["officer_status"]

        # Over HTTP: the downloads' headers, contacts audited, a bad period refused.
        desk = desklib.sign_in(e, COMMANDER)
        status, hdrs, body = desk.raw("GET", "/api/desk/report.csv?period=" + period)
        assert status == 200 and body.startswith(b"\xef\xbb\xbf"), (status, body[:100])
        assert hdrs["content-disposition"] == [
            'attachment; filename="bao-cao-%s.csv"' % period], hdrs
        assert hdrs["cache-control"] == ["private, no-store"], hdrs
        assert hdrs["content-type"][0].startswith("text/csv"), hdrs
        status, hdrs, body = desk.raw(
            "GET", "/api/desk/export?format=jsonl&contacts=1&area=TDP5&period=" + period)
        assert status == 200, (status, body[:300])
        lines = [json.loads(x) for x in body.decode().splitlines() if x.strip()]
        assert len(lines) == 5 and CONTACT in body.decode(), body.decode()
        assert hdrs["content-disposition"] == [
            'attachment; filename="tin-bao-%s-TDP5.jsonl"' % period], hdrs
        who = desklib.person_id(e, COMMANDER)
        assert e.q1("SELECT COUNT(*) FROM audit_log WHERE actor = ? AND action LIKE '%export%'",
                    who) == 1, e.q("SELECT action, detail FROM audit_log WHERE actor = ?", who)
        status, body = desk.get("/api/desk/report.csv?period=2026-Q9")
        assert status == 400 and body["error"]["code"] == "bad_period", (status, body)
        status, body = desk.get("/api/desk/export?period=%s&area=NOWHERE" % period)
        assert status == 400 and body["error"]["code"] == "bad_area", (status, body)

        assert len(seen["shots"]) >= 7 and all(os.path.getsize(s) > 0 for s in seen["shots"])
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
