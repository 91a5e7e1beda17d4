"""Integration: the admin page's sections on being reachable from home
(issue 9): "HTTPS certificate", "Router" and "Reachability".

Plain pod (127.0.0.1, self-signed certificate, no ACME, no port mapping):
the three sections show ACME off, port mapping off with how to switch it
on, the pod never checked and no inbound delivery. Only administrators
get the page and its forms (a member gets 403, nobody signed in goes to
the sign-in page, a POST without CSRF token is refused and changes
nothing); the ACME form refuses a bad address, a plain-http directory and
a non-boolean switch. "Check now" reaches the pod's own self-signed
certificate, which the outbound client does not trust: the TLS wording.

A pod whose --host does not resolve (nowhere.invalid): "Check now" says
the name does not resolve and the pod keeps serving. Switching ACME on
through the form (directory: a URL nothing answers at) writes the
settings acme_enabled, acme_email and acme_directory, and once the
certificate task tried, the page words the failure; `plugpod config get`
reads the settings after the pod stopped.

A pod in a network namespace (netns.py) whose name pod-a.test resolves
to its address, with a certificate of the test CA it trusts
(--ca-bundle): "Check now" answers reachable with the NodeInfo URL and
the certificate's days left; the administrator's --cert is said to be
served (ACME not used); an inbound delivery shows up as the last one.
Needs root for the namespace part (skipped otherwise).
"""
import argparse
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import podlib  # noqa: E402
from podlib import Browser, Pod, add_user, run_cli  # noqa: E402

PASSWORD = "correct horse battery"


def section(body, sid):
    """The text of <section id="sid">...</section> of an admin page."""
    m = re.search(r'<section id="%s"[^>]*>(.*?)</section>' % sid, body, re.S)
    assert m, "no section %s in the page" % sid
    return m.group(1)


def admin_page(br):
    status, _, body = br.get("/admin")
    assert status == 200, status
    return body.decode()


def signed_in(pod, name):
    br = Browser(pod)
    status, _, _ = br.sign_in(name, PASSWORD)
    assert status == 302, (name, status)
    return br


def unescape(text):
    return text.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')


class PlainPod(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Its name is localhost:PORT (the default) and loopback is allowed to
        # the outbound client, so "Check now" gets to its self-signed
        # certificate, which nothing trusts.
        cls.pod = Pod(extra_args=["--dev", "--allow-net", "127.0.0.0/8"])
        try:
            add_user(cls.pod.data, "root", PASSWORD, admin=True)
            add_user(cls.pod.data, "mia", PASSWORD)
            cls.pod.start()
            cls.admin = signed_in(cls.pod, "root")
            cls.member = signed_in(cls.pod, "mia")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.pod.proc and cls.pod.proc.poll() is None:
            cls.pod.stop()
        cls.pod.cleanup()

    def test_sections_of_a_pod_without_acme_or_portmap(self):
        body = unescape(admin_page(self.admin))
        https = section(body, "https")
        self.assertIn("HTTPS certificate", https)
        self.assertIn("A self-signed certificate made by the pod is served", https)
        self.assertRegex(https, r"<dt>ACME</dt><dd>Off</dd>")
        self.assertRegex(https, r"\d+ days left")
        self.assertIn('action="/admin/acme"', https)
        self.assertNotIn('name="acme_enabled" value="1" checked', https)
        router = section(body, "router")
        self.assertIn("Port mapping is off.", router)
        self.assertIn("--portmap auto", router)
        reach = section(body, "reachability")
        self.assertIn("Not checked yet.", reach)
        self.assertRegex(reach, r'<span class="last-inbound">never</span>')
        self.assertIn('action="/admin/selfcheck"', reach)

    def test_only_administrators(self):
        self.assertEqual(self.member.get("/admin")[0], 403)
        token = self.member.csrf("/contacts")
        for path, fields in (("/admin/selfcheck", {}), ("/admin/acme/renew", {}),
                             ("/admin/acme", {"acme_enabled": "1",
                                              "acme_directory": "letsencrypt"})):
            status, _, _ = self.member.post(path, fields, token=token)
            self.assertEqual(status, 403, path)
            anon = Browser(self.pod)
            status, hdrs, _ = anon.post(path, fields, token=anon.csrf())
            self.assertEqual(status, 302, path)
            self.assertIn("/users/sign_in", hdrs["location"])
            # The administrator without the form's token: refused.
            status, _, _ = self.admin.post(path, fields)
            self.assertEqual(status, 422, path)
        body = admin_page(self.admin)
        self.assertIn("Not checked yet.", section(body, "reachability"))
        self.assertNotIn('value="1" checked', section(body, "https"))

    def test_acme_form_refuses_bad_input(self):
        token = self.admin.csrf("/admin")
        for fields in ({"acme_enabled": "1", "acme_email": "not an address",
                        "acme_directory": "letsencrypt"},
                       {"acme_enabled": "1", "acme_directory": "other",
                        "acme_directory_url": "http://plain.example/dir"},
                       {"acme_enabled": "maybe", "acme_directory": "letsencrypt"}):
            status, _, body = self.admin.post("/admin/acme", fields, token=token)
            self.assertEqual(status, 422, fields)
            self.assertIn('class="flash error"', body.decode())
        self.assertNotIn('value="1" checked', section(admin_page(self.admin), "https"))

    def test_z_check_now_meets_an_untrusted_certificate(self):
        token = self.admin.csrf("/admin")
        status, hdrs, _ = self.admin.post("/admin/selfcheck", {}, token=token)
        self.assertEqual(status, 302)
        self.assertEqual(hdrs["location"], "/admin#reachability")
        reach = unescape(section(admin_page(self.admin), "reachability"))
        self.assertIn("A connection was made, but its certificate is not trusted", reach)
        self.assertIn("certificate of localhost not accepted", reach)
        self.assertIn("https://localhost:%d/" % self.pod.https_port, reach)


class UnresolvablePod(unittest.TestCase):
    """--host nowhere.invalid: nothing resolves the pod's own name."""

    @classmethod
    def setUpClass(cls):
        cls.pod = Pod(extra_args=["--dev", "--host", "nowhere.invalid"])
        try:
            add_user(cls.pod.data, "root", PASSWORD, admin=True)
            cls.pod.start()
            cls.admin = signed_in(cls.pod, "root")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.pod.proc and cls.pod.proc.poll() is None:
            cls.pod.stop()
        cls.pod.cleanup()

    def test_1_check_now_says_the_name_does_not_resolve(self):
        token = self.admin.csrf("/admin")
        status, hdrs, _ = self.admin.post("/admin/selfcheck", {}, token=token)
        self.assertEqual(status, 302)
        self.assertTrue(hdrs["location"].startswith("/admin"), hdrs["location"])
        reach = unescape(section(admin_page(self.admin), "reachability"))
        self.assertIn("The pod's name does not resolve", reach)
        self.assertIn("nowhere.invalid", reach)  # the client's reason, as a detail
        self.assertIn("Checked at", reach)
        # The pod keeps serving.
        self.assertEqual(Browser(self.pod).get("/health")[0], 200)

    def test_2_acme_switched_on_and_failing(self):
        token = self.admin.csrf("/admin")
        status, hdrs, _ = self.admin.post("/admin/acme", {
            "acme_enabled": "1", "acme_email": "admin@nowhere.invalid",
            "acme_directory": "other",
            "acme_directory_url": "https://127.0.0.1:9/directory"}, token=token)
        self.assertEqual(status, 302)
        self.assertIn("saved=1", hdrs["location"])
        https = section(admin_page(self.admin), "https")
        self.assertIn('name="acme_enabled" value="1" checked', https)
        self.assertIn('value="admin@nowhere.invalid"', https)
        self.assertIn('value="https://127.0.0.1:9/directory"', https)
        # The task tries at once (woken by the form) and fails: nothing
        # answers there (and the address guard refuses loopback).
        failure = None
        for _ in range(60):
            https = unescape(section(admin_page(self.admin), "https"))
            m = re.search(r'<span class="acme-failure">([^<]*)</span>', https)
            if m:
                failure = m.group(1)
                break
            time.sleep(0.5)
        self.assertEqual(failure, "The certificate authority could not be reached.",
                         https)
        self.assertIn('<code class="detail">', https)
        self.assertIn("Next attempt", https)
        self.assertIn('action="/admin/acme/renew"', https)
        # Still serving, with the certificate it had.
        self.assertEqual(Browser(self.pod).get("/health")[0], 200)
        self.assertEqual(self.pod.stop(), 0)
        for name, want in (("acme_enabled", ("true", "1", "yes")),
                           ("acme_email", ("admin@nowhere.invalid",)),
                           ("acme_directory", ("https://127.0.0.1:9/directory",))):
            rc, out, err = run_cli("config", "get", name, "--data", self.pod.data)
            self.assertEqual(rc, 0, err)
            self.assertIn(out.strip(), want, name)


@unittest.skipUnless(os.geteuid() == 0, "network namespaces need root")
class ReachableInNamespace(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import netns
        cls.net = netns.Testnet(["a"])
        cls.pod = None
        try:
            cls.pod = netns.NetPod(cls.net, "a")
            add_user(cls.pod.data, "root", PASSWORD, admin=True)
            cls.pod.start()
            cls.admin = signed_in(cls.pod, "root")
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.pod:
            if cls.pod.proc and cls.pod.proc.poll() is None:
                cls.pod.stop()
            cls.pod.cleanup()
        cls.net.close()

    def test_check_now_reaches_the_pod(self):
        body = unescape(admin_page(self.admin))
        https = section(body, "https")
        self.assertIn("The administrator's certificate (--cert and --key) is served. ACME is "
                      "not used.", https)
        self.assertIn("plugpod test CA", https)
        # The test CA's certificates are valid for 2 days from their making.
        self.assertRegex(https, r"\((1 day|2 days) left\)")
        self.assertNotIn('action="/admin/acme"', https)
        self.assertNotIn("Next attempt", https)

        # An inbound delivery (any body is queued first) is the last one.
        status, _, _ = Browser(self.pod).request(
            "POST", "/receive/public", b"<me:env>x</me:env>",
            {"Content-Type": "application/magic-envelope+xml"})
        self.assertEqual(status, 202)

        token = self.admin.csrf("/admin")
        status, hdrs, _ = self.admin.post("/admin/selfcheck", {}, token=token)
        self.assertEqual(status, 302)
        reach = unescape(section(admin_page(self.admin), "reachability"))
        self.assertIn("Reachable: the pod answered at its public name over verified HTTPS.",
                      reach, self.pod.output()[-3000:])
        self.assertIn("https://pod-a.test/nodeinfo/2.1 answered", reach)
        self.assertRegex(reach, r"\((1 day|2 days) left\)")
        self.assertRegex(reach, r'<span class="last-inbound"><time datetime="\d{4}-')


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args, rest = parser.parse_known_args()
    podlib.BINARY = args.binary
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
