"""The Telegram adapter against a fake Bot API (fakebot.FakeTelegram): commands in private
chats and groups, the getUpdates offset across restarts, duplicates, the platform's rate limits
and 429s, reply priority and per-chat order, blocked / unknown / migrated chats, webhook mode
and switching back to polling, conflicts, outages and garbage answers, idle CPU, long texts,
callback queries, membership and media updates, crash safety, and SIGTERM and token hygiene."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
from apitest import q, q1  # noqa: E402

TEXTS = apitest.TEXTS
TG = "telegram"
SECRET = "s3cret_Tipgate-42"


def unknown(cmd):
    return TEXTS["unknown_command"].replace("{command}", cmd)


def webhook_options(tg):
    return {"mode": "webhook", "webhook_url": "http://127.0.0.1:%d/webhook/telegram" % tg.port,
            "webhook_secret": SECRET}


# ---- commands --------------------------------------------------------------------------

def test_private_start_welcome_and_only_addressed_group_commands_answered():
    with apitest.Setup(TG) as s:
        s.tg.start()
        s.fake.push_message(1001, "/start")
        s.fake.push_message(-5001, "/help@TipgateTestBot")
        s.fake.push_message(-5001, "/help@OtherBot")
        s.fake.push_message(-5001, "chào cả nhà, tối nay họp tổ dân phố")
        s.fake.push_message(-5001, "/lenhkhac")
        apitest.wait_settled(s.tg, TG, inbox=5)
        assert apitest.sent_to(s.fake, 1001) == [TEXTS["welcome"]]
        # the group is not bound to an area: its first ordinary message gets the one hint
        assert apitest.sent_to(s.fake, -5001) == [TEXTS["help"], TEXTS["group_unbound_hint"]]
        assert len(s.fake.sent) == 3, [(m["chat_id"], m["text"][:40]) for m in s.fake.sent]
        s.tg.assert_clean_exit()


# ---- offsets and duplicates ------------------------------------------------------------

def test_offset_survives_restart_each_update_answered_once():
    with apitest.Setup(TG) as s:
        s.tg.start()
        first = [s.fake.push_message(2001, "/lenh%d" % i) for i in range(3)]
        apitest.wait_replies(s.fake, 2001, 3)
        apitest.wait_settled(s.tg, TG, inbox=3)
        s.tg.assert_clean_exit()
        stored = q1(s.tg, "SELECT value FROM platform_state WHERE platform = 'telegram'"
                          " AND key = 'offset'")
        assert stored == str(first[-1] + 1), (stored, first)

        later = [s.fake.push_message(2001, "/lenh%d" % i) for i in range(3, 6)]
        assert later[0] == first[-1] + 1
        seen_before = len(s.fake.offsets_seen)
        s.tg.start()
        texts = apitest.wait_replies(s.fake, 2001, 6)
        apitest.wait_settled(s.tg, TG, inbox=6)
        assert texts == [unknown("/lenh%d" % i) for i in range(6)], texts
        assert s.fake.offsets_seen[seen_before] == first[-1] + 1, s.fake.offsets_seen
        s.fake.wait_until(lambda: not s.fake._queue, timeout=5)  # all confirmed
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 6
        s.tg.assert_clean_exit()
        assert apitest.sent_to(s.fake, 2001) == texts  # nothing more went out


def test_duplicate_update_id_produces_one_reply():
    with apitest.Setup(TG) as s:
        dup = {"update_id": 600000001, "message": {
            "message_id": 77, "date": int(time.time()), "text": "/start",
            "from": {"id": 3001, "is_bot": False, "first_name": "Hoa"},
            "chat": {"id": 3001, "type": "private", "first_name": "Hoa"},
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}}
        s.fake.push_update(dup)
        s.fake.push_update(dup)
        s.fake.push_message(3001, "/help")
        s.tg.start()
        texts = apitest.wait_replies(s.fake, 3001, 2)
        apitest.wait_settled(s.tg, TG, inbox=2)
        first_batch = [c for c in s.fake.calls_of("getUpdates") if c["status"] == 200 and
                       c["response"]["result"]][0]["response"]["result"]
        assert [u["update_id"] for u in first_batch][:2] == [600000001, 600000001]
        assert texts == [TEXTS["welcome"], TEXTS["help"]], texts
        assert q1(s.tg, "SELECT count(*) FROM inbox WHERE update_key = '600000001'") == 1
        s.tg.assert_clean_exit()


# ---- limits, priority and order ---------------------------------------------------------

def test_429_retry_after_is_honoured_and_replies_stay_in_order():
    with apitest.Setup(TG, rate_limit={"per_chat_per_sec": 0}) as s:
        s.fake.rate_limits(per_chat_per_sec=1, retry_after=2, per_chat_burst=1)
        s.tg.start()
        cmds = ["/mot", "/hai", "/ba"]
        for c in cmds:
            s.fake.push_message(4001, c)
        texts = apitest.wait_replies(s.fake, 4001, 3, timeout=20)
        assert texts == [unknown(c) for c in cmds], texts
        assert s.fake.throttled >= 1, "the fake never throttled: the test proves nothing"
        calls = apitest.calls_to(s.fake, "sendMessage", 4001)
        for a, b in zip(calls, calls[1:]):
            if a["status"] == 429:
                assert b["time"] - a["time"] >= 2 - 0.05, (
                    "retried %.3f s after a 429 with retry_after 2" % (b["time"] - a["time"]))
        s.tg.assert_clean_exit()


def test_bulk_burst_within_default_limits_gets_no_429():
    with apitest.Setup(TG) as s:
        apitest.migrate(s.tg)
        group = "-1001234500001"
        now = int(time.time() * 1000)
        apitest.execute(s.tg, "INSERT INTO chats (platform, chat_id, kind, title, created_at,"
                              " updated_at) VALUES ('telegram', ?, 'group', 'Tổ 7', ?, ?)",
                        [(group, now, now)])
        rows = [(500000 + i, "Thông báo %d" % i, 3) for i in range(80)]
        rows += [(group, "Thông báo nhóm %d" % i, 3) for i in range(5)]
        apitest.insert_outbox(s.tg, TG, rows)
        s.fake.mark_group(group)
        s.fake.rate_limits(global_per_sec=30, per_chat_per_sec=1, per_group_per_min=20)
        s.tg.start()
        s.fake.wait_sent(85, timeout=30)
        with s.fake.cond:
            t0 = s.fake.sent[0]["time"]
            refused = ["%.3f s %s" % (c["time"] - t0, c["params"]["chat_id"])
                       for c in s.fake.calls if c["status"] == 429]
        assert s.fake.throttled == 0, (
            "%d sends got 429 (%d to the group, %d to private chats): %s" % (
                s.fake.throttled, sum(1 for r in refused if r.endswith(group)),
                sum(1 for r in refused if not r.endswith(group)), ", ".join(refused)))
        assert apitest.sent_to(s.fake, group) == ["Thông báo nhóm %d" % i for i in range(5)]
        s.tg.assert_clean_exit()


def test_reply_overtakes_queued_bulk_messages():
    with apitest.Setup(TG, rate_limit={"global_per_sec": 5}) as s:
        apitest.migrate(s.tg)
        apitest.insert_outbox(s.tg, TG, [(600000 + i, "Tin hàng loạt %d" % i, 3)
                                         for i in range(60)])
        s.fake.push_message(6001, "/start")
        s.tg.start()
        apitest.wait_replies(s.fake, 6001, 1, timeout=15)
        with s.fake.cond:
            order = [m["chat_id"] for m in s.fake.sent]
        pos = order.index("6001")
        assert pos < 15, "the welcome went out as message %d of %d" % (pos + 1, len(order))
        left = q1(s.tg, "SELECT count(*) FROM outbox WHERE priority = 3 AND status != 'sent'")
        assert left >= 30, "only %d bulk messages were still queued" % left
        s.tg.assert_clean_exit()


def test_one_chat_keeps_insertion_order_whatever_the_priority():
    with apitest.Setup(TG) as s:
        apitest.migrate(s.tg)
        apitest.insert_outbox(s.tg, TG, [(7001, "thứ nhất (ưu tiên 3)", 3),
                                         (7001, "thứ hai (ưu tiên 1)", 1),
                                         (7001, "thứ ba (ưu tiên 2)", 2)])
        s.tg.start()
        texts = apitest.wait_replies(s.fake, 7001, 3, timeout=15)
        assert texts == ["thứ nhất (ưu tiên 3)", "thứ hai (ưu tiên 1)", "thứ ba (ưu tiên 2)"]
        s.tg.assert_clean_exit()


# ---- chats that cannot be reached -------------------------------------------------------

def test_blocked_user_marked_unreachable_and_not_sent_to_again():
    with apitest.Setup(TG) as s:
        s.fake.blocked.add("8001")
        s.tg.start()
        s.fake.push_message(8001, "/start")
        rows = apitest.wait_db(s.tg, "SELECT status, last_error FROM outbox WHERE chat_id ="
                                     " '8001'", lambda r: r and r[0][0] == "failed")
        assert "blocked" in rows[0][1], rows
        assert q(s.tg, "SELECT kind, reachable FROM chats WHERE chat_id = '8001'") == [
            ("private", 0)]
        assert q(s.tg, "SELECT display_name, reachable FROM people WHERE platform_user_id ="
                       " '8001'") == [("Lan", 0)]
        assert len(apitest.calls_to(s.fake, "sendMessage", 8001)) == 1
        # A later message to that chat (a notice) is not attempted.
        apitest.insert_outbox(s.tg, TG, [(8001, "Thông báo mới", 3)])
        apitest.wait_db(s.tg, "SELECT status FROM outbox WHERE text = 'Thông báo mới'",
                        lambda r: r == [("failed",)])
        assert len(apitest.calls_to(s.fake, "sendMessage", 8001)) == 1
        assert "cannot be reached" in s.tg.read_logs()
        s.tg.assert_clean_exit()


def test_group_migration_service_message_renames_the_chat():
    with apitest.Setup(TG) as s:
        s.tg.start()
        s.fake.push_message(-9001, "/help", title="Tổ dân phố 3")
        apitest.wait_replies(s.fake, -9001, 1)
        apitest.wait_settled(s.tg, TG, inbox=1)
        (row_id,) = q(s.tg, "SELECT id FROM chats WHERE chat_id = '-9001'")[0]
        s.fake.push_migration(-9001, -1009001)
        s.fake.push_message(-1009001, "/help", title="Tổ dân phố 3")
        apitest.wait_replies(s.fake, -1009001, 1)
        apitest.wait_settled(s.tg, TG, inbox=3)
        chats = q(s.tg, "SELECT id, chat_id, kind FROM chats WHERE chat_id IN"
                        " ('-9001', '-1009001') ORDER BY id")
        assert chats == [(row_id, "-1009001", "group")], chats
        s.tg.assert_clean_exit()


def test_send_to_migrated_group_is_resent_to_the_new_id():
    with apitest.Setup(TG) as s:
        apitest.migrate(s.tg)
        now = int(time.time() * 1000)
        apitest.execute(s.tg, "INSERT INTO chats (platform, chat_id, kind, title, created_at,"
                              " updated_at) VALUES ('telegram', '-9002', 'group', 'Thôn 2', ?, ?)",
                        [(now, now)])
        apitest.insert_outbox(s.tg, TG, [(-9002, "Lịch trực tuần này", 2)])
        with s.fake.cond:  # upgraded while tipgate was away; it learns it from the 400
            s.fake.migrated["-9002"] = -1009002
            s.fake.groups.add("-1009002")
        s.tg.start()
        assert apitest.wait_replies(s.fake, -1009002, 1) == ["Lịch trực tuần này"]
        first = apitest.calls_to(s.fake, "sendMessage")[0]
        assert first["params"]["chat_id"] == -9002 and first["status"] == 400, first
        apitest.wait_db(s.tg, "SELECT chat_id, status FROM outbox",
                        lambda r: r == [("-1009002", "sent")])
        assert q(s.tg, "SELECT chat_id FROM chats") == [("-1009002",)]
        s.tg.assert_clean_exit()


def test_chat_not_found_fails_once_without_retry():
    with apitest.Setup(TG) as s:
        s.fake.unknown_chats.add("9101")
        s.tg.start()
        s.fake.push_message(9101, "/start")
        rows = apitest.wait_db(s.tg, "SELECT status, attempts, last_error FROM outbox",
                               lambda r: r and r[0][0] == "failed")
        assert "chat not found" in rows[0][2] and rows[0][1] == 1, rows
        apitest.wait_settled(s.tg, TG, inbox=1)
        assert len(apitest.calls_to(s.fake, "sendMessage", 9101)) == 1
        assert apitest.log_lines(s.tg, "9101", "chat not found"), s.tg.read_logs()
        s.tg.assert_clean_exit()


# ---- webhook mode ------------------------------------------------------------------------

def test_webhook_mode_sets_webhook_and_answers_deliveries():
    with apitest.Setup(TG) as s:
        s.rewrite_config(**webhook_options(s.tg))
        s.tg.start()
        call = s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        assert call["params"]["url"] == "http://127.0.0.1:%d/webhook/telegram" % s.tg.port
        assert call["params"]["secret_token"] == SECRET
        s.fake.push_message(1101, "/start")
        s.fake.wait_until(lambda: s.fake.webhook_deliveries, timeout=10)
        status = s.fake.webhook_deliveries[0][1]
        assert status == 200, "the platform's POST to /webhook/telegram was answered %s" % status
        assert apitest.wait_replies(s.fake, 1101, 1) == [TEXTS["welcome"]]
        assert not s.fake.calls_of("getUpdates")
        s.tg.assert_clean_exit()


def webhook_post(s, body, secret):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return apitest.post(s.tg.url("/webhook/telegram"), body, headers)[0]


def a_start_update(update_id, chat):
    return {"update_id": update_id, "message": {
        "message_id": update_id % 1000, "date": int(time.time()), "text": "/start",
        "from": {"id": chat, "is_bot": False, "first_name": "Lan"},
        "chat": {"id": chat, "type": "private", "first_name": "Lan"},
        "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}}


def test_webhook_refuses_wrong_or_missing_secret():
    with apitest.Setup(TG) as s:
        s.rewrite_config(**webhook_options(s.tg))
        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        for secret in ("wrong_secret", None, SECRET + "x", SECRET[:-1]):
            st = webhook_post(s, a_start_update(700000001, 1102), secret)
            assert st == 401, "POST /webhook/telegram with secret %r answered %s" % (secret, st)
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 0
        st = webhook_post(s, a_start_update(700000002, 1102), SECRET)  # the control
        assert st == 200, "POST /webhook/telegram with the right secret answered %s" % st
        assert apitest.wait_replies(s.fake, 1102, 1) == [TEXTS["welcome"]]
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 1
        s.tg.assert_clean_exit()


def test_webhook_refuses_oversized_and_malformed_bodies():
    with apitest.Setup(TG, config={"http": {"max_body_bytes": 2048}}) as s:
        s.rewrite_config(**webhook_options(s.tg))
        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        big = a_start_update(700000003, 1103)
        big["message"]["text"] = "/start " + "x" * 3000
        st = webhook_post(s, big, SECRET)
        assert st == 413, "a 3 kB body (limit 2048) answered %s" % st
        st = webhook_post(s, b'{"update_id": 700000004, "message": {"text": "/st', SECRET)
        assert st == 400, "malformed JSON answered %s" % st
        st = webhook_post(s, b'[1, 2, 3]', SECRET)
        assert st == 400, "a JSON array answered %s" % st
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 0
        assert not s.fake.sent
        s.tg.assert_clean_exit()


def test_switch_from_webhook_to_polling_keeps_pending_updates():
    with apitest.Setup(TG) as s:
        s.rewrite_config(**webhook_options(s.tg))
        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        s.tg.assert_clean_exit()

        s.fake.webhook_retry_delay = 30.0  # the webhook is unreachable meanwhile
        s.fake.push_message(1201, "/help")
        s.fake.push_message(1202, "/start")
        s.rewrite_config(mode="polling", webhook_url=None, webhook_secret=None)
        mark = len(s.fake.calls)
        s.tg.start()
        assert apitest.wait_replies(s.fake, 1201, 1) == [TEXTS["help"]]
        assert apitest.wait_replies(s.fake, 1202, 1) == [TEXTS["welcome"]]
        with s.fake.cond:
            after = s.fake.calls[mark:]
        names = [c["method"] for c in after]
        assert "deleteWebhook" in names, names
        d = names.index("deleteWebhook")
        assert str(after[d]["params"].get("drop_pending_updates", False)).lower() in (
            "false", "0"), after[d]["params"]
        assert "getUpdates" in names[d:] and "getUpdates" not in names[:d], names
        assert s.fake.webhook_url is None
        s.tg.assert_clean_exit()


# ---- trouble on the platform's side -------------------------------------------------------

def test_conflict_409_is_explained_and_backed_off():
    with apitest.Setup(TG) as s:
        s.tg.start()
        s.fake.wait_count("getUpdates", 1)
        st, r = apitest.api(s.fake, "setWebhook", {"url": "https://other.example/hook"})
        assert st == 200, r
        t0 = time.monotonic()
        s.fake.wait_for(lambda c: c["method"] == "getUpdates" and c["status"] == 409)
        time.sleep(max(0.0, 5.0 - (time.monotonic() - t0)))
        n = apitest.call_count_between(s.fake, "getUpdates", t0, time.monotonic())
        assert 1 <= n <= 5, "%d getUpdates calls in 5 s of conflict" % n
        # "409" alone also matches a timestamp's milliseconds ("…08.409Z") on other lines.
        lines = apitest.log_lines(s.tg, "getUpdates", "409", "webhook is set")
        assert lines and "webhook is set" in lines[0] and "another program" in lines[0], lines
        s.tg.assert_clean_exit()


def test_outage_and_garbage_answers_recover_without_spinning():
    with apitest.Setup(TG, max_attempts=20) as s:
        s.tg.start()
        s.fake.push_message(1401, "/start")
        apitest.wait_replies(s.fake, 1401, 1)
        apitest.wait_poll_held(s.fake)

        # The platform goes down: 502 with an HTML page to every new request.
        s.fake.set_down(True)
        t0 = time.monotonic()
        s.fake.push_message(1402, "/mot")   # the poll in flight still brings this one
        s.fake.wait_for(lambda c: c["method"] == "sendMessage" and c["status"] == 502)
        s.fake.push_message(1403, "/hai")   # this one waits on the platform
        time.sleep(max(0.0, 3.0 - (time.monotonic() - t0)))
        t1 = time.monotonic()
        polls = apitest.call_count_between(s.fake, "getUpdates", t0, t1)
        sends = apitest.call_count_between(s.fake, "sendMessage", t0, t1)
        assert polls <= 5 and sends <= 5, (polls, sends)
        s.fake.set_down(False)
        assert apitest.wait_replies(s.fake, 1402, 1, timeout=20) == [unknown("/mot")]
        assert apitest.wait_replies(s.fake, 1403, 1, timeout=20) == [unknown("/hai")]

        # Garbage instead of the API's JSON, on polls and on sends.
        s.fake.fail_next(1, "html", "getUpdates")
        s.fake.fail_next(1, "close", "getUpdates")
        for kind in ("truncated", "empty", "garbage"):
            s.fake.fail_next(1, kind, "sendMessage")
        for chat in (1404, 1405, 1406):
            s.fake.push_message(chat, "/ba")
        for chat in (1404, 1405, 1406):
            assert apitest.wait_replies(s.fake, chat, 1, timeout=25) == [unknown("/ba")]
        faults = [c["fault"] for c in s.fake.calls if c["fault"]]
        assert {"html", "close", "truncated", "empty", "garbage"} <= set(faults), faults
        apitest.wait_settled(s.tg, TG, inbox=6)
        assert q1(s.tg, "SELECT count(*) FROM outbox WHERE status != 'sent'") == 0
        for chat in (1401, 1402, 1403, 1404, 1405, 1406):
            assert len(apitest.sent_to(s.fake, chat)) == 1, chat
        s.tg.assert_clean_exit()


def test_idle_polling_does_not_spin():
    with apitest.Setup(TG) as s:
        s.fake.instant_empty = True
        s.tg.start()
        s.fake.wait_count("getUpdates", 1)
        time.sleep(0.5)
        pid = s.tg.proc.pid
        c0, t0 = apitest.cpu_seconds(pid), time.monotonic()
        time.sleep(4.0)
        c1, t1 = apitest.cpu_seconds(pid), time.monotonic()
        n = apitest.call_count_between(s.fake, "getUpdates", t0, t1)
        assert n <= 6, "%d getUpdates calls in %.1f s of instant empty answers" % (n, t1 - t0)
        assert c1 - c0 < 0.5, "%.2f s of CPU in %.1f s idle" % (c1 - c0, t1 - t0)
        s.tg.assert_clean_exit()


# ---- message content ---------------------------------------------------------------------

def long_help():
    """About 6000 UTF-16 units in 12 paragraphs, with emoji (two units each)."""
    lines = []
    for i in range(12):
        if i:
            lines.append("")
        lines.append("🚨 Đoạn %d: " % (i + 1) + " ".join(
            "Người dân báo tin về hành vi vi phạm pháp luật tại địa phương %d-%d." % (i, k)
            for k in range(7)))
    return lines


def utf16_units(s):
    return len(s.encode("utf-16-le")) // 2


def test_long_reply_split_at_paragraphs_within_4096_units():
    with apitest.Setup(TG) as s:
        lines = long_help()
        original = "\n".join(lines)
        assert utf16_units(original) > 4096 and len(original.encode()) < 16000
        s.rewrite_config(top={"messages": apitest.messages_file(s.tg.dir, help=lines)})
        s.tg.start()
        s.fake.push_message(1601, "/help")
        apitest.wait_settled(s.tg, TG, inbox=1)
        parts = apitest.sent_to(s.fake, 1601)
        assert len(parts) >= 2, [len(p) for p in parts]
        assert all(1 <= utf16_units(p) <= 4096 for p in parts), [utf16_units(p) for p in parts]
        assert "\n\n".join(parts) == original
        paragraphs = original.split("\n\n")
        at = 0
        for p in parts:  # every part is whole paragraphs, in order
            n = len(p.split("\n\n"))
            assert p.split("\n\n") == paragraphs[at:at + n], p[:80]
            at += n
        s.tg.assert_clean_exit()


def test_callback_query_with_unknown_token_is_answered():
    with apitest.Setup(TG) as s:
        s.tg.start()
        s.fake.push_callback(1701, 1701, "cb-khong-co-that")
        cb_id = s.fake.callback_ids[-1]
        call = s.fake.wait_for(lambda c: c["method"] == "answerCallbackQuery")
        assert str(call["params"]["callback_query_id"]) == cb_id
        s.fake.wait_until(lambda: cb_id in s.fake.answered_callbacks)
        apitest.wait_settled(s.tg, TG, inbox=1)
        row = json.loads(q1(s.tg, "SELECT message FROM inbox"))
        assert row["kind"] == "callback" and row.get("callback_data", "") == "", row
        s.tg.assert_clean_exit()


def test_bot_membership_changes_are_recorded():
    with apitest.Setup(TG) as s:
        s.tg.start()
        s.fake.push_my_chat_member(-1702, "Tổ dân phố 5", "left", "member")
        apitest.wait_db(s.tg, "SELECT bot_status, reachable, kind FROM chats WHERE chat_id ="
                              " '-1702'", lambda r: r == [("member", 1, "group")])
        # the hint reaches the group before the bot is removed (else it is rightly never sent)
        assert apitest.wait_replies(s.fake, -1702, 1) == [TEXTS["group_unbound_hint"]]
        s.fake.push_my_chat_member(-1702, "Tổ dân phố 5", "member", "kicked")
        apitest.wait_db(s.tg, "SELECT bot_status, reachable FROM chats WHERE chat_id ="
                              " '-1702'", lambda r: r == [("kicked", 0)])
        # added to an unbound group: the one short explanation; removed: nothing more
        assert [(m["chat_id"], m["text"]) for m in s.fake.sent] == [
            ("-1702", TEXTS["group_unbound_hint"])]
        s.tg.assert_clean_exit()


def test_photo_location_and_contact_are_normalised():
    with apitest.Setup(TG) as s:
        s.tg.start()
        photo = s.fake.push_photo(1703, ["anh-nho", "anh-vua", "anh-lon"])
        loc = s.fake.push_location(1703, 21.028511, 105.804817)
        contact = s.fake.push_contact(1703, "+84901234567", "Lan")
        apitest.wait_settled(s.tg, TG, inbox=3)
        msgs = {k: json.loads(m) for k, m in q(s.tg, "SELECT update_key, message FROM inbox")}
        assert msgs[str(photo)]["attachments"] == [{"kind": "photo", "ref": "anh-lon"}]
        assert msgs[str(loc)]["location"] == {"latitude": 21.028511, "longitude": 105.804817}
        assert msgs[str(contact)]["contact_phone"] == "+84901234567"
        assert apitest.sent_to(s.fake, 1703)[0] == TEXTS["non_text"]
        s.tg.assert_clean_exit()


# ---- the process -------------------------------------------------------------------------

def test_sigkill_with_replies_pending_delivers_each_once_after_restart():
    with apitest.Setup(TG, max_attempts=20) as s:
        s.fake.fail_next(10000, "http502", "sendMessage")  # nothing is accepted before the kill
        s.tg.start()
        chats = (1801, 1802, 1803)
        for i in range(4):
            for chat in chats:
                s.fake.push_message(chat, "/lenh%d" % i)
        apitest.wait_db(s.tg, "SELECT count(*), sum(last_error IS NOT NULL) FROM outbox",
                        lambda r: r[0][0] == 12 and r[0][1] >= 1)
        s.tg.kill()
        assert not s.fake.sent
        s.fake.clear_faults()
        s.tg.start()
        s.fake.wait_sent(12, timeout=30)
        apitest.wait_settled(s.tg, TG, inbox=12)
        for chat in chats:
            assert apitest.sent_to(s.fake, chat) == [unknown("/lenh%d" % i) for i in range(4)]
        s.tg.assert_clean_exit()


def test_database_read_by_another_process_loses_nothing():
    """An operator's `sqlite3 tipgate.db "SELECT …"` (or `tipgate chat` beside `serve`) opens
    and closes a connection while tipgate runs. That must not cost tipgate any committed update:
    after a SIGKILL every update it acknowledged to Telegram is still in the inbox."""
    with apitest.Setup(TG) as s:
        s.tg.start()
        s.fake.push_message(2101, "/start")
        apitest.wait_replies(s.fake, 2101, 1)
        con = s.tg.db()  # another process's short-lived connection
        con.execute("SELECT count(*) FROM inbox").fetchone()
        con.close()
        s.fake.push_message(2101, "/help")
        apitest.wait_replies(s.fake, 2101, 2)
        s.fake.wait_until(lambda: len(s.fake.offsets_seen) >= 2)  # /help confirmed to Telegram
        wal = os.path.exists(s.tg.db_path + "-wal")
        s.tg.kill()
        con = s.tg.db()
        keys = [r[0] for r in con.execute("SELECT update_key FROM inbox ORDER BY id")]
        con.close()
        assert len(keys) == 2, (
            "after SIGKILL the inbox has %d of the 2 acknowledged updates (the -wal file %s "
            "while tipgate was running)" % (len(keys), "existed" if wal else "was gone"))


def test_sigterm_during_long_poll_and_token_never_logged():
    with apitest.Setup(TG) as s:
        s.tg.start()
        s.fake.push_message(1901, "/start")
        apitest.wait_replies(s.fake, 1901, 1)
        apitest.wait_poll_held(s.fake)
        time.sleep(0.2)
        took = s.tg.assert_clean_exit()
        assert took < 5, "stopping took %.1f s" % took
        logs = s.tg.read_logs()
        assert "DEBUG" in logs or "INFO" in logs
        for secret in (s.fake.token, s.fake.token.split(":", 1)[1]):
            assert secret not in logs, "the token is in the log"

    with apitest.Setup(TG, token="123456789:AAwrong-token-for-the-test") as s:
        s.tg.start()
        s.fake.wait_for(lambda c: c["status"] == 401)
        apitest.wait_until(lambda: apitest.log_lines(s.tg, "platforms.telegram.token"),
                           what="a log line naming platforms.telegram.token")
        took = s.tg.assert_clean_exit()
        assert took < 5, "stopping took %.1f s" % took
        logs = s.tg.read_logs()
        for secret in ("123456789:AAwrong-token-for-the-test", "AAwrong-token-for-the-test",
                       s.fake.token):
            assert secret not in logs, "the token is in the log:\n" + logs


if __name__ == "__main__":
    tglib.main(globals())
