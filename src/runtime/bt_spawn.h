/* Starting the processes of MPI_Comm_spawn (runtime/spawn.c): a new job under
 * Baton's mpiexec, watched both ways. Called by the spawning root only. */
#ifndef BT_SPAWN_H
#define BT_SPAWN_H

#include <stddef.h>

typedef struct bt_spawn_cmd {
    const char *program;   /* found by bt_spawn_find */
    char      **argv;      /* NULL-terminated, or NULL */
    int         maxprocs;
    const char *wdir, *host;
    const char *hostfile;  /* mpiexec -f */
    const char *env;       /* NAME=value lines to set, or NULL */
} bt_spawn_cmd_t;

/* The program that command names (searching path, or PATH): 0, or -1 and why. */
int  bt_spawn_find(const char *command, const char *path, char *out, size_t len, char *why,
                   size_t whylen);
/* Info key "env" (as Open MPI reads it): lines NAME=value, each set in the new
 * processes' environment. 0 when every non-empty line is one and names no
 * variable of Baton's own wiring (PMI_*, BATON_JOBID, ...), else -1 and why. */
int  bt_spawn_env_check(const char *env, char *why, size_t whylen);
/* Starts the new job, whose ranks connect to port: 0, or -1 and why. */
int  bt_spawn_launch(const bt_spawn_cmd_t *apps, int napps, const char *port, char *why,
                     size_t whylen);
/* The job last launched has ended already (before connecting). */
int  bt_spawn_gone(void *arg);
/* It connected: from now on, its bad end ends this job too. */
void bt_spawn_connected(void);
/* It did not connect: it is ended and forgotten. */
void bt_spawn_failed(void);
/* Some job launched here still runs. */
int  bt_spawn_pending(void);
/* Waits for every job launched here to end (MPI_Finalize). */
void bt_spawn_reap(void);

#endif
