/* Sessions: MPI_Session_*, process sets, groups and communicators made from them.
 * Errors go to the session's error handler (MPI_Session_init's own to the one it
 * is given), and from MPI_Comm_create_from_group to the one it is given. */
#include "api/bt_api.h"
#include "comm/bt_info.h"
#include "pt2pt/bt_pt2pt.h"

#include <stdio.h>
#include <string.h>

#define BT_SESSION_ERR(s, cls, call, ...) bt_err_session((s)->errh, (s)->handle, cls, call, __VA_ARGS__)

int PMPI_Session_init(MPI_Info info, MPI_Errhandler errhandler, MPI_Session *session)
{
    /* Takes the lock only once the runtime runs at MPI_THREAD_MULTIPLE. */
    BT_API_LOCK();
    const char *call = "MPI_Session_init";
    bt_errhandler_t *errh = bt_errhandler_get(errhandler);
    bt_info_t *in = NULL;
    const char *level;
    /* Any thread may use a session unless its info asks for less: the level
     * mpi4py asks for. */
    int required = MPI_THREAD_MULTIPLE, provided, rc;

    if (!errh)
        return bt_err_comm(NULL, MPI_ERR_ERRHANDLER, call, "invalid error handler%s",
                           errhandler == MPI_ERRHANDLER_NULL ? " (MPI_ERRHANDLER_NULL)" : "");
    if (!bt_errhandler_is_predefined(errh) && errh->kind != BT_ERRH_SESSION)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_ERRHANDLER, call,
                              "errhandler was not created for sessions");
    if (!session)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_ARG, call, "session is NULL");
    if (info != MPI_INFO_NULL && !(in = bt_info_get(info)))
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_INFO, call, "invalid info");
    if (in && (level = bt_info_value(in, "thread_level")) &&
        (required = bt_info_thread_level_named(level)) < 0)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_INFO_VALUE, call,
                              "thread_level is \"%.64s\", not one of MPI_THREAD_SINGLE, "
                              "_FUNNELED, _SERIALIZED, _MULTIPLE", level);
    /* After the end of every session and of the world model, this starts MPI
     * again: sessions, unlike the world model, may come and go for the whole
     * life of the process. */
    rc = bt_runtime_open(required, &provided);
    if (rc != MPI_SUCCESS)
        return bt_err_session(errh, MPI_SESSION_NULL, rc, call, "the job could not be set up");
    *session = bt_session_new(errh, provided)->handle;
    return MPI_SUCCESS;
}

int PMPI_Session_finalize(MPI_Session *session)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_finalize");
    bt_session_t *s = NULL;
    int rc;

    if (!session)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Session_finalize", "session is NULL");
    if ((rc = bt_check_session("MPI_Session_finalize", *session, &s)) != MPI_SUCCESS)
        return rc;
    /* Its buffered messages leave before it goes. */
    if (bt_bsend_attached(s->bsend))
        bt_bsend_flush(s->bsend);
    bt_session_free(s);
    *session = MPI_SESSION_NULL;
    return bt_runtime_close();
}

int PMPI_Session_get_num_psets(MPI_Session session, MPI_Info info, int *npset_names)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_get_num_psets");
    bt_session_t *s = NULL;
    int rc;

    if ((rc = bt_check_session("MPI_Session_get_num_psets", session, &s)) != MPI_SUCCESS)
        return rc;
    if (!npset_names)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Session_get_num_psets", "npset_names is NULL");
    *npset_names = bt_pset_count();
    return MPI_SUCCESS;
}

int PMPI_Session_get_nth_pset(MPI_Session session, MPI_Info info, int n, int *pset_len,
                              char *pset_name)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_get_nth_pset");
    const char *name;
    bt_session_t *s = NULL;
    int rc, len;

    if ((rc = bt_check_session("MPI_Session_get_nth_pset", session, &s)) != MPI_SUCCESS)
        return rc;
    if (!pset_len)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Session_get_nth_pset", "pset_len is NULL");
    name = bt_pset_name(n);
    if (!name)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Session_get_nth_pset",
                              "n is %d, the session has %d process sets (0 to %d)", n,
                              bt_pset_count(), bt_pset_count() - 1);
    if (*pset_len < 0)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Session_get_nth_pset",
                              "pset_len is %d, must be non-negative", *pset_len);
    len = (int)strlen(name) + 1;
    /* pset_len 0 asks only for the length; a short buffer gets a truncated,
     * terminated name. */
    if (*pset_len > 0) {
        if (!pset_name)
            return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Session_get_nth_pset",
                                  "pset_name is NULL");
        bt_strlcpy(pset_name, name, (size_t)*pset_len);
    }
    *pset_len = len;
    return MPI_SUCCESS;
}

int PMPI_Group_from_session_pset(MPI_Session session, const char *pset_name,
                                 MPI_Group *newgroup)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Group_from_session_pset");
    bt_session_t *s = NULL;
    bt_group_t *g;
    int rc;

    if ((rc = bt_check_session("MPI_Group_from_session_pset", session, &s)) != MPI_SUCCESS)
        return rc;
    if (!pset_name || !newgroup)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Group_from_session_pset", "%s is NULL",
                              pset_name ? "newgroup" : "pset_name");
    g = bt_pset_group(s, pset_name);
    if (!g)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Group_from_session_pset",
                              "no process set is named \"%.64s\" (see "
                              "MPI_Session_get_nth_pset)", pset_name);
    *newgroup = g->handle;
    return MPI_SUCCESS;
}

int PMPI_Comm_create_from_group(MPI_Group group, const char *stringtag, MPI_Info info,
                                MPI_Errhandler errhandler, MPI_Comm *newcomm)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Comm_create_from_group");
    const char *call = "MPI_Comm_create_from_group";
    bt_errhandler_t *errh = NULL;
    bt_group_t *g = bt_group_get(group);
    bt_comm_t *c = NULL;
    int rc;

    /* The new communicator's handler takes the errors of its making. */
    if ((rc = bt_check_comm_errhandler(call, errhandler, &errh)) != MPI_SUCCESS)
        return rc;
    if (!g)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_GROUP, call, "invalid group%s",
                              group == MPI_GROUP_NULL ? " (MPI_GROUP_NULL)" : "");
    if ((rc = bt_check_stringtag(call, errh, stringtag)) != MPI_SUCCESS)
        return rc;
    if (!newcomm)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_ARG, call, "newcomm is NULL");
    if (g->rank == MPI_UNDEFINED)
        return bt_err_session(errh, MPI_SESSION_NULL, MPI_ERR_GROUP, call,
                              "the calling process is not a member of group");
    if ((rc = bt_comm_create_from_group(g, stringtag, errh, &c)) != MPI_SUCCESS)
        return bt_err_session(errh, MPI_SESSION_NULL, rc, call, "the creation failed");
    *newcomm = c->handle;
    return MPI_SUCCESS;
}

int PMPI_Session_create_errhandler(MPI_Session_errhandler_function *fn,
                                   MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_create_errhandler");

    if (!fn || !errhandler)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Session_create_errhandler", "%s is NULL",
                           fn ? "errhandler" : "session_errhandler_fn");
    *errhandler = bt_errhandler_create(BT_ERRH_SESSION,
                                       (MPI_Comm_errhandler_function *)fn)->handle;
    return MPI_SUCCESS;
}

int PMPI_Session_set_errhandler(MPI_Session session, MPI_Errhandler errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_set_errhandler");
    bt_session_t *s = NULL;
    bt_errhandler_t *errh = bt_errhandler_get(errhandler);
    int rc;

    if ((rc = bt_check_session("MPI_Session_set_errhandler", session, &s)) != MPI_SUCCESS)
        return rc;
    if (!errh)
        return BT_SESSION_ERR(s, MPI_ERR_ERRHANDLER, "MPI_Session_set_errhandler",
                              "invalid error handler%s", errhandler == MPI_ERRHANDLER_NULL ?
                              " (MPI_ERRHANDLER_NULL)" : "");
    if (!bt_errhandler_is_predefined(errh) && errh->kind != BT_ERRH_SESSION)
        return BT_SESSION_ERR(s, MPI_ERR_ERRHANDLER, "MPI_Session_set_errhandler",
                              "errhandler was not created for sessions");
    bt_errhandler_replace(&s->errh, errh);
    return MPI_SUCCESS;
}

int PMPI_Session_get_errhandler(MPI_Session session, MPI_Errhandler *errhandler)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_get_errhandler");
    bt_session_t *s = NULL;
    int rc;

    if ((rc = bt_check_session("MPI_Session_get_errhandler", session, &s)) != MPI_SUCCESS)
        return rc;
    if (!errhandler)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Session_get_errhandler", "errhandler is NULL");
    /* A new reference: the caller frees it. */
    bt_errhandler_retain(s->errh);
    *errhandler = s->errh->handle;
    return MPI_SUCCESS;
}

int PMPI_Session_call_errhandler(MPI_Session session, int errorcode)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_call_errhandler");
    bt_session_t *s = NULL;
    int rc;

    if ((rc = bt_check_session("MPI_Session_call_errhandler", session, &s)) != MPI_SUCCESS)
        return rc;
    /* As for communicators: the call succeeded if the handler returned. */
    bt_session_raise(s->errh, s->handle, errorcode);
    return MPI_SUCCESS;
}

/* The hints the session runs with: its thread level. */
int PMPI_Session_get_info(MPI_Session session, MPI_Info *info_used)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_get_info");
    bt_session_t *s = NULL;
    bt_info_t *in;
    int rc;

    if ((rc = bt_check_session("MPI_Session_get_info", session, &s)) != MPI_SUCCESS)
        return rc;
    if (!info_used)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, "MPI_Session_get_info", "info_used is NULL");
    in = bt_info_new();
    bt_info_set(in, "thread_level", bt_info_thread_level_name(s->thread_level));
    *info_used = in->handle;
    return MPI_SUCCESS;
}

/* mpi_size: how many processes the set holds, the one key the standard names. */
int PMPI_Session_get_pset_info(MPI_Session session, const char *pset_name, MPI_Info *info)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Session_get_pset_info");
    const char *call = "MPI_Session_get_pset_info";
    bt_session_t *s = NULL;
    bt_group_t *g;
    bt_info_t *in;
    char size[16];
    int rc;

    if ((rc = bt_check_session(call, session, &s)) != MPI_SUCCESS)
        return rc;
    if (!pset_name || !info)
        return BT_SESSION_ERR(s, MPI_ERR_ARG, call, "%s is NULL", pset_name ? "info" : "pset_name");
    if (!(g = bt_pset_group(s, pset_name)))
        return BT_SESSION_ERR(s, MPI_ERR_ARG, call, "no process set is named \"%.64s\" (see "
                              "MPI_Session_get_nth_pset)", pset_name);
    snprintf(size, sizeof(size), "%d", g->size);
    bt_group_release(g);
    in = bt_info_new();
    bt_info_set(in, "mpi_size", size);
    *info = in->handle;
    return MPI_SUCCESS;
}
