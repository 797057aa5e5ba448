/*
 * addon.c - the N-API addon behind the npm package "vsag".
 *
 * A thin layer over include/vsag.h: it converts JavaScript values to C arguments, calls
 * libvsag.so and turns failures into VsagError exceptions (or rejected Promises). Vectors and
 * results travel as TypedArrays whose memory is handed to the library directly: nothing is
 * copied on the way in, and search results are written straight into the ArrayBuffers that
 * become the returned TypedArrays.
 *
 * Threads: synchronous methods run on the calling JavaScript thread. The *Async methods run the
 * library call on the libuv thread pool (napi_create_async_work) and settle a Promise on the
 * JavaScript thread; the library's per-thread last error is read on the pool thread right after
 * the failing call. The JavaScript objects an operation reads or fills are referenced until it
 * completes, so the garbage collector cannot free them underneath it.
 *
 * Lifetime: an index handle is released by close(), or by the finalizer when the object is
 * collected. close() while asynchronous operations are pending lets them finish and releases
 * the handle when the last one completes.
 *
 * The library is opened when the addon loads (libvsag.c): the package's lib/libvsag.so, then
 * VSAG_LIBRARY_PATH, then the system's search path.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif

#include <math.h>
#include <stdarg.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libvsag.h" /* vsag.h, called through pointers into the opened libvsag.so */

/* ------------------------------------------------------------------------------------------ */
/* Per-environment state                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* addon_state holds the constructors this environment needs (set once by init()). */
typedef struct addon_state {
    napi_ref error_ctor; /* VsagError, from the TypeScript layer */
    napi_ref index_ctor; /* NativeIndex */
    void* adopting;      /* a handle the next NativeIndex construction takes over */
} addon_state;

static void state_finalize(napi_env env, void* data, void* hint) {
    addon_state* st = data;
    (void)hint;
    if (st->error_ctor) napi_delete_reference(env, st->error_ctor);
    if (st->index_ctor) napi_delete_reference(env, st->index_ctor);
    free(st);
}

static addon_state* get_state(napi_env env) {
    void* data = NULL;
    napi_get_instance_data(env, &data);
    return data;
}

/* native_index is the C side of one NativeIndex object. */
typedef struct native_index {
    vsag_index_t handle;  /* NULL once closed */
    vsag_dtype_t dtype;   /* the index's input element type */
    uint64_t dim;         /* the index's vector dimension */
    uint32_t pending;     /* asynchronous operations not yet completed */
    bool close_requested; /* close() was called while operations were pending */
    vsag_index_t closing; /* the handle to release when pending drops to 0 */
    void* progress;       /* progress_ctx of setProgress (resources section), NULL until used */
} native_index;

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */
/* ------------------------------------------------------------------------------------------ */

#define CODE_INVALID_ARGUMENT 3
#define CODE_WRONG_STATUS 4
#define CODE_DIMENSION_NOT_EQUAL 9
#define CODE_NO_ENOUGH_MEMORY 11

/*
 * make_error builds a VsagError(message, code) with code the positive VSAG error number. If
 * the TypeScript layer has not registered the class (the addon used on its own), it builds a
 * plain Error with a numeric code property.
 */
static napi_value make_error(napi_env env, int code, const char* message) {
    napi_value msg, err = NULL, codev, ctor;
    if (code < 0) code = -code;
    if (message == NULL || message[0] == '\0') message = vsag_errstr(code);
    napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
    napi_create_int32(env, code, &codev);
    addon_state* st = get_state(env);
    if (st != NULL && st->error_ctor != NULL &&
        napi_get_reference_value(env, st->error_ctor, &ctor) == napi_ok && ctor != NULL) {
        napi_value argv[2] = {msg, codev};
        if (napi_new_instance(env, ctor, 2, argv, &err) != napi_ok) err = NULL;
    }
    if (err == NULL) {
        napi_create_error(env, NULL, msg, &err);
        napi_set_named_property(env, err, "code", codev);
    }
    return err;
}

static void throw_error(napi_env env, int code, const char* message) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) return;
    napi_throw(env, make_error(env, code, message));
}

static void throw_errorf(napi_env env, int code, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void throw_errorf(napi_env env, int code, const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    throw_error(env, code, buf);
}

/*
 * throw_arg_error throws a TypeError (range false) or RangeError (range true) for a label or
 * filter that cannot be taken exactly. Like a VsagError it carries code 3 and codeName
 * "INVALID_ARGUMENT", so code that checks err.code keeps working.
 */
static void throw_arg_error(napi_env env, bool range, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void throw_arg_error(napi_env env, bool range, const char* fmt, ...) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    napi_value msg, err, code, name;
    napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &msg);
    if (range)
        napi_create_range_error(env, NULL, msg, &err);
    else
        napi_create_type_error(env, NULL, msg, &err);
    napi_create_int32(env, CODE_INVALID_ARGUMENT, &code);
    napi_create_string_utf8(env, "INVALID_ARGUMENT", NAPI_AUTO_LENGTH, &name);
    napi_set_named_property(env, err, "code", code);
    napi_set_named_property(env, err, "codeName", name);
    napi_throw(env, err);
}

/* throw_status throws the calling thread's last library error for a failed status. */
static void throw_status(napi_env env, int status) {
    int code = vsag_last_error_code();
    const char* msg = vsag_last_error();
    /* The slot belongs to the most recent failure on this thread, which is the call that just
     * returned status; fall back to the status itself if the slot disagrees. */
    if (code != status) msg = NULL;
    throw_error(env, status, msg);
}

/* NAPI_CALL checks an N-API status inside a function returning napi_value. */
#define NAPI_CALL(env, call)                                                    \
    do {                                                                        \
        if ((call) != napi_ok) {                                                \
            const napi_extended_error_info* info_ = NULL;                       \
            napi_get_last_error_info((env), &info_);                            \
            throw_error((env), CODE_INVALID_ARGUMENT,                           \
                        info_ && info_->error_message ? info_->error_message    \
                                                      : "N-API call failed");   \
            return NULL;                                                        \
        }                                                                       \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* Argument conversion                                                                         */
/* ------------------------------------------------------------------------------------------ */

static bool is_nullish(napi_env env, napi_value v) {
    napi_valuetype t;
    if (v == NULL || napi_typeof(env, v, &t) != napi_ok) return true;
    return t == napi_undefined || t == napi_null;
}

/* typed_arg is a TypedArray argument: its element type, data pointer and element count. */
typedef struct typed_arg {
    napi_typedarray_type type;
    void* data;
    size_t length;
} typed_arg;

/* empty_data stands in for the NULL data pointer of an empty TypedArray. */
static int64_t empty_data[1];

static bool get_typed(napi_env env, napi_value v, typed_arg* out) {
    bool is = false;
    if (v == NULL || napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
    napi_value ab;
    size_t offset;
    if (napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &ab, &offset) !=
        napi_ok)
        return false;
    if (out->data == NULL) out->data = empty_data;
    return true;
}

static const char* typed_name(napi_typedarray_type t) {
    switch (t) {
        case napi_int8_array: return "Int8Array";
        case napi_uint8_array: return "Uint8Array";
        case napi_uint8_clamped_array: return "Uint8ClampedArray";
        case napi_int16_array: return "Int16Array";
        case napi_uint16_array: return "Uint16Array";
        case napi_int32_array: return "Int32Array";
        case napi_uint32_array: return "Uint32Array";
        case napi_float32_array: return "Float32Array";
        case napi_float64_array: return "Float64Array";
        case napi_bigint64_array: return "BigInt64Array";
        case napi_biguint64_array: return "BigUint64Array";
        default: return "TypedArray";
    }
}

/*
 * get_vectors accepts the vector arrays the library understands: Float32Array (float32),
 * Uint16Array (raw float16 or bfloat16 bits: the index's own 16-bit type, float16 for other
 * indexes) and Int8Array (int8).
 */
static bool get_vectors(napi_env env, const native_index* ni, napi_value v, const char* what,
                        typed_arg* out, vsag_dtype_t* dtype) {
    if (!get_typed(env, v, out)) {
        throw_errorf(env, CODE_INVALID_ARGUMENT,
                     "%s must be a Float32Array, Uint16Array (float16/bfloat16) or Int8Array",
                     what);
        return false;
    }
    switch (out->type) {
        case napi_float32_array: *dtype = VSAG_DTYPE_FLOAT32; return true;
        case napi_uint16_array:
            *dtype = ni->dtype == VSAG_DTYPE_BFLOAT16 ? VSAG_DTYPE_BFLOAT16 : VSAG_DTYPE_FLOAT16;
            return true;
        case napi_int8_array: *dtype = VSAG_DTYPE_INT8; return true;
        default: {
            char buf[256];
            snprintf(buf, sizeof buf,
                     "%s must be a Float32Array, Uint16Array (float16/bfloat16) or Int8Array, not %s",
                     what, typed_name(out->type));
            throw_error(env, CODE_INVALID_ARGUMENT, buf);
            return false;
        }
    }
}

static bool get_ids(napi_env env, napi_value v, const char* what, typed_arg* out) {
    if (!get_typed(env, v, out) || out->type != napi_bigint64_array) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%s must be a BigInt64Array", what);
        return false;
    }
    return true;
}

/* get_count reads a non-negative integer Number (or BigInt) no larger than max. */
static bool get_count(napi_env env, napi_value v, const char* what, double max, int64_t* out) {
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    if (t == napi_bigint) {
        bool lossless = false;
        int64_t x = 0;
        napi_get_value_bigint_int64(env, v, &x, &lossless);
        if (!lossless || x < 0 || (double)x > max) {
            throw_errorf(env, CODE_INVALID_ARGUMENT, "%s must be an integer in [0, %.0f]", what,
                         max);
            return false;
        }
        *out = x;
        return true;
    }
    double d = -1;
    if (t != napi_number || napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) ||
        d > max || d != floor(d)) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%s must be an integer in [0, %.0f]", what, max);
        return false;
    }
    *out = (int64_t)d;
    return true;
}

/*
 * get_label reads a label given as a Number or a BigInt, exactly: a Number must be a safe
 * integer (|x| <= 2^53 - 1; larger Numbers may already have been rounded), a BigInt must fit
 * in int64. Anything else throws a TypeError (not an integer) or a RangeError (too large).
 */
static bool get_label(napi_env env, napi_value v, const char* what, int64_t* out) {
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    if (t == napi_bigint) {
        bool lossless = false;
        if (napi_get_value_bigint_int64(env, v, out, &lossless) != napi_ok || !lossless) {
            throw_arg_error(env, true, "%s does not fit in int64", what);
            return false;
        }
        return true;
    }
    double d = 0;
    if (t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
        throw_arg_error(env, false, "%s must be an integer Number or a BigInt", what);
        return false;
    }
    if (!isfinite(d) || d != floor(d)) {
        throw_arg_error(env, false, "%s must be an integer, not %g", what, d);
        return false;
    }
    if (fabs(d) > 9007199254740991.0) {
        throw_arg_error(env, true,
                        "%s %.0f is not a safe integer (beyond 2^53 - 1); pass it as a BigInt",
                        what, d);
        return false;
    }
    *out = (int64_t)d;
    return true;
}

/*
 * get_k reads k: an integer Number or BigInt >= 1. Values beyond int64 become int64's maximum:
 * searches cap k at the live count, so a huge k asks for every vector.
 */
static bool get_k(napi_env env, napi_value v, int64_t* out) {
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    if (t == napi_bigint) {
        int sign = 0;
        size_t words = 2;
        uint64_t w[2] = {0, 0};
        if (napi_get_value_bigint_words(env, v, &sign, &words, w) != napi_ok) {
            throw_error(env, CODE_INVALID_ARGUMENT, "k must be a positive integer");
            return false;
        }
        if (sign || (words <= 1 && w[0] == 0)) {
            throw_error(env, CODE_INVALID_ARGUMENT, "k must be a positive integer");
            return false;
        }
        *out = (words > 1 || w[0] > (uint64_t)INT64_MAX) ? INT64_MAX : (int64_t)w[0];
        return true;
    }
    double k = 0;
    if (t != napi_number || napi_get_value_double(env, v, &k) != napi_ok || !(k >= 1) ||
        !isfinite(k) || k != floor(k)) {
        if (t == napi_number)
            throw_errorf(env, CODE_INVALID_ARGUMENT, "k must be a positive integer, not %g", k);
        else
            throw_error(env, CODE_INVALID_ARGUMENT, "k must be a positive integer");
        return false;
    }
    *out = k >= 9223372036854775807.0 ? INT64_MAX : (int64_t)k;
    return true;
}

static bool get_number(napi_env env, napi_value v, const char* what, double* out) {
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    if (t != napi_number || napi_get_value_double(env, v, out) != napi_ok) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%s must be a number", what);
        return false;
    }
    return true;
}

/*
 * str_arg is a UTF-8 copy of a string argument; short strings (search parameters) live in the
 * inline buffer so the hot path does not allocate.
 */
typedef struct str_arg {
    char* s;
    char inline_buf[256];
} str_arg;

static void str_free(str_arg* a) {
    if (a->s != NULL && a->s != a->inline_buf) free(a->s);
    a->s = NULL;
}

/* get_string copies a string; nullish values give NULL when optional, an error otherwise. */
static bool get_string(napi_env env, napi_value v, const char* what, bool optional, str_arg* out) {
    out->s = NULL;
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    if (optional && (t == napi_undefined || t == napi_null)) return true;
    if (t != napi_string) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%s must be a string", what);
        return false;
    }
    size_t len = 0;
    if (napi_get_value_string_utf8(env, v, out->inline_buf, sizeof out->inline_buf, &len) !=
        napi_ok) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%s: cannot read string", what);
        return false;
    }
    if (len + 1 < sizeof out->inline_buf) {
        out->s = out->inline_buf;
        return true;
    }
    napi_get_value_string_utf8(env, v, NULL, 0, &len);
    out->s = malloc(len + 1);
    if (out->s == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory copying a string argument");
        return false;
    }
    napi_get_value_string_utf8(env, v, out->s, len + 1, &len);
    return true;
}

/* heap_string moves a str_arg into malloc'd memory that outlives the call (async work). */
static char* heap_string(str_arg* a) {
    if (a->s == NULL) return NULL;
    if (a->s != a->inline_buf) {
        char* s = a->s;
        a->s = NULL;
        return s;
    }
    char* s = strdup(a->inline_buf);
    a->s = NULL;
    return s;
}

/*
 * filter_arg is a parsed filter plus the JavaScript arrays it points into (kept referenced by
 * asynchronous operations). Accepted forms:
 *   undefined / null         no filter
 *   BigInt64Array            labels to exclude
 *   Uint8Array               exclusion bitmask, one bit per label, LSB first (bit set = exclude)
 *   { excludeIds?, mask?, packed?, keep?, validRatio? }
 *                            mask is a Uint8Array of bits (packed, the default) or of bytes
 *                            (packed: false); keep: true makes a nonzero entry KEEP the label and
 *                            excludes labels outside the mask.
 */
typedef struct filter_arg {
    bool present;
    vsag_filter_t f;
    napi_value arrays[2];
    int narrays;
} filter_arg;

static bool new_buffer(napi_env env, size_t bytes, napi_value* ab, void** data);

/*
 * get_label_list reads labels to exclude given as a BigInt64Array (used in place) or a plain
 * Array of Numbers and BigInts (each checked by get_label, copied into a new BigInt64Array that
 * *keep receives, so asynchronous work can hold it). Other values throw a TypeError.
 */
static bool get_label_list(napi_env env, napi_value v, const char* what, const int64_t** ids,
                           uint64_t* n, napi_value* keep) {
    typed_arg ta;
    if (get_typed(env, v, &ta)) {
        if (ta.type != napi_bigint64_array) {
            throw_arg_error(env, false, "%s must be a BigInt64Array or an Array of labels, not a %s",
                            what, typed_name(ta.type));
            return false;
        }
        *ids = ta.data;
        *n = ta.length;
        *keep = v;
        return true;
    }
    bool is_array = false;
    if (napi_is_array(env, v, &is_array) != napi_ok || !is_array) {
        throw_arg_error(env, false, "%s must be a BigInt64Array or an Array of labels", what);
        return false;
    }
    uint32_t len = 0;
    napi_get_array_length(env, v, &len);
    napi_value ab, arr;
    void* data;
    if (!new_buffer(env, (size_t)len * sizeof(int64_t), &ab, &data)) return false;
    if (napi_create_typedarray(env, napi_bigint64_array, len, ab, 0, &arr) != napi_ok) {
        throw_error(env, 2, "cannot create the label array");
        return false;
    }
    int64_t* out = data;
    for (uint32_t i = 0; i < len; i++) {
        napi_value e;
        char name[96];
        snprintf(name, sizeof name, "%s[%u]", what, i);
        if (napi_get_element(env, v, i, &e) != napi_ok || !get_label(env, e, name, &out[i]))
            return false;
    }
    *ids = len ? out : (const int64_t*)empty_data;
    *n = len;
    *keep = arr;
    return true;
}

static bool get_filter(napi_env env, napi_value v, filter_arg* out) {
    vsag_filter_t init = VSAG_FILTER_INIT;
    out->f = init;
    out->present = false;
    out->narrays = 0;
    if (is_nullish(env, v)) return true;
    typed_arg ta;
    bool is_array = false;
    napi_is_array(env, v, &is_array);
    if (is_array) {
        napi_value keep;
        if (!get_label_list(env, v, "filter", &out->f.exclude_ids, &out->f.num_exclude_ids, &keep))
            return false;
        out->arrays[out->narrays++] = keep;
        out->present = true;
        return true;
    }
    if (get_typed(env, v, &ta)) {
        if (ta.type == napi_bigint64_array) {
            out->f.exclude_ids = ta.data;
            out->f.num_exclude_ids = ta.length;
        } else if (ta.type == napi_uint8_array) {
            out->f.mask = ta.data;
            out->f.mask_len = (uint64_t)ta.length * 8u;
            out->f.flags = VSAG_FILTER_MASK_PACKED;
        } else {
            throw_arg_error(env, false,
                            "filter must be labels to exclude (a BigInt64Array or an Array), a "
                            "Uint8Array exclusion bitmask or a filter object, not a %s",
                            typed_name(ta.type));
            return false;
        }
        out->arrays[out->narrays++] = v;
        out->present = true;
        return true;
    }
    napi_valuetype t;
    napi_typeof(env, v, &t);
    if (t != napi_object) {
        throw_arg_error(env, false,
                        "filter must be labels to exclude (a BigInt64Array or an Array), a "
                        "Uint8Array exclusion bitmask or a filter object");
        return false;
    }
    napi_value p;
    bool packed = true, keep = false;
    if (napi_get_named_property(env, v, "packed", &p) == napi_ok && !is_nullish(env, p))
        napi_get_value_bool(env, p, &packed);
    if (napi_get_named_property(env, v, "keep", &p) == napi_ok && !is_nullish(env, p))
        napi_get_value_bool(env, p, &keep);
    if (napi_get_named_property(env, v, "excludeIds", &p) == napi_ok && !is_nullish(env, p)) {
        napi_value keep;
        if (!get_label_list(env, p, "filter.excludeIds", &out->f.exclude_ids,
                            &out->f.num_exclude_ids, &keep))
            return false;
        out->arrays[out->narrays++] = keep;
    }
    if (napi_get_named_property(env, v, "mask", &p) == napi_ok && !is_nullish(env, p)) {
        if (!get_typed(env, p, &ta) || ta.type != napi_uint8_array) {
            throw_error(env, CODE_INVALID_ARGUMENT, "filter.mask must be a Uint8Array");
            return false;
        }
        out->f.mask = ta.data;
        out->f.mask_len = packed ? (uint64_t)ta.length * 8u : (uint64_t)ta.length;
        out->f.flags = (packed ? VSAG_FILTER_MASK_PACKED : 0u) | (keep ? VSAG_FILTER_MASK_KEEP : 0u);
        out->arrays[out->narrays++] = p;
    }
    if (napi_get_named_property(env, v, "validRatio", &p) == napi_ok && !is_nullish(env, p)) {
        double r;
        if (!get_number(env, p, "filter.validRatio", &r)) return false;
        if (!(r > 0 && r <= 1)) {
            throw_error(env, CODE_INVALID_ARGUMENT, "filter.validRatio must be in (0, 1]");
            return false;
        }
        out->f.valid_ratio = (float)r;
    }
    out->present = true;
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* new_buffer creates an ArrayBuffer of bytes and returns its data pointer. */
static bool new_buffer(napi_env env, size_t bytes, napi_value* ab, void** data) {
    if (napi_create_arraybuffer(env, bytes, data, ab) != napi_ok) {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending) {
            napi_value ignored;
            napi_get_and_clear_last_exception(env, &ignored);
        }
        throw_errorf(env, CODE_NO_ENOUGH_MEMORY, "cannot allocate %.0f bytes", (double)bytes);
        return false;
    }
    return true;
}

/* search_result returns {ids: BigInt64Array, distances: Float32Array} over two ArrayBuffers. */
static napi_value search_result(napi_env env, napi_value ids_ab, napi_value dists_ab, size_t n) {
    napi_value obj, ids, dists;
    NAPI_CALL(env, napi_create_typedarray(env, napi_bigint64_array, n, ids_ab, 0, &ids));
    NAPI_CALL(env, napi_create_typedarray(env, napi_float32_array, n, dists_ab, 0, &dists));
    NAPI_CALL(env, napi_create_object(env, &obj));
    NAPI_CALL(env, napi_set_named_property(env, obj, "ids", ids));
    NAPI_CALL(env, napi_set_named_property(env, obj, "distances", dists));
    return obj;
}

/* batch_result is search_result for nq rows of k entries, with the row width as k. */
static napi_value batch_result(napi_env env, napi_value ids_ab, napi_value dists_ab, int64_t nq,
                               int64_t k) {
    napi_value obj = search_result(env, ids_ab, dists_ab, (size_t)(nq * k));
    if (obj == NULL) return NULL;
    napi_value kv;
    NAPI_CALL(env, napi_create_int64(env, k, &kv));
    NAPI_CALL(env, napi_set_named_property(env, obj, "k", kv));
    return obj;
}

/* copy_ids returns a new BigInt64Array holding n labels. */
static napi_value copy_ids(napi_env env, const int64_t* src, size_t n) {
    napi_value ab, arr;
    void* data;
    if (!new_buffer(env, n * sizeof(int64_t), &ab, &data)) return NULL;
    if (n > 0) memcpy(data, src, n * sizeof(int64_t));
    NAPI_CALL(env, napi_create_typedarray(env, napi_bigint64_array, n, ab, 0, &arr));
    return arr;
}

/* dataset_result turns a search result dataset into {ids, distances} and destroys it. */
static napi_value dataset_result(napi_env env, vsag_dataset_t ds) {
    int64_t n = 0;
    const int64_t* ids = NULL;
    const float* dists = NULL;
    int st = vsag_dataset_get_dim(ds, &n);
    if (st == 0) st = vsag_dataset_get_ids(ds, &ids);
    if (st == 0) st = vsag_dataset_get_distances(ds, &dists);
    if (st != 0) {
        throw_status(env, st);
        vsag_dataset_destroy(ds);
        return NULL;
    }
    if (n < 0 || (n > 0 && (ids == NULL || dists == NULL))) n = 0;
    napi_value ids_ab, dists_ab, out = NULL;
    void *pi, *pd;
    if (new_buffer(env, (size_t)n * sizeof(int64_t), &ids_ab, &pi) &&
        new_buffer(env, (size_t)n * sizeof(float), &dists_ab, &pd)) {
        if (n > 0) {
            memcpy(pi, ids, (size_t)n * sizeof(int64_t));
            memcpy(pd, dists, (size_t)n * sizeof(float));
        }
        out = search_result(env, ids_ab, dists_ab, (size_t)n);
    }
    vsag_dataset_destroy(ds);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* NativeIndex: construction, lifetime                                                         */
/* ------------------------------------------------------------------------------------------ */

/* live_handles counts the handles NativeIndex objects hold (tests watch the finalizer). It is
 * only touched on JavaScript threads; a process may run several (workers), hence atomics. */
static int64_t live_handles;

static void release_handle(vsag_index_t h) {
    if (h == NULL) return;
    vsag_index_close(h);
    __atomic_sub_fetch(&live_handles, 1, __ATOMIC_RELAXED);
}

static void progress_release(native_index* ni);

static void index_finalize(napi_env env, void* data, void* hint) {
    native_index* ni = data;
    (void)env;
    (void)hint;
    if (ni->progress != NULL && ni->handle != NULL) vsag_index_set_progress(ni->handle, NULL, NULL);
    release_handle(ni->handle);
    release_handle(ni->closing);
    progress_release(ni);
    free(ni);
}

/* adopt fills ni from a fresh handle (dtype and dim cached for argument checks). */
static int adopt(native_index* ni, vsag_index_t h) {
    ni->handle = h;
    int64_t dim = 0;
    int st = vsag_index_get_dim(h, &dim);
    if (st == 0) st = vsag_index_get_dtype(h, &ni->dtype);
    ni->dim = dim > 0 ? (uint64_t)dim : 0;
    return st;
}

/*
 * NativeIndex(name, parameters) creates an index. When a handle is waiting in
 * addon_state.adopting (loadFile), the new object takes it over instead and the arguments
 * are ignored; JavaScript cannot set that slot.
 */
static napi_value index_new(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2], self;
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
    napi_value new_target = NULL;
    if (napi_get_new_target(env, info, &new_target) != napi_ok || new_target == NULL) {
        throw_error(env, CODE_INVALID_ARGUMENT, "NativeIndex must be called with new");
        return NULL;
    }
    native_index* ni = calloc(1, sizeof *ni);
    if (ni == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    addon_state* state = get_state(env);
    vsag_index_t h = NULL;
    if (state->adopting != NULL) {
        h = state->adopting;
        state->adopting = NULL;
    } else {
        str_arg name, params;
        if (!get_string(env, argc >= 1 ? argv[0] : NULL, "name", false, &name)) {
            free(ni);
            return NULL;
        }
        if (!get_string(env, argc >= 2 ? argv[1] : NULL, "parameters", false, &params)) {
            str_free(&name);
            free(ni);
            return NULL;
        }
        int st = vsag_index_make(name.s, params.s, &h);
        str_free(&name);
        str_free(&params);
        if (st != 0) {
            throw_status(env, st);
            free(ni);
            return NULL;
        }
    }
    int st = adopt(ni, h);
    if (st != 0) {
        throw_status(env, st);
        vsag_index_close(h);
        free(ni);
        return NULL;
    }
    if (napi_wrap(env, self, ni, index_finalize, NULL, NULL) != napi_ok) {
        vsag_index_close(h);
        free(ni);
        throw_error(env, CODE_INVALID_ARGUMENT, "cannot wrap the index object");
        return NULL;
    }
    __atomic_add_fetch(&live_handles, 1, __ATOMIC_RELAXED);
    return self;
}

/* this_index unwraps the receiver and fails when it is closed. */
static native_index* this_index(napi_env env, napi_callback_info info, size_t* argc,
                                napi_value* argv, napi_value* self) {
    napi_value this_arg;
    size_t want = argc ? *argc : 0;
    if (napi_get_cb_info(env, info, argc, argv, &this_arg, NULL) != napi_ok) {
        throw_error(env, CODE_INVALID_ARGUMENT, "bad call");
        return NULL;
    }
    /* Missing trailing arguments read as undefined (napi fills them) but argc reports the real
     * count; keep the array fully initialised either way. */
    if (argc && *argc > want) *argc = want;
    native_index* ni = NULL;
    if (napi_unwrap(env, this_arg, (void**)&ni) != napi_ok || ni == NULL) {
        throw_error(env, CODE_INVALID_ARGUMENT, "receiver is not a vsag index");
        return NULL;
    }
    if (ni->handle == NULL) {
        throw_error(env, CODE_WRONG_STATUS, "the index is closed");
        return NULL;
    }
    if (self) *self = this_arg;
    return ni;
}

/* wrap_handle makes a NativeIndex owning h; on failure h is closed and NULL returned. */
static napi_value wrap_handle(napi_env env, vsag_index_t h) {
    addon_state* st = get_state(env);
    napi_value ctor, obj;
    if (napi_get_reference_value(env, st->index_ctor, &ctor) != napi_ok) {
        vsag_index_close(h);
        return NULL;
    }
    st->adopting = h;
    napi_status s = napi_new_instance(env, ctor, 0, NULL, &obj);
    if (st->adopting != NULL) { /* the constructor never ran */
        st->adopting = NULL;
        vsag_index_close(h);
        return NULL;
    }
    return s == napi_ok ? obj : NULL; /* on failure the constructor closed h */
}

static napi_value undefined(napi_env env) {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
}

static napi_value index_close(napi_env env, napi_callback_info info) {
    napi_value self;
    NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
    native_index* ni = NULL;
    if (napi_unwrap(env, self, (void**)&ni) != napi_ok || ni == NULL) {
        throw_error(env, CODE_INVALID_ARGUMENT, "receiver is not a vsag index");
        return NULL;
    }
    if (ni->handle == NULL) return undefined(env); /* closing twice is a no-op */
    vsag_index_t h = ni->handle;
    ni->handle = NULL;
    if (ni->pending > 0) {
        ni->close_requested = true;
        ni->closing = h;
        return undefined(env);
    }
    int st = vsag_index_close(h);
    __atomic_sub_fetch(&live_handles, 1, __ATOMIC_RELAXED);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

static napi_value index_is_closed(napi_env env, napi_callback_info info) {
    napi_value self, out;
    NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
    native_index* ni = NULL;
    if (napi_unwrap(env, self, (void**)&ni) != napi_ok || ni == NULL) {
        throw_error(env, CODE_INVALID_ARGUMENT, "receiver is not a vsag index");
        return NULL;
    }
    napi_get_boolean(env, ni->handle == NULL, &out);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Synchronous methods                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* insert_args are the checked arguments of build/add. */
typedef struct insert_args {
    typed_arg vectors, ids;
    vsag_dtype_t dtype;
    int64_t n, dim;
} insert_args;

static bool get_insert_args(napi_env env, native_index* ni, napi_value* argv, insert_args* a) {
    if (!get_vectors(env, ni, argv[0], "vectors", &a->vectors, &a->dtype)) return false;
    if (!get_ids(env, argv[1], "ids", &a->ids)) return false;
    if (!get_count(env, argv[2], "numElements", 9007199254740991.0, &a->n)) return false;
    if (!get_count(env, argv[3], "dim", 1e9, &a->dim)) return false;
    if ((double)a->n * (double)a->dim > (double)a->vectors.length) {
        char buf[256];
        snprintf(buf, sizeof buf, "vectors holds %zu values, numElements*dim needs %.0f",
                 a->vectors.length, (double)a->n * (double)a->dim);
        throw_error(env, CODE_INVALID_ARGUMENT, buf);
        return false;
    }
    if ((size_t)a->n > a->ids.length) {
        char buf[256];
        snprintf(buf, sizeof buf, "ids holds %zu labels, numElements is %lld", a->ids.length,
                 (long long)a->n);
        throw_error(env, CODE_INVALID_ARGUMENT, buf);
        return false;
    }
    return true;
}

typedef int (*insert_fn)(vsag_index_t, const void*, vsag_dtype_t, const int64_t*, uint64_t,
                         uint64_t, int64_t*, uint64_t*);
typedef int (*insert_attrs_fn)(vsag_index_t, const void*, vsag_dtype_t, const int64_t*, uint64_t,
                               uint64_t, const char*, int64_t*, uint64_t*);

/* build/add(vectors, ids, numElements, dim[, attributesJson]) */
static napi_value insert_sync(napi_env env, napi_callback_info info, insert_fn fn,
                              insert_attrs_fn afn) {
    size_t argc = 5;
    napi_value argv[5];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    insert_args a;
    if (!get_insert_args(env, ni, argv, &a)) return NULL;
    str_arg attrs;
    if (!get_string(env, argv[4], "attributes", true, &attrs)) return NULL;
    int64_t* failed = malloc(((size_t)a.n + 1) * sizeof(int64_t));
    if (failed == NULL) {
        str_free(&attrs);
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    uint64_t nfailed = 0;
    int st = attrs.s == NULL
                 ? fn(ni->handle, a.vectors.data, a.dtype, a.ids.data, (uint64_t)a.n,
                      (uint64_t)a.dim, failed, &nfailed)
                 : afn(ni->handle, a.vectors.data, a.dtype, a.ids.data, (uint64_t)a.n,
                       (uint64_t)a.dim, attrs.s, failed, &nfailed);
    str_free(&attrs);
    napi_value out = NULL;
    if (st != 0)
        throw_status(env, st);
    else
        out = copy_ids(env, failed, (size_t)nfailed);
    free(failed);
    return out;
}

/* train_args are the checked arguments of train/trainAsync(vectors, numElements, dim). */
typedef struct train_args {
    typed_arg vectors;
    vsag_dtype_t dtype;
    int64_t n, dim;
} train_args;

static bool get_train_args(napi_env env, native_index* ni, napi_value* argv, train_args* a) {
    if (!get_vectors(env, ni, argv[0], "vectors", &a->vectors, &a->dtype)) return false;
    if (!get_count(env, argv[1], "numElements", 9007199254740991.0, &a->n)) return false;
    if (!get_count(env, argv[2], "dim", 1e9, &a->dim)) return false;
    if ((double)a->n * (double)a->dim > (double)a->vectors.length) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "vectors holds %zu values, numElements*dim needs %.0f",
                     a->vectors.length, (double)a->n * (double)a->dim);
        return false;
    }
    return true;
}

/* train(vectors, numElements, dim) learns the index's trained state without adding vectors. */
static napi_value index_train(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    train_args a;
    if (!get_train_args(env, ni, argv, &a)) return NULL;
    int st = vsag_index_train_vectors(ni->handle, a.vectors.data, a.dtype, (uint64_t)a.n,
                                      (uint64_t)a.dim);
    if (st != 0) throw_status(env, st);
    return NULL;
}

static napi_value index_build(napi_env env, napi_callback_info info) {
    return insert_sync(env, info, vsag_index_build_vectors,
                       vsag_index_build_vectors_with_attributes);
}

static napi_value index_add(napi_env env, napi_callback_info info) {
    return insert_sync(env, info, vsag_index_add_vectors, vsag_index_add_vectors_with_attributes);
}

/* index_remove is remove(ids[, mode]): mode VSAG_REMOVE_MARK (absent) or VSAG_REMOVE_FORCE. */
static napi_value index_remove(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg ids;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    double mode = VSAG_REMOVE_MARK;
    if (argc > 1 && !is_nullish(env, argv[1]) && !get_number(env, argv[1], "mode", &mode)) return NULL;
    uint64_t removed = 0;
    int st;
    if (mode == VSAG_REMOVE_MARK) {
        st = ids.length == 0 ? 0 : vsag_index_remove_many(ni->handle, ids.data, ids.length, &removed);
    } else {
        /* any other number reaches the library, which refuses modes it does not know */
        int m = mode >= 0 && mode <= 1 && mode == (int)mode ? (int)mode : -1;
        st = vsag_index_remove_with_mode(ni->handle, ids.data, ids.length, m, &removed);
    }
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    NAPI_CALL(env, napi_create_double(env, (double)removed, &out));
    return out;
}

/* search_args are the checked arguments of the knn searches. */
typedef struct search_args {
    typed_arg queries;
    vsag_dtype_t dtype;
    int64_t nq, k;
    str_arg params;
    filter_arg filter;
} search_args;

/*
 * get_search_args reads (queries, [nq,] k, parameters, filter). batch says whether nq is
 * given; otherwise the queries array is one vector and its length is the dimension.
 */
static bool get_search_args(napi_env env, native_index* ni, napi_value* argv, bool batch,
                            search_args* a) {
    a->params.s = NULL;
    if (!get_vectors(env, ni, argv[0], batch ? "queries" : "vector", &a->queries, &a->dtype))
        return false;
    int i = 1;
    if (batch) {
        if (!get_count(env, argv[i++], "nq", 9007199254740991.0, &a->nq)) return false;
        if ((double)a->nq * (double)ni->dim != (double)a->queries.length) {
            char buf[256];
            bool divisible = a->nq > 0 && a->queries.length % (size_t)a->nq == 0;
            snprintf(buf, sizeof buf,
                     "queries holds %zu values, nq*dim needs %.0f (index dim %llu)",
                     a->queries.length, (double)a->nq * (double)ni->dim,
                     (unsigned long long)ni->dim);
            throw_error(env, divisible ? CODE_DIMENSION_NOT_EQUAL : CODE_INVALID_ARGUMENT, buf);
            return false;
        }
    } else {
        a->nq = 1;
        if (a->queries.length != ni->dim) {
            char buf[160];
            snprintf(buf, sizeof buf, "knn search: vector holds %zu values, the index dim is %llu",
                     a->queries.length, (unsigned long long)ni->dim);
            throw_error(env, CODE_DIMENSION_NOT_EQUAL, buf);
            return false;
        }
    }
    if (!get_k(env, argv[i++], &a->k)) return false;
    if (!get_string(env, argv[i++], "parameters", true, &a->params)) return false;
    if (!get_filter(env, argv[i], &a->filter)) {
        str_free(&a->params);
        return false;
    }
    return true;
}

/*
 * PAD_LIMIT: a batch result has k entries per query (padded with -1 / Infinity) for k up to
 * this; a larger k is first capped at the index's live count (not below PAD_LIMIT), so no
 * buffer is ever sized by a hostile k. The row width is returned as the result's k.
 */
#define PAD_LIMIT 1024

/* result_width returns the row width of a batch result for k (see PAD_LIMIT). */
static bool result_width(napi_env env, native_index* ni, int64_t k, int64_t* width) {
    if (k <= PAD_LIMIT) {
        *width = k;
        return true;
    }
    int64_t live = 0;
    int st = vsag_index_get_num_elements(ni->handle, &live);
    if (st != 0) {
        throw_status(env, st);
        return false;
    }
    if (live < PAD_LIMIT) live = PAD_LIMIT;
    *width = k < live ? k : live;
    return true;
}

/* alloc_results creates the id and distance ArrayBuffers of nq*k entries. */
static bool alloc_results(napi_env env, int64_t nq, int64_t k, napi_value* ids_ab, void** ids,
                          napi_value* dists_ab, void** dists) {
    double entries = (double)nq * (double)k;
    if (entries > 1e10) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "nq*k = %.0f results is too many", entries);
        return false;
    }
    return new_buffer(env, (size_t)entries * sizeof(int64_t), ids_ab, ids) &&
           new_buffer(env, (size_t)entries * sizeof(float), dists_ab, dists);
}

/* KNN_ONE_MAX_K: knnSearch with k up to this runs through knn_search_one. */
#define KNN_ONE_MAX_K 256

/*
 * knn_search_one is knnSearch for k <= KNN_ONE_MAX_K: one crossing into the library
 * (vsag_index_knn_search_batch with nq = 1 runs on the calling thread) writing into buffers on
 * the stack, then one ArrayBuffer per array sized to the real results (the padding, ids < 0, is
 * dropped as by trim() in index.ts), instead of a result dataset read back and released through
 * four more calls. Frees a->params.
 */
static napi_value knn_search_one(napi_env env, native_index* ni, search_args* a) {
    int64_t ids[KNN_ONE_MAX_K];
    float dists[KNN_ONE_MAX_K];
    int st = vsag_index_knn_search_batch(ni->handle, a->queries.data, a->dtype, 1,
                                         a->queries.length, a->k, a->params.s,
                                         a->filter.present ? &a->filter.f : NULL, ids, dists);
    str_free(&a->params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    size_t n = (size_t)a->k;
    while (n > 0 && ids[n - 1] < 0) n--;
    napi_value ids_ab, dists_ab;
    void *pi, *pd;
    if (!new_buffer(env, n * sizeof(int64_t), &ids_ab, &pi) ||
        !new_buffer(env, n * sizeof(float), &dists_ab, &pd))
        return NULL;
    if (n > 0) {
        memcpy(pi, ids, n * sizeof(int64_t));
        memcpy(pd, dists, n * sizeof(float));
    }
    return search_result(env, ids_ab, dists_ab, n);
}

/*
 * knnSearchInto(vector, k, parameters, filter, ids, dists) is knnSearch writing into the
 * caller's BigInt64Array ids and Float32Array dists (at least k entries each, k at most
 * KNN_ONE_MAX_K): one crossing into the library and no allocation. It returns the number of
 * real results; the rest of the first k entries is padding (id -1, distance Infinity). The
 * TypeScript layer keeps one pair of such arrays and copies the results out of them, which
 * costs less than creating ArrayBuffers here.
 */
static napi_value index_knn_search_into(napi_env env, napi_callback_info info) {
    size_t argc = 6;
    napi_value argv[6];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    search_args a;
    if (!get_search_args(env, ni, argv, false, &a)) return NULL;
    typed_arg ids, dists;
    if (!get_typed(env, argv[4], &ids) || ids.type != napi_bigint64_array ||
        !get_typed(env, argv[5], &dists) || dists.type != napi_float32_array ||
        a.k > KNN_ONE_MAX_K || ids.length < (size_t)a.k || dists.length < (size_t)a.k) {
        str_free(&a.params);
        throw_error(env, CODE_INVALID_ARGUMENT,
                    "knnSearchInto: ids and dists must be a BigInt64Array and a Float32Array "
                    "of at least k entries, k at most 256");
        return NULL;
    }
    int st = vsag_index_knn_search_batch(ni->handle, a.queries.data, a.dtype, 1,
                                         a.queries.length, a.k, a.params.s,
                                         a.filter.present ? &a.filter.f : NULL, ids.data,
                                         dists.data);
    str_free(&a.params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    const int64_t* got = ids.data;
    int64_t n = a.k;
    while (n > 0 && got[n - 1] < 0) n--;
    napi_value out;
    NAPI_CALL(env, napi_create_int64(env, n, &out));
    return out;
}

/*
 * knnSearch(vector, k, parameters, filter) uses the single-query entry point: the batch one
 * fans out to goroutines, and waking the calling (non-Go) thread afterwards costs tens of
 * microseconds, which matters for one query and not for a thousand.
 */
static napi_value index_knn_search(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    search_args a;
    if (!get_search_args(env, ni, argv, false, &a)) return NULL;
    if (a.k <= KNN_ONE_MAX_K) return knn_search_one(env, ni, &a);
    vsag_dataset_t ds = NULL;
    int st = vsag_index_knn_search_vector(ni->handle, a.queries.data, a.dtype, a.queries.length,
                                          a.k, a.params.s, a.filter.present ? &a.filter.f : NULL,
                                          &ds);
    str_free(&a.params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    return dataset_result(env, ds);
}

/*
 * knnSearchBatch(queries, nq, k, parameters, filter[, filterExpr]) writes straight into the
 * result arrays; filterExpr is an attribute filter expression.
 */
static napi_value index_knn_search_batch(napi_env env, napi_callback_info info) {
    size_t argc = 6;
    napi_value argv[6];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    search_args a;
    if (!get_search_args(env, ni, argv, true, &a)) return NULL;
    str_arg expr;
    if (!get_string(env, argv[5], "filterExpr", true, &expr)) {
        str_free(&a.params);
        return NULL;
    }
    napi_value ids_ab, dists_ab, out = NULL;
    void *ids, *dists;
    if (result_width(env, ni, a.k, &a.k) &&
        alloc_results(env, a.nq, a.k, &ids_ab, &ids, &dists_ab, &dists)) {
        const vsag_filter_t* f = a.filter.present ? &a.filter.f : NULL;
        int st = a.nq == 0 ? 0
                 : expr.s == NULL
                     ? vsag_index_knn_search_batch(ni->handle, a.queries.data, a.dtype,
                                                   (uint64_t)a.nq, ni->dim, a.k, a.params.s, f,
                                                   ids, dists)
                     : vsag_index_knn_search_batch_with_filter_string(
                           ni->handle, a.queries.data, a.dtype, (uint64_t)a.nq, ni->dim, a.k,
                           a.params.s, expr.s, f, ids, dists);
        if (st != 0)
            throw_status(env, st);
        else
            out = batch_result(env, ids_ab, dists_ab, a.nq, a.k);
    }
    str_free(&a.params);
    str_free(&expr);
    return out;
}

/* rangeSearch(vector, radius, parameters, limitedSize, filter) */
static napi_value index_range_search(napi_env env, napi_callback_info info) {
    size_t argc = 5;
    napi_value argv[5];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg q;
    vsag_dtype_t dtype;
    double radius, limited = -1;
    str_arg params;
    filter_arg filter;
    if (!get_vectors(env, ni, argv[0], "vector", &q, &dtype)) return NULL;
    if (!get_number(env, argv[1], "threshold", &radius)) return NULL;
    if (!is_nullish(env, argv[3])) {
        if (!get_number(env, argv[3], "limitedSize", &limited)) return NULL;
        if (limited != floor(limited) || limited < -1 || limited > 9.2e18) {
            throw_error(env, CODE_INVALID_ARGUMENT, "limitedSize must be -1 or a positive integer");
            return NULL;
        }
    }
    if (!get_string(env, argv[2], "parameters", true, &params)) return NULL;
    if (!get_filter(env, argv[4], &filter)) {
        str_free(&params);
        return NULL;
    }
    vsag_dataset_t ds = NULL;
    int st = vsag_index_range_search_vector(ni->handle, q.data, dtype, q.length, (float)radius,
                                            params.s, filter.present ? &filter.f : NULL,
                                            (int64_t)limited, &ds);
    str_free(&params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    return dataset_result(env, ds);
}

static napi_value index_save(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    str_arg path;
    if (!get_string(env, argv[0], "filename", false, &path)) return NULL;
    int st = vsag_index_serialize_file(ni->handle, path.s);
    str_free(&path);
    if (st != 0) throw_status(env, st);
    return NULL;
}

static napi_value index_load(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    str_arg path;
    if (!get_string(env, argv[0], "filename", false, &path)) return NULL;
    int st = vsag_index_deserialize_file(ni->handle, path.s);
    str_free(&path);
    if (st != 0) throw_status(env, st);
    return NULL;
}

static void free_serialized(napi_env env, void* data, void* hint) {
    (void)env;
    (void)hint;
    vsag_free(data);
}

/* serialize() returns the index as a Buffer over the library's memory (no copy when the
 * runtime allows external buffers), released with vsag_free when the Buffer is collected. */
static napi_value index_serialize(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    void* data = NULL;
    uint64_t size = 0;
    int st = vsag_index_serialize_buffer(ni->handle, &data, &size);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    if (napi_create_external_buffer(env, (size_t)size, data, free_serialized, NULL, &out) ==
        napi_ok)
        return out;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
    }
    void* copy;
    napi_status s = napi_create_buffer_copy(env, (size_t)size, data, &copy, &out);
    vsag_free(data);
    if (s != napi_ok) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "cannot allocate the serialized index");
        return NULL;
    }
    return out;
}

/* get_bytes reads a Buffer / Uint8Array argument. */
static bool get_bytes(napi_env env, napi_value v, const char* what, typed_arg* out) {
    if (!get_typed(env, v, out) || out->type != napi_uint8_array) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%s must be a Buffer or Uint8Array", what);
        return false;
    }
    return true;
}

/* deserialize(buffer) loads a serialized index into this empty index. */
static napi_value index_deserialize(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg b;
    if (!get_bytes(env, argv[0], "buffer", &b)) return NULL;
    int st = vsag_index_deserialize_buffer(ni->handle, b.data, b.length);
    if (st != 0) throw_status(env, st);
    return NULL;
}

static napi_value index_get_num_elements(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    int64_t n = 0;
    int st = vsag_index_get_num_elements(ni->handle, &n);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_create_int64(env, n, &out);
    return out;
}

static napi_value index_get_num_removed(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    int64_t n = 0;
    int st = vsag_index_get_num_removed(ni->handle, &n);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_create_int64(env, n, &out);
    return out;
}

static napi_value index_get_memory_usage(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    uint64_t n = 0;
    int st = vsag_index_get_memory_usage(ni->handle, &n);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_create_double(env, (double)n, &out);
    return out;
}

static napi_value index_estimate_memory(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    int64_t n;
    if (!get_count(env, argv[0], "numElements", 9007199254740991.0, &n)) return NULL;
    uint64_t bytes = 0;
    int st = vsag_index_estimate_memory(ni->handle, (uint64_t)n, &bytes);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_create_double(env, (double)bytes, &out);
    return out;
}

static napi_value index_check_id_exist(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    int64_t id;
    if (!get_label(env, argv[0], "id", &id)) return NULL;
    bool exists = false;
    int st = vsag_index_check_id_exist(ni->handle, id, &exists);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_get_boolean(env, exists, &out);
    return out;
}

/* checkIdsExist(ids) returns a Uint8Array with 1 where ids[i] is live. */
static napi_value index_check_ids_exist(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg ids;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    napi_value ab, out;
    void* data;
    if (!new_buffer(env, ids.length * sizeof(bool), &ab, &data)) return NULL;
    int st = vsag_index_check_ids_exist(ni->handle, ids.data, ids.length, data);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    NAPI_CALL(env, napi_create_typedarray(env, napi_uint8_array, ids.length, ab, 0, &out));
    return out;
}

/*
 * getMinMaxId() returns {minId, maxId} as Numbers, {-1, -1} for an empty index (as the
 * upstream package does).
 */
static napi_value index_get_min_max_id(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    int64_t lo = -1, hi = -1;
    int st = vsag_index_get_min_max_id(ni->handle, &lo, &hi);
    if (st == VSAG_INDEX_EMPTY) {
        lo = hi = -1;
    } else if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out, a, b;
    NAPI_CALL(env, napi_create_object(env, &out));
    napi_create_int64(env, lo, &a);
    napi_create_int64(env, hi, &b);
    napi_set_named_property(env, out, "minId", a);
    napi_set_named_property(env, out, "maxId", b);
    return out;
}

/* float32_result returns the n floats the library wrote into ab as a Float32Array, or throws
 * the status st of the call. */
static napi_value float32_result(napi_env env, int st, napi_value ab, size_t n) {
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    NAPI_CALL(env, napi_create_typedarray(env, napi_float32_array, n, ab, 0, &out));
    return out;
}

static napi_value calc_distances_rows(napi_env env, native_index* ni, napi_value* argv);
static bool is_sparse_rows(napi_env env, napi_value v);
static bool is_multi_rows(napi_env env, napi_value v);

static napi_value index_calc_distances_by_id(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    if (is_sparse_rows(env, argv[0]) || is_multi_rows(env, argv[0]))
        return calc_distances_rows(env, ni, argv);
    typed_arg q, ids;
    vsag_dtype_t dtype;
    if (!get_vectors(env, ni, argv[0], "query", &q, &dtype)) return NULL;
    if (!get_ids(env, argv[1], "ids", &ids)) return NULL;
    napi_value ab;
    void* data;
    if (!new_buffer(env, ids.length * sizeof(float), &ab, &data)) return NULL;
    int st = vsag_index_calc_distance_by_ids(ni->handle, q.data, dtype, q.length, ids.data,
                                             ids.length, data);
    return float32_result(env, st, ab, ids.length);
}

/*
 * calcDistancesByIdBatch(queries, nq, ids) computes, in one library call, the distance from
 * each of nq queries (row-major, nq*dim values) to ids.length/nq labels of its own: query i's
 * labels are ids[i*m .. i*m+m-1] and its distances the same entries of the Float32Array
 * returned (-1 for a missing label).
 */
static napi_value index_calc_distances_by_id_batch(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg q, ids;
    vsag_dtype_t dtype;
    int64_t nq;
    if (!get_vectors(env, ni, argv[0], "queries", &q, &dtype)) return NULL;
    if (!get_count(env, argv[1], "nq", 9007199254740991.0, &nq)) return NULL;
    if (!get_ids(env, argv[2], "ids", &ids)) return NULL;
    if ((double)nq * (double)ni->dim != (double)q.length) {
        bool divisible = nq > 0 && q.length % (size_t)nq == 0;
        throw_errorf(env, divisible ? CODE_DIMENSION_NOT_EQUAL : CODE_INVALID_ARGUMENT,
                     "queries holds %zu values, nq*dim needs %.0f (index dim %llu)", q.length,
                     (double)nq * (double)ni->dim, (unsigned long long)ni->dim);
        return NULL;
    }
    if ((nq == 0 && ids.length != 0) || (nq > 0 && ids.length % (size_t)nq != 0)) {
        throw_errorf(env, CODE_INVALID_ARGUMENT,
                     "ids holds %zu labels, not the same number for each of %lld queries",
                     ids.length, (long long)nq);
        return NULL;
    }
    uint64_t per = nq > 0 ? (uint64_t)(ids.length / (size_t)nq) : 0;
    napi_value ab;
    void* data;
    if (!new_buffer(env, ids.length * sizeof(float), &ab, &data)) return NULL;
    int st = vsag_index_batch_calc_distance_by_ids(ni->handle, q.data, dtype, (uint64_t)nq, ni->dim,
                                                   ids.data, per, data);
    return float32_result(env, st, ab, ids.length);
}

static napi_value index_check_feature(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    int64_t f;
    if (!get_count(env, argv[0], "feature", 1e6, &f)) return NULL;
    bool yes = false;
    int st = vsag_index_check_feature(ni->handle, (int)f, &yes);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_get_boolean(env, yes, &out);
    return out;
}

static napi_value index_export_ids(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    uint64_t cap = 0, count = 0;
    int64_t* buf = NULL;
    for (;;) {
        int st = vsag_index_export_ids(ni->handle, buf, cap, &count);
        if (st != 0) {
            free(buf);
            throw_status(env, st);
            return NULL;
        }
        if (count <= cap) break;
        free(buf);
        cap = count + count / 8 + 16; /* room for concurrent adds */
        buf = malloc(cap * sizeof(int64_t));
        if (buf == NULL) {
            throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
            return NULL;
        }
    }
    napi_value out = copy_ids(env, buf, (size_t)count);
    free(buf);
    return out;
}

typedef int (*string_getter)(vsag_index_t, char*, uint64_t, uint64_t*);

static napi_value get_index_string(napi_env env, napi_callback_info info, string_getter fn) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    char small[256];
    uint64_t len = 0;
    int st = fn(ni->handle, small, sizeof small, &len);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    if (len < sizeof small) {
        napi_create_string_utf8(env, small, (size_t)len, &out);
        return out;
    }
    char* big = malloc(len + 1);
    if (big == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    st = fn(ni->handle, big, len + 1, &len);
    if (st != 0) {
        free(big);
        throw_status(env, st);
        return NULL;
    }
    napi_create_string_utf8(env, big, strnlen(big, (size_t)len), &out);
    free(big);
    return out;
}

static napi_value index_get_name(napi_env env, napi_callback_info info) {
    return get_index_string(env, info, vsag_index_get_name);
}

static napi_value index_get_parameters(napi_env env, napi_callback_info info) {
    return get_index_string(env, info, vsag_index_get_parameters);
}

static napi_value index_get_dim(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    napi_value out;
    napi_create_double(env, (double)ni->dim, &out);
    return out;
}

static napi_value index_set_immutable(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    int st = vsag_index_set_immutable(ni->handle);
    if (st != 0) throw_status(env, st);
    return NULL;
}

/* reset() empties the index back to its freshly created state. */
static napi_value index_reset(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    int st = vsag_index_reset(ni->handle);
    if (st != 0) throw_status(env, st);
    return NULL;
}

/*
 * updateExtraInfo(ids, infos, extraInfoSize) replaces the extra info of live labels: infos is a
 * Uint8Array of ids.length*extraInfoSize bytes. With extraInfoSize 0 the library refuses it
 * (UNSUPPORTED_INDEX_OPERATION, or WRONG_STATUS for an immutable index).
 */
static napi_value index_update_extra_info(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg ids, infos;
    int64_t size;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    if (!get_typed(env, argv[1], &infos) || infos.type != napi_uint8_array) {
        throw_error(env, CODE_INVALID_ARGUMENT, "infos must be a Uint8Array");
        return NULL;
    }
    if (!get_count(env, argv[2], "extraInfoSize", 1e9, &size)) return NULL;
    if (size > 0 && (double)infos.length != (double)ids.length * (double)size) {
        throw_errorf(env, CODE_INVALID_ARGUMENT,
                     "infos holds %zu bytes, ids.length*extra_info_size needs %.0f", infos.length,
                     (double)ids.length * (double)size);
        return NULL;
    }
    int st = vsag_index_update_extra_info(ni->handle, ids.data, ids.length,
                                          size > 0 ? (const char*)infos.data : NULL);
    if (st != 0) throw_status(env, st);
    return NULL;
}

/*
 * insertExtra(add, vectors, ids, numElements, dim, extraInfos, extraInfoSize[, attributesJson])
 * builds (add false) or adds through a dataset that also carries extra infos (Uint8Array of
 * numElements*extraInfoSize bytes) and attributes.
 */
static napi_value index_insert_extra(napi_env env, napi_callback_info info) {
    size_t argc = 8;
    napi_value argv[8];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    bool add = false;
    if (napi_get_value_bool(env, argv[0], &add) != napi_ok) {
        throw_error(env, CODE_INVALID_ARGUMENT, "add must be a boolean");
        return NULL;
    }
    insert_args a;
    if (!get_insert_args(env, ni, argv + 1, &a)) return NULL;
    typed_arg extra;
    int64_t esize;
    if (!get_typed(env, argv[5], &extra) || extra.type != napi_uint8_array) {
        throw_error(env, CODE_INVALID_ARGUMENT, "extraInfos must be a Uint8Array");
        return NULL;
    }
    if (!get_count(env, argv[6], "extraInfoSize", 1e9, &esize)) return NULL;
    if ((double)extra.length != (double)a.n * (double)esize) {
        throw_errorf(env, CODE_INVALID_ARGUMENT,
                     "extraInfos holds %zu bytes, numElements*extra_info_size needs %.0f",
                     extra.length, (double)a.n * (double)esize);
        return NULL;
    }
    str_arg attrs;
    if (!get_string(env, argv[7], "attributes", true, &attrs)) return NULL;
    int64_t* failed = malloc(((size_t)a.n + 1) * sizeof(int64_t));
    vsag_dataset_t ds = NULL;
    int st = failed == NULL ? -CODE_NO_ENOUGH_MEMORY : vsag_dataset_make(&ds);
    if (st == 0) st = vsag_dataset_set_num_elements(ds, a.n);
    if (st == 0) st = vsag_dataset_set_dim(ds, a.dim);
    if (st == 0) st = vsag_dataset_set_ids(ds, a.ids.data);
    if (st == 0) {
        switch (a.dtype) {
            case VSAG_DTYPE_FLOAT16: st = vsag_dataset_set_float16_vectors(ds, a.vectors.data); break;
            case VSAG_DTYPE_BFLOAT16: st = vsag_dataset_set_bfloat16_vectors(ds, a.vectors.data); break;
            case VSAG_DTYPE_INT8: st = vsag_dataset_set_int8_vectors(ds, a.vectors.data); break;
            default: st = vsag_dataset_set_float32_vectors(ds, a.vectors.data); break;
        }
    }
    if (st == 0) st = vsag_dataset_set_extra_info_size(ds, esize);
    if (st == 0) st = vsag_dataset_set_extra_infos(ds, (const char*)extra.data);
    if (st == 0 && attrs.s != NULL) st = vsag_dataset_set_attributes(ds, attrs.s);
    uint64_t nfailed = 0;
    if (st == 0)
        st = add ? vsag_index_add_dataset(ni->handle, ds, failed, &nfailed)
                 : vsag_index_build_dataset(ni->handle, ds, failed, &nfailed);
    napi_value out = NULL;
    if (st == -CODE_NO_ENOUGH_MEMORY && failed == NULL)
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
    else if (st != 0)
        throw_status(env, st);
    else
        out = copy_ids(env, failed, (size_t)nfailed);
    vsag_dataset_destroy(ds);
    free(failed);
    str_free(&attrs);
    return out;
}

/* getExtraInfoByIds(ids, extraInfoSize) returns a Uint8Array of ids.length*extraInfoSize. */
static napi_value index_get_extra_info_by_ids(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg ids;
    int64_t size;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    if (!get_count(env, argv[1], "extraInfoSize", 1e9, &size)) return NULL;
    double bytes = (double)ids.length * (double)size;
    if (bytes > 1e12) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%.0f bytes of extra info is too many", bytes);
        return NULL;
    }
    napi_value ab, out;
    void* data;
    if (!new_buffer(env, (size_t)bytes, &ab, &data)) return NULL;
    int st = vsag_index_get_extra_info_by_ids(ni->handle, ids.data, ids.length,
                                              bytes > 0 ? data : NULL);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    NAPI_CALL(env, napi_create_typedarray(env, napi_uint8_array, (size_t)bytes, ab, 0, &out));
    return out;
}

/* getAttributesByIds(ids) returns the attributes as a JSON array string. */
static napi_value index_get_attributes(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg ids;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    char* js = NULL;
    uint64_t len = 0;
    int st = vsag_index_get_attributes(ni->handle, ids.data, ids.length, &js, &len);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out = NULL;
    if (napi_create_string_utf8(env, js, (size_t)len, &out) != napi_ok) out = NULL;
    vsag_free(js);
    if (out == NULL) throw_error(env, 2, "cannot create the attributes string");
    return out;
}

/* get_floats reads a Float32Array argument, or NULL for a nullish optional one. */
static bool get_floats(napi_env env, napi_value v, const char* what, bool optional,
                       typed_arg* out) {
    if (optional && is_nullish(env, v)) {
        out->data = NULL;
        out->length = 0;
        return true;
    }
    if (!get_typed(env, v, out) || out->type != napi_float32_array) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "%s must be a Float32Array", what);
        return false;
    }
    return true;
}

/* setLeanVecMatrices(dataMatrix, queryMatrix | null, mean | null, reducedDim) */
static napi_value index_set_leanvec_matrices(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg dm, qm, mean;
    int64_t rd;
    if (!get_floats(env, argv[0], "dataMatrix", false, &dm)) return NULL;
    if (!get_floats(env, argv[1], "queryMatrix", true, &qm)) return NULL;
    if (!get_floats(env, argv[2], "mean", true, &mean)) return NULL;
    if (!get_count(env, argv[3], "reducedDim", 1e9, &rd)) return NULL;
    double need = (double)rd * (double)ni->dim;
    if ((double)dm.length != need || (qm.data != NULL && (double)qm.length != need)) {
        throw_errorf(env, CODE_INVALID_ARGUMENT,
                     "the matrices must hold reducedDim*dim = %.0f values (dataMatrix has %zu)",
                     need, dm.length);
        return NULL;
    }
    if (mean.data != NULL && mean.length != ni->dim) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "mean must hold dim = %llu values, not %zu",
                     (unsigned long long)ni->dim, mean.length);
        return NULL;
    }
    int st = vsag_index_set_leanvec_matrices(ni->handle, dm.data, qm.data, mean.data,
                                             (uint64_t)rd, ni->dim);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    return undefined(env);
}

/* trainWithQueries(vectors, numElements, queries | null, numQueries, dim) */
static napi_value index_train_with_queries(napi_env env, napi_callback_info info) {
    size_t argc = 5;
    napi_value argv[5];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg v, q = {napi_float32_array, NULL, 0};
    vsag_dtype_t dt, qdt;
    int64_t n, nq, dim;
    if (!get_vectors(env, ni, argv[0], "vectors", &v, &dt)) return NULL;
    if (!get_count(env, argv[1], "numElements", 9007199254740991.0, &n)) return NULL;
    if (!is_nullish(env, argv[2])) {
        if (!get_vectors(env, ni, argv[2], "queries", &q, &qdt)) return NULL;
        if (qdt != dt) {
            throw_error(env, CODE_INVALID_ARGUMENT, "queries must have the type of vectors");
            return NULL;
        }
    }
    if (!get_count(env, argv[3], "numQueries", 9007199254740991.0, &nq)) return NULL;
    if (!get_count(env, argv[4], "dim", 1e9, &dim)) return NULL;
    if ((double)n * (double)dim > (double)v.length || (double)nq * (double)dim > (double)q.length) {
        throw_error(env, CODE_INVALID_ARGUMENT,
                    "vectors or queries hold fewer than count*dim values");
        return NULL;
    }
    int st = vsag_index_train_with_queries(ni->handle, v.data, dt, (uint64_t)n,
                                           nq > 0 ? q.data : NULL, (uint64_t)nq, (uint64_t)dim);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    return undefined(env);
}

/* ------------------------------------------------------------------------------------------ */
/* Sparse, multi-vector and path rows; search requests                                         */
/* ------------------------------------------------------------------------------------------ */

/* rows_arg is a parsed rows argument: dense vectors, sparse CSR rows or multi-vector rows. */
typedef enum rows_kind { ROWS_DENSE, ROWS_SPARSE, ROWS_MULTI } rows_kind;

typedef struct rows_arg {
    rows_kind kind;
    typed_arg vectors;  /* dense and multi-vector rows */
    vsag_dtype_t dtype; /* dense: the vectors' type */
    int64_t* offsets;   /* sparse: nrows+1 offsets */
    bool offsets_owned; /* offsets is a malloc'd copy */
    uint64_t nrows;     /* sparse: offsets - 1; multi-vector: the number of counts */
    const uint32_t* indices;
    const float* values;
    uint64_t nnz;
    int64_t* counts;    /* multi-vector: a malloc'd copy of the counts */
    napi_value keep[3]; /* the TypedArrays the library reads (asynchronous work keeps them) */
    int nkeep;
} rows_arg;

static void rows_free(rows_arg* r) {
    if (r->offsets_owned) free(r->offsets);
    free(r->counts);
    r->offsets = NULL;
    r->counts = NULL;
    r->offsets_owned = false;
}

static bool has_prop(napi_env env, napi_value obj, const char* name) {
    bool has = false;
    return napi_has_named_property(env, obj, name, &has) == napi_ok && has;
}

/*
 * get_int64_list copies integers given as a BigInt64Array, Int32Array, Uint32Array or an Array
 * of exact integers (Numbers or BigInts, checked by get_label) into a new malloc'd array.
 */
static bool get_int64_list(napi_env env, napi_value v, const char* what, int64_t** out,
                           uint64_t* n) {
    typed_arg ta;
    if (get_typed(env, v, &ta)) {
        size_t len = ta.length;
        if (ta.type != napi_bigint64_array && ta.type != napi_int32_array &&
            ta.type != napi_uint32_array) {
            throw_arg_error(env, false,
                            "%s must be a BigInt64Array, Int32Array, Uint32Array or an Array of "
                            "integers, not a %s",
                            what, typed_name(ta.type));
            return false;
        }
        int64_t* p = malloc((len ? len : 1) * sizeof(int64_t));
        if (p == NULL) {
            throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
            return false;
        }
        for (size_t i = 0; i < len; i++) {
            if (ta.type == napi_bigint64_array)
                p[i] = ((const int64_t*)ta.data)[i];
            else if (ta.type == napi_int32_array)
                p[i] = ((const int32_t*)ta.data)[i];
            else
                p[i] = ((const uint32_t*)ta.data)[i];
        }
        *out = p;
        *n = len;
        return true;
    }
    bool is_array = false;
    if (napi_is_array(env, v, &is_array) != napi_ok || !is_array) {
        throw_arg_error(env, false,
                        "%s must be a BigInt64Array, Int32Array, Uint32Array or an Array of "
                        "integers",
                        what);
        return false;
    }
    uint32_t len = 0;
    napi_get_array_length(env, v, &len);
    int64_t* p = malloc(((size_t)len + 1) * sizeof(int64_t));
    if (p == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < len; i++) {
        napi_value e;
        char name[96];
        snprintf(name, sizeof name, "%s[%u]", what, i);
        if (napi_get_element(env, v, i, &e) != napi_ok || !get_label(env, e, name, &p[i])) {
            free(p);
            return false;
        }
    }
    *out = p;
    *n = len;
    return true;
}

/*
 * get_rows reads rows: a vector TypedArray (dense), {indptr, indices, values} (sparse CSR rows:
 * row i's term ids are indices[indptr[i] .. indptr[i+1]-1]) or {vectors, vectorCounts}
 * (multi-vector rows: row i is vectorCounts[i] sub-vectors of dim floats in vectors). On
 * failure it throws and owns nothing.
 */
static bool get_rows(napi_env env, const native_index* ni, napi_value v, const char* what,
                     rows_arg* r) {
    memset(r, 0, sizeof *r);
    typed_arg ta;
    if (get_typed(env, v, &ta)) {
        r->kind = ROWS_DENSE;
        r->keep[r->nkeep++] = v;
        return get_vectors(env, ni, v, what, &r->vectors, &r->dtype);
    }
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    napi_value p;
    if (t == napi_object && has_prop(env, v, "indptr")) {
        r->kind = ROWS_SPARSE;
        napi_get_named_property(env, v, "indptr", &p);
        uint64_t len = 0;
        if (get_typed(env, p, &ta) && ta.type == napi_bigint64_array) {
            r->offsets = ta.data;
            len = ta.length;
            r->keep[r->nkeep++] = p;
        } else {
            if (!get_int64_list(env, p, "indptr", &r->offsets, &len)) return false;
            r->offsets_owned = true;
        }
        if (len == 0) {
            rows_free(r);
            throw_error(env, CODE_INVALID_ARGUMENT, "indptr must hold numRows + 1 offsets");
            return false;
        }
        r->nrows = len - 1;
        napi_get_named_property(env, v, "indices", &p);
        if (!get_typed(env, p, &ta) ||
            (ta.type != napi_uint32_array && ta.type != napi_int32_array)) {
            rows_free(r);
            throw_error(env, CODE_INVALID_ARGUMENT, "indices must be a Uint32Array of term ids");
            return false;
        }
        if (ta.type == napi_int32_array) {
            for (size_t i = 0; i < ta.length; i++) {
                if (((const int32_t*)ta.data)[i] < 0) {
                    rows_free(r);
                    throw_errorf(env, CODE_INVALID_ARGUMENT,
                                 "indices[%zu] is negative: term ids lie in [0, 2^32)", i);
                    return false;
                }
            }
        }
        r->indices = ta.data;
        r->nnz = ta.length;
        r->keep[r->nkeep++] = p;
        napi_get_named_property(env, v, "values", &p);
        if (!get_typed(env, p, &ta) || ta.type != napi_float32_array) {
            rows_free(r);
            throw_error(env, CODE_INVALID_ARGUMENT, "values must be a Float32Array of weights");
            return false;
        }
        if (ta.length != r->nnz) {
            rows_free(r);
            throw_errorf(env, CODE_INVALID_ARGUMENT, "%llu term ids but %zu values",
                         (unsigned long long)r->nnz, ta.length);
            return false;
        }
        r->values = ta.data;
        r->keep[r->nkeep++] = p;
        return true;
    }
    if (t == napi_object && has_prop(env, v, "vectors")) {
        r->kind = ROWS_MULTI;
        r->dtype = VSAG_DTYPE_FLOAT32;
        napi_get_named_property(env, v, "vectors", &p);
        if (!get_typed(env, p, &r->vectors) || r->vectors.type != napi_float32_array) {
            throw_error(env, CODE_INVALID_ARGUMENT,
                        "multi-vector rows: vectors must be a Float32Array");
            return false;
        }
        r->keep[r->nkeep++] = p;
        napi_get_named_property(env, v, "vectorCounts", &p);
        if (is_nullish(env, p)) {
            throw_error(env, CODE_INVALID_ARGUMENT,
                        "multi-vector rows need vectorCounts (sub-vectors per row)");
            return false;
        }
        return get_int64_list(env, p, "vectorCounts", &r->counts, &r->nrows);
    }
    throw_errorf(env, CODE_INVALID_ARGUMENT,
                 "%s must be a Float32Array, Uint16Array or Int8Array of vectors, sparse rows "
                 "{indptr, indices, values} or multi-vector rows {vectors, vectorCounts}",
                 what);
    return false;
}

/* is_sparse_rows tells whether v is an object of sparse rows ({indptr, indices, values}). */
static bool is_sparse_rows(napi_env env, napi_value v) {
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    return t == napi_object && has_prop(env, v, "indptr");
}

/* is_multi_rows tells whether v is an object of multi-vector rows ({vectors, vectorCounts}). */
static bool is_multi_rows(napi_env env, napi_value v) {
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    return t == napi_object && has_prop(env, v, "vectors");
}

/*
 * calc_distances_rows is calcDistancesById(query, ids) for one sparse query row
 * {indptr, indices, values} (sparse indexes: 1 - inner product with the stored row) or one
 * multi-vector document {vectors, vectorCounts: [n]} (warp, simq: MaxSim distance to the
 * stored document), -1 for a missing label.
 */
static napi_value calc_distances_rows(napi_env env, native_index* ni, napi_value* argv) {
    typed_arg ids;
    if (!get_ids(env, argv[1], "ids", &ids)) return NULL;
    napi_value ab;
    void* data;
    if (!new_buffer(env, ids.length * sizeof(float), &ab, &data)) return NULL;
    rows_arg r;
    if (!get_rows(env, ni, argv[0], "query", &r)) return NULL;
    bool sparse = r.kind == ROWS_SPARSE;
    if (r.nrows != 1) {
        rows_free(&r);
        throw_errorf(env, CODE_INVALID_ARGUMENT, "query must be one %s, got %llu rows",
                     sparse ? "sparse row (indptr of 2 offsets)"
                            : "multi-vector document (one vector count)",
                     (unsigned long long)r.nrows);
        return NULL;
    }
    int64_t lo = sparse ? r.offsets[0] : 0, hi = sparse ? r.offsets[1] : r.counts[0];
    if (sparse && (lo < 0 || hi < lo || (uint64_t)hi > r.nnz)) {
        rows_free(&r);
        throw_errorf(env, CODE_INVALID_ARGUMENT,
                     "query: offsets %lld..%lld do not lie within the %llu term ids",
                     (long long)lo, (long long)hi, (unsigned long long)r.nnz);
        return NULL;
    }
    if (!sparse && (hi < 0 || (double)hi * (double)ni->dim != (double)r.vectors.length)) {
        rows_free(&r);
        throw_errorf(env, CODE_INVALID_ARGUMENT,
                     "query: %lld sub-vectors of dim %llu need %.0f values, vectors holds %zu",
                     (long long)hi, (unsigned long long)ni->dim, (double)hi * (double)ni->dim,
                     r.vectors.length);
        return NULL;
    }
    int st = sparse ? vsag_index_calc_distance_by_ids_sparse(
                          ni->handle, hi > lo ? r.indices + lo : NULL,
                          hi > lo ? r.values + lo : NULL, (uint64_t)(hi - lo), ids.data,
                          ids.length, data)
                    : vsag_index_calc_distance_by_ids_multi_vector(
                          ni->handle, r.vectors.data, (uint64_t)hi, ni->dim, ids.data,
                          ids.length, data);
    rows_free(&r);
    return float32_result(env, st, ab, ids.length);
}

/*
 * getSparseVectorsByIds(ids) returns the stored rows of labels (sparse indexes) as
 * {indptr: BigInt64Array, indices: Uint32Array, values: Float32Array}, one row per label in
 * order.
 */
static napi_value index_get_sparse_vectors_by_ids(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg ids;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    vsag_dataset_t ds = NULL;
    int st = vsag_index_get_sparse_vectors_by_ids(ni->handle, ids.data, ids.length, &ds);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    const int64_t* off = NULL;
    const uint32_t* tid = NULL;
    const float* val = NULL;
    uint64_t nnz = 0;
    st = vsag_dataset_get_sparse_vectors(ds, &off, &tid, &val, &nnz);
    if (st != 0) {
        vsag_dataset_destroy(ds);
        throw_status(env, st);
        return NULL;
    }
    size_t n = ids.length;
    napi_value out, a_off, a_tid, a_val, b_off, b_tid, b_val;
    void *d_off, *d_tid, *d_val;
    if (!new_buffer(env, (n + 1) * sizeof(int64_t), &b_off, &d_off) ||
        !new_buffer(env, (size_t)nnz * sizeof(uint32_t), &b_tid, &d_tid) ||
        !new_buffer(env, (size_t)nnz * sizeof(float), &b_val, &d_val)) {
        vsag_dataset_destroy(ds);
        return NULL;
    }
    if (off != NULL) memcpy(d_off, off, (n + 1) * sizeof(int64_t));
    else memset(d_off, 0, (n + 1) * sizeof(int64_t));
    if (nnz > 0) {
        memcpy(d_tid, tid, (size_t)nnz * sizeof(uint32_t));
        memcpy(d_val, val, (size_t)nnz * sizeof(float));
    }
    vsag_dataset_destroy(ds);
    NAPI_CALL(env, napi_create_typedarray(env, napi_bigint64_array, n + 1, b_off, 0, &a_off));
    NAPI_CALL(env, napi_create_typedarray(env, napi_uint32_array, (size_t)nnz, b_tid, 0, &a_tid));
    NAPI_CALL(env, napi_create_typedarray(env, napi_float32_array, (size_t)nnz, b_val, 0, &a_val));
    NAPI_CALL(env, napi_create_object(env, &out));
    napi_set_named_property(env, out, "indptr", a_off);
    napi_set_named_property(env, out, "indices", a_tid);
    napi_set_named_property(env, out, "values", a_val);
    return out;
}

/*
 * named_paths is a copy of {hierarchy: paths} from JavaScript (pyramid indexes with named
 * hierarchies): for build/add each value is an Array of strings, one per row; for a query each
 * value is one string.
 */
typedef struct named_paths {
    uint32_t n;
    char** names;
    char*** paths;
    uint32_t* counts;
} named_paths;

static void named_paths_free(named_paths* p) {
    for (uint32_t i = 0; i < p->n; i++) {
        free(p->names[i]);
        if (p->paths[i] != NULL) {
            for (uint32_t j = 0; j < p->counts[i]; j++) free(p->paths[i][j]);
            free(p->paths[i]);
        }
    }
    free(p->names);
    free(p->paths);
    free(p->counts);
    memset(p, 0, sizeof *p);
}

/* get_path_list copies an Array of strings (what names it in errors). */
static bool get_path_list(napi_env env, napi_value arr, const char* what, char*** out,
                          uint32_t* n) {
    bool is_array = false;
    napi_is_array(env, arr, &is_array);
    if (!is_array) {
        throw_arg_error(env, false, "%s must be an Array of strings", what);
        return false;
    }
    napi_get_array_length(env, arr, n);
    *out = calloc((size_t)*n + 1, sizeof(char*));
    if (*out == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < *n; i++) {
        napi_value e;
        napi_valuetype et = napi_undefined;
        if (napi_get_element(env, arr, i, &e) == napi_ok) napi_typeof(env, e, &et);
        if (et != napi_string) {
            throw_arg_error(env, false, "%s[%u] must be a string", what, i);
            return false;
        }
        str_arg s;
        if (!get_string(env, e, "path", false, &s)) return false;
        (*out)[i] = heap_string(&s);
        if ((*out)[i] == NULL) {
            throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
            return false;
        }
    }
    return true;
}

/* get_named_paths copies {hierarchy: paths} (one: each value is one string, a query's path). */
static bool get_named_paths(napi_env env, napi_value obj, bool one, named_paths* out) {
    memset(out, 0, sizeof *out);
    napi_value keys;
    if (napi_get_property_names(env, obj, &keys) != napi_ok) {
        throw_error(env, CODE_INVALID_ARGUMENT, "paths by hierarchy must be a plain object");
        return false;
    }
    uint32_t n = 0;
    napi_get_array_length(env, keys, &n);
    if (n == 0) {
        throw_error(env, CODE_INVALID_ARGUMENT,
                    "paths by hierarchy is an empty object: give {hierarchy: paths}");
        return false;
    }
    out->names = calloc(n, sizeof(char*));
    out->paths = calloc(n, sizeof(char**));
    out->counts = calloc(n, sizeof(uint32_t));
    if (out->names == NULL || out->paths == NULL || out->counts == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return false;
    }
    out->n = n;
    for (uint32_t i = 0; i < n; i++) {
        napi_value key, val;
        str_arg s;
        if (napi_get_element(env, keys, i, &key) != napi_ok ||
            !get_string(env, key, "a hierarchy name", false, &s))
            return false;
        out->names[i] = heap_string(&s);
        if (out->names[i] == NULL || napi_get_property(env, obj, key, &val) != napi_ok) {
            throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
            return false;
        }
        if (one) {
            str_arg p;
            if (!get_string(env, val, "path", false, &p)) return false;
            out->paths[i] = calloc(1, sizeof(char*));
            if (out->paths[i] == NULL || (out->paths[i][0] = heap_string(&p)) == NULL) {
                throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
                return false;
            }
            out->counts[i] = 1;
        } else if (!get_path_list(env, val, out->names[i], &out->paths[i], &out->counts[i])) {
            return false;
        }
    }
    return true;
}

/* named_paths_attach sets every hierarchy's paths on ds. */
static int named_paths_attach(vsag_dataset_t ds, const named_paths* p) {
    for (uint32_t i = 0; i < p->n; i++) {
        int st = vsag_dataset_set_hierarchy_paths(ds, p->names[i], (const char* const*)p->paths[i],
                                                  p->counts[i]);
        if (st != 0) return st;
    }
    return 0;
}

/*
 * insertRows(add, rows, ids, numElements, dim, extraInfos | null, extraInfoSize,
 *            attributesJson | undefined, paths | undefined)
 * builds (add false) or adds rows of any kind (see get_rows) through a dataset, with extra
 * infos, attributes and one path per row (an Array), or {hierarchy: Array} for pyramid indexes
 * with named hierarchies.
 */
static napi_value index_insert_rows(napi_env env, napi_callback_info info) {
    size_t argc = 9;
    napi_value argv[9];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    bool add = false;
    if (napi_get_value_bool(env, argv[0], &add) != napi_ok) {
        throw_error(env, CODE_INVALID_ARGUMENT, "add must be a boolean");
        return NULL;
    }
    rows_arg rw;
    if (!get_rows(env, ni, argv[1], "vectors", &rw)) return NULL;
    typed_arg ids, extra = {napi_uint8_array, NULL, 0};
    int64_t n = 0, dim = 0, esize = 0;
    uint64_t num_vectors = 0;
    str_arg attrs = {NULL, {0}};
    char** paths = NULL;
    uint32_t npaths = 0;
    named_paths named = {0, NULL, NULL, NULL};
    int64_t* failed = NULL;
    vsag_dataset_t ds = NULL;
    napi_value out = NULL;
    bool ok = get_ids(env, argv[2], "ids", &ids) &&
              get_count(env, argv[3], "numElements", 9007199254740991.0, &n) &&
              get_count(env, argv[4], "dim", 1e9, &dim);
    if (ok) {
        switch (rw.kind) {
            case ROWS_DENSE:
                if ((double)n * (double)dim > (double)rw.vectors.length) {
                    throw_errorf(env, CODE_INVALID_ARGUMENT,
                                 "vectors holds %zu values, numElements*dim needs %.0f",
                                 rw.vectors.length, (double)n * (double)dim);
                    ok = false;
                }
                break;
            case ROWS_SPARSE:
                if ((uint64_t)n != rw.nrows) {
                    throw_errorf(env, CODE_INVALID_ARGUMENT,
                                 "numElements is %lld, the sparse rows hold %llu rows",
                                 (long long)n, (unsigned long long)rw.nrows);
                    ok = false;
                }
                break;
            case ROWS_MULTI:
                if ((uint64_t)n != rw.nrows) {
                    throw_errorf(env, CODE_INVALID_ARGUMENT,
                                 "numElements is %lld, vectorCounts holds %llu counts",
                                 (long long)n, (unsigned long long)rw.nrows);
                    ok = false;
                } else if (dim <= 0 || rw.vectors.length % (size_t)dim != 0) {
                    throw_errorf(env, CODE_INVALID_ARGUMENT,
                                 "vectors holds %zu values, not a whole number of sub-vectors "
                                 "of dim %lld",
                                 rw.vectors.length, (long long)dim);
                    ok = false;
                } else {
                    num_vectors = rw.vectors.length / (size_t)dim;
                }
                break;
        }
    }
    if (ok && (size_t)n > ids.length) {
        throw_errorf(env, CODE_INVALID_ARGUMENT, "ids holds %zu labels, numElements is %lld",
                     ids.length, (long long)n);
        ok = false;
    }
    if (ok && !is_nullish(env, argv[5])) {
        if (!get_typed(env, argv[5], &extra) || extra.type != napi_uint8_array) {
            throw_error(env, CODE_INVALID_ARGUMENT, "extraInfos must be a Uint8Array");
            ok = false;
        } else if (!get_count(env, argv[6], "extraInfoSize", 1e9, &esize)) {
            ok = false;
        } else if ((double)extra.length != (double)n * (double)esize) {
            throw_errorf(env, CODE_INVALID_ARGUMENT,
                         "extraInfos holds %zu bytes, numElements*extra_info_size needs %.0f",
                         extra.length, (double)n * (double)esize);
            ok = false;
        }
    }
    if (ok) ok = get_string(env, argv[7], "attributes", true, &attrs);
    if (ok && !is_nullish(env, argv[8])) {
        bool is_array = false;
        napi_valuetype pt = napi_undefined;
        napi_is_array(env, argv[8], &is_array);
        napi_typeof(env, argv[8], &pt);
        if (!is_array && pt == napi_object) {
            ok = get_named_paths(env, argv[8], false, &named);
        } else if (!is_array) {
            throw_arg_error(env, false, "paths must be an Array of strings");
            ok = false;
        } else {
            napi_get_array_length(env, argv[8], &npaths);
            paths = calloc((size_t)npaths + 1, sizeof(char*));
            if (paths == NULL) {
                throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
                ok = false;
            }
            for (uint32_t i = 0; ok && i < npaths; i++) {
                napi_value e;
                napi_valuetype et = napi_undefined;
                if (napi_get_element(env, argv[8], i, &e) == napi_ok) napi_typeof(env, e, &et);
                if (et != napi_string) {
                    throw_arg_error(env, false, "paths[%u] must be a string", i);
                    ok = false;
                    break;
                }
                str_arg s;
                if (!get_string(env, e, "path", false, &s)) {
                    ok = false;
                    break;
                }
                paths[i] = heap_string(&s);
                if (paths[i] == NULL) {
                    throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
                    ok = false;
                }
            }
        }
    }
    if (ok) {
        failed = malloc(((size_t)n + 1) * sizeof(int64_t));
        int st = failed == NULL ? -CODE_NO_ENOUGH_MEMORY : vsag_dataset_make(&ds);
        if (st == 0) st = vsag_dataset_set_num_elements(ds, n);
        if (st == 0) st = vsag_dataset_set_dim(ds, rw.kind == ROWS_SPARSE ? 0 : dim);
        if (st == 0) st = vsag_dataset_set_ids(ds, ids.data);
        if (st == 0) {
            switch (rw.kind) {
                case ROWS_SPARSE:
                    st = vsag_dataset_set_sparse_vectors(ds, rw.offsets, rw.indices, rw.values,
                                                         rw.nnz);
                    break;
                case ROWS_MULTI:
                    st = vsag_dataset_set_float32_vectors(ds, rw.vectors.data);
                    if (st == 0) st = vsag_dataset_set_vector_counts(ds, rw.counts, num_vectors);
                    break;
                case ROWS_DENSE:
                    switch (rw.dtype) {
                        case VSAG_DTYPE_FLOAT16:
                            st = vsag_dataset_set_float16_vectors(ds, rw.vectors.data);
                            break;
                        case VSAG_DTYPE_BFLOAT16:
                            st = vsag_dataset_set_bfloat16_vectors(ds, rw.vectors.data);
                            break;
                        case VSAG_DTYPE_INT8:
                            st = vsag_dataset_set_int8_vectors(ds, rw.vectors.data);
                            break;
                        default: st = vsag_dataset_set_float32_vectors(ds, rw.vectors.data); break;
                    }
                    break;
            }
        }
        if (st == 0 && extra.data != NULL) st = vsag_dataset_set_extra_info_size(ds, esize);
        if (st == 0 && extra.data != NULL)
            st = vsag_dataset_set_extra_infos(ds, (const char*)extra.data);
        if (st == 0 && attrs.s != NULL) st = vsag_dataset_set_attributes(ds, attrs.s);
        if (st == 0 && paths != NULL)
            st = vsag_dataset_set_paths(ds, (const char* const*)paths, npaths);
        if (st == 0) st = named_paths_attach(ds, &named);
        uint64_t nfailed = 0;
        if (st == 0)
            st = add ? vsag_index_add_dataset(ni->handle, ds, failed, &nfailed)
                     : vsag_index_build_dataset(ni->handle, ds, failed, &nfailed);
        if (st == -CODE_NO_ENOUGH_MEMORY && failed == NULL)
            throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        else if (st != 0)
            throw_status(env, st);
        else
            out = copy_ids(env, failed, (size_t)nfailed);
    }
    vsag_dataset_destroy(ds);
    free(failed);
    str_free(&attrs);
    if (paths != NULL) {
        for (uint32_t i = 0; i < npaths; i++) free(paths[i]);
        free(paths);
    }
    named_paths_free(&named);
    rows_free(&rw);
    return out;
}

/* search_req is one parsed search(query, options) with everything it points to. */
typedef struct search_req {
    vsag_search_request_t r;
    rows_arg q;
    filter_arg filter;
    char* params;
    char* expr;
    char* path;
    named_paths named; /* the query's paths by hierarchy, carried by qds */
    vsag_dataset_t qds;
    int64_t* buckets;
    int64_t* expected;
    uint64_t nexp;
    uint64_t esize;
    /* outputs */
    uint64_t cap, count, total;
    int64_t* ids;
    float* dists;
    char* extra;
    vsag_search_explanation_t* ex;
    int status;
    char* message;
} search_req;

static void search_req_free(search_req* s) {
    if (s == NULL) return;
    rows_free(&s->q);
    free(s->params);
    free(s->expr);
    free(s->path);
    named_paths_free(&s->named);
    if (s->qds != NULL) vsag_dataset_destroy(s->qds);
    free(s->buckets);
    free(s->expected);
    free(s->ids);
    free(s->dists);
    free(s->extra);
    free(s->ex);
    free(s->message);
    free(s);
}

/* get_opt reads an optional property (NULL when absent, undefined or null). */
static napi_value get_opt(napi_env env, napi_value obj, const char* name) {
    napi_value v = NULL;
    if (napi_get_named_property(env, obj, name, &v) != napi_ok || is_nullish(env, v)) return NULL;
    return v;
}

/* copy_labels reads a label list (see get_label_list) into a malloc'd copy. */
static bool copy_labels(napi_env env, napi_value v, const char* what, int64_t** out,
                        uint64_t* n) {
    const int64_t* ids = NULL;
    napi_value keep;
    if (!get_label_list(env, v, what, &ids, n, &keep)) return false;
    *out = malloc(((size_t)*n + 1) * sizeof(int64_t));
    if (*out == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return false;
    }
    if (*n > 0) memcpy(*out, ids, (size_t)*n * sizeof(int64_t));
    return true;
}

/*
 * named_query moves the dense query of s into a query dataset that carries the query's paths by
 * hierarchy name ({hierarchy: path}), the form the library takes named paths in.
 */
static bool named_query(napi_env env, search_req* s, napi_value v) {
    if (s->q.kind != ROWS_DENSE) {
        throw_error(env, CODE_INVALID_ARGUMENT, "a path by hierarchy name takes one dense query");
        return false;
    }
    if (!get_named_paths(env, v, true, &s->named)) return false;
    int st = vsag_dataset_make(&s->qds);
    if (st == 0) st = vsag_dataset_set_num_elements(s->qds, 1);
    if (st == 0) st = vsag_dataset_set_dim(s->qds, (int64_t)s->q.vectors.length);
    if (st == 0) {
        switch (s->q.dtype) {
            case VSAG_DTYPE_FLOAT16:
                st = vsag_dataset_set_float16_vectors(s->qds, s->q.vectors.data);
                break;
            case VSAG_DTYPE_BFLOAT16:
                st = vsag_dataset_set_bfloat16_vectors(s->qds, s->q.vectors.data);
                break;
            case VSAG_DTYPE_INT8: st = vsag_dataset_set_int8_vectors(s->qds, s->q.vectors.data); break;
            default: st = vsag_dataset_set_float32_vectors(s->qds, s->q.vectors.data); break;
        }
    }
    if (st == 0) st = named_paths_attach(s->qds, &s->named);
    if (st != 0) {
        throw_status(env, st);
        return false;
    }
    s->r.query_dataset = s->qds;
    s->r.query = NULL;
    s->r.query_dim = 0;
    s->r.query_dtype = 0;
    return true;
}

/*
 * get_search_req parses search(query, options, extraInfoSize). options: {k | radius, params,
 * filter, filterExpr, limitedSize, bucketIds, expectedLabels, path (a string, or {hierarchy:
 * path})}; params is a string (the TypeScript layer serializes objects).
 */
static search_req* get_search_req(napi_env env, native_index* ni, napi_value query,
                                  napi_value opts, napi_value esize_v) {
    search_req* s = calloc(1, sizeof *s);
    if (s == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    vsag_search_request_t init = VSAG_SEARCH_REQUEST_INIT;
    s->r = init;
    if (!get_rows(env, ni, query, "query", &s->q)) goto fail;
    vsag_search_request_t* r = &s->r;
    switch (s->q.kind) {
        case ROWS_DENSE:
            r->query = s->q.vectors.data;
            r->query_dtype = s->q.dtype;
            r->query_dim = s->q.vectors.length;
            break;
        case ROWS_SPARSE: {
            if (s->q.nrows != 1) {
                throw_errorf(env, CODE_INVALID_ARGUMENT,
                             "search takes one query; the sparse query holds %llu rows",
                             (unsigned long long)s->q.nrows);
                goto fail;
            }
            int64_t lo = s->q.offsets[0], hi = s->q.offsets[1];
            if (lo < 0 || hi < lo || (uint64_t)hi > s->q.nnz) {
                throw_errorf(env, CODE_INVALID_ARGUMENT,
                             "sparse query: offsets %lld..%lld do not lie within the %llu term "
                             "ids",
                             (long long)lo, (long long)hi, (unsigned long long)s->q.nnz);
                goto fail;
            }
            r->query_dtype = VSAG_DTYPE_SPARSE;
            r->query_nnz = (uint64_t)(hi - lo);
            if (hi > lo) {
                r->query_term_ids = s->q.indices + lo;
                r->query_term_values = s->q.values + lo;
            }
            break;
        }
        case ROWS_MULTI: {
            int64_t c = s->q.nrows == 1 ? s->q.counts[0] : 0;
            if (s->q.nrows != 1 || c <= 0 || s->q.vectors.length % (size_t)c != 0) {
                throw_error(env, CODE_INVALID_ARGUMENT,
                            "a multi-vector query is one document: vectorCounts holds one count "
                            "(>= 1) that divides vectors.length");
                goto fail;
            }
            r->query = s->q.vectors.data;
            r->query_dim = s->q.vectors.length / (size_t)c;
            r->query_vector_count = (uint64_t)c;
            break;
        }
    }
    napi_valuetype t = napi_undefined;
    if (opts != NULL) napi_typeof(env, opts, &t);
    if (t != napi_object) {
        throw_error(env, CODE_INVALID_ARGUMENT, "options must be an object with k or radius");
        goto fail;
    }
    napi_value kv = get_opt(env, opts, "k"), rv = get_opt(env, opts, "radius"),
               lv = get_opt(env, opts, "limitedSize"), v;
    if ((kv == NULL) == (rv == NULL)) {
        throw_error(env, CODE_INVALID_ARGUMENT,
                    kv == NULL ? "options need k (a knn search) or radius (a range search)"
                               : "give k (a knn search) or radius (a range search), not both");
        goto fail;
    }
    if (kv != NULL) {
        if (lv != NULL) {
            throw_error(env, CODE_INVALID_ARGUMENT, "limitedSize is for range searches");
            goto fail;
        }
        r->mode = VSAG_SEARCH_KNN;
        if (!get_k(env, kv, &r->topk)) goto fail;
        int64_t width = 0;
        if (!result_width(env, ni, r->topk, &width)) goto fail;
        s->cap = (uint64_t)width;
    } else {
        double radius = 0, limited = 0;
        r->mode = VSAG_SEARCH_RANGE;
        if (!get_number(env, rv, "radius", &radius)) goto fail;
        r->radius = (float)radius;
        if (lv != NULL) {
            if (!get_number(env, lv, "limitedSize", &limited)) goto fail;
            if (limited != floor(limited) || limited < -1 || limited > 9.2e18) {
                throw_error(env, CODE_INVALID_ARGUMENT,
                            "limitedSize must be -1 or 0 (unlimited) or a positive integer");
                goto fail;
            }
        }
        r->limited_size = (int64_t)limited;
        s->cap = limited > 0 && limited <= PAD_LIMIT ? (uint64_t)limited : 256;
    }
    str_arg a;
    if ((v = get_opt(env, opts, "params")) != NULL) {
        if (!get_string(env, v, "params", false, &a)) goto fail;
        s->params = heap_string(&a);
    }
    if ((v = get_opt(env, opts, "filterExpr")) != NULL) {
        if (!get_string(env, v, "filterExpr", false, &a)) goto fail;
        s->expr = heap_string(&a);
    }
    if ((v = get_opt(env, opts, "path")) != NULL) {
        napi_valuetype pt = napi_undefined;
        napi_typeof(env, v, &pt);
        if (pt == napi_object) {
            if (!named_query(env, s, v)) goto fail;
        } else {
            if (!get_string(env, v, "path", false, &a)) goto fail;
            s->path = heap_string(&a);
        }
    }
    if (!get_filter(env, get_opt(env, opts, "filter"), &s->filter)) goto fail;
    if ((v = get_opt(env, opts, "bucketIds")) != NULL) {
        uint64_t nb = 0;
        if (!copy_labels(env, v, "bucketIds", &s->buckets, &nb)) goto fail;
        r->bucket_ids = s->buckets;
        r->num_bucket_ids = nb;
    }
    if ((v = get_opt(env, opts, "expectedLabels")) != NULL) {
        if (!copy_labels(env, v, "expectedLabels", &s->expected, &s->nexp)) goto fail;
        if (s->nexp > 0) {
            r->expected_labels = s->expected;
            r->num_expected_labels = s->nexp;
        }
    }
    int64_t esize = 0;
    if (!get_count(env, esize_v, "extraInfoSize", 1e9, &esize)) goto fail;
    s->esize = (uint64_t)esize;
    r->parameters = s->params;
    r->filter_expr = s->expr;
    r->query_path = s->path;
    return s;
fail:
    search_req_free(s);
    return NULL;
}

/* search_run runs a parsed request (any thread, no JavaScript), growing the result buffers
 * until every result fits. */
static void search_run(vsag_index_t h, search_req* s) {
    if (s->filter.present) s->r.filter_spec = &s->filter.f;
    for (;;) {
        free(s->ids);
        free(s->dists);
        free(s->extra);
        free(s->ex);
        size_t cap = (size_t)s->cap;
        s->ids = malloc((cap + 1) * sizeof(int64_t));
        s->dists = malloc((cap + 1) * sizeof(float));
        s->extra = s->esize ? malloc(cap * (size_t)s->esize + 1) : NULL;
        s->ex = malloc(((size_t)s->nexp + 1) * sizeof(vsag_search_explanation_t));
        if (s->ids == NULL || s->dists == NULL || s->ex == NULL ||
            (s->esize && s->extra == NULL)) {
            s->status = -CODE_NO_ENOUGH_MEMORY;
            s->message = strdup("out of memory for the search results");
            return;
        }
        int st = vsag_index_search_request(h, &s->r, cap ? s->ids : NULL, cap ? s->dists : NULL,
                                           s->esize && cap ? s->extra : NULL, s->cap, &s->count,
                                           &s->total, s->nexp ? s->ex : NULL);
        if (st != 0) {
            s->status = st;
            s->message = strdup(vsag_last_error_code() == st ? vsag_last_error() : "");
            return;
        }
        if (s->total <= s->cap) return;
        s->cap = s->total; /* the buffers were too small: again with room for every result */
    }
}

static const char* reason_name(int32_t r) {
    switch (r) {
        case VSAG_REASON_FOUND: return "found";
        case VSAG_REASON_ABSENT: return "absent";
        case VSAG_REASON_FILTERED: return "filtered";
        case VSAG_REASON_BEYOND_K: return "beyond_k";
        case VSAG_REASON_NOT_REACHED: return "not_reached";
        default: return "unknown";
    }
}

/* search_result_js turns a finished request into {ids, distances, extraInfos?, expected?}. */
static napi_value search_result_js(napi_env env, const search_req* s) {
    size_t n = (size_t)s->count;
    napi_value ids_ab, dists_ab, obj;
    void *pi, *pd;
    if (!new_buffer(env, n * sizeof(int64_t), &ids_ab, &pi) ||
        !new_buffer(env, n * sizeof(float), &dists_ab, &pd))
        return NULL;
    if (n > 0) {
        memcpy(pi, s->ids, n * sizeof(int64_t));
        memcpy(pd, s->dists, n * sizeof(float));
    }
    obj = search_result(env, ids_ab, dists_ab, n);
    if (obj == NULL) return NULL;
    if (s->esize > 0) {
        napi_value ab, arr;
        void* pe;
        size_t bytes = n * (size_t)s->esize;
        if (!new_buffer(env, bytes, &ab, &pe)) return NULL;
        if (bytes > 0) memcpy(pe, s->extra, bytes);
        NAPI_CALL(env, napi_create_typedarray(env, napi_uint8_array, bytes, ab, 0, &arr));
        NAPI_CALL(env, napi_set_named_property(env, obj, "extraInfos", arr));
    }
    if (s->r.expected_labels != NULL || s->expected != NULL) {
        napi_value list;
        NAPI_CALL(env, napi_create_array_with_length(env, (size_t)s->nexp, &list));
        for (uint64_t i = 0; i < s->nexp; i++) {
            napi_value e, label, reason, dist;
            NAPI_CALL(env, napi_create_object(env, &e));
            NAPI_CALL(env, napi_create_bigint_int64(env, s->ex[i].label, &label));
            NAPI_CALL(env, napi_create_string_utf8(env, reason_name(s->ex[i].reason),
                                                   NAPI_AUTO_LENGTH, &reason));
            NAPI_CALL(env, napi_create_double(env, (double)s->ex[i].distance, &dist));
            NAPI_CALL(env, napi_set_named_property(env, e, "label", label));
            NAPI_CALL(env, napi_set_named_property(env, e, "reason", reason));
            NAPI_CALL(env, napi_set_named_property(env, e, "distance", dist));
            NAPI_CALL(env, napi_set_element(env, list, (uint32_t)i, e));
        }
        NAPI_CALL(env, napi_set_named_property(env, obj, "expected", list));
    }
    return obj;
}

/* search(query, options, extraInfoSize): one SearchRequest on the calling thread. */
static napi_value index_search(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    search_req* s = get_search_req(env, ni, argv[0], argv[1], argv[2]);
    if (s == NULL) return NULL;
    search_run(ni->handle, s);
    napi_value out = NULL;
    if (s->status != 0)
        throw_error(env, s->status, s->message);
    else
        out = search_result_js(env, s);
    search_req_free(s);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Exported models and merging                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* adopt_result wraps the handle a compatibility-layer call stored, or throws its error. */
static napi_value adopt_result(napi_env env, Error_t e, vsag_index_t h) {
    if (e.code != 0) {
        throw_error(env, e.code, e.message);
        return NULL;
    }
    napi_value obj = wrap_handle(env, h);
    if (obj == NULL) throw_error(env, 2, "cannot create the index object");
    return obj;
}

/* clone() returns an independent deep copy of the index. */
static napi_value index_clone(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    vsag_index_t h = NULL;
    Error_t e = vsag_index_clone(ni->handle, &h);
    return adopt_result(env, e, h);
}

/* exportModel() returns a new empty index holding the index's parameters and trained model. */
static napi_value index_export_model(napi_env env, napi_callback_info info) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    vsag_index_t h = NULL;
    Error_t e = vsag_index_export_model(ni->handle, &h);
    return adopt_result(env, e, h);
}

/*
 * merge_req is the checked arguments of merge/mergeAsync: the units (handles and malloc'd
 * copies of the id maps), references to the source objects (so the garbage collector keeps
 * them, and their handles, while an asynchronous merge waits), and the failed labels.
 */
typedef struct merge_req {
    vsag_merge_unit_t* units;
    int64_t** maps; /* per unit: from and to, or NULL */
    napi_ref* refs;
    uint32_t n;
    int64_t* failed;
    uint64_t num_failed;
} merge_req;

static void merge_req_free(napi_env env, merge_req* m) {
    if (m == NULL) return;
    for (uint32_t i = 0; i < m->n; i++) {
        if (m->maps) free(m->maps[i]);
        if (m->refs && m->refs[i]) napi_delete_reference(env, m->refs[i]);
    }
    free(m->units);
    free(m->maps);
    free(m->refs);
    free(m->failed);
    free(m);
}

/*
 * get_merge_req reads merge(sources, froms, tos): sources an Array of NativeIndex objects,
 * froms and tos Arrays of the same length whose entries are both null (no map) or both label
 * lists (BigInt64Array or Array of labels) of one length. Throws and returns NULL on error.
 */
static merge_req* get_merge_req(napi_env env, napi_value* argv) {
    bool is_array = false;
    for (int a = 0; a < 3; a++) {
        if (napi_is_array(env, argv[a], &is_array) != napi_ok || !is_array) {
            throw_arg_error(env, false, "merge: units must be an Array");
            return NULL;
        }
    }
    uint32_t n = 0, nf = 0, nt = 0;
    napi_get_array_length(env, argv[0], &n);
    napi_get_array_length(env, argv[1], &nf);
    napi_get_array_length(env, argv[2], &nt);
    if (nf != n || nt != n) {
        throw_error(env, CODE_INVALID_ARGUMENT, "merge: the id maps do not match the units");
        return NULL;
    }
    merge_req* m = calloc(1, sizeof *m);
    if (m == NULL || (n > 0 && ((m->units = calloc(n, sizeof *m->units)) == NULL ||
                                (m->maps = calloc(n, sizeof *m->maps)) == NULL ||
                                (m->refs = calloc(n, sizeof *m->refs)) == NULL))) {
        merge_req_free(env, m);
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    m->n = n;
    addon_state* st = get_state(env);
    napi_value ctor;
    if (napi_get_reference_value(env, st->index_ctor, &ctor) != napi_ok) {
        merge_req_free(env, m);
        throw_error(env, 2, "cannot reach the index class");
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        vsag_merge_unit_t init = VSAG_MERGE_UNIT_INIT;
        m->units[i] = init;
        napi_value src, from, to;
        bool is = false;
        native_index* si = NULL;
        if (napi_get_element(env, argv[0], i, &src) != napi_ok ||
            napi_instanceof(env, src, ctor, &is) != napi_ok || !is ||
            napi_unwrap(env, src, (void**)&si) != napi_ok || si == NULL) {
            merge_req_free(env, m);
            throw_arg_error(env, false, "merge: unit %u is not a vsag index", i);
            return NULL;
        }
        if (si->handle == NULL) {
            merge_req_free(env, m);
            throw_errorf(env, CODE_WRONG_STATUS, "merge: unit %u: the index is closed", i);
            return NULL;
        }
        m->units[i].index = si->handle;
        if (napi_create_reference(env, src, 1, &m->refs[i]) != napi_ok) {
            merge_req_free(env, m);
            throw_error(env, 2, "cannot reference the index");
            return NULL;
        }
        napi_get_element(env, argv[1], i, &from);
        napi_get_element(env, argv[2], i, &to);
        bool no_from = is_nullish(env, from), no_to = is_nullish(env, to);
        if (no_from && no_to) continue;
        if (no_from != no_to) {
            merge_req_free(env, m);
            throw_errorf(env, CODE_INVALID_ARGUMENT, "merge: unit %u: the id map lacks its %s labels",
                         i, no_from ? "from" : "to");
            return NULL;
        }
        char what[64];
        int64_t *f = NULL, *t = NULL;
        uint64_t fn = 0, tn = 0;
        snprintf(what, sizeof what, "merge: unit %u: idMap from", i);
        if (!copy_labels(env, from, what, &f, &fn)) {
            merge_req_free(env, m);
            return NULL;
        }
        snprintf(what, sizeof what, "merge: unit %u: idMap to", i);
        if (!copy_labels(env, to, what, &t, &tn)) {
            free(f);
            merge_req_free(env, m);
            return NULL;
        }
        if (fn != tn) {
            free(f);
            free(t);
            merge_req_free(env, m);
            throw_errorf(env, CODE_INVALID_ARGUMENT,
                         "merge: unit %u: the id map has %llu from and %llu to labels", i,
                         (unsigned long long)fn, (unsigned long long)tn);
            return NULL;
        }
        /* one block: from at [0, fn), to at [fn, 2fn) (+1 so it is never empty) */
        int64_t* both = malloc((2 * (size_t)fn + 1) * sizeof(int64_t));
        if (both == NULL) {
            free(f);
            free(t);
            merge_req_free(env, m);
            throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
            return NULL;
        }
        if (fn > 0) {
            memcpy(both, f, (size_t)fn * sizeof(int64_t));
            memcpy(both + fn, t, (size_t)fn * sizeof(int64_t));
        }
        free(f);
        free(t);
        m->maps[i] = both;
        m->units[i].id_map_from = both;
        m->units[i].id_map_to = both + fn;
        m->units[i].id_map_count = fn;
    }
    return m;
}

/*
 * merge_run merges m's units into h (any thread): the failed-label buffer holds the sources'
 * live counts, which bound the failures. Returns the status; the last error is the caller
 * thread's.
 */
static int merge_run(vsag_index_t h, merge_req* m) {
    uint64_t cap = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        int64_t c = 0;
        if (vsag_index_get_num_elements(m->units[i].index, &c) == 0 && c > 0) cap += (uint64_t)c;
    }
    m->failed = malloc(((size_t)cap + 1) * sizeof(int64_t));
    if (m->failed == NULL) return -CODE_NO_ENOUGH_MEMORY;
    int st = vsag_index_merge(h, m->n ? m->units : NULL, m->n, m->failed, cap, &m->num_failed);
    /* a source that grew after it was counted may fail more labels than the buffer holds */
    if (st == 0 && m->num_failed > cap) m->num_failed = cap;
    return st;
}

/* merge(sources, froms, tos) merges synchronously and returns the failed labels. */
static napi_value index_merge(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    merge_req* m = get_merge_req(env, argv);
    if (m == NULL) return NULL;
    napi_value out = NULL;
    int st = merge_run(ni->handle, m);
    if (st == -CODE_NO_ENOUGH_MEMORY && m->failed == NULL)
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
    else if (st != 0)
        throw_status(env, st);
    else
        out = copy_ids(env, m->failed, (size_t)m->num_failed);
    merge_req_free(env, m);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Conjugate graph (hnsw with use_conjugate_graph)                                            */
/* ------------------------------------------------------------------------------------------ */

/*
 * feedback(query, k, parameters, globalOptimumId) teaches the conjugate graph from one query
 * and returns the number of edges added; globalOptimumId undefined or null: the index finds
 * the query's true neighbours by an exact scan (VSAG_GLOBAL_OPTIMUM_UNKNOWN).
 */
static napi_value index_feedback(napi_env env, napi_callback_info info) {
    size_t argc = 4;
    napi_value argv[4];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg q;
    vsag_dtype_t dtype;
    int64_t k, optimum = VSAG_GLOBAL_OPTIMUM_UNKNOWN;
    if (!get_vectors(env, ni, argv[0], "query", &q, &dtype)) return NULL;
    if (!get_k(env, argv[1], &k)) return NULL;
    napi_valuetype t = napi_undefined;
    napi_typeof(env, argv[3], &t);
    if (t != napi_undefined && t != napi_null && !get_label(env, argv[3], "globalOptimumId", &optimum))
        return NULL;
    str_arg params;
    if (!get_string(env, argv[2], "parameters", true, &params)) return NULL;
    uint64_t edges = 0;
    int st = vsag_index_feedback(ni->handle, q.data, dtype, q.length, k, params.s, optimum, &edges);
    str_free(&params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    NAPI_CALL(env, napi_create_double(env, (double)edges, &out));
    return out;
}

/* pretrain(ids, k, parameters) teaches the conjugate graph from the stored vectors of ids. */
static napi_value index_pretrain(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg ids;
    int64_t k;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    if (!get_k(env, argv[1], &k)) return NULL;
    str_arg params;
    if (!get_string(env, argv[2], "parameters", true, &params)) return NULL;
    uint64_t edges = 0;
    int st = vsag_index_pretrain(ni->handle, ids.data, ids.length, k, params.s, &edges);
    str_free(&params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    NAPI_CALL(env, napi_create_double(env, (double)edges, &out));
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Asynchronous methods                                                                        */
/* ------------------------------------------------------------------------------------------ */

typedef enum op_kind {
    OP_BUILD,
    OP_ADD,
    OP_KNN,
    OP_KNN_BATCH,
    OP_SAVE,
    OP_LOAD,
    OP_LOAD_FILE,
    OP_SEARCH,
    OP_MERGE,
    OP_TRAIN,
    OP_PRETRAIN,
    OP_TUNE
} op_kind;

/* async_op is one operation queued on the libuv pool. */
typedef struct async_op {
    napi_async_work work;
    napi_deferred deferred;
    op_kind kind;
    native_index* ni;  /* NULL for OP_LOAD_FILE */
    vsag_index_t handle;
    napi_ref refs[6];  /* the receiver and every array the pool thread reads or writes */
    int nrefs;
    /* arguments */
    const void* vectors;
    vsag_dtype_t dtype;
    const int64_t* ids;
    uint64_t count, dim;
    int64_t k;
    char* str;  /* parameters JSON, path, or build/add attributes JSON */
    char* expr; /* batch search: attribute filter expression (NULL: none) */
    vsag_filter_t filter;
    bool has_filter;
    /* outputs */
    int64_t* out_ids; /* batch search: ArrayBuffer memory; build/add: malloc'd failed labels */
    float* out_dists;
    vsag_dataset_t result; /* single-query search */
    uint64_t num_failed;
    vsag_index_t loaded;
    search_req* search; /* OP_SEARCH: the request and its results */
    merge_req* merge;   /* OP_MERGE: the units and the failed labels */
    /* status */
    int status;
    char* message;
} async_op;

static void op_free(napi_env env, async_op* op) {
    for (int i = 0; i < op->nrefs; i++) napi_delete_reference(env, op->refs[i]);
    if (op->kind == OP_BUILD || op->kind == OP_ADD) free(op->out_ids);
    free(op->str);
    free(op->expr);
    free(op->message);
    if (op->result) vsag_dataset_destroy(op->result);
    search_req_free(op->search);
    merge_req_free(env, op->merge);
    if (op->work) napi_delete_async_work(env, op->work);
    free(op);
}

static bool op_keep(napi_env env, async_op* op, napi_value v) {
    if (op->nrefs >= (int)(sizeof op->refs / sizeof op->refs[0])) return false;
    return napi_create_reference(env, v, 1, &op->refs[op->nrefs++]) == napi_ok;
}

/* op_execute runs on a libuv pool thread: library calls only, no JavaScript. */
static void op_execute(napi_env env, void* data) {
    async_op* op = data;
    (void)env;
    switch (op->kind) {
        case OP_BUILD:
            op->status =
                op->str == NULL
                    ? vsag_index_build_vectors(op->handle, op->vectors, op->dtype, op->ids,
                                               op->count, op->dim, op->out_ids, &op->num_failed)
                    : vsag_index_build_vectors_with_attributes(op->handle, op->vectors, op->dtype,
                                                               op->ids, op->count, op->dim, op->str,
                                                               op->out_ids, &op->num_failed);
            break;
        case OP_ADD:
            op->status =
                op->str == NULL
                    ? vsag_index_add_vectors(op->handle, op->vectors, op->dtype, op->ids,
                                             op->count, op->dim, op->out_ids, &op->num_failed)
                    : vsag_index_add_vectors_with_attributes(op->handle, op->vectors, op->dtype,
                                                             op->ids, op->count, op->dim, op->str,
                                                             op->out_ids, &op->num_failed);
            break;
        case OP_KNN:
            op->status = vsag_index_knn_search_vector(op->handle, op->vectors, op->dtype, op->dim,
                                                      op->k, op->str,
                                                      op->has_filter ? &op->filter : NULL,
                                                      &op->result);
            break;
        case OP_KNN_BATCH:
            if (op->count == 0) break;
            if (op->expr != NULL)
                op->status = vsag_index_knn_search_batch_with_filter_string(
                    op->handle, op->vectors, op->dtype, op->count, op->dim, op->k, op->str,
                    op->expr, op->has_filter ? &op->filter : NULL, op->out_ids, op->out_dists);
            else
                op->status = vsag_index_knn_search_batch(op->handle, op->vectors, op->dtype,
                                                         op->count, op->dim, op->k, op->str,
                                                         op->has_filter ? &op->filter : NULL,
                                                         op->out_ids, op->out_dists);
            break;
        case OP_SEARCH:
            search_run(op->handle, op->search);
            op->status = op->search->status;
            if (op->status != 0) op->message = strdup(op->search->message ? op->search->message : "");
            break;
        case OP_MERGE: op->status = merge_run(op->handle, op->merge); break;
        case OP_TRAIN:
            op->status = vsag_index_train_vectors(op->handle, op->vectors, op->dtype, op->count,
                                                  op->dim);
            break;
        case OP_PRETRAIN:
            op->status = vsag_index_pretrain(op->handle, op->ids, op->count, op->k, op->str,
                                             &op->num_failed);
            break;
        case OP_TUNE: op->status = vsag_index_tune(op->handle, op->str, op->count != 0); break;
        case OP_SAVE: op->status = vsag_index_serialize_file(op->handle, op->str); break;
        case OP_LOAD: op->status = vsag_index_deserialize_file(op->handle, op->str); break;
        case OP_LOAD_FILE: {
            op->status = vsag_index_load_file(op->str, &op->loaded);
            if (op->status == 0) {
                /* NativeIndex reads dim and dtype; do it here, off the event loop. */
                int64_t dim = 0;
                vsag_dtype_t dt;
                op->status = vsag_index_get_dim(op->loaded, &dim);
                if (op->status == 0) op->status = vsag_index_get_dtype(op->loaded, &dt);
                if (op->status != 0) {
                    int code = vsag_last_error_code();
                    op->message = strdup(code == op->status ? vsag_last_error() : "");
                    vsag_index_close(op->loaded);
                    op->loaded = NULL;
                    return;
                }
            }
            break;
        }
    }
    if (op->status != 0 && op->message == NULL) {
        int code = vsag_last_error_code();
        op->message = strdup(code == op->status ? vsag_last_error() : "");
    }
}

static napi_value op_result(napi_env env, async_op* op) {
    switch (op->kind) {
        case OP_BUILD:
        case OP_ADD: return copy_ids(env, op->out_ids, (size_t)op->num_failed);
        case OP_KNN: {
            vsag_dataset_t ds = op->result;
            op->result = NULL; /* dataset_result destroys it */
            return dataset_result(env, ds);
        }
        case OP_KNN_BATCH: {
            napi_value ids_ab, dists_ab;
            if (napi_get_reference_value(env, op->refs[op->nrefs - 2], &ids_ab) != napi_ok ||
                napi_get_reference_value(env, op->refs[op->nrefs - 1], &dists_ab) != napi_ok)
                return NULL;
            return batch_result(env, ids_ab, dists_ab, (int64_t)op->count, op->k);
        }
        case OP_SEARCH: return search_result_js(env, op->search);
        case OP_MERGE: return copy_ids(env, op->merge->failed, (size_t)op->merge->num_failed);
        case OP_SAVE:
        case OP_LOAD:
        case OP_TRAIN:
        case OP_TUNE: return undefined(env);
        case OP_PRETRAIN: {
            napi_value n;
            return napi_create_double(env, (double)op->num_failed, &n) == napi_ok ? n : NULL;
        }
        case OP_LOAD_FILE: {
            vsag_index_t h = op->loaded;
            op->loaded = NULL; /* owned by the new object, or closed by wrap_handle */
            return wrap_handle(env, h);
        }
    }
    return NULL;
}

/* op_complete runs on the JavaScript thread: settle the Promise, release what was kept. */
static void op_complete(napi_env env, napi_status status, void* data) {
    async_op* op = data;
    napi_value value = NULL;
    bool ok = false;
    if (status != napi_ok) {
        value = make_error(env, 2, "the operation was cancelled");
    } else if (op->status != 0) {
        value = make_error(env, op->status, op->message);
    } else {
        value = op_result(env, op);
        if (value == NULL) {
            bool pending = false;
            napi_is_exception_pending(env, &pending);
            if (pending)
                napi_get_and_clear_last_exception(env, &value);
            else
                value = make_error(env, 2, "cannot create the result");
        } else {
            ok = true;
        }
    }
    if (op->loaded != NULL) vsag_index_close(op->loaded);
    if (ok)
        napi_resolve_deferred(env, op->deferred, value);
    else
        napi_reject_deferred(env, op->deferred, value);
    native_index* ni = op->ni;
    if (ni != NULL && --ni->pending == 0 && ni->close_requested) {
        ni->close_requested = false;
        vsag_index_t h = ni->closing;
        ni->closing = NULL;
        release_handle(h);
    }
    op_free(env, op);
}

/* op_queue starts op and returns its Promise (or NULL after throwing). */
static napi_value op_queue(napi_env env, async_op* op, const char* name) {
    napi_value promise, res_name;
    if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &res_name) != napi_ok ||
        napi_create_async_work(env, NULL, res_name, op_execute, op_complete, op, &op->work) !=
            napi_ok ||
        napi_create_promise(env, &op->deferred, &promise) != napi_ok ||
        napi_queue_async_work(env, op->work) != napi_ok) {
        if (op->deferred) {
            /* The Promise exists but will never settle through op_complete. */
            napi_reject_deferred(env, op->deferred, make_error(env, 2, "cannot queue the work"));
        }
        op_free(env, op);
        throw_error(env, 2, "cannot queue asynchronous work");
        return NULL;
    }
    if (op->ni != NULL) op->ni->pending++;
    return promise;
}

static async_op* op_new(napi_env env, op_kind kind, native_index* ni, napi_value self) {
    async_op* op = calloc(1, sizeof *op);
    if (op == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    op->kind = kind;
    op->ni = ni;
    if (ni != NULL) {
        op->handle = ni->handle;
        if (!op_keep(env, op, self)) {
            op_free(env, op);
            throw_error(env, 2, "cannot reference the index");
            return NULL;
        }
    }
    return op;
}

static napi_value insert_async(napi_env env, napi_callback_info info, op_kind kind) {
    size_t argc = 5;
    napi_value argv[5], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    insert_args a;
    if (!get_insert_args(env, ni, argv, &a)) return NULL;
    str_arg attrs;
    if (!get_string(env, argv[4], "attributes", true, &attrs)) return NULL;
    async_op* op = op_new(env, kind, ni, self);
    if (op == NULL) {
        str_free(&attrs);
        return NULL;
    }
    op->str = heap_string(&attrs);
    op->vectors = a.vectors.data;
    op->dtype = a.dtype;
    op->ids = a.ids.data;
    op->count = (uint64_t)a.n;
    op->dim = (uint64_t)a.dim;
    op->out_ids = malloc(((size_t)a.n + 1) * sizeof(int64_t));
    if (op->out_ids == NULL || !op_keep(env, op, argv[0]) || !op_keep(env, op, argv[1])) {
        op_free(env, op);
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    return op_queue(env, op, kind == OP_BUILD ? "vsag.buildAsync" : "vsag.addAsync");
}

/* trainAsync(vectors, numElements, dim): train on the libuv thread pool. */
static napi_value index_train_async(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    train_args a;
    if (!get_train_args(env, ni, argv, &a)) return NULL;
    async_op* op = op_new(env, OP_TRAIN, ni, self);
    if (op == NULL) return NULL;
    op->vectors = a.vectors.data;
    op->dtype = a.dtype;
    op->count = (uint64_t)a.n;
    op->dim = (uint64_t)a.dim;
    if (!op_keep(env, op, argv[0])) {
        op_free(env, op);
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    return op_queue(env, op, "vsag.trainAsync");
}

/* pretrainAsync(ids, k, parameters): pretrain on the libuv thread pool; resolves to the edges added. */
static napi_value index_pretrain_async(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    typed_arg ids;
    int64_t k;
    if (!get_ids(env, argv[0], "ids", &ids)) return NULL;
    if (!get_k(env, argv[1], &k)) return NULL;
    str_arg params;
    if (!get_string(env, argv[2], "parameters", true, &params)) return NULL;
    async_op* op = op_new(env, OP_PRETRAIN, ni, self);
    if (op == NULL) {
        str_free(&params);
        return NULL;
    }
    op->ids = ids.data;
    op->count = ids.length;
    op->k = k;
    op->str = heap_string(&params);
    if (!op_keep(env, op, argv[0])) {
        op_free(env, op);
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    return op_queue(env, op, "vsag.pretrainAsync");
}

/* get_tune_args reads tune's arguments: the parameters JSON and disableFutureTuning. */
static bool get_tune_args(napi_env env, napi_value* argv, str_arg* params, bool* disable) {
    if (!get_string(env, argv[0], "params", false, params)) return false;
    napi_valuetype t = napi_undefined;
    napi_typeof(env, argv[1], &t);
    *disable = false;
    if (t == napi_undefined) return true;
    if (t != napi_boolean || napi_get_value_bool(env, argv[1], disable) != napi_ok) {
        str_free(params);
        throw_error(env, CODE_INVALID_ARGUMENT, "disableFutureTuning must be a boolean");
        return false;
    }
    return true;
}

/* tune(params, disableFutureTuning): re-encode the index's vectors (vsag_index_tune). */
static napi_value index_tune(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    str_arg params;
    bool disable;
    if (!get_tune_args(env, argv, &params, &disable)) return NULL;
    int st = vsag_index_tune(ni->handle, params.s, disable);
    str_free(&params);
    if (st != 0) throw_status(env, st);
    return NULL;
}

/* tuneAsync(params, disableFutureTuning): tune on the libuv thread pool. */
static napi_value index_tune_async(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    str_arg params;
    bool disable;
    if (!get_tune_args(env, argv, &params, &disable)) return NULL;
    async_op* op = op_new(env, OP_TUNE, ni, self);
    if (op == NULL) {
        str_free(&params);
        return NULL;
    }
    op->str = heap_string(&params);
    op->count = disable ? 1 : 0;
    if (op->str == NULL) {
        op_free(env, op);
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    return op_queue(env, op, "vsag.tuneAsync");
}

/* mergeAsync(sources, froms, tos): merge on the libuv thread pool. */
static napi_value index_merge_async(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    merge_req* m = get_merge_req(env, argv);
    if (m == NULL) return NULL;
    async_op* op = op_new(env, OP_MERGE, ni, self);
    if (op == NULL) {
        merge_req_free(env, m);
        return NULL;
    }
    op->merge = m;
    return op_queue(env, op, "vsag.mergeAsync");
}

static napi_value index_build_async(napi_env env, napi_callback_info info) {
    return insert_async(env, info, OP_BUILD);
}

static napi_value index_add_async(napi_env env, napi_callback_info info) {
    return insert_async(env, info, OP_ADD);
}

static napi_value knn_async(napi_env env, napi_callback_info info, bool batch) {
    size_t argc = batch ? 6 : 4;
    napi_value argv[6], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    search_args a;
    if (!get_search_args(env, ni, argv, batch, &a)) return NULL;
    str_arg expr = {NULL, {0}};
    if (batch && !get_string(env, argv[5], "filterExpr", true, &expr)) {
        str_free(&a.params);
        return NULL;
    }
    async_op* op = op_new(env, batch ? OP_KNN_BATCH : OP_KNN, ni, self);
    if (op == NULL) {
        str_free(&a.params);
        str_free(&expr);
        return NULL;
    }
    op->expr = heap_string(&expr);
    op->vectors = a.queries.data;
    op->dtype = a.dtype;
    op->count = (uint64_t)a.nq;
    op->dim = batch ? ni->dim : a.queries.length;
    op->k = a.k;
    op->str = heap_string(&a.params);
    op->filter = a.filter.f;
    op->has_filter = a.filter.present;
    napi_value ids_ab, dists_ab;
    void *ids, *dists;
    bool ok = op_keep(env, op, argv[0]);
    for (int i = 0; ok && i < a.filter.narrays; i++) ok = op_keep(env, op, a.filter.arrays[i]);
    if (!ok) {
        op_free(env, op);
        throw_error(env, 2, "cannot reference the arguments");
        return NULL;
    }
    if (!batch) return op_queue(env, op, "vsag.knnSearchAsync");
    if (!result_width(env, ni, a.k, &op->k) ||
        !alloc_results(env, a.nq, op->k, &ids_ab, &ids, &dists_ab, &dists)) {
        op_free(env, op);
        return NULL;
    }
    op->out_ids = ids;
    op->out_dists = dists;
    if (!op_keep(env, op, ids_ab) || !op_keep(env, op, dists_ab)) {
        op->out_ids = NULL;
        op_free(env, op);
        throw_error(env, 2, "cannot reference the result buffers");
        return NULL;
    }
    return op_queue(env, op, "vsag.knnSearchBatchAsync");
}

static napi_value index_knn_search_async(napi_env env, napi_callback_info info) {
    return knn_async(env, info, false);
}

static napi_value index_knn_search_batch_async(napi_env env, napi_callback_info info) {
    return knn_async(env, info, true);
}

/* searchAsync(query, options, extraInfoSize): search on the libuv thread pool. */
static napi_value index_search_async(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    search_req* s = get_search_req(env, ni, argv[0], argv[1], argv[2]);
    if (s == NULL) return NULL;
    async_op* op = op_new(env, OP_SEARCH, ni, self);
    if (op == NULL) {
        search_req_free(s);
        return NULL;
    }
    op->search = s;
    bool ok = true;
    for (int i = 0; ok && i < s->q.nkeep; i++) ok = op_keep(env, op, s->q.keep[i]);
    for (int i = 0; ok && i < s->filter.narrays; i++) ok = op_keep(env, op, s->filter.arrays[i]);
    if (!ok) {
        op_free(env, op);
        throw_error(env, 2, "cannot reference the arguments");
        return NULL;
    }
    return op_queue(env, op, "vsag.searchAsync");
}

static napi_value file_async(napi_env env, napi_callback_info info, op_kind kind) {
    size_t argc = 1;
    napi_value argv[1], self;
    native_index* ni = this_index(env, info, &argc, argv, &self);
    if (ni == NULL) return NULL;
    str_arg path;
    if (!get_string(env, argv[0], "filename", false, &path)) return NULL;
    async_op* op = op_new(env, kind, ni, self);
    if (op == NULL) {
        str_free(&path);
        return NULL;
    }
    op->str = heap_string(&path);
    return op_queue(env, op, kind == OP_SAVE ? "vsag.saveAsync" : "vsag.loadAsync");
}

static napi_value index_save_async(napi_env env, napi_callback_info info) {
    return file_async(env, info, OP_SAVE);
}

static napi_value index_load_async(napi_env env, napi_callback_info info) {
    return file_async(env, info, OP_LOAD);
}

/* ------------------------------------------------------------------------------------------ */
/* Module functions                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* init(VsagError) registers the error class thrown by every failure. */
static napi_value mod_init(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    napi_valuetype t = napi_undefined;
    if (argc >= 1) napi_typeof(env, argv[0], &t);
    if (t != napi_function) {
        throw_error(env, CODE_INVALID_ARGUMENT, "init expects the VsagError class");
        return NULL;
    }
    addon_state* st = get_state(env);
    if (st->error_ctor) napi_delete_reference(env, st->error_ctor);
    NAPI_CALL(env, napi_create_reference(env, argv[0], 1, &st->error_ctor));
    return undefined(env);
}

/* loadFile(path) recreates an index from a file's own metadata. */
static napi_value mod_load_file(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    str_arg path;
    if (!get_string(env, argc >= 1 ? argv[0] : NULL, "filename", false, &path)) return NULL;
    vsag_index_t h = NULL;
    int st = vsag_index_load_file(path.s, &h);
    str_free(&path);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value obj = wrap_handle(env, h);
    if (obj == NULL) throw_error(env, 2, "cannot create the index object");
    return obj;
}

static napi_value mod_load_file_async(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    str_arg path;
    if (!get_string(env, argc >= 1 ? argv[0] : NULL, "filename", false, &path)) return NULL;
    async_op* op = op_new(env, OP_LOAD_FILE, NULL, NULL);
    if (op == NULL) {
        str_free(&path);
        return NULL;
    }
    op->str = heap_string(&path);
    return op_queue(env, op, "vsag.loadFileAsync");
}

/* fromBuffer(buffer) recreates an index from serialized bytes and their stored parameters. */
static napi_value mod_from_buffer(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    typed_arg b;
    if (!get_bytes(env, argc >= 1 ? argv[0] : NULL, "buffer", &b)) return NULL;
    vsag_index_t h = NULL;
    int st = vsag_index_load_buffer(b.data, b.length, &h);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value obj = wrap_handle(env, h);
    if (obj == NULL) throw_error(env, 2, "cannot create the index object");
    return obj;
}

/* ------------------------------------------------------------------------------------------ */
/* Resources: memory budgets, global options, logger and progress callbacks                    */
/* ------------------------------------------------------------------------------------------ */

/* get_byte_count reads a non-negative safe integer (a byte count). */
static bool get_byte_count(napi_env env, napi_value v, const char* what, uint64_t* out) {
    int64_t n = 0;
    if (!get_count(env, v, what, 9007199254740991.0, &n)) return false;
    *out = (uint64_t)n;
    return true;
}

static napi_value index_set_memory_budget(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    uint64_t n;
    if (!get_byte_count(env, argc >= 1 ? argv[0] : NULL, "bytes", &n)) return NULL;
    int st = vsag_index_set_memory_budget(ni->handle, n);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

static napi_value index_memory_figure(napi_env env, napi_callback_info info,
                                      int (*fn)(vsag_index_t, uint64_t*)) {
    native_index* ni = this_index(env, info, NULL, NULL, NULL);
    if (ni == NULL) return NULL;
    uint64_t n = 0;
    int st = fn(ni->handle, &n);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_create_double(env, (double)n, &out);
    return out;
}

static napi_value index_get_memory_budget(napi_env env, napi_callback_info info) {
    return index_memory_figure(env, info, vsag_index_get_memory_budget);
}

static napi_value index_get_budgeted_memory(napi_env env, napi_callback_info info) {
    return index_memory_figure(env, info, vsag_index_get_budgeted_memory);
}

static napi_value mod_set_global_memory_budget(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    uint64_t n;
    if (!get_byte_count(env, argc >= 1 ? argv[0] : NULL, "bytes", &n)) return NULL;
    int st = vsag_set_global_memory_budget(n);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

/* getGlobalMemory(which): 0 the global budget, 1 the bytes charged to it. */
static napi_value mod_get_global_memory(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    int64_t which = 0;
    if (!get_count(env, argc >= 1 ? argv[0] : NULL, "which", 1, &which)) return NULL;
    uint64_t n = 0;
    int st = which == 0 ? vsag_get_global_memory_budget(&n) : vsag_get_global_budgeted_memory(&n);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_create_double(env, (double)n, &out);
    return out;
}

static napi_value mod_set_option(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    str_arg name;
    if (!get_string(env, argc >= 1 ? argv[0] : NULL, "name", false, &name)) return NULL;
    double v = 0;
    napi_valuetype t = napi_undefined;
    if (argc >= 2) napi_typeof(env, argv[1], &t);
    if (t != napi_number || napi_get_value_double(env, argv[1], &v) != napi_ok || v != (double)(int64_t)v) {
        str_free(&name);
        throw_error(env, CODE_INVALID_ARGUMENT, "option value must be an integer");
        return NULL;
    }
    int st = vsag_set_option(name.s, (int64_t)v);
    str_free(&name);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

static napi_value mod_get_option(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    str_arg name;
    if (!get_string(env, argc >= 1 ? argv[0] : NULL, "name", false, &name)) return NULL;
    int64_t v = 0;
    int st = vsag_get_option(name.s, &v);
    str_free(&name);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out;
    napi_create_double(env, (double)v, &out);
    return out;
}

/* A callback context: a thread-safe function that calls the JavaScript function held by ref
 * on the main thread. Events from library threads are queued and delivered in order; during a
 * synchronous call they arrive once it returns. */
typedef struct callback_ctx {
    napi_threadsafe_function tsfn;
    napi_ref fn;     /* the current JavaScript callback, NULL when none */
    bool is_logger;  /* the library's logger points at it */
    bool finalized;  /* the thread-safe function is gone (environment teardown or release) */
    bool owner_gone; /* its index was finalized */
} callback_ctx;

typedef struct callback_event {
    int kind; /* 0 log, 1 progress */
    int level;
    char op[8];
    double done, total;
    char* message;
} callback_event;

static void callback_call_js(napi_env env, napi_value js_cb, void* context, void* data) {
    callback_ctx* ctx = context;
    callback_event* ev = data;
    (void)js_cb;
    if (env != NULL && ctx->fn != NULL) {
        napi_value fn, argv[3], global, result;
        if (napi_get_reference_value(env, ctx->fn, &fn) == napi_ok && fn != NULL) {
            if (ev->kind == 0) {
                napi_create_int32(env, ev->level, &argv[0]);
                napi_create_string_utf8(env, ev->message, NAPI_AUTO_LENGTH, &argv[1]);
            } else {
                napi_create_string_utf8(env, ev->op, NAPI_AUTO_LENGTH, &argv[0]);
                napi_create_double(env, ev->done, &argv[1]);
                napi_create_double(env, ev->total, &argv[2]);
            }
            napi_get_global(env, &global);
            if (napi_call_function(env, global, fn, ev->kind == 0 ? 2 : 3, argv, &result) != napi_ok) {
                /* an exception in the callback is reported as uncaught, not swallowed */
                napi_value exc;
                if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
            }
        }
    }
    free(ev->message);
    free(ev);
}

static callback_ctx* logger_ctx;

/* callback_finalize runs when the thread-safe function goes away: after its release, or when
 * the environment is torn down first. The library must not call into it afterwards. */
static void callback_finalize(napi_env env, void* data, void* hint) {
    callback_ctx* ctx = data;
    (void)hint;
    if (ctx->is_logger) {
        vsag_set_logger(NULL, NULL);
        logger_ctx = NULL;
    }
    if (ctx->fn != NULL) napi_delete_reference(env, ctx->fn);
    ctx->fn = NULL;
    ctx->finalized = true;
    if (ctx->is_logger || ctx->owner_gone) free(ctx);
}

/* callback_ctx_new makes a context whose thread-safe function does not keep the process alive. */
static callback_ctx* callback_ctx_new(napi_env env, const char* name) {
    callback_ctx* ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) return NULL;
    napi_value res_name;
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &res_name);
    if (napi_create_threadsafe_function(env, NULL, NULL, res_name, 0, 1, ctx, callback_finalize, ctx,
                                        callback_call_js, &ctx->tsfn) != napi_ok) {
        free(ctx);
        return NULL;
    }
    napi_unref_threadsafe_function(env, ctx->tsfn);
    return ctx;
}

/* callback_set makes v (a function, or null/undefined for none) ctx's callback. */
static bool callback_set(napi_env env, callback_ctx* ctx, napi_value v, bool* none) {
    napi_valuetype t = napi_undefined;
    if (v != NULL) napi_typeof(env, v, &t);
    *none = t == napi_undefined || t == napi_null;
    if (!*none && t != napi_function) {
        throw_error(env, CODE_INVALID_ARGUMENT, "callback must be a function or null");
        return false;
    }
    if (ctx->fn != NULL) {
        napi_delete_reference(env, ctx->fn);
        ctx->fn = NULL;
    }
    if (!*none) napi_create_reference(env, v, 1, &ctx->fn);
    return true;
}

static void queue_event(callback_ctx* ctx, callback_event* ev) {
    if (napi_call_threadsafe_function(ctx->tsfn, ev, napi_tsfn_nonblocking) != napi_ok) {
        free(ev->message);
        free(ev);
    }
}


static void on_log(int level, const char* message, void* user) {
    callback_event* ev = calloc(1, sizeof *ev);
    if (ev == NULL) return;
    ev->kind = 0;
    ev->level = level;
    ev->message = strdup(message);
    if (ev->message == NULL) {
        free(ev);
        return;
    }
    queue_event(user, ev);
}

/* setLogger(fn | null): fn(level, message) receives the library's messages. */
static napi_value mod_set_logger(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (logger_ctx == NULL) {
        if ((logger_ctx = callback_ctx_new(env, "vsag logger")) == NULL) {
            throw_error(env, 2, "cannot create the logger's thread-safe function");
            return NULL;
        }
        logger_ctx->is_logger = true;
    }
    bool none;
    if (!callback_set(env, logger_ctx, argc >= 1 ? argv[0] : NULL, &none)) return NULL;
    int st = none ? vsag_set_logger(NULL, NULL) : vsag_set_logger(on_log, logger_ctx);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

static int on_progress(const char* op, uint64_t done, uint64_t total, void* user) {
    callback_event* ev = calloc(1, sizeof *ev);
    if (ev == NULL) return 0;
    ev->kind = 1;
    snprintf(ev->op, sizeof ev->op, "%s", op);
    ev->done = (double)done;
    ev->total = (double)total;
    queue_event(user, ev);
    return 0; /* the event is delivered later: it cannot cancel */
}

/* setProgress(fn | null): fn(op, done, total) receives the progress of builds, adds, trains
 * and loads. */
static napi_value index_set_progress(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    if (ni->progress == NULL && (ni->progress = callback_ctx_new(env, "vsag progress")) == NULL) {
        throw_error(env, 2, "cannot create the progress thread-safe function");
        return NULL;
    }
    bool none;
    if (!callback_set(env, ni->progress, argc >= 1 ? argv[0] : NULL, &none)) return NULL;
    int st = none ? vsag_index_set_progress(ni->handle, NULL, NULL)
                  : vsag_index_set_progress(ni->handle, on_progress, ni->progress);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

/* progress_release lets the progress context go once the index is released (the library no
 * longer reaches it: its handle is closed). */
static void progress_release(native_index* ni) {
    callback_ctx* ctx = ni->progress;
    if (ctx == NULL) return;
    ni->progress = NULL;
    ctx->owner_gone = true;
    if (ctx->finalized) {
        free(ctx);
    } else {
        napi_release_threadsafe_function(ctx->tsfn, napi_tsfn_release);
    }
}

/* setLogLevel(level) sets the library log level (VSAG numbering, 0 trace .. 6 off). */
static napi_value mod_set_log_level(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    int64_t level;
    if (!get_count(env, argc >= 1 ? argv[0] : NULL, "level", 6, &level)) return NULL;
    int st = vsag_set_log_level((int)level);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

static napi_value mod_get_log_level(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value out;
    napi_create_int32(env, vsag_get_log_level(), &out);
    return out;
}

static napi_value mod_library_path(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value out;
    napi_create_string_utf8(env, vsag_library_path(), NAPI_AUTO_LENGTH, &out);
    return out;
}

static napi_value mod_version(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value out;
    napi_create_string_utf8(env, vsag_version(), NAPI_AUTO_LENGTH, &out);
    return out;
}

static napi_value mod_errstr(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1], out;
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    double code = 0;
    if (!get_number(env, argc >= 1 ? argv[0] : NULL, "code", &code)) return NULL;
    napi_create_string_utf8(env, vsag_errstr((int)code), NAPI_AUTO_LENGTH, &out);
    return out;
}

/* liveHandles() is the number of index handles held by NativeIndex objects in the process. */
static napi_value mod_live_handles(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value out;
    napi_create_int64(env, __atomic_load_n(&live_handles, __ATOMIC_RELAXED), &out);
    return out;
}

/* noop() returns undefined without touching the library: the floor of a call's cost. */
/* lastSearchNanoseconds() is vsag_last_search_nanoseconds: the time the calling thread's last
 * one-query search spent inside the engine (benchmarks subtract it from a call's wall time). */
static napi_value mod_last_search_ns(napi_env env, napi_callback_info info) {
    (void)info;
    napi_value out;
    NAPI_CALL(env, napi_create_double(env, (double)vsag_last_search_nanoseconds(), &out));
    return out;
}

static napi_value mod_noop(napi_env env, napi_callback_info info) {
    (void)env;
    (void)info;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Iterator search sessions (vsag_iterator_*)                                                  */
/* ------------------------------------------------------------------------------------------ */

/*
 * native_iter is the state behind the External a session is handed to JavaScript as. A session
 * returns at most the labels live when it was created, so its pages' buffers are capped at that
 * count (max_results) and never sized by a caller's k alone. Closing while a page runs on the
 * thread pool defers the destroy until that page completes.
 */
typedef struct native_iter {
    vsag_iterator_t h;
    int64_t max_results;
    int pending;
    bool close_requested;
} native_iter;

static void iter_finalize(napi_env env, void* data, void* hint) {
    (void)env;
    (void)hint;
    native_iter* it = data;
    if (it->h != NULL) vsag_iterator_destroy(it->h);
    free(it);
}

/* index.iteratorCreate(vector, parameters, filter) starts a session and returns its External. */
static napi_value index_iterator_create(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value argv[3];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    typed_arg q;
    vsag_dtype_t dt;
    if (!get_vectors(env, ni, argv[0], "vector", &q, &dt)) return NULL;
    if (q.length != ni->dim) {
        throw_errorf(env, CODE_DIMENSION_NOT_EQUAL,
                     "search iterator: vector holds %zu values, the index dim is %llu", q.length,
                     (unsigned long long)ni->dim);
        return NULL;
    }
    str_arg params;
    if (!get_string(env, argv[1], "parameters", true, &params)) return NULL;
    filter_arg f;
    if (!get_filter(env, argv[2], &f)) {
        str_free(&params);
        return NULL;
    }
    int64_t live = 0;
    int st = vsag_index_get_num_elements(ni->handle, &live);
    vsag_iterator_t h = NULL;
    if (st == 0)
        st = vsag_iterator_create(ni->handle, q.data, dt, q.length, params.s,
                                  f.present ? &f.f : NULL, &h);
    str_free(&params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    native_iter* it = calloc(1, sizeof *it);
    if (it == NULL) {
        vsag_iterator_destroy(h);
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    it->h = h;
    it->max_results = live > 0 ? live : 1;
    napi_value ext;
    if (napi_create_external(env, it, iter_finalize, NULL, &ext) != napi_ok) {
        iter_finalize(env, it, NULL);
        throw_error(env, 2, "cannot create the iterator object");
        return NULL;
    }
    return ext;
}

/* get_iter reads the External of a session; closed sessions throw WRONG_STATUS. */
static native_iter* get_iter(napi_env env, napi_value v) {
    native_iter* it = NULL;
    napi_valuetype t;
    if (napi_typeof(env, v, &t) != napi_ok || t != napi_external ||
        napi_get_value_external(env, v, (void**)&it) != napi_ok || it == NULL) {
        throw_error(env, CODE_INVALID_ARGUMENT, "not a search iterator");
        return NULL;
    }
    if (it->h == NULL || it->close_requested) {
        throw_error(env, CODE_WRONG_STATUS, "the search iterator is closed");
        return NULL;
    }
    return it;
}

/* iter_op is one page computed on the thread pool. */
typedef struct iter_op {
    napi_async_work work;
    napi_deferred deferred;
    napi_ref ext, ids, dists;
    native_iter* it;
    vsag_iterator_t h;
    bool drain;
    int64_t k;
    void* ids_data;
    void* dists_data;
    uint64_t n;
    int status;
    char* message;
} iter_op;

static void iter_execute(napi_env env, void* data) {
    (void)env;
    iter_op* op = data;
    op->status = op->drain ? vsag_iterator_drain(op->h, op->k, op->ids_data, op->dists_data, &op->n)
                           : vsag_iterator_next(op->h, op->k, op->ids_data, op->dists_data, &op->n);
    if (op->status != 0) {
        int code = vsag_last_error_code();
        op->message = strdup(code == op->status ? vsag_last_error() : "");
    }
}

static void iter_complete(napi_env env, napi_status status, void* data) {
    iter_op* op = data;
    napi_value value = NULL, ids_ab = NULL, dists_ab = NULL;
    bool ok = false;
    if (status != napi_ok) {
        value = make_error(env, 2, "the operation was cancelled");
    } else if (op->status != 0) {
        value = make_error(env, op->status, op->message);
    } else if (napi_get_reference_value(env, op->ids, &ids_ab) == napi_ok &&
               napi_get_reference_value(env, op->dists, &dists_ab) == napi_ok &&
               (value = search_result(env, ids_ab, dists_ab, (size_t)op->n)) != NULL) {
        ok = true;
    } else {
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (pending)
            napi_get_and_clear_last_exception(env, &value);
        else
            value = make_error(env, 2, "cannot create the result");
    }
    if (ok)
        napi_resolve_deferred(env, op->deferred, value);
    else
        napi_reject_deferred(env, op->deferred, value);
    native_iter* it = op->it;
    if (--it->pending == 0 && it->close_requested && it->h != NULL) {
        vsag_iterator_destroy(it->h);
        it->h = NULL;
    }
    napi_delete_reference(env, op->ext);
    napi_delete_reference(env, op->ids);
    napi_delete_reference(env, op->dists);
    napi_delete_async_work(env, op->work);
    free(op->message);
    free(op);
}

/*
 * iter_page is iteratorNext / iteratorDrain (ext, k) and their Async forms: a page of up to k
 * results as {ids, distances}, or a Promise of one computed on the thread pool.
 */
static napi_value iter_page(napi_env env, napi_callback_info info, bool drain, bool async) {
    size_t argc = 2;
    napi_value argv[2];
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
        throw_error(env, CODE_INVALID_ARGUMENT, "expected (iterator, k)");
        return NULL;
    }
    native_iter* it = get_iter(env, argv[0]);
    if (it == NULL) return NULL;
    int64_t k;
    if (!get_k(env, argv[1], &k)) return NULL;
    if (k > it->max_results) k = it->max_results;
    napi_value ids_ab, dists_ab;
    void *ids, *dists;
    if (!new_buffer(env, (size_t)k * sizeof(int64_t), &ids_ab, &ids) ||
        !new_buffer(env, (size_t)k * sizeof(float), &dists_ab, &dists))
        return NULL;
    if (!async) {
        uint64_t n = 0;
        int st = drain ? vsag_iterator_drain(it->h, k, ids, dists, &n)
                       : vsag_iterator_next(it->h, k, ids, dists, &n);
        if (st != 0) {
            throw_status(env, st);
            return NULL;
        }
        return search_result(env, ids_ab, dists_ab, (size_t)n);
    }
    iter_op* op = calloc(1, sizeof *op);
    if (op == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory");
        return NULL;
    }
    op->it = it;
    op->h = it->h;
    op->drain = drain;
    op->k = k;
    op->ids_data = ids;
    op->dists_data = dists;
    napi_value promise, name;
    if (napi_create_reference(env, argv[0], 1, &op->ext) != napi_ok ||
        napi_create_reference(env, ids_ab, 1, &op->ids) != napi_ok ||
        napi_create_reference(env, dists_ab, 1, &op->dists) != napi_ok ||
        napi_create_string_utf8(env, "vsag.iterator", NAPI_AUTO_LENGTH, &name) != napi_ok ||
        napi_create_async_work(env, NULL, name, iter_execute, iter_complete, op, &op->work) !=
            napi_ok ||
        napi_create_promise(env, &op->deferred, &promise) != napi_ok ||
        napi_queue_async_work(env, op->work) != napi_ok) {
        if (op->deferred)
            napi_reject_deferred(env, op->deferred, make_error(env, 2, "cannot queue the work"));
        if (op->ext) napi_delete_reference(env, op->ext);
        if (op->ids) napi_delete_reference(env, op->ids);
        if (op->dists) napi_delete_reference(env, op->dists);
        if (op->work) napi_delete_async_work(env, op->work);
        free(op);
        throw_error(env, 2, "cannot queue asynchronous work");
        return NULL;
    }
    it->pending++;
    return promise;
}

static napi_value mod_iterator_next(napi_env env, napi_callback_info info) {
    return iter_page(env, info, false, false);
}
static napi_value mod_iterator_next_async(napi_env env, napi_callback_info info) {
    return iter_page(env, info, false, true);
}
static napi_value mod_iterator_drain(napi_env env, napi_callback_info info) {
    return iter_page(env, info, true, false);
}
static napi_value mod_iterator_drain_async(napi_env env, napi_callback_info info) {
    return iter_page(env, info, true, true);
}

/* iteratorClose(ext) releases the session (after the page under way, if any); idempotent. */
static napi_value mod_iterator_close(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_iter* it = NULL;
    napi_valuetype t;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
        napi_typeof(env, argv[0], &t) != napi_ok || t != napi_external ||
        napi_get_value_external(env, argv[0], (void**)&it) != napi_ok || it == NULL) {
        throw_error(env, CODE_INVALID_ARGUMENT, "not a search iterator");
        return NULL;
    }
    if (it->pending > 0) {
        it->close_requested = true;
    } else if (it->h != NULL) {
        vsag_iterator_destroy(it->h);
        it->h = NULL;
    }
    return undefined(env);
}

/* ------------------------------------------------------------------------------------------ */
/* Registration                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------ */
/* Index introspection                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* json_string turns a JSON text the library allocated into a JavaScript string and frees it. */
static napi_value json_string(napi_env env, char* js, uint64_t len) {
    napi_value out = NULL;
    if (napi_create_string_utf8(env, js, (size_t)len, &out) != napi_ok) out = NULL;
    vsag_free(js);
    if (out == NULL) throw_error(env, 2, "cannot create the JSON string");
    return out;
}

/* getStats() returns the statistics as a JSON string (vsag_index_get_stats). */
static napi_value index_get_stats(napi_env env, napi_callback_info info) {
    size_t argc = 0;
    native_index* ni = this_index(env, info, &argc, NULL, NULL);
    if (ni == NULL) return NULL;
    char* js = NULL;
    uint64_t len = 0;
    int st = vsag_index_get_stats(ni->handle, &js, &len);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    return json_string(env, js, len);
}

/* analyzeIndexBySearch(queries, nq, k, parameters) returns the analysis of searching nq
 * queries as a JSON string (vsag_index_analyze_by_search). */
static napi_value index_analyze_by_search(napi_env env, napi_callback_info info) {
    size_t argc = 5;
    napi_value argv[5];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    if (napi_get_undefined(env, &argv[4]) != napi_ok) return NULL; /* no filter */
    search_args a;
    if (!get_search_args(env, ni, argv, true, &a)) return NULL;
    char* js = NULL;
    uint64_t len = 0;
    int st = vsag_index_analyze_by_search(ni->handle, a.queries.data, a.dtype, (uint64_t)a.nq,
                                          ni->dim, a.k, a.params.s, &js, &len);
    str_free(&a.params);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    return json_string(env, js, len);
}

/*
 * knnSearchMultiVectorBatch(queries, k, parameters, filter, filterExpr) searches every
 * document of multi-vector rows {vectors, vectorCounts} (warp and simq indexes) for its k
 * nearest documents in one call (vsag_index_knn_search_multi_vector_batch: all cores), writing
 * straight into the result arrays: one row of k per document (k capped as PAD_LIMIT says),
 * padded with -1 / Infinity.
 */
static napi_value index_knn_search_multi_vector_batch(napi_env env, napi_callback_info info) {
    size_t argc = 5;
    napi_value argv[5];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    rows_arg r;
    if (!get_rows(env, ni, argv[0], "queries", &r)) return NULL;
    if (r.kind != ROWS_MULTI) {
        rows_free(&r);
        throw_error(env, CODE_INVALID_ARGUMENT,
                    "knnSearchMultiVectorBatch takes multi-vector rows {vectors, vectorCounts}");
        return NULL;
    }
    if (ni->dim == 0 || r.vectors.length % ni->dim != 0) {
        throw_errorf(env, CODE_DIMENSION_NOT_EQUAL,
                     "queries: vectors holds %zu values, not a whole number of sub-vectors of the "
                     "index dim %llu",
                     r.vectors.length, (unsigned long long)ni->dim);
        rows_free(&r);
        return NULL;
    }
    int64_t k = 0;
    str_arg params = {0}, expr = {0};
    filter_arg filter;
    napi_value ids_ab, dists_ab, out = NULL;
    void *ids, *dists;
    bool ok = get_k(env, argv[1], &k) && get_string(env, argv[2], "parameters", true, &params) &&
              get_filter(env, argv[3], &filter) &&
              get_string(env, argv[4], "filterExpr", true, &expr);
    if (ok && result_width(env, ni, k, &k) &&
        alloc_results(env, (int64_t)r.nrows, k, &ids_ab, &ids, &dists_ab, &dists)) {
        int st = r.nrows == 0
                     ? 0
                     : vsag_index_knn_search_multi_vector_batch(
                           ni->handle, r.vectors.data, r.counts, r.nrows,
                           (uint64_t)(r.vectors.length / ni->dim), ni->dim, k, params.s, expr.s,
                           filter.present ? &filter.f : NULL, ids, dists);
        if (st != 0)
            throw_status(env, st);
        else
            out = batch_result(env, ids_ab, dists_ab, (int64_t)r.nrows, k);
    }
    str_free(&params);
    str_free(&expr);
    rows_free(&r);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* The single-query fast path of Index.knnSearch                                               */
/* ------------------------------------------------------------------------------------------ */

/*
 * fast_search is the per-environment state of knnSearchFast: the search parameters of the
 * calls, set by fastSearchParams only when they change (the TypeScript layer remembers the
 * last string it set), so a call does not copy the parameter string. It reaches the functions
 * as their callback data, without a lookup.
 */
typedef struct fast_search {
    char* params; /* NULL: none (the library's defaults) */
    size_t params_cap;
} fast_search;

static void fast_search_free(void* arg) {
    fast_search* fs = arg;
    free(fs->params);
    free(fs);
}

static fast_search* fast_search_new(napi_env env) {
    fast_search* fs = calloc(1, sizeof *fs);
    if (fs == NULL) return NULL;
    if (napi_add_env_cleanup_hook(env, fast_search_free, fs) != napi_ok) {
        free(fs);
        return NULL;
    }
    return fs;
}

/* fastSearchParams(parameters: string | undefined) sets the parameters of knnSearchFast. */
static napi_value mod_fast_search_params(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    fast_search* fs = NULL;
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, (void**)&fs));
    str_arg p;
    if (!get_string(env, argc ? argv[0] : NULL, "parameters", true, &p)) return NULL;
    if (p.s == NULL) {
        free(fs->params);
        fs->params = NULL;
        fs->params_cap = 0;
        return NULL;
    }
    size_t len = strlen(p.s);
    if (len + 1 > fs->params_cap) {
        char* n = malloc(len + 1);
        if (n == NULL) {
            str_free(&p);
            throw_error(env, CODE_NO_ENOUGH_MEMORY, "out of memory copying the parameters");
            return NULL;
        }
        free(fs->params);
        fs->params = n;
        fs->params_cap = len + 1;
    }
    memcpy(fs->params, p.s, len + 1);
    str_free(&p);
    return NULL;
}

/*
 * fast_header opens the pool of knnSearchFast: the caller writes the index's library handle
 * (fastHandle()), k and the entry offset there, and the function writes back the number of
 * real results (-1: not served). Passing them in memory instead of as arguments saves an
 * N-API call each.
 */
typedef struct fast_header {
    uint64_t handle;
    int32_t k;
    int32_t offset;
    int32_t count;
    int32_t reserved[3];
} fast_header;

/*
 * knnSearchFast(vector, pool) is knnSearchInto without a filter, with the parameters of
 * fastSearchParams, on the index and for the k and offset in pool's header, writing k results
 * into pool from entry offset. pool is an ArrayBuffer of 32 + 12*m bytes: the header
 * (fast_header), m ids (int64), then m distances (float32). The handle is the library's: the
 * library detects a stale or forged one and fails the call, so no receiver is unwrapped
 * (napi_unwrap costs as much as the rest of the call). Three N-API calls where knnSearchInto
 * makes sixteen. The header's count becomes the number of real results (the rest of the k
 * entries is padding), or -1 when the call is not this common case (a Float32Array or
 * Int8Array vector; k >= 1; offset + k <= m) or the library refused it (another dimension or
 * element type, a closed index): the caller then takes the general path, which checks every
 * argument and throws the error. The pool is looked up on every call, so a detached one (0
 * bytes) is never written.
 */
static napi_value mod_knn_search_fast(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    fast_search* fs = NULL;
    if (napi_get_cb_info(env, info, &argc, argv, NULL, (void**)&fs) != napi_ok) return NULL;
    size_t bytes = 0;
    void* pool = NULL;
    if (argc != 2 || fs == NULL ||
        napi_get_arraybuffer_info(env, argv[1], &pool, &bytes) != napi_ok || pool == NULL ||
        bytes < sizeof(fast_header) || (bytes - sizeof(fast_header)) % 12 != 0 ||
        ((uintptr_t)pool & 7) != 0)
        return NULL;
    fast_header* hd = pool;
    size_t m = (bytes - sizeof(fast_header)) / 12;
    int32_t k = hd->k, off = hd->offset;
    hd->count = -1;
    napi_typedarray_type qt = napi_int8_array;
    size_t qlen = 0;
    void* q = NULL;
    if (hd->handle == 0 || k < 1 || off < 0 || (size_t)off + (size_t)k > m ||
        napi_get_typedarray_info(env, argv[0], &qt, &qlen, &q, NULL, NULL) != napi_ok ||
        (qt != napi_float32_array && qt != napi_int8_array) || qlen == 0 || q == NULL)
        return NULL;
    int64_t* ids = (int64_t*)(hd + 1) + off;
    float* dists = (float*)((char*)(hd + 1) + 8 * m) + off;
    vsag_dtype_t dt = qt == napi_float32_array ? VSAG_DTYPE_FLOAT32 : VSAG_DTYPE_INT8;
    if (vsag_index_knn_search_batch((vsag_index_t)(uintptr_t)hd->handle, q, dt, 1, qlen, k,
                                    fs->params, NULL, ids, dists) != 0)
        return NULL;
    int32_t n = k;
    while (n > 0 && ids[n - 1] < 0) n--;
    hd->count = n;
    return NULL;
}

/* fastHandle() is the index's library handle for knnSearchFast (a BigInt), null once closed. */
static napi_value index_fast_handle(napi_env env, napi_callback_info info) {
    napi_value self, out;
    NAPI_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
    native_index* ni = NULL;
    if (napi_unwrap(env, self, (void**)&ni) != napi_ok || ni == NULL) {
        throw_error(env, CODE_INVALID_ARGUMENT, "receiver is not a vsag index");
        return NULL;
    }
    if (ni->handle == NULL) {
        NAPI_CALL(env, napi_get_null(env, &out));
        return out;
    }
    NAPI_CALL(env, napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)ni->handle, &out));
    return out;
}

#define METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

NAPI_MODULE_INIT() {
    char why[4096];
    if (vsag_open(why, sizeof why) != 0) {
        char msg[4400];
        snprintf(msg, sizeof msg,
                 "vsag: cannot load libvsag.so; tried: %s. Build it with `make build`, or set "
                 "VSAG_LIBRARY_PATH to the library or its directory.",
                 why);
        napi_throw_error(env, NULL, msg);
        return NULL;
    }
    addon_state* st = calloc(1, sizeof *st);
    if (st == NULL) return NULL;
    if (napi_set_instance_data(env, st, state_finalize, NULL) != napi_ok) {
        free(st);
        return NULL;
    }
    fast_search* fs = fast_search_new(env);
    if (fs == NULL) return NULL;
    napi_property_descriptor methods[] = {
        METHOD("fastHandle", index_fast_handle),
        METHOD("close", index_close),
        METHOD("isClosed", index_is_closed),
        METHOD("build", index_build),
        METHOD("add", index_add),
        METHOD("remove", index_remove),
        METHOD("knnSearch", index_knn_search),
        METHOD("knnSearchInto", index_knn_search_into),
        METHOD("knnSearchBatch", index_knn_search_batch),
        METHOD("knnSearchMultiVectorBatch", index_knn_search_multi_vector_batch),
        METHOD("rangeSearch", index_range_search),
        METHOD("save", index_save),
        METHOD("load", index_load),
        METHOD("getNumElements", index_get_num_elements),
        METHOD("getNumRemoved", index_get_num_removed),
        METHOD("getMemoryUsage", index_get_memory_usage),
        METHOD("estimateMemory", index_estimate_memory),
        METHOD("checkIdExist", index_check_id_exist),
        METHOD("checkIdsExist", index_check_ids_exist),
        METHOD("getMinMaxId", index_get_min_max_id),
        METHOD("calcDistancesById", index_calc_distances_by_id),
        METHOD("getSparseVectorsByIds", index_get_sparse_vectors_by_ids),
        METHOD("calcDistancesByIdBatch", index_calc_distances_by_id_batch),
        METHOD("checkFeature", index_check_feature),
        METHOD("exportIds", index_export_ids),
        METHOD("getName", index_get_name),
        METHOD("getParameters", index_get_parameters),
        METHOD("getDim", index_get_dim),
        METHOD("setImmutable", index_set_immutable),
        METHOD("reset", index_reset),
        METHOD("updateExtraInfo", index_update_extra_info),
        METHOD("getExtraInfoByIds", index_get_extra_info_by_ids),
        METHOD("insertExtra", index_insert_extra),
        METHOD("getAttributesByIds", index_get_attributes),
        METHOD("getStats", index_get_stats),
        METHOD("analyzeIndexBySearch", index_analyze_by_search),
        METHOD("setLeanVecMatrices", index_set_leanvec_matrices),
        METHOD("trainWithQueries", index_train_with_queries),
        METHOD("serialize", index_serialize),
        METHOD("deserialize", index_deserialize),
        METHOD("buildAsync", index_build_async),
        METHOD("addAsync", index_add_async),
        METHOD("knnSearchAsync", index_knn_search_async),
        METHOD("knnSearchBatchAsync", index_knn_search_batch_async),
        METHOD("saveAsync", index_save_async),
        METHOD("loadAsync", index_load_async),
        METHOD("search", index_search),
        METHOD("searchAsync", index_search_async),
        METHOD("insertRows", index_insert_rows),
        METHOD("train", index_train),
        METHOD("trainAsync", index_train_async),
        METHOD("clone", index_clone),
        METHOD("exportModel", index_export_model),
        METHOD("merge", index_merge),
        METHOD("mergeAsync", index_merge_async),
        METHOD("iteratorCreate", index_iterator_create),
        METHOD("feedback", index_feedback),
        METHOD("pretrain", index_pretrain),
        METHOD("pretrainAsync", index_pretrain_async),
        METHOD("tune", index_tune),
        METHOD("tuneAsync", index_tune_async),
        METHOD("setMemoryBudget", index_set_memory_budget),
        METHOD("getMemoryBudget", index_get_memory_budget),
        METHOD("getBudgetedMemory", index_get_budgeted_memory),
        METHOD("setProgress", index_set_progress),
    };
    napi_value ctor;
    if (napi_define_class(env, "NativeIndex", NAPI_AUTO_LENGTH, index_new, NULL,
                          sizeof methods / sizeof methods[0], methods, &ctor) != napi_ok)
        return NULL;
    if (napi_create_reference(env, ctor, 1, &st->index_ctor) != napi_ok) return NULL;
    napi_property_descriptor fns[] = {
        METHOD("init", mod_init),
        METHOD("loadFile", mod_load_file),
        METHOD("loadFileAsync", mod_load_file_async),
        METHOD("fromBuffer", mod_from_buffer),
        METHOD("setLogLevel", mod_set_log_level),
        METHOD("getLogLevel", mod_get_log_level),
        METHOD("version", mod_version),
        METHOD("libraryPath", mod_library_path),
        METHOD("errstr", mod_errstr),
        METHOD("noop", mod_noop),
        METHOD("lastSearchNanoseconds", mod_last_search_ns),
        METHOD("liveHandles", mod_live_handles),
        METHOD("iteratorNext", mod_iterator_next),
        METHOD("iteratorNextAsync", mod_iterator_next_async),
        METHOD("iteratorDrain", mod_iterator_drain),
        METHOD("iteratorDrainAsync", mod_iterator_drain_async),
        METHOD("iteratorClose", mod_iterator_close),
        METHOD("setLogger", mod_set_logger),
        METHOD("setGlobalMemoryBudget", mod_set_global_memory_budget),
        METHOD("getGlobalMemory", mod_get_global_memory),
        METHOD("setOption", mod_set_option),
        METHOD("getOption", mod_get_option),
        {"fastSearchParams", NULL, mod_fast_search_params, NULL, NULL, NULL, napi_default, fs},
        {"knnSearchFast", NULL, mod_knn_search_fast, NULL, NULL, NULL, napi_default, fs},
        {"NativeIndex", NULL, NULL, NULL, NULL, ctor, napi_default, NULL},
    };
    if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok)
        return NULL;
    extern int vsag_node_define_allocators(napi_env env, napi_value exports); /* at the end */
    if (vsag_node_define_allocators(env, exports) != 0) return NULL;
    return exports;
}

/* ------------------------------------------------------------------------------------------ */
/* Allocators: the library's counting allocator, its policy set from JavaScript                */
/* ------------------------------------------------------------------------------------------ */

/* There is no allocator written in JavaScript, by design: the library allocates and frees slabs
 * on its own threads (the build workers, and the thread that reclaims replaced or destroyed
 * slabs at any later time), and JavaScript runs on the main thread only. A synchronous call from
 * a library thread would wait for the main thread, which may itself be waiting in the library
 * (a synchronous build holding the lock the allocating thread needs): a deadlock; an
 * asynchronous call (a thread-safe function) cannot return the memory. So Node hands indexes
 * the library's counting allocator (vsag_counting_allocator_new: malloc, counted and limited in
 * C, no callback) and sets its limit and reads its counters from JavaScript. The four functions
 * are looked up here so that an older libvsag.so without them still loads the addon. */
#include <dlfcn.h>

static struct {
    int tried;
    int (*set)(vsag_index_t, const vsag_allocator_t*);
    int (*make)(const char*, uint64_t, vsag_allocator_t*);
    int (*stats)(const vsag_allocator_t*, vsag_allocator_stats_t*);
    int (*limit)(const vsag_allocator_t*, uint64_t);
} alloc_api;

/* alloc_api_ready resolves the allocator functions once (on the main thread); it throws and
 * returns false when the library lacks them. */
static bool alloc_api_ready(napi_env env) {
    if (!alloc_api.tried) {
        alloc_api.tried = 1;
        void* h = dlopen(vsag_library_path(), RTLD_NOW | RTLD_NOLOAD);
        if (h != NULL) {
            *(void**)&alloc_api.set = dlsym(h, "vsag_index_set_allocator");
            *(void**)&alloc_api.make = dlsym(h, "vsag_counting_allocator_new");
            *(void**)&alloc_api.stats = dlsym(h, "vsag_counting_allocator_stats");
            *(void**)&alloc_api.limit = dlsym(h, "vsag_counting_allocator_set_limit");
        }
    }
    if (alloc_api.set == NULL || alloc_api.make == NULL || alloc_api.stats == NULL || alloc_api.limit == NULL) {
        throw_error(env, VSAG_UNSUPPORTED_INDEX_OPERATION,
                    "this libvsag.so has no counting allocator (vsag_counting_allocator_new)");
        return false;
    }
    return true;
}

/* The tag of the externals holding a vsag_allocator_t made by allocatorNew. */
static const napi_type_tag alloc_tag = {0x76736167616c6c6fULL, 0x636f756e74696e67ULL};

static void alloc_finalize(napi_env env, void* data, void* hint) { free(data); }

/* get_allocator returns the vsag_allocator_t of an allocatorNew external, or throws. */
static vsag_allocator_t* get_allocator(napi_env env, napi_value v) {
    bool ok = false;
    void* data = NULL;
    napi_valuetype t;
    if (v != NULL && napi_typeof(env, v, &t) == napi_ok && t == napi_external &&
        napi_check_object_type_tag(env, v, &alloc_tag, &ok) == napi_ok && ok &&
        napi_get_value_external(env, v, &data) == napi_ok && data != NULL)
        return data;
    throw_error(env, CODE_INVALID_ARGUMENT, "allocator: not a CountingAllocator");
    return NULL;
}

/* allocatorNew(name, limit): an external holding a new counting allocator. */
static napi_value mod_allocator_new(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (!alloc_api_ready(env)) return NULL;
    char name[64] = "counting";
    napi_valuetype t;
    if (argc >= 1 && napi_typeof(env, argv[0], &t) == napi_ok && t == napi_string)
        NAPI_CALL(env, napi_get_value_string_utf8(env, argv[0], name, sizeof name, NULL));
    uint64_t limit;
    if (!get_byte_count(env, argc >= 2 ? argv[1] : NULL, "limit", &limit)) return NULL;
    vsag_allocator_t* a = calloc(1, sizeof *a);
    if (a == NULL) {
        throw_error(env, CODE_NO_ENOUGH_MEMORY, "allocator: out of memory");
        return NULL;
    }
    int st = alloc_api.make(name, limit, a);
    if (st != 0) {
        free(a);
        throw_status(env, st);
        return NULL;
    }
    /* The external owns only this copy of the struct: the allocator's state lives for the
     * process, and every index keeps its own copy. */
    napi_value ext;
    if (napi_create_external(env, a, alloc_finalize, NULL, &ext) != napi_ok) {
        free(a);
        throw_error(env, CODE_INVALID_ARGUMENT, "allocator: cannot create the external");
        return NULL;
    }
    NAPI_CALL(env, napi_type_tag_object(env, ext, &alloc_tag));
    return ext;
}

/* allocatorStats(ext): {bytesInUse, peakBytes, blocks, allocations, failures, limit}. */
static napi_value mod_allocator_stats(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (!alloc_api_ready(env)) return NULL;
    vsag_allocator_t* a = get_allocator(env, argc >= 1 ? argv[0] : NULL);
    if (a == NULL) return NULL;
    vsag_allocator_stats_t s;
    int st = alloc_api.stats(a, &s);
    if (st != 0) {
        throw_status(env, st);
        return NULL;
    }
    napi_value out, v;
    NAPI_CALL(env, napi_create_object(env, &out));
    const char* names[] = {"bytesInUse", "peakBytes", "blocks", "allocations", "failures", "limit"};
    const uint64_t vals[] = {s.bytes_in_use, s.peak_bytes, s.blocks, s.allocations, s.failures, s.limit};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        NAPI_CALL(env, napi_create_double(env, (double)vals[i], &v));
        NAPI_CALL(env, napi_set_named_property(env, out, names[i], v));
    }
    return out;
}

/* allocatorSetLimit(ext, limit). */
static napi_value mod_allocator_set_limit(napi_env env, napi_callback_info info) {
    size_t argc = 2;
    napi_value argv[2];
    NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (!alloc_api_ready(env)) return NULL;
    vsag_allocator_t* a = get_allocator(env, argc >= 1 ? argv[0] : NULL);
    if (a == NULL) return NULL;
    uint64_t limit;
    if (!get_byte_count(env, argc >= 2 ? argv[1] : NULL, "limit", &limit)) return NULL;
    int st = alloc_api.limit(a, limit);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

/* indexSetAllocator.call(nativeIndex, ext | null). */
static napi_value mod_index_set_allocator(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value argv[1];
    native_index* ni = this_index(env, info, &argc, argv, NULL);
    if (ni == NULL) return NULL;
    if (!alloc_api_ready(env)) return NULL;
    vsag_allocator_t* a = NULL;
    if (argc >= 1 && !is_nullish(env, argv[0])) {
        a = get_allocator(env, argv[0]);
        if (a == NULL) return NULL;
    }
    int st = alloc_api.set(ni->handle, a);
    if (st != 0) throw_status(env, st);
    return undefined(env);
}

/* vsag_node_define_allocators adds the allocator functions to the module's exports. */
int vsag_node_define_allocators(napi_env env, napi_value exports);
int vsag_node_define_allocators(napi_env env, napi_value exports) {
    napi_property_descriptor fns[] = {
        METHOD("allocatorNew", mod_allocator_new),
        METHOD("allocatorStats", mod_allocator_stats),
        METHOD("allocatorSetLimit", mod_allocator_set_limit),
        METHOD("indexSetAllocator", mod_index_set_allocator),
    };
    return napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) == napi_ok ? 0 : -1;
}
