"""Integration: the qemu-virt-arm64 board binary (tools/pod build --board).

Runs the cross-built plugpod under qemu-aarch64-static (binfmt is not
registered here, so the emulator is named explicitly): it is a static, stripped
aarch64 ELF, `version` names its board, and `serve` answers HTTPS (verified
against the certificate it made) and plain HTTP on loopback, then stops
cleanly on SIGTERM.

The binary is $POD_CROSS_PLUGPOD (tools/pod test builds it and sets it), else
the sibling build tree of the host binary (<build>-qemu-virt-arm64/plugpod).
Without it, or without qemu-user-static, the tests are skipped.
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Pod  # noqa: E402

QEMU = "qemu-aarch64-static"
EM_AARCH64 = 183
PT_INTERP = 3
SHT_SYMTAB = 2


def cross_binary():
    """Path of the aarch64 plugpod, or None."""
    env = os.environ.get("POD_CROSS_PLUGPOD")
    if env:
        return env if os.path.isfile(env) else None
    sibling = os.path.join(os.path.dirname(podlib.BINARY) + "-qemu-virt-arm64", "plugpod")
    return sibling if os.path.isfile(sibling) else None


def elf_facts(path):
    """(machine, has an interpreter, has a symbol table) of a 64-bit LE ELF."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not a 64-bit LE ELF"
    machine = struct.unpack_from("<H", data, 18)[0]
    phoff, shoff = struct.unpack_from("<QQ", data, 32)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 54)
    interp = any(struct.unpack_from("<I", data, phoff + i * phentsize)[0] == PT_INTERP
                 for i in range(phnum))
    symtab = any(struct.unpack_from("<I", data, shoff + i * shentsize + 4)[0] == SHT_SYMTAB
                 for i in range(shnum))
    return machine, interp, symtab


class QemuPod(Pod):
    """A Pod whose binary runs under qemu-aarch64-static."""

    def __init__(self, binary, **kw):
        super().__init__(**kw)
        self.binary = binary

    def args(self):
        a = super().args()
        return [QEMU, self.binary] + a[1:]


class CrossBinary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary = cross_binary()
        if not cls.binary:
            raise unittest.SkipTest("no qemu-virt-arm64 build (tools/pod build --board "
                                    "qemu-virt-arm64, or tools/pod test)")
        if not shutil.which(QEMU):
            raise unittest.SkipTest(QEMU + " is not installed (qemu-user-static)")

    def test_static_stripped_aarch64(self):
        machine, interp, symtab = elf_facts(self.binary)
        self.assertEqual(machine, EM_AARCH64)
        self.assertFalse(interp, "dynamically linked (has PT_INTERP)")
        self.assertFalse(symtab, "not stripped (has .symtab)")

    def test_version_names_board(self):
        p = subprocess.run([QEMU, self.binary, "version"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"^plugpod \d+\.\d+\.\d+ \(board qemu-virt-arm64;")
        self.assertIn("mbed TLS", p.stdout)

    def test_serve_answers_https(self):
        pod = QemuPod(self.binary)
        try:
            pod.start()
            pod.wait_ready(timeout=60)
            status, headers, body, info = pod.https("GET", "/health")
            self.assertEqual(status, 200, body)
            health = json.loads(body)
            self.assertEqual(health["status"], "ok")
            self.assertEqual(info["version"], "TLSv1.2")
            # Plain HTTP redirects to HTTPS.
            status, headers, _ = pod.http("GET", "/")
            self.assertIn(status, (301, 302, 307, 308))
            self.assertTrue(headers.get("location", "").startswith("https://"), headers)
            # SIGTERM reaches the emulated program: it stops cleanly.
            self.assertEqual(pod.stop(), 0, pod.output())
        finally:
            pod.cleanup()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
