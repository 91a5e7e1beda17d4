/*
 * fed_inbox_task.h - the background task that empties the durable
 * federation inbox (store/fed_inbox.h) with federation/inbound.h.
 *
 * It walks the queue oldest first whenever it is woken (after POST
 * /receive commits) and every TASK_FED_INBOX_POLL_S seconds. Per item:
 * applied -> gone (deleted in the applying transaction); a permanent
 * failure (bad signature, invalid entity, sender rule, type not handled)
 * -> deleted with one LOG_WARN line naming the reason; a passing failure
 * (discovery network error, unknown parent, store trouble) -> one more
 * attempt counted (store_inbox_attempted) and the item is skipped until
 * its backoff (TASK_FED_INBOX_BACKOFF_S doubled per attempt, at most
 * TASK_FED_INBOX_BACKOFF_MAX_S) has passed; once it has had
 * TASK_FED_INBOX_ATTEMPTS attempts AND is TASK_FED_INBOX_KEEP_S old it is
 * deleted with a LOG_WARN line (so a pod offline for days loses nothing
 * that discovery or a fetch can still bring). While the pod's own link is
 * down (drivers/net/net.h) failures are not counted. Backoff times live
 * in memory only: after a restart every item is due at once.
 */
#ifndef POD_TASK_FED_INBOX_TASK_H
#define POD_TASK_FED_INBOX_TASK_H

#include "autoconf.h"

struct fed_discovery;
struct store;
struct task_fed_inbox;

#define TASK_FED_INBOX_POLL_S        5
#define TASK_FED_INBOX_ATTEMPTS      8
#define TASK_FED_INBOX_BACKOFF_S     30
#define TASK_FED_INBOX_BACKOFF_MAX_S 3600
#define TASK_FED_INBOX_KEEP_S        (CONFIG_POD_FED_OUTBOX_GIVE_UP_DAYS * 24 * 3600)

/* Starts the task's thread over st and discovery (both borrowed, must
 * outlive the task; discovery may be NULL: deliveries of unknown senders
 * are then retried and in the end dropped). */
int task_fed_inbox_start(struct task_fed_inbox **out, struct store *st,
                         struct fed_discovery *discovery);

/* Asks the task to walk the queue now. NULL is allowed and does nothing. */
void task_fed_inbox_wake(struct task_fed_inbox *t);

/* Stops the task and frees it: no store access after this returns. A
 * delivery being processed is finished first (bounded by the discovery
 * time budget). NULL is allowed. */
void task_fed_inbox_stop(struct task_fed_inbox *t);

#endif
