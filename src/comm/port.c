/* Ports: MPI_Open_port, MPI_Comm_accept, MPI_Comm_connect, MPI_Comm_join.
 *
 * A port is a listening TCP socket of the opening process; its name says where
 * it listens and carries a random token that a connecting root must present
 * first, so that a stranger who finds the socket learns nothing and is dropped.
 * Once the two roots hold a connected socket (accepted, connected, or the user's
 * for MPI_Comm_join), the handshake runs over it: each side gathers who its
 * members are (job hash and rank, runtime/peers.c, and their host) and agrees on
 * its context ids, the roots swap both, and when the two sides are not all of one
 * job every member makes itself reachable (bt_pt2pt_reach: shared memory for the
 * processes of its host, the network only when some process of the other job is
 * on another host) and the roots swap the members' addresses too. Each process then makes the other side's processes peers, the
 * sides confirm that all have (no frame may reach a process that does not know
 * its sender yet: it would be dropped), and each builds the intercommunicator
 * as MPI_Intercomm_create does. The socket only carries the handshake. */
#include "comm/bt_comm_impl.h"
#include "comm/bt_dynproc.h"
#include "pt2pt/bt_pt2pt.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define BT_PORT_MAGIC    0x42745054u   /* "BtPT" */
#define BT_PORT_ADDR_MAX 288   /* a mailbox and a network address */
#define BT_PORT_PREFIX   "baton-port:"
/* How long a connect waits for the other root to take the connection, and a
 * root for the next piece of a handshake already begun. */
#define BT_PORT_TIMEOUT_MS 60000

typedef struct bt_port {
    struct bt_port *next;
    int             fd;
    uint64_t        token;
    char            name[MPI_MAX_PORT_NAME];
} bt_port_t;

static bt_port_t *bt_ports;

/* Who a member is. */
typedef struct bt_port_id {
    uint64_t job;
    uint64_t host;     /* bt_pt2pt_host */
    int32_t  rank;
    int32_t  pad;
} bt_port_id_t;

/* How to reach a member of another job. */
typedef struct bt_port_addr {
    uint64_t secret[2];
    uint32_t len;
    uint32_t pad;
    unsigned char addr[BT_PORT_ADDR_MAX];
} bt_port_addr_t;

/* What the roots swap first. */
typedef struct bt_port_head {
    uint32_t magic;
    int32_t  status;   /* MPI_SUCCESS, or why this side gives up */
    int32_t  n;        /* members */
    uint32_t ctx;      /* the context its members receive on */
} bt_port_head_t;

/* ---- the socket ---------------------------------------------------------------- */

/* Waits until fd is ready for events (or ms pass: 0), serving MPI meanwhile:
 * this side's other members wait in a collective for this root, and a thread of
 * this process may want the big lock. -1: the peer is gone. */
static int bt_port_wait(int fd, short events, int ms)
{
    struct pollfd pfd = { .fd = fd, .events = events };

    for (int waited = 0; ms < 0 || waited < ms; waited += 10) {
        int depth = bt_lock_release_all(), rc;
        rc = poll(&pfd, 1, 10);
        bt_lock_restore(depth);
        if (rc > 0)
            return (pfd.revents & (events | POLLHUP | POLLERR)) ? 1 : 0;
        if (rc < 0 && errno != EINTR)
            return -1;
        bt_progress_poll();
    }
    return 0;
}

static int bt_port_write(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t k = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k > 0) {
            p += k;
            len -= (size_t)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (bt_port_wait(fd, POLLOUT, BT_PORT_TIMEOUT_MS) <= 0)
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

static int bt_port_read(int fd, void *buf, size_t len, int ms)
{
    char *p = buf;

    while (len > 0) {
        ssize_t k = recv(fd, p, len, MSG_DONTWAIT);
        if (k > 0) {
            p += k;
            len -= (size_t)k;
        } else if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (bt_port_wait(fd, POLLIN, ms) <= 0)
                return -1;
        } else {
            return -1;   /* closed, or broken */
        }
    }
    return 0;
}

/* The acceptor writes first, the connector reads first, so that neither waits on
 * a full socket for the other. */
static int bt_port_swap(int fd, int first, const void *out, size_t olen, void *in, size_t ilen)
{
    if (first)
        return bt_port_write(fd, out, olen) == 0 &&
               bt_port_read(fd, in, ilen, BT_PORT_TIMEOUT_MS) == 0 ? 0 : -1;
    return bt_port_read(fd, in, ilen, BT_PORT_TIMEOUT_MS) == 0 &&
           bt_port_write(fd, out, olen) == 0 ? 0 : -1;
}

/* ---- port names ------------------------------------------------------------------ */

/* The address a port listens on: the one the job's hosts talk on when the
 * launcher gave it (so that other hosts reach it), else loopback. */
static const char *bt_port_host(void)
{
    const char *a = getenv("BATON_NET_ADDR");

    return a != NULL && *a != '\0' ? a : "127.0.0.1";
}

int bt_port_open(char *name)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    bt_port_t *p;
    int fd;

    if (inet_pton(AF_INET, bt_port_host(), &sa.sin_addr) != 1)
        return MPI_ERR_PORT;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return MPI_ERR_NO_MEM;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return MPI_ERR_PORT;
    }
    p = bt_calloc(1, sizeof(*p));
    p->fd = fd;
    if (getrandom(&p->token, sizeof(p->token), 0) != (ssize_t)sizeof(p->token)) {
        close(fd);
        free(p);
        return MPI_ERR_INTERN;
    }
    snprintf(p->name, sizeof(p->name), BT_PORT_PREFIX "%s:%u:%016llx", bt_port_host(),
             (unsigned)ntohs(sa.sin_port), (unsigned long long)p->token);
    p->next = bt_ports;
    bt_ports = p;
    memcpy(name, p->name, strlen(p->name) + 1);
    return MPI_SUCCESS;
}

static bt_port_t **bt_port_find(const char *name)
{
    for (bt_port_t **l = &bt_ports; *l; l = &(*l)->next)
        if (strncmp((*l)->name, name, MPI_MAX_PORT_NAME) == 0)
            return l;
    return NULL;
}

int bt_port_close(const char *name)
{
    bt_port_t **l = bt_port_find(name), *p;

    if (l == NULL)
        return MPI_ERR_PORT;
    p = *l;
    *l = p->next;
    close(p->fd);
    free(p);
    return MPI_SUCCESS;
}

void bt_port_close_all(void)
{
    while (bt_ports)
        bt_port_close(bt_ports->name);
}

/* Parses a port name: 0, or -1 when it is not one of ours. */
static int bt_port_parse(const char *name, struct sockaddr_in *sa, uint64_t *token_p)
{
    char host[64];
    unsigned port;
    unsigned long long token;
    int used = 0;

    if (strncmp(name, BT_PORT_PREFIX, strlen(BT_PORT_PREFIX)) != 0)
        return -1;
    if (sscanf(name + strlen(BT_PORT_PREFIX), "%63[0-9.]:%u:%16llx%n", host, &port, &token,
               &used) != 3 || name[strlen(BT_PORT_PREFIX) + (size_t)used] != '\0' ||
        port == 0 || port > 65535)
        return -1;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -1;
    *token_p = token;
    return 0;
}

int bt_port_name_valid(const char *name)
{
    struct sockaddr_in sa;
    uint64_t token;

    return bt_port_parse(name, &sa, &token) == 0;
}

/* The root of MPI_Comm_accept: the next connection that presents the port's
 * token (others are dropped). */
static int bt_port_take(const char *name, int (*gone)(void *), void *arg, int *fd_p)
{
    bt_port_t **l = bt_port_find(name);

    if (l == NULL)
        return MPI_ERR_PORT;
    for (;;) {
        uint64_t token = 0;
        int fd, rc = bt_port_wait((*l)->fd, POLLIN, 100);
        if (rc < 0)
            return MPI_ERR_PORT;
        if (rc == 0) {
            if (gone != NULL && gone(arg))
                return MPI_ERR_SPAWN;
            continue;
        }
        fd = accept4((*l)->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        if (bt_port_read(fd, &token, sizeof(token), 5000) == 0 && token == (*l)->token) {
            *fd_p = fd;
            return MPI_SUCCESS;
        }
        close(fd);
    }
}

/* The root of MPI_Comm_connect: a connection to the port, or MPI_ERR_PORT when
 * nobody listens there. */
static int bt_port_reach(const char *name, int *fd_p)
{
    struct sockaddr_in sa;
    uint64_t token;
    int fd, one = 1;

    if (bt_port_parse(name, &sa, &token) != 0)
        return MPI_ERR_PORT;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return MPI_ERR_NO_MEM;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        bt_port_write(fd, &token, sizeof(token)) != 0) {
        close(fd);
        return MPI_ERR_PORT;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *fd_p = fd;
    return MPI_SUCCESS;
}

/* ---- the handshake -------------------------------------------------------------- */

/* Every process of comm, participant i being rank (i + root) % n: so that
 * bt_comm_bcast, which sends from participant 0, sends from root. */
static bt_comm_part_t bt_port_part(bt_comm_t *comm, int root, int *members)
{
    bt_comm_part_t p = bt_comm_part_all(comm);

    for (int i = 0; i < comm->size; i++)
        members[i] = (i + root) % comm->size;
    p.members = members;
    p.me = (comm->rank - root + comm->size) % comm->size;
    return p;
}

/* Root: swaps a head and a body with the other root; body_in is allocated.
 * Every member: learns the outcome and the other side's head and body. */
static int bt_port_swap_bcast(bt_comm_t *comm, int root, int fd, int first, int status,
                              const void *body, size_t blk, int n, uint32_t ctx,
                              bt_port_head_t *their_p, void **body_in_p)
{
    bt_port_head_t mine = { BT_PORT_MAGIC, status, n, ctx }, theirs = { 0 };
    int *members = bt_malloc((size_t)comm->size * sizeof(int)), rc;
    bt_comm_part_t p = bt_port_part(comm, root, members);
    void *in = NULL;

    *body_in_p = NULL;
    if (comm->rank == root) {
        /* Heads go both ways whenever there is a socket, so that a side that gives
         * up tells the other; bodies only when neither did. */
        if (fd < 0)
            theirs.status = status;
        else if (bt_port_swap(fd, first, &mine, sizeof(mine), &theirs, sizeof(theirs)) != 0 ||
                 theirs.magic != BT_PORT_MAGIC)
            theirs.status = MPI_ERR_PORT;
        else if (status != MPI_SUCCESS)
            theirs.status = status;
        else if (theirs.status == MPI_SUCCESS && (theirs.n < 1 || theirs.n > (1 << 24)))
            theirs.status = MPI_ERR_PORT;
        else if (theirs.status == MPI_SUCCESS)
            in = bt_malloc((size_t)theirs.n * blk);
        if (in != NULL &&
            bt_port_swap(fd, first, body, (size_t)n * blk, in, (size_t)theirs.n * blk) != 0) {
            theirs.status = MPI_ERR_PORT;
            free(in);
            in = NULL;
        }
    }
    rc = bt_comm_bcast(&p, &theirs, sizeof(theirs));
    if (rc == MPI_SUCCESS && theirs.status == MPI_SUCCESS) {
        if (comm->rank != root)
            in = bt_malloc((size_t)theirs.n * blk);
        p.tag = bt_comm_next_tag(comm);
        rc = bt_comm_bcast(&p, in, (size_t)theirs.n * blk);
    }
    free(members);
    if (rc == MPI_SUCCESS)
        rc = theirs.status;
    if (rc != MPI_SUCCESS) {
        free(in);
        return rc;
    }
    *their_p = theirs;
    *body_in_p = in;
    return MPI_SUCCESS;
}

/* status: the root's outcome so far (the others' is MPI_SUCCESS); first: this is
 * the side that writes first. Collective over comm; the root owns fd. */
static int bt_port_handshake(bt_comm_t *comm, int root, int fd, int first, int status,
                             bt_comm_t **newcomm_p)
{
    int n = comm->size, m = 0, rc, need_addr = 0, need_net = 0, *peers = NULL;
    bt_port_id_t me, *ids = bt_malloc((size_t)n * sizeof(*ids)), *rids = NULL;
    bt_port_addr_t *addrs = NULL, *raddrs = NULL, my_addr;
    bt_comm_part_t all = bt_comm_part_all(comm);
    bt_port_head_t theirs;
    uint32_t ctx = 0, lctx = 0;
    int ok[2] = { MPI_SUCCESS, 0 }, *oks = NULL;
    bt_group_t *rg;
    bt_comm_t *c;
    *newcomm_p = NULL;
    bt_rt_peer_gid(comm->group->world[comm->rank], &me.job, &me.rank);
    me.host = bt_pt2pt_host();
    me.pad = 0;
    if ((rc = bt_comm_allgather(&all, &me, ids, sizeof(me))) != MPI_SUCCESS)
        goto out;
    all = bt_comm_part_all(comm);
    if ((rc = bt_ctxid_alloc(&all, 1, &ctx)) != MPI_SUCCESS)
        goto out;
    all = bt_comm_part_all(comm);
    if ((rc = bt_ctxid_alloc(&all, 1, &lctx)) != MPI_SUCCESS) {
        bt_ctxid_free(ctx);
        goto out;
    }
    rc = bt_port_swap_bcast(comm, root, fd, first, status, ids, sizeof(*ids), n, ctx, &theirs,
                            (void **)&rids);
    if (rc != MPI_SUCCESS)
        goto err_ctx;
    m = theirs.n;
    /* Addresses are needed unless every member of both sides is of one job; the
     * network only when two of different jobs, one of each side, are on
     * different hosts (every member decides alike, from the same ids). */
    for (int i = 0; i < n; i++)
        need_addr |= ids[i].job != ids[0].job;
    for (int j = 0; j < m; j++) {
        need_addr |= rids[j].job != ids[0].job;
        for (int i = 0; i < n; i++)
            need_net |= rids[j].job != ids[i].job && rids[j].host != ids[i].host;
    }
    if (need_addr) {
        size_t len = 0;
        memset(&my_addr, 0, sizeof(my_addr));
        ok[0] = bt_pt2pt_reach(my_addr.addr, sizeof(my_addr.addr), &len, my_addr.secret,
                               need_net) == 0 ? MPI_SUCCESS : MPI_ERR_OTHER;
        my_addr.len = (uint32_t)len;
        addrs = bt_malloc((size_t)n * sizeof(*addrs));
        all = bt_comm_part_all(comm);
        if ((rc = bt_comm_allgather(&all, &my_addr, addrs, sizeof(my_addr))) != MPI_SUCCESS)
            goto err_ctx;
        rc = bt_port_swap_bcast(comm, root, fd, first, MPI_SUCCESS, addrs, sizeof(*addrs), n,
                                ctx, &theirs, (void **)&raddrs);
        if (rc == MPI_SUCCESS && theirs.n != m)
            rc = MPI_ERR_PORT;
        if (rc != MPI_SUCCESS)
            goto err_ctx;
    }
    peers = bt_malloc((size_t)m * sizeof(int));
    for (int i = 0; i < m; i++) {
        /* No peer is made while this process has no endpoint, nor for one without
         * an address (its network did not open: the handshake fails). */
        if (raddrs != NULL && (ok[0] != MPI_SUCCESS || raddrs[i].len == 0 ||
                               raddrs[i].len > BT_PORT_ADDR_MAX))
            peers[i] = -1;
        else if (raddrs != NULL)
            peers[i] = bt_pt2pt_peer(rids[i].job, rids[i].rank, raddrs[i].addr, raddrs[i].len,
                                     raddrs[i].secret);
        else
            peers[i] = bt_rt_peer_find(rids[i].job, rids[i].rank);
        if (peers[i] < 0)
            ok[0] = MPI_ERR_OTHER;
    }
    /* Everyone of both sides knows the others before anyone sends. */
    oks = bt_malloc(2 * (size_t)n * sizeof(int));
    all = bt_comm_part_all(comm);
    if ((rc = bt_comm_allgather(&all, ok, oks, sizeof(ok))) != MPI_SUCCESS)
        goto err_ctx;
    for (int i = 0; i < n; i++)
        if (oks[2 * i] != MPI_SUCCESS)
            ok[0] = oks[2 * i];
    {
        void *dummy = NULL;
        rc = bt_port_swap_bcast(comm, root, fd, first, ok[0], ok, sizeof(ok), 1, ctx, &theirs,
                                &dummy);
        free(dummy);
        if (rc != MPI_SUCCESS)
            goto err_ctx;
    }
    rg = bt_group_new(m, peers);
    bt_group_retain(comm->group);
    c = bt_comm_new(ctx, comm->group, comm->errh);
    c->remote = rg;
    c->peer_ctx = theirs.ctx;
    c->peer_lo = 0;
    c->peer_hi = m;
    bt_group_retain(comm->group);
    c->local = bt_comm_new(lctx, comm->group, comm->errh);
    c->session = c->local->session = comm->session;
    *newcomm_p = c;
    rc = MPI_SUCCESS;
    goto out;

err_ctx:
    bt_ctxid_free(ctx);
    bt_ctxid_free(lctx);
out:
    free(ids);
    free(rids);
    free(addrs);
    free(raddrs);
    free(peers);
    free(oks);
    return rc;
}

int bt_port_accept(const char *name, int root, bt_comm_t *comm, int (*gone)(void *),
                   void *arg, bt_comm_t **newcomm_p)
{
    int fd = -1, status = MPI_SUCCESS, rc;

    if (comm->rank == root)
        status = bt_port_take(name, gone, arg, &fd);
    rc = bt_port_handshake(comm, root, fd, 1, status, newcomm_p);
    if (fd >= 0)
        close(fd);
    return rc;
}

int bt_port_connect(const char *name, int root, bt_comm_t *comm, bt_comm_t **newcomm_p)
{
    int fd = -1, status = MPI_SUCCESS, rc;

    if (comm->rank == root)
        status = bt_port_reach(name, &fd);
    rc = bt_port_handshake(comm, root, fd, 0, status, newcomm_p);
    if (fd >= 0)
        close(fd);
    return rc;
}

int bt_port_join(int fd, bt_comm_t **newcomm_p)
{
    /* Either end may call first: the one with the lower random draw writes first
     * (a tie, as unlikely as it is, draws again). */
    uint64_t mine[2] = { 0, 0 }, theirs[2] = { 0, 0 };

    do {
        if (getrandom(mine, sizeof(mine), 0) != (ssize_t)sizeof(mine) ||
            bt_port_write(fd, mine, sizeof(mine)) != 0 ||
            bt_port_read(fd, theirs, sizeof(theirs), BT_PORT_TIMEOUT_MS) != 0)
            return bt_port_handshake(&bt_comm_self, 0, fd, 0, MPI_ERR_ARG, newcomm_p);
    } while (mine[0] == theirs[0] && mine[1] == theirs[1]);
    return bt_port_handshake(&bt_comm_self, 0, fd,
                             mine[0] < theirs[0] || (mine[0] == theirs[0] && mine[1] < theirs[1]),
                             MPI_SUCCESS, newcomm_p);
}
