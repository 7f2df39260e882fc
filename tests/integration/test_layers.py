"""scripts/layers, the guard of the floors ARCHITECTURE.md draws: the real tree passes, and a
copy of it with one include running upward, one running sideways or two files including each
other fails, naming the file and the include. Without this the guard could pass everything and
nobody would notice until the tree had grown back into loops."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tglib  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAYERS = os.path.join(ROOT, "scripts", "layers")
FOLDERS = ["base", "text", "storage", "config", "calendar", "handlers", "bot", "cli"]


def layers(*args):
    return subprocess.run([sys.executable, LAYERS] + list(args), capture_output=True, text=True,
                          timeout=60)


def copy_tree(dst):
    for f in FOLDERS:
        shutil.copytree(os.path.join(ROOT, f), os.path.join(dst, f),
                        ignore=shutil.ignore_patterns("*.json", "*.sql", "calendars"))


def add_include(path, include):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    at = text.index("#include")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:at] + '#include "%s"\n' % include + text[at:])


def test_the_tree_stands_on_its_floors():
    p = layers("--report")
    assert p.returncode == 0, p.stderr
    assert "upward or sideways includes: 0" in p.stdout, p.stdout
    assert "include loops inside a folder: 0" in p.stdout, p.stdout
    for folder in FOLDERS:
        assert folder + "/" in p.stdout, (folder, p.stdout)


def test_an_upward_include_a_sideways_one_and_a_loop_are_named():
    with tempfile.TemporaryDirectory() as tmp:
        copy_tree(tmp)
        add_include(os.path.join(tmp, "storage", "inbox.c"), "bot/app_core.h")
        add_include(os.path.join(tmp, "text", "extract.c"), "storage/db.h")
        add_include(os.path.join(tmp, "handlers", "choice.c"), "handlers/basic.h")
        add_include(os.path.join(tmp, "handlers", "basic.c"), "handlers/choice.h")
        p = layers("--root", tmp)
        assert p.returncode == 1, (p.returncode, p.stderr)
        err = p.stderr
        assert "storage/inbox.c: includes bot/app_core.h (upward" in err, err
        assert "text/extract.c: includes storage/db.h (sideways" in err, err
        assert "include loop: handlers/basic -> handlers/choice -> handlers/basic" in err, err
        assert "4 problem(s)" not in err and "3 problem(s)" in err, err


def test_a_tree_without_the_problem_passes_again():
    with tempfile.TemporaryDirectory() as tmp:
        copy_tree(tmp)
        add_include(os.path.join(tmp, "handlers", "choice.c"), "storage/db.h")  # downward: fine
        p = layers("--root", tmp)
        assert p.returncode == 0, p.stderr


if __name__ == "__main__":
    tglib.main(globals())
