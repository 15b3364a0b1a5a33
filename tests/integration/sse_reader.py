"""An SSE reader for the dispatch tests (GET /api/v1/events over a raw socket)."""
import json
import re
import socket
import threading
import time


class Events:
    """Reads GET /api/v1/events in a thread; keeps (id, event, data) tuples."""

    def __init__(self, server, token, last_id=None):
        self.items = []
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        hdr = f"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        if last_id is not None:
            hdr += f"Last-Event-ID: {last_id}\r\n"
        self.sock.sendall((hdr + "\r\n").encode())
        self.status = None
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                buf += chunk
                if self.status is None and b"\r\n\r\n" in buf:
                    head, buf = buf.split(b"\r\n\r\n", 1)
                    self.status = int(head.split()[1])
                # Chunked transfer: strip chunk-size lines crudely by parsing frames on text.
                text = buf.decode("utf-8", "replace")
                for m in re.finditer(r"id: (\d+)\r?\nevent: (\w+)\r?\ndata: (.*?)\r?\n\r?\n", text):
                    item = (int(m.group(1)), m.group(2), m.group(3))
                    if item not in self.items:
                        self.items.append(item)
        except OSError:
            return

    def wait(self, pred, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            for i in list(self.items):
                try:
                    if pred(i[1], json.loads(i[2])):
                        return json.loads(i[2])
                except ValueError:
                    pass
            time.sleep(0.05)
        return None

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
