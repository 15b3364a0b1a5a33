"""What the forensics tests share: the keitsu binary under test and TAP-style checks."""
import os
import sys

KEITSU = os.environ.get("KEITSU_BIN", "build/keitsu")
failures = 0


def check(ok, what):
    """Prints "ok - what" or "not ok - what" and counts failures."""
    global failures
    print("%s - %s" % ("ok" if ok else "not ok", what))
    if not ok:
        failures += 1
    return ok


def skip(what, why):
    print("ok - %s # SKIP %s" % (what, why))


def done():
    sys.exit(1 if failures else 0)
