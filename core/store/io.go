package store

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
)

// IO backends of a code store, with VSAG's names. memory_io and block_memory_io keep the rows
// in memory (one aligned slab; VSAG's block variant splits it into blocks, which a Go slab
// does not need). mmap_io and buffer_io keep them in a file: the rows are written through a
// shared mapping of the file, which the general paths (build, exact scans, vector reads) read
// as a slab; buffer_io's rerank reads (Gather) go through pread with a small row cache
// instead, so the rows a search reads do not become part of the process's resident memory.
const (
	IOMemory      = "memory_io"
	IOBlockMemory = "block_memory_io"
	IOMMap        = "mmap_io"
	IOBuffer      = "buffer_io"
)

// ValidIO returns an error unless kind names an IO backend ("" is memory_io).
func ValidIO(kind string) error {
	switch kind {
	case "", IOMemory, IOBlockMemory, IOMMap, IOBuffer:
		return nil
	}
	return fmt.Errorf("%q is not one of memory_io, block_memory_io, mmap_io, buffer_io", kind)
}

// OnDiskIO reports whether kind keeps rows in a file.
func OnDiskIO(kind string) bool { return kind == IOMMap || kind == IOBuffer }

// diskStore is the file behind an on-disk code store. Stores made by Grown share it (and its
// file) with the store they grew from; each holds its own mapping.
type diskStore struct {
	kind string
	path string
	f    *os.File
	m    *mapping // the current mapping, len(m.data) == len(Codes.slab)
	// maps are every mapping made, the current one last. Earlier ones (before a growth or a
	// copy) are only dropped from memory (a reader may still hold a slab of one) and all are
	// unmapped together when the store becomes unreachable.
	maps  []*mapping
	err   error // the first error met growing the file, reported by Err
	cache *rowCache
	// opened is false until the first row is reserved: the file is created (truncated) then, not
	// when the index is made, so an index made only to load a file that references the same
	// path does not destroy it.
	opened bool
	ro     bool // opened from a saved reference: never truncated
	// shared is set when a saved index references the file (Ref, OpenRef): its first rows then
	// belong to that index too, so the store moves to a copy of its own (unshare) before it
	// rewrites a row or grows, and the saved index keeps the file as it was.
	shared bool
	diskCounters
}

// NewCodesIO returns an empty store of codes of q kept by the IO backend kind; path is the file
// of an on-disk backend (required for mmap_io and buffer_io, created at the first row).
func NewCodesIO(q quant.Quantizer, kind, path string) (*Codes, error) {
	if err := ValidIO(kind); err != nil {
		return nil, err
	}
	c := NewCodes(q)
	if !OnDiskIO(kind) {
		return c, nil
	}
	if path == "" {
		return nil, fmt.Errorf("io type %q needs a file path", kind)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("io file path %q: %w", path, err)
	}
	c.disk = &diskStore{kind: kind, path: abs}
	runtime.SetFinalizer(c.disk, func(d *diskStore) {
		for _, m := range d.maps {
			m.release()
		}
	})
	if kind == IOBuffer {
		c.disk.cache = newRowCache(c.stride, rowCacheBytes)
	}
	return c, nil
}

// OnDisk reports whether the rows live in a file.
func (c *Codes) OnDisk() bool { return c != nil && c.disk != nil }

// IOType returns the store's IO backend.
func (c *Codes) IOType() string {
	if c.disk == nil {
		return IOMemory
	}
	return c.disk.kind
}

// Path returns the file of an on-disk store ("" in memory).
func (c *Codes) Path() string {
	if c.disk == nil {
		return ""
	}
	return c.disk.path
}

// Err returns the first error an on-disk store met growing its file (nil in memory): a store
// whose file could not grow keeps its former capacity, so callers check Err after Reserve.
func (c *Codes) Err() error {
	if c.disk == nil {
		return nil
	}
	c.disk.mu.Lock()
	defer c.disk.mu.Unlock()
	return c.disk.err
}

// reserveDisk grows the file to rows rows and maps it again.
func (c *Codes) reserveDisk(rows int) {
	d := c.disk
	need := rows * c.stride
	if need <= len(c.slab) && d.opened {
		return
	}
	if d.shared && !c.unshare() {
		return
	}
	if !d.opened {
		flag := os.O_RDWR | os.O_CREATE
		if !d.ro {
			flag |= os.O_TRUNC
		}
		f, err := os.OpenFile(d.path, flag, 0o644)
		if err != nil {
			d.setErr(api.Wrap(api.ReadError, err, "opening the store file"))
			return
		}
		d.f, d.opened = f, true
	}
	size := max(need, c.n*c.stride, 1)
	st, err := d.f.Stat()
	if err != nil {
		d.setErr(api.Wrap(api.ReadError, err, "reading the store file's size"))
		return
	}
	// a file opened from a reference may be larger than its rows: it is never shrunk
	if st.Size() < int64(size) {
		if err := d.f.Truncate(int64(size)); err != nil {
			d.setErr(api.Wrap(api.InternalError, err, "growing the store file"))
			return
		}
	}
	m, err := mapFile(d.f, size)
	if err != nil {
		d.setErr(api.Wrap(api.NoEnoughMemory, err, "mapping the store file"))
		return
	}
	old := d.m
	d.m, d.maps = m, append(d.maps, m)
	c.slab = m.data[:need:need]
	if old != nil {
		old.drop() // readers of the old mapping still see the file's bytes
	}
}

// storeRef is what an index file records of an on-disk store.
type storeRef struct {
	IO     string `json:"io_type"`
	Path   string `json:"file_path"`
	Rows   int    `json:"rows"`
	Stride int    `json:"row_size"`
}

// Ref flushes an on-disk store's rows to its file and returns the reference an index file
// keeps in place of the rows: the backend, the file's absolute path, the row count and size.
func (c *Codes) Ref() ([]byte, error) {
	if c.disk == nil {
		return nil, fmt.Errorf("code store: not on disk")
	}
	if c.disk.m != nil {
		if err := c.disk.m.sync(); err != nil {
			return nil, api.Wrap(api.InternalError, err, "flushing the store file")
		}
	}
	c.disk.shared = true
	return json.Marshal(storeRef{IO: c.disk.kind, Path: c.disk.path, Rows: c.n, Stride: c.stride})
}

// unshare moves a store whose file a saved index references to a copy of its rows in a new
// file beside it (named after it, with a random suffix), which Ref names from then on. It
// reports false, with the error kept for Err, when the copy cannot be made.
func (c *Codes) unshare() bool {
	d := c.disk
	f, err := os.CreateTemp(filepath.Dir(d.path), filepath.Base(d.path)+".*")
	if err != nil {
		d.setErr(api.Wrap(api.InternalError, err, "copying a shared store file"))
		return false
	}
	size := int64(c.n) * int64(c.stride)
	if _, err := io.Copy(f, io.NewSectionReader(d.f, 0, size)); err != nil {
		f.Close()
		os.Remove(f.Name())
		d.setErr(api.Wrap(api.InternalError, err, "copying a shared store file"))
		return false
	}
	m, err := mapFile(f, max(int(size), 1))
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		d.setErr(api.Wrap(api.NoEnoughMemory, err, "mapping a store file"))
		return false
	}
	old := d.m
	d.f, d.path, d.m, d.shared, d.ro = f, f.Name(), m, false, false
	d.maps = append(d.maps, m)
	c.slab = m.data[:size:size]
	if old != nil {
		old.drop()
	}
	return true
}

// OpenRef opens the on-disk store a reference (Ref) names, without reading its rows into
// memory: the file is mapped and read on demand. kind, when it is an on-disk backend, replaces
// the backend recorded. The file must hold the rows recorded; rows added later are appended to
// the same file, which the saved index shares.
func OpenRef(q quant.Quantizer, ref []byte, kind string) (*Codes, error) {
	var r storeRef
	if err := json.Unmarshal(ref, &r); err != nil {
		return nil, fmt.Errorf("store reference: %w", err)
	}
	if !OnDiskIO(kind) {
		kind = r.IO
	}
	if !OnDiskIO(kind) || r.Path == "" || r.Rows < 0 {
		return nil, fmt.Errorf("store reference: %q at %q is not an on-disk store", r.IO, r.Path)
	}
	c, err := NewCodesIO(q, kind, r.Path)
	if err != nil {
		return nil, err
	}
	if r.Stride != c.stride {
		return nil, fmt.Errorf("store reference: row size %d does not match the quantizer's %d", r.Stride, c.stride)
	}
	st, err := os.Stat(r.Path)
	if err != nil {
		return nil, fmt.Errorf("store file: %w", err)
	}
	if st.Size() < int64(r.Rows)*int64(r.Stride) {
		return nil, fmt.Errorf("store file %q: %d bytes do not hold %d rows of %d bytes", r.Path, st.Size(), r.Rows, r.Stride)
	}
	c.disk.ro = true
	c.reserveDisk(max(r.Rows, 1))
	if c.disk.err != nil {
		return nil, c.disk.err
	}
	c.disk.shared = true
	c.n = r.Rows
	return c, nil
}

// rowCacheBytes is the size of buffer_io's row cache.
const rowCacheBytes = 1 << 20

// rowCache is a direct-mapped cache of rows read by pread: a row's slot is its number modulo
// the slot count, each slot guarded by one of a few locks.
type rowCache struct {
	stride int
	ids    []int64
	data   []byte
	locks  [64]sync.Mutex
}

func newRowCache(stride, bytes int) *rowCache {
	n := 0
	if stride > 0 {
		n = bytes / stride
	}
	rc := &rowCache{stride: stride, ids: make([]int64, n), data: make([]byte, n*stride)}
	for i := range rc.ids {
		rc.ids[i] = -1
	}
	return rc
}

// get copies row r into dst when it is cached.
func (rc *rowCache) get(r int, dst []byte) bool {
	n := len(rc.ids)
	if n == 0 {
		return false
	}
	s := r % n
	l := &rc.locks[s&63]
	l.Lock()
	ok := rc.ids[s] == int64(r)
	if ok {
		copy(dst, rc.data[s*rc.stride:(s+1)*rc.stride])
	}
	l.Unlock()
	return ok
}

// put caches row r.
func (rc *rowCache) put(r int, row []byte) {
	n := len(rc.ids)
	if n == 0 {
		return
	}
	s := r % n
	l := &rc.locks[s&63]
	l.Lock()
	rc.ids[s] = int64(r)
	copy(rc.data[s*rc.stride:(s+1)*rc.stride], row)
	l.Unlock()
}

// invalidate drops row r from the cache (it was rewritten).
func (rc *rowCache) invalidate(r int) {
	if n := len(rc.ids); n > 0 {
		s := r % n
		l := &rc.locks[s&63]
		l.Lock()
		if rc.ids[s] == int64(r) {
			rc.ids[s] = -1
		}
		l.Unlock()
	}
}
