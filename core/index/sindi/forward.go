package sindi

import (
	"math"

	"github.com/govsag/vsag/core/api"
)

// forward is the rerank store of use_reorder: every document whole (before doc pruning), its
// weights as fp32, or with rerank_type dmq8 as 8-bit codes of per-term codebooks (terms that
// occur at most dmq_shared_codebook_threshold times in the build share one codebook).
type forward struct {
	off  []int64
	ids  []uint32
	vals []float32 // fp32
	// dmq8
	dmq      bool
	shared   uint32
	trained  bool
	codes    []uint8
	books    map[uint32]codebook
	sharedCB codebook
}

// codebook maps a code c to lo + c*scale.
type codebook struct{ lo, scale float32 }

func (c codebook) encode(v float32) uint8 {
	q := (v - c.lo) / c.scale
	switch {
	case !(q > 0):
		return 0
	case q >= 255:
		return 255
	}
	return uint8(q + 0.5)
}

func newForward(dmq bool, shared uint32) *forward {
	return &forward{off: []int64{0}, dmq: dmq, shared: shared}
}

func rangeBook(lo, hi float32) codebook {
	if !(hi-lo >= 1e-6) {
		return codebook{lo: lo, scale: 1}
	}
	return codebook{lo: lo, scale: (hi - lo) / 255}
}

// train fixes the dmq8 codebooks from the build batch.
func (f *forward) train(rows api.SparseBatch) {
	count := map[uint32]uint32{}
	lo, hi := map[uint32]float32{}, map[uint32]float32{}
	for i, t := range rows.IDs {
		v := rows.Values[i]
		if c := count[t]; c == 0 {
			lo[t], hi[t] = v, v
		} else {
			lo[t], hi[t] = min(lo[t], v), max(hi[t], v)
		}
		count[t]++
	}
	f.books = map[uint32]codebook{}
	slo, shi := float32(math.MaxFloat32), float32(-math.MaxFloat32)
	for t, c := range count {
		if c > f.shared {
			f.books[t] = rangeBook(lo[t], hi[t])
			continue
		}
		slo, shi = min(slo, lo[t]), max(shi, hi[t])
	}
	if slo > shi {
		slo, shi = 0, 0
	}
	f.sharedCB = rangeBook(slo, shi)
	f.trained = true
}

func (f *forward) book(t uint32) codebook {
	if b, ok := f.books[t]; ok {
		return b
	}
	return f.sharedCB
}

func (f *forward) append(v api.SparseVector) {
	f.ids = append(f.ids, v.IDs...)
	if f.dmq {
		for i, t := range v.IDs {
			f.codes = append(f.codes, f.book(t).encode(v.Values[i]))
		}
	} else {
		f.vals = append(f.vals, v.Values...)
	}
	f.off = append(f.off, int64(len(f.ids)))
}

// row returns the stored document of inner id in (values decoded).
func (f *forward) row(in uint32) api.SparseVector {
	lo, hi := f.off[in], f.off[in+1]
	out := api.SparseVector{IDs: append([]uint32(nil), f.ids[lo:hi]...), Values: make([]float32, hi-lo)}
	for i := range out.IDs {
		out.Values[i] = f.value(lo + int64(i))
	}
	return out
}

func (f *forward) value(p int64) float32 {
	if f.dmq {
		b := f.book(f.ids[p])
		return b.lo + float32(f.codes[p])*b.scale
	}
	return f.vals[p]
}

// dot returns the inner product of inner id in with q: a binary search of each query term in
// the document's terms when the query is much shorter, else a merge.
func (f *forward) dot(in uint32, q api.SparseVector) float32 {
	lo, hi := f.off[in], f.off[in+1]
	ids := f.ids[lo:hi]
	s := float32(0)
	if len(q.IDs)*8 < len(ids) {
		rest := ids
		for j, t := range q.IDs {
			a, b := 0, len(rest)
			for a < b {
				m := int(uint(a+b) >> 1)
				if rest[m] < t {
					a = m + 1
				} else {
					b = m
				}
			}
			if a < len(rest) && rest[a] == t {
				p := lo + int64(len(ids)-len(rest)+a)
				s += f.value(p) * q.Values[j]
			}
			rest = rest[a:]
		}
		return s
	}
	i, j := 0, 0
	for i < len(ids) && j < len(q.IDs) {
		a, b := ids[i], q.IDs[j]
		switch {
		case a == b:
			s += f.value(lo+int64(i)) * q.Values[j]
			i++
			j++
		case a < b:
			i++
		default:
			j++
		}
	}
	return s
}

func (f *forward) memory() int64 {
	m := int64(cap(f.off))*8 + int64(cap(f.ids))*4 + int64(cap(f.vals))*4 + int64(cap(f.codes))
	return m + int64(len(f.books))*24
}

func (f *forward) compact() {
	f.off, f.ids, f.vals, f.codes = trim(f.off), trim(f.ids), trim(f.vals), trim(f.codes)
}
