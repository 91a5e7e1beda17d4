"""Integration: the authorization matrix (issue 8, item 5).

One pod, five viewers of alice's things:

  anon     nobody signed in
  stranger sam: no relation to alice
  outside  olga: alice shares with her, but in another aspect ("Outer")
  member   rita: in the aspect of the limited post ("Inner")
  author   alice

Objects: a limited post (to Inner) with a photo, a poll, a hashtag shared
with a public post and one of its own, mentions of rita, sam and olga, a
comment (mentioning sam and olga) and a like by rita; a second limited post
(deleted by the matrix); a public post with sam's comment; a conversation
alice-rita; alice's profile with private fields (public_details off);
notifications; contacts and aspects; tag followings; export.

MATRIX below has one row per endpoint and one column per viewer with the
status expected (302 means a redirect to /users/sign_in). Every cell is
requested and asserted; with -v the table is printed with what was got.

Then, separately, the non-leak property: every body (and header) any
viewer not entitled to an object got, in the matrix and on a list of extra
pages fetched as HTML and as JSON (streams, tag pages, tag and people
search, profiles, notifications, conversations, hCard, WebFinger, NodeInfo,
export), must not contain any of that object's secrets: the post's text,
GUIDs, own hashtag, comment text and GUIDs, photo GUID and file hash, poll
question, answers and GUID; the conversation's subject and text; the
private profile fields; alice's aspect names. A secret the request itself
named (an echo) does not count. Also: sam and olga get no notification of
the post, tag counts count only visible posts, and a search for a private
field finds nobody. Write actions by viewers not entitled to them must
change nothing: checked afterwards as the author.
"""
import argparse
import json
import os
import struct
import sys
import time
import unittest
import urllib.parse
import uuid
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"
VIEWERS = ("anon", "stranger", "outside", "member", "author")
USERS = {"stranger": "sam", "outside": "olga", "member": "rita", "author": "alice"}
TAG = "authzmatrix"
VERBOSE = "-v" in sys.argv or "--verbose" in sys.argv

# Expected statuses: anon, stranger, outside, member, author. 302 = to the
# sign-in page. None = the request is not made (reason in the note).
# The paths use {placeholders} filled in once the objects exist.
# fmt: off
MATRIX = [
    # ---- the limited post and what hangs on it (reads)
    ("GET",    "/posts/{L}",                         None, (404, 404, 404, 200, 200)),
    ("GET",    "/posts/{LG}",                        None, (404, 404, 404, 200, 200)),
    ("GET",    "/posts/{L}.json",                    None, (404, 404, 404, 200, 200)),
    ("GET",    "/posts/{LG}.json",                   None, (404, 404, 404, 200, 200)),
    ("GET",    "/posts/{L}/comments.json",           None, (404, 404, 404, 200, 200)),
    ("GET",    "/posts/{L}/comments",                None, (404, 404, 404, 200, 200)),
    ("GET",    "/posts/{L}/likes.json",              None, (405, 405, 405, 405, 405)),
    ("GET",    "/posts/{L}/reshares.json",           None, (404, 404, 404, 404, 404)),
    ("GET",    "/posts/{L}/interactions.json",       None, (404, 404, 404, 404, 404)),
    ("GET",    "/photos/{PH}.json",                  None, (404, 404, 404, 200, 200)),
    ("GET",    "/photos/{PH}",                       None, (404, 404, 404, 200, 200)),
    ("GET",    "{PHRAW}",                            None, (404, 404, 404, 200, 200)),
    ("GET",    "{PHSMALL}",                          None, (404, 404, 404, 200, 200)),
    ("GET",    "{PHTHUMB}",                          None, (404, 404, 404, 200, 200)),
    ("GET",    "/fetch/post/{LG}",                   None, (404, 404, 404, 404, 404)),
    ("GET",    "/fetch/status_message/{LG}",         None, (404, 404, 404, 404, 404)),
    ("GET",    "/fetch/comment/{CG}",                None, (404, 404, 404, 404, 404)),
    ("GET",    "/fetch/poll/{POLLG}",                None, (404, 404, 404, 404, 404)),
    ("GET",    "/fetch/photo/{PHG}",                 None, (404, 404, 404, 404, 404)),
    # ---- the public post (control: everyone sees it)
    ("GET",    "/posts/{P}",                         None, (200, 200, 200, 200, 200)),
    ("GET",    "/posts/{P}.json",                    None, (200, 200, 200, 200, 200)),
    ("GET",    "/posts/{P}/comments.json",           None, (200, 200, 200, 200, 200)),
    ("GET",    "/fetch/post/{PG}",                   None, (200, 200, 200, 200, 200)),
    ("GET",    "/fetch/comment/{PCG}",               None, (200, 200, 200, 200, 200)),
    # ---- streams
    ("GET",    "/stream.json",                       None, (401, 200, 200, 200, 200)),
    ("GET",    "/stream",                            None, (302, 200, 200, 200, 200)),
    ("GET",    "/aspects.json",                      None, (401, 200, 200, 200, 200)),
    ("GET",    "/activity.json",                     None, (401, 200, 200, 200, 200)),
    ("GET",    "/commented.json",                    None, (401, 200, 200, 200, 200)),
    ("GET",    "/liked.json",                        None, (401, 200, 200, 200, 200)),
    ("GET",    "/mentions.json",                     None, (401, 200, 200, 200, 200)),
    ("GET",    "/mentions",                          None, (302, 200, 200, 200, 200)),
    ("GET",    "/followed_tags.json",                None, (401, 200, 200, 200, 200)),
    ("GET",    "/public.json",                       None, (200, 200, 200, 200, 200)),
    ("GET",    "/public",                            None, (200, 200, 200, 200, 200)),
    ("GET",    "/tags/" + TAG + ".json",             None, (200, 200, 200, 200, 200)),
    ("GET",    "/tags/" + TAG,                       None, (200, 200, 200, 200, 200)),
    ("GET",    "/people/{AG}/stream.json",           None, (200, 200, 200, 200, 200)),
    ("GET",    "/people/{AG}/photos.json",           None, (200, 200, 200, 200, 200)),
    # ---- profile, search, discovery
    ("GET",    "/people/{AG}",                       None, (200, 200, 200, 200, 200)),
    ("GET",    "/people/{AG}.json",                  None, (200, 200, 200, 200, 200)),
    ("GET",    "/u/alice",                           None, (200, 200, 200, 200, 200)),
    ("GET",    "/search?q=" + TAG,                   None, (200, 200, 200, 200, 200)),
    ("GET",    "/search?q=alice",                    None, (200, 200, 200, 200, 200)),
    ("GET",    "/people.json?q=alice",               None, (200, 200, 200, 200, 200)),
    ("GET",    "/tags.json?q=" + TAG[:5],            None, (200, 200, 200, 200, 200)),
    ("GET",    "/hcard/users/{AG}",                  None, (200, 200, 200, 200, 200)),
    ("GET",    "/.well-known/webfinger?resource=acct:alice@{HOST}", None,
                                                           (200, 200, 200, 200, 200)),
    ("GET",    "/nodeinfo/2.1",                      None, (200, 200, 200, 200, 200)),
    # ---- the viewer's own lists (each sees their own)
    ("GET",    "/contacts",                          None, (302, 200, 200, 200, 200)),
    ("GET",    "/contacts.json",                     None, (401, 200, 200, 200, 200)),
    ("GET",    "/bookmarklet",                       None, (302, 200, 200, 200, 200)),
    ("GET",    "/notifications",                     None, (302, 200, 200, 200, 200)),
    ("GET",    "/notifications.json",                None, (401, 200, 200, 200, 200)),
    ("GET",    "/user/export",                       None, (302, 200, 200, 200, 200)),
    # ---- the conversation alice-rita
    ("GET",    "/conversations",                     None, (302, 200, 200, 200, 200)),
    ("GET",    "/conversations.json",                None, (401, 200, 200, 200, 200)),
    ("GET",    "/conversations/{C}",                 None, (302, 404, 404, 200, 200)),
    ("GET",    "/conversations/{C}.json",            None, (401, 404, 404, 200, 200)),
    ("GET",    "/conversations?conversation_id={C}", None, (302, 404, 404, 200, 200)),
    # ---- write actions (in this order; the author's state is checked after)
    ("POST",   "/posts/{L}/comments",     {"text": "WRITE-{viewer}"},
                                                           (401, 404, 404, 201, 201)),
    ("POST",   "/posts/{L}/likes",                   None, (401, 404, 404, 422, 422)),
    ("POST",   "/reshares",               {"root_guid": "{LG}"},
                                                           (401, 404, 404, 422, 422)),
    ("POST",   "/posts/{L}/poll_participations", {"poll_answer_id": "1"},
                                                           (401, 404, 404, 201, 201)),
    ("POST",   "/posts/{L}/participation",           None, (401, 404, 404, 201, 201)),
    ("POST",   "/comments/{RC}/likes",               None, (401, 404, 404, 201, 201)),
    ("DELETE", "/comments/{AC}/likes/{ACL}",         None, (401, 404, 404, 403, 204)),
    ("DELETE", "/comments/{AC}/likes/999999",        None, (401, 404, 404, 404, 404)),
    ("DELETE", "/posts/{L}/likes/{AL}",              None, (401, 404, 404, 403, 204)),
    ("DELETE", "/posts/{L}/comments/{AC}",           None, (401, 404, 404, 403, 204)),
    # Ids of the limited post's things through the public post's URLs.
    ("DELETE", "/posts/{P}/likes/{RL}",              None, (401, 404, 404, None, 403)),
    ("DELETE", "/posts/{P}/comments/{RC}",           None, (401, 404, 404, None, None)),
    ("POST",   "/posts/{P}/poll_participations", {"poll_answer_id": "1", "poll_id": "{L}"},
                                                           (401, 422, 422, 422, 422)),
    ("DELETE", "/photos/{PH}",                       None, (401, 403, 403, 403, None)),
    ("DELETE", "/posts/{D}",                         None, (401, 404, 404, 403, 204)),
    ("PUT",    "/notifications/{N}?set_unread=false", None, (401, 403, 403, 403, None)),
    ("POST",   "/conversations/{C}/messages", {"message[text]": "WRITE-{viewer}"},
                                                           (302, 404, 404, 302, 302)),
    ("DELETE", "/conversations/{C}/visibility",      None, (302, 404, 404, None, None)),
    ("POST",   "/aspect_memberships",     {"aspect_id": "{INNER}", "person_id": "{SAMID}"},
                                                           (401, 404, 404, 404, None)),
    ("DELETE", "/aspect_memberships/{RM}",           None, (401, 404, 404, 404, None)),
    ("PUT",    "/aspects/{INNER}",        {"aspect[name]": "Hacked"},
                                                           (302, 404, 404, 404, None)),
    ("DELETE", "/aspects/{INNER}",                   None, (302, 404, 404, 404, None)),
    # diaspora* 0.7 answers 403 for both; plugpod 404 for an unknown id
    # (test_diaspy_more). Tag followings say nothing about alice's things.
    ("DELETE", "/tag_followings/{RTF}",              None, (401, 403, 403, None, 403)),
    ("DELETE", "/tag_followings/999999",             None, (401, 404, 404, 404, 404)),
    # Someone else's limited photo in one's own public post would publish it.
    ("POST",   "/status_messages",        {"aspect_ids": "public",
                                           "status_message": {"text": "Stolen {viewer}"},
                                           "photos": ["{PH}"]},
                                                           (401, 404, 404, 404, None)),
    ("POST",   "/status_messages",        {"aspect_ids": "public",
                                           "status_message": {"text": "Stolen {viewer}"},
                                           "photos": ["999999"]},
                                                           (401, 404, 404, 404, 404)),
    # The administrator's forms (issue 9): nobody here is an administrator.
    ("POST",   "/admin/acme",             {"acme_enabled": "1", "acme_directory": "letsencrypt"},
                                                           (302, 403, 403, 403, 403)),
    ("POST",   "/admin/acme/renew",                  None, (302, 403, 403, 403, 403)),
    ("POST",   "/admin/selfcheck",                   None, (302, 403, 403, 403, 403)),
    # hide (diaspora*: PUT /share_visibilities) and report (POST /report):
    # plugpod has no such routes.
    ("PUT",    "/share_visibilities/42?post_id={L}", None, (404, 404, 404, 404, 404)),
    ("POST",   "/report",                 {"report[item_id]": "{L}", "report[item_type]": "Post",
                                           "report[text]": "spam"},
                                                           (404, 404, 404, 404, 404)),
]
# fmt: on
NOTES = {
    "DELETE /posts/{P}/likes/{RL}": "member: not run (her own like)",
    "DELETE /posts/{P}/comments/{RC}": "member, author: not run (would delete it)",
    "DELETE /photos/{PH}": "author: not run, the photo is still needed",
    "PUT /notifications/{N}?set_unread=false": "author: run after the check that it is unread",
    "DELETE /conversations/{C}/visibility": "member, author: not run (would leave it)",
    "POST /aspect_memberships": "author: not run (her own aspects)",
    "DELETE /aspect_memberships/{RM}": "author: not run (her own aspects)",
    "DELETE /aspects/{INNER}": "author: not run (her own aspects)",
    "PUT /aspects/{INNER}": "author: not run (her own aspects)",
    "DELETE /tag_followings/{RTF}": "member: not run (her own)",
    "POST /status_messages": "author: not run on her own photo",
}


def png(w, h, rgb):
    """A w x h PNG of one colour (unique bytes for a unique photo)."""
    row = b"\x00" + bytes(rgb) * w

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b"")


class Viewer(Browser):
    """A Browser that remembers its CSRF token and sends JSON."""

    def __init__(self, pod, name):
        super().__init__(pod)
        self.name = name
        self.token = None

    def start(self, username):
        if username:
            status, _, _ = self.sign_in(username, PASSWORD)
            assert status == 302, (username, status)
            self.token = self.csrf("/contacts")
        else:
            self.token = self.csrf("/users/sign_in")

    def api(self, method, path, doc=None, accept_json=True):
        headers = {"X-CSRF-Token": self.token}
        body = None
        if doc is not None:
            body = json.dumps(doc).encode()
            headers["Content-Type"] = "application/json"
        if accept_json:
            headers["Accept"] = "application/json"
        status, hdrs, data = self.request(method, path, body, headers)
        return status, hdrs, data

    def json(self, method, path, doc=None, want=200):
        status, _, data = self.api(method, path, doc)
        assert status == want, "%s %s %s: %s %r" % (self.name, method, path, status, data[:300])
        return json.loads(data) if data.strip() else None


class AuthzMatrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        t0 = time.monotonic()
        cls.pod = Pod(extra_args=["--dev"])
        for name in USERS.values():
            add_user(cls.pod.data, name, PASSWORD)
        cls.pod.start()
        try:
            podlib.wait_for_keys(cls.pod, USERS.values())
            cls.v = {}
            for role in VIEWERS:
                cls.v[role] = Viewer(cls.pod, role)
                cls.v[role].start(USERS.get(role))
            t1 = time.monotonic()
            cls.make_objects()
            if VERBOSE:
                print("\npod and keys %.1f s, objects %.1f s" %
                      (t1 - t0, time.monotonic() - t1), file=sys.stderr)
        except BaseException:
            cls.pod.stop()
            cls.pod.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.pod.stop()
        out = cls.pod.output()
        cls.pod.cleanup()
        assert rc == 0, out[-3000:]

    @classmethod
    def person(cls, who, query):
        return cls.v[who].json("GET", "/people.json?q=" + query)[0]

    @classmethod
    def share(cls, who, aspect_name, other):
        b = cls.v[who]
        asp = b.json("POST", "/aspects", {"aspect": {"name": aspect_name}})
        pid = cls.person(who, USERS[other])["id"]
        m = b.json("POST", "/aspect_memberships", {"aspect_id": asp["id"], "person_id": pid})
        return asp["id"], m["id"]

    @classmethod
    def make_objects(cls):
        a = cls.v["author"]
        u = uuid.uuid4().hex[:10]
        host = "localhost:%d" % cls.pod.https_port
        cls.host = host
        # Secrets: words that only appear in what the viewers may not see.
        cls.s = {
            "text": "LIMTEXT%s" % u, "comment": "LIMCOMMENT%s" % u,
            "question": "LIMPOLLQ%s" % u, "answer": "LIMANSWER%s" % u,
            "dtext": "DELTEXT%s" % u,
            "conv_subject": "CONVSUBJ%s" % u, "conv_text": "CONVTEXT%s" % u,
            "bio": "PRIVBIO%s" % u, "location": "PRIVLOC%s" % u,
            "inner": "Inner%s" % u[:4], "outer": "Outer%s" % u[:4],
            # A hashtag only the limited post has.
            "tag": "limtag%s" % u,
        }
        s = cls.s
        # Private profile fields: public_details off.
        token = a.csrf("/profile/edit")
        status, _, body = a.post_multipart(
            "/profile", {"profile[first_name]": "Alice", "profile[bio]": s["bio"],
                         "profile[location]": s["location"], "profile[searchable]": "1",
                         "profile[public_details]": "0"}, {}, token=token, method_override="put")
        assert status in (302, 303), (status, body[:300])

        # alice shares with rita in Inner and with olga in Outer; both share back.
        cls.inner, cls.rita_membership = cls.share("author", s["inner"], "member")
        cls.outer, _ = cls.share("author", s["outer"], "outside")
        cls.share("member", "Family", "author")
        cls.share("outside", "Friends", "author")
        cls.ids = {r: cls.person("author", USERS[r])["id"] for r in ("stranger", "outside",
                                                                     "member")}
        cls.alice_guid = cls.person("stranger", "alice")["guid"]

        # The limited photo (its own bytes), then the limited post.
        status, _, body = a.post_multipart("/photos", {"photo[pending]": "true"},
                                           {"file": ("p.png", "image/png",
                                                     png(64, 48, (17, 99, int(u[:2], 16))))},
                                           token=a.token)
        assert status == 200, body[:300]
        photo = json.loads(body)["data"]["photo"]
        mention = "".join(" @{%s; %s@%s}" % (n, n, host) for n in ("rita", "sam", "olga"))
        cls.limited = a.json("POST", "/status_messages", {
            "aspect_ids": [cls.inner],
            "status_message": {"text": "%s #%s #%s%s" % (s["text"], TAG, s["tag"], mention)},
            "photos": [photo["id"]], "poll_question": s["question"],
            "poll_answers": [s["answer"], "other"]}, want=201)
        cls.delme = a.json("POST", "/status_messages", {
            "aspect_ids": [cls.inner], "status_message": {"text": s["dtext"] + " #" + TAG}},
            want=201)
        L = cls.limited["id"]
        r = cls.v["member"]
        cls.rcomment = r.json("POST", "/posts/%d/comments" % L, {
            "text": s["comment"] + " @{sam; sam@%s} @{olga; olga@%s}" % (host, host)}, want=201)
        # Everybody follows the tag: the main stream merges its posts in.
        for role in ("stranger", "outside", "member"):
            tf = cls.v[role].json("POST", "/tag_followings", {"name": TAG}, want=201)
        cls.rita_tf = tf["id"]
        cls.rlike = r.json("POST", "/posts/%d/likes" % L, want=201)
        # The author's own like and comment (with a like) are the targets of
        # the delete rows.
        cls.alike = a.json("POST", "/posts/%d/likes" % L, want=201)
        cls.acomment = a.json("POST", "/posts/%d/comments" % L, {"text": s["comment"] + "A"},
                              want=201)
        cls.acomment_like = a.json("POST", "/comments/%d/likes" % cls.acomment["id"], want=201)
        seen = a.json("GET", "/posts/%d.json" % L)
        cls.photo = seen["photos"][0]
        cls.poll = seen["poll"]
        assert cls.poll.get("guid"), cls.poll

        # The public post, with sam's comment.
        cls.public = a.json("POST", "/status_messages", {
            "aspect_ids": "public", "status_message": {"text": "Public hello #" + TAG}},
            want=201)
        cls.pcomment = cls.v["stranger"].json("POST", "/posts/%d/comments" % cls.public["id"],
                                              {"text": "public comment"}, want=201)

        # The conversation alice-rita.
        status, _, body = a.request("POST", "/conversations", urllib.parse.urlencode({
            "person_ids": str(cls.ids["member"]), "conversation[subject]": s["conv_subject"],
            "conversation[text]": s["conv_text"], "authenticity_token": a.token}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        assert status == 201, (status, body[:300])
        cls.conv = json.loads(body)["id"]

        notes = a.json("GET", "/notifications.json")["notification_list"]
        cls.note = [n[n["type"]]["id"] for n in notes if n["type"] == "comment_on_post"][0]

        path = lambda url: urllib.parse.urlsplit(url).path  # noqa: E731
        raw = path(cls.photo["sizes"]["raw"])
        folder, name = raw.rsplit("/", 1)
        cls.fill = {
            "L": L, "LG": cls.limited["guid"], "D": cls.delme["id"],
            "P": cls.public["id"], "PG": cls.public["guid"], "PCG": cls.pcomment["guid"],
            "CG": cls.rcomment["guid"], "RC": cls.rcomment["id"],
            "AC": cls.acomment["id"], "ACL": cls.acomment_like["id"], "AL": cls.alike["id"],
            "RL": cls.rlike["id"], "RTF": cls.rita_tf,
            "LTAG": s["tag"],
            "PH": cls.photo["id"], "PHG": cls.photo["guid"], "PHRAW": raw, "PHSMALL": path(cls.photo["sizes"]["small"]),
            "PHTHUMB": "%s/thumb_medium_%s" % (folder, name),
            "POLLG": cls.poll["guid"], "AG": cls.alice_guid, "C": cls.conv,
            "N": cls.note, "HOST": host, "INNER": cls.inner, "SAMID": cls.ids["stranger"],
            "RM": cls.rita_membership,
        }
        # What each viewer must never see, by object.
        photo_hash = name.split("-")[0]
        limited = [s["text"], cls.limited["guid"], s["comment"], cls.rcomment["guid"],
                   cls.acomment["guid"], s["question"], s["answer"], cls.photo["guid"],
                   photo_hash, s["dtext"], cls.delme["guid"], s["tag"]]
        limited.append(cls.poll["guid"])
        conversation = [s["conv_subject"], s["conv_text"]]
        private = [s["bio"], s["location"]]
        aspects = [s["inner"], s["outer"]]
        cls.secrets = {
            "anon": limited + conversation + private + aspects,
            "stranger": limited + conversation + private + aspects,
            "outside": limited + conversation + private + aspects,
            # The member sees the post and the conversation, not alice's
            # aspect names (nor, here, her private fields: plugpod shows them
            # to no one else while public_details is off).
            "member": private + aspects,
            "author": [],
        }

    # ------------------------------------------------------------ helpers
    def fmt(self, text, viewer):
        return text.replace("{viewer}", viewer).format(**self.fill)

    def fill_doc(self, doc, role):
        if isinstance(doc, dict):
            return {k: self.fill_doc(v, role) for k, v in doc.items()}
        if isinstance(doc, list):
            return [self.fill_doc(v, role) for v in doc]
        return self.fmt(doc, role)

    def do(self, role, method, path, fields):
        b = self.v[role]
        path = self.fmt(path, role)
        doc = self.fill_doc(fields, role) if fields else None
        json_req = ".json" in path or method != "GET" and not path.startswith("/conversations")
        if path.startswith("/conversations") or path.startswith("/aspects/"):
            # Form posts, as the web UI and diaspy send them.
            form = list((doc or {}).items()) + [("authenticity_token", b.token)]
            if method not in ("GET", "POST"):
                form.append(("_method", method.lower()))
            if method == "GET":
                return b.get(path)
            return b.request("POST", path, urllib.parse.urlencode(form).encode(),
                             {"Content-Type": "application/x-www-form-urlencoded"})
        if method == "GET":
            # As a browser asks for a page, or a client for JSON.
            return b.get(path, {"Accept": "application/json" if json_req else "text/html"})
        return b.api(method, path, doc)

    def scan(self, role, what, body):
        """Records a leak when body has a secret role may not see (other
        than one the request itself named: an echo tells nothing)."""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        for secret in self.secrets[role]:
            if secret in text and secret not in what:
                self.leaks.append("%s: %s shows %r" % (role, what, secret))

    # ------------------------------------------------------------ the test
    def test_matrix(self):
        t0 = time.monotonic()
        self.leaks = []
        failures, rows = [], []
        for method, path, fields, want in MATRIX:
            got = []
            for role, expect in zip(VIEWERS, want):
                if expect is None:
                    got.append(None)
                    continue
                status, headers, body = self.do(role, method, path, fields)
                got.append(status)
                where = "%s %s" % (method, self.fmt(path, role))
                if status != expect:
                    failures.append("%-8s %s: want %s, got %s %r" % (role, where, expect, status,
                                                                     body[:120]))
                elif status == 302 and (method == "GET" or role == "anon") and \
                        "/users/sign_in" not in headers.get("location", ""):
                    failures.append("%-8s %s: 302 to %r, not sign-in" %
                                    (role, where, headers.get("location")))
                asked = where + " " + json.dumps(self.fill_doc(fields, role) if fields else "")
                self.scan(role, asked, body)
                self.scan(role, asked + " (headers)", json.dumps(headers))
            rows.append((method, path, want, got))
        if VERBOSE:
            self.print_table(rows)
        t1 = time.monotonic()
        self.extra_pages()
        t2 = time.monotonic()
        self.state_after()
        self.late_member()
        if VERBOSE:
            print("matrix %.1f s, extra pages %.1f s, state %.1f s" %
                  (t1 - t0, t2 - t1, time.monotonic() - t2), file=sys.stderr)
        self.assertEqual(failures, [], "\n" + "\n".join(failures))
        self.assertEqual(self.leaks, [], "\n" + "\n".join(self.leaks))

    def print_table(self, rows):
        cols = ("anon", "stranger", "outside", "member", "author")
        out = ["", "%-6s %-46s %s" % ("", "endpoint", " ".join("%8s" % c for c in cols))]
        for method, path, want, got in rows:
            cells = []
            for w, g in zip(want, got):
                if w is None:
                    cells.append("%8s" % "-")
                else:
                    cells.append("%8s" % (str(w) if w == g else "%s!%s" % (w, g)))
            out.append("%-6s %-46s %s" % (method, path[:46], " ".join(cells)))
        out.append("(%d endpoints x %d viewers, %d requests; W!G = wanted W, got G; "
                   "302 = to sign-in for anon and GETs; - = not run)" %
                   (len(rows), len(cols), sum(1 for r in rows for w in r[2] if w is not None)))
        for k, v in NOTES.items():
            out.append("  %s: %s" % (k, v))
        print("\n".join(out), file=sys.stderr)

    def extra_pages(self):
        """More pages every viewer may open; none shows them a secret."""
        # (The matrix's bodies were scanned already.)
        pages = ["/", "/stream", "/public", "/activity", "/commented", "/liked", "/aspects",
                 "/mentions", "/followed_tags", "/people/{AG}/stream",
                 "/people/{AG}/stream.json", "/people/{AG}/photos.json", "/people/{AG}/photos",
                 "/u/alice",
                 "/search?q=" + TAG, "/search?q=%23" + TAG, "/search?q=alice",
                 "/search?q=limtag", "/search?q=%23limtag", "/tags?q=limtag",
                 "/tags.json?q=limtag", "/tags/{LTAG}", "/tags/{LTAG}.json",
                 "/people?q=alice", "/people.json?q=alice", "/tags?q=" + TAG,
                 "/hcard/users/{AG}", "/.well-known/webfinger?resource=acct:alice@{HOST}",
                 "/.well-known/host-meta", "/.well-known/nodeinfo", "/nodeinfo/2.0",
                 "/nodeinfo/2.1", "/notifications", "/conversations", "/contacts",
                 "/contacts.json?set=all", "/bookmarklet", "/user/export",
                 "/user/export?format=tar", "/posts/{P}", "/tag_followings", "/counts",
                 "/user/edit",
                 "/profile/edit", "/people/" + "0" * 32, "/u/sam", "/u/olga", "/u/rita",
                 # Someone else's aspect as a stream filter.
                 "/aspects.json?a_ids[]={INNER}", "/aspects?a_ids[]={INNER}",
                 "/contacts.json?a_id={INNER}", "/contacts?a_id={INNER}",
                 "/posts/{L}?format=json", "/posts/{LG}/", "//posts/{L}"]
        for role in VIEWERS:
            for page in pages:
                path = self.fmt(page, role)
                # The page as a browser asks for it, then as JSON clients do.
                status, headers, body = self.v[role].get(path, {"Accept": "text/html"})
                self.scan(role, "GET " + path, body)
                self.scan(role, "GET " + path + " (headers)", json.dumps(headers))
                if ".json" not in path:
                    status, _, body = self.v[role].get(path, {"Accept": "application/json"})
                    self.scan(role, "GET " + path + " (json)", body)
        # The scan is not vacuous: the entitled see the secrets.
        for role, path in (("member", "/posts/{L}.json"), ("member", "/posts/{L}"),
                           ("member", "/posts/{L}/comments.json"), ("author", "/user/export")):
            body = self.v[role].get(self.fmt(path, role))[2].decode("utf-8", "replace")
            if "export" not in path:  # the export has one's own comments only
                self.assertIn(self.s["comment"], body, (role, path))
            if "comments" not in path:
                self.assertIn(self.s["text"], body, (role, path))
                self.assertIn(self.s["question"], body, (role, path))
                self.assertIn(self.fill["LG"], body, (role, path))
        body = self.v["author"].get(self.fmt("/people/{AG}.json", "author"))[2].decode()
        self.assertIn(self.s["bio"], body)
        # Searching for a private field finds nobody: it would tell it.
        for role in ("anon", "stranger", "outside", "member"):
            for key in ("bio", "location", "text"):
                status, _, body = self.v[role].get("/people.json?q=" + self.s[key],
                                                   {"Accept": "application/json"})
                self.assertIn(status, (200, 401), (role, key))
                if status == 200:
                    self.assertEqual(json.loads(body), [], (role, key))
                status, _, body = self.v[role].get("/search?q=" + self.s[key],
                                                   {"Accept": "text/html"})
                self.assertNotIn(b"/people/" + self.fill["AG"].encode(), body, (role, key))
        # The notifications of sam and olga (mentioned in a post they may not
        # see) say nothing about it.
        for role in ("stranger", "outside"):
            notes = self.v[role].json("GET", "/notifications.json")
            types = [n["type"] for n in notes["notification_list"]]
            self.assertNotIn("mentioned_in_post", types, role)
            self.assertNotIn("mentioned_in_comment", types, role)
            # Nor any other kind (also_commented, liked...) that points at it.
            for n in notes["notification_list"]:
                html = n[n["type"]]["note_html"]
                for post in (self.fill["L"], self.fill["D"]):
                    self.assertNotIn('data-ref="%d"' % post, html, (role, n["type"]))
                    self.assertNotIn('/posts/%d"' % post, html, (role, n["type"]))
            if VERBOSE:
                print("%s's notifications: %s" % (role, types), file=sys.stderr)
            ment = self.v[role].json("GET", "/mentions.json")
            self.assertEqual(ment, [], role)
        # The tag's count is of the posts each may see.
        for role in ("stranger", "outside", "member"):
            seen = self.v[role].json("GET", "/tags/%s.json" % TAG)
            follows = self.v[role].json("GET", "/tag_followings")
            if [t["taggings_count"] for t in follows] != [len(seen)]:
                self.leaks.append("%s: taggings_count %s, sees %d posts" %
                                  (role, [t["taggings_count"] for t in follows], len(seen)))
        # rita was mentioned and may see it.
        notes = self.v["member"].json("GET", "/notifications.json")
        self.assertIn("mentioned_in_post", [n["type"] for n in notes["notification_list"]])

    def late_member(self):
        """The audience of a limited post is fixed when it is made (as in
        diaspora*): sam, added to Inner afterwards, still sees nothing."""
        a, sam = self.v["author"], self.v["stranger"]
        a.json("POST", "/aspect_memberships", {"aspect_id": self.inner,
                                               "person_id": self.ids["stranger"]})
        for path in ("/posts/{L}.json", "/posts/{L}/comments.json", "/photos/{PH}.json",
                     "{PHRAW}"):
            self.assertEqual(sam.get(self.fmt(path, "stranger"),
                                     {"Accept": "application/json"})[0], 404, path)
        for path in ("/stream.json", "/aspects.json", "/tags/%s.json" % TAG,
                     "/people/{AG}/stream.json", "/people/{AG}/photos.json"):
            self.scan("stranger", "GET " + path + " (late member)",
                      sam.get(self.fmt(path, "stranger"), {"Accept": "application/json"})[2])
        self.assertEqual(self.leaks, [], "\n" + "\n".join(self.leaks))

    def state_after(self):
        """As the author: only the entitled viewers' writes took effect."""
        a = self.v["author"]
        L = self.fill["L"]
        seen = a.json("GET", "/posts/%d.json" % L)
        texts = sorted(c["text"].split(" @")[0]
                       for c in a.json("GET", "/posts/%d/comments.json" % L))
        # rita's comment, and the matrix comments of rita and alice; alice's
        # own comment was deleted by the delete row.
        self.assertEqual(texts, sorted([self.s["comment"], "WRITE-member", "WRITE-author"]))
        inter = seen["interactions"]
        # rita's like; alice's was deleted by the delete row.
        self.assertEqual(inter["likes_count"], 1)
        self.assertEqual(inter["reshares_count"], 0)
        self.assertEqual(inter["comments_count"], 3)
        self.assertEqual(seen["poll"]["participation_count"], 2)
        self.assertEqual(sum(a["vote_count"] for a in seen["poll"]["poll_answers"]), 2)
        self.assertEqual(len(seen["photos"]), 1)
        # rita's comment has the likes of rita and alice only.
        rc = [c for c in a.json("GET", "/posts/%d/comments.json" % L)
              if c["id"] == self.fill["RC"]][0]
        self.assertEqual(rc["interactions"]["likes_count"], 2)
        # The notification is still unread, until alice reads it herself.
        def unread():
            notes = a.json("GET", "/notifications.json")["notification_list"]
            note = [n for n in notes if n[n["type"]]["id"] == self.fill["N"]][0]
            return note[note["type"]]["unread"]
        self.assertTrue(unread())
        a.json("PUT", "/notifications/%d?set_unread=false" % self.fill["N"])
        self.assertFalse(unread())
        # The conversation: messages of alice and rita only; rita still in it.
        conv = a.json("GET", "/conversations/%d.json" % self.fill["C"])["conversation"]
        self.assertEqual([m["text"] for m in conv["messages"]],
                         [self.s["conv_text"], "WRITE-member", "WRITE-author"])
        self.assertEqual(len(conv["participants"]), 2)
        # The aspects and memberships are untouched; nobody was added.
        contacts = a.json("GET", "/contacts.json")
        names = {c["person"]["guid"]: sorted(m["aspect"]["id"] for m in c["aspect_memberships"])
                 for c in contacts}
        self.assertEqual(sorted(names.values()), sorted([[self.inner], [self.outer]]))
        # The photo is still served to rita only; the deleted post is gone.
        status, headers, _ = self.v["member"].get(self.fill["PHRAW"])
        self.assertEqual(status, 200)
        self.assertIn("private", headers["cache-control"])  # never in a shared cache
        for role in ("anon", "stranger", "outside"):
            self.assertEqual(self.v[role].get(self.fill["PHRAW"])[0], 404, role)
            self.assertEqual(self.v[role].get("/photos/%d.json" % self.fill["PH"])[0], 404, role)
        # The aspects keep their names; rita still follows the tag.
        aspect_names = {m["aspect"]["name"] for c in contacts for m in c["aspect_memberships"]}
        self.assertEqual(aspect_names, {self.s["inner"], self.s["outer"]})
        follows = [t["name"] for t in self.v["member"].json("GET", "/tag_followings")]
        self.assertEqual(follows, [TAG])
        self.assertEqual(a.api("GET", "/posts/%d.json" % self.fill["D"])[0], 404)
        # Nobody reshared it: no reshare in anyone's stream.
        for role in ("stranger", "outside", "member"):
            for post in self.v[role].json("GET", "/people/%s/stream.json" % self.fill["AG"]):
                self.assertNotEqual(post.get("post_type"), "Reshare", role)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
