"""The main job's dispatch side: `keitsu serve --demo` creates the Shinjuku-area stations and
units, demo users who can log in with the printed credentials, and units that move (AVL)."""
import os
import time

import kt
from kt import check

s = kt.Server(extra=["--demo", "--demo-persons", "300", "--demo-vehicles", "300"])
try:
    creds = {}
    with open(os.path.join(s.dir, "demo-credentials")) as f:
        for line in f:
            name, pw = line.split()[:2]
            creds[name] = pw
    check({"taker", "dispatcher", "supervisor", "shinjuku", "officer"} <= set(creds),
          f"demo users for dispatch: {sorted(creds)}")
    tok = s.login("dispatcher", creds["dispatcher"])
    st, b = s.request("GET", "/api/v1/stations", token=tok)
    check(st == 200 and [x["name"] for x in b["stations"]][:1] == ["新宿警察署"] and
          len(b["stations"]) == 4, f"four stations {st}")
    st, b = s.request("GET", "/api/v1/units", token=tok)
    units = {u["id"]: u for u in b["units"]}
    check(len(units) == 29 and all(u["lat"] for u in units.values()), f"29 units with fixes")
    st, b = s.request("POST", "/api/v1/incidents", {"type": "theft", "lat": 35.69, "lon": 139.70},
                      token=s.login("taker", creds["taker"]))
    check(st == 201 and b["station"] == "S-shinjuku", f"a call in Shinjuku {b}")
    inc = b["id"]
    st, b = s.request("GET", f"/api/v1/incidents/{inc}/recommendations", token=tok)
    first = b["units"][0]["id"]
    st, b = s.request("POST", f"/api/v1/incidents/{inc}/dispatch", {"units": [first]}, token=tok)
    check(st == 200, "dispatch the nearest")
    d0 = b["units"][0]
    time.sleep(6)
    st, b = s.request("GET", "/api/v1/units", token=tok)
    moved = sum(1 for u in b["units"] if (u["lat"], u["lon"]) != (units[u["id"]]["lat"],
                                                                 units[u["id"]]["lon"]))
    check(moved >= 10, f"units patrol by themselves ({moved} moved)")
    st, b = s.request("GET", f"/api/v1/incidents/{inc}/recommendations?limit=50", token=tok)
    check(st == 200 and first not in [u["id"] for u in b["units"]] and d0["id"] == first,
          "the dispatched unit is no longer recommended")
finally:
    s.close()
kt.done()
