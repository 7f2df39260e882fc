#!/usr/bin/env python3
"""bench/platform_webhooks.py — what a Zalo Official Account or Facebook Page resident costs
tipgate (issue 16): signed webhook POSTs answered, and the reply's way back through the
messaging window check to the platform's Send API, at an empty database and at a filled one.

Each run starts `tipgate serve` with one platform enabled (`--platform messenger|zalo_oa`)
against a small Send API in this script (answers every send at once, records when it arrived),
on its own copy of the database (an empty one made by `tipgate migrate`, or a copy of --db,
e.g. a `bench/fill.py --rows 1000000` database: the source is only read). USERS residents
each send one signed text ("xin chào": the bot answers with its greeting) on one keep-alive
connection, the next once the reply to the last reached the Send API; the script reports the median and p90 of the webhook's answer (the
update signed, checked, stored and committed) and of the time from POST to the reply reaching
the Send API (the handler, the window check and counting in the sender's transaction, the
request). RUNS runs; the medians of the runs.

  python3 bench/platform_webhooks.py --binary build/bench-release/tipgate
      --platform messenger|zalo_oa [--db /tmp/fill-1m.db] [--runs 5] [--users 200]
"""
import argparse
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

APP_ID, APP_SECRET, OA_KEY = "3300123", "bench-app-secret", "bench-oa-secret-key"
PAGE_ID, PAGE_TOKEN, VERIFY = "1098765", "bench-page-token", "bench-verify"


class SendApi(http.server.BaseHTTPRequestHandler):
    """Accepts every send, remembering when the first one to each recipient arrived."""
    protocol_version = "HTTP/1.1"
    arrived = {}
    lock = threading.Lock()

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        now = time.perf_counter()
        try:
            to = json.loads(body).get("recipient", {})
            who = to.get("id") or to.get("user_id")
        except ValueError:
            who = None
        with self.lock:
            if who and who not in self.arrived:
                self.arrived[who] = now
        if "/oa/" in self.path:
            out = {"error": 0, "message": "Success", "data": {"message_id": "m%d" % len(
                self.arrived)}}
        elif "access_token" in self.path and "/oauth" not in self.path:
            out = {"recipient_id": who, "message_id": "mid.%d" % len(self.arrived)}
        else:
            out = {"error": 0}
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def config(platform, db, port, api):
    base = "http://127.0.0.1:%d" % api
    cfg = {"log": {"level": "warn"}, "storage": {"path": db},
           "http": {"listen": "127.0.0.1", "port": port}, "platforms": {}}
    if platform == "messenger":
        cfg["platforms"]["messenger"] = {
            "enabled": True, "page_id": PAGE_ID, "page_token": PAGE_TOKEN,
            "app_secret": APP_SECRET, "verify_token": VERIFY, "api_base_url": base,
            "rate_limit": {"global_per_sec": 0, "per_chat_per_sec": 0}}
    else:
        cfg["platforms"]["zalo_oa"] = {
            "enabled": True, "app_id": APP_ID, "app_secret": APP_SECRET,
            "oa_secret_key": OA_KEY, "access_token": "bench-access",
            "refresh_token": "bench-refresh", "api_base_url": base, "oauth_base_url": base,
            "rate_limit": {"global_per_sec": 0, "per_chat_per_sec": 0}}
    return cfg


def signed(platform, user, seq):
    ms = int(time.time() * 1000)
    if platform == "messenger":
        body = json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": ms, "messaging": [{
            "sender": {"id": user}, "recipient": {"id": PAGE_ID}, "timestamp": ms,
            "message": {"mid": "m_bench_%d" % seq, "text": "xin chào"}}]}]}).encode()
        sig = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        return "/webhook/messenger", body, {"X-Hub-Signature-256": "sha256=" + sig}
    body = json.dumps({"app_id": APP_ID, "event_name": "user_send_text", "timestamp": str(ms),
                       "sender": {"id": user}, "recipient": {"id": "oa-bench"},
                       "user_id_by_app": user,
                       "message": {"msg_id": "bench%d" % seq, "text": "xin chào"}}).encode()
    mac = hashlib.sha256(APP_ID.encode() + body + str(ms).encode() + OA_KEY.encode()).hexdigest()
    return "/webhook/zalo_oa", body, {"X-ZEvent-Signature": "mac=" + mac}


def wait_up(port, proc, work):
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("tipgate did not start; see %s" % work)


def one_run(binary, platform, db, work, users, run):
    port, api = benchlib.free_port(), benchlib.free_port()
    SendApi.arrived = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", api), SendApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cfg = os.path.join(work, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump(config(platform, db, port, api), f)
    proc = subprocess.Popen([binary, "serve", "--config", cfg], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "stderr.log"), "a"))
    try:
        wait_up(port, proc, work)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        posted, answer = {}, []
        for i in range(users):
            user = "r%d-%d" % (run, i)
            path, body, headers = signed(platform, user, run * 100000 + i)
            headers["Content-Type"] = "application/json"
            t0 = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            answer.append((time.perf_counter() - t0) * 1000)
            posted[user] = t0
            assert r.status == 200, r.status
            # one resident at a time: the reply's own way, not a queue behind the others
            deadline = time.time() + 30
            while user not in SendApi.arrived and time.time() < deadline:
                time.sleep(0.0005)
            if user not in SendApi.arrived:
                raise SystemExit("no reply reached the Send API for %s; see %s" % (user, work))
        conn.close()
        reply = sorted((SendApi.arrived[u] - t) * 1000 for u, t in posted.items())
        answer.sort()
        return {"answer": statistics.median(answer), "answer_p90": answer[int(users * .9) - 1],
                "reply": statistics.median(reply), "reply_p90": reply[int(users * .9) - 1]}
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        server.shutdown()
        server.server_close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--platform", choices=["messenger", "zalo_oa"], required=True)
    ap.add_argument("--db", help="a database to copy (default: an empty one)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--users", type=int, default=200)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    work = tempfile.mkdtemp(prefix="tg-bench-hooks-", dir="/tmp")
    db = os.path.join(work, "tipgate.db")
    try:
        benchlib.source_db(binary, a.db, db, work)
        runs = [one_run(binary, a.platform, db, work, a.users, i) for i in range(a.runs)]
        for r in runs:
            print("run: webhook %.2f ms (p90 %.2f)  reply at the Send API %.1f ms (p90 %.1f)" % (
                r["answer"], r["answer_p90"], r["reply"], r["reply_p90"]))
        print("medians of %d runs (%s, %s, %d residents each): webhook answered %.2f ms "
              "(p90 %.2f); reply at the Send API %.1f ms (p90 %.1f)" % (
                  len(runs), a.platform, a.db or "empty", a.users,
                  statistics.median(r["answer"] for r in runs),
                  statistics.median(r["answer_p90"] for r in runs),
                  statistics.median(r["reply"] for r in runs),
                  statistics.median(r["reply_p90"] for r in runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
