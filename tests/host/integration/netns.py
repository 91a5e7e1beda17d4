"""Pods in their own network namespaces, as separate hosts on one switch.

Testnet(["a", "b", "c"]) makes a namespace holding a bridge (the switch),
one namespace per pod with an address 10.250.N.k on eth0 cabled to the
switch, and a cable from the test's own namespace (10.250.N.254) so the
test reaches every pod. Each pod's namespace gets /etc/netns/NS/hosts
naming every pod ("pod-a.test" ...), which `ip netns exec` shows as its
/etc/hosts. cut(name) unplugs a pod's cable at the switch (the link goes
down as a pulled cable would), restore(name) plugs it back. A test CA
signs one certificate per host; pods trust the CA through --ca-bundle.
NetPod.restart() crashes a pod (kill -9) and starts it on the same data.
close() removes everything it made. Needs root (CAP_NET_ADMIN).
"""
import os
import random
import shutil
import signal
import subprocess
import tempfile

import podlib


def sh(*args):
    subprocess.run(list(args), check=True, capture_output=True)


class Testnet:
    def __init__(self, names):
        self.names = list(names)
        self.tag = "pp%03x" % random.randrange(0x1000)
        self.net = random.randrange(1, 250)
        self.switch = self.tag + "sw"
        self.made_ns = []
        self.dir = tempfile.mkdtemp(prefix="plugpod-net-")
        try:
            self._make()
        except BaseException:
            self.close()
            raise

    def host(self, name):
        return "pod-%s.test" % name

    def address(self, name):
        return "10.250.%d.%d" % (self.net, self.names.index(name) + 1)

    def ns(self, name):
        return self.tag + name

    def cidr(self):
        return "10.250.%d.0/24" % self.net

    def _cable(self, index):
        return "%s%d" % (self.tag, index)  # at most 15 bytes: ppXXXN / ppXXXNs

    def _make(self):
        sh("ip", "netns", "add", self.switch)
        self.made_ns.append(self.switch)
        sh("ip", "-n", self.switch, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", self.switch, "link", "set", "br0", "up")
        # The test's own cable.
        host_end = self.tag + "h"
        sh("ip", "link", "add", host_end, "type", "veth", "peer", "name", host_end + "s")
        self.host_link = host_end
        sh("ip", "link", "set", host_end + "s", "netns", self.switch)
        sh("ip", "-n", self.switch, "link", "set", host_end + "s", "master", "br0", "up")
        sh("ip", "addr", "add", "10.250.%d.254/24" % self.net, "dev", host_end)
        sh("ip", "link", "set", host_end, "up")
        hosts = "127.0.0.1 localhost\n" + "".join(
            "%s %s\n" % (self.address(n), self.host(n)) for n in self.names)
        for i, name in enumerate(self.names):
            ns = self.ns(name)
            sh("ip", "netns", "add", ns)
            self.made_ns.append(ns)
            os.makedirs("/etc/netns/" + ns, exist_ok=True)
            with open("/etc/netns/%s/hosts" % ns, "w") as f:
                f.write(hosts)
            cable = self._cable(i)
            sh("ip", "link", "add", cable, "type", "veth", "peer", "name", cable + "s")
            sh("ip", "link", "set", cable, "netns", ns)
            sh("ip", "-n", ns, "link", "set", cable, "name", "eth0")
            sh("ip", "link", "set", cable + "s", "netns", self.switch)
            sh("ip", "-n", self.switch, "link", "set", cable + "s", "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", self.address(name) + "/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        self._make_certificates()

    def _make_certificates(self):
        d = self.dir
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
           "-nodes", "-keyout", d + "/ca.key", "-out", d + "/ca.pem", "-days", "2",
           "-subj", "/CN=plugpod test CA")
        for name in self.names:
            host, base = self.host(name), "%s/%s" % (d, name)
            sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-nodes", "-keyout", base + ".key", "-out", base + ".csr", "-subj", "/CN=" + host)
            with open(base + ".ext", "w") as f:
                f.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n"
                        "extendedKeyUsage=serverAuth\n" % host)
            sh("openssl", "x509", "-req", "-in", base + ".csr", "-CA", d + "/ca.pem",
               "-CAkey", d + "/ca.key", "-CAcreateserial", "-out", base + ".pem", "-days", "2",
               "-extfile", base + ".ext")

    def ca(self):
        return self.dir + "/ca.pem"

    def cut(self, name):
        sh("ip", "-n", self.switch, "link", "set", self._cable(self.names.index(name)) + "s",
           "down")

    def restore(self, name):
        sh("ip", "-n", self.switch, "link", "set", self._cable(self.names.index(name)) + "s",
           "up")

    def close(self):
        for ns in reversed(self.made_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            shutil.rmtree("/etc/netns/" + ns, ignore_errors=True)
        if getattr(self, "host_link", None):
            subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class NetPod(podlib.Pod):
    """A pod in its namespace of net: HTTPS on 443 as pod-NAME.test, plain
    HTTP (--dev) on 80 for the test's browser, trusting the test CA and
    allowed to reach the test network."""

    def __init__(self, net, name):
        super().__init__(https_port=443, http_port=80)
        self.net, self.name = net, name
        self.address = net.address(name)
        self.host = net.host(name)
        self.earlier_output = ""  # the logs of runs before restart()

    def args(self):
        d = self.net.dir
        return ["ip", "netns", "exec", self.net.ns(self.name), podlib.BINARY, "serve",
                "--data", self.data, "--host", self.host, "--https-port", "443",
                "--http-port", "80", "--bind", "0.0.0.0", "--dev",
                "--cert", "%s/%s.pem" % (d, self.name), "--key", "%s/%s.key" % (d, self.name),
                "--ca-bundle", self.net.ca(), "--allow-net", self.net.cidr(),
                "--log-level", "debug"]

    def wait_ready(self, timeout=30):
        import socket
        import time
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("plugpod exited early (%s): %s" %
                                     (self.proc.returncode, self.output()))
            try:
                with socket.create_connection((self.address, 80), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("plugpod did not listen within %ss: %s" % (timeout, self.output()))

    def output(self):
        return self.earlier_output + super().output()

    def restart(self, sig=signal.SIGKILL):
        """Stops the pod with sig (SIGKILL: a crash, nothing is tidied up)
        and starts it again on the same data directory. The earlier run's
        log stays in output()."""
        self.stop(sig)
        self.earlier_output = self.output()
        if self.log_path and os.path.exists(self.log_path):
            os.unlink(self.log_path)
        self.log_path = None
        return self.start()
