#!/usr/bin/env python3
"""text_accuracy — scores the text engine (`tipgate analyze`) on a labelled JSON Lines file.

    bench/text_accuracy.py [FILE] [--binary build/tipgate] [--config FILE] [--explain] [--json]
    bench/text_accuracy.py --table FILE... (one Markdown row per file, for bench/results.md)

FILE defaults to /work/shared/data/tips-dev.jsonl; its lines carry the labels described in
shared/data/README.md (is_tip, category, urgent, phones, plates, urls, money_vnd, and in the
newer sets place and when). The engine sees only "text" and "context". Printed: the target
figures with PASS/FAIL, precision and recall around them, per-entity F1, the confusion of
categories among true tips, and every miss (with what fired, when --explain). Exit status 0 when
every target is met, 1 otherwise.

Targets (issue 12): is_tip accuracy >= 0.95, category accuracy among true tips >= 0.92, urgent
recall >= 0.95 and precision >= 0.85, entity exact-match F1 >= 0.98 (phones, plates, urls and
money_vnd compared per message as sets; money as a one-element set when not null), place and
when token F1 >= 0.85. Place and when are scored on the messages where the label or the answer
is not null (a file without these labels skips them): exact match after trimming punctuation and
case, and token F1 as in reading-comprehension benchmarks (the overlap of the words, averaged
over those messages; an answer where the label is null, or the reverse, scores 0).
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import unicodedata

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = "/work/shared/data/tips-dev.jsonl"
TARGETS = {"is_tip_accuracy": 0.95, "category_accuracy": 0.92, "urgent_recall": 0.95,
           "urgent_precision": 0.85, "entity_f1": 0.98, "place_token_f1": 0.85,
           "when_token_f1": 0.85}
SPANS = ("place", "when")
ENTITIES = ("phones", "plates", "urls", "money")
SPAN_TRIM = " \t\n,.;:!?\"'()…-"


def find_binary():
    for cand in ("build/text-release/tipgate", "build/bench-release/tipgate", "build/text/tipgate",
                 "build/tipgate"):
        path = os.path.join(REPO, cand)
        if os.access(path, os.X_OK):
            return path
    sys.exit("text_accuracy: no tipgate binary found; pass --binary")


def run_engine(binary, config, rows, explain):
    cmd = [binary, "analyze"] + (["--config", config] if config else [])
    env = dict(os.environ)
    if explain:
        env["TIPGATE_ANALYZE_EXPLAIN"] = "1"
    env.setdefault("ASAN_OPTIONS", "detect_leaks=0")
    payload = "".join(json.dumps({"text": r["text"], "context": r.get("context", "private")},
                                 ensure_ascii=False) + "\n" for r in rows)
    p = subprocess.run(cmd, input=payload.encode(), capture_output=True, env=env, timeout=600)
    if p.returncode != 0:
        sys.exit("text_accuracy: %s exited %d:\n%s" % (cmd, p.returncode, p.stderr.decode()))
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    if len(out) != len(rows):
        sys.exit("text_accuracy: %d answers for %d lines" % (len(out), len(rows)))
    return out


def entity_set(obj, kind):
    if kind == "money":
        v = obj.get("money_vnd")
        return {v} if v is not None else set()
    return set(obj.get(kind) or [])


def ratio(a, b):
    return a / b if b else float("nan")


def f1(tp, fp, fn):
    p, r = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return p, r, (2 * p * r / (p + r) if tp else (1.0 if fp == fn == 0 else 0.0))


def span_norm(s):
    return unicodedata.normalize("NFC", s or "").strip(SPAN_TRIM).lower()


def span_tokens(s):
    return re.findall(r"\w+", span_norm(s))


def span_score(gold, pred):
    """(exact, token F1) of one message's span; None when both are null."""
    if gold is None and not pred:
        return None
    if gold is None or not pred:
        return 0.0, 0.0
    g, p = span_tokens(gold), span_tokens(pred)
    common = sum((collections.Counter(g) & collections.Counter(p)).values())
    f = 2 * common / (len(g) + len(p)) if common else 0.0
    return float(span_norm(gold) == span_norm(pred)), f


def score(rows, preds):
    m = collections.Counter()
    ent = {k: collections.Counter() for k in ENTITIES}
    confusion = collections.Counter()
    spans = {k: [] for k in SPANS}
    misses = []
    for i, (g, p) in enumerate(zip(rows, preds)):
        if "error" in p:
            misses.append((i, ["engine error: " + p["error"]]))
            p = {"is_tip": False, "category": None, "urgent": False}
        why = []
        m["n"] += 1
        m["tip_ok"] += p["is_tip"] == g["is_tip"]
        m["tp"] += p["is_tip"] and g["is_tip"]
        m["fp"] += p["is_tip"] and not g["is_tip"]
        m["fn"] += (not p["is_tip"]) and g["is_tip"]
        if p["is_tip"] != g["is_tip"]:
            why.append("is_tip %s, expected %s" % (p["is_tip"], g["is_tip"]))
        if g["is_tip"]:
            m["gold_tips"] += 1
            m["cat_ok"] += p.get("category") == g["category"]
            confusion[(g["category"], p.get("category"))] += 1
            if p["is_tip"] and p.get("category") != g["category"]:
                why.append("category %s, expected %s" % (p.get("category"), g["category"]))
        if g.get("urgent"):
            m["gold_urgent"] += 1
            m["urgent_hit"] += bool(p.get("urgent"))
        if p.get("urgent"):
            m["pred_urgent"] += 1
            m["urgent_right"] += bool(g.get("urgent"))
        if bool(p.get("urgent")) != bool(g.get("urgent")):
            why.append("urgent %s, expected %s" % (p.get("urgent"), g.get("urgent")))
        for k in ENTITIES:
            gs, ps = entity_set(g, k), entity_set(p, k)
            ent[k]["tp"] += len(gs & ps)
            ent[k]["fp"] += len(ps - gs)
            ent[k]["fn"] += len(gs - ps)
            if gs != ps:
                why.append("%s %s, expected %s" % (k, sorted(ps, key=str), sorted(gs, key=str)))
        for k in SPANS:
            s = span_score(g[k], p.get(k)) if k in g else None
            if s is not None:
                spans[k].append(s)
                if s[0] < 1:
                    why.append("%s %r, expected %r" % (k, p.get(k), g[k]))
        if why:
            misses.append((i, why))
    tot = collections.Counter()
    for k in ENTITIES:
        tot.update(ent[k])
    res = {
        "messages": m["n"],
        "is_tip_accuracy": ratio(m["tip_ok"], m["n"]),
        "is_tip_precision": ratio(m["tp"], m["tp"] + m["fp"]),
        "is_tip_recall": ratio(m["tp"], m["tp"] + m["fn"]),
        "category_accuracy": ratio(m["cat_ok"], m["gold_tips"]),
        "urgent_recall": ratio(m["urgent_hit"], m["gold_urgent"]),
        "urgent_precision": ratio(m["urgent_right"], m["pred_urgent"]),
        "entity_f1": f1(tot["tp"], tot["fp"], tot["fn"])[2],
        "entities": {k: dict(zip(("precision", "recall", "f1"),
                                 f1(ent[k]["tp"], ent[k]["fp"], ent[k]["fn"])),
                             tp=ent[k]["tp"], fp=ent[k]["fp"], fn=ent[k]["fn"])
                     for k in ENTITIES},
        "counts": {"tips": m["gold_tips"], "urgent": m["gold_urgent"]},
    }
    for k in SPANS:
        n = len(spans[k])
        res[k + "_exact"] = ratio(sum(s[0] for s in spans[k]), n)
        res[k + "_token_f1"] = ratio(sum(s[1] for s in spans[k]), n)
        res["counts"][k] = n
    return res, confusion, misses


def report(res, confusion, misses, rows, preds, explain):
    print("messages: %d (tips %d, urgent %d)" % (res["messages"], res["counts"]["tips"],
                                                 res["counts"]["urgent"]))
    ok_all = True
    for key, target in TARGETS.items():
        if res[key] != res[key]:  # nan: the file has no such labels
            print("  %-22s  -     (no labels)" % key)
            continue
        ok = res[key] >= target
        ok_all &= ok
        print("  %-22s %.3f  (target >= %.2f) %s" % (key, res[key], target,
                                                     "PASS" if ok else "FAIL"))
    print("  %-22s %.3f" % ("is_tip_precision", res["is_tip_precision"]))
    print("  %-22s %.3f" % ("is_tip_recall", res["is_tip_recall"]))
    for k in SPANS:
        print("  %-22s %.3f  (%d messages)" % (k + "_exact", res[k + "_exact"], res["counts"][k]))
    print("entities (exact match, per message):")
    for k, e in res["entities"].items():
        print("  %-7s P %.3f  R %.3f  F1 %.3f  (tp %d, fp %d, fn %d)" % (
            k, e["precision"], e["recall"], e["f1"], e["tp"], e["fp"], e["fn"]))
    wrong = sorted(((g, p, n) for (g, p), n in confusion.items() if g != p),
                   key=lambda x: (-x[2], x[0]))
    print("category confusion among true tips (expected -> got: count):")
    for g, p, n in wrong:
        print("  %-20s -> %-20s %d" % (g, p, n))
    if not wrong:
        print("  (none)")
    print("misses (%d):" % len(misses))
    for i, why in misses:
        r, p = rows[i], preds[i]
        print("  line %d [%s] %s" % (i + 1, r.get("context", "private"), r["text"][:160]))
        for w in why:
            print("      - " + w)
        if explain and "explain" in p:
            print("      score %.2f: %s" % (p.get("score", 0), p["explain"][:600]))
    return ok_all


TABLE_COLUMNS = ("is_tip_accuracy", "category_accuracy", "urgent_recall", "urgent_precision",
                 "entity_f1", "place_exact", "place_token_f1", "when_exact", "when_token_f1")


def table(files, binary, config):
    """One Markdown row per file with the figures the issue asks for."""
    print("| set | messages (tips, urgent) | is_tip | category | urgent recall | urgent precision "
          "| entity F1 | place exact | place token F1 | when exact | when token F1 |")
    print("|---" * 11 + "|")
    for path in files:
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(l) for l in f if l.strip()]
        res = score(rows, run_engine(binary, config, rows, False))[0]
        cells = ["-" if res[k] != res[k] else "%.3f" % res[k] for k in TABLE_COLUMNS]
        print("| %s | %d (%d, %d) | %s |" % (os.path.relpath(path, REPO), res["messages"],
                                            res["counts"]["tips"], res["counts"]["urgent"],
                                            " | ".join(cells)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="*", default=[DEFAULT_DATA])
    ap.add_argument("--binary")
    ap.add_argument("--config")
    ap.add_argument("--explain", action="store_true", help="show what fired for each miss")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    ap.add_argument("--table", action="store_true", help="a Markdown row per file")
    a = ap.parse_args()
    if a.table:
        table(a.file, a.binary or find_binary(), a.config)
        return
    if len(a.file) != 1:
        ap.error("one FILE, or --table with several")
    a.file = a.file[0]
    with open(a.file, encoding="utf-8") as f:
        rows = [json.loads(l) for l in f if l.strip()]
    preds = run_engine(a.binary or find_binary(), a.config, rows, a.explain)
    res, confusion, misses = score(rows, preds)
    if a.json:
        print(json.dumps(res, indent=1))
        ok = all(res[k] >= t for k, t in TARGETS.items() if res[k] == res[k])
    else:
        ok = report(res, confusion, misses, rows, preds, a.explain)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
