package main

/*
#include "capi.h"
*/
import "C"

import (
	"sync"

	"github.com/govsag/vsag/core/api"
)

// bitset is the object behind a vsag_bitset_t. Searches hold the read lock while they use it,
// so a concurrent vsag_bitset_set waits for them instead of racing.
type bitset struct {
	mu sync.RWMutex
	b  *api.Bitset
}

func getBitset(h C.uintptr_t) (*bitset, error) {
	obj, err := handles.get(uint64(h), kindBitset)
	if err != nil {
		return nil, err
	}
	return obj.(*bitset), nil
}

//export vsagi_bitset_make
func vsagi_bitset_make(out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if out == nil {
		return fail(errNil("bitset make", "out"))
	}
	h, err := handles.add(kindBitset, &bitset{b: api.NewBitset()})
	if err != nil {
		return fail(err)
	}
	*out = C.uintptr_t(h)
	return 0
}

//export vsagi_bitset_destroy
func vsagi_bitset_destroy(h C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if h == 0 {
		return 0
	}
	if _, err := handles.release(uint64(h), kindBitset); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_bitset_set_many
func vsagi_bitset_set_many(h C.uintptr_t, pos *C.int64_t, count C.uint64_t, value C.bool) (rc C.int) {
	defer guard(&rc)
	b, err := getBitset(h)
	if err != nil {
		return fail(err)
	}
	if pos == nil && count > 0 {
		return fail(errNil("bitset set", "positions"))
	}
	if err := checkSizes("bitset set", uint64(count), 1); err != nil {
		return fail(err)
	}
	ids := int64s(pos, uint64(count))
	for _, p := range ids {
		if p < 0 {
			return failf(api.InvalidArgument, "bitset set: position %d is negative", p)
		}
	}
	b.mu.Lock()
	for _, p := range ids {
		b.b.Set(p, bool(value))
	}
	b.mu.Unlock()
	return 0
}

//export vsagi_bitset_test
func vsagi_bitset_test(h C.uintptr_t, pos C.int64_t, out *C.bool) (rc C.int) {
	defer guard(&rc)
	b, err := getBitset(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("bitset test", "out"))
	}
	b.mu.RLock()
	*out = C.bool(b.b.Test(int64(pos)))
	b.mu.RUnlock()
	return 0
}

//export vsagi_bitset_count
func vsagi_bitset_count(h C.uintptr_t, out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	b, err := getBitset(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("bitset count", "out"))
	}
	b.mu.RLock()
	*out = C.uint64_t(b.b.Count())
	b.mu.RUnlock()
	return 0
}

//export vsagi_bitset_clear
func vsagi_bitset_clear(h C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	b, err := getBitset(h)
	if err != nil {
		return fail(err)
	}
	b.mu.Lock()
	b.b.Clear()
	b.mu.Unlock()
	return 0
}
