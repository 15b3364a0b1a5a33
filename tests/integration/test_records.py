"""Query centre: register, query in every script and typing, lifecycle, need-to-know, hit
confirmation, the audit of every query, and nothing written on bad input."""
from concurrent.futures import ThreadPoolExecutor

import kt
from kt import check, is_error

USERS = [("reg", "registrar", "警視庁"), ("reg_osaka", "registrar", "大阪府警察"),
         ("op", "query_operator", "警視庁"), ("off", "officer", "大阪府警察"),
         ("aud", "auditor", "警察庁")]

YAMADA = {
    "kind": "wanted", "name_kanji": "山田 太郎", "name_kana": "ヤマダ タロウ", "name_romaji": "YAMADA TARO",
    "aliases": [{"name_kanji": "山本 次郎", "name_kana": "ヤマモト ジロウ", "name_romaji": "YAMAMOTO JIRO"}],
    "birth_date": "1980-04-01", "sex": "M", "cautions": ["armed", "violent"],
    "description": "身長175cm位、やせ型",
    "wanted": {"warrant_no": "R8-警視-00123", "offence": "強盗", "warrant_expires": "2030-01-01"},
}
SATO = {
    "kind": "missing", "name_kanji": "佐藤 優子", "name_kana": "サトウ ユウコ", "name_romaji": "SATO YUKO",
    "birth_date": "1941-09-15", "sex": "F",
    "missing": {"missing_since": "2026-11-01", "circumstances": "認知症の疑い、徒歩で外出", "vulnerable": True},
}
SHIN = {
    "kind": "wanted", "name_kanji": "髙橋 翔太", "name_kana": "タカハシ ショウタ", "name_romaji": "TAKAHASHI SHOTA",
    "birth_date": "1995-12-24", "sex": "M",
    "wanted": {"warrant_no": "R8-警視-00124", "offence": "詐欺", "warrant_expires": "2030-01-01"},
}
MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")

s = kt.Server(users=USERS)
try:
    reg, reg_osaka, op, off, aud = (s.login(u[0]) for u in USERS)

    def q(kind, token=None, **body):
        body.setdefault("reason", "R8-110-000123")
        return s.request("POST", "/api/v1/query/" + kind, body, token=token or op)

    def top(kind, **body):
        st, b = q(kind, **body)
        assert st == 200, (st, b)
        return b

    # --- register one of each
    st, b = s.request("POST", "/api/v1/records/persons", YAMADA, token=reg)
    check(st == 201 and b["id"].startswith("P-"), "register wanted person")
    yamada = b["id"]
    sato = s.request("POST", "/api/v1/records/persons", SATO, token=reg)[1]["id"]
    shin = s.request("POST", "/api/v1/records/persons", SHIN, token=reg)[1]["id"]
    st, b = s.request("POST", "/api/v1/records/vehicles", {
        "kind": "stolen", "plate": "品川 300 さ 12-34", "vin": "ZVW30-1234567", "make": "トヨタ",
        "model": "プリウス", "colour": "白", "year": 2015, "stolen_on": "2026-11-20"}, token=reg)
    check(st == 201 and b["id"].startswith("V-"), "register stolen vehicle")
    car = b["id"]
    st, b = s.request("POST", "/api/v1/records/firearms", {
        "kind": "stolen", "make": "ミロク", "model": "MSS-20", "serial": "MK-20-0451", "calibre": "12番"}, token=reg)
    check(st == 201, "register stolen firearm")
    gun = b["id"]
    st, b = s.request("POST", "/api/v1/records/documents", {"kind": "stolen", "mrz": MRZ}, token=reg)
    check(st == 201, "register stolen passport from its MRZ")
    doc = b["id"]

    # --- persons: every script and typing finds the same record
    variants = ["山田 太郎", "山田太郎", "やまだ たろう", "ヤマダタロウ", "ﾔﾏﾀﾞ ﾀﾛｳ", "YAMADA TARO",
                "Yamada Taro", "taro yamada", "yamada tarou", "yamada taroh", "YAMADA TARŌ",
                "タロウ ヤマダ", "山田 タロウ", "ヤマモト ジロウ", "yamamoto jirou"]
    for v in variants:
        b = top("person", name=v)
        ids = [c["id"] for c in b["candidates"]]
        check(b["hit"] and ids and ids[0] == yamada, f"person query {v!r} hits {yamada} first (got {ids[:3]})")
    b = top("person", name="山田 太郎")
    c = b["candidates"][0]
    check(c["score"] == 1.0 and c["cautions"] == ["armed", "violent"] and c["agency"] == "警視庁"
          and c["kind"] == "wanted" and c["wanted"]["offence"] == "強盗" and c["age_days"] == 0
          and c["birth_date_wareki"] == "昭和55年4月1日",
          "a hit carries score, cautions, agency, age and warrant")
    check(isinstance(b["query_id"], int) and b["query_id"] > 0, "answer names its audited query id")
    b = top("person", name="sato yuuko")
    check(b["hit"] and b["candidates"][0]["id"] == sato, "long vowel uu finds 佐藤 優子")
    b = top("person", name="satou yuko")
    check(b["hit"] and b["candidates"][0]["id"] == sato, "long vowel ou finds 佐藤 優子")
    b = top("person", name="高橋 翔太")
    check(b["hit"] and b["candidates"][0]["id"] == shin, "itaiji: 高橋 finds 髙橋")
    b = top("person", name="takahasi syouta")
    check(b["hit"] and b["candidates"][0]["id"] == shin, "Kunrei romaji finds TAKAHASHI SHOTA")
    b = top("person", name="山田 太郎", birth_date="1980-04-01", sex="M")
    check(b["hit"] and b["candidates"][0]["id"] == yamada, "narrowed by the right birth date and sex")
    b = top("person", name="山田 太郎", birth_date="1981-04-01")
    check(not b["hit"] and yamada not in [c["id"] for c in b["candidates"]], "a wrong birth date narrows him out")
    b = top("person", name="山田 太郎", sex="F")
    check(yamada not in [c["id"] for c in b["candidates"]], "a wrong sex narrows him out")
    b = top("person", name="鈴木 一郎")
    check(not b["hit"], "an unregistered name is no hit")

    # --- vehicles: plates however typed, VIN
    for p in ["品川 300 さ 12-34", "品川300さ1234", "品川 300 さ 1234", "品川３００さ１２－３４", "品川300さ12-34"]:
        b = top("vehicle", plate=p)
        check(b["hit"] and b["candidates"][0]["id"] == car, f"plate {p!r} hits")
    b = top("vehicle", plate="さ 12-34")
    check(not b["hit"] and car in [c["id"] for c in b["candidates"]], "partial plate lists the car as a candidate")
    b = top("vehicle", plate="品川 300 さ 12-35")
    check(not b["hit"] and b["candidates"] == [], "another serial is no hit")
    b = top("vehicle", vin="zvw30 1234567")
    check(b["hit"] and b["candidates"][0]["id"] == car, "VIN however typed hits")
    st, b = q("vehicle", plate="品川 300 さ 12-34", vin="ZVW30-1234567")
    check(is_error(st, b, 400), "plate and vin together: 400")
    st, b = q("vehicle", plate="XX 300 さ 12-34")
    check(is_error(st, b, 422), "unknown plate region: 422")

    # --- firearms and documents
    b = top("firearm", serial="mk200451")
    check(b["hit"] and b["candidates"][0]["id"] == gun, "firearm serial without hyphens hits")
    b = top("document", number="L898902C3", country="UTO")
    check(b["hit"] and b["candidates"][0]["id"] == doc, "document number hits")
    b = top("document", mrz=MRZ)
    check(b["hit"] and b["candidates"][0]["id"] == doc, "full MRZ hits")
    st, b = q("document", mrz=MRZ.replace("7408122F", "7408123F"))
    check(is_error(st, b, 422, "validation_failed") and "check digit" in b["error"]["message"],
          "MRZ with a wrong check digit: 422 naming the check digit")

    # --- registration bad input writes nothing
    before = s.sql("SELECT COUNT(*) FROM records")
    audit_before = s.sql("SELECT COUNT(*) FROM audit")
    bad = [
        ("persons", dict(YAMADA, name_romaji="SUZUKI ICHIRO"), 422, "kana and romaji disagree"),
        ("persons", dict(YAMADA, birth_date="2099-01-01"), 422, "birth date in the future"),
        ("persons", dict(YAMADA, birth_date="1980-13-01"), 422, "impossible month"),
        ("persons", dict(YAMADA, kind="fugitive"), 400, "unknown kind"),
        ("persons", dict(YAMADA, cautions=["grumpy"]), 400, "unknown caution"),
        ("persons", dict(YAMADA, wanted=None), 400, "wanted without warrant"),
        ("persons", dict(YAMADA, agency="大阪府警察"), 403, "another agency's record"),
        ("persons", dict(YAMADA, hair="black"), 400, "unknown field"),
        ("persons", dict(SATO, name_kana="サトウ 1", name_romaji=None), 422, "digit in a kana name"),
        ("persons", dict(SATO, aliases=[{"name_kana": "ユウコ@"}]), 422, "symbol in an alias"),
        ("vehicles", {"kind": "stolen", "plate": "品川 300 さ 12-34"}, 409, "duplicate active plate"),
        ("vehicles", {"kind": "stolen", "plate": "品川 300 さ 0"}, 422, "serial 0"),
        ("vehicles", {"kind": "stolen"}, 400, "no plate or vin"),
        ("documents", {"kind": "lost", "mrz": MRZ.replace("<<<<<10", "<<<<<11")}, 422, "bad composite check digit"),
        ("documents", {"kind": "lost", "number": "TK1234567", "country": "jp"}, 400, "bad country"),
        ("firearms", {"kind": "stolen"}, 400, "no serial"),
    ]
    for path, body, want, what in bad:
        st, b = s.request("POST", "/api/v1/records/" + path, body, token=reg)
        check(is_error(st, b, want), f"register {what}: {want} (got {st} {b})")
    check(s.sql("SELECT COUNT(*) FROM records") == before, "no record written by bad input")
    check(s.sql("SELECT COUNT(*) FROM audit") == audit_before, "no audit entry for refused writes")

    # --- every query is audited with who, why and what it returned
    st, b = s.request("GET", "/api/v1/audit?record=" + yamada, token=aud)
    entries = b["entries"]
    queries = [e for e in entries if e["action"] == "query.person"]
    check(st == 200 and len(queries) >= len(variants), "every query that returned him is listed")
    e = queries[0]
    check(e["actor"] == "op" and e["role"] == "query_operator" and e["reason"] == "R8-110-000123"
          and e["detail"]["query"]["name"] and yamada in e["detail"]["candidates"],
          "audit names who, why, what was asked and what came back")
    misses = s.sql("SELECT COUNT(*) FROM audit WHERE action = 'query.person' AND detail LIKE '%\"hit\":false%'")
    check(int(misses) >= 3, "no-hit queries are audited too")

    # --- update, with a version guard
    st, b = s.request("GET", f"/api/v1/records/{yamada}?reason=R8-110-000123", token=reg)
    check(st == 200 and b["version"] == 1 and b["data"]["name_kanji"] == "山田 太郎", "read a record with a reason")
    st, b = s.request("GET", f"/api/v1/records/{yamada}", token=reg)
    check(is_error(st, b, 400), "reading a record needs a reason")
    st, b = s.request("PATCH", f"/api/v1/records/{yamada}", {"description": "右頬に傷", "version": 1}, token=reg)
    check(st == 200 and b["version"] == 2, "update with the right version")
    st, b = s.request("PATCH", f"/api/v1/records/{yamada}", {"description": "x", "version": 1}, token=reg)
    check(is_error(st, b, 409), "stale version: 409")
    st, b = s.request("PATCH", f"/api/v1/records/{yamada}", {"birth_date": "1980-02-31"}, token=reg)
    check(is_error(st, b, 422), "update to an impossible date: 422")
    b = top("person", name="山田 太郎")
    check(b["candidates"][0]["description"] == "右頬に傷", "the update shows in answers at once")
    st, b = s.request("PATCH", f"/api/v1/records/{yamada}", {"description": "y"}, token=reg_osaka)
    check(is_error(st, b, 403), "another agency may not update it")

    # --- hit confirmation: request, then the owning agency answers
    qid = top("person", name="山田 太郎")["query_id"]
    st, b = s.request("POST", f"/api/v1/records/{yamada}/hit-requests",
                      {"reason": "R8-110-000123", "query_id": qid, "note": "職務質問中"}, token=op)
    check(st == 201 and b["status"] == "pending" and b["owning_agency"] == "警視庁", "hit confirmation requested")
    hid = b["id"]
    st, b = s.request("POST", f"/api/v1/records/{yamada}/hit-requests", {"reason": "x"}, token=aud)
    check(is_error(st, b, 403), "auditor may not request hit confirmation")
    st, b = s.request("GET", "/api/v1/hit-requests?status=pending", token=reg)
    check(st == 200 and any(r["id"] == hid for r in b["requests"]), "owning agency sees the pending request")
    st, b = s.request("POST", f"/api/v1/hit-requests/{hid}/respond", {"decision": "confirmed"}, token=reg_osaka)
    check(is_error(st, b, 403), "another agency may not answer")
    st, b = s.request("POST", f"/api/v1/hit-requests/{hid}/respond", {"decision": "maybe"}, token=reg)
    check(is_error(st, b, 400), "decision must be confirmed or denied")
    st, b = s.request("POST", f"/api/v1/hit-requests/{hid}/respond", {"decision": "confirmed", "note": "手配継続中"}, token=reg)
    check(st == 200 and b["status"] == "confirmed", "owning agency confirms")
    st, b = s.request("POST", f"/api/v1/hit-requests/{hid}/respond", {"decision": "denied"}, token=reg)
    check(is_error(st, b, 409), "answered twice: 409")
    st, b = s.request("GET", f"/api/v1/records/{yamada}?reason=check", token=reg)
    actions = [h["action"] for h in b["history"]]
    check(actions == ["register", "update", "hit_request", "hit_confirmed"], f"history records every step ({actions})")

    # --- clear: no longer a hit, history kept, need-to-know on who may clear
    st, b = s.request("POST", f"/api/v1/records/{yamada}/clear", {"reason": "arrested"}, token=reg_osaka)
    check(is_error(st, b, 403), "another agency may not clear it")
    st, b = s.request("POST", f"/api/v1/records/{yamada}/clear", {"reason": "because"}, token=reg)
    check(is_error(st, b, 400), "clear needs a known reason")
    st, b = s.request("POST", f"/api/v1/records/{yamada}/clear", {"reason": "arrested", "note": "通常逮捕"}, token=reg)
    check(st == 200 and b["status"] == "cleared", "clear on arrest")
    b = top("person", name="山田 太郎")
    check(yamada not in [c["id"] for c in b["candidates"]], "a cleared record is no longer returned")
    st, b = s.request("POST", f"/api/v1/records/{yamada}/clear", {"reason": "arrested"}, token=reg)
    check(is_error(st, b, 409), "clearing twice: 409")
    check(s.sql(f"SELECT status FROM records WHERE id = '{yamada}'") == "cleared", "the record is kept, marked cleared")
    st, b = s.request("POST", f"/api/v1/records/{car}/expire", {"note": "期間満了"}, token=reg)
    check(st == 200 and b["status"] == "expired", "expire a record")
    b = top("vehicle", plate="品川 300 さ 12-34")
    check(not b["hit"], "an expired record is no hit")
    st, b = s.request("POST", "/api/v1/records/vehicles", {"kind": "stolen", "plate": "品川 300 さ 12-34"}, token=reg)
    check(st == 201, "the plate may be registered again once the old record expired")

    # --- officers can query across agencies; the CLI client works against the server
    st, b = q("person", token=off, name="さとう ゆうこ")
    check(st == 200 and b["hit"], "an officer of another prefecture queries")
    r = s.cli("query", "person", "サトウ ユウコ", "--reason", "R8-110-9", "--server", s.url, "--user", "op",
              stdin=kt.PASSWORD + "\n")
    check(r.returncode == 0 and "ヒット" in r.stdout and sato in r.stdout, f"CLI query prints a hit ({r.stdout}{r.stderr})")
    r = s.cli("query", "person", "サトウ ユウコ", "--server", s.url, "--user", "op", stdin=kt.PASSWORD + "\n")
    check(r.returncode != 0 and "reason" in r.stderr, "CLI query without reason fails clearly")

    # --- many queries at once (more than the server's threads): each answer waits for its own
    # audit entry, set aside without holding a thread, and names it
    with ThreadPoolExecutor(max_workers=24) as pool:
        res = list(pool.map(lambda i: q("person", name="やまだ たろう", reason=f"R8-110-{i:06d}"),
                            range(96)))
    qids = [b["query_id"] for st, b in res if st == 200]
    check(len(qids) == 96 and len(set(qids)) == 96,
          "96 concurrent queries answered, each with its own audited query id")

    # --- the audit chain verifies, and tampering is caught and named
    st, b = s.request("GET", "/api/v1/audit/verify", token=aud)
    check(st == 200 and b["ok"], "audit chain verifies")
    s.stop()
    r = s.cli("audit", "verify", "--data", s.dir, *s.db_args)
    check(r.returncode == 0 and "OK" in r.stdout, "keitsu audit verify: OK")
    if s.pg_db:
        s.sql("ALTER TABLE audit DISABLE TRIGGER audit_no_change")
    else:
        s.sql("DROP TRIGGER audit_no_update")
    s.sql("UPDATE audit SET reason = 'nothing to see' WHERE seq = 20")
    r = s.cli("audit", "verify", "--data", s.dir, *s.db_args)
    check(r.returncode == 1 and "entry 20 altered" in r.stdout, f"altered entry named ({r.stdout})")
finally:
    s.close()
kt.done()
