/* Process-wide state: who I am in the job and on my node, thread level, life cycle. */
#ifndef BT_RUNTIME_H
#define BT_RUNTIME_H

#include "api/bt_mpi.h"
#include <pthread.h>
#include <stdint.h>

enum { BT_RT_UNINIT = 0, BT_RT_RUNNING = 1, BT_RT_FINALIZED = 2 };
/* The world model's own life cycle (MPI_Initialized, MPI_Finalized). */
enum { BT_WORLD_NONE = 0, BT_WORLD_ACTIVE = 1, BT_WORLD_DONE = 2 };

typedef struct bt_runtime {
    int        state;               /* the runtime's: running while anyone uses it */
    int        world;               /* BT_WORLD_*: MPI_Init and MPI_Finalize */
    int        users;               /* the world model (while active) + open sessions */
    int        rank, size;          /* MPI_COMM_WORLD */
    int        appnum, universe_size;
    int        universe_limit;      /* mpiexec -usize: spawns stay within; 0: no limit */
    int        thread_level;        /* provided */
    int        thread_multiple;     /* take the big lock in every call */
    pthread_t  main_thread;
    int        node, nnodes;        /* my node, and how many the job spans */
    int       *node_of;             /* world rank -> node (from the launcher's mapping) */
    int        local_rank, local_size;
    int       *local_ranks;         /* world rank of each rank on my node, by local index */
    int       *local_of;            /* world rank -> local index, -1 when on another node */
    int        ncpus;               /* CPUs this process may run on */
    int        malloc_thp;          /* glibc's malloc gets 2 MiB pages for large blocks
                                     * (1: kernel, 2: glibc.malloc.hugetlb=1) */
    char       processor_name[MPI_MAX_PROCESSOR_NAME];
    char       jobid[128];
    /* Processes of other jobs reached through ports or spawn (runtime/peers.c)
     * are peers size..npeers-1, after the world's ranks: the arrays above that
     * are indexed by world rank cover every peer (local_of -1, node_of -1). */
    int        npeers;
    uint64_t   job_hash;            /* names this job among others (from jobid) */
} bt_runtime_t;

extern bt_runtime_t bt_rt;

/* The big lock of MPI_THREAD_MULTIPLE (recursive). A blocking call hands it back
 * entirely while it sleeps and takes it again after, and hands it over while it
 * polls when another thread is waiting for it. */
int  bt_lock_enter(void);          /* 1 when taken */
void bt_lock_leave(void);
int  bt_lock_release_all(void);    /* returns the depth to restore */
void bt_lock_restore(int depth);
int  bt_lock_contended(void);      /* another thread waits for the lock */
void bt_lock_hand_over(void);      /* lets it in, then takes the lock back */

int  bt_runtime_init(int required, int *provided_p);

/* Peers of other jobs (runtime/peers.c). A process is named everywhere by its
 * job's hash and its rank there; bt_rt_peer_find gives its peer index (-1: not
 * known yet), bt_rt_peer_new makes one, bt_rt_peer_gid says who a peer is, and
 * bt_rt_peer_cmp orders peers the same way in every process. */
int  bt_rt_peer_find(uint64_t job_hash, int rank);
int  bt_rt_peer_new(uint64_t job_hash, int rank);
void bt_rt_peer_gid(int peer, uint64_t *job_hash_p, int *rank_p);
int  bt_rt_peer_cmp(int a, int b);
void bt_rt_peers_free(void);
int  bt_runtime_finalize(void);
/* Levels of hardware, outermost first (runtime/hwtopo.c). */
enum { BT_HW_NODE, BT_HW_PACKAGE, BT_HW_NUMA, BT_HW_L3, BT_HW_L2, BT_HW_CORE, BT_HW_PU,
       BT_HW_NLEVELS };
/* A level's name as mpi_hw_resource_type takes it; the level of a name (any case;
 * -1: unknown). */
const char *bt_hw_level_name(int level);
int         bt_hw_level_named(const char *name);
/* The instance of level (per node) that holds every CPU this process may run on;
 * -1 when they span several or sysfs does not say. */
long        bt_hw_instance(int level);

/* The runtime is up while the world model or a session uses it: the first of
 * MPI_Init and MPI_Session_init starts it (bt_runtime_init), the last of
 * MPI_Finalize and MPI_Session_finalize ends it (bt_runtime_finalize). A later
 * user finds it BT_RT_FINALIZED and starts it again (MPI_Session_init; MPI_Init
 * only if the world model never ran). The job's part (PMI, node, transports)
 * stays up from the first start to the exit of the process. */
int  bt_runtime_open(int required, int *provided_p);
int  bt_runtime_close(void);
/* Ends the whole job: tells the launcher, then exits with code. */
void bt_runtime_abort(int code, const char *msg) __attribute__((noreturn));
/* The same for an MPI error under MPI_ERRORS_ARE_FATAL (the launcher says so). */
void bt_runtime_abort_on_error(int code, const char *msg) __attribute__((noreturn));
/* An internal failure that this rank cannot recover from (a peer gone, a malformed
 * message): says so on stderr, naming this rank, and ends the job. */
void bt_runtime_fail(const char *msg) __attribute__((noreturn));

#endif
