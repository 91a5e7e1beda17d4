/*
 * keygen.h - the background task that gives every local user an RSA key
 * pair. Sign-up returns at once; the key (4096 bits: seconds on a Pi)
 * arrives a little later, and posting waits for it.
 *
 * The task scans for users without keys when it starts and whenever it is
 * woken. It never holds a transaction while generating.
 */
#ifndef POD_TASK_KEYGEN_H
#define POD_TASK_KEYGEN_H

struct store;
struct task_keygen;

/* Starts the task's thread over st (borrowed; must outlive the task).
 * bits is the key size of new keys. */
int task_keygen_start(struct task_keygen **out, struct store *st, unsigned bits);

/* Asks the task to look for users without keys (after a sign-up). NULL is
 * allowed and does nothing. */
void task_keygen_wake(struct task_keygen *t);

/* Stops the task: no store access after this returns. A key generation in
 * progress is abandoned (it is redone at the next start); the thread is
 * waited for up to two seconds, then left to finish on its own. */
void task_keygen_stop(struct task_keygen *t);

#endif
