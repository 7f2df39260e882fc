"""groupstest — what test_groups.py (Telegram) and test_groups_zalo.py (Zalo) share: a tipgate
with two areas, their police desks and a fraud desk, one platform enabled against its fake
(FakeTelegram or FakeZalo), a movable service clock that starts at 09:00 (UTC+7) on a
Wednesday, leaders and officers enrolled with `tipgate enrol` + /dangky, bound and unbound
neighbourhood groups, and the checks every group story ends with (nothing personal echoed in a
group, no chatter kept in the database).

The stories themselves (story_*) are written once against Env and run by both test files, so
the same behaviour is proven on Telegram groups/supergroups and on Zalo GROUP chats.

    with groupstest.Env("zalo") as e:
        e.start()
        e.enrol(e.LEADER, "leader", "TDP5")
        g = e.group(1)
        e.bind(g, e.LEADER)
"""
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import DAY, HOUR, MIN, T, template_re  # noqa: E402,F401

TZ = datetime.timezone(datetime.timedelta(hours=7))  # Asia/Ho_Chi_Minh: UTC+7, no DST
QUIET = 5 * MIN            # one unsolicited bot message per group per 5 minutes
NO_LIMITS = {"global_per_sec": 0, "per_chat_per_sec": 0, "per_group_per_min": 0}
AREA_NAMES = {"TDP5": "Tổ dân phố 5", "THONDONG": "Thôn Đông"}
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật"]


def base_time_ms(tz=TZ):
    """Where the service clock starts: 09:00 local on the first Wednesday at least two days
    ahead, far from midnight (warnings and suspects are once per local day) and on a known
    weekday (for "thứ 7" and "mai")."""
    d = datetime.datetime.now(tz).date() + datetime.timedelta(days=2)
    while d.weekday() != 2:
        d += datetime.timedelta(days=1)
    return int(datetime.datetime(d.year, d.month, d.day, 9, 0, tzinfo=tz).timestamp() * 1000)


def local(ms, tz=TZ):
    return datetime.datetime.fromtimestamp(ms / 1000, tz)


def local_ms(dt):
    return int(dt.timestamp() * 1000)


def shown_when(ms, tz=TZ):
    """A meeting time as tipgate shows it: "19:30 Chủ nhật 20/12/2026"."""
    d = local(ms, tz)
    return "%02d:%02d %s %02d/%02d/%04d" % (d.hour, d.minute, WEEKDAYS[d.weekday()], d.day,
                                            d.month, d.year)


def fold_digits(text):
    return re.sub(r"\D", "", text or "")


def fold_alnum(text):
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()


class Env:
    """A fake platform and a tipgate (not yet started) configured for group stories."""

    def __init__(self, platform, tips=None, extra=None, areas=None,
                 timezone=("Asia/Ho_Chi_Minh", 7)):
        """timezone: (the configured name, its fixed UTC offset in hours)."""
        assert platform in ("telegram", "zalo")
        self.tz = datetime.timezone(datetime.timedelta(hours=timezone[1]))
        self.platform = platform
        self.tgram = platform == "telegram"
        self.fake = fakebot.FakeTelegram() if self.tgram else fakebot.FakeZalo()
        self.fake.start()
        if self.tgram:
            self.DESK_TDP5, self.DESK_THONDONG = "-1005", "-1006"
            self.DESK_FRAUD, self.DESK_DEFAULT = "-1007", "-1001"
        else:
            self.DESK_TDP5, self.DESK_THONDONG = "desk0tdp5a1b2c3d4", "desk0thondong9e8f"
            self.DESK_FRAUD, self.DESK_DEFAULT = "desk0fraud7a6b5c4", "desk0default3c2b1"
        self.DESKS = (self.DESK_TDP5, self.DESK_THONDONG, self.DESK_FRAUD, self.DESK_DEFAULT)
        self.LEADER = self.user(1)          # leader of TDP5
        self.LEADER_EAST = self.user(2)     # leader of THONDONG
        self.OFFICER = self.user(3)         # police, TDP5
        desk = lambda chat: {"platform": platform, "chat_id": chat}  # noqa: E731
        cfg = {
            "timezone": timezone[0],
            "areas": areas if areas is not None else [
                {"code": "TDP5", "name": AREA_NAMES["TDP5"], "aliases": ["tổ 5"],
                 "desk": desk(self.DESK_TDP5)},
                {"code": "THONDONG", "name": AREA_NAMES["THONDONG"],
                 "desk": desk(self.DESK_THONDONG), "show_sender_names": True},
            ],
            "routing": {"default_desk": desk(self.DESK_DEFAULT),
                        "category_desks": {"fraud": desk(self.DESK_FRAUD)}},
            "tips": tips or {},
            # settle() counts inbox rows to know every update arrived, and the lead retention
            # story moves the clock by months: the inbox and the outbox are kept here, so a
            # lead's desk messages go with the lead itself (retention: test_retention.py)
            "retention": {"inbox_days": 3650, "outbox_days": 3650},
        }
        tglib.deep_merge(cfg, apitest.platform_config(self.fake, platform, rate_limit=NO_LIMITS))
        tglib.deep_merge(cfg, extra or {})
        self.dir = tglib.tmpdir("tg-groups-")
        self.clock_file = os.path.join(self.dir, "clock-offset")
        self.base = base_time_ms(self.tz)
        self._write_offset(self.base - int(time.time() * 1000))
        self.tg = tglib.Tipgate(config=cfg, workdir=self.dir,
                                env={"TIPGATE_CLOCK_FILE": self.clock_file})
        self.pushed = 0
        self.titles = {}

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                logs = self.tg.read_logs()
                sys.stderr.write("---- tipgate log (last 5000 chars) ----\n%s\n---- fake: %s\n"
                                 % (logs[-5000:], self.fake._summary(25)))
        finally:
            if self.tg.proc and self.tg.proc.poll() is None:
                self.tg.kill()
            apitest.close_connection(self.tg)
            self.tg.cleanup()
            self.fake.stop()
        return False

    # ---- the process ---------------------------------------------------------------------

    def start(self):
        self.tg.start()
        return self

    def stop(self):
        apitest.close_connection(self.tg)
        self.tg.assert_clean_exit()

    def run(self, *args, stdin=None):
        """Runs `tipgate ARGS --config …` beside the service; returns the CompletedProcess."""
        return subprocess.run([tglib.BINARY] + list(args) + ["--config", self.tg.config_path],
                              input=stdin, capture_output=True, timeout=60, env=self.tg.env)

    # ---- the clock -----------------------------------------------------------------------

    def _write_offset(self, offset):
        tmp = self.clock_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % offset)
        os.replace(tmp, self.clock_file)
        self.offset = offset

    def now_ms(self):
        return int(time.time() * 1000) + self.offset

    def set_clock(self, service_ms):
        """Moves the service clock forward to service_ms and waits until tipgate re-read it
        (every 200 ms) and its scheduler ticked (every second)."""
        offset = service_ms - int(time.time() * 1000)
        assert offset >= self.offset, "the clock only moves forward here"
        self._write_offset(offset)
        time.sleep(0.35)

    def advance(self, ms):
        self.set_clock(self.now_ms() + ms)

    # ---- ids -----------------------------------------------------------------------------

    def user(self, n):
        """A person's platform id (as text): Telegram ints, Zalo opaque hex strings."""
        if self.tgram:
            return str(700000 + n)
        return hashlib.md5(b"user-%d" % n).hexdigest()[:16]

    def group(self, n, title=None, supergroup=False):
        """A group chat id (as text); Telegram: -4xxx (group) or -1004xxx (supergroup)."""
        if self.tgram:
            g = ("-1004%03d" if supergroup else "-4%03d") % n
        else:
            g = "grp" + hashlib.md5(b"group-%d" % n).hexdigest()[:13]
        self.titles[g] = title or "Nhóm cư dân số %d" % n
        return g

    def shown_title(self, g):
        """The group's name as a lead shows it (Zalo updates carry no group name)."""
        return self.titles[g] if self.tgram else "-"

    # ---- talking -------------------------------------------------------------------------

    def mark(self, chat):
        return len(self.sent(chat))

    def say(self, group, text, user, name="Hoa"):
        """A message in a group from user; returns the group's reply index before it."""
        since = self.mark(group)
        if self.tgram:
            self.fake.push_message(int(group), text, from_id=int(user), first_name=name,
                                   title=self.titles.get(group))
        else:
            self.fake.push_text(group, text, from_id=user, chat_type="GROUP",
                                display_name=name)
        self.pushed += 1
        return since

    def dm(self, user, text, name="Hoa"):
        """A private message from user to the bot; returns the chat's reply index before it."""
        since = self.mark(user)
        if self.tgram:
            self.fake.push_message(int(user), text, from_id=int(user), first_name=name)
        else:
            self.fake.push_text(user, text, from_id=user, chat_type="PRIVATE",
                                display_name=name)
        self.pushed += 1
        return since

    def member(self, group, old, new, by):
        """Telegram only: the bot's membership in group changed (my_chat_member)."""
        assert self.tgram
        self.fake.push_my_chat_member(int(group), self.titles[group], old, new,
                                      from_id=int(by))
        self.pushed += 1

    def ask(self, chat, text, user, n=1, name="Hoa", timeout=10):
        """A message (in a group when chat != user) and the n replies in that chat."""
        since = self.dm(user, text, name) if chat == user else self.say(chat, text, user, name)
        return self.wait_new(chat, since, n, timeout)

    # ---- what the fake received ----------------------------------------------------------

    def sent(self, chat):
        return apitest.sent_to(self.fake, chat)

    def wait_new(self, chat, since, n=1, timeout=10):
        try:
            self.fake.wait_until(lambda: len(apitest.sent_to(self.fake, chat)) >= since + n,
                                 timeout=timeout)
        except AssertionError:
            raise AssertionError("chat %s: %d of %d new messages within %ss: %r" % (
                chat, len(self.sent(chat)) - since, n, timeout, self.sent(chat)[since:]))
        return self.sent(chat)[since:]

    def wait_text(self, chat, pred, since=0, timeout=10, what="a message"):
        found = []

        def check():
            for t in apitest.sent_to(self.fake, chat)[since:]:
                if pred(t):
                    found.append(t)
                    return True
            return False
        try:
            self.fake.wait_until(check, timeout=timeout)
        except AssertionError:
            raise AssertionError("no %s for chat %s within %ss; it got: %r" % (
                what, chat, timeout, self.sent(chat)[since:]))
        return found[0]

    def settle(self, timeout=20):
        """Waits until every update pushed so far is processed and nothing is left to send."""
        apitest.wait_settled(self.tg, self.platform, inbox=self.pushed, timeout=timeout)

    # ---- the database --------------------------------------------------------------------

    def q(self, sql, *args):
        return apitest.q(self.tg, sql, *args)

    def q1(self, sql, *args):
        return apitest.q1(self.tg, sql, *args)

    def outbox(self, chat):
        """(text, priority, status) of every outbox row for chat, in order."""
        return self.q("SELECT text, priority, status FROM outbox WHERE platform = ? AND "
                      "chat_id = ? ORDER BY id", self.platform, str(chat))

    def area_of(self, group):
        return self.q1("SELECT area FROM chats WHERE platform = ? AND chat_id = ?",
                       self.platform, str(group))

    def leads(self):
        return self.q("SELECT code, area, category, urgent, description FROM tips "
                      "WHERE kind = 'group_lead' ORDER BY id")

    def inbox_texts(self, chat):
        """For each inbox row of chat: (text or None, sender_name or None), in order."""
        rows = self.q("SELECT message FROM inbox WHERE platform = ? AND chat_id = ? "
                      "ORDER BY id", self.platform, str(chat))
        out = []
        for (m,) in rows:
            j = json.loads(m)
            out.append((j.get("text"), j.get("sender_name")))
        return out

    def where_stored(self, needle):
        """[(table, column)] of every table column of the database holding needle."""
        con = apitest.connection(self.tg)
        found = []
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'tips_fts_%'")]
        for t in tables:
            for col in [r[1] for r in con.execute("PRAGMA table_info(%s)" % t)]:
                try:
                    n = con.execute("SELECT count(*) FROM %s WHERE instr(CAST(%s AS TEXT), ?)"
                                    " > 0" % (t, col), (needle,)).fetchone()[0]
                except Exception:
                    continue
                if n:
                    found.append((t, col))
        return found

    # ---- people --------------------------------------------------------------------------

    def enrol(self, user, role, area, name="Cán bộ"):
        """`tipgate enrol --role ROLE --area AREA` and /dangky CODE from user's private chat."""
        p = self.run("enrol", "--role", role, "--area", area)
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
        code = p.stdout.decode().rstrip("\n").splitlines()[-1].strip()
        want = T("enrol_done", role=T("role_" + role), area=AREA_NAMES[area])
        [got] = self.ask(user, "/dangky " + code, user, name=name)
        if role == "police":   # an officer's confirmation goes on with their area's open tips
            assert got.startswith(want + "\n\n"), (got, want)
        else:
            assert got == want, (got, want)
        return user

    def bind(self, group, user, code="TDP5", name="Bác tổ trưởng"):
        """/dangkynhom CODE in group by user; checks the confirmation (and on Telegram the
        privacy-mode hint that follows it)."""
        area = AREA_NAMES.get(code.upper(), code)
        n = 2 if self.tgram else 1
        got = self.ask(group, "/dangkynhom " + code, user, n=n, name=name)
        want = [T("group_bound", area=area)] + ([T("group_privacy_hint")] if self.tgram else [])
        assert got == want, (got, want)
        assert self.area_of(group) == code.upper(), self.area_of(group)


# ---- checks shared by the stories -----------------------------------------------------------

def prefix_of(name):
    """The constant text before the first {placeholder} of a one-line text."""
    return T(name).split("{", 1)[0]


def check_lead(e, text, group, area, message, sender=None, urgent=False, user=None):
    """The desk's view of a group lead: where it was seen, by whom (hidden unless the area
    shows names), when, and what was said — never the sender's platform id."""
    lines = text.split("\n")
    head = T("lead_text", group=e.shown_title(group), area=AREA_NAMES[area],
             sender=sender or T("lead_sender_hidden"), body="\x00").split("\x00")[0]
    assert text.startswith(head), "lead does not start with %r:\n%s" % (head, text)
    body = text[len(head):]
    first = body.split("\n")[0]
    heading = "lead_heading_urgent" if urgent else "lead_heading"
    assert template_re(heading).match(first), (heading, first)
    assert T("desk_line_area", value=AREA_NAMES[area]) in lines, text
    assert any(l.startswith(prefix_of("desk_line_received")) for l in lines), text
    assert T("desk_line_description", value=message) in lines, text
    if user is not None:
        assert str(user) not in text, "the sender's platform id %s is in the lead:\n%s" % (
            user, text)
    code = tipstest.codes_in(first)
    assert code, first
    return code[0]


def assert_nothing_personal(e, groups, items):
    """No text meant for a group (outbox rows, and what the fake received) repeats any of
    items: phones (compared on digits), plates (compared on letters and digits), names."""
    groups = [str(g) for g in groups]
    texts = []
    for g in groups:
        texts += [("outbox", g, r[0]) for r in e.outbox(g)]
        texts += [("sent", g, t) for t in e.sent(g)]
    bad = []
    for where, g, text in texts:
        for it in items:
            d = fold_digits(it)
            if len(d) >= 9 and (d in fold_digits(text) or d[1:] in fold_digits(text)):
                bad.append((where, g, it, text))
            elif len(d) < 9 and any(c.isdigit() for c in it) and \
                    fold_alnum(it) in fold_alnum(text):
                bad.append((where, g, it, text))
            elif not any(c.isdigit() for c in it) and it.lower() in text.lower():
                bad.append((where, g, it, text))
    assert not bad, "personal data repeated in a group:\n" + "\n".join(
        "  %s %s: %r in %r" % b for b in bad)


# ---- the texts the stories feed -----------------------------------------------------------

# A day of ordinary neighbourhood chatter: greetings, things for sale, notices, lost pets,
# questions. None of it is a tip; none of it should draw a word from the bot.
CHATTER = [
    ("Chào cả nhà, chúc mọi người buổi sáng vui vẻ!", "Nguyễn Thị Hoa"),
    ("Chào buổi sáng tổ 5 ạ", "Trần Văn Minh"),
    ("Nhà em có rau muống sạch mới hái, 15 nghìn một bó, ai lấy nhắn em nhé", "Lê Thị Thu"),
    ("Bán bưởi Diễn nhà trồng, 40k/kg, liên hệ 0912 345 678", "Phạm Văn Đức"),
    ("Ai cần trứng gà ta không ạ, nhà em còn 3 chục", "Lê Thị Thu"),
    ("Thông báo: tối thứ 7 này họp tổ dân phố tại nhà văn hóa lúc 19h30", "Bác Tư tổ trưởng"),
    ("Chiều nay 5h tổng vệ sinh đường làng, mọi người nhớ tham gia nhé", "Bác Tư tổ trưởng"),
    ("Nhà em bị lạc con mèo vàng, ai thấy báo em với ạ", "Đỗ Thị Mai"),
    ("Ai nhặt được con chó nhỏ màu trắng đeo vòng đỏ ở đầu ngõ không ạ", "Vũ Văn Long"),
    ("Mai mất điện từ 8h đến 17h nhé cả nhà", "Trần Văn Minh"),
    ("Hôm nay trời mưa to quá, mọi người đi đường cẩn thận", "Nguyễn Thị Hoa"),
    ("Cảm ơn bác tổ trưởng đã thông báo", "Đỗ Thị Mai"),
    ("Dạ vâng ạ", "Vũ Văn Long"),
    ("Ok cả nhà 👍", "Phạm Văn Đức"),
    ("Chúc mừng sinh nhật bà Tư nhé!", "Nguyễn Thị Hoa"),
    ("Ai có thợ sửa điều hòa giới thiệu em với", "Hoàng Văn Sơn"),
    ("Tiền điện tháng này tăng quá trời", "Hoàng Văn Sơn"),
    ("Nhà văn hóa tối nay có lớp dưỡng sinh cho các cụ", "Bác Tư tổ trưởng"),
    ("Thứ 2 tuần sau tiêm phòng dại cho chó mèo ở sân nhà văn hóa", "Bác Tư tổ trưởng"),
    ("Cháu nhà ai đỗ đại học thì báo để tổ khen thưởng nhé", "Bác Tư tổ trưởng"),
    ("Em cần mua gạo ST25, ai bán không ạ", "Lê Thị Thu"),
    ("Xin phép cả nhà, em mới chuyển đến số nhà 12 ngõ 3", "Ngô Thị Hằng"),
    ("Mọi người nhớ đóng quỹ khuyến học tháng này nhé", "Bác Tư tổ trưởng"),
    ("Hôm qua đội bóng tổ mình thắng 3-1 rồi", "Vũ Văn Long"),
    ("Ai đi chợ sáng mai mua hộ em bó hành với", "Ngô Thị Hằng"),
    ("Có ai biết lịch thu gom rác mới không ạ", "Trần Văn Minh"),
    ("Cuối tuần này có ai đi tập thể dục ở công viên không", "Hoàng Văn Sơn"),
    ("Bà con lưu ý tuần sau phun thuốc muỗi", "Bác Tư tổ trưởng"),
    ("Mời cả nhà dự đám cưới con gái nhà em chủ nhật này", "Phạm Văn Đức"),
    ("Cho em hỏi phường làm căn cước mấy giờ mở cửa ạ", "Ngô Thị Hằng"),
    ("Hôm nay có người bán kem dạo, ngon lắm", "Đỗ Thị Mai"),
    ("Mọi người ơi, nước máy chiều nay bị đục", "Nguyễn Thị Hoa"),
    ("Cảm ơn mọi người đã giúp đỡ gia đình em", "Vũ Văn Long"),
    ("Nhà em có cây mít sai quả, ai muốn lấy thì qua nhé", "Lê Thị Thu"),
    ("Chúc cả nhà ngủ ngon", "Trần Văn Minh"),
    ("Mai có ai đi đám giỗ ông Ba không", "Hoàng Văn Sơn"),
    ("Đề nghị các hộ để xe gọn gàng trước cửa", "Bác Tư tổ trưởng"),
    ("Lớp học tiếng Anh miễn phí cho trẻ em tối thứ 3", "Ngô Thị Hằng"),
    ("Bà con đi bầu cử nhớ mang căn cước nhé", "Bác Tư tổ trưởng"),
    ("Ai có số điện thoại thợ điện không cho em xin", "Phạm Văn Đức"),
    ("Hôm nay chợ có cá tươi lắm", "Đỗ Thị Mai"),
    ("Tìm chó lạc: chó phốc màu nâu, tên Mít, ai thấy gọi 0987 654 321", "Vũ Văn Long"),
    ("Xin cảm ơn bà con đã ủng hộ quỹ vì người nghèo", "Bác Tư tổ trưởng"),
    ("Nhà em cho thuê phòng trọ khép kín, liên hệ 0944 555 666", "Ngô Thị Hằng"),
]

# Crime words used for something else: films, cats, sports, games.
HARD_NEGATIVES = [
    "Hôm qua phim trộm cắp trên TV hay quá",
    "Con mèo nhà em trộm cá nướng ăn mất rồi haha",
    "Đánh cầu lông ở sân nhà văn hóa không mọi người",
    "Chơi game bắn súng với con trai cả tối",
]

# Chatter the text engine takes for school violence ("đạp" in "xe đạp", near "học sinh").
BICYCLES = ["Bán xe đạp cũ cho học sinh, giá 500 nghìn",
            "Ai có xe đạp cũ cho học sinh không ạ, em mua lại"]

THEFT = ("Tối qua có kẻ trộm xe máy ở ngõ 7 tổ 5, biển số 29B1-234.56, anh Trần Văn Nam nhà "
         "số 12 gọi 0912 888 999 báo giúp")
THEFT_ITEMS = ["0912 888 999", "29B1-234.56", "Trần Văn Nam"]
GAMBLING = "Có nhóm thanh niên tụ tập đánh bạc ở quán nước đầu ngõ 3 mấy đêm nay"
DRUGS = "Nghe nói có người bán ma túy ở khu trọ cuối ngõ"
SUSPICIOUS = "Thấy đối tượng lạ đi xe biển 30F-123.45 dòm ngó trộm chó ở đầu thôn"
ROBBERY_NOW = "Cứu với, đang có cướp ở ngõ 12, nó cầm dao!"
FIRE_NOW = "Cháy nhà ở số 5 ngõ 9, ông Đỗ Văn Bình kẹt bên trong, gọi cứu hỏa gấp"
FRAUD = ("Cô Phạm Thị Lý bị kẻ gian giả danh công an lừa chuyển 50 triệu, số của nó "
         "0913 222 333")


# ---- stories both platforms run ---------------------------------------------------------------

def story_unbound_then_bound(e, g_unbound, g_officer):
    """An unbound group: one short explanation at the first message (tips included), then
    silence; binding rules for residents, leaders (own area) and officers (any area); /huynhom.
    e must be started with LEADER (TDP5) and OFFICER enrolled."""
    resident = e.user(101)
    got = e.ask(g_unbound, "Chào cả nhà, nhóm mình có bot mới à?", resident)
    assert got == [T("group_unbound_hint")], got
    for text in ("Bot ơi chào bạn", THEFT, ROBBERY_NOW, "Cả nhà ăn cơm chưa"):
        e.say(g_unbound, text, resident)
    e.settle()
    assert e.sent(g_unbound) == [T("group_unbound_hint")], e.sent(g_unbound)
    assert e.leads() == [], e.leads()
    for d in e.DESKS:
        assert e.sent(d) == [], (d, e.sent(d))
    # nothing said in the unbound group was kept
    assert all(t is None for t, _ in e.inbox_texts(g_unbound)), e.inbox_texts(g_unbound)

    # who may bind
    assert e.ask(g_unbound, "/dangkynhom TDP5", resident) == [T("group_leader_only")]
    assert e.ask(g_unbound, "/dangkynhom THONDONG", e.LEADER) == [T("group_bind_own_area")]
    assert e.ask(e.LEADER, "/dangkynhom TDP5", e.LEADER) == [T("group_bind_in_group")]
    assert e.area_of(g_unbound) is None
    e.bind(g_unbound, e.LEADER, "TDP5")
    assert e.q1("SELECT count(*) FROM audit_log WHERE action = 'bind_group'") == 1

    # an officer binds any area of the ward; an unknown area is explained
    assert e.ask(g_officer, "/dangkynhom KHONGCO", e.OFFICER) == [T("group_bind_usage")]
    e.bind(g_officer, e.OFFICER, "THONDONG")

    # bound: a tip is a lead for the desk now
    since = e.mark(e.DESK_TDP5)
    assert e.ask(g_unbound, GAMBLING, resident) == [T("group_invite_private")]
    check_lead(e, e.wait_new(e.DESK_TDP5, since)[0], g_unbound, "TDP5", GAMBLING, user=resident)

    # /huynhom: not by a resident; by the leader; then the group is not watched any more
    assert e.ask(g_unbound, "/huynhom", resident) == [T("group_leader_only")]
    assert e.area_of(g_unbound) == "TDP5"
    assert e.ask(g_unbound, "/huynhom", e.LEADER) == [T("group_unbound")]
    assert e.area_of(g_unbound) is None
    before = e.mark(g_unbound)
    e.say(g_unbound, DRUGS, resident)
    e.say(g_unbound, SUSPICIOUS, resident)
    e.settle()
    assert e.sent(g_unbound)[before:] == [], e.sent(g_unbound)[before:]
    assert len(e.leads()) == 1, e.leads()
    assert e.sent(e.DESK_TDP5)[since + 1:] == [], e.sent(e.DESK_TDP5)
    assert_nothing_personal(e, [g_unbound, g_officer], THEFT_ITEMS)


def story_leads(e, g5, g_east):
    """Tips in bound groups: a lead for the area's desk (group, area, time, message; sender
    hidden by default, shown where the area allows it; never the platform id), one kind reply
    inviting a private report, and the text kept only because it became a lead (in the lead)."""
    hoa, tam = e.user(201), e.user(202)
    e.say(g5, "Chào buổi sáng cả nhà, hôm nay trời đẹp quá", hoa, name="Nguyễn Thị Hoa")
    since = e.mark(e.DESK_TDP5)
    got = e.ask(g5, THEFT, hoa, name="Nguyễn Thị Hoa")
    assert got == [T("group_invite_private")], got
    lead = e.wait_new(e.DESK_TDP5, since)[0]
    code = check_lead(e, lead, g5, "TDP5", THEFT, user=hoa)
    assert "Nguyễn Thị Hoa" not in lead, lead
    row = e.q("SELECT kind, area, category, urgent, anonymous FROM tips WHERE code = ?",
              tipstest.bare(code))
    assert row == [("group_lead", "TDP5", "theft", 0, 1)], row

    # an area that shows sender names: the display name, still never the id
    since = e.mark(e.DESK_THONDONG)
    got = e.ask(g_east, SUSPICIOUS, tam, name="Lê Văn Tám")
    assert got == [T("group_invite_private")], got
    lead = e.wait_new(e.DESK_THONDONG, since)[0]
    check_lead(e, lead, g_east, "THONDONG", SUSPICIOUS, sender="Lê Văn Tám", user=tam)
    e.settle()

    # the texts that became leads are kept, in the leads; nothing said in the groups is kept
    # in the inbox, where only the update keys stay
    assert THEFT in [l[4] for l in e.leads()], e.leads()
    assert [t for t, _ in e.inbox_texts(g5)] == [None, None, None], e.inbox_texts(g5)
    assert e.where_stored("hôm nay trời đẹp quá") == []
    assert_nothing_personal(e, [g5, g_east], THEFT_ITEMS + ["30F-123.45", "Nguyễn Thị Hoa",
                                                            "Lê Văn Tám"])
    return code


def story_lead_fields(e, g5):
    """The lead shows the fields the text engine extracted (phones, plates), like a tip."""
    since = e.mark(e.DESK_TDP5)
    e.say(g5, THEFT, e.user(211), name="Nguyễn Thị Hoa")
    lead = e.wait_new(e.DESK_TDP5, since)[0]
    lines = lead.split("\n")
    assert T("desk_line_plates", value="29B1-23456") in lines, lead
    assert T("desk_line_phones", value="0912888999") in lines, lead


def story_urgent(e, g5):
    """An urgent tip: the desk is alerted at top priority; the group gets the emergency
    numbers (and nothing personal)."""
    binh = e.user(301)
    ob = len(e.outbox(g5))
    since = e.mark(e.DESK_TDP5)
    got = e.ask(g5, FIRE_NOW, binh, name="Đỗ Thị Hạnh")
    assert got == [T("group_urgent")], got
    lead = e.wait_new(e.DESK_TDP5, since)[0]
    check_lead(e, lead, g5, "TDP5", FIRE_NOW, urgent=True, user=binh)
    desk_rows = [r for r in e.outbox(e.DESK_TDP5) if r[0] == lead]
    assert [r[1] for r in desk_rows] == [0], desk_rows  # OUTBOX_URGENT
    assert [r[0] for r in e.outbox(g5)[ob:]] == [T("group_urgent")], e.outbox(g5)
    assert_nothing_personal(e, [g5], ["Đỗ Văn Bình", "Đỗ Thị Hạnh"])


def story_chatter(e, g5):
    """A day of chatter and crime words used for something else: not a single bot message,
    not a lead, not a text kept (the inbox rows have no text and no sender name)."""
    senders = {}
    m5, ob = e.mark(g5), len(e.outbox(g5))
    desks = {d: e.mark(d) for d in e.DESKS}
    inbox0 = len(e.inbox_texts(g5))
    for i, (text, name) in enumerate(CHATTER):
        senders.setdefault(name, e.user(400 + len(senders)))
        e.say(g5, text, senders[name], name=name)
        if i % 10 == 9:
            e.advance(40 * MIN)   # the day goes by
    for text in HARD_NEGATIVES:
        e.say(g5, text, e.user(450), name="Hoàng Văn Sơn")
    e.settle(timeout=40)
    assert e.sent(g5)[m5:] == [], e.sent(g5)[m5:]
    assert e.outbox(g5)[ob:] == [], e.outbox(g5)[ob:]
    for d in e.DESKS:
        assert e.sent(d)[desks[d]:] == [], (d, e.sent(d)[desks[d]:])
    assert e.leads() == [], e.leads()
    rows = e.inbox_texts(g5)[inbox0:]
    assert len(rows) == len(CHATTER) + len(HARD_NEGATIVES), len(rows)
    kept = [r for r in rows if r != (None, None)]
    assert kept == [], "group chatter kept in the inbox: %r" % kept[:5]
    stored = {text: e.where_stored(text) for text, _ in CHATTER}
    stored.update({text: e.where_stored(text) for text in HARD_NEGATIVES})
    stored = {k: v for k, v in stored.items() if v}
    assert not stored, "chatter stored in the database: %r" % stored


def story_rate_limit(e, g5, g2):
    """At most one unsolicited bot message per group per 5 minutes; replies to commands are
    not limited; each group has its own quiet period; leads reach the desk all the same."""
    r1, r2, r3 = e.user(501), e.user(502), e.user(503)
    m5, md = e.mark(g5), e.mark(e.DESK_TDP5)
    t0 = e.now_ms()
    assert e.ask(g5, THEFT, r1) == [T("group_invite_private")]
    e.say(g5, GAMBLING, r2)
    e.say(g5, ROBBERY_NOW, r3)             # urgent, but the group heard from the bot just now
    assert e.ask(g2, DRUGS, r1) == [T("group_invite_private")]   # another group: its own limit
    e.settle()
    assert e.sent(g5)[m5:] == [T("group_invite_private")], e.sent(g5)[m5:]
    desk = e.sent(e.DESK_TDP5)[md:]
    assert len(desk) == 4, desk               # every lead still reaches the desk
    assert sum(1 for r in e.outbox(e.DESK_TDP5) if r[1] == 0) == 1, e.outbox(e.DESK_TDP5)
    # a command is answered at once: not unsolicited
    assert e.ask(g5, "/help", r2) == [T("help")]
    spoke = e.q1("SELECT last_unsolicited_at FROM chats WHERE platform = ? AND chat_id = ?",
                 e.platform, g5)
    assert t0 <= spoke <= e.now_ms(), (t0, spoke)
    e.set_clock(spoke + QUIET - 30 * 1000)    # still inside the 5 minutes
    e.say(g5, SUSPICIOUS, r2)
    e.settle()
    assert len(e.sent(g5)[m5:]) == 2, e.sent(g5)[m5:]
    e.set_clock(spoke + QUIET + 1000)         # past them
    assert e.ask(g5, DRUGS, r3) == [T("group_invite_private")]
    e.say(g5, GAMBLING + " nữa", r3)
    e.settle()
    assert len(e.sent(g5)[m5:]) == 3, e.sent(g5)[m5:]
    assert len(e.sent(e.DESK_TDP5)[md:]) == 7, e.sent(e.DESK_TDP5)[md:]
    assert_nothing_personal(e, [g5, g2], THEFT_ITEMS + ["30F-123.45"])


SCAM_PHONE, SCAM_PHONE_REASON = "0901.234.567", "Giả danh công an gọi đòi chuyển tiền"
SCAM_LINK, SCAM_LINK_REASON = "https://www.Vietcombank-Hotro.xyz/", "Trang giả mạo ngân hàng"
SCAM_ACCT, SCAM_BANK, SCAM_ACCT_REASON = "190355557777", "Techcombank", "Tài khoản nhận tiền lừa"
IMPORTED = [
    {"type": "phone", "value": "+84 977 000 111", "reason": "Mạo danh nhân viên điện lực"},
    {"type": "link", "value": "http://evn-hoantien.top/nhan", "reason": "Trang hoàn tiền giả"},
    {"type": "account", "value": "0071 0009 99999", "bank": "Vietcombank",
     "reason": "Tài khoản lừa đảo đầu tư"},
]
PHONE_MSG = ("Ai vừa nhận cuộc gọi từ số 0901.234.567 không, nó bảo con em cấp cứu bắt "
             "chuyển tiền")
LINK_MSG = "Vào trang vietcombank-hotro.xyz/dang-nhap để nhận quà nhé cả nhà"
ACCT_MSG = "Chuyển khoản vào STK 1903 5555 7777 Techcombank để giữ chỗ tour nhé"
PHONE_AGAIN = "Số 0901234567 lại gọi cho bà nhà tôi"
IMPORTED_PHONE_MSG = "Có ai biết số 0977 000 111 không, gọi bảo nhân viên điện lực"
IMPORTED_LINK_MSG = "Ai bấm vào evn-hoantien.top/nhan chưa, thấy bảo được hoàn tiền điện"
SCAM_ITEMS = ["0901 234 567", "vietcombank-hotro", "1903 5555 7777", "190355557777",
              "0977 000 111", "evn-hoantien", "0071 0009 99999"]


def flag_all(e):
    """Officer flags by command, a leader and a resident may not, and the import adds the rest.
    e must be started with LEADER and OFFICER enrolled."""
    resident = e.user(601)
    for who in (resident, e.LEADER):
        for cmd in ("/canhbao_sdt %s %s" % (SCAM_PHONE, SCAM_PHONE_REASON),
                    "/canhbao_link %s %s" % (SCAM_LINK, SCAM_LINK_REASON),
                    "/canhbao_stk %s %s %s" % (SCAM_ACCT, SCAM_BANK, SCAM_ACCT_REASON)):
            assert e.ask(who, cmd, who) == [T("desk_only_police")], (who, cmd)
    o = e.OFFICER
    assert e.ask(o, "/canhbao_sdt 0901234567", o) == [T("scam_usage_phone")]
    assert e.ask(o, "/canhbao_link khongphailink Lừa", o) == [T("scam_usage_link")]
    assert e.ask(o, "/canhbao_stk 1234 Techcombank Lừa", o) == [T("scam_usage_account")]
    assert e.ask(o, "/canhbao_sdt %s %s" % (SCAM_PHONE, SCAM_PHONE_REASON), o) == [
        T("scam_flagged_phone", value="0901234567", reason=SCAM_PHONE_REASON)]
    assert e.ask(o, "/canhbao_link %s %s" % (SCAM_LINK, SCAM_LINK_REASON), o) == [
        T("scam_flagged_link", value="vietcombank-hotro.xyz", reason=SCAM_LINK_REASON)]
    assert e.ask(o, "/canhbao_stk %s %s %s" % (SCAM_ACCT, SCAM_BANK, SCAM_ACCT_REASON), o) == [
        T("scam_flagged_account", value=SCAM_ACCT, reason=SCAM_ACCT_REASON)]
    path = os.path.join(e.dir, "scamlist.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# danh sách của Công an tỉnh\n")
        for item in IMPORTED:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
        f.write('{"type": "phone", "value": "không có số", "reason": "x"}\n')
        f.write("not json at all\n")
    p = e.run("scamlist", "import", path)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stdout.decode().strip().splitlines()[-1] == "3 item(s) flagged, 2 line(s) refused", p
    assert b"line 5" in p.stderr and b"line 6" in p.stderr, p.stderr
    got = sorted(e.q("SELECT kind, value, coalesce(bank, '') FROM scam_items"))
    assert got == sorted([("phone", "0901234567", ""), ("link", "vietcombank-hotro.xyz", ""),
                          ("account", SCAM_ACCT, SCAM_BANK), ("phone", "0977000111", ""),
                          ("link", "evn-hoantien.top/nhan", ""),
                          ("account", "0071000999999", "Vietcombank")]), got


def story_warnings(e, g5, g2):
    """A message naming a flagged phone, link or account draws a warning in the group (never
    repeating the item), once per item per group per day, within the 5-minute limit; the
    message that drew it is kept, the others are not."""
    flag_all(e)
    r = e.user(602)
    m5, m2 = e.mark(g5), e.mark(g2)
    warn_phone = T("scam_warning_phone", reason=SCAM_PHONE_REASON)
    warn_link = T("scam_warning_link", reason=SCAM_LINK_REASON)
    warn_acct = T("scam_warning_account", reason=SCAM_ACCT_REASON, bank=SCAM_BANK)
    assert e.ask(g5, PHONE_MSG, r) == [warn_phone]
    e.advance(QUIET + 1000)
    assert e.ask(g5, LINK_MSG, r) == [warn_link]
    e.advance(QUIET + 1000)
    assert e.ask(g5, ACCT_MSG, r) == [warn_acct]
    e.advance(QUIET + 1000)
    e.say(g5, PHONE_AGAIN, r)               # the same item, the same day: no second warning
    e.settle()
    assert e.sent(g5)[m5:] == [warn_phone, warn_link, warn_acct], e.sent(g5)[m5:]
    # imported items warn too
    assert e.ask(g5, IMPORTED_PHONE_MSG, r) == [
        T("scam_warning_phone", reason=IMPORTED[0]["reason"])]
    e.advance(QUIET + 1000)
    assert e.ask(g5, IMPORTED_LINK_MSG, r) == [
        T("scam_warning_link", reason=IMPORTED[1]["reason"])]
    # another group is warned about the same phone the same day
    assert e.ask(g2, PHONE_AGAIN, r) == [warn_phone]
    # within the quiet period of g2 a flagged link draws nothing yet
    e.say(g2, LINK_MSG, r)
    e.settle()
    assert e.sent(g2)[m2:] == [warn_phone], e.sent(g2)[m2:]
    # the next day g5 hears about the phone again
    e.advance(DAY)
    assert e.ask(g5, PHONE_AGAIN, r) == [warn_phone]
    e.settle()
    assert e.q1("SELECT count(*) FROM scam_warnings") == 7
    # kept: the messages that drew a warning; not kept: the one that did not
    kept = [t for t, _ in e.inbox_texts(g5) if t]
    assert PHONE_MSG in kept and ACCT_MSG in kept and kept.count(PHONE_AGAIN) == 1, kept
    assert [t for t, _ in e.inbox_texts(g2) if t] == [PHONE_AGAIN], e.inbox_texts(g2)
    assert_nothing_personal(e, [g5, g2], SCAM_ITEMS)


def story_tip_with_flagged_number_reaches_desk(e, g5):
    """A message that is a tip (fraud) and names a flagged phone: the group gets the warning,
    and the desk still gets the lead."""
    o = e.OFFICER
    assert e.ask(o, "/canhbao_sdt %s %s" % (SCAM_PHONE, SCAM_PHONE_REASON), o) == [
        T("scam_flagged_phone", value="0901234567", reason=SCAM_PHONE_REASON)]
    since = e.mark(e.DESK_FRAUD)
    assert e.ask(g5, PHONE_MSG, e.user(611)) == [
        T("scam_warning_phone", reason=SCAM_PHONE_REASON)]
    e.settle()
    assert [l[2] for l in e.leads()] == ["fraud"], "no lead for a fraud tip that named a " \
        "flagged number; desk got %r" % e.sent(e.DESK_FRAUD)[since:]


CROSS_LINK_1 = "Mọi người vào link http://qua-tang-tet.vip/nhan để nhận quà miễn phí nhé"
CROSS_LINK_2 = "Link nhận quà đây cả nhà https://qua-tang-tet.vip/nhan"
CROSS_LINK_3 = "Ai vào qua-tang-tet.vip/nhan chưa, có thật không"
SAME_GROUP_PHONE = ["Ai biết số 0944 555 666 là của ai không",
                    "Nhà em cho thuê phòng, liên hệ 0944 555 666"]


def story_cross_group(e, g1, g2, g3):
    """The same unflagged link in several groups within 24 h, or the same phone in several
    private tips, is told to the desk as a possible new scam, once a day; the same item twice
    in one group is not."""
    r = e.user(701)
    link = "qua-tang-tet.vip/nhan"
    want_link = T("scam_suspect_link", value=link, count=2)
    is_suspect = lambda t: t.startswith(prefix_of("scam_suspect_link")) or \
        t.startswith(prefix_of("scam_suspect_phone"))  # noqa: E731
    fraud = e.DESK_FRAUD
    e.say(g1, CROSS_LINK_1, r)
    for text in SAME_GROUP_PHONE:
        e.say(g1, text, r)
    e.settle()
    assert [t for t in e.sent(fraud) if is_suspect(t)] == [], e.sent(fraud)
    e.say(g2, CROSS_LINK_2, e.user(702))
    e.wait_text(fraud, lambda t: t == want_link, what="suspect link")
    e.say(g3, CROSS_LINK_3, e.user(703))     # a third group the same day: already told
    e.settle()
    assert [t for t in e.sent(fraud) if is_suspect(t)] == [want_link], e.sent(fraud)
    for g in (g1, g2, g3):
        assert not any(is_suspect(t) for t in e.sent(g)), e.sent(g)

    # the same phone in two private tips
    e.dm(e.user(711), "/baotin Có người gọi số 0966 123 456 giả danh ngân hàng lừa chuyển "
                      "tiền ở tổ 5")
    e.dm(e.user(712), "/baotin Số 0966123456 nhắn tin bảo trúng thưởng, đòi phí nhận quà")
    want_phone = T("scam_suspect_phone", value="0966123456", count=2)
    e.wait_text(fraud, lambda t: t == want_phone, what="suspect phone")

    # the next day, two groups again: told again, once
    e.advance(DAY)
    e.say(g2, CROSS_LINK_2, r)
    e.say(g3, CROSS_LINK_3, r)
    e.say(g1, CROSS_LINK_1, r)
    e.settle()
    got = [t for t in e.sent(fraud) if is_suspect(t)]
    assert got == [want_link, want_phone, want_link], got
    assert e.q1("SELECT count(*) FROM scam_suspects") == 3


def story_announce(e, groups5, g_east, g_unbound):
    """/thongbao: a leader's (or officer's) notice to every bound group of their area, signed
    with their role, at bulk priority; not to other areas or unbound groups."""
    resident = e.user(801)
    marks = {g: e.mark(g) for g in list(groups5) + [g_east, g_unbound]}
    assert e.ask(resident, "/thongbao Họp tổ", resident) == [T("group_leader_only")]
    assert e.ask(e.LEADER, "/thongbao", e.LEADER) == [T("announce_usage")]
    notice = "Tối thứ 7 này 19h30 họp tổ dân phố tại nhà văn hóa, đề nghị mỗi hộ cử một người."
    got = e.ask(e.LEADER, "/thongbao " + notice, e.LEADER)
    assert got == [T("announce_sent", count=len(groups5))], got
    want = T("announce_text", role=T("role_leader"), area=AREA_NAMES["TDP5"], text=notice)
    for g in groups5:
        e.wait_text(g, lambda t: t == want, what="announcement")
    e.settle()
    for g in groups5:
        assert e.sent(g)[marks[g]:] == [want], (g, e.sent(g)[marks[g]:])
        assert [r for r in e.outbox(g) if r[0] == want] == [(want, 3, "sent")], e.outbox(g)
    for g in (g_east, g_unbound):
        assert e.sent(g)[marks[g]:] == [], (g, e.sent(g)[marks[g]:])

    # an officer announces too, signed as police; a leader of another area reaches only theirs
    got = e.ask(e.OFFICER, "/thongbao Cảnh báo thủ đoạn lừa đảo qua điện thoại", e.OFFICER)
    assert got == [T("announce_sent", count=len(groups5))], got
    want2 = T("announce_text", role=T("role_police"), area=AREA_NAMES["TDP5"],
              text="Cảnh báo thủ đoạn lừa đảo qua điện thoại")
    for g in groups5:
        e.wait_text(g, lambda t: t == want2, what="officer announcement")
    got = e.ask(e.LEADER_EAST, "/thongbao Thôn Đông mai tổng vệ sinh", e.LEADER_EAST)
    assert got == [T("announce_sent", count=1)], got
    e.wait_text(g_east, lambda t: t == T("announce_text", role=T("role_leader"),
                                         area=AREA_NAMES["THONDONG"],
                                         text="Thôn Đông mai tổng vệ sinh"))

    assert_nothing_personal(e, list(groups5) + [g_east, g_unbound], [])


def story_stats(e, groups5, g_unbound):
    """/thongke in a group: this month's figures for its area (tips and leads, warnings given
    in its groups, campaign messages sent to them) and nothing else. Runs after story_announce
    (two announcements to each group of groups5)."""
    g = groups5[0]
    e.say(g, THEFT, e.user(802))              # a lead
    e.settle()
    e.dm(e.user(803), "/baotin Có kẻ trộm xe đạp ở tổ 5 đêm qua")   # a private tip, tổ 5
    o = e.OFFICER
    e.ask(o, "/canhbao_sdt %s %s" % (SCAM_PHONE, SCAM_PHONE_REASON), o)
    assert e.ask(groups5[1], PHONE_AGAIN, e.user(805)) == [
        T("scam_warning_phone", reason=SCAM_PHONE_REASON)]      # a warning
    e.settle()
    assert e.q1("SELECT count(*) FROM tips WHERE area = 'TDP5'") == 2, e.q(
        "SELECT kind, area FROM tips")
    d = local(e.now_ms(), e.tz)
    got = e.ask(g, "/thongke", e.user(804))
    want = T("stats_text", month="%02d/%04d" % (d.month, d.year), area=AREA_NAMES["TDP5"],
             tips=2, warnings=1, campaign=2 * len(groups5))
    assert got == [want], (got, want)
    assert e.ask(g_unbound, "/thongke", e.user(804)) == [T("stats_no_area")]
    assert_nothing_personal(e, list(groups5) + [g_unbound], THEFT_ITEMS + SCAM_ITEMS)


def expected_meetings(now_ms, tz=TZ):
    """The moments tipgate must read for the /hop examples, given the service time."""
    now = local(now_ms, tz)
    dec20 = datetime.datetime(now.year, 12, 20, 19, 30, tzinfo=tz)
    if dec20 <= now:
        dec20 = dec20.replace(year=now.year + 1)
    sat = now.replace(hour=19, minute=0, second=0, microsecond=0)
    sat += datetime.timedelta(days=(5 - now.weekday()) % 7)
    if sat <= now:
        sat += datetime.timedelta(days=7)
    mai = (now + datetime.timedelta(days=1)).replace(hour=8, minute=0, second=0,
                                                      microsecond=0)
    return local_ms(dec20), local_ms(sat), local_ms(mai)


def story_meetings(e, g5):
    """/hop with dates the way people write them, in the ward's time zone; unclear ones asked
    back; reminders the day before and an hour before, each once, on a moving clock."""
    resident = e.user(901)
    assert e.ask(g5, "/hop mai 8h Tổng vệ sinh", resident) == [T("group_leader_only")]
    assert e.ask(e.LEADER, "/hop mai 8h Tổng vệ sinh", e.LEADER) == [T("meeting_group_only")]
    for unclear in ("/hop sắp tới họp tổ nhé", "/hop 31/2 19h Họp tổ", "/hop 20/12 Họp tổ",
                    "/hop thứ 7 19h", "/hop 25h Họp tổ", "/hop"):
        assert e.ask(g5, unclear, e.LEADER) == [T("meeting_unclear")], unclear
    assert e.q1("SELECT count(*) FROM meetings") == 0

    created = e.now_ms()
    dec20, sat, mai = expected_meetings(created, e.tz)
    specs = [("20/12 19:30", "Họp tổ dân phố về phòng cháy chữa cháy", dec20),
             ("thứ 7 19h", "Họp thôn bàn việc làm đường", sat),
             ("mai 8h", "Tổng vệ sinh ngõ xóm", mai)]
    for when, what, at in specs:
        seen = e.mark(g5) + 1       # a reminder may follow its confirmation at once
        got = e.ask(g5, "/hop %s %s" % (when, what), e.LEADER)
        want = T("meeting_saved", when=shown_when(at, e.tz), text=what)
        assert got[:1] == [want], (got, when)
    rows = e.q("SELECT at, text FROM meetings ORDER BY id")
    assert rows == [(at, what) for _, what, at in specs], (rows, specs)

    # the reminders, in time order; a meeting set less than a day ahead gets only the
    # hour-before one (a "tomorrow" reminder right after the announcement would be noise)
    events = []
    for _, what, at in specs:
        shown = shown_when(at, e.tz)
        if at - DAY >= created:
            events.append((at - DAY, T("meeting_reminder_day", when=shown, text=what)))
        events.append((at - HOUR, T("meeting_reminder_hour", when=shown, text=what)))
    events.sort()
    expected = []
    for at, text in events:
        if at > e.now_ms():
            e.set_clock(at + 30 * 1000)
        expected.append(text)
        got = e.wait_new(g5, seen, len(expected), timeout=10)
        assert got == expected, (got, expected)
        time.sleep(1.2)     # a tick or so more: nothing else comes
        assert e.sent(g5)[seen:] == expected, (e.sent(g5)[seen:], expected)
    e.set_clock(dec20 + 3 * HOUR)
    time.sleep(1.5)
    e.settle()
    assert e.sent(g5)[seen:] == expected, e.sent(g5)[seen:]
    assert e.q("SELECT reminded_day, reminded_hour FROM meetings") == [(1, 1)] * 3


def story_meeting_today_not_called_tomorrow(e, g5):
    """A meeting set this morning for tonight: no "ngày mai" (tomorrow) reminder; the
    hour-before reminder comes at 18:00."""
    now = local(e.now_ms(), e.tz)
    assert now.hour < 17, now
    at = local_ms(now.replace(hour=19, minute=0, second=0, microsecond=0))
    what = "Họp chi bộ tổ dân phố"
    got = e.ask(g5, "/hop hôm nay 19h " + what, e.LEADER)
    assert got == [T("meeting_saved", when=shown_when(at, e.tz), text=what)], got
    seen = e.mark(g5)
    time.sleep(2.5)         # two scheduler ticks
    e.settle()
    assert e.sent(g5)[seen:] == [], "a meeting tonight was announced as tomorrow's: %r" % (
        e.sent(g5)[seen:])
    e.set_clock(at - HOUR + 30 * 1000)
    got = e.wait_new(g5, seen, 1)
    assert got == [T("meeting_reminder_hour", when=shown_when(at, e.tz), text=what)], got


def story_retention(e, g5, days=180, check_text=True):
    """Group leads are deleted after tips.lead_retention_days (default 180): the lead and the
    message text kept for it; a later lead and private tips stay."""
    old_text = GAMBLING
    e.say(g5, old_text, e.user(1001))
    e.settle()
    assert len(e.leads()) == 1
    e.dm(e.user(1002), "/baotin Có kẻ trộm xe máy ở tổ 5 tối qua")
    e.settle()
    start = e.now_ms()
    e.set_clock(start + days // 2 * DAY)
    e.say(g5, DRUGS, e.user(1003))
    e.settle()
    assert [l[4] for l in e.leads()] == [old_text, DRUGS], e.leads()
    e.set_clock(start + (days - 1) * DAY)
    time.sleep(1.5)
    assert [l[4] for l in e.leads()] == [old_text, DRUGS], "deleted before %d days" % days
    e.set_clock(start + days * DAY + HOUR)
    apitest.wait_db(e.tg, "SELECT description FROM tips WHERE kind = 'group_lead'",
                    lambda rows: rows == [(DRUGS,)], what="the old lead deleted")
    assert e.q1("SELECT count(*) FROM tips WHERE kind = 'tip'") == 1
    if not check_text:
        return
    left = e.where_stored(old_text)
    assert left == [], "the old lead's text is still stored in %r" % left


def story_nothing_personal(e, g5, g2):
    """Every kind of message with phones, plates and names, the bot free to speak each time
    (a tip, a flagged number, an urgent tip…): what goes to the groups never repeats any of
    them."""
    o = e.OFFICER
    assert e.ask(o, "/canhbao_sdt 0913.222.333 Kẻ giả danh công an", o) == [
        T("scam_flagged_phone", value="0913222333", reason="Kẻ giả danh công an")]
    names = ["Nguyễn Thị Hoa", "Phạm Thị Lý", "Đỗ Văn Bình", "Trần Văn Nam", "Lê Văn Hưng"]
    said = [(THEFT, names[0]), (FRAUD, names[1]), (FIRE_NOW, names[3]), (SUSPICIOUS, names[4]),
            ("Thằng Lê Văn Hưng nhà số 8 đánh vợ con chảy máu, mọi người giúp với", names[0]),
            ("Có kẻ lạ mặt đi xe máy biển 29H-555.66 bẻ khóa xe ở ngõ 4, số nó 0977 111 222",
             names[2]),
            ("Anh Trần Văn Nam bị mất trộm ví ở chợ sáng nay", names[1])]
    for i, (text, name) in enumerate(said):
        g = g5 if i % 2 == 0 else g2
        since = e.mark(g)
        e.say(g, text, e.user(1200 + i), name=name)
        e.wait_new(g, since)
        e.advance(QUIET + 1000)
    e.settle()
    items = names + ["0912 888 999", "29B1-234.56", "0913 222 333", "30F-123.45", "29H-555.66",
                     "0977 111 222"]
    assert_nothing_personal(e, [g5, g2], items)


def started(platform, *roles, **options):
    """A started Env on platform (options for Env) with the people named in roles enrolled:
    "leader", "east", "officer"."""
    e = Env(platform, **options)
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
