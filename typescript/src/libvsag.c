/* libvsag.c - opens libvsag.so at run time and resolves the functions the addon calls. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Declarations come from vsag.h itself, before libvsag.h turns the names into pointers. */
#include "vsag.h"

#define VSAG_DEFINE_IMPORT(name) __typeof__(name)* vsagp_##name;
#include "libvsag.h"
VSAG_IMPORTS(VSAG_DEFINE_IMPORT)

static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static int opened;
static char opened_path[PATH_MAX];

static void append(char* err, size_t cap, const char* text) {
    size_t n = strlen(err);
    if (n + 1 < cap) snprintf(err + n, cap - n, "%s%s", n ? "; " : "", text);
}

/* try_open opens path and resolves every import; on failure it records why in err. */
static int try_open(const char* path, char* err, size_t cap) {
    char why[PATH_MAX + 256];
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char* e = dlerror();
        snprintf(why, sizeof why, "%s (%s)", path, e ? e : "cannot open");
        append(err, cap, why);
        return -1;
    }
    void* sym;
#define VSAG_RESOLVE(name)                                                                     \
    sym = dlsym(h, #name);                                                                     \
    if (sym == NULL) {                                                                         \
        snprintf(why, sizeof why, "%s (lacks %s: an older library?)", path, #name);            \
        append(err, cap, why);                                                                 \
        return -1; /* the handle stays open: a Go runtime cannot be unloaded */                \
    }                                                                                          \
    memcpy(&vsagp_##name, &sym, sizeof sym);
    VSAG_IMPORTS(VSAG_RESOLVE)
#undef VSAG_RESOLVE
    /* Report the file the dynamic linker really used. */
    struct link_map* lm = NULL;
    const char* used = path;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm != NULL && lm->l_name && lm->l_name[0])
        used = lm->l_name;
    if (realpath(used, opened_path) == NULL) snprintf(opened_path, sizeof opened_path, "%s", used);
    return 0;
}

static int is_dir(const char* p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char* p) {
    struct stat st;
    return stat(p, &st) == 0 && !S_ISDIR(st.st_mode);
}

int vsag_open(char* err, size_t cap) {
    pthread_mutex_lock(&open_mu);
    if (opened) {
        pthread_mutex_unlock(&open_mu);
        return 0;
    }
    err[0] = '\0';
    char path[PATH_MAX + 32];
    int ok = -1;

    /* 1. The package's own copy, relative to this addon (build/Release/vsag.node). */
    Dl_info info;
    if (dladdr((void*)&vsag_open, &info) != 0 && info.dli_fname != NULL) {
        char self[PATH_MAX];
        snprintf(self, sizeof self, "%s", info.dli_fname);
        char* slash = strrchr(self, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(path, sizeof path, "%s/../../lib/libvsag.so", self);
            if (is_file(path))
                ok = try_open(path, err, cap);
            else {
                char why[PATH_MAX + 64];
                snprintf(why, sizeof why, "%s (absent)", path);
                append(err, cap, why);
            }
        }
    }
    /* 2. VSAG_LIBRARY_PATH: the file, or a directory holding libvsag.so. */
    const char* env = getenv("VSAG_LIBRARY_PATH");
    if (ok != 0 && env != NULL && env[0] != '\0') {
        if (is_dir(env))
            snprintf(path, sizeof path, "%s/libvsag.so", env);
        else
            snprintf(path, sizeof path, "%s", env);
        ok = try_open(path, err, cap);
    }
    /* 3. The system's search path (LD_LIBRARY_PATH, ld.so.cache, /usr/lib, ...). */
    if (ok != 0) ok = try_open("libvsag.so", err, cap);
    if (ok == 0) opened = 1;
    pthread_mutex_unlock(&open_mu);
    return ok;
}

const char* vsag_library_path(void) {
    return opened ? opened_path : "";
}
