/*
 * challenge.c - the published HTTP-01 answers (acme/challenge.h): a fixed
 * table of token/key-authorization pairs behind one mutex.
 */
#include "acme/challenge.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"

/* A few slots: one order has one authorization per name, and the pod
 * certifies one name; the rest covers an overlap of two attempts. */
#define ACME_CHALLENGE_SLOTS 8

struct acme_challenge_slot {
    bool used;
    char token[ACME_TOKEN_MAX + 1];
    char key_authz[ACME_KEYAUTHZ_MAX + 1];
};

static pthread_mutex_t challenge_lock = PTHREAD_MUTEX_INITIALIZER;
static struct acme_challenge_slot challenge_table[ACME_CHALLENGE_SLOTS];

static bool
token_ok(const char *token, size_t *len)
{
    size_t n = 0;

    if (!token)
        return false;
    for (; token[n]; n++) {
        unsigned char c = (unsigned char)token[n];
        if (n >= ACME_TOKEN_MAX)
            return false;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    *len = n;
    return n > 0;
}

static bool
key_authz_ok(const char *ka)
{
    size_t n = 0;

    if (!ka)
        return false;
    for (; ka[n]; n++) {
        unsigned char c = (unsigned char)ka[n];
        if (n >= ACME_KEYAUTHZ_MAX || c <= 0x20 || c >= 0x7f)
            return false;
    }
    return n > 0;
}

int
acme_challenge_publish(const char *token, const char *key_authz)
{
    struct acme_challenge_slot *free_slot = NULL;
    size_t tlen = 0;
    int rc = POD_ERR_LIMIT;

    if (!token_ok(token, &tlen) || !key_authz_ok(key_authz))
        return POD_ERR_INVAL;
    pthread_mutex_lock(&challenge_lock);
    for (size_t i = 0; i < ACME_CHALLENGE_SLOTS; i++) {
        struct acme_challenge_slot *s = &challenge_table[i];
        if (s->used && strcmp(s->token, token) == 0) {
            free_slot = s; /* republishing replaces the answer */
            break;
        }
        if (!s->used && !free_slot)
            free_slot = s;
    }
    if (free_slot) {
        memcpy(free_slot->token, token, tlen + 1);
        strcpy(free_slot->key_authz, key_authz); /* length checked above */
        free_slot->used = true;
        rc = POD_OK;
    }
    pthread_mutex_unlock(&challenge_lock);
    return rc;
}

void
acme_challenge_withdraw(const char *token)
{
    if (!token)
        return;
    pthread_mutex_lock(&challenge_lock);
    for (size_t i = 0; i < ACME_CHALLENGE_SLOTS; i++) {
        struct acme_challenge_slot *s = &challenge_table[i];
        if (s->used && strcmp(s->token, token) == 0) {
            memset(s, 0, sizeof *s);
            break;
        }
    }
    pthread_mutex_unlock(&challenge_lock);
}

int
acme_challenge_find(const char *token, char *out, size_t cap)
{
    int rc = POD_ERR_NOTFOUND;
    size_t tlen = 0;

    if (out && cap)
        out[0] = '\0';
    if (!token_ok(token, &tlen))
        return POD_ERR_NOTFOUND;
    pthread_mutex_lock(&challenge_lock);
    for (size_t i = 0; i < ACME_CHALLENGE_SLOTS; i++) {
        struct acme_challenge_slot *s = &challenge_table[i];
        if (s->used && strcmp(s->token, token) == 0) {
            size_t n = strlen(s->key_authz);
            if (!out || cap <= n) {
                rc = POD_ERR_LIMIT;
            } else {
                memcpy(out, s->key_authz, n + 1);
                rc = POD_OK;
            }
            break;
        }
    }
    pthread_mutex_unlock(&challenge_lock);
    return rc;
}
