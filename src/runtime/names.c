/* The name service of MPI_Publish_name, MPI_Unpublish_name and MPI_Lookup_name:
 * one directory per user on the host (BATON_NAME_DIR, default
 * $TMPDIR/baton-names-UID, mode 0700), one file per published name, holding the
 * publisher's pid and the port. Every job of the user on the host (and on
 * every host that shares the directory) sees the same names, singletons and
 * spawned jobs included. A name whose publisher is gone counts as unpublished,
 * and the lookup that finds it removes it; MPI_Finalize withdraws the names its
 * process left published, and the last name out removes the directory. The
 * directory's name is predictable, so it is used only when it is a directory (not
 * a link) that this user owns and nobody else may enter; names are opened without
 * following links. */
#include "runtime/bt_names.h"
#include "runtime/bt_runtime.h"

#include "util/bt_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BT_NAME_MAX 120   /* characters of a service name (the file's is twice) */

typedef struct bt_name {
    struct bt_name *next;
    char           *service;
} bt_name_t;

static bt_name_t *bt_names_mine;

static void bt_names_dir(char *out, size_t len)
{
    const char *dir = getenv("BATON_NAME_DIR"), *tmp = getenv("TMPDIR");

    if (dir != NULL && *dir != '\0')
        snprintf(out, len, "%s", dir);
    else
        snprintf(out, len, "%s/baton-names-%ld", tmp && *tmp ? tmp : "/tmp", (long)getuid());
}

/* dir is a real directory of this user's, closed to everyone else: 0; 1: there
 * is none; -1: something else is there (another user may have made it first, to
 * read or plant names). */
static int bt_names_dir_private(const char *dir)
{
    struct stat st;

    if (lstat(dir, &st) != 0)
        return errno == ENOENT ? 1 : -1;
    return S_ISDIR(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 077) == 0 ? 0 : -1;
}

/* The file of service: 0, or -1 when the name cannot be one. */
static int bt_names_path(const char *service, char *out, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = strlen(service), at;

    if (n == 0 || n > BT_NAME_MAX)
        return -1;
    bt_names_dir(out, len);
    at = strlen(out);
    if (at + 2 + 2 * n >= len)
        return -1;
    out[at++] = '/';
    for (size_t i = 0; i < n; i++) {
        out[at++] = digits[(unsigned char)service[i] >> 4];
        out[at++] = digits[(unsigned char)service[i] & 15];
    }
    out[at] = '\0';
    return 0;
}

/* The port of a published name (at most len - 1 characters): 0; 1: none (a
 * stale one is removed). */
static int bt_names_read(const char *path, char *port, size_t len)
{
    char buf[MPI_MAX_PORT_NAME + 32];
    ssize_t got;
    long pid;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), used = 0;

    if (fd < 0)
        return 1;
    got = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (got <= 0)
        return 1;
    buf[got] = '\0';
    if (sscanf(buf, "%ld\n%n", &pid, &used) != 1 || used == 0 || pid <= 0)
        return 1;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
        unlink(path);   /* its publisher is gone */
        return 1;
    }
    bt_strlcpy(port, buf + used, len);
    return 0;
}

/* Names whose publishers are gone (killed before MPI_Finalize) are removed, and
 * the directory with the last of them. */
static void bt_names_sweep(const char *dir)
{
    char path[PATH_MAX], port[MPI_MAX_PORT_NAME];
    struct dirent *e;
    DIR *d = opendir(dir);

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
                                                    e->d_name) < sizeof(path))
            bt_names_read(path, port, sizeof(port));
    closedir(d);
    rmdir(dir);
}

int bt_names_publish(const char *service, const char *port)
{
    char path[PATH_MAX], dir[PATH_MAX], other[MPI_MAX_PORT_NAME];
    bt_name_t *n;
    int fd, rc, tries = 0;

    if (bt_names_path(service, path, sizeof(path)) != 0)
        return MPI_ERR_SERVICE;
    bt_names_dir(dir, sizeof(dir));
    /* Another process's last unpublish may remove the directory at any moment:
     * then make it again. */
    for (fd = -1; fd < 0 && tries++ < 8;) {
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return MPI_ERR_OTHER;
        if ((rc = bt_names_dir_private(dir)) > 0)
            continue;   /* removed meanwhile */
        if (rc < 0)
            return MPI_ERR_ACCESS;
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        /* Taken: by a live publisher, or by one that is gone (then removed). */
        if (fd < 0 && errno == EEXIST && bt_names_read(path, other, sizeof(other)) == 0)
            return MPI_ERR_SERVICE;
    }
    if (fd < 0)
        return MPI_ERR_OTHER;
    dprintf(fd, "%ld\n%s", (long)getpid(), port);
    close(fd);
    n = bt_calloc(1, sizeof(*n));
    n->service = bt_strdup(service);
    n->next = bt_names_mine;
    bt_names_mine = n;
    return MPI_SUCCESS;
}

int bt_names_unpublish(const char *service)
{
    char path[PATH_MAX], dir[PATH_MAX];
    bt_name_t **l = &bt_names_mine;

    while (*l && strcmp((*l)->service, service) != 0)
        l = &(*l)->next;
    /* Only what this process published (and has not withdrawn). */
    if (*l == NULL || bt_names_path(service, path, sizeof(path)) != 0)
        return MPI_ERR_SERVICE;
    {
        bt_name_t *n = *l;
        *l = n->next;
        free(n->service);
        free(n);
    }
    unlink(path);
    bt_names_dir(dir, sizeof(dir));
    bt_names_sweep(dir);
    return MPI_SUCCESS;
}

int bt_names_lookup(const char *service, char *port, size_t len)
{
    char path[PATH_MAX], dir[PATH_MAX];

    bt_names_dir(dir, sizeof(dir));
    if (bt_names_dir_private(dir) < 0)
        return MPI_ERR_ACCESS;
    if (bt_names_path(service, path, sizeof(path)) != 0 || bt_names_read(path, port, len) != 0)
        return MPI_ERR_NAME;
    return MPI_SUCCESS;
}

void bt_names_withdraw_all(void)
{
    while (bt_names_mine)
        bt_names_unpublish(bt_names_mine->service);
}
