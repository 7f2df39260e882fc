"""exportlib — what test_export.py and test_api_v1.py share: a tipgate with two areas whose
database is migrated and filled with tips by SQL before it starts (known codes, dates, statuses,
a tipster with a phone and a name that must never come out), the CLI run on its config, and a
commander and an officer enrolled by SQL. Standard library only.

    env = exportlib.Env()           # migrated, not started
    codes = env.fill(60, 2025)      # 60 tips filed in 2025 (local time), their codes
    out = env.cli("export", "tips", "--period", "2025", "--format", "jsonl")
"""
import atexit
import datetime
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

VN = datetime.timezone(datetime.timedelta(hours=7))
AREAS = [{"code": "TDP5", "name": "Tổ dân phố 5"}, {"code": "THONDONG", "name": "Thôn Đông"}]
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
# What identifies the tipster: none of it may leave through an export without contacts or the API.
TIPSTER_PHONE = "0912345678"
CONTACT_PHONE = "0987654321"
TIPSTER_NAME = "Nguyễn Thị Người Báo"
TIPSTER_USER = "770011"
DESCRIPTION = "Có người lạ trộm xe máy ở đầu ngõ, gọi " + TIPSTER_PHONE + " gặp " + TIPSTER_NAME
STATUSES = ["new", "received", "verifying", "transferred", "resolved", "rejected", "closed"]


def ms(y, m, d, hh=9, mm=0):
    return int(datetime.datetime(y, m, d, hh, mm, tzinfo=VN).timestamp() * 1000)


class Env:
    def __init__(self, config=None):
        cfg = {"areas": AREAS}
        tglib.deep_merge(cfg, config or {})
        self.tg = tglib.Tipgate(config=cfg)
        atexit.register(self.tg.cleanup)
        self.run("migrate", check=True)
        self.rng = random.Random(15)
        self.used = set()
        with self.tg.db() as con:
            now = ms(2025, 1, 1)
            con.execute("INSERT INTO people (platform, platform_user_id, display_name, role,"
                        " created_at, updated_at) VALUES ('telegram', ?, ?, 'resident', ?, ?)",
                        (TIPSTER_USER, TIPSTER_NAME, now, now))
            self.tipster = con.execute("SELECT last_insert_rowid()").fetchone()[0]
        con.close()
        self.commander = self.person("880001", "Thiếu tá Chỉ Huy", "commander")
        self.officer = self.person("880002", "Trung úy Cán Bộ", "police", "TDP5")

    def person(self, uid, name, role, area=None):
        with self.tg.db() as con:
            now = ms(2025, 1, 1)
            con.execute("INSERT INTO people (platform, platform_user_id, display_name, role, area,"
                        " created_at, updated_at) VALUES ('telegram', ?, ?, ?, ?, ?, ?)",
                        (uid, name, role, area, now, now))
            return con.execute("SELECT last_insert_rowid()").fetchone()[0]

    def code(self):
        while True:
            c = "".join(self.rng.choice(ALPHABET) for _ in range(8))
            if c not in self.used:
                self.used.add(c)
                return c

    def fill(self, n, year, kind="tip", area_cycle=("TDP5", "THONDONG", None), contact=False):
        """n tips of kind filed through year (day by day from 2 January), statuses cycling,
        every third closed with an outcome, acknowledged and with desk actions in the audit
        log; the codes (as stored, 8 characters) in filing order."""
        codes = []
        with self.tg.db() as con:
            for i in range(n):
                code = self.code()
                created = ms(year, 1, 2) + i * 5 * 86400000 + i * 60000
                status = STATUSES[i % len(STATUSES)]
                closed = created + 3 * 86400000 if status in ("resolved", "rejected", "closed") \
                    else None
                con.execute(
                    "INSERT INTO tips (code, kind, person_id, platform, chat_id, anonymous,"
                    " contact_phone, category, urgent, area, description, folded, status,"
                    " outcome, created_at, updated_at, acknowledged_at, closed_at, deadline_at)"
                    " VALUES (?, ?, ?, 'telegram', ?, ?, ?, 'theft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " ?)",
                    (code, kind, self.tipster, TIPSTER_USER, 0 if contact else 1,
                     CONTACT_PHONE if contact else None, i % 5 == 0,
                     area_cycle[i % len(area_cycle)], DESCRIPTION, "co nguoi la trom xe may",
                     status, "Đã xác minh, chuyển Công an huyện \"xử lý\"; tạm giữ 1 xe" if closed
                     else None, created, created, created + 3600000, closed,
                     created + 20 * 86400000))
                tid = con.execute("SELECT last_insert_rowid()").fetchone()[0]
                con.execute("INSERT INTO audit_log (at, actor, action, tip_id, detail) VALUES"
                            " (?, ?, 'file', ?, NULL)", (created, self.tipster, tid))
                con.execute("INSERT INTO audit_log (at, actor, action, tip_id, detail) VALUES"
                            " (?, ?, 'note', ?, ?)", (created + 7200000, self.officer, tid,
                                                      "gọi lại " + TIPSTER_PHONE))
                con.execute("INSERT INTO tip_messages (tip_id, direction, text, author,"
                            " created_at) VALUES (?, 'from_tipster', ?, ?, ?)",
                            (tid, "Thêm: " + TIPSTER_NAME, self.tipster, created + 60000))
                codes.append(code)
        return codes

    def run(self, *args, check=False):
        p = subprocess.run([tglib.BINARY] + list(args) + ["--config", self.tg.config_path],
                           capture_output=True, timeout=60, cwd=self.tg.dir, env=self.tg.env)
        if check:
            assert p.returncode == 0, "tipgate %s: %s\n%s" % (" ".join(args), p.returncode,
                                                               p.stderr.decode(errors="replace"))
        return p

    def cli(self, *args):
        """stdout (bytes) of a command that must succeed."""
        return self.run(*args, check=True).stdout

    def token(self, name, scopes):
        return self.cli("token", "create", "--name", name, "--scope", scopes).decode().strip()


def shown(code):
    return code[:4] + "-" + code[4:]
