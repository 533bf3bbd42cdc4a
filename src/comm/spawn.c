/* MPI_Comm_spawn(_multiple) and MPI_Comm_get_parent: the root opens a port,
 * starts the new job with the port's name in its environment (runtime/spawn.c)
 * and accepts on the port; the new job's MPI_Init connects to it over its
 * MPI_COMM_WORLD (bt_comm_spawn_child_init). The intercommunicator is the one
 * MPI_Comm_accept and MPI_Comm_connect make (comm/port.c). */
#include "comm/bt_comm_impl.h"
#include "comm/bt_dynproc.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"
#include "runtime/bt_spawn.h"
#include "util/bt_util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bt_comm_t *bt_parent;

/* Root: checks the commands and starts the job. */
static int bt_spawn_start(const bt_spawn_app_t *apps, int napps, const char *port, char *why,
                          size_t whylen)
{
    bt_spawn_cmd_t *cmds = bt_calloc((size_t)napps, sizeof(*cmds));
    char (*programs)[PATH_MAX] = bt_malloc((size_t)napps * sizeof(*programs));
    int rc = MPI_SUCCESS;

    for (int i = 0; i < napps && rc == MPI_SUCCESS; i++) {
        if (bt_spawn_find(apps[i].command, apps[i].path, programs[i], sizeof(programs[i]), why,
                          whylen) != 0) {
            rc = MPI_ERR_SPAWN;
            break;
        }
        cmds[i].program = programs[i];
        cmds[i].argv = apps[i].argv;
        cmds[i].maxprocs = apps[i].maxprocs;
        cmds[i].wdir = apps[i].wdir;
        cmds[i].host = apps[i].host;
        cmds[i].hostfile = apps[i].hostfile;
        cmds[i].env = apps[i].env;
        if (apps[i].env != NULL && bt_spawn_env_check(apps[i].env, why, whylen) != 0) {
            rc = MPI_ERR_SPAWN;
            break;
        }
    }
    if (rc == MPI_SUCCESS && bt_spawn_launch(cmds, napps, port, why, whylen) != 0)
        rc = MPI_ERR_SPAWN;
    free(programs);
    free(cmds);
    return rc;
}

/* The root asks for new processes on hosts it names (info "host", "hostfile"): they
 * may be on another. Only the root knows; the others open the network in the handshake
 * if it needs it. */
static int bt_spawn_remote(const bt_spawn_app_t *apps, int napps, int root, bt_comm_t *comm)
{
    for (int i = 0; comm->rank == root && i < napps; i++)
        if (apps[i].host != NULL || apps[i].hostfile != NULL)
            return 1;
    return 0;
}

int bt_comm_spawn(const bt_spawn_app_t *apps, int napps, int root, bt_comm_t *comm,
                  bt_comm_t **intercomm_p, int *errcodes, int nerrcodes, char *why,
                  size_t whylen)
{
    char port[MPI_MAX_PORT_NAME] = "";
    int rc = MPI_SUCCESS, launched = 0;

    *intercomm_p = NULL;
    if (comm->rank == root && napps == 0) {
        rc = MPI_ERR_ARG;   /* the root's arguments were wrong: it starts nothing */
    } else if (comm->rank == root) {
        rc = bt_port_open(port);
        if (rc != MPI_SUCCESS)
            snprintf(why, whylen, "cannot open a port for the new processes");
        else if ((rc = bt_spawn_start(apps, napps, port, why, whylen)) == MPI_SUCCESS)
            launched = 1;
        if (rc != MPI_SUCCESS && port[0] != '\0') {
            /* Nobody will connect: the accept finds no port and says so at once. */
            bt_port_close(port);
            port[0] = '\0';
        }
    }
    /* New processes on other hosts are reached through the network: every
     * parent opens its endpoint now, while they start (libfabric's start-up
     * costs a few hundred ms), rather than in the handshake. On this host they
     * are reached through shared memory, and nothing need start early. A
     * failure here is the handshake's to report. */
    if (bt_spawn_remote(apps, napps, root, comm)) {
        unsigned char addr[512];
        uint64_t secret[2];
        size_t len;
        (void)bt_pt2pt_reach(addr, sizeof(addr), &len, secret, 1);
    }
    /* The accept is collective even when the root could not start anything: it
     * tells its side so, instead of leaving it waiting. */
    {
        int status = rc;
        rc = bt_port_accept(port, root, comm, launched ? bt_spawn_gone : NULL, NULL,
                            intercomm_p);
        if (comm->rank == root) {
            if (status == MPI_SUCCESS && rc == MPI_SUCCESS)
                bt_spawn_connected();
            else if (launched)
                bt_spawn_failed();
            if (status == MPI_SUCCESS && rc == MPI_ERR_SPAWN)
                snprintf(why, whylen, "the new processes ended before they connected (see "
                         "their mpiexec's message)");
            if (status != MPI_SUCCESS)
                rc = status;
        }
    }
    if (port[0] != '\0')
        bt_port_close(port);
    /* A failure of the root's arrives at the others as the handshake's. */
    if (rc != MPI_SUCCESS && comm->rank != root)
        rc = MPI_ERR_SPAWN;
    /* maxprocs counts at the root only; the others learn it from the new group
     * (as MPICH does, the codes reach every rank). */
    if (rc == MPI_SUCCESS && comm->rank != root)
        nerrcodes = (*intercomm_p)->remote->size;
    for (int i = 0; errcodes != NULL && i < nerrcodes; i++)
        errcodes[i] = rc == MPI_SUCCESS ? MPI_SUCCESS : MPI_ERR_SPAWN;
    return rc;
}

int bt_comm_spawn_child_init(void)
{
    const char *port = getenv("BATON_PARENT_PORT");
    char name[MPI_MAX_PORT_NAME];
    int rc;

    /* Only MPI_Comm_spawn sets it, with a port's name: anything else is no
     * parent's (a stray value in the environment), and the job runs alone. */
    if (port == NULL || !bt_port_name_valid(port))
        return MPI_SUCCESS;
    bt_strlcpy(name, port, sizeof(name));
    /* Not for the jobs this one may spawn. */
    unsetenv("BATON_PARENT_PORT");
    unsetenv("BATON_APPNUM");
    rc = bt_port_connect(name, 0, &bt_comm_world, &bt_parent);
    if (rc == MPI_SUCCESS)
        bt_strlcpy(bt_parent->name, "MPI_COMM_PARENT", sizeof(bt_parent->name));
    return rc;
}

bt_comm_t *bt_comm_parent(void)
{
    return bt_parent;
}

void bt_comm_parent_forget(bt_comm_t *comm)
{
    if (comm == bt_parent)
        bt_parent = NULL;
}
