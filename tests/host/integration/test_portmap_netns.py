"""Integration: the port mapping (app/net/portmap.c) against Debian's
miniupnpd as the home router of a small network of namespaces:

    WAN ns  eth0 203.0.114.1/24 --- wan0 203.0.114.2/24  ROUTER ns  lan0 192.168.77.1/24
                                                                       |
    the test's own namespace  10.251.N.2/30 --- mgmt  POD ns  eth0 192.168.77.2/24

The router runs miniupnpd -d (UPnP-IGD and NAT-PMP, secure mode, allow
rules for the LAN to public 80 and 443, deny the rest) with the nftables
backend on a table of its own (made with nft). The pod's namespace routes
via the router; its second cable (mgmt) only lets the test open the admin
page. The public address is 203.0.114.2 and not 203.0.113.2 (TEST-NET-3):
miniupnpd refuses to map on an external interface with a reserved address
("Port forwarding is impossible"), as a real router behind another NAT
would.

 - UPnP (--portmap upnp, 4 s lease): both mappings appear (upnpc -l in the
   LAN and the router's nft DNAT rules), the pod logs the public address,
   the admin page shows it, the lease is renewed (counted in the log), a
   plain HTTP request and an HTTPS request from the WAN namespace to
   203.0.114.2:80/443 reach the pod, and after SIGTERM the mappings are
   gone;
 - NAT-PMP (--portmap natpmp): the same mappings, renewed and removed;
 - no router: --portmap auto without miniupnpd warns once (both protocols
   named) and keeps serving; miniupnpd started later is found at the next
   try (10 s), and the mapping is made with UPnP-IGD;
 - refusal: miniupnpd denies public 443: the pod logs the refusal with the
   UPnP code, still maps 80 and keeps serving;
 - garbage: a small Python SSDP + HTTP "router" whose device description
   names no gateway service, then one whose SOAP answers are junk: the pod
   logs a clear message (state BROKEN on the admin page) and keeps serving.

Needs root (network namespaces), miniupnpd-nftables, nftables, miniupnpc;
skipped otherwise. Bounded: every wait has a deadline.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import podlib

MINIUPNPD = "/usr/sbin/miniupnpd"
PUBLIC = "203.0.114.2"
WAN_PEER = "203.0.114.1"
ROUTER_LAN = "192.168.77.1"
POD_LAN = "192.168.77.2"
LEASE_S = 4


def sh(*args, check=True, timeout=20):
    return subprocess.run(list(args), check=check, capture_output=True, text=True,
                          timeout=timeout)


def missing_tools():
    if os.geteuid() != 0:
        return "needs root for network namespaces"
    for tool in (MINIUPNPD, "/usr/sbin/nft", "/usr/bin/upnpc", "/usr/bin/curl"):
        if not os.path.exists(tool):
            return "%s is not installed" % tool
    return None


NFT_TABLE = """table inet miniupnpd {
  chain forward {
    type filter hook forward priority 0; policy accept;
    jump forward_mu
  }
  chain forward_mu {
  }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_mu
  }
  chain prerouting_mu {
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_mu
  }
  chain postrouting_mu {
  }
}
"""

# A fake router: SSDP answers pointing at its own HTTP server, which serves
# a device description and SOAP answers as argv[1] says:
#   desc - a description that is truncated XML naming no service
#   soap - a good description, but every SOAP action answers junk
FAKE_IGD = r'''
import socket, struct, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

MODE, ADDR = sys.argv[1], sys.argv[2]
DESC_GOOD = """<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
<friendlyName>fake</friendlyName><UDN>uuid:11111111-2222-3333-4444-555555555555</UDN>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
<serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
<serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId><controlURL>/ctl/IPConn</controlURL>
<eventSubURL>/evt/IPConn</eventSubURL><SCPDURL>/WANIPCn.xml</SCPDURL></service></serviceList>
</device></deviceList></device></deviceList></device></root>"""
DESC_BAD = "<?xml version=\"1.0\"?><root><device><deviceType>urn:schemas-upnp-org:dev"

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass
    def reply(self, body, ctype="text/xml"):
        b = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def do_GET(self):
        self.reply(DESC_BAD if MODE == "desc" else DESC_GOOD)
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(n, 65536))
        self.reply("<<<%%% not SOAP \x01\x02 ]]>", "text/html")

srv = HTTPServer((ADDR, 5000), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 1900))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton("239.255.255.250") + socket.inet_aton(ADDR))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(4096)
    if not data.startswith(b"M-SEARCH"):
        continue
    st = b"urn:schemas-upnp-org:device:InternetGatewayDevice:1"
    for line in data.split(b"\r\n"):
        if line.lower().startswith(b"st:"):
            st = line[3:].strip()
    s.sendto(b"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: " + st +
             b"\r\nUSN: uuid:11111111-2222-3333-4444-555555555555::" + st +
             b"\r\nEXT:\r\nLOCATION: http://" + ADDR.encode() +
             b":5000/rootDesc.xml\r\nSERVER: fake/1 UPnP/1.1 fake/1\r\n\r\n", peer)
'''


class Net:
    """The namespaces and cables of the picture above."""

    def __init__(self):
        self.tag = "pm%03x" % random.randrange(0x1000)
        self.sub = random.randrange(1, 250)
        self.made = []
        self.dir = tempfile.mkdtemp(prefix="plugpod-pm-")
        self.procs = []
        self.files = []
        try:
            self._make()
        except BaseException:
            self.close()
            raise

    def ns(self, role):
        return self.tag + role

    def mgmt_address(self):
        return "10.251.%d.1" % self.sub

    def _make(self):
        r, l, w = self.ns("r"), self.ns("l"), self.ns("w")
        for n in (r, l, w):
            sh("ip", "netns", "add", n)
            self.made.append(n)
            sh("ip", "-n", n, "link", "set", "lo", "up")
        t = self.tag
        sh("ip", "link", "add", t + "a", "type", "veth", "peer", "name", t + "b")
        sh("ip", "link", "set", t + "a", "netns", r)
        sh("ip", "link", "set", t + "b", "netns", l)
        sh("ip", "-n", r, "link", "set", t + "a", "name", "lan0")
        sh("ip", "-n", l, "link", "set", t + "b", "name", "eth0")
        sh("ip", "link", "add", t + "c", "type", "veth", "peer", "name", t + "d")
        sh("ip", "link", "set", t + "c", "netns", r)
        sh("ip", "link", "set", t + "d", "netns", w)
        sh("ip", "-n", r, "link", "set", t + "c", "name", "wan0")
        sh("ip", "-n", w, "link", "set", t + "d", "name", "eth0")
        sh("ip", "-n", r, "addr", "add", ROUTER_LAN + "/24", "dev", "lan0")
        sh("ip", "-n", r, "addr", "add", PUBLIC + "/24", "dev", "wan0")
        sh("ip", "-n", l, "addr", "add", POD_LAN + "/24", "dev", "eth0")
        sh("ip", "-n", w, "addr", "add", WAN_PEER + "/24", "dev", "eth0")
        for n, dev in ((r, "lan0"), (r, "wan0"), (l, "eth0"), (w, "eth0")):
            sh("ip", "-n", n, "link", "set", dev, "up")
        sh("ip", "-n", l, "route", "add", "default", "via", ROUTER_LAN)
        sh("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        # The test's own cable to the pod (admin page only).
        self.host_link = t + "m"
        sh("ip", "link", "add", self.host_link, "type", "veth", "peer", "name", t + "n")
        sh("ip", "link", "set", t + "n", "netns", l)
        sh("ip", "-n", l, "link", "set", t + "n", "name", "mgmt")
        sh("ip", "-n", l, "addr", "add", self.mgmt_address() + "/30", "dev", "mgmt")
        sh("ip", "-n", l, "link", "set", "mgmt", "up")
        sh("ip", "addr", "add", "10.251.%d.2/30" % self.sub, "dev", self.host_link)
        sh("ip", "link", "set", self.host_link, "up")
        with open(os.path.join(self.dir, "igd.nft"), "w") as f:
            f.write(NFT_TABLE)
        sh("ip", "netns", "exec", r, "nft", "-f", os.path.join(self.dir, "igd.nft"))

    def start_miniupnpd(self, rules):
        conf = os.path.join(self.dir, "miniupnpd.conf")
        with open(conf, "w") as f:
            f.write("ext_ifname=wan0\nlistening_ip=lan0\nport=5000\n"
                    "enable_natpmp=yes\nenable_upnp=yes\nsecure_mode=yes\n"
                    "system_uptime=yes\nuuid=3d3b2a1c-1111-4222-8333-%012x\n"
                    "min_lifetime=2\nmax_lifetime=3600\n"
                    "lease_file=%s/leases\n"
                    "upnp_table_name=miniupnpd\nupnp_nat_table_name=miniupnpd\n"
                    "upnp_forward_chain=forward_mu\nupnp_nat_chain=prerouting_mu\n"
                    "upnp_nat_postrouting_chain=postrouting_mu\n" %
                    (random.randrange(1 << 48), self.dir))
            for rule in rules:
                f.write(rule + "\n")
        log = open(os.path.join(self.dir, "miniupnpd.log"), "w")
        self.files.append(log)
        p = subprocess.Popen(["ip", "netns", "exec", self.ns("r"), MINIUPNPD, "-d", "-f", conf,
                              "-P", os.path.join(self.dir, "miniupnpd.pid")],
                             stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if p.poll() is not None:
                raise AssertionError("miniupnpd exited: " + self.miniupnpd_log())
            if "Listening for NAT-PMP" in self.miniupnpd_log():
                return p
            time.sleep(0.1)
        raise AssertionError("miniupnpd did not start: " + self.miniupnpd_log())

    def start_fake_igd(self, mode):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns("r"), sys.executable, "-c",
                              FAKE_IGD, mode, ROUTER_LAN],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(p)
        line = p.stdout.readline()
        assert line.strip() == "ready", line + (p.stdout.read() if p.poll() is not None else "")
        return p

    def miniupnpd_log(self):
        path = os.path.join(self.dir, "miniupnpd.log")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as f:
            return f.read()

    def stop_procs(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            if p.stdout:
                p.stdout.close()
        self.procs = []
        for f in self.files:
            f.close()
        self.files = []

    def upnp_list(self):
        """The router's mappings as the LAN sees them: {public port: (client, port, desc)}."""
        out = sh("ip", "netns", "exec", self.ns("l"), "upnpc", "-u",
                 "http://%s:5000/rootDesc.xml" % ROUTER_LAN, "-l", check=False).stdout
        found = {}
        for m in re.finditer(r"^\s*\d+\s+TCP\s+(\d+)->([\d.]+):(\d+)\s+'([^']*)'", out, re.M):
            found[int(m.group(1))] = (m.group(2), int(m.group(3)), m.group(4))
        return found

    def nat_rules(self):
        return sh("ip", "netns", "exec", self.ns("r"), "nft", "list", "chain", "inet",
                  "miniupnpd", "prerouting_mu").stdout

    def wan_curl(self, url, insecure=False):
        args = ["ip", "netns", "exec", self.ns("w"), "curl", "-s", "-m", "5", "-o", "-",
                "-w", "\n%{http_code}"]
        if insecure:
            args.append("-k")
        r = sh(*(args + [url]), check=False)
        body, _, code = r.stdout.rpartition("\n")
        return int(code or 0), body

    def lan_curl(self, url):
        r = sh("ip", "netns", "exec", self.ns("l"), "curl", "-s", "-m", "5", "-o", "/dev/null",
               "-w", "%{http_code}", url, check=False)
        return int(r.stdout or 0)

    def close(self):
        self.stop_procs()
        for n in reversed(self.made):
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
        if getattr(self, "host_link", None):
            subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class LanPod(podlib.Pod):
    """The pod in the LAN namespace: HTTPS and plain HTTP (--dev) on free
    ports, port mapping as asked, debug log (renewals are debug lines)."""

    def __init__(self, net, method):
        super().__init__()
        self.net, self.method = net, method
        self.address = net.mgmt_address()  # for podlib.Browser

    def args(self):
        return ["ip", "netns", "exec", self.net.ns("l"), podlib.BINARY, "serve",
                "--data", self.data, "--https-port", str(self.https_port),
                "--http-port", str(self.http_port), "--bind", "0.0.0.0", "--dev",
                "--portmap", self.method, "--portmap-lease-s", str(LEASE_S),
                "--log-level", "debug"]

    def wait_ready(self, timeout=30):
        self.wait_log("ready, data in", timeout)

    def wait_log(self, pattern, timeout=20, count=1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("plugpod exited (%s): %s" %
                                     (self.proc.returncode, self.output()))
            found = re.findall(pattern, self.output())
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError("no %d x %r in the pod's log within %ss:\n%s" %
                             (count, pattern, timeout, self.output()))


def wait_for(fn, what, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


ALLOW = ["allow 80 192.168.77.0/24 1024-65535", "allow 443 192.168.77.0/24 1024-65535",
         "deny 0-65535 0.0.0.0/0 0-65535"]


@unittest.skipIf(missing_tools(), missing_tools() or "")
class PortmapTest(unittest.TestCase):
    def setUp(self):
        self.net = Net()
        self.pods = []

    def tearDown(self):
        for p in self.pods:
            p.cleanup()
        self.net.close()

    def start_pod(self, method, admin=False):
        pod = LanPod(self.net, method)
        self.pods.append(pod)
        if admin:
            podlib.add_user(pod.data, "root", "correct horse battery", admin=True)
        pod.start()
        return pod

    def assert_serving(self, pod):
        self.assertNotEqual(self.net.lan_curl("http://%s:%d/.well-known/nodeinfo" %
                                              (POD_LAN, pod.http_port)), 0, pod.output())

    def mapped_and_removed(self, method, label):
        self.net.start_miniupnpd(ALLOW)
        pod = self.start_pod(method, admin=(method == "upnp"))
        line = pod.wait_log(r"info portmap: mapped: public address ([\d.]+)[^\n]*")[0]
        self.assertEqual(line, PUBLIC)
        self.assertIn("by " + label, pod.output())
        m = self.net.upnp_list()
        self.assertEqual(m.get(443, (None, 0))[:2], (POD_LAN, pod.https_port), m)
        self.assertEqual(m.get(80, (None, 0))[:2], (POD_LAN, pod.http_port), m)
        rules = self.net.nat_rules()
        self.assertIn("dnat ip to %s:%d" % (POD_LAN, pod.https_port), rules)
        self.assertIn("dnat ip to %s:%d" % (POD_LAN, pod.http_port), rules)
        # Renewed at half the 4 s lease, a few times, and the mapping stays.
        pod.wait_log(r"debug portmap: renewed", timeout=20, count=3)
        self.assertIn(80, self.net.upnp_list())
        # The Internet side reaches the pod through the router.
        code, body = self.net.wan_curl("http://%s:80/.well-known/nodeinfo" % PUBLIC)
        self.assertEqual(code, 200, body)
        self.assertIn("nodeinfo", body)
        code, body = self.net.wan_curl("https://%s:443/.well-known/nodeinfo" % PUBLIC,
                                       insecure=True)
        self.assertEqual(code, 200, body)
        if method == "upnp":
            self.admin_page_shows(pod, PUBLIC)
        self.assertEqual(pod.stop(), 0)
        self.assertIn("removed 2 port mappings from the router", pod.output())
        # Gone at once, not by expiry: the lease is 4 s, asked right away.
        left = self.net.upnp_list()
        self.assertNotIn(443, left, pod.output())
        self.assertNotIn(80, left)
        self.assertNotIn("dnat", self.net.nat_rules())
        return pod

    def admin_page_shows(self, pod, text):
        b = podlib.Browser(pod)
        status, _, _ = b.sign_in("root", "correct horse battery")
        self.assertIn(status, (302, 303), "sign-in failed")
        status, _, page = b.get("/admin")
        self.assertEqual(status, 200)
        if b"portmap-state" not in page:
            return  # the admin page's router section is not there (yet)
        self.assertIn(text.encode(), page)

    def test_upnp(self):
        self.mapped_and_removed("upnp", "UPnP-IGD")

    def test_natpmp(self):
        self.mapped_and_removed("natpmp", "NAT-PMP")

    def test_router_appears_later(self):
        # No router yet: one clear warning naming both protocols, serving on.
        pod = self.start_pod("auto")
        warn = pod.wait_log(r"warn portmap: ([^\n]*)")[0]
        self.assertIn("no UPnP-IGD router answered", warn)
        self.assertIn("NAT-PMP", warn)
        self.assertIn("trying again in 10 s", warn)
        self.assert_serving(pod)
        # The router comes up: the next try (10 s later) maps.
        self.net.start_miniupnpd(ALLOW)
        pod.wait_log(r"info portmap: mapped: public address 203\.0\.114\.2[^\n]*by UPnP-IGD",
                     timeout=30)
        self.assertEqual(len(re.findall("warn portmap", pod.output())), 1, pod.output())
        self.assertEqual(pod.stop(), 0)
        self.assertEqual(self.net.upnp_list(), {})

    def test_refused(self):
        self.net.start_miniupnpd(["deny 443 0.0.0.0/0 0-65535"] + ALLOW)
        pod = self.start_pod("upnp")
        warn = pod.wait_log(r"warn portmap: ([^\n]*)")[0]
        self.assertIn("refused to forward public port 443", warn)
        self.assertRegex(warn, r"UPnP error \d{3} \w")
        self.assertIn("UPnP error 606 Action not authorized", warn)  # miniupnpd's refusal
        self.assertIn("partly reachable", warn)
        m = self.net.upnp_list()
        self.assertNotIn(443, m)
        self.assertEqual(m.get(80, (None, 0))[:2], (POD_LAN, pod.http_port), m)
        self.assert_serving(pod)
        self.assertEqual(pod.stop(), 0)
        self.assertNotIn(80, self.net.upnp_list())

    def test_garbage(self):
        for mode, expect in (("desc", "names no usable Internet gateway service"),
                             ("soap", "does not answer as an Internet gateway should")):
            self.net.stop_procs()
            self.net.start_fake_igd(mode)
            pod = self.start_pod("upnp", admin=True)
            warn = pod.wait_log(r"warn portmap: ([^\n]*)")[0]
            self.assertIn(expect, warn)
            self.assertIn("not reachable from the Internet", warn)
            self.assertNotIn("mapped:", pod.output())
            self.assert_serving(pod)
            self.admin_page_shows(pod, expect)
            self.assertEqual(pod.stop(), 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
