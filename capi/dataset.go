package main

/*
#include "capi.h"
*/
import "C"

import (
	"sync"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// dataset is the object behind a vsag_dataset_t. Its arrays are C memory: borrowed from the
// caller, or owned (freed with free() on destroy) when owner is set.
type dataset struct {
	mu            sync.Mutex
	owner         bool
	numElements   int64
	dim           int64
	extraInfoSize int64
	ptrs          [numFields]unsafe.Pointer
	stats         *C.char  // always owned
	attributes    string   // JSON array of one object per row, copied from C ("" when none)
	nnz           uint64   // entries of the sparse term id and value arrays
	numVectors    uint64   // sub-vectors of a multi-vector dataset (sum of the counts)
	paths         []string // one path per row, copied from C (nil when none)

	// hpaths holds the paths of named hierarchies, copied from C (nil when none).
	hpaths map[string][]string

	// users counts the calls reading the arrays through a view (toCore); dropped marks a
	// destroyed handle, whose owned arrays are freed when the last of them ends, so a
	// dataset destroyed while another thread builds from it is not freed under the build.
	users   int
	dropped bool
}

// Array fields of a dataset, as numbered by vsagi_dataset_set_ptr / get_ptr.
const (
	fieldIDs = iota
	fieldDists
	fieldF32
	fieldF16
	fieldBF16
	fieldI8
	fieldExtra
	fieldSparseOffsets
	fieldSparseIDs
	fieldSparseValues
	fieldVectorCounts
	numFields
)

// Integer fields of a dataset.
const (
	intNumElements   = 0
	intDim           = 1
	intExtraInfoSize = 2
	intOwner         = 3
)

func getDataset(h C.uintptr_t) (*dataset, error) {
	obj, err := handles.get(uint64(h), kindDataset)
	if err != nil {
		return nil, err
	}
	return obj.(*dataset), nil
}

// free releases owned arrays and the statistics string (vsag_dataset_destroy), or, while a
// call still reads them through a view, leaves that to the view's done.
func (d *dataset) free() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.dropped = true
	if d.users == 0 {
		d.release()
	}
}

// release frees what free says. Caller holds d.mu.
func (d *dataset) release() {
	if d.owner {
		for i, p := range d.ptrs {
			if p == nil {
				continue
			}
			dup := false
			for _, q := range d.ptrs[:i] {
				dup = dup || q == p
			}
			if !dup {
				C.free(p)
			}
		}
	}
	d.ptrs = [numFields]unsafe.Pointer{}
	if d.stats != nil {
		C.free(unsafe.Pointer(d.stats))
		d.stats = nil
	}
}

// toCore views the dataset as a core.Dataset without copying. needIDs requires the ids array.
// The caller calls done once it no longer reads the view: until then a destroyed dataset
// keeps its arrays.
func (d *dataset) toCore(what string, needIDs bool) (_ *core.Dataset, done func(), _ error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dropped {
		return nil, nil, api.Errorf(api.InvalidArgument, "%s: the dataset was destroyed", what)
	}
	ds, err := d.view(what, needIDs)
	if err != nil {
		return nil, nil, err
	}
	d.users++
	var once sync.Once
	return ds, func() {
		once.Do(func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			if d.users--; d.users == 0 && d.dropped {
				d.release()
			}
		})
	}, nil
}

// view is toCore's view. Caller holds d.mu.
func (d *dataset) view(what string, needIDs bool) (*core.Dataset, error) {
	n, dim := d.numElements, d.dim
	if err := checkSizes(what, uint64(n), uint64(dim)); err != nil {
		return nil, err
	}
	cnt := uint64(n) * uint64(dim)
	ds := &core.Dataset{NumElements: int(n), Dim: int(dim)}
	if p := d.ptrs[fieldIDs]; p != nil {
		ds.IDs = unsafe.Slice((*int64)(p), n)
	} else if needIDs && n > 0 {
		return nil, errNil(what, "the dataset's ids")
	}
	if p := d.ptrs[fieldF32]; p != nil {
		n32 := cnt
		if d.ptrs[fieldVectorCounts] != nil {
			// multi-vector documents: numVectors sub-vectors of dim floats
			if err := checkSizes(what, d.numVectors, uint64(dim)); err != nil {
				return nil, err
			}
			n32 = d.numVectors * uint64(dim)
		}
		ds.Float32 = unsafe.Slice((*float32)(p), n32)
	}
	if p := d.ptrs[fieldVectorCounts]; p != nil {
		// int is int64 on the 64-bit platforms the header requires: a view, not a copy
		ds.VectorCounts = unsafe.Slice((*int)(p), n)
		if ds.VectorCounts == nil {
			ds.VectorCounts = []int{}
		}
		if ds.Float32 == nil {
			ds.Float32 = []float32{} // no vectors attached: the counts cannot add up
		}
	}
	if p := d.ptrs[fieldSparseOffsets]; p != nil {
		ds.SparseOffsets = unsafe.Slice((*int64)(p), uint64(n)+1)
		ds.SparseIDs, ds.SparseValues = []uint32{}, []float32{}
		if d.nnz > 0 {
			ids, vals := d.ptrs[fieldSparseIDs], d.ptrs[fieldSparseValues]
			if ids == nil || vals == nil {
				return nil, errNil(what, "the dataset's sparse term ids or values")
			}
			ds.SparseIDs = unsafe.Slice((*uint32)(ids), d.nnz)
			ds.SparseValues = unsafe.Slice((*float32)(vals), d.nnz)
		}
	}
	ds.Paths = d.paths
	ds.HierarchyPaths = d.hpaths
	if p := d.ptrs[fieldF16]; p != nil {
		ds.Float16 = unsafe.Slice((*uint16)(p), cnt)
	}
	if p := d.ptrs[fieldBF16]; p != nil {
		ds.BFloat16 = unsafe.Slice((*uint16)(p), cnt)
	}
	if p := d.ptrs[fieldI8]; p != nil {
		ds.Int8 = unsafe.Slice((*int8)(p), cnt)
	}
	if p := d.ptrs[fieldExtra]; p != nil && d.extraInfoSize > 0 {
		ds.ExtraInfos = unsafe.Slice((*byte)(p), uint64(n)*uint64(d.extraInfoSize))
	}
	if needIDs && d.attributes != "" {
		rows, err := attributeRows(what, d.attributes, uint64(n))
		if err != nil {
			return nil, err
		}
		ds.Attributes = rows
	}
	return ds, nil
}

// addResult stores a new owned result dataset (1 row of len(ids) results) in *out.
func addResult(ids []int64, dists []float32, stats string, out *C.uintptr_t) C.int {
	d := &dataset{owner: true, numElements: 1, dim: int64(len(ids))}
	sizes := []uintptr{uintptr(len(ids)) * 8, uintptr(len(dists)) * 4}
	if stats != "" {
		sizes = append(sizes, uintptr(len(stats))+1)
	}
	ps := cMallocAll(sizes...)
	pi, pd := ps[0], ps[1]
	copy(unsafe.Slice((*int64)(pi), len(ids)), ids)
	copy(unsafe.Slice((*float32)(pd), len(dists)), dists)
	d.ptrs[fieldIDs], d.ptrs[fieldDists] = pi, pd
	if stats != "" {
		b := unsafe.Slice((*byte)(ps[2]), len(stats)+1)
		b[copy(b, stats)] = 0
		d.stats = (*C.char)(ps[2])
	}
	h, err := handles.add(kindDataset, d)
	if err != nil {
		d.free()
		return fail(err)
	}
	*out = C.uintptr_t(h)
	return 0
}

//export vsagi_dataset_make
func vsagi_dataset_make(out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if out == nil {
		return fail(errNil("dataset make", "out"))
	}
	h, err := handles.add(kindDataset, &dataset{})
	if err != nil {
		return fail(err)
	}
	*out = C.uintptr_t(h)
	return 0
}

//export vsagi_dataset_destroy
func vsagi_dataset_destroy(h C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if h == 0 {
		return 0
	}
	obj, err := handles.release(uint64(h), kindDataset)
	if err != nil {
		return fail(err)
	}
	obj.(*dataset).free()
	return 0
}

//export vsagi_dataset_set_ptr
func vsagi_dataset_set_ptr(h C.uintptr_t, field C.int, p unsafe.Pointer) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if field < 0 || field >= numFields {
		return failf(api.InvalidArgument, "dataset field %d does not exist", int(field))
	}
	d.mu.Lock()
	d.ptrs[field] = p
	d.mu.Unlock()
	return 0
}

//export vsagi_dataset_get_ptr
func vsagi_dataset_get_ptr(h C.uintptr_t, field C.int, out *unsafe.Pointer) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("dataset get", "out"))
	}
	if field < 0 || field >= numFields {
		return failf(api.InvalidArgument, "dataset field %d does not exist", int(field))
	}
	d.mu.Lock()
	*out = d.ptrs[field]
	d.mu.Unlock()
	return 0
}

//export vsagi_dataset_get_statistics
func vsagi_dataset_get_statistics(h C.uintptr_t, out **C.char) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("dataset get statistics", "out"))
	}
	d.mu.Lock()
	*out = d.stats
	d.mu.Unlock()
	return 0
}

//export vsagi_dataset_set_int
func vsagi_dataset_set_int(h C.uintptr_t, field C.int, v C.int64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if v < 0 {
		return failf(api.InvalidArgument, "dataset: value %d must not be negative", int64(v))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch field {
	case intNumElements:
		d.numElements = int64(v)
	case intDim:
		d.dim = int64(v)
	case intExtraInfoSize:
		d.extraInfoSize = int64(v)
	case intOwner:
		d.owner = v != 0
	default:
		return failf(api.InvalidArgument, "dataset field %d does not exist", int(field))
	}
	return 0
}

//export vsagi_dataset_get_int
func vsagi_dataset_get_int(h C.uintptr_t, field C.int, out *C.int64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("dataset get", "out"))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	switch field {
	case intNumElements:
		*out = C.int64_t(d.numElements)
	case intDim:
		*out = C.int64_t(d.dim)
	case intExtraInfoSize:
		*out = C.int64_t(d.extraInfoSize)
	case intOwner:
		*out = 0
		if d.owner {
			*out = 1
		}
	default:
		return failf(api.InvalidArgument, "dataset field %d does not exist", int(field))
	}
	return 0
}

//export vsagi_index_insert_dataset
func vsagi_index_insert_dataset(h C.uintptr_t, mode C.int, dh C.uintptr_t, failed *C.int64_t, numFailed *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	what := modeName(mode)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	d, err := getDataset(dh)
	if err != nil {
		return fail(err)
	}
	ds, done, err := d.toCore(what, true)
	if err != nil {
		return fail(err)
	}
	defer done()
	if err := checkExtraSize(what, d, x); err != nil {
		return fail(err)
	}
	bad, err := insert(x, mode, ds)
	if err != nil {
		return fail(err)
	}
	writeFailed(bad, failed, uint64(ds.NumElements), numFailed)
	return 0
}

// checkExtraSize refuses a dataset whose extra infos are rows of another size than the
// index's extra_info_size: read with the index's stride, its bytes would be stored shifted
// across rows.
func checkExtraSize(what string, d *dataset, x *core.Index) error {
	d.mu.Lock()
	size, given := d.extraInfoSize, d.ptrs[fieldExtra] != nil
	d.mu.Unlock()
	if want := x.ExtraInfoSize(); given && want > 0 && int(size) != want {
		return api.Errorf(api.InvalidArgument, "%s: the dataset's extra infos are %d bytes a row, the index's extra_info_size is %d", what, size, want)
	}
	return nil
}

//export vsagi_index_train_dataset
func vsagi_index_train_dataset(h C.uintptr_t, dh C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	d, err := getDataset(dh)
	if err != nil {
		return fail(err)
	}
	ds, done, err := d.toCore("train", false)
	if err != nil {
		return fail(err)
	}
	defer done()
	if err := x.Train(ds); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_dataset_set_sparse
func vsagi_dataset_set_sparse(h C.uintptr_t, offsets *C.int64_t, ids *C.uint32_t, vals *C.float, nnz C.uint64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if offsets != nil {
		if uint64(nnz) > maxVals {
			return failf(api.InvalidArgument, "dataset set sparse vectors: nnz %d is too large", uint64(nnz))
		}
		if nnz > 0 && (ids == nil || vals == nil) {
			return fail(errNil("dataset set sparse vectors", "term_ids or values"))
		}
	} else {
		ids, vals, nnz = nil, nil, 0
	}
	d.mu.Lock()
	d.ptrs[fieldSparseOffsets] = unsafe.Pointer(offsets)
	d.ptrs[fieldSparseIDs] = unsafe.Pointer(ids)
	d.ptrs[fieldSparseValues] = unsafe.Pointer(vals)
	d.nnz = uint64(nnz)
	d.mu.Unlock()
	return 0
}

//export vsagi_dataset_get_sparse
func vsagi_dataset_get_sparse(h C.uintptr_t, offsets **C.int64_t, ids **C.uint32_t, vals **C.float, nnz *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if offsets != nil {
		*offsets = (*C.int64_t)(d.ptrs[fieldSparseOffsets])
	}
	if ids != nil {
		*ids = (*C.uint32_t)(d.ptrs[fieldSparseIDs])
	}
	if vals != nil {
		*vals = (*C.float)(d.ptrs[fieldSparseValues])
	}
	if nnz != nil {
		*nnz = C.uint64_t(d.nnz)
	}
	return 0
}

//export vsagi_dataset_set_vector_counts
func vsagi_dataset_set_vector_counts(h C.uintptr_t, counts *C.int64_t, numVectors C.uint64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if counts == nil {
		numVectors = 0
	} else if uint64(numVectors) > maxRows {
		return failf(api.InvalidArgument, "dataset set vector counts: num_vectors %d is too large", uint64(numVectors))
	}
	d.mu.Lock()
	d.ptrs[fieldVectorCounts] = unsafe.Pointer(counts)
	d.numVectors = uint64(numVectors)
	d.mu.Unlock()
	return 0
}

//export vsagi_dataset_get_vector_counts
func vsagi_dataset_get_vector_counts(h C.uintptr_t, counts **C.int64_t, numVectors *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if counts != nil {
		*counts = (*C.int64_t)(d.ptrs[fieldVectorCounts])
	}
	if numVectors != nil {
		*numVectors = C.uint64_t(d.numVectors)
	}
	return 0
}

//export vsagi_dataset_set_paths
func vsagi_dataset_set_paths(h C.uintptr_t, paths **C.char, count C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "dataset set paths"
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	var out []string
	if paths != nil {
		if uint64(count) > maxRows {
			return failf(api.InvalidArgument, "%s: count %d is too large", what, uint64(count))
		}
		// grown as the strings are read: the caller's count never sizes an allocation
		out = []string{}
		for i := uint64(0); i < uint64(count); i++ {
			p := *(**C.char)(unsafe.Add(unsafe.Pointer(paths), uintptr(i)*unsafe.Sizeof(uintptr(0))))
			if p == nil {
				return failf(api.InvalidArgument, "%s: paths[%d] is NULL", what, i)
			}
			out = append(out, C.GoString(p))
		}
	}
	d.mu.Lock()
	d.paths = out
	d.mu.Unlock()
	return 0
}

//export vsagi_dataset_get_path
func vsagi_dataset_get_path(h C.uintptr_t, row C.uint64_t, buf *C.char, capacity C.uint64_t, length *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if buf == nil && capacity > 0 {
		return fail(errNil("dataset get path", "buf"))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if uint64(row) >= uint64(len(d.paths)) {
		return failf(api.InvalidArgument, "dataset get path: row %d is beyond the %d paths", uint64(row), len(d.paths))
	}
	copyOut(d.paths[row], buf, capacity, length)
	return 0
}

//export vsagi_dataset_get_num_paths
func vsagi_dataset_get_num_paths(h C.uintptr_t, out *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil("dataset get num paths", "out"))
	}
	d.mu.Lock()
	*out = C.uint64_t(len(d.paths))
	d.mu.Unlock()
	return 0
}
