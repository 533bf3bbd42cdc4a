/* Fuzzes the check of BATON_* variables, bt_env_check in src/util/env.c: the
 * input is NAME=VALUE, split at the first '=' (no '=': no value). */
#include "util/bt_env.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    char *name = strndup((const char *)data, len), *value, why[160];

    if (name == NULL)
        abort();
    value = strchr(name, '=');
    if (value != NULL)
        *value++ = '\0';
    why[0] = '\0';
    if (bt_env_check(name, value, why, sizeof(why)) != 0) {
        /* a refusal says why, and only of a variable of the table */
        if (why[0] == '\0' || bt_env_lookup(name) == NULL)
            abort();
    }
    free(name);
    return 0;
}
