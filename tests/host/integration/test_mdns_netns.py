"""Integration: the mDNS responder (app/net/mdns.c) on a LAN of network
namespaces (netns.py): pod A runs `plugpod serve --mdns plugpod`; a querier
in namespace Q, on the same switch, speaks raw multicast DNS with Python's
socket module (no avahi daemon needed) and checks that:

 - the pod announces plugpod.local twice at start, unsolicited;
 - a multicast (QM) question for plugpod.local A gets a multicast answer
   with pod A's address and the cache-flush bit;
 - a QU question gets a unicast answer;
 - a plain resolver (a query from a port other than 5353) gets a unicast
   answer echoing its id and question, with a TTL of at most 10 s;
 - over IPv6 (ff02::fb) an AAAA question is answered (when the namespace
   has IPv6);
 - questions for other names and garbage get no answer, and the pod keeps
   answering after them; SIGTERM stops the pod cleanly.

Needs root (network namespaces); skipped otherwise. Bounded: each wait
has a deadline of a few seconds.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import unittest

import netns
import podlib

# The querier: runs in namespace Q with python3 -c, prints one JSON object.
QUERIER = r'''
import json, select, socket, struct, sys, time

ADDR4, POD4 = sys.argv[1], sys.argv[2]
GROUP4 = "224.0.0.251"
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux; Python 3.11 lacks the name

def name(s):
    return b"".join(bytes([len(l)]) + l.encode() for l in s.split(".")) + b"\0"

def query(qname, qtype, qu=False, qid=0):
    return struct.pack(">6H", qid, 0, 1, 0, 0, 0) + name(qname) + \
        struct.pack(">HH", qtype, 0x8001 if qu else 1)

def read_name(m, off):
    labels, jumps, end = [], 0, None
    while True:
        b = m[off]
        if b >= 0xc0:
            if end is None:
                end = off + 2
            off = ((b & 0x3f) << 8) | m[off + 1]
            jumps += 1
            assert jumps < 20
            continue
        if b == 0:
            return ".".join(labels), (end if end is not None else off + 1)
        labels.append(m[off + 1:off + 1 + b].decode("ascii", "replace"))
        off += 1 + b

def parse(m):
    qid, flags, qd, an, ns, ar = struct.unpack(">6H", m[:12])
    off, qs, rrs = 12, [], []
    for _ in range(qd):
        n, off = read_name(m, off)
        t, c = struct.unpack(">HH", m[off:off + 4])
        off += 4
        qs.append([n, t, c])
    for _ in range(an + ns + ar):
        n, off = read_name(m, off)
        t, c, ttl, ln = struct.unpack(">HHIH", m[off:off + 10])
        off += 10
        data = m[off:off + ln]
        off += ln
        if t == 1:
            data = socket.inet_ntoa(data)
        elif t == 28:
            data = socket.inet_ntop(socket.AF_INET6, data)
        else:
            data = data.hex()
        rrs.append([n, t, c, ttl, data])
    return {"id": qid, "flags": flags, "questions": qs, "records": rrs}

def wait(socks, seconds, want=None):
    """Packets (as parsed dicts with 'via') until seconds pass or want(list) is true."""
    got, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select(socks, [], [], max(0, end - time.monotonic()))
        for s in r:
            data, anc, _, src = s.recvmsg(9000, 256)
            dst = None  # the datagram's destination address (IP_PKTINFO)
            for level, kind, value in anc:
                if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
                    dst = socket.inet_ntoa(value[8:12])
            try:
                p = parse(data)
            except Exception:
                continue
            if not p["flags"] & 0x8000:
                continue  # a query (our own, looped back)
            p["via"] = "multicast" if dst == GROUP4 else "unicast"
            p["from"] = src[0]
            got.append(p)
        if want and want(got):
            break
    return got

out = {}
mc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
mc.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
mc.bind(("", 5353))
mc.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
              socket.inet_aton(GROUP4) + socket.inet_aton(ADDR4))
mc.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ADDR4))
mc.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
mc.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
uc = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
uc.bind((ADDR4, 0))
uc.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
uc.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ADDR4))
print("ready", flush=True)
sys.stdin.readline()  # the pod is being started

ann = wait([mc], 8, lambda g: len(g) >= 2)
out["announcements"] = ann

def ask(sock, pkt, seconds=3, want=None):
    sock.sendto(pkt, (GROUP4, 5353))
    return wait([mc, uc], seconds, want or (lambda g: len(g) >= 1))

time.sleep(1.1)  # past the one-second multicast limit after the announcements
out["qm"] = ask(mc, query("plugpod.local", 1))
out["qu"] = ask(mc, query("plugpod.local", 1, qu=True))
out["legacy"] = ask(uc, query("PlugPod.local", 1, qid=0x4242))
out["other_name"] = ask(uc, query("someone-else.local", 1), seconds=1)
out["other_type"] = ask(uc, query("plugpod.local", 16), seconds=1)
for junk in (b"", b"\0" * 11, b"\xff" * 200, query("plugpod.local", 1)[:20],
             struct.pack(">6H", 0, 0, 1, 0, 0, 0) + b"\xc0\x0c\0\1\0\1"):
    uc.sendto(junk, (GROUP4, 5353))
out["junk"] = wait([mc, uc], 1)
out["after_junk"] = ask(uc, query("plugpod.local", 1, qid=7))

# IPv6: a plain resolver asking AAAA over ff02::fb on eth0 (link-local
# addresses need DAD first: retried for a few seconds).
try:
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    idx = socket.if_nametoindex("eth0")
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    s6.bind(("::", 0))
    got6, end = [], time.monotonic() + 12
    while not got6 and time.monotonic() < end:
        try:
            s6.sendto(query("plugpod.local", 28, qid=6), ("ff02::fb", 5353, 0, idx))
        except OSError:
            time.sleep(0.5)
            continue
        r, _, _ = select.select([s6], [], [], 1)
        if r:
            got6.append(parse(s6.recvfrom(9000)[0]))
    out["ipv6"] = got6
except OSError as e:
    out["ipv6_error"] = str(e)
print(json.dumps(out), flush=True)
'''


class MdnsTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root for network namespaces")
        self.net = netns.Testnet(["a", "q"])
        self.addCleanup(self.net.close)
        # Let IPv6 finish duplicate address detection first, so that the
        # pod's addresses do not change (and get announced again) mid-test.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
                subprocess.run(["ip", "-n", self.net.ns(n), "-6", "addr", "show", "dev", "eth0",
                                "tentative"], capture_output=True, text=True).stdout.strip()
                for n in ("a", "q")):
            time.sleep(0.1)
        self.pod = netns.NetPod(self.net, "a")
        base_args = self.pod.args
        self.pod.args = lambda: base_args() + ["--mdns", "plugpod"]
        self.addCleanup(self.pod.cleanup)

    def records(self, packets, rtype):
        return [r for p in packets for r in p["records"] if r[1] == rtype]

    def test_resolve_plugpod_local(self):
        pod_addr = self.net.address("a")
        q = subprocess.Popen(["ip", "netns", "exec", self.net.ns("q"), sys.executable, "-c",
                              QUERIER, self.net.address("q"), pod_addr],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(q.stdout.readline().strip(), "ready")
            self.pod.start()
            q.stdin.write("go\n")
            q.stdin.flush()
            out, _ = q.communicate(timeout=60)
        finally:
            if q.poll() is None:
                q.kill()
                q.wait()
        res = json.loads(out)
        log = self.pod.output()

        # Two unsolicited announcements, with the pod's address, cache flush.
        ann = res["announcements"]
        self.assertEqual(len(ann), 2, (ann, log))
        for p in ann:
            self.assertEqual(p["id"], 0)
            self.assertEqual(p["flags"], 0x8400)
            self.assertEqual(p["questions"], [])
            a = [r for r in p["records"] if r[1] == 1]
            self.assertEqual(a, [["plugpod.local", 1, 0x8001, 120, pod_addr]], p)
        # QM: a multicast answer.
        self.assertEqual([p["via"] for p in res["qm"]], ["multicast"], res["qm"])
        self.assertIn(["plugpod.local", 1, 0x8001, 120, pod_addr], res["qm"][0]["records"])
        # QU: a unicast answer (to port 5353: our multicast socket gets it).
        self.assertEqual([p["via"] for p in res["qu"]], ["unicast"], res["qu"])
        self.assertEqual(res["qu"][0]["from"], pod_addr)
        self.assertIn(["plugpod.local", 1, 0x8001, 120, pod_addr], res["qu"][0]["records"])
        # A plain resolver: unicast, its id and question echoed, TTL 10, no flush bit.
        leg = res["legacy"]
        self.assertEqual([p["via"] for p in leg], ["unicast"], leg)
        self.assertEqual(leg[0]["id"], 0x4242)
        self.assertEqual(leg[0]["questions"], [["PlugPod.local", 1, 1]])
        self.assertEqual(leg[0]["records"], [["PlugPod.local", 1, 1, 10, pod_addr]])
        # No loopback address is ever announced.
        everything = [p for k in ("announcements", "qm", "qu", "legacy") for p in res[k]]
        for r in self.records(everything, 1):
            self.assertFalse(r[4].startswith("127."), r)
        for r in self.records(everything, 28):
            self.assertNotEqual(r[4], "::1", r)
        # Other names, other types, junk: silence; then answers again.
        self.assertEqual(res["other_name"], [])
        self.assertEqual(res["other_type"], [])
        self.assertEqual(res["junk"], [])
        self.assertEqual(len(res["after_junk"]), 1, (res["after_junk"], log))
        self.assertEqual(res["after_junk"][0]["id"], 7)
        # IPv6, when the namespace has it.
        if "ipv6_error" not in res and os.path.exists("/proc/net/if_inet6"):
            self.assertEqual(len(res["ipv6"]), 1, (res, log))
            aaaa = self.records(res["ipv6"], 28)
            self.assertTrue(aaaa and all(r[0] == "plugpod.local" and r[3] == 10 for r in aaaa),
                            res["ipv6"])
        self.assertIn("mdns: responder for plugpod.local started", log)
        self.assertEqual(self.pod.stop(), 0, self.pod.output())

    def test_bad_name_refused(self):
        code, _, err = podlib.run_cli("serve", "--mdns", "not a name", "--data", "/nonexistent")
        self.assertEqual(code, 1)
        self.assertIn("--mdns must be a host name", err)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
