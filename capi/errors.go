package main

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/govsag/vsag/core/api"
)

// fail records err as the calling thread's last error and returns its negative VSAG code.
// It must run on the goroutine of the exported call (the C caller's thread).
func fail(err error) C.int {
	code := api.CodeOf(err)
	if code == api.OK {
		code = api.UnknownError
	}
	return setError(code, err.Error())
}

// failf records a new error with code and returns the negative code.
func failf(code api.ErrorCode, format string, args ...any) C.int {
	return fail(api.Errorf(code, format, args...))
}

func setError(code api.ErrorCode, msg string) C.int {
	rc := C.int(-int(code))
	if len(msg) == 0 {
		C.vsagi_set_error(rc, nil, 0)
		return rc
	}
	b := []byte(msg)
	C.vsagi_set_error(rc, (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b)))
	return rc
}

// guard turns a panic in an exported function into INTERNAL_ERROR (NO_ENOUGH_MEMORY when
// cMalloc found no C memory). Use as `defer guard(&rc)` with a named result rc.
func guard(rc *C.int) {
	if r := recover(); r != nil {
		if e, ok := r.(*api.Error); ok && e.Code == api.NoEnoughMemory {
			*rc = fail(e) // cMalloc: C memory ran out
			return
		}
		*rc = failf(api.InternalError, "internal panic: %v", r)
	}
}

// errNil returns the error for a NULL argument.
func errNil(what, arg string) error {
	return api.Errorf(api.InvalidArgument, "%s: %s is NULL", what, arg)
}

// errf is api.Errorf for INVALID_ARGUMENT.
func errf(format string, args ...any) error {
	return api.Errorf(api.InvalidArgument, "%s", fmt.Sprintf(format, args...))
}
