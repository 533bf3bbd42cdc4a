/* The node's collective channels for communicators other than MPI_COMM_WORLD
 * (a channel each, taken at a communicator's first blocking collective, free
 * again once every member has freed the communicator). The program turns on
 * BATON_COLL_TRACE and reads what its own rank 0s of communicators printed, to
 * see which collectives ran through a channel ("shm").
 *   A: 40 duplicates of MPI_COMM_WORLD live at once: the node has 31 channels
 *      besides MPI_COMM_WORLD's, so exactly 31 of them get one and the others run
 *      point to point; collectives on all 40 in turn, roots and values differing
 *      per communicator, must be right either way;
 *   B: 100 rounds of split, collectives, free, the colors changing every round,
 *      so that each channel passes between different sets of ranks: every
 *      round's collectives must run through a channel (none is lost), and right
 *      (a channel's new members start past the rounds its old ones left behind);
 *   C: overlapping communicators (a duplicate, an even/odd split numbered in
 *      reverse, pairs) whose collectives interleave, with a late rank now and
 *      then, so that waiters sleep and must be woken by arrivals on their own
 *      channel. */
/* np: 1 2 3 4 8 */
/* hosts: skip (counts the node channels that communicators take, on one node) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, size;

#include "check.h"

/* stderr goes to a file of this process's while a part runs. */
static FILE *trace;
static int saved_stderr = -1;

static void trace_begin(void)
{
    fflush(stderr);
    trace = tmpfile();
    CHECK(trace != NULL, "tmpfile failed");
    saved_stderr = dup(2);
    dup2(fileno(trace), 2);
}

/* Restores stderr; counts the lines that name `what` on more than one rank, and
 * of those the lines that end in ": shm". */
static void trace_end(const char *what, int *lines_p, int *shm_p)
{
    char line[512], prefix[64];
    int ranks;

    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    rewind(trace);
    *lines_p = *shm_p = 0;
    snprintf(prefix, sizeof(prefix), "baton: %s on ", what);
    while (fgets(line, sizeof(line), trace))
        if (strncmp(line, prefix, strlen(prefix)) == 0 &&
            sscanf(line + strlen(prefix), "%d", &ranks) == 1 && ranks > 1) {
            (*lines_p)++;
            *shm_p += strstr(line, ": shm\n") != NULL;
        }
    fclose(trace);
}

/* The sum of the world ranks r < size for which keep(r) holds. */
static long sum_of(int (*keep)(int, int), int arg)
{
    long s = 0;
    for (int r = 0; r < size; r++)
        if (keep(r, arg))
            s += r;
    return s;
}

/* Part B's colors: a third of the ranks (none below 3 ranks) in color 1, which
 * ones changing every round. */
static int color_of(int r, int it)
{
    return (r + it) % size >= size - size / 3;
}

static int same_color(int r, int it)
{
    return color_of(r, it) == color_of(rank, it);
}

static int same_parity(int r, int parity)
{
    return r % 2 == parity;
}

static void part_a(void)
{
    enum { NDUP = 40, CHANNELS = 31 };
    MPI_Comm d[NDUP];
    int lines, shm;

    for (int i = 0; i < NDUP; i++)
        MPI_Comm_dup(MPI_COMM_WORLD, &d[i]);
    trace_begin();
    for (int i = 0; i < NDUP; i++)
        MPI_Barrier(d[i]);
    trace_end("BARRIER", &lines, &shm);
    if (rank == 0) {
        CHECK(lines == (size > 1 ? NDUP : 0), "A: %d barriers traced", lines);
        CHECK(shm == (size > 1 ? CHANNELS : 0), "A: %d of %d barriers through a channel", shm,
              lines);
    }
    for (int rep = 0; rep < 3; rep++)
        for (int k = 0; k < NDUP; k++) {
            int i = rep == 1 ? NDUP - 1 - k : k, root = (i + rep) % size;
            long v[3] = { 0 }, mine = rank + i, sum = -1;

            if (rank == root)
                for (int e = 0; e < 3; e++)
                    v[e] = 1000L * i + 10 * rep + e;
            MPI_Bcast(v, 3, MPI_LONG, root, d[i]);
            for (int e = 0; e < 3; e++)
                CHECK(v[e] == 1000L * i + 10 * rep + e, "A: dup %d rep %d bcast[%d] = %ld", i, rep,
                      e, v[e]);
            MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, d[i]);
            CHECK(sum == (long)size * (size - 1) / 2 + (long)i * size,
                  "A: dup %d rep %d allreduce %ld", i, rep, sum);
        }
    for (int i = 0; i < NDUP; i++)
        MPI_Comm_free(&d[i]);
}

static void part_b(void)
{
    int lines, shm;

    trace_begin();
    for (int it = 0; it < 100; it++) {
        MPI_Comm c;
        int csize, crank, root, root_world = -1, seen = 0;
        long mine = rank, sum = -1, v[2] = { 0 };

        MPI_Comm_split(MPI_COMM_WORLD, color_of(rank, it), rank, &c);
        MPI_Comm_size(c, &csize);
        MPI_Comm_rank(c, &crank);
        root = it % csize;
        /* Members in world rank order (key = rank): the root's world rank. */
        for (int r = 0; r < size && root_world < 0; r++)
            if (same_color(r, it) && seen++ == root)
                root_world = r;
        MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, c);
        CHECK(sum == sum_of(same_color, it), "B: round %d allreduce %ld", it, sum);
        if (crank == root) {
            v[0] = 100L * it + rank;
            v[1] = -v[0];
        }
        MPI_Bcast(v, 2, MPI_LONG, root, c);
        CHECK(v[0] == 100L * it + root_world && v[1] == -v[0], "B: round %d bcast %ld %ld", it,
              v[0], v[1]);
        MPI_Comm_free(&c);
    }
    trace_end("ALLREDUCE", &lines, &shm);
    CHECK(shm == lines, "B: %d of %d allreduces through a channel", shm, lines);
}

static void late(int who, int it)
{
    if (rank == who && it % 16 == 5)
        usleep(it % 32 == 5 ? 3000 : 1000);
}

static void part_c(void)
{
    MPI_Comm dup, parity, pair;
    int psize;

    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, size - rank, &parity);
    MPI_Comm_split(MPI_COMM_WORLD, rank / 2, rank, &pair);
    MPI_Comm_size(pair, &psize);
    for (int it = 0; it < 200; it++) {
        int root = it % size;
        long v = rank == root ? 7L * it : -1, mine = rank, sum = -1, psum = -1;

        late(it % size, it);
        MPI_Bcast(&v, 1, MPI_LONG, root, dup);
        CHECK(v == 7L * it, "C: round %d bcast %ld", it, v);
        late((it + 1) % size, it);
        MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, parity);
        CHECK(sum == sum_of(same_parity, rank % 2), "C: round %d parity allreduce %ld", it, sum);
        MPI_Barrier(pair);
        MPI_Reduce(&mine, &psum, 1, MPI_LONG, MPI_SUM, psize - 1, pair);
        if (rank % 2 == psize - 1 || psize == 1)
            CHECK(psum == (psize == 2 ? 2L * rank - 1 : rank), "C: round %d pair reduce %ld",
                  it, psum);
        MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_MAX, dup);
        CHECK(sum == size - 1, "C: round %d max %ld", it, sum);
    }
    MPI_Comm_free(&pair);
    MPI_Comm_free(&parity);
    MPI_Comm_free(&dup);
}

int main(int argc, char **argv)
{
    setenv("BATON_COLL_TRACE", "1", 1);
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    part_a();
    part_b();
    part_c();
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("OK\n");
    MPI_Finalize();
    return 0;
}
