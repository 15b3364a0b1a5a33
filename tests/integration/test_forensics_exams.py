"""電磁的記録の解析: examinations and findings registered on the platform — created by a
forensic examiner, findings added all or nothing, read back with a reason by the same agency
only, every step audited; bad input refused with nothing written; `keitsu image register`."""
import json
import os
import tempfile

import kt
from kt import check

USERS = [("fx", "forensic_examiner", "警視庁"), ("fx2", "forensic_examiner", "大阪府警察"),
         ("op", "query_operator", "警視庁"), ("aud", "auditor", "警察庁")]
SHA = "ab" * 32
EXAM = {"case_number": "R8-警視-1234", "title": "押収 USB メモリ 1 号",
        "evidence": {"name": "usb1.E01", "size": 52428800, "md5": "cd" * 16, "sha256": SHA}}

s = kt.Server(users=USERS)
try:
    fx, fx2, op = s.login("fx"), s.login("fx2"), s.login("op")

    def count(table):
        return int(s.sql(f"SELECT count(*) FROM {table}"))

    st, b = s.request("POST", "/api/v1/forensics/exams", EXAM, token=fx)
    check(st == 201 and b["id"] == "FX-00000001", f"exam created: {st} {b}")
    xid = b["id"]

    # --- roles and bad input: nothing written
    st, b = s.request("POST", "/api/v1/forensics/exams", EXAM, token=op)
    check(kt.is_error(st, b, 403, "forbidden"), f"query operator may not register: {st} {b}")
    bad = [
        ({**EXAM, "extra": 1}, 400),
        ({**EXAM, "evidence": {**EXAM["evidence"], "sha256": "xyz"}}, 422),
        ({**EXAM, "evidence": {**EXAM["evidence"], "size": -1}}, 400),
        ({k: v for k, v in EXAM.items() if k != "case_number"}, 400),
        ({**EXAM, "title": "a\u0007b"}, 400),
    ]
    for body, want in bad:
        st, b = s.request("POST", "/api/v1/forensics/exams", body, token=fx)
        check(kt.is_error(st, b, want), f"bad exam refused with {want}: {st} {b}")
    check(count("forensic_exams") == 1, "no exam written by bad input")

    hits = {"hits": [
        {"kind": "hash", "path": "/Windows/evil.exe", "addr": "35-128-3",
         "detail": {"list": "case.txt", "sha256": SHA}},
        {"kind": "keyword", "offset": 1048576 + 4096, "detail": {"keyword": "覚醒剤",
                                                                  "encoding": "shift_jis"}},
        {"kind": "yara", "path": "/a <script>.txt", "addr": "12", "detail": "rule Mimikatz"}]}
    st, b = s.request("POST", f"/api/v1/forensics/exams/{xid}/findings", hits, token=fx)
    check(st == 201 and b == {"added": 3, "findings": 3}, f"hits added: {st} {b}")
    carved = {"carved": [{"offset": 512 * 9000, "length": 69727, "type": "jpg",
                          "path": "carved/00009000.jpg", "md5": "ef" * 16, "valid": True}]}
    st, b = s.request("POST", f"/api/v1/forensics/exams/{xid}/findings", carved, token=fx)
    check(st == 201 and b["findings"] == 4, f"carved files added: {st} {b}")

    # all or nothing: the third finding is bad, so none of the three is written
    n0 = count("forensic_findings")
    mixed = {"hits": [{"kind": "hash"}, {"kind": "keyword"}, {"kind": "virus"}]}
    st, b = s.request("POST", f"/api/v1/forensics/exams/{xid}/findings", mixed, token=fx)
    check(kt.is_error(st, b, 422) and "hits[2]" in b["error"]["message"],
          f"bad finding named: {st} {b}")
    for body, want in [({"hits": []}, 400), ({"hits": "x"}, 400), ({"other": []}, 400),
                       ({"hits": [{"kind": "hash"}] * 1001}, 413),
                       ({"carved": [{"offset": 1, "type": "jpg"}]}, 400),
                       ({"hits": [{"kind": "hash", "offset": -5}]}, 400)]:
        st, b = s.request("POST", f"/api/v1/forensics/exams/{xid}/findings", body, token=fx)
        check(kt.is_error(st, b, want), f"bad findings refused with {want}: {st} {b}")
    check(count("forensic_findings") == n0, "no finding written by bad input")

    # --- another agency sees nothing; reads need a reason
    st, b = s.request("POST", f"/api/v1/forensics/exams/{xid}/findings", hits, token=fx2)
    check(kt.is_error(st, b, 404), f"other agency cannot add: {st} {b}")
    st, b = s.request("GET", f"/api/v1/forensics/exams/{xid}?reason=x", token=fx2)
    check(kt.is_error(st, b, 404), f"other agency cannot read: {st} {b}")
    st, b = s.request("GET", f"/api/v1/forensics/exams/{xid}", token=fx)
    check(kt.is_error(st, b, 400), f"reading needs a reason: {st} {b}")
    st, b = s.request("GET", f"/api/v1/forensics/exams/{xid}?reason=%E9%91%91%E5%AE%9A", token=fx)
    check(st == 200 and b["sha256"] == SHA and b["findings"] == 4
          and [f["kind"] for f in b["findings_list"]] == ["hash", "keyword", "yara", "carved"]
          and b["findings_list"][1]["detail"]["keyword"] == "覚醒剤"
          and b["findings_list"][2]["path"] == "/a <script>.txt"
          and b["findings_list"][3]["length"] == 69727, f"exam read back: {st} {b}")
    case = urllib_quote = "R8-%E8%AD%A6%E8%A6%96-1234"
    st, b = s.request("GET", f"/api/v1/forensics/exams?case_number={case}&reason=r", token=fx)
    check(st == 200 and [e["id"] for e in b["exams"]] == [xid], f"listed by case: {st} {b}")
    st, b = s.request("GET", f"/api/v1/forensics/exams?case_number={case}&reason=r", token=fx2)
    check(st == 200 and b["exams"] == [], f"other agency's list is empty: {st} {b}")

    actions = s.sql("SELECT action FROM audit WHERE action LIKE 'forensics.%' ORDER BY seq")
    check(actions.split() == ["forensics.exam_create", "forensics.findings_add",
                              "forensics.findings_add", "forensics.exam_read",
                              "forensics.exam_list", "forensics.exam_list"],
          f"every step audited: {actions}")

    # --- keitsu image register: a new exam from the command line, findings in batches
    work = tempfile.mkdtemp(prefix="kt-fx-")
    big = {"hits": [{"kind": "keyword", "offset": i * 512, "detail": {"keyword": "x"}}
                    for i in range(2500)]}
    with open(os.path.join(work, "hits.json"), "w") as f:
        json.dump(big, f)
    with open(os.path.join(work, "carved.json"), "w") as f:
        json.dump(carved, f)
    r = s.cli("image", "register", "--server", s.url, "--user", "fx", "--case-number", "R8-2",
              "--title", "HDD 2", "--evidence-name", "hdd2.raw", "--evidence-size", "1024",
              "--evidence-sha256", "01" * 32, os.path.join(work, "hits.json"),
              os.path.join(work, "carved.json"), stdin=kt.PASSWORD + "\n")
    check(r.returncode == 0 and "FX-00000002" in r.stdout and "2501" in r.stdout,
          f"register from the CLI: {r.returncode} {r.stdout} {r.stderr}")
    check(s.sql("SELECT findings FROM forensic_exams WHERE id = 'FX-00000002'") == "2501",
          "2,501 findings in three batches")
    with open(os.path.join(work, "bad.json"), "w") as f:
        f.write('{"hits": [{"kind": "hash"}, {"kind": 7}]}')
    r = s.cli("image", "register", "--server", s.url, "--user", "fx", "--exam", "FX-00000002",
              os.path.join(work, "bad.json"), stdin=kt.PASSWORD + "\n")
    check(r.returncode != 0 and "hits[1]" in r.stderr, f"bad file refused: {r.stderr}")
    check(s.sql("SELECT findings FROM forensic_exams WHERE id = 'FX-00000002'") == "2501",
          "nothing added from the bad file")
    r = s.cli("image", "register", "--server", s.url, "--exam", "FX-00000002")
    check(r.returncode == 2, "register without files is a usage error")
finally:
    s.close()
kt.done()
