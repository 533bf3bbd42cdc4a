/* The environment calls around point-to-point traffic:
 *   MPI_Initialized/MPI_Finalized before MPI_Init, between, and after MPI_Finalize;
 *   each rank initializes with another thread level (rank % 5: MPI_Init, then
 *   MPI_Init_thread with SINGLE, FUNNELED, SERIALIZED, MULTIPLE; 8 ranks use all):
 *   provided >= required and MPI_Query_thread says the same, MPI_Is_thread_main
 *   is true on the main thread (false on another one at MPI_THREAD_MULTIPLE);
 *   MPI_Wtime never goes back and measures a sleep, MPI_Wtick is > 0;
 *   MPI_Get_processor_name is a proper string, the same on every rank of this
 *   one-node job; MPI_Get_version is 4.1 (also before MPI_Init and after
 *   MPI_Finalize), as are MPI_VERSION/MPI_SUBVERSION; MPI_Get_library_version
 *   names Baton. Then a message around the ring, so the levels talk to each other. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int rank = -1, size;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            printf("FAIL: ");                                              \
            printf(__VA_ARGS__);                                           \
            printf(" on rank %d\n", rank);                                 \
            fflush(stdout);                                                \
            if (mpi_up)                                                    \
                MPI_Abort(MPI_COMM_WORLD, 1);                              \
            exit(1);                                                       \
        }                                                                  \
    } while (0)

static int mpi_up;

static void *other_thread(void *p)
{
    int flag = 1;
    MPI_Is_thread_main(&flag);
    *(int *)p = flag;
    return NULL;
}

static void check_version(const char *when)
{
    int v = -1, sv = -1, len = -1;
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];

    CHECK(MPI_Get_version(&v, &sv) == MPI_SUCCESS, "MPI_Get_version %s", when);
    CHECK(v == 4 && sv == 1, "MPI_Get_version %s: %d.%d, expected 4.1", when, v, sv);
    CHECK(MPI_VERSION == 4 && MPI_SUBVERSION == 1, "MPI_VERSION.MPI_SUBVERSION is %d.%d",
          MPI_VERSION, MPI_SUBVERSION);
    memset(lib, 0, sizeof(lib));
    CHECK(MPI_Get_library_version(lib, &len) == MPI_SUCCESS, "MPI_Get_library_version %s", when);
    CHECK(len == (int)strlen(lib) && len > 0 && len < MPI_MAX_LIBRARY_VERSION_STRING,
          "MPI_Get_library_version %s: resultlen %d for '%s'", when, len, lib);
    CHECK(strstr(lib, "Baton") != NULL, "MPI_Get_library_version %s: '%s' does not name Baton",
          when, lib);
}

int main(int argc, char **argv)
{
    static const int levels[4] = { MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED,
                                   MPI_THREAD_SERIALIZED, MPI_THREAD_MULTIPLE };
    int flag = -1, provided = -1, q = -1, required, mode, len;
    char name[MPI_MAX_PROCESSOR_NAME], name2[MPI_MAX_PROCESSOR_NAME];
    const char *env_rank = getenv("PMI_RANK");

    /* Before MPI_Init: the rank only from the launcher's environment, for mode. */
    mode = (env_rank ? atoi(env_rank) : 0) % 5;
    CHECK(MPI_Initialized(&flag) == MPI_SUCCESS && flag == 0, "MPI_Initialized before "
          "MPI_Init: %d", flag);
    CHECK(MPI_Finalized(&flag) == MPI_SUCCESS && flag == 0, "MPI_Finalized before MPI_Init: %d",
          flag);
    check_version("before MPI_Init");

    if (mode == 0) {
        CHECK(MPI_Init(&argc, &argv) == MPI_SUCCESS, "MPI_Init");
        required = MPI_THREAD_SINGLE;
        mpi_up = 1;
        MPI_Query_thread(&provided);
    } else {
        required = levels[mode - 1];
        CHECK(MPI_Init_thread(&argc, &argv, required, &provided) == MPI_SUCCESS,
              "MPI_Init_thread");
        mpi_up = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (env_rank)
        CHECK(atoi(env_rank) == rank, "PMI_RANK %s but rank %d: the level test would be off",
              env_rank, rank);

    CHECK(MPI_Initialized(&flag) == MPI_SUCCESS && flag == 1, "MPI_Initialized after MPI_Init");
    CHECK(MPI_Finalized(&flag) == MPI_SUCCESS && flag == 0, "MPI_Finalized after MPI_Init");

    /* Thread levels. */
    CHECK(provided == MPI_THREAD_SINGLE || provided == MPI_THREAD_FUNNELED ||
          provided == MPI_THREAD_SERIALIZED || provided == MPI_THREAD_MULTIPLE,
          "provided %d is not a thread level", provided);
    CHECK(provided >= required, "required %d, provided %d (Baton supports every level)",
          required, provided);
    MPI_Query_thread(&q);
    CHECK(q == provided, "MPI_Query_thread %d, MPI_Init_thread provided %d", q, provided);
    flag = 0;
    MPI_Is_thread_main(&flag);
    CHECK(flag, "MPI_Is_thread_main false on the main thread");
    if (provided == MPI_THREAD_MULTIPLE) {
        pthread_t th;
        int other = 1;
        pthread_create(&th, NULL, other_thread, &other);
        pthread_join(th, NULL);
        CHECK(!other, "MPI_Is_thread_main true on another thread");
    }

    /* Clock. */
    {
        double t0 = MPI_Wtime(), prev = t0, tick = MPI_Wtick();
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        CHECK(tick > 0 && tick < 1, "MPI_Wtick %g", tick);
        for (int i = 0; i < 100000; i++) {
            double t = MPI_Wtime();
            CHECK(t >= prev, "MPI_Wtime went back from %.9f to %.9f", prev, t);
            prev = t;
        }
        t0 = MPI_Wtime();
        nanosleep(&ts, NULL);
        prev = MPI_Wtime() - t0;
        CHECK(prev >= 0.019 && prev < 10, "MPI_Wtime measured a 20 ms sleep as %g s", prev);
    }

    /* Processor name. */
    memset(name, 0x7f, sizeof(name));
    len = -1;
    CHECK(MPI_Get_processor_name(name, &len) == MPI_SUCCESS, "MPI_Get_processor_name");
    CHECK(len > 0 && len < MPI_MAX_PROCESSOR_NAME && len == (int)strlen(name),
          "MPI_Get_processor_name: resultlen %d", len);
    MPI_Get_processor_name(name2, &len);
    CHECK(strcmp(name, name2) == 0, "MPI_Get_processor_name changed: '%s' then '%s'", name,
          name2);

    check_version("after MPI_Init");

    /* Ring: every level talks to its neighbours; the processor names travel along
     * and must agree (one node). */
    {
        int next = (rank + 1) % size, prev = (rank + size - 1) % size;
        MPI_Status st;
        MPI_Sendrecv(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, next, 1, name2,
                     MPI_MAX_PROCESSOR_NAME, MPI_CHAR, prev, 1, MPI_COMM_WORLD, &st);
        CHECK(strcmp(name, name2) == 0, "rank %d is on '%s', this rank on '%s'", prev, name2,
              name);
    }

    CHECK(MPI_Finalize() == MPI_SUCCESS, "MPI_Finalize");
    mpi_up = 0;
    CHECK(MPI_Initialized(&flag) == MPI_SUCCESS && flag == 1, "MPI_Initialized after "
          "MPI_Finalize: %d", flag);
    CHECK(MPI_Finalized(&flag) == MPI_SUCCESS && flag == 1, "MPI_Finalized after MPI_Finalize: "
          "%d", flag);
    check_version("after MPI_Finalize");
    return 0;
}
