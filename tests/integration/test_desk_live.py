"""The web desk's live socket (/desk/live, subprotocol tipgate-desk): refused without a
session, with a wrong cookie or from another site; the hello lists the urgent tips of the
desk's scope nobody acknowledged; a new urgent tip, an officer's /nhan in the chat and a
tipster's follow-up reach the desks whose scope holds the tip, and no other; a session ended
in the database closes the socket. Sessions are written into desk_sessions as the sign-in
would (the SHA-256 of the cookie's secret).

    python3 tests/integration/test_desk_live.py --binary build/asan/tipgate [test_name ...]
"""
import hashlib
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DESK_TDP5, bare  # noqa: E402

OFFICER_A = 610001          # enrolled through /dangky for TDP5: acts in the desk chat
OFFICER_A_NAME = "Trung úy Minh"
URGENT_TDP5 = "đang có cướp, cứu với, ở tổ 5 ngay đầu ngõ"
PLAIN_THONDONG = "Có người bán ma túy ở Thôn Đông tối nay"


def person(e, role, area, name, user_id):
    """A staff member as enrolment leaves them (a people row with a role); returns its id."""
    con = e.tg.db()
    try:
        now = e.now_ms()
        con.execute("INSERT INTO people (platform, platform_user_id, display_name, role, area,"
                    " created_at, updated_at) VALUES ('telegram', ?, ?, ?, ?, ?, ?)",
                    (str(user_id), name, role, area, now, now))
        con.commit()
        return con.execute("SELECT id FROM people WHERE platform_user_id = ?",
                           (str(user_id),)).fetchone()[0]
    finally:
        con.close()


def session(e, person_id):
    """A live desk session of person_id; returns (session id, cookie secret)."""
    secret = os.urandom(32).hex()
    con = e.tg.db()
    try:
        now = e.now_ms()
        cur = con.execute("INSERT INTO desk_sessions (token_hash, person_id, csrf, created_at,"
                          " last_seen_at) VALUES (?, ?, ?, ?, ?)",
                          (hashlib.sha256(secret.encode()).hexdigest(), person_id,
                           os.urandom(16).hex(), now, now))
        con.commit()
        return cur.lastrowid, secret
    finally:
        con.close()


def connect(e, secret=None, origin=None, protocol="tipgate-desk", path="/desk/live"):
    headers = {"Origin": origin or "http://127.0.0.1:%d" % e.tg.port}
    if secret:
        headers["Cookie"] = "theme=dark; tipgate_desk=%s" % secret
    ws = e.tg.ws(protocol=protocol, path=path, headers=headers)
    e.ws_clients.append(ws)
    return ws


def refused(e, **kw):
    try:
        connect(e, **kw)
    except tglib.WebSocketClosed:
        return True
    return False


def frames_until(ws, pred, timeout=10):
    m, seen = ws.recv_until(pred, timeout)
    return m, seen


def is_new(code):
    return lambda m: m.get("type") == "tip" and m.get("event") == "new" and \
        m["tip"]["code"] == code


def desks(e):
    """Officer A (TDP5, enrolled in the chat), officer B (THONDONG), a commander: their ids."""
    e.officer(OFFICER_A, area="TDP5", name=OFFICER_A_NAME)
    # a name is kept from a private chat only (never a group's): the officer wrote privately
    e.ask(OFFICER_A, "/start", first_name=OFFICER_A_NAME)
    a = e.q1("SELECT id FROM people WHERE platform_user_id = ?", str(OFFICER_A))
    b = person(e, "police", "THONDONG", "Thiếu úy Lan", 610002)
    c = person(e, "commander", None, "Đại úy Hùng", 610003)
    return a, b, c


def test_refused_without_session_wrong_cookie_foreign_origin_or_role():
    with tipstest.Env() as e:
        e.start()
        resident = person(e, "resident", None, "Chị Hoa", 710001)
        a = person(e, "police", "TDP5", "Trung úy Minh", 610001)
        _, good = session(e, a)
        _, mere = session(e, resident)
        assert refused(e)                                              # no cookie
        assert refused(e, secret=os.urandom(32).hex())                 # no such session
        assert refused(e, secret=good, origin="https://evil.example")  # another site
        assert refused(e, secret=good, origin="null")
        assert refused(e, secret=good, path="/desk/other")
        assert refused(e, secret=mere)                                 # not a desk role
        assert refused(e, secret=good, protocol="tipgate-chat", path="/desk/live")
        ws = connect(e, secret=good)                                   # the same session: fine
        hello = ws.recv_json()
        assert hello == {"type": "hello", "urgent": []}, hello
        e.stop()    # a clean exit: no sanitizer report (refused sockets leave nothing behind)


def test_hello_urgent_new_tip_action_and_reply_reach_the_desks_in_scope():
    with tipstest.Env() as e:
        e.start()
        a, b, c = desks(e)
        early = e.file_tip(700001, URGENT_TDP5)
        e.settled()
        assert e.tip(early)["urgent"] == 1 and e.tip(early)["area"] == "TDP5", e.tip(early)
        ws = {who: connect(e, secret=session(e, pid)[1]) for who, pid in
              (("a", a), ("b", b), ("c", c))}
        hellos = {who: w.recv_json() for who, w in ws.items()}
        for who in ("a", "c"):
            urgent = hellos[who]["urgent"]
            assert [r["code"] for r in urgent] == [bare(early)], hellos[who]
            row = urgent[0]
            assert row["code_shown"] == early and row["urgent"] is True and \
                row["area"] == "TDP5" and row["kind"] == "tip" and \
                row["acknowledged_at"] is None and row["gist"], row
            for never in ("person_id", "platform", "chat_id", "contact_phone"):
                assert never not in row, row
        assert hellos["b"] == {"type": "hello", "urgent": []}, hellos["b"]

        # a resident's urgent tip of TDP5: A and the commander, not B
        code = e.file_tip(700002, URGENT_TDP5)
        for who in ("a", "c"):
            m, _ = frames_until(ws[who], is_new(bare(code)))
            assert m["tip"]["urgent"] is True and m["tip"]["area"] == "TDP5", m
        # a tip of THONDONG: B and the commander; A has nothing in between
        other = e.file_tip(700003, PLAIN_THONDONG)
        for who in ("b", "c"):
            frames_until(ws[who], is_new(bare(other)))

        # officer A acknowledges in the chat: a changed frame with who
        e.ask(DESK_TDP5, "/nhan " + code, from_id=OFFICER_A, first_name=OFFICER_A_NAME)
        for who in ("a", "c"):
            m, _ = frames_until(ws[who], lambda m: m.get("event") == "changed")
            assert m["code"] == bare(code) and m["action"] == "ack" and \
                m["who"] == OFFICER_A_NAME and isinstance(m["at"], int), m

        # the tipster adds to the tip: a reply frame
        e.ask(700002, "/bosung %s kẻ cướp mặc áo đen, đi xe Wave" % code)
        for who in ("a", "c"):
            m, _ = frames_until(ws[who], lambda m: m.get("type") == "reply")
            assert m["code"] == bare(code) and isinstance(m["at"], int), m

        # B saw none of TDP5's events, only THONDONG's tip
        got = ws["b"].expect_silence(1.0)
        assert all(f.get("code") != bare(code) and
                   (f.get("tip") or {}).get("code") != bare(code) for f in got), got
        # and A never got THONDONG's tip
        got = ws["a"].expect_silence(0.5)
        assert all((f.get("tip") or {}).get("code") != bare(other) for f in got), got
        e.stop()


def close_frame(ws, timeout):
    """Reads until the server's close frame; returns (code, reason)."""
    ws.sock.settimeout(timeout)
    while True:
        fin, op, payload = ws.recv_frame()
        if op == 0x8:
            code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            return code, payload[2:].decode()


def test_session_ended_in_the_database_closes_the_socket():
    with tipstest.Env() as e:
        e.start()
        a = person(e, "police", "TDP5", "Trung úy Minh", 610001)
        sid, secret = session(e, a)
        ws = connect(e, secret=secret)
        assert ws.recv_json()["type"] == "hello"
        ws.send_json({"type": "ping"})
        assert ws.recv_json() == {"type": "pong"}
        con = e.tg.db()
        con.execute("UPDATE desk_sessions SET ended_at = ? WHERE id = ?", (e.now_ms(), sid))
        con.commit()
        con.close()
        # the page's ping checks the session at once (the server also does every 60 s)
        ws.send_json({"type": "ping"})
        code, reason = close_frame(ws, 10)
        assert code == 1008 and reason == "signed_out", (code, reason)
        assert refused(e, secret=secret)


def test_the_minute_check_closes_an_unenrolled_officers_socket():
    with tipstest.Env() as e:
        e.start()
        a = person(e, "police", "TDP5", "Trung úy Minh", 610001)
        _, secret = session(e, a)
        ws = connect(e, secret=secret)
        assert ws.recv_json()["type"] == "hello"
        con = e.tg.db()
        con.execute("UPDATE people SET role = 'resident', area = NULL WHERE id = ?", (a,))
        con.commit()
        con.close()
        assert ws.expect_silence(1.0) == []     # checked once a minute, not at every wake
        e.set_clock(61 * 1000)                  # a minute later on the application's clock
        code, reason = close_frame(ws, 10)
        assert code == 1008 and reason == "signed_out", (code, reason)


if __name__ == "__main__":
    tglib.main(globals())
