package core

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
)

// BinarySet is a set of named blobs (VSAG's BinarySet).
type BinarySet = serial.BinarySet

// WriteFunc receives consecutive pieces of a serialized index: data belongs at offset.
type WriteFunc func(offset uint64, data []byte) error

// ReadFunc fills dst with the bytes of a serialized index starting at offset.
type ReadFunc func(offset uint64, dst []byte) error

// Version is the library version.
const Version = "0.1.0"

// snapshot returns the index's sections held in memory (Clone, SerializeBinarySet), taken
// while no write is in flight.
func (x *Index) snapshot() (*serial.File, error) {
	defer x.snapshotting()()
	f, err := x.file()
	if err != nil {
		return nil, err
	}
	if err := f.Materialize(); err != nil {
		return nil, api.Wrap(api.InternalError, err, "snapshot")
	}
	return f, nil
}

// file returns the index's sections: the small ones encoded, the stores' as functions that
// stream them from the stores when the file is written. Caller holds the snapshot lock
// exclusively until the file has been written or materialized.
func (x *Index) file() (*serial.File, error) {
	f := &serial.File{Meta: serial.Meta{
		IndexName:    x.name,
		CreateParams: json.RawMessage(x.createParams().Raw),
		Library:      "vsag-go " + Version,
		NumElements:  x.eng().NumElements(),
	}}
	if !json.Valid(f.Meta.CreateParams) {
		f.Meta.CreateParams = json.RawMessage("{}")
	}
	if err := x.eng().Save(f); err != nil {
		return nil, err
	}
	if x.extra != nil {
		x.extra.save(f, x.eng().Contains)
	}
	x.saveAttrs(f)
	return f, nil
}

// Serialize writes the index to w in the library's file format (version 2), streaming every
// store straight from memory: saving costs next to no memory beyond the index. The snapshot
// is consistent: writes (Add, Remove, updates) wait until the last byte has been handed to w;
// searches go on. w must not call back into the index to modify it.
func (x *Index) Serialize(w io.Writer) error {
	defer x.snapshotting()()
	f, err := x.file()
	if err != nil {
		return err
	}
	if err := serial.Write(w, f); err != nil {
		return api.Wrap(api.InternalError, err, "serialize")
	}
	return nil
}

// SerializeFile writes the index to path atomically and durably; see writeFileAtomic
// (atomicfile.go) for the temporary file, the modes it gives and how concurrent saves behave.
func (x *Index) SerializeFile(path string) error {
	return writeFileAtomic(path, x.Serialize)
}

type funcWriter struct {
	fn  WriteFunc
	off uint64
}

func (w *funcWriter) Write(p []byte) (int, error) {
	if err := w.fn(w.off, p); err != nil {
		return 0, err
	}
	w.off += uint64(len(p))
	return len(p), nil
}

// SerializeWriteFunc streams the index to fn in order, piece by piece (writes to the index
// wait until it returns, as for Serialize; fn must not modify the index).
func (x *Index) SerializeWriteFunc(fn WriteFunc) error {
	if fn == nil {
		return api.Errorf(api.InvalidArgument, "serialize: write function is nil")
	}
	bw := bufio.NewWriterSize(&funcWriter{fn: fn}, 1<<20)
	if err := x.Serialize(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return api.Wrap(api.InternalError, err, "serialize to write function")
	}
	return nil
}

// SerializeBinarySet returns the index as named blobs.
func (x *Index) SerializeBinarySet() (BinarySet, error) {
	f, err := x.snapshot()
	if err != nil {
		return nil, err
	}
	set, err := serial.ToBinarySet(f)
	if err != nil {
		return nil, api.Wrap(api.InternalError, err, "serialize to binary set")
	}
	return set, nil
}

func readErr(err error, what string) error {
	if errors.Is(err, serial.ErrCorrupt) {
		return api.Wrap(api.InvalidBinary, err, "%s", what)
	}
	return api.Wrap(api.ReadError, err, "%s", what)
}

// load checks that the file fits this empty index and restores it.
func (x *Index) load(f *serial.File) error {
	defer x.snapshotting()()
	if x.eng().NumElements() > 0 || x.numRemoved(x.eng()) > 0 {
		return api.Errorf(api.IndexNotEmpty, "deserialize: the index already holds vectors")
	}
	if f.Meta.IndexName != x.name {
		return api.Errorf(api.InvalidArgument, "deserialize: index_name %q in the file does not match %q", f.Meta.IndexName, x.name)
	}
	fc, err := parseFileCreate(f)
	if err != nil {
		return err
	}
	switch {
	case fc.Dim != x.create.Dim:
		return api.Errorf(api.InvalidArgument, "deserialize: dim %d in the file does not match %d", fc.Dim, x.create.Dim)
	case fc.Metric != x.create.Metric:
		return api.Errorf(api.InvalidArgument, "deserialize: metric_type %q in the file does not match %q", fc.Metric, x.create.Metric)
	case fc.DType != x.create.DType:
		return api.Errorf(api.InvalidArgument, "deserialize: dtype %q in the file does not match %q", fc.DType, x.create.DType)
	}
	fresh, err := CreateIndex(x.name, x.createParams().Raw)
	if err != nil {
		return err
	}
	x.account() // made now, so the load is charged to it and checked against its budget
	fresh.shareAccount(x)
	end, err := x.startLoad(f)
	if err != nil {
		return err
	}
	if err := end(fresh.restoreWithinBudget(f)); err != nil {
		fresh.releaseCharges() // a load that failed after the restore charges nothing
		return err
	}
	if x.extra != nil {
		x.extra.replace(fresh.extra)
	}
	x.engine.Store(fresh.engine.Load())
	x.attrTable.Store(fresh.attrTable.Load())
	x.reapplyAccount()
	x.chargeLoaded()
	x.resume()
	return nil
}

// resume starts the background work a loaded engine's file asks for (api.Resumer), once the
// load has succeeded.
func (x *Index) resume() {
	if r, ok := x.eng().(api.Resumer); ok {
		r.Resume()
	}
}

// restoreCore loads the index-level sections (extra info, attributes) after the engine's and
// ends the load (File.Finish: critical sections nobody read, the rest of a stream, the footer).
func (x *Index) restoreCore(f *serial.File) error {
	if x.extra != nil {
		if err := x.extra.load(f); err != nil {
			return err
		}
	} else {
		f.Skip(secExtra) // an index without extra_info_size has no place for it (as before)
	}
	if err := x.loadAttrs(f); err != nil {
		return err
	}
	if err := f.Finish(); err != nil {
		return readErr(err, "load")
	}
	return nil
}

// Deserialize loads an index written by Serialize into this empty index, reading r section by
// section straight into the stores; nothing is read past the end of the index. The file's
// parameters must match (a mismatch is INVALID_ARGUMENT naming the field); a non-empty index is
// INDEX_NOT_EMPTY; truncated or corrupted input is INVALID_BINARY.
func (x *Index) Deserialize(r io.Reader) error {
	f, err := serial.NewReader(r)
	if err != nil {
		return readErr(err, "deserialize")
	}
	return x.load(f)
}

// openWhole opens an input that holds one index and nothing after it: a regular file or a
// byte slice is read at offsets (only what the loader asks for, each store straight into its
// slab); anything else (a pipe) is read as a stream and must end with the index.
func openWhole(ra io.ReaderAt, size int64, what string) (*serial.File, error) {
	f, err := serial.OpenAt(ra, size)
	if err != nil {
		return nil, readErr(err, what)
	}
	return f, nil
}

// openIndexPath opens path for loading: the File, and the function that closes it and checks
// (for a stream) that nothing follows the index.
func openIndexPath(path, what string) (*serial.File, func(loaded bool) error, error) {
	fh, err := openIndexFile(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, nil, api.Wrap(api.ReadError, err, "stat %q", path)
	}
	if st.Mode().IsRegular() {
		f, err := openWhole(fh, st.Size(), what)
		if err != nil {
			fh.Close()
			return nil, nil, err
		}
		return f, func(bool) error { return fh.Close() }, nil
	}
	br := bufio.NewReaderSize(fh, 1<<20)
	f, err := serial.NewReader(br)
	if err != nil {
		fh.Close()
		return nil, nil, readErr(err, what)
	}
	return f, func(loaded bool) error {
		defer fh.Close()
		if !loaded {
			return nil
		}
		var one [1]byte
		if n, _ := io.ReadFull(br, one[:]); n > 0 {
			return api.Errorf(api.InvalidBinary, "%s: bytes follow the end of the index", what)
		}
		return nil
	}, nil
}

// DeserializeFile is Deserialize from a file path; a missing file is MISSING_FILE. The file is
// read only while loading: the index does not depend on it afterwards.
func (x *Index) DeserializeFile(path string) error {
	f, done, err := openIndexPath(path, "deserialize")
	if err != nil {
		return err
	}
	if err := x.load(f); err != nil {
		done(false)
		return err
	}
	return done(true)
}

func openIndexFile(path string) (*os.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, api.Errorf(api.MissingFile, "index file %q does not exist", path)
		}
		return nil, api.Wrap(api.ReadError, err, "open %q", path)
	}
	return fh, nil
}

// funcReader reads through a ReadFunc at offsets below size.
type funcReader struct {
	fn   ReadFunc
	size uint64
}

func (r *funcReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || uint64(off) >= r.size {
		return 0, io.EOF
	}
	short := false
	if rem := r.size - uint64(off); uint64(len(p)) > rem {
		p, short = p[:rem], true
	}
	if err := r.fn(uint64(off), p); err != nil {
		return 0, err
	}
	if short {
		return len(p), io.EOF
	}
	return len(p), nil
}

// DeserializeReadFunc loads an index of size bytes through fn, which is asked for the pieces
// the loader needs, at their offsets (each store's bytes straight into its slab).
func (x *Index) DeserializeReadFunc(fn ReadFunc, size uint64) error {
	if fn == nil {
		return api.Errorf(api.InvalidArgument, "deserialize: read function is nil")
	}
	if size > math.MaxInt64 {
		return api.Errorf(api.InvalidBinary, "deserialize: size %d is too large", size)
	}
	f, err := openWhole(&funcReader{fn: fn, size: size}, int64(size), "deserialize")
	if err != nil {
		return err
	}
	return x.load(f)
}

// DeserializeBinarySet loads an index from blobs written by SerializeBinarySet.
func (x *Index) DeserializeBinarySet(set BinarySet) error {
	f, err := serial.FromBinarySet(set)
	if err != nil {
		return readErr(err, "deserialize binary set")
	}
	return x.load(f)
}

func parseFileCreate(f *serial.File) (*paramsCreate, error) {
	c, err := parseCreate(f.Meta.IndexName, string(f.Meta.CreateParams))
	if err != nil {
		return nil, api.Wrap(api.InvalidBinary, err, "deserialize: create parameters in the file")
	}
	return c, nil
}

// Load reads an index from r, recreating it from the parameters stored in the file; r is read
// section by section straight into the stores, and not past the end of the index.
func Load(r io.Reader) (*Index, error) {
	f, err := serial.NewReader(r)
	if err != nil {
		return nil, readErr(err, "load")
	}
	return fromFile(f)
}

// LoadBytes is Load from memory; b must hold one index and nothing after it. The index copies
// what it needs: it does not keep b.
func LoadBytes(b []byte) (*Index, error) {
	f, err := openWhole(bytes.NewReader(b), int64(len(b)), "load")
	if err != nil {
		return nil, err
	}
	return fromFile(f)
}

// LoadFile reads an index file, recreating the index from the file's metadata. The stores are
// read straight from the file into memory (no whole-file buffer); the index does not depend on
// the file afterwards.
func LoadFile(path string) (*Index, error) {
	f, done, err := openIndexPath(path, "load")
	if err == nil {
		var idx *Index
		if idx, err = fromFile(f); err == nil {
			if err = done(true); err == nil {
				return idx, nil
			}
		} else {
			done(false)
		}
	}
	return nil, fmt.Errorf("load %q: %w", path, err)
}

// LoadBinarySet recreates an index from blobs written by SerializeBinarySet.
func LoadBinarySet(set BinarySet) (*Index, error) {
	f, err := serial.FromBinarySet(set)
	if err != nil {
		return nil, readErr(err, "load binary set")
	}
	return fromFile(f)
}

func fromFile(f *serial.File) (*Index, error) {
	if _, ok := factories[f.Meta.IndexName]; !ok {
		return nil, api.Errorf(api.InvalidBinary, "load: the file holds an index of unknown type %q", f.Meta.IndexName)
	}
	idx, err := CreateIndex(f.Meta.IndexName, string(f.Meta.CreateParams))
	if err != nil {
		return nil, api.Wrap(api.InvalidBinary, err, "load: create parameters in the file")
	}
	if err := idx.restoreWithinBudget(f); err != nil {
		return nil, err
	}
	idx.chargeLoaded()
	idx.resume()
	return idx, nil
}
