"""Telegram's update ids after a quiet week (fakebot.FakeTelegram.jump_update_ids): the Bot API
chooses the next update_id at random after a week without updates, so it can be lower than the
offset tipgate stored and equal to ids already in its inbox. The offset must follow the last
returned id, the batch must be taken as new (not dropped as a duplicate, not fetched again and
again), and webhook retries must still be answered once."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
from apitest import q, q1  # noqa: E402

TEXTS = apitest.TEXTS
TG = "telegram"
SECRET = "s3cret_Tipgate-ids"
ALICE, BINH = 2101, 2102
WEEK_MS = 8 * 24 * 3600 * 1000  # a little more than the week Telegram waits before new ids


def unknown(cmd):
    return TEXTS["unknown_command"].replace("{command}", cmd)


def test_polling_after_ids_restart_lower_takes_the_batch_as_new_and_confirms_it():
    with apitest.Setup(TG) as s:
        s.tg.start()
        old = [s.fake.push_message(ALICE, "/lenh%d" % i) for i in range(5)]
        assert apitest.wait_replies(s.fake, ALICE, 5) == [unknown("/lenh%d" % i)
                                                         for i in range(5)]
        apitest.wait_poll_held(s.fake)  # all five confirmed: the stored offset is old[-1] + 1

        # A quiet week later the ids start again below the stored offset, on ids tipgate has
        # already stored.
        s.fake.jump_update_ids(old[0])
        new = [s.fake.push_message(BINH, "/start"), s.fake.push_message(BINH, "/help")]
        assert new == old[:2], (old, new)
        assert apitest.wait_replies(s.fake, BINH, 2) == [TEXTS["welcome"], TEXTS["help"]]
        # Confirmed with the last returned id + 1, so the batch is not served again.
        s.fake.wait_until(lambda: not s.fake._queue and new[-1] + 1 in s.fake.offsets_seen)
        apitest.wait_poll_held(s.fake)
        assert s.fake.offsets_seen[-1] == new[-1] + 1, s.fake.offsets_seen[-5:]
        apitest.wait_settled(s.tg, TG, inbox=7)
        assert len(apitest.sent_to(s.fake, BINH)) == 2
        assert q1(s.tg, "SELECT value FROM platform_state WHERE platform = 'telegram' "
                        "AND key = 'offset'") == str(new[-1] + 1)
        s.tg.assert_clean_exit()

        # After a restart the new run of ids goes on, still over ids stored before the jump.
        s.tg.start()
        third = s.fake.push_message(BINH, "/lenh9")
        assert third == old[2]
        assert apitest.wait_replies(s.fake, BINH, 3)[2] == unknown("/lenh9")
        apitest.wait_poll_held(s.fake)
        apitest.wait_settled(s.tg, TG, inbox=8)
        assert len(apitest.sent_to(s.fake, ALICE)) == 5 and len(apitest.sent_to(s.fake, BINH)) == 3
        texts = [json.loads(m)["text"] for (m,) in q(s.tg, "SELECT message FROM inbox ORDER BY id")]
        assert texts == ["/lenh%d" % i for i in range(5)] + ["/start", "/help", "/lenh9"], texts
        s.tg.assert_clean_exit()


def webhook_config(s, clock_file):
    s.rewrite_config(mode="webhook", webhook_secret=SECRET,
                     webhook_url="http://127.0.0.1:%d/webhook/telegram" % s.tg.port)
    s.tg.env["TIPGATE_CLOCK_FILE"] = clock_file


def set_clock(path, offset_ms):
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % offset_ms)
    os.replace(path + ".tmp", path)


def test_webhook_retries_answered_once_and_ids_after_a_quiet_week_are_new():
    with apitest.Setup(TG) as s:
        clock = os.path.join(s.tg.dir, "clock-offset")
        set_clock(clock, 0)
        webhook_config(s, clock)
        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        s.fake.redeliver_next(1)  # Telegram delivers the first update twice (a retry)
        a = s.fake.push_message(ALICE, "/start")
        s.fake.push_message(ALICE, "/help")
        assert apitest.wait_replies(s.fake, ALICE, 2) == [TEXTS["welcome"], TEXTS["help"]]
        s.fake.wait_until(lambda: len(s.fake.webhook_deliveries) >= 3 and not s.fake._queue)
        assert [k for k, st in s.fake.webhook_deliveries].count(a) == 2
        apitest.wait_settled(s.tg, TG, inbox=2)
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 2
        s.tg.assert_clean_exit()

        # A week without updates; then the ids restart on ones already stored, and the first
        # new update is delivered twice as well.
        set_clock(clock, WEEK_MS)
        s.tg.start()
        before = len(s.fake.webhook_deliveries)
        s.fake.jump_update_ids(a)
        s.fake.redeliver_next(1)
        b = s.fake.push_message(BINH, "/start")
        c = s.fake.push_message(BINH, "/lenh1")
        assert b == a and c == a + 1, (a, b, c)  # both ids are already in the inbox
        assert apitest.wait_replies(s.fake, BINH, 2) == [TEXTS["welcome"], unknown("/lenh1")]

        def delivered():
            return [k for k, st in s.fake.webhook_deliveries[before:] if st == 200]
        s.fake.wait_until(lambda: not s.fake._queue and delivered().count(c) == 1)
        assert delivered().count(b) == 2, s.fake.webhook_deliveries  # the retry too
        apitest.wait_settled(s.tg, TG, inbox=4)
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 4
        assert len(apitest.sent_to(s.fake, ALICE)) == 2 and len(apitest.sent_to(s.fake, BINH)) == 2
        s.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
