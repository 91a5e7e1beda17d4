"""Integration: notifications and private conversations as python3-diaspy
(the Debian-packaged diaspora* client) and plain HTTP see them
(docs/web-api.md #40-#46).

alice and bob share with each other; carol is outside and must never see
their conversation.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
USERS = ("alice", "bob", "carol")
PASSWORD = "correct horse battery"


class DiaspySocial(unittest.TestCase):
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
        status, _, _ = b.sign_in(user, PASSWORD)
        self.assertEqual(status, 302)
        return b, b.csrf("/contacts")

    def unread(self, user):
        b, _ = self.browser(user)
        status, _, body = b.get("/notifications.json")
        self.assertEqual(status, 200)
        return json.loads(body)

    def test_notifications_and_conversations(self):
        port = self.pod.https_port
        # alice and bob share with each other, as in test_diaspy.
        bob = self.step("alice", "search", "bob")
        alice = self.step("bob", "search", "alice@")
        friends = self.step("alice", "aspect_add", "Friends")
        self.step("alice", "aspect_adduser", friends[0]["id"], bob[0]["id"])
        family = self.step("bob", "aspect_add", "Family")
        self.step("bob", "aspect_adduser", family[0]["id"], alice[0]["id"])
        # Each learnt that the other started sharing.
        self.assertIn("started_sharing", [n["type"] for n in self.step("bob", "notifications")])

        # bob comments on and likes alice's post.
        post = self.step("alice", "post", "Hello from alice")
        self.step("bob", "comment", post["id"], post["guid"], "Nice to meet you")
        self.step("bob", "like", post["id"], post["guid"])
        notes = self.step("alice", "notifications")
        types = {n["type"]: n for n in notes}
        self.assertTrue(types["comment_on_post"]["unread"])
        self.assertTrue(types["liked"]["unread"])
        data = self.unread("alice")
        before = data["unread_count"]
        self.assertEqual(data["unread_count_by_type"]["comment_on_post"], 1)
        self.assertEqual(data["unread_count_by_type"]["liked"], 1)
        self.assertEqual(data["unread_count_by_type"]["reshared"], 0)
        note = [n for n in data["notification_list"] if n["type"] == "comment_on_post"][0]
        html = note["comment_on_post"]["note_html"]
        self.assertIn('<div class="media-body">', html)
        self.assertIn('<a class="hovercardable" href="/people/%s">' % bob[0]["guid"], html)
        self.assertIn('data-ref="%d"' % post["id"], html)
        self.step("alice", "mark", types["liked"]["id"])
        self.assertEqual(self.unread("alice")["unread_count"], before - 1)
        # Nobody may mark someone else's.
        b, token = self.browser("carol")
        status, _, _ = b.request("PUT", "/notifications/%d?set_unread=false" % types["comment_on_post"]["id"],
                                 headers={"X-CSRF-Token": token})
        self.assertEqual(status, 403)

        # bob mentions carol in a public post.
        self.step("bob", "post", "Hi @{carol; carol@localhost:%d}" % port)
        self.assertIn("mentioned_in_post", [n["type"] for n in self.step("carol", "notifications")])
        self.assertEqual(self.unread("carol")["unread_count_by_type"]["mentioned"], 1)

        # alice starts a conversation with bob over HTTP.
        b, token = self.browser("alice")
        fields = {"person_ids": str(bob[0]["id"]), "conversation[subject]": "Lunch <today>?",
                  "conversation[text]": "Shall we meet?", "authenticity_token": token}
        status, _, body = b.request("POST", "/conversations", urllib.parse.urlencode(fields).encode(),
                                    {"Content-Type": "application/x-www-form-urlencoded",
                                     "Accept": "application/json"})
        self.assertEqual(status, 201, body)
        conv = json.loads(body)["id"]
        # carol is no mutual contact of alice's.
        fields["person_ids"] = str(self.step("alice", "search", "carol")[0]["id"])
        status, _, _ = b.request("POST", "/conversations", urllib.parse.urlencode(fields).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded",
                                  "Accept": "application/json"})
        self.assertEqual(status, 422)

        self.assertEqual(self.step("bob", "mailbox"), ["Lunch <today>?"])
        self.step("bob", "answer", conv, "Yes, at noon")
        status, _, body = b.get("/conversations/%d.json" % conv)
        self.assertEqual(status, 200)
        shown = json.loads(body)["conversation"]
        self.assertEqual([m["text"] for m in shown["messages"]], ["Shall we meet?", "Yes, at noon"])
        self.assertEqual(sorted(p["id"] for p in shown["participants"]),
                         sorted([alice[0]["id"], bob[0]["id"]]))
        # The HTML page diaspy scrapes.
        status, _, page = b.get("/conversations/%d" % conv)
        self.assertEqual(status, 200)
        self.assertEqual(len(re.findall(rb'class="stream-element message" data-guid="', page)), 2)
        self.assertIn(b'Lunch &lt;today&gt;?', page)

        # carol never sees it.
        c, ctoken = self.browser("carol")
        self.assertEqual(c.get("/conversations/%d.json" % conv)[0], 404)
        self.assertEqual(c.get("/conversations/%d" % conv)[0], 404)
        self.assertEqual(self.step("carol", "mailbox"), [])
        status, _, _ = c.post("/conversations/%d/messages" % conv, {"message[text]": "hi"},
                              token=ctoken)
        self.assertEqual(status, 404)

        # Leaving: bob's mailbox empties, alice still has it; then it is gone.
        bb, btoken = self.browser("bob")
        status, headers, _ = bb.post("/conversations/%d/visibility" % conv, {}, token=btoken,
                                     method_override="delete")
        self.assertEqual((status, headers.get("location")), (302, "/conversations"))
        self.assertEqual(self.step("bob", "mailbox"), [])
        self.assertEqual(bb.get("/conversations/%d.json" % conv)[0], 404)
        self.assertEqual(self.step("alice", "mailbox"), ["Lunch <today>?"])
        status, _, _ = b.post("/conversations/%d/visibility" % conv, {}, token=token,
                              method_override="delete")
        self.assertEqual(status, 302)
        self.assertEqual(b.get("/conversations/%d.json" % conv)[0], 404)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
