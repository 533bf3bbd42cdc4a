/* The buffers of buffered sends (MPI 4.1): the process's, a communicator's and a
 * session's; which one a send takes; MPI_BUFFER_AUTOMATIC; flush and iflush;
 * the large-count forms; bad input. */
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int rank = -1, size;

static int err_class(int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    return cls;
}

/* n buffered messages of len ints from me to next, received from prev, checked. */
static void ring_bsend(MPI_Comm comm, int n, int len)
{
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int *out = malloc((size_t)len * sizeof(int)), *in = malloc((size_t)len * sizeof(int));

    for (int m = 0; m < n; m++) {
        for (int i = 0; i < len; i++)
            out[i] = rank * 100000 + m * 1000 + i % 1000;
        CHECK(MPI_Bsend(out, len, MPI_INT, next, m, comm) == MPI_SUCCESS, "Bsend %d", m);
    }
    for (int m = 0; m < n; m++) {
        MPI_Recv(in, len, MPI_INT, prev, m, comm, MPI_STATUS_IGNORE);
        for (int i = 0; i < len; i++)
            CHECK(in[i] == prev * 100000 + m * 1000 + i % 1000, "message %d [%d] = %d", m, i,
                  in[i]);
    }
    free(out);
    free(in);
}

int main(int argc, char **argv)
{
    MPI_Comm dup;
    MPI_Request r;
    void *got;
    MPI_Count gotsize;
    int isize, flag;
    size_t big = 3 * (1024 * sizeof(int) + MPI_BSEND_OVERHEAD);
    char *pbuf = malloc(big), *cbuf = malloc(big);

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    /* The process's buffer is no communicator's: its errors go to MPI_COMM_SELF's. */
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);

    /* The process's buffer through the large-count forms. */
    CHECK(MPI_Buffer_attach_c(pbuf, (MPI_Count)big) == MPI_SUCCESS, "Buffer_attach_c");
    CHECK(err_class(MPI_Buffer_attach(pbuf, 64)) == MPI_ERR_BUFFER, "second attach accepted");
    ring_bsend(MPI_COMM_WORLD, 3, 1024);
    CHECK(MPI_Buffer_flush() == MPI_SUCCESS, "Buffer_flush");
    CHECK(MPI_Buffer_detach_c(&got, &gotsize) == MPI_SUCCESS && got == pbuf &&
          gotsize == (MPI_Count)big, "Buffer_detach_c: %p %lld", got, (long long)gotsize);

    /* A communicator's buffer is the one its sends take: with a process buffer
     * too small for one message, dup's sends still go, world's do not. */
    CHECK(MPI_Buffer_attach(pbuf, 16) == MPI_SUCCESS, "small process buffer");
    CHECK(MPI_Comm_attach_buffer(dup, cbuf, (int)big) == MPI_SUCCESS, "Comm_attach_buffer");
    MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
    ring_bsend(dup, 3, 1024);
    {
        int x = 1, rc = MPI_Bsend(&x, 1, MPI_INT, rank, 0, MPI_COMM_WORLD);
        CHECK(err_class(rc) == MPI_ERR_BUFFER, "world's bsend used dup's buffer: class %d",
              err_class(rc));
    }
    CHECK(MPI_Comm_iflush_buffer(dup, &r) == MPI_SUCCESS, "Comm_iflush_buffer");
    CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE) == MPI_SUCCESS && r == MPI_REQUEST_NULL, "wait iflush");
    CHECK(MPI_Comm_detach_buffer(dup, &got, &isize) == MPI_SUCCESS && got == cbuf &&
          isize == (int)big, "Comm_detach_buffer: %p %d", got, isize);
    MPI_Buffer_detach(&got, &isize);

    /* MPI_BUFFER_AUTOMATIC: any number of messages, memory found by MPI. A large
     * message held by its receiver until after the iflush started. */
    CHECK(MPI_Comm_attach_buffer(dup, MPI_BUFFER_AUTOMATIC, 0) == MPI_SUCCESS, "automatic");
    ring_bsend(dup, 40, 256);
    {
        int next = (rank + 1) % size, prev = (rank + size - 1) % size, go = 1;
        int n = 1 << 18;
        int *out = malloc((size_t)n * sizeof(int)), *in = malloc((size_t)n * sizeof(int));
        for (int i = 0; i < n; i++)
            out[i] = rank + i;
        CHECK(MPI_Bsend(out, n, MPI_INT, next, 5, dup) == MPI_SUCCESS, "large automatic bsend");
        memset(out, 0xff, (size_t)n * sizeof(int));   /* the buffer holds its own copy */
        CHECK(MPI_Comm_iflush_buffer(dup, &r) == MPI_SUCCESS, "iflush automatic");
        MPI_Sendrecv(&go, 1, MPI_INT, next, 6, &go, 1, MPI_INT, prev, 6, dup, MPI_STATUS_IGNORE);
        MPI_Recv(in, n, MPI_INT, prev, 5, dup, MPI_STATUS_IGNORE);
        for (int i = 0; i < n; i++)
            CHECK(in[i] == prev + i, "large automatic [%d] = %d", i, in[i]);
        CHECK(MPI_Wait(&r, MPI_STATUS_IGNORE) == MPI_SUCCESS, "wait automatic iflush");
        free(out);
        free(in);
    }
    CHECK(MPI_Comm_detach_buffer_c(dup, &got, &gotsize) == MPI_SUCCESS &&
          got == MPI_BUFFER_AUTOMATIC, "detach automatic: %p", got);

    /* Flushing where nothing is attached is done at once. */
    CHECK(MPI_Comm_iflush_buffer(dup, &r) == MPI_SUCCESS, "iflush of nothing");
    MPI_Test(&r, &flag, MPI_STATUS_IGNORE);
    CHECK(flag, "iflush with nothing attached is not done at once");
    CHECK(MPI_Comm_flush_buffer(dup) == MPI_SUCCESS, "flush of nothing");

    /* A session's buffer serves the communicators made from its sets. */
    {
        MPI_Session s;
        MPI_Group g;
        MPI_Comm sc;
        CHECK(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s) == MPI_SUCCESS, "session");
        MPI_Group_from_session_pset(s, "mpi://WORLD", &g);
        MPI_Comm_create_from_group(g, "p2p_buffers", MPI_INFO_NULL, MPI_ERRORS_RETURN, &sc);
        MPI_Group_free(&g);
        CHECK(MPI_Session_attach_buffer_c(s, cbuf, (MPI_Count)big) == MPI_SUCCESS,
              "Session_attach_buffer_c");
        ring_bsend(sc, 3, 1024);
        CHECK(MPI_Session_iflush_buffer(s, &r) == MPI_SUCCESS, "Session_iflush_buffer");
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        CHECK(MPI_Session_flush_buffer(s) == MPI_SUCCESS, "Session_flush_buffer");
        CHECK(MPI_Session_detach_buffer(s, &got, &isize) == MPI_SUCCESS && got == cbuf &&
              isize == (int)big, "Session_detach_buffer: %p %d", got, isize);
        MPI_Comm_free(&sc);
        MPI_Session_finalize(&s);
    }

    /* Bad input. */
    CHECK(err_class(MPI_Comm_attach_buffer(dup, cbuf, -1)) == MPI_ERR_ARG, "negative size");
    CHECK(err_class(MPI_Comm_attach_buffer(dup, NULL, 10)) == MPI_ERR_BUFFER, "NULL buffer");
    CHECK(err_class(MPI_Comm_iflush_buffer(dup, NULL)) == MPI_ERR_ARG, "NULL request");
    CHECK(err_class(MPI_Comm_attach_buffer(MPI_COMM_NULL, cbuf, 10)) == MPI_ERR_COMM,
          "MPI_COMM_NULL");
    /* A buffer too large for the int form's size: detached, MPI_ERR_VALUE_TOO_LARGE.
     * Never written to: nothing is sent through it. */
    CHECK(MPI_Comm_attach_buffer_c(dup, cbuf, (MPI_Count)3 << 30) == MPI_SUCCESS, "3 GiB");
    {
        int rc = MPI_Comm_detach_buffer(dup, &got, &isize);
        CHECK(err_class(rc) == MPI_ERR_VALUE_TOO_LARGE && got == cbuf &&
              isize == MPI_UNDEFINED, "int detach of 3 GiB: class %d size %d",
              err_class(rc), isize);
    }

    MPI_Comm_free(&dup);
    free(pbuf);
    free(cbuf);
    MPI_Finalize();
    return 0;
}
