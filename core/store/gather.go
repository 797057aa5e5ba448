package store

import (
	"sync"
	"sync/atomic"

	"github.com/govsag/vsag/internal/parallel"
)

// ioBusy counts the read goroutines running, across all stores and searches; the global option
// num_threads_io (parallel.IOThreads, VSAG's name) bounds it.
var ioBusy atomic.Int64

// AcquireIO takes a slot of the bounded pool of read goroutines, or reports false when all
// num_threads_io slots are taken (the caller then reads on its own goroutine). A slot taken is
// given back with ReleaseIO.
func AcquireIO() bool {
	for {
		b := ioBusy.Load()
		if b >= int64(parallel.IOThreads()) {
			return false
		}
		if ioBusy.CompareAndSwap(b, b+1) {
			return true
		}
	}
}

// ReleaseIO gives back a slot taken by AcquireIO.
func ReleaseIO() { ioBusy.Add(-1) }

// ioChunk is the fewest rows worth handing to a goroutine of their own.
const ioChunk = 8

// Gather holds the rows a search reads from a store that is read with pread; one per search
// context, reused.
type Gather struct {
	buf   []byte
	local []uint32
}

// ReadsRows reports whether searches read the store's rows through Gather (buffer_io) rather
// than from its slab.
func (c *Codes) ReadsRows() bool { return c.disk != nil && c.disk.kind == IOBuffer }

// Reads returns the number of rows read from the file by Gather (cache hits excluded).
func (c *Codes) Reads() int64 {
	if c.disk == nil {
		return 0
	}
	return c.disk.reads.Load()
}

// Gather reads the rows ids of a buffer_io store into g and returns them as a slab with the ids
// to measure it with (0..len(ids)-1), the rows read as one io_uring batch where the kernel allows
// it (see URingEnabled), else concurrently by up to num_threads_io goroutines with pread, through
// the store's row cache. Any other store returns its slab and ids as they are. A row that cannot
// be read leaves zeros (the error is kept for Err).
func (c *Codes) Gather(ids []uint32, g *Gather) ([]byte, []uint32) {
	if !c.ReadsRows() {
		return c.Slab(), ids
	}
	n, s := len(ids), c.stride
	if cap(g.buf) < n*s {
		g.buf = make([]byte, n*s)
	}
	buf := g.buf[:n*s]
	g.local = g.local[:0]
	for i := range ids {
		g.local = append(g.local, uint32(i))
	}
	read := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst := buf[i*s : (i+1)*s]
			if c.readRow(int(ids[i]), dst) != nil {
				clear(dst)
			}
		}
	}
	if c.gatherRing(ids, buf) { // io_uring, where the kernel allows it
		return buf, g.local
	}
	if n < 2*ioChunk {
		read(0, n)
		return buf, g.local
	}
	var wg sync.WaitGroup
	for lo := ioChunk; lo < n; lo += ioChunk {
		hi := min(lo+ioChunk, n)
		if !AcquireIO() { // the pool is busy: read here
			read(lo, hi)
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { ReleaseIO(); wg.Done() }()
			read(lo, hi)
		}()
	}
	read(0, min(ioChunk, n))
	wg.Wait()
	return buf, g.local
}

// readRow reads row r of an on-disk store into dst, through the row cache.
func (c *Codes) readRow(r int, dst []byte) error {
	d := c.disk
	if d.cache != nil && d.cache.get(r, dst) {
		return nil
	}
	d.reads.Add(1)
	if err := pread(d.f, dst, int64(r)*int64(c.stride)); err != nil {
		d.setErr(err)
		return err
	}
	if d.cache != nil {
		d.cache.put(r, dst)
	}
	return nil
}

// diskCounters are kept apart from diskStore's other fields for clarity.
type diskCounters struct {
	reads atomic.Int64
	mu    sync.Mutex
}

func (d *diskStore) setErr(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
}
