"""Driver-licence registry: holders, issue with the fraud check, renewal blocked while
suspended, reissue digit, the field check's answers and its audit, bad input refused with
nothing written, and roles."""
import kt
from kt import check, is_error

USERS = [("exam", "licence_examiner", "警視庁"), ("disp", "disposition_officer", "警視庁"),
         ("off", "officer", "警視庁"), ("op", "query_operator", "警視庁"),
         ("aud", "auditor", "警察庁"), ("taker", "call_taker", "警視庁")]

YAMADA = {"name_kanji": "山田 太郎", "name_kana": "ヤマダ タロウ", "name_romaji": "YAMADA TARO",
          "birth_date": "1980-04-01", "address": "東京都新宿区西新宿2-8-1", "photo_sha256": "a" * 64}
SATO = {"name_kanji": "佐藤 花子", "name_kana": "サトウ ハナコ", "name_romaji": "SATO HANAKO",
        "birth_date": "1990-07-15", "address": "東京都千代田区霞が関2-1-1"}

s = kt.Server(users=USERS)
try:
    exam, disp, off, op, aud, taker = (s.login(u[0]) for u in USERS)

    def post(path, body, token=exam):
        return s.request("POST", "/api/v1/licence" + path, body, token=token)

    def counts():
        return s.sql("SELECT (SELECT COUNT(*) FROM licence_holders) || '/' || "
                     "(SELECT COUNT(*) FROM licences) || '/' || (SELECT COUNT(*) FROM licence_events)")

    def chk(number, token=off, reason="R8-110-000777"):
        return post("/check", {"number": number, "reason": reason}, token)

    # --- holders
    st, b = post("/holders", YAMADA)
    check(st == 201 and b["id"].startswith("H-"), f"register holder ({st} {b})")
    yamada = b["id"]
    st, b = post("/holders", SATO)
    sato = b["id"]

    # --- issue: number, expiry (3rd birthday after issue + 1 month), green band
    st, b = post("/licences", {"holder": yamada, "commission": "30", "issued_on": "2025-06-01",
                               "classes": [{"class": "普通", "acquired_on": "2025-06-01"}],
                               "conditions": ["glasses", "at"]})
    check(st == 201 and len(b["number"]) == 12 and b["number"].startswith("3025"),
          f"issue answers a 東京 2025 number ({st} {b})")
    num = b.get("number", "")
    check(b.get("expires_on") == "2028-05-01" and b.get("band") == "green" and b.get("flags") == [],
          f"new licence: 3rd birthday after issue + 1 month, green ({b})")
    st, b = post("/licences", {"holder": sato, "commission": 30,
                               "classes": [{"class": "futsu"}]})
    check(st == 201, f"issue to sato ({st} {b})")
    sato_num = b.get("number", "")

    # --- check
    st, b = chk(num)
    check(st == 200 and b["status"] == "valid" and b["check_digit"] == "ok"
          and b["expires_on"] == "2028-05-01" and isinstance(b["query_id"], int), f"check valid ({b})")
    bad = num[:10] + str((int(num[10]) + 1) % 10) + num[11]
    st, b = chk(bad)
    check(st == 200 and b["status"] == "unknown" and b["check_digit"] == "wrong",
          f"wrong check digit answers unknown, check digit wrong ({b})")
    st, b = chk("309156789011")
    check(st == 200 and b["status"] == "unknown" and b["check_digit"] == "ok", "unknown number")
    st, b = chk("12345")
    check(is_error(st, b, 422) and "number" in b["error"]["message"], "short number is 422")
    st, b = post("/check", {"number": num}, off)
    check(is_error(st, b, 400) and "reason" in b["error"]["message"], "check without reason is 400")
    st, b = chk(num, token=taker)
    check(is_error(st, b, 403), "call_taker may not check")
    for tok in (op, exam, disp):
        check(chk(num, token=tok)[0] == 200, "query_operator, examiner, disposition officer check")
    audited = s.sql(f"SELECT COUNT(*) FROM audit WHERE action = 'licence.check' AND actor = 'off'"
                    f" AND reason = 'R8-110-000777'")
    check(int(audited) >= 3, f"checks are audited with their reason ({audited})")

    # --- fraud: same birth date and a name that reads alike; same photo
    st, b = post("/holders", dict(YAMADA, name_kanji="山田 太朗", name_kana="やまだ たろう",
                                  name_romaji="YAMADA TAROU", photo_sha256="b" * 64))
    twin = b["id"]
    before = counts()
    st, b = post("/licences", {"holder": twin, "commission": "30", "classes": [{"class": "普通"}]})
    check(is_error(st, b, 409) and b.get("flags") and b["flags"][0]["holder"] == yamada
          and b["flags"][0]["number"] == num and "name_and_birth_date" in b["flags"][0]["reasons"],
          f"a holder reading alike with the same birth date is flagged ({st} {b})")
    check(counts() == before, "flagged issue writes nothing")
    flagged = s.sql("SELECT COUNT(*) FROM audit WHERE action = 'licence.issue_flagged'")
    check(flagged == "1", "the flagged attempt is audited")
    st, b = post("/holders", dict(SATO, name_kanji="鈴木 一郎", name_kana="スズキ イチロウ",
                                  name_romaji="SUZUKI ICHIRO", birth_date="1970-01-01",
                                  photo_sha256="a" * 64))
    photo_twin = b["id"]
    st, b = post("/licences", {"holder": photo_twin, "commission": "30",
                               "classes": [{"class": "普通"}]})
    check(is_error(st, b, 409) and b["flags"][0]["holder"] == yamada
          and b["flags"][0]["reasons"] == ["photo"], f"same photo is flagged ({b})")
    st, b = post("/licences", {"holder": photo_twin, "commission": "30",
                               "classes": [{"class": "普通"}],
                               "override_reason": "本人確認済み(旅券)、写真取り違え"})
    check(st == 201 and b["flags"], f"an examiner may override with a reason ({st} {b})")

    # --- bad input: 4xx naming the field, nothing written
    before = counts()
    bad_cases = [
        ({"holder": sato, "commission": "30", "classes": [{"class": "普通"}]}, 409, "already holds"),
        ({"holder": twin, "commission": "30", "classes": [{"class": "大型"}]}, 422, "classes[0]"),
        ({"holder": twin, "commission": "30", "classes": [{"class": "普通"}, {"class": "原付"}]},
         422, "classes[1]"),
        ({"holder": twin, "commission": "30", "classes": [{"class": "大自二"}, {"class": "普自二"}]},
         422, "included"),
        ({"holder": twin, "commission": "30", "classes": [{"class": "宇宙船"}]}, 422, "classes[0].class"),
        ({"holder": twin, "commission": "30", "issued_on": "2099-01-01",
          "classes": [{"class": "普通"}]}, 422, "issued_on"),
        ({"holder": twin, "commission": "31", "classes": [{"class": "普通"}]}, 422, "commission"),
        ({"holder": twin, "commission": "30", "classes": [{"class": "普通"}],
          "conditions": ["chugata_8t"]}, 422, "conditions[0]"),
        ({"holder": twin, "commission": "30", "classes": [{"class": "普通"}], "colour": "gold"},
         400, "colour"),
    ]
    for body, want, field in bad_cases:
        st, b = post("/licences", body)
        check(is_error(st, b, want) and (field is None or field in b["error"]["message"]),
              f"bad issue {body} → {want} naming {field} (got {st} {b})")
    st, b = post("/holders", dict(SATO, birth_date="2099-01-01"))
    check(is_error(st, b, 422) and "birth_date" in b["error"]["message"], "future birth date")
    st, b = post("/holders", dict(SATO, name_romaji="TANAKA HANAKO"))
    check(is_error(st, b, 422) and "name_romaji" in b["error"]["message"], "kana/romaji disagree")
    st, b = post(f"/holders/{sato}/events", {"type": "violation", "code": "warp_speed",
                                             "date": "2026-01-01"}, off)
    check(is_error(st, b, 422) and "code" in b["error"]["message"], "unknown violation code")
    st, b = post(f"/holders/{sato}/events", {"type": "violation", "code": "signal_red",
                                             "date": "2099-01-01"}, off)
    check(is_error(st, b, 422) and "date" in b["error"]["message"], "violation in the future")
    check(counts() == before, f"bad input wrote nothing ({before} → {counts()})")

    # --- events, assessment, suspension; renew and reissue blocked while suspended
    st, b = post(f"/holders/{sato}/events", {"type": "violation", "code": "drink_015",
                                             "date": "2026-11-01"}, off)
    check(st == 201 and b["points"] == 13, f"officer records 酒気帯び 13 points ({st} {b})")
    st, b = post(f"/holders/{sato}/events", {"type": "violation", "code": "seat_belt",
                                             "date": "2026-10-15"}, disp)
    st, b = s.request("GET", f"/api/v1/licence/holders/{sato}/assessment?reason=review", token=disp)
    check(st == 200 and b["disposition"] == "suspension" and b["days"] == 90,
          f"assessment: 13 + 1 points → 90-day suspension ({st} {b})")
    st, b = s.request("GET", f"/api/v1/licence/holders/{sato}/assessment", token=off)
    check(is_error(st, b, 403), "officer may not see assessments")
    st, b = post(f"/holders/{sato}/dispositions", {"kind": "suspension", "days": 90,
                                                   "start": "2026-11-20"}, disp)
    check(st == 201 and b["status"] == "suspended" and b["until"] == "2027-02-17",
          f"suspension ordered ({st} {b})")
    st, b = chk(sato_num)
    check(b["status"] == "suspended" and b["until"] == "2027-02-17", f"check: suspended until ({b})")
    st, b = post(f"/licences/{sato_num}/renew", {"early_reason": "海外出張"})
    check(is_error(st, b, 409) and "suspended" in b["error"]["message"], "renew blocked while suspended")
    st, b = post(f"/licences/{sato_num}/reissue", {"reason": "lost"})
    check(is_error(st, b, 409), "reissue blocked while suspended")
    st, b = post("/licences", {"holder": sato, "commission": "30", "classes": [{"class": "普通"}]})
    check(is_error(st, b, 409), "no new licence while suspended")

    # --- reissue: the digit counts up, the old number is void
    st, b = post(f"/licences/{num}/reissue", {"reason": "lost"})
    check(st == 201 and b["number"] == num[:11] + "1" and b["old_number"] == num,
          f"reissue for loss: digit 0 → 1 ({st} {b})")
    new_num = b.get("number", "")
    check(chk(num)[1]["status"] == "reissued", "the old number checks as reissued")
    check(chk(new_num)[1]["status"] == "valid", "the new number is valid")
    st, b = post(f"/licences/{new_num}/reissue", {"reason": "damaged"})
    check(st == 201 and b["number"] == new_num, "reissue for damage keeps the number")

    # --- renewal: early renewal of a new licence (初回更新者: blue, 3 years)
    st, b = post(f"/licences/{new_num}/renew", {})
    check(is_error(st, b, 409) and "early_reason" in b["error"]["message"],
          "renewal before the period needs early_reason")
    st, b = post(f"/licences/{new_num}/renew", {"early_reason": "海外赴任"})
    check(st == 200 and b["band"] == "blue" and b["category"] == "first_renewal",
          f"early renewal: first renewal, blue ({st} {b})")

    # --- revocation: disqualification; expired; surrender
    st, b = post(f"/holders/{photo_twin}/events", {"type": "violation", "code": "drunk",
                                                   "date": "2026-11-10"}, off)
    st, b = post(f"/holders/{photo_twin}/dispositions", {"kind": "revocation", "years": 3,
                                                         "start": "2026-11-20"}, disp)
    check(st == 201 and b["status"] == "revoked" and b["disqualified_until"] == "2029-11-19",
          f"revocation with 3 years ({st} {b})")
    check(chk(b.get("number", ""))[1]["status"] == "revoked", "check: revoked")
    st, b = post("/licences", {"holder": photo_twin, "commission": "30",
                               "classes": [{"class": "普通"}], "override_reason": "x"})
    check(is_error(st, b, 409) and "disqualified" in b["error"]["message"],
          "no new licence in the disqualification period, override or not")
    st, b = post("/holders", {"name_kana": "タナカ イチロウ", "name_romaji": "TANAKA ICHIRO",
                              "birth_date": "1950-03-03", "address": "大阪府大阪市"})
    old = b["id"]
    st, b = post("/licences", {"holder": old, "commission": "62", "issued_on": "2016-01-01",
                               "classes": [{"class": "普通", "acquired_on": "2016-01-01"}]})
    old_num = b["number"]
    check(old_num.startswith("6216") and chk(old_num)[1]["status"] == "expired",
          f"an old card checks as expired ({b})")
    st, b = post(f"/licences/{old_num}/renew", {"early_reason": "x"})
    check(is_error(st, b, 409) and "expired" in b["error"]["message"], "an expired card cannot be renewed")
    st, b = post(f"/licences/{sato_num}/surrender", {"note": "自主返納"})
    check(st == 200 and chk(sato_num)[1]["status"] == "surrendered", "surrender")

    # --- change of address and name, versioned
    st, b = s.request("PATCH", f"/api/v1/licence/holders/{yamada}", {"address": "東京都港区1-1", "version": 1},
                      token=exam)
    check(st == 200 and b["version"] == 2, f"change of address ({st} {b})")
    st, b = s.request("PATCH", f"/api/v1/licence/holders/{yamada}", {"address": "x", "version": 1},
                      token=exam)
    check(is_error(st, b, 409), "stale version is 409")
    st, b = s.request("PATCH", f"/api/v1/licence/holders/{yamada}",
                      {"name_kanji": "鈴木 太郎", "name_kana": "スズキ タロウ", "name_romaji": "SUZUKI TARO"},
                      token=exam)
    check(st == 200, f"change of name ({st} {b})")
    st, b = s.request("GET", f"/api/v1/licence/holders/{yamada}?reason=counter", token=exam)
    check(st == 200 and b["name_kana"] == "スズキ タロウ" and b["address"] == "東京都港区1-1"
          and len(b["licences"]) == 2 and [h["action"] for h in b["history"]][:2] == ["holder_create", "issue"],
          f"holder with licences and history ({st})")
    check(is_error(*s.request("GET", f"/api/v1/licence/holders/{yamada}?reason=x", token=off), 403),
          "officer may not read holders")
    st, v = s.request("GET", "/api/v1/audit/verify", token=aud)
    check(st == 200 and v["ok"], f"audit chain verifies ({v})")
finally:
    s.close()
kt.done()
