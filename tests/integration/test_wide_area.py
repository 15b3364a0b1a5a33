"""Between sites (広域): two servers (two prefectures) on one real nats-server share the
incidents marked wide-area, and deployment alerts; local incidents stay local; copies are
read-only and follow the origin's changes."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import kt
from kt import check, is_error
from sse_reader import Events

NATS = shutil.which("nats-server")
if not NATS:
    msg = "nats-server is not installed (apt-get install nats-server)"
    if os.environ.get("CI"):
        print("FAIL:", msg, file=sys.stderr)
        sys.exit(1)
    print("skipped:", msg)
    sys.exit(0)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until(pred, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return None


port = free_port()
nats = subprocess.Popen([NATS, "-a", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
url = f"nats://127.0.0.1:{port}"


def nats_up():
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


if not until(nats_up, 10):
    print("FAIL: nats-server did not start", file=sys.stderr)
    sys.exit(1)

tokyo = kanagawa = None
try:
    tokyo = kt.Server(extra=["--site", "tokyo", "--nats", url],
                      users=[("sup", "supervisor", "警視庁"), ("disp", "dispatcher", "警視庁")])
    kanagawa = kt.Server(extra=["--site", "kanagawa", "--nats", url],
                         users=[("disp", "dispatcher", "神奈川県警察"),
                                ("taker", "call_taker", "神奈川県警察")])
    ts, td = tokyo.login("sup"), tokyo.login("disp")
    kd, kt_ = kanagawa.login("disp"), kanagawa.login("taker")
    ev_k = Events(kanagawa, kd)
    time.sleep(0.5)

    st, b = tokyo.request("POST", "/api/v1/incidents",
                          {"type": "robbery", "lat": 35.60, "lon": 139.70, "wide_area": True,
                           "address": "東京都品川区", "narrative": "犯人は車で神奈川方面へ逃走"},
                          token=td)
    check(st == 201, f"wide-area incident at Tokyo {st} {b}")
    wide = b["id"]
    st, b = tokyo.request("POST", "/api/v1/incidents", {"type": "theft", "lat": 35.61,
                                                        "lon": 139.71}, token=td)
    local = b["id"]

    def copy_of(rid):
        st, b = kanagawa.request("GET", "/api/v1/incidents?status=all", token=kd)
        return next((i for i in b["incidents"] if i.get("ext_id") == f"tokyo:{rid}"), None)

    c = until(lambda: copy_of(wide))
    check(c is not None and c["site"] == "tokyo" and c["wide_area"] and c["type"] == "robbery"
          and c["narrative"].startswith("犯人は"), f"Kanagawa holds a copy: {c}")
    time.sleep(0.5)
    check(copy_of(local) is None, "a local incident stays local")
    check(ev_k.wait(lambda e, d: e == "incident" and d.get("ext_id") == f"tokyo:{wide}")
          is not None, "Kanagawa's command room sees it live")

    # The copy is read-only here; the origin's changes follow.
    cid = c["id"]
    st, b = kanagawa.request("PATCH", f"/api/v1/incidents/{cid}", {"address": "x"}, token=kt_)
    check(is_error(st, b, 409), f"a copy cannot be edited {st} {b}")
    st, b = kanagawa.request("POST", "/api/v1/incidents", {"type": "robbery", "lat": 35.45,
                                                           "lon": 139.63}, token=kt_)
    kinc = b["id"]
    st, b = kanagawa.request("POST", f"/api/v1/incidents/{cid}/merge", {"into": kinc}, token=kt_)
    check(is_error(st, b, 409), f"a copy cannot be merged away {st} {b}")
    st, b = kanagawa.request("POST", f"/api/v1/incidents/{kinc}/merge", {"into": cid}, token=kt_)
    check(is_error(st, b, 404), f"nothing is merged into a copy {st} {b}")
    check(copy_of(wide)["status"] == "open" and
          kanagawa.request("GET", f"/api/v1/incidents/{kinc}", token=kd)[1]["status"] == "open",
          "both incidents stay open")
    st, b = tokyo.request("POST", f"/api/v1/incidents/{wide}/close",
                          {"disposition": "transferred", "note": "神奈川県警へ引継ぎ"}, token=td)
    check(st == 200, "closed at the origin")
    c = until(lambda: (copy_of(wide) or {}).get("status") == "closed" and copy_of(wide))
    check(c is not None and c["disposition"]["code"] == "transferred",
          f"the copy follows the close: {c}")

    # An incident imported here by EIDO whose $id looks like the next Tokyo incident stays
    # Kanagawa's own: Tokyo's events go to a copy of their own.
    st, e = kanagawa.request("GET", f"/api/v1/incidents/{kinc}/eido", token=kd)
    nxt = f"{wide[:-4]}{int(wide[-4:]) + 2:04d}"  # Tokyo made wide and local so far
    e["$id"] = f"tokyo:{nxt}"
    st, b = kanagawa.request("POST", "/api/v1/eido", e, token=kt_)
    check(st == 201, f"EIDO imported {st} {b}")
    imported = b["id"]
    st, b = tokyo.request("POST", "/api/v1/incidents", {"type": "fraud", "lat": 35.62,
                                                        "lon": 139.72, "wide_area": True},
                          token=td)
    check(b["id"] == nxt, f"Tokyo's next incident is {nxt}: {b}")
    c2 = until(lambda: next((i for i in kanagawa.request(
        "GET", "/api/v1/incidents?status=all", token=kd)[1]["incidents"]
        if i.get("ext_id") == f"tokyo:{nxt}" and i["site"] == "tokyo"), None))
    check(c2 is not None and c2["id"] != imported, f"Tokyo's incident has its own copy {c2}")
    st, b = kanagawa.request("GET", f"/api/v1/incidents/{imported}", token=kd)
    check(st == 200 and b["site"] == "kanagawa" and b["agency"] == "神奈川県警察" and
          b["type"] != "fraud", f"the imported incident is untouched {st} {b}")

    # A deployment alert reaches the neighbouring prefecture.
    areq = urllib.request.Request(
        tokyo.url + "/api/v1/alerts", method="POST",
        data=json.dumps({"headline": "緊急配備", "description": "品川区内で強盗、車で逃走"}).encode(),
        headers={"Authorization": "Bearer " + td, "Content-Type": "application/json"})
    with urllib.request.urlopen(areq) as r:
        check(r.status == 201, f"alert issued {r.status}")
    check(ev_k.wait(lambda e, d: e == "alert" and d["headline"] == "緊急配備") is not None,
          "Kanagawa receives the deployment alert")

    # Nothing came back to Tokyo as a second copy (no echo).
    st, b = tokyo.request("GET", "/api/v1/incidents?status=all", token=td)
    check(sum(1 for i in b["incidents"] if i.get("ext_id")) == 0, "no echo back to the origin")
    ev_k.close()
finally:
    for srv in (tokyo, kanagawa):
        if srv:
            srv.close()
    nats.terminate()
    nats.wait(timeout=10)
kt.done()
