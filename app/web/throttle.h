/*
 * throttle.h - slowing down password guessing. Failed sign-ins are counted
 * per account and per client address in LMDB (so a restart does not reset
 * them); after CONFIG_POD_SIGNIN_FREE_FAILURES failures each further try
 * must wait twice as long as the last, up to CONFIG_POD_SIGNIN_MAX_DELAY_S.
 * A success clears the counters.
 */
#ifndef POD_WEB_THROTTLE_H
#define POD_WEB_THROTTLE_H

#include <stdint.h>

#include "store/accounts.h"

/* Seconds the client must still wait before trying to sign in as
 * username (NULL: address only) from addr; 0 when it may try now. */
int64_t web_throttle_wait(struct store *st, const char *username, const char *addr, int64_t now);

/* Records a failure for the account (if username is not NULL: only for
 * existing accounts, so guessing names fills nothing) and the address. */
void web_throttle_fail(struct store *st, const char *username, const char *addr, int64_t now);

/* Clears both counters after a successful sign-in. */
void web_throttle_clear(struct store *st, const char *username, const char *addr);

/* The delay after the given number of consecutive failures (pure). */
int64_t web_throttle_delay(uint32_t failures);

#endif
