#include "core/conf.h"

#include <string.h>

#include "core/error.h"

static int
is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int
valid_key(const char *k)
{
    if (!*k)
        return 0;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
            return 0;
    return 1;
}

int
pod_conf_parse(const char *buf, size_t len, pod_conf_fn fn, void *ctx, int *bad_line)
{
    char line[POD_CONF_MAX_LINE + 1];
    size_t pos = 0;
    int lineno = 0;

    *bad_line = 0;
    if (len > POD_CONF_MAX_BYTES)
        return POD_ERR_LIMIT;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        char *k, *v, *eq, *end;
        int rc;

        lineno++;
        if (n > POD_CONF_MAX_LINE) {
            *bad_line = lineno;
            return POD_ERR_LIMIT;
        }
        memcpy(line, buf + pos, n);
        line[n] = '\0';
        pos += n + (nl ? 1 : 0);
        if (memchr(line, '\0', n)) {
            *bad_line = lineno;
            return POD_ERR_PARSE;
        }
        k = line;
        while (is_blank(*k))
            k++;
        if (*k == '\0' || *k == '#')
            continue;
        eq = strchr(k, '=');
        if (!eq) {
            *bad_line = lineno;
            return POD_ERR_PARSE;
        }
        end = eq;
        while (end > k && is_blank(end[-1]))
            end--;
        *end = '\0';
        v = eq + 1;
        while (is_blank(*v))
            v++;
        end = v + strlen(v);
        while (end > v && is_blank(end[-1]))
            end--;
        *end = '\0';
        if (end - v >= 2 && v[0] == '"' && end[-1] == '"') {
            end[-1] = '\0';
            v++;
        }
        if (!valid_key(k)) {
            *bad_line = lineno;
            return POD_ERR_PARSE;
        }
        rc = fn(k, v, lineno, ctx);
        if (rc) {
            *bad_line = lineno;
            return rc;
        }
    }
    return POD_OK;
}
