/* Environment: init, finalize, thread level, clocks, versions, memory. */
#include "api/bt_api.h"
#include "comm/bt_dynproc.h"
#include "comm/bt_info.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int bt_init_common(const char *call, int *argc, char ***argv, int required,
                          int *provided)
{
    int rc, got;

    if (bt_rt.world != BT_WORLD_NONE) {
        fprintf(stderr, "Baton: %s called %s\n", call,
                bt_rt.world == BT_WORLD_ACTIVE ? "twice" : "after MPI_Finalize");
        bt_runtime_abort(1, "MPI initialized twice");
    }
    rc = bt_runtime_open(required, &got);
    if (rc != MPI_SUCCESS) {
        /* No communicator exists yet to carry a handler: the default is fatal. */
        fprintf(stderr, "Baton: %s failed: the job could not be set up\n", call);
        bt_runtime_abort(1, "MPI_Init failed");
    }
    bt_rt.world = BT_WORLD_ACTIVE;
    bt_info_env_init(argc && argv ? *argc : 0, argv ? *argv : NULL);
    /* A spawned job meets its parents before anything else. */
    if (bt_comm_spawn_child_init() != MPI_SUCCESS) {
        fprintf(stderr, "Baton: %s failed: this job was spawned, and cannot reach the "
                "processes that spawned it\n", call);
        bt_runtime_abort(1, "MPI_Init failed");
    }
    if (provided)
        *provided = got;
    return MPI_SUCCESS;
}

int PMPI_Init(int *argc, char ***argv)
{
    return bt_init_common("MPI_Init", argc, argv, MPI_THREAD_SINGLE, NULL);
}

int PMPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    if (!provided) {
        fprintf(stderr, "Baton: MPI_Init_thread: provided is NULL\n");
        bt_runtime_abort(1, "MPI_Init_thread: invalid argument");
    }
    return bt_init_common("MPI_Init_thread", argc, argv, required, provided);
}

int PMPI_Finalize(void)
{
    int rc;
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Finalize");
    if (bt_rt.world != BT_WORLD_ACTIVE)
        return bt_err_comm(NULL, MPI_ERR_OTHER, "MPI_Finalize", "MPI_Init was not called "
                           "(sessions end with MPI_Session_finalize)");
    /* First, while MPI_COMM_WORLD still works for their callbacks: the world's
     * attributes (and collective state). Sessions may go on after. */
    bt_comm_finalize_begin();
    bt_rt.world = BT_WORLD_DONE;
    rc = bt_runtime_close();
    return rc;
}

int PMPI_Initialized(int *flag)
{
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Initialized", "flag is NULL");
    *flag = bt_rt.world != BT_WORLD_NONE;
    return MPI_SUCCESS;
}

int PMPI_Finalized(int *flag)
{
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Finalized", "flag is NULL");
    *flag = bt_rt.world == BT_WORLD_DONE;
    return MPI_SUCCESS;
}

int PMPI_Abort(MPI_Comm comm, int errorcode)
{
    char msg[128];
    /* The whole job ends, whatever comm: that is what every MPI does and what the
     * standard allows. */
    snprintf(msg, sizeof(msg), "MPI_Abort(errorcode=%d) on rank %d", errorcode, bt_rt.rank);
    if (bt_rt.size <= 1)
        fprintf(stderr, "Baton: %s\n", msg);
    bt_runtime_abort(errorcode, msg);
}

int PMPI_Query_thread(int *provided)
{
    BT_CHECK_INIT("MPI_Query_thread");
    if (!provided)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Query_thread", "provided is NULL");
    *provided = bt_rt.thread_level;
    return MPI_SUCCESS;
}

int PMPI_Is_thread_main(int *flag)
{
    BT_CHECK_INIT("MPI_Is_thread_main");
    if (!flag)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Is_thread_main", "flag is NULL");
    *flag = pthread_equal(pthread_self(), bt_rt.main_thread) != 0;
    return MPI_SUCCESS;
}

double PMPI_Wtime(void)
{
    return bt_time_now();
}

double PMPI_Wtick(void)
{
    struct timespec res;
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0)
        return 1e-9;
    return (double)res.tv_sec + 1e-9 * (double)res.tv_nsec;
}

int PMPI_Get_processor_name(char *name, int *resultlen)
{
    BT_CHECK_INIT("MPI_Get_processor_name");
    if (!name || !resultlen)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Get_processor_name", "%s is NULL",
                           name ? "resultlen" : "name");
    bt_strlcpy(name, bt_rt.processor_name, MPI_MAX_PROCESSOR_NAME);
    *resultlen = (int)strlen(name);
    return MPI_SUCCESS;
}

int PMPI_Get_version(int *version, int *subversion)
{
    if (!version || !subversion)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Get_version", "%s is NULL",
                           version ? "subversion" : "version");
    *version = MPI_VERSION;
    *subversion = MPI_SUBVERSION;
    return MPI_SUCCESS;
}

int PMPI_Get_library_version(char *version, int *resultlen)
{
    int n;
    if (!version || !resultlen)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Get_library_version", "%s is NULL",
                           version ? "resultlen" : "version");
    n = snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING,
                 "Baton %s (MPI %d.%d, shared memory, standard ABI handles)", BATON_VERSION,
                 MPI_VERSION, MPI_SUBVERSION);
    *resultlen = n;
    return MPI_SUCCESS;
}

/* Any info is accepted: no hint changes where the memory comes from. */
int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr)
{
    void *p;
    struct bt_info *in;
    int rc;
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Alloc_mem");
    if ((rc = bt_check_info("MPI_Alloc_mem", NULL, info, &in)) != MPI_SUCCESS)
        return rc;
    if (size < 0)
        return bt_err_comm(NULL, MPI_ERR_SIZE, "MPI_Alloc_mem", "size is %ld, must be >= 0",
                           (long)size);
    if (!baseptr)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Alloc_mem", "baseptr is NULL");
    p = malloc(size ? (size_t)size : 1);
    if (!p)
        return bt_err_comm(NULL, MPI_ERR_NO_MEM, "MPI_Alloc_mem", "cannot allocate %ld bytes",
                           (long)size);
    *(void **)baseptr = p;
    return MPI_SUCCESS;
}

int PMPI_Free_mem(void *base)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Free_mem");
    free(base);
    return MPI_SUCCESS;
}

/* Baton has no profiling levels to switch: the call does nothing, which is what
 * the standard asks of such an implementation. */
int PMPI_Pcontrol(const int level, ...)
{
    return MPI_SUCCESS;
}
