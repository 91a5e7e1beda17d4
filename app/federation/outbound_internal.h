/*
 * outbound_internal.h - job writers shared by the outbound_*.c files of
 * app/federation (not for other modules: they call outbound*.h). All
 * run inside the caller's write transaction; xml is copied into the job.
 * A remote person without what a job needs (pod_url, GUID, key for a
 * private job) is skipped with POD_OK; a local person is skipped too.
 */
#ifndef POD_FEDERATION_OUTBOUND_INTERNAL_H
#define POD_FEDERATION_OUTBOUND_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "federation/entity.h"
#include "store/people.h"
#include "store/store.h"

/* The stored person id into out; POD_ERR_INVAL when they have no
 * diaspora* ID. */
int fed_outbound_person_did(struct store_txn *txn, uint64_t person, struct store_person *out);

/* A new entity of type (in a) into *out, with the diaspora* ID of
 * person author as its <author> and guid (NULL: none) as its <guid>, the
 * order every entity starts with. *out is set even on errors after
 * allocation (the caller's rc chain carries them). */
int fed_outbound_entity_begin(struct store_txn *txn, struct pod_arena *a, const char *type,
                              uint64_t author, const char *guid, struct fed_entity **out);

/* One encrypted job (/receive/users/GUID) to remote person p, signed by
 * the local person signer. */
int fed_outbound_private_job(struct store_txn *txn, const struct store_person *p, uint64_t signer,
                             const char *xml, size_t len);

/* One /receive/public job to the pod of remote person p, signed by
 * signer. */
int fed_outbound_public_job(struct store_txn *txn, const struct store_person *p, uint64_t signer,
                            const char *xml, size_t len);

/* Sends xml from local person owner to every remote contact of owner
 * (sharing or receiving): public_route true: one /receive/public job per
 * pod; false: one private job per person. */
int fed_outbound_to_contacts(struct store_txn *txn, uint64_t owner, bool public_route,
                             const char *xml, size_t len);

#endif
