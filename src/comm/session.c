/* Sessions: the object, its error handler, and the process sets it offers.
 *
 * A session needs no communication to exist; what it gives are groups (from the
 * process sets) and communicators made from them without a parent, whose context
 * ids are agreed over an internal communicator of the whole job (ctx 4) that no
 * user handle reaches. */
#include "comm/bt_comm_impl.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"
#include "util/bt_fhandle.h"

#include <string.h>

/* The process sets, in the order MPI_Session_get_nth_pset gives them. mpix://SHARED
 * is the processes of my node (MPI_COMM_TYPE_SHARED), the name Open MPI uses too. */
static const char *const bt_pset_names[] = { "mpi://WORLD", "mpi://SELF", "mpix://SHARED" };

bt_comm_t *bt_comm_boot;

bt_session_t *bt_session_get(MPI_Session h)
{
    bt_session_t *s;

    if (BT_HANDLE_IS_PREDEFINED(h) || ((uintptr_t)h & (sizeof(void *) - 1)) ||
        (uintptr_t)h < 0x10000)
        return NULL;
    s = (bt_session_t *)h;
    return s->magic == BT_SESSION_MAGIC ? s : NULL;
}

bt_session_t *bt_session_new(bt_errhandler_t *errh, int thread_level)
{
    bt_session_t *s = bt_calloc(1, sizeof(*s));

    s->thread_level = thread_level;
    s->magic = BT_SESSION_MAGIC;
    s->errh = errh;
    bt_errhandler_retain(errh);
    s->handle = (MPI_Session)s;
    return s;
}

void bt_session_free(bt_session_t *s)
{
    bt_errhandler_release(s->errh);
    free(s->bsend);   /* idle: MPI_Session_finalize has flushed it */
    bt_fh_forget(BT_FH_SESSION, s);
    s->magic = 0;
    free(s);
}

int bt_session_raise(bt_errhandler_t *errh, MPI_Session h, int code)
{
    int c = code;

    if (bt_errhandler_is_predefined(errh) || !errh->comm_fn) {
        if (errh->handle == MPI_ERRORS_RETURN)
            return code;
        bt_errhandler_fatal(code);
    }
    /* The handler may free itself: hold it for the call. */
    bt_errhandler_retain(errh);
    if (errh->kind == BT_ERRH_SESSION) {
        ((MPI_Session_errhandler_function *)errh->comm_fn)(&h, &c);
    } else {
        MPI_Comm none = MPI_COMM_NULL;
        errh->comm_fn(&none, &c);
    }
    bt_errhandler_release(errh);
    return code;
}

int bt_pset_count(void)
{
    return (int)(sizeof(bt_pset_names) / sizeof(bt_pset_names[0]));
}

const char *bt_pset_name(int n)
{
    return n >= 0 && n < bt_pset_count() ? bt_pset_names[n] : NULL;
}

bt_group_t *bt_pset_group(bt_session_t *s, const char *name)
{
    bt_group_t *g;

    if (strcmp(name, "mpi://WORLD") == 0)
        g = bt_group_new(bt_comm_boot->group->size, bt_comm_boot->group->world);
    else if (strcmp(name, "mpi://SELF") == 0)
        g = bt_group_new(1, &bt_rt.rank);
    else if (strcmp(name, "mpix://SHARED") == 0)
        g = bt_rt.local_ranks ? bt_group_new(bt_rt.local_size, bt_rt.local_ranks)
                              : bt_group_new(1, &bt_rt.rank);
    else
        return NULL;
    g->session = s;
    return g;
}

/* FNV-1a, folded into the tags that Comm_create_group's range leaves. */
int bt_stringtag_hash(const char *tag)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
        h = (h ^ *p) * 16777619u;
    return (int)(h & BT_TAG_SEQ_MASK);
}

int bt_comm_create_from_group(bt_group_t *group, const char *stringtag, bt_errhandler_t *errh,
                              bt_comm_t **newcomm_p)
{
    bt_comm_t *c = NULL;
    int rc = bt_comm_create_group(bt_comm_boot, group, bt_stringtag_hash(stringtag), &c);

    if (rc != MPI_SUCCESS)
        return rc;
    if (c) {
        bt_comm_set_errhandler(c, errh);
        c->session = group->session;
    }
    *newcomm_p = c;
    return MPI_SUCCESS;
}
