"""The tipgate command as an operator meets it: help and version, usage errors (exit 2),
configuration errors named by key path (exit 2), `migrate`, `chat` through a pipe, signals,
restarts that keep history, owner-only database files, and secrets that never reach the log."""
import json
import os
import re
import sqlite3
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

TEXTS = tglib.texts()


def run(*args, env=None, timeout=30):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([tglib.BINARY] + list(args), capture_output=True, timeout=timeout, env=e)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def write_config(cfg, name="tipgate.json", raw=None):
    d = tglib.tmpdir()
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(raw if raw is not None else json.dumps(cfg))
    return path


def test_help_and_version():
    for args in (["help"], ["--help"], ["-h"]):
        rc, out, _ = run(*args)
        assert rc == 0 and "usage: tipgate" in out and "serve" in out and "chat" in out
    for args in (["version"], ["--version"], ["-V"]):
        rc, out, _ = run(*args)
        assert rc == 0 and out.startswith("tipgate ") and "SQLite" in out


def test_unknown_command_or_flag_prints_usage_and_exits_2():
    for args in ([], ["frobnicate"], ["serve", "--bogus"], ["chat", "--config"],
                 ["migrate", "extra"]):
        rc, out, err = run(*args)
        assert rc == 2, (args, rc)
        assert "usage: tipgate" in err, (args, err)


def config_error(cfg=None, raw=None, env=None):
    path = write_config(cfg, raw=raw)
    rc, out, err = run("migrate", "--config", path, env=env)
    lines = [l for l in err.splitlines() if l.startswith("tipgate:")]
    assert rc == 2, (rc, err)
    assert len(lines) == 1, err
    return lines[0]


def test_configuration_errors_name_the_problem_and_exit_2():
    line = config_error(raw='{\n "http": {\n  "port": 80,,\n }\n}')
    assert "line 3" in line and "column" in line, line
    assert "http.port" in config_error({"http": {"port": 70000}})
    assert "http.port" in config_error({"http": {"port": "8080"}})
    assert "log.level" in config_error({"log": {"level": "loud"}})
    assert "timezone" in config_error({"timezone": "Mars/Olympus"})
    assert "platforms.telegram.mode" in config_error(
        {"platforms": {"telegram": {"mode": "carrier-pigeon"}}})
    assert "platforms.telegram.token" in config_error(
        {"platforms": {"telegram": {"enabled": True, "token": "env:TG_TOKEN_UNSET_X"}}})
    assert "platforms.zalo.webhook_secret" in config_error(
        {"platforms": {"zalo": {"enabled": True, "token": "1:abc", "mode": "webhook",
                                "webhook_url": "https://x.example/webhook/zalo",
                                "webhook_secret": "short"}}})
    rc, _, err = run("migrate", "--config", "/nonexistent/tipgate.json")
    assert rc == 2 and "/nonexistent/tipgate.json" in err


def start_error(cfg):
    """`tipgate serve` on cfg: it must stop at once, exit 2, one line naming file and key."""
    path = write_config(cfg)
    rc, out, err = run("serve", "--config", path)
    lines = [l for l in err.splitlines() if l.startswith("tipgate:")]
    assert rc == 2, (rc, err)
    assert len(lines) == 1 and path in lines[0], err
    return lines[0]


def test_configuration_errors_that_once_passed_silently_stop_the_start():
    # A string switched the resolution reminders off without a word.
    assert "tips.remind_days" in start_error({"tips": {"remind_days": "15, 19"}})
    assert "tips.remind_days" in start_error({"tips": {"remind_days": [15, 25]}})
    # The second TDP5 was unreachable: its desk never got a tip.
    line = start_error({"areas": [{"code": "TDP5", "name": "Tổ dân phố 5"},
                                  {"code": "TDP5", "name": "Tổ 5 mới"}]})
    assert "areas[1].code" in line and "used twice" in line, line
    # The web chat started and answered 404 to everyone.
    line = start_error({"data_dir": "/nowhere/tipgate-share"})
    assert "data_dir" in line and "/nowhere/tipgate-share" in line, line
    # Misspelt keys inside the sections other modules read.
    assert "routing.category_desks.frauds" in start_error(
        {"routing": {"category_desks": {"frauds": {"platform": "telegram", "chat_id": "-1"}}}})
    assert "agencies[0].chat" in start_error(
        {"agencies": [{"code": "CA", "name": "Công an", "chat": [
            {"platform": "telegram", "chat_id": "-1"}]}]})
    assert "calendar.file" in start_error({"calendar": {"file": ["calendars/chonthanh.json"]}})
    assert "campaigns.disabled" in start_error({"campaigns": {"disabled": ["TETT"]}})


def test_unknown_keys_are_warned_not_fatal_and_env_values_are_read():
    d = tglib.tmpdir()
    path = os.path.join(d, "c.json")
    with open(path, "w") as f:
        json.dump({"storage": {"path": "env:TG_TEST_DB"}, "colour": "blue",
                   "http": {"prot": 1}, "//": "a comment"}, f)
    db = os.path.join(d, "fromenv", "x.db")
    rc, out, err = run("migrate", "--config", path, env={"TG_TEST_DB": db})
    assert rc == 0, err
    assert "unknown key colour" in err and "unknown key http.prot" in err
    assert "comment" not in err
    assert os.path.exists(db) and "schema version" in out


def test_migrate_creates_owner_only_database_and_is_repeatable():
    d = tglib.tmpdir()
    path = write_config(None, raw=json.dumps({"storage": {"path": os.path.join(d, "db", "t.db")}}))
    for _ in range(2):
        rc, out, err = run("migrate", "--config", path)
        assert rc == 0, err
    assert stat.S_IMODE(os.stat(os.path.join(d, "db")).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(d, "db", "t.db")).st_mode) == 0o600
    assert re.search(r"schema version \d+$", out.strip()), out
    with sqlite3.connect(os.path.join(d, "db", "t.db")) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == int(out.split()[-1])


def test_chat_through_a_pipe():
    tg = tglib.Tipgate()
    try:
        rc, out, err = tglib.run_chat(tg.config_path, ["/start", "", "xin chào", "/help@TipBot",
                                                       "/gibberish"])
        assert rc == 0, err
        expect = [TEXTS["welcome"], TEXTS["fallback"], TEXTS["help"],
                  TEXTS["unknown_command"].replace("{command}", "/gibberish")]
        assert out == "".join(t + "\n\n" for t in expect), out
        # A line over the limit is refused politely; invalid UTF-8 too; the session goes on.
        rc, out, err = tglib.run_chat(tg.config_path, ("a" * 5001 + "\n").encode() +
                                      b"\xff\xfe\n/help\n")
        assert rc == 0
        assert TEXTS["ws_too_long"].replace("{max}", "5.000") in out
        assert TEXTS["ws_bad_utf8"] in out and TEXTS["help"] in out
        # The conversation is stored like any other chat's.
        with tg.db() as con:
            n = con.execute("SELECT count(*) FROM inbox WHERE platform = 'console'").fetchone()[0]
        assert n == 5, n
    finally:
        tg.cleanup()


def test_sigint_and_sigterm_stop_cleanly_within_5_seconds_and_history_survives():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        secret = ws.hello()["secret"]
        ws.send_json({"type": "message", "id": "1", "text": "/start"})
        ws.recv_until(lambda m: m.get("type") == "message")
        # An open connection must not hold up the stop.
        took = tg.assert_clean_exit(signal.SIGINT)
        assert took < 5.0, took
        assert "stopped" in tg.read_logs()
        tg.start()
        ws = tg.ws()
        ready = ws.hello(secret)
        assert [h["text"] for h in ready["history"]] == ["/start", TEXTS["welcome"]]
        took = tg.assert_clean_exit(signal.SIGTERM)
        assert took < 5.0, took
    finally:
        tg.cleanup()


def test_port_in_use_is_a_clear_error():
    tg = tglib.Tipgate().start()
    other = tglib.Tipgate(config={"http": {"port": tg.port}})
    try:
        other.start(wait=False)
        rc = other.proc.wait(timeout=20)
        assert rc == 1
        assert "cannot listen" in other.read_logs()
        tg.assert_clean_exit()
    finally:
        other.cleanup()
        tg.cleanup()


def test_secrets_never_reach_the_log():
    token = "123456789:AAE-secret-token-value"
    hook = "hook_secret_value_42"
    env = {"TG_TOKEN": token, "TG_HOOK": hook, "ZL_TOKEN": "777:zalo-secret-xyz"}
    cfg = {"log": {"level": "debug"},
           "platforms": {"telegram": {"token": "env:TG_TOKEN", "webhook_secret": "env:TG_HOOK"},
                         "zalo": {"token": "env:ZL_TOKEN"}}}
    tg = tglib.Tipgate(config=cfg, env=env).start()
    try:
        ws = tg.ws()
        ws.hello()
        ws.send_json({"type": "message", "id": "1", "text": "/start"})
        ws.recv_until(lambda m: m.get("type") == "message")
        ws.close()
        tg.assert_clean_exit()
        logs = tg.read_logs()
        assert "DEBUG" in logs
        for s in (token, hook, "zalo-secret-xyz"):
            assert s not in logs
        # Error messages about secrets do not echo them either.
        bad = {"platforms": {"telegram": {"enabled": True, "token": "has space " + token,
                                          "mode": "webhook", "webhook_url": "https://x.y/z",
                                          "webhook_secret": "bad secret! " + hook}}}
        line = config_error(bad)
        assert token not in line and hook not in line, line
    finally:
        tg.cleanup()


def test_web_chat_secret_is_not_logged():
    tg = tglib.Tipgate().start()
    try:
        ws = tg.ws()
        secret = ws.hello()["secret"]
        ws.close()
        ws = tg.ws()
        ws.hello(secret)
        ws.close()
        tg.assert_clean_exit()
        assert secret not in tg.read_logs()
        assert secret not in open(tg.db_path, "rb").read().decode("latin-1")
    finally:
        tg.cleanup()


def test_installed_binary_finds_its_shipped_data():
    """After `cmake --install`, the binary serves the page and texts from <prefix>/share/tipgate,
    whatever the current directory."""
    build = os.path.dirname(tglib.BINARY)
    prefix = tglib.tmpdir("prefix-")
    p = subprocess.run(["cmake", "--install", build, "--prefix", prefix], capture_output=True)
    assert p.returncode == 0, p.stderr.decode()
    installed = os.path.join(prefix, "bin", "tipgate")
    share = os.path.join(prefix, "share", "tipgate")
    for f in ("web/index.html", "config/messages.vi.json", "config/tipgate.example.json",
              "tipgate.service"):
        assert os.path.exists(os.path.join(share, f)), f
    saved = tglib.BINARY
    tglib.BINARY = installed
    tg = tglib.Tipgate()
    try:
        tg.start()
        assert "data from " + os.path.realpath(share) in tg.read_logs(), tg.read_logs()
        status, _, body = tg.get("/")
        assert status == 200 and b'lang="vi"' in body
        ws = tg.ws()
        ws.hello()
        ws.send_json({"type": "message", "id": "1", "text": "/start"})
        m, _ = ws.recv_until(lambda m: m.get("type") == "message")
        assert m["text"] == TEXTS["welcome"]
        ws.close()
        tg.assert_clean_exit()
    finally:
        tglib.BINARY = saved
        tg.cleanup()


if __name__ == "__main__":
    tglib.main(globals())
