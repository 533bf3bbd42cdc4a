/* The levels of hardware this process lives in, read from sysfs: for each level
 * (node, package, NUMA node, L3 and L2 cache, core, hardware thread) the instance
 * that holds every CPU the process may run on, or none when its CPUs span several.
 * MPI_Comm_split_type's HW_GUIDED and HW_UNGUIDED split by them. */
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <ctype.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Outermost first; the names are what the info key mpi_hw_resource_type takes
 * (the standard's mpi_shared_memory, then hwloc's object types, any case). */
static const char *const bt_hw_names[BT_HW_NLEVELS] = {
    "mpi_shared_memory", "Package", "NUMANode", "L3Cache", "L2Cache", "Core", "PU"
};

static long bt_hw_inst[BT_HW_NLEVELS];
static int  bt_hw_known;

const char *bt_hw_level_name(int level)
{
    return level >= 0 && level < BT_HW_NLEVELS ? bt_hw_names[level] : NULL;
}

int bt_hw_level_named(const char *name)
{
    for (int i = 0; i < BT_HW_NLEVELS; i++)
        if (strcasecmp(name, bt_hw_names[i]) == 0)
            return i;
    return -1;
}

static long bt_hw_read_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;

    if (!f)
        return -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

/* The id of cpu's cache of this level (data or unified), -1 when unknown. */
static long bt_hw_cache_id(int cpu, int level)
{
    char path[128];

    for (int idx = 0; idx < 8; idx++) {
        char type[32] = "";
        FILE *f;

        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/level", cpu,
                 idx);
        if (bt_hw_read_long(path) != level)
            continue;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/type", cpu, idx);
        if ((f = fopen(path, "r"))) {
            if (!fgets(type, sizeof(type), f))
                type[0] = '\0';
            fclose(f);
        }
        if (strncmp(type, "Instruction", 11) == 0)
            continue;
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/id", cpu, idx);
        return bt_hw_read_long(path);
    }
    return -1;
}

/* The NUMA node whose directory lists cpu (a nodeN entry in the cpu's directory). */
static long bt_hw_numa_of(int cpu)
{
    char path[64];
    struct dirent *e;
    DIR *d;
    long node = -1;

    snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d", cpu);
    if (!(d = opendir(path)))
        return -1;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "node", 4) == 0 && isdigit((unsigned char)e->d_name[4])) {
            node = strtol(e->d_name + 4, NULL, 10);
            break;
        }
    closedir(d);
    return node;
}

static long bt_hw_instance_of_cpu(int cpu, int level)
{
    char path[96];
    long pkg, core;

    switch (level) {
    case BT_HW_PACKAGE:
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id",
                 cpu);
        return bt_hw_read_long(path);
    case BT_HW_NUMA:
        return bt_hw_numa_of(cpu);
    case BT_HW_L3:
        return bt_hw_cache_id(cpu, 3);
    case BT_HW_L2:
        return bt_hw_cache_id(cpu, 2);
    case BT_HW_CORE:
        /* core_id is unique within its package only. */
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id",
                 cpu);
        pkg = bt_hw_read_long(path);
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/core_id", cpu);
        core = bt_hw_read_long(path);
        return pkg < 0 || core < 0 ? -1 : pkg * 4096 + core;
    case BT_HW_PU:
        return cpu;
    }
    return -1;
}

static void bt_hw_discover(void)
{
    cpu_set_t set;

    bt_hw_inst[BT_HW_NODE] = bt_rt.node;
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        CPU_ZERO(&set);
    for (int level = BT_HW_NODE + 1; level < BT_HW_NLEVELS; level++) {
        long inst = -2;     /* -2: no CPU seen yet */
        for (int cpu = 0; cpu < CPU_SETSIZE && inst != -1; cpu++) {
            long here;
            if (!CPU_ISSET(cpu, &set))
                continue;
            here = bt_hw_instance_of_cpu(cpu, level);
            inst = (inst == -2 || inst == here) ? here : -1;
        }
        bt_hw_inst[level] = inst < 0 ? -1 : inst;
    }
    bt_hw_known = 1;
}

long bt_hw_instance(int level)
{
    if (!bt_hw_known)
        bt_hw_discover();
    return level >= 0 && level < BT_HW_NLEVELS ? bt_hw_inst[level] : -1;
}
