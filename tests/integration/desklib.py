"""desklib — the web desk from a test: sign an enrolled person in the way an officer does
(enrolment by /dangky and /dangnhap in their private chat with the FakeTelegram bot, then the
link's token spent by POST /api/desk/login) and talk to /api/desk with the session's cookie and
CSRF token. Standard library only.

    with tipstest.Env() as e:
        e.start()
        desk = desklib.sign_in(e, desklib.enrol(e, 610001, "police", "TDP5"))
        status, me = desk.get("/api/desk/me")
        status, out = desk.post("/api/desk/tips/ABCD2345/ack", {})
"""
import http.client
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T  # noqa: E402

LINK_RE = re.compile(r"(https?://\S+?/desk/login#t=([0-9a-f]{64}))")


class Desk:
    """An HTTP client of one tipgate with an optional session cookie and CSRF token."""

    def __init__(self, port, cookie=None, csrf=None):
        self.port = port
        self.cookie = cookie
        self.csrf = csrf

    def raw(self, method, path, body=None, headers=None):
        """One request; returns (status, {lower-case header: [values]}, body bytes). body: a
        dict/list (sent as JSON), bytes or str, or None."""
        h = {}
        if self.cookie:
            h["Cookie"] = "tipgate_desk=" + self.cookie
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        if body is not None:
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        con = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            con.request(method, path, body=body, headers=h)
            r = con.getresponse()
            data = r.read()
            hdrs = {}
            for k, v in r.getheaders():
                hdrs.setdefault(k.lower(), []).append(v)
            return r.status, hdrs, data
        finally:
            con.close()

    def get(self, path):
        status, _, data = self.raw("GET", path)
        return status, _json(data)

    def post(self, path, obj=None, csrf=True):
        """POST obj as JSON with X-CSRF-Token (csrf True: the session's; a string: that one;
        None: no header)."""
        headers = {}
        token = self.csrf if csrf is True else csrf
        if token:
            headers["X-CSRF-Token"] = token
        status, _, data = self.raw("POST", path, {} if obj is None else obj, headers)
        return status, _json(data)


def _json(data):
    try:
        return json.loads(data.decode() or "null")
    except ValueError:
        return None


def enrol_code(e, role, area=None):
    args = [tglib.BINARY, "enrol", "--config", e.tg.config_path, "--role", role]
    if area:
        args += ["--area", area]
    p = subprocess.run(args, capture_output=True, timeout=60, env=e.tg.env)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    return p.stdout.decode().rstrip("\n").splitlines()[-1].strip()


def enrol(e, user_id, role="police", area="TDP5", name="Trung úy Lê Văn A"):
    """Enrols Telegram user user_id in role by /dangky in their private chat; returns user_id."""
    code = enrol_code(e, role, area)
    # Every message refreshes the display name: later messages from user_id carry it too.
    names = e.__dict__.setdefault("desk_names", {})
    names[user_id] = name
    since = e.say(str(user_id), "/dangky " + code, from_id=user_id, first_name=name)
    e.wait_text(str(user_id), lambda t: t.startswith(T("enrol_done", role="X", area="Y")[:12]),
                since, what="enrol_done")
    return user_id


def person_id(e, user_id):
    return e.q1("SELECT id FROM people WHERE platform = 'telegram' AND platform_user_id = ?",
                str(user_id))


def link_from_chat(e, user_id, chat=None):
    """Sends /dangnhap from user_id (in their private chat, or chat) and returns the link's
    (url, token) from the bot's answer."""
    chat = str(chat or user_id)
    name = e.__dict__.get("desk_names", {}).get(user_id, "Lan")
    since = e.say(chat, "/dangnhap", from_id=user_id, first_name=name)
    text = e.wait_text(chat, lambda t: LINK_RE.search(t) is not None, since,
                       what="a sign-in link")
    m = LINK_RE.search(text)
    return m.group(1), m.group(2)


def login(e, token, headers=None):
    """POST /api/desk/login {token}; returns (status, headers, json)."""
    status, hdrs, data = Desk(e.tg.port).raw("POST", "/api/desk/login", {"token": token},
                                             headers)
    return status, hdrs, _json(data)


def cookie_of(hdrs):
    """The tipgate_desk value of a response's Set-Cookie, or None."""
    for v in hdrs.get("set-cookie", []):
        if v.startswith("tipgate_desk="):
            return v.split(";", 1)[0].split("=", 1)[1]
    return None


def session(e, token):
    """Spends token and returns a Desk with the session's cookie and CSRF token."""
    status, hdrs, body = login(e, token)
    assert status == 200, (status, body)
    desk = Desk(e.tg.port, cookie_of(hdrs))
    status, me = desk.get("/api/desk/me")
    assert status == 200, (status, me)
    desk.csrf = me["csrf"]
    return desk


def sign_in(e, user_id):
    """An enrolled user_id signed in through /dangnhap: a Desk ready for get/post."""
    _, token = link_from_chat(e, user_id)
    return session(e, token)
