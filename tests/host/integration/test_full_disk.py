"""Integration: a full data partition and a full database (issue 8, faults).

Full disk: the data directory lives on a small tmpfs (root only: mount; the
test is skipped with a message otherwise). Posts fill it until the free
space drops below the reserve (CONFIG_POD_STORAGE_RESERVE_MB,
drivers/storage): new writes are then refused with 507 and a message, the
log says why, and pages, JSON and sign-in keep working. With the partition
filled to the last byte by someone else, the pod still serves reads and
answers writes with clear errors. Once space is freed writes are accepted
again; after a restart everything acknowledged is there and mdb_stat reads
the environment clean.

Full map: with a tiny LMDB map (--map-mb) writes end with 507 and a log
line (MDB_MAP_FULL), reads go on, the pod starts again with the same map,
and after a restart with a bigger map everything acknowledged is there and
writes work again.
"""
import argparse
import errno
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fedkit  # noqa: E402
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"
WORDS = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed",
         "do", "eiusmod", "tempor", "incididunt", "labore", "magna", "aliqua")


def kconfig(name, default):
    """A value from the build's Kconfig (next to the binary), or default."""
    path = os.path.join(os.path.dirname(os.path.abspath(podlib.BINARY)), "config", ".config")
    try:
        with open(path) as f:
            m = re.search(r"^%s=(\d+)$" % name, f.read(), re.M)
        return int(m.group(1)) if m else default
    except OSError:
        return default


def big_text(rng, tag, size=60000):
    words = [tag]
    n = len(tag)
    while n < size:
        w = rng.choice(WORDS)
        words.append(w)
        n += len(w) + 1
    return " ".join(words)[:size]


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


class Writer:
    """alice, signed in, posting big public posts through the JSON API."""

    def __init__(self, pod, rng):
        self.b = Browser(pod)
        self.rng = rng
        self.posts = []  # (guid, text) answered 201
        self.photos = []  # ids answered 200
        self.n = 0

    def sign_in(self):
        status = self.b.sign_in("alice", PASSWORD)[0]
        self.b.token = self.b.csrf("/stream")
        return status

    def post(self, size=60000):
        self.n += 1
        text = big_text(self.rng, "post%d" % self.n, size)
        status, _, body = self.b.request(
            "POST", "/status_messages",
            json.dumps({"aspect_ids": "public", "status_message": {"text": text}}).encode(),
            {"Content-Type": "application/json", "Accept": "application/json",
             "X-CSRF-Token": self.b.token})
        if status == 201:
            self.posts.append((json.loads(body)["guid"], text))
        return status, body

    def photo(self, png):
        status, _, body = self.b.post_multipart("/photos", {"photo[pending]": "true"},
                                                {"file": ("p.png", "image/png", png)},
                                                token=self.b.token)
        if status == 200:
            self.photos.append(json.loads(body)["data"]["photo"]["id"])
        return status, body

    def fill(self, test, limit=400):
        """Posts until a refusal; returns its (status, body)."""
        for _ in range(limit):
            status, body = self.post()
            if status != 201:
                return status, body
        test.fail("%d posts and no refusal" % limit)

    def check_all(self, test, pod):
        b = Browser(pod)
        test.assertEqual(b.sign_in("alice", PASSWORD)[0], 302, pod.output()[-2000:])
        for guid, text in self.posts:
            status, _, body = b.get("/posts/%s.json" % guid)
            test.assertEqual(status, 200, "post %s lost" % guid)
            test.assertEqual(json.loads(body)["text"], text)
        for pid in self.photos:
            status, _, body = b.get("/photos/%d.json" % pid)
            test.assertEqual(status, 200, "photo %d lost" % pid)
            for url in json.loads(body)["sizes"].values():
                test.assertEqual(b.get(urllib.parse.urlsplit(url).path)[0], 200, url)

    def check_reads(self, test):
        """Pages and JSON while nothing can be written."""
        for path, accept in (("/stream", "text/html"), ("/public.json", "application/json"),
                             ("/health", "application/json"),
                             ("/posts/%s" % self.posts[-1][0], "text/html"),
                             ("/posts/%s.json" % self.posts[0][0], "application/json")):
            status, _, body = self.b.get(path, {"Accept": accept})
            test.assertEqual(status, 200, (path, body[:300]))


def refused(test, status, body):
    test.assertEqual(status, 507, body[:300])
    test.assertRegex(body.decode("utf-8", "replace"), r"storage is (nearly )?full")


class FullDisk(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to mount a small tmpfs (run as root, as CI does)")
        self.reserve = kconfig("CONFIG_POD_STORAGE_RESERVE_MB", 32) << 20
        self.mnt = tempfile.mkdtemp(prefix="plugpod-full-")
        size_mb = (self.reserve >> 20) + 24
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % size_mb, "tmpfs",
                            self.mnt], capture_output=True, text=True)
        if p.returncode != 0:
            os.rmdir(self.mnt)
            self.skipTest("cannot mount a tmpfs here: %s" % p.stderr.strip())
        self.pod = None

    def tearDown(self):
        try:
            if self.pod:
                if self.pod.proc and self.pod.proc.poll() is None:
                    self.pod.proc.kill()
                    self.pod.proc.wait()
                self.pod.cleanup()
        finally:
            if subprocess.run(["umount", self.mnt]).returncode != 0:
                subprocess.run(["umount", "-l", self.mnt], check=False)
            os.rmdir(self.mnt)

    def filler(self, leave):
        """Writes mnt/filler* until only leave bytes are free (or the disk
        is full with leave 0)."""
        chunk = b"\0" * (1 << 20)
        i = len([n for n in os.listdir(self.mnt) if n.startswith("filler")])
        with open(os.path.join(self.mnt, "filler%d" % i), "wb") as f:
            try:
                while True:
                    room = free_bytes(self.mnt) - leave
                    if room <= 0:
                        break
                    f.write(chunk[:min(room, len(chunk))])
                    f.flush()
            except OSError as e:
                self.assertEqual(e.errno, errno.ENOSPC)

    def unfill(self):
        for n in os.listdir(self.mnt):
            if n.startswith("filler"):
                os.unlink(os.path.join(self.mnt, n))
        time.sleep(1.2)  # the next storage check sees the space

    def test_full_disk(self):
        data = os.path.join(self.mnt, "data")
        self.pod = Pod(data_dir=data, extra_args=["--dev"])
        add_user(data, "alice", PASSWORD)
        self.pod.start()
        podlib.wait_for_keys(self.pod, ["alice"])
        w = Writer(self.pod, random.Random(8))
        self.assertEqual(w.sign_in(), 302)
        self.assertEqual(w.post()[0], 201)

        # Someone else leaves 3 MB above the reserve: posts fill it.
        self.filler(self.reserve + (3 << 20))
        time.sleep(1.2)  # the storage check is cached for a second
        status, body = w.fill(self)
        refused(self, status, body)
        self.assertGreater(len(w.posts), 1)
        self.assertRegex(self.pod.output(), r"storage: only \d+ MB of \d+ MB free .*new writes "
                                            r"refused")
        # Everything that adds data is refused the same way; reads go on.
        status, _, body = w.b.post_multipart("/photos", {"photo[pending]": "true"},
                                             {"file": ("p.jpg", "image/jpeg", b"\xff\xd8\xff")},
                                             token=w.b.token)
        refused(self, status, body)
        status, _, body = self.pod.https("POST", "/receive/public", body=b"<x/>",
                                         headers={"Content-Type":
                                                  "application/magic-envelope+xml"})[:3]
        self.assertEqual(status, 507, body)
        w.check_reads(self)
        self.assertEqual(Writer(self.pod, w.rng).sign_in(), 302)

        # The partition full to the last byte: reads still served, writes
        # refused with a clear status (never a crash or a hang).
        self.filler(0)
        w.check_reads(self)
        status, body = w.post()
        refused(self, status, body)
        other = Writer(self.pod, w.rng)
        status = other.b.sign_in("alice", PASSWORD)[0]
        self.assertIn(status, (302, 503, 507))
        self.assertIsNone(self.pod.proc.poll(), self.pod.output()[-3000:])
        sys.stderr.write("\n  sign-in on a full partition: %d\n" % status)

        # Space freed: writes are accepted again.
        self.unfill()
        status, body = w.post(1000)
        self.assertEqual(status, 201, body[:300])
        self.assertRegex(self.pod.output(), r"storage: \d+ MB free .* again")

        # The partition fills up between two storage checks (a second
        # apart): the writes that get past the check meet ENOSPC in LMDB
        # and are refused all the same.
        self.filler(0)
        status, body = w.fill(self)
        refused(self, status, body)
        enospc = "no space left on the data partition" in self.pod.output()
        self.assertIsNone(self.pod.proc.poll(), self.pod.output()[-3000:])
        w.check_reads(self)
        self.unfill()
        status, body = w.post(1000)
        self.assertEqual(status, 201, body[:300])

        # Photos the same way: their files meet ENOSPC outside LMDB.
        pngs = [fedkit.noise_png(w.rng, 256, 256) for _ in range(12)]  # all different: no sharing
        self.assertEqual(w.photo(pngs[0])[0], 200)
        self.filler(0)
        for png in pngs[1:-1]:
            status, body = w.photo(png)
            if status != 200:
                break
        refused(self, status, body)
        complete_photo_sets(self, data)
        self.unfill()
        self.assertEqual(w.photo(pngs[-1])[0], 200)
        complete_photo_sets(self, data)

        self.assertNotRegex(self.pod.output(), r"answered 500")
        self.assertEqual(self.pod.stop(), 0, self.pod.output()[-3000:])
        fedkit.check_db_clean(self, data)

        # A pod stopped on a full partition starts again and serves reads.
        self.filler(0)
        os.unlink(self.pod.log_path)
        self.pod.start()
        # Said at start, before any write is refused.
        self.assertRegex(self.pod.output(), r"storage: only \d+ MB of \d+ MB free .*new writes "
                                            r"refused")
        w.check_all(self, self.pod)
        self.assertEqual(self.pod.stop(), 0, self.pod.output()[-3000:])
        fedkit.check_db_clean(self, data)
        self.unfill()
        os.unlink(self.pod.log_path)
        self.pod.start()
        w.check_all(self, self.pod)
        print("\n  %d posts acknowledged on a %d MB tmpfs, none lost; LMDB met ENOSPC: %s" %
              (len(w.posts), (self.reserve >> 20) + 24, enospc), file=sys.stderr)


def complete_photo_sets(test, data):
    """Every picture in media/photos has all its sizes (HASH-SIZE.jpg): one
    refused half-way by a full disk leaves nothing behind, and no
    temporary file stays."""
    d = os.path.join(data, "media", "photos")
    sets = {}
    for name in os.listdir(d):
        test.assertRegex(name, r"^[0-9a-f]{64}-[a-z_]+\.jpg$", "stray file in media/photos")
        h, size = name[:-4].split("-", 1)
        sets.setdefault(h, set()).add(size)
    sizes = set().union(*sets.values()) if sets else set()
    for h, have in sets.items():
        test.assertEqual(have, sizes, "incomplete set of sizes for photo %s" % h)


class MapFull(unittest.TestCase):
    def setUp(self):
        self.pod = None

    def tearDown(self):
        if self.pod:
            if self.pod.proc and self.pod.proc.poll() is None:
                self.pod.proc.kill()
                self.pod.proc.wait()
            self.pod.own_dir = True
            self.pod.cleanup()

    def restart(self, map_mb):
        data, https, http = self.pod.data, self.pod.https_port, self.pod.http_port
        os.unlink(self.pod.log_path)
        self.pod = Pod(data_dir=data, extra_args=["--dev", "--map-mb", str(map_mb)],
                       https_port=https, http_port=http)
        self.pod.start()

    def test_map_full(self):
        # The map size from the configuration file first (map_mb), then
        # from the command line (--map-mb).
        fd, conf = tempfile.mkstemp(suffix=".conf")
        with os.fdopen(fd, "w") as f:
            f.write("map_mb = 2\n")
        self.addCleanup(os.unlink, conf)
        self.pod = Pod(extra_args=["--dev", "--config", conf])
        add_user(self.pod.data, "alice", PASSWORD)
        self.pod.start()
        podlib.wait_for_keys(self.pod, ["alice"])
        w = Writer(self.pod, random.Random(9))
        self.assertEqual(w.sign_in(), 302)
        status, body = w.fill(self)
        refused(self, status, body)
        self.assertGreater(len(w.posts), 1)
        self.assertIn("the database is full (LMDB map size reached", self.pod.output())
        w.check_reads(self)
        # Deliveries too: a few small ones may still fit in freed pages.
        for _ in range(50):
            status, _, body = self.pod.https("POST", "/receive/public", body=b"<x/>" * 50000,
                                             headers={"Content-Type":
                                                      "application/magic-envelope+xml"})[:3]
            if status != 202:
                break
        self.assertEqual(status, 507, body)
        self.assertIn(b"could not be stored", body)

        # A restart with the same full map: the pod starts and serves reads.
        self.assertNotRegex(self.pod.output(), r"answered 500")
        self.assertEqual(self.pod.stop(), 0, self.pod.output()[-3000:])
        fedkit.check_db_clean(self, self.pod.data)
        self.restart(2)
        w.check_all(self, self.pod)

        # A bigger map: everything is there and writes work again.
        self.assertEqual(self.pod.stop(), 0, self.pod.output()[-3000:])
        self.restart(64)
        w.check_all(self, self.pod)
        w.b = Browser(self.pod)
        self.assertEqual(w.sign_in(), 302)
        status, body = w.post()
        self.assertEqual(status, 201, body[:300])
        self.assertEqual(self.pod.stop(), 0)
        fedkit.check_db_clean(self, self.pod.data)
        print("\n  %d posts acknowledged in a 2 MB map, none lost" % len(w.posts),
              file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
