/* Fuzzes mpiexec's command line, bt_opts_parse in tools/mpiexec/options.c:
 * the input split at NUL bytes is the arguments after "mpiexec".
 *
 * -f reads whatever file it names: inputs that name one under /dev, /proc or
 * /sys are left out, since a hostfile that never ends (/dev/zero) or waits
 * (/dev/tty) is the user's to choose, not a fault of the parser. */
#include "mpiexec.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    /* a NUL after the last argument, and argv's NULL */
    char *text = malloc(len + 1), **argv;
    int argc = 1;
    bt_opts_t opts;

    if (text == NULL)
        abort();
    memcpy(text, data, len);
    text[len] = '\0';
    if (memmem(text, len, "/dev/", 5) || memmem(text, len, "/proc/", 6) ||
        memmem(text, len, "/sys/", 5)) {
        free(text);
        return 0;
    }
    for (size_t i = 0; i < len; i++)
        argc += text[i] == '\0';
    argv = malloc((size_t)(argc + 2) * sizeof(*argv));
    if (argv == NULL)
        abort();
    argv[0] = "mpiexec";
    argc = 1;
    for (char *p = text; p <= text + len; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    if (bt_opts_parse(argc, argv, &opts) == 0) {
        /* the program to run is one of the arguments */
        if (opts.argv < argv + 1 || opts.argv >= argv + argc)
            abort();
        bt_opts_free(&opts);
    }
    free(argv);
    free(text);
    return 0;
}
