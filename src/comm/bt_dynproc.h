/* Dynamic processes (comm/port.c, comm/spawn.c): ports, the intercommunicators
 * that connect two jobs, spawning. Every call returns MPI_SUCCESS or an error
 * class; collective ones are collective over comm, with root's arguments the
 * ones that count. */
#ifndef BT_DYNPROC_H
#define BT_DYNPROC_H

#include "comm/bt_comm.h"

/* A new port of this process: its name, at most MPI_MAX_PORT_NAME characters. */
int  bt_port_open(char *name);
/* MPI_ERR_PORT: not a port this process opened (or closed already). */
int  bt_port_close(const char *name);
void bt_port_close_all(void);
/* The name has the form of a Baton port's. */
int  bt_port_name_valid(const char *name);
/* MPI_Comm_accept: waits at root for a connection to the port (or, with gone,
 * until gone(arg) says that whoever would connect never will: MPI_ERR_SPAWN). */
int  bt_port_accept(const char *name, int root, bt_comm_t *comm, int (*gone)(void *),
                    void *arg, bt_comm_t **newcomm_p);
/* MPI_ERR_PORT when nobody listens at the port. */
int  bt_port_connect(const char *name, int root, bt_comm_t *comm, bt_comm_t **newcomm_p);
/* MPI_Comm_join over a connected socket, with the process at its other end. */
int  bt_port_join(int fd, bt_comm_t **newcomm_p);

/* One command of MPI_Comm_spawn(_multiple), as the root was given it. */
typedef struct bt_spawn_app {
    const char  *command;
    char       **argv;        /* MPI_ARGV_NULL: none */
    int          maxprocs;
    const char  *wdir, *path, *host;   /* info keys, NULL: not given */
    const char  *hostfile;             /* info key "hostfile" */
    const char  *env;                  /* info key "env": NAME=value lines */
} bt_spawn_app_t;

/* MPI_Comm_spawn_multiple (and _spawn, napps 1): apps matter at root only.
 * errcodes (one per process to start, or NULL) get MPI_SUCCESS or
 * MPI_ERR_SPAWN: nerrcodes of them at the root, and on success as many as were
 * started on the others; why (root) says what went wrong. */
int  bt_comm_spawn(const bt_spawn_app_t *apps, int napps, int root, bt_comm_t *comm,
                   bt_comm_t **intercomm_p, int *errcodes, int nerrcodes, char *why,
                   size_t whylen);
/* A spawned process's side, from MPI_Init: connects to the parents; NULL parent
 * when this job was not spawned. */
int  bt_comm_spawn_child_init(void);
bt_comm_t *bt_comm_parent(void);
void bt_comm_parent_forget(bt_comm_t *comm);

#endif
