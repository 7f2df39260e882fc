"""`tipgate analyze` through a pipe, as bench/text_accuracy.py and scripts use it: one JSON line
out per line in, in order, bad lines answered with {"error": …} while the run goes on, a 10 MB
line refused without a crash, exit 0 at the end of input, a ward's own lexicon read through
--config, a broken lexicon refused with exit 2, and answers flushed per line on a terminal."""
import json
import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

KEYS = {"is_tip", "category", "urgent", "phones", "plates", "urls", "money_vnd", "money", "place",
        "when", "category_confidence", "category2"}


def env():
    e = dict(os.environ)
    e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=99")
    e.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1:exitcode=98")
    e.pop("TIPGATE_ANALYZE_EXPLAIN", None)
    return e


def analyze(payload, args=(), timeout=120):
    """Runs analyze on payload (bytes); returns (exit status, answers, stderr)."""
    p = subprocess.run([tglib.BINARY, "analyze"] + list(args), input=payload,
                       capture_output=True, timeout=timeout, env=env())
    err = p.stderr.decode(errors="replace")
    for mark in tglib.SANITIZER_MARKS:
        assert mark not in err, err
    answers = [json.loads(l) for l in p.stdout.decode().splitlines()]
    return p.returncode, answers, err


def line(obj):
    return (json.dumps(obj, ensure_ascii=False) + "\n").encode()


def test_answers_one_line_per_input_in_order():
    payload = b"".join([
        line({"text": "Nhà em ở ngõ 58 bị trộm mất xe máy biển 29H1-456.78 tối qua",
              "context": "private"}),
        line({"text": "Bán nhà chính chủ, giá 4,2 tỷ, LH 0983.221.457", "context": "group"}),
        line({"text": "co thang goi tu xung cong an bat chuyen 80 trieu, so no +84 912 345 678"}),
        line({"text": "CHAY! dang chay kho hang, co nguoi mac ket tang 2", "context": "group"}),
    ])
    rc, out, err = analyze(payload)
    assert rc == 0, err
    assert len(out) == 4
    for a in out:
        assert set(a) == KEYS, a
    assert out[0]["is_tip"] and out[0]["category"] == "theft"
    assert out[0]["plates"] == ["29H1-45678"] and out[0]["money_vnd"] is None
    assert not out[1]["is_tip"] and out[1]["category"] is None
    assert out[1]["phones"] == ["0983221457"] and out[1]["money_vnd"] == 4200000000
    assert out[2]["category"] == "fraud" and out[2]["phones"] == ["0912345678"]
    assert out[2]["money_vnd"] == 80000000
    assert out[3]["category"] == "fire" and out[3]["urgent"] is True


def test_place_time_every_amount_and_how_sure_the_category_is():
    """Issue 12: the place and the time as the writer put them (null when absent), every amount
    with the one at stake as money_vnd, and a confidence the guided report can act on."""
    payload = b"".join([
        line({"text": "Tối qua khoảng 22h nhà tôi ở hẻm 12 đường Lê Lợi, khu phố 3 bị trộm "
                      "mất xe máy, trong cốp có 15 triệu tiền hàng"}),
        line({"text": "Có người gọi tự xưng nhân viên tuyển dụng, hứa lương 12 triệu/tháng, "
                      "bắt tôi chuyển phí 2 triệu rồi chặn số"}),
        line({"text": "Hôm nay trời đẹp quá, chúc cả nhà cuối tuần vui vẻ", "context": "group"}),
    ])
    rc, out, err = analyze(payload)
    assert rc == 0, err
    theft, fraud, chat = out
    assert theft["category"] == "theft" and theft["category_confidence"] >= 0.6, theft
    assert theft["place"] == "hẻm 12 đường Lê Lợi, khu phố 3", theft
    assert theft["when"] == "Tối qua khoảng 22h", theft
    assert theft["money"] == [15000000] and theft["money_vnd"] == 15000000
    assert fraud["category"] == "fraud" and fraud["place"] is None and fraud["when"] is None
    assert sorted(fraud["money"]) == [2000000, 12000000], fraud
    assert fraud["money_vnd"] == 2000000, fraud  # the fee paid, not the promised salary
    assert not chat["is_tip"] and chat["category"] is None and chat["category2"] is None
    assert chat["category_confidence"] == 0 and chat["place"] is None and chat["money"] == []


def test_decomposed_and_precomposed_text_give_the_same_answer():
    import unicodedata
    text = "Mẹ em bị giật dây chuyền ở ngã ba, thằng giật đi xe biển 59-X3 678.90"
    rc, out, _ = analyze(line({"text": text}) +
                         line({"text": unicodedata.normalize("NFD", text)}))
    assert rc == 0 and out[0] == out[1], out
    assert out[0]["category"] == "robbery" and out[0]["plates"] == ["59X3-67890"]


def test_bad_lines_get_an_error_and_the_run_goes_on():
    good = line({"text": "có người lạ lảng vảng trước cổng trường, hỏi trẻ con nhà ở đâu"})
    bad = [
        b"not json at all\n",
        b"[1, 2, 3]\n",
        line({"context": "private"}),
        line({"text": 42}),
        line({"text": None}),
        line({"text": "x", "context": "channel"}),
        b'{"text": "caf\xc3"}\n',  # invalid UTF-8
        b'{"text": "a\\u0000b"}\n',  # a NUL inside the text
        line({"text": "a" * 4097}),
        b"\n",
        b'{"text": "dup", "text": "dup"}\n',
    ]
    payload = good + b"".join(bad) + good
    rc, out, err = analyze(payload)
    assert rc == 0, err
    assert len(out) == len(bad) + 2, out
    assert "error" not in out[0] and "error" not in out[-1]
    assert out[0] == out[-1]
    for a, raw in zip(out[1:-1], bad):
        assert set(a) == {"error"}, (raw, a)
        assert isinstance(a["error"], str) and a["error"], a
    assert "4096" in out[9]["error"]


def test_a_ten_megabyte_line_is_refused_not_a_crash():
    huge = b'{"text": "' + b"a" * (10 * 1024 * 1024) + b'"}\n'
    good = line({"text": "đang có đánh nhau ở đầu ngõ, có đứa cầm dao"})
    rc, out, err = analyze(good + huge + good)
    assert rc == 0, err
    assert len(out) == 3
    assert "error" in out[1] and "too long" in out[1]["error"]
    assert out[0] == out[2] and out[0]["urgent"] is True


def test_last_line_without_newline_and_crlf_are_read():
    payload = line({"text": "xin chào"}).replace(b"\n", b"\r\n") + '{"text": "tạm biệt"}'.encode()
    rc, out, err = analyze(payload)
    assert rc == 0 and len(out) == 2 and all("error" not in a for a in out), (out, err)


def test_empty_input_exits_zero_with_no_output():
    rc, out, err = analyze(b"")
    assert rc == 0 and out == [], err


def test_a_ward_lexicon_is_read_through_config():
    d = tglib.tmpdir()
    with open(os.path.join(tglib.REPO, "config", "categories.vi.json"), encoding="utf-8") as f:
        lex = json.load(f)
    lex["categories"]["environment"]["terms"]["xyzzy plugh"] = 9
    with open(os.path.join(d, "my-categories.json"), "w", encoding="utf-8") as f:
        json.dump(lex, f, ensure_ascii=False)
    cfg = os.path.join(d, "tipgate.json")
    with open(cfg, "w") as f:
        json.dump({"categories": "my-categories.json"}, f)
    payload = line({"text": "ở thôn em có xyzzy plugh ngoài đồng"})
    rc, out, err = analyze(payload, ["--config", cfg])
    assert rc == 0, err
    assert out[0]["is_tip"] and out[0]["category"] == "environment", out
    rc, out, _ = analyze(payload)  # the shipped lexicon does not know the word
    assert rc == 0 and not out[0]["is_tip"], out


def test_a_broken_lexicon_is_refused_with_exit_2_naming_the_file():
    d = tglib.tmpdir()
    cases = {
        "syntax.json": "{\"categories\": {,}}",
        "badre.json": json.dumps({"categories": {}, "patterns": [{"re": "(", "add": {}}]}),
    }
    for name, body in cases.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(body)
        cfg = os.path.join(d, name + ".cfg")
        with open(cfg, "w") as f:
            json.dump({"categories": name}, f)
        rc, out, err = analyze(line({"text": "x"}), ["--config", cfg])
        assert rc == 2 and out == [], (rc, out, err)
        assert name in err and err.startswith("tipgate: "), err


def test_explaining_does_not_change_the_answers():
    """TIPGATE_ANALYZE_EXPLAIN only adds what fired: every answer of a labelled set is the same
    with it (a read of an unset score once let the explanation's stack decide a category)."""
    rows = []
    for name in ("tests/data/tips-holdout3.jsonl", "bench/data/train4-cat.jsonl"):
        with open(os.path.join(tglib.REPO, name), encoding="utf-8") as f:
            rows += [json.loads(l) for l in f if l.strip()]
    payload = b"".join(line({"text": r["text"], "context": r["context"]}) for r in rows)
    rc, plain, _ = analyze(payload)
    assert rc == 0 and len(plain) == len(rows)
    e = env()
    e["TIPGATE_ANALYZE_EXPLAIN"] = "1"
    p = subprocess.run([tglib.BINARY, "analyze"], input=payload, capture_output=True,
                       timeout=120, env=e)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    explained = [json.loads(l) for l in p.stdout.decode().splitlines()]
    assert len(explained) == len(rows)
    for i, (a, b) in enumerate(zip(plain, explained)):
        assert b.get("explain"), i
        assert {k: b[k] for k in KEYS} == {k: a[k] for k in KEYS}, (i, rows[i]["text"], a, b)


def test_answers_are_flushed_per_line_on_a_terminal():
    """On a terminal each answer appears as soon as its line is read, before end of input."""
    master, slave = pty.openpty()
    p = subprocess.Popen([tglib.BINARY, "analyze"], stdin=subprocess.PIPE, stdout=slave,
                         stderr=subprocess.PIPE, env=env())
    os.close(slave)
    try:
        p.stdin.write(line({"text": "bị mất trộm xe đạp trong sân"}))
        p.stdin.flush()
        got = b""
        deadline = time.time() + 30
        while b"\n" not in got and time.time() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if r:
                got += os.read(master, 4096)
        assert b'"is_tip":true' in got.replace(b" ", b""), got
    finally:
        p.stdin.close()
        assert p.wait(timeout=30) == 0
        os.close(master)


if __name__ == "__main__":
    tglib.main(globals())
