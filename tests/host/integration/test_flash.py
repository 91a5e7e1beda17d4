"""Integration: tools/flash writes images safely.

On regular files (--allow-file) and loop devices (losetup; needs root, else
those cases are skipped): writes and verifies; asks for the device's name
unless --yes and writes nothing on a wrong answer; refuses a mounted loop
device (an ext4 file system mounted from it), a partition, the disk of /
(with --dry-run, so that even a bug could not write), a device smaller than
the image, and anything that is not a block device. Every loop device and
mount is undone at the end; each tools/flash run is bounded by a timeout.
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest

FLASH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools",
                     "flash")
MiB = 1 << 20


def sha(path, length=None):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = length if length is not None else float("inf")
        while left > 0:
            b = f.read(int(min(MiB, left)))
            if not b:
                break
            h.update(b)
            left -= len(b)
    return h.hexdigest()


class FlashTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="plugpod-flash-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.image = self.file("image.img", 3 * MiB + 512, random=True)

    def file(self, name, size, random=False):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            if random:
                f.write(os.urandom(size))
            else:
                f.truncate(size)
        return path

    def flash(self, *args, answer=None):
        """Runs tools/flash without a controlling terminal; returns (code, stderr)."""
        p = subprocess.run([sys.executable, FLASH] + list(args), input=answer or "",
                           capture_output=True, text=True, timeout=120, start_new_session=True)
        return p.returncode, p.stderr

    def need_root(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for loop devices")
        if not shutil.which("losetup"):
            self.skipTest("no losetup")

    def loop(self, backing, partitions=False):
        args = ["losetup", "--find", "--show"] + (["--partscan"] if partitions else []) + [backing]
        p = subprocess.run(args, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            self.skipTest("losetup failed: " + p.stderr.strip())
        dev = p.stdout.strip()
        self.addCleanup(subprocess.run, ["losetup", "--detach", dev], capture_output=True,
                        timeout=30)
        return dev

    # ------------------------------------------------------------ writing
    def test_file_written_and_verified(self):
        dev = self.file("card.img", 8 * MiB)
        code, err = self.flash("--yes", "--allow-file", self.image, dev)
        self.assertEqual(code, 0, err)
        self.assertIn("written and verified", err)
        self.assertEqual(sha(dev, os.path.getsize(self.image)), sha(self.image))
        self.assertEqual(os.path.getsize(dev), 8 * MiB)  # not truncated

    def test_loop_written_and_verified(self):
        self.need_root()
        backing = self.file("loop.img", 8 * MiB)
        dev = self.loop(backing)
        code, err = self.flash("--yes", self.image, dev)
        self.assertEqual(code, 0, err)
        self.assertIn("written and verified", err)
        self.assertIn("device %s" % dev, err)
        self.assertIn("8.0 MiB", err)
        self.assertEqual(sha(backing, os.path.getsize(self.image)), sha(self.image))

    def test_confirmation(self):
        dev = self.file("card.img", 8 * MiB)
        before = sha(dev)
        code, err = self.flash("--allow-file", self.image, dev, answer="sdz\n")
        self.assertEqual(code, 4, err)
        self.assertIn("not confirmed", err)
        self.assertEqual(sha(dev), before)
        code, err = self.flash("--allow-file", self.image, dev, answer="card.img\n")
        self.assertEqual(code, 0, err)
        self.assertEqual(sha(dev, os.path.getsize(self.image)), sha(self.image))

    def test_bmap_written_and_verified(self):
        if not shutil.which("bmaptool"):
            self.skipTest("bmaptool (bmap-tools) is not installed")
        # A sparse image: 1 MiB of data, a 4 MiB hole, 1 MiB of data.
        image = os.path.join(self.dir, "sparse.img")
        with open(image, "wb") as f:
            f.write(os.urandom(MiB))
            f.seek(5 * MiB)
            f.write(os.urandom(MiB))
        subprocess.run(["bmaptool", "create", "-o", image + ".bmap", image], check=True,
                       capture_output=True, timeout=60)
        dev = self.file("card.img", 8 * MiB)
        with open(dev, "r+b") as f:  # old contents in the hole stay: bmaptool skips it
            f.write(b"\xee" * (8 * MiB))
        code, err = self.flash("--yes", "--allow-file", image, dev)
        self.assertEqual(code, 0, err)
        self.assertIn("bmaptool copy", err)
        self.assertIn("written and verified", err)
        with open(dev, "rb") as d, open(image, "rb") as i:
            self.assertEqual(d.read(MiB), i.read(MiB))
            d.seek(5 * MiB)
            i.seek(5 * MiB)
            self.assertEqual(d.read(MiB), i.read(MiB))

    # ------------------------------------------------------------ refusing
    def test_refuses_mounted_loop(self):
        self.need_root()
        backing = self.file("fs.img", 16 * MiB)
        dev = self.loop(backing)
        subprocess.run(["mkfs.ext4", "-q", dev], check=True, capture_output=True, timeout=60)
        mnt = os.path.join(self.dir, "mnt")
        os.mkdir(mnt)
        p = subprocess.run(["mount", dev, mnt], capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            self.skipTest("cannot mount ext4 here: " + p.stderr.strip())
        self.addCleanup(subprocess.run, ["umount", mnt], capture_output=True, timeout=30)
        with open(os.path.join(mnt, "keep"), "w") as f:
            f.write("still here")
        code, err = self.flash("--yes", self.image, dev)
        self.assertEqual(code, 2, err)
        self.assertIn("mounted", err)
        self.assertIn(mnt, err)
        with open(os.path.join(mnt, "keep")) as f:
            self.assertEqual(f.read(), "still here")

    def test_refuses_partition(self):
        self.need_root()
        backing = self.file("parted.img", 8 * MiB)
        # An MBR with one Linux partition from sector 2048 to the end.
        entry = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048,
                            8 * MiB // 512 - 2048)
        with open(backing, "r+b") as f:
            f.seek(446)
            f.write(entry)
            f.seek(510)
            f.write(b"\x55\xaa")
        dev = self.loop(backing, partitions=True)
        part = dev + "p1"
        deadline = time.monotonic() + 5
        while not os.path.exists(part) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not os.path.exists(part):
            self.skipTest("no partition device node for %s" % part)
        code, err = self.flash("--yes", self.image, part)
        self.assertEqual(code, 2, err)
        self.assertIn("is a partition of", err)

    def test_refuses_root_disk(self):
        root = None
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                if fields[4] == "/":
                    root = fields[fields.index("-") + 2]
        if not root or not root.startswith("/dev/") or not os.path.exists(root):
            self.skipTest("/ is not on a block device here (%s)" % root)
        # --dry-run: a refusal is expected, and even a wrong answer writes nothing.
        code, err = self.flash("--yes", "--dry-run", self.image, root)
        self.assertEqual(code, 2, err)
        self.assertIn("system disk", err)

    def test_refuses_too_small(self):
        dev = self.file("small.img", 1 * MiB)
        code, err = self.flash("--yes", "--allow-file", self.image, dev)
        self.assertEqual(code, 3, err)
        self.assertIn("smaller than the image", err)
        self.assertEqual(os.path.getsize(dev), 1 * MiB)
        if os.geteuid() == 0 and shutil.which("losetup"):
            loopdev = self.loop(self.file("small-loop.img", 2 * MiB))
            code, err = self.flash("--yes", self.image, loopdev)
            self.assertEqual(code, 3, err)

    def test_refuses_non_block(self):
        dev = self.file("card.img", 8 * MiB)
        code, err = self.flash("--yes", self.image, dev)  # a file, without --allow-file
        self.assertEqual(code, 2, err)
        self.assertIn("not a block device", err)
        code, err = self.flash("--yes", "--allow-file", self.image, "/dev/null")
        self.assertEqual(code, 2, err)
        code, err = self.flash("--yes", "--allow-file", self.image, self.image)
        self.assertEqual(code, 2, err)
        code, err = self.flash("--yes", "--allow-file", self.image, os.path.join(self.dir, "no"))
        self.assertEqual(code, 2, err)
        code, err = self.flash("--yes", os.path.join(self.dir, "missing.img"), dev)
        self.assertEqual(code, 1, err)
        code, err = self.flash(self.image)
        self.assertEqual(code, 1, err)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary")  # given to every integration test; unused here
    args, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
