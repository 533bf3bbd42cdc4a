/*
 * Compile-only smoke test for include/mpi.h.
 *
 * Builds as C11 and as C++11:
 *   gcc -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude -c tests/c/header_compile.c
 *   g++ -x c++ -std=c++11 -Wall -Wextra -Werror -Iinclude -c tests/c/header_compile.c
 *
 * Integer constants are checked with static assertions.  Handle and
 * buffer-address constants are pointers, which ISO C/C++ do not accept in
 * constant expressions; for C on GCC/Clang they are still checked at
 * compile time (the folding is a GNU extension, so -Wpedantic is silenced
 * locally), and in every mode main() re-checks them at run time.
 */
#include <mpi.h>

#include <stddef.h>
#include <stdint.h>

#if defined(__cplusplus)
#define BATON_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define BATON_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ---- layout ---- */
BATON_STATIC_ASSERT(sizeof(MPI_Status) == 32, "MPI_Status is 8 ints");
BATON_STATIC_ASSERT(offsetof(MPI_Status, MPI_SOURCE) == 0, "MPI_SOURCE");
BATON_STATIC_ASSERT(offsetof(MPI_Status, MPI_TAG) == 4, "MPI_TAG");
BATON_STATIC_ASSERT(offsetof(MPI_Status, MPI_ERROR) == 8, "MPI_ERROR");
BATON_STATIC_ASSERT(sizeof(MPI_Aint) == sizeof(void *), "MPI_Aint");
BATON_STATIC_ASSERT(sizeof(MPI_Offset) == 8, "MPI_Offset");
BATON_STATIC_ASSERT(sizeof(MPI_Count) == 8, "MPI_Count");
BATON_STATIC_ASSERT(sizeof(MPI_Fint) == sizeof(int), "MPI_Fint");
BATON_STATIC_ASSERT(sizeof(MPI_Comm) == sizeof(void *), "handle size");

/* ---- identification ---- */
BATON_STATIC_ASSERT(MPI_VERSION == 4 && MPI_SUBVERSION == 1, "version");
BATON_STATIC_ASSERT(BATON == 1, "BATON");

/* ---- error classes ---- */
BATON_STATIC_ASSERT(MPI_SUCCESS == 0, "MPI_SUCCESS");
BATON_STATIC_ASSERT(MPI_ERR_TRUNCATE == 15, "MPI_ERR_TRUNCATE");
BATON_STATIC_ASSERT(MPI_ERR_IN_STATUS == 19, "MPI_ERR_IN_STATUS");
BATON_STATIC_ASSERT(MPI_ERR_WIN == 56, "MPI_ERR_WIN");
BATON_STATIC_ASSERT(MPI_ERR_ERRHANDLER == 61, "MPI_ERR_ERRHANDLER");
BATON_STATIC_ASSERT(MPI_ERR_ABI == 62, "MPI_ERR_ABI");
BATON_STATIC_ASSERT(MPI_T_ERR_PVAR_NO_ATOMIC == 1018, "MPI_T_ERR_*");
BATON_STATIC_ASSERT(MPI_ERR_LASTCODE == 0x3fff, "MPI_ERR_LASTCODE");

/* ---- wildcards and sentinels ---- */
BATON_STATIC_ASSERT(MPI_ANY_SOURCE == -1, "MPI_ANY_SOURCE");
BATON_STATIC_ASSERT(MPI_ANY_TAG == -2, "MPI_ANY_TAG");
BATON_STATIC_ASSERT(MPI_PROC_NULL == -3, "MPI_PROC_NULL");
BATON_STATIC_ASSERT(MPI_ROOT == -4, "MPI_ROOT");
BATON_STATIC_ASSERT(MPI_UNDEFINED == -32766, "MPI_UNDEFINED");

/* ---- assorted enumerations ---- */
BATON_STATIC_ASSERT(MPI_THREAD_MULTIPLE == 4096, "MPI_THREAD_MULTIPLE");
BATON_STATIC_ASSERT(MPI_IDENT == 201 && MPI_UNEQUAL == 204, "comparisons");
BATON_STATIC_ASSERT(MPI_COMM_TYPE_SHARED == 221, "MPI_COMM_TYPE_SHARED");
BATON_STATIC_ASSERT(MPI_COMBINER_F90_INTEGER == 115, "combiners");
BATON_STATIC_ASSERT(MPI_SEEK_SET == 403, "MPI_SEEK_SET");
BATON_STATIC_ASSERT(MPI_TAG_UB == 501, "MPI_TAG_UB");
BATON_STATIC_ASSERT(MPI_UNIVERSE_SIZE == 507, "MPI_UNIVERSE_SIZE");
BATON_STATIC_ASSERT(MPI_KEYVAL_INVALID == 0, "MPI_KEYVAL_INVALID");
BATON_STATIC_ASSERT(MPI_MAX_PROCESSOR_NAME == 256, "MPI_MAX_PROCESSOR_NAME");
BATON_STATIC_ASSERT(MPI_MAX_ERROR_STRING == 512, "MPI_MAX_ERROR_STRING");
BATON_STATIC_ASSERT(MPI_BSEND_OVERHEAD == 512, "MPI_BSEND_OVERHEAD");

/* ---- pointer-valued constants: compile-time check where possible ---- */
#define BATON_HV(h) ((intptr_t)(h))

#if !defined(__cplusplus) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wgnu-folding-constant"
#endif
_Static_assert(BATON_HV(MPI_COMM_WORLD) == 0x101, "MPI_COMM_WORLD");
_Static_assert(BATON_HV(MPI_COMM_SELF) == 0x102, "MPI_COMM_SELF");
_Static_assert(BATON_HV(MPI_INT) == 0x209, "MPI_INT");
_Static_assert(BATON_HV(MPI_DOUBLE) == 0x214, "MPI_DOUBLE");
_Static_assert(BATON_HV(MPI_BYTE) == 0x247, "MPI_BYTE");
_Static_assert(BATON_HV(MPI_CHARACTER) == 0x21e, "MPI_CHARACTER");
_Static_assert(BATON_HV(MPI_SUM) == 0x21, "MPI_SUM");
_Static_assert(BATON_HV(MPI_ERRORS_RETURN) == 0x143, "MPI_ERRORS_RETURN");
_Static_assert(BATON_HV(MPI_REQUEST_NULL) == 0x180, "MPI_REQUEST_NULL");
_Static_assert(BATON_HV(MPI_IN_PLACE) == 1, "MPI_IN_PLACE");
_Static_assert(BATON_HV(MPI_BOTTOM) == 0, "MPI_BOTTOM");
_Static_assert(BATON_HV(MPI_COMM_DUP_FN) == 1, "MPI_COMM_DUP_FN");
#pragma GCC diagnostic pop
#endif

int main(void)
{
    /* Same handle checks at run time, so the C++ build covers them too. */
    int bad = 0;
    bad |= BATON_HV(MPI_COMM_WORLD) != 0x101;
    bad |= BATON_HV(MPI_COMM_SELF) != 0x102;
    bad |= BATON_HV(MPI_INT) != 0x209;
    bad |= BATON_HV(MPI_DOUBLE) != 0x214;
    bad |= BATON_HV(MPI_BYTE) != 0x247;
    bad |= BATON_HV(MPI_CHARACTER) != 0x21e;
    bad |= BATON_HV(MPI_SUM) != 0x21;
    bad |= BATON_HV(MPI_ERRORS_RETURN) != 0x143;
    bad |= BATON_HV(MPI_REQUEST_NULL) != 0x180;
    bad |= BATON_HV(MPI_IN_PLACE) != 1;
    bad |= BATON_HV(MPI_BOTTOM) != 0;
    bad |= BATON_HV(MPI_STATUS_IGNORE) != 0;
    bad |= MPI_LONG_LONG_INT != MPI_LONG_LONG;
    bad |= MPI_C_COMPLEX != MPI_C_FLOAT_COMPLEX;
    return bad ? 1 : 0;
}
