"""Numbers a platform sends that no real update carries: update ids and dates near 2^63, negative
or non-numeric ids, chat ids beyond 52 bits, coordinates off the globe. tipgate, built with
ASan and UBSan, must neither overflow nor leak on any of them: the update is skipped (or its bad
field ignored), the updates around it are answered, polling goes on and the process exits
cleanly. The same inputs, fed to the parsers directly, are in tests/unit/test_platform_input.c."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
from apitest import q1  # noqa: E402

TEXTS = apitest.TEXTS
SECRET = "s3cret_Tipgate-numbers"
BIG = 2 ** 63 - 1


def assert_dates_plausible(s):
    """Every stored message has a date between 2020 and now (a bad one was replaced by the
    time it arrived)."""
    rows = apitest.q(s.tg, "SELECT update_key, json_extract(message, '$.date_ms') FROM inbox")
    now = int(time.time() * 1000)
    bad = [r for r in rows if not 1577836800000 <= r[1] <= now + 60000]
    assert not bad, bad


def tg_message(chat, text, **extra):
    m = {"message_id": 7, "date": int(time.time()), "text": text,
         "from": {"id": chat, "is_bot": False, "first_name": "Lan"},
         "chat": {"id": chat, "type": "private", "first_name": "Lan"}}
    m.update(extra)
    return m


def test_telegram_polling_survives_out_of_range_numbers():
    with apitest.Setup("telegram") as s:
        f = s.fake
        f.push_update({"update_id": BIG, "message": tg_message(2301, "/start")})
        f.push_update({"update_id": -5, "message": tg_message(2301, "/start")})
        f.push_update({"update_id": "12", "message": tg_message(2301, "/start")})
        f.push_update({"update_id": 1.5e300, "message": tg_message(2301, "/start")})
        f.push_update({"message": tg_message(2302, "/help", date=2 ** 62)})
        f.push_update({"message": tg_message(2303, "/start", date=-BIG - 1)})
        f.push_update({"message": tg_message(2 ** 62, "/start")})   # a chat id beyond 52 bits
        f.push_update({"message": dict(tg_message(2304, "/help"), text=None, location={
            "latitude": 1e300, "longitude": -BIG})})
        f.push_update({"edited_message": tg_message(2305, "sửa", date=BIG)})
        f.push_update({"my_chat_member": {
            "chat": {"id": -2306, "type": "group", "title": "Tổ 6"}, "date": BIG,
            "from": {"id": 2306, "is_bot": False, "first_name": "Lan"},
            "new_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True}}}})
        f.push_update({"message": tg_message(2307, "", photo=[
            {"file_id": "small", "file_size": BIG}, {"file_id": "big", "file_size": -BIG - 1}],
            migrate_to_chat_id=BIG)})
        last = f.push_message(2308, "/start")
        s.tg.start()
        assert apitest.wait_replies(f, 2308, 1) == [TEXTS["welcome"]]
        assert apitest.wait_replies(f, 2302, 1) == [TEXTS["help"]]
        assert apitest.wait_replies(f, 2303, 1) == [TEXTS["welcome"]]
        apitest.wait_poll_held(f)
        assert not f.pending()
        assert f.offsets_seen[-1] == last + 1, f.offsets_seen
        assert apitest.sent_to(f, 2301) == []  # its update_id was unusable: skipped
        assert q1(s.tg, "SELECT count(*) FROM inbox WHERE chat_id = ?", str(2 ** 62)) == 0
        assert apitest.log_lines(s.tg, "telegram", "update_id"), s.tg.read_logs()
        assert_dates_plausible(s)
        s.tg.assert_clean_exit()


def test_telegram_webhook_survives_out_of_range_numbers():
    with apitest.Setup("telegram") as s:
        s.rewrite_config(mode="webhook", webhook_secret=SECRET,
                         webhook_url="http://127.0.0.1:%d/webhook/telegram" % s.tg.port)
        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        url, hdr = s.tg.url("/webhook/telegram"), {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        bodies = [
            {"message": tg_message(2401, "/start")},                      # no update_id
            {"update_id": "abc", "message": tg_message(2401, "/start")},
            {"update_id": None, "callback_query": {"id": "9", "data": "x"}},
            {"update_id": BIG, "message": tg_message(2401, "/start")},
            {"update_id": 61, "edited_message": tg_message(2402, "sửa", date=BIG)},
            {"update_id": 62, "message": tg_message(2403, "/start", date=-BIG - 1)},
        ]
        for body in bodies:
            st, _ = apitest.post(url, body, hdr)
            assert st == 200, (body, st)
        assert apitest.post(url, {"update_id": 63, "message": tg_message(2404, "/help")},
                            hdr)[0] == 200
        assert apitest.wait_replies(s.fake, 2404, 1) == [TEXTS["help"]]
        assert apitest.wait_replies(s.fake, 2403, 1) == [TEXTS["welcome"]]
        apitest.wait_settled(s.tg, "telegram", inbox=3)
        assert apitest.sent_to(s.fake, 2401) == []
        s.tg.assert_clean_exit()


def zalo_update(mid, chat, text, date, sender=None):
    return {"event_name": "message.text.received", "message": {
        "message_id": mid, "date": date, "text": text,
        "from": {"id": sender if sender is not None else chat, "display_name": "Hà",
                 "is_bot": False},
        "chat": {"id": chat, "chat_type": "PRIVATE"}}}


def test_zalo_survives_out_of_range_numbers():
    with apitest.Setup("zalo") as s:
        now = int(time.time() * 1000)
        s.fake.array_mode = True
        for u in (zalo_update("m1", "c-date-big", "/start", BIG),
                  zalo_update("m2", "c-date-neg", "/help", -BIG - 1),
                  zalo_update(BIG, "c-mid-big", "/start", now),
                  zalo_update("m4", 2 ** 62, "/start", now),            # a numeric chat id
                  zalo_update("m5", "c-" + "x" * 5000, "/start", now),  # an absurd chat id
                  zalo_update("m6", "c-ok", "/help", now)):
            s.fake.push_raw(u)
        s.tg.start()
        assert apitest.wait_replies(s.fake, "c-ok", 1) == [TEXTS["help"]]
        assert apitest.wait_replies(s.fake, "c-date-big", 1) == [TEXTS["welcome"]]
        assert apitest.wait_replies(s.fake, "c-date-neg", 1) == [TEXTS["help"]]
        assert apitest.wait_replies(s.fake, "c-mid-big", 1) == [TEXTS["welcome"]]
        apitest.wait_settled(s.tg, "zalo", inbox=4)
        assert q1(s.tg, "SELECT count(*) FROM inbox") == 4
        assert_dates_plausible(s)
        s.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
