/* Derived datatype constructors.
 *
 * Every constructor places copies of existing types at byte displacements; a
 * builder appends their runs in type-map order (merging neighbours) and follows
 * the bounds. Bounds follow the standard's marker rules: a type made by
 * MPI_Type_create_resized carries sticky lb/ub markers, and once any copy carries
 * them the new bounds are the extreme markers, whatever the data does. Otherwise
 * the bounds span the copies' own [lb, ub), and a struct pads its extent to the
 * largest alignment of the predefined types inside (the standard's epsilon). */
#include "datatype/dt_impl.h"

#include <string.h>

typedef struct bt_dt_build {
    bt_datatype_t *dt;
    bt_dt_priv_t  *pv;
    size_t         cap;           /* of pv->runs */
    int            have_data, have_sticky;
    MPI_Aint       lb, ub;        /* over copies without markers */
    MPI_Aint       slb, sub;      /* over copies with markers */
    int            align;
    int            status;
} bt_dt_build_t;

static void bt_dt_build_begin(bt_dt_build_t *b, int basic_hint)
{
    memset(b, 0, sizeof(*b));
    b->dt = bt_dt_alloc();
    b->pv = bt_dt_priv(b->dt);
    b->dt->basic = (int16_t)basic_hint;
    b->align = 1;
    b->status = MPI_SUCCESS;
}

static inline MPI_Aint bt_dt_idx_extent(int idx)
{
    return bt_datatype_predefined(idx)->extent;
}

static void bt_dt_build_push_run(bt_dt_build_t *b, MPI_Aint disp, MPI_Count n, int idx)
{
    bt_dt_priv_t *pv = b->pv;

    if (n == 0)
        return;
    if (pv->nruns) {
        bt_dt_run_t *last = &pv->runs[pv->nruns - 1];
        if (last->idx == idx && last->disp + (MPI_Aint)last->n * bt_dt_idx_extent(idx) == disp) {
            last->n += n;
            return;
        }
    }
    if (pv->nruns == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 4;
        pv->runs = bt_realloc(pv->runs, b->cap * sizeof(*pv->runs));
    }
    pv->runs[pv->nruns].disp = disp;
    pv->runs[pv->nruns].n = n;
    pv->runs[pv->nruns].idx = idx;
    pv->nruns++;
}

/* Places n copies of old at disp, disp + stride, ... */
static void bt_dt_build_add(bt_dt_build_t *b, const bt_datatype_t *old, MPI_Aint disp, MPI_Count n,
                            MPI_Aint stride)
{
    const bt_dt_priv_t *opv = bt_dt_priv(old);
    MPI_Aint span, last, lo, hi, olb, oub, tlb, tub;

    /* No copies: no entries and no markers, wherever they would have been. */
    if (n <= 0 || b->status != MPI_SUCCESS)
        return;
    /* The bounds and the data (which a resized type may hold outside its
     * bounds) of the first and last copy must be addresses. */
    if (__builtin_mul_overflow((MPI_Aint)(n - 1), stride, &span) ||
        __builtin_add_overflow(disp, span, &last) ||
        __builtin_add_overflow(BT_MIN(disp, last), old->lb, &olb) ||
        __builtin_add_overflow(BT_MAX(disp, last), old->lb, &oub) ||
        __builtin_add_overflow(oub, old->extent, &oub) ||
        __builtin_add_overflow(BT_MIN(disp, last), old->true_lb, &tlb) ||
        __builtin_add_overflow(BT_MAX(disp, last), old->true_lb, &tub) ||
        __builtin_add_overflow(tub, old->true_extent, &tub)) {
        b->status = MPI_ERR_ARG;   /* displacements beyond the address space */
        return;
    }
    lo = olb;
    hi = oub;
    if (opv->sticky) {
        b->slb = b->have_sticky ? BT_MIN(b->slb, lo) : lo;
        b->sub = b->have_sticky ? BT_MAX(b->sub, hi) : hi;
        b->have_sticky = 1;
    } else if (old->size > 0) {
        b->lb = b->have_data ? BT_MIN(b->lb, lo) : lo;
        b->ub = b->have_data ? BT_MAX(b->ub, hi) : hi;
        b->have_data = 1;
    }
    if (old->size == 0)
        return;   /* an empty type map adds no entries */
    b->align = BT_MAX(b->align, opv->align);

    /* One run that exactly tiles the stride: all n copies are a single longer run. */
    if (opv->nruns == 1 && (MPI_Aint)opv->runs[0].n * bt_dt_idx_extent(opv->runs[0].idx) == stride) {
        bt_dt_build_push_run(b, disp + opv->runs[0].disp, opv->runs[0].n * n, opv->runs[0].idx);
        return;
    }
    for (MPI_Count k = 0; k < n; k++)
        for (size_t r = 0; r < opv->nruns; r++)
            bt_dt_build_push_run(b, disp + (MPI_Aint)k * stride + opv->runs[r].disp,
                                 opv->runs[r].n, opv->runs[r].idx);
}

static int bt_dt_build_end(bt_dt_build_t *b, int is_struct, bt_datatype_t **newtype_p)
{
    bt_datatype_t *dt = b->dt;
    bt_dt_priv_t *pv = b->pv;
    MPI_Aint lb = 0, ub = 0;

    if (b->status != MPI_SUCCESS) {
        bt_datatype_release(dt);
        return b->status;
    }
    if (b->have_sticky) {
        lb = b->slb;
        ub = b->sub;
    } else if (b->have_data) {
        lb = b->lb;
        ub = b->ub;
        if (is_struct && b->align > 1) {
            MPI_Aint rem = (ub - lb) % b->align;
            if (rem)
                ub += b->align - rem;
        }
    }
    if (b->cap > pv->nruns && pv->nruns)
        pv->runs = bt_realloc(pv->runs, pv->nruns * sizeof(*pv->runs));
    dt->lb = lb;
    dt->extent = ub - lb;
    pv->sticky = (uint8_t)b->have_sticky;
    pv->align = b->align;
    bt_dt_finish(dt);
    *newtype_p = dt;
    return MPI_SUCCESS;
}

int bt_datatype_create_contiguous(MPI_Count count, bt_datatype_t *old, bt_datatype_t **newtype_p)
{
    bt_dt_build_t b;
    bt_dt_build_begin(&b, old->basic);
    bt_dt_build_add(&b, old, 0, count, old->extent);
    return bt_dt_build_end(&b, 0, newtype_p);
}

int bt_datatype_create_hvector(MPI_Count count, MPI_Count blocklen, MPI_Aint stride,
                               bt_datatype_t *old, bt_datatype_t **newtype_p)
{
    bt_dt_build_t b;
    MPI_Aint blockspan;
    MPI_Count total;

    bt_dt_build_begin(&b, old->basic);
    if (count == 0 || blocklen == 0) {
        /* No entries: nothing to place, however far the stride reaches. */
    } else if (__builtin_mul_overflow(count, blocklen, &total) ||
               __builtin_mul_overflow((MPI_Aint)blocklen, old->extent, &blockspan)) {
        b.status = MPI_ERR_ARG;
    } else if (stride == blockspan) {
        bt_dt_build_add(&b, old, 0, total, old->extent);   /* blocks touch: contiguous */
    } else {
        for (MPI_Count i = 0; i < count && b.status == MPI_SUCCESS; i++) {
            MPI_Aint at;
            if (__builtin_mul_overflow((MPI_Aint)i, stride, &at))
                b.status = MPI_ERR_ARG;
            else
                bt_dt_build_add(&b, old, at, blocklen, old->extent);
        }
    }
    return bt_dt_build_end(&b, 0, newtype_p);
}

int bt_datatype_create_hindexed(MPI_Count count, const MPI_Count blocklens[],
                                const MPI_Aint disps[], bt_datatype_t *old,
                                bt_datatype_t **newtype_p)
{
    bt_dt_build_t b;
    bt_dt_build_begin(&b, old->basic);
    for (MPI_Count i = 0; i < count; i++)
        bt_dt_build_add(&b, old, disps[i], blocklens[i], old->extent);
    return bt_dt_build_end(&b, 0, newtype_p);
}

int bt_datatype_create_hindexed_block(MPI_Count count, MPI_Count blocklen, const MPI_Aint disps[],
                                      bt_datatype_t *old, bt_datatype_t **newtype_p)
{
    bt_dt_build_t b;
    bt_dt_build_begin(&b, old->basic);
    for (MPI_Count i = 0; i < count; i++)
        bt_dt_build_add(&b, old, disps[i], blocklen, old->extent);
    return bt_dt_build_end(&b, 0, newtype_p);
}

int bt_datatype_create_struct(MPI_Count count, const MPI_Count blocklens[], const MPI_Aint disps[],
                              bt_datatype_t *const types[], bt_datatype_t **newtype_p)
{
    bt_dt_build_t b;
    int hint = -1;

    /* Zero elements of a struct of one type still reduce like that type. */
    for (MPI_Count i = 0; i < count; i++) {
        if (i == 0)
            hint = types[i]->basic;
        else if (types[i]->basic != hint)
            hint = -1;
    }
    bt_dt_build_begin(&b, hint);
    for (MPI_Count i = 0; i < count; i++)
        bt_dt_build_add(&b, types[i], disps[i], blocklens[i], types[i]->extent);
    return bt_dt_build_end(&b, 1, newtype_p);
}

/* Same type map as old, new bounds and marker state. */
static bt_datatype_t *bt_dt_copy_map(const bt_datatype_t *old)
{
    bt_datatype_t *dt = bt_dt_alloc();
    bt_dt_priv_t *pv = bt_dt_priv(dt);
    const bt_dt_priv_t *opv = bt_dt_priv(old);

    pv->nruns = opv->nruns;
    if (opv->nruns) {
        pv->runs = bt_malloc(opv->nruns * sizeof(*pv->runs));
        memcpy(pv->runs, opv->runs, opv->nruns * sizeof(*pv->runs));
    }
    pv->align = opv->align;
    pv->sticky = opv->sticky;
    dt->basic = old->basic;
    dt->lb = old->lb;
    dt->extent = old->extent;
    return dt;
}

int bt_datatype_create_resized(bt_datatype_t *old, MPI_Aint lb, MPI_Aint extent,
                               bt_datatype_t **newtype_p)
{
    bt_datatype_t *dt;
    MPI_Aint ub;

    /* Any lb and extent, as long as the upper bound is an address too. */
    if (__builtin_add_overflow(lb, extent, &ub))
        return MPI_ERR_ARG;
    dt = bt_dt_copy_map(old);
    dt->lb = lb;
    dt->extent = extent;
    bt_dt_priv(dt)->sticky = 1;
    bt_dt_finish(dt);
    *newtype_p = dt;
    return MPI_SUCCESS;
}

int bt_datatype_dup(bt_datatype_t *old, bt_datatype_t **newtype_p)
{
    bt_datatype_t *dt = bt_dt_copy_map(old);
    bt_dt_finish(dt);
    dt->committed = old->committed;
    *newtype_p = dt;
    return MPI_SUCCESS;
}

/* One dimension of an array type: the index ranges this process holds. */
typedef struct bt_dt_dim {
    MPI_Count  gsize;
    MPI_Count  nseg;
    MPI_Count *start, *len;
} bt_dt_dim_t;

/* The array types (subarray, darray): my elements of a global array of old,
 * ordered with dims[0] varying fastest. Each level is an hindexed of the level
 * below, resized to span a whole row so that the next level can step by rows;
 * the result spans the whole global array from lb 0. */
static int bt_dt_create_grid(int ndims, const bt_dt_dim_t dims[], bt_datatype_t *old,
                             bt_datatype_t **newtype_p)
{
    bt_datatype_t *t = old, *next, *resized;
    MPI_Aint stride = old->extent, span;
    int status = MPI_SUCCESS;

    bt_datatype_retain(old);
    for (int d = 0; d < ndims; d++) {
        MPI_Aint *disps = bt_malloc((size_t)BT_MAX(dims[d].nseg, 1) * sizeof(MPI_Aint));
        for (MPI_Count s = 0; s < dims[d].nseg; s++)
            disps[s] = (MPI_Aint)dims[d].start[s] * stride;
        status = bt_datatype_create_hindexed(dims[d].nseg, dims[d].len, disps, t, &next);
        free(disps);
        if (status != MPI_SUCCESS)
            goto err_release_t;
        if (__builtin_mul_overflow(stride, (MPI_Aint)dims[d].gsize, &span)) {
            status = MPI_ERR_ARG;
            bt_datatype_release(next);
            goto err_release_t;
        }
        status = bt_datatype_create_resized(next, 0, span, &resized);
        bt_datatype_release(next);
        if (status != MPI_SUCCESS)
            goto err_release_t;
        bt_datatype_release(t);
        t = resized;
        stride = span;
    }
    if (ndims == 0) {
        /* MPI allows no dimensions: one element of old. */
        status = bt_datatype_create_resized(t, 0, old->extent, &resized);
        bt_datatype_release(t);
        if (status != MPI_SUCCESS)
            return status;
        t = resized;
    }
    *newtype_p = t;
    return MPI_SUCCESS;

err_release_t:
    bt_datatype_release(t);
    return status;
}

int bt_datatype_create_subarray(int ndims, const MPI_Count sizes[], const MPI_Count subsizes[],
                                const MPI_Count starts[], int order, bt_datatype_t *old,
                                bt_datatype_t **newtype_p)
{
    bt_dt_dim_t *dims = bt_calloc((size_t)BT_MAX(ndims, 1), sizeof(*dims));
    int status;

    for (int i = 0; i < ndims; i++) {
        /* C order: the last dimension varies fastest. */
        int src = order == MPI_ORDER_C ? ndims - 1 - i : i;
        dims[i].gsize = sizes[src];
        dims[i].nseg = 1;
        dims[i].start = (MPI_Count *)&starts[src];
        dims[i].len = (MPI_Count *)&subsizes[src];
    }
    status = bt_dt_create_grid(ndims, dims, old, newtype_p);
    free(dims);
    return status;
}

int bt_datatype_create_darray(int size, int rank, int ndims, const MPI_Count gsizes[],
                              const int distribs[], const int dargs[], const int psizes[],
                              int order, bt_datatype_t *old, bt_datatype_t **newtype_p)
{
    bt_dt_dim_t *dims = bt_calloc((size_t)BT_MAX(ndims, 1), sizeof(*dims));
    int *coords = bt_calloc((size_t)BT_MAX(ndims, 1), sizeof(int));
    int status = MPI_SUCCESS;

    /* The process grid is row-major whatever the array order. */
    for (int i = ndims - 1, r = rank; i >= 0; i--) {
        coords[i] = r % psizes[i];
        r /= psizes[i];
    }
    for (int i = 0; i < ndims; i++) {
        int src = order == MPI_ORDER_C ? ndims - 1 - i : i;
        MPI_Count g = gsizes[src], p = psizes[src], c = coords[src];
        bt_dt_dim_t *dim = &dims[i];

        dim->gsize = g;
        if (distribs[src] == MPI_DISTRIBUTE_NONE) {
            dim->start = bt_malloc(sizeof(MPI_Count));
            dim->len = bt_malloc(sizeof(MPI_Count));
            dim->start[0] = 0;
            dim->len[0] = g;
            dim->nseg = 1;
        } else if (distribs[src] == MPI_DISTRIBUTE_BLOCK) {
            MPI_Count blk = dargs[src] == MPI_DISTRIBUTE_DFLT_DARG ? (g + p - 1) / p : dargs[src];
            MPI_Count st = c * blk, ln = BT_MAX(0, BT_MIN(blk, g - st));
            if (blk * p < g) {
                status = MPI_ERR_ARG;
                goto out;
            }
            dim->start = bt_malloc(sizeof(MPI_Count));
            dim->len = bt_malloc(sizeof(MPI_Count));
            dim->start[0] = ln ? st : 0;
            dim->len[0] = ln;
            dim->nseg = 1;
        } else {
            MPI_Count blk = dargs[src] == MPI_DISTRIBUTE_DFLT_DARG ? 1 : dargs[src];
            MPI_Count step = blk * p, n = 0;
            for (MPI_Count st = c * blk; st < g; st += step)
                n++;
            dim->start = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(MPI_Count));
            dim->len = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(MPI_Count));
            n = 0;
            for (MPI_Count st = c * blk; st < g; st += step) {
                dim->start[n] = st;
                dim->len[n] = BT_MIN(blk, g - st);
                n++;
            }
            dim->nseg = n;
        }
    }
    status = bt_dt_create_grid(ndims, dims, old, newtype_p);

out:
    for (int i = 0; i < ndims; i++) {
        free(dims[i].start);
        free(dims[i].len);
    }
    free(coords);
    free(dims);
    return status;
}
