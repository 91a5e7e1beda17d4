"""Integration: the pod's outbound requests cannot be pointed at private
address space (issue 8, SSRF), end to end.

The pod runs in a network namespace (netns.py) whose loopback also holds
one address of each private class (10/8, 172.16/12, 192.168/16,
169.254/16, 100.64/10, fc00::/7) and a listener on all of them; its
/etc/hosts maps names to private addresses. A signed-in user then asks
for people at every address class and spelling (decimal, octal, hex
IPv4, IPv4-mapped IPv6, [::], 0.0.0.0 ...), at names resolving to private
space, and at an allowed pod (another namespace, in --allow-net) that
answers with redirects to private addresses. The listener must never see
a connection, while the allowed pod does (the control), and the pod keeps
serving. The same for fetching (docs section 8): the allowed pod is a real
plugpod behind a front that redirects /fetch/ to private addresses, and
inbound reshares of unknown posts make the pod fetch their roots there.
Needs root (network namespaces); skipped otherwise.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fedkit  # noqa: E402
import podlib  # noqa: E402
from podlib import Browser, add_user  # noqa: E402

PASSWORD = "correct horse battery"
PORT = 4443  # the listener's port on every private address of the pod's namespace

PRIVATE_ON_LO = ["10.9.9.9/32", "172.16.9.9/32", "192.168.9.9/32", "169.254.9.9/32",
                 "100.64.9.9/32", "fc00::9/128"]

NAMES = {"loop.test": "127.0.0.1", "ten.test": "10.9.9.9", "meta.test": "169.254.9.9",
         "cgnat.test": "100.64.9.9", "six.test": "::1", "ula.test": "fc00::9",
         "mapped.test": "::ffff:127.0.0.1", "zero.test": "0.0.0.0"}

HOSTS = [
    # every class, plainly
    "127.0.0.1", "127.3.4.5", "10.9.9.9", "172.16.9.9", "192.168.9.9", "169.254.9.9",
    "100.64.9.9", "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255",
    "[::1]", "[fe80::1]", "[fc00::9]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::]",
    "[::ffff:10.9.9.9]", "[64:ff9b::7f00:1]", "[2002:7f00:1::1]",
    # other spellings of loopback
    "2130706433", "0x7f.1", "0x7f000001", "0177.0.0.1", "017700000001", "127.1", "0",
    "localhost",
] + sorted(NAMES)

REDIRECTS = ["https://127.0.0.1:%d/x" % PORT, "https://10.9.9.9:%d/x" % PORT,
             "https://[::1]:%d/x" % PORT, "https://2130706433:%d/x" % PORT,
             "https://loop.test:%d/x" % PORT, "https://169.254.9.9:%d/x" % PORT,
             "https://[::ffff:127.0.0.1]:%d/x" % PORT, "http://127.0.0.1:%d/x" % PORT,
             "https://0x7f.1:%d/x" % PORT, "https://0177.0.0.1:%d/x" % PORT,
             "https://127.1:%d/x" % PORT, "https://017700000001:%d/x" % PORT,
             "https://0:%d/x" % PORT, "https://[::]:%d/x" % PORT,
             "https://[fc00::9]:%d/x" % PORT, "https://100.64.9.9:%d/x" % PORT]

LISTENER = r"""
import select, socket, sys
socks = []
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, int(sys.argv[1])))
    s.listen(64)
    socks.append(s)
print("ready", flush=True)
while True:
    r, _, _ = select.select(socks, [], [])
    for s in r:
        c, peer = s.accept()
        print("ACCEPT", c.getsockname()[0], peer[0], flush=True)
        c.close()
"""

# The allowed pod's front (port 443 of the "evil" namespace): a real
# plugpod hosting "victim" listens on 8443 behind it. WebFinger for "ctl"
# is 404 (the control), for rN a redirect to REDIRECTS[N]; /fetch/TYPE/fN...
# redirects to REDIRECTS[N]; everything else goes to the real pod.
EVIL = r"""
import http.client, http.server, json, re, ssl, sys
targets = json.loads(sys.argv[3])
back = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
back.check_hostname = False
back.verify_mode = ssl.CERT_NONE
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, status, headers, body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        print("GET", self.path, flush=True)
        m = re.search(r"acct(?::|%3A)r(\d+)(?:@|%40)", self.path)
        f = re.match(r"/fetch/\w+/f(\d+)x", self.path)
        if m or f:
            n = int((m or f).group(1))
            return self.reply(302, [("Location", targets[n % len(targets)])])
        if "ctl" in self.path:
            return self.reply(404, [])
        c = http.client.HTTPSConnection("127.0.0.1", 8443, context=back, timeout=20)
        c.request("GET", self.path, headers={"Host": self.headers.get("Host", ""),
                                             "Accept": self.headers.get("Accept", "*/*")})
        r = c.getresponse()
        body = r.read()
        self.reply(r.status, [(k, v) for k, v in r.getheaders()
                              if k.lower() in ("content-type", "location")], body)
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("0.0.0.0", 443), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
"""


class BackPod(podlib.Pod):
    """The real pod behind the "evil" front: pod-evil.test on 8443."""

    def __init__(self, net, name):
        super().__init__(https_port=8443, http_port=8080)
        self.net, self.name = net, name
        self.address = net.address(name)

    def args(self):
        d = self.net.dir
        return ["ip", "netns", "exec", self.net.ns(self.name), podlib.BINARY, "serve",
                "--data", self.data, "--host", self.net.host(self.name),
                "--https-port", "8443", "--http-port", "8080", "--bind", "127.0.0.1",
                "--cert", "%s/%s.pem" % (d, self.name), "--key", "%s/%s.key" % (d, self.name),
                "--log-level", "debug"]

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while "ready, data in" not in self.output():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("back pod did not start: " + self.output())
            time.sleep(0.05)


@unittest.skipUnless(os.geteuid() == 0, "network namespaces need root")
class Ssrf(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import netns
        cls.procs = []
        cls.tmp = tempfile.mkdtemp(prefix="plugpod-ssrf-")
        cls.net = netns.Testnet(["a", "evil"])
        try:
            ns = cls.net.ns("a")
            for cidr in PRIVATE_ON_LO:
                netns.sh("ip", "-n", ns, "addr", "add", cidr, "dev", "lo")
            with open("/etc/netns/%s/hosts" % ns, "a") as f:
                for name, addr in NAMES.items():
                    f.write("%s %s\n" % (addr, name))
            cls.listener_log = os.path.join(cls.tmp, "listener.log")
            cls.listener = cls._spawn(["ip", "netns", "exec", ns, sys.executable, "-c", LISTENER,
                                       str(PORT)], cls.listener_log)
            cls.evil_log = os.path.join(cls.tmp, "evil.log")
            d = cls.net.dir
            cls.evil = cls._spawn(["ip", "netns", "exec", cls.net.ns("evil"), sys.executable,
                                   "-c", EVIL, d + "/evil.pem", d + "/evil.key",
                                   json.dumps(REDIRECTS)], cls.evil_log)
            cls.back = BackPod(cls.net, "evil")
            add_user(cls.back.data, "victim", PASSWORD)
            cls.back.start()
            cls.pod = netns.NetPod(cls.net, "a")
            add_user(cls.pod.data, "alice", PASSWORD)
            cls.pod.start()
            for log in (cls.listener_log, cls.evil_log):
                cls._wait_ready(log)
        except BaseException:
            cls._close()
            raise

    @classmethod
    def _spawn(cls, args, log):
        f = open(log, "w")
        p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT)
        cls.procs.append((p, f))
        return p

    @staticmethod
    def _wait_ready(log, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(log) as f:
                text = f.read()
            if "ready" in text:
                return
            if "Error" in text:
                raise AssertionError(text)
            time.sleep(0.1)
        raise AssertionError("helper not ready: " + log)

    @classmethod
    def _close(cls):
        pod = getattr(cls, "pod", None)
        rc = None
        back = getattr(cls, "back", None)
        if back is not None:
            try:
                back.stop()
            finally:
                back.cleanup()
        if pod is not None:
            try:
                rc = pod.stop()
            finally:
                pod.cleanup()
        for p, f in cls.procs:
            p.kill()
            p.wait()
            f.close()
        cls.net.close()
        import shutil
        shutil.rmtree(cls.tmp, ignore_errors=True)
        return rc

    @classmethod
    def tearDownClass(cls):
        out = cls.pod.output()
        rc = cls._close()
        assert rc == 0, "exit code %s: %s" % (rc, out[-3000:])

    def accepted(self):
        with open(self.listener_log) as f:
            return [l for l in f if l.startswith("ACCEPT")]

    def search(self, b, who):
        status, _, body = b.get("/people.json?q=" + urllib.parse.quote(who),
                                {"Accept": "application/json"})
        self.assertEqual(status, 200, (who, body[:200]))
        self.assertEqual(json.loads(body), [], who)

    def test_discovery_never_reaches_private_space(self):
        b = Browser(self.pod)
        self.assertEqual(b.sign_in("alice", PASSWORD)[0], 302)
        # The control: an allowed pod is asked (so searching does connect).
        self.search(b, "ctl@" + self.net.host("evil"))
        with open(self.evil_log) as f:
            self.assertIn("GET /", f.read())
        outcomes = {}
        for i, host in enumerate(HOSTS):
            who = "u%d@%s:%d" % (i, host, PORT)
            self.search(b, who)
            m = re.findall(r"cannot discover %s: ([^\n]*)" % re.escape(who), self.pod.output())
            outcomes[host] = m[-1] if m else "(no discovery attempted)"
            self.assertEqual(self.accepted(), [], "connection for %s" % who)
        # Redirects from the allowed pod to private space.
        for i, target in enumerate(REDIRECTS):
            who = "r%d@%s" % (i, self.net.host("evil"))
            self.search(b, who)
            m = re.findall(r"cannot discover %s: ([^\n]*)" % re.escape(who), self.pod.output())
            outcomes["redirect " + target] = m[-1] if m else "(no discovery attempted)"
            self.assertEqual(self.accepted(), [], "connection after redirect to %s" % target)
        with open(self.evil_log) as f:
            asked = f.read()
        self.assertIn("r0", asked)  # the redirects were really served
        for k, v in outcomes.items():
            print("  %-40s %s" % (k, v[:110]), file=sys.stderr)
        self.assertEqual(self.accepted(), [])
        status, _, body = b.get("/health")
        self.assertEqual(status, 200)
        self.assertIsNone(self.pod.proc.poll())

    def test_fetch_never_reaches_private_space(self):
        """An inbound reshare of an unknown post makes the pod fetch the
        root from its author's pod (docs section 8); that pod redirects
        each fetch to a private address, which the pod must not follow."""
        victim = "victim@" + self.net.host("evil")
        deadline = time.monotonic() + 120
        while True:  # the back pod makes victim's key in the background
            try:
                key = fedkit.store_private_key(self.back.data)
                break
            except (AssertionError, subprocess.CalledProcessError):
                self.assertLess(time.monotonic(), deadline, "no key for victim")
                time.sleep(0.5)
        guids = []
        for i in range(len(REDIRECTS)):
            root = "f%dx%s" % (i, "0" * 24)
            guid = "e%dx%s" % (i, "1" * 24)
            guids.append(root)
            payload = ("<reshare>\n  <author>%s</author>\n  <guid>%s</guid>\n"
                       "  <created_at>2024-01-02T03:04:05Z</created_at>\n"
                       "  <root_author>%s</root_author>\n  <root_guid>%s</root_guid>\n"
                       "</reshare>" % (victim, guid, victim, root)).encode()
            body = fedkit.magic_envelope(payload, victim, key)
            status = Browser(self.pod).request(
                "POST", "/receive/public", body,
                {"Content-Type": "application/magic-envelope+xml"})[0]
            self.assertEqual(status, 202)
        # Each root was asked for at the allowed pod (the control) ...
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(self.evil_log) as f:
                asked = f.read()
            if all("/fetch/post/" + g in asked for g in guids):
                break
            time.sleep(0.3)
        for g in guids:
            self.assertIn("/fetch/post/" + g, asked)
        time.sleep(1)
        # ... and no redirect reached private space.
        self.assertEqual(self.accepted(), [])
        for line in re.findall(r"fetching https://[^\n]*", self.pod.output()):
            print("  " + line[:160], file=sys.stderr)
        self.assertIsNone(self.pod.proc.poll())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
