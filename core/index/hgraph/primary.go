package hgraph

import (
	"unsafe"

	"github.com/govsag/vsag/core/hugepage"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/simd"
)

// primaryStore is the dense copy of the primary codes of a two-stage base quantizer (leanvec,
// lvq4x4, lvq4x8, lvq8x8): row r holds the first stride bytes of base code r, or, when the
// quantizer has a packed traversal form (quant.PrimaryPacker: leanvec with lvq8 primary
// codes), the packed row made from it. The graph search reads only these, so a hop touches
// stride bytes per neighbour rather than a whole code row (for leanvec 784 -> 160 dimensions
// with lvq8/fp16, 168 of 1732 bytes). The store is derived from the base codes and is not
// saved.
type primaryStore struct {
	stride int
	pack   func(dst, code []byte) // nil: rows are the prefixes
	buf    []uint64               // backing, 8-byte aligned; slab starts at the first 64-byte boundary
	slab   []byte
	n      int
}

// twoStage returns the traversal quantizer and the empty dense store of a two-stage base
// quantizer: its packed rows where it has them, else its primary prefixes.
func twoStage(ts quant.TwoStage) (quant.Quantizer, *primaryStore) {
	if pp, ok := ts.(quant.PrimaryPacker); ok {
		if pq := pp.PackedPrimary(); pq != nil {
			return pq, &primaryStore{stride: pq.CodeSize(), pack: pp.PackPrimary}
		}
	}
	return ts.Primary(), &primaryStore{stride: ts.PrimaryCodeSize()}
}

// hasTwoStage reports whether base is a two-stage quantizer whose primary prefixes are
// shorter than its codes, so that a dense store of them pays.
func hasTwoStage(base quant.Quantizer) (quant.TwoStage, bool) {
	ts, ok := base.(quant.TwoStage)
	return ts, ok && ts.PrimaryCodeSize() < ts.CodeSize() && ts.Primary().CodeSize() == ts.PrimaryCodeSize()
}

func (p *primaryStore) reserve(rows int) {
	need := rows * p.stride
	if need <= len(p.slab) {
		return
	}
	words := (need+63)/8 + 8
	buf := make([]uint64, words)
	hugepage.Slice(buf)
	base := unsafe.Pointer(&buf[0])
	off := (64 - int(uintptr(base)&63)) & 63
	slab := unsafe.Slice((*byte)(base), words*8)[off : off+need : off+need]
	copy(slab, p.slab[:p.n*p.stride])
	p.buf, p.slab = buf, slab
}

// push appends the primary prefix of a full code.
func (p *primaryStore) push(code []byte) { p.set(p.extend(1), code) }

// extend appends n rows for set to fill and returns the first of them.
func (p *primaryStore) extend(n int) int {
	if (p.n+n)*p.stride > len(p.slab) {
		p.reserve(max(2*p.n, p.n+n, 64))
	}
	r := p.n
	p.n += n
	return r
}

// set replaces row r with the prefix of code, or its packed row.
func (p *primaryStore) set(r int, code []byte) {
	dst := p.slab[r*p.stride : (r+1)*p.stride]
	if p.pack != nil {
		p.pack(dst, code)
		return
	}
	copy(dst, code[:p.stride])
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

// fastDecoder wraps a leanvec quantizer whose secondary encoding is fp16 or fp32 so that
// Decode, which the graph builder calls for every pruning pivot, converts the secondary code
// with the simd kernels. The secondary code starts at the first 4-byte boundary after the
// primary prefix (the layout leanvec documents).
type fastDecoder struct {
	quant.Quantizer
	off  int
	half bool
}

// withFastDecode returns q wrapped in a fastDecoder when q is leanvec with an fp16 or fp32
// secondary encoding, else q.
func withFastDecode(q quant.Quantizer) quant.Quantizer {
	lv, ok := q.(*quant.LeanVec)
	if !ok {
		return q
	}
	_, sec, _ := lv.Kinds()
	if sec != "fp16" && sec != "fp32" {
		return q
	}
	return &fastDecoder{Quantizer: q, off: (lv.PrimaryCodeSize() + 3) &^ 3, half: sec == "fp16"}
}

// Decode writes the decoded secondary code, as the wrapped quantizer's Decode does.
func (f *fastDecoder) Decode(dst []float32, code []byte) {
	n := f.Dim()
	c := code[f.off:]
	if f.half {
		simd.F16ToF32(dst[:n], unsafe.Slice((*uint16)(unsafe.Pointer(&c[0])), n))
		return
	}
	copy(dst[:n], unsafe.Slice((*float32)(unsafe.Pointer(&c[0])), n))
}

// grown is store.Codes.Grown for the primary codes.
func (p *primaryStore) grown(rows int) *primaryStore {
	g := &primaryStore{stride: p.stride, pack: p.pack}
	g.reserve(max(rows, p.n))
	copy(g.slab, p.slab[:p.n*p.stride])
	g.n = p.n
	return g
}

// catchUp is store.Codes.CatchUp for the primary codes.
func (g *primaryStore) catchUp(p *primaryStore) bool {
	if p.n < g.n || p.n*p.stride > len(g.slab) {
		return false
	}
	copy(g.slab[g.n*g.stride:p.n*p.stride], p.slab[g.n*p.stride:p.n*p.stride])
	g.n = p.n
	return true
}

// capRows returns the rows the store has room for without growing.
func (p *primaryStore) capRows() int { return len(p.slab) / max(p.stride, 1) }
