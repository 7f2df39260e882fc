"""The Facebook Page Messenger adapter against a fake Messenger Platform (fakemessenger): Meta's
subscription check and signed webhook deliveries (a bad or missing signature refused with 401
and nothing stored), batched entries, duplicate mids, echoes and receipts, a tip conversation
with quick replies tapped as choices and a photo that becomes the tip's, long texts split at
2,000 characters, photos out (by URL and uploaded with the message), the 24-hour window (a reply
inside goes, a campaign to a resident outside it is counted outside the window, never sent nor
failed; a desk's relay within 7 days goes with the HUMAN_AGENT tag when allowed), Graph errors
(a refused page token keeps messages queued and shows on /healthz, a rate limit is retried, an
unavailable person is not written to again) and secrets that never reach the log.

    python3 tests/integration/test_messenger.py --binary build/asan/tipgate [test_name ...]
"""
import csv
import hashlib
import io
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakemessenger  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DESK_TDP5, HOUR, T, codes_in, label  # noqa: E402

MS = "messenger"
ALICE, BINH, CHAU = "2400000000000001", "2400000000000002", "2400000000000003"
OFFICER = 9401
THEFT_WITH_PLACE_AND_TIME = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
# a 1x1 JPEG's first bytes are enough for the sniffers: tipgate sends what it stored
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


class Env(tipstest.Env):
    """tipstest.Env (a FakeTelegram for the desks, areas, the clock file) with Messenger on."""

    def __init__(self, messenger=None, **kw):
        self.fb = fakemessenger.FakeMessenger().start()
        extra = kw.pop("extra", {})
        tglib.deep_merge(extra, {"platforms": {MS: self.fb.config(**(messenger or {}))}})
        super().__init__(extra=extra, **kw)

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                sys.stderr.write("---- fake messenger: %r\n" % [
                    (c["path"], c["status"], c.get("answer")) for c in self.fb.calls[-15:]])
            return super().__exit__(exc_type, exc, tb)
        finally:
            self.fb.stop()

    def set_clock(self, offset_ms):
        self.fb.offset_ms = offset_ms
        super().set_clock(offset_ms)

    def deliver(self, *events, **kw):
        status = self.fb.deliver(self.tg.port, *events, **kw)
        assert status == 200, status
        return status

    def ms_say(self, psid, text):
        """A message from psid; returns how many messages psid had before."""
        since = len(self.fb.sent_to(psid))
        self.deliver(self.fb.text(psid, text))
        return since

    def ms_ask(self, psid, text=None, event=None, n=1):
        since = len(self.fb.sent_to(psid))
        self.deliver(event or self.fb.text(psid, text))
        return self.fb.wait_sent_to(psid, since + n)[since:]

    def tap(self, psid, title):
        """Taps the quick reply titled title (as tipgate cut it) under psid's latest message
        with quick replies; returns the messages that answer it."""
        with self.fb.cond:
            last = [s for s in self.fb.sent if s["recipient"] == psid and s["quick_replies"]][-1]
        want = title[:20]
        [qr] = [q for q in last["quick_replies"] if q["title"] == want] or [None]
        assert qr, (title, last["quick_replies"])
        return self.ms_ask(psid, event=self.fb.quick_reply(psid, qr["title"], qr["payload"]))

    def ms_settled(self, inbox=None):
        apitest.wait_settled(self.tg, MS, inbox=inbox)

    def no_refusals(self):
        """Every Send API call the fake answered was accepted: no text over 2,000 characters,
        no more than 13 quick replies, nothing outside the window."""
        bad = [(c["status"], c.get("answer")) for c in self.fb.calls
               if c["status"] != 200 and not c.get("fault")]
        assert not bad, bad

    def secrets_not_logged(self):
        logs = self.tg.read_logs()
        for s in (self.fb.page_token, self.fb.app_secret, self.fb.verify_token):
            assert s not in logs, "a secret reached the log"


def cli(tg, *args):
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", tg.config_path],
                       capture_output=True, timeout=60, env=tg.env)
    assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p.stdout.decode()


def report(tg, code):
    [row] = list(csv.DictReader(io.StringIO(cli(tg, "campaign", "report", "--code", code,
                                                "--format", "csv"))))
    return row


# ---- the webhook ----------------------------------------------------------------------------

def test_subscription_check_and_signatures_refused_with_nothing_stored():
    with Env() as e:
        e.start()
        fb = e.fb
        ok = "/webhook/messenger?hub.mode=subscribe&hub.verify_token=%s&hub.challenge=1158201444"
        status, headers, body = e.tg.get(ok % fb.verify_token)
        assert (status, body) == (200, b"1158201444"), (status, body)
        ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        assert ctype.startswith("text/plain"), headers
        for bad in (ok % "wrong-token-0042", ok.replace("subscribe", "unsubscribe") % fb.verify_token,
                    "/webhook/messenger?hub.mode=subscribe&hub.verify_token=%s&hub.challenge=%s"
                    % (fb.verify_token, "<script>"), "/webhook/messenger"):
            status, _, body = e.tg.get(bad)
            assert status == 403 and b"script" not in body, (bad, status, body)

        body = fb.body(fb.text(ALICE, "/start"))
        assert fb.post(e.tg.port, body, signature=None)[0] == 401
        assert fb.post(e.tg.port, body, signature=fakemessenger.sign("not-the-secret", body))[0] \
            == 401
        other = fb.body(fb.text(ALICE, "/help"))
        assert fb.post(e.tg.port, body, signature=fakemessenger.sign(fb.app_secret, other))[0] \
            == 401
        assert fb.post(e.tg.port, body, signature="sha256=zz")[0] == 401
        assert e.q1("SELECT count(*) FROM inbox") == 0  # refused before anything is stored
        assert not fb.sent
        # signed but not ours to read: another object (404, as Meta's example) or no JSON (400)
        assert fb.post(e.tg.port, fb.body(fb.text(ALICE, "/start"), obj="instagram"))[0] == 404
        assert fb.post(e.tg.port, b"{not json")[0] == 400
        assert e.q1("SELECT count(*) FROM inbox") == 0
        fb.remember(body)  # the person did write: the window is open
        assert fb.post(e.tg.port, body)[0] == 200  # the same body, rightly signed
        assert [s["text"] for s in fb.wait_sent_to(ALICE, 1)] == [T("welcome")]
        e.ms_settled()
        assert e.q1("SELECT count(*) FROM inbox") == 1 and len(fb.sent) == 1, fb.sent
        e.no_refusals()
        e.stop()
        e.secrets_not_logged()


def test_batched_entries_duplicates_echoes_and_receipts():
    with Env() as e:
        e.start()
        fb = e.fb
        a = fb.text(ALICE, "/start")
        entries = [
            {"id": fb.page_id, "time": fb.now_ms(), "messaging": [
                a, fb.echo(ALICE, "tin của trang"), fb.receipt(ALICE, "delivery"),
                fb.receipt(ALICE, "read"), fb.text(BINH, "/help")]},
            {"id": fb.page_id, "time": fb.now_ms(), "messaging": [fb.text(CHAU, "/start")]},
            {"id": "999999999", "time": fb.now_ms(), "messaging": [fb.text(CHAU, "/help")]},
        ]
        e.deliver(entries=entries)
        e.deliver(a)  # Meta delivers again: the same mid
        assert fb.wait_sent_to(ALICE, 1)[0]["text"] == T("welcome")
        assert fb.wait_sent_to(BINH, 1)[0]["text"] == T("help")
        assert fb.wait_sent_to(CHAU, 1)[0]["text"] == T("welcome")
        e.ms_settled(inbox=3)
        assert e.q1("SELECT count(*) FROM inbox") == 3
        assert [len(fb.sent_to(x)) for x in (ALICE, BINH, CHAU)] == [1, 1, 1]
        [(chat, raw)] = e.q("SELECT chat_id, message FROM inbox WHERE chat_id = ?", ALICE)
        m = json.loads(raw)
        assert (m["sender_id"], m["text"], m["is_group"]) == (ALICE, "/start", False), m
        assert all(s["messaging_type"] == "RESPONSE" for s in fb.sent), fb.sent
        e.no_refusals()
        e.stop()


# ---- a conversation -------------------------------------------------------------------------

def test_tip_with_quick_replies_and_a_photo_files_with_the_photo():
    with Env() as e:
        e.start()
        fb = e.fb
        photo = fb.add_media("scontent-abc.jpg", JPEG)
        [m] = e.ms_ask(ALICE, "/baotin")
        assert m["text"] == T("report_ask_describe"), m
        [m] = e.ms_ask(ALICE, THEFT_WITH_PLACE_AND_TIME)
        assert m["text"] == T("report_ask_category_check", category=label("theft")), m
        assert [q["title"] for q in m["quick_replies"]] == [
            T("choice_right")[:20], T("choice_other_category")[:20]], m
        assert all(len(q["payload"]) < 24 and q["payload"] not in ("right", "other")
                   for q in m["quick_replies"]), m  # a token, not the handler's data
        [m] = e.tap(ALICE, T("choice_right"))
        assert m["text"] == T("report_ask_media_typed", max=5), m  # no location on Messenger
        e.deliver(fb.attachment(ALICE, "image", {"url": photo}))
        e.ms_settled()
        [m] = e.tap(ALICE, T("choice_continue"))
        assert m["text"] == T("report_ask_identity"), m
        [summary] = e.tap(ALICE, T("choice_anonymous"))
        assert [q["title"] for q in summary["quick_replies"]] == [
            T(n)[:20] for n in ("choice_send", "choice_edit", "choice_cancel")], summary
        # the last tap as a postback button would bring it (no mid: keyed by sender + time)
        [qr] = [q for q in summary["quick_replies"] if q["title"] == T("choice_send")[:20]]
        [filed] = e.ms_ask(ALICE, event=fb.postback(ALICE, qr["title"], qr["payload"], mid=False))
        code = codes_in(filed["text"])[0]
        assert filed["text"] == T("tip_filed", code=code), filed
        tip = e.tip(code)
        assert (tip["platform"], tip["category"], tip["anonymous"]) == (MS, "theft", 1), tip
        assert e.q("SELECT kind, ref FROM tip_attachments WHERE tip_id = ?", tip["id"]) == [
            ("photo", photo)]
        e.wait_desk(DESK_TDP5, code)
        e.no_refusals()
        e.stop()


def file_tip(e, psid, text):
    """/baotin <text> from psid on Messenger; returns the tip's code."""
    since = e.ms_say(psid, "/baotin " + text)
    head = T("tip_filed", code="XXXX")[:12]
    found = e.fb.wait_until(lambda: [s["text"] for s in e.fb.sent_to(psid)[since:]
                                     if (s["text"] or "").startswith(head)], what="tip_filed")
    return codes_in(found[0])[0]


def test_long_relay_split_at_2000_photos_out_and_buttons_beyond_quick_replies():
    with Env() as e:
        e.start()
        fb = e.fb
        e.officer(OFFICER)
        code = file_tip(e, ALICE, THEFT_WITH_PLACE_AND_TIME)
        e.ms_settled()
        # the desk's answer is long: the resident gets it in parts of at most 2,000
        question = " ".join("Câu hỏi số %d của cán bộ về vụ việc, xin anh chị trả lời giúp." % i
                            for i in range(60))
        since = len(fb.sent_to(ALICE))
        e.desk_cmd(OFFICER, "/traloi %s %s" % (code, question))
        full = T("relay_to_tipster", code=code, text=question)
        assert len(full) > 3000
        parts = fb.wait_until(lambda: (lambda got: got if sum(len(t) for t in got) >=
                                       len(full) - 10 else None)(
            [s["text"] for s in fb.sent_to(ALICE)[since:]]), what="the whole relay")
        assert len(parts) >= 2 and all(0 < len(p) <= 2000 for p in parts), [len(p) for p in parts]
        assert "".join(parts).replace(" ", "").replace("\n", "") == \
            full.replace(" ", "").replace("\n", ""), parts
        # photos out: a URL Meta fetches, and a file of ours uploaded with the message
        url = "https://cdn.example.vn/anh-hien-truong.jpg"
        hexname = save_upload(e, JPEG)
        now = e.now_ms()
        apitest.execute(e.tg, "INSERT INTO outbox (platform, chat_id, text, photo, priority, "
                        "next_attempt_at, created_at) VALUES (?, ?, '', ?, 1, ?, ?)",
                        [(MS, ALICE, url, now, now), (MS, ALICE, "upload:" + hexname, now, now)])
        e.deliver(fb.text(ALICE, "/help"))  # a new reply wakes the sender: it sends all due
        got = fb.wait_until(lambda: (lambda a: a if len(a) == 2 else None)(
            [s for s in fb.sent_to(ALICE) if s["attachment"] or s["file"]]), what="two photos",
            timeout=15)
        assert got[0]["attachment"] == {"type": "image",
                                        "payload": {"url": url, "is_reusable": False}}, got[0]
        assert got[1]["file"]["data"] == JPEG, got[1]
        assert got[1]["file"]["content_type"] == "image/jpeg", got[1]
        # buttons the quick replies cannot carry: 14 choices become numbered lines; links go
        # as a button template (a web page, a "+84…" number to call)
        many = json.dumps([[{"text": "Lựa chọn %d" % i, "data": "c%d" % i}] for i in range(14)])
        links = json.dumps([[{"text": "Xem hướng dẫn", "url": "https://congan.example.vn/hd"}],
                            [{"text": "Gọi trực ban", "url": "tel:+842438221234"}]])
        since = len(fb.sent_to(ALICE))
        now = e.now_ms()
        apitest.execute(e.tg, "INSERT INTO outbox (platform, chat_id, text, buttons, priority, "
                        "next_attempt_at, created_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
                        [(MS, ALICE, "Chọn một:", many, now, now),
                         (MS, ALICE, "Liên hệ:", links, now, now)])
        e.deliver(fb.text(ALICE, "/help"))
        lines, tmpl = [s for s in fb.wait_sent_to(ALICE, since + 3)[since:]
                       if s["text"] != T("help")][:2]
        assert lines["text"] == "Chọn một:\n\n" + "\n".join(
            "%d. Lựa chọn %d" % (i + 1, i) for i in range(14)), lines
        assert not lines["quick_replies"], lines
        assert tmpl["attachment"] == {"type": "template", "payload": {
            "template_type": "button", "text": "Liên hệ:", "buttons": [
                {"type": "web_url", "url": "https://congan.example.vn/hd",
                 "title": "Xem hướng dẫn"},
                {"type": "phone_number", "payload": "+842438221234",
                 "title": "Gọi trực ban"}]}}, tmpl
        e.no_refusals()
        e.stop()


# ---- the window -----------------------------------------------------------------------------

def test_window_reply_inside_goes_campaign_outside_counted_human_agent_relay_tagged():
    with Env(messenger={"human_agent_tag": True}, extra={"campaigns": {"enabled": False}}) as e:
        e.start()
        fb = e.fb
        e.officer(OFFICER)
        [m] = e.ms_ask(ALICE, "/dangkytin")
        assert m["text"] == T("sub_done") and m["messaging_type"] == "RESPONSE", m
        [m] = e.ms_ask(BINH, "/dangkytin")
        assert m["text"] == T("sub_done"), m
        code = file_tip(e, ALICE, THEFT_WITH_PLACE_AND_TIME)
        e.ms_settled()
        e.set_clock(30 * HOUR)  # Alice wrote 30 hours ago; Binh writes again now
        [m] = e.ms_ask(BINH, "chào trang")
        assert m["text"] == T("fallback"), m
        calls = len(fb.calls)
        text = "Cảnh báo: đối tượng giả danh công an gọi điện yêu cầu chuyển tiền."
        cli(e.tg, "campaign", "create", "--code", "FB1", "--text", text, "--audience",
            "residents", "--at", "now")
        cli(e.tg, "campaign", "report", "--code", "FB1", "--wait")
        assert fb.texts_to(BINH)[-1].startswith(text), fb.texts_to(BINH)
        assert not any((s["text"] or "").startswith(text) for s in fb.sent_to(ALICE))
        tried = [c for c in fb.calls[calls:] if (c.get("params") or {}).get(
            "recipient", {}).get("id") == ALICE]
        assert not tried, tried  # never even tried: no refusal to be counted as a failure
        row = report(e.tg, "FB1")
        assert (row["targeted"], row["sent"], row["failed"]) == ("2", "1", "0"), row
        assert row["outside_window"] == "1", row
        [(status, err)] = e.q("SELECT status, last_error FROM outbox WHERE chat_id = ? AND "
                              "text LIKE ?", ALICE, text + "%")
        assert status == "failed" and "window" in err, (status, err)
        # the desk's own answer within 7 days goes, tagged as a human agent's
        question = "Anh chị còn nhớ biển số xe không?"
        since = len(fb.sent_to(ALICE))
        e.desk_cmd(OFFICER, "/traloi %s %s" % (code, question))
        [m] = fb.wait_sent_to(ALICE, since + 1)[since:]
        assert m["text"] == T("relay_to_tipster", code=code, text=question), m
        assert (m["messaging_type"], m["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT"), m
        e.no_refusals()
        e.stop()


# ---- Graph errors ---------------------------------------------------------------------------

def health(e):
    status, _, body = e.tg.get("/healthz")
    return status, json.loads(body)


def test_refused_token_keeps_messages_queued_rate_limit_retried_unavailable_not_retried():
    with Env() as e:
        fb = e.fb
        good = fb.page_token
        fb.page_token = "EAArevokedByTheOperator000"  # Meta no longer takes the configured one
        e.start()
        e.deliver(fb.text(ALICE, "/start"))
        apitest.wait_until(lambda: health(e)[1]["senders"].get(MS, {}).get("token") ==
                           "refused", what="/healthz shows the token refused")
        status, h = health(e)
        assert status == 503 and any(p.startswith("messenger:") for p in h["problems"]), h
        e.settled()
        assert e.q("SELECT status FROM outbox WHERE platform = ?", MS) == [("queued",)]
        fb.page_token = good
        apitest.execute(e.tg, "UPDATE outbox SET next_attempt_at = 0 WHERE platform = ?",
                        [(MS,)])
        assert [s["text"] for s in fb.wait_sent_to(ALICE, 1, timeout=20)] == [T("welcome")]
        # a rate limit: the message goes once, a little later
        fb.fail_next(1, 613, "(#613) Calls to this api have exceeded the rate limit.", status=400)
        [m] = e.ms_ask(BINH, "/help", n=1)
        assert m["text"] == T("help"), m
        assert len([c for c in fb.calls if c.get("fault") == 613]) == 1
        # a person no longer available: failed, not retried, not written to again
        fb.blocked.add(CHAU)
        e.deliver(fb.text(CHAU, "/start"))
        e.ms_settled()
        assert e.q("SELECT status FROM outbox WHERE chat_id = ?", CHAU) == [("failed",)]
        tries = [c for c in fb.calls if (c.get("params") or {}).get("recipient", {}).get("id")
                 == CHAU]
        assert len(tries) == 1, tries
        e.stop()
        e.secrets_not_logged()


def save_upload(e, data):
    """Stores data as tipgate stores a web chat upload; returns its hex name."""
    hexname = hashlib.sha256(data).hexdigest()
    d = os.path.join(e.dir, "uploads", hexname[:2])
    os.makedirs(d, mode=0o700, exist_ok=True)
    with open(os.path.join(d, hexname), "wb") as f:
        f.write(data)
    return hexname


if __name__ == "__main__":
    tglib.main(globals())
