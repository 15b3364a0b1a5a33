"""Debian's forensics-samples-* test images, decompressed once into a cache directory.

The images are the field's shared test data (known contents, partition table at sector 0);
the Sleuth Kit from Debian's sleuthkit package is the reference keitsu's output is compared
with. Both are installed by setup-deps.sh."""
import lzma
import os
import shutil
import subprocess
import sys

SAMPLES = "/usr/share/forensics-samples"
CACHE = os.environ.get("KEITSU_SAMPLES_CACHE",
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "build", "forensics-samples"))

# (image, partition start in sectors, family) for every partition the Sleuth Kit can read.
PARTITIONS = [
    ("fs.vfat", 2048, "fat"),
    ("fs.exfat", 2048, "exfat"),
    ("fs.ntfs", 2048, "ntfs"),
    ("fs.ext2", 2048, "ext"),
    ("fs.ext4", 2048, "ext"),
    ("fs.multiple", 227328, "ext"),
    ("fs.multiple", 309248, "exfat"),
    ("fs.multiple", 391168, "ntfs"),
]

# The families whose parser is in place; the compatibility tests cover these (a family joins
# the list in the commit that makes its parser pass them).
IMPLEMENTED = {"fat", "exfat", "ntfs", "ext"}


def need_tools():
    missing = [t for t in ("fls", "icat", "mmls") if not shutil.which(t)]
    if missing or not os.path.isdir(SAMPLES):
        sys.exit("forensics tests need Debian's sleuthkit and forensics-samples-all packages "
                 "(setup-deps.sh installs them); missing: %s" %
                 (", ".join(missing) or SAMPLES))


def image(name):
    """Path of the decompressed sample image name (e.g. "fs.ntfs"), made on first use."""
    os.makedirs(CACHE, exist_ok=True)
    out = os.path.join(CACHE, name)
    if not os.path.exists(out):
        tmp = out + ".tmp"
        with lzma.open(os.path.join(SAMPLES, name + ".xz")) as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, out)
    return out


def run(cmd):
    # fls prints FAT and exFAT local times in the machine's zone; keitsu reads them as UTC.
    env = dict(os.environ, TZ="UTC")
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    return p.returncode, p.stdout, p.stderr
