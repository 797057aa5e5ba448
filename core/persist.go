package core

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

// snapshot returns the index's sections, taken while no write is in flight.
func (x *Index) snapshot() (*serial.File, error) {
	defer x.snapshotting()()
	return x.file()
}

// file returns the index's sections. Caller holds the snapshot lock exclusively.
func (x *Index) file() (*serial.File, error) {
	f := &serial.File{Meta: serial.Meta{
		IndexName:    x.name,
		CreateParams: json.RawMessage(x.create.Raw),
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

// Serialize writes the index to w in the library's file format.
func (x *Index) Serialize(w io.Writer) error {
	f, err := x.snapshot()
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

// SerializeWriteFunc streams the index to fn in order, piece by piece.
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
	fresh, err := CreateIndex(x.name, x.create.Raw)
	if err != nil {
		return err
	}
	if err := fresh.restore(f); err != nil {
		return err
	}
	if x.extra != nil {
		x.extra.replace(fresh.extra)
	}
	x.engine.Store(fresh.engine.Load())
	x.attrTable.Store(fresh.attrTable.Load())
	return nil
}

// Deserialize loads an index written by Serialize into this empty index. The file's parameters
// must match (a mismatch is INVALID_ARGUMENT naming the field); a non-empty index is
// INDEX_NOT_EMPTY; truncated or corrupted input is INVALID_BINARY.
func (x *Index) Deserialize(r io.Reader) error {
	f, err := serial.Read(r)
	if err != nil {
		return readErr(err, "deserialize")
	}
	return x.load(f)
}

// readWhole reads one index from r, which must end with it: a file, a byte slice or a read
// function of a given size holds one index and nothing after it.
func readWhole(r io.Reader, what string) (*serial.File, error) {
	f, err := serial.Read(r)
	if err != nil {
		return nil, readErr(err, what)
	}
	var one [1]byte
	if n, _ := io.ReadFull(r, one[:]); n > 0 {
		return nil, api.Errorf(api.InvalidBinary, "%s: bytes follow the end of the index", what)
	}
	return f, nil
}

// DeserializeFile is Deserialize from a file path; a missing file is MISSING_FILE.
func (x *Index) DeserializeFile(path string) error {
	fh, err := openIndexFile(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	f, err := readWhole(bufio.NewReaderSize(fh, 1<<20), "deserialize")
	if err != nil {
		return err
	}
	return x.load(f)
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

type funcReader struct {
	fn   ReadFunc
	off  uint64
	size uint64
}

func (r *funcReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if rem := r.size - r.off; uint64(len(p)) > rem {
		p = p[:rem]
	}
	if err := r.fn(r.off, p); err != nil {
		return 0, err
	}
	r.off += uint64(len(p))
	return len(p), nil
}

// DeserializeReadFunc loads an index of size bytes through fn.
func (x *Index) DeserializeReadFunc(fn ReadFunc, size uint64) error {
	if fn == nil {
		return api.Errorf(api.InvalidArgument, "deserialize: read function is nil")
	}
	f, err := readWhole(bufio.NewReaderSize(&funcReader{fn: fn, size: size}, 1<<20), "deserialize")
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

// Load reads an index from r, recreating it from the parameters stored in the file.
func Load(r io.Reader) (*Index, error) {
	f, err := serial.Read(r)
	if err != nil {
		return nil, readErr(err, "load")
	}
	return fromFile(f)
}

// LoadBytes is Load from memory.
func LoadBytes(b []byte) (*Index, error) {
	f, err := readWhole(bytes.NewReader(b), "load")
	if err != nil {
		return nil, err
	}
	return fromFile(f)
}

// LoadFile reads an index file, recreating the index from the file's metadata.
func LoadFile(path string) (*Index, error) {
	fh, err := openIndexFile(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f, err := readWhole(bufio.NewReaderSize(fh, 1<<20), "load")
	if err == nil {
		var idx *Index
		if idx, err = fromFile(f); err == nil {
			return idx, nil
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
	if err := idx.restore(f); err != nil {
		return nil, err
	}
	return idx, nil
}
