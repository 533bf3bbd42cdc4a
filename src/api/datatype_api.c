/* MPI_Type_*, MPI_Pack*, MPI_Get_address, MPI_Aint_*: argument checks, then one
 * call into datatype/. Datatype calls act on no communicator, so their errors go
 * to MPI_COMM_SELF's handler (MPI-4.1 9.3). */
#include "api/bt_api.h"
#include "datatype/bt_datatype.h"

#include <limits.h>
#include <string.h>

/* Not (yet) declared by mpi.h; declared here so that they are exported. */
#pragma GCC visibility push(default)
#define BT_DT_DECL(ret, name, params) ret MPI_##name params; ret PMPI_##name params;
BT_DT_DECL(int, Type_get_envelope, (MPI_Datatype datatype, int *num_integers,
                                    int *num_addresses, int *num_datatypes, int *combiner))
BT_DT_DECL(int, Type_get_contents, (MPI_Datatype datatype, int max_integers,
                                    int max_addresses, int max_datatypes,
                                    int array_of_integers[], MPI_Aint array_of_addresses[],
                                    MPI_Datatype array_of_datatypes[]))
BT_DT_DECL(int, Type_create_darray, (int size, int rank, int ndims, const int array_of_gsizes[],
                                     const int array_of_distribs[], const int array_of_dargs[],
                                     const int array_of_psizes[], int order,
                                     MPI_Datatype oldtype, MPI_Datatype *newtype))
BT_DT_DECL(int, Type_get_true_extent_c, (MPI_Datatype datatype, MPI_Count *true_lb,
                                         MPI_Count *true_extent))
BT_DT_DECL(int, Type_get_extent_c, (MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent))
BT_DT_DECL(int, Type_size_c, (MPI_Datatype datatype, MPI_Count *size))
BT_DT_DECL(int, Type_contiguous_c, (MPI_Count count, MPI_Datatype oldtype,
                                    MPI_Datatype *newtype))
BT_DT_DECL(int, Pack_c, (const void *inbuf, MPI_Count incount, MPI_Datatype datatype,
                         void *outbuf, MPI_Count outsize, MPI_Count *position, MPI_Comm comm))
BT_DT_DECL(int, Unpack_c, (const void *inbuf, MPI_Count insize, MPI_Count *position,
                           void *outbuf, MPI_Count outcount, MPI_Datatype datatype,
                           MPI_Comm comm))
BT_DT_DECL(int, Pack_size_c, (MPI_Count incount, MPI_Datatype datatype, MPI_Comm comm,
                              MPI_Count *size))
#undef BT_DT_DECL
#pragma GCC visibility pop

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

/* Blocklengths: MPI_ERR_ARG for a negative one, naming its index. */
static int bt_dt_check_blocklens(const char *call, int count, const int blocklens[])
{
    for (int i = 0; i < count; i++)
        if (bt_unlikely(blocklens[i] < 0))
            return bt_err_comm(NULL, MPI_ERR_ARG, call,
                               "array_of_blocklengths[%d] is %d, must be non-negative", i,
                               blocklens[i]);
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

/* ---- constructors ---- */

int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_contiguous";
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    rc = bt_datatype_create_contiguous(count, old, &dt);
    if (rc == MPI_SUCCESS)
        bt_datatype_set_contents(dt, MPI_COMBINER_CONTIGUOUS, 1, &count, 0, NULL, 0, NULL, 1, &old);
    return bt_dt_created(call, rc, dt, newtype);
}
BT_ALIAS(MPI_Type_contiguous);

int PMPI_Type_contiguous_c(MPI_Count count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_contiguous_c";
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    rc = bt_datatype_create_contiguous(count, old, &dt);
    if (rc == MPI_SUCCESS && count <= INT_MAX) {
        /* Fits the int envelope: describe it as MPI_Type_contiguous would. */
        int icount = (int)count;
        bt_datatype_set_contents(dt, MPI_COMBINER_CONTIGUOUS, 1, &icount, 0, NULL, 0, NULL, 1, &old);
    } else if (rc == MPI_SUCCESS) {
        bt_datatype_set_contents(dt, MPI_COMBINER_CONTIGUOUS, 0, NULL, 0, NULL, 1, &count, 1, &old);
    }
    return bt_dt_created(call, rc, dt, newtype);
}
BT_ALIAS(MPI_Type_contiguous_c);

int PMPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                     MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_vector";
    bt_datatype_t *old = NULL, *dt = NULL;
    MPI_Aint bytes;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    if (blocklength < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "blocklength is %d, must be non-negative",
                           blocklength);
    if (__builtin_mul_overflow((MPI_Aint)stride, old->extent, &bytes))
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "stride %d times the extent of oldtype "
                           "does not fit in an address", stride);
    rc = bt_datatype_create_hvector(count, blocklength, bytes, old, &dt);
    if (rc == MPI_SUCCESS) {
        int ints[3] = {count, blocklength, stride};
        bt_datatype_set_contents(dt, MPI_COMBINER_VECTOR, 3, ints, 0, NULL, 0, NULL, 1, &old);
    }
    return bt_dt_created(call, rc, dt, newtype);
}
BT_ALIAS(MPI_Type_vector);

int PMPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                             MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_create_hvector";
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    if (blocklength < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "blocklength is %d, must be non-negative",
                           blocklength);
    rc = bt_datatype_create_hvector(count, blocklength, stride, old, &dt);
    if (rc == MPI_SUCCESS) {
        int ints[2] = {count, blocklength};
        bt_datatype_set_contents(dt, MPI_COMBINER_HVECTOR, 2, ints, 1, &stride, 0, NULL, 1, &old);
    }
    return bt_dt_created(call, rc, dt, newtype);
}
BT_ALIAS(MPI_Type_create_hvector);

/* The indexed family: ints as the user gave them, displacements in bytes. */
static int bt_dt_indexed_common(const char *call, int count, const int blocklens[],
                                int blocklen, const int idisps[], const MPI_Aint adisps[],
                                MPI_Datatype oldtype, MPI_Datatype *newtype, int combiner)
{
    /* INDEXED and HINDEXED have a length per block, the _BLOCK variants one for all;
     * HINDEXED* take displacements in bytes (adisps), the others in extents. */
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
    if (count > 0 &&
        ((rc = bt_dt_check_ptr(call, adisps ? (const void *)adisps : (const void *)idisps,
                               "array_of_displacements")) ||
         (per_block && (rc = bt_dt_check_ptr(call, blocklens, "array_of_blocklengths")))))
        return rc;
    if (per_block && (rc = bt_dt_check_blocklens(call, count, blocklens)))
        return rc;
    if (!per_block && blocklen < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "blocklength is %d, must be non-negative",
                           blocklen);

    lens = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*lens));
    bytes = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*bytes));
    for (int i = 0; i < count; i++) {
        lens[i] = per_block ? blocklens[i] : blocklen;
        if (in_bytes) {
            bytes[i] = adisps[i];
        } else if (__builtin_mul_overflow((MPI_Aint)idisps[i], old->extent, &bytes[i])) {
            rc = bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_displacements[%d] times the "
                             "extent of oldtype does not fit in an address", i);
            goto out_free;
        }
    }
    rc = bt_datatype_create_hindexed(count, lens, bytes, old, &dt);
    if (rc == MPI_SUCCESS) {
        /* Envelope integers: count, then blocklengths (or the one blocklength), then
         * integer displacements. */
        int ni = 1 + (per_block ? count : 1) + (in_bytes ? 0 : count);
        int *ints = bt_malloc((size_t)ni * sizeof(int)), k = 0;
        ints[k++] = count;
        if (per_block) {
            if (count)
                memcpy(&ints[k], blocklens, (size_t)count * sizeof(int));
            k += count;
        } else {
            ints[k++] = blocklen;
        }
        if (!in_bytes && count)
            memcpy(&ints[k], idisps, (size_t)count * sizeof(int));
        bt_datatype_set_contents(dt, combiner, ni, ints, in_bytes ? count : 0, adisps, 0, NULL, 1,
                                 &old);
        free(ints);
    }
    rc = bt_dt_created(call, rc, dt, newtype);

out_free:
    free(bytes);
    free(lens);
    return rc;
}

int PMPI_Type_indexed(int count, const int array_of_blocklengths[],
                      const int array_of_displacements[], MPI_Datatype oldtype,
                      MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_indexed");
    return bt_dt_indexed_common("MPI_Type_indexed", count, array_of_blocklengths, 0,
                                array_of_displacements, NULL, oldtype, newtype,
                                MPI_COMBINER_INDEXED);
}
BT_ALIAS(MPI_Type_indexed);

int PMPI_Type_create_hindexed(int count, const int array_of_blocklengths[],
                              const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hindexed");
    return bt_dt_indexed_common("MPI_Type_create_hindexed", count, array_of_blocklengths, 0,
                                NULL, array_of_displacements, oldtype, newtype,
                                MPI_COMBINER_HINDEXED);
}
BT_ALIAS(MPI_Type_create_hindexed);

int PMPI_Type_create_indexed_block(int count, int blocklength, const int array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_indexed_block");
    return bt_dt_indexed_common("MPI_Type_create_indexed_block", count, NULL, blocklength,
                                array_of_displacements, NULL, oldtype, newtype,
                                MPI_COMBINER_INDEXED_BLOCK);
}
BT_ALIAS(MPI_Type_create_indexed_block);

int PMPI_Type_create_hindexed_block(int count, int blocklength,
                                    const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                                    MPI_Datatype *newtype)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_create_hindexed_block");
    return bt_dt_indexed_common("MPI_Type_create_hindexed_block", count, NULL, blocklength, NULL,
                                array_of_displacements, oldtype, newtype,
                                MPI_COMBINER_HINDEXED_BLOCK);
}
BT_ALIAS(MPI_Type_create_hindexed_block);

int PMPI_Type_create_struct(int count, const int array_of_blocklengths[],
                            const MPI_Aint array_of_displacements[],
                            const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_create_struct";
    bt_datatype_t **types = NULL, *dt = NULL;
    MPI_Count *lens = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_count(call, count, "count")) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    if (count > 0 && ((rc = bt_dt_check_ptr(call, array_of_blocklengths, "array_of_blocklengths")) ||
                      (rc = bt_dt_check_ptr(call, array_of_displacements, "array_of_displacements")) ||
                      (rc = bt_dt_check_ptr(call, array_of_types, "array_of_types")) ||
                      (rc = bt_dt_check_blocklens(call, count, array_of_blocklengths))))
        return rc;

    types = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*types));
    lens = bt_malloc((size_t)BT_MAX(count, 1) * sizeof(*lens));
    for (int i = 0; i < count; i++) {
        types[i] = bt_datatype_get(array_of_types[i]);
        if (!types[i]) {
            rc = bt_err_comm(NULL, MPI_ERR_TYPE, call, "array_of_types[%d] is not a valid "
                             "datatype%s", i,
                             array_of_types[i] == MPI_DATATYPE_NULL ? " (MPI_DATATYPE_NULL)" : "");
            goto out_free;
        }
        lens[i] = array_of_blocklengths[i];
    }
    rc = bt_datatype_create_struct(count, lens, array_of_displacements, types, &dt);
    if (rc == MPI_SUCCESS) {
        int *ints = bt_malloc((size_t)(count + 1) * sizeof(int));
        ints[0] = count;
        if (count)
            memcpy(&ints[1], array_of_blocklengths, (size_t)count * sizeof(int));
        bt_datatype_set_contents(dt, MPI_COMBINER_STRUCT, count + 1, ints, count,
                                 array_of_displacements, 0, NULL, count, types);
        free(ints);
    }
    rc = bt_dt_created(call, rc, dt, newtype);

out_free:
    free(lens);
    free(types);
    return rc;
}
BT_ALIAS(MPI_Type_create_struct);

int PMPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                             MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_create_resized";
    bt_datatype_t *old = NULL, *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    rc = bt_datatype_create_resized(old, lb, extent, &dt);
    if (rc == MPI_SUCCESS) {
        MPI_Aint aints[2] = {lb, extent};
        bt_datatype_set_contents(dt, MPI_COMBINER_RESIZED, 0, NULL, 2, aints, 0, NULL, 1, &old);
    }
    return bt_dt_created(call, rc, dt, newtype);
}
BT_ALIAS(MPI_Type_create_resized);

static int bt_dt_check_order(const char *call, int order)
{
    if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN)
        return bt_err_comm(NULL, MPI_ERR_ARG, call,
                           "order is %d, must be MPI_ORDER_C or MPI_ORDER_FORTRAN", order);
    return MPI_SUCCESS;
}

int PMPI_Type_create_subarray(int ndims, const int array_of_sizes[], const int array_of_subsizes[],
                              const int array_of_starts[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_create_subarray";
    bt_datatype_t *old = NULL, *dt = NULL;
    MPI_Count *sizes = NULL, *subsizes, *starts;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (ndims < 1)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "ndims is %d, must be positive", ndims);
    if ((rc = bt_dt_check_ptr(call, array_of_sizes, "array_of_sizes")) ||
        (rc = bt_dt_check_ptr(call, array_of_subsizes, "array_of_subsizes")) ||
        (rc = bt_dt_check_ptr(call, array_of_starts, "array_of_starts")) ||
        (rc = bt_dt_check_order(call, order)) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    for (int i = 0; i < ndims; i++) {
        if (array_of_sizes[i] < 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_sizes[%d] is %d, must be "
                               "positive", i, array_of_sizes[i]);
        if (array_of_subsizes[i] < 0 || array_of_subsizes[i] > array_of_sizes[i])
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_subsizes[%d] is %d, must be "
                               "between 0 and array_of_sizes[%d] = %d", i,
                               array_of_subsizes[i], i, array_of_sizes[i]);
        if (array_of_starts[i] < 0 ||
            array_of_starts[i] > array_of_sizes[i] - array_of_subsizes[i])
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_starts[%d] is %d, must be "
                               "between 0 and %d (size - subsize)", i, array_of_starts[i],
                               array_of_sizes[i] - array_of_subsizes[i]);
    }

    sizes = bt_malloc(3 * (size_t)ndims * sizeof(MPI_Count));
    subsizes = sizes + ndims;
    starts = subsizes + ndims;
    for (int i = 0; i < ndims; i++) {
        sizes[i] = array_of_sizes[i];
        subsizes[i] = array_of_subsizes[i];
        starts[i] = array_of_starts[i];
    }
    rc = bt_datatype_create_subarray(ndims, sizes, subsizes, starts, order, old, &dt);
    if (rc == MPI_SUCCESS) {
        int ni = 3 * ndims + 2;
        int *ints = bt_malloc((size_t)ni * sizeof(int));
        ints[0] = ndims;
        memcpy(&ints[1], array_of_sizes, (size_t)ndims * sizeof(int));
        memcpy(&ints[1 + ndims], array_of_subsizes, (size_t)ndims * sizeof(int));
        memcpy(&ints[1 + 2 * ndims], array_of_starts, (size_t)ndims * sizeof(int));
        ints[1 + 3 * ndims] = order;
        bt_datatype_set_contents(dt, MPI_COMBINER_SUBARRAY, ni, ints, 0, NULL, 0, NULL, 1, &old);
        free(ints);
    } else {
        rc = bt_err_comm(NULL, rc, call, "the array is too large for an address (MPI_Aint)");
        goto out_free;
    }
    *newtype = dt->handle;

out_free:
    free(sizes);
    return rc;
}
BT_ALIAS(MPI_Type_create_subarray);

int PMPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[],
                            const int array_of_distribs[], const int array_of_dargs[],
                            const int array_of_psizes[], int order, MPI_Datatype oldtype,
                            MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_create_darray";
    bt_datatype_t *old = NULL, *dt = NULL;
    MPI_Count *gsizes = NULL;
    long long nprocs = 1;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if (size < 1)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "size is %d, must be positive", size);
    if (rank < 0 || rank >= size)
        return bt_err_comm(NULL, MPI_ERR_RANK, call, "rank is %d, must be between 0 and %d",
                           rank, size - 1);
    if (ndims < 1)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "ndims is %d, must be positive", ndims);
    if ((rc = bt_dt_check_ptr(call, array_of_gsizes, "array_of_gsizes")) ||
        (rc = bt_dt_check_ptr(call, array_of_distribs, "array_of_distribs")) ||
        (rc = bt_dt_check_ptr(call, array_of_dargs, "array_of_dargs")) ||
        (rc = bt_dt_check_ptr(call, array_of_psizes, "array_of_psizes")) ||
        (rc = bt_dt_check_order(call, order)) ||
        (rc = bt_dt_check_type(call, oldtype, "oldtype", &old)) ||
        (rc = bt_dt_check_ptr(call, newtype, "newtype")))
        return rc;
    for (int i = 0; i < ndims; i++) {
        int g = array_of_gsizes[i], p = array_of_psizes[i], d = array_of_distribs[i];
        int a = array_of_dargs[i];
        if (g < 1 || p < 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_gsizes[%d] is %d and "
                               "array_of_psizes[%d] is %d, both must be positive", i, g, i, p);
        if (d != MPI_DISTRIBUTE_NONE && d != MPI_DISTRIBUTE_BLOCK && d != MPI_DISTRIBUTE_CYCLIC)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_distribs[%d] is %d, not a "
                               "distribution", i, d);
        if (a != MPI_DISTRIBUTE_DFLT_DARG && a < 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_dargs[%d] is %d, must be "
                               "positive or MPI_DISTRIBUTE_DFLT_DARG", i, a);
        if (d == MPI_DISTRIBUTE_NONE && p != 1)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_psizes[%d] is %d, must be 1 "
                               "for MPI_DISTRIBUTE_NONE", i, p);
        if (d == MPI_DISTRIBUTE_BLOCK && a != MPI_DISTRIBUTE_DFLT_DARG && (long long)a * p < g)
            return bt_err_comm(NULL, MPI_ERR_ARG, call, "array_of_dargs[%d] is %d: %d blocks of "
                               "it do not cover array_of_gsizes[%d] = %d", i, a, p, i, g);
        nprocs *= p;
        if (nprocs > size)
            break;
    }
    if (nprocs != size)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "the product of array_of_psizes does not "
                           "equal size (%d)", size);

    gsizes = bt_malloc((size_t)ndims * sizeof(MPI_Count));
    for (int i = 0; i < ndims; i++)
        gsizes[i] = array_of_gsizes[i];
    rc = bt_datatype_create_darray(size, rank, ndims, gsizes, array_of_distribs, array_of_dargs,
                                   array_of_psizes, order, old, &dt);
    if (rc != MPI_SUCCESS) {
        rc = bt_err_comm(NULL, rc, call, "the array is too large for an address (MPI_Aint)");
        goto out_free;
    }
    {
        int ni = 4 * ndims + 4, *ints = bt_malloc((size_t)ni * sizeof(int));
        ints[0] = size;
        ints[1] = rank;
        ints[2] = ndims;
        memcpy(&ints[3], array_of_gsizes, (size_t)ndims * sizeof(int));
        memcpy(&ints[3 + ndims], array_of_distribs, (size_t)ndims * sizeof(int));
        memcpy(&ints[3 + 2 * ndims], array_of_dargs, (size_t)ndims * sizeof(int));
        memcpy(&ints[3 + 3 * ndims], array_of_psizes, (size_t)ndims * sizeof(int));
        ints[3 + 4 * ndims] = order;
        bt_datatype_set_contents(dt, MPI_COMBINER_DARRAY, ni, ints, 0, NULL, 0, NULL, 1, &old);
        free(ints);
    }
    *newtype = dt->handle;

out_free:
    free(gsizes);
    return rc;
}
BT_ALIAS(MPI_Type_create_darray);

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
    return bt_dt_created(call, rc, dt, newtype);
}
BT_ALIAS(MPI_Type_dup);

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
BT_ALIAS(MPI_Type_commit);

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
    if (dt->predefined)
        return bt_err_comm(NULL, MPI_ERR_TYPE, call, "%s is predefined and cannot be freed",
                           dt->name);
    /* Operations still using the type hold their own references. */
    bt_datatype_release(dt);
    *datatype = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}
BT_ALIAS(MPI_Type_free);

/* ---- queries ---- */

int PMPI_Type_size(MPI_Datatype datatype, int *size)
{
    static const char call[] = "MPI_Type_size";
    bt_datatype_t *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, size, "size")))
        return rc;
    *size = dt->size > INT_MAX ? MPI_UNDEFINED : (int)dt->size;
    return MPI_SUCCESS;
}
BT_ALIAS(MPI_Type_size);

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
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_size_x");
    return bt_dt_size_x("MPI_Type_size_x", datatype, size);
}
BT_ALIAS(MPI_Type_size_x);

int PMPI_Type_size_c(MPI_Datatype datatype, MPI_Count *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_size_c");
    return bt_dt_size_x("MPI_Type_size_c", datatype, size);
}
BT_ALIAS(MPI_Type_size_c);

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
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_extent");
    return bt_dt_bounds("MPI_Type_get_extent", datatype, 0, lb, extent);
}
BT_ALIAS(MPI_Type_get_extent);

int PMPI_Type_get_extent_x(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_extent_x");
    return bt_dt_bounds_x("MPI_Type_get_extent_x", datatype, 0, lb, extent);
}
BT_ALIAS(MPI_Type_get_extent_x);

int PMPI_Type_get_extent_c(MPI_Datatype datatype, MPI_Count *lb, MPI_Count *extent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_extent_c");
    return bt_dt_bounds_x("MPI_Type_get_extent_c", datatype, 0, lb, extent);
}
BT_ALIAS(MPI_Type_get_extent_c);

int PMPI_Type_get_true_extent(MPI_Datatype datatype, MPI_Aint *true_lb, MPI_Aint *true_extent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_true_extent");
    return bt_dt_bounds("MPI_Type_get_true_extent", datatype, 1, true_lb, true_extent);
}
BT_ALIAS(MPI_Type_get_true_extent);

int PMPI_Type_get_true_extent_x(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_true_extent_x");
    return bt_dt_bounds_x("MPI_Type_get_true_extent_x", datatype, 1, true_lb, true_extent);
}
BT_ALIAS(MPI_Type_get_true_extent_x);

int PMPI_Type_get_true_extent_c(MPI_Datatype datatype, MPI_Count *true_lb, MPI_Count *true_extent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Type_get_true_extent_c");
    return bt_dt_bounds_x("MPI_Type_get_true_extent_c", datatype, 1, true_lb, true_extent);
}
BT_ALIAS(MPI_Type_get_true_extent_c);

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
BT_ALIAS(MPI_Type_get_envelope);

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
BT_ALIAS(MPI_Type_get_contents);

int PMPI_Type_get_name(MPI_Datatype datatype, char *type_name, int *resultlen)
{
    static const char call[] = "MPI_Type_get_name";
    bt_datatype_t *dt = NULL;
    int rc;

    BT_API_LOCK();
    BT_CHECK_INIT(call);
    if ((rc = bt_dt_check_type(call, datatype, "datatype", &dt)) ||
        (rc = bt_dt_check_ptr(call, type_name, "type_name")) ||
        (rc = bt_dt_check_ptr(call, resultlen, "resultlen")))
        return rc;
    bt_strlcpy(type_name, dt->name, MPI_MAX_OBJECT_NAME);
    *resultlen = (int)strlen(type_name);
    return MPI_SUCCESS;
}
BT_ALIAS(MPI_Type_get_name);

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
BT_ALIAS(MPI_Type_set_name);

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
BT_ALIAS(MPI_Pack);

int PMPI_Pack_c(const void *inbuf, MPI_Count incount, MPI_Datatype datatype, void *outbuf,
                MPI_Count outsize, MPI_Count *position, MPI_Comm comm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_c");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Pack_c", "position is NULL");
    return bt_dt_pack("MPI_Pack_c", inbuf, incount, datatype, outbuf, outsize, position, comm);
}
BT_ALIAS(MPI_Pack_c);

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
BT_ALIAS(MPI_Unpack);

int PMPI_Unpack_c(const void *inbuf, MPI_Count insize, MPI_Count *position, void *outbuf,
                  MPI_Count outcount, MPI_Datatype datatype, MPI_Comm comm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Unpack_c");
    if (!position)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Unpack_c", "position is NULL");
    return bt_dt_unpack("MPI_Unpack_c", inbuf, insize, position, outbuf, outcount, datatype, comm);
}
BT_ALIAS(MPI_Unpack_c);

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
BT_ALIAS(MPI_Pack_size);

int PMPI_Pack_size_c(MPI_Count incount, MPI_Datatype datatype, MPI_Comm comm, MPI_Count *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Pack_size_c");
    return bt_dt_pack_size("MPI_Pack_size_c", incount, datatype, comm, size);
}
BT_ALIAS(MPI_Pack_size_c);

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
BT_ALIAS(MPI_Get_address);

/* Pure arithmetic with no error to report (the result is the return value), so
 * neither takes the lock nor checks initialization. Addresses wrap like the
 * unsigned machine addresses they are, instead of overflowing a signed type. */
MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp)
{
    return (MPI_Aint)((uintptr_t)base + (uintptr_t)disp);
}
BT_ALIAS(MPI_Aint_add);

MPI_Aint PMPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2)
{
    return (MPI_Aint)((uintptr_t)addr1 - (uintptr_t)addr2);
}
BT_ALIAS(MPI_Aint_diff);
