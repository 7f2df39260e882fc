#!/usr/bin/env python3
"""bench/fill.py — a tipgate database in the state of a busy ward after months of use.

Creates the database with the real binary's migrations (`tipgate migrate`, never a copy of the
schema), then fills it with ROWS rows EACH of tips, inbox and outbox, and what goes with them in
plausible amounts: the tipsters (people and their private chats, thousands), neighbourhood
groups bound to areas, web chat identities, audit log, relay messages, reminders already sent,
conversations in progress, subscriptions, campaigns and their recipients, button payloads, scam
items and sightings, meetings.

Tips (and their audit, relay and reminders: kept for their legal retention) span the last
--days days (default 175, under the 180-day lead retention); the inbox, the outbox, their
buttons' payloads, the recipients of campaigns and the web chat's one-time hellos span the last
--recent-days (default 28), inside the 30-day retention the issue asks for: the database is what
a ward keeps, so the fixed service has nothing to prune at start and is measured in its steady
state. (--recent-days 175 makes the state of a service that never pruned.)

  tips     55 % tips, 35 % group leads, 10 % feedback; codes unique in the project's format
           (8 of 23456789ABCDEFGHJKMNPQRSTUVWXYZ); Vietnamese descriptions and their folded
           form (lower case, no diacritics, đ → d: what textnorm_fold makes); tips_fts and
           tip_keys are filled by the schema's own triggers, as when the service inserts.
           Most are closed; about 300 open (a few unacknowledged, a few urgent, some overdue,
           some extended); every reminder the service would have sent is recorded in
           tip_reminders, so the scheduler finds the steady state.
  inbox    70 % group chatter (its text scrubbed, as the worker does), 30 % private messages
           (Telegram, and the web chat), the message JSON in base/msg.c's stored shape; all
           processed (a few with an error).
  outbox   replies, desk cards with buttons, notices, group messages and the recent campaigns'
           bulk messages (awareness days and officers' alerts); sent, some failed.

Every timestamp is older than now (the real clock, or --now) except a few due items, as a
running ward always has (unless --no-due): 3 unprocessed inbox rows, 5 queued replies, 2 tips
whose acknowledgement reminder is due, 1 draft to nudge; and one meeting is announced for
next week. They go to chats outside bench fakebot's scenario chats (residents' ids are
5000000000+, groups -1001000000000-k).

Also enrols the bench's police officer (people.role 'police', area TDP1, Telegram user
7100000001) and writes FILE.json beside the database: the "areas" to merge into tipgate's
configuration (each area's desk is the desk group -1002000000001, where the officer types
/tim and /quahan) and what the other bench tools need (ids, the fill's parameters).

Deterministic: the same --seed, --rows, --days and --now give the same database. Fast: one
transaction, journal off and synchronous=OFF during the fill (set back to WAL at the end);
1,000,000 rows of each take a few minutes.

Usage:
  python3 bench/fill.py --binary build/bench-release/tipgate --rows 10000 --out FILE.db
        [--seed 1] [--days 175] [--recent-days 28] [--now MS] [--no-due] [--force] [--check]
Python 3 standard library only.
"""
import argparse
import calendar
import functools
import hashlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata

from fill_texts import (AREAS, CHAT_TITLES, CHATTER, FEEDBACK, GIVEN, OFFICERS, OUTCOMES, PLACES,
                        PREFIXES, PRIVATE, STREETS, SUFFIXES, SURNAMES, TEMPLATES, WHEN)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MIN = 60000
HOUR = 3600000
DAY = 86400000
LOCAL = 7 * HOUR  # Asia/Ho_Chi_Minh, for "08:00 local"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

# Identities shared with bench/fakebot, bench/scale and bench/soak (README, "fill.py").
OFFICER_BASE = 7100000001   # police officers; the first is the bench's officer
LEADER_BASE = 7200000001    # leaders of the areas
RESIDENT_BASE = 5000000000  # residents on Telegram (user id == private chat id)
GROUP_BASE = -1001000000000  # group k is GROUP_BASE - k
DESK_CHAT = "-1002000000001"
ESCALATION_CHAT = "-1002000000002"
TG_UPDATE_BASE = 400000000  # below fakebot's 500000000: no key of the fill is ever reused

@functools.lru_cache(maxsize=None)
def fold(s):
    """textnorm_fold for Vietnamese: lower case, no tone or vowel marks, đ → d."""
    out = "".join(c for c in unicodedata.normalize("NFD", s) if not "\u0300" <= c <= "\u036f")
    return out.replace("đ", "d").replace("Đ", "d").lower()


def texts_of(messages, name, **vars):
    v = messages.get(name, "")
    s = "\n".join(v) if isinstance(v, list) else v
    for k, x in vars.items():
        s = s.replace("{%s}" % k, x)
    return s


def jdump(o):
    """jansson's JSON_COMPACT: no blanks, UTF-8 as is."""
    return json.dumps(o, ensure_ascii=False, separators=(",", ":"))


class Gen:
    """Everything drawn from one seeded generator, in a fixed order: deterministic."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def code(self, used):
        while True:
            c = "".join(self.r.choice(ALPHABET) for _ in range(8))
            if c not in used:
                used.add(c)
                return c

    def hex(self, nbytes):
        return "%0*x" % (2 * nbytes, self.r.getrandbits(8 * nbytes))

    def phone(self):
        return "0" + self.r.choice("935789") + "%08d" % self.r.randrange(10 ** 8)

    def plate(self):
        r = self.r
        return "%02d%s%d-%03d.%02d" % (r.randrange(11, 99), r.choice("ABCDEFGHKLMNPSTUVXYZ"),
                                       r.randrange(1, 9), r.randrange(1000), r.randrange(100))

    def place(self):
        return self.r.choice(PLACES).format(n=self.r.randrange(2, 200), s=self.r.choice(STREETS))

    def name(self):
        return "%s %s" % (self.r.choice(SURNAMES), self.r.choice(GIVEN))


def render(g, template):
    """(description, folded, entities JSON) of one template; slots filled from g."""
    ent = {"phones": [], "plates": [], "urls": [], "money_vnd": None}
    parts = [g.r.choice(PREFIXES)]
    folded = [fold(parts[0])]
    text = template
    out, fout = [], []
    while text:
        i = text.find("{")
        if i < 0:
            out.append(text)
            fout.append(fold(text))
            break
        j = text.index("}", i)
        lit, slot = text[:i], text[i + 1:j]
        out.append(lit)
        fout.append(fold(lit))
        text = text[j + 1:]
        if slot == "place":
            v = g.place()
            fv = fold(v)
        elif slot == "when":
            v = g.r.choice(WHEN)
            fv = fold(v)
        elif slot == "n":
            v = str(g.r.randrange(2, 300))
            fv = v
        elif slot == "plate":
            v = g.plate()
            ent["plates"].append(v)
            fv = v.lower()
        elif slot == "phone":
            p = g.phone()
            ent["phones"].append(p)
            v = p if g.r.random() < 0.6 else "%s %s %s" % (p[:4], p[4:7], p[7:])
            fv = v
        elif slot == "money":
            m = g.r.choice([500000, 2000000, 5000000, 15000000, 35000000, 120000000])
            ent["money_vnd"] = m
            v = "{:,}".format(m).replace(",", ".")
            fv = v
        elif slot == "url":
            v = "%s-%s.com" % (g.r.choice(["vietcombank", "bidv", "techcombank", "momo"]),
                               g.r.choice(["xacthuc", "hotro", "khuyenmai", "online"]))
            ent["urls"].append(v)
            fv = v
        elif slot == "account":
            v = "%d" % g.r.randrange(10 ** 9, 10 ** 13)
            fv = v
        else:
            v = fv = slot
        out.append(v)
        fout.append(fv)
    parts.append("".join(out))
    folded.append("".join(fout))
    suf = g.r.choice(SUFFIXES)
    parts.append(suf)
    folded.append(fold(suf))
    desc = " ".join(p for p in parts if p)
    fdesc = " ".join(p for p in folded if p)
    return desc, fdesc, jdump(ent)


def campaign_days(now_ms, start_ms):
    """(code, title, text, send_at) of each awareness day of config/campaigns.vi.json in
    [start, now): sent at 08:00 local, as campaigns.send_time says by default."""
    with open(os.path.join(ROOT, "config", "campaigns.vi.json"), encoding="utf-8") as f:
        cal = json.load(f)["campaigns"]
    out = []
    for e in cal:
        rule = e["rule"].split()
        text = "\n".join(e["text"]) if isinstance(e["text"], list) else e["text"]
        dates = []
        y0 = time.gmtime((start_ms + LOCAL) / 1000).tm_year
        y1 = time.gmtime((now_ms + LOCAL) / 1000).tm_year
        if rule[0] == "yearly":
            d, m = rule[1].split("/")
            dates = [(y, int(m), int(d)) for y in range(y0, y1 + 1)]
        elif rule[0] == "dates":
            for s in rule[1:]:
                d, m, y = s.split("/")
                dates.append((int(y), int(m), int(d)))
        for y, m, d in dates:
            at = calendar.timegm((y, m, d, 8, 0, 0)) * 1000 - LOCAL
            if start_ms <= at < now_ms - HOUR:
                out.append(("%s-%04d" % (e["code"], y), e["title"], text, at))
    return sorted(out, key=lambda c: c[3])


def migrate(binary, db_path):
    d = tempfile.mkdtemp(prefix="tg-fill-")
    cfg = os.path.join(d, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump({"log": {"level": "warn"}, "data_dir": ROOT, "storage": {"path": db_path},
                   "platforms": {"webchat": {"enabled": False}}}, f)
    r = subprocess.run([binary, "migrate", "--config", cfg], capture_output=True, text=True,
                       timeout=120)
    os.unlink(cfg)
    os.rmdir(d)
    if r.returncode != 0:
        sys.exit("fill: tipgate migrate failed: %s" % (r.stderr or r.stdout))


def sources_hash():
    """Which fill and which schema made a database: bench/scale reuses a cached one only when
    both are unchanged."""
    h = hashlib.sha256()
    with open(os.path.abspath(__file__), "rb") as f:
        h.update(f.read())
    mdir = os.path.join(ROOT, "storage", "migrations")
    for name in sorted(os.listdir(mdir)):
        with open(os.path.join(mdir, name), "rb") as f:
            h.update(name.encode() + f.read())
    return h.hexdigest()[:16]


class Filler:
    def __init__(self, con, g, rows, days, recent_days, now, due):
        self.con, self.g, self.r = con, g, g.r
        self.n, self.now, self.due = rows, now, due
        self.start = now - days * DAY
        self.span = now - self.start
        # What retention keeps a shorter time (inbox, outbox, their buttons, campaign
        # recipients, web chat hellos) lies in the last recent_days.
        self.rstart = now - min(recent_days, days) * DAY
        with open(os.path.join(ROOT, "config", "messages.vi.json"), encoding="utf-8") as f:
            self.msgs = json.load(f)
        self.counts = {}
        n = rows
        self.n_res = 0 if n == 0 else max(2000, min(50000, n // 20))
        self.n_groups = 20 + min(40, n // 25000)
        self.n_web = self.n_res // 12
        self.campaigns = campaign_days(now, self.start) if n else []

    # ---- helpers ------------------------------------------------------------------------

    def ins(self, table, cols, rows):
        sql = "INSERT INTO %s (%s) VALUES (%s)" % (table, ", ".join(cols),
                                                   ", ".join("?" * len(cols)))
        cur = self.con.executemany(sql, rows)
        self.counts[table] = self.counts.get(table, 0) + cur.rowcount

    def when(self, i, total, start=None):
        """The i-th of total times spread from start (default: --days ago) to now, oldest
        first, never after now."""
        start = self.start if start is None else start
        t = start + int((i + self.r.random()) * (self.now - start) / max(total, 1))
        return min(t, self.now - 1000)

    def resident(self, skew=2.0):
        """A resident's index, the first ones writing more often (a few regulars)."""
        return int(self.n_res * self.r.random() ** skew)

    def res_platform_chat(self, k):
        if k < self.n_web:
            return "webchat", "w%016x" % (0x5eed000000000000 + k)
        return "telegram", str(RESIDENT_BASE + k)

    def res_person(self, k):
        return 100 + k  # people ids: officers and leaders below 100

    def group(self, k):
        return str(GROUP_BASE - k)

    # ---- people and chats -----------------------------------------------------------------

    def people(self):
        g, r, now = self.g, self.r, self.now
        self.officer_ids = []
        ppl, chats = [], []
        for i, name in enumerate(OFFICERS):
            uid = str(OFFICER_BASE + i)
            ppl.append((1 + i, "telegram", uid, "Đại úy " + name, "police",
                        AREAS[i % len(AREAS)][0],
                        self.start - 30 * DAY, now - r.randrange(HOUR, 3 * DAY)))
            chats.append(("telegram", uid, "private", None, None, self.start - 30 * DAY, now - DAY))
            self.officer_ids.append(1 + i)
        for i, (code, name, _) in enumerate(AREAS):
            uid = str(LEADER_BASE + i)
            ppl.append((50 + i, "telegram", uid, g.name(), "leader", code, self.start - 20 * DAY,
                        now - r.randrange(HOUR, 5 * DAY)))
            chats.append(("telegram", uid, "private", None, None, self.start - 20 * DAY, now - DAY))
        for k in range(self.n_res):
            plat, chat = self.res_platform_chat(k)
            first = self.start + int(self.span * r.random() ** 0.7 * 0.98)
            last = min(now - 60000, first + int((now - first) * r.random()))
            name = g.name() if plat == "telegram" else None
            area = AREAS[k % len(AREAS)][0] if r.random() < 0.3 else None
            ppl.append((self.res_person(k), plat, chat, name, "resident", area, first, last))
            chats.append((plat, chat, "private", None, None, first, last))
        self.ins("people", ["id", "platform", "platform_user_id", "display_name", "role", "area",
                            "created_at", "updated_at"], ppl)
        self.con.execute("UPDATE people SET reachable = 0 WHERE id % 53 = 7 AND role = 'resident'")
        # The desk and the escalation chat; the neighbourhood groups, bound to their areas.
        chats.append(("telegram", DESK_CHAT, "group", "Bàn trực tin báo - Công an phường", None,
                      self.start - 30 * DAY, now - HOUR))
        chats.append(("telegram", ESCALATION_CHAT, "group", "Lãnh đạo Công an phường", None,
                      self.start - 30 * DAY, now - DAY))
        self.ins("chats", ["platform", "chat_id", "kind", "title", "area", "created_at",
                           "updated_at"],
                 chats)
        grp = []
        for k in range(self.n_groups):
            created = self.start - r.randrange(DAY, 60 * DAY)
            grp.append(("telegram", self.group(k), "group",
                        r.choice(CHAT_TITLES).format(k=k + 1), AREAS[k % len(AREAS)][0], created,
                        now - r.randrange(MIN, HOUR), created + HOUR, created + 5 * MIN,
                        "administrator" if k % 3 else "member"))
        self.ins("chats", ["platform", "chat_id", "kind", "title", "area", "created_at",
                           "updated_at", "bound_at", "hinted_at", "bot_status"], grp)
        # How the officers and leaders got their roles.
        codes = []
        for p in ppl[:len(OFFICERS) + len(AREAS)]:
            at = self.start - r.randrange(DAY, 20 * DAY)
            codes.append((hashlib.sha256(g.hex(8).encode()).hexdigest(), p[4], p[5], at,
                          at + 7 * DAY, at + HOUR, p[0]))
        self.ins("enrol_codes", ["code_hash", "role", "area", "created_at", "expires_at", "used_at",
                                 "used_by"], codes)
        step = self.span // max(1, self.n_web)
        web = [(g.hex(32), "w%016x" % (0x5eed000000000000 + k), self.start + k * step,
                now - r.randrange(MIN, 60 * DAY)) for k in range(self.n_web)]
        # Browsers that said hello once and never wrote (every hello adds a row): as many again.
        web += [(g.hex(32), "w%016x" % g.r.getrandbits(64), t, t)
                for t in (self.when(i, self.n_web, self.rstart) for i in range(self.n_web))]
        self.ins("webchat_identities", ["secret_hash", "chat_id", "created_at", "last_seen_at"],
                 web)
        owners = [(1 + i, 1000 + 37 * i, g.hex(16), "pid:[4026531836]", 5000 + i, "serve",
                   self.start + i * 14 * DAY, self.start + (i + 1) * 14 * DAY - MIN)
                  for i in range(max(1, self.span // (14 * DAY)))]
        self.ins("outbox_owners", ["id", "pid", "boot_id", "pid_ns", "start_ticks", "command",
                                   "started_at", "heartbeat_at"], owners)
        self.n_owners = len(owners)

    def owner_at(self, t):
        return 1 + min(self.n_owners - 1, (t - self.start) // (14 * DAY))

    # ---- tips -----------------------------------------------------------------------------

    def tips(self):
        g, r, n, now = self.g, self.r, self.n, self.now
        if n == 0:
            return
        used = set()
        open_target = min(300, max(10, int(n * 0.55 * 0.1)))
        recent = 25 * DAY
        n_recent = max(1.0, n * 0.55 * min(recent, self.span) / self.span)
        n_old = max(1.0, n * 0.55 - n_recent)
        p_recent = min(1.0, 0.85 * open_target / n_recent)
        p_old = min(1.0, 0.15 * open_target / n_old)
        cols = ["id", "code", "kind", "person_id", "platform", "chat_id", "anonymous",
                "contact_phone", "category", "urgent", "area", "place", "happened", "description",
                "folded", "entities", "latitude", "longitude", "status", "desk_platform",
                "desk_chat_id", "assigned_to", "duplicate_of", "outcome", "created_at",
                "updated_at", "acknowledged_at", "classified_at", "closed_at", "deadline_at",
                "extensions", "extended_days", "assigned_person"]
        # The web desk's "mine" (migration 016): the enrolled officer the name is, people 1+i.
        officer_id = {"Đại úy " + name: 1 + i for i, name in enumerate(OFFICERS)}
        self.tip_info = []  # (id, code, person, created, acked, closed, kind) for the relay/audit

        def gen():
            for i in range(n):
                tid = i + 1
                t = self.when(i, n)
                age = now - t
                x = r.random()
                kind = "tip" if x < 0.55 else "group_lead" if x < 0.90 else "feedback"
                k = self.resident()
                plat, chat = self.res_platform_chat(k)
                person = self.res_person(k)
                if kind == "feedback":
                    desc, fdesc, ent = render(g, r.choice(FEEDBACK))
                    cat = None
                else:
                    cat, tpl = r.choice(TEMPLATES)
                    desc, fdesc, ent = render(g, tpl)
                area = AREAS[r.randrange(len(AREAS))][0]
                anon = 1 if kind != "tip" or r.random() < 0.8 else 0
                phone = None if anon else g.phone()
                urgent = 1 if kind == "tip" and r.random() < 0.04 else 0
                lat = lon = None
                if kind == "tip" and r.random() < 0.1:
                    lat, lon = 10.76 + r.random() * 0.05, 106.66 + r.random() * 0.05
                place = g.place() if kind != "feedback" and r.random() < 0.7 else None
                happened = r.choice(WHEN) if kind == "tip" and r.random() < 0.6 else None
                if kind == "group_lead":
                    plat, chat = "telegram", self.group(r.randrange(self.n_groups))
                deadline = t + 20 * DAY if kind == "tip" else None
                ack = classified = closed = dup = outcome = assigned = None
                ext = ext_days = 0
                if kind == "tip":
                    is_open = r.random() < (p_recent if age < recent else p_old)
                    if is_open:
                        if age < 2 * HOUR:
                            status = "new" if r.random() < 0.8 else "received"
                        else:
                            status = r.choices(["new", "received", "verifying", "transferred"],
                                               [10, 35, 35, 20])[0]
                        if status != "new":
                            ack = t + min(age // 3, r.randrange(5 * MIN, 3 * HOUR))
                            assigned = "Đại úy " + r.choice(OFFICERS)
                        if status in ("verifying", "transferred"):
                            classified = ack + min((now - ack) // 3, r.randrange(HOUR, 20 * HOUR))
                        if age > 20 * DAY and r.random() < 0.6:
                            ext, ext_days = 1, r.randrange(10, 31)
                            deadline += ext_days * DAY
                    else:
                        status = r.choices(["resolved", "closed", "rejected", "duplicate"],
                                           [50, 25, 12, 8])[0]
                        ack = t + min(age // 10, r.randrange(10 * MIN, 6 * HOUR))
                        classified = ack + min((now - ack) // 5, r.randrange(HOUR, 20 * HOUR))
                        closed = classified + min((now - classified) // 2,
                                                  r.randrange(DAY, 19 * DAY))
                        assigned = "Đại úy " + r.choice(OFFICERS)
                        if status == "duplicate" and tid > 50:
                            dup = tid - r.randrange(1, 50)
                        elif status == "duplicate":
                            status = "closed"
                        if status != "duplicate":
                            outcome = r.choice(OUTCOMES)
                elif kind == "feedback":
                    status = "closed" if r.random() < 0.7 else "received"
                    ack = t + min(age // 3, r.randrange(10 * MIN, DAY))
                    if status == "closed":
                        closed = ack + min((now - ack) // 2, r.randrange(HOUR, 5 * DAY))
                else:
                    status = "new" if r.random() < 0.85 else "closed"
                    if status == "closed":
                        ack = t + min(age // 3, r.randrange(10 * MIN, DAY))
                        closed = ack + min((now - ack) // 2, r.randrange(HOUR, 3 * DAY))
                updated = max(x for x in (t, ack, classified, closed) if x is not None)
                code = g.code(used)
                self.tip_info.append((tid, code, person, t, ack, closed, kind, status))
                yield (tid, code, kind, person, plat, chat, anon, phone, cat, urgent, area, place,
                       happened, desc, fdesc, ent, lat, lon, status, "telegram", DESK_CHAT,
                       assigned, dup, outcome, t, updated, ack, classified, closed, deadline, ext,
                       ext_days, officer_id.get(assigned))
        self.ins("tips", cols, gen())
        if self.due:
            # Two tips filed a little over ack_minutes ago, not acknowledged: their reminder is
            # due at the first scheduler tick.
            for j, (tid, *_rest) in enumerate(self.tip_info[-2:]):
                self.con.execute("UPDATE tips SET kind = 'tip', status = 'new', urgent = 0, "
                                 "acknowledged_at = NULL, classified_at = NULL, closed_at = NULL, "
                                 "duplicate_of = NULL, outcome = NULL, extensions = 0, "
                                 "extended_days = 0, assigned_to = NULL, assigned_person = NULL, "
                                 "created_at = ?1, "
                                 "updated_at = ?1, deadline_at = ?1 + 20 * 86400000 WHERE id = ?2",
                                 (now - 121 * MIN - j * MIN, tid))
                t = now - 121 * MIN - j * MIN
                self.tip_info[-2 + j] = self.tip_info[-2 + j][:3] + (t, None, None, "tip", "new")
            self.due_tips = [t[0] for t in self.tip_info[-2:]]
        else:
            self.due_tips = []

    def tips_related(self):
        g, r, now = self.g, self.r, self.now
        if not self.n:
            return
        officers = self.officer_ids
        audit, msgs, att = [], [], []
        for tid, code, person, t, ack, closed, kind, status in self.tip_info:
            audit.append((t, person, "file", tid, kind))
            if r.random() < 0.05 and kind != "group_lead":
                att.append((tid, "photo", "AgACAgUAAxkBAAI%s" % g.hex(12), t))
            if ack:
                o = r.choice(officers)
                audit.append((ack, o, "ack", tid, None))
                if kind != "group_lead":
                    msgs.append((tid, "status", "📌 Tin báo %s-%s của bạn đã được Công an tiếp nhận."
                                 % (code[:4], code[4:]), o, 0, ack))
                if r.random() < 0.5:
                    audit.append((min(now - 1, ack + r.randrange(MIN, HOUR)), o, "view", tid, None))
                if kind == "tip" and r.random() < 0.25:
                    q = ack + r.randrange(MIN, 2 * HOUR)
                    if q < now:
                        msgs.append((tid, "to_tipster",
                                     "Bạn cho biết thêm thời gian cụ thể được không?",
                                     o, 1, q))
                        a = q + r.randrange(MIN, 6 * HOUR)
                        if a < now:
                            msgs.append((tid, "from_tipster", "Khoảng 21 giờ ạ, em thấy 2 người.",
                                         None, 0, a))
            if closed:
                o = r.choice(officers)
                audit.append((closed, o, "close", tid, r.choice(OUTCOMES)))
                if kind != "group_lead":
                    msgs.append((tid, "status", "📌 Tin báo %s-%s của bạn đã được xử lý xong." %
                                 (code[:4], code[4:]), o, 0, closed))
        audit.sort(key=lambda a: a[0])
        self.ins("audit_log", ["at", "actor", "action", "tip_id", "detail"], audit)
        msgs.sort(key=lambda m: m[5])
        self.ins("tip_messages", ["tip_id", "direction", "text", "author", "open_question",
                                  "created_at"], msgs)
        self.ins("tip_attachments", ["tip_id", "kind", "ref", "created_at"], att)
        self.reminders()
        del self.tip_info

    def reminders(self):
        """Every reminder the service has sent by now, as sla.c records them (kinds ack,
        ack_escalation, classify, due15:<deadline>, due19:<deadline>, overdue:<deadline>), for
        open tips and for what closed tips went through; the due tips are left out."""
        now = self.now
        skip = ",".join(str(i) for i in self.due_tips) or "0"
        base = "INSERT OR IGNORE INTO tip_reminders (tip_id, kind, sent_at) SELECT id, %s, %s " \
               "FROM tips WHERE kind = 'tip' AND id NOT IN (" + skip + ") AND %s"
        lim = "coalesce(acknowledged_at, closed_at, :now)"
        rules = [
            ("'ack'", "created_at + CASE WHEN urgent THEN 15 ELSE 120 END * 60000",
             "%s > created_at + CASE WHEN urgent THEN 15 ELSE 120 END * 60000" % lim),
            ("'ack_escalation'", "created_at + CASE WHEN urgent THEN 30 ELSE 240 END * 60000",
             "%s > created_at + CASE WHEN urgent THEN 30 ELSE 240 END * 60000" % lim),
            ("'classify'", "created_at + 24 * 3600000",
             "coalesce(classified_at, closed_at, :now) > created_at + 24 * 3600000"),
            ("'due15:' || deadline_at", "deadline_at - 5 * 86400000",
             "coalesce(closed_at, :now) > deadline_at - 5 * 86400000"),
            ("'due19:' || deadline_at", "deadline_at - 86400000",
             "coalesce(closed_at, :now) > deadline_at - 86400000"),
            ("'overdue:' || deadline_at", "deadline_at", "coalesce(closed_at, :now) > deadline_at"),
        ]
        for kind, at, cond in rules:
            cur = self.con.execute(base % (kind, at, cond), {"now": now})
            self.counts["tip_reminders"] = self.counts.get("tip_reminders", 0) + cur.rowcount
        # An extended deadline: the reminders of the first one were sent too.
        cur = self.con.execute(
            "INSERT OR IGNORE INTO tip_reminders (tip_id, kind, sent_at) SELECT id, k || ':' || "
            "(created_at + 20 * 86400000), created_at + 20 * 86400000 FROM tips, (SELECT 'due15' "
            "AS k UNION SELECT 'due19' UNION SELECT 'overdue') "
            "WHERE kind = 'tip' AND extensions > 0")
        self.counts["tip_reminders"] += cur.rowcount
        # The tip deadlines job marks a tip once the last message of a stage went (tips.sla_*,
        # migration 009), so that the tip leaves that stage's index: the same marks here, or
        # the first ticks after start would be spent making them.
        for sql in (
                "UPDATE tips SET sla_ack_done = (SELECT r.sent_at FROM tip_reminders r WHERE "
                "r.tip_id = tips.id AND r.kind = 'ack_escalation') WHERE id IN (SELECT tip_id "
                "FROM tip_reminders WHERE kind = 'ack_escalation')",
                "UPDATE tips SET sla_classify_done = (SELECT r.sent_at FROM tip_reminders r "
                "WHERE r.tip_id = tips.id AND r.kind = 'classify') WHERE id IN (SELECT tip_id "
                "FROM tip_reminders WHERE kind = 'classify')",
                "UPDATE tips SET sla_overdue_for = deadline_at WHERE EXISTS (SELECT 1 FROM "
                "tip_reminders r WHERE r.tip_id = tips.id AND r.kind = 'overdue:' || "
                "tips.deadline_at)"):
            self.con.execute(sql)

    # ---- inbox ----------------------------------------------------------------------------

    def inbox(self):
        g, r, n, now = self.g, self.r, self.n, self.now
        if n == 0:
            return
        self.tg_update = TG_UPDATE_BASE
        self.last_tg_at = 0
        cols = ["id", "platform", "update_key", "chat_id", "message", "received_at",
                "processed_at", "error"]

        def one(i, t, pending=False):
            date_ms = (t - r.randrange(100, 900)) // 1000 * 1000
            group = r.random() < 0.70 and not pending
            k = self.resident(1.5)
            plat, chat = self.res_platform_chat(k)
            if group:
                plat = "telegram"
                gk = int(self.n_groups * r.random() ** 1.5)
                chat = self.group(gk)
            if plat == "telegram":
                self.tg_update += 1
                key = str(self.tg_update)
                self.last_tg_at = t
                sender = str(RESIDENT_BASE + max(k, self.n_web))
            else:
                key = "%s:m%d" % (chat, i)
                sender = chat
            m = {"kind": "text", "platform": plat, "update_key": key, "chat_id": chat}
            if group:
                m["chat_title"] = "Tổ dân phố %d" % (gk + 1)
            m["sender_id"] = sender
            if plat == "telegram":
                m["sender_name"] = g.name()
            x = r.random()
            if group:
                m["text"] = r.choice(CHATTER).format(n=r.randrange(2, 200), s=r.choice(STREETS))
            elif x < 0.08 and plat == "telegram":
                m["kind"] = "callback"
                m["callback_id"] = str(r.getrandbits(63))
                m["callback_data"] = "cb" + g.hex(8)
            elif x < 0.09:
                m["kind"] = "edited"
                m["text"] = r.choice(PRIVATE)
            elif x < 0.10 and plat == "telegram":
                m["kind"] = "member"
                m["member_status"] = r.choice(["kicked", "member"])
            elif x < 0.22:
                cat, tpl = r.choice(TEMPLATES)
                m["text"] = "/baotin " + render(g, tpl)[0]
            else:
                m["text"] = r.choice(PRIVATE)
            m["is_group"] = group
            m["date_ms"] = date_ms
            if not group and m["kind"] == "text" and r.random() < 0.02:
                m["attachments"] = [{"kind": "photo", "ref": "AgACAgUAAxkBAAI" + g.hex(12)}]
            if group and r.random() < 0.97:  # the worker scrubs group talk that became nothing
                for f in ("text", "attachments", "sender_name"):
                    m.pop(f, None)
            if pending:
                return (i, plat, key, chat, jdump(m), t, None, None)
            err = "handler failed" if r.random() < 0.0005 else None
            return (i, plat, key, chat, jdump(m), t, t + r.randrange(3, 250), err)

        n_due = 3 if self.due else 0
        self.ins("inbox", cols, (one(i + 1, self.when(i, n - n_due, self.rstart))
                                 for i in range(n - n_due)))
        self.ins("inbox", cols, (one(n - n_due + j + 1, now - 2000 + j * 100, True)
                                 for j in range(n_due)))

    # ---- outbox, campaigns ----------------------------------------------------------------

    def campaign_plan(self):
        """The campaigns: every awareness day of the last --days (done), and an officer's alert
        to one area every 6 days of the recent window. Only the recent ones still have their
        recipients and bulk messages (retention keeps them for the report period); the
        subscribers are as many as makes the bulk about a fifth of the outbox."""
        self.camps = []  # (id, code, kind, title, text, audience, priority, send_at, area)
        for code, title, text, at in self.campaigns:
            self.camps.append([code, "awareness", title, text, "residents groups", 3, at, None])
        at = self.rstart + 2 * DAY
        k = 0
        while at < self.now - DAY:
            area, name, _ = AREAS[k % len(AREAS)]
            body = texts_of(self.msgs, "alert_message", area=name,
                            text="Cảnh giác đối tượng giả danh nhân viên điện lực đến nhà "
                                 "thu tiền.")
            self.camps.append(["CB%d-1" % (at // 1000), "alert", "Cảnh giác giả danh điện lực",
                               body, "residents:%s groups:%s" % (area, area), 2, at, area])
            at += 6 * DAY
            k += 1
        self.camps.sort(key=lambda c: c[6])
        for i, c in enumerate(self.camps):
            c.insert(0, i + 1)
        n_full = sum(1 for c in self.camps if c[7] >= self.rstart and not c[8])
        n_area = sum(1 for c in self.camps if c[7] >= self.rstart and c[8])
        if not self.n or not self.camps:
            self.n_subs = 0
            return 0
        g = self.n_groups
        # recipients = n_full * (S + G) + n_area * (S / 20 + G / 8): a fifth of the outbox
        want = self.n * 0.2 - n_full * g - n_area * g / 8
        self.n_subs = int(max(0, min(self.n_res * 0.7 - self.n_web,
                                     want / max(0.05, n_full + n_area / 20))))
        subs = range(self.n_web, self.n_web + self.n_subs)
        self.subs = list(subs)
        return sum(len(self.targets(c)) for c in self.camps if c[7] >= self.rstart)

    def sub_area(self, k):
        """A subscriber's area (/dangkytin <area>): two in five chose one."""
        return AREAS[k % len(AREAS)][0] if k % 5 < 2 else None

    def targets(self, c):
        area = c[8]
        res = [("resident", str(RESIDENT_BASE + k)) for k in self.subs
               if not area or self.sub_area(k) == area]
        grp = [("group", self.group(k)) for k in range(self.n_groups)
               if not area or AREAS[k % len(AREAS)][0] == area]
        return res + grp

    def outbox(self):
        g, r, n, now = self.g, self.r, self.n, self.now
        if n == 0:
            return
        bulk = self.campaign_plan()
        regular = n - bulk
        self.subs = getattr(self, "subs", [])
        cols = ["id", "platform", "chat_id", "text", "buttons", "priority", "status", "attempts",
                "next_attempt_at", "last_error", "dedupe_key", "created_at", "sent_at",
                "claimed_by", "ref_kind", "ref_id"]
        msgs = self.msgs
        replies = [texts_of(msgs, k) for k in ("help", "fallback", "sub_done", "report_nudge",
                                               "report_ask_place")]
        cbs = []

        def desk_buttons(code):
            b = [[{"text": "Nhận", "data": "desk:ack:" + code},
                  {"text": "Trả lời", "data": "desk:reply:" + code}],
                 [{"text": "Xử lý", "data": "desk:status:" + code},
                  {"text": "Xem", "data": "desk:view:" + code}]]
            return b

        def row(oid, t, due=False):
            x = r.random()
            buttons = None
            code = g.code(set())
            shown = "%s-%s" % (code[:4], code[4:])
            if x < 0.60:
                k = self.resident(1.5)
                plat, chat = self.res_platform_chat(k)
                if r.random() < 0.3:
                    text = texts_of(msgs, "tip_filed", code=shown)
                else:
                    text = r.choice(replies)
                prio = 1
            elif x < 0.80:
                plat, chat = "telegram", DESK_CHAT
                text = "🆕 TIN BÁO MỚI — %s\nLoại việc: %s\nKhu vực: %s\nNội dung: %s" % (
                    shown, r.choice(TEMPLATES)[0], r.choice(AREAS)[1],
                    render(g, r.choice(TEMPLATES)[1])[0])
                b = desk_buttons(code)
                buttons = jdump(b)
                prio = 0 if r.random() < 0.05 else 1
            elif x < 0.93:
                k = self.resident(1.5)
                plat, chat = self.res_platform_chat(k)
                text = texts_of(msgs, r.choice(["tip_notice_ack", "tip_notice_status"]), code=shown,
                                status="Đang xác minh")
                prio = 2
            else:
                plat, chat = "telegram", self.group(r.randrange(self.n_groups))
                text = texts_of(msgs, r.choice(["group_invite_private", "group_urgent",
                                                "group_bound"]),
                                area=r.choice(AREAS)[1])
                prio = 1
            if due:  # a reply to a resident waiting for the sender
                chat = str(RESIDENT_BASE + self.n_res - 1 - (oid % 5))
                return (oid, "telegram", chat, text, None, 1, "queued", 0, t, None, None, t, None,
                        None)
            y = r.random()
            if y < 0.025:
                err = r.choice(["Forbidden: bot was blocked by the user",
                                "Bad Request: chat not found",
                                "Forbidden: user is deactivated"])
                return (oid, plat, chat, text, buttons, prio, "failed", r.randrange(1, 9), t, err,
                        None, t, None, self.owner_at(t) if plat != "webchat" else None)
            sent = min(now - 1, t + r.randrange(20, 1500))
            if buttons and plat == "telegram":
                for line in json.loads(buttons):
                    for bt in line:
                        cbs.append(("cb" + g.hex(8), "telegram", chat, bt["data"], sent))
            return (oid, plat, chat, text, buttons, prio, "sent", 1, t, None, None, t, sent,
                    self.owner_at(t) if plat != "webchat" else None)

        n_due = 5 if self.due else 0
        # Regular rows and the recent campaigns' bursts, in time order (ids follow time).
        bursts = [(c[7], ci) for ci, c in enumerate(self.camps) if c[7] >= self.rstart]
        oid = 0
        recips = []
        camp_rows = [(c[0], c[1], c[2], c[3], c[4], c[5], c[6], "done", c[7], c[7] - 30 * DAY
                      if c[2] == "awareness" else c[7], c[7] + 40 * MIN, c[7], c[7] + 40 * MIN,
                      None if c[2] == "awareness" else self.officer_ids[0])
                     for c in self.camps]

        def all_rows():
            nonlocal oid
            bi = 0
            for i in range(regular - n_due):
                t = self.when(i, regular - n_due, self.rstart)
                while bi < len(bursts) and bursts[bi][0] <= t:
                    yield from burst(bursts[bi][1])
                    bi += 1
                oid += 1
                yield row(oid, t)
            while bi < len(bursts):
                yield from burst(bursts[bi][1])
                bi += 1
            for j in range(n_due):
                oid += 1
                yield row(oid, now - 1000 - j * 200, due=True)

        def burst(ci):
            nonlocal oid
            c = self.camps[ci]
            cid, text, prio, at = c[0], c[4], c[6], c[7]
            footer = texts_of(self.msgs, "campaign_footer")
            for j, (aud, chat) in enumerate(self.targets(c)):
                oid += 1
                t = at + (j // 500) * 1000
                sent = min(now - 1, at + j * 34 + r.randrange(30))
                body = text + ("\n\n" + footer if aud == "resident" else "")
                recips.append((cid, "telegram", chat, aud, "queued", oid, t))
                yield (oid, "telegram", chat, body, None, prio, "sent", 1, t, None,
                       "campaign:%d:telegram:%s:0" % (cid, chat), t, sent, self.owner_at(t))

        def with_ref(rows):  # what a row belongs to (migration 011): its campaign, if any
            for t in rows:
                key = t[10]
                camp = key.split(":")[1] if key and key.startswith("campaign:") else None
                yield t + (("campaign", int(camp)) if camp else (None, None))

        self.ins("outbox", cols, with_ref(all_rows()))
        self.ins("campaigns", ["id", "code", "kind", "title", "text", "audience", "priority",
                               "status", "send_at", "created_at", "updated_at", "started_at",
                               "finished_at", "created_by"], camp_rows)
        self.ins("campaign_recipients", ["campaign_id", "platform", "chat_id", "audience", "state",
                                         "outbox_id", "updated_at"], recips)
        cbs.sort(key=lambda c: c[4])
        self.ins("callback_payloads", ["token", "platform", "chat_id", "data", "created_at"], cbs)
        # Who receives campaigns: the subscribers, and a few who said /tatthongbao.
        subs = self.subs
        sub_rows = [("telegram", str(RESIDENT_BASE + k), self.res_person(k), "subscribed",
                     self.sub_area(k), self.start + k % 1000 * MIN, self.start + k % 1000 * MIN)
                    for k in subs]
        stopped = [("telegram", str(RESIDENT_BASE + k), self.res_person(k), "stopped", None,
                    self.start, now - DAY)
                   for k in range(self.n_web + len(subs),
                                  min(self.n_res, self.n_web + len(subs) + len(subs) // 30))]
        self.ins("subscriptions", ["platform", "chat_id", "person_id", "status", "area",
                                   "created_at", "updated_at"], sub_rows + stopped)

    # ---- the rest -------------------------------------------------------------------------

    def misc(self):
        g, r, now = self.g, self.r, self.now
        # Telegram's receive state: the offset after the last stored update.
        if self.n:
            ps = [("telegram", "offset", str(self.tg_update + 1), self.last_tg_at),
                  ("telegram", "last_at", str(self.last_tg_at), self.last_tg_at)]
            self.ins("platform_state", ["platform", "key", "value", "updated_at"], ps)
        if not self.n:
            return
        # Drafts in progress: the ones idle for over an hour were nudged; none is past 24 h.
        conv = []
        n_conv = min(60, 10 + self.n_res // 500)
        for i in range(n_conv):
            k = self.n_web + i * 7 % max(1, self.n_res - self.n_web)
            upd = now - r.randrange(MIN, 23 * HOUR)
            flow = r.choice(["report", "report", "feedback", "offer"])
            data = jdump({"description": render(g, r.choice(TEMPLATES)[1])[0]})
            step = r.choice(["place", "when", "media", "identity", "confirm"])
            conv.append(("telegram", str(RESIDENT_BASE + k), flow, step,
                         data, upd - r.randrange(MIN, HOUR), upd, 1 if now - upd > HOUR else 0))
        if self.due:  # one draft whose nudge is due
            k = self.n_res - 1
            conv.append(("telegram", str(RESIDENT_BASE + k), "report", "place",
                         jdump({"description": "Có người lạ lảng vảng ở hẻm 5"}), now - 70 * MIN,
                         now - 61 * MIN, 0))
        self.ins("conversations", ["platform", "chat_id", "flow", "step", "data", "started_at",
                                   "updated_at", "nudged"], conv)
        # Scam shield: flagged items, their warnings in groups, sightings of the last two days.
        items = []
        for i in range(40):
            kind = ["phone", "link", "account"][i % 3]
            value = g.phone() if kind == "phone" else \
                ("http://%s.top" % g.hex(4)) if kind == "link" \
                else str(r.randrange(10 ** 9, 10 ** 13))
            items.append((i + 1, kind, value, "Vietcombank" if kind == "account" else None,
                          "Giả danh công an gọi điện đòi chuyển tiền", self.officer_ids[0],
                          self.start + i * (self.span // 40)))
        self.ins("scam_items", ["id", "kind", "value", "bank", "reason", "flagged_by",
                                "created_at"],
                 items)
        warns = {}
        for i in range(min(2000, self.n // 200)):
            t = self.when(i, min(2000, self.n // 200))
            day = time.strftime("%Y-%m-%d", time.gmtime((t + LOCAL) / 1000))
            chat = self.group(r.randrange(self.n_groups))
            warns.setdefault((r.randrange(1, 41), "telegram", chat,
                              day), t)
        self.ins("scam_warnings", ["item_id", "platform", "chat_id", "day", "at"],
                 [k + (t,) for k, t in sorted(warns.items())])
        sights = []
        for i in range(min(3000, 50 + self.n // 500)):
            t = now - 2 * DAY + int(i * 2 * DAY / min(3000, 50 + self.n // 500))
            src = "group:telegram:" + self.group(r.randrange(self.n_groups))
            sights.append(("phone", g.phone(), src,
                           min(t, now - 1000)))
        self.ins("sightings", ["kind", "value", "source", "seen_at"], sights)
        # Meetings: past ones reminded; one next week, not yet reminded.
        meets = []
        for k in range(self.n_groups):
            for j in range(3):
                at = self.start + r.randrange(self.span - DAY)
                meets.append(("telegram", self.group(k), at, "Họp tổ dân phố tại nhà văn hóa",
                              50 + k % len(AREAS),
                              at - 3 * DAY, 1, 1))
        meets.append(("telegram", self.group(0), now + 7 * DAY, "Họp tổ dân phố cuối năm", 50,
                      now - DAY, 0, 0))
        self.ins("meetings", ["platform", "chat_id", "at", "text", "created_by", "created_at",
                              "reminded_day", "reminded_hour"], meets)

    def run(self):
        steps = [("people and chats", self.people), ("tips", self.tips),
                 ("audit, relay, reminders", self.tips_related), ("inbox", self.inbox),
                 ("outbox and campaigns", self.outbox), ("the rest", self.misc)]
        for name, fn in steps:
            t0 = time.time()
            fn()
            print("fill: %-24s %6.1f s" % (name, time.time() - t0), file=sys.stderr)


def unknown_columns(con):
    """Columns of the schema fill.py leaves to their default: a later migration may add one the
    service maintains (a due time, say) that the fill must then set."""
    known = {
        "tips": {"id", "code", "kind", "person_id", "platform", "chat_id", "anonymous",
                 "contact_phone", "category", "urgent", "area", "place", "happened",
                 "description", "folded", "entities", "latitude", "longitude", "status",
                 "desk_platform", "desk_chat_id", "assigned_to", "duplicate_of", "outcome",
                 "created_at", "updated_at", "acknowledged_at", "classified_at", "closed_at",
                 "deadline_at", "extensions", "extended_days", "assigned_person"},
        "inbox": {"id", "platform", "update_key", "chat_id", "message", "received_at",
                  "processed_at", "error"},
        "outbox": {"id", "platform", "chat_id", "text", "buttons", "priority", "status",
                   "attempts", "next_attempt_at", "last_error", "dedupe_key", "created_at",
                   "sent_at", "photo", "claimed_by", "ref_kind", "ref_id",
                   "head"},  # set by migration 025's triggers as rows go in (and repaired at start)
        "conversations": {"platform", "chat_id", "flow", "step", "data", "started_at",
                          "updated_at", "nudged"},
        "campaign_recipients": {"campaign_id", "platform", "chat_id", "audience", "state",
                                "outbox_id", "updated_at"},
        "callback_payloads": {"token", "platform", "chat_id", "data", "created_at"},
        "webchat_identities": {"secret_hash", "chat_id", "created_at", "last_seen_at"},
    }
    out = []
    for table, cols in known.items():
        have = {r[1] for r in con.execute("PRAGMA table_info(%s)" % table)}
        out += ["%s.%s" % (table, c) for c in sorted(have - cols)]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "bench-release", "tipgate"))
    ap.add_argument("--rows", required=True,
                    help="rows of each of tips, inbox, outbox (10k, 1M ok)")
    ap.add_argument("--out", required=True, help="the database to create")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=175,
                    help="history length (default 175: under the 180-day lead retention)")
    ap.add_argument("--recent-days", type=int, default=28,
                    help="span of inbox, outbox and what else retention keeps shorter (default "
                         "28: inside the 30-day retention)")
    ap.add_argument("--now", type=int, default=0, help="the fill's now in ms (default: the clock)")
    ap.add_argument("--no-due", action="store_true", help="nothing due at the first tick")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    ap.add_argument("--check", action="store_true", help="PRAGMA foreign_key_check at the end")
    a = ap.parse_args()
    rows = parse_count(a.rows)
    now = a.now or int(time.time() * 1000)
    out = os.path.abspath(a.out)
    if os.path.exists(out):
        if not a.force:
            sys.exit("fill: %s exists (--force replaces it)" % out)
        for ext in ("", "-wal", "-shm", ".json"):
            if os.path.exists(out + ext):
                os.unlink(out + ext)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    t0 = time.time()
    migrate(os.path.abspath(a.binary), out)
    con = sqlite3.connect(out, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    con.execute("PRAGMA temp_store=MEMORY")
    con.execute("BEGIN")
    f = Filler(con, Gen(a.seed), rows, a.days, a.recent_days, now, not a.no_due)
    f.run()
    con.execute("COMMIT")
    problems = []
    if a.check:
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    extra = unknown_columns(sqlite3.connect(out))
    for c in extra:
        print("fill: warning: %s is left to its default; if the service maintains it, "
              "bench/fill.py must set it" % c, file=sys.stderr)
    areas = [{"code": c, "name": n, "aliases": al,
              "desk": {"platform": "telegram", "chat_id": DESK_CHAT},
              "escalation": {"platform": "telegram", "chat_id": ESCALATION_CHAT}}
             for c, n, al in AREAS]
    side = {
        "config": {"areas": areas},
        "fill": {"rows": rows, "seed": a.seed, "days": a.days, "recent_days": a.recent_days,
                 "now_ms": now, "due": not a.no_due,
                 "sources": sources_hash(), "seconds": round(time.time() - t0, 1),
                 "counts": f.counts},
        "officer": {"platform": "telegram", "user_id": str(OFFICER_BASE),
                    "name": "Đại úy " + OFFICERS[0],
                    "area": AREAS[0][0]},
        "desk_chat": DESK_CHAT,
        "groups": [str(GROUP_BASE - k) for k in range(f.n_groups)],
        "residents": {"telegram_first": RESIDENT_BASE + f.n_web,
                      "telegram_count": f.n_res - f.n_web},
    }
    with open(out + ".json", "w", encoding="utf-8") as fp:
        json.dump(side, fp, ensure_ascii=False, indent=1)
    size = os.path.getsize(out)
    print("fill: %s: %d rows each, %.0f MiB, %.1f s; %s" % (
        out, rows, size / 2 ** 20, time.time() - t0,
        ", ".join("%s %d" % kv for kv in sorted(f.counts.items()))), file=sys.stderr)
    if problems:
        sys.exit("fill: foreign_key_check: %d problems, e.g. %s" % (len(problems), problems[:5]))


def parse_count(s):
    s = str(s).strip().lower().replace("_", "").replace(",", "")
    mult = 1
    if s.endswith("k"):
        mult, s = 1000, s[:-1]
    elif s.endswith("m"):
        mult, s = 1000000, s[:-1]
    v = int(float(s) * mult)
    if v < 0:
        raise ValueError(s)
    return v


if __name__ == "__main__":
    main()
