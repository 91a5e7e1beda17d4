"""Integration: a public delivery processed end to end (docs §4, §5.1, §9)
by two real pods on loopback. Pod A hosts alice; the test signs a Magic
Envelope with alice's key (read out of A's store with lmdb-utils' mdb_dump
and signed with the openssl CLI) and POSTs it to /receive/public of pod B,
which may reach loopback and trusts A's certificate. B's inbox task
discovers alice on A, verifies the envelope and stores her public post,
which B then shows; the same delivery again changes nothing, and an
envelope with a damaged signature is dropped with a log line.
"""
import argparse
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fedkit  # noqa: E402
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"
GUID = "feed0123456789abcdef0123456789ab"


def wait_for(pod, pattern, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.findall(pattern, pod.output())
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("no log line matching %r" % pattern)


class Inbound(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pods = []
        try:
            cls.a = cls._pod("alice", [])
            podlib.wait_for_keys(cls.a, ["alice"])
            cls.alice_id = "alice@localhost:%d" % cls.a.https_port
            cls.key = fedkit.store_private_key(cls.a.data)
            cls.b = cls._pod("bob", ["--allow-net", "127.0.0.0/8", "--ca-bundle",
                                     cls.a.cert_path()])
        except BaseException:
            cls._stop_all()
            raise

    @classmethod
    def _pod(cls, user, args):
        pod = Pod(extra_args=["--dev"] + args)
        cls.pods.append(pod)
        add_user(pod.data, user, PASSWORD)
        pod.start()
        return pod

    @classmethod
    def _stop_all(cls):
        codes = []
        for pod in cls.pods:
            codes.append(pod.stop())
            pod.cleanup()
        return codes

    @classmethod
    def tearDownClass(cls):
        codes = cls._stop_all()
        assert codes == [0] * len(codes), codes

    def deliver(self, body):
        status = self.b.https("POST", "/receive/public", body=body,
                              headers={"Content-Type": "application/magic-envelope+xml"})[0]
        self.assertEqual(status, 202)

    def payload(self, guid, text):
        return ("<status_message>\n  <author>%s</author>\n  <guid>%s</guid>\n"
                "  <created_at>2024-01-02T03:04:05Z</created_at>\n  <public>true</public>\n"
                "  <text>%s</text>\n</status_message>" % (self.alice_id, guid, text)).encode()

    def test_1_public_post_arrives_once(self):
        body = fedkit.magic_envelope(self.payload(GUID, "hello from pod A"), self.alice_id, self.key)
        self.deliver(body)
        wait_for(self.b, r"delivery #\d+ applied: status_message %s" % GUID)
        status, _, page = Browser(self.b).get("/posts/" + GUID, {"Accept": "text/html"})
        self.assertEqual(status, 200)
        self.assertIn(b"hello from pod A", page)
        self.deliver(body)
        lines = wait_for(self.b, r"delivery #\d+ applied: status_message %s" % GUID)
        deadline = time.monotonic() + 30
        while len(lines) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            lines = re.findall(r"delivery #\d+ applied: status_message %s" % GUID,
                               self.b.output())
        self.assertEqual(len(lines), 2)
        self.assertEqual(len(re.findall(r"discovery: %s is " % re.escape(self.alice_id),
                                        self.b.output())), 1)

    def test_2_bad_signature_is_dropped(self):
        guid = "bad00123456789abcdef0123456789ab"
        body = fedkit.magic_envelope(self.payload(guid, "forged"), self.alice_id, self.key)
        at = body.index(b'">', body.index(b"<me:sig")) + 12
        body = body[:at] + (b"B" if body[at:at + 1] == b"A" else b"A") + body[at + 1:]
        self.deliver(body)
        wait_for(self.b, r"delivery #\d+ dropped: envelope signature of %s"
                 % re.escape(self.alice_id))
        status = Browser(self.b).get("/posts/" + guid, {"Accept": "text/html"})[0]
        self.assertEqual(status, 404)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
