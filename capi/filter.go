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

// keepFn wraps a vsag_filter_fn (true keeps) as a Go predicate.
func keepFn(fn C.vsag_filter_fn, ctx unsafe.Pointer) func(int64) bool {
	return func(label int64) bool { return bool(C.vsagi_call_filter_fn(fn, C.int64_t(label), ctx)) }
}

// compatFilter wraps a FilterFunc_t of the compatibility layer as a filter.
// extraKeepFn wraps a vsag_extra_info_filter_fn (true keeps) as a predicate on extra-info
// bytes. The bytes hold no Go pointers and the callback may not retain them.
func extraKeepFn(fn C.vsag_extra_info_filter_fn, ctx unsafe.Pointer) func([]byte) bool {
	return func(info []byte) bool {
		var p *C.uint8_t
		if len(info) > 0 {
			p = (*C.uint8_t)(unsafe.Pointer(&info[0]))
		}
		return bool(C.vsagi_call_extra_info_filter_fn(fn, p, C.uint64_t(len(info)), ctx))
	}
}

func compatFilter(fn C.FilterFunc_t) api.Filter {
	return api.KeepFunc(func(label int64) bool { return bool(C.vsagi_call_filter_func(fn, C.int64_t(label))) }, 1)
}

// fieldFits reports whether a field at off of width bytes lies within struct_size.
func fieldFits(size uintptr, off, width uintptr) bool { return off+width <= size }

func noRelease() {}

// buildFilter reads a vsag_filter_t (may be NULL) into a core.FilterSpec, reading only the
// fields its struct_size covers, and builds its filter with core (nil when it keeps
// everything). The C arrays are viewed, not copied: they belong to the caller and are used
// only during the call. When the filter holds a bitset, the bitset's read lock is held until
// the returned release function is called (always call it).
func buildFilter(x *core.Index, what string, cf *C.vsag_filter_t) (api.Filter, func(), error) {
	if cf == nil {
		return nil, noRelease, nil
	}
	size := uintptr(cf.struct_size)
	if size < unsafe.Offsetof(cf.bitset) {
		return nil, noRelease, api.Errorf(api.InvalidArgument, "%s: filter struct_size %d is too small (set it to sizeof(vsag_filter_t) = %d)", what, size, unsafe.Sizeof(*cf))
	}
	// The extra-info callback (struct versions that have it): checked first so that an index
	// without extra info fails before anything is locked.
	var extra api.Filter
	if fieldFits(size, unsafe.Offsetof(cf.keep_extra_info_ctx), 8) && cf.keep_extra_info != nil {
		ef, err := x.ExtraInfoFilter(extraKeepFn(cf.keep_extra_info, cf.keep_extra_info_ctx), 1)
		if err != nil {
			return nil, noRelease, api.Wrap(api.UnsupportedIndexOperation, err, "%s: filter keep_extra_info", what)
		}
		extra = ef
	}
	var spec core.FilterSpec
	if fieldFits(size, unsafe.Offsetof(cf.mask_len), 8) && cf.mask != nil {
		if cf.mask_len > maxRows {
			return nil, noRelease, api.Errorf(api.InvalidArgument, "%s: filter mask_len %d is too large", what, uint64(cf.mask_len))
		}
		n := int64(cf.mask_len)
		spec.MaskPacked = cf.flags&C.VSAG_FILTER_MASK_PACKED != 0
		spec.MaskKeep = cf.flags&C.VSAG_FILTER_MASK_KEEP != 0
		nb := n
		if spec.MaskPacked {
			nb = (n + 7) >> 3
		}
		spec.Mask = unsafe.Slice((*byte)(unsafe.Pointer(cf.mask)), nb)
		spec.MaskLen = n
	}
	if fieldFits(size, unsafe.Offsetof(cf.num_exclude_ids), 8) && cf.exclude_ids != nil && cf.num_exclude_ids > 0 {
		if cf.num_exclude_ids > maxRows {
			return nil, noRelease, api.Errorf(api.InvalidArgument, "%s: filter num_exclude_ids %d is too large", what, uint64(cf.num_exclude_ids))
		}
		spec.ExcludeIDs = int64s(cf.exclude_ids, uint64(cf.num_exclude_ids))
	}
	if fieldFits(size, unsafe.Offsetof(cf.keep_ctx), 8) && cf.keep != nil {
		spec.Keep = keepFn(cf.keep, cf.keep_ctx)
	}
	if fieldFits(size, unsafe.Offsetof(cf.valid_ratio), 4) {
		spec.ValidRatio = float32(cf.valid_ratio)
	}
	release := noRelease
	// The bitset field holds a handle, not an address: read it as an integer so that no
	// pointer-typed Go value ever holds it.
	if fieldFits(size, unsafe.Offsetof(cf.bitset), 8) {
		if bh := *(*uintptr)(unsafe.Pointer(&cf.bitset)); bh != 0 {
			b, err := getBitset(C.uintptr_t(bh))
			if err != nil {
				return nil, noRelease, api.Wrap(api.InvalidArgument, err, "%s: filter bitset", what)
			}
			b.mu.RLock()
			release = b.mu.RUnlock
			spec.Bitset = b.b
		}
	}
	f, err := x.NewFilter(&spec, what)
	if err == nil {
		f = core.AllOf(f, extra)
	}
	if err != nil || f == nil {
		release()
		return nil, noRelease, err
	}
	return f, release, nil
}
