"""The desk's internal note in chat (issue 14): /ghichu <mã> <nội dung> (alias /note) writes a
note the tipster never sees, which /xem's history shows with the officer's name; without a text
it answers the usage; a resident gets the polite refusal every desk command gives.

    python3 tests/integration/test_desk_note.py --binary build/asan/tipgate [test_name ...]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DESK_TDP5, T  # noqa: E402

OFFICER = 600101
OFFICER_NAME = "Trung úy Hòa"
THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
NOTE = "Camera nhà số 14 có thể đã quay được, cần xin trích xuất"


def test_ghichu_is_a_note_for_the_desk_that_the_tipster_never_sees():
    with tipstest.Env() as e:
        e.start()
        e.officer(OFFICER, name=OFFICER_NAME)
        r = 700301
        code = e.file_tip(r, THEFT_TDP5)
        e.settled()
        to_tipster = e.mark(r)
        [m] = e.desk_cmd(OFFICER, "/ghichu %s %s" % (code, NOTE))
        assert m == T("desk_done_note", code=code), m
        [m] = e.desk_cmd(OFFICER, "/note " + code)
        assert m == T("desk_usage_note"), m
        assert e.audit(code)[-1] == ("note", str(OFFICER), NOTE), e.audit(code)
        # the history of /xem shows it, with who wrote it
        [card] = e.desk_cmd(OFFICER, "/xem " + code)
        assert any(line.startswith("• ") and line.endswith(
            " — Cán bộ ghi chú nội bộ: " + NOTE) for line in card.split("\n")), card
        # the tipster: nothing, neither the note nor the /trangthai view of the tip
        e.settled()
        assert e.texts_to(r)[to_tipster:] == [], e.texts_to(r)[to_tipster:]
        assert e.q1("SELECT count(*) FROM tip_messages") == 0
        [view] = e.ask(r, "/trangthai " + code)
        assert NOTE not in view, view
        # a resident may not write notes
        [m] = e.ask(r, "/ghichu %s thử" % code)
        assert m == T("desk_only_police"), m


if __name__ == "__main__":
    tglib.main(globals())
