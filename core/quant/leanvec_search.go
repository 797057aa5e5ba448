package quant

import (
	"math"

	"github.com/govsag/vsag/simd"
)

// Search-time helpers of leanvec: the query projection and the prefetching of the rows a
// batch reads.

// lvQueryMat is the query matrix of a transform as the projection of queries reads it: IEEE
// half when every entry fits the half range (half the bytes to stream per query, and the
// fp16 batch kernel measures eight rows per pass), else float32.
type lvQueryMat struct {
	tr   *Transform
	half []uint16 // Out x In, nil when the matrix stays float32
}

// queryMat returns the query matrix of the current transform, converting it on first use
// after the transform changed.
func (lv *LeanVec) queryMat() *lvQueryMat {
	t := lv.tr
	if m := lv.qmat.Load(); m != nil && m.tr == t {
		return m
	}
	m := &lvQueryMat{tr: t}
	fits := true
	for _, v := range t.Query {
		if !(math.Abs(float64(v)) <= lvqMaxHalf) {
			fits = false
			break
		}
	}
	if fits {
		m.half = make([]uint16, len(t.Query))
		simd.F32ToF16(m.half, t.Query)
	}
	lv.qmat.Store(m)
	return m
}

// projectQuery writes the projection of the query q into dst (len Out): Query·(q - Mean)
// when centre (q - Mean is left in scratch[:In]), else Query·q; scratch holds In values. The projection feeds the primary
// distances, which are estimates of lvq8 or coarser codes, so the half matrix's relative
// error of about 2^-11 per entry is far below what they resolve.
func (lv *LeanVec) projectQuery(dst, q, scratch []float32, centre bool) {
	t := lv.tr
	x := q[:t.In]
	if centre {
		for j, v := range x {
			scratch[j] = v - t.Mean[j]
		}
		x = scratch[:t.In]
	}
	if m := lv.queryMat(); m.half != nil {
		// the batch kernel over row ids 0..63 takes eight matrix rows per pass (the query
		// loaded once for them)
		for base := 0; base < t.Out; base += len(lvRowIDs) {
			n := min(len(lvRowIDs), t.Out-base)
			simd.InnerProductF16Batch(x, m.half[base*t.In:], t.In, lvRowIDs[:n], dst[base:base+n])
		}
		return
	}
	simd.InnerProductRows(x, t.Query, t.In, dst[:t.Out])
}

// halfBatch measures fp16 rows by id with the grouped batch kernel (eight rows in flight):
// the rerank reads secondary codes of ids scattered over the slab.
func (c *lvFloatComputer) halfBatch(codes []uint16, stride int, ids []uint32, out []float32) {
	f16Batch(c.ip)(c.q, codes, stride, ids, out)
}

// f16Batch returns the fp16 batch kernel of the metric: dot products when ip, else squared L2.
func f16Batch(ip bool) func(q []float32, codes []uint16, stride int, ids []uint32, out []float32) {
	if ip {
		return simd.InnerProductF16Batch
	}
	return simd.L2SqrF16Batch
}

// lvZeroID and lvRowIDs are the ids of a one-row batch and of the chunks of a row scan.
var (
	lvZeroID [1]uint32
	lvRowIDs = func() (a [64]uint32) {
		for i := range a {
			a[i] = uint32(i)
		}
		return a
	}()
)
