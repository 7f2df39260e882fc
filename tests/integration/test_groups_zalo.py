"""Neighbourhood group chats on Zalo (fake Zalo Bot Platform API, GROUP chats with opaque
string ids): the same core stories as test_groups.py on Telegram — binding and the one
explanation an unbound group gets (at its first message: Zalo has no my_chat_member), tips and
urgent tips as desk leads, hard negatives and a day of chatter producing nothing, the
unsolicited-message limit, scam warnings, cross-group detection, announcements, monthly figures,
meetings on a moving clock, and nothing personal echoed in a group. Desks are Zalo chats too.

    python3 tests/integration/test_groups_zalo.py --binary build/groupstest/tipgate [test ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import groupstest as gt  # noqa: E402
import tglib  # noqa: E402
from groupstest import T  # noqa: E402

ZL = "zalo"


def env(*roles, **options):
    """A started Env with the people named in roles enrolled: "leader", "east", "officer"."""
    e = gt.Env(ZL, **options)
    e.start()
    try:
        if "leader" in roles:
            e.enrol(e.LEADER, "leader", "TDP5", name="Bác Tư tổ trưởng")
        if "east" in roles:
            e.enrol(e.LEADER_EAST, "leader", "THONDONG", name="Ông Sáu trưởng thôn")
        if "officer" in roles:
            e.enrol(e.OFFICER, "police", "TDP5", name="Trung úy Minh")
    except BaseException:
        e.__exit__(*sys.exc_info())
        raise
    return e


def test_zalo_unbound_group_explains_once_and_binding_rules():
    with env("leader", "officer") as e:
        g, g_officer = e.group(1), e.group(2)
        assert not g.lstrip("-").isdigit() and g != g_officer, g   # opaque string ids
        gt.story_unbound_then_bound(e, g, g_officer)
        # the chats rows: groups, with the string ids as given
        assert e.q("SELECT chat_id, kind, area FROM chats WHERE chat_id IN (?, ?) ORDER BY id",
                   g, g_officer) == [(g, "group", None), (g_officer, "group", "THONDONG")]
        e.stop()


def test_zalo_tips_urgent_tips_and_leads():
    with env("leader", "east") as e:
        g5, east, g_urgent = e.group(11), e.group(12), e.group(13)
        e.bind(g5, e.LEADER)
        e.bind(east, e.LEADER_EAST, "THONDONG")
        e.bind(g_urgent, e.LEADER)
        gt.story_leads(e, g5, east)
        gt.story_urgent(e, g_urgent)
        e.stop()


def test_zalo_a_day_of_chatter_and_hard_negatives_produce_nothing():
    with env("leader") as e:
        g5 = e.group(21)
        e.bind(g5, e.LEADER)
        gt.story_chatter(e, g5)
        e.stop()


def test_zalo_one_unsolicited_message_per_group_per_five_minutes():
    with env("leader") as e:
        g5, g2 = e.group(31), e.group(32)
        e.bind(g5, e.LEADER)
        e.bind(g2, e.LEADER)
        gt.story_rate_limit(e, g5, g2)
        e.stop()


def test_zalo_flagged_items_warned_once_per_item_per_group_per_day():
    with env("leader", "officer") as e:
        g5, g2 = e.group(41), e.group(42)
        e.bind(g5, e.LEADER)
        e.bind(g2, e.LEADER)
        gt.story_warnings(e, g5, g2)
        e.stop()


def test_zalo_same_link_in_several_groups_told_to_the_desk_once_a_day():
    with env("leader", "east") as e:
        g1, g2, g3 = e.group(51), e.group(52), e.group(53)
        e.bind(g1, e.LEADER)
        e.bind(g2, e.LEADER)
        e.bind(g3, e.LEADER_EAST, "THONDONG")
        gt.story_cross_group(e, g1, g2, g3)
        e.stop()


def announce_env(e):
    groups5 = [e.group(61), e.group(62), e.group(63)]
    for g in groups5:
        e.bind(g, e.LEADER)
    east, unbound = e.group(64), e.group(65)
    e.bind(east, e.LEADER_EAST, "THONDONG")
    gt.story_announce(e, groups5, east, unbound)
    return groups5, unbound


def test_zalo_announcement_fans_out_to_the_areas_bound_groups():
    with env("leader", "east", "officer") as e:
        announce_env(e)
        e.stop()


def test_zalo_stats_in_a_group_show_this_months_figures_only():
    with env("leader", "east", "officer") as e:
        groups5, unbound = announce_env(e)
        gt.story_stats(e, groups5, unbound)
        e.stop()


def test_zalo_meetings_in_the_configured_time_zone_and_reminders_on_a_moving_clock():
    """The ward's clock here is UTC: "20/12 19:30" is 19:30 UTC, not Vietnam's 19:30."""
    with env("leader", timezone=("UTC", 0)) as e:
        g5 = e.group(71)
        e.bind(g5, e.LEADER)
        gt.story_meetings(e, g5)
        e.stop()


def test_zalo_leads_deleted_after_the_configured_retention():
    with env("leader", tips={"lead_retention_days": 30}) as e:
        g5 = e.group(91)
        e.bind(g5, e.LEADER)
        gt.story_retention(e, g5, days=30, check_text=False)
        e.stop()


def test_zalo_nothing_personal_echoed_in_groups():
    with env("leader", "officer") as e:
        g5, g2 = e.group(81), e.group(82)
        e.bind(g5, e.LEADER)
        e.bind(g2, e.LEADER)
        gt.story_nothing_personal(e, g5, g2)
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
