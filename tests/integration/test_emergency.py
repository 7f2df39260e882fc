"""An emergency typed into the chat gets the emergency numbers first: in free text, after
/baotin, at any step of the guided report, with or without diacritics, on Telegram, the web
chat (with tel: buttons) and the console. The tip is filed at once as urgent (no offer, no
question, never "Việc xảy ra khi nào?"), the desk gets its top-priority alert, and only then
is the resident offered to add details — which reach the filed tip and the desk at once.

    python3 tests/integration/test_emergency.py --binary build/asan/tipgate [test_name ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DESK_DEFAULT, HOUR, MIN, T, codes_in  # noqa: E402

KNIFE = ("đang có đánh nhau có dao ở ngã tư chợ Đông, có người bị chém chảy máu nhiều")
KNIFE_PLAIN = ("dang co danh nhau co dao o nga tu cho dong, co nguoi bi chem chay mau nhieu")
FIRE = "cháy nhà ở ngõ 5, có người mắc kẹt bên trong, cứu với"
FIRE_PLAIN = "chay nha o ngo 5 co nguoi mac ket ben trong cuu voi"
ROBBERY_NOW = "đang có cướp, cứu với, ở ngõ 12 đường Lê Lợi"
STRANGER_NO_PLACE = "Có người lạ hay đi xem nhà ban đêm"
ONGOING_NOT_URGENT = "có mấy thanh niên đang hút cái gì đó trong hẻm, nghi là ma túy"

POLICE, FIRE_N, MEDICAL = "police", "fire", "medical"


def call(*numbers):
    """The emergency message naming these numbers, in order."""
    return T("emergency_call",
             numbers="\n".join(T("emergency_number_" + n) for n in numbers))


def questions():
    """The first lines of every question of the guided report and of the offer."""
    names = ("report_ask_offer", "report_ask_when", "report_ask_place", "report_ask_category",
             "report_ask_media", "report_ask_identity", "report_summary")
    return [T(n, max=5).split("\n")[0] for n in names]


def assert_no_question(texts):
    for t in texts:
        for q in questions():
            assert not t.startswith(q), (q, texts)


def desk_rows(e, code):
    return [(p, t) for p, t in e.q("SELECT priority, text FROM outbox WHERE chat_id = ? "
                                   "ORDER BY id", DESK_DEFAULT) if code in t]


# ---- Telegram: free text, with and without diacritics ------------------------------------

def test_free_text_emergency_gets_113_and_115_first_then_filed_at_once_on_telegram():
    with tipstest.Env() as e:
        e.start()
        for resident, text in ((710001, KNIFE), (710002, KNIFE_PLAIN)):
            since = e.say(resident, text)
            first, filed = e.wait_new(resident, since, 2)
            assert first == call(POLICE, MEDICAL), first
            code = codes_in(filed)[0]
            assert filed == T("emergency_filed", code=code), filed
            # Telegram buttons cannot dial: the numbers are in the text, and the follow-up
            # offers a phone and "done" as buttons
            recs = e.sent_records(resident)[since:]
            assert "reply_markup" not in recs[0]["params"], recs[0]
            labels = [b["text"] for row in recs[1]["params"]["reply_markup"]["inline_keyboard"]
                      for b in row]
            assert labels == [T("choice_phone"), T("emergency_choice_done")], labels
            tip = e.tip(code)
            assert (tip["kind"], tip["urgent"], tip["anonymous"], tip["category"],
                    tip["contact_phone"]) == ("tip", 1, 1, "violence", None), tip
            assert tip["happened"].startswith(T("value_ongoing", time="X").split("(")[0]), tip
            desk = e.wait_desk(DESK_DEFAULT, code)
            assert desk.startswith(T("desk_heading_urgent", value=code)), desk
            assert [p for p, _ in desk_rows(e, code)] == [0], desk_rows(e, code)
            e.settled()
            assert_no_question(e.texts_to(resident)[since:])
            assert e.q1("SELECT priority FROM outbox WHERE chat_id = ? ORDER BY id LIMIT 1",
                        str(resident)) == 0
        e.stop()


def test_fire_with_someone_trapped_names_114_and_115_with_and_without_diacritics():
    with tipstest.Env() as e:
        e.start()
        for resident, text in ((710011, FIRE), (710012, FIRE_PLAIN)):
            since = e.say(resident, text)
            first, filed = e.wait_new(resident, since, 2)
            assert first == call(FIRE_N, MEDICAL), (text, first)
            tip = e.tip(codes_in(filed)[0])
            assert (tip["category"], tip["urgent"]) == ("fire", 1), tip
        e.stop()


def test_details_location_text_photo_and_phone_reach_the_filed_tip_and_the_desk():
    with tipstest.Env() as e:
        e.start()
        r = 710021
        since = e.say(r, ROBBERY_NOW)
        _, filed = e.wait_new(r, since, 2)
        code = codes_in(filed)[0]
        e.wait_desk(DESK_DEFAULT, code)
        d = len(desk_rows(e, code))

        # more text: added to the tip, forwarded to the desk at top priority
        [m] = e.ask(r, "Hai thanh niên mặc áo đen, chạy về hướng chợ")
        assert m == T("emergency_added", code=code), m
        assert "áo đen" in e.tip(code)["description"], e.tip(code)
        # a location
        since = e.mark(r)
        e.fake.push_location(r, 21.0285, 105.8542)
        [m] = e.wait_new(r, since)
        assert m == T("emergency_added", code=code), m
        tip = e.tip(code)
        assert (round(tip["latitude"], 4), round(tip["longitude"], 4)) == (21.0285, 105.8542)
        # a photo
        since = e.mark(r)
        e.fake.push_photo(r, "AgACemergency-photo")
        [m] = e.wait_new(r, since)
        assert e.q1("SELECT count(*) FROM tip_attachments a JOIN tips t ON t.id = a.tip_id "
                    "WHERE t.code = ?", tipstest.bare(code)) == 1
        # the phone, through the button
        [m] = e.wait_new(r, e.press(r, T("choice_phone")))
        assert m == T("emergency_ask_phone"), m
        [m] = e.ask(r, "số mình là 0912 345 678")
        assert m == T("emergency_phone_saved", code=code, phone="0912345678"), m
        tip = e.tip(code)
        assert (tip["anonymous"], tip["contact_phone"]) == (0, "0912345678"), tip
        assert ("contact", str(r), None) in e.audit(code), e.audit(code)
        e.settled()
        rows = desk_rows(e, code)[d:]
        texts = [t for _, t in rows]
        assert all(p == 0 for p, _ in rows), rows
        assert any("áo đen" in t for t in texts), texts
        assert T("relay_location_to_desk", code=code, lat="21.028500", lon="105.854200") in texts
        assert T("relay_contact_to_desk", code=code, phone="0912345678") in texts, texts
        # done: the follow-up ends; the next message is read afresh
        [m] = e.wait_new(r, e.press(r, T("emergency_choice_done")))
        assert m == T("emergency_done", code=code), m
        assert e.q1("SELECT count(*) FROM conversations") == 0
        [m] = e.ask(r, "cảm ơn")
        assert m == T("fallback"), m
        e.stop()


def test_follow_up_lapses_after_an_hour_and_huy_ends_it_without_cancelling_the_tip():
    with tipstest.Env() as e:
        e.start()
        r = 710031
        since = e.say(r, ROBBERY_NOW)
        _, filed = e.wait_new(r, since, 2)
        code = codes_in(filed)[0]
        [m] = e.ask(r, "/huy")
        assert m == T("emergency_done", code=code), m
        assert e.tip(code)["status"] == "new"

        since = e.say(r, FIRE)
        _, filed = e.wait_new(r, since, 2)
        code2 = codes_in(filed)[0]
        e.set_clock(HOUR + MIN)
        [m] = e.ask(r, "chào bạn")
        assert m == T("fallback"), m
        assert "chào" not in e.tip(code2)["description"]
        e.stop()


def test_a_bare_cry_for_help_gets_the_numbers_then_one_question_then_is_filed_urgent():
    with tipstest.Env() as e:
        e.start()
        # typed without diacritics; the next message is a shared location only
        r = 710071
        since = e.say(r, "cuu toi voi")
        first, question = e.wait_new(r, since, 2)
        assert first == T("emergency_call_first", numbers=T("emergency_number_police")), first
        assert question == T("report_ask_distress"), question
        assert e.q1("SELECT count(*) FROM tips") == 0
        since = e.mark(r)
        e.fake.push_location(r, 21.0285, 105.8542)
        [filed] = e.wait_new(r, since)   # the numbers are not repeated
        code = codes_in(filed)[0]
        assert filed == T("emergency_filed", code=code), filed
        tip = e.tip(code)
        assert (tip["urgent"], tip["description"], round(tip["latitude"], 4)) == (
            1, "cuu toi voi", 21.0285), tip
        e.wait_desk(DESK_DEFAULT, code)

        # with diacritics; what is happening follows in words
        r = 710072
        since = e.say(r, "cứu em với")
        e.wait_new(r, since, 2)
        since = e.say(r, "có người đang đuổi theo em ở đầu ngõ 7 Lê Lợi")
        [filed] = e.wait_new(r, since)
        tip = e.tip(codes_in(filed)[0])
        assert tip["description"] == "cứu em với\ncó người đang đuổi theo em ở đầu ngõ 7 Lê Lợi"
        assert tip["urgent"] == 1, tip
        e.settled()
        assert_no_question(e.texts_to(r)[since:])
        e.stop()


# ---- /baotin and the guided report ---------------------------------------------------------

def test_emergency_at_any_step_of_the_guided_report_files_what_is_known_at_once():
    with tipstest.Env() as e:
        e.start()
        # at the describe step
        r = 710041
        e.ask(r, "/baotin")
        since = e.say(r, KNIFE_PLAIN)
        first, filed = e.wait_new(r, since, 2)
        assert first == call(POLICE, MEDICAL), first
        assert e.tip(codes_in(filed)[0])["description"] == KNIFE_PLAIN

        # at the place step: the story so far plus the answer, the answer as the place
        r = 710042
        e.ask(r, "/baotin")
        [m] = e.ask(r, STRANGER_NO_PLACE)
        assert m == T("report_ask_place"), m
        answer = "ngõ 12, nó đang cầm dao đuổi chém người, cứu với"
        since = e.say(r, answer)
        first, filed = e.wait_new(r, since, 2)
        assert first.startswith(T("emergency_call", numbers="").split("\n")[0]), first
        tip = e.tip(codes_in(filed)[0])
        assert tip["description"] == STRANGER_NO_PLACE + "\n" + answer, tip
        assert (tip["urgent"], tip["place"]) == (1, answer), tip
        assert tip["happened"].startswith(T("value_ongoing", time="X").split("(")[0]), tip
        e.settled()
        assert_no_question(e.texts_to(r)[since:])
        assert e.q1("SELECT flow FROM conversations WHERE chat_id = ?", str(r)) == "urgent"

        # /gopy with an emergency is a tip, not an opinion
        r = 710043
        since = e.say(r, "/gopy " + ROBBERY_NOW)
        first, filed = e.wait_new(r, since, 2)
        assert first == call(POLICE), first
        assert e.tip(codes_in(filed)[0])["kind"] == "tip"
        e.stop()


def test_something_happening_now_is_never_asked_when():
    with tipstest.Env() as e:
        e.start()
        r = 710051
        e.ask(r, "/baotin")
        [m] = e.ask(r, ONGOING_NOT_URGENT)
        seen = [m]
        for _ in range(4):
            if m.startswith(T("report_ask_place")[:10]):
                [m] = e.ask(r, "hẻm 12 Lê Lợi")
            elif m.startswith(T("report_ask_media", max=5)[:10]):
                [m] = e.wait_new(r, e.press(r, T("choice_continue")))
            elif m.startswith(T("report_ask_identity")[:10]):
                [m] = e.wait_new(r, e.press(r, T("choice_anonymous")))
            else:
                break
            seen.append(m)
        assert not any(t.startswith(T("report_ask_when")[:20]) for t in seen), seen
        assert T("value_ongoing", time="")[:12] in m, m   # the summary says "đang diễn ra"
        e.stop()


def test_sixth_emergency_within_the_hour_is_still_filed_and_alerted():
    with tipstest.Env() as e:
        e.start()
        r = 710061
        for text in ("Có người bán ma túy ở Thôn Đông tối nay",
                     "Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ tối qua",
                     "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh",
                     "Hôm qua tôi bị lừa chuyển 5 triệu cho tài khoản lạ",
                     "Tuần trước có người lạ hay đi xem nhà ban đêm ở tổ 5"):
            e.file_tip(r, text)
        assert e.q1("SELECT count(*) FROM tips") == 5
        since = e.say(r, FIRE)
        first, filed = e.wait_new(r, since, 2)
        assert first == call(FIRE_N, MEDICAL), first
        code = codes_in(filed)[0]
        e.wait_desk(DESK_DEFAULT, code)
        assert e.q1("SELECT count(*) FROM tips") == 6
        e.stop()


# ---- the web chat: tel: buttons ------------------------------------------------------------

def test_web_chat_emergency_has_tel_buttons_and_follow_up_buttons():
    with tipstest.Env(telegram=False, routing=None) as e:
        e.start()
        w = e.web()
        first, filed = w.ask(KNIFE, n=2)
        assert first["text"] == call(POLICE, MEDICAL), first
        assert first["buttons"] == [[{"text": T("emergency_button_police"), "url": "tel:113"}],
                                    [{"text": T("emergency_button_medical"),
                                      "url": "tel:115"}]], first
        code = codes_in(filed["text"])[0]
        assert tipstest.button_data(filed) == [(T("choice_phone"), "phone"),
                                               (T("emergency_choice_done"), "done")], filed
        [m] = w.choose("phone")
        assert m["text"] == T("emergency_ask_phone"), m
        [m] = w.ask("an danh")
        assert m["text"] == T("emergency_kept_anonymous", code=code), m
        assert e.tip(code)["anonymous"] == 1
        e.stop()


# ---- the console ---------------------------------------------------------------------------

def test_console_emergency_numbers_first_then_numbered_follow_up():
    with tipstest.Env(telegram=False) as e:
        status, out, err = tglib.run_chat(e.tg.config_path, [KNIFE_PLAIN, "1", "0987654321",
                                                             "2"], env=e.tg.env)
        assert status == 0, (status, err[-3000:])
        for mark in tglib.SANITIZER_MARKS:
            assert mark not in err, err
        assert out.startswith(call(POLICE, MEDICAL)), out[:400]
        code = codes_in(out)[0]
        assert (T("emergency_filed", code=code) + "\n\n1. " + T("choice_phone") + "\n2. " +
                T("emergency_choice_done")) in out, out
        assert T("emergency_phone_saved", code=code, phone="0987654321") in out, out
        assert T("emergency_done", code=code) in out, out
        tip = e.tip(code)
        assert (tip["platform"], tip["urgent"], tip["contact_phone"]) == (
            "console", 1, "0987654321"), tip


if __name__ == "__main__":
    tglib.main(globals())
