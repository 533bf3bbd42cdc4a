/* The PMI client of src/runtime/pmi.c through a whole job, for fuzz_pmi.c.
 *
 * The client keeps its state in a static struct and refuses a second
 * bt_pmi_init after bt_pmi_finalize, so pmi.c is compiled here, where that
 * state can be reset between inputs. */
#include "runtime/pmi.c"

#include "bt_fuzz.h"

#define BT_FUZZ_SIZE_MAX 4096 /* ranks whose node map is asked for */

static void bt_fuzz_pmi_reset(void)
{
    if (bt_pmi.fd >= 0)
        close(bt_pmi.fd);
    free(bt_pmi.map);
    bt_pmi_local_free();
    memset(&bt_pmi, 0, sizeof(bt_pmi));
    bt_pmi.fd = -1;
}

void bt_fuzz_pmi_client(int version, int rank, const uint8_t *data, size_t len)
{
    bt_pmi_info_t info;
    char fdtext[16], value[64];
    int sv[2];

    bt_fuzz_socketpair(sv);
    /* the launcher answers at once: everything is sent before the client asks */
    for (size_t off = 0; off < len;) {
        ssize_t n = send(sv[1], data + off, len - off, MSG_NOSIGNAL);

        if (n <= 0)
            break;
        off += (size_t)n;
    }
    shutdown(sv[1], SHUT_WR);
    /* the client's socket blocks, as the launcher's does */
    fcntl(sv[0], F_SETFL, 0);
    snprintf(fdtext, sizeof(fdtext), "%d", sv[0]);
    setenv("PMI_FD", fdtext, 1);
    setenv("PMI_RANK", rank == 0 ? "0" : rank == 1 ? "1" : rank == 2 ? "2" : "3", 1);
    setenv("PMI_SIZE", "4", 1);
    setenv("BATON_PMI", version == 2 ? "2" : "1", 1);
    if (bt_pmi_init(&info) == 0) {
        bt_pmi_put("fuzz-key", "fuzz-value");
        bt_pmi_fence();
        bt_pmi_get(info.rank, "fuzz-key", value, sizeof(value));
        bt_pmi_get_job_attr("universeSize", value, sizeof(value));
        /* the caller's array has a place for every rank */
        if (info.size <= BT_FUZZ_SIZE_MAX) {
            int *node_of = malloc((size_t)info.size * sizeof(int));

            if (node_of == NULL)
                abort();
            bt_pmi_node_map(node_of);
            free(node_of);
        }
        bt_pmi_finalize();
    }
    bt_fuzz_pmi_reset();
    close(sv[1]);
}
