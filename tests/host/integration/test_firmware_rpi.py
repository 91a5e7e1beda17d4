"""Integration: the Raspberry Pi 3 SD card image boots and serves in QEMU (raspi3b, TCG).

Builds the rpi3 SD card image (firmware/image.sh --board rpi3, which runs
firmware/sdimage.sh) around a static aarch64 plugpod ($POD_CROSS_PLUGPOD from
`tools/pod test`, else `tools/pod build --board rpi3`), checks its layout
(MBR: FAT32 boot partition with config.txt, cmdline.txt, the kernel, the
initramfs and the Pi 3 device trees; ext4 data partition; a power-of-two
size), then boots it: `qemu-system-aarch64 -M raspi3b` with the kernel,
initramfs and bcm2837-rpi-3-b.dtb from the boot partition and the command
line from its cmdline.txt, the card as the SD card, the network over USB
(usb-net, cdc_ether). Waits for HTTPS (the init found the data partition on
mmcblk0p2, plugpod started) and checks the console. Prints the sizes and the
boot time ("measure:"). Skipped only when no cross build is available.
"""
import argparse
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
import test_firmware_qemu as fq  # noqa: E402
from podlib import free_port  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BOARD = "rpi3"
BOOT_TIMEOUT = 180  # s from QEMU start to HTTPS (TCG): measured 41-66 s on a loaded host,
# 20 s of it plugpod waiting for NTP (no RTC) before making its certificate


def partitions(img):
    """(start, size, type, bootable) of each MBR partition, in bytes."""
    with open(img, "rb") as f:
        mbr = f.read(512)
    assert mbr[510:512] == b"\x55\xaa", "no MBR signature"
    out = []
    for i in range(4):
        e = mbr[446 + 16 * i: 462 + 16 * i]
        start = int.from_bytes(e[8:12], "little") * 512
        size = int.from_bytes(e[12:16], "little") * 512
        if size:
            out.append((start, size, e[4], e[0] == 0x80))
    return out


class FirmwareRpi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        plugpod, why = fq.cross_plugpod(BOARD)
        if not plugpod:
            raise unittest.SkipTest("no aarch64 cross build (tools/pod build --board %s "
                                    "failed): %s" % (BOARD, why))
        cls.work = tempfile.mkdtemp(prefix="plugpod-rpi-")
        p = subprocess.run([os.path.join(ROOT, "firmware", "image.sh"), "--board", BOARD,
                            "--plugpod", plugpod,
                            # Its own package cache beside the plugpod, kept:
                            # the qemu-virt test may build at the same time.
                            "--out", os.path.join(os.path.dirname(os.path.abspath(plugpod)),
                                                  "image-" + BOARD, "image"),
                            "--data", os.path.join(cls.work, "data.ext4")],
                           capture_output=True, text=True, timeout=1800)
        assert p.returncode == 0, "image build failed: " + p.stderr[-3000:]
        cls.stderr = p.stderr
        cls.img = p.stdout.strip().splitlines()[-1]
        cls.boot = os.path.join(os.path.dirname(cls.img), "boot")
        fq.measure("sdcard.img %d bytes (%d KB allocated); boot partition files %d bytes" %
                (os.path.getsize(cls.img), os.stat(cls.img).st_blocks // 2,
                 sum(os.path.getsize(os.path.join(cls.boot, f)) for f in os.listdir(cls.boot))))
        cls.proc = None

    @classmethod
    def tearDownClass(cls):
        if cls.proc and cls.proc.poll() is None:
            cls.proc.kill()
            cls.proc.wait()
        import shutil
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_layout(self):
        self.assertEqual(os.path.basename(self.img), "sdcard.img")
        size = os.path.getsize(self.img)
        self.assertEqual(size & (size - 1), 0, "size is not a power of two")
        parts = partitions(self.img)
        self.assertEqual(len(parts), 2)
        (bstart, bsize, btype, bboot), (dstart, dsize, dtype, _) = parts
        self.assertEqual((bstart, btype, bboot), (1 << 20, 0x0C, True))
        self.assertEqual(dtype, 0x83)
        self.assertLessEqual(bstart + bsize, dstart)
        self.assertLessEqual(dstart + dsize, size)
        with open(self.img, "rb") as f:
            f.seek(bstart)
            fat = f.read(512)
            f.seek(dstart + 1024 + 0x38)
            ext_magic = f.read(2)
        self.assertEqual(fat[82:90], b"FAT32   ")
        self.assertEqual(ext_magic, b"\x53\xef")
        # The FAT partition's files, as mtools reads them from the image.
        listing = subprocess.run(["mdir", "-b", "-i", "%s@@%d" % (self.img, bstart), "::/"],
                                 capture_output=True, text=True,
                                 env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
        self.assertEqual(listing.returncode, 0, listing.stderr)
        names = {os.path.basename(l.strip()) for l in listing.stdout.splitlines()}
        for f in ("config.txt", "cmdline.txt", "bcm2837-rpi-3-b.dtb", "bcm2837-rpi-3-b-plus.dtb"):
            self.assertIn(f, names)
        self.assertTrue(any(n.startswith("vmlinuz-") for n in names))
        self.assertTrue(any(n.startswith("initrd.img-") for n in names))
        config = subprocess.run(["mtype", "-i", "%s@@%d" % (self.img, bstart), "::/config.txt"],
                                capture_output=True, text=True,
                                env=dict(os.environ, MTOOLS_SKIP_CHECK="1")).stdout
        for line in ("arm_64bit=1", "enable_uart=1", "upstream_kernel=1"):
            self.assertIn(line, config.splitlines())
        self.assertRegex(config, r"(?m)^kernel=vmlinuz-\S+$")
        self.assertRegex(config, r"(?m)^initramfs initrd\.img-\S+ followkernel$")
        with open(os.path.join(self.boot, "cmdline.txt")) as f:
            cmdline = f.read()
        self.assertIn("console=ttyS1,115200", cmdline)
        self.assertIn("plugpod.data=/dev/mmcblk0p2", cmdline)
        self.assertIn("rootwait", cmdline)
        # The proprietary boot files: present, or the build said clearly why not.
        if "bootcode.bin" not in names:
            self.assertIn("Pi boot firmware: MISSING", self.stderr)
            self.assertNotIn("start.elf", names)
        else:
            self.assertIn("start.elf", names)

    def test_boot_in_qemu(self):
        boot = self.boot
        kernel = [f for f in os.listdir(boot) if f.startswith("vmlinuz-")][0]
        initrd = [f for f in os.listdir(boot) if f.startswith("initrd.img-")][0]
        with open(os.path.join(boot, "cmdline.txt")) as f:
            cmdline = f.read().strip().replace("console=tty0 ", "")
        port = free_port()
        console = os.path.join(self.work, "console.log")
        args = ["qemu-system-aarch64", "-M", "raspi3b", "-m", "1G",
                "-kernel", os.path.join(boot, kernel), "-initrd", os.path.join(boot, initrd),
                "-dtb", os.path.join(boot, "bcm2837-rpi-3-b.dtb"),
                # qemu's BCM2835 watchdog resets the machine as soon as it
                # starts (no timer), and the ACT LED sits on the firmware's
                # GPIO expander, which qemu lacks (each request times out):
                # the test boots without those two modules.
                "-append", cmdline + " plugpod.nomod=bcm2835_wdt,leds-gpio plugpod.host=localhost:%d" % port,
                "-drive", "if=sd,format=raw,file=" + self.img,
                "-display", "none", "-monitor", "none",
                "-serial", "null", "-serial", "file:" + console,
                "-device", "usb-net,netdev=n",
                "-netdev", "user,id=n,hostfwd=tcp:127.0.0.1:%d-:443" % port]
        t0 = time.monotonic()
        qlog = os.path.join(self.work, "qemu.log")
        with open(qlog, "w") as out:  # a file: a full pipe would stall qemu
            FirmwareRpi.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        try:
            self.wait_https(t0, port, console, qlog)
        finally:
            self.proc.kill()
            self.proc.wait()

    def wait_https(self, t0, port, console, qlog):
        """Waits for HTTPS and checks the console: the data partition came from
        mmcblk0p2 and plugpod started."""

        def log():
            try:
                with open(console, errors="replace") as f:
                    return f.read()
            except FileNotFoundError:
                return ""

        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        answered = None
        while time.monotonic() < t0 + BOOT_TIMEOUT and answered is None:
            if self.proc.poll() is not None:
                with open(qlog, errors="replace") as f:
                    self.fail("qemu exited (%s): %s %s" % (self.proc.returncode, f.read()[-2000:],
                                                           log()[-3000:]))
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as raw:
                    raw.settimeout(3)
                    with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                        tls.sendall(b"GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n")
                        if tls.recv(64).startswith(b"HTTP/1.1 200"):
                            answered = time.monotonic() - t0
            except (OSError, ssl.SSLError):
                time.sleep(0.5)
        self.assertIsNotNone(answered, "no HTTPS answer within %ss: %s" %
                             (BOOT_TIMEOUT, log()[-3000:]))
        fq.measure("raspi3b: qemu start to first HTTPS answer: %.1f s" % answered)
        deadline = time.monotonic() + 20  # the log line may trail the first answer
        while "ready, data in /data" not in log() and time.monotonic() < deadline:
            time.sleep(0.5)
        text = log()
        self.assertNotIn("ERROR: no data partition", text)
        self.assertNotIn("not found; data on", text)  # mmcblk0p2 itself, no fallback
        self.assertIn("ready, data in /data", text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
