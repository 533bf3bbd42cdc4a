/* The public header as the library sees it: every MPI_/PMPI_ declaration gets
 * default visibility, everything else in libmpi is hidden (-fvisibility=hidden). */
#ifndef BT_MPI_H
#define BT_MPI_H
#pragma GCC visibility push(default)
#include <mpi.h>
#pragma GCC visibility pop

/* Predefined handles are small integers; objects made at run time are pointers. */
#define BT_HANDLE_IS_PREDEFINED(h) ((uintptr_t)(h) < 0x400)
#define BT_HANDLE_INDEX(h) ((unsigned)(uintptr_t)(h))

#endif
