/*
 * log.h - one line per event on stderr: "<UTC time> <level> <module>: text".
 *
 * Never log secrets (keys, passwords, session tokens, message bodies).
 * Thread-safe: each line is written with a single write(2).
 */
#ifndef POD_CORE_LOG_H
#define POD_CORE_LOG_H

enum pod_log_level {
    POD_LOG_ERROR = 0,
    POD_LOG_WARN = 1,
    POD_LOG_INFO = 2,
    POD_LOG_DEBUG = 3,
};

/* Sets the lowest level that is printed; the default comes from Kconfig. */
void pod_log_set_level(enum pod_log_level level);

/* Returns the current threshold. */
enum pod_log_level pod_log_get_level(void);

/* Parses "error", "warn", "info" or "debug"; returns POD_ERR_INVAL otherwise. */
int pod_log_level_parse(const char *name, enum pod_log_level *out);

/* Formats and prints one line if level passes the threshold. Lines longer
 * than 1 KiB are cut. module is a short static string such as "store". */
void pod_log(enum pod_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_ERR(mod, ...)   pod_log(POD_LOG_ERROR, mod, __VA_ARGS__)
#define LOG_WARN(mod, ...)  pod_log(POD_LOG_WARN, mod, __VA_ARGS__)
#define LOG_INFO(mod, ...)  pod_log(POD_LOG_INFO, mod, __VA_ARGS__)
#define LOG_DEBUG(mod, ...) pod_log(POD_LOG_DEBUG, mod, __VA_ARGS__)

#endif
