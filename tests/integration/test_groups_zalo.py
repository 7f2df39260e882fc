"""Neighbourhood group chats on Zalo (fake Zalo Bot Platform API, GROUP chats with opaque
string ids): the same core stories as test_groups.py on Telegram — binding and the one
explanation an unbound group gets (at its first message: Zalo has no my_chat_member), tips and
urgent tips as desk leads, hard negatives and a day of chatter producing nothing, the
unsolicited-message limit, scam warnings, cross-group detection. Announcements, monthly
figures, meetings on a moving clock, lead retention and nothing personal echoed in a group are
in test_groups_zalo_tools.py (two files, each well within its time limit). Desks are Zalo chats
too.

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
    """A started Env on Zalo with the people named in roles enrolled (groupstest.started)."""
    return gt.started(ZL, *roles, **options)


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


if __name__ == "__main__":
    tglib.main(globals())
