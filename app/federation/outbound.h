/*
 * outbound.h - what a local action sends to other pods
 * (docs/diaspora-federation.md §3.2, §5.1-5.4, §6.1, §7): the entity XML
 * of a local object and the outbox jobs (store/fed_outbox.h) that carry it
 * to its remote recipients.
 *
 * Called by app/social/actions.c (and, to relay a remote relayable on a
 * local post, by app/social/federated.c) inside the write transaction that
 * writes the object, after the local write succeeded, so the object and its jobs
 * commit together. Nothing is signed or sent here: the federation task
 * (task/fed_outbox_task.h) builds the envelopes later, outside any write
 * transaction. A relayable (comment, like, poll_participation) whose
 * author is not the root post's author gets an EMPTY <author_signature/>
 * element in its payload, meaning "to be signed by the relayable's (local)
 * author": the task fills it in before it builds the envelope.
 *
 * Routing (§5.4), by the post an object belongs to:
 * - a local public post: one /receive/public job per remote pod among the
 *   author's contacts (diaspora*'s "contact people", sharing or receiving)
 *   and the post's participants (who sent a participation for it);
 * - a local limited post: one private job (/receive/users/GUID) per remote
 *   contact of the author the post is shared with;
 * - a remote post: one job to the post author (public: their pod's
 *   /receive/public; limited: private to them).
 * The signer (job author) is the local post author for local posts and the
 * acting local person for remote ones. When there is no remote recipient
 * nothing is written: a pod without remote contacts never has jobs.
 *
 * Remote people need a pod_url and GUID (and a public key for private
 * jobs); those without are skipped. Errors are the store's; POD_ERR_NOMEM
 * when the arena is exhausted.
 */
#ifndef POD_FEDERATION_OUTBOUND_H
#define POD_FEDERATION_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "federation/entity.h"
#include "store/posts.h"
#include "store/store.h"

#define FED_OUTBOUND_MAX_PODS 1024 /* public jobs per object; more pods are skipped */

/* The <status_message> of local post p (text, provider, its local photos
 * as nested <photo>s, location, its poll with GUIDs) into *xml / *len (in
 * a). A photo's remote_photo_path is https://HOST/media/photos/ (HOST from
 * the author's diaspora* ID), where web/photos.c serves the files to
 * whoever may see the post; remote_photo_name is "<hash>-raw.jpg". */
int fed_outbound_post_xml(struct store_txn *txn, const struct store_post *p, struct pod_arena *a,
                          char **xml, size_t *len);

/* The <reshare> of local reshare p (root_author and root_guid left out
 * when the root is gone) into *xml / *len (in a). Also used by GET /fetch
 * (web/fetch.c). */
int fed_outbound_reshare_xml(struct store_txn *txn, const struct store_post *p, struct pod_arena *a,
                             char **xml, size_t *len);

/* The <comment> c on post p into *xml / *len (in a); author_signature is
 * left EMPTY (to be signed, see above) when c's author is not p's. Also
 * used by GET /fetch (web/fetch.c). */
int fed_outbound_comment_xml(struct store_txn *txn, const struct store_comment *c,
                             const struct store_post *p, struct pod_arena *a, char **xml,
                             size_t *len);

/* Enqueues the status message or reshare p just written by its local
 * author (a reshare also goes to its root's remote author). */
int fed_outbound_post(struct store_txn *txn, const struct store_post *p, struct pod_arena *a);

/* Enqueues the comment c (by a local person) on post p. */
int fed_outbound_comment(struct store_txn *txn, const struct store_comment *c,
                         const struct store_post *p, struct pod_arena *a);

/* Enqueues the like l (by a local person) of post p or of one of its
 * comments (parent_guid is then that comment's GUID). */
int fed_outbound_like(struct store_txn *txn, const struct store_like *l, const char *parent_guid,
                      const struct store_post *p, struct pod_arena *a);

/* Enqueues a <poll_participation> (§3.2, §6): local person voter chose
 * answer (0-based) of the poll of post p, routed like a like; a new GUID
 * each call, author_signature left EMPTY (to be signed) unless voter is
 * p's author. POD_OK and nothing sent for a poll stored without GUIDs;
 * POD_ERR_NOTFOUND when p has no poll, POD_ERR_INVAL for an answer out of
 * range. Called by social/actions.c (social_poll_vote). */
int fed_outbound_poll_participation(struct store_txn *txn, const struct store_post *p,
                                    uint64_t voter, uint32_t answer, struct pod_arena *a);

/* Relays relayable e (a comment, like or poll_participation, parsed from a delivery; its
 * author_signature already verified) that remote person author made on
 * local post p or on one of its comments (§6.3): the entity as the
 * reference library re-emits it (received element order, unknown elements
 * and author_signature kept; parent_author_signature dropped), signed by
 * the post author, to the post's audience except the author (a public
 * post: every remote pod but the author's; a limited post: every remote
 * recipient but the author). The task sends the payload as it is: its
 * author_signature is not empty, so it is not signed again. POD_OK and
 * nothing written when p's author is not local or is the author;
 * POD_ERR_INVAL when e is not a relayable or its author_signature is
 * missing or empty. Called by social/federated.c in the transaction that
 * stores the relayable. */
int fed_outbound_relay(struct store_txn *txn, const struct fed_entity *e,
                       const struct store_post *p, uint64_t author, struct pod_arena *a);

/* Enqueues a retraction of a local person's object: target_type "Post",
 * "Comment" or "Like", its GUID and author (person ids), routed by post p
 * (the post itself for "Post"), signed by signer. Call it BEFORE deleting
 * the object (a limited post's recipients are read from its shares). */
int fed_outbound_retraction(struct store_txn *txn, uint64_t signer, uint64_t target_author,
                            const char *target_type, const char *target_guid,
                            const struct store_post *p, struct pod_arena *a);

/* Enqueues a <contact> from local owner to remote person: start sharing
 * (sharing true: following and sharing true) or stop (both false).
 * Nothing for a local person. */
int fed_outbound_contact(struct store_txn *txn, uint64_t owner, uint64_t person, bool sharing,
                         struct pod_arena *a);

/* Enqueues a <participation> (§3.2, §5.4: "subscribe me to updates of
 * this post") for remote post p, authored and signed by the local person
 * signer, as a private job to p's remote author, so that their pod sends
 * the post's comments and likes here. A new GUID each call. Nothing for a
 * local post (or a remote author without pod_url, GUID or key);
 * POD_ERR_INVAL when signer is not local. Called by social/federated.c
 * when it stores a new public post that a local user follows. */
int fed_outbound_participation(struct store_txn *txn, const struct store_post *p, uint64_t signer,
                               struct pod_arena *a);

#endif
