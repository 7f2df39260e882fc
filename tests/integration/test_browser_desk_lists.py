"""The web desk's other pages in a real browser (Debian's headless Chromium driven by
playwright-core) at 360 px, against the real binary and the fake Telegram: an officer of Tổ dân
phố 5, a commander and a group leader take their sign-in links from /dangnhap in their chats.
A member of a bound TDP5 group writes a tip-like message (a lead): the officer's "Tin từ nhóm"
lists it with the group's title, the groups page lists the group with its counts (the
commander's lists the Thôn Đông group too); the scam shield adds a phone typed with dots,
finds it typed with spaces, imports JSON Lines (one good line, one bad one named with its
message) and removes it after the confirmation; the handover lists the resident's tip filed
this morning under "Tin mới" (not the lead) and its print stylesheet hides the navigation; the
leader sees only the groups page. Screenshots in browser-shots/ next to the binary
(desk-lists-NN-*.png).

    python3 tests/integration/test_browser_desk_lists.py --binary build/asan/tipgate [name ...]
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import desklib  # noqa: E402
import groupstest as gt  # noqa: E402
import tglib  # noqa: E402
from tipstest import T, bare, codes_in  # noqa: E402

BROWSER_DIR = os.path.join(tglib.REPO, "tests", "browser")
WIDTH = 360
GROUP5, GROUP_EAST = "Tổ dân phố 5 - Ngõ 7", "Thôn Đông - Xóm Trại"
TIP = "Tối qua có người lạ cạy cửa nhà số 8 ngõ 7 tổ 5, mất một chiếc xe đạp điện"
PHONE_TYPED, PHONE_SEARCH, PHONE = "0912.345.678", "0912 345 678", "0912345678"
IMPORT_GOOD = {"type": "phone", "value": "0987 654 321", "reason": "giả danh ngân hàng"}
IMPORT_BAD = {"type": "phone", "value": "12345", "reason": "số sai"}


def shot_prefix():
    """<dir of the binary>/browser-shots/desk-lists-NN-*.png, the previous run's removed."""
    d = os.path.join(os.path.dirname(os.path.abspath(tglib.BINARY)), "browser-shots")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("desk-lists-"):
            os.remove(os.path.join(d, f))
    return os.path.join(d, "desk-lists")


def link_of(e, user, name):
    """/dangnhap in user's private chat → the sign-in link."""
    since = e.dm(user, "/dangnhap", name=name)
    text = e.wait_text(user, lambda t: desklib.LINK_RE.search(t) is not None, since,
                       what="a sign-in link")
    return desklib.LINK_RE.search(text).group(1)


def enrol_commander(e, user, name):
    code = desklib.enrol_code(e, "commander")
    since = e.dm(user, "/dangky " + code, name=name)
    e.wait_text(user, lambda t: t.startswith(T("enrol_done", role="X", area="Y")[:12]), since,
                what="enrol_done")


def run_lists(e, links):
    missing = [p for p in ("/usr/bin/chromium", os.path.join(
        BROWSER_DIR, "node_modules", "playwright-core")) if not os.path.exists(p)]
    assert not missing and shutil.which("node"), (
        "browser tests need chromium, node and playwright-core (scripts/deps installs them): "
        "missing %r" % missing)
    env = dict(os.environ, TIPGATE_LINK_OFFICER=links["officer"],
               TIPGATE_LINK_COMMANDER=links["commander"], TIPGATE_LINK_LEADER=links["leader"],
               TIPGATE_PHONE_TYPED=PHONE_TYPED, TIPGATE_PHONE_SEARCH=PHONE_SEARCH,
               TIPGATE_IMPORT="\n".join(json.dumps(x, ensure_ascii=False)
                                        for x in (IMPORT_GOOD, IMPORT_BAD)))
    p = subprocess.run(["node", os.path.join(BROWSER_DIR, "desk_lists.mjs"),
                        e.tg.url("").rstrip("/"), str(WIDTH), shot_prefix()],
                       capture_output=True, timeout=120, env=env, cwd=BROWSER_DIR)
    assert p.returncode == 0, (p.returncode, p.stderr.decode(errors="replace")[-3000:])
    return json.loads(p.stdout.decode().strip().splitlines()[-1])


def test_desk_lists_leads_groups_scam_shield_handover_and_the_leaders_page():
    with gt.Env("telegram") as e:
        e.start()
        e.enrol(e.LEADER, "leader", "TDP5", name="Bác Tư tổ trưởng")
        e.enrol(e.OFFICER, "police", "TDP5", name="Trung úy Minh")
        commander = e.user(4)
        enrol_commander(e, commander, "Thiếu tá Hùng")
        g5, g_east = e.group(1, GROUP5), e.group(2, GROUP_EAST, supergroup=True)
        e.bind(g5, e.LEADER)
        e.bind(g_east, e.OFFICER, "THONDONG")
        # a lead from the TDP5 group; a resident's own tip by /baotin
        since = e.mark(e.DESK_TDP5)
        assert e.ask(g5, gt.GAMBLING, e.user(201)) == [T("group_invite_private")]
        e.wait_new(e.DESK_TDP5, since)
        [(lead, area, _, _, _)] = e.leads()
        assert area == "TDP5"
        since = e.dm(e.user(301), "/baotin " + TIP)
        receipt = e.wait_text(e.user(301), lambda t: t.startswith(T("tip_filed", code="X")[:12]),
                              since, what="tip_filed")
        tip = bare(codes_in(receipt)[0])
        assert e.q1("SELECT area FROM tips WHERE code = ?", tip) == "TDP5"

        links = {"officer": link_of(e, e.OFFICER, "Trung úy Minh"),
                 "commander": link_of(e, commander, "Thiếu tá Hùng"),
                 "leader": link_of(e, e.LEADER, "Bác Tư tổ trưởng")}
        seen = run_lists(e, links)
        assert seen["page_errors"] == [], seen["page_errors"]
        for page, text in seen["texts"].items():   # nothing the pages failed to fill in
            assert "null" not in text and "undefined" not in text, (page, text)

        # Tin từ nhóm: the lead, with its group's title; the resident's tip is not a lead.
        leads = seen["leads"]
        assert [r["code"] for r in leads] == [lead], leads
        assert "👥 " + GROUP5 in leads[0]["text"] and "Từ nhóm" in leads[0]["text"], leads

        # Groups: the officer's area only, with its 30-day counts; the commander's: both.
        assert seen["groups_officer"] == [[GROUP5, gt.AREA_NAMES["TDP5"], "Telegram", "1", "0"]], \
            seen["groups_officer"]
        assert sorted(r[0] for r in seen["groups_commander"]) == sorted([GROUP5, GROUP_EAST]), \
            seen["groups_commander"]

        # The scam shield: added as typed with dots, kept as the digits, shown grouped.
        scam = seen["scam"]
        assert any(PHONE_SEARCH in t for t in scam["after_add"]), scam
        assert e.q("SELECT kind, value FROM scam_items WHERE value = ?", PHONE) == [
            ("phone", PHONE)], e.q("SELECT kind, value FROM scam_items")
        assert scam["import"][0] == "Đã thêm 1 mục, bỏ qua 1 dòng lỗi.", scam["import"]
        assert scam["import"][1:] == ["Các dòng lỗi:", "Dòng 2: " +
                                      T("desk_web_err_scam_bad_phone")], scam["import"]
        assert len(scam["after_import"]) == 2, scam
        assert len(scam["found"]) == 1 and PHONE_SEARCH in scam["found"][0], scam
        assert scam["confirm"] == 'Gỡ "%s" khỏi danh sách cảnh báo?' % PHONE_SEARCH, scam
        assert scam["after_remove"] == [] and scam["none_note"] == "Không có mục nào khớp.", scam
        assert e.q("SELECT value FROM scam_items WHERE value = ? AND removed_at IS NULL",
                   PHONE) == [], e.q("SELECT * FROM scam_items")

        # The handover: the resident's tip under "Tin mới", not the lead; printed without nav.
        ho = seen["handover"]
        assert ho["new"] == [tip], ho
        assert ho["print"] == {"nav": False, "form": False, "head": True}, ho

        # The leader: the groups page only.
        leader = seen["leader"]
        assert leader["address"].endswith("#/groups") and leader["nav"] == ["Nhóm"], leader
        assert leader["groups"] == [[GROUP5, gt.AREA_NAMES["TDP5"], "Telegram", "1", "0"]], leader

        assert len(seen["shots"]) >= 8 and all(os.path.getsize(s) > 0 for s in seen["shots"])
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
