/* Datatypes: the predefined table, derived type maps, pack and unpack.
 *
 * A datatype is a type map flattened into blocks (byte displacement, length) for
 * one element, plus what the protocols and reductions need to take shortcuts. */
#ifndef BT_DATATYPE_H
#define BT_DATATYPE_H

#include "api/bt_mpi.h"
#include <stddef.h>
#include <stdint.h>

#define BT_DATATYPE_MAGIC 0x42744474u

typedef struct bt_dt_block {
    MPI_Aint disp;   /* from the element's start (buf), may be negative */
    MPI_Aint len;    /* bytes */
} bt_dt_block_t;

typedef struct bt_datatype {
    uint32_t      magic;
    int           refcount;    /* user handle + operations in flight; predefined: never freed */
    uint8_t       predefined;
    uint8_t       committed;
    uint8_t       f90;         /* MPI_Type_create_f90_*'s: predefined-like, never freed */
    /* contig: one element's data is a single block of `size` bytes at true_lb, and
     * extent == size, so `count` elements are count*size bytes at buf + true_lb. */
    uint8_t       contig;
    int16_t       basic;       /* index of the predefined type every basic element has, or -1 (mixed) */
    MPI_Count     size;        /* bytes of data in one element */
    MPI_Aint      lb, extent;  /* extent = ub - lb, after MPI_Type_create_resized etc. */
    MPI_Aint      true_lb, true_extent;
    MPI_Count     nbasic;      /* basic (predefined) elements in one element */
    size_t        nblocks;
    bt_dt_block_t *blocks;     /* type map of one element, adjacent blocks merged */
    MPI_Datatype  handle;
    char          name[MPI_MAX_OBJECT_NAME];
    void         *constructor; /* private to datatype/: how it was built (envelope/contents) */
    struct bt_attr *attrs;     /* MPI_Type_set_attr's, kept by comm/attr.c */
} bt_datatype_t;

/* NULL when h is not a datatype (MPI_DATATYPE_NULL, garbage, a freed type). */
bt_datatype_t *bt_datatype_get(MPI_Datatype h);
void bt_datatype_retain(bt_datatype_t *dt);
void bt_datatype_release(bt_datatype_t *dt);

/* Gathers count elements at buf into packed, count*dt->size bytes. */
void bt_datatype_pack(const bt_datatype_t *dt, MPI_Count count, const void *buf, void *packed);
/* Scatters the first `bytes` bytes of a packed stream into count elements at buf
 * (bytes <= count*dt->size; a partial element is filled as far as it goes). */
void bt_datatype_unpack(const bt_datatype_t *dt, MPI_Count count, const void *packed,
                        MPI_Count bytes, void *buf);
/* Basic elements held by the first `bytes` bytes of a packed stream of dt
 * (MPI_Get_elements); MPI_UNDEFINED when bytes do not end on a basic element. */
MPI_Count bt_datatype_elements(const bt_datatype_t *dt, MPI_Count bytes);

int  bt_datatype_init(void);
void bt_datatype_finalize(void);

/* ---- Added by the datatype layer (everything above is the original contract) ---- */

/* Index of each predefined datatype in the table: its standard-ABI handle minus
 * 0x200. `basic` holds one of these. bt_datatype_init checks them against mpi.h. */
enum bt_dt_index {
    BT_DTI_AINT = 0x01, BT_DTI_COUNT = 0x02, BT_DTI_OFFSET = 0x03, BT_DTI_PACKED = 0x07,
    BT_DTI_SHORT = 0x08, BT_DTI_INT = 0x09, BT_DTI_LONG = 0x0a, BT_DTI_LONG_LONG = 0x0b,
    BT_DTI_UNSIGNED_SHORT = 0x0c, BT_DTI_UNSIGNED = 0x0d, BT_DTI_UNSIGNED_LONG = 0x0e,
    BT_DTI_UNSIGNED_LONG_LONG = 0x0f,
    BT_DTI_FLOAT = 0x10, BT_DTI_C_FLOAT_COMPLEX = 0x12, BT_DTI_CXX_FLOAT_COMPLEX = 0x13,
    BT_DTI_DOUBLE = 0x14, BT_DTI_C_DOUBLE_COMPLEX = 0x16, BT_DTI_CXX_DOUBLE_COMPLEX = 0x17,
    BT_DTI_LOGICAL = 0x18, BT_DTI_INTEGER = 0x19, BT_DTI_REAL = 0x1a, BT_DTI_COMPLEX = 0x1b,
    BT_DTI_DOUBLE_PRECISION = 0x1c, BT_DTI_DOUBLE_COMPLEX = 0x1d, BT_DTI_CHARACTER = 0x1e,
    BT_DTI_LONG_DOUBLE = 0x20, BT_DTI_C_LONG_DOUBLE_COMPLEX = 0x24,
    BT_DTI_CXX_LONG_DOUBLE_COMPLEX = 0x25,
    BT_DTI_FLOAT_INT = 0x28, BT_DTI_DOUBLE_INT = 0x29, BT_DTI_LONG_INT = 0x2a, BT_DTI_2INT = 0x2b,
    BT_DTI_SHORT_INT = 0x2c, BT_DTI_LONG_DOUBLE_INT = 0x2d,
    BT_DTI_2REAL = 0x30, BT_DTI_2DOUBLE_PRECISION = 0x31, BT_DTI_2INTEGER = 0x32,
    BT_DTI_C_BOOL = 0x38, BT_DTI_CXX_BOOL = 0x39, BT_DTI_WCHAR = 0x3c,
    BT_DTI_INT8_T = 0x40, BT_DTI_UINT8_T = 0x41, BT_DTI_CHAR = 0x43, BT_DTI_SIGNED_CHAR = 0x44,
    BT_DTI_UNSIGNED_CHAR = 0x45, BT_DTI_BYTE = 0x47,
    BT_DTI_INT16_T = 0x48, BT_DTI_UINT16_T = 0x49, BT_DTI_INT32_T = 0x50, BT_DTI_UINT32_T = 0x51,
    BT_DTI_INT64_T = 0x58, BT_DTI_UINT64_T = 0x59,
    BT_DTI_LOGICAL1 = 0xc0, BT_DTI_INTEGER1 = 0xc1,
    BT_DTI_LOGICAL2 = 0xc8, BT_DTI_INTEGER2 = 0xc9, BT_DTI_REAL2 = 0xca,
    BT_DTI_LOGICAL4 = 0xd0, BT_DTI_INTEGER4 = 0xd1, BT_DTI_REAL4 = 0xd2, BT_DTI_COMPLEX4 = 0xd3,
    BT_DTI_LOGICAL8 = 0xd8, BT_DTI_INTEGER8 = 0xd9, BT_DTI_REAL8 = 0xda, BT_DTI_COMPLEX8 = 0xdb,
    BT_DTI_LOGICAL16 = 0xe0, BT_DTI_INTEGER16 = 0xe1, BT_DTI_REAL16 = 0xe2,
    BT_DTI_COMPLEX16 = 0xe3, BT_DTI_COMPLEX32 = 0xeb,
    BT_DTI_TABLE_SIZE = 0x100
};

/* The predefined type with table index idx (NULL when that index is unused). */
bt_datatype_t *bt_datatype_predefined(int idx);

/* The type map of one element by predefined type, in type-map order: run i holds
 * n elements of the predefined type runs[i].idx, the k-th at disp + k * its extent.
 * A pair type (MPI_DOUBLE_INT ...) is one element here. For a homogeneous type
 * (basic >= 0) every run has idx == basic: reductions walk these. */
typedef struct bt_dt_run {
    MPI_Aint  disp;
    MPI_Count n;
    int       idx;
} bt_dt_run_t;
const bt_dt_run_t *bt_datatype_runs(const bt_datatype_t *dt, size_t *nruns_p);

/* Like pack/unpack, for bytes [offset, offset + bytes) of the packed stream of
 * count elements (pipelined transfers). */
void bt_datatype_pack_part(const bt_datatype_t *dt, MPI_Count count, const void *buf,
                           MPI_Count offset, MPI_Count bytes, void *packed);
void bt_datatype_unpack_part(const bt_datatype_t *dt, MPI_Count count, const void *packed,
                             MPI_Count offset, MPI_Count bytes, void *buf);

/* Constructors. Displacements and strides in bytes; each returns MPI_SUCCESS or an
 * error class and on success a new uncommitted type (refcount 1) in *newtype_p.
 * They record no envelope: the entry point adds it with bt_datatype_set_contents. */
int bt_datatype_create_contiguous(MPI_Count count, bt_datatype_t *old, bt_datatype_t **newtype_p);
int bt_datatype_create_hvector(MPI_Count count, MPI_Count blocklen, MPI_Aint stride,
                               bt_datatype_t *old, bt_datatype_t **newtype_p);
int bt_datatype_create_hindexed(MPI_Count count, const MPI_Count blocklens[],
                                const MPI_Aint disps[], bt_datatype_t *old,
                                bt_datatype_t **newtype_p);
int bt_datatype_create_hindexed_block(MPI_Count count, MPI_Count blocklen, const MPI_Aint disps[],
                                      bt_datatype_t *old, bt_datatype_t **newtype_p);
int bt_datatype_create_struct(MPI_Count count, const MPI_Count blocklens[], const MPI_Aint disps[],
                              bt_datatype_t *const types[], bt_datatype_t **newtype_p);
int bt_datatype_create_resized(bt_datatype_t *old, MPI_Aint lb, MPI_Aint extent,
                               bt_datatype_t **newtype_p);
/* order: MPI_ORDER_C or MPI_ORDER_FORTRAN; arguments already validated. */
int bt_datatype_create_subarray(int ndims, const MPI_Count sizes[], const MPI_Count subsizes[],
                                const MPI_Count starts[], int order, bt_datatype_t *old,
                                bt_datatype_t **newtype_p);
int bt_datatype_create_darray(int size, int rank, int ndims, const MPI_Count gsizes[],
                              const int distribs[], const int dargs[], const int psizes[],
                              int order, bt_datatype_t *old, bt_datatype_t **newtype_p);
int bt_datatype_dup(bt_datatype_t *old, bt_datatype_t **newtype_p);

/* Envelope and contents (MPI_Type_get_envelope/contents): copies the arrays and
 * retains the types. */
void bt_datatype_set_contents(bt_datatype_t *dt, int combiner, int ni, const int ints[],
                              int na, const MPI_Aint aints[], int nc, const MPI_Count counts[],
                              int nd, bt_datatype_t *const types[]);
void bt_datatype_get_envelope(const bt_datatype_t *dt, int *ni_p, int *na_p, int *nc_p,
                              int *nd_p, int *combiner_p);
/* Copies as much as the arrays hold; each type handed out is retained (the user frees it). */
void bt_datatype_get_contents(const bt_datatype_t *dt, int ints[], MPI_Aint aints[],
                              MPI_Count counts[], MPI_Datatype types[]);

/* The "external32" representation (MPI_Pack_external): bytes per element, and
 * conversion of count elements to and from it. */
MPI_Count bt_datatype_external32_size(const bt_datatype_t *dt);
void bt_datatype_pack_external32(const bt_datatype_t *dt, MPI_Count count, const void *buf,
                                 void *ext);
void bt_datatype_unpack_external32(const bt_datatype_t *dt, MPI_Count count, const void *ext,
                                   void *buf);

#endif
