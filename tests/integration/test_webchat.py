"""The web chat, as a resident's browser uses it: /start gets the Vietnamese welcome, the
identity survives a reconnect with its history, a reply queued while offline arrives on
reconnect, and bad input gets a clear error frame without hurting anyone else."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

TEXTS = tglib.texts()


def bot_message(m):
    return m.get("type") == "message"


def send(ws, text, mid):
    ws.send_json({"type": "message", "id": mid, "text": text})
    ack, _ = ws.recv_until(lambda m: m.get("type") in ("ack", "error"))
    assert ack == {"type": "ack", "id": mid}, ack
    return ack


def test_start_gets_vietnamese_welcome_with_emergency_numbers():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        ready = ws.hello()
        assert len(ready["secret"]) == 64 and int(ready["secret"], 16) >= 0
        assert ready["history"] == []
        send(ws, "/start", "m1")
        reply, _ = ws.recv_until(bot_message)
        assert reply["text"] == TEXTS["welcome"], reply
        for number in ("113", "114", "115"):
            assert number in reply["text"]
        send(ws, "/help", "m2")
        reply, _ = ws.recv_until(bot_message)
        assert reply["text"] == TEXTS["help"]
        send(ws, "/khonglenhnao", "m3")
        reply, _ = ws.recv_until(bot_message)
        assert reply["text"] == TEXTS["unknown_command"].replace("{command}", "/khonglenhnao")
        send(ws, "xin chào", "m4")
        reply, _ = ws.recv_until(bot_message)
        assert reply["text"] == TEXTS["fallback"]
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_reconnect_keeps_identity_and_history():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        secret = ws.hello()["secret"]
        send(ws, "/start", "a1")
        ws.recv_until(bot_message)
        ws.close()
        ws = tg.ws()
        ready = ws.hello(secret)
        assert ready["secret"] == secret
        hist = [(h["from"], h["text"]) for h in ready["history"]]
        assert hist == [("me", "/start"), ("bot", TEXTS["welcome"])], hist
        # A different browser sees none of it.
        other = tg.ws()
        ready2 = other.hello()
        assert ready2["secret"] != secret and ready2["history"] == []
        other.close()
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_reply_queued_while_offline_arrives_on_reconnect():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        secret = ws.hello()["secret"]
        chat_id = None
        send(ws, "/help", "x1")
        ws.recv_until(bot_message)
        with tg.db() as con:
            chat_id = con.execute("SELECT chat_id FROM webchat_identities").fetchone()[0]
        ws.close()
        time.sleep(0.3)
        # Something the bot says while the resident is away (later: police replies, alerts).
        with tg.db() as con:
            con.execute("INSERT INTO outbox (platform, chat_id, text, priority, next_attempt_at,"
                        " created_at) VALUES ('webchat', ?, 'Công an đã nhận tin của bạn.', 1,"
                        " 0, 0)", (chat_id,))
        time.sleep(1.2)  # the server sweeps for rows written by other processes
        with tg.db() as con:
            status = con.execute("SELECT status FROM outbox WHERE text LIKE 'Công an%'").fetchone()[0]
        assert status == "queued", status
        ws = tg.ws()
        ready = ws.hello(secret)
        msg, _ = ws.recv_until(bot_message)
        assert msg["text"] == "Công an đã nhận tin của bạn."
        assert ws.expect_silence(0.8) == []
        with tg.db() as con:
            status = con.execute("SELECT status FROM outbox WHERE text LIKE 'Công an%'").fetchone()[0]
        assert status == "sent"
        ws.close()
        # And it is in the history next time, once.
        ws = tg.ws()
        ready = ws.hello(secret)
        texts = [h["text"] for h in ready["history"]]
        assert texts.count("Công an đã nhận tin của bạn.") == 1, texts
        assert ws.expect_silence(0.8) == []
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_duplicate_message_id_gets_one_reply():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        ws.hello()
        send(ws, "/start", "same")
        ws.send_json({"type": "message", "id": "same", "text": "/start"})
        ack, _ = ws.recv_until(lambda m: m.get("type") == "ack")
        assert ack.get("duplicate") is True
        replies = [m for m in ws.expect_silence(1.5) if bot_message(m)]
        replies += []  # the first reply may have come before the second ack
        with tg.db() as con:
            n_in = con.execute("SELECT count(*) FROM inbox").fetchone()[0]
            n_out = con.execute("SELECT count(*) FROM outbox").fetchone()[0]
        assert (n_in, n_out) == (1, 1), (n_in, n_out)
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def error_of(ws, frame, raw=False):
    if raw:
        ws.send_frame(0x1, frame)
    else:
        ws.send_text(frame if isinstance(frame, str) else json.dumps(frame))
    m, _ = ws.recv_until(lambda m: m.get("type") == "error")
    return m


def test_bad_input_gets_clear_errors_and_nothing_is_stored():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        assert error_of(ws, {"type": "message", "id": "z", "text": "hi"})["code"] == "not_ready"
        ws.hello()
        e = error_of(ws, "{not json")
        assert e["code"] == "bad_json" and e["text"] == TEXTS["ws_bad_json"]
        assert error_of(ws, {"type": "dance"})["code"] == "bad_type"
        assert error_of(ws, "[1,2,3]")["code"] == "bad_json"
        e = error_of(ws, {"type": "message", "id": "long", "text": "a" * 5001})
        assert e["code"] == "too_long" and e["id"] == "long" and e["text"] == TEXTS[
            "ws_too_long"].replace("{max}", "5.000") and "ký tự" in e["text"]
        e = error_of(ws, b'{"type":"message","id":"u","text":"\xff\xfe"}', raw=True)
        assert e["code"] == "bad_utf8"
        assert error_of(ws, {"type": "message", "id": "e", "text": "   "})["code"] == "empty"
        assert error_of(ws, {"type": "message", "id": "bad id!", "text": "x"})["code"] == "bad_id"
        e = error_of(ws, json.dumps({"type": "message", "id": "big", "text": "x" * 70000}))
        assert e["code"] == "frame_too_big"
        # The limit counts characters, as people do: 5,000 Vietnamese letters (15,000 bytes) go
        # through, even typed decomposed (e + two combining marks: 25,000 bytes) and even with
        # every character escaped in the frame; one more is refused.
        send(ws, "ệ" * 5000, "limit")
        send(ws, "e\u0323\u0302" * 5000, "limit-nfd")
        ws.send_text(json.dumps({"type": "message", "id": "limit-esc", "text": "ệ" * 5000}))
        ack, _ = ws.recv_until(lambda f: f.get("type") in ("ack", "error"))
        assert ack == {"type": "ack", "id": "limit-esc"}, ack
        over = "e\u0323\u0302" * 4000 + "a" * 1001  # 21,001 bytes, 5,001 characters
        e = error_of(ws, json.dumps({"type": "message", "id": "over", "text": over},
                                    ensure_ascii=False))
        assert e["code"] == "too_long" and e["id"] == "over", e
        # Another user is not disturbed.
        other = tg.ws()
        other.hello()
        send(other, "/start", "o1")
        other.recv_until(bot_message)
        other.close()
        ws.close()
        with tg.db() as con:
            stored = [r[0] for r in con.execute("SELECT json_extract(message,'$.text') FROM inbox")]
        # Stored in NFC: the decomposed one reads the same as the others.
        assert sorted(stored) == sorted(["ệ" * 5000] * 3 + ["/start"]), stored
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_a_5000_character_report_is_filed_whole():
    """The guided report used to cut the description at 4096 bytes (1,390 Vietnamese letters)
    without a word; the limit is 5,000 characters, and all of them reach the tip."""
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        ws.hello()
        send(ws, "/baotin", "r0")
        ws.recv_until(bot_message)
        head = "Tối qua có người trộm xe máy ở hẻm 12 đường Lê Lợi. "
        text = head + "ệ" * (5000 - len(head))
        send(ws, text, "r1")
        # whatever the steps ask (a category to confirm, the photos, anonymity), the answer that
        # moves on, until the receipt (a message without buttons)
        prefer = ["right", "continue", "skip", "anonymous", "send"]
        for i in range(10):
            m, _ = ws.recv_until(bot_message)
            offered = [b.get("data") for row in m.get("buttons") or [] for b in row]
            if not offered:
                break
            data = next(d for d in prefer if d in offered)
            ws.send_json({"type": "callback", "id": "c%d" % i, "text": data, "data": data})
        with tg.db() as con:
            rows = con.execute("SELECT description FROM tips").fetchall()
        assert [len(r[0]) for r in rows] == [5000], [len(r[0]) for r in rows]
        assert rows[0][0] == text
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_unknown_path_and_missing_protocol_are_refused():
    tg = tglib.Tipgate().start()
    try:
        for path, proto in (("/nowhere", "tipgate-chat"), ("/ws", None), ("/ws", "other")):
            try:
                tglib.WebSocket("127.0.0.1", tg.port, path, proto)
                refused = False
            except (tglib.WebSocketClosed, ConnectionError, OSError):
                refused = True
            assert refused, (path, proto)
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_page_and_healthz():
    tg = tglib.Tipgate().start()
    try:
        status, headers, body = tg.get("/")
        assert status == 200 and b'lang="vi"' in body
        assert "charset=utf-8" in headers.get("content-type", "").lower()
        assert "default-src 'self'" in headers.get("content-security-policy", "")
        for asset in ("/app.js", "/style.css"):
            status, _, _ = tg.get(asset)
            assert status == 200, asset
        assert b"http://" not in body.replace(b"http://www.w3.org", b"")  # no external assets
        status, headers, body = tg.get("/healthz")
        assert status == 200 and headers["content-type"].startswith("application/json")
        h = json.loads(body)
        assert h["status"] == "ok" and h["database"] == "ok" and h["version"]
        assert h["problems"] == [] and "senders" in h  # queue counts: /metrics (test_health)
        assert "webchat" in h["platforms"]
        status, _, _ = tg.get("/no-such-file.html")
        assert status == 404
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


if __name__ == "__main__":
    tglib.main(globals())
