/*
 * mdns_proto.c - multicast DNS messages: parsing, deciding, building, rate
 * limits (see mdns_proto.h). Every read is bounds-checked against the
 * message length; nothing here allocates.
 */
#include "net/mdns_proto.h"

#include <string.h>

#include "core/error.h"

static uint16_t
get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static char
lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int
mdns_host_set_name(struct mdns_host *h, const char *label)
{
    static const uint8_t local[] = {5, 'l', 'o', 'c', 'a', 'l', 0};
    size_t n = strlen(label);

    if (n > 6 && !strcmp(label + n - 6, ".local"))
        n -= 6;
    if (n < 1 || n > MDNS_LABEL_MAX || label[0] == '-' || label[n - 1] == '-')
        return POD_ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        char c = lower(label[i]);
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return POD_ERR_INVAL;
        h->name[1 + i] = (uint8_t)c;
    }
    h->name[0] = (uint8_t)n;
    memcpy(h->name + 1 + n, local, sizeof local);
    h->name_len = 1 + n + sizeof local;
    return POD_OK;
}

int
mdns_name_read(const uint8_t *msg, size_t len, size_t *off, uint8_t *out, size_t *out_len)
{
    size_t pos = *off, n = 0, end = 0;
    unsigned jumps = 0;
    bool jumped = false;

    for (;;) {
        uint8_t b;
        if (pos >= len)
            return POD_ERR_PARSE;
        b = msg[pos];
        if ((b & 0xc0) == 0xc0) {
            size_t target;
            if (pos + 1 >= len)
                return POD_ERR_PARSE;
            target = ((size_t)(b & 0x3f) << 8) | msg[pos + 1];
            /* Strictly backwards: every jump lowers pos, so no loop. */
            if (target >= pos)
                return POD_ERR_PARSE;
            if (++jumps > MDNS_POINTERS_MAX)
                return POD_ERR_LIMIT;
            if (!jumped) {
                end = pos + 2;
                jumped = true;
            }
            pos = target;
            continue;
        }
        if (b & 0xc0) /* 01 and 10: extended and reserved label types */
            return POD_ERR_PARSE;
        if (b == 0) {
            if (n + 1 > MDNS_NAME_MAX)
                return POD_ERR_LIMIT;
            out[n++] = 0;
            break;
        }
        if (pos + 1 + b > len)
            return POD_ERR_PARSE;
        if (n + 1 + b + 1 > MDNS_NAME_MAX) /* this label and at least the final zero */
            return POD_ERR_LIMIT;
        memcpy(out + n, msg + pos, 1 + (size_t)b);
        n += 1 + (size_t)b;
        pos += 1 + (size_t)b;
    }
    *off = jumped ? end : pos + 1;
    *out_len = n;
    return POD_OK;
}

bool
mdns_name_equal(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    /* Length bytes are below 64 and so never letters: lowering them is harmless. */
    for (size_t i = 0; i < a_len; i++)
        if (lower((char)a[i]) != lower((char)b[i]))
            return false;
    return true;
}

int
mdns_msg_parse(const uint8_t *msg, size_t len, struct mdns_msg *out)
{
    size_t off = 12, records;
    uint8_t name[MDNS_NAME_MAX];
    size_t name_len;
    int rc;

    if (len > MDNS_MSG_MAX)
        return POD_ERR_LIMIT;
    if (len < 12)
        return POD_ERR_PARSE;
    out->id = get16(msg);
    out->flags = get16(msg + 2);
    out->qdcount = get16(msg + 4);
    out->ancount = get16(msg + 6);
    out->nscount = get16(msg + 8);
    out->arcount = get16(msg + 10);
    out->n_questions = 0;
    out->n_known = 0;
    if (out->qdcount > MDNS_QUESTIONS_MAX)
        return POD_ERR_LIMIT;
    /* A question takes at least 5 bytes, a record 11: counts the message
     * cannot hold are refused before any loop runs. */
    records = (size_t)out->ancount + out->nscount + out->arcount;
    if ((size_t)out->qdcount * 5 + records * 11 > len - 12)
        return POD_ERR_PARSE;
    for (size_t i = 0; i < out->qdcount; i++) {
        struct mdns_question *q = &out->q[i];
        rc = mdns_name_read(msg, len, &off, q->name, &q->name_len);
        if (rc != POD_OK)
            return rc;
        if (off + 4 > len)
            return POD_ERR_PARSE;
        q->type = get16(msg + off);
        q->qclass = get16(msg + off + 2) & (uint16_t)~MDNS_QU_BIT;
        q->unicast = (get16(msg + off + 2) & MDNS_QU_BIT) != 0;
        off += 4;
        out->n_questions++;
    }
    for (size_t i = 0; i < records; i++) {
        uint16_t type, rdlen;
        uint32_t ttl;
        rc = mdns_name_read(msg, len, &off, name, &name_len);
        if (rc != POD_OK)
            return rc;
        if (off + 10 > len)
            return POD_ERR_PARSE;
        type = get16(msg + off);
        ttl = get32(msg + off + 4);
        rdlen = get16(msg + off + 8);
        off += 10;
        if (rdlen > len - off)
            return POD_ERR_PARSE;
        if ((type == MDNS_TYPE_A && rdlen != 4) || (type == MDNS_TYPE_AAAA && rdlen != 16))
            return POD_ERR_PARSE;
        if (i < out->ancount && (type == MDNS_TYPE_A || type == MDNS_TYPE_AAAA) &&
            out->n_known < MDNS_KNOWN_MAX) {
            struct mdns_known *k = &out->known[out->n_known++];
            memcpy(k->name, name, name_len);
            k->name_len = name_len;
            k->type = type;
            k->ttl = ttl;
            memcpy(k->addr, msg + off, rdlen);
        }
        off += rdlen;
    }
    if (off != len)
        return POD_ERR_PARSE;
    return POD_OK;
}

/* True when the querier lists every one of our records of this type with
 * at least half our TTL. */
static bool
all_known(const struct mdns_host *h, const struct mdns_msg *m, uint16_t type)
{
    size_t n = type == MDNS_TYPE_A ? h->n4 : h->n6, alen = type == MDNS_TYPE_A ? 4 : 16;

    for (size_t i = 0; i < n; i++) {
        const uint8_t *addr = type == MDNS_TYPE_A ? h->a4[i] : h->a6[i];
        bool found = false;
        for (size_t k = 0; k < m->n_known && !found; k++) {
            const struct mdns_known *kn = &m->known[k];
            found = kn->type == type && kn->ttl >= h->ttl / 2 && !memcmp(kn->addr, addr, alen) &&
                    mdns_name_equal(kn->name, kn->name_len, h->name, h->name_len);
        }
        if (!found)
            return false;
    }
    return true;
}

void
mdns_query_decide(const struct mdns_host *h, const struct mdns_msg *m, uint16_t src_port,
                  struct mdns_reply *r)
{
    bool any_multicast = false;

    memset(r, 0, sizeof *r);
    if (m->flags & (MDNS_FLAG_QR | MDNS_FLAG_OPCODE | MDNS_FLAG_RCODE))
        return;
    r->legacy = src_port != MDNS_PORT;
    for (size_t i = 0; i < m->n_questions; i++) {
        const struct mdns_question *q = &m->q[i];
        unsigned want = 0;
        if (q->qclass != MDNS_CLASS_IN && q->qclass != MDNS_TYPE_ANY)
            continue;
        if (!mdns_name_equal(q->name, q->name_len, h->name, h->name_len))
            continue;
        if ((q->type == MDNS_TYPE_A || q->type == MDNS_TYPE_ANY) && h->n4)
            want |= MDNS_WANT_A;
        if ((q->type == MDNS_TYPE_AAAA || q->type == MDNS_TYPE_ANY) && h->n6)
            want |= MDNS_WANT_AAAA;
        if (!want)
            continue;
        if (!r->want)
            r->question = i;
        r->want |= want;
        if (!q->unicast)
            any_multicast = true;
    }
    /* A legacy resolver gets what it asked for whatever it claims to know. */
    if (!r->legacy) {
        if ((r->want & MDNS_WANT_A) && all_known(h, m, MDNS_TYPE_A))
            r->want &= ~(unsigned)MDNS_WANT_A;
        if ((r->want & MDNS_WANT_AAAA) && all_known(h, m, MDNS_TYPE_AAAA))
            r->want &= ~(unsigned)MDNS_WANT_AAAA;
    }
    r->unicast = r->legacy || !any_multicast;
    if (!r->want)
        memset(r, 0, sizeof *r);
}

/* Appends one address record; name_ptr is 0 for the first (full name). */
static int
put_record(const struct mdns_host *h, bool legacy, uint16_t type, const uint8_t *addr, size_t alen,
           size_t name_ptr, uint8_t *out, size_t cap, size_t *pos)
{
    size_t need = (name_ptr ? 2 : h->name_len) + 10 + alen;
    uint8_t *p = out + *pos;

    if (cap - *pos < need)
        return POD_ERR_LIMIT;
    if (name_ptr) {
        put16(p, (uint16_t)(0xc000 | name_ptr));
        p += 2;
    } else {
        memcpy(p, h->name, h->name_len);
        p += h->name_len;
    }
    put16(p, type);
    put16(p + 2, (uint16_t)(MDNS_CLASS_IN | (legacy ? 0 : MDNS_FLUSH_BIT)));
    put32(p + 4, legacy && h->ttl > MDNS_LEGACY_TTL ? MDNS_LEGACY_TTL : h->ttl);
    put16(p + 8, (uint16_t)alen);
    memcpy(p + 10, addr, alen);
    *pos += need;
    return POD_OK;
}

int
mdns_reply_build(const struct mdns_host *h, const struct mdns_reply *r, const struct mdns_msg *m,
                 uint8_t *out, size_t cap, size_t *out_len)
{
    size_t pos = 12, name_at = 0, count = 0;
    int rc;

    if (!r->want || (r->legacy && (!m || r->question >= m->n_questions)))
        return POD_ERR_INVAL;
    if (cap < 12)
        return POD_ERR_LIMIT;
    memset(out, 0, 12);
    put16(out + 2, MDNS_FLAG_QR | MDNS_FLAG_AA);
    if (r->legacy) {
        const struct mdns_question *q = &m->q[r->question];
        put16(out, m->id);
        put16(out + 4, 1);
        if (cap - pos < q->name_len + 4)
            return POD_ERR_LIMIT;
        memcpy(out + pos, q->name, q->name_len);
        put16(out + pos + q->name_len, q->type);
        put16(out + pos + q->name_len + 2, q->qclass);
        name_at = pos; /* the question's name is ours, up to case */
        pos += q->name_len + 4;
    }
    if (r->want & MDNS_WANT_A)
        for (size_t i = 0; i < h->n4; i++) {
            rc = put_record(h, r->legacy, MDNS_TYPE_A, h->a4[i], 4, name_at, out, cap, &pos);
            if (rc != POD_OK)
                return rc;
            if (!name_at)
                name_at = 12;
            count++;
        }
    if (r->want & MDNS_WANT_AAAA)
        for (size_t i = 0; i < h->n6; i++) {
            rc = put_record(h, r->legacy, MDNS_TYPE_AAAA, h->a6[i], 16, name_at, out, cap, &pos);
            if (rc != POD_OK)
                return rc;
            if (!name_at)
                name_at = 12;
            count++;
        }
    if (!count)
        return POD_ERR_INVAL;
    put16(out + 6, (uint16_t)count);
    *out_len = pos;
    return POD_OK;
}

void
mdns_rate_init(struct mdns_rate *rl, unsigned per_sec)
{
    memset(rl, 0, sizeof *rl);
    rl->per_sec = per_sec;
    rl->window_start = -1;
}

unsigned
mdns_rate_multicast(struct mdns_rate *rl, unsigned want, int64_t now)
{
    unsigned ok = 0;

    for (int i = 0; i < 2; i++) {
        unsigned bit = i == 0 ? MDNS_WANT_A : MDNS_WANT_AAAA;
        if (!(want & bit))
            continue;
        if (rl->last_multicast[i] && now - rl->last_multicast[i] < 1000)
            continue;
        rl->last_multicast[i] = now ? now : 1;
        ok |= bit;
    }
    return ok;
}

bool
mdns_rate_unicast(struct mdns_rate *rl, int64_t now)
{
    if (rl->window_start < 0 || now - rl->window_start >= 1000) {
        rl->window_start = now;
        rl->window_count = 0;
    }
    if (rl->window_count >= rl->per_sec)
        return false;
    rl->window_count++;
    return true;
}
