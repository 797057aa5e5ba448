package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// Limits on sizes coming from C, so that products never overflow and hostile values fail
// cleanly before any memory is touched.
const (
	maxRows = 1 << 40
	maxDim  = 1 << 20
	maxVals = 1 << 46
)

// goStr returns the C string s as a Go string ("" for NULL).
func goStr(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

func getIndex(h C.uintptr_t) (*core.Index, error) {
	obj, err := handles.get(uint64(h), kindIndex)
	if err != nil {
		return nil, err
	}
	return obj.(*core.Index), nil
}

func checkSizes(what string, n, dim uint64) error {
	if n > maxRows {
		return api.Errorf(api.InvalidArgument, "%s: count %d is too large", what, n)
	}
	if dim > maxDim {
		return api.Errorf(api.InvalidArgument, "%s: dim %d is too large", what, dim)
	}
	if n*dim > maxVals {
		return api.Errorf(api.InvalidArgument, "%s: count*dim %d is too large", what, n*dim)
	}
	return nil
}

// checkResults checks the result layout of a batch search: nq rows of k entries in the
// caller's buffers. k itself is not limited (the search caps it at the live count and pads the
// rest of each row); only nq*k must stay addressable.
func checkResults(what string, nq uint64, k int64) error {
	if nq > maxRows {
		return api.Errorf(api.InvalidArgument, "%s: nq %d is too large", what, nq)
	}
	if k <= 0 {
		return api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	if nq > 0 && uint64(k) > maxVals/nq {
		return api.Errorf(api.InvalidArgument, "%s: nq*k = %d*%d result entries is too large", what, nq, k)
	}
	return nil
}

// vectorDataset wraps n rows of dim elements of type dt at p, without copying.
func vectorDataset(what string, p unsafe.Pointer, dt C.vsag_dtype_t, n, dim uint64) (*core.Dataset, error) {
	if err := checkSizes(what, n, dim); err != nil {
		return nil, err
	}
	if p == nil && n > 0 && dim > 0 {
		return nil, errNil(what, "vectors")
	}
	ds := &core.Dataset{NumElements: int(n), Dim: int(dim)}
	cnt := int(n * dim)
	if cnt == 0 {
		p = nil
	}
	switch dt {
	case C.VSAG_DTYPE_FLOAT32:
		ds.Float32 = unsafe.Slice((*float32)(p), cnt)
		if ds.Float32 == nil {
			ds.Float32 = []float32{}
		}
	case C.VSAG_DTYPE_FLOAT16:
		ds.Float16 = unsafe.Slice((*uint16)(p), cnt)
		if ds.Float16 == nil {
			ds.Float16 = []uint16{}
		}
	case C.VSAG_DTYPE_BFLOAT16:
		ds.BFloat16 = unsafe.Slice((*uint16)(p), cnt)
		if ds.BFloat16 == nil {
			ds.BFloat16 = []uint16{}
		}
	case C.VSAG_DTYPE_INT8:
		ds.Int8 = unsafe.Slice((*int8)(p), cnt)
		if ds.Int8 == nil {
			ds.Int8 = []int8{}
		}
	default:
		return nil, api.Errorf(api.InvalidArgument, "%s: dtype %d is not one of VSAG_DTYPE_FLOAT32/FLOAT16/BFLOAT16/INT8", what, int(dt))
	}
	return ds, nil
}

// int64s views n int64 values at p (nil for n == 0).
func int64s(p *C.int64_t, n uint64) []int64 {
	if n == 0 || p == nil {
		return nil
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(p)), n)
}

// float32s views n float32 values at p (nil for n == 0).
func float32s(p *C.float, n uint64) []float32 {
	if n == 0 || p == nil {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(p)), n)
}

// float32Query returns one query of dim elements of type dt at p as float32, for the calls of
// core that take a float32 query: float32 memory is viewed in place, other element types are
// converted by core (Index.QueryFloat32). The dimension is checked before the memory is viewed.
func float32Query(x *core.Index, what string, p unsafe.Pointer, dt C.vsag_dtype_t, dim uint64) ([]float32, error) {
	if p == nil {
		return nil, errNil(what, "query")
	}
	if dim != uint64(x.Dim()) {
		return nil, api.Errorf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, dim, x.Dim())
	}
	if dt == C.VSAG_DTYPE_FLOAT32 {
		return unsafe.Slice((*float32)(p), dim), nil
	}
	ds, err := vectorDataset(what, p, dt, 1, dim)
	if err != nil {
		return nil, err
	}
	return x.QueryFloat32(ds, what)
}

// writeFailed copies the labels that could not be inserted to the caller's buffers.
func writeFailed(failed []int64, out *C.int64_t, capacity uint64, num *C.uint64_t) {
	if num != nil {
		*num = C.uint64_t(len(failed))
	}
	if out != nil && len(failed) > 0 {
		n := min(uint64(len(failed)), capacity)
		copy(int64s(out, n), failed)
	}
}

// cMalloc allocates n bytes of C memory (at least 1, so the pointer is never NULL).
func cMalloc(n uintptr) unsafe.Pointer {
	if n == 0 {
		n = 1
	}
	p := C.vsagi_try_malloc(C.size_t(n))
	if p == nil {
		panic(api.Errorf(api.NoEnoughMemory, "cannot allocate %d bytes of C memory", n))
	}
	return p
}

// cMallocAll allocates an array of each size with cMalloc; when one cannot be had, the ones
// already made are freed before the panic goes on.
func cMallocAll(sizes ...uintptr) []unsafe.Pointer {
	out := make([]unsafe.Pointer, 0, len(sizes))
	defer func() {
		if r := recover(); r != nil {
			for _, p := range out {
				C.free(p)
			}
			panic(r)
		}
	}()
	for _, n := range sizes {
		out = append(out, cMalloc(n))
	}
	return out
}

// copyOut writes s into a caller buffer of cap bytes, NUL-terminated and truncated, and stores
// the full length.
func copyOut(s string, buf *C.char, capacity C.uint64_t, length *C.uint64_t) {
	if length != nil {
		*length = C.uint64_t(len(s))
	}
	if buf == nil || capacity == 0 {
		return
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(buf)), uint64(capacity))
	n := copy(dst[:len(dst)-1], s)
	dst[n] = 0
}
