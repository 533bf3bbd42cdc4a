/* Pack and unpack: gather a type's blocks into a byte stream and scatter back.
 *
 * Contiguous types are one memcpy. Otherwise the loop runs over elements and
 * their blocks; when every block has the same small length the copy has a
 * constant size, which the compiler turns into a plain load and store instead
 * of a call. Counts and sizes are MPI_Count throughout: beyond 2 GiB is normal. */
#include "datatype/dt_impl.h"

#include <string.h>

enum { BT_DT_PACK = 0, BT_DT_UNPACK = 1 };

/* Address arithmetic through integers: buf may be MPI_BOTTOM (NULL) with absolute
 * displacements, which pointer arithmetic would make undefined. */
#define BT_DT_PTR(base, off) ((char *)((uintptr_t)(base) + (uintptr_t)(MPI_Aint)(off)))

/* Copies whole elements; dir says which side is the stream. */
#define BT_DT_COPY_LOOP(LEN)                                                            \
    do {                                                                                \
        for (MPI_Count i = 0; i < n; i++) {                                             \
            char *e = BT_DT_PTR(elem, i * extent);                                      \
            for (size_t b = 0; b < nblocks; b++) {                                      \
                if (dir == BT_DT_PACK)                                                  \
                    memcpy(stream, BT_DT_PTR(e, blocks[b].disp), LEN);                  \
                else                                                                    \
                    memcpy(BT_DT_PTR(e, blocks[b].disp), stream, LEN);                  \
                stream += LEN;                                                          \
            }                                                                           \
        }                                                                               \
    } while (0)

static void bt_dt_copy_whole(const bt_datatype_t *dt, MPI_Count n, char *elem, char *stream,
                             int dir)
{
    const bt_dt_block_t *blocks = dt->blocks;
    const size_t nblocks = dt->nblocks;
    const MPI_Aint extent = dt->extent;

    switch (bt_dt_priv(dt)->blen) {
    case 1: BT_DT_COPY_LOOP(1); return;
    case 2: BT_DT_COPY_LOOP(2); return;
    case 4: BT_DT_COPY_LOOP(4); return;
    case 8: BT_DT_COPY_LOOP(8); return;
    case 12: BT_DT_COPY_LOOP(12); return;
    case 16: BT_DT_COPY_LOOP(16); return;
    case 32: BT_DT_COPY_LOOP(32); return;
    default: break;
    }
    for (MPI_Count i = 0; i < n; i++) {
        char *e = BT_DT_PTR(elem, i * extent);
        for (size_t b = 0; b < nblocks; b++) {
            size_t len = (size_t)blocks[b].len;
            if (dir == BT_DT_PACK)
                bt_copy(stream, BT_DT_PTR(e, blocks[b].disp), len);
            else
                bt_copy(BT_DT_PTR(e, blocks[b].disp), stream, len);
            stream += len;
        }
    }
}

/* Copies bytes [offset, offset + bytes) of the stream of count elements at buf. */
static void bt_dt_copy_range(const bt_datatype_t *dt, char *buf, char *stream, MPI_Count offset,
                             MPI_Count bytes, int dir)
{
    const MPI_Count size = dt->size;
    char *elem;
    MPI_Count skip;
    size_t b = 0;

    if (bytes <= 0 || size == 0)
        return;
    if (dt->contig) {
        char *data = BT_DT_PTR(buf, dt->true_lb + offset);
        if (dir == BT_DT_PACK)
            bt_copy(stream, data, (size_t)bytes);
        else
            bt_copy(data, stream, (size_t)bytes);
        return;
    }

    elem = BT_DT_PTR(buf, (offset / size) * dt->extent);
    skip = offset % size;
    while (skip >= dt->blocks[b].len) {
        skip -= dt->blocks[b].len;
        b++;
    }
    while (bytes > 0) {
        if (b == 0 && skip == 0 && bytes >= size) {
            MPI_Count n = bytes / size;
            bt_dt_copy_whole(dt, n, elem, stream, dir);
            elem = BT_DT_PTR(elem, n * dt->extent);
            stream += n * size;
            bytes -= n * size;
            continue;
        }
        /* A piece of an element: block by block. */
        MPI_Aint len = BT_MIN(dt->blocks[b].len - (MPI_Aint)skip, (MPI_Aint)bytes);
        char *data = BT_DT_PTR(elem, dt->blocks[b].disp + skip);
        if (dir == BT_DT_PACK)
            bt_copy(stream, data, (size_t)len);
        else
            bt_copy(data, stream, (size_t)len);
        stream += len;
        bytes -= len;
        skip += len;
        if (skip == dt->blocks[b].len) {
            skip = 0;
            if (++b == dt->nblocks) {
                b = 0;
                elem = BT_DT_PTR(elem, dt->extent);
            }
        }
    }
}

void bt_datatype_pack(const bt_datatype_t *dt, MPI_Count count, const void *buf, void *packed)
{
    bt_dt_copy_range(dt, (char *)buf, packed, 0, count * dt->size, BT_DT_PACK);
}

void bt_datatype_unpack(const bt_datatype_t *dt, MPI_Count count, const void *packed,
                        MPI_Count bytes, void *buf)
{
    bt_dt_copy_range(dt, buf, (char *)packed, 0, BT_MIN(bytes, count * dt->size), BT_DT_UNPACK);
}

void bt_datatype_pack_part(const bt_datatype_t *dt, MPI_Count count, const void *buf,
                           MPI_Count offset, MPI_Count bytes, void *packed)
{
    bytes = BT_MIN(bytes, count * dt->size - offset);
    bt_dt_copy_range(dt, (char *)buf, packed, offset, bytes, BT_DT_PACK);
}

void bt_datatype_unpack_part(const bt_datatype_t *dt, MPI_Count count, const void *packed,
                             MPI_Count offset, MPI_Count bytes, void *buf)
{
    bytes = BT_MIN(bytes, count * dt->size - offset);
    bt_dt_copy_range(dt, buf, (char *)packed, offset, bytes, BT_DT_UNPACK);
}
