/* Data representations: "native" and "internal" (the memory's bytes),
 * "external32" (big-endian, the standard's sizes: src/datatype converts) and
 * those the program registers with MPI_Register_datarep.
 *
 * A view's filetype with holes keeps its native layout, so in external32 it may
 * hold only types of the same size there (int, double, ...; not MPI_LONG, which
 * is 4 bytes); a contiguous filetype may hold any. Registered representations
 * keep native extents. Other cases are refused with MPI_ERR_UNSUPPORTED_DATAREP
 * rather than laid out wrongly. */
#include "io/bt_io.h"
#include "util/bt_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bt_datarep {
    char                          name[MPI_MAX_DATAREP_STRING];
    void                         *read_fn, *write_fn;   /* conversion functions, or NULL */
    MPI_Datarep_extent_function  *extent_fn;
    void                         *extra;
    int                           large;                /* the _c form's functions */
    struct bt_datarep            *next;
} bt_datarep_t;

static bt_datarep_t *bt_datareps;

bt_datarep_t *bt_datarep_find(const char *name)
{
    for (bt_datarep_t *d = bt_datareps; d; d = d->next)
        if (!strcmp(d->name, name))
            return d;
    return NULL;
}

int bt_datarep_register(const char *name, void *read_fn, void *write_fn,
                        MPI_Datarep_extent_function *extent_fn, void *extra, int large)
{
    bt_datarep_t *d;

    if (!strcmp(name, "native") || !strcmp(name, "internal") || !strcmp(name, "external32") ||
        bt_datarep_find(name))
        return MPI_ERR_DUP_DATAREP;
    d = bt_calloc(1, sizeof(*d));
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->read_fn = read_fn;
    d->write_fn = write_fn;
    d->extent_fn = extent_fn;
    d->extra = extra;
    d->large = large;
    d->next = bt_datareps;
    bt_datareps = d;
    return MPI_SUCCESS;
}

MPI_Count bt_datarep_size(int rep, const bt_datatype_t *dt)
{
    return rep == BT_REP_EXTERNAL32 ? bt_datatype_external32_size(dt) : dt->size;
}

int bt_datarep_check(const char *call, int rep, bt_datarep_t *user, bt_datatype_t *dt)
{
    size_t nruns;
    const bt_dt_run_t *runs;

    if (rep == BT_REP_NATIVE || dt->size == 0)
        return MPI_SUCCESS;
    if (rep == BT_REP_EXTERNAL32)
        return MPI_SUCCESS;
    runs = bt_datatype_runs(dt, &nruns);
    for (size_t i = 0; i < nruns; i++) {
        bt_datatype_t *b = bt_datatype_predefined(runs[i].idx);
        MPI_Aint ext = 0;
        int rc = user->extent_fn(b->handle, &ext, user->extra);
        if (rc != MPI_SUCCESS)
            return rc;
        if (ext != b->extent)
            return bt_io_err(MPI_ERR_UNSUPPORTED_DATAREP, call, "datarep '%s' gives %s an "
                             "extent of %lld bytes, and Baton keeps native sizes in file views",
                             user->name, b->name, (long long)ext);
    }
    return MPI_SUCCESS;
}

int bt_datarep_to_file(const char *call, int rep, bt_datarep_t *user, const void *buf,
                       MPI_Count count, bt_datatype_t *dt, void *fbuf)
{
    int rc = MPI_SUCCESS;

    if (rep == BT_REP_EXTERNAL32) {
        bt_datatype_pack_external32(dt, count, buf, fbuf);
    } else if (rep == BT_REP_USER && user->write_fn) {
        /* The conversion reads the user's buffer through the datatype itself. */
        if (user->large)
            rc = ((MPI_Datarep_conversion_function_c *)user->write_fn)(
                (void *)buf, dt->handle, count, fbuf, 0, user->extra);
        else if (count > INT32_MAX)
            return bt_io_err(MPI_ERR_COUNT, call, "count %lld is too large for datarep '%s' "
                             "(registered without the _c form)", (long long)count, user->name);
        else
            rc = ((MPI_Datarep_conversion_function *)user->write_fn)(
                (void *)buf, dt->handle, (int)count, fbuf, 0, user->extra);
        if (rc != MPI_SUCCESS)
            return bt_io_err(MPI_ERR_CONVERSION, call, "the write conversion of datarep '%s' "
                             "failed (%d)", user->name, rc);
    } else {
        bt_datatype_pack(dt, count, buf, fbuf);
    }
    return MPI_SUCCESS;
}

int bt_datarep_from_file(const char *call, int rep, bt_datarep_t *user, void *buf,
                         MPI_Count count, bt_datatype_t *dt, const void *fbuf)
{
    int rc = MPI_SUCCESS;

    if (rep == BT_REP_EXTERNAL32) {
        bt_datatype_unpack_external32(dt, count, fbuf, buf);
    } else if (rep == BT_REP_USER && user->read_fn) {
        if (user->large)
            rc = ((MPI_Datarep_conversion_function_c *)user->read_fn)(
                buf, dt->handle, count, (void *)fbuf, 0, user->extra);
        else if (count > INT32_MAX)
            return bt_io_err(MPI_ERR_COUNT, call, "count %lld is too large for datarep '%s' "
                             "(registered without the _c form)", (long long)count, user->name);
        else
            rc = ((MPI_Datarep_conversion_function *)user->read_fn)(
                buf, dt->handle, (int)count, (void *)fbuf, 0, user->extra);
        if (rc != MPI_SUCCESS)
            return bt_io_err(MPI_ERR_CONVERSION, call, "the read conversion of datarep '%s' "
                             "failed (%d)", user->name, rc);
    } else {
        bt_datatype_unpack(dt, count, fbuf, count * dt->size, buf);
    }
    return MPI_SUCCESS;
}
