"""Photos and location from the web chat page in a real browser (Debian's headless Chromium
driven by playwright-core, both installed by scripts/deps): at 360 x 740 a resident attaches a
3000 x 2000 picture and shares a location during a guided report; the photo arrives shrunk to
at most 1600 px, and the filed tip carries it and the location. Screenshots go to
<dir of the binary>/browser-shots/.

    python3 tests/integration/test_browser_media.py --binary build/asan/tipgate [test_name ...]
"""
import json
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T, codes_in  # noqa: E402

BROWSER_DIR = os.path.join(tglib.REPO, "tests", "browser")
THEFT = "Tối qua lúc 22h ở tổ 5 kẻ gian bẻ khóa dắt mất xe máy của nhà bên cạnh, biển số 59-X1 123.45"
LAT, LON, ACC = 21.0285, 105.8542, 25


def shots_dir():
    d = os.path.join(os.path.dirname(os.path.abspath(tglib.BINARY)), "browser-shots")
    os.makedirs(d, exist_ok=True)
    return d


def jpeg_size(data):
    """(width, height) from a JPEG's start-of-frame marker, or None."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    return None


def run_media(tg, env):
    missing = [p for p in ("/usr/bin/chromium", os.path.join(
        BROWSER_DIR, "node_modules", "playwright-core")) if not os.path.exists(p)]
    if missing or not shutil.which("node"):
        sys.stderr.write("SKIPPED: this browser test needs chromium, node and playwright-core "
                         "(scripts/deps installs them); missing %r\n" % (missing or ["node"]))
        return None
    e = dict(os.environ)
    e.update(env)
    p = subprocess.run(["node", os.path.join(BROWSER_DIR, "media.mjs"), tg.url("/"), shots_dir()],
                       capture_output=True, timeout=120, env=e, cwd=BROWSER_DIR)
    assert p.returncode == 0, (p.returncode, p.stderr.decode(errors="replace")[-3000:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def test_a_photo_and_a_location_from_a_360px_phone_reach_the_tip():
    with tipstest.Env() as e:
        e.start()
        seen = run_media(e.tg, {
            "TIPGATE_TEXT": THEFT, "TIPGATE_LAT": str(LAT), "TIPGATE_LON": str(LON),
            "TIPGATE_ACC": str(ACC), "TIPGATE_LABELS": "|".join(
                (T("choice_continue"), T("choice_anonymous"), T("choice_send")))})
        if seen is None:
            return
        assert seen["page_errors"] == [], seen["page_errors"]
        assert seen["asked"] == [T("report_ask_media", max=5)], seen["asked"]
        for tool in seen["tools"]:   # both tools inside the screen, big enough to tap
            assert tool["x"] >= 0 and tool["x"] + tool["w"] <= 360 and tool["h"] >= 40, tool
            assert tool["bottom"] <= 740, tool
        assert seen["located"] == ["📍 Vị trí của tôi (sai số ± %d m)" % ACC], seen["located"]
        code = codes_in(seen["after"][-1])[0]
        assert seen["after"][-1] == T("tip_filed", code=code), seen["after"]
        tip = e.tip(code)
        assert (tip["platform"], round(tip["latitude"], 4), round(tip["longitude"], 4)) == (
            "webchat", LAT, LON), tip
        [(ref,)] = e.q("SELECT ref FROM tip_attachments WHERE tip_id = ? AND kind = 'photo'",
                       tip["id"])
        h = ref[len("upload:"):]
        with open(os.path.join(os.path.dirname(e.tg.db_path), "uploads", h[:2], h), "rb") as f:
            data = f.read()
        assert data[:3] == b"\xff\xd8\xff", data[:16]          # re-encoded as JPEG
        assert jpeg_size(data) == (1600, 1067), jpeg_size(data)  # 3000 x 2000 shrunk
        assert len(data) < seen["png_bytes"], (len(data), seen["png_bytes"])
        for name in ("media-photo-360.png", "media-location-360.png", "media-filed-360.png"):
            assert os.path.getsize(os.path.join(shots_dir(), name)) > 0
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
