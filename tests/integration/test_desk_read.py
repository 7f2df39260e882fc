"""The desk reading tips (issue 9, items 2 and 3), on Telegram desk groups: an officer enrolled
after tips were filed gets the open tips of their area at once; /xem shows a tip whole (facts as
filed, status and deadlines, the tipster's additions and the desk's actions in order, photos
sent again) and every reading of a contactable tipster's phone is audited; the lists carry a
gist of each tip that never shows the tipster's phone or name, ten to a message with a way to
the next page; /tim finds phones, plates and amounts however they were written; /giahan takes a
number of days or a date and answers with the date; /help shows each role its commands.
Buttons and platforms without them: test_desk_buttons.py.

    python3 tests/integration/test_desk_read.py --binary build/asan/tipgate [test_name ...]
"""
import datetime
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import (DAY, DESK_TDP5, HOUR, MIN, T, bare, codes_in, end_of_day,  # noqa: E402
                      label, shown_date, shown_time)

OFFICER = 600001
URGENT_TDP5 = "đang có cướp giật túi xách ở tổ 5, cứu với"
THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
GAMBLING_TDP5 = "Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ tổ 5"
DRUGS_EAST = "Có người bán ma túy ở Thôn Đông tối nay"


def local_day(ms):
    """The day of ms in Vietnam (UTC+7)."""
    tz = datetime.timezone(datetime.timedelta(hours=7))
    return datetime.datetime.fromtimestamp(ms / 1000, tz).date()


def card_lines(e, chat, code, since=0):
    """The lines of the /xem card for code sent to chat after since."""
    head = (T("desk_view_heading", value=code), T("desk_view_heading_urgent", value=code))
    card = e.wait_text(chat, lambda t: t.split("\n")[0] in head, since, what="card " + code)
    return card.split("\n")


def buttons_of(e, chat, text):
    """[[label, …], …] of the buttons under the last message to chat whose text is text."""
    with e.fake.cond:
        msgs = [s for s in e.fake.sent if s["chat_id"] == str(chat) and s["text"] == text]
    kb = (msgs[-1]["params"].get("reply_markup") or {}).get("inline_keyboard") or []
    return [[b["text"] for b in row] for row in kb]


def file_contactable(e, uid, text, phone, name):
    """The guided report from Telegram user uid, contactable at phone; returns the code."""
    kw = {"first_name": name}
    e.ask(uid, "/baotin", **kw)
    [m] = e.ask(uid, text, **kw)
    for _ in range(6):  # answer whatever is still missing, up to the phone
        if m.startswith(T("report_ask_category_check", category="@").split("@")[0]):
            [m] = e.wait_new(uid, e.press(uid, T("choice_right"), **kw))  # confirmed
        elif m == T("report_ask_place"):
            [m] = e.ask(uid, "tổ 5", **kw)
        elif m == T("report_ask_when"):
            [m] = e.ask(uid, "tối qua", **kw)
        elif m in (T("report_ask_category_guess"), T("report_ask_category")):
            [m] = e.wait_new(uid, e.press(uid, label("theft"), **kw))  # the engine was unsure
        elif m == T("report_ask_media", max=5):
            [m] = e.wait_new(uid, e.press(uid, T("choice_continue"), **kw))
        elif m == T("report_ask_identity"):
            [m] = e.wait_new(uid, e.press(uid, T("choice_phone"), **kw))
        else:
            break
    assert m == T("report_ask_phone"), m
    e.ask(uid, phone, **kw)
    [filed] = e.wait_new(uid, e.press(uid, T("choice_send"), **kw))
    return codes_in(filed)[0]


# ---- an officer enrolled after the tips ------------------------------------------------------

def test_officer_enrolled_after_tips_gets_the_open_tips_of_the_area_first_thing():
    with tipstest.Env() as e:
        e.start()
        old = e.file_tip(700301, THEFT_TDP5)
        urgent = e.file_tip(700302, URGENT_TDP5)
        e.file_tip(700303, DRUGS_EAST)   # another area: not counted
        e.settled()
        e.set_clock(20 * DAY + HOUR)      # both TDP5 tips are now past their 20 days
        fresh = e.file_tip(700304, GAMBLING_TDP5)
        assert e.tip(urgent)["urgent"] == 1 and e.tip(old)["area"] == "TDP5"
        e.settled()

        code = e.enrol_code("police", "TDP5")
        since = e.say(DESK_TDP5, "/dangky " + code, from_id=OFFICER, first_name="Trung úy Minh")
        [m] = e.wait_new(DESK_TDP5, since)
        lines = m.split("\n")
        area = "Tổ dân phố 5"
        assert lines[:6] == [
            T("enrol_done", role=T("role_police"), area=area), "",
            T("desk_summary_head", area=area, value=3),
            T("desk_summary_urgent", value=1),
            T("desk_summary_overdue", value=2),
            T("desk_summary_status", status=T("status_new"), value=3)], m
        # what to read first: the urgent one, then the overdue one, each with its gist
        first = lines.index(T("desk_summary_first"))
        listed = codes_in("\n".join(lines[first:]))
        assert listed == [urgent, old], m
        assert fresh not in m, m
        assert T("desk_list_gist", value=URGENT_TDP5) in lines, m
        assert lines[-1] == T("desk_summary_how"), m
        assert buttons_of(e, DESK_TDP5, m) == [[T("desk_button_view_code", code=urgent),
                                                T("desk_button_view_code", code=old)]], m

        # and the urgent one is one tap from being read whole
        since = e.press(DESK_TDP5, T("desk_button_view_code", code=urgent), from_id=OFFICER)
        card = card_lines(e, DESK_TDP5, urgent, since)
        assert card[0] == T("desk_view_heading_urgent", value=urgent), card
        assert T("desk_line_description", value=URGENT_TDP5) in card, card
        assert e.audit(urgent)[-1][:2] == ("view", str(OFFICER)), e.audit(urgent)
        e.stop()


def test_enrolment_summary_without_open_tips_and_for_a_leader_none():
    with tipstest.Env() as e:
        e.start()
        e.file_tip(700311, DRUGS_EAST)   # only another area has tips
        e.settled()
        code = e.enrol_code("police", "TDP5")
        [m] = e.desk_cmd(OFFICER, "/dangky " + code)
        assert m == "\n".join([T("enrol_done", role=T("role_police"), area="Tổ dân phố 5"), "",
                               T("desk_summary_none", area="Tổ dân phố 5"), "",
                               T("desk_summary_how")]), m
        code = e.enrol_code("leader", "TDP5")
        [m] = e.desk_cmd(600002, "/dangky " + code)
        assert m == T("enrol_done", role=T("role_leader"), area="Tổ dân phố 5"), m
        e.stop()


# ---- /xem ------------------------------------------------------------------------------------

def test_xem_shows_the_whole_tip_its_history_and_deadlines_and_audits_contact_views():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, name="Trung úy Minh")
        tipster, name, phone = 700321, "Hằng Nga", "0987654321"
        text = "Tôi thấy người lạ cạy khóa xe máy ở ngõ 3 tổ 5, biển số 29A-123.45"
        code = file_contactable(e, tipster, text, "0987 654 321", name)
        e.ask(tipster, "/bosung %s Hắn mặc áo khoác đen" % code, first_name=name)
        since = e.mark(tipster)
        e.fake.push_photo(tipster, "AgAC-photo-xem", caption="/bosung " + code,
                          first_name=name)
        e.wait_new(tipster, since)
        e.settled()   # the photo the desk got is not a reply to the commands below
        for cmd in ("/nhan %s", "/giao %s Trung úy Minh", "/traloi %s Xe màu gì?",
                    "/xuly %s xác minh", "/giahan %s 10"):
            e.desk_cmd(OFFICER, cmd % code)
        apitest.wait_until(lambda: e.tip(code)["extensions"] == 1, what="the extension")
        t = e.tip(code)
        e.settled()

        since = e.mark(DESK_TDP5)
        e.say(DESK_TDP5, "/xem " + code.lower().replace("-", ""), from_id=OFFICER)
        card = card_lines(e, DESK_TDP5, code, since)
        assert card[0] == T("desk_view_heading", value=code), card
        for line in (T("desk_view_urgency", value=T("desk_view_routine")),
                     T("desk_view_status", value=T("status_verifying")),
                     T("desk_view_acknowledged", value=shown_time(t["acknowledged_at"])),
                     T("desk_view_assigned", value="Trung úy Minh"),
                     T("desk_view_deadline", when=T("desk_end_of_day",
                                                    value=shown_date(t["deadline_at"])),
                       days=(local_day(t["deadline_at"]) - local_day(e.now_ms())).days),
                     T("desk_view_extensions", value=1, days=10,
                       date=shown_date(t["deadline_at"])),
                     T("desk_line_category", value=label(t["category"])),
                     T("desk_line_area", value="Tổ dân phố 5"),
                     T("desk_line_description", value=text),   # as filed, not the additions
                     T("desk_line_plates", value="29A-12345"),
                     T("desk_line_photos", value=1),
                     T("desk_line_contact", value=phone),
                     T("desk_view_history"),
                     T("desk_line_commands", value=code)):
            assert line in card, (line, card)
        history = card[card.index(T("desk_view_history")) + 1:]
        events = [l.split(" — ", 1)[1] for l in history if l.startswith("• ")]
        assert events == [
            "Nhận tin",
            "Người báo bổ sung: Hắn mặc áo khoác đen",
            "Người báo gửi thêm ảnh, tệp",
            "Cán bộ tiếp nhận",   # the officer's display name is the test's "Cán bộ"
            "Cán bộ giao cho: Trung úy Minh",
            "Cán bộ nhắn người báo: Xe màu gì?",
            "Cán bộ chuyển tình trạng: " + T("status_verifying"),
            "Cán bộ gia hạn đến hết ngày " + shown_date(t["deadline_at"])], history
        assert name not in "\n".join(card) and str(tipster) not in "\n".join(card), card
        # the photo follows the card, as a photo
        e.settled()
        with e.fake.cond:
            after = [s for s in e.fake.sent if s["chat_id"] == DESK_TDP5][since:]
        photos = [s for s in after if s["method"] == "sendPhoto"]
        assert [(p["params"]["photo"], p["text"]) for p in photos] == [
            ("AgAC-photo-xem", T("desk_photo_caption", code=code))], after
        assert after.index(photos[0]) > [s["text"].split("\n")[0] for s in after].index(card[0])
        # each reading of the tipster's number is on record: who, when
        e.desk_cmd(OFFICER, "/view " + code)
        e.settled()
        views = e.q("SELECT p.platform_user_id, a.at, a.detail FROM audit_log a JOIN people p "
                    "ON p.id = a.actor WHERE a.action = 'view_contact' AND a.tip_id = ?", t["id"])
        assert [(u, d) for u, _, d in views] == [(str(OFFICER), phone)] * 2, views
        assert all(abs(at - e.now_ms()) < 60 * 1000 for _, at, _ in views), views
        # usage and unknown codes
        [m] = e.desk_cmd(OFFICER, "/xem")
        assert m == T("desk_usage_view"), m
        [m] = e.desk_cmd(OFFICER, "/xem ZZZZ-ZZZZ")
        assert m == T("desk_unknown_code", code="ZZZZ-ZZZZ"), m
        [m] = e.ask(700399, "/xem " + code)
        assert m == T("desk_only_police"), m
        e.stop()


# ---- the lists -------------------------------------------------------------------------------

def test_lists_show_a_safe_gist_ten_a_message_and_the_way_to_the_next_page():
    with tipstest.Env(tips={"max_per_hour": 50}) as e:
        e.start()
        e.officer(OFFICER)
        long_text = ("Khoảng 10 giờ tối hôm qua có hai thanh niên đi xe máy không biển số "
                     "giật điện thoại của một chị bán hàng ở đầu ngõ 7 tổ 5")
        codes = [e.file_tip(700330, long_text)]
        # a contactable tipster who typed their own name and number into the text
        name = "Hằng Nga"
        codes.append(file_contactable(
            e, 700331, "Tôi là hằng nga, số 0987.654.321, thấy người lạ đột nhập kho tổ 5",
            "0987654321", name))
        for i in range(10):
            codes.append(e.file_tip(700340 + i, "Có kẻ trộm gà nhà số %d ở tổ 5" % (i + 1)))
        e.settled()

        [m] = e.desk_cmd(OFFICER, "/tinmoi")
        lines = m.split("\n")
        assert lines[0] == T("desk_list_new"), m
        assert codes_in(m) == codes[:10], m
        gists = [l for l in lines if l.startswith(T("desk_list_gist", value=""))]
        assert len(gists) == 10, m
        assert gists[0] == T("desk_list_gist",
                             value="Khoảng 10 giờ tối hôm qua có hai thanh niên đi xe máy "
                                   "không…"), gists[0]
        g = gists[1][len(T("desk_list_gist", value="")):]
        assert g == "Tôi là …, số …, thấy người lạ đột nhập kho tổ 5", g
        assert lines[-1] == T("desk_list_more", page=1, pages=2, total=12, next="/tinmoi 2"), m
        assert buttons_of(e, DESK_TDP5, m)[-1] == [T("desk_button_next")], m
        assert sum(len(r) for r in buttons_of(e, DESK_TDP5, m)[:-1]) == 10, m

        since = e.press(DESK_TDP5, T("desk_button_next"), from_id=OFFICER)
        [m2] = e.wait_new(DESK_TDP5, since)
        assert codes_in(m2) == codes[10:], m2
        assert m2.split("\n")[-1] == T("desk_list_last", page=2, pages=2, total=12), m2
        [m3] = e.desk_cmd(OFFICER, "/tinmoi 2")
        assert m3 == m2, (m3, m2)
        [m] = e.desk_cmd(OFFICER, "/tinmoi trang 5")
        assert m == T("desk_list_no_page", pages=2, total=12), m
        # nobody's phone or name in any list line
        for text in (m2, m3):
            assert "0987" not in text and "Nga" not in text, text
        e.stop()


# ---- /tim ------------------------------------------------------------------------------------

def test_tim_finds_phones_plates_and_amounts_however_they_were_written():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER)
        phone = e.file_tip(700351, "Số 0912 345 678 gọi mạo danh công an đòi chuyển tiền")
        plate = e.file_tip(700352, "Xe biển số 29a 123.45 hay chở hàng cấm ở tổ 5")
        money = e.file_tip(700353, "Tôi bị lừa mất 5 triệu đồng khi mua hàng qua mạng")
        other = e.file_tip(700354, "Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ")
        e.settled()
        for query, want in (("0912345678", [phone]), ("0912.345.678", [phone]),
                            ("+84 912 345 678", [phone]), ("0912 345 678", [phone]),
                            ("29A-12345", [plate]), ("29A12345", [plate]),
                            ("29a-123.45", [plate]), ("5.000.000đ", [money]),
                            ("5tr", [money]), ("năm triệu", [money]),
                            ("đánh bạc", [other]), ("mạo danh", [phone])):
            [m] = e.desk_cmd(OFFICER, "/tim " + query)
            assert m.split("\n")[0] == T("desk_list_found"), (query, m)
            assert codes_in(m) == want, (query, m)
        # words and a number together: the tip naming the number
        [m] = e.desk_cmd(OFFICER, "/tim chuyển tiền 0912345678")
        assert codes_in(m) == [phone], m
        [m] = e.desk_cmd(OFFICER, "/tim 0999999999")
        assert m == T("desk_none_found"), m
        # a number the tipster added later is the tip's too
        e.ask(700354, "/bosung %s Chủ quán dùng số 0977 111 222" % other)
        [m] = e.desk_cmd(OFFICER, "/tim 0977111222")
        assert codes_in(m) == [other], m
        [m] = e.desk_cmd(OFFICER, "/xem " + other)
        assert T("desk_line_phones", value="0977111222") in m.split("\n"), m
        e.stop()


# ---- /giahan ---------------------------------------------------------------------------------

def test_giahan_takes_days_or_a_date_answers_with_the_date_and_refuses_the_rest():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER)
        code = e.file_tip(700361, THEFT_TDP5)
        e.wait_desk(DESK_TDP5, code)  # so the desk's next message is the command's answer
        t = e.tip(code)
        created, deadline = t["created_at"], t["deadline_at"]

        def extend(arg, want, deadline_at, extensions):
            [m] = e.desk_cmd(OFFICER, "/giahan %s %s" % (code, arg))
            assert m == want, (arg, m)
            t = e.tip(code)
            assert (t["deadline_at"], t["extensions"]) == (deadline_at, extensions), (arg, t)

        usage = T("desk_usage_extend")
        for bad in ("", "abc", "31/02/2027", "10/13/2027", "5 tuần", "1/2/3/4", "-5", "10/01/2"):
            extend(bad, usage, deadline, 0)
        # a date (DD/MM/YYYY): the day itself, not "10 days" as atoi read "10/01/2027"
        target = created + 35 * DAY
        extend(shown_date(target), T("desk_done_extend", code=code, text=shown_date(target)),
               end_of_day(target), 1)
        t = e.tip(code)
        assert t["extended_days"] == 15, t
        assert e.audit(code)[-1][:3] == ("extend", str(OFFICER), shown_date(target))
        # not later than the deadline it has
        extend(shown_date(created + 30 * DAY),
               T("desk_extend_not_later", code=code, date=shown_date(created + 30 * DAY),
                 deadline=shown_date(target)), end_of_day(target), 1)
        # DD/MM: the next such day; "đến ngày" and "ngày" around it are fine
        second = created + 95 * DAY
        dm = shown_date(second)[:5]
        extend("đến ngày " + dm, T("desk_done_extend", code=code, text=shown_date(second)),
               end_of_day(second), 2)
        # art. 147 as before: no third extension
        extend("3 ngày", T("desk_extend_refused", code=code), end_of_day(second), 2)

        # the first extension reaches at most 2 months after receipt
        other = e.file_tip(700362, GAMBLING_TDP5)
        e.wait_desk(DESK_TDP5, other)
        base = e.tip(other)["created_at"]
        [m] = e.desk_cmd(OFFICER, "/giahan %s %s" % (other, shown_date(base + 61 * DAY)))
        assert m == T("desk_extend_limit", code=other, date=shown_date(base + 61 * DAY),
                      max=shown_date(base + 60 * DAY)), m
        [m] = e.desk_cmd(OFFICER, "/giahan %s 40 ngày" % other)
        assert m == T("desk_done_extend", code=other, text=shown_date(base + 60 * DAY)), m
        e.stop()


# ---- /help -----------------------------------------------------------------------------------

def test_help_shows_each_role_its_commands_too():
    extra = {"agencies": [{"code": "THCS1", "name": "Trường THCS số 1", "kind": "school"}]}
    with tipstest.Env(extra=extra) as e:
        e.start()
        [m] = e.ask(700371, "/help")
        assert m == T("help"), m
        e.officer(OFFICER)
        [m] = e.desk_cmd(OFFICER, "/help")
        assert m == T("help") + "\n\n" + T("help_police"), m
        for role, who, area in (("leader", 600002, "TDP5"), ("agency", 600003, None)):
            args = ["--agency", "THCS1"] if role == "agency" else ["--area", area]
            p = subprocess.run([tglib.BINARY, "enrol", "--config", e.tg.config_path,
                                "--role", role] + args, capture_output=True, timeout=60,
                               env=e.tg.env)
            assert p.returncode == 0, p
            enrol = p.stdout.decode().strip().splitlines()[-1]
            e.ask(who, "/dangky " + enrol)
            [m] = e.ask(who, "/help")
            assert m == T("help") + "\n\n" + T("help_" + role), (role, m)
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
