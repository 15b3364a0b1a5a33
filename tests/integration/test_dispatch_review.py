"""Command and dispatch, pinned by review: need-to-know between agencies on one site, the unit
status machine as docs/dispatch.md writes it, an officer's event stream, closing an incident
with many units, and merges that are refused leave nothing half done."""
import json
import time

import kt
from kt import check, is_error
from sse_reader import Events

TOKYO = "警視庁"
OSAKA = "大阪府警察"
USERS = [("sup", "supervisor", TOKYO), ("taker", "call_taker", TOKYO),
         ("disp", "dispatcher", TOKYO), ("stn_a", "station", TOKYO, "S-a"),
         ("off_a", "officer", TOKYO, "S-a"), ("osaka", "dispatcher", OSAKA)]


def square(lat0, lon0, lat1, lon1):
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1],
                                                [lon0, lat1], [lon0, lat0]]]}


s = kt.Server(users=USERS)
try:
    tok = {u[0]: s.login(u[0]) for u in USERS}
    R = s.request
    st, b = R("POST", "/api/v1/stations", {"id": "S-a", "name": "甲警察署",
                                           "area": square(35.68, 139.69, 35.70, 139.715)},
              token=tok["sup"])
    check(st == 201, f"station {st} {b}")

    def unit(cs, token="sup"):
        st, b = R("POST", "/api/v1/units", {"callsign": cs, "kind": "patrol_car",
                                            "station": "S-a", "lat": 35.69, "lon": 139.70},
                  token=tok[token])
        check(st == 201, f"unit {cs}: {st} {b}")
        return b["id"]

    def incident(token="taker", **extra):
        body = dict({"lat": 35.69, "lon": 139.70, "type": "theft"}, **extra)
        st, b = R("POST", "/api/v1/incidents", body, token=tok[token])
        check(st == 201, f"incident {st} {b}")
        return b["id"]

    def get(inc, token="disp"):
        return R("GET", f"/api/v1/incidents/{inc}", token=tok[token])[1]

    # ---- another agency on the same site may see a wide-area incident, not change it ----
    wide = incident(wide_area=True)
    v0 = get(wide)["version"]
    for path, body in [("", {"address": "x"}), ("/close", {"disposition": "arrest"}),
                       ("/messages", {"text": "x"})]:
        st, b = R("PATCH" if path == "" else "POST", f"/api/v1/incidents/{wide}{path}", body,
                  token=tok["osaka"])
        check(is_error(st, b, 403) or is_error(st, b, 404),
              f"another agency cannot write {path or 'PATCH'} to a wide incident: {st} {b}")
    got = get(wide)
    check(got["status"] == "open" and got["address"] is None and got["version"] == v0 and
          len(got["timeline"]) == 1, f"the wide incident is untouched {got}")

    # A merge into another agency's incident is refused before anything is written.
    osaka_inc = incident(token="osaka", wide_area=True)
    mine = incident(type="assault")
    st, b = R("POST", f"/api/v1/incidents/{mine}/merge", {"into": osaka_inc}, token=tok["taker"])
    check(is_error(st, b, 403) or is_error(st, b, 404) or is_error(st, b, 409),
          f"no merge into another agency's incident: {st} {b}")
    check(get(mine)["status"] == "open", "the merged-away incident stays open")
    # A merge within the agency writes both incidents in one change.
    survivor = incident(type="assault")
    v1 = get(survivor)["version"]
    st, b = R("POST", f"/api/v1/incidents/{mine}/merge", {"into": survivor}, token=tok["taker"])
    check(st == 200 and b["id"] == survivor and b["version"] == v1 + 1 and
          b["timeline"][-1]["kind"] == "merged" and mine in b["timeline"][-1]["text"],
          f"the survivor notes what joined it {st} {b}")
    check(get(mine)["merged_into"] == survivor, "merged")

    # ---- the unit status machine: a unit cannot release itself ----
    car = unit("甲1")
    other = unit("甲2")
    st, b = R("POST", f"/api/v1/units/{car}/signon", {}, token=tok["off_a"])
    check(st == 200, f"signed on {st} {b}")
    ev_off = Events(s, tok["off_a"])
    time.sleep(0.3)
    inc = incident()
    st, b = R("POST", f"/api/v1/incidents/{inc}/dispatch", {"units": [car]}, token=tok["disp"])
    check(st == 200, f"dispatched {st} {b}")
    st, b = R("POST", f"/api/v1/units/{car}/status", {"status": "on_scene"}, token=tok["off_a"])
    check(st == 200, f"on scene {st} {b}")
    for who in ("off_a", "stn_a"):
        for status in ("on_scene", "transporting"):
            R("POST", f"/api/v1/units/{car}/status", {"status": status}, token=tok["off_a"])
            st, b = R("POST", f"/api/v1/units/{car}/status", {"status": "available"},
                      token=tok[who])
            check(is_error(st, b, 409), f"{who}: {status} → available only by release: {st} {b}")
    got = R("GET", f"/api/v1/units/{car}", token=tok["disp"])[1]
    check(got["incident"] == inc and got["status"] == "transporting", f"still assigned {got}")
    check(get(inc)["units"][0]["released_at"] is None, "the assignment is not ended")
    st, b = R("POST", f"/api/v1/units/{car}/status", {"status": "available"}, token=tok["disp"])
    check(st == 200 and b["status"] == "available", f"the dispatcher releases it {st} {b}")

    # ---- an officer's stream: only its own unit's status ----
    st, b = R("POST", f"/api/v1/units/{other}/status", {"status": "out_of_service"},
              token=tok["disp"])
    check(st == 200, f"other unit out of service {st} {b}")
    check(ev_off.wait(lambda e, d: e == "unit" and d["id"] == car and
                      d["status"] == "available") is not None, "the officer sees its own unit")
    time.sleep(0.5)
    leaked = [d for _, e, d in ev_off.items if e == "unit" and json.loads(d)["id"] == other]
    check(not leaked, f"the officer does not see another unit's status: {leaked}")
    ev_off.close()

    # ---- closing an incident with more units than one change holds releases them all ----
    many = [unit(f"甲{n}") for n in range(3, 20)]  # 17 units
    big = incident(type="robbery")
    st, b = R("POST", f"/api/v1/incidents/{big}/dispatch", {"units": many[:16]},
              token=tok["disp"])
    check(st == 200, f"dispatch 16: {st} {b}")
    st, b = R("POST", f"/api/v1/incidents/{big}/dispatch", {"units": many[16:]},
              token=tok["disp"])
    if st == 200:
        check(True, "a 17th unit may be sent if the close can release it")
    else:
        check(is_error(st, b, 409), f"a 17th unit is refused, not half sent: {st} {b}")
        got = R("GET", f"/api/v1/units/{many[16]}", token=tok["disp"])[1]
        check(got["status"] == "available", f"the refused unit is untouched {got}")
    st, b = R("POST", f"/api/v1/incidents/{big}/close", {"disposition": "arrest"},
              token=tok["disp"])
    check(st == 200 and b["status"] == "closed", f"closed {st}")
    stuck = [u for u in R("GET", "/api/v1/units", token=tok["disp"])[1]["units"]
             if u["incident"] == big or (u["id"] in many and u["status"] != "available")]
    check(not stuck, f"every unit is free after the close: {[u['id'] for u in stuck]}")
finally:
    s.close()
kt.done()
