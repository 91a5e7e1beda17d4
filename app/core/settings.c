#include "core/settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static const struct pod_setting_def defs[] = {
    {POD_SETTING_POD_NAME, POD_SETTING_STR, "", 64, true,
     "Name shown on the pod's pages; empty = the host name"},
    {POD_SETTING_REGISTRATIONS, POD_SETTING_BOOL, "false", 0, true,
     "Whether anyone may sign up without an invitation"},
    {POD_SETTING_START_COUNT, POD_SETTING_U64, "0", 0, false,
     "How many times the pod has started on this data directory"},
    {POD_SETTING_FIRST_STARTED_AT, POD_SETTING_U64, "0", 0, false,
     "Unix time of the first start on this data directory"},
    {"acme_enabled", POD_SETTING_BOOL, "false", 0, true,
     "Get and renew the HTTPS certificate from an ACME directory (Let's Encrypt) for the "
     "pod's host name; needs port 80 reachable from the internet"},
    {"acme_email", POD_SETTING_STR, "", 254, true,
     "Contact address given to the ACME directory (expiry warnings); empty = none"},
    {"acme_directory", POD_SETTING_STR, "letsencrypt", 255, true,
     "ACME directory: letsencrypt, letsencrypt-staging or the https URL of another directory"},
    {POD_SETTING_LAST_INBOUND_AT, POD_SETTING_U64, "0", 0, false,
     "Unix time the last inbound federation delivery was accepted"},
};

const struct pod_setting_def *
pod_settings_all(size_t *count)
{
    *count = sizeof defs / sizeof defs[0];
    return defs;
}

const struct pod_setting_def *
pod_setting_find(const char *name)
{
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

/* Accepts well-formed UTF-8 (no overlongs, no surrogates) without C0
 * controls or DEL. */
static bool
valid_text(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s, need, cp;
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c < 0x80) {
            s++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            need = 1, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
            need = 2, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
            need = 3, cp = c & 0x07;
        else
            return false;
        s++;
        for (unsigned i = 0; i < need; i++, s++) {
            if ((*s & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (*s & 0x3f);
        }
        if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
    }
    return true;
}

int
pod_setting_parse(const struct pod_setting_def *def, const char *text, uint64_t *num)
{
    char *end;
    unsigned long long v;

    *num = 0;
    switch (def->type) {
    case POD_SETTING_STR:
        if (strlen(text) > def->max_len)
            return POD_ERR_LIMIT;
        if (!strcmp(def->name, "acme_directory") && strcmp(text, "letsencrypt") &&
            strcmp(text, "letsencrypt-staging") && strncmp(text, "https://", 8))
            return POD_ERR_INVAL;
        if (!strcmp(def->name, "acme_email") && *text &&
            (!strchr(text, '@') || strpbrk(text, " <>,;:\"\\")))
            return POD_ERR_INVAL;
        return valid_text((const unsigned char *)text) ? POD_OK : POD_ERR_INVAL;
    case POD_SETTING_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1")) {
            *num = 1;
            return POD_OK;
        }
        if (!strcmp(text, "false") || !strcmp(text, "no") || !strcmp(text, "0"))
            return POD_OK;
        return POD_ERR_INVAL;
    case POD_SETTING_U64:
        if (!*text || strspn(text, "0123456789") != strlen(text))
            return POD_ERR_INVAL;
        errno = 0;
        v = strtoull(text, &end, 10);
        if (errno == ERANGE)
            return POD_ERR_LIMIT;
        *num = v;
        return POD_OK;
    }
    return POD_ERR_INVAL;
}
