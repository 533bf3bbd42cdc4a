/* Handle conversions between C and Fortran: MPI_<kind>_c2f / _f2c for every kind
 * of object Baton has, the MPI 5.0 ABI's MPI_<kind>_toint / _fromint, and the
 * statuses' C, Fortran and Fortran 2008 forms.
 *
 * A predefined handle's MPI_Fint is its standard-ABI value; an object made at
 * run time gets one from util/'s tables (bt_fhandle.h) at its first c2f. c2f of
 * an invalid handle gives the kind's null value, f2c of a value that names
 * nothing live gives the null handle: neither call has a way to report errors.
 * Under MPI_THREAD_MULTIPLE the big lock keeps the object from going meanwhile. */
#include "api/bt_api.h"
#include "comm/bt_info.h"
#include "io/bt_io.h"
#include "op/bt_op.h"
#include "util/bt_fhandle.h"

#include <string.h>

static int bt_fh_valid_comm(MPI_Comm h)             { return bt_comm_get(h) != NULL; }
static int bt_fh_valid_datatype(MPI_Datatype h)     { return bt_datatype_get(h) != NULL; }
static int bt_fh_valid_group(MPI_Group h)           { return bt_group_get(h) != NULL; }
static int bt_fh_valid_request(MPI_Request h)       { return bt_req_get(h) != NULL; }
static int bt_fh_valid_op(MPI_Op h)                 { return bt_op_get(h) != NULL; }
static int bt_fh_valid_info(MPI_Info h)             { return bt_info_get(h) != NULL; }
static int bt_fh_valid_errhandler(MPI_Errhandler h) { return bt_errhandler_get(h) != NULL; }
static int bt_fh_valid_session(MPI_Session h)       { return bt_session_get(h) != NULL; }
static int bt_fh_valid_win(MPI_Win h)               { return bt_win_get(h) != NULL; }
static int bt_fh_valid_file(MPI_File h)             { return bt_file_get(h) != NULL; }
/* A message is a queue entry of pt2pt/ with nothing to check it by; its value
 * goes when MPI_Mrecv/MPI_Imrecv takes it. */
static int bt_fh_valid_message(MPI_Message h)
{
    return h == MPI_MESSAGE_NO_PROC || !BT_HANDLE_IS_PREDEFINED(h);
}

/* A kind's four conversions: MPI_<Kind>_c2f/_f2c, and the MPI 5.0 ABI's handle
 * serialization MPI_<Kind>_toint/_fromint, which give the same values (MPI_Fint
 * is int here), so that a Fortran layer may use either. */
#define BT_FH_CONVERSIONS(Kind, T, KIND, NULLH, valid)                                  \
    static int bt_fh_toint_##Kind(T h)                                                  \
    {                                                                                   \
        if (!valid(h))                                                                  \
            return (int)(uintptr_t)NULLH;                                               \
        if (BT_HANDLE_IS_PREDEFINED(h))                                                 \
            return (int)(uintptr_t)h;                                                   \
        return bt_fh_c2f(KIND, h);                                                      \
    }                                                                                   \
    static T bt_fh_fromint_##Kind(int f)                                                \
    {                                                                                   \
        T h;                                                                            \
        if (f >= BT_FH_FIRST)                                                           \
            h = (T)bt_fh_f2c(KIND, f);                                                  \
        else                                                                            \
            h = f > 0 ? (T)(uintptr_t)f : NULLH;                                        \
        return h && valid(h) ? h : NULLH;                                               \
    }                                                                                   \
    MPI_Fint PMPI_##Kind##_c2f(T h)                                                     \
    {                                                                                   \
        BT_API_LOCK();                                                                  \
        return bt_fh_toint_##Kind(h);                                                   \
    }                                                                                   \
    T PMPI_##Kind##_f2c(MPI_Fint f)                                                     \
    {                                                                                   \
        BT_API_LOCK();                                                                  \
        return bt_fh_fromint_##Kind(f);                                                 \
    }                                                                                   \
    int PMPI_##Kind##_toint(T h)                                                        \
    {                                                                                   \
        BT_API_LOCK();                                                                  \
        return bt_fh_toint_##Kind(h);                                                   \
    }                                                                                   \
    T PMPI_##Kind##_fromint(int f)                                                      \
    {                                                                                   \
        BT_API_LOCK();                                                                  \
        return bt_fh_fromint_##Kind(f);                                                 \
    }

BT_FH_CONVERSIONS(Comm, MPI_Comm, BT_FH_COMM, MPI_COMM_NULL, bt_fh_valid_comm)
BT_FH_CONVERSIONS(Type, MPI_Datatype, BT_FH_DATATYPE, MPI_DATATYPE_NULL, bt_fh_valid_datatype)
BT_FH_CONVERSIONS(Group, MPI_Group, BT_FH_GROUP, MPI_GROUP_NULL, bt_fh_valid_group)
BT_FH_CONVERSIONS(Request, MPI_Request, BT_FH_REQUEST, MPI_REQUEST_NULL, bt_fh_valid_request)
BT_FH_CONVERSIONS(Op, MPI_Op, BT_FH_OP, MPI_OP_NULL, bt_fh_valid_op)
BT_FH_CONVERSIONS(Info, MPI_Info, BT_FH_INFO, MPI_INFO_NULL, bt_fh_valid_info)
BT_FH_CONVERSIONS(Errhandler, MPI_Errhandler, BT_FH_ERRHANDLER, MPI_ERRHANDLER_NULL,
                  bt_fh_valid_errhandler)
BT_FH_CONVERSIONS(Message, MPI_Message, BT_FH_MESSAGE, MPI_MESSAGE_NULL, bt_fh_valid_message)
BT_FH_CONVERSIONS(Session, MPI_Session, BT_FH_SESSION, MPI_SESSION_NULL, bt_fh_valid_session)
BT_FH_CONVERSIONS(Win, MPI_Win, BT_FH_WIN, MPI_WIN_NULL, bt_fh_valid_win)
BT_FH_CONVERSIONS(File, MPI_File, BT_FH_FILE, MPI_FILE_NULL, bt_fh_valid_file)
#undef BT_FH_CONVERSIONS

/* Statuses: the C struct, the Fortran INTEGER array (MPI_F_STATUS_SIZE, fields at
 * MPI_F_SOURCE...) and the mpi_f08 struct all hold the same eight ints in the
 * same order, so each conversion is a copy. MPI_STATUS_IGNORE (NULL) is not a
 * status to convert. */
_Static_assert(sizeof(MPI_Status) == MPI_F_STATUS_SIZE * sizeof(MPI_Fint) &&
               sizeof(MPI_F08_status) == sizeof(MPI_Status) &&
               MPI_F_SOURCE == 0 && MPI_F_TAG == 1 && MPI_F_ERROR == 2,
               "the three forms of a status differ");

static int bt_status_convert(const char *call, const void *from, void *to)
{
    if (!from || !to)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "%s status is NULL",
                           !from ? "input" : "output");
    memmove(to, from, sizeof(MPI_Status));
    return MPI_SUCCESS;
}

#define BT_STATUS_CONVERSION(Name, From, To)                                    \
    int PMPI_Status_##Name(const From *in, To *out)                             \
    {                                                                           \
        return bt_status_convert("MPI_Status_" #Name, in, out);                 \
    }

BT_STATUS_CONVERSION(c2f, MPI_Status, MPI_Fint)
BT_STATUS_CONVERSION(f2c, MPI_Fint, MPI_Status)
BT_STATUS_CONVERSION(c2f08, MPI_Status, MPI_F08_status)
BT_STATUS_CONVERSION(f082c, MPI_F08_status, MPI_Status)
BT_STATUS_CONVERSION(f082f, MPI_F08_status, MPI_Fint)
BT_STATUS_CONVERSION(f2f08, MPI_Fint, MPI_F08_status)
#undef BT_STATUS_CONVERSION
