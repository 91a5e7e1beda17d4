"""Integration: three pods as separate hosts, each in its own network
namespace on one switch (netns.py), talking HTTPS with certificates of a
test CA, as diaspora* pods do on the Internet.

alice@pod-a.test, bob@pod-b.test and carol@pod-c.test find each other by
diaspora* ID; alice and bob share with each other (aspects), carol only
follows alice (alice is in one of carol's aspects, not the other way).
A public post of alice reaches bob and carol; a post limited to her aspect
with bob reaches bob only. Then pod B's cable is pulled: a post made
meanwhile reaches carol at once and bob after the cable is back (the
outbox retries), exactly once.
"""
import argparse
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from netns import NetPod, Testnet  # noqa: E402
from podlib import Browser, add_user  # noqa: E402

PASSWORD = "correct horse battery"
USERS = {"a": "alice", "b": "bob", "c": "carol"}


def api(b, method, path, doc=None):
    token = b.csrf("/stream")
    body = json.dumps(doc).encode() if doc is not None else None
    status, _, data = b.request(method, path, body, {"Content-Type": "application/json",
                                                     "Accept": "application/json",
                                                     "X-CSRF-Token": token})
    try:
        return status, json.loads(data) if data.strip() else None
    except ValueError:
        return status, data


def wait_for(cond, what, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.5)


class ThreePods(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.net = Testnet(["a", "b", "c"])
        cls.pods = {}
        try:
            for n, user in USERS.items():
                pod = NetPod(cls.net, n)
                add_user(pod.data, user, PASSWORD)
                cls.pods[n] = pod.start()
            cls.b = {}
            for n, user in USERS.items():
                br = Browser(cls.pods[n])
                status, _, _ = br.sign_in(user, PASSWORD)
                assert status == 302, (user, status)
                cls.b[n] = br
            # Keys exist before anything is signed or discovered: the hCard
            # answers 503 until then.
            for n, user in USERS.items():
                status, _, body = Browser(cls.pods[n]).get(
                    "/.well-known/webfinger?resource=acct:%s@%s" % (user, cls.net.host(n)))
                assert status == 200, (user, status)
                hcard = [l["href"] for l in json.loads(body)["links"]
                         if l["rel"] == "http://microformats.org/profile/hcard"][0]
                path = "/" + hcard.split("/", 3)[3]
                wait_for(lambda n=n, path=path: Browser(cls.pods[n]).get(path)[0] == 200,
                         "the key of " + user, timeout=300)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for name, pod in getattr(cls, "pods", {}).items():
            if pod.proc and pod.proc.poll() is None:
                pod.stop()
            # What each pod said about federation, for a failure's diagnosis.
            lines = [l for l in pod.output().splitlines()
                     if "federation" in l or "discovery" in l or "outbox" in l]
            sys.stderr.write("---- pod %s\n%s\n" % (name, "\n".join(lines[-60:])))
            pod.cleanup()
        cls.net.close()

    def person(self, n, diaspora_id):
        """Searches diaspora_id on pod n (discovering it) and returns the hit."""
        def found():
            status, hits = api(self.b[n], "GET", "/people.json?q=" + diaspora_id)
            hits = [h for h in hits or [] if h.get("handle") == diaspora_id]
            return hits[0] if status == 200 and hits else None
        return wait_for(found, "%s on pod %s" % (diaspora_id, n))

    def share(self, n, diaspora_id, aspect_name="Friends"):
        """User of pod n puts diaspora_id into a new aspect (starts sharing)."""
        person = self.person(n, diaspora_id)
        status, aspect = api(self.b[n], "POST", "/aspects", {"name": aspect_name})
        self.assertEqual(status, 200, aspect)
        status, body = api(self.b[n], "POST", "/aspect_memberships",
                           {"aspect_id": aspect["id"], "person_id": person["id"]})
        self.assertEqual(status, 200, body)
        return aspect["id"]

    def post(self, n, text, aspects="public"):
        def attempt():
            status, body = api(self.b[n], "POST", "/status_messages",
                               {"status_message": {"text": text}, "aspect_ids": aspects})
            return body if status == 201 else None
        return wait_for(attempt, "posting on " + n)

    def stream_texts(self, n):
        status, posts = api(self.b[n], "GET", "/stream.json")
        self.assertEqual(status, 200)
        return [p["text"] for p in posts]

    def test_sharing_posts_and_a_pulled_cable(self):
        net = self.net
        alice, bob = "alice@" + net.host("a"), "bob@" + net.host("b")
        carol = "carol@" + net.host("c")
        friends = self.share("a", bob)
        self.share("b", alice)
        self.share("c", alice)
        # Pod A learns of its followers from their pods' <contact> messages.
        def followers():
            status, contacts = api(self.b["a"], "GET", "/contacts.json")
            return {c["person"]["diaspora_id"] for c in contacts or [] if c.get("person")}
        wait_for(lambda: {bob, carol} <= followers(),
                 "bob and carol among alice's contacts", timeout=90)

        # A public post reaches both followers' pods.
        self.post("a", "Hello from pod A #federation")
        for n in ("b", "c"):
            wait_for(lambda n=n: "Hello from pod A #federation" in self.stream_texts(n),
                     "the public post on pod " + n, timeout=90)

        # A limited post reaches bob only.
        limited = self.post("a", "Only for my friends", [friends])
        wait_for(lambda: "Only for my friends" in self.stream_texts("b"),
                 "the limited post on pod B", timeout=90)
        self.assertEqual(api(self.b["b"], "GET", "/posts/%s.json" % limited["guid"])[0], 200)
        self.assertNotIn("Only for my friends", self.stream_texts("c"))
        self.assertEqual(api(self.b["c"], "GET", "/posts/%s.json" % limited["guid"])[0], 404)

        # Pull B's cable: a post made meanwhile reaches C now and B later.
        net.cut("b")
        try:
            self.post("a", "Posted while B was away")
            wait_for(lambda: "Posted while B was away" in self.stream_texts("c"),
                     "the post on pod C while B is away", timeout=90)
            time.sleep(5)  # A's first attempt to reach B fails meanwhile
        finally:
            net.restore("b")
        # The outbox retries after (n+3)^4 + rand(30) seconds: 81 to 110 s.
        wait_for(lambda: "Posted while B was away" in self.stream_texts("b"),
                 "the post on pod B after the cable is back", timeout=240)
        self.assertEqual(self.stream_texts("b").count("Posted while B was away"), 1)
        self.assertEqual(self.stream_texts("b").count("Hello from pod A #federation"), 1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
