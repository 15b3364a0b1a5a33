"""Live events (server-sent events) and static files: order and ids, Last-Event-ID replay,
resync, scoping by station, slow clients, shutdown; the web root, Leaflet, traversal."""
import os
import socket
import tempfile
import threading
import time

import kt
from kt import check, is_error

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
RING = 50
USERS = [("admin1", "admin", "警視庁"), ("st1", "station", "警視庁", "S-1"),
         ("st2", "station", "警視庁", "S-2")]


def publish(s, token, type_="incident", data=None, scope=None, count=None):
    body = {"type": type_, "data": data if data is not None else {"n": 1}}
    if scope is not None:
        body["scope"] = scope
    if count is not None:
        body["count"] = count
    st, b = s.request("POST", "/api/v1/test/publish", body, token=token)
    assert st == 201, (st, b)
    return b["first"], b["last"]


def quiet(stream, seconds=0.3):
    """True if no event arrives within seconds."""
    stream.sock.settimeout(seconds)
    try:
        stream.events(1)
        return False
    except (socket.timeout, EOFError):
        return True
    finally:
        stream.sock.settimeout(10)


def raw_get(s, path):
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        d = sock.recv(65536)
        if not d:
            break
        data += d
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


s = kt.Server(extra=["--test-events", "--event-ring", str(RING)], users=USERS)
try:
    admin = s.login("admin1")
    st1 = s.login("st1")

    # --- authentication and bad ids
    st, b = s.request("GET", "/api/v1/events")
    check(is_error(st, b, 401, "unauthorized"), "no token: 401 JSON")
    bad = kt.EventStream(s, admin, last_id="abc")
    check(bad.status == 400 and b"invalid_request" in bad.body, "a malformed Last-Event-ID: 400")
    bad.close()
    st, b = s.request("POST", "/api/v1/test/publish", {"type": "x"}, token=st1)
    check(is_error(st, b, 403), "only admin may publish test events")

    # --- order and ids
    a = kt.EventStream(s, admin)
    check(a.status == 200 and a.headers.get("content-type") == "text/event-stream; charset=utf-8"
          and a.headers.get("cache-control") == "no-store"
          and a.headers.get("x-accel-buffering") == "no", f"stream headers {a.headers}")
    first = a.next()
    check(first == {"retry": "2000"}, f"the stream opens with retry: 2000 ({first})")
    f, l = publish(s, admin, data={"k": "新宿"}, count=5)
    evs = a.events(5)
    check([int(e["id"]) for e in evs] == list(range(f, l + 1)), "5 events in order with their ids")
    check(all(e["event"] == "incident" and e["data"] == '{"k":"新宿"}' for e in evs),
          "event type and compact JSON data")
    a.close()

    # --- reconnecting with Last-Event-ID gets exactly what was missed, then live events
    f2, l2 = publish(s, admin, type_="unit", count=3)
    b_ = kt.EventStream(s, admin, last_id=l)
    got = b_.events(3)
    check([int(e["id"]) for e in got] == list(range(f2, l2 + 1)) and
          all(e["event"] == "unit" for e in got), "Last-Event-ID replays exactly the missed ones")
    f3, _ = publish(s, admin)
    check(int(b_.events(1)[0]["id"]) == f3 and quiet(b_), "then live, without duplicates")
    b_.close()
    q = kt.EventStream(s, admin, path=f"/api/v1/events?last_event_id={l}")
    got = q.events(4)
    check([int(e["id"]) for e in got] == [f2, f2 + 1, l2, f3], "?last_event_id= works like the header")
    q.close()

    # --- an id the ring no longer holds (or never held) gets resync
    publish(s, admin, count=RING + 10)
    last = publish(s, admin)[1]
    for lid, what in ((l, "older than the ring"), (10 ** 12, "from the future")):
        r = kt.EventStream(s, admin, last_id=lid)
        ev = r.events(1)[0]
        check(ev["event"] == "resync" and ev["data"] == "{}" and int(ev["id"]) == last,
              f"resync for an id {what}: {ev}")
        check(quiet(r), f"nothing replayed after resync ({what})")
        nf, last = publish(s, admin)
        check(int(r.events(1)[0]["id"]) == nf, f"live events follow resync ({what})")
        r.close()

    # --- scoping: a station user sees its station's events and those without a station
    a = kt.EventStream(s, admin)
    s1 = kt.EventStream(s, st1)
    ids = {}
    for station in ("S-1", "S-2", "", "S-2", "S-1"):
        ids.setdefault(station, []).append(publish(s, admin, scope={"station": station})[0])
    got = [int(e["id"]) for e in s1.events(3)]
    check(got == sorted(ids["S-1"] + ids[""]) and quiet(s1),
          f"station S-1 sees only S-1 and unscoped events ({got}, {ids})")
    got = [int(e["id"]) for e in a.events(1)]
    check(got == ids[""] and quiet(a), "a user without a station sees only unscoped events")
    a.close()
    s1.close()

    # --- a client that never reads does not hold up the others, and is cut off
    slow = kt.EventStream(s, admin, rcvbuf=1024, read=False)
    fast = [kt.EventStream(s, admin) for _ in range(2)]
    time.sleep(0.2)
    results = [None, None]

    def reader(i, n):
        try:
            results[i] = [int(e["id"]) for e in fast[i].events(n)]
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = repr(e)

    threads = [threading.Thread(target=reader, args=(i, 1000)) for i in range(2)]
    for t in threads:
        t.start()
    t0 = time.time()
    pf, pl = publish(s, admin, data={"pad": "x" * 200}, count=1000)
    for t in threads:
        t.join(30)
    took = time.time() - t0
    check(all(r == list(range(pf, pl + 1)) for r in results),
          "both readers got the 1000 events in order")
    check(took < 1.0, f"1000 events reached two readers within a second ({took:.3f} s)")
    print(f"# 1000 events of ~230 bytes to 2 readers beside a stuck one: {took * 1000:.0f} ms")
    # Keep publishing bursts the readers keep up with: the stuck client's socket buffers fill
    # (about 1.3 MB on loopback), then its queue (1 MiB), and it is cut off.
    total = 1000
    for _ in range(12):
        threads = [threading.Thread(target=reader, args=(i, 500)) for i in range(2)]
        for t in threads:
            t.start()
        publish(s, admin, data={"pad": "x" * 1000}, count=500)
        total += 500
        for t in threads:
            t.join(30)
        check(all(isinstance(r, list) and len(r) == 500 for r in results),
              f"the readers keep up ({results[0] if isinstance(results[0], str) else 'ok'})")
    # Let the stuck client read now (a bigger window drains the kernel's buffers quickly): it
    # gets what was in flight, then the end of the connection.
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    slow.sock.settimeout(10)
    received, closed = 0, False
    try:
        while True:
            d = slow.sock.recv(65536)
            if not d:
                closed = True
                break
            received += d.count(b"\nevent: ")
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        pass
    check(closed and received < total,
          f"the stuck client was disconnected (it had {received} of {total} events)")
    slow.close()
    st, b = s.request("GET", "/api/v1/health")
    check(st == 200, "the server keeps serving")
    for x in fast:
        x.close()

    # --- static files
    st, body = raw_get(s, "/")
    with open(os.path.join(REPO, "web/index.html"), "rb") as fh:
        check(st == 200 and body == fh.read(), "/ serves web/index.html")
    st, b = s.request("GET", "/no-such-file.js")
    check(is_error(st, b, 404, "not_found"), "a missing file: 404 JSON")
    st, body = raw_get(s, "/vendor/leaflet/leaflet.js")
    check(st == 200 and len(body) == os.path.getsize("/usr/share/javascript/leaflet/leaflet.js"),
          "Leaflet at /vendor/leaflet/leaflet.js")
    for path in ("/../../../../etc/passwd", "/vendor/leaflet/../../../../etc/passwd",
                 "/vendor/leaflet/..%2f..%2f..%2f..%2fetc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                 "/index.html%00.js", "/.git/config"):
        st, body = raw_get(s, path)
        check(st in (400, 404) and b"root:" not in body and b'"error"' in body,
              f"{path} refused ({st})")
    st, b = s.request("POST", "/index.html", {})
    check(is_error(st, b, 405), "POST on a file: 405")
    req = kt.urllib.request.Request(s.url + "/index.html", method="HEAD")
    with kt.urllib.request.urlopen(req) as r:
        check(r.status == 200 and r.headers["Content-Type"].startswith("text/html")
              and r.headers["Cache-Control"] == "no-cache" and r.read() == b"", "HEAD")

    # --- stopping the server ends open streams promptly
    streams = [kt.EventStream(s, admin) for _ in range(3)]
    for x in streams:
        x.next()
    t0 = time.time()
    s.stop()
    took = time.time() - t0
    ended = 0
    for x in streams:
        try:
            x.events(1)
        except (EOFError, ConnectionResetError):
            ended += 1
        except socket.timeout:
            pass
        x.close()
    check(took < 5 and ended == 3, f"stop ends {ended}/3 streams in {took:.2f} s")
finally:
    s.close()

# A web root with a symlink out of it, a hidden file and a file shadowing an API route.
web = tempfile.mkdtemp(prefix="kt-web-")
with open(os.path.join(web, "index.html"), "w") as fh:
    fh.write("<!doctype html><title>t</title>")
with open(os.path.join(web, ".secret"), "w") as fh:
    fh.write("secret")
os.makedirs(os.path.join(web, "api/v1"))
with open(os.path.join(web, "api/v1/health"), "w") as fh:
    fh.write("shadow")
os.symlink("/etc/passwd", os.path.join(web, "passwd.js"))
os.symlink("index.html", os.path.join(web, "inside.html"))
s = kt.Server(extra=["--web", web])
try:
    st, body = raw_get(s, "/")
    check(st == 200 and body == b"<!doctype html><title>t</title>", "--web DIR serves DIR")
    st, body = raw_get(s, "/passwd.js")
    check(st == 404 and b"root:" not in body, "a symlink out of the web root: 404")
    st, body = raw_get(s, "/inside.html")
    check(st == 200, "a symlink inside the web root is served")
    st, body = raw_get(s, "/.secret")
    check(st in (400, 404) and body != b"secret", "hidden files refused")
    st, b = s.request("GET", "/api/v1/health")
    check(st == 200 and b.get("status") == "ok", "API routes take precedence over files")
finally:
    s.close()
    import shutil
    shutil.rmtree(web, ignore_errors=True)

kt.done()
