package sindi

import (
	"math"
	"unsafe"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/simd"
)

// forward is the rerank store of use_reorder: every document whole (before doc pruning), its
// weights as fp32, or with rerank_type dmq8 as 8-bit codes of per-term codebooks (terms that
// occur at most dmq_shared_codebook_threshold times in the build share one codebook).
type forward struct {
	off  []int64
	ids  []uint32  // term slots of the index (Index.slotTerm maps them back to term ids)
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

// train fixes the dmq8 codebooks from the build batch (codebooks are keyed by term id).
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

// append stores row v, whose terms have the slots slots.
func (f *forward) append(v api.SparseVector, slots []uint32) {
	f.ids = append(f.ids, slots...)
	if f.dmq {
		for i, t := range v.IDs {
			f.codes = append(f.codes, f.book(t).encode(v.Values[i]))
		}
	} else {
		f.vals = append(f.vals, v.Values...)
	}
	f.off = append(f.off, int64(len(f.ids)))
}

// row returns the stored document of inner id in (values decoded); slotTerm maps slots to
// term ids.
func (f *forward) row(in uint32, slotTerm []uint32) api.SparseVector {
	lo, hi := f.off[in], f.off[in+1]
	out := api.SparseVector{IDs: make([]uint32, hi-lo), Values: make([]float32, hi-lo)}
	for i := range out.IDs {
		out.IDs[i] = slotTerm[f.ids[lo+int64(i)]]
		out.Values[i] = f.value(lo+int64(i), out.IDs[i])
	}
	return out
}

// value returns the weight at position p, whose term id is t.
func (f *forward) value(p int64, t uint32) float32 {
	if f.dmq {
		b := f.book(t)
		return b.lo + float32(f.codes[p])*b.scale
	}
	return f.vals[p]
}

// dot returns the inner product of inner id in with the query whose weights qd holds by term
// slot (zero for the terms it does not have); slotTerm maps slots to term ids (dmq8).
func (f *forward) dot(in uint32, qd []float32, slotTerm []uint32) float32 {
	lo, hi := f.off[in], f.off[in+1]
	slots := f.ids[lo:hi]
	s := float32(0)
	if f.dmq {
		for i, sl := range slots {
			if w := qd[sl]; w != 0 {
				s += w * f.value(lo+int64(i), slotTerm[sl])
			}
		}
		return s
	}
	vals := f.vals[lo:hi]
	for i, sl := range slots {
		s += qd[sl] * vals[i]
	}
	return s
}

// prefetch asks for the cache lines that hold the first and the last of inner id in's terms and
// values (every line of a document that spans two lines at most), so that a later dot finds
// them on its way.
func (f *forward) prefetch(in uint32) {
	lo, hi := f.off[in], f.off[in+1]
	if lo == hi {
		return
	}
	simd.Prefetch(unsafe.Pointer(&f.ids[lo]))
	simd.Prefetch(unsafe.Pointer(&f.ids[hi-1]))
	if f.dmq {
		simd.Prefetch(unsafe.Pointer(&f.codes[lo]))
		return
	}
	simd.Prefetch(unsafe.Pointer(&f.vals[lo]))
	simd.Prefetch(unsafe.Pointer(&f.vals[hi-1]))
}

func (f *forward) memory() int64 {
	m := int64(cap(f.off))*8 + int64(cap(f.ids))*4 + int64(cap(f.vals))*4 + int64(cap(f.codes))
	return m + int64(len(f.books))*24
}

func (f *forward) compact() {
	f.off, f.ids, f.vals, f.codes = trim(f.off), trim(f.ids), trim(f.vals), trim(f.codes)
}
