/* Byte offsets past 2 GiB: a type of one int with a 1 GiB extent puts element i at
 * i GiB, so bcast, gather, allgather, alltoall and allreduce address buffers far
 * beyond INT_MAX. The buffers are sparse mappings: only the touched pages cost
 * memory. */
/* np: 1 2 3 4 8 */
/* env-matrix: BATON_COLL_ALLGATHER=recursive_doubling,bruck,ring */
#include "coll_common.c"

#include <sys/mman.h>

#define GIB ((size_t)1 << 30)

static int *sparse(size_t n_gib)
{
    void *p = mmap(NULL, n_gib * GIB + 64, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        ct_fail("mmap of %zu GiB failed", n_gib);
    return p;
}

static int *at(int *buf, size_t gib)   /* the int at gib GiB into buf */
{
    return (int *)((char *)buf + gib * GIB);
}

int main(int argc, char **argv)
{
    MPI_Datatype huge;
    int n = 3, *a, *b;

    MPI_Init(&argc, &argv);
    ct_init("BATON_COLL_ALLGATHER");
    MPI_Type_create_resized(MPI_INT, 0, (MPI_Aint)GIB, &huge);
    MPI_Type_commit(&huge);

    /* bcast of 3 elements: ints at 0, 1 and 2 GiB */
    for (int root = 0; root < wsize; root++) {
        ct_set("MPI_Bcast, 1 GiB extent", wsize, root, n);
        a = sparse((size_t)n);
        for (int i = 0; i < n; i++)
            *at(a, (size_t)i) = wrank == root ? ct_val(root, i) : -1;
        MPI_Bcast(a, n, huge, root, MPI_COMM_WORLD);
        for (int i = 0; i < n; i++)
            CT_CHECK(*at(a, (size_t)i) == ct_val(root, i), "element %d is %d", i, *at(a, (size_t)i));
        munmap(a, (size_t)n * GIB + 64);
    }

    /* allgather and gather: block r at r GiB */
    ct_set("MPI_Allgather, 1 GiB extent", wsize, -1, 1);
    a = sparse((size_t)(wsize > n ? wsize : n));
    for (int r = 0; r < wsize; r++)
        *at(a, (size_t)r) = -1;
    *at(a, (size_t)wrank) = ct_val(wrank, 0);
    MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, a, 1, huge, MPI_COMM_WORLD);
    for (int r = 0; r < wsize; r++)
        CT_CHECK(*at(a, (size_t)r) == ct_val(r, 0), "block %d is %d", r, *at(a, (size_t)r));
    ct_set("MPI_Gather, 1 GiB extent", wsize, wsize - 1, 1);
    for (int r = 0; r < wsize; r++)
        *at(a, (size_t)r) = -1;
    {
        int mine = ct_val(wrank, 5);
        MPI_Gather(&mine, 1, MPI_INT, a, 1, huge, wsize - 1, MPI_COMM_WORLD);
    }
    if (wrank == wsize - 1)
        for (int r = 0; r < wsize; r++)
            CT_CHECK(*at(a, (size_t)r) == ct_val(r, 5), "block %d is %d", r, *at(a, (size_t)r));

    /* alltoall: send block j and receive block j at j GiB */
    ct_set("MPI_Alltoall, 1 GiB extent", wsize, -1, 1);
    b = sparse((size_t)wsize);
    for (int j = 0; j < wsize; j++) {
        *at(a, (size_t)j) = ct_val(wrank * 64 + j, 0);
        *at(b, (size_t)j) = -1;
    }
    MPI_Alltoall(a, 1, huge, b, 1, huge, MPI_COMM_WORLD);
    for (int j = 0; j < wsize; j++)
        CT_CHECK(*at(b, (size_t)j) == ct_val(j * 64 + wrank, 0), "block from %d is %d", j,
                 *at(b, (size_t)j));
    munmap(b, (size_t)wsize * GIB + 64);

    /* allreduce of 3 elements (its scratch buffers span the extent too). Under
     * AddressSanitizer each 2 GiB scratch malloc costs seconds of shadow updates. */
#ifndef __SANITIZE_ADDRESS__
    ct_set("MPI_Allreduce, 1 GiB extent", wsize, -1, n);
    for (int i = 0; i < n; i++)
        *at(a, (size_t)i) = ct_val(wrank, i);
    MPI_Allreduce(MPI_IN_PLACE, a, n, huge, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < n; i++) {
        int sum = 0;
        for (int r = 0; r < wsize; r++)
            sum += ct_val(r, i);
        CT_CHECK(*at(a, (size_t)i) == sum, "element %d is %d, expected %d", i, *at(a, (size_t)i),
                 sum);
    }
#endif
    munmap(a, (size_t)(wsize > n ? wsize : n) * GIB + 64);

    MPI_Type_free(&huge);
    MPI_Finalize();
    return 0;
}
