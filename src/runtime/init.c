/* MPI_Init and MPI_Finalize below the API: launcher, node, layers in order. */
#include "runtime/bt_runtime.h"

#include "coll/bt_coll.h"
#include "comm/bt_comm.h"
#include "datatype/bt_datatype.h"
#include "io/bt_io.h"
#include "pt2pt/bt_diag.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_pmi.h"
#include "tools/bt_tools.h"
#include "runtime/bt_names.h"
#include "runtime/bt_spawn.h"
#include "util/bt_util.h"

#include <malloc.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bt_runtime_t bt_rt;

/* Which world ranks share my node: from the launcher's layout of the job
 * (PMI_process_mapping: our mpiexec, Hydra, Slurm), never from host names, which
 * separate hosts may share. A launcher that gives no layout but says that every
 * rank is local (MPI_LOCALNRANKS) has one node; only one that says neither makes
 * the ranks compare the host names they publish. */
static int bt_runtime_hosts_by_name(int *node_of)
{
    int n = bt_rt.size, nnodes = 0;
    char key[32], (*hosts)[MPI_MAX_PROCESSOR_NAME] = bt_malloc((size_t)n * sizeof(*hosts));

    snprintf(key, sizeof(key), "bt-host-%d", bt_rt.rank);
    if (bt_pmi_put(key, bt_rt.processor_name) != 0 || bt_pmi_fence() != 0)
        goto err_free;
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "bt-host-%d", i);
        if (bt_pmi_get(i, key, hosts[i], sizeof(hosts[i])) != 0)
            goto err_free;
        node_of[i] = -1;
        for (int q = 0; q < i && node_of[i] < 0; q++) {
            if (strcmp(hosts[q], hosts[i]) == 0)
                node_of[i] = node_of[q];
        }
        if (node_of[i] < 0)
            node_of[i] = nnodes++;
    }
    free(hosts);
    return nnodes;

err_free:
    free(hosts);
    return -1;
}

static int bt_runtime_find_node(const bt_pmi_info_t *info)
{
    int n = bt_rt.size, nnodes;

    bt_rt.node_of = bt_malloc((size_t)n * sizeof(int));
    bt_rt.local_of = bt_malloc((size_t)n * sizeof(int));
    bt_rt.local_ranks = bt_malloc((size_t)n * sizeof(int));
    nnodes = bt_pmi_node_map(bt_rt.node_of);
    if (nnodes < 0)
        return -1;
    if (nnodes == 0 && info->local_size == n) {
        for (int i = 0; i < n; i++)
            bt_rt.node_of[i] = 0;
        nnodes = 1;
    }
    if (nnodes == 0 && (nnodes = bt_runtime_hosts_by_name(bt_rt.node_of)) < 0)
        return -1;
    bt_rt.nnodes = nnodes;
    bt_rt.node = bt_rt.node_of[bt_rt.rank];
    bt_rt.local_size = 0;
    for (int i = 0; i < n; i++) {
        bt_rt.local_of[i] = -1;
        if (bt_rt.node_of[i] != bt_rt.node)
            continue;
        if (i == bt_rt.rank)
            bt_rt.local_rank = bt_rt.local_size;
        bt_rt.local_of[i] = bt_rt.local_size;
        bt_rt.local_ranks[bt_rt.local_size++] = i;
    }
    return 0;
}

/* When the ranks fit the CPUs, local rank r runs on the r-th allowed CPU. Without it, a futex
 * wake-up tends to pull the woken rank onto the waker's core, and two ranks that
 * poll can end up sharing one core while another program holds the other. */
static void bt_runtime_bind(void)
{
    cpu_set_t set, one;
    int want, seen = 0;

    if (strcmp(bt_env_str("BATON_BIND", "core"), "none") == 0 || bt_rt.local_size < 2)
        return;
    /* Oversubscribed, the scheduler's balancing does better than a fixed share. */
    if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < bt_rt.local_size)
        return;
    want = bt_rt.local_rank % CPU_COUNT(&set);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        if (seen++ == want) {
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            (void)sched_setaffinity(0, sizeof(one), &one);
            return;
        }
    }
}

/* Whether glibc's malloc gets transparent huge pages: 1 when the kernel gives them
 * to every large enough mapping ("always"), 2 when it gives them to those marked
 * for them ("madvise") and malloc marks its blocks and heap, growing the heap to
 * 2 MiB boundaries (glibc.malloc.hugetlb=1, which mpiexec sets; glibc ignores it
 * in the other modes); else 0. */
static int bt_runtime_malloc_thp(void)
{
    char mode[128] = "";
    const char *tunables = getenv("GLIBC_TUNABLES");
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

    if (f == NULL)
        return 0;
    if (fgets(mode, sizeof(mode), f) == NULL)
        mode[0] = '\0';
    fclose(f);
    if (strstr(mode, "[always]") != NULL)
        return 1;
    return strstr(mode, "[madvise]") != NULL && tunables != NULL &&
           strstr(tunables, "glibc.malloc.hugetlb=1") != NULL ? 2 : 0;
}

/* A block gets 2 MiB pages only for the aligned 2 MiB stretches that hold no 4 KiB
 * page yet. The stretch where the heap's free top begins holds the heap's earlier
 * blocks, so the first large buffer the program allocates after MPI_Init (taken from
 * that top) starts with up to 2 MiB on 4 KiB pages, which the kernel's single copy
 * moves at a third of the speed of the rest: osu_bw's 1 MiB messages, from the
 * front of its buffers, ran at 22 GB/s instead of 40. So Baton moves the top to the
 * next 2 MiB boundary with one filler block that it keeps (virtual memory only, but
 * the top's header then faults in a 2 MiB page there: 2 MiB more resident per rank,
 * which the program's next blocks use). Not when the node has more ranks than CPUs,
 * where memory counts for more than the speed of large messages between ranks that
 * wait for a core anyway. The top begins at the break less its size (mallinfo2's
 * keepcost); glibc carves a block of b bytes from there as a chunk of (b + 8)
 * rounded up to 16 whose user memory starts 16 bytes in, and grows the heap to
 * the 2 MiB boundary past the block plus 128 KiB. A filler that came from
 * anywhere else (another arena, another allocator) is given back. Only where
 * glibc grows the heap to 2 MiB boundaries itself (bt_runtime_malloc_thp 2). */
static void bt_runtime_align_heap(void)
{
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
    const uintptr_t huge = (uintptr_t)2 << 20;
    static void *volatile filler;   /* kept; volatile, or the compiler drops it */
    uintptr_t brk, top, to;

    if (bt_rt.local_size > bt_rt.ncpus || bt_rt.malloc_thp != 2)
        return;
    brk = (uintptr_t)sbrk(0);
    top = brk - mallinfo2().keepcost;
    to = (top + 32 + huge - 1) / huge * huge;   /* a chunk is at least 32 bytes */
    /* The boundary must lie at or past the break: growing the heap to it then
     * maps (and marks for huge pages) the whole stretch after it before the top's
     * header is written there, which puts a 2 MiB page there at once. A stretch
     * the heap already reaches into would get a 4 KiB page, and keep it. */
    if (to < brk)
        to += huge;
    filler = malloc(to - top - 8);
    if ((uintptr_t)filler != top + 16) {
        free(filler);
        filler = NULL;
    }
#endif
}

/* glibc's malloc serves 128 KiB and more with a fresh mmap, whose pages fault in on
 * first touch (about 2 us a page on these VMs), until a block of that kind is freed:
 * then it raises the threshold to the freed block's size (and keeps twice that
 * free at the top of the heap before it returns memory), so that buffers up to
 * that size are reused from the heap. Programs that send NumPy arrays through
 * pickle (mpi4py's send/recv) allocate and free a few buffers of each message's
 * size; with 1 MiB arrays the threshold lands just below what they need and every
 * message faults in three fresh MiB (740 faults, 1.35 ms of the 1.5 ms a message
 * takes). So Baton frees one block of almost 16 MiB at start-up, as a program that
 * once freed a large array would have (64 KiB short: a mapping of a multiple of
 * 2 MiB is placed on a 2 MiB boundary, and glibc's header would then fault in a
 * whole huge page). A threshold the program set (mallopt,
 * MALLOC_MMAP_THRESHOLD_) stays: glibc then ignores the free. Another malloc
 * merely serves and frees the block. BATON_MALLOC_PRIME=0 leaves malloc alone. */
static void bt_runtime_prime_malloc(void)
{
    void *volatile block;

    if (!bt_env_long("BATON_MALLOC_PRIME", 1))
        return;
    block = malloc(((size_t)16 << 20) - 65536);
    free(block);
}

static int bt_runtime_count_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return CPU_COUNT(&set);
    return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* glibc 2.36 (Debian 12's) decides at malloc's first call, once for the process,
 * whether the kernel gives transparent huge pages on request: it reads the 23
 * bytes of /sys/kernel/mm/transparent_hugepage/enabled into a 24-byte array on
 * its stack and compares it with strcmp, so the answer hangs on whatever byte
 * the stack held after them. When that first call is ours (a C program that has
 * not allocated before MPI_Init), it is made on stack that was just cleared, so
 * that "madvise" is seen as what it is. A program that allocated before keeps
 * what glibc decided then. */
static __attribute__((noinline)) void bt_runtime_clear_stack(void)
{
    volatile char pad[8192];

    for (size_t i = 0; i < sizeof(pad); i++)
        pad[i] = 0;
}

static void bt_runtime_first_malloc(void)
{
    void *volatile block;

    bt_runtime_clear_stack();
    block = malloc(1);
    free(block);
}

/* The job's part of the runtime (launcher, node, transports) lives from the first
 * start of MPI to the exit of the process (bt_runtime_exit), across every end
 * and later start in between: under srun the launcher's PMI connection cannot
 * be opened again once finalized. Each end tells the launcher finalize at once
 * (a rank may _exit after MPI_Finalize) and keeps the connection; each later
 * start tells Baton's launcher that the rank must end again before it exits
 * (bt_pmi_restart). pid: the process that set it up (a forked child's exit is
 * not its end); exiting: the exit has begun, so an end that comes later (a
 * handler the program registered before ours) ends the job's part at once. */
static struct {
    int   up;
    int   exiting;
    pid_t pid;
} bt_rt_job;

static void bt_runtime_job_end(void)
{
    bt_pt2pt_finalize();
    bt_pmi_finalize();
    free(bt_rt.local_of);
    free(bt_rt.local_ranks);
    free(bt_rt.node_of);
    bt_rt.local_of = bt_rt.local_ranks = bt_rt.node_of = NULL;
    bt_rt_peers_free();
    bt_rt.npeers = 0;
    bt_rt_job.up = 0;
}

static void bt_runtime_exit(void)
{
    if (!bt_rt_job.up || getpid() != bt_rt_job.pid)
        return;
    bt_rt_job.exiting = 1;
    /* With MPI still in use the exit is the program's failure: the launcher
     * reports it, as it did before sessions could end and start again. */
    if (bt_rt.state == BT_RT_FINALIZED)
        bt_runtime_job_end();
}

static void bt_runtime_thread_level(int required)
{
    /* Every level is provided; MULTIPLE serializes calls with one lock. */
    if (required < MPI_THREAD_SINGLE)
        required = MPI_THREAD_SINGLE;
    if (required > MPI_THREAD_MULTIPLE)
        required = MPI_THREAD_MULTIPLE;
    bt_rt.thread_level = required;
    bt_rt.thread_multiple = 0;
    bt_rt.main_thread = pthread_self();
}

/* What each start sets up again after an end: the predefined objects and
 * communicators, the trace, the progress thread. */
static int bt_runtime_start(int *provided_p)
{
    if (bt_datatype_init() != 0 || bt_comm_init() != 0)
        return MPI_ERR_OTHER;
    bt_rt.thread_multiple = bt_rt.thread_level == MPI_THREAD_MULTIPLE;
    bt_diag_phase = NULL;
    bt_rt.state = BT_RT_RUNNING;
    bt_trace_init();
    bt_progress_thread_start();
    *provided_p = bt_rt.thread_level;
    return MPI_SUCCESS;
}

int bt_runtime_init(int required, int *provided_p)
{
    bt_pmi_info_t info;
    char msg[512];

    bt_diag_phase = "MPI_Init";
    bt_runtime_thread_level(required);
    if (bt_rt_job.up) {
        if (bt_pmi_restart() != 0)
            return MPI_ERR_OTHER;
        bt_pt2pt_begin();
        return bt_runtime_start(provided_p);
    }
    bt_runtime_first_malloc();
    bt_diag_install();

    /* mpiexec has checked these too; srun and singletons have not. */
    bt_env_set_family_check("BATON_COLL_", bt_coll_env_check);
    if (bt_env_check_all(msg, sizeof(msg)) != 0) {
        fprintf(stderr, "Baton: %s\n", msg);
        return MPI_ERR_ARG;
    }
    if (bt_pmi_init(&info) != 0)
        return MPI_ERR_OTHER;
    bt_rt.rank = info.rank;
    bt_rt.size = info.size;
    bt_rt.appnum = info.appnum;
    bt_rt.universe_size = info.universe_size > 0 ? info.universe_size : info.size;
    bt_strlcpy(bt_rt.jobid, info.kvsname, sizeof(bt_rt.jobid));
    bt_rt.universe_limit = (int)bt_env_long("BATON_UNIVERSE_SIZE", 0);
    if (bt_rt.universe_limit > 0)
        bt_rt.universe_size = bt_rt.universe_limit;
    /* A spawned process: which of the commands of MPI_Comm_spawn_multiple. */
    bt_rt.appnum = (int)bt_env_long("BATON_APPNUM", bt_rt.appnum);
    bt_rt.npeers = bt_rt.size;
    /* FNV-1a of the launcher's job id, which is unique per job (host, pid, time). */
    bt_rt.job_hash = 1469598103934665603ull;
    for (const char *c = bt_rt.jobid; *c; c++)
        bt_rt.job_hash = (bt_rt.job_hash ^ (unsigned char)*c) * 1099511628211ull;
    if (gethostname(bt_rt.processor_name, sizeof(bt_rt.processor_name) - 1) != 0)
        bt_strlcpy(bt_rt.processor_name, "localhost", sizeof(bt_rt.processor_name));
    bt_rt.ncpus = bt_runtime_count_cpus();

    if (bt_runtime_find_node(&info) != 0)
        return MPI_ERR_OTHER;
    bt_runtime_bind();
    bt_rt.malloc_thp = bt_runtime_malloc_thp();
    bt_runtime_prime_malloc();
    if (bt_pt2pt_init() != 0)
        return MPI_ERR_OTHER;
    bt_rt_job.up = 1;
    if (bt_rt_job.pid == 0) {
        bt_rt_job.pid = getpid();
        atexit(bt_runtime_exit);
    }
    if (bt_runtime_start(provided_p) != MPI_SUCCESS)
        return MPI_ERR_OTHER;
    /* Last, after the layers' own allocations (the network's buffers among them),
     * so that the program's first large buffer gets the aligned top. */
    if (bt_env_long("BATON_MALLOC_PRIME", 1))
        bt_runtime_align_heap();
    return MPI_SUCCESS;
}

static int bt_runtime_children_ended(void *arg)
{
    (void)arg;
    return !bt_spawn_pending();
}

int bt_runtime_finalize(void)
{
    bt_progress_thread_stop();
    /* The jobs this process spawned end first: while they finish, this process
     * serves what they still send it. */
    if (bt_spawn_pending())
        bt_progress_until(bt_runtime_children_ended, NULL);
    bt_spawn_reap();
    bt_io_async_stop();
    bt_names_withdraw_all();
    /* MPI_COMM_SELF's attributes are deleted first, while MPI still works. */
    bt_comm_finalize_begin();
    bt_trace_finalize();
    bt_diag_phase = "MPI_Finalize";
    /* The communicators are gone, and so are the messages that came for them,
     * but for those a peer that already started again may have sent. */
    bt_pt2pt_end(bt_comm_ctx_outlives_end);
    bt_comm_finalize();
    bt_datatype_finalize();
    bt_rt.state = BT_RT_FINALIZED;
    bt_diag_phase = NULL;
    /* From here the process may leave in any way, _exit too, and the launcher
     * takes it for a clean end; a later start says otherwise (bt_pmi_restart). */
    bt_pmi_end();
    if (bt_rt_job.exiting)
        bt_runtime_job_end();
    return MPI_SUCCESS;
}

int bt_runtime_open(int required, int *provided_p)
{
    int rc;

    if (bt_rt.state != BT_RT_RUNNING) {
        if ((rc = bt_runtime_init(required, provided_p)) != MPI_SUCCESS)
            return rc;
    } else {
        /* Raising the level is safe: below MULTIPLE no other thread is in MPI. */
        if (required > bt_rt.thread_level) {
            bt_rt.thread_level = BT_MIN(required, MPI_THREAD_MULTIPLE);
            bt_rt.thread_multiple |= bt_rt.thread_level == MPI_THREAD_MULTIPLE;
        }
        *provided_p = bt_rt.thread_level;
    }
    bt_rt.users++;
    return MPI_SUCCESS;
}

int bt_runtime_close(void)
{
    return --bt_rt.users > 0 ? MPI_SUCCESS : bt_runtime_finalize();
}

static void __attribute__((noreturn)) bt_runtime_end(int code, const char *msg, int error)
{
    fflush(stdout);
    fflush(stderr);
    bt_pmi_abort(code, msg, error);
    _exit(code);
}

void bt_runtime_abort(int code, const char *msg)
{
    bt_runtime_end(code, msg, 0);
}

void bt_runtime_abort_on_error(int code, const char *msg)
{
    bt_runtime_end(code, msg, 1);
}

void bt_runtime_fail(const char *msg)
{
    fprintf(stderr, "Baton: rank %d: %s\n", bt_rt.rank, msg);
    bt_runtime_end(1, msg, 1);
}
