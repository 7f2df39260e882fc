"""The police desk: enrolment with one-time codes, desk commands refused to anyone else, the
handling commands (/nhan /giao /traloi /xuly /dong /mo /trungvoi) with their notices and audit
entries, the anonymous relay between desk and tipster, the lists (/tinmoi /quahan /tim), and
the legal deadlines on a moving clock: reminders and escalations sent once each, extensions
(art. 147), and a long downtime. Officers write from the desk group chats of a FakeTelegram.

    python3 tests/integration/test_desk.py --binary build/tipstest/tipgate [test_name ...]
"""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import (DAY, DESK_CHATS, DESK_TDP5, DESK_THONDONG, ESC_TDP5, HOUR,  # noqa: E402
                      MIN, T, bare, codes_in, end_of_day, label, matches, shown_date,
                      shown_time)

THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
DRUGS_THONDONG = "Có người bán ma túy ở Thôn Đông tối nay"
GAMBLING = "Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ"
ROBBERY_NOW = "đang có cướp, cứu với, ở ngõ 12 đường Lê Lợi"
ENROL_RE = re.compile(r"[%s]{5}-[%s]{5}" % (tipstest.ALPHABET, tipstest.ALPHABET))

OFFICER = 600001
OFFICER_NAME = "Trung úy Minh"


def desk_cmds(code):
    """Every desk command, with arguments that would change tip `code`."""
    return ["/nhan %s" % code, "/giao %s Trung úy Minh" % code,
            "/traloi %s Bạn còn thấy gì nữa?" % code, "/xuly %s xác minh" % code,
            "/dong %s Đã xử lý" % code, "/mo %s" % code, "/trungvoi %s %s" % (code, code),
            "/giahan %s 30" % code, "/tinmoi", "/quahan", "/tim xe may"]


def sla_texts(e, name, code, chats=DESK_CHATS):
    """[(chat, text)] of the reminders `name` about tip code sent to chats."""
    return [(c, t) for c in chats for t in e.texts_to(c)
            if matches(name, t, code=code)]


# ---- 14. enrolment -----------------------------------------------------------------------

def test_enrol_one_time_code_wrong_code_refused_unknown_area_exit_2():
    with tipstest.Env() as e:
        e.start()
        p = subprocess.run([tglib.BINARY, "enrol", "--config", e.tg.config_path, "--role",
                            "police", "--area", "TDP5"], capture_output=True, timeout=60,
                           env=e.tg.env)
        assert p.returncode == 0, (p.returncode, p.stderr)
        lines = p.stdout.decode().rstrip("\n").split("\n")
        code = lines[-1]
        assert ENROL_RE.fullmatch(code), lines
        stored = e.q("SELECT code_hash, role, area, used_at FROM enrol_codes")
        assert len(stored) == 1 and stored[0][1:] == ("police", "TDP5", None), stored
        assert bare(code) not in stored[0][0] and code not in stored[0][0], stored

        [m] = e.desk_cmd(OFFICER, "/dangky " + code.lower())
        # an officer's confirmation goes on with the summary of the area (test_desk_read.py)
        assert m.startswith(T("enrol_done", role=T("role_police"), area="Tổ dân phố 5") +
                            "\n\n" + T("desk_summary_none", area="Tổ dân phố 5")), m
        assert e.q("SELECT role, area FROM people WHERE platform_user_id = ?",
                   str(OFFICER)) == [("police", "TDP5")]
        assert e.q1("SELECT count(*) FROM audit_log a JOIN people p ON p.id = a.actor "
                    "WHERE a.action = 'enrol' AND p.platform_user_id = ?", str(OFFICER)) == 1
        # the same code a second time, by someone else: refused
        [m] = e.desk_cmd(600002, "/dangky " + code)
        assert m == T("enrol_bad_code"), m
        # a wrong code, and no code
        [m] = e.ask(600003, "/dangky 23456-789AB")
        assert m == T("enrol_bad_code"), m
        [m] = e.ask(600003, "/dangky")
        assert m == T("enrol_usage"), m
        assert e.q("SELECT platform_user_id, role FROM people WHERE role != 'resident'") == [
            (str(OFFICER), "police")]

        p = subprocess.run([tglib.BINARY, "enrol", "--config", e.tg.config_path, "--role",
                            "police", "--area", "TDP99"], capture_output=True, timeout=60,
                           env=e.tg.env)
        assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
        assert b"TDP99" in p.stderr and not ENROL_RE.search(p.stdout.decode()), p
        assert e.q1("SELECT count(*) FROM enrol_codes") == 1
        e.stop()


# ---- 15. desk commands from anyone else ----------------------------------------------------

def test_desk_commands_by_unknown_person_politely_refused_and_change_nothing():
    with tipstest.Env() as e:
        e.start()
        resident = 700151
        code = e.file_tip(resident, THEFT_TDP5)
        other = e.file_tip(700152, GAMBLING)
        e.settled()
        before = e.tip(code)
        told = e.texts_to(resident)
        leader = 600152   # enrolled, but as a neighbourhood leader: not a desk officer
        code_l = e.enrol_code("leader", "TDP5")
        [m] = e.ask(DESK_TDP5, "/dangky " + code_l, from_id=leader)
        assert m == T("enrol_done", role=T("role_leader"), area="Tổ dân phố 5"), m
        for who, chat in ((600151, DESK_TDP5), (resident, resident), (leader, DESK_TDP5)):
            for cmd in desk_cmds(code) + ["/trungvoi %s %s" % (code, other)]:
                [m] = e.ask(chat, cmd, from_id=who)
                assert m == T("desk_only_police"), (who, cmd, m)
        e.settled()
        assert e.tip(code) == before, (before, e.tip(code))
        assert e.q("SELECT action FROM audit_log WHERE tip_id IS NOT NULL") == [("file",),
                                                                               ("file",)]
        assert e.q1("SELECT count(*) FROM tip_messages") == 0
        assert e.texts_to(resident)[:len(told)] == told
        assert [t for t in e.texts_to(resident)[len(told):]
                if t != T("desk_only_police")] == [], e.texts_to(resident)
        e.stop()


# ---- 16. handling a tip ------------------------------------------------------------------

def test_desk_commands_change_the_tip_notify_the_tipster_and_are_audited():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, name=OFFICER_NAME)
        r1, r2 = 700161, 700162
        code = e.file_tip(r1, THEFT_TDP5)
        code2 = e.file_tip(r2, "Hôm qua tối có kẻ trộm xe máy ở tổ 5 gần nhà văn hóa")
        e.settled()
        problems = []

        def step(cmd, reply, tipster=None, chat=r1):
            since = e.mark(chat)
            [m] = e.desk_cmd(OFFICER, cmd)
            assert m == reply, (cmd, m, reply)
            e.settled()
            got = e.texts_to(chat)[since:]
            assert got == ([tipster] if tipster else []), (cmd, got, tipster)

        def audit_last(c=code):
            return e.audit(c)[-1]

        step("/nhan " + code, T("desk_done_ack", code=code), T("tip_notice_ack", code=code))
        t = e.tip(code)
        assert (t["status"], t["acknowledged_at"] is not None) == ("received", True), t
        assert audit_last()[:2] == ("ack", str(OFFICER)), e.audit(code)
        step("/nhan " + code, T("desk_done_ack", code=code))   # told once only

        step("/giao %s %s" % (code, OFFICER_NAME),
             T("desk_done_assign", code=code, text=OFFICER_NAME))
        assert e.tip(code)["assigned_to"] == OFFICER_NAME
        assert audit_last() == ("assign", str(OFFICER), OFFICER_NAME), e.audit(code)

        for typed, status in (("xac minh", "verifying"), ("đã chuyển", "transferred"),
                              ("Đang xác minh", "verifying")):
            label_ = T("status_" + status)
            step("/xuly %s %s" % (code, typed), T("desk_done_status", code=code, status=label_),
                 T("tip_notice_status", code=code, status=label_))
            t = e.tip(code)
            assert (t["status"], t["classified_at"] is not None) == (status, True), (typed, t)
            assert audit_last() == ("status", str(OFFICER), status), e.audit(code)
        step("/xuly %s đang nghĩ" % code, T("desk_usage_status"))
        assert e.tip(code)["status"] == "verifying"

        question = "Bạn nhìn thấy mấy người?"
        step("/traloi %s %s" % (code, question), T("desk_done_reply", code=code),
             T("relay_to_tipster", code=code, text=question))
        assert audit_last() == ("reply", str(OFFICER), question), e.audit(code)
        assert e.q("SELECT direction, text, open_question FROM tip_messages m JOIN tips t "
                   "ON t.id = m.tip_id WHERE t.code = ? AND direction = 'to_tipster'",
                   bare(code)) == [("to_tipster", question, 1)]

        outcome = "Đã bắt giữ đối tượng, trả lại xe cho chủ"
        step("/dong %s %s" % (code, outcome), T("desk_done_close", code=code),
             T("tip_notice_closed", code=code, text=outcome))
        t = e.tip(code)
        assert (t["status"], t["outcome"], t["closed_at"] is not None) == (
            "closed", outcome, True), t
        assert audit_last() == ("close", str(OFFICER), outcome), e.audit(code)
        assert e.q1("SELECT sum(open_question) FROM tip_messages") == 0
        [view] = e.ask(r1, "/trangthai " + code)
        assert view.startswith(T("status_view_closed", code=code, status=T("status_closed"),
                                 category=label("theft"), outcome=outcome,
                                 created=shown_time(t["created_at"]),
                                 updated=shown_time(t["updated_at"]))), view

        step("/mo " + code, T("desk_done_reopen", code=code),
             T("tip_notice_reopened", code=code))
        t = e.tip(code)
        assert (t["status"], t["closed_at"]) == ("verifying", None), t
        assert audit_last()[:2] == ("reopen", str(OFFICER)), e.audit(code)
        [view] = e.ask(r1, "/trangthai " + code)
        head = view.split("\n• ")[0].rstrip("\n")   # the history of notices follows
        want = T("status_view", code=code, status=T("status_verifying"), category=label("theft"),
                 created=shown_time(t["created_at"]), updated=shown_time(t["updated_at"]))
        if head != want:
            problems.append("after /mo the tip is open again (%s); /trangthai should show %r "
                            "but shows %r (the old result of the closed tip)" %
                            (t["status"], want, head))

        step("/trungvoi %s %s" % (code2, code), T("desk_done_duplicate", code=code2, text=code),
             T("tip_notice_duplicate", code=code2, text=code), chat=r2)
        t2 = e.tip(code2)
        assert (t2["status"], t2["duplicate_of"]) == ("duplicate", e.tip(code)["id"]), t2
        assert audit_last(code2) == ("duplicate", str(OFFICER), code), e.audit(code2)
        step("/trungvoi %s %s" % (code, code), T("desk_usage_duplicate"))
        step("/giao " + code, T("desk_usage_assign"))
        step("/traloi " + code, T("desk_usage_reply"))
        step("/dong " + code, T("desk_usage_close"))
        step("/nhan ZZZZ-ZZZZ", T("desk_unknown_code", code="ZZZZ-ZZZZ"))
        step("/nhan", T("desk_usage_ack"))
        assert [a for a, *_ in e.audit(code)] == ["file", "ack", "ack", "assign", "status",
                                                  "status", "status", "reply", "close",
                                                  "reopen"], e.audit(code)
        assert not problems, "\n".join(problems)
        e.stop()


# ---- 17. the relay ---------------------------------------------------------------------

def test_relay_question_to_tipster_answer_to_desk_and_trangthai_shows_reply():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, name=OFFICER_NAME)
        r = 700171
        code = e.file_tip(r, THEFT_TDP5, first_name="Thủy Tiên", username="tien_1987")
        e.settled()
        question = "Bạn có nhìn rõ biển số xe không?"
        since = e.mark(r)
        e.desk_cmd(OFFICER, "/traloi %s %s" % (code, question))
        [to_tipster] = e.wait_new(r, since)
        assert to_tipster == T("relay_to_tipster", code=code, text=question), to_tipster
        for secret in (OFFICER_NAME, str(OFFICER), DESK_TDP5, "Cán bộ"):
            assert secret not in to_tipster, (secret, to_tipster)

        answer = "Có, biển số 29A1-23456, xe Wave màu đỏ"
        d = e.mark(DESK_TDP5)
        [m] = e.ask(r, answer)
        assert m == T("answer_forwarded", code=code), m
        [to_desk] = e.wait_new(DESK_TDP5, d)
        assert to_desk == T("relay_answer_to_desk_text", code=code, text=answer), to_desk
        for secret in ("Thủy Tiên", "tien_1987", str(r)):
            assert secret not in to_desk, (secret, to_desk)
        assert e.q("SELECT direction, text, open_question FROM tip_messages ORDER BY id") == [
            ("to_tipster", question, 0), ("from_tipster", answer, 0)]
        assert e.audit(code)[-1][:2] == ("add", str(r)), e.audit(code)
        # the question is answered: the next chatter is not forwarded
        [m] = e.ask(r, "chào bạn")
        assert m == T("fallback"), m
        e.settled()
        assert e.texts_to(DESK_TDP5)[d:] == [to_desk], e.texts_to(DESK_TDP5)[d:]

        [view] = e.ask(r, "/trangthai " + code)
        t = e.tip(code)
        when = e.q1("SELECT created_at FROM tip_messages WHERE direction = 'to_tipster'")
        assert T("status_line_reply", time=shown_time(when), text=question) in view.split("\n"), (
            view)
        assert view.startswith(T("status_view", code=code, status=T("status_received"),
                                 category=label("theft"), created=shown_time(t["created_at"]),
                                 updated=shown_time(t["updated_at"]))), view
        assert answer not in view, view
        e.stop()


# ---- 18. the lists -----------------------------------------------------------------------

def test_tinmoi_urgent_first_quahan_after_20_days_tim_without_diacritics():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, name=OFFICER_NAME)
        c_old = e.file_tip(700181, "Đường Đống Đa có người bán ma túy vào buổi tối")
        c_urgent = e.file_tip(700182, ROBBERY_NOW)
        c_acked = e.file_tip(700183, "duong dong da co ke trom cho nha ong Tuan")
        c_other = e.file_tip(700184, GAMBLING)
        e.settled()
        e.desk_cmd(OFFICER, "/nhan " + c_acked)

        def lines(code, status="new", urgent=False):
            t = e.tip(code)
            return T("desk_list_line", code=code, category=label(t["category"]),
                     status=T("status_" + status), created=shown_time(t["created_at"]),
                     deadline=shown_time(t["deadline_at"]),
                     urgent=T("desk_urgent_mark") if urgent else "")

        def gist(code):   # these texts are short: the gist is the text itself
            return T("desk_list_gist", value=e.tip(code)["description"])

        [m] = e.desk_cmd(OFFICER, "/tinmoi")
        assert m.split("\n") == [T("desk_list_new"), lines(c_urgent, urgent=True),
                                 gist(c_urgent), lines(c_old), gist(c_old), lines(c_other),
                                 gist(c_other)], m

        for query, want in (("dong da", {c_old, c_acked}), ("Đống Đa", {c_old, c_acked}),
                            ("ĐỐNG ĐA", {c_old, c_acked}), ("ma tuy", {c_old}),
                            ("ma túy", {c_old}), ("trộm chó", {c_acked}),
                            ("danh bac", {c_other})):
            [m] = e.desk_cmd(OFFICER, "/tim " + query)
            assert m.split("\n")[0] == T("desk_list_found"), (query, m)
            assert set(codes_in(m)) == want, (query, m)
        [m] = e.desk_cmd(OFFICER, "/tim xyzabc")
        assert m == T("desk_none_found"), m
        [m] = e.desk_cmd(OFFICER, '/tim " OR *')
        assert m in (T("desk_none_found"), T("desk_usage_search")), m
        # words added later by /bosung are found too
        e.ask(700184, "/bosung %s Có cả xe biển số 29A1-23456 của đối tượng" % c_other)
        [m] = e.desk_cmd(OFFICER, "/tim doi tuong")
        assert codes_in(m) == [c_other], m

        [m] = e.desk_cmd(OFFICER, "/quahan")
        assert m == T("desk_none_overdue"), m
        e.desk_cmd(OFFICER, "/dong %s Đã xử lý" % c_other)
        e.set_clock(20 * DAY + HOUR)
        [m] = e.desk_cmd(OFFICER, "/quahan")
        got = m.split("\n")
        assert got[0] == T("desk_list_overdue"), m
        assert sorted(codes_in(m)) == sorted([c_old, c_urgent, c_acked]), m
        assert lines(c_urgent, urgent=True) in got and lines(c_acked, "received") in got, m
        e.stop()


# ---- 19. deadlines on a moving clock ------------------------------------------------------

def test_deadline_reminders_escalation_overdue_once_each_and_extensions():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, name=OFFICER_NAME)
        code = e.file_tip(700191, THEFT_TDP5)
        tip = e.tip(code)
        created, cat = tip["created_at"], label("theft")
        assert tip["deadline_at"] == created + 20 * DAY, tip
        e.settled()

        def wait_sla(name, chat, offset, since=0, **values):
            e.set_clock(offset)
            return e.wait_text(chat, lambda t: matches(name, t, code=code, **values), since,
                               timeout=10, what=name)

        wait_sla("sla_ack_reminder", DESK_TDP5, 2 * HOUR + MIN, category=cat)
        wait_sla("sla_ack_escalation", ESC_TDP5, 4 * HOUR + MIN, category=cat,
                 area="Tổ dân phố 5")
        e.desk_cmd(OFFICER, "/nhan " + code)
        wait_sla("sla_classify_reminder", DESK_TDP5, 24 * HOUR + MIN, category=cat, value="24")
        e.desk_cmd(OFFICER, "/xuly %s xac minh" % code)
        deadline = shown_time(created + 20 * DAY)
        wait_sla("sla_due_reminder", DESK_TDP5, 15 * DAY + MIN, category=cat, value="5",
                 deadline=deadline)
        e.restart()
        wait_sla("sla_due_reminder", DESK_TDP5, 19 * DAY + MIN, category=cat, value="1",
                 deadline=deadline)
        e.set_clock(20 * DAY + MIN)
        e.fake.wait_until(lambda: sla_texts(e, "sla_overdue", code), timeout=10)
        e.restart()

        # one extension of 30 days: the deadline moves to the end of that day (art. 133: a limit
        # in days ends at 24:00 of its last day), and so do the reminders
        [m] = e.desk_cmd(OFFICER, "/giahan %s 30" % code)
        extended = end_of_day(created + 50 * DAY)
        new_deadline = shown_time(extended)
        assert m == T("desk_done_extend", code=code, text=shown_date(extended)), m
        t = e.tip(code)
        assert (t["deadline_at"], t["extensions"], t["extended_days"]) == (extended, 1, 30), t
        assert e.audit(code)[-1][:2] == ("extend", str(OFFICER)), e.audit(code)
        [m] = e.desk_cmd(OFFICER, "/quahan")
        assert m == T("desk_none_overdue"), m
        wait_sla("sla_due_reminder", DESK_TDP5, extended - created - 5 * DAY + MIN, category=cat,
                 value="5", deadline=new_deadline)
        wait_sla("sla_due_reminder", DESK_TDP5, extended - created - DAY + MIN, category=cat,
                 value="1", deadline=new_deadline)
        e.set_clock(extended - created + MIN)
        e.fake.wait_until(lambda: len(sla_texts(e, "sla_overdue", code)) >= 2, timeout=10)
        e.restart()
        time.sleep(1.5)   # a tick after the restart: nothing is sent again
        e.settled()

        def count(name, **values):
            return [t for c, t in sla_texts(e, name, code) if matches(name, t, code=code,
                                                                      **values)]
        assert len(count("sla_ack_reminder")) == 1, sla_texts(e, "sla_ack_reminder", code)
        assert len(count("sla_ack_escalation")) == 1
        assert len(count("sla_classify_reminder")) == 1
        for dl in (deadline, new_deadline):
            for days in ("5", "1"):
                got = count("sla_due_reminder", value=days, deadline=dl)
                assert len(got) == 1, (dl, days, sla_texts(e, "sla_due_reminder", code))
            # the overdue flag goes once to the desk (which can /giahan) and once to the
            # area's escalation chat
            got = [c for c, t in sla_texts(e, "sla_overdue", code)
                   if matches("sla_overdue", t, code=code, deadline=dl)]
            assert sorted(got) == sorted([DESK_TDP5, ESC_TDP5]), (
                dl, sla_texts(e, "sla_overdue", code))
        assert len(sla_texts(e, "sla_due_reminder", code)) == 4
        assert len(sla_texts(e, "sla_overdue", code)) == 4
        # where each went: reminders to the desk, escalations to the escalation chat
        assert [c for c, _ in sla_texts(e, "sla_ack_escalation", code)] == [ESC_TDP5]
        assert {c for c, _ in sla_texts(e, "sla_ack_reminder", code) +
                sla_texts(e, "sla_classify_reminder", code) +
                sla_texts(e, "sla_due_reminder", code)} == {DESK_TDP5}

        # the limits of art. 147 on a fresh tip
        fresh = e.file_tip(700192, GAMBLING)
        base = e.tip(fresh)["created_at"]

        def extend(days, want, deadline, extensions):
            [m] = e.desk_cmd(OFFICER, "/giahan %s %s" % (fresh, days))
            assert m == want, (days, m)
            t = e.tip(fresh)
            assert (t["deadline_at"], t["extensions"]) == (deadline, extensions), (days, t)

        def limit(days, most):
            return T("desk_extend_limit", code=fresh, date=shown_date(base + days * DAY),
                     max=shown_date(base + most * DAY))

        def done(days):
            return T("desk_done_extend", code=fresh, text=shown_date(base + days * DAY))
        # the first extension ends at most 2 months after receipt
        extend(41, limit(61, 60), base + 20 * DAY, 0)
        extend(0, T("desk_usage_extend"), base + 20 * DAY, 0)
        extend("hai", T("desk_usage_extend"), base + 20 * DAY, 0)
        extend(40, done(60), end_of_day(base + 60 * DAY), 1)
        extend(61, limit(121, 120), end_of_day(base + 60 * DAY), 1)   # each at most 2 months
        extend(60, done(120), end_of_day(base + 120 * DAY), 2)         # 4 months in all
        extend(1, T("desk_extend_refused", code=fresh), end_of_day(base + 120 * DAY), 2)
        e.stop()


def test_overdue_flag_reaches_the_desk_even_when_the_area_has_an_escalation_chat():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, name=OFFICER_NAME)
        code = e.file_tip(700195, THEFT_TDP5)
        e.desk_cmd(OFFICER, "/xuly %s xac minh" % code)
        e.settled()
        e.set_clock(20 * DAY + HOUR)
        e.fake.wait_until(lambda: sla_texts(e, "sla_overdue", code), timeout=10)
        e.settled()
        where = [c for c, _ in sla_texts(e, "sla_overdue", code)]
        # the flag tells its reader to use /giahan: the desk that handles the tip must get it
        assert DESK_TDP5 in where, (
            "the overdue flag for a TDP5 tip went to %r only, not to the TDP5 desk %s" %
            (where, DESK_TDP5))
        e.stop()


# ---- 20. a long downtime -------------------------------------------------------------------

def test_long_downtime_gives_one_overdue_flag_not_every_stale_reminder():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, chat=DESK_THONDONG, area="THONDONG", name=OFFICER_NAME)
        handled = e.file_tip(700201, DRUGS_THONDONG)
        waiting = e.file_tip(700202, "Có kẻ lạ bán ma túy cho học sinh ở Thôn Đông")
        assert e.tip(handled)["desk_chat_id"] == e.tip(waiting)["desk_chat_id"] == DESK_THONDONG
        e.desk_cmd(OFFICER, "/nhan " + handled, chat=DESK_THONDONG)
        e.desk_cmd(OFFICER, "/xuly %s xac minh" % handled, chat=DESK_THONDONG)
        # under load a reply counted by desk_cmd may be another desk message: wait for the
        # state itself, and for the confirmation of /xuly, before going down
        deadline = time.time() + 15
        while not (e.tip(handled)["classified_at"] and any(
                handled_shown in t for t in e.texts_to(DESK_THONDONG)
                for handled_shown in [handled] if "xác minh" in t)):
            assert time.time() < deadline, e.tip(handled)
            time.sleep(0.1)
        e.settled()
        before = e.mark(DESK_THONDONG)
        e.stop()
        e.set_clock(25 * DAY)
        e.tg.start()
        for code in (handled, waiting):
            e.wait_text(DESK_THONDONG, lambda t, c=code: matches("sla_overdue", t, code=c),
                        before, what="overdue flag for " + code)
        time.sleep(2.2)   # two more ticks: nothing more is due
        e.settled()
        got = e.texts_to(DESK_THONDONG)[before:]
        for code in (handled, waiting):
            mine = [t for t in got if code in t]
            assert [t for t in mine if matches("sla_overdue", t, code=code)] and len(
                [t for t in mine if matches("sla_overdue", t, code=code)]) == 1, mine
            stale = [t for t in mine if matches("sla_due_reminder", t, code=code) or
                     matches("sla_ack_reminder", t, code=code)]
            assert not stale, (code, stale)
        # the handled one was acknowledged and classified: its only message is the flag
        assert [t for t in got if handled in t] == [
            t for t in got if matches("sla_overdue", t, code=handled)], got
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
