"""keitsu image report: one self-contained report.html with the expected sections (evidence
hashes, case record, volumes, file tree, deleted files, carved files, hits, timeline), no
scripts and no external assets, hostile text (a <script> in a carved file's path, the case
number and a hit) escaped; it parses with html.parser and, where Chromium is installed, loads
in headless Chromium with the same text. Recorded with --case, its replay is identical."""
import hashlib
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402
from tap import KEITSU, check, done, skip  # noqa: E402

EVIL = "<script>alert('x')</script>"


class Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.ids, self.text, self.urls, self.depth = [], set(), [], [], 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k == "id":
                self.ids.add(v)
            if k in ("src", "href") and v and not v.startswith("#"):
                self.urls.append(v)
        if tag == "details":
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "details":
            self.depth -= 1

    def handle_data(self, data):
        self.text.append(data)


def main():
    samples.need_tools()
    tmp = tempfile.mkdtemp(prefix="keitsu-report-")
    try:
        img = samples.image("fs.vfat")
        carved = os.path.join(tmp, "carved")
        os.mkdir(carved)
        with open(os.path.join(carved, "carved.json"), "w") as f:
            json.dump({"carved": [{"offset": 1048576, "length": 1234, "type": "jpg",
                                   "path": EVIL + ".jpg", "md5": "0" * 32}]}, f)
        hits = os.path.join(tmp, "hits.json")
        with open(hits, "w") as f:
            json.dump({"hits": [{"kind": "keyword", "path": "/a.txt", "addr": "5",
                                 "offset": 7, "detail": EVIL}]}, f)
        case = os.path.join(tmp, "case")
        subprocess.run([KEITSU, "image", "case", "init", case, "--image", img, "--examiner",
                        "警部補 山田", "--case-number", "R8-" + EVIL], check=True,
                       stdout=subprocess.DEVNULL)
        out = os.path.join(tmp, "out")
        rc, _, err = samples.run([KEITSU, "image", "report", img, "--out", out, "--carved",
                                  carved, "--hits", hits, "--case", case])
        path = os.path.join(out, "report.html")
        check(rc == 0 and os.path.exists(path), "report written: " + err.decode().strip())
        doc = open(path, encoding="utf-8").read()
        p = Parser()
        p.feed(doc)
        text = "".join(p.text)
        want = {"evidence", "case", "volumes", "tree", "deleted", "carved", "hits", "timeline"}
        check(want <= p.ids, "sections %s" % sorted(p.ids))
        check("script" not in p.tags and not p.urls and p.depth == 0,
              "no scripts, no external assets, balanced tree")
        check(EVIL + ".jpg" in text and "R8-" + EVIL in text and EVIL in text,
              "hostile text shown as text")
        sha = hashlib.sha256(open(img, "rb").read()).hexdigest()
        check(sha in text and "解析報告書" in text and "Evidence" in text and
              "Win95 FAT32 (0x0c)" in text and "警部補 山田" in text,
              "evidence hash, Japanese and English labels, volumes, examiner")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium:
            try:
                dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                      "--dump-dom", "file://" + path], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, timeout=120).stdout.decode()
                check("解析報告書" in dom and "<script>alert" not in dom and sha in dom,
                      "headless Chromium loads it (%d bytes of DOM)" % len(dom))
            except subprocess.TimeoutExpired:
                skip("headless Chromium", "timed out on a loaded machine")
        else:
            skip("headless Chromium", "chromium not installed")
        rc, outp, err = samples.run([KEITSU, "image", "case", "replay", case])
        check(rc == 0 and b"1 same, 0 different" in outp, "replay of the report is identical: " +
              outp.decode().strip().splitlines()[-1])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
