"""Photos and locations from the web chat: POST /upload with the identity's secret stores the
photo (content-addressed, owner-only, under uploads/ next to the database) and one inbox row,
the photo reaches a Telegram desk as a multipart sendPhoto, the per-tip limit holds, a
location frame puts a location on the tip, and a Zalo resident (no location there) is asked for
a typed address: in a report, after an emergency and after a cry for help.

    python3 tests/integration/test_webchat_media.py --binary build/asan/tipgate [test_name ...]
"""
import hashlib
import http.client
import json
import os
import socket
import stat
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DESK_TDP5, T, codes_in  # noqa: E402

# a theft the engine is sure of, so no confirmation of its category comes between the steps
THEFT_WITH_PLACE_AND_TIME = "Tối qua lúc 22h ở tổ 5 kẻ gian bẻ khóa dắt mất xe máy của nhà bên cạnh"
THEFT_NO_PLACE = "Nhà hàng xóm bị trộm mất xe máy"
KNIFE = "đang có đánh nhau có dao ở ngã tư chợ Đông, có người bị chém chảy máu nhiều"


def jpeg(n=0):
    """Bytes that start like a JPEG (all the server and the fake look at), distinct per n."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + ("photo %d " % n).encode() * 50 + b"\xff\xd9"


def upload(e, secret, data, ctype="image/jpeg", mid=None):
    """POST /upload; returns (status, parsed JSON answer)."""
    con = http.client.HTTPConnection("127.0.0.1", e.tg.port, timeout=10)
    try:
        con.request("POST", "/upload", body=data, headers={
            "Authorization": "Bearer %s" % secret, "Content-Type": ctype,
            "X-Tipgate-Id": mid or uuid.uuid4().hex[:16]})
        r = con.getresponse()
        return r.status, json.loads(r.read().decode("utf-8"))
    finally:
        con.close()


def uploads_dir(e):
    return os.path.join(os.path.dirname(e.tg.db_path), "uploads")


def stored_path(e, data):
    h = hashlib.sha256(data).hexdigest()
    return os.path.join(uploads_dir(e), h[:2], h)


def start_report(u, text=THEFT_WITH_PLACE_AND_TIME):
    """A web chat resident at the photo question of a guided report."""
    u.ask("/baotin")
    [m] = u.ask(text)
    assert m["text"] == T("report_ask_media", max=5), m


def file_report(e, u):
    """Continue → anonymous → send; returns the tip's code."""
    u.choose("continue")
    u.choose("anonymous")
    [filed] = u.choose("send")
    return codes_in(filed["text"])[0]


def wait_photo_rows(e, n):
    """Waits until the worker has taken the uploaded photos (inbox rows processed)."""
    e.fake.wait_until(lambda: e.q1("SELECT count(*) FROM inbox WHERE platform = 'webchat' AND "
                                   "processed_at IS NOT NULL AND message LIKE '%upload:%'") >= n,
                      timeout=10)


def test_uploaded_photo_is_stored_owner_only_and_reaches_the_telegram_desk_as_multipart():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        start_report(u)
        data = jpeg()
        status, answer = upload(e, u.secret, data, mid="photo-1")
        assert status == 200 and answer == {"ok": True, "id": "photo-1", "duplicate": False}, \
            answer
        path = stored_path(e, data)
        assert os.path.isfile(path), os.listdir(uploads_dir(e))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(uploads_dir(e)).st_mode) == 0o700
        with open(path, "rb") as f:
            assert f.read() == data
        # never served by URL
        assert e.tg.get("/uploads/%s" % os.path.relpath(path, uploads_dir(e)))[0] == 404
        wait_photo_rows(e, 1)
        since = e.mark(DESK_TDP5)
        code = file_report(e, u)
        e.wait_new(DESK_TDP5, since, n=2)
        photos = [r for r in e.sent_records(DESK_TDP5) if r["method"] == "sendPhoto"]
        assert len(photos) == 1, e.sent_records(DESK_TDP5)
        p = photos[0]["params"]["photo"]
        assert isinstance(p, dict) and p["data"] == data and p["content_type"] == "image/jpeg", p
        assert photos[0]["text"] == T("desk_photo_caption", code=code)
        refs = e.q("SELECT a.ref FROM tip_attachments a JOIN tips t ON t.id = a.tip_id "
                   "WHERE t.code = ?", tipstest.bare(code))
        assert refs == [("upload:" + hashlib.sha256(data).hexdigest(),)], refs


def test_the_same_upload_id_twice_is_one_photo():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        start_report(u)
        assert upload(e, u.secret, jpeg(), mid="same")[1]["duplicate"] is False
        status, answer = upload(e, u.secret, jpeg(), mid="same")
        assert status == 200 and answer["duplicate"] is True, answer
        wait_photo_rows(e, 1)
        code = file_report(e, u)
        assert e.q1("SELECT count(*) FROM tip_attachments a JOIN tips t ON t.id = a.tip_id "
                    "WHERE t.code = ?", tipstest.bare(code)) == 1


def test_a_wrong_secret_is_refused_and_nothing_is_stored():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        status, answer = upload(e, uuid.uuid4().hex + uuid.uuid4().hex, jpeg())
        assert status == 401 and answer["code"] == "unauthorized", answer
        assert answer["text"] == T("upload_unauthorized"), answer
        status, _ = upload(e, "not-a-secret", jpeg())
        assert status == 401
        assert not os.path.exists(uploads_dir(e)) or not any(
            files for _, _, files in os.walk(uploads_dir(e)))
        assert e.q1("SELECT count(*) FROM inbox WHERE message LIKE '%upload:%'") == 0


def test_a_photo_over_10_mb_is_refused_from_its_length_before_it_is_sent():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        # Only the headers go out: the answer must come without the 11 MB body.
        s = socket.create_connection(("127.0.0.1", e.tg.port), timeout=10)
        try:
            s.sendall(("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: image/jpeg\r\n"
                       "X-Tipgate-Id: big1\r\nContent-Length: %d\r\n\r\n" %
                       (u.secret, 11 * 1024 * 1024)).encode() + jpeg())
            got = b""
            while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
        finally:
            s.close()
        head, _, body = got.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413"), got[:200]
        answer = json.loads(body.decode("utf-8"))
        assert answer["code"] == "too_big" and answer["text"] == T("upload_too_big", max=10)
        assert not os.path.exists(uploads_dir(e))


def test_a_text_file_claiming_to_be_a_jpeg_is_refused():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        status, answer = upload(e, u.secret, b"#!/bin/sh\necho not a photo\n")
        assert status == 415 and answer["code"] == "bad_type", answer
        assert answer["text"] == T("upload_bad_type"), answer
        status, answer = upload(e, u.secret, jpeg(), ctype="text/plain")
        assert status == 415, answer
        assert not os.path.exists(uploads_dir(e)) or not any(
            files for _, _, files in os.walk(uploads_dir(e)))


def test_the_sixth_photo_of_a_tip_is_refused():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        start_report(u)
        since = len(u.got)
        for i in range(6):
            status, answer = upload(e, u.secret, jpeg(i))
            assert status == 200, answer
        [m] = u.wait(since)
        assert m["text"] == T("report_too_many_photos", max=5), m
        wait_photo_rows(e, 6)
        code = file_report(e, u)
        assert e.q1("SELECT count(*) FROM tip_attachments a JOIN tips t ON t.id = a.tip_id "
                    "WHERE t.code = ? AND a.kind = 'photo'", tipstest.bare(code)) == 5


def test_a_shared_location_is_stored_on_the_tip():
    with tipstest.Env() as e:
        e.start()
        u = e.web()
        u.ask("/baotin")
        [m] = u.ask(THEFT_NO_PLACE)
        assert m["text"] == T("report_ask_place"), m
        bad = uuid.uuid4().hex[:16]
        u.ws.send_json({"type": "location", "id": bad, "lat": 200, "lon": 105.8})
        err, _ = u.ws.recv_until(lambda x: x.get("id") == bad)
        assert err["type"] == "error" and err["code"] == "bad_location", err
        mid = uuid.uuid4().hex[:16]
        before = len(u.got)
        u.ws.send_json({"type": "location", "id": mid, "lat": 21.0285, "lon": 105.8542,
                        "accuracy": 25})
        u._ack(mid)
        [m] = u.wait(before)
        assert m["text"] == T("report_ask_when"), m
        row = e.q1("SELECT message FROM inbox WHERE update_key LIKE ?", "%:" + mid)
        loc = json.loads(row)["location"]
        assert loc == {"latitude": 21.0285, "longitude": 105.8542, "accuracy_m": 25.0}, loc
        u.ask("tối qua")
        code = file_report(e, u)
        tip = e.tip(code)
        assert (tip["latitude"], tip["longitude"]) == (21.0285, 105.8542), tip
        assert tip["place"] == T("value_location_sent"), tip


def test_a_zalo_resident_is_asked_for_a_typed_address():
    with apitest.Setup("zalo") as s:
        s.tg.start()
        alice = "5a1b2c3d4e5f6071"
        s.fake.push_text(alice, "/baotin")
        apitest.wait_replies(s.fake, alice, 1)
        s.fake.push_text(alice, THEFT_NO_PLACE)
        replies = apitest.wait_replies(s.fake, alice, 2)
        assert replies[1].startswith(T("report_ask_place_typed")), replies
        assert "vị trí" not in replies[1]
        # an emergency: the offer to add details asks for the address, not a location
        bob = "6b2c3d4e5f607182"
        s.fake.push_text(bob, KNIFE)
        replies = apitest.wait_replies(s.fake, bob, 2)
        code = codes_in(replies[1])[0]
        assert replies[1].startswith(T("emergency_filed_typed", code=code)), replies
        assert "vị trí" not in replies[1]
        # a bare cry for help: the one question asks where, in words
        carol = "7c3d4e5f60718293"
        s.fake.push_text(carol, "cuu toi voi")
        replies = apitest.wait_replies(s.fake, carol, 2)
        assert replies[1] == T("report_ask_distress_typed"), replies


if __name__ == "__main__":
    tglib.main(globals())
