package main

/*
#include <stdlib.h>
#include <string.h>
#include "capi.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// kindIterator is the handle kind of a vsag_iterator_t.
const kindIterator handleKind = 4

// iterator is the object behind a vsag_iterator_t: a core session and the filter it was
// created with, kept as a private copy of the caller's vsag_filter_t.
type iterator struct {
	mu     sync.Mutex
	x      *core.Index
	s      *core.SearchIterator
	filter *pageFilter // nil when the session keeps every label

	// cf is the copy of the caller's filter, in C memory with its arrays (the bitset field
	// holds a handle, not an address, so no Go value may hold the struct); nil without one.
	cf *C.vsag_filter_t
}

// pageFilter is the filter a session holds: the filter built from the saved vsag_filter_t for
// the page under way (a bitset handle is looked up and read-locked per page, so the caller may
// keep changing it between pages).
type pageFilter struct {
	cur   api.Filter
	ratio float32
}

func (p *pageFilter) CheckValid(label int64) bool { return p.cur == nil || p.cur.CheckValid(label) }
func (p *pageFilter) ValidRatio() float32         { return p.ratio }

func getIterator(h C.uintptr_t) (*iterator, error) {
	obj, err := handles.get(uint64(h), kindIterator)
	if err != nil {
		return nil, err
	}
	it, ok := obj.(*iterator)
	if !ok {
		return nil, lookupErr(uint64(h), kindIterator)
	}
	return it, nil
}

// saveFilter copies the struct_size bytes of cf and the arrays it points to into C memory,
// so the session does not depend on the caller's memory after create (callbacks and their
// contexts must stay valid: they are called during each page). freeFilter releases the copy.
func (it *iterator) saveFilter(cf *C.vsag_filter_t) {
	full := unsafe.Sizeof(*cf)
	size := min(uintptr(cf.struct_size), full)
	it.cf = (*C.vsag_filter_t)(cMalloc(full))
	C.memset(unsafe.Pointer(it.cf), 0, C.size_t(full))
	C.memcpy(unsafe.Pointer(it.cf), unsafe.Pointer(cf), C.size_t(size))
	// the copy's arrays are NULL until allocated: if C memory runs out (cMalloc panics), what
	// was copied so far is freed before the panic goes on to the call's guard
	it.cf.mask, it.cf.exclude_ids = nil, nil
	kept := false
	defer func() {
		if !kept {
			it.freeFilter()
		}
	}()
	if fieldFits(size, unsafe.Offsetof(cf.mask_len), 8) && cf.mask != nil {
		n := uint64(cf.mask_len)
		if cf.flags&C.VSAG_FILTER_MASK_PACKED != 0 {
			n = (n + 7) >> 3
		}
		m := cMalloc(uintptr(max(n, 1)))
		C.memcpy(m, unsafe.Pointer(cf.mask), C.size_t(n))
		it.cf.mask = (*C.uint8_t)(m)
	}
	if fieldFits(size, unsafe.Offsetof(cf.num_exclude_ids), 8) && cf.exclude_ids != nil && cf.num_exclude_ids > 0 {
		n := C.size_t(cf.num_exclude_ids) * 8
		e := cMalloc(uintptr(n))
		C.memcpy(e, unsafe.Pointer(cf.exclude_ids), n)
		it.cf.exclude_ids = (*C.int64_t)(e)
	}
	kept = true
}

// freeFilter releases the copy saveFilter made.
func (it *iterator) freeFilter() {
	if it.cf == nil {
		return
	}
	size := uintptr(it.cf.struct_size)
	if fieldFits(size, unsafe.Offsetof(it.cf.mask_len), 8) && it.cf.mask != nil {
		C.free(unsafe.Pointer(it.cf.mask))
	}
	if fieldFits(size, unsafe.Offsetof(it.cf.num_exclude_ids), 8) && it.cf.exclude_ids != nil && it.cf.num_exclude_ids > 0 {
		C.free(unsafe.Pointer(it.cf.exclude_ids))
	}
	C.free(unsafe.Pointer(it.cf))
	it.cf = nil
}

//export vsagi_iterator_create
func vsagi_iterator_create(h C.uintptr_t, query unsafe.Pointer, dtype C.vsag_dtype_t, dim C.uint64_t,
	params *C.char, cf *C.vsag_filter_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	const what = "iterator create"
	if out == nil {
		return fail(errNil(what, "out"))
	}
	*out = 0
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if uint64(dim) != uint64(x.Dim()) {
		return failf(api.DimensionNotEqual, "%s: query dim %d does not match the index dim %d", what, uint64(dim), x.Dim())
	}
	if query == nil {
		return fail(errNil(what, "query"))
	}
	q, err := vectorDataset(what, query, dtype, 1, uint64(dim))
	if err != nil {
		return fail(err)
	}
	it := &iterator{x: x}
	var filter api.Filter
	if cf != nil {
		// validate the caller's filter (and learn its valid ratio) before keeping a copy
		f, release, err := buildFilter(x, what, cf)
		if err != nil {
			return fail(err)
		}
		if f != nil {
			it.filter = &pageFilter{ratio: f.ValidRatio()}
			filter = it.filter
			func() {
				defer release() // also when saveFilter runs out of C memory
				it.saveFilter(cf)
			}()
		} else {
			release()
		}
	}
	s, err := x.NewSearchIteratorDataset(q, goStr(params), filter)
	if err != nil {
		it.freeFilter()
		return fail(err)
	}
	it.s = s
	hh, err := handles.add(kindIterator, it)
	if err != nil {
		s.Close()
		it.freeFilter()
		return fail(err)
	}
	*out = C.uintptr_t(hh)
	return 0
}

// page runs one Next or Drain of the iterator behind h into the caller's buffers.
func page(h C.uintptr_t, k C.int64_t, ids *C.int64_t, dists *C.float, count *C.uint64_t, drain bool) C.int {
	what := "iterator next"
	if drain {
		what = "iterator drain"
	}
	if count != nil {
		*count = 0
	}
	it, err := getIterator(h)
	if err != nil {
		return fail(err)
	}
	if k <= 0 {
		return failf(api.InvalidArgument, "%s: k %d must be positive", what, int64(k))
	}
	if ids == nil || dists == nil || count == nil {
		return fail(errNil(what, "ids, dists or count"))
	}
	it.mu.Lock()
	defer it.mu.Unlock()
	if it.filter != nil && !it.s.Closed() {
		f, release, err := buildFilter(it.x, what, it.cf)
		if err != nil {
			return fail(err)
		}
		it.filter.cur = f
		defer func() {
			it.filter.cur = nil
			release()
		}()
	}
	kk := int(min(int64(k), int64(maxRows)))
	var ns []core.Neighbor
	if drain {
		ns, err = it.s.Drain(kk)
	} else {
		ns, err = it.s.Next(kk)
	}
	if err != nil {
		return fail(err)
	}
	n := min(len(ns), kk)
	oi := unsafe.Slice((*int64)(unsafe.Pointer(ids)), n)
	od := unsafe.Slice((*float32)(unsafe.Pointer(dists)), n)
	for i := 0; i < n; i++ {
		oi[i], od[i] = ns[i].ID, ns[i].Distance
	}
	*count = C.uint64_t(n)
	return 0
}

//export vsagi_iterator_next
func vsagi_iterator_next(h C.uintptr_t, k C.int64_t, ids *C.int64_t, dists *C.float, count *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	return page(h, k, ids, dists, count, false)
}

//export vsagi_iterator_drain
func vsagi_iterator_drain(h C.uintptr_t, k C.int64_t, ids *C.int64_t, dists *C.float, count *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	return page(h, k, ids, dists, count, true)
}

//export vsagi_iterator_destroy
func vsagi_iterator_destroy(h C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if h == 0 {
		return 0
	}
	obj, err := handles.release(uint64(h), kindIterator)
	if err != nil {
		return fail(err)
	}
	if it, ok := obj.(*iterator); ok {
		it.mu.Lock()
		it.s.Close()
		it.freeFilter()
		it.mu.Unlock()
	}
	return 0
}
