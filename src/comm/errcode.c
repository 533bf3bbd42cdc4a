/* Error codes and their strings.
 *
 * A code raised by Baton carries a message naming the call and the bad argument:
 * code = slot * 64 + class, where slot (1..255) indexes a ring of the last messages
 * and class < 64 (the standard ABI's classes all are). 255 * 64 + 63 is
 * MPI_ERR_LASTCODE, so every such code stays at or below it, and the class of a
 * code is code % 64 even after its message has been overwritten. Codes and classes
 * added by the user (MPI_Add_error_class/code) are numbered above MPI_ERR_LASTCODE.
 *
 * Callers hold the big lock when the thread level is MULTIPLE. */
#include "comm/bt_comm.h"
#include "util/bt_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define BT_ERRCODE_SLOTS 256       /* slot 0 is never used: code < 64 is a plain class */
#define BT_ERRCODE_TOOL_SLOT 15    /* 960..1023 hold the MPI_T_ERR_* values: skipped */

typedef struct bt_errclass_info {
    const char *name, *desc;
} bt_errclass_info_t;

static const bt_errclass_info_t bt_errclasses[64] = {
    [MPI_SUCCESS]                   = { "MPI_SUCCESS", "no error" },
    [MPI_ERR_BUFFER]                = { "MPI_ERR_BUFFER", "invalid buffer pointer" },
    [MPI_ERR_COUNT]                 = { "MPI_ERR_COUNT", "invalid count argument" },
    [MPI_ERR_TYPE]                  = { "MPI_ERR_TYPE", "invalid datatype" },
    [MPI_ERR_TAG]                   = { "MPI_ERR_TAG", "invalid tag argument" },
    [MPI_ERR_COMM]                  = { "MPI_ERR_COMM", "invalid communicator" },
    [MPI_ERR_RANK]                  = { "MPI_ERR_RANK", "invalid rank" },
    [MPI_ERR_REQUEST]               = { "MPI_ERR_REQUEST", "invalid request" },
    [MPI_ERR_ROOT]                  = { "MPI_ERR_ROOT", "invalid root" },
    [MPI_ERR_GROUP]                 = { "MPI_ERR_GROUP", "invalid group" },
    [MPI_ERR_OP]                    = { "MPI_ERR_OP", "invalid reduction operation" },
    [MPI_ERR_TOPOLOGY]              = { "MPI_ERR_TOPOLOGY", "invalid topology" },
    [MPI_ERR_DIMS]                  = { "MPI_ERR_DIMS", "invalid dimension argument" },
    [MPI_ERR_ARG]                   = { "MPI_ERR_ARG", "invalid argument" },
    [MPI_ERR_UNKNOWN]               = { "MPI_ERR_UNKNOWN", "unknown error" },
    [MPI_ERR_TRUNCATE]              = { "MPI_ERR_TRUNCATE", "message truncated on receive" },
    [MPI_ERR_OTHER]                 = { "MPI_ERR_OTHER", "other error" },
    [MPI_ERR_INTERN]                = { "MPI_ERR_INTERN", "internal error in the MPI library" },
    [MPI_ERR_PENDING]               = { "MPI_ERR_PENDING", "operation not complete" },
    [MPI_ERR_IN_STATUS]             = { "MPI_ERR_IN_STATUS", "error code is in the status" },
    [MPI_ERR_ACCESS]                = { "MPI_ERR_ACCESS", "permission denied" },
    [MPI_ERR_AMODE]                 = { "MPI_ERR_AMODE", "invalid file access mode" },
    [MPI_ERR_ASSERT]                = { "MPI_ERR_ASSERT", "invalid assert argument" },
    [MPI_ERR_BAD_FILE]              = { "MPI_ERR_BAD_FILE", "invalid file name" },
    [MPI_ERR_BASE]                  = { "MPI_ERR_BASE", "invalid base address" },
    [MPI_ERR_CONVERSION]            = { "MPI_ERR_CONVERSION",
                                        "error in a user data conversion function" },
    [MPI_ERR_DISP]                  = { "MPI_ERR_DISP", "invalid displacement argument" },
    [MPI_ERR_DUP_DATAREP]           = { "MPI_ERR_DUP_DATAREP",
                                        "data representation already defined" },
    [MPI_ERR_FILE_EXISTS]           = { "MPI_ERR_FILE_EXISTS", "file exists" },
    [MPI_ERR_FILE_IN_USE]           = { "MPI_ERR_FILE_IN_USE", "file in use by some process" },
    [MPI_ERR_FILE]                  = { "MPI_ERR_FILE", "invalid file handle" },
    [MPI_ERR_INFO_KEY]              = { "MPI_ERR_INFO_KEY", "info key too long" },
    [MPI_ERR_INFO_NOKEY]            = { "MPI_ERR_INFO_NOKEY", "info key not defined" },
    [MPI_ERR_INFO_VALUE]            = { "MPI_ERR_INFO_VALUE", "info value too long" },
    [MPI_ERR_INFO]                  = { "MPI_ERR_INFO", "invalid info object" },
    [MPI_ERR_IO]                    = { "MPI_ERR_IO", "I/O error" },
    [MPI_ERR_KEYVAL]                = { "MPI_ERR_KEYVAL", "invalid attribute key" },
    [MPI_ERR_LOCKTYPE]              = { "MPI_ERR_LOCKTYPE", "invalid lock type" },
    [MPI_ERR_NAME]                  = { "MPI_ERR_NAME", "service name not published" },
    [MPI_ERR_NO_MEM]                = { "MPI_ERR_NO_MEM", "out of memory" },
    [MPI_ERR_NOT_SAME]              = { "MPI_ERR_NOT_SAME",
                                        "collective arguments differ between processes" },
    [MPI_ERR_NO_SPACE]              = { "MPI_ERR_NO_SPACE", "not enough space" },
    [MPI_ERR_NO_SUCH_FILE]          = { "MPI_ERR_NO_SUCH_FILE", "file does not exist" },
    [MPI_ERR_PORT]                  = { "MPI_ERR_PORT", "invalid port name" },
    [MPI_ERR_QUOTA]                 = { "MPI_ERR_QUOTA", "quota exceeded" },
    [MPI_ERR_READ_ONLY]             = { "MPI_ERR_READ_ONLY", "read-only file or file system" },
    [MPI_ERR_RMA_ATTACH]            = { "MPI_ERR_RMA_ATTACH", "memory cannot be attached" },
    [MPI_ERR_RMA_CONFLICT]          = { "MPI_ERR_RMA_CONFLICT",
                                        "conflicting accesses to a window" },
    [MPI_ERR_RMA_RANGE]             = { "MPI_ERR_RMA_RANGE",
                                        "target memory outside the window" },
    [MPI_ERR_RMA_SHARED]            = { "MPI_ERR_RMA_SHARED", "memory cannot be shared" },
    [MPI_ERR_RMA_SYNC]              = { "MPI_ERR_RMA_SYNC",
                                        "wrong synchronization of RMA calls" },
    [MPI_ERR_SERVICE]               = { "MPI_ERR_SERVICE", "invalid service name" },
    [MPI_ERR_SIZE]                  = { "MPI_ERR_SIZE", "invalid size argument" },
    [MPI_ERR_SPAWN]                 = { "MPI_ERR_SPAWN", "error spawning processes" },
    [MPI_ERR_UNSUPPORTED_DATAREP]   = { "MPI_ERR_UNSUPPORTED_DATAREP",
                                        "unsupported data representation" },
    [MPI_ERR_UNSUPPORTED_OPERATION] = { "MPI_ERR_UNSUPPORTED_OPERATION",
                                        "unsupported operation" },
    [MPI_ERR_WIN]                   = { "MPI_ERR_WIN", "invalid window" },
    [MPI_ERR_RMA_FLAVOR]            = { "MPI_ERR_RMA_FLAVOR", "wrong window flavor" },
    [MPI_ERR_PROC_ABORTED]          = { "MPI_ERR_PROC_ABORTED",
                                        "operation involves an aborted process" },
    [MPI_ERR_VALUE_TOO_LARGE]       = { "MPI_ERR_VALUE_TOO_LARGE",
                                        "value too large for the output argument" },
    [MPI_ERR_SESSION]               = { "MPI_ERR_SESSION", "invalid session" },
    [MPI_ERR_ERRHANDLER]            = { "MPI_ERR_ERRHANDLER", "invalid error handler" },
    [MPI_ERR_ABI]                   = { "MPI_ERR_ABI", "ABI mismatch" },
};

/* The tool interface's return codes; MPI_Error_string explains them too. */
static const bt_errclass_info_t bt_errtool[] = {
    { "MPI_T_ERR_CANNOT_INIT", "the tool interface cannot be initialized" },
    { "MPI_T_ERR_NOT_ACCESSIBLE", "the tool interface is not accessible" },
    { "MPI_T_ERR_NOT_INITIALIZED", "the tool interface is not initialized" },
    { "MPI_T_ERR_NOT_SUPPORTED", "not supported by the tool interface" },
    { "MPI_T_ERR_MEMORY", "out of memory in the tool interface" },
    { "MPI_T_ERR_INVALID", "invalid use of the tool interface" },
    { "MPI_T_ERR_INVALID_INDEX", "invalid tool variable index" },
    { "MPI_T_ERR_INVALID_ITEM", "invalid tool item index" },
    { "MPI_T_ERR_INVALID_SESSION", "invalid tool session" },
    { "MPI_T_ERR_INVALID_HANDLE", "invalid tool handle" },
    { "MPI_T_ERR_INVALID_NAME", "invalid tool variable name" },
    { "MPI_T_ERR_OUT_OF_HANDLES", "no more tool handles" },
    { "MPI_T_ERR_OUT_OF_SESSIONS", "no more tool sessions" },
    { "MPI_T_ERR_CVAR_SET_NOT_NOW", "control variable cannot be set now" },
    { "MPI_T_ERR_CVAR_SET_NEVER", "control variable can never be set" },
    { "MPI_T_ERR_PVAR_NO_WRITE", "performance variable cannot be written" },
    { "MPI_T_ERR_PVAR_NO_STARTSTOP", "performance variable cannot be started or stopped" },
    { "MPI_T_ERR_PVAR_NO_ATOMIC", "performance variable cannot be read and reset atomically" },
};

typedef struct bt_errslot {
    int  code;                      /* 0: empty */
    char msg[MPI_MAX_ERROR_STRING];
} bt_errslot_t;

static bt_errslot_t bt_errslots[BT_ERRCODE_SLOTS];
static int bt_errslot_next;

/* User-added classes and codes: entry i is value MPI_ERR_LASTCODE + 1 + i. */
typedef struct bt_usererr {
    int   in_use;
    int   is_class;
    int   errclass;
    char *string;
} bt_usererr_t;

static bt_usererr_t *bt_usererrs;
static int bt_nusererrs;
int bt_errcode_lastused = MPI_ERR_LASTCODE;

const char *bt_errclass_name(int errclass)
{
    if (errclass < 0 || errclass >= (int)BT_ARRAY_LEN(bt_errclasses))
        return NULL;
    return bt_errclasses[errclass].name;
}

const char *bt_errclass_desc(int errclass)
{
    if (errclass < 0 || errclass >= (int)BT_ARRAY_LEN(bt_errclasses))
        return NULL;
    return bt_errclasses[errclass].desc;
}

static int bt_errtool_index(int code)
{
    if (code >= MPI_T_ERR_CANNOT_INIT && code <= MPI_T_ERR_PVAR_NO_ATOMIC)
        return code - MPI_T_ERR_CANNOT_INIT;
    return -1;
}

static bt_usererr_t *bt_usererr_get(int code)
{
    long i = (long)code - MPI_ERR_LASTCODE - 1;

    if (i < 0 || i >= bt_nusererrs || !bt_usererrs[i].in_use)
        return NULL;
    return &bt_usererrs[i];
}

int bt_errcode_new(int errclass, const char *msg)
{
    int slot, code;

    /* Only standard classes get a message slot; anything else is raised as is. */
    if (!bt_errclass_name(errclass) || errclass == MPI_SUCCESS)
        return errclass;
    if (++bt_errslot_next == BT_ERRCODE_TOOL_SLOT)
        ++bt_errslot_next;
    if (bt_errslot_next >= BT_ERRCODE_SLOTS)
        bt_errslot_next = 1;
    slot = bt_errslot_next;
    code = slot * 64 + errclass;
    bt_errslots[slot].code = code;
    bt_strlcpy(bt_errslots[slot].msg, msg, sizeof(bt_errslots[slot].msg));
    return code;
}

int bt_errcode_newf(int errclass, const char *call, const char *fmt, ...)
{
    char msg[MPI_MAX_ERROR_STRING];
    va_list ap;
    int n = snprintf(msg, sizeof(msg), "%s: ", call);

    if (n < 0 || n >= (int)sizeof(msg))
        n = 0;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    return bt_errcode_new(errclass, msg);
}

int bt_errcode_class(int code)
{
    bt_usererr_t *u;

    if (code >= 0 && code < 64)
        return bt_errclass_name(code) ? code : -1;
    if (code == MPI_ERR_LASTCODE)
        return code;                 /* a class value of its own, as in other MPIs */
    if (bt_errtool_index(code) >= 0)
        return code;
    if (code > 0 && code < MPI_ERR_LASTCODE) {
        int cls = code % 64;
        return (cls != MPI_SUCCESS && bt_errclass_name(cls)) ? cls : -1;
    }
    u = bt_usererr_get(code);
    return u ? u->errclass : -1;
}

int bt_errcode_string(int code, char *buf, size_t size)
{
    int cls = bt_errcode_class(code), n, t;
    bt_usererr_t *u;

    if (cls < 0)
        return -1;
    if ((t = bt_errtool_index(code)) >= 0)
        n = snprintf(buf, size, "%s: %s", bt_errtool[t].name, bt_errtool[t].desc);
    else if (code == MPI_ERR_LASTCODE)
        n = snprintf(buf, size, "MPI_ERR_LASTCODE: last error code");
    else if (code < 64)
        n = snprintf(buf, size, "%s: %s", bt_errclasses[code].name, bt_errclasses[code].desc);
    else if (code < MPI_ERR_LASTCODE) {
        const bt_errslot_t *s = &bt_errslots[code / 64];
        if (s->code == code)
            n = snprintf(buf, size, "%s (%s: %s)", s->msg, bt_errclasses[cls].name,
                         bt_errclasses[cls].desc);
        else   /* the ring has moved on: the class still says what went wrong */
            n = snprintf(buf, size, "%s: %s", bt_errclasses[cls].name, bt_errclasses[cls].desc);
    } else {
        u = bt_usererr_get(code);
        n = snprintf(buf, size, "%s", u->string ? u->string : "");
    }
    if (n < 0)
        return -1;
    return (size_t)n < size ? n : (int)size - 1;
}

static int bt_usererr_add(int is_class, int errclass)
{
    bt_usererr_t *u;

    bt_usererrs = bt_realloc(bt_usererrs, (size_t)(bt_nusererrs + 1) * sizeof(*bt_usererrs));
    u = &bt_usererrs[bt_nusererrs++];
    u->in_use = 1;
    u->is_class = is_class;
    u->string = NULL;
    bt_errcode_lastused = MPI_ERR_LASTCODE + bt_nusererrs;
    u->errclass = is_class ? bt_errcode_lastused : errclass;
    return bt_errcode_lastused;
}

int bt_errcode_add_class(int *errclass_p)
{
    *errclass_p = bt_usererr_add(1, 0);
    return MPI_SUCCESS;
}

int bt_errcode_add_code(int errclass, int *code_p)
{
    bt_usererr_t *u = bt_usererr_get(errclass);

    /* A code may belong to a standard class or a user class. */
    if (errclass <= 0 || (errclass >= 64 && (!u || !u->is_class)) ||
        (errclass < 64 && !bt_errclass_name(errclass)))
        return MPI_ERR_ARG;
    *code_p = bt_usererr_add(0, errclass);
    return MPI_SUCCESS;
}

int bt_errcode_add_string(int code, const char *string)
{
    bt_usererr_t *u = bt_usererr_get(code);

    /* The standard's own strings cannot be replaced. */
    if (!u)
        return MPI_ERR_ARG;
    free(u->string);
    u->string = bt_strdup(string);
    return MPI_SUCCESS;
}

int bt_errcode_remove_string(int code)
{
    bt_usererr_t *u = bt_usererr_get(code);

    if (!u)
        return MPI_ERR_ARG;
    free(u->string);
    u->string = NULL;
    return MPI_SUCCESS;
}

int bt_errcode_remove(int code, int is_class)
{
    bt_usererr_t *u = bt_usererr_get(code);

    /* MPI 4.1: the string must be removed first, and a class's codes too. */
    if (!u || u->is_class != is_class || u->string)
        return MPI_ERR_ARG;
    if (is_class)
        for (int i = 0; i < bt_nusererrs; i++)
            if (bt_usererrs[i].in_use && !bt_usererrs[i].is_class &&
                bt_usererrs[i].errclass == code)
                return MPI_ERR_ARG;    /* codes of this class are still in use */
    free(u->string);
    u->string = NULL;
    u->in_use = 0;
    /* MPI_LASTUSEDCODE follows the largest value still in use; trailing free
     * entries are given back so that the numbers can be reused. */
    while (bt_nusererrs > 0 && !bt_usererrs[bt_nusererrs - 1].in_use)
        bt_nusererrs--;
    bt_errcode_lastused = MPI_ERR_LASTCODE + bt_nusererrs;
    return MPI_SUCCESS;
}
