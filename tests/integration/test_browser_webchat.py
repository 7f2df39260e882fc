"""The web chat page in a real browser (Debian's headless Chromium driven by playwright-core,
both installed by scripts/deps): what a resident on a 360 px phone sees. Each test starts
tipgate, runs tests/browser/webchat.mjs on a scenario and asserts on what the page showed.
Screenshots of every step are kept in browser-shots/ next to the binary (build/asan/...).

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
THEFT = "Tối qua có người lấy trộm xe máy của tôi ở hẻm 12 đường Lê Lợi"
SCREEN_W, SCREEN_H = 360, 740


def shot_path(name):
    """Where a scenario's screenshot is kept: <dir of the binary>/browser-shots/name.png."""
    d = os.path.join(os.path.dirname(os.path.abspath(tglib.BINARY)), "browser-shots")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name + ".png")


def on_screen(box):
    return (box["x"] >= 0 and box["x"] + box["w"] <= SCREEN_W and box["y"] >= 0 and
            box["y"] + box["h"] <= SCREEN_H)


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
        shot = shot_path("emergency-360")
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


def test_first_screen_says_what_the_channel_is_for_on_one_phone_screen():
    ward = "Công an phường Chơn Thành"
    with tipstest.Env(telegram=False, extra={"ward": {"police_name": ward}}) as e:
        e.start()
        seen = run_page(e.tg, "first", shot_path("first-360"))
        assert seen["page_errors"] == [], seen["page_errors"]
        lines = [l["text"] for l in seen["lines"]]
        assert len(lines) == 3, lines
        assert "báo tin" in lines[0] and "ẩn danh" in lines[1], lines
        assert ward in lines[0], lines  # the ward's own name, from the configuration
        assert all(n in lines[2] for n in ("113", "114", "115")), lines
        assert seen["tel"] == ["tel:113", "tel:114", "tel:115"], seen["tel"]
        assert [(b["label"], b["cmd"]) for b in seen["buttons"]] == [
            ("Báo tin", "/baotin"), ("Hướng dẫn", "/huongdan")], seen["buttons"]
        for item in seen["lines"] + seen["buttons"]:   # all of it in view, nothing to scroll
            assert on_screen(item["box"]), item
        assert not seen["page_scrolls"] and not seen["list_scrolls"], seen
        e.stop()


def test_reload_mid_report_brings_the_question_back_with_buttons_that_work():
    with tipstest.Env(telegram=False) as e:
        e.start()
        seen = run_page(e.tg, "reload", shot_path("reload-360"), TIPGATE_TEXT=THEFT)
        assert seen["page_errors"] == [], seen["page_errors"]
        before, after = seen["before"], seen["after"]
        assert before["buttons"] and all(b["enabled"] for b in before["buttons"]), before
        assert after == before, (before, after)
        # Its first button, pressed after the reload, moves the report on.
        assert seen["next"]["text"] != before["text"], seen["next"]
        assert seen["next"]["buttons"], seen["next"]
        assert seen["enabled_buttons_left"] == 0, seen  # answered questions cannot be pressed
        e.stop()


def test_two_tabs_show_the_same_conversation():
    with tipstest.Env(telegram=False) as e:
        e.start()
        seen = run_page(e.tg, "tabs", shot_path("tabs-360"), TIPGATE_TEXT="/huongdan")
        assert seen["page_errors"] == [], seen["page_errors"]
        first, second = seen["first"], seen["second"]
        assert first["mine"] == second["mine"] == ["/huongdan"], seen
        assert first["bot"]["text"] == second["bot"]["text"] == T("help"), seen
        assert second["intro_left"] == 0, seen
        e.stop()


def test_category_step_keeps_its_question_in_view_at_360px():
    with tipstest.Env(telegram=False) as e:
        e.start()
        seen = run_page(e.tg, "category", shot_path("category-360"),
                        TIPGATE_TEXT="có chuyện này muốn báo với công an")
        assert seen["page_errors"] == [], seen["page_errors"]
        assert seen["buttons"] >= 7, seen
        assert seen["buttons_right"] <= SCREEN_W, seen
        assert seen["question_top"] >= seen["list_top"], seen
        e.stop()


def test_the_counter_counts_characters_as_people_do():
    with tipstest.Env(telegram=False) as e:
        e.start()
        seen = run_page(e.tg, "counter", shot_path("counter-360"))
        assert seen["page_errors"] == [], seen["page_errors"]
        assert seen["at4950"] == {"text": "4.950 / 5.000 ký tự", "hidden": False, "over": False}, seen
        assert seen["at5001"] == {"text": "5.001 / 5.000 ký tự – quá dài", "hidden": False,
                                  "over": True}, seen
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
