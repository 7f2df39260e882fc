"""/healthz tells the truth and /metrics gives the detail: 200 "ok" only while the database
accepts writes, every platform accepts its token and every sender makes progress; 503 with the
reason otherwise, and 200 again once the trouble is over. Each reason is produced for real: a
database on a small filesystem that fills up, a fake Telegram and a fake Zalo that refuse the
token, a fake Telegram that never answers sendMessage (with the service's clock moved past the
stall threshold instead of waiting two minutes)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402

TG, ZALO = "telegram", "zalo"
STALL_S = 120  # bot/health.h HEALTH_STALL_MS


def content_type(headers):
    return {k.lower(): v for k, v in headers.items()}.get("content-type", "")


def healthz(tg):
    status, headers, body = tg.get("/healthz")
    assert content_type(headers).startswith("application/json"), headers
    return status, json.loads(body)


def wait_health(tg, pred, what, timeout=30):
    """Polls /healthz until pred(status, body); returns (status, body)."""
    last = []

    def ok():
        last[:] = [healthz(tg)]
        return pred(*last[0])
    try:
        apitest.wait_until(ok, timeout=timeout, what=what)
    except AssertionError:
        raise AssertionError("%s; last /healthz: %r\n%s" % (what, last, tg.read_logs()[-3000:]))
    return last[0]


def healthy(status, body):
    return status == 200 and body["status"] == "ok" and body.get("problems") == []


def metrics(tg):
    status, headers, body = tg.get("/metrics")
    assert status == 200 and content_type(headers).startswith("text/plain"), (status, headers)
    return body.decode()


def test_healthz_and_metrics_describe_the_service():
    with apitest.Setup(TG) as s:
        apitest.migrate(s.tg)
        now = 1767225600000
        apitest.execute(s.tg, "INSERT INTO outbox (platform, chat_id, text, status, "
                              "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [(TG, "1", "a", "sent", now, now), (TG, "2", "b", "sent", now, now),
                         (TG, "3", "c", "failed", now, now)])
        s.tg.start()
        s.fake.push_message(1001, "/start")
        apitest.wait_replies(s.fake, 1001, 1)
        status, h = wait_health(
            s.tg, lambda st, b: healthy(st, b) and b["senders"][TG]["delivered"] >= 1,
            "a healthy service that delivered the reply")
        assert h["database"] == "ok" and h["version"], h
        assert set(h["platforms"]) >= {"webchat", TG}, h
        assert h["senders"][TG]["token"] == "ok" and not h["senders"][TG]["stalled"], h
        assert "queues" not in h  # counts take a scan: they are in /metrics
        text = apitest.wait_until(
            lambda: (lambda t: t if 'tipgate_outbox_messages{platform="telegram",status="sent"}'
                     in t else None)(metrics(s.tg)), what="the first count in /metrics")
        lines = set(text.splitlines())
        assert "tipgate_up 1" in lines and "tipgate_database_writable 1" in lines, text
        assert 'tipgate_platform_token_refused{platform="telegram"} 0' in lines, text
        assert "# TYPE tipgate_sender_delivered_total counter" in lines, text
        assert any(l.startswith('tipgate_sender_delivered_total{platform="telegram"} ')
                   for l in lines), text
        assert 'tipgate_outbox_messages{platform="telegram",status="failed"} 1' in lines, text
        assert any(l.startswith("tipgate_counts_age_seconds ") for l in lines), text
        # The scheduler's ticks (issue 10): counted and timed, in seconds to the microsecond.
        text = apitest.wait_until(
            lambda: (lambda t: t if scheduler_ticks(t) >= 2 else None)(metrics(s.tg)),
            what="two scheduler ticks in /metrics")
        values = dict(l.split(" ", 1) for l in text.splitlines()
                      if l.startswith("tipgate_scheduler_"))
        for name in ("tipgate_scheduler_last_tick_seconds", "tipgate_scheduler_tick_seconds_total"):
            assert re.fullmatch(r"\d+\.\d{6}", values[name]), values
        assert (float(values["tipgate_scheduler_tick_seconds_total"])
                >= float(values["tipgate_scheduler_last_tick_seconds"])), values
        assert "# TYPE tipgate_scheduler_last_tick_seconds gauge" in text, text
        assert "# TYPE tipgate_scheduler_tick_seconds_total counter" in text, text
        assert "# TYPE tipgate_scheduler_ticks_total counter" in text, text
        s.tg.assert_clean_exit()


def scheduler_ticks(text):
    for line in text.splitlines():
        if line.startswith("tipgate_scheduler_ticks_total "):
            return int(line.split()[1])
    return 0


class Tmpfs:
    """A small tmpfs mounted for the test (we run as root), always unmounted; .ok is False
    with .why when mounting is refused (not root, no mount namespace), and the test skips."""

    def __init__(self, size="4m"):
        self.dir = tglib.tmpdir("tg-tmpfs-")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s" % size, "tmpfs", self.dir],
                           capture_output=True, text=True)
        self.ok = p.returncode == 0
        self.why = (p.stderr or p.stdout).strip()

    def fill(self):
        """Writes zeros until the filesystem is full."""
        with open(os.path.join(self.dir, "filler"), "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
            except OSError:
                pass
            try:
                while True:
                    f.write(b"\0" * 512)
            except OSError:
                pass

    def empty(self):
        os.remove(os.path.join(self.dir, "filler"))

    def close(self):
        if self.ok:
            if subprocess.run(["umount", self.dir], capture_output=True).returncode != 0:
                subprocess.run(["umount", "-l", self.dir], capture_output=True)
        os.rmdir(self.dir)


def test_database_refusing_writes_answers_503_until_it_accepts_them_again():
    fs = Tmpfs()
    try:
        if not fs.ok:
            print("skip: cannot mount a tmpfs to fill up (%s); run as root" % fs.why)
            return
        tg = tglib.Tipgate(config={"storage": {"path": os.path.join(fs.dir, "tipgate.db")}})
        try:
            tg.start()
            wait_health(tg, lambda st, b: st == 200, "200 at start")
            fs.fill()
            status, h = wait_health(tg, lambda st, b: st == 503, "503 with the disk full")
            assert h["status"] == "degraded" and h["database"] == "error", h
            assert h["problems"] == ["database refuses writes: database or disk is full"], h
            assert "tipgate_database_writable 0" in metrics(tg).splitlines()
            fs.empty()
            wait_health(tg, healthy, "healthy again once space is freed")
            tg.assert_clean_exit()
        finally:
            tg.cleanup()
    finally:
        fs.close()


def test_refused_token_answers_503_until_the_platform_accepts_it():
    tgfake, zfake = fakebot.FakeTelegram(), fakebot.FakeZalo()
    tgfake.start()
    zfake.start()
    cfg = apitest.platform_config(tgfake, TG)
    tglib.deep_merge(cfg, apitest.platform_config(zfake, ZALO))
    tg = tglib.Tipgate(config=cfg)
    good = {TG: tgfake.token, ZALO: zfake.token}
    try:
        tgfake.token = "999:revoked-by-botfather"  # the bot's token was revoked
        zfake.token = "999:revoked"
        tg.start()
        status, h = wait_health(tg, lambda st, b: st == 503 and len(b["problems"]) == 2,
                                "503: both tokens refused")
        assert h["status"] == "degraded", h
        assert sorted(h["problems"]) == [
            "telegram: the platform refuses the token (error 401: Unauthorized)",
            "zalo: the platform refuses the token (error 401: Unauthorized)"], h
        assert h["senders"][TG]["token"] == "refused", h
        tgfake.token = good[TG]  # the operator put the right token in (here: the fake took it)
        status, h = wait_health(tg, lambda st, b: len(b["problems"]) == 1, "Telegram accepted")
        assert status == 503 and h["problems"][0].startswith("zalo:"), h
        zfake.token = good[ZALO]
        wait_health(tg, healthy, "both accepted")
        tg.assert_clean_exit()
    finally:
        tg.cleanup()
        tgfake.stop()
        zfake.stop()


def test_sender_without_progress_answers_503_until_a_message_is_delivered():
    clock = tglib.tmpdir("tg-clock-")
    clock_file = os.path.join(clock, "offset")
    with open(clock_file, "w") as f:
        f.write("0")
    with apitest.Setup(TG) as s:
        s.tg.env["TIPGATE_CLOCK_FILE"] = clock_file
        s.fake.slow_seconds = 3600  # sendMessage is never answered
        s.fake.fail_next(10 ** 6, "slow", methods=["sendMessage"])
        s.tg.start()
        s.fake.push_message(1001, "/start")
        s.fake.wait_for(lambda c: c["method"] == "sendMessage", timeout=20)
        status, h = healthz(s.tg)
        assert status == 200, h  # on the wire for a few seconds: not a stall yet
        with open(clock_file, "w") as f:
            f.write(str((STALL_S + 10) * 1000))  # the service's clock: 130 s later
        status, h = wait_health(s.tg, lambda st, b: st == 503, "503 for the stalled sender")
        assert len(h["problems"]) == 1, h
        assert h["problems"][0].startswith("telegram: no message delivered for 1"), h
        assert h["problems"][0].endswith(" s while messages wait"), h
        assert h["senders"][TG]["stalled"] and h["senders"][TG]["in_flight"] == 1, h
        assert h["database"] == "ok", h
        assert 'tipgate_sender_stalled{platform="telegram"} 1' in metrics(s.tg).splitlines()
        # Telegram answers again: the request on the wire is dropped and sent again.
        s.fake.clear_faults()
        s.fake.stop()
        s.fake.start()
        apitest.wait_replies(s.fake, 1001, 1, timeout=30)
        wait_health(s.tg, healthy, "healthy once the reply is delivered")
        s.tg.assert_clean_exit()
    os.remove(clock_file)
    os.rmdir(clock)


if __name__ == "__main__":
    tglib.main(globals())
