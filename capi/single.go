package main

/*
#include "capi.h"
*/
import "C"

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// knnSearchOne is vsag_index_knn_search_batch for one query (nq = 1): the single-query path of
// the bindings. It runs Index.Search on the calling thread and copies its neighbours straight
// into the caller's row, without the Dataset and batch machinery, and stores the time spent in
// Index.Search, in nanoseconds, in *last (the calling thread's slot read by
// vsag_last_search_nanoseconds; nil: not recorded).
func knnSearchOne(h C.uintptr_t, query unsafe.Pointer, dtype C.vsag_dtype_t, dim C.uint64_t, k C.int64_t,
	params *C.char, cf *C.vsag_filter_t, ids *C.int64_t, dists *C.float, last *C.uint64_t) C.int {
	const what = "batch search"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if err := checkResults(what, 1, int64(k)); err != nil {
		return fail(err)
	}
	if ids == nil || dists == nil {
		return fail(errNil(what, "output buffer"))
	}
	var q []float32
	if dtype == C.VSAG_DTYPE_FLOAT32 && query != nil && dim > 0 {
		q = unsafe.Slice((*float32)(query), int(dim))
	} else {
		qs, err := vectorDataset(what, query, dtype, 1, uint64(dim))
		if err != nil {
			return fail(err) // checks the dtype and the pointer
		}
		if q, err = x.QueryFloat32(qs, what); err != nil {
			return fail(err)
		}
	}
	f, release, err := buildFilter(x, what, cf)
	if err != nil {
		return fail(err)
	}
	defer release()
	js := paramString(params)
	start := time.Now()
	ns, err := x.Search(q, int(k), js, f)
	elapsed := time.Since(start)
	if last != nil {
		*last = C.uint64_t(elapsed)
	}
	if err != nil {
		return fail(err)
	}
	writeNeighbors(ns, int64s(ids, uint64(k)), float32s(dists, uint64(k)))
	return 0
}

// writeNeighbors writes ns into the row ids, dists, padding it with -1 / +Inf.
func writeNeighbors(ns []core.Neighbor, ids []int64, dists []float32) {
	n := min(len(ns), len(ids))
	for j := 0; j < n; j++ {
		ids[j], dists[j] = ns[j].ID, ns[j].Distance
	}
	pad(ids[n:], dists[n:])
}

// paramStrings holds Go copies of the search parameter strings seen so far (at most
// paramStringsMax, each at most paramStringMax bytes), so that a query loop passing the same
// parameters does not copy them into a new Go string per call. The map is never modified once
// published: a new string publishes a new map.
var (
	paramStrings   atomic.Pointer[map[string]string]
	paramStringsMu sync.Mutex
)

const (
	paramStringsMax = 64
	paramStringMax  = 1024
)

// paramString returns the NUL-terminated C string p as a Go string ("" for NULL) that stays
// valid after the call, reusing the copy made for an equal string before.
func paramString(p *C.char) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	if n == 0 {
		return ""
	}
	view := unsafe.String((*byte)(unsafe.Pointer(p)), n) // valid during this call only
	if m := paramStrings.Load(); m != nil {
		if s, ok := (*m)[view]; ok {
			return s
		}
	}
	s := strings.Clone(view)
	if n > paramStringMax {
		return s
	}
	paramStringsMu.Lock()
	defer paramStringsMu.Unlock()
	old := paramStrings.Load()
	if old != nil && len(*old) >= paramStringsMax {
		return s
	}
	m := make(map[string]string, 1+lenOf(old))
	if old != nil {
		for key, v := range *old {
			m[key] = v
		}
	}
	m[s] = s
	paramStrings.Store(&m)
	return s
}

func lenOf(m *map[string]string) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
