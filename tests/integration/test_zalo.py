"""The Zalo adapter against a fake Zalo Bot Platform API (fakebot.FakeZalo): a private
conversation with typing indicators, duplicates and echoes of the bot's own messages, idle 408
polls, array answers, webhook mode, long texts, 429 and 403, and media events."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
from apitest import q, q1  # noqa: E402

TEXTS = apitest.TEXTS
ZL = "zalo"
SECRET = "zalo-webhook-secret-0042"
ALICE = "5a3f9c1e2b7d4e60"   # Zalo ids are opaque strings
BINH = "7c1d2e3f4a5b6c7d"


def unknown(cmd):
    return TEXTS["unknown_command"].replace("{command}", cmd)


def webhook_options(tg):
    return {"mode": "webhook", "webhook_url": "http://127.0.0.1:%d/webhook/zalo" % tg.port,
            "webhook_secret": SECRET}


def test_private_conversation_with_typing_indicator():
    with apitest.Setup(ZL) as s:
        s.tg.start()
        s.fake.push_text(ALICE, "/start")
        assert apitest.wait_replies(s.fake, ALICE, 1) == [TEXTS["welcome"]]
        s.fake.push_text(ALICE, "xin chào")
        assert apitest.wait_replies(s.fake, ALICE, 2)[1] == TEXTS["fallback"]
        apitest.wait_settled(s.tg, ZL, inbox=2)
        typing = apitest.calls_to(s.fake, "sendChatAction", ALICE)
        assert len(typing) == 2 and all(c["params"]["action"] == "typing" and c["status"] == 200
                                        for c in typing), typing
        rows = q(s.tg, "SELECT chat_id, message FROM inbox ORDER BY id")
        m = json.loads(rows[0][1])
        assert rows[0][0] == ALICE and m["sender_id"] == ALICE and m["text"] == "/start", m
        assert m["sender_name"] == "Minh" and m["is_group"] is False, m
        s.tg.assert_clean_exit()


def test_redelivered_update_answered_once():
    with apitest.Setup(ZL) as s:
        s.tg.start()
        s.fake.wait_count("getUpdates", 1)
        s.fake.redeliver_next(1)
        mid = s.fake.push_text(ALICE, "/help")
        s.fake.push_text(ALICE, "/start")
        texts = apitest.wait_replies(s.fake, ALICE, 2)
        apitest.wait_settled(s.tg, ZL, inbox=2)
        delivered = [c for c in s.fake.calls_of("getUpdates") if c["status"] == 200 and
                     c["response"]["result"]["message"]["message_id"] == mid]
        assert len(delivered) == 2, "the fake delivered the update %d times" % len(delivered)
        assert texts == [TEXTS["help"], TEXTS["welcome"]], texts
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 2
        s.tg.assert_clean_exit()


def test_echo_of_the_bots_own_message_is_not_answered():
    with apitest.Setup(ZL) as s:
        s.fake.echo_sent = True
        s.tg.start()
        s.fake.push_text(ALICE, "/start")
        s.fake.push_text(BINH, "chào bot")
        apitest.wait_replies(s.fake, ALICE, 1)
        apitest.wait_replies(s.fake, BINH, 1)
        # The echoes are queued behind the replies; wait until tipgate has taken them.
        s.fake.wait_until(lambda: not s.fake._queue and len(
            [c for c in s.fake.calls_of("getUpdates") if c["status"] == 200]) >= 4)
        apitest.wait_settled(s.tg, ZL, inbox=2)
        assert len(s.fake.sent) == 2, [(m["chat_id"], m["text"][:30]) for m in s.fake.sent]
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 2
        s.tg.assert_clean_exit()


def test_idle_408_polls_are_quiet_and_paced():
    with apitest.Setup(ZL) as s:
        s.fake.instant_empty = True
        s.tg.start()
        s.fake.wait_count("getUpdates", 1)
        t0 = time.monotonic()
        time.sleep(4.0)
        t1 = time.monotonic()
        n = apitest.call_count_between(s.fake, "getUpdates", t0, t1)
        assert 2 <= n <= 6, "%d getUpdates calls in 4 s of 408 answers" % n
        # every poll answered so far got 408 (one may still be on its way: status None)
        answered = [c for c in s.fake.calls_of("getUpdates") if c["status"] is not None]
        assert answered and all(c["status"] == 408 for c in answered), answered
        noisy = [l for l in s.tg.read_logs().splitlines()
                 if (" WARN " in l or " ERROR " in l) and ("getUpdates" in l or "408" in l)]
        assert not noisy, noisy
        s.fake.instant_empty = False
        s.fake.push_text(ALICE, "/help")  # and polling still works
        assert apitest.wait_replies(s.fake, ALICE, 1) == [TEXTS["help"]]
        s.tg.assert_clean_exit()


def test_array_answers_are_all_stored_and_answered():
    with apitest.Setup(ZL) as s:
        s.fake.array_mode = True
        for i in range(3):
            s.fake.push_text(ALICE, "/lenh%d" % i)
        s.fake.push_text(BINH, "/start")
        s.tg.start()
        assert apitest.wait_replies(s.fake, ALICE, 3) == [unknown("/lenh%d" % i)
                                                         for i in range(3)]
        assert apitest.wait_replies(s.fake, BINH, 1) == [TEXTS["welcome"]]
        first = [c for c in s.fake.calls_of("getUpdates") if c["status"] == 200][0]
        assert isinstance(first["response"]["result"], list)
        assert len(first["response"]["result"]) == 4
        apitest.wait_settled(s.tg, ZL, inbox=4)
        s.tg.assert_clean_exit()


# ---- webhook mode ------------------------------------------------------------------------

def test_webhook_mode_sets_webhook_and_answers_wrapped_deliveries():
    with apitest.Setup(ZL) as s:
        s.rewrite_config(**webhook_options(s.tg))
        s.tg.start()
        call = s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        assert call["params"]["url"] == "http://127.0.0.1:%d/webhook/zalo" % s.tg.port
        assert call["params"]["secret_token"] == SECRET
        s.fake.push_text(ALICE, "/start")
        s.fake.wait_until(lambda: s.fake.webhook_deliveries, timeout=10)
        status = s.fake.webhook_deliveries[0][1]
        assert status == 200, "the platform's POST to /webhook/zalo was answered %s" % status
        assert apitest.wait_replies(s.fake, ALICE, 1) == [TEXTS["welcome"]]
        assert not s.fake.calls_of("getUpdates")
        s.tg.assert_clean_exit()


def an_update(chat, text, mid):
    return {"event_name": "message.text.received", "message": {
        "message_id": mid, "date": int(time.time() * 1000), "text": text,
        "from": {"id": chat, "display_name": "Hà", "is_bot": False},
        "chat": {"id": chat, "chat_type": "PRIVATE"}}}


def test_webhook_refuses_wrong_secret_and_accepts_a_bare_update():
    with apitest.Setup(ZL) as s:
        s.rewrite_config(**webhook_options(s.tg))
        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        url = s.tg.url("/webhook/zalo")
        hdr = "X-Bot-Api-Secret-Token"
        wrapped = {"ok": True, "result": an_update(BINH, "/start", "m-wh-1")}
        for headers in ({hdr: "wrong-secret-123"}, {}, {hdr: SECRET[:-1]}):
            st, _ = apitest.post(url, wrapped, headers)
            assert st == 401, "POST /webhook/zalo with %r answered %s" % (headers, st)
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 0
        st, _ = apitest.post(url, an_update(BINH, "/help", "m-wh-2"), {hdr: SECRET})
        assert st == 200, "a bare update answered %s" % st
        assert apitest.wait_replies(s.fake, BINH, 1) == [TEXTS["help"]]
        assert q(s.tg, "SELECT update_key FROM inbox") == [("message.text.received:m-wh-2",)]
        s.tg.assert_clean_exit()


# ---- sending -----------------------------------------------------------------------------

def test_long_text_split_into_parts_of_at_most_2000():
    with apitest.Setup(ZL) as s:
        lines = []
        for i in range(8):
            if i:
                lines.append("")
            lines.append("Đoạn %d: " % (i + 1) + " ".join(
                "Cảnh báo lừa đảo qua điện thoại số %d-%d." % (i, k) for k in range(12)))
        original = "\n".join(lines)
        assert len(original) > 2000
        s.rewrite_config(top={"messages": apitest.messages_file(s.tg.dir, help=lines)})
        s.tg.start()
        s.fake.push_text(ALICE, "/help")
        apitest.wait_settled(s.tg, ZL, inbox=1)
        parts = apitest.sent_to(s.fake, ALICE)
        assert len(parts) >= 2 and all(1 <= len(p) <= 2000 for p in parts), \
            [len(p) for p in parts]
        assert "\n\n".join(parts) == original
        assert q1(s.tg, "SELECT count(*) FROM outbox WHERE status != 'sent'") == 0
        s.tg.assert_clean_exit()


def test_429_quota_exceeded_backs_off_and_delivers_later():
    with apitest.Setup(ZL, rate_limit={"per_chat_per_sec": 0}) as s:
        s.fake.rate_limits(per_chat_per_sec=1, per_chat_burst=1)
        s.tg.start()
        for c in ("/mot", "/hai"):
            s.fake.push_text(ALICE, c)
        texts = apitest.wait_replies(s.fake, ALICE, 2, timeout=20)
        assert texts == [unknown("/mot"), unknown("/hai")], texts
        assert s.fake.throttled >= 1, "the fake never throttled: the test proves nothing"
        calls = apitest.calls_to(s.fake, "sendMessage", ALICE)
        for a, b in zip(calls, calls[1:]):
            if a["status"] == 429:
                assert b["time"] - a["time"] >= 1.0, (
                    "retried %.3f s after a 429" % (b["time"] - a["time"]))
        assert len(calls) <= 4, "%d sends for 2 messages" % len(calls)
        s.tg.assert_clean_exit()


def test_403_blocked_marks_the_chat_unreachable():
    with apitest.Setup(ZL) as s:
        s.fake.blocked.add(BINH)
        s.tg.start()
        s.fake.push_text(BINH, "/start")
        rows = apitest.wait_db(s.tg, "SELECT status, last_error FROM outbox",
                               lambda r: r and r[0][0] == "failed")
        assert "403" in rows[0][1], rows
        assert q(s.tg, "SELECT reachable FROM chats WHERE chat_id = ?", BINH) == [(0,)]
        assert q(s.tg, "SELECT reachable FROM people WHERE platform_user_id = ?", BINH) == [(0,)]
        apitest.insert_outbox(s.tg, ZL, [(BINH, "Cảnh báo mới", 3)])
        apitest.wait_db(s.tg, "SELECT status FROM outbox WHERE text = 'Cảnh báo mới'",
                        lambda r: r == [("failed",)])
        assert len(apitest.calls_to(s.fake, "sendMessage", BINH)) == 1
        s.tg.assert_clean_exit()


# ---- media -------------------------------------------------------------------------------

def test_image_sticker_voice_and_unsupported_events_are_stored():
    with apitest.Setup(ZL) as s:
        s.tg.start()
        photo_url = "https://photo-stal.zadn.vn/fake/anh-hien-truong.jpg"
        image = s.fake.push_image("c-image", photo_url)
        sticker = s.fake.push_sticker("c-sticker", "bd2b8a7f3c")
        voice = s.fake.push_voice("c-voice")
        other = s.fake.push_unsupported("c-other")
        apitest.wait_settled(s.tg, ZL, inbox=4)
        msgs = {k: json.loads(m) for k, m in q(s.tg, "SELECT update_key, message FROM inbox")}
        assert set(msgs) == {"message.image.received:" + image,
                             "message.sticker.received:" + sticker,
                             "message.voice.received:" + voice,
                             "message.unsupported.received:" + other}, msgs.keys()
        assert msgs["message.image.received:" + image]["attachments"] == [
            {"kind": "photo", "ref": photo_url}]
        assert msgs["message.sticker.received:" + sticker]["attachments"] == [
            {"kind": "sticker", "ref": "bd2b8a7f3c"}]
        assert msgs["message.voice.received:" + voice]["attachments"] == [
            {"kind": "voice", "ref": "https://f2-voice-aac-dl.zdn.vn/fake/voice.aac"}]
        assert "attachments" not in msgs["message.unsupported.received:" + other]
        assert apitest.sent_to(s.fake, "c-image") == [TEXTS["non_text"]]
        assert apitest.sent_to(s.fake, "c-sticker") == [TEXTS["non_text"]]
        assert apitest.sent_to(s.fake, "c-voice") == [TEXTS["non_text"]]
        s.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
