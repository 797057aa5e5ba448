/* Small helpers shared by the C tests of libvsag.so: checks, seeded data, an exact oracle. */
#ifndef VSAG_TESTUTIL_H
#define VSAG_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsag.h"

static int tu_checks, tu_failures;

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        tu_checks++;                                                                              \
        if (!(cond)) {                                                                            \
            tu_failures++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed (last error %d: %s)\n", __FILE__, __LINE__, \
                    #cond, vsag_last_error_code(), vsag_last_error());                            \
        }                                                                                         \
    } while (0)

/* OK checks that an int-returning call succeeds. */
#define OK(expr) CHECK((expr) == VSAG_SUCCESS)
/* FAILS checks that an int-returning call fails with code and leaves a message. */
#define FAILS(expr, want_)                                                                  \
    do {                                                                                   \
        vsag_clear_last_error();                                                           \
        int rc_ = (expr);                                                                  \
        CHECK(rc_ == (want_));                                                              \
        CHECK(vsag_last_error_code() == (want_));                                           \
        CHECK(strlen(vsag_last_error()) > 0);                                              \
        if (rc_ != (want_)) fprintf(stderr, "  got %d (%s)\n", rc_, vsag_errstr(rc_));      \
    } while (0)
/* EOK checks that an Error_t-returning call succeeds. */
#define EOK(expr)                                                                       \
    do {                                                                                \
        Error_t e_ = (expr);                                                            \
        CHECK(e_.code == VSAG_SUCCESS);                                                 \
        if (e_.code != VSAG_SUCCESS) fprintf(stderr, "  error: %s\n", e_.message);      \
    } while (0)
/* EFAILS checks that an Error_t-returning call fails with code and a message. */
#define EFAILS(expr, want_)                                                              \
    do {                                                                                \
        Error_t e_ = (expr);                                                            \
        CHECK(e_.code == (want_));                                                       \
        CHECK(strlen(e_.message) > 0 && strcmp(e_.message, "success") != 0);            \
        if (e_.code != (want_)) fprintf(stderr, "  got %d: %s\n", e_.code, e_.message);  \
    } while (0)

static inline int tu_report(const char* name) {
    if (tu_failures > 0) {
        fprintf(stderr, "%s: %d of %d checks FAILED\n", name, tu_failures, tu_checks);
        return 1;
    }
    printf("%s: all %d checks passed\n", name, tu_checks);
    return 0;
}

/* tu_rand is a 64-bit LCG (Knuth's MMIX constants); tu_uniform gives [0,1). */
static uint64_t tu_state = 42;
static inline void tu_seed(uint64_t s) { tu_state = s * 2862933555777941757ull + 3037000493ull; }
static inline float tu_uniform(void) {
    tu_state = tu_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((tu_state >> 40) & 0xFFFFFF) / 16777216.0f;
}

static inline float* tu_vectors(int64_t n, int64_t dim, uint64_t seed) {
    float* v = (float*)malloc(sizeof(float) * (size_t)(n * dim));
    tu_seed(seed);
    for (int64_t i = 0; i < n * dim; i++) v[i] = tu_uniform();
    return v;
}

static inline float tu_l2(const float* a, const float* b, int64_t dim) {
    float s = 0;
    for (int64_t i = 0; i < dim; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

/* tu_exact_knn writes the labels (ids[row]) of the k nearest rows of base to q, ascending. */
static inline void tu_exact_knn(const float* base, const int64_t* ids, int64_t n, int64_t dim,
                         const float* q, int64_t k, int64_t* out, float* out_d) {
    for (int64_t j = 0; j < k; j++) {
        out[j] = -1;
        out_d[j] = INFINITY;
    }
    for (int64_t i = 0; i < n; i++) {
        float d = tu_l2(base + i * dim, q, dim);
        if (d >= out_d[k - 1]) continue;
        int64_t j = k - 1;
        while (j > 0 && out_d[j - 1] > d) {
            out_d[j] = out_d[j - 1];
            out[j] = out[j - 1];
            j--;
        }
        out_d[j] = d;
        out[j] = ids[i];
    }
}

static inline int tu_near(float a, float b) { return fabsf(a - b) <= 1e-4f * (1 + fabsf(a) + fabsf(b)); }

/* f32 -> IEEE half and bfloat16 bits (round to nearest even; no NaN handling needed here). */
static inline uint16_t tu_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    int32_t exp = (int32_t)((x >> 23) & 0xFF) - 127 + 15;
    uint32_t man = x & 0x7FFFFFu;
    if (exp <= 0) {
        if (exp < -10) return (uint16_t)sign;
        man |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - exp);
        uint32_t h = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
    if (exp >= 31) return (uint16_t)(sign | 0x7C00u);
    uint32_t h = sign | ((uint32_t)exp << 10) | (man >> 13);
    uint32_t rem = man & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
    return (uint16_t)h;
}

static inline uint16_t tu_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t lsb = (x >> 16) & 1u;
    x += 0x7FFFu + lsb;
    return (uint16_t)(x >> 16);
}

#endif
