/* What a receive's status says, read with other types than the message's
 * (around the ring: to rank+1, from rank-1; to itself at one rank):
 *   MPI_Get_count is MPI_UNDEFINED when the bytes are not a whole number of the
 *   type, MPI_Get_elements counts basic elements and is MPI_UNDEFINED only when
 *   the bytes end inside a basic element; derived types (contiguous, struct of int
 *   and double) received partly; and the status setters MPI_Status_set_elements(_x)
 *   and MPI_Status_set_cancelled on user statuses, read back with the same calls. */
/* np: 1 2 3 4 8 */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, next, prev;

#include "check.h"

typedef struct {
    int i;
    double d;
} pair_t;

/* Exchanges `n` items of stype and receives into `rcount` items of rtype. */
static void xchg(const void *sbuf, int n, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, int tag, MPI_Status *st)
{
    MPI_Sendrecv(sbuf, n, stype, next, tag, rbuf, rcount, rtype, prev, tag, MPI_COMM_WORLD, st);
}

static void expect(const MPI_Status *st, MPI_Datatype type, int count, int elements,
                   const char *what)
{
    int c = -2, e = -2;
    MPI_Get_count(st, type, &c);
    MPI_Get_elements(st, type, &e);
    CHECK(c == count, "%s: MPI_Get_count %d, expected %d", what, c, count);
    CHECK(e == elements, "%s: MPI_Get_elements %d, expected %d", what, e, elements);
}

int main(int argc, char **argv)
{
    char bytes[64];
    int ints[16], rints[16];
    pair_t pairs[4], rpairs[4];
    MPI_Datatype three, pair, pair_rs;
    MPI_Status st;
    MPI_Count cx;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    next = (rank + 1) % size;
    prev = (rank + size - 1) % size;
    memset(bytes, 7, sizeof(bytes));
    for (int i = 0; i < 16; i++)
        ints[i] = i;
    for (int i = 0; i < 4; i++) {
        pairs[i].i = i;
        pairs[i].d = i + 0.5;
    }

    MPI_Type_contiguous(3, MPI_INT, &three);
    MPI_Type_commit(&three);
    {
        int bl[2] = { 1, 1 };
        MPI_Aint disp[2] = { offsetof(pair_t, i), offsetof(pair_t, d) };
        MPI_Datatype types[2] = { MPI_INT, MPI_DOUBLE };
        MPI_Type_create_struct(2, bl, disp, types, &pair);
        MPI_Type_create_resized(pair, 0, sizeof(pair_t), &pair_rs);
        MPI_Type_commit(&pair_rs);
    }

    /* 10 bytes read as ints: neither a whole count nor whole elements. */
    xchg(bytes, 10, MPI_CHAR, rints, 16, MPI_INT, 1, &st);
    expect(&st, MPI_INT, MPI_UNDEFINED, MPI_UNDEFINED, "10 bytes as MPI_INT");
    expect(&st, MPI_BYTE, 10, 10, "10 bytes as MPI_BYTE");
    expect(&st, MPI_SHORT, 5, 5, "10 bytes as MPI_SHORT");
    xchg(bytes, 0, MPI_CHAR, rints, 16, MPI_INT, 2, &st);
    expect(&st, MPI_INT, 0, 0, "0 bytes as MPI_INT");
    expect(&st, three, 0, 0, "0 bytes as 3 ints");

    /* Ints against a type of three ints. */
    xchg(ints, 7, MPI_INT, rints, 5, three, 3, &st);
    expect(&st, three, MPI_UNDEFINED, 7, "7 ints as a type of 3 ints");
    expect(&st, MPI_INT, 7, 7, "7 ints as MPI_INT");
    for (int i = 0; i < 7; i++)
        CHECK(rints[i] == i, "7 ints as a type of 3 ints: int %d is %d", i, rints[i]);
    xchg(ints, 6, MPI_INT, rints, 5, three, 4, &st);
    expect(&st, three, 2, 6, "6 ints as a type of 3 ints");

    /* Struct {int, double}: 1.5 of them (int, double, int), and 3 whole ones. */
    memset(rpairs, 0, sizeof(rpairs));
    {
        /* The sender describes int, double, int with a struct of its own. */
        int bl[3] = { 1, 1, 1 };
        MPI_Aint disp[3] = { offsetof(pair_t, i), offsetof(pair_t, d),
                             sizeof(pair_t) + offsetof(pair_t, i) };
        MPI_Datatype types[3] = { MPI_INT, MPI_DOUBLE, MPI_INT }, half;
        MPI_Type_create_struct(3, bl, disp, types, &half);
        MPI_Type_commit(&half);
        xchg(pairs, 1, half, rpairs, 4, pair_rs, 5, &st);
        MPI_Type_free(&half);
    }
    expect(&st, pair_rs, MPI_UNDEFINED, 3, "int, double, int as struct {int, double}");
    expect(&st, MPI_BYTE, 16, 16, "int, double, int as bytes");
    CHECK(rpairs[0].i == 0 && rpairs[0].d == 0.5 && rpairs[1].i == 1 && rpairs[1].d == 0,
          "1.5 structs: %d %g %d %g", rpairs[0].i, rpairs[0].d, rpairs[1].i, rpairs[1].d);
    xchg(pairs, 3, pair_rs, rpairs, 4, pair_rs, 6, &st);
    expect(&st, pair_rs, 3, 6, "3 structs {int, double}");
    for (int i = 0; i < 3; i++)
        CHECK(rpairs[i].i == i && rpairs[i].d == i + 0.5, "3 structs: %d: %d %g", i, rpairs[i].i,
              rpairs[i].d);
    /* The same structs are 12 bytes each on the wire, 36 bytes: 9 ints, 4.5 doubles. */
    expect(&st, MPI_INT, 9, 9, "3 structs as MPI_INT");
    expect(&st, MPI_DOUBLE, MPI_UNDEFINED, MPI_UNDEFINED, "3 structs as MPI_DOUBLE");

    /* MPI_Status_set_elements on a user status. */
    memset(&st, 0, sizeof(st));
    MPI_Status_set_elements(&st, MPI_INT, 5);
    expect(&st, MPI_INT, 5, 5, "set_elements(MPI_INT, 5)");
    expect(&st, MPI_BYTE, 20, 20, "set_elements(MPI_INT, 5) read as bytes");
    MPI_Status_set_elements(&st, pair_rs, 4);
    expect(&st, pair_rs, 2, 4, "set_elements(struct, 4)");
    MPI_Status_set_elements(&st, three, 0);
    expect(&st, three, 0, 0, "set_elements(3 ints, 0)");
    MPI_Status_set_elements_x(&st, MPI_BYTE, (MPI_Count)3 << 30);
    MPI_Get_elements_x(&st, MPI_BYTE, &cx);
    CHECK(cx == (MPI_Count)3 << 30, "set_elements_x(3 GiB): MPI_Get_elements_x %lld",
          (long long)cx);
    expect(&st, MPI_BYTE, MPI_UNDEFINED, MPI_UNDEFINED, "3 GiB in int counts");
    MPI_Get_elements_x(&st, MPI_INT, &cx);
    CHECK(cx == (MPI_Count)3 << 28, "3 GiB as MPI_INT elements: %lld", (long long)cx);
    expect(&st, MPI_DOUBLE, 402653184, 402653184, "3 GiB as MPI_DOUBLE");

    /* Setting elements does not touch source, tag or the cancelled flag. */
    {
        int flag;
        st.MPI_SOURCE = 3;
        st.MPI_TAG = 44;
        MPI_Status_set_cancelled(&st, 1);
        MPI_Status_set_elements(&st, MPI_INT, 2);
        MPI_Test_cancelled(&st, &flag);
        CHECK(flag && st.MPI_SOURCE == 3 && st.MPI_TAG == 44, "set_elements changed other "
              "fields: cancelled %d source %d tag %d", flag, st.MPI_SOURCE, st.MPI_TAG);
        expect(&st, MPI_INT, 2, 2, "set_elements after set_cancelled");
        MPI_Status_set_cancelled(&st, 0);
        MPI_Test_cancelled(&st, &flag);
        CHECK(!flag, "set_cancelled(0)");
        expect(&st, MPI_INT, 2, 2, "set_cancelled kept the count");
    }

    /* A part of a struct of unlike elements: one whole {int, double} and the int of
     * the next is 16 bytes, not 12 + 12/2. */
    MPI_Status_set_elements(&st, pair_rs, 3);
    expect(&st, pair_rs, MPI_UNDEFINED, 3, "set_elements(struct, 3)");
    expect(&st, MPI_BYTE, 16, 16, "set_elements(struct, 3) read as bytes");

    MPI_Type_free(&three);
    MPI_Type_free(&pair);
    MPI_Type_free(&pair_rs);
    MPI_Finalize();
    return 0;
}
