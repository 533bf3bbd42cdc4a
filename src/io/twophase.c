/* Two-phase collective I/O. The file range the ranks access together is cut into
 * one domain per aggregator (by default the first rank of each node; the
 * cb_nodes hint sets how many), each processed in rounds of cb_buffer_size bytes:
 * in a round every rank sends each aggregator its pieces within that
 * aggregator's window (offsets, lengths and, for a write, the data), and the
 * aggregator makes one large contiguous access of the window: a write reads the
 * window first when the pieces leave holes (under a lock, as data sieving), a
 * read returns each rank its pieces. Many small requests become few large ones. */
#include "io/bt_io_impl.h"
#include "util/bt_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Pieces below this size (average) make two-phase pay even on one node. */
#define BT_TP_SMALL_PIECE 1024

/* Whether rank i is the first of its node among the file's ranks. */
static int bt_comm_node_color_of(const bt_file_t *file, int i)
{
    for (int j = 0; j < i; j++)
        if (file->node[j] == file->node[i])
            return -1;
    return file->node[i];
}

int bt_io_twophase_wanted(const bt_file_t *file, int write)
{
    return file->comm->size > 1 && !file->atomic &&
           (write ? file->hints.cb_write : file->hints.cb_read) != 0;
}

/* Automatic collective buffering (ROMIO's "automatic", refined): aggregate only
 * when the ranks' ranges interleave (otherwise each rank's own large accesses
 * are as good), and, when every rank shares one node and so one page cache, only
 * when the pieces are small enough that fewer system calls outweigh moving all
 * data through the aggregator. all[4 * i ...]: rank i's lo, hi, pieces, bytes. */
static int bt_tp_pays(const bt_file_t *file, const MPI_Offset *all, int size)
{
    MPI_Offset pieces = 0, bytes = 0;
    int interleave = 0, nodes = 0;

    for (int i = 0; i < size; i++) {
        pieces += all[4 * i + 2];
        bytes += all[4 * i + 3];
        for (int j = 0; j < i && !interleave; j++)
            interleave = all[4 * i + 2] && all[4 * j + 2] && all[4 * i] < all[4 * j + 1] &&
                         all[4 * j] < all[4 * i + 1];
        nodes += file->node[i] == bt_comm_node_color_of(file, i);
    }
    if (!interleave)
        return 0;
    return nodes > 1 || (pieces && bytes / pieces < BT_TP_SMALL_PIECE);
}

/* The aggregators in order: the first rank of every node, then the second, ...,
 * as many as cb_nodes asks (default: one per node). Returns their number. */
static int bt_tp_aggregators(const bt_file_t *file, int *aggr)
{
    int n = file->comm->size, nodes = 0, want, count = 0;
    int *idx = bt_malloc((size_t)n * sizeof(int));

    for (int i = 0; i < n; i++) {
        idx[i] = 0;
        for (int j = 0; j < i; j++)
            idx[i] += file->node[j] == file->node[i];
        nodes += idx[i] == 0;
    }
    want = file->hints.cb_nodes > 0 ? file->hints.cb_nodes : nodes;
    if (want > n)
        want = n;
    for (int level = 0; count < want; level++)
        for (int i = 0; i < n && count < want; i++)
            if (idx[i] == level)
                aggr[count++] = i;
    free(idx);
    return count;
}

typedef struct bt_tp_piece {
    MPI_Offset off, len;
} bt_tp_piece_t;

/* A piece an aggregator holds, with where its bytes are. */
typedef struct bt_tp_held {
    MPI_Offset off, len;
    char      *data;
} bt_tp_held_t;

static int bt_tp_held_cmp(const void *a, const void *b)
{
    MPI_Offset x = ((const bt_tp_held_t *)a)->off, y = ((const bt_tp_held_t *)b)->off;

    return x < y ? -1 : x > y;
}

/* The aggregator's side of a write round: the pieces of every rank, in rank order,
 * each message being [count][pieces][data]. Returns errno or 0. */
static int bt_tp_agg_write(bt_file_t *file, char *rbuf, const MPI_Count *rcounts,
                           const MPI_Aint *rdispls, int size)
{
    size_t nheld = 0, cap = 0;
    bt_tp_held_t *held = NULL;
    MPI_Offset lo = INT64_MAX, hi = INT64_MIN, covered;
    int holes = 0, err = 0;
    char *win;

    for (int r = 0; r < size; r++) {
        char *m = rbuf + rdispls[r], *d;
        int64_t np;
        if (rcounts[r] == 0)
            continue;
        memcpy(&np, m, sizeof(np));
        d = m + sizeof(np) + np * sizeof(bt_tp_piece_t);
        for (int64_t k = 0; k < np; k++) {
            bt_tp_piece_t p;
            memcpy(&p, m + sizeof(np) + k * sizeof(p), sizeof(p));
            if (nheld == cap) {
                cap = cap ? 2 * cap : 64;
                held = bt_realloc(held, cap * sizeof(*held));
            }
            held[nheld++] = (bt_tp_held_t){ p.off, p.len, d };
            d += p.len;
            lo = p.off < lo ? p.off : lo;
            hi = p.off + p.len > hi ? p.off + p.len : hi;
        }
    }
    if (!nheld)
        return 0;
    qsort(held, nheld, sizeof(*held), bt_tp_held_cmp);
    covered = lo;
    for (size_t k = 0; k < nheld; k++) {
        holes |= held[k].off > covered;
        covered = held[k].off + held[k].len > covered ? held[k].off + held[k].len : covered;
    }
    if (holes && !file->readable) {
        /* Cannot read what lies between: write the pieces one by one. */
        for (size_t k = 0; k < nheld && !err; k++)
            err = bt_io_pwrite(file->fd, held[k].data, held[k].len, held[k].off);
        free(held);
        return err;
    }
    win = bt_malloc((size_t)(hi - lo));
    if (holes) {
        MPI_Offset got = 0;
        if ((err = bt_io_lock(file->fd, F_WRLCK, lo, hi - lo)) == 0)
            err = bt_io_pread(file->fd, win, hi - lo, lo, &got);
        if (!err && got < hi - lo)
            memset(win + got, 0, (size_t)(hi - lo - got));
    }
    for (size_t k = 0; k < nheld && !err; k++)
        memcpy(win + (held[k].off - lo), held[k].data, (size_t)held[k].len);
    if (!err)
        err = bt_io_pwrite(file->fd, win, hi - lo, lo);
    if (holes)
        bt_io_lock(file->fd, F_UNLCK, lo, hi - lo);
    free(win);
    free(held);
    return err;
}

/* The aggregator's side of a read round: each message is [count][pieces]; the
 * reply to each rank is [end of file seen, or INT64_MAX][the pieces' bytes]. */
static int bt_tp_agg_read(bt_file_t *file, const char *rbuf, const MPI_Count *rcounts,
                          const MPI_Aint *rdispls, int size, char **reply_p,
                          MPI_Count *scounts, MPI_Aint *sdispls)
{
    MPI_Offset lo = INT64_MAX, hi = INT64_MIN, got = 0, eof = INT64_MAX, total = 0;
    char *win = NULL, *reply;
    int err = 0;

    for (int r = 0; r < size; r++) {
        const char *m = rbuf + rdispls[r];
        int64_t np = 0;
        scounts[r] = 0;
        if (rcounts[r] == 0)
            continue;
        memcpy(&np, m, sizeof(np));
        scounts[r] = sizeof(int64_t);
        for (int64_t k = 0; k < np; k++) {
            bt_tp_piece_t p;
            memcpy(&p, m + sizeof(np) + k * sizeof(p), sizeof(p));
            lo = p.off < lo ? p.off : lo;
            hi = p.off + p.len > hi ? p.off + p.len : hi;
            scounts[r] += p.len;
        }
    }
    for (int r = 0; r < size; r++) {
        sdispls[r] = (MPI_Aint)total;
        total += scounts[r];
    }
    reply = bt_malloc(total ? (size_t)total : 1);
    if (hi > lo) {
        win = bt_malloc((size_t)(hi - lo));
        err = bt_io_pread(file->fd, win, hi - lo, lo, &got);
        if (got < hi - lo) {
            memset(win + got, 0, (size_t)(hi - lo - got));
            eof = lo + got;
        }
    }
    for (int r = 0; r < size; r++) {
        const char *m = rbuf + rdispls[r];
        char *out = reply + sdispls[r];
        int64_t np = 0;
        if (rcounts[r] == 0)
            continue;
        memcpy(&np, m, sizeof(np));
        memcpy(out, &eof, sizeof(eof));
        out += sizeof(eof);
        for (int64_t k = 0; k < np; k++) {
            bt_tp_piece_t p;
            memcpy(&p, m + sizeof(np) + k * sizeof(p), sizeof(p));
            memcpy(out, win + (p.off - lo), (size_t)p.len);
            out += p.len;
        }
    }
    free(win);
    *reply_p = reply;
    return err;
}

int bt_io_twophase(const char *call, bt_file_t *file, int write, const bt_io_seg_t *segs,
                   size_t n, char *data, MPI_Offset bytes, MPI_Offset *done_p)
{
    bt_comm_t *comm = file->comm;
    int size = comm->size, naggr, rc = MPI_SUCCESS, err = 0, first_bad = -1;
    MPI_Offset mine[4], glo = INT64_MAX, ghi = INT64_MIN, fd, cb, unit, eof = INT64_MAX;
    MPI_Offset *all = bt_malloc((size_t)size * 4 * sizeof(MPI_Offset)), *pos;
    int *aggr = bt_malloc((size_t)size * sizeof(int)), *errs = NULL;
    size_t *cur;
    MPI_Count *scounts = bt_calloc((size_t)size * 4, sizeof(MPI_Count));
    MPI_Count *rcounts = scounts + size, *ssz = scounts + 2 * size, *rsz = scounts + 3 * size;
    MPI_Aint *sdispls = bt_calloc((size_t)size * 4, sizeof(MPI_Aint));
    MPI_Aint *rdispls = sdispls + size, *szd = sdispls + 2 * size, *rszd = sdispls + 3 * size;
    int64_t nrounds;

    *done_p = 0;
    mine[0] = n ? segs[0].off : INT64_MAX;
    mine[1] = n ? segs[n - 1].off + segs[n - 1].len : INT64_MIN;
    mine[2] = (MPI_Offset)n;
    mine[3] = bytes;
    if ((rc = bt_io_allgather(comm, mine, all, sizeof(mine))) != MPI_SUCCESS)
        goto out;
    for (int i = 0; i < size; i++) {
        glo = all[4 * i] < glo ? all[4 * i] : glo;
        ghi = all[4 * i + 1] > ghi ? all[4 * i + 1] : ghi;
    }
    if (glo >= ghi)
        goto out;   /* nobody accesses anything */
    if ((write ? file->hints.cb_write : file->hints.cb_read) < 0 && !bt_tp_pays(file, all, size)) {
        rc = bt_io_independent(call, file, write, segs, n, data, bytes, done_p);
        goto out;
    }
    naggr = bt_tp_aggregators(file, aggr);
    fd = (ghi - glo + naggr - 1) / naggr;
    unit = file->hints.striping_unit ? file->hints.striping_unit : 4096;
    if (fd > unit)
        fd = (fd + unit - 1) / unit * unit;
    cb = file->hints.cb_buffer_size;
    nrounds = (fd + cb - 1) / cb;

    /* Where each of my pieces starts in my data, and per aggregator the first
     * piece not yet sent to it. */
    pos = bt_malloc((n + 1) * sizeof(*pos));
    pos[0] = 0;
    for (size_t i = 0; i < n; i++)
        pos[i + 1] = pos[i] + segs[i].len;
    cur = bt_malloc((size_t)naggr * sizeof(*cur));
    for (int a = 0; a < naggr; a++) {
        size_t l = 0, h = n;
        MPI_Offset start = glo + a * fd;
        while (l < h) {   /* the first piece that ends after the domain's start */
            size_t m = (l + h) / 2;
            if (segs[m].off + segs[m].len <= start)
                l = m + 1;
            else
                h = m;
        }
        cur[a] = l;
    }
    for (int i = 0; i < size; i++) {
        ssz[i] = rsz[i] = sizeof(int64_t);
        szd[i] = rszd[i] = (MPI_Aint)(i * sizeof(int64_t));
    }

    for (int64_t r = 0; r < nrounds && rc == MPI_SUCCESS; r++) {
        int64_t *sizes_out = bt_calloc((size_t)size, sizeof(int64_t));
        int64_t *sizes_in = bt_calloc((size_t)size, sizeof(int64_t));
        size_t **which = bt_calloc((size_t)naggr, sizeof(size_t *));
        bt_tp_piece_t **pcs = bt_calloc((size_t)naggr, sizeof(*pcs));
        int64_t *np = bt_calloc((size_t)naggr, sizeof(int64_t));
        char *sbuf, *rbuf, *reply = NULL;
        MPI_Count total = 0;

        /* My pieces in each aggregator's window of this round. */
        for (int a = 0; a < naggr; a++) {
            MPI_Offset dlo = glo + a * fd, dhi = dlo + fd < ghi ? dlo + fd : ghi;
            MPI_Offset wlo = dlo + r * cb, whi = wlo + cb < dhi ? wlo + cb : dhi;
            size_t cap = 0;
            MPI_Offset dbytes = 0;
            for (size_t i = cur[a]; wlo < whi && i < n && segs[i].off < whi; i++) {
                MPI_Offset plo = segs[i].off > wlo ? segs[i].off : wlo;
                MPI_Offset phi = segs[i].off + segs[i].len < whi ? segs[i].off + segs[i].len : whi;
                if (phi > plo) {
                    if (np[a] == (int64_t)cap) {
                        cap = cap ? 2 * cap : 16;
                        pcs[a] = bt_realloc(pcs[a], cap * sizeof(**pcs));
                        which[a] = bt_realloc(which[a], cap * sizeof(**which));
                    }
                    pcs[a][np[a]] = (bt_tp_piece_t){ plo, phi - plo };
                    which[a][np[a]] = i;
                    np[a]++;
                    dbytes += phi - plo;
                }
                if (segs[i].off + segs[i].len > whi)
                    break;
                cur[a] = i + 1;
            }
            if (np[a])
                sizes_out[aggr[a]] = (int64_t)(sizeof(int64_t) + np[a] * sizeof(bt_tp_piece_t) +
                                               (write ? dbytes : 0));
        }
        /* One message per aggregator: [count][pieces][data of a write]. */
        for (int i = 0; i < size; i++) {
            scounts[i] = sizes_out[i];
            sdispls[i] = (MPI_Aint)total;
            total += sizes_out[i];
        }
        sbuf = bt_malloc(total ? (size_t)total : 1);
        for (int a = 0; a < naggr; a++) {
            char *m = sbuf + sdispls[aggr[a]];
            if (!np[a])
                continue;
            memcpy(m, &np[a], sizeof(int64_t));
            memcpy(m + sizeof(int64_t), pcs[a], (size_t)np[a] * sizeof(bt_tp_piece_t));
            m += sizeof(int64_t) + np[a] * sizeof(bt_tp_piece_t);
            for (int64_t k = 0; write && k < np[a]; k++) {
                const bt_io_seg_t *s = &segs[which[a][k]];
                memcpy(m, data + pos[which[a][k]] + (pcs[a][k].off - s->off), (size_t)pcs[a][k].len);
                m += pcs[a][k].len;
            }
        }
        rc = bt_io_alltoallv(comm, sizes_out, ssz, szd, sizes_in, rsz, rszd);
        total = 0;
        for (int i = 0; i < size; i++) {
            rcounts[i] = sizes_in[i];
            rdispls[i] = (MPI_Aint)total;
            total += sizes_in[i];
        }
        rbuf = bt_malloc(total ? (size_t)total : 1);
        if (rc == MPI_SUCCESS)
            rc = bt_io_alltoallv(comm, sbuf, scounts, sdispls, rbuf, rcounts, rdispls);
        if (rc == MPI_SUCCESS && write) {
            int e = bt_tp_agg_write(file, rbuf, rcounts, rdispls, size);
            err = err ? err : e;
        } else if (rc == MPI_SUCCESS) {
            /* Aggregators answer; everyone takes its pieces from the answers. */
            MPI_Count *bc = bt_calloc((size_t)size * 2, sizeof(MPI_Count));
            MPI_Aint *bd = bt_calloc((size_t)size * 2, sizeof(MPI_Aint));
            char *back;
            int e = bt_tp_agg_read(file, rbuf, rcounts, rdispls, size, &reply, bc, bd);
            err = err ? err : e;
            total = 0;
            for (int a = 0; a < naggr; a++) {
                MPI_Offset b = np[a] ? (MPI_Offset)sizeof(int64_t) : 0;
                for (int64_t k = 0; k < np[a]; k++)
                    b += pcs[a][k].len;
                bc[size + aggr[a]] = b;
            }
            for (int i = 0; i < size; i++) {
                bd[size + i] = (MPI_Aint)total;
                total += bc[size + i];
            }
            back = bt_malloc(total ? (size_t)total : 1);
            rc = bt_io_alltoallv(comm, reply, bc, bd, back, bc + size, bd + size);
            for (int a = 0; rc == MPI_SUCCESS && a < naggr; a++) {
                char *m = back + bd[size + aggr[a]];
                MPI_Offset e_a;
                if (!np[a])
                    continue;
                memcpy(&e_a, m, sizeof(e_a));
                eof = e_a < eof ? e_a : eof;
                m += sizeof(e_a);
                for (int64_t k = 0; k < np[a]; k++) {
                    const bt_io_seg_t *s = &segs[which[a][k]];
                    memcpy(data + pos[which[a][k]] + (pcs[a][k].off - s->off), m,
                           (size_t)pcs[a][k].len);
                    m += pcs[a][k].len;
                }
            }
            free(back);
            free(bc);
            free(bd);
        }
        for (int a = 0; a < naggr; a++) {
            free(pcs[a]);
            free(which[a]);
        }
        free(pcs);
        free(which);
        free(np);
        free(sbuf);
        free(rbuf);
        free(reply);
        free(sizes_out);
        free(sizes_in);
    }
    free(pos);
    free(cur);

    /* Every rank learns whether an aggregator failed; a write is on disk (as far
     * as the system calls go) when the call returns anywhere. */
    if (rc == MPI_SUCCESS) {
        errs = bt_malloc((size_t)size * sizeof(int));
        rc = bt_io_allgather(comm, &err, errs, sizeof(int));
        for (int i = 0; rc == MPI_SUCCESS && i < size && first_bad < 0; i++)
            if (errs[i])
                first_bad = i;
        if (first_bad >= 0)
            rc = bt_io_err(bt_io_errno_class(errs[first_bad]), call, "%s '%s' failed on "
                           "aggregator rank %d: %s", write ? "writing" : "reading", file->path,
                           first_bad, strerror(errs[first_bad]));
    }
    if (rc == MPI_SUCCESS) {
        if (write) {
            *done_p = bytes;
        } else {
            MPI_Offset done = 0;
            for (size_t i = 0; i < n; i++) {
                if (segs[i].off >= eof)
                    break;
                if (segs[i].off + segs[i].len > eof) {
                    done += eof - segs[i].off;
                    break;
                }
                done += segs[i].len;
            }
            *done_p = done;
        }
    }
out:
    free(errs);
    free(all);
    free(aggr);
    free(scounts);
    free(sdispls);
    return rc;
}
