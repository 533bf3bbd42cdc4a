/* Fuzzes mpiexec's host lists (-hosts a,b:2) and hostfiles (host, host:N,
 * host slots=N, # comments), tools/mpiexec/hosts.c.
 *
 * Input without a NUL: taken as a -hosts list, and separately as a hostfile.
 * Input with one: the part before the first NUL is a -hosts list, the rest a
 * hostfile whose hosts join the same list, as with "-hosts LIST -f FILE". The
 * hostfile is a memfd, read through its /proc/self/fd path. */
#include "bt_fuzz.h"
#include "mpiexec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* What every parse that succeeds promises the placement (place.c). */
static void bt_fuzz_hosts_valid(const bt_hostlist_t *hl)
{
    if (hl->n < 1 || hl->n > BT_MAX_HOSTS)
        abort();
    for (int i = 0; i < hl->n; i++) {
        const bt_host_t *h = &hl->hosts[i];

        if (h->slots < 1 || h->slots > BT_MAX_RANKS || h->name[0] == '\0' ||
            strlen(h->name) > BT_HOST_NAME_MAX)
            abort();
    }
}

static void bt_fuzz_hostfile(bt_hostlist_t *hl, const uint8_t *data, size_t len)
{
    char path[64];
    int fd = memfd_create("hostfile", MFD_CLOEXEC);

    if (fd < 0)
        abort();
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);

        if (n <= 0)
            abort();
        off += (size_t)n;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (bt_hosts_parse_file(hl, path) == 0)
        bt_fuzz_hosts_valid(hl);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const uint8_t *nul = memchr(data, '\0', len);
    bt_hostlist_t hl = { 0 };

    if (nul == NULL) {
        char *list = strndup((const char *)data, len);

        if (list == NULL)
            abort();
        if (bt_hosts_parse_list(&hl, list, "-hosts") == 0)
            bt_fuzz_hosts_valid(&hl);
        bt_hosts_free(&hl);
        free(list);
        bt_fuzz_hostfile(&hl, data, len);
    } else {
        int status = bt_hosts_parse_list(&hl, (const char *)data, "-hosts");

        if (status == 0)
            bt_fuzz_hostfile(&hl, nul + 1, len - (size_t)(nul + 1 - data));
    }
    bt_hosts_free(&hl);
    return 0;
}
