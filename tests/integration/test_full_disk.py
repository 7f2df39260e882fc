"""A full disk (issue 17, item 3): tipgate's database on a small tmpfs that the test fills up.

While the disk is full the service stays up and acknowledges nothing it could not store: the
Telegram webhook is answered 503 (the platform sends the update again), a web chat message
is answered "not_saved" with the pause after which the page sends it again, /healthz answers
503 with the reason, and the log holds one line for the whole episode, not one per refused
write. Once the filler is deleted the service recovers by itself: /healthz is 200 again,
every update the platform sent again is stored and answered exactly once, and so is the web
chat's message. Skipped, with the reason, where a filesystem cannot be mounted (not root)."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402
from test_health import Tmpfs, healthy, wait_health  # noqa: E402

TG, ZALO = "telegram", "zalo"
SECRET = "s3cret_Tipgate-42"
TEXTS = apitest.TEXTS
CHATS = [3101, 3102, 3103, 3104]
ZALO_CHATS = ["5a3f9c1e2b7d4e61", "5a3f9c1e2b7d4e62"]  # Zalo ids are opaque strings
EPISODE = "the database refuses writes: "
RECOVERED = "writes accepted again after "


def log_lines(tg, needle):
    return [line for line in tg.read_logs().splitlines() if needle in line]


def deliveries(fake, ids):
    """How the webhook answered each POST of the updates ids, in order."""
    with fake.cond:
        return [status for key, status in fake.webhook_deliveries if key in ids]


def chat_send(ws, mid, text):
    """Sends a message as the page does; returns the answer to it (an ack or an error)."""
    ws.send_json({"type": "message", "id": mid, "text": text})
    m, _ = ws.recv_until(lambda m: m.get("type") in ("ack", "error") and m.get("id") == mid)
    return m


def mounted_tmpfs():
    fs = Tmpfs(size="2m")
    if not fs.ok:
        fs.close()
        raise unittest.SkipTest("cannot mount a small tmpfs to fill up (%s); run as root" % fs.why)
    return fs


def test_full_disk_refuses_everything_then_recovers_with_nothing_lost_or_twice():
    fs = mounted_tmpfs()
    try:
        with apitest.Setup(TG, config={"storage": {"path": os.path.join(fs.dir, "t.db")}}) as s:
            s.rewrite_config(mode="webhook", webhook_secret=SECRET,
                             webhook_url="http://127.0.0.1:%d/webhook/telegram" % s.tg.port)
            apitest.migrate(s.tg)
            s.tg.start()
            s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
            ws = s.tg.ws()
            ws.hello()
            assert chat_send(ws, "before", "/start")["type"] == "ack"  # the identity is stored
            ws.recv_until(lambda m: m.get("type") == "message")
            wait_health(s.tg, healthy, "healthy before the disk fills")

            fs.fill()
            ids = [s.fake.push_message(chat, "/start") for chat in CHATS]
            # Telegram is answered 503 for the first update, again and again: nothing stored.
            apitest.wait_until(lambda: len(deliveries(s.fake, ids)) >= 4, timeout=20,
                               what="four webhook deliveries")
            assert set(deliveries(s.fake, ids)) == {503}, deliveries(s.fake, ids)
            # The web chat is told its message was not saved, and when to send it again.
            answer = chat_send(ws, "during", "/help")
            assert answer["type"] == "error" and answer["code"] == "not_saved", answer
            assert answer["text"] == TEXTS["ws_not_saved"] and answer["retry_ms"] > 0, answer
            status, h = wait_health(s.tg, lambda st, b: st == 503, "503 with the disk full")
            assert h["database"] == "error", h
            assert h["problems"] == ["database refuses writes: database or disk is full"], h
            answer = chat_send(ws, "during", "/help")  # the page's retry: still refused
            assert answer["code"] == "not_saved", answer
            assert s.tg.proc.poll() is None, "tipgate died on a full disk"
            refused = len(deliveries(s.fake, ids)) + 2
            assert q_inbox(s) == 1, "something was stored on a full disk"

            fs.empty()
            wait_health(s.tg, healthy, "healthy again once space returns", timeout=20)
            for chat in CHATS:  # every update Telegram sent again, answered
                apitest.wait_replies(s.fake, chat, 1, timeout=20)
            answer = chat_send(ws, "during", "/help")  # the page's next retry is stored
            assert answer == {"type": "ack", "id": "during"}, answer
            ws.recv_until(lambda m: m.get("type") == "message" and m["text"] == TEXTS["help"])
            apitest.wait_settled(s.tg, TG, inbox=len(CHATS))
            assert deliveries(s.fake, ids)[-len(ids):] == [200] * len(ids)
            for chat in CHATS:  # once each: nothing handled twice
                assert apitest.sent_to(s.fake, chat) == [TEXTS["welcome"]], chat
            assert q_inbox(s) == 2 + len(CHATS)
            assert apitest.q1(s.tg, "SELECT count(*) FROM inbox WHERE update_key LIKE ?",
                              "%:during") == 1
            assert apitest.q1(s.tg, "SELECT count(*) FROM inbox WHERE processed_at IS NULL"
                              " OR error IS NOT NULL") == 0

            # One line when it began, one when it ended, whatever the number of refusals.
            began, ended = log_lines(s.tg, EPISODE), log_lines(s.tg, RECOVERED)
            assert len(began) == 1 and "database or disk is full" in began[0], began
            assert len(ended) == 1, ended
            assert int(ended[0].split(RECOVERED)[1].split(", ")[1].split()[0]) >= refused, ended
            assert not log_lines(s.tg, "(in: COMMIT)") and not log_lines(s.tg, "disk full ("), \
                s.tg.read_logs()[-3000:]
            ws.close()
            s.tg.assert_clean_exit()
    finally:
        fs.close()


def q_inbox(s):
    return apitest.q1(s.tg, "SELECT count(*) FROM inbox")


def test_polling_on_a_full_disk_confirms_nothing_and_loses_nothing():
    """Telegram's getUpdates offset does not move past updates that were not stored (they are
    fetched again); Zalo forgets an update once handed out, so tipgate holds it until it is
    stored. Both are answered once when space returns."""
    fs = mounted_tmpfs()
    tgfake, zfake = fakebot.FakeTelegram(), fakebot.FakeZalo()
    tgfake.start()
    zfake.start()
    cfg = apitest.platform_config(tgfake, TG)
    tglib.deep_merge(cfg, apitest.platform_config(zfake, ZALO))
    tglib.deep_merge(cfg, {"storage": {"path": os.path.join(fs.dir, "t.db")}})
    tg = tglib.Tipgate(config=cfg)
    try:
        apitest.migrate(tg)
        tg.start()
        tgfake.wait_for(lambda c: c["method"] == "getUpdates")
        zfake.wait_for(lambda c: c["method"] == "getUpdates")
        wait_health(tg, healthy, "healthy before the disk fills")

        fs.fill()
        tg_ids = [tgfake.push_message(chat, "/start") for chat in CHATS[:2]]
        for chat in ZALO_CHATS:
            zfake.push_text(chat, "/start")
        # Zalo handed the first out and forgot it: tipgate holds it and fetches no more
        # until it is stored. Telegram hands both out again and again: none is confirmed.
        zfake.wait_until(lambda: len(zfake.pending()) < len(ZALO_CHATS), timeout=20)
        polls = tgfake.count("getUpdates")
        tgfake.wait_until(lambda: tgfake.count("getUpdates") >= polls + 2, timeout=20)
        wait_health(tg, lambda st, b: st == 503, "503 with the disk full")
        assert len(zfake.pending()) == len(ZALO_CHATS) - 1, zfake.pending()
        assert [u["update_id"] for u in tgfake.pending()] == tg_ids  # none confirmed
        assert apitest.q1(tg, "SELECT count(*) FROM inbox") == 0
        assert tg.proc.poll() is None, "tipgate died on a full disk"

        fs.empty()
        wait_health(tg, healthy, "healthy again once space returns", timeout=20)
        for fake, chats in ((tgfake, CHATS[:2]), (zfake, ZALO_CHATS)):
            for chat in chats:
                apitest.wait_replies(fake, chat, 1, timeout=20)
        apitest.wait_settled(tg, ZALO, inbox=2)
        apitest.wait_settled(tg, TG, inbox=2)
        for fake, chats in ((tgfake, CHATS[:2]), (zfake, ZALO_CHATS)):
            for chat in chats:
                assert apitest.sent_to(fake, chat) == [TEXTS["welcome"]], (fake.platform, chat)
        assert apitest.q1(tg, "SELECT count(*) FROM inbox") == 4
        assert len(log_lines(tg, EPISODE)) == 1 and len(log_lines(tg, RECOVERED)) == 1
        assert not log_lines(tg, "cannot store"), tg.read_logs()[-3000:]
        tg.assert_clean_exit()
    except BaseException:
        sys.stderr.write("---- tipgate log ----\n%s\n" % tg.read_logs()[-5000:])
        raise
    finally:
        apitest.close_connection(tg)
        tg.cleanup()
        tgfake.stop()
        zfake.stop()
        fs.close()


if __name__ == "__main__":
    tglib.main(globals())
