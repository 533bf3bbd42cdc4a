/* Private to datatype/: what a type keeps beyond bt_datatype_t. */
#ifndef BT_DT_IMPL_H
#define BT_DT_IMPL_H

#include "datatype/bt_datatype.h"
#include "util/bt_util.h"

typedef struct bt_dt_priv {
    int           align;     /* largest alignment of the predefined types inside (struct padding) */
    uint8_t       sticky;    /* lb/ub come from MPI_Type_create_resized markers, not from the data */
    MPI_Aint      blen;      /* every block has this length, or 0: lets pack inline small copies */
    MPI_Count     nelems;    /* elements as MPI_Get_elements counts them: a pair type counts 2 */
    size_t        nruns;
    bt_dt_run_t  *runs;
    /* envelope and contents */
    int           combiner;
    int           ni, na, nc, nd;
    int          *ints;
    MPI_Aint     *aints;
    MPI_Count    *counts;
    bt_datatype_t **types;   /* retained */
} bt_dt_priv_t;

static inline bt_dt_priv_t *bt_dt_priv(const bt_datatype_t *dt)
{
    return (bt_dt_priv_t *)dt->constructor;
}

/* The size of the value part of a pair type (MPI_Get_elements counts it alone), 0 otherwise. */
MPI_Aint bt_dt_pair_value_size(int idx);

/* Derives from a type's runs (lb and extent already set): the block list, size,
 * true bounds, basic/nbasic, element count and the contig bit. */
void bt_dt_finish(bt_datatype_t *dt);

bt_datatype_t *bt_dt_alloc(void);

#endif
