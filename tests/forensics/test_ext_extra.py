"""ext2/3/4 volumes made at test time with e2fsprogs (mke2fs -d fills an image without
mounting; debugfs -w deletes in it), listed by `keitsu image body` and compared line for line
with `fls -r -m /`, and every allocated file compared with icat: ext2 with indirect blocks and
deleted files, ext3 with a journal, ext4 with extents, an htree directory of thousands of names,
sparse files, symlinks, 32-bit uids, 256-byte inodes (crtime, nanoseconds) and inline data."""
import difflib
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import samples  # noqa: E402
import test_ext_icat  # noqa: E402

KEITSU = os.environ.get("KEITSU_BIN", "build/keitsu")
WORK = os.path.join(os.path.dirname(samples.CACHE), "ext-extra")


def sh(*cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def populate(root, htree=0, big=False):
    """A tree with a bit of everything; returns paths (relative) worth deleting later."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "docs", "deep", "er"))
    os.makedirs(os.path.join(root, "gone", "sub"))
    with open(os.path.join(root, "docs", "a.txt"), "w") as f:
        f.write("alpha\n" * 10)
    with open(os.path.join(root, "docs", "deep", "er", "b.bin"), "wb") as f:
        f.write(bytes(range(256)) * 40)
    with open(os.path.join(root, "small"), "w") as f:
        f.write("tiny")
    with open(os.path.join(root, "sparse.img"), "wb") as f:
        f.seek(300000)
        f.write(b"middle")
        f.seek(900000)
        f.write(b"end")
    if big:  # past the twelve direct blocks and the single indirect block on 1 KiB blocks
        with open(os.path.join(root, "big.dat"), "wb") as f:
            for i in range(400):
                f.write(("%07d" % i).encode() * 146 + b"\n" * 2)
    for i in range(5):
        with open(os.path.join(root, "gone", "f%d.txt" % i), "w") as f:
            f.write("deleted file %d\n" % i * (i + 1))
    with open(os.path.join(root, "gone", "sub", "x"), "w") as f:
        f.write("x" * 5000)
    with open(os.path.join(root, "sp ace\x01ctl"), "w") as f:
        f.write("odd name")
    os.symlink("docs/a.txt", os.path.join(root, "fastlink"))
    os.symlink("docs/" + "d" * 90 + "/target", os.path.join(root, "slowlink"))
    with open(os.path.join(root, "owned"), "w") as f:
        f.write("uid")
    os.chown(os.path.join(root, "owned"), 70000, 80001)
    if htree:
        d = os.path.join(root, "many")
        os.makedirs(d)
        for i in range(htree):
            with open(os.path.join(d, "file-with-a-longish-name-%05d" % i), "w") as f:
                f.write(str(i))
    return ["/gone/f1.txt", "/gone/f3.txt", "/docs/a.txt", "/small"]


def make(name, mkfs_args, size, htree=0, big=False, index=False, delete=True, extra_cmds=()):
    src = os.path.join(WORK, name + ".d")
    img = os.path.join(WORK, name + ".img")
    # made once per build directory: the stamp says from which recipe
    stamp = os.path.join(WORK, name + ".stamp")
    recipe = repr((mkfs_args, size, htree, big, index, delete, extra_cmds,
                   open(__file__, "rb").read()))
    if os.path.exists(img) and os.path.exists(stamp) and open(stamp).read() == recipe:
        return img
    victims = populate(src, htree, big)
    if os.path.exists(img):
        os.unlink(img)
    sh("mke2fs", "-q", "-F", "-d", src, *mkfs_args, img, size)
    if index:  # e2fsck -D turns big directories into hash trees (htree)
        subprocess.run(["e2fsck", "-fyD", img], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    cmds = []
    if delete:
        cmds += ["rm %s" % v for v in victims]
        cmds += ["kill_file /gone/f0.txt", "unlink /gone/f0.txt"]
        if htree:
            cmds += ["rm /many/file-with-a-longish-name-%05d" % i for i in range(0, htree, 97)]
        # a new file takes a freed inode: its old name, still in slack, is "(deleted-realloc)"
        cmds += ["write %s /docs/deep/reborn" % os.path.join(src, "docs", "deep", "er", "b.bin")]
        # a deleted directory whose blocks debugfs leaves in place: fls goes into it
        cmds += ["kill_file /gone/sub", "unlink /gone/sub"]
    cmds += list(extra_cmds)
    if cmds:
        script = os.path.join(WORK, name + ".cmds")
        with open(script, "w") as f:
            f.write("\n".join(cmds) + "\n")
        sh("debugfs", "-w", "-f", script, img)
    shutil.rmtree(src, ignore_errors=True)
    with open(stamp, "w") as f:
        f.write(recipe)
    return img


IMAGES = [
    # name, mke2fs arguments, size, names in /many, big file, htree (e2fsck -D)
    ("ext2-indirect", ["-t", "ext2", "-b", "1024"], "8M", 0, True, False),
    ("ext3-journal", ["-t", "ext3", "-b", "1024", "-I", "256"], "16M", 300, True, False),
    ("ext3-htree", ["-t", "ext3", "-b", "1024"], "32M", 3000, False, True),
    # fragmented directory: fls lists nothing in it (TSK cannot load a multi-block extent tree)
    ("ext4-fragdir", ["-t", "ext4", "-b", "1024", "-I", "256"], "32M", 2500, False, False),
    ("ext4-htree", ["-t", "ext4", "-I", "256"], "32M", 120, False, True),
    ("ext4-4k-128", ["-t", "ext4", "-I", "128", "-O", "^metadata_csum"], "32M", 0, True, False),
    ("ext4-inline", ["-t", "ext4", "-I", "256", "-O", "inline_data"], "16M", 40, False, False),
    ("ext4-64bit", ["-t", "ext4", "-O", "64bit,metadata_csum", "-N", "4096"], "64M", 500, True,
     False),
]


def main():
    samples.need_tools()
    if not shutil.which("mke2fs") or not shutil.which("debugfs"):
        sys.exit("test_ext_extra needs e2fsprogs (mke2fs, debugfs)")
    os.makedirs(WORK, exist_ok=True)
    failures = 0
    for name, args, size, htree, big, index in IMAGES:
        try:
            img = make(name, args, size, htree, big, index)
        except subprocess.CalledProcessError as e:
            print("not ok - %s: could not build the image: %s" % (name, e))
            failures += 1
            continue
        rc, want, err = samples.run(["fls", "-r", "-m", "/", img])
        rc2, got, err2 = samples.run([KEITSU, "image", "body", img])
        if rc == 0 and rc2 == 0 and got == want:
            print("ok - %s: %d lines identical to fls" % (name, want.count(b"\n")))
        else:
            failures += 1
            print("not ok - %s: fls %d, keitsu %d %s" % (name, rc, rc2, err2.decode(errors="replace")))
            diff = difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                        got.decode(errors="replace").splitlines(),
                                        "fls", "keitsu", lineterm="", n=0)
            for line in list(diff)[:12]:
                print("#   " + line)
        failures += test_ext_icat.compare_volume(img, 0, name, every_many=25)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
