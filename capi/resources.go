package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/vlog"
)

//export vsagi_log_level_changed
func vsagi_log_level_changed(level C.int) {
	_ = vlog.SetLevel(vlog.Level(level)) // errors.c checked the range
}

//export vsagi_set_global_memory_budget
func vsagi_set_global_memory_budget(bytes C.uint64_t) (rc C.int) {
	defer guard(&rc)
	if err := core.SetGlobalMemoryBudget(clampInt64(uint64(bytes))); err != nil {
		return fail(err)
	}
	return 0
}

// clampInt64 turns a C byte count into int64, saturating.
func clampInt64(n uint64) int64 {
	if n > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(n)
}

//export vsagi_get_global_memory
func vsagi_get_global_memory(which C.int, out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	if out == nil {
		return fail(errNil("get global memory", "out"))
	}
	if which == 0 {
		*out = C.uint64_t(core.GlobalMemoryBudget())
	} else {
		*out = C.uint64_t(max(core.GlobalBudgetedMemory(), 0))
	}
	return 0
}

//export vsagi_index_set_memory_budget
func vsagi_index_set_memory_budget(h C.uintptr_t, bytes C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if err := x.SetMemoryBudget(clampInt64(uint64(bytes))); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_get_memory
func vsagi_index_get_memory(h C.uintptr_t, which C.int, out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("get memory budget", "out"))
	}
	if which == 0 {
		*out = C.uint64_t(x.MemoryBudget())
	} else {
		*out = C.uint64_t(max(x.BudgetedMemory(), 0))
	}
	return 0
}

// cAllocator is a vsag_allocator_t (a copy in C memory the library owns) as an alloc.Allocator.
type cAllocator struct{ a *C.vsag_allocator_t }

func (c cAllocator) Name() string {
	if c.a.name == nil {
		return "c allocator"
	}
	return C.GoString(c.a.name)
}

func (c cAllocator) Allocate(size uint64) unsafe.Pointer {
	return C.vsagi_call_allocate(c.a, C.uint64_t(size))
}

func (c cAllocator) Deallocate(p unsafe.Pointer) { C.vsagi_call_deallocate(c.a, p) }

func (c cAllocator) Reallocate(p unsafe.Pointer, size uint64) unsafe.Pointer {
	return C.vsagi_call_reallocate(c.a, p, C.uint64_t(size))
}

//export vsagi_index_set_allocator
func vsagi_index_set_allocator(h C.uintptr_t, a *C.vsag_allocator_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if a == nil {
		x.SetAllocator(nil)
		return 0
	}
	// the copy is never freed: blocks allocated through it may be freed at any later time
	x.SetAllocator(cAllocator{a})
	return 0
}

//export vsagi_set_option
func vsagi_set_option(name *C.char, value C.int64_t) (rc C.int) {
	defer guard(&rc)
	if name == nil {
		return fail(errNil("set option", "name"))
	}
	if err := core.SetOption(C.GoString(name), int64(value)); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_get_option
func vsagi_get_option(name *C.char, out *C.int64_t) (rc C.int) {
	defer guard(&rc)
	if name == nil {
		return fail(errNil("get option", "name"))
	}
	if out == nil {
		return fail(errNil("get option", "out"))
	}
	v, err := core.Option(C.GoString(name))
	if err != nil {
		return fail(err)
	}
	*out = C.int64_t(v)
	return 0
}

//export vsagi_set_logger
func vsagi_set_logger(fn C.vsag_log_fn, user unsafe.Pointer) (rc C.int) {
	defer guard(&rc)
	if fn == nil {
		vlog.SetSink(nil)
		return 0
	}
	vlog.SetSink(func(l vlog.Level, msg string) {
		cs := C.CString(msg)
		defer C.free(unsafe.Pointer(cs))
		C.vsagi_call_log_fn(fn, C.int(l), cs, user)
	})
	return 0
}

// opName returns the C name of a progress operation (static strings of resources.c).
func opName(op string) *C.char {
	switch op {
	case "build":
		return C.vsagi_op_name(0)
	case "add":
		return C.vsagi_op_name(1)
	case "train":
		return C.vsagi_op_name(2)
	case "load":
		return C.vsagi_op_name(3)
	}
	return C.vsagi_op_name(-1)
}

//export vsagi_index_set_progress
func vsagi_index_set_progress(h C.uintptr_t, fn C.vsag_progress_fn, user unsafe.Pointer) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if fn == nil {
		x.SetProgress(nil)
		return 0
	}
	x.SetProgress(func(op string, done, total int64) bool {
		return C.vsagi_call_progress_fn(fn, opName(op), C.uint64_t(done), C.uint64_t(max(total, 0)), user) == 0
	})
	return 0
}

var _ alloc.Allocator = cAllocator{}
