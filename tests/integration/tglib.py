"""tglib — what every integration test needs: start the real tipgate binary on a free port with
a throwaway config and database, a WebSocket client (RFC 6455, standard library only), HTTP
GETs, and checks that the process exits cleanly with no sanitizer report.

Tests are plain scripts: `python3 test_x.py --binary build/tipgate`. Each `def test_*()` in the
script runs in order; the first failure stops the script with a non-zero exit.
"""
import base64
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import unittest
import urllib.request

BINARY = None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tmpdir(prefix="tg-"):
    base = os.environ.get("TIPGATE_TEST_TMP") or None
    if base:
        os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=prefix, dir=base)


class PortTaken(AssertionError):
    """tipgate could not listen: another process holds the port."""


class Tipgate:
    """A tipgate process with its own directory, config and database."""

    def __init__(self, config=None, workdir=None, env=None):
        self.dir = workdir or tmpdir()
        self.port = free_port()
        cfg = {
            "log": {"level": "debug"},
            "storage": {"path": "tipgate.db", "synchronous": "normal"},
            "http": {"listen": "127.0.0.1", "port": self.port},
        }
        deep_merge(cfg, config or {})
        self.port = cfg["http"]["port"]
        self.config_path = os.path.join(self.dir, "tipgate.json")
        with open(self.config_path, "w") as f:
            json.dump(cfg, f, ensure_ascii=False, indent=1)
        self.db_path = os.path.join(self.dir, cfg["storage"]["path"])
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
        self.env.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:exitcode=98")
        self.proc = None
        self.stderr_path = None
        self.logs = ""

    def start(self, wait=True):
        """Starts `tipgate serve`; with wait, returns once this process says it listens. A port
        that another test's process took between free_port() and the bind is replaced by a new
        one, when the configuration names it nowhere else (a webhook URL would)."""
        for attempt in range(5):
            self.stderr_path = os.path.join(self.dir, "stderr-%d.log" % int(time.time() * 1000))
            self.err = open(self.stderr_path, "w")
            self.proc = subprocess.Popen([BINARY, "serve", "--config", self.config_path],
                                         stdout=subprocess.DEVNULL, stderr=self.err,
                                         env=self.env)
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except PortTaken:
                self.err.close()
                if attempt == 4 or not self._move_port():
                    raise
        return self

    def _move_port(self):
        """A new free port for http.port; False if the old one appears elsewhere too."""
        with open(self.config_path) as f:
            text = f.read()
        if text.count(str(self.port)) != 1:
            return False
        cfg = json.loads(text)
        self.port = cfg["http"]["port"] = free_port()
        with open(self.config_path, "w") as f:
            json.dump(cfg, f, ensure_ascii=False, indent=1)
        return True

    def wait_ready(self, timeout=20):
        """Waits for this process's "listening on" line: a connection to the port alone could
        reach another test's process that took the port first."""
        deadline = time.time() + timeout
        listening = re.compile(r"listening on http://\S+:%d " % self.port)
        while time.time() < deadline:
            exited = self.proc.poll() is not None
            logs = self.read_logs()
            if listening.search(logs):
                return
            if exited:
                kind = PortTaken if "cannot listen on" in logs else AssertionError
                raise kind("tipgate exited early (%s):\n%s" % (self.proc.returncode, logs))
            time.sleep(0.05)
        raise AssertionError("tipgate did not listen on %d:\n%s" % (self.port, self.read_logs()))

    def read_logs(self):
        if self.stderr_path and os.path.exists(self.stderr_path):
            with open(self.stderr_path, errors="replace") as f:
                self.logs = f.read()
        return self.logs

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Stops the process; returns (exit status, seconds it took)."""
        if not self.proc or self.proc.poll() is not None:
            return (self.proc.returncode if self.proc else None), 0.0
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout + 25)  # sanitizer leak checks take time
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.err.close()
        return rc, time.time() - t0

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.err.close()

    def assert_clean_exit(self, sig=signal.SIGTERM):
        rc, took = self.stop(sig)
        logs = self.read_logs()
        for mark in SANITIZER_MARKS:
            assert mark not in logs, "sanitizer report:\n" + logs
        assert rc == 0, "exit status %s:\n%s" % (rc, logs[-4000:])
        return took

    def url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def get(self, path):
        """(status, headers, body bytes) of a GET."""
        try:
            with urllib.request.urlopen(self.url(path), timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def ws(self, protocol="tipgate-chat", path="/ws", headers=None):
        return WebSocket("127.0.0.1", self.port, path, protocol, headers)

    def db(self):
        con = sqlite3.connect(self.db_path, timeout=10)
        con.row_factory = sqlite3.Row
        return con

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def deep_merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            deep_merge(dst[k], v)
        else:
            dst[k] = v
    return dst


class WebSocketClosed(Exception):
    pass


class WebSocket:
    """A minimal RFC 6455 client: text frames, masking, fragments, ping/pong and close."""

    def __init__(self, host, port, path, protocol, headers=None):
        """headers: more request headers ({"Cookie": …, "Origin": …})."""
        self.sock = socket.create_connection((host, port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n" % (path, host, port, key))
        if protocol:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocol
        for name, value in (headers or {}).items():
            req += "%s: %s\r\n" % (name, value)
        self.sock.sendall((req + "\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise WebSocketClosed("handshake refused")
            head += chunk
        head, self.buf = head.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n")[0]
        if b" 101 " not in status + b" ":
            raise WebSocketClosed("handshake refused: %r" % status)

    def send_frame(self, opcode, payload, fin=True):
        mask = os.urandom(4)
        n = len(payload)
        hdr = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack(">Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + masked)

    def send_text(self, text):
        self.send_frame(0x1, text.encode() if isinstance(text, str) else text)

    def send_json(self, obj):
        self.send_text(json.dumps(obj, ensure_ascii=False))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketClosed("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        return b0 & 0x80, b0 & 0x0F, self._read(n)

    def recv_json(self, timeout=10):
        """The next text message as JSON; answers pings; raises on close or timeout."""
        self.sock.settimeout(timeout)
        data = b""
        while True:
            fin, op, payload = self.recv_frame()
            if op == 0x9:
                self.send_frame(0xA, payload)
                continue
            if op == 0x8:
                raise WebSocketClosed("closed by server")
            data += payload
            if fin:
                return json.loads(data.decode())

    def recv_until(self, pred, timeout=10):
        """Reads messages until pred(msg) is true; returns (match, everything read before)."""
        deadline = time.time() + timeout
        seen = []
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timed out waiting; got %r" % seen)
            m = self.recv_json(timeout=left)
            if pred(m):
                return m, seen
            seen.append(m)

    def expect_silence(self, seconds):
        """Returns the messages that arrive within seconds (usually asserting there are none)."""
        got = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                got.append(self.recv_json(timeout=max(0.01, deadline - time.time())))
            except (socket.timeout, TimeoutError):
                break
        return got

    def hello(self, secret=None):
        self.send_json({"type": "hello", "secret": secret} if secret else {"type": "hello"})
        ready, _ = self.recv_until(lambda m: m.get("type") == "ready")
        return ready

    def close(self):
        try:
            self.send_frame(0x8, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()


def run_chat(config_path, lines, timeout=30, env=None):
    """Runs `tipgate chat` with lines on stdin; returns (status, stdout, stderr)."""
    e = dict(os.environ)
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1:exitcode=99")
    e.update(env or {})
    data = "".join(l + "\n" for l in lines) if isinstance(lines, list) else lines
    p = subprocess.run([BINARY, "chat", "--config", config_path], input=data.encode()
                       if isinstance(data, str) else data, capture_output=True, timeout=timeout,
                       env=e)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


# How the texts name the police when ward.police_name is not set ({ward} in the texts).
WARD_DEFAULT = "Công an phường/xã"


def texts(ward=WARD_DEFAULT):
    """The shipped Vietnamese texts, by name (arrays joined by newlines as tipgate does), with
    {ward} filled as tipgate fills it from ward.police_name."""
    with open(os.path.join(REPO, "config", "messages.vi.json"), encoding="utf-8") as f:
        raw = json.load(f)
    return {k: ("\n".join(v) if isinstance(v, list) else v).replace("{ward}", ward)
            for k, v in raw.items()}


def main(module_globals):
    global BINARY
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "--binary":
        BINARY = os.path.abspath(args[1])
    else:
        BINARY = os.path.join(REPO, "build", "tipgate")
    only = [a for a in args[2:]] if len(args) > 2 else None
    tests = [(n, f) for n, f in module_globals.items() if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        if only and name not in only:
            continue
        t0 = time.time()
        try:
            fn()
            print("ok   %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except unittest.SkipTest as e:  # what the machine cannot do (mount a filesystem)
            print("skip %s: %s" % (name, e), flush=True)
        except Exception:
            failed += 1
            print("FAIL %s" % name, flush=True)
            traceback.print_exc()
    print("%d failed" % failed)
    sys.exit(1 if failed else 0)
