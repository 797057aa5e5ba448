package diskann

import (
	"fmt"
	"sync/atomic"

	"github.com/govsag/vsag/core/store"
)

// ringBeams counts the beams read as io_uring batches (tests check the ring was used).
var ringBeams atomic.Int64

// readBeamRing reads the records of c.beam into c.bufs as one io_uring batch (store.ReadBatch)
// and decodes them as readBeam's reads do, with the same results; it reports false, having
// read nothing, where io_uring is not used (VSAG_IO_URING=0, a kernel without it, or
// num_threads_io rings taken), and readBeam then reads with pread.
func (x *Index) readBeamRing(c *ctx) bool {
	w := len(c.beam)
	if cap(c.offs) < w {
		c.offs = make([]int64, w)
		c.recs = make([][]byte, w)
	}
	offs, recs := c.offs[:w], c.recs[:w]
	for j, id := range c.beam {
		offs[j] = x.d.l.offset(id)
		recs[j] = c.bufs[j][:x.d.l.record]
	}
	if !store.ReadBatch(x.d.f, recs, offs, c.errs[:w]) {
		return false
	}
	for j, id := range c.beam {
		if err := c.errs[j]; err != nil {
			c.vecs[j], c.nbs[j], c.errs[j] = nil, c.nbs[j][:0], fmt.Errorf("diskann: reading node %d: %w", id, err)
			continue
		}
		c.vecs[j], c.nbs[j], c.errs[j] = x.d.decode(id, recs[j], c.nbs[j])
	}
	ringBeams.Add(1)
	return true
}
