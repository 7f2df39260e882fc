#!/usr/bin/env python3
"""bench/webchat_idle.py — what idle web chat connections cost tipgate: memory per connection,
and the time and CPU of one reply while thousands of other browsers are connected.

One run: a fresh database (`tipgate migrate`), `tipgate serve` started with the web chat only
(log level warn, or $WC_BENCH_LOG; the default storage settings) and, like a systemd service,
a soft RLIMIT_NOFILE of --server-soft-limit (1024 by default; 0 leaves it as this script's),
then:

  start      tipgate's RSS (VmRSS from /proc) once it listens and has settled
  small      --small connections in all (the probe included), opened as a browser opens them
             (WebSocket handshake on /ws with the subprotocol tipgate-chat, then
             {"type":"hello"} and the "ready" answer); the RSS; then --samples replies: a probe
             browser of its own sends "/help" and waits for the bot's message (a new probe
             every 15 messages, under the web chat's burst of 20): the time from send to reply
             (median, p90) and tipgate's CPU time (user + system from /proc) per reply
  large      more connections, up to --conns in all, opened --batch at a time (handshakes and
             hellos pipelined within a batch); the RSS and the same replies
  idle       after --idle seconds every connection is pinged: how many still answer
  keep-alive for --keepalive seconds each connection pings every 25 s, spread evenly, as
             web/app.js does (10,000 connections: 400 pings a second): tipgate's CPU
and the RSS per connection ((large - small) / the connections added) and the identity rows
stored. Connections say hello without a secret, as a browser's first visit does. A connection
refused before --conns is reported with the count reached.

Usage (release build):
  cmake -S . -B build/bench-release -DCMAKE_BUILD_TYPE=Release -DTIPGATE_TESTS=OFF
  cmake --build build/bench-release -j2
  python3 bench/webchat_idle.py --binary build/bench-release/tipgate [--conns 10000]
      [--small 10] [--samples 30] [--batch 200] [--idle 5] [--keepalive 30]
      [--server-soft-limit 1024] [--keep]
This script holds --conns + 64 sockets: it raises its own soft RLIMIT_NOFILE to the hard limit
and stops if that is too low (raise it with `ulimit -Hn` as root). To compare with an older
revision, build it elsewhere (git archive REV | tar -x -C DIR) and pass its binary; set
TIPGATE_DATA_DIR to this tree if that binary cannot find web/. Nothing leaves the machine:
everything listens on 127.0.0.1.
"""
import argparse
import json
import os
import resource
import selectors
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
import tglib  # noqa: E402  (the WebSocket client)

PROBE_MESSAGES = 15  # per probe browser: under the web chat's burst of 20 messages


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raise_own_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        raise SystemExit("this script needs %d file descriptors; the hard limit is %d" %
                         (need, hard))
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_batch(port, n):
    """n browsers: handshakes, then hellos, pipelined. Returns (connections, refused)."""
    out = []
    try:
        for _ in range(n):
            out.append(tglib.WebSocket("127.0.0.1", port, "/ws", "tipgate-chat"))
        for ws in out:
            ws.send_json({"type": "hello"})
        for ws in out:
            ws.recv_until(lambda m: m.get("type") == "ready", timeout=60)
    except (tglib.WebSocketClosed, OSError, AssertionError) as e:
        return out, "%s: %s" % (type(e).__name__, e)
    return out, None


def open_up_to(port, conns, total, batch):
    t0 = time.time()
    refused = None
    while len(conns) < total and not refused:
        got, refused = open_batch(port, min(batch, total - len(conns)))
        conns.extend(got if not refused else [])
        if refused:
            for ws in got:
                ws.close()
    return time.time() - t0, refused


def replies(port, pid, samples):
    """samples "/help" → reply round trips from probe browsers: (ms list, CPU ms per reply)."""
    ms, probe, sent = [], None, 0
    c0 = cpu_s(pid)
    for i in range(samples):
        if probe is None or sent == PROBE_MESSAGES:
            if probe:
                probe.close()
            probe, sent = tglib.WebSocket("127.0.0.1", port, "/ws", "tipgate-chat"), 0
            probe.hello()
        t0 = time.perf_counter()
        probe.send_json({"type": "message", "id": "p%d" % i, "text": "/help"})
        probe.recv_until(lambda m: m.get("type") == "message", timeout=60)
        ms.append((time.perf_counter() - t0) * 1000)
        sent += 1
    cpu = (cpu_s(pid) - c0) * 1000 / samples
    probe.close()
    return ms, cpu


def alive(conns):
    for ws in conns:
        ws.send_json({"type": "ping"})
    n = 0
    for ws in conns:
        try:
            ws.recv_until(lambda m: m.get("type") == "pong", timeout=30)
            n += 1
        except (tglib.WebSocketClosed, OSError, AssertionError):
            pass
    return n


def keepalive(conns, pid, seconds, every):
    """Every connection pings every `every` seconds, spread evenly, as web/app.js does, for
    `seconds`: tipgate's CPU (% of one core) and how many pongs came back. Pongs are read off
    the sockets unparsed, so this runs last."""
    sel = selectors.DefaultSelector()
    for ws in conns:
        ws.sock.setblocking(False)
        sel.register(ws.sock, selectors.EVENT_READ)
    rate = len(conns) / every
    got = sent = 0
    c0, t0 = cpu_s(pid), time.time()
    while time.time() - t0 < seconds:
        due = int((time.time() - t0) * rate) + 1
        while sent < due:
            ws = conns[sent % len(conns)]
            ws.sock.setblocking(True)
            ws.send_json({"type": "ping"})
            ws.sock.setblocking(False)
            sent += 1
        for key, _ in sel.select(timeout=0.01):
            try:
                got += key.fileobj.recv(65536).count(b'"pong"')
            except BlockingIOError:
                pass
    wall = time.time() - t0
    return (cpu_s(pid) - c0) * 100 / wall, sent, got


def summary(ms):
    q = statistics.quantiles(ms, n=10) if len(ms) > 1 else ms * 9
    return "median %.2f ms, p90 %.2f ms" % (statistics.median(ms), q[8])


def start(binary, d, port, soft_limit):
    cfg = os.path.join(d, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump({"log": {"level": os.environ.get("WC_BENCH_LOG", "warn")}, "storage": {"path": "tipgate.db"},
                   "http": {"listen": "127.0.0.1", "port": port}}, f)
    subprocess.run([binary, "migrate", "--config", cfg], check=True, capture_output=True)

    def limit():
        if soft_limit:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft_limit, hard), hard))
    proc = subprocess.Popen([binary, "serve", "--config", cfg], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "stderr.log"), "w"), preexec_fn=limit)
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise SystemExit("tipgate did not start; see %s" % d)
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--conns", type=int, default=10000)
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--idle", type=float, default=5.0)
    ap.add_argument("--server-soft-limit", type=int, default=1024)
    ap.add_argument("--keepalive", type=float, default=30.0,
                    help="seconds of browser keep-alive pings at the end (0: none)")
    ap.add_argument("--keep", action="store_true", help="keep the run's directory")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    raise_own_limit(a.conns + 64)
    version = subprocess.run([binary, "version"], capture_output=True, text=True).stdout.strip()
    print("%s, %d connections (server soft fd limit: %s)\n" %
          (version, a.conns, a.server_soft_limit or "inherited"), flush=True)
    d = tempfile.mkdtemp(prefix="tg-bench-wcidle-")
    port = free_port()
    proc = start(binary, d, port, a.server_soft_limit)
    conns = []
    try:
        time.sleep(2)  # start-up work (the scheduler's first ticks) passes
        rss0 = rss_kb(proc.pid)
        print("start                 RSS %.1f MB" % (rss0 / 1024), flush=True)
        took, refused = open_up_to(port, conns, a.small - 1, a.batch)  # the probe is one more
        time.sleep(0.5)
        rss_small = rss_kb(proc.pid)
        ms, cpu = replies(port, proc.pid, a.samples)
        print("%5d connections     RSS %.1f MB; reply %s, tipgate CPU %.2f ms a reply" %
              (len(conns) + 1, rss_small / 1024, summary(ms), cpu), flush=True)
        small_n = len(conns)
        took, refused = open_up_to(port, conns, a.conns - 1, a.batch)
        print("%5d connections     opened in %.1f s%s" %
              (len(conns) + 1, took, "; then refused (%s)" % refused if refused else ""),
              flush=True)
        time.sleep(0.5)
        rss_large = rss_kb(proc.pid)
        ms, cpu = replies(port, proc.pid, a.samples)
        print("%5d connections     RSS %.1f MB; reply %s, tipgate CPU %.2f ms a reply" %
              (len(conns) + 1, rss_large / 1024, summary(ms), cpu), flush=True)
        if len(conns) > small_n:
            print("per connection        %.1f kB" %
                  ((rss_large - rss_small) / (len(conns) - small_n)))
        time.sleep(a.idle)
        print("after %.0f s idle       %d of %d idle connections answer a ping; RSS %.1f MB" %
              (a.idle, alive(conns), len(conns), rss_kb(proc.pid) / 1024))
        if a.keepalive > 0 and conns:
            cpu, sent, got = keepalive(conns, proc.pid, a.keepalive, 25.0)
            print("keep-alive            a ping every 25 s from each of %d connections "
                  "(%.0f/s) for %.0f s: tipgate CPU %.1f %% of a core; %d of %d pongs read" %
                  (len(conns), len(conns) / 25.0, a.keepalive, cpu, got, sent))
        with sqlite3.connect(os.path.join(d, "tipgate.db")) as con:
            rows = con.execute("SELECT count(*) FROM webchat_identities").fetchone()[0]
        print("identity rows stored  %d" % rows)
        with open(os.path.join(d, "stderr.log")) as f:
            logs = [l.rstrip() for l in f if "open-file" in l or "ERROR" in l]
        for line in logs[:5]:
            print("log: %s" % line)
    finally:
        for ws in conns:
            ws.sock.close()
        proc.terminate()
        proc.wait(timeout=60)
        if a.keep:
            print("kept %s" % d)
        else:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
