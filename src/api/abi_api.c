/* The MPI 5.0 ABI's queries (MPI_Abi_*): which standard ABI this library follows,
 * and what it knows of Fortran. Callable at any time, before MPI_Init and after
 * MPI_Finalize too, as the standard says (the big lock is taken only while MPI
 * runs threads).
 *
 * Baton's libmpi is laid out by the standard ABI (handles, constants, status):
 * version 1.0. Its Fortran types are fixed when it is built, with gfortran's
 * defaults (see src/datatype/dt_predefined.c), so it knows them: the getters
 * report them and the setters, whose first call only may change what the
 * library knows, find them set already (MPI_ERR_ABI). mpi.h still leaves
 * MPI_ABI_VERSION undefined (see the README). */
#include "api/bt_api.h"
#include "comm/bt_info.h"

#include <stdio.h>
#include <string.h>

int PMPI_Abi_get_version(int *abi_major, int *abi_minor)
{
    BT_API_LOCK();
    if (!abi_major || !abi_minor)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Abi_get_version", "%s is NULL",
                           !abi_major ? "abi_major" : "abi_minor");
    *abi_major = 1;
    *abi_minor = 0;
    return MPI_SUCCESS;
}

static void bt_abi_set_size(bt_info_t *info, const char *key, size_t size)
{
    char value[24];

    snprintf(value, sizeof(value), "%zu", size);
    bt_info_set(info, key, value);
}

int PMPI_Abi_get_info(MPI_Info *info)
{
    bt_info_t *out;

    BT_API_LOCK();
    if (!info)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Abi_get_info", "info is NULL");
    out = bt_info_new();
    bt_abi_set_size(out, "mpi_aint_size", sizeof(MPI_Aint));
    bt_abi_set_size(out, "mpi_count_size", sizeof(MPI_Count));
    bt_abi_set_size(out, "mpi_offset_size", sizeof(MPI_Offset));
    *info = out->handle;
    return MPI_SUCCESS;
}

/* The optional Fortran types, by the key that says whether Baton has them. */
static const struct {
    const char  *key;
    MPI_Datatype type;
} bt_abi_fortran_optional[] = {
    { "mpi_logical1_supported", MPI_LOGICAL1 },   { "mpi_logical2_supported", MPI_LOGICAL2 },
    { "mpi_logical4_supported", MPI_LOGICAL4 },   { "mpi_logical8_supported", MPI_LOGICAL8 },
    { "mpi_logical16_supported", MPI_LOGICAL16 }, { "mpi_integer1_supported", MPI_INTEGER1 },
    { "mpi_integer2_supported", MPI_INTEGER2 },   { "mpi_integer4_supported", MPI_INTEGER4 },
    { "mpi_integer8_supported", MPI_INTEGER8 },   { "mpi_integer16_supported", MPI_INTEGER16 },
    { "mpi_real2_supported", MPI_REAL2 },         { "mpi_real4_supported", MPI_REAL4 },
    { "mpi_real8_supported", MPI_REAL8 },         { "mpi_real16_supported", MPI_REAL16 },
    { "mpi_complex4_supported", MPI_COMPLEX4 },   { "mpi_complex8_supported", MPI_COMPLEX8 },
    { "mpi_complex16_supported", MPI_COMPLEX16 }, { "mpi_complex32_supported", MPI_COMPLEX32 },
    { "mpi_double_complex_supported", MPI_DOUBLE_COMPLEX },
};

static size_t bt_abi_size_of(MPI_Datatype type)
{
    const bt_datatype_t *dt = bt_datatype_get(type);
    return dt ? (size_t)dt->size : 0;
}

int PMPI_Abi_get_fortran_info(MPI_Info *info)
{
    bt_info_t *out;

    BT_API_LOCK();
    if (!info)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Abi_get_fortran_info", "info is NULL");
    out = bt_info_new();
    bt_abi_set_size(out, "mpi_logical_size", bt_abi_size_of(MPI_LOGICAL));
    bt_abi_set_size(out, "mpi_integer_size", bt_abi_size_of(MPI_INTEGER));
    bt_abi_set_size(out, "mpi_real_size", bt_abi_size_of(MPI_REAL));
    bt_abi_set_size(out, "mpi_double_precision_size", bt_abi_size_of(MPI_DOUBLE_PRECISION));
    for (size_t i = 0; i < BT_ARRAY_LEN(bt_abi_fortran_optional); i++)
        bt_info_set(out, bt_abi_fortran_optional[i].key,
                    bt_abi_size_of(bt_abi_fortran_optional[i].type) ? "true" : "false");
    *info = out->handle;
    return MPI_SUCCESS;
}

int PMPI_Abi_set_fortran_info(MPI_Info info)
{
    BT_API_LOCK();
    if (!bt_info_get(info))
        return bt_err_comm(NULL, MPI_ERR_INFO, "MPI_Abi_set_fortran_info",
                           "info is not a valid info object");
    return bt_err_comm(NULL, MPI_ERR_ABI, "MPI_Abi_set_fortran_info",
                       "Baton's Fortran types are set already (gfortran's defaults: INTEGER, "
                       "LOGICAL and REAL of 4 bytes, DOUBLE PRECISION of 8); "
                       "MPI_Abi_get_fortran_info reports them");
}

/* logical_size must be a power of two. */
static int bt_abi_check_logical_size(const char *call, int logical_size)
{
    if (logical_size <= 0 || (logical_size & (logical_size - 1)))
        return bt_err_comm(NULL, MPI_ERR_ARG, call,
                           "logical_size is %d, must be a power of two", logical_size);
    return MPI_SUCCESS;
}

/* gfortran's literals, in each size Baton has a LOGICAL of: .TRUE. is 1 and .FALSE.
 * is 0, in the machine's byte order. */
int PMPI_Abi_get_fortran_booleans(int logical_size, void *logical_true, void *logical_false,
                                  int *is_set)
{
    static const char *const call = "MPI_Abi_get_fortran_booleans";
    const unsigned char one = 1;
    int rc;

    BT_API_LOCK();
    if ((rc = bt_abi_check_logical_size(call, logical_size)))
        return rc;
    if (!logical_true || !logical_false || !is_set)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "%s is NULL",
                           !logical_true ? "logical_true" : !logical_false ? "logical_false"
                                                                           : "is_set");
    *is_set = logical_size <= 16;
    if (!*is_set)
        return MPI_SUCCESS;
    memset(logical_true, 0, (size_t)logical_size);
    memset(logical_false, 0, (size_t)logical_size);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(logical_true, &one, 1);
#else
    memcpy((char *)logical_true + logical_size - 1, &one, 1);
#endif
    return MPI_SUCCESS;
}

int PMPI_Abi_set_fortran_booleans(int logical_size, void *logical_true, void *logical_false)
{
    static const char *const call = "MPI_Abi_set_fortran_booleans";
    int rc;

    BT_API_LOCK();
    if ((rc = bt_abi_check_logical_size(call, logical_size)))
        return rc;
    if (!logical_true || !logical_false)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "%s is NULL",
                           !logical_true ? "logical_true" : "logical_false");
    return bt_err_comm(NULL, MPI_ERR_ABI, call,
                       "Baton's Fortran booleans are set already (gfortran's: .TRUE. is 1, "
                       ".FALSE. is 0); MPI_Abi_get_fortran_booleans reports them");
}
