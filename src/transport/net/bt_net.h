/* Network transport: ranks on other nodes, through libfabric.
 *
 * One reliable-datagram endpoint per rank (FI_EP_RDM), plain messages (FI_MSG)
 * in order per pair (FI_ORDER_SAS), chosen by capabilities from what fi_getinfo
 * offers (tcp;ofi_rxm on Ethernet; verbs, cxi, efa, psm3 on clusters), with RMA
 * read for large messages where the provider has it. Every
 * frame goes through a registered bounce buffer, so providers that need local
 * memory registered (FI_MR_LOCAL) work as well. Each frame carries the job's
 * secret (drawn by rank 0, shared through the launcher's key-value space), the
 * sender's rank, a per-pair sequence number and its length; a frame without the
 * secret is dropped and counted, a frame of the job that fails any other check
 * ends the job with a message naming the peer. */
#ifndef BT_NET_H
#define BT_NET_H

#include "transport/bt_frame.h"

#include <stddef.h>
#include <stdint.h>

/* Opens the endpoint and publishes its address (before the job's PMI fence). */
int  bt_net_open(void);
/* After the fence: the addresses of every rank on another node. */
int  bt_net_connect(void);
/* The endpoint of a job on one node, when it first meets another job: no PMI,
 * a secret of this process's own. 0 when it is (or was already) open. */
int  bt_net_open_alone(void);
/* This endpoint's address (*len_p bytes of at most cap) and the secret its frames
 * carry, which a process of another job needs to reach it. */
int  bt_net_self(void *addr, size_t cap, size_t *len_p, uint64_t job[2]);
/* Peer index peer is the process of rank `rank` of another job, at addr, whose
 * frames carry job's secret. */
int  bt_net_peer_add(int peer, const void *addr, size_t len, const uint64_t job[2], int rank);
/* Waits until this rank's sends have left, then closes the endpoint. */
void bt_net_close(void);

size_t bt_net_frame_max(void);
void  *bt_net_reserve(int peer, const bt_msg_hdr_t *hdr, size_t len);
void   bt_net_commit(int peer);
int    bt_net_poll(bt_tp_recv_fn fn);
/* Rendezvous by RMA read, where the provider offers it: the sender
 * exposes its message's bytes for remote reading (bt_net_expose: a handle, NULL
 * when it cannot, and the address and key the reader names), the receiver reads
 * them into its buffer (bt_net_read: done(arg) is called from a poll when all
 * have arrived; -1 when it cannot start), then tells the sender, which withdraws
 * them. The registration covers exactly the message: a reader can reach nothing
 * else of the sender's memory, and nothing once it is withdrawn. */
void *bt_net_expose(const void *buf, size_t len, uint64_t *addr_p, uint64_t *key_p);
void  bt_net_withdraw(void *mem);
int   bt_net_read(int peer, void *dst, size_t len, uint64_t addr, uint64_t key,
                  bt_tp_read_fn done, void *arg);
/* Every frame handed to the network has left (the provider completed it). */
int    bt_net_quiet(void);
/* The provider and domain of the open endpoint ("net;ofi_rxm on eth0"), or NULL. */
const char *bt_net_describe(char *buf, size_t cap);

#endif
