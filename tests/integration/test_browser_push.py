"""Notifications in a real browser (Debian's headless Chromium driven by playwright-core, both
installed by scripts/deps): at 360 px the page asks nothing on load, asks with its own question
once a report is filed, subscribes on "Có", and when an officer answers, the fake push service
receives a notification it decrypts to the fixed sentence, while the hidden page's title counts
the reply. The browser cannot reach a real push service, so tests/browser/push.mjs hands the
page a subscription for tests/integration/fakepush.py. Screenshots go to
<dir of the binary>/browser-shots/.

    python3 tests/integration/test_browser_push.py --binary build/asan/tipgate
"""
import json
import os
import select
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakepush  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T  # noqa: E402

BROWSER_DIR = os.path.join(tglib.REPO, "tests", "browser")
THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
OFFICER = 600014
PUSH = {"webpush": {"allow_insecure_endpoints": True, "subject": "mailto:cong-an@example.vn"}}


def browser_or_skip():
    missing = [p for p in ("/usr/bin/chromium", os.path.join(
        BROWSER_DIR, "node_modules", "playwright-core")) if not os.path.exists(p)]
    assert not missing and shutil.which("node"), (
        "browser tests need chromium, node and playwright-core (scripts/deps --test installs "
        "them): missing %r" % missing)


def read_line(proc, prefix, timeout):
    """The first stdout line of proc starting with prefix (others are kept in a list)."""
    deadline = time.time() + timeout
    buf = b""
    while time.time() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 0.5)
        if r:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            for line in buf.split(b"\n")[:-1]:
                if line.startswith(prefix.encode()):
                    return line.decode(), buf[buf.index(line) + len(line) + 1:]
        if proc.poll() is not None and not r:
            break
    raise AssertionError("push.mjs said no %r: %r / %r" % (
        prefix, buf[-2000:], proc.stderr.read().decode(errors="replace")[-3000:]
        if proc.poll() is not None else ""))


def test_page_asks_after_the_first_report_and_a_police_answer_arrives_as_a_push():
    browser_or_skip()
    shots = os.path.join(os.path.dirname(tglib.BINARY), "browser-shots")
    os.makedirs(shots, exist_ok=True)
    with tipstest.Env(extra=PUSH) as e, fakepush.FakePush(tglib.BINARY) as push:
        e.start()
        e.officer(OFFICER)
        keys = push.keys()
        sub = push.subscription("/sub/browser", keys)
        env = dict(os.environ, TIPGATE_TEXT=THEFT_TDP5, TIPGATE_PUSH_ENDPOINT=sub["endpoint"],
                   TIPGATE_PUSH_P256DH=keys["p256dh"], TIPGATE_PUSH_AUTH=keys["auth"])
        proc = subprocess.Popen(["node", os.path.join(BROWSER_DIR, "push.mjs"), e.tg.url("/"),
                                 shots], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                cwd=BROWSER_DIR)
        try:
            line, rest = read_line(proc, "WAITING_REPLY ", 60)
            code = line.split()[1]
            assert e.q1("SELECT endpoint FROM push_subscriptions") == sub["endpoint"]
            assert push.count() == 0
            e.desk_cmd(OFFICER, "/traloi %s Bạn có nhìn rõ biển số xe không?" % code)
            [rec] = push.wait(1)
            got = push.open(rec, keys)
            assert json.loads(got["plaintext"]) == {"title": T("push_title"),
                                                    "body": T("push_body")}, got
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err.decode(errors="replace")[-3000:]
        seen = json.loads((rest + out).decode().strip().splitlines()[-1])
        assert seen["page_errors"] == [], seen["page_errors"]
        assert seen["on_load"]["asks"] == 0 and not seen["on_load"]["prompt"], seen["on_load"]
        man = seen["manifest"]
        assert (man["status"], man["type"], man["display"]) == (
            200, "application/manifest+json", "standalone"), man
        assert {(i["sizes"], i["status"], i["type"], i["png"]) for i in man["icons"]} == {
            ("192x192", 200, "image/png", True), ("512x512", 200, "image/png", True)}, man
        assert seen["code"] == code
        assert seen["prompt"]["text"] == "Nhận thông báo khi Công an trả lời?", seen["prompt"]
        assert seen["prompt"]["buttons"] == ["Có", "Không"] and seen["prompt"]["inside"], seen
        assert seen["asks_before_answer"] == 0, seen
        after = seen["after_yes"]
        assert after["asks"] == 1 and after["choice"] == "yes", after
        assert after["subscribed"] == {"key_len": 65, "visible": True}, after
        assert after["worker"] == "/sw.js", after
        assert seen["hidden_title"] == "(1) " + seen["base_title"], seen
        assert seen["visible_title"] == seen["base_title"], seen
        assert seen["after_reload"] == {"asks": 0, "prompt": False}, seen["after_reload"]
        for name in ("push-prompt-360.png", "push-unread-360.png"):
            assert os.path.getsize(os.path.join(shots, name)) > 0
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
