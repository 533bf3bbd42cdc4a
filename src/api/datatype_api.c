/* MPI_Type_*, MPI_Pack*, MPI_Get_address, MPI_Aint_*: argument checks, then one
 * call into datatype/. Datatype calls act on no communicator, so their errors go
 * to MPI_COMM_SELF's handler (MPI-4.1 9.3). */
#include "api/bt_api.h"
#include "datatype/bt_datatype.h"

#include <limits.h>
#include <string.h>

/* ---- shared checks ---- */

static int bt_dt_check_type(const char *call, MPI_Datatype h, const char *what,
                            bt_datatype_t **dt_p)
{
    bt_datatype_t *dt = bt_datatype_get(h);
    if (bt_unlikely(!dt))
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "invalid datatype argument (%s)%s", what,
                           h == MPI_DATATYPE_NULL ? ": MPI_DATATYPE_NULL" : "");
    *dt_p = dt;
    return MPI_SUCCESS;
}

static int bt_dt_check_count(const char *call, MPI_Count count, const char *what)
{
    if (bt_unlikely(count < 0))
        return bt_err_comm(NULL, MPI_ERR_COUNT, call, "%s is %lld, must be non-negative", what,
                           (long long)count);
    return MPI_SUCCESS;
}

static int bt_dt_check_ptr(const char *call, const void *p, const char *what)
{
    if (bt_unlikely(!p))
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "%s is NULL", what);
    return MPI_SUCCESS;
}

/* A constructor's result: raise its failure or hand out the handle. */
static int bt_dt_created(const char *call, int status, bt_datatype_t *dt, MPI_Datatype *newtype)
{
    if (bt_unlikely(status != MPI_SUCCESS))
        return bt_err_comm(NULL, status, call,
                           "the type's displacements do not fit in an address (MPI_Aint)");
    *newtype = dt->handle;
    return MPI_SUCCESS;
}

/* ---- constructors ----
 *
 * Each constructor has one core taking MPI_Count arguments; the int entry points
 * widen their arrays and call it. `large` says which envelope the type gets: the
 * int form of the classic constructors, or the large-count form of the _c ones. */

/* The int arrays of a classic constructor as MPI_Count (NULL stays NULL). */
static MPI_Count *bt_dt_widen(const int *a, MPI_Count n)
{
    MPI_Count *w;
    if (!a)
        return NULL;
    w = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(*w));
    for (MPI_Count i = 0; i < n; i++)
        w[i] = a[i];
    return w;
}

/* Copies n counts into an int envelope array (the classic constructors' values fit). */
static int *bt_dt_narrow_into(int *dst, const MPI_Count *src, MPI_Count n)
{
    for (MPI_Count i = 0; i < n; i++)
        dst[i] = (int)src[i];
    return dst + n;
}

static int bt_dt_check_blocklens(const char *call, MPI_Count count, const MPI_Count blocklens[])
{
    for (MPI_Count i = 0; i < count; i++)
        if (bt_unlikely(blocklens[i] < 0))
            return bt_err_comm(NULL, MPI_ERR_ARG, call,
                               "array_of_blocklengths[%lld] is %lld, must be non-negative",
                               (long long)i, (long long)blocklens[i]);
    return MPI_SUCCESS;
}

static int bt_dt_api_contiguous(const char *call, MPI_Count count, MPI_Datatype oldtype,
                                MPI_Datatype *newtype, int large)
{
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    rc = bt_datatype_create_contiguous(count, old, &dt);
    if (rc == MPI_SUCCESS && !large) {
        int icount = (int)count;
        bt_datatype_set_contents(dt, MPI_COMBINER_CONTIGUOUS, 1, &icount, 0, NULL, 0, NULL, 1, &old);
    } else if (rc == MPI_SUCCESS) {
        bt_datatype_set_contents(dt, MPI_COMBINER_CONTIGUOUS, 0, NULL, 0, NULL, 1, &count, 1, &old);
    }
    return bt_dt_created(call, rc, dt, newtype);
}

int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_contiguous");
    return bt_dt_api_contiguous("MPI_Type_contiguous", count, oldtype, newtype, 0);
}

int PMPI_Type_contiguous_c(MPI_Count count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_contiguous_c");
    return bt_dt_api_contiguous("MPI_Type_contiguous_c", count, oldtype, newtype, 1);
}

/* vector (stride in extents of oldtype) and hvector (stride in bytes). */
static int bt_dt_api_vector(const char *call, MPI_Count count, MPI_Count blocklength,
                            MPI_Count stride, int hvector, MPI_Datatype oldtype,
                            MPI_Datatype *newtype, int large)
{
    bt_datatype_t *old = NULL, *dt = NULL;
    MPI_Aint bytes = (MPI_Aint)stride;
    int rc;

    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    if (blocklength < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "blocklength is %lld, must be non-negative",
                           (long long)blocklength);
    /* The stride places nothing when there are no entries or only one block: then
     * its product with the extent may not fit, and need not. */
    if (!hvector && (count < 2 || blocklength == 0))
        bytes = 0;
    else if (!hvector && __builtin_mul_overflow((MPI_Aint)stride, old->extent, &bytes))
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "stride %lld times the extent of oldtype "
                           "does not fit in an address", (long long)stride);
    rc = bt_datatype_create_hvector(count, blocklength, bytes, old, &dt);
    if (rc == MPI_SUCCESS) {
        int combiner = hvector ? MPI_COMBINER_HVECTOR : MPI_COMBINER_VECTOR;
        if (large) {
            MPI_Count counts[3] = {count, blocklength, stride};
            bt_datatype_set_contents(dt, combiner, 0, NULL, 0, NULL, 3, counts, 1, &old);
        } else {
            int ints[3] = {(int)count, (int)blocklength, (int)stride};
            MPI_Aint astride = (MPI_Aint)stride;
            bt_datatype_set_contents(dt, combiner, hvector ? 2 : 3, ints, hvector ? 1 : 0,
                                     &astride, 0, NULL, 1, &old);
        }
    }
    return bt_dt_created(call, rc, dt, newtype);
}

int PMPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                     MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_vector");
    return bt_dt_api_vector("MPI_Type_vector", count, blocklength, stride, 0, oldtype, newtype, 0);
}

int PMPI_Type_vector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride,
                       MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_vector_c");
    return bt_dt_api_vector("MPI_Type_vector_c", count, blocklength, stride, 0, oldtype, newtype,
                            1);
}

int PMPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                             MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hvector");
    return bt_dt_api_vector("MPI_Type_create_hvector", count, blocklength, stride, 1, oldtype,
                            newtype, 0);
}

int PMPI_Type_create_hvector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride,
                               MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hvector_c");
    return bt_dt_api_vector("MPI_Type_create_hvector_c", count, blocklength, stride, 1, oldtype,
                            newtype, 1);
}

/* The indexed family. INDEXED and HINDEXED have a length per block (blocklens),
 * the _BLOCK variants one for all (blocklen); HINDEXED* take displacements in
 * bytes, the others in extents of oldtype. */
static int bt_dt_api_indexed(const char *call, int combiner, MPI_Count count,
                             const MPI_Count blocklens[], MPI_Count blocklen,
                             const MPI_Count disps[], MPI_Datatype oldtype, MPI_Datatype *newtype,
                             int large)
{
    const int per_block = combiner == MPI_COMBINER_INDEXED || combiner == MPI_COMBINER_HINDEXED;
    const int in_bytes = combiner == MPI_COMBINER_HINDEXED || combiner == MPI_COMBINER_HINDEXED_BLOCK;
    bt_datatype_t *old = NULL, *dt = NULL;
    MPI_Count *lens = NULL;
    MPI_Aint *bytes = NULL;
    int rc;

    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    if (count > 0 && ((rc = bt_dt_check_ptr(call, disps, "array_of_displacements")) ||
                      (per_block && (rc = bt_dt_check_ptr(call, blocklens, "array_of_blocklengths")))))
        return rc;
    if (per_block && (rc = bt_dt_check_blocklens(call, count, blocklens)))
        return rc;
    if (!per_block && blocklen < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "blocklength is %lld, must be non-negative",
                           (long long)blocklen);

    lens = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*lens));
    bytes = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*bytes));
    for (MPI_Count i = 0; i < count; i++) {
        lens[i] = per_block ? blocklens[i] : blocklen;
        bytes[i] = (MPI_Aint)disps[i];
        /* An empty block adds no entry, so its displacement means nothing: its
         * product with the extent may not fit (INT_MAX blocks of a large type)
         * and the type is still valid. */
        if (!in_bytes && lens[i] == 0)
            bytes[i] = 0;
        else if (!in_bytes && __builtin_mul_overflow((MPI_Aint)disps[i], old->extent, &bytes[i])) {
            rc = bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_displacements[%lld] times the "
                             "extent of oldtype does not fit in an address", (long long)i);
            goto out_free;
        }
    }
    rc = bt_datatype_create_hindexed(count, lens, bytes, old, &dt);
    if (rc == MPI_SUCCESS) {
        /* Envelope: count, the blocklengths (or the one blocklength), displacements:
         * all in counts (large), or in ints with byte displacements as addresses. */
        MPI_Count nlen = per_block ? count : 1;
        if (large) {
            MPI_Count *c = bt_malloc((size_t)(1 + nlen + count) * sizeof(*c));
            c[0] = count;
            memcpy(&c[1], per_block ? blocklens : &blocklen, (size_t)nlen * sizeof(*c));
            if (count)
                memcpy(&c[1 + nlen], disps, (size_t)count * sizeof(*c));
            bt_datatype_set_contents(dt, combiner, 0, NULL, 0, NULL, (int)(1 + nlen + count), c, 1,
                                     &old);
            free(c);
        } else {
            int ni = (int)(1 + nlen + (in_bytes ? 0 : count));
            int *ints = bt_malloc((size_t)ni * sizeof(int)), *p = ints;
            *p++ = (int)count;
            p = bt_dt_narrow_into(p, per_block ? blocklens : &blocklen, nlen);
            if (!in_bytes)
                bt_dt_narrow_into(p, disps, count);
            bt_datatype_set_contents(dt, combiner, ni, ints, in_bytes ? (int)count : 0, bytes, 0,
                                     NULL, 1, &old);
            free(ints);
        }
    }
    rc = bt_dt_created(call, rc, dt, newtype);

out_free:
    free(bytes);
    free(lens);
    return rc;
}

/* The int-array entry points of the indexed family. */
static int bt_dt_api_indexed_int(const char *call, int combiner, int count, const int blocklens[],
                                 int blocklen, const int idisps[], const MPI_Aint adisps[],
                                 MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    MPI_Count *lens = bt_dt_widen(blocklens, count), *disps;
    int rc;

    if (adisps) {
        disps = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*disps));
        for (int i = 0; i < count; i++)
            disps[i] = adisps[i];
    } else {
        disps = bt_dt_widen(idisps, count);
    }
    rc = bt_dt_api_indexed(call, combiner, count, lens, blocklen, disps, oldtype, newtype, 0);
    free(disps);
    free(lens);
    return rc;
}

int PMPI_Type_indexed(int count, const int array_of_blocklengths[],
                      const int array_of_displacements[], MPI_Datatype oldtype,
                      MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_indexed");
    if (count > 0 && (!array_of_blocklengths || !array_of_displacements))
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_indexed", "array_of_%s is NULL",
                           !array_of_blocklengths ? "blocklengths" : "displacements");
    return bt_dt_api_indexed_int("MPI_Type_indexed", MPI_COMBINER_INDEXED, count,
                                 array_of_blocklengths, 0, array_of_displacements, NULL, oldtype,
                                 newtype);
}

int PMPI_Type_create_hindexed(int count, const int array_of_blocklengths[],
                              const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hindexed");
    if (count > 0 && (!array_of_blocklengths || !array_of_displacements))
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_create_hindexed", "array_of_%s is NULL",
                           !array_of_blocklengths ? "blocklengths" : "displacements");
    return bt_dt_api_indexed_int("MPI_Type_create_hindexed", MPI_COMBINER_HINDEXED, count,
                                 array_of_blocklengths, 0, NULL, array_of_displacements, oldtype,
                                 newtype);
}

int PMPI_Type_create_indexed_block(int count, int blocklength, const int array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_indexed_block");
    if (count > 0 && !array_of_displacements)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_create_indexed_block",
                           "array_of_displacements is NULL");
    return bt_dt_api_indexed_int("MPI_Type_create_indexed_block", MPI_COMBINER_INDEXED_BLOCK,
                                 count, NULL, blocklength, array_of_displacements, NULL, oldtype,
                                 newtype);
}

int PMPI_Type_create_hindexed_block(int count, int blocklength,
                                    const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                                    MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hindexed_block");
    if (count > 0 && !array_of_displacements)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_create_hindexed_block",
                           "array_of_displacements is NULL");
    return bt_dt_api_indexed_int("MPI_Type_create_hindexed_block", MPI_COMBINER_HINDEXED_BLOCK,
                                 count, NULL, blocklength, NULL, array_of_displacements, oldtype,
                                 newtype);
}

int PMPI_Type_indexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                        const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                        MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_indexed_c");
    return bt_dt_api_indexed("MPI_Type_indexed_c", MPI_COMBINER_INDEXED, count,
                             array_of_blocklengths, 0, array_of_displacements, oldtype, newtype, 1);
}

int PMPI_Type_create_hindexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                                const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hindexed_c");
    return bt_dt_api_indexed("MPI_Type_create_hindexed_c", MPI_COMBINER_HINDEXED, count,
                             array_of_blocklengths, 0, array_of_displacements, oldtype, newtype, 1);
}

int PMPI_Type_create_indexed_block_c(MPI_Count count, MPI_Count blocklength,
                                     const MPI_Count array_of_displacements[],
                                     MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_indexed_block_c");
    return bt_dt_api_indexed("MPI_Type_create_indexed_block_c", MPI_COMBINER_INDEXED_BLOCK, count,
                             NULL, blocklength, array_of_displacements, oldtype, newtype, 1);
}

int PMPI_Type_create_hindexed_block_c(MPI_Count count, MPI_Count blocklength,
                                      const MPI_Count array_of_displacements[],
                                      MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hindexed_block_c");
    return bt_dt_api_indexed("MPI_Type_create_hindexed_block_c", MPI_COMBINER_HINDEXED_BLOCK,
                             count, NULL, blocklength, array_of_displacements, oldtype, newtype, 1);
}

static int bt_dt_api_struct(const char *call, MPI_Count count, const MPI_Count blocklens[],
                            const MPI_Count disps[], const MPI_Datatype array_of_types[],
                            MPI_Datatype *newtype, int large)
{
    bt_datatype_t **types = NULL, *dt = NULL;
    MPI_Aint *bytes = NULL;
    int rc;

    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    if (count > 0 && ((rc = bt_dt_check_ptr(call, blocklens, "array_of_blocklengths")) ||
                      (rc = bt_dt_check_ptr(call, disps, "array_of_displacements")) ||
                      (rc = bt_dt_check_ptr(call, array_of_types, "array_of_types")) ||
                      (rc = bt_dt_check_blocklens(call, count, blocklens))))
        return rc;

    types = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*types));
    bytes = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*bytes));
    for (MPI_Count i = 0; i < count; i++) {
        types[i] = bt_datatype_get(array_of_types[i]);
        if (!types[i]) {
            rc = bt_err_comm(NULL, MPI_ERR_TYPE, call, "array_of_types[%lld] is not a valid "
                             "datatype%s", (long long)i,
                             array_of_types[i] == MPI_DATATYPE_NULL ? " (MPI_DATATYPE_NULL)" : "");
            goto out_free;
        }
        bytes[i] = (MPI_Aint)disps[i];
    }
    rc = bt_datatype_create_struct(count, blocklens, bytes, types, &dt);
    if (rc == MPI_SUCCESS && large) {
        MPI_Count *c = bt_malloc((size_t)(1 + 2 * count) * sizeof(*c));
        c[0] = count;
        if (count) {
            memcpy(&c[1], blocklens, (size_t)count * sizeof(*c));
            memcpy(&c[1 + count], disps, (size_t)count * sizeof(*c));
        }
        bt_datatype_set_contents(dt, MPI_COMBINER_STRUCT, 0, NULL, 0, NULL, (int)(1 + 2 * count), c,
                                 (int)count, types);
        free(c);
    } else if (rc == MPI_SUCCESS) {
        int *ints = bt_malloc((size_t)(count + 1) * sizeof(int));
        ints[0] = (int)count;
        bt_dt_narrow_into(&ints[1], blocklens, count);
        bt_datatype_set_contents(dt, MPI_COMBINER_STRUCT, (int)count + 1, ints, (int)count, bytes,
                                 0, NULL, (int)count, types);
        free(ints);
    }
    rc = bt_dt_created(call, rc, dt, newtype);

out_free:
    free(bytes);
    free(types);
    return rc;
}

int PMPI_Type_create_struct(int count, const int array_of_blocklengths[],
                            const MPI_Aint array_of_displacements[],
                            const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_create_struct";
    MPI_Count *lens, *disps = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (count > 0 && (!array_of_blocklengths || !array_of_displacements))
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_%s is NULL",
                           !array_of_blocklengths ? "blocklengths" : "displacements");
    lens = bt_dt_widen(array_of_blocklengths, count);
    if (array_of_displacements) {
        disps = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*disps));
        for (int i = 0; i < count; i++)
            disps[i] = array_of_displacements[i];
    }
    rc = bt_dt_api_struct(call, count, lens, disps, array_of_types, newtype, 0);
    free(disps);
    free(lens);
    return rc;
}

int PMPI_Type_create_struct_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                              const MPI_Count array_of_displacements[],
                              const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_struct_c");
    return bt_dt_api_struct("MPI_Type_create_struct_c", count, array_of_blocklengths,
                            array_of_displacements, array_of_types, newtype, 1);
}

static int bt_dt_api_resized(const char *call, MPI_Datatype oldtype, MPI_Count lb,
                             MPI_Count extent, MPI_Datatype *newtype, int large)
{
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    if ((rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    rc = bt_datatype_create_resized(old, (MPI_Aint)lb, (MPI_Aint)extent, &dt);
    if (rc == MPI_SUCCESS) {
        MPI_Aint aints[2] = {(MPI_Aint)lb, (MPI_Aint)extent};
        MPI_Count counts[2] = {lb, extent};
        bt_datatype_set_contents(dt, MPI_COMBINER_RESIZED, 0, NULL, large ? 0 : 2, aints,
                                 large ? 2 : 0, counts, 1, &old);
    }
    return bt_dt_created(call, rc, dt, newtype);
}

int PMPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                             MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_resized");
    return bt_dt_api_resized("MPI_Type_create_resized", oldtype, lb, extent, newtype, 0);
}

int PMPI_Type_create_resized_c(MPI_Datatype oldtype, MPI_Count lb, MPI_Count extent,
                               MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_resized_c");
    return bt_dt_api_resized("MPI_Type_create_resized_c", oldtype, lb, extent, newtype, 1);
}

static int bt_dt_check_order(const char *call, int order)
{
    if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN)
        return bt_err_comm(NULL, MPI_ERR_ARG, call,
                           "order is %d, must be MPI_ORDER_C or MPI_ORDER_FORTRAN", order);
    return MPI_SUCCESS;
}

static int bt_dt_api_subarray(const char *call, int ndims, const MPI_Count sizes[],
                              const MPI_Count subsizes[], const MPI_Count starts[], int order,
                              MPI_Datatype oldtype, MPI_Datatype *newtype, int large)
{
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    if (ndims < 1)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "ndims is %d, must be positive", ndims);
    if ((rc = bt_dt_check_ptr(call, sizes, "array_of_sizes")) ||
        (rc = bt_dt_check_ptr(call, subsizes, "array_of_subsizes")) ||
        (rc = bt_dt_check_ptr(call, starts, "array_of_starts")) ||
        (rc = bt_dt_check_order(call, order)) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    for (int i = 0; i < ndims; i++) {
        if (sizes[i] < 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_sizes[%d] is %lld, must be "
                               "positive", i, (long long)sizes[i]);
        if (subsizes[i] < 0 || subsizes[i] > sizes[i])
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_subsizes[%d] is %lld, must be "
                               "between 0 and array_of_sizes[%d] = %lld", i,
                               (long long)subsizes[i], i, (long long)sizes[i]);
        if (starts[i] < 0 || starts[i] > sizes[i] - subsizes[i])
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_starts[%d] is %lld, must be "
                               "between 0 and %lld (size - subsize)", i, (long long)starts[i],
                               (long long)(sizes[i] - subsizes[i]));
    }
    rc = bt_datatype_create_subarray(ndims, sizes, subsizes, starts, order, old, &dt);
    if (rc != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, call, "the array is too large for an address (MPI_Aint)");
    if (large) {
        int ints[2] = {ndims, order};
        MPI_Count *c = bt_malloc(3 * (size_t)ndims * sizeof(*c));
        memcpy(c, sizes, (size_t)ndims * sizeof(*c));
        memcpy(c + ndims, subsizes, (size_t)ndims * sizeof(*c));
        memcpy(c + 2 * ndims, starts, (size_t)ndims * sizeof(*c));
        bt_datatype_set_contents(dt, MPI_COMBINER_SUBARRAY, 2, ints, 0, NULL, 3 * ndims, c, 1, &old);
        free(c);
    } else {
        int *ints = bt_malloc((3 * (size_t)ndims + 2) * sizeof(int)), *p = ints;
        *p++ = ndims;
        p = bt_dt_narrow_into(p, sizes, ndims);
        p = bt_dt_narrow_into(p, subsizes, ndims);
        p = bt_dt_narrow_into(p, starts, ndims);
        *p = order;
        bt_datatype_set_contents(dt, MPI_COMBINER_SUBARRAY, 3 * ndims + 2, ints, 0, NULL, 0, NULL,
                                 1, &old);
        free(ints);
    }
    *newtype = dt->handle;
    return MPI_SUCCESS;
}

int PMPI_Type_create_subarray(int ndims, const int array_of_sizes[], const int array_of_subsizes[],
                              const int array_of_starts[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    MPI_Count *sizes, *subsizes, *starts;
    int rc, n = BT_MAX(ndims, 0);

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_subarray");
    sizes = bt_dt_widen(array_of_sizes, n);
    subsizes = bt_dt_widen(array_of_subsizes, n);
    starts = bt_dt_widen(array_of_starts, n);
    rc = bt_dt_api_subarray("MPI_Type_create_subarray", ndims, sizes, subsizes, starts, order,
                            oldtype, newtype, 0);
    free(starts);
    free(subsizes);
    free(sizes);
    return rc;
}

int PMPI_Type_create_subarray_c(int ndims, const MPI_Count array_of_sizes[],
                                const MPI_Count array_of_subsizes[],
                                const MPI_Count array_of_starts[], int order, MPI_Datatype oldtype,
                                MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_subarray_c");
    return bt_dt_api_subarray("MPI_Type_create_subarray_c", ndims, array_of_sizes,
                              array_of_subsizes, array_of_starts, order, oldtype, newtype, 1);
}

static int bt_dt_api_darray(const char *call, int size, int rank, int ndims,
                            const MPI_Count gsizes[], const int distribs[], const int dargs[],
                            const int psizes[], int order, MPI_Datatype oldtype,
                            MPI_Datatype *newtype, int large)
{
    bt_datatype_t *old = NULL, *dt = NULL;
    long long nprocs = 1;
    int rc;

    if (size < 1)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "size is %d, must be positive", size);
    if (rank < 0 || rank >= size)
        return bt_err_comm(NULL, MPI_ERR_RANK, call, "rank is %d, must be between 0 and %d",
                           rank, size - 1);
    if (ndims < 1)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "ndims is %d, must be positive", ndims);
    if ((rc = bt_dt_check_ptr(call, gsizes, "array_of_gsizes")) ||
        (rc = bt_dt_check_ptr(call, distribs, "array_of_distribs")) ||
        (rc = bt_dt_check_ptr(call, dargs, "array_of_dargs")) ||
        (rc = bt_dt_check_ptr(call, psizes, "array_of_psizes")) ||
        (rc = bt_dt_check_order(call, order)) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    for (int i = 0; i < ndims; i++) {
        MPI_Count g = gsizes[i];
        int p = psizes[i], d = distribs[i], a = dargs[i];
        if (g < 1 || p < 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_gsizes[%d] is %lld and "
                               "array_of_psizes[%d] is %d, both must be positive", i,
                               (long long)g, i, p);
        if (d != MPI_DISTRIBUTE_NONE && d != MPI_DISTRIBUTE_BLOCK && d != MPI_DISTRIBUTE_CYCLIC)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_distribs[%d] is %d, not a "
                               "distribution", i, d);
        if (a != MPI_DISTRIBUTE_DFLT_DARG && a < 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_dargs[%d] is %d, must be "
                               "positive or MPI_DISTRIBUTE_DFLT_DARG", i, a);
        if (d == MPI_DISTRIBUTE_NONE && p != 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_psizes[%d] is %d, must be 1 "
                               "for MPI_DISTRIBUTE_NONE", i, p);
        if (d == MPI_DISTRIBUTE_BLOCK && a != MPI_DISTRIBUTE_DFLT_DARG && (MPI_Count)a * p < g)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_dargs[%d] is %d: %d blocks of "
                               "it do not cover array_of_gsizes[%d] = %lld", i, a, p, i,
                               (long long)g);
        nprocs *= p;
        if (nprocs > size)
            break;
    }
    if (nprocs != size)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "the product of array_of_psizes does not "
                           "equal size (%d)", size);

    rc = bt_datatype_create_darray(size, rank, ndims, gsizes, distribs, dargs, psizes, order, old,
                                   &dt);
    if (rc != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, call, "the array is too large for an address (MPI_Aint)");
    {
        /* ints: size, rank, ndims, [gsizes,] distribs, dargs, psizes, order. */
        int ni = (large ? 3 : 4) * ndims + 4, *ints = bt_malloc((size_t)ni * sizeof(int)), *p = ints;
        *p++ = size;
        *p++ = rank;
        *p++ = ndims;
        if (!large)
            p = bt_dt_narrow_into(p, gsizes, ndims);
        memcpy(p, distribs, (size_t)ndims * sizeof(int));
        memcpy(p + ndims, dargs, (size_t)ndims * sizeof(int));
        memcpy(p + 2 * ndims, psizes, (size_t)ndims * sizeof(int));
        p[3 * ndims] = order;
        bt_datatype_set_contents(dt, MPI_COMBINER_DARRAY, ni, ints, 0, NULL, large ? ndims : 0,
                                 gsizes, 1, &old);
        free(ints);
    }
    *newtype = dt->handle;
    return MPI_SUCCESS;
}

int PMPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[],
                            const int array_of_distribs[], const int array_of_dargs[],
                            const int array_of_psizes[], int order, MPI_Datatype oldtype,
                            MPI_Datatype *newtype)
{
    MPI_Count *gsizes;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_darray");
    gsizes = bt_dt_widen(array_of_gsizes, BT_MAX(ndims, 0));
    rc = bt_dt_api_darray("MPI_Type_create_darray", size, rank, ndims, gsizes, array_of_distribs,
                          array_of_dargs, array_of_psizes, order, oldtype, newtype, 0);
    free(gsizes);
    return rc;
}

int PMPI_Type_create_darray_c(int size, int rank, int ndims, const MPI_Count array_of_gsizes[],
                              const int array_of_distribs[], const int array_of_dargs[],
                              const int array_of_psizes[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_darray_c");
    return bt_dt_api_darray("MPI_Type_create_darray_c", size, rank, ndims, array_of_gsizes,
                            array_of_distribs, array_of_dargs, array_of_psizes, order, oldtype,
                            newtype, 1);
}

int PMPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_dup";
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    rc = bt_datatype_dup(old, &dt);
    if (rc == MPI_SUCCESS)
        bt_datatype_set_contents(dt, MPI_COMBINER_DUP, 0, NULL, 0, NULL, 0, NULL, 1, &old);
    /* The attributes go along, through their copy callbacks; one that fails
     * undoes the dup and its error is the call's. */
    if (rc == MPI_SUCCESS &&
        (rc = bt_attrs_copy_all(&old->attrs, old->handle, &dt->attrs, dt->handle))) {
        bt_datatype_release(dt);
        return bt_err_comm_code(NULL, rc, call);
    }
    return bt_dt_created(call, rc, dt, newtype);
}

/* Pair types for MINLOC/MAXLOC by their parts (MPI-4.1 6.9.4). */
int PMPI_Type_get_value_index(MPI_Datatype value_type, MPI_Datatype index_type,
                              MPI_Datatype *pair_type)
{
    static const char call[] = "MPI_Type_get_value_index";
    static const struct { MPI_Datatype v, i, pair; } pairs[] = {
        {MPI_FLOAT, MPI_INT, MPI_FLOAT_INT}, {MPI_DOUBLE, MPI_INT, MPI_DOUBLE_INT},
        {MPI_LONG, MPI_INT, MPI_LONG_INT}, {MPI_INT, MPI_INT, MPI_2INT},
        {MPI_SHORT, MPI_INT, MPI_SHORT_INT}, {MPI_LONG_DOUBLE, MPI_INT, MPI_LONG_DOUBLE_INT},
        {MPI_REAL, MPI_REAL, MPI_2REAL},
        {MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_2DOUBLE_PRECISION},
        {MPI_INTEGER, MPI_INTEGER, MPI_2INTEGER},
    };
    bt_datatype_t *v = NULL, *i = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, value_type, "value_type", &v)) ||
        (rc = bt_dt_check_type(call, index_type, "index_type", &i)) ||
        (rc = bt_dt_check_ptr(call, pair_type, "pair_type")))
        return rc;
    *pair_type = MPI_DATATYPE_NULL;   /* no predefined pair of these two */
    for (size_t k = 0; k < BT_ARRAY_LEN(pairs); k++)
        if (pairs[k].v == value_type && pairs[k].i == index_type)
            *pair_type = pairs[k].pair;
    return MPI_SUCCESS;
}

/* The Fortran type of a given class and byte size (MPI-4.1 19.2.5). */
int PMPI_Type_match_size(int typeclass, int size, MPI_Datatype *datatype)
{
    static const char call[] = "MPI_Type_match_size";
    static const struct { int typeclass, size; MPI_Datatype type; } sized[] = {
        {MPI_TYPECLASS_INTEGER, 1, MPI_INTEGER1}, {MPI_TYPECLASS_INTEGER, 2, MPI_INTEGER2},
        {MPI_TYPECLASS_INTEGER, 4, MPI_INTEGER4}, {MPI_TYPECLASS_INTEGER, 8, MPI_INTEGER8},
        {MPI_TYPECLASS_INTEGER, 16, MPI_INTEGER16}, {MPI_TYPECLASS_REAL, 2, MPI_REAL2},
        {MPI_TYPECLASS_REAL, 4, MPI_REAL4}, {MPI_TYPECLASS_REAL, 8, MPI_REAL8},
        {MPI_TYPECLASS_REAL, 16, MPI_REAL16}, {MPI_TYPECLASS_COMPLEX, 4, MPI_COMPLEX4},
        {MPI_TYPECLASS_COMPLEX, 8, MPI_COMPLEX8}, {MPI_TYPECLASS_COMPLEX, 16, MPI_COMPLEX16},
        {MPI_TYPECLASS_COMPLEX, 32, MPI_COMPLEX32},
    };

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (!datatype)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "datatype is NULL");
    if (typeclass != MPI_TYPECLASS_INTEGER && typeclass != MPI_TYPECLASS_REAL &&
        typeclass != MPI_TYPECLASS_COMPLEX)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "typeclass is %d, not MPI_TYPECLASS_INTEGER, "
                           "_REAL or _COMPLEX", typeclass);
    for (size_t k = 0; k < BT_ARRAY_LEN(sized); k++) {
        if (sized[k].typeclass == typeclass && sized[k].size == size) {
            *datatype = sized[k].type;
            return MPI_SUCCESS;
        }
    }
    return bt_err_comm(NULL, MPI_ERR_ARG, call, "no %s type of %d bytes",
                       typeclass == MPI_TYPECLASS_INTEGER ? "integer"
                       : typeclass == MPI_TYPECLASS_REAL  ? "real" : "complex", size);
}

/* MPI_Type_create_f90_*: a type of the smallest Fortran kind with at least the
 * decimal precision p and exponent range r asked (MPI_UNDEFINED: any), as
 * SELECTED_INT_KIND / SELECTED_REAL_KIND choose them in gfortran: the sized
 * predefined type's map, whose envelope says MPI_COMBINER_F90_* with (p, r) as
 * the standard asks. One per (combiner, p, r), made at the first call and kept:
 * like predefined types they are never freed. */
typedef struct { int p, r; MPI_Datatype type; } bt_dt_f90_kind_t;

typedef struct bt_dt_f90_made {
    struct bt_dt_f90_made *next;
    int combiner, p, r;
    bt_datatype_t *dt;
} bt_dt_f90_made_t;

static bt_dt_f90_made_t *bt_dt_f90_made;

static int bt_dt_f90(const char *call, int combiner, const bt_dt_f90_kind_t *kinds, size_t n,
                     int p, int r, MPI_Datatype *newtype)
{
    bt_dt_f90_made_t *m;
    int rc, ints[2] = { p, r };

    if ((rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    if ((p < 0 && p != MPI_UNDEFINED) || (r < 0 && r != MPI_UNDEFINED))
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "%s is %d, must be non-negative or "
                           "MPI_UNDEFINED", p < 0 && p != MPI_UNDEFINED ? "p" : "r",
                           p < 0 && p != MPI_UNDEFINED ? p : r);
    for (m = bt_dt_f90_made; m; m = m->next)
        if (m->combiner == combiner && m->p == p && m->r == r) {
            *newtype = m->dt->handle;
            return MPI_SUCCESS;
        }
    for (size_t k = 0; k < n; k++) {
        if ((p == MPI_UNDEFINED || kinds[k].p >= p) && (r == MPI_UNDEFINED || kinds[k].r >= r)) {
            m = bt_malloc(sizeof(*m));
            m->combiner = combiner;
            m->p = p;
            m->r = r;
            bt_datatype_dup(bt_datatype_get(kinds[k].type), &m->dt);
            /* MPI_COMBINER_F90_INTEGER has r alone. */
            bt_datatype_set_contents(m->dt, combiner, combiner == MPI_COMBINER_F90_INTEGER ? 1 : 2,
                                     combiner == MPI_COMBINER_F90_INTEGER ? ints + 1 : ints, 0,
                                     NULL, 0, NULL, 0, NULL);
            m->dt->committed = 1;
            m->dt->f90 = 1;
            m->next = bt_dt_f90_made;
            bt_dt_f90_made = m;
            *newtype = m->dt->handle;
            return MPI_SUCCESS;
        }
    }
    return bt_err_comm(NULL, MPI_ERR_ARG, call, "no Fortran kind has precision %d and range %d "
                       "(at most %d and %d)", p, r, kinds[n - 1].p, kinds[n - 1].r);
}

int PMPI_Type_create_f90_integer(int r, MPI_Datatype *newtype)
{
    static const bt_dt_f90_kind_t kinds[] = {
        {0, 2, MPI_INTEGER1}, {0, 4, MPI_INTEGER2}, {0, 9, MPI_INTEGER4},
        {0, 18, MPI_INTEGER8}, {0, 38, MPI_INTEGER16},
    };
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_f90_integer");
    if (r == MPI_UNDEFINED)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_create_f90_integer",
                           "r is MPI_UNDEFINED");
    return bt_dt_f90("MPI_Type_create_f90_integer", MPI_COMBINER_F90_INTEGER, kinds,
                     BT_ARRAY_LEN(kinds), MPI_UNDEFINED, r, newtype);
}

/* REAL*4, *8 and *16 (IEEE single, double and quad); gfortran has no REAL*2 kind. */
#define BT_DT_F90_REALS(R4, R8, R16) {{6, 37, R4}, {15, 307, R8}, {33, 4931, R16}}

#define BT_DT_F90_REAL_FN(Name, Combiner, R4, R8, R16)                                      \
    int PMPI_Type_create_f90_##Name(int p, int r, MPI_Datatype *newtype)                    \
    {                                                                                       \
        static const bt_dt_f90_kind_t kinds[] = BT_DT_F90_REALS(R4, R8, R16);               \
        BT_API_LOCK();                                                                      \
        BT_CHECK_INIT("MPI_Type_create_f90_" #Name);                                        \
        if (p == MPI_UNDEFINED && r == MPI_UNDEFINED)                                       \
            return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Type_create_f90_" #Name,             \
                               "p and r are both MPI_UNDEFINED");                          \
        return bt_dt_f90("MPI_Type_create_f90_" #Name, Combiner, kinds, BT_ARRAY_LEN(kinds),\
                         p, r, newtype);                                                    \
    }

BT_DT_F90_REAL_FN(real, MPI_COMBINER_F90_REAL, MPI_REAL4, MPI_REAL8, MPI_REAL16)
BT_DT_F90_REAL_FN(complex, MPI_COMBINER_F90_COMPLEX, MPI_COMPLEX8, MPI_COMPLEX16, MPI_COMPLEX32)
#undef BT_DT_F90_REAL_FN

/* ---- life cycle ---- */

int PMPI_Type_commit(MPI_Datatype *datatype)
{
    static const char call[] = "MPI_Type_commit";
    bt_datatype_t *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_ptr(call, datatype, "datatype")) ||
        (rc = bt_dt_check_type(call, *datatype, "datatype", &dt)))
        return rc;
    dt->committed = 1;
    return MPI_SUCCESS;
}

int PMPI_Type_free(MPI_Datatype *datatype)
{
    static const char call[] = "MPI_Type_free";
    bt_datatype_t *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_ptr(call, datatype, "datatype")) ||
        (rc = bt_dt_check_type(call, *datatype, "datatype", &dt)))
        return rc;
    if (dt->predefined || dt->f90)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "%s is predefined and cannot be freed",
                           dt->f90 ? "a type from MPI_Type_create_f90_*" : dt->name);
    /* The delete callbacks run now, at the user's free; one that fails stops it. */
    if ((rc = bt_attrs_delete_all(&dt->attrs, dt->handle)))
        return bt_err_comm_code(NULL, rc, call);
    /* Operations still using the type hold their own references. */
    bt_datatype_release(dt);
    *datatype = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}

/* ---- queries ----
 * A datatype's size and bounds are fixed when it is made, so these queries
 * answer without the big lock when there is nothing to report: mpi4py asks for a
 * buffer's extent on every Send and Recv, and under MPI_THREAD_MULTIPLE the lock
 * costs two atomic operations. (A datatype freed by one thread while another asks
 * about it is erroneous either way.) Anything amiss takes the checked path. */
static inline bt_datatype_t *bt_dt_quick(MPI_Datatype h, const void *out1, const void *out2)
{
    return bt_likely(bt_rt.state == BT_RT_RUNNING && out1 && out2) ? bt_datatype_get(h) : NULL;
}

#define BT_DT_QUICK(h, out1, out2, set)                      \
    do {                                                     \
        bt_datatype_t *quick_ = bt_dt_quick(h, out1, out2);  \
        if (bt_likely(quick_ != NULL)) {                     \
            set;                                             \
            return MPI_SUCCESS;                              \
        }                                                    \
    } while (0)

int PMPI_Type_size(MPI_Datatype datatype, int *size)
{
    static const char call[] = "MPI_Type_size";
    bt_datatype_t *dt = NULL;
    int rc;

    BT_DT_QUICK(datatype, size, size,
                *size = quick_->size > INT_MAX ? MPI_UNDEFINED : (int)quick_->size);
    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, size, "size")))
        return rc;
    *size = dt->size > INT_MAX ? MPI_UNDEFINED : (int)dt->size;
    return MPI_SUCCESS;
}

static int bt_dt_size_x(const char *call, MPI_Datatype datatype, MPI_Count *size)
{
    bt_datatype_t *dt = NULL;
    int rc;

    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, size, "size")))
        return rc;
    *size = dt->size;
    return MPI_SUCCESS;
}

int PMPI_Type_size_x(MPI_Datatype datatype, MPI_Count *size)
{
    BT_DT_QUICK(datatype, size, size, *size = quick_->size);
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_size_x");
    return bt_dt_size_x("MPI_Type_size_x", datatype, size);
}

int PMPI_Type_size_c(MPI_Datatype datatype, MPI_Count *size)
{
    BT_DT_QUICK(datatype, size, size, *size = quick_->size);
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_size_c");
    return bt_dt_size_x("MPI_Type_size_c", datatype, size);
}

/* lb and extent (or their true_ variants) of a type. */
static int bt_dt_bounds(const char *call, MPI_Datatype datatype, int true_bounds, MPI_Aint *lb_p,
                        MPI_Aint *extent_p)
{
    bt_datatype_t *dt = NULL;
    int rc;

    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, lb_p, true_bounds ? "true_lb" : "lb")) ||
        (rc = bt_dt_check_ptr(call, extent_p, true_bounds ? "true_extent" : "extent")))
        return rc;
    *lb_p = true_bounds ? dt->true_lb : dt->lb;
    *extent_p = true_bounds ? dt->true_extent : dt->extent;
    return MPI_SUCCESS;
}

static int bt_dt_bounds_x(const char *call, MPI_Datatype datatype, int true_bounds,
                          MPI_Count *lb_p, MPI_Count *extent_p)
{
    MPI_Aint lb, extent;
    int rc;

    if ((rc = bt_dt_check_ptr(call, lb_p, true_bounds ? "true_lb" : "lb")) ||
        (rc = bt_dt_check_ptr(call, extent_p, true_bounds ? "true_extent" : "extent")) ||
        (rc = bt_dt_bounds(call, datatype, true_bounds, &lb, &extent)))
        return rc;
    *lb_p = lb;
    *extent_p = extent;
    return MPI_SUCCESS;
}

int PMPI_Type_get_extent(MPI_Datatype datatype, MPI_Aint *lb, MPI_Aint *extent)
{
    BT_DT_QUICK(datatype, lb, extent, (*lb = quick_->lb, *extent = quick_->extent));
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_extent");
    return bt_dt_bounds("MPI_Type_get_extent", datatype, 0, lb, extent);
}

int PMPI_Type_get_extent_x(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent)
{
    BT_DT_QUICK(datatype, lb, extent, (*lb = quick_->lb, *extent = quick_->extent));
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_extent_x");
    return bt_dt_bounds_x("MPI_Type_get_extent_x", datatype, 0, lb, extent);
}

int PMPI_Type_get_extent_c(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent)
{
    BT_DT_QUICK(datatype, lb, extent, (*lb = quick_->lb, *extent = quick_->extent));
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_extent_c");
    return bt_dt_bounds_x("MPI_Type_get_extent_c", datatype, 0, lb, extent);
}

int PMPI_Type_get_true_extent(MPI_Datatype datatype, MPI_Aint *true_lb, MPI_Aint *true_extent)
{
    BT_DT_QUICK(datatype, true_lb, true_extent,
                (*true_lb = quick_->true_lb, *true_extent = quick_->true_extent));
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_true_extent");
    return bt_dt_bounds("MPI_Type_get_true_extent", datatype, 1, true_lb, true_extent);
}

int PMPI_Type_get_true_extent_x(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent)
{
    BT_DT_QUICK(datatype, true_lb, true_extent,
                (*true_lb = quick_->true_lb, *true_extent = quick_->true_extent));
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_true_extent_x");
    return bt_dt_bounds_x("MPI_Type_get_true_extent_x", datatype, 1, true_lb, true_extent);
}

int PMPI_Type_get_true_extent_c(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent)
{
    BT_DT_QUICK(datatype, true_lb, true_extent,
                (*true_lb = quick_->true_lb, *true_extent = quick_->true_extent));
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_true_extent_c");
    return bt_dt_bounds_x("MPI_Type_get_true_extent_c", datatype, 1, true_lb, true_extent);
}

int PMPI_Type_get_envelope(MPI_Datatype datatype, int *num_integers, int *num_addresses,
                           int *num_datatypes, int *combiner)
{
    static const char call[] = "MPI_Type_get_envelope";
    bt_datatype_t *dt = NULL;
    int rc, nc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, num_integers, "num_integers")) ||
        (rc = bt_dt_check_ptr(call, num_addresses, "num_addresses")) ||
        (rc = bt_dt_check_ptr(call, num_datatypes, "num_datatypes")) ||
        (rc = bt_dt_check_ptr(call, combiner, "combiner")))
        return rc;
    bt_datatype_get_envelope(dt, num_integers, num_addresses, &nc, num_datatypes, combiner);
    if (nc > 0)   /* made by a large-count constructor: only the _c query can describe it */
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "the datatype was built with large counts; "
                           "use MPI_Type_get_envelope_c");
    return MPI_SUCCESS;
}

int PMPI_Type_get_contents(MPI_Datatype datatype, int max_integers, int max_addresses,
                           int max_datatypes, int array_of_integers[],
                           MPI_Aint array_of_addresses[], MPI_Datatype array_of_datatypes[])
{
    static const char call[] = "MPI_Type_get_contents";
    bt_datatype_t *dt = NULL;
    int rc, ni, na, nc, nd, combiner;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)))
        return rc;
    bt_datatype_get_envelope(dt, &ni, &na, &nc, &nd, &combiner);
    if (combiner == MPI_COMBINER_NAMED)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "%s is predefined: it has no contents",
                           dt->name);
    if (nc > 0)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "the datatype was built with large counts; "
                           "use MPI_Type_get_contents_c");
    if (max_integers < ni || max_addresses < na || max_datatypes < nd)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "the arrays hold %d integers, %d addresses "
                           "and %d datatypes; the type needs %d, %d and %d", max_integers,
                           max_addresses, max_datatypes, ni, na, nd);
    if ((ni && (rc = bt_dt_check_ptr(call, array_of_integers, "array_of_integers"))) ||
        (na && (rc = bt_dt_check_ptr(call, array_of_addresses, "array_of_addresses"))) ||
        (nd && (rc = bt_dt_check_ptr(call, array_of_datatypes, "array_of_datatypes"))))
        return rc;
    bt_datatype_get_contents(dt, array_of_integers, array_of_addresses, NULL, array_of_datatypes);
    return MPI_SUCCESS;
}

int PMPI_Type_get_envelope_c(MPI_Datatype datatype, MPI_Count *num_integers,
                             MPI_Count *num_addresses, MPI_Count *num_large_counts,
                             MPI_Count *num_datatypes, int *combiner)
{
    static const char call[] = "MPI_Type_get_envelope_c";
    bt_datatype_t *dt = NULL;
    int rc, ni, na, nc, nd;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, num_integers, "num_integers")) ||
        (rc = bt_dt_check_ptr(call, num_addresses, "num_addresses")) ||
        (rc = bt_dt_check_ptr(call, num_large_counts, "num_large_counts")) ||
        (rc = bt_dt_check_ptr(call, num_datatypes, "num_datatypes")) ||
        (rc = bt_dt_check_ptr(call, combiner, "combiner")))
        return rc;
    bt_datatype_get_envelope(dt, &ni, &na, &nc, &nd, combiner);
    *num_integers = ni;
    *num_addresses = na;
    *num_large_counts = nc;
    *num_datatypes = nd;
    return MPI_SUCCESS;
}

int PMPI_Type_get_contents_c(MPI_Datatype datatype, MPI_Count max_integers,
                             MPI_Count max_addresses, MPI_Count max_large_counts,
                             MPI_Count max_datatypes, int array_of_integers[],
                             MPI_Aint array_of_addresses[], MPI_Count array_of_large_counts[],
                             MPI_Datatype array_of_datatypes[])
{
    static const char call[] = "MPI_Type_get_contents_c";
    bt_datatype_t *dt = NULL;
    int rc, ni, na, nc, nd, combiner;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)))
        return rc;
    bt_datatype_get_envelope(dt, &ni, &na, &nc, &nd, &combiner);
    if (combiner == MPI_COMBINER_NAMED)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "%s is predefined: it has no contents",
                           dt->name);
    if (max_integers < ni || max_addresses < na || max_large_counts < nc || max_datatypes < nd)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "the arrays hold %lld integers, %lld "
                           "addresses, %lld counts and %lld datatypes; the type needs %d, %d, %d "
                           "and %d", (long long)max_integers, (long long)max_addresses,
                           (long long)max_large_counts, (long long)max_datatypes, ni, na, nc, nd);
    if ((ni && (rc = bt_dt_check_ptr(call, array_of_integers, "array_of_integers"))) ||
        (na && (rc = bt_dt_check_ptr(call, array_of_addresses, "array_of_addresses"))) ||
        (nc && (rc = bt_dt_check_ptr(call, array_of_large_counts, "array_of_large_counts"))) ||
        (nd && (rc = bt_dt_check_ptr(call, array_of_datatypes, "array_of_datatypes"))))
        return rc;
    bt_datatype_get_contents(dt, array_of_integers, array_of_addresses, array_of_large_counts,
                             array_of_datatypes);
    return MPI_SUCCESS;
}

int PMPI_Type_get_name(MPI_Datatype datatype, char *type_name, int *resultlen)
{
    static const char call[] = "MPI_Type_get_name";
    bt_datatype_t *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (datatype == MPI_DATATYPE_NULL && type_name && resultlen) {
        /* MPI 4.1: the null handle has a name too. */
        bt_strlcpy(type_name, "MPI_DATATYPE_NULL", MPI_MAX_OBJECT_NAME);
        *resultlen = (int)strlen(type_name);
        return MPI_SUCCESS;
    }
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, type_name, "type_name")) ||
        (rc = bt_dt_check_ptr(call, resultlen, "resultlen")))
        return rc;
    bt_strlcpy(type_name, dt->name, MPI_MAX_OBJECT_NAME);
    *resultlen = (int)strlen(type_name);
    return MPI_SUCCESS;
}

int PMPI_Type_set_name(MPI_Datatype datatype, const char *type_name)
{
    static const char call[] = "MPI_Type_set_name";
    bt_datatype_t *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, type_name, "type_name")))
        return rc;
    /* Longer names are truncated, as MPI-4.1 6.8 allows. */
    bt_strlcpy(dt->name, type_name, sizeof(dt->name));
    return MPI_SUCCESS;
}

/* ---- packing ---- */

/* MPI_Pack and MPI_Pack_c: the packed bytes go at outbuf + *position. */
static int bt_dt_pack(const char *call, const void *inbuf, MPI_Count incount, MPI_Datatype datatype,
                      void *outbuf, MPI_Count outsize, MPI_Count *position, MPI_Comm h)
{
    bt_comm_t *comm;
    bt_datatype_t *dt = NULL;
    MPI_Count bytes;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) ||
        (rc = bt_check_buffer(call, comm, inbuf, incount, datatype, "", &dt)))
        return rc;
    if (outsize < 0)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "outsize is %lld, must be non-negative",
                           (long long)outsize);
    if (*position < 0 || *position > outsize)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "position is %lld, must be between 0 and "
                           "outsize (%lld)", (long long)*position, (long long)outsize);
    bytes = incount * dt->size;
    if (bytes > outsize - *position)
        return bt_err_comm(comm, MPI_ERR_TRUNCATE, call, "packing %lld bytes at position %lld "
                           "overflows outsize (%lld)", (long long)bytes, (long long)*position,
                           (long long)outsize);
    if (bytes > 0 && !outbuf)
        return bt_err_comm(comm, MPI_ERR_BUFFER, call, "outbuf is NULL");
    bt_datatype_pack(dt, incount, inbuf, (char *)outbuf + *position);
    *position += bytes;
    return MPI_SUCCESS;
}

int PMPI_Pack(const void *inbuf, int incount, MPI_Datatype datatype, void *outbuf, int outsize,
              int *position, MPI_Comm comm)
{
    MPI_Count pos;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Pack", "position is NULL");
    pos = *position;
    rc = bt_dt_pack("MPI_Pack", inbuf, incount, datatype, outbuf, outsize, &pos, comm);
    if (rc == MPI_SUCCESS)
        *position = (int)pos;   /* pos <= outsize, an int */
    return rc;
}

int PMPI_Pack_c(const void *inbuf, MPI_Count incount, MPI_Datatype datatype, void *outbuf,
                MPI_Count outsize, MPI_Count *position, MPI_Comm comm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_c");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Pack_c", "position is NULL");
    return bt_dt_pack("MPI_Pack_c", inbuf, incount, datatype, outbuf, outsize, position, comm);
}

static int bt_dt_unpack(const char *call, const void *inbuf, MPI_Count insize, MPI_Count *position,
                        void *outbuf, MPI_Count outcount, MPI_Datatype datatype, MPI_Comm h)
{
    bt_comm_t *comm;
    bt_datatype_t *dt = NULL;
    MPI_Count bytes;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) ||
        (rc = bt_check_buffer(call, comm, outbuf, outcount, datatype, "", &dt)))
        return rc;
    if (insize < 0)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "insize is %lld, must be non-negative",
                           (long long)insize);
    if (*position < 0 || *position > insize)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "position is %lld, must be between 0 and "
                           "insize (%lld)", (long long)*position, (long long)insize);
    bytes = outcount * dt->size;
    if (bytes > insize - *position)
        return bt_err_comm(comm, MPI_ERR_TRUNCATE, call, "unpacking %lld bytes at position %lld "
                           "reads past insize (%lld)", (long long)bytes, (long long)*position,
                           (long long)insize);
    if (bytes > 0 && !inbuf)
        return bt_err_comm(comm, MPI_ERR_BUFFER, call, "inbuf is NULL");
    bt_datatype_unpack(dt, outcount, (const char *)inbuf + *position, bytes, outbuf);
    *position += bytes;
    return MPI_SUCCESS;
}

int PMPI_Unpack(const void *inbuf, int insize, int *position, void *outbuf, int outcount,
                MPI_Datatype datatype, MPI_Comm comm)
{
    MPI_Count pos;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Unpack");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Unpack", "position is NULL");
    pos = *position;
    rc = bt_dt_unpack("MPI_Unpack", inbuf, insize, &pos, outbuf, outcount, datatype, comm);
    if (rc == MPI_SUCCESS)
        *position = (int)pos;
    return rc;
}

int PMPI_Unpack_c(const void *inbuf, MPI_Count insize, MPI_Count *position, void *outbuf,
                  MPI_Count outcount, MPI_Datatype datatype, MPI_Comm comm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Unpack_c");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Unpack_c", "position is NULL");
    return bt_dt_unpack("MPI_Unpack_c", inbuf, insize, position, outbuf, outcount, datatype, comm);
}

static int bt_dt_pack_size(const char *call, MPI_Count incount, MPI_Datatype datatype,
                           MPI_Comm h, MPI_Count *size_p)
{
    bt_comm_t *comm;
    bt_datatype_t *dt = NULL;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)))
        return rc;
    if (incount < 0)
        return bt_err_comm(comm, MPI_ERR_COUNT, call, "incount is %lld, must be non-negative",
                           (long long)incount);
    if (!(dt = bt_datatype_get(datatype)))
        return bt_err_comm(comm, MPI_ERR_TYPE, call, "invalid datatype%s",
                           datatype == MPI_DATATYPE_NULL ? " (MPI_DATATYPE_NULL)" : "");
    if (!size_p)
        return bt_err_comm(comm, MPI_ERR_ARG, call, "size is NULL");
    if (dt->size > 0 && incount > INT64_MAX / dt->size)
        return bt_err_comm(comm, MPI_ERR_VALUE_TOO_LARGE, call, "%lld elements of %lld bytes "
                           "overflow MPI_Count", (long long)incount, (long long)dt->size);
    *size_p = incount * dt->size;
    return MPI_SUCCESS;
}

int PMPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int *size)
{
    static const char call[] = "MPI_Pack_size";
    MPI_Count bytes;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_pack_size(call, incount, datatype, comm, &bytes)))
        return rc;
    if (bytes > INT_MAX)
        return bt_err_comm(bt_comm_get(comm), MPI_ERR_VALUE_TOO_LARGE, call, "the packed size "
                           "(%lld bytes) does not fit in an int; use MPI_Pack_size_c",
                           (long long)bytes);
    *size = (int)bytes;
    return MPI_SUCCESS;
}

int PMPI_Pack_size_c(MPI_Count incount, MPI_Datatype datatype, MPI_Comm comm, MPI_Count *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_size_c");
    return bt_dt_pack_size("MPI_Pack_size_c", incount, datatype, comm, size);
}

/* ---- external32 ---- */

static int bt_dt_check_datarep(const char *call, const char *datarep)
{
    if (!datarep)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "datarep is NULL");
    if (strcmp(datarep, "external32") != 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "datarep is \"%.64s\"; only \"external32\" "
                           "is supported", datarep);
    return MPI_SUCCESS;
}

static int bt_dt_pack_external(const char *call, const char *datarep, const void *inbuf,
                               MPI_Count incount, MPI_Datatype datatype, void *outbuf,
                               MPI_Count outsize, MPI_Count *position)
{
    bt_datatype_t *dt = NULL;
    MPI_Count bytes;
    int rc;

    if ((rc = bt_dt_check_datarep(call, datarep)) ||
        (rc = bt_check_buffer(call, NULL, inbuf, incount, datatype, "", &dt)) ||
        (rc = bt_dt_check_ptr(call, position, "position")))
        return rc;
    if (outsize < 0 || *position < 0 || *position > outsize)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "position is %lld and outsize %lld: need "
                           "0 <= position <= outsize", (long long)*position, (long long)outsize);
    bytes = incount * bt_datatype_external32_size(dt);
    if (bytes > outsize - *position)
        return bt_err_comm(NULL, MPI_ERR_TRUNCATE, call, "packing %lld bytes at position %lld "
                           "overflows outsize (%lld)", (long long)bytes, (long long)*position,
                           (long long)outsize);
    if (bytes > 0 && !outbuf)
        return bt_err_comm(NULL, MPI_ERR_BUFFER, call, "outbuf is NULL");
    bt_datatype_pack_external32(dt, incount, inbuf, (char *)outbuf + *position);
    *position += bytes;
    return MPI_SUCCESS;
}

int PMPI_Pack_external(const char datarep[], const void *inbuf, int incount, MPI_Datatype datatype,
                       void *outbuf, MPI_Aint outsize, MPI_Aint *position)
{
    MPI_Count pos;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_external");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Pack_external", "position is NULL");
    pos = *position;
    rc = bt_dt_pack_external("MPI_Pack_external", datarep, inbuf, incount, datatype, outbuf,
                             outsize, &pos);
    if (rc == MPI_SUCCESS)
        *position = (MPI_Aint)pos;
    return rc;
}

int PMPI_Pack_external_c(const char datarep[], const void *inbuf, MPI_Count incount,
                         MPI_Datatype datatype, void *outbuf, MPI_Count outsize,
                         MPI_Count *position)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_external_c");
    return bt_dt_pack_external("MPI_Pack_external_c", datarep, inbuf, incount, datatype, outbuf,
                               outsize, position);
}

static int bt_dt_unpack_external(const char *call, const char *datarep, const void *inbuf,
                                 MPI_Count insize, MPI_Count *position, void *outbuf,
                                 MPI_Count outcount, MPI_Datatype datatype)
{
    bt_datatype_t *dt = NULL;
    MPI_Count bytes;
    int rc;

    if ((rc = bt_dt_check_datarep(call, datarep)) ||
        (rc = bt_check_buffer(call, NULL, outbuf, outcount, datatype, "", &dt)) ||
        (rc = bt_dt_check_ptr(call, position, "position")))
        return rc;
    if (insize < 0 || *position < 0 || *position > insize)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "position is %lld and insize %lld: need "
                           "0 <= position <= insize", (long long)*position, (long long)insize);
    bytes = outcount * bt_datatype_external32_size(dt);
    if (bytes > insize - *position)
        return bt_err_comm(NULL, MPI_ERR_TRUNCATE, call, "unpacking %lld bytes at position "
                           "%lld reads past insize (%lld)", (long long)bytes,
                           (long long)*position, (long long)insize);
    if (bytes > 0 && !inbuf)
        return bt_err_comm(NULL, MPI_ERR_BUFFER, call, "inbuf is NULL");
    bt_datatype_unpack_external32(dt, outcount, (const char *)inbuf + *position, outbuf);
    *position += bytes;
    return MPI_SUCCESS;
}

int PMPI_Unpack_external(const char datarep[], const void *inbuf, MPI_Aint insize,
                         MPI_Aint *position, void *outbuf, int outcount, MPI_Datatype datatype)
{
    MPI_Count pos;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Unpack_external");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Unpack_external", "position is NULL");
    pos = *position;
    rc = bt_dt_unpack_external("MPI_Unpack_external", datarep, inbuf, insize, &pos, outbuf,
                               outcount, datatype);
    if (rc == MPI_SUCCESS)
        *position = (MPI_Aint)pos;
    return rc;
}

int PMPI_Unpack_external_c(const char datarep[], const void *inbuf, MPI_Count insize,
                           MPI_Count *position, void *outbuf, MPI_Count outcount,
                           MPI_Datatype datatype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Unpack_external_c");
    return bt_dt_unpack_external("MPI_Unpack_external_c", datarep, inbuf, insize, position,
                                 outbuf, outcount, datatype);
}

static int bt_dt_pack_external_size(const char *call, const char *datarep, MPI_Count incount,
                                    MPI_Datatype datatype, MPI_Count *size)
{
    bt_datatype_t *dt = NULL;
    int rc;

    if ((rc = bt_dt_check_datarep(call, datarep)) ||
        (rc = bt_dt_check_count(call, incount, "incount")) ||
        (rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, size, "size")))
        return rc;
    *size = incount * bt_datatype_external32_size(dt);
    return MPI_SUCCESS;
}

int PMPI_Pack_external_size(const char datarep[], int incount, MPI_Datatype datatype,
                            MPI_Aint *size)
{
    MPI_Count sz;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_external_size");
    rc = bt_dt_pack_external_size("MPI_Pack_external_size", datarep, incount, datatype, &sz);
    if (rc == MPI_SUCCESS)
        *size = (MPI_Aint)sz;
    return rc;
}

int PMPI_Pack_external_size_c(const char datarep[], MPI_Count incount, MPI_Datatype datatype,
                              MPI_Count *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_external_size_c");
    return bt_dt_pack_external_size("MPI_Pack_external_size_c", datarep, incount, datatype, size);
}

/* ---- addresses ---- */

int PMPI_Get_address(const void *location, MPI_Aint *address)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Get_address");
    if (!address)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Get_address", "address is NULL");
    *address = (MPI_Aint)(uintptr_t)location;
    return MPI_SUCCESS;
}

/* Pure arithmetic with no error to report (the result is the return value), so
 * neither takes the lock nor checks initialization. Addresses wrap like the
 * unsigned machine addresses they are, instead of overflowing a signed type. */
MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp)
{
    return (MPI_Aint)((uintptr_t)base + (uintptr_t)disp);
}

MPI_Aint PMPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2)
{
    return (MPI_Aint)((uintptr_t)addr1 - (uintptr_t)addr2);
}
