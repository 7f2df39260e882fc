"""Agencies and their deadlines, as an operator and the agencies meet them: `tipgate agency
add|list` (with repeatable --chat) and `enrol --role agency`, refusals with exit 2, the shipped
Chơn Thành calendar driving reminders on a moving clock (offsets at 08:00 local, one message
to every chat of every responsible agency), a restart and a long downtime caught up with one
message, /danop on time and late from a group chat, /hannop, the steering committee's
escalation listing who is late, and `tipgate deadlines list|report` (table and CSV)."""
import csv
import datetime
import io
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T  # noqa: E402

VN = datetime.timezone(datetime.timedelta(hours=7))
CA_CHAT, CA_CHAT2, QS_CHAT, STEERING = "-2001", "-2011", "-2002", "-2999"
CA_MEMBER, QS_MEMBER = 3001, 3002

AGENCIES = [
    {"code": "CA", "name": "Công an phường", "kind": "police",
     "chats": [{"platform": "telegram", "chat_id": CA_CHAT},
               {"platform": "telegram", "chat_id": CA_CHAT2}]},
    {"code": "QS", "name": "Ban Chỉ huy Quân sự phường", "kind": "military",
     "chats": [{"platform": "telegram", "chat_id": QS_CHAT}]},
]


def local_ms(y, m, d, hh=0, mm=0, ss=0):
    return int(datetime.datetime(y, m, d, hh, mm, ss, tzinfo=VN).timestamp() * 1000)


def offset_to(ms):
    """The clock offset that makes the service's now equal ms."""
    return ms - int(time.time() * 1000)


def env(extra=None):
    cfg = {"agencies": AGENCIES,
           "calendar": {"files": ["calendars/chonthanh.json"]},
           "deadlines": {"steering": {"platform": "telegram", "chat_id": STEERING}},
           "campaigns": {"enabled": False}}
    tglib.deep_merge(cfg, extra or {})
    return tipstest.Env(extra=cfg)


def cli(e, *args, check=True):
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", e.tg.config_path],
                       capture_output=True, timeout=60, env=e.tg.env)
    out, err = p.stdout.decode(), p.stderr.decode()
    if check:
        assert p.returncode == 0, (args, p.returncode, out, err)
    return p.returncode, out, err


def enrol_member(e, user, agency, chat):
    _, out, _ = cli(e, "enrol", "--role", "agency", "--agency", agency)
    code = out.rstrip("\n").splitlines()[-1].strip()
    since = e.say(chat, "/dangky " + code, from_id=user, first_name="Văn thư")
    e.wait_text(chat, lambda t: t.startswith(T("enrol_done", role="X", area="Y")[:12]), since,
                what="enrol_done")


def at_clock(e, ms):
    e.set_clock(offset_to(ms))


# ---- the CLI -------------------------------------------------------------------------------

def test_agency_add_list_repeatable_chat_and_enrol_checks():
    with env() as e:
        at_clock(e, local_ms(2027, 3, 1, 9))
        tipstest.apitest.migrate(e.tg)
        rc, out, err = cli(e, "agency", "add", "--code", "THCS1", "--name", "Trường THCS số 1",
                           "--kind", "school", "--chat", "telegram:-3001", "--chat",
                           "zalo:8f0c2a", "--chat=webchat:w-123")
        assert "THCS1 — Trường THCS số 1: 3 kênh" in out, out
        rc, out, err = cli(e, "agency", "list")
        lines = out.splitlines()
        assert lines[0].split()[:2] == ["Mã", "Tên"], out
        row = [l for l in lines if l.startswith("THCS1")][0]
        assert "school" in row and "cli" in row, row
        assert "telegram:-3001 webchat:w-123 zalo:8f0c2a" in row, row
        assert [l.split()[0] for l in lines[1:]] == ["CA", "QS", "THCS1"], out
        assert "telegram:-2001 telegram:-2011" in [l for l in lines if l.startswith("CA")][0]
        # adding chats to a configured agency keeps it configured
        cli(e, "agency", "add", "--code", "QS", "--name", "Ban CHQS", "--chat", "zalo:qs1")
        row = [l for l in cli(e, "agency", "list")[1].splitlines() if l.startswith("QS")][0]
        assert "config" in row and "zalo:qs1" in row, row
        for bad in (["agency", "add", "--name", "X", "--chat", "telegram:1"],
                    ["agency", "add", "--code", "bad code", "--name", "X", "--chat",
                     "telegram:1"],
                    ["agency", "add", "--code", "X", "--name", "X"],
                    ["agency", "add", "--code", "X", "--name", "X", "--chat", "sms:1"],
                    ["agency", "add", "--code", "X", "--name", "X", "--chat", "telegram"],
                    ["agency", "frob"], ["agency"],
                    ["enrol", "--role", "agency", "--agency", "NOPE"]):
            rc, out, err = cli(e, *bad, check=False)
            assert rc == 2, (bad, rc, out, err)
            assert "tipgate" in err, err
        rc, out, err = cli(e, "enrol", "--role", "agency", "--agency", "THCS1")
        assert rc == 0 and len(out.splitlines()[-1].strip()) == 11, out


def test_deadlines_list_shows_dates_weekdays_and_holiday_notes():
    with env({"calendar": {"files": ["calendars/chonthanh.json", "calendars/chiemhoa.json",
                                     "calendars/minhxuan.json"]}}) as e:
        rc, out, err = cli(e, "deadlines", "list", "--period", "2026")
        rows = {l.split()[0]: l for l in out.splitlines()[1:]}
        assert list(rows) == ["KH2026", "BCQ1-2026", "KHCH2026", "BC6T-2026", "BCQ3-2026",
                              "BCKQ-2026", "BCPH-2026", "BCNAM-2026"], out
        assert "Chủ nhật, 15/02/2026" in rows["KH2026"] and "cuối tuần" in rows["KH2026"]
        assert "Thứ Sáu, 01/05/2026" in rows["KHCH2026"]
        assert "ngày nghỉ: Ngày Quốc tế Lao động" in rows["KHCH2026"]
        assert "Thứ Ba, 10/03/2026" in rows["BCQ1-2026"] and "Thứ Năm, 10/09/2026" in \
            rows["BCQ3-2026"]
        assert "10/06/2026" in rows["BC6T-2026"] and "10/12/2026" in rows["BCNAM-2026"]
        assert "15/09/2026" in rows["BCKQ-2026"] and "30/10/2026" in rows["BCPH-2026"]
        assert rows["BCPH-2026"].split()[4] == "CA", rows["BCPH-2026"]
        rc, out, err = cli(e, "deadlines", "list", "--period", "2027-Q1")
        assert [l.split()[0] for l in out.splitlines()[1:]] == ["BCQ1-2027"], out
        rc, out, err = cli(e, "deadlines", "report", "--period", "someday", check=False)
        assert rc == 2 and "--period" in err, err


# ---- reminders on a moving clock -----------------------------------------------------------

def reminder(e, chat, since, pred, what):
    return e.wait_text(chat, pred, since, timeout=15, what=what)


def test_reminders_offsets_restart_downtime_done_escalation_and_report():
    with env() as e:
        at_clock(e, local_ms(2027, 3, 1, 9))
        e.start()
        e.settled()
        # 7 days before BCQ1-2027 (10/03), 08:00 local: every chat of every agency
        marks = {c: e.mark(c) for c in (CA_CHAT, CA_CHAT2, QS_CHAT)}
        at_clock(e, local_ms(2027, 3, 3, 7, 59, 50))
        time.sleep(1.5)
        assert all(e.mark(c) == marks[c] for c in marks), "reminded before 08:00"
        at_clock(e, local_ms(2027, 3, 3, 8, 0, 1))
        for c in (CA_CHAT, CA_CHAT2, QS_CHAT):
            m = reminder(e, c, marks[c], lambda t: "BCQ1-2027" in t, "7-day reminder")
            assert "Thứ Tư, 10/03/2027 (còn 7 ngày)" in m, m
            assert "UBND phường (qua Công an phường)" in m, m
        assert m.startswith("⏰ Nhắc hạn nộp BCQ1-2027 — Ban Chỉ huy Quân sự phường"), m
        since = e.mark(CA_CHAT)
        at_clock(e, local_ms(2027, 3, 7, 8, 0, 1))
        reminder(e, CA_CHAT, since, lambda t: "(còn 3 ngày)" in t, "3-day reminder")

        # down from 07/03 to 12/03 10:00: one message, overdue 2 days, per chat
        e.stop()
        marks = {c: e.mark(c) for c in (CA_CHAT, QS_CHAT)}
        at_clock(e, local_ms(2027, 3, 12, 10))
        e.start()
        for c in marks:
            reminder(e, c, marks[c], lambda t: "QUÁ HẠN 2 ngày" in t, "overdue after downtime")
        time.sleep(2.5)
        e.settled()
        for c in marks:
            new = e.texts_to(c)[marks[c]:]
            assert len(new) == 1, new
        # /danop from the CA group by its enrolled member: late by 2 days; /hannop lists codes
        enrol_member(e, CA_MEMBER, "CA", CA_CHAT)
        [m] = e.ask(CA_CHAT, "/danop bcq1-2027", from_id=CA_MEMBER)
        assert m == T("deadline_done_late", agency="Công an phường",
                      what="Báo cáo kết quả thực hiện quý I, quý III", code="BCQ1-2027",
                      days="2", due="Thứ Tư, 10/03/2027"), m
        [m] = e.ask(CA_CHAT, "/hannop", from_id=CA_MEMBER)
        assert m.startswith(T("deadline_list_head", agency="Công an phường", agency_code="CA")), m
        assert "• BC6T-2027 — " in m and "BCQ1-2027" not in m, m
        [m] = e.ask(CA_CHAT, "/danop BCQ1-2027", from_id=4444)
        assert m == T("deadline_only_agency"), m

        # 13/03 08:00: QS overdue 3 days, CA nothing, the steering committee told who is late
        marks = {c: e.mark(c) for c in (CA_CHAT, QS_CHAT, STEERING)}
        at_clock(e, local_ms(2027, 3, 13, 8, 0, 1))
        reminder(e, QS_CHAT, marks[QS_CHAT], lambda t: "QUÁ HẠN 3 ngày" in t, "day 3")
        esc = reminder(e, STEERING, marks[STEERING], lambda t: "BCQ1-2027" in t, "escalation")
        assert esc.startswith("‼️ Quá hạn 3 ngày: Báo cáo kết quả thực hiện quý I, quý III "
                              "(BCQ1-2027)"), esc
        assert "• QS — Ban Chỉ huy Quân sự phường" in esc and "Công an phường\n" not in esc
        time.sleep(2)
        e.settled()
        assert e.texts_to(CA_CHAT)[marks[CA_CHAT]:] == [], e.texts_to(CA_CHAT)[marks[CA_CHAT]:]
        since = e.mark(QS_CHAT)
        at_clock(e, local_ms(2027, 3, 14, 8, 0, 1))
        reminder(e, QS_CHAT, since, lambda t: "QUÁ HẠN 4 ngày" in t, "day 4")
        time.sleep(1.5)
        assert len(e.texts_to(STEERING)) == marks[STEERING] + 1, "escalated twice"

        # the record, for the emulation review
        rc, out, err = cli(e, "deadlines", "report", "--period", "2027-Q1", "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [(r["agency"], r["on_time"], r["late"], r["missing"], r["pending"])
                for r in rows] == [("CA", "0", "1", "0", "0"), ("QS", "0", "0", "1", "0")], out
        rc, out, err = cli(e, "deadlines", "report", "--period", "2027")
        assert out.splitlines()[0].split()[:3] == ["Mã", "Cơ", "quan,"], out
        ca = [l for l in out.splitlines() if l.startswith("CA")][0]
        # on time, late, missing, pending, on-time %; then how its reminders went: every one
        # delivered, none kept back by a messaging window, none failed
        assert ca.split()[-8:-3] == ["0", "1", "0", "3", "0.0"], ca
        assert int(ca.split()[-3]) > 0 and ca.split()[-2:] == ["0", "0"], ca
        e.stop()


def test_danop_on_time_stops_that_agency_only():
    with env() as e:
        at_clock(e, local_ms(2027, 6, 1, 9))
        e.start()
        enrol_member(e, QS_MEMBER, "QS", QS_CHAT)
        at_clock(e, local_ms(2027, 6, 3, 8, 0, 1))   # BC6T-2027 due 10/06: 7 days before
        reminder(e, QS_CHAT, 0, lambda t: "BC6T-2027" in t and "còn 7 ngày" in t, "7 days")
        [m] = e.ask(QS_CHAT, "/done BC6T", from_id=QS_MEMBER)
        assert m == T("deadline_done_on_time", agency="Ban Chỉ huy Quân sự phường",
                      what="Báo cáo kết quả thực hiện 06 tháng", code="BC6T-2027"), m
        marks = {c: e.mark(c) for c in (CA_CHAT, QS_CHAT)}
        at_clock(e, local_ms(2027, 6, 7, 8, 0, 1))
        reminder(e, CA_CHAT, marks[CA_CHAT], lambda t: "(còn 3 ngày)" in t, "CA still reminded")
        time.sleep(1.5)
        e.settled()
        assert e.texts_to(QS_CHAT)[marks[QS_CHAT]:] == [], e.texts_to(QS_CHAT)
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
