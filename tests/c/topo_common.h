/* Shared by the topology tests: the error check of a call under MPI_ERRORS_RETURN
 * (error class, and a message that names the call and says what was wrong).
 * The program defines `rank` and includes check.h first. */
#ifndef TESTS_TOPO_COMMON_H
#define TESTS_TOPO_COMMON_H

#include <string.h>

/* words: comma-separated pieces the message must contain. */
static void expect_error(int rc, int errclass, const char *call, const char *words)
{
    char msg[MPI_MAX_ERROR_STRING], w[256], *tok, *save;
    int cls = -1, len;

    CHECK(rc != MPI_SUCCESS, "%s returned MPI_SUCCESS, expected an error (%s)", call, words);
    MPI_Error_class(rc, &cls);
    CHECK(cls == errclass, "%s: error class %d, expected %d (%s)", call, cls, errclass, words);
    MPI_Error_string(rc, msg, &len);
    CHECK(strstr(msg, call) != NULL, "message \"%s\" does not name %s", msg, call);
    snprintf(w, sizeof(w), "%s", words);
    for (tok = strtok_r(w, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        CHECK(strstr(msg, tok) != NULL, "%s: message \"%s\" does not say \"%s\"", call, msg, tok);
}

#endif
