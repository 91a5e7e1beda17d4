#include "social/federated_internal.h"

#include "core/error.h"

int
social_fed_apply_account_deletion(struct store_txn *txn, const struct social_fed_in *in,
                                  struct pod_arena *a, char *why, size_t why_len)
{
    (void)txn, (void)in, (void)a;
    pod_why(why, why_len, "not handled yet: account_deletion");
    return POD_ERR_INVAL;
}

int
social_fed_apply_account_migration(struct store_txn *txn, const struct social_fed_in *in,
                                   struct pod_arena *a, char *why, size_t why_len)
{
    (void)txn, (void)in, (void)a;
    pod_why(why, why_len, "not handled yet: account_migration");
    return POD_ERR_INVAL;
}
