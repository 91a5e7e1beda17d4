#include "web/civetweb_log.h"

#include <stdarg.h>
#include <string.h>

#include "core/log.h"

int
web_civetweb_fprintf(FILE *stream, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    size_t len;
    int n;

    va_start(ap, fmt);
    if (stream != stderr) {
        n = vfprintf(stream, fmt, ap);
        va_end(ap);
        return n;
    }
    n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (strncmp(line, "SSL read failed", 15) == 0 || strncmp(line, "SSL write failed", 16) == 0)
        LOG_DEBUG("web", "civetweb: %s", line);
    else
        LOG_WARN("web", "civetweb: %s", line);
    return n;
}
