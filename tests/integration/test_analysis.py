"""An operator sees in /metrics how often the Vietnamese text engine reads (issue 11): each
message a resident sends is read once, whatever path it takes — a tip filed by /baotin (checked
for an emergency, filed, its desk message written), a tip told in free text (offered, its
description pre-filled), an emergency (the numbers, the filing, the desk's alert), a detail added
after it. tipgate_text_analyses_total counts the engine's runs.

    python3 tests/integration/test_analysis.py --binary build/asan/tipgate [test_name ...]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T  # noqa: E402

THEFT = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
THEFT_NO_PLACE = "Nhà hàng xóm bị trộm mất xe máy"
ROBBERY_NOW = "đang có cướp, cứu với, ở ngõ 12 đường Lê Lợi"


def analyses(tg):
    status, _, body = tg.get("/metrics")
    assert status == 200, status
    m = re.search(r"^tipgate_text_analyses_total (\d+)$", body.decode(), re.M)
    assert m, body.decode()[:2000]
    return int(m.group(1))


def test_each_message_is_read_once_by_the_text_engine():
    with tipstest.Env() as e:
        e.start()
        base = analyses(e.tg)

        e.file_tip(720001, THEFT)
        e.settled()
        assert analyses(e.tg) == base + 1

        [m] = e.ask(720002, THEFT_NO_PLACE)
        assert m == T("report_ask_offer"), m
        e.settled()
        assert analyses(e.tg) == base + 2

        since = e.say(720003, ROBBERY_NOW)
        e.wait_text(720003, lambda t: t.startswith(T("emergency_filed", code="XXXX")[:12]),
                    since, what="the emergency's receipt")
        e.settled()
        assert analyses(e.tg) == base + 3

        since = e.say(720003, "nó mặc áo đen, đi xe máy biển 29A-12345")
        e.wait_new(720003, since)
        e.settled()
        assert analyses(e.tg) == base + 4


if __name__ == "__main__":
    tglib.main(globals())
