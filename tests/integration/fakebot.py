"""fakebot — fake Telegram Bot API and Zalo Bot Platform API servers for tipgate's integration
tests (standard library only).

Each fake is a ThreadingHTTPServer (HTTP/1.1 keep-alive, always a Content-Length) on 127.0.0.1
running in a background thread of the test process, so a test pushes updates, injects failures
and inspects every request directly:

    with fakebot.FakeTelegram("123:abc") as tg:
        cfg = {"telegram": {"api_base_url": tg.base_url, "token": tg.token}}
        tg.push_message(1001, "/start")
        tg.wait_sent(1)

Requests are `{base_url}/bot{TOKEN}/{method}`. All state lives behind one threading.Condition
(`fake.cond`); every change notifies it. Facts followed: /work/shared/docs/platforms.md.

Files: `add_file(file_id, data)` makes a Telegram file id answer getFile and its
`/file/bot{TOKEN}/{file_path}` download; `add_media(name, data)` serves a CDN-like link (a Zalo
photo_url); every download is logged in `downloads`.

Standalone: `python3 fakebot.py telegram|zalo --port N --token T` prints its base URL and serves
until interrupted. Extra admin endpoints (not recorded in `calls`): POST /_fake/push (a raw
update as JSON), POST /_fake/message ({"chat_id", "text", ...}), GET /_fake/calls, GET
/_fake/sent.
"""
import argparse
import email.parser
import email.policy
import hashlib
import http.server
import io
import json
import math
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

FAULT_KINDS = ("http500", "http502", "html", "truncated", "garbage", "empty", "close", "reset",
               "slow")

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))

HTML_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
            b"</body>\r\n</html>\r\n")
HTML_200 = (b"<!DOCTYPE html><html><head><title>Captive portal</title></head><body>"
            b"<p>Please log in to continue.</p></body></html>")


def _now_ms():
    return int(time.time() * 1000)


def _jcopy(obj):
    return json.loads(json.dumps(obj))


def _num(v, default):
    if v is None or v == "":
        return default
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def _int(v, default):
    if v is None or v == "":
        return default
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            return int(float(v))
        except (TypeError, ValueError):
            return default


def _bool(v):
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes", "on")
    return bool(v)


def _chat_str(v):
    """chat_id as the text a test compares with: ints and numeric strings alike."""
    if v is None or isinstance(v, (dict, list)):
        return None
    if isinstance(v, bool):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def _chat_json(chat):
    """The chat id as Telegram returns it: an integer when numeric."""
    try:
        return int(chat)
    except ValueError:
        return chat


class _ParseError(Exception):
    pass


def _parse_multipart(body, ctype):
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    if not msg.is_multipart():
        raise _ParseError("bad multipart body")
    out = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            out[name] = {"filename": filename, "content_type": part.get_content_type(),
                         "size": len(data), "data": data}
        else:
            out[name] = data.decode(part.get_content_charset() or "utf-8")
    return out


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    verbose = False

    def handle_error(self, request, client_address):
        if self.verbose:  # clients that hang up mid-request are normal in these tests
            super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake = None  # set on the per-fake subclass

    def setup(self):
        super().setup()
        self.fake._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.fake._track(self.connection, False)

    def do_GET(self):
        self.fake._serve(self)

    do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, fmt, *args):
        if self.fake.verbose:
            sys.stderr.write("[%s] %s\n" % (self.fake.platform, fmt % args))


class FakeBotApi:
    """What the Telegram and Zalo fakes share: the HTTP server, request log, failure injection,
    blocked/unknown chats, rate limits, text limits, update queue and webhook delivery."""

    platform = "fake"
    max_text = 4096
    max_caption = 1024

    def __init__(self, token, port=0):
        self.token = token
        self.port = port
        self.verbose = False
        self.cond = threading.Condition()
        self.calls = []
        self.sent = []
        self.blocked = set()
        self.unknown_chats = set()
        self.groups = set()
        self.throttled = 0
        self.instant_empty = False
        self.slow_seconds = 35.0
        # A platform far away: the answer to every send* call is held this many seconds after
        # the message took effect (delivered, its answer on the way back). on_wire counts the
        # sends delivered and not yet answered, max_on_wire the most at once (crash windows).
        self.answer_delay = 0.0
        self.on_wire = 0
        self.max_on_wire = 0
        self.rate_tolerance = 0.005
        self.webhook_url = None
        self.webhook_secret = None
        self.webhook_retry_delay = 0.5
        self.webhook_timeout = 10.0
        self.webhook_deliveries = []
        self.webhook_last_error = None
        self._wh_next_try = 0.0
        self._redeliver = 0
        self._queue = []
        self._faults = []
        self._down = False
        self._limits = {"global_per_sec": None, "per_chat_per_sec": None,
                        "per_group_per_min": None, "retry_after": None}
        self._win_global = []
        self._win_chat = {}
        self._win_group = {}
        self._msg_seq = 0
        self._server = None
        self._threads = []
        self._conns = set()
        self._stopping = False
        self._stop_event = threading.Event()
        self.media = {}               # path served by GET (a file's bytes) -> bytes
        self.downloads = []           # paths fetched, in order (the copier's downloads)
        self._methods = {}
        for name in dir(self):
            if name.startswith("_m_"):
                self._methods[name[3:].lower()] = (name[3:], getattr(self, name))

    # ---- lifecycle -------------------------------------------------------------------------

    def start(self):
        if self._server is not None:
            return self
        handler = type("Handler", (_Handler,), {"fake": self})
        self._stopping = False
        self._stop_event.clear()
        self._server = _Server(("127.0.0.1", self.port), handler)
        self._server.verbose = self.verbose
        self.port = self._server.server_address[1]
        t = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                             name="%s-http" % self.platform, daemon=True)
        w = threading.Thread(target=self._webhook_loop, name="%s-webhook" % self.platform,
                             daemon=True)
        self._threads = [t, w]
        t.start()
        w.start()
        return self

    def stop(self):
        """Stops listening and drops every open connection; state is kept and start() listens
        again on the same port (a platform outage with connection refused)."""
        if self._server is None:
            return
        with self.cond:
            self._stopping = True
            self.cond.notify_all()
        self._stop_event.set()
        self._server.shutdown()
        self._server.server_close()
        for s in list(self._conns):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in self._threads:
            t.join(timeout=5)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    def url(self, method, token=None):
        return "%s/bot%s/%s" % (self.base_url, self.token if token is None else token, method)

    def _track(self, conn, add):
        with self.cond:
            (self._conns.add if add else self._conns.discard)(conn)

    # ---- inspection ------------------------------------------------------------------------

    def count(self, method):
        with self.cond:
            return sum(1 for c in self.calls if c["method"] == method)

    def calls_of(self, method):
        with self.cond:
            return [c for c in self.calls if c["method"] == method]

    def _summary(self, last=40):
        lines = []
        for c in self.calls[-last:]:
            p = json.dumps(c["params"], ensure_ascii=False, default=repr)
            lines.append("  %.3f %s -> %s%s %s" % (c["time"], c["method"], c.get("status"),
                                                  " [%s]" % c["fault"] if c.get("fault") else "",
                                                  p[:200]))
        return "%d calls%s:\n%s" % (len(self.calls), " (last %d)" % last
                                    if len(self.calls) > last else "", "\n".join(lines))

    def wait_for(self, pred, timeout=10, since=0):
        """Waits until some call (from index `since` on, so calls made before the wait began
        count too) satisfies pred(call); returns it.

        Every wake-up looks at the whole log again: a call is recorded when its request
        arrives and gets its status and response only when it is answered, so a call that did
        not match a moment ago (status still None) may match now. (Remembering how far the log
        was read once skipped such calls for good: a wait for a sendMessage answered 502 then
        timed out with four of them in the log.)"""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for c in self.calls[since:]:
                    if pred(c):
                        return c
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s fake: no matching call within %ss; %s" %
                                         (self.platform, timeout, self._summary()))
                self.cond.wait(left)

    def wait_count(self, method, n, timeout=10):
        """Waits until `method` was called at least n times; returns calls_of(method)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                got = [c for c in self.calls if c["method"] == method]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s fake: %d of %d %s calls within %ss; %s" %
                                         (self.platform, len(got), n, method, timeout,
                                          self._summary()))
                self.cond.wait(left)

    def wait_sent(self, n, timeout=10):
        """Waits until n messages were sent successfully; returns the first n."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.sent) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s fake: %d of %d messages sent within %ss: %r\n%s" %
                                         (self.platform, len(self.sent), n, timeout,
                                          [(s["chat_id"], s["text"]) for s in self.sent],
                                          self._summary()))
                self.cond.wait(left)
            return list(self.sent[:n])

    def wait_until(self, pred, timeout=10):
        """Waits until pred() (called with the lock held) is true; returns its value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                v = pred()
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%s fake: condition not met within %ss; %s" %
                                         (self.platform, timeout, self._summary()))
                self.cond.wait(left)

    def pending(self):
        """Updates not yet confirmed (Telegram) or not yet delivered (Zalo), oldest first."""
        with self.cond:
            return _jcopy(self._queue)

    def clear(self):
        """Forgets calls, sent messages, throttled count and webhook deliveries."""
        with self.cond:
            self.calls.clear()
            self.sent.clear()
            self.throttled = 0
            self.webhook_deliveries.clear()
            self.cond.notify_all()

    # ---- failure injection -----------------------------------------------------------------

    def fail_next(self, n, kind, methods=None, processed=False):
        """The next n requests (to one of `methods`, or any) fail with `kind`. With
        processed=True the request takes effect first (a message is sent, a Zalo update is
        handed out) and only the answer is lost."""
        if kind not in FAULT_KINDS:
            raise ValueError("unknown fault kind %r" % kind)
        if isinstance(methods, str):
            methods = [methods]
        with self.cond:
            self._faults.append({"left": n, "kind": kind, "processed": processed,
                                 "methods": None if methods is None else
                                 {m.lower() for m in methods}})

    def clear_faults(self):
        with self.cond:
            self._faults.clear()

    def set_down(self, down=True):
        """While down every request gets a 502 with an HTML body and has no effect."""
        with self.cond:
            self._down = bool(down)
            self.cond.notify_all()

    def _take_fault(self, method):
        if self._down:
            return {"kind": "http502", "processed": False}
        for f in self._faults:
            if f["methods"] is None or (method or "").lower() in f["methods"]:
                f["left"] -= 1
                if f["left"] <= 0:
                    self._faults.remove(f)
                return f
        return None

    def redeliver_next(self, n=1):
        """The next n deliveries are duplicated: the update stays queued and comes again."""
        with self.cond:
            self._redeliver += n

    def mark_group(self, chat_id):
        with self.cond:
            self.groups.add(str(chat_id))

    def is_group(self, chat_id):
        return str(chat_id) in self.groups

    # ---- rate limits -----------------------------------------------------------------------

    def rate_limits(self, global_per_sec=None, per_chat_per_sec=None, per_group_per_min=None,
                    retry_after=None, per_chat_burst=3):
        """Sliding windows on this fake's monotonic clock over successful sends: [t-1s, t] and
        [t-60s, t], minus `rate_tolerance` (5 ms) in the client's favour. None = unlimited.
        A private chat may take a short burst, as the Bot FAQ says ("short bursts allowed"):
        at most per_chat_burst messages in any per_chat_burst / per_chat_per_sec seconds; a
        group gets no burst (one per 1 / per_chat_per_sec seconds) besides its per-minute cap."""
        with self.cond:
            self._limits = {"global_per_sec": global_per_sec,
                            "per_chat_per_sec": per_chat_per_sec,
                            "per_group_per_min": per_group_per_min,
                            "retry_after": retry_after,
                            "per_chat_burst": per_chat_burst}

    def _rate_wait(self, chat, now):
        """None when a send to chat may go now, else the retry_after seconds."""
        lim = self._limits
        tol = self.rate_tolerance
        waits = []

        def check(times, limit, span):
            if limit is None:
                return
            inwin = [s for s in times if now - s < span - tol]
            if len(inwin) >= limit:
                k = int(len(inwin) - limit) if limit >= 1 else len(inwin) - 1
                k = max(0, min(k, len(inwin) - 1))
                waits.append(sorted(inwin)[k] + span - tol - now)

        check(self._win_global, lim["global_per_sec"], 1.0)
        rate = lim["per_chat_per_sec"]
        if rate:
            burst = 1 if self.is_group(chat) else max(1, lim.get("per_chat_burst") or 1)
            check(self._win_chat.get(chat, ()), burst, burst / rate)
        if self.is_group(chat):
            check(self._win_group.get(chat, ()), lim["per_group_per_min"], 60.0)
        if not waits:
            return None
        if lim["retry_after"] is not None:
            return lim["retry_after"]
        return max(1, int(math.ceil(max(waits))))

    def _rate_record(self, chat, now):
        self._win_global = [s for s in self._win_global if now - s < 1.0] + [now]
        w = self._win_chat.get(chat, [])
        self._win_chat[chat] = [s for s in w if now - s < 60.0] + [now]
        if self.is_group(chat):
            w = self._win_group.get(chat, [])
            self._win_group[chat] = [s for s in w if now - s < 60.0] + [now]

    def _rate_gate(self, chat, call):
        """Called with the lock held for a send about to succeed: a 429 answer or None. The
        clock is the request's arrival time on this fake (call["time"])."""
        now = call["time"]
        wait = self._rate_wait(chat, now)
        if wait is not None:
            self.throttled += 1
            return self._throttle_answer(wait)
        self._rate_record(chat, now)
        return None

    # ---- helpers for the platform classes ---------------------------------------------------

    @staticmethod
    def _err(code, desc, parameters=None):
        body = {"ok": False, "error_code": code, "description": desc}
        if parameters:
            body["parameters"] = parameters
        return code, body

    @staticmethod
    def _ok(result, **extra):
        body = {"ok": True, "result": result}
        body.update(extra)
        return 200, body

    def _chat_errors(self, chat):
        """The common per-chat refusals (the lock is held): unknown chats, blocked chats."""
        if chat in {str(c) for c in self.unknown_chats}:
            return self._err(400, "Bad Request: chat not found")
        if chat in {str(c) for c in self.blocked}:
            return self._err(403, self._blocked_description(chat))
        return None

    def _blocked_description(self, chat):
        return "Forbidden: bot was blocked by the user"

    def _record_sent(self, method, chat, text, params, call, message_id):
        self.sent.append({"chat_id": chat, "text": text, "method": method, "params": params,
                          "time": call["time"], "message_id": message_id})

    def _next_msg_id(self):
        self._msg_seq += 1
        return self._msg_seq

    def _queue_update(self, upd):
        with self.cond:
            self._queue.append(upd)
            self.cond.notify_all()

    # ---- HTTP ------------------------------------------------------------------------------

    def _read_body(self, h):
        if "chunked" in h.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                line = h.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += h.rfile.read(size)
                h.rfile.readline(65537)
        n = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(n) if n > 0 else b""

    def _parse(self, h, body):
        split = urllib.parse.urlsplit(h.path)
        params = {}
        try:
            for k, v in urllib.parse.parse_qsl(split.query, keep_blank_values=True,
                                               errors="strict"):
                params[k] = v
            ctype = h.headers.get("Content-Type", "")
            low = ctype.lower()
            if body:
                if "multipart/form-data" in low:
                    params.update(_parse_multipart(body, ctype))
                elif "application/x-www-form-urlencoded" in low:
                    params.update(urllib.parse.parse_qsl(body.decode("utf-8"),
                                                         keep_blank_values=True,
                                                         errors="strict"))
                elif "json" in low or body.lstrip()[:1] in (b"{", b"["):
                    obj = json.loads(body.decode("utf-8"))
                    if not isinstance(obj, dict):
                        raise _ParseError("JSON body is not an object")
                    params.update(obj)
                else:
                    params.update(urllib.parse.parse_qsl(body.decode("utf-8"),
                                                         keep_blank_values=True,
                                                         errors="strict"))
        except (ValueError, UnicodeDecodeError, _ParseError) as e:
            raise _ParseError(str(e))
        return split.path, self._normalise(params)

    def _normalise(self, params):
        return params

    def _send(self, h, status, body, ctype="application/json", close=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(body)))
            if close:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            if body:
                h.wfile.write(body)
            h.wfile.flush()
        except OSError:
            h.close_connection = True

    def _send_fault(self, h, kind, normal=None):
        """Answers with a fault; `normal` is the (status, body) the request would have had."""
        if kind == "http500":
            self._send(h, 500, {"ok": False, "error_code": 500,
                                "description": "Internal Server Error"})
            return 500
        if kind == "http502":
            self._send(h, 502, HTML_502, "text/html")
            return 502
        if kind == "html":
            self._send(h, 200, HTML_200, "text/html; charset=utf-8")
            return 200
        if kind == "truncated":
            if normal and normal[0] == 200:
                full = json.dumps(normal[1], ensure_ascii=False).encode("utf-8")
            else:
                full = json.dumps({"ok": True, "result": {
                    "message_id": 123456, "chat": {"id": 1}, "date": int(time.time()),
                    "text": "a reply that never arrives in full"}}).encode()
            self._send(h, 200, full[:max(1, len(full) // 2)])
            return 200
        if kind == "garbage":
            self._send(h, 200, b"\xff\xfe\x00\x9c" + os.urandom(60) + b"}{\x00")
            return 200
        if kind == "empty":
            self._send(h, 200, b"")
            return 200
        h.close_connection = True
        if kind == "reset":  # RST: linger 0, then really close (the file objects hold refs)
            try:
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                h.rfile.close()
                h.wfile.close()
                h.rfile, h.wfile = io.BytesIO(), io.BytesIO()  # for the handler's epilogue
                h.connection.close()
            except (OSError, ValueError):
                pass
            return None
        # close: a clean FIN without any answer
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return None

    def _serve(self, h):
        try:
            body = self._read_body(h)
        except (ValueError, OSError):
            self._send(h, 400, {"ok": False, "error_code": 400,
                                "description": "Bad Request: unreadable body"}, close=True)
            return
        split = urllib.parse.urlsplit(h.path)
        if split.path.startswith("/_fake/"):
            return self._admin(h, split, body)
        if h.command == "GET" and self._serve_media(h, split.path):
            return
        m = re.match(r"^/bot([^/]*)/([^/]+)/?$", split.path)
        token, method = (urllib.parse.unquote(m.group(1)), m.group(2)) if m else (None, None)
        known = self._methods.get(method.lower()) if method else None
        name = known[0] if known else method
        parse_error = None
        try:
            _, params = self._parse(h, body)
        except _ParseError as e:
            params, parse_error = {}, str(e)
        call = {"method": name, "params": params, "time": time.monotonic(),
                "headers": {k.lower(): v for k, v in h.headers.items()},
                "http_method": h.command, "path": h.path, "token_ok": token == self.token,
                "status": None, "fault": None}
        with self.cond:
            self.calls.append(call)
            fault = self._take_fault(name)
            if fault:
                call["fault"] = fault["kind"]
            self.cond.notify_all()
        if fault and fault["kind"] != "slow" and not fault["processed"]:
            self._answered(call, self._send_fault(h, fault["kind"]), None)
            return
        if fault and fault["kind"] == "slow":
            self._stop_event.wait(self.slow_seconds)
        if not m:
            status, answer = self._err(404, "Not Found")
        elif token != self.token:
            status, answer = self._err(401, "Unauthorized")
        elif not known:
            status, answer = self._err(404, "Not Found")
        elif parse_error:
            status, answer = self._err(400, "Bad Request: can't parse request: " + parse_error)
        else:
            with self.cond:
                try:
                    status, answer = known[1](params, call)
                except Exception as e:  # a bug in the fake must be visible, not a hang
                    import traceback
                    traceback.print_exc()
                    status, answer = self._err(500, "fake crashed: %r" % e)
                self.cond.notify_all()
        held = self.answer_delay > 0 and (name or "").startswith("send")
        if held:
            with self.cond:
                self.on_wire += 1
                self.max_on_wire = max(self.max_on_wire, self.on_wire)
            self._stop_event.wait(self.answer_delay)
        try:
            if fault and fault["kind"] != "slow":
                status = self._send_fault(h, fault["kind"], (status, answer))
            else:
                self._send(h, status, answer)
        finally:
            if held:
                with self.cond:
                    self.on_wire -= 1
        self._answered(call, status, answer)

    def add_media(self, name, data):
        """Serves data at GET {base_url}/_media/name (a CDN's photo link); returns the URL."""
        with self.cond:
            self.media["/_media/" + name] = bytes(data)
        return self.base_url + "/_media/" + name

    def _media_path(self, path):
        """The key of self.media a GET path asks for, or None when it is not a file's."""
        return path if path.startswith("/_media/") else None

    def _serve_media(self, h, path):
        key = self._media_path(path)
        if key is None:
            return False
        with self.cond:
            data = self.media.get(key)
            self.downloads.append(path if data is not None else "(missing) " + path)
            self.cond.notify_all()
        if data is None:
            self._send(h, 404, b"not found", "text/plain")
        else:
            self._send(h, 200, data, "application/octet-stream")
        return True

    def wait_downloads(self, n, timeout=15):
        """Waits until n files were fetched; returns the paths."""
        end = time.monotonic() + timeout
        with self.cond:
            while len(self.downloads) < n:
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("expected %d downloads, got %r" % (n, self.downloads))
                self.cond.wait(left)
            return list(self.downloads)

    def _answered(self, call, status, answer):
        """Records how a call was answered: response first, then status, under the lock, so a
        waiter that sees the status also sees the response."""
        with self.cond:
            call["response"] = answer
            call["status"] = status
            self.cond.notify_all()

    def _notify(self):
        with self.cond:
            self.cond.notify_all()

    def _admin(self, h, split, body):
        try:
            data = json.loads(body.decode("utf-8")) if body else {}
            path = split.path
            if path == "/_fake/push":
                result = self.push_update(data)
            elif path == "/_fake/message":
                result = self._admin_message(data)
            elif path == "/_fake/calls":
                with self.cond:
                    result = [{"method": c["method"], "status": c["status"],
                               "fault": c["fault"], "params": c["params"]} for c in self.calls]
            elif path == "/_fake/sent":
                with self.cond:
                    result = [{k: s[k] for k in ("chat_id", "text", "method")}
                              for s in self.sent]
            else:
                return self._send(h, 404, {"ok": False, "description": "Not Found"})
            self._send(h, 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False,
                                          default=repr).encode("utf-8"))
        except Exception as e:
            self._send(h, 400, {"ok": False, "description": repr(e)})

    # ---- webhook delivery ------------------------------------------------------------------

    def _webhook_candidate(self):
        return self._queue[0] if self._queue else None

    def _webhook_loop(self):
        while True:
            with self.cond:
                while True:
                    if self._stopping:
                        return
                    upd = self._webhook_candidate() if self.webhook_url else None
                    now = time.monotonic()
                    if upd is not None and now >= self._wh_next_try:
                        break
                    self.cond.wait(max(0.005, self._wh_next_try - now)
                                   if upd is not None else 1.0)
                url, secret = self.webhook_url, self.webhook_secret
                data = json.dumps(self._webhook_body(upd), ensure_ascii=False).encode("utf-8")
                key = self._update_key(upd)
            req = urllib.request.Request(url, data=data, method="POST", headers={
                "Content-Type": "application/json"})
            if secret:
                req.add_header(self.WEBHOOK_SECRET_HEADER, secret)
            status, err = 0, None
            try:
                with _NO_PROXY.open(req, timeout=self.webhook_timeout) as r:
                    r.read()
                    status = r.status
            except urllib.error.HTTPError as e:
                status, err = e.code, "Wrong response from the webhook: %d" % e.code
            except Exception as e:
                err = "Connection failed: %r" % e
            with self.cond:
                self.webhook_deliveries.append((key, status))
                if 200 <= status < 300:
                    if self._redeliver > 0:
                        self._redeliver -= 1
                    else:
                        self._queue = [u for u in self._queue if u is not upd]
                    self._wh_next_try = 0.0
                else:
                    self.webhook_last_error = (int(time.time()), err)
                    self._wh_next_try = time.monotonic() + self.webhook_retry_delay
                self.cond.notify_all()


class FakeTelegram(FakeBotApi):
    """A fake Telegram Bot API. See the module docstring and the FakeBotApi methods."""

    platform = "telegram"
    max_text = 4096
    max_caption = 1024
    WEBHOOK_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
    DEFAULT_EXCLUDED = ("chat_member", "message_reaction", "message_reaction_count")
    JSON_FIELDS = ("reply_markup", "allowed_updates", "entities", "caption_entities",
                   "link_preview_options", "reply_parameters", "commands", "scope", "media")
    CHAT_ACTIONS = ("typing", "upload_photo", "record_video", "upload_video", "record_voice",
                    "upload_voice", "upload_document", "choose_sticker", "find_location",
                    "record_video_note", "upload_video_note")

    def __init__(self, token="123456789:AAtipgate-fake-telegram-token", port=0):
        super().__init__(token, port)
        self.me = {"id": 777000111, "is_bot": True, "first_name": "Tipgate",
                   "username": "TipgateTestBot"}
        self.next_update_id = 500000001
        self.id_jumps = []            # where jump_update_ids restarted the ids, in order
        self.offsets_seen = []
        self.allowed_updates = None   # None = Telegram's default (all but DEFAULT_EXCLUDED)
        self.webhook_max_connections = 40
        self.migrated = {}            # old chat id (str) -> new chat id (int)
        self.callback_ids = []        # ids of pushed callback queries, in order
        self.answered_callbacks = []  # ids answered by answerCallbackQuery
        self.bot_messages = {}        # (chat str, message_id) -> text, for edits
        self.files = {}               # file id -> (file_path, bytes), for getFile
        self._user_msg_seq = 0
        self._cb_seq = 0
        self._poll_gen = 0

    def is_group(self, chat_id):
        return str(chat_id).startswith("-") or str(chat_id) in self.groups

    def _normalise(self, params):
        for k in self.JSON_FIELDS:
            v = params.get(k)
            if isinstance(v, str):
                try:
                    params[k] = json.loads(v)
                except ValueError:
                    pass
        return params

    def _update_key(self, upd):
        return upd.get("update_id")

    def _webhook_body(self, upd):
        return upd

    def _throttle_answer(self, wait):
        return self._err(429, "Too Many Requests: retry after %d" % wait,
                         {"retry_after": wait})

    # ---- updates ---------------------------------------------------------------------------

    @staticmethod
    def update_type(upd):
        for k in upd:
            if k != "update_id":
                return k
        return None

    def _allowed(self, upd):
        t = self.update_type(upd)
        if self.allowed_updates:
            return t in self.allowed_updates
        return t not in self.DEFAULT_EXCLUDED

    def push_update(self, update):
        """Queues an update (a dict); assigns update_id when missing; returns the update_id."""
        upd = _jcopy(update)
        with self.cond:
            if "update_id" not in upd:
                upd["update_id"] = self.next_update_id
            if self._sane_id(upd) is not None:  # a test's garbage id does not move the ids
                self.next_update_id = max(self.next_update_id, upd["update_id"] + 1)
            upd = dict([("update_id", upd.pop("update_id"))] + list(upd.items()))
            body = upd.get(self.update_type(upd))
            if isinstance(body, dict) and isinstance(body.get("chat"), dict):
                chat = body["chat"]
                if chat.get("type") in ("group", "supergroup"):
                    self.groups.add(str(chat.get("id")))
            self._queue.append(upd)
            self.cond.notify_all()
            return upd["update_id"]

    def jump_update_ids(self, next_id):
        """The ids restart at next_id, lower than before, as Telegram does after a week without
        updates (the next update_id is then chosen at random). From now on an offset above
        every id issued since the restart confirms nothing (see _confirm): getUpdates serves
        from the head of its queue until the client confirms with the last returned id + 1."""
        with self.cond:
            assert int(next_id) < self.next_update_id, "a jump goes down"
            self.next_update_id = int(next_id)
            self.id_jumps.append(int(next_id))
            self.cond.notify_all()

    def _user(self, user_id, first_name="Lan", username=None):
        u = {"id": int(user_id), "is_bot": False, "first_name": first_name,
             "language_code": "vi"}
        if username:
            u["username"] = username
        return u

    @staticmethod
    def _infer_type(chat_id, chat_type):
        if chat_type:
            return chat_type
        s = str(chat_id)
        if s.startswith("-100"):
            return "supergroup"
        return "group" if s.startswith("-") else "private"

    def _chat(self, chat_id, chat_type=None, first_name="Lan", username=None, title=None):
        t = self._infer_type(chat_id, chat_type)
        c = {"id": int(chat_id), "type": t}
        if t == "private":
            c["first_name"] = first_name
            if username:
                c["username"] = username
        else:
            c["title"] = title or "Group %s" % chat_id
            self.groups.add(str(chat_id))
        return c

    def _message(self, chat_id, from_id=None, chat_type=None, first_name="Lan", username=None,
                 title=None, extra=None):
        t = self._infer_type(chat_id, chat_type)
        if from_id is None:
            from_id = chat_id if t == "private" else 111222333
        with self.cond:
            self._user_msg_seq += 1
            mid = self._user_msg_seq
            chat = self._chat(chat_id, t, first_name, username, title)
        msg = {"message_id": mid, "from": self._user(from_id, first_name, username),
               "chat": chat, "date": int(time.time())}
        if extra:
            msg.update(extra)
        return msg

    def push_message(self, chat_id, text, from_id=None, chat_type=None, first_name="Lan",
                     username=None, title=None, extra=None, edited=False):
        """A text message (bot_command entity added for /commands). chat_type defaults to
        private for positive ids, group for negative ones, supergroup for -100…"""
        msg = self._message(chat_id, from_id, chat_type, first_name, username, title)
        msg["text"] = text
        if text.startswith("/"):
            cmd = text.split()[0] if text.split() else text
            msg["entities"] = [{"offset": 0, "length": len(cmd.encode("utf-16-le")) // 2,
                                "type": "bot_command"}]
        if extra:
            msg.update(extra)
        return self.push_update({"edited_message" if edited else "message": msg})

    def push_callback(self, chat_id, from_id, data, message_id=1, first_name="Lan",
                      username=None, chat_type=None):
        """A callback_query on the bot's message `message_id`; its "id" is appended to
        `callback_ids`."""
        with self.cond:
            self._cb_seq += 1
            cb_id = str(4000000000000000000 + self._cb_seq * 7919)
            self.callback_ids.append(cb_id)
            chat = self._chat(chat_id, chat_type, first_name, username)
            text = self.bot_messages.get((str(chat_id), int(message_id)), "…")
        msg = {"message_id": int(message_id), "from": dict(self.me), "chat": chat,
               "date": int(time.time()), "text": text}
        return self.push_update({"callback_query": {
            "id": cb_id, "from": self._user(from_id, first_name, username), "message": msg,
            "chat_instance": "-%d" % (abs(int(chat_id)) * 31 + 7), "data": data}})

    def push_my_chat_member(self, chat_id, title, old_status, new_status, from_id=111222333,
                            chat_type=None):
        """The bot's own membership changed (added: left→member/administrator; removed:
        member→left/kicked; in a private chat, kicked = the user blocked the bot)."""
        with self.cond:
            chat = self._chat(chat_id, chat_type, title=title)
        bot = dict(self.me)
        return self.push_update({"my_chat_member": {
            "chat": chat, "from": self._user(from_id), "date": int(time.time()),
            "old_chat_member": {"user": bot, "status": old_status},
            "new_chat_member": {"user": bot, "status": new_status}}})

    def push_photo(self, chat_id, file_ids, caption=None, **kw):
        """A photo message: one size per file id, growing; the last is the largest."""
        if isinstance(file_ids, str):
            file_ids = [file_ids]
        msg = self._message(chat_id, **kw)
        msg["photo"] = [{"file_id": f, "file_unique_id": "u" + hashlib.md5(
            f.encode()).hexdigest()[:12], "file_size": 1500 * (i + 1) ** 2,
            "width": 90 * (i + 1), "height": 60 * (i + 1)} for i, f in enumerate(file_ids)]
        if caption is not None:
            msg["caption"] = caption
        return self.push_update({"message": msg})

    def push_location(self, chat_id, lat, lon, **kw):
        msg = self._message(chat_id, **kw)
        msg["location"] = {"latitude": lat, "longitude": lon}
        return self.push_update({"message": msg})

    def push_contact(self, chat_id, phone, first_name, **kw):
        msg = self._message(chat_id, **kw)
        msg["contact"] = {"phone_number": phone, "first_name": first_name,
                          "user_id": int(kw.get("from_id") or chat_id)}
        return self.push_update({"message": msg})

    def push_document(self, chat_id, file_id, file_name, mime_type="application/pdf", **kw):
        msg = self._message(chat_id, **kw)
        msg["document"] = {"file_id": file_id, "file_unique_id": "d" + hashlib.md5(
            file_id.encode()).hexdigest()[:12], "file_name": file_name,
            "mime_type": mime_type, "file_size": 34567}
        return self.push_update({"message": msg})

    def push_migration(self, old_chat_id, new_chat_id):
        """A service message in the old group carrying migrate_to_chat_id; from now on sends to
        the old id answer 400 with parameters.migrate_to_chat_id."""
        msg = self._message(old_chat_id, chat_type="group")
        msg["migrate_to_chat_id"] = int(new_chat_id)
        with self.cond:
            self.migrated[str(old_chat_id)] = int(new_chat_id)
            self.groups.add(str(new_chat_id))
        return self.push_update({"message": msg})

    def _admin_message(self, d):
        d = dict(d)
        return self.push_message(int(d.pop("chat_id")), d.pop("text"), **d)

    # ---- methods (called with the lock held) -----------------------------------------------

    def _m_getMe(self, p, call):
        return self._ok(dict(self.me))

    def add_file(self, file_id, data):
        """Makes file_id downloadable: getFile answers its file_path and GET
        {base_url}/file/bot{token}/{file_path} serves data."""
        with self.cond:
            path = "photos/file_%d.jpg" % len(self.files)
            self.files[file_id] = (path, bytes(data))
            self.media["/file/" + path] = bytes(data)

    def _media_path(self, path):
        m = re.match(r"^/file/bot([^/]*)/(.+)$", path)
        if m and urllib.parse.unquote(m.group(1)) == self.token:
            return "/file/" + m.group(2)
        return "/file/(bad token)" if m else None

    def _m_getFile(self, p, call):
        fid = p.get("file_id")
        if not isinstance(fid, str) or fid not in self.files:
            return self._err(400, "Bad Request: invalid file_id")
        path, data = self.files[fid]
        return self._ok({"file_id": fid, "file_unique_id": "u" + hashlib.md5(
            fid.encode()).hexdigest()[:12], "file_size": len(data), "file_path": path})

    def _m_getUpdates(self, p, call):
        if self.webhook_url:
            return self._err(409, "Conflict: can't use getUpdates method while webhook is "
                                  "active; use deleteWebhook to delete the webhook first")
        offset = _int(p.get("offset"), None)
        limit = min(100, max(1, _int(p.get("limit"), 100)))
        timeout = max(0.0, _num(p.get("timeout"), 0.0))
        au = p.get("allowed_updates")
        if isinstance(au, list):
            self.allowed_updates = list(au) or None
        if offset is not None:
            self.offsets_seen.append(offset)
            if offset > 0:
                self._confirm(offset)
            elif offset < 0:
                self._queue = self._queue[offset:]
        self._poll_gen += 1
        gen = self._poll_gen
        self.cond.notify_all()
        deadline = time.monotonic() + timeout
        while True:
            if self._poll_gen != gen:
                return self._err(409, "Conflict: terminated by other getUpdates request; make "
                                      "sure that only one bot instance is running")
            if self.webhook_url:
                return self._err(409, "Conflict: can't use getUpdates method while webhook is "
                                      "active; use deleteWebhook to delete the webhook first")
            self._queue = [u for u in self._queue if self._allowed(u)]
            if self._queue:
                return self._ok(_jcopy(self._queue[:limit]))
            left = deadline - time.monotonic()
            if self.instant_empty or left <= 0 or self._stopping:
                return self._ok([])
            self.cond.wait(left)

    @staticmethod
    def _sane_id(upd):
        """The update's id when it is one Telegram could send (a positive 32-bit integer)."""
        uid = upd.get("update_id")
        ok = isinstance(uid, int) and not isinstance(uid, bool) and 0 < uid < 2 ** 31
        return uid if ok else None

    def _confirm(self, offset):
        """Drops the updates an offset confirms: those with a smaller id, and any malformed
        one queued before them (a test's garbage id is confirmed by the next good one).

        As the Bot API server does, an offset outside [head, tail] of the queue — below the
        first queued id, or above the next id to be issued, as a client's offset is after the
        ids restarted lower (jump_update_ids) — is replaced by the head: nothing is confirmed
        and the queue is served from its head."""
        ids = [i for i in map(self._sane_id, self._queue) if i is not None]
        head = ids[0] if ids else self.next_update_id
        if offset < head or offset > self.next_update_id:
            return
        cut = -1
        for i, u in enumerate(self._queue):
            uid = self._sane_id(u)
            if uid is not None and uid < offset:
                cut = i
        self._queue = [u for i, u in enumerate(self._queue) if i > cut and not (
            self._sane_id(u) is not None and self._sane_id(u) < offset)]

    def _webhook_candidate(self):
        self._queue = [u for u in self._queue if self._allowed(u)]
        return self._queue[0] if self._queue else None

    def _m_setWebhook(self, p, call):
        url = p.get("url") or ""
        if url and not re.match(r"^https?://[^/\s]+", str(url)):
            return self._err(400, "Bad Request: bad webhook: invalid webhook URL specified")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            return self._err(400, "Bad Request: secret token contains unallowed characters")
        au = p.get("allowed_updates")
        if isinstance(au, list):
            self.allowed_updates = list(au) or None
        if "max_connections" in p:
            self.webhook_max_connections = min(100, max(1, _int(p["max_connections"], 40)))
        if _bool(p.get("drop_pending_updates", False)):
            self._queue = []
        self.webhook_url = url or None
        self.webhook_secret = str(secret) if secret is not None and url else None
        self._wh_next_try = 0.0
        self.cond.notify_all()
        return self._ok(True, description="Webhook was set" if url else
                        "Webhook was deleted")

    def _m_deleteWebhook(self, p, call):
        had = self.webhook_url
        self.webhook_url = None
        self.webhook_secret = None
        if _bool(p.get("drop_pending_updates", False)):
            self._queue = []
        return self._ok(True, description="Webhook was deleted" if had else
                        "Webhook is already deleted")

    def _m_getWebhookInfo(self, p, call):
        info = {"url": self.webhook_url or "", "has_custom_certificate": False,
                "pending_update_count": len(self._queue)}
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            if self.allowed_updates:
                info["allowed_updates"] = list(self.allowed_updates)
            if self.webhook_last_error:
                info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return self._ok(info)

    def _target_chat(self, p):
        """(chat str, None) or (None, error answer) for a method addressed to a chat."""
        chat = _chat_str(p.get("chat_id"))
        if chat is None:
            return None, self._err(400, "Bad Request: chat_id is empty")
        if chat in self.migrated:
            return None, self._err(400, "Bad Request: group chat was upgraded to a supergroup "
                                        "chat", {"migrate_to_chat_id": self.migrated[chat]})
        err = self._chat_errors(chat)
        return (None, err) if err else (chat, None)

    def _check_markup(self, markup):
        if markup is None:
            return None
        if not isinstance(markup, dict):
            return self._err(400, "Bad Request: can't parse reply keyboard markup JSON object")
        kb = markup.get("inline_keyboard")
        if kb is None:
            return None
        if not isinstance(kb, list) or not all(isinstance(r, list) for r in kb):
            return self._err(400, "Bad Request: field \"inline_keyboard\" of the "
                                  "InlineKeyboardMarkup should be an Array of Arrays")
        for row in kb:
            for b in row:
                if not isinstance(b, dict) or not isinstance(b.get("text"), str):
                    return self._err(400, "Bad Request: can't parse inline keyboard button: "
                                          "Text buttons are unallowed in the inline keyboard")
                if "callback_data" in b:
                    d = b["callback_data"]
                    if not isinstance(d, str) or not 1 <= len(d.encode("utf-8")) <= 64:
                        return self._err(400, "Bad Request: BUTTON_DATA_INVALID")
                elif not any(k in b for k in ("url", "switch_inline_query", "web_app",
                                              "login_url", "pay", "copy_text")):
                    return self._err(400, "Bad Request: can't parse inline keyboard button: "
                                          "InlineKeyboardButton must have exactly one "
                                          "optional field")
        return None

    def _check_text(self, text, limit, what="message"):
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = str(text)
        if not isinstance(text, str) or not text.strip():
            return None, self._err(400, "Bad Request: message text is empty")
        if len(text) > limit:
            return None, self._err(400, "Bad Request: %s is too long" % what)
        return text, None

    def _bot_message(self, chat, **fields):
        mid = self._next_msg_id()
        msg = {"message_id": mid, "from": dict(self.me),
               "chat": {"id": _chat_json(chat),
                        "type": self._infer_type(chat, None)}, "date": int(time.time())}
        msg.update({k: v for k, v in fields.items() if v is not None})
        return msg

    def _m_sendMessage(self, p, call):
        chat, err = self._target_chat(p)
        if err:
            return err
        text, err = self._check_text(p.get("text"), self.max_text)
        if err:
            return err
        err = self._check_markup(p.get("reply_markup"))
        if err:
            return err
        err = self._rate_gate(chat, call)
        if err:
            return err
        msg = self._bot_message(chat, text=text, reply_markup=p.get("reply_markup"))
        self.bot_messages[(chat, msg["message_id"])] = text
        self._record_sent("sendMessage", chat, text, p, call, msg["message_id"])
        return self._ok(msg)

    def _m_sendPhoto(self, p, call):
        chat, err = self._target_chat(p)
        if err:
            return err
        photo = p.get("photo")
        if not photo:
            return self._err(400, "Bad Request: there is no photo in the request")
        caption = p.get("caption")
        if caption is not None and len(str(caption)) > self.max_caption:
            return self._err(400, "Bad Request: message caption is too long")
        err = self._check_markup(p.get("reply_markup"))
        if err:
            return err
        err = self._rate_gate(chat, call)
        if err:
            return err
        fid = photo if isinstance(photo, str) else "uploaded-%s" % hashlib.md5(
            photo.get("data", b"") if isinstance(photo, dict) else b"").hexdigest()[:16]
        msg = self._bot_message(chat, caption=caption, photo=[
            {"file_id": fid, "file_unique_id": "p" + hashlib.md5(fid.encode()).hexdigest()[:10],
             "file_size": 4321, "width": 320, "height": 240}])
        self._record_sent("sendPhoto", chat, caption or "", p, call, msg["message_id"])
        return self._ok(msg)

    def _m_sendChatAction(self, p, call):
        chat, err = self._target_chat(p)
        if err:
            return err
        if p.get("action") not in self.CHAT_ACTIONS:
            return self._err(400, "Bad Request: wrong parameter action in request")
        return self._ok(True)

    def _m_answerCallbackQuery(self, p, call):
        cid = p.get("callback_query_id")
        if cid is None or cid == "":
            return self._err(400, "Bad Request: parameter \"callback_query_id\" is required")
        cid = str(cid)
        if cid not in self.callback_ids or cid in self.answered_callbacks:
            return self._err(400, "Bad Request: query is too old and response timeout expired "
                                  "or query ID is invalid")
        if p.get("text") is not None and len(str(p["text"])) > 200:
            return self._err(400, "Bad Request: MESSAGE_TOO_LONG")
        self.answered_callbacks.append(cid)
        return self._ok(True)

    def _m_editMessageText(self, p, call):
        if p.get("inline_message_id"):
            chat = None
        else:
            chat, err = self._target_chat(p)
            if err:
                return err
            if _int(p.get("message_id"), None) is None:
                return self._err(400, "Bad Request: message identifier is not specified")
        text, err = self._check_text(p.get("text"), self.max_text)
        if err:
            return err
        err = self._check_markup(p.get("reply_markup"))
        if err:
            return err
        if chat is None:
            return self._ok(True)
        key = (chat, _int(p.get("message_id"), 0))
        if self.bot_messages.get(key) == text and "reply_markup" not in p:
            return self._err(400, "Bad Request: message is not modified: specified new message "
                                  "content and reply markup are exactly the same as a current "
                                  "content and reply markup of the message")
        self.bot_messages[key] = text
        msg = self._bot_message(chat, text=text, reply_markup=p.get("reply_markup"))
        msg["message_id"] = key[1]
        msg["edit_date"] = int(time.time())
        return self._ok(msg)

    def _m_editMessageReplyMarkup(self, p, call):
        err = self._check_markup(p.get("reply_markup"))
        return err or self._ok(True)

    def _m_deleteMessage(self, p, call):
        chat, err = self._target_chat(p)
        return err or self._ok(True)

    def _m_setMyCommands(self, p, call):
        return self._ok(True)

    def _m_deleteMyCommands(self, p, call):
        return self._ok(True)

    def _m_getMyCommands(self, p, call):
        return self._ok([])


class FakeZalo(FakeBotApi):
    """A fake Zalo Bot Platform API. See the module docstring and the FakeBotApi methods."""

    platform = "zalo"
    max_text = 2000
    max_caption = 2000
    WEBHOOK_SECRET_HEADER = "X-Bot-Api-Secret-Token"

    def __init__(self, token="1234567890:zalo-fake-secret-token", port=0):
        super().__init__(token, port)
        # getMe's id is the number before the token's colon; in chats the bot appears under a
        # hex id like everyone else's, so the two never compare equal (real payloads).
        self.me = {"id": token.split(":")[0], "account_name": "tipgate_bot",
                   "account_type": "BASIC", "can_join_groups": True}
        self.bot_chat_id = hashlib.md5(("bot-" + token).encode()).hexdigest()[:20]
        self.array_mode = False
        self.array_max = 10
        self.echo_sent = False
        self.echo_is_bot = True    # the echo's from.is_bot, which is how tipgate recognises it
        self.default_poll_timeout = 30.0
        self.webhook_updated_at = 0
        self._zseq = 0

    def _update_key(self, upd):
        return (upd.get("message") or {}).get("message_id")

    def _webhook_body(self, upd):
        return {"ok": True, "result": upd}

    def _throttle_answer(self, wait):
        return self._err(429, "Quota exceeded")

    def _blocked_description(self, chat):
        return "Forbidden: the user has blocked or not interacted with the bot"

    def _zid(self, prefix):
        with self.cond:
            self._zseq += 1
            n = self._zseq
        return hashlib.md5(("%s-%d-%d" % (prefix, n, id(self))).encode()).hexdigest()

    # ---- updates ---------------------------------------------------------------------------

    def push_raw(self, update):
        """Queues an update dict as-is; returns its message.message_id (or None)."""
        upd = _jcopy(update)
        msg = upd.get("message") or {}
        chat = msg.get("chat") or {}
        with self.cond:
            if chat.get("chat_type") == "GROUP":
                self.groups.add(str(chat.get("id")))
            self._queue.append(upd)
            self.cond.notify_all()
        return msg.get("message_id")

    push_update = push_raw

    def _update(self, event, chat_id, from_id=None, chat_type="PRIVATE", display_name="Minh",
                is_bot=False, **fields):
        chat_id = str(chat_id)
        if from_id is None:
            from_id = chat_id if chat_type == "PRIVATE" else "9f3c1a2b7d5e4f60"
        msg = {"message_id": self._zid("m"), "date": _now_ms(),
               "from": {"id": str(from_id), "display_name": display_name, "is_bot": is_bot},
               "chat": {"id": chat_id, "chat_type": chat_type}}
        msg.update({k: v for k, v in fields.items() if v is not None})
        self.push_raw({"event_name": event, "message": msg})
        return msg["message_id"]

    def push_text(self, chat_id, text, from_id=None, chat_type="PRIVATE", display_name="Minh",
                  **kw):
        """A message.text.received update; returns its message_id."""
        return self._update("message.text.received", chat_id, from_id, chat_type, display_name,
                            text=text, **kw)

    def push_image(self, chat_id, photo_url, caption=None, legacy=False, **kw):
        """A photo as real payloads carry it: `photo_url`, `message_type` CHAT_PHOTO and a
        caption (possibly ""). legacy=True sends the documented `photo` field instead."""
        if legacy:
            return self._update("message.image.received", chat_id, photo=photo_url,
                                caption=caption, **kw)
        return self._update("message.image.received", chat_id, photo_url=photo_url,
                            caption="" if caption is None else caption,
                            message_type="CHAT_PHOTO", **kw)

    def push_sticker(self, chat_id, sticker="bd2b8a7f3c", url=None, **kw):
        """A sticker: its id in `sticker`, its image in `url`, `message_type` CHAT_STICKER."""
        return self._update("message.sticker.received", chat_id, sticker=sticker,
                            url=url or "https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?"
                                       "eid=%s&size=130" % sticker,
                            message_type="CHAT_STICKER", **kw)

    def push_voice(self, chat_id, voice_url="https://f2-voice-aac-dl.zdn.vn/fake/voice.aac",
                   **kw):
        """A voice message: `voice_url`, `message_type` CHAT_VOICE."""
        return self._update("message.voice.received", chat_id, voice_url=voice_url,
                            message_type="CHAT_VOICE", **kw)

    def push_unsupported(self, chat_id, **kw):
        return self._update("message.unsupported.received", chat_id, **kw)

    def _admin_message(self, d):
        d = dict(d)
        return self.push_text(d.pop("chat_id"), d.pop("text"), **d)

    # ---- methods (called with the lock held) -----------------------------------------------

    def _normalise(self, params):
        return params

    def _m_getMe(self, p, call):
        return self._ok(dict(self.me))

    def _deliver(self, n):
        batch = self._queue[:n]
        del self._queue[:n]
        again = []
        for u in batch:
            if self._redeliver > 0:
                self._redeliver -= 1
                again.append(u)
        self._queue[:0] = again
        return _jcopy(batch)

    def _m_getUpdates(self, p, call):
        if self.webhook_url:
            return self._err(409, "Conflict: getUpdates is not available while a webhook is "
                                  "set; delete the webhook first")
        timeout = max(0.0, _num(p.get("timeout"), self.default_poll_timeout))
        deadline = time.monotonic() + timeout
        while True:
            if self.webhook_url:
                return self._err(409, "Conflict: getUpdates is not available while a webhook "
                                      "is set; delete the webhook first")
            if self._queue:
                if self.array_mode:
                    return self._ok(self._deliver(self.array_max))
                return self._ok(self._deliver(1)[0])
            left = deadline - time.monotonic()
            if self.instant_empty or left <= 0 or self._stopping:
                return self._err(408, "Request timeout")
            self.cond.wait(left)

    def _m_setWebhook(self, p, call):
        url = p.get("url")
        if not url or not re.match(r"^https?://[^/\s]+", str(url)):
            return self._err(400, "Bad Request: url is invalid")
        secret = p.get("secret_token")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            return self._err(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_updated_at = _now_ms()
        self._wh_next_try = 0.0
        self.cond.notify_all()
        return self._ok({"url": url, "updated_at": self.webhook_updated_at})

    def _m_deleteWebhook(self, p, call):
        self.webhook_url = self.webhook_secret = None
        self.webhook_updated_at = _now_ms()
        return self._ok({"url": "", "updated_at": self.webhook_updated_at})

    def _m_getWebhookInfo(self, p, call):
        return self._ok({"url": self.webhook_url or "", "updated_at": self.webhook_updated_at,
                         "pending_update_count": len(self._queue)})

    def _target_chat(self, p):
        chat = _chat_str(p.get("chat_id"))
        if chat is None:
            return None, self._err(400, "Bad Request: chat_id is required")
        err = self._chat_errors(chat)
        return (None, err) if err else (chat, None)

    def _sent_answer(self):
        return self._ok({"message_id": self._zid("s"), "date": _now_ms()})

    def _m_sendMessage(self, p, call):
        chat, err = self._target_chat(p)
        if err:
            return err
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            return self._err(400, "Bad Request: text is empty")
        if len(text) > self.max_text:
            return self._err(400, "Bad Request: text is too long (at most %d characters)" %
                             self.max_text)
        err = self._rate_gate(chat, call)
        if err:
            return err
        status, answer = self._sent_answer()
        self._record_sent("sendMessage", chat, text, p, call, answer["result"]["message_id"])
        if self.echo_sent:
            me = self.me
            msg = {"message_id": answer["result"]["message_id"], "date": _now_ms(),
                   "text": text,
                   "from": {"id": self.bot_chat_id, "display_name": me["account_name"],
                            "is_bot": self.echo_is_bot},
                   "chat": {"id": chat,
                            "chat_type": "GROUP" if self.is_group(chat) else "PRIVATE"}}
            self._queue.append({"event_name": "message.text.received", "message": msg})
        return status, answer

    def _m_sendPhoto(self, p, call):
        chat, err = self._target_chat(p)
        if err:
            return err
        photo = p.get("photo")
        if not isinstance(photo, str) or not re.match(r"^https?://", photo):
            return self._err(400, "Bad Request: photo must be a URL")
        caption = p.get("caption")
        if caption is not None and len(str(caption)) > self.max_caption:
            return self._err(400, "Bad Request: caption is too long")
        err = self._rate_gate(chat, call)
        if err:
            return err
        status, answer = self._sent_answer()
        self._record_sent("sendPhoto", chat, caption or "", p, call,
                          answer["result"]["message_id"])
        return status, answer

    def _m_sendSticker(self, p, call):
        chat, err = self._target_chat(p)
        if err:
            return err
        if not p.get("sticker"):
            return self._err(400, "Bad Request: sticker is required")
        return self._sent_answer()

    def _m_sendChatAction(self, p, call):
        chat, err = self._target_chat(p)
        if err:
            return err
        if p.get("action") != "typing":
            return self._err(400, "Bad Request: action must be \"typing\"")
        return self._ok(True)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run a fake bot API server standalone.")
    ap.add_argument("platform", choices=("telegram", "zalo"))
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default=None)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args(argv)
    cls = FakeTelegram if a.platform == "telegram" else FakeZalo
    fake = cls(a.token, a.port) if a.token else cls(port=a.port)
    fake.verbose = a.verbose
    fake.start()
    print(fake.base_url, flush=True)
    print("token: %s   api: %s" % (fake.token, fake.url("getMe")), file=sys.stderr, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    fake.stop()


if __name__ == "__main__":
    main()
