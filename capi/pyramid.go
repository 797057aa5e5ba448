package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	"github.com/govsag/vsag/core/api"
)

// hierarchyName reads the hierarchy argument of the hierarchy path functions.
func hierarchyName(what string, name *C.char) (string, error) {
	if name == nil {
		return "", errNil(what, "hierarchy")
	}
	s := C.GoString(name)
	if s == "" {
		return "", api.Errorf(api.InvalidArgument, "%s: the hierarchy name is empty", what)
	}
	return s, nil
}

//export vsagi_dataset_set_hierarchy_paths
func vsagi_dataset_set_hierarchy_paths(h C.uintptr_t, name *C.char, paths **C.char, count C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "dataset set hierarchy paths"
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	hn, err := hierarchyName(what, name)
	if err != nil {
		return fail(err)
	}
	var out []string
	if paths != nil {
		if uint64(count) > maxRows {
			return failf(api.InvalidArgument, "%s: count %d is too large", what, uint64(count))
		}
		out = []string{} // grown as the strings are read: count never sizes an allocation
		for i := uint64(0); i < uint64(count); i++ {
			p := *(**C.char)(unsafe.Add(unsafe.Pointer(paths), uintptr(i)*unsafe.Sizeof(uintptr(0))))
			if p == nil {
				return failf(api.InvalidArgument, "%s: paths[%d] is NULL", what, i)
			}
			out = append(out, C.GoString(p))
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if out == nil {
		delete(d.hpaths, hn)
		if len(d.hpaths) == 0 {
			d.hpaths = nil
		}
		return 0
	}
	if d.hpaths == nil {
		d.hpaths = map[string][]string{}
	}
	d.hpaths[hn] = out
	return 0
}

//export vsagi_dataset_get_num_hierarchy_paths
func vsagi_dataset_get_num_hierarchy_paths(h C.uintptr_t, name *C.char, out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "dataset get num hierarchy paths"
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	hn, err := hierarchyName(what, name)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil(what, "out"))
	}
	d.mu.Lock()
	*out = C.uint64_t(len(d.hpaths[hn]))
	d.mu.Unlock()
	return 0
}

//export vsagi_dataset_get_hierarchy_path
func vsagi_dataset_get_hierarchy_path(h C.uintptr_t, name *C.char, row C.uint64_t, buf *C.char, capacity C.uint64_t, length *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "dataset get hierarchy path"
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	hn, err := hierarchyName(what, name)
	if err != nil {
		return fail(err)
	}
	if buf == nil && capacity > 0 {
		return fail(errNil(what, "buf"))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ps := d.hpaths[hn]
	if uint64(row) >= uint64(len(ps)) {
		return failf(api.InvalidArgument, "%s: row %d is beyond the %d paths of hierarchy %q", what, uint64(row), len(ps), hn)
	}
	copyOut(ps[row], buf, capacity, length)
	return 0
}
