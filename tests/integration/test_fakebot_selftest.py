"""Self-test of fakebot (the fake Telegram and Zalo API servers) through plain HTTP with the
standard library only; the tipgate binary is not involved. Checks long polling, offsets,
allowed_updates, conflicts, webhook delivery, every failure kind, blocked/unknown/migrated
chats, exact rate-limit boundaries, text limits, form/query requests and the Zalo specifics."""
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import http.server

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import fakebot  # noqa: E402

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw(fake, method, params=None, form=False, get=False, token=None, timeout=10):
    """(status, content type, body bytes) of one request; OSErrors propagate."""
    url = fake.url(method, token)
    headers = {}
    data = None
    if get:
        if params:
            url += "?" + urllib.parse.urlencode(params)
    elif form:
        data = urllib.parse.urlencode(params or {}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        data = json.dumps(params or {}, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers,
                                 method="GET" if get else "POST")
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def api(fake, method, params=None, **kw):
    status, _, body = raw(fake, method, params, **kw)
    return status, json.loads(body.decode())


def send(fake, chat, text="hi"):
    return api(fake, "sendMessage", {"chat_id": chat, "text": text})


class Receiver:
    """A tiny webhook receiver: records (headers, body) and answers the queued statuses
    (then 200)."""

    def __init__(self, statuses=()):
        self.got = []
        self.statuses = list(statuses)
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.got.append(({k.lower(): v for k, v in self.headers.items()},
                                  json.loads(body)))
                code = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.srv.server_address[1]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


# ---- Telegram -------------------------------------------------------------------------------

def test_getme_token_and_unknown_method():
    with fakebot.FakeTelegram("42:good") as tg:
        st, r = api(tg, "getMe")
        assert st == 200 and r == {"ok": True, "result": {
            "id": 777000111, "is_bot": True, "first_name": "Tipgate",
            "username": "TipgateTestBot"}}, r
        st, r = api(tg, "getMe", token="42:bad")
        assert st == 401 and r == {"ok": False, "error_code": 401,
                                   "description": "Unauthorized"}, r
        st, r = api(tg, "sendCarrierPigeon")
        assert st == 404 and r == {"ok": False, "error_code": 404,
                                   "description": "Not Found"}, r
        assert tg.count("getMe") == 2 and tg.calls[1]["token_ok"] is False
        assert tg.calls[0]["headers"]["content-type"] == "application/json"


def test_keep_alive_and_content_length():
    with fakebot.FakeTelegram() as tg:
        conn = http.client.HTTPConnection("127.0.0.1", tg.port, timeout=5)
        for i in range(3):
            conn.request("POST", "/bot%s/getMe" % tg.token, body=b"{}",
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            assert r.version == 11 and r.getheader("Content-Length"), r.getheaders()
            assert json.loads(r.read())["ok"]
        sock = conn.sock
        assert sock is not None  # still the same open connection
        conn.close()


def test_long_poll_wakes_on_push():
    with fakebot.FakeTelegram() as tg:
        out = {}

        def poll():
            t0 = time.monotonic()
            out["r"] = api(tg, "getUpdates", {"timeout": 5})
            out["took"] = time.monotonic() - t0

        th = threading.Thread(target=poll)
        th.start()
        tg.wait_count("getUpdates", 1)
        time.sleep(0.3)
        uid = tg.push_message(1001, "/start")
        th.join(5)
        st, r = out["r"]
        assert st == 200 and out["took"] < 1.5, out
        assert [u["update_id"] for u in r["result"]] == [uid]
        m = r["result"][0]["message"]
        assert m["text"] == "/start" and m["chat"] == {"id": 1001, "type": "private",
                                                       "first_name": "Lan"}, m
        assert m["from"]["id"] == 1001 and m["entities"][0]["type"] == "bot_command"
        # an idle short poll answers at once, an idle long poll after its timeout
        tg.push_update({"update_id": uid, "message": m})  # (re-push keeps ids increasing)
        t0 = time.monotonic()
        st, r = api(tg, "getUpdates", {"offset": uid + 1, "timeout": 0.4})
        assert r["result"] == [] and 0.35 < time.monotonic() - t0 < 1.5
        tg.instant_empty = True
        t0 = time.monotonic()
        st, r = api(tg, "getUpdates", {"timeout": 30})
        assert r["result"] == [] and time.monotonic() - t0 < 0.5


def test_offset_confirmation():
    with fakebot.FakeTelegram() as tg:
        ids = [tg.push_message(5, "m%d" % i) for i in range(3)]
        assert ids == sorted(ids) and len(set(ids)) == 3
        st, r = api(tg, "getUpdates", {})
        assert [u["update_id"] for u in r["result"]] == ids
        st, r = api(tg, "getUpdates", {"offset": ids[0]})  # nothing confirmed yet
        assert len(r["result"]) == 3
        st, r = api(tg, "getUpdates", {"offset": ids[2], "limit": 1})
        assert [u["update_id"] for u in r["result"]] == [ids[2]]
        assert [u["update_id"] for u in tg.pending()] == [ids[2]]
        st, r = api(tg, "getUpdates", {"offset": ids[2] + 1})
        assert r["result"] == [] and tg.pending() == []
        assert tg.offsets_seen == [ids[0], ids[2], ids[2] + 1], tg.offsets_seen
        later = tg.push_message(5, "later")
        assert later > ids[2]
        st, r = api(tg, "getUpdates", {"offset": ids[0]})  # confirmed ones are gone forever
        assert [u["update_id"] for u in r["result"]] == [later]
        st, r = api(tg, "getUpdates", {"limit": 0})  # limit clamps to 1
        assert len(r["result"]) == 1


def test_ids_restart_lower_after_a_quiet_week():
    with fakebot.FakeTelegram() as tg:
        old = [tg.push_message(1001, "cũ %d" % i) for i in range(3)]
        st, r = api(tg, "getUpdates", {"offset": old[-1] + 1, "timeout": 0})
        assert r["result"] == [] and not tg.pending()
        tg.jump_update_ids(old[0])  # the next ids collide with ones already confirmed
        new = [tg.push_message(1001, "mới %d" % i) for i in range(2)]
        assert new == [old[0], old[1]], (old, new)
        for _ in range(2):  # the old offset confirms nothing: the same batch again
            st, r = api(tg, "getUpdates", {"offset": old[-1] + 1, "timeout": 0})
            assert [u["update_id"] for u in r["result"]] == new, r
        st, r = api(tg, "getUpdates", {"offset": new[0] + 1, "timeout": 0})
        assert [u["update_id"] for u in r["result"]] == new[1:], r
        st, r = api(tg, "getUpdates", {"offset": new[-1] + 1, "timeout": 0})
        assert r["result"] == [] and not tg.pending() and tg.id_jumps == [old[0]]


def test_garbage_update_ids_are_confirmed_by_the_next_good_one():
    with fakebot.FakeTelegram() as tg:
        bad = tg.push_update({"update_id": 2 ** 63 - 1, "message": {"text": "x"}})
        good = tg.push_message(1001, "tốt")
        assert bad == 2 ** 63 - 1 and good == 500000001, (bad, good)
        st, r = api(tg, "getUpdates", {"offset": good + 1, "timeout": 0})
        assert r["result"] == [] and not tg.pending(), r


def test_allowed_updates_filter_and_default():
    with fakebot.FakeTelegram() as tg:
        tg.push_message(7, "text")
        cb = tg.push_callback(7, 7, "vote:1")
        tg.push_update({"chat_member": {"chat": {"id": -5, "type": "group"}}})
        st, r = api(tg, "getUpdates", {"allowed_updates": ["callback_query"]})
        assert [u["update_id"] for u in r["result"]] == [cb], r
        assert "id" in r["result"][0]["callback_query"]
        # sticky: later calls without the parameter keep the filter
        m2 = tg.push_message(7, "again")
        st, r = api(tg, "getUpdates", {"offset": cb + 1})
        assert r["result"] == [] and tg.pending() == []
        cb2 = tg.push_callback(7, 7, "vote:2")
        st, r = api(tg, "getUpdates", {"offset": cb + 1})
        assert [u["update_id"] for u in r["result"]] == [cb2] and m2 < cb2
        # an empty list restores the default: everything but chat_member & reactions
        tg.push_update({"chat_member": {"chat": {"id": -5, "type": "group"}}})
        m3 = tg.push_message(7, "back")
        st, r = api(tg, "getUpdates", {"offset": cb2 + 1, "allowed_updates": "[]"}, form=True)
        assert [u["update_id"] for u in r["result"]] == [m3], r


def test_overlapping_polls_conflict():
    with fakebot.FakeTelegram() as tg:
        out = {}
        th = threading.Thread(target=lambda: out.setdefault(
            "old", api(tg, "getUpdates", {"timeout": 5})))
        th.start()
        tg.wait_count("getUpdates", 1)
        time.sleep(0.1)
        st, r = api(tg, "getUpdates", {"timeout": 0})
        th.join(5)
        assert st == 200 and r["result"] == []
        st, r = out["old"]
        assert st == 409 and r["description"].startswith(
            "Conflict: terminated by other getUpdates request"), r


def test_webhook_conflict_and_secret_validation():
    with fakebot.FakeTelegram() as tg:
        st, r = api(tg, "setWebhook", {"url": "https://example.invalid/h",
                                       "secret_token": "bad secret!"})
        assert st == 400, r
        st, r = api(tg, "setWebhook", {"url": "https://example.invalid/h",
                                       "secret_token": "x" * 257})
        assert st == 400, r
        st, r = api(tg, "setWebhook", {"url": "https://example.invalid/h",
                                       "secret_token": "Ok_-9"})
        assert st == 200 and r["result"] is True
        st, r = api(tg, "getUpdates", {})
        assert st == 409 and r == {"ok": False, "error_code": 409, "description":
                                   "Conflict: can't use getUpdates method while webhook is "
                                   "active; use deleteWebhook to delete the webhook first"}
        st, r = api(tg, "getWebhookInfo")
        assert r["result"]["url"] == "https://example.invalid/h"
        assert r["result"]["has_custom_certificate"] is False
        st, r = api(tg, "deleteWebhook", {"drop_pending_updates": True})
        assert st == 200 and tg.webhook_url is None
        st, r = api(tg, "getUpdates", {})
        assert st == 200


def test_telegram_webhook_delivery_and_retry():
    rx = Receiver(statuses=[500])
    try:
        with fakebot.FakeTelegram() as tg:
            tg.webhook_retry_delay = 0.1
            a = tg.push_message(11, "one")
            st, r = api(tg, "setWebhook", {"url": rx.url, "secret_token": "s3cr3t_-X"})
            assert st == 200
            b = tg.push_message(11, "two")
            tg.wait_until(lambda: len(tg.webhook_deliveries) >= 3)
            assert tg.webhook_deliveries == [(a, 500), (a, 200), (b, 200)], \
                tg.webhook_deliveries
            assert [g[1]["update_id"] for g in rx.got] == [a, a, b]
            hdr = rx.got[0][0]
            assert hdr["x-telegram-bot-api-secret-token"] == "s3cr3t_-X"
            assert hdr["content-type"] == "application/json"
            assert rx.got[2][1]["message"]["text"] == "two"
            tg.wait_until(lambda: not tg._queue)
            st, r = api(tg, "getWebhookInfo")
            assert r["result"]["pending_update_count"] == 0
            assert "last_error_message" in r["result"]
    finally:
        rx.close()


def test_failure_kinds():
    with fakebot.FakeTelegram() as tg:
        tg.fail_next(1, "http500")
        st, ct, body = raw(tg, "getMe")
        assert st == 500 and json.loads(body)["error_code"] == 500
        tg.fail_next(1, "http502")
        st, ct, body = raw(tg, "getMe")
        assert st == 502 and ct.startswith("text/html") and b"<html>" in body
        tg.fail_next(1, "html")
        st, ct, body = raw(tg, "getMe")
        assert st == 200 and ct.startswith("text/html") and b"<html" in body
        tg.fail_next(1, "truncated")
        st, ct, body = raw(tg, "getMe")
        assert st == 200 and body.startswith(b'{"ok": true')
        try:
            json.loads(body)
            raise AssertionError("truncated body parsed: %r" % body)
        except ValueError:
            pass
        tg.fail_next(1, "garbage")
        st, ct, body = raw(tg, "getMe")
        assert st == 200 and body
        try:
            json.loads(body.decode())
            raise AssertionError("garbage parsed")
        except ValueError:
            pass
        tg.fail_next(1, "empty")
        st, ct, body = raw(tg, "getMe")
        assert st == 200 and body == b""
        for kind in ("close", "reset"):
            tg.fail_next(1, kind)
            try:
                raw(tg, "getMe")
                raise AssertionError("%s: got an answer" % kind)
            except (OSError, http.client.HTTPException) as e:
                err = getattr(e, "reason", e)
                if kind == "close":
                    assert isinstance(err, http.client.RemoteDisconnected), repr(e)
                else:
                    assert isinstance(err, ConnectionResetError) and not isinstance(
                        err, http.client.RemoteDisconnected), repr(e)
        # n and methods: only matching requests consume the fault
        tg.fail_next(2, "http500", methods=["sendMessage"])
        assert api(tg, "getMe")[0] == 200
        assert send(tg, 1)[0] == 500 and send(tg, 1)[0] == 500 and send(tg, 1)[0] == 200
        assert len(tg.sent) == 1
        # processed=True: the message goes out, only the answer is lost
        tg.fail_next(1, "close", methods="sendMessage", processed=True)
        try:
            send(tg, 2, "lost answer")
        except (OSError, http.client.HTTPException):
            pass
        assert [s["text"] for s in tg.sent] == ["hi", "lost answer"]
        tg.set_down(True)
        st, ct, body = raw(tg, "getMe")
        assert st == 502 and b"Bad Gateway" in body
        st, ct, body = raw(tg, "sendMessage", {"chat_id": 3, "text": "down"})
        assert st == 502 and len(tg.sent) == 2
        tg.set_down(False)
        assert api(tg, "getMe")[0] == 200
        faults = [c["fault"] for c in tg.calls if c["fault"]]
        assert faults == ["http500", "http502", "html", "truncated", "garbage", "empty", "close",
                          "reset", "http500", "http500", "close", "http502", "http502"], faults
        tg.slow_seconds = 0.4
        tg.fail_next(1, "slow")
        t0 = time.monotonic()
        st, r = api(tg, "getMe")
        assert st == 200 and 0.35 < time.monotonic() - t0 < 2


def test_blocked_unknown_and_migrated_chats():
    with fakebot.FakeTelegram() as tg:
        tg.blocked.add("100")
        tg.unknown_chats.add("200")
        st, r = send(tg, 100)
        assert st == 403 and r == {"ok": False, "error_code": 403,
                                   "description": "Forbidden: bot was blocked by the user"}
        st, r = send(tg, "200")
        assert st == 400 and r["description"] == "Bad Request: chat not found"
        st, r = api(tg, "sendChatAction", {"chat_id": 100, "action": "typing"})
        assert st == 403
        st, r = api(tg, "sendChatAction", {"chat_id": 300, "action": "typing"})
        assert st == 200 and r["result"] is True
        tg.push_migration(-4001, -1004001)
        st, r = send(tg, -4001)
        assert st == 400 and r["parameters"] == {"migrate_to_chat_id": -1004001}, r
        assert r["description"] == ("Bad Request: group chat was upgraded to a supergroup "
                                    "chat")
        st, r = send(tg, -1004001, "moved")
        assert st == 200 and r["result"]["chat"]["id"] == -1004001
        assert [(s["chat_id"], s["text"]) for s in tg.sent] == [("-1004001", "moved")]
        upd = tg.pending()[0]["message"]
        assert upd["migrate_to_chat_id"] == -1004001 and upd["chat"]["id"] == -4001


def test_rate_limit_global_exact_boundary():
    with fakebot.FakeTelegram() as tg:
        tg.rate_limits(global_per_sec=30)
        t0 = time.monotonic()
        for i in range(30):
            st, r = send(tg, 1000 + i)
            assert st == 200, (i, r)
        assert time.monotonic() - t0 < 0.9, "too slow to test the boundary"
        st, r = send(tg, 2000)
        assert st == 429, r
        ra = r["parameters"]["retry_after"]
        assert ra >= 1 and r["description"] == "Too Many Requests: retry after %d" % ra
        assert tg.throttled == 1 and len(tg.sent) == 30
        # exactly one second after the first send arrived (the fake's clock is this
        # process's time.monotonic) the window has room for one more
        time.sleep(max(0, tg.sent[0]["time"] + 1.0 - time.monotonic()))
        st, r = send(tg, 2001)
        assert st == 200, r
        tg.rate_limits(global_per_sec=30, retry_after=7)
        for i in range(40):
            st, r = send(tg, 3000 + i)
            if st == 429:
                assert r["parameters"]["retry_after"] == 7
                break
        else:
            raise AssertionError("never throttled")


def test_rate_limit_paced_client_is_never_throttled():
    with fakebot.FakeTelegram() as tg:
        tg.rate_limits(global_per_sec=30, per_chat_per_sec=1)
        last = None
        for k in range(3):  # exactly 1/s to chat 9, 9 other chats in between
            if last is not None:
                time.sleep(max(0, last + 1.0 - time.monotonic()))
            assert send(tg, 9, "tick %d" % k)[0] == 200
            last = tg.sent[-1]["time"]
            for j in range(9):
                assert send(tg, 10 * k + j + 100)[0] == 200
        assert tg.throttled == 0
        st, r = send(tg, 9, "too soon")
        assert st == 429 and r["parameters"]["retry_after"] == 1 and tg.throttled == 1


def test_rate_limit_group_per_minute():
    with fakebot.FakeTelegram() as tg:
        tg.rate_limits(per_group_per_min=3)
        for i in range(3):
            assert send(tg, -77, "g%d" % i)[0] == 200
        st, r = send(tg, -77)
        assert st == 429 and 55 <= r["parameters"]["retry_after"] <= 60, r
        assert send(tg, 77)[0] == 200  # a private chat is not a group
        tg.mark_group(555)
        for i in range(3):
            assert send(tg, 555)[0] == 200
        assert send(tg, 555)[0] == 429 and tg.throttled == 2


def test_text_limits_and_buttons():
    with fakebot.FakeTelegram() as tg:
        assert send(tg, 1, "\U0001F600" * 4096)[0] == 200  # code points, not bytes
        st, r = send(tg, 1, "a" * 4097)
        assert st == 400 and r["description"] == "Bad Request: message is too long"
        st, r = send(tg, 1, "")
        assert st == 400 and r["description"] == "Bad Request: message text is empty"
        kb = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y" * 64}]]}
        st, r = api(tg, "sendMessage", {"chat_id": 1, "text": "q", "reply_markup": kb})
        assert st == 200 and r["result"]["reply_markup"] == kb
        kb["inline_keyboard"][0][0]["callback_data"] = "đ" * 33  # 66 bytes
        st, r = api(tg, "sendMessage", {"chat_id": 1, "text": "q", "reply_markup": kb})
        assert st == 400 and r["description"] == "Bad Request: BUTTON_DATA_INVALID"
        st, r = api(tg, "sendPhoto", {"chat_id": 1, "photo": "AgAD", "caption": "c" * 1025})
        assert st == 400
        st, r = api(tg, "sendPhoto", {"chat_id": 1, "photo": "AgAD", "caption": "ảnh"})
        assert st == 200 and tg.sent[-1]["text"] == "ảnh" and tg.sent[-1]["method"] == \
            "sendPhoto"


def test_form_and_query_requests():
    with fakebot.FakeTelegram() as tg:
        kb = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        st, r = api(tg, "sendMessage", {"chat_id": "-100123", "text": "Xin chào",
                                        "reply_markup": json.dumps(kb)}, form=True)
        assert st == 200, r
        c = tg.calls_of("sendMessage")[0]
        assert c["params"]["reply_markup"] == kb and c["params"]["chat_id"] == "-100123"
        assert tg.sent[0]["chat_id"] == "-100123" and tg.sent[0]["text"] == "Xin chào"
        assert r["result"]["chat"]["id"] == -100123
        uid = tg.push_message(3, "q")
        st, r = api(tg, "getUpdates", {"offset": uid, "timeout": 0,
                                       "allowed_updates": '["message"]'}, get=True)
        assert st == 200 and [u["update_id"] for u in r["result"]] == [uid]
        assert tg.allowed_updates == ["message"]
        assert tg.calls_of("getUpdates")[0]["http_method"] == "GET"
        st, r = api(tg, "sendMessage", {"chat_id": 3, "text": "json"})
        assert st == 200 and [s["chat_id"] for s in tg.sent] == ["-100123", "3"]
        assert tg.wait_sent(2)[1]["text"] == "json"


def test_push_helpers_and_callbacks():
    with fakebot.FakeTelegram() as tg:
        tg.push_photo(1, ["small", "mid", "large"], caption="cap")
        tg.push_location(1, 21.0285, 105.8542)
        tg.push_contact(1, "+84901234567", "Lan")
        tg.push_document(1, "DOC1", "report.pdf")
        tg.push_my_chat_member(-300, "Tổ dân phố 5", "left", "member")
        tg.push_message(-300, "/report@TipgateTestBot", from_id=42)
        cb = tg.push_callback(1, 1, "choice:2")
        ups = tg.pending()
        photo = ups[0]["message"]["photo"]
        assert photo[-1]["file_id"] == "large" and photo[-1]["file_size"] > photo[0]["file_size"]
        assert ups[0]["message"]["caption"] == "cap"
        assert ups[1]["message"]["location"] == {"latitude": 21.0285, "longitude": 105.8542}
        assert ups[2]["message"]["contact"]["phone_number"] == "+84901234567"
        assert ups[3]["message"]["document"]["file_name"] == "report.pdf"
        mcm = ups[4]["my_chat_member"]
        assert mcm["chat"]["type"] == "group" and mcm["new_chat_member"]["status"] == "member"
        g = ups[5]["message"]
        assert g["chat"]["type"] == "group" and g["from"]["id"] == 42 and tg.is_group(-300)
        cq = ups[6]["callback_query"]
        assert ups[6]["update_id"] == cb and cq["data"] == "choice:2"
        st, r = api(tg, "answerCallbackQuery", {})
        assert st == 400
        st, r = api(tg, "answerCallbackQuery", {"callback_query_id": cq["id"]})
        assert st == 200 and r["result"] is True and tg.answered_callbacks == [cq["id"]]
        st, r = api(tg, "answerCallbackQuery", {"callback_query_id": cq["id"]})
        assert st == 400  # twice is an error
        st, r = api(tg, "editMessageText", {"chat_id": 1, "message_id": 1, "text": "edited"})
        assert st == 200 and r["result"]["text"] == "edited"


def test_stop_and_restart_on_the_same_port():
    tg = fakebot.FakeTelegram().start()
    try:
        port = tg.port
        tg.push_message(1, "kept")
        tg.stop()
        try:
            raw(tg, "getMe", timeout=2)
            raise AssertionError("still listening")
        except OSError:
            pass
        tg.start()
        assert tg.port == port
        st, r = api(tg, "getUpdates", {})
        assert r["result"][0]["message"]["text"] == "kept"
    finally:
        tg.stop()


def test_cli_runs_standalone():
    p = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "fakebot.py"), "zalo", "--port", "0", "--token", "1:cli"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = p.stdout.readline().strip()
        assert base.startswith("http://127.0.0.1:"), base
        req = urllib.request.Request(base + "/bot1:cli/getMe", data=b"{}",
                                     headers={"Content-Type": "application/json"})
        with OPENER.open(req, timeout=5) as r:
            assert json.loads(r.read())["result"]["id"] == "1"
        req = urllib.request.Request(base + "/_fake/message", data=json.dumps(
            {"chat_id": "u1", "text": "hello"}).encode())
        with OPENER.open(req, timeout=5) as r:
            assert json.loads(r.read())["ok"]
        req = urllib.request.Request(base + "/bot1:cli/getUpdates", data=b'{"timeout":"1"}',
                                     headers={"Content-Type": "application/json"})
        with OPENER.open(req, timeout=5) as r:
            assert json.loads(r.read())["result"]["message"]["text"] == "hello"
    finally:
        p.terminate()
        assert p.wait(5) == 0


# ---- Zalo -----------------------------------------------------------------------------------

def test_zalo_getme_and_errors():
    with fakebot.FakeZalo("99:zz") as zl:
        st, r = api(zl, "getMe")
        assert r == {"ok": True, "result": {"id": "99", "account_name": "tipgate_bot",
                                            "account_type": "BASIC",
                                            "can_join_groups": True}}, r
        st, r = api(zl, "getMe", token="99:nope")
        assert st == 401 and r["error_code"] == 401 and r["ok"] is False
        st, r = api(zl, "editMessageText")
        assert st == 404
        zl.blocked.add("u-block")
        st, r = send(zl, "u-block")
        assert st == 403 and r["error_code"] == 403 and r["description"]
        zl.unknown_chats.add("u-none")
        assert send(zl, "u-none")[0] == 400
        st, r = send(zl, "u1", "x" * 2001)
        assert st == 400 and "too long" in r["description"]
        st, r = send(zl, "u1", "ư" * 2000)
        assert st == 200 and isinstance(r["result"]["message_id"], str)
        assert r["result"]["date"] > 1e12  # milliseconds
        assert api(zl, "sendChatAction", {"chat_id": "u1", "action": "typing"})[0] == 200
        assert api(zl, "sendChatAction", {"chat_id": "u1", "action": "upload_photo"})[0] == 400
        assert api(zl, "sendPhoto", {"chat_id": "u1", "photo": "AgADfileid"})[0] == 400
        st, r = api(zl, "sendPhoto", {"chat_id": "u1", "photo": "https://x.invalid/a.jpg",
                                      "caption": "ảnh"})
        assert st == 200 and zl.sent[-1]["text"] == "ảnh"
        assert api(zl, "sendSticker", {"chat_id": "u1", "sticker": "abc"})[0] == 200
        zl.rate_limits(per_chat_per_sec=1, per_chat_burst=1)
        st, r = send(zl, "u2")
        assert st == 200
        st, r = send(zl, "u2")
        assert st == 429 and r == {"ok": False, "error_code": 429,
                                   "description": "Quota exceeded"}, r
        assert zl.throttled == 1


def test_zalo_single_object_and_array_mode():
    with fakebot.FakeZalo() as zl:
        ids = [zl.push_text("u1", "một"), zl.push_text("g1", "hai", from_id="u2",
                                                        chat_type="GROUP"),
               zl.push_image("u1", "https://x.invalid/p.jpg", caption="ảnh")]
        assert zl.is_group("g1") and not zl.is_group("u1")
        st, r = api(zl, "getUpdates", {"timeout": "30"})
        u = r["result"]
        assert st == 200 and isinstance(u, dict) and u["event_name"] == "message.text.received"
        m = u["message"]
        assert m["message_id"] == ids[0] and m["text"] == "một" and m["date"] > 1e12
        assert m["from"] == {"id": "u1", "display_name": "Minh", "is_bot": False}
        assert m["chat"] == {"id": "u1", "chat_type": "PRIVATE"}
        zl.array_mode = True
        for i in range(12):
            zl.push_text("u3", "n%d" % i)
        st, r = api(zl, "getUpdates", {"timeout": 30})
        assert isinstance(r["result"], list) and len(r["result"]) == 10
        assert r["result"][0]["message"]["chat"]["chat_type"] == "GROUP"
        assert r["result"][1]["event_name"] == "message.image.received"
        photo = r["result"][1]["message"]
        assert photo["photo_url"] == "https://x.invalid/p.jpg" and "photo" not in photo, photo
        assert photo["message_type"] == "CHAT_PHOTO" and photo["caption"] == "ảnh", photo
        st, r = api(zl, "getUpdates", {"timeout": 30})
        assert [x["message"]["text"] for x in r["result"]] == ["n8", "n9", "n10", "n11"]


def test_zalo_408_when_idle():
    with fakebot.FakeZalo() as zl:
        t0 = time.monotonic()
        st, r = api(zl, "getUpdates", {"timeout": "1"})
        took = time.monotonic() - t0
        assert st == 408 and r == {"ok": False, "error_code": 408,
                                   "description": "Request timeout"}, r
        assert 0.9 < took < 2.5, took
        out = {}
        th = threading.Thread(target=lambda: out.setdefault("r", api(
            zl, "getUpdates", {"timeout": "5"})))
        t0 = time.monotonic()
        th.start()
        zl.wait_count("getUpdates", 2)
        time.sleep(0.2)
        zl.push_sticker("u1")
        th.join(5)
        assert out["r"][0] == 200 and time.monotonic() - t0 < 1.5
        assert out["r"][1]["result"]["event_name"] == "message.sticker.received"
        zl.instant_empty = True
        t0 = time.monotonic()
        assert api(zl, "getUpdates", {"timeout": "30"})[0] == 408
        assert time.monotonic() - t0 < 0.5


def test_zalo_redelivery_and_echo():
    with fakebot.FakeZalo() as zl:
        a = zl.push_text("u1", "dup me")
        b = zl.push_voice("u1")
        zl.redeliver_next(1)
        got = [api(zl, "getUpdates", {"timeout": "1"})[1]["result"]["message"]["message_id"]
               for _ in range(3)]
        assert got == [a, a, b], got
        zl.echo_sent = True
        assert send(zl, "u1", "bot says")[0] == 200
        st, r = api(zl, "getUpdates", {"timeout": "1"})
        m = r["result"]["message"]
        assert m["from"] == {"id": zl.bot_chat_id, "display_name": "tipgate_bot",
                             "is_bot": True} and m["text"] == "bot says", m
        assert m["from"]["id"] != zl.me["id"]  # getMe's id is not the one chats show
        assert m["chat"]["id"] == "u1"
        zl.push_unsupported("u1")
        assert api(zl, "getUpdates", {})[1]["result"]["event_name"] == \
            "message.unsupported.received"


def test_zalo_webhook():
    rx = Receiver(statuses=[503])
    try:
        with fakebot.FakeZalo() as zl:
            zl.webhook_retry_delay = 0.1
            st, r = api(zl, "setWebhook", {"url": rx.url, "secret_token": "short"})
            assert st == 400
            st, r = api(zl, "setWebhook", {"url": rx.url, "secret_token": "long-enough-1"})
            assert st == 200 and r["result"]["url"] == rx.url
            st, r = api(zl, "getUpdates", {"timeout": "1"})
            assert st == 409 and r["error_code"] == 409
            mid = zl.push_text("u9", "qua webhook")
            zl.wait_until(lambda: len(zl.webhook_deliveries) >= 2)
            assert zl.webhook_deliveries == [(mid, 503), (mid, 200)]
            hdr, body = rx.got[-1]
            assert hdr["x-bot-api-secret-token"] == "long-enough-1"
            assert body["ok"] is True and body["result"]["message"]["text"] == "qua webhook"
            st, r = api(zl, "getWebhookInfo")
            assert r["result"]["url"] == rx.url
            assert api(zl, "deleteWebhook")[0] == 200
            assert api(zl, "getUpdates", {"timeout": "0"})[0] == 408
    finally:
        rx.close()


def test_wait_for_reports_calls_on_timeout():
    with fakebot.FakeTelegram() as tg:
        api(tg, "getMe")
        try:
            tg.wait_for(lambda c: c["method"] == "sendMessage", timeout=0.2)
            raise AssertionError("wait_for did not time out")
        except AssertionError as e:
            assert "getMe" in str(e), e
        assert tg.wait_for(lambda c: c["method"] == "getMe", timeout=1)["status"] == 200


def test_wait_for_sees_a_call_answered_after_the_wait_began():
    """A call is logged when it arrives and answered later: a wait that looked at it before
    its answer must still find it once answered (the log is read again at each wake-up)."""
    with fakebot.FakeTelegram() as tg:
        tg.fail_next(1, "http502")
        try:
            api(tg, "getMe")  # answered 502 with an HTML page
        except ValueError:
            pass
        # The client has the answer; the fake records it a moment later.
        tg.wait_until(lambda: tg.calls[-1]["status"] is not None)
        with tg.cond:
            call = tg.calls[-1]
            status, call["status"] = call["status"], None  # as if not answered yet
        assert status == 502

        def answer_later():
            time.sleep(0.3)
            tg._answered(call, status, None)
        th = threading.Thread(target=answer_later)
        th.start()
        try:
            got = tg.wait_for(lambda c: c["method"] == "getMe" and c["status"] == 502,
                              timeout=5)
        finally:
            th.join()
        assert got is call


if __name__ == "__main__":
    tglib.main(globals())
