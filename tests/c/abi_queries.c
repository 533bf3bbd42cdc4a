/* The MPI 5.0 ABI's calls: MPI_Abi_get_version and MPI_Abi_get_info before
 * MPI_Init and after; the Fortran queries (sizes that agree with MPI_Type_size,
 * optional types, booleans) and their setters, which find them set
 * (MPI_ERR_ABI) or refuse a size that is not a power of two (MPI_ERR_ARG); the
 * handle serialization MPI_<kind>_toint / _fromint: predefined handles give their
 * own values, handles made at run time a value above them that comes back as the
 * same handle, equal to what MPI_<kind>_c2f gives. */
/* np: 1 2 3 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"

static long info_long(MPI_Info info, const char *key)
{
    char value[MPI_MAX_INFO_VAL + 1];
    int flag = 0, len = sizeof(value) - 1;

    MPI_Info_get_string(info, key, &len, value, &flag);
    CHECK(flag, "info has no key %s", key);
    return strtol(value, NULL, 10);
}

static void check_abi_info(const char *when)
{
    MPI_Info info = MPI_INFO_NULL;
    int major = -7, minor = -7;

    CHECK(MPI_Abi_get_version(&major, &minor) == MPI_SUCCESS && major == 1 && minor == 0,
          "%s: MPI_Abi_get_version gave %d.%d, expected 1.0", when, major, minor);
    CHECK(MPI_Abi_get_info(&info) == MPI_SUCCESS && info != MPI_INFO_NULL,
          "%s: MPI_Abi_get_info gave no info", when);
    CHECK(info_long(info, "mpi_aint_size") == (long)sizeof(MPI_Aint) &&
          info_long(info, "mpi_count_size") == (long)sizeof(MPI_Count) &&
          info_long(info, "mpi_offset_size") == (long)sizeof(MPI_Offset),
          "%s: MPI_Abi_get_info's sizes are wrong", when);
    MPI_Info_free(&info);
}

static void check_fortran(void)
{
    static const struct { const char *key; MPI_Datatype type; } sizes[] = {
        { "mpi_logical_size", MPI_LOGICAL }, { "mpi_integer_size", MPI_INTEGER },
        { "mpi_real_size", MPI_REAL }, { "mpi_double_precision_size", MPI_DOUBLE_PRECISION } };
    MPI_Info info = MPI_INFO_NULL;
    char value[16];
    int size, flag, len, is_set = -1;
    int32_t t4 = 77, f4 = 77;
    unsigned char t1 = 77, f1 = 77, t3[3];

    MPI_Abi_get_fortran_info(&info);
    CHECK(info != MPI_INFO_NULL, "MPI_Abi_get_fortran_info gave MPI_INFO_NULL");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        MPI_Type_size(sizes[i].type, &size);
        CHECK(info_long(info, sizes[i].key) == size, "%s is %ld, MPI_Type_size says %d",
              sizes[i].key, info_long(info, sizes[i].key), size);
    }
    len = sizeof(value) - 1;
    MPI_Info_get_string(info, "mpi_integer8_supported", &len, value, &flag);
    CHECK(flag && strcmp(value, "true") == 0, "mpi_integer8_supported is '%s'", value);
    CHECK_ERR(MPI_Abi_set_fortran_info(info), MPI_ERR_ABI, "MPI_Abi_set_fortran_info",
              "set already");
    MPI_Info_free(&info);

    CHECK(MPI_Abi_get_fortran_booleans(4, &t4, &f4, &is_set) == MPI_SUCCESS && is_set &&
          t4 == 1 && f4 == 0, "booleans of 4 bytes: true %d false %d is_set %d", t4, f4, is_set);
    CHECK(MPI_Abi_get_fortran_booleans(1, &t1, &f1, &is_set) == MPI_SUCCESS && is_set &&
          t1 == 1 && f1 == 0, "booleans of 1 byte: true %d false %d", t1, f1);
    CHECK_ERR(MPI_Abi_get_fortran_booleans(3, t3, t3, &is_set), MPI_ERR_ARG,
              "MPI_Abi_get_fortran_booleans", "power of two");
    CHECK_ERR(MPI_Abi_set_fortran_booleans(4, &t4, &f4), MPI_ERR_ABI,
              "MPI_Abi_set_fortran_booleans", "set already");
    CHECK_ERR(MPI_Abi_set_fortran_booleans(6, &t4, &f4), MPI_ERR_ARG,
              "MPI_Abi_set_fortran_booleans", "logical_size is 6");
}

static void check_handles(void)
{
    MPI_Comm dup;
    MPI_Datatype vec;
    MPI_Group grp;
    MPI_Op op;
    MPI_Info info;
    MPI_Errhandler eh;
    MPI_Request req;
    int buf = 0, id;

    CHECK(MPI_Comm_toint(MPI_COMM_WORLD) == (int)(intptr_t)MPI_COMM_WORLD &&
          MPI_Type_toint(MPI_INT) == (int)(intptr_t)MPI_INT &&
          MPI_Op_toint(MPI_SUM) == (int)(intptr_t)MPI_SUM &&
          MPI_Group_toint(MPI_GROUP_EMPTY) == (int)(intptr_t)MPI_GROUP_EMPTY &&
          MPI_Errhandler_toint(MPI_ERRORS_RETURN) == (int)(intptr_t)MPI_ERRORS_RETURN &&
          MPI_Info_toint(MPI_INFO_ENV) == (int)(intptr_t)MPI_INFO_ENV &&
          MPI_Request_toint(MPI_REQUEST_NULL) == (int)(intptr_t)MPI_REQUEST_NULL,
          "a predefined handle's integer is not the handle's own value");
    CHECK(MPI_Comm_fromint((int)(intptr_t)MPI_COMM_SELF) == MPI_COMM_SELF &&
          MPI_Type_fromint((int)(intptr_t)MPI_DOUBLE) == MPI_DOUBLE,
          "fromint of a predefined handle's value is not that handle");

    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    id = MPI_Comm_toint(dup);
    CHECK(id >= 4096 && id == MPI_Comm_toint(dup) && id == MPI_Comm_c2f(dup) &&
          MPI_Comm_fromint(id) == dup, "communicator: toint %d (c2f %d) does not come back",
          id, MPI_Comm_c2f(dup));
    MPI_Type_vector(2, 1, 2, MPI_INT, &vec);
    id = MPI_Type_toint(vec);
    CHECK(id >= 4096 && MPI_Type_fromint(id) == vec, "datatype: toint %d does not come back",
          id);
    MPI_Comm_group(dup, &grp);
    CHECK(MPI_Group_fromint(MPI_Group_toint(grp)) == grp, "group does not come back");
    MPI_Op_create((MPI_User_function *)(void (*)(void))abort, 1, &op);
    CHECK(MPI_Op_fromint(MPI_Op_toint(op)) == op, "op does not come back");
    MPI_Info_create(&info);
    CHECK(MPI_Info_fromint(MPI_Info_toint(info)) == info, "info does not come back");
    MPI_Comm_create_errhandler((MPI_Comm_errhandler_function *)(void (*)(void))abort, &eh);
    CHECK(MPI_Errhandler_fromint(MPI_Errhandler_toint(eh)) == eh,
          "errhandler does not come back");
    MPI_Irecv(&buf, 1, MPI_INT, MPI_PROC_NULL, 0, dup, &req);
    CHECK(MPI_Request_fromint(MPI_Request_toint(req)) == req, "request does not come back");
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Errhandler_free(&eh);
    MPI_Info_free(&info);
    MPI_Op_free(&op);
    MPI_Group_free(&grp);
    MPI_Type_free(&vec);
    MPI_Comm_free(&dup);
}

int main(int argc, char **argv)
{
    check_abi_info("before MPI_Init");
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    check_abi_info("after MPI_Init");
    check_fortran();
    check_handles();
    MPI_Finalize();
    check_abi_info("after MPI_Finalize");
    if (rank == 0)
        printf("abi_queries: ok\n");
    return 0;
}
