"""The Zalo Official Account adapter against a fake OA Open API and OAuth v4 server
(fakezalooa.FakeZaloOA): signed webhooks (a bad or missing signature stores nothing), duplicate
deliveries stored once, a tip conversation with numbered choices and a photo, long texts split
at 2,000, photos out as the media template, the 48-hour window and its 8 messages (a campaign
to a resident outside it is counted "ngoài khung", not sent and not failed), error codes,
tokens refreshed exactly once under concurrent sends, a failed refresh that keeps messages
queued and shows on /healthz, configuration tokens that seed the database once,
`tipgate zalo-oa authorize` end to end, and no secret in the log."""
import hashlib
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakezalooa  # noqa: E402
import tglib  # noqa: E402
from apitest import q, q1  # noqa: E402

TEXTS = apitest.TEXTS
OA = "zalo_oa"
ALICE = "3105480123456789012"  # OA user ids are long numeric strings
BINH = "3105480123456789013"
PHOTO = "https://photo-stal-30.zdn.vn/no/jpg/8a1f/2911211535202630369.jpg"
CODE_RE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")
OUTSIDE = "outside the platform's messaging window"
HOUR = 3600 * 1000


class Setup:
    """A FakeZaloOA and a tipgate (not yet started) with platforms.zalo_oa pointed at it and
    the fake's first token pair in its configuration."""

    def __init__(self, config=None, **options):
        self.fake = fakezalooa.FakeZaloOA().start()
        self.access, self.refresh = self.fake.issue_pair()
        pc = {"enabled": True, "app_id": self.fake.app_id, "app_secret": self.fake.app_secret,
              "oa_secret_key": self.fake.oa_secret_key, "access_token": self.access,
              "refresh_token": self.refresh, "api_base_url": self.fake.base_url,
              "oauth_base_url": self.fake.base_url,
              "rate_limit": {"global_per_sec": 0, "per_chat_per_sec": 0}}
        tglib.deep_merge(pc, options)
        cfg = {"platforms": {OA: pc}, "campaigns": {"enabled": False}}
        tglib.deep_merge(cfg, config or {})
        self.tg = tglib.Tipgate(config=cfg)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                sys.stderr.write("---- tipgate log (last 6000 chars) ----\n%s\n---- fake sent: "
                                 "%r\n" % (self.tg.read_logs()[-6000:], self.fake.sent[-10:]))
        finally:
            if self.tg.proc and self.tg.proc.poll() is None:
                self.tg.kill()
            apitest.close_connection(self.tg)
            self.tg.cleanup()
            self.fake.stop()
        return False

    def post(self, body, headers):
        return apitest.post(self.tg.url("/webhook/" + OA), body, headers)

    def say(self, user, text=None, **kw):
        """A user's message, signed and posted as Zalo does; asserts it was taken (200)."""
        body, headers = self.fake.event(user, text=text, **kw)
        status, answer = self.post(body, headers)
        assert status == 200, (status, answer)
        return body, headers

    def outbox(self, user, text, photo=None, buttons=None):
        self.outbox_many([(user, text, photo, buttons)])

    def outbox_many(self, rows):
        """Queues (user, text, photo, buttons) rows, due now, in one transaction."""
        now = int(time.time() * 1000)
        apitest.execute(self.tg, "INSERT INTO outbox (platform, chat_id, text, photo, buttons,"
                                 " priority, next_attempt_at, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, 3, ?, ?)",
                        [(OA, u, t, p, b, now, now) for u, t, p, b in rows])


def inbox(s):
    return [json.loads(m) for (m,) in q(s.tg, "SELECT message FROM inbox ORDER BY id")]


def test_signature_refused_and_nothing_stored():
    with Setup() as s:
        s.tg.start()
        body, headers = s.fake.event(ALICE, text="xin chào")
        bad = dict(headers, **{"X-ZEvent-Signature": "mac=" + "0" * 64})
        assert s.post(body, bad)[0] == 401
        assert s.post(body, {})[0] == 401                        # no signature at all
        other = fakezalooa.signature(s.fake.app_id, body, json.loads(body)["timestamp"],
                                     "not-the-oa-secret")
        assert s.post(body, {"X-ZEvent-Signature": other})[0] == 401
        tampered = body.replace(b"xin ch", b"XIN CH")           # signed, then changed
        assert s.post(tampered, headers)[0] == 401
        assert s.post(b"{not json", headers)[0] == 400
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 0
        assert q1(s.tg, "SELECT count(*) FROM platform_windows") == 0
        assert s.post(body, headers)[0] == 200                  # the genuine one is taken
        apitest.wait_settled(s.tg, OA, inbox=1)
        logs = s.tg.read_logs()
        assert headers["X-ZEvent-Signature"][4:] not in logs and "0" * 64 not in logs
        s.tg.assert_clean_exit()


def test_duplicate_delivery_stored_once_and_follow_stores_nothing():
    with Setup() as s:
        s.tg.start()
        body, headers = s.say(ALICE, "/help")
        assert s.post(body, headers)[0] == 200                  # Zalo's retry
        follow, fh = s.fake.event(BINH, event_name="follow")
        assert s.post(follow, fh)[0] == 200
        unfollow, uh = s.fake.event(BINH, event_name="unfollow")
        assert s.post(unfollow, uh)[0] == 200
        apitest.wait_settled(s.tg, OA, inbox=1)
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 1
        m = inbox(s)[0]
        assert (m["chat_id"], m["sender_id"], m["text"], m["is_group"]) == (
            ALICE, ALICE, "/help", False), m
        assert s.fake.texts_to(ALICE) == [TEXTS["help"]]         # answered once
        assert s.fake.sent_to(BINH) == [] and s.fake.refused == []
        s.tg.assert_clean_exit()


def test_tip_conversation_with_numbered_choices_and_a_photo():
    with Setup() as s:
        s.tg.start()
        s.say(ALICE, "/baotin")
        s.fake.wait_sent(ALICE, 1)
        s.say(ALICE, "Tối qua lúc 22h ở ngõ 5 đường Lê Lợi kẻ gian bẻ khóa dắt mất xe máy")
        media_q = s.fake.wait_sent(ALICE, 2)[1]
        assert "\n\n1. " + TEXTS["choice_continue"] in media_q, media_q   # no buttons on OA
        s.say(ALICE, attachments=[{"type": "image", "payload": {
            "thumbnail": PHOTO + "?thumb", "url": PHOTO}}], event_name="user_send_image")
        s.say(ALICE, attachments=[{"type": "location", "payload": {"coordinates": {
            "latitude": "10.7764", "longitude": "106.7009"}}}],
            event_name="user_send_location")
        apitest.wait_db(s.tg, "SELECT count(*) FROM inbox WHERE processed_at IS NULL",
                        lambda r: r[0][0] == 0)
        s.say(ALICE, "1")                                        # Tiếp tục
        n = len(s.fake.texts_to(ALICE))
        s.fake.wait_sent(ALICE, n + 1)
        s.say(ALICE, "1")                                        # Ẩn danh
        s.fake.wait_sent(ALICE, n + 2)
        s.say(ALICE, "1")                                        # Gửi
        receipt = s.fake.wait_sent(ALICE, n + 3)[-1]
        assert CODE_RE.search(receipt), receipt
        msgs = inbox(s)
        photo = [m for m in msgs if m.get("attachments")]
        assert photo[0]["attachments"] == [{"kind": "photo", "ref": PHOTO}], photo
        loc = [m["location"] for m in msgs if m.get("location")]
        assert abs(loc[0]["latitude"] - 10.7764) < 1e-9, msgs
        assert abs(loc[0]["longitude"] - 106.7009) < 1e-9, msgs
        assert q(s.tg, "SELECT kind, ref FROM tip_attachments") == [("photo", PHOTO)]
        assert all(x["kind"] == "cs" for x in s.fake.sent) and s.fake.refused == []
        s.tg.assert_clean_exit()


def test_long_text_split_at_2000_and_a_photo_goes_as_the_media_template():
    lines = ["Đoạn %d: " % (i + 1) + " ".join(
        "Cảnh báo lừa đảo qua điện thoại số %d-%d." % (i, k) for k in range(12))
        for i in range(8)]
    original = "\n\n".join(lines)
    assert len(original) > 2000
    with Setup() as s:
        s.tg = tglib.Tipgate(config=dict(
            json.load(open(s.tg.config_path)),
            messages=apitest.messages_file(s.tg.dir, help=original.split("\n"))),
            workdir=s.tg.dir)
        s.tg.start()
        s.say(ALICE, "/help")
        apitest.wait_settled(s.tg, OA, inbox=1)
        parts = s.fake.texts_to(ALICE)
        assert len(parts) >= 2 and all(1 <= len(p) <= 2000 for p in parts), \
            [len(p) for p in parts]
        assert "\n\n".join(parts) == original
        s.outbox(ALICE, "Ảnh đối tượng nghi vấn", photo=PHOTO)
        apitest.wait_db(s.tg, "SELECT status FROM outbox WHERE photo IS NOT NULL",
                        lambda r: r == [("sent",)])
        sent = s.fake.sent_to(ALICE)[-1]
        assert sent["text"] == "Ảnh đối tượng nghi vấn", sent
        assert sent["attachment"] == {"type": "template", "payload": {
            "template_type": "media", "elements": [{"media_type": "image", "url": PHOTO}]}}, sent
        # a web chat upload has no URL: uploaded once, sent by its attachment_id to both
        jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
        digest = hashlib.sha256(jpeg).hexdigest()
        d = os.path.join(s.tg.dir, "uploads", digest[:2])
        os.makedirs(d, mode=0o700, exist_ok=True)
        with open(os.path.join(d, digest), "wb") as f:
            f.write(jpeg)
        os.chmod(os.path.join(d, digest), 0o600)
        s.say(BINH, "chào")
        s.fake.wait_sent(BINH, 1)
        s.outbox(ALICE, "Ảnh người dân gửi", photo="upload:" + digest)
        s.outbox(BINH, "Ảnh người dân gửi", photo="upload:" + digest)
        apitest.wait_settled(s.tg, OA)
        assert [u["sha256"] for u in s.fake.uploads] == [digest], s.fake.uploads
        aid = s.fake.uploads[0]["attachment_id"]
        for u in (ALICE, BINH):
            sent = s.fake.sent_to(u)[-1]
            assert sent["attachment"]["payload"]["elements"] == [
                {"media_type": "image", "attachment_id": aid}], sent
        s.tg.assert_clean_exit()


def test_window_of_48_hours_and_8_messages():
    with Setup() as s:
        s.tg.start()
        s.say(ALICE, "xin chào")
        s.fake.wait_sent(ALICE, 1)
        apitest.wait_settled(s.tg, OA, inbox=1)
        for i in range(10):
            s.outbox(ALICE, "Tin số %d" % i)
        apitest.wait_settled(s.tg, OA)
        # the reply and 7 of the 10: 8 in the window; the rest never reach Zalo
        assert len(s.fake.sent_to(ALICE)) == 8 and s.fake.refused == []
        rows = q(s.tg, "SELECT status, last_error FROM outbox WHERE text LIKE 'Tin số %'"
                       " ORDER BY id")
        assert rows[:7] == [("sent", None)] * 7, rows
        assert rows[7:] == [("failed", OUTSIDE)] * 3, rows
        # a resident whose last message is 49 hours old is outside it too
        s.say(BINH, "chào", timestamp=int(time.time() * 1000) - 49 * HOUR)
        apitest.wait_settled(s.tg, OA, inbox=2)
        assert s.fake.sent_to(BINH) == [] and s.fake.refused == []
        assert q(s.tg, "SELECT status, last_error FROM outbox WHERE chat_id = ?", BINH) == [
            ("failed", OUTSIDE)]
        # a new message opens the window again
        s.say(BINH, "/help")
        s.fake.wait_sent(BINH, 1)
        s.tg.assert_clean_exit()


def test_outside_the_window_the_paid_type_when_the_operator_has_it():
    with Setup(outside_window="transaction") as s:
        s.tg.start()
        s.say(ALICE, "xin chào")
        s.fake.wait_sent(ALICE, 1)
        s.outbox(BINH, "Thông báo cho người chưa nhắn tin")  # no window at all
        apitest.wait_settled(s.tg, OA, inbox=1)
        assert [(x["user_id"], x["kind"]) for x in s.fake.sent] == [
            (ALICE, "cs"), (BINH, "transaction")], s.fake.sent
        assert q1(s.tg, "SELECT status FROM outbox WHERE chat_id = ?", BINH) == "sent"
        s.tg.assert_clean_exit()


def cli(tg, *args, stdin=None, check=True):
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", tg.config_path],
                       capture_output=True, timeout=60, env=tg.env, input=stdin)
    out, err = p.stdout.decode(), p.stderr.decode()
    if check:
        assert p.returncode == 0, (args, p.returncode, out, err)
    return p.returncode, out, err


def test_campaign_outside_the_window_is_counted_not_sent_not_failed():
    with Setup(config={"areas": [{"code": "TDP5", "name": "Tổ dân phố 5"}]}) as s:
        s.tg.start()
        s.say(ALICE, "/dangkytin")
        s.fake.wait_sent(ALICE, 1)
        old = int(time.time() * 1000) - 72 * HOUR  # BINH subscribed three days ago
        s.say(BINH, "/dangkytin", timestamp=old)
        apitest.wait_settled(s.tg, OA, inbox=2)
        cli(s.tg, "campaign", "create", "--code", "OA1", "--text", "Cảnh giác lừa đảo.")
        cli(s.tg, "campaign", "schedule", "--code", "OA1", "--at", "now")
        _, out, _ = cli(s.tg, "campaign", "report", "--code", "OA1", "--wait", "--format",
                        "csv")
        assert s.fake.texts_to(ALICE)[-1].startswith("Cảnh giác lừa đảo."), s.fake.sent
        assert s.fake.sent_to(BINH) == [] and s.fake.refused == []
        import csv
        import io
        [row] = list(csv.DictReader(io.StringIO(out)))
        assert (row["sent"], row["failed"]) == ("1", "0"), row
        outside = [v for k, v in row.items() if "window" in k or "khung" in k]
        assert outside == ["1"], row
        s.tg.assert_clean_exit()


def test_error_codes_mapped():
    with Setup() as s:
        s.tg.start()
        s.say(ALICE, "xin chào")
        s.fake.wait_sent(ALICE, 1)
        apitest.wait_settled(s.tg, OA, inbox=1)
        s.fake.errors.append((-201, "text is invalid!"))
        s.outbox(ALICE, "Tin một")
        apitest.wait_settled(s.tg, OA)
        assert q(s.tg, "SELECT status, last_error FROM outbox WHERE text = 'Tin một'") == [
            ("failed", "error -201: text is invalid!")]
        # Zalo's own "window closed" (our record thought it open): outside, not failed
        s.fake.errors.append((-230, "User has not interacted with the OA in the past 7 days"))
        s.outbox(ALICE, "Tin ba")
        apitest.wait_settled(s.tg, OA)
        assert q(s.tg, "SELECT status, last_error FROM outbox WHERE text = 'Tin ba'") == [
            ("failed", OUTSIDE)]
        s.outbox(ALICE, "Tin bốn")          # the window stays closed until ALICE writes
        apitest.wait_settled(s.tg, OA)
        assert q(s.tg, "SELECT status, last_error FROM outbox WHERE text = 'Tin bốn'") == [
            ("failed", OUTSIDE)]
        assert len(s.fake.calls) == 3, s.fake.calls   # the reply, Tin một, Tin ba
        s.say(ALICE, "chào lại")
        s.fake.wait_sent(ALICE, 2)
        apitest.wait_settled(s.tg, OA, inbox=2)
        s.fake.errors.append((-213, "User has not followed OA"))
        s.outbox(ALICE, "Tin hai")
        apitest.wait_settled(s.tg, OA)
        assert q1(s.tg, "SELECT status FROM outbox WHERE text = 'Tin hai'") == "failed"
        assert q1(s.tg, "SELECT reachable FROM chats WHERE platform = ? AND chat_id = ?",
                  OA, ALICE) == 0
        s.tg.assert_clean_exit()


def test_token_refreshed_exactly_once_under_concurrent_sends():
    users = ["31054801234567%05d" % i for i in range(20)]  # one chat's sends go one by one
    with Setup() as s:
        s.fake.refresh_delay_s = 0.3   # a slow OAuth server: refusals pile up meanwhile
        s.tg.start()
        for u in users:
            s.say(u, "xin chào")
        apitest.wait_settled(s.tg, OA, inbox=len(users))
        assert all(len(s.fake.sent_to(u)) == 1 for u in users)
        s.fake.expire_access()
        s.outbox_many([(u, "Thông báo %d" % k, None, None) for k in (1, 2) for u in users])
        apitest.wait_settled(s.tg, OA, timeout=30)
        assert len(s.fake.refresh_calls) == 1, s.fake.refresh_calls
        assert s.fake.refresh_calls[0]["ok"] and not s.fake.refresh_calls[0]["reused"]
        refused = [c for c in s.fake.calls if c["answer"].get("error") == -216]
        assert len(refused) > 1, "the sends were not concurrent: %d refusals" % len(refused)
        for u in users:
            assert s.fake.texts_to(u)[1:] == ["Thông báo 1", "Thông báo 2"], u
        assert q1(s.tg, "SELECT count(*) FROM outbox WHERE status != 'sent'") == 0
        stored = q1(s.tg, "SELECT value FROM platform_state WHERE platform = ? AND"
                          " key = 'access_token'", OA)
        assert stored != s.access and stored in s.fake.access, stored
        s.tg.assert_clean_exit()
        # restarted with the same (now dead) configuration tokens: the database's pair is
        # used, the configuration does not seed again
        s.tg.start()
        s.outbox(users[0], "Sau khi khởi động lại")
        s.fake.wait_sent(users[0], 4)
        assert len(s.fake.refresh_calls) == 1, s.fake.refresh_calls
        assert s.fake.calls[-1]["headers"]["access_token"] == stored
        s.tg.assert_clean_exit()


def test_token_refreshed_ahead_of_its_end():
    with Setup() as s:
        clock = os.path.join(s.tg.dir, "clock-offset")
        s.tg.env["TIPGATE_CLOCK_FILE"] = clock
        s.tg.start()
        s.say(ALICE, "xin chào")
        s.fake.wait_sent(ALICE, 1)
        assert s.fake.refresh_calls == []   # a seeded pair counts as new for 24 hours
        with open(clock + ".tmp", "w") as f:
            f.write("%d\n" % (23 * HOUR + HOUR // 2))   # 30 minutes before its end
        os.replace(clock + ".tmp", clock)
        time.sleep(0.3)                     # tipgate reads the offset every 200 ms
        s.say(ALICE, "/help")
        s.fake.wait_sent(ALICE, 2)
        assert len(s.fake.refresh_calls) == 1, s.fake.refresh_calls
        new = q1(s.tg, "SELECT value FROM platform_state WHERE platform = ? AND"
                       " key = 'access_token'", OA)
        sends = [c for c in s.fake.calls if c["path"] == "/v3.0/oa/message/cs"]
        assert sends[-1]["headers"]["access_token"] == new != s.access
        assert all(c["answer"]["error"] == 0 for c in sends), sends   # never refused
        expires = int(q1(s.tg, "SELECT value FROM platform_state WHERE platform = ? AND"
                               " key = 'expires_at'", OA))
        now = int(time.time() * 1000) + 23 * HOUR + HOUR // 2
        assert abs(expires - (now + 90000 * 1000)) < 60000, (expires, now)   # "90000" s
        s.tg.assert_clean_exit()


def test_failed_refresh_keeps_messages_queued_and_shows_on_healthz():
    with Setup() as s:
        s.tg.start()
        s.say(ALICE, "xin chào")
        s.fake.wait_sent(ALICE, 1)
        apitest.wait_settled(s.tg, OA, inbox=1)
        s.fake.fail_refresh = True
        s.fake.expire_access()
        s.outbox(ALICE, "Tin chờ")
        s.fake.wait_until(lambda: s.fake.refresh_calls, what="a refresh attempt")

        def refused():
            status, _, body = s.tg.get("/healthz")
            h = json.loads(body)
            return status == 503 and h["senders"][OA]["token"] == "refused" and h
        h = apitest.wait_until(refused, what="/healthz shows the refused token")
        assert any(p.startswith(OA + ":") for p in h["problems"]), h
        # settled back in the queue (not failed), waiting for a working token
        apitest.wait_db(s.tg, "SELECT status FROM outbox WHERE text = 'Tin chờ'",
                        lambda r: r == [("queued",)])
        assert "CANNOT REFRESH THE ACCESS TOKEN" in s.tg.read_logs()
        assert s.fake.sent_to(ALICE)[1:] == []
        s.tg.assert_clean_exit()


def test_authorize_end_to_end_and_no_secret_in_the_log():
    with Setup() as s:
        apitest.migrate(s.tg)
        # a wrong state (an old link) is refused and stores nothing
        p = subprocess.Popen([tglib.BINARY, "zalo-oa", "authorize", "--config",
                              s.tg.config_path, "--redirect-uri", "https://tipgate.example.vn/cb"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=s.tg.env)
        out, err = p.communicate(b"https://tipgate.example.vn/cb?code=x&state=deadbeef\n",
                                 timeout=60)
        assert p.returncode == 1 and b"state" in err, (p.returncode, out, err)
        assert q1(s.tg, "SELECT count(*) FROM platform_state WHERE platform = ?", OA) == 0
        # the real flow: the admin allows, the operator pastes the redirected URL
        p = subprocess.Popen([tglib.BINARY, "zalo-oa", "authorize", "--config",
                              s.tg.config_path, "--redirect-uri", "https://tipgate.example.vn/cb"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=s.tg.env)
        url = None
        lines = []
        while url is None:
            line = p.stdout.readline().decode()
            assert line, (lines, p.stderr.read())
            lines.append(line)
            if "/v4/oa/permission?" in line:
                url = line.strip()
        assert "redirect_uri=https%3A%2F%2Ftipgate.example.vn%2Fcb" in url, url
        redirect = s.fake.approve(url)
        out, err = p.communicate((redirect + "\n").encode(), timeout=60)
        out = "".join(lines) + out.decode()
        assert p.returncode == 0, (out, err)
        assert "Đã xong" in out, out
        stored = q1(s.tg, "SELECT value FROM platform_state WHERE platform = ? AND"
                          " key = 'access_token'", OA)
        assert stored in s.fake.access and stored != s.access, stored
        for secret in [stored, s.fake.app_secret]:
            assert secret not in out and secret not in err.decode()
        # serve uses the authorized pair (not the configuration's), and logs no secret
        s.tg.start()
        s.say(ALICE, "xin chào")
        s.fake.wait_sent(ALICE, 1)
        s.fake.expire_access()
        s.outbox(ALICE, "Sau khi làm mới")
        s.fake.wait_sent(ALICE, 2)
        assert len(s.fake.refresh_calls) == 1
        s.tg.assert_clean_exit()
        logs = s.tg.read_logs()
        secrets = [s.fake.app_secret, s.fake.oa_secret_key] + list(s.fake.access) + \
            list(s.fake.refresh | s.fake.used_refresh)
        leaked = [x for x in secrets if x in logs]
        assert not leaked, leaked


if __name__ == "__main__":
    tglib.main(globals())
