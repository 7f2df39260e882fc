#!/usr/bin/python3
# ptb_bot.py — the "for context" bot of bench/run (S4): a minimal python-telegram-bot 13 bot.
#
# It does what a typical small Python bot does: polls getUpdates through PTB's Updater, stores
# each incoming message in SQLite (one row per message, committed at once, WAL with
# synchronous=FULL like tipgate's default) and replies with a fixed acknowledgement. It is
# pointed at bench/fakebot with base_url=f"{api}/bot" (PTB 13 appends the token to base_url).
# Needs Debian's python3-python-telegram-bot (PTB 13.15), so run it with /usr/bin/python3.
# Stops on SIGTERM or SIGINT (Updater.idle()).
import argparse
import logging
import sqlite3
import threading
import time
import warnings

warnings.filterwarnings("ignore")  # PTB 13 warns that Debian unbundled urllib3

from telegram.ext import Filters, MessageHandler, Updater  # noqa: E402

ACK = "Cảm ơn anh/chị, tin nhắn đã được ghi nhận. Gõ /help để xem hướng dẫn."


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--api", required=True, help="fake Bot API, e.g. http://127.0.0.1:8081")
    ap.add_argument("--token", default="123456:BENCH",
                    help="PTB 13 insists on <digits>:<secret>, so not bench:TOKEN")
    ap.add_argument("--db", required=True, help="SQLite file (created)")
    ap.add_argument("--workers", type=int, default=4, help="PTB dispatcher thread pool")
    args = ap.parse_args()

    logging.basicConfig(level=logging.WARNING, format="ptb_bot: %(levelname)s %(message)s")
    lock = threading.Lock()
    db = sqlite3.connect(args.db, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, update_id INTEGER UNIQUE,"
        " chat_id INTEGER NOT NULL, user_id INTEGER, text TEXT, received_at INTEGER NOT NULL)"
    )
    db.commit()

    def on_message(update, context):
        m = update.effective_message
        user = update.effective_user
        with lock, db:  # one committed transaction per message
            db.execute(
                "INSERT OR IGNORE INTO messages (update_id, chat_id, user_id, text, received_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (update.update_id, m.chat_id, user.id if user else None, m.text,
                 int(time.time() * 1000)),
            )
        context.bot.send_message(chat_id=m.chat_id, text=ACK)

    updater = Updater(token=args.token, base_url=f"{args.api}/bot", workers=args.workers,
                      use_context=True)
    updater.dispatcher.add_handler(MessageHandler(Filters.text, on_message))
    updater.start_polling(poll_interval=0.0, timeout=30)
    updater.idle()  # until SIGTERM / SIGINT
    db.close()


if __name__ == "__main__":
    main()
