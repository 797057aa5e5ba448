package quant

import (
	"math"

	"github.com/govsag/vsag/simd"
)

// Search-time helper of leanvec: the query projection (the fp16 batch kernels its rerank uses
// are shared with the fp16 quantizer, fp16.go).

// lvQueryMat is the query matrix of a transform as the projection of queries reads it: IEEE
// half, column-major, when every entry fits the half range (half the bytes of float32, and the
// projection then adds up only the columns of the query's nonzero entries), else float32.
type lvQueryMat struct {
	tr *Transform
	// cols holds In columns of Out half values (nil when the matrix stays float32); mean is
	// cols times Mean (Out values), what a centred projection subtracts.
	cols []uint16
	mean []float32
	// meanNorm is ||Mean||^2.
	meanNorm float64
}

// queryMat returns the query matrix of the current transform, converting it on first use
// after the transform changed.
func (lv *LeanVec) queryMat() *lvQueryMat {
	t := lv.tr
	if m := lv.qmat.Load(); m != nil && m.tr == t {
		return m
	}
	m := &lvQueryMat{tr: t}
	for _, mu := range t.Mean {
		m.meanNorm += float64(mu) * float64(mu)
	}
	fits := true
	for _, v := range t.Query {
		if !(math.Abs(float64(v)) <= lvqMaxHalf) {
			fits = false
			break
		}
	}
	if fits {
		m.cols = make([]uint16, len(t.Query))
		col := make([]float32, t.Out)
		for j := 0; j < t.In; j++ {
			for r := range col {
				col[r] = t.Query[r*t.In+j]
			}
			simd.F32ToF16(m.cols[j*t.Out:(j+1)*t.Out], col)
		}
		m.mean = make([]float32, t.Out)
		for r := range m.mean {
			var s float64
			for j, mu := range t.Mean {
				s += float64(lvqFromHalf(m.cols[j*t.Out+r])) * float64(mu)
			}
			m.mean[r] = float32(s)
		}
	}
	lv.qmat.Store(m)
	return m
}

// projectQuery writes the projection of the query q into dst (len Out): Query·(q - Mean)
// when centre, else Query·q; scratch holds In values. The projection feeds the primary
// distances, which are estimates of lvq8 or coarser codes, so the half matrix's relative error
// of about 2^-11 per entry is far below what they resolve. With the half matrix the columns of
// the query's nonzero entries are added up, and a centred projection subtracts Query·Mean: a
// query with many zeros (an image's background, a sparse feature vector) costs only its
// nonzero entries. It returns the query matrix it used.
func (lv *LeanVec) projectQuery(dst, q, scratch []float32, centre bool) *lvQueryMat {
	t := lv.tr
	x := q[:t.In]
	m := lv.queryMat()
	if m.cols == nil {
		if centre {
			for j, v := range x {
				scratch[j] = v - t.Mean[j]
			}
			x = scratch[:t.In]
		}
		simd.InnerProductRows(x, t.Query, t.In, dst[:t.Out])
		return m
	}
	z := dst[:t.Out]
	if centre {
		for r, v := range m.mean {
			z[r] = -v
		}
	} else {
		clear(z)
	}
	simd.AccumulateF16Cols(z, m.cols, t.Out, x)
	return m
}
