/* Info objects and MPI_INFO_ENV. Infos are small (a few hints), so keys are
 * found by a linear scan of an array that keeps the order of setting, which is
 * the order MPI_Info_get_nthkey reports. */
#include "comm/bt_info.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"
#include "util/bt_fhandle.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

static bt_info_t bt_info_env = { .magic = BT_INFO_MAGIC, .predefined = 1, .handle = MPI_INFO_ENV };
static int bt_info_env_built;

bt_info_t *bt_info_get(MPI_Info h)
{
    uintptr_t v = (uintptr_t)h;
    bt_info_t *info;

    if (h == MPI_INFO_ENV) {
        if (!bt_info_env_built) {
            bt_info_env_fill(&bt_info_env, 0, NULL);
            bt_info_env_built = 1;
        }
        return &bt_info_env;
    }
    /* Any other predefined value (MPI_INFO_NULL among them) is no info; a
     * pointer must be aligned before we read its magic. */
    if (BT_HANDLE_IS_PREDEFINED(h) || v < 0x10000 || (v & (_Alignof(bt_info_t) - 1)))
        return NULL;
    info = (bt_info_t *)h;
    return info->magic == BT_INFO_MAGIC && !info->predefined ? info : NULL;
}

bt_info_t *bt_info_new(void)
{
    bt_info_t *info = bt_calloc(1, sizeof(*info));

    info->magic = BT_INFO_MAGIC;
    info->handle = (MPI_Info)info;
    return info;
}

bt_info_t *bt_info_dup(const bt_info_t *info)
{
    bt_info_t *d = bt_info_new();

    for (int i = 0; i < info->nkeys; i++)
        bt_info_set(d, info->entries[i].key, info->entries[i].value);
    return d;
}

static void bt_info_clear(bt_info_t *info)
{
    for (int i = 0; i < info->nkeys; i++) {
        free(info->entries[i].key);
        free(info->entries[i].value);
    }
    free(info->entries);
    info->entries = NULL;
    info->nkeys = info->cap = 0;
}

void bt_info_free(bt_info_t *info)
{
    bt_info_clear(info);
    bt_fh_forget(BT_FH_INFO, info);
    info->magic = 0;   /* stale handles are refused from now on */
    free(info);
}

static int bt_info_find(const bt_info_t *info, const char *key)
{
    for (int i = 0; i < info->nkeys; i++)
        if (strcmp(info->entries[i].key, key) == 0)
            return i;
    return -1;
}

void bt_info_set(bt_info_t *info, const char *key, const char *value)
{
    int i = bt_info_find(info, key);

    if (i >= 0) {
        free(info->entries[i].value);
        info->entries[i].value = bt_strdup(value);
        return;
    }
    if (info->nkeys == info->cap) {
        info->cap = info->cap ? 2 * info->cap : 8;
        info->entries = bt_realloc(info->entries, (size_t)info->cap * sizeof(*info->entries));
    }
    info->entries[info->nkeys].key = bt_strdup(key);
    info->entries[info->nkeys].value = bt_strdup(value);
    info->nkeys++;
}

int bt_info_delete(bt_info_t *info, const char *key)
{
    int i = bt_info_find(info, key);

    if (i < 0)
        return MPI_ERR_INFO_NOKEY;
    free(info->entries[i].key);
    free(info->entries[i].value);
    /* The others keep their order. */
    memmove(&info->entries[i], &info->entries[i + 1],
            (size_t)(info->nkeys - i - 1) * sizeof(*info->entries));
    info->nkeys--;
    return MPI_SUCCESS;
}

const char *bt_info_value(const bt_info_t *info, const char *key)
{
    int i = bt_info_find(info, key);

    return i < 0 ? NULL : info->entries[i].value;
}

int bt_info_bool(const bt_info_t *info, const char *key)
{
    const char *v = bt_info_value(info, key);

    if (!v)
        return -1;
    if (strcmp(v, "true") == 0)
        return 1;
    if (strcmp(v, "false") == 0)
        return 0;
    return -1;
}

/* Appends s to buf (of size cap, holding *len bytes), as far as MPI_MAX_INFO_VAL
 * allows a value to go. */
static void bt_info_append(char *buf, size_t *len, const char *s)
{
    size_t n = strlen(s);

    if (*len + n >= MPI_MAX_INFO_VAL)
        n = MPI_MAX_INFO_VAL - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* command and argv from /proc/self/cmdline: NUL-separated words. */
static void bt_info_env_cmdline(bt_info_t *info)
{
    char raw[8192], command[MPI_MAX_INFO_VAL] = "", args[MPI_MAX_INFO_VAL] = "";
    size_t alen = 0;
    ssize_t n = 0, r;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return;
    while (n < (ssize_t)sizeof(raw) - 1 && (r = read(fd, raw + n, sizeof(raw) - 1 - (size_t)n)) > 0)
        n += r;
    close(fd);
    if (n <= 0)
        return;
    raw[n] = '\0';
    bt_strlcpy(command, raw, sizeof(command));
    for (char *p = raw + strlen(raw) + 1; p < raw + n; p += strlen(p) + 1) {
        if (alen)
            bt_info_append(args, &alen, " ");
        bt_info_append(args, &alen, p);
    }
    bt_info_set(info, "command", command);
    bt_info_set(info, "argv", args);
}

static const struct { int level; const char *name; } bt_thread_levels[] = {
    { MPI_THREAD_SINGLE, "MPI_THREAD_SINGLE" },
    { MPI_THREAD_FUNNELED, "MPI_THREAD_FUNNELED" },
    { MPI_THREAD_SERIALIZED, "MPI_THREAD_SERIALIZED" },
    { MPI_THREAD_MULTIPLE, "MPI_THREAD_MULTIPLE" },
};

const char *bt_info_thread_level_name(int level)
{
    for (size_t i = 0; i < BT_ARRAY_LEN(bt_thread_levels); i++)
        if (bt_thread_levels[i].level == level)
            return bt_thread_levels[i].name;
    return bt_thread_levels[0].name;
}

int bt_info_thread_level_named(const char *name)
{
    for (size_t i = 0; i < BT_ARRAY_LEN(bt_thread_levels); i++)
        if (strcasecmp(name, bt_thread_levels[i].name) == 0)
            return bt_thread_levels[i].level;
    return -1;
}

void bt_info_env_fill(bt_info_t *info, int argc, char **argv)
{
    char buf[MPI_MAX_INFO_VAL];
    struct utsname u;

    bt_info_clear(info);
    if (argc > 0 && argv && argv[0]) {
        size_t len = 0;
        buf[0] = '\0';
        for (int i = 1; i < argc && argv[i]; i++) {
            if (len)
                bt_info_append(buf, &len, " ");
            bt_info_append(buf, &len, argv[i]);
        }
        bt_info_set(info, "command", argv[0]);
        bt_info_set(info, "argv", buf);
    } else {
        bt_info_env_cmdline(info);
    }
    /* The standard's order of keys: maxprocs, soft, host, arch, wdir, file,
     * thread_level. soft and file mean nothing to a job started by mpiexec -n. */
    if (bt_rt.size > 0) {   /* MPI is or was initialized */
        snprintf(buf, sizeof(buf), "%d", bt_rt.size);
        bt_info_set(info, "maxprocs", buf);
    }
    if (gethostname(buf, sizeof(buf) - 1) == 0) {
        buf[sizeof(buf) - 1] = '\0';
        bt_info_set(info, "host", buf);
    }
    if (uname(&u) == 0)
        bt_info_set(info, "arch", u.machine);
    if (getcwd(buf, sizeof(buf)))
        bt_info_set(info, "wdir", buf);
    if (bt_rt.size > 0)
        bt_info_set(info, "thread_level", bt_info_thread_level_name(bt_rt.thread_level));
}

void bt_info_env_init(int argc, char **argv)
{
    bt_info_env_fill(&bt_info_env, argc, argv);
    bt_info_env_built = 1;
}
