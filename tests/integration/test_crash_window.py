"""A crash while sending, as a resident would notice it: against a Telegram far away (every
send delivered at once, its answer 100 ms later) with Telegram's limits, tipgate keeps only a few
messages on the wire — paced, not its whole 30/s quota at once — and, killed with SIGKILL three
times while thirty chats each wait for eight messages, loses none, repeats only messages it
had on the wire when killed, never more than one per chat per kill, and keeps each chat's order.
The figures for ten kills at 200 ms are bench/crash_window.py's."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402

TG = "telegram"
LIMITS = {"global_per_sec": 30, "per_chat_per_sec": 1, "per_group_per_min": 20}
CHATS, EACH, KILL_AT = 30, 8, (40, 100, 160)


def deliveries(fake, prefix):
    with fake.cond:
        return [(s["chat_id"], s["text"]) for s in fake.sent if s["text"].startswith(prefix)]


def test_kills_mid_send_lose_nothing_and_repeat_at_most_one_per_chat_per_kill():
    fake = fakebot.FakeTelegram()
    fake.answer_delay = 0.1
    with apitest.Setup(TG, fake=fake, config={"log": {"level": "info"}},
                       rate_limit=LIMITS) as s:
        s.tg.start()
        # 150 chats with one message each, due at once: they leave paced, a few on the wire
        # at a time (before: a burst of 30, all on the wire together)
        apitest.insert_outbox(s.tg, TG, [(800000 + i, "Nhịp %d" % i, 3) for i in range(150)])
        apitest.wait_until(lambda: len(deliveries(fake, "Nhịp")) >= 150, timeout=60,
                           what="150 paced deliveries")
        apitest.wait_settled(s.tg, TG)
        assert fake.max_on_wire <= 15, fake.max_on_wire

        # thirty chats, eight messages each; killed three times while they go
        rows = [(900000 + c, "Tin %d/%d" % (k + 1, EACH), 3)
                for k in range(EACH) for c in range(CHATS)]
        apitest.insert_outbox(s.tg, TG, rows)
        on_wire_at_kill = []
        for n in KILL_AT:
            apitest.wait_until(lambda: len(deliveries(fake, "Tin ")) >= n, timeout=60,
                               what="%d deliveries" % n)
            s.tg.kill()
            apitest.close_connection(s.tg)
            on_wire_at_kill.append(apitest.q(s.tg, "SELECT chat_id, text FROM outbox "
                                                   "WHERE status = 'sending'"))
            s.tg.start()
        apitest.wait_until(lambda: len({d for d in deliveries(fake, "Tin ")}) >= CHATS * EACH,
                           timeout=90, what="every message delivered")
        apitest.wait_settled(s.tg, TG, timeout=30)
        got = deliveries(fake, "Tin ")
        s.tg.assert_clean_exit()

    # nothing lost
    assert {(c, t) for c, t in got} == {(str(c), t) for c, t, _ in rows}
    for sending in on_wire_at_kill:
        chats = [c for c, _ in sending]
        assert len(chats) == len(set(chats)), sending  # one per chat on the wire
    # a repeat is a message the killed process had on the wire; each at most once per kill
    extra = {}
    for d in got:
        extra[d] = extra.get(d, 0) + 1
    for (c, t), k in extra.items():
        if k > 1:
            kills = sum(1 for sending in on_wire_at_kill if (c, t) in sending)
            assert k - 1 <= kills, ((c, t), k, kills)
    # each chat's messages in order (a repeat comes right after itself)
    for c in range(CHATS):
        texts = [t for ch, t in got if ch == str(900000 + c)]
        dedup = [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]
        assert dedup == ["Tin %d/%d" % (k + 1, EACH) for k in range(EACH)], texts


if __name__ == "__main__":
    tglib.main(globals())
