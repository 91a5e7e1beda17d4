/*
 * i18n.h - every string the web UI shows goes through web_tr(), so that a
 * translation is a catalogue and nothing else.
 *
 * The message id is the English text itself (as with gettext): English
 * needs no catalogue, a missing translation falls back to English, and
 * `tools/i18n-strings` lists every id used in app/web for translators.
 * A catalogue is a table of {english, translated} pairs sorted by the
 * English text (strcmp), registered in i18n.c under its language code.
 * Texts are formats only where the call site says so (web_trf).
 */
#ifndef POD_WEB_I18N_H
#define POD_WEB_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include "web/request.h"

struct web_catalog {
    const char *lang;              /* "de", "pt-BR", ... */
    bool rtl;                      /* written right to left */
    const char *const (*pairs)[2]; /* {english, translated}, sorted by english */
    size_t count;
};

/* The translation of english in cat, or english itself when cat is NULL or
 * has no entry. Never NULL for a non-NULL english. */
const char *web_i18n_lookup(const struct web_catalog *cat, const char *english);

/* The catalogue of language code lang ("de", "de-AT" falls back to "de"),
 * or NULL for English and languages without one. */
const struct web_catalog *web_i18n_catalog(const char *lang);

/* The first language of an Accept-Language header (may be NULL) that has a
 * catalogue, else "en"; a static string. Pure (web_lang reads the header). */
const char *web_i18n_accepted(const char *header);

/* The language of this request: the signed-in person's setting, else the
 * first language of Accept-Language that has a catalogue, else "en".
 * A static string. */
const char *web_lang(struct web_req *req);

/* "rtl" when the language of the page (web_lang) is written right to
 * left, else "ltr". */
const char *web_dir(struct web_req *req);

/* english in the request's language. */
const char *web_tr(struct web_req *req, const char *english);

/* Shorthand for handlers, which all name their request req. */
#define T(english) web_tr(req, english)

#endif
