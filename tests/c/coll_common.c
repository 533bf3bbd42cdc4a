/* runner: skip
 *
 * Helpers shared by the collective tests (#included by tests/c/coll_*.c; not a
 * program of its own). Every rank's contribution is a deterministic function of
 * its rank and the element index, so each rank computes the expected result
 * locally. */
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not every test uses every helper. */
#define CT_HELPER static __attribute__((unused))

static int wrank, wsize;
static const char *alg = "default";

/* What is being checked, for the failure message. */
static const char *ct_what = "";
static int ct_root = -1, ct_n = 0;
static long long ct_count = 0;

CT_HELPER void ct_set(const char *what, int n, int root, long long count)
{
    ct_what = what;
    ct_n = n;
    ct_root = root;
    ct_count = count;
}

CT_HELPER void ct_fail(const char *fmt, ...)
{
    char detail[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    printf("FAIL: %s: %s (algorithm %s, %d ranks, root %d, count %lld) on rank %d\n", ct_what,
           detail, alg, ct_n, ct_root, ct_count, wrank);
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

#define CT_CHECK(cond, ...)          \
    do {                             \
        if (!(cond))                 \
            ct_fail(__VA_ARGS__);    \
    } while (0)

/* After MPI_Init: who am I, and which algorithm the environment forces. */
CT_HELPER void ct_init(const char *envvar)
{
    const char *a;

    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    a = envvar ? getenv(envvar) : NULL;
    if (a && *a)
        alg = a;
}

/* The communicators every test runs on: MPI_COMM_WORLD, and a split of it into
 * even and odd world ranks, numbered in reverse (so that ranks differ from world
 * ranks, and sizes are odd for some world sizes). */
#define CT_NCOMMS 2
static MPI_Comm ct_comms[CT_NCOMMS];
static const char *const ct_comm_names[CT_NCOMMS] = { "MPI_COMM_WORLD", "split" };

CT_HELPER void ct_comms_create(void)
{
    ct_comms[0] = MPI_COMM_WORLD;
    MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, wsize - wrank, &ct_comms[1]);
}

CT_HELPER void ct_comms_free(void)
{
    MPI_Comm_free(&ct_comms[1]);
}

/* Contribution of rank r at index i: small, so that sums over 8 ranks stay exact. */
CT_HELPER int ct_val(int r, long long i)
{
    return (int)(((long long)(r + 1) * 131 + i * 7) % 100003) - 50000;
}

/* Counts every test covers: empty, one, a few (not divisible by the ranks), a few
 * KiB, and about 1 MiB of ints (not divisible by 2..8). */
static const long long ct_counts[] = { 0, 1, 7, 1031, 262147 };
#define CT_NCOUNTS ((int)(sizeof(ct_counts) / sizeof(ct_counts[0])))

CT_HELPER void *ct_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        ct_fail("out of memory (%zu bytes)", n);
    return p;
}

/* Compares n ints; names the first difference. */
CT_HELPER void ct_expect_ints(const int *got, const int *want, long long n, const char *what)
{
    for (long long i = 0; i < n; i++)
        if (got[i] != want[i])
            ct_fail("%s[%lld] is %d, expected %d", what, i, got[i], want[i]);
}

/* A non-contiguous type: two ints with a gap between and after them (ints 0 and 2
 * of every 4). Element i of a buffer of it: ints 4i and 4i + 2. */
CT_HELPER MPI_Datatype ct_gapped_type(void)
{
    MPI_Datatype vec, t;

    MPI_Type_vector(2, 1, 2, MPI_INT, &vec);
    MPI_Type_create_resized(vec, 0, 4 * sizeof(int), &t);
    MPI_Type_free(&vec);
    MPI_Type_commit(&t);
    return t;
}

/* A non-commutative op on 2x2 matrices of unsigned ints (arithmetic mod 2^32 keeps it
 * associative): inout = in * inout, `in` from the lower ranks. */
CT_HELPER void ct_matmul(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    const unsigned *a = in;
    unsigned *b = inout;

    for (int k = 0; k < *len; k++, a += 4, b += 4) {
        unsigned c0 = a[0] * b[0] + a[1] * b[2], c1 = a[0] * b[1] + a[1] * b[3];
        unsigned c2 = a[2] * b[0] + a[3] * b[2], c3 = a[2] * b[1] + a[3] * b[3];
        b[0] = c0, b[1] = c1, b[2] = c2, b[3] = c3;
    }
}

/* Matrix of rank r at index i; no two ranks' matrices commute. */
CT_HELPER void ct_mat(int r, long long i, unsigned m[4])
{
    m[0] = (unsigned)(r + 2);
    m[1] = (unsigned)(i % 5 + 1);
    m[2] = (unsigned)(r * 3 + 1);
    m[3] = (unsigned)(i % 3 + r);
}

/* Product M(lo) * ... * M(hi - 1) at index i, by rank of comm (rank order). */
CT_HELPER void ct_mat_prod(int lo, int hi, long long i, unsigned out[4])
{
    unsigned m[4];
    int len = 1;

    out[0] = 1, out[1] = 0, out[2] = 0, out[3] = 1;
    for (int r = hi - 1; r >= lo; r--) {   /* out = M(r) * out */
        ct_mat(r, i, m);
        ct_matmul(m, out, &len, NULL);
    }
}

/* ---- reductions ------------------------------------------------------------------
 * The (op, type) pairs the reduction tests run: a predefined op, a commutative user
 * op, a non-commutative user op (2x2 matrix product), and a predefined op on a
 * non-contiguous type. Element i of rank r's contribution is known to every rank,
 * so the reduction over ranks [lo, hi) is computed locally. */

enum { CT_SUM, CT_USUM, CT_MAT, CT_GSUM, CT_NREDOPS };

typedef struct {
    const char  *name;
    MPI_Op       op;
    MPI_Datatype type;
    int          ints;      /* ints of memory per element */
    long long    max_count; /* largest count worth running */
} ct_redop_t;

static ct_redop_t ct_redops[CT_NREDOPS];

static void ct_usum(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    const int *a = in;
    int *b = inout;
    for (int k = 0; k < *len; k++)
        b[k] += a[k];
}

CT_HELPER void ct_redops_create(void)
{
    MPI_Datatype mat;
    MPI_Op usum, matmul;

    MPI_Type_contiguous(4, MPI_UNSIGNED, &mat);
    MPI_Type_commit(&mat);
    MPI_Op_create(ct_usum, 1, &usum);
    MPI_Op_create(ct_matmul, 0, &matmul);
    ct_redops[CT_SUM] = (ct_redop_t){ "MPI_SUM on MPI_INT", MPI_SUM, MPI_INT, 1, 1LL << 40 };
    ct_redops[CT_USUM] = (ct_redop_t){ "commutative user op on MPI_INT", usum, MPI_INT, 1, 1031 };
    ct_redops[CT_MAT] = (ct_redop_t){ "non-commutative user op (2x2 matrix product)", matmul, mat,
                                      4, 1031 };
    ct_redops[CT_GSUM] = (ct_redop_t){ "MPI_SUM on a non-contiguous type", MPI_SUM,
                                       ct_gapped_type(), 4, 1031 };
}

CT_HELPER void ct_redops_free(void)
{
    MPI_Op_free(&ct_redops[CT_USUM].op);
    MPI_Op_free(&ct_redops[CT_MAT].op);
    MPI_Type_free(&ct_redops[CT_MAT].type);
    MPI_Type_free(&ct_redops[CT_GSUM].type);
}

/* Rank r's contribution: elements [first, first + count) of its vector. The gaps of
 * the non-contiguous type hold -3. */
CT_HELPER void ct_red_fill(int kind, int r, void *buf, long long first, long long count)
{
    int *b = buf;
    for (long long e = 0; e < count; e++) {
        long long i = first + e;
        switch (kind) {
        case CT_MAT:
            ct_mat(r, i, (unsigned *)(b + 4 * e));
            break;
        case CT_GSUM:
            b[4 * e] = ct_val(r, 2 * i);
            b[4 * e + 1] = -3;
            b[4 * e + 2] = ct_val(r, 2 * i + 1);
            b[4 * e + 3] = -3;
            break;
        default:
            b[e] = ct_val(r, i);
        }
    }
}

/* Checks elements [first, first + count) of the reduction over ranks [lo, hi). */
CT_HELPER void ct_red_check(int kind, const void *buf, long long first, long long count, int lo,
                            int hi, const char *what)
{
    const int *b = buf;
    for (long long e = 0; e < count; e++) {
        long long i = first + e;
        if (kind == CT_MAT) {
            unsigned want[4];
            ct_mat_prod(lo, hi, i, want);
            for (int k = 0; k < 4; k++)
                CT_CHECK((unsigned)b[4 * e + k] == want[k], "%s: element %lld entry %d is %u, "
                         "expected %u (ranks %d..%d in order)", what, i, k, (unsigned)b[4 * e + k],
                         want[k], lo, hi - 1);
        } else if (kind == CT_GSUM) {
            int w0 = 0, w1 = 0;
            for (int r = lo; r < hi; r++) {
                w0 += ct_val(r, 2 * i);
                w1 += ct_val(r, 2 * i + 1);
            }
            CT_CHECK(b[4 * e] == w0 && b[4 * e + 2] == w1, "%s: element %lld is (%d, %d), "
                     "expected (%d, %d)", what, i, b[4 * e], b[4 * e + 2], w0, w1);
        } else {
            int w = 0;
            for (int r = lo; r < hi; r++)
                w += ct_val(r, i);
            CT_CHECK(b[e] == w, "%s: element %lld is %d, expected %d", what, i, b[e], w);
        }
    }
}
