/* A profiling tool built on the PMPI layer, as mpiP and its kind are: it
 * defines some MPI_ functions, counts each call and the bytes it carries, and
 * reaches Baton through the PMPI_ names. At MPI_Finalize every rank prints one
 * line of counts, which tests/test_pmpi.py checks against what its programs do.
 *
 * Used two ways: linked before libmpi (mpicc prog.c -lwrap) and preloaded
 * (LD_PRELOAD), the second also under Python, where mpi4py's MPI module calls
 * the MPI_ names. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

enum { W_INIT, W_SEND, W_RECV, W_ISEND, W_IRECV, W_WAIT, W_BARRIER, W_BCAST, W_ALLREDUCE, W_N };

static const char *const wrap_names[W_N] = {
    "Init", "Send", "Recv", "Isend", "Irecv", "Wait", "Barrier", "Bcast", "Allreduce",
};
static long long wrap_calls[W_N], wrap_bytes[W_N];

static void wrap_count(int which, int count, MPI_Datatype type)
{
    int size = 0;

    wrap_calls[which]++;
    if (count > 0 && PMPI_Type_size(type, &size) == MPI_SUCCESS)
        wrap_bytes[which] += (long long)count * size;
}

int MPI_Init(int *argc, char ***argv)
{
    wrap_calls[W_INIT]++;
    return PMPI_Init(argc, argv);
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    wrap_calls[W_INIT]++;
    return PMPI_Init_thread(argc, argv, required, provided);
}

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    wrap_count(W_SEND, count, type);
    return PMPI_Send(buf, count, type, dest, tag, comm);
}

int MPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    wrap_count(W_RECV, count, type);
    return PMPI_Recv(buf, count, type, source, tag, comm, status);
}

int MPI_Isend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm,
              MPI_Request *req)
{
    wrap_count(W_ISEND, count, type);
    return PMPI_Isend(buf, count, type, dest, tag, comm, req);
}

int MPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Request *req)
{
    wrap_count(W_IRECV, count, type);
    return PMPI_Irecv(buf, count, type, source, tag, comm, req);
}

int MPI_Wait(MPI_Request *req, MPI_Status *status)
{
    wrap_calls[W_WAIT]++;
    return PMPI_Wait(req, status);
}

int MPI_Barrier(MPI_Comm comm)
{
    wrap_calls[W_BARRIER]++;
    return PMPI_Barrier(comm);
}

int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    wrap_count(W_BCAST, count, type);
    return PMPI_Bcast(buf, count, type, root, comm);
}

int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm)
{
    wrap_count(W_ALLREDUCE, count, type);
    return PMPI_Allreduce(sendbuf, recvbuf, count, type, op, comm);
}

/* The large-count forms count with the others: mpi4py calls them where the MPI
 * has them. */
static void wrap_count_c(int which, MPI_Count count, MPI_Datatype type)
{
    MPI_Count size = 0;

    wrap_calls[which]++;
    if (count > 0 && PMPI_Type_size_c(type, &size) == MPI_SUCCESS)
        wrap_bytes[which] += (long long)(count * size);
}

int MPI_Send_c(const void *buf, MPI_Count count, MPI_Datatype type, int dest, int tag,
               MPI_Comm comm)
{
    wrap_count_c(W_SEND, count, type);
    return PMPI_Send_c(buf, count, type, dest, tag, comm);
}

int MPI_Recv_c(void *buf, MPI_Count count, MPI_Datatype type, int source, int tag,
               MPI_Comm comm, MPI_Status *status)
{
    wrap_count_c(W_RECV, count, type);
    return PMPI_Recv_c(buf, count, type, source, tag, comm, status);
}

int MPI_Isend_c(const void *buf, MPI_Count count, MPI_Datatype type, int dest, int tag,
                MPI_Comm comm, MPI_Request *req)
{
    wrap_count_c(W_ISEND, count, type);
    return PMPI_Isend_c(buf, count, type, dest, tag, comm, req);
}

int MPI_Irecv_c(void *buf, MPI_Count count, MPI_Datatype type, int source, int tag,
                MPI_Comm comm, MPI_Request *req)
{
    wrap_count_c(W_IRECV, count, type);
    return PMPI_Irecv_c(buf, count, type, source, tag, comm, req);
}

int MPI_Bcast_c(void *buf, MPI_Count count, MPI_Datatype type, int root, MPI_Comm comm)
{
    wrap_count_c(W_BCAST, count, type);
    return PMPI_Bcast_c(buf, count, type, root, comm);
}

int MPI_Allreduce_c(const void *sendbuf, void *recvbuf, MPI_Count count, MPI_Datatype type,
                    MPI_Op op, MPI_Comm comm)
{
    wrap_count_c(W_ALLREDUCE, count, type);
    return PMPI_Allreduce_c(sendbuf, recvbuf, count, type, op, comm);
}

/* One line per rank: "pmpi-wrap rank R: Init 1/0 Send N/BYTES ...". */
int MPI_Finalize(void)
{
    char line[512];
    int rank = -1, n;

    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    n = snprintf(line, sizeof(line), "pmpi-wrap rank %d:", rank);
    for (int i = 0; i < W_N && n > 0 && (size_t)n < sizeof(line); i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %lld/%lld", wrap_names[i],
                      wrap_calls[i], wrap_bytes[i]);
    printf("%s\n", line);
    fflush(stdout);
    return PMPI_Finalize();
}
