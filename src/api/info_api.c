/* Info entry points. Every one of them may be called before MPI_Init and after
 * MPI_Finalize (MPI-4); errors then go to the default handler, which is fatal. */
#include "api/bt_api.h"
#include "comm/bt_info.h"

#include <string.h>

/* info must be a live info object; writable: not MPI_INFO_ENV. */
static int bt_info_arg(const char *call, MPI_Info h, int writable, bt_info_t **info_p)
{
    bt_info_t *info = bt_info_get(h);

    *info_p = info;
    if (!info)
        return bt_err_comm(NULL, MPI_ERR_INFO, call, "invalid info%s",
                           h == MPI_INFO_NULL ? " (MPI_INFO_NULL)" : "");
    if (writable && info->predefined)
        return bt_err_comm(NULL, MPI_ERR_INFO, call, "MPI_INFO_ENV is predefined and read-only");
    return MPI_SUCCESS;
}

static int bt_info_key_arg(const char *call, const char *key)
{
    size_t n;

    if (!key)
        return bt_err_comm(NULL, MPI_ERR_ARG, call, "key is NULL");
    n = strnlen(key, MPI_MAX_INFO_KEY);
    if (n == 0)
        return bt_err_comm(NULL, MPI_ERR_INFO_KEY, call, "key is empty");
    if (n >= MPI_MAX_INFO_KEY)
        return bt_err_comm(NULL, MPI_ERR_INFO_KEY, call,
                           "key is %zu characters long, at most %d are allowed "
                           "(MPI_MAX_INFO_KEY - 1)", strlen(key), MPI_MAX_INFO_KEY - 1);
    return MPI_SUCCESS;
}

#define BT_INFO_CHECK_PTR(call, p, name) \
    do { if (bt_unlikely(!(p))) return bt_err_comm(NULL, MPI_ERR_ARG, call, name " is NULL"); } while (0)

int PMPI_Info_create(MPI_Info *info)
{
    BT_API_LOCK();
    BT_INFO_CHECK_PTR("MPI_Info_create", info, "info");
    *info = bt_info_new()->handle;
    return MPI_SUCCESS;
}

int PMPI_Info_create_env(int argc, char *argv[], MPI_Info *info)
{
    BT_API_LOCK();
    bt_info_t *env;

    BT_INFO_CHECK_PTR("MPI_Info_create_env", info, "info");
    if (argc < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Info_create_env",
                           "argc is %d, must be non-negative", argc);
    env = bt_info_new();
    bt_info_env_fill(env, argc, argv);
    *info = env->handle;
    return MPI_SUCCESS;
}

int PMPI_Info_dup(MPI_Info h, MPI_Info *newinfo)
{
    BT_API_LOCK();
    bt_info_t *info;
    int rc;

    if ((rc = bt_info_arg("MPI_Info_dup", h, 0, &info)) != MPI_SUCCESS)
        return rc;
    BT_INFO_CHECK_PTR("MPI_Info_dup", newinfo, "newinfo");
    *newinfo = bt_info_dup(info)->handle;
    return MPI_SUCCESS;
}

int PMPI_Info_free(MPI_Info *h)
{
    BT_API_LOCK();
    bt_info_t *info;
    int rc;

    BT_INFO_CHECK_PTR("MPI_Info_free", h, "info");
    if ((rc = bt_info_arg("MPI_Info_free", *h, 1, &info)) != MPI_SUCCESS)
        return rc;
    bt_info_free(info);
    *h = MPI_INFO_NULL;
    return MPI_SUCCESS;
}

int PMPI_Info_set(MPI_Info h, const char *key, const char *value)
{
    BT_API_LOCK();
    bt_info_t *info;
    int rc;

    if ((rc = bt_info_arg("MPI_Info_set", h, 1, &info)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_info_key_arg("MPI_Info_set", key)) != MPI_SUCCESS)
        return rc;
    BT_INFO_CHECK_PTR("MPI_Info_set", value, "value");
    if (strnlen(value, MPI_MAX_INFO_VAL) >= MPI_MAX_INFO_VAL)
        return bt_err_comm(NULL, MPI_ERR_INFO_VALUE, "MPI_Info_set",
                           "value of key '%s' is %zu characters long, at most %d are allowed "
                           "(MPI_MAX_INFO_VAL - 1)", key, strlen(value), MPI_MAX_INFO_VAL - 1);
    bt_info_set(info, key, value);
    return MPI_SUCCESS;
}

int PMPI_Info_delete(MPI_Info h, const char *key)
{
    BT_API_LOCK();
    bt_info_t *info;
    int rc;

    if ((rc = bt_info_arg("MPI_Info_delete", h, 1, &info)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_info_key_arg("MPI_Info_delete", key)) != MPI_SUCCESS)
        return rc;
    if (bt_info_delete(info, key) != MPI_SUCCESS)
        return bt_err_comm(NULL, MPI_ERR_INFO_NOKEY, "MPI_Info_delete",
                           "key '%s' is not in the info", key);
    return MPI_SUCCESS;
}

/* The checks of the calls that look a key up; *value_p: its value or NULL. */
static int bt_info_lookup(const char *call, MPI_Info h, const char *key, int *flag,
                          const char **value_p)
{
    bt_info_t *info;
    int rc;

    if ((rc = bt_info_arg(call, h, 0, &info)) != MPI_SUCCESS)
        return rc;
    if ((rc = bt_info_key_arg(call, key)) != MPI_SUCCESS)
        return rc;
    BT_INFO_CHECK_PTR(call, flag, "flag");
    *value_p = bt_info_value(info, key);
    return MPI_SUCCESS;
}

int PMPI_Info_get(MPI_Info h, const char *key, int valuelen, char *value, int *flag)
{
    BT_API_LOCK();
    const char *v;
    int rc;

    if ((rc = bt_info_lookup("MPI_Info_get", h, key, flag, &v)) != MPI_SUCCESS)
        return rc;
    if (valuelen < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Info_get",
                           "valuelen is %d, must be non-negative", valuelen);
    BT_INFO_CHECK_PTR("MPI_Info_get", value, "value");
    *flag = v != NULL;
    if (v) {
        /* valuelen characters, and the terminating NUL after them. */
        size_t n = BT_MIN(strlen(v), (size_t)valuelen);
        memcpy(value, v, n);
        value[n] = '\0';
    }
    return MPI_SUCCESS;
}

int PMPI_Info_get_valuelen(MPI_Info h, const char *key, int *valuelen, int *flag)
{
    BT_API_LOCK();
    const char *v;
    int rc;

    if ((rc = bt_info_lookup("MPI_Info_get_valuelen", h, key, flag, &v)) != MPI_SUCCESS)
        return rc;
    BT_INFO_CHECK_PTR("MPI_Info_get_valuelen", valuelen, "valuelen");
    *flag = v != NULL;
    if (v)
        *valuelen = (int)strlen(v);
    return MPI_SUCCESS;
}

int PMPI_Info_get_string(MPI_Info h, const char *key, int *buflen, char *value, int *flag)
{
    BT_API_LOCK();
    const char *v;
    int rc;

    if ((rc = bt_info_lookup("MPI_Info_get_string", h, key, flag, &v)) != MPI_SUCCESS)
        return rc;
    BT_INFO_CHECK_PTR("MPI_Info_get_string", buflen, "buflen");
    if (*buflen < 0)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Info_get_string",
                           "buflen is %d, must be non-negative", *buflen);
    if (*buflen > 0 && !value)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Info_get_string",
                           "value is NULL but buflen is %d", *buflen);
    *flag = v != NULL;
    if (!v)
        return MPI_SUCCESS;
    /* buflen counts the NUL: the value is cut to buflen - 1 characters and
     * buflen says what it takes to hold it whole. */
    size_t len = strlen(v);
    if (*buflen > 0) {
        size_t n = BT_MIN(len, (size_t)*buflen - 1);
        memcpy(value, v, n);
        value[n] = '\0';
    }
    *buflen = (int)len + 1;
    return MPI_SUCCESS;
}

int PMPI_Info_get_nkeys(MPI_Info h, int *nkeys)
{
    BT_API_LOCK();
    bt_info_t *info;
    int rc;

    if ((rc = bt_info_arg("MPI_Info_get_nkeys", h, 0, &info)) != MPI_SUCCESS)
        return rc;
    BT_INFO_CHECK_PTR("MPI_Info_get_nkeys", nkeys, "nkeys");
    *nkeys = info->nkeys;
    return MPI_SUCCESS;
}

int PMPI_Info_get_nthkey(MPI_Info h, int n, char *key)
{
    BT_API_LOCK();
    bt_info_t *info;
    int rc;

    if ((rc = bt_info_arg("MPI_Info_get_nthkey", h, 0, &info)) != MPI_SUCCESS)
        return rc;
    if (n < 0 || n >= info->nkeys)
        return bt_err_comm(NULL, MPI_ERR_ARG, "MPI_Info_get_nthkey",
                           "n is %d, the info has %d key%s", n, info->nkeys,
                           info->nkeys == 1 ? "" : "s");
    BT_INFO_CHECK_PTR("MPI_Info_get_nthkey", key, "key");
    /* Keys are shorter than MPI_MAX_INFO_KEY, the size the caller provides. */
    strcpy(key, info->entries[n].key);
    return MPI_SUCCESS;
}
