"""GET /metrics in the Prometheus text format (issue 15 §5): the output passes a strict parser of
the exposition format 0.0.4 written here, every figure the issue names is there, and the figures
move when traffic flows — a web chat resident and a Telegram user write, a tip is filed, a
malformed update fails, a send is refused — and a configured token (metrics.token, from the
environment here) closes /metrics to a scraper without it.

One tipgate for the whole file. Counts (outbox, tips, database size) are made off the request
path at most every 10 s while /metrics is read: the waits below poll until they show."""
import math
import os
import re
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import apitest  # noqa: E402
import tglib  # noqa: E402
import tipstest  # noqa: E402

TOKEN = "s3cr3t-metrics-token-for-the-test"
TG = "telegram"

# ---- a strict parser of the text exposition format 0.0.4 --------------------------------------

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
LABEL_VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
LABEL = r"(%s)=(%s)" % (LABEL_NAME, LABEL_VALUE)
LABEL_NC = r"%s=%s" % (LABEL_NAME, LABEL_VALUE)
SAMPLE_RE = re.compile(r"^(?P<name>%s)(?:\{(?P<labels>%s(?:,%s)*)\})? (?P<value>\S+)"
                       r"(?: -?\d+)?$" % (NAME, LABEL_NC, LABEL_NC))
LABEL_RE = re.compile(LABEL)
HELP_RE = re.compile(r"^# HELP (%s) ((?:[^\\\n]|\\[\\n])*)$" % NAME)
TYPE_RE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
FLOAT_RE = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|NaN)$")


def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v[1:-1])


def parse_float(s):
    assert FLOAT_RE.match(s), "not a float: %r" % s
    return float(s.replace("Inf", "inf").replace("NaN", "nan"))


def family_of(name, types):
    """The family a sample belongs to: a histogram's _bucket/_sum/_count go to their base."""
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
            return base
    return name


def parse(text):
    """{family: {"type", "help", "samples": [(name, {labels}, value)]}}; asserts the format."""
    assert text.endswith("\n"), "the text must end with a newline"
    fams, types, done, series, current = {}, {}, set(), set(), None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d: %r" % (n, line)
        assert line and line == line.strip(), "blank or padded line; " + where
        if line.startswith("#"):
            m = HELP_RE.match(line) or TYPE_RE.match(line)
            if not m:
                assert not line.startswith(("# HELP", "# TYPE")), "bad HELP/TYPE; " + where
                continue
            name = m.group(1)
            f = fams.setdefault(name, {"type": None, "help": None, "samples": []})
            assert not f["samples"], "HELP/TYPE after its samples; " + where
            assert name not in done, "family %s appears twice; %s" % (name, where)
            key = "help" if line.startswith("# HELP") else "type"
            assert f[key] is None, "second %s for %s" % (key.upper(), name)
            f[key] = m.group(2)
            if key == "type":
                types[name] = m.group(2)
            if current not in (None, name):
                done.add(current)
            current = name
            continue
        m = SAMPLE_RE.match(line)
        assert m, "bad sample; " + where
        name, labels_text, value = m.group("name"), m.group("labels"), m.group("value")
        labels = {}
        for lm in LABEL_RE.finditer(labels_text or ""):
            assert lm.group(1) not in labels, "label repeated; " + where
            labels[lm.group(1)] = unescape(lm.group(2))
        fam = family_of(name, types)
        assert fam in types, "sample before its TYPE; " + where
        assert fam not in done, "family %s interleaved; %s" % (fam, where)
        if current not in (None, fam):
            done.add(current)
        current = fam
        key = (name, tuple(sorted(labels.items())))
        assert key not in series, "duplicate series; " + where
        series.add(key)
        fams[fam]["samples"].append((name, labels, parse_float(value)))
    for name, f in fams.items():
        assert f["type"] and f["help"], "family %s lacks TYPE or HELP" % name
        check_family(name, f)
    return fams


def check_family(name, f):
    if f["type"] == "counter":
        assert name.endswith("_total"), "counter %s not named *_total" % name
        for s in f["samples"]:
            assert s[0] == name and s[2] >= 0 and not math.isnan(s[2]), s
    if f["type"] == "histogram":
        check_histogram(name, f["samples"])
    else:
        for s in f["samples"]:
            assert "le" not in s[1] or f["type"] == "histogram", s


def check_histogram(name, samples):
    groups = {}
    for sname, labels, value in samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if sname == name + "_bucket":
            g["buckets"].append((parse_float(labels["le"]), value))
        elif sname == name + "_sum":
            g["sum"] = value
        elif sname == name + "_count":
            g["count"] = value
        else:
            raise AssertionError("stray sample %s in histogram %s" % (sname, name))
    for rest, g in groups.items():
        les = [le for le, _ in g["buckets"]]
        assert les and les == sorted(les) and len(set(les)) == len(les), (name, rest, les)
        assert les[-1] == math.inf, "%s%r: no +Inf bucket" % (name, rest)
        counts = [c for _, c in g["buckets"]]
        assert counts == sorted(counts), "%s%r: buckets not cumulative" % (name, rest)
        assert g["count"] == counts[-1], "%s%r: _count != +Inf bucket" % (name, rest)
        assert g["sum"] is not None and g["sum"] >= 0, "%s%r: no _sum" % (name, rest)


def value(fams, fam, sample=None, **labels):
    """The value of one series (0 when absent)."""
    for name, ls, v in fams.get(fam, {}).get("samples", []):
        if name == (sample or fam) and all(ls.get(k) == w for k, w in labels.items()):
            return v
    return 0.0


# ---- the parser itself refuses what it must ---------------------------------------------------

GOOD = ('# HELP a_total A.\n# TYPE a_total counter\na_total{x="q\\"\\\\\\n"} 1\n'
        '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\n'
        'h_sum 3.5\nh_count 2\n# HELP g G.\n# TYPE g gauge\ng NaN\ng{a="b"} -Inf\n')
BAD = [
    "# TYPE a counter\n# HELP a A.\na 1\n",                          # counter not *_total
    "# HELP g G.\n# TYPE g gauge\ng 1\ng 2\n",                        # duplicate series
    "# HELP g G.\n# TYPE g gauge\ng{a=\"\\x\"} 1\n",                  # bad escape
    "# HELP g G.\ng 1\n# TYPE g gauge\n",                             # TYPE after its sample
    "# HELP g G.\n# TYPE g gauge\ng one\n",                           # not a float
    "# HELP g G.\n# TYPE g gauge\ng 1",                               # no final newline
    "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
    "h_sum 1\nh_count 1\n",                                           # not cumulative
    "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  # no +Inf
    "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
    "# HELP g G.\n# TYPE g gauge\ng{a=\"1\"} 1\n# HELP f F.\n# TYPE f gauge\nf 1\n"
    "g{a=\"2\"} 1\n",                                                 # interleaved families
    "# HELP g G.\n# TYPE g gauge\n# TYPE g gauge\ng 1\n",             # TYPE twice
    "# HELP g G.\n# TYPE g gauge\ng{a=\"1\",} 1\n",                   # trailing comma
]


def test_parser_is_strict():
    fams = parse(GOOD)
    assert value(fams, "a_total", x='q"\\\n') == 1
    assert math.isnan(value(fams, "g")) and value(fams, "g", a="b") == -math.inf
    for text in BAD:
        try:
            parse(text)
        except AssertionError:
            continue
        raise AssertionError("accepted: %r" % text)


# ---- the service --------------------------------------------------------------------------------

def scrape(tg, token=TOKEN):
    req = urllib.request.Request(tg.url("/metrics"))
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read().decode()


def metrics(tg):
    status, ctype, text = scrape(tg)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), (status, ctype)
    return parse(text)


def wait_metrics(tg, pred, what, timeout=30):
    last = []

    def ok():
        last[:] = [metrics(tg)]
        return pred(last[0])
    try:
        apitest.wait_until(ok, timeout=timeout, what=what)
    except AssertionError:
        raise AssertionError("%s; last /metrics:\n%s" % (what, scrape(tg)[2]))
    return last[0]


NAMED = {  # every figure issue 15 §5 names, and its type
    "tipgate_updates_received_total": "counter", "tipgate_updates_handled_total": "counter",
    "tipgate_updates_failed_total": "counter", "tipgate_outbox_depth": "gauge",
    "tipgate_outbox_messages": "gauge", "tipgate_sends_total": "counter",
    "tipgate_handling_latency_seconds": "histogram",
    "tipgate_inbox_to_send_seconds": "histogram", "tipgate_scheduler_lag_seconds": "histogram",
    "tipgate_tips_open": "gauge", "tipgate_tips_overdue": "gauge",
    "tipgate_webchat_connections": "gauge", "tipgate_desk_connections": "gauge",
    "tipgate_database_size_bytes": "gauge", "tipgate_database_wal_size_bytes": "gauge",
    "process_resident_memory_bytes": "gauge", "process_cpu_seconds_total": "counter",
    # kept from before (test_health.py, test_analysis.py, bench/)
    "tipgate_up": "gauge", "tipgate_worker_updates_total": "counter",
    "tipgate_scheduler_ticks_total": "counter", "tipgate_sender_delivered_total": "counter",
    "tipgate_inbox_pending": "gauge", "tipgate_text_analyses_total": "counter",
}


def test_metrics_are_well_formed_and_move_with_traffic():
    env = {"metrics": {"token": "env:TG_METRICS_TEST_TOKEN"}}
    with tipstest.Env(extra=env) as e:
        e.tg.env["TG_METRICS_TEST_TOKEN"] = TOKEN
        e.start()
        e.ask(700001, "/start")  # a first reply: the sender has reported
        m0 = wait_metrics(e.tg, lambda f: "tipgate_outbox_messages" in f and
                          value(f, "tipgate_sends_total", platform=TG, outcome="sent") >= 1,
                          "the first count and send")
        for name, kind in NAMED.items():
            assert m0.get(name, {}).get("type") == kind, (name, m0.get(name))
        assert value(m0, "tipgate_webchat_connections") == 0
        assert value(m0, "process_resident_memory_bytes") > 1e6
        assert value(m0, "tipgate_database_size_bytes") > 0
        assert value(m0, "tipgate_tips_open", status="new") == 0

        web = e.web()
        m1 = wait_metrics(e.tg, lambda f: value(f, "tipgate_webchat_connections") == 1,
                          "the web chat connection counted")
        web.ask("xin chào")
        code = e.file_tip(700002, "có kẻ trộm xe máy ở tổ 5")
        e.wait_desk(tipstest.DESK_TDP5, code)
        e.fake.blocked.add(700003)
        e.fake.push_message(700003, "/start")  # its reply is refused: 403
        now = e.now_ms()
        apitest.execute(e.tg, "INSERT INTO inbox (platform, update_key, chat_id, message, "
                              "received_at) VALUES (?, ?, ?, ?, ?)",
                        [(TG, "bad-1", "700004", "not json", now)])
        apitest.execute(e.tg, "INSERT INTO outbox (platform, chat_id, text, priority, status, "
                              "next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [("zalo", "9", "held", 3, "queued", now, now)])
        apitest.execute(e.tg, "UPDATE tips SET deadline_at = ? WHERE code = ?",
                        [(now - 60000, tipstest.bare(code))])

        def moved(f):
            return (value(f, "tipgate_updates_failed_total", platform=TG) >= 1 and
                    value(f, "tipgate_sends_total", platform=TG, outcome="403") >= 1 and
                    value(f, "tipgate_tips_open", status="new") >= 1 and
                    value(f, "tipgate_tips_overdue") >= 1 and
                    value(f, "tipgate_outbox_depth", platform="zalo", status="queued",
                          priority="3") == 1 and
                    value(f, "tipgate_inbox_to_send_seconds", "tipgate_inbox_to_send_seconds_count",
                          platform="webchat") >= 1)
        m2 = wait_metrics(e.tg, moved, "the traffic counted")
        for fam, sample, labels in [
                ("tipgate_updates_received_total", None, {"platform": TG}),
                ("tipgate_updates_received_total", None, {"platform": "webchat"}),
                ("tipgate_updates_handled_total", None, {"platform": TG}),
                ("tipgate_updates_handled_total", None, {"platform": "webchat"}),
                ("tipgate_sends_total", None, {"platform": TG, "outcome": "sent"}),
                ("tipgate_handling_latency_seconds", "tipgate_handling_latency_seconds_count",
                 {"platform": TG}),
                ("tipgate_inbox_to_send_seconds", "tipgate_inbox_to_send_seconds_count",
                 {"platform": TG}),
                ("tipgate_scheduler_lag_seconds", "tipgate_scheduler_lag_seconds_count", {}),
                ("tipgate_outbox_messages", None, {"platform": TG, "status": "sent"})]:
            assert value(m2, fam, sample, **labels) > value(m1, fam, sample, **labels), (
                fam, labels, value(m1, fam, sample, **labels))
        assert value(m2, "tipgate_outbox_depth", platform="zalo", status="queued",
                     priority="3") > value(m0, "tipgate_outbox_depth", platform="zalo",
                                           status="queued", priority="3")

        web.close()
        wait_metrics(e.tg, lambda f: value(f, "tipgate_webchat_connections") == 0,
                     "the closed web chat connection no longer counted")

        # The token: 401 without it or with a wrong one; never written to the log.
        for token in (None, "wrong", TOKEN + "x", ""):
            status, _, body = scrape(e.tg, token)
            assert status == 401 and "tipgate_" not in body, (token, status)
        assert scrape(e.tg)[0] == 200
        assert TOKEN not in e.tg.read_logs()


if __name__ == "__main__":
    tglib.main(globals())
