/* The tools interface's control variables, enumerations, categories and errors:
 * MPI_T works before MPI_Init and after MPI_Finalize (reference counted); every
 * variable of the BATON_* table is a control variable (BATON_COLL_ one per
 * collective) whose value follows the environment or the live setting; the
 * writable ones change what the library does (a forced allreduce algorithm runs,
 * as its performance counter shows) and the constant ones refuse; every misuse
 * gets its MPI_T_ERR_* class. */
/* np: 1 2 3 4 8 */
#include "check.h"

static int rank = -1, size;

#define T_OK(expr) do { int rc_ = (expr); CHECK(rc_ == MPI_SUCCESS, "%s returned %d", #expr, rc_); } while (0)
#define T_ERR(expr, cls) do { int rc_ = (expr); CHECK(rc_ == (cls), "%s returned %d, expected %s (%d)", #expr, rc_, #cls, (cls)); } while (0)

static int cvar_index(const char *name)
{
    int i = -1;
    T_OK(MPI_T_cvar_get_index(name, &i));
    return i;
}

static int cvar_read_int(const char *name)
{
    MPI_T_cvar_handle h;
    int count, v = -42;
    T_OK(MPI_T_cvar_handle_alloc(cvar_index(name), NULL, &h, &count));
    CHECK(count == 1, "%s: count %d", name, count);
    T_OK(MPI_T_cvar_read(h, &v));
    T_OK(MPI_T_cvar_handle_free(&h));
    CHECK(h == MPI_T_CVAR_HANDLE_NULL, "cvar_handle_free did not set the handle to NULL");
    return v;
}

static unsigned long long cvar_read_ull(const char *name)
{
    MPI_T_cvar_handle h;
    int count;
    unsigned long long v = 42;
    T_OK(MPI_T_cvar_handle_alloc(cvar_index(name), NULL, &h, &count));
    T_OK(MPI_T_cvar_read(h, &v));
    T_OK(MPI_T_cvar_handle_free(&h));
    return v;
}

static int cvar_write_int(const char *name, int v)
{
    MPI_T_cvar_handle h;
    int count, rc;
    T_OK(MPI_T_cvar_handle_alloc(cvar_index(name), NULL, &h, &count));
    rc = MPI_T_cvar_write(h, &v);
    T_OK(MPI_T_cvar_handle_free(&h));
    return rc;
}

/* The value of item name of enumeration e, or -99. */
static int enum_value(MPI_T_enum e, const char *name)
{
    int n, len = 0;
    char buf[64];
    T_OK(MPI_T_enum_get_info(e, &n, NULL, &len));
    for (int i = 0; i < n; i++) {
        int v, l = sizeof(buf);
        T_OK(MPI_T_enum_get_item(e, i, &v, buf, &l));
        if (strcmp(buf, name) == 0)
            return v;
    }
    return -99;
}

/* Every variable: its info, a unique name that finds it again, a description. */
static void check_enumeration(void)
{
    int n, seen_eager = 0, seen_allreduce = 0, seen_timeout = 0, ncat, total = 0;

    T_OK(MPI_T_cvar_get_num(&n));
    CHECK(n > 40, "only %d control variables", n);
    for (int i = 0; i < n; i++) {
        char name[128], desc[1024];
        int name_len = sizeof(name), desc_len = sizeof(desc), verb, bind, scope, idx, len0 = 0;
        MPI_Datatype dt;
        MPI_T_enum en;
        T_OK(MPI_T_cvar_get_info(i, name, &name_len, &verb, &dt, &en, desc, &desc_len, &bind,
                                 &scope));
        CHECK(name_len == (int)strlen(name) + 1, "cvar %d: name_len %d for '%s'", i, name_len, name);
        T_OK(MPI_T_cvar_get_info(i, NULL, &len0, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
        CHECK(len0 == name_len, "cvar %s: the length asked for is %d, not %d", name, len0, name_len);
        CHECK(strncmp(name, "BATON_", 6) == 0 || strcmp(name, "MPIEXEC_TIMEOUT") == 0 ||
              strncmp(name, "FI_", 3) == 0, "cvar %d has the name '%s'", i, name);
        CHECK(desc_len > 10, "cvar %s has no description ('%s')", name, desc);
        CHECK(bind == MPI_T_BIND_NO_OBJECT, "cvar %s: bind %d", name, bind);
        CHECK(scope >= MPI_T_SCOPE_CONSTANT && scope <= MPI_T_SCOPE_ALL_EQ, "cvar %s: scope %d", name, scope);
        CHECK(dt == MPI_INT || dt == MPI_UNSIGNED_LONG_LONG || dt == MPI_DOUBLE || dt == MPI_CHAR,
              "cvar %s: unexpected datatype", name);
        CHECK((en != MPI_T_ENUM_NULL) == (strstr(name, "_LMT") || strstr(name, "MEMBARRIER") ||
                                           strcmp(name, "BATON_BIND") == 0 ||
                                           strcmp(name, "BATON_PMI") == 0 ||
                                           (strncmp(name, "BATON_COLL_", 11) == 0 &&
                                            strcmp(name, "BATON_COLL_TRACE") != 0)),
              "cvar %s: enumeration %p", name, (void *)en);
        T_OK(MPI_T_cvar_get_index(name, &idx));
        CHECK(idx == i, "cvar_get_index(%s) = %d, not %d", name, idx, i);
        if (strcmp(name, "BATON_EAGER_MAX") == 0) {
            seen_eager = 1;
            CHECK(dt == MPI_UNSIGNED_LONG_LONG && scope == MPI_T_SCOPE_CONSTANT,
                  "BATON_EAGER_MAX: not a constant size");
            CHECK(strstr(desc, "rendezvous") && strstr(desc, "32 KiB"),
                  "BATON_EAGER_MAX: description '%s' is not the table's", desc);
        }
        if (strcmp(name, "BATON_COLL_ALLREDUCE") == 0) {
            seen_allreduce = 1;
            CHECK(dt == MPI_INT && scope == MPI_T_SCOPE_ALL_EQ, "BATON_COLL_ALLREDUCE: scope %d", scope);
            CHECK(enum_value(en, "table") == -1 && enum_value(en, "ring") >= 0 &&
                  enum_value(en, "reduce_bcast") >= 0, "BATON_COLL_ALLREDUCE: enumeration items");
        }
        if (strcmp(name, "MPIEXEC_TIMEOUT") == 0) {
            seen_timeout = 1;
            CHECK(dt == MPI_DOUBLE, "MPIEXEC_TIMEOUT is not a double");
        }
        if (strcmp(name, "BATON_SPIN_US") == 0)
            CHECK(scope == MPI_T_SCOPE_LOCAL && dt == MPI_INT, "BATON_SPIN_US: scope %d", scope);
    }
    CHECK(seen_eager && seen_allreduce && seen_timeout, "variables missing: eager %d "
          "allreduce %d timeout %d", seen_eager, seen_allreduce, seen_timeout);

    /* Categories: the environment's holds every control variable. */
    T_OK(MPI_T_category_get_num(&ncat));
    CHECK(ncat >= 2, "%d categories", ncat);
    for (int c = 0; c < ncat; c++) {
        char cname[64];
        int clen = sizeof(cname), nc, np, nsub, idx, ne;
        T_OK(MPI_T_category_get_info(c, cname, &clen, NULL, NULL, &nc, &np, &nsub));
        T_OK(MPI_T_category_get_index(cname, &idx));
        CHECK(idx == c, "category_get_index(%s) = %d", cname, idx);
        T_OK(MPI_T_category_get_num_events(c, &ne));
        total += nc;
        if (nc > 0) {
            int *ix = malloc((size_t)nc * sizeof(int));
            T_OK(MPI_T_category_get_cvars(c, nc, ix));
            for (int k = 0; k < nc; k++)
                CHECK(ix[k] >= 0 && ix[k] < n, "category %s: cvar index %d", cname, ix[k]);
            free(ix);
        }
        T_OK(MPI_T_category_get_categories(c, 0, NULL));
    }
    CHECK(total == n, "the categories hold %d control variables of %d", total, n);
    {
        int stamp = -1;
        T_OK(MPI_T_category_changed(&stamp));
        CHECK(stamp >= 0, "category_changed: %d", stamp);
    }
}

static void check_errors(void)
{
    MPI_T_cvar_handle h;
    int count, v, n, idx;
    MPI_T_enum en;
    char small[4];
    int len = sizeof(small);

    T_OK(MPI_T_cvar_get_num(&n));
    T_ERR(MPI_T_cvar_get_info(n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
    T_ERR(MPI_T_cvar_get_info(-1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
    T_ERR(MPI_T_cvar_handle_alloc(n, NULL, &h, &count), MPI_T_ERR_INVALID_INDEX);
    T_ERR(MPI_T_cvar_get_index("BATON_NO_SUCH_THING", &idx), MPI_T_ERR_INVALID_NAME);
    T_ERR(MPI_T_cvar_get_num(NULL), MPI_T_ERR_INVALID);
    T_ERR(MPI_T_cvar_read((MPI_T_cvar_handle)&v, &v), MPI_T_ERR_INVALID_HANDLE);
    T_ERR(MPI_T_cvar_read(MPI_T_CVAR_HANDLE_NULL, &v), MPI_T_ERR_INVALID_HANDLE);
    h = MPI_T_CVAR_HANDLE_NULL;
    T_ERR(MPI_T_cvar_handle_free(&h), MPI_T_ERR_INVALID_HANDLE);
    /* A constant: never. */
    T_ERR(cvar_write_int("BATON_BIND", 1), MPI_T_ERR_CVAR_SET_NEVER);
    /* Out of range: BATON_SPIN_US takes 0 .. 60000000. */
    T_ERR(cvar_write_int("BATON_SPIN_US", -5), MPI_T_ERR_INVALID);
    T_ERR(cvar_write_int("BATON_COLL_ALLREDUCE", 1000), MPI_T_ERR_INVALID);
    /* A name cut to the buffer, terminated. */
    T_OK(MPI_T_cvar_get_info(cvar_index("BATON_EAGER_MAX"), small, &len, NULL, NULL, NULL,
                             NULL, NULL, NULL, NULL));
    CHECK(len == 4 && strcmp(small, "BAT") == 0, "cut name '%s' (len %d)", small, len);
    /* Enumerations. */
    T_OK(MPI_T_cvar_get_info(cvar_index("BATON_SHM_LMT"), NULL, NULL, NULL, NULL, &en, NULL,
                             NULL, NULL, NULL));
    T_OK(MPI_T_enum_get_info(en, &n, NULL, NULL));
    CHECK(n == 3, "BATON_SHM_LMT has %d items", n);
    T_ERR(MPI_T_enum_get_item(en, n, &v, NULL, NULL), MPI_T_ERR_INVALID_ITEM);
    T_ERR(MPI_T_enum_get_info((MPI_T_enum)&v, &n, NULL, NULL), MPI_T_ERR_INVALID_HANDLE);
    T_ERR(MPI_T_category_get_info(1000, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
    T_ERR(MPI_T_category_get_index("nope", &idx), MPI_T_ERR_INVALID_NAME);
    T_ERR(MPI_T_category_get_cvars(0, 3, NULL), MPI_T_ERR_INVALID);
}

int main(int argc, char **argv)
{
    int provided, v;
    char text[1024];

    /* Values to find again (set here, as the launcher would). */
    setenv("BATON_SPIN_BUSY_US", "7", 1);
    setenv("BATON_SHM_COLL_MAX", "4K", 1);

    /* Not initialized: every call but init says so. */
    T_ERR(MPI_T_cvar_get_num(&v), MPI_T_ERR_NOT_INITIALIZED);
    T_ERR(MPI_T_finalize(), MPI_T_ERR_NOT_INITIALIZED);
    T_ERR(MPI_T_init_thread(12345, &provided), MPI_T_ERR_INVALID);

    /* Before MPI_Init: the environment's values, and nothing to write to yet. */
    T_OK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));
    CHECK(provided == MPI_THREAD_SINGLE, "provided %d", provided);
    T_OK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));    /* counted: twice */
    CHECK(cvar_read_int("BATON_SPIN_BUSY_US") == 7, "BATON_SPIN_BUSY_US=7 reads %d before "
          "MPI_Init", cvar_read_int("BATON_SPIN_BUSY_US"));
    CHECK(cvar_read_ull("BATON_SHM_COLL_MAX") == 4096, "BATON_SHM_COLL_MAX=4K reads %llu",
          cvar_read_ull("BATON_SHM_COLL_MAX"));
    T_ERR(cvar_write_int("BATON_SPIN_US", 100), MPI_T_ERR_CVAR_SET_NOT_NOW);
    {
        /* A text variable: its count is its length with the terminator. */
        MPI_T_cvar_handle h;
        int count;
        T_OK(MPI_T_cvar_handle_alloc(cvar_index("BATON_CC"), NULL, &h, &count));
        CHECK(count >= 1 && count <= (int)sizeof(text), "BATON_CC: count %d", count);
        T_OK(MPI_T_cvar_read(h, text));
        CHECK(strcmp(text, getenv("BATON_CC") ? getenv("BATON_CC") : "cc") == 0,
              "BATON_CC reads '%s'", text);
        CHECK((int)strlen(text) + 1 == count, "BATON_CC: count %d for '%s'", count, text);
        T_OK(MPI_T_cvar_handle_free(&h));
    }
    T_OK(MPI_T_finalize());

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    /* Still initialized once (the second init above was counted). */
    check_enumeration();
    check_errors();

    /* Live values. BATON_SPIN_BUSY_US is the environment's; a write changes it. */
    CHECK(cvar_read_int("BATON_SPIN_BUSY_US") == 7, "BATON_SPIN_BUSY_US reads %d",
          cvar_read_int("BATON_SPIN_BUSY_US"));
    T_OK(cvar_write_int("BATON_SPIN_BUSY_US", 3));
    CHECK(cvar_read_int("BATON_SPIN_BUSY_US") == 3, "BATON_SPIN_BUSY_US reads %d after "
          "writing 3", cvar_read_int("BATON_SPIN_BUSY_US"));
    CHECK(cvar_read_ull("BATON_EAGER_MAX") > 0 && cvar_read_ull("BATON_EAGER_MAX") <= 32768,
          "BATON_EAGER_MAX reads %llu", cvar_read_ull("BATON_EAGER_MAX"));

    /* Force allreduce's algorithm on every rank (scope ALL_EQ): the counter of
     * that algorithm counts the calls, and the results stay right. */
    {
        MPI_T_enum en;
        MPI_T_pvar_session s;
        MPI_T_pvar_handle ph;
        int alg, pidx, count, table = cvar_read_int("BATON_COLL_ALLREDUCE");
        unsigned long long calls = 0;
        CHECK(table == -1, "BATON_COLL_ALLREDUCE reads %d, not -1 (table)", table);
        T_OK(MPI_T_cvar_get_info(cvar_index("BATON_COLL_ALLREDUCE"), NULL, NULL, NULL, NULL,
                                 &en, NULL, NULL, NULL, NULL));
        alg = enum_value(en, "reduce_bcast");
        T_OK(cvar_write_int("BATON_COLL_ALLREDUCE", alg));
        CHECK(cvar_read_int("BATON_COLL_ALLREDUCE") == alg, "BATON_COLL_ALLREDUCE reads %d "
              "after writing %d", cvar_read_int("BATON_COLL_ALLREDUCE"), alg);
        T_OK(MPI_T_pvar_get_index("coll_allreduce_reduce_bcast", MPI_T_PVAR_CLASS_COUNTER, &pidx));
        T_OK(MPI_T_pvar_session_create(&s));
        T_OK(MPI_T_pvar_handle_alloc(s, pidx, NULL, &ph, &count));
        T_OK(MPI_T_pvar_start(s, ph));
        for (int i = 0; i < 5; i++) {
            long in = rank + i, out = -1;
            MPI_Allreduce(&in, &out, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
            CHECK(out == (long)size * (size - 1) / 2 + (long)size * i, "allreduce %d: %ld", i, out);
        }
        T_OK(MPI_T_pvar_stop(s, ph));
        T_OK(MPI_T_pvar_read(s, ph, &calls));
        CHECK(calls == 5, "coll_allreduce_reduce_bcast counted %llu calls, expected 5", calls);
        T_OK(cvar_write_int("BATON_COLL_ALLREDUCE", -1));
        T_OK(MPI_T_pvar_start(s, ph));
        {
            long in = 1, out = 0;
            MPI_Allreduce(&in, &out, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
            CHECK(out == size, "allreduce after the table is back: %ld", out);
        }
        T_OK(MPI_T_pvar_stop(s, ph));
        T_OK(MPI_T_pvar_read(s, ph, &calls));
        CHECK(calls == 5, "the table picked reduce_bcast (%llu calls)", calls);
        T_OK(MPI_T_pvar_session_free(&s));
    }

    MPI_Finalize();

    /* After MPI_Finalize: still usable, the pt2pt settings are back to the
     * environment's, and their writes wait for a next MPI_Init. */
    T_OK(MPI_T_finalize());
    T_ERR(MPI_T_cvar_get_num(&v), MPI_T_ERR_NOT_INITIALIZED);
    T_OK(MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided));
    CHECK(cvar_read_int("BATON_SPIN_BUSY_US") == 7, "after MPI_Finalize BATON_SPIN_BUSY_US "
          "reads %d", cvar_read_int("BATON_SPIN_BUSY_US"));
    T_ERR(cvar_write_int("BATON_SPIN_US", 100), MPI_T_ERR_CVAR_SET_NOT_NOW);
    T_OK(MPI_T_finalize());
    if (rank == 0)
        printf("mpit_vars: ok\n");
    return 0;
}
