/* tests/c/session_restart.c's cycles after the world model: MPI_Init and
 * MPI_Finalize first, then sessions start MPI again three times; MPI_Finalized
 * stays true through them. */
/* np: 1 2 3 4 8 */
#define SESSION_RESTART_WORLD_FIRST 1
#include "session_restart.c"
