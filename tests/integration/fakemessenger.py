"""fakemessenger — a fake Messenger Platform for tipgate's integration tests (standard library
only): the Graph API's Send API that tipgate calls, and the webhook deliveries Meta makes to
tipgate, signed as Meta signs them.

    with fakemessenger.FakeMessenger() as fb:
        cfg = {"platforms": {"messenger": fb.config()}}
        ...
        fb.deliver(tg_port, fb.text("2400001", "/start"))   # signed POST /webhook/messenger
        fb.wait_sent(1)

The Send API (POST {base}/{version}/me/messages?access_token=…) checks what Meta checks and
the tests need: a page token other than the configured one is refused with Graph error 190;
text over 2,000 characters, more than 13 quick replies or a template of more than 3 buttons
with error 100; and the messaging window itself — a RESPONSE or UPDATE more than 24 hours
after the user's last message (learnt from what deliver() sent on the user's behalf) is refused
with error 10 / 2018278, a MESSAGE_TAG with tag HUMAN_AGENT within 7 days goes. Its clock is
real time + `offset_ms` (set it with the application clock of the tipgate under test).
`fail_next(n, code, subcode, message, status)` answers the next n sends with a Graph error;
`blocked` PSIDs get error 551. Multipart sends (a photo uploaded with the message) are parsed
and their `filedata` kept. `add_media(name, data)` serves a CDN-like URL for attachments the
fake users send. Every send is recorded in `sent` (recipient, messaging_type, tag, text,
quick_replies, attachment, file) and every request in `calls`.
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakebot  # noqa: E402  (its multipart parser and HTTP server)

HOUR_MS = 3600 * 1000
WINDOW_MS = 24 * HOUR_MS
HUMAN_AGENT_MS = 7 * 24 * HOUR_MS
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

PAGE_ID = "104857600000001"
PAGE_TOKEN = "EAAGfakePageToken0123456789abcdefXYZ"
APP_SECRET = "f4k3appS3cr3t0123456789abcdef01"
VERIFY_TOKEN = "tipgate-verify-0042"


def sign(secret, body):
    """The X-Hub-Signature-256 header value Meta sends for body (bytes)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def graph_error(code, message, subcode=None, etype="OAuthException"):
    err = {"message": message, "type": etype, "code": code, "fbtrace_id": "AbCdEfGh123"}
    if subcode is not None:
        err["error_subcode"] = subcode
    return {"error": err}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None

    def do_GET(self):
        self.fake._serve(self)

    do_POST = do_GET

    def log_message(self, fmt, *args):
        pass


class FakeMessenger:
    def __init__(self, page_id=PAGE_ID, page_token=PAGE_TOKEN, app_secret=APP_SECRET,
                 verify_token=VERIFY_TOKEN, version="v25.0"):
        self.page_id, self.page_token, self.app_secret = page_id, page_token, app_secret
        self.verify_token, self.version = verify_token, version
        self.cond = threading.Condition()
        self.calls = []
        self.sent = []
        self.media = {}
        self.downloads = []
        self.last_user_msg = {}  # PSID -> when (fake clock, ms) the user last wrote
        self.blocked = set()
        self.offset_ms = 0
        self.deliveries = []     # (status, body) of each webhook POST tipgate answered
        self._faults = []
        self._seq = 0
        self._server = None

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self):
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = fakebot._Server(("127.0.0.1", 0), handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def config(self, **over):
        """platforms.messenger for a tipgate using this fake."""
        cfg = {"enabled": True, "page_id": self.page_id, "page_token": self.page_token,
               "app_secret": self.app_secret, "verify_token": self.verify_token,
               "api_base_url": self.base_url, "api_version": self.version,
               "rate_limit": {"global_per_sec": 0, "per_chat_per_sec": 0,
                              "per_group_per_min": 0}}
        cfg.update(over)
        return cfg

    def now_ms(self):
        return int(time.time() * 1000) + self.offset_ms

    # ---- inspection ------------------------------------------------------------------------

    def sent_to(self, psid):
        with self.cond:
            return [s for s in self.sent if s["recipient"] == str(psid)]

    def texts_to(self, psid):
        return [s["text"] for s in self.sent_to(psid)]

    def wait_until(self, pred, timeout=10, what="condition"):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                v = pred()
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("fake messenger: %s not met within %ss; sent: %r" % (
                        what, timeout, [(s["recipient"], (s["text"] or "")[:40])
                                        for s in self.sent[-10:]]))
                self.cond.wait(min(left, 0.1))

    def wait_sent_to(self, psid, n, timeout=10):
        """Waits until psid got n messages; returns their records."""
        self.wait_until(lambda: len([s for s in self.sent if s["recipient"] == str(psid)]) >= n,
                        timeout, "%d messages to %s" % (n, psid))
        return self.sent_to(psid)

    def fail_next(self, n, code, message, subcode=None, status=400):
        with self.cond:
            self._faults.extend([(code, message, subcode, status)] * n)

    def add_media(self, name, data):
        self.media["/media/" + name] = data
        return self.base_url + "/media/" + name

    # ---- the webhook deliveries Meta makes -------------------------------------------------

    def _event(self, psid, **fields):
        ev = {"sender": {"id": str(psid)}, "recipient": {"id": self.page_id},
              "timestamp": self.now_ms()}
        ev.update(fields)
        return ev

    def _mid(self):
        with self.cond:
            self._seq += 1
            return "m_%s-%06d" % (os.urandom(6).hex(), self._seq)

    def text(self, psid, text, mid=None):
        return self._event(psid, message={"mid": mid or self._mid(), "text": text})

    def quick_reply(self, psid, title, payload):
        return self._event(psid, message={"mid": self._mid(), "text": title,
                                          "quick_reply": {"payload": payload}})

    def postback(self, psid, title, payload, mid=None):
        pb = {"title": title, "payload": payload}
        if mid is not False:
            pb["mid"] = mid or self._mid()
        return self._event(psid, postback=pb)

    def attachment(self, psid, kind, payload, text=None):
        m = {"mid": self._mid(), "attachments": [{"type": kind, "payload": payload}]}
        if text:
            m["text"] = text
        return self._event(psid, message=m)

    def echo(self, psid, text):
        ev = self._event(self.page_id, message={"mid": self._mid(), "text": text,
                                                "is_echo": True, "app_id": 1234})
        ev["recipient"] = {"id": str(psid)}
        return ev

    def receipt(self, psid, kind="delivery"):
        return self._event(psid, **{kind: {"mids": ["m_x"], "watermark": self.now_ms()}})

    def body(self, *events, entries=None, obj="page"):
        """A webhook body: the events in one entry of our page (or the given entries)."""
        if entries is None:
            entries = [{"id": self.page_id, "time": self.now_ms(), "messaging": list(events)}]
        return json.dumps({"object": obj, "entry": entries}, ensure_ascii=False).encode()

    def post(self, port, body, signature=True, path="/webhook/messenger"):
        """POSTs body to tipgate as Meta does; signature True signs it, a string is sent as
        the header, None leaves it out. Returns (status, answer bytes)."""
        headers = {"Content-Type": "application/json"}
        if signature is True:
            headers["X-Hub-Signature-256"] = sign(self.app_secret, body)
        elif signature:
            headers["X-Hub-Signature-256"] = signature
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body,
                                     headers=headers, method="POST")
        try:
            with _NO_PROXY.open(req, timeout=10) as r:
                out = (r.status, r.read())
        except urllib.error.HTTPError as e:
            out = (e.code, e.read())
        with self.cond:
            self.deliveries.append(out)
        return out

    def deliver(self, port, *events, entries=None):
        """Delivers the events signed, in one POST, and records each sender's last message
        for the window the Send API enforces. Returns the status tipgate answered."""
        body = self.body(*events, entries=entries)
        self.remember(body)
        status, _ = self.post(port, body)
        return status

    def remember(self, body):
        """Records the senders of body's messages and postbacks as having written (the window
        the Send API enforces opens), as Meta knows before it delivers them."""
        with self.cond:
            for entry in json.loads(body)["entry"]:
                for e in entry.get("messaging", []):
                    if "message" in e and not e["message"].get("is_echo") or "postback" in e:
                        self.last_user_msg[e["sender"]["id"]] = e["timestamp"]

    # ---- the Send API ----------------------------------------------------------------------

    def _send(self, h, status, obj, ctype="application/json"):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _serve(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(n) if n else b""
        split = urllib.parse.urlsplit(h.path)
        if h.command == "GET" and split.path in self.media:
            with self.cond:
                self.downloads.append(split.path)
                self.cond.notify_all()
            return self._send(h, 200, self.media[split.path], "image/jpeg")
        query = dict(urllib.parse.parse_qsl(split.query))
        call = {"path": split.path, "token_ok": query.get("access_token") == self.page_token,
                "headers": {k.lower(): v for k, v in h.headers.items()}, "status": None}
        with self.cond:
            self.calls.append(call)
        if h.command != "POST" or split.path != "/%s/me/messages" % self.version:
            return self._answer(h, call, 404, graph_error(803, "Unknown path", etype="GraphMethodException"))
        try:
            params = self._params(h, raw)
        except (ValueError, fakebot._ParseError) as e:
            return self._answer(h, call, 400, graph_error(100, "Invalid parameter: %s" % e))
        call["params"] = params
        with self.cond:
            status, answer = self._send_api(call, params)
            self.cond.notify_all()
        self._answer(h, call, status, answer)

    def _answer(self, h, call, status, answer):
        with self.cond:
            call["status"] = status
            call["answer"] = answer
            self.cond.notify_all()
        self._send(h, status, answer)

    @staticmethod
    def _params(h, raw):
        ctype = h.headers.get("Content-Type", "")
        if "multipart/form-data" in ctype.lower():
            p = fakebot._parse_multipart(raw, ctype)
            for k in ("recipient", "message"):
                if isinstance(p.get(k), str):
                    p[k] = json.loads(p[k])
            return p
        p = json.loads(raw.decode("utf-8"))
        if not isinstance(p, dict):
            raise ValueError("not an object")
        return p

    def _check_message(self, m, file):
        """None, or the Graph error a malformed message gets."""
        if not isinstance(m, dict):
            return graph_error(100, "param message must be an object")
        text, qr, att = m.get("text"), m.get("quick_replies"), m.get("attachment")
        if (text is None) == (att is None and file is None):
            return graph_error(100, "(#100) Must send either message text or an attachment")
        if text is not None and (not text or len(text) > 2000):
            return graph_error(100, "(#100) Param message[text] must be UTF-8 encoded string"
                               " of at most 2000 characters")
        if qr is not None:
            if not isinstance(qr, list) or not 1 <= len(qr) <= 13:
                return graph_error(100, "(#100) param message[quick_replies] has too many"
                                   " elements")
            for q in qr:
                if q.get("content_type") != "text" or not q.get("title") or \
                        not q.get("payload") or len(q["payload"]) > 1000:
                    return graph_error(100, "(#100) invalid quick reply")
        if att and att.get("type") == "template":
            p = att.get("payload") or {}
            if p.get("template_type") != "button" or not 1 <= len(p.get("buttons") or []) <= 3 \
                    or len(p.get("text") or "") > 640:
                return graph_error(100, "(#100) invalid button template")
        return None

    def _window_error(self, psid, params):
        last = self.last_user_msg.get(psid)
        age = None if last is None else self.now_ms() - last
        kind = params.get("messaging_type")
        if kind == "MESSAGE_TAG":
            if params.get("tag") != "HUMAN_AGENT":
                return graph_error(100, "(#100) unsupported tag")
            ok = age is not None and age <= HUMAN_AGENT_MS
        elif kind in ("RESPONSE", "UPDATE"):
            ok = age is not None and age <= WINDOW_MS
        else:
            return graph_error(100, "(#100) param messaging_type is required")
        if ok:
            return None
        return graph_error(10, "(#10) This message is sent outside of allowed window.",
                           2018278)

    def _send_api(self, call, params):
        if not call["token_ok"]:
            return 400, graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        if self._faults:
            code, message, subcode, status = self._faults.pop(0)
            call["fault"] = code
            return status, graph_error(code, message, subcode)
        psid = str((params.get("recipient") or {}).get("id") or "")
        if not psid:
            return 400, graph_error(100, "(#100) The parameter recipient is required")
        file = params.get("filedata") if isinstance(params.get("filedata"), dict) else None
        bad = self._check_message(params.get("message"), file)
        if bad:
            return 400, bad
        if psid in self.blocked:
            return 400, graph_error(551, "This person isn't available right now.", 1545041)
        err = self._window_error(psid, params)
        if err:
            return 400, err
        self._seq += 1
        mid = "m_sent%06d" % self._seq
        m = params["message"]
        self.sent.append({"recipient": psid, "text": m.get("text"),
                          "quick_replies": m.get("quick_replies"),
                          "attachment": m.get("attachment"), "file": file,
                          "messaging_type": params.get("messaging_type"),
                          "tag": params.get("tag"), "message_id": mid, "time": self.now_ms()})
        return 200, {"recipient_id": psid, "message_id": mid}
