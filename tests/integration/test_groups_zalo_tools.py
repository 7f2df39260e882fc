"""Neighbourhood group chats on Zalo, the second half of test_groups_zalo.py: announcements,
monthly figures, meetings in the configured time zone with reminders on a moving clock, lead
retention, and nothing personal echoed in a group.

    python3 tests/integration/test_groups_zalo_tools.py --binary build/asan/tipgate [test ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import groupstest as gt  # noqa: E402
import tglib  # noqa: E402

ZL = "zalo"


def env(*roles, **options):
    """A started Env on Zalo with the people named in roles enrolled (groupstest.started)."""
    return gt.started(ZL, *roles, **options)


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
