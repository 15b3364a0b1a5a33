"""keitsu image mmls prints exactly what mmls prints: on every Debian sample image, on a GPT
image made with sgdisk (a Japanese partition name included) and on a DOS image with an extended
partition chain made with sfdisk. A GPT whose primary header is damaged is read from its backup
(mmls, which checks no CRC, lists the damaged one): same partitions, and a warning."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402

from tap import KEITSU, check, done, skip  # noqa: E402


def compare(path, label):
    want = samples.run(["mmls", path])
    got = samples.run([KEITSU, "image", "mmls", path])
    ok = want[0] == 0 and got[0] == 0 and want[1] == got[1]
    check(ok, "%s: %d rows identical to mmls" % (label, want[1].count(b"\n") - 5))
    if not ok:
        print("# mmls:\n# " + want[1].decode(errors="replace").replace("\n", "\n# "))
        print("# keitsu (exit %d):\n# " % got[0] +
              got[1].decode(errors="replace").replace("\n", "\n# ") + got[2].decode())


def made_images(tmp):
    """(path, label) of the tables made with sgdisk and sfdisk; empty without them."""
    out = []
    if not (shutil.which("sgdisk") and shutil.which("sfdisk")):
        skip("made tables", "sgdisk (gdisk) or sfdisk (fdisk) not installed")
        return out
    gpt = os.path.join(tmp, "gpt.img")
    with open(gpt, "wb") as f:
        f.truncate(64 << 20)
    subprocess.run(["sgdisk", "-n", "1:2048:+10M", "-c", "1:EFI system", "-t", "1:ef00",
                    "-n", "2:0:+20M", "-c", "2:データ", "-n", "3:0:0", "-c", "3:rest", gpt],
                   check=True, stdout=subprocess.DEVNULL)
    out.append((gpt, "GPT made by sgdisk"))
    dos = os.path.join(tmp, "dos.img")
    with open(dos, "wb") as f:
        f.truncate(64 << 20)
    subprocess.run(["sfdisk", "-q", dos], check=True,
                   input=b"label: dos\n2048,10M,83\n,10M,7\n,30M,5\n,5M,83\n,5M,b\n,,82\n")
    out.append((dos, "DOS with extended partitions made by sfdisk"))
    return out


def damaged_gpt(gpt):
    """The primary header of a copy of gpt corrupted: keitsu reads the backup."""
    bad = gpt + ".bad"
    shutil.copy(gpt, bad)
    with open(bad, "r+b") as f:
        f.seek(512 + 24)
        f.write(b"X")
    rc, out, err = samples.run([KEITSU, "image", "mmls", bad])
    rows = lambda text: [line[6:] for line in text.decode().splitlines()  # noqa: E731
                         if line[6:13].strip().isdigit()]
    want = rows(samples.run(["mmls", gpt])[1])
    check(rc == 0 and rows(out) == want and b"read the backup" in err and want,
          "damaged primary GPT: the backup's %d partitions, warning: %s" %
          (len(rows(out)), err.decode().strip()))


def main():
    samples.need_tools()
    for name in sorted(set(p[0] for p in samples.PARTITIONS) | {"fs.btrfs"}):
        compare(samples.image(name), name)
    tmp = tempfile.mkdtemp(prefix="keitsu-mmls-")
    try:
        for path, label in made_images(tmp):
            compare(path, label)
            if path.endswith("gpt.img"):
                damaged_gpt(path)
        zeros = os.path.join(tmp, "zeros.img")
        with open(zeros, "wb") as f:
            f.truncate(1 << 20)
        rc, out, err = samples.run([KEITSU, "image", "mmls", zeros])
        check(rc == 1 and b"no DOS or GPT partition table" in err,
              "no table: " + err.decode().strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
