"""fakepush — a fake Web Push service (RFC 8030) for tipgate's tests, standard library only.

A ThreadingHTTPServer on 127.0.0.1 in a background thread records every POST (path, headers,
body) and answers 201, or the statuses a test queued for a path (`fail(path, 410)`). Python's
standard library has no elliptic curves or AES-GCM, so opening a notification is the C tool
`pushdecrypt` (tests/tools/pushdecrypt.c, built beside the tests): `keys()` makes a subscriber's
key pair with it and `open(record, keys)` checks the VAPID token and decrypts the body.

    with fakepush.FakePush(binary) as push:
        keys = push.keys()
        sub = push.subscription("/s/1", keys)   # what PushManager.subscribe() would return
        ...
        [rec] = push.wait(1)
        got = push.open(rec, keys)              # {"k", "claims", "plaintext"}
"""
import http.server
import json
import os
import subprocess
import tempfile
import threading
import time


def tool_path(binary):
    """pushdecrypt beside the tests of the build that made binary."""
    return os.path.join(os.path.dirname(os.path.abspath(binary)), "tests", "pushdecrypt")


class FakePush:
    def __init__(self, binary):
        self.tool = tool_path(binary)
        self.cond = threading.Condition()
        self.records = []
        self.statuses = {}
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with fake.cond:
                    queued = fake.statuses.get(self.path) or []
                    status = queued.pop(0) if queued else 201
                    fake.records.append({"path": self.path, "headers": dict(self.headers.items()),
                                         "body": body, "status": status})
                    fake.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def keys(self):
        """A subscriber's keys: {"private", "p256dh", "auth"} (base64url)."""
        p = subprocess.run([self.tool, "keygen"], capture_output=True, timeout=30)
        assert p.returncode == 0, (p.returncode, p.stderr)
        return json.loads(p.stdout)

    def subscription(self, path, keys):
        """The PushSubscription JSON a browser would hand the page for this service."""
        return {"endpoint": self.origin + path,
                "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}

    def fail(self, path, *statuses):
        """The next requests to path get these statuses (then 201 again)."""
        with self.cond:
            self.statuses.setdefault(path, []).extend(statuses)

    def count(self):
        with self.cond:
            return len(self.records)

    def wait(self, n, since=0, timeout=15):
        """Waits until n requests arrived after index since; returns them."""
        deadline = time.time() + timeout
        with self.cond:
            while len(self.records) < since + n:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("fake push service: %d of %d requests" %
                                         (len(self.records) - since, n))
                self.cond.wait(left)
            return list(self.records[since:since + n])

    def open(self, record, keys):
        """Checks the VAPID header and decrypts the body: {"k", "claims", "plaintext"}."""
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(record["body"])
            path = f.name
        try:
            p = subprocess.run([self.tool, "decrypt", keys["private"], keys["auth"],
                                record["headers"].get("Authorization", ""), path],
                               capture_output=True, timeout=30)
        finally:
            os.unlink(path)
        assert p.returncode == 0, (p.returncode, p.stderr.decode(errors="replace"))
        return json.loads(p.stdout)
