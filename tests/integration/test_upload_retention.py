"""Retention of the photos uploaded from the web chat (README "Retention"), on the real binary
with a moving clock: the photo of a report that was never sent is deleted once its draft
expired, a photo a filed tip holds stays however old (also when another, abandoned report had
the same photo: one file for both), and a photo stored less than a day ago stays although
nothing refers to it yet.

    python3 tests/integration/test_upload_retention.py --binary build/asan/tipgate [test_name ...]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DAY, T  # noqa: E402
from test_webchat_media import (file_report, jpeg, start_report, stored_path, upload,  # noqa: E402
                                uploads_dir)

PASS = 11 * 60 * 1000  # longer than retention's pass period (RETENTION_PASS_MS)


def plant(e, name, app_ms):
    """A file under uploads/ as a store leaves it, stored at app_ms on the application clock."""
    sub = os.path.join(uploads_dir(e), name[:2])
    os.makedirs(sub, mode=0o700, exist_ok=True)
    path = os.path.join(sub, name)
    with open(path, "wb") as f:
        f.write(jpeg(99))
    os.utime(path, (app_ms / 1000.0, app_ms / 1000.0))
    return path


def wait_photo_rows(e, n):
    """Until the worker has taken n uploaded photos (their inbox rows processed)."""
    apitest.wait_until(lambda: e.q1("SELECT count(*) FROM inbox WHERE platform = 'webchat' AND "
                                    "processed_at IS NOT NULL AND message LIKE '%upload:%'") >= n,
                       what="%d photos taken" % n)


def wait_gone(paths, what):
    apitest.wait_until(lambda: not any(os.path.exists(p) for p in paths), timeout=30, what=what)


def test_photos_go_with_their_drafts_and_stay_with_their_tips():
    with tipstest.Env() as e:
        e.start()
        shared, draft_only = jpeg(1), jpeg(2)
        filer = e.web()
        start_report(filer)
        assert upload(e, filer.secret, shared)[0] == 200
        wait_photo_rows(e, 1)
        file_report(e, filer)
        leaver = e.web()
        start_report(leaver)
        assert upload(e, leaver.secret, shared)[0] == 200
        assert upload(e, leaver.secret, draft_only)[0] == 200
        wait_photo_rows(e, 3)
        # "ff…" is the last directory a pass walks: once it is gone, the pass saw every file
        left_behind = plant(e, "ff" + "0" * 62, time.time() * 1000)
        fresh = plant(e, "00" + "1" * 62, time.time() * 1000 + 2 * DAY)

        since = len(leaver.got)
        e.set_clock(2 * DAY)
        [m] = leaver.wait(since, timeout=20)
        assert m["text"] == T("report_expired"), m
        e.set_clock(2 * DAY + PASS)  # a pass after the draft is gone
        wait_gone([stored_path(e, draft_only), left_behind],
                  "the photo of the expired draft and the file nothing refers to are deleted")
        assert os.path.isfile(stored_path(e, shared)), "the filed tip's photo stays"
        assert os.path.isfile(fresh), "a photo stored less than a day ago stays"

        e.set_clock(4 * DAY)
        wait_gone([fresh], "a day later, still without a tip, it goes")
        assert os.path.isfile(stored_path(e, shared))
        assert e.q1("SELECT count(*) FROM tip_attachments WHERE ref LIKE 'upload:%'") == 1


if __name__ == "__main__":
    tglib.main(globals())
