/* Fuzzes the control channel between mpiexec (the head) and baton-proxy: the
 * framing (bt_chan_read, bt_chan_next), the body helpers (bt_unpack_u32,
 * bt_unpack_str, bt_pack_pairs_next) and what each side does with every frame
 * type.  The bytes arrive through a socketpair, as from the other side.
 *
 * Input: byte 0 picks the reader (bits 0-1) and its set-up (bits 2-4: the
 * flags of bt_fuzz_proxy and bt_fuzz_head), byte 1
 * how many bytes reach the socket at a time (0: all at once), the rest is
 * what the other side sends.  Readers:
 *   0  the channel alone: every body read as PAIRS; the pairs that pass are
 *      split again with bt_pack_pairs_next, which must give them back as they
 *      were, in frames no longer than BT_CHAN_MAX;
 *   1  a proxy reading its head (bt_proxy_event);
 *   2  the head reading a proxy (bt_head_chan_event).  It is static, so
 *      head.c is compiled here rather than linked. */
#include "head.c"

#include "bt_fuzz.h"

#define BT_FUZZ_NRANKS 4

/* ---- 0: the channel alone ---- */

/* A PAIRS body's pairs that the head would take (bt_head_pairs' limits). */
static uint32_t bt_fuzz_good_pairs(bt_unpack_t *u, bt_pack_t *good)
{
    uint32_t n = bt_unpack_u32(u), ngood = 0;

    for (uint32_t i = 0; i < n && !u->failed; i++) {
        char *key = bt_unpack_str(u), *value = bt_unpack_str(u);

        if (key != NULL && value != NULL && strlen(key) < BT_PMI_KEY_BOUND &&
            strlen(value) < BT_PMI_VALUE_MAX) {
            bt_pack_str(good, key);
            bt_pack_str(good, value);
            ngood++;
        }
        free(key);
        free(value);
    }
    return ngood;
}

/* bt_pack_pairs_next must cut the pairs into frames that hold them all, in
 * order, unchanged. */
static void bt_fuzz_split_pairs(const bt_pack_t *good, uint32_t ngood)
{
    bt_unpack_t all = { .p = good->buf, .left = good->len };
    size_t at = 0;
    uint32_t seen = 0;

    while (all.left > 0) {
        bt_pack_t frame = { 0 };
        bt_unpack_t u;

        bt_pack_pairs_next(&all, &frame);
        if (frame.failed || frame.len < 4 || frame.len > BT_CHAN_MAX)
            abort();
        u = (bt_unpack_t){ .p = frame.buf, .left = frame.len };
        seen += bt_unpack_u32(&u);
        if (u.left == 0 || at + u.left > good->len || memcmp(good->buf + at, u.p, u.left) != 0)
            abort();
        at += u.left;
        bt_pack_free(&frame);
    }
    if (at != good->len || seen != ngood)
        abort();
}

/* Every frame complete in the channel: 0, or -1 at a bad header. */
static int bt_fuzz_chan_frames(bt_chan_t *ch)
{
    const char *why = NULL;
    bt_unpack_t body;
    uint32_t type;
    int got;

    while ((got = bt_chan_next(ch, &type, &body, &why)) > 0) {
        bt_pack_t good = { 0 };
        uint32_t ngood = bt_fuzz_good_pairs(&body, &good);

        bt_fuzz_split_pairs(&good, ngood);
        bt_pack_free(&good);
    }
    return got;
}

/* Frames are taken before reading too, as baton-proxy waits for SETUP: the
 * first call finds a channel that has read nothing. */
static int bt_fuzz_chan_step(void *arg)
{
    bt_chan_t *ch = arg;
    const char *why = NULL;

    if (bt_fuzz_chan_frames(ch) < 0 || bt_chan_read(ch, &why) < 0 ||
        bt_fuzz_chan_frames(ch) < 0)
        bt_chan_close(ch);
    return ch->fd >= 0;
}

static void bt_fuzz_chan(int fd, int peer, const uint8_t *data, size_t len, size_t chunk)
{
    bt_chan_t ch;

    bt_chan_init(&ch, fd);
    bt_fuzz_pump(peer, data, len, chunk, bt_fuzz_chan_step, &ch);
    bt_chan_close(&ch);
}

/* ---- 1: a proxy reading its head ---- */

static int bt_fuzz_proxy_step(void *arg)
{
    bt_job_t *job = arg;
    bt_ev_t ev = { .kind = BT_EV_PROXY };

    bt_proxy_event(job, &ev, POLLIN);
    return job->proxy->ch.fd >= 0;
}

/* flags 1: rank 0 reads its stdin, so STDIN frames are taken. */
static void bt_fuzz_proxy(int fd, int peer, unsigned flags, const uint8_t *data, size_t len,
                          size_t chunk)
{
    bt_opts_t opts = { .nranks = BT_FUZZ_NRANKS };
    struct bt_proxy px = { .index = 0, .host = "fuzzhost" };
    bt_job_t job;

    bt_fuzz_job(&job, &opts, BT_ROLE_PROXY, BT_FUZZ_NRANKS);
    job.proxy = &px;
    bt_chan_init(&px.ch, fd);
    if (flags & 1)
        job.in.to_fd = dup(bt_fuzz_devnull());
    bt_fuzz_pump(peer, data, len, chunk, bt_fuzz_proxy_step, &job);
    bt_iofwd_stdin_close(&job);
    bt_chan_close(&px.ch);
    bt_pack_free(&px.pairs);
    bt_job_destroy(&job);
}

/* ---- 2: the head reading a proxy ---- */

static int bt_fuzz_head_step(void *arg)
{
    bt_job_t *job = arg;

    bt_head_chan_event(job, 0, POLLIN);
    return job->head->hosts[0].ch.fd >= 0;
}

/* Host 0 reads the input.  flags 1: two hosts, host 1 (ranks 1 and 3) in and
 * waiting in the fence, so that host 0's FENCE completes it; 2: host 0's
 * proxy, on a socketpair, is still to say HELLO; 4: output lines are tagged. */
static void bt_fuzz_head(int fd, int peer, unsigned flags, const uint8_t *data, size_t len,
                         size_t chunk)
{
    static const int host_of_two[BT_FUZZ_NRANKS] = { 0, 1, 0, 1 };
    static const int host_of_one[BT_FUZZ_NRANKS] = { 0, 0, 0, 0 };
    int nhosts = flags & 1 ? 2 : 1;
    bt_opts_t opts = { .nranks = BT_FUZZ_NRANKS, .tag_output = (flags & 4) != 0 };
    struct bt_head *hd = calloc(1, sizeof(*hd));
    bt_job_t job;

    if (hd == NULL || (hd->hosts = calloc((size_t)nhosts, sizeof(*hd->hosts))) == NULL)
        abort();
    bt_fuzz_job(&job, &opts, BT_ROLE_HEAD, BT_FUZZ_NRANKS);
    job.head = hd;
    hd->nhosts = nhosts;
    hd->host_of = nhosts == 2 ? host_of_two : host_of_one;
    hd->listen_fd = -1;
    hd->stdin_fd = -1;
    hd->give_up_ms = -1;
    /* a chunk of stdin is out: STDIN_ACK may take up to this back */
    hd->stdin_outstanding = 100;
    for (int h = 0; h < nhosts; h++) {
        hd->hosts[h] = (bt_hostrec_t){ .name = h == 0 ? "host0" : "host1", .in = 1,
                                       .gone_at_ms = -1 };
        bt_chan_init(&hd->hosts[h].ch, -1);
    }
    for (int r = 0; r < job.nranks; r++) {
        job.ranks[r].remote = 1;
        job.ranks[r].alive = 1;
        job.ranks[r].host = hd->host_of[r];
        hd->hosts[hd->host_of[r]].nranks++;
        hd->hosts[hd->host_of[r]].nalive++;
    }
    job.nalive = job.nstarted = job.nranks;
    hd->nin = nhosts;
    if (nhosts == 2) {
        hd->hosts[1].in_fence = 1;
        hd->fence_in = 1;
    }
    if (flags & 2) {
        hd->hosts[0].in = 0;
        hd->nin--;
    }
    bt_chan_init(&hd->hosts[0].ch, fd);
    bt_fuzz_pump(peer, data, len, chunk, bt_fuzz_head_step, &job);
    bt_head_stop(&job);
    bt_job_destroy(&job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    int sv[2];
    unsigned mode, flags;
    size_t chunk;

    if (len < 2)
        return 0;
    mode = data[0] & 3;
    flags = data[0] >> 2;
    chunk = data[1];
    bt_fuzz_socketpair(sv);
    if (mode == 1)
        bt_fuzz_proxy(sv[0], sv[1], flags, data + 2, len - 2, chunk);
    else if (mode == 2)
        bt_fuzz_head(sv[0], sv[1], flags, data + 2, len - 2, chunk);
    else
        bt_fuzz_chan(sv[0], sv[1], data + 2, len - 2, chunk);
    close(sv[1]);
    return 0;
}
