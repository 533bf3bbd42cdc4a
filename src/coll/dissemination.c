/* Dissemination barrier (Hensgen, Finkel, Manber): in round k every rank signals
 * rank + 2^k and waits for rank - 2^k; after ceil(log2 p) rounds each rank has heard,
 * through some chain, from every other. Works for any p, no extra fix-up. */
#include "coll/bt_coll_impl.h"

static char bt_dissemination_token;

void bt_coll_dissemination_barrier(bt_sched_t *s, const bt_coll_args_t *a)
{
    int r = a->comm->rank, p = a->comm->size;
    bt_datatype_t *byte = bt_coll_byte();

    for (int k = 1; k < p; k <<= 1) {
        bt_coll_sched_recv(s, &bt_dissemination_token, 0, byte, (r - k + p) % p);
        bt_coll_sched_send(s, &bt_dissemination_token, 0, byte, (r + k) % p);
        bt_coll_sched_fence(s);
    }
}
