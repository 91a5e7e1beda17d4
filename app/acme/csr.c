/*
 * csr.c - EC P-256 keys, the CSR and private files of the ACME client
 * (acme/csr.h).
 */
#include "acme/csr.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/base64.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_csr.h>

#include "core/error.h"
#include "crypto/crypto.h"

#define HOST_MAX 253

int
acme_key_generate(mbedtls_pk_context *key)
{
    if (mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0)
        return POD_ERR_CRYPTO;
    if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key), crypto_rng_callback,
                            NULL) != 0)
        return POD_ERR_CRYPTO;
    return POD_OK;
}

int
acme_key_pem(mbedtls_pk_context *key, char *out, size_t cap)
{
    int rc = mbedtls_pk_write_key_pem(key, (unsigned char *)out, cap);

    if (rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL || rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL)
        return POD_ERR_LIMIT;
    return rc == 0 ? POD_OK : POD_ERR_CRYPTO;
}

static int
fsync_dir_of(const char *path)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    size_t n;
    int fd, rc = 0;

    if (!slash) {
        strcpy(dir, ".");
    } else {
        n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof dir)
            return -1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = -1;
    close(fd);
    return rc;
}

static int
write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int
acme_file_write_atomic(const char *path, const void *a, size_t alen, const void *b, size_t blen,
                       char *why, size_t why_len)
{
    char tmp[1024];
    int fd, n, err;

    n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path ? path : "");
    if (!path || !path[0] || n < 0 || (size_t)n >= sizeof tmp) {
        pod_why(why, why_len, "bad file name");
        return POD_ERR_INVAL;
    }
    fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        pod_why(why, why_len, "cannot create a file next to %s: %s", path, strerror(errno));
        return POD_ERR_IO;
    }
    if (fchmod(fd, 0600) != 0 || write_all(fd, a, alen) != 0 ||
        (b && blen && write_all(fd, b, blen) != 0) || fsync(fd) != 0) {
        err = errno;
        close(fd);
        unlink(tmp);
        pod_why(why, why_len, "cannot write %s: %s", tmp, strerror(err));
        return POD_ERR_IO;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        err = errno;
        unlink(tmp);
        pod_why(why, why_len, "cannot replace %s: %s", path, strerror(err));
        return POD_ERR_IO;
    }
    if (fsync_dir_of(path) != 0) {
        pod_why(why, why_len, "cannot sync the directory of %s: %s", path, strerror(errno));
        return POD_ERR_IO;
    }
    return POD_OK;
}

/* True when key is an EC P-256 private key. */
static bool
is_p256(const mbedtls_pk_context *key)
{
    return mbedtls_pk_get_type(key) == MBEDTLS_PK_ECKEY &&
           mbedtls_pk_ec(*key)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

int
acme_key_load_or_create(const char *path, mbedtls_pk_context *key, bool *created, char *why,
                        size_t why_len)
{
    char pem[ACME_KEY_PEM_MAX];
    struct stat st;
    int rc;

    if (created)
        *created = false;
    if (!path || !path[0]) {
        pod_why(why, why_len, "no account key path");
        return POD_ERR_INVAL;
    }
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode) || st.st_size > 16384) {
            pod_why(why, why_len, "%s is not a key file", path);
            return POD_ERR_PARSE;
        }
        rc = mbedtls_pk_parse_keyfile(key, path, NULL);
        if (rc == MBEDTLS_ERR_PK_FILE_IO_ERROR) {
            pod_why(why, why_len, "cannot read %s", path);
            return POD_ERR_IO;
        }
        if (rc != 0) {
            pod_why(why, why_len, "%s holds no private key in PEM", path);
            return POD_ERR_PARSE;
        }
        if (!is_p256(key)) {
            pod_why(why, why_len, "%s is not an EC P-256 key", path);
            return POD_ERR_INVAL;
        }
        return POD_OK;
    }
    if (errno != ENOENT) {
        pod_why(why, why_len, "cannot read %s: %s", path, strerror(errno));
        return POD_ERR_IO;
    }
    if (acme_key_generate(key) != POD_OK) {
        pod_why(why, why_len, "cannot make an account key");
        return POD_ERR_CRYPTO;
    }
    rc = acme_key_pem(key, pem, sizeof pem);
    if (rc == POD_OK)
        rc = acme_file_write_atomic(path, pem, strlen(pem), NULL, 0, why, why_len);
    else
        pod_why(why, why_len, "cannot encode the account key");
    mbedtls_platform_zeroize(pem, sizeof pem);
    if (rc == POD_OK && created)
        *created = true;
    return rc;
}

/* subjectAltName value: SEQUENCE { [2] IA5String host }. */
static int
san_value(const char *host, unsigned char *buf, size_t cap, unsigned char **der, size_t *der_len)
{
    unsigned char *p = buf + cap;
    size_t len = 0;
    int rc;

    rc = mbedtls_asn1_write_raw_buffer(&p, buf, (const unsigned char *)host, strlen(host));
    if (rc < 0)
        return rc;
    len += (size_t)rc;
    if ((rc = mbedtls_asn1_write_len(&p, buf, len)) < 0)
        return rc;
    len += (size_t)rc;
    if ((rc = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)) < 0)
        return rc;
    len += (size_t)rc;
    if ((rc = mbedtls_asn1_write_len(&p, buf, len)) < 0)
        return rc;
    len += (size_t)rc;
    if ((rc = mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) <
        0)
        return rc;
    len += (size_t)rc;
    *der = p;
    *der_len = len;
    return 0;
}

int
acme_csr_der(mbedtls_pk_context *key, const char *host, unsigned char *buf, size_t cap,
             const unsigned char **der, size_t *der_len)
{
    mbedtls_x509write_csr csr;
    unsigned char san_buf[HOST_MAX + 16], *san = NULL;
    size_t san_len = 0, hlen;
    char subject[HOST_MAX + 8];
    int rc, ret = POD_ERR_CRYPTO;

    *der = NULL;
    *der_len = 0;
    if (!host || !(hlen = strlen(host)) || hlen > HOST_MAX || strchr(host, ',') ||
        strchr(host, '=') || strchr(host, '\\'))
        return POD_ERR_INVAL;
    snprintf(subject, sizeof subject, "CN=%s", host);
    mbedtls_x509write_csr_init(&csr);
    mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(&csr, key);
    if (mbedtls_x509write_csr_set_subject_name(&csr, subject) != 0)
        goto out;
    if (san_value(host, san_buf, sizeof san_buf, &san, &san_len) != 0)
        goto out;
    if (mbedtls_x509write_csr_set_extension(&csr, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), san,
                                            san_len) != 0)
        goto out;
    rc = mbedtls_x509write_csr_der(&csr, buf, cap, crypto_rng_callback, NULL);
    if (rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL) {
        ret = POD_ERR_LIMIT;
        goto out;
    }
    if (rc <= 0)
        goto out;
    *der = buf + cap - (size_t)rc;
    *der_len = (size_t)rc;
    ret = POD_OK;
out:
    mbedtls_x509write_csr_free(&csr);
    return ret;
}
