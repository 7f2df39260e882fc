"""Backups that restore (`tipgate backup`, `tipgate restore`): a copy taken while the service
stores a steady stream of webhook updates holds every update the service acknowledged before
the copy began, is owner-only and passes SQLite's integrity check; an existing file is not
overwritten; restoring is refused while the service runs or another process has the database
open (nothing changed), and refused for a damaged file, a file that is no database and a copy
of a newer schema; a restored copy is what the service runs on at its next start, with every
acknowledged update in it."""
import glob
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402

TG = "telegram"
SECRET = "s3cret_Backup-17"
FIRST_ID = 810000000
BACKUPS = 3


def webhook_options(tg):
    return {"mode": "webhook", "webhook_url": "http://127.0.0.1:%d/webhook/telegram" % tg.port,
            "webhook_secret": SECRET}


def an_update(update_id):
    chat = 7100 + update_id % 20
    return {"update_id": update_id, "message": {
        "message_id": update_id % 100000, "date": int(time.time()),
        "text": "tin thử sao lưu %d" % update_id,
        "from": {"id": chat, "is_bot": False, "first_name": "Lan"},
        "chat": {"id": chat, "type": "private", "first_name": "Lan"}}}


class Stream(threading.Thread):
    """Posts updates to the webhook one after the other; `acked` lists those answered 200."""

    def __init__(self, tg):
        super().__init__(daemon=True)
        self.tg = tg
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = []
        self.errors = []

    def run(self):
        uid = FIRST_ID
        while not self.stop.is_set():
            try:
                st, _ = apitest.post(self.tg.url("/webhook/telegram"), an_update(uid),
                                     {"X-Telegram-Bot-Api-Secret-Token": SECRET})
            except OSError as e:
                st = repr(e)
            if st == 200:
                with self.lock:
                    self.acked.append(uid)
            else:
                self.errors.append((uid, st))
            uid += 1

    def acked_so_far(self):
        with self.lock:
            return set(self.acked)


# A process that opens the database, reads it, says so and keeps it open until its stdin closes.
READER = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
          "c.execute('SELECT count(*) FROM inbox').fetchall(); print('reading', flush=True); "
          "sys.stdin.read(); c.close()")


def run(tg, *args):
    """(exit status, stdout, stderr) of one command against tipgate's configuration."""
    p = subprocess.run([tglib.BINARY] + list(args) + ["--config", tg.config_path],
                       capture_output=True, timeout=120, env=tg.env, text=True)
    return p.returncode, p.stdout, p.stderr


def update_ids(con):
    """The Telegram update ids stored in inbox (keys are "ID" or "eEPOCH:ID")."""
    return {int(k.split(":")[-1]) for (k,) in
            con.execute("SELECT update_key FROM inbox WHERE platform = 'telegram'")}


def open_copy(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True)


def check_copy(path, acked_before):
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode == 0o600, "backup %s has mode %o, not owner-only" % (path, mode)
    con = open_copy(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        missing = acked_before - update_ids(con)
    finally:
        con.close()
    assert acked_before, "no update was acknowledged before the backup began"
    assert not missing, "%d acknowledged update(s) missing from %s, e.g. %s" % (
        len(missing), path, sorted(missing)[:5])


def fingerprint(path, content=True):
    """What must not change when a command is refused: the file's inode and bytes (not those
    of a database the running service writes to), and the names in its directory."""
    digest = None
    if content:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    return os.stat(path).st_ino, digest, sorted(os.listdir(os.path.dirname(path)))


def assert_restore_refused(tg, path, *needles, live=False):
    before = fingerprint(tg.db_path, content=not live)
    rc, out, err = run(tg, "restore", "--from", path)
    assert rc != 0, "restore of %s was not refused:\n%s%s" % (path, out, err)
    for n in needles:
        assert n in err, "the refusal does not say %r:\n%s" % (n, err)
    assert "Nothing was changed" in err, err
    assert fingerprint(tg.db_path, content=not live) == before, \
        "a refused restore changed the database"


def damaged_copy(src, dst):
    """src with the bytes of its second half replaced: pages SQLite will find broken."""
    with open(src, "rb") as f:
        data = bytearray(f.read())
    for i in range(len(data) // 2, len(data) - 4096, 7):
        data[i] = (data[i] * 31 + 17) & 0xFF
    with open(dst, "wb") as f:
        f.write(data)


def newer_copy(src, dst):
    with open(src, "rb") as s, open(dst, "wb") as d:
        d.write(s.read())
    con = sqlite3.connect(dst)
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.execute("PRAGMA user_version = %d" % (version + 1))
    con.commit()
    con.close()
    return version + 1


def test_backup_under_load_then_restore_finds_every_acknowledged_update():
    with apitest.Setup(TG) as s:
        s.rewrite_config(**webhook_options(s.tg))
        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        out_dir = os.path.join(s.tg.dir, "backups")
        stream = Stream(s.tg)
        stream.start()
        copies = []
        try:
            for i in range(BACKUPS):
                apitest.wait_until(lambda: len(stream.acked_so_far()) > (i + 1) * 20,
                                   timeout=30, what="updates acknowledged")
                acked_before = stream.acked_so_far()
                path = os.path.join(out_dir, "copy-%d.db" % i)
                rc, out, err = run(s.tg, "backup", "--to", path)
                assert rc == 0, (rc, out, err)
                assert "integrity ok" in out and "schema version" in out, out
                copies.append((path, acked_before))
            # Refusals while the service runs: an existing file, and any restore at all.
            last, acked_last = copies[-1]
            kept = fingerprint(last)
            rc, out, err = run(s.tg, "backup", "--to", last)
            assert rc != 0 and "exists already" in err, (rc, out, err)
            assert fingerprint(last) == kept, "a refused backup changed the existing file"
            assert_restore_refused(s.tg, last, "restore refused", "pid %d" % s.tg.proc.pid,
                                   live=True)
        finally:
            stream.stop.set()
            stream.join(timeout=30)
        assert not stream.errors, stream.errors[:5]
        for path, acked_before in copies:
            check_copy(path, acked_before)
        acked_all = stream.acked_so_far()
        s.tg.assert_clean_exit()
        apitest.close_connection(s.tg)

        # Any other process with the database open (here a sqlite3 reader) is refused as well.
        # Another process, not this one: reading the file here to compare it would drop this
        # process's SQLite locks on it (POSIX locks go with any close of the file).
        reader = subprocess.Popen([sys.executable, "-c", READER, s.tg.db_path],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert reader.stdout.readline().strip() == "reading", "the reader did not start"
            assert_restore_refused(s.tg, last, "open in another process")
        finally:
            reader.communicate(timeout=30)

        # Copies that must not be put in place, with the service stopped.
        bad = os.path.join(s.tg.dir, "damaged.db")
        damaged_copy(last, bad)
        assert_restore_refused(s.tg, bad, "restore refused")
        text = os.path.join(s.tg.dir, "notes.txt")
        with open(text, "w") as f:
            f.write("đây không phải cơ sở dữ liệu\n" * 200)
        assert_restore_refused(s.tg, text, "not a database")
        newer = os.path.join(s.tg.dir, "newer.db")
        version = newer_copy(last, newer)
        assert_restore_refused(s.tg, newer, "schema version %d is newer" % version)

        # The restore itself: the copy in place, the old database kept aside.
        rc, out, err = run(s.tg, "restore", "--from", last)
        assert rc == 0, (rc, out, err)
        aside = glob.glob(s.tg.db_path + ".before-restore-*")
        assert len(aside) == 1 and aside[0] in out, (aside, out)
        assert stat.S_IMODE(os.stat(s.tg.db_path).st_mode) == 0o600
        con = open_copy(aside[0])
        assert update_ids(con) >= acked_all, "the set-aside database lost updates"
        con.close()
        leftovers = [n for n in os.listdir(s.tg.dir) if ".tmp-" in n]
        assert not leftovers, leftovers

        s.tg.start()
        s.fake.wait_for(lambda c: c["method"] == "setWebhook" and c["status"] == 200)
        restored = update_ids(apitest.connection(s.tg))
        missing = acked_last - restored
        assert not missing, "%d update(s) acknowledged before the backup are missing after " \
                            "the restore, e.g. %s" % (len(missing), sorted(missing)[:5])
        assert apitest.q1(s.tg, "PRAGMA integrity_check") == "ok"
        st, _ = apitest.post(s.tg.url("/webhook/telegram"), an_update(FIRST_ID - 1),
                             {"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert st == 200
        apitest.wait_db(s.tg, "SELECT count(*) FROM inbox WHERE update_key LIKE ?",
                        lambda r: r[0][0] == 1, "%" + str(FIRST_ID - 1),
                        what="an update stored after the restore")
        s.tg.assert_clean_exit()


def test_backup_to_a_directory_keeps_the_newest_copies():
    with apitest.Setup(TG) as s:
        apitest.migrate(s.tg)
        out_dir = os.path.join(s.tg.dir, "daily")
        os.makedirs(out_dir, mode=0o700)
        old = ["tipgate-20200101-000000.db", "tipgate-20200102-000000.db",
               "tipgate-20200103-000000.db"]
        other = "tipgate-notes.db"
        for name in old + [other]:
            with open(os.path.join(out_dir, name), "w") as f:
                f.write("x")
        rc, out, err = run(s.tg, "backup", "--to", out_dir + "/", "--keep", "2")
        assert rc == 0, (rc, out, err)
        left = sorted(os.listdir(out_dir))
        made = [n for n in left if n not in old and n != other]
        assert len(made) == 1 and made[0].startswith("tipgate-2"), left
        assert left == sorted([old[2], other] + made), left
        con = open_copy(os.path.join(out_dir, made[0]))
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        con.close()
        rc, out, err = run(s.tg, "backup", "--to", os.path.join(out_dir, "x.db"), "--keep", "2")
        assert rc == 2 and "--keep needs --to to be a directory" in err, (rc, err)


if __name__ == "__main__":
    tglib.main(globals())
