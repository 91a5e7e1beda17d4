"""Integration: GET /fetch/TYPE/GUID (docs/diaspora-federation.md §8) on
real pods over HTTPS.

Pod A hosts alice and carol. alice posts publicly and limited and comments
on her public post; carol reshares it and comments on it too (a relayable
whose author is not the root author: author_signature filled in with
carol's key, §6.1). A answers a public post, reshare or comment with a Magic
Envelope signed by its author (checked with the key from the author's
hCard, over the base string of §4.2, and its author_signature with the
signed string of §6.1); "post", "status_message" and "reshare" all name
posts; the limited post, unknown GUIDs, unknown or unsupported types and
malformed GUIDs are 404.

Pod B trusts A's certificate and may reach loopback. The envelope A served
is delivered as it is to B's /receive/public: B verifies it (discovering
alice on A) and stores the post, which proves the envelope is acceptable
to a receiver; B's own /fetch of that post then redirects (302) to A's.
"""
import argparse
import base64
import json
import os
import re
import sys
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"
ME = "{http://salmon-protocol.org/ns/magic-env}"
ENVELOPE_TYPE = "application/magic-envelope+xml"


def b64url(data):
    return base64.urlsafe_b64encode(data).decode()


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


def public_key(pod, username):
    """username's public key, from their hCard as another pod reads it."""
    b = Browser(pod)
    status, _, body = b.get("/.well-known/webfinger?resource=acct:%s@localhost:%d"
                            % (username, pod.https_port))
    assert status == 200, status
    hcard = [l["href"] for l in json.loads(body)["links"]
             if l["rel"] == "http://microformats.org/profile/hcard"][0]
    status, _, page = b.get("/" + hcard.split("/", 3)[3])
    assert status == 200, status
    m = re.search(r"-----BEGIN (RSA )?PUBLIC KEY-----.*?-----END (RSA )?PUBLIC KEY-----",
                  page.decode(), re.S)
    assert m, page
    return serialization.load_pem_public_key(m.group(0).encode())


def verify(key, signature, data):
    """True when signature is key's RSA-SHA256 PKCS#1 v1.5 signature of data."""
    try:
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


class Fetch(unittest.TestCase):
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
        cls.a = Pod(extra_args=["--dev"])
        cls.pods.append(cls.a)
        add_user(cls.a.data, "alice", PASSWORD)
        add_user(cls.a.data, "carol", PASSWORD)
        cls.a.start()
        podlib.wait_for_keys(cls.a, ["alice", "carol"])
        cls.alice_id = "alice@localhost:%d" % cls.a.https_port
        cls.carol_id = "carol@localhost:%d" % cls.a.https_port
        cls.alice = Browser(cls.a)
        assert cls.alice.sign_in("alice", PASSWORD)[0] == 302
        cls.carol = Browser(cls.a)
        assert cls.carol.sign_in("carol", PASSWORD)[0] == 302

        status, cls.public = api(cls.alice, "POST", "/status_messages",
                                 {"aspect_ids": "public",
                                  "status_message": {"text": "hello <world> & all"}})
        assert status == 201, (status, cls.public)
        status, aspect = api(cls.alice, "POST", "/aspects", {"aspect": {"name": "Friends"}})
        assert status == 200, (status, aspect)
        status, cls.limited = api(cls.alice, "POST", "/status_messages",
                                  {"aspect_ids": [aspect["id"]],
                                   "status_message": {"text": "only for friends"}})
        assert status == 201, (status, cls.limited)
        assert not cls.limited.get("public", False), cls.limited
        path = "/posts/%d/comments" % cls.public["id"]
        status, cls.own_comment = api(cls.alice, "POST", path, {"text": "my own comment"})
        assert status == 201, (status, cls.own_comment)
        status, cls.carol_comment = api(cls.carol, "POST", path, {"text": "carol was here"})
        assert status == 201, (status, cls.carol_comment)
        status, cls.reshare = api(cls.carol, "POST", "/reshares",
                                  {"root_guid": cls.public["guid"]})
        assert status == 201, (status, cls.reshare)

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

    def fetch(self, path, pod=None):
        return (pod or self.a).https("GET", path)[:3]

    def envelope(self, path, signer, username):
        """Fetches path, checks the envelope (§4.1, §4.2) signed by signer
        and returns the payload's root element and raw bytes."""
        status, headers, body = self.fetch(path)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers["content-type"],
                         ENVELOPE_TYPE)
        self.assertTrue(body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                                        b'<me:env xmlns:me='), body)
        env = ET.fromstring(body)
        data = env.find(ME + "data")
        self.assertEqual(data.get("type"), "application/xml")
        self.assertEqual(env.find(ME + "encoding").text, "base64url")
        self.assertEqual(env.find(ME + "alg").text, "RSA-SHA256")
        sig = env.find(ME + "sig")
        self.assertEqual(base64.urlsafe_b64decode(sig.get("key_id")).decode(), signer)
        payload = base64.urlsafe_b64decode(data.text)
        base = (b64url(payload) + ".YXBwbGljYXRpb24veG1s.YmFzZTY0dXJs.UlNBLVNIQTI1Ng==").encode()
        key = public_key(self.a, username)
        self.assertTrue(verify(key, base64.urlsafe_b64decode(sig.text), base))
        self.assertFalse(verify(key, base64.urlsafe_b64decode(sig.text), base + b"x"))
        return ET.fromstring(payload), payload

    def test_public_post_under_each_post_type(self):
        guid = self.public["guid"]
        bodies = []
        for t in ("post", "status_message", "reshare"):
            entity, payload = self.envelope("/fetch/%s/%s" % (t, guid), self.alice_id, "alice")
            self.assertEqual(entity.tag, "status_message")
            self.assertEqual(entity.findtext("guid"), guid)
            self.assertEqual(entity.findtext("author"), self.alice_id)
            self.assertEqual(entity.findtext("public"), "true")
            self.assertEqual(entity.findtext("text"), "hello <world> & all")
            self.assertNotIn(b"<?xml", payload)
            bodies.append(payload)
        self.assertEqual(bodies[0], bodies[1])
        self.assertEqual(bodies[0], bodies[2])

    def test_reshare_under_each_post_type(self):
        guid = self.reshare["guid"]
        for t in ("reshare", "post", "status_message"):
            entity, _ = self.envelope("/fetch/%s/%s" % (t, guid), self.carol_id, "carol")
            self.assertEqual(entity.tag, "reshare")
            self.assertEqual(entity.findtext("author"), self.carol_id)
            self.assertEqual(entity.findtext("guid"), guid)
            self.assertEqual(entity.findtext("root_author"), self.alice_id)
            self.assertEqual(entity.findtext("root_guid"), self.public["guid"])

    def test_comment_by_the_post_author(self):
        guid = self.own_comment["guid"]
        entity, _ = self.envelope("/fetch/comment/" + guid, self.alice_id, "alice")
        self.assertEqual(entity.tag, "comment")
        self.assertEqual(entity.findtext("guid"), guid)
        self.assertEqual(entity.findtext("parent_guid"), self.public["guid"])
        self.assertIsNone(entity.find("author_signature"))  # §6.1: the root author's own

    def test_comment_by_another_local_person_is_signed_by_them(self):
        guid = self.carol_comment["guid"]
        entity, _ = self.envelope("/fetch/comment/" + guid, self.carol_id, "carol")
        self.assertEqual(entity.tag, "comment")
        self.assertEqual(entity.findtext("author"), self.carol_id)
        self.assertEqual(entity.findtext("text"), "carol was here")
        # author_signature over the values in order, signature elements left out (§6.1).
        names = [c.tag for c in entity]
        self.assertEqual(names[-1], "author_signature")
        signed = ";".join(c.text or "" for c in entity if "signature" not in c.tag)
        sig = base64.b64decode(entity.findtext("author_signature"))
        self.assertTrue(verify(public_key(self.a, "carol"), sig, signed.encode()))

    def test_not_found(self):
        pub, lim = self.public["guid"], self.limited["guid"]
        for path in ["/fetch/post/" + lim,                          # limited
                     "/fetch/status_message/" + lim,
                     "/fetch/post/0123456789abcdef0123456789abcdef",  # unknown
                     "/fetch/comment/" + pub,                       # a post is no comment
                     "/fetch/post/" + self.own_comment["guid"],     # nor a comment a post
                     "/fetch/like/" + pub,                          # unsupported types
                     "/fetch/photo/" + pub,
                     "/fetch/poll/" + pub,
                     "/fetch/Post/" + pub,
                     "/fetch/nothing/" + pub,
                     "/fetch/post/short",                           # malformed GUIDs
                     "/fetch/post/" + "a" * 65,
                     "/fetch/post/" + "a" * 300,
                     "/fetch/post/..%2F..%2Fetc%2Fpasswd",
                     "/fetch/post/%2e%2e%2f%2e%2e%2f0123456789abcdef",
                     "/fetch/post/" + urllib.parse.quote(pub + "\r\nX: y")]:
            status, _, _ = self.fetch(path)
            self.assertEqual(status, 404, path)
        for path in ["/fetch/post", "/fetch/post/", "/fetch/post/%s/x" % pub]:
            self.assertEqual(self.fetch(path)[0], 404, path)

    def test_poll_answers_with_its_post(self):
        """§8: "poll" is answered with the whole status message that holds
        it (a pod asks for it when a vote arrives before the poll)."""
        status, post = api(self.alice, "POST", "/status_messages",
                           {"aspect_ids": "public",
                            "status_message": {"text": "tea or coffee?"},
                            "poll_question": "Which?", "poll_answers": ["tea", "coffee"]})
        self.assertEqual(status, 201, post)
        guid = post["poll"]["guid"]
        self.assertRegex(guid, r"^[0-9a-f]{32}$")
        entity, _ = self.envelope("/fetch/poll/" + guid, self.alice_id, "alice")
        self.assertEqual(entity.tag, "status_message")
        self.assertEqual(entity.findtext("guid"), post["guid"])
        self.assertEqual(entity.find("poll").findtext("guid"), guid)
        self.assertEqual([a.findtext("answer") for a in entity.find("poll").findall("poll_answer")],
                         ["tea", "coffee"])
        self.assertEqual(self.fetch("/fetch/poll/" + post["guid"])[0], 404)  # a post's GUID

    def test_only_get(self):
        status = self.a.https("POST", "/fetch/post/" + self.public["guid"], body=b"",
                              headers={"Content-Type": ENVELOPE_TYPE})[0]
        self.assertEqual(status, 405)

    def test_remote_author_redirects_to_their_pod(self):
        b = Pod(extra_args=["--dev", "--allow-net", "127.0.0.0/8",
                            "--ca-bundle", self.a.cert_path()])
        self.pods.append(b)
        b.start()
        guid = self.public["guid"]
        status, _, body = self.fetch("/fetch/post/" + guid)
        self.assertEqual(status, 200)
        # What A serves is a valid delivery: B verifies and stores it.
        status = b.https("POST", "/receive/public", body=body,
                         headers={"Content-Type": ENVELOPE_TYPE})[0]
        self.assertEqual(status, 202)
        deadline = time.monotonic() + 60
        while not re.search(r"delivery #\d+ applied: status_message " + guid, b.output()):
            self.assertLess(time.monotonic(), deadline, b.output())
            time.sleep(0.2)
        for t in ("post", "status_message", "reshare"):
            status, headers, _ = self.fetch("/fetch/%s/%s" % (t, guid), pod=b)
            self.assertEqual(status, 302)
            self.assertEqual(headers["location"],
                             "https://localhost:%d/fetch/%s/%s" % (self.a.https_port, t, guid))
        self.assertEqual(self.fetch("/fetch/comment/" + guid, pod=b)[0], 404)

    def wait_log(self, pod, pattern):
        deadline = time.monotonic() + 60
        while not re.search(pattern, pod.output()):
            self.assertLess(time.monotonic(), deadline, pod.output())
            time.sleep(0.2)

    def test_unknown_parents_are_fetched(self):
        """§6.2, §8: a comment or reshare whose post is unknown makes the
        receiver fetch the post from the pod of the comment's author or the
        reshare's root author, verify it like a delivery, store it, and
        then the comment or reshare."""
        c = Pod(extra_args=["--dev", "--allow-net", "127.0.0.1/32",
                            "--ca-bundle", self.a.cert_path()])
        self.pods.append(c)
        c.start()
        status, post = api(self.alice, "POST", "/status_messages",
                           {"aspect_ids": "public",
                            "status_message": {"text": "fetch me when needed"}})
        self.assertEqual(status, 201, post)
        status, comment = api(self.alice, "POST", "/posts/%d/comments" % post["id"],
                              {"text": "a comment on a post C has never seen"})
        self.assertEqual(status, 201, comment)
        _, _, body = self.fetch("/fetch/comment/" + comment["guid"])
        status = c.https("POST", "/receive/public", body=body,
                         headers={"Content-Type": ENVELOPE_TYPE})[0]
        self.assertEqual(status, 202)
        self.wait_log(c, r"fetched post %s from https://localhost:%d/fetch/post/%s"
                      % (post["guid"], self.a.https_port, post["guid"]))
        self.wait_log(c, r"delivery #\d+ applied: comment " + comment["guid"])
        reader = Browser(c)
        status, _, page = reader.request("GET", "/posts/" + post["guid"], None,
                                         {"Accept": "application/json"})
        self.assertEqual(status, 200, page)
        self.assertEqual(json.loads(page)["text"], "fetch me when needed")
        # carol's reshare of alice's first post: the root comes from alice's pod.
        _, _, body = self.fetch("/fetch/reshare/" + self.reshare["guid"])
        status = c.https("POST", "/receive/public", body=body,
                         headers={"Content-Type": ENVELOPE_TYPE})[0]
        self.assertEqual(status, 202)
        self.wait_log(c, r"fetched post %s from " % self.public["guid"])
        self.wait_log(c, r"delivery #\d+ applied: reshare " + self.reshare["guid"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
