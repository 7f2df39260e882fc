"""Campaigns as residents, officers and the operator meet them: /dangkytin, /tatthongbao and a
plain "dừng" on Telegram, Zalo and the web chat; one campaign made with `tipgate campaign` to
a mixed Telegram + Zalo + web chat audience with a bound group, its preview and report; an
opt-out honoured for the next send that never blocks the police's replies about one's own
tip; an officer's /canhbao confirmed with a button; and a broadcast to 10,000 residents killed
with SIGKILL mid-way and resumed: every remaining recipient gets it once, no finished one gets
it again."""
import csv
import io
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import fakebot  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402
from tipstest import T  # noqa: E402

TG, ZALO = "telegram", "zalo"
NO_LIMITS = {"global_per_sec": 0, "per_chat_per_sec": 0, "per_group_per_min": 0}
TEXT = "Cảnh giác: đối tượng giả danh nhân viên điện lực gọi điện yêu cầu chuyển tiền."


def cli(tg, *args, check=True, timeout=60):
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", tg.config_path],
                       capture_output=True, timeout=timeout, env=tg.env)
    out, err = p.stdout.decode(), p.stderr.decode()
    if check:
        assert p.returncode == 0, (args, p.returncode, out, err)
    return p.returncode, out, err


def report(tg, code):
    _, out, _ = cli(tg, "campaign", "report", "--code", code, "--format", "csv")
    [row] = list(csv.DictReader(io.StringIO(out)))
    return row


class Mixed:
    """A FakeTelegram, a FakeZalo and a tipgate using both and its web chat."""

    def __init__(self):
        self.tgfake = fakebot.FakeTelegram()
        self.zfake = fakebot.FakeZalo()
        self.tgfake.start()
        self.zfake.start()
        cfg = {"areas": [{"code": "TDP5", "name": "Tổ dân phố 5", "aliases": ["tổ 5"]}],
               "campaigns": {"enabled": False}}
        tglib.deep_merge(cfg, apitest.platform_config(self.tgfake, TG, rate_limit=NO_LIMITS))
        tglib.deep_merge(cfg, apitest.platform_config(self.zfake, ZALO, rate_limit=NO_LIMITS))
        self.tg = tglib.Tipgate(config=cfg)
        self.web = []

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            sys.stderr.write("---- tipgate log ----\n%s\n" % self.tg.read_logs()[-5000:])
        for w in self.web:
            w.close()
        apitest.close_connection(self.tg)
        self.tg.cleanup()
        self.tgfake.stop()
        self.zfake.stop()
        return False


def test_subscription_words_and_campaign_to_mixed_telegram_zalo_web_audience():
    with Mixed() as m:
        m.tg.start()
        m.tgfake.push_message(1001, "/dangkytin")
        m.tgfake.push_message(1002, "/subscribe tổ 5")
        m.tgfake.push_message(1003, "/dangkytin")
        m.zfake.push_text("zalo-user-1", "/dangkytin TDP5")
        web = tipstest.WebUser(m.tg)
        m.web.append(web)
        [w] = web.ask("/dangkytin to 5")
        assert w["text"] == T("sub_done_area", area="Tổ dân phố 5"), w
        apitest.wait_replies(m.tgfake, 1003, 1)
        m.tgfake.push_message(1003, "dừng")
        assert apitest.wait_replies(m.tgfake, 1003, 2)[1] == T("stop_done")
        assert apitest.wait_replies(m.zfake, "zalo-user-1", 1) == [
            T("sub_done_area", area="Tổ dân phố 5")]
        assert apitest.wait_replies(m.tgfake, 1001, 1) == [T("sub_done")]
        # a neighbourhood group bound to TDP5 (chats: kind group, area set, reachable)
        m.tgfake.push_message(-5001, "chào cả nhà", from_id=1009)
        apitest.wait_db(m.tg, "SELECT count(*) FROM chats WHERE chat_id = '-5001'",
                        lambda r: r[0][0] == 1)
        apitest.execute(m.tg, "UPDATE chats SET area = ? WHERE chat_id = ?", [("TDP5", "-5001")])
        apitest.wait_settled(m.tg, TG)
        since = {c: len(apitest.sent_to(m.tgfake, c)) for c in (1001, 1002, 1003, -5001)}
        web_since = len(web.got)

        rc, out, err = cli(m.tg, "campaign", "create", "--code", "MIX", "--text", TEXT,
                           "--audience", "residents groups")
        assert "MIX" in out and "bản nháp" in out, out
        rc, out, err = cli(m.tg, "campaign", "preview", "--code", "MIX")
        assert TEXT + "\n\n" + T("campaign_footer") in out, out
        flat = " ".join(out.split())
        assert "người dân 5 (nhận được: 4, đã tắt thông báo: 1" in flat, out
        assert "nhóm 1 (nhận được: 1" in flat, out
        rc, out, err = cli(m.tg, "campaign", "schedule", "--code", "MIX", "--at", "now")
        rc, out, err = cli(m.tg, "campaign", "report", "--code", "MIX", "--wait",
                           timeout=60)
        for chat in (1001, 1002, -5001):
            got = apitest.sent_to(m.tgfake, chat)[since[chat]:]
            assert len(got) == 1 and got[0].startswith(TEXT), (chat, got)
        assert apitest.sent_to(m.tgfake, -5001)[-1] == TEXT  # no opt-out line in groups
        assert apitest.sent_to(m.tgfake, 1003)[since[1003]:] == []
        assert apitest.sent_to(m.zfake, "zalo-user-1")[-1] == \
            TEXT + "\n\n" + T("campaign_footer")
        [w] = web.wait(web_since, 1, timeout=20)
        assert w["text"] == TEXT + "\n\n" + T("campaign_footer"), w
        row = report(m.tg, "MIX")
        assert (row["status"], row["targeted"], row["sent"], row["opted_out"], row["failed"],
                row["in_progress"], row["reach_pct"]) == ("done", "6", "5", "1", "0", "0",
                                                          "83.3"), row
        # /batthongbao brings the opted-out resident back for the next campaign
        m.tgfake.push_message(1003, "/batthongbao")
        assert apitest.wait_replies(m.tgfake, 1003, 3)[2] == T("resume_done")
        cli(m.tg, "campaign", "create", "--code", "MIX2", "--text", "Lần hai.", "--audience",
            "residents:TDP5", "--at", "now")
        cli(m.tg, "campaign", "report", "--code", "MIX2", "--wait", timeout=60)
        row = report(m.tg, "MIX2")
        assert (row["targeted"], row["sent"]) == ("3", "3"), row  # 1002, zalo, web
        assert apitest.sent_to(m.tgfake, 1003)[-1] == T("resume_done")
        # the operator's refusals
        for bad in (["campaign", "create", "--code", "MIX", "--text", "x"],
                    ["campaign", "create", "--code", "bad code", "--text", "x"],
                    ["campaign", "create", "--code", "NEW", "--text", "x", "--audience", "all"],
                    ["campaign", "create", "--code", "NEW"],
                    ["campaign", "schedule", "--code", "MIX", "--at", "now"],
                    ["campaign", "schedule", "--code", "NEW", "--at", "tomorrow"],
                    ["campaign", "preview", "--code", "NOPE"], ["campaign", "frob"]):
            rc, out, err = cli(m.tg, *bad, check=False)
            assert rc == 2, (bad, rc, out, err)
        path = os.path.join(m.tg.dir, "text.txt")
        with open(path, "w") as f:
            f.write("Dòng một\nDòng hai\n")
        cli(m.tg, "campaign", "create", "--code", "LATER", "--text-file", path, "--at",
            "01/01/2099 09:30")
        rc, out, err = cli(m.tg, "campaign", "list")
        later = [l for l in out.splitlines() if l.startswith("LATER")][0]
        assert "scheduled" in later and "09:30 01/01/2099" in later and "Dòng một" in later
        cli(m.tg, "campaign", "cancel", "--code", "LATER")
        assert report(m.tg, "LATER")["status"] == "cancelled"
        m.tg.assert_clean_exit()


def test_opt_out_honoured_next_send_never_blocks_replies_about_own_tip():
    with tipstest.Env(extra={"campaigns": {"enabled": False}}) as e:
        e.start()
        resident, other, officer = 1101, 1102, 2101
        e.ask(resident, "/dangkytin TDP5")
        e.ask(other, "/dangkytin TDP5")
        code = e.file_tip(resident, "có kẻ lạ trộm xe máy ở tổ 5 tối qua")
        e.officer(officer)
        [m] = e.ask(resident, "huỷ đăng ký")
        assert m == T("stop_done"), m
        e.desk_cmd(officer, "/traloi %s Anh/chị cho biết thêm biển số xe?" % code)
        reply = e.wait_text(resident, lambda t: "biển số" in t, what="the police's question")
        assert reply == T("relay_to_tipster", code=code,
                          text="Anh/chị cho biết thêm biển số xe?"), reply
        since = {c: e.mark(c) for c in (resident, other)}
        cli(e.tg, "campaign", "create", "--code", "NEXT", "--text", TEXT, "--at", "now")
        cli(e.tg, "campaign", "report", "--code", "NEXT", "--wait", timeout=60)
        assert e.texts_to(other)[since[other]:] == [TEXT + "\n\n" + T("campaign_footer")]
        assert e.texts_to(resident)[since[resident]:] == []
        row = report(e.tg, "NEXT")
        assert (row["targeted"], row["sent"], row["opted_out"]) == ("2", "1", "1"), row
        e.stop()


def buttons(e, chat):
    """Labels of the buttons under the latest message with buttons in chat."""
    with e.fake.cond:
        msgs = [s for s in e.fake.sent if s["chat_id"] == str(chat) and
                (s["params"].get("reply_markup") or {}).get("inline_keyboard")]
    return [b["text"] for row in msgs[-1]["params"]["reply_markup"]["inline_keyboard"]
            for b in row] if msgs else []


def test_officer_alert_confirmed_with_a_button_reaches_the_area():
    with tipstest.Env(extra={"campaigns": {"enabled": False}}) as e:
        e.start()
        officer = 2201
        e.ask(1201, "/dangkytin TDP5")
        e.ask(1202, "/dangkytin THONDONG")
        e.officer(officer)
        [q] = e.desk_cmd(officer, "/canhbao " + TEXT)
        assert q == T("alert_confirm", residents="1", groups="0", area="Tổ dân phố 5",
                      text=TEXT), q
        assert buttons(e, tipstest.DESK_TDP5) == [T("choice_send"), T("choice_cancel")]
        since = e.press(tipstest.DESK_TDP5, T("choice_send"), from_id=officer)
        done = e.wait_text(tipstest.DESK_TDP5, lambda t: "Đã gửi cảnh báo" in t, since)
        alert = e.wait_text(1201, lambda t: TEXT in t, what="the alert")
        assert alert.startswith("⚠️ CẢNH BÁO từ Công an — Tổ dân phố 5"), alert
        assert "113" in alert and alert.endswith(T("campaign_footer")), alert
        time.sleep(1.5)
        assert not any(TEXT in t for t in e.texts_to(1202)), e.texts_to(1202)
        code = re.search(r"CB[0-9-]+", done).group(0)
        row = report(e.tg, code)
        assert (row["targeted"], row["sent"]) == ("1", "1"), (code, row)
        e.stop()


# ---- 10,000 recipients and a SIGKILL ---------------------------------------------------------

N = 10000
BASE = 700000000


def seed_residents(db_path, n):
    con = sqlite3.connect(db_path)
    with con:
        con.executemany("INSERT INTO people (platform, platform_user_id, created_at, updated_at) "
                        "VALUES ('telegram', ?, 1, 1)", [(str(BASE + i),) for i in range(n)])
        con.execute("INSERT INTO chats (platform, chat_id, kind, created_at, updated_at) "
                    "SELECT 'telegram', platform_user_id, 'private', 1, 1 FROM people "
                    "WHERE platform = 'telegram'")
        con.execute("INSERT INTO subscriptions (platform, chat_id, person_id, status, "
                    "created_at, updated_at) SELECT 'telegram', platform_user_id, id, "
                    "'subscribed', 1, 1 FROM people WHERE platform = 'telegram'")
    con.close()


def per_chat(fake):
    counts = {}
    with fake.cond:
        for s in fake.sent:
            if s["text"].startswith("Tin thử"):
                counts[s["chat_id"]] = counts.get(s["chat_id"], 0) + 1
    return counts


def test_broadcast_to_10000_resumes_after_sigkill_with_no_duplicate_to_finished():
    cfg = {"campaigns": {"enabled": False, "batch": 500}}
    with apitest.Setup(TG, config=cfg, rate_limit=NO_LIMITS) as s:
        apitest.migrate(s.tg)
        seed_residents(s.tg.db_path, N)
        cli(s.tg, "campaign", "create", "--code", "T10K", "--text", "Tin thử nghiệm 10.000",
            "--at", "now")
        s.tg.start()
        apitest.wait_until(lambda: len(per_chat(s.fake)) >= 2500, timeout=90,
                           what="2,500 deliveries")
        s.tg.proc.send_signal(signal.SIGKILL)
        s.tg.proc.wait()
        s.tg.err.close()
        apitest.close_connection(s.tg)
        con = sqlite3.connect(s.tg.db_path)
        finished = {c for (c,) in con.execute(
            "SELECT chat_id FROM outbox WHERE status = 'sent' AND dedupe_key LIKE 'campaign:%'")}
        in_flight = {c for (c,) in con.execute(
            "SELECT chat_id FROM outbox WHERE status = 'sending'")}
        pending = con.execute("SELECT count(*) FROM campaign_recipients WHERE "
                              "state = 'pending'").fetchone()[0]
        con.close()
        assert finished and pending > 0, (len(finished), pending)  # killed mid-broadcast
        s.tg.start()
        apitest.wait_until(lambda: len(per_chat(s.fake)) >= N, timeout=120,
                           what="every recipient reached")
        apitest.wait_settled(s.tg, TG, timeout=30)
        apitest.wait_db(s.tg, "SELECT status FROM campaigns WHERE code = 'T10K'",
                        lambda r: r == [("done",)])
        counts = per_chat(s.fake)
        assert len(counts) == N
        dup = {c for c, k in counts.items() if k > 1}
        assert not (dup & finished), sorted(dup & finished)[:10]
        assert dup <= in_flight, sorted(dup - in_flight)[:10]
        assert all(k <= 2 for k in counts.values())
        row = report(s.tg, "T10K")
        assert (row["targeted"], row["sent"], row["in_progress"], row["status"]) == (
            str(N), str(N), "0", "done"), row
        s.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
