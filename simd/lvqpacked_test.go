package simd

import (
	"math"
	"testing"
)

// packedWant returns the float64 value of the packed kernel's formula for the
// decoded row x (scale*c + bias) and the quantized query step*q16, with the
// magnitude of its terms.
func packedWant(q16 []int16, step float64, x []float64, aux float64, p *LVQ8PackedParams, s, b float64) (want, mag float64) {
	var d float64
	for j, v := range x {
		c := (v - b) / s
		d += float64(q16[j]) * math.Round(c)
	}
	want = float64(p.Base) + float64(p.AuxW)*aux + float64(p.SW)*s*d + float64(p.BW)*b
	mag = math.Abs(float64(p.Base)) + math.Abs(float64(p.AuxW)*aux) + math.Abs(float64(p.SW)*s*d) + math.Abs(float64(p.BW)*b)
	return want, mag
}

// TestLVQ8Packed checks the packed kernels of every level against a float64
// reference, for lengths around the 32-dimension blocks, and that batch, rows
// and single-row calls agree bit for bit.
func TestLVQ8Packed(t *testing.T) {
	forLVQLevels(t, func(t *testing.T) {
		r := newRand(7)
		for _, n := range []int{1, 7, 31, 32, 33, 63, 64, 65, 96, 160, 200, 784, LVQ8PackedMaxDim} {
			const rows = 11
			stride := LVQ8PackedRowBytes(n) + 3 // rows need not be aligned
			slab := make([]byte, rows*stride)
			xs := make([][]float64, rows)
			auxs := make([]float32, rows)
			for i := 0; i < rows; i++ {
				lr := randLVQRow(r, n, 8, 0)
				auxs[i] = r.Float32()*10 - 5
				PackLVQ8(slab[i*stride:], lr.bytes, n, auxs[i])
				xs[i] = lr.x
			}
			q := randF32(r, n, 3)
			q16 := make([]int16, LVQ8PackedLen(n))
			step := LVQ8PackedQuery(q16, q)
			p := &LVQ8PackedParams{Base: 1.5, AuxW: 0.75, SW: -2 * step, BW: -0.25}
			ids := []uint32{3, 0, 10, 3, 7, 1, 2, 9, 8, 4, 5, 6}
			out := make([]float32, len(ids))
			LVQ8PackedBatch(q16, p, slab, stride, ids, out)
			all := make([]float32, rows)
			LVQ8PackedRows(q16, p, slab, stride, all)
			for i, id := range ids {
				row := slab[int(id)*stride:]
				s, b := lvqHeader(row)
				want, mag := packedWant(q16, float64(step), xs[id], float64(auxs[id]), p, float64(s), float64(b))
				if got := float64(out[i]); math.Abs(got-want) > 1e-5*mag+1e-6 {
					t.Fatalf("n=%d id=%d: got %g want %g", n, id, got, want)
				}
				if one := LVQ8Packed(q16, p, row); one != out[i] || all[id] != out[i] {
					t.Fatalf("n=%d id=%d: single %g rows %g batch %g differ", n, id, one, all[id], out[i])
				}
			}
			// The quantized query stays within one step of the query.
			for j, x := range q {
				if d := math.Abs(float64(x) - float64(step)*float64(q16[j])); d > float64(step) {
					t.Fatalf("n=%d: query %d is %g, quantized to %g", n, j, x, float64(step)*float64(q16[j]))
				}
			}
		}
	})
}

// TestLVQ8PackedExtremes checks that full-scale codes and query entries at
// LVQ8PackedMaxDim do not overflow, and the query's odd cases.
func TestLVQ8PackedExtremes(t *testing.T) {
	forLVQLevels(t, func(t *testing.T) {
		n := LVQ8PackedMaxDim
		row := make([]byte, LVQ8PackedRowBytes(n))
		src := make([]byte, 4+n)
		src[0], src[1] = 0x00, 0x3c // scale 1
		for j := 4; j < len(src); j++ {
			src[j] = 255
		}
		PackLVQ8(row, src, n, 0)
		q := make([]float32, n)
		for j := range q {
			q[j] = 1
		}
		q16 := make([]int16, n)
		step := LVQ8PackedQuery(q16, q)
		p := &LVQ8PackedParams{SW: step}
		got := LVQ8Packed(q16, p, row)
		if want := float32(255 * n); math.Abs(float64(got-want)) > 1e-4*float64(want) {
			t.Fatalf("got %g want %g", got, want)
		}
		for j := range q {
			q[j] = -1
		}
		LVQ8PackedQuery(q16, q)
		if got := LVQ8Packed(q16, p, row); math.Abs(float64(got+float32(255*n))) > 1e-4*float64(255*n) {
			t.Fatalf("negative: got %g", got)
		}
	})
	q16 := []int16{9, 9, 9}
	q16 = append(q16, make([]int16, 29)...)
	if step := LVQ8PackedQuery(q16, []float32{0, float32(math.NaN()), float32(math.Inf(-1))}); step != 0 || q16[0] != 0 || q16[1] != 0 || q16[2] != 0 {
		t.Fatalf("a query without finite non-zero entries: step %g, %v", step, q16[:3])
	}
	if step := LVQ8PackedQuery(q16, []float32{2, float32(math.NaN()), -1}); step == 0 || q16[0] != 32767 || q16[1] != 0 || q16[2] != -16384 {
		t.Fatalf("NaN entry: step %g, %v", step, q16[:3])
	}
}

// TestLVQ8PackedPanics checks the argument checks.
func TestLVQ8PackedPanics(t *testing.T) {
	p := &LVQ8PackedParams{}
	row := make([]byte, LVQ8PackedRowBytes(32))
	for name, f := range map[string]func(){
		"empty query":     func() { LVQ8Packed(nil, p, row) },
		"unpadded query":  func() { LVQ8Packed(make([]int16, 31), p, row) },
		"too long query":  func() { LVQ8Packed(make([]int16, LVQ8PackedMaxDim+32), p, make([]byte, 8+LVQ8PackedMaxDim+32)) },
		"short row":       func() { LVQ8Packed(make([]int16, 32), p, row[:39]) },
		"row beyond slab": func() { LVQ8PackedBatch(make([]int16, 32), p, row, 40, []uint32{1}, make([]float32, 1)) },
		"short out":       func() { LVQ8PackedBatch(make([]int16, 32), p, row, 40, []uint32{0, 0}, make([]float32, 1)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkLVQ8PackedBatch: 64 random rows of 4096 per op, against
// BenchmarkLVQ8L2SqrBatch's rows of the same dimensions.
func BenchmarkLVQ8PackedBatch(b *testing.B) {
	benchLVQLevels(b, func(dim int) (int, func()) {
		src, sstride := benchLVQSlab(dim, 8, 0)
		stride := LVQ8PackedRowBytes(dim)
		slab := make([]byte, 4096*stride)
		for i := 0; i < 4096; i++ {
			PackLVQ8(slab[i*stride:], src[i*sstride:], dim, 1)
		}
		q16 := make([]int16, LVQ8PackedLen(dim))
		step := LVQ8PackedQuery(q16, randF32(newRand(2), dim, 1))
		p := &LVQ8PackedParams{Base: 1, AuxW: 1, SW: -2 * step, BW: 1}
		ids := benchIDs()
		out := make([]float32, len(ids))
		return len(ids) * stride, func() { LVQ8PackedBatch(q16, p, slab, stride, ids, out) }
	})
}
