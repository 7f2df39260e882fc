"""The durable pipeline: a message accepted (acknowledged) is answered exactly once even when
the process is killed with SIGKILL at any point, and a duplicate update produces one reply."""
import os
import re
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

TEXTS = tglib.texts()
REPLY = re.compile(re.escape(TEXTS["unknown_command"]).replace(r"\{command\}", r"(/\S+)"))


def replies_in(frames):
    out = []
    for m in frames:
        if m.get("type") == "message":
            hit = REPLY.fullmatch(m["text"])
            assert hit, m
            out.append(hit.group(1))
    return out


def drain(ws, seconds):
    frames = []
    try:
        frames = ws.expect_silence(seconds)
    except tglib.WebSocketClosed:
        pass
    return frames


def test_sigkill_after_accept_delivers_each_reply_exactly_once():
    """Four browsers each send 20 commands as fast as they can; the process is SIGKILLed as soon
    as the last one is acknowledged, while replies are still being produced and delivered."""
    tg = tglib.Tipgate().start()
    try:
        clients, sent, got = [], {}, {}  # got: replies that arrived live before the kill
        for c in range(4):
            ws = tg.ws()
            secret = ws.hello()["secret"]
            clients.append((ws, secret))
            sent[secret] = ["/lenh%d_%d" % (c, i) for i in range(20)]
            got[secret] = []
        for ws, secret in clients:
            for i, cmd in enumerate(sent[secret]):
                ws.send_json({"type": "message", "id": "k%d" % i, "text": cmd})
        for ws, secret in clients:
            acked, frames = 0, []
            while acked < 20:
                m = ws.recv_json()
                if m["type"] == "ack":
                    acked += 1
                else:
                    frames.append(m)
            got[secret] += replies_in(frames)
        tg.proc.send_signal(signal.SIGKILL)
        tg.proc.wait()
        for ws, secret in clients:  # whatever reached the socket before the kill
            got[secret] += replies_in(drain(ws, 0.2))
            ws.close()
        with tg.db() as con:
            window = con.execute("SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL),"
                                 " (SELECT count(*) FROM outbox WHERE status != 'sent')").fetchone()
        print("at the kill: %d accepted but unprocessed, %d replies not delivered" % tuple(window))

        tg.start()
        for ws_old, secret in clients:
            ws = tg.ws()
            ready = ws.hello(secret)
            # What the resident sees after reconnecting: the history (replies written to the
            # socket before the kill are there, even if the kill reset the connection before
            # the browser read them) and the replies that had not gone out yet, arriving now.
            live = replies_in(drain(ws, 1.5))
            history = replies_in({"type": "message", "text": h["text"]}
                                 for h in ready["history"] if h["from"] == "bot")
            assert sorted(history + live) == sorted(sent[secret]), (secret[:6], history, live)
            # Nothing that arrived live before the kill arrives live again.
            assert not set(live) & set(got[secret]), (set(live) & set(got[secret]))
            ws.close()
        with tg.db() as con:
            n_in, unprocessed = con.execute(
                "SELECT count(*), sum(processed_at IS NULL) FROM inbox").fetchone()
            n_out, unsent = con.execute(
                "SELECT count(*), sum(status != 'sent') FROM outbox").fetchone()
        assert (n_in, unprocessed, n_out, unsent) == (80, 0, 80, 0)
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_update_committed_but_unprocessed_at_crash_is_answered_once_after_restart():
    """The state a crash leaves right after an adapter's commit: an inbox row not yet processed."""
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        secret = ws.hello()["secret"]
        ws.close()
        tg.kill()
        # The identity has no row before its first message: its chat id is in the log.
        chat = re.search(r"chat (w[0-9a-f]{16}) connected", tg.read_logs()).group(1)
        with tg.db() as con:
            msg = ('{"kind":"text","platform":"webchat","update_key":"%s:crash1","chat_id":"%s",'
                   '"sender_id":"%s","text":"/start","is_group":false,"date_ms":1}' % (chat, chat, chat))
            con.execute("INSERT INTO inbox (platform, update_key, chat_id, message, received_at)"
                        " VALUES ('webchat', ?, ?, ?, 1)", (chat + ":crash1", chat, msg))
        tg.start()
        ws = tg.ws()
        ws.hello(secret)
        m, _ = ws.recv_until(lambda m: m.get("type") == "message")
        assert m["text"] == TEXTS["welcome"]
        assert drain(ws, 1.0) == []
        ws.close()
        tg.stop()
        tg.start()  # and not again after another restart
        ws = tg.ws()
        ready = ws.hello(secret)
        assert [h["text"] for h in ready["history"]].count(TEXTS["welcome"]) == 1
        assert drain(ws, 1.0) == []
        ws.close()
        tg.assert_clean_exit()
    finally:
        tg.cleanup()


def test_interrupted_send_is_retried_once_on_restart():
    """A console reply left in "sending" by a crash goes out once at the next run."""
    tg = tglib.Tipgate()
    try:
        status, out, err = tglib.run_chat(tg.config_path, ["/help"])
        assert status == 0 and out.count(TEXTS["help"]) == 1, (out, err)
        with tg.db() as con:
            con.execute("INSERT INTO outbox (platform, chat_id, text, status, attempts,"
                        " next_attempt_at, created_at) VALUES ('console', 'console',"
                        " 'Tin nhắn bị gián đoạn', 'sending', 1, 0, 0)")
        status, out, err = tglib.run_chat(tg.config_path, [])
        assert status == 0 and out.count("Tin nhắn bị gián đoạn") == 1, (out, err)
        status, out, err = tglib.run_chat(tg.config_path, [])
        assert status == 0 and "Tin nhắn bị gián đoạn" not in out, out
    finally:
        tg.cleanup()


if __name__ == "__main__":
    tglib.main(globals())
