"""Signing in to the web desk: /dangnhap in a private chat gives a one-time link, the link
opens a session (cookie HttpOnly, SameSite=Strict, Secure when http.public_url is https), the
session is checked on every request (no cookie → 401, POST without the CSRF token → 403), and
ends on sign-out, /dangxuat, unenrolment, 2 hours idle; a link works once and 10 minutes; a
group gets no link; too many bad links from one address → 429, logged without the token.

    python3 tests/integration/test_desk_auth.py --binary build/asan/tipgate [test_name ...]
"""
import os
import secrets
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import desklib  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from desklib import Desk  # noqa: E402
from tipstest import HOUR, MIN, T  # noqa: E402

OFFICER = 610001
OFFICER2 = 610002
RESIDENT = 610009
GROUP = "-1005"  # the TDP5 desk group of tipstest


def cli(e, *args):
    p = subprocess.run([tglib.BINARY, *args, "--config", e.tg.config_path], capture_output=True,
                       timeout=60, env=e.tg.env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_sign_in_session_and_sign_out():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER, "police", "TDP5", name="Trung úy Lê Văn A")
        url, token = desklib.link_from_chat(e, OFFICER)
        # The link names the port the server listens on, and the secret is in the fragment.
        assert url.startswith("http://127.0.0.1:%d/desk/login#t=" % e.tg.port), url

        # The sign-in page and the desk are served.
        status, hdrs, page = Desk(e.tg.port).raw("GET", "/desk/login")
        assert status == 200 and b"/desk/login.js" in page, (status, page[:200])
        assert "no-store" in hdrs["cache-control"][0], hdrs
        status, _, js = Desk(e.tg.port).raw("GET", "/desk/login.js")
        assert status == 200 and b"/api/desk/login" in js, status
        status, _, _ = Desk(e.tg.port).raw("GET", "/desk/")
        assert status == 200, status

        # No cookie: 401.
        status, body = Desk(e.tg.port).get("/api/desk/me")
        assert status == 401 and body["error"]["code"] == "signed_out", (status, body)

        status, hdrs, body = desklib.login(e, token)
        assert status == 200 and body == {"ok": True}, (status, body)
        cookie = hdrs["set-cookie"][0]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert "Max-Age=43200" in cookie and "Secure" not in cookie, cookie
        desk = Desk(e.tg.port, desklib.cookie_of(hdrs))
        status, me = desk.get("/api/desk/me")
        assert status == 200, (status, me)
        assert me["name"] == "Trung úy Lê Văn A" and me["role"] == "police", me
        assert len(me["csrf"]) == 32, me
        desk.csrf = me["csrf"]
        pid = desklib.person_id(e, OFFICER)
        assert e.q("SELECT detail FROM audit_log WHERE actor = ? AND action = 'sign_in'",
                   pid) == [("127.0.0.1",)]

        # The link works once.
        status, _, body = desklib.login(e, token)
        assert status == 403 and body["error"]["code"] == "bad_link", (status, body)
        assert body["error"]["message"] == T("desk_web_err_bad_link"), body

        # A POST needs the session's CSRF token.
        status, body = desk.post("/api/desk/logout", {}, csrf=None)
        assert status == 403 and body["error"]["code"] == "csrf", (status, body)
        status, body = desk.post("/api/desk/logout", {}, csrf="0" * 32)
        assert status == 403 and body["error"]["code"] == "csrf", (status, body)
        status, body = desk.post("/api/desk/me", "[1]")
        assert status in (400, 404, 405), (status, body)
        status, body = desk.get("/api/desk/nothing-here")
        assert status == 404 and body["error"]["code"] == "not_found", (status, body)

        # Sign-out: the cookie is cleared and the session is over.
        status, hdrs, data = desk.raw("POST", "/api/desk/logout", {},
                                      {"X-CSRF-Token": desk.csrf})
        assert status == 200, (status, data)
        assert "Max-Age=0" in hdrs["set-cookie"][0], hdrs
        assert desk.get("/api/desk/me")[0] == 401

        # /dangxuat in the chat ends every session of that person.
        a, b = desklib.sign_in(e, OFFICER), desklib.sign_in(e, OFFICER)
        since = e.say(str(OFFICER), "/dangxuat", from_id=OFFICER, first_name="Trung úy Lê Văn A")
        reply = e.wait_new(str(OFFICER), since)[0]
        assert reply == T("desk_logout_done", count="2"), reply
        assert a.get("/api/desk/me")[0] == 401 and b.get("/api/desk/me")[0] == 401

        # tipgate unenrol: the open session is refused at once.
        desk = desklib.sign_in(e, OFFICER)
        rc, out, err = cli(e, "staff")
        assert rc == 0 and "Trung úy Lê Văn A" in out and str(OFFICER) not in out, (out, err)
        rc, out, err = cli(e, "unenrol", "--person", str(pid))
        assert rc == 0, (rc, out, err)
        status, body = desk.get("/api/desk/me")
        assert status == 401, (status, body)
        assert e.q1("SELECT role FROM people WHERE id = ?", pid) == "resident"

        # Not enrolled (any more): no link.
        since = e.say(str(OFFICER), "/dangnhap", from_id=OFFICER)
        assert e.wait_new(str(OFFICER), since)[0] == T("desk_login_not_enrolled")
        rc, out, err = cli(e, "login-link", "--person", str(pid))
        assert rc != 0 and "not enrolled" in err, (rc, out, err)


def test_group_refused_and_bad_links_slowed():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER2, "police", "TDP5")
        since = e.say(GROUP, "/dangnhap", from_id=OFFICER2)
        reply = e.wait_new(GROUP, since)[0]
        assert reply == T("desk_login_group") and "#t=" not in reply, reply

        # Six bad links from one address: the sixth is slowed down, logged without the token.
        here = {"X-Forwarded-For": "203.0.113.7"}
        tokens = [secrets.token_hex(32) for _ in range(6)]
        for t in tokens[:5]:
            status, _, body = desklib.login(e, t, here)
            assert status == 403 and body["error"]["code"] == "bad_link", (status, body)
        status, hdrs, body = desklib.login(e, tokens[5], here)
        assert status == 429 and body["error"]["code"] == "too_many", (status, body)
        assert int(hdrs["retry-after"][0]) > 0, hdrs
        # Even a good link waits while the address is slowed down; another address does not.
        _, good = desklib.link_from_chat(e, OFFICER2)
        assert desklib.login(e, good, here)[0] == 429
        assert desklib.login(e, good, {"X-Forwarded-For": "198.51.100.2"})[0] == 200
        logs = e.tg.read_logs()
        assert logs.count("too many bad sign-in links from 203.0.113.7") == 1, logs[-3000:]
        for t in tokens + [good]:
            assert t not in logs


def test_link_and_session_expire():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER, "police", "TDP5")
        _, old = desklib.link_from_chat(e, OFFICER)
        desk = desklib.sign_in(e, OFFICER)
        e.set_clock(11 * MIN)
        status, _, body = desklib.login(e, old)
        assert status == 403 and body["error"]["code"] == "bad_link", (status, body)
        status, _ = desk.get("/api/desk/me")  # used at 11 minutes: not idle
        assert status == 200
        e.set_clock(11 * MIN + 2 * HOUR + MIN)
        status, body = desk.get("/api/desk/me")
        assert status == 401 and body["error"]["code"] == "signed_out", (status, body)


def test_https_public_url_commander_leader_and_cli_link():
    extra = {"http": {"public_url": "https://desk.example.vn/"}}
    with tipstest.Env(extra=extra) as e:
        e.start()
        desklib.enrol(e, 610021, "leader", "TDP5", name="Bà Tổ trưởng")
        desklib.enrol(e, 610022, "commander", None, name="Thiếu tá Chỉ huy")
        url, token = desklib.link_from_chat(e, 610021)
        assert url.startswith("https://desk.example.vn/desk/login#t="), url
        status, hdrs, _ = desklib.login(e, token)
        assert status == 200 and "; Secure" in hdrs["set-cookie"][0], hdrs
        status, me = Desk(e.tg.port, desklib.cookie_of(hdrs)).get("/api/desk/me")
        assert status == 200 and me["role"] == "leader", (status, me)

        # The operator's link for a first sign-in works like the chat's.
        pid = desklib.person_id(e, 610022)
        rc, out, err = cli(e, "login-link", "--person", str(pid))
        assert rc == 0, (rc, out, err)
        m = desklib.LINK_RE.search(out.splitlines()[-1])
        assert m and m.group(1).startswith("https://desk.example.vn/desk/login#t="), out
        desk = desklib.session(e, m.group(2))
        status, me = desk.get("/api/desk/me")
        assert status == 200 and me["role"] == "commander", me

        # A commander works the chat desk as an officer does.
        since = e.say("610022", "/tinmoi", from_id=610022)
        reply = e.wait_new("610022", since)[0]
        assert reply != T("desk_only_police"), reply


if __name__ == "__main__":
    tglib.main(globals())
