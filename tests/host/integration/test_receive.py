"""Integration: the federation delivery endpoints (docs/diaspora-federation.md
§5) on a real pod over HTTPS: 202 only after the body is in the durable
inbox queue (read back with lmdb-utils' mdb_dump after the pod stopped and
again after a restart), 404 for a private delivery to someone who has no
account here, 413 before reading an oversized body, and no CSRF or session
needed.
"""
import argparse
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fedkit  # noqa: E402
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

ENVELOPE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                        "shared", "diaspora-federation-vectors", "magic_envelope",
                        "status_message.envelope.xml")
ENCRYPTED = os.path.join(os.path.dirname(ENVELOPE), "..", "encrypted",
                         "private_status_message.body.json")


class Receive(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        add_user(cls.pod.data, "alice", "correct horse battery", admin=True)
        cls.pod.start()
        podlib.wait_for_keys(cls.pod, ["alice"])
        status, _, body = Browser(cls.pod).get("/people.json?q=alice",
                                               {"Accept": "application/json"})
        cls.alice_guid = json.loads(body)[0]["guid"]

    @classmethod
    def tearDownClass(cls):
        cls.pod.stop()
        cls.pod.cleanup()

    def post(self, path, body, ctype):
        return self.pod.https("POST", path, body=body, headers={"Content-Type": ctype})[:3]

    def test_deliveries_are_queued_durably(self):
        with open(ENVELOPE, "rb") as f:
            envelope = f.read()
        with open(ENCRYPTED, "rb") as f:
            private = f.read()
        status, _, _ = self.post("/receive/public", envelope, "application/magic-envelope+xml")
        self.assertEqual(status, 202)
        status, _, _ = self.post("/receive/users/" + self.alice_guid, private, "application/json")
        self.assertEqual(status, 202)
        # Stop the pod: what it acknowledged is on disk, byte for byte, or was
        # processed. The inbox task drops the private one (it is not
        # encrypted for alice's key) and keeps the public one waiting for its
        # sender (pod-a.org cannot be discovered from here).
        self.assertEqual(self.pod.stop(), 0)
        bodies = fedkit.inbox_bodies(self.pod.data)
        self.assertIn(envelope, bodies)
        if private not in bodies:
            self.assertRegex(self.pod.output(), r"delivery #\d+ dropped: ")
        # The public one is still there after a restart; the admin page
        # counts it.
        self.pod.start()
        admin = Browser(self.pod)
        admin.sign_in("alice", "correct horse battery")
        status, _, body = admin.get("/admin", {"Accept": "text/html"})
        self.assertEqual(status, 200)
        self.assertRegex(body.decode(), r"Deliveries received and waiting to be processed: [1-9]")
        self.assertEqual(self.pod.stop(), 0)
        self.assertIn(envelope, fedkit.inbox_bodies(self.pod.data))
        self.pod.start()

    def test_private_delivery_to_unknown_guid_is_404(self):
        status, _, _ = self.post("/receive/users/0123456789abcdef0123456789abcdef", b"{}",
                                 "application/json")
        self.assertEqual(status, 404)

    def test_oversized_delivery_is_413(self):
        status, _, _ = self.post("/receive/public", b"x" * (1024 * 1024 + 1),
                                 "application/magic-envelope+xml")
        self.assertEqual(status, 413)

    def test_empty_delivery_is_refused(self):
        status, _, _ = self.post("/receive/public", b"", "application/magic-envelope+xml")
        self.assertEqual(status, 422)

    def test_only_post(self):
        status = self.pod.https("GET", "/receive/public")[0]
        self.assertEqual(status, 405)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
