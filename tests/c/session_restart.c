/* MPI starts again through sessions after it has ended (MPI 4: sessions may be
 * created and destroyed for the whole life of a process; the world model only
 * once). Three cycles of Session_init -> process sets -> groups -> communicators
 * -> allreduce, a ring of small and large messages with checked values -> free
 * -> Session_finalize; ranks start each cycle after different delays and even
 * ranks end late (polling), so that some are in a new cycle while others still
 * end the previous one. Then MPI_Init after the sessions' end, and MPI_Finalize.
 * tests/c/session_restart_world.c runs the same cycles after MPI_Init and
 * MPI_Finalize; tests/test_session_restart.py runs it with arguments:
 *   die kill|exit R C   rank R dies (SIGKILL) or exits (status 0) in cycle C,
 *                       with its session open, while the others wait for it;
 *   ... fork            the same, but first a child that rank R forked between
 *                       cycles 1 and 2 exits normally (its exit is not R's end);
 *   atexit              after the cycles, a session left open that a handler
 *                       registered with atexit before the first cycle finalizes
 *                       (after Baton's own exit handler): a clean end;
 *   _exit               after the cycles and MPI_Finalize, the process leaves
 *                       with _exit (no exit handlers): a clean end too. */
/* np: 1 2 3 4 8 */
#include "check.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SESSION_RESTART_WORLD_FIRST
#define SESSION_RESTART_WORLD_FIRST 0
#endif

#define CYCLES 3
#define LARGE (1 << 20)   /* past the eager limit: rendezvous, single copy or RMA read */

static int rank = -1;
static MPI_Session last_session = MPI_SESSION_NULL;

static void finalize_last_session(void)
{
    if (last_session != MPI_SESSION_NULL)
        MPI_Session_finalize(&last_session);
}

static void nap_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static MPI_Comm comm_of(MPI_Session s, const char *pset, const char *tag)
{
    MPI_Group g;
    MPI_Comm c = MPI_COMM_NULL;

    CHECK(MPI_Group_from_session_pset(s, pset, &g) == MPI_SUCCESS, "Group_from_session_pset(%s)",
          pset);
    CHECK(MPI_Comm_create_from_group(g, tag, MPI_INFO_NULL, MPI_ERRORS_RETURN, &c) ==
          MPI_SUCCESS && c != MPI_COMM_NULL, "Comm_create_from_group(%s)", pset);
    MPI_Group_free(&g);
    return c;
}

static void check_flags(int init_want, int fin_want, const char *when)
{
    int init = -1, fin = -1;

    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    CHECK(init == init_want && fin == fin_want, "%s: MPI_Initialized %d, MPI_Finalized %d, "
          "want %d and %d", when, init, fin, init_want, fin_want);
}

/* One cycle; die_how/die_rank/die_cycle: see the top. */
static void cycle(int c, const char *die_how, int die_rank, int die_cycle, int world_ran)
{
    MPI_Session s;
    MPI_Comm world, self, shared;
    int size, n, sum, want, nsets = 0, left, right, got, one = 1, pos;
    char *big, *back;

    CHECK(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s) == MPI_SUCCESS,
          "MPI_Session_init in cycle %d", c);
    check_flags(world_ran, world_ran, "in a session");
    MPI_Session_get_num_psets(s, MPI_INFO_NULL, &nsets);
    CHECK(nsets >= 3, "cycle %d: %d process sets", c, nsets);
    /* The same string tag every cycle: what the previous cycle left must not
     * meet this one. */
    world = comm_of(s, "mpi://WORLD", "restart");
    self = comm_of(s, "mpi://SELF", "restart-self");
    shared = comm_of(s, "mpix://SHARED", "restart-shared");
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);

    if (die_how && rank == die_rank && c == die_cycle) {
        printf("rank %d dies (%s) in cycle %d\n", rank, die_how, c);
        fflush(stdout);
        if (strcmp(die_how, "kill") == 0)
            raise(SIGKILL);
        exit(0);
    }

    /* Allreduce: a different sum every cycle. */
    n = (rank + 1) * c;
    MPI_Allreduce(&n, &sum, 1, MPI_INT, MPI_SUM, world);
    want = c * size * (size + 1) / 2;
    CHECK(sum == want, "cycle %d: allreduce over mpi://WORLD %d, want %d", c, sum, want);
    MPI_Allreduce(&n, &sum, 1, MPI_INT, MPI_SUM, self);
    CHECK(sum == n, "cycle %d: allreduce over mpi://SELF %d, want %d", c, sum, n);
    MPI_Comm_size(shared, &n);
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, shared);
    CHECK(sum == n, "cycle %d: allreduce over mpix://SHARED %d, want %d", c, sum, n);

    /* A ring, small then large; values name the cycle and the sender. */
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    n = rank * 100 + c;
    MPI_Sendrecv(&n, 1, MPI_INT, right, c, &got, 1, MPI_INT, left, c, world, MPI_STATUS_IGNORE);
    CHECK(got == left * 100 + c, "cycle %d: ring got %d from rank %d, want %d", c, got, left,
          left * 100 + c);
    big = malloc(LARGE);
    back = malloc(LARGE);
    for (pos = 0; pos < LARGE; pos++)
        big[pos] = (char)(rank * 7 + c + pos);
    MPI_Sendrecv(big, LARGE, MPI_CHAR, right, 100 + c, back, LARGE, MPI_CHAR, left, 100 + c,
                 world, MPI_STATUS_IGNORE);
    for (pos = 0; pos < LARGE; pos++)
        if (back[pos] != (char)(left * 7 + c + pos))
            break;
    CHECK(pos == LARGE, "cycle %d: large ring message from rank %d wrong at byte %d", c, left,
          pos);
    free(big);
    free(back);

    MPI_Comm_free(&shared);
    MPI_Comm_free(&self);
    /* Even ranks (rank 0 among them) end late, and poll meanwhile: what their
     * peers send from the next cycle arrives while they are still in this one,
     * and must wait for the next cycle. */
    if (rank % 2 == 0) {
        double until = MPI_Wtime() + 0.02;
        while (MPI_Wtime() < until) {
            MPI_Iprobe(MPI_ANY_SOURCE, 32000, world, &got, MPI_STATUS_IGNORE);
            CHECK(!got, "cycle %d: a message with tag 32000", c);
        }
    }
    MPI_Comm_free(&world);
    CHECK(MPI_Session_finalize(&s) == MPI_SUCCESS && s == MPI_SESSION_NULL,
          "MPI_Session_finalize in cycle %d", c);
    check_flags(world_ran, world_ran, "between sessions");
}

int main(int argc, char **argv)
{
    const char *die_how = NULL;
    int die_rank = -1, die_cycle = -1, world_ran = SESSION_RESTART_WORLD_FIRST;
    int wrank = 0, wsize = 1, sum = 0, fork_child = 0;

    if ((argc == 5 || argc == 6) && strcmp(argv[1], "die") == 0) {
        die_how = argv[2];
        die_rank = atoi(argv[3]);
        die_cycle = atoi(argv[4]);
        fork_child = argc == 6 && strcmp(argv[5], "fork") == 0;
    }
    if (argc == 2 && strcmp(argv[1], "atexit") == 0)
        atexit(finalize_last_session);
    if (world_ran) {
        MPI_Init(NULL, NULL);
        MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
        MPI_Comm_size(MPI_COMM_WORLD, &wsize);
        rank = wrank;
        MPI_Allreduce(&wrank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK(sum == wsize * (wsize - 1) / 2, "world allreduce %d", sum);
        MPI_Finalize();
        check_flags(1, 1, "after MPI_Finalize");
    } else {
        check_flags(0, 0, "before anything");
    }
    for (int c = 1; c <= CYCLES; c++) {
        /* Uneven starts: the last ranks begin a cycle later than the first. */
        if (rank > 0)
            nap_ms((rank % 4) * 3 * c);
        cycle(c, die_how, die_rank, die_cycle, world_ran);
        if (fork_child && c == 1 && rank == die_rank) {
            pid_t pid = fork();
            int status = -1;

            if (pid == 0)
                exit(0);
            CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
                  WEXITSTATUS(status) == 0, "fork: child status %d", status);
        }
    }
    if (!world_ran) {
        /* The world model was never used: it may begin after the sessions' end. */
        MPI_Init(NULL, NULL);
        check_flags(1, 0, "after MPI_Init");
        MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
        MPI_Comm_size(MPI_COMM_WORLD, &wsize);
        MPI_Allreduce(&wrank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK(sum == wsize * (wsize - 1) / 2 && wrank == rank, "world allreduce after the "
              "sessions: %d (rank %d, was %d)", sum, wrank, rank);
        MPI_Finalize();
        check_flags(1, 1, "after MPI_Finalize");
    }
    if (rank == 0)
        printf("session_restart ok (%d cycles%s)\n", CYCLES,
               world_ran ? ", after the world model" : ", then the world model");
    if (argc == 2 && strcmp(argv[1], "atexit") == 0)
        CHECK(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &last_session) ==
              MPI_SUCCESS, "MPI_Session_init of the session left to atexit");
    if (argc == 2 && strcmp(argv[1], "_exit") == 0) {
        fflush(stdout);
        _exit(0);
    }
    return 0;
}
