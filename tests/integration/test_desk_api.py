"""The web desk's JSON API (/api/desk) against the real binary over HTTP, signed in as an officer
does (/dangnhap in the enrolled chat, desklib): each role sees exactly its scope (an officer of
one area gets 404 for another area's tip, exactly as for a code that does not exist, and acting
on it changes nothing; a commander sees every area; a leader no tip at all); every route needs
a session; a state-changing request without the session's CSRF token, with a broken JSON body
or with an oversize one is refused and changes nothing; art. 147's extension limit through the
API; the queue in pages of 20 with cursors. (Sign-in, sign-out, expired and reused links:
test_desk_auth.py; the tipster's anonymity, the one desk of chat and web, a link of someone
unenrolled and the 12 hours of a busy session: test_desk_api_desk.py.)

    python3 tests/integration/test_desk_api.py --binary build/asan/tipgate [test_name ...]
"""
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import desklib  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from desklib import Desk  # noqa: E402
from tipstest import ALPHABET, DESK_THONDONG, bare, end_of_day  # noqa: E402

OFFICER_A, OFFICER_B, COMMANDER, LEADER = 610001, 610002, 610003, 610004
THEFT_TDP5 = "Tối qua lúc 22h ở tổ 5 có kẻ trộm xe máy của nhà bên cạnh"
DRUGS_EAST = "Có người bán ma túy ở Thôn Đông tối nay"
NO_AREA = "Có người lạ cứ đứng nhìn vào nhà tôi mấy tối nay, tôi thấy sợ"
UNKNOWN = "ZZZZ2345"

ACTIONS = {  # every action with a body it accepts
    "ack": {}, "assign": {"name": "Trung úy Minh"}, "reply": {"text": "Anh ở đâu?"},
    "status": {"status": "verifying"}, "close": {"outcome": "Đã xử lý"}, "reopen": {},
    "duplicate": {"of": UNKNOWN}, "extend": {"days": 5}, "classify": {"category": "theft"},
    "note": {"text": "ghi chú"},
}


def tip_routes(code):
    """(method, path, body) of every route about one tip."""
    routes = [("GET", "/api/desk/tips/%s" % code, None),
              ("GET", "/api/desk/tips/%s/contact" % code, None),
              ("GET", "/api/desk/tips/%s/photos/0" % code, None)]
    return routes + [("POST", "/api/desk/tips/%s/%s" % (code, a), b) for a, b in ACTIONS.items()]


def call(desk, method, path, body=None):
    return desk.get(path) if method == "GET" else desk.post(path, body)


def staff(e):
    """Officers of TDP5 (A) and THONDONG (B), a commander, a leader of TDP5: signed in."""
    desklib.enrol(e, OFFICER_A, "police", "TDP5", name="Trung úy Minh")
    desklib.enrol(e, OFFICER_B, "police", "THONDONG", name="Thiếu úy Lan")
    desklib.enrol(e, COMMANDER, "commander", None, name="Đại úy Hùng")
    desklib.enrol(e, LEADER, "leader", "TDP5", name="Bà Tổ trưởng")
    return {who: desklib.sign_in(e, uid) for who, uid in
            (("a", OFFICER_A), ("b", OFFICER_B), ("c", COMMANDER), ("l", LEADER))}


def listed(desk, query=""):
    status, body = desk.get("/api/desk/tips" + query)
    assert status == 200, (status, body)
    return {t["code"] for t in body["tips"]}


def snapshot(e, code):
    """What an action would change: the tip's row, its audit rows but views, its relay."""
    t = e.tip(code)
    return (t, e.q("SELECT action, detail FROM audit_log WHERE tip_id = ? AND action NOT IN "
                   "('view', 'view_contact')", t["id"]),
            e.q("SELECT direction, text FROM tip_messages WHERE tip_id = ?", t["id"]))


# ---- 1. scope --------------------------------------------------------------------------------

def test_each_role_sees_exactly_its_scope_and_a_tip_elsewhere_is_not_found():
    with tipstest.Env() as e:
        e.start()
        desks = staff(e)
        ta, tb, tn = (bare(e.file_tip(u, text)) for u, text in
                      ((700001, THEFT_TDP5), (700002, DRUGS_EAST), (700003, NO_AREA)))
        e.settled()
        assert (e.tip(ta)["area"], e.tip(tb)["area"], e.tip(tn)["area"]) == \
            ("TDP5", "THONDONG", None), (e.tip(ta), e.tip(tb), e.tip(tn))

        # each officer: their area's tips and those of no area; the commander all
        assert listed(desks["a"]) == {ta, tn}
        assert listed(desks["b"]) == {tb, tn}
        assert listed(desks["c"]) == {ta, tb, tn}
        # asking for another area, or searching its words, shows nothing of it
        assert listed(desks["a"], "?area=THONDONG") == set()
        assert listed(desks["a"], "?q=ma+tuy") == set()
        assert listed(desks["c"], "?q=ma+tuy") == {tb}
        status, summary = desks["a"].get("/api/desk/summary")
        assert status == 200 and summary["open"] == 2, summary
        status, summary = desks["c"].get("/api/desk/summary")
        assert status == 200 and summary["open"] == 3, summary

        # B's tip is, for A, exactly what a code that does not exist is, on every route
        before = snapshot(e, tb)
        since = e.mark(DESK_THONDONG), e.mark(700002)
        for method, path, body in tip_routes(tb):
            got = call(desks["a"], method, path, body)
            unknown = call(desks["a"], method, path.replace(tb, UNKNOWN), body)
            assert got[0] == 404 and got == unknown, (path, got, unknown)
            assert got[1]["error"]["code"] == "not_found", got
        # …and nothing changed: the tip, its log and relay, its desk chat and its tipster
        assert snapshot(e, tb) == before
        e.settled()
        assert (e.mark(DESK_THONDONG), e.mark(700002)) == since
        # a duplicate of a tip outside the scope is refused as an unknown code
        status, body = desks["a"].post("/api/desk/tips/%s/duplicate" % ta, {"of": tb})
        assert status == 400 and e.tip(ta)["duplicate_of"] is None, (status, body)

        # nor may A hand a tip to an officer of another area: not a colleague of A's
        status, mates = desks["a"].get("/api/desk/colleagues")
        b_id, c_id = desklib.person_id(e, OFFICER_B), desklib.person_id(e, COMMANDER)
        ids = {m["id"] for m in mates["colleagues"]}
        assert status == 200 and b_id not in ids and c_id in ids, mates
        before = snapshot(e, ta)
        status, body = desks["a"].post("/api/desk/tips/%s/assign" % ta, {"person_id": b_id})
        assert status == 400 and snapshot(e, ta) == before, (status, body)

        # in scope: the tip page, and an action works
        for who, code in (("a", ta), ("a", tn), ("b", tb), ("c", ta), ("c", tb)):
            status, page = desks[who].get("/api/desk/tips/" + code)
            assert status == 200 and page["tip"]["code"] == code, (who, code, status, page)
        status, body = desks["c"].post("/api/desk/tips/%s/ack" % tb)
        assert status == 200 and body["tip"]["acknowledged_at"], (status, body)

        # a leader: who they are, the labels, and no tip route at all
        status, me = desks["l"].get("/api/desk/me")
        assert status == 200 and me["role"] == "leader", (status, me)
        assert desks["l"].get("/api/desk/categories")[0] == 200
        before = snapshot(e, ta)
        for method, path, body in [("GET", "/api/desk/tips", None),
                                   ("GET", "/api/desk/tips?area=TDP5", None),
                                   ("GET", "/api/desk/summary", None),
                                   ("GET", "/api/desk/colleagues", None)] + tip_routes(ta):
            status, got = call(desks["l"], method, path, body)
            assert status == 403 and got["error"]["code"] == "forbidden", (path, status, got)
        assert snapshot(e, ta) == before
        e.stop()


# ---- 2. sessions, CSRF and bodies ------------------------------------------------------------

def test_no_session_bad_csrf_broken_or_oversize_body_refused_and_nothing_changes():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER_A, "police", "TDP5", name="Trung úy Minh")
        desklib.enrol(e, OFFICER_B, "police", "TDP5", name="Thiếu úy Lan")
        a, b = desklib.sign_in(e, OFFICER_A), desklib.sign_in(e, OFFICER_B)
        code = bare(e.file_tip(700001, THEFT_TDP5))
        e.settled()

        # no session, or one that does not exist: 401 everywhere
        routes = [("GET", "/api/desk/%s" % r, None) for r in
                  ("me", "summary", "categories", "tips", "tips?urgent=1", "colleagues")]
        routes += [("POST", "/api/desk/logout", {})] + tip_routes(code)
        before = snapshot(e, code)
        for desk in (Desk(e.tg.port), Desk(e.tg.port, cookie="0" * 64, csrf=a.csrf),
                     Desk(e.tg.port, cookie=a.cookie[:-1], csrf=a.csrf)):
            for method, path, body in routes:
                status, got = call(desk, method, path, body)
                assert status == 401 and got["error"]["code"] == "signed_out", (path, status, got)
            # whatever the body: the page is told to sign in again, not what is wrong with it
            for body in ("{not json", {"text": "x" * (65 * 1024)}):
                status, got = desk.post("/api/desk/tips/%s/note" % code, body)
                assert status == 401 and got["error"]["code"] == "signed_out", (status, got)

        # a POST without the session's CSRF token: missing, wrong, another session's
        for action, body in ACTIONS.items():
            path = "/api/desk/tips/%s/%s" % (code, action)
            for token in (None, "", "0" * 32, b.csrf, a.csrf[:-1], a.csrf + "0"):
                status, got = a.post(path, body, csrf=token)
                assert status == 403 and got["error"]["code"] == "csrf", (path, token, got)
        for body in ("{not json", {"text": "x" * (65 * 1024)}):   # the token comes first
            status, got = a.post("/api/desk/tips/%s/note" % code, body, csrf=None)
            assert status == 403 and got["error"]["code"] == "csrf", (status, got)

        # a body that is not a JSON object
        for data in (b"{not json", b"[1, 2]", b'"text"', b"{\"text\": \"a\"", b"\xff\xfe{}"):
            status, _, got = a.raw("POST", "/api/desk/tips/%s/note" % code, data,
                                   {"X-CSRF-Token": a.csrf})
            assert status == 400 and desklib._json(got)["error"]["code"] == "bad_json", \
                (data, status, got)

        # more than 64 KiB
        big = {"text": "x" * (65 * 1024)}
        status, got = a.post("/api/desk/tips/%s/note" % code, big)
        assert status == 413 and got["error"]["code"] == "too_big", (status, got)

        # none of that changed the tip, nor told its tipster anything
        e.settled()
        assert snapshot(e, code) == before
        assert e.texts_to(700001)[-1].startswith(tipstest.T("tip_filed", code="X")[:12])
        # the session still works with its token
        status, got = a.post("/api/desk/tips/%s/note" % code, {"text": "x" * 4000})
        assert status == 200, (status, got)
        e.stop()


# ---- 5. art. 147 through the API; 6. pages ---------------------------------------------------

def test_extension_beyond_art_147_is_409_with_max_and_a_good_one_moves_the_deadline():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER_A, "police", "TDP5", name="Trung úy Minh")
        a = desklib.sign_in(e, OFFICER_A)
        code = bare(e.file_tip(700001, THEFT_TDP5))
        e.settled()
        path = "/api/desk/tips/%s/extend" % code
        status, page = a.get("/api/desk/tips/" + code)
        deadline, most = page["tip"]["deadline_at"], page["tip"]["extend_max"]
        assert status == 200 and most, page
        stored = e.tip(code)["deadline_at"]

        for body in ({"days": 200}, {"until": "2099-01-01"}):
            status, got = a.post(path, body)
            assert status == 409 and got["error"]["code"] == "extend_limit", (body, got)
            assert got["max"] == most, got
        status, got = a.post(path, {"until": "2020-01-01"})
        assert status == 409 and got["error"]["code"] == "extend_not_later", got
        assert (e.tip(code)["deadline_at"], e.tip(code)["extensions"]) == (stored, 0)

        status, got = a.post(path, {"until": most})
        assert status == 200 and got["tip"]["deadline_at"] > deadline, (status, got)
        t = e.tip(code)
        assert t["extensions"] == 1 and t["deadline_at"] == got["tip"]["deadline_at"], t
        assert tipstest.shown_date(t["deadline_at"]) == "/".join(reversed(most.split("-")))
        assert t["deadline_at"] == end_of_day(t["deadline_at"]), t
        # a second extension is bounded again; the page says how far
        status, page = a.get("/api/desk/tips/" + code)
        assert page["tip"]["extensions"] == 1 and page["tip"]["extend_max"] > most, page
        status, got = a.post(path, {"days": 366})
        assert status == 409 and got["max"] == page["tip"]["extend_max"], got
        e.stop()


def clone_tips(e, code, n):
    """n more tips like code's, filed a millisecond apart after it, every third urgent; their
    codes, oldest first."""
    con = e.tg.db()
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(tips)") if r[1] not in ("id", "code")]
        src = con.execute("SELECT created_at FROM tips WHERE code = ?", (code,)).fetchone()[0]
        rng, codes = random.Random(14), []
        while len(codes) < n:
            c = "".join(rng.choice(ALPHABET) for _ in range(8))
            if c == code or c in codes:
                continue
            k = len(codes) + 1
            values = {"created_at": src + k, "updated_at": src + k,
                      "urgent": 1 if k % 3 == 0 else 0}
            sel = ", ".join("?" if col in values else col for col in cols)
            con.execute("INSERT INTO tips (code, %s) SELECT ?, %s FROM tips WHERE code = ?" %
                        (", ".join(cols), sel),
                        [c] + [values[col] for col in cols if col in values] + [code])
            codes.append(c)
        con.commit()
        return codes
    finally:
        con.close()


def pages(desk, query):
    """Every page of the queue for query: [[codes of a page], …]."""
    out, cursor = [], None
    while True:
        q = query + ("&cursor=" + cursor if cursor else "")
        status, body = desk.get("/api/desk/tips?" + q)
        assert status == 200, (q, status, body)
        out.append([t["code"] for t in body["tips"]])
        cursor = body["next"]
        if cursor is None or len(out) > 10:
            return out, body


def test_sixty_tips_come_in_pages_of_twenty_each_once_and_a_bad_cursor_is_400():
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER_A, "police", "TDP5", name="Trung úy Minh")
        a = desklib.sign_in(e, OFFICER_A)
        first = bare(e.file_tip(700001, THEFT_TDP5))
        e.settled()
        every = list(reversed([first] + clone_tips(e, first, 59)))   # newest first
        urgent = [c for c in every if e.tip(c)["urgent"]]

        got, last = pages(a, "sort=newest")
        assert [len(p) for p in got] == [20, 20, 20] and last["next"] is None, got
        assert sum(got, []) == every
        got, _ = pages(a, "sort=urgent")
        flat = sum(got, [])
        assert [len(p) for p in got] == [20, 20, 20] and sorted(flat) == sorted(every), got
        assert flat[:len(urgent)] == urgent, flat
        got, _ = pages(a, "limit=50&urgent=1")
        assert got == [urgent], got

        for cursor in ("x", "u2.5", "u1.", "u1.-3", "u0.abc", "u1.5x", "u1.5%20",
                       "u1.99999999999999999999"):
            status, body = a.get("/api/desk/tips?cursor=" + cursor)
            assert status == 400 and body["error"]["code"] == "bad_request", (cursor, body)
        for limit in ("0", "51", "x"):
            assert a.get("/api/desk/tips?limit=" + limit)[0] == 400, limit
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
