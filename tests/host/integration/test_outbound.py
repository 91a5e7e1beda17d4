"""Integration: deliveries to another pod (docs §5), with two real pods on
loopback talking HTTPS to each other.

Pod B hosts bob. Pod A hosts alice, trusts B's self-signed certificate
(--ca-bundle) and may reach loopback (--allow-net 127.0.0.0/8). alice finds
bob@B (discovery), puts him into an aspect: A sends B a private <contact>
to /receive/users/<bob's guid>. alice then posts publicly: A sends the post
to B's /receive/public. B queues both (its log says so; what B does with
them afterwards is the inbound side's). A's outbox is empty again and its
admin page counts B as a pod delivered to.
"""
import argparse
import json
import os
import re
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"


def api(b, method, path, doc=None):
    """A JSON API call with the browser's session; (status, parsed body)."""
    token = b.csrf("/stream")
    body = json.dumps(doc).encode() if doc is not None else None
    status, _, data = b.request(method, path, body, {"Content-Type": "application/json",
                                                     "Accept": "application/json",
                                                     "X-CSRF-Token": token})
    try:
        parsed = json.loads(data) if data.strip() else None
    except ValueError:
        parsed = data
    return status, parsed


def wait_for(cond, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.2)


class Outbound(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pods = []
        try:
            cls._start()
        except BaseException:
            cls._stop_all()
            raise

    @classmethod
    def _start(cls):
        cls.b = Pod(extra_args=["--dev"])
        cls.pods.append(cls.b)
        add_user(cls.b.data, "bob", PASSWORD)
        cls.b.start()
        podlib.wait_for_keys(cls.b, ["bob"])
        cls.bob_id = "bob@localhost:%d" % cls.b.https_port

        cls.a = Pod(extra_args=["--dev", "--allow-net", "127.0.0.0/8",
                                "--ca-bundle", cls.b.cert_path()])
        cls.pods.append(cls.a)
        add_user(cls.a.data, "alice", PASSWORD, admin=True)
        cls.a.start()
        podlib.wait_for_keys(cls.a, ["alice"])
        cls.alice = Browser(cls.a)
        status, _, _ = cls.alice.sign_in("alice", PASSWORD)
        assert status == 302, status

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

    def queued(self, kind):
        return re.findall(r"queued %s delivery #\d+" % kind, self.b.output())

    def test_contact_then_public_post(self):
        status, people = api(self.alice, "GET", "/people.json?q=" + urllib.parse.quote(self.bob_id))
        self.assertEqual(status, 200)
        self.assertEqual(len(people), 1, people)
        bob = people[0]
        self.assertEqual(self.queued("private"), [])

        # Sharing with bob: a private <contact> to B.
        status, aspect = api(self.alice, "POST", "/aspects", {"aspect": {"name": "Remote"}})
        self.assertEqual(status, 200, aspect)
        status, m = api(self.alice, "POST", "/aspect_memberships",
                        {"aspect_id": aspect["id"], "person_id": bob["id"]})
        self.assertEqual(status, 200, m)
        wait_for(lambda: len(self.queued("private")) == 1, "the contact on B\n" + self.a.output())

        # A public post: one delivery to B's /receive/public.
        self.assertEqual(self.queued("public"), [])
        status, post = api(self.alice, "POST", "/status_messages",
                           {"aspect_ids": "public", "status_message": {"text": "hello B"}})
        self.assertEqual(status, 201, post)
        wait_for(lambda: len(self.queued("public")) == 1, "the post on B\n" + self.a.output())

        # A's outbox is empty again and B counts as delivered to.
        def admin_page():
            status, _, body = self.alice.get("/admin", {"Accept": "text/html"})
            self.assertEqual(status, 200)
            return body.decode()
        wait_for(lambda: "Deliveries waiting to be sent: 0" in admin_page(), "an empty outbox")
        self.assertIn("localhost:%d" % self.b.https_port, admin_page())
        self.assertNotRegex(self.a.output(), r"delivery to .* failed")
        # Nothing else went to B (no duplicates).
        time.sleep(1)
        self.assertEqual(len(self.queued("public")), 1)
        self.assertEqual(len(self.queued("private")), 1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
