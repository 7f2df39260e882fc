"""The desk's buttons (issue 9, item 2), and the desk on platforms without them.

On Telegram: every desk message about a tip carries Nhận / Trả lời / Xử lý / Xem; an urgent tip's
card is another shape, headed KHẨN CẤP; presses in the desk group do exactly what the typed
commands do, for enrolled officers only; "Trả lời" takes the pressing officer's next message in
that chat (and nobody else's, and not after a while) as the reply to the tipster. On Zalo (no
buttons) the same desk reads cards and lists as text, with what to type; on the console an
officer is told which photos cannot be shown there.

    python3 tests/integration/test_desk_buttons.py --binary build/asan/tipgate [test_name ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import groupstest as gt  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DESK_DEFAULT, DESK_TDP5, HOUR, MIN, T, codes_in, matches  # noqa: E402

OFFICER = 600001
MEMBER = 600099            # in the desk group, not enrolled
THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
ROBBERY_NOW = "đang có cướp, cứu với, ở ngõ 12 đường Lê Lợi"
CARD_BUTTONS = [[T("desk_button_ack"), T("desk_button_reply")],
                [T("desk_button_status"), T("desk_button_view")]]


def keyboard(e, chat, pred):
    """[[label, …], …] under the last message to chat whose text satisfies pred."""
    with e.fake.cond:
        msgs = [s for s in e.fake.sent if s["chat_id"] == str(chat) and pred(s["text"])]
    assert msgs, "no such message to %s" % chat
    kb = (msgs[-1]["params"].get("reply_markup") or {}).get("inline_keyboard") or []
    return [[b["text"] for b in row] for row in kb]


def relayed(e, tipster):
    """The desk's messages the tipster got through the relay."""
    head = T("relay_to_tipster").split("{code}")[0]
    return [t for t in e.texts_to(tipster) if t.startswith(head)]


# ---- Telegram ------------------------------------------------------------------------------

def test_desk_messages_carry_buttons_and_an_urgent_card_has_another_shape():
    with tipstest.Env() as e:
        e.start()
        routine = e.file_tip(700401, THEFT_TDP5)
        card = e.wait_desk(DESK_TDP5, routine)
        lines = card.split("\n")
        assert lines[0] == T("desk_heading_new", value=routine), card
        assert lines.index(T("desk_line_category", value=tipstest.label("theft"))) < \
            lines.index(T("desk_line_description", value=THEFT_TDP5)), card
        assert lines[-1] == T("desk_line_commands", value=routine), card
        assert keyboard(e, DESK_TDP5, lambda t: t == card) == CARD_BUTTONS

        urgent = e.file_tip(700402, ROBBERY_NOW)
        card = e.wait_desk(DESK_DEFAULT, urgent)
        lines = card.split("\n")
        # the first line says KHẨN CẤP; what is happening comes before anything else
        assert "KHẨN CẤP" in lines[0] and lines[0] != T("desk_heading_new", value=urgent)
        assert "\n".join(lines[:2]) == T("desk_heading_urgent", value=urgent), card
        assert lines[2] == T("desk_line_description", value=ROBBERY_NOW), card
        assert lines[-1] == T("desk_line_commands_urgent", value=urgent), card
        assert keyboard(e, DESK_DEFAULT, lambda t: t == card) == CARD_BUTTONS

        # a reminder about the tip carries them too; once acknowledged, no Nhận any more
        e.set_clock(2 * HOUR + MIN)
        e.wait_text(DESK_TDP5, lambda t: matches("sla_ack_reminder", t, code=routine),
                    what="ack reminder")
        assert keyboard(e, DESK_TDP5, lambda t: matches("sla_ack_reminder", t, code=routine)) \
            == CARD_BUTTONS
        e.officer(OFFICER)
        e.desk_cmd(OFFICER, "/nhan " + routine)
        e.set_clock(24 * HOUR + MIN)
        e.wait_text(DESK_TDP5, lambda t: matches("sla_classify_reminder", t, code=routine),
                    what="classify reminder")
        assert keyboard(e, DESK_TDP5,
                        lambda t: matches("sla_classify_reminder", t, code=routine)) == [
            [T("desk_button_reply")], [T("desk_button_status"), T("desk_button_view")]]
        e.stop()


def test_presses_do_what_the_commands_do_and_only_for_officers():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER)
        tipster = 700411
        code = e.file_tip(tipster, THEFT_TDP5)
        e.wait_desk(DESK_TDP5, code)
        before = e.tip(code)

        # someone in the desk group who is not an enrolled officer: refused, nothing changes
        since = e.press(DESK_TDP5, T("desk_button_ack"), from_id=MEMBER)
        assert e.wait_new(DESK_TDP5, since) == [T("desk_only_police")]
        e.settled()
        assert e.tip(code) == before

        since = e.mark(tipster)
        d = e.press(DESK_TDP5, T("desk_button_ack"), from_id=OFFICER)
        assert e.wait_new(DESK_TDP5, d) == [T("desk_done_ack", code=code)]
        assert e.wait_new(tipster, since) == [T("tip_notice_ack", code=code)]
        assert e.audit(code)[-1][:2] == ("ack", str(OFFICER)), e.audit(code)

        # Xử lý: the statuses as buttons, then the chosen one set and told
        d = e.press(DESK_TDP5, T("desk_button_status"), from_id=OFFICER)
        [ask] = e.wait_new(DESK_TDP5, d)
        assert ask == T("desk_status_ask", code=code), ask
        assert keyboard(e, DESK_TDP5, lambda t: t == ask) == [
            [T("status_" + s)] for s in ("received", "verifying", "transferred", "resolved",
                                         "rejected")]
        since = e.mark(tipster)
        d = e.press(DESK_TDP5, T("status_verifying"), from_id=OFFICER)
        assert e.wait_new(DESK_TDP5, d) == [T("desk_done_status", code=code,
                                              status=T("status_verifying"))]
        assert e.wait_new(tipster, since) == [T("tip_notice_status", code=code,
                                                status=T("status_verifying"))]
        assert e.tip(code)["status"] == "verifying"
        # typed without a status on a platform with buttons: the same question
        [ask] = e.desk_cmd(OFFICER, "/xuly " + code)
        assert ask == T("desk_status_ask", code=code), ask

        # Xem under a list
        e.desk_cmd(OFFICER, "/tim xe may")
        d = e.press(DESK_TDP5, T("desk_button_view_code", code=code), from_id=OFFICER)
        [view] = e.wait_new(DESK_TDP5, d)
        assert view.split("\n")[0] == T("desk_view_heading", value=code), view
        # the web chat carries payloads itself: a resident forging one is refused like a command
        [m] = e.web().choose("desk:ack:" + tipstest.bare(code))
        assert m["text"] == T("desk_only_police"), m
        e.stop()


def test_tra_loi_takes_the_officers_next_message_in_that_chat_and_nothing_else():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER)
        tipster = 700421
        code = e.file_tip(tipster, THEFT_TDP5)
        card = e.wait_desk(DESK_TDP5, code)

        def press_reply():   # under the card, however many messages came after it
            since = e.press(DESK_TDP5, T("desk_button_reply"), from_id=OFFICER,
                            on=lambda t: t == card)
            [prompt] = e.wait_new(DESK_TDP5, since)
            assert prompt == T("desk_reply_prompt", code=code, minutes=10), prompt
            return prompt

        prompt = press_reply()
        assert keyboard(e, DESK_TDP5, lambda t: t == prompt) == [[T("choice_cancel")]]
        # a colleague talking in the group is not the reply
        e.say(DESK_TDP5, "ok anh, em đang xuống hiện trường", from_id=MEMBER)
        question = "Bạn còn nhớ biển số xe không?"
        since = e.say(DESK_TDP5, question, from_id=OFFICER, first_name="Cán bộ")
        e.wait_text(DESK_TDP5, lambda t: t == T("desk_done_reply", code=code), since,
                    what="desk_done_reply")
        # the tipster's copy goes to another chat: it may leave the sender a moment later
        apitest.wait_until(lambda: relayed(e, tipster), what="the relay to the tipster")
        assert relayed(e, tipster) == [T("relay_to_tipster", code=code, text=question)]
        assert e.q("SELECT direction, text, open_question FROM tip_messages") == [
            ("to_tipster", question, 1)]
        assert e.audit(code)[-1] == ("reply", str(OFFICER), question), e.audit(code)
        # taken once: the officer's next words are theirs again
        e.say(DESK_TDP5, "cảm ơn mọi người", from_id=OFFICER, first_name="Cán bộ")

        # given up with the button, or by typing "hủy"
        press_reply()
        since = e.press(DESK_TDP5, T("choice_cancel"), from_id=OFFICER)
        assert e.wait_new(DESK_TDP5, since) == [T("desk_reply_cancelled", code=code)]
        e.say(DESK_TDP5, "tin này để mai xử lý", from_id=OFFICER, first_name="Cán bộ")
        press_reply()
        [m] = e.ask(DESK_TDP5, "Hủy", from_id=OFFICER, first_name="Cán bộ")
        assert m == T("desk_reply_cancelled", code=code), m
        # and it lapses after DESK_REPLY_WAIT_MIN minutes
        press_reply()
        e.set_clock(11 * MIN)
        e.say(DESK_TDP5, "xong rồi", from_id=OFFICER, first_name="Cán bộ")
        # the lapsed wait is forgotten when that message is handled
        apitest.wait_until(lambda: e.q1("SELECT count(*) FROM desk_replies") == 0,
                           what="the lapsed wait forgotten")
        e.settled()
        assert relayed(e, tipster) == [T("relay_to_tipster", code=code, text=question)]
        assert e.q1("SELECT count(*) FROM tip_messages") == 1
        e.stop()


# ---- Zalo: no buttons ------------------------------------------------------------------------

def test_zalo_desk_reads_cards_and_lists_as_text_with_what_to_type():
    with gt.Env("zalo") as e:
        e.start()
        residents = [e.user(500 + i) for i in range(11)]
        codes = []
        for i, r in enumerate(residents):
            since = e.dm(r, "/baotin Có kẻ trộm chó nhà số %d ở tổ 5 tối qua" % (i + 1))
            filed = e.wait_text(r, lambda t: t.startswith(T("tip_filed", code="X")[:12]), since)
            codes.append(codes_in(filed)[0])
        card = e.wait_text(e.DESK_TDP5, lambda t: codes[0] in t, what="card")
        assert card.split("\n")[0] == T("desk_heading_new", value=codes[0]), card
        assert card.split("\n")[-1] == T("desk_line_commands", value=codes[0]), card

        # enrolled after the tips: the summary, in its private chat, as text
        p = e.run("enrol", "--role", "police", "--area", "TDP5")
        assert p.returncode == 0, p
        [m] = e.ask(e.OFFICER, "/dangky " + p.stdout.decode().strip().splitlines()[-1],
                    e.OFFICER)
        assert T("desk_summary_head", area="Tổ dân phố 5", value=11) in m.split("\n"), m
        assert m.split("\n")[-1] == T("desk_summary_how"), m

        # the desk group: a list with gists, the next page and /xem said in words
        [m] = e.ask(e.DESK_TDP5, "/tinmoi", e.OFFICER)
        lines = m.split("\n")
        assert codes_in(m) == codes[:10], m
        assert T("desk_list_gist", value="Có kẻ trộm chó nhà số 1 ở tổ 5 tối qua") in lines, m
        assert lines[-2:] == [T("desk_list_more", page=1, pages=2, total=11, next="/tinmoi 2"),
                              T("desk_list_view_hint")], m
        [m] = e.ask(e.DESK_TDP5, "/tinmoi 2", e.OFFICER)
        assert codes_in(m) == codes[10:], m
        [m] = e.ask(e.DESK_TDP5, "/xem " + codes[3], e.OFFICER)
        assert m.split("\n")[0] == T("desk_view_heading", value=codes[3]), m
        assert T("desk_line_description", value="Có kẻ trộm chó nhà số 4 ở tổ 5 tối qua") in \
            m.split("\n"), m
        [m] = e.ask(e.DESK_TDP5, "/xuly " + codes[3], e.OFFICER)
        assert m == T("desk_usage_status"), m
        e.settle()
        # nothing numbered or clickable was made up for a platform without buttons
        with e.fake.cond:
            sent = [s for s in e.fake.sent if s["chat_id"] in (e.DESK_TDP5, e.OFFICER)]
        assert sent and not any("reply_markup" in s["params"] for s in sent), sent
        assert not any("\n1. " in s["text"] for s in sent), sent
        e.stop()


# ---- the console: photos that cannot be shown there -----------------------------------------

def test_console_officer_is_told_which_photos_cannot_be_shown_there():
    with tipstest.Env() as e:
        e.start()
        tipster = 700431
        code = e.file_tip(tipster, THEFT_TDP5)
        since = e.mark(tipster)
        e.fake.push_photo(tipster, "AgAC-telegram-only", caption="/bosung " + code)
        e.wait_new(tipster, since)
        e.settled()
        enrol = e.enrol_code("police", "TDP5")
        e.stop()
        status, out, err = tglib.run_chat(e.tg.config_path,
                                          ["/dangky " + enrol, "/xem " + code], env=e.tg.env)
        assert status == 0, (status, err[-3000:])
        for mark in tglib.SANITIZER_MARKS:
            assert mark not in err, err
        assert T("desk_summary_head", area="Tổ dân phố 5", value=1) in out, out
        assert T("desk_view_heading", value=code) in out, out
        assert T("desk_line_photos", value=1) in out, out
        assert T("desk_view_photos_elsewhere", value=1) in out, out


if __name__ == "__main__":
    tglib.main(globals())
