/* The timeline trace's merge: every rank wrote its events, one JSON object a
 * line, to path.<rank> (src/tools/trace.c); mpiexec joins them into one
 * Chrome trace-event file that Perfetto and chrome://tracing open. */
#include "mpiexec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bt_trace_merge(const char *path, int nranks)
{
    char part[PATH_MAX + 16], line[8192];
    FILE *out;
    int first = 1, missing = 0, any = 0;

    for (int r = 0; r < nranks && !any; r++) {
        snprintf(part, sizeof(part), "%s.%d", path, r);
        any = access(part, R_OK) == 0;
    }
    if (!any) {
        fprintf(stderr, "mpiexec: --trace: no rank left a trace (not MPI programs, or ended "
                "before MPI_Finalize): %s not written\n", path);
        return;
    }
    out = fopen(path, "w");
    if (out == NULL) {
        fprintf(stderr, "mpiexec: --trace: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fputs("{\"traceEvents\":[\n", out);
    for (int r = 0; r < nranks; r++) {
        FILE *in;
        snprintf(part, sizeof(part), "%s.%d", path, r);
        in = fopen(part, "r");
        if (in == NULL) {
            missing++;
            continue;
        }
        while (fgets(line, sizeof(line), in) != NULL) {
            size_t len = strlen(line);
            if (len > 0 && line[len - 1] == '\n')
                line[--len] = '\0';
            if (len == 0)
                continue;
            fprintf(out, "%s%s", first ? "" : ",\n", line);
            first = 0;
        }
        fclose(in);
        unlink(part);
    }
    fputs("\n],\"displayTimeUnit\":\"ms\"}\n", out);
    if (fclose(out) != 0)
        fprintf(stderr, "mpiexec: --trace: writing %s: %s\n", path, strerror(errno));
    if (missing > 0)
        fprintf(stderr, "mpiexec: --trace: %d of %d ranks left no trace (not an MPI program, "
                "or ended before MPI_Finalize)\n", missing, nranks);
}
