"""fakezalooa — a fake Zalo Official Account Open API (v3 messages, v2 uploads) and Zalo OAuth v4
server for tipgate's integration tests (standard library only), and the signing helper a test
uses to POST webhook events the way Zalo does.

One ThreadingHTTPServer on 127.0.0.1 serves both hosts (tipgate's api_base_url and
oauth_base_url both point at it):

    POST /v3.0/oa/message/cs           header access_token; the consultation message
    POST /v3.0/oa/message/transaction  header access_token; the paid type (no window)
    POST /v2.0/oa/upload/image         header access_token; multipart "file" → attachment_id
    POST /v4/oa/access_token           header secret_key; form grant_type=refresh_token |
                                       authorization_code (with code_verifier, PKCE S256)

Like Zalo it answers HTTP 200 with {"error": 0, "data": …} or a non-zero "error". It keeps the
rules tipgate must respect, so breaking them shows as a test failure: an access token it did
not issue, or one expired on demand (expire_access), gets -216; a refresh token works ONCE (a
reused one is refused) and refresh_calls counts every attempt; a consultation message goes
only within window_ms (48 h) of the user's last interaction and at most window_max per window
(-230 otherwise, and the send is recorded in `refused`, never in `sent`). The fake learns a
user's last interaction from event() (what a test signs and posts to tipgate), or from
set_interaction(user, ms) to place it in the past.

All state lives behind one threading.Condition (`fake.cond`); every change notifies it.
"""
import base64
import email.parser
import email.policy
import hashlib
import http.server
import itertools
import json
import sys
import threading
import time
import urllib.parse

ERR_TOKEN = -216       # "Access token is invalid" (documented)
ERR_PARAM = -201       # "<field> is invalid" (documented)
ERR_WINDOW = -230      # "User has not interacted with the OA in the past 7 days"
ERR_RATE = -32         # "Your OA reached limit call api"
WINDOW_MS = 48 * 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


def signature(app_id, body, timestamp, oa_secret_key):
    """The X-ZEvent-Signature value Zalo sends: "mac=" + SHA-256 hex of app_id + raw body +
    timestamp + the OA secret key (body: the exact bytes posted)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    data = app_id.encode() + body + str(timestamp).encode() + oa_secret_key.encode()
    return "mac=" + hashlib.sha256(data).hexdigest()


def pkce_challenge(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        fake = self.server.fake
        status, answer = fake._dispatch(self.path, self.headers, body)
        data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # tipgate closing a kept-alive connection at its stop is not an error of the fake
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class FakeZaloOA:
    """The fake OA API and OAuth server. Credentials are fixed per instance (app_id,
    app_secret, oa_secret_key); initial tokens come from issue_pair()."""

    def __init__(self, app_id="4291763606161179100", app_secret="fake-app-secret-7f3a",
                 oa_secret_key="fake-oa-secret-91bc", window_max=8):
        self.app_id, self.app_secret, self.oa_secret_key = app_id, app_secret, oa_secret_key
        self.window_ms, self.window_max = WINDOW_MS, window_max
        self.cond = threading.Condition()
        self.calls = []           # every request: {"path", "headers", "body", "answer", "at"}
        self.sent = []            # delivered messages: {"user_id", "text", "attachment", "kind"}
        self.refused = []         # sends refused for the window
        self.refresh_calls = []   # every refresh attempt: {"refresh_token", "ok"}
        self.uploads = []         # images uploaded: {"attachment_id", "size", "content_type"}
        self.access = {}          # access token → {"expired": bool}
        self.refresh = set()      # live refresh tokens (single use)
        self.used_refresh = set()
        self.codes = {}           # authorization code → code_challenge
        self.interaction = {}     # user_id → last interaction (ms)
        self.window_used = {}     # user_id → sends counted in the current window
        self.fail_refresh = False  # refresh answers an error (Zalo down for OAuth)
        self.refresh_delay_s = 0.0
        self.errors = []          # queued answers for the next sends: (error, message)
        self.expires_in = "90000"  # what a new pair says (a string, as Zalo sends it)
        self._ids = itertools.count(1)
        self.server = None

    # ---- lifecycle -------------------------------------------------------------------
    def start(self):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.fake = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = "http://127.0.0.1:%d" % self.server.server_address[1]
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- what a test does --------------------------------------------------------------
    def issue_pair(self):
        """A new (access, refresh) pair the fake accepts, as the OA admin's API Explorer
        would hand out."""
        with self.cond:
            return self._issue_locked()

    def expire_access(self):
        """Every access token issued so far now answers -216."""
        with self.cond:
            for t in self.access.values():
                t["expired"] = True
            self.cond.notify_all()

    def set_interaction(self, user_id, at_ms):
        with self.cond:
            self.interaction[str(user_id)] = at_ms
            self.window_used[str(user_id)] = 0
            self.cond.notify_all()

    def approve(self, permission_url):
        """What the OA admin's "Cho phép" does: checks the permission URL tipgate printed and
        returns the redirect URL Zalo would send the browser to (code, oa_id, state)."""
        u = urllib.parse.urlparse(permission_url)
        qs = dict(urllib.parse.parse_qsl(u.query))
        assert u.path == "/v4/oa/permission", permission_url
        assert qs.get("app_id") == self.app_id, qs
        challenge = qs.get("code_challenge", "")
        assert len(challenge) == 43 and "=" not in challenge, challenge
        code = "code-%d" % next(self._ids)
        with self.cond:
            self.codes[code] = challenge
        redirect = qs.get("redirect_uri") or "https://example.invalid/zalo/callback"
        params = {"code": code, "oa_id": "2110000000000000001"}
        if "state" in qs:
            params["state"] = qs["state"]
        return redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(params)

    def event(self, user_id, event_name="user_send_text", text=None, msg_id=None,
              attachments=None, timestamp=None, interaction=True):
        """A webhook event as Zalo posts it: (body bytes, headers). The user's interaction is
        recorded (it opens the fake's window) unless interaction is False."""
        ts = str(timestamp if timestamp is not None else now_ms())
        ev = {"app_id": self.app_id, "sender": {"id": str(user_id)},
              "recipient": {"id": "2110000000000000001"}, "event_name": event_name,
              "timestamp": ts, "user_id_by_app": "55%s" % user_id}
        if event_name.startswith("user_send_"):
            msg = {"msg_id": msg_id or "msg-%d" % next(self._ids)}
            if text is not None:
                msg["text"] = text
            if attachments is not None:
                msg["attachments"] = attachments
            ev["message"] = msg
        elif event_name in ("follow", "unfollow"):
            ev["follower"] = {"id": str(user_id)}
            del ev["sender"]
        body = json.dumps(ev, ensure_ascii=False).encode("utf-8")
        if interaction and event_name.startswith("user_send_"):
            self.set_interaction(user_id, int(ts))
        return body, {"X-ZEvent-Signature": signature(self.app_id, body, ts,
                                                      self.oa_secret_key)}

    def sent_to(self, user_id):
        with self.cond:
            return [s for s in self.sent if s["user_id"] == str(user_id)]

    def texts_to(self, user_id):
        return [s["text"] for s in self.sent_to(user_id)]

    def wait_until(self, pred, timeout=15, what="condition"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("fake Zalo OA: %s not met within %ss; sent %r" % (
                        what, timeout, [(s["user_id"], (s["text"] or "")[:40])
                                        for s in self.sent][-10:]))
                self.cond.wait(min(left, 0.1))

    def wait_sent(self, user_id, n, timeout=15):
        self.wait_until(lambda: len([s for s in self.sent if s["user_id"] == str(user_id)])
                        >= n, timeout, "%d messages to %s" % (n, user_id))
        return self.texts_to(user_id)

    # ---- the protocol --------------------------------------------------------------------
    def _issue_locked(self):
        n = next(self._ids)
        access, refresh = "AT-%d-%s" % (n, "x" * 40), "RT-%d-%s" % (n, "y" * 40)
        self.access[access] = {"expired": False}
        self.refresh.add(refresh)
        return access, refresh

    def _dispatch(self, path, headers, body):
        path = urllib.parse.urlparse(path).path
        if self.refresh_delay_s and path == "/v4/oa/access_token":
            time.sleep(self.refresh_delay_s)
        with self.cond:
            try:
                if path == "/v4/oa/access_token":
                    answer = self._token(headers, body)
                elif path in ("/v3.0/oa/message/cs", "/v3.0/oa/message/transaction"):
                    answer = self._send(path.rsplit("/", 1)[1], headers, body)
                elif path == "/v2.0/oa/upload/image":
                    answer = self._upload(headers, body)
                else:
                    answer = {"error": -209, "message": "Not supported this api"}
            except (ValueError, KeyError, TypeError) as e:
                answer = {"error": ERR_PARAM, "message": "%s is invalid!" % e}
            self.calls.append({"path": path, "headers": dict(headers), "body": body,
                               "answer": answer, "at": now_ms()})
            self.cond.notify_all()
            return 200, answer

    def _token_ok(self, headers):
        t = self.access.get(headers.get("access_token") or "")
        return t is not None and not t["expired"]

    def _token(self, headers, body):
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8")))
        if headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
            return {"error": -14004, "error_name": "Invalid app secret or app id"}
        grant = form.get("grant_type")
        if grant == "refresh_token":
            rt = form.get("refresh_token", "")
            ok = rt in self.refresh and not self.fail_refresh
            self.refresh_calls.append({"refresh_token": rt, "ok": ok,
                                       "reused": rt in self.used_refresh})
            if not ok:
                return {"error": -14014, "error_name": "Invalid refresh token",
                        "error_description": "refresh token is invalid or was used"}
            self.refresh.discard(rt)
            self.used_refresh.add(rt)
        elif grant == "authorization_code":
            challenge = self.codes.pop(form.get("code", ""), None)
            if challenge is None or pkce_challenge(form.get("code_verifier", "")) != challenge:
                return {"error": -14019, "error_name": "Invalid code verifier or code"}
        else:
            return {"error": -14001, "error_name": "Invalid grant type"}
        access, refresh = self._issue_locked()
        return {"access_token": access, "refresh_token": refresh, "expires_in": self.expires_in}

    def _send(self, kind, headers, body):
        if not self._token_ok(headers):
            return {"error": ERR_TOKEN, "message": "Access token is invalid"}
        req = json.loads(body.decode("utf-8"))
        user = str(req["recipient"]["user_id"])
        msg = req["message"]
        if self.errors:
            err, text = self.errors.pop(0)
            return {"error": err, "message": text}
        rec = {"user_id": user, "text": msg.get("text"), "attachment": msg.get("attachment"),
               "kind": kind, "at": now_ms()}
        if kind == "cs":
            last = self.interaction.get(user)
            used = self.window_used.get(user, 0)
            if last is None or now_ms() - last > self.window_ms or used >= self.window_max:
                self.refused.append(rec)
                return {"error": ERR_WINDOW,
                        "message": "User has not interacted with the OA in the past 7 days"}
            self.window_used[user] = used + 1
        self.sent.append(rec)
        return {"error": 0, "message": "Success",
                "data": {"message_id": "oamsg%d" % next(self._ids), "user_id": user}}

    def _upload(self, headers, body):
        if not self._token_ok(headers):
            return {"error": ERR_TOKEN, "message": "Access token is invalid"}
        ctype = headers.get("Content-Type", "")
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
        for part in msg.iter_parts() if msg.is_multipart() else []:
            if part.get_param("name", header="content-disposition") == "file":
                data = part.get_payload(decode=True) or b""
                aid = "att-%d" % next(self._ids)
                self.uploads.append({"attachment_id": aid, "size": len(data),
                                     "content_type": part.get_content_type(),
                                     "sha256": hashlib.sha256(data).hexdigest()})
                return {"error": 0, "message": "Success", "data": {"attachment_id": aid}}
        return {"error": ERR_PARAM, "message": "file is invalid!"}
