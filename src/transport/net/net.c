/* Network transport on libfabric: see bt_net.h.
 *
 * Frames go out of, and arrive in, buffers of BT_NET_BUF bytes that this file
 * owns (registered with the domain when the provider asks for it). A sender
 * takes a free buffer, the protocol layer writes the payload after our header,
 * and the commit posts it; the buffer is free again at its send completion. The
 * receiver keeps BT_NET_RECVS buffers posted; each is checked, delivered and
 * posted again. Large messages thus move as a pipeline of frames, as many in
 * flight as there are send buffers. */
#include "transport/net/bt_net.h"
#include "transport/net/bt_net_frame.h"

#include "runtime/bt_pmi.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define BT_NET_BUF        (64 << 10)  /* a frame, header included */
#define BT_NET_RECVS      64          /* receive buffers kept posted */
#define BT_NET_SENDS_MAX  256         /* send buffers at most (16 MiB in flight) */
#define BT_NET_SLAB       16          /* buffers allocated (and registered) at once */
/* Transmit contexts: our sends plus RMA reads in flight (more wait for EAGAIN's
 * end); receive contexts: ours posted, twice over. Plain numbers: the
 * environment gets them as text too. */
#define BT_NET_TX_CONTEXTS 320
#define BT_NET_RX_CONTEXTS 128
#define BT_NET_STR_(x)     #x
#define BT_NET_STR(x)      BT_NET_STR_(x)
_Static_assert(BT_NET_TX_CONTEXTS >= BT_NET_SENDS_MAX + 64 && BT_NET_RX_CONTEXTS >= 2 * BT_NET_RECVS,
               "contexts for what we keep in flight");
#define BT_NET_ADDR_MAX   256         /* bytes of an endpoint address */
#define BT_NET_CQ_BATCH   16
#define BT_NET_READ_MAX   (1ul << 20) /* bytes of one RMA read at most */

typedef struct bt_net_buf {
    struct fi_context2 ctx;   /* the provider's, first: the completion's op_context */
    struct bt_net_buf *next;
    void              *desc;  /* memory registration descriptor, or NULL */
    int                peer;
    size_t             len;   /* bytes to send: header and payload */
    _Alignas(64) unsigned char data[BT_NET_BUF];
} bt_net_buf_t;

/* A rendezvous message read from its sender's memory (RMA read) in pieces of at
 * most read_max bytes, all in flight together: a window of 4 MiB messages moved
 * 6 GB/s between two fork hosts read whole, 10-11 read by the MiB one after
 * another (which cost a 4 MiB ping-pong 20% more), and both with the pieces at
 * once. */
struct bt_net_read;
typedef struct bt_net_piece {
    struct fi_context2  ctx;  /* first: the completion's op_context */
    struct bt_net_read *rd;
} bt_net_piece_t;

typedef struct bt_net_read {
    struct bt_net_read *next; /* waiting for the provider to take its next piece */
    int                 peer;
    char               *dst;
    size_t              len, posted;  /* bytes in all, bytes handed to the provider */
    size_t              npieces, ndone;
    uint64_t            raddr, key;
    struct fid_mr      *mr;   /* dst registered, when the provider wants it */
    bt_tp_read_fn       done;
    void               *arg;
    bt_net_piece_t     *pieces;
} bt_net_read_t;

typedef struct bt_net_slab {
    struct bt_net_slab *next;
    struct fid_mr      *mr;
    bt_net_buf_t        bufs[BT_NET_SLAB];
} bt_net_slab_t;

static struct {
    struct fi_info     *info;
    struct fid_fabric  *fabric;
    struct fid_domain  *domain;
    struct fid_cq      *cq;
    struct fid_av      *av;
    struct fid_ep      *ep;
    int                 mr_local;    /* the provider wants buffers registered */
    fi_addr_t          *addr;        /* by world rank (FI_ADDR_NOTAVAIL: on my node) */
    uint32_t           *seq_out, *seq_in;
    bt_net_buf_t      **reserved;    /* by world rank: the frame being written */
    bt_net_buf_t      **early;       /* by world rank: frames ahead of seq_in, by seq */
    bt_net_buf_t       *free_recv;   /* receive buffers not posted */
    int                 nearly;      /* frames held in early */
    uint64_t            job[2];
    bt_net_slab_t      *slabs;
    int                 nsend;       /* send buffers allocated */
    bt_net_buf_t       *free_send;
    bt_net_buf_t       *pend_head, *pend_tail; /* committed, not accepted by the provider yet */
    int                 inflight;    /* posted sends not completed */
    int                 rma;         /* rendezvous by RMA read */
    int                 mr_virt, mr_prov_key, mr_endpoint;
    uint64_t            next_key;    /* keys we choose (no FI_MR_PROV_KEY) */
    size_t              read_max;    /* bytes per RMA read */
    bt_net_read_t      *read_head, *read_tail; /* pieces to post */
    int                 reading;     /* reads not completed */
    uint64_t            dropped;
    int                 up;
    int                 named;       /* the user chose the provider */
    int                 cap;         /* entries of the per-peer arrays */
    /* Peers of other jobs (bt_net_peer_add): their frames carry their job's
     * secret and their rank there. */
    struct bt_net_foreign { uint64_t job[2]; uint32_t rank; int peer; } *foreign;
    int                 nforeign;
} net;

/* libfabric is loaded only by jobs that span nodes: its providers' libraries
 * (verbs, PSM) cost start-up time, and PSM's install handlers for crash signals
 * that would turn a rank's SIGSEGV into "exited with status 1" and write files
 * into the working directory. These are the calls that are not inline. */
static struct {
    void *lib;
    int (*getinfo)(uint32_t, const char *, const char *, uint64_t, const struct fi_info *,
                   struct fi_info **);
    void (*freeinfo)(struct fi_info *);
    struct fi_info *(*dupinfo)(const struct fi_info *);
    int (*fabric)(struct fi_fabric_attr *, struct fid_fabric **, void *);
    const char *(*strerror)(int);
} ofi;

static const int bt_net_crash_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

static int bt_net_load(void)
{
    ofi.lib = dlopen("libfabric.so.1", RTLD_NOW | RTLD_LOCAL);
    if (ofi.lib == NULL) {
        fprintf(stderr, "Baton: rank %d: this job spans nodes, and libfabric cannot be "
                        "loaded: %s\n", bt_rt.rank, dlerror());
        return -1;
    }
    *(void **)&ofi.getinfo = dlsym(ofi.lib, "fi_getinfo");
    *(void **)&ofi.freeinfo = dlsym(ofi.lib, "fi_freeinfo");
    *(void **)&ofi.dupinfo = dlsym(ofi.lib, "fi_dupinfo");
    *(void **)&ofi.fabric = dlsym(ofi.lib, "fi_fabric");
    *(void **)&ofi.strerror = dlsym(ofi.lib, "fi_strerror");
    if (!ofi.getinfo || !ofi.freeinfo || !ofi.dupinfo || !ofi.fabric || !ofi.strerror) {
        fprintf(stderr, "Baton: rank %d: libfabric.so.1 lacks fi_getinfo and friends\n",
                bt_rt.rank);
        return -1;
    }
    return 0;
}

static void __attribute__((noreturn)) bt_net_fail(const char *what, int rc)
{
    char msg[256];

    snprintf(msg, sizeof(msg), "network transport: %s: %s", what, ofi.strerror(-rc));
    bt_runtime_fail(msg);
}

/* ---- choosing a provider ----------------------------------------------------- */

static struct fi_info *bt_net_hints(int rma)
{
    struct fi_info *hints = ofi.dupinfo(NULL);
    const char *prov = getenv("BATON_OFI_PROVIDER");

    if (hints == NULL)
        return NULL;
    hints->ep_attr->type = FI_EP_RDM;
    hints->caps = FI_MSG | FI_REMOTE_COMM | (rma ? FI_RMA | FI_READ | FI_REMOTE_READ : 0);
    hints->mode = FI_CONTEXT | FI_CONTEXT2;
    hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_ALLOCATED | FI_MR_VIRT_ADDR |
                                  FI_MR_PROV_KEY | FI_MR_ENDPOINT;
    hints->domain_attr->threading = FI_THREAD_DOMAIN;
    hints->domain_attr->data_progress = FI_PROGRESS_MANUAL;
    hints->domain_attr->control_progress = FI_PROGRESS_MANUAL;
    hints->tx_attr->msg_order = FI_ORDER_SAS;
    hints->rx_attr->msg_order = FI_ORDER_SAS;
    if (prov != NULL && *prov != '\0')
        hints->fabric_attr->prov_name = bt_strdup(prov);
    return hints;
}

/* Core providers that a newer one in the same libfabric replaces, with the same
 * capabilities: libfabric 1.17 ships its tcp provider twice, the old one as "tcp"
 * (reliable datagrams only through ofi_rxm) and its rewrite as "net" (which offers
 * them itself; 1.18 renamed the rewrite to tcp and dropped the old). The old one
 * signals a socket pair on every completion, a write and a read per message, which
 * the rewrite does not. An offer of an old provider is taken only when its
 * successor offers nothing that fits, or when the user named a provider. */
static const struct { const char *old, *successor; } bt_net_superseded[] = {
    { "tcp", "net" },
};

/* The core provider of an offer: "net" of "net;ofi_rxm". */
static int bt_net_core_is(const struct fi_info *i, const char *core)
{
    const char *name = i->fabric_attr->prov_name ? i->fabric_attr->prov_name : "";
    size_t n = strcspn(name, ";");

    return strlen(core) == n && strncmp(name, core, n) == 0;
}

static int bt_net_fits(const struct fi_info *i, const char *iface, int want_lo)
{
    const char *dom = i->domain_attr->name ? i->domain_attr->name : "";

    if ((i->tx_attr->msg_order & FI_ORDER_SAS) == 0)
        return 0;
    if (iface != NULL && strcmp(dom, iface) != 0)
        return 0;
    return iface != NULL || want_lo || strcmp(dom, "lo") != 0;
}

/* Whether list holds an offer of core provider `core` that fits. */
static int bt_net_offered(struct fi_info *list, const char *core, const char *iface,
                          int want_lo)
{
    for (struct fi_info *i = list; i != NULL; i = i->next)
        if (bt_net_core_is(i, core) && bt_net_fits(i, iface, want_lo))
            return 1;
    return 0;
}

/* The first offer that meets our needs: on the interface asked for, if any, and
 * off loopback unless the job's address is there (every "host" on one machine);
 * a superseded provider's only when its successor has none (unless named). */
static struct fi_info *bt_net_choose(struct fi_info *list, const char *iface, int want_lo,
                                     int named)
{
    for (struct fi_info *i = list; i != NULL; i = i->next) {
        int old = 0;
        if (!bt_net_fits(i, iface, want_lo))
            continue;
        for (size_t k = 0; !named && k < BT_ARRAY_LEN(bt_net_superseded); k++)
            old |= bt_net_core_is(i, bt_net_superseded[k].old) &&
                   bt_net_offered(list, bt_net_superseded[k].successor, iface, want_lo);
        if (!old)
            return i;
    }
    return NULL;
}

/* Picks an offer on the interface asked for, with RMA read if rma, into
 * net.info: 0, or libfabric's error. */
static int bt_net_getinfo_caps(int rma)
{
    struct fi_info *hints = bt_net_hints(rma), *list = NULL, *pick;
    const char *addr = getenv("BATON_NET_ADDR");
    const char *iface = getenv("BATON_OFI_IFACE");
    int rc;

    if (hints == NULL)
        return -FI_ENOMEM;
    if (iface != NULL && *iface == '\0')
        iface = NULL;
    if (addr != NULL && *addr == '\0')
        addr = NULL;
    /* Bind to the address the hosts talk on (the launcher knows it). */
    rc = ofi.getinfo(FI_VERSION(1, 11), addr, NULL, addr ? FI_SOURCE : 0, hints, &list);
    ofi.freeinfo(hints);
    if (rc != 0)
        return rc;
    pick = bt_net_choose(list, iface, addr != NULL && strncmp(addr, "127.", 4) == 0,
                         net.named);
    if (pick == NULL)
        pick = iface == NULL ? list : NULL;
    if (pick == NULL) {
        ofi.freeinfo(list);
        return -FI_ENODATA;
    }
    net.info = ofi.dupinfo(pick);
    ofi.freeinfo(list);
    return net.info ? 0 : -FI_ENOMEM;
}

/* Providers with RMA read take large messages without a copy on either side;
 * any other reliable-datagram provider streams them through the frames. */
static int bt_net_getinfo(void)
{
    int rc = bt_net_getinfo_caps(1);

    if (rc == 0) {
        net.rma = bt_env_long("BATON_NET_RMA", 1) != 0;
        return 0;
    }
    return bt_net_getinfo_caps(0);
}

/* ---- buffers ------------------------------------------------------------------ */

/* Registers len bytes at buf for access; a provider that scopes registrations
 * to an endpoint (FI_MR_ENDPOINT) gets it bound to ours. */
static int bt_net_mr_reg(const void *buf, size_t len, uint64_t access, struct fid_mr **mr_p)
{
    uint64_t key = net.mr_prov_key ? 0 : ++net.next_key;
    int rc = fi_mr_reg(net.domain, buf, len, access, 0, key, 0, mr_p, NULL);

    if (rc == 0 && net.mr_endpoint &&
        ((rc = fi_mr_bind(*mr_p, &net.ep->fid, 0)) != 0 || (rc = fi_mr_enable(*mr_p)) != 0)) {
        fi_close(&(*mr_p)->fid);
        *mr_p = NULL;
    }
    return rc;
}

static int bt_net_slab_new(bt_net_buf_t **free_p)
{
    bt_net_slab_t *slab = aligned_alloc(64, BT_ALIGN_UP(sizeof(*slab), (size_t)64));
    void *desc = NULL;

    if (slab == NULL)
        return -FI_ENOMEM;
    slab->mr = NULL;
    if (net.mr_local) {
        int rc = bt_net_mr_reg(slab->bufs, sizeof(slab->bufs), FI_SEND | FI_RECV, &slab->mr);
        if (rc != 0) {
            free(slab);
            return rc;
        }
        desc = fi_mr_desc(slab->mr);
    }
    for (int i = 0; i < BT_NET_SLAB; i++) {
        slab->bufs[i].desc = desc;
        slab->bufs[i].next = *free_p;
        *free_p = &slab->bufs[i];
    }
    slab->next = net.slabs;
    net.slabs = slab;
    return 0;
}

static void bt_net_post_recv(bt_net_buf_t *b)
{
    ssize_t rc;

    while ((rc = fi_recv(net.ep, b->data, BT_NET_BUF, b->desc, FI_ADDR_UNSPEC, &b->ctx)) ==
           -FI_EAGAIN)
        (void)fi_cq_read(net.cq, NULL, 0);
    if (rc != 0)
        bt_net_fail("posting a receive", (int)rc);
}

/* ---- start-up ------------------------------------------------------------------- */

static void bt_net_hex(char *out, const void *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = in;

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static int bt_net_unhex(void *out, size_t max, const char *in, size_t *n_p)
{
    size_t len = strlen(in);
    unsigned char *p = out;

    if (len % 2 || len / 2 > max)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = in[2 * i + k];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else
                return -1;
        }
        p[i] = (unsigned char)v;
    }
    *n_p = len / 2;
    return 0;
}

/* The per-peer arrays cover n peers (new ones: on no address yet). */
static void bt_net_grow(int n)
{
    int cap = net.cap;

    if (n <= cap)
        return;
    net.cap = BT_MAX(n, 2 * cap);
    net.addr = bt_realloc(net.addr, (size_t)net.cap * sizeof(*net.addr));
    net.seq_out = bt_realloc(net.seq_out, (size_t)net.cap * sizeof(*net.seq_out));
    net.seq_in = bt_realloc(net.seq_in, (size_t)net.cap * sizeof(*net.seq_in));
    net.reserved = bt_realloc(net.reserved, (size_t)net.cap * sizeof(*net.reserved));
    net.early = bt_realloc(net.early, (size_t)net.cap * sizeof(*net.early));
    for (int i = cap; i < net.cap; i++) {
        net.addr[i] = FI_ADDR_NOTAVAIL;
        net.seq_out[i] = net.seq_in[i] = 0;
        net.reserved[i] = net.early[i] = NULL;
    }
}

/* publish: the job's start-up, whose fence follows (bt_net_open); otherwise the
 * endpoint of a job on one node, opened when it first meets another job, with a
 * secret of this process's own. */
static int bt_net_open_endpoint(int publish)
{
    struct fi_cq_attr cq_attr = { .format = FI_CQ_FORMAT_MSG, .size = 4096,
                                  .wait_obj = FI_WAIT_NONE };
    struct fi_av_attr av_attr = { .type = FI_AV_TABLE, .count = (size_t)bt_rt.size + 64 };
    unsigned char name[BT_NET_ADDR_MAX];
    size_t name_len = sizeof(name);
    char key[64], val[2 * BT_NET_ADDR_MAX + 1];
    bt_net_buf_t *recvs = NULL;
    int rc;

    /* rxm keeps pools of about a thousand buffers of this size each, which it
     * makes and touches at the start: at 66000 bytes (room for our largest frame)
     * that was 350 MiB per rank and seconds of a job's start on a busy node. At
     * 16 KiB (and rxm's header) it is a third of that; larger frames go by rxm's
     * own rendezvous, a round trip more, and may complete after later frames,
     * which the sequence numbers put back in order (bandwidth and latency at 4 KiB
     * to 1 MiB were the same within this machine's noise). */
    setenv("FI_OFI_RXM_BUFFER_SIZE", "16448", 0);
    /* libfabric 1.17's net provider (bt_net_superseded) takes its interface from
     * FI_NET_IFACE: a user's FI_TCP_IFACE means it too. */
    if (getenv("FI_TCP_IFACE") != NULL)
        setenv("FI_NET_IFACE", getenv("FI_TCP_IFACE"), 0);
    setenv("FI_OFI_RXM_TX_SIZE", BT_NET_STR(BT_NET_TX_CONTEXTS), 0);
    setenv("FI_OFI_RXM_RX_SIZE", BT_NET_STR(BT_NET_RX_CONTEXTS), 0);
    if ((rc = bt_net_getinfo()) != 0) {
        fprintf(stderr, "Baton: rank %d: no network provider for a job across nodes "
                        "(fi_getinfo: %s; BATON_OFI_PROVIDER=%s, BATON_OFI_IFACE=%s, "
                        "BATON_NET_ADDR=%s)\n", bt_rt.rank, ofi.strerror(-rc),
                bt_env_str("BATON_OFI_PROVIDER", ""), bt_env_str("BATON_OFI_IFACE", ""),
                bt_env_str("BATON_NET_ADDR", ""));
        return -1;
    }
    net.mr_local = (net.info->domain_attr->mr_mode & FI_MR_LOCAL) != 0;
    net.mr_virt = (net.info->domain_attr->mr_mode & FI_MR_VIRT_ADDR) != 0;
    net.mr_prov_key = (net.info->domain_attr->mr_mode & FI_MR_PROV_KEY) != 0;
    net.mr_endpoint = (net.info->domain_attr->mr_mode & FI_MR_ENDPOINT) != 0;
    net.read_max = BT_MIN(net.info->ep_attr->max_msg_size, (size_t)BT_NET_READ_MAX);
    /* Contexts for what we keep in flight, not the provider's default (which may
     * back each with a buffer). */
    net.info->tx_attr->size = BT_MIN(net.info->tx_attr->size, (size_t)BT_NET_TX_CONTEXTS);
    net.info->rx_attr->size = BT_MIN(net.info->rx_attr->size, (size_t)BT_NET_RX_CONTEXTS);
    if ((rc = ofi.fabric(net.info->fabric_attr, &net.fabric, NULL)) != 0 ||
        (rc = fi_domain(net.fabric, net.info, &net.domain, NULL)) != 0)
        goto err;
    /* No wait object: a waiting rank naps and polls (transport.c), since the wait
     * descriptor of tcp;ofi_rxm is not signalled while nobody drives its progress,
     * and keeping one costs two system calls a message (the provider signals it on
     * every completion, a read clears it). */
    if ((rc = fi_cq_open(net.domain, &cq_attr, &net.cq, NULL)) != 0 ||
        (rc = fi_av_open(net.domain, &av_attr, &net.av, NULL)) != 0 ||
        (rc = fi_endpoint(net.domain, net.info, &net.ep, NULL)) != 0 ||
        (rc = fi_ep_bind(net.ep, &net.cq->fid, FI_TRANSMIT | FI_RECV)) != 0 ||
        (rc = fi_ep_bind(net.ep, &net.av->fid, 0)) != 0 || (rc = fi_enable(net.ep)) != 0 ||
        (rc = fi_getname(&net.ep->fid, name, &name_len)) != 0)
        goto err;

    bt_net_grow(bt_rt.npeers);

    for (int i = 0; i < BT_NET_RECVS / BT_NET_SLAB; i++) {
        if ((rc = bt_net_slab_new(&recvs)) != 0)
            goto err;
    }
    while (recvs) {
        bt_net_buf_t *b = recvs;
        recvs = b->next;
        bt_net_post_recv(b);
    }

    net.up = 1;
    if (!publish)
        return getrandom(net.job, sizeof(net.job), 0) == (ssize_t)sizeof(net.job) ? 0 : -1;
    bt_net_hex(val, name, name_len);
    snprintf(key, sizeof(key), "bt-net-%d", bt_rt.rank);
    if (bt_pmi_put(key, val) != 0)
        return -1;
    if (bt_rt.rank == 0) {
        /* The job's secret travels the launcher's key-value space, which only the
         * job's processes reach. */
        if (getrandom(net.job, sizeof(net.job), 0) != (ssize_t)sizeof(net.job))
            return -1;
        bt_net_hex(val, net.job, sizeof(net.job));
        if (bt_pmi_put("bt-net-job", val) != 0)
            return -1;
    }
    net.up = 1;
    return 0;

err:
    fprintf(stderr, "Baton: rank %d: cannot open the network endpoint (%s, %s): %s\n",
            bt_rt.rank, net.info->fabric_attr->prov_name, net.info->domain_attr->name,
            ofi.strerror(-rc));
    return -1;
}

static int bt_net_user_named(void)
{
    const char *fi = getenv("FI_PROVIDER"), *bt = getenv("BATON_OFI_PROVIDER");

    return (fi != NULL && *fi != '\0') || (bt != NULL && *bt != '\0');
}

static int bt_net_open_as(int publish)
{
    struct sigaction saved[BT_ARRAY_LEN(bt_net_crash_signals)];
    int rc;

    for (size_t i = 0; i < BT_ARRAY_LEN(bt_net_crash_signals); i++)
        sigaction(bt_net_crash_signals[i], NULL, &saved[i]);
    rc = (ofi.lib != NULL || bt_net_load() == 0) ? bt_net_open_endpoint(publish) : -1;
    /* The providers' libraries took over crash signals as they were loaded and
     * initialized: give them back to the program (and the launcher). */
    for (size_t i = 0; i < BT_ARRAY_LEN(bt_net_crash_signals); i++)
        sigaction(bt_net_crash_signals[i], &saved[i], NULL);
    return rc;
}

int bt_net_open(void)
{
    net.named = bt_net_user_named();
    return bt_net_open_as(1);
}

int bt_net_open_alone(void)
{
    /* A job on one node meets another, most often on the same host (a spawn):
     * only tcp, whose start costs little, unless the user chose. libfabric starts
     * every provider it may use at its first call, and verbs alone reads all of
     * /proc/kallsyms (0.3 s). */
    if (net.up)
        return 0;
    net.named = bt_net_user_named();
    if (!net.named)
        setenv("FI_PROVIDER", "tcp,net,ofi_rxm", 0);
    /* rxm's receive buffers of 66000 bytes (see bt_net_open_endpoint) are 68 MB a
     * process, whose first touch costs a spawned process most of its start (a
     * second of system time for four of them here). Between jobs, frames past
     * 16 KiB take rxm's own rendezvous instead, and arrive in order all the
     * same (bt_net_hold). */
    setenv("FI_OFI_RXM_BUFFER_SIZE", "16384", 0);
    return bt_net_open_as(0);
}

int bt_net_self(void *addr, size_t cap, size_t *len_p, uint64_t job[2])
{
    size_t len = cap;

    if (fi_getname(&net.ep->fid, addr, &len) != 0)
        return -1;
    *len_p = len;
    job[0] = net.job[0];
    job[1] = net.job[1];
    return 0;
}

int bt_net_peer_add(int peer, const void *addr, size_t len, const uint64_t job[2], int rank)
{
    struct bt_net_foreign *f;

    bt_net_grow(peer + 1);
    if (fi_av_insert(net.av, addr, 1, &net.addr[peer], 0, NULL) != 1)
        return -1;
    net.foreign = bt_realloc(net.foreign, (size_t)(net.nforeign + 1) * sizeof(*net.foreign));
    f = &net.foreign[net.nforeign++];
    f->job[0] = job[0];
    f->job[1] = job[1];
    f->rank = (uint32_t)rank;
    f->peer = peer;
    return 0;
}

int bt_net_connect(void)
{
    char key[64], val[2 * BT_NET_ADDR_MAX + 1];
    unsigned char name[BT_NET_ADDR_MAX];
    size_t len;

    if (bt_pmi_get(0, "bt-net-job", val, sizeof(val)) != 0 ||
        bt_net_unhex(net.job, sizeof(net.job), val, &len) != 0 || len != sizeof(net.job)) {
        fprintf(stderr, "Baton: rank %d: the job's network secret is missing\n", bt_rt.rank);
        return -1;
    }
    for (int r = 0; r < bt_rt.size; r++) {
        net.addr[r] = FI_ADDR_NOTAVAIL;
        if (bt_rt.local_of[r] >= 0)
            continue;
        snprintf(key, sizeof(key), "bt-net-%d", r);
        if (bt_pmi_get(r, key, val, sizeof(val)) != 0 ||
            bt_net_unhex(name, sizeof(name), val, &len) != 0) {
            fprintf(stderr, "Baton: rank %d: rank %d published no network address\n",
                    bt_rt.rank, r);
            return -1;
        }
        if (fi_av_insert(net.av, name, 1, &net.addr[r], 0, NULL) != 1) {
            fprintf(stderr, "Baton: rank %d: the network address of rank %d is not usable\n",
                    bt_rt.rank, r);
            return -1;
        }
    }
    return 0;
}

/* ---- sending ------------------------------------------------------------------------ */

size_t bt_net_frame_max(void)
{
    return BT_NET_BUF - sizeof(bt_net_hdr_t);
}

void *bt_net_reserve(int peer, const bt_msg_hdr_t *hdr, size_t len)
{
    bt_net_buf_t *b = net.free_send;
    bt_net_hdr_t *h;

    if (b == NULL) {
        if (net.nsend >= BT_NET_SENDS_MAX || bt_net_slab_new(&net.free_send) != 0)
            return NULL;
        net.nsend += BT_NET_SLAB;
        b = net.free_send;
    }
    net.free_send = b->next;
    b->next = NULL;
    b->peer = peer;
    b->len = sizeof(*h) + len;
    h = (bt_net_hdr_t *)b->data;
    h->job[0] = net.job[0];
    h->job[1] = net.job[1];
    h->src = (uint32_t)bt_rt.rank;
    h->len = (uint32_t)len;
    h->reserved = 0;
    h->msg = *hdr;
    net.reserved[peer] = b;
    return b->data + sizeof(*h);
}

static int bt_net_post_send(bt_net_buf_t *b)
{
    ssize_t rc = fi_send(net.ep, b->data, b->len, b->desc, net.addr[b->peer], &b->ctx);

    if (rc == -FI_EAGAIN)
        return 0;
    if (rc != 0)
        bt_net_fail("sending", (int)rc);
    net.inflight++;
    return 1;
}

void bt_net_commit(int peer)
{
    bt_net_buf_t *b = net.reserved[peer];

    net.reserved[peer] = NULL;
    ((bt_net_hdr_t *)b->data)->seq = net.seq_out[peer]++;
    /* Frames leave in the order they were committed. */
    if (net.pend_head == NULL && bt_net_post_send(b))
        return;
    if (net.pend_tail)
        net.pend_tail->next = b;
    else
        net.pend_head = b;
    net.pend_tail = b;
}

static int bt_net_post_pending(void)
{
    int n = 0;

    while (net.pend_head && bt_net_post_send(net.pend_head)) {
        net.pend_head = net.pend_head->next;
        if (net.pend_head == NULL)
            net.pend_tail = NULL;
        n++;
    }
    return n;
}

/* ---- rendezvous by RMA read ------------------------------------------------------ */

void *bt_net_expose(const void *buf, size_t len, uint64_t *addr_p, uint64_t *key_p)
{
    struct fid_mr *mr;

    if (!net.rma || bt_net_mr_reg(buf, len, FI_REMOTE_READ, &mr) != 0)
        return NULL;
    *key_p = fi_mr_key(mr);
    if (*key_p == FI_KEY_NOTAVAIL) {   /* raw keys: not ours to carry */
        fi_close(&mr->fid);
        return NULL;
    }
    *addr_p = net.mr_virt ? (uint64_t)(uintptr_t)buf : 0;
    return mr;
}

void bt_net_withdraw(void *mem)
{
    fi_close(&((struct fid_mr *)mem)->fid);
}

/* Hands the pieces of read rd not posted yet to the provider; 0 when it has no
 * room for them all now. */
static int bt_net_post_read(bt_net_read_t *rd)
{
    while (rd->posted < rd->len) {
        bt_net_piece_t *p = &rd->pieces[rd->posted / net.read_max];
        size_t piece = BT_MIN(rd->len - rd->posted, net.read_max);
        ssize_t rc = fi_read(net.ep, rd->dst + rd->posted, piece,
                             rd->mr ? fi_mr_desc(rd->mr) : NULL, net.addr[rd->peer],
                             rd->raddr + rd->posted, rd->key, &p->ctx);
        if (rc == -FI_EAGAIN)
            return 0;
        if (rc != 0)
            bt_net_fail("reading a message", (int)rc);
        rd->posted += piece;
    }
    return 1;
}

static void bt_net_queue_read(bt_net_read_t *rd)
{
    if (net.read_head == NULL && bt_net_post_read(rd))
        return;
    rd->next = NULL;
    if (net.read_tail)
        net.read_tail->next = rd;
    else
        net.read_head = rd;
    net.read_tail = rd;
}

int bt_net_read(int peer, void *dst, size_t len, uint64_t raddr, uint64_t key,
                bt_tp_read_fn done, void *arg)
{
    bt_net_read_t *rd = bt_calloc(1, sizeof(*rd));

    if (net.mr_local && bt_net_mr_reg(dst, len, FI_READ, &rd->mr) != 0) {
        free(rd);
        return -1;
    }
    rd->peer = peer;
    rd->dst = dst;
    rd->len = len;
    rd->npieces = (len + net.read_max - 1) / net.read_max;   /* len > 0: a rendezvous */
    rd->pieces = bt_calloc(rd->npieces, sizeof(*rd->pieces));
    for (size_t i = 0; i < rd->npieces; i++)
        rd->pieces[i].rd = rd;
    rd->raddr = raddr;
    rd->key = key;
    rd->done = done;
    rd->arg = arg;
    net.reading++;
    bt_net_queue_read(rd);
    return 0;
}

/* A piece of a read has arrived: the read is done with its last. */
static void bt_net_read_piece_done(bt_net_piece_t *p)
{
    bt_net_read_t *rd = p->rd;

    if (++rd->ndone < rd->npieces)
        return;
    net.reading--;
    if (rd->mr)
        fi_close(&rd->mr->fid);
    rd->done(rd->arg);
    free(rd->pieces);
    free(rd);
}

static int bt_net_post_reads(void)
{
    int n = 0;

    while (net.read_head && bt_net_post_read(net.read_head)) {
        net.read_head = net.read_head->next;
        if (net.read_head == NULL)
            net.read_tail = NULL;
        n++;
    }
    return n;
}

/* ---- receiving -------------------------------------------------------------------- */

static void __attribute__((noreturn)) bt_net_malformed(int src, const char *what,
                                                      unsigned long long value)
{
    char msg[256];

    if (src >= 0)
        snprintf(msg, sizeof(msg), "malformed frame from rank %d over the network: %s (%llu)",
                 src, what, value);
    else
        snprintf(msg, sizeof(msg), "malformed frame over the network: %s (%llu)", what, value);
    bt_runtime_fail(msg);
}

/* Checks a frame before anything in it is used (bt_net_frame_check); a
 * malformed frame of the job ends the job. */
static int bt_net_check(bt_net_hdr_t *h, size_t got)
{
    bt_net_rx_t rx = { .job = net.job, .size = bt_rt.size, .local_of = bt_rt.local_of,
                       .seq_in = net.seq_in, .nearly = net.nearly };
    static const int elsewhere = -1;
    bt_net_bad_t bad;
    int kind, peer = -1;

    if (got >= sizeof(*h) && (h->job[0] != net.job[0] || h->job[1] != net.job[1])) {
        /* Another job's, from a peer that a port or a spawn made known: checked
         * as the only rank of its job, then named by its peer index. */
        for (int i = 0; i < net.nforeign && peer < 0; i++)
            if (net.foreign[i].job[0] == h->job[0] && net.foreign[i].job[1] == h->job[1] &&
                net.foreign[i].rank == h->src)
                peer = net.foreign[i].peer;
        if (peer < 0)
            return BT_NET_FRAME_FOREIGN;
        rx.job = h->job;
        rx.size = 1;
        rx.local_of = &elsewhere;
        rx.seq_in = &net.seq_in[peer];
        h->src = 0;
    }
    kind = bt_net_frame_check(h, got, &rx, &bad);
    if (peer >= 0) {
        h->src = (uint32_t)peer;
        bad.src = peer;
    }
    if (kind == BT_NET_FRAME_BAD)
        bt_net_malformed(bad.src, bad.what, bad.value);
    return kind;
}

/* Holds frame b, ahead of its sender's sequence, in order among the others. */
static void bt_net_hold(bt_net_buf_t *b)
{
    const bt_net_hdr_t *h = (const bt_net_hdr_t *)b->data;
    bt_net_buf_t **link = &net.early[h->src];
    uint32_t base = net.seq_in[h->src];

    while (*link && ((const bt_net_hdr_t *)(*link)->data)->seq - base < h->seq - base)
        link = &(*link)->next;
    if (*link && ((const bt_net_hdr_t *)(*link)->data)->seq == h->seq)
        bt_net_malformed((int)h->src, "sequence number repeated", h->seq);
    b->next = *link;
    *link = b;
    net.nearly++;
}

static void bt_net_deliver(bt_net_buf_t *b, bt_tp_recv_fn fn)
{
    const bt_net_hdr_t *h = (const bt_net_hdr_t *)b->data;

    net.seq_in[h->src]++;
    fn((int)h->src, &h->msg, b->data + sizeof(*h), h->len);
}

static void bt_net_cq_error(void)
{
    struct fi_cq_err_entry err = { 0 };
    char what[160];

    if (fi_cq_readerr(net.cq, &err, 0) < 0)
        bt_net_fail("reading an error", -FI_EOTHER);
    if (err.flags & FI_SEND) {
        bt_net_buf_t *b = err.op_context;
        snprintf(what, sizeof(what), "a frame to rank %d was lost (the rank or its host "
                                     "is gone?)", b ? b->peer : -1);
    } else if (err.flags & FI_READ) {
        bt_net_piece_t *p = err.op_context;
        snprintf(what, sizeof(what), "reading %zu bytes of a message from rank %d failed",
                 p ? p->rd->len : 0, p ? p->rd->peer : -1);
    } else {
        snprintf(what, sizeof(what), "a receive failed (%zu bytes)", err.len);
    }
    bt_net_fail(what, -err.err);
}

int bt_net_poll(bt_tp_recv_fn fn)
{
    struct fi_cq_msg_entry e[BT_NET_CQ_BATCH];
    ssize_t got = fi_cq_read(net.cq, e, BT_NET_CQ_BATCH);
    int n = 0;

    if (got == -FI_EAVAIL)
        bt_net_cq_error();
    for (ssize_t i = 0; i < got; i++) {
        bt_net_buf_t *b = e[i].op_context;
        if (e[i].flags & FI_RECV) {
            int kind = bt_net_check((bt_net_hdr_t *)b->data, e[i].len);
            if (kind == BT_NET_FRAME_FOREIGN) {
                net.dropped++;
                bt_net_post_recv(b);
                continue;
            }
            if (kind == BT_NET_FRAME_AHEAD) {
                /* Keep it, and keep as many receives posted as before. */
                bt_net_hold(b);
                if (net.free_recv == NULL && bt_net_slab_new(&net.free_recv) != 0)
                    bt_net_fail("holding a frame", -FI_ENOMEM);
                b = net.free_recv;
                net.free_recv = b->next;
                bt_net_post_recv(b);
                continue;
            }
            {
                int src = (int)((const bt_net_hdr_t *)b->data)->src;
                bt_net_buf_t *next;

                bt_net_deliver(b, fn);
                bt_net_post_recv(b);
                n++;
                /* The held buffers' places were taken by fresh ones: they go
                 * to free_recv, for the next frame held. */
                while ((next = net.early[src]) != NULL &&
                       ((const bt_net_hdr_t *)next->data)->seq == net.seq_in[src]) {
                    net.early[src] = next->next;
                    net.nearly--;
                    bt_net_deliver(next, fn);
                    next->next = net.free_recv;
                    net.free_recv = next;
                    n++;
                }
            }
        } else if (e[i].flags & FI_READ) {
            bt_net_read_piece_done(e[i].op_context);
            n++;
        } else {
            net.inflight--;
            b->next = net.free_send;
            net.free_send = b;
        }
    }
    if (net.pend_head)
        n += bt_net_post_pending();
    if (net.read_head)
        n += bt_net_post_reads();
    return n;
}

const char *bt_net_describe(char *buf, size_t cap)
{
    if (!net.up)
        return NULL;
    snprintf(buf, cap, "%s on %s", net.info->fabric_attr->prov_name,
             net.info->domain_attr->name);
    return buf;
}

int bt_net_quiet(void)
{
    return net.inflight == 0 && net.pend_head == NULL && net.reading == 0;
}

void bt_net_close(void)
{
    if (!net.up)
        return;
    net.up = 0;
    /* Someone outside the job reached this endpoint: say so, once. */
    if (net.dropped)
        fprintf(stderr, "Baton: rank %d: dropped %llu network message%s from outside the job "
                        "(without the job's secret)\n", bt_rt.rank,
                (unsigned long long)net.dropped, net.dropped == 1 ? "" : "s");
    if (net.ep)
        fi_close(&net.ep->fid);
    if (net.av)
        fi_close(&net.av->fid);
    if (net.cq)
        fi_close(&net.cq->fid);
    while (net.slabs) {
        bt_net_slab_t *s = net.slabs;
        net.slabs = s->next;
        if (s->mr)
            fi_close(&s->mr->fid);
        free(s);
    }
    if (net.domain)
        fi_close(&net.domain->fid);
    if (net.fabric)
        fi_close(&net.fabric->fid);
    ofi.freeinfo(net.info);
    free(net.addr);
    free(net.seq_out);
    free(net.seq_in);
    free(net.reserved);
    free(net.early);
    free(net.foreign);
    memset(&net, 0, sizeof(net));
}
