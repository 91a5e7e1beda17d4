/*
 * outbound_account.h - what a local account sends about itself
 * (docs/diaspora-federation.md §3.2 profile and account_deletion, §5.4):
 * its <profile> when the user saves it, and its <account_deletion> when
 * the account is closed.
 *
 * Called inside the write transaction that writes the change, so the
 * change and its outbox jobs (store/fed_outbox.h) commit together.
 *
 * The profile is routed as diaspora* does: with public true (plugpod's
 * "public details" setting) over /receive/public, one job per pod of the
 * user's remote contacts, with every field; with public false encrypted
 * to each remote contact (/receive/users/GUID), also with every field (on
 * the public route a non-public profile must not carry bio, birthday,
 * gender or location, §3.2). The task signs these jobs when it sends them.
 *
 * The account_deletion is signed HERE, while the user's key still exists:
 * the jobs are of kind STORE_OUTBOX_PUBLIC_SIGNED and hold the finished
 * Magic Envelope, which the task POSTs as it is after the account (and
 * its key) is gone. One job per pod of the remote contacts and of the
 * remote people who reshared the user's posts (§5.4).
 *
 * Remote people without a usable pod_url (or, privately, GUID and key) are
 * skipped. Errors are the store's; POD_ERR_NOMEM when the arena is out.
 */
#ifndef POD_FEDERATION_OUTBOUND_ACCOUNT_H
#define POD_FEDERATION_OUTBOUND_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/accounts.h"
#include "store/store.h"

/* The avatar URLs a profile carries: absolute https URLs of this pod
 * (the web layer knows its own address), large / medium / small; NULL
 * entries are left out of the XML. */
struct fed_profile_images {
    const char *large, *medium, *small;
};

/* The <profile> of local person person with profile p into *xml / *len
 * (in a), in the reference library's property order: author, edited_at,
 * full_name, first_name, last_name, image_url(_medium, _small), bio,
 * birthday, gender, location, searchable, public (= p->public_details),
 * nsfw, tag_string. Empty optional fields are left out; with
 * extended false bio, birthday, gender and location are left out too. */
int fed_outbound_profile_xml(struct store_txn *txn, uint64_t person, const struct store_profile *p,
                             const struct fed_profile_images *img, bool extended,
                             struct pod_arena *a, char **xml, size_t *len);

/* Enqueues the profile p just saved by local person person to all their
 * remote contacts (routing above). POD_ERR_INVAL when person is not
 * local. */
int fed_outbound_profile(struct store_txn *txn, uint64_t person, const struct store_profile *p,
                         const struct fed_profile_images *img, struct pod_arena *a);

/* Enqueues the <account_deletion> of local person person, signed now
 * with priv_pem (their private key, borrowed; PKCS#1 PEM). Call it before
 * anything of the account is deleted (the recipients are read from its
 * contacts and posts). Nothing is written when there is no remote
 * recipient. The RNG must be initialised. POD_ERR_INVAL when person is
 * not local; fed_envelope_build's errors (logged) when the key cannot
 * sign. */
int fed_outbound_account_deletion(struct store_txn *txn, uint64_t person, const char *priv_pem,
                                  struct pod_arena *a);

#endif
