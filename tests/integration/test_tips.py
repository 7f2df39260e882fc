"""Reporting tips: the guided report on the web chat and the console, /baotin with a text,
urgent tips, the offer after a free-text message, /huy, a restart in the middle of a report,
drafts nudged and expired on a moving clock, /trangthai and /tincuatoi, /bosung with text and
photos, /gopy, abuse limits and duplicates, routing to desks, and the tipster's anonymity
towards the desks. Desk messages are what a FakeTelegram received for the desk chat ids.

    python3 tests/integration/test_tips.py --binary build/tipstest/tipgate [test_name ...]
"""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import (CODE_RE, DESK_CHATS, DESK_DEFAULT, DESK_FRAUD, DESK_TDP5,  # noqa: E402
                      DESK_THONDONG, HOUR, MIN, T, bare, button_data, codes_in, label)

THEFT_WITH_PLACE_AND_TIME = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
THEFT_NO_PLACE = "Nhà hàng xóm bị trộm mất xe máy"
ROBBERY_NOW = "đang có cướp, cứu với, ở ngõ 12 đường Lê Lợi"
FRAUD = "Có người gọi điện giả danh công an lừa chuyển tiền 50 triệu vào số 0912345678"


def desk_texts(e):
    """Every text (and caption) the desks received, with the chat it went to."""
    return [(c, t) for c in DESK_CHATS for t in e.texts_to(c)]


def tip_count(e):
    return e.q1("SELECT count(*) FROM tips")


# ---- 1. the guided report on the web chat ---------------------------------------------------

def test_guided_report_on_web_chat_asks_only_what_is_missing_and_files_with_code():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        [m] = u.ask("/baotin")
        assert m["text"] == T("report_ask_describe"), m
        [m] = u.ask(THEFT_WITH_PLACE_AND_TIME)
        # the category, the place and the time were in the description: the engine's category,
        # not sure enough to file silently, is confirmed with one tap; photos come next
        assert m["text"] == T("report_ask_category_check", category=label("theft")), m
        assert button_data(m) == [(T("choice_right"), "right"),
                                  (T("choice_other_category"), "other")], m
        [m] = u.choose("right")
        assert m["text"] == T("report_ask_media", max=5), m
        assert button_data(m) == [(T("choice_continue"), "continue")], m
        [m] = u.choose("continue")
        assert m["text"] == T("report_ask_identity"), m
        assert button_data(m) == [(T("choice_anonymous"), "anonymous"),
                                  (T("choice_phone"), "phone")], m
        [summary] = u.choose("anonymous")
        assert button_data(summary) == [(T("choice_send"), "send"), (T("choice_edit"), "edit"),
                                        (T("choice_cancel"), "cancel")], summary
        [filed] = u.choose("send")
        codes = codes_in(filed["text"])
        assert codes and CODE_RE.fullmatch(codes[0]), filed
        code = codes[0]
        assert filed["text"] == T("tip_filed", code=code), filed
        assert "Điều 144" in filed["text"] and "/trangthai %s" % code in filed["text"]

        tip = e.tip(code)
        assert tip, "no tips row for %s" % code
        assert (tip["kind"], tip["category"], tip["area"], tip["anonymous"], tip["status"],
                tip["platform"], tip["urgent"]) == ("tip", "theft", "TDP5", 1, "new",
                                                    "webchat", 0), tip
        assert tip["description"] == THEFT_WITH_PLACE_AND_TIME, tip
        assert "tổ 5" in (tip["place"] or ""), tip
        assert "22h" in (tip["happened"] or "").lower(), tip
        assert tip["contact_phone"] is None, tip
        # the summary showed what was understood
        assert summary["text"] == T(
            "report_summary", category=label("theft"), place=tip["place"],
            when=tip["happened"], description=THEFT_WITH_PLACE_AND_TIME, photos="0",
            identity=T("identity_anonymous")), summary
        # no question was asked about what the description already said
        asked = [x["text"] for x in u.got]
        for name in ("report_ask_category", "report_ask_place", "report_ask_when"):
            assert T(name) not in asked, (name, asked)
        assert e.q1("SELECT count(*) FROM conversations") == 0

        desk = e.wait_desk(DESK_TDP5, code)
        for line in (T("desk_heading_new", value=code),
                     T("desk_line_category", value=label("theft")),
                     T("desk_line_area", value="Tổ dân phố 5"),
                     T("desk_line_place", value=tip["place"]),
                     T("desk_line_when", value=tip["happened"]),
                     T("desk_line_description", value=THEFT_WITH_PLACE_AND_TIME),
                     T("desk_line_anonymous", value="-")):
            assert line in desk.split("\n"), (line, desk)
        e.settled()
        assert [c for c, t in desk_texts(e)] == [DESK_TDP5], desk_texts(e)
        e.stop()


# ---- 2. the console: numbered choices, answers without diacritics ---------------------------

def test_guided_report_on_console_with_numbers_and_words_without_diacritics():
    with tipstest.Env(telegram=False) as e:
        desc = "Sáng nay lúc 7h ở chợ Đồng Xuân bị móc túi mất ví"
        status, out, err = tglib.run_chat(e.tg.config_path, [
            "/baotin", desc,
            "1",            # photos: 1. Tiếp tục
            "an danh",      # identity, typed without diacritics
            "2",            # 2. Sửa
            "3",            # 3. Địa điểm
            "ngõ 7 phố Hàng Bạc",
            "gui",          # Gửi, typed without diacritics
        ], env=e.tg.env)
        assert status == 0, (status, err[-3000:])
        for mark in tglib.SANITIZER_MARKS:
            assert mark not in err, err

        def numbered(question, *labels):
            return question + "\n\n" + "\n".join("%d. %s" % (i + 1, T(l))
                                                  for i, l in enumerate(labels))
        assert numbered(T("report_ask_media", max=5), "choice_continue") in out, out
        assert numbered(T("report_ask_identity"), "choice_anonymous", "choice_phone") in out
        assert numbered(T("report_ask_edit"), "field_description", "field_category",
                        "field_place", "field_when", "field_media", "field_identity") in out
        assert T("report_ask_place") in out, out
        assert T("report_not_understood") not in out, out
        codes = codes_in(out)
        assert codes, out
        code = codes[0]
        assert T("tip_filed", code=code) in out, out
        tip = e.tip(code)
        assert tip, out
        assert (tip["platform"], tip["category"], tip["place"], tip["anonymous"]) == (
            "console", "theft", "ngõ 7 phố Hàng Bạc", 1), tip
        assert "7h" in (tip["happened"] or ""), tip
        assert tip["description"] == desc, tip
        # two summaries were shown (before and after the edit), the second with the new place
        assert out.count(T("report_summary").split("\n")[0]) == 2, out
        assert numbered(T("report_summary", category=label("theft"), place="ngõ 7 phố Hàng Bạc",
                          when=tip["happened"], description=desc, photos="0",
                          identity=T("identity_anonymous")),
                        "choice_send", "choice_edit", "choice_cancel") in out, out
        assert e.q1("SELECT count(*) FROM conversations") == 0


# ---- 3. /baotin <text>: at once, anonymous; urgent ones first -------------------------------

def test_baotin_with_text_files_at_once_and_urgent_goes_first_with_113():
    with tipstest.Env() as e:
        e.start()
        resident = 700101
        since = e.say(resident, "/baotin " + ROBBERY_NOW)
        call, filed = e.wait_new(resident, since, 2)
        code = codes_in(filed)[0]
        assert call == T("emergency_call", numbers=T("emergency_number_police")), call
        assert filed == T("emergency_filed", code=code), filed
        tip = e.tip(code)
        assert (tip["urgent"], tip["anonymous"], tip["category"], tip["contact_phone"]) == (
            1, 1, "robbery", None), tip
        desk = e.wait_desk(DESK_DEFAULT, code)
        assert desk.startswith(T("desk_heading_urgent", value=code)), desk
        assert T("desk_line_description", value=ROBBERY_NOW) in desk, desk
        rows = e.q("SELECT priority, text FROM outbox WHERE chat_id = ?", DESK_DEFAULT)
        assert [p for p, t in rows if code in t] == [0], rows

        # an ordinary one: a normal priority and heading, no 113 text
        since = e.say(resident, "/baotin " + THEFT_NO_PLACE)
        [filed2] = e.wait_new(resident, since, 1)
        code2 = codes_in(filed2)[0]
        desk2 = e.wait_desk(DESK_DEFAULT, code2)
        assert desk2.startswith(T("desk_heading_new", value=code2)), desk2
        e.settled()
        assert e.texts_to(resident)[since:] == [T("tip_filed", code=code2)]
        rows = e.q("SELECT priority, text FROM outbox WHERE chat_id = ?", DESK_DEFAULT)
        assert [p for p, t in rows if code2 in t] == [1], rows
        assert e.q1("SELECT count(*) FROM conversations") == 0
        e.stop()


# ---- 4. the offer after a free-text message -------------------------------------------------

def test_free_text_tip_gets_offer_yes_continues_no_declines_chatter_gets_fallback():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        [m] = u.ask(THEFT_NO_PLACE)
        assert m["text"] == T("report_ask_offer"), m
        assert button_data(m) == [(T("choice_yes"), "yes"), (T("choice_no"), "no")], m
        [m] = u.choose("yes")
        # the description (and the category it implies) are kept: the place is asked next
        assert m["text"] == T("report_ask_place"), m
        [m] = u.ask("không rõ")
        assert m["text"] == T("report_ask_when"), m
        [m] = u.ask("không rõ")
        assert m["text"] == T("report_ask_media", max=5), m
        u.choose("continue")
        u.choose("anonymous")
        [filed] = u.choose("send")
        code = codes_in(filed["text"])[0]
        tip = e.tip(code)
        assert (tip["description"], tip["category"]) == (THEFT_NO_PLACE, "theft"), tip

        # "Không" typed: declined, nothing kept
        [m] = u.ask("Có kẻ lạ trộm gà nhà tôi ở Thôn Đông")
        assert m["text"] == T("report_ask_offer"), m
        [m] = u.ask("Không")
        assert m["text"] == T("offer_declined"), m
        assert e.q1("SELECT count(*) FROM conversations") == 0
        # chatter: the fallback, no offer
        [m] = u.ask("chào bạn")
        assert m["text"] == T("fallback"), m
        assert e.q1("SELECT count(*) FROM conversations") == 0
        assert tip_count(e) == 1
        e.stop()


# ---- 5. /huy -------------------------------------------------------------------------------

def test_huy_cancels_at_every_step_and_says_when_nothing_is_in_progress():
    with tipstest.Env() as e:
        e.start()
        r = 700501
        [m] = e.ask(r, "/huy")
        assert m == T("report_nothing_to_cancel"), m
        # (answer, pressed?, the question it leads to); each prefix is replayed, then /huy
        path = [("/baotin", False, T("report_ask_describe")),
                ("tôi muốn kể một chuyện", False, T("report_ask_category")),
                (label("theft"), True, T("report_ask_place")),
                ("tổ 5", False, T("report_ask_when")),
                ("tối qua", False, T("report_ask_media", max=5)),
                (T("choice_continue"), True, T("report_ask_identity")),
                (T("choice_phone"), True, T("report_ask_phone")),
                ("0912 345 678", False, None),   # → the summary (confirm)
                (T("choice_edit"), True, T("report_ask_edit"))]

        def answer(text, pressed, expect):
            [m] = e.wait_new(r, e.press(r, text)) if pressed else e.ask(r, text)
            if expect:
                assert m == expect, (text, m)
            else:
                assert m.startswith(T("report_summary").split("\n")[0]), m

        for k in range(1, len(path) + 1):
            for step in path[:k]:
                answer(*step)
            step = e.q1("SELECT step FROM conversations")
            assert step, k
            [m] = e.ask(r, "/huy")
            assert m == T("report_cancelled"), (step, m)
            assert e.q1("SELECT count(*) FROM conversations") == 0, step
        # the offer too
        [m] = e.ask(r, THEFT_NO_PLACE)
        assert m == T("report_ask_offer"), m
        [m] = e.ask(r, "/huy")
        assert m == T("report_cancelled"), m
        [m] = e.ask(r, "/huy")
        assert m == T("report_nothing_to_cancel"), m
        assert e.q1("SELECT count(*) FROM conversations") == 0
        assert tip_count(e) == 0
        e.stop()


# ---- 6. a restart in the middle ---------------------------------------------------------------

def test_restart_in_the_middle_of_a_guided_report_continues_it():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        [m] = u.ask(THEFT_NO_PLACE)
        assert m["text"] == T("report_ask_place"), m
        [m] = u.ask("ngõ 3 tổ 5")
        assert m["text"] == T("report_ask_when"), m
        secret = u.secret
        u.close()
        e.restart()
        u = e.web(secret)
        [m] = u.ask("tối hôm qua")
        assert m["text"] == T("report_ask_media", max=5), m
        u.choose("continue")
        u.choose("anonymous")
        [filed] = u.choose("send")
        code = codes_in(filed["text"])[0]
        tip = e.tip(code)
        assert (tip["description"], tip["place"], tip["happened"]) == (
            THEFT_NO_PLACE, "ngõ 3 tổ 5", "tối hôm qua"), tip
        e.stop()


# ---- 7. drafts nudged once, then expired ------------------------------------------------------

def test_draft_nudged_once_after_an_hour_and_expired_after_a_day():
    with tipstest.Env() as e:
        e.start()
        resident = 700701
        [m] = e.ask(resident, "/baotin")
        assert m == T("report_ask_describe"), m
        e.settled()
        start = e.mark(resident)
        e.set_clock(30 * MIN)
        e.set_clock(31 * MIN)
        time.sleep(1.2)         # a scheduler tick at +31 min: too early for a nudge
        assert e.texts_to(resident)[start:] == [], e.texts_to(resident)
        e.set_clock(61 * MIN)
        e.wait_text(resident, lambda t: t == T("report_nudge"), start, what="the nudge")
        assert e.q1("SELECT nudged FROM conversations") == 1
        e.set_clock(3 * HOUR)   # idle longer still, before expiry: no second nudge
        time.sleep(1.2)
        assert e.texts_to(resident)[start:] == [T("report_nudge")], e.texts_to(resident)
        e.set_clock(24 * HOUR + 2 * MIN)
        e.wait_text(resident, lambda t: t == T("report_expired"), start, what="the expiry")
        assert e.q1("SELECT count(*) FROM conversations") == 0
        e.settled()
        assert e.texts_to(resident)[start:] == [T("report_nudge"), T("report_expired")], (
            e.texts_to(resident)[start:])
        # the next message starts afresh
        [m] = e.ask(resident, "tối qua")
        assert m != T("report_not_understood"), m
        assert tip_count(e) == 0
        e.stop()


# ---- 8. /trangthai and /tincuatoi --------------------------------------------------------------

def test_trangthai_own_code_any_form_others_and_random_not_found_tincuatoi_own_only():
    with tipstest.Env() as e:
        e.start()
        a, b = 700801, 700802
        code_a = e.file_tip(a, THEFT_NO_PLACE)
        code_a2 = e.file_tip(a, FRAUD)
        code_b = e.file_tip(b, ROBBERY_NOW)
        e.settled()
        tip = e.tip(code_a)
        view = T("status_view", code=code_a, status=T("status_new"), category=label("theft"),
                 created=tipstest.shown_time(tip["created_at"]),
                 updated=tipstest.shown_time(tip["updated_at"]))
        for typed in (code_a, bare(code_a), code_a.lower(), bare(code_a).lower()):
            [m] = e.ask(a, "/trangthai " + typed)
            assert m.rstrip("\n") == view, (typed, m, view)
        [others] = e.ask(a, "/trangthai " + code_b)
        while True:
            rnd = "".join(random.choice(tipstest.ALPHABET) for _ in range(8))
            if not e.tip(rnd):
                break
        [random_code] = e.ask(a, "/trangthai %s-%s" % (rnd[:4], rnd[4:]))
        assert others == random_code == T("tip_not_found"), (others, random_code)
        [m] = e.ask(a, "/trangthai")
        assert m == T("status_usage"), m

        [mine] = e.ask(a, "/tincuatoi")
        lines = mine.split("\n")
        assert lines[0] == T("mytips_head"), mine
        assert sorted(codes_in(mine)) == sorted([code_a, code_a2]), mine
        t2 = e.tip(code_a2)
        assert T("mytips_line", code=code_a2, category=label("fraud"), status=T("status_new"),
                 created=tipstest.shown_time(t2["created_at"])) in lines, mine
        [mine_b] = e.ask(b, "/tincuatoi")
        assert codes_in(mine_b) == [code_b], mine_b
        [none] = e.ask(700803, "/tincuatoi")
        assert none == T("mytips_none"), none
        e.stop()


# ---- 9. /bosung: text and photos ---------------------------------------------------------------

def test_bosung_text_and_photos_reach_the_desk_and_too_many_photos_refused():
    with tipstest.Env(tips={"max_per_hour": 5, "max_attachments": 2}) as e:
        e.start()
        r = 700901
        code = e.file_tip(r, THEFT_WITH_PLACE_AND_TIME)
        e.wait_desk(DESK_TDP5, code)
        d0 = e.mark(DESK_TDP5)
        extra = "Kẻ trộm mặc áo khoác đen, đi xe Wave biển 29A1-23456"
        [m] = e.ask(r, "/bosung %s %s" % (code, extra))
        assert m == T("add_done", code=code), m
        [to_desk] = e.wait_new(DESK_TDP5, d0)
        assert to_desk == T("relay_add_to_desk_text", code=code, text=extra), to_desk
        tip = e.tip(code)
        assert tip["description"] == THEFT_WITH_PLACE_AND_TIME + "\n" + extra, tip

        # photos on Telegram, with the command as their caption
        for fid in ["AgACphoto-one", "AgACphoto-two"]:
            since = e.mark(r)
            e.fake.push_photo(r, fid, caption="/bosung " + bare(code).lower())
            [m] = e.wait_new(r, since)
            assert m == T("add_done", code=code), m
            e.settled()
        assert e.q("SELECT a.ref FROM tip_attachments a JOIN tips t ON t.id = a.tip_id "
                   "WHERE t.code = ? ORDER BY a.id", bare(code)) == [("AgACphoto-one",),
                                                                     ("AgACphoto-two",)]
        # a third is over tips.max_attachments (2): refused politely, not stored, not sent
        since = e.mark(r)
        e.fake.push_photo(r, "AgACphoto-three", caption="/bosung " + code)
        [m] = e.wait_new(r, since)
        assert m == T("add_done_photos_refused", code=code), m
        e.settled()
        assert e.q1("SELECT count(*) FROM tip_attachments") == 2
        photos = [s for s in e.sent_records(DESK_TDP5) if s["method"] == "sendPhoto"]
        assert all(s["text"] == T("desk_photo_caption", code=code) for s in photos), photos
        sent = [s["params"].get("photo") for s in photos]
        assert "AgACphoto-three" not in sent, sent
        problems = []
        if sent != ["AgACphoto-one", "AgACphoto-two"]:
            problems.append("each added photo must reach the desk once, in order; the desk "
                            "got %r" % sent)
        empty = T("relay_add_to_desk", code=code, photos="0", text="")
        if empty in e.texts_to(DESK_TDP5):
            problems.append("the refused photo still told the desk of an addition with no "
                            "text and no photo: %r" % empty)
        assert not problems, "\n".join(problems)
        e.stop()


# ---- 10. /gopy ---------------------------------------------------------------------------------

def test_gopy_files_feedback_with_code_and_reaches_the_desk():
    with tipstest.Env() as e:
        e.start()
        r = 701001
        text = "Đề nghị lắp thêm đèn đường ở ngõ 9 vì buổi tối rất tối"
        [m] = e.ask(r, "/gopy " + text)
        code = codes_in(m)[0]
        assert m == T("feedback_filed", code=code), m
        tip = e.tip(code)
        assert (tip["kind"], tip["category"], tip["description"], tip["deadline_at"]) == (
            "feedback", None, text, None), tip
        desk = e.wait_desk(DESK_DEFAULT, code)
        assert T("desk_line_description", value=text) in desk, desk
        [m] = e.ask(r, "/trangthai " + code)
        assert m.startswith(T("status_view_feedback", code=code).split("\n")[0]), m
        # the guided form: the content, then the summary, then "Gửi"
        [m] = e.ask(r, "/gopy")
        assert m == T("feedback_ask_describe"), m
        text2 = "Cảm ơn các anh đã tuần tra đêm qua ở khu chợ"
        [m] = e.ask(r, text2)
        assert m == T("feedback_summary", description=text2), m
        [m] = e.wait_new(r, e.press(r, T("choice_send")))
        code2 = codes_in(m)[0]
        assert m == T("feedback_filed", code=code2), m
        assert (e.tip(code2)["kind"], e.tip(code2)["description"]) == ("feedback", text2)
        e.wait_desk(DESK_DEFAULT, code2)
        e.stop()


# ---- 11. abuse: rate limit and repeated text -------------------------------------------------

def test_sixth_tip_in_an_hour_refused_and_same_text_recognised_as_filed():
    with tipstest.Env() as e:
        e.start()
        r = 701101
        first = e.file_tip(r, THEFT_NO_PLACE)
        [m] = e.ask(r, "/baotin " + THEFT_NO_PLACE)
        assert m == T("tip_duplicate", code=first), m
        [m] = e.ask(r, "/baotin  " + THEFT_NO_PLACE.upper())   # other case and spacing
        assert m == T("tip_duplicate", code=first), m
        assert tip_count(e) == 1
        e.set_clock(11 * MIN)   # past the 10-minute window it is a new tip
        second = e.file_tip(r, THEFT_NO_PLACE)
        assert second != first and tip_count(e) == 2
        others = ["Có người bán ma túy ở Thôn Đông tối nay",
                  "Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ",
                  FRAUD]
        for text in others:
            e.file_tip(r, text)
        assert tip_count(e) == 5
        sixth = "Tối nay lúc 8h có nhóm đánh nhau ở tổ 5"
        # told with the time left (the first tip leaves the hour 49 minutes from now), and the
        # text is kept as a draft rather than lost
        [m, _] = e.ask(r, "/baotin " + sixth, n=2)
        assert m == T("tip_limit_start", max=5, minutes=49), m
        e.settled()
        assert tip_count(e) == 5
        # another resident is not limited by the first one's tips
        e.file_tip(701102, sixth)
        assert tip_count(e) == 6
        # an hour after the first tip, the window has room again
        e.set_clock(61 * MIN)
        e.file_tip(r, sixth)
        assert tip_count(e) == 7
        e.stop()


# ---- 12. routing -----------------------------------------------------------------------------

def test_routing_by_area_in_text_category_and_default_desk():
    with tipstest.Env() as e:
        e.start()
        r = 701201
        cases = [("Tối qua có kẻ trộm xe máy ở tổ 5", DESK_TDP5, "TDP5"),
                 ("Có người bán ma túy ở Thôn Đông tối nay", DESK_THONDONG, "THONDONG"),
                 ("có người bán ma tuý ở thon dong", DESK_THONDONG, "THONDONG"),
                 (FRAUD + " ở tổ 5", DESK_FRAUD, "TDP5"),
                 ("Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ", DESK_DEFAULT, None),
                 ("Có kẻ trộm gà ở tổ 50", DESK_DEFAULT, None)]
        for i, (text, desk, area) in enumerate(cases):
            code = e.file_tip(r + i, text)
            tip = e.tip(code)
            assert (tip["area"], tip["desk_chat_id"]) == (area, desk), (text, tip)
            e.wait_desk(desk, code)
        e.settled()
        seen = {}  # each tip went to one desk only
        for c, t in desk_texts(e):
            for code in codes_in(t):
                seen.setdefault(code, set()).add(c)
        assert all(len(v) == 1 for v in seen.values()), seen
        e.stop()


def test_routing_uses_the_place_answered_in_the_guided_report():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        [m] = u.ask(THEFT_NO_PLACE)
        assert m["text"] == T("report_ask_place"), m
        u.ask("ngõ 3, tổ 5")
        u.ask("tối qua")
        u.choose("continue")
        u.choose("anonymous")
        [filed] = u.choose("send")
        code = codes_in(filed["text"])[0]
        tip = e.tip(code)
        assert tip["place"] == "ngõ 3, tổ 5", tip
        e.settled()
        assert (tip["area"], tip["desk_chat_id"]) == ("TDP5", DESK_TDP5), (
            "the resident answered the place question with \"ngõ 3, tổ 5\" (alias of TDP5), "
            "yet the tip went to area %r, desk %r; desks got %r" %
            (tip["area"], tip["desk_chat_id"], desk_texts(e)))
        e.stop()


def test_no_desk_configured_tip_still_stored_and_listed_by_tinmoi():
    areas = [{"code": "TDP5", "name": "Tổ dân phố 5", "aliases": ["to 5"]}]
    with tipstest.Env(areas=areas, routing=None) as e:
        e.start()
        r = 701301
        code = e.file_tip(r, "Tối qua có kẻ trộm xe máy ở tổ 5")
        tip = e.tip(code)
        assert tip and tip["desk_chat_id"] is None, tip
        officer = e.officer(701399, chat=701399)
        [m] = e.ask(701399, "/tinmoi", from_id=officer)
        assert m.split("\n")[0] == T("desk_list_new"), m
        assert codes_in(m) == [code], m
        e.settled()
        assert desk_texts(e) == [], desk_texts(e)
        assert e.q1("SELECT count(*) FROM outbox WHERE chat_id NOT IN (?, ?)",
                    str(r), str(officer)) == 0
        e.stop()


# ---- 13. anonymity ---------------------------------------------------------------------------

def test_desks_never_see_tipster_names_usernames_or_ids():
    people = [(731904562, "Thủy Tiên", "tien_bigboss_1987"),
              (845120973, "Quốc Bảo", "baoquoc_xyz"),
              (902317745, "Hằng Nga", "ngahang_2000")]
    with tipstest.Env() as e:
        e.start()
        officer = e.officer(600001, name="Trung úy Minh")
        codes = []
        # 1: /baotin with a text
        uid, name, user = people[0]
        codes.append(e.file_tip(uid, THEFT_WITH_PLACE_AND_TIME, first_name=name,
                                username=user))
        # 2: an urgent fraud, then /bosung with text and a photo
        uid, name, user = people[1]
        codes.append(e.file_tip(uid, FRAUD + " ở tổ 5", first_name=name, username=user))
        e.ask(uid, "/bosung %s Nó gọi từ số lạ lúc 9h" % codes[-1], first_name=name,
              username=user)
        since = e.mark(uid)
        e.fake.push_photo(uid, "AgACanon-photo", caption="/bosung " + codes[-1],
                          first_name=name, username=user)
        e.wait_new(uid, since)
        # 3: the guided report, contactable by phone, then a question and its answer
        uid, name, user = people[2]
        kw = {"first_name": name, "username": user}
        e.ask(uid, "/baotin", **kw)
        [m] = e.ask(uid, "Có đối tượng lạ hay đi xem nhà ban đêm ở tổ 5 từ tuần trước", **kw)
        for _ in range(6):  # answer whatever is still missing, up to the phone
            if m.startswith(T("report_ask_category_check", category="@").split("@")[0]):
                [m] = e.wait_new(uid, e.press(uid, T("choice_right"), **kw))
            elif m == T("report_ask_place"):
                [m] = e.ask(uid, "tổ 5", **kw)
            elif m == T("report_ask_when"):
                [m] = e.ask(uid, "tuần trước", **kw)
            elif m == T("report_ask_media", max=5):
                [m] = e.wait_new(uid, e.press(uid, T("choice_continue"), **kw))
            elif m == T("report_ask_identity"):
                [m] = e.wait_new(uid, e.press(uid, T("choice_phone"), **kw))
            else:
                break
        assert m == T("report_ask_phone"), m
        [m] = e.ask(uid, "0987 654 321", **kw)
        assert T("identity_contact", phone="0987654321") in m, m
        since = e.press(uid, T("choice_send"), **kw)
        [filed] = e.wait_new(uid, since)
        codes.append(codes_in(filed)[0])
        tip = e.tip(codes[-1])
        assert (tip["anonymous"], tip["contact_phone"]) == (0, "0987654321"), tip
        desk = e.wait_desk(DESK_TDP5, codes[-1])
        assert T("desk_line_contact", value="0987654321") in desk.split("\n"), desk
        # the card showed the phone to the desk chat: that disclosure is in the audit log
        assert ("contact_to_desk", str(uid), "telegram:" + DESK_TDP5) in e.audit(codes[-1]), \
            e.audit(codes[-1])
        e.desk_cmd(officer, "/traloi %s Bạn thấy mấy người?" % codes[-1])
        e.wait_text(uid, lambda t: t.startswith(T("relay_to_tipster").split("\n")[0]
                                                .replace("{code}", codes[-1])))
        d = e.mark(DESK_TDP5)
        e.ask(uid, "Hai người, đi xe máy màu đỏ", **kw)
        e.wait_new(DESK_TDP5, d)
        e.desk_cmd(officer, "/tinmoi")
        e.desk_cmd(officer, "/tim xe may")
        e.settled()

        leaks = []
        rows = e.q("SELECT chat_id, text FROM outbox WHERE chat_id IN (%s)" %
                   ",".join("?" * len(DESK_CHATS)), *DESK_CHATS)
        with e.fake.cond:
            sent = [(s["chat_id"], json_dump(s["params"])) for s in e.fake.sent
                    if s["chat_id"] in DESK_CHATS]
        assert len(rows) >= 8 and sent, (rows, sent)
        for uid, name, user in people:
            for chat, text in rows + sent:
                for secret in (str(uid), name, user):
                    if secret in text:
                        leaks.append((secret, chat, text))
        assert not leaks, leaks
        # the only phone a desk sees for the contactable tip is the one the resident gave
        contact_lines = [t for c, t in rows if "0987654321" in t]
        assert contact_lines and all(codes[-1] in t for t in contact_lines), contact_lines
        for c, t in rows:
            if codes[0] in t or codes[1] in t:
                assert T("desk_line_contact", value="").strip() not in t, t
        e.stop()


def json_dump(obj):
    return json.dumps(obj, ensure_ascii=False)


if __name__ == "__main__":
    tglib.main(globals())
