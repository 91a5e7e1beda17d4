#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "autoconf.h"
#include "core/error.h"

#if defined(CONFIG_POD_LOG_LEVEL_DEBUG)
#define DEFAULT_LEVEL POD_LOG_DEBUG
#elif defined(CONFIG_POD_LOG_LEVEL_WARN)
#define DEFAULT_LEVEL POD_LOG_WARN
#elif defined(CONFIG_POD_LOG_LEVEL_ERROR)
#define DEFAULT_LEVEL POD_LOG_ERROR
#else
#define DEFAULT_LEVEL POD_LOG_INFO
#endif

static volatile enum pod_log_level threshold = DEFAULT_LEVEL;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
pod_log_set_level(enum pod_log_level level)
{
    threshold = level;
}

enum pod_log_level
pod_log_get_level(void)
{
    return threshold;
}

int
pod_log_level_parse(const char *name, enum pod_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum pod_log_level)i;
            return POD_OK;
        }
    }
    return POD_ERR_INVAL;
}

void
pod_log(enum pod_log_level level, const char *module, const char *fmt, ...)
{
    char line[1024];
    struct tm tm;
    time_t now;
    size_t len;
    int n;
    va_list ap;

    if (level > threshold || level < POD_LOG_ERROR)
        return;
    now = time(NULL);
    gmtime_r(&now, &tm);
    len = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    n = snprintf(line + len, sizeof line - len, "%s %s: ", level_names[level], module);
    if (n > 0)
        len += (size_t)n < sizeof line - len ? (size_t)n : sizeof line - len - 1;
    va_start(ap, fmt);
    n = vsnprintf(line + len, sizeof line - len, fmt, ap);
    va_end(ap);
    if (n > 0)
        len += (size_t)n < sizeof line - len ? (size_t)n : sizeof line - len - 1;
    /* Keep one line per event even if the message carried a newline. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) /* and no terminal escapes */
            line[i] = ' ';
    if (len >= sizeof line - 1)
        len = sizeof line - 2;
    line[len++] = '\n';
    (void)!write(STDERR_FILENO, line, len);
}
