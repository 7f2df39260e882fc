"""Web Push when the police answer (issue 13, item 2): a web chat tipster whose browser
subscribed gets a notification through its push service when an officer answers — encrypted
per RFC 8291, signed per RFC 8292, saying only that there is an answer — and nothing for the
bot's own replies; a subscription the push service says is gone is removed; the VAPID key pair
is made once and kept across restarts. The push service is tests/integration/fakepush.py, which
opens what it receives with the C tool tests/tools/pushdecrypt.c."""
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakepush  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T, codes_in  # noqa: E402

THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
OFFICER = 600013
SUBJECT = "mailto:cong-an@phuong.example.vn"
PUSH = {"webpush": {"allow_insecure_endpoints": True, "subject": SUBJECT}}
DAY_S = 24 * 3600


def push_frame(u, kind, subscription):
    """Sends a push_subscribe / push_unsubscribe frame; returns the ack or the error."""
    mid = uuid.uuid4().hex[:16]
    u.ws.send_json({"type": kind, "id": mid, "subscription": subscription})
    m, seen = u.ws.recv_until(lambda m: m.get("type") in ("ack", "error") and m.get("id") == mid)
    u.got.extend(x for x in seen if x.get("type") == "message")
    return m


def vapid_key(e):
    ws = e.tg.ws()
    try:
        return ws.hello().get("vapid_public_key")
    finally:
        ws.close()


def file_web_tip(u, text):
    since = u.send("/baotin " + text)
    head = T("tip_filed", code="XXXX")[:12]
    deadline = time.time() + 15
    while True:
        [m] = u.wait(since)
        if m["text"].startswith(head):
            return codes_in(m["text"])[0]
        since += 1
        assert time.time() < deadline, "no receipt"


def test_police_answer_reaches_a_subscribed_tipster_as_a_push_without_tip_content():
    with tipstest.Env(extra=PUSH) as e, fakepush.FakePush(tglib.BINARY) as push:
        e.start()
        e.officer(OFFICER)
        key = vapid_key(e)
        assert key and len(key) == 87 and not key.endswith("="), key
        keys = push.keys()
        u = e.web()
        assert push_frame(u, "push_subscribe", push.subscription("/sub/a1", keys))["type"] == "ack"
        code = file_web_tip(u, THEFT_TDP5)
        [m] = u.ask("cảm ơn")  # the bot's own replies: no notification
        e.settled()
        assert e.q1("SELECT count(*) FROM push_jobs") == 0
        assert push.count() == 0
        assert e.q1("SELECT last_ok_at FROM push_subscriptions") is None

        question = "Bạn có nhìn rõ biển số xe không?"
        since = len(u.got)
        e.desk_cmd(OFFICER, "/traloi %s %s" % (code, question))
        [relayed] = u.wait(since)
        assert question in relayed["text"], relayed
        [rec] = push.wait(1)
        assert rec["path"] == "/sub/a1", rec["path"]
        h = rec["headers"]
        assert h.get("Content-Encoding") == "aes128gcm", h
        assert int(h.get("TTL")) > 0 and h.get("Urgency") in ("high", "normal"), h
        got = push.open(rec, keys)
        assert json.loads(got["plaintext"]) == {"title": T("push_title"),
                                                "body": "Có phản hồi mới cho tin báo của bạn"}
        assert question not in got["plaintext"] and code not in got["plaintext"]
        assert got["k"] == key, (got["k"], key)
        claims = got["claims"]
        assert claims["aud"] == push.origin, claims
        assert claims["sub"] == SUBJECT, claims
        assert time.time() < claims["exp"] <= time.time() + DAY_S, claims
        deadline = time.time() + 10
        while e.q1("SELECT last_ok_at FROM push_subscriptions") is None:
            assert time.time() < deadline, "delivery not recorded"
            time.sleep(0.05)
        assert e.q1("SELECT count(*) FROM push_jobs") == 0

        # a status told to the tipster is an answer too
        e.desk_cmd(OFFICER, "/dong %s đã xử lý" % code)
        [rec] = push.wait(1, since=1)
        assert json.loads(push.open(rec, keys)["plaintext"])["body"] == T("push_body")
        e.stop()


def test_subscription_gone_at_the_push_service_is_removed():
    with tipstest.Env(extra=PUSH) as e, fakepush.FakePush(tglib.BINARY) as push:
        e.start()
        e.officer(OFFICER)
        keys = push.keys()
        u = e.web()
        assert push_frame(u, "push_subscribe", push.subscription("/sub/gone", keys))["type"] == \
            "ack"
        code = file_web_tip(u, THEFT_TDP5)
        push.fail("/sub/gone", 410)
        e.desk_cmd(OFFICER, "/traloi %s Bạn còn ở đó không?" % code)
        [rec] = push.wait(1)
        assert rec["status"] == 410
        deadline = time.time() + 10
        while e.q1("SELECT count(*) FROM push_subscriptions") != 0:
            assert time.time() < deadline, "the gone subscription was kept"
            time.sleep(0.05)
        assert e.q1("SELECT count(*) FROM push_jobs") == 0
        e.stop()


def test_push_service_overloaded_is_retried_later():
    with tipstest.Env(extra=PUSH) as e, fakepush.FakePush(tglib.BINARY) as push:
        e.start()
        e.officer(OFFICER)
        keys = push.keys()
        u = e.web()
        assert push_frame(u, "push_subscribe", push.subscription("/sub/busy", keys))["type"] == \
            "ack"
        code = file_web_tip(u, THEFT_TDP5)
        push.fail("/sub/busy", 503)
        e.desk_cmd(OFFICER, "/traloi %s Bạn còn ở đó không?" % code)
        first, again = push.wait(2, timeout=30)
        assert (first["status"], again["status"]) == (503, 201)
        assert json.loads(push.open(again, keys)["plaintext"])["body"] == T("push_body")
        deadline = time.time() + 10
        while e.q1("SELECT count(*) FROM push_jobs") != 0:
            assert time.time() < deadline, "the delivered job stayed"
            time.sleep(0.05)
        assert e.q("SELECT fails, last_ok_at IS NOT NULL FROM push_subscriptions") == [(0, 1)]
        e.stop()


def test_unsubscribed_tipster_gets_no_push_and_bad_subscriptions_are_refused():
    with tipstest.Env(extra=PUSH) as e, fakepush.FakePush(tglib.BINARY) as push:
        e.start()
        e.officer(OFFICER)
        keys = push.keys()
        u = e.web()
        good = push.subscription("/sub/off", keys)
        bad_key = dict(good, keys={"p256dh": "B" + "A" * 86, "auth": keys["auth"]})
        plain_http = dict(good, endpoint="http://push.example.net/sub/x")
        for sub in (bad_key, plain_http, {"endpoint": good["endpoint"]}, "x"):
            m = push_frame(u, "push_subscribe", sub)
            assert (m["type"], m.get("code")) == ("error", "bad_subscription"), (sub, m)
            assert m["text"] == T("ws_bad_subscription"), m
        assert push_frame(u, "push_subscribe", good)["type"] == "ack"
        assert push_frame(u, "push_unsubscribe", good)["type"] == "ack"
        assert e.q1("SELECT count(*) FROM push_subscriptions") == 0
        code = file_web_tip(u, THEFT_TDP5)
        since = len(u.got)
        e.desk_cmd(OFFICER, "/traloi %s Bạn còn ở đó không?" % code)
        u.wait(since)
        e.settled()
        assert e.q1("SELECT count(*) FROM push_jobs") == 0 and push.count() == 0
        e.stop()


def test_vapid_key_pair_is_made_once_and_survives_a_restart():
    with tipstest.Env(extra=PUSH, telegram=False) as e:
        e.start()
        first = vapid_key(e)
        assert first
        e.restart()
        assert vapid_key(e) == first
        assert e.q1("SELECT count(*) FROM push_vapid") == 1
        assert e.q1("SELECT public_key FROM push_vapid") == first
        e.stop()


def test_push_off_leaves_the_key_out_of_ready():
    with tipstest.Env(extra={"webpush": {"enabled": False}}, telegram=False) as e:
        e.start()
        assert vapid_key(e) is None
        u = e.web()
        m = push_frame(u, "push_subscribe", {"endpoint": "https://push.example.net/x"})
        assert (m["type"], m.get("code")) == ("error", "push_off"), m
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
