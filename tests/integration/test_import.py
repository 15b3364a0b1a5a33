"""keitsu records import: all or nothing, a bad line named by its number; demo mode."""
import json
import os
import tempfile

import kt
from kt import check

s = kt.Server(users=[("reg", "registrar", "警視庁"), ("off", "officer", "警視庁")])
try:
    s.stop()  # import works on the store directly; the server would pick it up within a second
    lines = [
        {"type": "person", "kind": "missing", "name_kana": "スズキ イチロウ", "name_romaji": "SUZUKI ICHIRO",
         "name_kanji": "鈴木 一郎", "missing": {"missing_since": "2026-10-01"}},
        {"type": "vehicle", "kind": "stolen", "plate": "練馬 500 あ 1", "make": "日産"},
        {"type": "firearm", "kind": "lost", "serial": "SKB-77-1234"},
    ]
    path = os.path.join(s.dir, "load.jsonl")

    def write(rows, extra=None):
        with open(path, "w") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            if extra:
                f.write(extra)

    write(lines + [dict(lines[0], birth_date="2001-02-29")])
    r = s.cli("records", "import", path, "--data", s.dir, "--user", "reg", *s.db_args, stdin=kt.PASSWORD + "\n")
    check(r.returncode != 0 and "line 4" in r.stderr and "birth_date" in r.stderr, f"bad line 4 named ({r.stderr})")
    check(s.sql("SELECT COUNT(*) FROM records") == "0", "nothing loaded from a file with a bad line")
    write(lines, extra="{not json\n")
    r = s.cli("records", "import", path, "--data", s.dir, "--user", "reg", *s.db_args, stdin=kt.PASSWORD + "\n")
    check(r.returncode != 0 and "line 4" in r.stderr, "malformed JSON line named")
    check(s.sql("SELECT COUNT(*) FROM records") == "0", "still nothing loaded")
    write(lines)
    r = s.cli("records", "import", path, "--data", s.dir, "--user", "off", *s.db_args, stdin=kt.PASSWORD + "\n")
    check(r.returncode != 0 and "may not" in r.stderr, "an officer may not import")
    r = s.cli("records", "import", path, "--data", s.dir, "--user", "reg", *s.db_args, stdin="wrong-password\n")
    check(r.returncode != 0, "wrong password: refused")
    r = s.cli("records", "import", path, "--data", s.dir, "--user", "reg", *s.db_args, stdin=kt.PASSWORD + "\n")
    check(r.returncode == 0 and "imported 3" in r.stdout, f"good file imported ({r.stdout}{r.stderr})")
    check(s.sql("SELECT COUNT(*) FROM records") == "3", "three records stored")
    s.start()
    tok = s.login("off")
    st, b = s.request("POST", "/api/v1/query/person", {"name": "すずき いちろう", "reason": "r"}, token=tok)
    check(st == 200 and b["hit"], "imported person answers queries")
    st, b = s.request("POST", "/api/v1/query/vehicle", {"plate": "練馬500あ・・・1", "reason": "r"}, token=tok)
    check(st == 200 and b["hit"], "imported plate answers with dots for blank digits")
    # an import while the server runs reaches its indexes within a second or so
    write([{"type": "person", "kind": "missing", "name_kana": "ハヤシ サクラ", "name_romaji": "HAYASHI SAKURA",
            "missing": {"missing_since": "2026-11-01"}}])
    r = s.cli("records", "import", path, "--data", s.dir, "--user", "reg", *s.db_args, stdin=kt.PASSWORD + "\n")
    check(r.returncode == 0, f"import beside a running server ({r.stderr})")
    import time
    found = False
    for _ in range(50):
        st, b = s.request("POST", "/api/v1/query/person", {"name": "はやし さくら", "reason": "r"}, token=tok)
        if st == 200 and b["hit"]:
            found = True
            break
        time.sleep(0.2)
    check(found, "the running server answers for records imported beside it")
    r = s.cli("user", "add", "--data", s.dir, "bad user", "--role", "officer", *s.db_args, stdin=kt.PASSWORD + "\n")
    check(r.returncode != 0, "user add refuses a bad name")
    r = s.cli("audit", "verify", "--data", s.dir, *s.db_args)
    check(r.returncode == 0, "audit verifies after imports")
finally:
    s.close()

# --- demo mode: generated dataset, demo users printed, queries answer
d = kt.Server(extra=["--demo", "--demo-persons", "3000", "--demo-vehicles", "3000"])
try:
    out = "".join(d.output)
    check("officer" in out and "demo-credentials" in out, "demo prints how to log in")
    creds = {}
    with open(os.path.join(d.dir, "demo-credentials")) as f:
        for line in f:
            name, pw, role, agency = line.split()[:4]
            creds[name] = pw
    tok = d.login("officer", creds["officer"])
    n = d.sql("SELECT COUNT(*) FROM records WHERE type = 'person'")
    check(n == "3000", f"3000 demo persons stored ({n})")
    row = d.sql("SELECT data FROM records WHERE id = 'P-00000042'")
    person = json.loads(row)
    st, b = d.request("POST", "/api/v1/query/person", {"name": person["name_kana"], "reason": "demo"}, token=tok)
    check(st == 200 and "P-00000042" in [c["id"] for c in b["candidates"]] or
          d.sql("SELECT status FROM records WHERE id = 'P-00000042'") != "active",
          "a demo person is found by kana")
finally:
    d.close()
kt.done()
