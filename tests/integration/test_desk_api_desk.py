"""The web desk's API and the tipster, and the one desk of chat and web, against the real binary
over HTTP (signed in through /dangnhap, desklib): no answer of any route or action ever carries
the tipster's platform user id, chat id, web chat secret or id, display name or contact phone —
but GET /tips/CODE/contact, which shows the phone and writes "view_contact" to the audit log; an
action on the web shows at once in the chat desk (/xem's history, one "🖥" line in the tip's desk
chat), an action in the chat shows in the web tip page's story, the tipster gets the web's reply
through the code and never a note, and a colleague a tip is assigned to is told in their chat.
Also what test_desk_auth.py leaves out: the link of someone unenrolled before using it is
refused, and a session in constant use still ends after 12 hours.

    python3 tests/integration/test_desk_api_desk.py --binary build/asan/tipgate [test_name ...]
"""
import json
import os
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import desklib  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import (DESK_TDP5, HOUR, MIN, T, bare, button_data, codes_in,  # noqa: E402
                      label, matches, template_re)

OFFICER, COLLEAGUE, COMMANDER = 610001, 610002, 610003
OFFICER_NAME, COLLEAGUE_NAME = "Trung úy Minh", "Thiếu úy Lan"
# Tipsters' ids are long so that no time or count in an answer contains one by chance.
TG_CONTACT, TG_ANON = 7770001234, 7770005678
TG_CONTACT_NAME, TG_ANON_NAME = "Hằng Nga", "Phạm Thị Thu"
THEFT = "Tối qua lúc 22h ở ngõ 3 tổ 5 có kẻ trộm xe máy của nhà bên cạnh, biển số 29A-123.45"
GAMBLING = "Nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ tổ 5"
PHONE_TYPED, PHONE = "0987 654 321", "0987654321"
WEB_PHONE_TYPED, WEB_PHONE = "0912 345 678", "0912345678"


def staff(e):
    desklib.enrol(e, OFFICER, "police", "TDP5", name=OFFICER_NAME)
    desklib.enrol(e, COLLEAGUE, "police", "TDP5", name=COLLEAGUE_NAME)
    desklib.enrol(e, COMMANDER, "commander", None, name="Đại úy Hùng")
    return desklib.sign_in(e, OFFICER), desklib.sign_in(e, COMMANDER)


def guided(first, ask, choose, phone):
    """Answers a guided report's questions after the description (first: the bot's question,
    as text) up to the phone, then the phone. ask(text) and choose(data, label) answer and
    return the bot's next question as text."""
    m = first
    for _ in range(8):
        if m.startswith(T("report_ask_category_check", category="@").split("@")[0]):
            m = choose("right", T("choice_right"))
        elif m == T("report_ask_place"):
            m = ask("ngõ 3 tổ 5")
        elif m == T("report_ask_when"):
            m = ask("tối qua")
        elif m in (T("report_ask_category_guess"), T("report_ask_category")):
            m = choose("theft", label("theft"))
        elif m == T("report_ask_media", max=5):
            m = choose("continue", T("choice_continue"))
        elif m == T("report_ask_identity"):
            m = choose("phone", T("choice_phone"))
        else:
            break
    assert m == T("report_ask_phone"), m
    ask(phone)


def telegram_contactable(e, uid, name, text, phone):
    """A guided report from Telegram user uid (named name), contactable at phone: its code."""
    kw = {"first_name": name}
    e.ask(uid, "/baotin", **kw)
    [m] = e.ask(uid, text, **kw)
    guided(m, lambda t: e.ask(uid, t, **kw)[0],
           lambda _, lbl: e.wait_new(uid, e.press(uid, lbl, **kw))[0], phone)
    [filed] = e.wait_new(uid, e.press(uid, T("choice_send"), **kw))
    return codes_in(filed)[0]


def web_contactable(e, text, phone):
    """A guided report on the web chat, contactable at phone: (the WebUser, its code)."""
    u = e.web()
    u.ask("/baotin")
    last = u.ask(text)

    def ask(t):
        last[:] = u.ask(t)
        return last[0]["text"]

    def choose(data, lbl):
        last[:] = u.choose(dict(button_data(last[0])).get(lbl, data))
        return last[0]["text"]
    guided(last[0]["text"], ask, choose, phone)
    [filed] = u.choose("send")
    return u, codes_in(filed["text"])[0]


class Crawl:
    """Every answer body of the desk, to search for what must never be in one."""

    def __init__(self):
        self.bodies = []

    def keep(self, what, status, body):
        assert status == 200, (what, status, body)
        # as sent (UTF-8) and with every escape undone
        self.bodies.append((what, json.dumps(body, ensure_ascii=False)))
        return body

    def get(self, desk, path):
        return self.keep(path, *desk.get(path))

    def post(self, desk, path, obj):
        return self.keep(path, *desk.post(path, obj))

    def assert_none_of(self, secrets):
        for what, text in self.bodies:
            for s in secrets:
                assert s not in text, "%r found in the answer to %s: %s" % (s, what, text)


def crawl_reads(c, desk, codes):
    for path in ("/me", "/summary", "/categories", "/colleagues", "/tips", "/tips?sort=urgent",
                 "/tips?status=new,received,verifying", "/tips?q=xe+may", "/tips?q=29A12345",
                 "/tips?unacked=1", "/tips?mine=1", "/tips?category=theft", "/tips?area=TDP5",
                 "/tips?from=2020-01-01&to=2099-12-31", "/tips?limit=1"):
        c.get(desk, "/api/desk" + path)
    for code in codes:
        page = c.get(desk, "/api/desk/tips/" + code)
        assert page["tip"]["code"] == code and page["story"], page


# ---- 3. anonymity ----------------------------------------------------------------------------

def test_no_desk_answer_carries_the_tipsters_ids_names_or_phone_but_the_audited_contact():
    with tipstest.Env() as e:
        e.start()
        officer, commander = staff(e)
        tg = bare(telegram_contactable(e, TG_CONTACT, TG_CONTACT_NAME, THEFT, PHONE_TYPED))
        anon = bare(e.file_tip(TG_ANON, GAMBLING, first_name=TG_ANON_NAME))
        e.ask(TG_ANON, "/bosung %s Bọn họ chơi đến 2 giờ sáng" % anon, first_name=TG_ANON_NAME)
        user, web = web_contactable(e, "Có kẻ trộm xe đạp ở ngõ 3 tổ 5 tối qua", WEB_PHONE_TYPED)
        web = bare(web)
        e.settled()
        rows = {c: e.tip(c) for c in (tg, anon, web)}
        assert rows[tg]["contact_phone"] == PHONE and rows[tg]["anonymous"] == 0, rows[tg]
        assert rows[web]["contact_phone"] == WEB_PHONE and rows[web]["platform"] == "webchat"
        assert rows[anon]["anonymous"] == 1, rows[anon]
        secrets = {str(TG_CONTACT), str(TG_ANON), TG_CONTACT_NAME, TG_ANON_NAME, "Hang Nga",
                   PHONE, PHONE[1:], WEB_PHONE, WEB_PHONE[1:], user.secret}
        secrets |= {r["chat_id"] for r in rows.values()}
        secrets |= {p for (p,) in e.q("SELECT platform_user_id FROM people WHERE role = "
                                      "'resident'")}
        assert rows[web]["chat_id"] in secrets and len(rows[web]["chat_id"]) > 8, rows[web]

        c = Crawl()
        for desk in (officer, commander):
            crawl_reads(c, desk, (tg, anon, web))
        colleague = desklib.person_id(e, COLLEAGUE)
        for code in (tg, anon, web):
            base = "/api/desk/tips/%s/" % code
            c.post(officer, base + "ack", {})
            c.post(officer, base + "assign", {"person_id": colleague})
            c.post(officer, base + "reply", {"text": "Cảm ơn, anh chị ở gần đó không?",
                                             "question": True})
            c.post(officer, base + "status", {"status": "verifying"})
            c.post(officer, base + "classify", {"category": "theft"})
            c.post(officer, base + "note", {"text": "Đã hỏi tổ trưởng"})
            c.post(officer, base + "extend", {"days": 5})
        c.post(officer, "/api/desk/tips/%s/duplicate" % web, {"of": tg})
        c.post(officer, "/api/desk/tips/%s/close" % anon, {"outcome": "Đã giải tán"})
        c.post(officer, "/api/desk/tips/%s/reopen" % anon, {})
        # the tipsters answer the questions: their words are in the story, never their names
        e.ask(TG_CONTACT, "Có, tôi ở ngay đối diện", first_name=TG_CONTACT_NAME)
        user.wait(user.send("Tôi ở cuối ngõ"), 1)
        e.settled()
        crawl_reads(c, officer, (tg, anon, web))
        stories = {code: c.get(commander, "/api/desk/tips/" + code)["story"] for code in (tg,)}
        assert any(s["kind"] == "from_tipster" and s["text"] == "Có, tôi ở ngay đối diện" and
                   s["who"] is None for s in stories[tg]), stories[tg]
        c.assert_none_of(secrets - {""})
        # (the crawl read what the desk reads: the officers' names, the tipsters' words)
        everything = "\n".join(text for _, text in c.bodies)
        for seen in (OFFICER_NAME, COLLEAGUE_NAME, "Tôi ở cuối ngõ", "Bọn họ chơi đến 2 giờ"):
            assert seen in everything, seen
        # a tipster's person id is no field of any answer either
        for _, text in c.bodies:
            assert '"person_id"' not in text and '"chat_id"' not in text, text
        # nor does a search find a tip by what the tipster left but did not write in it
        for q in (PHONE, PHONE_TYPED, WEB_PHONE, "Hang Nga", TG_ANON_NAME, str(TG_CONTACT)):
            status, got = officer.get("/api/desk/tips?q=" + urllib.parse.quote_plus(q))
            assert status == 200 and got["tips"] == [], (q, got)

        # the contact: only here, and on record each time
        me = desklib.person_id(e, OFFICER)
        for code, phone in ((tg, PHONE), (web, WEB_PHONE), (anon, None)):
            status, got = officer.get("/api/desk/tips/%s/contact" % code)
            assert status == 200 and got == {"phone": phone}, (code, status, got)
        status, got = commander.get("/api/desk/tips/%s/contact" % tg)
        assert got == {"phone": PHONE}, got
        views = e.q("SELECT t.code, a.actor, a.detail FROM audit_log a JOIN tips t ON "
                    "t.id = a.tip_id WHERE a.action = 'view_contact' ORDER BY a.id")
        assert views == [(tg, me, PHONE), (web, me, WEB_PHONE),
                         (tg, desklib.person_id(e, COMMANDER), PHONE)], views

        # a tipster who wrote their own name and number into the text: the tip page has their
        # words as filed (as /xem does), but a row of the queue or of an action never
        typed = bare(telegram_contactable(
            e, TG_CONTACT + 1, TG_CONTACT_NAME,
            "Tôi là hằng nga, số 0987.654.321, thấy người lạ đột nhập kho tổ 5", PHONE_TYPED))
        e.settled()
        rows = Crawl()
        rows.get(officer, "/api/desk/tips")
        rows.get(officer, "/api/desk/tips?q=kho")
        rows.post(officer, "/api/desk/tips/%s/ack" % typed, {})
        assert typed in rows.bodies[1][1], rows.bodies
        rows.assert_none_of({PHONE, PHONE[1:], "987.654", "hằng nga", TG_CONTACT_NAME,
                             str(TG_CONTACT + 1)})
        e.stop()


# ---- 4. one desk -----------------------------------------------------------------------------

def history(e, chat, code):
    """The history lines of /xem code typed by OFFICER in chat."""
    shown = code[:4] + "-" + code[4:]
    since = e.say(str(chat), "/xem " + shown, from_id=OFFICER, first_name=OFFICER_NAME)
    heads = (T("desk_view_heading", value=shown), T("desk_view_heading_urgent", value=shown))
    card = e.wait_text(str(chat), lambda t: t.split("\n")[0] in heads, since,
                       what="card " + shown).split("\n")
    return card[card.index(T("desk_view_history")) + 1:]


def has_line(lines, name, **values):
    pattern = template_re(name, **values)
    return any(pattern.match(line) for line in lines)


def told(e, since, action, code, **values):
    """Waits for the tip's desk chat's one line about a web action."""
    shown = code[:4] + "-" + code[4:]
    pattern = template_re("desk_web_told_" + action, who=OFFICER_NAME, code=shown, **values)
    return e.wait_text(DESK_TDP5, lambda t: pattern.match(t) is not None, since,
                       what="desk_web_told_" + action)


def test_web_and_chat_are_one_desk():
    with tipstest.Env() as e:
        e.start()
        officer, _ = staff(e)
        tipster = TG_CONTACT
        code = bare(e.file_tip(tipster, THEFT, first_name=TG_CONTACT_NAME))
        shown = code[:4] + "-" + code[4:]
        e.settled()

        # in the chat: /nhan and a question by /traloi → the web page's story
        e.ask(DESK_TDP5, "/nhan " + shown, from_id=OFFICER, first_name="Cán bộ")
        e.ask(DESK_TDP5, "/traloi %s Xe màu gì?" % shown, from_id=OFFICER, first_name="Cán bộ")
        e.wait_text(str(tipster), lambda t: "Xe màu gì?" in t, what="the chat's question")
        status, page = officer.get("/api/desk/tips/" + code)
        assert status == 200, page
        story = [(s["kind"], s.get("action"), s.get("text"), s.get("who")) for s in page["story"]]
        assert ("action", "ack", None, OFFICER_NAME) in story, story
        assert ("question", None, "Xe màu gì?", OFFICER_NAME) in story, story
        assert page["tip"]["acknowledged_at"] and page["tip"]["status"] == "received", page

        # on the web: each action is in the desk chat at once, and the tipster hears what is
        # theirs to hear
        tip_since = e.mark(str(tipster))
        since = e.mark(DESK_TDP5)
        reply = "Cảm ơn anh, chúng tôi đang xác minh"
        assert officer.post("/api/desk/tips/%s/reply" % code, {"text": reply})[0] == 200
        told(e, since, "reply", code, text=reply)
        e.wait_text(str(tipster), lambda t: t == T("relay_to_tipster", code=shown, text=reply),
                    tip_since, what="the web's reply, through the code")

        since = e.mark(DESK_TDP5)
        note = "Đã gọi tổ trưởng tổ 5, chờ camera"
        assert officer.post("/api/desk/tips/%s/note" % code, {"text": note})[0] == 200
        since = e.mark(DESK_TDP5)
        status_label = T("status_verifying")
        assert officer.post("/api/desk/tips/%s/status" % code, {"status": "verifying"})[0] == 200
        told(e, since, "status", code, status=status_label)
        e.wait_text(str(tipster), lambda t: t == T("tip_notice_status", code=shown,
                                                   status=status_label), tip_since)

        colleague = desklib.person_id(e, COLLEAGUE)
        since, mate = e.mark(DESK_TDP5), e.mark(str(COLLEAGUE))
        status, got = officer.post("/api/desk/tips/%s/assign" % code, {"person_id": colleague})
        assert status == 200 and got["tip"]["assignee"] == COLLEAGUE_NAME, got
        told(e, since, "assign", code, text=COLLEAGUE_NAME)
        e.wait_text(str(COLLEAGUE), lambda t: matches("desk_assigned_to_you", t, code=shown,
                                                      who=OFFICER_NAME), mate,
                    what="the colleague told")

        since = e.mark(DESK_TDP5)
        outcome = "Đã thu hồi xe, trả lại chủ"
        assert officer.post("/api/desk/tips/%s/close" % code, {"outcome": outcome})[0] == 200
        told(e, since, "close", code, text=outcome)
        e.wait_text(str(tipster), lambda t: outcome in t, tip_since, what="the outcome")

        # /xem in the officer's own chat: all of it in the history, with who did it
        lines = history(e, OFFICER, code)
        for name, values in (("desk_event_ack", {}), ("desk_event_reply", {"text": "Xe màu gì?"}),
                             ("desk_event_reply", {"text": reply}),
                             ("desk_event_note", {"text": note}),
                             ("desk_event_status", {"text": status_label}),
                             ("desk_event_assign", {"text": COLLEAGUE_NAME}),
                             ("desk_event_close", {"text": outcome})):
            assert has_line(lines, name, who=OFFICER_NAME, **values), (name, values, lines)

        # the note stayed on the tip: no word of it to the tipster, nor to the desk chat, which
        # got one line for each other action
        e.settled()
        assert not any(note in t for t in e.texts_to(str(tipster))), e.texts_to(str(tipster))
        web_lines = [t for t in e.texts_to(DESK_TDP5) if t.startswith("🖥")]
        assert [next(a for a in ("reply", "status", "assign", "close") if matches(
            "desk_web_told_" + a, t)) for t in web_lines] == ["reply", "status", "assign",
                                                              "close"], web_lines
        assert not any(note in t for t in e.texts_to(DESK_TDP5)), e.texts_to(DESK_TDP5)
        # the web page's story has the note marked as one, and the web reply
        status, page = officer.get("/api/desk/tips/" + code)
        story = [(s["kind"], s.get("text"), s.get("who")) for s in page["story"]]
        assert ("note", note, OFFICER_NAME) in story and \
            ("to_tipster", reply, OFFICER_NAME) in story, story

        # a second tip acknowledged on the web: the tipster is told, the chat sees it
        other = bare(e.file_tip(TG_ANON, GAMBLING, first_name=TG_ANON_NAME))
        e.settled()
        since, tip_since = e.mark(DESK_TDP5), e.mark(str(TG_ANON))
        assert officer.post("/api/desk/tips/%s/ack" % other)[0] == 200
        told(e, since, "ack", other)
        e.wait_text(str(TG_ANON), lambda t: t == T("tip_notice_ack",
                                                   code=other[:4] + "-" + other[4:]), tip_since)
        assert has_line(history(e, OFFICER, other), "desk_event_ack", who=OFFICER_NAME)
        e.stop()


# ---- 2. what test_desk_auth.py leaves out ----------------------------------------------------

def test_a_link_dies_with_the_enrolment_and_a_busy_session_still_ends_after_12_hours():
    # (a used or expired link and an idle session: test_desk_auth.py)
    with tipstest.Env() as e:
        e.start()
        desklib.enrol(e, OFFICER, "police", "TDP5", name=OFFICER_NAME)
        desklib.enrol(e, COLLEAGUE, "police", "TDP5", name=COLLEAGUE_NAME)
        _, token = desklib.link_from_chat(e, COLLEAGUE)
        p = subprocess.run([tglib.BINARY, "unenrol", "--person",
                            str(desklib.person_id(e, COLLEAGUE)), "--config", e.tg.config_path],
                           capture_output=True, timeout=60, env=e.tg.env)
        assert p.returncode == 0, p.stderr
        status, _, body = desklib.login(e, token)
        assert status == 403 and body["error"]["code"] == "bad_link", (status, body)

        a = desklib.sign_in(e, OFFICER)
        for k in range(1, 7):   # a request every 1 h 54 min: never 2 hours idle
            e.set_clock(k * (2 * HOUR - 6 * MIN))
            assert a.get("/api/desk/summary")[0] == 200, k
        e.set_clock(12 * HOUR + MIN)
        status, body = a.get("/api/desk/summary")
        assert status == 401 and body["error"]["code"] == "signed_out", (status, body)
        assert a.post("/api/desk/logout")[0] == 401
        e.stop()


if __name__ == "__main__":
    tglib.main(globals())
