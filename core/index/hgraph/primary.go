package hgraph

import (
	"unsafe"

	"github.com/govsag/vsag/core/quant"
)

// primaryStore is the dense copy of the primary codes of a two-stage base quantizer (leanvec,
// lvq4x4, lvq4x8, lvq8x8): row r holds the first stride bytes of base code r. The graph search
// reads only these, so a hop touches stride bytes per neighbour rather than a whole code row
// (for leanvec 784 -> 160 dimensions with lvq8/fp16, 164 of 1732 bytes). The store is derived
// from the base codes and is not saved.
type primaryStore struct {
	stride int
	buf    []uint64 // backing, 8-byte aligned; slab starts at the first 64-byte boundary
	slab   []byte
	n      int
}

func newPrimaryStore(ts quant.TwoStage) *primaryStore {
	return &primaryStore{stride: ts.PrimaryCodeSize()}
}

func (p *primaryStore) reserve(rows int) {
	need := rows * p.stride
	if need <= len(p.slab) {
		return
	}
	words := (need+63)/8 + 8
	buf := make([]uint64, words)
	base := unsafe.Pointer(&buf[0])
	off := (64 - int(uintptr(base)&63)) & 63
	slab := unsafe.Slice((*byte)(base), words*8)[off : off+need : off+need]
	copy(slab, p.slab[:p.n*p.stride])
	p.buf, p.slab = buf, slab
}

// push appends the primary prefix of a full code.
func (p *primaryStore) push(code []byte) {
	if (p.n+1)*p.stride > len(p.slab) {
		p.reserve(max(2*p.n, 64))
	}
	copy(p.slab[p.n*p.stride:(p.n+1)*p.stride], code[:p.stride])
	p.n++
}

// set replaces row r with the prefix of code.
func (p *primaryStore) set(r int, code []byte) {
	copy(p.slab[r*p.stride:(r+1)*p.stride], code[:p.stride])
}

// rows returns rows 0..n-1 as one slice.
func (p *primaryStore) rows() []byte { return p.slab[:p.n*p.stride] }

func (p *primaryStore) memoryUsage() int64 { return int64(len(p.buf)) * 8 }

// fill rebuilds the store from the full codes in slab (rows of full bytes).
func (p *primaryStore) fill(slab []byte, full, n int) {
	p.n = 0
	p.slab = p.slab[:0]
	p.reserve(n)
	for r := 0; r < n; r++ {
		p.push(slab[r*full : (r+1)*full])
	}
}
