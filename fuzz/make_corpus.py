#!/usr/bin/env python3
"""fuzz/make_corpus.py — writes the seed corpora fuzz/corpus/<target>/ from the tests' own inputs.

The shapes are the ones the fake platforms of tests/integration send (fakebot.py for Telegram
and Zalo Bot, fakezalooa.py, fakemessenger.py), the unit tests' edge cases (numbers near 2^63,
ids out of range), the shipped configuration and calendar files, and texts from the labelled
Vietnamese messages (/work/shared/data, or any JSON Lines file given with --data). Each seed is
small; the names are content hashes, so running it again adds nothing twice. New regression
inputs go to fuzz/regress/<target>/ by hand (README, "Fuzzing"), never here.

  fuzz/make_corpus.py [--data FILE.jsonl ...]
"""
import argparse
import glob
import hashlib
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
NOW_S = 1781492400
PER_TARGET_TEXTS = 14

EXTRA_TEXTS = [
    "/start", "/help", "/report", "/status TG-0042", "/mytips", "/cancel", "/add TG-7 ảnh",
    "co nguoi trom xe may o cho dau ngo 12, sdt 0978 456 123", "Cứu với!!! cháy nhà số 5",
    "chuyển khoản 2.000.000đ vào tk 0123456789 vietcombank", "http://bit.ly/xyz lừa đảo",
    "", " ", "a" * 300, "\u0000", "😭" * 20, "e\u0301", "Ｆｕｌｌｗｉｄｔｈ 29A-123.45",
]


def texts(paths):
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, bytes):
        data = json.dumps(data, ensure_ascii=False).encode("utf-8")
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def telegram(samples):
    chat = {"id": 42, "type": "private", "first_name": "Lan"}
    user = {"id": 42, "is_bot": False, "first_name": "Lan", "username": "lan"}
    group = {"id": -1001234567890, "type": "supergroup", "title": "Tổ dân phố 5"}
    for i, t in enumerate(samples):
        msg = {"message_id": i + 1, "from": user, "chat": group if i % 3 == 2 else chat,
               "date": NOW_S, "text": t}
        if t.startswith("/"):
            msg["entities"] = [{"offset": 0, "length": len(t.split()[0]), "type": "bot_command"}]
        put("telegram", {"update_id": 100 + i, "message": msg})
    base = {"message_id": 9, "from": user, "chat": chat, "date": NOW_S}
    put("telegram", {"update_id": 201, "edited_message": dict(base, text="sửa lại")})
    put("telegram", {"update_id": 202, "message": dict(base, photo=[
        {"file_id": "AgAD1", "file_unique_id": "u1", "file_size": 1500, "width": 90,
         "height": 60}, {"file_id": "AgAD2", "file_unique_id": "u2", "width": 180,
                         "height": 120}], caption="ảnh hiện trường")})
    put("telegram", {"update_id": 203, "message": dict(base, location={
        "latitude": 10.7764, "longitude": 106.7009})})
    put("telegram", {"update_id": 204, "message": dict(base, contact={
        "phone_number": "+84912345678", "first_name": "Lan", "user_id": 42})})
    put("telegram", {"update_id": 205, "message": dict(base, document={
        "file_id": "BQAD", "file_unique_id": "d1", "file_name": "a.pdf",
        "mime_type": "application/pdf", "file_size": 34567})})
    put("telegram", {"update_id": 206, "message": dict(base, chat=group,
                                                     migrate_to_chat_id=-1009876543210)})
    put("telegram", {"update_id": 207, "callback_query": {
        "id": "4000000000000007919", "from": user, "data": "t:abc123",
        "chat_instance": "-1309", "message": dict(base, text="…")}})
    put("telegram", {"update_id": 208, "my_chat_member": {
        "chat": group, "from": user, "date": NOW_S,
        "old_chat_member": {"user": user, "status": "left"},
        "new_chat_member": {"user": user, "status": "administrator"}}})
    put("telegram", {"update_id": 209, "chat_member": {
        "chat": group, "from": user, "date": NOW_S,
        "new_chat_member": {"user": user, "status": "kicked"}}})
    for bad in ('{"update_id":9223372036854775807,"message":{"date":9223372036854775807,'
                '"text":"a","chat":{"id":1,"type":"private"}}}',
                '{"update_id":2147483648,"message":{"text":"a","chat":{"id":1}}}',
                '{"update_id":-1}', '{"update_id":1.5}', '{"update_id":"12"}', '[]', '{',
                '{"update_id":7,"message":{"chat":{"id":-9223372036854775808},'
                '"date":-9223372036854775808}}'):
        put("telegram", bad)


def zalo(samples):
    for i, t in enumerate(samples):
        chat_type = "GROUP" if i % 3 == 2 else "PRIVATE"
        msg = {"message_id": "m%04d" % i, "date": NOW_S * 1000,
               "from": {"id": "9f3c1a2b7d5e4f60", "display_name": "Minh", "is_bot": False},
               "chat": {"id": "c%d" % i, "chat_type": chat_type}, "text": t}
        upd = {"event_name": "message.text.received", "message": msg}
        put("zalo", {"ok": True, "result": upd} if i % 2 else upd)
    m = {"message_id": "p1", "date": NOW_S * 1000, "from": {"id": "u1", "is_bot": False},
         "chat": {"id": "u1", "chat_type": "PRIVATE"}}
    put("zalo", {"event_name": "message.image.received",
                 "message": dict(m, photo_url="https://z/p.jpg", caption="ảnh")})
    put("zalo", {"event_name": "message.sticker.received",
                 "message": dict(m, sticker="s1", url="https://z/s.png")})
    put("zalo", {"event_name": "message.voice.received",
                 "message": dict(m, voice_url="https://z/v.aac")})
    put("zalo", {"event_name": "message.unsupported.received", "message": m})
    put("zalo", [{"event_name": "message.text.received", "message": dict(m, text="a")}] * 2)
    put("zalo", {"event_name": "message.text.received",
                 "message": dict(m, date=253402300799999 + 1, text="x",
                                 **{"from": {"id": "bot", "is_bot": True}})})


def zalo_oa(samples):
    for i, t in enumerate(samples):
        ev = {"app_id": "4242", "sender": {"id": "31050000000000%02d" % i},
              "recipient": {"id": "2110000000000000001"}, "event_name": "user_send_text",
              "timestamp": str(NOW_S * 1000 + i), "user_id_by_app": "55%d" % i,
              "message": {"msg_id": "msg-%d" % i, "text": t}}
        put("zalo_oa", ev)
    base = {"app_id": "4242", "sender": {"id": "3105"}, "timestamp": "1718000100000"}
    put("zalo_oa", dict(base, event_name="user_send_image", message={
        "msg_id": "m2", "attachments": [{"type": "image", "payload": {
            "thumbnail": "https://t/x", "url": "https://p/x.jpg"}}]}))
    put("zalo_oa", dict(base, event_name="user_send_location", message={
        "msg_id": "m3", "attachments": [{"type": "location", "payload": {"coordinates": {
            "latitude": "10.7764", "longitude": "106.7009"}}}]}))
    put("zalo_oa", dict(base, event_name="user_send_sticker", timestamp=17, message={
        "attachments": [{"type": "sticker", "payload": {"url": "https://s/1.png", "id": "s1"}}]}))
    put("zalo_oa", {"app_id": "4242", "follower": {"id": "3105"}, "event_name": "follow",
                    "timestamp": "1718000100000"})
    put("zalo_oa", dict(base, event_name="oa_send_text", message={"text": "x"}))
    put("zalo_oa", dict(base, event_name="user_send_text", timestamp="9999999999999999999",
                        message={"msg_id": "m" * 200, "text": "x"}))


def messenger(samples):
    def body(*events, obj="page", page="1000042"):
        return {"object": obj, "entry": [{"id": page, "time": NOW_S * 1000,
                                           "messaging": list(events)}]}

    def ev(psid, **fields):
        e = {"sender": {"id": str(psid)}, "recipient": {"id": "1000042"},
             "timestamp": NOW_S * 1000}
        e.update(fields)
        return e
    for i, t in enumerate(samples):
        put("messenger", body(ev(7000 + i, message={"mid": "m_%d" % i, "text": t})))
    put("messenger", body(ev(7, message={"mid": "m_q", "text": "Có",
                                         "quick_reply": {"payload": "t:abc"}})))
    put("messenger", body(ev(7, postback={"title": "Gửi", "payload": "t:def", "mid": "m_p"})))
    put("messenger", body(ev(7, message={"mid": "m_a", "attachments": [
        {"type": "image", "payload": {"url": "https://cdn/x.jpg"}}]})))
    put("messenger", body(ev(7, message={"mid": "m_l", "attachments": [
        {"type": "location", "payload": {"coordinates": {"lat": 10.77, "long": 106.7}}}]})))
    put("messenger", body(ev(1000042, message={"mid": "m_e", "text": "x", "is_echo": True})))
    put("messenger", body(ev(7, delivery={"mids": ["m_x"], "watermark": NOW_S})))
    put("messenger", body(ev(7, message={"mid": "m_o", "text": "x"}), page="999"))
    put("messenger", body(obj="instagram"))
    put("messenger", "GET hub.mode=subscribe&hub.verify_token=fuzz-verify-0042"
                     "&hub.challenge=1158201444")
    put("messenger", "GET hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=<script>")


def webchat(samples):
    sep = b"\xff"
    hello = b'{"type":"hello"}'
    secret = b'{"type":"hello","secret":"' + b"ab" * 32 + b'"}'
    for i, t in enumerate(samples):
        frame = json.dumps({"type": "message", "id": "m%d" % i, "text": t},
                           ensure_ascii=i % 2 == 0).encode()
        put("webchat", (secret if i % 2 else hello) + sep + frame)
    put("webchat", hello + sep + json.dumps(
        {"type": "callback", "id": "c1", "data": "t:abc", "text": "Có"}, ensure_ascii=False,
        separators=(",", ":")).encode())
    put("webchat", hello + sep + b'{"type":"location","id":"l1","lat":10.7764,"lon":106.7009,'
                                 b'"accuracy":25}')
    put("webchat", hello + sep + b'{"type":"ping"}' + sep + b'{"type":"nope"}')
    put("webchat", hello + sep + b'{"type":"push_subscribe","id":"p1","subscription":'
                                 b'{"endpoint":"https://push/x","keys":{"p256dh":"A","auth":"B"}}}')
    put("webchat", hello + sep + b'{"type":"mess\xfeage","id":"f1","te\xfext":'
                                 b'"chia m\xfe\xe1\xbb\x9bi"}')
    put("webchat", b'{"type":"message","id":"early","text":"x"}')
    put("webchat", hello + sep + b"\xfd" + b'{"type":"ping"}')
    put("webchat", hello + sep + b'{"type":"message","id":"u","text":"\xc3"}')
    put("webchat", hello + sep + hello)


def analyze(data):
    for i, row in enumerate(data):
        put("analyze", {"text": row["text"], "context": row.get("context", "private")})
    for t in EXTRA_TEXTS:
        put("analyze", {"text": t})
    put("analyze", '{"text": 5}')
    put("analyze", '{"text": "a", "context": "channel"}')
    put("analyze", "not json")


def dates():
    for s in ("15/02/2026", "15/2/2026", "2026-02-15", "29/02/2028", "31/04/2026", "08:00",
              "23:59", "24:00", "2026", "2026-Q3", "2026-H1", "2026-6T", "2026-03",
              "01/01/2026-30/06/2026", "30/06/2026-01/01/2026", "all", "", "now",
              "15/02/2026 14:30", "thứ 6 14h họp tổ dân phố", "mai 8h30",
              "chủ nhật 9g",
              "20/11 15:00 họp", "t2 7h", "99999999999/1/1", "2026-Q0", "9999-12-31"):
        put("dates", s)


def calendar():
    for s in ("once 15/02/2026", "dates 17/02/2026 06/02/2027", "yearly 10/12", "yearly 29/02",
              "monthly 10 months 3,9", "monthly last months 1-12", "monthly 31 months 2",
              "quarterly 10 quarters Q1,Q3", "relative BC6T +45d", "relative BC6T -45d",
              "weekly 5", "once 31/02/2026", "monthly 10 months 13", "quarterly 1 quarters Q5"):
        put("calendar", s)
    for path in sorted(glob.glob(os.path.join(ROOT, "config", "calendars", "*.json"))):
        with open(path, "rb") as f:
            put("calendar", f.read())
    with open(os.path.join(ROOT, "config", "holidays.vi.json"), "rb") as f:
        put("calendar", f.read())


def config():
    with open(os.path.join(ROOT, "config", "tipgate.example.json"), "rb") as f:
        put("config", f.read())
    for c in ({}, {"log": {"level": "off"}, "storage": {"path": "x.db"}},
              {"platforms": {"telegram": {"enabled": True, "token": "env:TIPGATE_NO_SUCH",
                                          "mode": "webhook"}}},
              {"http": {"port": 99999}}, {"timezone": "Mars/Olympus"},
              {"platforms": {"messenger": {"enabled": True, "page_id": "1",
                                           "api_version": "25"}}},
              {"areas": [{"code": "KP1", "name": "Khu phố 1"}], "routing": {}},
              {"tips": {"unknown_key": 1}}):
        put("config", c)
    put("config", "{,}")


def scamlist():
    put("scamlist", "\n".join(json.dumps(x, ensure_ascii=False) for x in (
        {"type": "phone", "value": "0912 345 678", "reason": "giả danh công an"},
        {"type": "link", "value": "https://www.bit.ly/abc/", "reason": "lừa đảo"},
        {"type": "account", "value": "0123456789", "bank": "VCB", "reason": "chiếm đoạt"})))
    put("scamlist", "# comment\n\n{\"type\":\"phone\",\"value\":\"+84 912345678\","
                    "\"reason\":\"x\"}\n")
    put("scamlist", '{"type":"phone","value":"12","reason":"x"}\n{"type":"link"}\nnot json\n')
    put("scamlist", '{"type":"account","value":"123","reason":"x"}\n'
                    '{"type":"email","value":"a@b","reason":"x"}\n')


def templates():
    put("templates", b"Ch\xc3\xa0o {name}, tin {code} \xc4\x91\xc3\xa3 nh\xe1\xba\xadn\x00name"
                     b"\x00Lan\x00code\x00TG-0042")
    put("templates", b"{ward}\n{ward}{ward}\x00ward\x00C\xc3\xb4ng an ph\xc6\xb0\xe1\xbb\x9dng B"
                     b"\xe1\xba\xbfn Ngh\xc3\xa9")
    put("templates", b"{a}{b}{}{{a}}{\x00a\x00" + b"\xe1\xbb\x87" * 40 + b"\x00b\x00x")
    put("templates", b"{long}\x00long\x00" + "ữ".encode() * 6000)
    with open(os.path.join(ROOT, "config", "messages.vi.json"), "rb") as f:
        whole = f.read()
    put("templates", whole[:3000] + b"}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", nargs="*", default=sorted(glob.glob("/work/shared/data/*.jsonl")))
    args = ap.parse_args()
    data = texts(args.data)
    picked = [row["text"] for row in data[::max(1, len(data) // PER_TARGET_TEXTS)]]
    samples = (picked + EXTRA_TEXTS)[:PER_TARGET_TEXTS + len(EXTRA_TEXTS)]
    telegram(samples[:20])
    zalo(samples[:16])
    zalo_oa(samples[:16])
    messenger(samples[:16])
    webchat(samples[:16])
    analyze(data[::max(1, len(data) // 30)])
    dates()
    calendar()
    config()
    scamlist()
    templates()


if __name__ == "__main__":
    main()
