/*
 * button.h - the reset button, read from a Linux input event device
 * (/dev/input/eventN, struct input_event; gpio-keys on a board). The key
 * code comes from the board's defconfig (CONFIG_POD_BUTTON_KEY).
 *
 * What a hold means is decided when the button is released, from the
 * press's and the release's event timestamps (a stuck button never
 * triggers anything):
 *   released after 10 s to 30 s: DRV_BUTTON_RESET_SETTINGS. "I locked
 *       myself out or broke the configuration": the pod settings go back
 *       to their defaults (pod name, registrations...) and every session
 *       ends (everyone signs in again). Accounts, passwords, keys, posts,
 *       photos, contacts, the federation queues and the TLS certificate
 *       are kept (task/reset.h does it).
 *   released after 30 s or more: DRV_BUTTON_RESET_FACTORY. "Give the
 *       device away": everything in the data directory is deleted
 *       (accounts, keys, posts, photos, contacts, queues, settings, the
 *       TLS certificate); the pod starts again at the first-run setup.
 *   shorter holds do nothing.
 * The action is handed to a callback; main.c then stops the pod cleanly,
 * resets with the store closed and starts again.
 *
 * Host stand-in: the device path is a parameter; tests feed a FIFO or a
 * file of input_event records with chosen timestamps.
 */
#ifndef POD_DRIVERS_BUTTON_H
#define POD_DRIVERS_BUTTON_H

#include <linux/input.h>
#include <stdbool.h>
#include <stdint.h>

#define DRV_BUTTON_SETTINGS_S 10 /* held at least this long: settings reset */
#define DRV_BUTTON_FACTORY_S  30 /* held at least this long: factory reset */

enum drv_button_action {
    DRV_BUTTON_NONE,
    DRV_BUTTON_RESET_SETTINGS,
    DRV_BUTTON_RESET_FACTORY,
};

/* The state of one key between events. Zero-initialise. */
struct drv_button_hold {
    bool down;
    int64_t down_us; /* the press's event time */
};

/* Feeds one event (borrowed) for key: a release of key after a press
 * returns what the hold means; everything else (other keys and types,
 * autorepeat, a release without a press) returns DRV_BUTTON_NONE. Pure. */
enum drv_button_action drv_button_track(struct drv_button_hold *h, const struct input_event *ev,
                                        unsigned key);

struct drv_button;

/* Starts a thread reading input events from path (borrowed; NULL or "":
 * the first /dev/input/event* that has key) and calling
 * on_action(action, ctx) for each hold that means something (from that
 * thread; ctx borrowed). POD_OK, POD_ERR_NOTFOUND (no such device),
 * POD_ERR_IO, POD_ERR_NOMEM. */
int drv_button_start(struct drv_button **out, const char *path, unsigned key,
                     void (*on_action)(enum drv_button_action action, void *ctx), void *ctx);

/* Stops the thread and closes the device. NULL does nothing. */
void drv_button_stop(struct drv_button *b);

#endif
