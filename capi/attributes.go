package main

/*
#include "capi.h"
*/
import "C"

import (
	"unsafe"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/attr"
)

// attributeRows parses a JSON array of n attribute objects (null for a row without any).
func attributeRows(what, js string, n uint64) ([]map[string]any, error) {
	rows, err := attr.DecodeJSONRows([]byte(js))
	if err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "%s", what)
	}
	if uint64(len(rows)) != n {
		return nil, api.Errorf(api.InvalidArgument, "%s: attributes hold %d rows for %d vectors", what, len(rows), n)
	}
	return rows, nil
}

//export vsagi_dataset_set_attributes
func vsagi_dataset_set_attributes(h C.uintptr_t, js *C.char) (rc C.int) {
	defer guard(&rc)
	d, err := getDataset(h)
	if err != nil {
		return fail(err)
	}
	s := goStr(js)
	d.mu.Lock()
	d.attributes = s
	d.mu.Unlock()
	return 0
}

//export vsagi_index_insert_attributes
func vsagi_index_insert_attributes(h C.uintptr_t, mode C.int, vectors unsafe.Pointer, dtype C.vsag_dtype_t,
	ids *C.int64_t, count, dim C.uint64_t, attrs *C.char, failed *C.int64_t, numFailed *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	return insertVectors(h, mode, vectors, dtype, ids, count, dim, attrs, failed, numFailed)
}

//export vsagi_index_knn_search_batch_expr
func vsagi_index_knn_search_batch_expr(h C.uintptr_t, queries unsafe.Pointer, dtype C.vsag_dtype_t, nq, dim C.uint64_t,
	k C.int64_t, params, expr *C.char, cf *C.vsag_filter_t, ids *C.int64_t, dists *C.float) (rc C.int) {
	defer guard(&rc)
	return knnSearchBatch(h, queries, dtype, nq, dim, k, params, expr, cf, ids, dists)
}

//export vsagi_index_get_extra_info_by_ids
func vsagi_index_get_extra_info_by_ids(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, out *C.char) (rc C.int) {
	defer guard(&rc)
	const what = "get extra info by ids"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if err := checkSizes(what, uint64(count), 1); err != nil {
		return fail(err)
	}
	if x.ExtraInfoSize() == 0 {
		_, err := x.GetExtraInfoByIDs(nil) // UNSUPPORTED_INDEX_OPERATION, with its message
		return fail(err)
	}
	if count == 0 {
		return 0
	}
	if ids == nil || out == nil {
		return fail(errNil(what, "ids or out"))
	}
	b, err := x.GetExtraInfoByIDs(int64s(ids, uint64(count)))
	if err != nil {
		return fail(err)
	}
	copy(unsafe.Slice((*byte)(unsafe.Pointer(out)), len(b)), b)
	return 0
}

//export vsagi_index_update_extra_info
func vsagi_index_update_extra_info(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, infos *C.char) (rc C.int) {
	defer guard(&rc)
	const what = "update extra info"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	size := x.ExtraInfoSize()
	if size == 0 {
		return fail(x.UpdateExtraInfo(nil, nil)) // WRONG_STATUS or UNSUPPORTED_INDEX_OPERATION, with its message
	}
	if err := checkSizes(what, uint64(count), uint64(size)); err != nil {
		return fail(err)
	}
	if (ids == nil || infos == nil) && count > 0 {
		return fail(errNil(what, "ids or infos"))
	}
	var b []byte
	if count > 0 {
		b = unsafe.Slice((*byte)(unsafe.Pointer(infos)), uint64(count)*uint64(size))
	}
	if err := x.UpdateExtraInfo(int64s(ids, uint64(count)), b); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_get_attributes
func vsagi_index_get_attributes(h C.uintptr_t, ids *C.int64_t, count C.uint64_t, out **C.char, size *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	const what = "get attributes"
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if out == nil {
		return fail(errNil(what, "out"))
	}
	if ids == nil && count > 0 {
		return fail(errNil(what, "ids"))
	}
	if err := checkSizes(what, uint64(count), 1); err != nil {
		return fail(err)
	}
	rows, err := x.GetAttributesByIDs(int64s(ids, uint64(count)))
	if err != nil {
		return fail(err)
	}
	b, err := json.Marshal(rows)
	if err != nil {
		return fail(api.Wrap(api.InternalError, err, "%s", what))
	}
	p := cMalloc(uintptr(len(b)) + 1)
	dst := unsafe.Slice((*byte)(p), len(b)+1)
	copy(dst, b)
	dst[len(b)] = 0
	*out = (*C.char)(p)
	if size != nil {
		*size = C.uint64_t(len(b))
	}
	return 0
}
