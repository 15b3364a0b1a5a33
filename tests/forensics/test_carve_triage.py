"""keitsu image carve, search, yara and triage from the command line.

Without any file-system parser: carving a raw image with planted files (byte-exact by hash,
carved.json in the agreed format, the type filter, sector alignment), keyword search over the
raw image in UTF-8, UTF-16LE and Shift_JIS, YARA over the raw image, and bad arguments. For the
families in samples.IMPLEMENTED, also triage (a file's MD5 in a hash list is flagged, NSRL
filters), search and carving of unallocated space on Debian's sample images; the others are
skipped with a message. Usage: test_carve_triage.py"""
import hashlib
import json
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402

KEITSU = os.environ.get("KEITSU_BIN", "build/keitsu")
ORIG = os.path.join(samples.SAMPLES, "original-files")
failures = 0


def ok(cond, what):
    global failures
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures += 1


def keitsu(*args):
    p = subprocess.run([KEITSU, "image"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def png(w, h, seed):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    rows = b"".join(b"\0" + bytes((x * seed + y) & 255 for x in range(w * 3)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def planted_image(d):
    """An image of noise with files at aligned and unaligned offsets; returns (path, plants)."""
    files = [png(40, 30, 3), png(17, 9, 5)]
    for rel in ("pic1/debian_logo.jpg", "text1/a-text.pdf", "text1/a-text.docx",
                "audio2/deleted.wav"):
        p = os.path.join(ORIG, rel)
        if os.path.exists(p):
            with open(p, "rb") as f:
                files.append(f.read())
    img = bytearray(hashlib.sha256(b"seed").digest() * (8 << 20 >> 5))
    plants, pos = [], 4096
    for i, data in enumerate(files):
        off = pos if i % 2 == 0 else pos + 77
        img[off:off + len(data)] = data
        plants.append((off, hashlib.sha256(data).hexdigest()))
        pos = (off + len(data) + 8192) // 512 * 512
    path = os.path.join(d, "planted.raw")
    with open(path, "wb") as f:
        f.write(img)
    return path, plants


def carving(d):
    img, plants = planted_image(d)
    before = hashlib.sha256(open(img, "rb").read()).hexdigest()
    out = os.path.join(d, "any")
    rc, so, se = keitsu("carve", img, "--out", out, "--any-offset")
    ok(rc == 0 and "carved" in so, "carve --any-offset runs: %s" % (se.strip() or so.split("\n")[0]))
    doc = json.load(open(os.path.join(out, "carved.json")))
    got = {c["sha256"]: c for c in doc["carved"]}
    ok(all(h in got and got[h]["offset"] == off for off, h in plants),
       "every planted file carved byte-exact at its offset (%d planted, %d carved)" %
       (len(plants), len(doc["carved"])))
    c = doc["carved"][0]
    ok(set(c) >= {"offset", "length", "type", "path", "md5", "sha256", "valid"} and
       hashlib.md5(open(os.path.join(out, c["path"]), "rb").read()).hexdigest() == c["md5"],
       "carved.json entries have the agreed fields and name their files")
    out = os.path.join(d, "aligned")
    keitsu("carve", img, "--out", out)
    doc = json.load(open(os.path.join(out, "carved.json")))
    ok({c["offset"] for c in doc["carved"]} == {off for off, _ in plants if off % 512 == 0},
       "sector-aligned carving finds exactly the aligned plants")
    out = os.path.join(d, "png")
    keitsu("carve", img, "--out", out, "--types", "png", "--any-offset")
    doc = json.load(open(os.path.join(out, "carved.json")))
    ok(len(doc["carved"]) == 2 and all(c["type"] == "png" for c in doc["carved"]),
       "--types png carves only the two PNGs")
    rc, _, se = keitsu("carve", img, "--out", os.path.join(d, "x"), "--types", "exe")
    ok(rc == 1 and "exe" in se, "an unknown type is refused: %s" % se.strip())
    rc, _, _ = keitsu("carve", os.path.join(d, "missing.raw"), "--out", os.path.join(d, "y"))
    ok(rc == 1, "a missing image fails")
    ok(hashlib.sha256(open(img, "rb").read()).hexdigest() == before, "the image is unchanged")


def searching(d):
    img = bytearray(b"z" * (6 << 20))
    word = "覚醒剤"
    spots = {"utf-8": 1000, "utf-16le": 200001, "shift_jis": (4 << 20) - 2}
    for enc, off in spots.items():
        b = word.encode({"shift_jis": "cp932"}.get(enc, enc))
        img[off:off + len(b)] = b
    path = os.path.join(d, "kw.raw")
    with open(path, "wb") as f:
        f.write(img)
    out = os.path.join(d, "hits.json")
    rc, so, se = keitsu("search", path, "--keyword", word, "--keyword", "nothere", "--raw",
                        "--out", out)
    ok(rc == 0, "search runs: %s" % se.strip())
    hits = json.load(open(out))["hits"]
    found = {(h["detail"].split()[0], h["offset"]) for h in hits if h["kind"] == "keyword"}
    ok(found == {(e, o) for e, o in spots.items()},
       "覚醒剤 found in UTF-8, UTF-16LE and Shift_JIS at its offsets: %s" % sorted(found))
    rules = os.path.join(d, "r.yar")
    with open(rules, "w") as f:
        f.write('rule kakuseizai : drugs { strings: $s = { 8A 6F 90 C1 8D DC } condition: $s }\n')
    rc, so, se = keitsu("yara", path, "--rules", rules, "--raw", "--out", out)
    hits = json.load(open(out))["hits"]
    ok(rc == 0 and len(hits) == 1 and hits[0]["kind"] == "yara" and
       hits[0]["offset"] == spots["shift_jis"] and hits[0]["detail"] == "kakuseizai [drugs]",
       "yara over the raw image: %s" % (hits or se.strip()))
    with open(rules, "w") as f:
        f.write("rule broken {")
    rc, _, se = keitsu("yara", path, "--rules", rules, "--raw")
    ok(rc == 1 and se.strip(), "rules that do not compile are refused: %s" % se.strip())
    rc, _, _ = keitsu("search", path)
    ok(rc == 2, "search without --keyword is a usage error")


def on_samples(d):
    for name, start, family in samples.PARTITIONS:
        label = "%s@%d (%s)" % (name, start, family)
        if family not in samples.IMPLEMENTED:
            print("ok - triage on %s # SKIP parser not in place yet" % label)
            continue
        path = samples.image(name)
        rc, listing, _ = samples.run(["fls", "-r", "-F", "-p", "-o", str(start), path])
        entry = None
        for line in listing.decode(errors="replace").splitlines():
            meta, _, fname = line.partition("\t")
            if "*" not in meta and fname and not fname.startswith("$"):
                entry = (meta.split()[-1].rstrip(":"), fname)
                break
        if not entry:
            print("ok - triage on %s # SKIP no regular file listed" % label)
            continue
        rc, content, _ = samples.run(["icat", "-o", str(start), path, entry[0]])
        md5 = hashlib.md5(content).hexdigest()
        lst = os.path.join(d, "bad.txt")
        with open(lst, "w") as f:
            f.write("# case list\n%s  %s\n" % (md5, entry[1]))
        nsrl = os.path.join(d, "nsrl-%s-%d.db" % (name, start))
        db = sqlite3.connect(nsrl)
        db.execute("CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR "
                   "NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, package_id "
                   "INTEGER NOT NULL)")
        db.commit()
        db.close()
        out = os.path.join(d, "triage.json")
        rc, so, se = keitsu("triage", path, "--offset", str(start), "--hashes", lst, "--nsrl",
                            nsrl, "--out", out)
        hits = json.load(open(out))["hits"] if rc == 0 else []
        ok(any(h["kind"] == "hash" and h["path"].lstrip("/").startswith(entry[1]) for h in hits),
           "triage on %s flags %s by its MD5: %s" % (label, entry[1], se.strip()[:200]))
        rc, so, se = keitsu("carve", path, "--unalloc", "--offset", str(start), "--out",
                            os.path.join(d, "unalloc-%s-%d" % (name, start)))
        ok(rc == 0, "carving the unallocated space of %s: %s" % (label, (so + se).strip()[:200]))


def main():
    if not os.path.isdir(samples.SAMPLES):
        samples.need_tools()
    with tempfile.TemporaryDirectory() as d:
        carving(d)
        searching(d)
        on_samples(d)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
