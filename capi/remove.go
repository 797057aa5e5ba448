package main

/*
#include "capi.h"
*/
import "C"

import "github.com/govsag/vsag/core"

//export vsagi_index_remove_with_mode
func vsagi_index_remove_with_mode(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, mode C.int, removed *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if ids == nil && count > 0 {
		return fail(errNil("remove", "ids"))
	}
	if err := checkSizes("remove", uint64(count), 1); err != nil {
		return fail(err)
	}
	n, err := x.RemoveWithMode(int64s(ids, uint64(count)), core.RemoveMode(mode))
	if err != nil {
		return fail(err)
	}
	if removed != nil {
		*removed = C.uint64_t(n)
	}
	return 0
}
