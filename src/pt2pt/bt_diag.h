/* What this rank is blocked in, for mpiexec's hang report (DESIGN.md item 17).
 *
 * The blocking entry points fill a small record just before they wait (never on
 * a fast path that completes at once) and clear it after; the wait loop notes
 * when the wait began at its first clock read. mpiexec asks for the report with
 * SIGURG (ignored by default, so a program that is not ours never notices); the
 * handler only sets a flag while the rank waits inside MPI, and the wait loop
 * writes the report at a safe point, with the queues it holds; a rank outside
 * MPI answers from the handler itself, with async-signal-safe calls only. The
 * report is one line on stderr, which mpiexec takes out of the rank's output. */
#ifndef BT_DIAG_H
#define BT_DIAG_H

#include "mpi.h"

#include <signal.h>

struct bt_comm;
struct bt_datatype;

#define BT_DIAG_NONE (-3)   /* no peer: MPI_ANY_SOURCE is -1, MPI_PROC_NULL -2 */

typedef struct bt_diag_call {
    const char                *call;   /* NULL: in no blocking call */
    const struct bt_comm      *comm;
    int                        peer;   /* rank in comm (the root of a collective), or BT_DIAG_NONE */
    int                        tag;
    int                        send;   /* the peer is a destination */
    int                        nreqs;  /* MPI_Wait*: requests waited for */
    MPI_Count                  count;
    const struct bt_datatype  *dt;
    double                     since;  /* when the wait began; 0: not yet known */
} bt_diag_call_t;

extern bt_diag_call_t         bt_diag_cur;
extern volatile sig_atomic_t  bt_diag_asked;     /* mpiexec asked, the wait loop answers */
extern volatile sig_atomic_t  bt_diag_waiting;   /* in the wait loop */

static inline void bt_diag_enter(const char *call, const struct bt_comm *comm, int peer,
                                 int tag, int send, MPI_Count count,
                                 const struct bt_datatype *dt)
{
    bt_diag_cur.comm = comm;
    bt_diag_cur.peer = peer;
    bt_diag_cur.tag = tag;
    bt_diag_cur.send = send;
    bt_diag_cur.nreqs = 0;
    bt_diag_cur.count = count;
    bt_diag_cur.dt = dt;
    bt_diag_cur.since = 0;
    bt_diag_cur.call = call;
}

static inline void bt_diag_leave(void)
{
    bt_diag_cur.call = NULL;
}

/* The entry point running now (PMPI_X; NULL outside MPI), set by the API layer
 * around every call: what the report names when a wait recorded nothing more. */
extern const char *bt_api_call;

/* "MPI_Init" or "MPI_Finalize" while the runtime starts or ends: the handler
 * answers for them itself. */
extern const char *bt_diag_phase;

/* The wait loop's part: writes the report mpiexec asked for. */
void bt_diag_report(void);

/* At MPI_Init, under Baton's mpiexec: the handler for SIGURG (and SIGQUIT, which a
 * terminal's Ctrl-\ sends the ranks too). */
void bt_diag_install(void);

#endif
