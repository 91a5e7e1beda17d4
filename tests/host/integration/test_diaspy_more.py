"""Integration: followed tags, mentions, polls, locations and tag search,
driven by python3-diaspy (docs/web-api.md #5, #8, #20, #37-#39) and, for
what diaspy cannot send, by a plain HTTP client.

alice and bob are not contacts: bob sees alice's public posts through the
tags he follows, never her limited ones.
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
USERS = ("alice", "bob")
PASSWORD = "correct horse battery"


class DiaspyMore(unittest.TestCase):
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

    def browser(self, user):
        b = Browser(self.pod)
        self.assertEqual(b.sign_in(user, PASSWORD)[0], 302)
        b.token = b.csrf("/stream")
        return b

    def send_json(self, b, method, path, doc=None):
        headers = {"Accept": "application/json", "X-CSRF-Token": b.token}
        body = None
        if doc is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(doc).encode()
        status, _, data = b.request(method, path, body, headers)
        return status, (json.loads(data) if data.strip() else None)

    def test_a_tags_mentions_polls(self):
        did_bob = "bob@localhost:%d" % self.pod.https_port
        empty = self.step("alice", "aspect_add", "Empty")[0]["id"]

        # bob follows #gardening (a second time: 403, as diaspora* 0.7).
        self.assertEqual(self.step("bob", "followtag", "gardening")["status"], 201)
        self.assertEqual(self.step("bob", "followtag", "#Gardening")["status"], 403)

        # alice's public #gardening post reaches bob, who is not her contact.
        post = self.step("alice", "post", "#gardening is fun")
        self.assertIn(post["guid"], [p["guid"] for p in self.step("bob", "stream")])
        self.assertIn(post["guid"], [p["guid"] for p in self.step("bob", "followed")])
        # A limited #gardening post never does.
        hidden = self.step("alice", "post", "secret #gardening", empty)
        self.assertNotIn(hidden["guid"], [p["guid"] for p in self.step("bob", "stream")])
        self.assertNotIn(hidden["guid"], [p["guid"] for p in self.step("bob", "followed")])

        # Mentions: bob's stream has the public one, not the limited one.
        hi = self.step("alice", "post", "Hello @{bob; %s}!" % did_bob)
        quiet = self.step("alice", "post", "About @{bob; %s}" % did_bob, empty)
        seen = [p["guid"] for p in self.step("bob", "mentions")]
        self.assertIn(hi["guid"], seen)
        self.assertNotIn(quiet["guid"], seen)
        self.assertNotIn(post["guid"], seen)
        self.assertEqual(self.step("alice", "mentions"), [])

        # A poll with three answers: bob votes once.
        poll = self.step("alice", "poll", "Pick one", "Which bean?", "runner,broad,french")
        vote = self.step("bob", "vote", poll["id"], poll["guid"], 2)
        self.assertEqual(vote["status"], 201)
        self.assertEqual(vote["poll"]["participation_count"], 1)
        self.assertEqual(vote["poll"]["question"], "Which bean?")
        self.assertEqual(self.step("bob", "vote", poll["id"], poll["guid"], 1)["status"], 422)
        data = self.step("bob", "fetch", poll["guid"])["data"]
        self.assertEqual([a["vote_count"] for a in data["poll"]["poll_answers"]], [0, 1, 0])
        self.assertEqual([a["answer"] for a in data["poll"]["poll_answers"]],
                         ["runner", "broad", "french"])
        self.assertEqual(data["poll_participation_answer_id"], 2)
        self.assertEqual(self.step("alice", "vote", poll["id"], poll["guid"], 4)["status"], 422)

        # A limited post's poll: bob may not see it, so may not vote (404).
        secret = self.step("alice", "poll", "Just us", "Yes?", "yes,no", empty)
        self.assertEqual(self.step("bob", "vote", secret["id"], secret["guid"], 1)["status"],
                         404)

        # Tag search: index names by prefix plus the query itself.
        names = self.step("bob", "tagsearch", "gar")
        self.assertIn("#gardening", names)
        self.assertIn("#gar", names)

    def test_b_http_details(self):
        b = self.browser("bob")
        # Tag followings: list, 404 / 403 / 204 on delete.
        status, tf = self.send_json(b, "POST", "/tag_followings", {"name": "Tomatoes"})
        self.assertEqual(status, 201)
        self.assertEqual((tf["name"], tf["taggings_count"]), ("tomatoes", 0))
        self.assertEqual(self.send_json(b, "POST", "/tag_followings", {"name": "a b"})[0], 422)
        self.assertEqual(self.send_json(b, "POST", "/tag_followings", {"name": "#"})[0], 422)
        status, lst = self.send_json(b, "GET", "/tag_followings.json")
        self.assertEqual(status, 200)
        self.assertIn("tomatoes", [t["name"] for t in lst])
        a = self.browser("alice")
        self.assertEqual(self.send_json(a, "DELETE", "/tag_followings/%d" % tf["id"])[0], 403)
        self.assertEqual(self.send_json(b, "DELETE", "/tag_followings/%d" % tf["id"])[0], 204)
        self.assertEqual(self.send_json(b, "DELETE", "/tag_followings/%d" % tf["id"])[0], 404)
        self.assertEqual(self.send_json(b, "DELETE", "/tag_followings/x")[0], 404)

        # Tag search needs two characters.
        self.assertEqual(self.send_json(b, "GET", "/tags?q=g")[0], 422)
        status, names = self.send_json(b, "GET", "/tags?q=%23TOM&limit=1")
        self.assertEqual((status, names), (200, [{"name": "#tom"}]))

        # Polls and locations are checked when posting.
        def post(extra):
            doc = {"aspect_ids": "public", "status_message": {"text": "x"}}
            doc.update(extra)
            return self.send_json(b, "POST", "/status_messages", doc)

        self.assertEqual(post({"poll_question": "Q", "poll_answers": ["only"]})[0], 422)
        self.assertEqual(post({"poll_question": "Q", "poll_answers": "a,b"})[0], 422)
        self.assertEqual(post({"poll_question": "Q", "poll_answers": ["a", 2]})[0], 422)
        self.assertEqual(post({"poll_question": "Q", "poll_answers": ["a"] * 21})[0], 422)
        self.assertEqual(post({"poll_question": "Q", "poll_answers": ["a", "b" * 256]})[0], 422)
        self.assertEqual(post({"poll_question": "", "poll_answers": ["a", "b"]})[0], 422)
        self.assertEqual(post({"location_coords": "91,0", "location_address": "x"})[0], 422)
        self.assertEqual(post({"location_coords": "abc", "location_address": "x"})[0], 422)
        status, p = post({"location_coords": "52.5, 13.4", "location_address": "Berlin",
                          "poll_question": "Q", "poll_answers": ["a", "b"]})
        self.assertEqual(status, 201)
        self.assertEqual(p["location"], {"address": "Berlin", "lat": "52.5", "lng": "13.4"})
        self.assertEqual(len(p["poll"]["poll_answers"]), 2)
        # A form vote (as diaspy sends it) with a poll_id of another post: 422.
        status, _, _ = b.post("/posts/%d/poll_participations" % p["id"],
                              {"poll_answer_id": "1", "poll_id": str(p["id"] + 1000)},
                              header_token=b.token)
        self.assertEqual(status, 422)
        # Signed out: no mentions stream.
        self.assertEqual(Browser(self.pod).get("/mentions.json")[0], 401)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
