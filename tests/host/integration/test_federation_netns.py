"""Integration: three pods as separate hosts, each in its own network
namespace on one switch (netns.py), talking HTTPS with certificates of a
test CA, as diaspora* pods do on the Internet.

One set of pods serves every step; the steps run in the order of their
names and each builds on the ones before (a step whose groundwork failed
is skipped).

 1. alice@pod-a.test, bob@pod-b.test and carol@pod-c.test find each other
    by diaspora* ID; alice and bob share with each other (aspects), carol
    follows alice and bob (they are in her aspect, not the other way). A
    public post of alice reaches bob and carol; a post limited to her
    aspect with bob reaches bob only.
 2. carol comments on and likes a public post of alice; pod A relays both
    to pod B, which keeps them only after checking carol's author_signature.
 3. bob reshares alice's post: the reshare reaches alice and carol.
 4. Retractions sent by the post's author: alice deletes a post (gone on B
    and C) and carol's comment on her post (gone on B and C).
 5. Retractions sent by a relayable's author: carol deletes her comment and
    takes back her like; pod A deletes them and relays the retractions to B.
 6. alice renames herself: pods B and C show the new name.
 7. alice writes to bob and carol; bob answers; everybody reads both.
 8. Pod B's cable is pulled; alice posts, carol and alice comment, carol
    likes; then pod A crashes (kill -9) with those deliveries to B queued
    and starts again on the same data; the cable is back: pod B gets
    everything exactly once.
 8b. Pod A's own cable is pulled while a delivery to B waits for its
    retry: A pauses sending (nothing counts as failed) and, once its
    cable is back, sends at once instead of at the retry time.
 9. carol deletes her account: pods A and B drop her post and comments.
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
# A delivery between two reachable pods takes a few outbox polls (3 s
# each); a relayed one two hops. These only bound a failing run.
DELIVERY = 90
# The outbox retries after (n+3)^4 + rand(30) seconds: 81 to 110 s.
RETRY = 240


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


def wait_for(cond, what, timeout=DELIVERY):
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
        cls.done = set()  # the steps that passed
        cls.facts = {}  # what one step leaves for the next ones
        try:
            for n, user in USERS.items():
                pod = NetPod(cls.net, n)
                add_user(pod.data, user, PASSWORD)
                cls.pods[n] = pod.start()
            cls.b = {}
            for n, user in USERS.items():
                cls.sign_in(n)
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
    def sign_in(cls, n):
        br = Browser(cls.pods[n])
        status, _, _ = br.sign_in(USERS[n], PASSWORD)
        assert status == 302, (USERS[n], status)
        cls.b[n] = br

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

    def needs(self, *steps):
        missing = [s for s in steps if s not in self.done]
        if missing:
            self.skipTest("needs step(s) %s, which failed" % ", ".join(missing))

    def passed(self, step):
        self.done.add(step)

    # ---- people
    def did(self, n):
        return "%s@%s" % (USERS[n], self.net.host(n))

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

    def contacts(self, n):
        status, contacts = api(self.b[n], "GET", "/contacts.json")
        return {c["person"]["diaspora_id"] for c in contacts or [] if c.get("person")}

    # ---- posts and what hangs on them
    def post(self, n, text, aspects="public"):
        def attempt():
            status, body = api(self.b[n], "POST", "/status_messages",
                               {"status_message": {"text": text}, "aspect_ids": aspects})
            return body if status == 201 else None
        return wait_for(attempt, "posting on " + n)

    def stream(self, n):
        status, posts = api(self.b[n], "GET", "/stream.json")
        self.assertEqual(status, 200)
        return posts

    def stream_texts(self, n):
        return [p["text"] for p in self.stream(n)]

    def show(self, n, guid):
        """The post guid as pod n's user sees it (with every comment and
        like), or None when it is not there."""
        status, post = api(self.b[n], "GET", "/posts/%s.json" % guid)
        return post if status == 200 else None

    def comments(self, n, guid):
        status, comments = api(self.b[n], "GET", "/posts/%s/comments.json" % guid)
        return comments if status == 200 else []

    def likes(self, n, guid):
        post = self.show(n, guid)
        return post["interactions"]["likes"] if post else []

    def has_comment(self, n, post_guid, comment_guid):
        return [c for c in self.comments(n, post_guid) if c["guid"] == comment_guid]

    def has_like(self, n, post_guid, like_guid):
        return [l for l in self.likes(n, post_guid) if l["guid"] == like_guid]

    def comment(self, n, post_guid, text):
        status, c = api(self.b[n], "POST", "/posts/%s/comments" % post_guid, {"text": text})
        self.assertEqual(status, 201, c)
        return c

    def like(self, n, post_guid):
        status, l = api(self.b[n], "POST", "/posts/%s/likes" % post_guid)
        self.assertEqual(status, 201, l)
        return l

    def arrives(self, text, pods, timeout=DELIVERY):
        """Waits until the post text is in the streams of pods."""
        for n in pods:
            wait_for(lambda n=n: text in self.stream_texts(n),
                     "%r on pod %s" % (text, n), timeout=timeout)
        return [p for p in self.stream(pods[0]) if p["text"] == text][0]["guid"]

    def log_lines(self, n, *words):
        return [l for l in self.pods[n].output().splitlines() if all(w in l for w in words)]

    # ------------------------------------------------------------ 1
    def test_1_sharing_public_and_limited_posts(self):
        alice, bob, carol = self.did("a"), self.did("b"), self.did("c")
        friends = self.share("a", bob)
        self.share("b", alice)
        self.share("c", alice)
        self.share("c", bob, "Pod B")
        # Pods learn of their followers from their pods' <contact> messages.
        wait_for(lambda: {bob, carol} <= self.contacts("a"),
                 "bob and carol among alice's contacts")
        wait_for(lambda: carol in self.contacts("b"), "carol among bob's contacts")

        # A public post reaches both followers' pods.
        self.post("a", "Hello from pod A #federation")
        self.facts["hello"] = self.arrives("Hello from pod A #federation", ["b", "c"])

        # A limited post reaches bob only.
        limited = self.post("a", "Only for my friends", [friends])
        wait_for(lambda: "Only for my friends" in self.stream_texts("b"),
                 "the limited post on pod B")
        self.assertEqual(api(self.b["b"], "GET", "/posts/%s.json" % limited["guid"])[0], 200)
        self.assertNotIn("Only for my friends", self.stream_texts("c"))
        self.assertEqual(api(self.b["c"], "GET", "/posts/%s.json" % limited["guid"])[0], 404)
        self.passed("sharing")

    # ------------------------------------------------------------ 2
    def test_2_comment_and_like_relayed_with_signature(self):
        self.needs("sharing")
        carol = self.did("c")
        post = self.post("a", "Relay me, pod A")
        guid = self.arrives("Relay me, pod A", ["b", "c"])
        self.assertEqual(guid, post["guid"])
        c = self.comment("c", guid, "A comment from pod C")
        l = self.like("c", guid)
        # Pod C sends both to pod A only; pod A relays them to pod B signed
        # by alice, carrying carol's author_signature. Pod B keeps a
        # relayed comment or like only when that signature verifies with
        # carol's key, so finding them there proves it arrived intact.
        for n in ("a", "b"):
            got = wait_for(lambda n=n: self.has_comment(n, guid, c["guid"]),
                           "carol's comment on pod " + n)
            self.assertEqual((got[0]["text"], got[0]["author"]["diaspora_id"]),
                             ("A comment from pod C", carol))
            got = wait_for(lambda n=n: self.has_like(n, guid, l["guid"]),
                           "carol's like on pod " + n)
            self.assertEqual(got[0]["author"]["diaspora_id"], carol)
        shown = self.show("b", guid)
        self.assertEqual((shown["interactions"]["comments_count"],
                          shown["interactions"]["likes_count"]), (1, 1))
        status, _, page = self.b["b"].get("/posts/" + guid)
        self.assertEqual(status, 200)
        self.assertIn(b"A comment from pod C", page)
        self.assertEqual(self.log_lines("b", "author_signature of"), [])  # no rejection
        self.facts["relayed"] = {"post": guid, "comment": c["guid"], "like": l["guid"]}
        self.passed("relay")

    # ------------------------------------------------------------ 3
    def test_3_reshare(self):
        self.needs("sharing")
        bob, root = self.did("b"), self.facts["hello"]
        status, reshare = api(self.b["b"], "POST", "/reshares", {"root_guid": root})
        self.assertEqual(status, 201, reshare)

        # To bob's contacts (alice, carol) and to the root's author.
        def reshared(n):
            return [p for p in self.stream(n) if p["guid"] == reshare["guid"]]
        for n in ("a", "c"):
            got = wait_for(lambda n=n: reshared(n), "bob's reshare on pod " + n)[0]
            self.assertEqual((got["post_type"], got["author"]["diaspora_id"]),
                             ("Reshare", bob))
            self.assertEqual(got["root"]["guid"], root)
        self.assertEqual(len(reshared("a")), 1)

    # ------------------------------------------------------------ 4
    def test_4_retractions_by_the_post_author(self):
        self.needs("sharing")
        # alice deletes a post: gone on B and C.
        gone = self.post("a", "Soon gone")
        self.arrives("Soon gone", ["b", "c"])
        status, _ = api(self.b["a"], "DELETE", "/posts/%s" % gone["guid"])
        self.assertEqual(status, 204)
        for n in ("b", "c"):
            wait_for(lambda n=n: self.show(n, gone["guid"]) is None,
                     "the deleted post gone from pod " + n)
            self.assertNotIn("Soon gone", self.stream_texts(n))

        # alice deletes carol's comment on her post: gone on B (and C).
        guid = self.post("a", "Comment here, carol")["guid"]
        self.arrives("Comment here, carol", ["b", "c"])
        c = self.comment("c", guid, "alice will remove this")
        got = wait_for(lambda: self.has_comment("a", guid, c["guid"]), "the comment on pod A")
        wait_for(lambda: self.has_comment("b", guid, c["guid"]), "the comment on pod B")
        status, _ = api(self.b["a"], "DELETE", "/posts/%s/comments/%d" % (guid, got[0]["id"]))
        self.assertEqual(status, 204)
        for n in ("b", "c"):
            wait_for(lambda n=n: not self.has_comment(n, guid, c["guid"]),
                     "carol's comment gone from pod %s after alice deleted it" % n)

    # ------------------------------------------------------------ 5
    def test_5_retractions_by_the_relayable_author(self):
        self.needs("relay")
        r = self.facts["relayed"]
        guid = r["post"]
        mine = self.has_comment("c", guid, r["comment"])
        like = self.has_like("c", guid, r["like"])
        status, _ = api(self.b["c"], "DELETE", "/posts/%s/comments/%d" % (guid, mine[0]["id"]))
        self.assertEqual(status, 204)
        status, _ = api(self.b["c"], "DELETE", "/posts/%s/likes/%d" % (guid, like[0]["id"]))
        self.assertEqual(status, 204)
        # Pod C tells pod A (the post's pod), which relays both retractions
        # to pod B (§6.4).
        wait_for(lambda: not self.has_comment("a", guid, r["comment"]) and
                 not self.has_like("a", guid, r["like"]),
                 "carol's comment and like gone from pod A")
        gone = {}

        def settled():
            gone["comment"] = not self.has_comment("b", guid, r["comment"])
            gone["like"] = not self.has_like("b", guid, r["like"])
            return all(gone.values())
        try:
            wait_for(settled, "carol's comment and like gone from pod B")
        except AssertionError:
            self.fail("still on pod B after carol retracted them: %s"
                      % [k for k, v in gone.items() if not v])
        shown = self.show("b", guid)
        self.assertEqual((shown["interactions"]["comments_count"],
                          shown["interactions"]["likes_count"]), (0, 0))

    # ------------------------------------------------------------ 6
    def test_6_profile_update(self):
        self.needs("sharing")
        b = self.b["a"]
        token = b.csrf("/profile/edit")
        status, headers, _ = b.post_multipart(
            "/profile", {"profile[first_name]": "Alice", "profile[last_name]": "Liddell"}, {},
            token=token, method_override="put")
        self.assertEqual((status, headers.get("location")), (302, "/profile/edit?done=1"))
        hello = self.facts["hello"]
        # The author of alice's post as pods B and C know her: no search
        # here, which would fetch her hCard anew.
        for n in ("b", "c"):
            wait_for(lambda n=n: self.show(n, hello)["author"]["name"] == "Alice Liddell",
                     "alice's new name on pod " + n)

    # ------------------------------------------------------------ 7
    def test_7_conversation(self):
        self.needs("sharing")
        # Conversations are between people who share with each other both
        # ways: alice shares with carol too.
        self.share("a", self.did("c"), "Acquaintances")
        bob_id = self.person("a", self.did("b"))["id"]
        carol_id = self.person("a", self.did("c"))["id"]
        status, conv = api(self.b["a"], "POST", "/conversations",
                           {"person_ids": "%d,%d" % (bob_id, carol_id),
                            "conversation": {"subject": "Across pods",
                                             "text": "Hello bob and carol"}})
        self.assertEqual(status, 201, conv)

        def local_id(n):
            status, convs = api(self.b[n], "GET", "/conversations.json")
            ids = [c["conversation"]["id"] for c in convs or []
                   if c["conversation"].get("guid") == conv["guid"]]
            return ids[0] if status == 200 and ids else None

        def messages(n):
            cid = local_id(n)
            if not cid:
                return []
            status, body = api(self.b[n], "GET", "/conversations/%d.json" % cid)
            return [m["text"] for m in body["conversation"]["messages"]] if status == 200 else []
        for n in ("b", "c"):
            wait_for(lambda n=n: messages(n) == ["Hello bob and carol"],
                     "the conversation on pod " + n)
        status, body = api(self.b["b"], "GET", "/conversations/%d.json" % local_id("b"))
        self.assertEqual(body["conversation"]["subject"], "Across pods")
        b = self.b["b"]
        status, _, _ = b.post("/conversations/%d/messages" % local_id("b"),
                              {"message[text]": "Hello from bob"}, token=b.csrf("/conversations"))
        self.assertIn(status, (302, 303))
        for n in ("a", "c"):
            wait_for(lambda n=n: messages(n) == ["Hello bob and carol", "Hello from bob"],
                     "bob's answer on pod " + n)

    # ------------------------------------------------------------ 8
    def test_8_pulled_cable_and_a_crash(self):
        self.needs("sharing")
        net, carol, alice = self.net, self.did("c"), self.did("a")
        net.cut("b")
        try:
            guid = self.post("a", "Posted while B was away")["guid"]
            self.arrives("Posted while B was away", ["c"])
            c = self.comment("c", guid, "carol while B was away")
            l = self.like("c", guid)
            mine = self.comment("a", guid, "alice while B was away")
            wait_for(lambda: self.has_comment("a", guid, c["guid"]) and
                     self.has_like("a", guid, l["guid"]), "carol's comment and like on pod A")
            wait_for(lambda: self.has_comment("c", guid, mine["guid"]),
                     "alice's comment on pod C")
            time.sleep(5)  # pod A's first attempts to reach pod B fail meanwhile
            # Pod A crashes with the post, its comments and the like queued
            # for pod B, and comes back on the same data.
            self.pods["a"].restart()
            if self.b["a"].get("/stream")[0] != 200:
                self.sign_in("a")  # in case sessions did not outlive the crash
        finally:
            net.restore("b")
        wait_for(lambda: "Posted while B was away" in self.stream_texts("b"),
                 "the post on pod B after the cable is back", timeout=RETRY)
        wait_for(lambda: len(self.comments("b", guid)) >= 2 and self.likes("b", guid),
                 "the comments and the like on pod B after the cable is back", timeout=RETRY)
        # Whatever was sent twice (a crash between sending and noting it)
        # is kept once. Late duplicates would show up within a few polls.
        time.sleep(10)
        self.assertEqual(self.stream_texts("b").count("Posted while B was away"), 1)
        self.assertEqual(self.stream_texts("b").count("Hello from pod A #federation"), 1)
        self.assertEqual(sorted((x["guid"], x["author"]["diaspora_id"])
                                for x in self.comments("b", guid)),
                         sorted([(c["guid"], carol), (mine["guid"], alice)]))
        self.assertEqual([x["guid"] for x in self.likes("b", guid)], [l["guid"]])
        shown = self.show("b", guid)
        self.assertEqual((shown["interactions"]["comments_count"],
                          shown["interactions"]["likes_count"]), (2, 1))
        for n in ("a", "c"):
            self.assertEqual(len(self.comments(n, guid)), 2, n)
            self.assertEqual(self.stream_texts(n).count("Posted while B was away"), 1, n)
        self.facts["carol_comment"] = (guid, c["guid"])

    def test_8b_own_uplink_down(self):
        """Pod A's own cable is pulled while a delivery waits for its retry:
        A pauses instead of failing, and when its cable is back every job
        is due at once, so the waiting post reaches B well before its
        retry (81 s or more after the first failure) would have come."""
        self.needs("sharing")
        net = self.net
        before = len(self.log_lines("a", "failed (attempt 1)", "pod-b.test"))
        net.cut("b")
        try:
            self.post("a", "Queued while both cables were out")
            wait_for(lambda: len(self.log_lines("a", "failed (attempt 1)", "pod-b.test")) > before,
                     "pod A's first failed delivery to pod B")
            failed_at = time.monotonic()
            net.cut("a")
            try:
                wait_for(lambda: self.log_lines("a", "no network link is up: deliveries paused"),
                         "pod A noticing its own link is down", timeout=30)
            finally:
                net.restore("b")
                net.restore("a")
            wait_for(lambda: self.log_lines("a", "uplink back after", "deliveries resumed"),
                     "pod A noticing its link is back", timeout=30)
            wait_for(lambda: "Queued while both cables were out" in self.stream_texts("b"),
                     "the queued post on pod B", timeout=RETRY)
            # The schedule, not the speed: without the resume the post
            # would wait for its retry, due at least 81 s after the failure.
            self.assertLess(time.monotonic() - failed_at, 70)
            self.assertEqual(self.log_lines("a", "failed (attempt 2)", "pod-b.test"), [])
        finally:
            net.restore("b")
            net.restore("a")

    # ------------------------------------------------------------ 9 (last)
    def test_9_account_deletion(self):
        self.needs("sharing")
        post = self.post("c", "carol says goodbye")
        guid = post["guid"]
        on = self.post("a", "Say goodbye, carol")["guid"]
        self.arrives("Say goodbye, carol", ["b", "c"])
        c = self.comment("c", on, "goodbye from carol")
        for n in ("a", "b"):
            wait_for(lambda n=n: self.show(n, guid), "carol's post on pod " + n)
            wait_for(lambda n=n: self.has_comment(n, on, c["guid"]),
                     "carol's comment on pod " + n)
        b = self.b["c"]
        status, headers, _ = b.post("/user", {"user[current_password]": PASSWORD},
                                    token=b.csrf("/user/edit"), method_override="delete")
        self.assertEqual((status, headers.get("location")), (302, "/"))
        for n in ("a", "b"):
            wait_for(lambda n=n: self.show(n, guid) is None and
                     not self.has_comment(n, on, c["guid"]),
                     "carol's post and comment gone from pod " + n)
            for p in self.stream(n):
                self.assertNotEqual(p["author"]["diaspora_id"], self.did("c"), p)
                for x in p["interactions"].get("comments", []):
                    self.assertNotEqual(x["author"]["diaspora_id"], self.did("c"), x)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
