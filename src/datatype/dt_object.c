/* Datatype objects: allocation, reference counts, the block list built from the
 * runs, envelope and contents, element counting. */
#include "datatype/dt_impl.h"
#include "util/bt_fhandle.h"

#include <string.h>

bt_datatype_t *bt_dt_alloc(void)
{
    bt_datatype_t *dt = bt_calloc(1, sizeof(*dt));
    dt->constructor = bt_calloc(1, sizeof(bt_dt_priv_t));
    dt->magic = BT_DATATYPE_MAGIC;
    dt->refcount = 1;
    dt->basic = -1;
    dt->handle = (MPI_Datatype)dt;
    return dt;
}

void bt_datatype_retain(bt_datatype_t *dt)
{
    /* Predefined entries live forever; not touching them keeps the table's
     * cache lines shared between threads. */
    if (!dt->predefined)
        __atomic_fetch_add(&dt->refcount, 1, __ATOMIC_RELAXED);
}

void bt_datatype_release(bt_datatype_t *dt)
{
    if (dt->predefined || __atomic_sub_fetch(&dt->refcount, 1, __ATOMIC_ACQ_REL) > 0)
        return;

    bt_dt_priv_t *pv = bt_dt_priv(dt);
    dt->magic = 0;   /* stale handles are refused from now on */
    bt_fh_forget(BT_FH_DATATYPE, dt);
    for (int i = 0; i < pv->nd; i++)
        bt_datatype_release(pv->types[i]);
    free(pv->types);
    free(pv->ints);
    free(pv->aints);
    free(pv->counts);
    free(pv->runs);
    free(pv);
    free(dt->blocks);
    free(dt);
}

const bt_dt_run_t *bt_datatype_runs(const bt_datatype_t *dt, size_t *nruns_p)
{
    const bt_dt_priv_t *pv = bt_dt_priv(dt);
    *nruns_p = pv->nruns;
    return pv->runs;
}

typedef struct bt_dt_blist {
    bt_dt_block_t *v;
    size_t n, cap;
} bt_dt_blist_t;

static inline void bt_dt_blist_push(bt_dt_blist_t *bl, MPI_Aint disp, MPI_Aint len)
{
    if (len == 0)
        return;
    if (bl->n && bl->v[bl->n - 1].disp + bl->v[bl->n - 1].len == disp) {
        bl->v[bl->n - 1].len += len;
        return;
    }
    if (bl->n == bl->cap) {
        bl->cap = bl->cap ? 2 * bl->cap : 4;
        bl->v = bt_realloc(bl->v, bl->cap * sizeof(*bl->v));
    }
    bl->v[bl->n].disp = disp;
    bl->v[bl->n].len = len;
    bl->n++;
}

void bt_dt_finish(bt_datatype_t *dt)
{
    bt_dt_priv_t *pv = bt_dt_priv(dt);
    bt_dt_blist_t bl = {0};
    MPI_Count size = 0, nbasic = 0, nelems = 0;
    int basic = -2;

    for (size_t r = 0; r < pv->nruns; r++) {
        const bt_dt_run_t *run = &pv->runs[r];
        const bt_datatype_t *p = bt_datatype_predefined(run->idx);
        const bt_dt_priv_t *ppv = bt_dt_priv(p);

        if (p->contig) {
            bt_dt_blist_push(&bl, run->disp, (MPI_Aint)(run->n * p->size));
        } else {
            for (MPI_Count k = 0; k < run->n; k++)
                for (size_t b = 0; b < p->nblocks; b++)
                    bt_dt_blist_push(&bl, run->disp + (MPI_Aint)k * p->extent + p->blocks[b].disp,
                                     p->blocks[b].len);
        }
        size += run->n * p->size;
        nbasic += run->n;
        nelems += run->n * ppv->nelems;
        basic = basic == -2 || basic == run->idx ? run->idx : -1;
    }

    if (bl.n && bl.n < bl.cap)
        bl.v = bt_realloc(bl.v, bl.n * sizeof(*bl.v));
    dt->blocks = bl.v;
    dt->nblocks = bl.n;
    dt->size = size;
    dt->nbasic = nbasic;
    pv->nelems = nelems;
    /* An empty type keeps the hint its constructor left in dt->basic (the old
     * type's), so that reducing zero elements of it is still legal. */
    if (basic != -2)
        dt->basic = (int16_t)basic;

    if (bl.n) {
        MPI_Aint lo = bl.v[0].disp, hi = bl.v[0].disp + bl.v[0].len;
        MPI_Aint blen = bl.v[0].len;
        for (size_t b = 1; b < bl.n; b++) {
            lo = BT_MIN(lo, bl.v[b].disp);
            hi = BT_MAX(hi, bl.v[b].disp + bl.v[b].len);
            if (bl.v[b].len != blen)
                blen = 0;
        }
        dt->true_lb = lo;
        dt->true_extent = hi - lo;
        pv->blen = blen;
    } else {
        dt->true_lb = 0;
        dt->true_extent = 0;
        pv->blen = 0;
    }
    dt->contig = size == 0 || (bl.n == 1 && dt->extent == size);
}

void bt_datatype_set_contents(bt_datatype_t *dt, int combiner, int ni, const int ints[],
                              int na, const MPI_Aint aints[], int nc, const MPI_Count counts[],
                              int nd, bt_datatype_t *const types[])
{
    bt_dt_priv_t *pv = bt_dt_priv(dt);

    pv->combiner = combiner;
    pv->ni = ni;
    pv->na = na;
    pv->nc = nc;
    pv->nd = nd;
    if (ni) {
        pv->ints = bt_malloc((size_t)ni * sizeof(int));
        memcpy(pv->ints, ints, (size_t)ni * sizeof(int));
    }
    if (na) {
        pv->aints = bt_malloc((size_t)na * sizeof(MPI_Aint));
        memcpy(pv->aints, aints, (size_t)na * sizeof(MPI_Aint));
    }
    if (nc) {
        pv->counts = bt_malloc((size_t)nc * sizeof(MPI_Count));
        memcpy(pv->counts, counts, (size_t)nc * sizeof(MPI_Count));
    }
    if (nd) {
        pv->types = bt_malloc((size_t)nd * sizeof(bt_datatype_t *));
        for (int i = 0; i < nd; i++) {
            pv->types[i] = types[i];
            bt_datatype_retain(types[i]);
        }
    }
}

void bt_datatype_get_envelope(const bt_datatype_t *dt, int *ni_p, int *na_p, int *nc_p,
                              int *nd_p, int *combiner_p)
{
    const bt_dt_priv_t *pv = bt_dt_priv(dt);
    *ni_p = pv->ni;
    *na_p = pv->na;
    *nc_p = pv->nc;
    *nd_p = pv->nd;
    *combiner_p = dt->predefined ? MPI_COMBINER_NAMED : pv->combiner;
}

void bt_datatype_get_contents(const bt_datatype_t *dt, int ints[], MPI_Aint aints[],
                              MPI_Count counts[], MPI_Datatype types[])
{
    const bt_dt_priv_t *pv = bt_dt_priv(dt);
    if (pv->ni)
        memcpy(ints, pv->ints, (size_t)pv->ni * sizeof(int));
    if (pv->na)
        memcpy(aints, pv->aints, (size_t)pv->na * sizeof(MPI_Aint));
    if (pv->nc)
        memcpy(counts, pv->counts, (size_t)pv->nc * sizeof(MPI_Count));
    for (int i = 0; i < pv->nd; i++) {
        bt_datatype_retain(pv->types[i]);
        types[i] = pv->types[i]->handle;
    }
}

MPI_Count bt_datatype_elements(const bt_datatype_t *dt, MPI_Count bytes)
{
    const bt_dt_priv_t *pv = bt_dt_priv(dt);

    if (bytes <= 0)
        return 0;
    if (dt->size == 0)
        return MPI_UNDEFINED;

    MPI_Count n = bytes / dt->size * pv->nelems;
    MPI_Count rem = bytes % dt->size;

    /* A partial element: count the predefined elements it holds in type-map order. */
    for (size_t r = 0; rem > 0 && r < pv->nruns; r++) {
        const bt_dt_run_t *run = &pv->runs[r];
        const bt_datatype_t *p = bt_datatype_predefined(run->idx);
        MPI_Count whole = BT_MIN(run->n, rem / p->size);

        n += whole * bt_dt_priv(p)->nelems;
        rem -= whole * p->size;
        if (whole < run->n) {
            /* Inside this run: a pair's value alone still counts as one element. */
            MPI_Aint vsize = bt_dt_pair_value_size(run->idx);
            if (vsize && rem >= vsize) {
                n += 1;
                rem -= vsize;
            }
            break;
        }
    }
    return rem ? MPI_UNDEFINED : n;
}
