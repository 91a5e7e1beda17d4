"""Integration: crashes lose nothing that was acknowledged (issue 8, faults).

Kill -9 under a write load: three client threads (sessions of their own)
sign in to pod B as bob and post through the JSON endpoint, one uploads
photos, and another delivers signed public posts of alice (hosted on pod
A) to B's /receive/public. At a random
moment (seeded: CRASH_SEED) B is killed with SIGKILL, a handful of rounds.
After each kill the database opens clean (mdb_stat -a, mdb_dump -a on the
files the dead process left), and after the restart every post B answered
201 for is there, read by its author, every photo answered 200 is there
with all its files, and every delivery B answered 202 for is either still
in the inbox queue or applied; none is applied twice.

Stale readers: a process that holds the environment open while another
one, killed during a read transaction, leaves its reader slot behind; the
pod clears that slot when it opens the store and says so, and writes go on.
"""
import argparse
import ctypes.util
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fedkit  # noqa: E402
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user  # noqa: E402

PASSWORD = "correct horse battery"
ROUNDS = 5
SEED = int(os.environ.get("CRASH_SEED", "8"))
# The helper that holds a reader slot (python ctypes against liblmdb).
READER = r"""
import ctypes, sys, time
lib = ctypes.CDLL(sys.argv[1])
env = ctypes.c_void_p()
txn = ctypes.c_void_p()
assert lib.mdb_env_create(ctypes.byref(env)) == 0
assert lib.mdb_env_set_maxdbs(env, 64) == 0
MDB_RDONLY, MDB_NOTLS = 0x20000, 0x200000
rc = lib.mdb_env_open(env, sys.argv[2].encode(), MDB_RDONLY | MDB_NOTLS, 0o600)
assert rc == 0, rc
if sys.argv[3] == "txn":
    assert lib.mdb_txn_begin(env, None, MDB_RDONLY, ctypes.byref(txn)) == 0
print("ready", flush=True)
time.sleep(600)
"""


CLIENT_ERRORS = (OSError, http.client.HTTPException)


class KillNine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pods = []
        cls.key = None
        try:
            cls.a = Pod(extra_args=["--dev"])
            cls.pods.append(cls.a)
            add_user(cls.a.data, "alice", PASSWORD)
            cls.a.start()
            cls.b = Pod(extra_args=["--dev", "--allow-net", "127.0.0.0/8", "--ca-bundle",
                                    cls.a.cert_path()])
            cls.pods.append(cls.b)
            add_user(cls.b.data, "bob", PASSWORD)  # one key to make: the test stays short
            cls.b.start()
            podlib.wait_for_keys(cls.a, ["alice"])
            podlib.wait_for_keys(cls.b, ["bob"])
            cls.alice_id = "alice@localhost:%d" % cls.a.https_port
            cls.key = fedkit.store_private_key(cls.a.data)
        except BaseException:
            cls.stop_all()
            raise

    @classmethod
    def stop_all(cls):
        for pod in cls.pods:
            if pod.proc and pod.proc.poll() is None:
                pod.stop()
            pod.cleanup()

    @classmethod
    def tearDownClass(cls):
        cls.stop_all()

    def payload(self, guid, text):
        return ("<status_message>\n  <author>%s</author>\n  <guid>%s</guid>\n"
                "  <created_at>2024-01-02T03:04:05Z</created_at>\n  <public>true</public>\n"
                "  <text>%s</text>\n</status_message>" % (self.alice_id, guid, text)).encode()

    def signed_in(self, user):
        b = Browser(self.b)
        status = b.sign_in(user, PASSWORD)[0]
        self.assertEqual(status, 302, "%s cannot sign in:\n%s" % (user, self.b.output()[-3000:]))
        b.token = b.csrf("/stream")
        return b

    def restart_b(self, logs):
        """B again on its ports, after keeping the log of the dead one."""
        logs.append(self.b.output())
        self.b.log.close()
        check = getattr(self.b, "check_sanitizer", None)  # under tools/pod test --sanitize
        if check:
            check()
        os.unlink(self.b.log_path)
        self.b.log_path = None
        self.b.start()

    def check_posts(self, posts, rnd):
        readers = {"bob": self.signed_in("bob")}
        for user, guid, text in posts:
            status, _, body = readers[user].get("/posts/%s.json" % guid)
            self.assertEqual(status, 200, "round %d: %s's post %s lost" % (rnd, user, guid))
            self.assertEqual(json.loads(body)["text"], text)

    def test_kill9_during_writes(self):
        rng = random.Random(SEED)
        posts = []      # (user, guid, text) answered 201
        photos = []     # bob's photo ids answered 200
        checked = 0     # posts[:checked] were read back after a crash
        checked_photos = 0
        in_queue = 0    # deliveries found in the queue after a crash
        delivered = {}  # guid -> envelope answered 202
        unexpected = []
        logs = []
        lock = threading.Lock()

        def uploader(b, pngs, stop):
            for png in pngs:
                if stop.is_set():
                    return
                try:
                    status, _, body = b.post_multipart("/photos", {"photo[pending]": "true"},
                                                       {"file": ("p.png", "image/png", png)},
                                                       token=b.token)
                except CLIENT_ERRORS:
                    return
                with lock:
                    if status == 200:
                        photos.append(json.loads(body)["data"]["photo"]["id"])
                    else:
                        unexpected.append(("photo", status, body[:200]))

        def poster(b, user, tag, stop):
            n = 0
            while not stop.is_set() and n < 100:
                text = "crash %s #%d" % (tag, n)
                n += 1
                try:
                    status, _, body = b.request(
                        "POST", "/status_messages",
                        json.dumps({"aspect_ids": "public",
                                    "status_message": {"text": text}}).encode(),
                        {"Content-Type": "application/json", "Accept": "application/json",
                         "X-CSRF-Token": b.token})
                except CLIENT_ERRORS:
                    return  # the pod is gone
                with lock:
                    if status == 201:
                        posts.append((user, json.loads(body)["guid"], text))
                    else:
                        unexpected.append(("post", status, body[:200]))

        def deliverer(bodies, stop):
            for guid, body in bodies:
                if stop.is_set():
                    return
                try:
                    status = self.b.https("POST", "/receive/public", body=body,
                                          headers={"Content-Type":
                                                   "application/magic-envelope+xml"})[0]
                except CLIENT_ERRORS:
                    return
                with lock:
                    if status == 202:
                        delivered[guid] = body
                    else:
                        unexpected.append(("receive", status, guid))
                time.sleep(0.05)  # spread over the round, so that kills meet them

        for rnd in range(ROUNDS):
            bodies = []
            for i in range(20):
                guid = uuid.UUID(int=rng.getrandbits(128)).hex
                bodies.append((guid, fedkit.magic_envelope(self.payload(guid, "round %d #%d" % (rnd, i)),
                                              self.alice_id, self.key)))
            browsers = [("bob", self.signed_in("bob")) for _ in range(3)]
            stop = threading.Event()
            threads = [threading.Thread(target=poster, args=(b, u, "r%d t%d" % (rnd, i), stop))
                       for i, (u, b) in enumerate(browsers)]
            threads.append(threading.Thread(target=deliverer, args=(bodies, stop)))
            pngs = [fedkit.noise_png(rng) for _ in range(40)]
            threads.append(threading.Thread(target=uploader,
                                            args=(self.signed_in("bob"), pngs, stop)))
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 2.0))
            self.b.proc.send_signal(signal.SIGKILL)
            self.b.proc.wait(timeout=30)
            stop.set()
            for t in threads:
                t.join(timeout=60)
                self.assertFalse(t.is_alive(), "a client thread hangs")
            # What the dead process left is a clean environment.
            fedkit.check_db_clean(self, self.b.data)
            queued = set(fedkit.inbox_bodies(self.b.data))
            in_queue += len([b for b in delivered.values() if b in queued])
            self.restart_b(logs)
            # Every post answered 201 is there for its author (this round's
            # now, all of them after the last round); the same for photos.
            last = rnd == ROUNDS - 1
            self.check_posts(posts if last else posts[checked:], rnd)
            # Every photo answered 200 is there with all its files.
            bob = self.signed_in("bob")
            for pid in photos if last else photos[checked_photos:]:
                status, _, body = bob.get("/photos/%d.json" % pid)
                self.assertEqual(status, 200, "round %d: photo %d lost" % (rnd, pid))
                for url in json.loads(body)["sizes"].values():
                    self.assertEqual(bob.get(urllib.parse.urlsplit(url).path)[0], 200, url)
            checked, checked_photos = len(posts), len(photos)
            # Every delivery answered 202 was queued durably or applied.
            anon = Browser(self.b)
            for guid, body in delivered.items():
                if body in queued:
                    continue
                self.assertEqual(anon.get("/posts/%s.json" % guid)[0], 200,
                                 "round %d: delivery of %s lost" % (rnd, guid))
        self.assertEqual(unexpected, [])
        self.assertGreater(len(posts), 0)
        self.assertGreater(len(delivered), 0)
        self.assertGreater(len(photos), 0)

        # The queue drains: every delivery ends up applied, exactly once.
        anon = Browser(self.b)
        pending = set(delivered)
        deadline = time.monotonic() + 90
        while pending and time.monotonic() < deadline:
            pending = {g for g in pending if anon.get("/posts/%s.json" % g)[0] != 200}
            if pending:
                time.sleep(0.5)
        self.assertEqual(pending, set(), self.b.output()[-3000:])
        self.assertEqual(queued_bodies_live(self.b), [])
        all_logs = "".join(logs) + self.b.output()
        for guid in delivered:
            n = len(re.findall(r"delivery #\d+ applied: status_message %s" % guid, all_logs))
            self.assertLessEqual(n, 1, "delivery of %s applied %d times" % (guid, n))
        print("\n  %d rounds (seed %d): %d posts, %d photos and %d deliveries acknowledged "
              "(%d found queued after a kill), none lost" %
              (ROUNDS, SEED, len(posts), len(photos), len(delivered), in_queue), file=sys.stderr)
        self.assertEqual(self.b.stop(), 0)
        fedkit.check_db_clean(self, self.b.data)


def queued_bodies_live(pod):
    """The inbox of a running pod (mdb_dump reads alongside it)."""
    return fedkit.inbox_bodies(pod.data)


class StaleReader(unittest.TestCase):
    def setUp(self):
        self.procs = []
        self.pod = Pod(extra_args=["--dev"])

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stdout.close()
            p.stderr.close()
        if self.pod.proc and self.pod.proc.poll() is None:
            self.pod.stop()
        self.pod.cleanup()

    def helper(self, mode):
        lib = ctypes.util.find_library("lmdb") or "liblmdb.so.0"
        p = subprocess.Popen([sys.executable, "-c", READER, lib, self.pod.data, mode],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        self.assertEqual(line.strip(), "ready", p.stderr.read() if p.poll() is not None else "")
        return p

    def readers(self):
        p = subprocess.run(["mdb_stat", "-r", self.pod.data], capture_output=True, text=True,
                           timeout=30)
        # Debian's mdb_stat -r exits 1 even when it lists the table.
        self.assertIn("Reader Table Status", p.stdout, p.stderr)
        return [int(l.split()[0]) for l in p.stdout.splitlines()
                if re.match(r"^\s*\d+\s+[0-9a-f]+\s+(\d+|-)\s*$", l)]

    def test_stale_reader_cleared_at_start(self):
        self.pod.start()
        self.assertEqual(self.pod.stop(), 0)
        # Another process keeps the environment open (a backup, an
        # administrator's mdb_stat): LMDB then keeps the reader table
        # across opens. A reader in a read transaction dies with SIGKILL.
        self.helper("open")
        dead = self.helper("txn")
        self.assertIn(dead.pid, self.readers())
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
        self.assertIn(dead.pid, self.readers())
        os.unlink(self.pod.log_path)
        self.pod.start()
        deadline = time.monotonic() + 30
        while "cleared 1 stale reader slot" not in self.pod.output():
            self.assertLess(time.monotonic(), deadline, self.pod.output()[-3000:])
            time.sleep(0.1)
        self.assertNotIn(dead.pid, self.readers())
        # Writes go on: deliveries are queued (and space behind them freed).
        body = b"<not-an-envelope/>"
        for _ in range(20):
            status = self.pod.https("POST", "/receive/public", body=body,
                                    headers={"Content-Type": "application/magic-envelope+xml"})[0]
            self.assertEqual(status, 202)
        self.assertEqual(self.pod.stop(), 0)
        self.assertNotIn(dead.pid, self.readers())
        fedkit.check_db_clean(self, self.pod.data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
