"""Debian's pebble (an ACME test server) in a namespace of a netns.Testnet,
and small tools to look at the certificate a pod serves.

Pebble(net, "acme", validity_s) writes a configuration that listens on
0.0.0.0:14000 (ACME) and :15000 (management) with the test CA's
certificate for pod-acme.test, validates HTTP-01 on port 80, and issues
certificates valid for validity_s seconds. Each start makes a new root
(pebble keeps nothing): root_pem() fetches the current one.
"""
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.request


class Pebble:
    def __init__(self, net, name, validity_s):
        self.net, self.name = net, name
        self.host = net.host(name)
        self.address = net.address(name)
        self.config = os.path.join(net.dir, "pebble.json")
        self.proc = None
        self.log_path = os.path.join(net.dir, "pebble.log")
        with open(self.config, "w") as f:
            json.dump({"pebble": {
                "listenAddress": "0.0.0.0:14000",
                "managementListenAddress": "0.0.0.0:15000",
                "certificate": "%s/%s.pem" % (net.dir, name),
                "privateKey": "%s/%s.key" % (net.dir, name),
                "httpPort": 80,
                "tlsPort": 5001,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": False,
                "certificateValidityPeriod": int(validity_s),
            }}, f)

    def directory(self):
        return "https://%s:14000/dir" % self.host

    def start(self, timeout=20):
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.net.ns(self.name), "pebble", "-config", self.config],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("pebble exited: " + self.output())
            try:
                self.root_pem()
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("pebble did not answer within %ss: %s" % (timeout, self.output()))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc:
            self.log.close()
        self.proc = None

    def output(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def _management(self, path):
        ctx = ssl.create_default_context(cafile=self.net.ca())
        ctx.check_hostname = False  # reached by address; the CA still checks it
        req = urllib.request.Request("https://%s:15000%s" % (self.address, path))
        with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
            return r.read().decode()

    def root_pem(self):
        """The PEM of the root this pebble run issues under."""
        return self._management("/roots/0")


def served_der(address, sni, port=443, timeout=10):
    """The leaf certificate (DER) the server at address offers for sni."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((address, port), timeout=timeout) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as t:
            return t.getpeercert(binary_form=True)


def cert_fields(der):
    """serial (int), notBefore/notAfter text and issuer of a DER certificate."""
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial", "-issuer",
                          "-startdate", "-enddate"], input=der, capture_output=True,
                         check=True).stdout.decode()
    f = dict(line.split("=", 1) for line in out.strip().splitlines())
    return {"serial": int(f["serial"], 16), "issuer": f["issuer"].strip(),
            "notBefore": f["notBefore"], "notAfter": f["notAfter"]}


def verified_context(root_pem):
    """A client context trusting only root_pem, checking host names."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=root_pem)
    return ctx


def chains_to(address, sni, root_pem, port=443, timeout=10):
    """True when the server's chain for sni verifies against root_pem and
    names sni (the handshake succeeds with verification on)."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as s:
            with verified_context(root_pem).wrap_socket(s, server_hostname=sni):
                return True
    except ssl.SSLError:
        return False
