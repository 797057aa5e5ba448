/*
 * _fastpath.c - pyvsag's single-query search without ctypes.
 *
 * Index.knn_search calls knn_search() below for its common case: a numpy query of the index's
 * element type (one 1-D vector, or a 2-D batch), C-contiguous, aligned and in native byte
 * order; k an int in 1..1024; parameters a str, bytes, dict or None; an optional prepared
 * filter. It reads the array's memory in place, creates the two result arrays, releases the
 * GIL around vsag_index_knn_search_batch and returns (ids, distances). A ctypes call spends
 * more than a microsecond converting its arguments; this spends a few dozen nanoseconds.
 *
 * knn_search returns None for anything else, and when the library reports an error: the
 * caller then takes its general (ctypes) path, which converts the input or raises the error
 * with its message. The results are those of that path, element for element.
 *
 * The module does not link libvsag.so: bind() receives the address of the library's
 * vsag_index_knn_search_batch from the ctypes handle pyvsag already opened, so both paths
 * always call the same copy of the library, wherever it was found.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <stdint.h>

/* vsag_index_knn_search_batch (include/vsag.h); the dtype is an int (vsag_dtype_t). */
typedef int (*knn_batch_fn)(void* index, const void* queries, int dtype, uint64_t nq,
                            uint64_t dim, int64_t k, const char* parameters,
                            const void* filter, int64_t* ids, float* dists);

/* PAD_LIMIT: the widest k served here (pyvsag.PAD_LIMIT; a wider k is capped first). */
#define PAD_LIMIT 1024

static knn_batch_fn knn_batch;
/* param_bytes: pyvsag's cached encoding of a dict of search parameters (dict -> bytes). */
static PyObject* param_bytes;
/* want[dtype]: the numpy type a query of each vsag_dtype_t must have (FLOAT32, FLOAT16,
 * BFLOAT16 as raw uint16 bits, INT8), in native byte order. */
static const int want[4] = {NPY_FLOAT32, NPY_FLOAT16, NPY_UINT16, NPY_INT8};

/*
 * Result rows of one query come from slabs: for each k up to SLAB_MAX_K, two arrays of
 * SLAB_ROWS rows (ids, distances) whose rows are handed out once each, as views. A view costs
 * less than an array with memory of its own, for which numpy looks up its allocator each
 * time. A slab lives while any of its rows does; the GIL guards the handing out.
 */
#define SLAB_ROWS 256
#define SLAB_MAX_K 64

typedef struct slab {
    PyObject* ids;   /* int64, SLAB_ROWS * k */
    PyObject* dists; /* float32, SLAB_ROWS * k */
    int next;        /* the next row to hand out */
} slab;

static slab slabs[SLAB_MAX_K + 1];
static PyArray_Descr *descr_ids, *descr_dists;

/* row_view returns the view of n entries of base from entry off. */
static PyObject* row_view(PyObject* base, PyArray_Descr* descr, npy_intp off, npy_intp n) {
    char* data = (char*)PyArray_DATA((PyArrayObject*)base) + off * descr->elsize;
    Py_INCREF(descr); /* stolen by PyArray_NewFromDescr */
    PyObject* v = PyArray_NewFromDescr(&PyArray_Type, descr, 1, &n, NULL, data,
                                       NPY_ARRAY_CARRAY, NULL);
    if (v == NULL) return NULL;
    Py_INCREF(base);
    if (PyArray_SetBaseObject((PyArrayObject*)v, base) < 0) { /* steals base */
        Py_DECREF(v);
        return NULL;
    }
    return v;
}

/* new_results creates the id and distance arrays of shape (k,) (ndim 1) or (nq, k). */
static int new_results(int ndim, npy_intp nq, npy_intp k, PyObject** ids, PyObject** dists) {
    *ids = *dists = NULL;
    if (ndim == 1 && k <= SLAB_MAX_K) {
        slab* s = &slabs[k];
        if (s->ids == NULL || s->next >= SLAB_ROWS) {
            npy_intp n = SLAB_ROWS * k;
            PyObject* a = PyArray_SimpleNew(1, &n, NPY_INT64);
            PyObject* b = a == NULL ? NULL : PyArray_SimpleNew(1, &n, NPY_FLOAT32);
            if (b == NULL) {
                Py_XDECREF(a);
                return -1;
            }
            Py_XSETREF(s->ids, a);
            Py_XSETREF(s->dists, b);
            s->next = 0;
        }
        npy_intp off = (npy_intp)s->next++ * k;
        *ids = row_view(s->ids, descr_ids, off, k);
        *dists = *ids == NULL ? NULL : row_view(s->dists, descr_dists, off, k);
    } else {
        npy_intp shape[2] = {nq, k};
        npy_intp* rshape = ndim == 1 ? shape + 1 : shape;
        *ids = PyArray_SimpleNew(ndim, rshape, NPY_INT64);
        *dists = *ids == NULL ? NULL : PyArray_SimpleNew(ndim, rshape, NPY_FLOAT32);
    }
    if (*dists == NULL) {
        Py_CLEAR(*ids);
        return -1;
    }
    return 0;
}

static PyObject* bind(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 2 || !PyLong_Check(args[0]) || !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "bind(address of vsag_index_knn_search_batch, param_bytes)");
        return NULL;
    }
    void* fn = PyLong_AsVoidPtr(args[0]);
    if (fn == NULL) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "null function address");
        return NULL;
    }
    Py_INCREF(args[1]);
    Py_XSETREF(param_bytes, args[1]);
    knn_batch = (knn_batch_fn)fn;
    Py_RETURN_NONE;
}

/*
 * knn_search(handle, vector, k, parameters, dtype, filter_address) -> (ids, dists) or None.
 * handle is the index handle (int); dtype the index's vsag_dtype_t; filter_address the
 * address of a vsag_filter_t (0: none), kept alive by the caller.
 */
static PyObject* knn_search(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    (void)self;
    if (nargs != 6 || knn_batch == NULL) Py_RETURN_NONE;
    PyObject *h = args[0], *vec = args[1], *ko = args[2], *po = args[3];
    if (!PyLong_CheckExact(h) || !PyArray_CheckExact(vec) || !PyLong_CheckExact(ko) ||
        !PyLong_CheckExact(args[4]) || !PyLong_CheckExact(args[5]))
        Py_RETURN_NONE;
    long dt = PyLong_AsLong(args[4]);
    if (dt < 0 || dt > 3) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    PyArrayObject* q = (PyArrayObject*)vec;
    int ndim = PyArray_NDIM(q);
    if ((ndim != 1 && ndim != 2) || PyArray_TYPE(q) != want[dt] || !PyArray_ISNOTSWAPPED(q) ||
        !PyArray_IS_C_CONTIGUOUS(q) || !PyArray_ISALIGNED(q))
        Py_RETURN_NONE;
    npy_intp nq = ndim == 1 ? 1 : PyArray_DIM(q, 0);
    npy_intp dim = PyArray_DIM(q, ndim - 1);
    int overflow = 0;
    long long k = PyLong_AsLongLongAndOverflow(ko, &overflow);
    if (nq <= 0 || dim <= 0 || overflow != 0 || k <= 0 || k > PAD_LIMIT) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    void* index = PyLong_AsVoidPtr(h);
    void* filter = PyLong_AsVoidPtr(args[5]);
    if (PyErr_Occurred()) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }

    /* The parameters as a C string: a str's UTF-8 form is cached inside it (an ASCII str is
     * its own UTF-8), bytes are used as they are, a dict goes through pyvsag's cache. */
    PyObject* enc = NULL;
    const char* params;
    if (PyUnicode_CheckExact(po)) {
        params = PyUnicode_AsUTF8(po);
        if (params == NULL) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
    } else if (PyBytes_CheckExact(po)) {
        params = PyBytes_AS_STRING(po);
    } else if (po == Py_None) {
        params = "";
    } else if (PyDict_CheckExact(po)) {
        enc = PyObject_CallOneArg(param_bytes, po);
        if (enc == NULL) return NULL; /* the general path would raise the same */
        if (!PyBytes_CheckExact(enc)) {
            Py_DECREF(enc);
            Py_RETURN_NONE;
        }
        params = PyBytes_AS_STRING(enc);
    } else {
        Py_RETURN_NONE;
    }

    PyObject *ids, *dists; /* (k,) for one vector, (nq, k) for a batch */
    if (new_results(ndim, nq, (npy_intp)k, &ids, &dists) < 0) {
        Py_XDECREF(enc);
        return NULL;
    }
    const void* data = PyArray_DATA(q);
    int64_t* out_ids = (int64_t*)PyArray_DATA((PyArrayObject*)ids);
    float* out_dists = (float*)PyArray_DATA((PyArrayObject*)dists);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = knn_batch(index, data, (int)dt, (uint64_t)nq, (uint64_t)dim, (int64_t)k, params, filter,
                   out_ids, out_dists);
    Py_END_ALLOW_THREADS
    Py_XDECREF(enc);
    if (rc != 0) {
        Py_DECREF(ids);
        Py_DECREF(dists);
        Py_RETURN_NONE;
    }
    PyObject* res = PyTuple_New(2);
    if (res == NULL) {
        Py_DECREF(ids);
        Py_DECREF(dists);
        return NULL;
    }
    PyTuple_SET_ITEM(res, 0, ids);
    PyTuple_SET_ITEM(res, 1, dists);
    return res;
}

static PyMethodDef methods[] = {
    {"bind", (PyCFunction)(void (*)(void))bind, METH_FASTCALL,
     "bind(address, param_bytes): the library's vsag_index_knn_search_batch and pyvsag's "
     "encoder of dict parameters"},
    {"knn_search", (PyCFunction)(void (*)(void))knn_search, METH_FASTCALL,
     "knn_search(handle, vector, k, parameters, dtype, filter_address) -> (ids, dists), or "
     "None when the general path must run"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fastpath",
    "pyvsag's single-query knn search without ctypes (see Index.knn_search)", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastpath(void) {
    import_array();
    descr_ids = PyArray_DescrFromType(NPY_INT64); /* builtin, kept for the module's life */
    descr_dists = PyArray_DescrFromType(NPY_FLOAT32);
    if (descr_ids == NULL || descr_dists == NULL) return NULL;
    return PyModule_Create(&module);
}
