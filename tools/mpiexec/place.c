/* Placement: which host runs which rank, and the PMI_process_mapping that
 * tells the ranks (node index = host index). */
#include "mpiexec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fill host 0's slots, then host 1's, ...; when the ranks outnumber the
 * slots, go round again (as Hydra does).  Hosts beyond the last rank get
 * no proxy, so the used hosts are a prefix of the list. */
int bt_place(const bt_hostlist_t *hl, int nranks, int ppn, int **host_of_p, int *nused_p)
{
    int *host_of = malloc((size_t)nranks * sizeof(int));
    int r = 0, nused = 0;

    if (host_of == NULL)
        return -1;
    while (r < nranks) {
        for (int h = 0; h < hl->n && r < nranks; h++) {
            int take = ppn > 0 ? ppn : hl->hosts[h].slots;

            for (int i = 0; i < take && r < nranks; i++)
                host_of[r++] = h;
            if (h + 1 > nused)
                nused = h + 1;
        }
    }
    *host_of_p = host_of;
    *nused_p = nused;
    return 0;
}

/* Runs of ranks on one host, written as blocks "(node,1,count)", with
 * consecutive hosts of equal counts merged into "(node,nnodes,count)".
 * Readers repeat the pattern until every rank has a node, and every round
 * of bt_place is the same, so one round says it all: the value stays short
 * however often the ranks wrap round the hosts. */
char *bt_place_mapping(const int *host_of, int nranks)
{
    int round = 1;

    /* a round ends where host 0 comes round again */
    while (round < nranks && !(host_of[round] == 0 && host_of[round - 1] != 0))
        round++;
    nranks = round;
    size_t cap = 64, len;
    char *s = malloc(cap);
    int r = 0;

    if (s == NULL)
        return NULL;
    len = (size_t)snprintf(s, cap, "(vector");
    while (r < nranks) {
        int node = host_of[r], count = 0, nnodes = 1;
        char block[64];
        size_t blen;

        while (r + count < nranks && host_of[r + count] == node)
            count++;
        r += count;
        /* further hosts in order with the same count join the block */
        for (;;) {
            int next = node + nnodes, c = 0;

            while (r + c < nranks && host_of[r + c] == next)
                c++;
            if (c != count)
                break;
            r += c;
            nnodes++;
        }
        blen = (size_t)snprintf(block, sizeof(block), ",(%d,%d,%d)", node, nnodes, count);
        if (len + blen + 2 > cap) {
            char *grown;

            while (len + blen + 2 > cap)
                cap *= 2;
            grown = realloc(s, cap);
            if (grown == NULL) {
                free(s);
                return NULL;
            }
            s = grown;
        }
        memcpy(s + len, block, blen + 1);
        len += blen;
    }
    memcpy(s + len, ")", 2);
    return s;
}
