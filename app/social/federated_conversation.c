#include "social/federated_internal.h"

#include "core/error.h"

int
social_fed_apply_conversation(struct store_txn *txn, const struct social_fed_in *in,
                              struct pod_arena *a, char *why, size_t why_len)
{
    (void)txn, (void)in, (void)a;
    pod_why(why, why_len, "not handled yet: conversation");
    return POD_ERR_INVAL;
}

int
social_fed_apply_message(struct store_txn *txn, const struct social_fed_in *in, struct pod_arena *a,
                         char *why, size_t why_len)
{
    (void)txn, (void)in, (void)a;
    pod_why(why, why_len, "not handled yet: message");
    return POD_ERR_INVAL;
}
