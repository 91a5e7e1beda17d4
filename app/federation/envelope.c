/*
 * envelope.c - Magic Envelope parsing, verification and signing
 * (docs/diaspora-federation.md §4; the rules are listed in envelope.h).
 *
 * Parsing runs expat in namespace mode (names arrive as "URI\1local"; \1
 * cannot occur in a namespace name, XML 1.0 forbids it even as a character
 * reference), collects the text of the first me:data, me:encoding, me:alg
 * and me:sig children of the root, and refuses any DOCTYPE. me:data's text
 * grows in a malloc'd buffer that is freed before returning; only the
 * decoded payload goes into the caller's arena. The signature base string
 * is built, hashed and dropped during parsing, so fed_envelope_verify needs
 * only the digest.
 */
#include "federation/envelope.h"

#include "core/error.h"
#include "crypto/crypto.h"
#include "crypto/rsa.h"

#include <expat.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define ME_NS      "http://salmon-protocol.org/ns/magic-env"
#define DATA_TYPE  "application/xml"
#define ENCODING   "base64url"
#define ALGORITHM  "RSA-SHA256"
#define NS_SEP     '\1'
#define DATA_CHUNK 4096

enum field { F_DATA, F_ENCODING, F_ALG, F_SIG, F_COUNT };

static const char *const field_local[F_COUNT] = {"data", "encoding", "alg", "sig"};

/* A growable text buffer; small fields use a fixed cap. */
struct textbuf {
    char *s;
    size_t len, cap, max;
};

struct parse_state {
    XML_Parser p;
    int err;       /* first error, POD_OK while all is well */
    char why[160]; /* its reason */
    unsigned depth;
    bool root_is_env;
    char *me_uri; /* what the root binds "me" to (malloc'd), NULL if nothing */
    bool found[F_COUNT];
    int capture;            /* field whose text is being collected, or -1 */
    unsigned capture_depth; /* depth of that element */
    struct textbuf text[F_COUNT];
    bool have_type, have_key_id;
    struct textbuf type, key_id;
};

static void
stop(struct parse_state *st, int err, const char *why)
{
    if (st->err == POD_OK) {
        st->err = err;
        pod_why(st->why, sizeof st->why, "%s", why);
    }
    XML_StopParser(st->p, XML_FALSE);
}

/* Appends n bytes to b; false when over b->max or out of memory. */
static bool
textbuf_append(struct textbuf *b, const char *s, size_t n, int *err)
{
    size_t want;
    char *grown;

    if (n > b->max - b->len) {
        *err = POD_ERR_LIMIT;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        want = b->cap ? b->cap : DATA_CHUNK;
        while (want < b->len + n + 1)
            want *= 2;
        if (want > b->max + 1)
            want = b->max + 1;
        grown = realloc(b->s, want);
        if (!grown) {
            *err = POD_ERR_NOMEM;
            return false;
        }
        b->s = grown;
        b->cap = want;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return true;
}

/* The local part of an expat NS name. */
static const char *
local_name(const char *name)
{
    const char *sep = strrchr(name, NS_SEP);

    return sep ? sep + 1 : name;
}

/* True when name is "<uri>\1<local>". */
static bool
ns_name_is(const char *name, const char *uri, const char *local)
{
    size_t ulen = strlen(uri);

    return strncmp(name, uri, ulen) == 0 && name[ulen] == NS_SEP &&
           strcmp(name + ulen + 1, local) == 0;
}

/* The value of the attribute without namespace called local, or NULL (the
 * gem reads node["key_id"], i.e. an attribute without prefix). */
static const char *
plain_attr(const XML_Char **atts, const char *local)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], local) == 0)
            return atts[i + 1];
    return NULL;
}

static void
take_attr(struct parse_state *st, struct textbuf *b, bool *have, const char *value,
          const char *what)
{
    int err = POD_OK;

    if (!value)
        return;
    *have = true;
    if (!textbuf_append(b, value, strlen(value), &err))
        stop(st, err, err == POD_ERR_LIMIT ? what : "out of memory");
}

static void XMLCALL
on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct parse_state *st = ud;
    int f;

    if (++st->depth > FED_ENVELOPE_MAX_DEPTH) {
        stop(st, POD_ERR_LIMIT, "elements nested too deep");
        return;
    }
    if (st->depth == 1) {
        st->root_is_env = strcmp(local_name(name), "env") == 0;
        return;
    }
    if (st->depth != 2 || !st->me_uri || st->capture >= 0)
        return;
    for (f = 0; f < F_COUNT; f++) {
        if (st->found[f] || !ns_name_is(name, st->me_uri, field_local[f]))
            continue;
        st->found[f] = true;
        st->capture = f;
        st->capture_depth = st->depth;
        if (f == F_DATA)
            take_attr(st, &st->type, &st->have_type, plain_attr(atts, "type"),
                      "me:data type too long");
        else if (f == F_SIG)
            take_attr(st, &st->key_id, &st->have_key_id, plain_attr(atts, "key_id"),
                      "key_id too long");
        return;
    }
}

static void XMLCALL
on_end(void *ud, const XML_Char *name)
{
    struct parse_state *st = ud;

    (void)name;
    if (st->capture >= 0 && st->depth == st->capture_depth)
        st->capture = -1;
    st->depth--;
}

static void XMLCALL
on_text(void *ud, const XML_Char *s, int len)
{
    struct parse_state *st = ud;
    int err = POD_OK;

    if (st->capture < 0 || len <= 0)
        return;
    if (!textbuf_append(&st->text[st->capture], s, (size_t)len, &err))
        stop(st, err,
             err == POD_ERR_NOMEM   ? "out of memory"
             : st->capture == F_SIG ? "me:sig too long"
                                    : "a field too long");
}

static void XMLCALL
on_ns_start(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
    struct parse_state *st = ud;

    /* Only the root's own declarations count, as for the gem's XPath. */
    if (st->depth != 0 || !prefix || strcmp(prefix, "me") != 0 || !uri || !uri[0] || st->me_uri)
        return;
    st->me_uri = strdup(uri);
    if (!st->me_uri)
        stop(st, POD_ERR_NOMEM, "out of memory");
}

static void XMLCALL
on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
           int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    stop(ud, POD_ERR_PARSE, "DOCTYPE not allowed");
}

/* Decodes base64url as Ruby's urlsafe_decode64 does ('-' '_' or '+' '/',
 * padding optional, nothing else) into a new arena block with a NUL after
 * it. s is translated in place. */
static int
b64url_decode_gem(char *s, size_t n, struct pod_arena *a, uint8_t **out, size_t *olen)
{
    size_t cap = crypto_b64_decoded_max(n);
    uint8_t *buf;
    int rc;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-')
            s[i] = '+';
        else if (s[i] == '_')
            s[i] = '/';
    }
    buf = pod_arena_alloc(a, cap + 1);
    if (!buf)
        return POD_ERR_NOMEM;
    rc = crypto_b64_decode(s, n, buf, cap, olen);
    if (rc != POD_OK)
        return POD_ERR_PARSE;
    buf[*olen] = '\0';
    *out = buf;
    return POD_OK;
}

/* As b64url_decode_gem into a fixed buffer. */
static int
b64url_decode_gem_fixed(char *s, size_t n, uint8_t *out, size_t cap, size_t *olen)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '-')
            s[i] = '+';
        else if (s[i] == '_')
            s[i] = '/';
    }
    return crypto_b64_decode(s, n, out, cap, olen) == POD_OK ? POD_OK : POD_ERR_PARSE;
}

/* Printable ASCII without spaces, 1..POD_DIASPORA_ID_MAX bytes. */
static bool
sender_plausible(const uint8_t *s, size_t n)
{
    if (n == 0 || n > POD_DIASPORA_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x21 || s[i] > 0x7e)
            return false;
    return true;
}

/* ------------------------------------------------------------ base string */

struct part {
    const void *p;
    size_t n;
};

static size_t
base_len(const struct part *parts, size_t count)
{
    size_t total = count - 1; /* the dots */

    for (size_t i = 0; i < count; i++)
        total += crypto_b64_encoded_len(parts[i].n);
    return total;
}

/* Writes the dot-joined padded base64url of each part into out (cap >
 * base_len) with a NUL. */
static void
base_write(const struct part *parts, size_t count, char *out, size_t cap)
{
    size_t pos = 0, n;

    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            out[pos++] = '.';
        crypto_b64url_encode(parts[i].p, parts[i].n, out + pos, cap - pos, &n);
        pos += n;
    }
    out[pos] = '\0';
}

/* digest = SHA-256 of the base string of the parts. */
static int
base_digest(const struct part *parts, size_t count, uint8_t digest[CRYPTO_SHA256_LEN])
{
    size_t n = base_len(parts, count);
    char *buf = malloc(n + 1);

    if (!buf)
        return POD_ERR_NOMEM;
    base_write(parts, count, buf, n + 1);
    crypto_sha256(buf, n, digest);
    free(buf);
    return POD_OK;
}

char *
fed_envelope_base_string(const void *payload, size_t len, struct pod_arena *a, size_t *out_len)
{
    struct part parts[4] = {{payload, len},
                            {DATA_TYPE, sizeof DATA_TYPE - 1},
                            {ENCODING, sizeof ENCODING - 1},
                            {ALGORITHM, sizeof ALGORITHM - 1}};
    size_t n;
    char *out;

    if ((!payload && len > 0) || len > FED_ENVELOPE_MAX_BYTES)
        return NULL;
    n = base_len(parts, 4);
    out = pod_arena_alloc(a, n + 1);
    if (!out)
        return NULL;
    base_write(parts, 4, out, n + 1);
    if (out_len)
        *out_len = n;
    return out;
}

/* ------------------------------------------------------------------ parse */

int
fed_envelope_parse(const char *xml, size_t len, struct pod_arena *a, struct fed_envelope *out,
                   char *why, size_t why_len)
{
    struct parse_state st;
    struct part parts[4];
    uint8_t *payload = NULL, key_id[FED_ENVELOPE_KEYID_MAX];
    size_t payload_len = 0, key_len = 0;
    int ret = POD_OK, f;

    if (out)
        memset(out, 0, sizeof *out);
    if (!xml || !a || !out) {
        pod_why(why, why_len, "missing argument");
        return POD_ERR_INVAL;
    }
    if (len > FED_ENVELOPE_MAX_BYTES) {
        pod_why(why, why_len, "envelope of %zu bytes is over the %d-byte limit", len,
                FED_ENVELOPE_MAX_BYTES);
        return POD_ERR_LIMIT;
    }
    memset(&st, 0, sizeof st);
    st.capture = -1;
    st.text[F_DATA].max = len;
    st.text[F_ENCODING].max = FED_ENVELOPE_FIELD_MAX;
    st.text[F_ALG].max = FED_ENVELOPE_FIELD_MAX;
    st.text[F_SIG].max = FED_ENVELOPE_SIG_MAX;
    st.type.max = FED_ENVELOPE_FIELD_MAX;
    st.key_id.max = FED_ENVELOPE_KEYID_MAX;
    st.p = XML_ParserCreateNS(NULL, NS_SEP);
    if (!st.p) {
        pod_why(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    XML_SetUserData(st.p, &st);
    XML_SetElementHandler(st.p, on_start, on_end);
    XML_SetCharacterDataHandler(st.p, on_text);
    XML_SetStartNamespaceDeclHandler(st.p, on_ns_start);
    XML_SetStartDoctypeDeclHandler(st.p, on_doctype);
    XML_SetParamEntityParsing(st.p, XML_PARAM_ENTITY_PARSING_NEVER);

    if (XML_Parse(st.p, xml, (int)len, XML_TRUE) != XML_STATUS_OK && st.err == POD_OK) {
        st.err = POD_ERR_PARSE;
        pod_why(st.why, sizeof st.why, "not XML: %s at line %lu",
                XML_ErrorString(XML_GetErrorCode(st.p)),
                (unsigned long)XML_GetCurrentLineNumber(st.p));
    }
    if (st.err != POD_OK) {
        ret = st.err;
        pod_why(why, why_len, "%s", st.why);
        goto out;
    }

    /* The gem's order: the envelope's shape, then what the signature needs,
     * then encoding and algorithm. */
    ret = POD_ERR_PARSE;
    if (!st.root_is_env) {
        pod_why(why, why_len, "the root element is not env");
        goto out;
    }
    if (!st.me_uri) {
        pod_why(why, why_len, "the root does not declare the me: prefix");
        goto out;
    }
    if (!st.found[F_DATA] || st.text[F_DATA].len == 0) {
        pod_why(why, why_len, "me:data missing or empty");
        goto out;
    }
    if (!st.found[F_SIG] || st.text[F_SIG].len == 0) {
        pod_why(why, why_len, "me:sig missing or empty");
        goto out;
    }
    if (!st.have_key_id) {
        pod_why(why, why_len, "me:sig has no key_id");
        goto out;
    }
    if (!st.have_type) {
        pod_why(why, why_len, "me:data has no type");
        goto out;
    }
    if (!st.found[F_ENCODING] || !st.found[F_ALG]) {
        pod_why(why, why_len, "me:encoding or me:alg missing");
        goto out;
    }
    if (st.text[F_ENCODING].len != sizeof ENCODING - 1 ||
        memcmp(st.text[F_ENCODING].s, ENCODING, sizeof ENCODING - 1) != 0) {
        pod_why(why, why_len, "me:encoding is not " ENCODING);
        goto out;
    }
    if (st.text[F_ALG].len != sizeof ALGORITHM - 1 ||
        memcmp(st.text[F_ALG].s, ALGORITHM, sizeof ALGORITHM - 1) != 0) {
        pod_why(why, why_len, "me:alg is not " ALGORITHM);
        goto out;
    }
    ret = b64url_decode_gem(st.text[F_DATA].s, st.text[F_DATA].len, a, &payload, &payload_len);
    if (ret != POD_OK) {
        pod_why(why, why_len, ret == POD_ERR_NOMEM ? "out of memory" : "me:data is not base64url");
        goto out;
    }
    /* The text is no longer needed: give its memory back before the base
     * string is built. */
    free(st.text[F_DATA].s);
    st.text[F_DATA].s = NULL;
    ret = b64url_decode_gem_fixed(st.text[F_SIG].s, st.text[F_SIG].len, out->sig, sizeof out->sig,
                                  &out->sig_len);
    if (ret != POD_OK) {
        pod_why(why, why_len, "me:sig is not base64url or longer than any RSA signature");
        goto out;
    }
    ret = POD_ERR_PARSE;
    /* have_key_id means the attribute was there: its buffer exists even
     * when the value is empty. */
    if (!st.key_id.s || b64url_decode_gem_fixed(st.key_id.s, st.key_id.len, key_id, sizeof key_id,
                                                &key_len) != POD_OK) {
        pod_why(why, why_len, "key_id is not base64url");
        goto out;
    }
    if (!sender_plausible(key_id, key_len)) {
        pod_why(why, why_len, "key_id is not a diaspora* ID");
        goto out;
    }
    memcpy(out->sender, key_id, key_len);
    out->sender[key_len] = '\0';

    parts[0] = (struct part){payload, payload_len};
    parts[1] = (struct part){st.type.s ? st.type.s : "", st.type.len};
    parts[2] = (struct part){st.text[F_ENCODING].s, st.text[F_ENCODING].len};
    parts[3] = (struct part){st.text[F_ALG].s, st.text[F_ALG].len};
    ret = base_digest(parts, 4, out->digest);
    if (ret != POD_OK) {
        pod_why(why, why_len, "out of memory");
        goto out;
    }
    out->payload = (const char *)payload;
    out->payload_len = payload_len;
    ret = POD_OK;
out:
    if (ret != POD_OK)
        memset(out, 0, sizeof *out);
    for (f = 0; f < F_COUNT; f++)
        free(st.text[f].s);
    free(st.type.s);
    free(st.key_id.s);
    free(st.me_uri);
    XML_ParserFree(st.p);
    return ret;
}

int
fed_envelope_verify(const struct fed_envelope *env, const char *sender_pub_pem, char *why,
                    size_t why_len)
{
    int rc;

    if (!env || !sender_pub_pem || env->sig_len == 0) {
        pod_why(why, why_len, "nothing to verify");
        return POD_ERR_INVAL;
    }
    rc = crypto_rsa_verify_digest(sender_pub_pem, env->digest, env->sig, env->sig_len);
    switch (rc) {
    case POD_OK:
        break;
    case POD_ERR_SIG:
        pod_why(why, why_len, "the envelope signature of %s does not verify", env->sender);
        break;
    default:
        pod_why(why, why_len, "the public key of %s is not usable (%s)", env->sender,
                pod_strerror(rc));
    }
    return rc;
}

/* ------------------------------------------------------------------ build */

static const char env_head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<me:env xmlns:me=\"" ME_NS "\">\n"
                               "  <me:data type=\"" DATA_TYPE "\">";
static const char env_mid[] = "</me:data>\n"
                              "  <me:encoding>" ENCODING "</me:encoding>\n"
                              "  <me:alg>" ALGORITHM "</me:alg>\n"
                              "  <me:sig key_id=\"";
static const char env_sig[] = "\">";
static const char env_tail[] = "</me:sig>\n"
                               "</me:env>\n";

int
fed_envelope_build(const void *payload, size_t len, const char *sender, const char *priv_pem,
                   struct pod_arena *a, char **out, size_t *out_len, char *why, size_t why_len)
{
    struct part parts[4] = {{payload, len},
                            {DATA_TYPE, sizeof DATA_TYPE - 1},
                            {ENCODING, sizeof ENCODING - 1},
                            {ALGORITHM, sizeof ALGORITHM - 1}};
    uint8_t digest[CRYPTO_SHA256_LEN], sig[CRYPTO_RSA_MAX_BYTES];
    size_t sig_len = 0, sender_len, total, pos = 0, n;
    char *doc;
    int rc;

    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if ((!payload && len > 0) || !sender || !priv_pem || !a || !out) {
        pod_why(why, why_len, "missing argument");
        return POD_ERR_INVAL;
    }
    sender_len = strlen(sender);
    if (!sender_plausible((const uint8_t *)sender, sender_len)) {
        pod_why(why, why_len, "sender is not a diaspora* ID");
        return POD_ERR_INVAL;
    }
    if (len > FED_ENVELOPE_MAX_BYTES / 4 * 3) {
        pod_why(why, why_len, "payload of %zu bytes is too large for an envelope", len);
        return POD_ERR_LIMIT;
    }
    rc = base_digest(parts, 4, digest);
    if (rc != POD_OK) {
        pod_why(why, why_len, "out of memory");
        return rc;
    }
    rc = crypto_rsa_sign_digest(priv_pem, digest, sig, sizeof sig, &sig_len);
    if (rc != POD_OK) {
        pod_why(why, why_len, "cannot sign for %s (%s)", sender, pod_strerror(rc));
        return rc;
    }
    total = sizeof env_head - 1 + crypto_b64_encoded_len(len) + sizeof env_mid - 1 +
            crypto_b64_encoded_len(sender_len) + sizeof env_sig - 1 +
            crypto_b64_encoded_len(sig_len) + sizeof env_tail - 1;
    if (total > FED_ENVELOPE_MAX_BYTES) {
        pod_why(why, why_len, "envelope of %zu bytes would be over the limit", total);
        return POD_ERR_LIMIT;
    }
    doc = pod_arena_alloc(a, total + 1);
    if (!doc) {
        pod_why(why, why_len, "out of memory");
        return POD_ERR_NOMEM;
    }
    memcpy(doc + pos, env_head, sizeof env_head - 1);
    pos += sizeof env_head - 1;
    crypto_b64url_encode(payload, len, doc + pos, total + 1 - pos, &n);
    pos += n;
    memcpy(doc + pos, env_mid, sizeof env_mid - 1);
    pos += sizeof env_mid - 1;
    crypto_b64url_encode(sender, sender_len, doc + pos, total + 1 - pos, &n);
    pos += n;
    memcpy(doc + pos, env_sig, sizeof env_sig - 1);
    pos += sizeof env_sig - 1;
    crypto_b64url_encode(sig, sig_len, doc + pos, total + 1 - pos, &n);
    pos += n;
    memcpy(doc + pos, env_tail, sizeof env_tail);
    pos += sizeof env_tail - 1;
    *out = doc;
    if (out_len)
        *out_len = pos;
    return POD_OK;
}

/* --------------------------------------------------------- lenient base64 */

static int
b64_std_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int
fed_b64_decode_lenient(const char *in, size_t n, uint8_t *out, size_t cap, size_t *olen)
{
    unsigned q[4];
    size_t i, o = 0;
    int k = 0, v;

    if (olen)
        *olen = 0;
    if ((!in && n > 0) || (!out && cap > 0))
        return POD_ERR_INVAL;
    if (cap < crypto_b64_decoded_max(n))
        return POD_ERR_LIMIT;
    for (i = 0; i < n; i++) {
        v = b64_std_value((unsigned char)in[i]);
        if (v < 0) {
            /* Ruby's unpack("m"): '=' in the third or fourth place of a
             * group ends the input; anything else outside the alphabet
             * (including '=' in the first two places) is skipped. */
            if (in[i] == '=' && k >= 2)
                break;
            continue;
        }
        q[k++] = (unsigned)v;
        if (k == 4) {
            out[o++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
            out[o++] = (uint8_t)(q[1] << 4 | q[2] >> 2);
            out[o++] = (uint8_t)(q[2] << 6 | q[3]);
            k = 0;
        }
    }
    if (k >= 2)
        out[o++] = (uint8_t)(q[0] << 2 | q[1] >> 4);
    if (k == 3)
        out[o++] = (uint8_t)(q[1] << 4 | q[2] >> 2);
    if (olen)
        *olen = o;
    return POD_OK;
}
