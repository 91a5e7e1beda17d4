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


_GIVEN_PORTS = set()

# Sanitizer reports (tools/pod test --sanitize: ASan, LSan, UBSan). With the
# options set there a report also aborts the process; these checks make the
# test fail even when it expected the pod or the command to fail anyway.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "SUMMARY: UndefinedBehaviorSanitizer")


def sanitizer_report(text):
    """The first sanitizer report in text (from its marker on), or None."""
    for marker in SANITIZER_MARKERS:
        at = text.find(marker)
        if at >= 0:
            return text[max(0, text.rfind("\n", 0, at) + 1):][:20000]
    return None


def sanitizing():
    """True under tools/pod test --sanitize (its ctest sets ASAN_OPTIONS)."""
    return "ASAN_OPTIONS" in os.environ


def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1 and that this
    process has not handed out before (the kernel may offer a port just
    closed again, which once gave one pod the same port for HTTPS and
    HTTP)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _GIVEN_PORTS:
            _GIVEN_PORTS.add(port)
            return port


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
        env = dict(os.environ, **getattr(self, "env", {}))
        self.proc = subprocess.Popen(self.args(), stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env)
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
        with open(self.log_path, errors="replace") as f:
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
        self.check_sanitizer()
        return rc

    def check_sanitizer(self):
        """Raises AssertionError if the pod's log holds a sanitizer report
        (each log is checked once)."""
        if not self.log_path or getattr(self, "_sanitizer_checked", None) == self.log_path:
            return
        self._sanitizer_checked = self.log_path
        if os.path.exists(self.log_path):
            report = sanitizer_report(self.output())
            if report:
                raise AssertionError("sanitizer report in the pod's log:\n" + report)

    def cleanup(self):
        report = None
        if sanitizing() and self.proc and self.proc.poll() is None:
            # A clean stop, so LeakSanitizer runs at exit.
            try:
                self.stop()
            except AssertionError as e:
                report = str(e)
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if report is None and self.log_path and os.path.exists(self.log_path):
            try:
                self.check_sanitizer()
            except AssertionError as e:
                report = str(e)
        if self.own_dir:
            shutil.rmtree(self.data, ignore_errors=True)
        if self.log_path and os.path.exists(self.log_path):
            os.unlink(self.log_path)
        if report and "sanitizer report" in report:
            raise AssertionError(report)

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
    report = sanitizer_report(p.stderr)
    if report:
        raise AssertionError("sanitizer report from plugpod %s:\n%s" % (" ".join(args), report))
    return p.returncode, p.stdout, p.stderr


# ---- a small browser: cookies, CSRF tokens, forms, no automatic redirects
import re
import urllib.parse
import uuid


class Browser:
    """Talks plain HTTP to a --dev pod (or HTTPS with tls=True) keeping
    cookies like a browser does. Redirects are not followed: tests check them."""

    default_headers = {}  # sent with every request unless overridden

    def __init__(self, pod, tls=False):
        self.pod = pod
        self.tls = tls
        self.cookies = {}
        self.last_set_cookie = []

    def _conn(self):
        if self.tls:
            ctx = self.pod.tls_context()
            return http.client.HTTPSConnection("localhost", self.pod.https_port, timeout=30,
                                               context=ctx)
        # Pods in a network namespace (netns.py) have an address of their own.
        return http.client.HTTPConnection(getattr(self.pod, "address", "127.0.0.1"),
                                          self.pod.http_port, timeout=30)

    def request(self, method, path, body=None, headers=None):
        h = dict(self.default_headers)
        h.update(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        conn = self._conn()
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        self.last_set_cookie = resp.headers.get_all("Set-Cookie") or []
        for sc in self.last_set_cookie:
            name, _, rest = sc.partition("=")
            value = rest.split(";", 1)[0]
            attrs = rest.lower()
            if "max-age=0" in attrs:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def csrf(self, path="/users/sign_in"):
        """The CSRF token from a page's <meta name="csrf-token">."""
        status, _, body = self.get(path)
        m = re.search(rb'<meta name="csrf-token" content="([^"]*)"', body)
        assert m, "no csrf-token meta on %s (%s)" % (path, status)
        return m.group(1).decode()

    def post(self, path, fields, token=None, header_token=None, method_override=None):
        fields = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if token is not None:
            fields.append(("authenticity_token", token))
        if method_override:
            fields.append(("_method", method_override))
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if header_token is not None:
            headers["X-CSRF-Token"] = header_token
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), headers)

    def post_multipart(self, path, fields, files, token=None, method_override=None):
        boundary = "----plugpod" + uuid.uuid4().hex
        parts = []
        fields = list(fields.items())
        if token is not None:
            fields.append(("authenticity_token", token))
        if method_override:
            fields.append(("_method", method_override))
        for k, v in fields:
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" %
                          (boundary, k)).encode() + v.encode() + b"\r\n")
        for k, (filename, ctype, data) in files.items():
            parts.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                          "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n" %
                          (boundary, k, filename, ctype)).encode() + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
        return self.request("POST", path, body,
                            {"Content-Type": "multipart/form-data; boundary=" + boundary})

    def sign_in(self, username, password, remember=False):
        token = self.csrf("/users/sign_in")
        fields = {"user[username]": username, "user[password]": password}
        if remember:
            fields["user[remember_me]"] = "1"
        return self.post("/users/sign_in", fields, token=token)


def add_user(data_dir, name, password, admin=False):
    """Creates an account with `plugpod user add` (the pod must not be running)."""
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    try:
        args = ["user", "add", name, "--password-file", path, "--data", data_dir]
        if admin:
            args.append("--admin")
        rc, out, err = run_cli(*args)
        assert rc == 0, err
    finally:
        os.unlink(path)


def wait_for_keys(pod, usernames, timeout=300):
    """Waits until the background task has made each user's key: the hCard
    answers 503 until then, and so does posting."""
    deadline = time.monotonic() + timeout
    b = Browser(pod)
    for name in usernames:
        status, _, body = b.get("/.well-known/webfinger?resource=acct:%s@localhost:%d"
                                % (name, pod.https_port))
        assert status == 200, (name, status)
        hcard = [l["href"] for l in json.loads(body)["links"]
                 if l["rel"] == "http://microformats.org/profile/hcard"][0]
        path = "/" + hcard.split("/", 3)[3]
        while b.get(path)[0] != 200:
            assert time.monotonic() < deadline, "no key for %s" % name
            time.sleep(0.2)
