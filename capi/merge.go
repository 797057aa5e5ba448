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

// mergeUnitV1Size is the size of the first version of vsag_merge_unit_t: the smallest
// struct_size accepted. The struct only grows at its end.
const mergeUnitV1Size = unsafe.Sizeof(C.vsag_merge_unit_t{})

// maxMergeUnitSize bounds the struct_size a caller may claim.
const maxMergeUnitSize = 1 << 10

// maxMergeUnits bounds the number of units of one merge (each holds its index's snapshot lock).
const maxMergeUnits = 1 << 16

// mergeUnits reads n units of the array at p, whose stride is the struct_size of the first
// unit, into core's form. Nothing of the caller's memory is kept: the maps are copied.
func mergeUnits(what string, p unsafe.Pointer, n uint64) ([]core.MergeUnit, error) {
	if n == 0 {
		return nil, nil
	}
	if p == nil {
		return nil, errNil(what, "units")
	}
	if n > maxMergeUnits {
		return nil, api.Errorf(api.InvalidArgument, "%s: num_units %d is too large", what, n)
	}
	stride := uintptr((*C.vsag_merge_unit_t)(p).struct_size)
	if stride < mergeUnitV1Size {
		return nil, api.Errorf(api.InvalidArgument, "%s: unit 0: struct_size %d is smaller than the first version's %d (set it to sizeof(vsag_merge_unit_t))", what, stride, mergeUnitV1Size)
	}
	if stride > maxMergeUnitSize {
		return nil, api.Errorf(api.InvalidArgument, "%s: unit 0: struct_size %d is not the size of a vsag_merge_unit_t", what, stride)
	}
	units := make([]core.MergeUnit, n)
	for i := uint64(0); i < n; i++ {
		up := unsafe.Add(p, uintptr(i)*stride)
		u := (*C.vsag_merge_unit_t)(up)
		if uintptr(u.struct_size) != stride {
			return nil, api.Errorf(api.InvalidArgument, "%s: unit %d: struct_size %d differs from unit 0's %d (every unit of a call has the same size)", what, i, uintptr(u.struct_size), stride)
		}
		for j, b := range unsafe.Slice((*byte)(up), stride)[mergeUnitV1Size:] {
			if b != 0 {
				return nil, api.Errorf(api.InvalidArgument, "%s: unit %d sets a field at byte %d that this library version (%s) does not know", what, i, int(mergeUnitV1Size)+j, core.Version)
			}
		}
		x, err := getIndex(handleField(unsafe.Pointer(&u.index)))
		if err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "%s: unit %d", what, i)
		}
		units[i].Index = x
		if u.id_map_from == nil {
			if u.id_map_to != nil || u.id_map_count != 0 {
				return nil, api.Errorf(api.InvalidArgument, "%s: unit %d: id_map_from is NULL but id_map_to or id_map_count is set", what, i)
			}
			continue
		}
		cnt := uint64(u.id_map_count)
		if u.id_map_to == nil {
			return nil, api.Errorf(api.InvalidArgument, "%s: unit %d: id_map_to is NULL but id_map_from is set", what, i)
		}
		if cnt > maxRows {
			return nil, api.Errorf(api.InvalidArgument, "%s: unit %d: id_map_count %d is too large", what, i, cnt)
		}
		from, to := int64s(u.id_map_from, cnt), int64s(u.id_map_to, cnt)
		m := make(map[int64]int64, cnt)
		for k, l := range from {
			if _, dup := m[l]; dup {
				return nil, api.Errorf(api.InvalidArgument, "%s: unit %d: id map names label %d twice", what, i, l)
			}
			m[l] = to[k]
		}
		units[i].IDMap = core.MapIDs(m)
	}
	return units, nil
}

//export vsagi_index_merge
func vsagi_index_merge(h C.uintptr_t, units unsafe.Pointer, numUnits C.uint64_t, failed *C.int64_t,
	capacity C.uint64_t, numFailed *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "merge"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if failed == nil && capacity > 0 {
		return fail(errNil(what, "failed_ids"))
	}
	us, err := mergeUnits(what, units, uint64(numUnits))
	if err != nil {
		return fail(err)
	}
	bad, err := x.Merge(us) // core runs merges one at a time
	if err != nil {
		return fail(err)
	}
	writeFailed(bad, failed, uint64(capacity), numFailed)
	return 0
}
