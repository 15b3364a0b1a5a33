#!/usr/bin/env python3
"""Test image and scoring for the carving benchmark (bench/run_forensics_carve.sh).

  bench_forensics_carve.py make IMAGE TRUTH.json [--mib N] [--seed S]
  bench_forensics_carve.py score TRUTH.json DIR NAME SECONDS CPU_SECONDS

make writes an image of N MiB (default 512): filler in stretches of random bytes, zeros and
text, with planted files at known offsets: Debian's sample files (forensics-samples-all's
original-files: JPEG, PNG, PDF, DOCX, ODT, WAV, Ogg, MP3, MP4, AVI) and files generated here
(PNG, GIF, BMP, PDF, ZIP, DOCX, XLSX, SQLite; JPEGs made unique by a comment segment). About
60 % start on a sector boundary, the rest at any byte. A few more are planted damaged to count
false positives: truncated (their first 60 %, then filler) and fragmented (two halves with
filler between). TRUTH.json lists every planted file with its offset, length, SHA-256, type and
state (intact, truncated, fragmented).

score hashes every file a carver wrote under DIR and prints one line of JSON: recall (intact
planted files recovered byte-exact, by SHA-256; overall, sector-aligned and unaligned), outputs,
and false positives (outputs that are no planted file: partial, damaged, embedded or garbage)."""
import hashlib
import io
import json
import os
import random
import sqlite3
import struct
import sys
import tempfile
import zipfile
import zlib

ORIG = "/usr/share/forensics-samples/original-files"
ORIGINALS = [  # (path, type) of the sample files most carvers claim
    ("pic1/IMG-20191006-WA0002.jpg", "jpg"), ("pic1/IMG_1054.JPG", "jpg"),
    ("pic1/IMG_20200827_231612.jpg", "jpg"), ("pic1/debian_logo.jpg", "jpg"),
    ("pic1/empty.jpg", "jpg"), ("pic2/IMG_20191224_234846.jpg", "jpg"),
    ("pic2/IMG_20200124_231153.jpg", "jpg"), ("pic2/IMG_20200608_111614.jpg", "jpg"),
    ("pic2/d-debian.jpg", "jpg"), ("pic1/debian.png", "png"), ("pic1/debian_logo.png", "png"),
    ("pic2/d-debian.png", "png"), ("text1/a-text.pdf", "pdf"),
    ("text1/a-text-pass-A5d.pdf", "pdf"), ("text2/d-text.pdf", "pdf"),
    ("text1/a-text.docx", "docx"), ("text2/d-text.docx", "docx"), ("text1/a-text.odt", "odt"),
    ("audio1/debian.wav", "wav"), ("audio2/deleted.wav", "wav"), ("audio1/debian.ogg", "ogg"),
    ("audio1/debian.mp3", "mp3"), ("movie1/VID_20191220_170832.mp4", "mp4"),
    ("movie2/movie-hello.mp4", "mp4"), ("movie2/movie-hello.avi", "avi"),
]
WORDS = ("police report evidence suspect vehicle station warrant officer statement witness "
         "address telephone account transfer meeting tomorrow station record").split()


def chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))


def gen_png(r):
    w, h = r.randint(16, 200), r.randint(16, 200)
    rows = b"".join(b"\0" + r.randbytes(w * 3) for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def gen_gif(r):
    """A 256-colour GIF whose LZW stream resets before codes grow past 9 bits."""
    w, h = r.randint(8, 120), r.randint(8, 120)
    px = r.randbytes(w * h)
    codes, run = [256], 0
    for p in px:
        codes.append(p)
        run += 1
        if run == 254:
            codes.append(256)
            run = 0
    codes.append(257)
    bits, nbits, out = 0, 0, bytearray()
    for c in codes:
        bits |= c << nbits
        nbits += 9
        while nbits >= 8:
            out.append(bits & 255)
            bits >>= 8
            nbits -= 8
    if nbits:
        out.append(bits & 255)
    sub = b"".join(bytes([len(out[i:i + 255])]) + out[i:i + 255] for i in range(0, len(out), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0xF7, 0, 0) + r.randbytes(768) +
            b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h, 0) + b"\x08" + sub + b"\x00\x3b")


def gen_bmp(r):
    w, h = r.randint(8, 160), r.randint(8, 160)
    row = (w * 3 + 3) & ~3
    data = r.randbytes(row * h)
    return (b"BM" + struct.pack("<IHHI", 54 + len(data), 0, 0, 54) +
            struct.pack("<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(data), 2835, 2835, 0, 0) + data)


def text(r, n):
    return " ".join(r.choice(WORDS) for _ in range(n))


def gen_pdf(r):
    body = ("BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text(r, r.randint(20, 400))).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offs = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"), []
    for i, o in enumerate(objs):
        offs.append(len(out))
        out += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return bytes(out)


def gen_zip(r, kind):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        if kind == "docx":
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<w:document>%s</w:document>" % text(r, 300))
        elif kind == "xlsx":
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("xl/workbook.xml", "<workbook>%s</workbook>" % text(r, 200))
        else:
            for i in range(r.randint(1, 6)):
                z.writestr("docs/file%d.txt" % i, text(r, r.randint(10, 2000)))
            z.writestr("data.bin", r.randbytes(r.randint(100, 20000)))
    return b.getvalue()


def gen_sqlite(r):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "x.db")
        db = sqlite3.connect(p)
        db.execute("CREATE TABLE calls(id INTEGER PRIMARY KEY, number TEXT, note TEXT)")
        db.executemany("INSERT INTO calls(number, note) VALUES (?, ?)",
                       [("090%08d" % r.randint(0, 10**8), text(r, 10))
                        for _ in range(r.randint(10, 3000))])
        db.commit()
        db.close()
        with open(p, "rb") as f:
            return f.read()


def jpeg_variant(r, data):
    """The JPEG with a comment segment after SOI: still valid, a hash of its own."""
    com = b"keitsu-bench %d" % r.randint(0, 10**12)
    return data[:2] + b"\xff\xfe" + struct.pack(">H", len(com) + 2) + com + data[2:]


def filler(r, n):
    k = r.randrange(3)
    if k == 0:
        return r.randbytes(n)
    if k == 1:
        return bytes(n)
    t = (text(r, n // 5 + 1) + "\n").encode()
    return (t * (n // len(t) + 1))[:n]


def make(image, truth, mib, seed):
    r = random.Random(seed)
    files = []
    for path, t in ORIGINALS:
        p = os.path.join(ORIG, path)
        if os.path.exists(p):
            with open(p, "rb") as f:
                files.append((t, f.read()))
    jpegs = [d for t, d in files if t == "jpg" and len(d) < 1 << 20]
    gens = [("png", gen_png), ("gif", gen_gif), ("bmp", gen_bmp), ("pdf", gen_pdf),
            ("zip", lambda r: gen_zip(r, "zip")), ("docx", lambda r: gen_zip(r, "docx")),
            ("xlsx", lambda r: gen_zip(r, "xlsx")), ("sqlite", gen_sqlite),
            ("jpg", lambda r: jpeg_variant(r, r.choice(jpegs)))]
    n_gen = max(20, mib // 2)
    for i in range(n_gen):
        t, g = gens[i % len(gens)]
        files.append((t, g(r)))
    r.shuffle(files)
    size = mib << 20
    damaged = [("truncated", files[i]) for i in range(0, 8)] + \
              [("fragmented", files[i]) for i in range(8, 13)]
    intact = files[13:]
    plan = [("intact", f) for f in intact] + damaged
    r.shuffle(plan)
    total = sum(len(f[1]) for _, f in plan) + 70000 * len(plan)
    if total > size:
        sys.exit("bench_forensics_carve.py: %d MiB is too small for %d files" % (mib, len(plan)))
    gap = (size - total) // (len(plan) + 1)
    out = open(image, "wb")
    pos, recs = 0, []

    def write_filler(n):
        nonlocal pos
        while n > 0:
            k = min(n, r.randint(4096, 1 << 20))
            out.write(filler(r, k))
            pos += k
            n -= k

    for state, (t, data) in plan:
        g = r.randint(gap // 2, gap * 3 // 2)
        aligned = r.random() < 0.6
        start = pos + g
        start = (start + 511) // 512 * 512 if aligned else start | 1
        write_filler(start - pos)
        rec = {"offset": pos, "length": len(data), "type": t, "state": state,
               "aligned": pos % 512 == 0, "sha256": hashlib.sha256(data).hexdigest()}
        if state == "intact":
            out.write(data)
            pos += len(data)
        elif state == "truncated":
            k = len(data) * 6 // 10
            out.write(data[:k])
            pos += k
        else:
            k = len(data) // 2 // 512 * 512 or len(data) // 2
            out.write(data[:k])
            pos += k
            write_filler(65536 + r.randint(0, 64) * 512)
            out.write(data[k:])
            pos += len(data) - k
        recs.append(rec)
    write_filler(size - pos)
    out.close()
    with open(truth, "w") as f:
        json.dump({"size": size, "files": recs}, f, indent=1)
    n_int = sum(1 for x in recs if x["state"] == "intact")
    print("image %s: %d MiB, %d files planted intact (%d sector-aligned), %d truncated, "
          "%d fragmented" % (image, mib, n_int,
                             sum(1 for x in recs if x["state"] == "intact" and x["aligned"]),
                             sum(1 for x in recs if x["state"] == "truncated"),
                             sum(1 for x in recs if x["state"] == "fragmented")))


SKIP = {"carved.json", "audit.txt", "report.xml", "photorec.log", "photorec.ses"}


def score(truth, d, name, secs, cpu):
    with open(truth) as f:
        t = json.load(f)
    intact = [x for x in t["files"] if x["state"] == "intact"]
    want = {x["sha256"] for x in intact}
    got = set()
    outputs = fp = 0
    for root, _, names in os.walk(d):
        for n in names:
            if n in SKIP:
                continue
            h = hashlib.sha256()
            with open(os.path.join(root, n), "rb") as f:
                for b in iter(lambda: f.read(1 << 20), b""):
                    h.update(b)
            outputs += 1
            if h.hexdigest() in want:
                got.add(h.hexdigest())
            else:
                fp += 1
    al = [x for x in intact if x["aligned"]]
    un = [x for x in intact if not x["aligned"]]
    res = {"tool": name, "seconds": float(secs), "cpu_seconds": float(cpu),
           "mib_per_s": round(t["size"] / 1048576 / max(float(secs), 1e-9), 1),
           "recall": len(got), "planted": len(intact),
           "recall_aligned": sum(1 for x in al if x["sha256"] in got), "aligned": len(al),
           "recall_unaligned": sum(1 for x in un if x["sha256"] in got), "unaligned": len(un),
           "outputs": outputs, "false_positives": fp,
           "missed_types": sorted({x["type"] for x in intact if x["sha256"] not in got})}
    print(json.dumps(res))


def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "make":
        mib, seed = 512, 1
        for i in range(3, len(a) - 1):
            if a[i] == "--mib":
                mib = int(a[i + 1])
            if a[i] == "--seed":
                seed = int(a[i + 1])
        make(a[1], a[2], mib, seed)
    elif len(a) == 6 and a[0] == "score":
        score(a[1], a[2], a[3], a[4], a[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
