"""Integration: discovery of a person on another pod (docs §2, §9), with real
pods on loopback talking HTTPS to each other.

Pod A hosts alice. Pod B trusts A's self-signed certificate (--ca-bundle) and
may reach loopback (--allow-net 127.0.0.0/8): bob, signed in on B, searches
alice@localhost:PORT_A and B fetches A's WebFinger and hCard, stores alice
and shows her. Pod C trusts A's certificate but has no --allow-net: the
address guard refuses loopback. Pod D may reach loopback but does not trust
A's certificate: TLS refuses. Neither crashes; both answer an empty list and
log why. (A WebFinger that lies about its subject is refused at unit level:
tests/host/unit/test_hcard_parse.c.)
"""
import argparse
import json
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"
JSON_HEADERS = {"Accept": "application/json"}


def signed_in(pod, name):
    b = Browser(pod)
    status, _, _ = b.sign_in(name, PASSWORD)
    assert status == 302, (name, status)
    b.token = b.csrf("/stream")
    return b


def search(b, q):
    status, _, body = b.get("/people.json?q=" + urllib.parse.quote(q), JSON_HEADERS)
    assert status == 200, (q, status, body[:300])
    return json.loads(body)


class DiscoveryRemote(unittest.TestCase):
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
        # Pod A: alice, with a name, and her key made.
        cls.a = Pod(extra_args=["--dev"])
        cls.pods.append(cls.a)
        add_user(cls.a.data, "alice", PASSWORD)
        cls.a.start()
        cls.alice_id = "alice@localhost:%d" % cls.a.https_port
        alice = signed_in(cls.a, "alice")
        status, _, _ = alice.post_multipart(
            "/profile", {"profile[first_name]": "Alice", "profile[last_name]": "Liddell",
                         "profile[searchable]": "1"}, {},
            token=alice.token, method_override="put")
        assert status == 302, status
        podlib.wait_for_keys(cls.a, ["alice"])
        status, _, body = Browser(cls.a).get("/.well-known/webfinger?resource=acct:"
                                             + cls.alice_id)
        assert status == 200, status
        cls.alice_guid = [l["href"] for l in json.loads(body)["links"]
                          if l["rel"] == "http://microformats.org/profile/hcard"][0] \
            .rsplit("/", 1)[1]

        cert = cls.a.cert_path()
        cls.b = cls._pod("bob", ["--allow-net", "127.0.0.0/8", "--ca-bundle", cert])
        cls.c = cls._pod("carol", ["--ca-bundle", cert])
        cls.d = cls._pod("dave", ["--allow-net", "127.0.0.1/32"])
        cls.bob = signed_in(cls.b, "bob")
        cls.carol = signed_in(cls.c, "carol")
        cls.dave = signed_in(cls.d, "dave")

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

    def discoveries(self, pod, did):
        """The log lines of pod saying did was discovered."""
        return re.findall(r"discovery: %s is " % re.escape(did), pod.output())

    # ---- tests
    def test_1_found_over_https(self):
        people = search(self.bob, self.alice_id)
        self.assertEqual(len(people), 1, people)
        alice = people[0]
        self.assertEqual(alice["handle"], self.alice_id)
        self.assertEqual(alice["guid"], self.alice_guid)
        self.assertEqual(alice["name"], "Alice Liddell")
        self.assertEqual(alice["url"], "/people/" + self.alice_guid)
        self.assertEqual(len(self.discoveries(self.b, self.alice_id)), 1, self.b.output())

        # Her person page and JSON on B.
        status, _, body = self.bob.get("/people/" + self.alice_guid)
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn("Alice Liddell", text)
        self.assertIn(self.alice_id, text)
        status, _, body = self.bob.get("/people/%s.json" % self.alice_guid, JSON_HEADERS)
        self.assertEqual(status, 200)
        person = json.loads(body)
        self.assertEqual(person["guid"], self.alice_guid)
        self.assertEqual(person["diaspora_id"], self.alice_id)

        # Asked again (any case, JSON and HTML): from B's store, no refetch.
        again = search(self.bob, self.alice_id.upper())
        self.assertEqual([p["guid"] for p in again], [self.alice_guid])
        status, _, body = self.bob.get("/search?q=" + urllib.parse.quote(self.alice_id))
        self.assertEqual(status, 200)
        self.assertIn('href="/people/%s"' % self.alice_guid, body.decode())
        # And by name now that B knows her.
        self.assertIn(self.alice_guid, [p["guid"] for p in search(self.bob, "Liddell")])
        self.assertEqual(len(self.discoveries(self.b, self.alice_id)), 1)

    def test_2_unknown_user(self):
        nobody = "nobody@localhost:%d" % self.a.https_port
        self.assertEqual(search(self.bob, nobody), [])
        self.assertRegex(self.b.output(), r"cannot discover %s: .*HTTP 404" % re.escape(nobody))
        # The HTML page says so too.
        status, _, body = self.bob.get("/search?q=" + urllib.parse.quote(nobody))
        self.assertEqual(status, 200)
        self.assertIn("not known on this pod", body.decode())
        self.assertIn("federation", body.decode())

    def test_3_visitors_do_not_discover(self):
        carol_id = "carol@localhost:%d" % self.c.https_port
        status, _, body = Browser(self.b).get("/people.json?q=" + urllib.parse.quote(carol_id),
                                              JSON_HEADERS)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), [])
        self.assertNotIn("discover %s" % carol_id, self.b.output())

    def test_4_guard_refuses_loopback(self):
        self.assertEqual(search(self.carol, self.alice_id), [])
        out = self.c.output()
        self.assertRegex(out, r"cannot discover %s: .*address guard" % re.escape(self.alice_id))
        self.assertEqual(self.discoveries(self.c, self.alice_id), [])
        # Asked again: refused at once from memory, still no crash.
        self.assertEqual(search(self.carol, self.alice_id), [])
        self.assertRegex(self.c.output(), r"%s failed less than" % re.escape(self.alice_id))
        self.assertEqual(self.c.proc.poll(), None)

    def test_5_untrusted_certificate(self):
        self.assertEqual(search(self.dave, self.alice_id), [])
        self.assertRegex(self.d.output(), r"cannot discover %s: .*certificate" % re.escape(self.alice_id))
        self.assertEqual(self.discoveries(self.d, self.alice_id), [])
        self.assertEqual(self.d.proc.poll(), None)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
