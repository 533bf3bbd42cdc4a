/* A stranger with a libfabric endpoint of its own (the provider the job's ranks
 * pick: libfabric 1.17's net;ofi_rxm where it is offered, else tcp;ofi_rxm) that sends well-formed libfabric messages to the ranks' endpoints:
 * what reaches a rank from outside the job once the transport's own handshake
 * has let it in. Each message is as long as a Baton frame header and more, but
 * cannot carry the job's secret.
 *
 *   stranger SRC_ADDR N ADDR:PORT [ADDR:PORT ...]
 *
 * Sends N messages to every target, waits (at most 10 s) for their completions
 * and prints one line: "sent S failed F". Exit status 0 unless the endpoint
 * could not be opened. */
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_eq.h>
#include <rdma/fi_errno.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MSG_LEN 200

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Reaps what has completed: successes into *ok_p, failures into *bad_p. */
static void reap(struct fid_cq *cq, int *ok_p, int *bad_p)
{
    struct fi_cq_entry e[16];
    ssize_t got = fi_cq_read(cq, e, 16);

    if (got > 0) {
        *ok_p += (int)got;
    } else if (got == -FI_EAVAIL) {
        struct fi_cq_err_entry err = { 0 };
        if (fi_cq_readerr(cq, &err, 0) > 0 && *bad_p == 0)
            fprintf(stderr, "stranger: a send failed: %s\n", fi_strerror(err.err));
        (*bad_p)++;
    }
}

static int die(const char *what, int rc)
{
    fprintf(stderr, "stranger: %s: %s\n", what, fi_strerror(-rc));
    return 1;
}

int main(int argc, char **argv)
{
    struct fi_info *hints, *info;
    struct fid_fabric *fabric;
    struct fid_domain *domain;
    struct fid_cq *cq;
    struct fid_av *av;
    struct fid_ep *ep;
    struct fi_cq_attr cq_attr = { .format = FI_CQ_FORMAT_CONTEXT, .size = 1024 };
    struct fi_av_attr av_attr = { .type = FI_AV_TABLE };
    static char msg[MSG_LEN];
    int n, rc, posted = 0, ok = 0, bad = 0, refused = 0;
    double deadline;

    if (argc < 4)
        return fprintf(stderr, "usage: stranger SRC_ADDR N ADDR:PORT...\n"), 2;
    n = atoi(argv[2]);
    hints = fi_allocinfo();
    hints->ep_attr->type = FI_EP_RDM;
    hints->caps = FI_MSG;
    hints->fabric_attr->prov_name = strdup("net;ofi_rxm");
    if ((rc = fi_getinfo(FI_VERSION(1, 11), argv[1], NULL, FI_SOURCE, hints, &info)) != 0) {
        free(hints->fabric_attr->prov_name);
        hints->fabric_attr->prov_name = strdup("tcp;ofi_rxm");
        rc = fi_getinfo(FI_VERSION(1, 11), argv[1], NULL, FI_SOURCE, hints, &info);
    }
    if (rc != 0)
        return die("fi_getinfo", rc);
    if ((rc = fi_fabric(info->fabric_attr, &fabric, NULL)) != 0 ||
        (rc = fi_domain(fabric, info, &domain, NULL)) != 0 ||
        (rc = fi_cq_open(domain, &cq_attr, &cq, NULL)) != 0 ||
        (rc = fi_av_open(domain, &av_attr, &av, NULL)) != 0 ||
        (rc = fi_endpoint(domain, info, &ep, NULL)) != 0 ||
        (rc = fi_ep_bind(ep, &cq->fid, FI_TRANSMIT | FI_RECV)) != 0 ||
        (rc = fi_ep_bind(ep, &av->fid, 0)) != 0 || (rc = fi_enable(ep)) != 0)
        return die("opening the endpoint", rc);

    deadline = now() + 10.0;
    for (int t = 3; t < argc; t++) {
        struct sockaddr_in sin = { .sin_family = AF_INET };
        char host[64];
        const char *colon = strrchr(argv[t], ':');
        fi_addr_t addr;

        if (colon == NULL || (size_t)(colon - argv[t]) >= sizeof(host))
            return fprintf(stderr, "stranger: bad target %s\n", argv[t]), 2;
        memcpy(host, argv[t], (size_t)(colon - argv[t]));
        host[colon - argv[t]] = '\0';
        sin.sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 ||
            fi_av_insert(av, &sin, 1, &addr, 0, NULL) != 1) {
            refused += n;
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (getrandom(msg, sizeof(msg), 0) != (ssize_t)sizeof(msg))
                return 1;
            while ((rc = (int)fi_send(ep, msg, sizeof(msg), NULL, addr, NULL)) == -FI_EAGAIN &&
                   now() < deadline)
                reap(cq, &ok, &bad);
            if (rc == 0) {
                posted++;
            } else {
                if (refused == 0)
                    fprintf(stderr, "stranger: sending to %s: %s\n", argv[t], fi_strerror(-rc));
                refused++;
            }
        }
    }
    while (ok + bad < posted && now() < deadline)
        reap(cq, &ok, &bad);
    printf("sent %d failed %d\n", ok, refused + posted - ok);
    fi_close(&ep->fid);
    fi_close(&av->fid);
    fi_close(&cq->fid);
    fi_close(&domain->fid);
    fi_close(&fabric->fid);
    fi_freeinfo(info);
    fi_freeinfo(hints);
    return 0;
}
