"""The case record: init, commands recorded with --case, verify (chain and evidence), replay by
a second examiner, and tampering found: a changed line, a removed line, changed evidence. The
evidence is never written: after every command its bytes (SHA-256) and mtime are unchanged."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402
from tap import KEITSU, check, done  # noqa: E402


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(args, **kw):
    p = subprocess.run([os.path.abspath(KEITSU)] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, **kw)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


# Every subcommand that reads the evidence, as recorded with --case (file-system commands fail
# cleanly until a parser recognises the partition; they are recorded all the same).
COMMANDS = [
    ["info", "IMG"],
    ["hash", "IMG"],
    ["mmls", "IMG"],
    ["body", "IMG"],
    ["body", "IMG", "--offset", "2048"],
    ["timeline", "IMG", "--offset", "2048"],
    ["dfxml", "IMG", "--offset", "2048"],
    ["report", "IMG", "--out", "OUT/report"],
    ["cat", "IMG", "4", "--offset", "2048"],
    ["stat", "IMG", "4", "--offset", "2048"],
]


def main():
    samples.need_tools()
    tmp = tempfile.mkdtemp(prefix="keitsu-case-")
    try:
        img = os.path.join(tmp, "evidence.raw")
        shutil.copy(samples.image("fs.vfat"), img)
        os.chmod(img, 0o444)
        before = (sha256(img), os.stat(img).st_mtime_ns)
        case = os.path.join(tmp, "case")
        rc, out, err = run(["image", "case", "init", case, "--image", img,
                            "--examiner", "警部補 山田", "--case-number", "R8-123"])
        check(rc == 0 and before[0] in out, "case init: %s %s" % (out.splitlines()[:1], err))
        for cmd in COMMANDS:
            args = [a.replace("IMG", img).replace("OUT", tmp) for a in cmd]
            rc, out, err = run(["image"] + args + ["--case", case])
            same = (sha256(img), os.stat(img).st_mtime_ns) == before
            check(same and "recorded" in err,
                  "%s (exit %d): recorded; evidence bytes and mtime unchanged" % (cmd[0], rc))
        with open(os.path.join(case, "case.jsonl"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        entries = [json.loads(line) for line in lines]
        check(len(entries) == 1 + len(COMMANDS) and entries[0]["examiner"] == "警部補 山田" and
              entries[0]["evidence"]["sha256"] == before[0] and
              all(e["prev"] == hashlib.sha256(lines[i].encode()).hexdigest()
                  for i, e in enumerate(entries[1:])) and
              entries[3]["argv"][:3] == ["keitsu", "image", "mmls"] and
              entries[3]["outputs"]["stdout"]["sha256"] and
              entries[3]["inputs"][0]["evidence"] is True,
              "record: %d hash-chained entries with argv, inputs and outputs" % len(entries))

        rc, out, err = run(["image", "case", "verify", case])
        check(rc == 0 and "chain intact" in out and "unchanged" in out, "verify: " + out + err)
        rc, out, err = run(["image", "case", "replay", case, "--into", os.path.join(tmp, "re")],
                           env=dict(os.environ, KEITSU_EXAMINER="巡査部長 佐藤"))
        check(rc == 0 and "%d same, 0 different" % len(COMMANDS) in out,
              "replay by a second examiner: " + out.splitlines()[-1] + err)
        check((sha256(img), os.stat(img).st_mtime_ns) == before, "evidence unchanged by replay")

        # Tampering: a changed line, a removed line.
        for what, edit in (("changed line", lambda ls: ls[:3] + [ls[3].replace("mmls", "mmlz")] +
                            ls[4:]),
                           ("removed line", lambda ls: ls[:2] + ls[3:])):
            bad = os.path.join(tmp, "bad-" + what.replace(" ", "-"))
            shutil.copytree(case, bad)
            with open(os.path.join(bad, "case.jsonl"), "w", encoding="utf-8") as f:
                f.write("\n".join(edit(lines)) + "\n")
            rc, out, err = run(["image", "case", "verify", bad])
            check(rc == 1 and "BROKEN" in out and "does not match" in err,
                  "%s found: %s" % (what, err.strip()))
            rc, out, err = run(["image", "mmls", img, "--case", bad])
            check(rc == 1 and "not recording" in err, "%s: nothing appended to it" % what)

        # Changed evidence.
        img2 = os.path.join(tmp, "evidence2.raw")
        shutil.copy(img, img2)
        os.chmod(img2, 0o644)
        case2 = os.path.join(tmp, "case2")
        run(["image", "case", "init", case2, "--image", img2, "--examiner", "A"])
        with open(img2, "r+b") as f:
            f.seek(5 << 20)
            f.write(b"\x01")
        rc, out, err = run(["image", "case", "verify", case2])
        check(rc == 1 and "CHANGED" in out and "sha256 was" in err,
              "changed evidence found: " + err.strip())
        rc, out, err = run(["image", "case", "init", case2, "--image", img2, "--examiner", "A"])
        check(rc == 1, "init refuses an existing record")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
