/* mpicc: runs the C compiler with Baton's header and library.
 *
 * The installation is found from where this program lives (<prefix>/bin/mpicc ->
 * <prefix>/include, <prefix>/lib), so a tree can be moved. Programs are linked with
 * an rpath to <prefix>/lib and run without LD_LIBRARY_PATH.
 *
 *   BATON_CC   the compiler to run (default: cc)
 *   -show      print the command instead of running it (also --showme) */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int find_prefix(char *prefix, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    char *bin;

    if (n <= 0)
        return -1;
    exe[n] = '\0';
    bin = dirname(exe);               /* <prefix>/bin */
    snprintf(prefix, len, "%s", dirname(bin));
    return 0;
}

static int is_compile_only(const char *arg)
{
    return !strcmp(arg, "-c") || !strcmp(arg, "-E") || !strcmp(arg, "-S") ||
           !strcmp(arg, "-M") || !strcmp(arg, "-MM");
}

int main(int argc, char **argv)
{
    char prefix[PATH_MAX], inc[PATH_MAX + 16], libdir[PATH_MAX + 16], rpath[PATH_MAX + 32];
    const char *cc = getenv("BATON_CC");
    char **args = calloc((size_t)argc + 8, sizeof(char *));
    int show = 0, link = 1, n = 0;

    if (!args)
        return 1;
    if (!cc || !*cc)
        cc = "cc";
    if (find_prefix(prefix, sizeof(prefix)) != 0) {
        fprintf(stderr, "mpicc: cannot find where Baton is installed\n");
        return 1;
    }
    snprintf(inc, sizeof(inc), "-I%s/include", prefix);
    snprintf(libdir, sizeof(libdir), "-L%s/lib", prefix);
    snprintf(rpath, sizeof(rpath), "-Wl,-rpath,%s/lib", prefix);

    args[n++] = (char *)cc;
    args[n++] = inc;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-show") || !strcmp(argv[i], "--show") ||
            !strcmp(argv[i], "-showme") || !strcmp(argv[i], "--showme")) {
            show = 1;
            continue;
        }
        if (is_compile_only(argv[i]))
            link = 0;
        args[n++] = argv[i];
    }
    if (argc == 1 && !show) {
        fprintf(stderr, "usage: mpicc [-show] <compiler arguments>\n"
                        "Runs %s (set BATON_CC to change) with Baton's mpi.h and libmpi.\n", cc);
        return 1;
    }
    if (link) {
        args[n++] = libdir;
        args[n++] = rpath;
        args[n++] = "-lmpi";
    }
    args[n] = NULL;
    if (show) {
        for (int i = 0; i < n; i++)
            printf("%s%s", i ? " " : "", args[i]);
        printf("\n");
        return 0;
    }
    execvp(cc, args);
    fprintf(stderr, "mpicc: cannot run the compiler '%s' (set BATON_CC): ", cc);
    perror(NULL);
    return 127;
}
