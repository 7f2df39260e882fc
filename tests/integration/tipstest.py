"""tipstest — what test_tips.py and test_desk.py share: a tipgate with areas, police desks and
routing, Telegram enabled against a FakeTelegram (desk messages are observed as what the fake
received for the desk chat ids), a movable application clock (TIPGATE_CLOCK_FILE), officer
enrolment, button presses on Telegram and the web chat, and the shipped texts rendered the way
tipgate renders them.

    with tipstest.Env() as e:
        e.start()
        code = e.file_tip(700001, "có kẻ trộm xe máy ở tổ 5")   # /baotin from a private chat
        e.wait_desk(DESK_TDP5, code)                            # the TDP5 desk got it
"""
import json
import os
import re
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402
from apitest import q, q1  # noqa: E402,F401

TEXTS = apitest.TEXTS
TG = "telegram"
MIN = 60 * 1000
HOUR = 60 * MIN
DAY = 24 * HOUR

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RE = re.compile(r"[%s]{4}-[%s]{4}" % (ALPHABET, ALPHABET))

# Desk chats (Telegram groups; negative ids).
DESK_TDP5 = "-1005"
ESC_TDP5 = "-1009"
DESK_THONDONG = "-1006"
DESK_FRAUD = "-1007"
DESK_DEFAULT = "-1001"
DESK_CHATS = (DESK_TDP5, ESC_TDP5, DESK_THONDONG, DESK_FRAUD, DESK_DEFAULT)


def tg_desk(chat):
    return {"platform": TG, "chat_id": chat}


AREAS = [
    {"code": "TDP5", "name": "Tổ dân phố 5", "aliases": ["to 5"], "desk": tg_desk(DESK_TDP5),
     "escalation": tg_desk(ESC_TDP5)},
    {"code": "THONDONG", "name": "Thôn Đông", "desk": tg_desk(DESK_THONDONG)},
]
ROUTING = {"default_desk": tg_desk(DESK_DEFAULT),
           "category_desks": {"fraud": tg_desk(DESK_FRAUD)}}
TIPS = {"max_per_hour": 5}
NO_LIMITS = {"global_per_sec": 0, "per_chat_per_sec": 0, "per_group_per_min": 0}


def T(name, **values):
    """A shipped text with {placeholders} filled as tipgate fills them."""
    text = TEXTS[name]
    for k, v in values.items():
        text = text.replace("{%s}" % k, str(v))
    return text


def codes_in(text):
    return CODE_RE.findall(text or "")


def bare(code):
    return code.replace("-", "")


class Env:
    """A FakeTelegram and a tipgate (not yet started) with areas, desks and a clock file."""

    def __init__(self, areas=AREAS, routing=ROUTING, tips=TIPS, extra=None, telegram=True):
        self.fake = fakebot.FakeTelegram()
        self.fake.start()
        cfg = {"log": {"level": "debug"}}
        if areas is not None:
            cfg["areas"] = areas
        if routing is not None:
            cfg["routing"] = routing
        if tips is not None:
            cfg["tips"] = tips
        if telegram:
            tglib.deep_merge(cfg, apitest.platform_config(self.fake, TG, rate_limit=NO_LIMITS))
        tglib.deep_merge(cfg, extra or {})
        self.dir = tglib.tmpdir("tg-tips-")
        self.clock_file = os.path.join(self.dir, "clock-offset")
        self.offset = 0
        self.tg = tglib.Tipgate(config=cfg, workdir=self.dir,
                                env={"TIPGATE_CLOCK_FILE": self.clock_file})
        self.ws_clients = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                logs = self.tg.read_logs()
                sys.stderr.write("---- tipgate log (last 5000 chars) ----\n%s\n---- fake: %s\n" %
                                 (logs[-5000:], self.fake._summary(25)))
        finally:
            for c in self.ws_clients:
                c.close()
            if self.tg.proc and self.tg.proc.poll() is None:
                self.tg.kill()
            apitest.close_connection(self.tg)
            self.tg.cleanup()
            self.fake.stop()
        return False

    # ---- the process -------------------------------------------------------------------

    def start(self):
        self.tg.start()
        return self

    def restart(self):
        apitest.close_connection(self.tg)
        self.tg.assert_clean_exit()
        self.tg.start()

    def stop(self):
        apitest.close_connection(self.tg)
        self.tg.assert_clean_exit()

    # ---- the clock ---------------------------------------------------------------------

    def set_clock(self, offset_ms):
        """Moves the application clock to real time + offset_ms (never backwards here) and
        waits until the service re-reads the file (every 200 ms) and, when it runs, until its
        scheduler has run a whole tick at the new time: what the jump makes due (reminders,
        expiries) is then queued, and settled() waits for it rather than a later wait_new
        meeting it by surprise."""
        before = self.scheduler_ticks()
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % offset_ms)
        os.replace(tmp, self.clock_file)
        self.offset = offset_ms
        time.sleep(0.3)
        if before is None:
            return
        deadline = time.time() + 15
        while time.time() < deadline:
            now = self.scheduler_ticks()
            if now is None or now >= before + 2:
                return
            time.sleep(0.05)
        raise AssertionError("the scheduler did not tick after the clock moved")

    def scheduler_ticks(self):
        """tipgate_scheduler_ticks_total from /metrics, or None when the service is not up."""
        if not self.tg.proc or self.tg.proc.poll() is not None:
            return None
        try:
            status, _, body = self.tg.get("/metrics")
        except OSError:
            return None
        if status != 200:
            return None
        for line in body.decode().splitlines():
            if line.startswith("tipgate_scheduler_ticks_total "):
                return int(float(line.split()[1]))
        return None

    def now_ms(self):
        return int(time.time() * 1000) + self.offset

    # ---- the database ------------------------------------------------------------------

    def q(self, sql, *args):
        return q(self.tg, sql, *args)

    def q1(self, sql, *args):
        return q1(self.tg, sql, *args)

    def tip(self, code):
        """The tips row of a code (shown or bare) as a dict, or None."""
        con = apitest.connection(self.tg)
        cur = con.execute("SELECT * FROM tips WHERE code = ?", (bare(code),))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row))

    def settled(self, inbox=None, timeout=15):
        apitest.wait_settled(self.tg, TG, inbox=inbox, timeout=timeout)

    def audit(self, code):
        return self.q("SELECT a.action, p.platform_user_id, a.detail FROM audit_log a "
                      "LEFT JOIN people p ON p.id = a.actor JOIN tips t ON t.id = a.tip_id "
                      "WHERE t.code = ? ORDER BY a.id", bare(code))

    # ---- Telegram ----------------------------------------------------------------------

    def texts_to(self, chat):
        """Texts (captions for photos) the fake received for chat, in order."""
        return apitest.sent_to(self.fake, chat)

    def sent_records(self, chat):
        with self.fake.cond:
            return [dict(s) for s in self.fake.sent if s["chat_id"] == str(chat)]

    def mark(self, chat):
        return len(self.texts_to(chat))

    def wait_new(self, chat, since, n=1, timeout=10):
        """Waits until n messages arrived for chat after the first `since`; returns them."""
        self.fake.wait_until(lambda: len(apitest.sent_to(self.fake, chat)) >= since + n,
                             timeout=timeout)
        return self.texts_to(chat)[since:]

    def wait_text(self, chat, pred, since=0, timeout=10, what="a message"):
        """Waits for a message to chat (from index since) satisfying pred; returns it."""
        found = []

        def check():
            for t in apitest.sent_to(self.fake, chat)[since:]:
                if pred(t):
                    found.append(t)
                    return True
            return False
        try:
            self.fake.wait_until(check, timeout=timeout)
        except AssertionError:
            raise AssertionError("no %s for chat %s within %ss; it got: %r" % (
                what, chat, timeout, self.texts_to(chat)[since:]))
        return found[0]

    def wait_desk(self, chat, code, since=0, timeout=10):
        """The desk message announcing tip (or feedback) `code` in chat."""
        return self.wait_text(chat, lambda t: code in t and (
            t.startswith(T("desk_heading_new", value=code)) or
            t.startswith(T("desk_heading_urgent", value=code)) or
            t.startswith(T("desk_heading_feedback", value=code))), since, timeout,
            "desk message for %s" % code)

    def say(self, chat, text, **kw):
        """A message from a Telegram user; returns the index of the chat's next reply."""
        since = self.mark(chat)
        self.fake.push_message(int(chat), text, **kw)
        return since

    def ask(self, chat, text, n=1, timeout=10, **kw):
        """Sends text and waits for n replies in the same chat; returns them."""
        since = self.say(chat, text, **kw)
        return self.wait_new(chat, since, n, timeout)

    def file_tip(self, chat, text, **kw):
        """/baotin <text> from a private chat; returns the tracking code (of an emergency too:
        its receipt follows the emergency numbers)."""
        since = self.say(chat, "/baotin " + text, **kw)
        heads = (T("tip_filed", code="XXXX")[:12], T("emergency_filed", code="XXXX")[:12])
        reply = self.wait_text(chat, lambda t: t.startswith(heads), since,
                               what="tip_filed receipt")
        codes = codes_in(reply)
        assert codes, reply
        return codes[0]

    def press(self, chat, label, from_id=None, on=None, **kw):
        """Presses the button labelled `label` under the latest message with buttons (or the
        latest whose text satisfies on(text))."""
        with self.fake.cond:
            msgs = [s for s in self.fake.sent if s["chat_id"] == str(chat) and
                    (s["params"].get("reply_markup") or {}).get("inline_keyboard") and
                    (on is None or on(s["text"]))]
        assert msgs, "no message with buttons in chat %s" % chat
        last = msgs[-1]
        for row in last["params"]["reply_markup"]["inline_keyboard"]:
            for b in row:
                if b["text"] == label:
                    since = self.mark(chat)
                    self.fake.push_callback(int(chat), int(from_id or chat), b["callback_data"],
                                            message_id=last["message_id"], **kw)
                    return since
        raise AssertionError("no button %r in %r" % (label, last["params"]["reply_markup"]))

    # ---- officers ----------------------------------------------------------------------

    def enrol_code(self, role="police", area="TDP5"):
        p = subprocess.run([tglib.BINARY, "enrol", "--config", self.tg.config_path, "--role",
                            role, "--area", area], capture_output=True, timeout=60,
                           env=self.tg.env)
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
        return p.stdout.decode().rstrip("\n").splitlines()[-1].strip()

    def officer(self, user_id, chat=DESK_TDP5, area="TDP5", name="Cán bộ"):
        """Enrols Telegram user user_id as police by /dangky in chat."""
        code = self.enrol_code("police", area)
        since = self.say(chat, "/dangky " + code, from_id=user_id, first_name=name)
        self.wait_text(chat, lambda t: t.startswith(T("enrol_done", role="X", area="Y")[:12]),
                       since, what="enrol_done")
        return user_id

    def desk_cmd(self, officer, text, chat=DESK_TDP5, n=1, timeout=10):
        """A desk command from officer in chat; returns the n replies in that chat."""
        return self.ask(chat, text, n=n, timeout=timeout, from_id=officer,
                        first_name="Cán bộ")

    # ---- the web chat ------------------------------------------------------------------

    def web(self, secret=None):
        c = WebUser(self.tg, secret)
        self.ws_clients.append(c)
        return c


class WebUser:
    """A web chat resident: sends messages and button presses, keeps every bot message."""

    def __init__(self, tg, secret=None):
        self.ws = tg.ws()
        ready = self.ws.hello(secret)
        self.secret = ready["secret"]
        self.history = ready.get("history", [])
        self.got = []

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass

    def _ack(self, mid):
        m, seen = self.ws.recv_until(lambda m: m.get("type") in ("ack", "error") and
                                     m.get("id") == mid)
        self.got.extend(x for x in seen if x.get("type") == "message")
        assert m["type"] == "ack", m
        return len(self.got)

    def send(self, text):
        """Sends a message; returns the number of bot messages seen before it."""
        mid = uuid.uuid4().hex[:16]
        before = len(self.got)
        self.ws.send_json({"type": "message", "id": mid, "text": text})
        self._ack(mid)
        return before

    def press(self, data, label=""):
        mid = uuid.uuid4().hex[:16]
        before = len(self.got)
        self.ws.send_json({"type": "callback", "id": mid, "data": data, "text": label or data})
        self._ack(mid)
        return before

    def wait(self, since, n=1, timeout=10):
        """Waits until n bot messages arrived after index since; returns them (dicts)."""
        deadline = time.time() + timeout
        while len(self.got) < since + n:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("web chat: %d of %d messages; got %r" % (
                    len(self.got) - since, n, [m.get("text") for m in self.got[since:]]))
            m = self.ws.recv_json(timeout=left)
            if m.get("type") == "message":
                self.got.append(m)
        return self.got[since:since + n]

    def ask(self, text, n=1, timeout=10):
        return self.wait(self.send(text), n, timeout)

    def choose(self, data, n=1, timeout=10):
        return self.wait(self.press(data), n, timeout)


def button_data(msg):
    """[(label, data)] of a web chat message's buttons."""
    return [(b["text"], b["data"]) for row in msg.get("buttons") or [] for b in row]


def label(category):
    """The label people read for a category (config/categories.vi.json), as tipgate shows it."""
    if not category:
        return TEXTS["category_unknown"]
    with open(os.path.join(tglib.REPO, "config", "categories.vi.json"), encoding="utf-8") as f:
        cats = json.load(f)["categories"]
    c = cats.get(category)
    return c["label"] if isinstance(c, dict) else TEXTS["category_unknown"]


def shown_time(ms):
    """A time as tipgate shows it to people: "%H:%M %d/%m/%Y" in Vietnam (UTC+7, no DST)."""
    import datetime
    tz = datetime.timezone(datetime.timedelta(hours=7))
    return datetime.datetime.fromtimestamp(ms / 1000, tz).strftime("%H:%M %d/%m/%Y")


def shown_date(ms):
    """A day as tipgate shows it: "04/01/2027" in Vietnam (UTC+7)."""
    import datetime
    tz = datetime.timezone(datetime.timedelta(hours=7))
    return datetime.datetime.fromtimestamp(ms / 1000, tz).strftime("%d/%m/%Y")


def end_of_day(ms):
    """The last millisecond of the local day (UTC+7) of ms: where an extended deadline ends
    (a limit counted in days ends at 24:00 of its last day)."""
    import datetime
    tz = datetime.timezone(datetime.timedelta(hours=7))
    d = datetime.datetime.fromtimestamp(ms / 1000, tz).date() + datetime.timedelta(days=1)
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=tz).timestamp() * 1000) - 1


def template_re(name, **values):
    """A regex matching the whole text `name` with the given placeholders filled and any other
    {placeholder} matching anything (on one line)."""
    text = TEXTS[name]
    out, at = "", 0
    for m in re.finditer(r"\{([a-z_]+)\}", text):
        out += re.escape(text[at:m.start()])
        key = m.group(1)
        out += re.escape(str(values[key])) if key in values else r"[^\n]*?"
        at = m.end()
    out += re.escape(text[at:])
    return re.compile(out + r"\Z")


def matches(name, text, **values):
    return bool(template_re(name, **values).match(text or ""))
