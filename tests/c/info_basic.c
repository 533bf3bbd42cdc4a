/* Info objects: set, get, the order of keys, delete, dup, free, the buflen rules
 * of MPI_Info_get_string and MPI_Info_get, the longest keys and values, use
 * before MPI_Init, and every argument error (class and message). */
/* np: 1 2 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#include "check.h"


static void check_value(MPI_Info info, const char *key, const char *want, int line)
{
    char v[MPI_MAX_INFO_VAL];
    int buflen = MPI_MAX_INFO_VAL, flag = -1;

    CHECK(MPI_Info_get_string(info, key, &buflen, v, &flag) == MPI_SUCCESS,
          "line %d: MPI_Info_get_string(%s) failed", line, key);
    if (!want) {
        CHECK(flag == 0, "line %d: key '%s' present, expected absent", line, key);
        CHECK(buflen == MPI_MAX_INFO_VAL, "line %d: buflen changed to %d for an absent key",
              line, buflen);
        return;
    }
    CHECK(flag == 1, "line %d: key '%s' absent", line, key);
    CHECK(strcmp(v, want) == 0, "line %d: key '%s' is '%s', expected '%s'", line, key, v, want);
    CHECK(buflen == (int)strlen(want) + 1, "line %d: buflen %d for '%s'", line, buflen, want);
}
#define VALUE(info, key, want) check_value((info), (key), (want), __LINE__)

static void check_keys(MPI_Info info, const char *const *keys, int n, int line)
{
    char k[MPI_MAX_INFO_KEY];
    int nkeys = -1;

    MPI_Info_get_nkeys(info, &nkeys);
    CHECK(nkeys == n, "line %d: %d keys, expected %d", line, nkeys, n);
    for (int i = 0; i < n; i++) {
        CHECK(MPI_Info_get_nthkey(info, i, k) == MPI_SUCCESS, "line %d: nthkey %d failed", line, i);
        CHECK(strcmp(k, keys[i]) == 0, "line %d: key %d is '%s', expected '%s'", line, i, k,
              keys[i]);
    }
}
#define KEYS(info, ...) do { const char *const ks_[] = {__VA_ARGS__}; \
        check_keys((info), ks_, (int)(sizeof(ks_) / sizeof(ks_[0])), __LINE__); } while (0)

int main(int argc, char **argv)
{
    MPI_Info info, dup, pre, bogus = (MPI_Info)(intptr_t)0x3ff, null = MPI_INFO_NULL;
    char key[MPI_MAX_INFO_KEY + 8], val[MPI_MAX_INFO_VAL + 8], small[8];
    int flag, nkeys, buflen, len;

    /* MPI-4: info objects may be used before MPI_Init. */
    CHECK(MPI_Info_create(&pre) == MPI_SUCCESS, "MPI_Info_create before MPI_Init failed");
    MPI_Info_set(pre, "early", "bird");

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    VALUE(pre, "early", "bird");
    MPI_Info_free(&pre);
    CHECK(pre == MPI_INFO_NULL, "MPI_Info_free did not set MPI_INFO_NULL");

    /* Insertion order; a key set again keeps its place and takes the new value. */
    MPI_Info_create(&info);
    MPI_Info_get_nkeys(info, &nkeys);
    CHECK(nkeys == 0, "new info has %d keys", nkeys);
    MPI_Info_set(info, "zeta", "1");
    MPI_Info_set(info, "alpha", "2");
    MPI_Info_set(info, "mid", "3");
    KEYS(info, "zeta", "alpha", "mid");
    MPI_Info_set(info, "zeta", "one again");
    KEYS(info, "zeta", "alpha", "mid");
    VALUE(info, "zeta", "one again");
    VALUE(info, "alpha", "2");
    VALUE(info, "nope", NULL);
    MPI_Info_set(info, "empty", "");
    VALUE(info, "empty", "");
    /* Keys are case sensitive. */
    VALUE(info, "ZETA", NULL);

    /* Delete keeps the others' order. */
    CHECK(MPI_Info_delete(info, "alpha") == MPI_SUCCESS, "delete of alpha failed");
    KEYS(info, "zeta", "mid", "empty");
    VALUE(info, "alpha", NULL);
    CHECK_ERR(MPI_Info_delete(info, "alpha"), MPI_ERR_INFO_NOKEY, "MPI_Info_delete", "alpha");

    /* Dup is a deep copy with the same order. */
    MPI_Info_dup(info, &dup);
    CHECK(dup != info, "dup returned the same handle");
    KEYS(dup, "zeta", "mid", "empty");
    MPI_Info_set(dup, "mid", "changed");
    VALUE(info, "mid", "3");
    VALUE(dup, "mid", "changed");
    MPI_Info_free(&dup);

    /* MPI_Info_get_string: buflen counts the NUL; a short buffer gets a cut,
     * terminated value and the size needed back; buflen 0 leaves value alone. */
    MPI_Info_set(info, "long", "abcdefghij");
    buflen = 4;
    memset(small, 'X', sizeof(small));
    MPI_Info_get_string(info, "long", &buflen, small, &flag);
    CHECK(flag == 1 && buflen == 11, "short get_string: flag %d buflen %d", flag, buflen);
    CHECK(memcmp(small, "abc", 4) == 0 && small[4] == 'X', "short get_string wrote '%.8s'", small);
    buflen = 0;
    memset(small, 'X', sizeof(small));
    MPI_Info_get_string(info, "long", &buflen, NULL, &flag);
    CHECK(flag == 1 && buflen == 11, "buflen 0: flag %d buflen %d", flag, buflen);
    buflen = 1;
    MPI_Info_get_string(info, "long", &buflen, small, &flag);
    CHECK(flag == 1 && buflen == 11 && small[0] == '\0', "buflen 1: flag %d buflen %d '%c'",
          flag, buflen, small[0]);

    /* MPI_Info_get: valuelen characters, then the NUL. */
    memset(small, 'X', sizeof(small));
    MPI_Info_get(info, "long", 3, small, &flag);
    CHECK(flag == 1 && strcmp(small, "abc") == 0 && small[4] == 'X', "get valuelen 3: '%.8s'",
          small);
    MPI_Info_get(info, "nope", 3, small, &flag);
    CHECK(flag == 0 && strcmp(small, "abc") == 0, "get of a missing key: flag %d '%s'", flag,
          small);
    MPI_Info_get_valuelen(info, "long", &len, &flag);
    CHECK(flag == 1 && len == 10, "get_valuelen: flag %d len %d", flag, len);
    len = -7;
    MPI_Info_get_valuelen(info, "nope", &len, &flag);
    CHECK(flag == 0 && len == -7, "get_valuelen of a missing key: flag %d len %d", flag, len);

    /* The longest key and value are accepted; one more character is not. */
    memset(key, 'k', sizeof(key));
    key[MPI_MAX_INFO_KEY - 1] = '\0';
    memset(val, 'v', sizeof(val));
    val[MPI_MAX_INFO_VAL - 1] = '\0';
    CHECK(MPI_Info_set(info, key, val) == MPI_SUCCESS, "longest key and value refused");
    buflen = MPI_MAX_INFO_VAL;
    {
        char got[MPI_MAX_INFO_VAL];
        MPI_Info_get_string(info, key, &buflen, got, &flag);
        CHECK(flag == 1 && buflen == MPI_MAX_INFO_VAL && strcmp(got, val) == 0,
              "longest value: flag %d buflen %d", flag, buflen);
        MPI_Info_get_nkeys(info, &nkeys);
        MPI_Info_get_nthkey(info, nkeys - 1, got);
        CHECK(strcmp(got, key) == 0, "the longest key came back as %zu characters", strlen(got));
    }
    key[MPI_MAX_INFO_KEY - 1] = 'k';
    key[MPI_MAX_INFO_KEY] = '\0';
    CHECK_ERR(MPI_Info_set(info, key, "x"), MPI_ERR_INFO_KEY, "MPI_Info_set", "MPI_MAX_INFO_KEY");
    CHECK_ERR(MPI_Info_get_string(info, key, &buflen, val, &flag), MPI_ERR_INFO_KEY,
              "MPI_Info_get_string", NULL);
    CHECK_ERR(MPI_Info_delete(info, key), MPI_ERR_INFO_KEY, "MPI_Info_delete", NULL);
    CHECK_ERR(MPI_Info_get(info, key, 10, val, &flag), MPI_ERR_INFO_KEY, "MPI_Info_get", NULL);
    CHECK_ERR(MPI_Info_get_valuelen(info, key, &len, &flag), MPI_ERR_INFO_KEY,
              "MPI_Info_get_valuelen", NULL);
    val[MPI_MAX_INFO_VAL - 1] = 'v';
    val[MPI_MAX_INFO_VAL] = '\0';
    CHECK_ERR(MPI_Info_set(info, "k", val), MPI_ERR_INFO_VALUE, "MPI_Info_set", "MPI_MAX_INFO_VAL");
    CHECK_ERR(MPI_Info_set(info, "", "x"), MPI_ERR_INFO_KEY, "MPI_Info_set", "empty");
    VALUE(info, "k", NULL);

    /* Bad handles and arguments. */
    CHECK_ERR(MPI_Info_set(null, "a", "b"), MPI_ERR_INFO, "MPI_Info_set", "MPI_INFO_NULL");
    CHECK_ERR(MPI_Info_set(bogus, "a", "b"), MPI_ERR_INFO, "MPI_Info_set", NULL);
    CHECK_ERR(MPI_Info_get_nkeys(null, &nkeys), MPI_ERR_INFO, "MPI_Info_get_nkeys", NULL);
    CHECK_ERR(MPI_Info_dup(bogus, &dup), MPI_ERR_INFO, "MPI_Info_dup", NULL);
    CHECK_ERR(MPI_Info_free(&null), MPI_ERR_INFO, "MPI_Info_free", NULL);
    CHECK_ERR(MPI_Info_free(NULL), MPI_ERR_ARG, "MPI_Info_free", NULL);
    CHECK_ERR(MPI_Info_create(NULL), MPI_ERR_ARG, "MPI_Info_create", NULL);
    CHECK_ERR(MPI_Info_set(info, NULL, "b"), MPI_ERR_ARG, "MPI_Info_set", "key");
    CHECK_ERR(MPI_Info_set(info, "a", NULL), MPI_ERR_ARG, "MPI_Info_set", "value");
    MPI_Info_get_nkeys(info, &nkeys);
    CHECK_ERR(MPI_Info_get_nthkey(info, nkeys, key), MPI_ERR_ARG, "MPI_Info_get_nthkey", NULL);
    CHECK_ERR(MPI_Info_get_nthkey(info, -1, key), MPI_ERR_ARG, "MPI_Info_get_nthkey", NULL);
    CHECK_ERR(MPI_Info_get(info, "long", -1, val, &flag), MPI_ERR_ARG, "MPI_Info_get", "valuelen");
    buflen = -1;
    CHECK_ERR(MPI_Info_get_string(info, "long", &buflen, val, &flag), MPI_ERR_ARG,
              "MPI_Info_get_string", "buflen");
    CHECK_ERR(MPI_Info_get_string(info, "long", NULL, val, &flag), MPI_ERR_ARG,
              "MPI_Info_get_string", "buflen");
    buflen = 5;
    CHECK_ERR(MPI_Info_get_string(info, "long", &buflen, val, NULL), MPI_ERR_ARG,
              "MPI_Info_get_string", "flag");
    /* MPI_INFO_ENV can be read, not changed or freed. */
    pre = MPI_INFO_ENV;
    CHECK_ERR(MPI_Info_set(pre, "a", "b"), MPI_ERR_INFO, "MPI_Info_set", "MPI_INFO_ENV");
    CHECK_ERR(MPI_Info_delete(pre, "host"), MPI_ERR_INFO, "MPI_Info_delete", "MPI_INFO_ENV");
    CHECK_ERR(MPI_Info_free(&pre), MPI_ERR_INFO, "MPI_Info_free", "MPI_INFO_ENV");
    CHECK(pre == MPI_INFO_ENV, "a failed MPI_Info_free changed the handle");

    /* Many keys: the array grows and keeps its order. */
    MPI_Info_create(&dup);
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "key%03d", 99 - i);
        snprintf(val, sizeof(val), "%d", i * i);
        MPI_Info_set(dup, key, val);
    }
    for (int i = 0; i < 100; i += 2) {
        snprintf(key, sizeof(key), "key%03d", 99 - i);
        MPI_Info_delete(dup, key);
    }
    MPI_Info_get_nkeys(dup, &nkeys);
    CHECK(nkeys == 50, "%d keys left of 100 after deleting 50", nkeys);
    for (int i = 0; i < 50; i++) {
        char want[16];
        MPI_Info_get_nthkey(dup, i, key);
        snprintf(want, sizeof(want), "key%03d", 99 - (2 * i + 1));
        CHECK(strcmp(key, want) == 0, "key %d is '%s', expected '%s'", i, key, want);
        snprintf(want, sizeof(want), "%d", (2 * i + 1) * (2 * i + 1));
        VALUE(dup, key, want);
    }
    MPI_Info_free(&dup);
    MPI_Info_free(&info);

    MPI_Finalize();

    /* And after MPI_Finalize. */
    CHECK(MPI_Info_create(&info) == MPI_SUCCESS, "MPI_Info_create after MPI_Finalize failed");
    MPI_Info_set(info, "late", "yes");
    VALUE(info, "late", "yes");
    MPI_Info_free(&info);
    return 0;
}
