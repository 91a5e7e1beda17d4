"""Integration: the SNTP client (app/net/sntp.c) against tiny fake NTP
servers on 127.0.0.1, with `plugpod serve --dev --sntp "A B"
--sntp-no-set` (the pod only computes and logs the offset and marks wall
time trusted; it never changes the host's clock):

 - server A answers every request with a kiss-o'-death (RATE): the pod
   moves on and leaves A alone afterwards;
 - server O answers well but says it is 2001: ignored, the pod moves on to B;
 - server B stays silent for the first request (the network is down): the
   pod logs that no server answered and asks again a few seconds later;
 - to the next request B sends, in this order, a reply larger than 1 KiB,
   a reply with another originate timestamp, a client-mode packet, a reply
   of stratum 16, one claiming 5 s between receive and transmit (a negative
   round trip), and only then a good reply whose clock is 3600.5 s ahead:
   each bad one is refused in the log, and the offset logged is +3600.5 s;
 - every request is a 48-byte version 4 client packet whose transmit
   timestamp is a fresh random nonce;
 - without --sntp-no-set but without CAP_SYS_TIME (setpriv) the pod logs
   that it cannot set the clock and does not mark it set;
 - the host's clock did not move; a malformed --sntp list stops the start.

Bounded: each wait has a deadline of at most 30 s.
"""
import argparse
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import sys
import threading
import time
import unittest

import podlib

NTP_DELTA = 2208988800
OFFSET = 3600.5


def ntp_ts(t):
    sec = int(t)
    return ((sec + NTP_DELTA) % (1 << 32)) << 32 | int((t - sec) * (1 << 32))


def reply(nonce, stratum=2, mode=4, leap=0, offset=OFFSET, refid=b"GPS\0", busy=0.0):
    """busy: seconds the server claims it held the request."""
    now = time.time() + offset
    return struct.pack(">BBbbII4sQQQQ", leap << 6 | 4 << 3 | mode, stratum, 6, -20, 0x100, 0x200,
                       refid, ntp_ts(now - 10), nonce, ntp_ts(now - busy), ntp_ts(now))


class FakeNtp(threading.Thread):
    """A UDP server on 127.0.0.1 answering each request with answer(n, nonce)
    -> list of datagrams (n counts requests from 0)."""

    def __init__(self, answer):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        self.requests = []
        self.stopping = False

    def run(self):
        while not self.stopping:
            try:
                data, peer = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            self.requests.append(data)
            nonce = struct.unpack(">Q", data[40:48])[0] if len(data) >= 48 else 0
            for d in self.answer(len(self.requests) - 1, nonce):
                self.sock.sendto(d, peer)

    def stop(self):
        self.stopping = True
        self.join(5)
        self.sock.close()


def kiss(n, nonce):
    return [reply(nonce, stratum=0, refid=b"RATE")]


def flaky(n, nonce):
    if n == 0:
        return []  # the network is down
    big = reply(nonce) + b"\0" * 1052  # 1100 bytes
    return [big, reply(nonce ^ 0xFFFF), reply(nonce, mode=3), reply(nonce, stratum=16),
            reply(nonce, busy=5), reply(nonce)]


class SntpTest(unittest.TestCase):
    def test_offset_refusals_and_retry(self):
        a, b = FakeNtp(kiss), FakeNtp(flaky)
        old = FakeNtp(lambda n, nonce: [reply(nonce, offset=1e9 - time.time())])  # 2001
        a.start()
        old.start()
        b.start()
        skew0 = time.time() - time.monotonic()
        pod = podlib.Pod(extra_args=["--dev", "--sntp",
                                     "127.0.0.1:%d 127.0.0.1:%d 127.0.0.1:%d" %
                                     (a.port, old.port, b.port),
                                     "--sntp-no-set"])
        try:
            pod.start()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and "s; clock left as is" not in pod.output():
                time.sleep(0.1)
            out = pod.output()
            m = re.search(r"127\.0\.0\.1:%d \(127\.0\.0\.1, stratum 2\): offset ([-+][0-9.]+) s, "
                          r"delay ([0-9.]+) s; clock left as is" % b.port, out)
            self.assertTrue(m, out)
            self.assertLess(abs(float(m.group(1)) - OFFSET), 0.25, out)
            self.assertLess(float(m.group(2)), 0.25, out)
            self.assertIn("kiss-o'-death RATE", out)
            self.assertIn("no NTP server answered", out)
            self.assertIn("127.0.0.1:%d (127.0.0.1) says it is before 2024" % old.port, out)
            self.assertIn("NTP servers reachable again", out)
            for why in ("larger than 1024 bytes", "originate timestamp is not our request's",
                        "not a server reply (mode)", "stratum above 15",
                        "negative round trip"):
                self.assertIn("refused a reply from 127.0.0.1:%d (127.0.0.1): %s" % (b.port, why),
                              out)
            self.assertNotIn("clock stepped", out)
            # The requests: client mode, version 4, a fresh random nonce each.
            reqs = a.requests + b.requests
            self.assertEqual(len(a.requests), 1)  # not asked again after its kiss
            self.assertGreaterEqual(len(b.requests), 2)
            for r in reqs:
                self.assertEqual(len(r), 48)
                self.assertEqual(r[0], 0x23)
                self.assertEqual(r[1:40], bytes(39))
            nonces = [r[40:48] for r in reqs]
            self.assertEqual(len(set(nonces)), len(nonces))
            self.assertEqual(pod.stop(), 0)
            # --sntp-no-set: the host's clock did not jump by the hour.
            self.assertLess(abs(time.time() - time.monotonic() - skew0), 5)
        finally:
            pod.cleanup()
            a.stop()
            old.stop()
            b.stop()

    def test_unprivileged_cannot_set(self):
        """Without --sntp-no-set but without CAP_SYS_TIME (user nobody, the
        capability out of the bounding set, checked before the pod runs):
        clock_settime is refused, the pod says so once and does not count
        wall time as set by SNTP."""
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-sys_time", "--"]
        if os.geteuid() != 0:
            drop = []  # already without the privilege (checked below)
        try:
            status = subprocess.run(drop + ["cat", "/proc/self/status"], capture_output=True,
                                    text=True, timeout=10).stdout
        except OSError as e:
            self.skipTest("setpriv: %s" % e)
        caps = re.search(r"^CapEff:\s*([0-9a-f]+)", status, re.M)
        if not caps or int(caps.group(1), 16) & (1 << 25):  # CAP_SYS_TIME
            self.skipTest("cannot run the pod without CAP_SYS_TIME")
        b = FakeNtp(lambda n, nonce: [reply(nonce)])
        b.start()
        data = tempfile.mkdtemp(prefix="plugpod-it-sntp-")
        os.chmod(data, 0o777)
        skew0 = time.time() - time.monotonic()
        pod = podlib.Pod(data_dir=data, extra_args=["--dev", "--https-port", "0", "--sntp",
                                                    "127.0.0.1:%d" % b.port])
        # A copy nobody can run (the build directory may sit under /root).
        binary = os.path.join(data, "plugpod")
        shutil.copy(podlib.BINARY, binary)
        os.chmod(binary, 0o755)
        pod.args = lambda: drop + [binary] + podlib.Pod.args(pod)[1:] + ["--data",
                                                                          data + "/d"]
        pod.wait_ready = lambda timeout=30: None
        try:
            pod.start()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and "cannot set the clock" not in pod.output():
                time.sleep(0.1)
            out = pod.output()
            self.assertRegex(out, r"cannot set the clock \(Operation not permitted; needs root "
                             r"or CAP_SYS_TIME\): it is \+360[01]\.[0-9]+ s off", out)
            self.assertNotIn("clock stepped", out)
            self.assertEqual(pod.stop(), 0, out)
            self.assertLess(abs(time.time() - time.monotonic() - skew0), 5)
        finally:
            pod.cleanup()
            shutil.rmtree(data, ignore_errors=True)
            b.stop()

    def test_bad_server_list(self):
        for bad in ("127.0.0.1:0", "host:", "[::1", "a b c d e f g h i", ""):
            rc, out, err = podlib.run_cli("serve", "--dev", "--data", "/nonexistent-plugpod",
                                          "--sntp", bad)
            self.assertEqual(rc, 1, (bad, out, err))
            self.assertIn("--sntp must be off or", err)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
