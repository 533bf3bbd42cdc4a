/* Fuzzes mpiexec's host lists (-hosts a,b:2) and hostfiles (host, host:N,
 * host slots=N, # comments), tools/mpiexec/hosts.c, and the placement of ranks
 * on the hosts a parse gives (tools/mpiexec/place.c): every rank on a host of the
 * list, no host given more than its slots (or -ppn) per round, and the
 * PMI_process_mapping written for the ranks naming each rank's host.
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

/* The node of rank in a PMI_process_mapping "(vector,(node,nnodes,count),...)":
 * the blocks form a pattern that repeats; -1 when the text is not such a vector.
 * Written here from the format, not taken from the ranks' reader (pmi.c). */
static int bt_fuzz_map_node(const char *map, int rank)
{
    long pattern = 0, at;
    const char *p;
    int node, nnodes, count, used;

    if (strncmp(map, "(vector", 7) != 0)
        return -1;
    for (p = map + 7; sscanf(p, ",(%d,%d,%d)%n", &node, &nnodes, &count, &used) == 3; p += used)
        pattern += (long)nnodes * count;
    if (strcmp(p, ")") != 0 || pattern == 0)
        return -1;
    at = rank % pattern;
    for (p = map + 7; sscanf(p, ",(%d,%d,%d)%n", &node, &nnodes, &count, &used) == 3; p += used) {
        if (at < (long)nnodes * count)
            return node + (int)(at / count);
        at -= (long)nnodes * count;
    }
    return -1;
}

/* Places a number of ranks (from the input's length) on hl as mpiexec would:
 * rounds of the hosts in order, each host taking its slots (or ppn) ranks. */
static void bt_fuzz_place(const bt_hostlist_t *hl, size_t len)
{
    int nranks = 1 + (int)((len * 2654435761u) % 3000), ppn = (int)(len % 4), nused = 0;
    int *host_of = NULL, used = 0;
    long round = 0;
    char *map;

    if (bt_place(hl, nranks, ppn, &host_of, &nused) != 0)
        abort();
    for (int h = 0; h < hl->n; h++)
        round += ppn > 0 ? ppn : hl->hosts[h].slots;
    for (int r = 0; r < nranks; r++) {
        long at = r % round;
        int h = 0;
        while (at >= (ppn > 0 ? ppn : hl->hosts[h].slots)) {
            at -= ppn > 0 ? ppn : hl->hosts[h].slots;
            h++;
        }
        if (host_of[r] != h)
            abort();
        used = h + 1 > used ? h + 1 : used;
    }
    if (nused != used)
        abort();
    map = bt_place_mapping(host_of, nranks);
    if (map == NULL)
        abort();
    for (int r = 0; r < nranks; r++)
        if (bt_fuzz_map_node(map, r) != host_of[r])
            abort();
    free(map);
    free(host_of);
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
    if (bt_hosts_parse_file(hl, path) == 0) {
        bt_fuzz_hosts_valid(hl);
        bt_fuzz_place(hl, len);
    }
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
        if (bt_hosts_parse_list(&hl, list, "-hosts") == 0) {
            bt_fuzz_hosts_valid(&hl);
            bt_fuzz_place(&hl, len);
        }
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
