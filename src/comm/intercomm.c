/* Intercommunicators: two disjoint groups, whose point-to-point ranks name the
 * members of the other group.
 *
 * No communicator need hold the processes of both groups, so each side agrees on
 * its own context id among its own members (bt_ctxid_alloc over an
 * intracommunicator of that side) and the leaders swap them: a message carries
 * the context its receiver matches on (comm->peer_ctx, see bt_comm_send_ctx).
 * Each side agrees on a second id for its local intracommunicator (comm->local),
 * on which the collectives' steps within a side run.
 *
 * Every constructor is the same handshake (bt_inter_build): the members of a side
 * gather their (color, key), agree on the two ids, the side's leader swaps the
 * side's description (its receive context, then world rank, color and key of each
 * member) with the other leader, and broadcasts the other side's. Each process
 * then knows both sides and picks the members of its color. */
#include "comm/bt_comm_impl.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <string.h>

/* How a side's leader reaches the other's: the other leader's rank in comm, the
 * context and the tag (-1: the next of the side's collective sequence). */
typedef struct bt_inter_bridge {
    bt_comm_t *comm;
    int        rank;
    uint32_t   ctx;
    int        tag;
} bt_inter_bridge_t;

/* One process of a side, as the handshake describes it. */
typedef struct bt_inter_member {
    int world, color, key, rank;
} bt_inter_member_t;

/* One side as the handshake sees it: its members (group, my rank among them)
 * talk on parent, member i being parent rank members[i] (NULL: i); its tags come
 * from the collective sequence of `tags`, or are all `tag` when it is NULL. */
typedef struct bt_inter_side {
    bt_comm_t   *parent;
    const int   *members;
    bt_group_t  *group;
    bt_comm_t   *tags;
    int          tag;
} bt_inter_side_t;

static int bt_inter_tag(const bt_inter_side_t *side)
{
    return side->tags ? bt_comm_next_tag(side->tags) : side->tag;
}

/* Every member of the side, participant i being member (i + root) % n: so that
 * bt_comm_bcast, which sends from participant 0, sends from root. */
typedef struct bt_inter_part {
    bt_comm_part_t part;
    int           *members;
} bt_inter_part_t;

static void bt_inter_part_init(bt_inter_part_t *ip, const bt_inter_side_t *side, int root)
{
    int n = side->group->size;

    ip->members = NULL;
    ip->part.parent = side->parent;
    ip->part.n = n;
    ip->part.me = side->group->rank;
    ip->part.members = side->members;
    ip->part.tag = bt_inter_tag(side);
    if (root == 0)
        return;
    ip->members = bt_malloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        ip->members[i] = side->members ? side->members[(i + root) % n] : (i + root) % n;
    ip->part.members = ip->members;
    ip->part.me = (ip->part.me - root + n) % n;
}

/* Sends len bytes and receives up to cap bytes from the same peer; *got_p is the
 * size that came. */
static int bt_inter_swap(const bt_inter_bridge_t *br, const void *out, size_t len, void *in,
                         size_t cap, size_t *got_p)
{
    bt_request_t *sreq, *rreq;
    int rc, rc2;

    rc = bt_pt2pt_isend(out, (MPI_Count)len, bt_datatype_get(MPI_BYTE), br->rank, br->tag,
                        br->comm, br->ctx, BT_MODE_STANDARD, &sreq);
    if (rc != MPI_SUCCESS)
        return rc;
    rc = bt_pt2pt_irecv(in, (MPI_Count)cap, bt_datatype_get(MPI_BYTE), br->rank, br->tag,
                        br->comm, br->ctx, &rreq);
    if (rc == MPI_SUCCESS) {
        rc = bt_request_wait(rreq);
        *got_p = (size_t)rreq->st_bytes;
        bt_request_release(rreq);
    }
    rc2 = bt_request_wait(sreq);
    bt_request_release(sreq);
    return rc != MPI_SUCCESS ? rc : rc2;
}

/* The world ranks of a description are peer indices of the process that wrote
 * it, which name other processes in another job (runtime/peers.c): the leaders
 * swap who each member is (job hash, rank there), and mine's are read as mine. */
static int bt_inter_translate(const bt_inter_bridge_t *br, const int *mine, int n, int *theirs,
                              int m)
{
    uint64_t *out = bt_malloc(2 * (size_t)n * sizeof(uint64_t));
    uint64_t *in = bt_malloc(2 * (size_t)m * sizeof(uint64_t));
    size_t got = 0;
    int rc;

    for (int i = 0; i < n; i++) {
        int r;
        bt_rt_peer_gid(mine[1 + 3 * i], &out[2 * i], &r);
        out[2 * i + 1] = (uint64_t)r;
    }
    rc = bt_inter_swap(br, out, 2 * (size_t)n * sizeof(uint64_t), in,
                       2 * (size_t)m * sizeof(uint64_t), &got);
    if (rc == MPI_SUCCESS && got != 2 * (size_t)m * sizeof(uint64_t))
        rc = MPI_ERR_INTERN;
    for (int i = 0; rc == MPI_SUCCESS && i < m; i++) {
        int peer = in[2 * i + 1] < (1u << 31) ? bt_rt_peer_find(in[2 * i], (int)in[2 * i + 1])
                                              : -1;
        if (peer < 0)
            rc = MPI_ERR_INTERN;   /* a process this one cannot reach */
        else
            theirs[1 + 3 * i] = peer;
    }
    free(out);
    free(in);
    return rc;
}

/* The leader's part of the handshake: swaps descriptions with the other leader.
 * Returns the other side's (*theirs_p, *m_p members) or an error. A description
 * that does not fit (a user's message on the same tag of the peer communicator)
 * is refused rather than read. */
static int bt_inter_leader_swap(const bt_inter_bridge_t *br, const int *mine, int n,
                                int **theirs_p, int *m_p)
{
    int count[2] = { n, 0 }, got_n[2] = { 0, 0 }, *theirs;
    size_t got = 0, len;
    int rc;

    rc = bt_inter_swap(br, count, sizeof(count), got_n, sizeof(got_n), &got);
    if (rc != MPI_SUCCESS)
        return rc;
    if (got != sizeof(got_n) || got_n[0] < 1 || got_n[0] > (1 << 24) || got_n[1] != 0)
        return MPI_ERR_INTERN;
    len = (1 + 3 * (size_t)got_n[0]) * sizeof(int);
    theirs = bt_malloc(len);
    rc = bt_inter_swap(br, mine, (1 + 3 * (size_t)n) * sizeof(int), theirs, len, &got);
    if (rc == MPI_SUCCESS && got != len)
        rc = MPI_ERR_INTERN;
    if (rc == MPI_SUCCESS)
        rc = bt_inter_translate(br, mine, n, theirs, got_n[0]);
    if (rc != MPI_SUCCESS) {
        free(theirs);
        return rc;
    }
    *theirs_p = theirs;
    *m_p = got_n[0];
    return MPI_SUCCESS;
}

static int bt_inter_member_cmp(const void *a, const void *b)
{
    const bt_inter_member_t *x = a, *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The members of desc (n of them) of color, by key then rank: a new group. */
static bt_group_t *bt_inter_pick(const int *desc, int n, int color)
{
    bt_inter_member_t *sel = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(*sel));
    int *w = bt_malloc((size_t)BT_MAX(n, 1) * sizeof(int)), k = 0;
    bt_group_t *g;

    for (int i = 0; i < n; i++)
        if (desc[1 + 3 * i + 1] == color) {
            sel[k].world = desc[1 + 3 * i];
            sel[k].color = color;
            sel[k].key = desc[1 + 3 * i + 2];
            sel[k].rank = i;
            k++;
        }
    qsort(sel, (size_t)k, sizeof(*sel), bt_inter_member_cmp);
    for (int i = 0; i < k; i++)
        w[i] = sel[i].world;
    g = bt_group_new(k, w);
    free(w);
    free(sel);
    return g;
}

/* Two sets of world ranks share a member. */
static int bt_inter_overlap(const bt_group_t *a, const int *desc, int m)
{
    int *map = bt_group_world_map(a), hit = 0;

    for (int i = 0; i < m && !hit; i++)
        hit = map[desc[1 + 3 * i]] != MPI_UNDEFINED;
    free(map);
    return hit;
}

/* A new intercommunicator (or NULL) derives from the session of what it is made
 * from. */
static void bt_inter_session(bt_comm_t *c, struct bt_session *session)
{
    if (c) {
        c->session = session;
        c->local->session = session;
    }
}

/* The handshake, collective over one side. lead: the side's leader (its rank in
 * the side), the only one that uses br. split: colors and keys differ (gathered
 * first); otherwise every member has color 0 and its rank as key. create: the
 * two sides must not overlap (MPI_Intercomm_create's rule). lead_err: the
 * leader's arguments are wrong; it takes part all the same, swaps nothing, and
 * every member returns this error instead of waiting forever. */
static int bt_inter_build(const bt_inter_side_t *side, int lead, int lead_err,
                          const bt_inter_bridge_t *br, int split, int create, int color, int key,
                          bt_errhandler_t *errh, bt_comm_t **newcomm_p)
{
    bt_group_t *group = side->group;
    int n = group->size, me = group->rank, m = 0, rc, commit = color != MPI_UNDEFINED;
    int *mine = bt_malloc((1 + 3 * (size_t)n) * sizeof(int)), *theirs = NULL;
    int head[2] = { MPI_SUCCESS, 0 }, tag;
    uint32_t ctx = 0, lctx = 0;
    bt_inter_bridge_t swap;
    bt_inter_part_t ip;
    bt_group_t *lg, *rg;
    bt_comm_t *c;

    *newcomm_p = NULL;
    for (int i = 0; i < n; i++) {
        mine[1 + 3 * i] = group->world[i];
        mine[1 + 3 * i + 1] = 0;
        mine[1 + 3 * i + 2] = i;
    }
    if (split) {
        int ck[2] = { color, key }, *all = bt_malloc(2 * (size_t)n * sizeof(int));
        bt_inter_part_init(&ip, side, 0);
        rc = bt_comm_allgather(&ip.part, ck, all, sizeof(ck));
        for (int i = 0; i < n; i++) {
            mine[1 + 3 * i + 1] = all[2 * i];
            mine[1 + 3 * i + 2] = all[2 * i + 1];
        }
        free(all);
        if (rc != MPI_SUCCESS)
            goto out;
    }
    /* One id of each kind serves every color of the side, whose groups are
     * disjoint, as in MPI_Comm_split. */
    bt_inter_part_init(&ip, side, 0);
    if ((rc = bt_ctxid_alloc(&ip.part, commit, &ctx)) != MPI_SUCCESS)
        goto out;
    ip.part.tag = bt_inter_tag(side);
    if ((rc = bt_ctxid_alloc(&ip.part, commit, &lctx)) != MPI_SUCCESS) {
        if (commit)
            bt_ctxid_free(ctx);
        goto out;
    }
    /* Every process of the side offered the same mask word for word, so they
     * all got the same ids: the leader's ctx is the side's. */
    mine[0] = (int)ctx;
    swap = *br;
    tag = bt_inter_tag(side);          /* taken by every member, to keep in step */
    if (swap.tag < 0)
        swap.tag = tag;
    if (me == lead && lead_err != MPI_SUCCESS) {
        head[0] = bt_errcode_class(lead_err);     /* the code's message is the leader's */
    } else if (me == lead) {
        head[0] = bt_inter_leader_swap(&swap, mine, n, &theirs, &m);
        head[1] = m;
    }
    bt_inter_part_init(&ip, side, lead);
    rc = bt_comm_bcast(&ip.part, head, sizeof(head));
    if (rc == MPI_SUCCESS && head[0] == MPI_SUCCESS) {
        m = head[1];
        if (me != lead)
            theirs = bt_malloc((1 + 3 * (size_t)m) * sizeof(int));
        ip.part.tag = bt_inter_tag(side);
        rc = bt_comm_bcast(&ip.part, theirs, (1 + 3 * (size_t)m) * sizeof(int));
    } else if (rc == MPI_SUCCESS) {
        rc = head[0];
    }
    free(ip.members);
    if (rc == MPI_SUCCESS && create && bt_inter_overlap(group, theirs, m))
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS || !commit) {
        if (commit) {
            bt_ctxid_free(ctx);
            bt_ctxid_free(lctx);
        }
        goto out;
    }
    lg = bt_inter_pick(mine, n, color);
    rg = bt_inter_pick(theirs, m, color);
    if (rg->size == 0) {
        /* The color has no member on the other side: no communicator. */
        bt_group_release(lg);
        bt_group_release(rg);
        bt_ctxid_free(ctx);
        bt_ctxid_free(lctx);
        goto out;
    }
    c = bt_comm_new(ctx, lg, errh);
    c->remote = rg;
    c->peer_ctx = (uint32_t)theirs[0];
    c->peer_lo = 0;
    c->peer_hi = rg->size;
    bt_group_retain(lg);
    c->local = bt_comm_new(lctx, lg, errh);
    *newcomm_p = c;
out:
    free(theirs);
    free(mine);
    return rc;
}

int bt_intercomm_create(bt_comm_t *local, int local_leader, int leader_err, bt_comm_t *peer,
                        int remote_leader, int tag, bt_comm_t **newcomm_p)
{
    bt_inter_side_t side = { local, NULL, local->group, local, 0 };
    bt_inter_bridge_t br = { peer, remote_leader, peer ? peer->ctx : 0, tag };
    int rc = bt_inter_build(&side, local_leader, leader_err, &br, 0, 1, 0, local->rank,
                            local->errh, newcomm_p);

    bt_inter_session(*newcomm_p, local->session);
    return rc;
}

int bt_intercomm_create_from_groups(bt_group_t *local, int local_leader, bt_group_t *remote,
                                    int remote_leader, const char *stringtag,
                                    bt_errhandler_t *errh, bt_comm_t **newcomm_p)
{
    /* No communicator need hold a side: as MPI_Comm_create_from_group does, each
     * side agrees among its own members over the job's internal communicator
     * (bt_comm_boot, whose ranks are world ranks), and the leaders swap there.
     * The tag is the string tag's hash in the negative range, which neither
     * Comm_create_group's tags nor the collectives' reach; the standard has
     * concurrent calls of overlapping processes use distinct string tags. */
    bt_inter_side_t side = { bt_comm_boot, local->world, local, NULL, 0 };
    bt_inter_bridge_t br = { bt_comm_boot, remote->world[remote_leader],
                             BT_CTX_COLL(bt_comm_boot), 0 };
    bt_comm_t *c;
    int rc;

    side.tag = br.tag = (int)(0x80000000u | (uint32_t)bt_stringtag_hash(stringtag));
    rc = bt_inter_build(&side, local_leader, MPI_SUCCESS, &br, 0, 1, 0, local->rank, errh, &c);
    if (rc != MPI_SUCCESS)
        return rc;
    /* The other side must have named the same groups. */
    if (bt_group_compare(c->remote, remote) != MPI_IDENT) {
        bt_comm_release(c);
        return MPI_ERR_GROUP;
    }
    bt_inter_session(c, local->session);
    *newcomm_p = c;
    return MPI_SUCCESS;
}

/* The handshake of a constructor over an intercommunicator: the sides are its
 * local intracommunicators, the leaders its ranks 0, on its collective context. */
static int bt_inter_derive(bt_comm_t *inter, int split, int color, int key,
                           bt_comm_t **newcomm_p)
{
    /* All tags come from inter's sequence, the same on both sides; the local
     * intracommunicator's own is never used, so that nothing on it can meet a
     * collective of inter in flight. */
    bt_inter_side_t side = { inter->local, NULL, inter->local->group, inter, 0 };
    bt_inter_bridge_t br = { inter, 0, BT_CTX_COLL(inter), -1 };
    int rc = bt_inter_build(&side, 0, MPI_SUCCESS, &br, split, 0, color, key, inter->errh,
                            newcomm_p);

    bt_inter_session(*newcomm_p, inter->session);
    return rc;
}

int bt_intercomm_dup(bt_comm_t *inter, bt_comm_t **newcomm_p)
{
    bt_comm_t *c;
    int rc;

    if ((rc = bt_inter_derive(inter, 0, 0, inter->rank, &c)) != MPI_SUCCESS)
        return rc;
    c->asserts = inter->asserts;   /* a dup carries the hints along */
    if ((rc = bt_attr_copy_all(inter, c)) != MPI_SUCCESS) {
        bt_comm_release(c);
        return rc;
    }
    *newcomm_p = c;
    return MPI_SUCCESS;
}

int bt_intercomm_split(bt_comm_t *inter, int color, int key, bt_comm_t **newcomm_p)
{
    return bt_inter_derive(inter, 1, color, key, newcomm_p);
}

int bt_intercomm_create_sub(bt_comm_t *inter, bt_group_t *group, bt_comm_t **newcomm_p)
{
    /* A split whose one color is the group, ranked in the group's order. */
    int member = group->rank != MPI_UNDEFINED;

    return bt_inter_derive(inter, 1, member ? 0 : MPI_UNDEFINED, member ? group->rank : 0,
                           newcomm_p);
}

int bt_intercomm_merge(bt_comm_t *inter, int high, bt_comm_t **newcomm_p)
{
    bt_comm_t *local = inter->local, *bridge;
    bt_inter_bridge_t br = { inter, 0, BT_CTX_COLL(inter), bt_comm_next_tag(inter) };
    int flag[2] = { high != 0, MPI_SUCCESS }, theirs[2] = { 0, 0 }, low, n, m, rc;
    /* The other side's high flag, the outcome of the swap, my side's flag. */
    int verdict[3] = { 0, MPI_SUCCESS, 0 };
    bt_inter_part_t ip;
    bt_comm_part_t p;
    bt_group_t *g;
    int *w;
    uint32_t ctx;

    /* The leaders swap their sides' high flags and tell their sides both: the
     * leader's flag stands for its side, so that all of it agrees on the order
     * even if its members' flags differ (which the standard does not allow). */
    if (local->rank == 0) {
        size_t got = 0;
        verdict[1] = bt_inter_swap(&br, flag, sizeof(flag), theirs, sizeof(theirs), &got);
        if (verdict[1] == MPI_SUCCESS && got != sizeof(theirs))
            verdict[1] = MPI_ERR_INTERN;
        verdict[0] = theirs[0];
        verdict[2] = flag[0];
    }
    {
        bt_inter_side_t side = { local, NULL, local->group, inter, 0 };
        bt_inter_part_init(&ip, &side, 0);
    }
    if ((rc = bt_comm_bcast(&ip.part, verdict, sizeof(verdict))) != MPI_SUCCESS)
        return rc;
    if (verdict[1] != MPI_SUCCESS)
        return verdict[1];
    /* The side with high false comes first; on a tie, the side whose first
     * member comes first (world rank, then job: the same verdict on both sides,
     * of one job or two). */
    if (verdict[2] != verdict[0])
        low = !verdict[2];
    else
        low = bt_rt_peer_cmp(inter->group->world[0], inter->remote->world[0]) < 0;
    n = inter->size;
    m = inter->remote->size;
    w = bt_malloc((size_t)(n + m) * sizeof(int));
    memcpy(w + (low ? 0 : m), inter->group->world, (size_t)n * sizeof(int));
    memcpy(w + (low ? n : 0), inter->remote->world, (size_t)m * sizeof(int));
    g = bt_group_new(n + m, w);
    free(w);
    /* The agreement on the new id runs over a communicator of both sides that
     * borrows inter's contexts: each rank of the other side is addressed on the
     * context that side matches on; the tag, from inter's sequence, keeps it
     * apart from inter's own collectives. */
    bt_group_retain(g);
    bridge = bt_comm_new(inter->ctx, g, inter->errh);
    bridge->peer_ctx = inter->peer_ctx;
    bridge->peer_lo = low ? n : 0;
    bridge->peer_hi = low ? n + m : m;
    p.parent = bridge;
    p.n = n + m;
    p.me = bridge->rank;
    p.members = NULL;
    p.tag = bt_comm_next_tag(inter);
    rc = bt_ctxid_alloc(&p, 1, &ctx);
    /* Id 0 (MPI_COMM_WORLD's) is never given back: the release must not give
     * back inter's, which the bridge only borrowed. */
    bridge->ctx = 0;
    bt_comm_release(bridge);
    if (rc != MPI_SUCCESS) {
        bt_group_release(g);
        return rc;
    }
    *newcomm_p = bt_comm_new(ctx, g, inter->errh);
    (*newcomm_p)->session = inter->session;
    return MPI_SUCCESS;
}
