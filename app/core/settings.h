/*
 * settings.h - the catalogue of pod settings: the values an administrator
 * changes at run time (stored in LMDB through store_setting_*), with their
 * types, defaults and validation. Pure data and functions, no I/O.
 */
#ifndef POD_CORE_SETTINGS_H
#define POD_CORE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pod_setting_type {
    POD_SETTING_STR,  /* UTF-8 text, stored as a string */
    POD_SETTING_BOOL, /* "true"/"false", stored as u64 0/1 */
    POD_SETTING_U64,  /* decimal, stored as u64 */
};

struct pod_setting_def {
    const char *name;
    enum pod_setting_type type;
    const char *default_text; /* shown when never set */
    size_t max_len;           /* strings: most bytes */
    bool admin_writable;      /* false: the pod keeps it itself */
    const char *help;
};

/* Setting names the pod itself uses. */
#define POD_SETTING_POD_NAME         "pod_name"
#define POD_SETTING_REGISTRATIONS    "registrations_open"
#define POD_SETTING_START_COUNT      "start_count"
#define POD_SETTING_FIRST_STARTED_AT "first_started_at"
#define POD_SETTING_LAST_INBOUND_AT  "last_inbound_at"

/* All settings; *count gets their number. */
const struct pod_setting_def *pod_settings_all(size_t *count);

/* The definition of name, or NULL. */
const struct pod_setting_def *pod_setting_find(const char *name);

/* Checks text against def. Strings: valid UTF-8 without control characters,
 * at most max_len bytes. Booleans: true/false/yes/no/1/0 (*num gets 0 or 1).
 * Numbers: decimal digits only (*num gets the value). Returns POD_OK,
 * POD_ERR_INVAL or POD_ERR_LIMIT. */
int pod_setting_parse(const struct pod_setting_def *def, const char *text, uint64_t *num);

#endif
