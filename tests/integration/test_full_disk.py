"""A full disk (issue 17, item 3): tipgate's database on a small tmpfs that the test fills up.

While the disk is full the service stays up and acknowledges nothing it could not store: the
Telegram webhook is answered 503 (the platform sends the update again), Zalo's polled update
(which Zalo forgets once handed out) is held until it is stored and nothing more is fetched,
a web chat message is answered "not_saved" with the pause after which the page sends it
again, /healthz answers 503 with the reason, and the log holds one line for the whole
episode, not one per refused write. Once the filler is deleted the service recovers by
itself: /healthz is 200 again, every update is stored and answered exactly once, and so is
the web chat's message. One service start for all of it (the episode ends only after 10 s
without a refusal). Skipped, with the reason, where a filesystem cannot be mounted."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import desklib  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from test_health import Tmpfs, healthy, wait_health  # noqa: E402

TG, ZALO = "telegram", "zalo"
SECRET = "s3cret_Tipgate-42"
TEXTS = apitest.TEXTS
CHATS = [3101, 3102, 3103, 3104]
ZALO_CHATS = ["5a3f9c1e2b7d4e61", "5a3f9c1e2b7d4e62"]  # Zalo ids are opaque strings
EPISODE = "the database refuses writes: "
RECOVERED = "writes accepted again after "
ACK_AUDIT = "ack"  # the audit log's action for an acknowledgement


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
    fs = Tmpfs(size="4m")
    if not fs.ok:
        fs.close()
        raise unittest.SkipTest("cannot mount a small tmpfs to fill up (%s); run as root" % fs.why)
    return fs


def test_full_disk_refuses_everything_then_recovers_with_nothing_lost_or_twice():
    fs = mounted_tmpfs()
    zfake = fakebot.FakeZalo()
    zfake.start()
    cfg = apitest.platform_config(zfake, ZALO)
    tglib.deep_merge(cfg, {"storage": {"path": os.path.join(fs.dir, "t.db")}})
    try:
        with apitest.Setup(TG, config=cfg) as s:
            s.rewrite_config(mode="webhook", webhook_secret=SECRET,
                             webhook_url="http://127.0.0.1:%d/webhook/telegram" % s.tg.port)
            apitest.migrate(s.tg)
            s.tg.start()
            s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
            zfake.wait_for(lambda c: c["method"] == "getUpdates")
            ws = s.tg.ws()
            ws.hello()
            assert chat_send(ws, "before", "/start")["type"] == "ack"  # the identity is stored
            ws.recv_until(lambda m: m.get("type") == "message")
            wait_health(s.tg, healthy, "healthy before the disk fills")

            fs.fill()
            ids = [s.fake.push_message(chat, "/start") for chat in CHATS]
            for chat in ZALO_CHATS:
                zfake.push_text(chat, "/start")
            # Telegram is answered 503 for the first update, again and again: nothing stored.
            apitest.wait_until(lambda: len(deliveries(s.fake, ids)) >= 4, timeout=20,
                               what="four webhook deliveries")
            assert set(deliveries(s.fake, ids)) == {503}, deliveries(s.fake, ids)
            # Zalo handed the first update out and forgot it: tipgate holds it, fetches no more.
            zfake.wait_until(lambda: len(zfake.pending()) < len(ZALO_CHATS), timeout=20)
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
            assert len(zfake.pending()) == len(ZALO_CHATS) - 1, zfake.pending()
            refused = len(deliveries(s.fake, ids)) + 2
            assert q_inbox(s) == 1, "something was stored on a full disk"

            fs.empty()
            for fake, chats in ((s.fake, CHATS), (zfake, ZALO_CHATS)):
                for chat in chats:  # every update, sent again or held, answered
                    apitest.wait_replies(fake, chat, 1, timeout=20)
            answer = chat_send(ws, "during", "/help")  # the page's next retry is stored
            assert answer == {"type": "ack", "id": "during"}, answer
            ws.recv_until(lambda m: m.get("type") == "message" and m["text"] == TEXTS["help"])
            wait_health(s.tg, healthy, "healthy again once space returns", timeout=40)
            apitest.wait_settled(s.tg, TG, inbox=len(CHATS))
            apitest.wait_settled(s.tg, ZALO, inbox=len(ZALO_CHATS))
            assert deliveries(s.fake, ids)[-len(ids):] == [200] * len(ids)
            for fake, chats in ((s.fake, CHATS), (zfake, ZALO_CHATS)):
                for chat in chats:  # once each: nothing handled twice
                    assert apitest.sent_to(fake, chat) == [TEXTS["welcome"]], (fake.platform, chat)
            assert q_inbox(s) == 2 + len(CHATS) + len(ZALO_CHATS)
            assert apitest.q1(s.tg, "SELECT count(*) FROM inbox WHERE update_key LIKE ?",
                              "%:during") == 1
            assert apitest.q1(s.tg, "SELECT count(*) FROM inbox WHERE processed_at IS NULL"
                              " OR error IS NOT NULL") == 0

            # One line when it began, one when it ended, whatever the number of refusals.
            began, ended = log_lines(s.tg, EPISODE), log_lines(s.tg, RECOVERED)
            assert len(began) == 1 and "database or disk is full" in began[0], began
            assert len(ended) == 1, ended
            assert int(ended[0].split(RECOVERED)[1].split(", ")[1].split()[0]) >= refused, ended
            for noise in ("(in: COMMIT)", "disk full (", "cannot store", "batch failed",
                          "cannot record"):
                assert not log_lines(s.tg, noise), s.tg.read_logs()[-3000:]
            ws.close()
            s.tg.assert_clean_exit()
    finally:
        zfake.stop()
        fs.close()


def test_desk_action_on_a_full_disk_is_refused_with_503_then_done_once():
    """An officer acknowledging a tip on the web desk while the disk is full is told, with 503
    and Retry-After, that nothing was recorded; the same click once space returns records the
    acknowledgement once."""
    fs = mounted_tmpfs()
    try:
        with tipstest.Env(extra={"storage": {"path": os.path.join(fs.dir, "t.db")}}) as e:
            e.start()
            officer = desklib.sign_in(e, desklib.enrol(e, 610001, "police", "TDP5"))
            code = e.file_tip("3201", "Có người lạ cạy khoá xe máy trước nhà số 5 ngõ 12")
            e.settled()
            fs.fill()
            wait_health(e.tg, lambda st, b: st == 503, "503 with the disk full")
            path = "/api/desk/tips/%s/ack" % code
            status, hdrs, data = officer.raw("POST", path, {}, {"X-CSRF-Token": officer.csrf})
            assert status == 503, (status, data)
            assert hdrs.get("retry-after") == ["30"], hdrs
            error = json.loads(data)["error"]
            assert error == {"code": "not_saved",
                             "message": tipstest.T("desk_web_err_not_saved")}, error
            assert e.tip(code)["acknowledged_at"] is None, e.tip(code)  # nothing half-done
            assert e.tg.proc.poll() is None, "tipgate died on a full disk"

            fs.empty()
            wait_health(e.tg, healthy, "healthy again once space returns", timeout=40)
            status, body = officer.post(path)
            assert status == 200, (status, body)
            tip = e.tip(code)
            assert tip["status"] == "received" and tip["acknowledged_at"], tip
            actions = [a[0] for a in e.audit(code)]
            assert actions.count(ACK_AUDIT) == 1, actions
            e.stop()
    finally:
        fs.close()


def q_inbox(s):
    return apitest.q1(s.tg, "SELECT count(*) FROM inbox")


if __name__ == "__main__":
    tglib.main(globals())
