/*
 * password.c - argon2id password hashes (libargon2).
 *
 * A stored hash carries its own cost parameters and argon2id_verify obeys
 * them, so before verifying we read m, t and p ourselves and refuse values
 * no plugpod ever wrote: a tampered hash must not make a sign-in allocate
 * gigabytes or run for minutes.
 */
#include "crypto/password.h"

#include "autoconf.h"
#include "core/error.h"
#include "crypto/crypto.h"

#include <argon2.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define PWHASH_SALT_LEN 16
#define PWHASH_HASH_LEN 32
#define PWHASH_PREFIX   "$argon2id$"

/* Bounds on parameters read from a stored hash (Kconfig's own ranges are
 * narrower; these leave room for an admin's change of mind). */
#define PWHASH_VERIFY_M_KIB_MAX (1024UL * 1024UL) /* 1 GiB */
#define PWHASH_VERIFY_T_MAX     64UL
#define PWHASH_VERIFY_P_MAX     16UL

/* Reads "<key>=<decimal>" at *s, the value at most max, and steps past it. */
static bool
read_param(const char **s, char key, unsigned long max, unsigned long *val)
{
    const char *p = *s;
    unsigned long v = 0;

    if (p[0] != key || p[1] != '=')
        return false;
    p += 2;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > max)
            return false;
    }
    *val = v;
    *s = p;
    return true;
}

/* Checks the "$argon2id$[v=N$]m=N,t=N,p=N$" head of encoded against the
 * bounds above. The rest (salt, hash, exact syntax) is libargon2's job. */
static bool
params_acceptable(const char *encoded)
{
    const char *s = encoded + strlen(PWHASH_PREFIX);
    unsigned long v, m, t, p;

    if (s[0] == 'v') {
        if (!read_param(&s, 'v', 0xff, &v) || *s++ != '$')
            return false;
    }
    if (!read_param(&s, 'm', PWHASH_VERIFY_M_KIB_MAX, &m) || *s++ != ',')
        return false;
    if (!read_param(&s, 't', PWHASH_VERIFY_T_MAX, &t) || *s++ != ',')
        return false;
    if (!read_param(&s, 'p', PWHASH_VERIFY_P_MAX, &p) || *s != '$')
        return false;
    return true;
}

static int
map_argon2_error(int rc)
{
    switch (rc) {
    case ARGON2_OK:
        return POD_OK;
    case ARGON2_VERIFY_MISMATCH:
        return POD_ERR_AUTH;
    case ARGON2_MEMORY_ALLOCATION_ERROR:
        return POD_ERR_NOMEM;
    case ARGON2_THREAD_FAIL:
        return POD_ERR_CRYPTO;
    default:
        /* Decoding failures and parameters libargon2 refuses (salt too
         * short, memory too little for the lanes, ...): the hash is bad. */
        return POD_ERR_PARSE;
    }
}

int
crypto_password_hash(const char *password, size_t len, char *out, size_t cap)
{
    uint8_t salt[PWHASH_SALT_LEN];
    size_t need;
    int ret, rc;

    if (!out || (!password && len > 0))
        return POD_ERR_INVAL;
    if (cap > 0)
        out[0] = '\0';
    if (len > CRYPTO_PASSWORD_MAX)
        return POD_ERR_LIMIT;
    need = argon2_encodedlen(CONFIG_POD_ARGON2_T_COST, CONFIG_POD_ARGON2_M_KIB,
                             CONFIG_POD_ARGON2_PARALLELISM, PWHASH_SALT_LEN, PWHASH_HASH_LEN,
                             Argon2_id);
    if (cap < need)
        return POD_ERR_LIMIT;
    ret = crypto_random(salt, sizeof salt);
    if (ret != POD_OK)
        goto out;
    rc = argon2id_hash_encoded(CONFIG_POD_ARGON2_T_COST, CONFIG_POD_ARGON2_M_KIB,
                               CONFIG_POD_ARGON2_PARALLELISM, password, len, salt, sizeof salt,
                               PWHASH_HASH_LEN, out, cap);
    if (rc == ARGON2_OK)
        ret = POD_OK;
    else if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
        ret = POD_ERR_NOMEM;
    else
        ret = POD_ERR_CRYPTO;
out:
    if (ret != POD_OK)
        memset(out, 0, cap);
    return ret;
}

int
crypto_password_verify(const char *encoded, const char *password, size_t len)
{
    size_t n;

    if (!password && len > 0)
        return POD_ERR_INVAL;
    if (!encoded)
        return POD_ERR_PARSE;
    n = strnlen(encoded, CRYPTO_PWHASH_ENCODED_MAX);
    if (n >= CRYPTO_PWHASH_ENCODED_MAX || strncmp(encoded, PWHASH_PREFIX, strlen(PWHASH_PREFIX)))
        return POD_ERR_PARSE;
    if (!params_acceptable(encoded))
        return POD_ERR_PARSE;
    /* Every hash plugpod makes has a PWHASH_HASH_LEN-byte digest: 43
     * characters of unpadded base64. A shorter one is damaged, whatever
     * libargon2 would make of it (it accepts other output lengths). */
    if (strlen(strrchr(encoded, '$') + 1) != (PWHASH_HASH_LEN * 4 + 2) / 3)
        return POD_ERR_PARSE;
    /* crypto_password_hash never hashes more, so this can never match. */
    if (len > CRYPTO_PASSWORD_MAX)
        return POD_ERR_AUTH;
    return map_argon2_error(argon2id_verify(encoded, password, len));
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0.
 * Refuses overlong forms, surrogates, code points above U+10FFFF and NUL. */
static size_t
utf8_seq_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    uint32_t cp;

    if (s[0] == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

int
crypto_password_acceptable(const char *password, size_t len)
{
    const unsigned char *s = (const unsigned char *)password;
    size_t i = 0, step;

    if (!password)
        return POD_ERR_INVAL;
    if (len > CRYPTO_PASSWORD_MAX)
        return POD_ERR_LIMIT;
    if (len < CRYPTO_PASSWORD_MIN)
        return POD_ERR_INVAL;
    while (i < len) {
        step = utf8_seq_len(s + i, len - i);
        if (step == 0)
            return POD_ERR_INVAL;
        i += step;
    }
    return POD_OK;
}
