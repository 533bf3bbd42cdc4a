/* Communicators: the two predefined ones, handles, and the constructors. */
#include "comm/bt_comm_impl.h"
#include "comm/bt_dynproc.h"
#include "comm/bt_info.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"
#include "util/bt_fhandle.h"

#include <string.h>

bt_comm_t bt_comm_world, bt_comm_self;

/* coll/ keeps per-communicator state in comm->coll and frees it here when it
 * defines this function; a weak reference so that comm/ does not need coll/. */
void bt_coll_comm_free(bt_comm_t *comm) __attribute__((weak));

static int bt_handle_ok(uintptr_t h)
{
    return h >= 0x10000 && (h & (sizeof(void *) - 1)) == 0;
}

bt_comm_t *bt_comm_get(MPI_Comm h)
{
    bt_comm_t *c;

    if (h == MPI_COMM_WORLD || h == MPI_COMM_SELF) {
        /* Sessions alone do not make the world model's communicators usable. */
        if (bt_unlikely(bt_rt.world != BT_WORLD_ACTIVE))
            return NULL;
        c = h == MPI_COMM_WORLD ? &bt_comm_world : &bt_comm_self;
    } else if (BT_HANDLE_IS_PREDEFINED(h) || !bt_handle_ok((uintptr_t)h))
        return NULL;
    else
        c = (bt_comm_t *)h;
    return c->magic == BT_COMM_MAGIC ? c : NULL;
}

static int bt_comm_is_static(const bt_comm_t *comm)
{
    return comm == &bt_comm_world || comm == &bt_comm_self;
}

void bt_comm_retain(bt_comm_t *comm)
{
    comm->refcount++;
}

void bt_comm_release(bt_comm_t *comm)
{
    if (--comm->refcount > 0 || bt_comm_is_static(comm))
        return;
    if (comm->coll && bt_coll_comm_free)
        bt_coll_comm_free(comm);
    bt_topo_release(comm->topo);
    bt_group_release(comm->group);
    if (comm->remote)
        bt_group_release(comm->remote);
    if (comm->local)
        bt_comm_release(comm->local);
    bt_errhandler_release(comm->errh);
    bt_ctxid_free(comm->ctx);
    /* Idle: the buffered messages' requests held the communicator. */
    free(comm->bsend);
    bt_fh_forget(BT_FH_COMM, comm);
    comm->magic = 0;
    free(comm);
}

static void bt_comm_setup(bt_comm_t *c, uint32_t ctx, bt_group_t *group, bt_errhandler_t *errh,
                          MPI_Comm handle)
{
    static uint64_t serials;

    c->magic = BT_COMM_MAGIC;
    c->serial = ++serials;
    c->refcount = 1;
    c->ctx = ctx;
    c->group = group;           /* takes the caller's reference */
    c->rank = group->rank;
    c->size = group->size;
    c->errh = errh;
    bt_errhandler_retain(errh);
    c->coll_seq = 0;
    c->coll_nbseq = 0;
    c->asserts = 0;
    c->attrs = NULL;
    c->coll = NULL;
    c->topo = NULL;
    c->remote = NULL;
    c->local = NULL;
    c->peer_ctx = ctx;
    c->peer_lo = c->peer_hi = 0;
    c->handle = handle;
    c->name[0] = '\0';
}

bt_comm_t *bt_comm_new(uint32_t ctx, bt_group_t *group, bt_errhandler_t *errh)
{
    bt_comm_t *c = bt_calloc(1, sizeof(*c));

    bt_comm_setup(c, ctx, group, errh, (MPI_Comm)c);
    return c;
}

int bt_comm_init(void)
{
    static int started;
    int *w = bt_malloc((size_t)BT_MAX(bt_rt.size, 1) * sizeof(int));
    bt_errhandler_t *fatal = bt_errhandler_get(MPI_ERRORS_ARE_FATAL);

    /* A later start keeps the ids: they are agreed with peers that may still be
     * in the previous start, and a communicator the program never freed keeps
     * its own, so that a new one cannot take it and its messages. */
    if (!started++)
        bt_ctxid_init();
    for (int i = 0; i < bt_rt.size; i++)
        w[i] = i;
    bt_comm_setup(&bt_comm_world, 0, bt_group_new(bt_rt.size, w), fatal, MPI_COMM_WORLD);
    bt_strlcpy(bt_comm_world.name, "MPI_COMM_WORLD", sizeof(bt_comm_world.name));
    free(w);
    bt_comm_setup(&bt_comm_self, 2, bt_group_new(1, &bt_rt.rank), fatal, MPI_COMM_SELF);
    bt_strlcpy(bt_comm_self.name, "MPI_COMM_SELF", sizeof(bt_comm_self.name));
    bt_group_retain(bt_comm_world.group);
    bt_comm_boot = bt_comm_new(4, bt_comm_world.group, fatal);
    return MPI_SUCCESS;
}

int bt_comm_ctx_outlives_end(uint32_t ctx)
{
    /* bt_comm_boot's, and MPI_COMM_WORLD's until the world model has run: a
     * peer may use either in a start this process has yet to begin, and no
     * agreement with this process comes first. */
    return ctx / 2 == 2 || (ctx / 2 == 0 && bt_rt.world == BT_WORLD_NONE);
}

void bt_comm_finalize_begin(void)
{
    bt_comm_t *statics[2] = { &bt_comm_self, &bt_comm_world };

    /* As if MPI_COMM_SELF were freed: its delete callbacks run in the reverse
     * order of setting (the list is newest first). Errors have no one to go to. */
    if (bt_comm_self.magic == BT_COMM_MAGIC)
        bt_attr_delete_all_anyway(&bt_comm_self);
    if (bt_comm_world.magic == BT_COMM_MAGIC)
        bt_attr_delete_all_anyway(&bt_comm_world);
    /* Then the collectives' state, while the transport still works: it may hold
     * sub-communicators with channels in the node's segment. */
    for (int i = 0; i < 2; i++) {
        bt_comm_t *c = statics[i];
        if (c->magic == BT_COMM_MAGIC && c->coll && bt_coll_comm_free)
            bt_coll_comm_free(c);
    }
}

void bt_comm_finalize(void)
{
    bt_comm_t *statics[2] = { &bt_comm_self, &bt_comm_world };

    bt_comm_finalize_begin();
    bt_port_close_all();
    if (bt_comm_boot) {
        bt_comm_release(bt_comm_boot);
        bt_comm_boot = NULL;
    }
    for (int i = 0; i < 2; i++) {
        bt_comm_t *c = statics[i];
        if (c->magic != BT_COMM_MAGIC)
            continue;
        bt_group_release(c->group);
        bt_errhandler_release(c->errh);
        c->group = NULL;
        c->errh = NULL;
        c->magic = 0;
    }
}

bt_comm_part_t bt_comm_part_all(bt_comm_t *comm)
{
    bt_comm_part_t p = { comm, comm->size, comm->rank, NULL, bt_comm_next_tag(comm) };
    return p;
}

/* What a duplicate takes from comm besides its group, handler and attributes:
 * its topology, its session and its hints. */
static void bt_comm_dup_traits(bt_comm_t *c, const bt_comm_t *comm)
{
    c->topo = comm->topo;
    bt_topo_retain(c->topo);
    c->session = comm->session;
    c->asserts = comm->asserts;
}

int bt_comm_dup(bt_comm_t *comm, bt_comm_t **newcomm_p)
{
    bt_comm_part_t p = bt_comm_part_all(comm);
    bt_comm_t *c;
    uint32_t ctx;
    int rc;

    if (comm->remote)
        return bt_intercomm_dup(comm, newcomm_p);
    if ((rc = bt_ctxid_alloc(&p, 1, &ctx)) != MPI_SUCCESS)
        return rc;
    bt_group_retain(comm->group);
    c = bt_comm_new(ctx, comm->group, comm->errh);
    bt_comm_dup_traits(c, comm);
    if ((rc = bt_attr_copy_all(comm, c)) != MPI_SUCCESS) {
        bt_comm_release(c);
        return rc;
    }
    *newcomm_p = c;
    return MPI_SUCCESS;
}

/* MPI_Comm_idup: the new communicator exists from the call on (it takes the
 * attributes as they are then, as the standard says), but it is pending until
 * its context id is agreed on: local calls work on it (mpi4py sets its error
 * handler right after the call), communication is refused instead of going out
 * on a wrong context. */
typedef struct bt_comm_idup {
    bt_ctxid_op_t *op;
    bt_comm_t     *newcomm;
    int            dropped;   /* a copy callback failed: the user has no handle */
} bt_comm_idup_t;

static int bt_comm_idup_poll(bt_request_t *req)
{
    bt_comm_idup_t *d = req->state;
    bt_comm_t *c = d->newcomm;
    uint32_t ctx = 0;

    if (!bt_ctxid_op_poll(d->op))
        return 0;
    req->st_error = bt_ctxid_op_result(d->op, &ctx);
    bt_ctxid_op_free(d->op);
    d->op = NULL;
    if (d->dropped) {
        if (req->st_error == MPI_SUCCESS)
            c->ctx = ctx;           /* given back by the release */
        bt_comm_release(c);
    } else if (req->st_error == MPI_SUCCESS) {
        c->ctx = ctx;
        c->pending = 0;
    } else {
        /* No context: it stays pending, and the user's handle keeps naming
         * it, so that using it is refused rather than undefined. */
        bt_attr_delete_all_anyway(c);
    }
    return 1;
}

static void bt_comm_idup_req_free(bt_request_t *req)
{
    bt_comm_idup_t *d = req->state;

    bt_ctxid_op_free(d->op);        /* NULL once the agreement is over */
    free(d);
    req->state = NULL;
}

int bt_comm_idup(bt_comm_t *comm, bt_comm_t **newcomm_p, bt_request_t **req_p)
{
    bt_comm_part_t p = bt_comm_part_all(comm);
    bt_comm_idup_t *d;
    bt_request_t *req;
    bt_comm_t *c;
    int rc;

    if (comm->remote) {
        /* An intercommunicator's two groups agree apart and swap their ids
         * (comm/intercomm.c), a blocking exchange: the request is done at once. */
        if ((rc = bt_intercomm_dup(comm, &c)) != MPI_SUCCESS)
            return rc;
        req = bt_request_new(BT_REQ_GENERIC);
        req->comm = comm;
        bt_comm_retain(comm);
        req->done = 1;
        *newcomm_p = c;
        *req_p = req;
        return MPI_SUCCESS;
    }
    bt_group_retain(comm->group);
    c = bt_comm_new(0, comm->group, comm->errh);
    c->pending = 1;
    bt_comm_dup_traits(c, comm);
    rc = bt_attr_copy_all(comm, c);
    d = bt_malloc(sizeof(*d));
    d->newcomm = c;
    d->dropped = rc != MPI_SUCCESS;
    d->op = bt_ctxid_op_new(&p, 1);
    req = bt_request_new(BT_REQ_GENERIC);
    req->comm = comm;
    bt_comm_retain(comm);
    req->tag = p.tag;
    req->state = d;
    req->poll_fn = bt_comm_idup_poll;
    req->free_fn = bt_comm_idup_req_free;
    if (bt_comm_idup_poll(req))
        req->done = 1;            /* alone: over at once, no need for the poll list */
    else
        bt_request_generic_start(req);
    if (rc != MPI_SUCCESS) {
        /* The other members go on agreeing: take part to the end all the same,
         * with the progress engine's hold only, then let the communicator go. */
        bt_request_release(req);
        return rc;
    }
    *newcomm_p = c;
    *req_p = req;
    return MPI_SUCCESS;
}

typedef struct { int key, rank; } bt_split_entry_t;

static int bt_split_cmp(const void *a, const void *b)
{
    const bt_split_entry_t *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

int bt_comm_split(bt_comm_t *comm, int color, int key, bt_comm_t **newcomm_p)
{
    bt_comm_part_t p;
    int mine[2] = { color, key }, *all, *w = NULL, n = 0, rc;
    bt_split_entry_t *sel = NULL;
    uint32_t ctx;

    if (comm->remote)
        return bt_intercomm_split(comm, color, key, newcomm_p);
    p = bt_comm_part_all(comm);
    all = bt_malloc((size_t)comm->size * 2 * sizeof(int));
    if ((rc = bt_comm_allgather(&p, mine, all, sizeof(mine))) != MPI_SUCCESS)
        goto out;
    /* Every process of comm takes part in the agreement, also those that get no
     * communicator: one id serves all colors, their groups being disjoint. */
    p.tag = bt_comm_next_tag(comm);
    if ((rc = bt_ctxid_alloc(&p, color != MPI_UNDEFINED, &ctx)) != MPI_SUCCESS)
        goto out;
    if (color == MPI_UNDEFINED) {
        *newcomm_p = NULL;
        goto out;
    }
    sel = bt_malloc((size_t)comm->size * sizeof(*sel));
    for (int r = 0; r < comm->size; r++)
        if (all[2 * r] == color) {
            sel[n].key = all[2 * r + 1];
            sel[n].rank = r;
            n++;
        }
    /* Ties in key keep the order of the old ranks. */
    qsort(sel, (size_t)n, sizeof(*sel), bt_split_cmp);
    w = bt_malloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        w[i] = comm->group->world[sel[i].rank];
    *newcomm_p = bt_comm_new(ctx, bt_group_new(n, w), comm->errh);
    (*newcomm_p)->session = comm->session;
out:
    free(w);
    free(sel);
    free(all);
    return rc;
}

int bt_comm_create(bt_comm_t *comm, bt_group_t *group, bt_comm_t **newcomm_p)
{
    bt_comm_part_t p;
    int member = group->rank != MPI_UNDEFINED, rc;
    uint32_t ctx;

    if (comm->remote)
        return bt_intercomm_create_sub(comm, group, newcomm_p);
    p = bt_comm_part_all(comm);
    if ((rc = bt_ctxid_alloc(&p, member, &ctx)) != MPI_SUCCESS)
        return rc;
    if (!member) {
        *newcomm_p = NULL;
        return MPI_SUCCESS;
    }
    bt_group_retain(group);
    *newcomm_p = bt_comm_new(ctx, group, comm->errh);
    (*newcomm_p)->session = comm->session;
    return MPI_SUCCESS;
}

int bt_comm_create_group(bt_comm_t *comm, bt_group_t *group, int tag, bt_comm_t **newcomm_p)
{
    bt_comm_part_t p;
    int *map, *members, rc;
    uint32_t ctx;

    if (group->rank == MPI_UNDEFINED) {
        *newcomm_p = NULL;
        return MPI_SUCCESS;
    }
    map = bt_group_world_map(comm->group);
    members = bt_malloc((size_t)group->size * sizeof(int));
    for (int i = 0; i < group->size; i++)
        members[i] = map[group->world[i]];
    free(map);
    /* Not comm->coll_seq: only the members take part, the others' counters
     * would fall behind. The user's tag tells concurrent calls apart. */
    p.parent = comm;
    p.n = group->size;
    p.me = group->rank;
    p.members = members;
    p.tag = BT_TAG_CREATE_GROUP | (tag & BT_TAG_SEQ_MASK);
    rc = bt_ctxid_alloc(&p, 1, &ctx);
    free(members);
    if (rc != MPI_SUCCESS)
        return rc;
    bt_group_retain(group);
    *newcomm_p = bt_comm_new(ctx, group, comm->errh);
    (*newcomm_p)->session = comm->session;
    return MPI_SUCCESS;
}

int bt_comm_free(bt_comm_t *comm)
{
    int rc = bt_attr_delete_all(comm);

    if (rc != MPI_SUCCESS)
        return rc;
    bt_comm_release(comm);
    return MPI_SUCCESS;
}

int bt_comm_hw_color(bt_comm_t *comm, int level, int *color_p, int *level_p)
{
    bt_comm_part_t p = bt_comm_part_all(comm);
    int64_t mine[BT_HW_NLEVELS], *all;
    int rc, n = comm->size;

    /* Instances are per node: a node's lowest world rank stands for it. */
    for (int l = 0; l < BT_HW_NLEVELS; l++) {
        long inst = bt_hw_instance(l);
        mine[l] = inst < 0 ? -1 : (int64_t)bt_comm_node_color() << 32 | (uint32_t)inst;
    }
    mine[BT_HW_NODE] = bt_comm_node_color();
    all = bt_malloc((size_t)n * sizeof(mine));
    if ((rc = bt_comm_allgather(&p, mine, all, sizeof(mine))) != MPI_SUCCESS) {
        free(all);
        return rc;
    }
    if (level < 0) {
        /* Unguided: the outermost level that every member knows and that splits
         * comm, the same choice on every member. */
        for (int l = 0; l < BT_HW_NLEVELS && level < 0; l++) {
            int known = 1, split = 0;
            for (int r = 0; r < n; r++) {
                known &= all[r * BT_HW_NLEVELS + l] >= 0;
                split |= all[r * BT_HW_NLEVELS + l] != all[l];
            }
            if (known && split)
                level = l;
        }
    }
    *level_p = level;
    *color_p = MPI_UNDEFINED;
    if (level >= 0 && mine[level] >= 0)
        for (int r = 0; r < n; r++)
            if (all[r * BT_HW_NLEVELS + level] == mine[level]) {
                *color_p = r;   /* the first member in my instance names it */
                break;
            }
    free(all);
    return MPI_SUCCESS;
}

int bt_comm_compare(const bt_comm_t *a, const bt_comm_t *b)
{
    int local;

    if (a == b)
        return MPI_IDENT;
    if (!a->remote != !b->remote)
        return MPI_UNEQUAL;
    local = bt_group_compare(a->group, b->group);
    /* Intercommunicators: both groups must be alike, the weaker result counts. */
    if (a->remote && local != MPI_UNEQUAL) {
        int remote = bt_group_compare(a->remote, b->remote);
        if (remote != MPI_IDENT)
            local = remote;
    }
    switch (local) {
    case MPI_IDENT:   return MPI_CONGRUENT;
    case MPI_SIMILAR: return MPI_SIMILAR;
    default:          return MPI_UNEQUAL;
    }
}

int bt_comm_node_color(void)
{
    int color = bt_rt.rank;

    /* The lowest world rank on my node names the node. */
    if (bt_rt.local_ranks)
        for (int i = 0; i < bt_rt.local_size; i++)
            color = BT_MIN(color, bt_rt.local_ranks[i]);
    return color;
}

static const struct { const char *key; unsigned bit; int returned; } bt_comm_hints[] = {
    { "mpi_assert_no_any_tag", BT_COMM_ASSERT_NO_ANY_TAG, 1 },
    { "mpi_assert_no_any_source", BT_COMM_ASSERT_NO_ANY_SOURCE, 1 },
    /* Kept, but nothing in Baton changes with them: MPI_Comm_get_info leaves
     * them out, as the standard has it for hints an implementation ignores. */
    { "mpi_assert_exact_length", BT_COMM_ASSERT_EXACT_LENGTH, 0 },
    { "mpi_assert_allow_overtaking", BT_COMM_ASSERT_ALLOW_OVERTAKING, 0 },
};

void bt_comm_set_info(bt_comm_t *comm, const bt_info_t *info, int replace)
{
    if (replace)
        comm->asserts = 0;
    for (size_t i = 0; info && i < BT_ARRAY_LEN(bt_comm_hints); i++) {
        switch (bt_info_bool(info, bt_comm_hints[i].key)) {
        case 1:
            comm->asserts |= bt_comm_hints[i].bit;
            break;
        case 0:
            comm->asserts &= ~bt_comm_hints[i].bit;
            break;
        default:
            break;   /* absent, or a value that is not a boolean: ignored */
        }
    }
}

bt_info_t *bt_comm_get_info(const bt_comm_t *comm)
{
    bt_info_t *info = bt_info_new();

    for (size_t i = 0; i < BT_ARRAY_LEN(bt_comm_hints); i++)
        if (bt_comm_hints[i].returned)
            bt_info_set(info, bt_comm_hints[i].key,
                        comm->asserts & bt_comm_hints[i].bit ? "true" : "false");
    return info;
}

/* The split color of this process's instance of hardware level (-1: none):
 * the node's, or the node's index and the instance's number, unique on the job
 * as long as both fit (2^15 nodes, 2^16 instances a node); else MPI_UNDEFINED. */
int bt_comm_hw_color_local(int level)
{
    long inst;

    if (level == BT_HW_NODE)
        return bt_comm_node_color();
    inst = level < 0 ? -1 : bt_hw_instance(level);
    if (inst < 0 || inst >= 1 << 16 || bt_rt.node < 0 || bt_rt.node >= 1 << 15)
        return MPI_UNDEFINED;
    return bt_rt.node << 16 | (int)inst;
}
