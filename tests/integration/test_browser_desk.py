"""The police web desk in a real browser (Debian's headless Chromium driven by playwright-core),
at 360 px and at 1280 px: two officers enrolled on the fake Telegram take their sign-in links
from /dangnhap in their chats; a resident on the web chat sends an urgent tip; officer A's desk
raises the red banner live (sound and notification attempted), opens the tip from it,
acknowledges it, replies (the resident's chat shows the reply through the code, nobody's
name), closes it with the outcome (the resident is told) and finds it in the queue filtered
and searched without diacritics; officer B, of another area, gets no banner. Screenshots of
every step are kept in browser-shots/ next to the binary (desk-360-*.png, desk-1280-*.png).

    python3 tests/integration/test_browser_desk.py --binary build/asan/tipgate [test_name ...]
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import desklib  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T, codes_in  # noqa: E402

BROWSER_DIR = os.path.join(tglib.REPO, "tests", "browser")
OFFICER_A, NAME_A = 610001, "Trung úy Lê Văn An"
OFFICER_B, NAME_B = 610002, "Thiếu úy Trần Thị Bình"
URGENT = "Cướp giật đang xảy ra ở đầu hẻm 40 tổ 5, có người bị thương"
REPLY = "Công an đang đến, bạn giữ an toàn nhé"
OUTCOME = "Đã bắt giữ đối tượng, trả lại tài sản cho bị hại"
SEARCH = "cuop giat hem 40"


def shot_prefix(width):
    """Where the run's screenshots go: <dir of the binary>/browser-shots/desk-<width>-NN-*.png."""
    d = os.path.join(os.path.dirname(os.path.abspath(tglib.BINARY)), "browser-shots")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):   # the previous run's, so what is there is this run's
        if f.startswith("desk-%d-" % width):
            os.remove(os.path.join(d, f))
    return os.path.join(d, "desk-%d" % width)


def run_desk(e, width, link_a, link_b):
    missing = [p for p in ("/usr/bin/chromium", os.path.join(
        BROWSER_DIR, "node_modules", "playwright-core")) if not os.path.exists(p)]
    assert not missing and shutil.which("node"), (
        "browser tests need chromium, node and playwright-core (scripts/deps installs them): "
        "missing %r" % missing)
    env = dict(os.environ, TIPGATE_LINK_A=link_a, TIPGATE_LINK_B=link_b, TIPGATE_TEXT=URGENT,
               TIPGATE_REPLY=REPLY, TIPGATE_OUTCOME=OUTCOME, TIPGATE_SEARCH=SEARCH)
    p = subprocess.run(["node", os.path.join(BROWSER_DIR, "desk.mjs"), e.tg.url("").rstrip("/"),
                        str(width), shot_prefix(width)],
                       capture_output=True, timeout=120, env=env, cwd=BROWSER_DIR)
    assert p.returncode == 0, (p.returncode, p.stderr.decode(errors="replace")[-3000:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def desk_at(width):
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER_A, "police", "TDP5", name=NAME_A)
        desklib.enrol(e, OFFICER_B, "police", "THONDONG", name=NAME_B)
        link_a, _ = desklib.link_from_chat(e, OFFICER_A)
        link_b, _ = desklib.link_from_chat(e, OFFICER_B)
        seen = run_desk(e, width, link_a, link_b)
        assert seen["page_errors"] == [], seen["page_errors"]

        # Signed in from the chat's link: the desk, with the officer's name, live.
        a = seen["a"]
        assert a["address"].endswith("/desk/") and "#t=" not in a["address"], a
        assert NAME_A in a["who"] and "Tổ dân phố 5" in a["who"], a
        assert a["conn"] == "Trực tuyến" and "Âm báo đã bật" in a["sound_hint"], a
        assert NAME_B in seen["b"]["who"], seen["b"]

        # The resident's urgent tip, filed anonymously through the web chat, in TDP5.
        code = seen["code"]
        shown = code[:4] + "-" + code[4:]
        assert shown in codes_in("\n".join(seen["resident_filed"])), seen["resident_filed"]
        tip = e.tip(shown)
        assert (tip["platform"], tip["urgent"], tip["area"]) == ("webchat", 1, "TDP5"), tip

        # The red banner came live, with a notification and sound attempted.
        assert len(seen["banner"]) == 1, seen["banner"]
        banner = seen["banner"][0]
        assert banner["text"].startswith("🚨 Tin KHẨN CẤP " + shown), banner
        assert "Tổ dân phố 5" in banner["text"] and "Mở tin" in banner["text"], banner
        assert seen["alerts"]["same_document"], seen["alerts"]
        notes = seen["alerts"]["notifications"]
        assert len(notes) == 1 and shown in notes[0]["title"], notes
        assert seen["alerts"]["tones"] > 0, seen["alerts"]

        # Officer B, of Thôn Đông: no banner, live or on a fresh load, and not in the queue.
        b = seen["b"]
        assert b["banners_live"] == 0 and b["banners_after_load"] == 0, b
        assert code not in b["rows"], b

        # The tip page from the banner; acknowledged, the banner is gone.
        assert seen["tip"]["address"].endswith("#/tip/" + code), seen["tip"]
        assert seen["tip"]["heading"].startswith("Tin " + shown), seen["tip"]
        assert "hẻm 40" in seen["tip"]["description"], seen["tip"]
        # The forms offer the statuses, the categories and the colleagues by name.
        statuses = [T("status_" + s) for s in ("new", "received", "verifying", "transferred",
                                               "resolved", "rejected")]
        assert all(s in seen["tip"]["status_options"] for s in statuses), seen["tip"]
        assert "Cướp, cướp giật tài sản" in seen["tip"]["classify_options"], seen["tip"]
        assert any(NAME_A in o for o in seen["tip"]["assign_options"]), seen["tip"]
        for step in ("tip", "acked", "closed"):   # nothing the page failed to fill in
            assert "null" not in seen[step]["head"] and "undefined" not in seen[step]["head"], (
                step, seen[step]["head"])
        assert seen["acked"]["banners"] == 0, seen["acked"]
        assert "Chưa tiếp nhận" not in seen["acked"]["facts"], seen["acked"]

        # The reply reached the resident's chat through the code, with nobody's name.
        replies = seen["resident_reply"]
        assert replies == [T("relay_to_tipster", code=shown, text=REPLY)], replies
        assert NAME_A not in replies[0] and "Lê Văn An" not in replies[0], replies

        # Closed with the outcome: the page says so and the resident is told.
        closed = seen["closed"]
        assert closed["status"] == T("status_closed"), closed
        assert "Đã đóng" in closed["facts"] and OUTCOME in closed["facts"], closed
        told = seen["resident_closed"]
        assert told == [T("tip_notice_closed", code=shown, text=OUTCOME)], told
        assert e.tip(shown)["closed_at"], e.tip(shown)

        # The queue, urgent only and searched without diacritics, finds it; other words do not.
        search = seen["search"]
        assert "urgent=1" in search["address"], search
        assert [r["code"] for r in search["rows"]] == [code], search
        assert shown in search["rows"][0]["text"], search
        assert search["none_note"] == "Không có tin nào khớp bộ lọc.", search

        assert len(seen["shots"]) >= 10 and all(os.path.getsize(s) > 0 for s in seen["shots"])
        e.stop()


def test_desk_at_360px_signs_in_from_the_chat_and_works_an_urgent_tip_to_closed():
    desk_at(360)


def test_desk_at_1280px_signs_in_from_the_chat_and_works_an_urgent_tip_to_closed():
    desk_at(1280)


if __name__ == "__main__":
    tglib.main(globals())
