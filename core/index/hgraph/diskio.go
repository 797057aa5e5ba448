package hgraph

import (
	"io"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
)

// Code stores on disk: base_io_type / precise_io_type mmap_io or buffer_io keep a store's rows
// in the file base_file_path / precise_file_path (store.NewCodesIO). With the base codes in
// memory and the precise codes on disk, the graph is traversed in memory and only the rerank
// reads the disk: a buffer_io store reads the candidates' rows with pread, concurrently
// (store.Gather), an mmap_io store through its mapping. Saving writes the in-memory stores to
// the index file and, for an on-disk store, a reference to its file (which stays where it is
// and is shared with the index that wrote it); loading maps that file again without reading it.

// ioKeys validates base_io_type, precise_io_type and their file paths.
func (p Params) ioKeys() error {
	for _, k := range []struct{ key, v, pathKey, path string }{
		{"base_io_type", p.BaseIOType, "base_file_path", p.BaseFilePath},
		{"precise_io_type", p.PreciseIOType, "precise_file_path", p.PreciseFilePath},
	} {
		if err := store.ValidIO(k.v); err != nil {
			return api.Errorf(api.InvalidArgument, "key %q: %v", k.key, err)
		}
		if store.OnDiskIO(k.v) && k.path == "" {
			return api.Errorf(api.InvalidArgument, "key %q: %q needs key %q", k.key, k.v, k.pathKey)
		}
	}
	if store.OnDiskIO(p.BaseIOType) && store.OnDiskIO(p.PreciseIOType) && p.BaseFilePath == p.PreciseFilePath {
		return api.Errorf(api.InvalidArgument, "keys \"base_file_path\" and \"precise_file_path\": the stores need files of their own")
	}
	return nil
}

// newStore returns an empty code store of q kept by the backend kind.
func newStore(q quant.Quantizer, kind, path, which string) (*store.Codes, error) {
	c, err := store.NewCodesIO(q, kind, path)
	if err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "hgraph: %s codes", which)
	}
	return c, nil
}

// storeErr returns the first error an on-disk store met growing its file.
func (x *Index) storeErr() error {
	for _, c := range []*store.Codes{x.baseCodes, x.preciseCodes} {
		if c == nil {
			continue
		}
		if err := c.Err(); err != nil {
			return api.Wrap(api.NoEnoughMemory, err, "hgraph: growing an on-disk code store")
		}
	}
	return nil
}

// diskIO returns the backend of an on-disk store, "" for one in memory (or none).
func diskIO(c *store.Codes) string {
	if c == nil || !c.OnDisk() {
		return ""
	}
	return c.IOType()
}

// saveStore writes a store's section: its rows, or the reference to its file when it is on disk.
func saveStore(f *serial.File, sec string, c *store.Codes, stream func(string, int64, func(io.Writer) error)) error {
	if !c.OnDisk() {
		stream(sec, c.SectionSize(), c.WriteSection)
		return nil
	}
	ref, err := c.Ref()
	if err != nil {
		return api.Wrap(api.InternalError, err, "hgraph: save %s", sec)
	}
	f.Add(sec, ref)
	return nil
}

// loadStore reads a store's section into a new store like c: its rows into memory, or, when
// the file recorded the store on disk, the store its reference names, opened with c's backend
// when that is an on-disk one and with the recorded backend otherwise.
func loadStore(f *serial.File, sec string, c *store.Codes, inf info) (*store.Codes, error) {
	recorded := inf.BaseIO
	if sec == secPreciseCodes {
		recorded = inf.PreciseIO
	}
	if recorded != "" {
		ref, err := f.Need(sec)
		if err != nil {
			return nil, err
		}
		return store.OpenRef(c.Quantizer(), ref, c.IOType())
	}
	sr, err := f.Open(sec)
	if err != nil {
		return nil, err
	}
	nc := c.Empty() // charging the same account
	if err := nc.ReadSection(sr); err != nil {
		return nil, err
	}
	return nc, nil
}
