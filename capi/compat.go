package main

/*
#include "capi.h"
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// Statistics of the compatibility layer are keyed by the address of the caller's
// SearchResult_t, as in VSAG: enable registers a request, the next search through that
// SearchResult_t attaches a malloc'd JSON string, destroy frees it.
var stats struct {
	mu      sync.Mutex
	pending atomic.Int64 // number of requests not yet attached; skips the lock when 0
	m       map[uintptr]*C.char
}

//export vsagi_stats_enable
func vsagi_stats_enable(sr *C.SearchResult_t) (rc C.int) {
	defer guard(&rc)
	if sr == nil {
		return fail(errNil("enable statistics", "search result"))
	}
	stats.mu.Lock()
	defer stats.mu.Unlock()
	key := uintptr(unsafe.Pointer(sr))
	if _, ok := stats.m[key]; ok {
		return failf(api.InvalidArgument, "enable statistics: statistics are already enabled for this search result")
	}
	if stats.m == nil {
		stats.m = map[uintptr]*C.char{}
	}
	stats.m[key] = nil
	stats.pending.Add(1)
	sr.other_result = nil
	return 0
}

//export vsagi_stats_get
func vsagi_stats_get(sr *C.SearchResult_t) (s *C.char) {
	defer func() {
		if recover() != nil {
			s = nil
		}
	}()
	if sr == nil {
		return nil
	}
	stats.mu.Lock()
	defer stats.mu.Unlock()
	return stats.m[uintptr(unsafe.Pointer(sr))]
}

//export vsagi_stats_destroy
func vsagi_stats_destroy(sr *C.SearchResult_t) {
	defer func() { _ = recover() }()
	if sr == nil {
		return
	}
	stats.mu.Lock()
	defer stats.mu.Unlock()
	key := uintptr(unsafe.Pointer(sr))
	s, ok := stats.m[key]
	if !ok {
		return
	}
	delete(stats.m, key)
	if s == nil {
		stats.pending.Add(-1)
	} else {
		C.free(unsafe.Pointer(s))
	}
	sr.other_result = nil
}

// wantStats reports whether statistics were requested for sr and not attached yet.
func wantStats(sr *C.SearchResult_t) bool {
	if stats.pending.Load() == 0 {
		return false
	}
	stats.mu.Lock()
	defer stats.mu.Unlock()
	s, ok := stats.m[uintptr(unsafe.Pointer(sr))]
	return ok && s == nil
}

// attachStats attaches the statistics of a finished search to sr if still requested.
func attachStats(sr *C.SearchResult_t, js string) {
	stats.mu.Lock()
	defer stats.mu.Unlock()
	key := uintptr(unsafe.Pointer(sr))
	if s, ok := stats.m[key]; !ok || s != nil {
		return
	}
	cs := C.CString(js)
	stats.m[key] = cs
	stats.pending.Add(-1)
	sr.other_result = unsafe.Pointer(cs)
}

// vsagi_compat_search runs a knn (isRange false; limit is k) or range (limit caps the count)
// search for VSAG's C API and writes into the caller's SearchResult_t.
//
//export vsagi_compat_search
func vsagi_compat_search(h C.uintptr_t, query *C.float, dim C.uint64_t, isRange C.bool, limit C.int64_t,
	radius C.float, params *C.char, filter C.FilterFunc_t, sr *C.SearchResult_t) (rc C.int) {
	defer guard(&rc)
	what := "knn search"
	if isRange {
		what = "range search"
	}
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if sr == nil {
		return fail(errNil(what, "search result"))
	}
	if sr.ids == nil || sr.dists == nil {
		return fail(errNil(what, "search result ids or dists buffer"))
	}
	if limit <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(limit))
	}
	q, err := float32Query(x, what, unsafe.Pointer(query), C.VSAG_DTYPE_FLOAT32, uint64(dim))
	if err != nil {
		return fail(err)
	}
	var f api.Filter
	if filter != nil {
		f = compatFilter(filter)
	}
	js := goStr(params)
	var ns []core.Neighbor
	var res *core.SearchResult
	stats := ""
	withStats := wantStats(sr)
	switch {
	case withStats:
		req := &core.SearchRequest{Query: &core.Dataset{NumElements: 1, Dim: len(q), Float32: q}, Params: js, Filter: f}
		if isRange {
			req.Mode, req.Radius, req.LimitedSize = core.RangeSearchMode, float32(radius), int(limit)
		} else {
			req.TopK = int(limit)
		}
		res, stats, err = x.SearchWithStatistics(req)
	case bool(isRange):
		ns, err = x.RangeSearchVector(q, float32(radius), js, f, int(limit))
	default:
		ns, err = x.Search(q, int(limit), js, f)
	}
	if err != nil {
		return fail(err)
	}
	var n int
	if res != nil {
		n = min(len(res.IDs), int(limit))
		copy(unsafe.Slice((*int64)(unsafe.Pointer(sr.ids)), n), res.IDs)
		copy(unsafe.Slice((*float32)(unsafe.Pointer(sr.dists)), n), res.Distances)
	} else {
		n = min(len(ns), int(limit))
		ids := unsafe.Slice((*int64)(unsafe.Pointer(sr.ids)), n)
		dists := unsafe.Slice((*float32)(unsafe.Pointer(sr.dists)), n)
		for i := 0; i < n; i++ {
			ids[i], dists[i] = ns[i].ID, ns[i].Distance
		}
	}
	sr.count = C.int64_t(n)
	if withStats {
		attachStats(sr, stats)
	}
	return 0
}
