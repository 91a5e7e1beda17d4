"""Integration: "Download my data" (GET and POST /user/export) and account
deletion taking the user's posts with it, against a real --dev pod.
"""
import argparse
import io
import json
import os
import struct
import sys
import tarfile
import time
import unittest
import urllib.parse
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

USERS = ("alice", "bob")
PHOTO_SIZES = ("thumb_small", "thumb_medium", "thumb_large", "scaled_full", "raw")
PASSWORD = "correct horse battery"


def small_png(w=120, h=80):
    """A w x h RGB PNG, one colour."""
    row = b"\x00" + b"\x30\x90\xe0" * w

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(row * h)) + chunk(b"IEND", b"")


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev"])
        add_user(cls.pod.data, "alice", PASSWORD)
        add_user(cls.pod.data, "bob", PASSWORD)
        cls.pod.start()
        podlib.wait_for_keys(cls.pod, USERS)

    @classmethod
    def tearDownClass(cls):
        rc = cls.pod.stop()
        cls.pod.cleanup()
        assert rc == 0, rc

    def browser(self, name):
        b = Browser(self.pod)
        self.assertEqual(b.sign_in(name, PASSWORD)[0], 302)
        return b

    def status_message(self, b, text):
        token = b.csrf("/stream")
        status, _, body = b.request(
            "POST", "/status_messages",
            json.dumps({"status_message": {"text": text}, "aspect_ids": "public"}).encode(),
            {"Content-Type": "application/json", "Accept": "application/json",
             "X-CSRF-Token": token})
        self.assertIn(status, (200, 201), body)
        return json.loads(body)["guid"]

    def wait_for_key(self, b, guid):
        deadline = time.monotonic() + 300
        while True:
            status, _, _ = b.get("/hcard/users/" + guid)
            if status == 200:
                return
            self.assertEqual(status, 503)
            self.assertLess(time.monotonic(), deadline, "no key after 300 s")
            time.sleep(0.5)

    def export(self, b):
        status, headers, body = b.get("/user/export")
        self.assertEqual(status, 200, body[:200])
        self.assertTrue(headers["content-type"].startswith("application/json"))
        return headers, json.loads(body)

    def test_1_export(self):
        self.assertEqual(Browser(self.pod).get("/user/export")[0], 302)
        b = self.browser("alice")
        self.assertIn(b'href="/user/export"', b.get("/user/edit")[2])
        guid = self.status_message(b, "exported words #exporting")
        headers, doc = self.export(b)
        self.assertIn('attachment; filename="plugpod-export-alice.json"',
                      headers["content-disposition"])
        self.assertEqual(doc["version"], 1)
        user = doc["user"]
        self.assertEqual(user["username"], "alice")
        self.assertTrue(user["diaspora_id"].startswith("alice@"))
        self.assertIn("first_name", user["profile"])
        self.assertNotIn("private_key", user)
        self.assertIn(guid, [p["guid"] for p in doc["posts"]])
        self.assertIn("exported words #exporting", [p["text"] for p in doc["posts"]])
        for k in ("aspects", "contacts", "comments", "likes", "followed_tags", "blocks"):
            self.assertIsInstance(doc[k], list)

    def test_1b_archive(self):
        self.assertEqual(Browser(self.pod).get("/user/export?format=tar")[0], 302)
        b = self.browser("alice")
        token = b.csrf("/stream")
        status, _, body = b.post_multipart("/photos", {"photo[pending]": "true"},
                                           {"file": ("p.png", "image/png", small_png())},
                                           token=token)
        self.assertEqual(status, 200, body)
        photo = json.loads(body)["data"]["photo"]
        status, _, body = b.request(
            "POST", "/status_messages",
            json.dumps({"aspect_ids": "public", "status_message": {"text": "with a picture"},
                        "photos": [photo["id"]]}).encode(),
            {"Content-Type": "application/json", "Accept": "application/json",
             "X-CSRF-Token": token})
        self.assertEqual(status, 201, body)
        post_guid = json.loads(body)["guid"]

        status, headers, body = b.get("/user/export?format=tar")
        self.assertEqual(status, 200, body[:200])
        self.assertEqual(headers["content-type"], "application/x-tar")
        self.assertIn('attachment; filename="plugpod-export-alice.tar"',
                      headers["content-disposition"])
        self.assertEqual(len(body) % 512, 0)
        self.assertEqual(body[257:265], b"ustar\x0000")
        self.assertEqual(body[-1024:], bytes(1024))
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:") as tar:
            names = tar.getnames()
            self.assertEqual(names[0], "export.json")
            doc = json.loads(tar.extractfile("export.json").read())
            self.assertEqual(doc["user"]["username"], "alice")
            self.assertNotIn("private_key", doc["user"])
            post = [p for p in doc["posts"] if p["guid"] == post_guid][0]
            self.assertEqual(post["photos"], [photo["guid"]])
            for size in PHOTO_SIZES:
                name = "photos/%s-%s.jpg" % (photo["guid"], size)
                self.assertIn(name, names)
                self.assertTrue(tar.getmember(name).isfile())
                self.assertEqual(tar.getmember(name).mode, 0o644)
                data = tar.extractfile(name).read()
                self.assertEqual(data[:3], b"\xff\xd8\xff", name)
            raw = tar.extractfile("photos/%s-raw.jpg" % photo["guid"]).read()
        # The same bytes the pod serves for the photo.
        self.assertEqual(b.get(urllib.parse.urlsplit(photo["sizes"]["raw"]).path)[2], raw)
        # The JSON default is unchanged.
        self.assertTrue(b.get("/user/export?format=json")[1]["content-type"]
                        .startswith("application/json"))

    def test_2_private_key(self):
        b = self.browser("alice")
        _, doc = self.export(b)
        self.wait_for_key(b, doc["user"]["guid"])
        token = b.csrf("/user/edit")
        status, _, body = b.post("/user/export", {"user[current_password]": "wrong password"},
                                 token=token)
        self.assertEqual(status, 422)
        self.assertNotIn(b"PRIVATE KEY", body)
        status, _, body = b.post("/user/export", {"user[current_password]": PASSWORD},
                                 token=token)
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertIn("-----BEGIN RSA PRIVATE KEY-----", doc["user"]["private_key"])
        self.assertIn("PUBLIC KEY", doc["user"]["public_key"])
        # Without the CSRF token nothing is exported.
        status, _, body = b.post("/user/export", {"user[current_password]": PASSWORD})
        self.assertNotEqual(status, 200)
        self.assertNotIn(b"PRIVATE KEY", body)

    def test_3_delete(self):
        b = self.browser("bob")
        guid = self.status_message(b, "bob was here")
        other = self.browser("alice")
        status, _, _ = other.get("/posts/%s.json" % guid)
        self.assertEqual(status, 200)
        token = b.csrf("/user/edit")
        status, _, _ = b.post("/user", {"user[current_password]": PASSWORD}, token=token,
                              method_override="delete")
        self.assertEqual(status, 302)
        self.assertEqual(other.get("/posts/%s.json" % guid)[0], 404)
        self.assertEqual(Browser(self.pod).get("/u/bob")[0], 404)
        self.assertEqual(b.get("/user/export")[0], 302)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
