package main

/*
#include "capi.h"
*/
import "C"

import (
	"math"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// requestV1Size is the size of the first version of vsag_search_request_t: the smallest
// struct_size accepted. The struct only grows at its end.
const requestV1Size = unsafe.Sizeof(C.vsag_search_request_t{})

// maxRequestSize bounds the struct_size a caller may claim (a later version's request would
// be a few hundred bytes, not more).
const maxRequestSize = 1 << 12

// reasonCodes maps core's reasons to vsag_search_reason_t.
var reasonCodes = map[string]C.int32_t{
	core.ReasonFound:      C.VSAG_REASON_FOUND,
	core.ReasonAbsent:     C.VSAG_REASON_ABSENT,
	core.ReasonFiltered:   C.VSAG_REASON_FILTERED,
	core.ReasonBeyondK:    C.VSAG_REASON_BEYOND_K,
	core.ReasonNotReached: C.VSAG_REASON_NOT_REACHED,
}

// handleField reads a handle stored in a pointer-typed field of a C struct as an integer, so
// that no pointer-typed Go value ever holds it.
func handleField(p unsafe.Pointer) C.uintptr_t {
	return C.uintptr_t(*(*uintptr)(p))
}

// checkRequestSize validates struct_size: at least the first version's, at most
// maxRequestSize, and zero in every byte beyond the fields this library knows.
func checkRequestSize(what string, req *C.vsag_search_request_t) error {
	size := uintptr(req.struct_size)
	if size < requestV1Size {
		return api.Errorf(api.InvalidArgument, "%s: request struct_size %d is smaller than the first version's %d (set it to sizeof(vsag_search_request_t))", what, size, requestV1Size)
	}
	if size > maxRequestSize {
		return api.Errorf(api.InvalidArgument, "%s: request struct_size %d is not the size of a vsag_search_request_t", what, size)
	}
	tail := unsafe.Slice((*byte)(unsafe.Pointer(req)), size)[requestV1Size:]
	for i, b := range tail {
		if b != 0 {
			return api.Errorf(api.InvalidArgument, "%s: the request sets a field at byte %d that this library version (%s) does not know", what, int(requestV1Size)+i, core.Version)
		}
	}
	return nil
}

// requestQuery builds the query dataset of a request (see vsag_search_request_t). It does not
// copy the caller's arrays; done ends the view of a query_dataset (see dataset.toCore).
func requestQuery(what string, req *C.vsag_search_request_t) (_ *core.Dataset, done func(), _ error) {
	done = func() {}
	dh := handleField(unsafe.Pointer(&req.query_dataset))
	sparse := req.query_dtype == C.VSAG_DTYPE_SPARSE
	if dh != 0 {
		if req.query != nil || req.query_term_ids != nil || sparse {
			return nil, done, api.Errorf(api.InvalidArgument, "%s: the request sets both query_dataset and query or query_term_ids: give one query", what)
		}
		if req.query_path != nil {
			return nil, done, api.Errorf(api.InvalidArgument, "%s: query_path is for the pointer forms; attach the path to query_dataset (vsag_dataset_set_paths)", what)
		}
		d, err := getDataset(dh)
		if err != nil {
			return nil, done, api.Wrap(api.InvalidArgument, err, "%s: query_dataset", what)
		}
		ds, done, err := d.toCore(what, false)
		if err != nil {
			return nil, func() {}, err
		}
		return ds.FirstRow(), done, nil
	}
	var ds *core.Dataset
	switch {
	case sparse:
		if req.query != nil {
			return nil, done, api.Errorf(api.InvalidArgument, "%s: a sparse query (VSAG_DTYPE_SPARSE) is given by query_term_ids and query_term_values; query must be NULL", what)
		}
		nnz := uint64(req.query_nnz)
		if nnz > maxDim {
			return nil, done, api.Errorf(api.InvalidArgument, "%s: query_nnz %d is too large", what, nnz)
		}
		ds = &core.Dataset{NumElements: 1, Dim: int(min(uint64(req.query_dim), maxDim)),
			SparseOffsets: []int64{0, int64(nnz)}, SparseIDs: []uint32{}, SparseValues: []float32{}}
		if nnz > 0 {
			if req.query_term_ids == nil || req.query_term_values == nil {
				return nil, done, errNil(what, "query_term_ids or query_term_values")
			}
			ds.SparseIDs = unsafe.Slice((*uint32)(unsafe.Pointer(req.query_term_ids)), nnz)
			ds.SparseValues = unsafe.Slice((*float32)(unsafe.Pointer(req.query_term_values)), nnz)
		}
	case req.query != nil:
		if req.query_term_ids != nil {
			return nil, done, api.Errorf(api.InvalidArgument, "%s: query_term_ids is set but query_dtype is not VSAG_DTYPE_SPARSE", what)
		}
		dim := uint64(req.query_dim)
		if nvec := uint64(req.query_vector_count); nvec > 0 {
			if req.query_dtype != C.VSAG_DTYPE_FLOAT32 {
				return nil, done, api.Errorf(api.InvalidArgument, "%s: a multi-vector query holds float32 sub-vectors, query_dtype is %d", what, int(req.query_dtype))
			}
			if err := checkSizes(what, nvec, dim); err != nil {
				return nil, done, err
			}
			ds = &core.Dataset{NumElements: 1, Dim: int(dim), VectorCounts: []int{int(nvec)},
				Float32: unsafe.Slice((*float32)(req.query), nvec*dim)}
			break
		}
		var err error
		if ds, err = vectorDataset(what, req.query, C.vsag_dtype_t(req.query_dtype), 1, dim); err != nil {
			return nil, done, err
		}
	default:
		if req.query_term_ids != nil {
			return nil, done, api.Errorf(api.InvalidArgument, "%s: query_term_ids is set but query_dtype is not VSAG_DTYPE_SPARSE", what)
		}
		return nil, done, api.Errorf(api.InvalidArgument, "%s: the request has no query (set query, a sparse query or query_dataset)", what)
	}
	if req.query_path != nil {
		ds.Paths = []string{C.GoString(req.query_path)}
	}
	return ds, done, nil
}

//export vsagi_index_search_request
func vsagi_index_search_request(h C.uintptr_t, req *C.vsag_search_request_t, ids *C.int64_t, dists *C.float,
	extra *C.char, capacity C.uint64_t, count, total *C.uint64_t, expl *C.vsag_search_explanation_t) (rc C.int) {
	defer guard(&rc)
	what := "search"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if req == nil {
		return fail(errNil(what, "request"))
	}
	if err := checkRequestSize(what, req); err != nil {
		return fail(err)
	}
	sr := &core.SearchRequest{Params: goStr(req.parameters), FilterExpr: goStr(req.filter_expr)}
	switch req.mode {
	case C.VSAG_SEARCH_KNN:
		what = "knn search"
		if req.topk <= 0 {
			return failf(api.InvalidArgument, "%s: topk %d must be positive", what, int64(req.topk))
		}
		sr.Mode, sr.TopK = core.KnnSearchMode, int(req.topk)
	case C.VSAG_SEARCH_RANGE:
		what = "range search"
		limited := int64(req.limited_size)
		if limited < -1 {
			return failf(api.InvalidArgument, "%s: limited_size %d must be -1 or 0 (unlimited) or positive", what, limited)
		}
		sr.Mode, sr.Radius, sr.LimitedSize = core.RangeSearchMode, float32(req.radius), int(min(limited, math.MaxInt32))
	default:
		return failf(api.InvalidArgument, "%s: mode %d is not VSAG_SEARCH_KNN or VSAG_SEARCH_RANGE", what, int(req.mode))
	}
	n := uint64(capacity)
	if n > maxVals {
		return failf(api.InvalidArgument, "%s: capacity %d is too large", what, n)
	}
	if n > 0 && (ids == nil || dists == nil) {
		return fail(errNil(what, "ids or dists buffer"))
	}
	esize := uint64(x.ExtraInfoSize())
	if extra != nil {
		if esize == 0 {
			return failf(api.UnsupportedIndexOperation, "%s: an extra_infos buffer was given, but the index was created without extra_info_size", what)
		}
		if n > maxVals/esize {
			return failf(api.InvalidArgument, "%s: capacity*extra_info_size is too large", what)
		}
	}
	nexp := uint64(req.num_expected_labels)
	if nexp > 0 {
		if nexp > maxRows {
			return failf(api.InvalidArgument, "%s: num_expected_labels %d is too large", what, nexp)
		}
		if req.expected_labels == nil {
			return fail(errNil(what, "expected_labels"))
		}
		if expl == nil {
			return fail(errNil(what, "explanations buffer (the request has expected labels)"))
		}
		sr.ExpectedLabels = int64s(req.expected_labels, nexp)
	}
	if req.bucket_ids != nil {
		nb := uint64(req.num_bucket_ids)
		if nb > maxRows {
			return failf(api.InvalidArgument, "%s: num_bucket_ids %d is too large", what, nb)
		}
		sr.BucketIDs = []int64{}
		if nb > 0 {
			sr.BucketIDs = int64s(req.bucket_ids, nb)
		}
	}
	query, done, err := requestQuery(what, req)
	defer done()
	if err != nil {
		return fail(err)
	}
	sr.Query = query
	// filters: the bitset, the callback and the vsag_filter_t, all ANDed (core adds the
	// attribute expression)
	if bh := handleField(unsafe.Pointer(&req.invalid)); bh != 0 {
		b, err := getBitset(bh)
		if err != nil {
			return fail(api.Wrap(api.InvalidArgument, err, "%s: invalid", what))
		}
		b.mu.RLock()
		defer b.mu.RUnlock()
		sr.IDs = b.b
	}
	var keep api.Filter
	if req.filter != nil {
		keep = api.KeepFunc(keepFn(req.filter, req.filter_ctx), 1)
	}
	spec, release, err := buildFilter(x, what, req.filter_spec)
	if err != nil {
		return fail(err)
	}
	defer release()
	sr.Filter = api.AllOf(keep, spec)
	res, err := x.SearchWithRequest(sr)
	if err != nil {
		return fail(err)
	}
	found := uint64(len(res.IDs))
	w := min(found, n)
	outIDs, outDists := int64s(ids, n), float32s(dists, n)
	copy(outIDs, res.IDs[:w])
	copy(outDists, res.Distances[:w])
	pad(outIDs[w:], outDists[w:])
	if extra != nil && n > 0 {
		buf := unsafe.Slice((*byte)(unsafe.Pointer(extra)), n*esize)
		m := copy(buf, res.ExtraInfos[:min(uint64(len(res.ExtraInfos)), w*esize)])
		clear(buf[m:])
	}
	if nexp > 0 {
		out := unsafe.Slice(expl, nexp)
		for i, e := range res.Expected {
			out[i] = C.vsag_search_explanation_t{label: C.int64_t(e.Label), distance: C.float(e.Distance), reason: reasonCodes[e.Reason]}
		}
	}
	if count != nil {
		*count = C.uint64_t(w)
	}
	if total != nil {
		*total = C.uint64_t(found)
	}
	return 0
}
