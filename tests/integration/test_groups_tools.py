"""Neighbourhood group chats on Telegram (fake Bot API), the second half of test_groups.py:
scam warnings once per item per group per day, a tip naming a flagged number still reaching the
desk, cross-group scam detection, leader announcements, meetings with reminders on a moving
clock, monthly figures, lead retention, and nothing personal ever echoed in a group.

    python3 tests/integration/test_groups_tools.py --binary build/asan/tipgate [test_name ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import groupstest as gt  # noqa: E402
import tglib  # noqa: E402

TG = "telegram"


def env(*roles):
    """A started Env on Telegram with the people named in roles enrolled (groupstest.started)."""
    return gt.started(TG, *roles)


# ---- the scam shield ------------------------------------------------------------------------

def test_flagged_items_warned_once_per_item_per_group_per_day():
    with env("leader", "officer") as e:
        g5, g2 = e.group(71, "Tổ 5 ngõ 1"), e.group(72, "Tổ 5 ngõ 2", supergroup=True)
        e.bind(g5, e.LEADER)
        e.bind(g2, e.LEADER)
        gt.story_warnings(e, g5, g2)
        e.stop()


def test_a_tip_naming_a_flagged_number_still_reaches_the_desk():
    with env("leader", "officer") as e:
        g5 = e.group(75, "Tổ 5 ngõ 1")
        e.bind(g5, e.LEADER)
        gt.story_tip_with_flagged_number_reaches_desk(e, g5)
        e.stop()


def test_same_link_in_several_groups_or_phone_in_several_tips_told_to_desk_once_a_day():
    with env("leader", "east") as e:
        g1, g2 = e.group(81, "Tổ 5 ngõ 1"), e.group(82, "Tổ 5 ngõ 2", supergroup=True)
        g3 = e.group(83, "Thôn Đông")
        e.bind(g1, e.LEADER)
        e.bind(g2, e.LEADER)
        e.bind(g3, e.LEADER_EAST, "THONDONG")
        gt.story_cross_group(e, g1, g2, g3)
        e.stop()


# ---- leader tools ---------------------------------------------------------------------------

def announce_env(e):
    groups5 = [e.group(91, "Tổ 5 ngõ 1"), e.group(92, "Tổ 5 ngõ 2", supergroup=True),
               e.group(93, "Tổ 5 ngõ 3")]
    for g in groups5:
        e.bind(g, e.LEADER)
    east = e.group(94, "Thôn Đông")
    e.bind(east, e.LEADER_EAST, "THONDONG")
    unbound = e.group(95, "Hội cựu chiến binh")
    gt.story_announce(e, groups5, east, unbound)
    return groups5, unbound


def test_announcement_fans_out_to_the_areas_bound_groups_at_bulk_priority():
    with env("leader", "east", "officer") as e:
        announce_env(e)
        e.stop()


def test_stats_in_a_group_show_this_months_figures_only():
    with env("leader", "east", "officer") as e:
        groups5, unbound = announce_env(e)
        gt.story_stats(e, groups5, unbound)
        e.stop()


def test_meetings_read_dates_ask_back_unclear_ones_and_remind_on_a_moving_clock():
    with env("leader") as e:
        g5 = e.group(101, "Tổ dân phố 5", supergroup=True)
        e.bind(g5, e.LEADER)
        gt.story_meetings(e, g5)
        e.stop()


def test_meeting_tonight_is_not_reminded_as_tomorrow():
    with env("leader") as e:
        g5 = e.group(105, "Tổ dân phố 5")
        e.bind(g5, e.LEADER)
        gt.story_meeting_today_not_called_tomorrow(e, g5)
        e.stop()


# ---- privacy ---------------------------------------------------------------------------------

def test_group_leads_deleted_after_retention_with_their_text():
    with env("leader") as e:
        g5 = e.group(111, "Tổ dân phố 5")
        e.bind(g5, e.LEADER)
        gt.story_retention(e, g5)
        e.stop()


def test_nothing_personal_echoed_in_groups():
    with env("leader", "officer") as e:
        g5, g2 = e.group(121, "Tổ 5 ngõ 1"), e.group(122, "Tổ 5 ngõ 2", supergroup=True)
        e.bind(g5, e.LEADER)
        e.bind(g2, e.LEADER)
        gt.story_nothing_personal(e, g5, g2)
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
