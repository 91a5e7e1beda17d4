"""Integration: the pod keeps its HTTPS certificate from ACME (app/acme,
app/task/acme_task.c, the certificate swap in app/web/tls.c) against
Debian's pebble, on a test network of namespaces (netns.py):
"acme" runs pebble (pod-acme.test:14000, HTTP-01 validation on port 80),
"a" runs the pod as pod-a.test on 443/80 without --cert/--key and without
--dev (so the challenge path must be exempt from the HTTPS redirect).

test_obtain_renew_survive:
 - the pod starts self-signed, obtains a certificate: the leaf it serves
   for pod-a.test chains to pebble's root and names pod-a.test;
 - pebble issues certificates valid 30 days + RENEW_S, so renewal comes
   due RENEW_S after each issue: a new certificate (other serial) is
   served while a keep-alive TLS connection opened before the swap keeps
   answering requests (and still shows the old certificate);
 - pebble killed, then "Renew now" on the admin page: the renewal fails
   with a clear log line (and the admin page says the authority could
   not be reached), the old certificate stays served; retries follow
   (PLUGPOD_ACME_RETRY_FIRST_S shortens the first backoff); a new pebble
   (new root) comes up and a certificate under the new root is served;
 - a restart serves DATA/tls/acme.pem from the start.
test_challenge_fails_then_rate_limited:
 - host pod-nowhere.test, which pebble resolves to an address where
   nothing listens: the challenge never validates, the log and the admin
   page say so, the pod keeps serving its self-signed certificate;
 - a directory that answers 429 rateLimited with Retry-After: 3600: the
   log and the admin page say rate limited, the next attempt is in
   3600 s and no request comes before.
AcmeConfigTest (no root needed): the acme_* settings are checked by
`plugpod config set`; host "localhost" is refused with a clear line and
the pod serves on.

AcmePebbleTest needs root and pebble; skipped otherwise. Bounded: every
wait has a deadline; the whole file takes about 80 s.
"""
import argparse
import http.client
import http.server
import json
import os
import re
import shutil
import socket
import ssl
import sys
import threading
import time
import unittest

import netns
import pebblekit
import podlib

RENEW_S = 25  # a certificate is due for renewal this long after it was issued
VALIDITY_S = 30 * 86400 + RENEW_S


class AcmePod(netns.NetPod):
    """The pod in namespace name, without --cert/--key and --dev."""

    def __init__(self, net, name, host=None):
        super().__init__(net, name)
        if host:
            self.host = host
        self.env = {"PLUGPOD_ACME_RETRY_FIRST_S": "3"}

    def args(self):
        return ["ip", "netns", "exec", self.net.ns(self.name), podlib.BINARY, "serve",
                "--data", self.data, "--host", self.host, "--https-port", "443",
                "--http-port", "80", "--bind", "0.0.0.0", "--ca-bundle", self.net.ca(),
                "--allow-net", self.net.cidr(), "--log-level", "debug"]

    def start(self, wait=True):
        if self.log_path and os.path.exists(self.log_path):  # an earlier run's
            os.unlink(self.log_path)
        return super().start(wait)

    def config(self, name, value):
        code, out, err = podlib.run_cli("config", "set", name, value, "--data", self.data)
        assert code == 0, (name, value, out, err)


class PodBrowser(podlib.Browser):
    """A signed-in administrator's browser, over HTTPS to the pod's address
    (whatever certificate it serves)."""

    def _conn(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection(self.pod.address, 443, timeout=30, context=ctx)

    def admin_page(self):
        status, _, body = self.get("/admin")
        assert status == 200, (status, body[:300])
        return body.decode("utf-8", "replace")


def wait_for(what, cond, timeout, pod=None, step=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError("timed out waiting for %s%s" %
                         (what, ("; pod log:\n" + pod.output()[-6000:]) if pod else ""))


def log_lines(pod, pattern):
    return [l for l in pod.output().splitlines() if re.search(pattern, l)]


class KeptConnection:
    """One keep-alive HTTPS connection to the pod, asked again and again."""

    def __init__(self, address, sni, root_pem):
        ctx = pebblekit.verified_context(root_pem)
        sock = socket.create_connection((address, 443), timeout=10)
        self.tls = ctx.wrap_socket(sock, server_hostname=sni)
        self.conn = http.client.HTTPSConnection(sni, 443, timeout=10)
        self.conn.sock = self.tls  # already connected: never reconnects
        self.der = self.tls.getpeercert(binary_form=True)

    def get(self, path="/health"):
        self.conn.request("GET", path, headers={"Connection": "keep-alive"})
        r = self.conn.getresponse()
        body = r.read()
        assert self.conn.sock is self.tls, "the connection was replaced"
        return r.status, body

    def close(self):
        self.conn.close()


class RateLimitedDirectory:
    """An HTTPS ACME directory that refuses every POST with 429 rateLimited."""

    def __init__(self, net, host, address):
        d = net.dir
        base = "%s/%s" % (d, host)
        with open(base + ".ext", "w") as f:
            f.write("subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n" % host)
        netns.sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + host)
        netns.sh("openssl", "x509", "-req", "-in", base + ".csr", "-CA", d + "/ca.pem", "-CAkey",
                 d + "/ca.key", "-CAcreateserial", "-out", base + ".pem", "-days", "1",
                 "-extfile", base + ".ext")
        self.posts = 0
        outer = self
        port = podlib.free_port()
        url = "https://%s:%d" % (host, port)

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send(self, status, ctype, body, extra=()):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Replay-Nonce", "bm9uY2Utbm9uY2U")
                self.send_header("Cache-Control", "no-store")
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self):
                if self.path == "/dir":
                    body = json.dumps({"newNonce": url + "/nonce", "newAccount": url + "/acct",
                                       "newOrder": url + "/order", "revokeCert": url + "/revoke",
                                       "keyChange": url + "/key"}).encode()
                    return self.send(200, "application/json", body)
                if self.path == "/nonce":
                    return self.send(204 if self.command == "GET" else 200, "text/plain", b"")
                return self.send(404, "text/plain", b"no")

            do_HEAD = do_GET

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(min(n, 65536))
                outer.posts += 1
                body = json.dumps({"type": "urn:ietf:params:acme:error:rateLimited",
                                   "detail": "too many certificates for this name (test)",
                                   "status": 429}).encode()
                self.send(429, "application/problem+json", body, [("Retry-After", "3600")])

        self.server = http.server.ThreadingHTTPServer((address, port), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(base + ".pem", base + ".key")
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.directory = url + "/dir"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class AcmeConfigTest(unittest.TestCase):
    """Without namespaces: the settings are checked, and a host name that
    cannot be certified is said plainly while the pod serves on."""

    def test_settings_and_bad_host(self):
        pod = podlib.Pod(extra_args=["--host", "localhost"])
        try:
            for name, value, ok in (("acme_directory", "ftp://example.org/dir", False),
                                    ("acme_directory", "letsencrypt-banana", False),
                                    ("acme_directory", "letsencrypt-staging", True),
                                    ("acme_directory", "https://127.0.0.1:1/dir", True),
                                    ("acme_email", "not-an-address", False),
                                    ("acme_email", "a b@example.org", False),
                                    ("acme_email", "admin@example.org", True),
                                    ("acme_enabled", "maybe", False),
                                    ("acme_enabled", "true", True)):
                code, _, err = podlib.run_cli("config", "set", name, value, "--data", pod.data)
                self.assertEqual(code == 0, ok, (name, value, err))
            pod.start()
            line = wait_for("the refusal", lambda: log_lines(
                pod, r"could not get a certificate for localhost"), 30, pod)[0]
            self.assertIn("keeping the current certificate", line)
            self.assertEqual(pod.health()["status"], "ok")
            self.assertEqual(pod.stop(), 0, pod.output())
        finally:
            pod.cleanup()


class AcmePebbleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.net = None
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root for network namespaces")
        if not shutil.which("pebble"):
            raise unittest.SkipTest("needs Debian's pebble (tools/pod setup installs it)")
        cls.net = netns.Testnet(["a", "acme"])

    @classmethod
    def tearDownClass(cls):
        if cls.net:
            cls.net.close()

    def setUp(self):
        self.pods, self.pebble, self.extra = [], None, []

    def tearDown(self):
        for p in self.pods:
            p.cleanup() if hasattr(p, "cleanup") else p.stop()
        if self.pebble:
            self.pebble.stop()
        for x in self.extra:
            x.close()

    def served(self, pod):
        return pebblekit.served_der(pod.address, pod.host)

    def test_obtain_renew_survive(self):
        net = self.net
        self.pebble = pebblekit.Pebble(net, "acme", VALIDITY_S).start()
        root = self.pebble.root_pem()
        pod = AcmePod(self.net, "a")
        self.pods.append(pod)
        pod.config("acme_enabled", "true")
        pod.config("acme_email", "admin@pod-a.test")
        pod.config("acme_directory", self.pebble.directory())
        podlib.add_user(pod.data, "root", "admin password 1", admin=True)
        t0 = time.monotonic()
        pod.start()
        first = pebblekit.cert_fields(self.served(pod))
        # Obtained: served, chains to pebble's root, names the host.
        wait_for("the first certificate", lambda: pebblekit.chains_to(
            pod.address, pod.host, root), 60, pod)
        obtained_s = time.monotonic() - t0
        one = pebblekit.cert_fields(self.served(pod))
        self.assertNotEqual(one["serial"], first["serial"])
        self.assertTrue(log_lines(pod, r"new certificate for pod-a\.test .*valid until"),
                        pod.output())
        self.assertTrue(os.path.exists(os.path.join(pod.data, "tls", "acme.pem")))
        self.assertTrue(os.path.exists(os.path.join(pod.data, "acme", "account.key")))
        print("\nobtained in %.1f s (pod start included)" % obtained_s, file=sys.stderr)
        # The challenge answer went over plain HTTP on port 80 in non-dev
        # mode: anything else there is still redirected to HTTPS.
        c = http.client.HTTPConnection(pod.address, 80, timeout=5)
        c.request("GET", "/.well-known/acme-challenge/unknownToken")
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 404)
        c.request("GET", "/stream")
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 301)
        c.close()

        # Renewal while a keep-alive connection stays open.
        kept = KeptConnection(pod.address, pod.host, root)
        self.extra.append(kept)
        self.assertEqual(pebblekit.cert_fields(kept.der)["serial"], one["serial"])
        self.assertEqual(kept.get()[0], 200)
        requests = 1

        def renewed():
            nonlocal requests
            status, _ = kept.get()  # every 2 s, under civetweb's keep-alive timeout
            self.assertEqual(status, 200)
            requests += 1
            return pebblekit.cert_fields(self.served(pod))["serial"] != one["serial"]
        wait_for("a renewal", renewed, RENEW_S + 60, pod, step=2)
        two = pebblekit.cert_fields(self.served(pod))
        self.assertTrue(pebblekit.chains_to(pod.address, pod.host, root))
        self.assertEqual(kept.get()[0], 200, "the connection opened before the swap broke")
        self.assertEqual(pebblekit.cert_fields(kept.tls.getpeercert(True))["serial"],
                         one["serial"])
        self.assertGreaterEqual(requests, 2)
        kept.close()

        # Pebble down: a renewal asked for on the admin page fails, the
        # certificate stays, and comes once a pebble is back.
        self.pebble.stop()
        b = PodBrowser(pod)
        self.assertEqual(b.sign_in("root", "admin password 1")[0], 302)
        status, headers, _ = b.post("/admin/acme/renew", {}, token=b.csrf("/admin"))
        self.assertEqual((status, headers.get("location")), (302, "/admin#https"))
        fails = wait_for("a failed renewal", lambda: log_lines(
            pod, r"could not get a certificate for pod-a\.test from https://pod-acme\.test:14000"
                 r"/dir: unreachable .*keeping the current certificate, next attempt in \d+ s"),
            RENEW_S + 60, pod)
        self.assertTrue(log_lines(pod, r"root asked for a certificate renewal now"))
        self.assertEqual(pebblekit.cert_fields(self.served(pod))["serial"], two["serial"])
        self.assertTrue(pebblekit.chains_to(pod.address, pod.host, root))
        page = b.admin_page()
        self.assertIn("could not be reached", page)
        self.assertIn("A certificate from the certificate authority (ACME) is served", page)
        still = KeptConnection(pod.address, pod.host, root)  # verified: the old root
        self.assertEqual(still.get()[0], 200)
        still.close()
        # More than one attempt failed while pebble was down: retries go on.
        wait_for("a retry", lambda: len(log_lines(pod, r"could not get a certificate")) >= 2,
                 30, pod)
        self.pebble.start()
        root2 = self.pebble.root_pem()
        self.assertNotEqual(root, root2)
        wait_for("a certificate from the new pebble", lambda: pebblekit.chains_to(
            pod.address, pod.host, root2), 60, pod)
        self.assertTrue(fails)
        self.assertEqual(pod.stop(), 0, pod.output())
        if os.environ.get("PLUGPOD_TEST_VERBOSE"):
            print("\n".join(log_lines(pod, r" (acme|main): ")), file=sys.stderr)

        # A restart serves DATA/tls/acme.pem from the start.
        pod.start()
        self.assertTrue(log_lines(pod, r"main: serving the certificate from ACME"), pod.output())
        self.assertTrue(pebblekit.chains_to(pod.address, pod.host, root2))
        self.assertEqual(pod.stop(), 0, pod.output())

    def test_challenge_fails_then_rate_limited(self):
        net = self.net
        self.pebble = pebblekit.Pebble(net, "acme", VALIDITY_S).start()
        # Pebble finds pod-nowhere.test at the test's own address, where
        # nothing listens on port 80.
        gateway = "10.250.%d.254" % net.net
        with open("/etc/netns/%s/hosts" % net.ns("acme"), "a") as f:
            f.write("%s pod-nowhere.test\n" % gateway)
        pod = AcmePod(self.net, "a", "pod-nowhere.test")
        self.pods.append(pod)
        pod.config("acme_enabled", "true")
        pod.config("acme_directory", self.pebble.directory())
        podlib.add_user(pod.data, "root", "admin password 1", admin=True)
        pod.start()
        self_signed = pebblekit.cert_fields(self.served(pod))
        line = wait_for("the challenge failure", lambda: log_lines(
            pod, r"could not get a certificate for pod-nowhere\.test"), 60, pod)[0]
        self.assertIn("challenge failed", line)
        self.assertIn("keeping the current certificate", line)
        self.assertEqual(pebblekit.cert_fields(self.served(pod))["serial"],
                         self_signed["serial"])
        # The admin page says it too (web/admin_reach.c words the status).
        b = PodBrowser(pod)
        self.assertEqual(b.sign_in("root", "admin password 1")[0], 302)
        page = b.admin_page()
        self.assertIn('class="acme-failure"', page)
        self.assertIn("port 80", page)
        self.assertIn("connection refused", page)
        self.assertIn("self-signed", page)
        self.assertEqual(pod.stop(), 0, pod.output())
        self.pebble.stop()
        self.pebble = None

        # A rate-limited directory.
        with open("/etc/netns/%s/hosts" % net.ns("a"), "a") as f:
            f.write("%s pod-rl.test\n" % gateway)
        rl = RateLimitedDirectory(net, "pod-rl.test", gateway)
        self.extra.append(rl)
        pod2 = pod  # same data and host: a restart
        pod2.config("acme_directory", rl.directory)
        pod2.start()
        limited = r"rate limited.*next attempt in"
        line = wait_for("the rate limit", lambda: log_lines(pod2, limited), 30, pod2)[0]
        self.assertIn("next attempt in 3600 s", line)
        self.assertIn("keeping the current certificate", line)
        b = PodBrowser(pod2)
        self.assertEqual(b.sign_in("root", "admin password 1")[0], 302)
        page = b.admin_page()
        self.assertIn("rate limit", page)
        self.assertIn("too many certificates for this name (test)", page)
        posts = rl.posts
        time.sleep(3 * 2 + 1)  # past the test's first backoff: Retry-After must win
        self.assertEqual(rl.posts, posts, "the pod did not wait as the directory asked")
        self.assertEqual(len(log_lines(pod2, limited)), 1, pod2.output())
        self.assertEqual(pebblekit.cert_fields(self.served(pod2))["serial"],
                         self_signed["serial"])
        self.assertEqual(pod2.stop(), 0, pod2.output())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
