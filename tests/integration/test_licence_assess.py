"""Licence point assessment: POST /api/v1/licence/assess (answers, errors naming the field,
the role check, the audit entry) and `keitsu licence assess` (stdout JSON, stderr, exit codes).
The answers come from worked cases of tests/data/licence/assess_cases.jsonl."""
import json
import os

import kt
from kt import check, is_error

USERS = [("disp", "disposition_officer", "警視庁"), ("exam", "licence_examiner", "警視庁"),
         ("adm", "admin", "警視庁"), ("op", "query_operator", "警視庁")]
HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "../data/licence/assess_cases.jsonl"), encoding="utf-8") as f:
    CASES = [json.loads(line) for line in f if line.strip()]

BAD = [  # (body, status, code, message prefix)
    ({"as_of": "2024-06-01", "events": [{"date": "2024-05-01", "type": "violation", "code": "speed_99"}]},
     422, "validation_failed", "events[0].code"),
    ({"as_of": "2024-06-01", "events": [{"date": "2024-05-01", "type": "violation", "code": "signal_red"},
                                        {"date": "2024-07-01", "type": "violation", "code": "signal_red"}]},
     422, "validation_failed", "events[1].date"),
    ({"as_of": "2024-06-01", "events": [{"date": "2024-02-30", "type": "violation", "code": "signal_red"}]},
     422, "validation_failed", "events[0].date"),
    ({"as_of": "2024-06-01", "events": [{"date": "2024-05-01", "type": "violation", "points": "6"}]},
     400, "invalid_request", "events[0].points"),
    ({"as_of": "2024-06-01", "events": "none"}, 400, "invalid_request", "events"),
    ({"events": []}, 400, "invalid_request", "as_of"),
]

s = kt.Server(users=USERS)
try:
    disp, exam, adm, op = (s.login(u[0]) for u in USERS)

    # --- the API gives the worked cases' answers
    for case in CASES[:12] + CASES[-8:]:
        st, b = s.request("POST", "/api/v1/licence/assess", case["input"], token=disp)
        check(st == 200 and b == case["expect"], f"API {case['name']}: {st} {b}")
    st, b = s.request("POST", "/api/v1/licence/assess", CASES[1]["input"], token=adm)
    check(st == 200 and b == CASES[1]["expect"], "admin may assess")

    # --- bad input: 400/422 naming the field, nothing audited
    before = s.sql("SELECT COUNT(*) FROM audit WHERE action = 'licence.assess'")
    for body, status, code, prefix in BAD:
        st, b = s.request("POST", "/api/v1/licence/assess", body, token=disp)
        check(is_error(st, b, status, code) and b["error"]["message"].startswith(prefix),
              f"bad input {prefix}: {st} {b}")
    st, b = s.request("POST", "/api/v1/licence/assess", raw=b"{not json", token=disp)
    check(st == 400 and "error" in b, f"malformed body: {st} {b}")
    check(s.sql("SELECT COUNT(*) FROM audit WHERE action = 'licence.assess'") == before,
          "refused requests are not audited as assessments")

    # --- roles without the permission, and no session
    for token, who in ((exam, "licence_examiner"), (op, "query_operator")):
        st, b = s.request("POST", "/api/v1/licence/assess", CASES[1]["input"], token=token)
        check(is_error(st, b, 403, "forbidden"), f"{who} is refused: {st} {b}")
    st, b = s.request("POST", "/api/v1/licence/assess", CASES[1]["input"])
    check(st == 401, f"no session: {st}")

    # --- each answer is audited with its outcome, no personal data
    n = int(s.sql("SELECT COUNT(*) FROM audit WHERE action = 'licence.assess'"))
    check(n == 21, f"one audit entry per answer ({n})")
    detail = s.sql("SELECT detail FROM audit WHERE action = 'licence.assess' ORDER BY seq DESC LIMIT 1")
    check(json.loads(detail) == CASES[1]["expect"], f"audit detail is the outcome: {detail}")
    actor = s.sql("SELECT actor FROM audit WHERE action = 'licence.assess' ORDER BY seq DESC LIMIT 1")
    check(actor == "adm", f"audit names the user: {actor}")
    r = s.cli("audit", "verify", "--data", s.dir, *s.db_args)
    check(r.returncode == 0, "audit chain verifies: " + r.stdout + r.stderr)

    # --- the CLI
    for case in CASES:
        r = s.cli("licence", "assess", stdin=json.dumps(case["input"]))
        ok = r.returncode == 0 and not r.stderr
        check(ok and json.loads(r.stdout) == case["expect"], f"CLI {case['name']}: {r.stdout} {r.stderr}")
    for body, status, code, prefix in BAD:
        r = s.cli("licence", "assess", stdin=json.dumps(body))
        check(r.returncode == 1 and r.stdout == "" and r.stderr.startswith("keitsu: " + prefix),
              f"CLI bad input {prefix}: {r.returncode} {r.stderr}")
    r = s.cli("licence", "assess", stdin="{")
    check(r.returncode == 1 and "invalid JSON" in r.stderr, f"CLI bad JSON: {r.stderr}")
    r = s.cli("licence", "assess", "extra")
    check(r.returncode == 2 and "usage" in r.stderr, "CLI usage error exits 2")
    r = s.cli("licence")
    check(r.returncode == 2, "CLI without subcommand exits 2")
    r = s.cli("licence", "frobnicate")
    check(r.returncode == 2 and "unknown licence command" in r.stderr, "CLI unknown subcommand")
finally:
    s.close()
kt.done()
