package main

/*
#include "capi.h"
*/
import "C"

import (
	"math/bits"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// cFilter is the api.Filter built from a vsag_filter_t, a FilterFunc_t or a bitset handle. It
// keeps a label only when every part that is set keeps it. The C arrays it reads belong to the
// caller and are used only during the call.
type cFilter struct {
	bs       *bitset
	mask     []byte
	maskLen  int64
	maskKeep bool
	packed   bool
	exclude  map[int64]struct{}
	keep     C.vsag_filter_fn
	keepCtx  unsafe.Pointer
	compat   C.FilterFunc_t
	ratio    float32
}

// CheckValid implements api.Filter: true keeps label.
func (f *cFilter) CheckValid(label int64) bool {
	if f.bs != nil && f.bs.b.Test(label) {
		return false
	}
	if f.mask != nil {
		in := label >= 0 && label < f.maskLen
		set := false
		if in {
			if f.packed {
				set = f.mask[label>>3]&(1<<uint(label&7)) != 0
			} else {
				set = f.mask[label] != 0
			}
		}
		if f.maskKeep != set {
			return false
		}
	}
	if f.exclude != nil {
		if _, ok := f.exclude[label]; ok {
			return false
		}
	}
	if f.keep != nil && !bool(C.vsagi_call_filter_fn(f.keep, C.int64_t(label), f.keepCtx)) {
		return false
	}
	if f.compat != nil && !bool(C.vsagi_call_filter_func(f.compat, C.int64_t(label))) {
		return false
	}
	return true
}

// ValidRatio implements api.Filter.
func (f *cFilter) ValidRatio() float32 { return f.ratio }

// release drops the bitset read lock taken by buildFilter.
func (f *cFilter) release() {
	if f != nil && f.bs != nil {
		f.bs.mu.RUnlock()
	}
}

// countNonzeroBytes counts the nonzero bytes of b, eight at a time.
func countNonzeroBytes(b []byte) int64 {
	n := int64(0)
	for len(b) >= 8 {
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		w |= w >> 4
		w |= w >> 2
		w |= w >> 1
		n += int64(bits.OnesCount64(w & 0x0101010101010101))
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			n++
		}
	}
	return n
}

func countBits(b []byte, nbits int64) int64 {
	n := int64(0)
	full := nbits >> 3
	for _, c := range b[:full] {
		n += int64(bits.OnesCount8(c))
	}
	if r := nbits & 7; r != 0 {
		n += int64(bits.OnesCount8(b[full] & (1<<uint(r) - 1)))
	}
	return n
}

// fieldFits reports whether a field at off of width bytes lies within struct_size.
func fieldFits(size uintptr, off, width uintptr) bool { return off+width <= size }

// buildFilter converts a vsag_filter_t (may be NULL) into an api.Filter; the result is nil when
// the filter keeps everything. When the result holds a bitset, its read lock is held until
// release is called.
func buildFilter(x *core.Index, what string, cf *C.vsag_filter_t) (*cFilter, error) {
	if cf == nil {
		return nil, nil
	}
	size := uintptr(cf.struct_size)
	if size < unsafe.Offsetof(cf.bitset) {
		return nil, api.Errorf(api.InvalidArgument, "%s: filter struct_size %d is too small (set it to sizeof(vsag_filter_t) = %d)", what, size, unsafe.Sizeof(*cf))
	}
	f := &cFilter{}
	total := x.GetNumElements()
	ratio := float32(1)
	used := false
	if fieldFits(size, unsafe.Offsetof(cf.mask_len), 8) && cf.mask != nil {
		n := int64(cf.mask_len)
		if cf.mask_len > maxRows {
			return nil, api.Errorf(api.InvalidArgument, "%s: filter mask_len %d is too large", what, uint64(cf.mask_len))
		}
		f.packed = cf.flags&C.VSAG_FILTER_MASK_PACKED != 0
		f.maskKeep = cf.flags&C.VSAG_FILTER_MASK_KEEP != 0
		nb := n
		if f.packed {
			nb = (n + 7) >> 3
		}
		f.mask = unsafe.Slice((*byte)(unsafe.Pointer(cf.mask)), nb)
		f.maskLen = n
		var set int64
		if f.packed {
			set = countBits(f.mask, n)
		} else {
			set = countNonzeroBytes(f.mask)
		}
		if total > 0 {
			if f.maskKeep {
				ratio = min(ratio, float32(set)/float32(total))
			} else {
				ratio = min(ratio, 1-float32(set)/float32(total))
			}
		}
		used = true
	}
	if fieldFits(size, unsafe.Offsetof(cf.num_exclude_ids), 8) && cf.exclude_ids != nil && cf.num_exclude_ids > 0 {
		if cf.num_exclude_ids > maxRows {
			return nil, api.Errorf(api.InvalidArgument, "%s: filter num_exclude_ids %d is too large", what, uint64(cf.num_exclude_ids))
		}
		ids := int64s(cf.exclude_ids, uint64(cf.num_exclude_ids))
		f.exclude = make(map[int64]struct{}, len(ids))
		for _, id := range ids {
			f.exclude[id] = struct{}{}
		}
		if total > 0 {
			ratio = min(ratio, 1-float32(len(f.exclude))/float32(total))
		}
		used = true
	}
	if fieldFits(size, unsafe.Offsetof(cf.keep_ctx), 8) && cf.keep != nil {
		f.keep = cf.keep
		f.keepCtx = cf.keep_ctx
		used = true
	}
	if fieldFits(size, unsafe.Offsetof(cf.valid_ratio), 4) && cf.valid_ratio != 0 {
		r := float32(cf.valid_ratio)
		if !(r > 0 && r <= 1) {
			return nil, api.Errorf(api.InvalidArgument, "%s: filter valid_ratio %g is not in (0, 1]", what, r)
		}
		ratio = r
	} else if ratio <= 0 {
		ratio = 1 / float32(max(total, 1))
	}
	f.ratio = ratio
	// The bitset field holds a handle, not an address: read it as an integer so that no
	// pointer-typed Go value ever holds it.
	if fieldFits(size, unsafe.Offsetof(cf.bitset), 8) {
		if bh := *(*uintptr)(unsafe.Pointer(&cf.bitset)); bh != 0 {
			b, err := getBitset(C.uintptr_t(bh))
			if err != nil {
				return nil, api.Wrap(api.InvalidArgument, err, "%s: filter bitset", what)
			}
			b.mu.RLock()
			f.bs = b
			explicit := fieldFits(size, unsafe.Offsetof(cf.valid_ratio), 4) && cf.valid_ratio != 0
			if total > 0 && !explicit {
				f.ratio = max(min(f.ratio, 1-float32(b.b.Count())/float32(total)), 1/float32(total))
			}
			used = true
		}
	}
	if !used {
		return nil, nil
	}
	return f, nil
}

// filter returns f as an api.Filter, or nil (an untyped nil interface) when f is nil.
func (f *cFilter) filter() api.Filter {
	if f == nil {
		return nil
	}
	return f
}
