"""The guided report as a resident on a phone expects it (issue 13, items 3 and 5): "không",
"ko", "bỏ qua" and numbers at every optional step, a button's label typed by hand never taken
as an answer, the hourly limit told at the start with the minutes left and a refused draft
kept, six likely categories and "Loại khác…", a confident category confirmed, place and time
shown back in the writer's own words, /gopy with its own wording and kept apart from the tips,
the ward's own name from the configuration, and /huongdan. Telegram residents talk to a
FakeTelegram; web chat residents over the WebSocket.

    python3 tests/integration/test_report_flow.py --binary build/asan/tipgate [test_name ...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import (DESK_DEFAULT, DESK_TDP5, MIN, T, button_data, codes_in,  # noqa: E402
                      label)

# The engine reads a theft with some doubt (0.6 to 0.9): its category is confirmed.
THEFT_UNSURE = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
# No place, no time in the text.
THEFT_NO_PLACE = "Nhà hàng xóm bị trộm mất xe máy"
OFFICER = 9301


def is_category_check(text):
    return text.startswith(T("report_ask_category_check", category="\x00").split("\x00")[0])


def web_to_place(e, u, description):
    """A web chat report from /baotin to the place question (a category question, when there
    is one, answered with the first button); returns the place question."""
    [m] = u.ask("/baotin")
    assert m["text"] == T("report_ask_describe"), m
    [m] = u.ask(description)
    for _ in range(2):
        if is_category_check(m["text"]) or m["text"].startswith(
                T("report_ask_category")[:12]) or m["text"] == T("report_ask_category_guess"):
            [m] = u.choose(button_data(m)[0][1])
    return m


def tg_answer(e, chat, text):
    [m] = e.ask(chat, text)
    return m


# ---- 1. optional steps: "không", "bỏ qua", numbers ------------------------------------------

def test_no_skip_and_numbers_work_at_every_optional_step_on_the_web_chat():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        m = web_to_place(e, u, THEFT_NO_PLACE)
        assert m["text"] == T("report_ask_place"), m
        assert button_data(m) == [(T("choice_skip"), "skip")], m
        [m] = u.ask("không")                         # place: "không"
        assert m["text"] == T("report_ask_when"), m
        [m] = u.ask("1")                             # time: the number of "Bỏ qua"
        assert m["text"] == T("report_ask_media", max=5), m
        [m] = u.ask("không có ảnh")                  # photos: "không có ảnh"
        assert m["text"] == T("report_ask_identity"), m
        [m] = u.ask("1")                             # identity: 1. Ẩn danh
        assert m["text"].startswith(T("report_summary").split("\n")[0]), m
        assert T("report_not_understood") not in [x["text"] for x in u.got]
        [filed] = u.choose("send")
        tip = e.tip(codes_in(filed["text"])[0])
        assert not tip["place"] and not tip["happened"] and tip["anonymous"] == 1, tip
        e.stop()


def test_ko_and_bo_qua_without_diacritics_on_telegram():
    with tipstest.Env() as e:
        e.start()
        r = 730101
        e.ask(r, "/baotin")
        m = tg_answer(e, r, THEFT_NO_PLACE)
        while m != T("report_ask_place"):           # the category, however it is asked
            [m] = e.wait_new(r, e.press(r, label("theft") if not is_category_check(m)
                                        else T("choice_right")))
        assert tg_answer(e, r, "bo qua") == T("report_ask_when")
        assert tg_answer(e, r, "ko") == T("report_ask_media", max=5)
        assert tg_answer(e, r, "k") == T("report_ask_identity")
        m = tg_answer(e, r, "Bỏ qua")                # no phone given: anonymous
        assert m.startswith(T("report_summary").split("\n")[0]), m
        assert T("report_not_understood") not in e.texts_to(r)
        e.stop()


# ---- 2. a button label typed by hand --------------------------------------------------------

def test_a_button_label_typed_by_hand_is_never_stored_as_an_answer():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        m = web_to_place(e, u, THEFT_NO_PLACE)
        assert m["text"] == T("report_ask_place"), m
        [m] = u.ask("ngõ 7 phố Hàng Bạc")
        assert m["text"] == T("report_ask_when"), m
        # "Gửi" is another step's button: not a time, the question again
        [no, again] = u.ask("Gửi", n=2)
        assert no["text"] == T("report_not_understood"), no
        assert again["text"] == T("report_ask_when"), again
        # "Tiếp tục" (the photo step's button) typed here: nothing to say, go on
        [m] = u.ask("Tiếp tục")
        assert m["text"] == T("report_ask_media", max=5), m
        u.choose("continue")
        [summary] = u.choose("anonymous")
        assert "Tiếp tục" not in summary["text"] and "Gửi\n" not in summary["text"], summary
        [filed] = u.choose("send")
        code = codes_in(filed["text"])[0]
        tip = e.tip(code)
        assert tip["place"] == "ngõ 7 phố Hàng Bạc" and not tip["happened"], tip
        desk = e.wait_desk(DESK_DEFAULT, code)
        assert T("desk_line_when", value="") not in desk and "Tiếp tục" not in desk, desk
        e.stop()


# ---- 3. the hourly limit --------------------------------------------------------------------

def test_limit_is_told_at_the_start_with_the_minutes_left_and_the_draft_is_kept():
    with tipstest.Env() as e:
        e.start()
        r = 730301
        texts = ["Có người bán ma túy ở Thôn Đông tối nay",
                 "Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ",
                 "Có người gọi điện giả danh công an lừa chuyển tiền 50 triệu",
                 "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy",
                 "Có người lạ hay rình mò trước cổng trường ở tổ 5"]
        for text in texts:
            e.file_tip(r, text)
        # feedback is not a tip: never refused by the tips' limit
        m = tg_answer(e, r, "/gopy Cảm ơn các anh đã tuần tra đêm qua")
        assert m == T("feedback_filed", code=codes_in(m)[0]), m
        e.set_clock(20 * MIN)
        # the limit before the story, with the time left; the question follows
        [limit, m] = e.ask(r, "/baotin", n=2)
        assert limit == T("tip_limit_start", max=5, minutes=40), limit
        assert m == T("report_ask_describe"), m
        m = tg_answer(e, r, THEFT_NO_PLACE)
        for _ in range(6):
            if m.startswith(T("report_summary").split("\n")[0]):
                break
            if is_category_check(m):
                [m] = e.wait_new(r, e.press(r, T("choice_right")))
            elif m == T("report_ask_identity"):
                [m] = e.wait_new(r, e.press(r, T("choice_anonymous")))
            elif m == T("report_ask_media", max=5):
                [m] = e.wait_new(r, e.press(r, T("choice_continue")))
            elif m in (T("report_ask_place"), T("report_ask_when")):
                m = tg_answer(e, r, "không rõ")
            else:
                [m] = e.wait_new(r, e.press(r, label("theft")))
        # "Gửi" while over the limit: told with the time left, the draft kept with its buttons
        [kept] = e.wait_new(r, e.press(r, T("choice_send")))
        assert kept == T("tip_limit_kept", max=5, minutes=40), kept
        assert e.q1("SELECT count(*) FROM tips WHERE kind = 'tip'") == 5
        assert e.q1("SELECT step FROM conversations") == "confirm"
        # an hour after the first tips, the same button files the kept draft
        e.set_clock(61 * MIN)
        since = e.press(r, T("choice_send"), on=lambda t: t == kept)
        filed = e.wait_text(r, lambda t: t.startswith(T("tip_filed", code="X")[:12]), since,
                            what="the receipt")
        tip = e.tip(codes_in(filed)[0])
        assert tip["description"] == THEFT_NO_PLACE, tip
        assert e.q1("SELECT count(*) FROM conversations") == 0
        e.stop()


# ---- 4. the category step -------------------------------------------------------------------

def test_a_doubtful_confident_category_is_confirmed_and_other_shows_six_plus_more():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        [m] = u.ask(THEFT_UNSURE)
        assert m["text"] == T("report_ask_category_check", category=label("theft")), m
        assert button_data(m) == [(T("choice_right"), "right"),
                                  (T("choice_other_category"), "other")], m
        [m] = u.choose("other")
        assert m["text"] == T("report_ask_category_guess"), m
        buttons = button_data(m)
        assert len(buttons) == 7 and buttons[0] == (label("theft"), "theft"), buttons
        assert buttons[-1] == (T("choice_category_more"), "more"), buttons
        [m] = u.choose("more")
        rest = button_data(m)
        assert len(rest) == 19 - 6 and not set(rest) & set(buttons), rest
        [m] = u.choose("robbery" if ("Cướp, cướp giật tài sản", "robbery") in rest
                       else rest[0][1])
        assert m["text"] == T("report_ask_media", max=5), m
        draft = json.loads(e.q1("SELECT data FROM conversations"))
        assert "category_conf" not in draft, draft   # a person chose it
        e.stop()


# ---- 5. place and time in the writer's words ------------------------------------------------

def test_place_and_time_are_shown_back_in_the_writers_words_never_a_fragment():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        # the engine reads "tối nào cũng" and "hem 12" (the street cut off): neither is shown
        [m] = u.ask("toi nao cung co nguoi ban ma tuy o hem 12 le loi")
        assert m["text"] == T("report_ask_place"), m
        [m] = u.ask("hẻm 12 Lê Lợi")
        assert m["text"] == T("report_ask_when"), m
        [m] = u.ask("tối nào cũng có, khoảng 21h")
        assert m["text"] == T("report_ask_media", max=5), m
        u.choose("continue")
        [summary] = u.choose("anonymous")
        assert T("report_summary").split("\n")[2].replace("{place}", "hẻm 12 Lê Lợi") in \
            summary["text"], summary
        assert "toi nao cung\n" not in summary["text"] and "hem 12\n" not in summary["text"]
        [filed] = u.choose("send")
        code = codes_in(filed["text"])[0]
        tip = e.tip(code)
        assert (tip["place"], tip["happened"]) == ("hẻm 12 Lê Lợi", "tối nào cũng có, khoảng 21h")
        # filed at once: no broken fragment on the desk's card either
        r = 730501
        code = e.file_tip(r, "toi nao cung co nguoi ban ma tuy o hem 12 le loi")
        card = e.wait_desk(DESK_DEFAULT, code)
        assert T("desk_line_when", value="toi nao cung") not in card.split("\n"), card
        assert T("desk_line_place", value="hem 12") not in card.split("\n"), card
        # a clean piece of the writer's words is kept ("tổ 5", not "tổ 5 nhà")
        code = e.file_tip(730502, "Đêm qua ở tổ 5 nhà em bị trộm cạy khóa dắt mất xe máy")
        card = e.wait_desk(DESK_TDP5, code)
        assert T("desk_line_place", value="tổ 5") in card.split("\n"), card
        e.stop()


# ---- 6. /gopy -------------------------------------------------------------------------------

def test_gopy_has_its_own_wording_and_never_shows_among_tips():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, chat=DESK_DEFAULT, area="TDP5")
        r = 730601
        m = tg_answer(e, r, "/gopy")
        assert m == T("feedback_ask_describe"), m
        assert "kể lại sự việc" not in m
        text = "Đề nghị lắp thêm đèn đường ở ngõ 9 vì buổi tối rất tối"
        m = tg_answer(e, r, text)
        assert m == T("feedback_summary", description=text), m
        assert T("field_category") not in m and T("category_unknown") not in m
        [filed] = e.wait_new(r, e.press(r, T("choice_send")))
        code = codes_in(filed)[0]
        assert filed == T("feedback_filed", code=code), filed
        card = e.wait_text(DESK_DEFAULT, lambda t: code in t, what="the feedback card")
        assert card.startswith(T("desk_heading_feedback", value=code)), card
        assert T("category_unknown") not in card, card
        m = tg_answer(e, r, "/trangthai " + code)
        assert m.startswith(T("status_view_feedback", code=code).split("\n")[0]), m
        assert T("category_unknown") not in m, m
        m = tg_answer(e, r, "/tincuatoi")
        assert T("mytips_line", code=code, category=T("feedback_label"), status="@",
                 created="@").split("@")[0] in m, m
        # never among the tips of the desk's lists; its own list
        [m] = e.desk_cmd(OFFICER, "/tinmoi", chat=DESK_DEFAULT)
        assert code not in m, m
        [m] = e.desk_cmd(OFFICER, "/tim đèn đường", chat=DESK_DEFAULT)
        assert code not in m, m
        [m] = e.desk_cmd(OFFICER, "/dsgopy", chat=DESK_DEFAULT)
        assert m.startswith(T("desk_list_feedback")) and code in m, m
        e.stop()


# ---- 7. item 5: the ward's name, /huongdan, the wording -------------------------------------

def test_the_wards_own_name_and_huongdan_in_what_residents_read():
    ward = "Công an phường Bến Nghé"
    with tipstest.Env(extra={"ward": {"police_name": ward}}) as e:
        e.start()
        texts = tglib.texts(ward=ward)
        r = 730701
        m = tg_answer(e, r, "/start")
        assert m == texts["welcome"] and ward in m and "phường/xã" not in m, m
        assert "/huongdan" in m and "/help" not in m, m
        code = e.file_tip(r, THEFT_NO_PLACE)
        filed = [t for t in e.texts_to(r) if code in t][0]
        assert filed == texts["tip_filed"].replace("{code}", code), filed
        assert ward in filed and "phường/xã" not in filed, filed
        m = tg_answer(e, r, "/lenhla")
        assert "/huongdan" in m and "/help" not in m, m
        assert tg_answer(e, r, "/huongdan") == texts["help"]
        e.stop()


def test_closing_without_grounds_is_told_in_plain_words():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER)
        r = 730801
        code = e.file_tip(r, "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy")
        since = e.mark(r)
        e.desk_cmd(OFFICER, "/xuly %s không có căn cứ" % code)
        [m] = e.wait_new(r, since)
        assert m == T("tip_notice_rejected", code=code), m
        assert m.startswith("Sau khi xác minh, Công an chưa có căn cứ để xử lý tin %s." % code)
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
