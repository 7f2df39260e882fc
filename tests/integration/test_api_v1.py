"""The HTTP API /api/v1 for other systems (issue 15 §4), against the real binary: bearer tokens
made by `tipgate token create` (stored as their SHA-256 only, never in the logs), 401 without a
token or with an unknown or revoked one, 403 with a stable code for a scope the token lacks,
pages that list every tip once, 400 for parameters that cannot be read, 429 with Retry-After
past the token's requests per minute; and the conformance check: /api/v1/openapi.json is read,
every documented path and method is called for each documented answer, and each answer's body
is checked against the documented schema by a small JSON-schema checker written here.

    python3 tests/integration/test_api_v1.py --binary build/asan/tipgate [test_name ...]
"""
import datetime
import hashlib
import http.client
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exportlib  # noqa: E402
import tglib  # noqa: E402
from exportlib import CONTACT_PHONE, TIPSTER_NAME, TIPSTER_PHONE, TIPSTER_USER  # noqa: E402

ALL = "read:tips,read:campaigns,read:deadlines"
ENV = None
LIMITED = None


def env():
    """One tipgate for the file: 60 tips in 2025, 3 in 2024, feedback and group leads, two
    campaigns, tokens made before it starts."""
    global ENV
    if ENV is None:
        ENV = exportlib.Env({"api": {"rate_limit_per_minute": 100000}})
        ENV.codes = ENV.fill(40, 2025) + ENV.fill(20, 2025, contact=True)
        ENV.old = ENV.fill(3, 2024)
        ENV.fill(2, 2025, kind="feedback")
        ENV.fill(2, 2025, kind="group_lead")
        for code in ("C1", "C2", "C3"):
            ENV.cli("campaign", "create", "--code", code, "--text", "Cảnh giác lừa đảo " + code,
                    "--title", "Tuyên truyền " + code)
        ENV.all = ENV.token("all", ALL)
        ENV.tips_only = ENV.token("tips", "read:tips")
        ENV.campaigns_only = ENV.token("campaigns", " read:campaigns ")
        ENV.tg.start()
    return ENV


def limited():
    """A second tipgate allowing 2 requests a minute per token."""
    global LIMITED
    if LIMITED is None:
        LIMITED = exportlib.Env({"api": {"rate_limit_per_minute": 2}})
        LIMITED.codes = LIMITED.fill(2, 2025)
        LIMITED.tg.start()
    return LIMITED


def call(e, path, token=None, method="GET"):
    """(status, headers, parsed JSON body) of a request to /api/v1 + path."""
    con = http.client.HTTPConnection("127.0.0.1", e.tg.port, timeout=30)
    headers = {"Authorization": "Bearer " + token} if token else {}
    con.request(method, "/api/v1" + path, headers=headers)
    r = con.getresponse()
    raw = r.read()
    con.close()
    assert r.getheader("Content-Type", "").startswith("application/json"), r.getheaders()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(raw)


def error_code(body):
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"], body
    return body["error"]["code"]


# ---- a JSON-schema checker for the keywords the document uses ------------------------------

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def is_type(v, t):
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, TYPES[t])


KNOWN = {"type", "properties", "required", "items", "enum", "$ref", "additionalProperties",
         "pattern", "format", "description", "minimum", "maximum", "default", "example"}


def check(doc, schema, v, where="$"):
    """Raises AssertionError naming where v breaks schema."""
    assert not set(schema) - KNOWN, "checker lacks %s" % (set(schema) - KNOWN)
    if "$ref" in schema:
        node = doc
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        return check(doc, node, v, where)
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        assert any(is_type(v, t) for t in types), "%s: %r is not %s" % (where, v, types)
    if "enum" in schema:
        assert v in schema["enum"], "%s: %r not in %s" % (where, v, schema["enum"])
    if isinstance(v, str) and "pattern" in schema:
        assert re.search(schema["pattern"], v), "%s: %r !~ %s" % (where, v, schema["pattern"])
    if isinstance(v, str) and schema.get("format") == "date-time":
        datetime.datetime.fromisoformat(v)
        assert v[-6] in "+-", "%s: %r has no offset" % (where, v)
    if isinstance(v, str) and schema.get("format") == "date":
        datetime.date.fromisoformat(v)
    if is_type(v, "number"):
        assert v >= schema.get("minimum", v) and v <= schema.get("maximum", v), where
    if isinstance(v, dict):
        for k in schema.get("required", []):
            assert k in v, "%s: %s missing" % (where, k)
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert not set(v) - set(props), "%s: undocumented %s" % (where, set(v) - set(props))
        for k, sub in props.items():
            if k in v:
                check(doc, sub, v[k], where + "." + k)
    if isinstance(v, list) and "items" in schema:
        for i, item in enumerate(v):
            check(doc, schema["items"], item, "%s[%d]" % (where, i))


def resolve(doc, node):
    while "$ref" in node:
        target = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


# ---- tests -----------------------------------------------------------------------------------

def test_tokens_are_stored_hashed_and_never_logged():
    e = env()
    assert re.fullmatch(r"tg1_[0-9a-f]{64}", e.all), e.all
    with e.tg.db() as con:
        rows = con.execute("SELECT name, token_hash, scopes FROM api_tokens ORDER BY id").fetchall()
    assert [tuple(r) for r in rows][0] == (
        "all", hashlib.sha256(e.all.encode()).hexdigest(),
        ",read:tips,read:campaigns,read:deadlines,")
    assert rows[2]["scopes"] == ",read:campaigns,"
    status, _, _ = call(e, "/tips", e.all)
    assert status == 200
    files = [os.path.join(e.tg.dir, f) for f in os.listdir(e.tg.dir)]
    for f in files:
        if os.path.isfile(f):
            data = open(f, "rb").read()
            for t in (e.all, e.tips_only, e.campaigns_only):
                assert t.encode() not in data and t[4:].encode() not in data, f
    listing = e.cli("token", "list").decode()
    assert "all" in listing and "read:campaigns" in listing and e.all not in listing
    p = e.run("token", "create", "--name", "all", "--scope", "read:tips")
    assert p.returncode == 2 and b"exists" in p.stderr
    p = e.run("token", "create", "--name", "x", "--scope", "write:tips")
    assert p.returncode == 2 and p.stdout == b"" and b"write:tips" in p.stderr


def test_no_unknown_or_revoked_token_is_401():
    e = env()
    status, hdrs, body = call(e, "/tips")
    assert status == 401 and error_code(body) == "unauthorized", body
    assert hdrs["www-authenticate"].startswith("Bearer")
    status, _, body = call(e, "/tips", "tg1_" + "0" * 64)
    assert status == 401 and error_code(body) == "invalid_token"
    status, _, body = call(e, "/tips", e.all[:-1])
    assert status == 401 and error_code(body) == "invalid_token"
    doomed = e.token("doomed", "read:tips")
    assert call(e, "/tips", doomed)[0] == 200
    e.cli("token", "revoke", "--name", "doomed")
    status, _, body = call(e, "/tips", doomed)
    assert status == 401 and error_code(body) == "invalid_token", body
    p = e.run("token", "revoke", "--name", "doomed")
    assert p.returncode == 2
    # the name may be given again; the revoked token stays refused
    again = e.token("doomed", "read:tips")
    assert call(e, "/tips", again)[0] == 200 and call(e, "/tips", doomed)[0] == 401


def test_scopes_are_403_with_a_stable_code():
    e = env()
    for path in ("/campaigns", "/deadlines"):
        status, _, body = call(e, path, e.tips_only)
        assert status == 403 and error_code(body) == "insufficient_scope", (path, body)
    for path in ("/tips", "/tips/" + e.codes[0]):
        status, _, body = call(e, path, e.campaigns_only)
        assert status == 403 and error_code(body) == "insufficient_scope", (path, body)
    assert call(e, "/campaigns", e.campaigns_only)[0] == 200
    assert call(e, "/tips", e.tips_only)[0] == 200


def test_pages_list_every_tip_once_without_identity():
    e = env()
    seen, cursor, pages = [], None, 0
    while True:
        q = {"period": "2025", "limit": "7"}
        if cursor:
            q["cursor"] = cursor
        status, _, body = call(e, "/tips?" + urllib.parse.urlencode(q), e.all)
        assert status == 200, body
        assert len(body["tips"]) <= 7
        seen += [t["code"] for t in body["tips"]]
        pages += 1
        text = json.dumps(body, ensure_ascii=False)
        for secret in (TIPSTER_PHONE, TIPSTER_NAME, TIPSTER_USER, CONTACT_PHONE, "telegram"):
            assert secret not in text, secret
        cursor = body["next"]
        if not cursor:
            break
    assert pages == 9 and len(seen) == 60 and len(set(seen)) == 60
    assert set(seen) == {exportlib.shown(c) for c in e.codes}
    assert seen == sorted(seen, key=lambda c: [exportlib.shown(x) for x in e.codes[::-1]]
                          .index(c)), "newest first"
    # no period: every tip, the 2024 ones too; filters
    every = walk(e, {"limit": "50"})
    assert sorted(every) == sorted(exportlib.shown(c) for c in e.codes + e.old)
    _, _, body = call(e, "/tips?period=2025&area=thondong&status=new,received&limit=50", e.all)
    assert body["tips"] and all(t["area"] == "THONDONG" and t["status"] in ("new", "received")
                                for t in body["tips"])
    status, _, body = call(e, "/tips/" + e.codes[5].lower(), e.all)
    assert status == 200 and body["code"] == exportlib.shown(e.codes[5])
    lead = e.code()  # a group lead filed now (retention drops old ones): not a tip
    with e.tg.db() as con:
        now = int(datetime.datetime.now().timestamp() * 1000)
        con.execute("INSERT INTO tips (code, kind, description, folded, created_at, updated_at)"
                    " VALUES (?, 'group_lead', 'x', 'x', ?, ?)", (lead, now, now))
    status, _, body = call(e, "/tips/" + lead, e.all)
    assert status == 404 and error_code(body) == "not_found"


def walk(e, q):
    """The codes of every page of /tips?q, in order."""
    codes, cursor = [], None
    while True:
        status, _, body = call(e, "/tips?" + urllib.parse.urlencode(
            dict(q, **({"cursor": cursor} if cursor else {}))), e.all)
        assert status == 200, body
        codes += [t["code"] for t in body["tips"]]
        cursor = body["next"]
        if not cursor:
            return codes


def test_bad_parameters_are_400():
    e = env()
    for q, code in (("period=2025-Q5", "bad_period"), ("period=", "bad_period"),
                    ("area=NOWHERE", "bad_area"), ("status=open", "bad_status"),
                    ("status=new,nope", "bad_status"), ("limit=0", "bad_limit"),
                    ("limit=51", "bad_limit"), ("limit=abc", "bad_limit"),
                    ("cursor=zz", "bad_cursor"), ("cursor=c", "bad_cursor")):
        status, _, body = call(e, "/tips?" + q, e.all)
        assert status == 400 and error_code(body) == code, (q, status, body)
    status, _, body = call(e, "/campaigns?limit=-1", e.all)
    assert status == 400 and error_code(body) == "bad_limit"
    status, _, body = call(e, "/deadlines?period=all", e.all)
    assert status == 400 and error_code(body) == "bad_period"
    status, _, body = call(e, "/nothing", e.all)
    assert status == 404 and error_code(body) == "not_found"
    status, hdrs, body = call(e, "/tips", e.all, method="POST")
    assert status == 405 and error_code(body) == "method_not_allowed" and hdrs["allow"] == "GET"


def test_campaign_pages():
    e = env()
    seen, cursor = [], None
    while True:
        status, _, page = call(e, "/campaigns?limit=2" + ("&cursor=" + cursor if cursor else ""),
                               e.all)
        assert status == 200 and len(page["campaigns"]) <= 2, page
        seen += page["campaigns"]
        cursor = page["next"]
        if not cursor:
            break
    codes = [c["code"] for c in seen]
    assert len(codes) == len(set(codes)), codes  # the awareness calendar's, and ours, once
    with e.tg.db() as con:
        assert len(codes) == con.execute("SELECT count(*) FROM campaigns").fetchone()[0]
    mine = [c for c in seen if c["code"] in ("C1", "C2", "C3")]
    assert [c["code"] for c in mine] == ["C3", "C2", "C1"], codes  # newest first
    assert mine[0]["status"] == "draft" and mine[0]["title"] == "Tuyên truyền C3", mine[0]


def test_rate_limit_is_429_with_retry_after():
    e = limited()
    t = e.token("busy", "read:tips")
    other = e.token("calm", "read:tips")
    assert call(e, "/tips", t)[0] == 200
    assert call(e, "/tips", t)[0] == 200
    status, hdrs, body = call(e, "/tips", t)
    assert status == 429 and error_code(body) == "rate_limited", body
    assert 1 <= int(hdrs["retry-after"]) <= 60, hdrs
    assert call(e, "/tips", other)[0] == 200  # per token


def test_openapi_document_matches_the_implementation():
    e, lim = env(), limited()
    con = http.client.HTTPConnection("127.0.0.1", e.tg.port, timeout=30)
    con.request("GET", "/api/v1/openapi.json")  # no token
    r = con.getresponse()
    assert r.status == 200, r.status
    doc = json.loads(r.read())
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    called = 0
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert method == "get", (path, method)
            concrete = path.replace("{code}", e.codes[3])
            params = [resolve(doc, p) for p in op.get("parameters", [])]
            names = {p["name"] for p in params}
            for status_text, resp in op["responses"].items():
                status = int(status_text)
                resp = resolve(doc, resp)
                schema = resp["content"]["application/json"]["schema"]
                env_, url, token = e, concrete, e.all
                if path == "/openapi.json":
                    token = None
                elif status == 401:
                    token = None
                elif status == 403:
                    token = e.token("nothing-%d" % called, "read:reports")
                elif status == 400:
                    url += "?limit=0" if "limit" in names else "?period=2025-Q9"
                elif status == 404:
                    url = path.replace("{code}", "2222-2222")
                elif status == 429:
                    env_ = lim
                    url = path.replace("{code}", lim.codes[0])
                    token = lim.token("burst-%d" % called, ALL)
                    call(env_, url, token), call(env_, url, token)
                got, hdrs, body = call(env_, url, token)
                assert got == status, (path, status, got, body)
                check(doc, schema, body, "%s %d" % (path, status))
                if status == 429:
                    assert int(hdrs["retry-after"]) >= 1
                if status >= 400:
                    assert body["error"]["code"] in resolve(doc, {"$ref": "#/components/schemas/"
                                                                  "Error"})["properties"][
                        "error"]["properties"]["code"]["enum"]
                called += 1
    assert called >= 20, called
    # the checker checks: a tip without its code, a wrong type, an undocumented field
    tip = call(e, "/tips/" + e.codes[0], e.all)[2]
    for broken in ({k: v for k, v in tip.items() if k != "code"}, dict(tip, urgent="yes"),
                   dict(tip, chat_id="1")):
        try:
            check(doc, {"$ref": "#/components/schemas/Tip"}, broken)
        except AssertionError:
            continue
        raise AssertionError("the checker let %r through" % broken)


def test_zz_clean_exit():
    for e in (ENV, LIMITED):
        if e:
            e.tg.assert_clean_exit()


if __name__ == "__main__":
    tglib.main(globals())
