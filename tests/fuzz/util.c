/* Helpers of the fuzz harnesses: see bt_fuzz.h. */
#include "bt_fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

void bt_fuzz_socketpair(int sv[2])
{
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
}

void bt_fuzz_drain(int fd)
{
    char buf[65536];

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

int bt_fuzz_devnull(void)
{
    static int fd = -1;

    if (fd < 0)
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        abort();
    return fd;
}

void bt_fuzz_pump(int peer, const uint8_t *data, size_t len, size_t chunk,
                  int (*step)(void *arg), void *arg)
{
    size_t off = 0;
    int shut = 0;

    for (;;) {
        if (off < len) {
            size_t n = chunk == 0 || len - off < chunk ? len - off : chunk;
            ssize_t sent = send(peer, data + off, n, MSG_NOSIGNAL);

            /* a full socket waits for the code to read; a closed one ends the feed */
            if (sent > 0)
                off += (size_t)sent;
            else if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                off = len;
        } else if (!shut) {
            shutdown(peer, SHUT_WR);
            shut = 1;
        }
        if (!step(arg))
            break;
        bt_fuzz_drain(peer);
    }
}
