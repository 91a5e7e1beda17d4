"""Integration: ignoring someone, and notifications of deleted posts, over
the JSON endpoints (podlib.Browser, --dev HTTP)."""
import argparse
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

USERS = ("alice", "bob")
PASSWORD = "correct horse battery"


def api(b, method, path, doc=None):
    token = b.csrf("/stream")
    body = json.dumps(doc).encode() if doc is not None else None
    status, _, data = b.request(method, path, body, {"Content-Type": "application/json",
                                                     "Accept": "application/json",
                                                     "X-CSRF-Token": token})
    return status, (json.loads(data) if data.strip() else None)


class Blocks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        for name in USERS:
            add_user(cls.pod.data, name, PASSWORD)
        cls.pod.start()
        podlib.wait_for_keys(cls.pod, USERS)

    @classmethod
    def tearDownClass(cls):
        rc = cls.pod.stop()
        cls.pod.cleanup()
        assert rc == 0

    def test_ignore_and_deleted_posts(self):
        alice, bob = Browser(self.pod), Browser(self.pod)
        self.assertEqual(alice.sign_in("alice", PASSWORD)[0], 302)
        self.assertEqual(bob.sign_in("bob", PASSWORD)[0], 302)
        status, post = api(alice, "POST", "/status_messages",
                           {"aspect_ids": "public", "status_message": {"text": "hello"}})
        self.assertEqual(status, 201)
        self.assertEqual(api(bob, "POST", "/posts/%d/likes" % post["id"])[0], 201)
        status, notes = api(alice, "GET", "/notifications.json")
        self.assertEqual([list(n)[1] for n in notes["notification_list"]], ["liked"])

        # alice ignores bob: his like vanishes from her view, and he may not
        # comment on or like her posts any more.
        status, people = api(alice, "GET", "/people.json?q=bob")
        bob_id = people[0]["id"]
        self.assertEqual(api(alice, "POST", "/blocks", {"block": {"person_id": bob_id}})[0], 204)
        status, seen = api(alice, "GET", "/posts/%d.json" % post["id"])
        self.assertEqual(seen["interactions"]["likes"], [])
        status, other = api(alice, "POST", "/status_messages",
                            {"aspect_ids": "public", "status_message": {"text": "again"}})
        self.assertEqual(api(bob, "POST", "/posts/%d/likes" % other["id"])[0], 403)
        status, _ = api(bob, "POST", "/posts/%d/comments" % other["id"], {"text": "hi"})
        self.assertEqual(status, 403)

        # Likes on comments, and following a post's updates.
        status, comment = api(alice, "POST", "/posts/%d/comments" % other["id"], {"text": "mine"})
        self.assertEqual(status, 201)
        status, like = api(alice, "POST", "/comments/%d/likes" % comment["id"])
        self.assertEqual(status, 201)
        self.assertEqual(api(alice, "POST", "/comments/%d/likes" % comment["id"])[0], 422)
        status, seen = api(alice, "GET", "/posts/%d/comments.json" % other["id"])
        self.assertEqual(seen[0]["interactions"]["likes_count"], 1)
        self.assertEqual(api(bob, "POST", "/comments/%d/likes" % comment["id"])[0], 403)
        self.assertEqual(api(bob, "DELETE", "/comments/%d/likes/%d" % (comment["id"], like["id"]))[0],
                         403)
        self.assertEqual(api(alice, "DELETE",
                             "/comments/%d/likes/%d" % (comment["id"], like["id"]))[0], 204)
        self.assertEqual(api(alice, "DELETE", "/posts/%d/participation" % other["id"])[0], 200)
        self.assertEqual(api(alice, "DELETE", "/posts/%d/participation" % other["id"])[0], 422)
        self.assertEqual(api(alice, "POST", "/posts/%d/participation" % other["id"])[0], 201)
        status, seen = api(alice, "GET", "/posts/%d.json" % other["id"])
        self.assertTrue(seen["participation"])

        # Deleting the post takes its notification out of the list.
        self.assertEqual(api(alice, "DELETE", "/posts/%d" % post["id"])[0], 204)
        status, notes = api(alice, "GET", "/notifications.json")
        self.assertEqual(notes["notification_list"], [])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
