/* Algorithm selection: a table of rules, first match wins, and an environment
 * variable per collective that forces an algorithm.
 *
 *   BATON_COLL_<COLLECTIVE>=<algorithm>   (also governs the nonblocking form)
 *
 *   collective            algorithms
 *   BARRIER               twolevel, shm, dissemination, linear
 *   BCAST                 twolevel, shm, binomial, scatter_allgather, linear
 *   GATHER                twolevel, shm, binomial, linear
 *   GATHERV               linear
 *   SCATTER               shm, binomial, linear
 *   SCATTERV              linear
 *   ALLGATHER             twolevel, shm, recursive_doubling, bruck, ring, linear
 *   ALLGATHERV            ring, linear
 *   ALLTOALL              shm, bruck, pairwise, linear
 *   ALLTOALLV             pairwise, linear
 *   ALLTOALLW             pairwise, linear
 *   REDUCE                twolevel, shm, shm_large, binomial, rabenseifner, linear
 *   ALLREDUCE             twolevel, shm, shm_large, recursive_doubling, ring,
 *                         rabenseifner, reduce_bcast
 *   REDUCE_SCATTER        recursive_halving, pairwise, reduce_scatterv
 *   REDUCE_SCATTER_BLOCK  recursive_halving, pairwise, reduce_scatterv
 *   SCAN                  recursive_doubling, linear
 *   EXSCAN                recursive_doubling, linear
 *
 *   BATON_COLL_TRACE=1    print each collective's algorithm on stderr (rank 0 of the
 *                         communicator), to check what the table and forcing pick
 *
 * shm runs through the node's shared segment: only blocking calls on a communicator
 * whose ranks are all on this node and that has a channel of the segment (shm.c),
 * when what a rank puts in its slot is at most
 * BATON_SHM_COLL_MAX bytes (8 KiB): the message (bcast, reduce, allreduce, whose
 * type must be contiguous), its block (gather, allgather) or all n blocks
 * (scatter, alltoall);
 * shm_large takes the larger reductions of MPI_COMM_WORLD there,
 * BATON_SHM_COLL_LARGE bytes a rank at a time.
 *
 * twolevel (twolevel.c) takes the blocking calls of a communicator whose ranks span
 * nodes, with more than one rank on some node: the node's ranks combine through
 * the node's channel, one leader per node exchanges over the network, and each
 * level's algorithm is chosen by this table again on its sub-communicator. It is
 * the first rule of its collectives at every size but allgather's: above 1 MiB in
 * all, gathering the whole at each leader and broadcasting it on each node costs
 * more than the flat ring's streaming, where every node boundary the ring crosses
 * carries each block once. Reduce and allreduce need a commutative op, gather and
 * allgather all blocks within 2 GiB. Nonblocking calls keep the flat algorithms.
 *
 * An algorithm that cannot handle a call (ring, rabenseifner, recursive_halving and
 * pairwise reduce_scatter need a commutative op; rabenseifner needs count >= the
 * largest power of two <= p; scatter_allgather needs at least a byte per rank;
 * twolevel, see above) is passed over, forced or not, and the table picks among
 * the others. Every
 * collective's last rule names an algorithm that handles everything.
 *
 * Every rank must pick the same algorithm, so rules only look at what all ranks
 * agree on: the communicator size, the op, and the size below (never a v-variant's
 * per-rank counts).
 *   bcast                      count * size of the type
 *   gather, scatter            bytes of one rank's block
 *   allgather                  bytes of all blocks together
 *   allgatherv                 bytes of all blocks together
 *   alltoall                   bytes of one block
 *   reduce, allreduce, scan    count * size of the type
 *   reduce_scatter(_block)     bytes of the whole input vector
 *   others                     0 */
#include "coll/bt_coll_impl.h"
#include "runtime/bt_runtime.h"
#include "tools/bt_tools.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

enum bt_coll_alg_id {
    BT_ALG_BARRIER_TWOLEVEL, BT_ALG_BCAST_TWOLEVEL, BT_ALG_REDUCE_TWOLEVEL,
    BT_ALG_ALLREDUCE_TWOLEVEL, BT_ALG_GATHER_TWOLEVEL, BT_ALG_ALLGATHER_TWOLEVEL,
    BT_ALG_BARRIER_SHM, BT_ALG_BCAST_SHM, BT_ALG_REDUCE_SHM, BT_ALG_ALLREDUCE_SHM,
    BT_ALG_REDUCE_SHM_LARGE, BT_ALG_ALLREDUCE_SHM_LARGE, BT_ALG_GATHER_SHM, BT_ALG_SCATTER_SHM,
    BT_ALG_ALLGATHER_SHM, BT_ALG_ALLTOALL_SHM,
    BT_ALG_BARRIER_DISSEMINATION, BT_ALG_BARRIER_LINEAR,
    BT_ALG_BCAST_BINOMIAL, BT_ALG_BCAST_SCATTER_ALLGATHER, BT_ALG_BCAST_LINEAR,
    BT_ALG_GATHER_BINOMIAL, BT_ALG_GATHER_LINEAR,
    BT_ALG_GATHERV_LINEAR,
    BT_ALG_SCATTER_BINOMIAL, BT_ALG_SCATTER_LINEAR,
    BT_ALG_SCATTERV_LINEAR,
    BT_ALG_ALLGATHER_RECURSIVE_DOUBLING, BT_ALG_ALLGATHER_BRUCK, BT_ALG_ALLGATHER_RING,
    BT_ALG_ALLGATHER_LINEAR,
    BT_ALG_ALLGATHERV_RING, BT_ALG_ALLGATHERV_LINEAR,
    BT_ALG_ALLTOALL_BRUCK, BT_ALG_ALLTOALL_PAIRWISE, BT_ALG_ALLTOALL_LINEAR,
    BT_ALG_ALLTOALLV_PAIRWISE, BT_ALG_ALLTOALLV_LINEAR,
    BT_ALG_ALLTOALLW_PAIRWISE, BT_ALG_ALLTOALLW_LINEAR,
    BT_ALG_REDUCE_BINOMIAL, BT_ALG_REDUCE_RABENSEIFNER, BT_ALG_REDUCE_LINEAR,
    BT_ALG_ALLREDUCE_RECURSIVE_DOUBLING, BT_ALG_ALLREDUCE_RING, BT_ALG_ALLREDUCE_RABENSEIFNER,
    BT_ALG_ALLREDUCE_REDUCE_BCAST,
    BT_ALG_RS_RECURSIVE_HALVING, BT_ALG_RS_PAIRWISE, BT_ALG_RS_REDUCE_SCATTERV,
    BT_ALG_RSB_RECURSIVE_HALVING, BT_ALG_RSB_PAIRWISE, BT_ALG_RSB_REDUCE_SCATTERV,
    BT_ALG_SCAN_RECURSIVE_DOUBLING, BT_ALG_SCAN_LINEAR,
    BT_ALG_EXSCAN_RECURSIVE_DOUBLING, BT_ALG_EXSCAN_LINEAR,
    BT_ALG_COUNT
};

typedef struct bt_coll_alg {
    bt_coll_kind_t kind;
    const char    *name;
    void         (*build)(bt_sched_t *s, const bt_coll_args_t *a);
    int          (*ok)(const bt_coll_args_t *a);   /* NULL: handles every call */
    int (*run)(const bt_coll_args_t *a);   /* instead of build: runs to completion at once */
} bt_coll_alg_t;

_Static_assert(BT_ALG_COUNT <= BT_TOOL_MAX_ALGS, "MPI_T counts fewer algorithms than there are");

int bt_coll_commutative_ok(const bt_coll_args_t *a)
{
    return bt_op_is_commutative(a->op);
}

static const bt_coll_alg_t bt_coll_algs[BT_ALG_COUNT] = {
#define A(id, kind, name, build, ok) [BT_ALG_##id] = { BT_COLL_##kind, name, build, ok, NULL }
#define S(id, kind, run) [BT_ALG_##id] = { BT_COLL_##kind, "shm", NULL, bt_coll_shm_ok, run }
    S(BARRIER_SHM, BARRIER, bt_coll_shm_barrier),
    S(BCAST_SHM, BCAST, bt_coll_shm_bcast),
    S(REDUCE_SHM, REDUCE, bt_coll_shm_reduce),
    S(ALLREDUCE_SHM, ALLREDUCE, bt_coll_shm_allreduce),
    S(GATHER_SHM, GATHER, bt_coll_shm_gather),
    S(SCATTER_SHM, SCATTER, bt_coll_shm_scatter),
    S(ALLGATHER_SHM, ALLGATHER, bt_coll_shm_allgather),
    S(ALLTOALL_SHM, ALLTOALL, bt_coll_shm_alltoall),
#undef S
#define T(id, kind, ok, run) [BT_ALG_##id] = { BT_COLL_##kind, "twolevel", NULL, ok, run }
    T(BARRIER_TWOLEVEL, BARRIER, bt_coll_twolevel_ok, bt_coll_twolevel_barrier),
    T(BCAST_TWOLEVEL, BCAST, bt_coll_twolevel_ok, bt_coll_twolevel_bcast),
    T(REDUCE_TWOLEVEL, REDUCE, bt_coll_twolevel_reduce_ok, bt_coll_twolevel_reduce),
    T(ALLREDUCE_TWOLEVEL, ALLREDUCE, bt_coll_twolevel_reduce_ok, bt_coll_twolevel_allreduce),
    T(GATHER_TWOLEVEL, GATHER, bt_coll_twolevel_gather_ok, bt_coll_twolevel_gather),
    T(ALLGATHER_TWOLEVEL, ALLGATHER, bt_coll_twolevel_gather_ok, bt_coll_twolevel_allgather),
#undef T
    [BT_ALG_REDUCE_SHM_LARGE] = { BT_COLL_REDUCE, "shm_large", NULL, bt_coll_shm_large_ok,
                                  bt_coll_shm_large_reduce },
    [BT_ALG_ALLREDUCE_SHM_LARGE] = { BT_COLL_ALLREDUCE, "shm_large", NULL, bt_coll_shm_large_ok,
                                     bt_coll_shm_large_allreduce },
    A(BARRIER_DISSEMINATION, BARRIER, "dissemination", bt_coll_dissemination_barrier, NULL),
    A(BARRIER_LINEAR, BARRIER, "linear", bt_coll_linear_barrier, NULL),
    A(BCAST_BINOMIAL, BCAST, "binomial", bt_coll_binomial_bcast, NULL),
    A(BCAST_SCATTER_ALLGATHER, BCAST, "scatter_allgather", bt_coll_scatter_allgather_bcast,
      bt_coll_scatter_allgather_bcast_ok),
    A(BCAST_LINEAR, BCAST, "linear", bt_coll_linear_bcast, NULL),
    A(GATHER_BINOMIAL, GATHER, "binomial", bt_coll_binomial_gather, NULL),
    A(GATHER_LINEAR, GATHER, "linear", bt_coll_linear_gather, NULL),
    A(GATHERV_LINEAR, GATHERV, "linear", bt_coll_linear_gatherv, NULL),
    A(SCATTER_BINOMIAL, SCATTER, "binomial", bt_coll_binomial_scatter, NULL),
    A(SCATTER_LINEAR, SCATTER, "linear", bt_coll_linear_scatter, NULL),
    A(SCATTERV_LINEAR, SCATTERV, "linear", bt_coll_linear_scatterv, NULL),
    A(ALLGATHER_RECURSIVE_DOUBLING, ALLGATHER, "recursive_doubling",
      bt_coll_recursive_doubling_allgather, NULL),
    A(ALLGATHER_BRUCK, ALLGATHER, "bruck", bt_coll_bruck_allgather, NULL),
    A(ALLGATHER_RING, ALLGATHER, "ring", bt_coll_ring_allgather, NULL),
    A(ALLGATHER_LINEAR, ALLGATHER, "linear", bt_coll_linear_allgather, NULL),
    A(ALLGATHERV_RING, ALLGATHERV, "ring", bt_coll_ring_allgatherv, NULL),
    A(ALLGATHERV_LINEAR, ALLGATHERV, "linear", bt_coll_linear_allgatherv, NULL),
    A(ALLTOALL_BRUCK, ALLTOALL, "bruck", bt_coll_bruck_alltoall, NULL),
    A(ALLTOALL_PAIRWISE, ALLTOALL, "pairwise", bt_coll_pairwise_alltoall, NULL),
    A(ALLTOALL_LINEAR, ALLTOALL, "linear", bt_coll_linear_alltoall, NULL),
    A(ALLTOALLV_PAIRWISE, ALLTOALLV, "pairwise", bt_coll_pairwise_alltoallv, NULL),
    A(ALLTOALLV_LINEAR, ALLTOALLV, "linear", bt_coll_linear_alltoallv, NULL),
    A(ALLTOALLW_PAIRWISE, ALLTOALLW, "pairwise", bt_coll_pairwise_alltoallw, NULL),
    A(ALLTOALLW_LINEAR, ALLTOALLW, "linear", bt_coll_linear_alltoallw, NULL),
    A(REDUCE_BINOMIAL, REDUCE, "binomial", bt_coll_binomial_reduce, NULL),
    A(REDUCE_RABENSEIFNER, REDUCE, "rabenseifner", bt_coll_rabenseifner_reduce,
      bt_coll_rabenseifner_ok),
    A(REDUCE_LINEAR, REDUCE, "linear", bt_coll_linear_reduce, NULL),
    A(ALLREDUCE_RECURSIVE_DOUBLING, ALLREDUCE, "recursive_doubling",
      bt_coll_recursive_doubling_allreduce, NULL),
    A(ALLREDUCE_RING, ALLREDUCE, "ring", bt_coll_ring_allreduce, bt_coll_commutative_ok),
    A(ALLREDUCE_RABENSEIFNER, ALLREDUCE, "rabenseifner", bt_coll_rabenseifner_allreduce,
      bt_coll_rabenseifner_ok),
    A(ALLREDUCE_REDUCE_BCAST, ALLREDUCE, "reduce_bcast", bt_coll_reduce_bcast_allreduce, NULL),
    A(RS_RECURSIVE_HALVING, REDUCE_SCATTER, "recursive_halving",
      bt_coll_recursive_halving_reduce_scatter, bt_coll_commutative_ok),
    A(RS_PAIRWISE, REDUCE_SCATTER, "pairwise", bt_coll_pairwise_reduce_scatter,
      bt_coll_commutative_ok),
    A(RS_REDUCE_SCATTERV, REDUCE_SCATTER, "reduce_scatterv",
      bt_coll_reduce_scatterv_reduce_scatter, NULL),
    A(RSB_RECURSIVE_HALVING, REDUCE_SCATTER_BLOCK, "recursive_halving",
      bt_coll_recursive_halving_reduce_scatter, bt_coll_commutative_ok),
    A(RSB_PAIRWISE, REDUCE_SCATTER_BLOCK, "pairwise", bt_coll_pairwise_reduce_scatter,
      bt_coll_commutative_ok),
    A(RSB_REDUCE_SCATTERV, REDUCE_SCATTER_BLOCK, "reduce_scatterv",
      bt_coll_reduce_scatterv_reduce_scatter, NULL),
    A(SCAN_RECURSIVE_DOUBLING, SCAN, "recursive_doubling", bt_coll_recursive_doubling_scan, NULL),
    A(SCAN_LINEAR, SCAN, "linear", bt_coll_linear_scan, NULL),
    A(EXSCAN_RECURSIVE_DOUBLING, EXSCAN, "recursive_doubling", bt_coll_recursive_doubling_exscan,
      NULL),
    A(EXSCAN_LINEAR, EXSCAN, "linear", bt_coll_linear_exscan, NULL),
#undef A
};

/* ---- the selection table ------------------------------------------------------------
 * A rule applies when the communicator has min_ranks..max_ranks ranks, the size
 * (see above) is at most max_bytes, the shape condition holds, and its algorithm
 * handles the call. The thresholds follow Thakur, Rabenseifner and Gropp (2005) and
 * MPICH's defaults. A node-aware algorithm is one more row (BT_WHEN_NODES: the
 * communicator spans nodes, see twolevel above) ahead of the generic ones. */

enum { BT_WHEN_ANY, BT_WHEN_POW2, BT_WHEN_NODES };

typedef struct bt_coll_rule {
    bt_coll_kind_t kind;
    int            min_ranks, max_ranks;
    MPI_Count      max_bytes;
    int            when;
    int            alg;
} bt_coll_rule_t;

#define ANY_P 1, INT_MAX
#define ANY_B ((MPI_Count)1 << 62)
#define K(n) ((MPI_Count)(n) << 10)

static const bt_coll_rule_t bt_coll_rules[] = {
    /* collective                     ranks       bytes    shape         algorithm */
    { BT_COLL_BARRIER,                ANY_P,      ANY_B,   BT_WHEN_NODES, BT_ALG_BARRIER_TWOLEVEL },
    { BT_COLL_BARRIER,                ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_BARRIER_SHM },
    { BT_COLL_BARRIER,                ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_BARRIER_DISSEMINATION },

    { BT_COLL_BCAST,                  ANY_P,      ANY_B,   BT_WHEN_NODES, BT_ALG_BCAST_TWOLEVEL },
    { BT_COLL_BCAST,                  ANY_P,      K(8),    BT_WHEN_ANY,  BT_ALG_BCAST_SHM },
    { BT_COLL_BCAST,                  1, 7,       ANY_B,   BT_WHEN_ANY,  BT_ALG_BCAST_BINOMIAL },
    { BT_COLL_BCAST,                  ANY_P,      K(12),   BT_WHEN_ANY,  BT_ALG_BCAST_BINOMIAL },
    { BT_COLL_BCAST,                  ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_BCAST_SCATTER_ALLGATHER },
    { BT_COLL_BCAST,                  ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_BCAST_BINOMIAL },

    { BT_COLL_GATHER,                 ANY_P,      ANY_B,   BT_WHEN_NODES, BT_ALG_GATHER_TWOLEVEL },
    { BT_COLL_GATHER,                 ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_GATHER_SHM },
    { BT_COLL_GATHER,                 ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_GATHER_BINOMIAL },
    { BT_COLL_GATHERV,                ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_GATHERV_LINEAR },
    { BT_COLL_SCATTER,                ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_SCATTER_SHM },
    { BT_COLL_SCATTER,                ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_SCATTER_BINOMIAL },
    { BT_COLL_SCATTERV,               ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_SCATTERV_LINEAR },

    { BT_COLL_ALLGATHER,              ANY_P,      K(1024), BT_WHEN_NODES, BT_ALG_ALLGATHER_TWOLEVEL },
    { BT_COLL_ALLGATHER,              ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLGATHER_SHM },
    { BT_COLL_ALLGATHER,              ANY_P,      K(512),  BT_WHEN_POW2, BT_ALG_ALLGATHER_RECURSIVE_DOUBLING },
    { BT_COLL_ALLGATHER,              ANY_P,      K(80),   BT_WHEN_ANY,  BT_ALG_ALLGATHER_BRUCK },
    { BT_COLL_ALLGATHER,              ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLGATHER_RING },

    { BT_COLL_ALLGATHERV,             1, 8,       K(32),   BT_WHEN_ANY,  BT_ALG_ALLGATHERV_LINEAR },
    { BT_COLL_ALLGATHERV,             ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLGATHERV_RING },

    { BT_COLL_ALLTOALL,               ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLTOALL_SHM },
    { BT_COLL_ALLTOALL,               8, INT_MAX, 256,     BT_WHEN_ANY,  BT_ALG_ALLTOALL_BRUCK },
    { BT_COLL_ALLTOALL,               ANY_P,      K(32),   BT_WHEN_ANY,  BT_ALG_ALLTOALL_LINEAR },
    { BT_COLL_ALLTOALL,               ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLTOALL_PAIRWISE },

    { BT_COLL_ALLTOALLV,              1, 32,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLTOALLV_LINEAR },
    { BT_COLL_ALLTOALLV,              ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLTOALLV_PAIRWISE },
    { BT_COLL_ALLTOALLW,              1, 32,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLTOALLW_LINEAR },
    { BT_COLL_ALLTOALLW,              ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLTOALLW_PAIRWISE },

    { BT_COLL_REDUCE,                 ANY_P,      ANY_B,   BT_WHEN_NODES, BT_ALG_REDUCE_TWOLEVEL },
    { BT_COLL_REDUCE,                 ANY_P,      K(8),    BT_WHEN_ANY,  BT_ALG_REDUCE_SHM },
    { BT_COLL_REDUCE,                 ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_REDUCE_SHM_LARGE },
    { BT_COLL_REDUCE,                 ANY_P,      K(2),    BT_WHEN_ANY,  BT_ALG_REDUCE_BINOMIAL },
    { BT_COLL_REDUCE,                 ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_REDUCE_RABENSEIFNER },
    { BT_COLL_REDUCE,                 ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_REDUCE_BINOMIAL },

    { BT_COLL_ALLREDUCE,              ANY_P,      ANY_B,   BT_WHEN_NODES, BT_ALG_ALLREDUCE_TWOLEVEL },
    { BT_COLL_ALLREDUCE,              ANY_P,      K(8),    BT_WHEN_ANY,  BT_ALG_ALLREDUCE_SHM },
    { BT_COLL_ALLREDUCE,              ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLREDUCE_SHM_LARGE },
    { BT_COLL_ALLREDUCE,              ANY_P,      K(2),    BT_WHEN_ANY,  BT_ALG_ALLREDUCE_RECURSIVE_DOUBLING },
    { BT_COLL_ALLREDUCE,              ANY_P,      K(1024), BT_WHEN_ANY,  BT_ALG_ALLREDUCE_RABENSEIFNER },
    { BT_COLL_ALLREDUCE,              ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLREDUCE_RING },
    { BT_COLL_ALLREDUCE,              ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_ALLREDUCE_RECURSIVE_DOUBLING },

    { BT_COLL_REDUCE_SCATTER,         ANY_P,      K(512),  BT_WHEN_ANY,  BT_ALG_RS_RECURSIVE_HALVING },
    { BT_COLL_REDUCE_SCATTER,         ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_RS_PAIRWISE },
    { BT_COLL_REDUCE_SCATTER,         ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_RS_REDUCE_SCATTERV },
    { BT_COLL_REDUCE_SCATTER_BLOCK,   ANY_P,      K(512),  BT_WHEN_ANY,  BT_ALG_RSB_RECURSIVE_HALVING },
    { BT_COLL_REDUCE_SCATTER_BLOCK,   ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_RSB_PAIRWISE },
    { BT_COLL_REDUCE_SCATTER_BLOCK,   ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_RSB_REDUCE_SCATTERV },

    { BT_COLL_SCAN,                   ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_SCAN_RECURSIVE_DOUBLING },
    { BT_COLL_EXSCAN,                 ANY_P,      ANY_B,   BT_WHEN_ANY,  BT_ALG_EXSCAN_RECURSIVE_DOUBLING },
};

#undef ANY_P
#undef ANY_B
#undef K

static const char *const bt_coll_kind_names[BT_COLL_NKINDS] = {
    [BT_COLL_BARRIER] = "BARRIER", [BT_COLL_BCAST] = "BCAST", [BT_COLL_GATHER] = "GATHER",
    [BT_COLL_GATHERV] = "GATHERV", [BT_COLL_SCATTER] = "SCATTER",
    [BT_COLL_SCATTERV] = "SCATTERV", [BT_COLL_ALLGATHER] = "ALLGATHER",
    [BT_COLL_ALLGATHERV] = "ALLGATHERV", [BT_COLL_ALLTOALL] = "ALLTOALL",
    [BT_COLL_ALLTOALLV] = "ALLTOALLV", [BT_COLL_ALLTOALLW] = "ALLTOALLW",
    [BT_COLL_REDUCE] = "REDUCE", [BT_COLL_ALLREDUCE] = "ALLREDUCE",
    [BT_COLL_REDUCE_SCATTER] = "REDUCE_SCATTER",
    [BT_COLL_REDUCE_SCATTER_BLOCK] = "REDUCE_SCATTER_BLOCK", [BT_COLL_SCAN] = "SCAN",
    [BT_COLL_EXSCAN] = "EXSCAN",
};

/* BATON_COLL_<NAME>, read once: the algorithm forced per collective, or -1. */
static int bt_coll_forced[BT_COLL_NKINDS];
static int bt_coll_env_read;
/* By collective: where its rules start in bt_coll_rules, which keeps each
 * collective's rules together (a scan from the top cost 30 ns a call). */
static int bt_coll_first_rule[BT_COLL_NKINDS];
static int bt_coll_trace;

/* The algorithm of collective k named name, or -1. */
static int bt_coll_alg_named(int k, const char *name)
{
    for (int i = 0; i < BT_ALG_COUNT; i++)
        if (bt_coll_algs[i].kind == (bt_coll_kind_t)k && strcmp(bt_coll_algs[i].name, name) == 0)
            return i;
    return -1;
}

int bt_coll_env_check(const char *name, const char *value, char *why, size_t len)
{
    const char *kind = name + strlen("BATON_COLL_");
    size_t used;

    for (int k = 0; k < BT_COLL_NKINDS; k++) {
        if (strcmp(bt_coll_kind_names[k], kind) != 0)
            continue;
        if (bt_coll_alg_named(k, value) >= 0)
            return 0;
        used = (size_t)snprintf(why, len, "not an algorithm of %s (one of:", kind);
        for (int i = 0; i < BT_ALG_COUNT && used < len; i++)
            if (bt_coll_algs[i].kind == (bt_coll_kind_t)k)
                used += (size_t)snprintf(why + used, len - used, " %s", bt_coll_algs[i].name);
        if (used < len)
            snprintf(why + used, len - used, ")");
        return -1;
    }
    used = (size_t)snprintf(why, len, "no such collective (BATON_COLL_ takes");
    for (int k = 0; k < BT_COLL_NKINDS && used < len; k++)
        used += (size_t)snprintf(why + used, len - used, " %s", bt_coll_kind_names[k]);
    if (used < len)
        snprintf(why + used, len - used, ")");
    return -1;
}

static void bt_coll_read_env(void)
{
    char var[64];

    for (int k = 0; k < BT_COLL_NKINDS; k++) {
        const char *val;

        snprintf(var, sizeof(var), "BATON_COLL_%s", bt_coll_kind_names[k]);
        val = bt_env_str(var, NULL);   /* MPI_Init has refused any other value */
        bt_coll_forced[k] = val ? bt_coll_alg_named(k, val) : -1;
    }
    bt_coll_trace = (int)bt_env_long("BATON_COLL_TRACE", 0);
    for (int k = 0; k < BT_COLL_NKINDS; k++)
        bt_coll_first_rule[k] = -1;
    for (int i = 0; i < (int)BT_ARRAY_LEN(bt_coll_rules); i++) {
        int k = bt_coll_rules[i].kind;
        if (bt_coll_first_rule[k] < 0)
            bt_coll_first_rule[k] = i;
        else if (bt_coll_rules[i - 1].kind != bt_coll_rules[i].kind)
            bt_runtime_abort(1, "internal error: the rules of a collective are not together");
    }
    for (int k = 0; k < BT_COLL_NKINDS; k++)
        if (bt_coll_first_rule[k] < 0)
            bt_runtime_abort(1, "internal error: a collective has no rules");
    bt_coll_env_read = 1;
}

static MPI_Count bt_coll_size_of(const bt_coll_args_t *a)
{
    int p = a->comm->size, root = a->comm->rank == a->root;
    MPI_Count total = 0;

    switch (a->kind) {
    case BT_COLL_BCAST:
    case BT_COLL_REDUCE:
    case BT_COLL_ALLREDUCE:
    case BT_COLL_SCAN:
    case BT_COLL_EXSCAN:
        return a->count * a->dt->size;
    case BT_COLL_GATHER:
        return root ? a->recvcount * a->recvtype->size : a->sendcount * a->sendtype->size;
    case BT_COLL_SCATTER:
        return root ? a->sendcount * a->sendtype->size : a->recvcount * a->recvtype->size;
    case BT_COLL_ALLGATHER:
        return p * a->recvcount * a->recvtype->size;
    case BT_COLL_ALLGATHERV:
        for (int i = 0; i < p; i++)
            total += a->recvcounts[i];
        return total * a->recvtype->size;
    case BT_COLL_ALLTOALL:
        return a->recvcount * a->recvtype->size;
    case BT_COLL_REDUCE_SCATTER:
    case BT_COLL_REDUCE_SCATTER_BLOCK:
        for (int i = 0; i < p; i++)
            total += a->recvcounts[i];
        return total * a->dt->size;
    default:
        return 0;
    }
}

static int bt_coll_alg_ok(int alg, const bt_coll_args_t *a)
{
    return !bt_coll_algs[alg].ok || bt_coll_algs[alg].ok(a);
}

static int bt_coll_pick(const bt_coll_args_t *a)
{
    int p = a->comm->size, forced, last = -1;
    MPI_Count bytes;

    if (!bt_coll_env_read)
        bt_coll_read_env();
    forced = bt_coll_forced[a->kind];
    if (forced >= 0 && bt_coll_alg_ok(forced, a))
        return forced;
    bytes = bt_coll_size_of(a);
    for (size_t i = (size_t)bt_coll_first_rule[a->kind];
         i < BT_ARRAY_LEN(bt_coll_rules) && bt_coll_rules[i].kind == a->kind; i++) {
        const bt_coll_rule_t *rule = &bt_coll_rules[i];
        last = rule->alg;
        if (p < rule->min_ranks || p > rule->max_ranks || bytes > rule->max_bytes)
            continue;
        if (rule->when == BT_WHEN_POW2 && (p & (p - 1)))
            continue;
        if (rule->when == BT_WHEN_NODES && !bt_coll_twolevel_spans(a->comm))
            continue;
        if (bt_coll_alg_ok(rule->alg, a))
            return rule->alg;
    }
    return last;   /* the table ends every collective with a universal algorithm */
}

/* reduce_scatter_block runs as reduce_scatter with equal counts. */
static void bt_coll_prepare(bt_sched_t *s, bt_coll_args_t *a)
{
    if (a->kind == BT_COLL_REDUCE_SCATTER_BLOCK) {
        int p = a->comm->size;
        MPI_Count *counts = bt_coll_sched_alloc(s, (size_t)p * sizeof(*counts));
        for (int i = 0; i < p; i++)
            counts[i] = a->count;
        a->recvcounts = counts;
    }
}

static void bt_coll_trace_pick(const bt_coll_args_t *a, int alg, int persistent)
{
    const char *level;

    if (!bt_coll_trace || a->comm->rank != 0)
        return;
    level = a->comm->coll ? a->comm->coll->level : NULL;
    fprintf(stderr, "baton: %s%s%s%s%s on %d ranks (%lld bytes): %s\n", level ? "  " : "",
            level ? level : "", level ? " level: " : "", bt_coll_kind_names[a->kind],
            persistent ? " (persistent)" : "", a->comm->size,
            (long long)bt_coll_size_of(a), bt_coll_algs[alg].name);
}

int bt_coll_run_blocking(bt_coll_args_t *a)
{
    bt_request_t *req = NULL;
    int rc;

    a->blocking = 1;
    rc = bt_coll_start(a, &req);
    if (rc == MPI_SUCCESS && req) {
        rc = bt_request_wait(req);
        bt_request_release(req);
    }
    return rc;
}

int bt_coll_start(bt_coll_args_t *a, bt_request_t **req_p)
{
    int tag;
    bt_sched_t *s;
    int alg, rc;

    *req_p = NULL;
    if (a->comm->remote)
        return bt_coll_inter_start(a, req_p);
    if (a->kind >= BT_COLL_NEIGHBOR_ALLGATHER) {
        /* Point-to-point with the neighbours only: no node channel to set up. */
        tag = bt_comm_coll_tag(a->comm, a->blocking);
        s = bt_coll_sched_new(a->comm, tag);
        bt_coll_neighbor_build(s, a);
        *req_p = bt_coll_sched_start(s);
        return MPI_SUCCESS;
    }
    if (a->blocking && !a->comm->coll && (rc = bt_coll_comm_setup(a->comm)) != MPI_SUCCESS)
        return rc;
    tag = bt_comm_coll_tag(a->comm, a->blocking);
    /* Only reduce_scatter_block needs its schedule before the pick; the others get
     * one only if the algorithm picked runs as a schedule. */
    s = a->kind == BT_COLL_REDUCE_SCATTER_BLOCK ? bt_coll_sched_new(a->comm, tag) : NULL;
    if (s)
        bt_coll_prepare(s, a);
    alg = bt_coll_pick(a);
    bt_coll_trace_pick(a, alg, 0);
    bt_tool_ctr.coll_alg[alg]++;
    if (bt_coll_algs[alg].run) {
        if (s)
            bt_coll_sched_free(s);
        return bt_coll_algs[alg].run(a);
    }
    if (!s)
        s = bt_coll_sched_new(a->comm, tag);
    bt_coll_algs[alg].build(s, a);
    *req_p = bt_coll_sched_start(s);
    return MPI_SUCCESS;
}

/* A persistent collective picks among the algorithms of the nonblocking calls
 * (those that build a schedule): MPI_Start must not wait for the other ranks as
 * the node's shared-memory and two-level algorithms do. Its one tag serves every
 * start: two runs of it between the same ranks are posted in the same order on
 * both sides, so non-overtaking matching keeps them apart. The small barrier,
 * bcast, reduce and allreduce of ranks that share a node run on a channel of
 * their own instead (bt_coll_shm_persistent) unless another algorithm is forced;
 * the schedule stays, for when the node has no channel to spare. */
int bt_coll_init(bt_coll_args_t *a, bt_request_t **req_p)
{
    int tag;
    bt_sched_t *s;
    int alg, forced, shm;

    if (a->comm->remote)
        return bt_coll_inter_init(a, req_p);
    tag = bt_comm_coll_tag(a->comm, 0);
    s = bt_coll_sched_new(a->comm, tag);
    if (a->kind >= BT_COLL_NEIGHBOR_ALLGATHER) {
        bt_coll_neighbor_build(s, a);
        *req_p = bt_coll_sched_persistent(s);
        return MPI_SUCCESS;
    }
    a->blocking = 0;
    bt_coll_prepare(s, a);
    alg = bt_coll_pick(a);
    bt_coll_algs[alg].build(s, a);
    *req_p = bt_coll_sched_persistent(s);
    forced = bt_coll_forced[a->kind];
    shm = bt_coll_alg_named(a->kind, "shm");
    if ((forced < 0 || forced == shm) && bt_coll_shm_persistent_ok(a)) {
        bt_request_t *own = bt_coll_shm_persistent(a, *req_p);

        if (own != *req_p) {
            *req_p = own;
            alg = shm;
        }
    }
    bt_coll_trace_pick(a, alg, 1);
    bt_tool_ctr.coll_alg[alg]++;
    return MPI_SUCCESS;
}

/* ---- for MPI_T ------------------------------------------------------------------- */

const char *bt_coll_kind_name(int k)
{
    return bt_coll_kind_names[k];
}

int bt_coll_alg_count(void)
{
    return BT_ALG_COUNT;
}

const char *bt_coll_alg_name(int alg, int *kind_p)
{
    *kind_p = (int)bt_coll_algs[alg].kind;
    return bt_coll_algs[alg].name;
}

int bt_coll_forced_get(int k)
{
    if (!bt_coll_env_read)
        bt_coll_read_env();
    return bt_coll_forced[k];
}

void bt_coll_forced_set(int k, int alg)
{
    if (!bt_coll_env_read)
        bt_coll_read_env();
    bt_coll_forced[k] = alg;
}

int bt_coll_trace_get(void)
{
    if (!bt_coll_env_read)
        bt_coll_read_env();
    return bt_coll_trace;
}

void bt_coll_trace_set(int on)
{
    if (!bt_coll_env_read)
        bt_coll_read_env();
    bt_coll_trace = on;
}
