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

// sparseRowQuery views one sparse query row (nnz term ids and values at the caller's
// pointers) as a one-row CSR dataset, without copying.
func sparseRowQuery(what string, termIDs *C.uint32_t, values *C.float, nnz C.uint64_t) (*core.Dataset, error) {
	n := uint64(nnz)
	if n > maxDim {
		return nil, api.Errorf(api.InvalidArgument, "%s: nnz %d is too large", what, n)
	}
	ds := &core.Dataset{NumElements: 1, SparseOffsets: []int64{0, int64(n)}, SparseIDs: []uint32{}, SparseValues: []float32{}}
	if n > 0 {
		if termIDs == nil || values == nil {
			return nil, errNil(what, "term_ids or values")
		}
		ds.SparseIDs = unsafe.Slice((*uint32)(unsafe.Pointer(termIDs)), n)
		ds.SparseValues = unsafe.Slice((*float32)(unsafe.Pointer(values)), n)
	}
	return ds, nil
}

//export vsagi_index_calc_distance_sparse
func vsagi_index_calc_distance_sparse(h C.uintptr_t, termIDs *C.uint32_t, values *C.float, nnz C.uint64_t,
	ids *C.int64_t, count C.uint64_t, dists *C.float) (rc C.int) {
	defer guard(&rc)
	const what = "calc distance by id"
	x, err := distanceCall(h, what, ids, count, dists)
	if err != nil {
		return fail(err)
	}
	q, err := sparseRowQuery(what, termIDs, values, nnz)
	if err != nil {
		return fail(err)
	}
	out, err := x.CalcDistanceByIDsSparse(q, int64s(ids, uint64(count)))
	return distancesOut(out, err, dists, count)
}

//export vsagi_index_get_sparse_vectors
func vsagi_index_get_sparse_vectors(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, result *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	const what = "get sparse vectors by id"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if result == nil {
		return fail(errNil(what, "result"))
	}
	*result = 0
	if ids == nil && count > 0 {
		return fail(errNil(what, "ids"))
	}
	if err := checkSizes(what, uint64(count), 1); err != nil {
		return fail(err)
	}
	rows, err := x.GetSparseVectorByIDs(int64s(ids, uint64(count)))
	if err != nil {
		return fail(err)
	}
	return addSparseRows(rows, result)
}

// addSparseRows stores a new owned dataset holding the ids and CSR rows of rows in *out. Every
// array is C memory, freed by vsag_dataset_destroy.
func addSparseRows(rows *core.Dataset, out *C.uintptr_t) C.int {
	n, nnz := rows.NumElements, len(rows.SparseIDs)
	d := &dataset{owner: true, numElements: int64(n), nnz: uint64(nnz)}
	ps := cMallocAll(uintptr(n)*8, uintptr(n+1)*8, uintptr(nnz)*4, uintptr(nnz)*4)
	pi, po, pt, pv := ps[0], ps[1], ps[2], ps[3]
	copy(unsafe.Slice((*int64)(pi), n), rows.IDs)
	copy(unsafe.Slice((*int64)(po), n+1), rows.SparseOffsets)
	copy(unsafe.Slice((*uint32)(pt), nnz), rows.SparseIDs)
	copy(unsafe.Slice((*float32)(pv), nnz), rows.SparseValues)
	d.ptrs[fieldIDs], d.ptrs[fieldSparseOffsets], d.ptrs[fieldSparseIDs], d.ptrs[fieldSparseValues] = pi, po, pt, pv
	h, err := handles.add(kindDataset, d)
	if err != nil {
		d.free()
		return fail(err)
	}
	*out = C.uintptr_t(h)
	return 0
}
