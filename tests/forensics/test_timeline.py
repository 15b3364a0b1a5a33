"""keitsu image timeline --body prints exactly what `mactime -b BODY -d -y -z UTC` prints, on
the Sleuth Kit's own body files of every sample partition and on hand-made bodies (all-zero
times, shared times, quotes and '|' in names). Once a file-system family is in
samples.IMPLEMENTED, `keitsu image timeline IMAGE --offset S --seconds` must equal mactime on
fls's body of that partition (without --seconds, fractions of a second make more rows), and `keitsu image dfxml` must parse and hold one fileobject per body line."""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402
from tap import KEITSU, check, done, skip  # noqa: E402

HANDMADE = (
    "0|/m0|5|r/rrw-r--r--|0|0|3|10|0|10|10\n"
    "0|/all-zero|6|r/rrw-r--r--|0|0|3|0|0|0|0\n"
    "0|/z|5|r/rrw-r--r--|0|0|3|10|10|10|10\n"
    "0|/a|6|r/rrw-r--r--|0|0|3|10|10|10|10\n"
    "0|/b|1|r/rrw-r--r--|0|0|3|5|10|10|10\n"
    "0|/q \"uote\",comma|17|r/rrw-r--r--|0|0|3|1600000000|1600000001|1600000002|0\n"
    "0|/$MFT|0-128-1|r/rrwxrwxrwx|48|0|262144|1603772256|1603772256|1603772256|1603772256\n"
)


def mactime(body):
    return subprocess.run(["mactime", "-b", body, "-d", "-y", "-z", "UTC"],
                          stdout=subprocess.PIPE, check=True).stdout


def main():
    samples.need_tools()
    with tempfile.TemporaryDirectory(prefix="keitsu-timeline-") as tmp:
        hand = os.path.join(tmp, "hand.body")
        with open(hand, "w") as f:
            f.write(HANDMADE)
        rc, out, err = samples.run([KEITSU, "image", "timeline", "--body", hand])
        check(rc == 0 and out == mactime(hand), "hand-made body: %d rows as mactime" %
              (out.count(b"\n") - 1))
        for name, start, family in samples.PARTITIONS:
            body = os.path.join(tmp, "%s-%d.body" % (name, start))
            with open(body, "wb") as f:
                subprocess.run(["fls", "-r", "-m", "/", "-o", str(start), samples.image(name)],
                               stdout=f, check=True)
            want = mactime(body)
            rc, out, err = samples.run([KEITSU, "image", "timeline", "--body", body])
            check(rc == 0 and out == want, "%s@%d: fls's body, %d rows as mactime" %
                  (name, start, want.count(b"\n") - 1))
            if family not in samples.IMPLEMENTED:
                skip("%s@%d from the image" % (name, start), "%s parser not in place" % family)
                continue
            img = samples.image(name)
            rc, out, err = samples.run([KEITSU, "image", "timeline", img, "--offset", str(start),
                                        "--seconds"])
            check(rc == 0 and out == want, "%s@%d: timeline from the image equals mactime's" %
                  (name, start))
            rc, out, err = samples.run([KEITSU, "image", "timeline", img, "--offset", str(start)])
            check(rc == 0 and out.count(b"\n") >= want.count(b"\n"),
                  "%s@%d: with fractions, %d rows (mactime %d)" %
                  (name, start, out.count(b"\n") - 1, want.count(b"\n") - 1))
            rc, out, err = samples.run([KEITSU, "image", "dfxml", img, "--offset", str(start)])
            try:
                root = ET.fromstring(out)
                ns = "{http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML}"
                n = len(root.findall(ns + "fileobject"))
            except ET.ParseError as e:
                n = -1
                err += str(e).encode()
            lines = open(body, "rb").read().count(b"\n")
            check(rc == 0 and n == lines, "%s@%d: DFXML parses, %d fileobjects for %d lines %s" %
                  (name, start, n, lines, err.decode(errors="replace")))
        rc, out, err = samples.run([KEITSU, "image", "timeline", "--body",
                                    os.path.join(tmp, "missing")])
        check(rc == 1, "a missing body file fails")
    done()


if __name__ == "__main__":
    main()
