"""bench/soaklib.py — the mixed traffic bench/soak drives beside fakebot's --mix stream, and the
arithmetic that judges its samples. Python 3 standard library only (the WebSocket client is
tests/integration/tglib.py's).

Drivers, each a thread that runs until stop is set and keeps its own counts:

  TgProbe      every --probe-every s a "/huongdan" injected into a private chat through
               fakebot's /control/inject (--live-inject: delivered at once, between the --mix
               updates): the time from the update offered to its reply accepted at the fake
  TgGuided     every --tip-every s a resident of a fresh private chat subscribes (/dangkytin)
               and files a tip with the guided /baotin, answering each question (typing the
               label of the button it wants, which tipgate takes as a press) until the code
  WebShort     every --web-every s a browser opens the web chat (WebSocket /ws, subprotocol
               tipgate-chat), says hello, subscribes, asks /huongdan (its latency), asks a
               question, and one in three files a guided tip pressing the buttons; then closes
  WebStay      --web-stay browsers that stay connected the whole run: a ping every 25 s (as
               web/app.js) and a /tincuatoi every 100 s, reading what arrives (campaigns)

The judging: least-squares slopes, percentiles, and a window of samples by time.
"""
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import tglib  # noqa: E402  (the WebSocket client)

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RE = re.compile(r"[%s]{4}-[%s]{4}" % (ALPHABET, ALPHABET))
PROBE_CHAT = 3000000        # private chats of the probes (outside --mix's residents)
GUIDED_CHAT = 3100000       # a fresh private chat per guided tip
REPLY_TIMEOUT_S = 30        # a reply later than this is counted as missing
STORIES = [
    "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh",
    "Nhà hàng xóm bị trộm mất xe máy",
    "Có người gọi điện giả danh công an lừa chuyển tiền 50 triệu vào số 0912345678",
    "Sáng nay khoảng 7h ở hẻm 12 đường Lê Lợi có nhóm thanh niên đánh bạc ăn tiền",
    "Khu trọ cuối ngõ 45 đêm nào cũng có người lạ tụ tập hút chích",
]
# What a resident answers to a question without buttons (the place, the time, a phone).
PLAIN_ANSWER = "không rõ"
# The buttons a resident prefers, by their data (web chat) — else the first one.
PREFERRED = ("right", "continue", "anonymous", "send", "skip")


class Counts:
    """Thread-safe counters and latency samples (t_s, ms) of one driver."""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = {}
        self.lat = []  # (t_s since the run's start, ms)

    def add(self, key, k=1):
        with self.lock:
            self.n[key] = self.n.get(key, 0) + k

    def latency(self, t_s, ms):
        with self.lock:
            self.lat.append((t_s, ms))

    def get(self, key):
        with self.lock:
            return self.n.get(key, 0)

    def snapshot(self):
        with self.lock:
            return dict(self.n), list(self.lat)


class Driver(threading.Thread):
    """A thread that calls step() every `every` seconds from t0 until stop is set; a step that
    raises is counted as an error (and logged once per kind), never ends the run."""

    def __init__(self, name, every, t0, stop, log):
        super().__init__(name=name, daemon=True)
        self.every, self.t0, self.stop, self.log = every, t0, stop, log
        self.c = Counts()
        self.logged = set()

    def run(self):
        nxt = time.monotonic()
        while not self.stop.is_set():
            try:
                self.step()
            except (OSError, AssertionError, ValueError, KeyError, tglib.WebSocketClosed) as e:
                self.c.add("errors")
                kind = "%s: %s" % (type(e).__name__, str(e)[:160])
                if kind not in self.logged and len(self.logged) < 5:
                    self.logged.add(kind)
                    self.log("%s: %s" % (self.name, kind))
            nxt += self.every
            self.stop.wait(max(0, nxt - time.monotonic()))

    def now_s(self):
        return time.monotonic() - self.t0


# ---------- Telegram, through fakebot's control interface ----------

class Fake:
    """fakebot's /control calls."""

    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def _call(self, path, body=None):
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode())

    def inject(self, chat, text):
        r = self._call("/control/inject", {"chat_id": chat, "text": text, "chat_type": "private",
                                           "first_name": "Cư dân"})
        if not r.get("ok"):
            raise ValueError("inject: %r" % r)
        return r["index"]

    def reply(self, index):
        return self._call("/control/reply?index=%d" % index)

    def sent(self, chat, start=0):
        return self._call("/control/sent?chat_id=%d&from=%d" % (chat, start))

    def count(self, chat):
        return self.sent(chat, 1 << 30)["count"]


class TgProbe(Driver):
    def __init__(self, fake, every, t0, stop, log):
        super().__init__("telegram probe", every, t0, stop, log)
        self.fake, self.k = fake, 0

    def step(self):
        chat = PROBE_CHAT + self.k % 16  # a few chats, so no chat is asked twice a second
        self.k += 1
        t_s = self.now_s()
        idx = self.fake.inject(chat, "/huongdan")
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while time.monotonic() < deadline and not self.stop.is_set():
            r = self.fake.reply(idx)
            if r.get("replied"):
                self.c.add("replied")
                self.c.latency(t_s, r["latency_ms"])
                return
            time.sleep(0.01)
        if not self.stop.is_set():
            self.c.add("missing")


class TgGuided(Driver):
    """The guided /baotin on Telegram, to the code."""

    def __init__(self, fake, every, t0, stop, log):
        super().__init__("telegram guided tip", every, t0, stop, log)
        self.fake, self.k = fake, 0

    def wait_new(self, chat, seen, timeout=REPLY_TIMEOUT_S):
        """The messages sent to chat after the first `seen`, once some came and 150 ms passed
        without more (a turn may answer with two messages)."""
        deadline = time.monotonic() + timeout
        got, last_n, quiet_at = [], -1, 0
        while time.monotonic() < deadline and not self.stop.is_set():
            got = self.fake.sent(chat, seen)["messages"]
            if got and len(got) == last_n and time.monotonic() >= quiet_at:
                return got
            if len(got) != last_n:
                last_n, quiet_at = len(got), time.monotonic() + 0.15
            time.sleep(0.02)
        raise AssertionError("no reply in chat %d after %d messages" % (chat, seen))

    def step(self):
        chat = GUIDED_CHAT + self.k
        self.k += 1
        t0 = time.monotonic()
        seen = 0
        self.fake.inject(chat, "/dangkytin")
        seen += len(self.wait_new(chat, seen))
        answer = "/baotin"
        for turn in range(12):
            self.fake.inject(chat, answer)
            new = self.wait_new(chat, seen)
            seen += len(new)
            if turn > 1 and any(CODE_RE.search(m["text"]) for m in new):
                self.c.add("filed")
                self.c.latency(self.now_s(), (time.monotonic() - t0) * 1000)
                return
            if turn == 0:
                answer = STORIES[self.k % len(STORIES)]
                continue
            buttons = [b for m in new[-1:] for row in
                       ((m.get("markup") or {}).get("inline_keyboard") or []) for b in row]
            answer = tg_choice(buttons) if buttons else PLAIN_ANSWER
        self.c.add("not_filed")


def tg_choice(buttons):
    """The label to type for the preferred button (callback_data names the choice)."""
    for want in PREFERRED:
        for b in buttons:
            if want in str(b.get("callback_data", "")) or b.get("text") == want:
                return b["text"]
    return buttons[0]["text"]


# ---------- the web chat ----------

class Browser:
    def __init__(self, port):
        self.ws = tglib.WebSocket("127.0.0.1", port, "/ws", "tipgate-chat")
        self.ws.hello()
        self.n = 0

    def send(self, frame):
        self.n += 1
        frame["id"] = "s%d-%d" % (id(self) % 100000, self.n)
        self.ws.send_json(frame)
        return frame["id"]

    def ask(self, text, timeout=REPLY_TIMEOUT_S):
        """Sends text; the bot's messages of the answer (the first, then any within 150 ms)."""
        return self.turn({"type": "message", "text": text}, timeout)

    def turn(self, frame, timeout=REPLY_TIMEOUT_S):
        mid = self.send(frame)
        acked, out = False, []
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if out:
                left = min(left, 0.15)
            if left <= 0:
                if out:
                    return out
                raise AssertionError("web chat: no answer to %r" % frame.get("text"))
            try:
                m = self.ws.recv_json(timeout=left)
            except (socket.timeout, TimeoutError):
                if out:
                    return out
                raise AssertionError("web chat: no answer to %r" % frame.get("text"))
            if m.get("type") == "ack" and m.get("id") == mid:
                acked = True
            elif m.get("type") == "error":
                raise AssertionError("web chat error %r" % m)
            elif m.get("type") == "message" and acked:
                out.append(m)

    def drain(self):
        """Reads what arrived (campaigns, replies) and answers a ping with a pong."""
        self.ws.send_json({"type": "ping"})
        self.ws.recv_until(lambda m: m.get("type") == "pong", timeout=REPLY_TIMEOUT_S)

    def close(self):
        self.ws.close()


def guided_web(b):
    """The guided /baotin pressing buttons; True when a code came back."""
    b.ask("/baotin")
    new = b.ask(STORIES[b.n % len(STORIES)])
    for _ in range(10):
        if any(CODE_RE.search(m.get("text") or "") for m in new):
            return True
        buttons = [x for m in new[-1:] for row in (m.get("buttons") or []) for x in row]
        if not buttons:
            new = b.ask(PLAIN_ANSWER)
            continue
        pick = next((x for want in PREFERRED for x in buttons if x.get("data") == want),
                    buttons[0])
        new = b.turn({"type": "callback", "data": pick["data"], "text": pick["text"]})
    return False


class WebShort(Driver):
    def __init__(self, port, every, t0, stop, log):
        super().__init__("web chat sessions", every, t0, stop, log)
        self.port, self.k = port, 0

    def step(self):
        self.k += 1
        b = Browser(self.port)
        try:
            self.c.add("opened")
            b.ask("/dangkytin")
            t_s, t = self.now_s(), time.perf_counter()
            b.ask("/huongdan")
            self.c.latency(t_s, (time.perf_counter() - t) * 1000)
            b.ask("Cho em hỏi làm căn cước cho con cần giấy tờ gì ạ?")
            if self.k % 3 == 0:
                self.c.add("filed" if guided_web(b) else "not_filed")
            self.c.add("closed")
        finally:
            b.close()


class WebStay(Driver):
    """Browsers that stay: one ping each per 25 s, spread; a /tincuatoi each per minute."""

    def __init__(self, port, n, t0, stop, log):
        super().__init__("web chat staying", 25.0 / max(1, n), t0, stop, log)
        self.port, self.n, self.browsers, self.k = port, n, [], 0

    def step(self):
        if len(self.browsers) < self.n:
            b = Browser(self.port)
            b.ask("/dangkytin")
            self.browsers.append(b)
            self.c.add("opened")
            return
        i = self.k % self.n
        b = self.browsers[i]
        try:
            if (self.k // self.n) % 4 == 3:  # every fourth round: each browser every 100 s
                b.ask("/tincuatoi")
                self.c.add("asked")
            else:
                b.drain()
                self.c.add("pinged")
        except (OSError, AssertionError, tglib.WebSocketClosed):
            b.close()
            self.browsers[i] = Browser(self.port)  # a browser reconnects
            self.c.add("reconnected")
            raise
        finally:
            self.k += 1

    def close(self):
        for b in self.browsers:
            b.close()


# ---------- arithmetic ----------

def slope(points):
    """Least-squares slope of [(x, y)] (y per unit of x), or None with fewer than 3 points."""
    pts = [(x, y) for x, y in points if y is not None]
    if len(pts) < 3:
        return None
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def pct(values, p):
    v = sorted(values)
    if not v:
        return None
    rank = max(1, min(len(v), int(-(-p * len(v) // 100))))
    return v[rank - 1]


def hist_quantile(buckets, q):
    """The q-quantile (0-1) of a Prometheus histogram's bucket deltas {le: count} (le as float,
    inf for +Inf), interpolated linearly inside the bucket; None when empty."""
    les = sorted(buckets)
    total = buckets[les[-1]] if les else 0
    if total <= 0:
        return None
    want, prev_le, prev_n = q * total, 0.0, 0
    for le in les:
        n = buckets[le]
        if n >= want:
            if le == float("inf"):
                return prev_le
            frac = (want - prev_n) / (n - prev_n) if n > prev_n else 1.0
            return prev_le + (le - prev_le) * frac
        prev_le, prev_n = le, n
    return prev_le


def histograms(text, name, labels):
    """{le: cumulative count} of histogram `name` with the label string `labels` in a /metrics
    text (e.g. 'platform="telegram"')."""
    out = {}
    pre = name + "_bucket{"
    for line in text.splitlines():
        if not line.startswith(pre) or labels not in line:
            continue
        m = re.search(r'le="([^"]+)"\}\s+([0-9.eE+]+)$', line)
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            out[le] = float(m.group(2))
    return out
