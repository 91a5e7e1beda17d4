"""Integration: the HTML of the web UI, crawled as a browser sees it.

A --dev pod with three people and some content (posts with Markdown, a
limited post, comments, likes, an aspect, a poll, a conversation, and
hostile or unusual text: markup, javascript: links, very long words,
right-to-left scripts, emoji sequences, combining marks). Every page
reachable from the main pages, signed out and signed in, must be a
well-formed page under the strict CSP: doctype, lang and dir, one title,
the CSRF meta, no inline script or style, no event attributes, CSRF tokens
in every POST form, labels for every field, and the security headers.
People's text is escaped everywhere and carries dir="auto".

The static assets are checked for their caching (ETag, 304, gzip,
immutable versioned URLs). Only the Python standard library is used.
"""
import argparse
import collections
import gzip
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

USERS = ("alice", "bob", "carol")
PASSWORD = "correct horse battery"
MAX_PAGES = 150

START_PAGES = ("/", "/stream", "/public", "/contacts", "/notifications", "/conversations",
               "/user/edit", "/admin", "/tag_followings", "/search?q=a")
SKIP_PREFIXES = ("/users/sign_out", "/media/", "/assets/")

# Hostile and unusual text, put into posts, comments and names.
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(2)</script>"
XSS_SVG = '"><svg onload=alert(3)>'
JS_LINKS = ("[js1](javascript:alert(4))", "[js2](JaVaScRiPt:alert(5))",
            "[js3](  javascript:alert(6))", "[js4](java\tscript:alert(7))",
            "<javascript:alert(8)>", "[js5](vbscript:msgbox(9))",
            "[js6](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            '<a href="javascript:alert(10)">js7</a>', "![js8](javascript:alert(11))")
LONG_WORD = "W" + "o" * 4998 + "w"
LONG_LINE = " ".join("line%d" % i for i in range(3000))
ARABIC = "مرحبا بالعالم"
HEBREW = "שלום עולם"
EMOJI = "👩‍👩‍👧‍👦 👍🏽 🏳️‍🌈 🧑🏿‍💻 🤷🏻‍♀️"
ZALGO = "Z̷̢̛a̴l̸g̶o̵ ̶t̷̰̏e̶x̸t̵"
ZALGO_HEAVY = "H" + "\u0336\u0301\u0316\u0317\u0300\u0318" * 40 + "i"
# Raw markup that must never reach a page unescaped.
RAW_BAD = ("<img src=x", "<script>alert", "<svg onload", "<svg", "<a href=\"javascript:")
# Names with markup and right-to-left letters (first names have at most 32 bytes).
BOB_FIRST = XSS_IMG
BOB_LAST = "דוד"
CAROL_FIRST = "مريم"
CAROL_LAST = '"><b>x</b>'
# Text of people that must sit inside an element with dir="auto" (or <bdi>).
DIR_MARKERS = (ARABIC, HEBREW, BOB_LAST, CAROL_FIRST)


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


class HtmlBrowser(Browser):
    default_headers = {"Accept": "text/html"}


# ------------------------------------------------------------ the page checker

FIELD_TAGS = ("input", "textarea", "select")
UNLABELLED_TYPES = ("hidden", "submit", "button", "reset", "image")
VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr")
SAFE_SCHEMES = ("http", "https", "mailto", "xmpp", "magnet")


class PageParser(HTMLParser):
    """Collects what the checks need in one pass: problems found while
    parsing, links, fields and labels, and where people's text sits."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.doctype = None
        self.html_attrs = None
        self.titles = []
        self.in_title = False
        self.csrf_meta = None
        self.links = []
        self.stylesheets = []
        self.forms = []          # [method, action, has_token]
        self.form_stack = []
        self.fields = []         # (tag, attrs, inside_label)
        self.label_fors = set()
        self.label_depth = 0
        self.ids = collections.Counter()
        self.h1 = 0
        self.buttons = []        # [attrs, text]
        self.stack = []          # open elements: (tag, attrs)
        self.text_nodes = []     # (text, stack snapshot)

    def handle_decl(self, decl):
        if self.doctype is None:
            self.doctype = decl

    def handle_starttag(self, tag, attrs_list):
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        for name, value in attrs.items():
            if name.startswith("on") and name != "open":
                self.problems.append("event attribute %s=%r on <%s>" % (name, value[:40], tag))
            if name == "style":
                self.problems.append("style attribute on <%s>" % tag)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if tag == "html" and self.html_attrs is None:
            self.html_attrs = attrs
        elif tag == "title":
            self.in_title = True
            self.titles.append("")
        elif tag == "meta" and attrs.get("name") == "csrf-token":
            self.csrf_meta = attrs.get("content", "")
        elif tag == "script" and not attrs.get("src"):
            self.problems.append("inline <script>")
        elif tag == "style":
            self.problems.append("<style> element")
        elif tag == "link" and "stylesheet" in attrs.get("rel", "").split():
            self.stylesheets.append(attrs.get("href", ""))
        elif tag == "form":
            form = [attrs.get("method", "get").lower(), attrs.get("action", ""), False]
            self.forms.append(form)
            self.form_stack.append(form)
        elif tag == "h1":
            self.h1 += 1
        elif tag == "button":
            self.buttons.append([attrs, ""])
        elif tag == "img" and "alt" not in attrs:
            self.problems.append("<img src=%r> without alt" % attrs.get("src", "")[:60])
        elif tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.label_fors.add(attrs["for"])
        if tag == "input" and attrs.get("name") == "authenticity_token" and self.form_stack:
            if attrs.get("value"):
                self.form_stack[-1][2] = True
        if tag in FIELD_TAGS:
            self.fields.append((tag, attrs, self.label_depth > 0))
        for name in ("href", "src", "action", "formaction"):
            if name in attrs:
                self.check_url(tag, name, attrs[name])
        if tag == "a" and "href" in attrs:
            self.links.append(attrs["href"])
        if tag not in VOID:
            self.stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        elif tag == "form" and self.form_stack:
            self.form_stack.pop()
        elif tag == "label" and self.label_depth:
            self.label_depth -= 1
        if tag in VOID:
            return
        # Pop to the matching element (the HTML is ours: mismatches are rare).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return
        self.problems.append("stray </%s>" % tag)

    def handle_data(self, data):
        if self.in_title and self.titles:
            self.titles[-1] += data
        if data.strip():
            self.text_nodes.append((data, list(self.stack)))
            if any(t == "button" for t, _ in self.stack) and self.buttons:
                self.buttons[-1][1] += data

    def check_url(self, tag, name, value):
        v = re.sub(r"[\x00-\x20]", "", value).lower()
        m = re.match(r"^([a-z][a-z0-9+.-]*):", v)
        if m and m.group(1) not in SAFE_SCHEMES:
            self.problems.append("%s=%r on <%s> has scheme %s" % (name, value[:60], tag, m.group(1)))


def shown_text(stack):
    """True for text a reader sees in the page's flow (not the head, the
    title or a select's options, which take no dir of their own)."""
    tags = [t for t, _ in stack]
    return "body" in tags and not ("title" in tags or "option" in tags)


def has_dir_auto(stack):
    return any(t == "bdi" or a.get("dir") == "auto" for t, a in stack)


def check_page(path, headers, body, full=True):
    """Every problem of one text/html page, as strings (each once). Error
    pages (full=False) are bare: no CSRF meta, forms or people's text."""
    problems = []
    for h, why in (("content-security-policy", "no CSP header"),
                   ("referrer-policy", "no Referrer-Policy header")):
        if not headers.get(h):
            problems.append(why)
    csp = headers.get("content-security-policy", "")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append("CSP allows unsafe-inline/unsafe-eval: " + csp)
    if headers.get("x-frame-options", "").upper() != "DENY":
        problems.append("X-Frame-Options is %r" % headers.get("x-frame-options"))
    text = body.decode("utf-8", errors="replace")
    if "\ufffd" in text and "\ufffd".encode() not in body:
        problems.append("body is not valid UTF-8")
    if not text.startswith("<!DOCTYPE html>"):
        problems.append("does not start with <!DOCTYPE html>")
    for raw in RAW_BAD:
        if raw in text:
            i = text.index(raw)
            problems.append("raw markup %r unescaped: ...%s..." % (raw, text[max(0, i - 60):i + 40]))
    p = PageParser()
    p.feed(text)
    p.close()
    problems += p.problems
    if p.doctype is None or p.doctype.lower() != "doctype html":
        problems.append("doctype is %r" % p.doctype)
    attrs = p.html_attrs or {}
    if not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", attrs.get("lang", "")):
        problems.append("<html> lang is %r" % attrs.get("lang"))
    if attrs.get("dir") not in ("ltr", "rtl"):
        problems.append("<html> dir is %r" % attrs.get("dir"))
    if len(p.titles) != 1 or not p.titles[0].strip():
        problems.append("titles: %r" % p.titles)
    if full and not p.csrf_meta:
        problems.append("no non-empty <meta name=csrf-token>")
    for method, action, has_token in p.forms:
        if method == "post" and not has_token:
            problems.append("POST form to %r without authenticity_token" % action)
    for tag, a, in_label in p.fields:
        if tag == "input" and a.get("type", "text").lower() in UNLABELLED_TYPES:
            continue
        if a.get("aria-label") or a.get("aria-labelledby") or in_label or "hidden" in a:
            continue
        if not a.get("id") or a["id"] not in p.label_fors:
            problems.append("<%s name=%r id=%r> has no label" % (tag, a.get("name"), a.get("id")))
    if full and p.h1 != 1:
        problems.append("%d <h1> elements" % p.h1)
    for a, text in p.buttons:
        if not text.strip() and not a.get("aria-label"):
            problems.append("<button> without text")
    for ident, n in p.ids.items():
        if n > 1:
            problems.append("id %r used %d times" % (ident, n))
    for fid in p.label_fors:
        if fid not in p.ids:
            problems.append("<label for=%r> names no element" % fid)
    for data, stack in p.text_nodes:
        if not any(m in data for m in DIR_MARKERS):
            continue
        if not shown_text(stack):
            continue
        if not has_dir_auto(stack):
            tag, a = stack[-1]
            problems.append("people's text %r in <%s%s> without dir=\"auto\"" %
                            (data.strip()[:30], tag,
                             " class=%s" % a["class"] if a.get("class") else ""))
    return list(dict.fromkeys(problems)), p


# ------------------------------------------------------------ the tests

class Html(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        add_user(cls.pod.data, "alice", PASSWORD, admin=True)
        for name in USERS[1:]:
            add_user(cls.pod.data, name, PASSWORD)
        cls.pod.start()
        try:
            podlib.wait_for_keys(cls.pod, USERS)
            cls.b = {}
            for name in USERS:
                b = HtmlBrowser(cls.pod)
                status, _, _ = b.sign_in(name, PASSWORD)
                assert status == 302, (name, status)
                cls.b[name] = b
            cls.make_content()
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
    def ok(cls, got, want, what):
        status, body = got
        assert status == want, "%s: %s %r\n%s" % (what, status, body, cls.pod.output()[-2000:])
        return body

    @classmethod
    def person(cls, who, query):
        people = cls.ok(api(cls.b[who], "GET", "/people.json?q=" + query), 200, "search")
        return people[0]["id"]

    @classmethod
    def post(cls, who, text, aspects="public", **extra):
        doc = {"aspect_ids": aspects, "status_message": {"text": text}}
        doc.update(extra)
        post = cls.ok(api(cls.b[who], "POST", "/status_messages", doc), 201, "post " + text[:30])
        if aspects == "public":
            cls.all_public.add(post["guid"])
        return post

    @classmethod
    def comment(cls, who, post, text):
        return cls.ok(api(cls.b[who], "POST", "/posts/%d/comments" % post["id"], {"text": text}),
                      201, "comment " + text[:30])

    @classmethod
    def make_content(cls):
        alice, bob, carol = (cls.b[n] for n in USERS)
        cls.all_public = set()
        # Names with markup and right-to-left letters, through the profile form.
        for who, first, last in (("bob", BOB_FIRST, BOB_LAST), ("carol", CAROL_FIRST, CAROL_LAST)):
            b = cls.b[who]
            token = b.csrf("/profile/edit")
            status, headers, body = b.post_multipart(
                "/profile", {"profile[first_name]": first, "profile[last_name]": last,
                             "profile[bio]": "Bio of %s: %s %s **bold**" % (who, XSS_SVG, HEBREW),
                             "profile[location]": ARABIC, "profile[searchable]": "1",
                             "profile[public_details]": "1"}, {},
                token=token, method_override="put")
            assert status in (302, 303), (who, status, body[:500])

        # alice and bob share with each other; alice has an aspect with bob.
        bob_id, alice_id = cls.person("alice", "bob"), cls.person("bob", "alice")
        friends = cls.ok(api(alice, "POST", "/aspects", {"aspect": {"name": "F <&> " + HEBREW}}),
                         200, "aspect")
        friends = friends if isinstance(friends, dict) else {}
        cls.friends = friends.get("id")
        if cls.friends is None:
            status, aspects = api(alice, "GET", "/aspects.json")
            cls.friends = [a for a in aspects if a["name"].startswith("Friends")][0]["id"]
        cls.ok(api(alice, "POST", "/aspect_memberships",
                   {"aspect_id": cls.friends, "person_id": bob_id}), 200, "membership")
        family = cls.ok(api(bob, "POST", "/aspects", {"aspect": {"name": "Family"}}), 200,
                        "aspect")
        cls.ok(api(bob, "POST", "/aspect_memberships",
                   {"aspect_id": family["id"], "person_id": alice_id}), 200, "membership")

        cls.markdown = cls.post("alice", "# Hello\n\nSome *Markdown* with **bold**, a "
                                "[link](https://example.org/) and #tags #plugpod, "
                                "mentioning @{bob; bob@localhost:%d}." % cls.pod.https_port)
        cls.limited = cls.post("alice", "Only for friends", aspects=str(cls.friends))
        cls.poll = cls.post("bob", "A poll", poll_question="Tea or coffee? " + ARABIC,
                            poll_answers=["Tea " + HEBREW, "Coffee <b>"],
                            location_address="Cairo " + ARABIC, location_coords="30.04,31.24")
        cls.comment("bob", cls.markdown, "Nice *post* " + HEBREW)
        cls.comment("alice", cls.markdown, "Thanks")
        cls.comment("bob", cls.limited, "Seen")
        cls.ok(api(bob, "POST", "/posts/%d/likes" % cls.markdown["id"]), 201, "like")
        cls.ok(api(carol, "POST", "/posts/%d/likes" % cls.markdown["id"]), 201, "like")
        reshare = cls.ok(api(alice, "POST", "/reshares", {"root_guid": cls.poll["guid"]}), 201,
                         "reshare")
        cls.all_public.add(reshare["guid"])
        cls.ok(api(alice, "POST", "/tag_followings", {"name": "plugpod"}), 201, "tag following")
        status, _, body = alice.post("/conversations",
                                     {"person_ids": str(bob_id),
                                      "conversation[subject]": "Lunch <today>? " + ARABIC,
                                      "conversation[text]": "Shall we? %s %s" % (XSS_IMG, HEBREW)},
                                     token=alice.csrf("/conversations"))
        assert status in (302, 303), (status, body[:300])

        # The hostile and the unusual, in posts and comments.
        cls.bad = {}
        for key, text in (("xss", "Look %s and %s and %s end" % (XSS_IMG, XSS_SCRIPT, XSS_SVG)),
                          ("links", "Links: " + " ".join(JS_LINKS) + " [good](https://example.org/ok)"),
                          ("word", "A long word: " + LONG_WORD),
                          ("line", LONG_LINE),
                          ("rtl", "%s\n\n%s" % (ARABIC, HEBREW)),
                          ("emoji", EMOJI),
                          ("zalgo", ZALGO)):
            post = cls.post("bob", text)
            cls.comment("carol", post, text)
            cls.bad[key] = post
        # Enough posts for the streams' "More posts" links.
        for i in range(6):
            cls.post("carol", "Filler %d #plugpod" % i)
        # Long unbroken words where no Markdown wraps them: a poll and a place.
        cls.bad["poll"] = cls.post("carol", "Poll " + ZALGO_HEAVY,
                                   poll_question="Q" * 255, poll_answers=["A" * 255, HEBREW],
                                   location_address="L" * 255, location_coords="1,2")

    # ---- 1. every page
    def crawl(self, b, label):
        """Breadth first over same-origin links; returns (pages, violations)."""
        origins = ("http://127.0.0.1:%d" % self.pod.http_port,
                   "http://localhost:%d" % self.pod.http_port,
                   "https://localhost:%d" % self.pod.https_port)
        queue = collections.deque(START_PAGES)
        seen = set(START_PAGES)
        pages, violations = [], []
        while queue and len(pages) < MAX_PAGES:
            path = queue.popleft()
            status, headers, body = b.get(path)
            hops = 0
            while status in (301, 302, 303, 307) and hops < 5:
                loc = headers.get("location", "")
                for o in origins:
                    if loc.startswith(o):
                        loc = loc[len(o):]
                if not loc.startswith("/"):
                    break
                status, headers, body = b.get(loc)
                hops += 1
            ctype = headers.get("content-type", "")
            pages.append("%s %d %s" % (path, status, ctype.split(";")[0]))
            if status >= 500 or (status == 404 and path not in START_PAGES):
                violations.append(("status %d" % status, "%s %s" % (label, path)))
            if "text/html" not in ctype:
                continue
            problems, parsed = check_page(path, headers, body, full=status == 200)
            violations += [(p, "%s %s" % (label, path)) for p in problems]
            if status != 200:
                continue
            deep = "max_time" in path
            for href in parsed.links:
                for o in origins:
                    if href.startswith(o):
                        href = href[len(o):]
                href = href.split("#", 1)[0]
                if not href.startswith("/") or href.startswith("//"):
                    continue
                if href.startswith(SKIP_PREFIXES) or (deep and "max_time" in href):
                    continue
                if href not in seen:
                    seen.add(href)
                    queue.append(href)
        return pages, violations

    def test_crawl_pages(self):
        report, violations = [], []
        for label, b in (("anonymous", HtmlBrowser(self.pod)), ("alice", self.b["alice"]),
                         ("bob", self.b["bob"])):
            pages, problems = self.crawl(b, label)
            report.append("%s: %d pages\n  %s" % (label, len(pages), "\n  ".join(pages)))
            violations += problems
        print("\npages checked:\n" + "\n".join(report), file=sys.stderr)
        # One line per problem, with the pages that have it.
        where = collections.OrderedDict()
        for problem, page in violations:
            where.setdefault(problem, []).append(page)
        lines = ["%s\n    on %d page(s): %s%s" % (problem, len(pages), ", ".join(pages[:6]),
                                                 ", ..." if len(pages) > 6 else "")
                 for problem, pages in where.items()]
        self.assertEqual(lines, [], "%d problems:\n" % len(lines) + "\n".join(lines))

    def test_more_posts_link_loses_nothing(self):
        """Following "More posts" from /public shows every public post once
        (posts made within one second included)."""
        b = HtmlBrowser(self.pod)
        path, got = "/public", []
        while path and len(got) < 200:
            text, parsed = self.page_text(b, path)
            got += re.findall(r'<article class="card post" data-guid="([0-9a-f]+)"', text)
            nxt = [h for h in parsed.links if "max_time=" in h]
            path = nxt[0] if nxt else None
        self.assertGreater(len(self.all_public), 15)
        self.assertEqual(len(got), len(set(got)), "a post shown twice")
        self.assertEqual(set(got), self.all_public,
                         "%d of %d public posts reachable" % (len(got), len(self.all_public)))

    # ---- 2. static assets
    def test_static_assets(self):
        b = HtmlBrowser(self.pod)
        status, _, page = b.get("/public")
        self.assertEqual(status, 200)
        _, parsed = check_page("/public", {}, page)
        for name in ("style.css", "app.js"):
            status, headers, plain = b.get("/assets/" + name, {"Accept-Encoding": "identity"})
            self.assertEqual(status, 200, name)
            self.assertNotIn("content-encoding", headers)
            self.assertTrue(plain)
            etag = headers.get("etag", "")
            self.assertRegex(etag, r'^(W/)?"[^"]+"$', name)
            self.assertEqual(headers.get("x-content-type-options"), "nosniff")
            self.assertIn(("css" if name.endswith("css") else "javascript"),
                          headers.get("content-type", ""))
            status, headers304, body = b.get("/assets/" + name, {"If-None-Match": etag})
            self.assertEqual((status, body), (304, b""), name)
            self.assertEqual(headers304.get("etag"), etag)
            status, headers, gz = b.get("/assets/" + name, {"Accept-Encoding": "gzip, deflate"})
            self.assertEqual(status, 200)
            self.assertEqual(headers.get("content-encoding"), "gzip", name)
            self.assertIn("accept-encoding", headers.get("vary", "").lower())
            self.assertEqual(gzip.decompress(gz), plain, name)
            status, headers, _ = b.get("/assets/" + name, {"Accept-Encoding": "gzip;q=0"})
            self.assertNotIn("content-encoding", headers, name)
            version = etag.strip('"').replace('W/"', "")
            status, headers, _ = b.get("/assets/%s?v=%s" % (name, version))
            self.assertEqual(status, 200)
            cc = headers.get("cache-control", "")
            self.assertIn("max-age=31536000", cc)
            self.assertIn("immutable", cc)
            status, headers, _ = b.get("/assets/%s?v=old" % name)
            self.assertEqual(status, 200)
            self.assertNotIn("immutable", headers.get("cache-control", ""))
            if name == "style.css":
                self.assertEqual(len(parsed.stylesheets), 1, parsed.stylesheets)
                q = urllib.parse.urlsplit(parsed.stylesheets[0])
                self.assertEqual(q.path, "/assets/style.css")
                self.assertEqual(urllib.parse.parse_qs(q.query).get("v"), [version])
        for bad in ("/assets/x", "/assets/x.css", "/assets/..%2fstyle.css", "/assets/style.css.gz",
                    "/assets/STYLE.CSS"):
            self.assertEqual(b.get(bad)[0], 404, bad)

    # ---- 3. bad input
    def page_text(self, b, path):
        status, headers, body = b.get(path)
        self.assertEqual(status, 200, path)
        self.assertIn("text/html", headers.get("content-type", ""))
        problems, parsed = check_page(path, headers, body)
        self.assertEqual(problems, [], "%s:\n%s" % (path, "\n".join(problems)))
        return body.decode(), parsed

    def pages_of(self, key):
        """The post page (anonymous and signed in) and the streams showing it."""
        guid = self.bad[key]["guid"]
        anon = HtmlBrowser(self.pod)
        return [self.page_text(anon, "/posts/" + guid),
                self.page_text(self.b["alice"], "/posts/" + guid),
                self.page_text(self.b["alice"], "/stream"),
                self.page_text(anon, "/public")]

    def test_markdown_headings_under_the_page_title(self):
        text, parsed = self.page_text(HtmlBrowser(self.pod), "/posts/" + self.markdown["guid"])
        self.assertIn("<h3>Hello</h3>", text)
        self.assertIn("<em>Markdown</em>", text)
        self.assertIn('href="https://example.org/"', text)

    def test_markup_is_escaped(self):
        for text, parsed in self.pages_of("xss"):
            self.assertIn("&lt;img src=x onerror=alert(1)&gt;", text)
            self.assertIn("&lt;script&gt;alert(2)&lt;/script&gt;", text)
            self.assertIn("&lt;svg onload=alert(3)&gt;", text)
        # Names with markup, on a profile and beside posts.
        text, _ = self.page_text(HtmlBrowser(self.pod), "/u/bob")
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", text)
        text, _ = self.page_text(HtmlBrowser(self.pod), "/u/carol")
        self.assertIn("&quot;&gt;&lt;b&gt;x&lt;/b&gt;", text)

    def test_javascript_links_are_not_links(self):
        for text, parsed in self.pages_of("links"):
            self.assertIn("https://example.org/ok", parsed.links)
            for href in parsed.links:
                scheme = re.sub(r"[\x00-\x20]", "", href).lower().split(":", 1)
                self.assertNotIn(scheme[0], ("javascript", "vbscript", "data"), href)
            self.assertNotIn('href="javascript', text.lower())

    def test_unusual_text_survives(self):
        for key, needles in (("word", [LONG_WORD]), ("line", ["line0 line1", "line2999"]),
                             ("rtl", [ARABIC, HEBREW]), ("emoji", EMOJI.split()),
                             ("zalgo", ZALGO.split())):
            for text, parsed in self.pages_of(key):
                for needle in needles:
                    self.assertIn(needle, text, key)
                # In the post body, inside an element with dir="auto".
                for needle in needles:
                    holders = [stack for data, stack in parsed.text_nodes
                               if needle in data and shown_text(stack)]
                    self.assertTrue(holders, (key, needle[:20]))
                    for stack in holders:
                        self.assertTrue(has_dir_auto(stack), (key, [t for t, _ in stack]))

    def test_names_carry_dir_auto(self):
        both = (BOB_LAST, CAROL_FIRST)
        for path, names in (("/posts/" + self.bad["rtl"]["guid"], both), ("/public", both),
                            ("/u/bob", (BOB_LAST,)), ("/u/carol", (CAROL_FIRST,))):
            text, parsed = self.page_text(self.b["alice"], path)
            for name in names:
                seen = [stack for data, stack in parsed.text_nodes
                        if name in data and shown_text(stack)]
                self.assertTrue(seen, (path, name))
                for stack in seen:
                    self.assertTrue(has_dir_auto(stack), (path, name, [t for t, _ in stack]))

    def test_oversized_text_is_refused(self):
        b = self.b["alice"]
        big = ("word " * 14000)[:70000]
        token = b.csrf("/stream")
        # The publisher form (HTML) and the JSON API.
        status, headers, body = b.post("/status_messages",
                                       {"status_message[text]": big, "aspect_ids": "public",
                                        "return_to": "/stream"}, token=token)
        self.assertTrue(400 <= status < 500, (status, body[:300]))
        self.assertIn("text/html", headers.get("content-type", ""))
        problems, parsed = check_page("/status_messages", headers, body, full=False)
        self.assertEqual(problems, [], "\n".join(problems))
        message = " ".join(d.strip() for d, _ in parsed.text_nodes if d.strip())
        print("\n70 KB post: %d %s" % (status, message), file=sys.stderr)
        self.assertRegex(message, r"at most|too long|too large")
        status, _ = api(b, "POST", "/status_messages",
                        {"aspect_ids": "public", "status_message": {"text": big}})
        self.assertTrue(400 <= status < 500, status)
        post = self.markdown
        status, headers, body = b.post("/posts/%s/comments" % post["guid"],
                                       {"text": big, "return_to": "/posts/" + post["guid"]},
                                       token=token)
        self.assertTrue(400 <= status < 500, (status, body[:300]))
        status, _ = api(b, "POST", "/posts/%d/comments" % post["id"], {"text": big})
        self.assertTrue(400 <= status < 500, status)
        # Nothing of it was stored, and the pages still render.
        text, _ = self.page_text(b, "/stream")
        self.assertNotIn("word word word word word word word word word word word word", text)
        self.page_text(b, "/posts/" + post["guid"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
