"""Command and dispatch: stations and units, 110 intake (lat/lon, PIDF-LO, 184 calls),
duplicates and prior calls, recommendation, dispatch, terminal sign-on/ack/status, messages and
images, close and merge, need-to-know by role and station, queries from an incident, reports,
EIDO and CAP, live events per role, restart, and nothing changed on bad input."""
import base64
import json
import re
import time
import urllib.request

import kt
from kt import check, is_error
from sse_reader import Events

TOKYO = "警視庁"
USERS = [("sup", "supervisor", TOKYO), ("taker", "call_taker", TOKYO),
         ("disp", "dispatcher", TOKYO), ("stn_a", "station", TOKYO, "S-a"),
         ("stn_b", "station", TOKYO, "S-b"), ("off_a", "officer", TOKYO, "S-a"),
         ("off_b", "officer", TOKYO, "S-b"), ("reg", "registrar", TOKYO),
         ("aud", "auditor", "警察庁"), ("osaka", "dispatcher", "大阪府警察")]


def square(lat0, lon0, lat1, lon1):
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1],
                                                [lon0, lat1], [lon0, lat0]]]}


PIDF = """<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
  xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0"
  entity="pres:caller@example.jp">
 <tuple id="t1"><status><gp:geopriv><gp:location-info>
  <gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">
   <gml:pos>35.6905 139.7005</gml:pos>
   <gs:radius uom="urn:ogc:def:uom:EPSG::9001">45</gs:radius>
  </gs:Circle>
 </gp:location-info><gp:usage-rules/></gp:geopriv></status></tuple>
</presence>"""

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()


s = kt.Server(users=USERS)
try:
    tok = {u[0]: s.login(u[0]) for u in USERS}
    R = s.request

    # ---- stations and units ----
    st, b = R("POST", "/api/v1/stations", {"id": "S-a", "name": "甲警察署",
                                           "area": square(35.68, 139.69, 35.70, 139.715)},
              token=tok["sup"])
    check(st == 201 and b["id"] == "S-a", f"station created {st} {b}")
    R("POST", "/api/v1/stations", {"id": "S-b", "name": "乙警察署",
                                   "area": square(35.70, 139.69, 35.72, 139.715)}, token=tok["sup"])
    st, b = R("POST", "/api/v1/stations", {"id": "S-c", "name": "x", "area": {"type": "Polygon",
              "coordinates": [[[139.0, 35.0], [139.1, 35.0]]]}}, token=tok["sup"])
    check(is_error(st, b, 400) or is_error(st, b, 422), f"open ring refused {st} {b}")
    st, b = R("POST", "/api/v1/stations", {"id": "S-d", "name": "x",
                                           "area": square(35, 139, 36, 140)}, token=tok["taker"])
    check(is_error(st, b, 403), "a call-taker cannot add stations")

    units = {}
    for cs, kind, stn, lat, lon in [("甲1", "patrol_car", "S-a", 35.690, 139.700),
                                    ("甲2", "patrol_car", "S-a", 35.695, 139.710),
                                    ("甲徒歩1", "foot", "S-a", 35.6901, 139.7001),
                                    ("甲白バイ1", "motorcycle", "S-a", 35.685, 139.695),
                                    ("乙1", "patrol_car", "S-b", 35.710, 139.700),
                                    ("乙艇1", "boat", "S-b", 35.715, 139.705)]:
        st, b = R("POST", "/api/v1/units", {"callsign": cs, "kind": kind, "station": stn,
                                            "lat": lat, "lon": lon}, token=tok["sup"])
        check(st == 201 and re.fullmatch(r"U-\d{4}", b.get("id", "")), f"unit {cs}: {st} {b}")
        units[cs] = b["id"]
    for body, code, what in [
            ({"callsign": "甲1", "kind": "patrol_car", "station": "S-a"}, 409, "callsign taken"),
            ({"callsign": "x1", "kind": "tank", "station": "S-a"}, 422, "unknown kind"),
            ({"callsign": "x2", "kind": "foot", "station": "S-zz"}, 422, "unknown station"),
            ({"callsign": "x3", "kind": "foot", "station": "S-a", "lat": 91, "lon": 0}, 422,
             "latitude out of range"),
            ({"callsign": "x4", "kind": "foot", "station": "S-a", "lat": 35}, 400, "lat alone"),
            ({"callsign": "x5", "kind": "foot", "station": "S-a", "colour": "red"}, 400,
             "unknown field")]:
        st, b = R("POST", "/api/v1/units", body, token=tok["sup"])
        check(is_error(st, b, code), f"{what}: {st} {b}")
    st, b = R("GET", "/api/v1/units", token=tok["disp"])
    check(st == 200 and len(b["units"]) == 6, f"six units, nothing half-added: {len(b['units'])}")
    st, b = R("POST", "/api/v1/units", {"callsign": "y", "kind": "foot", "station": "S-a"},
              token=tok["taker"])
    check(is_error(st, b, 403), "a call-taker cannot add units")
    st, b = R("GET", "/api/v1/units", token=tok["stn_b"])
    check(st == 200 and {u["station"] for u in b["units"]} == {"S-b"},
          "a station sees only its own units")
    st, b = R("GET", "/api/v1/dispatch/codes", token=tok["taker"])
    check(st == 200 and any(t["code"] == "robbery" and t["label"] == "強盗"
                            for t in b["incident_types"]), "code table in Japanese")

    # Live streams opened before the calls: command room, station A, station B.
    ev_disp = Events(s, tok["disp"])
    ev_a = Events(s, tok["stn_a"])
    ev_b = Events(s, tok["stn_b"])
    time.sleep(0.3)

    # ---- intake ----
    call = {"caller_number": "090-1234-5678", "lat": 35.6902, "lon": 139.7002,
            "uncertainty_m": 30, "address": "東京都新宿区西新宿一丁目", "type": "robbery",
            "narrative": "コンビニ強盗、刃物所持の男が逃走"}
    st, b = R("POST", "/api/v1/incidents", call, token=tok["taker"])
    check(st == 201 and re.fullmatch(r"I-\d{8}-\d{4}", b.get("id", "")), f"call taken {st} {b}")
    inc1 = b["id"]
    check(b["station"] == "S-a", f"responsible station from the area polygon: {b['station']}")
    check(b["duplicates"] == [] and b["prior_calls"] == [], "first call: no duplicates")
    st, b = R("GET", f"/api/v1/incidents/{inc1}", token=tok["disp"])
    check(st == 200 and b["status"] == "open" and b["priority"] == 1 and
          b["caller_number"] == "09012345678" and b["location"]["uncertainty_m"] == 30 and
          b["timeline"][0]["kind"] == "created", f"incident as taken: {b}")

    st, b = R("POST", "/api/v1/incidents", dict(call, lat=35.6905, lon=139.7004,
                                                narrative="同じ強盗の目撃"), token=tok["taker"])
    inc2 = b["id"]
    check(st == 201 and [d["id"] for d in b["duplicates"]] == [inc1] and
          b["duplicates"][0]["distance_m"] < 100, f"nearby same-type call offered as duplicate {b}")
    check([p["id"] for p in b["prior_calls"]] == [inc1], "prior call from the same number")

    st, b = R("POST", "/api/v1/incidents", {"pidf_lo": PIDF, "type": "traffic_injury",
                                            "location_withheld": True}, token=tok["taker"])
    check(st == 201, f"184 call with PIDF-LO: {st} {b}")
    inc3 = b["id"]
    st, b = R("GET", f"/api/v1/incidents/{inc3}", token=tok["taker"])
    check(abs(b["location"]["lat"] - 35.6905) < 1e-6 and b["location"]["uncertainty_m"] == 45 and
          b["location_withheld"] and b["caller_number"] is None, f"PIDF-LO location {b}")

    n_before = len(R("GET", "/api/v1/incidents", token=tok["disp"])[1]["incidents"])
    for body, code, what in [
            (dict(call, type="alien"), 422, "unknown type"),
            (dict(call, lat=95), 422, "lat out of range"),
            ({"type": "theft", "lat": 35.69}, 400, "lat without lon"),
            (dict(call, priority=7), 422, "priority out of range"),
            (dict(call, colour="red"), 400, "unknown field"),
            ({"type": "theft", "caller_number": "0312345678", "location_withheld": True}, 400,
             "184 call with a number"),
            ({"type": "theft", "pidf_lo": "<presence"}, 400, "broken PIDF-LO"),
            ({"type": "theft", "pidf_lo": PIDF, "lat": 35.0, "lon": 139.0}, 400,
             "PIDF-LO and lat/lon"),
            ({"type": "theft", "caller_number": "110番です"}, 422, "caller number not a number"),
            ({"narrative": "x"}, 400, "no type")]:
        st, b = R("POST", "/api/v1/incidents", body, token=tok["taker"])
        check(is_error(st, b, code), f"{what}: {st} {b}")
    st, b = R("POST", "/api/v1/incidents", call, token=tok["stn_a"])
    check(is_error(st, b, 403), "a station does not take 110 calls")
    n_after = len(R("GET", "/api/v1/incidents", token=tok["disp"])[1]["incidents"])
    check(n_before == n_after == 3, f"nothing written by bad calls {n_before} {n_after}")

    # ---- recommendation ----
    st, b = R("GET", f"/api/v1/incidents/{inc1}/recommendations", token=tok["disp"])
    ids = [u["id"] for u in b["units"]]
    check(st == 200 and ids[0] == units["甲徒歩1"], f"nearest suitable unit first: {b}")
    dists = [u["distance_m"] for u in b["units"]]
    check(dists == sorted(dists) and all(u["eta_s"] > 0 for u in b["units"]), "sorted, with ETA")
    check(units["乙艇1"] not in ids, "a boat is not suitable for a robbery")
    st, b = R("GET", f"/api/v1/incidents/{inc3}/recommendations", token=tok["disp"])
    kinds = {u["kind"] for u in b["units"]}
    check(st == 200 and "foot" not in kinds and "boat" not in kinds,
          f"traffic accident: cars and motorcycles only {kinds}")
    st, b = R("GET", f"/api/v1/incidents/{inc1}/recommendations?limit=0", token=tok["disp"])
    check(is_error(st, b, 400), "limit 0 refused")

    # ---- dispatch ----
    car = units["甲1"]
    st, b = R("POST", f"/api/v1/incidents/{inc1}/dispatch", {"units": [car]}, token=tok["taker"])
    check(is_error(st, b, 403), "a call-taker cannot dispatch")
    v0 = R("GET", f"/api/v1/incidents/{inc1}", token=tok["disp"])[1]["version"]
    st, b = R("POST", f"/api/v1/incidents/{inc1}/dispatch", {"units": [car, "U-9999"]},
              token=tok["disp"])
    check(is_error(st, b, 404), f"unknown unit: {st} {b}")
    st, b = R("GET", f"/api/v1/units/{car}", token=tok["disp"])
    check(b["status"] == "available", "nothing changed by a failed dispatch")
    st, b = R("POST", f"/api/v1/incidents/{inc1}/dispatch", {"units": [car]}, token=tok["disp"])
    check(st == 200 and b["status"] == "dispatched" and b["units"][0]["id"] == car and
          b["version"] == v0 + 1, f"dispatched {st} {b}")
    st, b = R("POST", f"/api/v1/incidents/{inc2}/dispatch", {"units": [car]}, token=tok["disp"])
    check(is_error(st, b, 409), f"a dispatched unit cannot be sent again {st} {b}")
    st, b = R("GET", f"/api/v1/units/{car}", token=tok["disp"])
    check(b["status"] == "dispatched" and b["incident"] == inc1, "unit follows its dispatch")

    # ---- terminal ----
    st, b = R("POST", f"/api/v1/units/{units['乙1']}/signon", {}, token=tok["off_a"])
    check(is_error(st, b, 403) or is_error(st, b, 404),
          "an officer cannot sign on to another station's unit")
    st, b = R("POST", f"/api/v1/units/{car}/position", {"lat": 35.69, "lon": 139.70},
              token=tok["off_a"])
    check(is_error(st, b, 403), "not signed on: no position reports")
    ev_off = None
    st, b = R("POST", f"/api/v1/units/{car}/signon", {}, token=tok["off_a"])
    check(st == 200 and b["signed_on"] == "off_a", f"signed on {st} {b}")
    st, b = R("POST", f"/api/v1/units/{car}/signon", {}, token=tok["off_b"])
    check(is_error(st, b, 403) or is_error(st, b, 404) or is_error(st, b, 409),
          "a second terminal cannot take the unit")
    st, b = R("GET", f"/api/v1/incidents/{inc1}", token=tok["off_a"])
    check(st == 200, "the officer sees the incident its unit is sent to")
    st, b = R("GET", f"/api/v1/incidents/{inc2}", token=tok["off_a"])
    check(is_error(st, b, 404), "…and not others")
    st, b = R("POST", f"/api/v1/units/{car}/ack", {"incident": inc2}, token=tok["off_a"])
    check(is_error(st, b, 409), "ack of an order the unit does not have")
    st, b = R("POST", f"/api/v1/units/{car}/ack", {"incident": inc1}, token=tok["off_a"])
    check(st == 200, f"ack {st} {b}")
    for body, code in [({"lat": 91, "lon": 0}, 422), ({"lat": 35.6}, 400),
                       ({"lat": "35", "lon": 139}, 400)]:
        st, b = R("POST", f"/api/v1/units/{car}/position", body, token=tok["off_a"])
        check(is_error(st, b, code), f"bad position {body}: {st} {b}")
    st, b = R("POST", f"/api/v1/units/{car}/position", {"lat": 35.6901, "lon": 139.7001,
                                                        "speed_kmh": 40}, token=tok["off_a"])
    check(st == 200, "position report")
    st, b = R("POST", "/api/v1/units/U-9999/position", {"lat": 35.0, "lon": 139.0},
              token=tok["off_a"])
    check(is_error(st, b, 404), "unknown unit position")
    st, b = R("POST", f"/api/v1/units/{car}/status", {"status": "transporting"},
              token=tok["off_a"])
    check(is_error(st, b, 409), f"dispatched → transporting is not allowed {st} {b}")
    st, b = R("POST", f"/api/v1/units/{car}/status", {"status": "flying"}, token=tok["off_a"])
    check(is_error(st, b, 422), "unknown status")
    st, b = R("POST", f"/api/v1/units/{car}/status", {"status": "en_route"}, token=tok["off_a"])
    check(st == 200 and b["status"] == "en_route", "en route")
    st, b = R("POST", f"/api/v1/units/{car}/status", {"status": "on_scene"}, token=tok["off_a"])
    check(st == 200 and b["status"] == "on_scene", "on scene")
    st, b = R("GET", f"/api/v1/incidents/{inc1}", token=tok["disp"])
    check(b["status"] == "on_scene" and b["on_scene_at"] and b["units"][0]["acknowledged_at"],
          f"incident on scene with arrival and ack times {b}")

    # ---- messages and images ----
    st, b = R("POST", f"/api/v1/incidents/{inc1}/messages", {"text": "被疑者は北へ逃走"},
              token=tok["off_a"])
    check(st == 201 and b["id"] > 0, f"text from the terminal {st} {b}")
    st, b = R("POST", f"/api/v1/incidents/{inc1}/messages",
              {"image": PNG, "mime": "image/png", "caption": "現場写真"}, token=tok["off_a"])
    check(st == 201, f"photo from the terminal {st} {b}")
    img = b["id"]
    req = urllib.request.Request(
        s.url + f"/api/v1/incidents/{inc1}/attachments/{img}",
        headers={"Authorization": "Bearer " + tok["disp"]})
    with urllib.request.urlopen(req) as r:
        check(r.headers["Content-Type"] == "image/png" and r.read()[:8] == b"\x89PNG\r\n\x1a\n",
              "the command room gets the image bytes")
    for body, code in [({"image": base64.b64encode(b"GIF89a....").decode(), "mime": "image/png"},
                        422), ({"image": "!!!", "mime": "image/png"}, 400),
                       ({"text": "a", "image": PNG, "mime": "image/png"}, 400), ({}, 400),
                       ({"image": PNG, "mime": "image/gif"}, 422)]:
        st, b = R("POST", f"/api/v1/incidents/{inc1}/messages", body, token=tok["off_a"])
        check(is_error(st, b, code), f"bad message {list(body)}: {st} {b}")
    st, b = R("POST", f"/api/v1/incidents/{inc2}/messages", {"text": "x"}, token=tok["off_a"])
    check(is_error(st, b, 404), "no messages to incidents the unit is not on")

    # ---- live events per role ----
    got = ev_disp.wait(lambda e, d: e == "incident" and d["id"] == inc1 and
                       d["status"] == "on_scene")
    check(got is not None, "the command room sees the incident go on scene live")
    check(ev_disp.wait(lambda e, d: e == "message" and d["incident"] == inc1 and
                       d["kind"] == "image") is not None, "…and the photo")
    check(ev_a.wait(lambda e, d: e == "incident" and d["id"] == inc1) is not None,
          "station A sees its incident")
    time.sleep(0.5)
    check(not any(e == "incident" and json.loads(dd)["id"] in (inc1, inc2, inc3)
                  for _, e, dd in ev_b.items), "station B sees none of station A's incidents")
    check(ev_disp.status == 200 and ev_b.status == 200, "streams answered 200")
    ids_seen = [i for i, _, _ in ev_disp.items]
    check(ids_seen == sorted(ids_seen) and len(set(ids_seen)) == len(ids_seen),
          "event ids increase")
    # Reconnect from an earlier id: the same events again, nothing missing.
    mid = ids_seen[len(ids_seen) // 2]
    ev_re = Events(s, tok["disp"], last_id=mid)
    time.sleep(1)
    again = [i for i, _, _ in ev_re.items]
    check(again[:len([i for i in ids_seen if i > mid])] == [i for i in ids_seen if i > mid],
          f"resume after Last-Event-ID {mid}: {again[:5]}…")
    st, b = R("GET", "/api/v1/events", token=None)
    check(is_error(st, b, 401), "no events without a session")

    # ---- station and cross-agency need-to-know ----
    st, b = R("GET", "/api/v1/incidents", token=tok["stn_b"])
    check(st == 200 and b["incidents"] == [], "station B lists none of A's incidents")
    st, b = R("GET", f"/api/v1/incidents/{inc1}", token=tok["stn_b"])
    check(is_error(st, b, 404), "station B cannot read A's incident")
    st, b = R("GET", f"/api/v1/incidents/{inc1}", token=tok["osaka"])
    check(is_error(st, b, 404), "another prefecture cannot read a local incident")
    st, b = R("GET", "/api/v1/incidents", token=tok["aud"])
    check(is_error(st, b, 403), "an auditor does not see incidents")

    # ---- queries from the incident ----
    person = {"kind": "wanted", "name_kanji": "山田 太郎", "name_kana": "ヤマダ タロウ",
              "name_romaji": "YAMADA TARO", "birth_date": "1980-04-01", "sex": "M",
              "cautions": ["armed"], "wanted": {"warrant_no": "R8-1", "offence": "強盗",
                                                "warrant_expires": "2030-01-01"}}
    st, b = R("POST", "/api/v1/records/persons", person, token=tok["reg"])
    pid = b["id"]
    st, b = R("POST", f"/api/v1/incidents/{inc1}/query/person", {"name": "やまだ たろう"},
              token=tok["disp"])
    check(st == 200 and b["hit"] and b["candidates"][0]["id"] == pid, f"query from incident {b}")
    st, b = R("POST", f"/api/v1/incidents/{inc1}/query/person",
              {"name": "x", "reason": "other"}, token=tok["disp"])
    check(is_error(st, b, 400), "the reason is the incident, not free text")
    st, b = R("POST", f"/api/v1/incidents/{inc1}/query/person", {"name": "x"},
              token=tok["taker"])
    check(is_error(st, b, 403), "a call-taker does not query records")
    st, b = R("GET", f"/api/v1/audit?record={pid}", token=tok["aud"])
    check(st == 200 and any(e.get("reason") == f"incident {inc1}" and e["actor"] == "disp"
                            for e in b["entries"]), f"audit ties the query to {inc1}: {b}")

    # ---- release, close, merge ----
    st, b = R("POST", f"/api/v1/incidents/{inc2}/merge", {"into": inc1}, token=tok["taker"])
    check(st == 200 and b["id"] == inc1, f"duplicate merged {st}")
    st, b = R("GET", f"/api/v1/incidents/{inc2}", token=tok["disp"])
    check(b["status"] == "merged" and b["merged_into"] == inc1, "merged incident points on")
    st, b = R("POST", f"/api/v1/incidents/{inc1}/close", {"disposition": "nonsense"},
              token=tok["disp"])
    check(is_error(st, b, 422), "unknown disposition")
    st, b = R("POST", f"/api/v1/incidents/{inc1}/close", {"disposition": "arrest",
                                                          "note": "現行犯逮捕"}, token=tok["disp"])
    check(st == 200 and b["status"] == "closed" and b["disposition"]["label"] == "検挙" and
          b["units"][0]["released_at"], f"closed {b}")
    st, b = R("GET", f"/api/v1/units/{car}", token=tok["disp"])
    check(b["status"] == "available" and b["incident"] is None, "units freed on close")
    st, b = R("PATCH", f"/api/v1/incidents/{inc1}", {"address": "x"}, token=tok["taker"])
    check(is_error(st, b, 409), "a closed incident cannot be edited")
    st, b = R("POST", f"/api/v1/incidents/{inc1}/dispatch", {"units": [car]}, token=tok["disp"])
    check(is_error(st, b, 409), "no dispatch to a closed incident")
    st, b = R("PATCH", f"/api/v1/incidents/{inc3}", {"address": "新宿区西新宿二丁目 交差点",
                                                      "priority": 2}, token=tok["taker"])
    check(st == 200 and b["address"].startswith("新宿区") and b["priority"] == 2,
          "address corrected by hand")
    v = b["version"]
    st, b = R("PATCH", f"/api/v1/incidents/{inc3}", {"narrative": "古い版から", "version": v - 1},
              token=tok["taker"])
    check(is_error(st, b, 409), f"a stale version is refused {st} {b}")
    st, b = R("PATCH", f"/api/v1/incidents/{inc3}", {"narrative": "最新版から", "version": v},
              token=tok["taker"])
    check(st == 200 and b["version"] == v + 1 and b["narrative"] == "最新版から",
          "the current version is accepted")
    st, b = R("GET", "/api/v1/me", token=tok["taker"])
    check(st == 200 and b["site"] == "local" and b["role"] == "call_taker", f"me {b}")
    st, b = R("PATCH", f"/api/v1/incidents/{inc3}", {"wide_area": True}, token=tok["taker"])
    check(is_error(st, b, 403), "a call-taker does not mark wide-area")

    # ---- reports, EIDO, CAP ----
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))
    st, b = R("GET", f"/api/v1/reports/response-times?from={today}&to={today}",
              token=tok["sup"])
    check(st == 200 and b["count"] == 2 and b["call_to_dispatch_s"]["n"] == 1 and
          b["call_to_arrival_s"]["n"] == 1, f"response times {b}")
    st, b = R("GET", "/api/v1/reports/response-times?from=2026-13-01&to=2026-12-01",
              token=tok["sup"])
    check(is_error(st, b, 422), "impossible report date")
    st, b = R("GET", f"/api/v1/incidents/{inc1}/eido", token=tok["disp"])
    check(st == 200 and isinstance(b, dict) and "incidentComponent" in json.dumps(b),
          f"EIDO export {str(b)[:200]}")
    eido = b
    st, b = R("POST", "/api/v1/eido", eido, token=tok["taker"])
    check(st == 201 and b["id"] != inc1, f"EIDO import {st} {b}")
    imported = b["id"]
    st, b = R("GET", f"/api/v1/incidents/{imported}", token=tok["disp"])
    check(st == 200 and b["timeline"][0]["text"].startswith("EIDO取込") and not b["wide_area"],
          f"imported locally, not re-shared {b.get('timeline')}")
    st, b = R("POST", "/api/v1/eido", eido, token=tok["taker"])
    check(is_error(st, b, 409) and imported in b["error"]["message"],
          f"the same EIDO is imported once {st} {b}")
    st, b = R("POST", "/api/v1/eido", {"not": "eido"}, token=tok["taker"])
    check(is_error(st, b, 400) or is_error(st, b, 422), "bad EIDO refused")
    areq = urllib.request.Request(
        s.url + "/api/v1/alerts", method="POST",
        data=json.dumps({"incident": inc3, "headline": "緊急配備 強盗",
                         "description": "新宿区内に緊急配備を発令",
                         "circle": {"lat": 35.69, "lon": 139.70, "radius_m": 3000}}).encode(),
        headers={"Authorization": "Bearer " + tok["disp"], "Content-Type": "application/json"})
    with urllib.request.urlopen(areq) as r:
        cap = r.read().decode()
        check(r.status == 201 and r.headers["Content-Type"].startswith("application/cap+xml")
              and "urn:oasis:names:tc:emergency:cap:1.2" in cap and "緊急配備 強盗" in cap,
              f"CAP alert {r.status} {cap[:300]}")
    st, b = R("POST", "/api/v1/alerts", {"headline": "x"}, token=tok["disp"])
    check(is_error(st, b, 400), "alert without description")

    ev_disp.close(); ev_a.close(); ev_b.close(); ev_re.close()

    # ---- restart: the store is the truth ----
    st, b = R("POST", f"/api/v1/units/{car}/position", {"lat": 35.6911, "lon": 139.7011},
              token=tok["off_a"])
    time.sleep(1.5)
    s.stop()
    s.start()
    tok2 = s.login("disp")
    st, b = R("GET", f"/api/v1/units/{car}", token=tok2)
    check(st == 200 and abs(b["lat"] - 35.6911) < 1e-6 and b["signed_on"] == "off_a",
          f"unit position and sign-on kept {b}")
    st, b = R("GET", "/api/v1/incidents?status=all", token=tok2)
    check(st == 200 and {inc1, inc2, inc3} <= {i["id"] for i in b["incidents"]},
          "incidents kept over a restart")
    st, b = R("GET", "/api/v1/audit/verify", token=s.login("aud"))
    check(st == 200 and b["ok"], f"audit chain intact {b}")
finally:
    s.close()
kt.done()
