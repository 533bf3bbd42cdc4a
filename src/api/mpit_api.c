/* The MPI tools interface (MPI_T). Usable before MPI_Init and after
 * MPI_Finalize, between MPI_T_init_thread and MPI_T_finalize (reference
 * counted). Its calls do not raise errors through error handlers: each returns
 * its MPI_T_ERR_* class, as the standard says; a bad pointer or value is
 * MPI_T_ERR_INVALID. The objects live in src/tools. */
#include "api/bt_api.h"
#include "comm/bt_info.h"
#include "tools/bt_mpit.h"

#include <string.h>

#define BT_T_CHECK_INIT() \
    do { if (bt_unlikely(bt_mpit_refs == 0)) return MPI_T_ERR_NOT_INITIALIZED; } while (0)
#define BT_T_CHECK_PTR(p) \
    do { if (bt_unlikely(!(p))) return MPI_T_ERR_INVALID; } while (0)
#define BT_T_CHECK_INDEX(i, n) \
    do { if ((i) < 0 || (i) >= (n)) return MPI_T_ERR_INVALID_INDEX; } while (0)

/* An info argument: MPI_INFO_NULL or a live info. Baton takes no hints here. */
static int bt_t_info_ok(MPI_Info info)
{
    return info == MPI_INFO_NULL || bt_info_get(info) != NULL;
}

/* The info_used of an object that takes no hints: a new, empty info. */
static int bt_t_info_used(MPI_Info *info_used)
{
    BT_T_CHECK_PTR(info_used);
    *info_used = bt_info_new()->handle;
    return MPI_SUCCESS;
}

/* ---- life cycle ---------------------------------------------------------------------- */

int PMPI_T_init_thread(int required, int *provided)
{
    BT_API_LOCK();

    BT_T_CHECK_PTR(provided);
    if (required != MPI_THREAD_SINGLE && required != MPI_THREAD_FUNNELED &&
        required != MPI_THREAD_SERIALIZED && required != MPI_THREAD_MULTIPLE)
        return MPI_T_ERR_INVALID;
    bt_mpit_open();
    /* The big lock serializes MPI_T as it does MPI. */
    *provided = required;
    return MPI_SUCCESS;
}

int PMPI_T_finalize(void)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    bt_mpit_close();
    return MPI_SUCCESS;
}

/* ---- enumerations --------------------------------------------------------------------- */

int PMPI_T_enum_get_info(MPI_T_enum enumtype, int *num, char *name, int *name_len)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    if (!bt_mpit_enum_ok(enumtype))
        return MPI_T_ERR_INVALID_HANDLE;
    BT_T_CHECK_PTR(num);
    *num = enumtype->n;
    bt_mpit_str(enumtype->name, name, name_len);
    return MPI_SUCCESS;
}

int PMPI_T_enum_get_item(MPI_T_enum enumtype, int index, int *value, char *name, int *name_len)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    if (!bt_mpit_enum_ok(enumtype))
        return MPI_T_ERR_INVALID_HANDLE;
    if (index < 0 || index >= enumtype->n)
        return MPI_T_ERR_INVALID_ITEM;
    BT_T_CHECK_PTR(value);
    *value = enumtype->values[index];
    bt_mpit_str(enumtype->items[index], name, name_len);
    return MPI_SUCCESS;
}

/* ---- control variables ---------------------------------------------------------------- */

int PMPI_T_cvar_get_num(int *num_cvar)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(num_cvar);
    *num_cvar = bt_ncvars;
    return MPI_SUCCESS;
}

int PMPI_T_cvar_get_info(int cvar_index, char *name, int *name_len, int *verbosity,
                         MPI_Datatype *datatype, MPI_T_enum *enumtype, char *desc,
                         int *desc_len, int *bind, int *scope)
{
    BT_API_LOCK();
    const bt_cvar_t *c;

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(cvar_index, bt_ncvars);
    c = &bt_cvars[cvar_index];
    bt_mpit_str(c->name, name, name_len);
    bt_mpit_str(c->desc, desc, desc_len);
    /* NULL: the caller does not want that one (MPI-4.1 15.3.3). */
    if (verbosity)
        *verbosity = MPI_T_VERBOSITY_USER_BASIC;
    if (datatype)
        *datatype = c->type;
    if (enumtype)
        *enumtype = c->en;
    if (bind)
        *bind = MPI_T_BIND_NO_OBJECT;
    if (scope)
        *scope = c->scope;
    return MPI_SUCCESS;
}

int PMPI_T_cvar_get_index(const char *name, int *cvar_index)
{
    BT_API_LOCK();
    int i;

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(name);
    BT_T_CHECK_PTR(cvar_index);
    if ((i = bt_cvar_index(name)) < 0)
        return MPI_T_ERR_INVALID_NAME;
    *cvar_index = i;
    return MPI_SUCCESS;
}

int PMPI_T_cvar_handle_alloc(int cvar_index, void *obj_handle, MPI_T_cvar_handle *handle,
                             int *count)
{
    BT_API_LOCK();
    MPI_T_cvar_handle h;

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(cvar_index, bt_ncvars);
    BT_T_CHECK_PTR(handle);
    BT_T_CHECK_PTR(count);
    /* Every variable is bound to no object: obj_handle is ignored. */
    h = bt_cvar_handle_new(&bt_cvars[cvar_index]);
    *handle = h;
    *count = h->count;
    return MPI_SUCCESS;
}

int PMPI_T_cvar_handle_free(MPI_T_cvar_handle *handle)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(handle);
    if (!bt_cvar_handle_ok(*handle))
        return MPI_T_ERR_INVALID_HANDLE;
    bt_cvar_handle_free(*handle);
    *handle = MPI_T_CVAR_HANDLE_NULL;
    return MPI_SUCCESS;
}

int PMPI_T_cvar_read(MPI_T_cvar_handle handle, void *buf)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    if (!bt_cvar_handle_ok(handle))
        return MPI_T_ERR_INVALID_HANDLE;
    BT_T_CHECK_PTR(buf);
    bt_cvar_read(handle->c, buf, handle->count);
    return MPI_SUCCESS;
}

int PMPI_T_cvar_write(MPI_T_cvar_handle handle, const void *buf)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    if (!bt_cvar_handle_ok(handle))
        return MPI_T_ERR_INVALID_HANDLE;
    BT_T_CHECK_PTR(buf);
    return bt_cvar_write(handle->c, buf);
}

/* ---- performance variables ------------------------------------------------------------ */

int PMPI_T_pvar_get_num(int *num_pvar)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(num_pvar);
    *num_pvar = bt_npvars;
    return MPI_SUCCESS;
}

int PMPI_T_pvar_get_info(int pvar_index, char *name, int *name_len, int *verbosity,
                         int *var_class, MPI_Datatype *datatype, MPI_T_enum *enumtype,
                         char *desc, int *desc_len, int *bind, int *readonly, int *continuous,
                         int *atomic)
{
    BT_API_LOCK();
    const bt_pvar_t *v;

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(pvar_index, bt_npvars);
    v = &bt_pvars[pvar_index];
    bt_mpit_str(v->name, name, name_len);
    bt_mpit_str(v->desc, desc, desc_len);
    if (verbosity)
        *verbosity = MPI_T_VERBOSITY_USER_BASIC;
    if (var_class)
        *var_class = v->cls;
    if (datatype)
        *datatype = v->u ? MPI_UNSIGNED_LONG_LONG : MPI_DOUBLE;
    if (enumtype)
        *enumtype = MPI_T_ENUM_NULL;
    if (bind)
        *bind = MPI_T_BIND_NO_OBJECT;
    if (readonly)
        *readonly = v->readonly;
    if (continuous)
        *continuous = v->continuous;
    /* Under the big lock, a read and a reset are one step. */
    if (atomic)
        *atomic = 1;
    return MPI_SUCCESS;
}

int PMPI_T_pvar_get_index(const char *name, int var_class, int *pvar_index)
{
    BT_API_LOCK();
    int i;

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(name);
    BT_T_CHECK_PTR(pvar_index);
    if (var_class < MPI_T_PVAR_CLASS_STATE || var_class > MPI_T_PVAR_CLASS_GENERIC)
        return MPI_T_ERR_INVALID;
    if ((i = bt_pvar_index(name, var_class)) < 0)
        return MPI_T_ERR_INVALID_NAME;
    *pvar_index = i;
    return MPI_SUCCESS;
}

int PMPI_T_pvar_session_create(MPI_T_pvar_session *pe_session)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(pe_session);
    *pe_session = bt_pvar_session_new();
    return MPI_SUCCESS;
}

int PMPI_T_pvar_session_free(MPI_T_pvar_session *pe_session)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(pe_session);
    if (!bt_pvar_session_ok(*pe_session))
        return MPI_T_ERR_INVALID_SESSION;
    bt_pvar_session_free(*pe_session);
    *pe_session = MPI_T_PVAR_SESSION_NULL;
    return MPI_SUCCESS;
}

int PMPI_T_pvar_handle_alloc(MPI_T_pvar_session pe_session, int pvar_index, void *obj_handle,
                             MPI_T_pvar_handle *handle, int *count)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    if (!bt_pvar_session_ok(pe_session))
        return MPI_T_ERR_INVALID_SESSION;
    BT_T_CHECK_INDEX(pvar_index, bt_npvars);
    BT_T_CHECK_PTR(handle);
    BT_T_CHECK_PTR(count);
    *handle = bt_pvar_handle_new(pe_session, &bt_pvars[pvar_index]);
    *count = 1;
    return MPI_SUCCESS;
}

/* The session, then the handle (a handle of this session; ALL_HANDLES where all). */
static int bt_t_pvar_args(MPI_T_pvar_session s, MPI_T_pvar_handle h, int all)
{
    if (!bt_pvar_session_ok(s))
        return MPI_T_ERR_INVALID_SESSION;
    if (h == MPI_T_PVAR_ALL_HANDLES && all)
        return MPI_SUCCESS;
    return bt_pvar_handle_ok(s, h) ? MPI_SUCCESS : MPI_T_ERR_INVALID_HANDLE;
}

int PMPI_T_pvar_handle_free(MPI_T_pvar_session pe_session, MPI_T_pvar_handle *handle)
{
    BT_API_LOCK();
    int rc;

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(handle);
    if ((rc = bt_t_pvar_args(pe_session, *handle, 0)) != MPI_SUCCESS)
        return rc;
    bt_pvar_handle_free(pe_session, *handle);
    *handle = MPI_T_PVAR_HANDLE_NULL;
    return MPI_SUCCESS;
}

int PMPI_T_pvar_start(MPI_T_pvar_session pe_session, MPI_T_pvar_handle handle)
{
    BT_API_LOCK();
    int rc;

    BT_T_CHECK_INIT();
    if ((rc = bt_t_pvar_args(pe_session, handle, 1)) != MPI_SUCCESS)
        return rc;
    if (handle != MPI_T_PVAR_ALL_HANDLES)
        return bt_pvar_start(handle);
    /* All: those that can be started. */
    for (MPI_T_pvar_handle h = pe_session->handles; h; h = h->next)
        if (!h->v->continuous)
            bt_pvar_start(h);
    return MPI_SUCCESS;
}

int PMPI_T_pvar_stop(MPI_T_pvar_session pe_session, MPI_T_pvar_handle handle)
{
    BT_API_LOCK();
    int rc;

    BT_T_CHECK_INIT();
    if ((rc = bt_t_pvar_args(pe_session, handle, 1)) != MPI_SUCCESS)
        return rc;
    if (handle != MPI_T_PVAR_ALL_HANDLES)
        return bt_pvar_stop(handle);
    for (MPI_T_pvar_handle h = pe_session->handles; h; h = h->next)
        if (!h->v->continuous)
            bt_pvar_stop(h);
    return MPI_SUCCESS;
}

int PMPI_T_pvar_read(MPI_T_pvar_session pe_session, MPI_T_pvar_handle handle, void *buf)
{
    BT_API_LOCK();
    int rc;

    BT_T_CHECK_INIT();
    if ((rc = bt_t_pvar_args(pe_session, handle, 0)) != MPI_SUCCESS)
        return rc;
    BT_T_CHECK_PTR(buf);
    bt_pvar_read(handle, buf);
    return MPI_SUCCESS;
}

int PMPI_T_pvar_write(MPI_T_pvar_session pe_session, MPI_T_pvar_handle handle, const void *buf)
{
    BT_API_LOCK();
    int rc;

    BT_T_CHECK_INIT();
    if ((rc = bt_t_pvar_args(pe_session, handle, 0)) != MPI_SUCCESS)
        return rc;
    BT_T_CHECK_PTR(buf);
    return bt_pvar_write(handle, buf);
}

int PMPI_T_pvar_reset(MPI_T_pvar_session pe_session, MPI_T_pvar_handle handle)
{
    BT_API_LOCK();
    static const unsigned long long zero_u = 0;
    static const double zero_d = 0;
    int rc;

    BT_T_CHECK_INIT();
    if ((rc = bt_t_pvar_args(pe_session, handle, 1)) != MPI_SUCCESS)
        return rc;
    if (handle != MPI_T_PVAR_ALL_HANDLES)
        return bt_pvar_write(handle, handle->v->u ? (const void *)&zero_u : (const void *)&zero_d);
    /* All: those that can be written. */
    for (MPI_T_pvar_handle h = pe_session->handles; h; h = h->next)
        if (!h->v->readonly)
            bt_pvar_write(h, h->v->u ? (const void *)&zero_u : (const void *)&zero_d);
    return MPI_SUCCESS;
}

int PMPI_T_pvar_readreset(MPI_T_pvar_session pe_session, MPI_T_pvar_handle handle, void *buf)
{
    BT_API_LOCK();
    static const unsigned long long zero_u = 0;
    static const double zero_d = 0;
    int rc;

    BT_T_CHECK_INIT();
    if ((rc = bt_t_pvar_args(pe_session, handle, 0)) != MPI_SUCCESS)
        return rc;
    BT_T_CHECK_PTR(buf);
    if (handle->v->readonly)
        return MPI_T_ERR_PVAR_NO_WRITE;
    bt_pvar_read(handle, buf);
    return bt_pvar_write(handle, handle->v->u ? (const void *)&zero_u : (const void *)&zero_d);
}

/* ---- categories ------------------------------------------------------------------------ */

int PMPI_T_category_get_num(int *num_cat)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(num_cat);
    *num_cat = BT_NCATS;
    return MPI_SUCCESS;
}

int PMPI_T_category_get_info(int cat_index, char *name, int *name_len, char *desc,
                             int *desc_len, int *num_cvars, int *num_pvars, int *num_categories)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(cat_index, BT_NCATS);
    bt_mpit_str(bt_categories[cat_index].name, name, name_len);
    bt_mpit_str(bt_categories[cat_index].desc, desc, desc_len);
    if (num_cvars)
        *num_cvars = bt_category_cvars(cat_index, 0, NULL);
    if (num_pvars)
        *num_pvars = bt_category_pvars(cat_index, 0, NULL);
    if (num_categories)
        *num_categories = 0;
    return MPI_SUCCESS;
}

int PMPI_T_category_get_num_events(int cat_index, int *num_events)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(cat_index, BT_NCATS);
    BT_T_CHECK_PTR(num_events);
    *num_events = bt_category_events(cat_index, 0, NULL);
    return MPI_SUCCESS;
}

int PMPI_T_category_get_index(const char *name, int *cat_index)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(name);
    BT_T_CHECK_PTR(cat_index);
    for (int i = 0; i < BT_NCATS; i++) {
        if (strcmp(bt_categories[i].name, name) == 0) {
            *cat_index = i;
            return MPI_SUCCESS;
        }
    }
    return MPI_T_ERR_INVALID_NAME;
}

/* The get_cvars/pvars/events/categories calls: len >= 0, indices where len > 0. */
#define BT_T_CHECK_LIST(cat, len, indices)           \
    do {                                             \
        BT_T_CHECK_INIT();                           \
        BT_T_CHECK_INDEX(cat, BT_NCATS);             \
        if ((len) < 0 || ((len) > 0 && !(indices)))  \
            return MPI_T_ERR_INVALID;                \
    } while (0)

int PMPI_T_category_get_cvars(int cat_index, int len, int indices[])
{
    BT_API_LOCK();

    BT_T_CHECK_LIST(cat_index, len, indices);
    bt_category_cvars(cat_index, len, indices);
    return MPI_SUCCESS;
}

int PMPI_T_category_get_pvars(int cat_index, int len, int indices[])
{
    BT_API_LOCK();

    BT_T_CHECK_LIST(cat_index, len, indices);
    bt_category_pvars(cat_index, len, indices);
    return MPI_SUCCESS;
}

int PMPI_T_category_get_events(int cat_index, int len, int indices[])
{
    BT_API_LOCK();

    BT_T_CHECK_LIST(cat_index, len, indices);
    bt_category_events(cat_index, len, indices);
    return MPI_SUCCESS;
}

int PMPI_T_category_get_categories(int cat_index, int len, int indices[])
{
    BT_API_LOCK();

    /* The categories have no subcategories. */
    BT_T_CHECK_LIST(cat_index, len, indices);
    return MPI_SUCCESS;
}

int PMPI_T_category_changed(int *update_number)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(update_number);
    /* Variables and categories are fixed at MPI_T_init_thread. */
    *update_number = 0;
    return MPI_SUCCESS;
}

/* ---- event sources ------------------------------------------------------------------- */

int PMPI_T_source_get_num(int *num_sources)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(num_sources);
    *num_sources = 1;
    return MPI_SUCCESS;
}

int PMPI_T_source_get_info(int source_index, char *name, int *name_len, char *desc,
                           int *desc_len, MPI_T_source_order *ordering,
                           MPI_Count *ticks_per_second, MPI_Count *max_ticks, MPI_Info *info)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(source_index, 1);
    bt_mpit_str("baton", name, name_len);
    bt_mpit_str("the events of this process, in the order they happen, stamped with "
                "CLOCK_MONOTONIC in nanoseconds", desc, desc_len);
    if (ordering)
        *ordering = MPI_T_SOURCE_ORDERED;
    if (ticks_per_second)
        *ticks_per_second = 1000000000;
    if (max_ticks)
        *max_ticks = INT64_MAX;
    if (info)
        *info = MPI_INFO_NULL;
    return MPI_SUCCESS;
}

int PMPI_T_source_get_timestamp(int source_index, MPI_Count *timestamp)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(source_index, 1);
    BT_T_CHECK_PTR(timestamp);
    *timestamp = bt_event_now();
    return MPI_SUCCESS;
}

/* ---- events ------------------------------------------------------------------------- */

int PMPI_T_event_get_num(int *num_events)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(num_events);
    *num_events = BT_EV_COUNT;
    return MPI_SUCCESS;
}

int PMPI_T_event_get_info(int event_index, char *name, int *name_len, int *verbosity,
                          MPI_Datatype array_of_datatypes[], MPI_Aint array_of_displacements[],
                          int *num_elements, MPI_T_enum *enumtype, MPI_Info *info, char *desc,
                          int *desc_len, int *bind)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(event_index, BT_EV_COUNT);
    bt_mpit_str(bt_event_descs[event_index].name, name, name_len);
    bt_mpit_str(bt_event_descs[event_index].desc, desc, desc_len);
    if (verbosity)
        *verbosity = MPI_T_VERBOSITY_USER_BASIC;
    /* The arrays take at most *num_elements entries; *num_elements becomes the count. */
    if (num_elements) {
        for (int i = 0; i < BT_EVENT_NELEMS && i < *num_elements; i++) {
            if (array_of_datatypes)
                array_of_datatypes[i] = bt_event_type(i);
            if (array_of_displacements)
                array_of_displacements[i] = bt_event_displs[i];
        }
        *num_elements = BT_EVENT_NELEMS;
    }
    if (enumtype)
        *enumtype = MPI_T_ENUM_NULL;
    if (info)
        *info = MPI_INFO_NULL;
    if (bind)
        *bind = MPI_T_BIND_NO_OBJECT;
    return MPI_SUCCESS;
}

int PMPI_T_event_get_index(const char *name, int *event_index)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(name);
    BT_T_CHECK_PTR(event_index);
    for (int i = 0; i < BT_EV_COUNT; i++) {
        if (strcmp(bt_event_descs[i].name, name) == 0) {
            *event_index = i;
            return MPI_SUCCESS;
        }
    }
    return MPI_T_ERR_INVALID_NAME;
}

int PMPI_T_event_handle_alloc(int event_index, void *obj_handle, MPI_Info info,
                              MPI_T_event_registration *event_registration)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_INDEX(event_index, BT_EV_COUNT);
    BT_T_CHECK_PTR(event_registration);
    if (!bt_t_info_ok(info))
        return MPI_T_ERR_INVALID;
    *event_registration = bt_event_reg_new(event_index);
    return MPI_SUCCESS;
}

#define BT_T_CHECK_REG(r) \
    do { if (!bt_event_reg_ok(r)) return MPI_T_ERR_INVALID_HANDLE; } while (0)

int PMPI_T_event_handle_set_info(MPI_T_event_registration event_registration, MPI_Info info)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_REG(event_registration);
    return bt_t_info_ok(info) ? MPI_SUCCESS : MPI_T_ERR_INVALID;
}

int PMPI_T_event_handle_get_info(MPI_T_event_registration event_registration,
                                 MPI_Info *info_used)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_REG(event_registration);
    return bt_t_info_used(info_used);
}

int PMPI_T_event_register_callback(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info info, void *user_data,
                                   MPI_T_event_cb_function event_cb_function)
{
    BT_API_LOCK();
    int level = bt_event_cb_level(cb_safety);

    BT_T_CHECK_INIT();
    BT_T_CHECK_REG(event_registration);
    if (level < 0 || !bt_t_info_ok(info))
        return MPI_T_ERR_INVALID;
    /* NULL takes the callback of that level away. */
    event_registration->cb[level] = event_cb_function;
    event_registration->cb_data[level] = user_data;
    return MPI_SUCCESS;
}

int PMPI_T_event_callback_set_info(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info info)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_REG(event_registration);
    if (bt_event_cb_level(cb_safety) < 0 || !bt_t_info_ok(info))
        return MPI_T_ERR_INVALID;
    return MPI_SUCCESS;
}

int PMPI_T_event_callback_get_info(MPI_T_event_registration event_registration,
                                   MPI_T_cb_safety cb_safety, MPI_Info *info_used)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_REG(event_registration);
    if (bt_event_cb_level(cb_safety) < 0)
        return MPI_T_ERR_INVALID;
    return bt_t_info_used(info_used);
}

int PMPI_T_event_set_dropped_handler(MPI_T_event_registration event_registration,
                                     MPI_T_event_dropped_cb_function dropped_cb_function)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_REG(event_registration);
    event_registration->dropped_cb = dropped_cb_function;
    return MPI_SUCCESS;
}

int PMPI_T_event_handle_free(MPI_T_event_registration event_registration, void *user_data,
                             MPI_T_event_free_cb_function free_cb_function)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_REG(event_registration);
    /* Nothing of it is in flight outside this call: free it now. */
    bt_event_reg_free(event_registration);
    if (free_cb_function)
        free_cb_function(event_registration, MPI_T_CB_REQUIRE_NONE, user_data);
    return MPI_SUCCESS;
}

/* An event instance exists only while its callback runs: it is the callback's
 * own argument, which the callback passes back; a pointer is all there is to check. */
int PMPI_T_event_read(MPI_T_event_instance event_instance, int element_index, void *buffer)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(event_instance);
    BT_T_CHECK_INDEX(element_index, BT_EVENT_NELEMS);
    BT_T_CHECK_PTR(buffer);
    memcpy(buffer, (const char *)event_instance->data + bt_event_displs[element_index],
           bt_event_sizes[element_index]);
    return MPI_SUCCESS;
}

int PMPI_T_event_copy(MPI_T_event_instance event_instance, void *buffer)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(event_instance);
    BT_T_CHECK_PTR(buffer);
    memcpy(buffer, event_instance->data, sizeof(*event_instance->data));
    return MPI_SUCCESS;
}

int PMPI_T_event_get_timestamp(MPI_T_event_instance event_instance, MPI_Count *event_timestamp)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(event_instance);
    BT_T_CHECK_PTR(event_timestamp);
    *event_timestamp = event_instance->timestamp;
    return MPI_SUCCESS;
}

int PMPI_T_event_get_source(MPI_T_event_instance event_instance, int *source_index)
{
    BT_API_LOCK();

    BT_T_CHECK_INIT();
    BT_T_CHECK_PTR(event_instance);
    BT_T_CHECK_PTR(source_index);
    *source_index = 0;
    return MPI_SUCCESS;
}
