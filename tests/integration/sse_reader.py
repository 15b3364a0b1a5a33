"""Collects a live event stream in the background for the dispatch tests: kt.EventStream read
by a thread, each block kept as (id, event, data-text)."""
import json
import socket
import threading
import time

import kt


class Events:
    def __init__(self, server, token, last_id=None):
        self.items = []
        self.stream = kt.EventStream(server, token, last_id=last_id, timeout=30)
        self.status = self.stream.status
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        try:
            while True:
                block = self.stream.next()
                if "id" in block and "event" in block:
                    self.items.append((int(block["id"]), block["event"], block.get("data", "")))
        except (EOFError, OSError, ValueError, socket.timeout):
            return

    def wait(self, pred, timeout=10):
        """The data of the first event for which pred(event, data) holds, or None."""
        end = time.time() + timeout
        while time.time() < end:
            for _, event, data in list(self.items):
                try:
                    if pred(event, json.loads(data)):
                        return json.loads(data)
                except ValueError:
                    pass
            time.sleep(0.05)
        return None

    def close(self):
        try:
            self.stream.sock.close()
        except OSError:
            pass
