"""The web chat's own protocol for a resident who reloads or keeps two tabs open: the question
still waiting for an answer keeps its buttons in the history of a reload, what is written in one
tab shows in the others ("mine"), and a reply reaches every tab even when another tab had it
first and marked it sent.

    python3 tests/integration/test_webchat_tabs.py --binary build/asan/tipgate [test_name ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

TEXTS = tglib.texts()
KNIFE = "đang có đánh nhau có dao ở ngã tư chợ Đông, có người bị chém chảy máu nhiều"


def bot_message(m):
    return m.get("type") == "message"


def send(ws, text, mid, kind="message", data=None):
    frame = {"type": kind, "id": mid, "text": text}
    if data is not None:
        frame["data"] = data
    ws.send_json(frame)
    ack, seen = ws.recv_until(lambda m: m.get("type") in ("ack", "error"))
    assert ack == {"type": "ack", "id": mid}, ack
    return seen


def bot_messages(ws, n):
    return [ws.recv_until(bot_message)[0] for _ in range(n)]


def chat_id_of(tg):
    with tg.db() as con:
        return con.execute("SELECT chat_id FROM webchat_identities").fetchone()[0]


def test_a_reload_brings_back_the_buttons_of_the_question_still_waiting():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        secret = ws.hello()["secret"]
        send(ws, "/start", "a1")
        bot_messages(ws, 1)
        send(ws, KNIFE, "a2")
        live = bot_messages(ws, 2)
        assert all(m.get("buttons") for m in live), live
        ws.close()

        ws = tg.ws()
        hist = ws.hello(secret)["history"]
        # The two bot lines after the resident's last message carry their buttons, exactly as
        # they came live; the welcome, answered since, carries none.
        assert [h["from"] for h in hist] == ["me", "bot", "me", "bot", "bot"], hist
        assert "buttons" not in hist[1], hist[1]
        assert [h["buttons"] for h in hist[3:]] == [m["buttons"] for m in live], hist

        # The buttons work after the reload: the last one ends the emergency flow.
        last = live[1]["buttons"][-1][-1]
        send(ws, last["text"], "a3", kind="callback", data=last["data"])
        assert bot_messages(ws, 1)[0]["text"].startswith(
            TEXTS["emergency_done"].split("{")[0]), "the button did not answer"
        ws.close()

        # Answered: the next reload shows no live keyboard on those lines any more.
        ws = tg.ws()
        hist = ws.hello(secret)["history"]
        assert [bool(h.get("buttons")) for h in hist[:-1]] == [False] * (len(hist) - 1), hist
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_what_is_written_in_one_tab_shows_in_the_other():
    tg = tglib.Tipgate().start()
    try:
        a = tg.ws()
        secret = a.hello()["secret"]
        b = tg.ws()
        b.hello(secret)
        stranger = tg.ws()
        stranger.hello()
        send(a, "/start", "m1")
        mine, _ = b.recv_until(lambda m: m.get("type") == "mine")
        assert (mine["id"], mine["text"]) == ("m1", "/start") and mine["at"] > 0, mine
        # Both tabs get the reply; the tab that wrote gets no "mine" of its own.
        assert bot_messages(a, 1)[0]["text"] == TEXTS["welcome"]
        assert bot_messages(b, 1)[0]["text"] == TEXTS["welcome"]
        # A button pressed in the other tab shows there as the button's label.
        send(b, "/help", "m2")
        mine, seen = a.recv_until(lambda m: m.get("type") == "mine")
        assert (mine["id"], mine["text"]) == ("m2", "/help"), mine
        assert all(m.get("type") != "mine" for m in b.expect_silence(0.5))
        # Another identity sees nothing of it.
        assert [m for m in stranger.expect_silence(0.5) if m.get("type") in
                ("mine", "message")] == []
        for w in (a, b, stranger):
            w.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_a_tab_that_fell_behind_gets_the_replies_the_other_tab_had_meanwhile():
    """The lost reply: a tab whose send queue was full (a slow phone) catches up later from
    the outbox, but it looked for queued rows only, and the other tab had marked them sent by
    then: the slow tab never showed them until a reload."""
    tg = tglib.Tipgate().start()
    try:
        fast = tg.ws()
        secret = fast.hello()["secret"]
        send(fast, "/help", "x1")
        bot_messages(fast, 1)
        slow = tg.ws()
        assert slow.hello(secret)["history"][-1]["text"] == TEXTS["help"]
        # The slow tab stops reading: once the socket's buffers are full (a few MB at most),
        # its frames pile up in the server's queue for it, beyond what the queue holds, while
        # the fast tab reads them all.
        chat = chat_id_of(tg)
        n, pad = 300, "." * 40000
        with tg.db() as con:
            con.executemany("INSERT INTO outbox (platform, chat_id, text, next_attempt_at,"
                            " created_at) VALUES ('webchat', ?, ?, 0, 0)",
                            [(chat, "Phản hồi số %d %s" % (i, pad)) for i in range(n)])
        got = [m["text"] for m in bot_messages(fast, n)]
        assert got == ["Phản hồi số %d %s" % (i, pad) for i in range(n)], "fast tab"
        with tg.db() as con:
            left = con.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
        assert left == 0, left
        # Now the slow tab reads again: every reply, once, in order.
        got = [m["text"].split(" ")[3] for m in bot_messages(slow, n)]
        assert got == [str(i) for i in range(n)], got[-3:]
        assert [m for m in slow.expect_silence(0.8) if bot_message(m)] == []
        for w in (fast, slow):
            w.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


if __name__ == "__main__":
    tglib.main(globals())
