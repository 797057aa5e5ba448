package main

/*
#include "capi.h"
*/
import "C"

import (
	"bytes"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

func needFeature(x *core.Index, f api.Feature, what string) error {
	if !x.CheckFeature(f) {
		return api.Errorf(api.UnsupportedIndexOperation, "%s is not supported by %s", what, x.Name())
	}
	return nil
}

//export vsagi_index_serialize_file
func vsagi_index_serialize_file(h C.uintptr_t, path *C.char) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if path == nil {
		return fail(errNil("serialize", "file path"))
	}
	if err := needFeature(x, api.SupportSerializeFile, "serialize to a file"); err != nil {
		return fail(err)
	}
	if err := x.SerializeFile(C.GoString(path)); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_deserialize_file
func vsagi_index_deserialize_file(h C.uintptr_t, path *C.char) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if path == nil {
		return fail(errNil("deserialize", "file path"))
	}
	if err := needFeature(x, api.SupportDeserializeFile, "deserialize from a file"); err != nil {
		return fail(err)
	}
	if err := x.DeserializeFile(C.GoString(path)); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_serialize_write_func
func vsagi_index_serialize_write_func(h C.uintptr_t, fn C.vsagi_write_func) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if fn == nil {
		return fail(errNil("serialize", "write_func"))
	}
	if err := needFeature(x, api.SupportSerializeWriteFunc, "serialize to a write function"); err != nil {
		return fail(err)
	}
	err = x.SerializeWriteFunc(func(off uint64, data []byte) error {
		if len(data) == 0 {
			return nil
		}
		// data is Go memory without pointers; C only reads it during the call.
		C.vsagi_call_write_func(fn, C.uint64_t(off), C.uint64_t(len(data)), unsafe.Pointer(&data[0]))
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_deserialize_read_func
func vsagi_index_deserialize_read_func(h C.uintptr_t, rf C.vsagi_read_func, sf C.vsagi_size_func) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if rf == nil || sf == nil {
		return fail(errNil("deserialize", "read_func or size_func"))
	}
	if err := needFeature(x, api.SupportDeserializeFile, "deserialize from a read function"); err != nil {
		return fail(err)
	}
	size := uint64(C.vsagi_call_size_func(sf))
	err = x.DeserializeReadFunc(func(off uint64, dst []byte) error {
		if len(dst) == 0 {
			return nil
		}
		C.vsagi_call_read_func(rf, C.uint64_t(off), C.uint64_t(len(dst)), unsafe.Pointer(&dst[0]))
		return nil
	}, size)
	if err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_serialize_buffer
func vsagi_index_serialize_buffer(h C.uintptr_t, data *unsafe.Pointer, size *C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	if data == nil || size == nil {
		return fail(errNil("serialize to buffer", "data or size"))
	}
	*data, *size = nil, 0
	if err := needFeature(x, api.SupportSerializeFile, "serialize to a buffer"); err != nil {
		return fail(err)
	}
	var buf bytes.Buffer
	if err := x.Serialize(&buf); err != nil {
		return fail(err)
	}
	p := C.vsagi_try_malloc(C.size_t(max(buf.Len(), 1)))
	if p == nil {
		return failf(api.NoEnoughMemory, "serialize to buffer: cannot allocate %d bytes", buf.Len())
	}
	copy(unsafe.Slice((*byte)(p), buf.Len()), buf.Bytes())
	*data, *size = p, C.uint64_t(buf.Len())
	return 0
}

// cBytes views size bytes of C memory at p.
func cBytes(what string, p unsafe.Pointer, size C.uint64_t) ([]byte, error) {
	if p == nil {
		return nil, errNil(what, "data")
	}
	if uint64(size) > maxVals {
		return nil, api.Errorf(api.InvalidArgument, "%s: size %d is too large", what, uint64(size))
	}
	return unsafe.Slice((*byte)(p), uint64(size)), nil
}

//export vsagi_index_deserialize_buffer
func vsagi_index_deserialize_buffer(h C.uintptr_t, data unsafe.Pointer, size C.uint64_t) (rc C.int) {
	defer guard(&rc)
	x, err := getIndex(h)
	if err != nil {
		return fail(err)
	}
	b, err := cBytes("deserialize from buffer", data, size)
	if err != nil {
		return fail(err)
	}
	if err := needFeature(x, api.SupportDeserializeFile, "deserialize from a buffer"); err != nil {
		return fail(err)
	}
	if err := x.Deserialize(bytes.NewReader(b)); err != nil {
		return fail(err)
	}
	return 0
}

//export vsagi_index_load_file
func vsagi_index_load_file(path *C.char, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if out == nil {
		return fail(errNil("load file", "out"))
	}
	*out = 0
	if path == nil {
		return fail(errNil("load file", "path"))
	}
	x, err := core.LoadFile(C.GoString(path))
	if err != nil {
		return fail(err)
	}
	return addIndex(x, out)
}

//export vsagi_index_load_buffer
func vsagi_index_load_buffer(data unsafe.Pointer, size C.uint64_t, out *C.uintptr_t) (rc C.int) {
	defer guard(&rc)
	if out == nil {
		return fail(errNil("load buffer", "out"))
	}
	*out = 0
	b, err := cBytes("load buffer", data, size)
	if err != nil {
		return fail(err)
	}
	x, err := core.LoadBytes(b)
	if err != nil {
		return fail(err)
	}
	return addIndex(x, out)
}
