"""The Zalo adapter against payloads shaped as the real Zalo Bot API sends them (fakebot.FakeZalo):
photos in `photo_url` (the documented `photo` as a fallback), voice in `voice_url`, stickers as an
id and an image that are never evidence; the bot's own messages recognised by `from.is_bot`;
`getMe`'s `can_join_groups`; and texts with numbered choices that never exceed 2,000
characters."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
from apitest import q, q1  # noqa: E402

TEXTS = apitest.TEXTS
ZL = "zalo"
ALICE = "8f705344d20d3b53621c"   # Zalo ids are 20 hex characters
BINH = "a0c01dfe32b3dbed82a2"
PHOTO = "https://photo-stal-30.zdn.vn/no/jpg/7c242a7c3a1cfa42a30d/4311211535202630369.jpg"
VOICE = "https://f2-voice-aac-dl.zdn.vn/7c24/0a1b2c3d4e5f.aac"
CODE_RE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")


def inbox_messages(s):
    return {k: json.loads(m) for k, m in q(s.tg, "SELECT update_key, message FROM inbox")}


def test_real_photo_voice_and_sticker_payloads_are_read():
    with apitest.Setup(ZL) as s:
        s.tg.start()
        image = s.fake.push_image(ALICE, PHOTO, caption="ảnh hiện trường")
        legacy = s.fake.push_image(BINH, PHOTO + "?legacy", legacy=True)
        voice = s.fake.push_voice(ALICE, VOICE)
        sticker = s.fake.push_sticker(BINH, "c3a1b2")
        apitest.wait_settled(s.tg, ZL, inbox=4)
        msgs = inbox_messages(s)
        m = msgs["message.image.received:" + image]
        assert m["attachments"] == [{"kind": "photo", "ref": PHOTO}], m
        assert m["text"] == "ảnh hiện trường", m
        assert msgs["message.image.received:" + legacy]["attachments"] == [
            {"kind": "photo", "ref": PHOTO + "?legacy"}]
        assert msgs["message.voice.received:" + voice]["attachments"] == [
            {"kind": "voice", "ref": VOICE}]
        # A sticker is a reaction, not evidence: its id is kept, never as a photo.
        assert msgs["message.sticker.received:" + sticker]["attachments"] == [
            {"kind": "sticker", "ref": "c3a1b2"}]
        s.tg.assert_clean_exit()


def test_photo_added_to_a_tip_is_kept_and_a_sticker_is_not_evidence():
    with apitest.Setup(ZL) as s:
        s.tg.start()
        s.fake.push_text(ALICE, "/baotin có người trộm xe máy ở ngõ 5 đường Lê Lợi tối qua")
        [receipt] = apitest.wait_replies(s.fake, ALICE, 1)
        code = CODE_RE.search(receipt).group(0)
        s.fake.push_image(ALICE, PHOTO, caption="/bosung %s ảnh chiếc xe" % code)
        replies = apitest.wait_replies(s.fake, ALICE, 2)
        assert replies[1] == TEXTS["add_done"].replace("{code}", code), replies
        s.fake.push_sticker(ALICE, "c3a1b2")
        assert apitest.wait_replies(s.fake, ALICE, 3)[2] == TEXTS["non_text"]
        apitest.wait_settled(s.tg, ZL, inbox=3)
        rows = q(s.tg, "SELECT kind, ref FROM tip_attachments")
        assert rows == [("photo", PHOTO)], rows
        s.tg.assert_clean_exit()


def numbered(name, *labels, **values):
    """A question with numbered choices, as Zalo shows it."""
    text = TEXTS[name]
    for k, v in values.items():
        text = text.replace("{%s}" % k, str(v))
    return text + "\n\n" + "\n".join("%d. %s" % (i + 1, TEXTS[l]) for i, l in enumerate(labels))


def test_voice_is_kept_with_the_tip_and_the_desk_gets_its_link_a_sticker_answers_nothing():
    desk = "d35kd35kd35kd35kd35k"
    routing = {"routing": {"default_desk": {"platform": ZL, "chat_id": desk}}}
    with apitest.Setup(ZL, config=routing) as s:
        s.tg.start()
        # the guided report: at the photo step a sticker is not an answer, a voice message is
        s.fake.push_text(ALICE, "/baotin")
        apitest.wait_replies(s.fake, ALICE, 1)
        # a theft the engine is sure of (no confirmation asked): the photo question comes next
        s.fake.push_text(ALICE, "Tối qua lúc 22h ở ngõ 5 đường Lê Lợi kẻ gian bẻ khóa dắt mất xe máy")
        media_q = numbered("report_ask_media_typed", "choice_continue", max=5)
        assert apitest.wait_replies(s.fake, ALICE, 2)[1] == media_q
        s.fake.push_sticker(ALICE, "c3a1b2")
        r = apitest.wait_replies(s.fake, ALICE, 4)
        assert r[2:] == [TEXTS["report_not_understood_numbered"], media_q], r
        s.fake.push_voice(ALICE, VOICE)
        s.fake.push_text(ALICE, "1")     # Tiếp tục
        apitest.wait_replies(s.fake, ALICE, 5)
        s.fake.push_text(ALICE, "1")     # Ẩn danh
        summary = apitest.wait_replies(s.fake, ALICE, 6)[5]
        assert "1 🎤/📎" in summary, summary
        s.fake.push_text(ALICE, "1")     # Gửi
        receipt = apitest.wait_replies(s.fake, ALICE, 7)[6]
        code = CODE_RE.search(receipt).group(0)
        [card] = apitest.wait_replies(s.fake, desk, 1)
        assert TEXTS["desk_line_voice"].replace("{value}", VOICE) in card.split("\n"), card
        assert q(s.tg, "SELECT kind, ref FROM tip_attachments") == [("voice", VOICE)]

        # in an emergency's follow-up a voice message reaches the desk at once, as a link
        s.fake.push_text(BINH, "cứu với, đang có cướp ở ngõ 7 đường Lê Lợi")
        filed = apitest.wait_replies(s.fake, BINH, 2)[1]
        code2 = CODE_RE.search(filed).group(0)
        s.fake.push_voice(BINH, VOICE + "?2")
        apitest.wait_replies(s.fake, BINH, 3)
        apitest.wait_until(lambda: TEXTS["relay_media_to_desk"].replace("{code}", code2).replace(
            "{value}", VOICE + "?2") in apitest.sent_to(s.fake, desk), what="the voice link")
        assert q(s.tg, "SELECT kind, ref FROM tip_attachments ORDER BY id") == [
            ("voice", VOICE), ("voice", VOICE + "?2")]
        s.tg.assert_clean_exit()


def test_bots_own_messages_are_dropped_by_is_bot_and_by_id():
    with apitest.Setup(ZL) as s:
        s.fake.echo_sent = True  # every message the bot sends comes back as an update
        s.tg.start()
        s.fake.push_text(ALICE, "/start")
        apitest.wait_replies(s.fake, ALICE, 1)
        s.fake.wait_until(lambda: not s.fake._queue and len(
            [c for c in s.fake.calls_of("getUpdates") if c["status"] == 200]) >= 2)
        # An echo that says is_bot false but carries getMe's own id is dropped too.
        s.fake.echo_is_bot = False
        s.fake.bot_chat_id = s.fake.me["id"]
        s.fake.push_text(BINH, "/help")
        apitest.wait_replies(s.fake, BINH, 1)
        s.fake.wait_until(lambda: not s.fake._queue and len(
            [c for c in s.fake.calls_of("getUpdates") if c["status"] == 200]) >= 4)
        apitest.wait_settled(s.tg, ZL, inbox=2)
        assert [(m["chat_id"], m["text"]) for m in s.fake.sent] == [
            (ALICE, TEXTS["welcome"]), (BINH, TEXTS["help"])]
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 2
        s.tg.assert_clean_exit()


def test_a_bot_that_cannot_join_groups_says_so_at_start():
    for can in (False, True):
        with apitest.Setup(ZL) as s:
            s.fake.me["can_join_groups"] = can
            s.tg.start()
            apitest.wait_db(s.tg, "SELECT value FROM platform_state WHERE platform = 'zalo' "
                                  "AND key = 'can_join_groups'",
                            lambda r: r == [("1" if can else "0",)])
            lines = apitest.log_lines(s.tg, "zalo", "cannot join group")
            if can:
                assert not lines, lines
            else:
                assert len(lines) == 1 and " WARN " in lines[0], s.tg.read_logs()
                assert "can_join_groups" in lines[0], lines
            s.tg.assert_clean_exit()


def test_numbered_choices_never_push_a_text_over_2000():
    with apitest.Setup(ZL) as s:
        apitest.migrate(s.tg)
        now = int(time.time() * 1000)
        buttons = json.dumps([[{"text": "Gửi", "data": "send"}, {"text": "Hủy", "data": "no"}]])
        text = "Cảnh báo lừa đảo qua điện thoại. " * 60 + "Hãy cẩn thận!"  # 1,993
        assert 1990 < len(text) <= 2000
        apitest.execute(s.tg, "INSERT INTO outbox (platform, chat_id, text, buttons, priority,"
                              " next_attempt_at, created_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                        [(ZL, ALICE, text, buttons, now, now)])
        s.tg.start()
        apitest.wait_db(s.tg, "SELECT status FROM outbox", lambda r: r == [("sent",)])
        sent = apitest.sent_to(s.fake, ALICE)
        assert sent and all(len(t) <= 2000 for t in sent), [len(t) for t in sent]
        assert sent[0].startswith(text.rstrip()), sent[0][:80]
        s.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
