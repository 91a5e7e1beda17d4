/*
 * civetweb_log.h - civetweb's stray stderr output as pod log lines.
 */
#ifndef POD_WEB_CIVETWEB_LOG_H
#define POD_WEB_CIVETWEB_LOG_H

#include <stdio.h>

/* Stands in for fprintf inside civetweb.c (see civetweb_hook.h). Output for
 * stderr becomes one log line: TLS read/write failures at debug level (a
 * peer hanging up is routine), anything else at warn. Other streams are
 * written as fprintf would. */
int web_civetweb_fprintf(FILE *stream, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
