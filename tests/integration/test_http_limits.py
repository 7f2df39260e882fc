"""Slow, oversized and crafted HTTP requests (issue 17, items 4 and 7): a body that trickles in
is answered 408 at its deadline, headers that trickle in are dropped, neither starves anyone
else (/healthz, a webhook and the web chat answer while they are held); headers too large get
a real 431 status line, a body too large a 413 before it is read (by its Content-Length, or as
soon as a chunked body passes the limit); no path reaches a file outside web/; the web chat
past its most connections tells the browser to retry later, and the page says so.

One tipgate for the file (Telegram in webhook mode against the fake, the web chat), with short
limits: bodies 3 s, headers 3 s, headers 4096 bytes, bodies 2048 bytes, 3 web chat connections.
Its data_dir is a copy of web/ (the shipped config/ linked) with symbolic links that lead out
of it, and a file beside it that must never be served.

    python3 tests/integration/test_http_limits.py --binary build/asan/tipgate [test_name ...]
"""
import http.client
import json
import os
import shutil
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402

SECRET = "limits_secret_17"
MARK = "tipgate-must-not-serve-this-7d1f"
BODY_TIMEOUT_S = 3
MAX_HEADER = 4096
MAX_BODY = 2048
MAX_CONNS = 3
SLOW_CLIENTS = 20     # of each kind: bodies and headers trickled in
TRICKLE_GAP_S = 0.5
GIVE_UP_S = 40        # a slow client nobody stops: lws's own 30 s timeout plus room
ENV = None


class Env:
    """The file's tipgate: set up once, stopped by the last test."""

    def __init__(self):
        self.s = apitest.Setup("telegram", mode="webhook", webhook_secret=SECRET,
                               webhook_url="http://127.0.0.1:%d/webhook/telegram" % 0)
        self.data = os.path.join(self.s.tg.dir, "data")
        self.make_data_dir()
        self.s.rewrite_config(
            top={"data_dir": self.data,
                 "http": {"body_timeout_s": BODY_TIMEOUT_S, "header_timeout_s": 3,
                          "max_header_bytes": MAX_HEADER, "max_body_bytes": MAX_BODY},
                 "platforms": {"webchat": {"max_connections": MAX_CONNS}}},
            webhook_url="http://127.0.0.1:%d/webhook/telegram" % self.s.tg.port)
        self.tg, self.fake = self.s.tg, self.s.fake
        self.tg.start()
        self.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)

    def make_data_dir(self):
        web = os.path.join(self.data, "web")
        shutil.copytree(os.path.join(tglib.REPO, "web"), web,
                        ignore=shutil.ignore_patterns("node_modules"))
        os.symlink(os.path.join(tglib.REPO, "config"), os.path.join(self.data, "config"))
        with open(os.path.join(self.data, "secret.txt"), "w") as f:
            f.write(MARK)
        os.symlink(os.path.join(self.data, "secret.txt"), os.path.join(web, "leak.txt"))
        os.symlink(self.data, os.path.join(web, "leakdir"))
        os.symlink("index.html", os.path.join(web, "alias.html"))  # stays inside: served


def env():
    global ENV
    if ENV is None:
        ENV = Env()
    return ENV


def connect(e, timeout=10):
    return socket.create_connection(("127.0.0.1", e.tg.port), timeout=timeout)


def read_all(sock, limit=1 << 20):
    """Everything the server sends until it closes (a reset counts as the end)."""
    out = b""
    try:
        while len(out) < limit:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return out


def status_of(answer):
    """The status code of a raw HTTP answer, or None when there was no status line."""
    if not answer.startswith(b"HTTP/1.1 "):
        return None
    return int(answer.split(b" ", 2)[1])


def raw(e, data, timeout=10):
    """Sends data on a new connection and reads the whole answer."""
    with connect(e, timeout) as s:
        s.sendall(data)
        return read_all(s)


def hook_head(length=None, extra=""):
    head = ("POST /webhook/telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "X-Telegram-Bot-Api-Secret-Token: %s\r\n" % SECRET)
    if length is not None:
        head += "Content-Length: %d\r\n" % length
    return (head + extra + "\r\n").encode()


def update(update_id, chat, text):
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "from": {"id": chat, "is_bot": False, "first_name": "Lan"},
        "chat": {"id": chat, "type": "private", "first_name": "Lan"}}}).encode()


class Trickle(threading.Thread):
    """A client that sends head at once, then rest one byte every TRICKLE_GAP_S, until the
    server answers or closes (or GIVE_UP_S passes); .answer is what it read, .closed whether
    the server ended the connection."""

    def __init__(self, e, head, rest):
        super().__init__(daemon=True)
        self.sock = connect(e)
        self.head, self.rest = head, rest
        self.answer, self.closed = b"", False
        self.started = threading.Event()

    def run(self):
        s = self.sock
        try:
            s.sendall(self.head)
            self.started.set()
            deadline = time.time() + GIVE_UP_S
            for i in range(len(self.rest)):
                if time.time() > deadline:
                    return
                s.sendall(self.rest[i:i + 1])
                s.settimeout(TRICKLE_GAP_S)
                try:
                    got = s.recv(4096)
                except socket.timeout:
                    continue
                self.closed = not got
                if got:
                    s.settimeout(5)
                    self.answer = got + read_all(s)
                    self.closed = True
                return
        except (BrokenPipeError, ConnectionResetError):
            self.closed = True
        finally:
            self.started.set()
            s.close()


def test_slow_bodies_get_408_and_slow_headers_are_dropped_while_others_are_answered():
    e = env()
    bodies = [Trickle(e, hook_head(1000), b"{" * 1000) for _ in range(SLOW_CLIENTS)]
    heads = [Trickle(e, b"", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200)
             for _ in range(SLOW_CLIENTS)]
    for t in bodies + heads:
        t.start()
    for t in bodies + heads:
        t.started.wait(10)
    # While all of them are held, everyone else is answered.
    status, _, body = e.tg.get("/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok", (status, body)
    st, _ = apitest.post(e.tg.url("/webhook/telegram"), update(917001, 5101, "/help"),
                         {"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert st == 200, st
    ws = e.tg.ws()
    try:
        assert ws.hello()["type"] == "ready"
    finally:
        ws.close()
    assert apitest.wait_replies(e.fake, 5101, 1) == [apitest.TEXTS["help"]]
    assert any(t.is_alive() for t in bodies + heads), "the slow clients ended too soon to tell"
    for t in bodies + heads:
        t.join(GIVE_UP_S + 10)
    # Each trickled body: a 408 status line, then the connection closed.
    for t in bodies:
        assert status_of(t.answer) == 408, t.answer[:200]
        assert b"connection: close" in t.answer.lower(), t.answer[:400]
    # Each trickled header: dropped before it was complete (nothing answered, no 200).
    for t in heads:
        assert t.closed and status_of(t.answer) in (None, 408), t.answer[:200]


def test_headers_too_large_get_a_431_status_line():
    e = env()
    for name, request in (
            ("one large header", b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " +
             b"a" * (MAX_HEADER + 100) + b"\r\n\r\n"),
            ("far beyond the buffer", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " +
             b"a" * 100000 + b"\r\n\r\n"),
            ("a long address", b"GET /healthz?" + b"q" * (MAX_HEADER + 100) +
             b" HTTP/1.1\r\nHost: x\r\n\r\n"),
            ("many headers", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" +
             b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 40) for i in range(200)) + b"\r\n")):
        answer = raw(e, request)
        assert status_of(answer) == 431, (name, answer[:200])
    # Under the limit: answered as usual.
    answer = raw(e, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: " +
                 b"a" * (MAX_HEADER // 2) + b"\r\n\r\n")
    assert status_of(answer) == 200, answer[:200]


def test_a_body_too_large_gets_413_before_it_is_sent():
    e = env()
    with connect(e) as s:  # the headers only: the answer must not wait for the body
        s.sendall(hook_head(100 * 1000 * 1000))
        answer = read_all(s)
    assert status_of(answer) == 413, answer[:200]
    assert b"connection: close" in answer.lower(), answer[:400]


def test_a_chunked_body_too_large_gets_413_as_soon_as_it_passes_the_limit():
    e = env()
    chunk = b"400\r\n" + b"x" * 0x400 + b"\r\n"
    with connect(e) as s:
        s.sendall(hook_head(extra="Transfer-Encoding: chunked\r\n"))
        sent = 0
        answer = b""
        s.settimeout(0.2)
        while sent < 64 * 0x400 and not answer:  # never the last chunk: it must not wait
            try:
                s.sendall(chunk)
                sent += 0x400
                answer = s.recv(4096)
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        s.settimeout(5)
        answer += read_all(s)
    assert status_of(answer) == 413, answer[:200]
    assert sent <= MAX_BODY + 4 * 0x400, sent  # answered near the limit, not at the end
    # A chunked update within the limit is stored and answered.
    body = update(917002, 5102, "/help")
    answer = raw(e, hook_head(extra="Transfer-Encoding: chunked\r\n") +
                 b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert status_of(answer) == 200, answer[:300]
    assert apitest.wait_replies(e.fake, 5102, 1) == [apitest.TEXTS["help"]]


def test_webhooks_in_a_row_on_one_keep_alive_connection():
    """As Telegram delivers them: answering one completes the transaction and libwebsockets
    frees the request's data, which the old code then read (found by bench/flood.py)."""
    e = env()
    con = http.client.HTTPConnection("127.0.0.1", e.tg.port, timeout=10)
    try:
        for k in range(5):
            con.request("POST", "/webhook/telegram", update(917100 + k, 5110 + k, "/help"),
                        {"Content-Type": "application/json",
                         "X-Telegram-Bot-Api-Secret-Token": SECRET})
            r = con.getresponse()
            r.read()
            assert r.status == 200, (k, r.status)
    finally:
        con.close()
    for k in range(5):
        assert apitest.wait_replies(e.fake, 5110 + k, 1) == [apitest.TEXTS["help"]]


def test_no_path_reaches_a_file_outside_web():
    e = env()
    paths = ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/..%2fsecret.txt",
             "/..%2Fsecret.txt", "/%2e%2e%2fsecret.txt", "/desk/../../secret.txt",
             "/desk/%2e%2e/%2e%2e/secret.txt", "//secret.txt", "/./../secret.txt",
             "/..\\secret.txt", "/%5c..%5csecret.txt", "/secret.txt%00.html",
             "/index.html%00/../../secret.txt", "/leak.txt", "/leakdir/secret.txt",
             "/leakdir/tipgate.db", "/../tipgate.json", "/../../../../etc/passwd",
             "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"]
    for path in paths:
        answer = raw(e, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                     b"Connection: close\r\n\r\n")
        assert MARK.encode() not in answer and b"root:" not in answer, (path, answer[:300])
        assert status_of(answer) in (None, 400, 403, 404), (path, answer[:200])
    # A link that stays inside web/ is still served.
    status, _, body = e.tg.get("/alias.html")
    assert status == 200 and b"<html" in body.lower(), status


def test_web_chat_past_its_most_connections_tells_the_browser_to_retry_later():
    e = env()
    held = [e.tg.ws() for _ in range(MAX_CONNS)]
    try:
        for ws in held:
            assert ws.hello()["type"] == "ready"
        extra = e.tg.ws()  # let in, then told at once
        extra.sock.settimeout(10)
        _, op, payload = extra.recv_frame()
        assert op == 0x8, (op, payload)
        assert int.from_bytes(payload[:2], "big") == 1013 and payload[2:] == b"busy", payload
        extra.sock.close()
        seen = browser_page(e)
        if seen is not None:
            assert seen["page_errors"] == [], seen["page_errors"]
            assert seen["status"] == "Máy chủ đang bận, sẽ tự kết nối lại sau ít phút…", seen
        held.pop().close()
        wait_admitted(e)
    finally:
        for ws in held:
            ws.close()
    e.tg.assert_clean_exit()


def wait_admitted(e):
    """A new browser is let in once one of the held ones has gone."""
    deadline = time.time() + 10
    while True:
        ws = e.tg.ws()
        try:
            ws.send_json({"type": "hello"})
            ws.sock.settimeout(10)
            _, op, payload = ws.recv_frame()
            if op == 0x1:
                assert json.loads(payload)["type"] == "ready"
                return
            assert op == 0x8 and time.time() < deadline, (op, payload)
        finally:
            ws.close()
        time.sleep(0.1)


def browser_page(e):
    """What the page's status says when it is turned away (None without a browser)."""
    import test_browser_webchat as bw
    if not (os.path.exists("/usr/bin/chromium") and shutil.which("node") and os.path.exists(
            os.path.join(bw.BROWSER_DIR, "node_modules", "playwright-core"))):
        print("skipped the page's check: no chromium, node or playwright-core", flush=True)
        return None
    return bw.run_page(e.tg, "busy", bw.shot_path("webchat-busy"))


if __name__ == "__main__":
    try:
        tglib.main(globals())
    finally:
        if ENV is not None:
            ENV.s.__exit__(None, None, None)
