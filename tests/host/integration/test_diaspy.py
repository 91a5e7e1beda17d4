"""Integration: python3-diaspy, the Debian-packaged diaspora* client, drives
the pod over --dev HTTP as real clients do (docs/web-api.md).

alice and bob share with each other; carol is outside alice's aspect and must
never see alice's limited post.
"""
import argparse
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
USERS = ("alice", "bob", "carol")
PASSWORD = "correct horse battery"


class Diaspy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        for name in USERS:
            add_user(cls.pod.data, name, PASSWORD)
        cls.pod.start()
        podlib.wait_for_keys(cls.pod, USERS)
        cls.url = "http://127.0.0.1:%d" % cls.pod.http_port

    @classmethod
    def tearDownClass(cls):
        rc = cls.pod.stop()
        cls.pod.cleanup()
        assert rc == 0

    def step(self, user, action, *args):
        r = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "diaspy_step.py"), self.url,
                            user, PASSWORD, action] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, "%s %s: %s\n%s" % (user, action, r.stderr,
                                                             self.pod.output()[-3000:]))
        return json.loads(r.stdout.strip().splitlines()[-1])

    def test_a_whole_conversation(self):
        me = self.step("alice", "userdata")
        self.assertEqual(me["diaspora_id"], "alice@localhost:%d" % self.pod.https_port)
        self.assertEqual(me["aspects"], [])

        # alice and bob find each other and share with each other.
        bob = self.step("alice", "search", "bob")
        self.assertEqual([p["handle"] for p in bob], ["bob@localhost:%d" % self.pod.https_port])
        alice = self.step("bob", "search", "alice@")
        friends = self.step("alice", "aspect_add", "Friends")
        self.assertEqual(len(friends), 1)
        membership = self.step("alice", "aspect_adduser", friends[0]["id"], bob[0]["id"])
        self.assertEqual(membership["aspect"]["name"], "Friends")
        family = self.step("bob", "aspect_add", "Family")
        self.step("bob", "aspect_adduser", family[0]["id"], alice[0]["id"])

        # A public post reaches bob's stream and the tag stream.
        post = self.step("alice", "post", "Hello from *alice* #plugpodtest")
        self.assertIn(post["guid"], [p["guid"] for p in self.step("bob", "stream")])
        self.assertIn(post["guid"], self.step("carol", "tag", "plugpodtest"))
        self.assertIn(post["guid"], [p["guid"] for p in self.step("carol", "public")])

        # bob comments, likes and reshares; alice sees the comment.
        self.step("bob", "comment", post["id"], post["guid"], "Nice to meet you")
        like = self.step("bob", "like", post["id"], post["guid"])
        self.assertIn("id", like)
        self.step("bob", "reshare", post["id"], post["guid"])
        seen = self.step("alice", "fetch", post["guid"])
        self.assertEqual(seen["status"], 200)
        self.assertEqual(seen["data"]["interactions"]["comments_count"], 1)
        self.assertEqual(seen["data"]["interactions"]["likes_count"], 1)
        self.assertEqual(seen["data"]["interactions"]["reshares_count"], 1)
        self.assertIn(post["guid"], [p["guid"] for p in self.step("bob", "commented")])
        self.assertIn(post["guid"], [p["guid"] for p in self.step("bob", "liked")])

        # A post limited to Friends: bob sees it, carol never does.
        secret = self.step("alice", "post", "Only for friends", friends[0]["id"])
        self.assertIn(secret["guid"], [p["guid"] for p in self.step("bob", "stream")])
        self.assertEqual(self.step("bob", "fetch", secret["guid"])["status"], 200)
        self.assertNotIn(secret["guid"], [p["guid"] for p in self.step("carol", "stream")])
        self.assertNotIn(secret["guid"], [p["guid"] for p in self.step("carol", "public")])
        self.assertEqual(self.step("carol", "fetch", secret["guid"])["status"], 404)
        b = Browser(self.pod)
        self.assertEqual(b.get("/posts/%s.json" % secret["guid"])[0], 404)
        self.assertEqual(b.get("/posts/%d.json" % secret["id"])[0], 404)

        # alice deletes the public post: gone for everyone.
        self.step("alice", "delete", post["id"], post["guid"])
        self.assertEqual(self.step("bob", "fetch", post["guid"])["status"], 404)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
