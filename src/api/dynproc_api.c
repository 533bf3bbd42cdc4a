/* Dynamic process entry points: ports, accept/connect, join, disconnect,
 * spawn, the parent. */
#include "api/bt_api.h"
#include "coll/bt_coll.h"
#include "comm/bt_dynproc.h"
#include "comm/bt_info.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_names.h"

#include <stdio.h>
#include <string.h>

#define BT_CHECK_PTR(comm, call, p, name) \
    do { if (bt_unlikely(!(p))) return bt_err_comm(comm, MPI_ERR_ARG, call, name " is NULL"); } while (0)

int PMPI_Open_port(MPI_Info info, char *port_name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Open_port");
    bt_info_t *in = NULL;
    int rc;

    if ((rc = bt_check_info("MPI_Open_port", NULL, info, &in)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(NULL, "MPI_Open_port", port_name, "port_name");
    if ((rc = bt_port_open(port_name)) != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, "MPI_Open_port", "cannot listen for connections");
    return MPI_SUCCESS;
}

int PMPI_Close_port(const char *port_name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Close_port");

    BT_CHECK_PTR(NULL, "MPI_Close_port", port_name, "port_name");
    if (bt_port_close(port_name) != MPI_SUCCESS)
        return bt_err_comm(NULL, MPI_ERR_PORT, "MPI_Close_port", "'%.*s' is not a port this "
                           "process opened", 200, port_name);
    return MPI_SUCCESS;
}

/* MPI_Comm_accept (accept 1) and MPI_Comm_connect: an intracommunicator, a root
 * in it, a port name at the root. An error in the root's own arguments is
 * reported there, and the root takes part all the same, so that the others
 * return an error rather than wait for it. */
static int bt_port_meet(const char *call, int accept, const char *port_name, MPI_Info info,
                        int root, MPI_Comm h, MPI_Comm *newcomm)
{
    bt_comm_t *comm = NULL, *c = NULL;
    bt_info_t *in = NULL;
    int rc, root_err = MPI_SUCCESS;
    const char *name;

    if ((rc = bt_check_comm(call, h, &comm)) != MPI_SUCCESS)
        return rc;
    if (comm->remote)
        return bt_err_comm(comm, MPI_ERR_COMM, call, "comm is an intercommunicator (must be "
                           "an intracommunicator)");
    BT_CHECK_PTR(comm, call, newcomm, "newcomm");
    if ((rc = bt_check_root(call, comm, root)) != MPI_SUCCESS)
        return rc;
    if (comm->rank == root) {
        if ((rc = bt_check_info(call, comm, info, &in)) != MPI_SUCCESS)
            root_err = rc;
        else if (port_name == NULL)
            root_err = bt_err_comm(comm, MPI_ERR_ARG, call, "port_name is NULL");
    }
    name = comm->rank == root && !root_err ? port_name : "";
    rc = accept ? bt_port_accept(name, root, comm, NULL, NULL, &c)
                : bt_port_connect(name, root, comm, &c);
    if (root_err != MPI_SUCCESS)
        return root_err;
    if (rc == MPI_ERR_PORT && comm->rank == root && accept)
        return bt_err_comm(comm, rc, call, "'%.*s' is not a port this process opened "
                           "(MPI_Open_port), or the connection broke", 200, port_name);
    if (rc == MPI_ERR_PORT && comm->rank == root)
        return bt_err_comm(comm, rc, call, "nobody accepts at port '%.*s' (%s)", 200, port_name,
                           bt_port_name_valid(port_name) ? "closed, or its process is gone"
                                                         : "not a port name of Baton's");
    if (rc != MPI_SUCCESS)
        return bt_err_comm(comm, rc, call, "the connection failed (see the root's error)");
    *newcomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_accept(const char *port_name, MPI_Info info, int root, MPI_Comm h,
                     MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_accept");
    return bt_port_meet("MPI_Comm_accept", 1, port_name, info, root, h, newcomm);
}

int PMPI_Comm_connect(const char *port_name, MPI_Info info, int root, MPI_Comm h,
                      MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_connect");
    return bt_port_meet("MPI_Comm_connect", 0, port_name, info, root, h, newcomm);
}

int PMPI_Comm_join(int fd, MPI_Comm *intercomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_join");
    bt_comm_t *c = NULL;
    int rc;

    BT_CHECK_PTR(NULL, "MPI_Comm_join", intercomm, "intercomm");
    if (fd < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Comm_join", "fd is %d, must be a connected "
                           "socket", fd);
    if ((rc = bt_port_join(fd, &c)) != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, "MPI_Comm_join", "the handshake over fd %d failed (not "
                           "a socket connected to a process that calls MPI_Comm_join?)", fd);
    *intercomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_disconnect(MPI_Comm *h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_disconnect");
    const char *call = "MPI_Comm_disconnect";
    bt_comm_t *comm = NULL;
    bt_coll_args_t a = { .kind = BT_COLL_BARRIER, .blocking = 1 };
    bt_request_t *req = NULL;
    int rc;

    BT_CHECK_PTR(NULL, call, h, "comm");
    if ((rc = bt_check_comm(call, *h, &comm)) != MPI_SUCCESS)
        return rc;
    if (comm == &bt_comm_world || comm == &bt_comm_self)
        return bt_err_comm(comm, MPI_ERR_COMM, call, "%s cannot be disconnected",
                           comm == &bt_comm_world ? "MPI_COMM_WORLD" : "MPI_COMM_SELF");
    /* Every message on comm has arrived once all have entered: a barrier. */
    a.comm = comm;
    rc = bt_coll_start(&a, &req);
    if (rc == MPI_SUCCESS && req) {
        rc = bt_request_wait(req);
        bt_request_release(req);
    }
    if (rc != MPI_SUCCESS)
        return bt_err_comm(comm, rc, call, "the other processes did not all disconnect");
    bt_comm_parent_forget(comm);
    if ((rc = bt_comm_free(comm)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, call);
    *h = MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_get_parent(MPI_Comm *parent)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_get_parent");
    bt_comm_t *p = bt_comm_parent();

    BT_CHECK_PTR(NULL, "MPI_Comm_get_parent", parent, "parent");
    *parent = p ? p->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

/* One command's info keys, as the root reads them. */
static void bt_spawn_app_info(bt_spawn_app_t *app, bt_info_t *in)
{
    if (in == NULL)
        return;
    app->wdir = bt_info_value(in, "wdir");
    app->path = bt_info_value(in, "path");
    app->host = bt_info_value(in, "host");
    if (app->host == NULL)
        app->host = bt_info_value(in, "hosts");
    app->hostfile = bt_info_value(in, "hostfile");
    app->env = bt_info_value(in, "env");
}

static int bt_spawn_run(const char *call, bt_spawn_app_t *apps, int napps, int root,
                        bt_comm_t *comm, MPI_Comm *intercomm, int *errcodes, int nerrcodes)
{
    bt_comm_t *c = NULL;
    char why[512] = "";
    int rc = bt_comm_spawn(apps, napps, root, comm, &c, errcodes, nerrcodes, why, sizeof(why));

    if (rc != MPI_SUCCESS) {
        *intercomm = MPI_COMM_NULL;
        if (comm->rank == root && napps == 0)
            return rc;   /* the root's arguments: raised already */
        if (comm->rank == root && why[0])
            return bt_err_comm(comm, rc, call, "%s", why);
        return bt_err_comm(comm, rc, call, "the processes could not be started (see the "
                           "root's error)");
    }
    *intercomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_spawn(const char *command, char *argv[], int maxprocs, MPI_Info info, int root,
                    MPI_Comm h, MPI_Comm *intercomm, int array_of_errcodes[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_spawn");
    const char *call = "MPI_Comm_spawn";
    bt_spawn_app_t app = { 0 };
    bt_comm_t *comm = NULL;
    bt_info_t *in = NULL;
    int rc, root_err = MPI_SUCCESS;

    if ((rc = bt_check_comm(call, h, &comm)) != MPI_SUCCESS)
        return rc;
    if (comm->remote)
        return bt_err_comm(comm, MPI_ERR_COMM, call, "comm is an intercommunicator (must be "
                           "an intracommunicator)");
    BT_CHECK_PTR(comm, call, intercomm, "intercomm");
    if ((rc = bt_check_root(call, comm, root)) != MPI_SUCCESS)
        return rc;
    /* The root's own arguments: an error there is reported at the root, which
     * still takes part (starting nothing), so that the others do not wait. */
    if (comm->rank == root) {
        if (command == NULL)
            root_err = bt_err_comm(comm, MPI_ERR_ARG, call, "command is NULL");
        else if (maxprocs < 1)
            root_err = bt_err_comm(comm, MPI_ERR_ARG, call, "maxprocs is %d, must be positive",
                                   maxprocs);
        else
            root_err = bt_check_info(call, comm, info, &in);
        app.command = command;
        app.argv = argv;
        app.maxprocs = maxprocs;
        bt_spawn_app_info(&app, in);
    }
    rc = bt_spawn_run(call, &app, root_err ? 0 : 1, root, comm, intercomm, array_of_errcodes,
                      comm->rank == root && !root_err ? maxprocs : 0);
    return root_err ? root_err : rc;
}

int PMPI_Comm_spawn_multiple(int count, char *array_of_commands[], char **array_of_argv[],
                             const int array_of_maxprocs[], const MPI_Info array_of_info[],
                             int root, MPI_Comm h, MPI_Comm *intercomm, int array_of_errcodes[])
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_spawn_multiple");
    const char *call = "MPI_Comm_spawn_multiple";
    bt_spawn_app_t *apps = NULL;
    bt_comm_t *comm = NULL;
    int rc, total = 0, root_err = MPI_SUCCESS;

    if ((rc = bt_check_comm(call, h, &comm)) != MPI_SUCCESS)
        return rc;
    if (comm->remote)
        return bt_err_comm(comm, MPI_ERR_COMM, call, "comm is an intercommunicator (must be "
                           "an intracommunicator)");
    BT_CHECK_PTR(comm, call, intercomm, "intercomm");
    if ((rc = bt_check_root(call, comm, root)) != MPI_SUCCESS)
        return rc;
    if (comm->rank == root) {
        if (count < 1)
            root_err = bt_err_comm(comm, MPI_ERR_ARG, call, "count is %d, must be positive",
                                   count);
        else if (!array_of_commands || !array_of_maxprocs || !array_of_info)
            root_err = bt_err_comm(comm, MPI_ERR_ARG, call, "%s is NULL",
                                   !array_of_commands ? "array_of_commands" :
                                   !array_of_maxprocs ? "array_of_maxprocs" : "array_of_info");
        for (int i = 0; !root_err && i < count; i++) {
            if (array_of_commands[i] == NULL)
                root_err = bt_err_comm(comm, MPI_ERR_ARG, call, "array_of_commands[%d] is NULL",
                                       i);
            else if (array_of_maxprocs[i] < 1)
                root_err = bt_err_comm(comm, MPI_ERR_ARG, call, "array_of_maxprocs[%d] is %d, "
                                       "must be positive", i, array_of_maxprocs[i]);
            total += array_of_maxprocs[i];
        }
        if (!root_err)
            apps = bt_calloc((size_t)count, sizeof(*apps));
        for (int i = 0; !root_err && i < count; i++) {
            bt_info_t *in = NULL;
            root_err = bt_check_info(call, comm, array_of_info[i], &in);
            apps[i].command = array_of_commands[i];
            apps[i].argv = array_of_argv == MPI_ARGVS_NULL ? NULL : array_of_argv[i];
            apps[i].maxprocs = array_of_maxprocs[i];
            bt_spawn_app_info(&apps[i], in);
        }
    }
    rc = bt_spawn_run(call, apps, comm->rank == root && !root_err ? count : 0, root, comm,
                      intercomm, array_of_errcodes, root_err ? 0 : total);
    free(apps);
    return root_err ? root_err : rc;
}

/* The arguments every name call takes: an info, a service name, a port name. */
static int bt_name_args(const char *call, const char *service_name, MPI_Info info,
                        const char *port_name)
{
    bt_info_t *in = NULL;
    int rc;

    if ((rc = bt_check_info(call, NULL, info, &in)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(NULL, call, service_name, "service_name");
    BT_CHECK_PTR(NULL, call, port_name, "port_name");
    return MPI_SUCCESS;
}

int PMPI_Publish_name(const char *service_name, MPI_Info info, const char *port_name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Publish_name");
    const char *call = "MPI_Publish_name";
    int rc;

    if ((rc = bt_name_args(call, service_name, info, port_name)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_names_publish(service_name, port_name)) == MPI_ERR_SERVICE)
        return bt_err_comm(NULL, rc, call, "service '%.200s' is published already, or is "
                           "not a name (1 to 120 characters)", service_name);
    if (rc == MPI_ERR_ACCESS)
        return bt_err_comm(NULL, MPI_ERR_OTHER, call, "the names' directory (BATON_NAME_DIR) "
                           "is not a directory of this user's that only it may enter");
    if (rc != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, call, "the name service cannot be written (BATON_NAME_DIR)");
    return MPI_SUCCESS;
}

int PMPI_Unpublish_name(const char *service_name, MPI_Info info, const char *port_name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Unpublish_name");
    const char *call = "MPI_Unpublish_name";
    int rc;

    if ((rc = bt_name_args(call, service_name, info, port_name)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_names_unpublish(service_name)) != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, call, "service '%.200s' is not published by this process",
                           service_name);
    return MPI_SUCCESS;
}

int PMPI_Lookup_name(const char *service_name, MPI_Info info, char *port_name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Lookup_name");
    const char *call = "MPI_Lookup_name";
    int rc;

    if ((rc = bt_name_args(call, service_name, info, port_name)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_names_lookup(service_name, port_name, MPI_MAX_PORT_NAME)) == MPI_ERR_ACCESS)
        return bt_err_comm(NULL, MPI_ERR_NAME, call, "service '%.200s' was not looked up: the "
                           "names' directory (BATON_NAME_DIR) is not a directory of this "
                           "user's that only it may enter", service_name);
    if (rc != MPI_SUCCESS)
        return bt_err_comm(NULL, rc, call, "service '%.200s' is not published", service_name);
    return MPI_SUCCESS;
}
