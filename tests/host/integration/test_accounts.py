"""Integration: accounts, sessions, CSRF, throttling, invitations, settings,
profiles with avatars, and the discovery documents, against the real pod.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", "shared",
                                        "diaspora-federation-vectors"))
PASSWORD = "correct horse battery"


def png_bytes(w, h, left=(255, 0, 0), right=(0, 0, 255)):
    """A real PNG: left half one colour, right half another."""
    rows = b"".join(b"\x00" + b"".join(bytes(left if x < w // 2 else right) for x in range(w))
                    for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg_size(data):
    """(width, height) from a JPEG's SOF marker."""
    i = 2
    while i < len(data):
        assert data[i] == 0xFF
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise AssertionError("no SOF in JPEG")


class ByClass(HTMLParser):
    """Collects text and attributes of elements by class, like the hCard
    parser of diaspora* does with CSS selectors (docs §2.2)."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.text = {}
        self.photos = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        self.stack.append((tag, classes))
        if "photo" in classes:
            for _, outer in self.stack:
                for c in outer:
                    if c.startswith("entity_photo"):
                        self.photos[c] = a.get("src")
        for c in classes:
            self.text.setdefault(c, "")

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for _, classes in self.stack:
            for c in classes:
                if c in ("uid", "nickname", "fn", "given_name", "family_name", "key",
                         "searchable"):
                    self.text[c] = self.text.get(c, "") + data


def parse_hcard(html):
    p = ByClass()
    p.feed(html)
    return p


class Accounts(unittest.TestCase):
    def setUp(self):
        self.pod = Pod(extra_args=["--dev"])
        self.pod.start()

    def tearDown(self):
        rc = self.pod.stop()
        out = self.pod.output()
        self.pod.cleanup()
        self.assertEqual(rc, 0, out)

    def setup_admin(self):
        b = Browser(self.pod)
        token = b.csrf("/setup")
        status, headers, _ = b.post("/setup", {"user[username]": "admin",
                                               "user[password]": PASSWORD,
                                               "user[password_confirmation]": PASSWORD},
                                    token=token)
        self.assertEqual(status, 302)
        self.assertEqual(headers["location"], "/profile/edit")
        return b

    # ---- setup
    def test_setup_creates_the_admin_once(self):
        b = Browser(self.pod)
        status, headers, _ = b.get("/")
        self.assertEqual((status, headers["location"]), (302, "/setup"))
        admin = self.setup_admin()
        status, _, body = admin.get("/admin")
        self.assertEqual(status, 200)
        self.assertIn(b"Administration", body)
        # Refused once a user exists, even with a valid token.
        other = Browser(self.pod)
        token = other.csrf("/users/sign_in")
        status, _, _ = other.post("/setup", {"user[username]": "mallory",
                                             "user[password]": PASSWORD,
                                             "user[password_confirmation]": PASSWORD},
                                  token=token)
        self.assertEqual(status, 403)
        status, headers, _ = other.get("/setup")
        self.assertEqual((status, headers["location"]), (302, "/"))
        status, _, body = other.get("/u/mallory")
        self.assertEqual(status, 404)

    def test_setup_validates_fields(self):
        b = Browser(self.pod)
        token = b.csrf("/setup")
        for name, pw, pw2, needle in (("Bad Name", PASSWORD, PASSWORD, b"lowercase"),
                                      ("x" * 33, PASSWORD, PASSWORD, b"lowercase"),
                                      ("ok", "short", "short", b"at least 10"),
                                      ("ok", PASSWORD, PASSWORD + "x", b"differ")):
            status, _, body = b.post("/setup", {"user[username]": name, "user[password]": pw,
                                                "user[password_confirmation]": pw2}, token=token)
            self.assertEqual(status, 422, name)
            self.assertIn(needle, body)
        status, headers, _ = b.get("/")
        self.assertEqual(headers.get("location"), "/setup")  # nothing was stored

    # ---- sign in, sign out, CSRF
    def test_sign_in_and_out(self):
        self.setup_admin()
        b = Browser(self.pod)
        status, headers, _ = b.get("/stream")
        self.assertEqual((status, headers["location"]), (302, "/users/sign_in"))
        status, _, body = b.sign_in("admin", "wrong password!")
        self.assertEqual(status, 401)
        self.assertIn(b"Wrong username or password", body)
        self.assertIn(b'name="csrf-token"', body)
        status, headers, _ = b.sign_in("admin", PASSWORD)
        self.assertEqual((status, headers["location"]), (302, "/stream"))
        cookie = [c for c in b.last_set_cookie if c.startswith("_plugpod_session=")][0]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Lax", cookie)
        self.assertNotIn("Secure", cookie)  # plain HTTP: never Secure
        status, _, body = b.get("/stream")
        self.assertEqual(status, 200)
        self.assertIn(b'<a href="/u/admin">', body)  # the signed-in navigation
        token = b.csrf("/stream")
        status, headers, _ = b.post("/users/sign_out", {}, token=token, method_override="delete")
        self.assertEqual(status, 302)
        status, _, _ = b.get("/stream")
        self.assertEqual(status, 302)

    def test_secure_cookie_over_https(self):
        self.setup_admin()
        b = Browser(self.pod, tls=True)
        status, _, _ = b.sign_in("admin", PASSWORD)
        self.assertEqual(status, 302)
        cookie = [c for c in b.last_set_cookie if c.startswith("_plugpod_session=")][0]
        self.assertIn("Secure", cookie)

    def test_csrf_matrix(self):
        self.setup_admin()
        b = Browser(self.pod)
        pre_login = b.csrf("/users/sign_in")
        self.assertEqual(b.sign_in("admin", PASSWORD)[0], 302)
        token = b.csrf("/user/edit")
        self.assertNotEqual(token, pre_login, "the token must rotate at sign-in")
        change = {"user[language]": "de"}
        cases = (("form only", dict(token=token), 302),
                 ("header only", dict(header_token=token), 302),
                 ("both", dict(token=token, header_token=token), 302),
                 ("stale header, fresh form", dict(token=token, header_token=pre_login), 302),
                 ("stale form only", dict(token=pre_login), 422),
                 ("neither", dict(), 422),
                 ("garbage", dict(token="x" * 44, header_token="%%%"), 422))
        for name, kw, want in cases:
            status, _, _ = b.post("/user/edit", change, method_override="put", **kw)
            self.assertEqual(status, want, name)
        # A signed-out visitor's token only works with its own cookie.
        v = Browser(self.pod)
        t = v.csrf("/users/sign_in")
        w = Browser(self.pod)
        w.csrf("/users/sign_in")
        status, _, _ = w.post("/users/sign_in", {"user[username]": "admin",
                                                 "user[password]": PASSWORD}, token=t)
        self.assertEqual(status, 422)

    def test_forged_and_expired_sessions(self):
        self.setup_admin()
        b = Browser(self.pod)
        b.cookies["_plugpod_session"] = "A" * 43 + "="
        status, headers, _ = b.get("/stream")
        self.assertEqual((status, headers["location"]), (302, "/users/sign_in"))
        b.cookies["_plugpod_session"] = "not base64 at all;"
        self.assertEqual(b.get("/stream")[0], 302)
        # A real session, then the clock moves past the session lifetime.
        self.assertEqual(b.sign_in("admin", PASSWORD, remember=True)[0], 302)
        self.assertEqual(b.get("/stream")[0], 200)
        self.assertEqual(self.pod.stop(), 0)
        # libfaketime moves the pod's clock 31 days ahead (sessions last 30).
        lib = subprocess.run(["dpkg", "-L", "libfaketime"], capture_output=True,
                             text=True).stdout.split()
        lib = [p for p in lib if p.endswith("/libfaketime.so.1")][0]
        self.pod.env = {"LD_PRELOAD": lib, "FAKETIME": "+31d"}
        self.pod.start()
        status, headers, _ = b.get("/stream")
        self.assertEqual((status, headers["location"]), (302, "/users/sign_in"))
        self.assertIn("expired session", self.pod.output())

    def test_throttling_and_release(self):
        self.setup_admin()
        b = Browser(self.pod)
        free = 5
        for i in range(free + 1):
            status, _, _ = b.sign_in("admin", "wrong password %d" % i)
            self.assertEqual(status, 401, i)
        # Now locked: even the right password waits, and the client is told how long.
        status, headers, body = b.sign_in("admin", PASSWORD)
        self.assertEqual(status, 429)
        wait = int(headers["retry-after"])
        self.assertTrue(2 <= wait <= 3, wait)  # a 2 s delay, in whole seconds rounded up
        self.assertIn(b"Try again in", body)
        time.sleep(wait + 0.5)
        status, headers, _ = b.sign_in("admin", PASSWORD)
        self.assertEqual((status, headers["location"]), (302, "/stream"))
        # The success cleared the counter: one more mistake is not locked.
        c = Browser(self.pod)
        self.assertEqual(c.sign_in("admin", "wrong again")[0], 401)
        self.assertEqual(c.sign_in("admin", PASSWORD)[0], 302)

    def test_unknown_and_overlong_names(self):
        self.setup_admin()
        b = Browser(self.pod)
        self.assertEqual(b.sign_in("nobody", PASSWORD)[0], 401)
        self.assertEqual(b.sign_in("x" * 5000, PASSWORD)[0], 401)
        status, _, _ = b.get("/u/" + "x" * 300)
        self.assertEqual(status, 404)

    # ---- invitations and registration
    def test_invitations_run_out(self):
        admin = self.setup_admin()
        anon = Browser(self.pod)
        status, _, body = anon.get("/users/sign_up")
        self.assertEqual(status, 403)
        self.assertIn(b"closed", body)
        token = admin.csrf("/admin")
        status, headers, _ = admin.post("/admin/invites", {"uses": "2", "days": "1"}, token=token)
        self.assertEqual(status, 302)
        code = re.search(r"invite=([A-Za-z0-9_-]+)", headers["location"]).group(1)
        status, _, body = admin.get("/admin")
        self.assertIn(("/i/" + code).encode(), body)
        for i, name in enumerate(("bob", "carol", "dave")):
            v = Browser(self.pod)
            status, headers, _ = v.get("/i/" + code)
            self.assertEqual(status, 302)
            status, _, body = v.get(headers["location"])
            if i < 2:
                self.assertEqual(status, 200, name)
                token = re.search(rb'name="csrf-token" content="([^"]*)"', body).group(1).decode()
                status, headers, _ = v.post("/users/sign_up", {
                    "user[username]": name, "user[password]": PASSWORD,
                    "user[password_confirmation]": PASSWORD, "invite": code}, token=token)
                self.assertEqual((status, headers["location"]), (302, "/profile/edit"), name)
                self.assertEqual(v.get("/stream")[0], 200)
            else:
                self.assertEqual(status, 410, name)
                token = v.csrf("/users/sign_in")
                status, _, _ = v.post("/users/sign_up", {
                    "user[username]": name, "user[password]": PASSWORD,
                    "user[password_confirmation]": PASSWORD, "invite": code}, token=token)
                self.assertEqual(status, 410)
        self.assertEqual(Browser(self.pod).get("/u/dave")[0], 404)
        self.assertEqual(Browser(self.pod).get("/u/carol")[0], 200)

    def test_open_registration(self):
        admin = self.setup_admin()
        # Closed: the navigation offers no sign-up.
        self.assertNotIn(b'href="/users/sign_up"', Browser(self.pod).get("/users/sign_in")[2])
        token = admin.csrf("/admin")
        status, _, _ = admin.post("/admin/settings", [("pod_name", "Home pod"),
                                                      ("registrations_open", "0"),
                                                      ("registrations_open", "1")], token=token)
        self.assertEqual(status, 302)
        v = Browser(self.pod)
        self.assertIn(b'href="/users/sign_up"', v.get("/users/sign_in")[2])
        status, _, body = v.get("/users/sign_up")
        self.assertEqual(status, 200)
        self.assertIn(b"Home pod", body)
        token = v.csrf("/users/sign_up")
        status, _, _ = v.post("/users/sign_up", {"user[username]": "admin",
                                                 "user[password]": PASSWORD,
                                                 "user[password_confirmation]": PASSWORD},
                              token=token)
        self.assertEqual(status, 422)  # taken
        status, _, _ = v.post("/users/sign_up", {"user[username]": "erin",
                                                 "user[password]": PASSWORD,
                                                 "user[password_confirmation]": PASSWORD},
                              token=token)
        self.assertEqual(status, 302)
        # Not an admin: the admin page is closed to erin.
        self.assertEqual(v.get("/admin")[0], 403)

    # ---- settings
    def test_password_change_ends_other_sessions(self):
        self.setup_admin()
        here, there = Browser(self.pod), Browser(self.pod)
        self.assertEqual(here.sign_in("admin", PASSWORD)[0], 302)
        self.assertEqual(there.sign_in("admin", PASSWORD)[0], 302)
        token = here.csrf("/user/edit")
        new = "an even longer password"
        status, headers, _ = here.post("/user/edit", {"user[current_password]": "nope nope nope",
                                                      "user[password]": new,
                                                      "user[password_confirmation]": new},
                                       token=token, method_override="put")
        self.assertEqual(status, 422)
        status, headers, _ = here.post("/user/edit", {"user[current_password]": PASSWORD,
                                                      "user[password]": new,
                                                      "user[password_confirmation]": new},
                                       token=token, method_override="put")
        self.assertEqual((status, headers["location"]), (302, "/user/edit?done=password"))
        self.assertEqual(here.get("/stream")[0], 200)
        self.assertEqual(there.get("/stream")[0], 302)
        self.assertEqual(Browser(self.pod).sign_in("admin", PASSWORD)[0], 401)
        self.assertEqual(Browser(self.pod).sign_in("admin", new)[0], 302)

    def test_delete_account(self):
        self.setup_admin()
        b = Browser(self.pod)
        self.assertEqual(b.sign_in("admin", PASSWORD)[0], 302)
        token = b.csrf("/user/edit")
        status, _, _ = b.post("/user", {"user[current_password]": "wrong password"},
                              token=token, method_override="delete")
        self.assertEqual(status, 422)
        status, headers, _ = b.post("/user", {"user[current_password]": PASSWORD},
                                    token=token, method_override="delete")
        self.assertEqual((status, headers["location"]), (302, "/"))
        self.assertEqual(b.get("/stream")[0], 302)
        self.assertEqual(b.get("/u/admin")[0], 404)
        status, _, _ = b.get("/.well-known/webfinger?resource=acct:admin@localhost:%d"
                             % self.pod.https_port)
        self.assertEqual(status, 404)

    # ---- profile and avatar
    def test_profile_edit_and_avatar(self):
        b = self.setup_admin()
        token = b.csrf("/profile/edit")
        fields = {"profile[first_name]": "Ada <b>", "profile[last_name]": "L",
                  "profile[bio]": "Hello *world* <script>alert(1)</script> "
                                  "[x](javascript:alert(2)) [ok](https://example.org/)",
                  "profile[location]": "Lovelace Lane", "profile[gender]": "",
                  "profile[date][year]": "1990", "profile[date][month]": "2",
                  "profile[date][day]": "28", "tags": "#Maths, poetry #engines",
                  "profile[searchable]": "1", "profile[public_details]": "1"}
        status, headers, _ = b.post_multipart("/profile", fields,
                                              {"file": ("me.png", "image/png", png_bytes(64, 48))},
                                              token=token, method_override="put")
        self.assertEqual((status, headers.get("location")), (302, "/profile/edit?done=1"))
        status, _, body = Browser(self.pod).get("/u/admin")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn("Ada &lt;b&gt; L", text)
        self.assertIn("<em>world</em>", text)
        self.assertNotIn("<script>alert(1)", text)
        self.assertNotIn("javascript:", text)
        self.assertIn('href="https://example.org/"', text)
        self.assertIn("1990-02-28", text)
        self.assertIn('<meta name="keywords" content="maths, poetry, engines">', text)
        src = re.search(r'<img class="avatar"[^>]* src="([^"]+)"', text).group(1)
        self.assertRegex(src, r"^/media/avatars/[0-9a-f]{64}-large\.jpg$")
        status, headers, jpg = Browser(self.pod).get(src)
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "image/jpeg")
        self.assertEqual(jpeg_size(jpg), (300, 300))
        for size, px in (("medium", 100), ("small", 50)):
            status, _, jpg = Browser(self.pod).get(src.replace("-large", "-" + size))
            self.assertEqual((status, jpeg_size(jpg)), (200, (px, px)))
        # Searchable people are found; after opting out, nobody finds them.
        status, _, body = Browser(self.pod).get("/people.json?q=admin")
        self.assertEqual([p["handle"].split("@")[0] for p in json.loads(body)], ["admin"])
        status, _, _ = b.post_multipart("/profile", {"profile[searchable]": "0"}, {},
                                        token=token, method_override="put")
        self.assertEqual(status, 302)
        status, _, body = Browser(self.pod).get("/people.json?q=admin")
        self.assertEqual(json.loads(body), [])
        # Path tricks never leave the media folder.
        for bad in ("/media/avatars/..%2f..%2fplugpod.lock", "/media/avatars/x-large.jpg",
                    "/media/avatars/" + "g" * 64 + "-large.jpg"):
            self.assertEqual(Browser(self.pod).get(bad)[0], 404, bad)

    def test_large_avatar_upload(self):
        # About 6 MB of incompressible pixels: above the default 4 MB request
        # arena, below the 8 MB avatar limit, so it must go through.
        w = h = 1400
        rows = b"".join(b"\x00" + os.urandom(w * 3) for _ in range(h))

        def chunk(t, d):
            return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
        png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
               + chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))
        self.assertGreater(len(png), 5 * 1024 * 1024)
        b = self.setup_admin()
        token = b.csrf("/profile/edit")
        status, headers, body = b.post_multipart("/profile", {},
                                                 {"file": ("big.png", "image/png", png)},
                                                 token=token, method_override="put")
        self.assertEqual((status, headers.get("location")), (302, "/profile/edit?done=1"), body[:300])

    def test_profile_rejects_bad_input(self):
        b = self.setup_admin()
        token = b.csrf("/profile/edit")
        cases = (({"profile[first_name]": "x" * 33}, {}, 422),
                 ({"profile[first_name]": "semi;colon"}, {}, 422),
                 ({"profile[date][year]": "2001", "profile[date][month]": "2",
                   "profile[date][day]": "29"}, {}, 422),
                 ({"tags": "a b c d e f"}, {}, 422),
                 ({}, {"file": ("fake.png", "image/png", b"this is not a picture" * 10)}, 422),
                 ({}, {"file": ("big.png", "image/png",
                                b"\x89PNG\r\n\x1a\n" + b"\0" * (9 * 1024 * 1024))}, 413))
        for fields, files, want in cases:
            status, _, body = b.post_multipart("/profile", fields, files, token=token,
                                               method_override="put")
            self.assertEqual(status, want, (fields, list(files)))
        status, _, body = Browser(self.pod).get("/u/admin")
        self.assertNotIn(b"semi;colon", body)
        self.assertIn(b"/assets/user/default.png", body)
        self.assertEqual(Browser(self.pod).get("/assets/user/default.png")[0], 200)


class Discovery(unittest.TestCase):
    """The documents other pods read, compared with the reference vectors."""

    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        add_user(cls.pod.data, "alice", PASSWORD, admin=True)
        cls.pod.start()
        cls.host = "localhost:%d" % cls.pod.https_port
        b = Browser(cls.pod)
        status, _, body = b.get("/.well-known/webfinger?resource=acct:alice@" + cls.host)
        assert status == 200, (status, body)
        cls.jrd = json.loads(body)
        cls.guid = cls.jrd["aliases"][0].rsplit("/", 1)[1]
        # The key is made in the background: wait for the hCard.
        deadline = time.monotonic() + 300
        while True:
            status, headers, body = b.get("/hcard/users/" + cls.guid)
            if status == 200:
                cls.hcard = body.decode()
                break
            assert status == 503 and "retry-after" in headers, status
            assert time.monotonic() < deadline, "no key after 300 s"
            time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        rc = cls.pod.stop()
        cls.pod.cleanup()
        assert rc == 0

    def test_webfinger_matches_the_reference_shape(self):
        with open(os.path.join(VECTORS, "discovery", "webfinger.gem.json")) as f:
            ref = json.load(f)
        jrd = self.jrd
        self.assertEqual(jrd["subject"], "acct:alice@" + self.host)
        self.assertEqual(list(jrd), list(ref))
        self.assertEqual([(l["rel"], l.get("type")) for l in jrd["links"]],
                         [(l["rel"], l.get("type")) for l in ref["links"]])
        links = {l["rel"]: l for l in jrd["links"]}
        base = "https://%s/" % self.host
        self.assertEqual(links["http://microformats.org/profile/hcard"]["href"],
                         base + "hcard/users/" + self.guid)
        self.assertEqual(links["http://joindiaspora.com/seed_location"]["href"], base)

    def test_webfinger_http_details(self):
        b = Browser(self.pod)
        status, headers, _ = b.get("/.well-known/webfinger?resource=%20ACCT:Alice@" + self.host)
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/jrd+json"))
        self.assertEqual(headers["access-control-allow-origin"], "*")
        for q, want in (("", 400), ("?resource=", 400), ("?resource=acct:", 400),
                        ("?resource=acct:alice", 400), ("?resource=acct:a@b@c", 400),
                        ("?resource=acct:" + "a" * 300 + "@" + self.host, 400),
                        ("?resource=acct:bob@" + self.host, 404),
                        ("?resource=acct:alice@elsewhere.example", 404)):
            status, headers, body = b.get("/.well-known/webfinger" + q)
            self.assertEqual(status, want, q)
            self.assertEqual(json.loads(body)["error"]["status"], want)

    def test_hcard_fields_like_the_reference(self):
        with open(os.path.join(VECTORS, "discovery", "hcard.gem.html")) as f:
            ref = parse_hcard(f.read())
        ours = parse_hcard(self.hcard)
        for cls in ("uid", "nickname", "fn", "given_name", "family_name", "key", "searchable"):
            self.assertIn(cls, ours.text, cls)
        self.assertEqual(set(ours.photos), set(ref.photos))
        self.assertEqual(ours.text["uid"], self.guid)
        self.assertEqual(ours.text["nickname"], "alice")
        self.assertEqual(ours.text["searchable"], "true")
        key = ours.text["key"].strip()
        self.assertTrue(key.startswith("-----BEGIN PUBLIC KEY-----"))
        self.assertTrue(key.endswith("-----END PUBLIC KEY-----"))
        for c in ("entity_photo", "entity_photo_medium", "entity_photo_small"):
            self.assertTrue(ours.photos[c].startswith("https://%s/" % self.host), c)
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
            f.write(key + "\n")
            f.flush()
            out = subprocess.run(["openssl", "pkey", "-pubin", "-in", f.name, "-noout", "-text"],
                                 capture_output=True, text=True, check=True).stdout
        self.assertRegex(out, r"Public-Key: \((4096|2048|3072|8192) bit\)")
        self.assertEqual(Browser(self.pod).get("/hcard/users/" + "0" * 32)[0], 404)
        self.assertEqual(Browser(self.pod).get("/hcard/users/not!a!guid")[0], 404)

    def test_profile_page_by_guid_and_name(self):
        b = Browser(self.pod)
        self.assertEqual(b.get("/people/" + self.guid)[0], 200)
        self.assertEqual(b.get("/u/alice")[0], 200)

    def test_host_meta(self):
        status, headers, body = Browser(self.pod).get("/.well-known/host-meta")
        self.assertEqual(status, 200)
        self.assertIn(b'rel="lrdd"', body)
        self.assertIn(("https://%s/.well-known/webfinger?resource={uri}" % self.host).encode(),
                      body)

    def test_nodeinfo_validates_against_the_schemas(self):
        b = Browser(self.pod)
        status, _, body = b.get("/.well-known/nodeinfo")
        self.assertEqual(status, 200)
        links = json.loads(body)["links"]
        self.assertEqual([l["rel"].rsplit("/", 1)[1] for l in links], ["2.0", "2.1"])
        for version in ("2.0", "2.1"):
            status, headers, body = b.get("/nodeinfo/" + version)
            self.assertEqual(status, 200)
            self.assertIn(version, headers["content-type"])
            doc = json.loads(body)
            self.assertEqual(doc["protocols"], ["diaspora"])
            self.assertEqual(doc["usage"]["users"]["total"], 1)
            self.assertFalse(doc["openRegistrations"])
            with tempfile.NamedTemporaryFile("wb", suffix=".json") as f:
                f.write(body)
                f.flush()
                schema = os.path.join(VECTORS, "discovery", "schemas",
                                      "nodeinfo-%s.schema.json" % version)
                r = subprocess.run(["/usr/bin/python3", os.path.join(HERE,
                                    "check_nodeinfo_schema.py"), schema, f.name],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(b.get("/nodeinfo/1.0")[0], 404)

    def test_the_schema_check_itself(self):
        """The vectors' example documents pass the check, and one with a
        software name diaspora*'s schema forbids does not: the check above
        can fail."""
        for version in ("2.0", "2.1"):
            schema = os.path.join(VECTORS, "discovery", "schemas",
                                  "nodeinfo-%s.schema.json" % version)
            example = os.path.join(VECTORS, "discovery", "nodeinfo-%s.example.json" % version)
            with open(example, "rb") as f:
                doc = json.load(f)
            doc["software"]["name"] = "Not Allowed!"
            with tempfile.NamedTemporaryFile("w", suffix=".json") as bad:
                json.dump(doc, bad)
                bad.flush()
                for path, code in ((example, 0), (bad.name, 1)):
                    r = subprocess.run(["/usr/bin/python3", os.path.join(
                        HERE, "check_nodeinfo_schema.py"), schema, path],
                        capture_output=True, text=True)
                    self.assertEqual(r.returncode, code, (path, r.stdout + r.stderr))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
