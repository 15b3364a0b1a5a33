"""Platform: login, sessions, lock-out, roles, request bounds and error bodies, audit verify."""
import time

import kt
from kt import check, is_error

USERS = [("admin1", "admin", "警視庁"), ("reg1", "registrar", "警視庁"),
         ("op1", "query_operator", "警視庁"), ("off1", "officer", "警視庁"),
         ("aud1", "auditor", "警察庁"), ("victim", "officer", "警視庁")]

s = kt.Server(extra=["--session-ttl", "3"], users=USERS)
try:
    # --- login and sessions
    st, body = s.request("POST", "/api/v1/sessions", {"user": "off1", "password": kt.PASSWORD})
    check(st == 201 and len(body["token"]) == 64, "login gives a 64-hex token")
    check(body["user"]["role"] == "officer" and body["user"]["agency"] == "警視庁", "login names role and agency")
    tok = body["token"]
    st, me = s.request("GET", "/api/v1/me", token=tok)
    check(st == 200 and me["name"] == "off1", "me with a token")
    st, b = s.request("GET", "/api/v1/me")
    check(is_error(st, b, 401, "unauthorized"), "no token: 401 with JSON error")
    st, b = s.request("GET", "/api/v1/me", token="0" * 64)
    check(is_error(st, b, 401), "unknown token: 401")
    st, b = s.request("POST", "/api/v1/sessions", {"user": "off1", "password": "wrong-password-x"})
    check(is_error(st, b, 401), "wrong password: 401")
    st, b = s.request("POST", "/api/v1/sessions", {"user": "nobody", "password": "whatever-password"})
    check(is_error(st, b, 401) and "invalid user or password" in b["error"]["message"],
          "unknown user looks like a wrong password")

    # --- sessions expire (server started with --session-ttl 3)
    time.sleep(3.5)
    st, b = s.request("GET", "/api/v1/me", token=tok)
    check(is_error(st, b, 401), "expired session: 401")
    # The rest runs with the default lifetime, so a slow machine cannot expire its tokens.
    s.stop()
    s.extra = []
    s.start()

    # --- logout ends the session at once
    tok = s.login("off1")
    st, b = s.request("DELETE", "/api/v1/sessions", token=tok)
    check(st == 200, "logout")
    st, b = s.request("GET", "/api/v1/me", token=tok)
    check(is_error(st, b, 401), "token dead after logout")

    # --- lock-out after 5 failures, even with the right password afterwards
    for i in range(4):
        st, b = s.request("POST", "/api/v1/sessions", {"user": "victim", "password": "bad-password-" + str(i)})
        check(st == 401, f"failure {i + 1} is 401")
    st, b = s.request("POST", "/api/v1/sessions", {"user": "victim", "password": "bad-password-5"})
    check(is_error(st, b, 423, "locked"), "fifth failure locks the account: 423")
    st, b = s.request("POST", "/api/v1/sessions", {"user": "victim", "password": kt.PASSWORD})
    check(is_error(st, b, 423, "locked"), "locked account refuses the right password")

    # --- roles
    admin = s.login("admin1")
    off = s.login("off1")
    aud = s.login("aud1")
    st, b = s.request("POST", "/api/v1/users", {"name": "new1", "role": "officer", "password": "a-long-password-1"}, token=admin)
    check(st == 201, "admin adds a user")
    st, b = s.request("POST", "/api/v1/users", {"name": "new2", "role": "officer", "password": "a-long-password-1"}, token=off)
    check(is_error(st, b, 403, "forbidden"), "officer may not add users")
    st, b = s.request("POST", "/api/v1/users", {"name": "new1", "role": "officer", "password": "a-long-password-1"}, token=admin)
    check(is_error(st, b, 409, "conflict"), "duplicate user: 409")
    st, b = s.request("POST", "/api/v1/users", {"name": "bad name", "role": "officer", "password": "a-long-password-1"}, token=admin)
    check(is_error(st, b, 400), "bad user name: 400")
    st, b = s.request("POST", "/api/v1/users", {"name": "x2", "role": "sheriff", "password": "a-long-password-1"}, token=admin)
    check(is_error(st, b, 400), "unknown role: 400")
    st, b = s.request("POST", "/api/v1/users", {"name": "x3", "role": "officer", "password": "short"}, token=admin)
    check(is_error(st, b, 400), "short password: 400")
    st, b = s.request("POST", "/api/v1/records/persons", {"kind": "missing"}, token=off)
    check(is_error(st, b, 403), "officer may not register records")
    st, b = s.request("POST", "/api/v1/query/person", {"name": "ヤマダ", "reason": "x"}, token=aud)
    check(is_error(st, b, 403), "auditor may not query records")
    st, b = s.request("GET", "/api/v1/audit?actor=off1", token=off)
    check(is_error(st, b, 403), "officer may not read the audit trail")

    # --- bad input: each a 4xx with a JSON error body, and the server keeps serving
    reg = s.login("reg1")
    bad = [
        ("malformed JSON", dict(raw=b'{"name": "x",'), 400, "invalid_request"),
        ("not an object", dict(raw=b'[1,2,3]'), 400, "invalid_request"),
        ("invalid UTF-8", dict(raw=b'{"name":"\xff\xfe","reason":"r"}'), 400, "invalid_request"),
        ("duplicate keys", dict(raw=b'{"name":"a","name":"b","reason":"r"}'), 400, "invalid_request"),
        ("oversized body", dict(raw=b'{"name":"' + b"a" * (1024 * 1024 + 10) + b'"}'), 413, "too_large"),
        ("unknown field", dict(body={"name": "ヤマダ", "reason": "r", "shoe_size": 28}), 400, "invalid_request"),
        ("no reason", dict(body={"name": "ヤマダ"}), 400, "invalid_request"),
        ("empty reason", dict(body={"name": "ヤマダ", "reason": ""}), 400, "invalid_request"),
        ("impossible date", dict(body={"name": "ヤマダ", "reason": "r", "birth_date": "1990-02-30"}), 422, "validation_failed"),
        ("wrong type", dict(body={"name": 42, "reason": "r"}), 400, "invalid_request"),
        ("NUL in string", dict(body={"name": "a\u0000b", "reason": "r"}), 400, "invalid_request"),
    ]
    for what, kw, want, code in bad:
        st, b = s.request("POST", "/api/v1/query/person", token=reg, **kw)
        check(is_error(st, b, want, code), f"{what}: {want} {code} (got {st} {b if isinstance(b, str) else b.get('error')})")
    st, b = s.request("POST", "/api/v1/query/person", raw=b'{"name":"x","reason":"r"}', token=reg,
                      headers={"Content-Type": "text/plain"})
    check(is_error(st, b, 415), "wrong content type: 415")
    st, b = s.request("GET", "/api/v1/nothing-here", token=reg)
    check(is_error(st, b, 404, "not_found"), "unknown endpoint: 404 JSON")
    st, b = s.request("DELETE", "/api/v1/query/person", token=reg)
    check(is_error(st, b, 405), "wrong method: 405 JSON")
    st, b = s.request("GET", "/api/v1/health")
    check(st == 200 and b["status"] == "ok", "server still serving after bad input")

    # --- audit: logins and failures are on the trail, and the chain verifies
    st, b = s.request("GET", "/api/v1/audit?actor=victim", token=aud)
    actions = [e["action"] for e in b["entries"]]
    check(st == 200 and "login.failed" in actions and "login.locked" in actions, "failed logins audited")
    check(all("password" not in str(e) or "bad-password" not in str(e) for e in b["entries"]),
          "passwords never in the audit trail")
    st, b = s.request("GET", "/api/v1/audit/verify", token=aud)
    check(st == 200 and b["ok"] is True and b["entries"] > 10, "audit chain verifies over HTTP")
    st, b = s.request("GET", "/api/v1/audit", token=aud)
    check(is_error(st, b, 400), "audit list needs record= or actor=")
finally:
    s.close()
kt.done()
