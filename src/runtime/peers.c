/* Peers of other jobs: processes that a port (MPI_Comm_accept/connect,
 * MPI_Comm_join) or MPI_Comm_spawn made reachable. They get the peer indices
 * after the world's ranks, so that groups, communicators and the transports
 * name every process by one int, as they name the world's; a process of another
 * job is known by its job's hash and its rank there, which is what processes of
 * different jobs tell each other. */
#include "runtime/bt_runtime.h"

#include "util/bt_util.h"

#include <stdlib.h>

static struct {
    uint64_t *job;   /* by peer - size: the job's hash */
    int      *rank;  /* and the rank there */
    int       cap;   /* entries of the arrays above and of bt_rt's per-peer ones */
} peers;

int bt_rt_peer_find(uint64_t job_hash, int rank)
{
    if (job_hash == bt_rt.job_hash)
        return rank >= 0 && rank < bt_rt.size ? rank : -1;
    for (int i = 0; i < bt_rt.npeers - bt_rt.size; i++)
        if (peers.job[i] == job_hash && peers.rank[i] == rank)
            return bt_rt.size + i;
    return -1;
}

int bt_rt_peer_new(uint64_t job_hash, int rank)
{
    int i = bt_rt.npeers - bt_rt.size;

    if (i >= peers.cap) {
        peers.cap = BT_MAX(2 * peers.cap, 16);
        peers.job = bt_realloc(peers.job, (size_t)peers.cap * sizeof(*peers.job));
        peers.rank = bt_realloc(peers.rank, (size_t)peers.cap * sizeof(*peers.rank));
        bt_rt.local_of = bt_realloc(bt_rt.local_of,
                                    (size_t)(bt_rt.size + peers.cap) * sizeof(int));
        bt_rt.node_of = bt_realloc(bt_rt.node_of,
                                   (size_t)(bt_rt.size + peers.cap) * sizeof(int));
    }
    peers.job[i] = job_hash;
    peers.rank[i] = rank;
    bt_rt.local_of[bt_rt.npeers] = -1;   /* never in this job's segment */
    bt_rt.node_of[bt_rt.npeers] = -1;
    return bt_rt.npeers++;
}

void bt_rt_peer_gid(int peer, uint64_t *job_hash_p, int *rank_p)
{
    if (peer < bt_rt.size) {
        *job_hash_p = bt_rt.job_hash;
        *rank_p = peer;
    } else {
        *job_hash_p = peers.job[peer - bt_rt.size];
        *rank_p = peers.rank[peer - bt_rt.size];
    }
}

int bt_rt_peer_cmp(int a, int b)
{
    uint64_t ja, jb;
    int ra, rb;

    bt_rt_peer_gid(a, &ja, &ra);
    bt_rt_peer_gid(b, &jb, &rb);
    if (ja != jb)
        return ja < jb ? -1 : 1;
    return (ra > rb) - (ra < rb);
}

void bt_rt_peers_free(void)
{
    free(peers.job);
    free(peers.rank);
    peers.job = NULL;
    peers.rank = NULL;
    peers.cap = 0;
}
