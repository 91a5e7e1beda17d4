#include "social/federated_internal.h"

#include "core/error.h"

int
social_fed_store_photos(struct store_txn *txn, const struct social_fed_in *in,
                        const struct store_post *p, struct pod_arena *a, char *why, size_t why_len)
{
    (void)txn, (void)in, (void)p, (void)a, (void)why, (void)why_len;
    return POD_OK; /* nested photos are not stored yet */
}

int
social_fed_apply_poll_participation(struct store_txn *txn, const struct social_fed_in *in,
                                    struct pod_arena *a, char *why, size_t why_len)
{
    (void)txn, (void)in, (void)a;
    pod_why(why, why_len, "not handled yet: poll_participation");
    return POD_ERR_INVAL;
}
