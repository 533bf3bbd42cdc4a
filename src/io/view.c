/* File views: displacement, etype and filetype, and where the bytes of the view's
 * data stream lie in the file. The filetype's type map (blocks of one element,
 * from src/datatype) is tiled from the displacement every extent bytes. */
#include "io/bt_io.h"
#include "util/bt_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where stream byte s starts: element k of the tiling, block b, byte `in` of it. */
typedef struct bt_view_cursor {
    MPI_Offset k;
    size_t     b;
    MPI_Aint   in;
} bt_view_cursor_t;

static bt_view_cursor_t bt_view_locate(const bt_datatype_t *ft, MPI_Offset s)
{
    bt_view_cursor_t c = { s / ft->size, 0, 0 };
    MPI_Aint r = (MPI_Aint)(s % ft->size);

    while (c.b < ft->nblocks && r >= ft->blocks[c.b].len) {
        r -= ft->blocks[c.b].len;
        c.b++;
    }
    c.in = r;
    return c;
}

/* A filetype whose tiles follow each other without holes from its start. */
static int bt_view_contig(const bt_datatype_t *ft)
{
    return ft->contig && ft->extent == ft->size;
}

size_t bt_file_view_segments(const bt_file_t *file, MPI_Offset start, MPI_Offset bytes,
                             bt_io_seg_t **segs_p)
{
    const bt_datatype_t *ft = file->filetype;
    bt_io_seg_t *segs = NULL;
    size_t n = 0, cap = 0;
    bt_view_cursor_t c;

    *segs_p = NULL;
    if (bytes <= 0)
        return 0;
    if (bt_view_contig(ft)) {
        segs = bt_malloc(sizeof(*segs));
        segs[0].off = file->disp + ft->true_lb + start;
        segs[0].len = bytes;
        *segs_p = segs;
        return 1;
    }
    c = bt_view_locate(ft, start);
    while (bytes > 0) {
        const bt_dt_block_t *blk = &ft->blocks[c.b];
        MPI_Offset off = file->disp + c.k * ft->extent + blk->disp + c.in;
        MPI_Offset len = blk->len - c.in;

        if (len > bytes)
            len = bytes;
        if (n && segs[n - 1].off + segs[n - 1].len == off) {
            segs[n - 1].len += len;
        } else {
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                segs = bt_realloc(segs, cap * sizeof(*segs));
            }
            segs[n].off = off;
            segs[n].len = len;
            n++;
        }
        bytes -= len;
        c.in = 0;
        if (++c.b == ft->nblocks) {
            c.b = 0;
            c.k++;
        }
    }
    *segs_p = segs;
    return n;
}

MPI_Offset bt_file_byte_offset(const bt_file_t *file, MPI_Offset offset)
{
    const bt_datatype_t *ft = file->filetype;
    MPI_Offset s = offset * file->esize;
    bt_view_cursor_t c;

    if (ft->size == 0)
        return file->disp;
    if (bt_view_contig(ft))
        return file->disp + ft->true_lb + s;
    c = bt_view_locate(ft, s);
    return file->disp + c.k * ft->extent + ft->blocks[c.b].disp + c.in;
}

MPI_Offset bt_file_view_end(const bt_file_t *file, MPI_Offset size)
{
    const bt_datatype_t *ft = file->filetype;
    MPI_Offset ft_etypes, tiles, pos;

    if (size <= file->disp)
        return 0;
    if (bt_view_contig(ft))
        return (size - file->disp - ft->true_lb + file->esize - 1) / file->esize;
    /* Whole tiles before the end, then etype by etype through the last one. */
    ft_etypes = ft->size / file->esize;
    tiles = ft->extent > 0 ? (size - file->disp) / ft->extent : 0;
    pos = tiles * ft_etypes;
    while (pos < (tiles + 1) * ft_etypes && bt_file_byte_offset(file, pos) < size)
        pos++;
    return pos;
}

int bt_file_set_view(const char *call, bt_file_t *file, MPI_Offset disp, bt_datatype_t *etype,
                     bt_datatype_t *filetype, const char *datarep, bt_info_t *info)
{
    struct bt_datarep *user = NULL;
    MPI_Offset esize, ftsize;
    int rep, rc;

    if (!strcmp(datarep, "native") || !strcmp(datarep, "internal"))
        rep = BT_REP_NATIVE;
    else if (!strcmp(datarep, "external32"))
        rep = BT_REP_EXTERNAL32;
    else if ((user = bt_datarep_find(datarep)))
        rep = BT_REP_USER;
    else
        return bt_io_err(MPI_ERR_UNSUPPORTED_DATAREP, call, "datarep '%s' is neither native, "
                         "internal, external32 nor registered", datarep);
    esize = bt_datarep_size(rep, etype);
    ftsize = bt_datarep_size(rep, filetype);
    if (esize == 0)
        return bt_io_err(MPI_ERR_ARG, call, "etype holds no data");
    if (ftsize % esize != 0)
        return bt_io_err(MPI_ERR_ARG, call, "filetype's %lld bytes are not a whole number of "
                         "etypes (%lld bytes)", (long long)ftsize, (long long)esize);
    if (ftsize == 0)
        return bt_io_err(MPI_ERR_ARG, call, "filetype holds no data");
    if (ftsize != filetype->size && !bt_view_contig(filetype))
        return bt_io_err(MPI_ERR_UNSUPPORTED_DATAREP, call, "filetype has holes and takes "
                         "%lld bytes in %s against %lld in memory: Baton lays out such views "
                         "only with types of the same size in both", (long long)ftsize,
                         datarep, (long long)filetype->size);
    for (size_t i = 0; i < filetype->nblocks; i++) {
        if (disp + filetype->blocks[i].disp < 0)
            return bt_io_err(MPI_ERR_ARG, call, "filetype reaches before the start of the file");
        if (i && filetype->blocks[i].disp < filetype->blocks[i - 1].disp + filetype->blocks[i - 1].len)
            return bt_io_err(MPI_ERR_ARG, call, "filetype's displacements must increase "
                             "monotonically without overlap");
    }
    if (filetype->true_lb + filetype->true_extent > filetype->lb + filetype->extent ||
        filetype->true_lb < filetype->lb)
        return bt_io_err(MPI_ERR_ARG, call, "filetype's data reaches beyond its extent, so its "
                         "tiles would overlap");
    if ((rc = bt_datarep_check(call, rep, user, etype)) != MPI_SUCCESS ||
        (rc = bt_datarep_check(call, rep, user, filetype)) != MPI_SUCCESS)
        return rc;

    if (disp == MPI_DISPLACEMENT_CURRENT) {
        MPI_Offset sh = 0;
        if ((rc = bt_file_shared_get(call, file, &sh)) != MPI_SUCCESS)
            return rc;
        disp = bt_file_byte_offset(file, sh);
    }
    /* Every rank reads the shared pointer's old place (above) before rank 0
     * resets it. */
    if ((rc = bt_io_barrier(file->comm)) != MPI_SUCCESS)
        return rc;
    bt_datatype_retain(etype);
    bt_datatype_retain(filetype);
    bt_datatype_release(file->etype);
    bt_datatype_release(file->filetype);
    file->etype = etype;
    file->filetype = filetype;
    file->esize = esize;
    file->disp = disp;
    file->rep = rep;
    file->user_rep = user;
    snprintf(file->datarep, sizeof(file->datarep), "%s", datarep);
    file->pos = 0;
    if (info)
        bt_file_set_info(file, info);
    if (file->comm->rank == 0 && file->shfd >= 0 &&
        (rc = bt_file_shared_set(call, file, 0)) != MPI_SUCCESS)
        return rc;
    return bt_io_barrier(file->comm);
}

int bt_file_type_extent(const char *call, bt_file_t *file, bt_datatype_t *dt, MPI_Aint *extent_p)
{
    int rc = bt_datarep_check(call, file->rep, file->user_rep, dt);

    if (rc != MPI_SUCCESS)
        return rc;
    /* external32 packs: a type of other sizes there takes its packed size. */
    *extent_p = bt_datarep_size(file->rep, dt) == dt->size ? dt->extent
                                                           : (MPI_Aint)bt_datarep_size(file->rep, dt);
    return MPI_SUCCESS;
}
