"""Helpers the federation and fault tests share: Magic Envelopes signed as
diaspora* signs them (docs/diaspora-federation.md §4.1, §4.2), keys and
queued deliveries read out of a stopped pod's store with lmdb-utils, the
database checked the way an operator would check it, and pictures that do
not compress (so every upload costs its full size)."""
import base64
import os
import re
import struct
import subprocess
import tempfile
import zlib

ENVELOPE_DATA_TYPE = "application/xml"
INBOX_HEADER_BYTES = 22  # version, received_at, kind, recipient, attempts (store/fed_inbox.c)


def b64url(data):
    return base64.urlsafe_b64encode(data).decode()


def store_private_key(data_dir):
    """The (first) user's private key PEM, read from the store with
    mdb_dump -p (PEM text has no backslashes, so the printable format is
    unambiguous here)."""
    out = subprocess.run(["mdb_dump", "-p", "-a", data_dir], check=True,
                         capture_output=True).stdout.decode("latin-1")
    raw = out.replace("\\0a", "\n")
    m = re.search(r"-----BEGIN RSA PRIVATE KEY-----.*?-----END RSA PRIVATE KEY-----\n?", raw,
                  re.S)
    assert m, "no private key in the store"
    return m.group(0)


def magic_envelope(payload, sender, key_pem):
    """payload (bytes) in a Magic Envelope signed by sender with key_pem,
    byte for byte as diaspora* builds it."""
    data = b64url(payload)
    base = ".".join([data, b64url(ENVELOPE_DATA_TYPE.encode()), b64url(b"base64url"),
                     b64url(b"RSA-SHA256")])
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
        f.write(key_pem)
        path = f.name
    try:
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", path],
                             input=base.encode(), check=True, capture_output=True).stdout
    finally:
        os.unlink(path)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<me:env xmlns:me="http://salmon-protocol.org/ns/magic-env">\n'
            '  <me:data type="%s">%s</me:data>\n'
            '  <me:encoding>base64url</me:encoding>\n'
            '  <me:alg>RSA-SHA256</me:alg>\n'
            '  <me:sig key_id="%s">%s</me:sig>\n'
            '</me:env>\n' % (ENVELOPE_DATA_TYPE, data, b64url(sender.encode()),
                             b64url(sig))).encode()


def inbox_bodies(data_dir):
    """The bodies queued in fed_inbox, oldest first ([] before the first
    delivery made the database), read with mdb_dump's hex format: Debian's
    mdb_dump -p leaves a backslash unescaped, which makes its printable
    format ambiguous for binary headers."""
    p = subprocess.run(["mdb_dump", "-s", "fed_inbox", data_dir], capture_output=True)
    if p.returncode != 0:
        return []
    lines = p.stdout.decode("ascii").split("\n")
    start = lines.index("HEADER=END") + 1
    values = [l[1:] for l in lines[start:] if l.startswith(" ")][1::2]
    return [bytes.fromhex(v)[INBOX_HEADER_BYTES:] for v in values]


def noise_png(rng, w=96, h=96):
    """A real PNG of random pixels, stored uncompressed: every one is
    different and costs its full size."""
    rows = b"".join(b"\x00" + rng.randbytes(3 * w) for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows, 0)) + chunk(b"IEND", b""))


def check_db_clean(test, data_dir):
    """The environment (maybe left by a dead process) opens with mdb_stat
    and reads to the end with mdb_dump."""
    p = subprocess.run(["mdb_stat", "-a", data_dir], capture_output=True, text=True, timeout=60)
    test.assertEqual(p.returncode, 0, p.stderr)
    p = subprocess.run(["mdb_dump", "-a", data_dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    test.assertEqual(p.returncode, 0, p.stderr)
