/* Communicator entry points: queries, constructors, names, free. */
#include "api/bt_api.h"
#include "comm/bt_info.h"
#include "pt2pt/bt_pt2pt.h"

#include <stdio.h>
#include <string.h>

#define BT_CHECK_PTR(comm, call, p, name) \
    do { if (bt_unlikely(!(p))) return bt_err_comm(comm, MPI_ERR_ARG, call, name " is NULL"); } while (0)

int PMPI_Comm_size(MPI_Comm h, int *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_size");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_size", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_size", size, "size");
    *size = comm->size;
    return MPI_SUCCESS;
}

int PMPI_Comm_rank(MPI_Comm h, int *rank)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_rank");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_rank", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_rank", rank, "rank");
    *rank = comm->rank;
    return MPI_SUCCESS;
}

static int bt_comm_dup_common(const char *call, MPI_Comm h, MPI_Comm *newcomm,
                              MPI_Request *request, int want_request)
{
    bt_comm_t *comm = NULL, *c = NULL;
    bt_request_t *req;
    int rc;

    if ((rc = bt_check_comm(call, h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, call, newcomm, "newcomm");
    if (want_request)
        BT_CHECK_PTR(comm, call, request, "request");
    if (want_request) {
        /* Returns before the other members have called it; the new handle is
         * usable once the request completes. */
        if ((rc = bt_comm_idup(comm, &c, &req)) != MPI_SUCCESS)
            return bt_err_comm_code(comm, rc, call);
        *newcomm = c->handle;
        *request = (MPI_Request)req;
        return MPI_SUCCESS;
    }
    if ((rc = bt_comm_dup(comm, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, call);
    *newcomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_dup");
    return bt_comm_dup_common("MPI_Comm_dup", comm, newcomm, NULL, 0);
}

/* As MPI_Comm_dup, but the new communicator's hints are info's, not comm's. */
int PMPI_Comm_dup_with_info(MPI_Comm h, MPI_Info info, MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_dup_with_info");
    bt_comm_t *comm = NULL;
    struct bt_info *in;
    int rc;

    if ((rc = bt_check_comm("MPI_Comm_dup_with_info", h, &comm)) != MPI_SUCCESS ||
        (rc = bt_check_info("MPI_Comm_dup_with_info", comm, info, &in)) != MPI_SUCCESS ||
        (rc = bt_comm_dup_common("MPI_Comm_dup_with_info", h, newcomm, NULL, 0)) != MPI_SUCCESS)
        return rc;
    bt_comm_set_info(bt_comm_get(*newcomm), in, 1);
    return MPI_SUCCESS;
}

/* Collective, but nothing needs agreeing on: every process keeps its own
 * assertions, each about its own calls. */
int PMPI_Comm_set_info(MPI_Comm h, MPI_Info info)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_set_info");
    bt_comm_t *comm = NULL;
    struct bt_info *in;
    int rc;

    if ((rc = bt_check_comm("MPI_Comm_set_info", h, &comm)) != MPI_SUCCESS ||
        (rc = bt_check_info("MPI_Comm_set_info", comm, info, &in)) != MPI_SUCCESS)
        return rc;
    bt_comm_set_info(comm, in, 0);
    return MPI_SUCCESS;
}

int PMPI_Comm_get_info(MPI_Comm h, MPI_Info *info_used)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_get_info");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Comm_get_info", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_get_info", info_used, "info_used");
    *info_used = bt_comm_get_info(comm)->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_idup");
    return bt_comm_dup_common("MPI_Comm_idup", comm, newcomm, request, 1);
}

/* As MPI_Comm_idup, with info's hints instead of comm's. */
int PMPI_Comm_idup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm,
                             MPI_Request *request)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_idup_with_info");
    bt_comm_t *c = NULL;
    struct bt_info *in;
    int rc;

    /* The hints are info's, set on the pending handle (a local call). */
    if ((rc = bt_check_comm("MPI_Comm_idup_with_info", comm, &c)) != MPI_SUCCESS ||
        (rc = bt_check_info("MPI_Comm_idup_with_info", c, info, &in)) != MPI_SUCCESS ||
        (rc = bt_comm_dup_common("MPI_Comm_idup_with_info", comm, newcomm, request, 1)) !=
        MPI_SUCCESS)
        return rc;
    bt_comm_set_info(bt_comm_get(*newcomm), in, 1);
    return MPI_SUCCESS;
}

static int bt_comm_split_common(const char *call, bt_comm_t *comm, int color, int key,
                                MPI_Comm *newcomm)
{
    bt_comm_t *c;
    int rc;

    if ((rc = bt_comm_split(comm, color, key, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, call);
    *newcomm = c ? c->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_split(MPI_Comm h, int color, int key, MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_split");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Comm_split", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_split", newcomm, "newcomm");
    if (color < 0 && color != MPI_UNDEFINED)
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Comm_split",
                           "color is %d, must be non-negative or MPI_UNDEFINED", color);
    return bt_comm_split_common("MPI_Comm_split", comm, color, key, newcomm);
}

int PMPI_Comm_split_type(MPI_Comm h, int split_type, int key, MPI_Info info, MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_split_type");
    bt_comm_t *comm = NULL;
    struct bt_info *in;
    const char *resource;
    int rc, color, level;

    if ((rc = bt_check_comm("MPI_Comm_split_type", h, &comm)) != MPI_SUCCESS ||
        (rc = bt_check_info("MPI_Comm_split_type", comm, info, &in)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_split_type", newcomm, "newcomm");
    /* On an intercommunicator the colors are the same kind of value on both sides
     * (a node's lowest world rank), so the split pairs each node's processes of
     * one group with that node's of the other. Only the unguided split, which
     * compares the members of one communicator, needs an intracommunicator. */
    if (comm->remote && split_type == MPI_COMM_TYPE_HW_UNGUIDED)
        return bt_err_comm(comm, MPI_ERR_COMM, "MPI_Comm_split_type",
                           "comm is an intercommunicator (MPI_COMM_TYPE_HW_UNGUIDED splits "
                           "intracommunicators only)");
    switch (split_type) {
    case MPI_UNDEFINED:
        color = MPI_UNDEFINED;
        break;
    case MPI_COMM_TYPE_SHARED:
        color = bt_comm_node_color();
        break;
    case MPI_COMM_TYPE_HW_UNGUIDED:
        /* The outermost level of hardware (node, package, NUMA node, caches, core,
         * thread) whose instances split comm into strict subsets; the caller
         * learns which through info. */
        if ((rc = bt_comm_hw_color(comm, -1, &color, &level)) != MPI_SUCCESS)
            return bt_err_comm_code(comm, rc, "MPI_Comm_split_type");
        if (color != MPI_UNDEFINED && in && !in->predefined)
            bt_info_set(in, "mpi_hw_resource_type", bt_hw_level_name(level));
        break;
    case MPI_COMM_TYPE_HW_GUIDED:
    case MPI_COMM_TYPE_RESOURCE_GUIDED:
        /* By the level info's mpi_hw_resource_type names; an unknown name, or none,
         * gives MPI_COMM_NULL, as the standard prescribes. Other members may pass
         * MPI_UNDEFINED, so the color is found without communication. */
        resource = in ? bt_info_value(in, "mpi_hw_resource_type") : NULL;
        color = bt_comm_hw_color_local(resource ? bt_hw_level_named(resource) : -1);
        break;
    default:
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Comm_split_type",
                           "split_type is %d, not a known split type", split_type);
    }
    return bt_comm_split_common("MPI_Comm_split_type", comm, color, key, newcomm);
}

static int bt_group_check_subset(const char *call, bt_comm_t *comm, bt_group_t *group)
{
    int *map = bt_group_world_map(comm->group), bad = -1;

    for (int i = 0; i < group->size && bad < 0; i++)
        if (map[group->world[i]] == MPI_UNDEFINED)
            bad = i;
    free(map);
    if (bad >= 0)
        return bt_err_comm(comm, MPI_ERR_GROUP, call, "group is not a subset of the "
                           "communicator's group (its rank %d is not a member)", bad);
    return MPI_SUCCESS;
}

static int bt_group_arg(const char *call, bt_comm_t *comm, MPI_Group h, bt_group_t **group_p)
{
    bt_group_t *g = bt_group_get(h);

    if (!g)
        return bt_err_comm(comm, MPI_ERR_GROUP, call, "invalid group%s",
                           h == MPI_GROUP_NULL ? " (MPI_GROUP_NULL)" : "");
    *group_p = g;
    return MPI_SUCCESS;
}

int PMPI_Comm_create(MPI_Comm h, MPI_Group gh, MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_create");
    bt_comm_t *comm = NULL, *c = NULL;
    bt_group_t *group = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Comm_create", h, &comm)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_group_arg("MPI_Comm_create", comm, gh, &group)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_create", newcomm, "newcomm");
    if ((rc = bt_group_check_subset("MPI_Comm_create", comm, group)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_comm_create(comm, group, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, "MPI_Comm_create");
    *newcomm = c ? c->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_create_group(MPI_Comm h, MPI_Group gh, int tag, MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_create_group");
    bt_comm_t *comm = NULL, *c = NULL;
    bt_group_t *group = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Comm_create_group", h, &comm)) != MPI_SUCCESS)
        return rc;
    if (comm->remote)
        return bt_err_comm(comm, MPI_ERR_COMM, "MPI_Comm_create_group",
                           "comm is an intercommunicator (must be an intracommunicator)");
    if ((rc = bt_group_arg("MPI_Comm_create_group", comm, gh, &group)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_create_group", newcomm, "newcomm");
    if ((rc = bt_check_tag("MPI_Comm_create_group", comm, tag, 0)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_group_check_subset("MPI_Comm_create_group", comm, group)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_comm_create_group(comm, group, tag, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, "MPI_Comm_create_group");
    *newcomm = c ? c->handle : MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_free(MPI_Comm *h)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_free");
    bt_comm_t *comm = NULL;
    int rc;

    if (!h)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Comm_free", "comm is NULL");
    if ((rc = bt_check_comm("MPI_Comm_free", *h, &comm)) != MPI_SUCCESS)
        return rc;
    if (comm == &bt_comm_world || comm == &bt_comm_self)
        return bt_err_comm(comm, MPI_ERR_COMM, "MPI_Comm_free", "%s cannot be freed",
                           comm == &bt_comm_world ? "MPI_COMM_WORLD" : "MPI_COMM_SELF");
    /* A delete callback's error stops the free; the handle stays valid. */
    if ((rc = bt_comm_free(comm)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, "MPI_Comm_free");
    *h = MPI_COMM_NULL;
    return MPI_SUCCESS;
}

int PMPI_Comm_compare(MPI_Comm h1, MPI_Comm h2, int *result)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_compare");
    bt_comm_t *c1 = NULL, *c2 = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_compare", h1, &c1)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_check_comm_local("MPI_Comm_compare", h2, &c2)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(c1, "MPI_Comm_compare", result, "result");
    *result = bt_comm_compare(c1, c2);
    return MPI_SUCCESS;
}

int PMPI_Comm_set_name(MPI_Comm h, const char *name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_set_name");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_set_name", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_set_name", name, "comm_name");
    /* Longer names are truncated, as the standard allows. */
    bt_strlcpy(comm->name, name, sizeof(comm->name));
    return MPI_SUCCESS;
}

int PMPI_Comm_get_name(MPI_Comm h, char *name, int *resultlen)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_get_name");
    bt_comm_t *comm = NULL;
    int rc;

    if (h == MPI_COMM_NULL && name && resultlen) {
        /* MPI 4.1: the null handle has a name too. */
        bt_strlcpy(name, "MPI_COMM_NULL", MPI_MAX_OBJECT_NAME);
        *resultlen = (int)strlen(name);
        return MPI_SUCCESS;
    }
    if ((rc = bt_check_comm_local("MPI_Comm_get_name", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_get_name", name, "comm_name");
    BT_CHECK_PTR(comm, "MPI_Comm_get_name", resultlen, "resultlen");
    bt_strlcpy(name, comm->name, MPI_MAX_OBJECT_NAME);
    *resultlen = (int)strlen(name);
    return MPI_SUCCESS;
}

int PMPI_Comm_test_inter(MPI_Comm h, int *flag)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_test_inter");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_test_inter", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_test_inter", flag, "flag");
    *flag = comm->remote != NULL;
    return MPI_SUCCESS;
}

/* An intercommunicator, for local calls (a pending idup's too). */
static int bt_check_inter(const char *call, MPI_Comm h, bt_comm_t **comm_p)
{
    int rc = bt_check_comm_local(call, h, comm_p);

    if (rc == MPI_SUCCESS && !(*comm_p)->remote)
        return bt_err_comm(*comm_p, MPI_ERR_COMM, call, "comm is not an intercommunicator");
    return rc;
}

int PMPI_Comm_remote_size(MPI_Comm h, int *size)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_remote_size");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_inter("MPI_Comm_remote_size", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_remote_size", size, "size");
    *size = comm->remote->size;
    return MPI_SUCCESS;
}

int PMPI_Comm_remote_group(MPI_Comm h, MPI_Group *group)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_remote_group");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_inter("MPI_Comm_remote_group", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_remote_group", group, "group");
    bt_group_retain(comm->remote);
    *group = comm->remote->handle;
    return MPI_SUCCESS;
}

int PMPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                          int remote_leader, int tag, MPI_Comm *newintercomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Intercomm_create");
    const char *call = "MPI_Intercomm_create";
    bt_comm_t *comm = NULL, *peer = NULL, *c = NULL;
    int rc, leader_err = MPI_SUCCESS;

    if ((rc = bt_check_comm(call, local_comm, &comm)) != MPI_SUCCESS)
        return rc;
    if (comm->remote)
        return bt_err_comm(comm, MPI_ERR_COMM, call, "local_comm is an intercommunicator "
                           "(must be an intracommunicator)");
    BT_CHECK_PTR(comm, call, newintercomm, "newintercomm");
    if (local_leader < 0 || local_leader >= comm->size)
        return bt_err_comm(comm, MPI_ERR_RANK, call, "local_leader is %d, local_comm has %d "
                           "rank%s", local_leader, comm->size, comm->size == 1 ? "" : "s");
    if ((rc = bt_check_tag(call, comm, tag, 0)) != MPI_SUCCESS)
        return rc;
    /* peer_comm and remote_leader matter at the leader only. A wrong one is
     * reported there, and the leader still takes part so that its side returns
     * the error rather than wait for it. */
    if (comm->rank == local_leader) {
        leader_err = bt_check_comm(call, peer_comm, &peer);
        if (leader_err == MPI_SUCCESS &&
            (remote_leader < 0 || remote_leader >= bt_comm_peer_size(peer)))
            leader_err = bt_err_comm(comm, MPI_ERR_RANK, call, "remote_leader is %d, peer_comm "
                                     "has %d rank%s", remote_leader, bt_comm_peer_size(peer),
                                     bt_comm_peer_size(peer) == 1 ? "" : "s");
    }
    rc = bt_intercomm_create(comm, local_leader, leader_err, peer, remote_leader, tag, &c);
    if (leader_err != MPI_SUCCESS)
        return leader_err;
    if (rc == MPI_ERR_ARG)
        return bt_err_comm(comm, rc, call, "the local and remote groups overlap (they must be "
                           "disjoint)");
    if (rc != MPI_SUCCESS)
        return bt_err_comm(comm, rc, call, "the handshake of the leaders failed "
                           "(see the local leader's error)");
    *newintercomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Intercomm_create_from_groups(MPI_Group local_group, int local_leader,
                                      MPI_Group remote_group, int remote_leader,
                                      const char *stringtag, MPI_Info info,
                                      MPI_Errhandler errhandler, MPI_Comm *newintercomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Intercomm_create_from_groups");
    const char *call = "MPI_Intercomm_create_from_groups";
    bt_group_t *local = bt_group_get(local_group), *remote = bt_group_get(remote_group);
    bt_errhandler_t *errh = NULL;
    bt_comm_t *c = NULL;
    int rc, *map, overlap = 0;

    /* As in MPI_Comm_create_from_group: the new communicator's handler takes the
     * errors of its making. */
    if ((rc = bt_check_comm_errhandler(call, errhandler, &errh)) != MPI_SUCCESS)
        return rc;
    if (!local || !remote)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_GROUP, call, "invalid %s%s",
                              !local ? "local_group" : "remote_group",
                              (!local ? local_group : remote_group) == MPI_GROUP_NULL
                                  ? " (MPI_GROUP_NULL)" : "");
    if (local->rank == MPI_UNDEFINED)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_GROUP, call,
                              "the calling process is not a member of local_group");
    if (local_leader < 0 || local_leader >= local->size)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_RANK, call,
                              "local_leader is %d, local_group has %d member%s", local_leader,
                              local->size, local->size == 1 ? "" : "s");
    if (remote_leader < 0 || remote_leader >= remote->size)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_RANK, call,
                              "remote_leader is %d, remote_group has %d member%s", remote_leader,
                              remote->size, remote->size == 1 ? "" : "s");
    if ((rc = bt_check_stringtag(call, errh, stringtag)) != MPI_SUCCESS)
        return rc;
    if (!newintercomm)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_ARG, call,
                              "newintercomm is NULL");
    (void)info;   /* no hint applies */
    map = bt_group_world_map(local);
    for (int i = 0; i < remote->size && !overlap; i++)
        overlap = map[remote->world[i]] != MPI_UNDEFINED;
    free(map);
    if (overlap)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_GROUP, call,
                              "local_group and remote_group overlap (they must be disjoint)");
    rc = bt_intercomm_create_from_groups(local, local_leader, remote, remote_leader, stringtag,
                                         errh, &c);
    if (rc != MPI_SUCCESS)
        return bt_err_session(errh, MPI_SESSION_NULL, rc, call, "%s",
                              rc == MPI_ERR_GROUP ? "the other side named other groups"
                                                  : "the handshake of the leaders failed");
    *newintercomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm *newintracomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Intercomm_merge");
    bt_comm_t *comm = NULL, *c = NULL;
    int rc;

    if ((rc = bt_check_inter("MPI_Intercomm_merge", intercomm, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Intercomm_merge", newintracomm, "newintracomm");
    if ((rc = bt_intercomm_merge(comm, high, &c)) != MPI_SUCCESS)
        return bt_err_comm_code(comm, rc, "MPI_Intercomm_merge");
    *newintracomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_group(MPI_Comm h, MPI_Group *group)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_group");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm_local("MPI_Comm_group", h, &comm)) != MPI_SUCCESS)
        return rc;
    BT_CHECK_PTR(comm, "MPI_Comm_group", group, "group");
    bt_group_retain(comm->group);
    *group = comm->group->handle;
    return MPI_SUCCESS;
}

/* The levels of hardware this process lies within, outermost first: each level
 * that holds all of its CPUs, named as mpi_hw_resource_type takes it, with the
 * instance's number (per node) as value; mpi_hw_resource_type lists them. */
int PMPI_Get_hw_resource_info(MPI_Info *hw_info)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Get_hw_resource_info");
    char list[256] = "", value[32];
    bt_info_t *in;
    size_t used = 0;

    if (!hw_info)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Get_hw_resource_info", "hw_info is NULL");
    in = bt_info_new();
    for (int level = 0; level < BT_HW_NLEVELS; level++) {
        long inst = bt_hw_instance(level);
        if (inst < 0)
            continue;
        snprintf(value, sizeof(value), "%ld", inst);
        bt_info_set(in, bt_hw_level_name(level), value);
        used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", used ? "," : "",
                                 bt_hw_level_name(level));
    }
    bt_info_set(in, "mpi_hw_resource_type", list);
    *hw_info = in->handle;
    return MPI_SUCCESS;
}
