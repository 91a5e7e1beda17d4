"""Helpers for integration tests: start a real `plugpod serve` on free ports in
a temporary data directory and talk to it over real sockets (TLS included).

Only the Python standard library is used, so the tests run on a bare Debian 12
with python3.
"""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import http.client

BINARY = os.environ.get("PLUGPOD_BINARY", "")


def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pod:
    """One plugpod process. Use start(), then the request helpers, then stop()."""

    def __init__(self, data_dir=None, extra_args=(), https_port=None, http_port=None):
        self.own_dir = data_dir is None
        self.data = data_dir or tempfile.mkdtemp(prefix="plugpod-it-")
        self.https_port = https_port or free_port()
        self.http_port = http_port or free_port()
        self.extra_args = list(extra_args)
        self.proc = None
        self.log_path = None

    def args(self):
        return [BINARY, "serve", "--data", self.data,
                "--https-port", str(self.https_port), "--http-port", str(self.http_port),
                "--bind", "127.0.0.1", "--log-level", "debug"] + self.extra_args

    def start(self, wait=True):
        self.log_path = os.path.join(tempfile.gettempdir(),
                                     "plugpod-it-%d-%d.log" % (os.getpid(), time.monotonic_ns()))
        self.log = open(self.log_path, "w+")
        self.proc = subprocess.Popen(self.args(), stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("plugpod exited early (%s): %s" %
                                     (self.proc.returncode, self.output()))
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("plugpod did not listen within %ss: %s" % (timeout, self.output()))

    def output(self):
        if not self.log_path:
            return ""
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends sig and returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("plugpod did not stop within %ss after %s" % (timeout, sig))
        self.log.close()
        return rc

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.own_dir:
            shutil.rmtree(self.data, ignore_errors=True)
        if self.log_path and os.path.exists(self.log_path):
            os.unlink(self.log_path)

    # ---- TLS and HTTP
    def cert_path(self):
        return os.path.join(self.data, "tls", "selfsigned.pem")

    def tls_context(self, cafile=None):
        """A verifying client context that trusts the pod's certificate."""
        ctx = ssl.create_default_context(cafile=cafile or self.cert_path())
        return ctx

    def https(self, method, path, body=None, headers=None, cafile=None, server_hostname="localhost"):
        """One HTTPS request over a fresh connection; returns (status, headers, body, conn info)."""
        ctx = self.tls_context(cafile)
        raw = socket.create_connection(("127.0.0.1", self.https_port), timeout=10)
        tls = ctx.wrap_socket(raw, server_hostname=server_hostname)
        # Read the session facts now: a "Connection: close" answer closes it.
        info = {"version": tls.version(), "cipher": tls.cipher()[0],
                "peer_der": tls.getpeercert(binary_form=True)}
        conn = http.client.HTTPSConnection("localhost", self.https_port, timeout=10, context=ctx)
        conn.sock = tls
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, info

    def http(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def health(self):
        status, headers, body, _ = self.https("GET", "/health")
        assert status == 200, (status, body)
        return json.loads(body)


def run_cli(*args, timeout=30):
    """Runs the plugpod binary with args; returns (exit code, stdout, stderr)."""
    p = subprocess.run([BINARY] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr
