"""Retention (README "Retention"), on the real binary with a fake Telegram and a moving clock:
after their periods, processed updates, sent messages, expired button payloads and unused web
chat identities are gone and the service still answers, while a platform's resend within the
kept window is still answered once; nothing a resident is owed — a reply waiting for a web
chat resident who went away, a campaign message — is pruned before it is delivered, however
old, and a campaign's report reads the same once its recipients are gone."""
import csv
import io
import json
import os
import re
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DAY, DESK_TDP5, T, codes_in  # noqa: E402

SECRET = "s3cret_Tipgate-retention"
RESIDENT, NEWCOMER, OFFICER = 700901, 700902, 700903
PASS = 11 * 60 * 1000  # longer than retention's pass period (RETENTION_PASS_MS)
HALF_YEAR = 181 * DAY  # past every default period: 30 days, and 180 for web chat identities
THEFT = "có kẻ trộm xe máy ở ngõ 4 tổ 5 tối qua"
CAMPAIGN = "Cảnh giác: đối tượng giả danh nhân viên điện lực gọi điện yêu cầu chuyển tiền."


def env():
    """tipstest's areas, desks and clock; Telegram by webhook (a resend within the receive
    epoch meets its stored key there: a poller that is handed an id below its offset takes it
    as a new run of ids), no awareness calendar (its days would reach the subscribers)."""
    e = tipstest.Env(extra={"campaigns": {"enabled": False}})
    with open(e.tg.config_path) as f:
        cfg = json.load(f)
    cfg["platforms"]["telegram"].update(
        mode="webhook", webhook_secret=SECRET,
        webhook_url="http://127.0.0.1:%d/webhook/telegram" % e.tg.port)
    with open(e.tg.config_path, "w") as f:
        json.dump(cfg, f, ensure_ascii=False)
    return e


def start(e):
    e.start()
    e.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)


def cli(e, *args):
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", e.tg.config_path],
                       capture_output=True, timeout=60, env=e.tg.env)
    assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p.stdout.decode()


def report(e, code):
    out = cli(e, "campaign", "report", "--code", code, "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(out)))
    return row


def left_from_before(e, before):
    """What is left of the rows retention prunes, among those written before `before`."""
    return e.q("SELECT (SELECT count(*) FROM inbox WHERE received_at < ?1),"
               " (SELECT count(*) FROM outbox WHERE status IN ('sent', 'failed') AND"
               "  dedupe_key IS NULL AND created_at < ?1),"
               " (SELECT count(*) FROM callback_payloads WHERE created_at < ?1),"
               " (SELECT count(*) FROM webchat_identities WHERE last_seen_at < ?1)", before)[0]


def wait_pruned(e, before, what):
    try:
        apitest.wait_until(lambda: left_from_before(e, before) == (0, 0, 0, 0), timeout=20,
                           what=what)
    except AssertionError:
        raise AssertionError("%s: left (inbox, outbox, buttons, identities) %r" % (
            what, left_from_before(e, before)))


def help_update(chat, message_id):
    """A private "/help" as Telegram sends it, kept to be sent again."""
    return {"message": {
        "message_id": message_id, "date": int(time.time()), "text": "/help",
        "from": {"id": chat, "is_bot": False, "first_name": "Lan", "language_code": "vi"},
        "chat": {"id": chat, "type": "private", "first_name": "Lan"},
        "entities": [{"offset": 0, "length": 5, "type": "bot_command"}]}}


def leave(u):
    """The browser goes away: a close frame, then reading until the server drops the
    connection, which it does once it has forgotten it (nothing more is delivered to it)."""
    u.ws.send_frame(0x8, struct.pack(">H", 1000))
    u.ws.sock.settimeout(10)
    try:
        while True:
            u.ws.recv_frame()
    except tglib.WebSocketClosed:
        pass
    u.ws.sock.close()


def web_file_tip(u, text):
    """/baotin <text> from a web chat resident; returns the tracking code."""
    since = u.send("/baotin " + text)
    head = T("tip_filed", code="XXXX")[:12]
    n = 1
    while True:  # u.wait raises when nothing more comes
        got = [m["text"] for m in u.wait(since, n)]
        if got[-1].startswith(head):
            return codes_in(got[-1])[0]
        n += 1


def test_pruned_database_dedupes_a_resend_and_forgets_what_is_past_its_period():
    with env() as e:
        start(e)
        # Half a year ago: a resident's tip (the desk's card carries buttons: payloads), and a
        # visitor of the web chat who never came back.
        code = e.file_tip(RESIDENT, THEFT)
        e.wait_desk(DESK_TDP5, code)
        visitor = e.web()
        assert visitor.ask("/start")[0]["text"] == T("welcome")
        leave(visitor)
        old_chat = e.q1("SELECT chat_id FROM webchat_identities")
        e.settled()
        assert all(n > 0 for n in left_from_before(e, e.now_ms())), left_from_before(
            e, e.now_ms())
        before = e.now_ms()

        e.set_clock(HALF_YEAR)
        # A newcomer's update now: its key is kept, and Telegram delivers it again
        update = help_update(NEWCOMER, 9001)
        first = e.fake.push_update(update)
        assert apitest.wait_replies(e.fake, NEWCOMER, 1) == [T("help")]
        wait_pruned(e, before, "the rows of half a year ago pruned")
        assert e.q1("SELECT count(*) FROM inbox WHERE chat_id = ?", str(NEWCOMER)) == 1

        e.fake.push_update(dict(update, update_id=first))
        e.fake.wait_until(lambda: [k for k, st in e.fake.webhook_deliveries
                                   if st == 200].count(first) == 2 and not e.fake._queue)
        e.settled()
        assert apitest.sent_to(e.fake, NEWCOMER) == [T("help")], "a resend answered twice"
        assert e.q1("SELECT count(*) FROM inbox WHERE chat_id = ?", str(NEWCOMER)) == 1

        # The service still answers everyone: the resident, whose tip is kept (tips have their
        # own retention), and the visitor, whose identity was pruned and is made again.
        since = e.say(RESIDENT, "/trangthai " + code)
        assert code in e.wait_new(RESIDENT, since)[0]
        assert e.tip(code)["description"] == THEFT
        assert e.q1("SELECT count(*) FROM webchat_identities") == 0
        assert e.q1("SELECT reachable FROM chats WHERE chat_id = ?", old_chat) == 0
        back = e.web(visitor.secret)
        assert back.history == [], back.history
        assert back.ask("/start")[0]["text"] == T("welcome")
        # its chat id is derived from its secret: the same chat, reachable again once it wrote
        assert e.q1("SELECT count(*) FROM webchat_identities") == 1
        assert e.q1("SELECT chat_id FROM webchat_identities") == old_chat
        assert e.q1("SELECT reachable FROM chats WHERE chat_id = ?", old_chat) == 1
        # one line for the pass, with counts
        apitest.wait_until(lambda: re.search(r"retention: pruned \d+ inbox rows, \d+ outbox "
                                             r"rows, \d+ button payloads, 1 web chat",
                                             e.tg.read_logs()), what="the pass's log line")
        e.stop()


def test_nothing_owed_is_pruned_before_it_is_delivered():
    with env() as e:
        start(e)
        e.officer(OFFICER)
        # A web chat resident subscribes, files a tip and goes away.
        u = e.web()
        assert u.ask("/dangkytin")[0]["text"] == T("sub_done")
        code = web_file_tip(u, THEFT)
        e.settled()
        leave(u)
        # While away: the police answer, and a campaign goes out.
        answer = "Cảm ơn bạn, Công an phường đã tiếp nhận và đang xác minh."
        e.desk_cmd(OFFICER, "/traloi %s %s" % (code, answer))
        cli(e, "campaign", "create", "--code", "RET", "--text", CAMPAIGN, "--audience",
            "residents", "--at", "now")
        apitest.wait_db(e.tg, "SELECT status FROM campaigns WHERE code = 'RET'",
                        lambda r: r == [("done",)], what="the campaign handed to the outbox")
        chat = e.q1("SELECT chat_id FROM webchat_identities")
        owed = e.q("SELECT id FROM outbox WHERE platform = 'webchat' AND chat_id = ? AND "
                   "status = 'queued' ORDER BY id", chat)
        assert len(owed) == 2, owed
        before = e.now_ms()

        # Half a year later, everything of then is pruned but what the resident is owed.
        e.set_clock(HALF_YEAR)
        apitest.wait_db(e.tg, "SELECT count(*) FROM outbox WHERE status = 'sent' AND "
                        "dedupe_key IS NULL AND created_at < ?", lambda r: r == [(0,)], before,
                        timeout=20, what="the messages sent half a year ago pruned")
        assert e.q("SELECT id FROM outbox WHERE platform = 'webchat' AND chat_id = ? AND "
                   "status = 'queued' ORDER BY id", chat) == owed
        assert e.q1("SELECT count(*) FROM webchat_identities WHERE chat_id = ?", chat) == 1
        assert e.q1("SELECT count(*) FROM campaign_recipients") == 1
        assert report(e, "RET")["in_progress"] == "1"

        # The resident comes back: both arrive.
        back = e.web(u.secret)
        got = [m["text"] for m in back.wait(0, 2, timeout=20)]
        assert any(answer in t for t in got), got
        assert any(t.startswith(CAMPAIGN) for t in got), got
        apitest.wait_db(e.tg, "SELECT count(*) FROM outbox WHERE chat_id = ? AND status = "
                        "'queued'", lambda r: r == [(0,)], chat, what="both delivered")
        row = report(e, "RET")
        assert (row["targeted"], row["sent"], row["in_progress"]) == ("1", "1", "0"), row

        # Past the campaign's report period its recipients go; its report stays.
        # A pass that began half a year in may have looked at the campaign while its message
        # was still owed; the next pass (10 minutes of the service's clock later) takes it.
        clock = HALF_YEAR + 91 * DAY
        e.set_clock(clock)
        deadline = time.monotonic() + 30
        while e.q1("SELECT count(*) FROM campaign_recipients") != 0:
            assert time.monotonic() < deadline, "the recipients were never pruned\n" + \
                e.tg.read_logs()[-3000:]
            clock += PASS
            e.set_clock(clock)
            time.sleep(1)
        assert e.q1("SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'campaign:%'") == 0
        row = report(e, "RET")
        assert (row["status"], row["targeted"], row["sent"], row["in_progress"],
                row["reach_pct"]) == ("done", "1", "1", "0", "100.0"), row
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
