"""指掌紋 (AFIS): enrol tenprints, tenprint and latent search, the unsolved-latent file searched
again by a new tenprint, the examiner's verification (audited), the ANSI/NIST partner endpoint,
and bad input refused with nothing registered."""
import base64
import os
import struct
import subprocess
import tempfile
import urllib.error
import urllib.request

import kt
from kt import check

USERS = [("ex", "fingerprint_examiner", "警視庁"), ("partner", "afis_partner", "大阪府警察"),
         ("op", "query_operator", "警視庁"), ("aud", "auditor", "警察庁")]
GS, FS, RS, US = "\x1d", "\x1c", "\x1e", "\x1f"

work = tempfile.mkdtemp(prefix="kt-afis-")
# Seed 12: the latent of finger 11 reaches the FMR 1/1000 threshold against its mate (most
# minutiae-level latents stay under it since the matcher's calibration is fitted on dense,
# image-extracted impostors).
for name, extra in (("plain", []), ("latent", ["--latent"])):
    r = subprocess.run([kt.BIN, "afis", "synth", os.path.join(work, name), "--fingers", "12",
                        "--impressions", "2", "--seed", "12"] + extra, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


r = subprocess.run([kt.BIN, "afis", "synth", os.path.join(work, "img"), "--fingers", "1",
                    "--impressions", "2", "--images", "--seed", "9"], capture_output=True, text=True)
assert r.returncode == 0, r.stderr


def img(imp):
    with open(os.path.join(work, "img", f"f000000_{imp:02d}.pgm"), "rb") as f:
        return f.read()


def tpl(kind, finger, imp):
    with open(os.path.join(work, kind, f"f{finger:06d}_{imp:02d}.iso"), "rb") as f:
        return f.read()


def b64(b):
    return base64.b64encode(b).decode()


def minutiae(iso):
    """(x, y, angle in degrees, type) of an ISO 19794-2 record's first view."""
    n = iso[27]
    out = []
    for i in range(n):
        tx, y, a, q = struct.unpack(">HHBB", iso[28 + 6 * i: 34 + 6 * i])
        out.append((tx & 0x3FFF, y & 0x3FFF, round(a * 360 / 256) % 360, tx >> 14, q))
    return out, struct.unpack(">H", iso[16:18])[0]


def record(rtype, fields):
    body = GS.join(f"{rtype}.{num:03d}:{val}" for num, val in fields)
    tag = f"{rtype}.001:"
    n = len(tag) + 1 + len(body.encode("latin-1")) + 1
    while True:
        m = len(tag) + len(str(n)) + 1 + len(body.encode("latin-1")) + 1
        if m == n:
            break
        n = m
    return (tag + str(n) + GS + body + FS).encode("latin-1")


def type9(iso, idc, finger):
    ms, height = minutiae(iso)
    subs = []
    for i, (x, y, a, t, q) in enumerate(ms):
        xx, yy = round(x * 100 / 19.685), round((height - 1 - y) * 100 / 19.685)
        subs.append(f"{i + 1:03d}{US}{xx:04d}{yy:04d}{(a + 180) % 360:03d}{US}{q}{US}"
                    + {1: "A", 2: "B"}.get(t, "D"))
    return record(9, [(2, str(idc)), (3, "0"), (4, "S"), (5, "PARTNER" + US + "A"),
                      (6, f"{finger:02d}"), (7, "T" + US + "UN"), (10, str(len(ms))), (11, "0"),
                      (12, RS.join(subs))])


def transaction(tot, t9s):
    cnt = "1" + US + str(len(t9s)) + "".join(RS + "9" + US + f"{i + 1:02d}" for i in range(len(t9s)))
    t1 = record(1, [(2, "0500"), (3, cnt), (4, tot), (5, "20261123"), (7, "MPD"), (8, "OSAKA"),
                    (9, "OSK-0001"), (11, "00.00"), (12, "00.00")])
    return t1 + b"".join(t9s)


def post_raw(s, token, data):
    req = urllib.request.Request(s.url + "/api/v1/afis/partner/search", data=data, method="POST")
    req.add_header("Content-Type", "application/octet-stream")
    req.add_header("Authorization", "Bearer " + token)
    try:
        with s.open(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


s = kt.Server(users=USERS)
try:
    ex, partner, op, aud = (s.login(u[0]) for u in USERS)
    count = lambda: int(s.sql("SELECT COUNT(*) FROM afis_subjects"))  # noqa: E731

    # --- enrol A: fingers 0..9 (positions 1..10)
    fingers = [{"finger": f + 1, "template": b64(tpl("plain", f, 0))} for f in range(10)]
    st, b = s.request("POST", "/api/v1/afis/tenprints",
                      {"fingers": fingers, "reference": "R8-逮捕-001", "reason": "arrest R8-001"},
                      token=ex)
    check(st == 201 and b["id"] == "T-00000001" and b["latent_hits"] == [], f"enrol A: {st} {b}")

    # --- tenprint search: four other impressions of A's fingers
    probe = [{"finger": f + 1, "template": b64(tpl("plain", f, 1))} for f in range(4)]
    st, b = s.request("POST", "/api/v1/afis/search",
                      {"kind": "tenprint", "fingers": probe, "reason": "R8-照会-7"}, token=ex)
    check(st == 200 and b["candidates"] and b["candidates"][0]["subject"] == "T-00000001"
          and b["hit"] and b["candidates"][0]["fingers"] == 4, f"tenprint search: {st} {b}")
    tp_search = b.get("search_id")

    # --- latents: one of A's finger 2, one of finger 11 (not enrolled yet)
    st, b = s.request("POST", "/api/v1/afis/latents",
                      {"template": b64(tpl("latent", 2, 1)), "reference": "遺留-1",
                       "reason": "case 2026-0042"}, token=ex)
    check(st == 201 and b["id"].startswith("L-"), f"latent enrol: {st} {b}")
    lat_a = b
    st, b = s.request("POST", "/api/v1/afis/latents",
                      {"template": b64(tpl("latent", 11, 1)), "reason": "case 2026-0043"},
                      token=ex)
    check(st == 201 and not b["hit"], f"latent of an unknown finger: no hit {b}")
    lat_b = b["id"]
    st, b = s.request("GET", "/api/v1/afis/latents", token=ex)
    check(st == 200 and {x["id"] for x in b["latents"]} >= {lat_a["id"], lat_b},
          "both latents unsolved")

    # --- enrol B (fingers 10, 11): the unsolved latent of finger 11 is found again
    st, b = s.request("POST", "/api/v1/afis/tenprints",
                      {"fingers": [{"finger": 1, "template": b64(tpl("plain", 10, 0))},
                                   {"finger": 2, "template": b64(tpl("plain", 11, 0))}],
                       "reason": "arrest R8-002"}, token=ex)
    check(st == 201 and b["id"] == "T-00000002", f"enrol B: {st} {b}")
    hits = [h["subject"] for h in b.get("latent_hits", [])]
    check(lat_b in hits, f"new tenprint finds the unsolved latent: {hits}")
    research = b["search_id"]

    # --- the examiner verifies; the latent leaves the unsolved file
    st, b = s.request("POST", f"/api/v1/afis/searches/{research}/decisions",
                      {"subject": lat_b, "decision": "identified", "note": "12 points"}, token=ex)
    check(st == 201, f"decision recorded: {st} {b}")
    st, b = s.request("GET", "/api/v1/afis/latents", token=ex)
    check(lat_b not in {x["id"] for x in b["latents"]}, "identified latent no longer unsolved")
    st, b = s.request("GET", f"/api/v1/afis/searches/{research}?reason=review", token=ex)
    check(st == 200 and b["decisions"] and b["decisions"][0]["decision"] == "identified",
          f"search shows its decision: {b}")
    st, b = s.request("POST", f"/api/v1/afis/searches/{tp_search}/decisions",
                      {"subject": "T-00000002", "decision": "identified"}, token=ex)
    check(st == 422, f"a subject the search did not list cannot be verified: {st}")
    st, b = s.request("POST", f"/api/v1/afis/searches/{tp_search}/decisions",
                      {"subject": "T-00000001", "decision": "maybe"}, token=ex)
    check(st == 400, "decision must be identified or not_identified")

    # --- audited: searches, enrolments and the verification
    st, b = s.request("GET", "/api/v1/audit?actor=ex", token=aud)
    actions = {e["action"] for e in b.get("entries", b if isinstance(b, list) else [])} \
        if st == 200 else set()
    for a in ("afis.tenprint.enrol", "afis.search", "afis.latent.enrol", "afis.latent.research",
              "afis.verify", "afis.search.read"):
        check(a in actions, f"audited: {a}")

    # --- roles
    st, _ = s.request("POST", "/api/v1/afis/search",
                      {"kind": "tenprint", "fingers": probe, "reason": "x"}, token=op)
    check(st == 403, "query operator may not search fingerprints")
    st, _ = s.request("POST", "/api/v1/afis/tenprints", {"fingers": fingers, "reason": "x"},
                      token=partner)
    check(st == 403, "partner may not enrol")

    # --- partner endpoint: ANSI/NIST Type-9 in, SRE with the candidate list out
    txn = transaction("TPIS", [type9(tpl("plain", f, 1), i + 1, f + 1)
                               for i, f in enumerate(range(3))])
    st, body = post_raw(s, partner, txn)
    check(st == 200 and body.startswith(b"1.001:"), f"partner answer: {st} {body[:80]!r}")
    check(b"1.004:SRE" in body and b"1.010:OSK-0001" in body, "SRE answering the TCN")
    check(b"2.059:I" in body and b"2.064:T-00000001" in body, f"candidate list: {body!r}")
    n0 = count()
    searches0 = s.sql("SELECT COUNT(*) FROM afis_searches")
    for bad in (txn[:-5], txn.replace(b"1.001:", b"1.001:9", 1), b"junk", b""):
        st, body = post_raw(s, partner, bad)
        check(st == 400, f"lying or truncated transaction refused: {st} {body[:100]!r}")
    check(s.sql("SELECT COUNT(*) FROM afis_searches") == searches0, "no search recorded for them")

    # --- bad input: nothing registered
    for body in ({"fingers": [{"finger": 1, "template": "!!notbase64"}], "reason": "x"},
                 {"fingers": [{"finger": 1, "template": b64(tpl("plain", 0, 0)[:-3])}],
                  "reason": "x"},
                 {"fingers": [{"finger": 1, "template": b64(b"FMR\0 20\0" + bytes(40))}],
                  "reason": "x"},
                 {"fingers": [{"finger": 11, "template": b64(tpl("plain", 0, 0))}], "reason": "x"},
                 {"fingers": [{"finger": 1, "template": b64(tpl("plain", 0, 0))},
                              {"finger": 2, "template": b64(tpl("plain", 1, 0)[:30])}],
                  "reason": "x"},
                 {"fingers": [], "reason": "x"},
                 {"fingers": fingers},
                 {"fingers": fingers, "reason": "x", "extra": 1}):
        st, b = s.request("POST", "/api/v1/afis/tenprints", body, token=ex)
        check(400 <= st < 500, f"bad enrolment refused: {st} {b}")
    st, b = s.request("POST", "/api/v1/afis/latents", {"template": "AAAA", "reason": "x"}, token=ex)
    check(400 <= st < 500, f"bad latent refused: {st}")
    check(count() == n0, "nothing registered by bad input")

    # --- images are extracted on enrolment and search
    st, b = s.request("POST", "/api/v1/afis/tenprints",
                      {"fingers": [{"finger": 3, "image": b64(img(0))}], "reason": "scan"},
                      token=ex)
    check(st == 201 and b["id"] == "T-00000003", f"enrol from an image: {st} {b}")
    st, b = s.request("POST", "/api/v1/afis/search",
                      {"kind": "tenprint", "fingers": [{"finger": 3, "image": b64(img(1))}],
                       "reason": "scan search"}, token=ex)
    check(st == 200 and b["candidates"] and b["candidates"][0]["subject"] == "T-00000003"
          and b["hit"], f"search by image: {st} {b}")
    st, b = s.request("POST", "/api/v1/afis/tenprints",
                      {"fingers": [{"finger": 3, "image": b64(img(0)[:200])}], "reason": "x"},
                      token=ex)
    check(st == 400 and count() == n0 + 1, f"truncated image refused, nothing registered: {st}")

    # --- a restart rebuilds the galleries from the store
    s.stop()
    s.start()
    ex = s.login("ex")
    st, b = s.request("POST", "/api/v1/afis/search",
                      {"kind": "tenprint", "fingers": probe, "reason": "after restart"}, token=ex)
    check(st == 200 and b["candidates"] and b["candidates"][0]["subject"] == "T-00000001",
          "gallery rebuilt at start")
    st, b = s.request("GET", "/api/v1/afis/latents", token=ex)
    check(lat_b not in {x["id"] for x in b["latents"]}, "identified latent stays solved")

    # --- the partner endpoint over HTTPS (serve --tls-cert/--tls-key)
    tls = os.path.join(work, "tls")
    os.mkdir(tls)
    cert, key, key2 = (os.path.join(tls, n) for n in ("cert.pem", "key.pem", "other.pem"))
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", key2], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    s.stop()
    # a bad TLS setup: the server does not start, and says why
    for extra, why in ((["--tls-cert", cert], "needs both"),
                       (["--tls-cert", key, "--tls-key", cert], "PEM certificate"),
                       (["--tls-cert", cert, "--tls-key", os.path.join(tls, "none.pem")],
                        "cannot open"),
                       (["--tls-cert", cert, "--tls-key", key2], "do not match")):
        r = subprocess.run([kt.BIN, "serve", "--data", s.dir, "--listen", "127.0.0.1:0",
                            "--threads", "2"] + s.db_args + extra,
                           capture_output=True, text=True, timeout=120)
        check(r.returncode != 0 and why in r.stderr and "PRIVATE" not in r.stderr,
              f"bad TLS setup {extra[-1]} refused: {r.returncode} {r.stderr[-300:]!r}")
    s.extra = ["--tls-cert", cert, "--tls-key", key]
    s.start()
    check(s.url.startswith("https://"), f"serving HTTPS: {s.url}")
    partner = s.login("partner")
    st, body = post_raw(s, partner, txn)
    check(st == 200 and b"2.059:I" in body and b"2.064:T-00000001" in body,
          f"partner search over HTTPS: {st} {body[:120]!r}")
    # plain HTTP to the HTTPS port gets no answer; a client that does not trust the
    # certificate stops before sending anything
    try:
        urllib.request.urlopen(s.url.replace("https:", "http:") + "/api/v1/afis/latents",
                               timeout=10)
        check(False, "plain HTTP answered on the HTTPS port")
    except (urllib.error.URLError, ConnectionError, OSError):
        check(True, "plain HTTP refused")
    try:
        urllib.request.urlopen(s.url + "/api/v1/afis/latents", timeout=10)
        check(False, "an untrusted certificate was accepted")
    except urllib.error.URLError as e:
        check("CERTIFICATE_VERIFY_FAILED" in str(e), f"untrusted certificate refused: {e}")
    # the command-line client trusts it through KEITSU_CA_FILE
    env = dict(os.environ, KEITSU_TOKEN=s.login("op"))
    args = [kt.BIN, "query", "person", "ヤマダ タロウ", "--reason", "R8-TLS", "--server", s.url]
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    check(r.returncode != 0, f"client without the CA refuses the server: {r.stderr[-200:]!r}")
    env["KEITSU_CA_FILE"] = cert
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    check(r.returncode == 0, f"client query over HTTPS: {r.returncode} {r.stderr[-300:]!r}")
finally:
    s.close()
kt.done()
