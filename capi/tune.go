package main

/*
#include "capi.h"
*/
import "C"

// vsagi_index_tune is vsag_index_tune (capi/tune.c).
//
//export vsagi_index_tune
func vsagi_index_tune(h C.uintptr_t, params *C.char, disable C.bool) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if params == nil {
		return fail(errNil("tune", "params_json"))
	}
	if err := x.Tune(C.GoString(params), bool(disable)); err != nil {
		return fail(err)
	}
	return 0
}
