/* Fuzzes PMI: mpiexec's server reading a rank's requests (PMI-1 lines
 * "cmd=... key=value", PMI-2 length-prefixed frames, and the switch from one
 * to the other) through a socketpair, as bt_pmisrv_read does in the event
 * loop; and the client of src/runtime/pmi.c reading the launcher's answers.
 *
 * Input: byte 0 bits 0-1 pick the side: 0 mpiexec alone, 1 a proxy (puts and
 * fences go to the head), 2 the PMI-1 client, 3 the PMI-2 client; bits 2-3
 * the client's rank.  Byte 1: how many bytes reach the server's socket at a
 * time (0: all at once).  The rest: what the other side sends. */
#include "bt_fuzz.h"
#include "mpiexec.h"

#include <stdlib.h>
#include <unistd.h>

typedef struct bt_fuzz_srv {
    bt_job_t *job;
    bt_rank_t *rk;
} bt_fuzz_srv_t;

static int bt_fuzz_srv_step(void *arg)
{
    bt_fuzz_srv_t *srv = arg;

    bt_pmisrv_read(srv->job, srv->rk);
    return srv->rk->pmi.fd >= 0;
}

/* Rank 0 of 2 sends data; rank 1 waits in a fence already, so that rank 0's
 * completes it. */
static void bt_fuzz_server(bt_role_t role, const uint8_t *data, size_t len, size_t chunk)
{
    bt_opts_t opts = { .nranks = 2 };
    struct bt_proxy px = { .index = 0, .host = "fuzzhost" };
    bt_job_t job;
    bt_fuzz_srv_t srv = { .job = &job };
    int sv[2], head[2];

    bt_fuzz_job(&job, &opts, role, 2);
    bt_fuzz_socketpair(sv);
    bt_fuzz_socketpair(head);
    if (role == BT_ROLE_PROXY) {
        job.proxy = &px;
        bt_chan_init(&px.ch, head[0]);
    } else {
        close(head[0]);
    }
    srv.rk = &job.ranks[0];
    srv.rk->pmi.fd = sv[0];
    job.ranks[1].pmi.in_fence = 1;
    job.fence_count = 1;
    bt_fuzz_pump(sv[1], data, len, chunk, bt_fuzz_srv_step, &srv);
    close(sv[1]);
    if (role == BT_ROLE_PROXY) {
        bt_chan_close(&px.ch);
        bt_pack_free(&px.pairs);
    }
    close(head[1]);
    bt_job_destroy(&job);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    int side, rank;

    if (len < 2)
        return 0;
    side = data[0] & 3;
    rank = (data[0] >> 2) & 3;
    if (side == 0)
        bt_fuzz_server(BT_ROLE_SINGLE, data + 2, len - 2, data[1]);
    else if (side == 1)
        bt_fuzz_server(BT_ROLE_PROXY, data + 2, len - 2, data[1]);
    else
        bt_fuzz_pmi_client(side == 3 ? 2 : 1, rank, data + 2, len - 2);
    return 0;
}
