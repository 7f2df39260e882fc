"""The web chat page in a real browser (Debian's headless Chromium driven by playwright-core,
both installed by scripts/deps): what a resident on a 360 px phone sees. Each test starts
tipgate, runs tests/browser/webchat.mjs on a scenario and asserts on what the page showed.

    python3 tests/integration/test_browser_webchat.py --binary build/asan/tipgate [test_name ...]
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T, codes_in  # noqa: E402

BROWSER_DIR = os.path.join(tglib.REPO, "tests", "browser")
KNIFE = "đang có đánh nhau có dao ở ngã tư chợ Đông, có người bị chém chảy máu nhiều"


def run_page(tg, scenario, shot, **env):
    """Runs a scenario of webchat.mjs against tg's page; returns what the page showed."""
    missing = [p for p in ("/usr/bin/chromium", os.path.join(
        BROWSER_DIR, "node_modules", "playwright-core")) if not os.path.exists(p)]
    assert not missing and shutil.which("node"), (
        "browser tests need chromium, node and playwright-core (scripts/deps installs them): "
        "missing %r" % missing)
    e = dict(os.environ)
    e.update(env)
    p = subprocess.run(["node", os.path.join(BROWSER_DIR, "webchat.mjs"), tg.url("/"), scenario,
                        shot], capture_output=True, timeout=90, env=e, cwd=BROWSER_DIR)
    assert p.returncode == 0, (p.returncode, p.stderr.decode(errors="replace")[-3000:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def test_emergency_on_a_360px_phone_shows_the_numbers_first_as_links_that_dial():
    with tipstest.Env(telegram=False) as e:
        e.start()
        shot = os.path.join(e.dir, "emergency-360.png")
        seen = run_page(e.tg, "emergency", shot, TIPGATE_TEXT=KNIFE)
        assert seen["page_errors"] == [], seen["page_errors"]
        first, second = seen["first"], seen["second"]
        assert first["text"] == T("emergency_call", numbers=T("emergency_number_police") + "\n" +
                                  T("emergency_number_medical")), first["text"]
        assert [(t["label"], t["href"]) for t in first["tel"]] == [
            (T("emergency_button_police"), "tel:113"),
            (T("emergency_button_medical"), "tel:115")], first["tel"]
        for link in first["tel"]:   # a tap target inside the screen, not a sliver
            assert link["box"]["x"] >= 0 and link["box"]["x"] + link["box"]["w"] <= 360, link
            assert link["box"]["h"] >= 40, link
        code = codes_in(second["text"])[0]
        assert second["text"] == T("emergency_filed", code=code), second["text"]
        assert [b["label"] for b in second["buttons"]] == [
            T("choice_phone"), T("emergency_choice_done")], second["buttons"]
        assert seen["after_last_button"]["text"] == T("emergency_done", code=code), seen
        tip = e.tip(code)
        assert (tip["platform"], tip["urgent"], tip["anonymous"]) == ("webchat", 1, 1), tip
        assert os.path.getsize(shot) > 0
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
