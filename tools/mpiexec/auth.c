/* The job key and the challenge-response every TCP connection to the head
 * runs before anything else it says is read (DESIGN.md, decision 18).
 *
 * mpiexec draws a 256-bit key per job.  The proxy connects and sends a
 * 32-byte nonce; the head answers with its own; the proxy sends its proof,
 * and only when that checks out does the head send its own proof, which the
 * proxy checks before it reads a frame.  A proof is
 *     HMAC-SHA-256(key, "baton-v1" || role || nonce_head || nonce_proxy)
 * with role 'P' (proxy) or 'H' (head), so that neither side's answer can be
 * replayed as the other's, and fresh nonces on both sides, so that no
 * answer can be replayed in another connection.  libsodium computes it and
 * compares in constant time. */
#include "mpiexec.h"

#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

static const char bt_auth_context[] = "baton-v1";

int bt_auth_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

int bt_auth_random(void *buf, size_t len)
{
    unsigned char *p = buf;

    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void bt_auth_key_hex(const unsigned char *key, char *hex)
{
    sodium_bin2hex(hex, BT_KEY_HEX + 1, key, BT_KEY_LEN);
}

int bt_auth_key_parse(const char *hex, unsigned char *key)
{
    size_t len;

    if (strlen(hex) != BT_KEY_HEX)
        return -1;
    if (sodium_hex2bin(key, BT_KEY_LEN, hex, BT_KEY_HEX, NULL, &len, NULL) != 0 ||
        len != BT_KEY_LEN)
        return -1;
    return 0;
}

void bt_auth_proof(const unsigned char *key, char role, const unsigned char *nonce_head,
                   const unsigned char *nonce_proxy, unsigned char *proof)
{
    crypto_auth_hmacsha256_state st;
    unsigned char r = (unsigned char)role;

    crypto_auth_hmacsha256_init(&st, key, BT_KEY_LEN);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)bt_auth_context,
                                  sizeof(bt_auth_context) - 1);
    crypto_auth_hmacsha256_update(&st, &r, 1);
    crypto_auth_hmacsha256_update(&st, nonce_head, BT_NONCE_LEN);
    crypto_auth_hmacsha256_update(&st, nonce_proxy, BT_NONCE_LEN);
    crypto_auth_hmacsha256_final(&st, proof);
    sodium_memzero(&st, sizeof(st));
}

int bt_auth_verify(const unsigned char *key, char role, const unsigned char *nonce_head,
                   const unsigned char *nonce_proxy, const unsigned char *proof)
{
    unsigned char want[BT_PROOF_LEN];
    int ok;

    bt_auth_proof(key, role, nonce_head, nonce_proxy, want);
    ok = sodium_memcmp(want, proof, BT_PROOF_LEN) == 0;
    sodium_memzero(want, sizeof(want));
    return ok ? 0 : -1;
}

/* Blocking I/O of exactly len bytes, up to the deadline. */
static int bt_auth_io(int fd, void *buf, size_t len, int writing, int64_t deadline,
                      const char **why_p)
{
    unsigned char *p = buf;

    while (len > 0) {
        struct pollfd pfd = { .fd = fd, .events = writing ? POLLOUT : POLLIN };
        int64_t left = deadline - bt_now_ms();
        ssize_t n;

        if (left <= 0) {
            *why_p = "timed out";
            return -1;
        }
        if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
            *why_p = strerror(errno);
            return -1;
        }
        if (pfd.revents == 0)
            continue;
        n = writing ? send(fd, p, len, MSG_NOSIGNAL) : read(fd, p, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (n <= 0) {
            *why_p = n == 0 ? "connection closed" : strerror(errno);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int bt_auth_proxy_handshake(int fd, const unsigned char *key, int timeout_ms,
                            const char **why_p)
{
    unsigned char nonce_proxy[BT_NONCE_LEN], nonce_head[BT_NONCE_LEN];
    unsigned char proof[BT_PROOF_LEN];
    int64_t deadline = bt_now_ms() + timeout_ms;

    if (bt_auth_random(nonce_proxy, sizeof(nonce_proxy)) != 0) {
        *why_p = "getrandom failed";
        return -1;
    }
    if (bt_auth_io(fd, nonce_proxy, sizeof(nonce_proxy), 1, deadline, why_p) != 0 ||
        bt_auth_io(fd, nonce_head, sizeof(nonce_head), 0, deadline, why_p) != 0)
        return -1;
    bt_auth_proof(key, BT_PROOF_PROXY, nonce_head, nonce_proxy, proof);
    if (bt_auth_io(fd, proof, sizeof(proof), 1, deadline, why_p) != 0)
        return -1;
    if (bt_auth_io(fd, proof, sizeof(proof), 0, deadline, why_p) != 0) {
        /* the head closes on a bad proof: a wrong key looks like this */
        if (strcmp(*why_p, "connection closed") == 0)
            *why_p = "the head refused our proof of the job key";
        return -1;
    }
    if (bt_auth_verify(key, BT_PROOF_HEAD, nonce_head, nonce_proxy, proof) != 0) {
        *why_p = "the head did not prove that it knows the job key";
        return -1;
    }
    return 0;
}
