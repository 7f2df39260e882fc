"""Neighbourhood group chats on Telegram (fake Bot API; groups and supergroups): binding by
leaders and officers, the one explanation an unbound group gets (also when the bot is added),
the bot removed and re-added, a group upgraded to a supergroup keeping its binding, tips and
urgent tips as desk leads, hard negatives and a day of chatter producing nothing, and the
unsolicited-message limit. The scam shield, leaders' tools and privacy are in
test_groups_tools.py (two files, so each stays well within its time limit on a loaded machine).
The stories shared with Zalo are in groupstest.py.

    python3 tests/integration/test_groups.py --binary build/groupstest/tipgate [test_name ...]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import groupstest as gt  # noqa: E402
import tglib  # noqa: E402
from groupstest import HOUR, T  # noqa: E402

TG = "telegram"


def env(*roles):
    """A started Env on Telegram with the people named in roles enrolled (groupstest.started)."""
    return gt.started(TG, *roles)


# ---- binding, the unbound group, membership --------------------------------------------------

def test_bot_added_to_unbound_group_explains_once_then_binding_rules():
    with env("leader", "officer") as e:
        g = e.group(1, "Tổ dân phố 5 - Ngõ 7")
        since = e.mark(g)
        e.member(g, "left", "member", by=e.user(101))
        assert e.wait_new(g, since) == [T("group_unbound_hint")]
        assert e.q("SELECT kind, bot_status, reachable, area FROM chats WHERE chat_id = ?",
                   g) == [("group", "member", 1, None)]
        for text in ("Ơ bot vào nhóm rồi", gt.THEFT, gt.ROBBERY_NOW):
            e.say(g, text, e.user(101))
        e.settle()
        assert e.sent(g) == [T("group_unbound_hint")], e.sent(g)
        assert e.leads() == []
        # a group where the bot was already a member: the hint at the first message; and the
        # shared binding story (leader own area only, officer any area, /huynhom)
        gt.story_unbound_then_bound(e, e.group(2, "Nhóm ngõ 3"),
                                    e.group(3, "Thôn Đông - Xóm Trại", supergroup=True))
        # an officer binds a group of the leader's area too (the code in any case)
        e.bind(g, e.OFFICER, "tdp5")
        e.stop()


def test_removed_group_gets_nothing_more_and_re_added_keeps_binding():
    with env("leader") as e:
        g, other = e.group(11, "Tổ 5 khu A"), e.group(12, "Tổ 5 khu B", supergroup=True)
        e.bind(g, e.LEADER)
        e.bind(other, e.LEADER)
        e.say(g, "/hop thứ 7 19h Họp tổ dân phố", e.LEADER)
        e.settle()
        mark = e.mark(g)
        e.member(g, "member", "left", by=e.user(111))
        e.settle()
        assert e.q("SELECT bot_status, reachable, area FROM chats WHERE chat_id = ?", g) == [
            ("left", 0, "TDP5")]
        # a late message, an announcement, a reminder: nothing reaches the removed group
        e.say(g, gt.ROBBERY_NOW, e.user(112))
        got = e.ask(e.LEADER, "/thongbao Mai tổng vệ sinh", e.LEADER)
        assert got == [T("announce_sent", count=1)], got
        at = e.q1("SELECT at FROM meetings")
        e.set_clock(at - HOUR + 30 * 1000)
        time.sleep(1.5)
        e.settle()
        assert e.sent(g)[mark:] == [], e.sent(g)[mark:]
        assert e.sent(other)[-1] == T("announce_text", role=T("role_leader"),
                                      area=gt.AREA_NAMES["TDP5"], text="Mai tổng vệ sinh")
        # added back (as an administrator): still bound, no explanation needed
        e.member(g, "left", "administrator", by=e.user(111))
        e.settle()
        assert e.q("SELECT bot_status, reachable, area FROM chats WHERE chat_id = ?", g) == [
            ("administrator", 1, "TDP5")]
        assert e.ask(g, gt.GAMBLING, e.user(113)) == [T("group_invite_private")]
        # kicked: the same as removed
        e.member(other, "member", "kicked", by=e.user(111))
        e.settle()
        m2 = e.mark(other)
        e.say(other, gt.DRUGS, e.user(113))
        e.settle()
        assert e.sent(other)[m2:] == []
        e.stop()


def test_supergroup_migration_keeps_the_binding():
    with env("leader") as e:
        old = e.group(21, "Tổ dân phố 5")
        new = "-100%s" % old[1:]
        e.titles[new] = e.titles[old]
        e.bind(old, e.LEADER)
        at_text = "Họp tổ dân phố cuối năm"
        got = e.ask(old, "/hop 20/12 19:30 " + at_text, e.LEADER)
        assert len(got) == 1 and got[0].startswith(gt.prefix_of("meeting_saved")), got
        e.fake.push_migration(int(old), int(new))
        e.pushed += 1
        e.settle()
        assert e.q("SELECT chat_id, area FROM chats WHERE chat_id IN (?, ?)", old, new) == [
            (new, "TDP5")]
        # the supergroup is watched as the group was
        since = e.mark(e.DESK_TDP5)
        assert e.ask(new, gt.THEFT, e.user(121)) == [T("group_invite_private")]
        lead = e.wait_new(e.DESK_TDP5, since)[0]
        gt.check_lead(e, lead, new, "TDP5", gt.THEFT, user=e.user(121))
        # announcements and reminders reach the supergroup, never the old id
        got = e.ask(e.LEADER, "/thongbao Lịch họp cuối năm", e.LEADER)
        assert got == [T("announce_sent", count=1)], got
        e.wait_text(new, lambda t: t.endswith("Lịch họp cuối năm"), what="announcement")
        at = e.q1("SELECT at FROM meetings")
        e.set_clock(at - HOUR + 30 * 1000)
        e.wait_text(new, lambda t: t == T("meeting_reminder_hour", when=gt.shown_when(at),
                                          text=at_text), what="reminder")
        e.settle()
        assert e.area_of(new) == "TDP5" and e.area_of(old) is None
        gt.assert_nothing_personal(e, [old, new], gt.THEFT_ITEMS)
        e.stop()


# ---- tips, urgent tips, chatter ---------------------------------------------------------------

def test_tips_in_groups_and_supergroups_become_leads():
    with env("leader", "east") as e:
        g5 = e.group(31, "Tổ dân phố 5 - Ngõ 7")
        east = e.group(32, "Thôn Đông", supergroup=True)
        e.bind(g5, e.LEADER)
        e.bind(east, e.LEADER_EAST, "THONDONG")
        gt.story_leads(e, g5, east)
        e.stop()


def test_group_lead_carries_the_extracted_phones_and_plates():
    with env("leader") as e:
        g5 = e.group(35, "Tổ dân phố 5")
        e.bind(g5, e.LEADER)
        gt.story_lead_fields(e, g5)
        e.stop()


def test_urgent_tip_alerts_the_desk_first_and_gives_the_group_emergency_numbers():
    with env("leader") as e:
        g5 = e.group(41, "Tổ dân phố 5", supergroup=True)
        e.bind(g5, e.LEADER)
        gt.story_urgent(e, g5)
        e.stop()


def test_a_day_of_chatter_and_hard_negatives_produce_nothing_and_keep_nothing():
    with env("leader") as e:
        g5 = e.group(51, "Tổ dân phố 5 - cả nhà")
        e.bind(g5, e.LEADER)
        gt.story_chatter(e, g5)
        e.stop()


def test_bicycles_for_students_are_chatter():
    """"xe đạp" is a bicycle, not a kick ("đạp"): selling or lending one is no tip."""
    with env("leader") as e:
        g5 = e.group(55, "Tổ dân phố 5")
        e.bind(g5, e.LEADER)
        mark = e.mark(g5)
        for text in gt.BICYCLES:
            e.say(g5, text, e.user(551))
        e.settle()
        assert e.sent(g5)[mark:] == [] and e.leads() == [], (e.sent(g5)[mark:], e.leads())
        e.stop()


def test_one_unsolicited_message_per_group_per_five_minutes():
    with env("leader") as e:
        g5, g2 = e.group(61, "Tổ 5 ngõ 1"), e.group(62, "Tổ 5 ngõ 2", supergroup=True)
        e.bind(g5, e.LEADER)
        e.bind(g2, e.LEADER)
        gt.story_rate_limit(e, g5, g2)
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
