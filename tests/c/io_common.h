/* The MPI-IO tests' scratch directory: rank 0 makes one with mkdtemp under
 * $TMPDIR (or /tmp) and tells the others; io_done removes it and what is left
 * in it. Include after check.h (uses `rank`). */
#ifndef TESTS_IO_COMMON_H
#define TESTS_IO_COMMON_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char io_dir[512];

static void io_setup(void)
{
    if (rank == 0) {
        const char *t = getenv("TMPDIR");
        snprintf(io_dir, sizeof(io_dir), "%s/baton-io-XXXXXX", t && *t ? t : "/tmp");
        CHECK(mkdtemp(io_dir) != NULL, "mkdtemp(%s) failed", io_dir);
    }
    MPI_Bcast(io_dir, sizeof(io_dir), MPI_CHAR, 0, MPI_COMM_WORLD);
}

/* The path of a file of the scratch directory (a static buffer per slot). */
static const char *io_path(const char *name)
{
    static char paths[4][600];
    static int next;
    char *p = paths[next++ & 3];
    snprintf(p, sizeof(paths[0]), "%s/%s", io_dir, name);
    return p;
}

static void io_done(void)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        DIR *d = opendir(io_dir);
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                unlink(io_path(e->d_name));
        if (d)
            closedir(d);
        CHECK(rmdir(io_dir) == 0, "cannot remove %s", io_dir);
    }
}

#endif
