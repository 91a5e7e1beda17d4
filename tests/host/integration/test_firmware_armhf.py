"""Integration: the qemu-virt-armhf firmware image boots and serves in QEMU (TCG).

The 32-bit sibling of test_firmware_qemu.py (whose Guest and helpers it
uses): builds the static armhf plugpod (`tools/pod build --board
qemu-virt-armhf`, in the test build directory's -qemu-virt-armhf sibling), the
image around Debian's armmp-lpae kernel (firmware/image.sh), boots it with
qemu-system-arm -M virt -cpu cortex-a15 and a fresh data partition, and checks:
  - HTTPS answers through the forwarded port; the first-run setup creates the
    admin over HTTP (--dev) and a post is made;
  - the power button (QEMU monitor `system_powerdown`) shuts down cleanly:
    plugpod stops, /data is unmounted, QEMU exits 0; the next boot, with 64 MB
    of RAM, shows the post after a sign-in, and after a second clean power-off
    e2fsck finds the data partition clean.
Prints the sizes, boot times and plugpod's RSS in the guest ("measure:").
Skipped only when the armhf cross build is not available.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
import test_firmware_qemu as fq  # noqa: E402
from podlib import Browser  # noqa: E402

BOARD = "qemu-virt-armhf"
fq.BOARD = BOARD  # Guest.start passes it to firmware/qemu.sh
measure = fq.measure
SMALL_MEM = 64  # MB: serves sign-in (argon2id) and posts; at 56 the initramfs does not unpack


class FirmwareArmhf(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        plugpod, why = fq.cross_plugpod(BOARD, prebuilt_env=None)
        if not plugpod:
            raise unittest.SkipTest("the cross build for %s is missing "
                                    "(tools/pod build --board %s failed): %s" % (BOARD, BOARD, why))
        cls.work = tempfile.mkdtemp(prefix="plugpod-armhf-")
        cls.data = os.path.join(cls.work, "data.ext4")  # a fresh data partition
        p = subprocess.run([os.path.join(fq.ROOT, "firmware", "image.sh"), "--board", BOARD,
                            "--plugpod", plugpod, "--data", cls.data],
                           capture_output=True, text=True, timeout=1800)
        assert p.returncode == 0, "image build failed: " + p.stderr[-3000:]
        cls.image = p.stdout.strip().splitlines()[-1]
        k = os.path.getsize(os.path.join(cls.image, "vmlinuz"))
        i = os.path.getsize(os.path.join(cls.image, "initramfs.cpio.xz"))
        measure("armhf kernel %d bytes, initramfs %d bytes, total %d bytes, plugpod %d bytes" %
                (k, i, k + i, os.path.getsize(plugpod)))
        cls.guest = None

    @classmethod
    def tearDownClass(cls):
        if cls.guest:
            cls.guest.kill()
        shutil.rmtree(cls.work, ignore_errors=True)

    def boot(self, mem=None):
        g = FirmwareArmhf.guest = fq.Guest(self.work, self.image, self.data).start(mem=mem)
        measure("armhf: qemu start to first HTTPS answer: %.1f s (-m %s)" %
                (g.wait_https(), mem or "default"))
        return g

    def clean_power_off(self, g):
        self.assertEqual(g.power_off(), 0)
        log = g.log()
        self.assertIn("init: plugpod stopped (0)", log)
        self.assertIn("init: data unmounted", log)

    def test_boot_post_power_off_reboot(self):
        g = self.boot()
        self.assertIn("Linux version 6", g.run("cat /proc/version"))
        self.assertIn("armv7l", g.run("uname -m"))
        b = Browser(g)
        token = b.csrf("/setup")
        status, headers, _ = b.post("/setup", {"user[username]": "admin",
                                               "user[password]": fq.PASSWORD,
                                               "user[password_confirmation]": fq.PASSWORD},
                                    token=token)
        self.assertEqual((status, headers.get("location")), (302, "/profile/edit"))
        podlib.wait_for_keys(g, ["admin"], timeout=300)
        guid = fq.post(b, "hello from the armhf image")
        self.assertTrue(fq.has_post(b, guid, "hello from the armhf image"))
        measure("armhf guest after setup and a post: " + g.memory())
        self.clean_power_off(g)

        # Second boot, with the smallest RAM the image is meant for: the post
        # survived the power-off; a clean start; sign-in (argon2) fits.
        g = self.boot(mem=SMALL_MEM)
        log = g.log()
        self.assertIn("ready, data in /data", log)
        for line in log.splitlines():
            self.assertNotRegex(line, r"Z (error|fatal) ", "plugpod logged an error")
        b = Browser(g)
        status, _, _ = b.sign_in("admin", fq.PASSWORD)
        self.assertEqual(status, 302)
        self.assertTrue(fq.has_post(b, guid, "hello from the armhf image"))
        measure("armhf guest (-m %d) after sign-in: %s" % (SMALL_MEM, g.memory()))
        self.assertNotIn("Out of memory", g.log())
        self.clean_power_off(g)
        e2fsck = "/sbin/e2fsck" if os.path.exists("/sbin/e2fsck") else "e2fsck"
        fsck = subprocess.run([e2fsck, "-fn", self.data], capture_output=True, text=True)
        self.assertEqual(fsck.returncode, 0, fsck.stdout + fsck.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
