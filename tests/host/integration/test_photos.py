"""Integration: photos end to end (docs/web-api.md #8, #21, #22, #34).

python3-diaspy uploads a photo the legacy way (raw body, qqfile) and posts
it; the photo files are served only to those who may see the post. alice
and bob share with each other; carol is outside alice's aspect.
"""
import argparse
import http.client
import json
import os
import struct
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


def jpeg_size(data):
    """(width, height) from the first SOFn of a JPEG."""
    assert data[:3] == b"\xff\xd8\xff", data[:16]
    pos = 2
    while pos + 4 <= len(data):
        marker, seg = data[pos + 1], struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[pos + 5:pos + 9])
            return w, h
        pos += 2 + seg
    raise AssertionError("no SOF")


def with_exif(jpg):
    """jpg with an APP1 Exif segment (orientation 1) carrying a secret."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x01" \
        b"\x00\x00\x00\x00\x00\x00"
    body = b"Exif\x00\x00" + tiff + b"GPSLatitudeSECRET\x00"
    return jpg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpg[2:]


class Photos(unittest.TestCase):
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

    def browser(self, user=None):
        b = Browser(self.pod)
        if user:
            self.assertEqual(b.sign_in(user, PASSWORD)[0], 302)
            b.token = b.csrf("/stream")
        return b

    @staticmethod
    def path_of(url):
        return urllib.parse.urlsplit(url).path

    def upload(self, b, data, ctype="image/jpeg"):
        status, _, body = b.post_multipart("/photos", {"photo[pending]": "true"},
                                           {"file": ("p.jpg", ctype, data)}, token=b.token)
        return status, body

    def test_photos(self):
        # alice and bob share with each other.
        bob = self.step("alice", "search", "bob")
        alice = self.step("bob", "search", "alice@")
        friends = self.step("alice", "aspect_add", "Friends")
        self.step("alice", "aspect_adduser", friends[0]["id"], bob[0]["id"])
        family = self.step("bob", "aspect_add", "Family")
        self.step("bob", "aspect_adduser", family[0]["id"], alice[0]["id"])
        ab, bb, cb, anon = (self.browser("alice"), self.browser("bob"), self.browser("carol"),
                            self.browser())

        # A public post with a photo, through diaspy's raw upload.
        post = self.step("alice", "post_photo", "A picture", "public")
        self.assertEqual(len(post["photos"]), 1)
        seen = self.step("bob", "fetch", post["guid"])
        self.assertEqual(seen["status"], 200)
        photo = seen["data"]["photos"][0]
        self.assertEqual(photo["id"], post["photos"][0]["id"])
        self.assertEqual(photo["dimensions"], {"height": 400, "width": 800})
        self.assertEqual(photo["status_message"]["id"], post["id"])
        self.assertEqual(set(photo["sizes"]), {"small", "medium", "large", "raw"})
        self.assertTrue(photo["sizes"]["small"].startswith("https://localhost:%d/media/photos/"
                                                           % self.pod.https_port))
        status, headers, data = bb.get(self.path_of(photo["sizes"]["large"]))
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "image/jpeg")
        self.assertIn("public", headers["cache-control"])
        self.assertEqual(jpeg_size(data), (700, 350))
        status, _, data = anon.get(self.path_of(photo["sizes"]["small"]))
        self.assertEqual(status, 200)
        self.assertEqual(jpeg_size(data), (50, 50))
        status, _, data = cb.get(self.path_of(photo["sizes"]["raw"]))
        self.assertEqual((status, jpeg_size(data)), (200, (800, 400)))
        # Federated posts name the raw file; other pods (diaspora*) ask for
        # a smaller one as remote_photo_path + "thumb_medium_" + name.
        raw_path = self.path_of(photo["sizes"]["raw"])
        folder, name = raw_path.rsplit("/", 1)
        status, _, data = anon.get("%s/thumb_medium_%s" % (folder, name))
        self.assertEqual((status, jpeg_size(data)), (200, (100, 100)))
        self.assertEqual(anon.get("%s/bogus_%s" % (folder, name))[0], 404)
        status, _, body = cb.get("/photos/%d.json" % photo["id"])
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["guid"], photo["guid"])

        # A photo limited to Friends: bob sees it, carol and strangers never.
        secret = self.step("alice", "post_photo", "For friends", friends[0]["id"])
        sp = secret["photos"][0]
        # Same picture bytes, same files: visible through the public photo.
        # So check the limited one by id and by a file only it shows.
        status, _, body = bb.get("/photos/%d.json" % sp["id"])
        self.assertEqual(status, 200)
        self.assertEqual(cb.get("/photos/%d.json" % sp["id"])[0], 404)
        self.assertEqual(anon.get("/photos/%d.json" % sp["id"])[0], 404)
        self.assertEqual(self.step("carol", "fetch", secret["guid"])["status"], 404)

        # A limited photo with its own bytes: served to bob only, privately.
        raw = bb.get(self.path_of(photo["sizes"]["raw"]))[2]
        status, body = self.upload(ab, raw + b"\x00")
        self.assertEqual(status, 200, body)
        up = json.loads(body)
        self.assertTrue(up["success"])
        own = up["data"]["photo"]
        self.assertIsNone(own["status_message"]["id"])
        small = self.path_of(own["sizes"]["small"])
        # Pending: the author only.
        self.assertEqual(ab.get(small)[0], 200)
        self.assertEqual(bb.get(small)[0], 404)
        self.assertEqual(bb.get("/photos/%d.json" % own["id"])[0], 404)
        status, _, body = ab.request(
            "POST", "/status_messages",
            json.dumps({"aspect_ids": [friends[0]["id"]], "status_message": {"text": "x"},
                        "photos": [own["id"]]}).encode(),
            {"Content-Type": "application/json", "Accept": "application/json",
             "X-CSRF-Token": ab.token})
        self.assertEqual(status, 201, body)
        self.assertEqual([p["id"] for p in json.loads(body)["photos"]], [own["id"]])
        status, headers, data = bb.get(small)
        self.assertEqual(status, 200)
        self.assertIn("private", headers["cache-control"])
        self.assertEqual(jpeg_size(data), (50, 50))
        self.assertEqual(cb.get(small)[0], 404)
        self.assertEqual(anon.get(small)[0], 404)
        self.assertEqual(cb.get("/photos/%d.json" % own["id"])[0], 404)
        # A photo someone else owns cannot be posted.
        status, _, _ = cb.request(
            "POST", "/status_messages",
            json.dumps({"aspect_ids": "public", "status_message": {"text": "mine"},
                        "photos": own["id"]}).encode(),
            {"Content-Type": "application/json", "X-CSRF-Token": cb.token})
        self.assertIn(status, (403, 404, 422))

        # A person's photos: what the viewer may see.
        guid = self.step("alice", "userdata")["guid"]
        status, _, body = bb.get("//people/%s/photos.json" % guid)
        self.assertEqual(status, 200)
        ids = {p["id"] for p in json.loads(body)["photos"]}
        self.assertEqual(ids, {photo["id"], sp["id"], own["id"]})
        ids = {p["id"] for p in json.loads(cb.get("/people/%s/photos.json" % guid)[2])["photos"]}
        self.assertEqual(ids, {photo["id"]})

        # Only the author deletes; then the files are gone.
        self.assertEqual(cb.request("DELETE", "//photos/%d" % own["id"], None,
                                    {"X-CSRF-Token": cb.token})[0], 403)
        self.assertEqual(bb.request("DELETE", "/photos/%d" % photo["id"], None,
                                    {"X-CSRF-Token": bb.token})[0], 403)
        self.assertEqual(ab.request("DELETE", "//photos/%d" % own["id"], None,
                                    {"X-CSRF-Token": ab.token})[0], 204)
        self.assertEqual(ab.get(small)[0], 404)
        self.assertEqual(bb.get("/photos/%d.json" % own["id"])[0], 404)

        # EXIF is gone from every size.
        exif = with_exif(raw[:-1] if raw.endswith(b"\x00") else raw)
        self.assertIn(b"SECRET", exif)
        status, body = self.upload(ab, exif)
        self.assertEqual(status, 200, body)
        ph = json.loads(body)["data"]["photo"]
        for size in ("thumb_small", "thumb_medium", "thumb_large", "scaled_full", "raw"):
            path = self.path_of(ph["sizes"]["small"]).replace("thumb_small", size)
            status, _, data = ab.get(path)
            self.assertEqual(status, 200, size)
            self.assertNotIn(b"SECRET", data)
            self.assertNotIn(b"Exif", data)

        # Not a picture: 422, whatever the client claims.
        status, body = self.upload(ab, b"GIF89a\x10\x00\x10\x00 but not really", "image/gif")
        self.assertEqual(status, 422, body)
        status, _, body = ab.request("POST", "/photos?photo[pending]=true&qqfile=x.png",
                                     b"<html>not a picture</html>",
                                     {"Content-Type": "application/octet-stream",
                                      "X-CSRF-Token": ab.token})
        self.assertEqual(status, 422, body)

        # Too large: 413 before the body is read.
        conn = http.client.HTTPConnection("127.0.0.1", self.pod.http_port, timeout=30)
        conn.putrequest("POST", "/photos?qqfile=big.jpg")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(9 * 1024 * 1024))
        conn.putheader("Cookie", "; ".join("%s=%s" % kv for kv in ab.cookies.items()))
        conn.putheader("X-CSRF-Token", ab.token)
        conn.endheaders()
        self.assertEqual(conn.getresponse().status, 413)
        conn.close()

        # Path tricks never reach the file system.
        for bad in ("/media/photos/..%2f..%2fetc%2fpasswd", "/media/photos/%s-raw.png" % ("a" * 64),
                    "/media/photos/%s-large.jpg" % ("a" * 64), "/media/photos/x-raw.jpg"):
            self.assertEqual(ab.get(bad)[0], 404, bad)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args, rest = ap.parse_known_args()
    podlib.BINARY = os.path.abspath(args.binary)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
