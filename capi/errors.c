/* Per-thread last error, static error names, versions, logging level and trampolines. */
#include <string.h>

#include "_cgo_export.h"
#include "capi.h"

static __thread int tls_code;
static __thread char tls_msg[VSAG_ERROR_MESSAGE_SIZE];

void vsagi_set_error(int code, const char* msg, size_t n) {
    if (n >= sizeof(tls_msg)) {
        n = sizeof(tls_msg) - 1;
    }
    if (msg != NULL && n > 0) {
        memcpy(tls_msg, msg, n);
    }
    tls_msg[n] = '\0';
    tls_code = code;
}

const char* vsag_last_error(void) { return tls_msg; }

int vsag_last_error_code(void) { return tls_code; }

void vsag_clear_last_error(void) {
    tls_code = 0;
    tls_msg[0] = '\0';
}

const char* vsag_errstr(int code) {
    static const char* const names[] = {
        "SUCCESS",
        "UNKNOWN_ERROR",
        "INTERNAL_ERROR",
        "INVALID_ARGUMENT",
        "WRONG_STATUS",
        "BUILD_TWICE",
        "INDEX_NOT_EMPTY",
        "UNSUPPORTED_INDEX",
        "UNSUPPORTED_INDEX_OPERATION",
        "DIMENSION_NOT_EQUAL",
        "INDEX_EMPTY",
        "NO_ENOUGH_MEMORY",
        "READ_ERROR",
        "MISSING_FILE",
        "INVALID_BINARY",
    };
    int n = (int)(sizeof(names) / sizeof(names[0]));
    if (code < 0) {
        code = -code;
    }
    if (code >= n) {
        return "UNKNOWN_ERROR";
    }
    return names[code];
}

const char* vsag_version(void) { return VSAG_VERSION; }

int vsag_version_number(void) { return VSAG_VERSION_NUMBER; }

int vsag_abi_version(void) { return VSAG_ABI_VERSION; }

void vsag_free(void* ptr) { free(ptr); }

static int log_level = VSAG_LOG_INFO;

int vsag_set_log_level(int level) {
    if (level < VSAG_LOG_TRACE || level > VSAG_LOG_OFF) {
        static const char msg[] = "INVALID_ARGUMENT: log level must be in 0..6 (VSAG_LOG_TRACE..VSAG_LOG_OFF)";
        vsagi_set_error(VSAG_INVALID_ARGUMENT, msg, sizeof(msg) - 1);
        return VSAG_INVALID_ARGUMENT;
    }
    __atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
    vsagi_log_level_changed(level);
    return VSAG_SUCCESS;
}

int vsag_get_log_level(void) { return __atomic_load_n(&log_level, __ATOMIC_RELAXED); }

void* vsagi_try_malloc(size_t n) { return malloc(n); }

/* The filter trampolines read a callback's answer as a byte and test it against zero: a
   caller written in another language may hand back any non-zero byte for true, and passed on
   as a bool unchanged it read as true in some places and false in others. bool and unsigned
   char are returned alike by the ABIs this library builds for. */
bool vsagi_call_filter_func(FilterFunc_t f, int64_t id) { return ((unsigned char (*)(int64_t))f)(id) != 0; }

bool vsagi_call_filter_fn(vsag_filter_fn f, int64_t id, void* ctx) {
    return ((unsigned char (*)(int64_t, void*))f)(id, ctx) != 0;
}

bool vsagi_call_extra_info_filter_fn(vsag_extra_info_filter_fn f, const uint8_t* info, uint64_t size,
                                     void* ctx) {
    return ((unsigned char (*)(const uint8_t*, uint64_t, void*))f)(info, size, ctx) != 0;
}

void vsagi_call_write_func(void (*f)(OffsetType, SizeType, const void*), uint64_t off, uint64_t size,
                           const void* data) {
    f(off, size, data);
}

void vsagi_call_read_func(void (*f)(OffsetType, SizeType, void*), uint64_t off, uint64_t size, void* data) {
    f(off, size, data);
}

uint64_t vsagi_call_size_func(SizeType (*f)(void)) { return f(); }
