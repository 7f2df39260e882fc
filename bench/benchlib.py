"""bench/benchlib.py — what bench/scale and bench/soak share: the Release build, bench/fakebot
and tipgate started and stopped by their PID, tipgate's config for a run, and readings of a
running process (/proc) and of /metrics. Python 3 standard library only.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "build", "bench")
REL = os.path.join(ROOT, "build", "bench-release")
TIPGATE = os.path.join(REL, "tipgate")
FAKEBOT = os.path.join(OUT, "fakebot")
CEILING = os.path.join(OUT, "ceiling")
CLK_TCK = os.sysconf("SC_CLK_TCK")

STARTED = []  # the processes this script started, stopped on the way out


def log(tool, msg):
    print("bench/%s: %s" % (tool, msg), file=sys.stderr, flush=True)


def build(tool):
    """The Release tipgate in build/bench-release, fakebot and ceiling in build/bench, as
    bench/run builds them."""
    log(tool, "building tipgate (Release) in build/bench-release, fakebot and ceiling")
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "build-tipgate.log"), "w") as f:
        for cmd in (["cmake", "-S", ROOT, "-B", REL, "-DCMAKE_BUILD_TYPE=Release",
                     "-DTIPGATE_TESTS=OFF"],
                    ["cmake", "--build", REL, "-j%d" % os.cpu_count()]):
            if subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, timeout=1800).returncode:
                sys.exit("bench/%s: tipgate does not build: see build/bench/build-tipgate.log"
                         % tool)
    for src, out, libs in (("fakebot.c", FAKEBOT, ["-ljansson", "-lm"]),
                           ("ceiling.c", CEILING, ["-lcurl", "-ljansson"])):
        subprocess.run(["gcc", "-O2", "-Wall", "-Wextra", "-std=gnu17", "-o", out,
                        os.path.join(ROOT, "bench", src)] + libs, check=True, timeout=300)


def need_binaries(tool):
    for f in (TIPGATE, FAKEBOT, CEILING):
        if not os.access(f, os.X_OK):
            sys.exit("bench/%s: %s missing: run without --no-build" % (tool, f))


def version():
    return subprocess.run([TIPGATE, "--version"], capture_output=True, text=True,
                          timeout=30).stdout.strip().split("\n")[0]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spawn(args, **kw):
    p = subprocess.Popen(args, **kw)
    STARTED.append(p)
    return p


def stop(p, grace=20):
    """SIGTERM, then SIGKILL after grace seconds: only processes this script started."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
    if p in STARTED:
        STARTED.remove(p)


def stop_all(*sig):
    for p in reversed(list(STARTED)):  # tipgate before the fake it talks to
        stop(p, grace=5)
    if sig:
        sys.exit(130)


def on_signals():
    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)


def copy_db(src, dst):
    """A database and its -wal/-shm, if any."""
    import shutil
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(src + ext):
            shutil.copyfile(src + ext, dst + ext)


def source_db(binary, src, dst, work):
    """dst as a copy of src (a filled database, only read), or an empty one made by
    `tipgate migrate` when src is None."""
    import json
    import subprocess
    if src:
        copy_db(src, dst)
        return
    cfg = os.path.join(work, "migrate.json")
    with open(cfg, "w") as f:
        json.dump({"storage": {"path": dst}}, f)
    subprocess.run([binary, "migrate", "--config", cfg], check=True, capture_output=True)


def remove_db(path):
    for ext in ("", "-wal", "-shm"):
        if os.path.exists(path + ext):
            os.unlink(path + ext)


def start_fakebot(work, args):
    """bench/fakebot on a free port with args; returns (process, port)."""
    pf = os.path.join(work, "fakebot.port")
    if os.path.exists(pf):  # a previous run's: read before the new fake wrote its own
        os.remove(pf)
    p = spawn([FAKEBOT, "--port", "0", "--port-file", pf, "--stats",
               os.path.join(work, "fakebot.json")] + args,
              stderr=open(os.path.join(work, "fakebot.log"), "w"))
    deadline = time.time() + 10
    while not (os.path.exists(pf) and open(pf).read().strip()):
        if time.time() > deadline or p.poll() is not None:
            raise RuntimeError("fakebot did not start: see %s" % work)
        time.sleep(0.02)
    return p, int(open(pf).read())


def write_config(path, db, fake_port, http_port, side=None):
    """tipgate's config for a bench run: the fake as Telegram (rate limits off, as bench/run's
    S1 and S2), web chat off, full durability, /metrics on http_port, and the areas of a
    filled database's FILE.json."""
    cfg = {
        "//": "written by a bench tool for one run",
        "data_dir": ROOT,
        "log": {"level": "info"},
        "storage": {"path": db, "synchronous": "full"},
        "http": {"listen": "127.0.0.1", "port": http_port},
        "platforms": {
            "webchat": {"enabled": False},
            "telegram": {"enabled": True, "token": "bench:TOKEN",
                         "api_base_url": "http://127.0.0.1:%d" % fake_port, "mode": "polling",
                         "rate_limit": {"global_per_sec": 0, "per_chat_per_sec": 0,
                                        "per_group_per_min": 0}},
        },
    }
    if side:
        cfg.update(side.get("config", {}))
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False, indent=1)


def wait_healthy(proc, http_port, timeout, errlog):
    """Polls GET /healthz until 200; the seconds it took. Raises if tipgate exits or hangs."""
    t0 = time.perf_counter()
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", http_port, timeout=5)
            c.request("GET", "/healthz")
            status = c.getresponse().status
            c.close()
            if status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("tipgate exited %d: see %s" % (proc.returncode, errlog))
        if time.perf_counter() - t0 > timeout:
            raise RuntimeError("tipgate not healthy after %d s: see %s" % (timeout, errlog))
        time.sleep(0.002)


def proc_cpu_s(pid, tid=None):
    """utime + stime (fields 14, 15 of /proc/PID/stat) in seconds, of a process or a thread."""
    path = "/proc/%d/task/%d/stat" % (pid, tid) if tid else "/proc/%d/stat" % pid
    with open(path) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def thread_cpu_s(pid):
    """{thread name: CPU seconds} (threads of one name summed)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
            out[name] = out.get(name, 0) + proc_cpu_s(pid, int(tid))
        except OSError:
            pass  # the thread ended
    return out


def proc_status(pid, key):
    """A number from /proc/PID/status (VmRSS, VmHWM in kB; Threads)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def metrics(http_port):
    """{name: value} of the samples of GET /metrics without labels."""
    out = {}
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % http_port, timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line and not line.startswith("#") and "{" not in line:
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
    return out
