"""Evidence containers made from a sample image for the tests: split raw (numeric and
alphabetic) with split(1) and E01 with ewfacquirestream (ewf-tools), in a temporary directory."""
import os
import shutil
import subprocess
import tempfile

import samples


class Evidence:
    def __init__(self, name="fs.vfat"):
        self.raw = samples.image(name)
        self.dir = tempfile.mkdtemp(prefix="keitsu-evidence-")
        self.split_num = self._split(["-d", "-a", "3", "--numeric-suffixes=1"], "num.raw.", "001")
        self.split_alpha = self._split([], "alpha.", "aa")
        self.e01 = None
        if shutil.which("ewfacquirestream"):
            with open(self.raw, "rb") as src:
                subprocess.run(["ewfacquirestream", "-C", "CASE-42", "-D", "sample", "-E", "EV-1",
                                "-e", "Examiner A", "-N", "test", "-c", "fast", "-S", "20MiB",
                                "-q", "-t", os.path.join(self.dir, "ev")], stdin=src,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            self.e01 = os.path.join(self.dir, "ev.E01")

    def _split(self, opts, prefix, first):
        subprocess.run(["split", "-b", "7M"] + opts + [self.raw, os.path.join(self.dir, prefix)],
                       check=True)
        return os.path.join(self.dir, prefix + first)

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)
