/*
 * tls_cert.c - the pod's TLS certificate file: one PEM holding the private
 * key and then the certificate chain, which is what civetweb loads.
 *
 * Files are replaced atomically (temporary file, fsync, rename, fsync of the
 * directory) so a power cut leaves either the old or the new pair, never a
 * key without its certificate. Files read are capped at TLS_PEM_MAX bytes.
 */
#include "crypto/tls_cert.h"

#include "core/error.h"
#include "core/log.h"
#include "crypto/crypto.h"

#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TLS_PEM_MAX      (256u * 1024u) /* largest key or certificate file read */
#define TLS_HOST_MAX     253            /* longest DNS name */
#define TLS_VALID_YEARS  10
#define TLS_KEY_PEM_MAX  16384 /* an RSA-8192 key in PEM fits */
#define TLS_CERT_PEM_MAX 4096  /* our own P-256 certificate in PEM */
#define TLS_EXT_DER_MAX  (TLS_HOST_MAX + 32)
#define TLS_SERIAL_LEN   16

/* pod_why() with mbedTLS's description of ret appended. */
static void
set_why_tls(char *why, size_t why_len, const char *what, int ret)
{
    char msg[128];

    mbedtls_strerror(ret, msg, sizeof msg);
    pod_why(why, why_len, "%s (%s)", what, msg);
}

/* ------------------------------------------------------------------ files */

/*
 * Reads all of path into a new NUL-terminated buffer (*out, to free with
 * free_file; the NUL is not counted in *len). POD_ERR_NOTFOUND, POD_ERR_IO,
 * POD_ERR_LIMIT (more than TLS_PEM_MAX bytes) or POD_ERR_NOMEM.
 */
static int
read_file(const char *path, unsigned char **out, size_t *len, char *why, size_t why_len)
{
    unsigned char *buf = NULL;
    size_t used = 0;
    ssize_t n;
    int fd, ret = POD_OK;

    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ret = errno == ENOENT ? POD_ERR_NOTFOUND : POD_ERR_IO;
        pod_why(why, why_len, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    /* One byte more than the cap tells "too large" from "exactly the cap". */
    buf = malloc(TLS_PEM_MAX + 2);
    if (!buf) {
        ret = POD_ERR_NOMEM;
        pod_why(why, why_len, "out of memory");
        goto out;
    }
    for (;;) {
        n = read(fd, buf + used, TLS_PEM_MAX + 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = POD_ERR_IO;
            pod_why(why, why_len, "cannot read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > TLS_PEM_MAX) {
            ret = POD_ERR_LIMIT;
            pod_why(why, why_len, "%s is larger than %u bytes", path, TLS_PEM_MAX);
            goto out;
        }
    }
    buf[used] = '\0';
    *out = buf;
    *len = used;
    buf = NULL;
out:
    if (fd >= 0)
        close(fd);
    if (buf) {
        mbedtls_platform_zeroize(buf, TLS_PEM_MAX + 2);
        free(buf);
    }
    return ret;
}

/* Frees a read_file buffer, wiping it first: it may hold a private key. */
static void
free_file(unsigned char *buf, size_t len)
{
    if (buf) {
        mbedtls_platform_zeroize(buf, len);
        free(buf);
    }
}

static int
write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    ssize_t n;

    while (len > 0) {
        n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return POD_ERR_IO;
        p += n;
        len -= (size_t)n;
    }
    return POD_OK;
}

/* fsync()s the directory that holds path, so a rename into it is durable. */
static int
fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n;
    int fd, ret = POD_OK;

    if (!slash) {
        strcpy(dir, ".");
    } else {
        n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof dir)
            return POD_ERR_LIMIT;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return POD_ERR_IO;
    if (fsync(fd) != 0)
        ret = POD_ERR_IO;
    close(fd);
    return ret;
}

/*
 * Replaces path with a (alen bytes) followed by b (blen bytes), mode 0600:
 * written to path.tmp, fsync()ed, renamed over path, directory fsync()ed.
 * A stale path.tmp from an earlier crash is removed first.
 */
static int
write_file_atomic(const char *path, const void *a, size_t alen, const void *b, size_t blen,
                  char *why, size_t why_len)
{
    char tmp[PATH_MAX];
    int fd = -1, ret = POD_OK;
    bool created = false;

    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        ret = POD_ERR_LIMIT;
        pod_why(why, why_len, "path too long");
        goto out;
    }
    if (unlink(tmp) != 0 && errno != ENOENT) {
        ret = POD_ERR_IO;
        pod_why(why, why_len, "cannot remove %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        ret = POD_ERR_IO;
        pod_why(why, why_len, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    created = true;
    /* The umask can only remove bits, but be explicit about the result. */
    if (fchmod(fd, 0600) != 0 || write_all(fd, a, alen) != POD_OK ||
        write_all(fd, b, blen) != POD_OK || fsync(fd) != 0) {
        ret = POD_ERR_IO;
        pod_why(why, why_len, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        ret = POD_ERR_IO;
        pod_why(why, why_len, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        ret = POD_ERR_IO;
        pod_why(why, why_len, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    created = false;
    if (fsync_parent(path) != POD_OK) {
        ret = POD_ERR_IO;
        pod_why(why, why_len, "cannot sync the directory of %s", path);
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    if (created)
        unlink(tmp);
    return ret;
}

/* ------------------------------------------------------------------ parsing */

/* PEM input must be passed to mbedTLS with its NUL counted; DER without. */
static size_t
mbedtls_input_len(const unsigned char *buf, size_t len)
{
    return strstr((const char *)buf, "-----BEGIN ") ? len + 1 : len;
}

static int
load_key(const unsigned char *buf, size_t len, mbedtls_pk_context *key, char *why, size_t why_len)
{
    int rc = mbedtls_pk_parse_key(key, buf, mbedtls_input_len(buf, len), NULL, 0);

    if (rc == 0)
        return POD_OK;
    if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        pod_why(why, why_len, "the private key is encrypted; give it without a passphrase");
        return POD_ERR_PARSE;
    }
    if (rc == MBEDTLS_ERR_PK_ALLOC_FAILED) {
        pod_why(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    set_why_tls(why, why_len, "no usable private key", rc);
    return POD_ERR_PARSE;
}

/* Parses every certificate in buf into chain; any one that fails fails all. */
static int
load_chain(const unsigned char *buf, size_t len, mbedtls_x509_crt *chain, char *why, size_t why_len)
{
    int rc = mbedtls_x509_crt_parse(chain, buf, mbedtls_input_len(buf, len));

    if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED) {
        pod_why(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    if (rc < 0) {
        set_why_tls(why, why_len, "no usable certificate", rc);
        return POD_ERR_PARSE;
    }
    if (rc > 0) {
        pod_why(why, why_len, "%d certificate(s) in the chain do not parse", rc);
        return POD_ERR_PARSE;
    }
    if (chain->raw.len == 0) {
        pod_why(why, why_len, "no certificate found");
        return POD_ERR_PARSE;
    }
    return POD_OK;
}

static int
check_pair(const mbedtls_x509_crt *crt, const mbedtls_pk_context *key, char *why, size_t why_len)
{
    if (mbedtls_pk_check_pair(&crt->pk, key) != 0) {
        pod_why(why, why_len, "the private key does not belong to the certificate");
        return POD_ERR_INVAL;
    }
    if (mbedtls_x509_time_is_past(&crt->valid_to))
        LOG_WARN("crypto", "the TLS certificate has expired");
    return POD_OK;
}

/* ------------------------------------------------------------------ creation */

struct tls_host {
    char name[TLS_HOST_MAX + 1]; /* without brackets and port */
    unsigned char ip[16];
    size_t ip_len; /* 4 or 16 for an IP literal, 0 for a DNS name */
};

/*
 * Splits "name", "name:port", "1.2.3.4:port", "[v6]:port" or a bare IPv6
 * literal into its name and, for IP literals, the address bytes. Only DNS
 * characters are allowed in names: the name goes into a certificate.
 */
static int
host_parse(const char *host, struct tls_host *h)
{
    const char *start = host, *end, *colon;
    size_t n, i;
    unsigned char c;

    memset(h, 0, sizeof *h);
    if (host[0] == '[') {
        start = host + 1;
        end = strchr(start, ']');
        if (!end || (end[1] != '\0' && end[1] != ':'))
            return POD_ERR_INVAL;
    } else {
        colon = strchr(host, ':');
        /* Two or more colons: an IPv6 literal, which has no port here. */
        end = colon && !strchr(colon + 1, ':') ? colon : host + strlen(host);
    }
    n = (size_t)(end - start);
    if (n == 0 || n > TLS_HOST_MAX)
        return POD_ERR_INVAL;
    memcpy(h->name, start, n);
    h->name[n] = '\0';
    if (inet_pton(AF_INET, h->name, h->ip) == 1) {
        h->ip_len = 4;
        return host[0] == '[' ? POD_ERR_INVAL : POD_OK;
    }
    if (inet_pton(AF_INET6, h->name, h->ip) == 1) {
        h->ip_len = 16;
        return POD_OK;
    }
    if (host[0] == '[')
        return POD_ERR_INVAL;
    for (i = 0; i < n; i++) {
        c = (unsigned char)h->name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return POD_ERR_INVAL;
    }
    return POD_OK;
}

/*
 * Prefixes the len bytes already written before *p (ASN.1 is written
 * backwards from the end of a buffer) with their length and tag: the
 * element is then *len bytes long. Returns 0 or an mbedTLS error.
 */
static int
asn1_wrap(unsigned char **p, unsigned char *start, size_t *len, unsigned char tag)
{
    int rc = mbedtls_asn1_write_len(p, start, *len);

    if (rc < 0)
        return rc;
    *len += (size_t)rc;
    rc = mbedtls_asn1_write_tag(p, start, tag);
    if (rc < 0)
        return rc;
    *len += (size_t)rc;
    return 0;
}

/*
 * subjectAltName = GeneralNames ::= SEQUENCE OF GeneralName, with one entry:
 * dNSName [2] IA5String or iPAddress [7] OCTET STRING (both IMPLICIT, so
 * just the bytes under a context tag). *der points into buf.
 */
static int
san_der(const struct tls_host *h, unsigned char *buf, size_t cap, unsigned char **der,
        size_t *der_len)
{
    const unsigned char *val = h->ip_len ? h->ip : (const unsigned char *)h->name;
    size_t val_len = h->ip_len ? h->ip_len : strlen(h->name);
    unsigned char *p = buf + cap;
    size_t len = 0;
    int rc;

    rc = mbedtls_asn1_write_raw_buffer(&p, buf, val, val_len);
    if (rc < 0)
        return rc;
    len = (size_t)rc;
    rc = asn1_wrap(&p, buf, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | (h->ip_len ? 7 : 2));
    if (rc == 0)
        rc = asn1_wrap(&p, buf, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    *der = p;
    *der_len = len;
    return rc;
}

/* extKeyUsage = SEQUENCE OF KeyPurposeId, here just id-kp-serverAuth. */
static int
eku_der(unsigned char *buf, size_t cap, unsigned char **der, size_t *der_len)
{
    unsigned char *p = buf + cap;
    size_t len = 0;
    int rc;

    rc = mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_SERVER_AUTH,
                                MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH));
    if (rc < 0)
        return rc;
    len = (size_t)rc;
    rc = asn1_wrap(&p, buf, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
    *der = p;
    *der_len = len;
    return rc;
}

/* not_before = now - 1 day (clock skew), not_after = now + 10 years, both as
 * mbedTLS wants them: "YYYYMMDDhhmmss" UTC. */
static int
validity_strings(char not_before[16], char not_after[16])
{
    time_t now = time(NULL), t;
    struct tm tm;

    t = now - 24 * 60 * 60;
    if (!gmtime_r(&t, &tm) || strftime(not_before, 16, "%Y%m%d%H%M%S", &tm) != 14)
        return POD_ERR_INVAL;
    if (!gmtime_r(&now, &tm))
        return POD_ERR_INVAL;
    tm.tm_year += TLS_VALID_YEARS;
    /* timegm() normalises 29 February into a year that has none. */
    t = timegm(&tm);
    if (t == (time_t)-1 || !gmtime_r(&t, &tm) || strftime(not_after, 16, "%Y%m%d%H%M%S", &tm) != 14)
        return POD_ERR_INVAL;
    return POD_OK;
}

static int
random_serial(mbedtls_mpi *serial)
{
    unsigned char b[TLS_SERIAL_LEN];
    size_t i;
    unsigned char any = 0;
    int ret;

    ret = crypto_random(b, sizeof b);
    if (ret != POD_OK)
        goto out;
    b[0] &= 0x7f; /* DER INTEGER: keep it positive in 16 bytes */
    for (i = 0; i < sizeof b; i++)
        any |= b[i];
    if (!any)
        b[sizeof b - 1] = 1; /* RFC 5280 wants a positive serial */
    if (mbedtls_mpi_read_binary(serial, b, sizeof b) != 0)
        ret = POD_ERR_NOMEM;
out:
    mbedtls_platform_zeroize(b, sizeof b);
    return ret;
}

int
crypto_tls_selfsigned_create(const char *pem_path, const char *host)
{
    struct tls_host h;
    mbedtls_pk_context key;
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    char subject[TLS_HOST_MAX + 4], not_before[16], not_after[16];
    char why[256] = "";
    unsigned char san_buf[TLS_EXT_DER_MAX], eku_buf[32];
    unsigned char *san, *eku;
    size_t san_len, eku_len;
    unsigned char key_pem[1024];
    unsigned char *crt_pem = NULL;
    int rc = 0, ret;

    mbedtls_pk_init(&key);
    mbedtls_x509write_crt_init(&crt);
    mbedtls_mpi_init(&serial);
    key_pem[0] = '\0';

    ret = host_parse(host, &h);
    if (ret != POD_OK) {
        LOG_ERR("crypto", "cannot make a certificate for host '%s': not a host name", host);
        goto out;
    }
    ret = validity_strings(not_before, not_after);
    if (ret != POD_OK)
        goto out;
    ret = random_serial(&serial);
    if (ret != POD_OK)
        goto out;
    snprintf(subject, sizeof subject, "CN=%s", h.name);
    crt_pem = malloc(TLS_CERT_PEM_MAX);
    if (!crt_pem) {
        ret = POD_ERR_NOMEM;
        goto out;
    }

    ret = POD_ERR_CRYPTO;
    if ((rc = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY))) != 0 ||
        (rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), crypto_rng_callback,
                                  NULL)) != 0)
        goto out;

    mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&crt, &key);
    mbedtls_x509write_crt_set_issuer_key(&crt, &key);
    if ((rc = mbedtls_x509write_crt_set_subject_name(&crt, subject)) != 0 ||
        (rc = mbedtls_x509write_crt_set_issuer_name(&crt, subject)) != 0 ||
        (rc = mbedtls_x509write_crt_set_serial(&crt, &serial)) != 0 ||
        (rc = mbedtls_x509write_crt_set_validity(&crt, not_before, not_after)) != 0 ||
        (rc = mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1)) != 0 ||
        (rc = mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE)) != 0 ||
        (rc = mbedtls_x509write_crt_set_subject_key_identifier(&crt)) != 0)
        goto out;
    if ((rc = san_der(&h, san_buf, sizeof san_buf, &san, &san_len)) != 0 ||
        (rc = mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
                                                  san, san_len)) != 0)
        goto out;
    if ((rc = eku_der(eku_buf, sizeof eku_buf, &eku, &eku_len)) != 0 ||
        (rc = mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
                                                  0, eku, eku_len)) != 0)
        goto out;

    if ((rc = mbedtls_pk_write_key_pem(&key, key_pem, sizeof key_pem)) != 0 ||
        (rc = mbedtls_x509write_crt_pem(&crt, crt_pem, TLS_CERT_PEM_MAX, crypto_rng_callback,
                                        NULL)) != 0)
        goto out;

    ret = write_file_atomic(pem_path, key_pem, strlen((char *)key_pem), crt_pem,
                            strlen((char *)crt_pem), why, sizeof why);
    if (ret != POD_OK)
        goto out;
    LOG_INFO("crypto", "created a self-signed certificate for %s in %s", h.name, pem_path);
out:
    if (rc != 0) {
        LOG_ERR("crypto", "self-signed certificate: mbedTLS -0x%04x", (unsigned)-rc);
        ret = rc == MBEDTLS_ERR_PK_ALLOC_FAILED || rc == MBEDTLS_ERR_MPI_ALLOC_FAILED ||
                      rc == MBEDTLS_ERR_ECP_ALLOC_FAILED
                  ? POD_ERR_NOMEM
                  : POD_ERR_CRYPTO;
    } else if (ret != POD_OK && why[0]) {
        LOG_ERR("crypto", "self-signed certificate: %s", why);
    }
    mbedtls_platform_zeroize(key_pem, sizeof key_pem);
    free(crt_pem);
    mbedtls_mpi_free(&serial);
    mbedtls_x509write_crt_free(&crt);
    mbedtls_pk_free(&key);
    return ret;
}

/* ------------------------------------------------------------------ checks */

int
crypto_tls_pem_check(const char *pem_path, char *why, size_t why_len)
{
    mbedtls_pk_context key;
    mbedtls_x509_crt chain;
    unsigned char *buf = NULL;
    size_t len = 0;
    int ret;

    mbedtls_pk_init(&key);
    mbedtls_x509_crt_init(&chain);
    pod_why(why, why_len, "%s", "");
    ret = read_file(pem_path, &buf, &len, why, why_len);
    if (ret != POD_OK)
        goto out;
    ret = load_key(buf, len, &key, why, why_len);
    if (ret != POD_OK)
        goto out;
    ret = load_chain(buf, len, &chain, why, why_len);
    if (ret != POD_OK)
        goto out;
    ret = check_pair(&chain, &key, why, why_len);
out:
    free_file(buf, len);
    mbedtls_x509_crt_free(&chain);
    mbedtls_pk_free(&key);
    return ret;
}

/* Appends the PEM of each certificate of chain to a new buffer. */
static int
chain_pem(const mbedtls_x509_crt *chain, unsigned char **out, size_t *out_len)
{
    const mbedtls_x509_crt *c;
    unsigned char *buf = NULL;
    size_t cap = 1, used = 0, olen;
    int ret = POD_OK;

    /* base64 takes 4/3, plus a newline per 64 characters and the armour. */
    for (c = chain; c && c->raw.len; c = c->next)
        cap += c->raw.len / 3 * 4 + c->raw.len / 48 + 128;
    buf = malloc(cap);
    if (!buf) {
        ret = POD_ERR_NOMEM;
        goto out;
    }
    for (c = chain; c && c->raw.len; c = c->next) {
        if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                     c->raw.p, c->raw.len, buf + used, cap - used, &olen) != 0) {
            ret = POD_ERR_LIMIT;
            goto out;
        }
        used += olen - 1; /* olen counts the NUL */
    }
    *out = buf;
    *out_len = used;
    buf = NULL;
out:
    free(buf);
    return ret;
}

int
crypto_tls_pem_combine(const char *cert_path, const char *key_path, const char *out_path, char *why,
                       size_t why_len)
{
    mbedtls_pk_context key;
    mbedtls_x509_crt chain;
    unsigned char *cert_buf = NULL, *key_buf = NULL, *key_pem = NULL, *certs_pem = NULL;
    size_t cert_len = 0, key_len = 0, certs_len = 0;
    int rc, ret;

    mbedtls_pk_init(&key);
    mbedtls_x509_crt_init(&chain);
    pod_why(why, why_len, "%s", "");
    ret = read_file(cert_path, &cert_buf, &cert_len, why, why_len);
    if (ret != POD_OK)
        goto out;
    ret = read_file(key_path, &key_buf, &key_len, why, why_len);
    if (ret != POD_OK)
        goto out;
    ret = load_key(key_buf, key_len, &key, why, why_len);
    if (ret != POD_OK)
        goto out;
    ret = load_chain(cert_buf, cert_len, &chain, why, why_len);
    if (ret != POD_OK)
        goto out;
    ret = check_pair(&chain, &key, why, why_len);
    if (ret != POD_OK)
        goto out;

    /* Both are written back from what mbedTLS parsed, not copied: the key
     * file may be DER or PKCS#8 or carry other blocks, the certificate file
     * may be DER, and neither should drag stray text into the output. */
    key_pem = calloc(1, TLS_KEY_PEM_MAX);
    if (!key_pem) {
        ret = POD_ERR_NOMEM;
        pod_why(why, why_len, "out of memory");
        goto out;
    }
    rc = mbedtls_pk_write_key_pem(&key, key_pem, TLS_KEY_PEM_MAX);
    if (rc != 0) {
        ret = POD_ERR_CRYPTO;
        set_why_tls(why, why_len, "cannot write the key as PEM", rc);
        goto out;
    }
    ret = chain_pem(&chain, &certs_pem, &certs_len);
    if (ret != POD_OK) {
        pod_why(why, why_len, "cannot write the certificates as PEM");
        goto out;
    }
    ret = write_file_atomic(out_path, key_pem, strlen((char *)key_pem), certs_pem, certs_len, why,
                            why_len);
out:
    if (key_pem) {
        mbedtls_platform_zeroize(key_pem, TLS_KEY_PEM_MAX);
        free(key_pem);
    }
    free(certs_pem);
    free_file(key_buf, key_len);
    free_file(cert_buf, cert_len);
    mbedtls_x509_crt_free(&chain);
    mbedtls_pk_free(&key);
    return ret;
}

int
crypto_tls_fingerprint(const char *pem_path, char out[65])
{
    mbedtls_x509_crt chain;
    unsigned char *buf = NULL;
    size_t len = 0;
    uint8_t digest[CRYPTO_SHA256_LEN];
    int ret;

    mbedtls_x509_crt_init(&chain);
    out[0] = '\0';
    ret = read_file(pem_path, &buf, &len, NULL, 0);
    if (ret != POD_OK)
        goto out;
    ret = load_chain(buf, len, &chain, NULL, 0);
    if (ret != POD_OK)
        goto out;
    crypto_sha256(chain.raw.p, chain.raw.len, digest);
    crypto_hex(digest, sizeof digest, out);
out:
    free_file(buf, len);
    mbedtls_x509_crt_free(&chain);
    return ret;
}

/* An X.509 time (UTC) in Unix seconds. */
static int64_t
x509_time_unix(const mbedtls_x509_time *t)
{
    struct tm tm = {0};

    tm.tm_year = t->year - 1900;
    tm.tm_mon = t->mon - 1;
    tm.tm_mday = t->day;
    tm.tm_hour = t->hour;
    tm.tm_min = t->min;
    tm.tm_sec = t->sec;
    return (int64_t)timegm(&tm);
}

/* True when crt names host among its DNS subjectAltNames. */
static bool
crt_names_host(const mbedtls_x509_crt *crt, const char *host)
{
    size_t n = strlen(host);

    for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s && s->buf.p; s = s->next)
        if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2) && s->buf.len == n &&
            strncasecmp((const char *)s->buf.p, host, n) == 0)
            return true;
    return false;
}

int
crypto_tls_pem_facts(const char *pem_path, const char *host, struct crypto_cert_facts *out)
{
    mbedtls_x509_crt crt;
    const mbedtls_x509_name *cn = NULL, *o = NULL, *name;
    int rc;

    memset(out, 0, sizeof *out);
    if (!pem_path || !*pem_path)
        return POD_ERR_INVAL;
    mbedtls_x509_crt_init(&crt);
    rc = mbedtls_x509_crt_parse_file(&crt, pem_path);
    if (rc < 0 || !crt.raw.p) {
        mbedtls_x509_crt_free(&crt);
        return POD_ERR_INVAL;
    }
    out->not_before = x509_time_unix(&crt.valid_from);
    out->not_after = x509_time_unix(&crt.valid_to);
    out->self_signed = crt.issuer_raw.len == crt.subject_raw.len &&
                       memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.issuer_raw.len) == 0;
    out->names_host = host && crt_names_host(&crt, host);
    for (const mbedtls_x509_name *a = &crt.issuer; a; a = a->next) {
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &a->oid) == 0)
            cn = a;
        else if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_ORGANIZATION, &a->oid) == 0)
            o = a;
    }
    name = cn ? cn : o;
    if (name) {
        size_t n = name->val.len < sizeof out->issuer ? name->val.len : sizeof out->issuer - 1;

        memcpy(out->issuer, name->val.p, n);
        out->issuer[n] = '\0';
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)out->issuer[i] < 0x20 || out->issuer[i] == 0x7f)
                out->issuer[i] = '?';
    }
    mbedtls_x509_crt_free(&crt);
    return POD_OK;
}
