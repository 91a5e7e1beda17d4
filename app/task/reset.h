/*
 * reset.h - what the reset button does to the data directory
 * (drivers/button/button.h says when). Both run with the pod stopped (no
 * store open in this process): main.c stops everything, resets, and
 * starts the pod again.
 */
#ifndef POD_TASK_RESET_H
#define POD_TASK_RESET_H

/* Settings reset (button held 10 s): every admin-writable pod setting
 * back to its default (core/settings.h: pod name, registrations, ...)
 * and every session deleted. Kept: accounts and their passwords, keys,
 * profiles, posts, photos, contacts, conversations, notifications, the
 * federation queues, the start counters and the TLS certificate.
 * POD_OK or the store's error. */
int task_reset_settings(const char *data_dir);

/* Factory reset (button held 30 s): deletes everything inside data_dir
 * (the LMDB environment with all accounts, keys, posts, contacts, queues
 * and settings; photos; the TLS certificate), keeping the directory
 * itself (it may be a mount point). Refuses (POD_ERR_INVAL) a directory
 * that does not hold a plugpod store (no data.mdb), so a wrong --data can
 * never wipe something else. POD_OK, POD_ERR_IO. */
int task_reset_factory(const char *data_dir);

#endif
