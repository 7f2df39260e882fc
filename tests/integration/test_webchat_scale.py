"""The web chat with many browsers open: a reply reaches every tab of its chat and no other
connection, a browser that only looks leaves no identity behind, long messages arrive in pieces
and are joined, and a service started with systemd's 1,024 open files still takes more
browsers than that; a backlog longer than a connection's send queue arrives whole."""
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

TEXTS = tglib.texts()
CROWD = 200
BEYOND_1024 = 1100


def open_browsers(tg, n, secret=None):
    """n browsers: handshakes, then the hellos, then the answers (pipelined)."""
    conns = [tg.ws() for _ in range(n)]
    for ws in conns:
        ws.send_json({"type": "hello", "secret": secret} if secret else {"type": "hello"})
    readies = [ws.recv_until(lambda m: m.get("type") == "ready")[0] for ws in conns]
    return conns, readies


def bot_message(ws):
    m, _ = ws.recv_until(lambda m: m.get("type") == "message")
    return m["text"]


def assert_got_nothing(conns):
    """Each connection's frames arrive in order: a pong with nothing before it means nothing
    was queued for that connection before the ping."""
    for ws in conns:
        ws.send_json({"type": "ping"})
    for i, ws in enumerate(conns):
        _, before = ws.recv_until(lambda m: m.get("type") == "pong")
        assert before == [], (i, before)


def close_all(conns):
    for ws in conns:
        ws.close()


def test_reply_reaches_both_tabs_of_its_chat_and_no_other_of_200():
    tg = tglib.Tipgate().start()
    crowd = []
    try:
        tab1 = tg.ws()
        secret = tab1.hello()["secret"]
        tab2 = tg.ws()
        assert tab2.hello(secret)["secret"] == secret  # a second tab, before any message
        other = tg.ws()
        other.hello()
        crowd, _ = open_browsers(tg, CROWD - 3)

        tab1.send_json({"type": "message", "id": "t1", "text": "/help"})
        assert bot_message(tab1) == TEXTS["help"]
        assert bot_message(tab2) == TEXTS["help"]
        other.send_json({"type": "message", "id": "o1", "text": "/start"})
        assert bot_message(other) == TEXTS["welcome"]
        assert_got_nothing(crowd + [tab1, tab2])

        # A message another process queues for the chat (police, a campaign) goes the same way.
        with tg.db() as con:
            chat = con.execute("SELECT chat_id FROM inbox WHERE update_key LIKE '%:t1'"
                               ).fetchone()[0]
            con.execute("INSERT INTO outbox (platform, chat_id, text, next_attempt_at,"
                        " created_at) VALUES ('webchat', ?, 'Công an đã nhận tin.', 0, 0)",
                        (chat,))
        assert bot_message(tab1) == "Công an đã nhận tin."
        assert bot_message(tab2) == "Công an đã nhận tin."
        assert_got_nothing(crowd + [other, tab1, tab2])
        close_all(crowd + [tab1, tab2, other])
        crowd = []
        tg.assert_clean_exit()
    finally:
        close_all(crowd)
        tg.cleanup()


def test_a_browser_that_only_looks_leaves_no_identity_row():
    tg = tglib.Tipgate().start()
    try:
        lookers, readies = open_browsers(tg, 5)
        close_all(lookers)
        ws = tg.ws()
        secret = ws.hello()["secret"]
        ws.close()
        ws = tg.ws()
        ready = ws.hello(secret)
        assert isinstance(ready.pop("vapid_public_key"), str), ready  # notifications (webpush)
        assert ready == {"type": "ready", "secret": secret, "history": [],
                         "max_text_chars": 5000, "max_text_bytes": 20000,
                         "ward": tglib.WARD_DEFAULT}
        with tg.db() as con:
            assert con.execute("SELECT count(*) FROM webchat_identities").fetchone()[0] == 0
        ws.send_json({"type": "message", "id": "m1", "text": "/help"})
        assert bot_message(ws) == TEXTS["help"]
        ws.close()
        with tg.db() as con:
            assert con.execute("SELECT count(*) FROM webchat_identities").fetchone()[0] == 1
        ws = tg.ws()
        hist = [(h["from"], h["text"]) for h in ws.hello(secret)["history"]]
        assert hist == [("me", "/help"), ("bot", TEXTS["help"])], hist
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_long_message_sent_in_fragments_is_joined():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        ws.hello()
        text = "Tôi thấy một nhóm người lạ mặt đứng trước cổng trường. " * 40  # 2.9 kB
        frame = ('{"type":"message","id":"long","text":"%s"}' % text).encode()
        third = len(frame) // 3
        ws.send_frame(0x1, frame[:third], fin=False)
        ws.send_frame(0x0, frame[third:2 * third], fin=False)
        ws.send_frame(0x0, frame[2 * third:], fin=True)
        ack, _ = ws.recv_until(lambda m: m.get("type") in ("ack", "error"))
        assert ack == {"type": "ack", "id": "long"}, ack
        ws.send_json({"type": "ping"})  # and the connection goes on as before
        ws.recv_until(lambda m: m.get("type") == "pong")
        ws.close()
        with tg.db() as con:
            stored = con.execute("SELECT json_extract(message, '$.text') FROM inbox"
                                 ).fetchone()[0]
        assert stored == text
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_empty_fragments_are_refused_and_the_service_goes_on():
    """A frame sent as empty fragments (RFC 6455 allows them) once freed the join buffer twice
    (found by fuzz/fuzz_webchat.c; the input is in fuzz/regress/webchat/)."""
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        ws.hello()
        ws.send_frame(0x1, b"", fin=False)
        ws.send_frame(0x0, b"", fin=False)
        ws.send_frame(0x0, b"", fin=True)
        err, _ = ws.recv_until(lambda m: m.get("type") in ("ack", "error"))
        assert err["type"] == "error" and err["code"] == "bad_json", err
        frame = b'{"type":"message","id":"after","text":"c\xc3\xb2n \xc4\x91\xc3\xa2y"}'
        ws.send_frame(0x1, frame[:10], fin=False)
        ws.send_frame(0x0, b"", fin=False)
        ws.send_frame(0x0, frame[10:], fin=True)
        ack, _ = ws.recv_until(lambda m: m.get("type") in ("ack", "error"))
        assert ack == {"type": "ack", "id": "after"}, ack
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_300_messages_waiting_for_a_chat_arrive_once_and_in_order():
    """More than a connection's send queue holds (256): the rest follows as it drains."""
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        secret = ws.hello()["secret"]
        ws.send_json({"type": "message", "id": "m1", "text": "/help"})
        bot_message(ws)
        ws.close()
        with tg.db() as con:
            chat = con.execute("SELECT chat_id FROM webchat_identities").fetchone()[0]
            con.executemany("INSERT INTO outbox (platform, chat_id, text, next_attempt_at,"
                            " created_at) VALUES ('webchat', ?, ?, 0, 0)",
                            [(chat, "Thông báo số %d" % i) for i in range(300)])
        ws = tg.ws()
        ws.hello(secret)
        got = [bot_message(ws) for _ in range(300)]
        assert got == ["Thông báo số %d" % i for i in range(300)], got[:5]
        assert [m for m in ws.expect_silence(1.0) if m.get("type") == "message"] == []
        ws.close()
        with tg.db() as con:
            left = con.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
        assert left == 0, left
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_started_with_1024_open_files_it_takes_1100_browsers():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < BEYOND_1024 + 200:
        print("skipped: the hard open-file limit (%d) is too low for this test" % hard)
        return
    tg = tglib.Tipgate()
    conns = []
    try:
        # A systemd service starts with a soft limit of 1024; this test needs more itself.
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
        try:
            tg.start()
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        for _ in range(BEYOND_1024 // 100):
            batch, _ = open_browsers(tg, 100)
            conns += batch
        ws = tg.ws()
        ws.hello()
        ws.send_json({"type": "message", "id": "x", "text": "/help"})
        assert bot_message(ws) == TEXTS["help"]
        conns.append(ws)
        assert "raised the open-file limit from 1024" in tg.read_logs()
        close_all(conns)
        conns = []
        tg.assert_clean_exit()
    finally:
        close_all(conns)
        tg.cleanup()


if __name__ == "__main__":
    tglib.main(globals())
