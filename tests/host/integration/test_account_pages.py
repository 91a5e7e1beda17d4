"""Integration: the account-side pages of the web UI as a browser uses them
(Accept: text/html, forms, no JavaScript): first-run setup, the landing and
sign-in pages, settings, the admin page with its accounts and invitations,
notifications with marking read, and a private conversation between mutual
contacts. Every page is checked for the CSRF meta tag, a title, one h1, no
inline script or style, and a token in every POST form.
"""
import argparse
import json
import os
import re
import sys
import unittest
import urllib.parse
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"


class HtmlBrowser(Browser):
    """A browser that asks for pages, as a real one does."""
    default_headers = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class PageFacts(HTMLParser):
    """What a page is made of: forms (method, action, fields), inputs with
    labels, inline scripts and styles, headings, element classes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.in_title = False
        self.meta = {}
        self.forms = []
        self.form = None
        self.inline_scripts = 0
        self.style_attrs = 0
        self.handlers = 0
        self.h1 = 0
        self.labels_for = set()
        self.inputs = []  # (type, id, name, attrs)
        self.classes = []  # (tag, class list, attrs)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.classes.append((tag, (a.get("class") or "").split(), a))
        if "style" in a:
            self.style_attrs += 1
        self.handlers += sum(1 for k in a if k.startswith("on"))
        if tag == "title":
            self.in_title = True
        elif tag == "meta" and "name" in a:
            self.meta[a["name"]] = a.get("content")
        elif tag == "script" and not a.get("src"):
            self.inline_scripts += 1
        elif tag == "h1":
            self.h1 += 1
        elif tag == "form":
            self.form = {"method": (a.get("method") or "get").lower(),
                         "action": a.get("action"), "fields": {}, "attrs": a}
            self.forms.append(self.form)
        elif tag == "label" and a.get("for"):
            self.labels_for.add(a["for"])
        elif tag in ("input", "textarea", "select"):
            kind = a.get("type", "text") if tag == "input" else tag
            self.inputs.append((kind, a.get("id"), a.get("name"), a))
            if self.form is not None and a.get("name"):
                self.form["fields"].setdefault(a["name"], []).append(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "form":
            self.form = None

    def handle_data(self, data):
        if self.in_title:
            self.title += data


class Pages(unittest.TestCase):
    """Helpers shared by the test classes."""

    def page(self, b, path, status=200):
        """GETs path as a page and checks the rules every page follows."""
        got, headers, body = b.get(path)
        self.assertEqual(got, status, "%s: %s" % (path, body[:300]))
        self.assertTrue(headers["content-type"].startswith("text/html"), path)
        text = body.decode("utf-8")
        facts = PageFacts()
        facts.feed(text)
        self.assertTrue(facts.meta.get("csrf-token"), "%s: no csrf meta" % path)
        self.assertTrue(facts.title.strip(), "%s: no title" % path)
        self.assertEqual(facts.h1, 1, "%s: one h1" % path)
        self.assertEqual(facts.inline_scripts, 0, "%s: inline script" % path)
        self.assertEqual(facts.style_attrs, 0, "%s: style attribute" % path)
        self.assertEqual(facts.handlers, 0, "%s: on* handler" % path)
        for form in facts.forms:
            if form["method"] == "post":
                self.assertEqual(form["fields"].get("authenticity_token"),
                                 [facts.meta["csrf-token"]],
                                 "%s: form to %s without the token" % (path, form["action"]))
        for kind, ident, name, attrs in facts.inputs:
            if kind in ("hidden", "submit") or "hidden" in attrs:
                continue
            self.assertTrue(ident and ident in facts.labels_for or
                            kind == "checkbox" and ident in facts.labels_for or
                            attrs.get("aria-label"),
                            "%s: input %s without a label" % (path, name))
        return text, facts

    def form_post(self, b, path, fields, token):
        """A form post as a browser sends it (fields may repeat)."""
        return b.post(path, fields, token=token)

    def autocomplete(self, facts, name):
        return [a.get("autocomplete") for _, _, n, a in facts.inputs if n == name]


class FirstRun(Pages):
    """A fresh pod: setup, then what visitors and the administrator see."""

    def setUp(self):
        self.pod = Pod(extra_args=["--dev"])
        self.pod.start()

    def tearDown(self):
        rc = self.pod.stop()
        out = self.pod.output()
        self.pod.cleanup()
        self.assertEqual(rc, 0, out)

    def test_setup_sign_in_settings_admin(self):
        b = HtmlBrowser(self.pod)
        status, headers, _ = b.get("/")
        self.assertEqual((status, headers["location"]), (302, "/setup"))
        text, facts = self.page(b, "/setup")
        self.assertEqual(self.autocomplete(facts, "user[username]"), ["username"])
        self.assertEqual(self.autocomplete(facts, "user[password]"), ["new-password"])
        self.assertEqual(self.autocomplete(facts, "user[password_confirmation]"),
                         ["new-password"])
        token = facts.meta["csrf-token"]

        # A mistake is shown above the form, which keeps the name.
        status, _, body = b.post("/setup", {"user[username]": "admin",
                                            "user[password]": PASSWORD,
                                            "user[password_confirmation]": PASSWORD + "!"},
                                 token=token)
        self.assertEqual(status, 422)
        self.assertIn(b'class="flash error" role="alert"', body)
        self.assertIn(b"differ", body)
        self.assertIn(b'value="admin"', body)
        status, headers, _ = b.post("/setup", {"user[username]": "admin",
                                               "user[password]": PASSWORD,
                                               "user[password_confirmation]": PASSWORD},
                                    token=token)
        self.assertEqual((status, headers["location"]), (302, "/profile/edit"))

        # Visitors: the landing page and the sign-in form.
        v = HtmlBrowser(self.pod)
        text, facts = self.page(v, "/")
        self.assertIn('href="/users/sign_in"', text)
        self.assertIn('href="/public"', text)
        self.assertIn("diaspora*", text)
        self.assertNotIn('class="button secondary" href="/users/sign_up"', text)
        text, facts = self.page(v, "/users/sign_in")
        self.assertEqual(self.autocomplete(facts, "user[username]"), ["username"])
        self.assertEqual(self.autocomplete(facts, "user[password]"), ["current-password"])
        self.assertNotIn('href="/users/sign_up"', text)  # registrations are closed
        status, _, body = v.sign_in("admin", "not the password")
        self.assertEqual(status, 401)
        self.assertIn(b'class="flash error"', body)
        self.assertEqual(v.sign_in("admin", PASSWORD)[0], 302)

        # Settings: every section, the export link and form, a confirmed delete.
        text, facts = self.page(v, "/user/edit")
        for section in ("profile", "language", "password", "data", "delete"):
            self.assertIn('<section class="settings" id="%s"' % section, text)
            self.assertIn('href="#%s"' % section, text)
        self.assertIn('href="/profile/edit"', text)
        self.assertIn('href="/user/export"', text)
        self.assertIn('<option value="en" lang="en" selected>English</option>', text)
        actions = [(f["action"], f["fields"].get("_method")) for f in facts.forms
                   if f["method"] == "post"]
        self.assertIn(("/user/export", None), actions)
        self.assertIn(("/user", ["delete"]), actions)
        self.assertIn(("/user/edit", ["put"]), actions)
        self.assertEqual(self.autocomplete(facts, "user[current_password]"),
                         ["current-password"] * 3)
        self.assertIn("data-confirm=", text[text.index('id="delete"'):])
        token = facts.meta["csrf-token"]
        status, headers, _ = v.post("/user/edit", {"user[language]": "de"}, token=token,
                                    method_override="put")
        self.assertEqual((status, headers["location"]), (302, "/user/edit?done=language"))
        text, _ = self.page(v, "/user/edit?done=language")
        self.assertIn('class="flash notice"', text)
        self.assertIn('<option value="de" lang="de" selected>', text)

        # Admin: the pod, the accounts, invitations, and an honest federation section.
        text, facts = self.page(v, "/admin")
        for section in ("pod", "invites", "accounts", "federation"):
            self.assertIn('<section id="%s"' % section, text)
        accounts = text[text.index('id="accounts"'):text.index('id="federation"')]
        self.assertIn('<a href="/u/admin">admin</a>', accounts)
        self.assertIn("Administrator", accounts)
        federation = text[text.index('id="federation"'):]
        federation = federation[federation.index("</h2>") + 5:federation.index("</section>")]
        # The queues as they are (nothing received or sent here) and no pods yet.
        self.assertIn("Deliveries received and waiting to be processed: 0", federation)
        self.assertIn("Deliveries waiting to be sent: 0", federation)
        self.assertIn("<tbody></tbody>", federation)
        self.assertIn("No invitations yet", text)
        token = facts.meta["csrf-token"]
        status, headers, _ = v.post("/admin/invites", {"uses": "3", "days": "2"}, token=token)
        self.assertEqual(status, 302)
        code = re.search(r"invite=([A-Za-z0-9_-]+)", headers["location"]).group(1)
        text, facts = self.page(v, headers["location"])
        self.assertIn('id="new-invite" readonly value="', text)
        self.assertIn('href="/i/%s"' % code, text)
        row = text[text.index('href="/i/%s"' % code):]
        row = row[:row.index("</tr>")]
        self.assertIn("<td>3</td>", row)
        self.assertIn("<td>admin</td>", row)
        revoke = [f for f in facts.forms if f["action"] == "/admin/invites/" + code]
        self.assertEqual(revoke[0]["fields"]["_method"], ["delete"])

        # The invitation leads to a sign-up form with a way to sign in instead.
        n = HtmlBrowser(self.pod)
        status, headers, _ = n.get("/i/" + code)
        self.assertEqual(status, 302)
        text, facts = self.page(n, headers["location"])
        self.assertEqual(facts.forms[-1]["fields"]["invite"], [code])
        self.assertIn('href="/users/sign_in"', text)

        # Open registrations: sign-in and landing pages offer a sign-up.
        token = v.csrf("/admin")
        status, _, _ = v.post("/admin/settings", [("pod_name", "Home <pod>"),
                                                  ("registrations_open", "0"),
                                                  ("registrations_open", "1")], token=token)
        self.assertEqual(status, 302)
        text, _ = self.page(HtmlBrowser(self.pod), "/")
        self.assertIn("Home &lt;pod&gt;", text)
        self.assertIn('class="button secondary" href="/users/sign_up"', text)
        text, _ = self.page(HtmlBrowser(self.pod), "/users/sign_in")
        self.assertIn('<a href="/users/sign_up">', text[text.index('class="alt"'):])


class Social(Pages):
    """Two people on one pod: notifications and a conversation."""

    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        for name in ("alice", "bob", "carol"):
            add_user(cls.pod.data, name, PASSWORD)
        cls.pod.start()
        podlib.wait_for_keys(cls.pod, ["alice", "bob"])

    @classmethod
    def tearDownClass(cls):
        rc = cls.pod.stop()
        cls.pod.cleanup()
        assert rc == 0

    def browser(self, name):
        b = HtmlBrowser(self.pod)
        self.assertEqual(b.sign_in(name, PASSWORD)[0], 302)
        return b

    def api(self, b, method, path, doc=None):
        token = b.csrf("/stream")
        body = json.dumps(doc).encode() if doc is not None else None
        status, _, data = b.request(method, path, body, {"Content-Type": "application/json",
                                                         "Accept": "application/json",
                                                         "X-CSRF-Token": token})
        return status, (json.loads(data) if data.strip() else None)

    def person(self, b, name):
        status, people = self.api(b, "GET", "/people.json?q=" + name)
        self.assertEqual(status, 200)
        return [p for p in people if p["handle"].startswith(name + "@")][0]

    def test_1_notifications(self):
        alice, bob = self.browser("alice"), self.browser("bob")
        status, post = self.api(alice, "POST", "/status_messages",
                                {"aspect_ids": "public",
                                 "status_message": {"text": "Tea in the *garden*?"}})
        self.assertEqual(status, 201)
        text, _ = self.page(alice, "/notifications")
        self.assertIn("You are all caught up.", text)

        # bob comments through the post's form, as a browser without script.
        token = bob.csrf("/posts/" + post["guid"])
        status, headers, _ = bob.post("/posts/%s/comments" % post["guid"],
                                      {"text": "Yes, at four", "return_to":
                                       "/posts/" + post["guid"]}, token=token)
        self.assertEqual((status, headers["location"]), (303, "/posts/" + post["guid"]))

        text, facts = self.page(alice, "/notifications")
        items = [a for tag, cls, a in facts.classes if tag == "li" and "notification" in cls]
        self.assertEqual(len(items), 1)
        item = text[text.index('<li class="notification unread"'):]
        item = item[:item.index("</li>")]
        bob_person = self.person(alice, "bob")
        self.assertIn('href="/people/%s"' % bob_person["guid"], item)
        self.assertIn("commented on your post.", item)
        self.assertIn('<a dir="auto" href="/posts/%s">Tea in the garden?</a>' % post["guid"],
                      item)
        self.assertIn('<img class="avatar"', item)
        self.assertIn('<time class="rel"', item)
        self.assertIn("1 unread notification", text)
        self.assertIn('action="/notifications/read_all"', text)

        # Marked read on its own: 303 back to the list, no longer unread.
        note = [f for f in facts.forms if f["action"].startswith("/notifications/") and
                f["action"] != "/notifications/read_all"][0]
        self.assertEqual(note["fields"]["_method"], ["put"])
        self.assertEqual(note["fields"]["set_unread"], ["false"])
        status, headers, _ = alice.post(note["action"],
                                        [(k, v[0]) for k, v in note["fields"].items()])
        self.assertEqual((status, headers["location"]), (303, "/notifications"))
        text, facts = self.page(alice, "/notifications")
        self.assertNotIn('class="notification unread"', text)
        self.assertIn("Mark as unread", text)
        self.assertNotIn('action="/notifications/read_all"', text)
        # ... and unread again, then all read at once.
        note = [f for f in facts.forms if f["action"] == note["action"]][0]
        self.assertEqual(note["fields"]["set_unread"], ["true"])
        status, _, _ = alice.post(note["action"], [(k, v[0]) for k, v in note["fields"].items()])
        self.assertEqual(status, 303)
        text, facts = self.page(alice, "/notifications")
        self.assertIn('class="notification unread"', text)
        status, headers, _ = alice.post("/notifications/read_all",
                                        {"return_to": "/notifications"},
                                        token=facts.meta["csrf-token"])
        self.assertEqual((status, headers["location"]), (303, "/notifications"))
        status, _, body = alice.get("/notifications.json")
        self.assertEqual(json.loads(body)["unread_count"], 0)
        text, _ = self.page(alice, "/notifications")
        self.assertNotIn('class="notification unread"', text)
        # Pages: bob's like makes a second notification; one per page.
        status, _, _ = bob.post("/posts/%s/likes" % post["guid"], {}, token=token)
        self.assertEqual(status, 303)
        text, facts = self.page(alice, "/notifications?per_page=1")
        self.assertEqual(text.count('<li class="notification'), 1)
        self.assertIn("liked your post.", text)
        self.assertIn('<a rel="next" href="/notifications?page=2&amp;per_page=1">', text)
        self.assertNotIn('rel="prev"', text)
        text, _ = self.page(alice, "/notifications?page=2&per_page=1")
        self.assertIn("commented on your post.", text)
        self.assertIn('<a rel="prev" href="/notifications?page=1&amp;per_page=1">', text)
        self.assertNotIn('rel="next"', text)
        text, _ = self.page(alice, "/notifications?page=3&per_page=1")
        self.assertIn("No more notifications.", text)
        self.assertEqual(alice.get("/notifications?page=0")[0], 422)
        # Someone else's notification cannot be marked from a form either.
        carol = self.browser("carol")
        status, _, _ = carol.post(note["action"], {"set_unread": "false"},
                                  token=carol.csrf("/stream"), method_override="put")
        self.assertEqual(status, 403)
        # The JSON answer is unchanged.
        status, _, body = alice.request("PUT", note["action"] + "?set_unread=true",
                                        headers={"Accept": "application/json",
                                                 "X-CSRF-Token": alice.csrf("/stream")})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["unread"], True)

    def test_2_conversation(self):
        alice, bob = self.browser("alice"), self.browser("bob")
        a, b = self.person(bob, "alice"), self.person(alice, "bob")
        # Not mutual yet: the form says how to get there.
        text, _ = self.page(alice, "/conversations/new")
        self.assertNotIn('name="person_ids"', text)
        self.assertIn('href="/contacts"', text)
        # alice and bob share with each other.
        for me, other in ((alice, b), (bob, a)):
            status, aspect = self.api(me, "POST", "/aspects", {"aspect": {"name": "Friends"}})
            self.assertEqual(status, 200)
            status, _ = self.api(me, "POST", "/aspect_memberships",
                                 {"aspect_id": aspect["id"], "person_id": other["id"]})
            self.assertEqual(status, 200)

        text, facts = self.page(alice, "/conversations")
        self.assertIn('href="/conversations/new"', text)
        self.assertIn("No conversations yet", text)
        text, facts = self.page(alice, "/conversations/new?person_id=%d" % b["id"])
        boxes = [x for x in facts.inputs if x[2] == "person_ids"]
        self.assertEqual([(x[0], x[3]["value"]) for x in boxes], [("checkbox", str(b["id"]))])
        self.assertIn("checked", boxes[0][3])
        token = facts.meta["csrf-token"]
        # Without a recipient the form comes back with the text kept.
        status, _, body = alice.post("/conversations", {"conversation[subject]": "Tea",
                                                        "conversation[text]": "Kept text"},
                                     token=token)
        self.assertEqual(status, 422)
        self.assertIn(b'class="flash error"', body)
        self.assertIn(b">Kept text</textarea>", body)
        status, headers, _ = alice.post("/conversations", [
            ("person_ids", str(b["id"])), ("conversation[subject]", "Tea <4pm>"),
            ("conversation[text]", "Shall we have **tea**?")], token=token)
        self.assertEqual(status, 303)
        m = re.fullmatch(r"/conversations/(\d+)", headers["location"])
        self.assertTrue(m, headers["location"])
        conv = int(m.group(1))

        text, facts = self.page(alice, "/conversations/%d" % conv)
        self.assertIn('<h1 dir="auto">Tea &lt;4pm&gt;</h1>', text)
        self.assertIn("<strong>tea</strong>", text)
        self.assertIn('class="message-content" dir="auto"', text)
        self.assertIn('href="/people/%s"' % b["guid"], text)  # who takes part
        forms = {f["action"]: f for f in facts.forms if f["method"] == "post"}
        self.assertIn("/conversations/%d/messages" % conv, forms)
        leave = forms["/conversations/%d/visibility" % conv]
        self.assertEqual(leave["fields"]["_method"], ["delete"])

        # bob sees it unread in his list, reads and answers it.
        text, _ = self.page(bob, "/conversations")
        item = text[text.index('<li class="conversation unread">'):]
        item = item[:item.index("</li>")]
        self.assertIn('href="/conversations/%d"' % conv, item)
        self.assertIn("Tea &lt;4pm&gt;", item)
        self.assertIn("1 unread message", item)
        self.assertIn('href="/people/%s"' % a["guid"], item)
        self.assertIn('<time class="rel"', item)
        text, facts = self.page(bob, "/conversations/%d" % conv)
        status, headers, _ = bob.post("/conversations/%d/messages" % conv,
                                      {"message[text]": "Gladly"},
                                      token=facts.meta["csrf-token"])
        self.assertEqual(status, 303)
        self.assertTrue(headers["location"].startswith("/conversations/%d#m-" % conv))
        text, _ = self.page(bob, "/conversations")
        self.assertNotIn('class="conversation unread"', text)
        text, _ = self.page(alice, "/conversations")
        self.assertIn('<li class="conversation unread">', text)
        text, _ = self.page(alice, "/conversations/%d" % conv)
        self.assertEqual(len(re.findall(r'class="stream-element message" data-guid="', text)), 2)
        self.assertLess(text.index("Shall we have"), text.index("Gladly"))
        # JSON clients keep their answers.
        status, _, body = alice.request("GET", "/conversations/%d.json" % conv)
        self.assertEqual(status, 200)
        self.assertEqual([x["text"] for x in json.loads(body)["conversation"]["messages"]],
                         ["Shall we have **tea**?", "Gladly"])

        # bob leaves: back to his list, which is empty; alice still has it.
        status, headers, _ = bob.post("/conversations/%d/visibility" % conv, {},
                                      token=bob.csrf("/conversations"), method_override="delete")
        self.assertEqual((status, headers["location"]), (303, "/conversations"))
        text, _ = self.page(bob, "/conversations")
        self.assertNotIn('href="/conversations/%d"' % conv, text)
        self.assertEqual(bob.get("/conversations/%d" % conv)[0], 404)
        text, _ = self.page(alice, "/conversations")
        self.assertIn('href="/conversations/%d"' % conv, text)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
