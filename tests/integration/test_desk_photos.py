"""Photos sent through Telegram and Zalo on the web desk (issue 14): the copier fetches each
photo once from the tipster's platform (Telegram getFile and its file link; Zalo's photo_url),
checks it is an image and keeps it beside the database, and the desk serves the copy to
signed-in officers only. A photo the platform will not give (an unknown file id, a link that
expired, a page that is not an image, a file over 10 MB) is shown as unavailable; while the
platform is down it is pending and tried again later. No platform ref or link ever reaches a
desk response.

    python3 tests/integration/test_desk_photos.py --binary build/asan/tipgate [test_name ...]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import desklib  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T, bare  # noqa: E402

OFFICER = 600501
THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(255, -1, -1)) * 4
HTML = b"<!DOCTYPE html><html><body>Captive portal</body></html>"


def photo_states(desk, code, timeout=20):
    """The tip page's photos once none is pending any more (or the last seen at timeout)."""
    end = time.monotonic() + timeout
    while True:
        status, page = desk.get("/api/desk/tips/" + bare(code))
        assert status == 200, (status, page)
        photos = page["tip"]["photos"]
        if all(p["state"] != "pending" for p in photos) or time.monotonic() > end:
            return page, photos
        time.sleep(0.2)


def bosung_photo_tg(e, r, code, fid):
    since = e.mark(r)
    e.fake.push_photo(r, fid, caption="/bosung " + bare(code).lower())
    [m] = e.wait_new(r, since)
    assert m == T("add_done", code=code), m


def test_photos_from_telegram_and_zalo_are_copied_once_and_served_to_the_desk_only():
    zalo = fakebot.FakeZalo().start()
    try:
        extra = apitest.platform_config(zalo, "zalo", rate_limit=tipstest.NO_LIMITS)
        with tipstest.Env(extra=extra) as e:
            e.start()
            desklib.enrol(e, OFFICER)
            desk = desklib.sign_in(e, OFFICER)
            # Telegram: one photo the platform has, one it does not know
            e.fake.add_file("AgACphoto-real", JPEG)
            r = 700501
            tg_code = e.file_tip(r, THEFT_TDP5)
            bosung_photo_tg(e, r, tg_code, "AgACphoto-real")
            bosung_photo_tg(e, r, tg_code, "AgACphoto-unknown")
            # Zalo: a CDN link, a link that expired, a link that answers a web page
            z = "zl-resident-501"
            since = len(apitest.sent_to(zalo, z))
            zalo.push_text(z, "/baotin " + THEFT_TDP5)
            zalo.wait_until(lambda: len(apitest.sent_to(zalo, z)) > since, timeout=10)
            zl_code = tipstest.codes_in(apitest.sent_to(zalo, z)[since])[0]
            links = [zalo.add_media("a.jpg", PNG), zalo.base_url + "/_media/expired.jpg",
                     zalo.add_media("portal.jpg", HTML),
                     zalo.add_media("big.jpg", PNG + bytes(10 * 1024 * 1024))]
            for url in links:
                n = len(apitest.sent_to(zalo, z))
                zalo.push_image(z, url, caption="/bosung " + zl_code)
                zalo.wait_until(lambda: len(apitest.sent_to(zalo, z)) > n, timeout=10)
            e.settled()

            page, photos = photo_states(desk, tg_code)
            assert [p["state"] for p in photos] == ["ready", "unavailable"], photos
            status, hdrs, body = desk.raw("GET", photos[0]["url"])
            assert status == 200 and body == JPEG, (status, body[:40])
            assert hdrs["content-type"] == ["image/jpeg"], hdrs
            status, _, body = desk.raw("GET", photos[1]["url"])
            err = desklib._json(body)["error"]
            assert status == 404 and err["code"] == "photo_unavailable", (status, err)
            assert err["message"] == T("desk_web_err_photo_unavailable"), err
            text = str(page)
            assert "AgACphoto" not in text and e.fake.token not in text, text

            page, photos = photo_states(desk, zl_code)
            assert [p["state"] for p in photos] == ["ready"] + ["unavailable"] * 3, photos
            status, hdrs, body = desk.raw("GET", photos[0]["url"])
            assert status == 200 and body == PNG and hdrs["content-type"] == ["image/png"]
            assert "_media" not in str(page), page

            # each file fetched once, the Telegram file through the bot's token
            assert sorted(e.fake.downloads) == ["/file/bot%s/photos/file_0.jpg" % e.fake.token]
            assert sorted(zalo.downloads) == ["(missing) /_media/expired.jpg", "/_media/a.jpg",
                                              "/_media/big.jpg", "/_media/portal.jpg"]
            gets = [c for c in e.fake.calls if c["method"] == "getFile"]
            assert len(gets) == 2, gets
            # no session, no photo; the token never reaches the log
            status, _, _ = desklib.Desk(e.tg.port).raw("GET", photos[0]["url"])
            assert status == 401, status
            assert e.fake.token not in e.tg.read_logs()
            e.stop()
            # a restart fetches nothing again
            e.start()
            e.settled()
            time.sleep(1)
            assert len(zalo.downloads) == 4 and len(e.fake.downloads) == 1
    finally:
        zalo.stop()


def test_a_photo_is_pending_while_telegram_is_down_and_copied_when_it_is_back():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER)
        desk = desklib.sign_in(e, OFFICER)
        e.fake.add_file("AgACphoto-later", JPEG)
        r = 700502
        code = e.file_tip(r, THEFT_TDP5)
        e.fake.fail_next(1, "http502", methods="getFile")
        bosung_photo_tg(e, r, code, "AgACphoto-later")
        e.settled()
        # the failed try is on record (the copier writes it once the answer came)
        apitest.wait_until(lambda: e.q1("SELECT copy_tries FROM tip_attachments") == 1,
                           timeout=10, what="the failed try recorded")
        _, photos = photo_states(desk, code, timeout=0)
        assert [p["state"] for p in photos] == ["pending"], photos
        status, _, body = desk.raw("GET", photos[0]["url"])
        err = desklib._json(body)["error"]
        assert status == 404 and err["code"] == "photo_pending", (status, err)
        assert err["message"] == T("desk_web_err_photo_pending"), err
        assert [c["status"] for c in e.fake.calls if c["method"] == "getFile"] == [502]
        # a minute later (the first wait), the next message the service handles wakes the copier
        e.set_clock(61000)
        e.ask(r, "/trangthai " + code)
        _, photos = photo_states(desk, code)
        assert [p["state"] for p in photos] == ["ready"], photos
        status, _, body = desk.raw("GET", photos[0]["url"])
        assert status == 200 and body == JPEG, status


if __name__ == "__main__":
    tglib.main(globals())
