"""Harness for integration tests: a real `keitsu serve` on a loopback port, on SQLite or on a
fresh PostgreSQL database (KEITSU_TEST_STORE=pg with KEITSU_TEST_PG set)."""
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BIN = os.environ.get("KEITSU_BIN", os.path.join(os.path.dirname(__file__), "../../build/keitsu"))
STORE = os.environ.get("KEITSU_TEST_STORE", "sqlite")
PASSWORD = "correct-horse-battery"

_failures = 0
_passes = 0


def check(cond, what):
    global _failures, _passes
    if cond:
        _passes += 1
    else:
        _failures += 1
        print("FAIL:", what, file=sys.stderr)


def done():
    print(f"{_passes} passed, {_failures} failed")
    sys.exit(1 if _failures else 0)


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


class Server:
    def __init__(self, extra=(), users=()):
        self.dir = tempfile.mkdtemp(prefix="kt-test-")
        self.db_args = []
        self.pg_db = None
        if STORE == "pg":
            base = os.environ["KEITSU_TEST_PG"]
            self.pg_db = f"kt_it_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
            psql(base, f"CREATE DATABASE {self.pg_db}")
            self.db_url = re.sub(r"/[^/]*$", "/" + self.pg_db, base)
            self.db_args = ["--db", self.db_url]
        for user in users:  # (name, role, agency[, station])
            self.add_user(*user)
        self.extra = list(extra)
        self.proc = None
        self.start()

    def add_user(self, name, role, agency, station=None, password=PASSWORD):
        r = subprocess.run([BIN, "user", "add", "--data", self.dir, name, "--role", role,
                            "--agency", agency] + (["--station", station] if station else [])
                           + self.db_args,
                           input=password + "\n", capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r

    def start(self):
        # Few threads: each holds a store connection, and several servers share one PostgreSQL.
        self.proc = subprocess.Popen([BIN, "serve", "--data", self.dir, "--listen", "127.0.0.1:0",
                                      "--threads", "6"]
                                     + self.db_args + self.extra,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 300
        self.output = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server exited: " + self.proc.stderr.read())
            self.output.append(line)
            m = re.search(r"serving on (https?)://[^:]+:(\d+)", line)
            if m:
                self.port = int(m.group(2))
                self.url = f"{m.group(1)}://127.0.0.1:{self.port}"
                # HTTPS: trust the server's own certificate (--tls-cert) and nothing else
                self.ssl = None
                if m.group(1) == "https":
                    self.ssl = ssl.create_default_context(
                        cafile=self.extra[self.extra.index("--tls-cert") + 1])
                return
        raise RuntimeError("server did not start")

    def stop(self):
        if self.proc:
            crashed = self.proc.poll() is not None
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            err = self.proc.stderr.read()
            # A server that died by itself, or that a sanitizer reported on, fails the test.
            if crashed or "Sanitizer" in err or "runtime error" in err:
                check(False, "server crashed or a sanitizer reported:\n" + err[-4000:])
            self.proc = None

    def close(self):
        self.stop()
        if self.pg_db:
            psql(os.environ["KEITSU_TEST_PG"], f"DROP DATABASE IF EXISTS {self.pg_db}")
        shutil.rmtree(self.dir, ignore_errors=True)

    def cli(self, *args, stdin=""):
        return subprocess.run([BIN] + list(args), input=stdin, capture_output=True, text=True)

    def sql(self, statement):
        """Runs SQL directly on the store (as an insider with database access would)."""
        if self.pg_db:
            r = subprocess.run(["psql", "-At", "-v", "ON_ERROR_STOP=1", self.db_url, "-c",
                                statement], capture_output=True, text=True)
        else:
            r = subprocess.run(["sqlite3", os.path.join(self.dir, "keitsu.db"), statement],
                               capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()

    def request(self, method, path, body=None, token=None, raw=None, headers=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.open(req) as r:
                return r.status, json.loads(r.read().decode() or "null")
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text

    def open(self, req, timeout=60):
        """urlopen on this server (over HTTPS when it serves HTTPS)."""
        return urllib.request.urlopen(req, timeout=timeout, context=self.ssl)

    def login(self, name, password=PASSWORD):
        status, body = self.request("POST", "/api/v1/sessions", {"user": name,
                                                                 "password": password})
        assert status == 201, (status, body)
        return body["token"]


class EventStream:
    """A server-sent events client on a raw socket, so tests control everything: the request
    headers, the receive buffer (rcvbuf), and whether it reads at all (read=False sends the
    request and leaves the answer unread). status and headers (lower-case names) are set when
    read; next() returns the next block as a dict of its fields ("id", "event", "data",
    "retry", ":" for a comment), raising EOFError at the end of the stream and socket.timeout
    when nothing comes."""

    def __init__(self, server, token=None, path="/api/v1/events", last_id=None, timeout=10,
                 rcvbuf=None, read=True):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(("127.0.0.1", server.port))
        req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        if token:
            req += f"Authorization: Bearer {token}\r\n"
        if last_id is not None:
            req += f"Last-Event-ID: {last_id}\r\n"
        self.sock.sendall((req + "\r\n").encode())
        self.raw = b""
        self.body = b""
        self.ended = False
        self.status = None
        self.headers = {}
        if read:
            while b"\r\n\r\n" not in self.raw:
                self._recv()
            head, self.raw = self.raw.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            self.status = int(lines[0].split()[1])
            for line in lines[1:]:
                k, v = line.split(":", 1)
                self.headers[k.strip().lower()] = v.strip()
            self.chunked = "chunked" in self.headers.get("transfer-encoding", "")
            if not self.chunked:
                self.body, self.raw = self.raw, b""

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("stream closed")
        self.raw += data

    def _decode(self):
        if not self.chunked:
            self.body += self.raw
            self.raw = b""
            return
        while b"\r\n" in self.raw:
            size_line, rest = self.raw.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                self.ended = True
                self.raw = b""
                return
            if len(rest) < size + 2:
                return
            self.body += rest[:size]
            self.raw = rest[size + 2:]

    def next(self):
        self._decode()
        while b"\n\n" not in self.body:
            if self.ended:
                raise EOFError("stream ended")
            self._recv()
            self._decode()
        block, self.body = self.body.split(b"\n\n", 1)
        ev = {}
        for line in block.decode().split("\n"):
            k, _, v = line.partition(":")
            ev[k if k else ":"] = v[1:] if v.startswith(" ") else v
        return ev

    def events(self, n):
        """The next n events (blocks with an event field), skipping retry and comments."""
        out = []
        while len(out) < n:
            ev = self.next()
            if "event" in ev:
                out.append(ev)
        return out

    def close(self):
        self.sock.close()


def is_error(status, body, want_status, want_code=None):
    ok = status == want_status and isinstance(body, dict) and "error" in body \
        and isinstance(body["error"].get("message"), str) and body["error"]["message"] != ""
    if ok and want_code:
        ok = body["error"]["code"] == want_code
    return ok
