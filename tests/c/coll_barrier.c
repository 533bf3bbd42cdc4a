/* MPI_Barrier and MPI_Ibarrier: nobody leaves before the last rank has entered
 * (checked with the node's monotonic clock, which every rank shares), on world and
 * a split communicator; many in a row; several Ibarriers outstanding at once. */
/* np: 1 2 3 4 5 8 */
/* env-matrix: BATON_COLL_BARRIER=twolevel,shm,dissemination,linear */
#include "coll_common.c"

#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Rank `late` enters 20 ms after the others; no rank may leave before it entered. */
static void check_late_rank(MPI_Comm comm, int late, int nonblocking)
{
    int rank, size, flag = 0;
    double entered = 0, left;
    MPI_Request req;

    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    ct_set(nonblocking ? "MPI_Ibarrier" : "MPI_Barrier", size, late, 0);
    MPI_Barrier(comm);
    if (rank == late) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        entered = now();
    }
    if (nonblocking) {
        MPI_Ibarrier(comm, &req);
        if (rank != late) {
            MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
            CT_CHECK(!flag, "the barrier completed before rank %d entered it", late);
        }
        if (!flag)
            MPI_Wait(&req, MPI_STATUS_IGNORE);
    } else {
        MPI_Barrier(comm);
    }
    left = now();
    MPI_Bcast(&entered, 1, MPI_DOUBLE, late, comm);
    CT_CHECK(left >= entered, "left the barrier %.6f s before rank %d entered it",
             entered - left, late);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_BARRIER");
    ct_comms_create();
    for (int c = 0; c < CT_NCOMMS; c++) {
        int size;
        MPI_Comm_size(ct_comms[c], &size);
        check_late_rank(ct_comms[c], 0, 0);
        check_late_rank(ct_comms[c], size - 1, 0);
        check_late_rank(ct_comms[c], size / 2, 1);
        ct_set("MPI_Barrier, 100 in a row", size, -1, 0);
        for (int i = 0; i < 100; i++)
            MPI_Barrier(ct_comms[c]);
    }
    {
        /* Several outstanding on both communicators, completed in reverse order. */
        MPI_Request reqs[8];
        ct_set("MPI_Ibarrier, 8 outstanding", wsize, -1, 0);
        for (int i = 0; i < 8; i++)
            MPI_Ibarrier(ct_comms[i % 2], &reqs[i]);
        for (int i = 7; i >= 0; i--)
            MPI_Wait(&reqs[i], MPI_STATUS_IGNORE);
        for (int i = 0; i < 8; i++)
            CT_CHECK(reqs[i] == MPI_REQUEST_NULL, "request %d not freed by MPI_Wait", i);
    }
    ct_comms_free();
    MPI_Finalize();
    return 0;
}
