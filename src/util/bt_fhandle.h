/* Fortran handles (MPI_<kind>_c2f / _f2c, and the same values for the MPI 5.0
 * ABI's _toint / _fromint): MPI_Fint values for handles that are pointers. A
 * predefined handle is its own value (below 0x400); an object made at run time
 * gets the next free value from 4096 up (the ABI keeps 1 to 4095 for predefined
 * handles) at its first c2f, and gives it back when the object is freed, so that
 * f2c of a stale value finds nothing. One table per kind of object. */
#ifndef BT_FHANDLE_H
#define BT_FHANDLE_H

#include "util/bt_util.h"

typedef enum {
    BT_FH_COMM, BT_FH_DATATYPE, BT_FH_GROUP, BT_FH_REQUEST, BT_FH_OP, BT_FH_INFO,
    BT_FH_ERRHANDLER, BT_FH_MESSAGE, BT_FH_SESSION, BT_FH_FILE, BT_FH_WIN, BT_FH_KINDS
} bt_fh_kind_t;

#define BT_FH_FIRST 4096

/* The value of handle h (not predefined), given it a new one if it has none. */
int   bt_fh_c2f(bt_fh_kind_t kind, const void *h);
/* The handle a value >= BT_FH_FIRST stands for, NULL when none does. */
void *bt_fh_f2c(bt_fh_kind_t kind, int f);

/* Called where an object of kind dies: drops its value, if it has one. Free
 * while no object of the kind has a value (one load). */
extern int bt_fh_live[BT_FH_KINDS];
void bt_fh_forget_slow(bt_fh_kind_t kind, const void *h);
static inline void bt_fh_forget(bt_fh_kind_t kind, const void *h)
{
    if (bt_unlikely(__atomic_load_n(&bt_fh_live[kind], __ATOMIC_RELAXED)))
        bt_fh_forget_slow(kind, h);
}

#endif
