"""Integration: the web UI's pages about people (profiles, contacts and
aspects, search, followed tags) as a browser without JavaScript uses them:
forms posted with Accept: text/html, answers checked as 303 redirects and
pages, and the JSON API read back to see that the change happened.

alice shares with bob; carol is a stranger to both; bob's name holds HTML.
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

USERS = ("alice", "bob", "carol")
PASSWORD = "correct horse battery"
JSON_HEADERS = {"Accept": "application/json"}


class HtmlBrowser(Browser):
    """A browser: every request asks for text/html, as form posts do."""
    default_headers = {"Accept": "text/html"}


def page_ok(test, body, what):
    """Every page: a title, the CSRF meta tag, no inline script or style."""
    text = body.decode()
    test.assertRegex(text, r"<title>[^<]+</title>", what)
    test.assertRegex(text, r'<meta name="csrf-token" content="[^"]+"', what)
    test.assertNotRegex(text, r"<script(?![^>]*\ssrc=)[^>]*>", what)
    test.assertNotRegex(text, r"\sstyle=", what)
    test.assertNotRegex(text, r"<[^>]*\son[a-z]+=", what)
    test.assertEqual(text.count("<h1"), 1, what)
    return text


class PeoplePages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        for name in USERS:
            add_user(cls.pod.data, name, PASSWORD)
        cls.pod.start()
        podlib.wait_for_keys(cls.pod, USERS)
        cls.b = {}
        for name in USERS:
            b = HtmlBrowser(cls.pod)
            status, _, _ = b.sign_in(name, PASSWORD)
            assert status == 302, (name, status)
            b.token = b.csrf("/stream")
            cls.b[name] = b
        # bob's profile: a name with markup in it, a tag, details for all.
        bob = cls.b["bob"]
        status, _, _ = bob.post_multipart(
            "/profile", {"profile[first_name]": "Bob <b>bold</b>", "profile[last_name]": "Smith",
                         "profile[bio]": "I grow *tomatoes*", "tags": "#gardening",
                         "profile[searchable]": "1", "profile[public_details]": "1"}, {},
            token=bob.token, method_override="put")
        assert status == 302, status
        cls.people = {}
        for name in USERS:
            status, _, body = cls.b["alice"].get("/people.json?q=" + name, JSON_HEADERS)
            hits = [p for p in json.loads(body) if p["handle"].startswith(name + "@")]
            assert len(hits) == 1, (name, body)
            cls.people[name] = hits[0]

    @classmethod
    def tearDownClass(cls):
        rc = cls.pod.stop()
        cls.pod.cleanup()
        assert rc == 0

    # ---- helpers
    def form(self, user, path, fields, expect=303):
        b = self.b[user]
        fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
        status, headers, body = b.post(path, fields, token=b.token)
        self.assertEqual(status, expect, (path, fields, body[:400]))
        return headers.get("location")

    def api(self, user, method, path, doc=None):
        b = self.b[user]
        body = json.dumps(doc).encode() if doc is not None else None
        status, _, data = b.request(method, path, body, {"Content-Type": "application/json",
                                                         "Accept": "application/json",
                                                         "X-CSRF-Token": b.token})
        return status, (json.loads(data) if data.strip() else None)

    def new_aspect(self, user, name):
        loc = self.form(user, "/aspects", {"aspect[name]": name})
        m = re.fullmatch(r"/contacts\?a_id=(\d+)", loc or "")
        self.assertTrue(m, loc)
        return int(m.group(1))

    def memberships(self, user, person):
        """The aspect ids user has person in ([] when none), from /contacts.json."""
        status, contacts = self.api(user, "GET", "/contacts.json")
        self.assertEqual(status, 200)
        for c in contacts:
            if c["person_id"] == self.people[person]["id"]:
                return sorted(m["aspect"]["id"] for m in c["aspect_memberships"])
        return []

    # ---- tests
    def test_profile_sharing_form_and_contacts(self):
        bob = self.people["bob"]
        friends = self.new_aspect("alice", "Friends")
        work = self.new_aspect("alice", "Work")

        status, _, body = self.b["alice"].get("/u/bob")
        self.assertEqual(status, 200)
        text = page_ok(self, body, "/u/bob")
        self.assertIn("Bob &lt;b&gt;bold&lt;/b&gt; Smith", text)
        self.assertNotIn("<b>bold</b>", text)
        self.assertIn("<em>tomatoes</em>", text)
        self.assertIn('href="/tags/gardening"', text)
        self.assertIn('action="/people/%s/aspects"' % bob["guid"], text)
        self.assertIn('name="aspect_ids[]" value="%d"' % friends, text)
        # (bob may share with alice already: test_limited_posts... runs first.)
        self.assertRegex(text, r'class="relationship">(Not sharing|Sharing with you)<')
        self.assertNotIn(" checked", text)
        self.assertIn('action="/blocks"', text)

        # Start sharing: tick "Friends" in the form on bob's profile.
        loc = self.form("alice", "/people/%s/aspects" % bob["guid"],
                        [("_method", "put"), ("aspect_ids[]", str(friends)),
                         ("return_to", "/u/bob")])
        self.assertEqual(loc, "/u/bob")
        self.assertEqual(self.memberships("alice", "bob"), [friends])
        status, person = self.api("alice", "GET", "/people/%s.json" % bob["guid"])
        self.assertIn(person["relationship"], ("sharing", "mutual"))
        status, _, body = self.b["alice"].get("/u/bob")
        self.assertRegex(body.decode(), r'class="relationship">(You share with them|Mutual)<')
        self.assertRegex(body.decode(), r'value="%d" checked' % friends)

        # The plain membership endpoint answers forms with 303 as well.
        loc = self.form("alice", "/aspect_memberships",
                        {"aspect_id": work, "person_id": bob["id"], "return_to": "/contacts"})
        self.assertEqual(loc, "/contacts")
        self.assertEqual(self.memberships("alice", "bob"), sorted([friends, work]))

        # The contacts page lists bob with his aspects; the filter works.
        status, _, body = self.b["alice"].get("/contacts")
        self.assertEqual(status, 200)
        text = page_ok(self, body, "/contacts")
        self.assertIn('href="/people/%s"' % bob["guid"], text)
        self.assertIn("Bob &lt;b&gt;bold&lt;/b&gt; Smith", text)
        self.assertIn('action="/aspects"', text)
        status, _, body = self.b["alice"].get("/contacts?a_id=%d" % work)
        text = page_ok(self, body, "/contacts?a_id")
        self.assertIn('href="/people/%s"' % bob["guid"], text)
        self.assertIn('action="/aspects/%d"' % work, text)
        self.assertIn("data-confirm=", text)
        self.assertEqual(self.b["alice"].get("/contacts?a_id=999999")[0], 404)

        # Unticking "Work" on the contacts page removes that membership only.
        loc = self.form("alice", "/people/%s/aspects" % bob["guid"],
                        [("_method", "put"), ("aspect_ids[]", str(friends)),
                         ("return_to", "/contacts?a_id=%d" % work)])
        self.assertEqual(loc, "/contacts?a_id=%d" % work)
        self.assertEqual(self.memberships("alice", "bob"), [friends])
        status, _, body = self.b["alice"].get("/contacts?a_id=%d" % work)
        self.assertNotIn('href="/people/%s"' % bob["guid"], body.decode())

        # Someone else's aspect, or nonsense, is refused.
        self.form("carol", "/people/%s/aspects" % bob["guid"],
                  [("_method", "put"), ("aspect_ids[]", str(friends))], expect=422)
        self.form("alice", "/people/%s/aspects" % self.people["alice"]["guid"],
                  [("_method", "put"), ("aspect_ids[]", str(friends))], expect=422)
        self.form("alice", "/people/%s/aspects" % ("0" * 32), [("_method", "put")], expect=404)

        # Rename and delete an aspect with forms.
        loc = self.form("alice", "/aspects/%d" % work,
                        {"_method": "put", "aspect[name]": "Office <3"})
        self.assertEqual(loc, "/contacts?a_id=%d" % work)
        status, _, body = self.b["alice"].get("/contacts")
        self.assertIn("Office &lt;3", body.decode())
        loc = self.form("alice", "/aspects/%d" % work, {"_method": "delete",
                                                        "return_to": "/contacts"})
        self.assertEqual(loc, "/contacts")
        self.assertEqual(self.b["alice"].get("/contacts?a_id=%d" % work)[0], 404)

        # A membership removed with _method=delete (no JavaScript).
        status, person = self.api("alice", "GET", "/people/%s.json" % bob["guid"])
        mid = person["contact"]["aspect_memberships"][0]["id"]
        loc = self.form("alice", "/aspect_memberships/%d" % mid,
                        {"_method": "delete", "return_to": "/u/bob"})
        self.assertEqual(loc, "/u/bob")
        self.assertEqual(self.memberships("alice", "bob"), [])

        # Starting to share with a new aspect named in the same form.
        loc = self.form("alice", "/people/%s/aspects" % bob["guid"],
                        {"_method": "put", "new_aspect": "Gardeners", "return_to": "/u/bob"})
        self.assertEqual(loc, "/u/bob")
        self.assertEqual(len(self.memberships("alice", "bob")), 1)
        # "Stop sharing" is the same form with nothing ticked.
        self.form("alice", "/people/%s/aspects" % bob["guid"], {"_method": "put"})
        self.assertEqual(self.memberships("alice", "bob"), [])

    def test_own_profile_and_visitor(self):
        status, _, body = self.b["alice"].get("/u/alice")
        text = page_ok(self, body, "/u/alice")
        self.assertIn('href="/profile/edit"', text)
        self.assertNotIn('action="/people/', text)  # no sharing with oneself
        status, _, body = HtmlBrowser(self.pod).get("/people/" + self.people["bob"]["guid"])
        text = page_ok(self, body, "visitor profile")
        self.assertNotIn('action="/people/', text)
        self.assertNotIn('action="/blocks"', text)
        self.assertEqual(HtmlBrowser(self.pod).get("/u/nobody")[0], 404)
        self.assertEqual(HtmlBrowser(self.pod).get("/people/" + "0" * 32)[0], 404)

    def test_limited_posts_stay_off_the_profile_for_strangers(self):
        # bob shares with alice in an aspect and posts to it, and in public.
        status, asp = self.api("bob", "POST", "/aspects", {"name": "Close"})
        self.assertEqual(status, 200)
        status, _ = self.api("bob", "POST", "/aspect_memberships",
                             {"aspect_id": asp["id"], "person_id": self.people["alice"]["id"]})
        self.assertEqual(status, 200)
        status, _ = self.api("bob", "POST", "/status_messages",
                             {"aspect_ids": [asp["id"]],
                              "status_message": {"text": "limited words for close people"}})
        self.assertEqual(status, 201)
        status, _ = self.api("bob", "POST", "/status_messages",
                             {"aspect_ids": "public",
                              "status_message": {"text": "public words for #gardening"}})
        self.assertEqual(status, 201)
        path = "/people/" + self.people["bob"]["guid"]
        for who, browser in (("carol", self.b["carol"]), ("visitor", HtmlBrowser(self.pod))):
            status, _, body = browser.get(path)
            self.assertEqual(status, 200, who)
            self.assertIn(b"public words for", body, who)
            self.assertNotIn(b"limited words", body, who)
        status, _, body = self.b["alice"].get("/u/bob")
        self.assertIn(b"limited words for close people", body)
        self.assertIn(b"Sharing with you", body)
        # The JSON of the person stream is unchanged by the page.
        status, posts = self.api("carol", "GET", path + "/stream.json")
        self.assertEqual([p["text"] for p in posts], ["public words for #gardening"])

    def test_search(self):
        bob = self.people["bob"]
        b = self.b["carol"]
        for path in ("/search?q=Smith", "/people?q=Smith"):
            status, _, body = b.get(path)
            self.assertEqual(status, 200, path)
            text = page_ok(self, body, path)
            self.assertIn('href="/people/%s"' % bob["guid"], text)
            self.assertIn("Bob &lt;b&gt;bold&lt;/b&gt; Smith", text)
            self.assertNotIn("<b>bold</b>", text)
        # JSON clients still get the list.
        status, _, body = b.get("/people.json?q=Smith", JSON_HEADERS)
        self.assertEqual([p["guid"] for p in json.loads(body)], [bob["guid"]])
        status, _, body = b.get("/people?q=Smith", JSON_HEADERS)
        self.assertEqual(json.loads(body)[0]["guid"], bob["guid"])

        # A diaspora* ID: known, or not known here.
        status, _, body = b.get("/search?q=" + urllib.parse.quote(bob["handle"]))
        self.assertIn('href="/people/%s"' % bob["guid"], body.decode())
        status, _, body = b.get("/search?q=" + urllib.parse.quote("Someone@Elsewhere.example"))
        self.assertEqual(status, 200)
        text = page_ok(self, body, "unknown id")
        self.assertIn("someone@elsewhere.example".lower(), text.lower())
        self.assertIn("not known on this pod", text)
        self.assertIn("federation", text)

        # #tags: the tag itself first, with a follow button.
        status, _, body = b.get("/search?q=%23Gardening")
        text = page_ok(self, body, "tag search")
        self.assertIn('href="/tags/gardening"', text)
        self.assertIn('action="/tag_followings"', text)
        self.assertNotIn('href="/people/%s"' % bob["guid"], text)
        status, _, body = b.get("/search?q=" + urllib.parse.quote("<script>x"))
        text = page_ok(self, body, "escaped query")
        self.assertIn("&lt;script&gt;x", text)
        # Searching works for visitors too; a short query only asks for more.
        status, _, body = HtmlBrowser(self.pod).get("/search?q=Smith")
        self.assertIn('href="/people/%s"' % bob["guid"], page_ok(self, body, "visitor search"))
        status, _, body = HtmlBrowser(self.pod).get("/search?q=x")
        self.assertEqual(status, 200)

    def test_tag_following_forms(self):
        b = self.b["carol"]
        status, _, body = b.get("/tag_followings")
        text = page_ok(self, body, "/tag_followings")
        self.assertIn("You follow no tags yet", text)
        loc = self.form("carol", "/tag_followings", {"name": "#Cooking",
                                                     "return_to": "/tag_followings"})
        self.assertEqual(loc, "/tag_followings")
        # Following twice changes nothing for a browser.
        self.assertEqual(self.form("carol", "/tag_followings", {"name": "cooking"}),
                         "/tag_followings")
        status, followed = self.api("carol", "GET", "/tag_followings.json")
        self.assertEqual([t["name"] for t in followed], ["cooking"])
        tid = followed[0]["id"]
        status, _, body = b.get("/tag_followings")
        text = page_ok(self, body, "/tag_followings")
        self.assertIn('href="/tags/cooking"', text)
        self.assertIn('action="/tag_followings/%d"' % tid, text)

        # The tag's page shows a follow or stop-following button.
        status, _, body = b.get("/tags/cooking")
        text = page_ok(self, body, "/tags/cooking")
        self.assertIn("Stop following #cooking", text)
        status, _, body = b.get("/tags/baking")
        text = page_ok(self, body, "/tags/baking")
        self.assertIn("Follow #baking", text)
        self.assertEqual(self.form("carol", "/tag_followings",
                                   {"name": "baking", "return_to": "/tags/baking"}),
                         "/tags/baking")
        status, _, body = HtmlBrowser(self.pod).get("/tags/baking")
        self.assertNotIn(b"Follow #baking", page_ok(self, body, "visitor tag page").encode())
        # JSON of the tag stream is unchanged.
        status, posts = self.api("carol", "GET", "/tags/baking.json")
        self.assertEqual((status, posts), (200, []))

        loc = self.form("carol", "/tag_followings/%d" % tid,
                        {"_method": "delete", "return_to": "/tag_followings"})
        self.assertEqual(loc, "/tag_followings")
        status, followed = self.api("carol", "GET", "/tag_followings.json")
        self.assertEqual([t["name"] for t in followed], ["baking"])
        # JSON answers of the endpoints stay as they were.
        status, again = self.api("carol", "POST", "/tag_followings", {"name": "baking"})
        self.assertEqual(status, 403)
        self.assertEqual(self.api("carol", "DELETE",
                                  "/tag_followings/%d" % followed[0]["id"])[0], 204)

    def test_ignore_from_the_profile(self):
        carol = self.people["carol"]
        # alice (with no aspects of her own yet, maybe) ignores carol.
        loc = self.form("alice", "/blocks", {"block[person_id]": carol["id"],
                                             "return_to": "/u/carol"})
        self.assertEqual(loc, "/u/carol")
        status, _, body = self.b["alice"].get("/u/carol")
        text = page_ok(self, body, "ignored profile")
        self.assertIn("Stop ignoring", text)
        m = re.search(r'action="/blocks/(\d+)"', text)
        self.assertTrue(m)
        status, _, body = self.b["alice"].get("/contacts")
        self.assertIn("Ignored people", body.decode())
        self.assertEqual(self.form("alice", "/blocks/%s" % m.group(1),
                                   {"_method": "delete", "return_to": "/u/carol"}), "/u/carol")
        status, person = self.api("alice", "GET", "/people/%s.json" % carol["guid"])
        self.assertFalse(person["block"])
        # Only one's own blocks can be removed.
        self.form("alice", "/blocks/%s" % m.group(1), {"_method": "delete"}, expect=404)

    def test_bookmarklet_prefills_the_publisher(self):
        # Other sites' "share on diaspora*" opens /bookmarklet?title=&url=&notes=.
        status, _, body = self.b["carol"].get(
            "/bookmarklet?" + urllib.parse.urlencode(
                {"title": "A <b>page</b>", "url": "https://example.org/x", "notes": "worth it"}))
        self.assertEqual(status, 200)
        text = page_ok(self, body, "/bookmarklet")
        area = re.search(r'<textarea id="publisher-text"[^>]*>([^<]*)</textarea>', text)
        self.assertIsNotNone(area, "the publisher is on the page")
        self.assertEqual(area.group(1), "### A &lt;b&gt;page&lt;/b&gt;\n\n&gt; worth it\n\n"
                         "https://example.org/x")
        # diaspora* clients still find the signed-in user as gon.user.
        m = re.search(r"gon.user=({.*?});gon.", text)
        self.assertIsNotNone(m)
        self.assertTrue(json.loads(m.group(1))["diaspora_id"].startswith("carol@"))

    def test_json_clients_keep_their_answers(self):
        # diaspy deletes aspects without asking for HTML and expects 302.
        status, asp = self.api("carol", "POST", "/aspects", {"name": "Temp"})
        self.assertEqual(status, 200)
        b = self.b["carol"]
        status, headers, _ = b.request("POST", "/aspects/%d" % asp["id"],
                                       urllib.parse.urlencode({"_method": "delete"}).encode(),
                                       {"Accept": "*/*", "X-CSRF-Token": b.token,
                                        "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, headers.get("location")), (302, "/contacts"))
        status, err = self.api("carol", "POST", "/aspects", {"name": "x" * 100})
        self.assertEqual(status, 422)
        self.assertIn("error", err)
        # A browser gets an HTML error page instead.
        status, headers, body = b.post("/aspects", {"aspect[name]": "x" * 100}, token=b.token)
        self.assertEqual(status, 422)
        self.assertIn("text/html", headers["content-type"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
